/*
 * sim_resp.c: RESP2 and RESP3 reply scanning and request encoding for the simulated clients.
 * Independent of src/resp.c and src/reply.c on purpose (a shared bug would hide
 * itself). Owns no memory. Invariants: the scanner never reads past len, never
 * recurses (explicit stack of SIM_RESP_DEPTH_MAX pending array counts) and accepts
 * only well-formed replies: a type byte, a CRLF-terminated line, bulk payloads
 * followed by CRLF.
 */
#include "sim_resp.h"

#include <string.h>

/* Finds the CRLF ending the line that starts at p[pos]; returns its index or -1. */
static int64_t line_end(const uint8_t *p, uint32_t len, uint32_t pos) {
    KV_ASSERT(pos <= len);
    for (uint32_t i = pos; i < len; i++) {
        if (p[i] == '\n') return -2;
        if (p[i] != '\r') continue;
        if (i + 1 == len) return -1;
        return p[i + 1] == '\n' ? (int64_t)i : -2;
    }
    return -1;
}

/* Parses the decimal integer p[from..to), optional leading '-', within int64. */
static bool parse_int(const uint8_t *p, uint32_t from, uint32_t to, int64_t *out) {
    KV_ASSERT(from <= to);
    bool neg = from < to && p[from] == '-';
    uint32_t i = from + (neg ? 1u : 0u);
    if (i == to || to - i > 19) return false;
    uint64_t v = 0;
    for (; i < to; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (uint64_t)(p[i] - '0'); /* 19 digits never overflow u64 */
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* A RESP3 line that must hold a number: a double (digits, sign, '.', 'e', or
 * inf / -inf / nan), a boolean t or f, or a big number (sign and digits). */
static bool line_ok(uint8_t type, const uint8_t *p, uint32_t from, uint32_t to) {
    uint32_t n = to - from;
    if (type == '_') return n == 0;
    if (type == '#') return n == 1 && (p[from] == 't' || p[from] == 'f');
    if (n == 0) return false;
    if (type == ',' && n == 3 && memcmp(p + from, "nan", 3) == 0) return true;
    if (type == ',' && n == 3 && memcmp(p + from, "inf", 3) == 0) return true;
    if (type == ',' && n == 4 && memcmp(p + from, "-inf", 4) == 0) return true;
    for (uint32_t i = from; i < to; i++) {
        uint8_t ch = p[i];
        bool exp_sign = type == ',' && i > from && (p[i - 1] | 32) == 'e';
        bool sign = (ch == '-' || ch == '+') && (i == from || exp_sign);
        bool digit = ch >= '0' && ch <= '9';
        bool frac = type == ',' && (ch == '.' || ch == 'e' || ch == 'E');
        if (!digit && !sign && !frac) return false;
    }
    return true;
}

/* Elements an aggregate header announces (maps and attributes: 2 per entry), or -1. */
static int64_t aggregate_len(uint8_t type, int64_t n) {
    if (type == '*') return n < 0 ? 0 : n; /* *-1: RESP2's null array */
    if (n < 0) return -1;
    if (type == '~' || type == '>') return n;
    return n > INT64_MAX / 2 ? -1 : 2 * n; /* '%' or '|' */
}

/*
 * One element starting at *pos: advances *pos past it, or for an aggregate header
 * (* ~ > % |), past the header only, reporting its element count in *array_len
 * (else -1). RESP2's types and RESP3's (_ , # ( = ! and the aggregates); the
 * streamed forms ($? *? ...) are not accepted: kv never sends them.
 */
static enum sim_resp_status scan_element(const uint8_t *p, uint32_t len, uint32_t *pos,
                                         int64_t *array_len) {
    KV_ASSERT(*pos < len);
    *array_len = -1;
    int64_t end = line_end(p, len, *pos + 1);
    if (end == -1) return SIM_RESP_NEED_MORE;
    if (end < 0) return SIM_RESP_BAD;
    uint8_t type = p[*pos];
    uint32_t body = *pos + 1;
    uint32_t after = (uint32_t)end + 2;
    int64_t n = 0;
    if (type == '+' || type == '-') {
        *pos = after;
        return SIM_RESP_OK;
    }
    if (type == '_' || type == ',' || type == '#' || type == '(') {
        if (!line_ok(type, p, body, (uint32_t)end)) return SIM_RESP_BAD;
        *pos = after;
        return SIM_RESP_OK;
    }
    if (!parse_int(p, body, (uint32_t)end, &n)) return SIM_RESP_BAD;
    if (type == ':') {
        *pos = after;
        return SIM_RESP_OK;
    }
    if (n < -1) return SIM_RESP_BAD;
    if (strchr("*~>%|", type) != NULL && type != 0) {
        *array_len = aggregate_len(type, n);
        *pos = after;
        return *array_len < 0 ? SIM_RESP_BAD : SIM_RESP_OK;
    }
    if (type != '$' && type != '!' && type != '=') return SIM_RESP_BAD;
    if (n < 0) {
        *pos = after;
        return type == '$' ? SIM_RESP_OK : SIM_RESP_BAD; /* $-1: RESP2's null */
    }
    if (type == '=' && n < 4) return SIM_RESP_BAD; /* "txt:" and the payload */
    if ((uint64_t)after + (uint64_t)n + 2 > len) return SIM_RESP_NEED_MORE;
    uint32_t tail = after + (uint32_t)n;
    if (p[tail] != '\r' || p[tail + 1] != '\n') return SIM_RESP_BAD;
    if (type == '=' && p[after + 3] != ':') return SIM_RESP_BAD;
    *pos = tail + 2;
    KV_ASSERT(*pos <= len);
    return SIM_RESP_OK;
}

enum sim_resp_status sim_resp_scan(const uint8_t *p, uint32_t len, uint32_t *reply_len) {
    KV_ASSERT(p != NULL || len == 0);
    int64_t left[SIM_RESP_DEPTH_MAX + 1];
    uint32_t depth = 0;
    uint32_t pos = 0;
    left[0] = 1; /* the one top-level reply */
    for (uint32_t guard = 0; guard <= len; guard++) {
        if (pos >= len) return SIM_RESP_NEED_MORE;
        int64_t array_len = -1;
        bool attribute = p[pos] == '|'; /* precedes the element it annotates */
        enum sim_resp_status st = scan_element(p, len, &pos, &array_len);
        if (st != SIM_RESP_OK) return st;
        if (!attribute) left[depth]--;
        if (array_len > 0) {
            if (depth == SIM_RESP_DEPTH_MAX) return SIM_RESP_BAD;
            left[++depth] = array_len;
        }
        while (depth > 0 && left[depth] == 0) depth--;
        if (depth == 0 && left[0] == 0) {
            *reply_len = pos;
            KV_ASSERT(pos <= len);
            return SIM_RESP_OK;
        }
    }
    return SIM_RESP_BAD;
}

uint32_t sim_fmt_i64(char *buf, int64_t v) {
    KV_ASSERT(buf != NULL);
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint32_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0 && n < 22);
    uint32_t len = 0;
    if (v < 0) buf[len++] = '-';
    while (n > 0) buf[len++] = tmp[--n];
    buf[len] = 0;
    KV_ASSERT(len <= 20);
    return len;
}

static uint32_t digits_u64(uint64_t v) {
    uint32_t d = 1;
    while (v >= 10 && d < 20) {
        v /= 10;
        d++;
    }
    return d;
}

uint64_t sim_resp_request_size(uint32_t argc, const struct kv_slice *argv) {
    KV_ASSERT(argc > 0);
    uint64_t n = 3 + digits_u64(argc);
    for (uint32_t i = 0; i < argc; i++) n += 5 + digits_u64(argv[i].len) + argv[i].len;
    return n;
}

static uint32_t put_header(uint8_t *out, char type, uint64_t v) {
    char num[24];
    uint32_t d = sim_fmt_i64(num, (int64_t)v);
    out[0] = (uint8_t)type;
    memcpy(out + 1, num, d);
    out[1 + d] = '\r';
    out[2 + d] = '\n';
    return d + 3;
}

uint32_t sim_resp_encode(uint8_t *out, uint64_t cap, uint32_t argc, const struct kv_slice *argv) {
    uint64_t need = sim_resp_request_size(argc, argv);
    KV_ASSERT(need <= cap && need < UINT32_MAX);
    uint32_t n = put_header(out, '*', argc);
    for (uint32_t i = 0; i < argc; i++) {
        n += put_header(out + n, '$', argv[i].len);
        if (argv[i].len > 0) memcpy(out + n, argv[i].ptr, argv[i].len);
        n += argv[i].len;
        out[n++] = '\r';
        out[n++] = '\n';
    }
    KV_ASSERT(n == need);
    return n;
}

static bool inline_safe(struct kv_slice s) {
    if (s.len == 0) return false;
    for (uint32_t i = 0; i < s.len; i++) {
        uint8_t c = s.ptr[i];
        if (c <= ' ' || c >= 127 || c == '"' || c == '\'' || c == '\\') return false;
    }
    return true;
}

uint32_t sim_resp_encode_inline(uint8_t *out, uint64_t cap, uint32_t argc,
                                const struct kv_slice *argv) {
    KV_ASSERT(argc > 0);
    if (argv[0].len > 0 && argv[0].ptr[0] == '*') return 0; /* would read as multibulk */
    uint64_t need = 2;
    for (uint32_t i = 0; i < argc; i++) {
        if (!inline_safe(argv[i])) return 0;
        need += argv[i].len + 1;
    }
    if (need - 1 > cap) return 0; /* cap: the buffer's room and the inline limit */
    uint32_t n = 0;
    for (uint32_t i = 0; i < argc; i++) {
        if (i > 0) out[n++] = ' ';
        memcpy(out + n, argv[i].ptr, argv[i].len);
        n += argv[i].len;
    }
    out[n++] = '\r';
    out[n++] = '\n';
    KV_ASSERT(n == need - 1);
    return n;
}

/* ---- quoted inline -------------------------------------------------------- */

struct qout {
    uint8_t *out;
    uint64_t cap, n;
    uint64_t bits; /* choices, consumed a few at a time */
};

static uint32_t take_bits(struct qout *q, uint32_t n) {
    uint32_t v = (uint32_t)(q->bits & ((1u << n) - 1));
    q->bits = (q->bits >> n) | (q->bits << (64 - n)); /* rotate: never runs dry */
    q->bits ^= q->bits << 13;
    q->bits ^= q->bits >> 7;
    return v;
}

static void qput(struct qout *q, uint8_t c) {
    if (q->n < q->cap) q->out[q->n] = c;
    q->n++;
}

/* One byte inside "double quotes": \xHH (either case), a named escape, an
 * escaped ordinary byte (the backslash is dropped) or the byte itself. */
static void dquote_byte(struct qout *q, uint8_t c) {
    static const char hex_lo[] = "0123456789abcdef", hex_up[] = "0123456789ABCDEF";
    static const char named_from[] = "\n\r\t\b\a", named_to[] = "nrtba";
    const char *named = c != 0 ? memchr(named_from, c, 5) : NULL;
    uint32_t roll = take_bits(q, 3);
    if (named != NULL && roll < 5) {
        qput(q, '\\');
        qput(q, (uint8_t)named_to[named - named_from]);
    } else if (c == '"' || c == '\\') {
        qput(q, '\\');
        qput(q, c);
    } else if (c < ' ' || c >= 127 || roll == 0) {
        const char *h = roll & 1 ? hex_up : hex_lo;
        qput(q, '\\');
        qput(q, 'x');
        qput(q, (uint8_t)h[c >> 4]);
        qput(q, (uint8_t)h[c & 15]);
    } else if (roll == 1 && c != 'x' && !memchr("nrtba", c, 5)) {
        qput(q, '\\'); /* "\q" is "q" */
        qput(q, c);
    } else {
        qput(q, c);
    }
}

/* 'single quotes' take any byte but NUL and newline; \' is a quote, and a
 * trailing backslash would escape the closing quote. */
static bool squote_ok(struct kv_slice a) {
    if (a.len > 0 && a.ptr[a.len - 1] == '\\') return false;
    return memchr(a.ptr, 0, a.len) == NULL && memchr(a.ptr, '\n', a.len) == NULL;
}

static void put_arg(struct qout *q, struct kv_slice a, bool first) {
    uint32_t mode = take_bits(q, 2);
    bool plain = inline_safe(a) && !(first && a.ptr[0] == '*');
    if (mode == 0 && plain) {
        for (uint32_t i = 0; i < a.len; i++) qput(q, a.ptr[i]);
    } else if (mode == 1 && (a.len == 0 || squote_ok(a))) {
        qput(q, '\'');
        for (uint32_t i = 0; i < a.len; i++) {
            if (a.ptr[i] == '\'') qput(q, '\\');
            qput(q, a.ptr[i]);
        }
        qput(q, '\'');
    } else {
        qput(q, '"');
        for (uint32_t i = 0; i < a.len; i++) dquote_byte(q, a.ptr[i]);
        qput(q, '"');
    }
}

uint32_t sim_resp_encode_quoted(uint8_t *out, uint64_t cap, uint32_t argc,
                                const struct kv_slice *argv, uint64_t bits) {
    KV_ASSERT(argc > 0);
    struct qout q = {out, cap, 0, bits | 1};
    if (take_bits(&q, 2) == 0) qput(&q, take_bits(&q, 1) ? '\t' : ' '); /* leading space */
    for (uint32_t i = 0; i < argc; i++) {
        if (i > 0) {
            for (uint32_t k = 1 + take_bits(&q, 1); k > 0; k--)
                qput(&q, take_bits(&q, 2) == 0 ? '\t' : ' ');
        }
        put_arg(&q, argv[i], i == 0);
        if (q.n > cap || q.n > 60000) return 0;
    }
    if (take_bits(&q, 3) == 0) qput(&q, ' '); /* trailing space */
    qput(&q, '\r');
    qput(&q, '\n');
    if (q.n > cap || q.n > 60000) return 0;
    return (uint32_t)q.n;
}

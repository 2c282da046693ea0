/*
 * resp.c: the incremental RESP2 request parser (see include/kv/resp.h).
 *
 * Role: bytes in, a validated frame (kv_parse_scan) and argument slices
 * (kv_parse_decode) out. It follows Redis 7.0 processMultibulkBuffer /
 * processInlineBuffer / sdssplitargs / string2ll, error strings included.
 *
 * Memory: owns none. Its whole state is the caller's struct kv_parser; the
 * "expected '$'" error strings live in a constant table below.
 *
 * Invariants:
 * - kv_parse_scan never reads at or past `len`, and never writes to `buf`.
 * - Work is O(bytes): a line's terminator search resumes where it stopped
 *   (field `bulk_len` doubles as that resume offset while a line is incomplete),
 *   bulk payloads are skipped, never scanned, and an inline line is split once.
 * - pos only grows while a frame is scanned; after OK or ERROR the parser must be
 *   reset (kv_parser_reset) before it scans again.
 * - kv_parse_decode trusts only what kv_parse_scan proved, and asserts it.
 * - A count above limits->argc_max (but otherwise valid) is KV_PARSE_ERROR with
 *   error == NULL: the request could never fit, close without a reply (Redis
 *   closes such a client silently when its query buffer limit trips).
 *
 * - limits->unauth (a client that must still AUTH): Redis 7.0's caps of 10 arguments
 *   and 16 KiB per bulk, checked right after the count's and the length's own checks.
 *
 * Deviations from Redis 7.0 (deliberate):
 * - Redis never checks the line terminators. kv requires every header line's '\r'
 *   to be followed by '\n' ("Protocol error: invalid line terminator") and the two
 *   bytes after each bulk payload to be exactly "\r\n" ("Protocol error: invalid
 *   bulk terminator"). Redis would silently skip whatever two bytes are there.
 * - Redis looks for line ends with strchr(), so a NUL byte in an inline line or
 *   before a header's '\r' stalls that connection until 64 KiB arrive. kv scans
 *   the whole buffer: NUL is an ordinary byte in inline arguments, an invalid
 *   digit in a length, and "expected '$', got '<NUL>'" reads, as a C string,
 *   "Protocol error: expected '$', got '" (what Redis's printf would produce).
 *
 * Never: allocate, use stdio, know about commands, connections or the keyspace.
 */
#include "kv/resp.h"

#include <string.h>

enum parse_state {
    ST_START = 0,     /* nothing seen yet: the first byte picks the kind */
    ST_MB_COUNT = 1,  /* "*<count>\r\n" line incomplete */
    ST_BULK_HDR = 2,  /* "$<len>\r\n" line at pos incomplete */
    ST_BULK_DATA = 3, /* payload of bulk_len bytes + "\r\n" at pos */
    ST_INLINE = 4,    /* inline line incomplete */
    ST_DONE = 5,      /* OK or ERROR returned: reset before scanning again */
};

/* Internal step result: a final status, or "state advanced, keep going". */
#define STEP_CONTINUE 3

#define ERR_MBULK_BIG "Protocol error: too big mbulk count string"
#define ERR_MBULK_LEN "Protocol error: invalid multibulk length"
#define ERR_BULK_BIG "Protocol error: too big bulk count string"
#define ERR_BULK_LEN "Protocol error: invalid bulk length"
#define ERR_INLINE_BIG "Protocol error: too big inline request"
#define ERR_QUOTES "Protocol error: unbalanced quotes in request"
#define ERR_LINE_TERM "Protocol error: invalid line terminator"
#define ERR_BULK_TERM "Protocol error: invalid bulk terminator"
#define ERR_UNAUTH_MBULK "Protocol error: unauthenticated multibulk length"
#define ERR_UNAUTH_BULK "Protocol error: unauthenticated bulk length"

/*
 * "Protocol error: expected '$', got '%c'" for every byte, as constant strings (the
 * result carries a static string, and the parser has nowhere to format into). The
 * prefix is spelled as characters so no initializer drops a string's NUL.
 */
#define DOLLAR_PREFIX "Protocol error: expected '$', got '"
#define DOLLAR_PREFIX_LEN 35
#define DOLLAR_CHARS                                                                   \
    'P', 'r', 'o', 't', 'o', 'c', 'o', 'l', ' ', 'e', 'r', 'r', 'o', 'r', ':', ' ',    \
    'e', 'x', 'p', 'e', 'c', 't', 'e', 'd', ' ', '\'', '$', '\'', ',', ' ',            \
    'g', 'o', 't', ' ', '\''
_Static_assert(sizeof(DOLLAR_PREFIX) - 1 == DOLLAR_PREFIX_LEN, "prefix length");

#define DE1(c) {DOLLAR_CHARS, (char)(c), '\'', '\0'}
#define DE4(c) DE1(c), DE1((c) + 1), DE1((c) + 2), DE1((c) + 3)
#define DE16(c) DE4(c), DE4((c) + 4), DE4((c) + 8), DE4((c) + 12)
#define DE64(c) DE16(c), DE16((c) + 16), DE16((c) + 32), DE16((c) + 48)
static const char k_dollar_errors[256][DOLLAR_PREFIX_LEN + 3] = {
    DE64(0), DE64(64), DE64(128), DE64(192),
};

static const char *dollar_error(uint8_t got) {
    const char *s = k_dollar_errors[got];
    KV_ASSERT(memcmp(s, DOLLAR_PREFIX, DOLLAR_PREFIX_LEN) == 0);
    KV_ASSERT(s[35] == (char)got && s[36] == '\'' && s[37] == '\0');
    return s;
}

/* Redis string2ll: no spaces, no '+', no leading zeros (except "0"), no "-0",
 * at most 20 characters, overflow fails. */
static bool parse_ll(const uint8_t *s, uint32_t n, int64_t *out) {
    if (n == 0 || n >= 21) return false;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    uint32_t i = 0;
    bool negative = s[0] == '-';
    if (negative) i++;
    if (i == n || s[i] < '1' || s[i] > '9') return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > UINT64_MAX / 10 || v * 10 > UINT64_MAX - d) return false;
        v = v * 10 + d;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = (int64_t)(0 - v); /* two's complement: INT64_MIN included */
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    KV_ASSERT(negative ? *out < 0 : *out > 0);
    return true;
}

void kv_parser_reset(struct kv_parser *p) {
    KV_ASSERT(p != NULL);
    memset(p, 0, sizeof(*p));
    p->state = ST_START;
    p->need = 1;
    KV_ASSERT(p->pos == 0 && p->argc == 0);
}

static int step_error(struct kv_parser *p, struct kv_parse_result *res, const char *error) {
    p->state = ST_DONE;
    res->error = error;
    return KV_PARSE_ERROR;
}

static int step_need_more(struct kv_parser *p, uint32_t len) {
    p->need = (uint64_t)len + 1;
    return KV_PARSE_NEED_MORE;
}

static int step_done(struct kv_parser *p, struct kv_parse_result *res,
                     enum kv_frame_kind kind) {
    KV_ASSERT(kind == KV_FRAME_EMPTY ? p->argc == 0 : p->argc > 0);
    p->state = ST_DONE;
    p->need = p->pos;
    res->kind = kind;
    res->frame_len = p->pos;
    res->argc = p->argc;
    return KV_PARSE_OK;
}

/* The longest inline request or header line (Redis PROTO_INLINE_MAX_SIZE). */
static uint64_t line_max(const struct kv_parse_limits *limits) {
    return limits->inline_max != 0 ? limits->inline_max : KV_PROTO_INLINE_MAX;
}

/*
 * Finds the '\r' ending the header line that starts at p->pos, resuming the search
 * where the last call stopped. Returns its offset, or len when the line and the
 * byte after its '\r' are not both buffered yet (then p->bulk_len holds the offset
 * where the next search resumes).
 */
static uint32_t line_find_cr(struct kv_parser *p, const uint8_t *buf, uint32_t len) {
    KV_ASSERT(p->bulk_len >= p->pos && p->bulk_len <= len);
    uint32_t from = (uint32_t)p->bulk_len;
    const uint8_t *cr = memchr(buf + from, '\r', len - from);
    if (cr == NULL) {
        p->bulk_len = len;
        return len;
    }
    uint32_t at = (uint32_t)(cr - buf);
    KV_ASSERT(at >= p->pos && at < len);
    p->bulk_len = at;
    return at + 1 < len ? at : len;
}

static int step_mb_count(struct kv_parser *p, const struct kv_parse_limits *limits,
                         const uint8_t *buf, uint32_t len, struct kv_parse_result *res) {
    KV_ASSERT(p->pos == 0 && buf[0] == '*');
    uint32_t cr = line_find_cr(p, buf, len);
    if (cr == len) {
        if ((uint64_t)p->bulk_len == len && len > line_max(limits))
            return step_error(p, res, ERR_MBULK_BIG);
        return step_need_more(p, len);
    }
    int64_t count = 0;
    if (!parse_ll(buf + 1, cr - 1, &count) || count > INT32_MAX)
        return step_error(p, res, ERR_MBULK_LEN);
    if (limits->unauth && count > KV_PROTO_UNAUTH_ARGC_MAX)
        return step_error(p, res, ERR_UNAUTH_MBULK);
    if (buf[cr + 1] != '\n') return step_error(p, res, ERR_LINE_TERM);
    p->pos = cr + 2;
    if (count <= 0) return step_done(p, res, KV_FRAME_EMPTY);
    /* Could never fit the query buffer limit: Redis-like silent close. */
    if ((uint64_t)count > limits->argc_max) return step_error(p, res, NULL);
    p->args_left = count;
    p->argc = 0;
    p->bulk_len = p->pos;
    p->state = ST_BULK_HDR;
    return STEP_CONTINUE;
}

static int step_bulk_hdr(struct kv_parser *p, const struct kv_parse_limits *limits,
                         const uint8_t *buf, uint32_t len, struct kv_parse_result *res) {
    KV_ASSERT(p->args_left > 0 && p->pos <= len);
    uint32_t cr = line_find_cr(p, buf, len);
    if (cr == len) {
        if ((uint64_t)p->bulk_len == len && len - p->pos > line_max(limits))
            return step_error(p, res, ERR_BULK_BIG);
        return step_need_more(p, len);
    }
    if (buf[p->pos] != '$') return step_error(p, res, dollar_error(buf[p->pos]));
    int64_t blen = 0;
    if (!parse_ll(buf + p->pos + 1, cr - p->pos - 1, &blen) || blen < 0 ||
        (uint64_t)blen > limits->bulk_len_max)
        return step_error(p, res, ERR_BULK_LEN);
    if (limits->unauth && (uint64_t)blen > KV_PROTO_UNAUTH_BULK_MAX)
        return step_error(p, res, ERR_UNAUTH_BULK);
    if (buf[cr + 1] != '\n') return step_error(p, res, ERR_LINE_TERM);
    p->pos = cr + 2;
    p->bulk_len = blen;
    p->need = (uint64_t)p->pos + (uint64_t)blen + 2;
    p->state = ST_BULK_DATA;
    KV_ASSERT(p->pos <= len);
    return STEP_CONTINUE;
}

static int step_bulk_data(struct kv_parser *p, const uint8_t *buf, uint32_t len,
                          struct kv_parse_result *res) {
    KV_ASSERT(p->bulk_len >= 0 && p->args_left > 0);
    uint64_t end = (uint64_t)p->pos + (uint64_t)p->bulk_len + 2;
    KV_ASSERT(p->need == end);
    if (end > len) return KV_PARSE_NEED_MORE;
    if (buf[end - 2] != '\r' || buf[end - 1] != '\n') return step_error(p, res, ERR_BULK_TERM);
    p->pos = (uint32_t)end;
    p->argc++;
    p->args_left--;
    if (p->args_left == 0) return step_done(p, res, KV_FRAME_MULTIBULK);
    p->bulk_len = p->pos;
    p->state = ST_BULK_HDR;
    return STEP_CONTINUE;
}

/* ---- inline: sdssplitargs over one line ---------------------------------------- */

/* isspace() in the C locale: what separates arguments and may follow a quote. */
static bool is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_hex(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static uint8_t hex_val(uint8_t c) {
    if (c >= '0' && c <= '9') return (uint8_t)(c - '0');
    if (c >= 'a' && c <= 'f') return (uint8_t)(c - 'a' + 10);
    KV_ASSERT(c >= 'A' && c <= 'F');
    return (uint8_t)(c - 'A' + 10);
}

static uint8_t unescape(uint8_t c) {
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

/* Output cursor of a split: out == NULL only counts (the scan pass). */
struct split_out {
    uint8_t *out;
    uint32_t w;
};

static void emit(struct split_out *o, uint8_t c) {
    if (o->out != NULL) o->out[o->w] = c;
    o->w++;
}

/* Inside "double quotes" at line[*i]: one byte or escape. Returns 1 when the quote
 * closed, 0 to continue, -1 on unbalanced quotes. */
static int dquote_step(const uint8_t *line, uint32_t n, uint32_t *i, struct split_out *o) {
    uint32_t at = *i;
    KV_ASSERT(at < n);
    uint8_t c = line[at];
    if (c == '\\' && at + 3 < n && line[at + 1] == 'x' && is_hex(line[at + 2]) &&
        is_hex(line[at + 3])) {
        emit(o, (uint8_t)(hex_val(line[at + 2]) * 16 + hex_val(line[at + 3])));
        *i = at + 4;
    } else if (c == '\\' && at + 1 < n) {
        emit(o, unescape(line[at + 1]));
        *i = at + 2;
    } else if (c == '"') {
        if (at + 1 < n && !is_space(line[at + 1])) return -1;
        *i = at + 1;
        return 1;
    } else {
        emit(o, c);
        *i = at + 1;
    }
    return 0;
}

/* Inside 'single quotes' at line[*i]: same contract as dquote_step. */
static int squote_step(const uint8_t *line, uint32_t n, uint32_t *i, struct split_out *o) {
    uint32_t at = *i;
    KV_ASSERT(at < n);
    uint8_t c = line[at];
    if (c == '\\' && at + 1 < n && line[at + 1] == '\'') {
        emit(o, '\'');
        *i = at + 2;
    } else if (c == '\'') {
        if (at + 1 < n && !is_space(line[at + 1])) return -1;
        *i = at + 1;
        return 1;
    } else {
        emit(o, c);
        *i = at + 1;
    }
    return 0;
}

/* One argument starting at line[*i] (not a space). False on unbalanced quotes. */
static bool split_token(const uint8_t *line, uint32_t n, uint32_t *i, struct split_out *o) {
    KV_ASSERT(*i < n && !is_space(line[*i]));
    uint8_t quote = 0;
    /* Each step consumes at least one byte or returns: n + 1 steps at most. */
    for (uint32_t step = 0; step <= n; step++) {
        if (quote != 0) {
            if (*i == n) return false; /* unterminated quotes */
            int r = quote == '"' ? dquote_step(line, n, i, o) : squote_step(line, n, i, o);
            if (r < 0) return false;
            if (r > 0) return true;
            continue;
        }
        if (*i == n) return true;
        uint8_t c = line[*i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') return true;
        if (c == '"' || c == '\'') quote = c;
        else emit(o, c);
        (*i)++;
    }
    KV_UNREACHABLE();
}

/*
 * sdssplitargs over line[0, n). With out != NULL, unescapes the arguments packed
 * from out[0] (out may equal line: the write cursor never passes the read cursor)
 * and fills argv. Returns false on unbalanced quotes; *argc_out gets the count and
 * *longest (if not NULL) the longest argument's length.
 */
static bool inline_split(const uint8_t *line, uint32_t n, uint8_t *out, struct kv_slice *argv,
                         uint32_t argv_cap, uint32_t *argc_out, uint32_t *longest) {
    struct split_out o = {out, 0};
    uint32_t argc = 0, most = 0;
    uint32_t i = 0;
    while (i < n) { /* each pass consumes at least one byte */
        if (is_space(line[i])) {
            i++;
            continue;
        }
        uint32_t start = o.w;
        if (!split_token(line, n, &i, &o)) return false;
        KV_ASSERT(o.w <= i);
        most = KV_MAX(most, o.w - start);
        if (out != NULL) {
            KV_ASSERT(argc < argv_cap);
            argv[argc].ptr = out + start;
            argv[argc].len = o.w - start;
        }
        argc++;
    }
    *argc_out = argc;
    if (longest != NULL) *longest = most;
    return true;
}

/*
 * An inline line, terminator included, is at most line_max bytes, whether its
 * newline came in the same read or later: Redis checks only while no newline has
 * arrived, so there the limit depends on read sizes; here it does not. A line of
 * line_max bytes has at most line_max / 2 + 1 words ("a a a"): kv_config_argc_max
 * sizes argv for that.
 */
static int step_inline(struct kv_parser *p, const struct kv_parse_limits *limits,
                       const uint8_t *buf, uint32_t len, struct kv_parse_result *res) {
    KV_ASSERT(p->pos == 0 && p->bulk_len <= len);
    uint32_t from = (uint32_t)p->bulk_len;
    const uint8_t *nl = memchr(buf + from, '\n', len - from);
    if (nl == NULL) {
        p->bulk_len = len;
        if (len >= line_max(limits)) return step_error(p, res, ERR_INLINE_BIG);
        return step_need_more(p, len);
    }
    uint32_t end = (uint32_t)(nl - buf);
    if ((uint64_t)end + 1 > line_max(limits)) return step_error(p, res, ERR_INLINE_BIG);
    uint32_t line_len = end > 0 && buf[end - 1] == '\r' ? end - 1 : end;
    uint32_t argc = 0, longest = 0;
    if (!inline_split(buf, line_len, NULL, NULL, 0, &argc, &longest))
        return step_error(p, res, ERR_QUOTES);
    KV_ASSERT(argc <= line_len / 2 + 1 && longest <= line_len);
    /* An argument longer than proto-max-bulk-len is refused as its bulk would be:
     * commands rely on that bound. Redis cannot meet this case (its proto-max-bulk-len
     * is at least 1mb, an inline line at most 64kb); kv's limits may be smaller. */
    if (longest > limits->bulk_len_max) return step_error(p, res, ERR_BULK_LEN);
    p->pos = end + 1;
    p->argc = argc;
    return step_done(p, res, argc == 0 ? KV_FRAME_EMPTY : KV_FRAME_INLINE);
}

/* ---- public -------------------------------------------------------------------- */

static int scan_step(struct kv_parser *p, const struct kv_parse_limits *limits,
                     const uint8_t *buf, uint32_t len, struct kv_parse_result *res) {
    switch (p->state) {
    case ST_START:
        p->state = buf[0] == '*' ? ST_MB_COUNT : ST_INLINE;
        p->bulk_len = 0;
        return STEP_CONTINUE;
    case ST_MB_COUNT: return step_mb_count(p, limits, buf, len, res);
    case ST_BULK_HDR: return step_bulk_hdr(p, limits, buf, len, res);
    case ST_BULK_DATA: return step_bulk_data(p, buf, len, res);
    case ST_INLINE: return step_inline(p, limits, buf, len, res);
    default: KV_UNREACHABLE();
    }
}

enum kv_parse_status kv_parse_scan(struct kv_parser *p, const struct kv_parse_limits *limits,
                                   const uint8_t *buf, uint32_t len,
                                   struct kv_parse_result *res) {
    KV_ASSERT(p != NULL && limits != NULL && res != NULL && (buf != NULL || len == 0));
    KV_ASSERT(p->state < ST_DONE && p->pos <= len); /* reset after OK/ERROR; never shrink */
    memset(res, 0, sizeof(*res));
    if (len == 0) return (enum kv_parse_status)step_need_more(p, len);
    /* Every step either finishes, or advances the state and pos: an argument takes
     * at least 4 bytes ("$0\r\n\r\n" even 6), so 2 * len + 4 steps are plenty. */
    for (uint64_t step = 0; step <= 2 * (uint64_t)len + 4; step++) {
        int r = scan_step(p, limits, buf, len, res);
        if (r == STEP_CONTINUE) continue;
        KV_ASSERT(r == KV_PARSE_NEED_MORE || r == KV_PARSE_OK || r == KV_PARSE_ERROR);
        KV_ASSERT(r != KV_PARSE_OK || (res->frame_len > 0 && res->frame_len <= len));
        KV_ASSERT(r != KV_PARSE_NEED_MORE || p->need > len);
        return (enum kv_parse_status)r;
    }
    KV_UNREACHABLE();
}

/* ---- the one-pass fast path ------------------------------------------------------ */

/*
 * A length of 1-9 digits at buf[*i] (no sign, no leading zero: "0" alone is zero),
 * followed by "\r\n" inside len. Anything else is left to kv_parse_scan.
 */
static inline __attribute__((always_inline)) bool fast_len(const uint8_t *buf, uint32_t len, uint32_t *i, uint32_t *out) {
    uint32_t p = *i;
    if (len - p >= 3 && buf[p + 1] == '\r' && buf[p + 2] == '\n') { /* "$3\r\n": one digit */
        uint32_t d = (uint8_t)(buf[p] - '0');
        if (d > 9) return false;
        *i = p + 3;
        *out = d;
        return true;
    }
    if (len - p >= 4 && buf[p + 2] == '\r' && buf[p + 3] == '\n') { /* "$16\r\n": two */
        uint32_t d0 = (uint8_t)(buf[p] - '1'), d1 = (uint8_t)(buf[p + 1] - '0');
        if (d0 > 8 || d1 > 9) return false; /* a leading zero, or not digits */
        *i = p + 4;
        *out = (d0 + 1) * 10 + d1;
        return true;
    }
    uint32_t end = len - p > 9 ? p + 9 : len;
    uint32_t v = 0;
    for (; p < end && (uint8_t)(buf[p] - '0') <= 9; p++) v = v * 10 + (uint32_t)(buf[p] - '0');
    if (p == *i || p + 1 >= len || buf[p] != '\r' || buf[p + 1] != '\n') return false;
    if (buf[*i] == '0' && p - *i > 1) return false;
    *i = p + 2;
    *out = v;
    return true;
}

bool kv_parse_fast(const struct kv_parse_limits *limits, const uint8_t *buf, uint32_t len,
                   struct kv_slice *argv, uint32_t argv_cap, struct kv_parse_result *res) {
    KV_ASSERT(limits != NULL && res != NULL && (buf != NULL || len == 0));
    if (len < 4 || buf[0] != '*' || limits->unauth) return false;
    uint32_t i = 1;
    uint32_t count = 0;
    if (!fast_len(buf, len, &i, &count) || count == 0) return false;
    if (count > limits->argc_max || count > argv_cap) return false;
    for (uint32_t a = 0; a < count; a++) {
        if (i >= len || buf[i] != '$') return false;
        i++;
        uint32_t blen = 0;
        if (!fast_len(buf, len, &i, &blen) || blen > limits->bulk_len_max) return false;
        if ((uint64_t)i + blen + 2 > len) return false;
        if (buf[i + blen] != '\r' || buf[i + blen + 1] != '\n') return false;
        argv[a].ptr = buf + i;
        argv[a].len = blen;
        i += blen + 2;
    }
    KV_ASSERT(i <= len);
    res->kind = KV_FRAME_MULTIBULK;
    res->frame_len = i;
    res->argc = count;
    res->error = NULL;
    return true;
}

bool kv_parse_peek_args(const uint8_t *buf, uint32_t len, struct kv_slice *arg1,
                        struct kv_slice *arg2) {
    KV_ASSERT(arg1 != NULL && (buf != NULL || len == 0));
    uint32_t i = 1, count = 0, l0 = 0, l1 = 0, l2 = 0;
    if (arg2 != NULL) *arg2 = (struct kv_slice){NULL, 0};
    if (len < 4 || buf[0] != '*' || !fast_len(buf, len, &i, &count) || count < 2) return false;
    if (i >= len || buf[i++] != '$' || !fast_len(buf, len, &i, &l0)) return false;
    if ((uint64_t)i + l0 + 3 > len) return false;
    i += l0 + 2;
    if (buf[i++] != '$' || !fast_len(buf, len, &i, &l1) || (uint64_t)i + l1 > len) return false;
    *arg1 = (struct kv_slice){buf + i, l1};
    KV_ASSERT((uint64_t)i + l1 <= len);
    if (arg2 == NULL || count < 3 || (uint64_t)i + l1 + 3 > len) return true;
    i += l1 + 2;
    if (buf[i++] != '$' || !fast_len(buf, len, &i, &l2) || (uint64_t)i + l2 > len) return true;
    *arg2 = (struct kv_slice){buf + i, l2};
    return true;
}

bool kv_parse_peek_arg1(const uint8_t *buf, uint32_t len, struct kv_slice *arg) {
    return kv_parse_peek_args(buf, len, arg, NULL);
}

bool kv_parser_fresh(const struct kv_parser *p) { return p->state == ST_START && p->pos == 0; }

static void decode_multibulk(const uint8_t *buf, const struct kv_parse_result *res,
                             struct kv_slice *argv) {
    KV_ASSERT(buf[0] == '*' && res->argc > 0);
    const uint8_t *cr = memchr(buf, '\r', res->frame_len);
    KV_ASSERT(cr != NULL);
    uint32_t pos = (uint32_t)(cr - buf) + 2;
    for (uint32_t a = 0; a < res->argc; a++) {
        KV_ASSERT(pos < res->frame_len && buf[pos] == '$');
        uint64_t blen = 0;
        uint32_t i = pos + 1;
        for (; i < res->frame_len && buf[i] != '\r'; i++) { /* validated: <= 20 digits */
            KV_ASSERT(buf[i] >= '0' && buf[i] <= '9');
            blen = blen * 10 + (uint64_t)(buf[i] - '0');
        }
        KV_ASSERT(i + 1 < res->frame_len && buf[i] == '\r' && buf[i + 1] == '\n');
        pos = i + 2;
        KV_ASSERT((uint64_t)pos + blen + 2 <= res->frame_len);
        argv[a].ptr = buf + pos;
        argv[a].len = (uint32_t)blen;
        pos += (uint32_t)blen + 2;
    }
    KV_ASSERT(pos == res->frame_len);
}

void kv_parse_decode(uint8_t *buf, const struct kv_parse_result *res, struct kv_slice *argv,
                     uint32_t argv_cap) {
    KV_ASSERT(buf != NULL && res != NULL && res->error == NULL && res->frame_len > 0);
    KV_ASSERT(argv_cap >= res->argc && (argv != NULL || res->argc == 0));
    if (res->kind == KV_FRAME_EMPTY) {
        KV_ASSERT(res->argc == 0);
        return;
    }
    if (res->kind == KV_FRAME_MULTIBULK) {
        decode_multibulk(buf, res, argv);
        return;
    }
    KV_ASSERT(res->kind == KV_FRAME_INLINE && buf[res->frame_len - 1] == '\n');
    uint32_t end = res->frame_len - 1;
    uint32_t line_len = end > 0 && buf[end - 1] == '\r' ? end - 1 : end;
    uint32_t argc = 0;
    bool ok = inline_split(buf, line_len, buf, argv, argv_cap, &argc, NULL);
    KV_ASSERT(ok && argc == res->argc);
}

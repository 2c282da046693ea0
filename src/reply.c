/*
 * reply.c: the reply writer (see include/kv/reply.h), byte for byte what Redis 7.0
 * writes under RESP2 ("+OK\r\n", ":-5\r\n", "$-1\r\n", "*-1\r\n", "$3\r\nfoo\r\n")
 * and under RESP3 ("_\r\n", "%2\r\n", "~3\r\n", ",1.5\r\n", "#t\r\n", "(123\r\n",
 * "=9\r\ntxt:hello\r\n", ">3\r\n"), chosen by r->proto.
 *
 * Memory: owns none; writes into the caller's struct kv_reply buffer.
 *
 * Invariants: r->len <= r->cap always. Every write asserts that it fits before it
 * touches the buffer (the server reserved the command's reply bound beforehand),
 * so a write either happens whole or the process stops: never a partial reply.
 * Error replies never contain CR or LF inside the message: kv_reply_error asserts
 * it, kv_reply_errorf sanitises like Redis's addReplyErrorFormat (trim CR/LF at
 * both ends, then map the remaining ones to spaces).
 *
 * Never: allocate, use stdio streams, know about connections or commands.
 */
#include "kv/reply.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* "00" "01" ... "99": the formatter writes two digits per division by 100. */
#define DIGIT_ROW(t) t "0" t "1" t "2" t "3" t "4" t "5" t "6" t "7" t "8" t "9"
static const char DIGIT_PAIRS[201] =
    DIGIT_ROW("0") DIGIT_ROW("1") DIGIT_ROW("2") DIGIT_ROW("3") DIGIT_ROW("4")
    DIGIT_ROW("5") DIGIT_ROW("6") DIGIT_ROW("7") DIGIT_ROW("8") DIGIT_ROW("9");
#undef DIGIT_ROW

/*
 * Unsigned decimal for lengths, counts and magnitudes. Returns the length; buf >= 21
 * bytes (NUL-terminated). Writes from the last digit back, two at a time: a 7-digit
 * list length took 168 instructions with a digit per division, callgrind.
 */
static uint32_t fmt_u64(char *buf, uint64_t v) {
    if (v < 10) { /* the common lengths and counts: no digit count, no division */
        buf[0] = (char)('0' + v);
        buf[1] = '\0';
        return 1;
    }
    uint32_t len = kv_decimal_digits(v);
    uint32_t i = len;
    while (v >= 100) {
        uint32_t d = (uint32_t)(v % 100) * 2;
        v /= 100;
        buf[--i] = DIGIT_PAIRS[d + 1];
        buf[--i] = DIGIT_PAIRS[d];
    }
    if (v >= 10) {
        buf[--i] = DIGIT_PAIRS[v * 2 + 1];
        buf[--i] = DIGIT_PAIRS[v * 2];
    } else {
        buf[--i] = (char)('0' + v);
    }
    KV_ASSERT(i == 0 && "kv_decimal_digits and the writes agree");
    buf[len] = '\0';
    KV_ASSERT(len >= 1 && len <= 20);
    return len;
}

uint32_t kv_fmt_i64(char *buf, int64_t v) {
    KV_ASSERT(buf != NULL);
    /* Magnitude in unsigned arithmetic, so INT64_MIN needs no special case. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v >= 0) return fmt_u64(buf, mag);
    buf[0] = '-';
    uint32_t len = 1 + fmt_u64(buf + 1, mag);
    KV_ASSERT(len >= 2 && len <= 20);
    return len;
}

void kv_reply_raw(struct kv_reply *r, const void *p, uint32_t n) {
    KV_ASSERT(r != NULL && r->buf != NULL && r->len <= r->cap);
    KV_ASSERT(n <= kv_reply_free(r) && (p != NULL || n == 0));
    if (n > 0) memcpy(r->buf + r->len, p, n);
    r->len += n;
    KV_ASSERT(r->len <= r->cap);
}

/* <prefix><decimal>\r\n as one write (asserts the whole line fits). */
static void reply_line_u64(struct kv_reply *r, char prefix, bool negative, uint64_t v) {
    char line[32];
    uint32_t n = 0;
    line[n++] = prefix;
    if (negative) line[n++] = '-';
    n += fmt_u64(line + n, v);
    line[n++] = '\r';
    line[n++] = '\n';
    KV_ASSERT(n <= sizeof(line));
    kv_reply_raw(r, line, n);
}

static void reply_line_i64(struct kv_reply *r, char prefix, int64_t v) {
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    reply_line_u64(r, prefix, v < 0, mag);
}

static bool has_crlf(const char *s, size_t n) {
    return memchr(s, '\r', n) != NULL || memchr(s, '\n', n) != NULL;
}

/* "<prefix><s>\r\n" as one write. */
static void reply_wrapped(struct kv_reply *r, char prefix, const char *s, uint32_t n) {
    KV_ASSERT(r != NULL && s != NULL);
    KV_ASSERT((uint64_t)n + 3 <= kv_reply_free(r));
    uint32_t start = r->len;
    r->buf[r->len++] = (uint8_t)prefix;
    kv_reply_raw(r, s, n);
    kv_reply_crlf(r);
    KV_ASSERT(r->len == start + n + 3);
}

void kv_reply_simple(struct kv_reply *r, const char *s) {
    KV_ASSERT(s != NULL);
    size_t n = strlen(s);
    KV_ASSERT(n <= UINT32_MAX && !has_crlf(s, n));
    reply_wrapped(r, '+', s, (uint32_t)n);
}

/* "+OK\r\n": the most common reply, in one bounded store (callgrind: 172 -> ~15
 * instructions per SET against the generic path's strlen, CR/LF scan and pieces). */
void kv_reply_ok(struct kv_reply *r) {
    KV_ASSERT(r != NULL && r->len <= r->cap);
    KV_ASSERT(kv_reply_free(r) >= 5);
    memcpy(r->buf + r->len, "+OK\r\n", 5);
    r->len += 5;
}

void kv_reply_error(struct kv_reply *r, const char *msg) {
    KV_ASSERT(msg != NULL);
    size_t n = strlen(msg);
    /* An error code first ("ERR ...", "WRONGTYPE ..."), no line breaks inside. */
    KV_ASSERT(n > 0 && n <= UINT32_MAX && msg[0] != '-' && !has_crlf(msg, n));
    reply_wrapped(r, '-', msg, (uint32_t)n);
}

static bool is_crlf(uint8_t c) { return c == '\r' || c == '\n'; }

/*
 * Redis addReplyErrorFormat: the printf result is cut at its first NUL (sds
 * strlen), CR/LF are trimmed from both ends (sdstrim), the remaining ones become
 * spaces (sdsmapchars). Done in place at msg[0, n); returns the new length.
 */
static uint32_t sanitize_error(uint8_t *msg, uint32_t n) {
    const uint8_t *nul = memchr(msg, '\0', n);
    if (nul != NULL) n = (uint32_t)(nul - msg);
    uint32_t lead = 0;
    while (lead < n && is_crlf(msg[lead])) lead++;
    while (n > lead && is_crlf(msg[n - 1])) n--;
    n -= lead;
    if (lead > 0) memmove(msg, msg + lead, n);
    for (uint32_t i = 0; i < n; i++) {
        if (is_crlf(msg[i])) msg[i] = ' ';
    }
    KV_ASSERT(memchr(msg, '\r', n) == NULL && memchr(msg, '\n', n) == NULL);
    return n;
}

void kv_reply_errorf(struct kv_reply *r, const char *fmt, ...) {
    KV_ASSERT(r != NULL && fmt != NULL && r->len <= r->cap);
    /* '-' + message + "\r\n"; vsnprintf also needs room for its NUL, which the
     * CRLF then overwrites. */
    uint32_t free_bytes = kv_reply_free(r);
    KV_ASSERT(free_bytes >= 3);
    uint8_t *msg = r->buf + r->len + 1;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf((char *)msg, free_bytes - 1, fmt, ap);
    va_end(ap);
    KV_ASSERT(w > 0 && (uint64_t)w + 3 <= free_bytes);
    uint32_t n = sanitize_error(msg, (uint32_t)w);
    KV_ASSERT(n > 0 && msg[0] != '-');
    r->buf[r->len] = '-';
    r->len += 1 + n;
    kv_reply_crlf(r);
    KV_ASSERT(r->len <= r->cap);
}

void kv_reply_int(struct kv_reply *r, int64_t v) { reply_line_i64(r, ':', v); }

void kv_reply_bulk_header(struct kv_reply *r, uint64_t n) {
    KV_ASSERT(r != NULL);
    reply_line_u64(r, '$', false, n);
}

/* Short values (keys, small strings, counters) are copied inline: a call to
 * memcpy costs more than the bytes. */
#define BULK_INLINE_COPY 16u

void kv_reply_bulk(struct kv_reply *r, const void *p, uint32_t n) {
    KV_ASSERT(r != NULL && (p != NULL || n == 0));
    /* Whole reply fits, or nothing is written: "$<n>\r\n<bytes>\r\n" in one pass,
     * the digits formatted in place (their NUL lands where the CR goes). */
    uint64_t total = kv_reply_bulk_size(n);
    KV_ASSERT(total <= kv_reply_free(r));
    uint8_t *o = r->buf + r->len;
    *o++ = '$';
    o += fmt_u64((char *)o, n);
    *o++ = '\r';
    *o++ = '\n';
    if (n <= BULK_INLINE_COPY) {
        const uint8_t *src = p;
        for (uint32_t i = 0; i < n; i++) o[i] = src[i];
    } else {
        memcpy(o, p, n);
    }
    o += n;
    *o++ = '\r';
    *o++ = '\n';
    r->len += (uint32_t)total;
    KV_ASSERT(o == r->buf + r->len && r->len <= r->cap);
}

void kv_reply_bulk_cstr(struct kv_reply *r, const char *s) {
    KV_ASSERT(s != NULL);
    size_t n = strlen(s);
    KV_ASSERT(n <= UINT32_MAX);
    kv_reply_bulk(r, s, (uint32_t)n);
}

void kv_reply_bulk_int(struct kv_reply *r, int64_t v) {
    char digits[21];
    uint32_t n = kv_fmt_i64(digits, v);
    KV_ASSERT(n > 0 && n <= 20);
    kv_reply_bulk(r, digits, n);
}

static bool resp3(const struct kv_reply *r) {
    KV_ASSERT(r != NULL && (r->proto == 2 || r->proto == 3));
    return r->proto == 3;
}

void kv_reply_null(struct kv_reply *r) {
    if (resp3(r)) kv_reply_raw(r, "_\r\n", 3);
    else kv_reply_raw(r, "$-1\r\n", 5);
}

void kv_reply_null_array(struct kv_reply *r) {
    if (resp3(r)) kv_reply_raw(r, "_\r\n", 3);
    else kv_reply_raw(r, "*-1\r\n", 5);
}

void kv_reply_array(struct kv_reply *r, uint64_t n) {
    KV_ASSERT(r != NULL && n <= (uint64_t)INT64_MAX);
    reply_line_u64(r, '*', false, n);
}

void kv_reply_map(struct kv_reply *r, uint64_t n) {
    KV_ASSERT(n <= (uint64_t)INT64_MAX / 2);
    if (resp3(r)) reply_line_u64(r, '%', false, n);
    else reply_line_u64(r, '*', false, n * 2);
}

void kv_reply_set(struct kv_reply *r, uint64_t n) {
    KV_ASSERT(n <= (uint64_t)INT64_MAX);
    reply_line_u64(r, resp3(r) ? '~' : '*', false, n);
}

void kv_reply_push(struct kv_reply *r, uint64_t n) {
    KV_ASSERT(n <= (uint64_t)INT64_MAX);
    reply_line_u64(r, resp3(r) ? '>' : '*', false, n);
}

void kv_reply_bool(struct kv_reply *r, bool v) {
    if (resp3(r)) kv_reply_raw(r, v ? "#t\r\n" : "#f\r\n", 4);
    else kv_reply_raw(r, v ? ":1\r\n" : ":0\r\n", 4);
}

/* Redis's addReplyDouble: infinities spelled out (libc differs), the rest "%.17g". */
void kv_reply_double(struct kv_reply *r, double v) {
    char text[KV_REPLY_DOUBLE_MAX];
    int n;
    if (isinf(v)) n = snprintf(text, sizeof(text), "%s", v > 0 ? "inf" : "-inf");
    else n = snprintf(text, sizeof(text), "%.17g", v);
    KV_ASSERT(n > 0 && (uint32_t)n + 8 <= sizeof(text)); /* room for the framing */
    if (!resp3(r)) {
        kv_reply_bulk(r, text, (uint32_t)n);
        return;
    }
    reply_wrapped(r, ',', text, (uint32_t)n);
}

void kv_reply_bignum(struct kv_reply *r, const char *digits, uint32_t n) {
    KV_ASSERT(digits != NULL && n > 0);
    KV_ASSERT(!has_crlf(digits, n));
    if (resp3(r)) reply_wrapped(r, '(', digits, n);
    else kv_reply_bulk(r, digits, n);
}

void kv_reply_verbatim(struct kv_reply *r, const void *p, uint32_t n) {
    KV_ASSERT(p != NULL || n == 0);
    if (!resp3(r)) {
        kv_reply_bulk(r, p, n);
        return;
    }
    KV_ASSERT(n <= UINT32_MAX - 4 && kv_reply_verbatim_size(n) <= kv_reply_free(r));
    uint32_t start = r->len;
    reply_line_u64(r, '=', false, (uint64_t)n + 4);
    kv_reply_raw(r, "txt:", 4);
    kv_reply_raw(r, p, n);
    kv_reply_crlf(r);
    KV_ASSERT(r->len - start == kv_reply_verbatim_size(n));
}

void kv_reply_crlf(struct kv_reply *r) { kv_reply_raw(r, "\r\n", 2); }

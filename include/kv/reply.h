/*
 * reply.h: the reply writer, RESP2 or RESP3. Writes into a contiguous buffer the
 * caller provides. It knows nothing of connections: the server guarantees, before a
 * command runs, that the buffer has room for that command's reply bound
 * (struct kv_cmd.reply_bound), so every write here asserts it fits instead of
 * failing. Error messages are sanitised like Redis does (CR/LF become spaces).
 *
 * Protocol: r->proto (2 or 3) is the session's (HELLO), set by the engine before a
 * command writes. The typed writers (null, map, set, double, bool, verbatim, big
 * number, push) encode as Redis 7 does for that protocol: under RESP2 a map is an
 * array of 2n, a set an array, a double or big number a bulk string, a bool an
 * integer, a verbatim string a bulk string, a null "$-1" or "*-1"; under RESP3 each
 * has its own type byte. No RESP3 encoding is longer than its RESP2 form except a
 * verbatim string (4 bytes of "txt:" and at most one more length digit:
 * kv_reply_verbatim_size), so reply bounds written for RESP2 hold under RESP3.
 */
#ifndef KV_REPLY_H
#define KV_REPLY_H

#include "kv/common.h"

struct kv_reply {
    uint8_t *buf;
    uint32_t len;
    uint32_t cap;
    uint8_t proto;  /* 2 or 3: RESP2 or RESP3 */
};

static inline void kv_reply_init(struct kv_reply *r, uint8_t *buf, uint32_t cap) {
    r->buf = buf;
    r->len = 0;
    r->cap = cap;
    r->proto = 2;
}
static inline uint32_t kv_reply_free(const struct kv_reply *r) { return r->cap - r->len; }

void kv_reply_raw(struct kv_reply *r, const void *p, uint32_t n);
void kv_reply_simple(struct kv_reply *r, const char *s);         /* +s\r\n */
void kv_reply_ok(struct kv_reply *r);                            /* +OK\r\n */
/* "-<msg>\r\n"; msg must start with an error code ("ERR ...", "WRONGTYPE ..."). */
void kv_reply_error(struct kv_reply *r, const char *msg);
void kv_reply_errorf(struct kv_reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kv_reply_int(struct kv_reply *r, int64_t v);                  /* :v\r\n */
void kv_reply_bulk(struct kv_reply *r, const void *p, uint32_t n); /* $n\r\n...\r\n */
void kv_reply_bulk_cstr(struct kv_reply *r, const char *s);
void kv_reply_bulk_int(struct kv_reply *r, int64_t v);              /* integer as bulk */
void kv_reply_null(struct kv_reply *r);              /* $-1\r\n; RESP3 _\r\n */
void kv_reply_null_array(struct kv_reply *r);        /* *-1\r\n; RESP3 _\r\n */
void kv_reply_array(struct kv_reply *r, uint64_t n); /* *n\r\n */
/* RESP3 types (each with its RESP2 form, see above). A map header announces n
 * key-value pairs (2n elements follow), a set or push header n elements. */
void kv_reply_map(struct kv_reply *r, uint64_t n);   /* %n; RESP2 *2n */
void kv_reply_set(struct kv_reply *r, uint64_t n);   /* ~n; RESP2 *n */
/* Push (pub/sub messages, client tracking): >n; RESP2 *n, as Redis sends them. */
void kv_reply_push(struct kv_reply *r, uint64_t n);
void kv_reply_bool(struct kv_reply *r, bool v);      /* #t / #f; RESP2 :1 / :0 */
/* ,<%.17g> (,inf ,-inf ,nan); RESP2 the same text as a bulk string. */
void kv_reply_double(struct kv_reply *r, double v);
/* (<digits>; RESP2 a bulk string. digits: an optional '-' then decimal digits. */
void kv_reply_bignum(struct kv_reply *r, const char *digits, uint32_t n);
/* =<n+4>\r\ntxt:<n bytes>; RESP2 a bulk string of the n bytes. */
void kv_reply_verbatim(struct kv_reply *r, const void *p, uint32_t n);
#define KV_REPLY_DOUBLE_MAX 64u /* most bytes kv_reply_double writes */
/* Header of a bulk of n bytes; the caller then writes n bytes and kv_reply_crlf(). */
void kv_reply_bulk_header(struct kv_reply *r, uint64_t n);
void kv_reply_crlf(struct kv_reply *r);

/* Decimal digits of v (1..20): log10 from the bit length (1233 / 4096 ~ log10 2),
 * corrected by one comparison. What kv_fmt_i64 writes and the bounds count. */
static inline uint32_t kv_decimal_digits(uint64_t v) {
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull,
        10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
        10000000000000000000ull};
    uint32_t bits = 64u - (uint32_t)__builtin_clzll(v | 1);
    uint32_t t = (bits * 1233u) >> 12; /* floor(log10(2^bits)), 0..19 */
    return v == 0 ? 1u : t + (v >= pow10[t] ? 1u : 0u);
}

/* Bytes "$<n>\r\n" + n + "\r\n" take, exactly: what reply_bound functions add up.
 * Exact, not n + 25: 16 pipelined replies of 1000 bytes must fit 16 KiB. */
static inline uint64_t kv_reply_bulk_size(uint64_t n) {
    return n + kv_decimal_digits(n) + 5;
}

/* Bytes kv_reply_verbatim writes for n bytes, under either protocol (at most). */
static inline uint64_t kv_reply_verbatim_size(uint64_t n) { return kv_reply_bulk_size(n + 4); }

/* Formats v as Redis's ll2string would; returns length, buf >= 21 bytes. */
uint32_t kv_fmt_i64(char *buf, int64_t v);

#endif

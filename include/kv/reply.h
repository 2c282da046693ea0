/*
 * reply.h: the RESP2 reply writer. Writes into a contiguous buffer the caller
 * provides. It knows nothing of connections: the server guarantees, before a
 * command runs, that the buffer has room for that command's reply bound
 * (struct kv_cmd.reply_bound), so every write here asserts it fits instead of
 * failing. Error messages are sanitised like Redis does (CR/LF become spaces).
 */
#ifndef KV_REPLY_H
#define KV_REPLY_H

#include "kv/common.h"

struct kv_reply {
    uint8_t *buf;
    uint32_t len;
    uint32_t cap;
};

static inline void kv_reply_init(struct kv_reply *r, uint8_t *buf, uint32_t cap) {
    r->buf = buf;
    r->len = 0;
    r->cap = cap;
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
void kv_reply_null(struct kv_reply *r);                             /* $-1\r\n */
void kv_reply_null_array(struct kv_reply *r);                       /* *-1\r\n */
void kv_reply_array(struct kv_reply *r, uint64_t n);                /* *n\r\n */
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

/* Formats v as Redis's ll2string would; returns length, buf >= 21 bytes. */
uint32_t kv_fmt_i64(char *buf, int64_t v);

#endif

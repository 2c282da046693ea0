/*
 * sim_buf.c: growable byte buffer and RESP2 reply writers for the simulator's
 * model and clients (test code: heap and stdio allowed). Never used by the
 * simulated io backend, which allocates only at startup.
 */
#include "sim_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_resp.h"

void sim_buf_reserve(struct sim_buf *b, uint64_t extra) {
    KV_ASSERT(b->len <= b->cap);
    if (b->len + extra <= b->cap) return;
    uint64_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    KV_ASSERT(p != NULL);
    b->p = p;
    b->cap = cap;
    KV_ASSERT(b->len + extra <= b->cap);
}

void sim_buf_put(struct sim_buf *b, const void *p, uint64_t n) {
    if (n == 0) return;
    sim_buf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void sim_buf_puts(struct sim_buf *b, const char *s) { sim_buf_put(b, s, strlen(s)); }

void sim_buf_free(struct sim_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void sim_buf_consume(struct sim_buf *b, uint64_t n) {
    KV_ASSERT(n <= b->len);
    if (n == 0) return;
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void sim_buf_simple(struct sim_buf *b, const char *s) {
    sim_buf_put(b, "+", 1);
    sim_buf_puts(b, s);
    sim_buf_put(b, "\r\n", 2);
}

void sim_buf_error(struct sim_buf *b, const char *msg) {
    uint64_t n = strlen(msg);
    sim_buf_reserve(b, n + 3);
    b->p[b->len++] = '-';
    for (uint64_t i = 0; i < n; i++) {
        char c = msg[i];
        b->p[b->len++] = (uint8_t)((c == '\r' || c == '\n') ? ' ' : c);
    }
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
}

void sim_buf_errorf(struct sim_buf *b, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sim_buf_error(b, msg);
}

static void put_header(struct sim_buf *b, char type, int64_t v) {
    char num[24];
    uint32_t n = sim_fmt_i64(num, v);
    sim_buf_reserve(b, n + 3);
    b->p[b->len++] = (uint8_t)type;
    memcpy(b->p + b->len, num, n);
    b->len += n;
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
}

void sim_buf_int(struct sim_buf *b, int64_t v) { put_header(b, ':', v); }

void sim_buf_bulk(struct sim_buf *b, const void *p, uint64_t n) {
    put_header(b, '$', (int64_t)n);
    sim_buf_put(b, p, n);
    sim_buf_put(b, "\r\n", 2);
}

void sim_buf_null(struct sim_buf *b) { sim_buf_put(b, "$-1\r\n", 5); }
void sim_buf_null_array(struct sim_buf *b) { sim_buf_put(b, "*-1\r\n", 5); }
void sim_buf_array(struct sim_buf *b, uint64_t n) { put_header(b, '*', (int64_t)n); }

/*
 * sim_buf.h: a growable byte buffer for the simulator's test-side parts (the
 * reference model, the clients' bookkeeping). It uses the heap: the simulator's
 * model and clients are test code. The simulated io backend never uses it.
 * Invariant: len <= cap; p is NULL only while cap == 0.
 */
#ifndef KV_SIM_BUF_H
#define KV_SIM_BUF_H

#include "kv/common.h"

struct sim_buf {
    uint8_t *p;
    uint64_t len;
    uint64_t cap;
};

void sim_buf_reserve(struct sim_buf *b, uint64_t extra);
void sim_buf_put(struct sim_buf *b, const void *p, uint64_t n);
void sim_buf_puts(struct sim_buf *b, const char *s);
void sim_buf_free(struct sim_buf *b);
/* Drops the first n bytes. */
void sim_buf_consume(struct sim_buf *b, uint64_t n);

/* RESP2 reply writers (the model's replies). */
void sim_buf_simple(struct sim_buf *b, const char *s);
/* "-<msg>\r\n": msg already carries its code ("ERR ..."); CR and LF become spaces. */
void sim_buf_error(struct sim_buf *b, const char *msg);
void sim_buf_errorf(struct sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_buf_int(struct sim_buf *b, int64_t v);
void sim_buf_bulk(struct sim_buf *b, const void *p, uint64_t n);
void sim_buf_null(struct sim_buf *b);
void sim_buf_null_array(struct sim_buf *b);
void sim_buf_array(struct sim_buf *b, uint64_t n);

#endif

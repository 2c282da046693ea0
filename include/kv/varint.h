/*
 * varint.h: the 7-bit little-endian length prefix the packed collections use
 * (src/coll.c's listpack and intset entries, src/zset.c's packed block): a 32-bit
 * value in 1..KV_VARINT_MAX bytes, the high bit meaning "more". Pure, inline; shared
 * so both encodings write the same bytes. Invariant: kv_varint_get reads back exactly
 * what kv_varint_put wrote, in kv_varint_len of it bytes.
 */
#ifndef KV_VARINT_H
#define KV_VARINT_H

#include "kv/common.h"

#define KV_VARINT_MAX 5

static inline uint32_t kv_varint_len(uint64_t v) {
    uint32_t n = 1;
    while (v >= 128 && n < KV_VARINT_MAX) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint32_t kv_varint_put(uint8_t *p, uint32_t v) {
    uint32_t n = 0;
    while (v >= 128 && n < KV_VARINT_MAX - 1) {
        p[n++] = (uint8_t)(v | 128u);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static inline uint32_t kv_varint_get(const uint8_t *p, uint32_t *v) {
    uint32_t r = 0, n = 0;
    for (; n < KV_VARINT_MAX; n++) {
        r |= (uint32_t)(p[n] & 127u) << (7 * n);
        if ((p[n] & 128u) == 0) break;
    }
    KV_ASSERT(n < KV_VARINT_MAX);
    *v = r;
    return n + 1;
}

#endif

/*
 * bufpool.c: see include/kv/bufpool.h. Invariants (kv_bufpool_check): the free
 * stack holds distinct valid indexes; waiters exist only while no buffer is free
 * (a release with waiters hands the buffer over instead of freeing it).
 */
#include "kv/bufpool.h"

#include <string.h>

void kv_bufpool_init(struct kv_bufpool *p, uint8_t *mem, uint64_t size, uint32_t count,
                     uint32_t *free_stack, uint32_t *waiters, uint32_t waiters_cap) {
    KV_ASSERT(p != NULL && mem != NULL && free_stack != NULL && waiters != NULL);
    KV_ASSERT(size > 0 && count > 0 && waiters_cap > 0);
    memset(p, 0, sizeof(*p));
    p->mem = mem;
    p->size = size;
    p->count = count;
    p->free_stack = free_stack;
    p->waiters = waiters;
    p->waiters_cap = waiters_cap;
    /* Lowest index on top: buffer 0 is handed out first (deterministic). */
    for (uint32_t i = 0; i < count; i++) free_stack[i] = count - 1 - i;
    p->free_count = count;
}

static uint32_t buf_index(const struct kv_bufpool *p, const uint8_t *buf) {
    KV_ASSERT(buf >= p->mem);
    uint64_t off = (uint64_t)(buf - p->mem);
    KV_ASSERT(off % p->size == 0);
    KV_ASSERT(off / p->size < p->count);
    return (uint32_t)(off / p->size);
}

uint8_t *kv_bufpool_acquire(struct kv_bufpool *p) {
    KV_ASSERT(p->free_count <= p->count);
    if (p->free_count == 0 || p->waiters_len > 0) return NULL;
    uint32_t idx = p->free_stack[--p->free_count];
    KV_ASSERT(idx < p->count);
    return p->mem + (uint64_t)idx * p->size;
}

uint32_t kv_bufpool_release(struct kv_bufpool *p, uint8_t *buf) {
    uint32_t idx = buf_index(p, buf);
    if (p->waiters_len > 0) {
        KV_ASSERT(p->free_count == 0);
        uint32_t slot = p->waiters[p->waiters_head];
        p->waiters_head = (p->waiters_head + 1) % p->waiters_cap;
        p->waiters_len--;
        return slot;
    }
    KV_ASSERT(p->free_count < p->count);
    p->free_stack[p->free_count++] = idx;
    return KV_BUFPOOL_NO_WAITER;
}

void kv_bufpool_wait(struct kv_bufpool *p, uint32_t slot) {
    KV_ASSERT(p->waiters_len < p->waiters_cap);
    KV_ASSERT(!kv_bufpool_is_waiting(p, slot));
    uint32_t tail = (p->waiters_head + p->waiters_len) % p->waiters_cap;
    p->waiters[tail] = slot;
    p->waiters_len++;
}

bool kv_bufpool_is_waiting(const struct kv_bufpool *p, uint32_t slot) {
    for (uint32_t i = 0; i < p->waiters_len; i++) {
        if (p->waiters[(p->waiters_head + i) % p->waiters_cap] == slot) return true;
    }
    return false;
}

bool kv_bufpool_cancel_wait(struct kv_bufpool *p, uint32_t slot) {
    uint32_t n = p->waiters_len;
    uint32_t kept = 0;
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = p->waiters[(p->waiters_head + i) % p->waiters_cap];
        if (s == slot) {
            found = true;
            continue;
        }
        p->waiters[(p->waiters_head + kept) % p->waiters_cap] = s;
        kept++;
    }
    p->waiters_len = kept;
    KV_ASSERT(!kv_bufpool_is_waiting(p, slot));
    return found;
}

void kv_bufpool_check(const struct kv_bufpool *p) {
    KV_ASSERT(p->free_count <= p->count);
    KV_ASSERT(p->waiters_len <= p->waiters_cap);
    KV_ASSERT(p->waiters_len == 0 || p->free_count == 0);
    for (uint32_t i = 0; i < p->free_count; i++) {
        KV_ASSERT(p->free_stack[i] < p->count);
        for (uint32_t j = i + 1; j < p->free_count; j++)
            KV_ASSERT(p->free_stack[i] != p->free_stack[j]);
    }
}

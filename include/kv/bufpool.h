/*
 * bufpool.h: a budgeted pool of large buffers, all the same size, with a FIFO of
 * waiters (after ../shared/seeds/bufpool-budgeted-buffer-pool.txt, made static).
 *
 * A connection whose request or reply outgrows its own small buffer borrows one
 * large buffer. When none is free it joins the wait queue (backpressure: it stops
 * reading and executing) and is handed a buffer directly, in arrival order, when one
 * is released, so a waiter can never be overtaken and starved.
 *
 * The server keeps two pools, one for requests and one for replies, and a
 * connection holds at most one buffer from each. Why that cannot deadlock is
 * argued in src/server.c ("Backpressure without deadlock").
 *
 * Memory: count * size bytes of buffers, count free-stack entries, waiters_cap
 * wait-queue entries, all carved from the startup arena by the caller.
 */
#ifndef KV_BUFPOOL_H
#define KV_BUFPOOL_H

#include "kv/common.h"

#define KV_BUFPOOL_NO_WAITER UINT32_MAX

struct kv_bufpool {
    uint8_t *mem;
    uint64_t size;          /* bytes per buffer */
    uint32_t count;
    uint32_t free_count;
    uint32_t *free_stack;   /* indexes of free buffers */
    uint32_t *waiters;      /* ring of waiting slot numbers */
    uint32_t waiters_cap;
    uint32_t waiters_head;
    uint32_t waiters_len;
};

void kv_bufpool_init(struct kv_bufpool *p, uint8_t *mem, uint64_t size, uint32_t count,
                     uint32_t *free_stack, uint32_t *waiters, uint32_t waiters_cap);
/* A buffer, or NULL if none is free or someone is already waiting (FIFO fairness). */
uint8_t *kv_bufpool_acquire(struct kv_bufpool *p);
/*
 * Returns buf. If a connection is waiting, the buffer goes straight to the first
 * waiter: the function returns that waiter's slot and the caller gives it buf.
 * Otherwise returns KV_BUFPOOL_NO_WAITER and the buffer is free again.
 */
uint32_t kv_bufpool_release(struct kv_bufpool *p, uint8_t *buf);
void kv_bufpool_wait(struct kv_bufpool *p, uint32_t slot);
/* Removes slot from the wait queue (connection closed while waiting). */
bool kv_bufpool_cancel_wait(struct kv_bufpool *p, uint32_t slot);
bool kv_bufpool_is_waiting(const struct kv_bufpool *p, uint32_t slot);
void kv_bufpool_check(const struct kv_bufpool *p);

#endif

/*
 * list.h: Redis lists, stored like Redis's quicklist: a doubly linked chain of
 * nodes in the data region, each node packing several elements, so push and pop at
 * either end are O(1) and small elements cost a few bytes each.
 *
 * A list key's item value (see keyspace.h) is exactly one struct kv_list_head.
 * Nodes are separate kv_alloc blocks referenced by 32-bit refs; allocating or freeing
 * nodes never moves the key's item. Every mutating function either completes or
 * changes nothing and returns false (out of memory). An empty list never exists:
 * the caller deletes the key when the count drops to 0.
 */
#ifndef KV_LIST_H
#define KV_LIST_H

#include "kv/alloc.h"
#include "kv/common.h"

struct kv_list_head {
    uint32_t head;        /* first node ref, 0 if empty */
    uint32_t tail;        /* last node ref */
    uint32_t node_count;
    uint32_t reserved;
    uint64_t count;       /* elements */
    uint64_t bytes;       /* sum of element lengths (reply bounds) */
};

void kv_list_init(struct kv_list_head *h);
/* Frees every node (key deleted or overwritten). */
void kv_list_release(struct kv_alloc *a, struct kv_list_head *h);
/* Deep copy into an initialised empty head (COPY). False if OOM (dst stays empty). */
bool kv_list_copy(struct kv_alloc *a, struct kv_list_head *dst, const struct kv_list_head *src);
/* Invariants of one list (node chain, counts, bytes). */
void kv_list_check(const struct kv_alloc *a, const struct kv_list_head *h);

#endif

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
 *
 * Node layout (one kv_alloc block): u32 prev ref, u32 next ref, u16 element count,
 * u16 lead, u32 data bytes used, then `lead` free bytes, then the elements packed
 * back to back, each as varint(len) bytes reverse-varint(len) so a node can be
 * walked both ways. The lead lets a head push or pop write or drop bytes in front
 * without moving the rest (list.c). A node holds at most KV_LIST_NODE_MAX bytes
 * (header included) unless it holds a single element that alone is bigger.
 *
 * Element slices returned here point into nodes: they stay valid until the next
 * call that mutates any list or the allocator.
 */
#ifndef KV_LIST_H
#define KV_LIST_H

#include "kv/alloc.h"
#include "kv/common.h"

#define KV_LIST_NODE_MAX 8192u   /* like Redis's list-max-listpack-size -2 */
#define KV_LIST_NODE_HDR 16u     /* prev, next, count, lead, used */
#define KV_LIST_ELEM_MAX (1u << 30) /* longest element (1 GiB) */

struct kv_list_head {
    uint32_t head;        /* first node ref, 0 if empty */
    uint32_t tail;        /* last node ref */
    uint32_t node_count;
    uint32_t reserved;
    uint64_t count;       /* elements */
    uint64_t bytes;       /* sum of element lengths (reply bounds) */
};

enum kv_list_end {
    KV_LIST_HEAD = 0,     /* left */
    KV_LIST_TAIL = 1,     /* right */
};

void kv_list_init(struct kv_list_head *h);
/* Frees every node (key deleted or overwritten). The head is left empty. */
void kv_list_release(struct kv_alloc *a, struct kv_list_head *h);
/* Deep copy into an initialised empty head (COPY). False if OOM (dst stays empty). */
bool kv_list_copy(struct kv_alloc *a, struct kv_list_head *dst, const struct kv_list_head *src);
/* Invariants of one list (node chain, counts, bytes, encodings). O(elements). */
/* Data-region bytes the list's nodes take (blocks as the allocator sizes them). */
uint64_t kv_list_memory(const struct kv_alloc *a, const struct kv_list_head *h);
void kv_list_check(const struct kv_alloc *a, const struct kv_list_head *h);

/*
 * Pushes n elements one after the other at `end`, like LPUSH/RPUSH with n
 * arguments (a head push of a, b, c leaves c first). All or nothing: false if out
 * of memory, and then the list and the allocator are exactly as before.
 * Elements must not point into the data region.
 */
bool kv_list_push(struct kv_alloc *a, struct kv_list_head *h, enum kv_list_end end,
                  const struct kv_slice *elems, uint32_t n);
/* Removes n <= count elements at `end`. Never fails. */
void kv_list_pop(struct kv_alloc *a, struct kv_list_head *h, enum kv_list_end end, uint64_t n);
/* Element at index < count. */
struct kv_slice kv_list_get(const struct kv_alloc *a, const struct kv_list_head *h,
                            uint64_t index);
/* Replaces element index < count (LSET). False if out of memory (nothing changed). */
bool kv_list_set(struct kv_alloc *a, struct kv_list_head *h, uint64_t index,
                 struct kv_slice v);
/* Inserts v so that it becomes element pos <= count (LINSERT). False if OOM. */
bool kv_list_insert(struct kv_alloc *a, struct kv_list_head *h, uint64_t pos,
                    struct kv_slice v);
/* Index of the first element equal to v, from the head; -1 if none. */
int64_t kv_list_find(const struct kv_alloc *a, const struct kv_list_head *h, struct kv_slice v);
/*
 * LREM: removes elements equal to v: the first `count` from the head if count > 0,
 * the last -count from the tail if count < 0, all if 0. Returns how many. Never fails.
 */
uint64_t kv_list_remove(struct kv_alloc *a, struct kv_list_head *h, struct kv_slice v,
                        int64_t count);
/* LTRIM: keeps elements [start, start + n) (start + n <= count). Never fails. */
void kv_list_trim(struct kv_alloc *a, struct kv_list_head *h, uint64_t start, uint64_t n);
/*
 * LMOVE: moves the element at src's `from` end to dst's `to` end; src may be dst.
 * src must not be empty. False if out of memory (nothing changed).
 */
bool kv_list_move(struct kv_alloc *a, struct kv_list_head *src, enum kv_list_end from,
                  struct kv_list_head *dst, enum kv_list_end to);

/*
 * Read-only iteration from an index towards the tail (forward) or the head. At most
 * count - index (forward) or index + 1 (backward) steps; no allocation, no
 * recursion. Any mutation of the list invalidates the iterator.
 */
struct kv_list_iter {
    const struct kv_alloc *a;
    const uint8_t *node;      /* current node payload, NULL when done */
    uint32_t off;             /* forward: next element's start; backward: its end */
    uint32_t left;            /* elements of this node not yet returned */
    uint64_t remaining;       /* elements of the list not yet returned */
    bool forward;
};

void kv_list_iter_init(struct kv_list_iter *it, const struct kv_alloc *a,
                       const struct kv_list_head *h, uint64_t index, bool forward);
/* Next element, or false at the end. */
bool kv_list_iter_next(struct kv_list_iter *it, struct kv_slice *out);

#endif

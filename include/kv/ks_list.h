/*
 * ks_list.h: list values as the keyspace serves them to commands. The list's own
 * layout and its allocator stay inside the keyspace layer (src/list.c, src/alloc.c):
 * a command names the keyspace and the value's head, never the allocator. Each
 * wrapper is the list.h function of the same name (see there for contracts), on
 * the keyspace's data region; inline, so LTO-free builds pay nothing for the layer.
 */
#ifndef KV_KS_LIST_H
#define KV_KS_LIST_H

#include "kv/keyspace.h"
#include "kv/list.h"

static inline bool kv_ks_list_push(struct kv_keyspace *ks, struct kv_list_head *h,
                                   enum kv_list_end end, const struct kv_slice *elems,
                                   uint32_t n) {
    return kv_list_push(&ks->alloc, h, end, elems, n);
}
static inline void kv_ks_list_pop(struct kv_keyspace *ks, struct kv_list_head *h,
                                  enum kv_list_end end, uint64_t n) {
    kv_list_pop(&ks->alloc, h, end, n);
}
static inline struct kv_slice kv_ks_list_get(const struct kv_keyspace *ks,
                                             const struct kv_list_head *h, uint64_t index) {
    return kv_list_get(&ks->alloc, h, index);
}
static inline bool kv_ks_list_set(struct kv_keyspace *ks, struct kv_list_head *h,
                                  uint64_t index, struct kv_slice v) {
    return kv_list_set(&ks->alloc, h, index, v);
}
static inline bool kv_ks_list_insert(struct kv_keyspace *ks, struct kv_list_head *h,
                                     uint64_t pos, struct kv_slice v) {
    return kv_list_insert(&ks->alloc, h, pos, v);
}
static inline int64_t kv_ks_list_find(const struct kv_keyspace *ks,
                                      const struct kv_list_head *h, struct kv_slice v) {
    return kv_list_find(&ks->alloc, h, v);
}
static inline uint64_t kv_ks_list_remove(struct kv_keyspace *ks, struct kv_list_head *h,
                                         struct kv_slice v, int64_t count) {
    return kv_list_remove(&ks->alloc, h, v, count);
}
static inline void kv_ks_list_trim(struct kv_keyspace *ks, struct kv_list_head *h,
                                   uint64_t start, uint64_t n) {
    kv_list_trim(&ks->alloc, h, start, n);
}
static inline bool kv_ks_list_move(struct kv_keyspace *ks, struct kv_list_head *src,
                                   enum kv_list_end from, struct kv_list_head *dst,
                                   enum kv_list_end to) {
    return kv_list_move(&ks->alloc, src, from, dst, to);
}
static inline void kv_ks_list_iter_init(struct kv_list_iter *it, const struct kv_keyspace *ks,
                                        const struct kv_list_head *h, uint64_t index,
                                        bool forward) {
    kv_list_iter_init(it, &ks->alloc, h, index, forward);
}
static inline bool kv_ks_list_next(struct kv_list_iter *it, struct kv_slice *out) {
    return kv_list_iter_next(it, out);
}

#endif

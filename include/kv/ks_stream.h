/*
 * ks_stream.h: stream values as the keyspace serves them to commands. The structure
 * (src/stream.c) and its allocator stay inside the keyspace layer: a command names
 * the keyspace and the value's head, never the allocator. Each wrapper is the
 * stream.h function of the same name (see there for contracts) in the keyspace's
 * data region with its node limits (stream-node-max-bytes, -entries); inline.
 */
#ifndef KV_KS_STREAM_H
#define KV_KS_STREAM_H

#include "kv/keyspace.h"
#include "kv/stream.h"

static inline struct kv_stream_env kv_ks_stream_env_of(const struct kv_keyspace *ks) {
    struct kv_stream_env e = {(struct kv_alloc *)(uintptr_t)&ks->alloc, ks->stream_node_bytes,
                              ks->stream_node_entries};
    return e;
}
static inline struct kv_stream_head *kv_ks_stream_head(struct kv_item *it) {
    KV_ASSERT(kv_item_type(it) == KV_TYPE_STREAM);
    return (struct kv_stream_head *)(void *)kv_item_value(it);
}
static inline bool kv_ks_stream_append(struct kv_keyspace *ks, struct kv_stream_head *h,
                                       struct kv_stream_id id, const struct kv_slice *args,
                                       uint32_t n) {
    struct kv_stream_env e = kv_ks_stream_env_of(ks);
    return kv_stream_append(&e, h, id, args, n);
}
static inline void kv_ks_stream_append_room(const struct kv_keyspace *ks,
                                            const struct kv_stream_head *h,
                                            const struct kv_slice *args, uint32_t n,
                                            uint64_t *need, uint64_t *largest) {
    struct kv_stream_env e = kv_ks_stream_env_of(ks);
    kv_stream_append_room(&e, h, args, n, need, largest);
}
static inline bool kv_ks_stream_delete(struct kv_keyspace *ks, struct kv_stream_head *h,
                                       struct kv_stream_id id) {
    return kv_stream_delete(&ks->alloc, h, id);
}
static inline uint64_t kv_ks_stream_trim(struct kv_keyspace *ks, struct kv_stream_head *h,
                                         enum kv_stream_trim how, uint64_t maxlen,
                                         struct kv_stream_id minid, bool approx,
                                         uint64_t limit) {
    return kv_stream_trim(&ks->alloc, h, how, maxlen, minid, approx, limit);
}
static inline bool kv_ks_stream_first_id(const struct kv_keyspace *ks,
                                         const struct kv_stream_head *h,
                                         struct kv_stream_id *id) {
    return kv_stream_first_id(&ks->alloc, h, id);
}
static inline bool kv_ks_stream_last_id(const struct kv_keyspace *ks,
                                        const struct kv_stream_head *h,
                                        struct kv_stream_id *id) {
    return kv_stream_last_id(&ks->alloc, h, id);
}
static inline void kv_ks_stream_iter_init(struct kv_stream_iter *it,
                                          const struct kv_keyspace *ks,
                                          const struct kv_stream_head *h,
                                          struct kv_stream_id start, struct kv_stream_id end,
                                          bool rev) {
    kv_stream_iter_init(it, &ks->alloc, h, start, end, rev);
}

#endif

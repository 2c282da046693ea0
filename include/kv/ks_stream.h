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
static inline bool kv_ks_stream_top_id(const struct kv_keyspace *ks,
                                       const struct kv_stream_head *h,
                                       struct kv_stream_id *id) {
    return kv_stream_top_id(&ks->alloc, h, id);
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

/* Consumer groups (stream.h, src/stream_cg.c). */
static inline uint32_t kv_ks_stream_groups(const struct kv_keyspace *ks,
                                           const struct kv_stream_head *h) {
    return kv_stream_groups(&ks->alloc, h);
}
static inline bool kv_ks_stream_group_next(const struct kv_keyspace *ks,
                                           const struct kv_stream_head *h,
                                           struct kv_stream_group *g, bool first) {
    return kv_stream_group_next(&ks->alloc, h, g, first);
}
static inline bool kv_ks_stream_group_find(const struct kv_keyspace *ks,
                                           const struct kv_stream_head *h,
                                           struct kv_slice name, struct kv_stream_group *g) {
    return kv_stream_group_find(&ks->alloc, h, name, g);
}
static inline uint64_t kv_ks_stream_group_room(const struct kv_keyspace *ks,
                                               const struct kv_stream_head *h,
                                               uint64_t name_len) {
    return kv_stream_group_room(&ks->alloc, h, name_len);
}
static inline bool kv_ks_stream_group_create(struct kv_keyspace *ks, struct kv_stream_head *h,
                                             struct kv_slice name, struct kv_stream_id last,
                                             int64_t entries_read) {
    return kv_stream_group_create(&ks->alloc, h, name, last, entries_read);
}
static inline void kv_ks_stream_group_set(struct kv_keyspace *ks, struct kv_stream_head *h,
                                          const struct kv_stream_group *g,
                                          struct kv_stream_id last, int64_t entries_read) {
    kv_stream_group_set(&ks->alloc, h, g, last, entries_read);
}
static inline void kv_ks_stream_group_destroy(struct kv_keyspace *ks, struct kv_stream_head *h,
                                              const struct kv_stream_group *g) {
    kv_stream_group_destroy(&ks->alloc, h, g);
}
static inline bool kv_ks_stream_consumer_next(const struct kv_keyspace *ks,
                                              const struct kv_stream_head *h,
                                              const struct kv_stream_group *g,
                                              struct kv_stream_consumer *c, bool first) {
    return kv_stream_consumer_next(&ks->alloc, h, g, c, first);
}
static inline bool kv_ks_stream_consumer_find(const struct kv_keyspace *ks,
                                              const struct kv_stream_head *h,
                                              const struct kv_stream_group *g,
                                              struct kv_slice name,
                                              struct kv_stream_consumer *c) {
    return kv_stream_consumer_find(&ks->alloc, h, g, name, c);
}
static inline int kv_ks_stream_consumer_create(struct kv_keyspace *ks, struct kv_stream_head *h,
                                               struct kv_stream_group *g, struct kv_slice name,
                                               int64_t now) {
    return kv_stream_consumer_create(&ks->alloc, h, g, name, now);
}
static inline void kv_ks_stream_consumer_delete(struct kv_keyspace *ks,
                                                struct kv_stream_head *h,
                                                struct kv_stream_group *g,
                                                const struct kv_stream_consumer *c) {
    kv_stream_consumer_delete(&ks->alloc, h, g, c);
}

#endif

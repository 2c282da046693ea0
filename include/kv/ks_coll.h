/*
 * ks_coll.h: hash and set values as the keyspace serves them to commands. The
 * structure (src/coll.c) and its allocator stay inside the keyspace layer: a command
 * names the keyspace and the value's head, never the allocator. Each wrapper is the
 * coll.h function of the same name (see there for contracts) in the keyspace's data
 * region, with its seed and its thresholds (hash-max-listpack-*,
 * set-max-intset-entries); inline, so LTO-free builds pay nothing for the layer.
 */
#ifndef KV_KS_COLL_H
#define KV_KS_COLL_H

#include "kv/coll.h"
#include "kv/keyspace.h"

static inline struct kv_coll_env kv_ks_coll_env_of(const struct kv_keyspace *ks) {
    struct kv_coll_env e = {(struct kv_alloc *)(uintptr_t)&ks->alloc, ks->table.seed,
                            ks->hash_packed_entries, ks->set_intset_entries};
    return e;
}
static inline struct kv_coll_head *kv_ks_coll_head(struct kv_item *it) {
    KV_ASSERT(kv_item_type(it) == KV_TYPE_HASH || kv_item_type(it) == KV_TYPE_SET);
    return (struct kv_coll_head *)(void *)kv_item_value(it);
}
/* Whether a field or value of len bytes makes a hash a table (hash-max-listpack-value). */
static inline bool kv_ks_coll_big(const struct kv_keyspace *ks, uint64_t len) {
    return len > ks->hash_packed_value;
}
/* Frees a detached head's blocks (a *STORE result that will not be stored). */
static inline void kv_ks_coll_release(struct kv_keyspace *ks, struct kv_coll_head *h) {
    kv_coll_release(&ks->alloc, h);
}
static inline bool kv_ks_coll_get(const struct kv_keyspace *ks, const struct kv_coll_head *h,
                                  struct kv_slice field, struct kv_slice *value) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    return kv_coll_get(&e, h, field, value);
}
static inline bool kv_ks_coll_add(struct kv_keyspace *ks, struct kv_coll_head *h,
                                  const struct kv_slice *args, uint32_t n, bool big,
                                  uint64_t *added) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    return kv_coll_add(&e, h, args, n, big, added);
}
static inline void kv_ks_coll_add_room(const struct kv_keyspace *ks,
                                       const struct kv_coll_head *h,
                                       const struct kv_slice *args, uint32_t n, bool big,
                                       uint64_t *need, uint64_t *largest) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    kv_coll_add_room(&e, h, args, n, big, need, largest);
}
static inline bool kv_ks_coll_to_table(struct kv_keyspace *ks, struct kv_coll_head *h) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    return kv_coll_to_table(&e, h);
}
static inline bool kv_ks_coll_rebuild_set(struct kv_keyspace *ks, struct kv_coll_head *h) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    return kv_coll_rebuild_set(&e, h);
}
static inline uint64_t kv_ks_coll_remove(struct kv_keyspace *ks, struct kv_coll_head *h,
                                         const struct kv_slice *fields, uint32_t n) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    return kv_coll_remove(&e, h, fields, n);
}
static inline void kv_ks_coll_iter_init(struct kv_coll_iter *it, const struct kv_keyspace *ks,
                                        const struct kv_coll_head *h) {
    kv_coll_iter_init(it, &ks->alloc, h);
}
static inline bool kv_ks_coll_next(struct kv_coll_iter *it, struct kv_slice *field,
                                   struct kv_slice *value) {
    return kv_coll_next(it, field, value);
}
static inline void kv_ks_coll_random(struct kv_coll_iter *it, const struct kv_keyspace *ks,
                                     const struct kv_coll_head *h, uint64_t r,
                                     struct kv_slice *field, struct kv_slice *value) {
    kv_coll_random(it, &ks->alloc, h, r, field, value);
}
static inline uint64_t kv_ks_coll_scan(const struct kv_keyspace *ks,
                                       const struct kv_coll_head *h, uint64_t cursor,
                                       uint64_t want, kv_coll_visit_fn visit, void *ctx) {
    struct kv_coll_env e = kv_ks_coll_env_of(ks);
    return kv_coll_scan(&e, h, cursor, want, visit, ctx);
}

#endif

/*
 * ks_zset.h: sorted set values as the keyspace serves them to commands. The
 * structure (src/zset.c) and its allocator stay inside the keyspace layer: a command
 * names the keyspace and the value's head, never the allocator. Each wrapper is the
 * zset.h function of the same name (see there for contracts) in the keyspace's data
 * region, with its seed and its thresholds (zset-max-listpack-*); inline, so
 * LTO-free builds pay nothing for the layer.
 */
#ifndef KV_KS_ZSET_H
#define KV_KS_ZSET_H

#include "kv/keyspace.h"
#include "kv/zset.h"

static inline struct kv_zset_env kv_ks_zset_env_of(const struct kv_keyspace *ks) {
    struct kv_zset_env e = {(struct kv_alloc *)(uintptr_t)&ks->alloc, ks->table.seed,
                            ks->zset_packed_entries, ks->zset_packed_value};
    return e;
}
static inline struct kv_zset_head *kv_ks_zset_head(struct kv_item *it) {
    KV_ASSERT(kv_item_type(it) == KV_TYPE_ZSET);
    return (struct kv_zset_head *)(void *)kv_item_value(it);
}
static inline void kv_ks_zset_release(struct kv_keyspace *ks, struct kv_zset_head *h) {
    kv_zset_release(&ks->alloc, h);
}
static inline bool kv_ks_zset_score(const struct kv_keyspace *ks, const struct kv_zset_head *h,
                                    struct kv_slice m, double *score) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_score(&e, h, m, score);
}
static inline uint64_t kv_ks_zset_rank(const struct kv_keyspace *ks,
                                       const struct kv_zset_head *h, struct kv_slice m,
                                       double score) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_rank(&e, h, m, score);
}
static inline uint64_t kv_ks_zset_room(const struct kv_keyspace *ks,
                                       const struct kv_zset_head *h,
                                       const struct kv_slice *args, uint32_t stride,
                                       uint32_t n) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_room(&e, h, args, stride, n);
}
static inline void kv_ks_zset_reserve(struct kv_keyspace *ks, struct kv_zset_head *h,
                                      const struct kv_slice *args, uint32_t stride,
                                      uint32_t n) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    kv_zset_reserve(&e, h, args, stride, n);
}
static inline bool kv_ks_zset_put(struct kv_keyspace *ks, struct kv_zset_head *h,
                                  struct kv_slice m, double score) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_put(&e, h, m, score);
}
static inline void kv_ks_zset_trim(struct kv_keyspace *ks, struct kv_zset_head *h) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    kv_zset_trim(&e, h);
}
static inline bool kv_ks_zset_remove(struct kv_keyspace *ks, struct kv_zset_head *h,
                                     struct kv_slice m) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_remove(&e, h, m);
}
static inline void kv_ks_zset_remove_ranks(struct kv_keyspace *ks, struct kv_zset_head *h,
                                           uint64_t start, uint64_t n) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    kv_zset_remove_ranks(&e, h, start, n);
}
static inline uint64_t kv_ks_zset_count_score(const struct kv_keyspace *ks,
                                              const struct kv_zset_head *h, double x,
                                              bool incl) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_count_score(&e, h, x, incl);
}
static inline uint64_t kv_ks_zset_count_lex(const struct kv_keyspace *ks,
                                            const struct kv_zset_head *h, struct kv_slice m,
                                            bool incl) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_count_lex(&e, h, m, incl);
}
static inline uint64_t kv_ks_zset_last_lex(const struct kv_keyspace *ks,
                                           const struct kv_zset_head *h, struct kv_slice m,
                                           bool incl) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_last_lex(&e, h, m, incl);
}
static inline uint64_t kv_ks_zset_member_room(const struct kv_keyspace *ks, struct kv_slice m) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_member_room(&e, m);
}
static inline void kv_ks_zset_reserve_bytes(struct kv_keyspace *ks, struct kv_zset_head *h,
                                            uint64_t bytes) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    kv_zset_reserve_bytes(&e, h, bytes);
}
static inline void kv_ks_zset_init_skiplist(struct kv_keyspace *ks, struct kv_zset_head *h,
                                            uint64_t n) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    kv_zset_init_skiplist(&e, h, n);
}
static inline uint64_t kv_ks_zset_scan(const struct kv_keyspace *ks,
                                       const struct kv_zset_head *h, uint64_t cursor,
                                       uint64_t want, kv_zset_visit_fn visit, void *ctx) {
    struct kv_zset_env e = kv_ks_zset_env_of(ks);
    return kv_zset_scan(&e, h, cursor, want, visit, ctx);
}
/* zset-max-listpack-entries and -value, as the keyspace applies them. */
static inline uint64_t kv_ks_zset_packed_entries(const struct kv_keyspace *ks) {
    return ks->zset_packed_entries;
}
static inline uint64_t kv_ks_zset_packed_value(const struct kv_keyspace *ks) {
    return ks->zset_packed_value;
}
static inline void kv_ks_zset_iter_at(struct kv_zset_iter *it, const struct kv_keyspace *ks,
                                      const struct kv_zset_head *h, uint64_t rank) {
    kv_zset_iter_at(it, &ks->alloc, h, rank);
}

#endif

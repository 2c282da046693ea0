/*
 * table.h: the keyspace index. A fixed-capacity open-addressing hash table with
 * Robin Hood placement and backward-shift deletion: no tombstones, so deletes never
 * degrade lookups and the table is never rehashed. Capacity is fixed at init
 * (derived from --maxmemory / --maxkeys); at most max_count = capacity * 9 / 10
 * entries are admitted, which bounds probe lengths (asserted against probe_max).
 *
 * A slot is 64 bits: tag (high 32 bits of the key's XXH3 hash) << 32 | ref (32 bits,
 * 0 = empty). An entry's home slot is derived from its tag alone, (tag * capacity)
 * >> 32, so the table never needs the key to move entries, and entries are stored
 * in home order: that order is what makes SCAN cursors (kv_table_scan) stable
 * across inserts and deletes. The table does not know what a ref points to; key
 * comparison is the caller's callback.
 */
#ifndef KV_TABLE_H
#define KV_TABLE_H

#include "kv/common.h"

struct kv_table {
    uint64_t *slots;
    uint32_t capacity;
    uint32_t count;
    uint32_t max_count;         /* capacity * 9 / 10 */
    uint32_t probe_max;         /* longest displacement seen (diagnostics) */
    uint64_t seed;              /* XXH3 seed, drawn from the injected prng */
};

/* Is the entry with this ref the key we look for? */
typedef bool (*kv_table_eq_fn)(void *ctx, uint32_t ref, const uint8_t *key, uint32_t klen);

uint64_t kv_table_bytes(uint32_t capacity);
void kv_table_init(struct kv_table *t, void *mem, uint32_t capacity, uint64_t seed);
uint64_t kv_table_hash(const struct kv_table *t, const uint8_t *key, uint32_t klen);
/* Slot index of the key, or -1. */
int64_t kv_table_find(const struct kv_table *t, uint64_t hash, kv_table_eq_fn eq, void *ctx,
                      const uint8_t *key, uint32_t klen);
/* Inserts (key must be absent). False if count == max_count. */
bool kv_table_insert(struct kv_table *t, uint64_t hash, uint32_t ref);
void kv_table_remove_at(struct kv_table *t, uint32_t index);
uint32_t kv_table_ref_at(const struct kv_table *t, uint32_t index); /* 0 if empty */
void kv_table_set_ref_at(struct kv_table *t, uint32_t index, uint32_t ref);
void kv_table_clear(struct kv_table *t);
/*
 * SCAN: calls fn for every entry whose home is in [cursor, cursor + homes), in
 * home order, and returns the next cursor (0 when the whole table was covered).
 * An entry present for a whole scan (cursor 0 to 0) is reported at least once.
 * fn may not modify the table.
 */
typedef void (*kv_table_visit_fn)(void *ctx, uint32_t ref);
uint32_t kv_table_scan(const struct kv_table *t, uint32_t cursor, uint32_t homes,
                       kv_table_visit_fn fn, void *ctx);
/* A uniformly random occupied slot index given a random number, or -1 if empty. */
int64_t kv_table_random(const struct kv_table *t, uint64_t random);
/* Asserts Robin Hood order, count, probe bound. O(capacity): tests and simulator. */
void kv_table_check(const struct kv_table *t);

#endif

/*
 * table.h: the keyspace index. A fixed-capacity open-addressing hash table with
 * Robin Hood placement and backward-shift deletion: no tombstones, so deletes never
 * degrade lookups and the table is never rehashed. Capacity is fixed at init
 * (derived from --maxmemory / --maxkeys); at most max_count = capacity * 9 / 10
 * entries are admitted, which bounds probe lengths: an entry's displacement is less
 * than count (every slot between its home and it is occupied), and no probe walks
 * further than probe_max, the largest displacement recorded since the last clear.
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

/*
 * One bit of a ref is the caller's: the keyspace marks keys that have a TTL, so the
 * active-expiry sweep reads only their items, never the others'. Refs themselves
 * stay below 2^31 (the data region is at most 8 GiB of 8-byte blocks).
 */
#define KV_TABLE_REF_FLAG (1u << 31)

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
/* Prefetching (no effect on contents): the cache line of the hash's home slot, and
 * a guess at the key's ref (home slot or the next one with the hash's tag; 0: none). */
void kv_table_prefetch(const struct kv_table *t, uint64_t hash);
uint32_t kv_table_guess(const struct kv_table *t, uint64_t hash);
/* Slot index of the key, or -1. eq is called only for entries with the key's tag. */
int64_t kv_table_find(const struct kv_table *t, uint64_t hash, kv_table_eq_fn eq, void *ctx,
                      const uint8_t *key, uint32_t klen);
/* Inserts (key must be absent; ref != 0). False if count == max_count. */
bool kv_table_insert(struct kv_table *t, uint64_t hash, uint32_t ref);
/* Removes the entry at index (occupied); later entries may shift back one slot. */
void kv_table_remove_at(struct kv_table *t, uint32_t index);
uint32_t kv_table_ref_at(const struct kv_table *t, uint32_t index); /* 0 if empty */
/* The caller's flag bit of the entry at index (false if empty). */
bool kv_table_flag_at(const struct kv_table *t, uint32_t index);
void kv_table_set_ref_at(struct kv_table *t, uint32_t index, uint32_t ref);
void kv_table_clear(struct kv_table *t);
/*
 * SCAN: calls fn for every entry whose home is in [cursor, cursor + homes), in
 * home order, and returns the next cursor (0 when the whole table was covered).
 * homes >= 1; a cursor >= capacity (not one this table returned) returns 0 at once.
 * An entry present for a whole scan (cursor 0 to 0) is reported at least once
 * (exactly once: homes never change). Work per call: O(homes + probe_max) slots.
 * fn may not modify the table.
 */
typedef void (*kv_table_visit_fn)(void *ctx, uint32_t ref);
uint32_t kv_table_scan(const struct kv_table *t, uint32_t cursor, uint32_t homes,
                       kv_table_visit_fn fn, void *ctx);
/*
 * A random occupied slot index given a random number (the first occupied slot at or
 * after random % capacity, wrapping), or -1 if empty. Not exactly uniform: an entry
 * after a run of empty slots is likelier, as with Redis's dictGetRandomKey.
 */
int64_t kv_table_random(const struct kv_table *t, uint64_t random);
/* Asserts Robin Hood order, count, probe bound. O(capacity): tests and simulator. */
void kv_table_check(const struct kv_table *t);

#endif

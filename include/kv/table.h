/*
 * table.h: the keyspace index. An open-addressing hash table with Robin Hood
 * placement and backward-shift deletion: no tombstones, so deletes never degrade
 * lookups. The slot array is reserved whole at init (capacity_max slots, derived
 * from --maxmemory / --maxkeys); at most max_count = capacity_max * 9 / 10 entries
 * are admitted. An entry's displacement is less than count (every slot between its
 * home and it is occupied), and no probe walks further than probe_max.
 *
 * Levels: the table uses the first `capacity` slots of its reservation, starting at
 * capacity_max / 256 (or the smallest level of at least KV_TABLE_LEVEL_MIN slots
 * that divides evenly) and growing fourfold, in place, when an insert finds it 3/4
 * full; past KV_TABLE_LEVEL_CAP slots it grows to the whole reservation. A small
 * keyspace so touches a small index: 100,000 keys sit in 4 MB of slots, not in the
 * 64 MB reserved for 1 GB, which on this virtual machine cut the time spent on
 * index cache and TLB misses (measured with perf, see README). A
 * growth costs O(capacity before it + keys) and happens at most 4 times (three for
 * 1 GB); the unused slots stay mapped, zero and accounted for, so nothing is
 * allocated.
 *
 * A slot is 64 bits: tag (high 32 bits of the key's XXH3 hash) << 32 | ref (32 bits,
 * 0 = empty). An entry's home slot is derived from its tag alone, (tag * capacity)
 * >> 32, so the table never needs the key to move entries, and entries are stored
 * in home order, which is tag order at every level. SCAN cursors count homes of
 * the largest level (cursor space [0, capacity_max)): a home boundary at one level
 * is a home boundary at every larger level, so cursors stay valid across growth.
 * The table does not know what a ref points to; key comparison is the caller's
 * callback.
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

/* The smallest level a table starts at (small enough that the simulator's tables,
 * 500-8,000 slots, grow through several levels). */
#define KV_TABLE_LEVEL_MIN 16u
/* The first level is at most 2^KV_TABLE_SHIFT_MAX times smaller than the reservation. */
#define KV_TABLE_SHIFT_MAX 8u
/* The largest level below the reservation (4 MB of slots): a growth past it goes to
 * capacity_max at once. A growth costs O(slots in use + keys), so this bounds the
 * pause. Measured here (pre-faulted 2 MiB pages): 0.9 ms to 524,288 slots at 98,305
 * keys, 5.9 ms from there to 8,388,608 (1 GB) at 393,217 keys, 3.1 ms to 67,108,864
 * (8 GB) at 196,609 keys; growing fourfold all the way paused 19 ms at its last step
 * (2M to 8M slots). */
#define KV_TABLE_LEVEL_CAP (1u << 19)

struct kv_table {
    uint64_t *slots;
    uint32_t capacity;          /* slots in use: capacity_max >> shift */
    uint32_t capacity_max;      /* slots reserved */
    uint32_t count;
    uint32_t max_count;         /* capacity_max * 9 / 10 */
    uint32_t grow_at;           /* count at which an insert grows (UINT32_MAX: largest level) */
    uint32_t probe_max;         /* longest displacement since the last clear or growth */
    uint32_t shift;             /* log2(capacity_max / capacity), even */
    uint32_t shift_initial;     /* the level kv_table_clear returns to */
    uint32_t growths;           /* since init (INFO, tests) */
    uint64_t seed;              /* XXH3 seed, drawn from the injected prng */
    /* Bumped by every insert, removal and clear (the changes that move entries): a
     * slot index found while it held a value holds the same key, or none, while it
     * still does. Setting a slot's ref keeps the key there: no bump. */
    uint32_t epoch;
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
/* Inserts (key must be absent; ref != 0). False if count == max_count. May grow the
 * table: every slot index held by the caller is stale afterwards. */
bool kv_table_insert(struct kv_table *t, uint64_t hash, uint32_t ref);
/* Removes the entry at index (occupied); later entries may shift back one slot. */
void kv_table_remove_at(struct kv_table *t, uint32_t index);
uint32_t kv_table_ref_at(const struct kv_table *t, uint32_t index); /* 0 if empty */
/* The caller's flag bit of the entry at index (false if empty). */
bool kv_table_flag_at(const struct kv_table *t, uint32_t index);
void kv_table_set_ref_at(struct kv_table *t, uint32_t index, uint32_t ref);
/* Empties the table and returns it to its first level. */
void kv_table_clear(struct kv_table *t);
/*
 * SCAN: calls fn for every entry whose home is in [cursor, cursor + homes), in
 * home order, and returns the next cursor (0 when the whole table was covered).
 * Cursor and homes are in cursor space [0, capacity_max), whatever the level; a
 * range is widened to whole homes of the current level. homes >= 1; a cursor >=
 * capacity_max (not one this table returned) returns 0 at once. An entry present
 * for a whole scan (cursor 0 to 0) is reported at least once (exactly once unless
 * a clear came between calls: growth splits homes, never moves an entry across a
 * returned cursor). Work per call: O(homes + probe_max) slots. fn may not modify
 * the table.
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
/* Asserts Robin Hood order, count, probe bound, an all-zero unused tail.
 * O(capacity_max): tests and simulator. */
void kv_table_check(const struct kv_table *t);

#endif

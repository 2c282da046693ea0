/*
 * keyspace.h: keys, values, TTLs, memory budget and eviction.
 *
 * Memory: the keyspace owns exactly --maxmemory bytes of the startup mapping: the
 * index (struct kv_table, 8 bytes a slot) and the data region (struct kv_alloc),
 * which holds every item, list node and hash or set block. INFO's used_memory is index bytes + data
 * bytes in use, so `--maxmemory 64mb` means what it means for redis-server.
 *
 * Items: one data-region block per key: a small header, the key bytes, then the
 * value: a string's bytes inline, a struct kv_list_head (src/list.c) for a list, or
 * a struct kv_coll_head (src/coll.c) for a hash or a set, a struct kv_zset_head
 * (src/zset.c) for a sorted set, a struct kv_stream_head (src/stream.c) for a stream.
 * A struct kv_item pointer stays valid until the next keyspace mutation (any set,
 * delete, realloc or eviction), so commands look keys up again after mutating.
 *
 * Expiry: lazy (every lookup deletes an expired key it finds, counting it in
 * expired_keys) plus kv_ks_expire_cycle(), a bounded sweep the engine runs each tick.
 * Times are unix milliseconds from the injected clock, passed in by the caller.
 *
 * Out of memory: every function that allocates either fully succeeds or changes
 * nothing and returns NULL/false. Eviction (per --maxmemory-policy) only happens in
 * kv_ks_make_room(), which the engine calls before a DENYOOM command runs, never in
 * the middle of one, so a command never sees its own keys evicted under it. (The
 * one exception, kv_ks_update_expire_evicting, evicts only after a failed attempt
 * changed nothing, and looks the key up again.) kv_ks_make_room may also move items
 * (never list nodes) to join free space: item pointers die there, refs in the index
 * follow.
 */
#ifndef KV_KEYSPACE_H
#define KV_KEYSPACE_H

#include "kv/alloc.h"
#include "kv/common.h"
#include "kv/config.h"
#include "kv/prng.h"
#include "kv/table.h"

enum kv_type {
    KV_TYPE_NONE = 0,
    KV_TYPE_STRING = 1,
    KV_TYPE_LIST = 2,
    KV_TYPE_HASH = 3,
    KV_TYPE_SET = 4,
    KV_TYPE_ZSET = 5,
    KV_TYPE_STREAM = 6,
};

struct kv_item; /* opaque: lives in the data region */

/* The keyspace's counters (INFO's stats section); only keyspace.c writes them. */
struct kv_ks_stats {
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
    uint64_t expired_keys;
    uint64_t evicted_keys;
    uint64_t evict_joins;        /* kv_ks_make_room joined free space by moving items */
    uint64_t evict_moved_bytes;  /* bytes those joins moved */
};

typedef void (*kv_ks_evict_fn)(void *ctx, const uint8_t *key, uint32_t klen);

/* The running command's key (kv_ks_hint_key): its address and length, its hash if
 * the caller computed it, and the slot its last lookup found (-1: none) while the
 * index's epoch is unchanged. A cache: never a different result. */
struct kv_ks_hint {
    const uint8_t *key;          /* NULL: no hint */
    uint32_t len;
    bool hashed;
    bool looked;
    uint32_t epoch;
    uint64_t hash;
    int64_t slot;
};

struct kv_keyspace {
    struct kv_table table;
    struct kv_alloc alloc;
    struct kv_ks_stats stats;
    struct kv_prng prng;         /* eviction sampling, RANDOMKEY */
    enum kv_evict_policy policy;
    uint32_t samples;
    uint64_t evict_max;          /* keys one kv_ks_make_room may evict (<= index capacity) */
    uint64_t move_max;           /* bytes one kv_ks_make_room may move (kv_alloc_join) */
    uint64_t maxmemory;          /* mapped at startup: index + data region */
    uint64_t limit;              /* used memory a write may reach (CONFIG SET maxmemory) */
    uint64_t volatile_count;     /* keys with a TTL */
    unsigned __int128 expire_sum_ms; /* sum of their expiry times (INFO avg_ttl) */
    uint64_t expire_cursor;      /* active expiry position in the table */
    uint32_t lru_clock;          /* seconds, wraps; set by kv_ks_set_time() */
    int64_t now_ms;
    uint64_t key_bytes;          /* sum of live key lengths */
    uint64_t value_bytes;        /* sum of live value lengths (a list counts its head) */
    uint64_t list_count;         /* keys holding a list */
    uint64_t hash_count;         /* keys holding a hash */
    uint64_t set_count;          /* keys holding a set */
    uint64_t zset_count;         /* keys holding a sorted set */
    uint64_t hash_packed_entries;  /* hash-max-listpack-entries */
    uint64_t hash_packed_value;    /* hash-max-listpack-value */
    uint64_t set_intset_entries;   /* set-max-intset-entries */
    uint64_t zset_packed_entries;  /* zset-max-listpack-entries */
    uint64_t zset_packed_value;    /* zset-max-listpack-value */
    uint64_t stream_count;       /* keys holding a stream */
    uint64_t stream_node_bytes;    /* stream-node-max-bytes */
    uint64_t stream_node_entries;  /* stream-node-max-entries */
    uint32_t key_len_max;        /* longest key stored since the last flush (bounds) */
    uint32_t str_len_max;        /* longest string value stored since then (bounds) */
    uint32_t index_capacity;
    kv_ks_evict_fn on_evict;     /* optional: told about every evicted key */
    void *on_evict_ctx;
    /* The slot of the last key found: a GET looks its key up for the reply bound and
     * again to run. A cache only: checked against the slot's key before use. */
    uint32_t memo_slot;
    struct kv_ks_hint hint;      /* the running command's key (kv_ks_hint_key) */
    /* Below this working set (data bytes in use plus a cache line of index per key),
     * kv_ks_hint_items prefetches each item's head only and does not read it to
     * fetch the rest: the items are in the cache, where that read only stalls (the
     * prefetch was 3.9% of an HGET at P=16 over 1,000 keys). 0: always the whole
     * prefetch. Speed only: no result depends on it. */
    uint64_t prefetch_floor;
};

/* Index capacity and data bytes for a config; their sum is maxmemory. */
uint32_t kv_ks_index_capacity(const struct kv_config *c);
void kv_ks_init(struct kv_keyspace *ks, const struct kv_config *c, void *mem,
                uint64_t prng_seed);
/* Run-time options (CONFIG SET): policy, samples, eviction bounds and the memory
 * limit (c->maxmemory, at most what was mapped). Takes effect at the next write. */
void kv_ks_configure(struct kv_keyspace *ks, const struct kv_config *c);
/* The environment hashes and sets work in (region, seed, thresholds): ks_coll.h. */
struct kv_coll_env;
void kv_ks_coll_env(struct kv_keyspace *ks, struct kv_coll_env *e);
/* The environment sorted sets work in (region, seed, thresholds): ks_zset.h. */
struct kv_zset_env;
void kv_ks_zset_env(struct kv_keyspace *ks, struct kv_zset_env *e);
/* The environment streams work in (region, node limits): ks_stream.h. */
struct kv_stream_env;
void kv_ks_stream_env(struct kv_keyspace *ks, struct kv_stream_env *e);
/* The maxmemory mapped at startup: the most CONFIG SET maxmemory may give. */
uint64_t kv_ks_mapped_bytes(const struct kv_keyspace *ks);
/* Called by the engine before each command with the realtime clock. */
void kv_ks_set_time(struct kv_keyspace *ks, int64_t now_ms);

/* Live key lookup. Deletes (and counts) an expired key. Updates LRU. */
struct kv_item *kv_ks_find(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen);
/* Same, and counts keyspace_hits / keyspace_misses (read commands use this). */
struct kv_item *kv_ks_find_read(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen);

enum kv_type kv_item_type(const struct kv_item *it);
struct kv_slice kv_item_key(const struct kv_item *it);
uint8_t *kv_item_value(struct kv_item *it);
uint32_t kv_item_value_len(const struct kv_item *it);
int64_t kv_item_expire_ms(const struct kv_item *it); /* -1: no TTL */

/*
 * Creates or replaces key with a value of `type` and vlen bytes (uninitialised:
 * the caller fills it; a list value is kv_list_init'ed, a hash or set value
 * kv_coll_init'ed). `key` must not point into
 * the keyspace. keep_ttl keeps an existing key's TTL, otherwise the TTL is
 * cleared. Returns NULL when out of memory (nothing changed). Replacing frees the
 * old item (and a list's nodes).
 */
struct kv_item *kv_ks_set(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                          enum kv_type type, uint32_t vlen, bool keep_ttl);
/* Resizes a string value in place or by moving the item (returns the new item; NULL
 * if out of memory, nothing changed). Bytes past the old length are uninitialised. */
struct kv_item *kv_ks_resize(struct kv_keyspace *ks, struct kv_item *it, uint32_t vlen);
/* Deletes a key (and a list's nodes). */
void kv_ks_delete(struct kv_keyspace *ks, struct kv_item *it);
bool kv_ks_delete_key(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen);
/*
 * expire_ms < 0 removes the TTL; a time <= now deletes the key (EXPIRE semantics).
 * Adding a TTL to a key without one grows its item by 8 bytes and may fail when
 * out of memory (then nothing changes): commands use kv_ks_update_expire, which
 * reports that; this form ignores it.
 */
void kv_ks_set_expire(struct kv_keyspace *ks, struct kv_item *it, int64_t expire_ms);

enum kv_ks_status {
    KV_KS_OK = 0,        /* done; *itp is the (possibly moved) item */
    KV_KS_DELETED = 1,   /* the expire time was not in the future: key deleted */
    KV_KS_OOM = 2,       /* no memory for the TTL field: nothing changed */
    KV_KS_GONE = 3,      /* evicted while making room (kv_ks_update_expire_evicting) */
};
enum kv_ks_status kv_ks_update_expire(struct kv_keyspace *ks, struct kv_item **itp,
                                      int64_t expire_ms);
/*
 * For commands (EXPIRE, GETEX): kv_ks_update_expire, and when the TTL field does not
 * fit, lets the eviction policy make room once, as Redis would have before the
 * command, then looks key up again and retries. KV_KS_GONE (*itp NULL): the key
 * itself was evicted. `key` must not point into the keyspace.
 */
enum kv_ks_status kv_ks_update_expire_evicting(struct kv_keyspace *ks, struct kv_item **itp,
                                               const uint8_t *key, uint32_t klen,
                                               int64_t expire_ms);

/* kv_ks_set with an expire time: -1 none, KV_KS_KEEP_TTL keeps the old key's TTL.
 * The time is stored as given, even if already past (SET ... PXAT 1 behaves like
 * Redis: the key exists until the next lookup expires it). */
#define KV_KS_KEEP_TTL (-2)
struct kv_item *kv_ks_set_ex(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                             enum kv_type type, uint32_t vlen, int64_t expire_ms);

/*
 * Two-phase writes (MSET): kv_ks_item_new() allocates a detached item (not in the
 * index; a list value is kv_list_init'ed), kv_ks_item_commit() puts it in the index,
 * replacing (and freeing) a key of the same name; it cannot fail once
 * kv_ks_has_room() said yes for every key that is new. kv_ks_item_discard() frees a
 * detached item instead.
 */
struct kv_item *kv_ks_item_new(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                               enum kv_type type, uint32_t vlen, int64_t expire_ms);
void kv_ks_item_commit(struct kv_keyspace *ks, struct kv_item *it);
void kv_ks_item_discard(struct kv_keyspace *ks, struct kv_item *it);
/* Whether `new_keys` more keys fit in the index. */
bool kv_ks_has_room(const struct kv_keyspace *ks, uint64_t new_keys);

/* COPY: a deep copy of src (value, TTL, list nodes) under dstkey, replacing dstkey
 * if it exists (the caller checked REPLACE). NULL if out of memory (nothing changed).
 * dstkey must differ from src's key. */
struct kv_item *kv_ks_copy(struct kv_keyspace *ks, const struct kv_item *src,
                           const uint8_t *dstkey, uint32_t dstklen);

/*
 * Hints, for speed only (src/ahead.c is their one caller); none changes contents
 * or a result.
 * kv_ks_hint_slot hashes one key and prefetches its index slot (returns the hash);
 * once every key of a batch had that, kv_ks_hint_items prefetches the items and
 * values (first 2 KiB) the slots probably point at.
 * kv_ks_hint_key names the running command's key, at `key`: the lookups of exactly
 * this address and length share their work. The first one uses `hash` when
 * `hashed` (the lookahead hashed the key to prefetch its slot) and skips the memo
 * check, a shortcut around hashing; the next ones, a command's run after its reply
 * bound, reuse the slot it found while no insert or removal happened since. The
 * caller clears it (kv_ks_hint_clear) before the bytes at `key` can change: the
 * address is all that is compared.
 */
#define KV_KS_PREFETCH_BATCH_MAX 32u
uint64_t kv_ks_hint_slot(const struct kv_keyspace *ks, const uint8_t *key, uint32_t klen);
void kv_ks_hint_items(const struct kv_keyspace *ks, const uint64_t *hash,
                      const uint32_t *klen, uint32_t n);
/* After kv_ks_hint_items: each key's argv[2] as a member of the hash or set the
 * key holds in table form, its home slot and first entries (see keyspace.c). */
void kv_ks_hint_members(const struct kv_keyspace *ks, const uint64_t *hash,
                        const struct kv_slice *member, uint32_t n);
void kv_ks_hint_key(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen, bool hashed,
                    uint64_t hash);
void kv_ks_hint_clear(struct kv_keyspace *ks);
/* Sets prefetch_floor (main.c: the CPU's L2 cache size; the simulator leaves 0). */
void kv_ks_set_prefetch_floor(struct kv_keyspace *ks, uint64_t bytes);

/* Lookup without side effects on the data (no expiry, LRU or stats; may return an
 * expired item): for reply_bound functions. Not const: it fills the lookup caches
 * (the memo slot, the hint's slot). */
struct kv_item *kv_ks_peek(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen);
bool kv_ks_item_expired(const struct kv_keyspace *ks, const struct kv_item *it);
/* Seconds since the last access, as OBJECT IDLETIME counts them. */
uint32_t kv_item_idle_s(const struct kv_keyspace *ks, const struct kv_item *it);
void kv_ks_set_evict_hook(struct kv_keyspace *ks, kv_ks_evict_fn fn, void *ctx);
/* Whether `need` more bytes (largest single allocation `largest`) fit right now. */
bool kv_ks_fits(const struct kv_keyspace *ks, uint64_t need, uint64_t largest);
/* Renames it to newkey. If newkey exists it is deleted (RENAME semantics); the
 * caller handles RENAMENX and same-key renames. Returns the item, or NULL if out of
 * memory (nothing changed). */
struct kv_item *kv_ks_rename(struct kv_keyspace *ks, struct kv_item *it, const uint8_t *newkey,
                             uint32_t newklen);

uint64_t kv_ks_count(const struct kv_keyspace *ks);
/* Mean remaining TTL in ms of the keys with a TTL (INFO avg_ttl), 0 if none. */
uint64_t kv_ks_avg_ttl_ms(const struct kv_keyspace *ks);
void kv_ks_flush(struct kv_keyspace *ks);
/* Deletes expired keys: at most `budget` slots examined. Returns keys deleted. */
uint32_t kv_ks_expire_cycle(struct kv_keyspace *ks, uint32_t budget);
/*
 * Before a command that may grow memory by about `need` bytes (largest single
 * allocation `largest`): under an eviction policy, evicts keys the policy picks
 * until the bytes are free, then moves items to join free space into one block of
 * `largest` bytes (keyspace.c, "Making room"); returns whether it fits now. At most
 * evict_max evictions and move_max bytes moved (maxmemory-eviction-keys,
 * maxmemory-eviction-move). A request larger than the data region evicts nothing.
 * With noeviction, evicts nothing (but may still join free space).
 */
bool kv_ks_make_room(struct kv_keyspace *ks, uint64_t need, uint64_t largest);
/* Data-region bytes a new string item takes (with room for a TTL field). */
uint64_t kv_ks_string_bytes(uint32_t klen, uint64_t vlen);
/*
 * The room (for kv_ks_make_room) that resizing the string item `it` to vlen bytes
 * takes: the growth when the block can grow where it is, else a whole new block.
 */
void kv_ks_resize_room(const struct kv_keyspace *ks, const struct kv_item *it, uint32_t vlen,
                       uint64_t *need, uint64_t *largest);

/*
 * The bytes a key really takes (MEMORY USAGE): its item's data-region block and a
 * list's node blocks or a hash's or set's blocks, as the allocator sizes them (headers included), plus its index
 * slot (KV_KS_SLOT_BYTES). The index is reserved whole at startup, so creating the
 * key moves used_memory by this figure less the slot. O(list nodes).
 */
#define KV_KS_SLOT_BYTES 8u
uint64_t kv_ks_item_memory(const struct kv_keyspace *ks, const struct kv_item *it);

/* Memory figures for INFO. */
uint64_t kv_ks_used_memory(const struct kv_keyspace *ks);
uint64_t kv_ks_index_bytes(const struct kv_keyspace *ks);
uint64_t kv_ks_payload_bytes(const struct kv_keyspace *ks); /* live key+value bytes */

/* The data region and the index, for INFO memory. */
struct kv_ks_memory {
    uint64_t region_bytes;
    uint64_t region_used_bytes;
    uint32_t slots_reserved;  /* the index's whole reservation (maxkeys) */
    uint32_t slots_in_use;    /* the level in use */
    uint32_t max_keys;
};
void kv_ks_memory(const struct kv_keyspace *ks, struct kv_ks_memory *m);

/*
 * Walking the keys (KEYS, SCAN): `homes` index homes from `cursor` in cursor space
 * (kv_ks_scan_space() homes in all; a cursor past it visits nothing and returns 0),
 * visit(ctx, ref) for each key; returns the next cursor (0 when the walk is done).
 * The keyspace must not change during a walk. An item's ref names it until then.
 */
uint32_t kv_ks_scan_space(const struct kv_keyspace *ks);
uint32_t kv_ks_scan(const struct kv_keyspace *ks, uint32_t cursor, uint32_t homes,
                    kv_table_visit_fn visit, void *ctx);
struct kv_item *kv_ks_item_at_ref(const struct kv_keyspace *ks, uint32_t ref);
uint32_t kv_ks_item_ref(const struct kv_keyspace *ks, const struct kv_item *it);
/* The key's hash as the index computes it (WATCH's key identity). */
uint64_t kv_ks_key_hash(const struct kv_keyspace *ks, const uint8_t *key, uint32_t klen);
/* A random number from the keyspace's stream (HRANDFIELD, SPOP, SRANDMEMBER). */
uint64_t kv_ks_random_u64(struct kv_keyspace *ks);
/* Random live key (expired ones are skipped/deleted), NULL if empty. */
struct kv_item *kv_ks_random(struct kv_keyspace *ks);

/* All keyspace invariants (table, allocator, counts). O(size): tests and simulator. */
void kv_ks_check(const struct kv_keyspace *ks);

#endif

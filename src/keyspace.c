/*
 * keyspace.c: keys, values, TTLs, the memory budget and eviction
 * (include/kv/keyspace.h).
 *
 * Memory: the `maxmemory` bytes handed to kv_ks_init: the index (struct kv_table,
 * 8 bytes a slot) at the front, the data region (struct kv_alloc) after it. Every
 * key is one allocator block, the item:
 *
 *   u32 meta: type (3 bits) | TTL flag | WIDE flag | LRU clock (24 bits) << 8
 *   narrow (key and value < 64 KiB): u16 key length, u16 value length   (8 bytes)
 *   wide: u32 key length, u32 value length                              (12 bytes)
 *   [i64 expire time, unix ms: only when the TTL flag is set]
 *   key bytes, then the value: a string's bytes, or a struct kv_list_head (list)
 *   or struct kv_coll_head (hash, set) or struct kv_stream_head (stream) padded to
 *   an 8-byte address (list nodes, hash or set blocks and stream nodes are separate
 *   blocks owned by the head).
 *
 * With the allocator's 4-byte block header a 16-byte key and a 100-byte value take
 * one 128-byte block, and the index adds 8 / 0.9 bytes a key at most.
 *
 * Invariants (kv_ks_check): every index entry refers to a live item whose key
 * hashes to that entry; counters (volatile_count, list_count, hash_count,
 * set_count, key_bytes, value_bytes) equal what the items say; allocator blocks =
 * items + list nodes + hash and set blocks.
 * Every function that allocates either completes or changes nothing.
 * Never: allocates outside the data region, evicts outside kv_ks_make_room, keeps
 * an item pointer across its own mutations, or loops without a bound.
 */
#include "kv/keyspace.h"

#include <string.h>

#include "kv/coll.h"
#include "kv/list.h"
#include "kv/zset.h"
#include "kv/stream.h"
#include "kv/util.h"

#define ITEM_TYPE_MASK 7u
#define ITEM_F_TTL 8u
#define ITEM_F_WIDE 16u
#define ITEM_LRU_SHIFT 8
#define ITEM_LRU_MASK 0xffffffu
#define ITEM_NARROW_MAX 0xffffu
#define ITEM_HDR_NARROW 8u
#define ITEM_HDR_WIDE 12u
#define ITEM_TTL_BYTES 8u
#define ITEM_ADDR_RESIDUE 4u      /* kv_alloc payloads sit at 4 mod 8 */
#define KS_RANDOM_TRIES 1024u     /* kv_ks_random draws before giving up */
#define KS_PREFETCH_BYTES 2048u   /* of a value, by kv_ks_hint_items */

struct kv_item {
    uint32_t meta;
};

_Static_assert(sizeof(struct kv_list_head) == 32, "list head size");
_Static_assert(sizeof(struct kv_coll_head) == 32, "hash/set head size");
_Static_assert(sizeof(struct kv_zset_head) == 40, "sorted set head size");
_Static_assert(sizeof(struct kv_stream_head) == 88, "stream head size");

static inline bool type_valid(uint32_t t) {
    return t == KV_TYPE_STRING || t == KV_TYPE_LIST || t == KV_TYPE_HASH || t == KV_TYPE_SET ||
           t == KV_TYPE_ZSET || t == KV_TYPE_STREAM;
}
/* A value held by a head in the item (list, hash, set) rather than inline bytes. */
static inline bool type_headed(enum kv_type t) { return t != KV_TYPE_STRING; }
static inline bool type_coll(enum kv_type t) { return t == KV_TYPE_HASH || t == KV_TYPE_SET; }
static inline bool type_zset(enum kv_type t) { return t == KV_TYPE_ZSET; }
static inline bool type_stream(enum kv_type t) { return t == KV_TYPE_STREAM; }

/* ---- item layout ---------------------------------------------------------- */

static inline uint32_t ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static inline uint16_t ld16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}
static inline const uint8_t *item_bytes(const struct kv_item *it) {
    return (const uint8_t *)it;
}
static inline uint32_t item_meta(const struct kv_item *it) { return ld32(item_bytes(it)); }
static inline bool item_wide(const struct kv_item *it) {
    return (item_meta(it) & ITEM_F_WIDE) != 0;
}
static inline bool item_has_ttl(const struct kv_item *it) {
    return (item_meta(it) & ITEM_F_TTL) != 0;
}
static inline uint32_t item_lru(const struct kv_item *it) {
    return item_meta(it) >> ITEM_LRU_SHIFT;
}
static inline uint32_t item_klen(const struct kv_item *it) {
    return item_wide(it) ? ld32(item_bytes(it) + 4) : ld16(item_bytes(it) + 4);
}
static inline uint32_t item_vlen(const struct kv_item *it) {
    return item_wide(it) ? ld32(item_bytes(it) + 8) : ld16(item_bytes(it) + 6);
}
static inline bool shape_wide(uint32_t klen, uint32_t vlen) {
    return klen > ITEM_NARROW_MAX || vlen > ITEM_NARROW_MAX;
}
static inline uint64_t shape_key_off(uint32_t klen, uint32_t vlen, bool ttl) {
    return (shape_wide(klen, vlen) ? ITEM_HDR_WIDE : ITEM_HDR_NARROW) +
           (ttl ? ITEM_TTL_BYTES : 0);
}
/* A list, hash or set head needs an 8-byte aligned address; payloads are at 4 mod 8. */
static inline uint64_t shape_value_off(enum kv_type type, uint32_t klen, uint32_t vlen,
                                       bool ttl) {
    uint64_t off = shape_key_off(klen, vlen, ttl) + klen;
    if (type_headed(type)) off = KV_ALIGN_UP(off + ITEM_ADDR_RESIDUE, 8) - ITEM_ADDR_RESIDUE;
    return off;
}
static inline uint64_t shape_size(enum kv_type type, uint32_t klen, uint32_t vlen, bool ttl) {
    return shape_value_off(type, klen, vlen, ttl) + vlen;
}
static inline uint64_t item_size(const struct kv_item *it) {
    return shape_size(kv_item_type(it), item_klen(it), item_vlen(it), item_has_ttl(it));
}
static inline uint64_t item_key_off(const struct kv_item *it) {
    return shape_key_off(item_klen(it), item_vlen(it), item_has_ttl(it));
}
static inline uint64_t item_value_off(const struct kv_item *it) {
    return shape_value_off(kv_item_type(it), item_klen(it), item_vlen(it), item_has_ttl(it));
}

/* Writes meta, lengths and the TTL field; key and value bytes are the caller's. */
static void item_write_header(struct kv_item *it, enum kv_type type, uint32_t klen,
                              uint32_t vlen, int64_t expire_ms, uint32_t lru) {
    KV_ASSERT(type_valid(type));
    uint8_t *p = (uint8_t *)it;
    bool wide = shape_wide(klen, vlen);
    uint32_t meta = (uint32_t)type | (expire_ms >= 0 ? ITEM_F_TTL : 0) |
                    (wide ? ITEM_F_WIDE : 0) | ((lru & ITEM_LRU_MASK) << ITEM_LRU_SHIFT);
    memcpy(p, &meta, 4);
    if (wide) {
        memcpy(p + 4, &klen, 4);
        memcpy(p + 8, &vlen, 4);
    } else {
        uint16_t k16 = (uint16_t)klen, v16 = (uint16_t)vlen;
        memcpy(p + 4, &k16, 2);
        memcpy(p + 6, &v16, 2);
    }
    if (expire_ms >= 0) memcpy(p + (wide ? ITEM_HDR_WIDE : ITEM_HDR_NARROW), &expire_ms, 8);
    KV_ASSERT(item_klen(it) == klen && item_vlen(it) == vlen);
}

static void item_set_lru(struct kv_item *it, uint32_t lru) {
    uint32_t meta = item_meta(it);
    meta = (meta & ((1u << ITEM_LRU_SHIFT) - 1)) | ((lru & ITEM_LRU_MASK) << ITEM_LRU_SHIFT);
    memcpy((uint8_t *)it, &meta, 4);
}

enum kv_type kv_item_type(const struct kv_item *it) {
    KV_ASSERT(it != NULL);
    enum kv_type t = (enum kv_type)(item_meta(it) & ITEM_TYPE_MASK);
    KV_ASSERT(type_valid(t));
    return t;
}

struct kv_slice kv_item_key(const struct kv_item *it) {
    KV_ASSERT(it != NULL);
    struct kv_slice s = {item_bytes(it) + item_key_off(it), item_klen(it)};
    return s;
}

uint8_t *kv_item_value(struct kv_item *it) {
    KV_ASSERT(it != NULL);
    uint8_t *v = (uint8_t *)it + item_value_off(it);
    KV_ASSERT(!type_headed(kv_item_type(it)) || ((uintptr_t)v & 7) == 0);
    return v;
}

uint32_t kv_item_value_len(const struct kv_item *it) {
    KV_ASSERT(it != NULL);
    return item_vlen(it);
}

int64_t kv_item_expire_ms(const struct kv_item *it) {
    KV_ASSERT(it != NULL);
    if (!item_has_ttl(it)) return -1;
    int64_t v;
    memcpy(&v, item_bytes(it) + (item_wide(it) ? ITEM_HDR_WIDE : ITEM_HDR_NARROW), 8);
    KV_ASSERT(v >= 0);
    return v;
}

static inline struct kv_list_head *item_list(struct kv_item *it) {
    KV_ASSERT(kv_item_type(it) == KV_TYPE_LIST);
    return (struct kv_list_head *)(void *)kv_item_value(it);
}

static inline struct kv_coll_head *item_coll(struct kv_item *it) {
    KV_ASSERT(type_coll(kv_item_type(it)));
    return (struct kv_coll_head *)(void *)kv_item_value(it);
}

static inline const struct kv_coll_head *item_coll_const(const struct kv_item *it) {
    KV_ASSERT(type_coll(kv_item_type(it)));
    return (const struct kv_coll_head *)(const void *)(item_bytes(it) + item_value_off(it));
}

static inline struct kv_zset_head *item_zset(struct kv_item *it) {
    KV_ASSERT(type_zset(kv_item_type(it)));
    return (struct kv_zset_head *)(void *)kv_item_value(it);
}

static inline const struct kv_zset_head *item_zset_const(const struct kv_item *it) {
    KV_ASSERT(type_zset(kv_item_type(it)));
    return (const struct kv_zset_head *)(const void *)(item_bytes(it) + item_value_off(it));
}

static inline struct kv_stream_head *item_stream(struct kv_item *it) {
    KV_ASSERT(type_stream(kv_item_type(it)));
    return (struct kv_stream_head *)(void *)kv_item_value(it);
}

static inline const struct kv_stream_head *item_stream_const(const struct kv_item *it) {
    KV_ASSERT(type_stream(kv_item_type(it)));
    return (const struct kv_stream_head *)(const void *)(item_bytes(it) + item_value_off(it));
}

/* ---- index helpers -------------------------------------------------------- */

static inline struct kv_item *item_at_ref(const struct kv_keyspace *ks, uint32_t ref) {
    return (struct kv_item *)kv_alloc_ptr(&ks->alloc, ref);
}

static bool eq_key(void *ctx, uint32_t ref, const uint8_t *key, uint32_t klen) {
    const struct kv_item *it = item_at_ref((const struct kv_keyspace *)ctx, ref);
    struct kv_slice k = kv_item_key(it);
    return k.len == klen && kv_bytes_eq(k.ptr, key, klen);
}

static bool eq_ref(void *ctx, uint32_t ref, const uint8_t *key, uint32_t klen) {
    (void)key;
    (void)klen;
    return ref == *(const uint32_t *)ctx;
}

/*
 * Keys are unique in the index, so if the memo slot holds this very key it is the
 * key's slot, whatever happened since: no invalidation is needed.
 */
static int64_t slot_by_memo(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    uint32_t memo = ks->memo_slot;
    KV_ASSERT(memo < ks->table.capacity);
    uint32_t ref = kv_table_ref_at(&ks->table, memo);
    if (ref != 0 && eq_key(ks, ref, key, klen)) return memo;
    uint64_t h = kv_table_hash(&ks->table, key, klen);
    int64_t slot = kv_table_find(&ks->table, h, eq_key, ks, key, klen);
    if (slot >= 0) ks->memo_slot = (uint32_t)slot;
    return slot;
}

/* The slot of key: through the hint when it names these very bytes. */
static int64_t slot_of_key(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    struct kv_ks_hint *h = &ks->hint;
    if (key != h->key || klen != h->len) return slot_by_memo(ks, key, klen);
    if (h->looked && h->epoch == ks->table.epoch) {
        KV_ASSERT(h->slot < 0 || kv_table_ref_at(&ks->table, (uint32_t)h->slot) != 0);
        return h->slot;
    }
    int64_t slot;
    if (h->hashed) {
        slot = kv_table_find(&ks->table, h->hash, eq_key, ks, key, klen);
        if (slot >= 0) ks->memo_slot = (uint32_t)slot;
    } else {
        slot = slot_by_memo(ks, key, klen);
    }
    h->looked = true;
    h->epoch = ks->table.epoch;
    h->slot = slot;
    return slot;
}

void kv_ks_hint_key(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen, bool hashed,
                    uint64_t hash) {
    KV_ASSERT(key != NULL && ks->hint.key == NULL);
    struct kv_ks_hint *h = &ks->hint; /* epoch and slot are set by the first lookup */
    h->key = key;
    h->len = klen;
    h->hashed = hashed;
    h->hash = hash;
    h->looked = false;
}

void kv_ks_set_prefetch_floor(struct kv_keyspace *ks, uint64_t bytes) {
    KV_ASSERT(ks != NULL && ks->table.slots != NULL);
    ks->prefetch_floor = bytes;
}

void kv_ks_hint_clear(struct kv_keyspace *ks) {
    KV_ASSERT(ks != NULL);
    ks->hint.key = NULL;
}

uint64_t kv_ks_hint_slot(const struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    KV_ASSERT(key != NULL || klen == 0);
    uint64_t h = kv_table_hash(&ks->table, key, klen);
    kv_table_prefetch(&ks->table, h);
    return h;
}

/* Prefetches each cache line holding bytes [from, to] of p (at most 33 lines). */
static void prefetch_lines(const uint8_t *p, uint64_t from, uint64_t to) {
    KV_ASSERT(to < KS_PREFETCH_BYTES + 64);
    uintptr_t line = ((uintptr_t)p + from) & ~(uintptr_t)63;
    for (uint32_t i = 0; i < KS_PREFETCH_BYTES / 64 + 2 && line <= (uintptr_t)p + to; i++) {
        __builtin_prefetch((const void *)line);
        line += 64;
    }
}

/* The last byte stage 2 fetches of an item whose key has klen bytes: a narrow
 * header, the key and a small value, in the lines they take (not a blind second
 * line: half the time a small item's next line is another item's). */
static inline uint64_t head_end(uint64_t klen) {
    return KV_MIN(ITEM_HDR_NARROW + klen + 8, 128u) - 1;
}

/*
 * Stage 2 guesses each key's item from its (now cached) slot and prefetches its
 * header and key; stage 3 reads those headers and prefetches the rest of the
 * values, up to KS_PREFETCH_BYTES. Only refs the index holds are read: always live
 * items.
 */
void kv_ks_hint_items(const struct kv_keyspace *ks, const uint64_t *hash,
                      const uint32_t *klen, uint32_t n) {
    KV_ASSERT(ks->table.slots != NULL && n <= KV_KS_PREFETCH_BATCH_MAX);
    uint32_t ref[KV_KS_PREFETCH_BATCH_MAX];
    for (uint32_t i = 0; i < n; i++) {
        ref[i] = kv_table_guess(&ks->table, hash[i]);
        if (ref[i] != 0) prefetch_lines(kv_alloc_addr(&ks->alloc, ref[i]), 0, head_end(klen[i]));
    }
    if (ks->alloc.used_bytes + ks->table.count * 64 < ks->prefetch_floor) return;
    for (uint32_t i = 0; i < n; i++) {
        if (ref[i] == 0) continue;
        const struct kv_item *it = kv_alloc_addr(&ks->alloc, ref[i]);
        uint64_t from = head_end(item_klen(it)) + 1, size = KV_MIN(item_size(it), KS_PREFETCH_BYTES);
        if (size > from) prefetch_lines(item_bytes(it), from, size - 1);
    }
}

/*
 * Stage 4, after kv_ks_hint_items: for each (key, member) pair whose key (by its
 * guessed item) holds a hash or set in table form, the member's home slot, then
 * the entries of its first probes: a big set's SISMEMBER or SADD otherwise waits
 * for the slot line and then for the entry blocks, one pipelined command at a time.
 * A wrong guess (another key's item) only fetches lines nobody reads.
 */
void kv_ks_hint_members(const struct kv_keyspace *ks, const uint64_t *hash,
                        const struct kv_slice *member, uint32_t n) {
    KV_ASSERT(ks->table.slots != NULL && n <= KV_KS_PREFETCH_BATCH_MAX);
    KV_ASSERT(member != NULL || n == 0);
    if (ks->alloc.used_bytes + ks->table.count * 64 < ks->prefetch_floor) return;
    struct kv_coll_env env;
    kv_ks_coll_env((struct kv_keyspace *)(uintptr_t)ks, &env);
    const struct kv_coll_head *head[KV_KS_PREFETCH_BATCH_MAX];
    uint64_t home[KV_KS_PREFETCH_BATCH_MAX];
    for (uint32_t i = 0; i < n; i++) {
        head[i] = NULL;
        uint32_t ref = kv_table_guess(&ks->table, hash[i]);
        if (ref == 0) continue;
        const struct kv_item *it = kv_alloc_addr(&ks->alloc, ref);
        enum kv_type t = kv_item_type(it);
        if (t != KV_TYPE_HASH && t != KV_TYPE_SET) continue;
        const struct kv_coll_head *h = (const void *)(item_bytes(it) + item_value_off(it));
        home[i] = kv_coll_prefetch_home(&env, h, member[i]);
        if (home[i] != KV_COLL_NO_HOME) head[i] = h;
    }
    for (uint32_t i = 0; i < n; i++)
        if (head[i] != NULL) kv_coll_prefetch_probe(&env, head[i], home[i]);
}

/* The index slot holding item `it` (which must be in the index). */
static uint32_t slot_of_item(const struct kv_keyspace *ks, const struct kv_item *it) {
    struct kv_slice k = kv_item_key(it);
    uint32_t ref = kv_alloc_ref(&ks->alloc, it);
    uint64_t h = kv_table_hash(&ks->table, k.ptr, k.len);
    int64_t slot = kv_table_find(&ks->table, h, eq_ref, &ref, k.ptr, k.len);
    KV_ASSERT(slot >= 0);
    return (uint32_t)slot;
}

/* The index entry for an item: its ref, flagged when it has a TTL (expire sweep). */
static uint32_t slot_ref(const struct kv_keyspace *ks, const struct kv_item *it) {
    uint32_t ref = kv_alloc_ref(&ks->alloc, it);
    KV_ASSERT(ref != 0 && (ref & KV_TABLE_REF_FLAG) == 0);
    return item_has_ttl(it) ? ref | KV_TABLE_REF_FLAG : ref;
}

static void account(struct kv_keyspace *ks, const struct kv_item *it, bool add) {
    uint64_t klen = item_klen(it), vlen = item_vlen(it);
    uint64_t ttl = item_has_ttl(it) ? 1 : 0;
    enum kv_type type = kv_item_type(it);
    uint64_t list = type == KV_TYPE_LIST ? 1 : 0;
    uint64_t hash = type == KV_TYPE_HASH ? 1 : 0, set = type == KV_TYPE_SET ? 1 : 0;
    uint64_t zset = type == KV_TYPE_ZSET ? 1 : 0;
    uint64_t stream = type == KV_TYPE_STREAM ? 1 : 0;
    unsigned __int128 at = ttl ? (unsigned __int128)kv_item_expire_ms(it) : 0;
    if (add) {
        ks->expire_sum_ms += at;
        ks->key_bytes += klen;
        ks->value_bytes += vlen;
        ks->volatile_count += ttl;
        ks->list_count += list;
        ks->hash_count += hash;
        ks->set_count += set;
        ks->zset_count += zset;
        ks->stream_count += stream;
        if (klen > ks->key_len_max) ks->key_len_max = (uint32_t)klen;
        if (type == KV_TYPE_STRING && vlen > ks->str_len_max) ks->str_len_max = (uint32_t)vlen;
    } else {
        KV_ASSERT(ks->key_bytes >= klen && ks->value_bytes >= vlen);
        KV_ASSERT(ks->volatile_count >= ttl && ks->list_count >= list);
        KV_ASSERT(ks->hash_count >= hash && ks->set_count >= set && ks->zset_count >= zset);
        KV_ASSERT(ks->stream_count >= stream);
        KV_ASSERT(ks->expire_sum_ms >= at);
        ks->expire_sum_ms -= at;
        ks->key_bytes -= klen;
        ks->value_bytes -= vlen;
        ks->volatile_count -= ttl;
        ks->list_count -= list;
        ks->hash_count -= hash;
        ks->set_count -= set;
        ks->zset_count -= zset;
        ks->stream_count -= stream;
    }
}

/* Frees a detached item's block (and a list's nodes, a hash's or set's blocks). */
static void item_free(struct kv_keyspace *ks, struct kv_item *it) {
    if (kv_item_type(it) == KV_TYPE_LIST) kv_list_release(&ks->alloc, item_list(it));
    if (type_coll(kv_item_type(it))) kv_coll_release(&ks->alloc, item_coll(it));
    if (type_zset(kv_item_type(it))) kv_zset_release(&ks->alloc, item_zset(it));
    if (type_stream(kv_item_type(it))) kv_stream_release(&ks->alloc, item_stream(it));
    kv_alloc_free(&ks->alloc, it);
}

/* Removes the item in `slot` from the index and frees it. */
static void unlink_at(struct kv_keyspace *ks, uint32_t slot, struct kv_item *it) {
    KV_ASSERT(kv_table_ref_at(&ks->table, slot) == kv_alloc_ref(&ks->alloc, it));
    uint32_t count = ks->table.count;
    account(ks, it, false);
    kv_table_remove_at(&ks->table, slot);
    item_free(ks, it);
    KV_ASSERT(ks->table.count + 1 == count);
}

/* Puts `fresh` in place of `old` at `slot` (same key), freeing old. */
static void replace_at(struct kv_keyspace *ks, uint32_t slot, struct kv_item *old,
                       struct kv_item *fresh, bool release_old) {
    KV_ASSERT(kv_table_ref_at(&ks->table, slot) == kv_alloc_ref(&ks->alloc, old));
    account(ks, old, false);
    if (release_old) {
        item_free(ks, old);
    } else {
        kv_alloc_free(&ks->alloc, old);
    }
    kv_table_set_ref_at(&ks->table, slot, slot_ref(ks, fresh));
    account(ks, fresh, true);
}

bool kv_ks_item_expired(const struct kv_keyspace *ks, const struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    return item_has_ttl(it) && ks->now_ms > kv_item_expire_ms(it);
}

static void expire_at(struct kv_keyspace *ks, uint32_t slot, struct kv_item *it) {
    KV_ASSERT(kv_ks_item_expired(ks, it));
    unlink_at(ks, slot, it);
    ks->stats.expired_keys++;
}

/* The live item for key and its slot (an expired one is deleted and counted). */
static struct kv_item *find_live(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                                 int64_t *slot_out) {
    int64_t slot = slot_of_key(ks, key, klen);
    *slot_out = -1;
    if (slot < 0) return NULL;
    struct kv_item *it = item_at_ref(ks, kv_table_ref_at(&ks->table, (uint32_t)slot));
    if (kv_ks_item_expired(ks, it)) {
        expire_at(ks, (uint32_t)slot, it);
        return NULL;
    }
    *slot_out = slot;
    return it;
}

/* ---- setup and lookup ------------------------------------------------------ */

uint32_t kv_ks_index_capacity(const struct kv_config *c) {
    KV_ASSERT(c != NULL);
    uint64_t slots = kv_config_maxkeys(c);
    KV_ASSERT(slots >= 16 && slots <= UINT32_MAX);
    return (uint32_t)slots;
}

void kv_ks_init(struct kv_keyspace *ks, const struct kv_config *c, void *mem,
                uint64_t prng_seed) {
    KV_ASSERT(ks != NULL && c != NULL && mem != NULL);
    KV_ASSERT(((uintptr_t)mem & 63) == 0);
    memset(ks, 0, sizeof(*ks));
    uint32_t capacity = kv_ks_index_capacity(c);
    uint64_t index_bytes = KV_ALIGN_UP(kv_table_bytes(capacity), 64);
    KV_ASSERT(c->maxmemory >= index_bytes + 1024);
    uint64_t data_bytes = KV_MIN(c->maxmemory - index_bytes, KV_ALLOC_BYTES_MAX);
    uint64_t seed_state = prng_seed;
    kv_table_init(&ks->table, mem, capacity, kv_splitmix64(&seed_state));
    kv_alloc_init(&ks->alloc, (uint8_t *)mem + index_bytes, data_bytes);
    kv_prng_init(&ks->prng, kv_splitmix64(&seed_state));
    ks->maxmemory = c->maxmemory;
    ks->index_capacity = capacity;
    kv_ks_configure(ks, c);
    KV_ASSERT(kv_ks_index_bytes(ks) + ks->alloc.size <= c->maxmemory);
}

/* The options that may change at run time (CONFIG SET): eviction and the limit. */
void kv_ks_configure(struct kv_keyspace *ks, const struct kv_config *c) {
    KV_ASSERT(ks != NULL && c != NULL);
    KV_ASSERT(c->maxmemory <= ks->maxmemory); /* never above what was mapped */
    ks->policy = c->maxmemory_policy;
    ks->samples = c->maxmemory_samples == 0 ? 5 : c->maxmemory_samples;
    uint64_t ek = c->maxmemory_eviction_keys;
    ks->evict_max = ek == 0 || ek > ks->index_capacity ? ks->index_capacity : ek;
    ks->move_max = c->maxmemory_eviction_move == 0 ? UINT64_MAX : c->maxmemory_eviction_move;
    ks->limit = c->maxmemory;
    ks->hash_packed_entries = c->hash_max_listpack_entries;
    ks->hash_packed_value = c->hash_max_listpack_value;
    ks->set_intset_entries = c->set_max_intset_entries;
    ks->zset_packed_entries = c->zset_max_listpack_entries;
    ks->zset_packed_value = c->zset_max_listpack_value;
    ks->stream_node_bytes = c->stream_node_max_bytes;
    ks->stream_node_entries = c->stream_node_max_entries;
}

void kv_ks_coll_env(struct kv_keyspace *ks, struct kv_coll_env *e) {
    KV_ASSERT(ks != NULL && e != NULL);
    e->a = &ks->alloc;  /* the same as ks_coll.h's kv_ks_coll_env_of */
    e->seed = ks->table.seed;
    e->packed_entries = ks->hash_packed_entries;
    e->intset_entries = ks->set_intset_entries;
}

void kv_ks_zset_env(struct kv_keyspace *ks, struct kv_zset_env *e) {
    KV_ASSERT(ks != NULL && e != NULL);
    e->a = &ks->alloc;  /* the same as ks_zset.h's kv_ks_zset_env_of */
    e->seed = ks->table.seed;
    e->packed_entries = ks->zset_packed_entries;
    e->packed_value = ks->zset_packed_value;
}

void kv_ks_stream_env(struct kv_keyspace *ks, struct kv_stream_env *e) {
    KV_ASSERT(ks != NULL && e != NULL);
    e->a = &ks->alloc;  /* the same as ks_stream.h's kv_ks_stream_env_of */
    e->node_max_bytes = ks->stream_node_bytes;
    e->node_max_entries = ks->stream_node_entries;
}

uint64_t kv_ks_mapped_bytes(const struct kv_keyspace *ks) { return ks->maxmemory; }

void kv_ks_set_time(struct kv_keyspace *ks, int64_t now_ms) {
    KV_ASSERT(ks != NULL);
    KV_ASSERT(now_ms >= 0);
    if (now_ms == ks->now_ms) return; /* a command's bound and run: one division */
    ks->now_ms = now_ms;
    ks->lru_clock = (uint32_t)((uint64_t)(now_ms / 1000) & ITEM_LRU_MASK);
}

void kv_ks_set_evict_hook(struct kv_keyspace *ks, kv_ks_evict_fn fn, void *ctx) {
    KV_ASSERT(ks != NULL);
    ks->on_evict = fn;
    ks->on_evict_ctx = ctx;
}

struct kv_item *kv_ks_find(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    KV_ASSERT(ks != NULL);
    KV_ASSERT(key != NULL || klen == 0);
    int64_t slot;
    struct kv_item *it = find_live(ks, key, klen, &slot);
    if (it != NULL) item_set_lru(it, ks->lru_clock);
    return it;
}

struct kv_item *kv_ks_find_read(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    struct kv_item *it = kv_ks_find(ks, key, klen);
    if (it != NULL) {
        ks->stats.keyspace_hits++;
    } else {
        ks->stats.keyspace_misses++;
    }
    return it;
}

struct kv_item *kv_ks_peek(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    KV_ASSERT(ks != NULL);
    KV_ASSERT(key != NULL || klen == 0);
    int64_t slot = slot_of_key(ks, key, klen);
    if (slot < 0) return NULL;
    return item_at_ref(ks, kv_table_ref_at(&ks->table, (uint32_t)slot));
}

uint32_t kv_item_idle_s(const struct kv_keyspace *ks, const struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    return (ks->lru_clock - item_lru(it)) & ITEM_LRU_MASK;
}

struct kv_item *kv_ks_item_at_ref(const struct kv_keyspace *ks, uint32_t ref) {
    KV_ASSERT(ks != NULL && ref != 0);
    return item_at_ref(ks, ref);
}

uint32_t kv_ks_item_ref(const struct kv_keyspace *ks, const struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    uint32_t ref = kv_alloc_ref(&ks->alloc, it);
    KV_ASSERT(ref != 0);
    return ref;
}

uint32_t kv_ks_scan_space(const struct kv_keyspace *ks) { return ks->table.capacity_max; }

uint32_t kv_ks_scan(const struct kv_keyspace *ks, uint32_t cursor, uint32_t homes,
                    kv_table_visit_fn visit, void *ctx) {
    KV_ASSERT(ks != NULL && visit != NULL && homes >= 1);
    return kv_table_scan(&ks->table, cursor, homes, visit, ctx);
}

uint64_t kv_ks_key_hash(const struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    KV_ASSERT(ks != NULL && (key != NULL || klen == 0));
    return kv_table_hash(&ks->table, key, klen);
}

void kv_ks_memory(const struct kv_keyspace *ks, struct kv_ks_memory *m) {
    KV_ASSERT(ks != NULL && m != NULL);
    m->region_bytes = ks->alloc.size;
    m->region_used_bytes = ks->alloc.used_bytes;
    m->slots_reserved = ks->table.capacity_max;
    m->slots_in_use = ks->table.capacity;
    m->max_keys = ks->table.max_count;
    KV_ASSERT(m->region_used_bytes <= m->region_bytes);
}

uint64_t kv_ks_count(const struct kv_keyspace *ks) { return ks->table.count; }

uint64_t kv_ks_index_bytes(const struct kv_keyspace *ks) {
    return KV_ALIGN_UP(kv_table_bytes(ks->table.capacity_max), 64); /* reserved whole */
}

uint64_t kv_ks_used_memory(const struct kv_keyspace *ks) {
    return kv_ks_index_bytes(ks) + ks->alloc.used_bytes;
}

uint64_t kv_ks_item_memory(const struct kv_keyspace *ks, const struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    uint64_t bytes = kv_alloc_block_bytes(it) + KV_KS_SLOT_BYTES;
    if (kv_item_type(it) == KV_TYPE_LIST) {
        const uint8_t *v = item_bytes(it) + item_value_off(it);
        bytes += kv_list_memory(&ks->alloc, (const struct kv_list_head *)(const void *)v);
    } else if (type_coll(kv_item_type(it))) {
        bytes += kv_coll_memory(&ks->alloc, item_coll_const(it));
    } else if (type_zset(kv_item_type(it))) {
        bytes += kv_zset_memory(&ks->alloc, item_zset_const(it));
    } else if (type_stream(kv_item_type(it))) {
        bytes += kv_stream_memory(&ks->alloc, item_stream_const(it));
    }
    KV_ASSERT(bytes >= item_size(it));
    return bytes;
}

uint64_t kv_ks_payload_bytes(const struct kv_keyspace *ks) {
    return ks->key_bytes + ks->value_bytes;
}

bool kv_ks_has_room(const struct kv_keyspace *ks, uint64_t new_keys) {
    KV_ASSERT(ks->table.count <= ks->table.max_count);
    return new_keys <= (uint64_t)(ks->table.max_count - ks->table.count);
}

/* ---- creating and replacing ------------------------------------------------ */

static bool key_outside_region(const struct kv_keyspace *ks, const uint8_t *key) {
    const uint8_t *lo = ks->alloc.base;
    return key == NULL || key < lo || key >= lo + ks->alloc.size + 16;
}

struct kv_item *kv_ks_item_new(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                               enum kv_type type, uint32_t vlen, int64_t expire_ms) {
    KV_ASSERT(type_valid(type));
    KV_ASSERT(type != KV_TYPE_LIST || vlen == sizeof(struct kv_list_head));
    KV_ASSERT(!type_coll(type) || vlen == sizeof(struct kv_coll_head));
    KV_ASSERT(!type_zset(type) || vlen == sizeof(struct kv_zset_head));
    KV_ASSERT(!type_stream(type) || vlen == sizeof(struct kv_stream_head));
    KV_ASSERT(expire_ms >= -1);
    struct kv_item *it = kv_alloc_alloc(&ks->alloc, shape_size(type, klen, vlen,
                                                               expire_ms >= 0));
    if (it == NULL) return NULL;
    KV_ASSERT(((uintptr_t)it & 7) == ITEM_ADDR_RESIDUE);
    item_write_header(it, type, klen, vlen, expire_ms, ks->lru_clock);
    if (klen > 0) memmove((uint8_t *)it + item_key_off(it), key, klen);
    if (type == KV_TYPE_LIST) kv_list_init(item_list(it));
    if (type == KV_TYPE_HASH) kv_coll_init(item_coll(it), KV_COLL_HASH);
    if (type == KV_TYPE_SET) kv_coll_init(item_coll(it), KV_COLL_SET);
    if (type == KV_TYPE_ZSET) kv_zset_init(item_zset(it));
    if (type == KV_TYPE_STREAM) kv_stream_init(item_stream(it));
    KV_ASSERT(kv_alloc_usable(it) >= item_size(it));
    return it;
}

void kv_ks_item_discard(struct kv_keyspace *ks, struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    item_free(ks, it);
}

void kv_ks_item_commit(struct kv_keyspace *ks, struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    struct kv_slice k = kv_item_key(it);
    uint64_t h = kv_table_hash(&ks->table, k.ptr, k.len);
    int64_t slot = kv_table_find(&ks->table, h, eq_key, ks, k.ptr, k.len);
    if (slot >= 0) {
        struct kv_item *old = item_at_ref(ks, kv_table_ref_at(&ks->table, (uint32_t)slot));
        if (kv_ks_item_expired(ks, old)) ks->stats.expired_keys++;
        replace_at(ks, (uint32_t)slot, old, it, true);
        return;
    }
    bool ok = kv_table_insert(&ks->table, h, slot_ref(ks, it));
    KV_ASSERT(ok);  /* the caller checked kv_ks_has_room */
    account(ks, it, true);
}

/* Overwrites the string item in `slot` with a new shape, reusing its block. */
static struct kv_item *replace_string(struct kv_keyspace *ks, uint32_t slot,
                                      struct kv_item *old, const uint8_t *key, uint32_t klen,
                                      uint32_t vlen, int64_t expire_ms) {
    KV_ASSERT(kv_item_type(old) == KV_TYPE_STRING);
    uint64_t size = shape_size(KV_TYPE_STRING, klen, vlen, expire_ms >= 0);
    /* Same key, both strings: only the value bytes and the TTL count change (read
     * from the old header before realloc; account() does the general case). */
    uint32_t old_vlen = item_vlen(old);
    uint64_t old_ttl = item_has_ttl(old) ? 1 : 0;
    unsigned __int128 old_at = old_ttl ? (unsigned __int128)kv_item_expire_ms(old) : 0;
    KV_ASSERT(item_klen(old) == klen && ks->value_bytes >= old_vlen);
    KV_ASSERT(ks->volatile_count >= old_ttl);
    struct kv_item *it = kv_alloc_realloc(&ks->alloc, old, size);
    if (it == NULL) return NULL;
    item_write_header(it, KV_TYPE_STRING, klen, vlen, expire_ms, ks->lru_clock);
    if (klen > 0) memcpy((uint8_t *)it + item_key_off(it), key, klen);
    kv_table_set_ref_at(&ks->table, slot, slot_ref(ks, it));
    ks->value_bytes = ks->value_bytes - old_vlen + vlen;
    if (vlen > ks->str_len_max) ks->str_len_max = vlen;
    ks->volatile_count = ks->volatile_count - old_ttl + (expire_ms >= 0 ? 1 : 0);
    ks->expire_sum_ms = ks->expire_sum_ms - old_at +
                        (expire_ms >= 0 ? (unsigned __int128)expire_ms : 0);
    KV_ASSERT(kv_alloc_usable(it) >= item_size(it));
    return it;
}

struct kv_item *kv_ks_set_ex(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                             enum kv_type type, uint32_t vlen, int64_t expire_ms) {
    KV_ASSERT(ks != NULL && key_outside_region(ks, key));
    KV_ASSERT(expire_ms >= -1 || expire_ms == KV_KS_KEEP_TTL);
    int64_t slot;
    struct kv_item *old = find_live(ks, key, klen, &slot);
    if (expire_ms == KV_KS_KEEP_TTL) expire_ms = old != NULL ? kv_item_expire_ms(old) : -1;
    if (old != NULL && type == KV_TYPE_STRING && kv_item_type(old) == KV_TYPE_STRING)
        return replace_string(ks, (uint32_t)slot, old, key, klen, vlen, expire_ms);
    if (old == NULL && !kv_ks_has_room(ks, 1)) return NULL;
    struct kv_item *it = kv_ks_item_new(ks, key, klen, type, vlen, expire_ms);
    if (it == NULL) return NULL;
    if (old != NULL) {
        replace_at(ks, (uint32_t)slot, old, it, true);
    } else {
        bool ok = kv_table_insert(&ks->table, kv_table_hash(&ks->table, key, klen),
                                  slot_ref(ks, it));
        KV_ASSERT(ok);
        account(ks, it, true);
    }
    return it;
}

struct kv_item *kv_ks_set(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen,
                          enum kv_type type, uint32_t vlen, bool keep_ttl) {
    return kv_ks_set_ex(ks, key, klen, type, vlen, keep_ttl ? KV_KS_KEEP_TTL : -1);
}

/* Copies header fields, key and the first `vcopy` value bytes of old into a new
 * block for vlen value bytes (a shape change: narrow <-> wide). */
static struct kv_item *item_reshape(struct kv_keyspace *ks, struct kv_item *old,
                                    uint32_t vlen) {
    struct kv_slice k = kv_item_key(old);
    int64_t expire = kv_item_expire_ms(old);
    uint64_t size = shape_size(KV_TYPE_STRING, k.len, vlen, expire >= 0);
    struct kv_item *it = kv_alloc_alloc(&ks->alloc, size);
    if (it == NULL) return NULL;
    item_write_header(it, KV_TYPE_STRING, k.len, vlen, expire, item_lru(old));
    if (k.len > 0) memcpy((uint8_t *)it + item_key_off(it), k.ptr, k.len);
    uint32_t vcopy = KV_MIN(vlen, item_vlen(old));
    if (vcopy > 0) memcpy(kv_item_value(it), kv_item_value(old), vcopy);
    return it;
}

struct kv_item *kv_ks_resize(struct kv_keyspace *ks, struct kv_item *it, uint32_t vlen) {
    KV_ASSERT(ks != NULL && it != NULL);
    KV_ASSERT(kv_item_type(it) == KV_TYPE_STRING);
    uint32_t slot = slot_of_item(ks, it);
    uint32_t klen = item_klen(it);
    if (shape_wide(klen, vlen) != item_wide(it)) {
        struct kv_item *fresh = item_reshape(ks, it, vlen);
        if (fresh == NULL) return NULL;
        replace_at(ks, slot, it, fresh, false);
        return fresh;
    }
    uint64_t size = shape_size(KV_TYPE_STRING, klen, vlen, item_has_ttl(it));
    account(ks, it, false);
    struct kv_item *moved = kv_alloc_realloc(&ks->alloc, it, size);
    if (moved == NULL) {
        account(ks, it, true);
        return NULL;
    }
    uint8_t *p = (uint8_t *)moved + (item_wide(moved) ? 8 : 6);
    if (item_wide(moved)) {
        memcpy(p, &vlen, 4);
    } else {
        uint16_t v16 = (uint16_t)vlen;
        memcpy(p, &v16, 2);
    }
    kv_table_set_ref_at(&ks->table, slot, slot_ref(ks, moved));
    account(ks, moved, true);
    KV_ASSERT(item_vlen(moved) == vlen && kv_alloc_usable(moved) >= item_size(moved));
    return moved;
}

/* ---- deleting, TTLs, renames ---------------------------------------------- */

void kv_ks_delete(struct kv_keyspace *ks, struct kv_item *it) {
    KV_ASSERT(ks != NULL && it != NULL);
    unlink_at(ks, slot_of_item(ks, it), it);
}

bool kv_ks_delete_key(struct kv_keyspace *ks, const uint8_t *key, uint32_t klen) {
    KV_ASSERT(ks != NULL);
    int64_t slot;
    struct kv_item *it = find_live(ks, key, klen, &slot);
    if (it == NULL) return false;
    unlink_at(ks, (uint32_t)slot, it);
    return true;
}

/* Drops the TTL field: shifts key and value down 8 bytes, then shrinks the block. */
static struct kv_item *ttl_remove(struct kv_keyspace *ks, uint32_t slot, struct kv_item *it) {
    uint64_t key_off = item_key_off(it), size = item_size(it);
    account(ks, it, false);
    memmove((uint8_t *)it + key_off - ITEM_TTL_BYTES, (uint8_t *)it + key_off, size - key_off);
    uint32_t meta = item_meta(it) & ~ITEM_F_TTL;
    memcpy((uint8_t *)it, &meta, 4);
    struct kv_item *moved = kv_alloc_realloc(&ks->alloc, it, size - ITEM_TTL_BYTES);
    KV_ASSERT(moved != NULL);  /* shrinking never fails */
    kv_table_set_ref_at(&ks->table, slot, slot_ref(ks, moved));
    account(ks, moved, true);
    return moved;
}

/* Adds the TTL field: grows the block 8 bytes, shifts key and value up. */
static struct kv_item *ttl_add(struct kv_keyspace *ks, uint32_t slot, struct kv_item *it,
                               int64_t expire_ms) {
    uint64_t key_off = item_key_off(it), size = item_size(it);
    struct kv_item *moved = kv_alloc_realloc(&ks->alloc, it, size + ITEM_TTL_BYTES);
    if (moved == NULL) return NULL;
    /* The block's front was copied if it moved, so moved's header is it's header. */
    account(ks, moved, false);
    uint8_t *p = (uint8_t *)moved;
    memmove(p + key_off + ITEM_TTL_BYTES, p + key_off, size - key_off);
    uint32_t meta = item_meta(moved) | ITEM_F_TTL;
    memcpy(p, &meta, 4);
    memcpy(p + key_off, &expire_ms, 8);
    kv_table_set_ref_at(&ks->table, slot, slot_ref(ks, moved));
    account(ks, moved, true);
    KV_ASSERT(kv_item_expire_ms(moved) == expire_ms);
    return moved;
}

enum kv_ks_status kv_ks_update_expire(struct kv_keyspace *ks, struct kv_item **itp,
                                      int64_t expire_ms) {
    KV_ASSERT(ks != NULL && itp != NULL && *itp != NULL);
    struct kv_item *it = *itp;
    uint32_t slot = slot_of_item(ks, it);
    if (expire_ms >= 0 && expire_ms <= ks->now_ms) {
        unlink_at(ks, slot, it);
        *itp = NULL;
        return KV_KS_DELETED;
    }
    if (expire_ms < 0) {
        if (item_has_ttl(it)) *itp = ttl_remove(ks, slot, it);
        return KV_KS_OK;
    }
    if (item_has_ttl(it)) {
        ks->expire_sum_ms -= (unsigned __int128)kv_item_expire_ms(it);
        ks->expire_sum_ms += (unsigned __int128)expire_ms;
        memcpy((uint8_t *)it + item_key_off(it) - ITEM_TTL_BYTES, &expire_ms, 8);
        return KV_KS_OK;
    }
    struct kv_item *moved = ttl_add(ks, slot, it, expire_ms);
    if (moved == NULL) return KV_KS_OOM;
    *itp = moved;
    KV_ASSERT(kv_item_expire_ms(moved) == expire_ms);
    return KV_KS_OK;
}

enum kv_ks_status kv_ks_update_expire_evicting(struct kv_keyspace *ks, struct kv_item **itp,
                                               const uint8_t *key, uint32_t klen,
                                               int64_t expire_ms) {
    KV_ASSERT(key_outside_region(ks, key));
    uint64_t want = kv_alloc_usable(*itp) + ITEM_TTL_BYTES;
    enum kv_ks_status st = kv_ks_update_expire(ks, itp, expire_ms);
    if (st != KV_KS_OOM || ks->policy == KV_EVICT_NOEVICTION) return st;
    if (!kv_ks_make_room(ks, want, want)) return KV_KS_OOM;
    *itp = kv_ks_find(ks, key, klen);
    if (*itp == NULL) return KV_KS_GONE;
    st = kv_ks_update_expire(ks, itp, expire_ms);
    KV_ASSERT(st != KV_KS_DELETED);  /* the time did not change */
    return st;
}

void kv_ks_set_expire(struct kv_keyspace *ks, struct kv_item *it, int64_t expire_ms) {
    (void)kv_ks_update_expire(ks, &it, expire_ms);
}

/* Rewrites `it` in its own block for a new key (the block is big enough). */
static void rename_in_place(struct kv_item *it, const uint8_t *newkey, uint32_t newklen) {
    enum kv_type type = kv_item_type(it);
    uint32_t vlen = item_vlen(it), lru = item_lru(it);
    int64_t expire = kv_item_expire_ms(it);
    uint64_t old_voff = item_value_off(it);
    uint64_t new_voff = shape_value_off(type, newklen, vlen, expire >= 0);
    uint8_t *p = (uint8_t *)it;
    memmove(p + new_voff, p + old_voff, vlen);
    item_write_header(it, type, newklen, vlen, expire, lru);
    if (newklen > 0) memcpy(p + item_key_off(it), newkey, newklen);
    KV_ASSERT(item_value_off(it) == new_voff);
}

/* A copy of `it` (header, TTL, value bytes) in a new block under newkey. */
static struct kv_item *rename_copy(struct kv_keyspace *ks, const struct kv_item *it,
                                   const uint8_t *newkey, uint32_t newklen) {
    enum kv_type type = kv_item_type(it);
    uint32_t vlen = item_vlen(it);
    int64_t expire = kv_item_expire_ms(it);
    struct kv_item *fresh = kv_alloc_alloc(&ks->alloc, shape_size(type, newklen, vlen,
                                                                  expire >= 0));
    if (fresh == NULL) return NULL;
    item_write_header(fresh, type, newklen, vlen, expire, item_lru(it));
    if (newklen > 0) memcpy((uint8_t *)fresh + item_key_off(fresh), newkey, newklen);
    memcpy(kv_item_value(fresh), item_bytes(it) + item_value_off(it), vlen);
    return fresh;
}

struct kv_item *kv_ks_rename(struct kv_keyspace *ks, struct kv_item *it, const uint8_t *newkey,
                             uint32_t newklen) {
    KV_ASSERT(ks != NULL && it != NULL && key_outside_region(ks, newkey));
    struct kv_slice k = kv_item_key(it);
    KV_ASSERT(!(k.len == newklen && (newklen == 0 || memcmp(k.ptr, newkey, newklen) == 0)));
    uint64_t size = shape_size(kv_item_type(it), newklen, item_vlen(it), item_has_ttl(it));
    bool in_place = size <= kv_alloc_usable(it);
    struct kv_item *fresh = in_place ? it : rename_copy(ks, it, newkey, newklen);
    if (fresh == NULL) return NULL;
    int64_t dst_slot;
    struct kv_item *dst = find_live(ks, newkey, newklen, &dst_slot);
    if (dst != NULL) unlink_at(ks, (uint32_t)dst_slot, dst);
    uint32_t slot = slot_of_item(ks, it);  /* after the delete: slots may have shifted */
    account(ks, it, false);
    kv_table_remove_at(&ks->table, slot);
    if (in_place) {
        rename_in_place(it, newkey, newklen);
        fresh = kv_alloc_realloc(&ks->alloc, it, size);  /* give back any slack */
        KV_ASSERT(fresh != NULL);
    } else {
        kv_alloc_free(&ks->alloc, it);  /* a list's nodes now belong to fresh */
    }
    bool ok = kv_table_insert(&ks->table, kv_table_hash(&ks->table, newkey, newklen),
                              slot_ref(ks, fresh));
    KV_ASSERT(ok);  /* one key left the index first */
    account(ks, fresh, true);
    return fresh;
}

struct kv_item *kv_ks_copy(struct kv_keyspace *ks, const struct kv_item *src,
                           const uint8_t *dstkey, uint32_t dstklen) {
    KV_ASSERT(ks != NULL && src != NULL && key_outside_region(ks, dstkey));
    struct kv_slice k = kv_item_key(src);
    KV_ASSERT(!(k.len == dstklen && (dstklen == 0 || memcmp(k.ptr, dstkey, dstklen) == 0)));
    int64_t slot;
    struct kv_item *dst = find_live(ks, dstkey, dstklen, &slot);
    if (dst == NULL && !kv_ks_has_room(ks, 1)) return NULL;
    enum kv_type type = kv_item_type(src);
    uint32_t vlen = item_vlen(src);
    struct kv_item *it = kv_ks_item_new(ks, dstkey, dstklen, type, vlen,
                                        kv_item_expire_ms(src));
    if (it == NULL) return NULL;
    if (type == KV_TYPE_LIST) {
        const struct kv_list_head *sh =
            (const struct kv_list_head *)(const void *)(item_bytes(src) + item_value_off(src));
        if (!kv_list_copy(&ks->alloc, item_list(it), sh)) {
            kv_alloc_free(&ks->alloc, it);  /* its head is still empty */
            return NULL;
        }
    } else if (type_coll(type)) {
        struct kv_coll_env env;
        kv_ks_coll_env(ks, &env);
        if (!kv_coll_copy(&env, item_coll(it), item_coll_const(src))) {
            kv_alloc_free(&ks->alloc, it);  /* its head is still empty */
            return NULL;
        }
    } else if (type_zset(type)) {
        struct kv_zset_env env;
        kv_ks_zset_env(ks, &env);
        if (!kv_zset_copy(&env, item_zset(it), item_zset_const(src))) {
            kv_alloc_free(&ks->alloc, it);  /* its head is still empty */
            return NULL;
        }
    } else if (type_stream(type)) {
        struct kv_stream_env env;
        kv_ks_stream_env(ks, &env);
        if (!kv_stream_copy(&env, item_stream(it), item_stream_const(src))) {
            kv_alloc_free(&ks->alloc, it);  /* its head is still empty */
            return NULL;
        }
    } else if (vlen > 0) {
        memcpy(kv_item_value(it), item_bytes(src) + item_value_off(src), vlen);
    }
    if (dst != NULL) {
        replace_at(ks, (uint32_t)slot, dst, it, true);
    } else {
        kv_ks_item_commit(ks, it);
    }
    return it;
}

/* ---- whole-keyspace operations ---------------------------------------------- */

/* INFO's avg_ttl: the mean of (expiry - now) over the keys with a TTL, exact (Redis
 * estimates it by sampling); 0 without such keys or when the mean is in the past
 * (expired keys not yet swept pull it down). */
uint64_t kv_ks_avg_ttl_ms(const struct kv_keyspace *ks) {
    KV_ASSERT(ks != NULL);
    if (ks->volatile_count == 0) return 0;
    unsigned __int128 avg_at = ks->expire_sum_ms / ks->volatile_count;
    unsigned __int128 now = ks->now_ms > 0 ? (unsigned __int128)ks->now_ms : 0;
    if (avg_at <= now) return 0;
    unsigned __int128 left = avg_at - now;
    return left > UINT64_MAX ? UINT64_MAX : (uint64_t)left;
}

void kv_ks_flush(struct kv_keyspace *ks) {
    KV_ASSERT(ks != NULL);
    kv_table_clear(&ks->table);
    ks->memo_slot = 0; /* the table is back at its first level */
    kv_alloc_reset(&ks->alloc);
    ks->volatile_count = 0;
    ks->expire_sum_ms = 0;
    ks->expire_cursor = 0;
    ks->key_bytes = 0;
    ks->value_bytes = 0;
    ks->list_count = 0;
    ks->hash_count = 0;
    ks->set_count = 0;
    ks->zset_count = 0;
    ks->stream_count = 0;
    ks->key_len_max = 0;
    ks->str_len_max = 0;
    KV_ASSERT(ks->table.count == 0 && ks->alloc.used_blocks == 0);
}

/*
 * Examines `budget` slots from the cursor and deletes the expired keys among them.
 * A deletion does not advance (the backward shift may pull the next entry into
 * this slot) and does not count against the slot budget, so a tick's sweep always
 * covers its `budget` slots; deletions are bounded separately by the same budget.
 */
uint32_t kv_ks_expire_cycle(struct kv_keyspace *ks, uint32_t budget) {
    KV_ASSERT(ks != NULL);
    uint32_t capacity = ks->table.capacity, deleted = 0, examined = 0;
    uint32_t slot = (uint32_t)(ks->expire_cursor % capacity);
    while (examined < budget && deleted < budget && ks->volatile_count > 0) {
        if (kv_table_flag_at(&ks->table, slot)) { /* only keys with a TTL are read */
            struct kv_item *it = item_at_ref(ks, kv_table_ref_at(&ks->table, slot));
            if (kv_ks_item_expired(ks, it)) {
                expire_at(ks, slot, it);
                deleted++;
                continue;
            }
        }
        slot = slot + 1 == capacity ? 0 : slot + 1;
        examined++;
    }
    ks->expire_cursor = slot;
    KV_ASSERT(ks->expire_cursor < capacity && deleted <= budget);
    return deleted;
}

bool kv_ks_fits(const struct kv_keyspace *ks, uint64_t need, uint64_t largest) {
    KV_ASSERT(ks != NULL);
    if (ks->alloc.free_bytes < need) return false;
    if (kv_ks_used_memory(ks) + need > ks->limit) return false; /* CONFIG SET maxmemory */
    if (largest > 0 && !kv_alloc_can_alloc(&ks->alloc, largest)) return false;
    return kv_ks_has_room(ks, 1);
}

static bool policy_volatile(enum kv_evict_policy p) {
    return p == KV_EVICT_VOLATILE_LRU || p == KV_EVICT_VOLATILE_RANDOM ||
           p == KV_EVICT_VOLATILE_TTL || p == KV_EVICT_VOLATILE_LFU;
}

/* Is candidate a better victim than best under the policy? */
static bool victim_better(const struct kv_keyspace *ks, const struct kv_item *cand,
                          const struct kv_item *best) {
    switch (ks->policy) {
    case KV_EVICT_ALLKEYS_LRU:
    case KV_EVICT_VOLATILE_LRU:
    case KV_EVICT_ALLKEYS_LFU:   /* as LRU: items keep no access frequency (config.h) */
    case KV_EVICT_VOLATILE_LFU:
        return kv_item_idle_s(ks, cand) > kv_item_idle_s(ks, best);
    case KV_EVICT_VOLATILE_TTL:
        return kv_item_expire_ms(cand) < kv_item_expire_ms(best);
    case KV_EVICT_ALLKEYS_RANDOM:
    case KV_EVICT_VOLATILE_RANDOM:
        return false;
    case KV_EVICT_NOEVICTION:
        break;
    }
    KV_UNREACHABLE();
}

static void victim_consider(const struct kv_keyspace *ks, int64_t slot, int64_t *best_slot,
                            struct kv_item **best) {
    struct kv_item *it = item_at_ref(ks, kv_table_ref_at(&ks->table, (uint32_t)slot));
    if (*best == NULL || victim_better(ks, it, *best)) {
        *best = it;
        *best_slot = slot;
    }
}

/*
 * The slot of the best of `samples` candidates. allkeys: random draws. volatile:
 * the first `samples` keys with a TTL walking from a random slot (hash order is
 * random order), so sparse volatile keys are still found; the walk is bounded by
 * the capacity and expected to be samples * capacity / volatile_count slots.
 */
static int64_t victim_pick(struct kv_keyspace *ks) {
    if (ks->table.count == 0) return -1;
    int64_t best_slot = -1;
    struct kv_item *best = NULL;
    if (!policy_volatile(ks->policy)) {
        for (uint32_t d = 0; d < ks->samples; d++) {
            int64_t slot = kv_table_random(&ks->table, kv_prng_next(&ks->prng));
            KV_ASSERT(slot >= 0);
            victim_consider(ks, slot, &best_slot, &best);
        }
        return best_slot;
    }
    if (ks->volatile_count == 0) return -1;
    uint32_t capacity = ks->table.capacity, seen = 0;
    uint32_t slot = (uint32_t)kv_prng_below(&ks->prng, capacity);
    for (uint32_t step = 0; step < capacity && seen < ks->samples; step++) {
        if (kv_table_flag_at(&ks->table, slot)) { /* has a TTL: no item read needed */
            seen++;
            victim_consider(ks, slot, &best_slot, &best);
        }
        slot = slot + 1 == capacity ? 0 : slot + 1;
    }
    KV_ASSERT(best_slot >= 0);  /* volatile_count > 0: the walk finds one */
    return best_slot;
}

/* Evicts the key the policy picks; false if there is none to evict. */
static bool evict_one(struct kv_keyspace *ks) {
    int64_t slot = victim_pick(ks);
    if (slot < 0) return false;
    struct kv_item *it = item_at_ref(ks, kv_table_ref_at(&ks->table, (uint32_t)slot));
    if (ks->on_evict != NULL) {
        struct kv_slice k = kv_item_key(it);
        ks->on_evict(ks->on_evict_ctx, k.ptr, k.len);
    }
    uint64_t count = ks->table.count;
    unlink_at(ks, (uint32_t)slot, it);
    ks->stats.evicted_keys++;
    KV_ASSERT(ks->table.count + 1 == count);
    return true;
}

/*
 * The index slot of the used block at p if it is an item (else it is a list node or
 * a hash/set block: -1). p is read as an item only as far as its block holds: a node's bytes may
 * look like anything. Exact: the index holds item refs only, each once.
 */
static int64_t block_item_slot(const struct kv_keyspace *ks, const void *p) {
    const uint8_t *b = p;
    uint32_t meta = ld32(b), type = meta & ITEM_TYPE_MASK;
    uint64_t usable = kv_alloc_usable(p);
    if (!type_valid(type) || usable < ITEM_HDR_WIDE) return -1;
    bool wide = (meta & ITEM_F_WIDE) != 0, ttl = (meta & ITEM_F_TTL) != 0;
    uint32_t klen = wide ? ld32(b + 4) : ld16(b + 4);
    uint32_t vlen = wide ? ld32(b + 8) : ld16(b + 6);
    if (shape_wide(klen, vlen) != wide) return -1;
    if (shape_size((enum kv_type)type, klen, vlen, ttl) > usable) return -1;
    uint32_t ref = kv_alloc_ref(&ks->alloc, p);
    const uint8_t *key = b + shape_key_off(klen, vlen, ttl);
    uint64_t h = kv_table_hash(&ks->table, key, klen);
    int64_t slot = kv_table_find(&ks->table, h, eq_ref, &ref, key, klen);
    KV_ASSERT(slot < 0 ||
              (kv_table_ref_at(&ks->table, (uint32_t)slot) & ~KV_TABLE_REF_FLAG) == ref);
    return slot;
}

/* Mover callbacks (kv_alloc_join): items move, list nodes and hash/set blocks are
 * walls (a node or block does not know its owner, so the head's refs could not
 * follow). An item moving carries its head, whose refs stay valid. */
static bool mover_movable(void *ctx, const void *p) {
    return block_item_slot(ctx, p) >= 0;
}

static void mover_moving(void *ctx, const void *p, uint32_t new_ref) {
    struct kv_keyspace *ks = ctx;
    int64_t slot = block_item_slot(ks, p);
    KV_ASSERT(slot >= 0 && new_ref != 0 && (new_ref & KV_TABLE_REF_FLAG) == 0);
    bool ttl = kv_table_flag_at(&ks->table, (uint32_t)slot);
    kv_table_set_ref_at(&ks->table, (uint32_t)slot, ttl ? new_ref | KV_TABLE_REF_FLAG : new_ref);
}

/* Joins free space for one block of `largest` bytes (counted in the stats). */
static bool join_free(struct kv_keyspace *ks, uint64_t largest) {
    struct kv_alloc_mover m = {mover_movable, mover_moving, ks};
    uint64_t moved = 0;
    bool ok = kv_alloc_join(&ks->alloc, largest, ks->move_max, &m, &moved);
    KV_ASSERT(moved <= ks->move_max && (ok || moved == 0));
    if (ok && moved > 0) {
        ks->stats.evict_joins++;
        ks->stats.evict_moved_bytes += moved;
    }
    return ok;
}

/*
 * Making room. Redis counts memory in bytes: it evicts until used memory is below
 * maxmemory, and the allocator (jemalloc, virtual memory) places a value of any
 * size. kv's data region is one fixed range, so bytes are not enough: a 300 KB
 * value needs one 300 KB block, and sampled victims are scattered (evicting 1,024
 * of 3,000 small keys freed 200 KB and no block of 300 KB; issue 18). Two ways out:
 * evict the neighbours of a free run by address, or move live items so the free
 * bytes meet. kv moves: eviction then stays the policy's choice (LRU, TTL, random,
 * volatile-only) and evicts exactly what Redis's byte count would, and keys that
 * the policy spares are never lost to their address. It costs copying: at most
 * move_max bytes (maxmemory-eviction-move), and one walk over the block headers,
 * only when a large value does not fit although the bytes are free.
 *
 * So: (1) evict by policy until `need` bytes and a fit-size block's worth of bytes
 * are free; (2) join (kv_alloc_join: items slide down over free blocks; list nodes
 * stay, they do not know their list); (3) if that failed (list nodes in the way,
 * or the move bound), evict more and join again once the free bytes grew by half
 * (a logarithmic number of walks). At most evict_max evictions (the index capacity
 * unless maxmemory-eviction-keys says fewer). noeviction joins too (no key is lost,
 * and Redis would store a value while the bytes are free) but never evicts. Item
 * pointers die here, as with any eviction: callers look keys up again afterwards.
 */
bool kv_ks_make_room(struct kv_keyspace *ks, uint64_t need, uint64_t largest) {
    KV_ASSERT(ks != NULL);
    if (kv_ks_fits(ks, need, largest)) return true;
    uint64_t fit = largest > 0 && largest <= ks->alloc.size ? kv_alloc_fit_bytes(largest) : 0;
    uint64_t goal = KV_MAX(need, fit);
    if (goal > ks->alloc.size || largest > ks->alloc.size) return false; /* never fits */
    if (kv_ks_index_bytes(ks) + goal > ks->limit) return false;         /* nor under limit */
    uint64_t join_at = goal;  /* free bytes at which to join (again) */
    for (uint64_t n = 0; n <= ks->evict_max; n++) {
        if (kv_ks_fits(ks, need, largest)) return true;
        if (largest > 0 && ks->alloc.free_bytes >= join_at && kv_ks_has_room(ks, 1)) {
            if (join_free(ks, largest) && kv_ks_fits(ks, need, largest)) break; /* limit */
            join_at = ks->alloc.free_bytes + KV_MAX(fit, ks->alloc.free_bytes / 2);
        }
        if (n == ks->evict_max || ks->policy == KV_EVICT_NOEVICTION || !evict_one(ks)) break;
    }
    return kv_ks_fits(ks, need, largest);
}

uint64_t kv_ks_string_bytes(uint32_t klen, uint64_t vlen) {
    KV_ASSERT(vlen <= UINT32_MAX);
    uint64_t size = shape_size(KV_TYPE_STRING, klen, (uint32_t)vlen, true);
    return kv_alloc_block_size(size);
}

void kv_ks_resize_room(const struct kv_keyspace *ks, const struct kv_item *it, uint32_t vlen,
                       uint64_t *need, uint64_t *largest) {
    KV_ASSERT(ks != NULL && it != NULL && kv_item_type(it) == KV_TYPE_STRING);
    uint32_t klen = item_klen(it);
    /* With room for a TTL field, as kv_ks_string_bytes: the result may gain one (SETEX,
     * SET EX on a key without a TTL needed 8 bytes more than it asked for: sim seed
     * 2104 got -OOM under allkeys-random with 518 KB to evict). */
    uint64_t size = shape_size(KV_TYPE_STRING, klen, vlen, true);
    uint64_t have = kv_alloc_usable(it) + 4, want = kv_alloc_block_size(size);
    *need = 0;
    *largest = 0;
    bool reshape = shape_wide(klen, vlen) != item_wide(it);  /* always a new block */
    if (!reshape && want <= have) return;  /* shrinks or fits where it is */
    if (!reshape && kv_alloc_can_resize(&ks->alloc, it, size)) {
        *need = want - have;   /* grows into its free right neighbour */
        return;
    }
    *need = want;              /* a new block while the old one still exists */
    *largest = size;
    KV_ASSERT(*need >= *largest);
}

uint64_t kv_ks_random_u64(struct kv_keyspace *ks) {
    KV_ASSERT(ks != NULL);
    return kv_prng_next(&ks->prng);
}

struct kv_item *kv_ks_random(struct kv_keyspace *ks) {
    KV_ASSERT(ks != NULL);
    for (uint32_t tries = 0; tries < KS_RANDOM_TRIES; tries++) {
        int64_t slot = kv_table_random(&ks->table, kv_prng_next(&ks->prng));
        if (slot < 0) return NULL;
        struct kv_item *it = item_at_ref(ks, kv_table_ref_at(&ks->table, (uint32_t)slot));
        if (!kv_ks_item_expired(ks, it)) return it;
        expire_at(ks, (uint32_t)slot, it);
    }
    return NULL;
}

/* A hash's or set's invariants; returns its block count. */
static uint64_t check_coll(const struct kv_keyspace *ks, struct kv_item *it) {
    KV_ASSERT(item_vlen(it) == sizeof(struct kv_coll_head));
    const struct kv_coll_head *h = item_coll(it);
    KV_ASSERT(h->kind == (kv_item_type(it) == KV_TYPE_HASH ? KV_COLL_HASH : KV_COLL_SET));
    struct kv_coll_env env;
    kv_ks_coll_env((struct kv_keyspace *)(uintptr_t)ks, &env);
    kv_coll_check(&env, h);
    KV_ASSERT(h->count > 0);  /* an empty hash or set never exists */
    return kv_coll_blocks(h);
}

/* A sorted set's invariants; returns its block count. */
static uint64_t check_zset(const struct kv_keyspace *ks, struct kv_item *it) {
    KV_ASSERT(item_vlen(it) == sizeof(struct kv_zset_head));
    const struct kv_zset_head *h = item_zset(it);
    struct kv_zset_env env;
    kv_ks_zset_env((struct kv_keyspace *)(uintptr_t)ks, &env);
    kv_zset_check(&env, h);
    KV_ASSERT(h->count > 0);  /* an empty sorted set never exists */
    return kv_zset_blocks(h);
}

/* A stream's invariants; returns its block count (an empty stream may exist). */
static uint64_t check_stream(const struct kv_keyspace *ks, struct kv_item *it) {
    KV_ASSERT(item_vlen(it) == sizeof(struct kv_stream_head));
    struct kv_stream_env env;
    kv_ks_stream_env((struct kv_keyspace *)(uintptr_t)ks, &env);
    kv_stream_check(&env, item_stream(it));
    return kv_stream_blocks(item_stream(it));
}

/* One entry's invariants; returns its list node (or hash/set block) count. */
static uint64_t check_item(const struct kv_keyspace *ks, uint32_t slot, struct kv_item *it) {
    KV_ASSERT(((uintptr_t)it & 7) == ITEM_ADDR_RESIDUE);
    KV_ASSERT(kv_alloc_usable(it) >= item_size(it));
    KV_ASSERT(item_wide(it) == shape_wide(item_klen(it), item_vlen(it)));
    KV_ASSERT(item_klen(it) <= ks->key_len_max);
    KV_ASSERT(slot_of_item(ks, it) == slot);
    if (type_coll(kv_item_type(it))) return check_coll(ks, it);
    if (type_zset(kv_item_type(it))) return check_zset(ks, it);
    if (type_stream(kv_item_type(it))) return check_stream(ks, it);
    if (kv_item_type(it) != KV_TYPE_LIST) {
        KV_ASSERT(item_vlen(it) <= ks->str_len_max);
        return 0;
    }
    KV_ASSERT(item_vlen(it) == sizeof(struct kv_list_head));
    struct kv_list_head *h = item_list(it);
    kv_list_check(&ks->alloc, h);
    KV_ASSERT(h->count > 0);  /* an empty list never exists */
    return h->node_count;
}

void kv_ks_check(const struct kv_keyspace *ks) {
    KV_ASSERT(ks != NULL);
    kv_table_check(&ks->table);
    kv_alloc_check(&ks->alloc);
    uint64_t hashes = 0, sets = 0, zsets = 0, streams = 0;
    uint64_t count = 0, vol = 0, lists = 0, kbytes = 0, vbytes = 0, nodes = 0;
    unsigned __int128 expire_sum = 0;
    for (uint32_t slot = 0; slot < ks->table.capacity; slot++) {
        uint32_t ref = kv_table_ref_at(&ks->table, slot);
        if (ref == 0) continue;
        struct kv_item *it = item_at_ref(ks, ref);
        count++;
        vol += item_has_ttl(it) ? 1 : 0;
        expire_sum += item_has_ttl(it) ? (unsigned __int128)kv_item_expire_ms(it) : 0;
        KV_ASSERT(kv_table_flag_at(&ks->table, slot) == item_has_ttl(it));
        lists += kv_item_type(it) == KV_TYPE_LIST ? 1 : 0;
        hashes += kv_item_type(it) == KV_TYPE_HASH ? 1 : 0;
        sets += kv_item_type(it) == KV_TYPE_SET ? 1 : 0;
        zsets += kv_item_type(it) == KV_TYPE_ZSET ? 1 : 0;
        streams += kv_item_type(it) == KV_TYPE_STREAM ? 1 : 0;
        kbytes += item_klen(it);
        vbytes += item_vlen(it);
        nodes += check_item(ks, slot, it);
    }
    KV_ASSERT(count == ks->table.count);
    KV_ASSERT(vol == ks->volatile_count && lists == ks->list_count);
    KV_ASSERT(hashes == ks->hash_count && sets == ks->set_count && zsets == ks->zset_count);
    KV_ASSERT(streams == ks->stream_count);
    KV_ASSERT(expire_sum == ks->expire_sum_ms);
    KV_ASSERT(kbytes == ks->key_bytes && vbytes == ks->value_bytes);
    KV_ASSERT(ks->alloc.used_blocks == count + nodes);
    KV_ASSERT(kv_ks_used_memory(ks) <= ks->maxmemory);
}

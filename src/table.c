/*
 * table.c: the keyspace index (include/kv/table.h). Robin Hood open addressing with
 * linear probing (wrapping at the end) and backward-shift deletion: no tombstones.
 *
 * Memory: the caller's slot array (kv_table_bytes(capacity), 8 bytes a slot); nothing
 * else. A slot is tag << 32 | ref, 0 = empty; tag = hash >> 32 and home(tag) =
 * (tag * capacity) >> 32, so home is monotone in the tag and needs no key.
 *
 * Invariants (kv_table_check):
 *  - Linear probing: every slot from an entry's home up to the entry is occupied, so
 *    an entry's displacement d satisfies d + 1 <= count <= max_count < capacity.
 *  - Robin Hood order: along the array (cyclically) homes never decrease inside a run
 *    of occupied slots; equivalently dist(i) <= dist(i - 1) + 1 and dist(i) > 0 implies
 *    slot i - 1 is occupied. So a lookup can stop at the first resident closer to its
 *    home than the probe is, and a home range is found by one forward walk (SCAN).
 *  - Every displacement <= probe_max, the largest displacement ever recorded (reset
 *    only by kv_table_clear), which bounds every probe loop.
 *
 * Never: allocates, rehashes, moves an entry to another home, or calls eq on a slot
 * whose tag differs from the key's.
 */
#include "kv/table.h"

#include <string.h>
#define XXH_INLINE_ALL /* header-only: the hash inlines into its one caller */
#include <xxhash.h>

static inline uint32_t home_of(uint32_t tag, uint32_t capacity) {
    return (uint32_t)(((uint64_t)tag * capacity) >> 32);
}

/* Cyclic distance from home to index. */
static inline uint32_t dist_of(uint32_t index, uint32_t home, uint32_t capacity) {
    return index >= home ? index - home : index + capacity - home;
}

static inline uint32_t slot_dist(uint64_t slot, uint32_t index, uint32_t capacity) {
    return dist_of(index, home_of((uint32_t)(slot >> 32), capacity), capacity);
}

static inline uint32_t next_index(uint32_t index, uint32_t capacity) {
    return index + 1 == capacity ? 0 : index + 1;
}

uint64_t kv_table_bytes(uint32_t capacity) {
    KV_ASSERT(capacity >= 16);
    return (uint64_t)capacity * sizeof(uint64_t);
}

void kv_table_init(struct kv_table *t, void *mem, uint32_t capacity, uint64_t seed) {
    KV_ASSERT(t != NULL && mem != NULL);
    KV_ASSERT(capacity >= 16 && ((uintptr_t)mem & 7) == 0);
    t->slots = mem;
    t->capacity = capacity;
    t->max_count = (uint32_t)((uint64_t)capacity * 9 / 10);
    t->seed = seed;
    kv_table_clear(t);
    KV_ASSERT(t->max_count < capacity);
}

void kv_table_clear(struct kv_table *t) {
    KV_ASSERT(t->slots != NULL && t->capacity >= 16);
    memset(t->slots, 0, kv_table_bytes(t->capacity));
    t->count = 0;
    t->probe_max = 0;
}

uint64_t kv_table_hash(const struct kv_table *t, const uint8_t *key, uint32_t klen) {
    KV_ASSERT(key != NULL || klen == 0);
    return XXH3_64bits_withSeed(key, klen, t->seed);
}

void kv_table_prefetch(const struct kv_table *t, uint64_t hash) {
    KV_ASSERT(t->slots != NULL);
    __builtin_prefetch(&t->slots[home_of((uint32_t)(hash >> 32), t->capacity)]);
}

uint32_t kv_table_guess(const struct kv_table *t, uint64_t hash) {
    KV_ASSERT(t->slots != NULL && t->capacity >= 16);
    uint32_t tag = (uint32_t)(hash >> 32);
    uint32_t index = home_of(tag, t->capacity);
    for (uint32_t d = 0; d < 2; d++) {
        uint64_t slot = t->slots[index];
        if (slot == 0) return 0;
        if ((uint32_t)(slot >> 32) == tag) return (uint32_t)slot & ~KV_TABLE_REF_FLAG;
        index = next_index(index, t->capacity);
    }
    return 0;
}

/*
 * The hot path. Walks from home while the probe distance d stays within probe_max.
 * A resident with the same tag has the same home (so the same distance): only then is
 * eq called. A resident with another tag that is closer to its home than d is past
 * the place where the key would be (Robin Hood order): stop.
 */
int64_t kv_table_find(const struct kv_table *t, uint64_t hash, kv_table_eq_fn eq, void *ctx,
                      const uint8_t *key, uint32_t klen) {
    KV_ASSERT(eq != NULL);
    KV_ASSERT(key != NULL || klen == 0);
    const uint64_t *slots = t->slots;
    uint32_t capacity = t->capacity;
    uint32_t tag = (uint32_t)(hash >> 32);
    uint32_t probe_max = t->probe_max;
    uint32_t index = home_of(tag, capacity);
    for (uint32_t d = 0; d <= probe_max; d++) {
        uint64_t slot = slots[index];
        if (slot == 0) return -1;
        if ((uint32_t)(slot >> 32) == tag) {
            if (eq(ctx, (uint32_t)slot & ~KV_TABLE_REF_FLAG, key, klen)) return index;
        } else if (slot_dist(slot, index, capacity) < d) {
            return -1;
        }
        index = next_index(index, capacity);
    }
    return -1;
}

static inline void note_displacement(struct kv_table *t, uint32_t d) {
    /* Slots home..home+d are all occupied (linear probing): d < count < capacity. */
    KV_ASSERT(d < t->count);
    if (d > t->probe_max) t->probe_max = d;
}

bool kv_table_insert(struct kv_table *t, uint64_t hash, uint32_t ref) {
    KV_ASSERT((ref & ~KV_TABLE_REF_FLAG) != 0);
    KV_ASSERT(t->count <= t->max_count);
    if (t->count == t->max_count) return false;
    uint32_t capacity = t->capacity;
    uint64_t carry = (hash & 0xffffffff00000000ull) | ref;
    uint32_t index = home_of((uint32_t)(hash >> 32), capacity);
    uint32_t d = 0;
    t->count++;
    /* At most count <= capacity - 1 slots are occupied: an empty one comes in time. */
    for (uint32_t step = 0; step < capacity; step++) {
        uint64_t slot = t->slots[index];
        if (slot == 0) {
            t->slots[index] = carry;
            note_displacement(t, d);
            return true;
        }
        uint32_t slot_d = slot_dist(slot, index, capacity);
        if (slot_d < d) {  /* the resident is richer: it moves on, carry settles here */
            t->slots[index] = carry;
            note_displacement(t, d);
            carry = slot;
            d = slot_d;
        }
        index = next_index(index, capacity);
        d++;
    }
    KV_UNREACHABLE();
}

void kv_table_remove_at(struct kv_table *t, uint32_t index) {
    uint32_t capacity = t->capacity;
    KV_ASSERT(index < capacity);
    KV_ASSERT(t->slots[index] != 0 && t->count > 0);
    uint32_t hole = index;
    for (uint32_t step = 0; step < capacity; step++) {
        uint32_t next = next_index(hole, capacity);
        uint64_t slot = t->slots[next];
        if (slot == 0 || home_of((uint32_t)(slot >> 32), capacity) == next) break;
        t->slots[hole] = slot;  /* shift back one: its displacement drops by one */
        hole = next;
    }
    t->slots[hole] = 0;
    t->count--;
}

uint32_t kv_table_ref_at(const struct kv_table *t, uint32_t index) {
    KV_ASSERT(index < t->capacity);
    return (uint32_t)t->slots[index] & ~KV_TABLE_REF_FLAG;
}

bool kv_table_flag_at(const struct kv_table *t, uint32_t index) {
    KV_ASSERT(index < t->capacity);
    return ((uint32_t)t->slots[index] & KV_TABLE_REF_FLAG) != 0;
}

void kv_table_set_ref_at(struct kv_table *t, uint32_t index, uint32_t ref) {
    KV_ASSERT(index < t->capacity && (ref & ~KV_TABLE_REF_FLAG) != 0);
    KV_ASSERT(t->slots[index] != 0);
    t->slots[index] = (t->slots[index] & 0xffffffff00000000ull) | ref;
}

/*
 * SCAN by home range. The cursor is a home, not a slot: homes never change, so a
 * scan that visits homes 0..capacity-1 once each, finding every entry homed in the
 * range at the moment of the call, reports every entry present for the whole scan
 * exactly once, whatever inserts and backward shifts happen between calls.
 *
 * Entries homed in [c, c + span) lie at offsets k = 0 .. span - 1 + probe_max from c
 * (cyclically). Walking k upward, an entry at offset k with displacement d has its
 * home at offset o = k - d; d > k means it was homed before c (skip it), o >= span
 * means the range is done (homes never decrease along a run), and so does an empty
 * slot once k >= span. Offsets past capacity revisit the array start: that is where
 * entries homed near the end wrapped to; there d > k - capacity, so nothing is
 * reported twice, and reports come in home order.
 */
uint32_t kv_table_scan(const struct kv_table *t, uint32_t cursor, uint32_t homes,
                       kv_table_visit_fn fn, void *ctx) {
    KV_ASSERT(fn != NULL && homes >= 1);
    uint32_t capacity = t->capacity;
    if (cursor >= capacity) return 0;
    uint64_t span = KV_MIN(homes, capacity - cursor);
    uint64_t limit = span + t->probe_max;
    KV_ASSERT(limit < 2ull * capacity);
    uint32_t index = cursor;
    for (uint64_t k = 0; k < limit; k++) {
        uint64_t slot = t->slots[index];
        if (slot == 0) {
            if (k >= span) break;
        } else {
            uint32_t d = slot_dist(slot, index, capacity);
            if (d <= k) {
                if (k - d >= span) break;
                fn(ctx, (uint32_t)slot & ~KV_TABLE_REF_FLAG);
            }
        }
        index = next_index(index, capacity);
    }
    uint64_t end = cursor + span;
    return end >= capacity ? 0 : (uint32_t)end;
}

int64_t kv_table_random(const struct kv_table *t, uint64_t random) {
    KV_ASSERT(t->count <= t->max_count);
    uint32_t capacity = t->capacity;
    if (t->count == 0) return -1;
    uint32_t index = (uint32_t)(random % capacity);
    for (uint32_t step = 0; step < capacity; step++) {
        if (t->slots[index] != 0) return index;
        index = next_index(index, capacity);
    }
    KV_UNREACHABLE();
}

void kv_table_check(const struct kv_table *t) {
    uint32_t capacity = t->capacity;
    KV_ASSERT(t->slots != NULL && capacity >= 16);
    KV_ASSERT(t->max_count == (uint32_t)((uint64_t)capacity * 9 / 10));
    KV_ASSERT(t->count <= t->max_count && t->probe_max < capacity);
    uint32_t occupied = 0;
    uint32_t prev_index = capacity - 1;
    for (uint32_t i = 0; i < capacity; i++) {
        uint64_t slot = t->slots[i];
        uint64_t prev = t->slots[prev_index];
        prev_index = i;
        if (slot == 0) continue;
        KV_ASSERT((uint32_t)slot != 0);
        occupied++;
        uint32_t d = slot_dist(slot, i, capacity);
        KV_ASSERT(d <= t->probe_max && d < t->count);
        if (d == 0) continue;
        /* Not closer to home than it could be: the slot before is taken, by an entry
         * homed no later (Robin Hood order). */
        KV_ASSERT(prev != 0);
        KV_ASSERT(slot_dist(prev, i == 0 ? capacity - 1 : i - 1, capacity) + 1 >= d);
    }
    KV_ASSERT(occupied == t->count);
}

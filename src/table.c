/*
 * table.c: the keyspace index (include/kv/table.h). Robin Hood open addressing with
 * linear probing (wrapping at the end) and backward-shift deletion: no tombstones.
 *
 * Memory: the caller's slot array (kv_table_bytes(capacity_max), 8 bytes a slot);
 * nothing else. A slot is tag << 32 | ref, 0 = empty; tag = hash >> 32 and
 * home(tag) = (tag * capacity) >> 32, so home is monotone in the tag and needs no key.
 *
 * Invariants (kv_table_check):
 *  - Linear probing: every slot from an entry's home up to the entry is occupied, so
 *    an entry's displacement d satisfies d + 1 <= count <= max_count < capacity.
 *  - Robin Hood order: along the array (cyclically) homes never decrease inside a run
 *    of occupied slots; equivalently dist(i) <= dist(i - 1) + 1 and dist(i) > 0 implies
 *    slot i - 1 is occupied. Entries with the same home are in tag order, so a run
 *    is in tag order. So a lookup can stop at the first resident closer to its
 *    home than the probe is, and a home range is found by one forward walk (SCAN).
 *  - Every displacement <= probe_max, the largest displacement recorded since the
 *    last clear or growth (both recompute it), which bounds every probe loop.
 *  - Slots [capacity, capacity_max) are zero.
 *
 * Growth (grow(), from an insert at grow_at): capacity C becomes N = 4C in place
 * (or capacity_max, next_shift()).
 * Robin Hood order at a monotone home function is tag order, and a tag's home at N
 * is at least its home at C, so the new layout is computed, not re-inserted:
 * entries in tag order take dest = max(home_N(tag), previous dest + 1), and the last
 * W of them wrap to slots 0..W-1 (W is the least fixed point of "how many pass the
 * end when W slots at the start are taken", usually 0 and found in one or two
 * read-only passes). The entries are first copied to the top of the new range,
 * [N - count, N), where no old slot lies (count < C <= N - C), then placed forward:
 * each dest is at most the entry's copy (the entries after it fit above it), so no
 * unplaced entry is overwritten. O(C + count) slot operations, nothing allocated.
 *
 * Never: allocates, moves an entry to another home within a level, or calls eq on a
 * slot whose tag differs from the key's.
 */
#include "kv/table.h"

#include <string.h>
#define XXH_INLINE_ALL /* header-only: the hash inlines into its one caller */
#include <xxhash.h>

static inline uint32_t slot_tag(uint64_t slot) { return (uint32_t)(slot >> 32); }

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

/* The first level: the largest even shift <= KV_TABLE_SHIFT_MAX that divides the
 * reservation evenly and leaves at least KV_TABLE_LEVEL_MIN slots (0: one level). */
static uint32_t initial_shift(uint32_t capacity_max) {
    uint32_t shift = 0;
    for (uint32_t s = 2; s <= KV_TABLE_SHIFT_MAX; s += 2) {
        bool even = (capacity_max & ((1u << s) - 1u)) == 0;
        if (!even || (capacity_max >> s) < KV_TABLE_LEVEL_MIN) break;
        shift = s;
    }
    KV_ASSERT(shift % 2 == 0 && shift <= KV_TABLE_SHIFT_MAX);
    return shift;
}

/* Enters the level capacity_max >> shift (its slots must be laid out already). */
static void set_level(struct kv_table *t, uint32_t shift) {
    KV_ASSERT(shift % 2 == 0 && shift <= t->shift_initial);
    t->shift = shift;
    t->capacity = t->capacity_max >> shift;
    t->grow_at = shift == 0 ? UINT32_MAX : (uint32_t)((uint64_t)t->capacity * 3 / 4);
    KV_ASSERT(t->capacity >= 16 && (t->capacity << shift) == t->capacity_max);
}

void kv_table_init(struct kv_table *t, void *mem, uint32_t capacity, uint64_t seed) {
    KV_ASSERT(t != NULL && mem != NULL);
    KV_ASSERT(capacity >= 16 && ((uintptr_t)mem & 7) == 0);
    t->slots = mem;
    t->capacity_max = capacity;
    t->max_count = (uint32_t)((uint64_t)capacity * 9 / 10);
    t->seed = seed;
    t->shift_initial = initial_shift(capacity);
    t->growths = 0;
    t->capacity = capacity; /* so that the clear zeroes the whole reservation */
    kv_table_clear(t);
    KV_ASSERT(t->max_count < capacity);
}

void kv_table_clear(struct kv_table *t) {
    KV_ASSERT(t->slots != NULL && t->capacity >= 16);
    memset(t->slots, 0, kv_table_bytes(t->capacity)); /* the rest is zero already */
    set_level(t, t->shift_initial);
    t->epoch++;
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

/* ---- growth (see the header comment) ---------------------------------------- */

/* Entries at the array start that wrapped from the end (home after their slot): in
 * tag order they come last, so the order is slots wrapped..C-1, then 0..wrapped-1. */
static uint32_t wrapped_prefix(const struct kv_table *t) {
    uint32_t capacity = t->capacity, w = 0;
    while (w < capacity && t->slots[w] != 0 &&
           home_of(slot_tag(t->slots[w]), capacity) > w) {
        w++;
    }
    KV_ASSERT(w <= t->count);
    return w;
}

static inline uint32_t tag_order_index(uint32_t i, uint32_t wrapped, uint32_t capacity) {
    return i < capacity - wrapped ? wrapped + i : i - (capacity - wrapped);
}

/* How many entries pass the end of an n_new-slot level when the first `taken` slots
 * are taken (forward placement in tag order over the current layout). */
static uint32_t overflow_at(const struct kv_table *t, uint32_t wrapped, uint32_t n_new,
                            uint32_t taken) {
    uint32_t capacity = t->capacity;
    int64_t prev = (int64_t)taken - 1;
    for (uint32_t i = 0; i < capacity; i++) {
        uint64_t slot = t->slots[tag_order_index(i, wrapped, capacity)];
        if (slot == 0) continue;
        int64_t home = home_of(slot_tag(slot), n_new);
        prev = KV_MAX(home, prev + 1);
    }
    KV_ASSERT(prev < (int64_t)n_new + t->count);
    return prev >= (int64_t)n_new ? (uint32_t)(prev - n_new + 1) : 0;
}

/* The least W with overflow_at(W) == W: the entries that wrap in the new level. */
static uint32_t wrap_count(const struct kv_table *t, uint32_t wrapped, uint32_t n_new) {
    uint32_t w = 0;
    for (uint32_t round = 0; round <= t->count; round++) {
        uint32_t next = overflow_at(t, wrapped, n_new, w);
        KV_ASSERT(next >= w); /* monotone: more taken slots never place an entry lower */
        if (next == w) return w;
        w = next;
    }
    KV_UNREACHABLE();
}

/* Copies the entries, in tag order rotated by w_new, to [n_new - count, n_new) and
 * zeroes the old level. */
static void grow_copy(struct kv_table *t, uint32_t wrapped, uint32_t n_new, uint32_t w_new) {
    uint32_t capacity = t->capacity, n = t->count, k = 0;
    uint32_t base = n_new - n;
    KV_ASSERT(base >= capacity && w_new < n + 1);
    for (uint32_t i = 0; i < capacity; i++) {
        uint64_t slot = t->slots[tag_order_index(i, wrapped, capacity)];
        if (slot == 0) continue;
        uint32_t r = k + w_new < n ? k + w_new : k + w_new - n;
        t->slots[base + r] = slot;
        k++;
    }
    KV_ASSERT(k == n);
    memset(t->slots, 0, kv_table_bytes(capacity));
}

/* Places the copies: the w_new wrapping ones at 0..w_new-1, the rest forward. */
static void grow_place(struct kv_table *t, uint32_t n_new, uint32_t w_new) {
    uint32_t n = t->count, base = n_new - n, probe_max = 0;
    for (uint32_t j = 0; j < w_new; j++) {
        uint64_t slot = t->slots[base + j];
        t->slots[j] = slot;
        t->slots[base + j] = 0;
        probe_max = KV_MAX(probe_max, dist_of(j, home_of(slot_tag(slot), n_new), n_new));
    }
    int64_t prev = (int64_t)w_new - 1;
    for (uint32_t q = base + w_new; q < n_new; q++) {
        uint64_t slot = t->slots[q];
        KV_ASSERT(slot != 0);
        uint32_t home = home_of(slot_tag(slot), n_new);
        uint32_t dest = (uint32_t)KV_MAX((int64_t)home, prev + 1);
        KV_ASSERT(dest <= q); /* the entries after this one fit above it */
        if (dest != q) {
            t->slots[dest] = slot;
            t->slots[q] = 0;
        }
        probe_max = KV_MAX(probe_max, dest - home);
        prev = dest;
    }
    t->probe_max = probe_max;
}

/* Fourfold, or the whole reservation from KV_TABLE_LEVEL_CAP on (bounds the pause). */
static uint32_t next_shift(const struct kv_table *t) {
    KV_ASSERT(t->shift >= 2);
    return (uint64_t)t->capacity * 4 > KV_TABLE_LEVEL_CAP ? 0 : t->shift - 2;
}

static void grow(struct kv_table *t) {
    KV_ASSERT(t->shift >= 2 && t->count >= t->grow_at);
    KV_ASSERT(t->count < t->capacity);
    uint32_t shift = next_shift(t);
    uint32_t n_new = t->capacity_max >> shift;
    uint32_t wrapped = wrapped_prefix(t);
    uint32_t w_new = wrap_count(t, wrapped, n_new);
    grow_copy(t, wrapped, n_new, w_new);
    set_level(t, shift);
    grow_place(t, n_new, w_new);
    t->growths++;
    KV_ASSERT(t->capacity == n_new && t->probe_max < t->count);
}

bool kv_table_insert(struct kv_table *t, uint64_t hash, uint32_t ref) {
    KV_ASSERT((ref & ~KV_TABLE_REF_FLAG) != 0);
    KV_ASSERT(t->count <= t->max_count);
    if (t->count == t->max_count) return false;
    t->epoch++;
    if (t->count >= t->grow_at) grow(t);
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
        /* The resident is richer, or as rich with a larger tag: it moves on, carry
         * settles here. Ties go by tag so that slot order is tag order, which
         * growth relies on (equal homes at one level may differ at the next). */
        if (slot_d < d || (slot_d == d && slot_tag(slot) > slot_tag(carry))) {
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
    t->epoch++;
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
 * SCAN by home range. The cursor is a home, not a slot: homes never change within a
 * level, so a scan that visits homes 0..capacity-1 once each, finding every entry
 * homed in the range at the moment of the call, reports every entry present for the
 * whole scan exactly once, whatever inserts and backward shifts happen between
 * calls. Across a growth the cursor (counted in homes of the largest level) still
 * splits the tags where it did: home >= c at one level iff home >= c * 2^k at a
 * level 2^k times larger.
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
    if (cursor >= t->capacity_max) return 0;
    uint32_t start = cursor >> t->shift; /* cursor space -> this level's homes */
    uint64_t span = KV_MIN(KV_MAX(homes >> t->shift, 1u), capacity - start);
    uint64_t limit = span + t->probe_max;
    KV_ASSERT(start < capacity && limit < 2ull * capacity);
    uint32_t index = start;
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
    uint64_t end = start + span;
    return end >= capacity ? 0 : (uint32_t)(end << t->shift);
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
    KV_ASSERT(t->max_count == (uint32_t)((uint64_t)t->capacity_max * 9 / 10));
    KV_ASSERT(t->count <= t->max_count && t->probe_max < capacity);
    KV_ASSERT(capacity == t->capacity_max >> t->shift && t->shift <= t->shift_initial);
    KV_ASSERT(t->shift == 0 ? t->grow_at == UINT32_MAX : t->count <= t->grow_at);
    for (uint32_t i = capacity; i < t->capacity_max; i++) KV_ASSERT(t->slots[i] == 0);
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
        uint32_t prev_d = slot_dist(prev, i == 0 ? capacity - 1 : i - 1, capacity);
        KV_ASSERT(prev_d + 1 >= d);
        /* Same home: tag order (kv_table_insert's tie rule). */
        KV_ASSERT(prev_d + 1 != d || slot_tag(prev) <= slot_tag(slot));
    }
    KV_ASSERT(occupied == t->count);
}

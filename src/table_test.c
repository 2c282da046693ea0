/*
 * table_test.c: unit tests for the Robin Hood keyspace index (src/table.c).
 * Test code: uses the heap and stdio. Keys are "key:<id>", ref = id + 1; a plain
 * array of presence flags is the model. All workloads are seeded (kv_prng), so every
 * count is exact. Some tests craft hashes (shared tags, tags homed at the last slot)
 * to force tag collisions and wraparound; the table takes the hash from its caller.
 *
 * Measured (test_probe_max_at_90_percent prints it): at 90% load, 1,000,000 slots and
 * 900,000 seeded random entries, probe_max = 49 and the mean displacement is 4.47.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/prng.h"
#include "kv/table.h"
#include "testing.h"

enum hash_mode { HASH_REAL, HASH_CRAFTED };

struct keys {
    uint32_t n;
    uint8_t (*bytes)[16];
    uint8_t *len;
    uint64_t *hash;
    bool *present;
    uint32_t present_count;
    uint64_t query_hash;
    uint64_t eq_calls;
    uint64_t eq_tag_mismatch;
};

struct table_box {
    struct kv_table t;
    uint64_t *mem;
};

static void box_init(struct table_box *b, uint32_t capacity, uint64_t seed) {
    b->mem = malloc(kv_table_bytes(capacity));
    kv_table_init(&b->t, b->mem, capacity, seed);
}

/* Crafted: every 16th id shares one tag; the next ones are homed at the last slot. */
static void keys_init(struct keys *k, uint32_t n, const struct kv_table *t, enum hash_mode m) {
    memset(k, 0, sizeof(*k));
    k->n = n;
    k->bytes = calloc(n, sizeof(*k->bytes));
    k->len = calloc(n, 1);
    k->hash = calloc(n, sizeof(uint64_t));
    k->present = calloc(n, sizeof(bool));
    for (uint32_t id = 0; id < n; id++) {
        k->len[id] = (uint8_t)snprintf((char *)k->bytes[id], 16, "key:%u", id);
        k->hash[id] = kv_table_hash(t, k->bytes[id], k->len[id]);
        if (m == HASH_CRAFTED && id % 16 == 0) k->hash[id] = 0x9e3779b9ull << 32 | id;
        if (m == HASH_CRAFTED && id % 16 == 1) k->hash[id] = (0xffffff00ull | id) << 32;
    }
}

static void keys_free(struct keys *k) {
    free(k->bytes);
    free(k->len);
    free(k->hash);
    free(k->present);
}

/* A table of `capacity` slots, n keys hashed by it, a prng: all from one seed. */
static void fixture(struct table_box *b, struct keys *k, struct kv_prng *r, uint32_t capacity,
                    uint32_t n, uint64_t seed, enum hash_mode m) {
    box_init(b, capacity, seed);
    keys_init(k, n, &b->t, m);
    kv_prng_init(r, seed);
}

static bool key_eq(void *ctx, uint32_t ref, const uint8_t *key, uint32_t klen) {
    struct keys *k = ctx;
    uint32_t id = ref - 1;
    k->eq_calls++;
    if ((k->hash[id] >> 32) != (k->query_hash >> 32)) k->eq_tag_mismatch++;
    return k->len[id] == klen && memcmp(k->bytes[id], key, klen) == 0;
}

static int64_t find_id(const struct kv_table *t, struct keys *k, uint32_t id) {
    k->query_hash = k->hash[id];
    return kv_table_find(t, k->hash[id], key_eq, k, k->bytes[id], k->len[id]);
}

static bool insert_id(struct kv_table *t, struct keys *k, uint32_t id) {
    if (!kv_table_insert(t, k->hash[id], id + 1)) return false;
    k->present[id] = true;
    k->present_count++;
    return true;
}

/* Finds every id; each must match the model exactly (index holds its ref, or -1). */
static bool model_matches(const struct kv_table *t, struct keys *k) {
    if (t->count != k->present_count) return false;
    for (uint32_t id = 0; id < k->n; id++) {
        int64_t at = find_id(t, k, id);
        if ((at >= 0) != k->present[id]) return false;
        if (at >= 0 && kv_table_ref_at(t, (uint32_t)at) != id + 1) return false;
    }
    return k->eq_tag_mismatch == 0;
}

/* One random op: find, then remove (remove_pct %) a present key or insert an absent one. */
static bool model_step(struct kv_table *t, struct keys *k, struct kv_prng *r,
                       uint32_t remove_pct, uint32_t *insert_fails) {
    uint32_t id = (uint32_t)kv_prng_below(r, k->n);
    int64_t at = find_id(t, k, id);
    if ((at >= 0) != k->present[id]) return false;
    if (at >= 0) {
        if (kv_table_ref_at(t, (uint32_t)at) != id + 1) return false;
        if (kv_prng_below(r, 100) >= remove_pct) return true;
        kv_table_remove_at(t, (uint32_t)at);
        k->present[id] = false;
        k->present_count--;
        return find_id(t, k, id) == -1 && t->count == k->present_count;
    }
    bool room = t->count < t->max_count;
    if (insert_id(t, k, id) != room) return false;
    *insert_fails += !room;
    if (!room) return t->count == t->max_count;
    at = find_id(t, k, id);
    return at >= 0 && kv_table_ref_at(t, (uint32_t)at) == id + 1;
}

static bool model_run(uint32_t capacity, uint32_t universe, uint32_t ops, uint64_t seed,
                      enum hash_mode mode) {
    struct table_box b;
    struct keys k;
    struct kv_prng r;
    fixture(&b, &k, &r, capacity, universe, seed, mode);
    uint32_t fails = 0;
    bool ok = true;
    for (uint32_t op = 0; op < ops && ok; op++) {
        uint32_t remove_pct = op < ops / 2 ? 30 : 60;  /* saturate, then drain */
        ok = model_step(&b.t, &k, &r, remove_pct, &fails);
        if (op % 997 == 0) kv_table_check(&b.t);
    }
    kv_table_check(&b.t);
    ok = ok && model_matches(&b.t, &k) && fails > 0 && k.eq_calls > 0;
    printf("table: model cap=%u ops=%u: %u full inserts, probe_max %u, eq calls %llu\n",
           capacity, ops, fails, b.t.probe_max, (unsigned long long)k.eq_calls);
    keys_free(&k);
    free(b.mem);
    return ok;
}

TEST(test_model_random) {
    CHECK(model_run(4096, 5000, 200000, 1, HASH_REAL));
}

TEST(test_model_crafted_collisions) {
    CHECK(model_run(1000, 1300, 100000, 2, HASH_CRAFTED));  /* not a power of two */
    CHECK(model_run(16, 40, 20000, 3, HASH_CRAFTED));
}

TEST(test_insert_full) {
    struct table_box b;
    struct keys k;
    box_init(&b, 1000, 5);
    keys_init(&k, 1001, &b.t, HASH_REAL);
    CHECK(b.t.max_count == 900);
    for (uint32_t id = 0; id < 900; id++) CHECK(insert_id(&b.t, &k, id));
    CHECK(!insert_id(&b.t, &k, 900) && b.t.count == 900);
    kv_table_check(&b.t);
    CHECK(model_matches(&b.t, &k));
    kv_table_remove_at(&b.t, (uint32_t)find_id(&b.t, &k, 17));
    k.present[17] = false;
    k.present_count--;
    CHECK(insert_id(&b.t, &k, 900) && !insert_id(&b.t, &k, 17));
    CHECK(model_matches(&b.t, &k));
    kv_table_init(&b.t, b.mem, 16, 5);
    CHECK(b.t.max_count == 14);
    for (uint32_t id = 0; id < 14; id++) CHECK(kv_table_insert(&b.t, k.hash[id], id + 1));
    CHECK(!kv_table_insert(&b.t, k.hash[14], 15) && b.t.count == 14);
    kv_table_check(&b.t);
    keys_free(&k);
    free(b.mem);
}

struct visit {
    const struct keys *k;
    uint32_t capacity;
    uint32_t *seen;
    uint32_t lo, hi;     /* home range of the current call */
    uint32_t last_home;
    uint32_t bad;        /* out of range, out of order, or not present */
};

static void on_visit(void *ctx, uint32_t ref) {
    struct visit *v = ctx;
    uint32_t id = ref - 1;
    uint32_t home = (uint32_t)(((v->k->hash[id] >> 32) * v->capacity) >> 32);
    if (home < v->lo || home >= v->hi || home < v->last_home || !v->k->present[id]) v->bad++;
    v->last_home = home;
    v->seen[id]++;
}

/* One full scan in random steps with random ops in between; see test_scan_stable. */
static bool scan_once(struct kv_table *t, struct keys *k, struct kv_prng *r, bool *whole) {
    struct visit v = {.k = k, .capacity = t->capacity};
    v.seen = calloc(k->n, sizeof(uint32_t));
    for (uint32_t id = 0; id < k->n; id++) whole[id] = k->present[id];
    uint32_t cursor = 0, calls = 0, fails = 0;
    bool ok = true;
    do {
        uint32_t homes = kv_prng_chance(r, 1, 20) ? t->capacity
                                                  : 1 + (uint32_t)kv_prng_below(r, 40);
        v.lo = cursor;
        v.hi = (uint32_t)KV_MIN((uint64_t)cursor + homes, t->capacity);
        v.last_home = 0;
        uint32_t next = kv_table_scan(t, cursor, homes, on_visit, &v);
        ok = ok && next == (v.hi == t->capacity ? 0 : v.hi);
        cursor = next;
        for (uint32_t i = 0; i < 3 && ok; i++) ok = model_step(t, k, r, 50, &fails);
        for (uint32_t id = 0; id < k->n; id++) whole[id] = whole[id] && k->present[id];
        calls++;
    } while (cursor != 0 && calls <= t->capacity);
    for (uint32_t id = 0; id < k->n; id++) {
        if (v.seen[id] > 1 || (whole[id] && v.seen[id] != 1)) ok = false;
    }
    free(v.seen);
    kv_table_check(t);
    return ok && v.bad == 0;
}

TEST(test_scan_stable) {
    struct table_box b;
    struct keys k;
    struct kv_prng r;
    fixture(&b, &k, &r, 1024, 1200, 11, HASH_CRAFTED);
    for (uint32_t id = 0; id < 1200 && b.t.count < 850; id++) {
        if (kv_prng_chance(&r, 3, 4)) CHECK(insert_id(&b.t, &k, id));
    }
    CHECK(kv_table_ref_at(&b.t, 0) != 0);  /* entries homed at 1023 wrapped to 0 */
    bool *whole = calloc(k.n, sizeof(bool));
    for (uint32_t s = 0; s < 40; s++) CHECK(scan_once(&b.t, &k, &r, whole));
    struct visit v = {.k = &k, .capacity = 1024, .seen = calloc(k.n, sizeof(uint32_t))};
    CHECK(kv_table_scan(&b.t, 1024, 1, on_visit, &v) == 0);
    CHECK(kv_table_scan(&b.t, UINT32_MAX, 1, on_visit, &v) == 0);
    uint32_t total = 0;
    for (uint32_t id = 0; id < k.n; id++) total += v.seen[id];
    CHECK(total == 0 && model_matches(&b.t, &k));
    free(v.seen);
    free(whole);
    keys_free(&k);
    free(b.mem);
}

/* Exact placement with wraparound in a 16-slot table, backward shift, scan, random. */
TEST(test_wrap_exact) {
    struct table_box b;
    box_init(&b, 16, 0);
    struct kv_table *t = &b.t;
    for (uint32_t i = 0; i < 5; i++) CHECK(kv_table_insert(t, (0xf0000000ull + i) << 32, 10 + i));
    CHECK(kv_table_insert(t, 0x01000000ull << 32, 99));      /* home 0 */
    CHECK(kv_table_ref_at(t, 15) == 10 && kv_table_ref_at(t, 0) == 11);
    CHECK(kv_table_ref_at(t, 3) == 14 && kv_table_ref_at(t, 4) == 99);
    CHECK(t->probe_max == 4 && t->count == 6);
    kv_table_check(t);
    CHECK(kv_table_random(t, 5) == 15 && kv_table_random(t, 17) == 1);
    CHECK(kv_table_random(t, 4) == 4 && kv_table_random(t, 15) == 15);
    kv_table_remove_at(t, 15);                                /* shifts 0..4 back */
    CHECK(kv_table_ref_at(t, 15) == 11 && kv_table_ref_at(t, 2) == 14);
    CHECK(kv_table_ref_at(t, 3) == 99 && kv_table_ref_at(t, 4) == 0);
    kv_table_check(t);
    kv_table_set_ref_at(t, 3, 98);
    CHECK(kv_table_ref_at(t, 3) == 98 && (t->slots[3] >> 32) == 0x01000000u);
    kv_table_clear(t);
    CHECK(t->count == 0 && t->probe_max == 0 && kv_table_random(t, 3) == -1);
    kv_table_check(t);
    free(b.mem);
}

struct ref_log {
    uint32_t refs[16];
    uint32_t n;
};

static void log_ref(void *ctx, uint32_t ref) {
    struct ref_log *l = ctx;
    if (l->n < 16) l->refs[l->n] = ref;
    l->n++;
}

TEST(test_scan_wrap_exact) {
    struct table_box b;
    box_init(&b, 16, 0);
    struct kv_table *t = &b.t;
    for (uint32_t i = 0; i < 4; i++) CHECK(kv_table_insert(t, (0xf0000000ull + i) << 32, 10 + i));
    CHECK(kv_table_insert(t, 0x01000000ull << 32, 99));      /* home 0, stored at 3 */
    CHECK(kv_table_insert(t, 0x81000000ull << 32, 50));      /* home 8 */
    struct ref_log l = {0};
    CHECK(kv_table_scan(t, 0, 1, log_ref, &l) == 1 && l.n == 1 && l.refs[0] == 99);
    l.n = 0;
    CHECK(kv_table_scan(t, 15, 1, log_ref, &l) == 0 && l.n == 4);
    CHECK(l.refs[0] == 10 && l.refs[1] == 11 && l.refs[2] == 12 && l.refs[3] == 13);
    l.n = 0;
    CHECK(kv_table_scan(t, 1, 14, log_ref, &l) == 15 && l.n == 1 && l.refs[0] == 50);
    l.n = 0;                                                  /* whole table, home order */
    CHECK(kv_table_scan(t, 0, 100, log_ref, &l) == 0 && l.n == 6);
    CHECK(l.refs[0] == 99 && l.refs[1] == 50 && l.refs[2] == 10 && l.refs[5] == 13);
    free(b.mem);
}

TEST(test_clear_and_empty) {
    struct table_box b;
    struct keys k;
    box_init(&b, 64, 9);
    keys_init(&k, 100, &b.t, HASH_REAL);
    CHECK(kv_table_random(&b.t, 0) == -1 && kv_table_random(&b.t, UINT64_MAX) == -1);
    CHECK(insert_id(&b.t, &k, 7));
    int64_t at = find_id(&b.t, &k, 7);
    CHECK(at >= 0);
    for (uint64_t rnd = 0; rnd < 200; rnd++) CHECK(kv_table_random(&b.t, rnd * 7919) == at);
    for (uint32_t id = 0; id < 50; id++) {
        if (id != 7) CHECK(insert_id(&b.t, &k, id));
    }
    kv_table_clear(&b.t);
    CHECK(b.t.count == 0 && b.t.probe_max == 0 && kv_table_random(&b.t, 12) == -1);
    memset(k.present, 0, k.n * sizeof(bool));
    k.present_count = 0;
    CHECK(model_matches(&b.t, &k));
    kv_table_check(&b.t);
    CHECK(insert_id(&b.t, &k, 3) && find_id(&b.t, &k, 3) >= 0 && model_matches(&b.t, &k));
    keys_free(&k);
    free(b.mem);
}

TEST(test_probe_max_at_90_percent) {
    struct table_box b;
    struct kv_prng r;
    box_init(&b, 1000000, 0);
    kv_prng_init(&r, 90);
    uint32_t inserted = 0;
    for (uint32_t i = 0; i < 1000000; i++) {
        if (!kv_table_insert(&b.t, kv_prng_next(&r), i + 1)) break;
        inserted++;
    }
    CHECK(inserted == 900000 && b.t.count == b.t.max_count);
    kv_table_check(&b.t);
    /* Inserts only move entries forward, so probe_max is the largest displacement now. */
    uint32_t longest = 0;
    uint64_t total = 0;
    for (uint32_t i = 0; i < b.t.capacity; i++) {
        uint64_t s = b.t.slots[i];
        if (s == 0) continue;
        uint32_t home = (uint32_t)(((s >> 32) * b.t.capacity) >> 32);
        uint32_t d = i >= home ? i - home : i + b.t.capacity - home;
        longest = KV_MAX(longest, d);
        total += d;
    }
    printf("table: probe_max %u at 90%% load (1000000 slots), mean displacement %.2f\n",
           b.t.probe_max, (double)total / inserted);
    CHECK(longest == b.t.probe_max);
    free(b.mem);
}

/* ---- levels: growth in place ------------------------------------------------- */

/* A table that never grows (its first level is its largest), as a reference. */
static void box_init_flat(struct table_box *b, uint32_t capacity, uint64_t seed) {
    box_init(b, capacity, seed);
    b->t.shift_initial = 0;
    kv_table_clear(&b->t);
}

/* Same entries, same tags in the same slots: the layout is canonical (tag order;
 * only entries with equal tags may be in either order), so a table that grew must
 * match one filled at its current level without growing, slot for slot. */
static bool same_as_flat(const struct kv_table *t, const struct keys *k) {
    struct table_box ref;
    box_init_flat(&ref, t->capacity, t->seed); /* a flat table of the current level */
    for (uint32_t id = 0; id < k->n; id++) {
        if (k->present[id] && !kv_table_insert(&ref.t, k->hash[id], id + 1)) return false;
    }
    bool same = ref.t.capacity == t->capacity && ref.t.count == t->count;
    for (uint32_t i = 0; i < t->capacity && same; i++) {
        uint64_t a = ref.t.slots[i], b = t->slots[i];
        same = (a == 0) == (b == 0) && (a >> 32) == (b >> 32);
    }
    free(ref.mem);
    return same;
}

/* Levels 64 -> 256 -> 1024 -> 4096 -> 16384 under random inserts and removes; after each growth
 * the table checks, finds every key and equals a flat table with the same keys. */
static bool growth_run(enum hash_mode mode, uint64_t seed) {
    struct table_box b;
    struct keys k;
    struct kv_prng r;
    box_init(&b, 16384, seed);
    keys_init(&k, 20000, &b.t, mode);
    kv_prng_init(&r, seed);
    bool ok = b.t.capacity == 64 && b.t.grow_at == 48 && b.t.max_count == 14745;
    uint32_t fails = 0, growths = 0;
    for (uint32_t op = 0; op < 60000 && ok; op++) {
        ok = model_step(&b.t, &k, &r, 20, &fails);
        if (b.t.growths != growths) {
            growths = b.t.growths;
            kv_table_check(&b.t);
            ok = ok && model_matches(&b.t, &k) && same_as_flat(&b.t, &k);
        }
    }
    kv_table_check(&b.t);
    ok = ok && growths == 4 && b.t.capacity == 16384 && b.t.grow_at == UINT32_MAX;
    ok = ok && fails > 0 && model_matches(&b.t, &k) && same_as_flat(&b.t, &k);
    kv_table_clear(&b.t);
    ok = ok && b.t.capacity == 64 && b.t.count == 0 && b.t.grow_at == 48;
    kv_table_check(&b.t); /* the whole reservation is zero again */
    keys_free(&k);
    free(b.mem);
    return ok;
}

TEST(test_growth_levels) {
    CHECK(growth_run(HASH_REAL, 21));
    CHECK(growth_run(HASH_CRAFTED, 22)); /* shared tags; tags at the very end */
}

/*
 * Wraparound at growth: 200 tags at the end of the hash space all home at the last
 * slot of every level and wrap to the array start, where 100 tags near 0 queue
 * behind them. After growth the 200 still wrap (W = 200 at 4096 slots), pushing
 * the low ones up; the layout must equal the flat one.
 */
TEST(test_growth_wrap) {
    struct table_box b;
    struct keys k;
    box_init(&b, 16384, 5);
    keys_init(&k, 1000, &b.t, HASH_REAL);
    for (uint32_t id = 0; id < 200; id++) k.hash[id] = (0xfffff000ull + id) << 32;
    for (uint32_t id = 200; id < 300; id++) k.hash[id] = (uint64_t)(id - 200) << 32;
    for (uint32_t id = 0; id < 768; id++) CHECK(insert_id(&b.t, &k, id));
    CHECK(b.t.capacity == 1024 && b.t.growths == 2 && b.t.probe_max >= 298);
    CHECK(kv_table_ref_at(&b.t, 0) != 0 && kv_table_ref_at(&b.t, 1023) == 1);
    CHECK(insert_id(&b.t, &k, 768));
    CHECK(b.t.capacity == 4096 && b.t.growths == 3);
    kv_table_check(&b.t);
    CHECK(kv_table_ref_at(&b.t, 4095) == 1 && kv_table_ref_at(&b.t, 198) == 200);
    CHECK(kv_table_ref_at(&b.t, 199) == 201); /* tag 0: home 0, behind the 199 wrapped */
    CHECK(model_matches(&b.t, &k));
    CHECK(same_as_flat(&b.t, &k));
    keys_free(&k);
    free(b.mem);
}

struct seen_log {
    uint32_t *seen;
};

static void count_ref(void *ctx, uint32_t ref) {
    struct seen_log *l = ctx;
    l->seen[ref - 1]++;
}

/*
 * SCAN across growth: a scan in small steps while inserts grow the table from 1024
 * to 4096 and 16384 slots (64 and 256 came before) and removes run too. Every key
 * present for the whole scan is reported exactly once, none twice.
 */
TEST(test_scan_across_growth) {
    struct table_box b;
    struct keys k;
    struct kv_prng r;
    fixture(&b, &k, &r, 16384, 14000, 31, HASH_REAL);
    for (uint32_t id = 0; id < 700; id++) CHECK(insert_id(&b.t, &k, id));
    bool *whole = calloc(k.n, sizeof(bool));
    struct seen_log l = {.seen = calloc(k.n, sizeof(uint32_t))};
    for (uint32_t id = 0; id < k.n; id++) whole[id] = k.present[id];
    uint32_t cursor = 0, calls = 0, next_id = 700;
    do {
        cursor = kv_table_scan(&b.t, cursor, 1 + (uint32_t)kv_prng_below(&r, 400), count_ref, &l);
        for (uint32_t i = 0; i < 40 && next_id < k.n; i++) CHECK(insert_id(&b.t, &k, next_id++));
        uint32_t victim = (uint32_t)kv_prng_below(&r, next_id);
        int64_t at = find_id(&b.t, &k, victim);
        if (at >= 0) {
            kv_table_remove_at(&b.t, (uint32_t)at);
            k.present[victim] = false;
            k.present_count--;
            whole[victim] = false;
        }
        calls++;
    } while (cursor != 0 && calls < 100000);
    CHECK(cursor == 0 && b.t.growths == 4 && b.t.capacity == 16384);
    uint32_t once = 0, twice = 0, missed = 0;
    for (uint32_t id = 0; id < k.n; id++) {
        once += l.seen[id] == 1;
        twice += l.seen[id] > 1;
        missed += whole[id] && l.seen[id] != 1;
    }
    printf("table: scan across growth: %u calls, %u keys reported once\n", calls, once);
    CHECK(twice == 0 && missed == 0 && once > 700);
    kv_table_check(&b.t);
    free(l.seen);
    free(whole);
    keys_free(&k);
    free(b.mem);
}

/*
 * Past KV_TABLE_LEVEL_CAP the table grows to its whole reservation at once: 4M
 * slots go 16384 -> 65536 -> 262144 -> 4194304 (a 16x step). A SCAN runs across
 * that step and reports every key present throughout exactly once.
 */
TEST(test_growth_jump) {
    struct table_box b;
    struct keys k;
    struct kv_prng r;
    fixture(&b, &k, &r, 1u << 22, 200000, 41, HASH_REAL);
    CHECK(b.t.capacity == 16384 && b.t.shift == 8);
    uint32_t next_id = 0;
    while (next_id < 190000) CHECK(insert_id(&b.t, &k, next_id++));
    CHECK(b.t.capacity == 262144 && b.t.growths == 2 && b.t.grow_at == 196608);
    bool *whole = calloc(k.n, sizeof(bool));
    struct seen_log l = {.seen = calloc(k.n, sizeof(uint32_t))};
    for (uint32_t id = 0; id < k.n; id++) whole[id] = k.present[id];
    uint32_t cursor = 0, calls = 0;
    do {
        cursor = kv_table_scan(&b.t, cursor, 1 + (uint32_t)kv_prng_below(&r, 200000),
                               count_ref, &l);
        for (uint32_t i = 0; i < 500 && next_id < k.n; i++) CHECK(insert_id(&b.t, &k, next_id++));
        calls++;
    } while (cursor != 0 && calls < 100000);
    CHECK(b.t.capacity == 1u << 22 && b.t.shift == 0 && b.t.growths == 3);
    uint32_t bad = 0;
    for (uint32_t id = 0; id < k.n; id++) bad += l.seen[id] > 1 || (whole[id] && l.seen[id] != 1);
    CHECK(bad == 0 && calls > 10);
    kv_table_check(&b.t);
    CHECK(model_matches(&b.t, &k) && same_as_flat(&b.t, &k));
    free(l.seen);
    free(whole);
    keys_free(&k);
    free(b.mem);
}

/*
 * Level boundaries. The first level: the largest even shift up to 8 that divides
 * the reservation and leaves at least 16 slots (16: one level; 64: 16; 1000: 250,
 * as 1000 is not a multiple of 16; 1001: one level). The cap: 8M slots grow
 * 32768 -> 131072 -> 524288, which is KV_TABLE_LEVEL_CAP itself (fourfold, not yet a
 * jump), then straight to 8M.
 */
TEST(test_level_boundaries) {
    static const uint32_t caps[] = {16, 64, 1000, 1001, 65536};
    static const uint32_t first[] = {16, 16, 250, 1001, 256};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(caps); i++) {
        struct table_box b;
        box_init(&b, caps[i], 1);
        CHECK(b.t.capacity == first[i] && b.t.capacity_max == caps[i]);
        CHECK(b.t.grow_at == (first[i] == caps[i] ? UINT32_MAX : first[i] * 3 / 4));
        free(b.mem);
    }
    struct table_box b;
    struct kv_prng r;
    box_init(&b, 1u << 23, 2);
    kv_prng_init(&r, 2);
    CHECK(b.t.capacity == 32768);
    uint32_t id = 1;
    while (b.t.growths < 2) CHECK(kv_table_insert(&b.t, kv_prng_next(&r), id++));
    CHECK(b.t.capacity == KV_TABLE_LEVEL_CAP && id - 1 == 98305);
    while (b.t.growths < 3) CHECK(kv_table_insert(&b.t, kv_prng_next(&r), id++));
    CHECK(b.t.capacity == 1u << 23 && b.t.shift == 0 && id - 1 == 393217);
    kv_table_check(&b.t);
    free(b.mem);
}

int main(void) {
    RUN(test_model_random);
    RUN(test_model_crafted_collisions);
    RUN(test_insert_full);
    RUN(test_scan_stable);
    RUN(test_wrap_exact);
    RUN(test_scan_wrap_exact);
    RUN(test_clear_and_empty);
    RUN(test_probe_max_at_90_percent);
    RUN(test_growth_levels);
    RUN(test_growth_wrap);
    RUN(test_scan_across_growth);
    RUN(test_growth_jump);
    RUN(test_level_boundaries);
    TEST_SUMMARY("table");
}

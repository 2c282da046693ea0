/*
 * zset_test.c: unit tests for src/zset.c (sorted sets in the data region).
 * Test code: uses the heap for regions and for the naive model (an array of
 * (score, member) kept sorted by insertion). Seeded (kv_prng): counts are exact and
 * failures replay. After every operation: kv_zset_check (order, spans, backward
 * refs, levels, the member index), kv_alloc_check, and a full comparison with the
 * model (scores, ranks, range counts, iteration both ways). Every batch of puts runs
 * with the allocator holding exactly the free space kv_zset_room names in one block
 * at the most, so a bound that is too small aborts on zset.c's assertions.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/alloc.h"
#include "kv/prng.h"
#include "kv/zset.h"
#include "testing.h"

struct ment {
    double s;
    char m[96];
    uint32_t len;
};

struct fix {
    uint8_t *mem;
    struct kv_alloc a;
    struct kv_zset_env env;
    struct kv_zset_head h;
    struct ment e[2048];
    uint32_t n;
};

static struct kv_slice sl(const char *s, uint32_t n) {
    return (struct kv_slice){(const uint8_t *)s, n};
}

static void fix_init(struct fix *x, uint64_t bytes, uint64_t entries, uint64_t value) {
    memset(x, 0, sizeof(*x));
    x->mem = aligned_alloc(64, bytes);
    memset(x->mem, 0xee, bytes);
    kv_alloc_init(&x->a, x->mem, bytes);
    x->env = (struct kv_zset_env){&x->a, 777, entries, value};
    kv_zset_init(&x->h);
}

static int ment_cmp(const struct ment *a, double s, struct kv_slice m) {
    if (a->s < s) return -1;
    if (a->s > s) return 1;
    return kv_zset_cmp_member(sl(a->m, a->len), m);
}

static int32_t model_find(const struct fix *x, struct kv_slice m) {
    for (uint32_t i = 0; i < x->n; i++)
        if (x->e[i].len == m.len && memcmp(x->e[i].m, m.ptr, m.len) == 0) return (int32_t)i;
    return -1;
}

static void model_del(struct fix *x, uint32_t i) {
    memmove(&x->e[i], &x->e[i + 1], (x->n - i - 1) * sizeof(x->e[0]));
    x->n--;
}

static void model_put(struct fix *x, struct kv_slice m, double s) {
    int32_t at = model_find(x, m);
    if (at >= 0) {
        if (x->e[at].s == s) return;
        model_del(x, (uint32_t)at);
    }
    uint32_t i = 0;
    while (i < x->n && ment_cmp(&x->e[i], s, m) < 0) i++;
    memmove(&x->e[i + 1], &x->e[i], (x->n - i) * sizeof(x->e[0]));
    x->e[i].s = s;
    memcpy(x->e[i].m, m.ptr, m.len);
    x->e[i].len = m.len;
    x->n++;
}

/* The structure equals the model: lookups, ranks, both iterations, range counts. */
static bool same(struct fix *x) {
    kv_zset_check(&x->env, &x->h);
    kv_alloc_check(&x->a);
    if (x->h.count != x->n) return false;
    for (uint32_t i = 0; i < x->n; i++) {
        double s;
        struct kv_slice m = sl(x->e[i].m, x->e[i].len);
        if (!kv_zset_score(&x->env, &x->h, m, &s) || s != x->e[i].s) return false;
        if (kv_zset_rank(&x->env, &x->h, m, s) != i) return false;
        uint64_t below = 0;
        while (below < x->n && x->e[below].s < x->e[i].s) below++;
        if (kv_zset_count_score(&x->env, &x->h, x->e[i].s, false) != below) return false;
    }
    if (x->n == 0) return x->h.root == 0 && x->a.used_bytes == 0;
    struct kv_zset_iter it;
    kv_zset_iter_at(&it, &x->a, &x->h, 0);
    for (uint32_t i = 0; i < x->n; i++) {
        struct kv_slice m;
        double s;
        kv_zset_iter_get(&it, &m, &s);
        if (s != x->e[i].s || m.len != x->e[i].len || memcmp(m.ptr, x->e[i].m, m.len) != 0)
            return false;
        if (kv_zset_iter_next(&it) != (i + 1 < x->n)) return false;
    }
    kv_zset_iter_at(&it, &x->a, &x->h, x->n - 1);
    for (uint32_t i = x->n; i > 0; i--) {
        struct kv_slice m;
        double s;
        kv_zset_iter_get(&it, &m, &s);
        if (s != x->e[i - 1].s) return false;
        if (kv_zset_iter_prev(&it) != (i > 1)) return false;
    }
    return kv_zset_memory(&x->a, &x->h) == x->a.used_bytes;
}

/* A batch of puts exactly as a command makes them: room, reserve, puts, trim. */
static void put_batch(struct fix *x, const struct kv_slice *ms, const double *ss, uint32_t n) {
    uint64_t room = kv_zset_room(&x->env, &x->h, ms, 1, n);
    if (!kv_alloc_can_alloc(&x->a, room)) return;
    /* leave at most that one free block: everything else allocated */
    void *hold[64];
    uint32_t held = 0;
    void *big = kv_alloc_alloc(&x->a, room);
    while (held < 64 && x->a.free_bytes > 64) {
        void *p = kv_alloc_alloc(&x->a, x->a.free_bytes / 2 > 16 ? x->a.free_bytes / 2 : 16);
        if (p == NULL) break;
        hold[held++] = p;
    }
    kv_alloc_free(&x->a, big);
    kv_zset_reserve(&x->env, &x->h, ms, 1, n);
    for (uint32_t i = 0; i < n; i++) {
        (void)kv_zset_put(&x->env, &x->h, ms[i], ss[i]);
        model_put(x, ms[i], ss[i] == 0 && x->h.enc == KV_ZSET_PACKED ? 0.0 : ss[i]);
    }
    kv_zset_trim(&x->env, &x->h);
    for (uint32_t i = 0; i < held; i++) kv_alloc_free(&x->a, hold[i]);
}

static void put1(struct fix *x, const char *m, double s) {
    struct kv_slice ms = sl(m, (uint32_t)strlen(m));
    put_batch(x, &ms, &s, 1);
}

TEST(converts_one_past_entries) {
    struct fix *x = calloc(1, sizeof(*x));
    fix_init(x, 1 << 20, 4, 8);
    put1(x, "a", 1);
    put1(x, "b", 2);
    put1(x, "c", 3);
    put1(x, "d", 4);
    CHECK(x->h.enc == KV_ZSET_PACKED && same(x));  /* at the threshold */
    put1(x, "d", 5);
    CHECK(x->h.enc == KV_ZSET_PACKED && same(x));  /* an update does not convert */
    put1(x, "e", 0);
    CHECK(x->h.enc == KV_ZSET_SKIPLIST && same(x));  /* one past */
    CHECK(strcmp(kv_zset_encoding(&x->h), "skiplist") == 0);
    CHECK(kv_zset_remove(&x->env, &x->h, sl("a", 1)));
    model_del(x, (uint32_t)model_find(x, sl("a", 1)));
    CHECK(x->h.enc == KV_ZSET_SKIPLIST && same(x));  /* never back */
    free(x->mem);
    free(x);
}

TEST(converts_on_a_long_member) {
    struct fix *x = calloc(1, sizeof(*x));
    fix_init(x, 1 << 20, 128, 8);
    put1(x, "12345678", 1);  /* at the value threshold */
    CHECK(x->h.enc == KV_ZSET_PACKED && same(x));
    CHECK(strcmp(kv_zset_encoding(&x->h), "listpack") == 0);
    put1(x, "123456789", 1);  /* one past */
    CHECK(x->h.enc == KV_ZSET_SKIPLIST && same(x));
    free(x->mem);
    free(x);
}

TEST(negative_zero_by_encoding) {
    struct fix *x = calloc(1, sizeof(*x));
    fix_init(x, 1 << 20, 1, 64);
    put1(x, "a", -0.0);  /* packed: Redis's listpack text "0" */
    double s = 1;
    CHECK(kv_zset_score(&x->env, &x->h, sl("a", 1), &s) && s == 0 && !signbit(s));
    put1(x, "b", -0.0);  /* converts: the new member keeps -0 */
    CHECK(kv_zset_score(&x->env, &x->h, sl("b", 1), &s) && s == 0 && signbit(s));
    put1(x, "a", -0.0);  /* equal: unchanged */
    CHECK(kv_zset_score(&x->env, &x->h, sl("a", 1), &s) && !signbit(s));
    free(x->mem);
    free(x);
}

static void random_run(struct fix *x, uint64_t seed, uint32_t ops) {
    struct kv_prng p;
    kv_prng_init(&p, seed);
    char names[64][16];
    for (uint32_t i = 0; i < 64; i++) snprintf(names[i], sizeof(names[i]), "m%u", i * 7919 % 1000);
    for (uint32_t op = 0; op < ops; op++) {
        uint32_t k = (uint32_t)kv_prng_below(&p, 10);
        if (k < 6) {
            struct kv_slice ms[8];
            double ss[8];
            uint32_t n = 1 + (uint32_t)kv_prng_below(&p, 8);
            for (uint32_t i = 0; i < n; i++) {
                const char *nm = names[kv_prng_below(&p, 64)];
                ms[i] = sl(nm, (uint32_t)strlen(nm));
                ss[i] = (double)kv_prng_below(&p, 9) - 4 + (kv_prng_below(&p, 2) ? 0.5 : 0);
            }
            put_batch(x, ms, ss, n);
        } else if (k < 8 && x->n > 0) {
            const char *nm = names[kv_prng_below(&p, 64)];
            struct kv_slice m = sl(nm, (uint32_t)strlen(nm));
            int32_t at = model_find(x, m);
            if (kv_zset_remove(&x->env, &x->h, m) != (at >= 0)) CHECK(false);
            if (at >= 0) model_del(x, (uint32_t)at);
        } else if (x->n > 0) {
            uint64_t start = kv_prng_below(&p, x->n);
            uint64_t n = 1 + kv_prng_below(&p, x->n - start);
            kv_zset_remove_ranks(&x->env, &x->h, start, n);
            for (uint64_t i = 0; i < n; i++) model_del(x, (uint32_t)start);
        }
        if (!same(x)) {
            fprintf(stderr, "seed %llu op %u differs\n", (unsigned long long)seed, op);
            CHECK(false);
        }
    }
}

TEST(random_packed_against_model) {
    struct fix *x = calloc(1, sizeof(*x));
    fix_init(x, 1 << 20, 1000, 64);
    random_run(x, 1, 3000);
    CHECK(x->h.count == 0 || x->h.enc == KV_ZSET_PACKED);
    free(x->mem);
    free(x);
}

TEST(random_skiplist_against_model) {
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct fix *x = calloc(1, sizeof(*x));
        fix_init(x, 1 << 20, seed == 1 ? 0 : 3, 64);
        random_run(x, seed + 100, 3000);
        free(x->mem);
        free(x);
    }
}

TEST(lex_counts_and_copy) {
    struct fix *x = calloc(1, sizeof(*x));
    fix_init(x, 1 << 20, 0, 64);
    const char *ms[] = {"a", "b", "bb", "c", "d"};
    for (uint32_t i = 0; i < 5; i++) put1(x, ms[i], 0);
    CHECK(kv_zset_count_lex(&x->env, &x->h, sl("b", 1), false) == 1);
    CHECK(kv_zset_count_lex(&x->env, &x->h, sl("b", 1), true) == 2);
    CHECK(kv_zset_last_lex(&x->env, &x->h, sl("bc", 2), true) == 3);
    struct kv_zset_head c;
    kv_zset_init(&c);
    uint64_t used = x->a.used_bytes;
    CHECK(kv_zset_copy(&x->env, &c, &x->h));
    kv_zset_check(&x->env, &c);
    CHECK(x->a.used_bytes - used == kv_zset_memory(&x->a, &c));
    CHECK(c.count == 5 && kv_zset_blocks(&c) == 7);
    kv_zset_release(&x->a, &c);
    CHECK(x->a.used_bytes == used);
    kv_zset_release(&x->a, &x->h);
    CHECK(x->a.used_bytes == 0);
    free(x->mem);
    free(x);
}

/* ZSCAN (kv_zset_scan): visits counted per member of a 2000-slot model. */
struct scan_seen {
    struct fix *x;
    uint32_t hits[4096];
    uint32_t visits;
};

static void scan_count(void *ctx, struct kv_slice m, double score) {
    struct scan_seen *v = ctx;
    char buf[16];
    uint32_t i = 0;
    CHECK(m.len > 1 && m.len < sizeof(buf) && m.ptr[0] == 'k');
    memcpy(buf, m.ptr + 1, m.len - 1);
    buf[m.len - 1] = '\0';
    i = (uint32_t)strtoul(buf, NULL, 10);
    CHECK(i < 4096 && score == (double)(i % 17));
    v->hits[i]++;
    v->visits++;
}

static void put_k(struct fix *x, uint32_t i) {
    char m[16];
    snprintf(m, sizeof(m), "k%u", i);
    put1(x, m, (double)(i % 17));
}

/* A listpack is one page (cursor 0); a skiplist pages over its index, each member
 * once when nothing changes, in more than one call. */
TEST(scan_pages_the_index) {
    struct fix *x = calloc(1, sizeof(*x));
    struct scan_seen *v = calloc(1, sizeof(*v));
    fix_init(x, 1 << 22, 128, 64);
    for (uint32_t i = 0; i < 100; i++) put_k(x, i);
    CHECK(x->h.enc == KV_ZSET_PACKED);
    CHECK(kv_zset_scan(&x->env, &x->h, 0, 1, scan_count, v) == 0 && v->visits == 100);
    for (uint32_t i = 100; i < 1500; i++) put_k(x, i);
    CHECK(x->h.enc == KV_ZSET_SKIPLIST && same(x));
    memset(v, 0, sizeof(*v));
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = kv_zset_scan(&x->env, &x->h, cursor, 5, scan_count, v);
        calls++;
    } while (cursor != 0 && calls < 100000);
    CHECK(cursor == 0 && calls > 100 && v->visits == 1500);
    for (uint32_t i = 0; i < 1500; i++) CHECK(v->hits[i] == 1);
    free(v);
    free(x->mem);
    free(x);
}

/* Members present for the whole scan are all visited while the index doubles and
 * shrinks between calls. */
TEST(scan_across_growth_and_shrink) {
    struct fix *x = calloc(1, sizeof(*x));
    struct scan_seen *v = calloc(1, sizeof(*v));
    fix_init(x, 1 << 22, 0, 64);
    for (uint32_t i = 0; i < 300; i++) put_k(x, i);
    uint32_t slots0 = x->h.slots, grown = 0, shrunk = 0;
    uint64_t cursor = 0, calls = 0;
    do {
        cursor = kv_zset_scan(&x->env, &x->h, cursor, 3, scan_count, v);
        calls++;
        if (calls == 10)
            for (uint32_t i = 300; i < 2000; i++) put_k(x, i);  /* grows the index */
        grown = KV_MAX(grown, x->h.slots);
        if (calls == 40) {
            for (uint32_t i = 300; i < 2000; i++) {
                char m[16];
                snprintf(m, sizeof(m), "k%u", i);
                CHECK(kv_zset_remove(&x->env, &x->h, sl(m, (uint32_t)strlen(m))));
                model_del(x, (uint32_t)model_find(x, sl(m, (uint32_t)strlen(m))));
            }
            shrunk = x->h.slots;
        }
    } while (cursor != 0 && calls < 100000);
    CHECK(cursor == 0 && grown > slots0 && shrunk < grown && same(x));
    for (uint32_t i = 0; i < 300; i++) CHECK(v->hits[i] >= 1);
    free(v);
    free(x->mem);
    free(x);
}

int main(void) {
    RUN(converts_one_past_entries);
    RUN(converts_on_a_long_member);
    RUN(negative_zero_by_encoding);
    RUN(random_packed_against_model);
    RUN(random_skiplist_against_model);
    RUN(lex_counts_and_copy);
    RUN(scan_pages_the_index);
    RUN(scan_across_growth_and_shrink);
    printf("zset: %u passed, %u failed\n", kv_test_passed_, kv_test_failed_);
    return kv_test_failed_ == 0 ? 0 : 1;
}

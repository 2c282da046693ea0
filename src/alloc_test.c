/*
 * alloc_test.c: unit tests for the TLSF data-region allocator (src/alloc.c).
 * Test code: uses the heap for regions and bookkeeping. Every workload is seeded
 * (kv_prng), so every count below is exact and reproducible.
 *
 * Cost of a request: a used block is max(16, round_up_8(n + 4)) bytes, so a 132-byte
 * request costs a 136-byte block (4 bytes of header, no padding): test_block_size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv/alloc.h"
#include "kv/prng.h"
#include "testing.h"

#define REGION_BYTES (1u << 20)   /* size = 1048560 = 7710 * 136 exactly */
#define FILL_132_COUNT 7710u
#define FILL_100_COUNT 10082u     /* 10082 * 104 = 1048528, 32 bytes left over */
#define LIVE_MAX 4096u

struct live {
    uint8_t *p;
    uint64_t n;
    uint8_t fill;
};

static uint8_t *region_new(uint64_t bytes) {
    uint8_t *m = aligned_alloc(64, bytes);
    if (m != NULL) memset(m, 0xee, bytes);
    return m;
}

static bool accounting_ok(const struct kv_alloc *a) {
    kv_alloc_check(a);
    return a->used_bytes + a->free_bytes == a->size;
}

static bool pattern_ok(const uint8_t *p, uint64_t n, uint8_t fill) {
    for (uint64_t i = 0; i < n; i++) {
        if (p[i] != (uint8_t)(fill + i)) return false;
    }
    return true;
}

static void pattern_put(uint8_t *p, uint64_t n, uint8_t fill) {
    for (uint64_t i = 0; i < n; i++) p[i] = (uint8_t)(fill + i);
}

/* Allocates n bytes until NULL; stores up to cap pointers; returns the count. */
static uint64_t fill_fixed(struct kv_alloc *a, uint64_t n, void **ptrs, uint64_t cap) {
    uint64_t count = 0;
    for (uint64_t i = 0; i < a->size; i++) {
        void *p = kv_alloc_alloc(a, n);
        if (p == NULL) break;
        if (count < cap) ptrs[count] = p;
        count++;
    }
    return count;
}

TEST(test_block_size) {
    CHECK(kv_alloc_block_size(1) == 16);
    CHECK(kv_alloc_block_size(12) == 16);
    CHECK(kv_alloc_block_size(13) == 24);
    CHECK(kv_alloc_block_size(132) == 136);  /* a 132-byte request costs 136 bytes */
    CHECK(kv_alloc_block_size(133) == 144);
    CHECK(kv_alloc_block_size(4000) == 4008);
    uint8_t *m = region_new(4096);
    struct kv_alloc a;
    kv_alloc_init(&a, m, 4096);
    CHECK(a.size == 4096 - 16);
    uint8_t *p = kv_alloc_alloc(&a, 132);
    CHECK(p != NULL && kv_alloc_usable(p) == 132 && a.used_bytes == 136);
    uint8_t *q = kv_alloc_alloc(&a, 1);
    CHECK(q == p + 136 && kv_alloc_usable(q) == 12 && a.used_bytes == 136 + 16);
    CHECK(((uintptr_t)p & 3) == 0 && ((uint64_t)(p - 4 - m) & 7) == 0);
    CHECK(kv_alloc_ref(&a, p) == 1 && kv_alloc_ptr(&a, 1) == p);
    CHECK(kv_alloc_ref(&a, q) == 18 && kv_alloc_ptr(&a, 18) == q);
    CHECK(kv_alloc_ref(&a, NULL) == 0 && kv_alloc_ptr(&a, 0) == NULL);
    CHECK(a.used_blocks == 2 && accounting_ok(&a));
    free(m);
}

/* Fill, free in a coalescing-heavy order, check one free block, refill: same count. */
static bool fill_free_refill(uint64_t n, uint64_t want_count, uint64_t want_left) {
    uint8_t *m = region_new(REGION_BYTES);
    void **ptrs = calloc(FILL_100_COUNT + 1, sizeof(void *));
    struct kv_alloc a;
    kv_alloc_init(&a, m, REGION_BYTES);
    uint64_t count = fill_fixed(&a, n, ptrs, FILL_100_COUNT + 1);
    bool ok = count == want_count && a.free_bytes == want_left && accounting_ok(&a);
    ok = ok && a.used_blocks == count && kv_alloc_free_block_count(&a) == (want_left ? 1 : 0);
    for (uint64_t i = 0; i < count; i += 2) kv_alloc_free(&a, ptrs[i]);  /* right merges */
    /* an even count leaves the last block used, so a left-over tail stays separate */
    uint64_t holes = (count + 1) / 2 + (want_left != 0 && count % 2 == 0);
    ok = ok && accounting_ok(&a) && kv_alloc_free_block_count(&a) == holes;
    for (uint64_t i = 1; i < count; i += 2) kv_alloc_free(&a, ptrs[i]);  /* both sides */
    ok = ok && accounting_ok(&a) && kv_alloc_free_block_count(&a) == 1;
    ok = ok && a.used_bytes == 0 && a.used_blocks == 0 && a.free_bytes == a.size;
    ok = ok && fill_fixed(&a, n, ptrs, FILL_100_COUNT + 1) == want_count;
    ok = ok && a.free_bytes == want_left;
    free(ptrs);
    free(m);
    return ok;
}

TEST(test_fill_refill_fixed) {
    CHECK(fill_free_refill(132, FILL_132_COUNT, 0));
    CHECK(fill_free_refill(100, FILL_100_COUNT, 32));
    /* 2008-byte blocks, searched from class 2048: the last fit leaves 1048560 % 2008. */
    CHECK(fill_free_refill(2004, 522, 1048560 - 522 * 2008));
}

/* Reallocs a random live block to 1..4000 bytes; contents must survive (or p on NULL). */
static bool churn_realloc(struct kv_alloc *a, struct live *l, struct kv_prng *r) {
    uint64_t n = 1 + kv_prng_below(r, 4000);
    uint64_t used_before = a->used_bytes;
    uint8_t *q = kv_alloc_realloc(a, l->p, n);
    if (q == NULL) {
        return n > l->n && a->used_bytes == used_before && pattern_ok(l->p, l->n, l->fill);
    }
    if (kv_alloc_usable(q) < n || !pattern_ok(q, KV_MIN(n, l->n), l->fill)) return false;
    l->p = q;
    l->n = n;
    pattern_put(q, n, l->fill);
    return true;
}

/* Seeded alloc/free/realloc churn, sizes 1..4000; verifies contents and accounting. */
static bool churn(struct kv_alloc *a, struct live *live, uint32_t *live_count,
                  uint64_t seed, uint32_t ops, uint32_t free_pct) {
    struct kv_prng r;
    kv_prng_init(&r, seed);
    for (uint32_t op = 0; op < ops; op++) {
        bool do_free = *live_count == LIVE_MAX ||
                       (*live_count > 0 && kv_prng_below(&r, 100) < free_pct);
        if (!do_free && *live_count > 0 && kv_prng_below(&r, 100) < 15) {
            if (!churn_realloc(a, &live[kv_prng_below(&r, *live_count)], &r)) return false;
            if (!accounting_ok(a) || a->used_blocks != *live_count) return false;
            continue;
        }
        uint64_t n = 1 + kv_prng_below(&r, 4000);
        uint8_t *p = do_free ? NULL : kv_alloc_alloc(a, n);
        if (!do_free && p == NULL && *live_count > 0) do_free = true;
        if (do_free) {
            uint32_t i = (uint32_t)kv_prng_below(&r, *live_count);
            if (!pattern_ok(live[i].p, live[i].n, live[i].fill)) return false;
            kv_alloc_free(a, live[i].p);
            live[i] = live[--*live_count];
        } else if (p != NULL) {
            if (kv_alloc_usable(p) < n || kv_alloc_usable(p) > n + 15) return false;
            live[*live_count] = (struct live){p, n, (uint8_t)op};
            pattern_put(p, n, (uint8_t)op);
            ++*live_count;
        }
        if (!accounting_ok(a) || a->used_blocks != *live_count) return false;
    }
    return true;
}

static bool free_all(struct kv_alloc *a, struct live *live, uint32_t *live_count,
                     uint64_t seed) {
    struct kv_prng r;
    kv_prng_init(&r, seed);
    while (*live_count > 0) {
        uint32_t i = (uint32_t)kv_prng_below(&r, *live_count);
        if (!pattern_ok(live[i].p, live[i].n, live[i].fill)) return false;
        kv_alloc_free(a, live[i].p);
        live[i] = live[--*live_count];
        if (!accounting_ok(a)) return false;
    }
    return true;
}

TEST(test_churn_then_refill) {
    uint8_t *m = region_new(REGION_BYTES);
    struct live *live = calloc(LIVE_MAX, sizeof(*live));
    void **ptrs = calloc(FILL_132_COUNT, sizeof(void *));
    uint32_t live_count = 0;
    struct kv_alloc a;
    kv_alloc_init(&a, m, REGION_BYTES);
    CHECK(churn(&a, live, &live_count, 42, 20000, 40));
    CHECK(live_count > 300 && kv_alloc_free_block_count(&a) > 10);
    CHECK(free_all(&a, live, &live_count, 43));
    CHECK(kv_alloc_free_block_count(&a) == 1 && a.free_bytes == a.size);
    CHECK(fill_fixed(&a, 132, ptrs, FILL_132_COUNT) == FILL_132_COUNT);
    CHECK(a.free_bytes == 0 && accounting_ok(&a));
    /* reset is the cheap path to the same state */
    kv_alloc_reset(&a);
    CHECK(accounting_ok(&a) && kv_alloc_free_block_count(&a) == 1 && a.used_blocks == 0);
    CHECK(fill_fixed(&a, 132, ptrs, FILL_132_COUNT) == FILL_132_COUNT);
    free(ptrs);
    free(live);
    free(m);
}

TEST(test_exhaustion) {
    uint8_t *m = region_new(REGION_BYTES);
    void **ptrs = calloc(FILL_100_COUNT, sizeof(void *));
    struct kv_alloc a;
    kv_alloc_init(&a, m, REGION_BYTES);
    CHECK(fill_fixed(&a, 100, ptrs, FILL_100_COUNT) == FILL_100_COUNT);
    struct kv_alloc before = a;
    CHECK(kv_alloc_alloc(&a, 29) == NULL && !kv_alloc_can_alloc(&a, 29)); /* 40 > 32 */
    CHECK(kv_alloc_alloc(&a, a.size + 1) == NULL && !kv_alloc_can_alloc(&a, a.size + 1));
    CHECK(kv_alloc_alloc(&a, UINT64_MAX / 4) == NULL);
    CHECK(kv_alloc_alloc(&a, 4000) == NULL);
    CHECK(memcmp(&a, &before, sizeof(a)) == 0 && accounting_ok(&a));
    CHECK(kv_alloc_can_alloc(&a, 28));
    uint8_t *last = kv_alloc_alloc(&a, 28);           /* exactly the 32 bytes left */
    CHECK(last != NULL && a.free_bytes == 0 && kv_alloc_free_block_count(&a) == 0);
    CHECK(kv_alloc_alloc(&a, 1) == NULL && !kv_alloc_can_alloc(&a, 1));
    CHECK(a.used_blocks == FILL_100_COUNT + 1 && accounting_ok(&a));
    free(ptrs);
    free(m);
}

/* Fully empty region: the largest request that fits its one block and one that does not. */
TEST(test_whole_region) {
    uint8_t *m = region_new(4096);
    struct kv_alloc a;
    kv_alloc_init(&a, m, 4096 + 7);  /* rounded down to 4096 */
    CHECK(a.size == 4080);
    /* 4080 rounds to class 3968 (step 128): the one 4080 block is in class 3968. */
    CHECK(kv_alloc_can_alloc(&a, 3968 - 4) && !kv_alloc_can_alloc(&a, 3968 - 3));
    uint8_t *p = kv_alloc_alloc(&a, 3968 - 4);
    CHECK(p != NULL && a.used_bytes == 3968 && a.free_bytes == 112);
    CHECK(kv_alloc_alloc(&a, 3968 - 3) == NULL && accounting_ok(&a));
    free(m);
}

TEST(test_can_alloc_agrees) {
    uint8_t *m = region_new(REGION_BYTES);
    struct live *live = calloc(LIVE_MAX, sizeof(*live));
    uint32_t live_count = 0;
    struct kv_alloc a;
    kv_alloc_init(&a, m, REGION_BYTES);
    CHECK(churn(&a, live, &live_count, 7, 10000, 30));
    CHECK(a.free_bytes < a.size / 10);   /* nearly full and fragmented */
    struct kv_prng r;
    kv_prng_init(&r, 8);
    uint32_t yes = 0, no = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        uint64_t pick = kv_prng_below(&r, 10);
        uint64_t n = pick < 7   ? 1 + kv_prng_below(&r, 4000)
                     : pick < 9 ? 1 + kv_prng_below(&r, a.free_bytes + 1)
                                : 1 + kv_prng_below(&r, a.size + 100);
        bool can = kv_alloc_can_alloc(&a, n);
        void *p = kv_alloc_alloc(&a, n);
        CHECK(can == (p != NULL));
        if (p != NULL) kv_alloc_free(&a, p);
        yes += can;
        no += !can;
    }
    printf("alloc: can_alloc probes: %u fit, %u did not\n", yes, no);
    CHECK(yes > 1000 && no > 1000 && accounting_ok(&a));
    CHECK(free_all(&a, live, &live_count, 9) && kv_alloc_free_block_count(&a) == 1);
    free(live);
    free(m);
}

TEST(test_realloc_in_place) {
    uint8_t *m = region_new(4096);
    struct kv_alloc a;
    kv_alloc_init(&a, m, 4096);
    uint8_t *p = kv_alloc_alloc(&a, 100), *b = kv_alloc_alloc(&a, 100);
    uint8_t *c = kv_alloc_alloc(&a, 100);
    pattern_put(p, 100, 1);
    kv_alloc_free(&a, b);                           /* 104 free right of p */
    CHECK(kv_alloc_realloc(&a, p, 150) == p);        /* 160: splits 48 off the 208 */
    CHECK(kv_alloc_usable(p) == 156 && pattern_ok(p, 100, 1));
    CHECK(a.used_bytes == 160 + 104 && kv_alloc_free_block_count(&a) == 2);
    CHECK(accounting_ok(&a));
    CHECK(kv_alloc_realloc(&a, p, 200) == p);        /* 208: takes the 48 whole */
    CHECK(a.used_bytes == 208 + 104 && kv_alloc_free_block_count(&a) == 1);
    CHECK(pattern_ok(p, 100, 1) && accounting_ok(&a));
    CHECK(kv_alloc_realloc(&a, p, 20) == p);         /* 24: 184 tail freed */
    CHECK(a.used_bytes == 24 + 104 && kv_alloc_free_block_count(&a) == 2);
    CHECK(pattern_ok(p, 20, 1) && accounting_ok(&a));
    CHECK(kv_alloc_realloc(&a, p, 12) == p);         /* 16: an 8-byte tail stays */
    CHECK(kv_alloc_usable(p) == 20 && a.used_bytes == 24 + 104 && accounting_ok(&a));
    uint8_t *d = kv_alloc_realloc(&a, c, 60);        /* 64: tail merges right */
    CHECK(d == c && kv_alloc_free_block_count(&a) == 2 && a.used_bytes == 24 + 64);
    CHECK(accounting_ok(&a));
    kv_alloc_free(&a, p);
    kv_alloc_free(&a, d);
    CHECK(kv_alloc_free_block_count(&a) == 1 && a.used_bytes == 0 && accounting_ok(&a));
    free(m);
}

TEST(test_realloc_move) {
    uint8_t *m = region_new(4096);
    struct kv_alloc a;
    kv_alloc_init(&a, m, 4096);
    uint8_t *p = kv_alloc_alloc(&a, 100), *b = kv_alloc_alloc(&a, 100);
    pattern_put(p, 100, 9);
    pattern_put(b, 100, 3);
    uint8_t *q = kv_alloc_realloc(&a, p, 1000);      /* b blocks the right side */
    CHECK(q != NULL && q != p && q == b + 104 && pattern_ok(q, 100, 9));
    CHECK(kv_alloc_usable(q) >= 1000 && pattern_ok(b, 100, 3));
    CHECK(a.used_blocks == 2 && a.used_bytes == 104 + 1008);
    CHECK(kv_alloc_free_block_count(&a) == 2 && accounting_ok(&a));
    uint8_t *r = kv_alloc_realloc(&a, NULL, 10);     /* NULL acts as alloc */
    CHECK(r == p && a.used_blocks == 3 && accounting_ok(&a));
    free(m);
}

TEST(test_realloc_fail) {
    uint8_t *m = region_new(REGION_BYTES);
    void **ptrs = calloc(FILL_132_COUNT, sizeof(void *));
    struct kv_alloc a;
    kv_alloc_init(&a, m, REGION_BYTES);
    uint8_t *p = kv_alloc_alloc(&a, 1000);
    pattern_put(p, 1000, 77);
    uint64_t count = fill_fixed(&a, 132, ptrs, FILL_132_COUNT);
    CHECK(count == (a.size - 1008) / 136);
    kv_alloc_free(&a, ptrs[1]);                      /* a hole away from p */
    struct kv_alloc before = a;
    CHECK(kv_alloc_realloc(&a, p, 3000) == NULL);
    CHECK(kv_alloc_realloc(&a, p, a.size + 1) == NULL);
    CHECK(memcmp(&a, &before, sizeof(a)) == 0 && pattern_ok(p, 1000, 77));
    CHECK(kv_alloc_usable(p) == 1004 && accounting_ok(&a));
    kv_alloc_free(&a, ptrs[0]);                      /* right of p: now in place */
    CHECK(kv_alloc_realloc(&a, p, 1000 + 136 + 136) == p && pattern_ok(p, 1000, 77));
    CHECK(a.free_bytes == before.free_bytes + 136 - 272 && accounting_ok(&a));
    free(ptrs);
    free(m);
}

/* ---- kv_alloc_join ---------------------------------------------------------- */

/* The test's mover: every block is movable unless wall_every divides its index in
 * ptrs; moving updates ptrs (the test's "references") and counts the moves. */
struct join_ctx {
    struct kv_alloc *a;
    void **ptrs;
    uint64_t count;
    uint64_t wall_every;   /* 0: no walls */
    uint64_t moves;
};

static int64_t join_index(const struct join_ctx *j, const void *p) {
    for (uint64_t i = 0; i < j->count; i++) {
        if (j->ptrs[i] == p) return (int64_t)i;
    }
    return -1;
}

static bool join_movable(void *ctx, const void *p) {
    const struct join_ctx *j = ctx;
    int64_t i = join_index(j, p);
    KV_ASSERT(i >= 0);  /* only live blocks are asked about */
    return j->wall_every == 0 || (uint64_t)i % j->wall_every != 0;
}

static void join_moving(void *ctx, const void *p, uint32_t new_ref) {
    struct join_ctx *j = ctx;
    int64_t i = join_index(j, p);
    KV_ASSERT(i >= 0 && join_movable(ctx, p));
    j->ptrs[i] = (void *)(uintptr_t)kv_alloc_addr(j->a, new_ref);
    j->moves++;
}

/* Fills with 132-byte requests (136-byte blocks), frees every other one: 3855 free
 * blocks of 136 bytes, none adjacent. Live blocks hold a pattern of their index. */
static uint64_t join_setup(struct kv_alloc *a, uint8_t *m, void **ptrs) {
    kv_alloc_init(a, m, REGION_BYTES);
    uint64_t n = fill_fixed(a, 132, ptrs, FILL_132_COUNT);
    uint64_t live = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i % 2 == 0) {
            kv_alloc_free(a, ptrs[i]);
            continue;
        }
        ptrs[live] = ptrs[i];
        pattern_put(ptrs[live], 132, (uint8_t)live);
        live++;
    }
    return live;
}

static bool join_patterns_ok(const struct join_ctx *j) {
    for (uint64_t i = 0; i < j->count; i++) {
        if (!pattern_ok(j->ptrs[i], 132, (uint8_t)i)) return false;
    }
    return true;
}

TEST(test_join) {
    uint8_t *m = region_new(REGION_BYTES);
    void **ptrs = calloc(FILL_132_COUNT, sizeof(void *));
    struct kv_alloc a;
    struct join_ctx j = {&a, ptrs, join_setup(&a, m, ptrs), 0, 0};
    struct kv_alloc_mover mv = {join_movable, join_moving, &j};
    CHECK(j.count == 3855 && a.free_bytes == 3855 * 136 && accounting_ok(&a));
    CHECK(!kv_alloc_can_alloc(&a, 1000));
    /* 1000 bytes fit in a 1008-byte block, found in classes from 1024 up: the first
     * stretch of 8 free blocks (1088 bytes) moves the 7 used blocks between them */
    CHECK(kv_alloc_fit_bytes(1000) == 1024);
    uint64_t moved = 0;
    CHECK(kv_alloc_join(&a, 1000, UINT64_MAX, &mv, &moved));
    CHECK(moved == 7 * 136 && j.moves == 7);
    CHECK(accounting_ok(&a) && a.free_bytes == 3855 * 136 && a.used_blocks == 3855);
    CHECK(kv_alloc_free_block_count(&a) == 3855 - 7 && join_patterns_ok(&j));
    CHECK(kv_alloc_can_alloc(&a, 1000) && kv_alloc_alloc(&a, 1000) != NULL);
    /* already fits: moves nothing */
    CHECK(kv_alloc_join(&a, 100, UINT64_MAX, &mv, &moved) && moved == 0 && j.moves == 7);
    free(ptrs);
    free(m);
}

TEST(test_join_bounds) {
    uint8_t *m = region_new(REGION_BYTES);
    void **ptrs = calloc(FILL_132_COUNT, sizeof(void *));
    struct kv_alloc a;
    struct join_ctx j = {&a, ptrs, join_setup(&a, m, ptrs), 0, 0};
    struct kv_alloc_mover mv = {join_movable, join_moving, &j};
    struct kv_alloc before = a;
    uint64_t moved = 1;
    /* the move bound one byte short of the cheapest stretch: nothing moves */
    CHECK(!kv_alloc_join(&a, 1000, 7 * 136 - 1, &mv, &moved) && moved == 0 && j.moves == 0);
    CHECK(memcmp(&a, &before, sizeof(a)) == 0 && accounting_ok(&a));
    /* every 4th live block a wall: a stretch holds at most 4 free blocks (544 bytes) */
    j.wall_every = 4;
    CHECK(!kv_alloc_join(&a, 1000, UINT64_MAX, &mv, &moved) && j.moves == 0);
    CHECK(memcmp(&a, &before, sizeof(a)) == 0);
    /* 500 bytes (fit 512) fit in 4 free blocks between walls: 3 blocks move */
    CHECK(kv_alloc_join(&a, 500, UINT64_MAX, &mv, &moved) && moved == 3 * 136);
    CHECK(j.moves == 3 && accounting_ok(&a) && join_patterns_ok(&j));
    /* more than is free: refused at once */
    CHECK(!kv_alloc_join(&a, a.free_bytes, UINT64_MAX, &mv, &moved) && j.moves == 3);
    CHECK(!kv_alloc_can_resize(&a, ptrs[0], 132 + 136 * 2));
    CHECK(kv_alloc_can_resize(&a, ptrs[0], 132) && kv_alloc_can_resize(&a, ptrs[0], 1));
    free(ptrs);
    free(m);
}

int main(void) {
    RUN(test_block_size);
    RUN(test_fill_refill_fixed);
    RUN(test_churn_then_refill);
    RUN(test_exhaustion);
    RUN(test_whole_region);
    RUN(test_can_alloc_agrees);
    RUN(test_realloc_in_place);
    RUN(test_realloc_move);
    RUN(test_realloc_fail);
    RUN(test_join);
    RUN(test_join_bounds);
    TEST_SUMMARY("alloc");
}

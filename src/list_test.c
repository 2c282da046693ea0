/*
 * list_test.c: unit tests for src/list.c (packed node lists in the data region).
 * Test code: uses the heap for regions and for the naive model (an array of byte
 * strings per list). Every random workload is seeded (kv_prng), so counts are exact
 * and a failure replays. After every operation: kv_list_check, full comparison with
 * the model (forward and backward iteration, random gets), and, for an operation
 * that failed for lack of memory, proof that nothing changed (model contents and the
 * allocator's used_bytes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/alloc.h"
#include "kv/list.h"
#include "kv/prng.h"
#include "testing.h"

/* ---- helpers ------------------------------------------------------------------- */

struct mstr {
    uint8_t *p;
    uint32_t len;
};

struct model {
    struct mstr *v;
    uint64_t n;
    uint64_t cap;
};

static uint8_t *region_new(uint64_t bytes) {
    uint8_t *m = aligned_alloc(64, bytes);
    if (m != NULL) memset(m, 0xee, bytes);
    return m;
}

static struct kv_slice sl(const char *s) {
    return (struct kv_slice){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static struct mstr mstr_of(struct kv_slice s) {
    struct mstr m = {malloc(s.len ? s.len : 1), s.len};
    if (s.len) memcpy(m.p, s.ptr, s.len);
    return m;
}

static void model_free(struct model *m) {
    for (uint64_t i = 0; i < m->n; i++) free(m->v[i].p);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

static void model_insert(struct model *m, uint64_t pos, struct kv_slice s) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = realloc(m->v, m->cap * sizeof(*m->v));
    }
    memmove(&m->v[pos + 1], &m->v[pos], (m->n - pos) * sizeof(*m->v));
    m->v[pos] = mstr_of(s);
    m->n++;
}

static void model_delete(struct model *m, uint64_t pos) {
    free(m->v[pos].p);
    memmove(&m->v[pos], &m->v[pos + 1], (m->n - pos - 1) * sizeof(*m->v));
    m->n--;
}

static bool mstr_eq(struct mstr a, struct kv_slice b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.ptr, a.len) == 0);
}

static void model_push(struct model *m, enum kv_list_end end, const struct kv_slice *e,
                       uint32_t n) {
    for (uint32_t i = 0; i < n; i++) model_insert(m, end == KV_LIST_HEAD ? 0 : m->n, e[i]);
}

/* The list equals the model: counts, bytes, both iteration orders, random gets. */
static bool same(const struct kv_alloc *a, const struct kv_list_head *h, const struct model *m,
                 struct kv_prng *r) {
    kv_list_check(a, h);
    if (h->count != m->n) return false;
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < m->n; i++) bytes += m->v[i].len;
    if (h->bytes != bytes) return false;
    struct kv_list_iter it;
    struct kv_slice s;
    kv_list_iter_init(&it, a, h, 0, true);
    for (uint64_t i = 0; i < m->n; i++) {
        if (!kv_list_iter_next(&it, &s) || !mstr_eq(m->v[i], s)) return false;
    }
    if (kv_list_iter_next(&it, &s)) return false;
    if (m->n == 0) return h->head == 0;
    kv_list_iter_init(&it, a, h, m->n - 1, false);
    for (uint64_t i = m->n; i-- > 0;) {
        if (!kv_list_iter_next(&it, &s) || !mstr_eq(m->v[i], s)) return false;
    }
    if (kv_list_iter_next(&it, &s)) return false;
    for (int k = 0; k < 4; k++) {
        uint64_t i = kv_prng_below(r, m->n);
        if (!mstr_eq(m->v[i], kv_list_get(a, h, i))) return false;
        bool fwd = kv_prng_chance(r, 1, 2);
        kv_list_iter_init(&it, a, h, i, fwd);
        uint64_t steps = fwd ? m->n - i : i + 1;
        for (uint64_t j = 0; j < steps && j < 50; j++) {
            uint64_t at = fwd ? i + j : i - j;
            if (!kv_list_iter_next(&it, &s) || !mstr_eq(m->v[at], s)) return false;
        }
    }
    return true;
}

/* Random element: mostly small, some medium, a few bigger than a node. Binary. */
static uint8_t elem_buf[20000];

static struct kv_slice rand_elem(struct kv_prng *r, const struct model *m) {
    static const char *pool[] = {"", "a", "b", "x\r\n", "long-ish-value-0123456789"};
    uint64_t c = kv_prng_below(r, 100);
    if (c < 25) {
        const char *p = pool[kv_prng_below(r, KV_ARRAY_LEN(pool))];
        return sl(p);
    }
    if (c < 35 && m->n > 0) {
        struct mstr e = m->v[kv_prng_below(r, m->n)];
        memcpy(elem_buf, e.p, e.len);
        return (struct kv_slice){elem_buf, e.len};
    }
    uint32_t len;
    if (c < 80) len = (uint32_t)kv_prng_below(r, 20);
    else if (c < 92) len = 20 + (uint32_t)kv_prng_below(r, 400);
    else if (c < 98) len = 400 + (uint32_t)kv_prng_below(r, 4000);
    else len = 8000 + (uint32_t)kv_prng_below(r, 12000);
    for (uint32_t i = 0; i < len; i++) elem_buf[i] = (uint8_t)kv_prng_next(r);
    return (struct kv_slice){elem_buf, len};
}

/* ---- fixed cases --------------------------------------------------------------- */

TEST(test_push_order_and_get) {
    uint8_t *mem = region_new(1 << 16);
    struct kv_alloc a;
    kv_alloc_init(&a, mem, 1 << 16);
    struct kv_list_head h;
    kv_list_init(&h);
    struct kv_slice abc[3] = {sl("a"), sl("b"), sl("c")};
    CHECK(kv_list_push(&a, &h, KV_LIST_HEAD, abc, 3));
    CHECK(kv_list_push(&a, &h, KV_LIST_TAIL, abc, 3));
    kv_list_check(&a, &h);
    CHECK(h.count == 6 && h.bytes == 6 && h.node_count == 1);
    const char *want = "cbaabc";
    for (uint64_t i = 0; i < 6; i++) {
        struct kv_slice s = kv_list_get(&a, &h, i);
        CHECK(s.len == 1 && s.ptr[0] == (uint8_t)want[i]);
    }
    CHECK(kv_list_find(&a, &h, sl("a")) == 2);
    CHECK(kv_list_find(&a, &h, sl("z")) == -1);
    CHECK(kv_list_find(&a, &h, sl("")) == -1);
    kv_list_release(&a, &h);
    CHECK(a.used_bytes == 0 && h.head == 0 && h.count == 0);
    free(mem);
}

TEST(test_varint_boundaries) {
    uint64_t region = 6u << 20;
    uint8_t *mem = region_new(region);
    struct kv_alloc a;
    kv_alloc_init(&a, mem, region);
    struct kv_list_head h;
    kv_list_init(&h);
    static const uint32_t lens[] = {0, 1, 127, 128, 129, 16383, 16384, 16385, 2097151,
                                    2097152, 126, 0};
    uint8_t *buf = malloc(2097152);
    for (uint32_t i = 0; i < 2097152; i++) buf[i] = (uint8_t)(i * 7 + (i >> 8));
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(lens); i++) {
        struct kv_slice s = {buf, lens[i]};
        CHECK(kv_list_push(&a, &h, KV_LIST_TAIL, &s, 1));
        bytes += lens[i];
    }
    kv_list_check(&a, &h);
    CHECK(h.bytes == bytes && h.count == KV_ARRAY_LEN(lens));
    struct kv_list_iter it;
    struct kv_slice s;
    kv_list_iter_init(&it, &a, &h, h.count - 1, false);
    for (uint32_t i = KV_ARRAY_LEN(lens); i-- > 0;) {
        CHECK(kv_list_iter_next(&it, &s));
        CHECK(s.len == lens[i] && (s.len == 0 || memcmp(s.ptr, buf, s.len) == 0));
    }
    CHECK(!kv_list_iter_next(&it, &s));
    kv_list_release(&a, &h);
    CHECK(a.used_bytes == 0);
    free(buf);
    free(mem);
}

/* 10-byte elements take 12 encoded bytes: (8192 - 16) / 12 = 681 per node. */
TEST(test_node_limit) {
    uint64_t region = 1u << 20;
    uint8_t *mem = region_new(region);
    struct kv_alloc a;
    kv_alloc_init(&a, mem, region);
    struct kv_slice *e = malloc(10000 * sizeof(*e));
    for (uint32_t i = 0; i < 10000; i++) e[i] = sl("0123456789");
    struct kv_list_head h1, h2;
    kv_list_init(&h1);
    kv_list_init(&h2);
    CHECK(kv_list_push(&a, &h1, KV_LIST_TAIL, e, 10000));
    for (uint32_t i = 0; i < 10000; i++) CHECK(kv_list_push(&a, &h2, KV_LIST_HEAD, &e[i], 1));
    kv_list_check(&a, &h1);
    kv_list_check(&a, &h2);
    CHECK(h1.node_count == 15 && h2.node_count == 15);
    CHECK(h1.count == 10000 && h1.bytes == 100000);
    /* A big element gets its own node; small ones do not join it. */
    struct kv_list_head h3;
    kv_list_init(&h3);
    uint8_t *big = calloc(1, 9000);
    struct kv_slice three[3] = {sl("s"), {big, 9000}, sl("t")};
    CHECK(kv_list_push(&a, &h3, KV_LIST_TAIL, three, 3));
    CHECK(h3.node_count == 3 && h3.count == 3 && h3.bytes == 9002);
    CHECK(kv_list_push(&a, &h3, KV_LIST_TAIL, three, 1));
    CHECK(h3.node_count == 3);
    kv_list_check(&a, &h3);
    kv_list_release(&a, &h1);
    kv_list_release(&a, &h2);
    kv_list_release(&a, &h3);
    CHECK(a.used_bytes == 0);
    kv_alloc_check(&a);
    CHECK(kv_alloc_free_block_count(&a) == 1);
    free(big);
    free(e);
    free(mem);
}

TEST(test_remove_merges_and_frees) {
    uint64_t region = 1u << 20;
    uint8_t *mem = region_new(region);
    struct kv_alloc a;
    kv_alloc_init(&a, mem, region);
    struct kv_list_head h;
    kv_list_init(&h);
    struct kv_slice e[2] = {sl("keep"), sl("drop-this-element")};
    for (uint32_t i = 0; i < 4000; i++) {
        CHECK(kv_list_push(&a, &h, KV_LIST_TAIL, &e[i % 8 == 0 ? 0 : 1], 1));
    }
    uint32_t nodes_before = h.node_count;
    uint64_t used_before = a.used_bytes;
    CHECK(nodes_before == 9);
    CHECK(kv_list_remove(&a, &h, e[1], 0) == 3500);
    kv_list_check(&a, &h);
    CHECK(h.count == 500 && h.bytes == 2000);
    CHECK(h.node_count == 1); /* 500 * 6 bytes merged into one node */
    CHECK(a.used_bytes < used_before / 10);
    CHECK(kv_list_remove(&a, &h, e[0], -499) == 499);
    CHECK(h.count == 1 && h.node_count == 1);
    CHECK(kv_list_remove(&a, &h, e[0], 5) == 1);
    CHECK(h.count == 0 && h.head == 0 && a.used_bytes == 0);
    free(mem);
}

TEST(test_move_rotations) {
    uint8_t *mem = region_new(1 << 16);
    struct kv_alloc a;
    kv_alloc_init(&a, mem, 1 << 16);
    struct kv_list_head h, d;
    kv_list_init(&h);
    kv_list_init(&d);
    struct kv_slice one = sl("only");
    CHECK(kv_list_push(&a, &h, KV_LIST_TAIL, &one, 1));
    CHECK(kv_list_move(&a, &h, KV_LIST_TAIL, &h, KV_LIST_HEAD));
    CHECK(kv_list_move(&a, &h, KV_LIST_HEAD, &h, KV_LIST_TAIL));
    CHECK(kv_list_move(&a, &h, KV_LIST_HEAD, &h, KV_LIST_HEAD));
    kv_list_check(&a, &h);
    CHECK(h.count == 1 && h.bytes == 4);
    struct kv_slice s = kv_list_get(&a, &h, 0);
    CHECK_MEM(s.ptr, s.len, "only", 4);
    struct kv_slice more[3] = {sl("b"), sl("c"), sl("d")};
    CHECK(kv_list_push(&a, &h, KV_LIST_TAIL, more, 3)); /* only b c d */
    CHECK(kv_list_move(&a, &h, KV_LIST_TAIL, &h, KV_LIST_HEAD)); /* d only b c */
    CHECK(kv_list_move(&a, &h, KV_LIST_HEAD, &d, KV_LIST_TAIL)); /* only b c | d */
    CHECK(kv_list_move(&a, &h, KV_LIST_TAIL, &d, KV_LIST_HEAD)); /* only b | c d */
    kv_list_check(&a, &h);
    kv_list_check(&a, &d);
    s = kv_list_get(&a, &h, 1);
    CHECK_MEM(s.ptr, s.len, "b", 1);
    s = kv_list_get(&a, &d, 0);
    CHECK_MEM(s.ptr, s.len, "c", 1);
    s = kv_list_get(&a, &d, 1);
    CHECK_MEM(s.ptr, s.len, "d", 1);
    CHECK(h.count == 2 && d.count == 2 && h.bytes == 5 && d.bytes == 2);
    kv_list_release(&a, &h);
    kv_list_release(&a, &d);
    CHECK(a.used_bytes == 0);
    free(mem);
}

/* A 1 MiB region, its allocator, a prng, and a list (with its model) of n elements
 * "0123456789" pushed in one call: 12 bytes encoded each, 681 fill a node. */
struct tens {
    uint8_t *mem;
    struct kv_alloc a;
    struct kv_prng r;
    struct kv_list_head h;
    struct model m;
};

static bool tens_init(struct tens *t, uint64_t seed, uint32_t n) {
    t->mem = region_new(1u << 20);
    kv_alloc_init(&t->a, t->mem, 1u << 20);
    kv_prng_init(&t->r, seed);
    kv_list_init(&t->h);
    t->m = (struct model){0};
    struct kv_slice *e = malloc(n * sizeof(*e));
    for (uint32_t i = 0; i < n; i++) e[i] = sl("0123456789");
    bool ok = kv_list_push(&t->a, &t->h, KV_LIST_TAIL, e, n);
    if (ok) model_push(&t->m, KV_LIST_TAIL, e, n);
    free(e);
    return ok;
}

/* Releases the list; true when that returned every byte to the allocator. */
static bool tens_free(struct tens *t) {
    kv_list_release(&t->a, &t->h);
    bool empty = t->a.used_bytes == 0;
    model_free(&t->m);
    free(t->mem);
    return empty;
}

/* LSET/LINSERT inside full nodes split them; contents stay exact. */
TEST(test_splits) {
    struct tens t;
    CHECK(tens_init(&t, 7, 3000));
    struct kv_alloc *a = &t.a;
    struct kv_list_head *h = &t.h;
    struct model *m = &t.m;
    uint8_t *buf = malloc(12000);
    for (uint32_t i = 0; i < 12000; i++) buf[i] = (uint8_t)(i * 31);
    static const uint32_t sizes[] = {100, 5000, 8100, 12000, 3, 7000};
    for (uint32_t k = 0; k < KV_ARRAY_LEN(sizes); k++) {
        struct kv_slice v = {buf, sizes[k]};
        uint64_t at = 100 + k * 400;
        CHECK(kv_list_set(a, h, at, v));
        free(m->v[at].p);
        m->v[at] = mstr_of(v);
        CHECK(same(a, h, m, &t.r));
        CHECK(kv_list_insert(a, h, at + 200, v));
        model_insert(m, at + 200, v);
        CHECK(same(a, h, m, &t.r));
        uint64_t edge = 681 * (k % 4 + 1); /* at node boundaries */
        CHECK(kv_list_insert(a, h, edge, v));
        model_insert(m, edge, v);
        CHECK(same(a, h, m, &t.r));
    }
    free(buf);
    CHECK(tens_free(&t));
}

/* A tiny region: pushes fail cleanly once it is full, and nothing changes. */
/*
 * The lead (O(1) head pushes and pops): pushing the same elements at the head of one
 * list and at the tail of another takes exactly the same memory after every push, and
 * popping them from the head and the tail frees it alike; the lists stay mirror
 * images. Element sizes cross the node limit and the varint boundaries.
 */
TEST(test_head_like_tail) {
    uint64_t region = 8u << 20;
    uint8_t *mem_h = region_new(region);
    uint8_t *mem_t = region_new(region);
    struct kv_alloc ah, at;
    kv_alloc_init(&ah, mem_h, region);
    kv_alloc_init(&at, mem_t, region);
    struct kv_list_head lh, lt;
    kv_list_init(&lh);
    kv_list_init(&lt);
    struct kv_prng r;
    kv_prng_init(&r, 11);
    static uint8_t buf[9100]; /* an offset below 64 plus up to 8999 bytes */
    for (uint32_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)(i * 13 + 5);
    uint32_t same = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        uint64_t c = kv_prng_below(&r, 1000);
        uint32_t len = c < 900 ? (uint32_t)kv_prng_below(&r, 8)
                       : c < 998 ? (uint32_t)kv_prng_below(&r, 300) : 8000 + (uint32_t)c;
        struct kv_slice e = {buf + kv_prng_below(&r, 64), len};
        CHECK(kv_list_push(&ah, &lh, KV_LIST_HEAD, &e, 1));
        CHECK(kv_list_push(&at, &lt, KV_LIST_TAIL, &e, 1));
        same += ah.used_bytes == at.used_bytes;
    }
    CHECK(same == 20000 && lh.node_count == lt.node_count && lh.count == 20000);
    kv_list_check(&ah, &lh);
    kv_list_check(&at, &lt);
    for (uint64_t i = 0; i < lh.count; i += 97) {
        struct kv_slice x = kv_list_get(&ah, &lh, i);
        struct kv_slice y = kv_list_get(&at, &lt, lt.count - 1 - i);
        CHECK(x.len == y.len && memcmp(x.ptr, y.ptr, x.len) == 0);
    }
    same = 0;
    uint32_t pops = 0;
    while (lh.count > 0) {
        uint64_t k = 1 + kv_prng_below(&r, 3);
        if (k > lh.count) k = lh.count;
        kv_list_pop(&ah, &lh, KV_LIST_HEAD, k);
        kv_list_pop(&at, &lt, KV_LIST_TAIL, k);
        same += ah.used_bytes == at.used_bytes && lh.count == lt.count;
        pops++;
        if (pops % 512 == 0) {
            kv_list_check(&ah, &lh);
            kv_list_check(&at, &lt);
        }
    }
    CHECK(same == pops && ah.used_bytes == 0 && at.used_bytes == 0);
    free(mem_h);
    free(mem_t);
}

/*
 * LSET of a full node's last element with a value too big for it puts the value at
 * the front of the next node (put_beside, through that node's lead, as a head push
 * would); an LPUSH then fills the first node again. 60 rounds: the list matches the
 * model after each step and keeps its two nodes.
 */
TEST(test_set_last_moves_to_next_front) {
    struct tens t;
    CHECK(tens_init(&t, 5, 781));
    CHECK(t.h.node_count == 2); /* 681 elements fill the first node: 16 + 681 * 12 */
    struct kv_slice ten = sl("0123456789");
    static uint8_t big[100];
    memset(big, 'b', sizeof(big));
    struct kv_slice v = {big, sizeof(big)}; /* 102 bytes encoded: never fits in place */
    uint32_t ok = 0;
    for (uint32_t k = 0; k < 60; k++) {
        CHECK(kv_list_set(&t.a, &t.h, 680, v));
        free(t.m.v[680].p);
        t.m.v[680] = mstr_of(v);
        ok += same(&t.a, &t.h, &t.m, &t.r) && t.h.node_count == 2;
        CHECK(kv_list_push(&t.a, &t.h, KV_LIST_HEAD, &ten, 1));
        model_push(&t.m, KV_LIST_HEAD, &ten, 1);
        ok += same(&t.a, &t.h, &t.m, &t.r) && t.h.node_count == 2;
    }
    CHECK(ok == 120 && t.h.count == 841);
    CHECK(tens_free(&t));
}

TEST(test_tiny_region_exhaustion) {
    uint8_t *mem = region_new(4096);
    struct kv_alloc a;
    kv_alloc_init(&a, mem, 4096);
    struct kv_prng r;
    kv_prng_init(&r, 3);
    struct kv_list_head h;
    kv_list_init(&h);
    struct model m = {0};
    uint32_t fails = 0, ok = 0;
    for (uint32_t i = 0; i < 2000 && fails < 50; i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "element-%u", i);
        struct kv_slice v[3] = {sl(buf), sl("x"), sl("yy")};
        uint32_t n = 1 + (uint32_t)kv_prng_below(&r, 3);
        enum kv_list_end end = kv_prng_chance(&r, 1, 2) ? KV_LIST_HEAD : KV_LIST_TAIL;
        uint64_t used = a.used_bytes;
        if (kv_list_push(&a, &h, end, v, n)) {
            model_push(&m, end, v, n);
            ok++;
        } else {
            CHECK(a.used_bytes == used);
            fails++;
        }
        CHECK(same(&a, &h, &m, &r));
        kv_alloc_check(&a);
    }
    CHECK(fails == 50 && ok > 100);
    /* Big pushes that cannot fit fail too. */
    uint8_t *big = calloc(1, 5000);
    struct kv_slice bs = {big, 5000};
    uint64_t used = a.used_bytes;
    CHECK(!kv_list_push(&a, &h, KV_LIST_TAIL, &bs, 1));
    CHECK(!kv_list_insert(&a, &h, 1, bs));
    CHECK(!kv_list_set(&a, &h, 1, bs));
    CHECK(a.used_bytes == used && same(&a, &h, &m, &r));
    struct kv_list_head c;
    kv_list_init(&c);
    CHECK(!kv_list_copy(&a, &c, &h));
    CHECK(c.head == 0 && c.count == 0 && a.used_bytes == used);
    kv_list_release(&a, &h);
    CHECK(a.used_bytes == 0);
    model_free(&m);
    free(big);
    free(mem);
}

/* ---- seeded random operations against the model -------------------------------- */

struct fuzz {
    struct kv_alloc a;
    struct kv_prng r;
    struct kv_list_head h[2];
    struct model m[2];
    uint32_t oom[9];
    uint32_t done[9];
    uint64_t max_nodes[2];
    uint32_t push_max; /* elements per push */
    uint64_t limit;    /* above this many elements, pop more */
};

/* Each op returns OP_DONE, OP_OOM (failed for lack of memory) or OP_BAD (mismatch). */
enum { OP_BAD = -1, OP_OOM = 0, OP_DONE = 1 };

static int op_push(struct fuzz *f, uint32_t i, enum kv_list_end end) {
    static struct kv_slice e[64];
    static uint8_t store[64][20000];
    struct model *m = &f->m[i];
    uint32_t n = 1 + (uint32_t)kv_prng_below(&f->r, f->push_max);
    for (uint32_t k = 0; k < n; k++) {
        struct kv_slice s = rand_elem(&f->r, m);
        memcpy(store[k], s.ptr, s.len);
        e[k] = (struct kv_slice){store[k], s.len};
    }
    if (!kv_list_push(&f->a, &f->h[i], end, e, n)) return OP_OOM;
    model_push(m, end, e, n);
    return OP_DONE;
}

static int op_pop_trim(struct fuzz *f, uint32_t i, enum kv_list_end end, bool trim) {
    struct model *m = &f->m[i];
    struct kv_prng *r = &f->r;
    if (m->n == 0) return OP_DONE;
    if (trim) {
        uint64_t start = kv_prng_below(r, KV_MIN(m->n, 4) + 1);
        uint64_t n = m->n - start - kv_prng_below(r, KV_MIN(m->n - start, 4) + 1);
        kv_list_trim(&f->a, &f->h[i], start, n);
        for (uint64_t k = m->n; k > start + n; k--) model_delete(m, m->n - 1);
        for (uint64_t k = 0; k < start; k++) model_delete(m, 0);
        return OP_DONE;
    }
    uint64_t n = kv_prng_below(r, KV_MIN(m->n, f->push_max / 4) + 1);
    if (m->n > f->limit) n = kv_prng_below(r, m->n / 2 + 1);
    kv_list_pop(&f->a, &f->h[i], end, n);
    for (uint64_t k = 0; k < n; k++) model_delete(m, end == KV_LIST_HEAD ? 0 : m->n - 1);
    return OP_DONE;
}

static int op_set_insert(struct fuzz *f, uint32_t i, bool insert) {
    struct model *m = &f->m[i];
    if (!insert && m->n == 0) return OP_DONE;
    uint64_t at = kv_prng_below(&f->r, m->n + (insert ? 1 : 0));
    struct kv_slice v = rand_elem(&f->r, m);
    if (insert) {
        if (!kv_list_insert(&f->a, &f->h[i], at, v)) return OP_OOM;
        model_insert(m, at, v);
        return OP_DONE;
    }
    if (!kv_list_set(&f->a, &f->h[i], at, v)) return OP_OOM;
    free(m->v[at].p);
    m->v[at] = mstr_of(v);
    return OP_DONE;
}

static int op_remove(struct fuzz *f, uint32_t i) {
    struct model *m = &f->m[i];
    struct kv_slice v = rand_elem(&f->r, m);
    int64_t count = (int64_t)kv_prng_below(&f->r, 9) - 4;
    uint64_t want = count == 0 ? UINT64_MAX : (uint64_t)(count < 0 ? -count : count);
    uint64_t got = kv_list_remove(&f->a, &f->h[i], v, count), removed = 0;
    for (uint64_t k = 0; k < m->n && removed < want;) {
        uint64_t at = count >= 0 ? k : m->n - 1 - k;
        if (mstr_eq(m->v[at], v)) {
            model_delete(m, at);
            removed++;
            continue; /* the next candidate moved into this position */
        }
        k++;
    }
    return got == removed ? OP_DONE : OP_BAD;
}

static int op_move(struct fuzz *f, uint32_t i, enum kv_list_end from) {
    struct model *m = &f->m[i];
    if (m->n == 0) return OP_DONE;
    uint32_t j = (uint32_t)kv_prng_below(&f->r, 2);
    enum kv_list_end to = kv_prng_chance(&f->r, 1, 2) ? KV_LIST_HEAD : KV_LIST_TAIL;
    struct model *dm = &f->m[j];
    int res = OP_OOM;
    if (kv_list_move(&f->a, &f->h[i], from, &f->h[j], to)) {
        uint64_t at = from == KV_LIST_HEAD ? 0 : m->n - 1;
        struct mstr e = m->v[at];
        memmove(&m->v[at], &m->v[at + 1], (m->n - at - 1) * sizeof(*m->v));
        m->n--;
        model_insert(dm, to == KV_LIST_HEAD ? 0 : dm->n, (struct kv_slice){e.p, e.len});
        free(e.p);
        res = OP_DONE;
    }
    return same(&f->a, &f->h[j], dm, &f->r) ? res : OP_BAD;
}

static int op_copy_find(struct fuzz *f, uint32_t i, bool copy) {
    struct model *m = &f->m[i];
    if (copy) {
        struct kv_list_head c;
        kv_list_init(&c);
        if (!kv_list_copy(&f->a, &c, &f->h[i])) return c.head == 0 ? OP_OOM : OP_BAD;
        bool good = same(&f->a, &c, m, &f->r);
        kv_list_release(&f->a, &c);
        return good ? OP_DONE : OP_BAD;
    }
    struct kv_slice v = rand_elem(&f->r, m);
    int64_t want = -1;
    for (uint64_t k = 0; k < m->n && want < 0; k++) {
        if (mstr_eq(m->v[k], v)) want = (int64_t)k;
    }
    return kv_list_find(&f->a, &f->h[i], v) == want ? OP_DONE : OP_BAD;
}

/* One random operation on list i; returns false when the list disagrees. */
static bool fuzz_step(struct fuzz *f, uint32_t i, uint32_t op) {
    uint64_t used = f->a.used_bytes;
    enum kv_list_end end = kv_prng_chance(&f->r, 1, 2) ? KV_LIST_HEAD : KV_LIST_TAIL;
    int res = OP_BAD;
    switch (op) {
    case 0: res = op_push(f, i, end); break;
    case 1: res = op_pop_trim(f, i, end, false); break;
    case 2: res = op_set_insert(f, i, false); break;
    case 3: res = op_set_insert(f, i, true); break;
    case 4: res = op_remove(f, i); break;
    case 5: res = op_pop_trim(f, i, end, true); break;
    case 6: res = op_move(f, i, end); break;
    case 7: res = op_copy_find(f, i, true); break;
    case 8: res = op_copy_find(f, i, false); break;
    default: KV_UNREACHABLE();
    }
    f->done[op]++;
    if (res == OP_BAD) return false;
    if (res == OP_OOM) {
        f->oom[op]++;
        if (f->a.used_bytes != used) return false; /* a failed op changed nothing */
    }
    if (op == 7 && f->a.used_bytes != used) return false; /* copy + release */
    return same(&f->a, &f->h[i], &f->m[i], &f->r);
}

static bool fuzz_run(uint64_t seed, uint64_t region, uint32_t steps, struct fuzz *f) {
    uint8_t *mem = region_new(region);
    kv_alloc_init(&f->a, mem, region);
    kv_prng_init(&f->r, seed);
    for (int i = 0; i < 2; i++) kv_list_init(&f->h[i]);
    bool good = true;
    for (uint32_t s = 0; s < steps && good; s++) {
        uint32_t i = (uint32_t)kv_prng_below(&f->r, 2);
        uint32_t op = (uint32_t)kv_prng_below(&f->r, 9);
        /* Keep lists from growing without bound: pop more when large. */
        if (f->m[i].n > f->limit && kv_prng_chance(&f->r, 1, 4)) op = 1;
        good = fuzz_step(f, i, op);
        if (f->h[i].node_count > f->max_nodes[i]) f->max_nodes[i] = f->h[i].node_count;
        if (!good) fprintf(stderr, "fuzz seed %llu: step %u op %u list %u differs\n",
                           (unsigned long long)seed, s, op, i);
        if (s % 64 == 0) kv_alloc_check(&f->a);
    }
    for (int i = 0; i < 2; i++) {
        kv_list_release(&f->a, &f->h[i]);
        model_free(&f->m[i]);
    }
    kv_alloc_check(&f->a);
    if (f->a.used_bytes != 0 || kv_alloc_free_block_count(&f->a) != 1) good = false;
    free(mem);
    return good;
}

TEST(test_random_roomy) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct fuzz f;
        memset(&f, 0, sizeof(f));
        f.push_max = 64;
        f.limit = 6000;
        CHECK(fuzz_run(seed, 8u << 20, 3000, &f));
        CHECK(f.max_nodes[0] > 100 && f.max_nodes[1] > 100); /* long chains */
        for (int op = 0; op < 9; op++) CHECK(f.oom[op] == 0);
        CHECK(f.done[0] > 200 && f.done[4] > 200 && f.done[6] > 200);
    }
}

TEST(test_random_tight) {
    uint32_t oom[9] = {0};
    for (uint64_t seed = 100; seed < 106; seed++) {
        struct fuzz f;
        memset(&f, 0, sizeof(f));
        f.push_max = 8;
        f.limit = 1000;
        CHECK(fuzz_run(seed, 48u << 10, 3000, &f));
        CHECK(f.max_nodes[0] > 2 && f.max_nodes[1] > 2);
        for (int op = 0; op < 9; op++) oom[op] += f.oom[op];
    }
    /* The region runs out: push, set, insert, move and copy all hit OOM. */
    CHECK(oom[0] > 0 && oom[2] > 0 && oom[3] > 0 && oom[6] > 0 && oom[7] > 0);
}

int main(void) {
    RUN(test_push_order_and_get);
    RUN(test_varint_boundaries);
    RUN(test_node_limit);
    RUN(test_remove_merges_and_frees);
    RUN(test_move_rotations);
    RUN(test_splits);
    RUN(test_head_like_tail);
    RUN(test_set_last_moves_to_next_front);
    RUN(test_tiny_region_exhaustion);
    RUN(test_random_roomy);
    RUN(test_random_tight);
    TEST_SUMMARY("list");
}

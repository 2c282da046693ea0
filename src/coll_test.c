/*
 * coll_test.c: unit tests for src/coll.c (hashes and sets in the data region).
 * Test code: uses the heap for regions and for the naive model (an array of
 * field/value byte strings, searched linearly). Seeded (kv_prng): counts are exact
 * and failures replay. After every operation: kv_coll_check, kv_alloc_check, a full
 * comparison with the model (lookups, iteration, a whole scan), and for an
 * operation that failed for lack of memory, proof that nothing changed (contents,
 * encoding and the allocator's used bytes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/alloc.h"
#include "kv/coll.h"
#include "kv/prng.h"
#include "testing.h"

struct ent {
    char f[80];
    uint32_t flen;
    char v[80];
    uint32_t vlen;
};

struct model {
    struct ent e[4096];
    uint32_t n;
};

struct fix {
    uint8_t *mem;
    struct kv_alloc a;
    struct kv_coll_env env;
    struct kv_coll_head h;
    struct model m;
    bool pairs;
};

static struct kv_slice sl(const char *s, uint32_t n) {
    return (struct kv_slice){(const uint8_t *)s, n};
}

static void fix_init(struct fix *x, uint64_t bytes, enum kv_coll_kind kind, uint64_t packed,
                     uint64_t intset) {
    memset(x, 0, sizeof(*x));
    x->mem = aligned_alloc(64, bytes);
    memset(x->mem, 0xee, bytes);
    kv_alloc_init(&x->a, x->mem, bytes);
    x->env = (struct kv_coll_env){&x->a, 12345, packed, intset};
    kv_coll_init(&x->h, kind);
    x->pairs = kind == KV_COLL_HASH;
}

static void fix_free(struct fix *x) { free(x->mem); }

static int32_t model_find(const struct model *m, struct kv_slice f) {
    for (uint32_t i = 0; i < m->n; i++)
        if (m->e[i].flen == f.len && memcmp(m->e[i].f, f.ptr, f.len) == 0) return (int32_t)i;
    return -1;
}

static uint64_t model_add(struct model *m, const struct kv_slice *args, uint32_t n, bool pairs) {
    uint64_t added = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice f = args[pairs ? 2 * i : i], v = pairs ? args[2 * i + 1] : sl("", 0);
        int32_t at = model_find(m, f);
        if (at < 0) {
            at = (int32_t)m->n++;
            memcpy(m->e[at].f, f.ptr, f.len);
            m->e[at].flen = f.len;
            added++;
        }
        memcpy(m->e[at].v, v.ptr, v.len);
        m->e[at].vlen = v.len;
    }
    return added;
}

static uint64_t model_remove(struct model *m, const struct kv_slice *f, uint32_t n) {
    uint64_t removed = 0;
    for (uint32_t i = 0; i < n; i++) {
        int32_t at = model_find(m, f[i]);
        if (at < 0) continue;
        m->e[at] = m->e[--m->n];
        removed++;
    }
    return removed;
}

struct seen {
    const struct model *m;
    uint8_t hit[4096];
    bool ok;
};

static void scan_visit(void *ctx, struct kv_slice f, struct kv_slice v) {
    struct seen *s = ctx;
    int32_t at = model_find(s->m, f);
    if (at < 0) s->ok = false;
    else s->hit[at] = 1;
    (void)v;
}

/* The structure holds exactly the model's entries. */
static bool same(struct fix *x) {
    kv_coll_check(&x->env, &x->h);
    kv_alloc_check(&x->a);
    if (x->h.count != x->m.n) return false;
    for (uint32_t i = 0; i < x->m.n; i++) {
        struct kv_slice v;
        if (!kv_coll_get(&x->env, &x->h, sl(x->m.e[i].f, x->m.e[i].flen), &v)) return false;
        if (x->pairs && (v.len != x->m.e[i].vlen || memcmp(v.ptr, x->m.e[i].v, v.len) != 0))
            return false;
    }
    struct kv_coll_iter it;
    struct kv_slice f, v;
    uint64_t n = 0;
    kv_coll_iter_init(&it, &x->a, &x->h);
    while (kv_coll_next(&it, &f, &v)) {
        if (model_find(&x->m, f) < 0) return false;
        n++;
    }
    struct seen s = {.m = &x->m, .ok = true};
    uint64_t cursor = 0;
    for (uint32_t calls = 0; calls < 100000; calls++) {
        cursor = kv_coll_scan(&x->env, &x->h, cursor, 3, scan_visit, &s);
        if (cursor == 0) break;
    }
    for (uint32_t i = 0; i < x->m.n; i++) if (!s.hit[i]) return false;
    return n == x->m.n && s.ok && cursor == 0;
}

static void fill(struct fix *x, const char *fmt, uint32_t from, uint32_t to, uint32_t vlen) {
    char f[64], v[80];
    memset(v, 'v', sizeof(v));
    for (uint32_t i = from; i < to; i++) {
        int n = snprintf(f, sizeof(f), fmt, i);
        struct kv_slice a[2] = {sl(f, (uint32_t)n), sl(v, vlen)};
        uint64_t added;
        bool ok = kv_coll_add(&x->env, &x->h, a, 1, vlen > 8, &added);
        if (!ok || added != 1) return;
        model_add(&x->m, a, 1, x->pairs);
    }
}

TEST(hash_converts_one_past_entries) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_HASH, 4, 512);
    fill(&x, "f%u", 0, 4, 3);
    CHECK(x.h.enc == KV_COLL_PACKED && x.h.count == 4 && same(&x));
    CHECK(strcmp(kv_coll_encoding(&x.h), "listpack") == 0);
    fill(&x, "f%u", 4, 5, 3);
    CHECK(x.h.enc == KV_COLL_TABLE && x.h.count == 5 && same(&x));
    CHECK(strcmp(kv_coll_encoding(&x.h), "hashtable") == 0);
    struct kv_slice gone[5] = {sl("f0", 2), sl("f1", 2), sl("f2", 2), sl("f3", 2), sl("x", 1)};
    CHECK(kv_coll_remove(&x.env, &x.h, gone, 5) == 4);
    model_remove(&x.m, gone, 5);
    CHECK(x.h.enc == KV_COLL_TABLE && same(&x));  /* never back, as Redis */
    fix_free(&x);
}

TEST(hash_duplicates_in_one_add_stay_packed) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_HASH, 2, 512);
    struct kv_slice a[8] = {sl("a", 1), sl("1", 1), sl("a", 1), sl("2", 1),
                            sl("a", 1), sl("3", 1), sl("b", 1), sl("4", 1)};
    uint64_t added = 0;
    CHECK(kv_coll_add(&x.env, &x.h, a, 4, false, &added) && added == 2);
    model_add(&x.m, a, 4, true);
    CHECK(x.h.enc == KV_COLL_PACKED && same(&x));
    struct kv_slice c[6] = {sl("c", 1), sl("5", 1), sl("a", 1), sl("6", 1), sl("d", 1),
                            sl("7", 1)};
    CHECK(kv_coll_add(&x.env, &x.h, c, 3, false, &added) && added == 2);
    model_add(&x.m, c, 3, true);
    CHECK(x.h.enc == KV_COLL_TABLE && x.h.count == 4 && same(&x));
    fix_free(&x);
}

TEST(hash_long_value_converts) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_HASH, 128, 512);
    fill(&x, "f%u", 0, 3, 8);
    CHECK(x.h.enc == KV_COLL_PACKED && same(&x));
    fill(&x, "g%u", 0, 1, 9);  /* `big`: longer than the value limit the caller set */
    CHECK(x.h.enc == KV_COLL_TABLE && x.h.count == 4 && same(&x));
    fix_free(&x);
}

TEST(intset_widths_and_conversions) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_SET, 128, 4);
    struct kv_slice a[3] = {sl("5", 1), sl("-3", 2), sl("40000", 5)};
    uint64_t added = 0;
    CHECK(kv_coll_add(&x.env, &x.h, a, 2, false, &added) && added == 2);
    model_add(&x.m, a, 2, false);
    CHECK(x.h.enc == KV_COLL_INTSET && x.h.width == 2 && same(&x));
    CHECK(kv_coll_add(&x.env, &x.h, a + 2, 1, false, &added) && added == 1);
    model_add(&x.m, a + 2, 1, false);
    CHECK(x.h.width == 4 && same(&x));
    struct kv_slice b = sl("-9223372036854775808", 20);
    CHECK(kv_coll_add(&x.env, &x.h, &b, 1, false, &added) && added == 1);
    model_add(&x.m, &b, 1, false);
    CHECK(x.h.width == 8 && x.h.count == 4 && x.h.enc == KV_COLL_INTSET && same(&x));
    struct kv_coll_iter it;
    struct kv_slice f, v;
    kv_coll_iter_init(&it, &x.a, &x.h);
    CHECK(kv_coll_next(&it, &f, &v) && f.len == 20 && memcmp(f.ptr, b.ptr, 20) == 0);
    struct kv_slice five = sl("7", 1);  /* one past set-max-intset-entries */
    CHECK(kv_coll_add(&x.env, &x.h, &five, 1, false, &added) && added == 1);
    model_add(&x.m, &five, 1, false);
    CHECK(x.h.enc == KV_COLL_TABLE && same(&x));
    fix_free(&x);
}

TEST(intset_non_integer_converts) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_SET, 128, 512);
    struct kv_slice a[4] = {sl("1", 1), sl("01", 2), sl("2", 1), sl("+3", 2)};
    uint64_t added = 0;
    CHECK(kv_coll_add(&x.env, &x.h, a, 1, false, &added) && x.h.enc == KV_COLL_INTSET);
    model_add(&x.m, a, 1, false);
    CHECK(kv_coll_add(&x.env, &x.h, a + 1, 3, false, &added) && added == 3);
    model_add(&x.m, a + 1, 3, false);
    CHECK(x.h.enc == KV_COLL_TABLE && x.h.count == 4 && same(&x));
    fix_free(&x);
}

/* A table set's SADD of members it holds allocates nothing (no block made and freed),
 * even with no free byte left; one absent member among them takes the usual path. */
TEST(set_add_of_present_members_allocates_nothing) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_SET, 128, 512);
    struct kv_slice a[3] = {sl("m1", 2), sl("m2", 2), sl("m3", 2)};
    uint64_t added = 0;
    CHECK(kv_coll_add(&x.env, &x.h, a, 2, false, &added) && added == 2);
    model_add(&x.m, a, 2, false);
    CHECK(x.h.enc == KV_COLL_TABLE);
    /* fill the region: from here on any allocation fails */
    void *filler[(1 << 20) / 8];
    uint32_t fills = 0;
    while (fills < KV_ARRAY_LEN(filler) && (filler[fills] = kv_alloc_alloc(&x.a, 8)) != NULL)
        fills++;
    CHECK(fills > 0 && fills < KV_ARRAY_LEN(filler) && kv_alloc_alloc(&x.a, 8) == NULL);
    uint64_t used = x.a.used_bytes, blocks = x.a.used_blocks;
    CHECK(kv_coll_add(&x.env, &x.h, a, 2, false, &added) && added == 0);
    CHECK(x.a.used_bytes == used && x.a.used_blocks == blocks && same(&x));
    CHECK(!kv_coll_add(&x.env, &x.h, a + 1, 2, false, &added)); /* m3 needs a block */
    for (uint32_t i = 0; i < fills; i++) kv_alloc_free(&x.a, filler[i]);
    CHECK(kv_coll_add(&x.env, &x.h, a + 1, 2, false, &added) && added == 1);
    model_add(&x.m, a + 1, 2, false);
    CHECK(x.h.count == 3 && same(&x));
    fix_free(&x);
}

/* One random operation on x; returns 1 done, 0 out of memory (checked: no change). */
static int random_op(struct fix *x, struct kv_prng *r) {
    struct kv_slice args[32];
    char buf[32][40];
    uint32_t n = 1 + (uint32_t)kv_prng_below(r, 12), op = (uint32_t)kv_prng_below(r, 10);
    bool ints = !x->pairs && kv_prng_below(r, 3) > 0;
    for (uint32_t i = 0; i < 2 * n; i++) {
        uint32_t len = ints ? (uint32_t)snprintf(buf[i], 40, "%lld",
                                                 (long long)kv_prng_below(r, 600) - 300)
                            : (uint32_t)snprintf(buf[i], 40, "k%u",
                                                 (unsigned)kv_prng_below(r, 700));
        if (x->pairs && i % 2 == 1) len = (uint32_t)kv_prng_below(r, 30);
        if (x->pairs && i % 2 == 1) memset(buf[i], 'a' + (int)(i % 26), len);
        args[i] = sl(buf[i], len);
    }
    if (op < 3) {
        uint64_t got = kv_coll_remove(&x->env, &x->h, args, n);
        return got == model_remove(&x->m, args, n) ? 1 : -1;
    }
    struct kv_coll_head before = x->h;
    uint64_t used = x->a.used_bytes, added = 0, need, largest;
    bool big = x->pairs && kv_prng_below(r, 40) == 0;
    kv_coll_add_room(&x->env, &x->h, args, n, big, &need, &largest);
    if (!kv_coll_add(&x->env, &x->h, args, n, big, &added)) {
        bool unchanged = memcmp(&before, &x->h, sizeof(before)) == 0 && used == x->a.used_bytes;
        return unchanged ? 0 : -1;
    }
    if (x->a.used_bytes > used && x->a.used_bytes - used > need) {  /* the room bound */
        fprintf(stderr, "room %llu < growth %llu (enc %u -> %u, n %u)\n",
                (unsigned long long)need, (unsigned long long)(x->a.used_bytes - used),
                before.enc, x->h.enc, n);
        return -1;
    }
    return added == model_add(&x->m, args, n, x->pairs) ? 1 : -1;
}

static void random_run(enum kv_coll_kind kind, uint64_t region, uint64_t seed, uint32_t *oom,
                       uint32_t *done, bool *ok) {
    struct fix x;
    fix_init(&x, region, kind, 16, 32);
    struct kv_prng r;
    kv_prng_init(&r, seed);
    *ok = true;
    for (uint32_t step = 0; step < 3000 && *ok; step++) {
        int res = random_op(&x, &r);
        if (res < 0 || !same(&x)) *ok = false;
        if (res == 0) (*oom)++;
        else (*done)++;
        if (x.h.count == 0) kv_coll_release(&x.a, &x.h);
    }
    kv_coll_release(&x.a, &x.h);
    if (x.a.used_blocks != 0) *ok = false;
    fix_free(&x);
}

TEST(random_hash_against_model) {
    uint32_t oom = 0, done = 0;
    bool ok;
    random_run(KV_COLL_HASH, 1 << 20, 11, &oom, &done, &ok);
    CHECK(ok && done == 3000 && oom == 0);
    oom = done = 0;
    random_run(KV_COLL_HASH, 6 << 10, 12, &oom, &done, &ok);  /* small: OOM on the way */
    CHECK(ok && oom > 0 && done + oom == 3000);
}

TEST(random_set_against_model) {
    uint32_t oom = 0, done = 0;
    bool ok;
    random_run(KV_COLL_SET, 1 << 20, 21, &oom, &done, &ok);
    CHECK(ok && done == 3000 && oom == 0);
    oom = done = 0;
    random_run(KV_COLL_SET, 3 << 10, 22, &oom, &done, &ok);
    CHECK(ok && oom > 0 && done + oom == 3000);
}

static void *hog[8192];

/* Allocates blocks until at most free_left bytes are free; returns how many. */
static uint32_t hog_fill(struct kv_alloc *a, uint64_t free_left) {
    uint32_t n = 0;
    for (uint64_t size = 4096; size >= 8 && n < 8192; size /= 2) {
        while (n < 8192 && a->free_bytes >= free_left + size + 8) {
            void *p = kv_alloc_alloc(a, size);
            if (p == NULL) break;
            hog[n++] = p;
        }
    }
    return n;
}

/* Every amount of free memory below what a converting add needs: it fails whole. */
TEST(oom_at_every_step_changes_nothing) {
    for (uint32_t kind = KV_COLL_HASH; kind <= KV_COLL_SET; kind++) {
        struct fix x;
        fix_init(&x, 64 << 10, (enum kv_coll_kind)kind, 8, 8);
        fill(&x, kind == KV_COLL_SET ? "%u" : "f%u", 0, 8, 4);
        struct kv_slice a[8] = {sl("n1", 2), sl("v1", 2), sl("n2", 2), sl("v2", 2),
                                sl("f1", 2), sl("v3", 2), sl("n3", 2), sl("v4", 2)};
        uint32_t fails = 0;
        for (uint64_t free_left = 0; free_left < 4096; free_left += 8) {
            struct kv_coll_head before = x.h;
            uint64_t used = x.a.used_bytes;
            uint32_t hogs = hog_fill(&x.a, free_left);
            uint64_t added = 0;
            bool ok = kv_coll_add(&x.env, &x.h, a, kind == KV_COLL_SET ? 8 : 4, false, &added);
            while (hogs > 0) kv_alloc_free(&x.a, hog[--hogs]);
            if (ok) {
                model_add(&x.m, a, kind == KV_COLL_SET ? 8 : 4, x.pairs);
                CHECK(x.h.enc == KV_COLL_TABLE && same(&x));
                break;
            }
            fails++;
            CHECK(memcmp(&before, &x.h, sizeof(before)) == 0 && used == x.a.used_bytes);
            CHECK(same(&x));
        }
        CHECK(fails > 10 && x.h.enc == KV_COLL_TABLE);
        fix_free(&x);
    }
}

/* A one-field add to a big table asks for its entry block, not the table's size. */
TEST(room_of_a_small_add_is_small) {
    struct fix x;
    fix_init(&x, 8 << 20, KV_COLL_HASH, 16, 512);
    char f[16];
    for (uint32_t i = 0; i < 20000; i++) {
        struct kv_slice p[2] = {sl(f, (uint32_t)snprintf(f, sizeof(f), "f%u", i)), sl("v", 1)};
        uint64_t added;
        CHECK(kv_coll_add(&x.env, &x.h, p, 1, false, &added) && added == 1);
    }
    CHECK(x.h.enc == KV_COLL_TABLE && x.h.count == 20000);
    struct kv_slice a[2] = {sl("new", 3), sl("value", 5)};
    uint64_t need, largest;
    kv_coll_add_room(&x.env, &x.h, a, 1, false, &need, &largest);
    CHECK(need <= 64 && largest <= 64);
    fix_free(&x);
}

/* A table set holding the given members (a non-integer added and removed first). */
static void table_of(struct fix *x, const char *const *m, uint32_t n) {
    struct kv_slice a[64];
    KV_ASSERT(n < 64);
    a[0] = sl("x", 1);
    for (uint32_t i = 0; i < n; i++) a[i + 1] = sl(m[i], (uint32_t)strlen(m[i]));
    uint64_t added = 0;
    bool ok = kv_coll_add(&x->env, &x->h, a, n + 1, false, &added);
    KV_ASSERT(ok && added == n + 1 && x->h.enc == KV_COLL_TABLE);
    KV_ASSERT(kv_coll_remove(&x->env, &x->h, a, 1) == 1);
    model_add(&x->m, a + 1, n, false);
}

/* The members in iteration order, joined by spaces. */
static const char *joined(struct fix *x) {
    static char out[2048];
    uint32_t len = 0;
    struct kv_coll_iter it;
    struct kv_slice f, v;
    kv_coll_iter_init(&it, &x->a, &x->h);
    while (kv_coll_next(&it, &f, &v) && len + f.len + 2 < sizeof(out)) {
        if (len > 0) out[len++] = ' ';
        memcpy(out + len, f.ptr, f.len);
        len += f.len;
    }
    out[len] = 0;
    return out;
}

/* SPOP's rebuild: a table of integers becomes an intset, ascending, of the narrowest
 * width (2, 4, 8 bytes, as the members' extremes need); the text is unchanged. */
TEST(rebuild_table_of_integers_widths_and_order) {
    static const char *const cases[][6] = {
        {"7", "-3", "32767", "-32768", "0", "-32768 -3 0 7 32767"},
        {"7", "32768", "-3", "1", "2", "-3 1 2 7 32768"},
        {"-32769", "5", "4", "3", "2", "-32769 2 3 4 5"},
        {"2147483647", "-2147483648", "9", "8", "1", "-2147483648 1 8 9 2147483647"},
        {"2147483648", "1", "3", "2", "4", "1 2 3 4 2147483648"},
        {"-9223372036854775808", "9223372036854775807", "0", "-1", "1",
         "-9223372036854775808 -1 0 1 9223372036854775807"},
    };
    static const uint8_t widths[] = {2, 4, 4, 4, 8, 8};
    for (uint32_t k = 0; k < KV_ARRAY_LEN(cases); k++) {
        struct fix x;
        fix_init(&x, 1 << 20, KV_COLL_SET, 128, 512);
        table_of(&x, cases[k], 5);
        uint64_t bytes = x.h.bytes;
        CHECK(x.h.enc == KV_COLL_TABLE && same(&x));
        CHECK(kv_coll_rebuild_set(&x.env, &x.h));
        CHECK(x.h.enc == KV_COLL_INTSET && x.h.width == widths[k] && x.h.count == 5);
        CHECK(x.h.bytes == bytes && kv_coll_blocks(&x.h) == 1 && same(&x));
        CHECK(strcmp(joined(&x), cases[k][5]) == 0);
        const void *b = kv_alloc_ptr(&x.a, x.h.root);  /* sized for the width, +8 slack */
        CHECK(kv_alloc_block_bytes(b) <= kv_alloc_block_size(5u * widths[k]) + 8);
        CHECK(strcmp(kv_coll_encoding(&x.h), "intset") == 0);
        fix_free(&x);
    }
}

/* What stays a table: a non-integer member; more than set-max-intset-entries (one
 * more than the limit stays, exactly the limit converts); a non-canonical "01". */
TEST(rebuild_keeps_what_an_intset_cannot_hold) {
    static const char *const mixed[] = {"1", "2", "a", "3"};
    static const char *const plain[] = {"1", "2", "3", "4", "5"};
    static const char *const lead[] = {"1", "01"};
    const char *const *sets[] = {mixed, plain, lead, plain};
    const uint32_t n[] = {4, 5, 2, 4}, limit[] = {512, 4, 512, 4};
    const bool converts[] = {false, false, false, true};
    for (uint32_t k = 0; k < 4; k++) {
        struct fix x;
        fix_init(&x, 1 << 20, KV_COLL_SET, 128, limit[k]);
        table_of(&x, sets[k], n[k]);
        struct kv_coll_head before = x.h;
        uint64_t used = x.a.used_bytes;
        CHECK(kv_coll_rebuild_set(&x.env, &x.h));
        if (converts[k]) {
            CHECK(x.h.enc == KV_COLL_INTSET && strcmp(joined(&x), "1 2 3 4") == 0);
        } else {
            CHECK(memcmp(&before, &x.h, sizeof(before)) == 0 && used == x.a.used_bytes);
        }
        CHECK(same(&x));
        fix_free(&x);
    }
}

/* An intset's rest narrows (an 8-byte member gone), as a set built anew would be. */
TEST(rebuild_narrows_an_intset) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_SET, 128, 512);
    struct kv_slice a[3] = {sl("5", 1), sl("-70000", 6), sl("4294967296", 10)};
    uint64_t added = 0;
    CHECK(kv_coll_add(&x.env, &x.h, a, 3, false, &added) && added == 3);
    CHECK(kv_coll_remove(&x.env, &x.h, a + 2, 1) == 1);
    model_add(&x.m, a, 2, false);
    CHECK(x.h.enc == KV_COLL_INTSET && x.h.width == 8 && same(&x));
    CHECK(kv_coll_rebuild_set(&x.env, &x.h));
    CHECK(x.h.width == 4 && same(&x) && strcmp(joined(&x), "-70000 5") == 0);
    CHECK(kv_coll_remove(&x.env, &x.h, a + 1, 1) == 1);
    model_remove(&x.m, a + 1, 1);
    CHECK(kv_coll_rebuild_set(&x.env, &x.h));
    CHECK(x.h.width == 2 && same(&x) && strcmp(joined(&x), "5") == 0);
    CHECK(kv_coll_rebuild_set(&x.env, &x.h) && x.h.width == 2 && same(&x));  /* again */
    fix_free(&x);
}

/* Order at scale: 400 distinct random integers of every width, heapsorted. */
TEST(rebuild_sorts_many) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_SET, 128, 400);
    struct kv_prng p;
    kv_prng_init(&p, 77);
    char text[24];
    struct kv_slice one = sl("x", 1);
    uint64_t added = 0;
    CHECK(kv_coll_add(&x.env, &x.h, &one, 1, false, &added));
    while (x.m.n < 400) {
        uint64_t r = kv_prng_next(&p);
        int64_t v = (int64_t)(r >> (r % 4 == 0 ? 0 : r % 4 == 1 ? 33 : r % 4 == 2 ? 49 : 60));
        if ((r & 1) && v != INT64_MIN) v = -v;
        struct kv_slice m = sl(text, (uint32_t)snprintf(text, sizeof(text), "%lld",
                                                        (long long)v));
        CHECK(kv_coll_add(&x.env, &x.h, &m, 1, false, &added));
        if (added == 1) model_add(&x.m, &m, 1, false);
    }
    CHECK(kv_coll_remove(&x.env, &x.h, &one, 1) == 1);
    CHECK(x.h.enc == KV_COLL_TABLE && x.h.count == 400 && same(&x));
    CHECK(kv_coll_rebuild_set(&x.env, &x.h));
    CHECK(x.h.enc == KV_COLL_INTSET && x.h.width == 8 && same(&x));  /* same() checks order */
    fix_free(&x);
}

/* Out of memory: at every amount of free memory below the intset block's size the
 * rebuild fails and changes nothing (the table stays whole); then it converts. */
TEST(rebuild_oom_changes_nothing) {
    struct fix x;
    fix_init(&x, 64 << 10, KV_COLL_SET, 128, 512);
    static const char *const m[] = {"100000", "3", "-2", "70000", "9", "8", "7", "6"};
    table_of(&x, m, 8);
    uint32_t fails = 0;
    for (uint64_t free_left = 0; free_left < 4096; free_left += 8) {
        struct kv_coll_head before = x.h;
        uint64_t used = x.a.used_bytes;
        uint32_t hogs = hog_fill(&x.a, free_left);
        bool ok = kv_coll_rebuild_set(&x.env, &x.h);
        while (hogs > 0) kv_alloc_free(&x.a, hog[--hogs]);
        if (ok) {
            CHECK(x.h.enc == KV_COLL_INTSET && x.h.width == 4 && same(&x));
            CHECK(strcmp(joined(&x), "-2 3 6 7 8 9 70000 100000") == 0);
            break;
        }
        fails++;
        CHECK(memcmp(&before, &x.h, sizeof(before)) == 0 && used == x.a.used_bytes);
        CHECK(x.h.enc == KV_COLL_TABLE && same(&x));
    }
    CHECK(fails >= 1 && x.h.enc == KV_COLL_INTSET);
    fix_free(&x);
}

TEST(copy_and_memory) {
    struct fix x;
    fix_init(&x, 1 << 20, KV_COLL_HASH, 4, 512);
    fill(&x, "f%u", 0, 50, 5);
    struct kv_coll_head c;
    kv_coll_init(&c, KV_COLL_HASH);
    uint64_t used = x.a.used_bytes;
    CHECK(kv_coll_copy(&x.env, &c, &x.h));
    CHECK(x.a.used_bytes - used == kv_coll_memory(&x.a, &c));
    CHECK(kv_coll_memory(&x.a, &c) == kv_coll_memory(&x.a, &x.h));
    CHECK(kv_coll_blocks(&c) == 51 && c.count == 50);
    kv_coll_release(&x.a, &c);
    CHECK(x.a.used_bytes == used);
    kv_coll_release(&x.a, &x.h);
    CHECK(x.a.used_bytes == 0);
    fix_free(&x);
}

int main(void) {
    RUN(hash_converts_one_past_entries);
    RUN(hash_duplicates_in_one_add_stay_packed);
    RUN(hash_long_value_converts);
    RUN(intset_widths_and_conversions);
    RUN(intset_non_integer_converts);
    RUN(set_add_of_present_members_allocates_nothing);
    RUN(random_hash_against_model);
    RUN(random_set_against_model);
    RUN(oom_at_every_step_changes_nothing);
    RUN(room_of_a_small_add_is_small);
    RUN(copy_and_memory);
    RUN(rebuild_table_of_integers_widths_and_order);
    RUN(rebuild_keeps_what_an_intset_cannot_hold);
    RUN(rebuild_narrows_an_intset);
    RUN(rebuild_sorts_many);
    RUN(rebuild_oom_changes_nothing);
    printf("coll: %u passed, %u failed\n", kv_test_passed_, kv_test_failed_);
    return kv_test_failed_ == 0 ? 0 : 1;
}

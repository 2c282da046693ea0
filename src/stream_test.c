/*
 * stream_test.c: unit tests for src/stream.c (streams in the data region): node
 * splits at both limits with the node counts redis-server 7.0.15 reports (XINFO
 * STREAM radix-tree-keys for the same entries and limits), seeks through the index,
 * trimming exact and by whole nodes, deletion, copies, and out-of-memory appends
 * that change nothing. Test code: uses the heap for regions. kv_stream_check and
 * kv_alloc_check run after every operation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/alloc.h"
#include "kv/stream.h"
#include "testing.h"

struct fix {
    uint8_t *mem;
    struct kv_alloc a;
    struct kv_stream_env env;
    struct kv_stream_head h;
};

static void fix_init(struct fix *x, uint64_t bytes, uint64_t node_bytes, uint64_t node_entries) {
    memset(x, 0, sizeof(*x));
    x->mem = aligned_alloc(64, bytes);
    kv_alloc_init(&x->a, x->mem, bytes);
    x->env = (struct kv_stream_env){&x->a, node_bytes, node_entries};
    kv_stream_init(&x->h);
}

static void fix_free(struct fix *x) {
    kv_stream_release(&x->a, &x->h);
    CHECK(x->a.used_bytes == 0);
    free(x->mem);
}

static void verify(struct fix *x) {
    kv_stream_check(&x->env, &x->h);
    kv_alloc_check(&x->a);
}

static struct kv_stream_id id_of(uint64_t ms, uint64_t seq) {
    return (struct kv_stream_id){ms, seq};
}

/* Appends "f v" (or the pairs given) as ms-seq. */
static bool add(struct fix *x, uint64_t ms, uint64_t seq, const char *f, const char *v) {
    struct kv_slice args[2] = {{(const uint8_t *)f, (uint32_t)strlen(f)},
                               {(const uint8_t *)v, (uint32_t)strlen(v)}};
    bool ok = kv_stream_append(&x->env, &x->h, id_of(ms, seq), args, 1);
    verify(x);
    return ok;
}

/* The IDs from start to end (rev: descending) as seqs of ms 1, at most cap. */
static uint32_t range(struct fix *x, struct kv_stream_id s, struct kv_stream_id e, bool rev,
                      uint64_t *out, uint32_t cap) {
    struct kv_stream_iter it;
    struct kv_stream_entry en;
    uint32_t n = 0;
    kv_stream_iter_init(&it, &x->a, &x->h, s, e, rev);
    while (n < cap && kv_stream_iter_next(&it, &en)) out[n++] = en.id.seq;
    return n;
}

/* redis-server 7.0.15, stream-node-max-entries 0, -max-bytes 60: ten XADDs of "f v"
 * give radix-tree-keys 3 (listpack bytes 29, 40, 51, 62: the fifth would pass 60). */
TEST(node_splits_at_redis_listpack_bytes) {
    struct fix x;
    fix_init(&x, 1 << 20, 60, 0);
    for (uint64_t i = 1; i <= 10; i++) CHECK(add(&x, 1, i, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 3 && x.h.length == 10);
    CHECK(add(&x, 1, 11, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 3);
    CHECK(add(&x, 1, 12, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 3);
    CHECK(add(&x, 1, 13, "f", "v"));  /* the third node has four */
    CHECK(kv_stream_nodes(&x.h) == 4);
    fix_free(&x);
}

TEST(node_splits_at_entries_deleted_ones_counting) {
    struct fix x;
    fix_init(&x, 1 << 20, 4096, 3);
    for (uint64_t i = 1; i <= 7; i++) CHECK(add(&x, 1, i, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 3);
    CHECK(kv_stream_delete(&x.a, &x.h, id_of(1, 7)));  /* the third node's only entry */
    verify(&x);
    CHECK(kv_stream_nodes(&x.h) == 2 && x.h.length == 6);
    CHECK(kv_stream_delete(&x.a, &x.h, id_of(1, 5)));  /* flagged: the node keeps 3 */
    CHECK(!kv_stream_delete(&x.a, &x.h, id_of(1, 5)));
    CHECK(add(&x, 1, 8, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 3);  /* 1-8 opened a node: 4, 5 (deleted), 6 were 3 */
    CHECK(x.h.max_deleted.seq == 7 && x.h.entries_added == 8 && x.h.length == 6);
    fix_free(&x);
}

TEST(seek_and_iterate_both_ways) {
    struct fix x;
    fix_init(&x, 1 << 22, 0, 4);
    for (uint64_t i = 1; i <= 1000; i++) CHECK(add(&x, 1, 2 * i, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 250);
    uint64_t got[8];
    for (uint64_t s = 1; s <= 2001; s += 37) {  /* from every node position */
        uint32_t n = range(&x, id_of(1, s), id_of(1, UINT64_MAX), false, got, 2);
        uint64_t first = s % 2 == 0 ? s : s + 1;
        CHECK(first > 2000 ? n == 0 : (n >= 1 && got[0] == first));
        n = range(&x, id_of(0, 0), id_of(1, s), true, got, 2);
        uint64_t last = s % 2 == 0 ? s : s - 1;
        CHECK(last < 2 ? n == 0 : (n >= 1 && got[0] == (last > 2000 ? 2000 : last)));
    }
    CHECK(range(&x, id_of(1, 11), id_of(1, 17), false, got, 8) == 3);
    CHECK(got[0] == 12 && got[1] == 14 && got[2] == 16);
    CHECK(range(&x, id_of(1, 11), id_of(1, 17), true, got, 8) == 3 && got[0] == 16);
    CHECK(range(&x, id_of(0, 0), id_of(0, UINT64_MAX), false, got, 8) == 0);
    CHECK(range(&x, id_of(2, 0), id_of(9, 0), true, got, 8) == 0);
    fix_free(&x);
}

TEST(trim_exact_approx_and_limit) {
    struct fix x;
    fix_init(&x, 1 << 20, 0, 10);
    for (uint64_t i = 1; i <= 100; i++) CHECK(add(&x, 1, i, "f", "v"));
    struct kv_stream_id none = {0, 0};
    /* ~: whole nodes only, and LIMIT counts entries: 15 allows one node of 10 */
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MAXLEN, 0, none, true, 15) == 10);
    verify(&x);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MAXLEN, 85, none, true, 0) == 0);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MAXLEN, 80, none, true, 0) == 10);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MAXLEN, 75, none, false, 0) == 5);
    verify(&x);
    CHECK(x.h.length == 75 && kv_stream_nodes(&x.h) == 8);
    struct kv_stream_id first;
    CHECK(kv_stream_first_id(&x.a, &x.h, &first) && first.seq == 26);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MINID, 0, id_of(1, 45), true, 0) == 15);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MINID, 0, id_of(1, 45), false, 0) == 4);
    verify(&x);
    CHECK(kv_stream_first_id(&x.a, &x.h, &first) && first.seq == 45);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MAXLEN, 0, none, false, 0) == 56);
    verify(&x);
    CHECK(x.h.length == 0 && kv_stream_nodes(&x.h) == 0 && x.h.index == 0);
    CHECK(!kv_stream_first_id(&x.a, &x.h, &first) && x.h.last_id.seq == 100);
    fix_free(&x);
}

/* Redis keeps a node whose live entries an exact MINID trim flagged when its last
 * entry was already deleted; the node still counts toward ~ and the entry limit. */
TEST(minid_can_leave_a_node_without_live_entries) {
    struct fix x;
    fix_init(&x, 1 << 20, 0, 5);
    for (uint64_t i = 1; i <= 3; i++) CHECK(add(&x, 1, i, "f", "v"));
    CHECK(kv_stream_delete(&x.a, &x.h, id_of(1, 3)));
    struct kv_stream_id none = {0, 0};
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MINID, 0, id_of(1, 3), false, 0) == 2);
    verify(&x);
    CHECK(x.h.length == 0 && kv_stream_nodes(&x.h) == 1);
    CHECK(add(&x, 1, 4, "f", "v") && add(&x, 1, 5, "f", "v") && add(&x, 1, 6, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 2);
    CHECK(kv_stream_trim(&x.a, &x.h, KV_STREAM_TRIM_MAXLEN, 1, none, true, 0) == 2);
    verify(&x);
    CHECK(x.h.length == 1 && kv_stream_nodes(&x.h) == 1);
    fix_free(&x);
}

TEST(oom_changes_nothing_and_copy_is_deep) {
    struct fix x;
    fix_init(&x, 4096, 0, 2);
    uint64_t i = 1;
    char big[200];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    while (i < 1000 && add(&x, 1, i, "f", big)) i++;
    CHECK(i > 5 && i < 1000);
    uint64_t used = x.a.used_bytes, len = x.h.length;
    CHECK(!add(&x, 1, i, "f", big));
    CHECK(x.a.used_bytes == used && x.h.length == len && x.h.last_id.seq == i - 1);
    fix_free(&x);

    fix_init(&x, 1 << 20, 0, 3);
    for (uint64_t k = 1; k <= 10; k++) CHECK(add(&x, 2, k, "g", "w"));
    struct kv_stream_head c;
    kv_stream_init(&c);
    CHECK(kv_stream_copy(&x.env, &c, &x.h));
    kv_stream_check(&x.env, &c);
    CHECK(kv_stream_memory(&x.a, &c) > 0 && c.length == 10 && kv_stream_nodes(&c) == 4);
    CHECK(kv_stream_delete(&x.a, &c, id_of(2, 1)) && x.h.length == 10 && c.length == 9);
    verify(&x);
    kv_stream_release(&x.a, &c);
    fix_free(&x);
}

/* XSETID and XINFO read the edges: the first and last live entries, past deleted
 * ones and across nodes; none in an empty (or emptied) stream. */
TEST(first_and_last_live_ids) {
    struct fix x;
    fix_init(&x, 1 << 16, 0, 2);
    struct kv_stream_id id = {7, 7};
    CHECK(!kv_stream_first_id(&x.a, &x.h, &id) && !kv_stream_last_id(&x.a, &x.h, &id));
    CHECK(id.ms == 7 && id.seq == 7);
    for (uint64_t s = 1; s <= 5; s++) CHECK(add(&x, 1, s, "f", "v"));
    CHECK(kv_stream_nodes(&x.h) == 3);
    CHECK(kv_stream_last_id(&x.a, &x.h, &id) && id.ms == 1 && id.seq == 5);
    CHECK(kv_stream_delete(&x.a, &x.h, id_of(1, 5)) && kv_stream_delete(&x.a, &x.h, id_of(1, 4)));
    CHECK(kv_stream_delete(&x.a, &x.h, id_of(1, 1)));
    verify(&x);
    CHECK(kv_stream_last_id(&x.a, &x.h, &id) && id.ms == 1 && id.seq == 3);
    CHECK(kv_stream_first_id(&x.a, &x.h, &id) && id.ms == 1 && id.seq == 2);
    CHECK(kv_stream_delete(&x.a, &x.h, id_of(1, 2)) && kv_stream_delete(&x.a, &x.h, id_of(1, 3)));
    verify(&x);
    CHECK(!kv_stream_last_id(&x.a, &x.h, &id) && !kv_stream_first_id(&x.a, &x.h, &id));
    CHECK(x.h.length == 0 && x.h.max_deleted.seq == 5 && x.h.entries_added == 5);
    fix_free(&x);
}

static struct kv_slice sl(const char *s) {
    return (struct kv_slice){(const uint8_t *)s, (uint32_t)strlen(s)};
}

/* Groups and consumers keep Redis's radix-tree order (bytewise, a prefix first);
 * removal never allocates and frees the block with the last group; an insertion
 * that cannot allocate changes nothing. */
TEST(groups_order_removal_and_oom) {
    struct fix x;
    fix_init(&x, 4096, 0, 0);
    struct kv_stream_id z = {0, 0};
    const char *names[] = {"b", "ab", "a", "", "abc"};
    for (uint32_t i = 0; i < 5; i++)
        CHECK(kv_stream_group_create(&x.a, &x.h, sl(names[i]), z, -1));
    verify(&x);
    const char *want[] = {"", "a", "ab", "abc", "b"};
    struct kv_stream_group g;
    uint32_t n = 0;
    for (bool m = kv_stream_group_next(&x.a, &x.h, &g, true); m && n < 5;
         m = kv_stream_group_next(&x.a, &x.h, &g, false), n++)
        CHECK(g.name.len == strlen(want[n]) && memcmp(g.name.ptr, want[n], g.name.len) == 0);
    CHECK(n == 5 && kv_stream_groups(&x.a, &x.h) == 5);
    CHECK(kv_stream_group_find(&x.a, &x.h, sl("ab"), &g));
    CHECK(kv_stream_consumer_create(&x.a, &x.h, &g, sl("z"), 5) == 1);
    CHECK(kv_stream_consumer_create(&x.a, &x.h, &g, sl("y"), 6) == 1);
    CHECK(kv_stream_consumer_create(&x.a, &x.h, &g, sl("z"), 7) == 0 && g.consumers == 2);
    verify(&x);
    struct kv_stream_consumer c;
    CHECK(kv_stream_consumer_next(&x.a, &x.h, &g, &c, true) && c.seen_time == 6);
    char big[900];
    memset(big, 'q', sizeof(big));
    struct kv_slice huge = {(const uint8_t *)big, sizeof(big)};
    uint32_t made = 0;
    for (; made < 16 && kv_stream_group_create(&x.a, &x.h, huge, z, 0); made++)
        big[0] = (char)('r' + made);  /* until the region cannot take the grown block */
    CHECK(made >= 1 && made < 16);
    uint64_t used = x.a.used_bytes;
    uint32_t groups = kv_stream_groups(&x.a, &x.h);
    CHECK(!kv_stream_group_create(&x.a, &x.h, huge, z, 0));
    CHECK(kv_stream_group_find(&x.a, &x.h, sl("ab"), &g));
    CHECK(kv_stream_consumer_create(&x.a, &x.h, &g, huge, 1) == -1);
    CHECK(x.a.used_bytes == used && kv_stream_groups(&x.a, &x.h) == groups && g.consumers == 2);
    verify(&x);
    while (kv_stream_group_next(&x.a, &x.h, &g, true)) kv_stream_group_destroy(&x.a, &x.h, &g);
    CHECK(x.h.groups == 0 && kv_stream_groups(&x.a, &x.h) == 0);
    verify(&x);
    fix_free(&x);
}

int main(void) {
    RUN(node_splits_at_redis_listpack_bytes);
    RUN(node_splits_at_entries_deleted_ones_counting);
    RUN(seek_and_iterate_both_ways);
    RUN(trim_exact_approx_and_limit);
    RUN(minid_can_leave_a_node_without_live_entries);
    RUN(oom_changes_nothing_and_copy_is_deep);
    RUN(first_and_last_live_ids);
    RUN(groups_order_removal_and_oom);
    printf("stream: %u passed, %u failed\n", kv_test_passed_, kv_test_failed_);
    return kv_test_failed_ == 0 ? 0 : 1;
}

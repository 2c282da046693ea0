/*
 * block_test.c: the blocked clients' wait queues (src/block.c) on their own: FIFO
 * per key, ready keys in the order they became ready and each once, one session on
 * several keys served from the first ready one, timeouts strictly after the
 * deadline, CLIENT UNBLOCK's wake ring, removal (a disconnect) leaving nothing, and
 * random operations on colliding hashes checked by kv_block_check.
 */
#include "kv/block.h"
#include "kv/cmd.h"
#include "kv/prng.h"
#include "testing.h"

#define SESSIONS 16
#define PER 4

static const struct kv_block_want LIST = {1, false, NULL};

struct fx {
    struct kv_block b;
    struct kv_session s[SESSIONS];
    struct kv_session *sessions[SESSIONS];
    struct kv_session *wake[SESSIONS];
    struct kv_block_node *nodes;
    struct kv_block_slot *slots;
    uint64_t *ready;
};

static struct fx *fx_open(void) {
    struct fx *f = calloc(1, sizeof(*f));
    f->nodes = calloc(kv_block_nodes_cap(SESSIONS, PER), sizeof(*f->nodes));
    f->slots = calloc(kv_block_slots_cap(SESSIONS, PER), sizeof(*f->slots));
    f->ready = calloc(kv_block_nodes_cap(SESSIONS, PER), sizeof(*f->ready));
    kv_block_init(&f->b, f->sessions, SESSIONS, PER, f->nodes, f->slots, f->ready, f->wake);
    for (uint32_t i = 0; i < SESSIONS; i++) kv_session_init(&f->s[i], i + 1);
    kv_block_check(&f->b);
    return f;
}

static void fx_close(struct fx *f) {
    free(f->nodes);
    free(f->slots);
    free(f->ready);
    free(f);
}

/* Drains the rings as the server does, serving every KEY wake (the key always has
 * data): the sessions in the order they come, as ids; returns how many. */
static uint32_t drain(struct fx *f, uint64_t *ids, uint32_t cap) {
    uint32_t n = 0;
    struct kv_session *s;
    for (uint32_t i = 0; i < 100 && kv_block_pending(&f->b) && kv_block_next(&f->b, &s); i++) {
        KV_ASSERT(n < cap);
        ids[n++] = s->id * 10 + s->block_wake;
        kv_block_remove(&f->b, s);
        kv_block_check(&f->b);
    }
    KV_ASSERT(!kv_block_pending(&f->b)); /* a stale ready hash is dropped by next */
    return n;
}

TEST(test_sizes) {
    CHECK(kv_block_nodes_cap(16, 4) == 64);
    CHECK(kv_block_slots_cap(16, 4) == 128);
    CHECK(kv_block_slots_cap(1, 1) == 16);
}

TEST(test_fifo_per_key) {
    struct fx *f = fx_open();
    uint64_t k = 7;
    for (uint32_t i = 0; i < 3; i++) kv_block_add(&f->b, &f->s[i], &k, 1, 0, &LIST);
    CHECK(f->b.keys == 1 && f->b.sessions_len == 3 && f->b.nodes_used == 3);
    kv_block_touch(&f->b, 8, 1); /* nobody waits on 8 */
    CHECK(!kv_block_pending(&f->b));
    kv_block_touch(&f->b, k, 1);
    kv_block_touch(&f->b, k, 1); /* ready once */
    CHECK(f->b.ready_len == 1);
    uint64_t ids[8];
    CHECK(drain(f, ids, 8) == 3);
    CHECK(ids[0] == 11 && ids[1] == 21 && ids[2] == 31); /* oldest first, woken by KEY */
    CHECK(f->b.keys == 0 && f->b.sessions_len == 0 && f->b.nodes_used == 0);
    fx_close(f);
}

/* Keys are served in the order they became ready; a session on two keys is served
 * once, from the first of them that is ready. */
TEST(test_ready_order) {
    struct fx *f = fx_open();
    uint64_t a = 100, b = 200, ab[2] = {a, b}, ba[2] = {b, a};
    kv_block_add(&f->b, &f->s[0], &a, 1, 0, &LIST);
    kv_block_add(&f->b, &f->s[1], ab, 2, 0, &LIST);
    kv_block_add(&f->b, &f->s[2], ba, 2, 0, &LIST);
    kv_block_add(&f->b, &f->s[3], &b, 1, 0, &LIST);
    CHECK(f->b.keys == 2 && f->b.nodes_used == 6);
    kv_block_touch(&f->b, b, 1);
    kv_block_touch(&f->b, a, 1);
    uint64_t ids[8];
    CHECK(drain(f, ids, 8) == 4);
    /* b's queue: s2 (id 2), s3 (id 3), s4 (id 4); then a's: s1 (id 1) */
    CHECK(ids[0] == 21 && ids[1] == 31 && ids[2] == 41 && ids[3] == 11);
    fx_close(f);
}

/* The head that cannot be served stops its key; the others stay queued. */
TEST(test_not_served_stops_key) {
    struct fx *f = fx_open();
    uint64_t k = 5;
    kv_block_add(&f->b, &f->s[0], &k, 1, 0, &LIST);
    kv_block_add(&f->b, &f->s[1], &k, 1, 0, &LIST);
    kv_block_touch(&f->b, k, 1);
    struct kv_session *s;
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[0] && s->block_wake == KV_BLOCK_WAKE_KEY);
    kv_block_not_served(&f->b, s);
    CHECK(!kv_block_pending(&f->b) && s->block_wake == KV_BLOCK_WAKE_NONE);
    CHECK(f->b.sessions_len == 2 && f->b.slots[k & f->b.slots_mask].waiters == 2);
    kv_block_touch_session(&f->b, &f->s[1]); /* a retry readies its keys */
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[0]); /* still FIFO */
    kv_block_remove(&f->b, s);
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[1]);
    kv_block_remove(&f->b, s);
    CHECK(kv_block_pending(&f->b)); /* the emptied key's hash, until next drops it */
    CHECK(!kv_block_next(&f->b, &s) && !kv_block_pending(&f->b));
    kv_block_check(&f->b);
    fx_close(f);
}

/* Redis: a timeout fires when deadline < now, never at the deadline itself. */
TEST(test_timeouts_and_unblock) {
    struct fx *f = fx_open();
    uint64_t k = 9;
    kv_block_add(&f->b, &f->s[0], &k, 1, 1000, &LIST);
    kv_block_add(&f->b, &f->s[1], &k, 1, 0, &LIST);    /* forever */
    kv_block_add(&f->b, &f->s[2], &k, 1, 2000, &LIST);
    CHECK(kv_block_expire(&f->b, 999) == 0 && kv_block_expire(&f->b, 1000) == 0);
    CHECK(kv_block_expire(&f->b, 1001) == 1 && kv_block_expire(&f->b, 1001) == 0);
    kv_block_wake(&f->b, &f->s[1], KV_BLOCK_WAKE_ERROR); /* CLIENT UNBLOCK ERROR */
    kv_block_wake(&f->b, &f->s[1], KV_BLOCK_WAKE_TIMEOUT); /* once: ignored */
    CHECK(kv_block_find(&f->b, 3) == &f->s[2] && kv_block_find(&f->b, 4) == NULL);
    uint64_t ids[8];
    CHECK(drain(f, ids, 8) == 2);
    CHECK(ids[0] == 12 && ids[1] == 23); /* s1 TIMEOUT, then s2 ERROR */
    CHECK(f->b.sessions_len == 1 && kv_block_expire(&f->b, 1u << 30) == 1);
    CHECK(drain(f, ids, 8) == 1 && ids[0] == 32);
    fx_close(f);
}

/* A disconnect (remove) while queued, woken or ready leaves nothing behind. */
TEST(test_remove_anywhere) {
    struct fx *f = fx_open();
    uint64_t keys[PER] = {1, 2, 3, 3}; /* a duplicate key is kept once */
    kv_block_add(&f->b, &f->s[0], keys, PER, 5, &LIST);
    CHECK(f->s[0].block_count == 3);
    kv_block_add(&f->b, &f->s[1], keys, 2, 0, &LIST);
    kv_block_touch(&f->b, 2, 1);
    CHECK(kv_block_expire(&f->b, 10) == 1); /* s0 on the wake ring too */
    kv_block_remove(&f->b, &f->s[0]);
    CHECK(f->b.wake_len == 0 && !(f->s[0].flags & KV_SESSION_BLOCKED));
    kv_block_check(&f->b);
    uint64_t ids[8];
    CHECK(drain(f, ids, 8) == 1 && ids[0] == 21);
    CHECK(f->b.keys == 0 && f->b.nodes_used == 0 && f->b.free_head != KV_BLOCK_NONE);
    fx_close(f);
}

/* Random adds, touches, expiries and removals on a few colliding hashes. */
/* A key serves waiters of the type it was touched with, oldest first; the others keep
 * waiting (Redis 7.0: a BLPOP on a key that became a sorted set is skipped). */
TEST(test_typed_walk) {
    struct fx *f = fx_open();
    static const struct kv_block_want zset = {2, false, NULL};
    uint64_t k = 9;
    kv_block_add(&f->b, &f->s[0], &k, 1, 0, &zset);
    kv_block_add(&f->b, &f->s[1], &k, 1, 0, &LIST);
    kv_block_add(&f->b, &f->s[2], &k, 1, 0, &zset);
    kv_block_touch(&f->b, k, 1);
    uint64_t ids[8];
    CHECK(drain(f, ids, 8) == 1 && ids[0] == 21); /* the list waiter only */
    kv_block_touch(&f->b, k, 3); /* nobody waits for type 3 */
    CHECK(drain(f, ids, 8) == 0 && f->b.sessions_len == 2);
    kv_block_touch(&f->b, k, 1);
    kv_block_touch(&f->b, k, 2); /* its type at the last touch counts */
    CHECK(drain(f, ids, 8) == 2 && ids[0] == 11 && ids[1] == 31);
    kv_block_check(&f->b);
    fx_close(f);
}

/* `each` waiters (XREAD): one not served passes the key on; positions are kept per
 * key, the first of a repeated key's. */
TEST(test_each_walk_and_after) {
    struct fx *f = fx_open();
    struct kv_block_after pos[3] = {{5, 1, 5, 1}, {7, 0, 1, 0}, {6, 0, 6, 0}};
    uint64_t keys[3] = {4, 12, 4};
    struct kv_block_want st = {6, true, pos};
    for (uint32_t i = 0; i < 3; i++) kv_block_add(&f->b, &f->s[i], keys, 3, 0, &st);
    struct kv_block_after a;
    CHECK(kv_block_after_of(&f->b, &f->s[1], 4, &a) && a.ms == 5 && a.seq == 1);
    CHECK(kv_block_after_of(&f->b, &f->s[1], 12, &a) && a.ms == 7 && a.seen_ms == 1);
    CHECK(!kv_block_after_of(&f->b, &f->s[1], 99, &a));
    kv_block_touch(&f->b, 4, 6);
    struct kv_session *s;
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[0]);
    kv_block_not_served(&f->b, s); /* not for it: the next one is tried */
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[1]);
    kv_block_remove(&f->b, s); /* served */
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[2]);
    kv_block_not_served(&f->b, s);
    CHECK(!kv_block_next(&f->b, &s) && !kv_block_pending(&f->b));
    kv_block_check(&f->b);
    kv_block_touch(&f->b, 4, 6); /* a new walk starts at the head */
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[0]);
    kv_block_remove(&f->b, s);
    CHECK(kv_block_next(&f->b, &s) && s == &f->s[2]);
    kv_block_remove(&f->b, s);
    CHECK(!kv_block_next(&f->b, &s) && f->b.sessions_len == 0 && f->b.keys == 0);
    kv_block_check(&f->b);
    fx_close(f);
}

TEST(test_random) {
    struct fx *f = fx_open();
    struct kv_prng p;
    kv_prng_init(&p, 42);
    for (uint32_t step = 0; step < 20000; step++) {
        uint32_t i = (uint32_t)kv_prng_below(&p, SESSIONS);
        struct kv_session *s = &f->s[i];
        uint64_t op = kv_prng_below(&p, 4);
        if (op == 0 && !(s->flags & KV_SESSION_BLOCKED)) {
            uint64_t h[PER];
            uint32_t n = 1 + (uint32_t)kv_prng_below(&p, PER);
            for (uint32_t j = 0; j < n; j++) h[j] = kv_prng_below(&p, 6) << 7; /* collide */
            kv_block_add(&f->b, s, h, n, (int64_t)kv_prng_below(&p, 50), &LIST);
        } else if (op == 1) {
            kv_block_touch(&f->b, kv_prng_below(&p, 6) << 7, 1);
        } else if (op == 2) {
            kv_block_expire(&f->b, (int64_t)kv_prng_below(&p, 60));
        } else {
            kv_block_remove(&f->b, s);
        }
        kv_block_check(&f->b);
        if (kv_prng_below(&p, 8) == 0) {
            uint64_t ids[SESSIONS * 2];
            drain(f, ids, SESSIONS * 2);
        }
    }
    fx_close(f);
}

int main(void) {
    RUN(test_sizes);
    RUN(test_fifo_per_key);
    RUN(test_ready_order);
    RUN(test_not_served_stops_key);
    RUN(test_timeouts_and_unblock);
    RUN(test_remove_anywhere);
    RUN(test_typed_walk);
    RUN(test_each_walk_and_after);
    RUN(test_random);
    TEST_SUMMARY("block");
}

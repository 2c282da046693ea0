/*
 * watch_test.c: the WATCH index (src/watch.c) on its own: a touch costs exactly its
 * key's watchers, every watcher of a key is dirtied, removal leaves nothing behind,
 * and random operations on colliding hashes agree with a brute-force model.
 */
#include "kv/cmd.h"
#include "kv/prng.h"
#include "kv/watch.h"
#include "testing.h"

#define SESSIONS 64
#define PER 32

struct fx {
    struct kv_watch w;
    struct kv_session s[SESSIONS];
    struct kv_session *sessions[SESSIONS];
    struct kv_watch_node *nodes;
    struct kv_watch_slot *slots;
};

static struct fx *fx_open(uint32_t per) {
    struct fx *f = calloc(1, sizeof(*f));
    f->nodes = calloc(kv_watch_nodes_cap(SESSIONS, per), sizeof(*f->nodes));
    f->slots = calloc(kv_watch_slots_cap(SESSIONS, per), sizeof(*f->slots));
    kv_watch_init(&f->w, f->sessions, SESSIONS, per, f->nodes, f->slots);
    for (uint32_t i = 0; i < SESSIONS; i++) kv_session_init(&f->s[i], i + 1);
    kv_watch_check(&f->w);
    return f;
}

static void fx_close(struct fx *f) {
    free(f->nodes);
    free(f->slots);
    free(f);
}

static bool dirty(const struct kv_session *s) { return (s->flags & KV_SESSION_DIRTY_CAS) != 0; }

static uint32_t dirty_count(const struct fx *f) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < SESSIONS; i++) n += dirty(&f->s[i]);
    return n;
}

TEST(test_sizes) {
    CHECK(kv_watch_nodes_cap(1024, 32) == 32768);
    CHECK(kv_watch_slots_cap(1024, 32) == 65536);
    CHECK(kv_watch_nodes_cap(1, 1) == 1);
    CHECK(kv_watch_slots_cap(1, 1) == 16);
    CHECK(kv_watch_slots_cap(3, 3) == 32); /* 9 nodes: the power of two >= 18 */
    CHECK(kv_watch_slots_cap(16, 1) == 32);
}

/* 64 sessions watch 32 keys each (2,048 entries): a write to any other key visits
 * no watcher, dirties nobody; a write to one of them visits exactly its watcher. */
TEST(test_unwatched_write_visits_nothing) {
    struct fx *f = fx_open(PER);
    for (uint32_t i = 0; i < SESSIONS; i++) {
        for (uint32_t k = 0; k < PER; k++) kv_watch_add(&f->w, &f->s[i], i * 1000 + k, -1, true);
    }
    kv_watch_check(&f->w);
    CHECK(f->w.nodes_used == SESSIONS * PER && f->w.keys == SESSIONS * PER);
    CHECK(f->w.sessions_len == SESSIONS);
    for (uint64_t h = 900; h < 1000; h++) kv_watch_touch(&f->w, h); /* nobody's keys */
    kv_watch_touch(&f->w, 1ull << 40);
    CHECK(f->w.touch_visits == 0 && dirty_count(f) == 0);
    kv_watch_touch(&f->w, 5 * 1000 + 7);
    CHECK(f->w.touch_visits == 1 && dirty_count(f) == 1 && dirty(&f->s[5]));
    fx_close(f);
}

/* Every session watching the same key is dirtied by one write, and only those. */
TEST(test_many_watchers_one_key) {
    struct fx *f = fx_open(PER);
    for (uint32_t i = 0; i < SESSIONS; i++) {
        kv_watch_add(&f->w, &f->s[i], 10 + i, -1, false); /* a key of its own */
        if (i % 4 != 3) kv_watch_add(&f->w, &f->s[i], 7, -1, true);
    }
    kv_watch_check(&f->w);
    CHECK(f->w.keys == SESSIONS + 1);
    kv_watch_touch(&f->w, 7);
    CHECK(f->w.touch_visits == 48 && dirty_count(f) == 48);
    for (uint32_t i = 0; i < SESSIONS; i++) CHECK(dirty(&f->s[i]) == (i % 4 != 3));
    CHECK(kv_watch_has(&f->w, &f->s[0], 7) && !kv_watch_has(&f->w, &f->s[3], 7));
    fx_close(f);
}

/* Removing every session (in an order unlike insertion) empties the index. */
TEST(test_remove_leaves_empty) {
    struct fx *f = fx_open(PER);
    for (uint32_t i = 0; i < SESSIONS; i++) {
        for (uint32_t k = 0; k <= i % PER; k++) kv_watch_add(&f->w, &f->s[i], k * 7 + i % 3, 5, 1);
    }
    kv_watch_check(&f->w);
    for (uint32_t i = 0; i < SESSIONS; i++) {
        kv_watch_remove_session(&f->w, &f->s[(i * 37) % SESSIONS]);
        kv_watch_check(&f->w);
    }
    CHECK(f->w.nodes_used == 0 && f->w.keys == 0 && f->w.sessions_len == 0);
    for (uint32_t i = 0; i < SESSIONS; i++) CHECK(f->s[i].watch_count == 0);
    for (uint32_t i = 0; i <= f->w.slots_mask; i++) CHECK(f->slots[i].head == KV_WATCH_NONE);
    kv_watch_remove_session(&f->w, &f->s[0]); /* watching nothing: no effect */
    kv_watch_touch(&f->w, 7);
    CHECK(f->w.touch_visits == 0);
    fx_close(f);
}

/* FLUSHALL dirties sessions with a key live at WATCH; expiry only past a deadline. */
TEST(test_existed_and_expired) {
    struct fx *f = fx_open(4);
    kv_watch_add(&f->w, &f->s[0], 1, -1, false);
    kv_watch_add(&f->w, &f->s[1], 1, -1, false);
    kv_watch_add(&f->w, &f->s[1], 2, 100, true);
    kv_watch_add(&f->w, &f->s[2], 3, -1, true);
    CHECK(f->s[1].watch_existed == 1 && f->s[0].watch_existed == 0);
    kv_watch_check_expired(&f->w, &f->s[1], 100);
    CHECK(!dirty(&f->s[1]));
    kv_watch_check_expired(&f->w, &f->s[2], 1ll << 50);
    CHECK(!dirty(&f->s[2]));
    kv_watch_check_expired(&f->w, &f->s[1], 101);
    CHECK(dirty(&f->s[1]));
    f->s[1].flags = 0;
    kv_watch_touch_existed(&f->w);
    CHECK(!dirty(&f->s[0]) && dirty(&f->s[1]) && dirty(&f->s[2]) && dirty_count(f) == 2);
    fx_close(f);
}

/* Random adds, removals and touches over a few homes (hashes sharing low bits, so
 * runs collide, wrap past the table's end and shift back on removal), checked
 * against a brute-force list after every step. */
struct model {
    uint64_t hash[SESSIONS][4];
    uint32_t count[SESSIONS];
};

static void model_touch(struct fx *f, const struct model *m, uint64_t h, uint32_t *want) {
    *want = 0;
    for (uint32_t i = 0; i < SESSIONS; i++) {
        f->s[i].flags = 0;
        for (uint32_t k = 0; k < m->count[i]; k++) *want += m->hash[i][k] == h;
    }
}

static uint64_t random_hash(struct kv_prng *p, uint32_t slots) {
    uint64_t low = kv_prng_below(p, 3);
    uint64_t home = kv_prng_chance(p, 1, 2) ? slots - 1 - low : low;
    return home + (kv_prng_below(p, 12) << 32); /* 72 keys over 6 homes */
}

TEST(test_random_against_model) {
    struct fx *f = fx_open(4);
    struct model m = {0};
    struct kv_prng p;
    kv_prng_init(&p, 42);
    uint32_t slots = f->w.slots_mask + 1;
    for (uint32_t step = 0; step < 20000; step++) {
        uint32_t i = (uint32_t)kv_prng_below(&p, SESSIONS);
        uint64_t h = random_hash(&p, slots);
        uint32_t op = (uint32_t)kv_prng_below(&p, 10);
        if (op < 6) {
            bool has = false;
            for (uint32_t k = 0; k < m.count[i]; k++) has |= m.hash[i][k] == h;
            CHECK(kv_watch_has(&f->w, &f->s[i], h) == has);
            if (has || m.count[i] == 4) continue;
            kv_watch_add(&f->w, &f->s[i], h, -1, false);
            m.hash[i][m.count[i]++] = h;
        } else if (op < 8) {
            kv_watch_remove_session(&f->w, &f->s[i]);
            m.count[i] = 0;
        } else {
            uint32_t want;
            model_touch(f, &m, h, &want);
            uint64_t before = f->w.touch_visits;
            kv_watch_touch(&f->w, h);
            CHECK(f->w.touch_visits - before == want && dirty_count(f) == want);
        }
        kv_watch_check(&f->w);
    }
    fx_close(f);
}

int main(void) {
    RUN(test_sizes);
    RUN(test_unwatched_write_visits_nothing);
    RUN(test_many_watchers_one_key);
    RUN(test_remove_leaves_empty);
    RUN(test_existed_and_expired);
    RUN(test_random_against_model);
    TEST_SUMMARY("watch");
}

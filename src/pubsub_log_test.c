/* pubsub_log_test.c: the pub/sub backlog as pure logic: order per slot, shared
 * storage, patterns, reclaim from the tail, the wrap pad, the oldest holder, drop,
 * the encoded bytes, and a random run against a simple queue per slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/prng.h"
#include "kv/pubsub_log.h"
#include "kv/reply.h"
#include "testing.h"

#define SLOTS 8
static uint8_t ring[4096];
static struct kv_plog_lag lag[SLOTS];

static struct kv_slice sl(const char *s) { return (struct kv_slice){(const uint8_t *)s,
                                                                      (uint32_t)strlen(s)}; }

static void fresh(struct kv_plog *l, uint64_t cap) { kv_plog_init(l, ring, cap, lag, SLOTS); }

static void put(struct kv_plog *l, const char *ch, const char *msg, const uint32_t *slots,
                uint32_t n) {
    struct kv_plog_rcv r[SLOTS];
    for (uint32_t i = 0; i < n; i++) r[i] = (struct kv_plog_rcv){slots[i], KV_PLOG_NONE};
    kv_plog_append(l, sl(ch), sl(msg), NULL, 0, r, n);
}

/* The slot's next message is (ch, msg), and it is popped. */
static bool next_is(struct kv_plog *l, uint32_t slot, const char *ch, const char *msg) {
    struct kv_plog_msg m;
    if (!kv_plog_peek(l, slot, &m)) return false;
    bool ok = m.pattern.ptr == NULL && m.channel.len == strlen(ch) &&
              memcmp(m.channel.ptr, ch, m.channel.len) == 0 && m.msg.len == strlen(msg) &&
              memcmp(m.msg.ptr, msg, m.msg.len) == 0;
    kv_plog_pop(l, slot);
    kv_plog_check(l);
    return ok;
}

TEST(order_and_shared_storage) {
    struct kv_plog l;
    fresh(&l, 4096);
    uint32_t a[] = {1, 3}, b[] = {3};
    put(&l, "ch", "one", a, 2);
    put(&l, "ch", "two", b, 1);
    put(&l, "ch", "three", a, 2);
    kv_plog_check(&l);
    /* one entry per message: 24 + 16 per receiver + names, rounded to 8 */
    CHECK(kv_plog_used(&l) == kv_plog_entry_size(2, 0, 0, 2, 3) +
                                  kv_plog_entry_size(1, 0, 0, 2, 3) +
                                  kv_plog_entry_size(2, 0, 0, 2, 5));
    CHECK(kv_plog_entry_size(2, 0, 0, 2, 3) == 64);
    CHECK(l.lagging == 2 && lag[1].count == 2 && lag[3].count == 3);
    CHECK(lag[3].bytes == 3 * kv_plog_message_size(KV_PLOG_NONE, 2, 3) + 2);
    CHECK(kv_plog_oldest(&l) == 1);
    CHECK(next_is(&l, 3, "ch", "one") && next_is(&l, 3, "ch", "two"));
    CHECK(kv_plog_oldest(&l) == 1);
    CHECK(next_is(&l, 1, "ch", "one"));
    CHECK(kv_plog_oldest(&l) == 1); /* "two" is reclaimed: nobody pends on it */
    CHECK(kv_plog_used(&l) == kv_plog_entry_size(2, 0, 0, 2, 5));
    CHECK(next_is(&l, 1, "ch", "three") && next_is(&l, 3, "ch", "three"));
    CHECK(kv_plog_used(&l) == 0 && l.head == 0 && l.lagging == 0);
    CHECK(!kv_plog_lagging(&l, 1) && kv_plog_oldest(&l) == KV_PLOG_NONE);
    struct kv_plog_msg m;
    CHECK(!kv_plog_peek(&l, 1, &m));
}

TEST(patterns_and_twice_in_one_entry) {
    struct kv_plog l;
    fresh(&l, 4096);
    struct kv_slice pats[] = {sl("n*"), sl("ne?s")};
    /* slot 2 gets the message and both pmessages, slot 5 one pmessage */
    struct kv_plog_rcv r[] = {{2, KV_PLOG_NONE}, {2, 0}, {5, 0}, {2, 1}};
    kv_plog_append(&l, sl("news"), sl("hi"), pats, 2, r, 4);
    kv_plog_check(&l);
    CHECK(lag[2].count == 3 && lag[5].count == 1);
    uint8_t out[256];
    struct kv_reply w;
    kv_reply_init(&w, out, sizeof(out));
    struct kv_plog_msg m;
    for (int i = 0; i < 3; i++) {
        CHECK(kv_plog_peek(&l, 2, &m));
        kv_plog_write(&w, &m);
        kv_plog_pop(&l, 2);
    }
    const char *want = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                       "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                       "*4\r\n$8\r\npmessage\r\n$4\r\nne?s\r\n$4\r\nnews\r\n$2\r\nhi\r\n";
    CHECK(w.len == strlen(want) && memcmp(out, want, w.len) == 0);
    kv_reply_init(&w, out, sizeof(out));
    w.proto = 3;
    CHECK(kv_plog_peek(&l, 5, &m));
    kv_plog_write(&w, &m);
    const char *want3 = ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n";
    CHECK(w.len == strlen(want3) && memcmp(out, want3, w.len) == 0);
    kv_plog_pop(&l, 5);
    CHECK(kv_plog_used(&l) == 0);
}

TEST(full_wrap_and_drop) {
    struct kv_plog l;
    fresh(&l, 200); /* 200 bytes: three 64-byte entries, then a pad of 8 */
    uint32_t a[] = {0, 4};
    uint64_t one = kv_plog_entry_size(2, 0, 0, 2, 3);
    CHECK(one == 64);
    put(&l, "ch", "m01", a, 2);
    put(&l, "ch", "m02", a, 2);
    put(&l, "ch", "m03", a, 2);
    CHECK(!kv_plog_fits(&l, one) && kv_plog_oldest(&l) == 0);
    kv_plog_drop(&l, 0); /* the oldest holder is cut: slot 4 still pends */
    kv_plog_check(&l);
    CHECK(!kv_plog_fits(&l, one) && kv_plog_oldest(&l) == 4);
    CHECK(next_is(&l, 4, "ch", "m01"));
    CHECK(kv_plog_fits(&l, one)); /* 8 at the end + 64 at the start */
    uint32_t b[] = {4, 6};
    put(&l, "ch", "m04", b, 2);
    kv_plog_check(&l);
    CHECK(l.head == 264 && l.tail == 64 && l.entries == 4); /* m02 m03 pad m04 */
    CHECK(next_is(&l, 4, "ch", "m02") && next_is(&l, 4, "ch", "m03"));
    CHECK(l.tail == 200 && kv_plog_oldest(&l) == 4); /* the pad went with m03 */
    CHECK(next_is(&l, 4, "ch", "m04") && next_is(&l, 6, "ch", "m04"));
    CHECK(l.head == 0 && l.tail == 0 && l.entries == 0);
    CHECK(!kv_plog_fits(&l, 208)); /* larger than the whole backlog */
}

TEST(off_when_zero) {
    struct kv_plog l;
    fresh(&l, 0);
    CHECK(!kv_plog_fits(&l, kv_plog_entry_size(1, 0, 0, 0, 0)));
    CHECK(kv_plog_oldest(&l) == KV_PLOG_NONE);
    kv_plog_drop(&l, 3);
    kv_plog_check(&l);
}

/* Random appends, pops and drops against a queue of message numbers per slot. */
TEST(random_against_queues) {
    static uint32_t q[SLOTS][4096];
    uint32_t qh[SLOTS] = {0}, qt[SLOTS] = {0};
    struct kv_plog l;
    fresh(&l, 1000);
    struct kv_prng rng;
    kv_prng_init(&rng, 42);
    uint32_t seq = 0;
    for (uint32_t step = 0; step < 20000; step++) {
        uint64_t what = kv_prng_below(&rng, 10);
        uint32_t s = (uint32_t)kv_prng_below(&rng, SLOTS);
        char msg[16];
        if (what < 5) {
            struct kv_plog_rcv r[SLOTS];
            uint32_t n = 0;
            for (uint32_t k = 0; k < SLOTS; k++)
                if (kv_prng_chance(&rng, 1, 3)) r[n++] = (struct kv_plog_rcv){k, KV_PLOG_NONE};
            if (n == 0) continue;
            snprintf(msg, sizeof(msg), "%u", seq);
            uint64_t size = kv_plog_entry_size(n, 0, 0, 1, strlen(msg));
            for (uint32_t g = 0; g < SLOTS && !kv_plog_fits(&l, size); g++) {
                uint32_t old = kv_plog_oldest(&l);
                CHECK(old != KV_PLOG_NONE);
                kv_plog_drop(&l, old);
                qh[old] = qt[old];
            }
            CHECK(kv_plog_fits(&l, size));
            kv_plog_append(&l, sl("c"), sl(msg), NULL, 0, r, n);
            for (uint32_t k = 0; k < n; k++) q[r[k].slot][qt[r[k].slot]++ % 4096] = seq;
            seq++;
        } else if (what < 9) {
            struct kv_plog_msg m;
            bool got = kv_plog_peek(&l, s, &m);
            CHECK(got == (qh[s] != qt[s]));
            if (!got) continue;
            snprintf(msg, sizeof(msg), "%u", q[s][qh[s]++ % 4096]);
            CHECK(m.msg.len == strlen(msg) && memcmp(m.msg.ptr, msg, m.msg.len) == 0);
            kv_plog_pop(&l, s);
        } else {
            kv_plog_drop(&l, s);
            qh[s] = qt[s];
        }
        if (step % 97 == 0) kv_plog_check(&l);
    }
    kv_plog_check(&l);
    CHECK(seq > 1000);
}

int main(void) {
    RUN(order_and_shared_storage);
    RUN(patterns_and_twice_in_one_entry);
    RUN(full_wrap_and_drop);
    RUN(off_when_zero);
    RUN(random_against_queues);
    TEST_SUMMARY("pubsub_log");
}

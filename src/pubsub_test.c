/*
 * pubsub_test.c: the pub/sub channel table (src/pubsub.c) on its own: subscribe
 * and unsubscribe counts, the full table and slots and the long name, delivery
 * order (channel subscribers, then patterns in first-subscribed order), message
 * bytes in RESP2 and RESP3, and random operations against a brute-force model
 * (exact receiver sets, kv_pubsub_check after every step).
 */
#include "kv/prng.h"
#include "kv/pubsub.h"
#include "kv/reply.h"
#include "kv/session.h"
#include "kv/util.h"
#include "testing.h"

#define SESSIONS 16

struct fx {
    struct kv_pubsub p;
    struct kv_session s[SESSIONS];
    struct kv_pubsub_chan *chans;
    uint8_t *names;
    uint32_t *slots;
    struct kv_pubsub_sub *subs;
    struct kv_pubsub_delivery *ring;
};

static struct fx *fx_open(uint32_t chans, uint32_t name_max, uint32_t subs) {
    struct fx *f = calloc(1, sizeof(*f));
    f->chans = calloc(chans, sizeof(*f->chans));
    f->names = calloc(chans, name_max);
    f->slots = calloc(kv_pubsub_slots_cap(chans), sizeof(*f->slots));
    f->subs = calloc(subs, sizeof(*f->subs));
    f->ring = calloc(subs, sizeof(*f->ring));
    kv_pubsub_init(&f->p, chans, name_max, subs, f->chans, f->names, f->slots, f->subs, f->ring,
                   42);
    for (uint32_t i = 0; i < SESSIONS; i++) kv_session_init(&f->s[i], i + 1);
    kv_pubsub_check(&f->p);
    return f;
}

static void fx_close(struct fx *f) {
    free(f->chans);
    free(f->names);
    free(f->slots);
    free(f->subs);
    free(f->ring);
    free(f);
}

static struct kv_slice sl(const char *s) {
    return (struct kv_slice){(const uint8_t *)s, (uint32_t)strlen(s)};
}

TEST(test_sizes) {
    CHECK(kv_pubsub_slots_cap(1) == 16);
    CHECK(kv_pubsub_slots_cap(8) == 16);
    CHECK(kv_pubsub_slots_cap(9) == 32);
    CHECK(kv_pubsub_slots_cap(1024) == 2048);
}

TEST(test_subscribe_counts) {
    struct fx *f = fx_open(8, 16, 16);
    struct kv_pubsub *p = &f->p;
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("a")) == KV_PUBSUB_ADDED);
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("a")) == KV_PUBSUB_ALREADY);
    CHECK(kv_pubsub_subscribe(p, &f->s[1], KV_PUBSUB_CHANNEL, sl("a")) == KV_PUBSUB_ADDED);
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_PATTERN, sl("a")) == KV_PUBSUB_ADDED);
    CHECK(p->channels == 1 && p->patterns == 1 && p->subs_used == 3);
    CHECK(f->s[0].sub_channels == 1 && f->s[0].sub_patterns == 1 && f->s[0].pubsub_bytes == 2);
    CHECK(kv_pubsub_numsub(p, sl("a")) == 2 && kv_pubsub_numsub(p, sl("b")) == 0);
    CHECK(kv_pubsub_publish(p, sl("a"), sl("m")) == 3); /* a pattern "a" counts too */
    p->ring_len = 0;
    CHECK(!kv_pubsub_unsubscribe(p, &f->s[2], KV_PUBSUB_CHANNEL, sl("a")));
    CHECK(kv_pubsub_unsubscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("a")));
    CHECK(!kv_pubsub_unsubscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("a")));
    CHECK(kv_pubsub_numsub(p, sl("a")) == 1 && p->channels == 1);
    kv_pubsub_drop_session(p, &f->s[1]);
    CHECK(p->channels == 0 && p->patterns == 1 && p->channel_bytes == 0);
    kv_pubsub_drop_session(p, &f->s[0]);
    CHECK(p->patterns == 0 && p->subs_used == 0 && !kv_session_subscribed(&f->s[0]));
    kv_pubsub_check(p);
    fx_close(f);
}

TEST(test_full) {
    struct fx *f = fx_open(2, 4, 3);
    struct kv_pubsub *p = &f->p;
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("abcde")) == KV_PUBSUB_TOO_LONG);
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("abcd")) == KV_PUBSUB_ADDED);
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_PATTERN, sl("abcd")) == KV_PUBSUB_ADDED);
    CHECK(kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_CHANNEL, sl("x")) ==
          KV_PUBSUB_FULL_CHANNELS);
    CHECK(kv_pubsub_subscribe(p, &f->s[1], KV_PUBSUB_CHANNEL, sl("abcd")) == KV_PUBSUB_ADDED);
    CHECK(kv_pubsub_subscribe(p, &f->s[2], KV_PUBSUB_CHANNEL, sl("abcd")) ==
          KV_PUBSUB_FULL_SUBS);
    CHECK(kv_pubsub_numsub(p, sl("abcde")) == 0); /* too long: never there */
    CHECK(kv_pubsub_unsubscribe(p, &f->s[1], KV_PUBSUB_CHANNEL, sl("abcd")));
    CHECK(kv_pubsub_subscribe(p, &f->s[2], KV_PUBSUB_CHANNEL, sl("abcd")) == KV_PUBSUB_ADDED);
    kv_pubsub_check(p);
    fx_close(f);
}

/* Channel subscribers in subscription order, then each matching pattern in the
 * order patterns were first subscribed, with its subscribers in order. */
TEST(test_delivery_order) {
    struct fx *f = fx_open(8, 16, 16);
    struct kv_pubsub *p = &f->p;
    struct kv_session *s = f->s;
    kv_pubsub_subscribe(p, &s[3], KV_PUBSUB_PATTERN, sl("n*"));
    kv_pubsub_subscribe(p, &s[2], KV_PUBSUB_CHANNEL, sl("news"));
    kv_pubsub_subscribe(p, &s[1], KV_PUBSUB_PATTERN, sl("*s"));
    kv_pubsub_subscribe(p, &s[0], KV_PUBSUB_CHANNEL, sl("news"));
    kv_pubsub_subscribe(p, &s[1], KV_PUBSUB_PATTERN, sl("n*"));
    kv_pubsub_subscribe(p, &s[0], KV_PUBSUB_PATTERN, sl("x*"));
    CHECK(kv_pubsub_publish(p, sl("news"), sl("hi")) == 5);
    struct kv_pubsub_delivery *r = p->ring;
    CHECK(r[0].session == &s[2] && r[0].pattern == KV_PUBSUB_NONE);
    CHECK(r[1].session == &s[0] && r[1].pattern == KV_PUBSUB_NONE);
    CHECK(r[2].session == &s[3] && r[3].session == &s[1] && r[4].session == &s[1]);
    CHECK(r[2].pattern == r[3].pattern && r[4].pattern != r[2].pattern);
    struct kv_slice n = kv_pubsub_name(p, r[4].pattern);
    CHECK(n.len == 2 && memcmp(n.ptr, "*s", 2) == 0);
    /* a session dropped while deliveries wait loses them */
    kv_pubsub_drop_session(p, &s[1]);
    CHECK(r[3].session == NULL && r[4].session == NULL && r[2].session == &s[3]);
    p->ring_len = 0;
    CHECK(kv_pubsub_publish(p, sl("other"), sl("hi")) == 0);
    kv_pubsub_check(p);
    fx_close(f);
}

TEST(test_message_bytes) {
    struct fx *f = fx_open(8, 16, 16);
    struct kv_pubsub *p = &f->p;
    kv_pubsub_subscribe(p, &f->s[0], KV_PUBSUB_PATTERN, sl("c*"));
    uint8_t buf[256];
    struct kv_reply r;
    kv_reply_init(&r, buf, sizeof(buf));
    kv_pubsub_write_message(p, &r, KV_PUBSUB_NONE, sl("c1"), sl("hello"));
    const char *m2 = "*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$5\r\nhello\r\n";
    CHECK_MEM(buf, r.len, m2, strlen(m2));
    CHECK(kv_pubsub_message_size(p, KV_PUBSUB_NONE, sl("c1"), sl("hello")) == strlen(m2));
    kv_reply_init(&r, buf, sizeof(buf));
    r.proto = 3;
    uint32_t pat = kv_pubsub_first(p, &f->s[0], KV_PUBSUB_PATTERN);
    CHECK(pat != KV_PUBSUB_NONE);
    kv_pubsub_write_message(p, &r, pat, sl("c1"), sl(""));
    const char *m3 = ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$0\r\n\r\n";
    CHECK_MEM(buf, r.len, m3, strlen(m3));
    fx_close(f);
}

/* Random subscribe/unsubscribe/drop/publish against a brute-force model. */
#define NAMES 12
TEST(test_random_against_model) {
    static const char *names[NAMES] = {"a", "b", "ab", "ba", "a*", "*b", "?", "[ab]",
                                       "abc", "x", "*", "b?"};
    struct fx *f = fx_open(10, 8, 40);
    struct kv_pubsub *p = &f->p;
    bool sub[SESSIONS][NAMES][3] = {{{false}}};
    struct kv_prng r;
    kv_prng_init(&r, 7);
    for (uint32_t step = 0; step < 20000; step++) {
        uint32_t si = (uint32_t)(kv_prng_next(&r) % SESSIONS);
        uint32_t ni = (uint32_t)(kv_prng_next(&r) % NAMES);
        uint8_t kind = (uint8_t)(1 + kv_prng_next(&r) % 2);
        uint32_t op = (uint32_t)(kv_prng_next(&r) % 10);
        struct kv_session *s = &f->s[si];
        if (op < 4) {
            enum kv_pubsub_add a = kv_pubsub_subscribe(p, s, kind, sl(names[ni]));
            CHECK((a == KV_PUBSUB_ALREADY) == sub[si][ni][kind]);
            if (a == KV_PUBSUB_ADDED) sub[si][ni][kind] = true;
        } else if (op < 7) {
            bool was = kv_pubsub_unsubscribe(p, s, kind, sl(names[ni]));
            CHECK(was == sub[si][ni][kind]);
            sub[si][ni][kind] = false;
        } else if (op < 8) {
            kv_pubsub_drop_session(p, s);
            memset(sub[si], 0, sizeof(sub[si]));
        } else {
            uint32_t want = 0, got = kv_pubsub_publish(p, sl(names[ni]), sl("m"));
            for (uint32_t i = 0; i < SESSIONS; i++) {
                want += sub[i][ni][KV_PUBSUB_CHANNEL];
                for (uint32_t j = 0; j < NAMES; j++)
                    want += sub[i][j][KV_PUBSUB_PATTERN] &&
                            kv_glob_match((const uint8_t *)names[j], (uint32_t)strlen(names[j]),
                                          (const uint8_t *)names[ni],
                                          (uint32_t)strlen(names[ni]));
            }
            CHECK(got == want);
            p->ring_len = 0;
        }
        kv_pubsub_check(p);
    }
    fx_close(f);
}

int main(void) {
    RUN(test_sizes);
    RUN(test_subscribe_counts);
    RUN(test_full);
    RUN(test_delivery_order);
    RUN(test_message_bytes);
    RUN(test_random_against_model);
    TEST_SUMMARY("pubsub");
}

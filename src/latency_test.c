/*
 * latency_test.c: the latency histograms (src/cmdstats.c: exact HDR counters and the
 * figures redis-server 7.0.15 printed for the same microseconds) and the latency
 * monitor's rings (src/latency.c: threshold, same-second merge, wrap-around at 160,
 * RESET, LATEST's order). Test code: heap and stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmdstats.h"
#include "kv/latency.h"
#include "testing.h"

TEST(test_index_layout) {
    CHECK(kv_lathist_index(1000) == KV_LATHIST_FIRST);
    CHECK(kv_lathist_index(1000000000) == KV_LATHIST_LAST);
    CHECK(kv_lathist_index(0) == 0 && kv_lathist_index(255) == 255);
    CHECK(kv_lathist_index(256) == 256 && kv_lathist_index(257) == 256);
    CHECK(kv_lathist_lowest(kv_lathist_index(1000)) == 1000);
    CHECK(kv_lathist_highest(kv_lathist_index(1000)) == 1003);
    CHECK(kv_lathist_highest(kv_lathist_index(1024)) == 1031);
    CHECK(kv_lathist_highest(kv_lathist_index(65536)) == 66047);
    for (uint32_t i = KV_LATHIST_FIRST; i <= KV_LATHIST_LAST; i++) {
        CHECK(kv_lathist_index(kv_lathist_lowest(i)) == i);
        CHECK(kv_lathist_index(kv_lathist_highest(i)) == i);
        CHECK(kv_lathist_index(kv_lathist_highest(i) + 1) == i + 1);
    }
}

/* Figures from redis-server 7.0.15's INFO latencystats (one call each). */
TEST(test_percentiles_as_redis) {
    static const struct { uint64_t us, ns; } cases[] = {
        {0, 1003}, {1, 1003}, {2, 2007}, {3, 3007}, {4, 4015}, {5, 5023}, {6, 6015},
        {12, 12031}, {14, 14015}, {18, 18047}, {48, 48127}, {464, 464895}, {532, 532479},
        {2000000, 1002438655},
    };
    for (uint32_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        struct kv_lathist *h = calloc(1, sizeof(*h));
        kv_lathist_record(h, cases[i].us);
        CHECK(h->total == 1);
        CHECK(kv_lathist_percentile(h, 50.0) == cases[i].ns);
        CHECK(kv_lathist_percentile(h, 99.9) == cases[i].ns);
        free(h);
    }
    struct kv_lathist *h = calloc(1, sizeof(*h));
    CHECK(kv_lathist_percentile(h, 50.0) == 0);
    for (uint64_t us = 1; us <= 100; us++) kv_lathist_record(h, us);
    CHECK(kv_lathist_percentile(h, 50.0) == 50175);  /* 50 us: width 128 from 32768 */
    CHECK(kv_lathist_percentile(h, 99.0) == 99327);  /* 99 us: width 256 from 65536 */
    CHECK(kv_lathist_percentile(h, 99.9) == 100351); /* 100 us */
    CHECK(kv_lathist_percentile(h, 100.0) == 100351);
    CHECK(kv_lathist_percentile(h, 0.0) == 1003);
    free(h);
}

static uint32_t cdf(const struct kv_lathist *h, uint64_t *out) {
    struct kv_lathist_cdf it;
    kv_lathist_cdf_begin(&it);
    uint32_t n = 0;
    while (kv_lathist_cdf_next(h, &it, &out[2 * n], &out[2 * n + 1])) n++;
    return n;
}

/* LATENCY HISTOGRAM's buckets, as redis-server 7.0.15 replied them. */
TEST(test_cdf_as_redis) {
    struct kv_lathist *h = calloc(1, sizeof(*h));
    uint64_t got[64];
    CHECK(cdf(h, got) == 0 && kv_lathist_cdf_count(h) == 0);
    kv_lathist_record(h, 1);
    kv_lathist_record(h, 3);
    CHECK(cdf(h, got) == 2);
    CHECK(got[0] == 1 && got[1] == 1 && got[2] == 4 && got[3] == 2);
    memset(h, 0, sizeof(*h));
    kv_lathist_record(h, 3);
    kv_lathist_record(h, 464);
    CHECK(cdf(h, got) == 2);
    CHECK(got[0] == 4 && got[1] == 1 && got[2] == 528 && got[3] == 2);
    memset(h, 0, sizeof(*h));
    kv_lathist_record(h, 48);
    CHECK(cdf(h, got) == 1 && got[0] == 66 && got[1] == 1);
    memset(h, 0, sizeof(*h));
    kv_lathist_record(h, 33);  /* 33000 ns shares 32768's counter (width 256) */
    CHECK(cdf(h, got) == 1 && got[0] == 33 && got[1] == 1);
    kv_lathist_record(h, 400000);  /* 2^28..2^29 ns: the last level Redis walks */
    kv_lathist_record(h, 5000000); /* clamped to 1 s: past Redis's last level */
    CHECK(cdf(h, got) == 2 && got[2] == 541065 && got[3] == 2);
    CHECK(kv_lathist_cdf_count(h) == 2 && h->total == 3);
    free(h);
}

TEST(test_ring_threshold_and_merge) {
    struct kv_latency *l = malloc(sizeof(*l));
    kv_latency_init(l);
    kv_latency_note(l, KV_LAT_COMMAND, 500, 0, 1000); /* monitor off */
    kv_latency_note(l, KV_LAT_COMMAND, 4, 5, 1000);   /* under the threshold */
    CHECK(!kv_latency_exists(l, KV_LAT_COMMAND));
    kv_latency_note(l, KV_LAT_FAST_COMMAND, 7, 5, 1000);
    kv_latency_note(l, KV_LAT_COMMAND, 5, 5, 1000);
    kv_latency_note(l, KV_LAT_COMMAND, 9, 5, 1000);   /* same second: the larger */
    kv_latency_note(l, KV_LAT_COMMAND, 6, 5, 1000);
    kv_latency_note(l, KV_LAT_COMMAND, 6, 5, 1001);
    CHECK(kv_latency_sample_count(l, KV_LAT_COMMAND) == 2);
    const struct kv_latency_sample *x = kv_latency_sample_at(l, KV_LAT_COMMAND, 0);
    CHECK(x != NULL && x->time_s == 1000 && x->ms == 9);
    x = kv_latency_latest(l, KV_LAT_COMMAND);
    CHECK(x->time_s == 1001 && x->ms == 6 && l->ev[KV_LAT_COMMAND].max_ms == 9);
    CHECK(kv_latency_sample_at(l, KV_LAT_COMMAND, 2) == NULL);
    enum kv_latency_event order[KV_LAT_EVENTS];
    CHECK(kv_latency_list(l, order) == 2);
    CHECK(order[0] == KV_LAT_FAST_COMMAND && order[1] == KV_LAT_COMMAND);
    CHECK(kv_latency_reset(l, KV_LAT_FAST_COMMAND) == 1);
    CHECK(kv_latency_reset(l, KV_LAT_FAST_COMMAND) == 0);
    CHECK(kv_latency_reset(l, KV_LAT_EXPIRE_CYCLE) == 0);
    kv_latency_note(l, KV_LAT_FAST_COMMAND, 7, 5, 1002);
    CHECK(kv_latency_list(l, order) == 2);
    CHECK(order[0] == KV_LAT_COMMAND && order[1] == KV_LAT_FAST_COMMAND);
    free(l);
}

TEST(test_ring_wraps) {
    struct kv_latency *l = malloc(sizeof(*l));
    kv_latency_init(l);
    for (uint32_t i = 0; i < KV_LATENCY_SAMPLES + 5; i++)
        kv_latency_note(l, KV_LAT_EXPIRE_CYCLE, 10 + i, 1, 2000 + i);
    CHECK(kv_latency_sample_count(l, KV_LAT_EXPIRE_CYCLE) == KV_LATENCY_SAMPLES);
    const struct kv_latency_sample *x = kv_latency_sample_at(l, KV_LAT_EXPIRE_CYCLE, 0);
    CHECK(x->time_s == 2005 && x->ms == 15);
    x = kv_latency_sample_at(l, KV_LAT_EXPIRE_CYCLE, KV_LATENCY_SAMPLES - 1);
    CHECK(x->time_s == 2164 && x->ms == 174);
    CHECK(l->ev[KV_LAT_EXPIRE_CYCLE].max_ms == 174);
    CHECK(kv_latency_event_find((const uint8_t *)"expire-cycle", 12) == KV_LAT_EXPIRE_CYCLE);
    CHECK(kv_latency_event_find((const uint8_t *)"Command", 7) == KV_LAT_EVENTS);
    free(l);
}

/* GRAPH and DOCTOR as redis-server 7.0.15 wrote them for one 30 ms "command" sample. */
TEST(test_texts_as_redis) {
    struct kv_latency *l = malloc(sizeof(*l));
    char *buf = malloc(KV_LATENCY_TEXT_MAX);
    kv_latency_init(l);
    struct kv_latency_doctor_facts f = {1796496670, 0, 10000, 10};
    uint32_t n = kv_latency_doctor(l, &f, buf, KV_LATENCY_TEXT_MAX);
    CHECK(n > 40 && memcmp(buf, "I'm sorry, Dave, I can't do that.", 33) == 0);
    f.threshold_ms = 1;
    n = kv_latency_doctor(l, &f, buf, KV_LATENCY_TEXT_MAX);
    CHECK(n > 40 && memcmp(buf, "Dave, no latency spike was observed", 35) == 0);
    kv_latency_note(l, KV_LAT_COMMAND, 30, 1, 1796496670);
    n = kv_latency_graph(l, KV_LAT_COMMAND, 1796496670, buf, KV_LATENCY_TEXT_MAX);
    char want[512];
    int w = snprintf(want, sizeof(want), "command - high 30 ms, low 30 ms (all time high 30 "
                     "ms)\n%s\n \n \n \n_\n \n0\ns\n", "----------------------------------------"
                     "----------------------------------------");
    CHECK_MEM(buf, n, want, (uint32_t)w);
    n = kv_latency_doctor(l, &f, buf, KV_LATENCY_TEXT_MAX);
    static const char doctor[] =
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
        "about it, do you Dave?\n\n1. command: 1 latency spikes (average 30ms, mean deviation "
        "0ms, period 1.00 sec). Worst all time event 30ms.\n\nI have a few advices for you:"
        "\n\n- Your current Slow Log configuration only logs events that are slower than your "
        "configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than "
        "1000'.\n- Check your Slow Log to understand what are the commands you are running "
        "which are too slow to execute. Please check https://redis.io/commands/slowlog for "
        "more information.\n- Deleting, expiring or evicting (because of maxmemory policy) "
        "large objects is a blocking operation. If you have very large objects that are often "
        "deleted, expired, or evicted, try to fragment those objects into multiple smaller "
        "objects.\n";
    CHECK_MEM(buf, n, doctor, sizeof(doctor) - 1);
    /* two samples 90 s apart, viewed 30 s later: heights 0 and 11, labels 2m and 30s */
    kv_latency_note(l, KV_LAT_COMMAND, 100, 1, 1796496760);
    n = kv_latency_graph(l, KV_LAT_COMMAND, 1796496790, buf, KV_LATENCY_TEXT_MAX);
    const char *rows = strchr(strchr(buf, '\n') + 1, '\n') + 1;
    CHECK_MEM(rows, strlen(rows), " #\n |\n |\n_|\n  \n23\nm0\n s\n", 24);
    /* eviction-cycle: its line and Redis's mass-eviction advice */
    kv_latency_note(l, KV_LAT_EVICTION_CYCLE, 4, 1, 1796496790);
    f.now_s = 1796496790;
    n = kv_latency_doctor(l, &f, buf, KV_LATENCY_TEXT_MAX);
    buf[n] = 0;
    CHECK(strstr(buf, "2. eviction-cycle: 1 latency spikes (average 4ms, mean deviation 0ms, "
                      "period 1.00 sec). Worst all time event 4ms.\n") != NULL);
    CHECK(strstr(buf, "may create sudden memory pressure forcing the server to block trying "
                      "to evict keys. \n") != NULL);
    free(buf);
    free(l);
}

int main(void) {
    RUN(test_index_layout);
    RUN(test_percentiles_as_redis);
    RUN(test_cdf_as_redis);
    RUN(test_ring_threshold_and_merge);
    RUN(test_ring_wraps);
    RUN(test_texts_as_redis);
    TEST_SUMMARY("latency");
}

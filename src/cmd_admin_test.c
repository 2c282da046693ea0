/*
 * cmd_admin_test.c: TOUCH, ROLE, OBJECT and MEMORY (src/cmd_admin.c) through the real
 * engine over a keyspace with a fake clock: what the differential suite cannot pin
 * (OBJECT IDLETIME against the clock, the answers under LRU/LFU policies, MEMORY
 * USAGE against the data region's used bytes). Exact bytes. Test code: heap, stdio.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"
#include "testing.h"
#include "test_engine.h"

#define NOW_MS TE_NOW_MS
#define MEM (1u << 20)

static struct test_engine *h_open(enum kv_evict_policy p) {
    struct test_engine *h = te_new();
    h->cfg.maxmemory = MEM;
    h->cfg.maxmemory_policy = p;
    te_start(h, 1);
    return h;
}

#define h_close te_close
#define h_run(h, args) te_run((h), &(h)->s, (args))

/* The integer reply of a command (asserts it is one). */
static int64_t h_int(struct test_engine *h, const char *const *args) {
    const struct kv_reply *r = h_run(h, args);
    KV_ASSERT(r->len >= 4 && r->buf[0] == ':');
    return strtoll((const char *)r->buf + 1, NULL, 10);
}
#define INT(h, ...) h_int(h, (const char *const[]){__VA_ARGS__, NULL})

static void test_idletime_and_touch(void) {
    struct test_engine *h = h_open(KV_EVICT_NOEVICTION);
    EXPECT(h, "+OK\r\n", "set", "a", "1");
    EXPECT(h, "+OK\r\n", "set", "b", "2");
    h->now_ms += 7000;
    EXPECT(h, ":7\r\n", "object", "idletime", "a");
    EXPECT(h, ":7\r\n", "object", "idletime", "a"); /* OBJECT does not touch */
    EXPECT(h, ":1\r\n", "touch", "a", "nokey");
    EXPECT(h, ":0\r\n", "object", "idletime", "a");
    EXPECT(h, ":7\r\n", "object", "idletime", "b");
    EXPECT(h, "$-1\r\n", "object", "idletime", "nokey");
    EXPECT(h, ":2147483647\r\n", "object", "refcount", "a");
    EXPECT(h, "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
              "Please note that when switching between policies at runtime LRU and LFU data "
              "will take some time to adjust.\r\n", "object", "freq", "a");
    EXPECT(h, "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", "role");
    h_close(h);
}

static void test_policies(void) {
    struct test_engine *h = h_open(KV_EVICT_ALLKEYS_LRU);
    EXPECT(h, "+OK\r\n", "set", "a", "1");
    EXPECT(h, ":1\r\n", "object", "refcount", "a"); /* no shared integers under LRU */
    EXPECT(h, "$3\r\nint\r\n", "object", "encoding", "a");
    h_close(h);
    h = h_open(KV_EVICT_VOLATILE_LFU);
    EXPECT(h, "+OK\r\n", "set", "a", "1");
    EXPECT(h, ":5\r\n", "object", "freq", "a");
    EXPECT(h, "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
              "that when switching between policies at runtime LRU and LFU data will take "
              "some time to adjust.\r\n", "object", "idletime", "a");
    EXPECT(h, ":1\r\n", "object", "refcount", "a");
    h_close(h);
}

/* MEMORY USAGE is what the key adds to the data region, plus its index slot. */
static void test_memory_usage_exact(void) {
    struct test_engine *h = h_open(KV_EVICT_NOEVICTION);
    static const char *const values[] = {"", "1", "hello", "a value of some forty bytes......!!"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(values); i++) {
        uint64_t before = kv_ks_used_memory(&h->ks);
        EXPECT(h, "+OK\r\n", "set", "k", values[i]);
        int64_t usage = INT(h, "memory", "usage", "k");
        CHECK((uint64_t)usage == kv_ks_used_memory(&h->ks) - before + KV_KS_SLOT_BYTES);
        CHECK(INT(h, "memory", "usage", "k", "samples", "0") == usage);
        EXPECT(h, ":1\r\n", "del", "k");
        CHECK(kv_ks_used_memory(&h->ks) == before);
    }
    uint64_t before = kv_ks_used_memory(&h->ks);
    char elem[1001];
    memset(elem, 'e', 1000);
    elem[1000] = 0;
    for (uint32_t i = 0; i < 40; i++) (void)INT(h, "rpush", "list", elem);
    int64_t usage = INT(h, "memory", "usage", "list");
    CHECK(usage > 40000);
    CHECK((uint64_t)usage == kv_ks_used_memory(&h->ks) - before + KV_KS_SLOT_BYTES);
    EXPECT(h, "$9\r\nquicklist\r\n", "object", "encoding", "list");
    EXPECT(h, "-ERR syntax error\r\n", "memory", "usage", "list", "samples", "-1");
    EXPECT(h, "$-1\r\n", "memory", "usage", "nokey");
    h_close(h);
}

/* The fake clock stands still: every command takes 0 us, which Redis records as 1 us
 * (1000 ns, the counter up to 1003 ns). */
static void test_latency_histograms(void) {
    struct test_engine *h = h_open(KV_EVICT_NOEVICTION);
    EXPECT(h, "+OK\r\n", "set", "a", "1");
    EXPECT(h, "+OK\r\n", "set", "a", "2");
    EXPECT(h, "$1\r\n2\r\n", "get", "a");
#define SET2 "$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:2\r\n$14\r\nhistogram_usec\r\n*2\r\n:1\r\n:2\r\n"
    EXPECT(h, "*2\r\n" SET2, "latency", "histogram", "set");
    EXPECT(h, "*6\r\n" SET2 SET2 "$3\r\nget\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\n"
              "histogram_usec\r\n*2\r\n:1\r\n:1\r\n", "latency", "histogram", "SET",
           "nosuch", "set", "get", "del");
#define P3 ":p50=1.003,p99=1.003,p99.9=1.003\r\n"
    EXPECT(h, "$206\r\n# Latencystats\r\nlatency_percentiles_usec_get" P3
              "latency_percentiles_usec_set" P3 "latency_percentiles_usec_latency" P3 "\r\n",
           "info", "latencystats");
    EXPECT(h, "+OK\r\n", "config", "set", "latency-tracking-info-percentiles", "0 100");
    const struct kv_reply *r = TE_RUN(h, "info", "latencystats");
    static const char p0[] = "latency_percentiles_usec_get:p0=1.003,p100=1.003\r\n";
    CHECK(memmem(r->buf, r->len, p0, strlen(p0)) != NULL);
    EXPECT(h, "+OK\r\n", "config", "resetstat");
    EXPECT(h, "*0\r\n", "latency", "histogram", "set", "get");
    EXPECT(h, "*0\r\n", "latency", "latest");
    EXPECT(h, ":0\r\n", "latency", "reset");
    EXPECT(h, "-ERR No samples available for event 'command'\r\n", "latency", "graph",
           "command");
    EXPECT(h, "+OK\r\n", "config", "set", "latency-tracking", "no");
    EXPECT(h, "+OK\r\n", "set", "a", "3");
    EXPECT(h, "*0\r\n", "latency", "histogram", "set");
    h_close(h);
}

/* MEMORY STATS' keys in Redis's order and its figures from the keyspace; DOCTOR's
 * "empty" text under 5 MB; MALLOC-STATS and PURGE. */
static void test_memory_stats_doctor(void) {
    struct test_engine *h = h_open(KV_EVICT_NOEVICTION);
    EXPECT(h, "+OK\r\n", "set", "a", "1");
    const struct kv_reply *r = TE_RUN(h, "memory", "stats");
    static const char head[] = "*56\r\n$14\r\npeak.allocated\r\n:";
    CHECK(r->len > 8 && memcmp(r->buf, head, strlen(head)) == 0);
    char want[64];
    int n = snprintf(want, sizeof(want), "$10\r\nkeys.count\r\n:1\r\n");
    CHECK(memmem(r->buf, r->len, want, (size_t)n) != NULL);
    n = snprintf(want, sizeof(want), "$13\r\ndataset.bytes\r\n:%llu\r\n",
                 (unsigned long long)kv_ks_payload_bytes(&h->ks));
    CHECK(memmem(r->buf, r->len, want, (size_t)n) != NULL);
    static const char db0[] = "$4\r\ndb.0\r\n*6\r\n$23\r\noverhead.hashtable.main\r\n";
    CHECK(memmem(r->buf, r->len, db0, strlen(db0)) != NULL);
    EXPECT(h, "$268\r\nHi Sam, this instance is empty or is using very little memory, my "
              "issues detector can't be used in these conditions. Please, leave for your "
              "mission on Earth and fill it with some data. The new Sam and I will be back to "
              "our programming as soon as I finished rebooting.\n\r\n", "memory", "doctor");
    EXPECT(h, "$45\r\nStats not supported for the current allocator\r\n", "memory",
           "malloc-stats");
    EXPECT(h, "+OK\r\n", "memory", "purge");
    EXPECT(h, "-ERR wrong number of arguments for 'memory|stats' command\r\n", "memory",
           "stats", "x");
    h_close(h);
}

int main(void) {
    RUN(test_idletime_and_touch);
    RUN(test_policies);
    RUN(test_memory_usage_exact);
    RUN(test_latency_histograms);
    RUN(test_memory_stats_doctor);
    TEST_SUMMARY("cmd_admin");
}

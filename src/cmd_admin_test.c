/*
 * cmd_admin_test.c: TOUCH, ROLE, OBJECT, MEMORY and LATENCY (src/cmd_admin.c) through
 * the real engine over a keyspace with a fake clock: what the differential suite cannot
 * pin (OBJECT IDLETIME against the clock, the answers under LRU/LFU policies, MEMORY
 * USAGE against the data region's used bytes, LATENCY HISTOGRAM and INFO latencystats
 * with commands that take no time). Exact bytes. Test code: heap, stdio.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"
#include "testing.h"

#define NOW_MS 1763700000000ll
#define OUT_CAP (1u << 20)
#define ARGV_MAX 16
#define MEM (1u << 20)

struct harness {
    struct kv_net_stats net;
    struct kv_config cfg;
    struct kv_keyspace ks;
    struct kv_engine e;
    struct kv_session s;
    struct kv_session *watchers[2];
    struct kv_watch_node *nodes;
    struct kv_watch_slot *slots;
    struct kv_clock clock;
    int64_t now_ms;
    void *mem;
    uint8_t *scratch;
    uint8_t *out;
    struct kv_lathist *lathist;
    struct kv_reply reply;
};

static uint64_t fake_mono(void *ctx) {
    return (uint64_t)((struct harness *)ctx)->now_ms * 1000000;
}
static int64_t fake_real(void *ctx) { return ((struct harness *)ctx)->now_ms; }

static struct harness *h_open(enum kv_evict_policy p) {
    struct harness *h = calloc(1, sizeof(*h));
    kv_config_defaults(&h->cfg);
    h->cfg.maxmemory = MEM;
    h->cfg.maxmemory_policy = p;
    h->now_ms = NOW_MS;
    h->clock.monotonic_ns = fake_mono;
    h->clock.realtime_ms = fake_real;
    h->clock.ctx = h;
    h->mem = aligned_alloc(64, MEM);
    h->scratch = malloc(64 << 10);
    h->out = malloc(OUT_CAP);
    h->lathist = calloc(1, kv_lathist_bytes(kv_engine_cmd_total()));
    kv_ks_init(&h->ks, &h->cfg, h->mem, 99);
    h->nodes = calloc(kv_watch_nodes_cap(2, h->cfg.watch_max_keys), sizeof(*h->nodes));
    h->slots = calloc(kv_watch_slots_cap(2, h->cfg.watch_max_keys), sizeof(*h->slots));
    struct kv_engine_init init = {
        .watchers = h->watchers, .watchers_cap = 2, .watch_nodes = h->nodes,
        .watch_slots = h->slots, .config = &h->cfg, .clock = &h->clock, .prng_seed = 7,
        .ks = &h->ks, .net = &h->net, .reply_max = OUT_CAP / 2, .scratch = h->scratch,
        .scratch_cap = 64 << 10, .lathist = h->lathist,
    };
    kv_engine_init(&h->e, &init);
    kv_session_init(&h->s, 1);
    return h;
}

static void h_close(struct harness *h) {
    kv_ks_check(&h->ks);
    kv_engine_check(&h->e);
    free(h->nodes);
    free(h->slots);
    free(h->mem);
    free(h->scratch);
    free(h->out);
    free(h->lathist);
    free(h);
}

static const struct kv_reply *h_run(struct harness *h, const char *const *args) {
    struct kv_slice argv[ARGV_MAX];
    uint32_t argc = 0;
    for (; args[argc] != NULL; argc++) {
        KV_ASSERT(argc < ARGV_MAX);
        argv[argc] = (struct kv_slice){(const uint8_t *)args[argc], (uint32_t)strlen(args[argc])};
    }
    kv_reply_init(&h->reply, h->out, OUT_CAP);
    KV_ASSERT(kv_engine_execute(&h->e, &h->s, argc, argv, &h->reply) == KV_EXEC_DONE);
    return &h->reply;
}

#define EXPECT(h, want, ...)                                                           \
    do {                                                                               \
        const struct kv_reply *r_ = h_run(h, (const char *const[]){__VA_ARGS__, NULL}); \
        CHECK_STR(r_->buf, r_->len, want);                                             \
    } while (0)

/* The integer reply of a command (asserts it is one). */
static int64_t h_int(struct harness *h, const char *const *args) {
    const struct kv_reply *r = h_run(h, args);
    KV_ASSERT(r->len >= 4 && r->buf[0] == ':');
    return strtoll((const char *)r->buf + 1, NULL, 10);
}
#define INT(h, ...) h_int(h, (const char *const[]){__VA_ARGS__, NULL})

static void test_idletime_and_touch(void) {
    struct harness *h = h_open(KV_EVICT_NOEVICTION);
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
    struct harness *h = h_open(KV_EVICT_ALLKEYS_LRU);
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
    struct harness *h = h_open(KV_EVICT_NOEVICTION);
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
    struct harness *h = h_open(KV_EVICT_NOEVICTION);
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
    const struct kv_reply *r = h_run(h, (const char *const[]){"info", "latencystats", NULL});
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
    struct harness *h = h_open(KV_EVICT_NOEVICTION);
    EXPECT(h, "+OK\r\n", "set", "a", "1");
    const struct kv_reply *r = h_run(h, (const char *const[]){"memory", "stats", NULL});
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

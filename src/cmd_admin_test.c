/*
 * cmd_admin_test.c: TOUCH, ROLE, OBJECT and MEMORY (src/cmd_admin.c) through the real
 * engine over a keyspace with a fake clock: what the differential suite cannot pin
 * (OBJECT IDLETIME against the clock, the answers under LRU/LFU policies, MEMORY
 * USAGE against the data region's used bytes). Exact bytes. Test code: heap, stdio.
 */
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

int main(void) {
    RUN(test_idletime_and_touch);
    RUN(test_policies);
    RUN(test_memory_usage_exact);
    TEST_SUMMARY("cmd_admin");
}

/*
 * cmd_stream_test.c: the stream metadata and consumer-group commands (src/cmd_xinfo.c,
 * src/cmd_xgroup.c) through the engine, reply bytes compared exactly: XSETID against
 * deleted entries still in a node (kv's one difference, README), XGROUP and XINFO
 * CONSUMERS with idle times from the engine's clock, MEMORY USAGE counting groups
 * and consumers, DEL and COPY with groups. Test code: heap and stdio allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/config.h"
#include "kv/keyspace.h"
#include "kv/util.h"
#include "test_engine.h"
#include "testing.h"

static struct test_engine *h_open(void) {
    struct test_engine *h = te_new();
    h->cfg.maxmemory = 1u << 20;
    te_start(h, 1);
    return h;
}

static int64_t h_int(struct test_engine *h, const char *const *args) {
    const struct kv_reply *r = te_run(h, &h->s, args);
    KV_ASSERT(r->len >= 4 && r->buf[0] == ':');
    return strtoll((const char *)r->buf + 1, NULL, 10);
}
#define INT(h, ...) h_int(h, (const char *const[]){__VA_ARGS__, NULL})

/* Regression (kv sim --seed 869777010 --types=hash,set,zset,stream, before the fix:
 * "assertion failed: ... kv_stream_id_cmp(prev, h->last_id) <= 0" after XSETID set
 * the last ID below a deleted entry that its node still held). */
TEST(xsetid_below_a_deleted_entry_in_a_node) {
    struct test_engine *h = h_open();
    EXPECT(h, "$3\r\n1-1\r\n", "xadd", "s", "1-1", "f", "v");
    EXPECT(h, "$3\r\n2-1\r\n", "xadd", "s", "2-1", "f", "v");
    EXPECT(h, "$3\r\n3-1\r\n", "xadd", "s", "3-1", "f", "v");
    EXPECT(h, ":1\r\n", "xdel", "s", "3-1");
    EXPECT(h, "-ERR The ID specified in XSETID is smaller than the target stream top item\r\n",
           "xsetid", "s", "2-1");
    EXPECT(h, "+OK\r\n", "xsetid", "s", "3-1");
    EXPECT(h, "$3\r\n3-2\r\n", "xadd", "s", "3-2", "f", "v");
    EXPECT(h, ":3\r\n", "xdel", "s", "1-1", "2-1", "3-2");
    EXPECT(h, "+OK\r\n", "xsetid", "s", "0-1");  /* no node is left */
    te_close(h);
}

TEST(groups_consumers_and_idle_from_the_clock) {
    struct test_engine *h = h_open();
    EXPECT(h, "+OK\r\n", "xgroup", "create", "s", "g", "$", "mkstream");
    EXPECT(h, "-BUSYGROUP Consumer Group name already exists\r\n",
           "xgroup", "create", "s", "g", "0");
    EXPECT(h, "+OK\r\n", "xgroup", "create", "s", "a", "0", "entriesread", "3");
    EXPECT(h, ":1\r\n", "xgroup", "createconsumer", "s", "g", "c2");
    h->now_ms += 250;
    EXPECT(h, ":1\r\n", "xgroup", "createconsumer", "s", "g", "c1");
    EXPECT(h, ":0\r\n", "xgroup", "createconsumer", "s", "g", "c1");
    h->now_ms += 1000;
    EXPECT(h, "*2\r\n*6\r\n$4\r\nname\r\n$2\r\nc1\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n"
              ":1000\r\n*6\r\n$4\r\nname\r\n$2\r\nc2\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n"
              ":1250\r\n", "xinfo", "consumers", "s", "g");
    EXPECT(h, "*2\r\n*12\r\n$4\r\nname\r\n$1\r\na\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending"
              "\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:3\r\n"
              "$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7"
              "\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\n"
              "entries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n", "xinfo", "groups", "s");
    int64_t with = INT(h, "memory", "usage", "s");
    EXPECT(h, ":1\r\n", "copy", "s", "t");  /* deep: t's groups are its own */
    EXPECT(h, ":0\r\n", "xgroup", "delconsumer", "t", "g", "c1");
    EXPECT(h, ":1\r\n", "xgroup", "destroy", "t", "a");
    EXPECT(h, ":1\r\n", "xgroup", "destroy", "t", "g");
    EXPECT(h, "*0\r\n", "xinfo", "groups", "t");
    CHECK(INT(h, "memory", "usage", "t") < with);
    CHECK(INT(h, "xgroup", "createconsumer", "s", "g", "c1") == 0);
    EXPECT(h, ":1\r\n", "del", "s");
    EXPECT(h, "-ERR no such key\r\n", "xinfo", "groups", "s");
    te_close(h);
}

int main(void) {
    RUN(xsetid_below_a_deleted_entry_in_a_node);
    RUN(groups_consumers_and_idle_from_the_clock);
    printf("cmd_stream: %u passed, %u failed\n", kv_test_passed_, kv_test_failed_);
    return kv_test_failed_ == 0 ? 0 : 1;
}

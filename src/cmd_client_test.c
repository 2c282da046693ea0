/*
 * cmd_client_test.c: one CLIENT LIST line (kv_client_format) and CLIENT KILL's
 * filters (src/cmd_client.c) through the real engine with a fake server behind
 * struct kv_engine_clients: four slots (the caller id 1, a watcher id 2, a named
 * client id 7 on another local port, an empty slot) with fixed addresses. The
 * field layout and the error texts are redis-server 7.0.15's. Exact bytes. Test
 * code: uses the heap and stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/clients.h"
#include "kv/cmd.h"
#include "testing.h"
#include "test_engine.h"

#define SLOTS 4

struct fake_server {
    struct kv_session other;
    const struct kv_session *at[SLOTS]; /* NULL: no open client */
    uint32_t killed;                    /* bit i: slot i was closed by kill() */
};

static uint32_t fs_slots(void *ctx) { (void)ctx; return SLOTS; }
static uint32_t fs_connected(void *ctx) {
    struct fake_server *f = ctx;
    uint32_t n = 0;
    for (uint32_t i = 0; i < SLOTS; i++) n += f->at[i] != NULL;
    return n;
}

static bool fs_describe(void *ctx, uint32_t i, struct kv_client_info *out) {
    struct fake_server *f = ctx;
    if (f->at[i] == NULL) return false;
    memset(out, 0, sizeof(*out));
    out->session = f->at[i];
    snprintf(out->addr, sizeof(out->addr), "127.0.0.1:%u", 50000 + i);
    snprintf(out->laddr, sizeof(out->laddr), "127.0.0.1:%u", i == 2 ? 6380 : 6379);
    out->fd = 8 + i;
    return true;
}

static void fs_kill(void *ctx, uint32_t i) {
    struct fake_server *f = ctx;
    KV_ASSERT(f->at[i] != NULL);
    f->at[i] = NULL;
    f->killed |= 1u << i;
}

static void fs_pause(void *ctx, uint64_t ms, bool writes_only) {
    (void)ctx, (void)ms, (void)writes_only;
}
static void fs_unpause(void *ctx) { (void)ctx; }

static void fs_addr_of(void *ctx, const struct kv_session *session, char *out) {
    (void)ctx, (void)session;
    snprintf(out, KV_CLIENT_ADDR_MAX, "127.0.0.1:1");
}

static struct fake_server fs;
static struct kv_engine_clients fs_clients = {
    .slots = fs_slots, .connected = fs_connected, .describe = fs_describe, .kill = fs_kill,
    .pause = fs_pause, .unpause = fs_unpause, .addr_of = fs_addr_of, .ctx = &fs};

/* An engine whose server holds slots 0 (h->s), 1 (h->watcher) and 2 (id 7, "bob"). */
static struct test_engine *h_open(void) {
    struct test_engine *h = te_new();
    h->cfg.maxmemory = 1 << 20;
    te_start(h, 1);
    memset(&fs, 0, sizeof(fs));
    kv_session_init(&fs.other, 7);
    memcpy(fs.other.name, "bob", 3);
    fs.other.name_len = 3;
    fs.at[0] = &h->s;
    fs.at[1] = &h->watcher;
    fs.at[2] = &fs.other;
    kv_engine_set_clients(&h->e, &fs_clients);
    return h;
}

TEST(test_format_line) {
    struct kv_session s;
    kv_session_init(&s, 42);
    memcpy(s.name, "worker 1", 8); /* the line does not quote names */
    s.name_len = 8;
    s.flags |= KV_SESSION_MULTI | KV_SESSION_DIRTY_CAS | KV_SESSION_NO_EVICT;
    s.multi_count = 3;
    s.proto = 3;
    s.last_cmd = "client";
    memcpy(s.last_sub, "list", 4);
    s.last_sub_len = 4;
    memcpy(s.lib_name, "redis-py", 8);
    s.lib_name_len = 8;
    memcpy(s.lib_ver, "5.0.1", 5);
    s.lib_ver_len = 5;
    struct kv_client_info ci = {.session = &s, .fd = 12, .age_s = 1234, .idle_s = 5,
                                .qbuf = 26, .qbuf_free = 16358, .multi_mem = 99, .rbs = 16384,
                                .obl = 7, .tot_mem = 40000, .writing = true};
    snprintf(ci.addr, sizeof(ci.addr), "127.0.0.1:51234");
    snprintf(ci.laddr, sizeof(ci.laddr), "127.0.0.1:6379");
    char buf[KV_CLIENT_LINE_MAX];
    uint32_t n = kv_client_format(&ci, 17, buf, sizeof(buf));
    CHECK_STR(buf, n, "id=42 addr=127.0.0.1:51234 laddr=127.0.0.1:6379 fd=12 name=worker 1 "
              "age=1234 idle=5 flags=xde db=0 sub=0 psub=0 ssub=0 multi=3 qbuf=26 "
              "qbuf-free=16358 argv-mem=17 multi-mem=99 rbs=16384 rbp=16384 obl=7 oll=0 "
              "omem=0 tot-mem=40000 events=rw cmd=client|list user=default redir=-1 resp=3 "
              "lib-name=redis-py lib-ver=5.0.1\n");
    /* a fresh client: no flags (N), multi=-1, cmd=NULL, no name, RESP2, events=r */
    kv_session_init(&s, 1);
    memset(&ci, 0, sizeof(ci));
    ci.session = &s;
    snprintf(ci.addr, sizeof(ci.addr), "?:0");
    snprintf(ci.laddr, sizeof(ci.laddr), "?:0");
    ci.fd = -1;
    n = kv_client_format(&ci, 0, buf, sizeof(buf));
    CHECK_STR(buf, n, "id=1 addr=?:0 laddr=?:0 fd=-1 name= age=0 idle=0 flags=N db=0 sub=0 "
              "psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 "
              "obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=NULL user=default redir=-1 resp=2 "
              "lib-name= lib-ver=\n");
}

/* CLIENT LIST ID 7: the named client's line as the engine writes it (a bulk string). */
TEST(test_list_by_id) {
    struct test_engine *h = h_open();
    const char *line = "id=7 addr=127.0.0.1:50002 laddr=127.0.0.1:6380 fd=10 name=bob age=0 "
                       "idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 "
                       "argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 "
                       "events=r cmd=NULL user=default redir=-1 resp=2 lib-name= lib-ver=\n";
    char want[KV_CLIENT_LINE_MAX + 32];
    snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(line), line);
    EXPECT(h, want, "CLIENT", "LIST", "ID", "7", "99");
    EXPECT(h, "$0\r\n\r\n", "CLIENT", "LIST", "ID", "99");
    EXPECT(h, "-ERR Invalid client ID\r\n", "CLIENT", "LIST", "ID", "x");
    te_close(h);
}

/* Each filter: who it matches, what kill() was asked, the reply. */
TEST(test_kill_filters) {
    struct test_engine *h = h_open();
    EXPECT(h, ":0\r\n", "CLIENT", "KILL", "ID", "99");
    EXPECT(h, ":0\r\n", "CLIENT", "KILL", "ID", "1"); /* SKIPME yes by default */
    EXPECT(h, ":0\r\n", "CLIENT", "KILL", "ADDR", "127.0.0.1:1");
    EXPECT(h, ":0\r\n", "CLIENT", "KILL", "LADDR", "127.0.0.1:1");
    EXPECT(h, ":0\r\n", "CLIENT", "KILL", "TYPE", "pubsub");
    EXPECT(h, ":0\r\n", "CLIENT", "KILL", "ID", "7", "ADDR", "127.0.0.1:50001");
    CHECK(fs.killed == 0);
    EXPECT(h, ":1\r\n", "CLIENT", "KILL", "ID", "7");
    CHECK(fs.killed == 4u);
    EXPECT(h, ":1\r\n", "client", "kill", "addr", "127.0.0.1:50001");
    CHECK(fs.killed == 6u);
    CHECK((h->s.flags & KV_SESSION_CLOSE) == 0);
    te_close(h);
}

TEST(test_kill_skipme_user_laddr) {
    struct test_engine *h = h_open();
    EXPECT(h, ":1\r\n", "CLIENT", "KILL", "LADDR", "127.0.0.1:6380");
    CHECK(fs.killed == 4u);
    EXPECT(h, ":1\r\n", "CLIENT", "KILL", "USER", "default"); /* all but the caller */
    CHECK(fs.killed == 6u);
    CHECK((h->s.flags & KV_SESSION_CLOSE) == 0);
    EXPECT(h, ":1\r\n", "CLIENT", "KILL", "USER", "default", "SKIPME", "no");
    CHECK(fs.killed == 6u); /* the caller is closed after its reply, not by kill() */
    CHECK((h->s.flags & KV_SESSION_CLOSE) != 0);
    te_close(h);
}

TEST(test_kill_old_form_and_errors) {
    struct test_engine *h = h_open();
    EXPECT(h, "-ERR No such client\r\n", "CLIENT", "KILL", "127.0.0.1:6379");
    EXPECT(h, "-ERR No such client\r\n", "CLIENT", "KILL", "127.0.0.1:5000");
    EXPECT(h, "+OK\r\n", "CLIENT", "KILL", "127.0.0.1:50002");
    CHECK(fs.killed == 4u);
    EXPECT(h, "-ERR No such client\r\n", "CLIENT", "KILL", "127.0.0.1:50002");
    EXPECT(h, "-ERR client-id should be greater than 0\r\n", "CLIENT", "KILL", "ID", "0");
    EXPECT(h, "-ERR client-id should be greater than 0\r\n", "CLIENT", "KILL", "ID", "x");
    EXPECT(h, "-ERR No such user 'nobody'\r\n", "CLIENT", "KILL", "USER", "nobody");
    EXPECT(h, "-ERR Unknown client type 'foo'\r\n", "CLIENT", "KILL", "TYPE", "foo");
    EXPECT(h, "-ERR syntax error\r\n", "CLIENT", "KILL", "SKIPME", "maybe");
    EXPECT(h, "-ERR syntax error\r\n", "CLIENT", "KILL", "ID", "7", "ADDR");
    EXPECT(h, "-ERR syntax error\r\n", "CLIENT", "KILL", "FOO", "bar");
    CHECK(fs.killed == 4u);
    /* the old form may kill the caller itself */
    EXPECT(h, "+OK\r\n", "CLIENT", "KILL", "127.0.0.1:50000");
    CHECK((h->s.flags & KV_SESSION_CLOSE) != 0);
    te_close(h);
}

int main(void) {
    RUN(test_format_line);
    RUN(test_list_by_id);
    RUN(test_kill_filters);
    RUN(test_kill_skipme_user_laddr);
    RUN(test_kill_old_form_and_errors);
    TEST_SUMMARY("cmd_client");
}

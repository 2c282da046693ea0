/*
 * sim_model_stream_test.c: the reference model's streams: ID parsing in every form
 * Redis 7.0's parser takes or refuses, ID order and its edges, the `*` rule against
 * the clock, listpack sizes at each encoding's edge, node sizes and the node split
 * that `~` trims by, and the commands on exact bytes, each taken from redis-server
 * 7.0.15 (RESP2 and RESP3).
 */
#include <string.h>

#include "sim_model_stream.h"
#include "testing.h"

#define NOW 1700000000000ll
#define ERR_ID "-ERR Invalid stream ID specified as stream command argument\r\n"

static struct sim_buf expected;

/* Runs "a b c" (space separated) with `reply` at now; true if the model agrees. */
static uint32_t split(const char *cmd, struct kv_slice *argv) {
    static char buf[512];
    uint32_t argc = 0;
    size_t n = strlen(cmd);
    memcpy(buf, cmd, n + 1);
    for (char *p = buf; *p != 0 && argc < 16;) {
        char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        argv[argc].ptr = (const uint8_t *)p;
        argv[argc].len = (uint32_t)len;
        argc++;
        p += len + (sp != NULL ? 1 : 0);
    }
    return argc;
}

static bool run_as_at(struct sim_model *m, uint64_t session, const char *cmd, const char *reply,
                      int64_t now) {
    struct kv_slice argv[16];
    uint32_t argc = split(cmd, argv);
    char why[160];
    return sim_model_command(m, session, argc, argv, now, (const uint8_t *)reply,
                             (uint32_t)strlen(reply), &expected, why, sizeof(why));
}

static bool run_at(struct sim_model *m, const char *cmd, const char *reply, int64_t now) {
    return run_as_at(m, 1, cmd, reply, now);
}

/* The core reports `cmd` blocked for session: does the model agree? */
static bool block(struct sim_model *m, uint64_t session, const char *cmd) {
    struct kv_slice argv[16];
    uint32_t argc = split(cmd, argv);
    char why[160];
    return sim_model_block(m, session, argc, argv, NOW, why, sizeof(why));
}

static bool run(struct sim_model *m, const char *cmd, const char *reply) {
    return run_at(m, cmd, reply, NOW);
}

static struct sim_model *model(uint64_t node_bytes, uint64_t node_entries) {
    struct sim_model_limits lim = {.proto_max_bulk_len = 1000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32,
                                   .maxmemory = 1 << 20, .maxclients = 8,
                                   .stream_node_max_bytes = node_bytes,
                                   .stream_node_max_entries = node_entries};
    return sim_model_create(&lim);
}

static bool parses(const char *s, bool strict, uint64_t ms, uint64_t seq) {
    struct m_xid id = {7, 7};
    struct kv_slice sl = {(const uint8_t *)s, (uint32_t)strlen(s)};
    return m_xid_parse(sl, 5, strict, NULL, &id) && id.ms == ms && id.seq == seq;
}

static bool refused(const char *s, bool strict) {
    struct m_xid id;
    struct kv_slice sl = {(const uint8_t *)s, (uint32_t)strlen(s)};
    return !m_xid_parse(sl, 5, strict, NULL, &id);
}

TEST(id_parse) {
    CHECK(parses("1-2", true, 1, 2));
    CHECK(parses("3", true, 3, 5)); /* the missing sequence */
    CHECK(parses("-", false, 0, 0));
    CHECK(parses("+", false, UINT64_MAX, UINT64_MAX));
    CHECK(refused("-", true) && refused("+", true));
    CHECK(parses("18446744073709551615-18446744073709551615", true, UINT64_MAX, UINT64_MAX));
    CHECK(refused("18446744073709551616-0", true) && refused("1-18446744073709551616", true));
    /* strtoull's forms where string2ll refuses: spaces, '+', leading zeros, "-0" */
    CHECK(parses(" 5", true, 5, 5) && parses("+5", true, 5, 5) && parses("007", true, 7, 5));
    CHECK(parses("1--0", true, 1, 0) && parses("8-+1", true, 8, 1) && parses("\t3", true, 3, 5));
    CHECK(refused("1--2", true) && refused("-1", true) && refused("1-", true));
    CHECK(refused("", true) && refused("x", true) && refused("1-2-3", true));
    CHECK(refused("0x10", true) && refused("1 ", true) && refused("1.5", true));
    CHECK(refused("1-*", true)); /* `*` only where a sequence may be generated */
    struct m_xid id;
    bool given = true;
    struct kv_slice star = {(const uint8_t *)"9-*", 3};
    CHECK(m_xid_parse(star, 0, true, &given, &id) && !given && id.ms == 9);
    struct kv_slice nul = {(const uint8_t *)"4\0junk", 6}; /* a C string: ends at NUL */
    CHECK(m_xid_parse(nul, 0, true, NULL, &id) && id.ms == 4 && id.seq == 0);
    char digits[129];
    memset(digits, '0', sizeof(digits));
    digits[127] = 0; /* 127 bytes: the longest Redis reads */
    CHECK(parses(digits, true, 0, 5));
    digits[127] = '0';
    digits[128] = 0;
    CHECK(refused(digits, true));
}

TEST(id_order_and_auto) {
    struct m_xid a = {1, UINT64_MAX}, b = {2, 0}, max = {UINT64_MAX, UINT64_MAX}, z = {0, 0};
    CHECK(m_xid_cmp(a, b) < 0 && m_xid_cmp(b, a) > 0 && m_xid_cmp(a, a) == 0);
    struct m_xid x = a;
    CHECK(m_xid_incr(&x) && m_xid_cmp(x, b) == 0);
    CHECK(m_xid_decr(&x) && m_xid_cmp(x, a) == 0);
    CHECK(!m_xid_incr(&max) && !m_xid_decr(&z));
    struct m_xid last = {100, 4};
    CHECK(m_xid_auto(last, 101).ms == 101 && m_xid_auto(last, 101).seq == 0);
    CHECK(m_xid_auto(last, 100).ms == 100 && m_xid_auto(last, 100).seq == 5);
    CHECK(m_xid_auto(last, 90).ms == 100 && m_xid_auto(last, 90).seq == 5); /* behind */
    last.seq = UINT64_MAX;
    CHECK(m_xid_auto(last, 100).ms == 101 && m_xid_auto(last, 100).seq == 0);
    char buf[42];
    CHECK(m_xid_fmt(max, buf) == 41 && strcmp(buf, "18446744073709551615-18446744073709551615")
                                           == 0);
}

TEST(listpack_sizes) {
    CHECK(m_lp_int_size(0) == 2 && m_lp_int_size(127) == 2 && m_lp_int_size(128) == 3);
    CHECK(m_lp_int_size(-1) == 3 && m_lp_int_size(-4096) == 3 && m_lp_int_size(4096) == 4);
    CHECK(m_lp_int_size(32767) == 4 && m_lp_int_size(32768) == 5);
    CHECK(m_lp_int_size(8388607) == 5 && m_lp_int_size(8388608) == 6);
    CHECK(m_lp_int_size(INT32_MAX) == 6 && m_lp_int_size((int64_t)INT32_MAX + 1) == 10);
    struct kv_slice s63 = {(const uint8_t *)"", 63}, s64 = {(const uint8_t *)"", 64};
    char big[200];
    memset(big, 'a', sizeof(big));
    s63.ptr = s64.ptr = (const uint8_t *)big;
    CHECK(m_lp_str_size(s63) == 65 && m_lp_str_size(s64) == 67); /* 1- then 2-byte header */
    struct kv_slice s126 = {(const uint8_t *)big, 126}, s125 = {(const uint8_t *)big, 125};
    CHECK(m_lp_str_size(s125) == 128 && m_lp_str_size(s126) == 130); /* backlen 1 -> 2 */
    CHECK(m_lp_str_size((struct kv_slice){(const uint8_t *)"007", 3}) == 5); /* a string */
    CHECK(m_lp_str_size((struct kv_slice){(const uint8_t *)"-7", 2}) == 3);  /* an int */
}

/* Entry "a 1": a node of one is 28 bytes, each more 10; with stream-node-max-bytes
 * 50 the fourth (48 + its 2 bytes reach 50) opens a node, with 51 it does not
 * (redis-server 7.0.15: XTRIM MAXLEN ~ 1 removes 3, then 0). */
TEST(node_bytes_and_split) {
    struct mstream *s = m_xs_new();
    struct kv_slice fv[2] = {{(const uint8_t *)"a", 1}, {(const uint8_t *)"1", 1}};
    struct m_xnode_limits lim = {50, 0};
    for (uint64_t i = 1; i <= 3; i++) m_xs_append(s, (struct m_xid){1, i}, fv, 1, &lim);
    CHECK(s->nn == 1 && m_xs_node_bytes(&s->node[0]) == 48);
    m_xs_append(s, (struct m_xid){1, 4}, fv, 1, &lim);
    CHECK(s->nn == 2 && m_xs_node_bytes(&s->node[1]) == 28);
    m_xs_free(s);
    struct sim_model *m = model(50, 0);
    CHECK(run(m, "XADD s 1-1 a 1", "$3\r\n1-1\r\n") && run(m, "XADD s 1-2 a 1", "$3\r\n1-2\r\n"));
    CHECK(run(m, "XADD s 1-3 a 1", "$3\r\n1-3\r\n") && run(m, "XADD s 1-4 a 1", "$3\r\n1-4\r\n"));
    CHECK(run(m, "XTRIM s MAXLEN ~ 1", ":3\r\n"));
    sim_model_destroy(m);
    m = model(51, 0);
    CHECK(run(m, "XADD t 1-1 a 1", "$3\r\n1-1\r\n") && run(m, "XADD t 1-2 a 1", "$3\r\n1-2\r\n"));
    CHECK(run(m, "XADD t 1-3 a 1", "$3\r\n1-3\r\n") && run(m, "XADD t 1-4 a 1", "$3\r\n1-4\r\n"));
    CHECK(run(m, "XTRIM t MAXLEN ~ 1", ":0\r\n") && run(m, "XTRIM t MAXLEN 1", ":3\r\n"));
    sim_model_destroy(m);
}

/* stream-node-max-entries 2: nodes [1 2] [3 4] [5]; XDEL of a node's last live entry
 * frees it, and the next entry joins the tail node (redis-server 7.0.15). */
TEST(node_entries_xdel_and_approx_trim) {
    struct sim_model *m = model(0, 2);
    char cmd[32], id[24];
    for (int i = 1; i <= 5; i++) {
        snprintf(cmd, sizeof(cmd), "XADD u %d-1 f v", i);
        snprintf(id, sizeof(id), "$3\r\n%d-1\r\n", i);
        CHECK(run(m, cmd, id));
    }
    CHECK(run(m, "XTRIM u MAXLEN ~ 2", ":2\r\n"));
    CHECK(run(m, "XDEL u 3-1 4-1 4-1", ":2\r\n"));
    CHECK(run(m, "XADD u 6-1 f v", "$3\r\n6-1\r\n"));
    CHECK(run(m, "XTRIM u MAXLEN ~ 0", ":2\r\n"));
    CHECK(run(m, "XLEN u", ":0\r\n") && run(m, "TYPE u", "+stream\r\n")); /* empty, kept */
    CHECK(run(m, "XADD u * f v", "$15\r\n1700000000000-0\r\n"));
    CHECK(run(m, "XTRIM u MINID ~ 1700000000001 LIMIT 0", ":1\r\n"));
    CHECK(run(m, "XTRIM u MAXLEN 0 LIMIT 1", "-ERR syntax error, LIMIT cannot be used without "
                                             "the special ~ option\r\n"));
    sim_model_destroy(m);
}

TEST(xadd_ids_and_errors) {
    struct sim_model *m = model(4096, 100);
    CHECK(run(m, "XADD s 0-0 f v", "-ERR The ID specified in XADD must be greater than 0-0\r\n"));
    CHECK(run(m, "EXISTS s", ":0\r\n"));
    CHECK(run(m, "XADD s 0-* f v", "$3\r\n0-1\r\n") && run(m, "XADD s 5 a b", "$3\r\n5-0\r\n"));
    CHECK(run(m, "XADD s 5-* a b", "$3\r\n5-1\r\n"));
    CHECK(run(m, "XADD s 5-1 a b", "-ERR The ID specified in XADD is equal or smaller than "
                                   "the target stream top item\r\n"));
    CHECK(run(m, "XADD s * a b", "$15\r\n1700000000000-0\r\n"));
    CHECK(run(m, "XADD s * a b", "$15\r\n1700000000000-1\r\n")); /* the same ms */
    CHECK(run_at(m, "XADD s * a b", "$15\r\n1700000000000-2\r\n", NOW - 5)); /* behind */
    CHECK(run(m, "XADD s junk a b", ERR_ID) && run(m, "XADD s - a b", ERR_ID));
    /* ms-* at the last ID's ms with its sequence exhausted (found by --redis seed 31) */
    CHECK(run(m, "XADD t 5-18446744073709551615 f v", "$22\r\n5-18446744073709551615\r\n"));
    CHECK(run(m, "XADD t 5-* f v", "-ERR Elements are too large to be stored\r\n"));
    CHECK(run(m, "XADD t 4-* f v", "-ERR The ID specified in XADD is equal or smaller than "
                                   "the target stream top item\r\n"));
    CHECK(run(m, "XADD s * a", "-ERR wrong number of arguments for 'xadd' command\r\n"));
    CHECK(run(m, "XADD s MAXLEN 1 MINID 2 * a b", "-ERR syntax error, MAXLEN and MINID "
                                                  "options at the same time are not "
                                                  "compatible\r\n"));
    CHECK(run(m, "XADD s LIMIT 5 * a b", "-ERR syntax error, LIMIT cannot be used without "
                                         "specifying a trimming strategy\r\n"));
    CHECK(run(m, "XADD s MAXLEN -1 * a b", "-ERR The MAXLEN argument must be >= 0.\r\n"));
    CHECK(run(m, "XADD s MAXLEN ~ 1 LIMIT -1 * a b", "-ERR The LIMIT argument must be >= 0.\r\n"));
    CHECK(run(m, "XADD s MAXLEN ~ x * a b", "-ERR value is not an integer or out of range\r\n"));
    CHECK(run(m, "XADD n NOMKSTREAM * a b", "$-1\r\n") && run(m, "EXISTS n", ":0\r\n"));
    CHECK(run(m, "XADD s 18446744073709551615-18446744073709551615 a b",
              "$41\r\n18446744073709551615-18446744073709551615\r\n"));
    CHECK(run(m, "XADD s * a b", "-ERR The stream has exhausted the last possible ID, unable "
                                 "to add more items\r\n"));
    CHECK(run(m, "SET str x", "+OK\r\n"));
    CHECK(run(m, "XADD str * a b", "-WRONGTYPE Operation against a key holding the wrong kind "
                                   "of value\r\n"));
    CHECK(run(m, "XADD str x a b", ERR_ID)); /* the ID is read before the key */
    sim_model_destroy(m);
}

TEST(ranges_and_xread) {
    struct sim_model *m = model(4096, 100);
    CHECK(run(m, "XADD s 1-1 a 1", "$3\r\n1-1\r\n"));
    CHECK(run(m, "XADD s 1-2 b 2 c 3", "$3\r\n1-2\r\n"));
    CHECK(run(m, "XADD s 2-0 a 1", "$3\r\n2-0\r\n"));
    const char *all = "*2\r\n*2\r\n$3\r\n1-2\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
                      "*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n";
    CHECK(run(m, "XRANGE s (1-1 +", all));
    CHECK(run(m, "XRANGE s - + COUNT 0", "*-1\r\n") && run(m, "XRANGE n - + COUNT 0", "*0\r\n"));
    CHECK(run(m, "XRANGE s (- +", ERR_ID) && run(m, "XRANGE s ( +", ERR_ID));
    CHECK(run(m, "XRANGE s - (0-0", "-ERR invalid end ID for the interval\r\n"));
    CHECK(run(m, "XRANGE s (18446744073709551615-18446744073709551615 +",
              "-ERR invalid start ID for the interval\r\n"));
    CHECK(run(m, "XRANGE s - + count", "-ERR syntax error\r\n"));
    CHECK(run(m, "XREVRANGE s + - COUNT 1",
              "*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(run(m, "XRANGE s 1 1-1", "*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(run(m, "XDEL s 9-9 x", ERR_ID) && run(m, "XDEL n x", ":0\r\n"));
    CHECK(run(m, "XDEL s 1-1 1-1", ":1\r\n"));
    CHECK(run(m, "XREAD STREAMS s n 0 0", "*1\r\n*2\r\n$1\r\ns\r\n") == false);
    CHECK_STR(expected.p, expected.len, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-2\r\n*4\r\n"
                                        "$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n"
                                        "2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(run(m, "XREAD STREAMS s $", "*-1\r\n"));
    CHECK(run(m, "XREAD STREAMS s x 0", "-ERR Unbalanced XREAD list of streams: for each stream "
                                        "key an ID or '$' must be specified.\r\n"));
    CHECK(run(m, "XREAD STREAMS s >", "-ERR The > ID can be specified only when calling "
                                      "XREADGROUP using the GROUP <group> <consumer> "
                                      "option.\r\n"));
    CHECK(run(m, "SET str x", "+OK\r\n"));
    CHECK(run(m, "XREAD STREAMS s str 0 x", "-WRONGTYPE Operation against a key holding the "
                                            "wrong kind of value\r\n"));
    CHECK(run(m, "HELLO 3",
              "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\n"
              "proto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\n"
              "role\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));
    CHECK(run(m, "XREAD COUNT 1 STREAMS s 0", "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-2\r\n*4\r\n"
                                              "$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"));
    CHECK(run(m, "XREAD STREAMS s $", "_\r\n") && run(m, "XRANGE s - + COUNT 0", "_\r\n"));
    CHECK(run(m, "XADD n NOMKSTREAM * a b", "_\r\n"));
    CHECK(run(m, "OBJECT ENCODING s", "$6\r\nstream\r\n"));
    sim_model_destroy(m);
}

/* COPY keeps the nodes as they are (deleted entries too), RENAME moves them. */
TEST(copy_rename_watch) {
    struct sim_model *m = model(0, 2);
    CHECK(run(m, "XADD a 1-1 f v", "$3\r\n1-1\r\n") && run(m, "XADD a 2-1 f v", "$3\r\n2-1\r\n"));
    CHECK(run(m, "XADD a 3-1 f v", "$3\r\n3-1\r\n") && run(m, "XDEL a 2-1", ":1\r\n"));
    CHECK(run(m, "COPY a b", ":1\r\n") && run(m, "RENAME b c", "+OK\r\n"));
    CHECK(run(m, "XTRIM c MAXLEN ~ 1", ":1\r\n") && run(m, "XLEN a", ":2\r\n"));
    CHECK(run(m, "SCAN 0 TYPE stream", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nc\r\n") ||
          run(m, "SCAN 0 TYPE stream", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nc\r\n$1\r\na\r\n"));
    CHECK(run(m, "WATCH a", "+OK\r\n") && run(m, "XTRIM a MAXLEN 5", ":0\r\n"));
    CHECK(run(m, "MULTI", "+OK\r\n") && run(m, "EXEC", "*0\r\n")); /* nothing changed */
    CHECK(run(m, "WATCH a", "+OK\r\n") && run(m, "XADD a 9-9 f v", "$3\r\n9-9\r\n"));
    CHECK(run(m, "MULTI", "+OK\r\n") && run(m, "EXEC", "*-1\r\n"));
    sim_model_destroy(m);
}

/* XREAD BLOCK: `$` is the last ID when it blocks; an XADD serves every reader whose ID
 * the last ID is past, oldest first, each with that key's entries; XDEL serves none. */
TEST(xread_block) {
    struct sim_model *m = model(4096, 100);
    uint64_t due;
    CHECK(run(m, "XADD s 1-1 f v", "$3\r\n1-1\r\n"));
    CHECK(!block(m, 2, "XREAD BLOCK 0 STREAMS s 0")); /* it has entries to read */
    CHECK(!block(m, 2, "XREAD BLOCK -1 STREAMS s $"));
    CHECK(block(m, 2, "XREAD BLOCK 0 STREAMS s $"));
    CHECK(block(m, 3, "XREAD BLOCK 0 STREAMS s 5-0"));
    CHECK(block(m, 4, "XREAD COUNT 1 BLOCK 0 STREAMS t s $ 1-1"));
    CHECK(!sim_model_block_due(m, &due));
    CHECK(run(m, "XADD s 2-0 a b", "$3\r\n2-0\r\n"));
    CHECK(sim_model_block_due(m, &due) && due == 2);
    CHECK(!run_as_at(m, 4, "XREAD COUNT 1 BLOCK 0 STREAMS t s $ 1-1", "*-1\r\n", NOW));
    CHECK(run_as_at(m, 2, "XREAD BLOCK 0 STREAMS s $",
                    "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n"
                    "$1\r\nb\r\n", NOW));
    CHECK(run_as_at(m, 4, "XREAD COUNT 1 BLOCK 0 STREAMS t s $ 1-1",
                    "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n"
                    "$1\r\nb\r\n", NOW));
    CHECK(!sim_model_block_due(m, &due) && sim_model_blocked(m, 3));
    CHECK(run(m, "MULTI", "+OK\r\n") && run(m, "XADD s 6-0 c d", "+QUEUED\r\n"));
    CHECK(run(m, "XDEL s 6-0", "+QUEUED\r\n") && sim_model_exec_expect(m, 1, NOW));
    CHECK(run(m, "XADD s 6-0 c d", "$3\r\n6-0\r\n") && run(m, "XDEL s 6-0", ":1\r\n"));
    CHECK(run(m, "EXEC", "*2\r\n$3\r\n6-0\r\n:1\r\n"));
    CHECK(sim_model_block_due(m, &due) && due == 3); /* the last ID is past: none left */
    CHECK(run_as_at(m, 3, "XREAD BLOCK 0 STREAMS s 5-0", "*1\r\n*2\r\n$1\r\ns\r\n*0\r\n",
                    NOW));
    CHECK(block(m, 3, "XREAD BLOCK 0 STREAMS s 2-0"));
    CHECK(run(m, "XDEL s 1-1", ":1\r\n")); /* no XADD: not served */
    CHECK(!sim_model_block_due(m, &due) && sim_model_blocked(m, 3));
    CHECK(run(m, "MULTI", "+OK\r\n") && run(m, "XREAD BLOCK 0 STREAMS s $", "+QUEUED\r\n"));
    CHECK(sim_model_exec_expect(m, 1, NOW));
    CHECK(run(m, "XREAD BLOCK 0 STREAMS s $", "*-1\r\n")); /* nothing blocks in EXEC */
    CHECK(run(m, "EXEC", "*1\r\n*-1\r\n"));
    sim_model_destroy(m);
}

int main(void) {
    RUN(id_parse);
    RUN(id_order_and_auto);
    RUN(listpack_sizes);
    RUN(node_bytes_and_split);
    RUN(node_entries_xdel_and_approx_trim);
    RUN(xadd_ids_and_errors);
    RUN(ranges_and_xread);
    RUN(copy_rename_watch);
    RUN(xread_block);
    sim_buf_free(&expected);
    TEST_SUMMARY("sim_model_stream");
}

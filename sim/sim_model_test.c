/*
 * sim_model_test.c: the reference model on exact bytes: Redis 7.0 replies and
 * errors (checked against a real redis-server 7.0.15 with `kv sim --redis`), TTL
 * boundaries, MULTI/EXEC as the engine reports it (queued replies, replays, EXEC),
 * the leniencies (-OOM, reply too large, DBSIZE with lingering expired keys,
 * RANDOMKEY/KEYS membership), and that a wrong reply is caught.
 */
#include <string.h>

#include "kv/config.h"
#include "sim_model.h"
#include "testing.h"

#define NOW 1700000000000ll

static struct sim_buf expected;

/* Runs "a b c" (space separated) with `reply`; true if the model agrees. */
static bool run(struct sim_model *m, uint64_t session, int64_t now, const char *cmd,
                const char *reply) {
    static char buf[512];
    struct kv_slice argv[16];
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
    char why[128];
    return sim_model_command(m, session, argc, argv, now, (const uint8_t *)reply,
                             (uint32_t)strlen(reply), &expected, why, sizeof(why));
}

static struct sim_model *model(void) {
    struct sim_model_limits lim = {.proto_max_bulk_len = 1000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32,
                                   .maxmemory = 1 << 20, .maxclients = 8};
    return sim_model_create(&lim);
}

TEST(strings_and_wrong_replies) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "SET k v", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "get k", "$1\r\nv\r\n"));
    CHECK(!run(m, 1, NOW, "GET k", "$1\r\nw\r\n"));
    CHECK_STR(expected.p, expected.len, "$1\r\nv\r\n");
    CHECK(run(m, 1, NOW, "APPEND k xyz", ":4\r\n"));
    CHECK(run(m, 1, NOW, "RPUSH l a", ":1\r\n"));
    CHECK(run(m, 1, NOW, "GET l",
              "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"));
    CHECK(run(m, 1, NOW, "SET k v NX XX", "-ERR syntax error\r\n"));
    CHECK(run(m, 1, NOW, "SET k new GET", "$4\r\nvxyz\r\n"));
    CHECK(run(m, 1, NOW, "GETRANGE k 1 -1", "$2\r\new\r\n"));
    CHECK(run(m, 1, NOW, "MSET a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n"));
    sim_model_destroy(m);
}

TEST(counters_overflow_and_canary) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "INCRBY n 9223372036854775807", ":9223372036854775807\r\n"));
    CHECK(run(m, 1, NOW, "INCR n", "-ERR increment or decrement would overflow\r\n"));
    CHECK(run(m, 1, NOW, "DECRBY n -9223372036854775808", "-ERR decrement would overflow\r\n"));
    CHECK(run(m, 1, NOW, "INCRBY n 01", "-ERR value is not an integer or out of range\r\n"));
    CHECK(run(m, 1, NOW, "SET c 5", "+OK\r\n"));
    sim_model_set_canary(m, true);
    CHECK(!run(m, 1, NOW, "INCR c", ":6\r\n"));
    CHECK_STR(expected.p, expected.len, ":7\r\n");
    sim_model_destroy(m);
}

TEST(ttl_boundaries) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "SET k v PX 100", "+OK\r\n"));
    CHECK(run(m, 1, NOW + 50, "PTTL k", ":50\r\n"));
    CHECK(run(m, 1, NOW + 50, "TTL k", ":0\r\n"));
    CHECK(run(m, 1, NOW + 100, "GET k", "$1\r\nv\r\n")); /* expired only when now > when */
    CHECK(run(m, 1, NOW + 101, "GET k", "$-1\r\n"));
    CHECK(run(m, 1, NOW + 101, "DBSIZE", ":1\r\n")); /* the core may not have deleted it */
    CHECK(run(m, 1, NOW + 101, "DBSIZE", ":0\r\n"));
    CHECK(!run(m, 1, NOW + 101, "DBSIZE", ":2\r\n"));
    CHECK(run(m, 1, NOW, "SET e v", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "EXPIRE e 10 NX XX",
              "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"));
    CHECK(run(m, 1, NOW, "EXPIRE e 10 GT", ":0\r\n"));
    CHECK(run(m, 1, NOW, "EXPIRE e 10 zz", "-ERR Unsupported option zz\r\n"));
    CHECK(run(m, 1, NOW, "EXPIRE e 0", ":1\r\n")); /* not in the future: deleted */
    CHECK(run(m, 1, NOW, "EXISTS e e", ":0\r\n"));
    CHECK(run(m, 1, NOW, "SETEX e 0 v", "-ERR invalid expire time in 'setex' command\r\n"));
    sim_model_destroy(m);
}

TEST(lists_in_redis_order) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "RPUSH l a b c", ":3\r\n"));
    CHECK(run(m, 1, NOW, "LMOVE l l left right", "$1\r\na\r\n"));
    CHECK(run(m, 1, NOW, "LRANGE l 0 -1", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"));
    CHECK(run(m, 1, NOW, "RPOP l 2", "*2\r\n$1\r\na\r\n$1\r\nc\r\n"));
    CHECK(run(m, 1, NOW, "LPOP l x", "-ERR value is out of range, must be positive\r\n"));
    CHECK(run(m, 1, NOW, "LPOP nosuch 0", "*-1\r\n"));
    CHECK(run(m, 1, NOW, "LINDEX nosuch x", "$-1\r\n"));
    CHECK(run(m, 1, NOW, "LPOP l", "$1\r\nb\r\n"));
    CHECK(run(m, 1, NOW, "EXISTS l", ":0\r\n")); /* the last pop deleted the key */
    CHECK(run(m, 1, NOW, "LSET l 0 x", "-ERR no such key\r\n"));
    CHECK(run(m, 1, NOW, "RPUSH p a b a", ":3\r\n"));
    CHECK(run(m, 1, NOW, "LPOS p a RANK -1 COUNT 0", "*2\r\n:2\r\n:0\r\n"));
    CHECK(run(m, 1, NOW, "LMPOP 2 x p right COUNT 2",
              "*2\r\n$1\r\np\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"));
    sim_model_destroy(m);
}

TEST(multi_exec_as_the_engine_reports_it) {
    struct sim_model *m = model();
    CHECK(run(m, 7, NOW, "MULTI", "+OK\r\n"));
    CHECK(run(m, 7, NOW, "MULTI", "-ERR MULTI calls can not be nested\r\n"));
    CHECK(run(m, 7, NOW, "SET k 1", "+QUEUED\r\n"));
    CHECK(run(m, 7, NOW, "INCR k", "+QUEUED\r\n"));
    CHECK(sim_model_in_multi(m, 7) && sim_model_queued(m, 7) == 2);
    CHECK(sim_model_exec_expect(m, 7, NOW));
    CHECK(run(m, 7, NOW, "SET k 1", "+OK\r\n"));
    CHECK(run(m, 7, NOW, "INCR k", ":2\r\n"));
    CHECK(run(m, 7, NOW, "EXEC", "*2\r\n+OK\r\n:2\r\n"));
    CHECK(!sim_model_in_multi(m, 7));
    CHECK(run(m, 7, NOW, "EXEC", "-ERR EXEC without MULTI\r\n"));
    CHECK(run(m, 7, NOW, "MULTI", "+OK\r\n"));
    CHECK(run(m, 7, NOW, "EXEC x", "-EXECABORT Transaction discarded because of: wrong number "
                                   "of arguments for 'exec' command\r\n"));
    CHECK(!sim_model_in_multi(m, 7));
    CHECK(run(m, 7, NOW, "MULTI", "+OK\r\n"));
    CHECK(run(m, 7, NOW, "NOPE", "-ERR unknown command 'NOPE', with args beginning with: \r\n"));
    CHECK(run(m, 7, NOW, "EXEC",
              "-EXECABORT Transaction discarded because of previous errors.\r\n"));
    CHECK(run(m, 7, NOW, "MULTI", "+OK\r\n"));
    for (uint32_t i = 0; i < 3; i++) CHECK(run(m, 7, NOW, "PING", "+QUEUED\r\n"));
    CHECK(run(m, 7, NOW, "PING", "-ERR MULTI queue is full (multi-max-commands 3)\r\n"));
    CHECK(run(m, 7, NOW, "DISCARD", "+OK\r\n"));
    sim_model_destroy(m);
}

TEST(watch_verdicts_follow_redis) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "SET k v", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "WATCH k", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "MULTI", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "WATCH k", "-ERR WATCH inside MULTI is not allowed\r\n"));
    CHECK(run(m, 1, NOW, "GET k", "+QUEUED\r\n"));
    CHECK(run(m, 2, NOW, "SET k w", "+OK\r\n")); /* another session changes it */
    CHECK(!sim_model_exec_expect(m, 1, NOW));       /* so EXEC must not run */
    CHECK(run(m, 1, NOW, "EXEC", "*-1\r\n"));
    CHECK(run(m, 1, NOW, "MULTI", "+OK\r\n"));   /* EXEC unwatched: this one runs */
    CHECK(run(m, 1, NOW, "GET k", "+QUEUED\r\n"));
    CHECK(run(m, 2, NOW, "SET k w2", "+OK\r\n"));
    CHECK(sim_model_exec_expect(m, 1, NOW));
    CHECK(run(m, 1, NOW, "GET k", "$2\r\nw2\r\n"));
    CHECK(run(m, 1, NOW, "EXEC", "*1\r\n$2\r\nw2\r\n"));
    CHECK(run(m, 1, NOW, "SET t v PX 10", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "WATCH t", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "MULTI", "+OK\r\n"));
    CHECK(!run(m, 1, NOW + 20, "EXEC", "*0\r\n")); /* Redis 7: an expired watch aborts */
    CHECK(run(m, 1, NOW, "SET t v PX 10", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "WATCH t", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "MULTI", "+OK\r\n"));
    CHECK(run(m, 1, NOW + 10, "EXEC", "*0\r\n")); /* at its expire time it is still live */
    CHECK(run(m, 1, NOW, "WATCH k", "+OK\r\n"));
    CHECK(run(m, 2, NOW, "SET k w2", "+OK\r\n")); /* written, unchanged: either way */
    CHECK(run(m, 1, NOW, "MULTI", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "EXEC", "*-1\r\n"));
    sim_model_destroy(m);
}

TEST(refusals_are_accepted_only_where_possible) {
    struct sim_model *m = model();
    const char *oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    CHECK(run(m, 1, NOW, "SET k v", oom));
    CHECK(run(m, 1, NOW, "GET k", "$-1\r\n")); /* refused: not executed */
    CHECK(!run(m, 1, NOW, "GET k", oom));
    CHECK(run(m, 1, NOW, "SET big 0123456789", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "GET big", "-ERR reply of up to 5000 bytes exceeds "
                                    "client-query-buffer-limit (4096 bytes)\r\n"));
    CHECK(!run(m, 1, NOW, "GET big", "-ERR reply of up to 5 bytes exceeds "
                                     "client-query-buffer-limit (4096 bytes)\r\n"));
    sim_model_destroy(m);
}

/* Under allkeys-*, a one-string write whose result fits once every key is evicted
 * must not be refused (sim_model_refuse.c); elsewhere -OOM stays accepted. */
TEST(oom_is_wrong_where_eviction_must_make_room) {
    const char *oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    struct sim_model_limits lim = {.proto_max_bulk_len = 100000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32, .data_bytes = 10000,
                                   .evicts_any_key = true};
    struct sim_model *m = sim_model_create(&lim);
    CHECK(run(m, 1, NOW, "SET a 1", "+OK\r\n"));
    CHECK(!run(m, 1, NOW, "SET k v", oom));
    CHECK(!run(m, 1, NOW, "SETRANGE k 4000 x", oom));    /* U = 4000 + 208: 2U + 1 KiB fits */
    CHECK(run(m, 1, NOW, "SETRANGE k 5000 x", oom));     /* 2U + 1 KiB > 10,000 */
    CHECK(run(m, 1, NOW, "RPUSH l x", oom));             /* lists: lenient */
    CHECK(run(m, 1, NOW, "MSET k v", oom));              /* many keys: lenient */
    CHECK(run(m, 1, NOW, "MULTI", "+OK\r\n"));
    CHECK(!run(m, 1, NOW, "SET k v", oom));              /* queueing evicts too */
    CHECK(run(m, 1, NOW, "DISCARD", "+OK\r\n"));
    sim_model_destroy(m);
    lim.eviction_keys = 1; /* fewer than the keys kv may hold */
    m = sim_model_create(&lim);
    CHECK(run(m, 1, NOW, "SET a 1", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "SET b 1", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "SET k v", oom));               /* 2 keys, 1 eviction: lenient */
    sim_model_destroy(m);
    lim.eviction_keys = 0;
    lim.evicts_any_key = false; /* noeviction, volatile-*: lenient */
    m = sim_model_create(&lim);
    CHECK(run(m, 1, NOW, "SET k v", oom));
    sim_model_destroy(m);
}

/* KEYS's refusal states its exact reply size; a SCAN page's lies within its keys'. */
TEST(keys_and_scan_refused_only_for_the_reply_they_produce) {
    struct sim_model_limits lim = {
        .proto_max_bulk_len = 1000, .multi_max_commands = 3, .reply_max = 16, .watch_max = 32};
    struct sim_model *m = sim_model_create(&lim);
    CHECK(run(m, 1, NOW, "SET aaaa 1", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "SET bbbb 1", "+OK\r\n"));
    const char *too = "-ERR reply of up to %d bytes exceeds client-query-buffer-limit (16 bytes)"
                      "\r\n";
    char r[128];
    snprintf(r, sizeof(r), too, 24); /* "*2\r\n" + 2 x "$4\r\naaaa\r\n" */
    CHECK(run(m, 1, NOW, "KEYS *", r));
    snprintf(r, sizeof(r), too, 30);
    CHECK(!run(m, 1, NOW, "KEYS *", r));                 /* not its reply's size */
    snprintf(r, sizeof(r), too, 14);
    CHECK(!run(m, 1, NOW, "KEYS a*", r));                /* 14 bytes fit under 16 */
    snprintf(r, sizeof(r), too, 40);
    CHECK(!run(m, 1, NOW, "KEYS nomatch*", r));          /* issue 18 item 8 */
    snprintf(r, sizeof(r), too, 20);
    CHECK(run(m, 1, NOW, "SCAN 0", r));                  /* 15 .. 4 + 17 + 4 + 20 = 45 */
    snprintf(r, sizeof(r), too, 46);
    CHECK(!run(m, 1, NOW, "SCAN 0", r));
    snprintf(r, sizeof(r), too, 30);
    CHECK(!run(m, 1, NOW, "SCAN 0 MATCH nomatch*", r));  /* a page of no key: 15 .. 25 */
    CHECK(!run(m, 1, NOW, "SCAN 0 COUNT 0", r));         /* an argument error is not sized */
    sim_model_destroy(m);
}

TEST(loose_replies_check_membership) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "RANDOMKEY", "$-1\r\n"));
    CHECK(run(m, 1, NOW, "SET k1 v", "+OK\r\n"));
    CHECK(run(m, 1, NOW, "RPUSH k2 v", ":1\r\n"));
    CHECK(run(m, 1, NOW, "RANDOMKEY", "$2\r\nk2\r\n"));
    CHECK(!run(m, 1, NOW, "RANDOMKEY", "$2\r\nk3\r\n"));
    CHECK(!run(m, 1, NOW, "RANDOMKEY", "$-1\r\n"));
    CHECK(run(m, 1, NOW, "KEYS k*", "*2\r\n$2\r\nk2\r\n$2\r\nk1\r\n"));
    CHECK(!run(m, 1, NOW, "KEYS k*", "*1\r\n$2\r\nk2\r\n"));
    /* A whole walk (cursor 0 back to 0) holds every live key, in any order. */
    CHECK(run(m, 1, NOW, "SCAN 0 COUNT 5", "*2\r\n$1\r\n0\r\n*2\r\n$2\r\nk2\r\n$2\r\nk1\r\n"));
    CHECK(!run(m, 1, NOW, "SCAN 0 COUNT 5", "*2\r\n$1\r\n0\r\n*1\r\n$2\r\nk1\r\n"));
    CHECK(run(m, 1, NOW, "SCAN 0 COUNT 0", "-ERR syntax error\r\n"));
    CHECK(run(m, 1, NOW, "SCAN x", "-ERR invalid cursor\r\n"));
    sim_model_destroy(m);
}

/* Redis 7.0's SCAN TYPE none lists a key whose TTL passed and that Redis has not
 * reclaimed (redis-server 7.0.15 with DEBUG SET-ACTIVE-EXPIRE 0: SET a, PEXPIRE a 50,
 * 200 ms later SCAN 0 TYPE none answers [0, [a]]; TYPE string leaves it out). Allowed
 * only against a real server (clock_slack_ms > 0); kv (Redis 7.2) lists no such key. */
TEST(scan_type_none_lists_expired_keys_only_against_redis) {
    struct sim_model_limits lim = {.proto_max_bulk_len = 1000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32,
                                   .maxmemory = 1 << 20, .maxclients = 8};
    const char *listed = "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n";
    const char *none = "*2\r\n$1\r\n0\r\n*0\r\n";
    for (int redis = 0; redis < 2; redis++) {
        lim.clock_slack_ms = redis ? 2000 : 0;
        struct sim_model *m = sim_model_create(&lim);
        CHECK(run(m, 1, NOW, "SET a 1 PX 50", "+OK\r\n"));
        CHECK(run(m, 1, NOW, "SET b 2", "+OK\r\n"));
        CHECK(run(m, 1, NOW + 200, "SCAN 0 TYPE none", none));
        CHECK(run(m, 1, NOW + 200, "SCAN 0 TYPE NoNe", listed) == (redis == 1));
        CHECK(run(m, 1, NOW + 200, "SCAN 0 MATCH a* TYPE none", listed) == (redis == 1));
        CHECK(!run(m, 1, NOW + 200, "SCAN 0 MATCH b* TYPE none", listed));
        CHECK(!run(m, 1, NOW + 200, "SCAN 0 TYPE string", listed)); /* another type: never */
        CHECK(run(m, 1, NOW + 200, "SCAN 0 TYPE string", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n"));
        CHECK(!run(m, 1, NOW + 200, "SCAN 0 TYPE none", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n"));
        /* A key without a TTL, or with one far ahead, is never listed as none. */
        CHECK(run(m, 1, NOW, "SET c 3 PX 100000", "+OK\r\n"));
        CHECK(!run(m, 1, NOW + 200, "SCAN 0 TYPE none", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nc\r\n"));
        sim_model_destroy(m);
    }
}

TEST(unknown_command_text_like_redis) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "foo a b", "-ERR unknown command 'foo', with args beginning with: "
                                    "'a' 'b' \r\n"));
    char cmd[400] = "foo ";
    memset(cmd + 4, 'x', 200);
    cmd[204] = 0;
    char reply[400] = "-ERR unknown command 'foo', with args beginning with: '";
    size_t n = strlen(reply);
    memset(reply + n, 'x', 128);
    memcpy(reply + n + 128, "' \r\n", 5);
    CHECK(run(m, 1, NOW, cmd, reply));
    CHECK(run(m, 1, NOW, "get", "-ERR wrong number of arguments for 'get' command\r\n"));
    sim_model_destroy(m);
}

#define HELLO3_S1                                                                        \
    "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n" \
    ":3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\n"      \
    "master\r\n$7\r\nmodules\r\n*0\r\n"

/* Bytes from redis-server 7.0.15 after HELLO 3. */
TEST(resp3_session_replies) {
    struct sim_model *m = model();
    CHECK(run(m, 1, NOW, "GET nokey", "$-1\r\n"));
    CHECK(run(m, 1, NOW, "HELLO 3", HELLO3_S1));
    CHECK(run(m, 1, NOW, "HELLO", HELLO3_S1));
    CHECK(run(m, 1, NOW, "GET nokey", "_\r\n"));
    CHECK(!run(m, 1, NOW, "GET nokey", "$-1\r\n"));
    CHECK(run(m, 1, NOW, "LPOP nokey 2", "_\r\n"));
    CHECK(run(m, 1, NOW, "LMPOP 1 nokey LEFT", "_\r\n"));
    CHECK(run(m, 1, NOW, "LPOS nokey x COUNT 2", "*0\r\n"));
    CHECK(run(m, 1, NOW, "MGET nokey b", "*2\r\n_\r\n_\r\n"));
    CHECK(run(m, 1, NOW, "INCRBYFLOAT f 1.5", "$3\r\n1.5\r\n"));
    CHECK(run(m, 1, NOW, "CONFIG GET maxmemory", "%1\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n"));
    CHECK(run(m, 1, NOW, "CONFIG GET nomatch", "%0\r\n"));
    CHECK(run(m, 1, NOW, "CLIENT GETNAME", "_\r\n"));
    CHECK(run(m, 1, NOW, "SCAN 0", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nf\r\n"));
    CHECK(run(m, 1, NOW, "RANDOMKEY", "$1\r\nf\r\n"));
    CHECK(run(m, 1, NOW, "GET nokey", "_\r\n"));
    CHECK(run(m, 2, NOW, "GET nokey", "$-1\r\n")); /* another session: still RESP2 */
    CHECK(run(m, 1, NOW, "HELLO 2", "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
              "$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\n"
              "standalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));
    CHECK(run(m, 1, NOW, "GET nokey", "$-1\r\n"));
    sim_model_destroy(m);
}

TEST(requirepass_noauth_where_redis_gives_it) {
    struct kv_config cfg;
    kv_config_defaults(&cfg);
    strcpy(cfg.requirepass, "s3cret");
    struct sim_model_limits lim = {.proto_max_bulk_len = 1000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32, .maxmemory = 1 << 20,
                                   .maxclients = 8, .config = &cfg};
    struct sim_model *m = sim_model_create(&lim);
    const char *noauth = "-NOAUTH Authentication required.\r\n";
    const char *wrong = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    CHECK(run(m, 1, NOW, "GET k", noauth));
    CHECK(run(m, 1, NOW, "NOSUCH k", "-ERR unknown command 'NOSUCH', with args beginning "
                                     "with: 'k' \r\n"));
    CHECK(run(m, 1, NOW, "GET", "-ERR wrong number of arguments for 'get' command\r\n"));
    CHECK(run(m, 1, NOW, "MULTI", noauth));
    CHECK(run(m, 1, NOW, "EXEC", "-EXECABORT Transaction discarded because of: NOAUTH "
                                 "Authentication required.\r\n"));
    CHECK(run(m, 1, NOW, "HELLO 3", "-NOAUTH HELLO must be called with the client already "
              "authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to "
              "authenticate the client and select the RESP protocol version at the same "
              "time\r\n"));
    CHECK(run(m, 1, NOW, "HELLO 3 AUTH default bad", wrong));
    CHECK(run(m, 1, NOW, "AUTH bad", wrong));
    CHECK(run(m, 1, NOW, "AUTH other s3cret", wrong));
    CHECK(run(m, 1, NOW, "HELLO 3 AUTH default s3cret", HELLO3_S1));
    CHECK(run(m, 1, NOW, "GET k", "_\r\n"));
    CHECK(run(m, 1, NOW, "AUTH bad", wrong)); /* stays authenticated */
    CHECK(run(m, 1, NOW, "GET k", "_\r\n"));
    CHECK(run(m, 2, NOW, "AUTH s3cret", "+OK\r\n"));
    CHECK(run(m, 2, NOW, "GET k", "$-1\r\n"));
    CHECK(run(m, 3, NOW, "AUTH default s3cret", "+OK\r\n"));
    sim_model_destroy(m);
}

int main(void) {
    RUN(strings_and_wrong_replies);
    RUN(counters_overflow_and_canary);
    RUN(ttl_boundaries);
    RUN(lists_in_redis_order);
    RUN(multi_exec_as_the_engine_reports_it);
    RUN(watch_verdicts_follow_redis);
    RUN(refusals_are_accepted_only_where_possible);
    RUN(oom_is_wrong_where_eviction_must_make_room);
    RUN(keys_and_scan_refused_only_for_the_reply_they_produce);
    RUN(loose_replies_check_membership);
    RUN(scan_type_none_lists_expired_keys_only_against_redis);
    RUN(unknown_command_text_like_redis);
    RUN(resp3_session_replies);
    RUN(requirepass_noauth_where_redis_gives_it);
    sim_buf_free(&expected);
    TEST_SUMMARY("sim_model");
}

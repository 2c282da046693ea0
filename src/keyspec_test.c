/*
 * keyspec_test.c: the key positions of every command (struct kv_cmd_keyspec in each
 * table row, src/keyspec.c, kv_engine_keys). The figures below were gathered once
 * from redis-server 7.0.15: COMMAND INFO <cmd> (first key, last key, step, and
 * whether it is flagged movablekeys) for every command kv has, and COMMAND GETKEYS
 * for the frames in the GETKEYS cases. A command added to a table without a line
 * here fails the test. Test code: uses the heap and stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "testing.h"

#define ARGS_MAX 16
#define POS_MAX 16

/* COMMAND INFO's figures per command (movable: flagged movablekeys). */
struct info {
    const char *name;
    int first, last, step;
    bool movable;
};

static const struct info redis_info[] = {
    {"acl", 0, 0, 0, false},         {"auth", 0, 0, 0, false},
    {"touch", 1, -1, 1, false},      {"role", 0, 0, 0, false},
    {"subscribe", 0, 0, 0, false},   {"unsubscribe", 0, 0, 0, false},
    {"psubscribe", 0, 0, 0, false},  {"punsubscribe", 0, 0, 0, false},
    {"publish", 0, 0, 0, false},     {"pubsub", 0, 0, 0, false},
    {"object", 0, 0, 0, false},      {"memory", 0, 0, 0, false},
    {"reset", 0, 0, 0, false},       {"slowlog", 0, 0, 0, false},
    {"latency", 0, 0, 0, false},
    {"hello", 0, 0, 0, false},       {"shutdown", 0, 0, 0, false},
    {"append", 1, 1, 1, false},      {"client", 0, 0, 0, false},
    {"command", 0, 0, 0, false},     {"config", 0, 0, 0, false},
    {"copy", 1, 2, 1, false},        {"dbsize", 0, 0, 0, false},
    {"decr", 1, 1, 1, false},        {"decrby", 1, 1, 1, false},
    {"del", 1, -1, 1, false},        {"discard", 0, 0, 0, false},
    {"echo", 0, 0, 0, false},        {"exec", 0, 0, 0, false},
    {"exists", 1, -1, 1, false},     {"expire", 1, 1, 1, false},
    {"expireat", 1, 1, 1, false},    {"expiretime", 1, 1, 1, false},
    {"flushall", 0, 0, 0, false},    {"flushdb", 0, 0, 0, false},
    {"get", 1, 1, 1, false},         {"getdel", 1, 1, 1, false},
    {"getex", 1, 1, 1, false},       {"getrange", 1, 1, 1, false},
    {"getset", 1, 1, 1, false},      {"incr", 1, 1, 1, false},
    {"incrby", 1, 1, 1, false},      {"incrbyfloat", 1, 1, 1, false},
    {"info", 0, 0, 0, false},        {"keys", 0, 0, 0, false},
    {"lindex", 1, 1, 1, false},      {"linsert", 1, 1, 1, false},
    {"llen", 1, 1, 1, false},        {"lmove", 1, 2, 1, false},
    {"lmpop", 0, 0, 0, true},        {"lpop", 1, 1, 1, false},
    {"blpop", 1, -2, 1, false},      {"brpop", 1, -2, 1, false},
    {"blmove", 1, 2, 1, false},      {"brpoplpush", 1, 2, 1, false},
    {"blmpop", 0, 0, 0, true},
    {"bzpopmin", 1, -2, 1, false},   {"bzpopmax", 1, -2, 1, false},
    {"bzmpop", 0, 0, 0, true},
    {"xadd", 1, 1, 1, false},        {"xtrim", 1, 1, 1, false},
    {"xdel", 1, 1, 1, false},        {"xlen", 1, 1, 1, false},
    {"xrange", 1, 1, 1, false},      {"xrevrange", 1, 1, 1, false},
    {"xread", 0, 0, 0, true},        {"xsetid", 1, 1, 1, false},
    {"xinfo", 0, 0, 0, false},       {"xgroup", 0, 0, 0, false},
    {"lpos", 1, 1, 1, false},        {"lpush", 1, 1, 1, false},
    {"lpushx", 1, 1, 1, false},      {"lrange", 1, 1, 1, false},
    {"lrem", 1, 1, 1, false},        {"lset", 1, 1, 1, false},
    {"ltrim", 1, 1, 1, false},       {"mget", 1, -1, 1, false},
    {"mset", 1, -1, 2, false},       {"msetnx", 1, -1, 2, false},
    {"multi", 0, 0, 0, false},       {"persist", 1, 1, 1, false},
    {"pexpire", 1, 1, 1, false},     {"pexpireat", 1, 1, 1, false},
    {"pexpiretime", 1, 1, 1, false}, {"ping", 0, 0, 0, false},
    {"psetex", 1, 1, 1, false},      {"pttl", 1, 1, 1, false},
    {"quit", 0, 0, 0, false},        {"randomkey", 0, 0, 0, false},
    {"rename", 1, 2, 1, false},      {"renamenx", 1, 2, 1, false},
    {"rpop", 1, 1, 1, false},        {"rpoplpush", 1, 2, 1, false},
    {"rpush", 1, 1, 1, false},       {"rpushx", 1, 1, 1, false},
    {"scan", 0, 0, 0, false},        {"select", 0, 0, 0, false},
    {"set", 1, 1, 1, false},         {"setex", 1, 1, 1, false},
    {"setnx", 1, 1, 1, false},       {"setrange", 1, 1, 1, false},
    {"strlen", 1, 1, 1, false},      {"time", 0, 0, 0, false},
    {"ttl", 1, 1, 1, false},         {"type", 1, 1, 1, false},
    {"unlink", 1, -1, 1, false},     {"unwatch", 0, 0, 0, false},
    {"watch", 1, -1, 1, false},
    {"hset", 1, 1, 1, false},        {"hsetnx", 1, 1, 1, false},
    {"hget", 1, 1, 1, false},        {"hmset", 1, 1, 1, false},
    {"hmget", 1, 1, 1, false},       {"hdel", 1, 1, 1, false},
    {"hlen", 1, 1, 1, false},        {"hstrlen", 1, 1, 1, false},
    {"hexists", 1, 1, 1, false},     {"hkeys", 1, 1, 1, false},
    {"hvals", 1, 1, 1, false},       {"hgetall", 1, 1, 1, false},
    {"hincrby", 1, 1, 1, false},     {"hincrbyfloat", 1, 1, 1, false},
    {"hrandfield", 1, 1, 1, false},  {"hscan", 1, 1, 1, false},
    {"sadd", 1, 1, 1, false},        {"srem", 1, 1, 1, false},
    {"smove", 1, 2, 1, false},       {"sismember", 1, 1, 1, false},
    {"smismember", 1, 1, 1, false},  {"scard", 1, 1, 1, false},
    {"spop", 1, 1, 1, false},        {"srandmember", 1, 1, 1, false},
    {"sinter", 1, -1, 1, false},     {"sintercard", 0, 0, 0, true},
    {"sinterstore", 1, -1, 1, false}, {"sunion", 1, -1, 1, false},
    {"sunionstore", 1, -1, 1, false}, {"sdiff", 1, -1, 1, false},
    {"sdiffstore", 1, -1, 1, false}, {"smembers", 1, 1, 1, false},
    {"sscan", 1, 1, 1, false},
    {"zadd", 1, 1, 1, false},        {"zincrby", 1, 1, 1, false},
    {"zcard", 1, 1, 1, false},       {"zscore", 1, 1, 1, false},
    {"zmscore", 1, 1, 1, false},     {"zrem", 1, 1, 1, false},
    {"zrange", 1, 1, 1, false},      {"zrangestore", 1, 2, 1, false},
    {"zrevrange", 1, 1, 1, false},   {"zrangebyscore", 1, 1, 1, false},
    {"zrevrangebyscore", 1, 1, 1, false}, {"zrangebylex", 1, 1, 1, false},
    {"zrevrangebylex", 1, 1, 1, false}, {"zremrangebyscore", 1, 1, 1, false},
    {"zremrangebyrank", 1, 1, 1, false}, {"zremrangebylex", 1, 1, 1, false},
    {"zrank", 1, 1, 1, false},       {"zrevrank", 1, 1, 1, false},
    {"zcount", 1, 1, 1, false},      {"zlexcount", 1, 1, 1, false},
    {"zpopmin", 1, 1, 1, false},     {"zpopmax", 1, 1, 1, false},
    {"zmpop", 0, 0, 0, true},        {"zrandmember", 1, 1, 1, false},
    {"zscan", 1, 1, 1, false},
    {"zunion", 0, 0, 0, true},       {"zinter", 0, 0, 0, true},
    {"zdiff", 0, 0, 0, true},        {"zintercard", 0, 0, 0, true},
    {"zunionstore", 1, 1, 1, true},  {"zinterstore", 1, 1, 1, true},
    {"zdiffstore", 1, 1, 1, true},
};
#define INFO_COUNT (sizeof(redis_info) / sizeof(redis_info[0]))

static const struct kv_cmd_group *const all_groups[] = {
    &kv_cmds_server, &kv_cmds_string, &kv_cmds_keys, &kv_cmds_list, &kv_cmds_info,
    &kv_cmds_auth,   &kv_cmds_config, &kv_cmds_admin,  &kv_cmds_client,
    &kv_cmds_command, &kv_cmds_hash, &kv_cmds_set, &kv_cmds_block, &kv_cmds_pubsub,
    &kv_cmds_zset,
    &kv_cmds_stream,
};

static const struct info *info_of(const char *name) {
    for (uint32_t i = 0; i < INFO_COUNT; i++)
        if (strcmp(redis_info[i].name, name) == 0) return &redis_info[i];
    return NULL;
}

/* A minimal engine over a small keyspace: kv_engine_keys needs its lookup only. */
struct rig {
    struct kv_config cfg;
    struct kv_keyspace ks;
    struct kv_engine e;
    struct kv_net_stats net;
    struct kv_session *watchers[1];
    struct kv_clock clock;
    void *mem, *nodes, *slots, *scratch;
};

static uint64_t zero_mono(void *ctx) { return 0; }
static int64_t zero_real(void *ctx) { return 1763700000000ll; }

static struct rig *rig_open(void) {
    struct rig *r = calloc(1, sizeof(*r));
    kv_config_defaults(&r->cfg);
    r->cfg.maxmemory = 1u << 20;
    r->cfg.maxkeys = 1024;
    r->clock = (struct kv_clock){zero_mono, zero_real, r, NULL};
    r->mem = aligned_alloc(64, r->cfg.maxmemory);
    r->nodes = calloc(kv_watch_nodes_cap(1, r->cfg.watch_max_keys), sizeof(struct kv_watch_node));
    r->slots = calloc(kv_watch_slots_cap(1, r->cfg.watch_max_keys), sizeof(struct kv_watch_slot));
    r->scratch = malloc(64 << 10);
    kv_ks_init(&r->ks, &r->cfg, r->mem, 1);
    struct kv_engine_init init = {
        .watchers = r->watchers, .watchers_cap = 1, .watch_nodes = r->nodes,
        .watch_slots = r->slots, .config = &r->cfg, .clock = &r->clock, .prng_seed = 1,
        .ks = &r->ks, .net = &r->net, .reply_max = 1u << 20, .scratch = r->scratch, .scratch_cap = 64 << 10,
    };
    kv_engine_init(&r->e, &init);
    return r;
}

static void rig_close(struct rig *r) {
    free(r->mem);
    free(r->nodes);
    free(r->slots);
    free(r->scratch);
    free(r);
}

/* argv = {name, "a1", "a2", ...}: argument i is "a<i>", so a position names itself. */
static uint32_t make_argv(const char *name, uint32_t argc, struct kv_slice *argv, char *text) {
    KV_ASSERT(argc <= ARGS_MAX);
    argv[0] = (struct kv_slice){(const uint8_t *)name, (uint32_t)strlen(name)};
    for (uint32_t i = 1; i < argc; i++) {
        char *t = text + i * 8;
        snprintf(t, 8, "a%u", i);
        argv[i] = (struct kv_slice){(const uint8_t *)t, (uint32_t)strlen(t)};
    }
    return argc;
}

/* The positions Redis's legacy range names, worked out here from the figures. */
static uint32_t expected(const struct info *in, uint32_t argc, uint32_t *pos) {
    if (in->first == 0) return 0;
    int last = in->last >= 0 ? in->last : (int)argc + in->last, n = 0;
    for (int i = in->first; i <= last; i += in->step) pos[n++] = (uint32_t)i;
    return (uint32_t)n;
}

/* Every command of every table: its row says what COMMAND INFO says, and the engine
 * names the keys the figures name, at its least argc and at larger ones. */
TEST(every_command_matches_redis) {
    struct rig *r = rig_open();
    uint32_t seen = 0;
    for (uint32_t g = 0; g < sizeof(all_groups) / sizeof(all_groups[0]); g++) {
        for (uint32_t c = 0; c < all_groups[g]->count; c++) {
            const struct kv_cmd *cmd = &all_groups[g]->cmds[c];
            const struct info *in = info_of(cmd->name);
            if (in == NULL) fprintf(stderr, "no Redis figures for %s\n", cmd->name);
            CHECK(in != NULL);
            seen++;
            CHECK(cmd->keys.first == in->first && cmd->keys.last == in->last);
            CHECK(cmd->keys.step == in->step && (cmd->keys.keynum != 0) == in->movable);
            if (in->movable) continue; /* below, with Redis's GETKEYS answers */
            uint32_t lo = (uint32_t)(cmd->arity > 0 ? cmd->arity : -cmd->arity);
            uint32_t hi = cmd->arity > 0 ? lo : lo + 5;
            for (uint32_t argc = lo; argc <= hi; argc++) {
                struct kv_slice argv[ARGS_MAX];
                char text[ARGS_MAX * 8];
                uint32_t want[POS_MAX], got[POS_MAX];
                make_argv(cmd->name, argc, argv, text);
                uint32_t n = expected(in, argc, want);
                CHECK(kv_engine_keys(&r->e, argc, argv, got, POS_MAX) == (int64_t)n);
                CHECK(n == 0 || memcmp(got, want, n * sizeof(got[0])) == 0);
            }
        }
    }
    CHECK(seen == INFO_COUNT);
    CHECK(r->e.cmd_count == seen); /* no group of the engine's is missing above */
    rig_close(r);
}

/* A frame and what Redis's COMMAND GETKEYS answered for it: the keys (as argument
 * positions), or an error: -1 "Invalid command specified", -2 "Invalid number of
 * arguments specified for command", 0 keys "The command has no key arguments" for a
 * command without keys (PING) and "Invalid arguments specified for command" for one
 * with movable keys (LMPOP with an unusable count). */
struct getkeys {
    const char *args[8];
    int64_t n;
    uint32_t pos[4];
};

static const struct getkeys redis_getkeys[] = {
    {{"mset", "a", "b", "c"}, 2, {1, 3}},
    {{"mset", "a", "b", "c", "d"}, 2, {1, 3}},
    {{"MSET", "a", "b", "c", "d"}, 2, {1, 3}},
    {{"del", "a", "b", "c"}, 3, {1, 2, 3}},
    {{"watch", "a", "b"}, 2, {1, 2}},
    {{"lmove", "a", "b", "left", "right"}, 2, {1, 2}},
    {{"copy", "a", "b", "db", "0", "replace"}, 2, {1, 2}},
    {{"set", "a", "b", "ex", "10"}, 1, {1}},
    {{"ping", "x"}, 0, {0}},
    {{"nosuch", "a"}, KV_KEYS_UNKNOWN, {0}},
    {{"get"}, KV_KEYS_ARITY, {0}},
    {{"lmpop", "1", "a"}, KV_KEYS_ARITY, {0}},
    {{"xread", "count", "2", "streams", "a", "b", "0", "0"}, 2, {4, 5}},
    {{"xread", "streams", "a", "b", "0"}, 1, {2}},
    {{"xread", "foo", "streams", "a", "0"}, 1, {3}},
    {{"xread", "count", "streams", "a", "0"}, 1, {3}},
    {{"xread", "streams", "a", "b", "c", "d"}, 2, {2, 3}},
    {{"blmpop", "0", "2", "a", "b", "left"}, 2, {3, 4}},
    {{"blmpop", "0", "1", "a", "b", "left"}, 1, {3}},
    {{"blmpop", "0", "3", "a", "left"}, 0, {0}},
    {{"blmpop", "0", "1", "a"}, KV_KEYS_ARITY, {0}},
    {{"lmpop", "2", "a", "b", "left"}, 2, {2, 3}},
    {{"lmpop", "1", "a", "b", "left"}, 1, {2}},
    {{"lmpop", "2", "a", "b", "left", "count", "3"}, 2, {2, 3}},
    {{"lmpop", "2", "a", "b"}, 2, {2, 3}},
    {{"lmpop", "1", "a", "b"}, 1, {2}},
    {{"lmpop", "3", "a", "b", "c"}, 3, {2, 3, 4}},
    {{"lmpop", "4", "a", "b", "c"}, 0, {0}},
    {{"lmpop", "0", "a", "left"}, 0, {0}},
    {{"lmpop", "3", "a", "left"}, 0, {0}},
    {{"lmpop", "-1", "a", "b"}, 0, {0}},
    {{"lmpop", "x", "a", "left"}, 0, {0}},
    {{"lmpop", "", "a", "b"}, 0, {0}},
    {{"lmpop", "2abc", "a", "b", "left"}, 2, {2, 3}},
    {{"lmpop", " 2", "a", "b", "left"}, 2, {2, 3}},
    {{"lmpop", "+2", "a", "b", "left"}, 2, {2, 3}},
    {{"lmpop", "99999999999", "a", "b"}, 0, {0}},
    {{"lmpop", "4294967298", "a", "b"}, 2, {2, 3}}, /* atoi keeps the low 32 bits */
    {{"lmpop", "99999999999999999999", "a", "b"}, 0, {0}},
    {{"lmpop", "18446744073709551618", "a", "b"}, 0, {0}},
    {{"zmpop", "2", "a", "b", "min"}, 2, {2, 3}},
    {{"bzmpop", "0", "2", "a", "b", "min"}, 2, {3, 4}},
    {{"bzmpop", "0", "1", "a", "b", "min"}, 1, {3}},
    {{"bzmpop", "0", "3", "a", "min"}, 0, {0}},
    {{"bzpopmax", "a", "b", "0"}, 2, {1, 2}},
    /* a destination, then counted keys: Redis's key specs for a canonical count (dst
     * first), its getkeys fallback (atoi) otherwise (dst last) */
    {{"zunionstore", "d", "2", "a", "b"}, 3, {1, 3, 4}},
    {{"zunionstore", "d", "2abc", "a", "b"}, 3, {3, 4, 1}},
    {{"zunionstore", "d", "02", "a", "b"}, 3, {3, 4, 1}},
    {{"zunionstore", "d", "3", "a", "b"}, 0, {0}},
    {{"zunionstore", "d", "0", "a"}, 0, {0}},
    {{"zunionstore", "d", "x", "a"}, 0, {0}},
    {{"zunionstore", "d", "-4294967294", "a", "b"}, 3, {3, 4, 1}},
    {{"zunionstore", "d", "4294967298", "a", "b"}, 3, {1, 3, 4}},
    {{"zunionstore", "d", " 1", "a"}, 2, {3, 1}},
    {{"zunionstore", "d", "+1", "a", "b"}, 2, {3, 1}},
    {{"zinterstore", "d", "1", "a", "b"}, 2, {1, 3}},
    {{"zdiffstore", "d", "2", "a", "b"}, 3, {1, 3, 4}},
    {{"zunion", "2", "a", "b"}, 2, {2, 3}},
    {{"zunion", "2abc", "a", "b"}, 2, {2, 3}},
    {{"zinter", "1", "a", "b"}, 1, {2}},
    {{"zdiff", "3", "a", "b"}, 0, {0}},
    {{"zintercard", "2", "a", "b", "limit", "1"}, 2, {2, 3}},
};

TEST(getkeys_answers_match_redis) {
    struct rig *r = rig_open();
    for (uint32_t i = 0; i < sizeof(redis_getkeys) / sizeof(redis_getkeys[0]); i++) {
        const struct getkeys *g = &redis_getkeys[i];
        struct kv_slice argv[8];
        uint32_t argc = 0, got[4] = {0};
        for (; argc < 8 && g->args[argc] != NULL; argc++)
            argv[argc] = (struct kv_slice){(const uint8_t *)g->args[argc],
                                           (uint32_t)strlen(g->args[argc])};
        int64_t n = kv_engine_keys(&r->e, argc, argv, got, 4);
        if (n != g->n) fprintf(stderr, "case %u: %lld keys\n", i, (long long)n);
        CHECK(n == g->n);
        CHECK(n <= 0 || memcmp(got, g->pos, (size_t)n * sizeof(got[0])) == 0);
    }
    rig_close(r);
}

/* The caller's array bounds what is written; the count is still the whole one. */
TEST(positions_are_bounded_by_cap) {
    struct rig *r = rig_open();
    struct kv_slice argv[ARGS_MAX];
    char text[ARGS_MAX * 8];
    uint32_t pos[4] = {77, 77, 77, 77};
    make_argv("del", 11, argv, text);
    CHECK(kv_engine_keys(&r->e, 11, argv, pos, 2) == 10);
    CHECK(pos[0] == 1 && pos[1] == 2 && pos[2] == 77 && pos[3] == 77);
    CHECK(kv_engine_keys(&r->e, 11, argv, NULL, 0) == 10);
    make_argv("mset", 9, argv, text);
    CHECK(kv_engine_keys(&r->e, 9, argv, pos, 3) == 4);
    CHECK(pos[0] == 1 && pos[1] == 3 && pos[2] == 5 && pos[3] == 77);
    rig_close(r);
}

/* A destination before counted keys, under a small cap: dst first (key specs) or
 * last (the fallback), the count always whole. */
TEST(dest_keys_bounded_by_cap) {
    struct rig *r = rig_open();
    const char *first[] = {"zunionstore", "d", "3", "a", "b", "c"};
    const char *last[] = {"zunionstore", "d", "3x", "a", "b", "c"};
    struct kv_slice argv[6];
    uint32_t pos[3] = {77, 77, 77};
    for (uint32_t i = 0; i < 6; i++)
        argv[i] = (struct kv_slice){(const uint8_t *)first[i], (uint32_t)strlen(first[i])};
    CHECK(kv_engine_keys(&r->e, 6, argv, pos, 2) == 4);
    CHECK(pos[0] == 1 && pos[1] == 3 && pos[2] == 77);
    CHECK(kv_engine_keys(&r->e, 6, argv, NULL, 0) == 4);
    for (uint32_t i = 0; i < 6; i++)
        argv[i] = (struct kv_slice){(const uint8_t *)last[i], (uint32_t)strlen(last[i])};
    pos[0] = pos[1] = pos[2] = 77;
    CHECK(kv_engine_keys(&r->e, 6, argv, pos, 3) == 4);
    CHECK(pos[0] == 3 && pos[1] == 4 && pos[2] == 5);
    CHECK(kv_engine_keys(&r->e, 6, argv, NULL, 0) == 4);
    rig_close(r);
}

/* A NUL byte ends LMPOP's count as it ends a C string: "1\0002" counts one key. */
TEST(keynum_stops_at_nul) {
    struct rig *r = rig_open();
    struct kv_slice argv[4] = {
        {(const uint8_t *)"lmpop", 5}, {(const uint8_t *)"1\0002", 3},
        {(const uint8_t *)"a", 1}, {(const uint8_t *)"b", 1},
    };
    uint32_t pos[2];
    CHECK(kv_engine_keys(&r->e, 4, argv, pos, 2) == 1 && pos[0] == 2);
    rig_close(r);
}

/* src/ahead.c prefetches argv[1] of every frame instead of asking this table (see
 * its opening comment): right for every command whose keys do not move. A command
 * whose first key is elsewhere fails here; then weigh the table there. */
TEST(first_key_is_argv1_unless_movable) {
    for (uint32_t g = 0; g < sizeof(all_groups) / sizeof(all_groups[0]); g++) {
        for (uint32_t c = 0; c < all_groups[g]->count; c++) {
            const struct kv_cmd_keyspec *k = &all_groups[g]->cmds[c].keys;
            CHECK(k->keynum != 0 || k->first == 0 || k->first == 1);
        }
    }
}

int main(void) {
    RUN(every_command_matches_redis);
    RUN(getkeys_answers_match_redis);
    RUN(positions_are_bounded_by_cap);
    RUN(keynum_stops_at_nul);
    RUN(dest_keys_bounded_by_cap);
    RUN(first_key_is_argv1_unless_movable);
    TEST_SUMMARY("keyspec");
}

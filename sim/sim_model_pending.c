/*
 * sim_model_pending.c: commands kv has that the model does not model yet, listed
 * so COMMAND COUNT agrees (m_known_count). The workload never sends them; a row
 * here answers an error the checker will report as a mismatch if one is sent.
 * Temporary: the hash and set model (branch h-model21) replaces these rows.
 * Owns no memory.
 */
#include "sim_model_int.h"

static void cmd_unmodelled(struct mctx *c) {
    sim_buf_error(c->out, "ERR the model does not model this command yet");
}

#define U cmd_unmodelled
static const struct mcmd cmds[] = {
    {"hset", -4, MF_WRITE | MF_DENYOOM, U, NULL},
    {"hsetnx", 4, MF_WRITE | MF_DENYOOM, U, NULL},
    {"hget", 3, MF_READONLY, U, NULL},
    {"hmset", -4, MF_WRITE | MF_DENYOOM, U, NULL},
    {"hmget", -3, MF_READONLY, U, NULL},
    {"hdel", -3, MF_WRITE, U, NULL},
    {"hlen", 2, MF_READONLY, U, NULL},
    {"hstrlen", 3, MF_READONLY, U, NULL},
    {"hexists", 3, MF_READONLY, U, NULL},
    {"hkeys", 2, MF_READONLY, U, NULL},
    {"hvals", 2, MF_READONLY, U, NULL},
    {"hgetall", 2, MF_READONLY, U, NULL},
    {"hincrby", 4, MF_WRITE | MF_DENYOOM, U, NULL},
    {"hincrbyfloat", 4, MF_WRITE | MF_DENYOOM, U, NULL},
    {"hrandfield", -2, MF_READONLY, U, NULL},
    {"hscan", -3, MF_READONLY, U, NULL},
    {"sadd", -3, MF_WRITE | MF_DENYOOM, U, NULL},
    {"srem", -3, MF_WRITE, U, NULL},
    {"smove", 4, MF_WRITE, U, NULL},
    {"sismember", 3, MF_READONLY, U, NULL},
    {"smismember", -3, MF_READONLY, U, NULL},
    {"scard", 2, MF_READONLY, U, NULL},
    {"spop", -2, MF_WRITE, U, NULL},
    {"srandmember", -2, MF_READONLY, U, NULL},
    {"sinter", -2, MF_READONLY, U, NULL},
    {"sintercard", -3, MF_READONLY, U, NULL},
    {"sinterstore", -3, MF_WRITE | MF_DENYOOM, U, NULL},
    {"sunion", -2, MF_READONLY, U, NULL},
    {"sunionstore", -3, MF_WRITE | MF_DENYOOM, U, NULL},
    {"sdiff", -2, MF_READONLY, U, NULL},
    {"sdiffstore", -3, MF_WRITE | MF_DENYOOM, U, NULL},
    {"smembers", 2, MF_READONLY, U, NULL},
    {"sscan", -3, MF_READONLY, U, NULL},
};

const struct mcmd_table sim_model_cmds_pending = {cmds, KV_ARRAY_LEN(cmds)};

/*
 * cmd.h: what a command handler sees (its context) and how a command is declared
 * (the tables in src/cmd_<group>.c). Commands see the keyspace (through keyspace.h
 * and ks_list.h only), a reply writer, their arguments and the session; never a
 * connection, its io or its buffers.
 */
#ifndef KV_CMD_H
#define KV_CMD_H

#include "kv/common.h"
#include "kv/engine.h"
#include "kv/reply.h"
#include "kv/session.h"
#include "kv/util.h"

struct kv_keyspace;

/* The Redis version kv answers as (HELLO, INFO redis_version): Debian bookworm's
 * redis-server, whose replies kv matches byte for byte; clients read it to pick
 * features (HELLO needs 6 or later, node-redis and redis-py check >= 6 / 7). */
#define KV_REDIS_VERSION "7.0.15"

/* Room for any error reply a command may give instead of its result. */
#define KV_EXEC_ERROR_ROOM 256u

struct kv_cmd_ctx {
    struct kv_engine *engine;
    struct kv_keyspace *ks;
    struct kv_session *session;
    struct kv_reply *out;
    uint32_t argc;
    const struct kv_slice *argv;
    int64_t now_ms;              /* realtime, fixed for the whole command */
};

/* Argument i is the option `lower` as Redis compares options: strcasecmp() on a C
 * string, so the argument ends at its first NUL byte ("nx\0junk" is NX). */
static inline bool kv_cmd_opt(const struct kv_cmd_ctx *c, uint32_t i, const char *lower) {
    return i < c->argc && kv_opt_eq_nocase(c->argv[i], lower);
}
/* Argument i is the subcommand `lower`: Redis finds subcommands by their whole name,
 * case-insensitively, NUL bytes included. */
static inline bool kv_cmd_sub(const struct kv_cmd_ctx *c, uint32_t i, const char *lower) {
    return i < c->argc && kv_slice_eq_nocase(c->argv[i], lower);
}

/*
 * Which arguments are keys, in Redis's legacy terms (COMMAND INFO's first key, last
 * key, step): argv[first], argv[first + step], ... up to argv[last], where a negative
 * last counts from the end (-1: the last argument); a row says KV_KEYS(first, last,
 * step), or KV_NOKEYS. Redis reports 0, 0, 0 for a command whose keys move
 * (movablekeys); such a row says KV_KEYNUM(i): argv[i] counts the keys that follow
 * it (LMPOP numkeys key...), KV_KEYS_DEST_KEYNUM(i) a destination at argv[1] before
 * such keys (ZUNIONSTORE). kv_cmd_keys (src/keyspec.c) reads them; COMMAND
 * GETKEYS and cluster slots will.
 */
struct kv_cmd_keyspec {
    int8_t first;
    int8_t last;
    int8_t step;
    uint8_t keynum;
};
#define KV_KEYS(first, last, step) {(first), (last), (step), 0}
#define KV_KEYNUM(i) {0, 0, 0, (i)}
/* A destination at argv[1], then keys counted by argv[i] (ZUNIONSTORE dst numkeys key...):
 * COMMAND INFO reports 1, 1, 1 and movablekeys for these. */
#define KV_KEYS_DEST_KEYNUM(i) {1, 1, 1, (i)}
#define KV_NOKEYS {0, 0, 0, 0}
/* XREAD's movable keys: the first half of the arguments after STREAMS (keyspec.c). */
#define KV_KEYNUM_STREAMS 255u
#define KV_KEYS_STREAMS {0, 0, 0, KV_KEYNUM_STREAMS}

struct kv_cmd {
    const char *name;            /* lower case */
    int32_t arity;               /* n: exactly n args (name included); -n: at least n */
    uint32_t flags;
    void (*proc)(struct kv_cmd_ctx *ctx);
    /* Upper bound of the reply in bytes; NULL means kv_cmd_bound_default. */
    uint64_t (*reply_bound)(struct kv_cmd_ctx *ctx);
    /* KV_CMD_DENYOOM: the data-region bytes the command may take (*need) and its
     * largest single block (*largest; 0: none), from the keyspace as it is (no side
     * effects). NULL: estimated from the argument lengths. */
    void (*room)(struct kv_cmd_ctx *ctx, uint64_t *need, uint64_t *largest);
    struct kv_cmd_keyspec keys;  /* KV_KEYS(), KV_KEYNUM() or KV_NOKEYS */
};

/*
 * The key arguments of the frame argv[0..argc) for `cmd` (arity already checked):
 * their indexes into argv, ascending (but for a KV_KEYS_DEST_KEYNUM row whose count is
 * not a canonical integer: the counted keys, then the destination, as Redis's getkeys
 * fallback lists them), the first `cap` of them written to pos[].
 * Returns how many keys the frame names (may exceed cap). For no key at all Redis's
 * COMMAND GETKEYS says "The command has no key arguments" (PING: no keyspec) or
 * "Invalid arguments specified for command" (an LMPOP whose numkeys is unusable).
 * Never allocates; O(keys).
 */
uint32_t kv_cmd_keys(const struct kv_cmd *cmd, uint32_t argc, const struct kv_slice *argv,
                     uint32_t *pos, uint32_t cap);
/* The spec is well formed (the engine asserts it for every command at init). */
bool kv_cmd_keyspec_valid(const struct kv_cmd_keyspec *k);

/* Command groups, each defined in its own src/cmd_<group>.c. */
struct kv_cmd_group {
    const struct kv_cmd *cmds;
    uint32_t count;
};
extern const struct kv_cmd_group kv_cmds_server;  /* src/cmd_server.c */
extern const struct kv_cmd_group kv_cmds_string;  /* src/cmd_string.c */
extern const struct kv_cmd_group kv_cmds_keys;    /* src/cmd_keys.c */
extern const struct kv_cmd_group kv_cmds_list;    /* src/cmd_list.c */
extern const struct kv_cmd_group kv_cmds_hash;    /* src/cmd_hash.c */
extern const struct kv_cmd_group kv_cmds_set;     /* src/cmd_set.c */
extern const struct kv_cmd_group kv_cmds_zset;    /* src/cmd_zset.c */
extern const struct kv_cmd_group kv_cmds_stream;  /* src/cmd_stream.c */
extern const struct kv_cmd_group kv_cmds_info;    /* src/cmd_info.c */
extern const struct kv_cmd_group kv_cmds_auth;    /* src/cmd_auth.c */

/* Authentication (src/cmd_auth.c): whether the session must authenticate before a
 * command not flagged KV_CMD_NOAUTH, and a constant-time password check. */
bool kv_auth_required(const struct kv_config *cfg, const struct kv_session *s);
bool kv_auth_password_ok(const struct kv_config *cfg, struct kv_slice pass);
/* CLIENT SETNAME's checks and effect (src/cmd_client.c), shared with HELLO SETNAME:
 * true when the name was set, else the error was replied. */
bool kv_cmd_client_setname(struct kv_cmd_ctx *c, struct kv_slice name);
extern const struct kv_cmd_group kv_cmds_config;  /* src/cmd_config.c */
extern const struct kv_cmd_group kv_cmds_admin;   /* src/cmd_admin.c */
extern const struct kv_cmd_group kv_cmds_client;  /* src/cmd_client.c */
extern const struct kv_cmd_group kv_cmds_command; /* src/cmd_command.c */
extern const struct kv_cmd_group kv_cmds_block;   /* src/cmd_block.c */
extern const struct kv_cmd_group kv_cmds_pubsub;  /* src/cmd_pubsub.c */

/*
 * KV_EXEC_ERROR_ROOM: enough for +OK, an integer, or any error. Errors that quote an
 * argument must cut it to 128 bytes (as Redis's unknown-command error does); a
 * command that replies more needs its own bound.
 */
uint64_t kv_cmd_bound_default(struct kv_cmd_ctx *ctx);

/* Per-command bump scratch; reset by the engine after each command. */
void *kv_scratch_alloc(struct kv_cmd_ctx *ctx, uint64_t bytes);
/* The scratch's size: all of it is free when a handler starts (a reply bound or a
 * room function must not take any). */
uint64_t kv_scratch_cap(const struct kv_cmd_ctx *ctx);
/* The longest INFO text (every command with latencystats at KV_PERCENTILES_MAX
 * percentiles, every error code): the command scratch must hold at least this. */
uint64_t kv_info_text_max(void);

#endif

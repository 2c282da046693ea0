/*
 * cmd.h: the command engine: command table, dispatch, per-connection session state
 * (MULTI/WATCH/QUIT), and the context a command handler sees.
 *
 * Commands see the keyspace, a reply writer, their arguments and the session; never
 * a connection, its io or its buffers. The engine is driven by the server (src/
 * server.c), by the fuzzers and by the simulator's tests alike.
 *
 * Reply bounds: before a command runs, the server asks kv_engine_reply_bound() for
 * an upper bound of the reply's size and makes that much contiguous room in the
 * connection's output (waiting for buffer space if needed). Handlers therefore
 * write replies without ever checking for space. A command whose bound exceeds
 * the per-client reply limit gets an error instead of running (kv_engine_execute
 * handles that too, so the rule is identical everywhere).
 *
 * MULTI: while a session is in MULTI, kv_engine_execute() answers +QUEUED and
 * returns KV_EXEC_QUEUE; the server keeps the frame's bytes. On EXEC it returns
 * KV_EXEC_RUN_QUEUED, and the server calls kv_engine_exec_begin(), then
 * kv_engine_exec_one() for each kept frame in order, then kv_engine_exec_end().
 */
#ifndef KV_CMD_H
#define KV_CMD_H

#include "kv/clock.h"
#include "kv/common.h"
#include "kv/config.h"
#include "kv/prng.h"
#include "kv/reply.h"
#include "kv/util.h"
#include "kv/watch.h"

struct kv_keyspace;
struct kv_engine;

enum kv_cmd_flag {
    KV_CMD_WRITE = 1u << 0,     /* modifies the keyspace */
    KV_CMD_DENYOOM = 1u << 1,   /* may grow memory: refused with -OOM when full */
    KV_CMD_READONLY = 1u << 2,
    KV_CMD_NOQUEUE = 1u << 3,   /* runs immediately inside MULTI (EXEC, DISCARD, ...) */
    KV_CMD_NOMULTI = 1u << 4,   /* not allowed inside MULTI (WATCH) */
    KV_CMD_FAST = 1u << 5,
};

/* Room for any error reply a command may give instead of its result. */
#define KV_EXEC_ERROR_ROOM 256u

#define KV_CLIENT_NAME_MAX 64   /* CLIENT SETNAME bytes */

struct kv_session {
    uint32_t flags;              /* KV_SESSION_* */
    uint32_t multi_count;        /* commands queued in this MULTI */
    /* WATCH (include/kv/watch.h): the keys are nodes of the engine's index. */
    uint32_t watch_count;        /* keys watched, at most watch-max-keys */
    uint32_t watch_first;        /* the first one's node (valid while watch_count > 0) */
    uint32_t watch_existed;      /* of those, live at WATCH (FLUSHALL) */
    uint32_t watch_pos;          /* index in the index's watching sessions */
    uint64_t id;                 /* CLIENT ID */
    uint8_t name_len;            /* CLIENT SETNAME */
    char name[KV_CLIENT_NAME_MAX];
};

enum kv_session_flag {
    KV_SESSION_MULTI = 1u << 0,
    KV_SESSION_MULTI_ERROR = 1u << 1, /* a command failed to queue: EXEC aborts */
    KV_SESSION_DIRTY_CAS = 1u << 2,   /* a watched key changed: EXEC returns nil */
    KV_SESSION_CLOSE = 1u << 3,       /* QUIT, POST, Host:: close once the reply is sent */
    KV_SESSION_ABORT = 1u << 4,       /* POST, Host:: and drop replies not yet sent */
};

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
};

/* Command groups, each defined in its own src/cmd_<group>.c. */
struct kv_cmd_group {
    const struct kv_cmd *cmds;
    uint32_t count;
};
extern const struct kv_cmd_group kv_cmds_server;  /* src/cmd_server.c */
extern const struct kv_cmd_group kv_cmds_string;  /* src/cmd_string.c */
extern const struct kv_cmd_group kv_cmds_keys;    /* src/cmd_keys.c */
extern const struct kv_cmd_group kv_cmds_list;    /* src/cmd_list.c */

/*
 * KV_EXEC_ERROR_ROOM: enough for +OK, an integer, or any error. Errors that quote an
 * argument must cut it to 128 bytes (as Redis's unknown-command error does); a
 * command that replies more needs its own bound.
 */
uint64_t kv_cmd_bound_default(struct kv_cmd_ctx *ctx);

/* Counters INFO reports; the server and the engine both add to them. */
struct kv_stats {
    uint64_t connected_clients;
    uint64_t total_connections_received;
    uint64_t rejected_connections;
    uint64_t total_commands_processed;
    uint64_t total_net_input_bytes;
    uint64_t total_net_output_bytes;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
    uint64_t expired_keys;
    uint64_t evicted_keys;
    uint64_t evict_joins;         /* kv_ks_make_room joined free space by moving items */
    uint64_t evict_moved_bytes;   /* bytes those joins moved */
    uint64_t blocked_on_buffers;  /* times a connection waited for a large buffer */
    uint64_t large_buffer_stall_disconnections; /* the hold rule's (server.c) */
    uint64_t stale_completions;
    uint64_t total_reads_processed;  /* recvs that brought bytes (as Redis counts reads) */
    uint64_t total_writes_processed; /* sends submitted */
    uint64_t recv_multishot_armed;   /* multishot recvs submitted (kv's own) */
    uint64_t security_warnings;      /* POST / Host: connections closed (not in INFO) */
    uint64_t start_monotonic_ns;
    uint32_t tcp_port;
};

enum kv_exec {
    KV_EXEC_DONE = 0,
    KV_EXEC_QUEUE = 1,       /* keep the frame: it was queued in MULTI */
    KV_EXEC_RUN_QUEUED = 2,  /* EXEC: replay the kept frames (see above) */
};

struct kv_engine_init {
    /* The WATCH index's memory (include/kv/watch.h), for watchers_cap sessions of
     * config->watch_max_keys keys: watchers_cap pointers, kv_watch_nodes_cap() nodes
     * and kv_watch_slots_cap() slots. */
    struct kv_session **watchers;
    uint32_t watchers_cap;
    struct kv_watch_node *watch_nodes;
    struct kv_watch_slot *watch_slots;
    const struct kv_config *config;
    const struct kv_clock *clock;
    uint64_t prng_seed;
    struct kv_keyspace *ks;
    uint64_t reply_max;      /* largest reply a client can receive */
    uint8_t *scratch;        /* per-command bump scratch */
    uint64_t scratch_cap;
};

/*
 * Observer (the simulator's window into the core; NULL in production): called after
 * every command the engine executes, in execution order, with the reply bytes that
 * command produced (for EXEC: called per queued command, then once for EXEC itself
 * with its whole reply), and for every key the keyspace evicts.
 */
struct kv_engine_observer {
    void (*on_command)(void *ctx, const struct kv_session *s, uint32_t argc,
                       const struct kv_slice *argv, int64_t now_ms, const uint8_t *reply,
                       uint32_t reply_len);
    void (*on_evict)(void *ctx, const uint8_t *key, uint32_t klen);
    /* EXEC passed its checks and its queued commands are about to run (evictions
     * they cause come after this, not before EXEC). */
    void (*on_exec_begin)(void *ctx, const struct kv_session *s, int64_t now_ms);
    /* The server disconnects this session by a protection rule (the hold rule in
     * server.c): replies it produced may be lost. NULL: not observed. */
    void (*on_cut)(void *ctx, const struct kv_session *s);
    void *ctx;
};

#define KV_CMD_LOOKUP_SIZE 512 /* open-addressed name table, power of two */

struct kv_engine {
    const struct kv_config *config;
    const struct kv_clock *clock;
    struct kv_keyspace *ks;
    struct kv_stats stats;
    struct kv_prng prng;
    uint64_t reply_max;
    uint8_t *scratch;
    uint64_t scratch_cap;
    uint64_t scratch_used;
    struct kv_watch watch;       /* watched key -> its watchers */
    uint32_t cmd_count;
    const struct kv_engine_observer *observer;
    struct kv_reply *exec_out;   /* EXEC in progress: its reply, from exec_from */
    uint32_t exec_from;
    uint32_t exec_left;          /* queued commands not yet run */
    const struct kv_cmd *lookup[KV_CMD_LOOKUP_SIZE];
    uint8_t lookup_len[KV_CMD_LOOKUP_SIZE]; /* strlen of each name */
    const struct kv_cmd *cmd_exec; /* EXEC's entry, compared by address */
    /* The server asks for a frame's reply bound, then executes it: the command found
     * for the bound is tried first by the execution. */
    const struct kv_cmd *memo_cmd;
    uint32_t memo_len;
    int64_t turn_now_ms;         /* kv_engine_turn_begin: one time per loop turn */
    bool turn_now_valid;
    bool turn_mode;
};

void kv_engine_init(struct kv_engine *e, const struct kv_engine_init *init);
struct kv_stats *kv_engine_stats(struct kv_engine *e);
/* A server loop turn begins: realtime is read once, at its first use, for all the
 * turn's commands and ticks (see engine_time in engine.c). */
void kv_engine_turn_begin(struct kv_engine *e);
void kv_engine_set_observer(struct kv_engine *e, const struct kv_engine_observer *o);
void kv_session_init(struct kv_session *s, uint64_t id);
/* Forgets WATCHes and MULTI state (connection closed). */
void kv_session_reset(struct kv_engine *e, struct kv_session *s);

uint64_t kv_engine_reply_bound(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                               const struct kv_slice *argv);
enum kv_exec kv_engine_execute(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                               const struct kv_slice *argv, struct kv_reply *out);

/* A frame's command looked up and bounded once: kv_engine_prepare() gives the reply
 * bound (as kv_engine_reply_bound), and kv_engine_execute_prepared() runs the same
 * frame right after, with nothing else run in between, without bounding it again. */
#define KV_BOUND_NONE UINT64_MAX
struct kv_prepared {
    const struct kv_cmd *cmd; /* NULL: unknown */
    uint64_t reply_bound;     /* room to make in the output */
    uint64_t run_bound;       /* the command's own bound, or KV_BOUND_NONE if it won't run */
};
void kv_engine_prepare(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                       const struct kv_slice *argv, struct kv_prepared *p);
enum kv_exec kv_engine_execute_prepared(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                                        const struct kv_slice *argv,
                                        const struct kv_prepared *p, struct kv_reply *out);
/* True if this frame is an EXEC that will replay the queued commands (inline: the
 * server asks for every frame, and outside MULTI the answer is one flag test). */
bool kv_engine_is_exec_slow(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                            const struct kv_slice *argv);
static inline bool kv_engine_is_exec(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                                     const struct kv_slice *argv) {
    return (s->flags & KV_SESSION_MULTI) != 0 && kv_engine_is_exec_slow(e, s, argc, argv);
}
/* True if, inside MULTI, this command would be queued (known, right arity, queueable). */
bool kv_engine_would_queue(struct kv_engine *e, uint32_t argc, const struct kv_slice *argv);
/* Flags of a known command (0 if unknown); *sized: its reply depends on the data. */
uint32_t kv_engine_cmd_flags(struct kv_engine *e, uint32_t argc, const struct kv_slice *argv,
                             bool *sized);
/* Reply bound of the command as if run now, outside MULTI (EXEC sums these). */
uint64_t kv_engine_cmd_bound(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                             const struct kv_slice *argv);
void kv_engine_exec_begin(struct kv_engine *e, struct kv_session *s, struct kv_reply *out);
void kv_engine_exec_one(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                        const struct kv_slice *argv, struct kv_reply *out);
void kv_engine_exec_end(struct kv_engine *e, struct kv_session *s);
/* Periodic work: active expiry with a bounded budget. */
void kv_engine_tick(struct kv_engine *e);
/* Called by write commands for every key they modify (WATCH). */
void kv_engine_touch(struct kv_engine *e, const uint8_t *key, uint32_t klen);
/*
 * FLUSHALL/FLUSHDB: fails the EXEC of every session watching a key that exists.
 * A watched key that existed at WATCH still exists unless something deleted it
 * (which dirtied the session already), and one created since dirtied it too; so
 * "existed at WATCH" is exactly Redis's "exists now" for sessions still clean.
 */
void kv_engine_touch_all(struct kv_engine *e);
void kv_engine_watch(struct kv_engine *e, struct kv_session *s, const uint8_t *key,
                     uint32_t klen);
void kv_engine_unwatch(struct kv_engine *e, struct kv_session *s);
/* Whole-engine check (the WATCH index), O(its size): the server's check calls it. */
void kv_engine_check(const struct kv_engine *e);

/* Per-command bump scratch; reset by the engine after each command. */
void *kv_scratch_alloc(struct kv_cmd_ctx *ctx, uint64_t bytes);

#endif

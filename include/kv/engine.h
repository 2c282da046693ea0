/*
 * engine.h: the command engine: dispatch, arity, MULTI/EXEC/WATCH, the OOM pre-check
 * and reply bounds. Driven by the server (src/server.c), the fuzzers and the
 * simulator's tests alike, one frame at a time.
 *
 * Reply bounds: before a command runs, the server asks kv_engine_prepare() for an
 * upper bound of the reply's size and makes that much contiguous room in the
 * connection's output (waiting for buffer space if needed). Handlers therefore
 * write replies without ever checking for space. A command whose bound exceeds the
 * per-client reply limit gets an error instead of running (kv_engine_execute
 * handles that too, so the rule is identical everywhere).
 *
 * MULTI: while a session is in MULTI, kv_engine_execute() answers +QUEUED and
 * returns KV_EXEC_QUEUE; the driver keeps the frame (the server its bytes). For
 * EXEC the driver asks kv_engine_exec_bound() for the room, runs EXEC, and on
 * KV_EXEC_RUN_QUEUED hands the kept frames to kv_engine_exec_queued() (src/multi.c).
 */
#ifndef KV_ENGINE_H
#define KV_ENGINE_H

#include "kv/block.h"
#include "kv/clients.h"
#include "kv/clock.h"
#include "kv/cmdstats.h"
#include "kv/common.h"
#include "kv/config.h"
#include "kv/keyspace.h"
#include "kv/latency.h"
#include "kv/prng.h"
#include "kv/pubsub.h"
#include "kv/reply.h"
#include "kv/session.h"
#include "kv/slowlog.h"
#include "kv/stats.h"
#include "kv/watch.h"

struct kv_log;

struct kv_keyspace;
struct kv_cmd;

/* A command's flags (the command tables; kv_engine_cmd_flags reports them). */
enum kv_cmd_flag {
    KV_CMD_WRITE = 1u << 0,     /* modifies the keyspace */
    KV_CMD_DENYOOM = 1u << 1,   /* may grow memory: refused with -OOM when full */
    KV_CMD_READONLY = 1u << 2,
    KV_CMD_NOQUEUE = 1u << 3,   /* runs immediately inside MULTI (EXEC, DISCARD, ...) */
    KV_CMD_NOMULTI = 1u << 4,   /* not allowed inside MULTI (WATCH) */
    KV_CMD_FAST = 1u << 5,
    KV_CMD_NOAUTH = 1u << 6,    /* runs before AUTH with requirepass (AUTH, HELLO, QUIT) */
    KV_CMD_BLOCKING = 1u << 7,  /* may block (BLPOP...): the server runs it on an empty output */
    KV_CMD_CONTAINER = 1u << 8, /* has subcommands: CLIENT LIST shows cmd=client|list */
};

enum kv_exec {
    KV_EXEC_DONE = 0,
    KV_EXEC_QUEUE = 1,       /* keep the frame: it was queued in MULTI */
    KV_EXEC_RUN_QUEUED = 2,  /* EXEC: replay the kept frames (see above) */
};

/* The engine's counters: commands run and protocol-level warnings. */
struct kv_engine_stats {
    uint64_t total_commands_processed;
    uint64_t security_warnings;  /* POST / Host: connections closed (not in INFO) */
    uint64_t used_memory_peak;   /* the keyspace's used memory, sampled each tick and INFO */
    struct kv_cmdstats cs;       /* commandstats, errorstats, instantaneous rates */
};

/*
 * Facts about the process that INFO reports and the engine cannot know by itself:
 * the daemon (src/main.c) reads them from the operating system, the simulator and
 * the tests leave the host unset (INFO then reports zeros and empty strings).
 */
struct kv_process_info {
    uint64_t pid;
    uint64_t rss_bytes;
    uint64_t total_system_memory;
    double cpu_sys_s;
    double cpu_user_s;
    const char *executable;      /* "" if unknown */
    const char *config_file;     /* "" when none was given */
};
struct kv_engine_host {
    void (*process_info)(void *ctx, struct kv_process_info *out);
    void *ctx;
};

struct kv_engine_init {
    /* The WATCH index's memory (include/kv/watch.h), for watchers_cap sessions of
     * config->watch_max_keys keys: watchers_cap pointers, kv_watch_nodes_cap() nodes
     * and kv_watch_slots_cap() slots. */
    struct kv_session **watchers;
    uint32_t watchers_cap;
    struct kv_watch_node *watch_nodes;
    struct kv_watch_slot *watch_slots;
    struct kv_config *config;    /* the live options: CONFIG SET changes them */
    const struct kv_clock *clock;
    uint64_t prng_seed;
    struct kv_keyspace *ks;
    const struct kv_net_stats *net; /* the server's counters, for INFO */
    uint64_t reply_max;      /* largest reply a client can receive */
    uint8_t *scratch;        /* per-command bump scratch */
    uint64_t scratch_cap;
    /* SLOWLOG's ring: kv_slowlog_bytes(config->slowlog_max_len) bytes (NULL if 0). */
    void *slowlog;
    /* Latency histograms: kv_lathist_bytes(kv_engine_cmd_total()) bytes, zeroed; NULL:
     * none (tests), INFO latencystats and LATENCY HISTOGRAM then show no command. */
    struct kv_lathist *lathist;
    /* The blocked clients' queues (include/kv/block.h) for watchers_cap sessions of
     * config->block_max_keys keys: watchers_cap pointers each for block_sessions and
     * block_wake, kv_block_nodes_cap() nodes and ready hashes, kv_block_slots_cap()
     * slots. All NULL: nothing blocks (BLPOP answers as inside MULTI). */
    struct kv_session **block_sessions;
    struct kv_session **block_wake;
    struct kv_block_node *block_nodes;
    struct kv_block_slot *block_slots;
    uint64_t *block_ready;
    /* Pub/sub (include/kv/pubsub.h), for kv_config_pubsub_channels() entries of
     * pubsub_max_channel_len name bytes and kv_config_pubsub_subscriptions() nodes
     * and deliveries. NULL (tests, fuzzers): a small table of the engine's own. */
    struct kv_pubsub_chan *pubsub_chans;
    uint8_t *pubsub_names;
    uint32_t *pubsub_slots;
    struct kv_pubsub_sub *pubsub_subs;
    struct kv_pubsub_delivery *pubsub_ring;
};

/*
 * Where PUBLISH's deliveries to other sessions go (include/kv/pubsub.h): after every
 * command that put some on the ring, the engine calls deliver with it; the server
 * writes each into that session's output (or drops it) and the engine empties the
 * ring. Unset (tests, fuzzers): they are dropped.
 */
struct kv_pubsub_sink {
    void (*deliver)(void *ctx, struct kv_pubsub *p);
    void *ctx;
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
    /* A blocked session's connection closed: it leaves its queues unanswered. */
    void (*on_block_drop)(void *ctx, const struct kv_session *s);
    /* A woken blocked session found no room for its reply: it stays blocked, its key
     * is not served further now, and it is retried when room comes (server.c). */
    void (*on_block_defer)(void *ctx, const struct kv_session *s);
    /* The server closes this subscribed session: it left its channels now (after an
     * on_cut, if it was cut); in_delivery: cut while a message was delivered to it
     * (it counted among that PUBLISH's receivers). NULL: not observed. */
    void (*on_unsubscribed)(void *ctx, const struct kv_session *s, bool in_delivery);
    /* A deferred session now has room: every key it waits on becomes ready again
     * (before the drain that follows, which may serve other sessions first). */
    void (*on_block_retry)(void *ctx, const struct kv_session *s);
    void *ctx;
};

#define KV_CMD_LOOKUP_SIZE 512 /* open-addressed name table, power of two */
#define KV_CMD_GROUPS_MAX 16

struct kv_engine {
    /* The live options, shared with the server (which re-reads hz, timeout and the hold
     * rule's window each tick) and the caller; changed only by kv_engine_reconfigure. */
    struct kv_config *config;
    /* CONFIG REWRITE: writes the config file given at startup (kv_config_rewrite);
     * NULL when there is none or no file system (the simulator). 0 or -1 and err. */
    int (*config_rewrite)(const struct kv_config *c, char *err, uint32_t err_cap);
    const struct kv_clock *clock;
    struct kv_keyspace *ks;
    struct kv_engine_stats stats; /* the engine's own counters (stats.h) */
    const struct kv_net_stats *net; /* the server's, read by INFO (never written here) */
    struct kv_prng prng;
    uint64_t reply_max;
    uint8_t *scratch;
    uint64_t scratch_cap;
    uint64_t scratch_used;
    struct kv_watch watch;       /* watched key -> its watchers */
    struct kv_block block;       /* blocked clients (include/kv/block.h) */
    bool can_block;              /* the block queues were given at init */
    struct kv_slowlog slowlog;   /* SLOWLOG (include/kv/slowlog.h) */
    struct kv_pubsub pubsub;     /* channels, subscriptions, deliveries */
    struct kv_pubsub_sink pubsub_sink;
    struct kv_latency latency;   /* LATENCY's event rings (include/kv/latency.h) */
    struct kv_lathist *lathist;  /* one per command (cmdstats.h); NULL: not tracked */
    uint32_t cmd_count;
    const struct kv_engine_observer *observer;
    const struct kv_engine_host *host; /* NULL: no process facts (sim, tests) */
    const struct kv_engine_clients *clients; /* the server's connections; NULL: none */
    struct {                     /* the counters at the last CONFIG RESETSTAT */
        struct kv_net_stats net;
        struct kv_ks_stats ks;
        uint64_t commands;
    } base;
    char run_id[41];             /* INFO run_id: 40 hex digits from the seed */
    char replid[41];             /* INFO master_replid, likewise */
    uint32_t group_base[KV_CMD_GROUPS_MAX]; /* the first command index of each group */
    struct kv_log *log;          /* the server's (include/kv/log.h); NULL: no log */
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
    uint32_t memo_index;         /* memo_cmd's kv_engine_cmd_index (its counters) */
    int64_t turn_now_ms;         /* kv_engine_turn_begin: one time per loop turn */
    bool turn_now_valid;
    bool turn_mode;
};

void kv_engine_init(struct kv_engine *e, const struct kv_engine_init *init);
/* The rows of every command table (sizes the latency histograms before init). */
uint32_t kv_engine_cmd_total(void);
const struct kv_engine_stats *kv_engine_stats(const struct kv_engine *e);
/* A server loop turn begins: realtime is read once, at its first use, for all the
 * turn's commands and ticks (see engine_time in engine.c). */
void kv_engine_turn_begin(struct kv_engine *e);
void kv_engine_set_observer(struct kv_engine *e, const struct kv_engine_observer *o);
void kv_engine_set_host(struct kv_engine *e, const struct kv_engine_host *h);
/* The server's connections, for CLIENT LIST/INFO/KILL/PAUSE (include/kv/clients.h). */
void kv_engine_set_clients(struct kv_engine *e, const struct kv_engine_clients *c);
/* The process facts for INFO (zeros without a host). */
void kv_engine_process_info(const struct kv_engine *e, struct kv_process_info *out);
/* An error reply the server wrote itself (a protocol error): errorstats count it. */
void kv_engine_note_error(struct kv_engine *e, const uint8_t *reply, uint32_t len);
/* The index of a command in the table (commandstats), and the command at an index. */
uint32_t kv_engine_cmd_index(const struct kv_engine *e, const struct kv_cmd *cmd);
const struct kv_cmd *kv_engine_cmd_at(const struct kv_engine *e, uint32_t index);
void kv_engine_set_pubsub_sink(struct kv_engine *e, const struct kv_pubsub_sink *sink);
/* Drops every subscription of the session (RESET; the server when it closes one). */
void kv_engine_pubsub_drop(struct kv_engine *e, struct kv_session *s);
/* Forgets WATCHes, subscriptions and MULTI state (connection closed). */
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
    bool may_block;           /* it runs now and is KV_CMD_BLOCKING (include/kv/block.h) */
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
/* The key arguments of a frame (COMMAND GETKEYS, cluster slots): kv_cmd_keys for
 * the command argv[0] names, or KV_KEYS_UNKNOWN (no such command: "Invalid command
 * specified") or KV_KEYS_ARITY (argc fails its arity: "Invalid number of arguments
 * specified for command"). pos[] gets at most cap indexes; no allocation. */
#define KV_KEYS_UNKNOWN (-1)
#define KV_KEYS_ARITY (-2)
int64_t kv_engine_keys(struct kv_engine *e, uint32_t argc, const struct kv_slice *argv,
                       uint32_t *pos, uint32_t cap);
/* Reply bound of the command as if run now, outside MULTI (EXEC sums these). */
uint64_t kv_engine_cmd_bound(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                             const struct kv_slice *argv);
/*
 * EXEC (src/multi.c): the open transaction's frames come back from their keeper
 * through `next`, in order, queued or not, each phase from the first again; at most
 * frames_max + 1 calls (the keeper's own bound on its frames). exec_bound is the
 * room to make before kv_engine_execute_prepared runs EXEC; when that returns
 * KV_EXEC_RUN_QUEUED, exec_queued runs them into the same reply.
 */
struct kv_kept {
    bool (*next)(void *ctx, uint32_t *argc, const struct kv_slice **argv);
    void *ctx;
    uint64_t frames_max;
};
uint64_t kv_engine_exec_bound(struct kv_engine *e, struct kv_session *s,
                              const struct kv_kept *k);
void kv_engine_exec_queued(struct kv_engine *e, struct kv_session *s, const struct kv_kept *k,
                           struct kv_reply *out);
/* exec_queued's steps (engine.c). */
void kv_engine_exec_begin(struct kv_engine *e, struct kv_session *s, struct kv_reply *out);
void kv_engine_exec_one(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                        const struct kv_slice *argv, struct kv_reply *out);
void kv_engine_exec_end(struct kv_engine *e, struct kv_session *s);
/* Periodic work: active expiry with a bounded budget, and blocked clients whose
 * timeout passed are queued to wake (the driver then drains kv_engine_block_next). */
void kv_engine_tick(struct kv_engine *e);
/*
 * Blocked clients (include/kv/block.h has the whole mechanism). After any command
 * and after a tick, while kv_block_pending(&e->block), the driver takes the next
 * session to run again (kv_engine_block_next), runs that session's kept frame like
 * any other, and if the session is still blocked after it (its key was empty, or
 * its reply found no room) says so with kv_block_not_served(&e->block, s).
 */
static inline bool kv_engine_block_next(struct kv_engine *e, struct kv_session **s) {
    return kv_block_pending(&e->block) && kv_block_next(&e->block, s);
}
/* Called by write commands for every key they modify (WATCH; a list or sorted set
 * becomes ready for its blocked clients). */
void kv_engine_touch(struct kv_engine *e, const uint8_t *key, uint32_t klen);
/* The same, and a stream becomes ready too: XADD, and RENAME or COPY onto the key
 * (Redis readies a stream at XADD and when dbAdd makes it, at no other write). */
void kv_engine_ready(struct kv_engine *e, const uint8_t *key, uint32_t klen);
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
/*
 * CONFIG SET's commit (src/cmd_config.c): *next, already checked, becomes the live
 * config; the keyspace takes its run-time options (kv_ks_configure) and, when
 * maxmemory went down, evicts down to it at once (as Redis does; evictions are
 * touched for WATCH and observed like any other). The server follows at its next
 * tick (hz, the hold window).
 */
void kv_engine_reconfigure(struct kv_engine *e, const struct kv_config *next);
/*
 * CONFIG RESETSTAT: resets the counters Redis resets (commands, connections
 * received, rejected, net bytes, reads/writes, hits/misses, expired, evicted...),
 * not the gauges (connected clients, start time, port). The hook the stats split
 * fills per layer; the counters main.c logs when they grow are kept.
 */
void kv_engine_resetstat(struct kv_engine *e);
/* The server's and the keyspace's counters and the command count as INFO reports
 * them: since the last CONFIG RESETSTAT (gauges as they are). */
void kv_engine_info_counters(const struct kv_engine *e, struct kv_net_stats *net,
                             struct kv_ks_stats *ks, uint64_t *commands);
/* Whole-engine check (the WATCH index), O(its size): the server's check calls it. */
void kv_engine_check(const struct kv_engine *e);

#endif

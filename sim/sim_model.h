/*
 * sim_model.h: the simulator's reference model of kv's data semantics: a plain map
 * from key to string or list with TTLs, written from Redis 7's documented and
 * observed behaviour, independently of src/. It re-executes every command the core
 * executed (in the core's order, with the core's now_ms, as the engine observer
 * reports them) and compares the reply bytes.
 *
 * Test code: uses the heap. Invariants: a key holds a string, or a non-empty list,
 * hash, set or sorted set, or a stream (which may be empty);
 * expired keys linger until overwritten (the core, too, deletes them lazily) but
 * are never visible to commands.
 * Leniency (documented in sim/README.md): -OOM is accepted only for commands that
 * may grow memory (the model then does not execute them); RANDOMKEY, KEYS, SCAN,
 * DBSIZE, INFO and TIME are checked for shape and membership, not exact bytes.
 */
#ifndef KV_SIM_MODEL_H
#define KV_SIM_MODEL_H

#include "kv/common.h"
#include "sim_buf.h"

struct sim_model;
struct kv_config;

struct sim_model_limits {
    uint64_t proto_max_bulk_len;   /* APPEND / SETRANGE result limit */
    uint32_t multi_max_commands;   /* commands one MULTI may queue (0: no limit) */
    uint64_t reply_max;            /* largest reply the core can send */
    uint32_t watch_max;            /* keys one session may WATCH (watch-max-keys) */
    uint64_t maxmemory;            /* CONFIG GET maxmemory */
    uint32_t maxclients;           /* CONFIG GET maxclients */
    const struct kv_config *config; /* CONFIG GET's values (NULL: defaults and the two above) */
    /* Eviction (sim_model_refuse.c: when -OOM is wrong). 0 / false: never strict. */
    uint64_t data_bytes;           /* the data region: maxmemory less the index's bytes */
    bool evicts_any_key;           /* maxmemory-policy allkeys-lru or allkeys-random */
    uint64_t eviction_keys;        /* maxmemory-eviction-keys (0: as many as it needs) */
    uint64_t eviction_move;        /* maxmemory-eviction-move (0: any); see the rule */
    uint32_t index_capacity;       /* index slots (maxkeys, or derived): SCAN's range */
    /* Hash and set encodings (OBJECT ENCODING, reply order): Redis 7.0's options. */
    uint64_t hash_max_listpack_entries;
    uint64_t hash_max_listpack_value;
    uint64_t set_max_intset_entries;
    /* Sorted-set encodings (sim_model_zset.c): Redis 7.0's zset-max-listpack-*. */
    uint64_t zset_max_listpack_entries;
    uint64_t zset_max_listpack_value;
    /* Streams (sim_model_stream.c): Redis 7.0's node limits, which `~` trims by. */
    uint64_t stream_node_max_bytes;
    uint64_t stream_node_max_entries;
    /* A real server's clock may run ahead of now_ms by this much (`kv sim --redis`:
     * XADD's `*` IDs); 0: the clock is the command's now_ms exactly. */
    int64_t clock_slack_ms;
};

enum sim_model_type {
    SIM_MODEL_NONE = 0,
    SIM_MODEL_STRING = 1,
    SIM_MODEL_LIST = 2,
    SIM_MODEL_HASH = 3,   /* kv's KV_TYPE_HASH must be 3 and KV_TYPE_SET 4 (sim_main.c) */
    SIM_MODEL_SET = 4,
    SIM_MODEL_ZSET = 5,   /* kv's KV_TYPE_ZSET must be 5 (sim_main.c compares them) */
    SIM_MODEL_STREAM = 6, /* kv's KV_TYPE_STREAM must be 6 (5: sorted sets) */
};

struct sim_model_stats {
    uint64_t commands;
    uint64_t exact;      /* replies compared byte for byte */
    uint64_t loose;      /* replies checked for shape/membership */
    uint64_t oom;        /* accepted -OOM refusals */
    uint64_t too_large;  /* accepted reply-too-large refusals */
    uint64_t evictions;
    uint64_t unmodeled;  /* core commands the model does not know (accepted as is) */
};

struct sim_model *sim_model_create(const struct sim_model_limits *lim);
void sim_model_destroy(struct sim_model *m);

/*
 * A command the core executed for `session`, with its reply. Returns true when
 * the reply is what the model expects; otherwise false with the model's expected
 * reply in `expected` (and a reason in `why`, NUL-terminated).
 */
bool sim_model_command(struct sim_model *m, uint64_t session, uint32_t argc,
                       const struct kv_slice *argv, int64_t now_ms, const uint8_t *reply,
                       uint32_t reply_len, struct sim_buf *expected, char *why,
                       uint32_t why_cap);
/* Was the last command's reply dropped by CLIENT REPLY OFF/SKIP (not sent)? */
bool sim_model_reply_dropped(const struct sim_model *m);
/* Is the session silenced (CLIENT REPLY OFF, or a SKIP in force): no protocol error
 * may reach it either. */
bool sim_model_replies_off(const struct sim_model *m, uint64_t session);
/* CLIENT PAUSE's end (now_ms; 0 or past: none). */
int64_t sim_model_pause_end(const struct sim_model *m);
/* Is the session inside MULTI (queueing)? */
bool sim_model_in_multi(const struct sim_model *m, uint64_t session);
/* Commands queued by the session's current MULTI. */
uint32_t sim_model_queued(const struct sim_model *m, uint64_t session);
/*
 * Marks the next commands reported for `session` as EXEC's replays of its queue
 * (the engine reports each queued command, then EXEC with the whole reply).
 * False if the model says this EXEC must not run (no MULTI, errors, WATCH).
 */
bool sim_model_exec_expect(struct sim_model *m, uint64_t session, int64_t now_ms);
/* The core failed the session's MULTI without a command (a queued frame, or EXEC
 * itself, overflowed the input buffer): EXEC will abort. */
bool sim_model_multi_error(struct sim_model *m, uint64_t session); /* true: newly failed */
/*
 * Known-divergence switch (SIM_LENIENT_WATCH=1): a watched key that expired or
 * was evicted makes either EXEC outcome acceptable instead of requiring the
 * abort Redis 7.0 gives. Only to keep soaking while that core bug is open.
 */
void sim_model_set_watch_lenient(struct sim_model *m, bool on);
/* Why the last sim_model_exec_expect() said no. */
const char *sim_model_cas_why(const struct sim_model *m);
void sim_model_evict(struct sim_model *m, const uint8_t *key, uint32_t klen);
/* The connection is gone: forget its MULTI state. */
void sim_model_session_end(struct sim_model *m, uint64_t session);
/* The core accepted `session`: as Redis, it is authenticated when no requirepass is
 * in force now (it stays so whatever CONFIG SET requirepass does later). */
void sim_model_session_begin(struct sim_model *m, uint64_t session);
/* The requirepass in force (CONFIG SET at run time; "" for none). */
const char *sim_model_requirepass(const struct sim_model *m);
const struct sim_model_stats *sim_model_stats(const struct sim_model *m);

/* Live keys at now_ms. */
uint64_t sim_model_live_count(const struct sim_model *m, int64_t now_ms);
/* Keys including expired ones not yet overwritten (an upper bound for DBSIZE). */
uint64_t sim_model_present_count(const struct sim_model *m);

struct sim_model_key {
    const uint8_t *key;
    uint32_t klen;
    enum sim_model_type type;
    int64_t expire_ms;          /* -1: none */
    const uint8_t *value;       /* string */
    uint32_t value_len;
    uint64_t list_count;        /* list */
    uint64_t coll_count;        /* hash fields, set or sorted-set members */
};
/* Iterates the live keys: *cursor starts at 0; returns false at the end. */
bool sim_model_next_key(const struct sim_model *m, int64_t now_ms, uint64_t *cursor,
                        struct sim_model_key *out);
/* Element i of a list key (key must be a live list). */
struct kv_slice sim_model_list_at(const struct sim_model *m, const uint8_t *key, uint32_t klen,
                                  uint64_t i);

/*
 * Restricts the model to the commands the core implements (others are unknown
 * commands to both). A command the core has but the model does not model is
 * accepted with any reply and counted in stats.unmodeled.
 */
void sim_model_set_known(struct sim_model *m, bool (*has)(void *ctx, const char *name),
                         void *ctx);

/*
 * Blocking pops (sim_model_block.c): the core blocked `session` on this command (no
 * reply); false, with why, if the model would not block it. The clock facts for
 * checking a timeout's lateness: one tick's ms, the realtime jumps so far, and the
 * realtime and monotonic clocks now (ms).
 * Whether the model has the session blocked, and how many it has.
 */
bool sim_model_block(struct sim_model *m, uint64_t session, uint32_t argc,
                     const struct kv_slice *argv, int64_t now_ms, char *why, uint32_t why_cap);
void sim_model_block_clock(struct sim_model *m, uint32_t tick_ms, uint64_t jumps,
                           int64_t real_ms, int64_t mono_ms);
bool sim_model_blocked(const struct sim_model *m, uint64_t session);
/* The core closed a blocked session's connection: it leaves the queues unserved. */
void sim_model_block_drop(struct sim_model *m, uint64_t session);
/* The core found no room for a woken session's reply (it stops that key for now). */
void sim_model_block_defer(struct sim_model *m, uint64_t session);
/* The core retries a deferred session (room came): it readies the session's keys
 * again, now, before the serves that follow (which may be other sessions'). */
void sim_model_block_retry(struct sim_model *m, uint64_t session);
/* A blocked session the core should have served by now (*session), if any. */
bool sim_model_block_due(struct sim_model *m, uint64_t *session);
uint32_t sim_model_blocked_count(const struct sim_model *m);

/* Canary (--canary=model): the model computes INCR one too high. */
void sim_model_set_canary(struct sim_model *m, bool on);

/* Pub/sub (sim_model_pubsub.c). The server closed a subscribed session: it leaves
 * its channels now, or, when it was cut while a message was delivered to it, once
 * the command that published it has been modelled (it was counted as a receiver).
 * deliver receives every message the model predicts for a session other than the
 * publisher, in its protocol, as the command that publishes it is modelled. */
void sim_model_unsubscribed(struct sim_model *m, uint64_t session, bool in_delivery);
void sim_model_set_deliver(struct sim_model *m,
                           void (*deliver)(void *ctx, uint64_t session, const uint8_t *p,
                                           uint64_t n),
                           void *ctx);

#endif

/*
 * sim_model_int.h: internals shared by the reference model's files
 * (sim_model.c: map, sessions, dispatch, MULTI/EXEC; sim_model_str.c: strings and
 * keys; sim_model_list.c: lists). Test code: heap allowed.
 * Invariants: the map is linear-probing with backward-shift deletion, load <= 1/2;
 * an entry pointer is valid until the next insert or delete.
 */
#ifndef KV_SIM_MODEL_INT_H
#define KV_SIM_MODEL_INT_H

#include "sim_model.h"

struct mval {
    uint8_t *p;
    uint32_t len;
};

struct mdeque {
    struct mval *v;
    uint64_t cap;   /* power of two, or 0 */
    uint64_t head;
    uint64_t count;
};

/* A hash (fields and values) or a set (members, v NULL), in its encoding's order:
 * a listpack hash in insertion order, an intset ascending by value; a hashtable in
 * the order members came (its real order is unknown: replies compared as multisets).
 * sim_model_hash.c owns it; sets use it from sim_model_set.c. A sorted set
 * (sim_model_zset.c) holds its members in f and each score's 8 bytes (a double) in v,
 * ascending by (score, member), as a listpack or a skiplist. */
enum m_enc { M_ENC_LISTPACK = 0, M_ENC_HT = 1, M_ENC_INTSET = 2, M_ENC_SKIPLIST = 3 };
struct mcoll {
    struct mval *f;
    struct mval *v;
    uint64_t count;
    uint64_t cap;
    uint8_t enc;    /* enum m_enc */
};

struct mentry {
    uint8_t *key;   /* NULL: empty slot */
    uint32_t klen;
    uint8_t type;   /* enum sim_model_type */
    int64_t expire_ms;
    uint64_t hash;
    struct mval str;
    struct mdeque list;
    struct mcoll hs;   /* SIM_MODEL_HASH / SIM_MODEL_SET / SIM_MODEL_ZSET */
    struct mstream *xs; /* SIM_MODEL_STREAM (sim_model_stream.h), else NULL */
};

struct mqueued {
    uint32_t argc;
    struct mval *argv;
};

struct mwatch {
    struct mval key;
    bool live;              /* the key was live when WATCHed */
    uint64_t fp;            /* scratch: fingerprint before a write command */
};

struct msession {
    uint64_t id;
    struct mwatch *watch;   /* watch_cap entries (grown by WATCH) */
    uint32_t watch_cap;
    uint32_t nwatch;
    bool cas_abort;         /* a watched key changed: EXEC must return nil */
    const char *cas_why;    /* why, for the failure message */
    bool cas_maybe;         /* a watched key was written without visible change */
    bool multi;
    bool multi_error;
    bool exec_pending;      /* EXEC's replays are being reported */
    uint32_t nqueued;
    uint32_t qcap;
    uint32_t replayed;
    struct mqueued *q;
    struct sim_buf exec_reply;
    struct mval name;       /* CLIENT SETNAME (len 0: none) */
    uint8_t proto;          /* HELLO's protocol: 3, or 2 (0: not yet set, 2) */
    bool authed;            /* AUTH / HELLO AUTH succeeded (requirepass) */
    uint8_t reply_mode;     /* CLIENT REPLY (sim_model_client.c): 0 on, 1 off, 2/3 skip */
    struct msession *next;
};

struct sim_model {
    struct sim_model_limits lim;
    struct mentry *slots;
    uint64_t cap;
    uint64_t count;
    struct msession *sessions;
    struct sim_model_stats stats;
    bool canary;
    bool (*has)(void *ctx, const char *name);
    void *has_ctx;
    const char *cas_why;     /* the last WATCH verdict's reason */
    bool watch_lenient;      /* expiry/eviction of a watched key: either verdict */
    int64_t now;             /* now_ms of the last command (evictions come before one) */
    /* Evictions reported since the last command: the next command caused them, so its
     * entries before eviction are count + this (the -OOM rule, sim_model_refuse.c). */
    uint64_t evicted_pending;
    uint64_t evicted_now;    /* the current command's share of them */
    struct mblocks *blk;     /* blocked sessions (sim_model_block.c); NULL: none yet */
    struct mpubsub *ps;      /* pub/sub (sim_model_pubsub.c), NULL until used */
    /* Where a message for another session goes (the checker): sim_model_set_deliver. */
    void (*deliver)(void *ctx, uint64_t session, const uint8_t *p, uint64_t n);
    void *deliver_ctx;
    bool dropped;            /* the last top-level command's reply never reaches the wire */
    int64_t pause_end;       /* CLIENT PAUSE holds commands until this now_ms */
    bool pause_write;        /* ... only writes and EXEC (WRITE), else all (ALL) */
    uint64_t mapped;         /* maxmemory at startup: CONFIG SET's ceiling */
    struct kv_config *cfg;   /* CONFIG SET's run-time config (sim_model_cfg.c; NULL: lim's) */
};

struct mctx {
    struct sim_model *m;
    uint32_t argc;
    const struct kv_slice *argv;
    int64_t now;
    struct sim_buf *out;
    const uint8_t *reply;   /* the core's reply (loose checks) */
    uint32_t reply_len;
    char *why;
    uint32_t why_cap;
    uint64_t session;
    bool failed;            /* m_why was called: the reply cannot match */
    bool shape_only;        /* the model keeps no copy of this answer (kv's command
                             * table: bare COMMAND, COMMAND INFO/LIST/GETKEYS/HELP):
                             * one whole array or error reply passes */
};

enum mflag {
    MF_WRITE = 1u << 0,
    MF_DENYOOM = 1u << 1,   /* may be refused with -OOM (then it did not run) */
    MF_NOQUEUE = 1u << 2,   /* runs at once inside MULTI */
    MF_LOOSE = 1u << 3,     /* reply checked for shape by `loose`, not byte for byte */
    MF_READONLY = 1u << 4,  /* changes nothing visible (may drop expired keys) */
    MF_NOTOUCH = 1u << 5,   /* a write whose changes WATCH does not see (redis-server
                             * 7.0.15's XSETID signals no modified key) */
};

struct mcmd {
    const char *name;
    int32_t arity;
    uint32_t flags;
    void (*proc)(struct mctx *c);
    /* MF_LOOSE: checks c->reply; true if acceptable (why filled otherwise). */
    bool (*loose)(struct mctx *c);
};

struct mcmd_table {
    const struct mcmd *cmds;
    uint32_t count;
};
extern const struct mcmd_table sim_model_cmds_str;
extern const struct mcmd_table sim_model_cmds_list;
extern const struct mcmd_table sim_model_cmds_srv;
extern const struct mcmd_table sim_model_cmds_auth; /* HELLO AUTH ACL (sim_model_auth.c) */
extern const struct mcmd_table sim_model_cmds_admin; /* ROLE OBJECT MEMORY (sim_model_admin.c) */
extern const struct mcmd_table sim_model_cmds_hash; /* sim_model_hash.c */
extern const struct mcmd_table sim_model_cmds_set;  /* sim_model_set.c */
extern const struct mcmd_table sim_model_cmds_zset; /* sim_model_zset.c */
extern const struct mcmd_table sim_model_cmds_zset2; /* sim_model_zset_ops.c */

/* Sorted sets (sim_model_zset.c): is the type a collection (hash, set, sorted set);
 * ZSCAN's view of a sorted set (members and their scores as Redis formats them, a
 * listpack's exact, a skiplist's as a hashtable's page). */
bool m_is_coll(uint8_t type);
void m_zset_scan_view(const struct mcoll *z, struct mcoll *out);
/* Streams (sim_model_stream.c, sim_model_xcmd.c): free, deep copy (nodes as they
 * are, as Redis's COPY keeps them), fingerprint (WATCH); the commands. */
struct mstream;
void m_xs_free(struct mstream *s);
struct mstream *m_xs_copy(const struct mstream *s);
uint64_t m_xs_fingerprint(const struct mstream *s, uint64_t seed);
extern const struct mcmd_table sim_model_cmds_stream;
/* Inside MULTI, Redis refuses an unknown subcommand of a container, or one with the
 * wrong arity, as it arrives (not at EXEC): true when c is such a frame of a
 * container whose subcommands the model checks (XINFO), its error written. */
bool m_sub_refused(struct mctx *c);

/* Hashes and sets (sim_model_hash.c): free, deep copy, fingerprint (WATCH) and
 * OBJECT ENCODING of a collection; TYPE's name of a model type; the RESP3 form of
 * a hash/set command's top reply (0: none, 1: a set `~`, 2: a map `%`, 3: pairs). */
void m_coll_free(struct mcoll *h);
void m_coll_copy(struct mcoll *dst, const struct mcoll *src);
uint64_t m_coll_fingerprint(const struct mcoll *h, uint64_t seed);
const char *m_coll_encoding(const struct mentry *e);
const char *m_type_name(uint8_t type);
int m_hs_resp3_rule(const struct mctx *c);
/* The collection's own operations (sim_model_hash.c). */
int64_t m_coll_find(const struct mcoll *h, struct kv_slice f);
void m_coll_insert(struct mcoll *h, uint64_t at, struct kv_slice f, const struct kv_slice *v);
void m_coll_remove(struct mcoll *h, uint64_t i);
void m_coll_scan(struct mctx *c, uint8_t type); /* HSCAN / SSCAN / ZSCAN */
/* The core's reply as flat bulk strings (a heap array); is it kv's too-large refusal;
 * an array of mine[0..n) in the core's order when it holds the same groups of
 * `group` (an unordered reply), else in the model's. */
bool m_reply_flat(const struct mctx *c, struct kv_slice **elems, uint64_t *n);
bool m_reply_refused(const struct mctx *c);
void m_emit_same(struct mctx *c, struct kv_slice *mine, uint64_t n, uint32_t group);
extern const struct mcmd_table sim_model_cmds_block; /* BLPOP ... (sim_model_block.c) */

/* Runs a model command on the model's data into out (a served blocked client). */
void m_run(struct sim_model *m, uint64_t session, uint32_t argc, const struct kv_slice *argv,
           struct sim_buf *out);
/* Blocking pops (sim_model_block.c): a key of `type` was created (its waiters'
 * keys become ready); serve the ready keys; a report for a blocked or predicted
 * session (*handled); a session ends. */
void m_block_created(struct sim_model *m, const uint8_t *key, uint32_t klen, uint8_t type);
void m_block_serve(struct sim_model *m);
bool m_block_report(struct mctx *c, bool *handled, bool (*compare)(struct mctx *c));
void m_block_session_end(struct sim_model *m, uint64_t session);
void m_block_free(struct sim_model *m);
extern const struct mcmd_table sim_model_cmds_pubsub; /* (P)(UN)SUBSCRIBE PUBLISH PUBSUB */

/* Pub/sub (sim_model_pubsub.c): is the session subscribed; the RESP2 subscribed-mode
 * refusal (true: replied); PING's subscribed form (true: replied); RESET's drop;
 * the drops deferred to the end of a command; the state's release. */
bool m_pubsub_subscribed(struct sim_model *m, uint64_t session);
bool m_pubsub_refused(struct mctx *c, const char *name);
bool m_pubsub_ping(struct mctx *c);
void m_pubsub_drop(struct sim_model *m, uint64_t session);
void m_pubsub_after_command(struct sim_model *m);
void m_pubsub_destroy(struct sim_model *m);

/* RESP3 sessions (sim_model_resp3.c): is the session's protocol 3; rewrite c->out (the
 * model's RESP2 reply) in RESP3 for such a session; a loose check under RESP3. */
bool m_resp3_session(const struct mctx *c);
void m_resp3_up(struct mctx *c);
bool m_resp3_loose(struct mctx *c, bool (*loose)(struct mctx *c));
/* requirepass (sim_model_auth.c): must the session AUTH before this command? */
bool m_auth_refused(struct mctx *c, const struct mcmd *cmd);

/* CLIENT REPLY/PAUSE/UNPAUSE/LIST/INFO (sim_model_client.c): true if it answered the
 * subcommand; before a top-level command: false (m_why) if the pause forbids it;
 * after it: the reply mode moves on. */
bool m_client_more(struct mctx *c, struct msession *s);
bool m_client_before(struct mctx *c, bool write, bool exec);
void m_client_after(struct msession *s, struct sim_model *m);
/* CONFIG SET's pairs, all valid, applied to the model's config (sim_model_cfg.c). */
void m_config_apply(struct mctx *c, const struct kv_config *next);
/* Sessions and the command set (sim_model.c). */
struct msession *m_session(struct sim_model *m, uint64_t id);
/* Drops a session's MULTI state and queued commands (DISCARD, RESET). */
void m_session_discard(struct msession *s);
/* Commands both the model and the core know (COMMAND COUNT, when the model
 * covers every command the core has). */
int64_t m_known_count(const struct sim_model *m);

/* Map. */
struct mentry *m_find_raw(struct sim_model *m, const uint8_t *key, uint32_t klen);
struct mentry *m_lookup(struct sim_model *m, struct kv_slice key, int64_t now);
struct mentry *m_add(struct sim_model *m, struct kv_slice key, uint8_t type);
void m_delete(struct sim_model *m, struct mentry *e);
void m_clear_value(struct mentry *e);
void m_flush(struct sim_model *m);
bool m_expired(const struct mentry *e, int64_t now);

/* Lists. */
void m_deque_push(struct mdeque *d, bool head, const uint8_t *p, uint32_t len);
struct mval m_deque_pop(struct mdeque *d, bool head); /* caller frees .p */
struct mval *m_deque_at(const struct mdeque *d, uint64_t i);
void m_deque_free(struct mdeque *d);

/* WATCH (sim_model_watch.c). */
enum m_cas { M_CAS_RUN = 0, M_CAS_ABORT = 1, M_CAS_EITHER = 2 };
void m_watch_clear(struct msession *s);
void m_watch_cmd(struct mctx *c, struct msession *s);
void m_watch_before(struct mctx *c);
void m_watch_after(struct mctx *c);
void m_watch_flush(struct sim_model *m, int64_t now);
void m_watch_evict(struct sim_model *m, const uint8_t *key, uint32_t klen, bool surely_live);
enum m_cas m_watch_verdict(struct sim_model *m, const struct msession *s, int64_t now);

/* Parsing and replies. */
bool m_str2ll(const uint8_t *p, uint32_t len, int64_t *out);
bool m_eq_nocase(struct kv_slice s, const char *lower);
/* An option word as Redis compares it: strcasecmp() on a C string, so the argument
 * ends at its first NUL byte ("nx\0junk" is NX). Command names are not compared so. */
bool m_opt_eq(struct kv_slice s, const char *lower);
void m_reply_wrongtype(struct mctx *c);
void m_reply_not_int(struct mctx *c);
void m_reply_syntax(struct mctx *c);
/* Text (sim_model_text.c, independent of src/util.c): Redis's stringmatchlen, with
 * or without case; string2ld; ld2string's human mode (a heap string, length in *n). */
bool m_glob(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen);
bool m_glob_case(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen,
                 bool nocase);
bool m_str2ld(const uint8_t *p, uint32_t len, long double *out);
char *m_fmt_human(long double v, uint32_t *n);
void m_why(struct mctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* KEYS / SCAN (sim_model_str.c): SCAN's arguments (false: the error is in c->out), and
 * the live keys matching pat and type as bulk replies: their bytes, their count in *n. */
bool m_scan_args(struct mctx *c, struct kv_slice *pat, const struct kv_slice **type);
uint64_t m_keys_bytes(struct mctx *c, struct kv_slice pat, const struct kv_slice *type,
                      uint64_t *n);

/* Refusals (sim_model_refuse.c): may the core refuse this command with -OOM (it did
 * not run), or with "reply of up to `bound` bytes exceeds ..."? False: m_why says why. */
bool m_oom_ok(struct mctx *c, const struct mcmd *cmd, bool in_exec);
bool m_too_large_ok(struct mctx *c, const struct mcmd *cmd, uint64_t bound, bool in_exec);

#endif

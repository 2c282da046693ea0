/*
 * cmd_admin.c: the introspection commands: TOUCH, ROLE, OBJECT (ENCODING, FREQ,
 * IDLETIME, REFCOUNT, HELP), MEMORY (USAGE, HELP), RESET and SLOWLOG (GET, LEN,
 * RESET, HELP over the engine's ring, include/kv/slowlog.h). Replies and error texts are
 * Redis 7.0.15's, byte for byte, in RESP2 and RESP3.
 *
 * OBJECT ENCODING answers what Redis 7.0 would report for the same logical value,
 * not kv's layout (kv has one string and one list layout), so clients that inspect
 * it see what they would see on Redis: a string is "int" when Redis's string2l
 * takes it (at most 20 bytes), else "embstr" up to 44 bytes, else "raw"; a list is
 * always "quicklist" (Redis 7.0 creates every list as a quicklist; listpack lists
 * came in 7.2). One deliberate difference: Redis leaves a value APPEND or SETRANGE
 * built as "raw" even when short; kv judges the value alone.
 * OBJECT REFCOUNT is Redis's: 2147483647 (a shared integer) for an integer value in
 * [0, 10000) unless the policy is LRU or LFU (Redis then stops sharing them), else 1.
 * OBJECT FREQ: kv keeps no frequency counter (LFU policies evict as LRU, config.h),
 * so under LFU it answers LFU_INIT_VAL (5), what Redis gives a fresh key.
 *
 * MEMORY USAGE is exact: kv_ks_item_memory (the item's block, a list's nodes and the
 * index slot); SAMPLES is checked as Redis checks it and otherwise ignored.
 *
 * Memory: owns none. Never: writes a reply longer than its bound (HELP texts are
 * bounded by HELP_BOUND, everything else fits KV_EXEC_ERROR_ROOM).
 */
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"

#define HELP_BOUND 1024u
#define SHARED_INTEGERS 10000       /* Redis's OBJ_SHARED_INTEGERS */
#define SHARED_REFCOUNT 2147483647  /* Redis's OBJ_SHARED_REFCOUNT (INT_MAX) */
#define LFU_INIT_VAL 5
#define EMBSTR_MAX 44u              /* Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT */
#define INT_STR_MAX 20u

/* ---- helpers ------------------------------------------------------------------- */

static void reply_help(struct kv_reply *out, const char *const *lines, uint32_t n) {
    KV_ASSERT(lines != NULL && n > 0);
    kv_reply_array(out, n);
    for (uint32_t i = 0; i < n; i++) kv_reply_simple(out, lines[i]);
}

/* Redis's "<container>|<sub>" arity error; true when argc is exactly n. */
static bool sub_arity(struct kv_cmd_ctx *c, const char *cmd, const char *sub, uint32_t n) {
    if (c->argc == n) return true;
    kv_reply_errorf(c->out, "ERR wrong number of arguments for '%s|%s' command", cmd, sub);
    return false;
}

static void unknown_sub(struct kv_cmd_ctx *c, const char *upper) {
    KV_ASSERT(c->argc >= 2);
    kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                    (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr, upper);
}

static bool policy_lfu(enum kv_evict_policy p) {
    return p == KV_EVICT_ALLKEYS_LFU || p == KV_EVICT_VOLATILE_LFU;
}

static bool policy_lru_or_lfu(enum kv_evict_policy p) {
    return policy_lfu(p) || p == KV_EVICT_ALLKEYS_LRU || p == KV_EVICT_VOLATILE_LRU;
}

/* The string value as an integer, as Redis's tryObjectEncoding takes it. */
static bool string_int(struct kv_item *it, int64_t *v) {
    KV_ASSERT(kv_item_type(it) == KV_TYPE_STRING);
    uint32_t n = kv_item_value_len(it);
    return n <= INT_STR_MAX && kv_str2ll(kv_item_value(it), n, v);
}

/* ---- TOUCH ROLE ---------------------------------------------------------------- */

static void cmd_touch(struct kv_cmd_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        n += kv_ks_find_read(c->ks, c->argv[i].ptr, c->argv[i].len) != NULL ? 1 : 0;
    KV_ASSERT(n >= 0 && n < (int64_t)c->argc);
    kv_reply_int(c->out, n);
}

/* A master without replicas: "master", offset 0, no replicas. */
static void cmd_role(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc == 1);
    kv_reply_array(c->out, 3);
    kv_reply_bulk_cstr(c->out, "master");
    kv_reply_int(c->out, 0);
    kv_reply_array(c->out, 0);
}

/* ---- RESET --------------------------------------------------------------------- */

/*
 * Redis's clearClientConnectionState: MULTI discarded, every WATCH dropped, back to
 * RESP2, the name cleared, authenticated only if the default user has no password
 * (requirepass unset), then +RESET (already in RESP2). kv has one database, no
 * pub/sub, tracking or cluster ASKING/READONLY to clear. The connection-level flags
 * (close, abort, shutdown) stay: RESET never cancels a QUIT already decided.
 * CLIENT REPLY goes back ON (a SKIP in force still drops RESET's reply, as Redis) and
 * CLIENT NO-EVICT off (kv_session_reset_client).
 */

static void cmd_reset(struct kv_cmd_ctx *c) {
    struct kv_session *s = c->session;
    uint32_t keep = s->flags & (uint32_t)(KV_SESSION_CLOSE | KV_SESSION_ABORT |
                                          KV_SESSION_SHUTDOWN);
    kv_session_reset(c->engine, s); /* MULTI and WATCH */
    s->flags = keep;
    if (c->engine->config->requirepass[0] == 0) s->flags |= KV_SESSION_AUTHED;
    s->proto = 2;
    s->name_len = 0;
    kv_session_reset_client(s);
    KV_ASSERT(s->watch_count == 0 && s->multi_count == 0);
    kv_reply_simple(c->out, "RESET");
}

/* ---- OBJECT -------------------------------------------------------------------- */

static const char *const object_help_lines[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

static const char *encoding_of(struct kv_item *it) {
    if (kv_item_type(it) == KV_TYPE_LIST) return "quicklist";
    int64_t v;
    if (string_int(it, &v)) return "int";
    return kv_item_value_len(it) <= EMBSTR_MAX ? "embstr" : "raw";
}

static int64_t refcount_of(struct kv_cmd_ctx *c, struct kv_item *it) {
    int64_t v;
    if (kv_item_type(it) != KV_TYPE_STRING || !string_int(it, &v)) return 1;
    if (v < 0 || v >= SHARED_INTEGERS) return 1;
    return policy_lru_or_lfu(c->engine->config->maxmemory_policy) ? 1 : SHARED_REFCOUNT;
}

#define LFU_SWITCH_NOTE                                                                   \
    "Please note that when switching between policies at runtime LRU and LFU data will " \
    "take some time to adjust."

/* OBJECT <sub> key: looks the key up without touching it (as Redis's OBJECT). */
static void object_key(struct kv_cmd_ctx *c, const char *sub) {
    if (!sub_arity(c, "object", sub, 3)) return;
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[2].ptr, c->argv[2].len);
    if (it != NULL && kv_ks_item_expired(c->ks, it)) it = kv_ks_find(c->ks, c->argv[2].ptr,
                                                                      c->argv[2].len);
    if (it == NULL) {
        kv_reply_null(c->out);
        return;
    }
    bool lfu = policy_lfu(c->engine->config->maxmemory_policy);
    if (strcmp(sub, "encoding") == 0) {
        kv_reply_bulk_cstr(c->out, encoding_of(it));
    } else if (strcmp(sub, "refcount") == 0) {
        kv_reply_int(c->out, refcount_of(c, it));
    } else if (strcmp(sub, "idletime") == 0) {
        if (lfu) {
            kv_reply_error(c->out, "ERR An LFU maxmemory policy is selected, idle time not "
                                   "tracked. " LFU_SWITCH_NOTE);
        } else {
            kv_reply_int(c->out, kv_item_idle_s(c->ks, it));
        }
    } else {
        KV_ASSERT(strcmp(sub, "freq") == 0);
        if (!lfu) {
            kv_reply_error(c->out, "ERR An LFU maxmemory policy is not selected, access "
                                   "frequency not tracked. " LFU_SWITCH_NOTE);
        } else {
            kv_reply_int(c->out, LFU_INIT_VAL);
        }
    }
}

static void cmd_object(struct kv_cmd_ctx *c) {
    static const char *const subs[] = {"encoding", "freq", "idletime", "refcount"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(subs); i++) {
        if (kv_cmd_sub(c, 1, subs[i])) {
            object_key(c, subs[i]);
            return;
        }
    }
    if (!kv_cmd_sub(c, 1, "help")) {
        unknown_sub(c, "OBJECT");
    } else if (sub_arity(c, "object", "help", 2)) {
        reply_help(c->out, object_help_lines, KV_ARRAY_LEN(object_help_lines));
    }
}

/* ---- MEMORY -------------------------------------------------------------------- */

static const char *const memory_help_lines[] = {
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
};

/* MEMORY USAGE key [SAMPLES count]: the options first, then the key (Redis's order). */
static void memory_usage(struct kv_cmd_ctx *c) {
    if (c->argc < 3) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'memory|usage' command");
        return;
    }
    for (uint32_t i = 3; i < c->argc; i++) {
        int64_t samples;
        if (!kv_cmd_opt(c, i, "samples") || i + 1 >= c->argc) {
            kv_reply_error(c->out, KV_ERR_SYNTAX);
            return;
        }
        if (!kv_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &samples)) {
            kv_reply_error(c->out, KV_ERR_NOT_INT);
            return;
        }
        if (samples < 0) {
            kv_reply_error(c->out, KV_ERR_SYNTAX);
            return;
        }
        i++;
    }
    /* Redis looks the key up in the dict directly: an expired key not yet removed
     * still has a size. */
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[2].ptr, c->argv[2].len);
    if (it == NULL) {
        kv_reply_null(c->out);
        return;
    }
    kv_reply_int(c->out, (int64_t)kv_ks_item_memory(c->ks, it));
}

static void cmd_memory(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    if (kv_cmd_sub(c, 1, "usage")) {
        memory_usage(c);
    } else if (kv_cmd_sub(c, 1, "help")) {
        if (sub_arity(c, "memory", "help", 2))
            reply_help(c->out, memory_help_lines, KV_ARRAY_LEN(memory_help_lines));
    } else {
        unknown_sub(c, "MEMORY");
    }
}

static uint64_t bound_help(struct kv_cmd_ctx *c) {
    return kv_cmd_sub(c, 1, "help") ? HELP_BOUND : KV_EXEC_ERROR_ROOM;
}

/* ---- SLOWLOG -------------------------------------------------------------------- */

static const char *const slowlog_help_lines[] = {
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
};

#define SLOWLOG_GET_DEFAULT 10

/* SLOWLOG GET's entry count (false: not valid, as Redis's range check says). */
static bool slowlog_count(const struct kv_cmd_ctx *c, uint32_t *out) {
    int64_t n = SLOWLOG_GET_DEFAULT;
    if (c->argc == 3 && (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &n) || n < -1))
        return false;
    uint32_t len = c->engine->slowlog.len;
    *out = n == -1 || (uint64_t)n > len ? len : (uint32_t)n;
    KV_ASSERT(*out <= len);
    return true;
}

static void slowlog_get(struct kv_cmd_ctx *c) {
    uint32_t n;
    if (!slowlog_count(c, &n)) {
        kv_reply_error(c->out, "ERR count should be greater than or equal to -1");
        return;
    }
    kv_reply_array(c->out, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct kv_slowlog_entry *e = kv_slowlog_at(&c->engine->slowlog, i);
        kv_reply_array(c->out, 6);
        kv_reply_int(c->out, (int64_t)e->id);
        kv_reply_int(c->out, e->time_s);
        kv_reply_int(c->out, (int64_t)e->duration_us);
        kv_reply_array(c->out, e->argc);
        for (uint32_t j = 0; j < e->argc; j++) kv_reply_bulk(c->out, e->arg[j], e->arg_len[j]);
        kv_reply_bulk(c->out, e->peer, e->peer_len);
        kv_reply_bulk(c->out, e->name, e->name_len);
    }
}

static void cmd_slowlog(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    if (kv_cmd_sub(c, 1, "get")) {
        if (c->argc <= 3) {
            slowlog_get(c);
            return;
        }
        kv_reply_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for "
                        "'%.*s'. Try SLOWLOG HELP.", (int)c->argv[1].len,
                        (const char *)c->argv[1].ptr);
    } else if (kv_cmd_sub(c, 1, "len")) {
        if (sub_arity(c, "slowlog", "len", 2)) kv_reply_int(c->out, c->engine->slowlog.len);
    } else if (kv_cmd_sub(c, 1, "reset")) {
        if (!sub_arity(c, "slowlog", "reset", 2)) return;
        kv_slowlog_reset(&c->engine->slowlog);
        kv_reply_ok(c->out);
    } else if (kv_cmd_sub(c, 1, "help")) {
        if (sub_arity(c, "slowlog", "help", 2))
            reply_help(c->out, slowlog_help_lines, KV_ARRAY_LEN(slowlog_help_lines));
    } else {
        unknown_sub(c, "SLOWLOG");
    }
}

/* GET: the entries it would reply; the rest: help or an error. */
static uint64_t bound_slowlog(struct kv_cmd_ctx *c) {
    uint32_t n;
    if (!kv_cmd_sub(c, 1, "get") || c->argc > 3 || !slowlog_count(c, &n)) return HELP_BOUND;
    uint64_t bytes = 16;
    for (uint32_t i = 0; i < n; i++)
        bytes += kv_slowlog_entry_reply_bytes(kv_slowlog_at(&c->engine->slowlog, i));
    return KV_MAX(bytes, (uint64_t)KV_EXEC_ERROR_ROOM);
}

/* ---- the table ------------------------------------------------------------------ */

#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd admin_cmds[] = {
    {"touch", -2, R | F, cmd_touch, NULL, NULL, KV_KEYS(1, -1, 1)},
    {"role", 1, F, cmd_role, NULL, NULL, KV_NOKEYS},
    {"object", -2, 0, cmd_object, bound_help, NULL, KV_NOKEYS},
    {"memory", -2, 0, cmd_memory, bound_help, NULL, KV_NOKEYS},
    {"slowlog", -2, 0, cmd_slowlog, bound_slowlog, NULL, KV_NOKEYS},
    {"reset", 1, KV_CMD_NOQUEUE | KV_CMD_NOAUTH | F, cmd_reset, NULL, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_admin = {admin_cmds, KV_ARRAY_LEN(admin_cmds)};

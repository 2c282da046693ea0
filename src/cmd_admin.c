/*
 * cmd_admin.c: the introspection commands: TOUCH, ROLE, OBJECT (ENCODING, FREQ,
 * IDLETIME, REFCOUNT, HELP), MEMORY (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE,
 * HELP), RESET, SLOWLOG (GET, LEN, RESET, HELP over the engine's ring,
 * include/kv/slowlog.h) and LATENCY (LATEST, HISTORY, RESET, GRAPH, DOCTOR,
 * HISTOGRAM, HELP over include/kv/latency.h and the cmdstats histograms). Replies
 * and error texts are Redis 7.0.15's, byte for byte, in RESP2 and RESP3.
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
 * MEMORY STATS, DOCTOR, MALLOC-STATS and PURGE: see memory_stats() and
 * memory_doctor(); LATENCY: see cmd_latency().
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
#include "kv/ks_coll.h"
#include "kv/ks_zset.h"
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
    if (kv_item_type(it) == KV_TYPE_STREAM) return "stream";
    if (kv_item_type(it) == KV_TYPE_HASH || kv_item_type(it) == KV_TYPE_SET)
        return kv_coll_encoding(kv_ks_coll_head(it));
    if (kv_item_type(it) == KV_TYPE_ZSET) return kv_zset_encoding(kv_ks_zset_head(it));
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

/*
 * MEMORY STATS: Redis 7.0's fields in its order, from the figures INFO memory reports
 * (cmd_info.c), so the two agree: total.allocated is the keyspace's used memory
 * (index, items, list nodes), startup.allocated the index (what an empty kv already
 * holds inside maxmemory), dataset.bytes the live keys' and values' bytes,
 * overhead.total the rest. Client, replication, AOF, script and cluster buffers are 0:
 * kv's connection buffers are mapped at startup outside maxmemory (--print-allocation
 * lists them), and it has none of the others. allocator.* describe the data region
 * (kv's allocator: allocated and active are its used bytes, resident the process's
 * rss); db.0's overhead.hashtable.main is the index, .expires 0 (a TTL lives in its
 * item). The ratios are floats, as Redis computes them.
 */
struct mem_figures {
    uint64_t used, peak, startup, data, rss, region_used, keys;
};

static void mem_figures(struct kv_cmd_ctx *c, struct mem_figures *f) {
    struct kv_process_info pi;
    kv_engine_process_info(c->engine, &pi);
    struct kv_ks_memory m;
    kv_ks_memory(c->ks, &m);
    f->used = kv_ks_used_memory(c->ks);
    f->peak = KV_MAX(kv_engine_stats(c->engine)->used_memory_peak, f->used);
    f->startup = kv_ks_index_bytes(c->ks);
    f->data = kv_ks_payload_bytes(c->ks);
    f->rss = pi.rss_bytes;
    f->region_used = m.region_used_bytes;
    f->keys = kv_ks_count(c->ks);
    KV_ASSERT(f->used >= f->data && f->used >= f->startup);
}

static double fratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : (double)((float)a / b); }

static void stat_int(struct kv_reply *out, const char *name, uint64_t v) {
    kv_reply_bulk_cstr(out, name);
    kv_reply_int(out, (int64_t)v);
}

static void stat_double(struct kv_reply *out, const char *name, double v) {
    kv_reply_bulk_cstr(out, name);
    kv_reply_double(out, v);
}

#define MEMORY_STATS_BOUND 2048u

static void memory_stats(struct kv_cmd_ctx *c) {
    struct mem_figures f;
    mem_figures(c, &f);
    uint64_t net = f.used - f.startup, overhead = f.used - f.data;
    kv_reply_map(c->out, 27 + (f.keys > 0));
    stat_int(c->out, "peak.allocated", f.peak);
    stat_int(c->out, "total.allocated", f.used);
    stat_int(c->out, "startup.allocated", f.startup);
    static const char *const zeros[] = {"replication.backlog", "clients.slaves",
                                        "clients.normal", "cluster.links", "aof.buffer",
                                        "lua.caches", "functions.caches"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(zeros); i++) stat_int(c->out, zeros[i], 0);
    if (f.keys > 0) {
        kv_reply_bulk_cstr(c->out, "db.0");
        kv_reply_map(c->out, 3);
        stat_int(c->out, "overhead.hashtable.main", f.startup);
        stat_int(c->out, "overhead.hashtable.expires", 0);
        stat_int(c->out, "overhead.hashtable.slot-to-keys", 0);
    }
    stat_int(c->out, "overhead.total", overhead);
    stat_int(c->out, "keys.count", f.keys);
    stat_int(c->out, "keys.bytes-per-key", f.keys ? net / f.keys : 0);
    stat_int(c->out, "dataset.bytes", f.data);
    stat_double(c->out, "dataset.percentage", net ? (double)((float)f.data * 100 / net) : 0.0);
    stat_double(c->out, "peak.percentage", (double)((float)f.used * 100 / f.peak));
    stat_int(c->out, "allocator.allocated", f.region_used);
    stat_int(c->out, "allocator.active", f.region_used);
    stat_int(c->out, "allocator.resident", f.rss);
    stat_double(c->out, "allocator-fragmentation.ratio", 1.0);
    stat_int(c->out, "allocator-fragmentation.bytes", 0);
    stat_double(c->out, "allocator-rss.ratio", fratio(f.rss, f.region_used));
    stat_int(c->out, "allocator-rss.bytes", f.rss - KV_MIN(f.rss, f.region_used));
    stat_double(c->out, "rss-overhead.ratio", 1.0);
    stat_int(c->out, "rss-overhead.bytes", 0);
    stat_double(c->out, "fragmentation", fratio(f.rss, f.used));
    stat_int(c->out, "fragmentation.bytes", f.rss - KV_MIN(f.rss, f.used));
}

/*
 * MEMORY DOCTOR: Redis's report for the cases kv can be in. Under 5 MB used: "empty";
 * a peak over 150% of the used memory: Redis's peak report (kv's data region does
 * give memory back to new data, as the text says); otherwise healthy. Redis's
 * fragmentation and RSS checks do not apply: kv's rss holds buffers mapped at
 * startup, not fragmentation, and kv has no client output or replica buffers to grow.
 */
#define DOCTOR_EMPTY_BYTES (5ull << 20)

static void memory_doctor(struct kv_cmd_ctx *c) {
    struct mem_figures f;
    mem_figures(c, &f);
    const char *text;
    if (f.used < DOCTOR_EMPTY_BYTES) {
        text = "Hi Sam, this instance is empty or is using very little memory, my issues "
               "detector can't be used in these conditions. Please, leave for your mission "
               "on Earth and fill it with some data. The new Sam and I will be back to our "
               "programming as soon as I finished rebooting.\n";
    } else if ((float)f.peak / f.used > 1.5f) {
        text = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
               " * Peak memory: In the past this instance used more than 150% the memory that "
               "is currently using. The allocator is normally not able to release memory "
               "after a peak, so you can expect to see a big fragmentation ratio, however "
               "this is actually harmless and is only due to the memory peak, and if the "
               "Redis instance Resident Set Size (RSS) is currently bigger than expected, the "
               "memory will be used as soon as you fill the Redis instance with more data. If "
               "the memory peak was only occasional and you want to try to reclaim memory, "
               "please try the MEMORY PURGE command, otherwise the only other option is to "
               "shutdown and restart the instance.\n\n"
               "I'm here to keep you safe, Sam. I want to help you.\n";
    } else {
        text = "Hi Sam, I can't find any memory issue in your instance. I can only account "
               "for what occurs on this base.\n";
    }
    kv_reply_verbatim(c->out, text, (uint32_t)strlen(text));
}

static void cmd_memory(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    if (kv_cmd_sub(c, 1, "usage")) {
        memory_usage(c);
    } else if (kv_cmd_sub(c, 1, "stats")) {
        if (sub_arity(c, "memory", "stats", 2)) memory_stats(c);
    } else if (kv_cmd_sub(c, 1, "doctor")) {
        if (sub_arity(c, "memory", "doctor", 2)) memory_doctor(c);
    } else if (kv_cmd_sub(c, 1, "malloc-stats")) {
        /* Redis built without jemalloc says this; kv has no malloc at all. */
        if (sub_arity(c, "memory", "malloc-stats", 2))
            kv_reply_bulk_cstr(c->out, "Stats not supported for the current allocator");
    } else if (kv_cmd_sub(c, 1, "purge")) {
        /* Nothing to purge: kv's memory is mapped once; Redis without jemalloc: OK. */
        if (sub_arity(c, "memory", "purge", 2)) kv_reply_ok(c->out);
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

static uint64_t bound_memory(struct kv_cmd_ctx *c) {
    return kv_cmd_sub(c, 1, "stats") || kv_cmd_sub(c, 1, "doctor") ? MEMORY_STATS_BOUND
                                                                     : bound_help(c);
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

/* ---- LATENCY -------------------------------------------------------------------- */

/*
 * LATENCY over the engine's monitor (include/kv/latency.h) and its per-command
 * histograms (include/kv/cmdstats.h). kv's histograms are per command row, so
 * HISTOGRAM names a container ("config") where Redis names its subcommands
 * ("config|get"), and without arguments lists commands in table order (Redis: its
 * dict's); LATEST lists events in the order of their first sample (Redis: its
 * dict's order, which is not specified).
 */
static const char *const latency_help_lines[] = {
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the "
    "specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
};

#define LATENCY_HELP_BOUND 1280u
#define LATENCY_ENTRY_BYTES 96u  /* one LATEST entry or one HISTORY sample, at most */
#define HIST_FIXED_BYTES 160u    /* a HISTOGRAM entry but its name and buckets */
#define HIST_BUCKET_BYTES 48u    /* two integers */

static void latency_latest(struct kv_cmd_ctx *c) {
    const struct kv_latency *l = &c->engine->latency;
    enum kv_latency_event evs[KV_LAT_EVENTS];
    uint32_t n = kv_latency_list(l, evs);
    kv_reply_array(c->out, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct kv_latency_sample *x = kv_latency_latest(l, evs[i]);
        kv_reply_array(c->out, 4);
        kv_reply_bulk_cstr(c->out, kv_latency_event_name(evs[i]));
        kv_reply_int(c->out, x->time_s);
        kv_reply_int(c->out, x->ms);
        kv_reply_int(c->out, l->ev[evs[i]].max_ms);
    }
}

static void latency_history(struct kv_cmd_ctx *c) {
    const struct kv_latency *l = &c->engine->latency;
    enum kv_latency_event ev = kv_latency_event_find(c->argv[2].ptr, c->argv[2].len);
    uint32_t n = ev == KV_LAT_EVENTS ? 0 : kv_latency_sample_count(l, ev);
    kv_reply_array(c->out, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct kv_latency_sample *x = kv_latency_sample_at(l, ev, i);
        KV_ASSERT(x != NULL);
        kv_reply_array(c->out, 2);
        kv_reply_int(c->out, x->time_s);
        kv_reply_int(c->out, x->ms);
    }
}

/* RESET names compare case-insensitively (Redis's strcasecmp); each counts once. */
static void latency_reset(struct kv_cmd_ctx *c) {
    struct kv_latency *l = &c->engine->latency;
    int64_t n = 0;
    for (uint32_t ev = 0; ev < KV_LAT_EVENTS; ev++) {
        bool named = c->argc == 2;
        for (uint32_t i = 2; i < c->argc && !named; i++)
            named = kv_opt_eq_nocase(c->argv[i], kv_latency_event_name(ev));
        if (named) n += kv_latency_reset(l, (enum kv_latency_event)ev);
    }
    KV_ASSERT(n >= 0 && n <= KV_LAT_EVENTS);
    kv_reply_int(c->out, n);
}

static void latency_text(struct kv_cmd_ctx *c, bool graph) {
    const struct kv_latency *l = &c->engine->latency;
    char *text = kv_scratch_alloc(c, KV_LATENCY_TEXT_MAX);
    uint32_t len;
    if (graph) {
        enum kv_latency_event ev = kv_latency_event_find(c->argv[2].ptr, c->argv[2].len);
        if (ev == KV_LAT_EVENTS || !kv_latency_exists(l, ev)) {
            kv_reply_errorf(c->out, "ERR No samples available for event '%.*s'",
                            (int)strnlen((const char *)c->argv[2].ptr,
                                         KV_MIN(c->argv[2].len, 128u)),
                            (const char *)c->argv[2].ptr);
            return;
        }
        len = kv_latency_graph(l, ev, c->now_ms / 1000, text, KV_LATENCY_TEXT_MAX);
    } else {
        const struct kv_config *cfg = c->engine->config;
        struct kv_latency_doctor_facts f = {c->now_ms / 1000, cfg->latency_monitor_threshold,
                                            cfg->slowlog_log_slower_than, cfg->hz};
        len = kv_latency_doctor(l, &f, text, KV_LATENCY_TEXT_MAX);
    }
    KV_ASSERT(len < KV_LATENCY_TEXT_MAX);
    kv_reply_verbatim(c->out, text, len);
}

/*
 * HISTOGRAM's entries, as Redis lists them: with names, one entry per argument naming
 * a command that has samples, in argument order (a name given twice is listed twice);
 * without, every command with samples (table order). entry(c, k, &i): the k-th
 * step's command index, false when that step has no entry.
 */
static uint32_t histogram_steps(const struct kv_cmd_ctx *c) {
    return c->argc == 2 ? c->engine->cmd_count : c->argc - 2;
}

static bool histogram_entry(const struct kv_cmd_ctx *c, uint32_t k, uint32_t *index) {
    const struct kv_lathist *h = c->engine->lathist;
    if (h == NULL) return false;
    if (c->argc == 2) {
        *index = k;
        return h[k].total > 0;
    }
    for (uint32_t i = 0; i < c->engine->cmd_count; i++) {
        if (kv_opt_eq_nocase(c->argv[2 + k], kv_engine_cmd_at(c->engine, i)->name)) {
            *index = i;
            return h[i].total > 0;
        }
    }
    return false;
}

static void latency_histogram(struct kv_cmd_ctx *c) {
    uint32_t n = 0, i;
    for (uint32_t k = 0; k < histogram_steps(c); k++) n += histogram_entry(c, k, &i);
    kv_reply_map(c->out, n);
    for (uint32_t k = 0; k < histogram_steps(c); k++) {
        if (!histogram_entry(c, k, &i)) continue;
        const struct kv_lathist *h = &c->engine->lathist[i];
        kv_reply_bulk_cstr(c->out, kv_engine_cmd_at(c->engine, i)->name);
        kv_reply_map(c->out, 2);
        kv_reply_bulk_cstr(c->out, "calls");
        kv_reply_int(c->out, (int64_t)h->total);
        kv_reply_bulk_cstr(c->out, "histogram_usec");
        kv_reply_map(c->out, kv_lathist_cdf_count(h));
        struct kv_lathist_cdf it;
        kv_lathist_cdf_begin(&it);
        uint64_t us, cum;
        while (kv_lathist_cdf_next(h, &it, &us, &cum)) {
            kv_reply_int(c->out, (int64_t)us);
            kv_reply_int(c->out, (int64_t)cum);
        }
    }
}

static void cmd_latency(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    if (kv_cmd_sub(c, 1, "latest")) {
        if (sub_arity(c, "latency", "latest", 2)) latency_latest(c);
    } else if (kv_cmd_sub(c, 1, "history")) {
        if (sub_arity(c, "latency", "history", 3)) latency_history(c);
    } else if (kv_cmd_sub(c, 1, "reset")) {
        latency_reset(c);
    } else if (kv_cmd_sub(c, 1, "graph")) {
        if (sub_arity(c, "latency", "graph", 3)) latency_text(c, true);
    } else if (kv_cmd_sub(c, 1, "doctor")) {
        if (sub_arity(c, "latency", "doctor", 2)) latency_text(c, false);
    } else if (kv_cmd_sub(c, 1, "histogram")) {
        latency_histogram(c);
    } else if (kv_cmd_sub(c, 1, "help")) {
        if (sub_arity(c, "latency", "help", 2))
            reply_help(c->out, latency_help_lines, KV_ARRAY_LEN(latency_help_lines));
    } else {
        unknown_sub(c, "LATENCY");
    }
}

static uint64_t bound_histogram(struct kv_cmd_ctx *c) {
    uint64_t bytes = 16;
    uint32_t i;
    for (uint32_t k = 0; k < histogram_steps(c); k++) {
        if (!histogram_entry(c, k, &i)) continue;
        bytes += HIST_FIXED_BYTES + strlen(kv_engine_cmd_at(c->engine, i)->name) +
                 (uint64_t)kv_lathist_cdf_count(&c->engine->lathist[i]) * HIST_BUCKET_BYTES;
    }
    return bytes;
}

static uint64_t bound_latency(struct kv_cmd_ctx *c) {
    uint64_t bytes = KV_MAX((uint64_t)KV_EXEC_ERROR_ROOM, (uint64_t)LATENCY_HELP_BOUND);
    if (kv_cmd_sub(c, 1, "graph") || kv_cmd_sub(c, 1, "doctor"))
        return KV_MAX(bytes, kv_reply_verbatim_size(KV_LATENCY_TEXT_MAX));
    if (kv_cmd_sub(c, 1, "latest") || kv_cmd_sub(c, 1, "history"))
        return bytes + (uint64_t)KV_LATENCY_SAMPLES * LATENCY_ENTRY_BYTES;
    if (kv_cmd_sub(c, 1, "histogram")) return KV_MAX(bytes, bound_histogram(c));
    return bytes;
}

/* ---- the table ------------------------------------------------------------------ */

#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd admin_cmds[] = {
    {"touch", -2, R | F, cmd_touch, NULL, NULL, KV_KEYS(1, -1, 1)},
    {"role", 1, F, cmd_role, NULL, NULL, KV_NOKEYS},
    {"object", -2, KV_CMD_CONTAINER, cmd_object, bound_help, NULL, KV_NOKEYS},
    {"memory", -2, KV_CMD_CONTAINER, cmd_memory, bound_memory, NULL, KV_NOKEYS},
    {"slowlog", -2, KV_CMD_CONTAINER, cmd_slowlog, bound_slowlog, NULL, KV_NOKEYS},
    {"latency", -2, KV_CMD_CONTAINER, cmd_latency, bound_latency, NULL, KV_NOKEYS},
    {"reset", 1, KV_CMD_NOQUEUE | KV_CMD_NOAUTH | F, cmd_reset, NULL, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_admin = {admin_cmds, KV_ARRAY_LEN(admin_cmds)};

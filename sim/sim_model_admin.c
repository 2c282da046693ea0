/*
 * sim_model_admin.c: the reference model's introspection commands: ROLE (exact),
 * OBJECT and MEMORY (loose where the answer depends on the clock, the eviction
 * policy or the memory layout), written from Redis 7.0.15's behaviour: OBJECT
 * ENCODING as Redis reports the same value ("int" for what string2l takes, "embstr"
 * up to 44 bytes, "raw"; every list "quicklist"; kv's README and src/cmd_admin.c
 * say kv answers Redis's figure for the value), its errors and HELP text.
 * MEMORY STATS by its keys and their order, DOCTOR by Redis's openings; LATENCY's
 * HELP and errors exact, its timing-dependent replies by shape (sim commands take no
 * time, so events are rare). TOUCH is in sim_model_str.c. Test code: heap allowed;
 * consults nothing in src/.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"
#include "sim_resp.h"

#define LFU_NOTE \
    "Please note that when switching between policies at runtime LRU and LFU data will " \
    "take some time to adjust."
#define ERR_NOT_LFU "ERR An LFU maxmemory policy is not selected, access frequency not " \
                    "tracked. " LFU_NOTE
#define ERR_LFU "ERR An LFU maxmemory policy is selected, idle time not tracked. " LFU_NOTE

static bool same_bytes(const struct mctx *c, const struct sim_buf *b) {
    return b->len == c->reply_len && memcmp(b->p, c->reply, b->len) == 0;
}

/* The reply is one integer (any value >= 0). */
static bool is_int_reply(const struct mctx *c) {
    if (c->reply_len < 4 || c->reply[0] != ':') return false;
    for (uint32_t i = 1; i + 2 < c->reply_len; i++)
        if (c->reply[i] < '0' || c->reply[i] > '9') return false;
    return c->reply[c->reply_len - 2] == '\r' && c->reply[c->reply_len - 1] == '\n';
}

static bool reply_is(const struct mctx *c, const char *s) {
    return strlen(s) == c->reply_len && memcmp(s, c->reply, c->reply_len) == 0;
}

static bool reply_is_prefix(const struct mctx *c, const char *s) {
    return strlen(s) <= c->reply_len && memcmp(s, c->reply, strlen(s)) == 0;
}

static void cmd_role(struct mctx *c) {
    sim_buf_array(c->out, 3);
    sim_buf_bulk(c->out, "master", 6);
    sim_buf_int(c->out, 0);
    sim_buf_array(c->out, 0);
}

static void help(struct sim_buf *b, const char *const *lines, uint32_t n) {
    sim_buf_array(b, n);
    for (uint32_t i = 0; i < n; i++) sim_buf_simple(b, lines[i]);
}

static const char *const object_help[] = {
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

static bool small_int(const struct mentry *e, int64_t *v) {
    return e->type == SIM_MODEL_STRING && e->str.len <= 20 && m_str2ll(e->str.p, e->str.len, v);
}

static void unknown_sub(struct sim_buf *b, struct kv_slice sub, const char *upper) {
    sim_buf_errorf(b, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                   (int)(sub.len < 128 ? sub.len : 128), (const char *)sub.ptr, upper);
}

/* OBJECT: the exact reply where one exists, else the accepted alternatives. */
static bool loose_object(struct mctx *c) {
    static const char *const subs[] = {"encoding", "freq", "idletime", "refcount", "help"};
    struct sim_buf want = {0};
    uint32_t k = 0;
    while (k < 5 && !m_eq_nocase(c->argv[1], subs[k])) k++;
    bool ok = false;
    if (k == 5) {
        unknown_sub(&want, c->argv[1], "OBJECT");
    } else if (c->argc != (k == 4 ? 2u : 3u)) {
        sim_buf_errorf(&want, "ERR wrong number of arguments for 'object|%s' command", subs[k]);
    } else if (k == 4) {
        help(&want, object_help, KV_ARRAY_LEN(object_help));
    } else {
        struct mentry *e = m_lookup(c->m, c->argv[2], c->now);
        int64_t v = 0;
        if (e == NULL) {
            sim_buf_null(&want);
        } else if (k == 0) {
            const char *enc = e->type == SIM_MODEL_STREAM   ? "stream"
                              : e->type >= SIM_MODEL_HASH     ? m_coll_encoding(e)
                              : e->type != SIM_MODEL_STRING ? "quicklist"
                              : small_int(e, &v)         ? "int"
                              : e->str.len <= 44         ? "embstr"
                                                         : "raw";
            sim_buf_bulk(&want, enc, strlen(enc));
        } else if (k == 1) { /* the policy is the core's: either answer */
            ok = reply_is(c, "-" ERR_NOT_LFU "\r\n") || reply_is(c, ":5\r\n");
        } else if (k == 2) {
            ok = is_int_reply(c) || reply_is(c, "-" ERR_LFU "\r\n");
        } else if (small_int(e, &v) && v >= 0 && v < 10000) {
            ok = reply_is(c, ":1\r\n") || reply_is(c, ":2147483647\r\n");
        } else {
            sim_buf_int(&want, 1);
        }
    }
    if (want.len > 0) ok = same_bytes(c, &want);
    sim_buf_free(&want);
    if (!ok) m_why(c, "OBJECT reply differs from the model's");
    return ok;
}

static const char *const memory_help[] = {
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

/* MEMORY USAGE's options: false with the error in *b. */
static bool usage_options(const struct mctx *c, struct sim_buf *b) {
    for (uint32_t i = 3; i < c->argc; i += 2) {
        int64_t n = 0;
        if (!m_opt_eq(c->argv[i], "samples") || i + 1 >= c->argc) {
            sim_buf_error(b, "ERR syntax error");
        } else if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &n)) {
            sim_buf_error(b, "ERR value is not an integer or out of range");
        } else if (n < 0) {
            sim_buf_error(b, "ERR syntax error");
        }
        if (b->len > 0) return false;
    }
    return true;
}

/* The bulk string starts with one of `texts` (the RESP2 decoding of a verbatim). */
static bool bulk_starts(const struct mctx *c, const char *const *texts, uint32_t n) {
    uint32_t len = 0;
    if (c->reply_len < 4 || c->reply[0] != '$') return false;
    if (sim_resp_scan(c->reply, c->reply_len, &len) != SIM_RESP_OK || len != c->reply_len)
        return false;
    const char *body = memchr(c->reply, '\n', c->reply_len);
    uint32_t left = c->reply_len - (uint32_t)(body + 1 - (const char *)c->reply);
    for (uint32_t i = 0; i < n; i++)
        if (strlen(texts[i]) <= left && memcmp(body + 1, texts[i], strlen(texts[i])) == 0)
            return true;
    return false;
}

/* MEMORY STATS' keys, in Redis 7.0's order (db.0 only while keys exist). */
static const char *const memory_stats_keys[] = {
    "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog",
    "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches",
    "functions.caches", "overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes",
    "dataset.percentage", "peak.percentage", "allocator.allocated", "allocator.active",
    "allocator.resident", "allocator-fragmentation.ratio", "allocator-fragmentation.bytes",
    "allocator-rss.ratio", "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes",
    "fragmentation", "fragmentation.bytes",
};

/* MEMORY STATS: 27 pairs (28 with db.0), every key in Redis's order; values vary. */
static bool memory_stats_ok(const struct mctx *c) {
    if (!reply_is_prefix(c, "*54\r\n") && !reply_is_prefix(c, "*56\r\n")) return false;
    const uint8_t *at = c->reply, *end = c->reply + c->reply_len;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(memory_stats_keys); i++) {
        char key[64];
        int n = snprintf(key, sizeof(key), "\r\n$%zu\r\n%s\r\n", strlen(memory_stats_keys[i]),
                         memory_stats_keys[i]);
        const uint8_t *hit = memmem(at, (size_t)(end - at), key, (size_t)n);
        if (hit == NULL) return false;
        at = hit + n;
    }
    return true;
}

/* MEMORY STATS, DOCTOR, MALLOC-STATS, PURGE: false if argv[1] is none of them. */
static bool memory_bare(struct mctx *c, struct sim_buf *want, bool *ok) {
    static const char *const subs[] = {"stats", "doctor", "malloc-stats", "purge"};
    static const char *const doctor[] = {
        "Hi Sam, this instance is empty or is using very little memory",
        "Hi Sam, I can't find any memory issue in your instance.",
        "Sam, I detected a few issues in this Redis instance memory implants:"};
    uint32_t k = 0;
    while (k < 4 && !m_eq_nocase(c->argv[1], subs[k])) k++;
    if (k == 4) return false;
    if (c->argc != 2)
        sim_buf_errorf(want, "ERR wrong number of arguments for 'memory|%s' command", subs[k]);
    else if (k == 0) *ok = memory_stats_ok(c);
    else if (k == 1) *ok = bulk_starts(c, doctor, 3);
    else if (k == 2) sim_buf_bulk(want, "Stats not supported for the current allocator", 45);
    else sim_buf_simple(want, "OK");
    return true;
}

/* MEMORY USAGE: a positive size for a key the model holds (an expired one too:
 * Redis and kv look the key up without expiring it, unless it was already swept). */
static bool loose_memory(struct mctx *c) {
    struct sim_buf want = {0};
    bool ok = false;
    if (m_eq_nocase(c->argv[1], "usage")) {
        if (c->argc < 3) {
            sim_buf_error(&want, "ERR wrong number of arguments for 'memory|usage' command");
        } else if (usage_options(c, &want)) {
            struct mentry *e = m_find_raw(c->m, c->argv[2].ptr, c->argv[2].len);
            bool null = reply_is(c, "$-1\r\n");
            if (e == NULL) ok = null;
            else ok = (is_int_reply(c) && !reply_is(c, ":0\r\n")) ||
                      (null && m_expired(e, c->now));
        }
    } else if (m_eq_nocase(c->argv[1], "help")) {
        if (c->argc != 2)
            sim_buf_error(&want, "ERR wrong number of arguments for 'memory|help' command");
        else help(&want, memory_help, KV_ARRAY_LEN(memory_help));
    } else if (!memory_bare(c, &want, &ok)) {
        unknown_sub(&want, c->argv[1], "MEMORY");
    }
    if (want.len > 0) ok = same_bytes(c, &want);
    sim_buf_free(&want);
    if (!ok) m_why(c, "MEMORY reply differs from the model's");
    return ok;
}

/* RESET: MULTI and WATCH dropped, the name cleared, back to RESP2 and, when a
 * requirepass is set, no longer authenticated (AUTH is needed again), +RESET. */
static void cmd_reset(struct mctx *c) {
    struct msession *s = m_session(c->m, c->session);
    m_session_discard(s);
    m_watch_clear(s);
    m_pubsub_drop(c->m, c->session);
    free(s->name.p);
    s->name.p = NULL;
    s->name.len = 0;
    s->proto = 2;
    s->authed = sim_model_requirepass(c->m)[0] == 0; /* Redis's clientSetDefaultAuth */
    if (s->reply_mode == 1) s->reply_mode = 0; /* REPLY OFF ends; a SKIP still drops this */
    sim_buf_simple(c->out, "RESET");
}

static const char *const slowlog_help[] = {
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

/* The reply is one complete array of at most `most` elements. */
static bool array_of_at_most(const struct mctx *c, int64_t most) {
    uint32_t len = 0;
    if (c->reply_len < 4 || c->reply[0] != '*') return false;
    if (sim_resp_scan(c->reply, c->reply_len, &len) != SIM_RESP_OK || len != c->reply_len)
        return false;
    long long n = strtoll((const char *)c->reply + 1, NULL, 10);
    return n >= 0 && (most < 0 || n <= most);
}

/* SLOWLOG, loosely: which commands are in it depends on the seed's threshold and
 * ring size (sim_main.c); its texts and errors are exact. */
static bool loose_slowlog(struct mctx *c) {
    struct sim_buf want = {0};
    bool ok = false;
    static const char *const subs[] = {"len", "reset", "help"};
    uint32_t k = 0;
    while (k < 3 && !m_eq_nocase(c->argv[1], subs[k])) k++;
    if (m_eq_nocase(c->argv[1], "get")) {
        int64_t n = 10;
        if (c->argc > 3)
            sim_buf_errorf(&want, "ERR unknown subcommand or wrong number of arguments for "
                           "'%.*s'. Try SLOWLOG HELP.", (int)c->argv[1].len,
                           (const char *)c->argv[1].ptr);
        else if (c->argc == 3 && (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &n) || n < -1))
            sim_buf_error(&want, "ERR count should be greater than or equal to -1");
        else ok = array_of_at_most(c, n);
    } else if (k == 3) {
        unknown_sub(&want, c->argv[1], "SLOWLOG");
    } else if (c->argc != 2) {
        sim_buf_errorf(&want, "ERR wrong number of arguments for 'slowlog|%s' command", subs[k]);
    } else if (k == 0) {
        ok = is_int_reply(c);
    } else if (k == 1) {
        sim_buf_simple(&want, "OK");
    } else {
        help(&want, slowlog_help, KV_ARRAY_LEN(slowlog_help));
    }
    if (want.len > 0) ok = same_bytes(c, &want);
    sim_buf_free(&want);
    if (!ok) m_why(c, "SLOWLOG reply differs from the model's");
    return ok;
}

static const char *const latency_help[] = {
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

/* The reply is one whole array of an even number of elements (a RESP2 map). */
static bool flat_map(const struct mctx *c) {
    if (!array_of_at_most(c, -1)) return false;
    return strtoll((const char *)c->reply + 1, NULL, 10) % 2 == 0;
}

/* The loose part of LATENCY: which events exist depends on time (the simulator's
 * commands take no time, but a CONFIG SET'd threshold and a tick may still meet). */
static bool latency_loose_sub(struct mctx *c, uint32_t k) {
    static const char *const doctor[] = {"I'm sorry, Dave, I can't do that.",
                                         "Dave, no latency spike was observed",
                                         "Dave, I have observed latency spikes"};
    if (k == 0) return array_of_at_most(c, 4);
    if (k == 1) return array_of_at_most(c, 160);
    if (k == 2) return is_int_reply(c) && c->reply[1] <= '4' && c->reply[2] == '\r';
    if (k == 4) return bulk_starts(c, doctor, 3);
    KV_ASSERT(k == 5);
    return flat_map(c);
}

/* LATENCY: HELP and every error exact (arity, unknown subcommand, GRAPH of an event
 * without samples); the rest by shape. */
static bool loose_latency(struct mctx *c) {
    static const char *const subs[] = {"latest", "history", "reset", "graph", "doctor",
                                       "histogram", "help"};
    static const uint32_t argcs[] = {2, 3, 0, 3, 2, 0, 2}; /* 0: any */
    struct sim_buf want = {0};
    bool ok = false;
    uint32_t k = 0;
    while (k < 7 && !m_eq_nocase(c->argv[1], subs[k])) k++;
    if (k == 7) {
        unknown_sub(&want, c->argv[1], "LATENCY");
    } else if (argcs[k] != 0 && c->argc != argcs[k]) {
        sim_buf_errorf(&want, "ERR wrong number of arguments for 'latency|%s' command", subs[k]);
    } else if (k == 6) {
        help(&want, latency_help, KV_ARRAY_LEN(latency_help));
    } else if (k == 3) {
        struct kv_slice ev = c->argv[2];
        const uint8_t *nul = ev.len > 0 ? memchr(ev.ptr, 0, ev.len) : NULL;
        int n = nul != NULL ? (int)(nul - ev.ptr) : (int)ev.len;
        sim_buf_errorf(&want, "ERR No samples available for event '%.*s'", n,
                       (const char *)ev.ptr);
        const char *named[1] = {NULL};
        char head[64];
        snprintf(head, sizeof(head), "%.*s - high ", n, (const char *)ev.ptr);
        named[0] = head;
        ok = bulk_starts(c, named, 1);
        if (ok) want.len = 0;
    } else {
        ok = latency_loose_sub(c, k);
    }
    if (want.len > 0) ok = same_bytes(c, &want);
    sim_buf_free(&want);
    if (!ok) m_why(c, "LATENCY reply differs from the model's");
    return ok;
}

static void cmd_nothing(struct mctx *c) { (void)c; }

static const struct mcmd cmds[] = {
    {"role", 1, MF_READONLY, cmd_role, NULL},
    {"reset", 1, MF_NOQUEUE | MF_READONLY, cmd_reset, NULL},
    {"object", -2, MF_LOOSE | MF_READONLY, cmd_nothing, loose_object},
    {"memory", -2, MF_LOOSE | MF_READONLY, cmd_nothing, loose_memory},
    {"slowlog", -2, MF_LOOSE | MF_READONLY, cmd_nothing, loose_slowlog},
    {"latency", -2, MF_LOOSE | MF_READONLY, cmd_nothing, loose_latency},
};

const struct mcmd_table sim_model_cmds_admin = {cmds, KV_ARRAY_LEN(cmds)};

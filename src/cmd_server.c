/*
 * cmd_server.c: connection and server commands: PING ECHO QUIT SELECT DBSIZE
 * FLUSHDB FLUSHALL MULTI EXEC DISCARD WATCH UNWATCH INFO TIME COMMAND CONFIG CLIENT
 * SHUTDOWN.
 * Replies and errors are Redis 7.0's, byte for byte (one database: SELECT accepts
 * only 0). Owns no memory; never allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/log.h"
#include "kv/util.h"

#define KV_VERSION "0.1.0"
#define INFO_BOUND 4096u

/* Subcommands (COMMAND COUNT, CONFIG GET, CLIENT ID) are matched whole (kv_cmd_sub),
 * options (FLUSHALL ASYNC, an INFO section) as Redis's C strings (kv_cmd_opt). */

static void cmd_ping(struct kv_cmd_ctx *c) {
    if (c->argc > 2) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'ping' command");
    } else if (c->argc == 2) {
        kv_reply_bulk(c->out, c->argv[1].ptr, c->argv[1].len);
    } else {
        kv_reply_simple(c->out, "PONG");
    }
}

static void cmd_echo(struct kv_cmd_ctx *c) { kv_reply_bulk(c->out, c->argv[1].ptr, c->argv[1].len); }

static void cmd_quit(struct kv_cmd_ctx *c) {
    kv_reply_ok(c->out);
    c->session->flags |= KV_SESSION_CLOSE;
}

/*
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0 with no save points
 * (kv has no persistence). Proceeding, it writes no reply: the server closes the
 * connection and stops as on SIGTERM (KV_SESSION_SHUTDOWN). ABORT: no shutdown can
 * be in progress where a command still runs. SAVE is what Redis does when the RDB
 * save fails: an error, the server keeps running; with FORCE it stops anyway.
 */
enum { SHUT_NOSAVE = 1, SHUT_SAVE = 2, SHUT_NOW = 4, SHUT_FORCE = 8, SHUT_ABORT = 16 };

static uint32_t shutdown_flags(const struct kv_cmd_ctx *c) {
    static const char *const names[] = {"nosave", "save", "now", "force", "abort"};
    uint32_t flags = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        uint32_t f = 0;
        for (uint32_t k = 0; k < KV_ARRAY_LEN(names) && f == 0; k++)
            if (kv_cmd_opt(c, i, names[k])) f = 1u << k;
        if (f == 0) return UINT32_MAX;
        flags |= f;
    }
    KV_ASSERT(flags < 32);
    return flags;
}

static void cmd_shutdown(struct kv_cmd_ctx *c) {
    struct kv_log *log = c->engine->log;
    uint32_t from = c->out->len;
    if (c->session->flags & KV_SESSION_MULTI) { /* Redis's no-multi flag */
        kv_reply_error(c->out, "ERR Command not allowed inside a transaction");
        c->session->flags |= KV_SESSION_MULTI_ERROR;
        return;
    }
    uint32_t f = shutdown_flags(c);
    if (f == UINT32_MAX || ((f & SHUT_ABORT) && f != SHUT_ABORT) ||
        ((f & SHUT_SAVE) && (f & SHUT_NOSAVE))) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    if (f & SHUT_ABORT) {
        kv_reply_error(c->out, "ERR No shutdown in progress.");
        return;
    }
    if ((f & SHUT_SAVE) && !(f & SHUT_FORCE)) {
        if (log != NULL) {
            kv_log(log, KV_LOG_WARNING, "User requested shutdown...");
            kv_log(log, KV_LOG_WARNING, "Error trying to save the DB, can't exit: kv has no "
                   "persistence (SHUTDOWN SAVE FORCE or NOSAVE stops it)");
            kv_log(log, KV_LOG_WARNING, "Errors trying to shut down the server. Check the logs "
                   "for more information.");
        }
        kv_reply_error(c->out, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    c->session->flags |= KV_SESSION_SHUTDOWN;
    KV_ASSERT(c->out->len == from); /* no reply: the connection just closes */
}

static void cmd_select(struct kv_cmd_ctx *c) {
    int64_t db;
    if (!kv_str2ll(c->argv[1].ptr, c->argv[1].len, &db)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
    } else if (db < INT32_MIN || db > INT32_MAX) {
        kv_reply_error(c->out, "ERR value is out of range, value must between -2147483648 and "
                               "2147483647");
    } else if (db != 0) {
        kv_reply_error(c->out, "ERR DB index is out of range");
    } else {
        kv_reply_ok(c->out);
    }
}

static void cmd_dbsize(struct kv_cmd_ctx *c) { kv_reply_int(c->out, (int64_t)kv_ks_count(c->ks)); }

static void cmd_flush(struct kv_cmd_ctx *c) {
    if (c->argc > 2 || (c->argc == 2 && !kv_cmd_opt(c, 1, "async") && !kv_cmd_opt(c, 1, "sync"))) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    kv_engine_touch_all(c->engine);
    kv_ks_flush(c->ks);
    KV_ASSERT(kv_ks_count(c->ks) == 0);
    kv_reply_ok(c->out);
}

static void cmd_multi(struct kv_cmd_ctx *c) {
    if (c->session->flags & KV_SESSION_MULTI) {
        kv_reply_error(c->out, "ERR MULTI calls can not be nested");
        return;
    }
    c->session->flags |= KV_SESSION_MULTI;
    c->session->multi_count = 0;
    kv_reply_ok(c->out);
}

static void discard(struct kv_cmd_ctx *c) {
    c->session->flags &= ~(uint32_t)(KV_SESSION_MULTI | KV_SESSION_MULTI_ERROR);
    c->session->multi_count = 0;
    kv_engine_unwatch(c->engine, c->session);
}

/* Only the failure paths: a valid EXEC is replayed by the server (cmd.h). */
static void cmd_exec(struct kv_cmd_ctx *c) {
    struct kv_session *s = c->session;
    if (!(s->flags & KV_SESSION_MULTI)) {
        kv_reply_error(c->out, "ERR EXEC without MULTI");
    } else if (s->flags & KV_SESSION_MULTI_ERROR) {
        kv_reply_error(c->out, "EXECABORT Transaction discarded because of previous errors.");
        discard(c);
    } else {
        KV_ASSERT(s->flags & KV_SESSION_DIRTY_CAS);
        kv_reply_null_array(c->out);
        discard(c);
    }
}

static void cmd_discard(struct kv_cmd_ctx *c) {
    if (!(c->session->flags & KV_SESSION_MULTI)) {
        kv_reply_error(c->out, "ERR DISCARD without MULTI");
        return;
    }
    discard(c);
    kv_reply_ok(c->out);
}

static void cmd_watch(struct kv_cmd_ctx *c) {
    struct kv_session *s = c->session;
    if (s->flags & KV_SESSION_MULTI) {
        kv_reply_error(c->out, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    uint32_t max = c->engine->config->watch_max_keys; /* kv's own limit and text */
    if ((uint64_t)s->watch_count + (c->argc - 1) > max) {
        kv_reply_errorf(c->out, "ERR too many watched keys (at most %u per client)", max);
        return;
    }
    for (uint32_t i = 1; i < c->argc; i++)
        kv_engine_watch(c->engine, s, c->argv[i].ptr, c->argv[i].len);
    kv_reply_ok(c->out);
}

static void cmd_unwatch(struct kv_cmd_ctx *c) {
    kv_engine_unwatch(c->engine, c->session);
    kv_reply_ok(c->out);
}

static void cmd_time(struct kv_cmd_ctx *c) {
    int64_t ms = c->now_ms;
    kv_reply_array(c->out, 2);
    kv_reply_bulk_int(c->out, ms / 1000);
    kv_reply_bulk_int(c->out, (ms % 1000) * 1000);
}

static void cmd_command(struct kv_cmd_ctx *c) {
    if (kv_cmd_sub(c, 1, "count") && c->argc != 2) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'command|count' command");
    } else if (kv_cmd_sub(c, 1, "count")) {
        kv_reply_int(c->out, c->engine->cmd_count);
    } else {
        kv_reply_array(c->out, 0); /* COMMAND, COMMAND DOCS ...: nothing to document */
    }
}

static uint64_t bound_echo(struct kv_cmd_ctx *c) {
    return kv_reply_bulk_size(c->argc > 1 ? c->argv[c->argc - 1].len : 0) + 128;
}

static uint64_t bound_info(struct kv_cmd_ctx *c) {
    (void)c;
    return INFO_BOUND;
}

/* ---- INFO -------------------------------------------------------------------- */

struct info_buf {
    char *p;
    uint32_t len;
    uint32_t cap;
};

__attribute__((format(printf, 2, 3))) static void info_add(struct info_buf *b, const char *fmt,
                                                           ...) {
    KV_ASSERT(b->len < b->cap);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    KV_ASSERT(n >= 0 && (uint32_t)n < b->cap - b->len);
    b->len += (uint32_t)n;
}

static bool want(const struct kv_cmd_ctx *c, const char *section) {
    if (c->argc < 2) return true;
    for (uint32_t i = 1; i < c->argc; i++) {
        if (kv_cmd_opt(c, i, section) || kv_cmd_opt(c, i, "all") || kv_cmd_opt(c, i, "everything") ||
            kv_cmd_opt(c, i, "default"))
            return true;
    }
    return false;
}

typedef unsigned long long ull;

static void info_server(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_stats *st = &c->engine->stats;
    ull up_s = (kv_clock_monotonic_ns(c->engine->clock) - st->start_monotonic_ns) /
               1000000000ull;
    info_add(b, "# Server\r\nredis_version:7.0.15\r\nkv_version:" KV_VERSION "\r\n"
                "redis_mode:standalone\r\narch_bits:64\r\nmultiplexing_api:io_uring\r\n"
                "tcp_port:%u\r\nuptime_in_seconds:%llu\r\nuptime_in_days:%llu\r\nhz:%u\r\n"
                "server_time_usec:%llu\r\n\r\n",
             st->tcp_port, up_s, up_s / 86400, c->engine->config->hz,
             (ull)c->now_ms * 1000ull);
}

static void info_clients(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_stats *st = &c->engine->stats;
    info_add(b, "# Clients\r\nconnected_clients:%llu\r\nmaxclients:%u\r\nblocked_clients:0\r\n"
                "blocked_on_buffers:%llu\r\nlarge_buffer_stall_disconnections:%llu\r\n\r\n",
             (ull)st->connected_clients, c->engine->config->maxclients,
             (ull)st->blocked_on_buffers, (ull)st->large_buffer_stall_disconnections);
}

static void info_memory(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_keyspace *ks = c->ks;
    ull used = kv_ks_used_memory(ks);
    ull payload = kv_ks_payload_bytes(ks);
    info_add(b, "# Memory\r\nused_memory:%llu\r\nused_memory_human:%.2fM\r\n"
                "used_memory_dataset:%llu\r\nused_memory_index:%llu\r\nmaxmemory:%llu\r\n"
                "maxmemory_human:%.2fM\r\nmaxmemory_policy:%s\r\n",
             used, (double)used / 1048576.0, payload, (ull)kv_ks_index_bytes(ks),
             (ull)c->engine->config->maxmemory,
             (double)c->engine->config->maxmemory / 1048576.0,
             kv_evict_policy_name(c->engine->config->maxmemory_policy));
    struct kv_ks_memory m;
    kv_ks_memory(ks, &m);
    info_add(b, "data_region_bytes:%llu\r\ndata_region_used_bytes:%llu\r\n"
                "data_utilization:%.4f\r\nindex_slots:%u\r\nindex_slots_in_use:%u\r\n"
                "index_max_keys:%u\r\n\r\n",
             (ull)m.region_bytes, (ull)m.region_used_bytes,
             m.region_bytes ? (double)payload / (double)m.region_bytes : 0.0,
             m.slots_reserved, m.slots_in_use, m.max_keys);
}

static void info_stats(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_stats *st = &c->engine->stats;
    info_add(b, "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
                "total_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\n"
                "rejected_connections:%llu\r\nexpired_keys:%llu\r\nevicted_keys:%llu\r\n"
                "evict_joins:%llu\r\nevict_moved_bytes:%llu\r\n"
                "keyspace_hits:%llu\r\nkeyspace_misses:%llu\r\nstale_completions:%llu\r\n"
                "total_reads_processed:%llu\r\ntotal_writes_processed:%llu\r\n"
                "recv_multishot_armed:%llu\r\n\r\n",
             (ull)st->total_connections_received, (ull)st->total_commands_processed,
             (ull)st->total_net_input_bytes, (ull)st->total_net_output_bytes,
             (ull)st->rejected_connections, (ull)st->expired_keys, (ull)st->evicted_keys,
             (ull)st->evict_joins, (ull)st->evict_moved_bytes,
             (ull)st->keyspace_hits, (ull)st->keyspace_misses, (ull)st->stale_completions,
             (ull)st->total_reads_processed, (ull)st->total_writes_processed,
             (ull)st->recv_multishot_armed);
}

static void cmd_info(struct kv_cmd_ctx *c) {
    struct info_buf b = {kv_scratch_alloc(c, INFO_BOUND - 64), 0, INFO_BOUND - 64};
    if (want(c, "server")) info_server(c, &b);
    if (want(c, "clients")) info_clients(c, &b);
    if (want(c, "memory")) info_memory(c, &b);
    if (want(c, "stats")) info_stats(c, &b);
    if (want(c, "keyspace")) {
        info_add(&b, "# Keyspace\r\n");
        ull keys = kv_ks_count(c->ks);
        if (keys > 0)
            info_add(&b, "db0:keys=%llu,expires=%llu,avg_ttl=0\r\n", keys,
                     (ull)c->ks->volatile_count);
    }
    if (b.len >= 2 && b.p[b.len - 1] == '\n' && b.p[b.len - 3] == '\n') b.len -= 2;
    kv_reply_bulk(c->out, b.p, b.len);
}

/* ---- CONFIG and CLIENT (what client libraries and tools send) ----------------- */

static void config_pair(struct kv_cmd_ctx *c, const char *name, const char *value) {
    kv_reply_bulk_cstr(c->out, name);
    kv_reply_bulk_cstr(c->out, value);
}

/* CONFIG GET answers the options clients and benchmarks ask for; SET is refused. */
static void cmd_config(struct kv_cmd_ctx *c) {
    if (!kv_cmd_sub(c, 1, "get")) {
        kv_reply_errorf(c->out, "ERR CONFIG %s is not supported: kv's limits are fixed at "
                        "startup", kv_cmd_sub(c, 1, "set") ? "SET" : "subcommand");
        return;
    }
    if (c->argc != 3) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'config|get' command");
        return;
    }
    char mem[32], clients[16];
    snprintf(mem, sizeof(mem), "%llu", (ull)c->engine->config->maxmemory);
    snprintf(clients, sizeof(clients), "%u", c->engine->config->maxclients);
    const char *names[] = {"save", "appendonly", "maxmemory", "maxclients", "databases"};
    const char *values[] = {"", "no", mem, clients, "1"};
    uint32_t matched = 0;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        const uint8_t *n = (const uint8_t *)names[i];
        if (kv_glob_match(c->argv[2].ptr, c->argv[2].len, n, (uint32_t)strlen(names[i])))
            matched++;
    }
    kv_reply_array(c->out, matched * 2);
    for (uint32_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        const uint8_t *n = (const uint8_t *)names[i];
        if (kv_glob_match(c->argv[2].ptr, c->argv[2].len, n, (uint32_t)strlen(names[i])))
            config_pair(c, names[i], values[i]);
    }
}

static void cmd_client(struct kv_cmd_ctx *c) {
    struct kv_session *s = c->session;
    if (kv_cmd_sub(c, 1, "id") && c->argc == 2) {
        kv_reply_int(c->out, (int64_t)s->id);
    } else if (kv_cmd_sub(c, 1, "getname") && c->argc == 2) {
        if (s->name_len == 0) kv_reply_null(c->out);
        else kv_reply_bulk(c->out, s->name, s->name_len);
    } else if (kv_cmd_sub(c, 1, "setname") && c->argc == 3) {
        struct kv_slice n = c->argv[2];
        for (uint32_t i = 0; i < n.len; i++) {
            if (n.ptr[i] < '!' || n.ptr[i] > '~') {
                kv_reply_error(c->out, "ERR Client names cannot contain spaces, newlines or "
                                       "special characters.");
                return;
            }
        }
        if (n.len > KV_CLIENT_NAME_MAX) {
            kv_reply_errorf(c->out, "ERR client name longer than %u bytes", KV_CLIENT_NAME_MAX);
            return;
        }
        memcpy(s->name, n.ptr, n.len);
        s->name_len = (uint8_t)n.len;
        kv_reply_ok(c->out);
    } else if (kv_cmd_sub(c, 1, "setname") || kv_cmd_sub(c, 1, "getname") || kv_cmd_sub(c, 1, "id")) {
        kv_reply_errorf(c->out, "ERR wrong number of arguments for 'client|%s' command",
                        kv_cmd_sub(c, 1, "id") ? "id" : kv_cmd_sub(c, 1, "getname") ? "getname"
                                                                               : "setname");
    } else {
        kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try CLIENT HELP.",
                        (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    }
}

static uint64_t bound_config(struct kv_cmd_ctx *c) { return 1024 + c->argv[c->argc - 1].len; }

static const struct kv_cmd server_cmds[] = {
    {"ping", -1, KV_CMD_FAST, cmd_ping, bound_echo, NULL},
    {"echo", 2, KV_CMD_FAST, cmd_echo, bound_echo, NULL},
    {"quit", -1, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_quit, NULL, NULL},
    {"select", 2, KV_CMD_FAST, cmd_select, NULL, NULL},
    {"dbsize", 1, KV_CMD_READONLY | KV_CMD_FAST, cmd_dbsize, NULL, NULL},
    {"flushall", -1, KV_CMD_WRITE, cmd_flush, NULL, NULL},
    {"flushdb", -1, KV_CMD_WRITE, cmd_flush, NULL, NULL},
    {"multi", 1, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_multi, NULL, NULL},
    {"exec", 1, KV_CMD_NOQUEUE, cmd_exec, NULL, NULL},
    {"discard", 1, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_discard, NULL, NULL},
    {"watch", -2, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_watch, NULL, NULL},
    {"unwatch", 1, KV_CMD_FAST, cmd_unwatch, NULL, NULL},
    {"info", -1, 0, cmd_info, bound_info, NULL},
    {"time", 1, KV_CMD_FAST, cmd_time, NULL, NULL},
    {"command", -1, 0, cmd_command, NULL, NULL},
    {"config", -2, 0, cmd_config, bound_config, NULL},
    {"client", -2, 0, cmd_client, NULL, NULL},
    {"shutdown", -1, KV_CMD_NOQUEUE, cmd_shutdown, NULL, NULL},
};

const struct kv_cmd_group kv_cmds_server = {server_cmds, KV_ARRAY_LEN(server_cmds)};

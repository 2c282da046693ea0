/*
 * cmd_server.c: connection and server commands: PING ECHO QUIT SELECT DBSIZE
 * FLUSHDB FLUSHALL MULTI EXEC DISCARD WATCH UNWATCH TIME SHUTDOWN (INFO: src/cmd_info.c,
 * CONFIG: src/cmd_config.c, CLIENT: src/cmd_client.c, COMMAND: src/cmd_command.c).
 * Replies and errors are Redis 7.0's, byte for byte (one database: SELECT accepts
 * only 0). Owns no memory; never allocates.
 */
#include <stdio.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/log.h"
#include "kv/util.h"


/* Subcommands (COMMAND COUNT, CONFIG GET, CLIENT ID) are matched whole (kv_cmd_sub),
 * options (FLUSHALL ASYNC, an INFO section) as Redis's C strings (kv_cmd_opt). */

static void cmd_ping(struct kv_cmd_ctx *c) {
    if (c->argc > 2) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'ping' command");
    } else if (kv_session_subscribed(c->session) && c->session->proto == 2) {
        kv_reply_array(c->out, 2); /* Redis's subscribed-mode PONG */
        kv_reply_bulk(c->out, "pong", 4);
        if (c->argc == 2) kv_reply_bulk(c->out, c->argv[1].ptr, c->argv[1].len);
        else kv_reply_bulk(c->out, "", 0);
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

static uint64_t bound_echo(struct kv_cmd_ctx *c) {
    return kv_reply_bulk_size(c->argc > 1 ? c->argv[c->argc - 1].len : 0) + 128;
}


static const struct kv_cmd server_cmds[] = {
    {"ping", -1, KV_CMD_FAST, cmd_ping, bound_echo, NULL, KV_NOKEYS},
    {"echo", 2, KV_CMD_FAST, cmd_echo, bound_echo, NULL, KV_NOKEYS},
    {"quit", -1, KV_CMD_NOQUEUE | KV_CMD_FAST | KV_CMD_NOAUTH, cmd_quit, NULL, NULL, KV_NOKEYS},
    {"select", 2, KV_CMD_FAST, cmd_select, NULL, NULL, KV_NOKEYS},
    {"dbsize", 1, KV_CMD_READONLY | KV_CMD_FAST, cmd_dbsize, NULL, NULL, KV_NOKEYS},
    {"flushall", -1, KV_CMD_WRITE, cmd_flush, NULL, NULL, KV_NOKEYS},
    {"flushdb", -1, KV_CMD_WRITE, cmd_flush, NULL, NULL, KV_NOKEYS},
    {"multi", 1, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_multi, NULL, NULL, KV_NOKEYS},
    {"exec", 1, KV_CMD_NOQUEUE, cmd_exec, NULL, NULL, KV_NOKEYS},
    {"discard", 1, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_discard, NULL, NULL, KV_NOKEYS},
    {"watch", -2, KV_CMD_NOQUEUE | KV_CMD_FAST, cmd_watch, NULL, NULL, KV_KEYS(1, -1, 1)},
    {"unwatch", 1, KV_CMD_FAST, cmd_unwatch, NULL, NULL, KV_NOKEYS},
    {"time", 1, KV_CMD_FAST, cmd_time, NULL, NULL, KV_NOKEYS},
    {"shutdown", -1, KV_CMD_NOQUEUE, cmd_shutdown, NULL, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_server = {server_cmds, KV_ARRAY_LEN(server_cmds)};

/*
 * sim_model_srv.c: the reference model's COPY, INCRBYFLOAT and the connection and
 * introspection commands kv answers (CLIENT ID/GETNAME/SETNAME, CONFIG GET,
 * COMMAND [COUNT]), written from Redis 7.0's behaviour (checked against
 * redis-server 7.0.15) and, where kv documents a difference, from kv's README:
 * one database, CONFIG GET/SET over kv's option table (src/config.c), COMMAND's docs
 * empty, client names of at most 64 bytes. Test code: heap allowed. Consults
 * src/ only for CONFIG (config.h: the option names, values and run-time parse).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/config.h"
#include "sim_model_int.h"
#include "sim_resp.h"

#define M_CLIENT_NAME_MAX 64     /* kv's CLIENT SETNAME limit (README) */

static bool same(struct kv_slice a, struct kv_slice b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* ---- COPY src dst [DB n] [REPLACE] -------------------------------------------- */

/* Redis's option loop: REPLACE, or DB with a value (an int; only 0 exists). */
static bool copy_options(struct mctx *c, bool *replace) {
    for (uint32_t j = 3; j < c->argc; j++) {
        if (m_opt_eq(c->argv[j], "replace")) {
            *replace = true;
        } else if (m_opt_eq(c->argv[j], "db") && j + 1 < c->argc) {
            int64_t db;
            j++;
            if (!m_str2ll(c->argv[j].ptr, c->argv[j].len, &db)) {
                m_reply_not_int(c);
                return false;
            }
            if (db < INT32_MIN || db > INT32_MAX) {
                sim_buf_error(c->out, "ERR value is out of range, value must between "
                                      "-2147483648 and 2147483647");
                return false;
            }
            if (db != 0) {
                sim_buf_error(c->out, "ERR DB index is out of range");
                return false;
            }
        } else {
            m_reply_syntax(c);
            return false;
        }
    }
    return true;
}

static void cmd_copy(struct mctx *c) {
    bool replace = false;
    if (!copy_options(c, &replace)) return;
    if (same(c->argv[1], c->argv[2])) {
        sim_buf_error(c->out, "ERR source and destination objects are the same");
        return;
    }
    struct mentry *e = m_lookup(c->m, c->argv[1], c->now);
    if (e == NULL || (m_lookup(c->m, c->argv[2], c->now) != NULL && !replace)) {
        sim_buf_int(c->out, 0);
        return;
    }
    struct mentry src = *e; /* copy the value out: m_add may move entries */
    struct mval str = {0};
    if (src.type == SIM_MODEL_STRING) {
        str.p = malloc(src.str.len + 1);
        KV_ASSERT(str.p != NULL);
        if (src.str.len > 0) memcpy(str.p, src.str.p, src.str.len);
        str.len = src.str.len;
    }
    struct mdeque list = {0};
    for (uint64_t i = 0; src.type == SIM_MODEL_LIST && i < src.list.count; i++) {
        const struct mval *v = m_deque_at(&src.list, i);
        m_deque_push(&list, false, v->p, v->len);
    }
    struct mcoll hs = {0};
    if (m_is_coll(src.type)) m_coll_copy(&hs, &src.hs);
    struct mstream *xs = src.type == SIM_MODEL_STREAM ? m_xs_copy(src.xs) : NULL;
    struct mentry *d = m_lookup(c->m, c->argv[2], c->now);
    if (d != NULL) m_delete(c->m, d);
    d = m_add(c->m, c->argv[2], src.type);
    d->xs = xs;
    d->expire_ms = src.expire_ms;
    d->str = str;
    d->list = list;
    d->hs = hs;
    sim_buf_int(c->out, 1);
}

/* ---- INCRBYFLOAT ------------------------------------------------------------------- */

static void cmd_incrbyfloat(struct mctx *c) {
    struct mentry *e = m_lookup(c->m, c->argv[1], c->now);
    long double v = 0, by = 0;
    if (e != NULL && e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    if ((e != NULL && !m_str2ld(e->str.p, e->str.len, &v)) ||
        !m_str2ld(c->argv[2].ptr, c->argv[2].len, &by)) {
        sim_buf_error(c->out, "ERR value is not a valid float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        sim_buf_error(c->out, "ERR increment would produce NaN or Infinity");
        return;
    }
    uint32_t n;
    char *buf = m_fmt_human(v, &n);
    if (e == NULL) {
        e = m_add(c->m, c->argv[1], SIM_MODEL_STRING);
        e->expire_ms = -1;
    }
    m_clear_value(e); /* an overwrite: the TTL stays */
    e->type = SIM_MODEL_STRING;
    e->str.p = (uint8_t *)buf;
    e->str.len = n;
    sim_buf_bulk(c->out, buf, n);
}

/* ---- CLIENT ------------------------------------------------------------------------ */

static bool name_ok(struct kv_slice n) {
    for (uint32_t i = 0; i < n.len; i++) {
        if (n.ptr[i] < '!' || n.ptr[i] > '~') return false;
    }
    return true;
}

static void client_setname(struct mctx *c, struct msession *s) {
    struct kv_slice n = c->argv[2];
    if (!name_ok(n)) {
        sim_buf_error(c->out, "ERR Client names cannot contain spaces, newlines or special "
                              "characters.");
    } else if (n.len > M_CLIENT_NAME_MAX) {
        sim_buf_errorf(c->out, "ERR client name longer than %u bytes", M_CLIENT_NAME_MAX);
    } else {
        free(s->name.p);
        s->name.p = malloc(n.len + 1);
        KV_ASSERT(s->name.p != NULL);
        if (n.len > 0) memcpy(s->name.p, n.ptr, n.len);
        s->name.len = n.len;
        sim_buf_simple(c->out, "OK");
    }
}

/* CLIENT KILL as the workload sends it: its arguments are names, never addresses
 * ("ip:port") or filter options, so the old form finds nobody and the new form
 * fails at its first option. Filters that match are e2e's (tests/e2e.py). */
static void client_kill(struct mctx *c) {
    if (c->argc == 2) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'client|kill' command");
    } else if (c->argc == 3) {
        KV_ASSERT(memchr(c->argv[2].ptr, ':', c->argv[2].len) == NULL);
        sim_buf_error(c->out, "ERR No such client");
    } else {
        static const char *const opts[] = {"id", "type", "addr", "laddr", "user", "skipme"};
        for (uint32_t i = 0; i < KV_ARRAY_LEN(opts); i++)
            KV_ASSERT(!m_eq_nocase(c->argv[2], opts[i]));
        sim_buf_error(c->out, "ERR syntax error");
    }
}

static void cmd_client(struct mctx *c) {
    struct msession *s = m_session(c->m, c->session);
    struct kv_slice sub = c->argv[1];
    bool id = m_eq_nocase(sub, "id"), get = m_eq_nocase(sub, "getname");
    bool set = m_eq_nocase(sub, "setname"); /* subcommands: the whole argument */
    uint32_t want = set ? 3 : 2;
    if (m_client_more(c, s)) return; /* REPLY PAUSE UNPAUSE LIST INFO: sim_model_client.c */
    if (m_eq_nocase(sub, "kill")) {
        client_kill(c);
    } else if (!id && !get && !set) {
        sim_buf_errorf(c->out, "ERR unknown subcommand '%.*s'. Try CLIENT HELP.",
                       (int)KV_MIN(sub.len, 128u), (const char *)sub.ptr);
    } else if (c->argc != want) {
        sim_buf_errorf(c->out, "ERR wrong number of arguments for 'client|%s' command",
                       id ? "id" : get ? "getname" : "setname");
    } else if (id) {
        sim_buf_int(c->out, (int64_t)c->session);
    } else if (get) {
        if (s->name.len == 0) sim_buf_null(c->out);
        else sim_buf_bulk(c->out, s->name.p, s->name.len);
    } else {
        client_setname(c, s);
    }
}

/* ---- CONFIG GET, COMMAND ------------------------------------------------------------- */

/* The options as kv reports them: the drawn config through kv's option table (the
 * names and formats are config_test's and the differential test's to check; here:
 * the patterns, the pairs, the count and the reply's framing). */
static void model_config(const struct mctx *c, struct kv_config *cfg) {
    if (c->m->cfg != NULL) {
        *cfg = *c->m->cfg;
        return;
    }
    if (c->m->lim.config != NULL) {
        *cfg = *c->m->lim.config;
        return;
    }
    kv_config_defaults(cfg);
    cfg->maxmemory = c->m->lim.maxmemory;
    cfg->maxclients = c->m->lim.maxclients;
}

/* Redis 7 folds CONFIG GET patterns to lower case (kv: patterns up to 512 bytes); an
 * argument without glob characters names an option exactly and is answered as
 * written. The first argument that names `name`, or 0. */
static uint32_t config_match(const struct mctx *c, const char *name) {
    for (uint32_t a = 2; a < c->argc; a++) {
        struct kv_slice pat = c->argv[a];
        if (memchr(pat.ptr, '*', pat.len) == NULL && memchr(pat.ptr, '?', pat.len) == NULL &&
            memchr(pat.ptr, '[', pat.len) == NULL) {
            if (m_eq_nocase(pat, name)) return a;
            continue;
        }
        if (m_glob_case(pat.ptr, pat.len, (const uint8_t *)name, (uint32_t)strlen(name), true))
            return a;
    }
    return 0;
}

static void config_get(struct mctx *c) {
    struct kv_config cfg;
    model_config(c, &cfg);
    struct sim_buf body = {0};
    uint32_t n = 0;
    for (uint32_t i = 0; kv_config_get_name(i) != NULL; i++) {
        const char *name = kv_config_get_name(i);
        uint32_t a = config_match(c, name);
        if (a == 0) continue;
        char v[KV_CONFIG_VALUE_MAX];
        uint32_t vlen = kv_config_get_value(&cfg, i, v, sizeof(v));
        if (m_eq_nocase(c->argv[a], name)) sim_buf_bulk(&body, c->argv[a].ptr, c->argv[a].len);
        else sim_buf_bulk(&body, name, strlen(name));
        sim_buf_bulk(&body, v, vlen);
        n += 2;
    }
    sim_buf_array(c->out, n);
    sim_buf_put(c->out, body.p, body.len);
    sim_buf_free(&body);
}

/* CONFIG SET as the workload sends it (patterns as names and values): names checked
 * first (unknown, fixed, duplicate), then values; none of its pairs changes an option. */
static void config_set(struct mctx *c) {
    if (c->argc < 4) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'config|set' command");
        return;
    }
    if (c->argc % 2 != 0) {
        sim_buf_error(c->out, "ERR syntax error");
        return;
    }
    char err[256], name[64], value[KV_CONFIG_VALUE_MAX];
    for (uint32_t i = 2; i < c->argc; i += 2) {
        snprintf(name, sizeof(name), "%.*s", (int)c->argv[i].len, (const char *)c->argv[i].ptr);
        int rc = kv_config_runtime_name(name, err, sizeof(err));
        bool dup = false;
        for (uint32_t j = 2; j < i; j += 2) dup = dup || m_eq_nocase(c->argv[j], name);
        if (rc == -2) {
            sim_buf_errorf(c->out, "ERR Unknown option or number of arguments for CONFIG SET - "
                           "'%s'", name);
            return;
        }
        if (rc == -1 || dup) {
            sim_buf_errorf(c->out, "ERR CONFIG SET failed (possibly related to argument '%s') - "
                           "%s", name, dup ? "duplicate parameter" : err);
            return;
        }
    }
    struct kv_config cfg;
    model_config(c, &cfg);
    for (uint32_t i = 2; i < c->argc; i += 2) {
        snprintf(name, sizeof(name), "%.*s", (int)c->argv[i].len, (const char *)c->argv[i].ptr);
        snprintf(value, sizeof(value), "%.*s", (int)c->argv[i + 1].len,
                 (const char *)c->argv[i + 1].ptr);
        if (kv_config_runtime_set(&cfg, name, value, c->m->mapped, err, sizeof(err)) != 0) {
            sim_buf_errorf(c->out, "ERR CONFIG SET failed (possibly related to argument '%s') - "
                           "%s", name, err);
            return;
        }
    }
    if (kv_config_check(&cfg, err, sizeof(err)) != 0) {
        char *colon = strstr(err, ": ");
        KV_ASSERT(colon != NULL);
        *colon = 0;
        sim_buf_errorf(c->out, "ERR CONFIG SET failed (possibly related to argument '%s') - "
                       "%s", err, colon + 2);
        return;
    }
    m_config_apply(c, &cfg); /* the model follows (sim_model_cfg.c) */
    sim_buf_put(c->out, "+OK\r\n", 5);
}

static void cmd_config(struct mctx *c) {
    struct kv_slice sub = c->argv[1];
    bool get = m_eq_nocase(sub, "get"), rewrite = m_eq_nocase(sub, "rewrite");
    if (get && c->argc < 3) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'config|get' command");
    } else if (get) {
        config_get(c);
    } else if (m_eq_nocase(sub, "set")) {
        config_set(c);
    } else if (rewrite && c->argc != 2) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'config|rewrite' command");
    } else if (rewrite) {
        sim_buf_error(c->out, "ERR The server is running without a config file");
    } else {
        sim_buf_errorf(c->out, "ERR unknown subcommand '%.*s'. Try CONFIG HELP.",
                       (int)KV_MIN(sub.len, 128u), (const char *)sub.ptr);
    }
}

static bool command_sub_known(struct kv_slice a) {
    static const char *const subs[] = {"count", "docs", "getkeys", "getkeysandflags",
                                       "help", "info", "list"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(subs); i++)
        if (m_eq_nocase(a, subs[i])) return true;
    return false;
}

static void cmd_command(struct mctx *c) {
    if (c->argc >= 2 && m_eq_nocase(c->argv[1], "count")) {
        if (c->argc != 2)
            sim_buf_error(c->out, "ERR wrong number of arguments for 'command|count' command");
        else sim_buf_int(c->out, m_known_count(c->m));
    } else if (c->argc >= 3 && m_eq_nocase(c->argv[1], "docs")) {
        sim_buf_array(c->out, 0); /* the workload names only commands kv lacks */
    } else if (c->argc >= 2 && !command_sub_known(c->argv[1])) { /* hostile names */
        sim_buf_errorf(c->out, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.",
                       (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    } else {
        c->shape_only = true; /* kv's table: the model keeps no copy of its rows */
    }
}

/* SHUTDOWN, Redis 7.0 with no save points (src/cmd_server.c): the refusals; the
 * workload never sends one that would stop the server. */
static void cmd_shutdown(struct mctx *c) {
    static const char *const names[] = {"nosave", "save", "now", "force", "abort"};
    struct msession *s = m_session(c->m, c->session);
    if (s->multi) {
        s->multi_error = true;
        sim_buf_error(c->out, "ERR Command not allowed inside a transaction");
        return;
    }
    uint32_t f = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        uint32_t bit = 0;
        for (uint32_t k = 0; k < KV_ARRAY_LEN(names) && bit == 0; k++)
            if (m_opt_eq(c->argv[i], names[k])) bit = 1u << k;
        if (bit == 0) f = 64;
        f |= bit;
    }
    if (f >= 64 || ((f & 16) && f != 16) || (f & 3) == 3) sim_buf_error(c->out, "ERR syntax error");
    else if (f & 16) sim_buf_error(c->out, "ERR No shutdown in progress.");
    else if ((f & 2) && !(f & 8))
        sim_buf_error(c->out, "ERR Errors trying to SHUTDOWN. Check logs.");
}

static const struct mcmd cmds[] = {
    {"copy", -3, MF_WRITE | MF_DENYOOM, cmd_copy, NULL},
    {"incrbyfloat", 3, MF_WRITE | MF_DENYOOM, cmd_incrbyfloat, NULL},
    {"client", -2, MF_READONLY, cmd_client, NULL},
    {"config", -2, MF_READONLY, cmd_config, NULL},
    {"command", -1, MF_READONLY, cmd_command, NULL},
    {"shutdown", -1, MF_NOQUEUE | MF_READONLY, cmd_shutdown, NULL},
};

const struct mcmd_table sim_model_cmds_srv = {cmds, KV_ARRAY_LEN(cmds)};

/*
 * cmd_client.c: CLIENT and its subcommands: ID GETNAME SETNAME SETINFO LIST INFO
 * KILL REPLY NO-EVICT PAUSE UNPAUSE GETREDIR UNBLOCK CACHING HELP. Replies and
 * errors are Redis 7.0.15's byte for byte; SETINFO (Redis 7.2) is answered as 7.2
 * does, and LIST/INFO lines end with 7.2's lib-name= lib-ver=.
 *
 * The connections are the server's (a layer above): LIST, INFO, KILL and PAUSE go
 * through the interface it registers (include/kv/clients.h). What a line shows of
 * the session (name, flags, multi, cmd, resp, lib-*) is read here. kv has one
 * user (default), one database, no tracking or sharded pub/sub, so ssub is 0 and
 * redir -1; a subscribed client is of type pubsub (flag P, sub= psub=), any other
 * of type normal.
 * Owns no memory; never allocates.
 */
#include <stdio.h>
#include <string.h>

#include "kv/clients.h"
#include "kv/cmd.h"
#include "kv/util.h"

static const char *const help_lines[] = {
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
};

/* An argument as Redis's C string sees it: up to its first NUL byte. */
static uint32_t cstr_len(struct kv_slice s) {
    const uint8_t *nul = s.len > 0 ? memchr(s.ptr, 0, s.len) : NULL;
    return nul != NULL ? (uint32_t)(nul - s.ptr) : s.len;
}

/* Redis's checks of a name or a SETINFO value: printable, no spaces. */
static bool attr_ok(struct kv_slice n) {
    for (uint32_t i = 0; i < n.len; i++)
        if (n.ptr[i] < '!' || n.ptr[i] > '~') return false;
    return true;
}

bool kv_cmd_client_setname(struct kv_cmd_ctx *c, struct kv_slice n) {
    KV_ASSERT(c != NULL && c->session != NULL);
    if (!attr_ok(n)) {
        kv_reply_error(c->out, "ERR Client names cannot contain spaces, newlines or "
                               "special characters.");
        return false;
    }
    if (n.len > KV_CLIENT_NAME_MAX) {
        kv_reply_errorf(c->out, "ERR client name longer than %u bytes", KV_CLIENT_NAME_MAX);
        return false;
    }
    memcpy(c->session->name, n.ptr, n.len);
    c->session->name_len = (uint8_t)n.len;
    KV_ASSERT(c->session->name_len <= KV_CLIENT_NAME_MAX);
    return true;
}

/* ---- one line of CLIENT LIST ----------------------------------------------- */

/* Redis's flags letters for what kv has, in its order: P subscribed, x MULTI, b blocked,
 * d a watched key changed, c closing after the reply, e NO-EVICT; N for none. */
static void line_flags(const struct kv_session *s, char *out) {
    uint32_t n = 0;
    if (kv_session_subscribed(s)) out[n++] = 'P';
    if (s->flags & KV_SESSION_MULTI) out[n++] = 'x';
    if (s->flags & KV_SESSION_BLOCKED) out[n++] = 'b';
    if (s->flags & KV_SESSION_DIRTY_CAS) out[n++] = 'd';
    if (s->flags & KV_SESSION_CLOSE) out[n++] = 'c';
    if (s->flags & KV_SESSION_NO_EVICT) out[n++] = 'e';
    if (n == 0) out[n++] = 'N';
    out[n] = 0;
    KV_ASSERT(n <= 6);  /* out holds 8 */
}

uint32_t kv_client_format(const struct kv_client_info *ci, uint64_t argv_mem, char *buf,
                          uint32_t cap) {
    KV_ASSERT(ci != NULL && ci->session != NULL && buf != NULL);
    KV_ASSERT(cap >= KV_CLIENT_LINE_MAX);
    const struct kv_session *s = ci->session;
    char flags[8], cmd[64];
    line_flags(s, flags);
    if (s->last_cmd == NULL) snprintf(cmd, sizeof(cmd), "NULL");
    else if (s->last_sub_len == 0) snprintf(cmd, sizeof(cmd), "%s", s->last_cmd);
    else snprintf(cmd, sizeof(cmd), "%s|%.*s", s->last_cmd, s->last_sub_len, s->last_sub);
    int64_t multi = (s->flags & KV_SESSION_MULTI) ? (int64_t)s->multi_count : -1;
    int n = snprintf(buf, cap,
        "id=%llu addr=%s laddr=%s fd=%lld name=%.*s age=%llu idle=%llu flags=%s db=0 "
        "sub=%u psub=%u ssub=0 multi=%lld qbuf=%llu qbuf-free=%llu argv-mem=%llu "
        "multi-mem=%llu rbs=%llu rbp=%llu obl=%llu oll=0 omem=0 tot-mem=%llu events=%s "
        "cmd=%s user=default redir=-1 resp=%u lib-name=%.*s lib-ver=%.*s\n",
        (unsigned long long)s->id, ci->addr, ci->laddr, (long long)ci->fd, s->name_len,
        s->name, (unsigned long long)ci->age_s, (unsigned long long)ci->idle_s, flags,
        s->sub_channels, s->sub_patterns, (long long)multi, (unsigned long long)ci->qbuf,
        (unsigned long long)ci->qbuf_free,
        (unsigned long long)argv_mem, (unsigned long long)ci->multi_mem,
        (unsigned long long)ci->rbs, (unsigned long long)ci->rbs,
        (unsigned long long)ci->obl, (unsigned long long)ci->tot_mem,
        ci->writing ? "rw" : "r", cmd, (unsigned)s->proto, s->lib_name_len, s->lib_name,
        s->lib_ver_len, s->lib_ver);
    KV_ASSERT(n > 0 && (uint32_t)n < KV_CLIENT_LINE_MAX);
    return (uint32_t)n;
}

/* The caller's own line when no server is registered (unit tests, the fuzzer). */
static void info_alone(const struct kv_cmd_ctx *c, struct kv_client_info *ci) {
    memset(ci, 0, sizeof(*ci));
    ci->session = c->session;
    snprintf(ci->addr, sizeof(ci->addr), "?:0");
    snprintf(ci->laddr, sizeof(ci->laddr), "?:0");
    ci->fd = -1;
}

static uint64_t argv_mem(const struct kv_cmd_ctx *c) {
    uint64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) n += c->argv[i].len;
    return n + c->argv[0].len;
}

/* Redis's getClientType, as client_type numbers it: pubsub (3) for a subscribed
 * client, else normal (0); kv has no masters or replicas. */
static int32_t type_of(const struct kv_session *s) { return kv_session_subscribed(s) ? 3 : 0; }

/* Slot i's line into buf (false: no open client there, or not of `type`, -1: any). */
static bool line_of(const struct kv_cmd_ctx *c, uint32_t i, char *buf, uint32_t *len,
                    int32_t type) {
    const struct kv_engine_clients *cl = c->engine->clients;
    struct kv_client_info ci;
    if (cl == NULL) {
        if (i > 0) return false;
        info_alone(c, &ci);
    } else if (!cl->describe(cl->ctx, i, &ci)) {
        return false;
    }
    if (type >= 0 && type_of(ci.session) != type) return false;
    bool me = ci.session == c->session;
    /* a blocked client's command is still its current one (Redis's c->argv) */
    uint64_t other = (ci.session->flags & KV_SESSION_BLOCKED) ? ci.session->block_argv_mem : 0;
    *len = kv_client_format(&ci, me ? argv_mem(c) : other, buf, KV_CLIENT_LINE_MAX);
    return true;
}

static uint32_t slots(const struct kv_cmd_ctx *c) {
    const struct kv_engine_clients *cl = c->engine->clients;
    return cl != NULL ? cl->slots(cl->ctx) : 1;
}

/* ---- LIST, INFO ---------------------------------------------------------------- */

/* Redis's client types by name: kv's clients are all "normal". -1: no such type. */
static int32_t client_type(struct kv_slice s) {
    static const char *const names[] = {"normal", "slave", "replica", "pubsub", "master"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(names); i++)
        if (kv_opt_eq_nocase(s, names[i])) return (int32_t)i;
    return -1;
}

/* The slot of the open client with this id, or UINT32_MAX. */
static uint32_t slot_of_id(const struct kv_cmd_ctx *c, uint64_t id) {
    const struct kv_engine_clients *cl = c->engine->clients;
    if (cl == NULL) return id == c->session->id ? 0 : UINT32_MAX;
    uint32_t n = cl->slots(cl->ctx);
    for (uint32_t i = 0; i < n; i++) {
        struct kv_client_info ci;
        if (cl->describe(cl->ctx, i, &ci) && ci.session->id == id) return i;
    }
    return UINT32_MAX;
}

/* One pass over the lines LIST shows: counts their bytes, or (out) writes them.
 * ids_from > 0: the clients named by argv[ids_from..] in that order (valid ids). */
static uint64_t list_pass(const struct kv_cmd_ctx *c, uint32_t ids_from, int32_t type,
                          struct kv_reply *out) {
    char line[KV_CLIENT_LINE_MAX];
    uint32_t len = 0;
    uint64_t total = 0;
    uint32_t n = ids_from > 0 ? c->argc - ids_from : slots(c);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = k;
        if (ids_from > 0) {
            int64_t id = 0;
            (void)kv_str2ll(c->argv[ids_from + k].ptr, c->argv[ids_from + k].len, &id);
            i = slot_of_id(c, (uint64_t)id);
            if (i == UINT32_MAX) continue;
        }
        if (!line_of(c, i, line, &len, type)) continue;
        total += len;
        if (out != NULL) kv_reply_raw(out, line, len);
    }
    KV_ASSERT(total <= (uint64_t)KV_CLIENT_LINE_MAX * n);
    return total;
}

/* Redis's addReplyVerbatim of the lines: a bulk string, "=n\r\ntxt:" under RESP3. */
static void reply_lines(struct kv_cmd_ctx *c, uint32_t ids_from, int32_t type) {
    uint64_t total = list_pass(c, ids_from, type, NULL);
    if (c->out->proto == 3) {
        char head[32];
        int n = snprintf(head, sizeof(head), "=%llu\r\ntxt:", (unsigned long long)total + 4);
        kv_reply_raw(c->out, head, (uint32_t)n);
    } else {
        kv_reply_bulk_header(c->out, total);
    }
    uint64_t again = list_pass(c, ids_from, type, c->out);
    KV_ASSERT(again == total);
    kv_reply_crlf(c->out);
}

static void client_list(struct kv_cmd_ctx *c) {
    if (c->argc == 4 && kv_cmd_opt(c, 2, "type")) {
        int32_t t = client_type(c->argv[3]);
        if (t < 0) {
            kv_reply_errorf(c->out, "ERR Unknown client type '%.*s'", (int)cstr_len(c->argv[3]),
                            (const char *)c->argv[3].ptr);
            return;
        }
        reply_lines(c, 0, t);
    } else if (c->argc > 3 && kv_cmd_opt(c, 2, "id")) {
        for (uint32_t j = 3; j < c->argc; j++) {
            int64_t id;
            if (!kv_str2ll(c->argv[j].ptr, c->argv[j].len, &id)) {
                kv_reply_error(c->out, "ERR Invalid client ID");
                return;
            }
        }
        reply_lines(c, 3, -1);
    } else if (c->argc != 2) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
    } else {
        reply_lines(c, 0, -1);
    }
}

static void client_info(struct kv_cmd_ctx *c) {
    char line[KV_CLIENT_LINE_MAX];
    uint32_t len = 0;
    uint32_t i = slot_of_id(c, c->session->id);
    KV_ASSERT(i != UINT32_MAX); /* the caller is open while it runs */
    bool found = line_of(c, i, line, &len, -1);
    KV_ASSERT(found);
    kv_reply_verbatim(c->out, line, len);
}

/* ---- KILL ---------------------------------------------------------------------- */

struct kill_filter {
    uint64_t id;                 /* 0: any */
    struct kv_slice addr;        /* len 0 and ptr NULL: any */
    struct kv_slice laddr;
    int32_t type;                /* client_type()'s number, -1: any */
    bool skipme;
};

/* A C-string argument equals the formatted address (Redis's strcmp). */
static bool addr_eq(struct kv_slice want, const char *have) {
    if (want.ptr == NULL) return true;
    uint32_t n = cstr_len(want);
    return strlen(have) == n && memcmp(have, want.ptr, n) == 0;
}

static bool kill_matches(const struct kill_filter *f, const struct kv_client_info *ci,
                         const struct kv_session *me) {
    KV_ASSERT(f != NULL && ci != NULL && ci->session != NULL);
    if (f->type >= 0 && type_of(ci->session) != f->type) return false;
    if (!addr_eq(f->addr, ci->addr) || !addr_eq(f->laddr, ci->laddr))
        return false;
    if (f->id != 0 && ci->session->id != f->id) return false;
    return !(ci->session == me && f->skipme);
}

/* One "<option> <value>" of the new form at argv[i]: false after replying an error. */
static bool kill_option(struct kv_cmd_ctx *c, uint32_t i, struct kill_filter *f) {
    struct kv_slice v = c->argv[i + 1];
    if (kv_cmd_opt(c, i, "id")) {
        int64_t id;
        if (!kv_str2ll(v.ptr, v.len, &id) || id < 1) {
            kv_reply_error(c->out, "ERR client-id should be greater than 0");
            return false;
        }
        f->id = (uint64_t)id;
    } else if (kv_cmd_opt(c, i, "type")) {
        int32_t t = client_type(v);
        if (t < 0) {
            kv_reply_errorf(c->out, "ERR Unknown client type '%.*s'", (int)cstr_len(v),
                            (const char *)v.ptr);
            return false;
        }
        f->type = t;
    } else if (kv_cmd_opt(c, i, "addr")) {
        f->addr = v;
    } else if (kv_cmd_opt(c, i, "laddr")) {
        f->laddr = v;
    } else if (kv_cmd_opt(c, i, "user")) {
        if (v.len != 7 || memcmp(v.ptr, "default", 7) != 0) { /* the only user */
            kv_reply_errorf(c->out, "ERR No such user '%.*s'", (int)cstr_len(v),
                            (const char *)v.ptr);
            return false;
        }
    } else if (kv_cmd_opt(c, i, "skipme") && (kv_opt_eq_nocase(v, "yes") ||
                                              kv_opt_eq_nocase(v, "no"))) {
        f->skipme = kv_opt_eq_nocase(v, "yes");
    } else {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return false;
    }
    return true;
}

/* Closes every match; the caller's own connection only after its reply. */
static uint64_t kill_all(struct kv_cmd_ctx *c, const struct kill_filter *f) {
    const struct kv_engine_clients *cl = c->engine->clients;
    uint64_t killed = 0;
    uint32_t n = slots(c);
    for (uint32_t i = 0; i < n; i++) {
        struct kv_client_info ci;
        if (cl == NULL) info_alone(c, &ci);
        else if (!cl->describe(cl->ctx, i, &ci)) continue;
        if (!kill_matches(f, &ci, c->session)) continue;
        if (ci.session == c->session) c->session->flags |= KV_SESSION_CLOSE;
        else cl->kill(cl->ctx, i);
        killed++;
    }
    KV_ASSERT(killed <= n);
    return killed;
}

static void client_kill(struct kv_cmd_ctx *c) {
    struct kill_filter f = {0, {NULL, 0}, {NULL, 0}, -1, true};
    if (c->argc == 3) { /* the old form, CLIENT KILL ip:port: may kill the caller */
        f.addr = c->argv[2];
        f.skipme = false;
        if (kill_all(c, &f) == 0) kv_reply_error(c->out, "ERR No such client");
        else kv_reply_ok(c->out);
        return;
    }
    for (uint32_t i = 2; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            kv_reply_error(c->out, KV_ERR_SYNTAX);
            return;
        }
        if (!kill_option(c, i, &f)) return;
    }
    kv_reply_int(c->out, (int64_t)kill_all(c, &f));
}

/* ---- the session's switches ---------------------------------------------------- */

static void client_reply(struct kv_cmd_ctx *c) {
    struct kv_session *s = c->session;
    if (kv_cmd_opt(c, 2, "on")) {
        s->reply_mode = KV_REPLY_ON;
        kv_reply_ok(c->out);
    } else if (kv_cmd_opt(c, 2, "off")) {
        s->reply_mode = KV_REPLY_OFF; /* no reply: this one is dropped too */
    } else if (kv_cmd_opt(c, 2, "skip")) {
        if (s->reply_mode != KV_REPLY_OFF) s->reply_mode = KV_REPLY_SKIP_NEXT;
    } else {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
    }
    KV_ASSERT(s->reply_mode <= KV_REPLY_SKIP);
}

static void client_no_evict(struct kv_cmd_ctx *c) {
    if (kv_cmd_opt(c, 2, "on")) {
        c->session->flags |= KV_SESSION_NO_EVICT;
    } else if (kv_cmd_opt(c, 2, "off")) {
        c->session->flags &= ~(uint32_t)KV_SESSION_NO_EVICT;
    } else {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    kv_reply_ok(c->out);
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value, as Redis 7.2 answers it. */
static void client_setinfo(struct kv_cmd_ctx *c) {
    struct kv_session *s = c->session;
    struct kv_slice attr = c->argv[2], v = c->argv[3];
    bool name = kv_cmd_opt(c, 2, "lib-name");
    if (!name && !kv_cmd_opt(c, 2, "lib-ver")) {
        kv_reply_errorf(c->out, "ERR Unrecognized option '%.*s'", (int)cstr_len(attr),
                        (const char *)attr.ptr);
    } else if (!attr_ok(v)) {
        kv_reply_errorf(c->out, "ERR %.*s cannot contain spaces, newlines or special "
                        "characters.", (int)cstr_len(attr), (const char *)attr.ptr);
    } else if (v.len > KV_CLIENT_NAME_MAX) { /* kv's bound: the name's */
        kv_reply_errorf(c->out, "ERR %.*s longer than %u bytes", (int)cstr_len(attr),
                        (const char *)attr.ptr, KV_CLIENT_NAME_MAX);
    } else {
        memcpy(name ? s->lib_name : s->lib_ver, v.ptr, v.len);
        if (name) s->lib_name_len = (uint8_t)v.len;
        else s->lib_ver_len = (uint8_t)v.len;
        kv_reply_ok(c->out);
    }
    KV_ASSERT(s->lib_name_len <= KV_CLIENT_NAME_MAX && s->lib_ver_len <= KV_CLIENT_NAME_MAX);
}

/* Redis's answer to a known subcommand with arguments it does not take. */
static void reply_sub_syntax(struct kv_cmd_ctx *c) {
    kv_reply_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for "
                    "'%.*s'. Try CLIENT HELP.", (int)KV_MIN(cstr_len(c->argv[1]), 128u),
                    (const char *)c->argv[1].ptr);
}

/* CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout. */
static void client_pause(struct kv_cmd_ctx *c) {
    if (c->argc > 4) {
        reply_sub_syntax(c);
        return;
    }
    bool writes = c->argc == 4 && kv_cmd_opt(c, 3, "write");
    if (c->argc == 4 && !writes && !kv_cmd_opt(c, 3, "all")) {
        kv_reply_error(c->out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
        return;
    }
    int64_t ms;
    if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &ms)) {
        kv_reply_error(c->out, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        kv_reply_error(c->out, "ERR timeout is negative");
        return;
    }
    const struct kv_engine_clients *cl = c->engine->clients;
    if (cl != NULL && ms > 0) cl->pause(cl->ctx, (uint64_t)ms, writes);
    kv_reply_ok(c->out);
}

static void client_unpause(struct kv_cmd_ctx *c) {
    const struct kv_engine_clients *cl = c->engine->clients;
    if (cl != NULL) cl->unpause(cl->ctx);
    kv_reply_ok(c->out);
}

/* ---- the rest ------------------------------------------------------------------ */

static void client_id(struct kv_cmd_ctx *c) { kv_reply_int(c->out, (int64_t)c->session->id); }

static void client_getname(struct kv_cmd_ctx *c) {
    const struct kv_session *s = c->session;
    if (s->name_len == 0) kv_reply_null(c->out);
    else kv_reply_bulk(c->out, s->name, s->name_len);
}

static void client_setname(struct kv_cmd_ctx *c) {
    if (kv_cmd_client_setname(c, c->argv[2])) kv_reply_ok(c->out);
}

static void client_getredir(struct kv_cmd_ctx *c) { kv_reply_int(c->out, -1); } /* no tracking */

/* 1 if the client was blocked in a pop: it wakes after this command with a nil
 * (TIMEOUT, the default) or -UNBLOCKED (ERROR), as Redis (include/kv/block.h). */
static void client_unblock(struct kv_cmd_ctx *c) {
    int64_t id;
    if (c->argc > 4) {
        reply_sub_syntax(c);
    } else if (c->argc == 4 && !kv_cmd_opt(c, 3, "timeout") && !kv_cmd_opt(c, 3, "error")) {
        kv_reply_error(c->out, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    } else if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &id)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
    } else {
        struct kv_block *b = &c->engine->block;
        struct kv_session *t = id > 0 ? kv_block_find(b, (uint64_t)id) : NULL;
        bool error = c->argc == 4 && kv_cmd_opt(c, 3, "error");
        if (t != NULL) kv_block_wake(b, t, error ? KV_BLOCK_WAKE_ERROR : KV_BLOCK_WAKE_TIMEOUT);
        kv_reply_int(c->out, t != NULL ? 1 : 0);
    }
}

static void client_caching(struct kv_cmd_ctx *c) {
    kv_reply_error(c->out, "ERR CLIENT CACHING can be called only when the client is in "
                           "tracking mode with OPTIN or OPTOUT mode enabled");
}

static void client_help(struct kv_cmd_ctx *c) {
    kv_reply_array(c->out, KV_ARRAY_LEN(help_lines));
    for (uint32_t i = 0; i < KV_ARRAY_LEN(help_lines); i++) kv_reply_simple(c->out, help_lines[i]);
}

/* Redis's subcommands and their arities (n: exactly, -n: at least, the name and
 * CLIENT included). */
struct client_sub {
    const char *name;
    int32_t arity;
    void (*proc)(struct kv_cmd_ctx *c);
};
static const struct client_sub subs[] = {
    {"id", 2, client_id},           {"getname", 2, client_getname},
    {"setname", 3, client_setname}, {"setinfo", 4, client_setinfo},
    {"list", -2, client_list},      {"info", 2, client_info},
    {"kill", -3, client_kill},      {"reply", 3, client_reply},
    {"no-evict", 3, client_no_evict}, {"pause", -3, client_pause},
    {"unpause", 2, client_unpause}, {"getredir", 2, client_getredir},
    {"unblock", -3, client_unblock}, {"caching", 3, client_caching},
    {"help", 2, client_help},
};

static void cmd_client(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    for (uint32_t i = 0; i < KV_ARRAY_LEN(subs); i++) {
        const struct client_sub *sub = &subs[i];
        if (!kv_cmd_sub(c, 1, sub->name)) continue;
        bool ok = sub->arity > 0 ? c->argc == (uint32_t)sub->arity
                                 : c->argc >= (uint32_t)-sub->arity;
        if (ok) sub->proc(c);
        else kv_reply_errorf(c->out, "ERR wrong number of arguments for 'client|%s' command",
                             sub->name);
        return;
    }
    kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try CLIENT HELP.",
                    (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
}

/* Errors quote arguments whole (as Redis does); LIST and INFO are lines, at most
 * one per open client (or per ID named), each at most KV_CLIENT_LINE_MAX. */
static uint64_t bound_client(struct kv_cmd_ctx *c) {
    uint64_t args = 0;
    for (uint32_t i = 1; i < c->argc; i++) args += c->argv[i].len;
    uint64_t lines = 0;
    if (kv_cmd_sub(c, 1, "info")) {
        lines = 1;
    } else if (kv_cmd_sub(c, 1, "list")) {
        const struct kv_engine_clients *cl = c->engine->clients;
        lines = c->argc > 3 ? c->argc - 3 : cl != NULL ? cl->connected(cl->ctx) : 1;
    } else if (kv_cmd_sub(c, 1, "help")) {
        lines = 2; /* about 1.9 KB */
    }
    uint64_t body = lines * KV_CLIENT_LINE_MAX;
    KV_ASSERT(body / KV_CLIENT_LINE_MAX == lines);
    return KV_EXEC_ERROR_ROOM + args + kv_reply_verbatim_size(body);
}

static const struct kv_cmd client_cmds[] = {
    {"client", -2, KV_CMD_CONTAINER, cmd_client, bound_client, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_client = {client_cmds, KV_ARRAY_LEN(client_cmds)};

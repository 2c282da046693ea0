/*
 * sim_model_client.c: the reference model's CLIENT REPLY, PAUSE/UNPAUSE, LIST and
 * INFO, and what they imply, written from Redis 7.0's behaviour (checked against
 * redis-server 7.0.15):
 *  - CLIENT REPLY ON answers +OK; OFF and SKIP answer nothing (SKIP under OFF stays
 *    OFF); OFF drops every reply after it until ON (errors too), SKIP the reply of
 *    exactly the next command. The mode moves after each top-level command (EXEC's
 *    replays do not move it; the workload never queues CLIENT REPLY in MULTI);
 *    sim_model_reply_dropped() tells the checker which replies never reach the wire.
 *  - CLIENT PAUSE ms [WRITE|ALL]: the mode is checked before the timeout; the later
 *    deadline and the wider mode win; UNPAUSE ends it. While a pause holds (by the
 *    command's now_ms, which never runs behind the server's monotonic clock) no
 *    command may run under ALL, and no write and no EXEC under WRITE (kv holds every
 *    EXEC; Redis one whose queue writes: a stricter hold is not checked here).
 *  - CLIENT LIST / INFO: checked for shape (one `field=value` line per client, each
 *    ending in "\n") and the fields the model knows for the caller: id, name, db=0,
 *    cmd=client|info or client|list, resp, flags (N, or d while it WATCHes keys);
 *    the others are loose.
 * Invariants: a session's reply_mode is 0 on, 1 off, 2 skip-next, 3 skip. Test code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"
#include "sim_resp.h"

enum { RM_ON = 0, RM_OFF = 1, RM_SKIP_NEXT = 2, RM_SKIP = 3 };

static void client_reply(struct mctx *c, struct msession *s) {
    if (c->argc != 3) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'client|reply' command");
    } else if (m_opt_eq(c->argv[2], "on")) {
        s->reply_mode = RM_ON;
        sim_buf_simple(c->out, "OK");
    } else if (m_opt_eq(c->argv[2], "off")) {
        s->reply_mode = RM_OFF;
    } else if (m_opt_eq(c->argv[2], "skip")) {
        if (s->reply_mode != RM_OFF) s->reply_mode = RM_SKIP_NEXT;
    } else {
        m_reply_syntax(c);
    }
}

static void client_pause(struct mctx *c) {
    if (c->argc < 3) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'client|pause' command");
        return;
    }
    if (c->argc > 4) {
        sim_buf_error(c->out, "ERR unknown subcommand or wrong number of arguments for "
                              "'PAUSE'. Try CLIENT HELP.");
        return;
    }
    bool write = c->argc == 4 && m_opt_eq(c->argv[3], "write");
    if (c->argc == 4 && !write && !m_opt_eq(c->argv[3], "all")) {
        sim_buf_error(c->out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
        return;
    }
    int64_t ms;
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &ms)) {
        sim_buf_error(c->out, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        sim_buf_error(c->out, "ERR timeout is negative");
        return;
    }
    struct sim_model *m = c->m;
    if (ms > 0) {
        bool active = m->pause_end > c->now;
        m->pause_write = active ? m->pause_write && write : write;
        int64_t end = ms > INT64_MAX - c->now ? INT64_MAX : c->now + ms;
        m->pause_end = active ? KV_MAX(m->pause_end, end) : end;
    }
    sim_buf_simple(c->out, "OK");
}

/* The value of `field=` in line p[0..n) (false: absent). */
static bool field(const uint8_t *p, uint32_t n, const char *name, struct kv_slice *v) {
    size_t k = strlen(name);
    for (uint32_t i = 0; i + k + 1 <= n; i++) {
        if ((i == 0 || p[i - 1] == ' ') && memcmp(p + i, name, k) == 0 && p[i + k] == '=') {
            uint32_t j = i + (uint32_t)k + 1, e = j;
            while (e < n && p[e] != ' ') e++;
            *v = (struct kv_slice){p + j, e - j};
            return true;
        }
    }
    return false;
}

static bool field_is(const uint8_t *p, uint32_t n, const char *name, const void *want,
                     uint32_t wlen) {
    struct kv_slice v;
    return field(p, n, name, &v) && v.len == wlen && (wlen == 0 || memcmp(v.ptr, want, wlen) == 0);
}

/* flags=N, or d (a watched key was touched) while the session WATCHes keys; P first
 * while it is subscribed (a RESP3 subscriber may run CLIENT LIST; seed 12). */
static bool flags_ok(const uint8_t *p, uint32_t n, const struct msession *s, bool sub) {
    if (sub)
        return field_is(p, n, "flags", "P", 1) ||
               (s->nwatch > 0 && field_is(p, n, "flags", "Pd", 2));
    return field_is(p, n, "flags", "N", 1) || (s->nwatch > 0 && field_is(p, n, "flags", "d", 1));
}

/* The caller's own line: the fields the model knows. */
static bool own_line(struct mctx *c, struct msession *s, const uint8_t *p, uint32_t n,
                     bool list) {
    char num[24], cmd[16];
    int k = snprintf(num, sizeof(num), "%llu", (unsigned long long)c->session);
    int q = snprintf(cmd, sizeof(cmd), "client|%s", list ? "list" : "info");
    char resp = s->proto == 3 ? '3' : '2';
    const char *bad = !field_is(p, n, "id", num, (uint32_t)k)             ? "id"
                      : !field_is(p, n, "name", s->name.p, s->name.len)  ? "name"
                      : !field_is(p, n, "db", "0", 1)                    ? "db"
                      : !field_is(p, n, "cmd", cmd, (uint32_t)q)         ? "cmd"
                      : !field_is(p, n, "resp", &resp, 1)                ? "resp"
                      : !flags_ok(p, n, s, m_pubsub_subscribed(c->m, c->session)) ? "flags"
                                                                         : NULL;
    if (bad != NULL) m_why(c, "CLIENT %s: the caller's %s= differs", list ? "LIST" : "INFO", bad);
    return bad == NULL;
}

/* The text of a bulk (RESP2) or verbatim (RESP3) reply. */
static bool reply_text(const struct mctx *c, const uint8_t **p, uint32_t *n) {
    const uint8_t *r = c->reply, *nl = memchr(r, '\n', c->reply_len);
    if (nl == NULL || (r[0] != '$' && r[0] != '=')) return false;
    uint32_t head = (uint32_t)(nl - r) + 1, skip = r[0] == '=' ? 4 : 0;
    if (c->reply_len < head + skip + 2) return false;
    *p = r + head + skip;
    *n = c->reply_len - head - skip - 2;
    return true;
}

static void client_list_info(struct mctx *c, struct msession *s, bool list) {
    const uint8_t *p;
    uint32_t n;
    if (c->argc != 2) { /* the workload sends no filters */
        sim_buf_errorf(c->out, "ERR wrong number of arguments for 'client|%s' command",
                       list ? "list" : "info");
        return;
    }
    if (!reply_text(c, &p, &n) || n == 0 || p[n - 1] != '\n') {
        m_why(c, "CLIENT %s: not a bulk of lines", list ? "LIST" : "INFO");
        return;
    }
    uint32_t own = 0, lines = 0;
    for (uint32_t at = 0; at < n && !c->failed; lines++) {
        const uint8_t *e = memchr(p + at, '\n', n - at);
        uint32_t len = (uint32_t)(e - (p + at));
        struct kv_slice id;
        if (!field(p + at, len, "id", &id) || !field(p + at, len, "addr", &id) ||
            memchr(p + at, '\r', len) != NULL) {
            m_why(c, "CLIENT %s: line %u lacks id=/addr=", list ? "LIST" : "INFO", lines);
            return;
        }
        char num[24];
        int k = snprintf(num, sizeof(num), "%llu", (unsigned long long)c->session);
        if (field_is(p + at, len, "id", num, (uint32_t)k)) {
            own++;
            if (!own_line(c, s, p + at, len, list)) return;
        }
        at += len + 1;
    }
    if (own != 1 || (!list && lines != 1)) {
        m_why(c, "CLIENT %s: %u lines, %u of the caller", list ? "LIST" : "INFO", lines, own);
        return;
    }
    sim_buf_bulk(c->out, p, n); /* checked: the model's reply is the core's */
}

bool m_client_more(struct mctx *c, struct msession *s) {
    struct kv_slice sub = c->argv[1];
    if (m_eq_nocase(sub, "reply")) client_reply(c, s);
    else if (m_eq_nocase(sub, "pause")) client_pause(c);
    else if (m_eq_nocase(sub, "list")) client_list_info(c, s, true);
    else if (m_eq_nocase(sub, "info")) client_list_info(c, s, false);
    else if (!m_eq_nocase(sub, "unpause")) return false;
    else if (c->argc != 2)
        sim_buf_error(c->out, "ERR wrong number of arguments for 'client|unpause' command");
    else {
        c->m->pause_end = 0;
        sim_buf_simple(c->out, "OK");
    }
    return true;
}

/* A top-level command (not one of EXEC's replays) is about to run: may it, under
 * the pause? */
bool m_client_before(struct mctx *c, bool write, bool exec) {
    struct sim_model *m = c->m;
    KV_ASSERT(c->argc >= 1);
    if (m->pause_end > c->now && (!m->pause_write || write || exec)) {
        m_why(c, "ran during CLIENT PAUSE %s (until %lld, now %lld)",
              m->pause_write ? "WRITE" : "ALL", (long long)m->pause_end, (long long)c->now);
        return false;
    }
    return true;
}

/* It ran: is its reply dropped? The session's reply mode moves on. */
void m_client_after(struct msession *s, struct sim_model *m) {
    KV_ASSERT(s->reply_mode <= RM_SKIP);
    m->dropped = s->reply_mode == RM_OFF || s->reply_mode == RM_SKIP;
    if (s->reply_mode == RM_SKIP) s->reply_mode = RM_ON;
    else if (s->reply_mode == RM_SKIP_NEXT) s->reply_mode = RM_SKIP;
    KV_ASSERT(s->reply_mode <= RM_SKIP);
}

bool sim_model_reply_dropped(const struct sim_model *m) { return m->dropped; }

bool sim_model_replies_off(const struct sim_model *m, uint64_t session) {
    for (const struct msession *s = m->sessions; s != NULL; s = s->next)
        if (s->id == session) return s->reply_mode == RM_OFF || s->reply_mode == RM_SKIP;
    return false;
}

int64_t sim_model_pause_end(const struct sim_model *m) { return m->pause_end; }

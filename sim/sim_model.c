/*
 * sim_model.c: the reference model's map, sessions, command dispatch, MULTI/EXEC
 * and reply comparison. Test code: heap and stdio allowed.
 *
 * Dispatch follows Redis 7's processCommand order: unknown command, arity, then
 * (inside MULTI) queueing, else execution. Replies are compared byte for byte;
 * the leniencies are listed in sim_model.h. Invariants: see sim_model_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"
#include "sim_resp.h"

#define OOM_REPLY "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

static uint64_t hash_key(const uint8_t *p, uint32_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

struct sim_model *sim_model_create(const struct sim_model_limits *lim) {
    KV_ASSERT(lim != NULL);
    struct sim_model *m = calloc(1, sizeof(*m));
    KV_ASSERT(m != NULL);
    m->lim = *lim;
    m->mapped = lim->maxmemory;
    KV_ASSERT(lim->watch_max >= 1);
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof(struct mentry));
    KV_ASSERT(m->slots != NULL);
    return m;
}

static void session_free(struct msession *s) {
    for (uint32_t i = 0; i < s->nqueued; i++) {
        for (uint32_t j = 0; j < s->q[i].argc; j++) free(s->q[i].argv[j].p);
        free(s->q[i].argv);
    }
    s->nqueued = 0;
    s->replayed = 0;
    s->multi = false;
    s->multi_error = false;
    s->exec_pending = false;
    s->exec_reply.len = 0;
}

void sim_model_destroy(struct sim_model *m) {
    m_block_free(m);
    m_pubsub_destroy(m);
    m_flush(m);
    free(m->slots);
    for (struct msession *s = m->sessions; s != NULL;) {
        struct msession *next = s->next;
        session_free(s);
        m_watch_clear(s);
        free(s->watch);
        free(s->name.p);
        free(s->q);
        sim_buf_free(&s->exec_reply);
        free(s);
        s = next;
    }
    free(m->cfg);
    free(m);
}

/* ---- map ---------------------------------------------------------------- */

struct mentry *m_find_raw(struct sim_model *m, const uint8_t *key, uint32_t klen) {
    uint64_t h = hash_key(key, klen);
    uint64_t mask = m->cap - 1;
    for (uint64_t i = h & mask, n = 0; n < m->cap; i = (i + 1) & mask, n++) {
        struct mentry *e = &m->slots[i];
        if (e->key == NULL) return NULL;
        if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) return e;
    }
    return NULL;
}

bool m_expired(const struct mentry *e, int64_t now) {
    return e->expire_ms >= 0 && now > e->expire_ms;
}

/*
 * A live key, or NULL. An expired key stays in the map (a "ghost", invisible to
 * commands) until it is overwritten, flushed or evicted: the core deletes
 * expired keys lazily and by sampling, so a ghost may still count in its DBSIZE.
 */
struct mentry *m_lookup(struct sim_model *m, struct kv_slice key, int64_t now) {
    struct mentry *e = m_find_raw(m, key.ptr, key.len);
    return e == NULL || m_expired(e, now) ? NULL : e;
}

static void place(struct sim_model *m, const struct mentry *src) {
    uint64_t mask = m->cap - 1;
    for (uint64_t i = src->hash & mask, n = 0; n < m->cap; i = (i + 1) & mask, n++) {
        if (m->slots[i].key == NULL) {
            m->slots[i] = *src;
            return;
        }
    }
    KV_UNREACHABLE();
}

static void grow(struct sim_model *m) {
    struct mentry *old = m->slots;
    uint64_t old_cap = m->cap;
    m->cap *= 2;
    m->slots = calloc(m->cap, sizeof(struct mentry));
    KV_ASSERT(m->slots != NULL);
    for (uint64_t i = 0; i < old_cap; i++) {
        if (old[i].key != NULL) place(m, &old[i]);
    }
    free(old);
}

struct mentry *m_add(struct sim_model *m, struct kv_slice key, uint8_t type) {
    struct mentry *ghost = m_find_raw(m, key.ptr, key.len);
    if (ghost != NULL) { /* only an expired key can be re-added */
        KV_ASSERT(ghost->expire_ms >= 0);
        m_clear_value(ghost);
        ghost->type = type;
        ghost->expire_ms = -1;
        m_block_created(m, key.ptr, key.len, type);
        return ghost;
    }
    if ((m->count + 1) * 2 > m->cap) grow(m);
    struct mentry e;
    memset(&e, 0, sizeof(e));
    e.key = malloc(key.len + 1);
    KV_ASSERT(e.key != NULL);
    if (key.len > 0) memcpy(e.key, key.ptr, key.len);
    e.klen = key.len;
    e.hash = hash_key(key.ptr, key.len);
    e.type = type;
    e.expire_ms = -1;
    place(m, &e);
    m->count++;
    struct mentry *r = m_find_raw(m, key.ptr, key.len);
    KV_ASSERT(r != NULL);
    m_block_created(m, key.ptr, key.len, type);
    return r;
}

void m_clear_value(struct mentry *e) {
    free(e->str.p);
    e->str.p = NULL;
    e->str.len = 0;
    m_deque_free(&e->list);
    m_coll_free(&e->hs);
    m_xs_free(e->xs);
    e->xs = NULL;
}

void m_delete(struct sim_model *m, struct mentry *e) {
    KV_ASSERT(e->key != NULL && m->count > 0);
    m_clear_value(e);
    free(e->key);
    uint64_t mask = m->cap - 1;
    uint64_t hole = (uint64_t)(e - m->slots);
    memset(e, 0, sizeof(*e));
    m->count--;
    for (uint64_t j = (hole + 1) & mask, n = 0; n < m->cap; j = (j + 1) & mask, n++) {
        struct mentry *x = &m->slots[j];
        if (x->key == NULL) return;
        uint64_t home = x->hash & mask;
        /* x may move into the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        m->slots[hole] = *x;
        memset(x, 0, sizeof(*x));
        hole = j;
    }
}

void m_flush(struct sim_model *m) {
    for (uint64_t i = 0; i < m->cap; i++) {
        struct mentry *e = &m->slots[i];
        if (e->key == NULL) continue;
        m_clear_value(e);
        free(e->key);
        memset(e, 0, sizeof(*e));
    }
    m->count = 0;
}

void sim_model_evict(struct sim_model *m, const uint8_t *key, uint32_t klen) {
    struct mentry *e = m_find_raw(m, key, klen);
    m->stats.evictions++;
    m->evicted_pending++;
    m_watch_evict(m, key, klen, e != NULL && !m_expired(e, m->now));
    if (e != NULL) m_delete(m, e);
}

uint64_t sim_model_live_count(const struct sim_model *m, int64_t now_ms) {
    uint64_t n = 0;
    for (uint64_t i = 0; i < m->cap; i++) {
        const struct mentry *e = &m->slots[i];
        n += e->key != NULL && !m_expired(e, now_ms);
    }
    KV_ASSERT(n <= m->count);
    return n;
}

uint64_t sim_model_present_count(const struct sim_model *m) { return m->count; }

bool sim_model_next_key(const struct sim_model *m, int64_t now_ms, uint64_t *cursor,
                        struct sim_model_key *out) {
    for (; *cursor < m->cap; (*cursor)++) {
        const struct mentry *e = &m->slots[*cursor];
        if (e->key == NULL || m_expired(e, now_ms)) continue;
        out->key = e->key;
        out->klen = e->klen;
        out->type = (enum sim_model_type)e->type;
        out->expire_ms = e->expire_ms;
        out->value = e->str.p;
        out->value_len = e->str.len;
        out->list_count = e->list.count;
        out->coll_count = e->hs.count;
        (*cursor)++;
        return true;
    }
    return false;
}

struct kv_slice sim_model_list_at(const struct sim_model *m, const uint8_t *key, uint32_t klen,
                                  uint64_t i) {
    struct mentry *e = m_find_raw((struct sim_model *)m, key, klen);
    KV_ASSERT(e != NULL && e->type == SIM_MODEL_LIST && i < e->list.count);
    struct mval *v = m_deque_at(&e->list, i);
    struct kv_slice s = {v->p, v->len};
    return s;
}

void sim_model_set_canary(struct sim_model *m, bool on) { m->canary = on; }

void sim_model_set_known(struct sim_model *m, bool (*has)(void *ctx, const char *name),
                         void *ctx) {
    m->has = has;
    m->has_ctx = ctx;
}
const struct sim_model_stats *sim_model_stats(const struct sim_model *m) { return &m->stats; }

/* ---- helpers ------------------------------------------------------------ */

void m_reply_wrongtype(struct mctx *c) {
    sim_buf_error(c->out, "WRONGTYPE Operation against a key holding the wrong kind of value");
}
void m_reply_not_int(struct mctx *c) {
    sim_buf_error(c->out, "ERR value is not an integer or out of range");
}
void m_reply_syntax(struct mctx *c) { sim_buf_error(c->out, "ERR syntax error"); }

void m_why(struct mctx *c, const char *fmt, ...) {
    c->failed = true;
    if (c->why == NULL || c->why_cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, c->why_cap, fmt, ap);
    va_end(ap);
}

/* ---- sessions ------------------------------------------------------------ */

static struct msession *session_find(const struct sim_model *m, uint64_t id) {
    for (struct msession *s = m->sessions; s != NULL; s = s->next) {
        if (s->id == id) return s;
    }
    return NULL;
}

static struct msession *session_get(struct sim_model *m, uint64_t id) {
    struct msession *s = session_find(m, id);
    if (s != NULL) return s;
    s = calloc(1, sizeof(*s));
    KV_ASSERT(s != NULL);
    s->id = id;
    s->next = m->sessions;
    m->sessions = s;
    return s;
}

void sim_model_session_end(struct sim_model *m, uint64_t id) {
    m_block_session_end(m, id); /* a blocked client that left: out of every queue */
    for (struct msession **pp = &m->sessions; *pp != NULL; pp = &(*pp)->next) {
        struct msession *s = *pp;
        if (s->id != id) continue;
        *pp = s->next;
        session_free(s);
        m_watch_clear(s);
        free(s->watch);
        free(s->name.p);
        free(s->q);
        sim_buf_free(&s->exec_reply);
        free(s);
        return;
    }
}

bool sim_model_in_multi(const struct sim_model *m, uint64_t id) {
    const struct msession *s = session_find(m, id);
    return s != NULL && s->multi;
}

uint32_t sim_model_queued(const struct sim_model *m, uint64_t id) {
    const struct msession *s = session_find(m, id);
    return s != NULL ? s->nqueued : 0;
}

bool sim_model_exec_expect(struct sim_model *m, uint64_t id, int64_t now_ms) {
    struct msession *s = session_get(m, id);
    m->cas_why = NULL;
    if (!s->multi || s->multi_error || s->exec_pending) return false;
    if (m_watch_verdict(m, s, now_ms) == M_CAS_ABORT) return false;
    s->exec_pending = true;
    s->replayed = 0;
    s->exec_reply.len = 0;
    return true;
}

bool sim_model_multi_error(struct sim_model *m, uint64_t id) {
    struct msession *s = session_get(m, id);
    bool was = s->multi_error;
    if (s->multi) s->multi_error = true;
    return s->multi_error && !was;
}

static void queue_push(struct msession *s, uint32_t argc, const struct kv_slice *argv) {
    if (s->nqueued == s->qcap) {
        s->qcap = s->qcap == 0 ? 8 : s->qcap * 2;
        s->q = realloc(s->q, s->qcap * sizeof(*s->q));
        KV_ASSERT(s->q != NULL);
    }
    struct mqueued *q = &s->q[s->nqueued++];
    q->argc = argc;
    q->argv = calloc(argc, sizeof(struct mval));
    KV_ASSERT(q->argv != NULL);
    for (uint32_t i = 0; i < argc; i++) {
        q->argv[i].p = malloc(argv[i].len + 1);
        KV_ASSERT(q->argv[i].p != NULL);
        if (argv[i].len > 0) memcpy(q->argv[i].p, argv[i].ptr, argv[i].len);
        q->argv[i].len = argv[i].len;
    }
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct mcmd_table *const tables[] = {&sim_model_cmds_str, &sim_model_cmds_list,
                                                  &sim_model_cmds_srv, &sim_model_cmds_auth,
                                                  &sim_model_cmds_admin, &sim_model_cmds_hash,
                                                  &sim_model_cmds_set, &sim_model_cmds_zset,
                                                  &sim_model_cmds_zset2, &sim_model_cmds_stream,
                                                  &sim_model_cmds_block,
                                                  &sim_model_cmds_pubsub};

static void cmd_multi(struct mctx *c);
static void cmd_exec(struct mctx *c);
static void cmd_discard(struct mctx *c);
static void cmd_watch(struct mctx *c);
static void cmd_unwatch(struct mctx *c);

static const struct mcmd session_cmds[] = {
    {"multi", 1, MF_NOQUEUE, cmd_multi, NULL},
    {"exec", 1, MF_NOQUEUE, cmd_exec, NULL},
    {"discard", 1, MF_NOQUEUE, cmd_discard, NULL},
    {"watch", -2, MF_NOQUEUE, cmd_watch, NULL},
    {"unwatch", 1, MF_READONLY, cmd_unwatch, NULL},
};

static const struct mcmd *find_any(struct kv_slice name) {
    for (uint32_t i = 0; i < KV_ARRAY_LEN(session_cmds); i++) {
        if (m_eq_nocase(name, session_cmds[i].name)) return &session_cmds[i];
    }
    for (uint32_t t = 0; t < KV_ARRAY_LEN(tables); t++) {
        for (uint32_t i = 0; i < tables[t]->count; i++) {
            if (m_eq_nocase(name, tables[t]->cmds[i].name)) return &tables[t]->cmds[i];
        }
    }
    return NULL;
}

/* The command, if both the core and the model know it. */
static const struct mcmd *find_cmd(const struct sim_model *m, struct kv_slice name) {
    const struct mcmd *cmd = find_any(name);
    if (cmd == NULL || m->has == NULL || m->has(m->has_ctx, cmd->name)) return cmd;
    return NULL;
}

int64_t m_known_count(const struct sim_model *m) {
    int64_t n = 0;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(session_cmds); i++)
        n += m->has == NULL || m->has(m->has_ctx, session_cmds[i].name);
    for (uint32_t t = 0; t < KV_ARRAY_LEN(tables); t++) {
        for (uint32_t i = 0; i < tables[t]->count; i++)
            n += m->has == NULL || m->has(m->has_ctx, tables[t]->cmds[i].name);
    }
    return n;
}

struct msession *m_session(struct sim_model *m, uint64_t id) { return session_get(m, id); }

void m_run(struct sim_model *m, uint64_t session, uint32_t argc, const struct kv_slice *argv,
           struct sim_buf *out) {
    const struct mcmd *cmd = find_any(argv[0]);
    KV_ASSERT(cmd != NULL && argc >= 1);
    struct mctx c = {m, argc, argv, m->now, out, NULL, 0, NULL, 0, session, false, false};
    bool watched = (cmd->flags & MF_WRITE) && !(cmd->flags & MF_NOTOUCH) &&
                   m->sessions != NULL;
    if (watched) m_watch_before(&c);
    cmd->proc(&c);
    if (watched) m_watch_after(&c);
}
void m_session_discard(struct msession *s) { session_free(s); }

/* Does the core know a command the model does not model? */
static bool core_only(const struct sim_model *m, struct kv_slice name) {
    char lower[32];
    if (m->has == NULL || name.len == 0 || name.len >= sizeof(lower)) return false;
    for (uint32_t i = 0; i < name.len; i++) {
        uint8_t ch = name.ptr[i];
        if (ch == 0) return false;
        lower[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    lower[name.len] = 0;
    return find_any(name) == NULL && m->has(m->has_ctx, lower);
}

static bool arity_ok(const struct mcmd *cmd, uint32_t argc) {
    return cmd->arity > 0 ? (int64_t)argc == cmd->arity : (int64_t)argc >= -cmd->arity;
}

/* %.*s semantics: C formatting stops at a NUL byte. */
static uint32_t c_len(struct kv_slice s, uint32_t max) {
    uint32_t n = KV_MIN(s.len, max);
    for (uint32_t i = 0; i < n; i++) {
        if (s.ptr[i] == 0) return i;
    }
    return n;
}

static void reply_unknown(struct mctx *c) {
    struct sim_buf msg = {0};
    sim_buf_puts(&msg, "ERR unknown command '");
    sim_buf_put(&msg, c->argv[0].ptr, c_len(c->argv[0], 128));
    sim_buf_puts(&msg, "', with args beginning with: ");
    uint64_t args = 0;
    for (uint32_t i = 1; i < c->argc && args < 128; i++) {
        uint32_t n = c_len(c->argv[i], (uint32_t)(128 - args));
        sim_buf_put(&msg, "'", 1);
        sim_buf_put(&msg, c->argv[i].ptr, n);
        sim_buf_put(&msg, "' ", 2);
        args += n + 3;
    }
    sim_buf_put(&msg, "", 1);
    sim_buf_error(c->out, (const char *)msg.p);
    sim_buf_free(&msg);
}

static void cmd_multi(struct mctx *c) {
    struct msession *s = session_get(c->m, c->session);
    if (s->multi) {
        sim_buf_error(c->out, "ERR MULTI calls can not be nested");
        return;
    }
    session_free(s);
    s->multi = true;
    sim_buf_simple(c->out, "OK");
}

static void cmd_discard(struct mctx *c) {
    struct msession *s = session_get(c->m, c->session);
    if (!s->multi) {
        sim_buf_error(c->out, "ERR DISCARD without MULTI");
        return;
    }
    session_free(s);
    m_watch_clear(s);
    sim_buf_simple(c->out, "OK");
}

static void cmd_watch(struct mctx *c) { m_watch_cmd(c, session_get(c->m, c->session)); }

static void cmd_unwatch(struct mctx *c) {
    m_watch_clear(session_get(c->m, c->session));
    sim_buf_simple(c->out, "OK");
}

static bool oom_reply(const uint8_t *r, uint32_t n) {
    return n == strlen(OOM_REPLY) && memcmp(r, OOM_REPLY, n) == 0;
}

/*
 * "-ERR reply of up to B bytes exceeds client-query-buffer-limit (M bytes)": the
 * command did not run. Returns B, or 0 if the reply is not that error.
 */
static uint64_t too_large_bound(const struct sim_model *m, const uint8_t *r, uint32_t n) {
    char text[160];
    if (n < 8 || n >= sizeof(text) || r[n - 2] != '\r') return 0;
    memcpy(text, r, n - 2);
    text[n - 2] = 0;
    unsigned long long b = 0, max = 0;
    int used = 0;
    if (sscanf(text, "-ERR reply of up to %llu bytes exceeds client-query-buffer-limit "
                     "(%llu bytes)%n", &b, &max, &used) != 2)
        return 0;
    if ((uint32_t)used != n - 2 || max != m->lim.reply_max) return 0;
    return b;
}

static bool compare(struct mctx *c) {
    if (c->failed) return false;
    if (c->shape_only) { /* corrupted traffic can make any COMMAND form (seed 2 --crowd) */
        uint32_t len = 0;
        bool whole = sim_resp_scan(c->reply, c->reply_len, &len) == SIM_RESP_OK &&
                     len == c->reply_len;
        if (whole && (c->reply[0] == '*' || c->reply[0] == '-')) {
            c->m->stats.loose++;
            return true;
        }
        m_why(c, "reply is not one whole array or error");
        return false;
    }
    m_resp3_up(c); /* a RESP3 session's form of the reply (sim_model_resp3.c) */
    if (c->out->len == c->reply_len && memcmp(c->out->p, c->reply, c->reply_len) == 0) {
        c->m->stats.exact++;
        return true;
    }
    m_why(c, "reply differs from the model's");
    return false;
}

/* A refusal that replaced the reply (the command did not run)? The rules are in
 * sim_model_refuse.c; a refusal they reject fails the command (m_why). */
static bool refused(struct mctx *c, const struct mcmd *cmd) {
    bool in_exec = session_get(c->m, c->session)->exec_pending;
    if (oom_reply(c->reply, c->reply_len)) {
        if (!m_oom_ok(c, cmd, in_exec)) return false;
        c->m->stats.oom++;
        return true;
    }
    uint64_t bound = too_large_bound(c->m, c->reply, c->reply_len);
    if (bound == 0) return false;
    if (!m_too_large_ok(c, cmd, bound, in_exec)) return false;
    c->m->stats.too_large++;
    return true;
}

static bool run_plain(struct mctx *c, const struct mcmd *cmd) {
    if (refused(c, cmd)) return true;
    if (c->failed) return false;
    bool watched = (cmd->flags & MF_WRITE) && !(cmd->flags & MF_NOTOUCH) &&
                   c->m->sessions != NULL;
    if (watched) m_watch_before(c);
    cmd->proc(c);
    if (watched) m_watch_after(c);
    if (!(cmd->flags & MF_LOOSE)) return compare(c);
    bool ok = m_resp3_session(c) ? m_resp3_loose(c, cmd->loose) : cmd->loose(c);
    if (c->failed || !ok) return false;
    c->m->stats.loose++;
    return true;
}

static bool queue_cmd(struct mctx *c, struct msession *s, const struct mcmd *cmd) {
    uint32_t limit = c->m->lim.multi_max_commands;
    if (s->nqueued >= limit) {
        sim_buf_errorf(c->out, "ERR MULTI queue is full (multi-max-commands %u)", limit);
        s->multi_error = true;
        return compare(c);
    }
    if (oom_reply(c->reply, c->reply_len) && m_oom_ok(c, cmd, false)) {
        s->multi_error = true;
        c->m->stats.oom++;
        return true;
    }
    if (m_sub_refused(c)) { /* a container's subcommand is checked as it arrives */
        s->multi_error = true;
        return compare(c);
    }
    queue_push(s, c->argc, c->argv);
    sim_buf_simple(c->out, "QUEUED");
    return compare(c);
}

static bool same_argv(const struct mqueued *q, uint32_t argc, const struct kv_slice *argv) {
    if (q->argc != argc) return false;
    for (uint32_t i = 0; i < argc; i++) {
        if (q->argv[i].len != argv[i].len) return false;
        if (argv[i].len > 0 && memcmp(q->argv[i].p, argv[i].ptr, argv[i].len) != 0) return false;
    }
    return true;
}

/* One of EXEC's queued commands, reported as it runs. */
static bool replay(struct mctx *c, struct msession *s) {
    if (s->replayed >= s->nqueued) {
        m_why(c, "EXEC ran more commands than were queued (%u)", s->nqueued);
        return false;
    }
    const struct mqueued *q = &s->q[s->replayed++];
    if (!same_argv(q, c->argc, c->argv)) {
        m_why(c, "EXEC ran command %u differently from how it was queued", s->replayed);
        return false;
    }
    const struct mcmd *cmd = find_cmd(c->m, c->argv[0]);
    KV_ASSERT(cmd != NULL && arity_ok(cmd, c->argc));
    bool ok = run_plain(c, cmd);
    sim_buf_put(&s->exec_reply, c->reply, c->reply_len);
    return ok;
}

static bool nil_reply(const struct mctx *c) {
    if (c->reply_len == 3 && m_resp3_session(c)) return memcmp(c->reply, "_\r\n", 3) == 0;
    return c->reply_len == 5 && memcmp(c->reply, "*-1\r\n", 5) == 0;
}

/* EXEC of a valid MULTI: the replays ran, or WATCH aborted it (nil). */
static void exec_run(struct mctx *c, struct msession *s) {
    enum m_cas cas = m_watch_verdict(c->m, s, c->now);
    if (s->exec_pending) {
        if (s->replayed != s->nqueued)
            m_why(c, "EXEC ran %u of %u queued commands", s->replayed, s->nqueued);
        sim_buf_array(c->out, s->nqueued);
        sim_buf_put(c->out, s->exec_reply.p, s->exec_reply.len);
    } else if (cas == M_CAS_ABORT || (cas == M_CAS_EITHER && nil_reply(c))) {
        sim_buf_null_array(c->out);
    } else if (nil_reply(c)) {
        m_why(c, "EXEC aborted, but no command wrote to a watched key");
    } else {
        if (s->nqueued > 0) m_why(c, "EXEC replies without running its %u commands", s->nqueued);
        sim_buf_array(c->out, s->nqueued);
    }
}

static void cmd_exec(struct mctx *c) {
    struct msession *s = session_get(c->m, c->session);
    if (!s->multi) {
        sim_buf_error(c->out, "ERR EXEC without MULTI");
        return;
    }
    if (s->multi_error) sim_buf_error(c->out, "EXECABORT Transaction discarded because of "
                                              "previous errors.");
    else exec_run(c, s);
    session_free(s);
    m_watch_clear(s);
}

/* requirepass, not authenticated: refused as Redis's rejectCommand refuses (EXEC
 * discards the transaction and its WATCHes). */
static bool noauth(struct mctx *c, struct msession *s, const struct mcmd *cmd) {
    if (cmd->proc != cmd_exec) {
        sim_buf_error(c->out, "NOAUTH Authentication required.");
        if (s->multi) s->multi_error = true;
        return compare(c);
    }
    sim_buf_error(c->out, "EXECABORT Transaction discarded because of: NOAUTH Authentication "
                          "required.");
    session_free(s);
    m_watch_clear(s);
    return compare(c);
}

/* A command that is not one of EXEC's replays. */
static bool top_level(struct mctx *cp, struct msession *s) {
    struct mctx c = *cp;
    struct sim_model *m = c.m;
    const uint32_t argc = c.argc;
    const struct kv_slice *argv = c.argv;
    struct sim_buf *expected = c.out;
    /* An HTTP request (cross-protocol scripting): Redis closes the client at once,
     * with no reply, whatever state it was in; its MULTI and WATCHes go with it. */
    if (m_opt_eq(argv[0], "post") || m_opt_eq(argv[0], "host:")) {
        session_free(s);
        m_watch_clear(s);
        return compare(&c);
    }
    const struct mcmd *cmd = find_cmd(m, argv[0]);
    if (cmd == NULL && core_only(m, argv[0])) {
        m->stats.unmodeled++;
        return true;
    }
    if (cmd == NULL || !arity_ok(cmd, argc)) {
        if (cmd == NULL) reply_unknown(&c);
        else if (cmd->proc != cmd_exec)
            sim_buf_errorf(expected, "ERR wrong number of arguments for '%s' command", cmd->name);
        if (s->multi) s->multi_error = true;
        if (cmd != NULL && cmd->proc == cmd_exec) { /* Redis: a rejected EXEC aborts */
            sim_buf_error(expected, "EXECABORT Transaction discarded because of: wrong number "
                                    "of arguments for 'exec' command");
            session_free(s);
            m_watch_clear(s);
        }
        return compare(&c);
    }
    if (m_auth_refused(&c, cmd)) return noauth(&c, s, cmd);
    /* Redis's rejectCommand (EXEC aborts); EXEC's own report comes after its queued
     * commands ran: its check was made before they did. */
    if (!s->exec_pending && m_pubsub_refused(&c, cmd->name)) {
        if (s->multi) s->multi_error = true;
        return compare(&c);
    }
    if (s->multi && !(cmd->flags & MF_NOQUEUE)) return queue_cmd(&c, s, cmd);
    return run_plain(&c, cmd);
}

/* One command as kv ran it: CLIENT PAUSE and REPLY's rules around top_level (or
 * EXEC's replays). */
static bool command_inner(struct sim_model *m, uint64_t session, uint32_t argc,
                          const struct kv_slice *argv, int64_t now_ms, const uint8_t *reply,
                          uint32_t reply_len, struct sim_buf *expected, char *why,
                          uint32_t why_cap) {
    KV_ASSERT(argc >= 1 && expected != NULL);
    struct mctx c = {m,   argc, argv,    now_ms,  expected, reply,
                     reply_len, why, why_cap, session, false, false};
    if (why != NULL && why_cap > 0) why[0] = 0;
    expected->len = 0;
    m->stats.commands++;
    m->now = now_ms;
    m->evicted_now = m->evicted_pending;
    m->evicted_pending = 0;
    m->dropped = false;
    struct msession *s = session_get(m, session);
    if (s->exec_pending && !m_eq_nocase(argv[0], "exec")) return replay(&c, s);
    /* CLIENT PAUSE and REPLY (sim_model_client.c): may it run now? reply dropped? */
    const struct mcmd *cmd = find_cmd(m, argv[0]);
    bool valid = cmd != NULL && arity_ok(cmd, argc);
    bool exec = valid && cmd->proc == cmd_exec && s->multi;
    if (!m_client_before(&c, valid && (cmd->flags & MF_WRITE), false)) return false;
    if (!top_level(&c, s)) return false;
    /* kv holds every EXEC that runs its queue under WRITE (Redis: one that writes); one
     * that aborts (EXECABORT, WATCH's nil) may run */
    bool ran = exec && c.reply_len > 0 && c.reply[0] == '*' && !nil_reply(&c);
    if (ran && !m_client_before(&c, false, true)) return false;
    m_client_after(s, m);
    return true;
}

/* Blocked sessions' runs are the block model's (sim_model_block.c); after any other
 * top-level command (EXEC after its replays) the keys it readied are served. Sessions
 * cut while a command's messages were delivered leave its channels after it. */
bool sim_model_command(struct sim_model *m, uint64_t session, uint32_t argc,
                       const struct kv_slice *argv, int64_t now_ms, const uint8_t *reply,
                       uint32_t reply_len, struct sim_buf *expected, char *why,
                       uint32_t why_cap) {
    KV_ASSERT(argc >= 1 && expected != NULL);
    struct mctx c = {m,   argc, argv,    now_ms,  expected, reply,
                     reply_len, why, why_cap, session, false, false};
    if (why != NULL && why_cap > 0) why[0] = 0;
    expected->len = 0;
    m->now = now_ms;
    bool handled = false, ok = true;
    /* EXEC's replays and its own report come before the serves it causes */
    if (!session_get(m, session)->exec_pending) ok = m_block_report(&c, &handled, compare);
    if (handled) { /* a served, timed out or unblocked blocked command's reply */
        m->stats.commands++;
        /* Redis keeps a blocked client's REPLY OFF/SKIP until it is unblocked: its
         * reply is dropped under either, then SKIP ends (resetClient); seed 10 */
        m_client_after(session_get(m, session), m);
        m_pubsub_after_command(m);
        return ok;
    }
    ok = command_inner(m, session, argc, argv, now_ms, reply, reply_len, expected, why,
                       why_cap);
    /* sessions cut while this command's messages were delivered leave after it */
    m_pubsub_after_command(m);
    if (!session_get(m, session)->exec_pending) m_block_serve(m);
    return ok;
}

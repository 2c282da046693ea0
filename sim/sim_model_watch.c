/*
 * sim_model_watch.c: WATCH in the reference model. Rather than predict every
 * touch, the model judges each EXEC of a watching session three ways, per Redis
 * 7.0: it must abort (a watched key visibly changed through a command, was
 * evicted, flushed while live, or expired since it was watched), it must run (no
 * command wrote to any watched key), or either is right (a command wrote to a
 * watched key without a visible change, or a flush found it absent: kv dirties
 * every watcher on FLUSHALL where Redis dirties only those of existing keys).
 * Test code: heap allowed. Invariant: nwatch <= lim.watch_max (kv's watch-max-keys).
 */
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"

void m_watch_clear(struct msession *s) {
    for (uint32_t i = 0; i < s->nwatch; i++) free(s->watch[i].key.p);
    s->nwatch = 0;
    s->cas_abort = false;
    s->cas_maybe = false;
    s->cas_why = NULL;
}

static void must_abort(struct msession *s, const char *why) {
    if (!s->cas_abort) s->cas_why = why;
    s->cas_abort = true;
}

static bool key_eq(const struct mval *k, struct kv_slice s) {
    return k->len == s.len && (s.len == 0 || memcmp(k->p, s.ptr, s.len) == 0);
}

/* Room for n watched keys (the array grows: Redis's own limit is none). */
static void watch_reserve(struct msession *s, uint64_t n) {
    if (n <= s->watch_cap) return;
    uint64_t cap = KV_MAX(n, 2ull * s->watch_cap);
    KV_ASSERT(cap <= UINT32_MAX);
    s->watch = realloc(s->watch, cap * sizeof(struct mwatch));
    KV_ASSERT(s->watch != NULL);
    s->watch_cap = (uint32_t)cap;
}

/* WATCH key [key ...]: kv's limit and errors; Redis's semantics. */
void m_watch_cmd(struct mctx *c, struct msession *s) {
    uint32_t max = c->m->lim.watch_max;
    KV_ASSERT(c->argc >= 2 && s->nwatch <= max);
    if (s->multi) {
        sim_buf_error(c->out, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    if ((uint64_t)s->nwatch + (c->argc - 1) > max) {
        sim_buf_errorf(c->out, "ERR too many watched keys (at most %u per client)", max);
        return;
    }
    watch_reserve(s, s->nwatch + (c->argc - 1));
    for (uint32_t i = 1; i < c->argc; i++) {
        bool dup = false;
        for (uint32_t k = 0; k < s->nwatch && !dup; k++) dup = key_eq(&s->watch[k].key, c->argv[i]);
        if (dup) continue;
        struct mwatch *w = &s->watch[s->nwatch++];
        w->key.p = malloc(c->argv[i].len + 1);
        KV_ASSERT(w->key.p != NULL);
        if (c->argv[i].len > 0) memcpy(w->key.p, c->argv[i].ptr, c->argv[i].len);
        w->key.len = c->argv[i].len;
        w->live = m_lookup(c->m, c->argv[i], c->now) != NULL;
    }
    sim_buf_simple(c->out, "OK");
}

/* Type, TTL and contents of a live key; 0 if it is not live. */
static uint64_t fingerprint(struct sim_model *m, const struct mval *key, int64_t now) {
    struct kv_slice k = {key->p, key->len};
    const struct mentry *e = m_lookup(m, k, now);
    if (e == NULL) return 0;
    uint64_t h = 0xcbf29ce484222325ull ^ e->type;
    h = (h ^ (uint64_t)e->expire_ms) * 0x100000001b3ull;
    for (uint32_t i = 0; i < e->str.len; i++) h = (h ^ e->str.p[i]) * 0x100000001b3ull;
    for (uint64_t j = 0; j < e->list.count; j++) {
        const struct mval *v = m_deque_at(&e->list, j);
        h = (h ^ (v->len + 0x9e37u)) * 0x100000001b3ull;
        for (uint32_t i = 0; i < v->len; i++) h = (h ^ v->p[i]) * 0x100000001b3ull;
    }
    if (m_is_coll(e->type)) h = m_coll_fingerprint(&e->hs, h);
    if (e->type == SIM_MODEL_STREAM) h = m_xs_fingerprint(e->xs, h);
    return h | 1;
}

static bool in_args(const struct mctx *c, const struct mval *key) {
    for (uint32_t i = 1; i < c->argc; i++) {
        if (key_eq(key, c->argv[i])) return true;
    }
    return false;
}

/* Before a write command: fingerprints of the watched keys it names. */
void m_watch_before(struct mctx *c) {
    for (struct msession *s = c->m->sessions; s != NULL; s = s->next) {
        for (uint32_t i = 0; i < s->nwatch; i++) {
            struct mwatch *w = &s->watch[i];
            if (in_args(c, &w->key)) w->fp = fingerprint(c->m, &w->key, c->now);
        }
    }
}

void m_watch_after(struct mctx *c) {
    for (struct msession *s = c->m->sessions; s != NULL; s = s->next) {
        for (uint32_t i = 0; i < s->nwatch; i++) {
            struct mwatch *w = &s->watch[i];
            if (!in_args(c, &w->key)) continue;
            if (fingerprint(c->m, &w->key, c->now) != w->fp)
                must_abort(s, "a command changed a watched key");
            else s->cas_maybe = true;
        }
    }
}

void m_watch_flush(struct sim_model *m, int64_t now) {
    for (struct msession *s = m->sessions; s != NULL; s = s->next) {
        for (uint32_t i = 0; i < s->nwatch; i++) {
            if (fingerprint(m, &s->watch[i].key, now) != 0)
                must_abort(s, "FLUSHALL deleted a watched key");
            else s->cas_maybe = true;
        }
    }
}

/* An eviction touches the key (Redis signals it); of an expired key, who knows
 * (the time is the previous command's: evictions run before the next one). */
void m_watch_evict(struct sim_model *m, const uint8_t *key, uint32_t klen, bool surely_live) {
    struct kv_slice k = {key, klen};
    for (struct msession *s = m->sessions; s != NULL; s = s->next) {
        for (uint32_t i = 0; i < s->nwatch; i++) {
            if (!key_eq(&s->watch[i].key, k)) continue;
            if (surely_live && !m->watch_lenient) must_abort(s, "a watched key was evicted");
            else s->cas_maybe = true;
        }
    }
}

enum m_cas m_watch_verdict(struct sim_model *m, const struct msession *s, int64_t now) {
    bool expired = false;
    for (uint32_t i = 0; i < s->nwatch; i++) {
        const struct mwatch *w = &s->watch[i];
        expired |= w->live && fingerprint(m, &w->key, now) == 0;
    }
    m->cas_why = s->cas_abort ? s->cas_why : expired ? "a watched key expired" : NULL;
    KV_ASSERT(s->nwatch <= m->lim.watch_max);
    if (s->cas_abort || (expired && !m->watch_lenient)) return M_CAS_ABORT;
    return s->cas_maybe || expired ? M_CAS_EITHER : M_CAS_RUN;
}

void sim_model_set_watch_lenient(struct sim_model *m, bool on) { m->watch_lenient = on; }

const char *sim_model_cas_why(const struct sim_model *m) {
    return m->cas_why != NULL ? m->cas_why : "no MULTI, or queueing failed";
}

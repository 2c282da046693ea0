/*
 * sim_model_stream.c: the reference model's stream values: IDs (parse, order, `*`),
 * the nodes Redis 7.0 keeps a stream in and their listpack sizes, append, trim and
 * delete (sim_model_stream.h explains the layout and its invariants). Written from
 * Redis 7.0's documented behaviour and redis-server 7.0.15's observed replies, not
 * from src/. Test code: heap allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_stream.h"

/* ---- IDs ------------------------------------------------------------------ */

int m_xid_cmp(struct m_xid a, struct m_xid b) {
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

bool m_xid_incr(struct m_xid *id) {
    KV_ASSERT(id != NULL);
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms == UINT64_MAX) return false;
    id->ms++;
    id->seq = 0;
    return true;
}

bool m_xid_decr(struct m_xid *id) {
    KV_ASSERT(id != NULL);
    if (id->seq != 0) {
        id->seq--;
        return true;
    }
    if (id->ms == 0) return false;
    id->ms--;
    id->seq = UINT64_MAX;
    return true;
}

struct m_xid m_xid_auto(struct m_xid last, uint64_t now_ms) {
    if (now_ms > last.ms) return (struct m_xid){now_ms, 0};
    struct m_xid id = last;
    bool ok = m_xid_incr(&id);
    KV_ASSERT(ok); /* max-max is refused before */
    return id;
}

/* Redis's string2ull: string2ll's strict form (not negative), else strtoull. */
static bool str2ull(const char *s, uint64_t *out) {
    int64_t ll;
    if (m_str2ll((const uint8_t *)s, (uint32_t)strlen(s), &ll)) {
        if (ll < 0) return false;
        *out = (uint64_t)ll;
        return true;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || s[0] == 0 || *end != 0) return false;
    *out = v;
    return true;
}

bool m_xid_parse(struct kv_slice s, uint64_t missing_seq, bool strict, bool *seq_given,
                 struct m_xid *out) {
    char buf[128];
    if (s.len > sizeof(buf) - 1) return false;
    if (s.len > 0) memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    bool edge = (buf[0] == '-' || buf[0] == '+') && buf[1] == 0;
    if (strict && edge) return false;
    if (seq_given != NULL) *seq_given = true;
    if (edge) {
        uint64_t v = buf[0] == '-' ? 0 : UINT64_MAX;
        *out = (struct m_xid){v, v};
        return true;
    }
    char *dash = strchr(buf, '-');
    if (dash != NULL) *dash = 0;
    uint64_t ms, seq = missing_seq;
    if (!str2ull(buf, &ms)) return false;
    if (dash != NULL && seq_given != NULL && strcmp(dash + 1, "*") == 0) {
        seq = 0;
        *seq_given = false;
    } else if (dash != NULL && !str2ull(dash + 1, &seq)) {
        return false;
    }
    *out = (struct m_xid){ms, seq};
    return true;
}

uint32_t m_xid_fmt(struct m_xid id, char *buf) {
    int n = snprintf(buf, 42, "%llu-%llu", (unsigned long long)id.ms,
                     (unsigned long long)id.seq);
    KV_ASSERT(n > 0 && n < 42);
    return (uint32_t)n;
}

/* ---- listpack sizes ------------------------------------------------------- */

static uint64_t backlen_size(uint64_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    return l < 268435455 ? 4 : 5;
}

uint64_t m_lp_int_size(int64_t v) {
    uint64_t enc = 9;
    if (v >= 0 && v <= 127) enc = 1;
    else if (v >= -4096 && v <= 4095) enc = 2;
    else if (v >= -32768 && v <= 32767) enc = 3;
    else if (v >= -8388608 && v <= 8388607) enc = 4;
    else if (v >= INT32_MIN && v <= INT32_MAX) enc = 5;
    return enc + 1;
}

uint64_t m_lp_str_size(struct kv_slice s) {
    int64_t v;
    if (m_str2ll(s.ptr, s.len, &v)) return m_lp_int_size(v);
    uint64_t enc = s.len <= 63 ? 1 + (uint64_t)s.len
                   : s.len <= 4095 ? 2 + (uint64_t)s.len : 5 + (uint64_t)s.len;
    return enc + backlen_size(enc);
}

static struct kv_slice sl(const struct mval *v) { return (struct kv_slice){v->p, v->len}; }

static uint64_t entry_bytes(const struct mxnode *n, const struct mxent *e) {
    int64_t flags = (e->deleted ? 1 : 0) | (e->same ? 2 : 0);
    uint64_t b = m_lp_int_size(flags) + m_lp_int_size((int64_t)(e->id.ms - n->master.ms)) +
                 m_lp_int_size((int64_t)(e->id.seq - n->master.seq));
    if (!e->same) b += m_lp_int_size(e->nf);
    for (uint32_t i = 0; i < e->nf; i++) {
        if (!e->same) b += m_lp_str_size(sl(&e->fv[2 * i]));
        b += m_lp_str_size(sl(&e->fv[2 * i + 1]));
    }
    int64_t lp_count = (int64_t)e->nf + 3 + (e->same ? 0 : (int64_t)e->nf + 1);
    return b + m_lp_int_size(lp_count);
}

uint64_t m_xs_node_bytes(const struct mxnode *n) {
    KV_ASSERT(n != NULL && n->n > 0);
    uint64_t b = 6 + 1; /* header, end byte */
    b += m_lp_int_size((int64_t)n->live) + m_lp_int_size((int64_t)n->dead);
    b += m_lp_int_size(n->nmf) + m_lp_int_size(0);
    for (uint32_t i = 0; i < n->nmf; i++) b += m_lp_str_size(sl(&n->mf[i]));
    for (uint32_t i = 0; i < n->n; i++) b += entry_bytes(n, &n->e[i]);
    return b;
}

/* ---- the stream ------------------------------------------------------------ */

static struct mval dup(struct kv_slice s) {
    struct mval v = {malloc(s.len + 1), s.len};
    KV_ASSERT(v.p != NULL);
    if (s.len > 0) memcpy(v.p, s.ptr, s.len);
    return v;
}

struct mstream *m_xs_new(void) {
    struct mstream *s = calloc(1, sizeof(*s));
    KV_ASSERT(s != NULL);
    return s;
}

static void node_free(struct mxnode *n) {
    for (uint32_t i = 0; i < n->nmf; i++) free(n->mf[i].p);
    for (uint32_t i = 0; i < n->n; i++) {
        for (uint32_t k = 0; k < 2 * n->e[i].nf; k++) free(n->e[i].fv[k].p);
        free(n->e[i].fv);
    }
    free(n->mf);
    free(n->e);
    memset(n, 0, sizeof(*n));
}

void m_xs_free(struct mstream *s) {
    if (s == NULL) return;
    m_xg_free(s);
    for (uint32_t i = 0; i < s->nn; i++) node_free(&s->node[i]);
    free(s->node);
    free(s);
}

static void node_remove(struct mstream *s, uint32_t i) {
    KV_ASSERT(i < s->nn);
    node_free(&s->node[i]);
    memmove(&s->node[i], &s->node[i + 1], (s->nn - i - 1) * sizeof(*s->node));
    s->nn--;
}

static struct mval *dup_all(const struct mval *v, uint32_t n) {
    struct mval *out = calloc(n + 1, sizeof(*out));
    KV_ASSERT(out != NULL);
    for (uint32_t i = 0; i < n; i++) out[i] = dup(sl(&v[i]));
    return out;
}

struct mstream *m_xs_copy(const struct mstream *s) {
    struct mstream *d = m_xs_new();
    *d = *s;
    m_xg_copy(d, s);
    d->node = calloc(s->ncap + 1, sizeof(*d->node));
    KV_ASSERT(d->node != NULL);
    for (uint32_t i = 0; i < s->nn; i++) {
        const struct mxnode *src = &s->node[i];
        struct mxnode *n = &d->node[i];
        *n = *src;
        n->mf = dup_all(src->mf, src->nmf);
        n->e = calloc(src->cap + 1, sizeof(*n->e));
        KV_ASSERT(n->e != NULL);
        for (uint32_t k = 0; k < src->n; k++) {
            n->e[k] = src->e[k];
            n->e[k].fv = dup_all(src->e[k].fv, 2 * src->e[k].nf);
        }
    }
    return d;
}

static uint64_t mix(uint64_t h, uint64_t x) { return (h ^ x) * 0x100000001b3ull; }

uint64_t m_xs_fingerprint(const struct mstream *s, uint64_t seed) {
    uint64_t h = mix(mix(mix(seed, s->last.ms), s->last.seq), s->length);
    h = mix(mix(mix(h, s->added), s->max_del.ms), s->max_del.seq);
    for (uint32_t i = 0; i < s->nn; i++) {
        for (uint32_t k = 0; k < s->node[i].n; k++) {
            const struct mxent *e = &s->node[i].e[k];
            if (e->deleted) continue;
            h = mix(mix(h, e->id.ms), e->id.seq);
            for (uint32_t j = 0; j < 2 * e->nf; j++) {
                h = mix(h, e->fv[j].len + 0x9e37u);
                for (uint32_t b = 0; b < e->fv[j].len; b++) h = mix(h, e->fv[j].p[b]);
            }
        }
    }
    return h;
}

/* The tail node if the new entry (its field and value bytes: tot) may join it. */
static struct mxnode *tail_for(struct mstream *s, uint64_t tot,
                               const struct m_xnode_limits *lim) {
    if (s->nn == 0) return NULL;
    struct mxnode *t = &s->node[s->nn - 1];
    uint64_t max_bytes = lim->max_bytes;
    if (max_bytes == 0 || max_bytes > (1ull << 30)) max_bytes = 1ull << 30;
    if (m_xs_node_bytes(t) + tot >= max_bytes) return NULL;
    if (lim->max_entries != 0 && t->live + t->dead >= lim->max_entries) return NULL;
    return t;
}

static struct mxnode *node_new(struct mstream *s, struct m_xid id, const struct kv_slice *fv,
                               uint32_t nf) {
    if (s->nn == s->ncap) {
        s->ncap = s->ncap == 0 ? 4 : 2 * s->ncap;
        s->node = realloc(s->node, s->ncap * sizeof(*s->node));
        KV_ASSERT(s->node != NULL);
    }
    struct mxnode *n = &s->node[s->nn++];
    memset(n, 0, sizeof(*n));
    n->master = id;
    n->nmf = nf;
    n->mf = calloc(nf + 1, sizeof(*n->mf));
    KV_ASSERT(n->mf != NULL);
    for (uint32_t i = 0; i < nf; i++) n->mf[i] = dup(fv[2 * i]);
    return n;
}

static bool same_fields(const struct mxnode *n, const struct kv_slice *fv, uint32_t nf) {
    if (nf != n->nmf) return false;
    for (uint32_t i = 0; i < nf; i++) {
        const struct mval *f = &n->mf[i];
        if (f->len != fv[2 * i].len || (f->len > 0 && memcmp(f->p, fv[2 * i].ptr, f->len) != 0))
            return false;
    }
    return true;
}

void m_xs_append(struct mstream *s, struct m_xid id, const struct kv_slice *fv, uint32_t nf,
                 const struct m_xnode_limits *lim) {
    KV_ASSERT(m_xid_cmp(id, s->last) > 0 && nf >= 1);
    uint64_t tot = 0;
    for (uint32_t i = 0; i < 2 * nf; i++) tot += fv[i].len;
    struct mxnode *n = tail_for(s, tot, lim);
    if (n == NULL) n = node_new(s, id, fv, nf);
    if (n->n == n->cap) {
        n->cap = n->cap == 0 ? 4 : 2 * n->cap;
        n->e = realloc(n->e, n->cap * sizeof(*n->e));
        KV_ASSERT(n->e != NULL);
    }
    struct mxent *e = &n->e[n->n++];
    e->id = id;
    e->nf = nf;
    e->deleted = false;
    e->same = same_fields(n, fv, nf);
    e->fv = calloc(2 * nf, sizeof(*e->fv));
    KV_ASSERT(e->fv != NULL);
    for (uint32_t i = 0; i < 2 * nf; i++) e->fv[i] = dup(fv[i]);
    n->live++;
    s->length++;
    s->added++;
    s->last = id;
}

/* Marks entries of node n deleted from its head until the rule stops (exact trim). */
static int64_t trim_inside(struct mstream *s, struct mxnode *n, const struct m_xtrim *t) {
    int64_t deleted = 0;
    for (uint32_t j = 0; j < n->n; j++) {
        struct mxent *e = &n->e[j];
        bool stop = t->strategy == 1 ? s->length <= t->maxlen : m_xid_cmp(e->id, t->minid) >= 0;
        if (stop) break;
        if (e->deleted) continue;
        e->deleted = true;
        n->live--;
        n->dead++;
        s->length--;
        deleted++;
    }
    return deleted;
}

int64_t m_xs_trim(struct mstream *s, const struct m_xtrim *t) {
    KV_ASSERT(t->strategy >= 0 && t->strategy <= 2);
    if (t->strategy == 0) return 0;
    KV_ASSERT(t->limit >= 0);
    int64_t deleted = 0;
    for (uint32_t guard = 0; s->nn > 0 && guard < 1u << 30; guard++) {
        if (t->strategy == 1 && s->length <= t->maxlen) break;
        struct mxnode *n = &s->node[0];
        int64_t entries = (int64_t)n->live;
        if (t->limit != 0 && deleted + entries > t->limit) break;
        bool whole = t->strategy == 1 ? s->length - n->live >= t->maxlen
                                      : m_xid_cmp(n->e[n->n - 1].id, t->minid) < 0;
        if (whole) {
            s->length -= n->live;
            deleted += entries;
            node_remove(s, 0);
            continue;
        }
        if (!t->approx) deleted += trim_inside(s, n, t);
        break;
    }
    KV_ASSERT(deleted >= 0);
    return deleted;
}

bool m_xs_delete(struct mstream *s, struct m_xid id) {
    KV_ASSERT(s != NULL);
    for (uint32_t i = 0; i < s->nn; i++) {
        struct mxnode *n = &s->node[i];
        for (uint32_t k = 0; k < n->n; k++) {
            struct mxent *e = &n->e[k];
            if (e->deleted || m_xid_cmp(e->id, id) != 0) continue;
            s->length--;
            if (m_xid_cmp(id, s->max_del) > 0) s->max_del = id;
            if (n->live == 1) {
                node_remove(s, i);
                return true;
            }
            e->deleted = true;
            n->live--;
            n->dead++;
            return true;
        }
    }
    return false;
}

bool m_xs_last_live(const struct mstream *s, struct m_xid *out) {
    for (uint32_t i = s->nn; i > 0; i--) {
        const struct mxnode *n = &s->node[i - 1];
        for (uint32_t k = n->n; k > 0; k--) {
            if (n->e[k - 1].deleted) continue;
            *out = n->e[k - 1].id;
            return true;
        }
    }
    return false;
}

bool m_xs_first_live(const struct mstream *s, struct m_xid *out) {
    for (uint32_t i = 0; i < s->nn; i++) {
        const struct mxnode *n = &s->node[i];
        for (uint32_t k = 0; k < n->n; k++) {
            if (n->e[k].deleted) continue;
            *out = n->e[k].id;
            return true;
        }
    }
    return false;
}

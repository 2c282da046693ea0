/*
 * sim_model_zset.c: the reference model's sorted sets (the collection, scores, ranges,
 * ZADD and the reads and range commands), written from Redis 7.0's documented and
 * observed behaviour and checked against redis-server 7.0.15 with
 * `kv sim --redis PORT --types=zset`, not from src/. Test code: heap allowed.
 *
 * A sorted set is an mcoll (sim_model_int.h): members in f, each score's double in v,
 * ascending by (score, member). Its order is Redis's in both encodings, so every
 * reply but the random ones is exact. Encodings as Redis 7.0: a listpack until a
 * member longer than zset-max-listpack-value is added or it would hold more than
 * zset-max-listpack-entries, then a skiplist for good; a stored result (ZRANGESTORE,
 * ZUNIONSTORE ...) is a listpack when it fits. A listpack keeps its scores as text,
 * where -0 becomes 0; a skiplist keeps -0. Scores are written as Redis 7.0's
 * addReplyDouble writes them ("%.17g", RESP3 doubles `,`). Invariants: sim_model_zset.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_zset.h"

/* ---- the collection --------------------------------------------------------- */

double z_score(const struct mcoll *z, uint64_t i) {
    double d;
    KV_ASSERT(i < z->count && z->v[i].len == sizeof(d));
    memcpy(&d, z->v[i].p, sizeof(d));
    return d;
}

struct kv_slice z_member(const struct mcoll *z, uint64_t i) {
    KV_ASSERT(i < z->count);
    return (struct kv_slice){z->f[i].p, z->f[i].len};
}

static int cmp_bytes(struct kv_slice a, struct kv_slice b) {
    uint32_t n = KV_MIN(a.len, b.len);
    int r = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;
    if (r != 0) return r;
    return a.len == b.len ? 0 : a.len < b.len ? -1 : 1;
}

bool m_is_coll(uint8_t type) {
    return type == SIM_MODEL_HASH || type == SIM_MODEL_SET || type == SIM_MODEL_ZSET;
}

void z_insert(const struct sim_model *m, struct mcoll *z, struct kv_slice member, double score,
              bool convert) {
    KV_ASSERT(!isnan(score));
    if (convert && z->enc == M_ENC_LISTPACK &&
        (z->count + 1 > m->lim.zset_max_listpack_entries ||
         member.len > m->lim.zset_max_listpack_value))
        z->enc = M_ENC_SKIPLIST;
    if (z->enc == M_ENC_LISTPACK) score += 0.0; /* stored as text: -0 is "0" */
    uint64_t at = 0;
    while (at < z->count) {
        double s = z_score(z, at);
        if (s > score || (s == score && cmp_bytes(z_member(z, at), member) > 0)) break;
        at++;
    }
    struct kv_slice v = {(const uint8_t *)&score, sizeof(score)};
    m_coll_insert(z, at, member, &v);
}

void z_remove(struct mcoll *z, uint64_t i) { m_coll_remove(z, i); }

static uint64_t z_maxlen(const struct mcoll *z) {
    uint64_t n = 0;
    for (uint64_t i = 0; i < z->count; i++) n = KV_MAX(n, (uint64_t)z->f[i].len);
    return n;
}

void z_store(struct mctx *c, struct kv_slice dst, struct mcoll *res) {
    struct mentry *d = m_lookup(c->m, dst, c->now);
    int64_t n = (int64_t)res->count;
    if (d != NULL) m_delete(c->m, d);
    if (n > 0 && res->count <= c->m->lim.zset_max_listpack_entries &&
        z_maxlen(res) <= c->m->lim.zset_max_listpack_value) {
        struct mcoll lp = {0};
        lp.enc = M_ENC_LISTPACK;
        for (uint64_t i = 0; i < res->count; i++)
            z_insert(c->m, &lp, z_member(res, i), z_score(res, i), false);
        m_coll_free(res);
        *res = lp;
    }
    if (n > 0) {
        d = m_add(c->m, dst, SIM_MODEL_ZSET);
        d->hs = *res;
        memset(res, 0, sizeof(*res));
    }
    sim_buf_int(c->out, n);
}

struct mentry *z_lookup(struct mctx *c, struct kv_slice key, bool *bad) {
    struct mentry *e = m_lookup(c->m, key, c->now);
    *bad = e != NULL && e->type != SIM_MODEL_ZSET;
    if (*bad) m_reply_wrongtype(c);
    return *bad ? NULL : e;
}

void z_delete_if_empty(struct mctx *c, struct mentry *e) {
    if (e != NULL && e->hs.count == 0) m_delete(c->m, e);
}

/* A listpack's score as it stores it (ZSCAN answers that text): an integral score
 * within +-2^62 as an integer (Redis's double2ll), else "%.17g". */
static uint32_t lp_text(char *buf, double d) {
    if (d >= -4611686018427387904.0 && d <= 4611686018427387904.0 && d == floor(d))
        return (uint32_t)snprintf(buf, 32, "%lld", (long long)d);
    return z_fmt(buf, d);
}

void m_zset_scan_view(const struct mcoll *z, struct mcoll *out) {
    memset(out, 0, sizeof(*out));
    for (uint64_t i = 0; i < z->count; i++) {
        char buf[40];
        double d = z_score(z, i);
        uint32_t n = z->enc == M_ENC_LISTPACK ? lp_text(buf, d) : z_fmt(buf, d);
        struct kv_slice v = {(const uint8_t *)buf, n};
        m_coll_insert(out, i, z_member(z, i), &v);
    }
    out->enc = z->enc == M_ENC_LISTPACK ? M_ENC_LISTPACK : M_ENC_HT;
}

/* ---- scores and ranges ------------------------------------------------------ */

uint32_t z_fmt(char *buf, double d) {
    KV_ASSERT(!isnan(d));
    if (isinf(d)) {
        strcpy(buf, d > 0 ? "inf" : "-inf");
        return d > 0 ? 3 : 4;
    }
    int n = snprintf(buf, 32, "%.17g", d);
    KV_ASSERT(n > 0 && n < 32);
    return (uint32_t)n;
}

/* The argument as a C string (it ends at its first NUL byte); *full: no NUL in it. */
static char *c_string(struct kv_slice s, bool *full) {
    char *b = malloc(s.len + 1);
    KV_ASSERT(b != NULL);
    if (s.len > 0) memcpy(b, s.ptr, s.len);
    b[s.len] = 0;
    *full = strlen(b) == s.len;
    return b;
}

bool z_parse_score(struct kv_slice s, double *out) {
    bool full;
    char *b = c_string(s, &full), *end;
    errno = 0;
    double d = strtod(b, &end);
    bool ok = full && s.len > 0 && !isspace((unsigned char)b[0]) &&
              (uint64_t)(end - b) == s.len && !isnan(d) &&
              !(errno == ERANGE && (isinf(d) || d == 0));
    free(b);
    *out = d;
    return ok;
}

/* One end of a score range: '(' makes it exclusive; strtod of the C string (leading
 * space and the empty string are 0-valued and fine), no trailing bytes, no NaN. */
static bool range_item(struct kv_slice s, double *v, bool *ex) {
    bool full;
    char *b = c_string(s, &full), *end;
    *ex = b[0] == '(';
    *v = strtod(b + (*ex ? 1 : 0), &end);
    bool ok = end[0] == 0 && !isnan(*v);
    free(b);
    return ok;
}

bool z_parse_range(struct kv_slice min, struct kv_slice max, struct zrange *r) {
    return range_item(min, &r->min, &r->minex) && range_item(max, &r->max, &r->maxex);
}

static bool lex_item(struct kv_slice s, struct kv_slice *v, int8_t *special, bool *ex) {
    *special = 0;
    *ex = false;
    if (s.len == 0) return false;
    if (s.ptr[0] == '+' || s.ptr[0] == '-') {
        *special = s.ptr[0] == '+' ? 1 : -1;
        *ex = true;
        return s.len == 1 || s.ptr[1] == 0;
    }
    if (s.ptr[0] != '(' && s.ptr[0] != '[') return false;
    *ex = s.ptr[0] == '(';
    *v = (struct kv_slice){s.ptr + 1, s.len - 1};
    return true;
}

bool z_parse_lex(struct kv_slice min, struct kv_slice max, struct zlex *r) {
    return lex_item(min, &r->min, &r->mins, &r->minex) &&
           lex_item(max, &r->max, &r->maxs, &r->maxex);
}

bool z_in_range(const struct zrange *r, double s) {
    bool lo = r->minex ? s > r->min : s >= r->min;
    bool hi = r->maxex ? s < r->max : s <= r->max;
    return lo && hi;
}

bool z_in_lex(const struct zlex *r, struct kv_slice m) {
    bool lo = r->mins < 0 || (r->mins == 0 && (r->minex ? cmp_bytes(m, r->min) > 0
                                                        : cmp_bytes(m, r->min) >= 0));
    bool hi = r->maxs > 0 || (r->maxs == 0 && (r->maxex ? cmp_bytes(m, r->max) < 0
                                                        : cmp_bytes(m, r->max) <= 0));
    return lo && hi;
}

/* ---- replies ---------------------------------------------------------------- */

void z_emit_score(struct mctx *c, double d) {
    char buf[40];
    uint32_t n = z_fmt(buf, d);
    if (!m_resp3_session(c)) {
        sim_buf_bulk(c->out, buf, n);
        return;
    }
    sim_buf_put(c->out, ",", 1);
    sim_buf_put(c->out, buf, n);
    sim_buf_put(c->out, "\r\n", 2);
}

void z_emit_header(struct mctx *c, uint64_t n, bool withscores) {
    sim_buf_array(c->out, withscores && !m_resp3_session(c) ? 2 * n : n);
}

void z_emit_pair(struct mctx *c, struct kv_slice member, double score, bool withscores) {
    if (withscores && m_resp3_session(c)) sim_buf_array(c->out, 2);
    sim_buf_bulk(c->out, member.ptr, member.len);
    if (withscores) z_emit_score(c, score);
}

/* ---- ZADD ZINCRBY ----------------------------------------------------------- */

struct zadd_opts {
    bool nx, xx, gt, lt, ch, incr;
};

/* The flags after the key; returns the index of the first score. */
static uint32_t zadd_flags(const struct mctx *c, struct zadd_opts *o) {
    uint32_t i = 2;
    for (; i < c->argc; i++) {
        struct kv_slice a = c->argv[i];
        if (m_opt_eq(a, "nx")) o->nx = true;
        else if (m_opt_eq(a, "xx")) o->xx = true;
        else if (m_opt_eq(a, "gt")) o->gt = true;
        else if (m_opt_eq(a, "lt")) o->lt = true;
        else if (m_opt_eq(a, "ch")) o->ch = true;
        else if (m_opt_eq(a, "incr")) o->incr = true;
        else break;
    }
    return i;
}

/* The arguments' errors, in Redis's order; scores parsed into *scores (heap). */
static bool zadd_check(struct mctx *c, const struct zadd_opts *o, uint32_t at,
                       double **scores) {
    uint32_t n = c->argc - at;
    *scores = NULL;
    if (n % 2 != 0 || n == 0) m_reply_syntax(c);
    else if (o->nx && o->xx)
        sim_buf_error(c->out, "ERR XX and NX options at the same time are not compatible");
    else if ((o->gt && o->nx) || (o->lt && o->nx) || (o->gt && o->lt))
        sim_buf_error(c->out, "ERR GT, LT, and/or NX options at the same time are not "
                              "compatible");
    else if (o->incr && n > 2)
        sim_buf_error(c->out, "ERR INCR option supports a single increment-element pair");
    if (c->out->len > 0) return false;
    *scores = calloc(n / 2 + 1, sizeof(double));
    KV_ASSERT(*scores != NULL);
    for (uint32_t j = 0; j < n / 2; j++) {
        if (!z_parse_score(c->argv[at + 2 * j], &(*scores)[j])) {
            sim_buf_error(c->out, "ERR value is not a valid float");
            return false;
        }
    }
    return true;
}

/* zsetAdd for one pair: 0 nothing done, 1 added, 2 updated, 3 processed unchanged,
 * -1 NaN. *newscore is the score it has now. */
static int zadd_one(struct mctx *c, struct mcoll *z, const struct zadd_opts *o,
                    struct kv_slice member, double score, double *newscore) {
    int64_t i = m_coll_find(z, member);
    if (i < 0) {
        if (o->xx) return 0;
        z_insert(c->m, z, member, score, true);
        *newscore = score;
        return 1;
    }
    if (o->nx) return 0;
    double cur = z_score(z, (uint64_t)i);
    if (o->incr) score += cur;
    if (o->incr && isnan(score)) return -1;
    if ((o->lt && score >= cur) || (o->gt && score <= cur)) return 0;
    *newscore = score;
    if (score == cur) return 3;
    z_remove(z, (uint64_t)i);
    z_insert(c->m, z, member, score, false);
    return 2;
}

static void zadd_generic(struct mctx *c, bool incr) {
    struct zadd_opts o = {0};
    uint32_t at = zadd_flags(c, &o);
    o.incr |= incr;
    double *scores, newscore = 0;
    bool bad;
    struct mentry *e = NULL;
    if (zadd_check(c, &o, at, &scores)) e = z_lookup(c, c->argv[1], &bad);
    if (c->out->len > 0) {
        free(scores);
        return;
    }
    int64_t added = 0, updated = 0, processed = 0;
    if (e == NULL && !o.xx) {
        e = m_add(c->m, c->argv[1], SIM_MODEL_ZSET);
        e->hs.enc = M_ENC_LISTPACK;
    }
    for (uint32_t j = 0; e != NULL && at + 2 * j + 1 < c->argc; j++) {
        int r = zadd_one(c, &e->hs, &o, c->argv[at + 2 * j + 1], scores[j], &newscore);
        if (r < 0) {
            sim_buf_error(c->out, "ERR resulting score is not a number (NaN)");
            break;
        }
        added += r == 1;
        updated += r == 2;
        processed += r != 0;
    }
    z_delete_if_empty(c, e);
    free(scores);
    if (c->out->len > 0) return;
    if (!o.incr) sim_buf_int(c->out, o.ch ? added + updated : added);
    else if (processed > 0) z_emit_score(c, newscore);
    else sim_buf_null(c->out);
}

static void cmd_zadd(struct mctx *c) { zadd_generic(c, false); }
static void cmd_zincrby(struct mctx *c) { zadd_generic(c, true); }

/* ---- reads ------------------------------------------------------------------ */

static void cmd_zcard(struct mctx *c) {
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (!bad) sim_buf_int(c->out, e == NULL ? 0 : (int64_t)e->hs.count);
}

static void emit_score_of(struct mctx *c, const struct mentry *e, struct kv_slice member) {
    int64_t i = e == NULL ? -1 : m_coll_find(&e->hs, member);
    if (i < 0) sim_buf_null(c->out);
    else z_emit_score(c, z_score(&e->hs, (uint64_t)i));
}

static void cmd_zscore(struct mctx *c) {
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (!bad) emit_score_of(c, e, c->argv[2]);
}

static void cmd_zmscore(struct mctx *c) {
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    sim_buf_array(c->out, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++) emit_score_of(c, e, c->argv[i]);
}

static void cmd_zrem(struct mctx *c) {
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    int64_t n = 0;
    for (uint32_t i = 2; e != NULL && i < c->argc; i++) {
        int64_t k = m_coll_find(&e->hs, c->argv[i]);
        if (k < 0) continue;
        z_remove(&e->hs, (uint64_t)k);
        n++;
    }
    z_delete_if_empty(c, e);
    sim_buf_int(c->out, n);
}

/* ZRANK ZREVRANK. */
static void cmd_zrank(struct mctx *c) {
    bool rev = c->argv[0].len == 8; /* ZREVRANK */
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    int64_t i = e == NULL ? -1 : m_coll_find(&e->hs, c->argv[2]);
    if (i < 0) sim_buf_null(c->out);
    else sim_buf_int(c->out, rev ? (int64_t)e->hs.count - 1 - i : i);
}

static uint64_t *lex_candidates(const struct mcoll *z, const struct zlex *l, bool rev,
                                bool check, uint64_t *n);

/* ZLEXCOUNT: a listpack counts its walk from its start; a skiplist counts from its
 * first start to its last (searched apart: ranks, last - first + 1). */
static int64_t lexcount(const struct mctx *c, const struct mcoll *z, const struct zlex *l) {
    uint64_t nf, nl, *f = lex_candidates(z, l, false, true, &nf);
    uint64_t *b = lex_candidates(z, l, true, true, &nl);
    int64_t n = 0, got = 0;
    bool known = c->reply_len > 0 && c->reply[0] == ':' &&
                 m_str2ll(c->reply + 1, c->reply_len - 3, &got);
    for (uint64_t i = 0; i < nf; i++) {
        bool in = z_in_lex(l, z_member(z, f[i]));
        n = 0;
        struct zlex hi = *l;
        hi.mins = -1;
        for (uint64_t k = f[i]; z->enc == M_ENC_LISTPACK && k < z->count; k++) {
            if (!z_in_lex(&hi, z_member(z, k))) break;
            n++;
        }
        for (uint64_t j = 0; z->enc != M_ENC_LISTPACK && in && j < nl; j++) {
            bool last_in = z_in_lex(l, z_member(z, b[j]));
            n = last_in ? (int64_t)b[j] - (int64_t)f[i] + 1 : (int64_t)(z->count - f[i]);
            if (known && n == got) break;
        }
        if (!in) n = 0;
        if (known && n == got) break;
    }
    free(f);
    free(b);
    return n;
}

/* ZCOUNT ZLEXCOUNT. */
static void cmd_zcount(struct mctx *c) {
    bool lex = c->argv[0].len > 1 && (c->argv[0].ptr[1] | 0x20) == 'l';
    struct zrange r;
    struct zlex l;
    if (lex ? !z_parse_lex(c->argv[2], c->argv[3], &l)
            : !z_parse_range(c->argv[2], c->argv[3], &r)) {
        sim_buf_error(c->out, lex ? "ERR min or max not valid string range item"
                                  : "ERR min or max is not a float");
        return;
    }
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    int64_t n = 0;
    for (uint64_t i = 0; !lex && e != NULL && i < e->hs.count; i++)
        n += z_in_range(&r, z_score(&e->hs, i));
    if (lex && e != NULL) n = lexcount(c, &e->hs, &l);
    sim_buf_int(c->out, n);
}

static void cmd_zscan(struct mctx *c) { m_coll_scan(c, SIM_MODEL_ZSET); }

/* ---- ZRANGE and its family ---------------------------------------------------- */

enum zr_type { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum zr_dir { ZD_AUTO, ZD_FWD, ZD_REV };

struct zr_args {
    enum zr_type type;
    enum zr_dir dir;
    bool withscores, store;
    int64_t start, end, offset, limit;
    struct zrange r;
    struct zlex l;
};

/* Step 1: the options after <src> <min> <max>. */
static bool zr_options(struct mctx *c, uint32_t first, struct zr_args *a) {
    for (uint32_t j = first + 3; j < c->argc; j++) {
        uint32_t left = c->argc - j - 1;
        struct kv_slice o = c->argv[j];
        if (!a->store && m_opt_eq(o, "withscores")) {
            a->withscores = true;
        } else if (m_opt_eq(o, "limit") && left >= 2) {
            if (!m_str2ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &a->offset) ||
                !m_str2ll(c->argv[j + 2].ptr, c->argv[j + 2].len, &a->limit)) {
                m_reply_not_int(c);
                return false;
            }
            j += 2;
        } else if (a->dir == ZD_AUTO && m_opt_eq(o, "rev")) {
            a->dir = ZD_REV;
        } else if (a->type == ZR_AUTO && m_opt_eq(o, "bylex")) {
            a->type = ZR_LEX;
        } else if (a->type == ZR_AUTO && m_opt_eq(o, "byscore")) {
            a->type = ZR_SCORE;
        } else {
            m_reply_syntax(c);
            return false;
        }
    }
    return true;
}

/* Steps 1-2: options, conflicts and the range (false: the error is written). */
static bool zr_parse(struct mctx *c, uint32_t first, struct zr_args *a) {
    if (!zr_options(c, first, a)) return false;
    if (a->dir == ZD_AUTO) a->dir = ZD_FWD;
    if (a->type == ZR_AUTO) a->type = ZR_RANK;
    if (a->limit != -1 && a->type == ZR_RANK) {
        sim_buf_error(c->out, "ERR syntax error, LIMIT is only supported in combination with "
                              "either BYSCORE or BYLEX");
        return false;
    }
    if (a->withscores && a->type == ZR_LEX) {
        sim_buf_error(c->out, "ERR syntax error, WITHSCORES not supported in combination "
                              "with BYLEX");
        return false;
    }
    bool swap = a->dir == ZD_REV && a->type != ZR_RANK;
    struct kv_slice lo = c->argv[first + (swap ? 2 : 1)], hi = c->argv[first + (swap ? 1 : 2)];
    if (a->type == ZR_RANK) {
        if (m_str2ll(lo.ptr, lo.len, &a->start) && m_str2ll(hi.ptr, hi.len, &a->end))
            return true;
        m_reply_not_int(c);
    } else if (a->type == ZR_SCORE) {
        if (z_parse_range(lo, hi, &a->r)) return true;
        sim_buf_error(c->out, "ERR min or max is not a float");
    } else {
        if (z_parse_lex(lo, hi, &a->l)) return true;
        sim_buf_error(c->out, "ERR min or max not valid string range item");
    }
    return false;
}

/* ---- lex walks ---------------------------------------------------------------- */

/*
 * Redis's lex commands assume equal scores: they walk from a start while members stay
 * in the range. With mixed scores the start depends on the encoding: a listpack's walk
 * starts at the first member >= min (the last <= max, reversed); a skiplist's search
 * may stop at any boundary (a member in range after one that is not), by its random
 * levels. The starts a walk may take, ascending (heap); `check`: Redis's first test
 * that the range meets the set at its ends (the delete of a skiplist has none, and may
 * then start past the end: index count).
 */
static uint64_t lex_starts(const struct mcoll *z, const struct zlex *l, bool rev, bool check,
                           uint64_t **st) {
    uint64_t len = z->count, n = 0;
    *st = calloc(len + 2, sizeof(**st));
    KV_ASSERT(*st != NULL && len > 0);
    bool *gte = calloc(len + 1, 1), *lte = calloc(len + 1, 1);
    KV_ASSERT(gte != NULL && lte != NULL);
    for (uint64_t i = 0; i < len; i++) {
        struct zlex lo = *l, hi = *l;
        lo.maxs = 1;
        hi.mins = -1;
        gte[i] = z_in_lex(&lo, z_member(z, i));
        lte[i] = z_in_lex(&hi, z_member(z, i));
    }
    if (!check || (gte[len - 1] && lte[0])) {
        for (uint64_t i = 0; i < len; i++) {
            bool edge = rev ? lte[i] && (i + 1 == len || !lte[i + 1])
                            : gte[i] && (i == 0 || !gte[i - 1]);
            if (edge) (*st)[n++] = i;
        }
        if (!check && !gte[len - 1]) (*st)[n++] = len;
    }
    free(gte);
    free(lte);
    return n;
}

/* The listpack's start, or every start of a skiplist (*n of them, heap). */
static uint64_t *lex_candidates(const struct mcoll *z, const struct zlex *l, bool rev,
                                bool check, uint64_t *n) {
    uint64_t *st;
    *n = lex_starts(z, l, rev, check, &st);
    if (z->enc == M_ENC_LISTPACK && *n > 1) {
        st[0] = rev ? st[*n - 1] : st[0];
        *n = 1;
    }
    return st;
}

static bool reply_equals(const struct mctx *c, const struct sim_buf *b) {
    return b->len == c->reply_len && memcmp(b->p, c->reply, b->len) == 0;
}

/* A lex walk from `start` (in walk order): LIMIT's offset skips members whatever
 * they are, then members are taken while they stay <= max (>= min, reversed). */
static uint64_t *lex_walk(const struct mcoll *z, const struct zr_args *a, uint64_t start,
                          uint64_t *idx, uint64_t *n) {
    bool rev = a->dir == ZD_REV;
    struct zlex end = a->l;
    if (rev) end.maxs = 1;
    else end.mins = -1;
    int64_t take = a->limit;
    uint64_t len = z->count, k = (rev ? len - 1 - start : start) + (uint64_t)a->offset;
    for (; k < len && take != 0; k++) {
        uint64_t i = rev ? len - 1 - k : k;
        if (!z_in_lex(&end, z_member(z, i))) break;
        idx[(*n)++] = i;
        if (take > 0) take--;
    }
    return idx;
}

/* The indexes of the range's members in reply order (heap); their count in *n; a lex
 * range's walk starts at `start`. */
static uint64_t *zr_select(const struct mcoll *z, const struct zr_args *a, uint64_t start,
                           uint64_t *n) {
    uint64_t len = z->count, *idx = calloc(len + 1, sizeof(*idx));
    KV_ASSERT(idx != NULL);
    *n = 0;
    if (a->type == ZR_RANK) {
        int64_t s = a->start < 0 ? (int64_t)len + a->start : a->start;
        int64_t e = a->end < 0 ? (int64_t)len + a->end : a->end;
        if (s < 0) s = 0;
        if (s > e || s >= (int64_t)len) return idx;
        if (e >= (int64_t)len) e = (int64_t)len - 1;
        for (int64_t r = s; r <= e; r++)
            idx[(*n)++] = a->dir == ZD_REV ? len - 1 - (uint64_t)r : (uint64_t)r;
        return idx;
    }
    if (a->offset < 0 || (a->offset > 0 && (uint64_t)a->offset >= len)) return idx;
    int64_t skip = a->offset, take = a->limit;
    if (a->type == ZR_LEX) return lex_walk(z, a, start, idx, n);
    for (uint64_t k = 0; k < len && take != 0; k++) {
        uint64_t i = a->dir == ZD_REV ? len - 1 - k : k;
        if (!z_in_range(&a->r, z_score(z, i))) continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        idx[(*n)++] = i;
        if (take > 0) take--;
    }
    return idx;
}

/* The range's reply (or the size stored: the store itself comes later). */
static void zr_emit(struct mctx *c, const struct mcoll *z, const struct zr_args *a,
                    uint64_t start, bool store) {
    uint64_t n, *idx = zr_select(z, a, start, &n);
    if (store) sim_buf_int(c->out, (int64_t)n);
    else z_emit_header(c, n, a->withscores);
    for (uint64_t k = 0; !store && k < n; k++)
        z_emit_pair(c, z_member(z, idx[k]), z_score(z, idx[k]), a->withscores);
    free(idx);
}

/* ZRANGESTORE: the range from the chosen start stored under argv[1]. */
static void zr_store(struct mctx *c, struct kv_slice src, const struct zr_args *a,
                     uint64_t start) {
    struct mentry *e = m_lookup(c->m, src, c->now);
    uint64_t n, *idx = zr_select(&e->hs, a, start, &n);
    struct mcoll res = {0};
    res.enc = M_ENC_SKIPLIST;
    for (uint64_t k = 0; k < n; k++)
        z_insert(c->m, &res, z_member(&e->hs, idx[k]), z_score(&e->hs, idx[k]), false);
    free(idx);
    c->out->len = 0;
    z_store(c, c->argv[1], &res);
    m_coll_free(&res);
}

/* zrangeGenericCommand: the key at argv[first]; ZRANGESTORE's destination at 1. */
static void zr_generic(struct mctx *c, uint32_t first, bool store, enum zr_type type,
                       enum zr_dir dir) {
    struct zr_args a = {.type = type, .dir = dir, .store = store, .limit = -1};
    if (!zr_parse(c, first, &a)) return;
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[first], &bad);
    if (bad) return;
    struct mcoll res = {0};
    res.enc = M_ENC_SKIPLIST;
    if (e == NULL) {
        if (store) z_store(c, c->argv[1], &res);
        else sim_buf_array(c->out, 0);
        return;
    }
    uint64_t ns = 1, *st = NULL, start = 0;
    if (a.type == ZR_LEX) st = lex_candidates(&e->hs, &a.l, a.dir == ZD_REV, true, &ns);
    for (uint64_t k = 0; k < ns; k++) { /* the first start whose reply the core gave */
        start = st != NULL ? st[k] : 0;
        c->out->len = 0;
        zr_emit(c, &e->hs, &a, start, store);
        if (ns == 1 || reply_equals(c, c->out)) break;
    }
    c->out->len = 0; /* no start: nothing in range */
    if (store && ns > 0) zr_store(c, c->argv[first], &a, start);
    else if (store) z_store(c, c->argv[1], &res);
    else if (ns > 0) zr_emit(c, &e->hs, &a, start, false);
    else sim_buf_array(c->out, 0);
    free(st);
}

static void cmd_zrange(struct mctx *c) { zr_generic(c, 1, false, ZR_AUTO, ZD_AUTO); }
static void cmd_zrangestore(struct mctx *c) { zr_generic(c, 2, true, ZR_AUTO, ZD_AUTO); }
static void cmd_zrevrange(struct mctx *c) { zr_generic(c, 1, false, ZR_RANK, ZD_REV); }
static void cmd_zrangebyscore(struct mctx *c) { zr_generic(c, 1, false, ZR_SCORE, ZD_FWD); }
static void cmd_zrevrangebyscore(struct mctx *c) { zr_generic(c, 1, false, ZR_SCORE, ZD_REV); }
static void cmd_zrangebylex(struct mctx *c) { zr_generic(c, 1, false, ZR_LEX, ZD_FWD); }
static void cmd_zrevrangebylex(struct mctx *c) { zr_generic(c, 1, false, ZR_LEX, ZD_REV); }

/* ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX. */
static void cmd_zremrange(struct mctx *c) {
    uint8_t k = c->argv[0].len > 11 ? (uint8_t)(c->argv[0].ptr[11] | 0x20) : 0;
    struct zr_args a = {.type = k == 'r' ? ZR_RANK : k == 's' ? ZR_SCORE : ZR_LEX,
                        .dir = ZD_FWD, .limit = -1};
    if (!zr_parse(c, 1, &a)) return;
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_int(c->out, 0);
        return;
    }
    /* a lex delete: a listpack's walk checks the ends first, a skiplist's does not */
    uint64_t ns = 1, *st = NULL, start = 0, n = 0, *idx = NULL;
    if (a.type == ZR_LEX)
        st = lex_candidates(&e->hs, &a.l, false, e->hs.enc == M_ENC_LISTPACK, &ns);
    for (uint64_t j = 0; j < ns; j++) { /* the first start that removes the core's count */
        start = st != NULL ? st[j] : 0;
        free(idx);
        idx = zr_select(&e->hs, &a, start, &n);
        c->out->len = 0;
        sim_buf_int(c->out, (int64_t)n);
        if (reply_equals(c, c->out)) break;
    }
    if (ns == 0) sim_buf_int(c->out, 0);
    for (uint64_t j = n; j > 0; j--) z_remove(&e->hs, idx[j - 1]); /* ascending indexes */
    free(idx);
    free(st);
    z_delete_if_empty(c, e);
}

static const struct mcmd cmds[] = {
    {"zadd", -4, MF_WRITE | MF_DENYOOM, cmd_zadd, NULL},
    {"zincrby", 4, MF_WRITE | MF_DENYOOM, cmd_zincrby, NULL},
    {"zcard", 2, MF_READONLY, cmd_zcard, NULL},
    {"zscore", 3, MF_READONLY, cmd_zscore, NULL},
    {"zmscore", -3, MF_READONLY, cmd_zmscore, NULL},
    {"zrem", -3, MF_WRITE, cmd_zrem, NULL},
    {"zrank", 3, MF_READONLY, cmd_zrank, NULL},
    {"zrevrank", 3, MF_READONLY, cmd_zrank, NULL},
    {"zcount", 4, MF_READONLY, cmd_zcount, NULL},
    {"zlexcount", 4, MF_READONLY, cmd_zcount, NULL},
    {"zrange", -4, MF_READONLY, cmd_zrange, NULL},
    {"zrangestore", -5, MF_WRITE | MF_DENYOOM, cmd_zrangestore, NULL},
    {"zrevrange", -4, MF_READONLY, cmd_zrevrange, NULL},
    {"zrangebyscore", -4, MF_READONLY, cmd_zrangebyscore, NULL},
    {"zrevrangebyscore", -4, MF_READONLY, cmd_zrevrangebyscore, NULL},
    {"zrangebylex", -4, MF_READONLY, cmd_zrangebylex, NULL},
    {"zrevrangebylex", -4, MF_READONLY, cmd_zrevrangebylex, NULL},
    {"zremrangebyrank", 4, MF_WRITE, cmd_zremrange, NULL},
    {"zremrangebyscore", 4, MF_WRITE, cmd_zremrange, NULL},
    {"zremrangebylex", 4, MF_WRITE, cmd_zremrange, NULL},
    {"zscan", -3, MF_READONLY, cmd_zscan, NULL},
};

const struct mcmd_table sim_model_cmds_zset = {cmds, KV_ARRAY_LEN(cmds)};

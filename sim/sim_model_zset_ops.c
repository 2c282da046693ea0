/*
 * sim_model_zset_ops.c: the reference model's sorted-set pops (ZPOPMIN ZPOPMAX
 * ZMPOP), random members (ZRANDMEMBER) and set operations (ZUNION ZINTER ZDIFF,
 * their STORE forms, ZINTERCARD), written from Redis 7.0's documented and observed
 * behaviour and checked against redis-server 7.0.15, not from src/. Test code: heap.
 *
 * Set operations take sorted sets and sets (a set member's score is 1) and, as Redis
 * does, visit ZUNION's and ZINTER's inputs from the smallest to the largest (a
 * stable order among equals), weight each score (NaN becomes 0 for the first
 * value of a member) and aggregate (SUM: NaN becomes 0; MIN/MAX keep the current
 * score against NaN). ZDIFF keeps the first input's scores. Random replies are
 * checked for what is certain: the count, members of the set with their scores,
 * distinct for a positive count, the whole set (in any order: Redis's is not the
 * set's) for a count at least its size. Invariants: sim_model_zset.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_zset.h"

/* ---- ZPOPMIN ZPOPMAX ZMPOP -------------------------------------------------- */

/* Pops up to count members of e (min or max first) into the reply; nested: each
 * member and score a pair (RESP3 with a count, ZMPOP always). */
static void pop_some(struct mctx *c, struct mentry *e, bool max, int64_t count, bool nested) {
    uint64_t n = KV_MIN((uint64_t)count, e->hs.count);
    KV_ASSERT(n > 0);
    sim_buf_array(c->out, nested ? n : 2 * n);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = max ? e->hs.count - 1 : 0;
        if (nested) sim_buf_array(c->out, 2);
        struct kv_slice m = z_member(&e->hs, i);
        sim_buf_bulk(c->out, m.ptr, m.len);
        z_emit_score(c, z_score(&e->hs, i));
        z_remove(&e->hs, i);
    }
    z_delete_if_empty(c, e);
}

static void cmd_zpop(struct mctx *c) {
    bool max = c->argv[0].len > 5 && (c->argv[0].ptr[5] | 0x20) == 'a';
    int64_t count = -1;
    if (c->argc > 3) {
        m_reply_syntax(c);
        return;
    }
    if (c->argc == 3 && (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &count) || count < 0)) {
        sim_buf_error(c->out, "ERR value is out of range, must be positive");
        return;
    }
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL || count == 0) sim_buf_array(c->out, 0);
    else pop_some(c, e, max, count < 0 ? 1 : count, count >= 0 && m_resp3_session(c));
}

/* A positive count argument (1..LONG_MAX), else `msg`. */
static bool positive(struct mctx *c, struct kv_slice s, int64_t *v, const char *msg) {
    if (m_str2ll(s.ptr, s.len, v) && *v >= 1) return true;
    sim_buf_error(c->out, msg);
    return false;
}

static void cmd_zmpop(struct mctx *c) {
    int64_t numkeys, count = -1;
    if (!positive(c, c->argv[1], &numkeys, "ERR numkeys should be greater than 0")) return;
    if (numkeys > (int64_t)c->argc) { /* where_idx past the arguments */
        m_reply_syntax(c);
        return;
    }
    uint32_t where = 2 + (uint32_t)numkeys;
    bool min = where < c->argc && m_opt_eq(c->argv[where], "min");
    if (where >= c->argc || (!min && !m_opt_eq(c->argv[where], "max"))) {
        m_reply_syntax(c);
        return;
    }
    for (uint32_t j = where + 1; j < c->argc; j++) {
        if (count == -1 && m_opt_eq(c->argv[j], "count") && j + 1 < c->argc) {
            j++;
            if (!positive(c, c->argv[j], &count, "ERR count should be greater than 0")) return;
        } else {
            m_reply_syntax(c);
            return;
        }
    }
    for (uint32_t k = 2; k < where; k++) {
        bool bad;
        struct mentry *e = z_lookup(c, c->argv[k], &bad);
        if (bad) return;
        if (e == NULL) continue;
        sim_buf_array(c->out, 2);
        sim_buf_bulk(c->out, c->argv[k].ptr, c->argv[k].len);
        pop_some(c, e, !min, count < 0 ? 1 : count, true);
        return;
    }
    sim_buf_null_array(c->out);
}

/* ---- ZRANDMEMBER ------------------------------------------------------------ */

/* The core's reply's bulk strings and doubles, flat (heap); false for anything else. */
static bool reply_leaves(const struct mctx *c, struct kv_slice **out, uint64_t *n) {
    *out = calloc(c->reply_len / 3 + 1, sizeof(**out));
    KV_ASSERT(*out != NULL);
    *n = 0;
    uint32_t pos = 0;
    for (uint32_t guard = 0; pos < c->reply_len && guard < c->reply_len; guard++) {
        const uint8_t *p = c->reply + pos;
        uint32_t end = pos + 1;
        while (end + 1 < c->reply_len && c->reply[end] != '\r') end++;
        int64_t v = 0;
        if (end + 1 >= c->reply_len) return false;
        if (p[0] == ',') {
            (*out)[(*n)++] = (struct kv_slice){p + 1, end - pos - 1};
            pos = end + 2;
            continue;
        }
        if (!m_str2ll(p + 1, end - pos - 1, &v) || v < 0) return false;
        if (p[0] == '*') {
            pos = end + 2;
            continue;
        }
        if (p[0] != '$' || (uint64_t)end + 2 + (uint64_t)v + 2 > c->reply_len) return false;
        (*out)[(*n)++] = (struct kv_slice){c->reply + end + 2, (uint32_t)v};
        pos = end + 2 + (uint32_t)v + 2;
    }
    return pos == c->reply_len;
}

static bool same_text(struct kv_slice a, const char *b, uint32_t n) {
    return a.len == n && memcmp(a.ptr, b, n) == 0;
}

/* The core's `count` random picks: members of z with their scores, distinct if
 * asked; the reply is written back in the model's form from them. */
static void random_picks(struct mctx *c, const struct mcoll *z, uint64_t count, bool scores,
                         bool distinct) {
    struct kv_slice *got;
    uint64_t n, step = scores ? 2 : 1;
    bool ok = reply_leaves(c, &got, &n) && n == count * step;
    bool *seen = calloc(z->count + 1, 1);
    KV_ASSERT(seen != NULL);
    for (uint64_t i = 0; ok && i < n; i += step) {
        int64_t k = m_coll_find(z, got[i]);
        char buf[40];
        ok = k >= 0 && !(distinct && seen[k]) &&
             (!scores || same_text(got[i + 1], buf, z_fmt(buf, z_score(z, (uint64_t)k))));
        if (ok) seen[k] = true;
    }
    if (!ok) {
        m_why(c, "ZRANDMEMBER: expected %llu %smembers of the set with their scores",
              (unsigned long long)count, distinct ? "distinct " : "");
    } else {
        z_emit_header(c, count, scores);
        for (uint64_t i = 0; i < n; i += step) {
            int64_t k = m_coll_find(z, got[i]);
            z_emit_pair(c, got[i], z_score(z, (uint64_t)k), scores);
        }
    }
    free(seen);
    free(got);
}

static void zrandmember_one(struct mctx *c) {
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_null(c->out);
        return;
    }
    struct kv_slice *got;
    uint64_t n;
    if (c->reply_len > 0 && c->reply[0] == '$' && reply_leaves(c, &got, &n) && n == 1 &&
        m_coll_find(&e->hs, got[0]) >= 0)
        sim_buf_bulk(c->out, got[0].ptr, got[0].len);
    else m_why(c, "ZRANDMEMBER: expected one member of the set");
    free(got);
}

static void cmd_zrandmember(struct mctx *c) {
    if (m_reply_refused(c)) return;
    if (c->argc == 2) {
        zrandmember_one(c);
        return;
    }
    int64_t l;
    bool scores = c->argc == 4;
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &l)) m_reply_not_int(c);
    else if (l < -INT64_MAX)
        sim_buf_error(c->out, "ERR value is out of range, value must between "
                              "-9223372036854775807 and 9223372036854775807");
    else if (c->argc > 4 || (scores && !m_opt_eq(c->argv[3], "withscores"))) m_reply_syntax(c);
    else if (scores && (l < -INT64_MAX / 2 || l > INT64_MAX / 2))
        sim_buf_error(c->out, "ERR value is out of range");
    if (c->out->len > 0) return;
    bool bad;
    struct mentry *e = z_lookup(c, c->argv[1], &bad);
    if (bad) return;
    uint64_t count = l < 0 ? (uint64_t)-l : (uint64_t)l;
    if (e == NULL || l == 0) {
        sim_buf_array(c->out, 0);
    } else if (l > 0 && count >= e->hs.count) { /* the whole set, in no order we know */
        random_picks(c, &e->hs, e->hs.count, scores, true);
    } else {
        random_picks(c, &e->hs, count, scores, l > 0);
    }
}

/* ---- ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms ---------------------- */

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zagg { AGG_SUM, AGG_MIN, AGG_MAX };

struct zsrc {
    const struct mcoll *h; /* NULL: a missing key */
    bool is_set;
    double w;
};

struct zop_args {
    enum zop op;
    bool card, withscores;
    enum zagg agg;
    int64_t limit;
    uint32_t n;
    struct zsrc *src;
};

static uint64_t src_len(const struct zsrc *s) { return s->h == NULL ? 0 : s->h->count; }

static double src_score(const struct zsrc *s, uint64_t i) {
    return s->is_set ? 1.0 : z_score(s->h, i);
}

/* The inputs (false after WRONGTYPE: every key up to the first bad one is looked up). */
static bool zop_keys(struct mctx *c, uint32_t first, struct zop_args *a) {
    a->src = calloc(a->n + 1, sizeof(*a->src));
    KV_ASSERT(a->src != NULL);
    for (uint32_t i = 0; i < a->n; i++) {
        struct mentry *e = m_lookup(c->m, c->argv[first + i], c->now);
        a->src[i].w = 1.0;
        if (e == NULL) continue;
        if (e->type != SIM_MODEL_ZSET && e->type != SIM_MODEL_SET) {
            m_reply_wrongtype(c);
            return false;
        }
        a->src[i].h = &e->hs;
        a->src[i].is_set = e->type == SIM_MODEL_SET;
    }
    return true;
}

/* WEIGHTS AGGREGATE WITHSCORES LIMIT after the keys, as each command allows. */
static bool zop_options(struct mctx *c, uint32_t j, bool store, struct zop_args *a) {
    while (j < c->argc) {
        uint32_t left = c->argc - j;
        bool full = a->op != ZOP_DIFF && !a->card;
        if (full && left >= a->n + 1 && m_opt_eq(c->argv[j], "weights")) {
            for (uint32_t i = 0; i < a->n; i++) {
                if (z_parse_score(c->argv[j + 1 + i], &a->src[i].w)) continue;
                sim_buf_error(c->out, "ERR weight value is not a float");
                return false;
            }
            j += a->n + 1;
        } else if (full && left >= 2 && m_opt_eq(c->argv[j], "aggregate")) {
            struct kv_slice v = c->argv[j + 1];
            a->agg = m_opt_eq(v, "sum") ? AGG_SUM : m_opt_eq(v, "min") ? AGG_MIN : AGG_MAX;
            if (a->agg == AGG_MAX && !m_opt_eq(v, "max")) break;
            j += 2;
        } else if (!store && !a->card && m_opt_eq(c->argv[j], "withscores")) {
            a->withscores = true;
            j++;
        } else if (a->card && left >= 2 && m_opt_eq(c->argv[j], "limit")) {
            struct kv_slice v = c->argv[j + 1];
            if (!m_str2ll(v.ptr, v.len, &a->limit) || a->limit < 0) {
                sim_buf_error(c->out, "ERR LIMIT can't be negative");
                return false;
            }
            j += 2;
        } else {
            break;
        }
    }
    if (j < c->argc) m_reply_syntax(c);
    return j >= c->argc;
}

static void aggregate(double *t, double v, enum zagg agg) {
    if (agg == AGG_SUM) {
        *t = *t + v;
        if (isnan(*t)) *t = 0.0;
    } else if (agg == AGG_MIN) {
        *t = v < *t ? v : *t;
    } else {
        *t = v > *t ? v : *t;
    }
}

/* Inputs from the smallest to the largest, equals in their order (ZUNION, ZINTER). */
static void sort_by_size(struct zsrc *s, uint32_t n) {
    for (uint32_t i = 1; i < n; i++) {
        struct zsrc x = s[i];
        uint32_t j = i;
        for (; j > 0 && src_len(&s[j - 1]) > src_len(&x); j--) s[j] = s[j - 1];
        s[j] = x;
    }
}

/* Accumulates (member, score) pairs in arrival order (a heap collection, unsorted). */
static void acc_add(struct mcoll *acc, struct kv_slice m, double s, enum zagg agg) {
    int64_t k = m_coll_find(acc, m);
    if (k >= 0) {
        double t;
        memcpy(&t, acc->v[k].p, sizeof(t));
        aggregate(&t, s, agg);
        memcpy(acc->v[k].p, &t, sizeof(t));
        return;
    }
    struct kv_slice v = {(const uint8_t *)&s, sizeof(s)};
    m_coll_insert(acc, acc->count, m, &v);
}

static bool has_member(const struct zsrc *s, struct kv_slice m, double *score) {
    int64_t k = s->h == NULL ? -1 : m_coll_find(s->h, m);
    if (k >= 0) *score = src_score(s, (uint64_t)k);
    return k >= 0;
}

/* The operation's members and scores (unsorted) into acc; ZINTERCARD's count. */
static uint64_t zop_compute(const struct zop_args *a, struct mcoll *acc) {
    const struct zsrc *s = a->src;
    uint64_t card = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        if (a->op != ZOP_UNION && i > 0) break;
        for (uint64_t k = 0; k < src_len(&s[i]); k++) {
            struct kv_slice m = z_member(s[i].h, k);
            double sc = a->op == ZOP_DIFF ? src_score(&s[i], k) : s[i].w * src_score(&s[i], k);
            if (isnan(sc)) sc = 0;
            bool keep = true;
            for (uint32_t j = 1; a->op != ZOP_UNION && j < a->n && keep; j++) {
                double v;
                keep = has_member(&s[j], m, &v) != (a->op == ZOP_DIFF);
                if (keep && a->op == ZOP_INTER) aggregate(&sc, v * s[j].w, a->agg);
            }
            if (!keep) continue;
            if (a->card && ++card >= (uint64_t)a->limit && a->limit > 0) return card;
            if (!a->card) acc_add(acc, m, sc, a->agg);
        }
    }
    return card;
}

/* zunionInterDiffGenericCommand: numkeys at argv[at], the destination at argv[1]. */
static void zop_generic(struct mctx *c, uint32_t at, bool store, enum zop op, bool card) {
    int64_t n;
    struct zop_args a = {.op = op, .card = card};
    if (!m_str2ll(c->argv[at].ptr, c->argv[at].len, &n)) {
        m_reply_not_int(c);
        return;
    }
    char name[24] = {0};
    for (uint32_t i = 0; i < c->argv[0].len && i + 1 < sizeof(name); i++)
        name[i] = (char)(c->argv[0].ptr[i] | 0x20);
    if (n < 1) {
        sim_buf_errorf(c->out, "ERR at least 1 input key is needed for '%s' command", name);
        return;
    }
    if (n > (int64_t)(c->argc - at - 1)) {
        m_reply_syntax(c);
        return;
    }
    a.n = (uint32_t)n;
    struct mcoll acc = {0}, res = {0};
    res.enc = M_ENC_SKIPLIST;
    if (zop_keys(c, at + 1, &a) && zop_options(c, at + 1 + a.n, store, &a)) {
        if (op != ZOP_DIFF) sort_by_size(a.src, a.n);
        uint64_t count = zop_compute(&a, &acc);
        for (uint64_t i = 0; i < acc.count; i++) {
            double s;
            memcpy(&s, acc.v[i].p, sizeof(s));
            z_insert(c->m, &res, z_member(&acc, i), s, false);
        }
        if (card) sim_buf_int(c->out, (int64_t)count);
        else if (store) z_store(c, c->argv[1], &res);
        else z_emit_header(c, res.count, a.withscores);
        for (uint64_t i = 0; !card && !store && i < res.count; i++)
            z_emit_pair(c, z_member(&res, i), z_score(&res, i), a.withscores);
    }
    m_coll_free(&acc);
    m_coll_free(&res);
    free(a.src);
}

static void cmd_zunion(struct mctx *c) { zop_generic(c, 1, false, ZOP_UNION, false); }
static void cmd_zinter(struct mctx *c) { zop_generic(c, 1, false, ZOP_INTER, false); }
static void cmd_zdiff(struct mctx *c) { zop_generic(c, 1, false, ZOP_DIFF, false); }
static void cmd_zunionstore(struct mctx *c) { zop_generic(c, 2, true, ZOP_UNION, false); }
static void cmd_zinterstore(struct mctx *c) { zop_generic(c, 2, true, ZOP_INTER, false); }
static void cmd_zdiffstore(struct mctx *c) { zop_generic(c, 2, true, ZOP_DIFF, false); }
static void cmd_zintercard(struct mctx *c) { zop_generic(c, 1, false, ZOP_INTER, true); }

static const struct mcmd cmds[] = {
    {"zpopmin", -2, MF_WRITE, cmd_zpop, NULL},
    {"zpopmax", -2, MF_WRITE, cmd_zpop, NULL},
    {"zmpop", -4, MF_WRITE, cmd_zmpop, NULL},
    {"zrandmember", -2, MF_READONLY, cmd_zrandmember, NULL},
    {"zunion", -3, MF_READONLY, cmd_zunion, NULL},
    {"zinter", -3, MF_READONLY, cmd_zinter, NULL},
    {"zdiff", -3, MF_READONLY, cmd_zdiff, NULL},
    {"zintercard", -3, MF_READONLY, cmd_zintercard, NULL},
    {"zunionstore", -4, MF_WRITE | MF_DENYOOM, cmd_zunionstore, NULL},
    {"zinterstore", -4, MF_WRITE | MF_DENYOOM, cmd_zinterstore, NULL},
    {"zdiffstore", -4, MF_WRITE | MF_DENYOOM, cmd_zdiffstore, NULL},
};

const struct mcmd_table sim_model_cmds_zset2 = {cmds, KV_ARRAY_LEN(cmds)};

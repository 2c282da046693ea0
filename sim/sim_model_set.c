/*
 * sim_model_set.c: the reference model's sets, on the collection of
 * sim_model_hash.c (members only), written from Redis 7.0.15's documented and
 * observed behaviour (checked with `kv sim --redis PORT --types=hash,set`), not from
 * src/. Test code: heap allowed.
 *
 * Encodings as Redis 7.0 (which has no listpack sets): a set is an intset (members
 * ascending by value) while every member is an integer in string2ll's strict form
 * and it holds at most set-max-intset-entries; else a hashtable. A set made from
 * scratch (SINTERSTORE, SUNION/SDIFF and their STORE forms, the rest of an SPOP
 * that takes most of a set) starts as an intset and converts as members are added,
 * so its encoding follows from its members alone. Replies of an intset are exact
 * (ascending); of a hashtable, and SINTER's (the order of its smallest input),
 * compared as multisets. Random replies: SPOP's members must be distinct members
 * and the model removes exactly those; SRANDMEMBER's are members, distinct for a
 * positive count. Invariant: a set key holds at least one member, all distinct.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"

#define SPOP_MOVE_MUL 5 /* Redis's SPOP_MOVE_STRATEGY_MUL: when the rest is rebuilt */

static bool is_int(struct kv_slice s, int64_t *v) { return m_str2ll(s.ptr, s.len, v); }

static struct kv_slice member(const struct mcoll *h, uint64_t i) {
    struct kv_slice s = {h->f[i].p, h->f[i].len};
    return s;
}

/* setTypeAdd: true if the member is new. */
static bool set_add(const struct sim_model *m, struct mcoll *h, struct kv_slice s) {
    int64_t v, w;
    if (m_coll_find(h, s) >= 0) return false;
    if (h->enc == M_ENC_INTSET && !is_int(s, &v)) h->enc = M_ENC_HT;
    if (h->enc != M_ENC_INTSET) {
        m_coll_insert(h, h->count, s, NULL);
        return true;
    }
    uint64_t at = 0;
    while (at < h->count && is_int(member(h, at), &w) && w < v) at++;
    m_coll_insert(h, at, s, NULL);
    if (h->count > m->lim.set_max_intset_entries) h->enc = M_ENC_HT;
    return true;
}

/* A new collection as createIntsetObject() + setTypeAdd of each member. */
static void set_build(const struct sim_model *m, struct mcoll *h, const struct kv_slice *s,
                      uint64_t n) {
    memset(h, 0, sizeof(*h));
    h->enc = M_ENC_INTSET;
    for (uint64_t i = 0; i < n; i++) set_add(m, h, s[i]);
}

static struct mentry *set_lookup(struct mctx *c, struct kv_slice key, bool *bad) {
    struct mentry *e = m_lookup(c->m, key, c->now);
    *bad = e != NULL && e->type != SIM_MODEL_SET;
    if (*bad) m_reply_wrongtype(c);
    return *bad ? NULL : e;
}

/* setTypeCreate(first member) under key. */
static struct mentry *set_create(struct mctx *c, struct kv_slice key, struct kv_slice first) {
    int64_t v;
    struct mentry *e = m_add(c->m, key, SIM_MODEL_SET);
    e->hs.enc = is_int(first, &v) ? M_ENC_INTSET : M_ENC_HT;
    return e;
}

static struct kv_slice *members(const struct mcoll *h) {
    struct kv_slice *s = calloc(h->count + 1, sizeof(*s));
    KV_ASSERT(s != NULL);
    for (uint64_t i = 0; i < h->count; i++) s[i] = member(h, i);
    return s;
}

/* The whole collection as a reply: exact for an intset, else a multiset. */
static void emit_set(struct mctx *c, const struct mcoll *h) {
    struct kv_slice *s = members(h);
    if (h->enc == M_ENC_INTSET) {
        sim_buf_array(c->out, h->count);
        for (uint64_t i = 0; i < h->count; i++) sim_buf_bulk(c->out, s[i].ptr, s[i].len);
    } else {
        m_emit_same(c, s, h->count, 1);
    }
    free(s);
}

static void delete_if_empty(struct mctx *c, struct mentry *e) {
    if (e->hs.count == 0) m_delete(c->m, e);
}

/* ---- commands --------------------------------------------------------------- */

static void cmd_sadd(struct mctx *c) {
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL) e = set_create(c, c->argv[1], c->argv[2]);
    int64_t n = 0;
    for (uint32_t i = 2; i < c->argc; i++) n += set_add(c->m, &e->hs, c->argv[i]);
    sim_buf_int(c->out, n);
}

static void cmd_srem(struct mctx *c) {
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (bad) return;
    int64_t n = 0;
    for (uint32_t i = 2; e != NULL && i < c->argc; i++) {
        int64_t k = m_coll_find(&e->hs, c->argv[i]);
        if (k < 0) continue;
        m_coll_remove(&e->hs, (uint64_t)k);
        n++;
    }
    if (e != NULL) delete_if_empty(c, e);
    sim_buf_int(c->out, n);
}

static void cmd_smembers(struct mctx *c) {
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL) sim_buf_array(c->out, 0);
    else emit_set(c, &e->hs);
}

static void cmd_sismember(struct mctx *c) {
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (!bad) sim_buf_int(c->out, e != NULL && m_coll_find(&e->hs, c->argv[2]) >= 0);
}

static void cmd_smismember(struct mctx *c) {
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (bad) return;
    sim_buf_array(c->out, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++)
        sim_buf_int(c->out, e != NULL && m_coll_find(&e->hs, c->argv[i]) >= 0);
}

static void cmd_scard(struct mctx *c) {
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (!bad) sim_buf_int(c->out, e == NULL ? 0 : (int64_t)e->hs.count);
}

static void cmd_smove(struct mctx *c) {
    bool bad;
    struct mentry *src = m_lookup(c->m, c->argv[1], c->now);
    struct mentry *dst = m_lookup(c->m, c->argv[2], c->now);
    if (src == NULL) {
        sim_buf_int(c->out, 0);
        return;
    }
    if (src->type != SIM_MODEL_SET || (dst != NULL && dst->type != SIM_MODEL_SET)) {
        m_reply_wrongtype(c);
        return;
    }
    int64_t k = m_coll_find(&src->hs, c->argv[3]);
    if (src == dst || k < 0) {
        sim_buf_int(c->out, k >= 0);
        return;
    }
    m_coll_remove(&src->hs, (uint64_t)k);
    delete_if_empty(c, src); /* entries may move: look dst up again */
    dst = set_lookup(c, c->argv[2], &bad);
    KV_ASSERT(!bad);
    if (dst == NULL) dst = set_create(c, c->argv[2], c->argv[3]);
    set_add(c->m, &dst->hs, c->argv[3]);
    sim_buf_int(c->out, 1);
}

/* ---- SPOP SRANDMEMBER ------------------------------------------------------- */

/* The core's random members: `count` of them, members of h, distinct if asked. The
 * reply is written back (RESP2) in the core's order; *got keeps them (heap). */
static bool random_members(struct mctx *c, const struct mcoll *h, uint64_t count,
                           bool distinct, struct kv_slice **got) {
    uint64_t n;
    if (!m_reply_flat(c, got, &n) || n != count) {
        m_why(c, "%.*s: expected %llu random members", (int)c->argv[0].len,
              (const char *)c->argv[0].ptr, (unsigned long long)count);
        return false;
    }
    bool *seen = calloc(h->count + 1, 1);
    KV_ASSERT(seen != NULL);
    for (uint64_t i = 0; i < n && !c->failed; i++) {
        int64_t k = m_coll_find(h, (*got)[i]);
        if (k < 0) m_why(c, "a random member not in the set");
        else if (distinct && seen[k]) m_why(c, "a random member twice");
        else seen[k] = true;
    }
    free(seen);
    sim_buf_array(c->out, n);
    for (uint64_t i = 0; i < n; i++) sim_buf_bulk(c->out, (*got)[i].ptr, (*got)[i].len);
    return !c->failed;
}

static void spop_one(struct mctx *c, struct mentry *e) {
    struct kv_slice *got;
    uint64_t n;
    int64_t k = -1;
    if (c->reply_len > 0 && c->reply[0] == '$' && m_reply_flat(c, &got, &n) && n == 1)
        k = m_coll_find(&e->hs, got[0]);
    if (k < 0) {
        m_why(c, "SPOP: expected one member of the set");
    } else {
        sim_buf_bulk(c->out, got[0].ptr, got[0].len);
        m_coll_remove(&e->hs, (uint64_t)k);
        delete_if_empty(c, e);
    }
    free(got);
}

/* SPOP key count, count < size: remove what the core returned; the rest is rebuilt
 * from scratch (its encoding from its members) when it is small (Redis's case 3). */
static void spop_some(struct mctx *c, struct mentry *e, uint64_t count) {
    struct kv_slice *got = NULL;
    if (random_members(c, &e->hs, count, true, &got)) {
        for (uint64_t i = 0; i < count; i++)
            m_coll_remove(&e->hs, (uint64_t)m_coll_find(&e->hs, got[i]));
        if (e->hs.count * SPOP_MOVE_MUL <= count) {
            struct kv_slice *rest = members(&e->hs);
            struct mcoll fresh;
            set_build(c->m, &fresh, rest, e->hs.count);
            free(rest);
            m_coll_free(&e->hs);
            e->hs = fresh;
        }
    }
    free(got);
}

static void cmd_spop(struct mctx *c) {
    int64_t count = 1;
    if (c->argc > 3) {
        m_reply_syntax(c);
        return;
    }
    if (c->argc == 3 && (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &count) || count < 0)) {
        sim_buf_error(c->out, "ERR value is out of range, must be positive");
        return;
    }
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL || count == 0) {
        if (c->argc == 3) sim_buf_array(c->out, 0);
        else sim_buf_null(c->out);
        return;
    }
    if (c->argc == 2) {
        spop_one(c, e);
    } else if ((uint64_t)count >= e->hs.count) { /* the whole set, as SUNION builds it */
        struct kv_slice *s = members(&e->hs);
        struct mcoll all;
        set_build(c->m, &all, s, e->hs.count);
        emit_set(c, &all);
        m_coll_free(&all);
        free(s);
        m_delete(c->m, e);
    } else {
        spop_some(c, e, (uint64_t)count);
    }
}

static void srandmember_one(struct mctx *c, struct mentry *e) {
    struct kv_slice *got;
    uint64_t n;
    if (c->reply_len > 0 && c->reply[0] == '$' && m_reply_flat(c, &got, &n) && n == 1 &&
        m_coll_find(&e->hs, got[0]) >= 0)
        sim_buf_bulk(c->out, got[0].ptr, got[0].len);
    else m_why(c, "SRANDMEMBER: expected one member of the set");
    free(got);
}

static void cmd_srandmember(struct mctx *c) {
    int64_t l = 0;
    if (m_reply_refused(c)) return;
    if (c->argc > 3) {
        m_reply_syntax(c);
        return;
    }
    if (c->argc == 3 && !m_str2ll(c->argv[2].ptr, c->argv[2].len, &l)) {
        m_reply_not_int(c);
        return;
    }
    if (c->argc == 3 && l < -INT64_MAX) {
        sim_buf_error(c->out, "ERR value is out of range, value must between "
                              "-9223372036854775807 and 9223372036854775807");
        return;
    }
    bool bad;
    struct mentry *e = set_lookup(c, c->argv[1], &bad);
    if (bad) return;
    if (e == NULL || (c->argc == 3 && l == 0)) {
        if (c->argc == 3) sim_buf_array(c->out, 0);
        else sim_buf_null(c->out);
        return;
    }
    struct kv_slice *got = NULL;
    uint64_t count = l < 0 ? (uint64_t)-l : (uint64_t)l;
    if (c->argc == 2) srandmember_one(c, e);
    else if (l > 0 && count >= e->hs.count) emit_set(c, &e->hs);
    else random_members(c, &e->hs, count, l > 0, &got);
    free(got);
}

/* ---- SINTER SUNION SDIFF and their STORE forms ------------------------------ */

enum setop { OP_INTER, OP_UNION, OP_DIFF };

/*
 * The sets named by keys[0..n) (NULL for a missing key): false after WRONGTYPE
 * (every key is checked, whatever comes before). *sets is a heap array.
 */
static bool load_sets(struct mctx *c, const struct kv_slice *keys, uint32_t n,
                      const struct mcoll ***sets) {
    *sets = calloc(n + 1, sizeof(**sets));
    KV_ASSERT(*sets != NULL);
    for (uint32_t i = 0; i < n; i++) {
        bool bad;
        struct mentry *e = set_lookup(c, keys[i], &bad);
        if (bad) return false;
        (*sets)[i] = e != NULL ? &e->hs : NULL;
    }
    return true;
}

static bool in_set(const struct mcoll *h, struct kv_slice s) {
    return h != NULL && m_coll_find(h, s) >= 0;
}

/* The result of op over sets[0..n) as a new collection (built as Redis builds it). */
static void set_op(const struct sim_model *m, const struct mcoll **sets, uint32_t n,
                   enum setop op, struct mcoll *out) {
    set_build(m, out, NULL, 0);
    for (uint32_t i = 0; i < n; i++) {
        if (sets[i] == NULL || (op != OP_UNION && i > 0)) continue;
        for (uint64_t k = 0; k < sets[i]->count; k++) {
            struct kv_slice s = member(sets[i], k);
            bool keep = true;
            for (uint32_t j = 1; op != OP_UNION && j < n && keep; j++)
                keep = op == OP_INTER ? in_set(sets[j], s) : !in_set(sets[j], s);
            if (keep) set_add(m, out, s);
        }
    }
}

/* Stores the result under dst (deleted when empty, its TTL gone), replies its size. */
static void store(struct mctx *c, struct kv_slice dst, struct mcoll *res) {
    struct mentry *d = m_lookup(c->m, dst, c->now);
    int64_t n = (int64_t)res->count;
    if (d != NULL) m_delete(c->m, d);
    if (n > 0) {
        d = m_add(c->m, dst, SIM_MODEL_SET);
        d->hs = *res;
        memset(res, 0, sizeof(*res));
    }
    sim_buf_int(c->out, n);
}

/* op over keys[0..n), stored under *dst, or replied (SINTER's order is its smallest
 * input's: a multiset, as a hashtable's). */
static void generic(struct mctx *c, const struct kv_slice *keys, uint32_t n, enum setop op,
                    const struct kv_slice *dst) {
    const struct mcoll **sets;
    struct mcoll res = {0};
    if (load_sets(c, keys, n, &sets)) {
        set_op(c->m, sets, n, op, &res);
        if (dst != NULL) {
            store(c, *dst, &res);
        } else if (op == OP_INTER && res.enc == M_ENC_INTSET) {
            res.enc = M_ENC_HT; /* the reply's order: not the result's */
            emit_set(c, &res);
        } else {
            emit_set(c, &res);
        }
    }
    m_coll_free(&res);
    free(sets);
}

static enum setop op_of(struct kv_slice name) {
    uint8_t x = name.len > 1 ? (uint8_t)(name.ptr[1] | 0x20) : 0;
    return x == 'i' ? OP_INTER : x == 'u' ? OP_UNION : OP_DIFF;
}

/* SINTER SUNION SDIFF. */
static void cmd_setop(struct mctx *c) {
    generic(c, c->argv + 1, c->argc - 1, op_of(c->argv[0]), NULL);
}

/* SINTERSTORE SUNIONSTORE SDIFFSTORE. */
static void cmd_setop_store(struct mctx *c) {
    generic(c, c->argv + 2, c->argc - 2, op_of(c->argv[0]), &c->argv[1]);
}

static void cmd_sintercard(struct mctx *c) {
    int64_t numkeys, limit = 0;
    if (!m_str2ll(c->argv[1].ptr, c->argv[1].len, &numkeys) || numkeys < 1) {
        sim_buf_error(c->out, "ERR numkeys should be greater than 0");
        return;
    }
    if (numkeys > (int64_t)c->argc - 2) {
        sim_buf_error(c->out, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (uint32_t j = 2 + (uint32_t)numkeys; j < c->argc; j++) {
        if (!m_opt_eq(c->argv[j], "limit") || j + 1 >= c->argc) {
            m_reply_syntax(c);
            return;
        }
        j++;
        if (!m_str2ll(c->argv[j].ptr, c->argv[j].len, &limit) || limit < 0) {
            sim_buf_error(c->out, "ERR LIMIT can't be negative");
            return;
        }
    }
    const struct mcoll **sets;
    struct mcoll res = {0};
    if (load_sets(c, c->argv + 2, (uint32_t)numkeys, &sets)) {
        set_op(c->m, sets, (uint32_t)numkeys, OP_INTER, &res);
        uint64_t n = res.count;
        sim_buf_int(c->out, (int64_t)(limit > 0 ? KV_MIN(n, (uint64_t)limit) : n));
    }
    m_coll_free(&res);
    free(sets);
}

static void cmd_sscan(struct mctx *c) { m_coll_scan(c, SIM_MODEL_SET); }

static const struct mcmd cmds[] = {
    {"sadd", -3, MF_WRITE | MF_DENYOOM, cmd_sadd, NULL},
    {"srem", -3, MF_WRITE, cmd_srem, NULL},
    {"smembers", 2, MF_READONLY, cmd_smembers, NULL},
    {"sismember", 3, MF_READONLY, cmd_sismember, NULL},
    {"smismember", -3, MF_READONLY, cmd_smismember, NULL},
    {"scard", 2, MF_READONLY, cmd_scard, NULL},
    {"spop", -2, MF_WRITE, cmd_spop, NULL},
    {"srandmember", -2, MF_READONLY, cmd_srandmember, NULL},
    /* Redis does not flag SMOVE deny-oom; kv may refuse it: the destination grows */
    {"smove", 4, MF_WRITE | MF_DENYOOM, cmd_smove, NULL},
    {"sinter", -2, MF_READONLY, cmd_setop, NULL},
    {"sintercard", -3, MF_READONLY, cmd_sintercard, NULL},
    {"sinterstore", -3, MF_WRITE | MF_DENYOOM, cmd_setop_store, NULL},
    {"sunion", -2, MF_READONLY, cmd_setop, NULL},
    {"sunionstore", -3, MF_WRITE | MF_DENYOOM, cmd_setop_store, NULL},
    {"sdiff", -2, MF_READONLY, cmd_setop, NULL},
    {"sdiffstore", -3, MF_WRITE | MF_DENYOOM, cmd_setop_store, NULL},
    {"sscan", -3, MF_READONLY, cmd_sscan, NULL},
};

const struct mcmd_table sim_model_cmds_set = {cmds, KV_ARRAY_LEN(cmds)};

/*
 * sim_model_list.c: the reference model's lists: a ring-buffer deque of heap
 * copies per key, and the list commands as Redis 7.0 behaves (argument checks in
 * its order, its replies for missing keys). Test code: heap allowed.
 * Invariant: a list key is never empty (the last pop or removal deletes the key).
 */
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"

/* ---- deque ------------------------------------------------------------------ */

static void deque_grow(struct mdeque *d) {
    uint64_t cap = d->cap == 0 ? 8 : d->cap * 2;
    struct mval *v = calloc(cap, sizeof(*v));
    KV_ASSERT(v != NULL);
    for (uint64_t i = 0; i < d->count; i++) v[i] = d->v[(d->head + i) & (d->cap - 1)];
    free(d->v);
    d->v = v;
    d->cap = cap;
    d->head = 0;
}

void m_deque_push(struct mdeque *d, bool head, const uint8_t *p, uint32_t len) {
    if (d->count == d->cap) deque_grow(d);
    struct mval val = {malloc(len + 1), len};
    KV_ASSERT(val.p != NULL);
    if (len > 0) memcpy(val.p, p, len);
    uint64_t mask = d->cap - 1;
    if (head) {
        d->head = (d->head + mask) & mask;
        d->v[d->head] = val;
    } else {
        d->v[(d->head + d->count) & mask] = val;
    }
    d->count++;
}

struct mval m_deque_pop(struct mdeque *d, bool head) {
    KV_ASSERT(d->count > 0);
    uint64_t mask = d->cap - 1;
    struct mval v;
    if (head) {
        v = d->v[d->head];
        d->head = (d->head + 1) & mask;
    } else {
        v = d->v[(d->head + d->count - 1) & mask];
    }
    d->count--;
    return v;
}

struct mval *m_deque_at(const struct mdeque *d, uint64_t i) {
    KV_ASSERT(i < d->count);
    return &d->v[(d->head + i) & (d->cap - 1)];
}

void m_deque_free(struct mdeque *d) {
    for (uint64_t i = 0; i < d->count; i++) free(m_deque_at(d, i)->p);
    free(d->v);
    memset(d, 0, sizeof(*d));
}

/* ---- helpers ---------------------------------------------------------------- */

/* The key's list, NULL if missing; *bad set (and WRONGTYPE replied) for a string. */
static struct mentry *list_lookup(struct mctx *c, uint32_t i, bool *bad) {
    struct mentry *e = m_lookup(c->m, c->argv[i], c->now);
    *bad = e != NULL && e->type != SIM_MODEL_LIST;
    if (*bad) m_reply_wrongtype(c);
    return *bad ? NULL : e;
}

static bool parse_long(struct mctx *c, uint32_t i, int64_t *v) {
    if (m_str2ll(c->argv[i].ptr, c->argv[i].len, v)) return true;
    m_reply_not_int(c);
    return false;
}

/* Redis's getRangeLongFromObjectOrReply: msg replaces both errors when given. */
static bool parse_range(struct mctx *c, uint32_t i, int64_t min, int64_t max, const char *msg,
                        int64_t *v) {
    if (!m_str2ll(c->argv[i].ptr, c->argv[i].len, v)) {
        if (msg != NULL) sim_buf_errorf(c->out, "ERR %s", msg);
        else m_reply_not_int(c);
        return false;
    }
    if (*v >= min && *v <= max) return true;
    if (msg != NULL) sim_buf_errorf(c->out, "ERR %s", msg);
    else sim_buf_errorf(c->out, "ERR value is out of range, value must between %lld and %lld",
                        (long long)min, (long long)max);
    return false;
}

static void delete_if_empty(struct mctx *c, struct mentry *e) {
    if (e->list.count == 0) m_delete(c->m, e);
}

static bool is_left(struct kv_slice s) { return s.len > 0 && (s.ptr[0] | 0x20) == 'l'; }

/* Normalised [start, end] of a range over len elements; false if empty. */
static bool range(int64_t len, int64_t *start, int64_t *end) {
    if (*start < 0) *start = len + *start;
    if (*end < 0) *end = len + *end;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return false;
    if (*end >= len) *end = len - 1;
    return true;
}

/* ---- commands --------------------------------------------------------------- */

/* LPUSH RPUSH LPUSHX RPUSHX. */
static void cmd_push(struct mctx *c) {
    bool left = is_left(c->argv[0]);
    bool x = c->argv[0].len == 6;
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        if (x) {
            sim_buf_int(c->out, 0);
            return;
        }
        e = m_add(c->m, c->argv[1], SIM_MODEL_LIST);
    }
    for (uint32_t i = 2; i < c->argc; i++) m_deque_push(&e->list, left, c->argv[i].ptr,
                                                        c->argv[i].len);
    sim_buf_int(c->out, (int64_t)e->list.count);
}

/* LPOP RPOP with an optional count. */
static void cmd_pop(struct mctx *c) {
    bool left = is_left(c->argv[0]);
    int64_t count = 0;
    if (c->argc > 3) {
        sim_buf_errorf(c->out, "ERR wrong number of arguments for '%s' command",
                       left ? "lpop" : "rpop");
        return;
    }
    if (c->argc == 3 &&
        !parse_range(c, 2, 0, INT64_MAX, "value is out of range, must be positive", &count))
        return;
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        if (c->argc == 3) sim_buf_null_array(c->out);
        else sim_buf_null(c->out);
        return;
    }
    if (c->argc == 3 && count == 0) {
        sim_buf_array(c->out, 0);
        return;
    }
    uint64_t n = c->argc == 3 ? KV_MIN((uint64_t)count, e->list.count) : 1;
    if (c->argc == 3) sim_buf_array(c->out, n);
    for (uint64_t i = 0; i < n; i++) {
        struct mval v = m_deque_pop(&e->list, left);
        sim_buf_bulk(c->out, v.p, v.len);
        free(v.p);
    }
    delete_if_empty(c, e);
}

static void cmd_lrange(struct mctx *c) {
    int64_t start, end;
    if (!parse_long(c, 2, &start) || !parse_long(c, 3, &end)) return;
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL || !range((int64_t)e->list.count, &start, &end)) {
        sim_buf_array(c->out, 0);
        return;
    }
    sim_buf_array(c->out, (uint64_t)(end - start + 1));
    for (int64_t i = start; i <= end; i++) {
        struct mval *v = m_deque_at(&e->list, (uint64_t)i);
        sim_buf_bulk(c->out, v->p, v->len);
    }
}

static void cmd_llen(struct mctx *c) {
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (!bad) sim_buf_int(c->out, e == NULL ? 0 : (int64_t)e->list.count);
}

static void cmd_lindex(struct mctx *c) {
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_null(c->out);
        return;
    }
    int64_t i;
    if (!parse_long(c, 2, &i)) return;
    int64_t len = (int64_t)e->list.count;
    if (i < 0) i += len;
    if (i < 0 || i >= len) {
        sim_buf_null(c->out);
        return;
    }
    struct mval *v = m_deque_at(&e->list, (uint64_t)i);
    sim_buf_bulk(c->out, v->p, v->len);
}

static bool val_eq(const struct mval *v, struct kv_slice s) {
    return v->len == s.len && (s.len == 0 || memcmp(v->p, s.ptr, s.len) == 0);
}

/* Rebuilds the list keeping elements for which keep[i] is true. */
static void filter(struct mdeque *d, const bool *keep) {
    struct mdeque out = {0};
    for (uint64_t i = 0; i < d->count; i++) {
        struct mval *v = m_deque_at(d, i);
        if (keep[i]) m_deque_push(&out, false, v->p, v->len);
    }
    m_deque_free(d);
    *d = out;
}

static void cmd_lrem(struct mctx *c) {
    int64_t count;
    if (!parse_long(c, 2, &count)) return;
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_int(c->out, 0);
        return;
    }
    uint64_t n = e->list.count, removed = 0;
    uint64_t limit = count == 0 ? n : count < 0 ? (uint64_t)-(count + 1) + 1 : (uint64_t)count;
    bool *keep = malloc(n + 1);
    KV_ASSERT(keep != NULL);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = count < 0 ? n - 1 - k : k;
        keep[i] = true;
        if (removed < limit && val_eq(m_deque_at(&e->list, i), c->argv[3])) {
            keep[i] = false;
            removed++;
        }
    }
    filter(&e->list, keep);
    free(keep);
    delete_if_empty(c, e);
    sim_buf_int(c->out, (int64_t)removed);
}

static void cmd_ltrim(struct mctx *c) {
    int64_t start, end;
    if (!parse_long(c, 2, &start) || !parse_long(c, 3, &end)) return;
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_simple(c->out, "OK");
        return;
    }
    int64_t len = (int64_t)e->list.count;
    uint64_t left = (uint64_t)len, right = 0;
    if (range(len, &start, &end)) {
        left = (uint64_t)start;
        right = (uint64_t)(len - end - 1);
    }
    for (uint64_t i = 0; i < left; i++) free(m_deque_pop(&e->list, true).p);
    for (uint64_t i = 0; i < right; i++) free(m_deque_pop(&e->list, false).p);
    delete_if_empty(c, e);
    sim_buf_simple(c->out, "OK");
}

static void cmd_lset(struct mctx *c) {
    struct mentry *e = m_lookup(c->m, c->argv[1], c->now);
    if (e == NULL) {
        sim_buf_error(c->out, "ERR no such key");
        return;
    }
    if (e->type != SIM_MODEL_LIST) {
        m_reply_wrongtype(c);
        return;
    }
    int64_t i;
    if (!parse_long(c, 2, &i)) return;
    int64_t len = (int64_t)e->list.count;
    if (i < 0) i += len;
    if (i < 0 || i >= len) {
        sim_buf_error(c->out, "ERR index out of range");
        return;
    }
    struct mval *v = m_deque_at(&e->list, (uint64_t)i);
    free(v->p);
    v->p = malloc(c->argv[3].len + 1);
    KV_ASSERT(v->p != NULL);
    if (c->argv[3].len > 0) memcpy(v->p, c->argv[3].ptr, c->argv[3].len);
    v->len = c->argv[3].len;
    sim_buf_simple(c->out, "OK");
}

static void cmd_linsert(struct mctx *c) {
    bool after = m_eq_nocase(c->argv[2], "after");
    if (!after && !m_eq_nocase(c->argv[2], "before")) {
        m_reply_syntax(c);
        return;
    }
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_int(c->out, 0);
        return;
    }
    uint64_t n = e->list.count, at = n;
    for (uint64_t i = 0; i < n && at == n; i++) {
        if (val_eq(m_deque_at(&e->list, i), c->argv[3])) at = i;
    }
    if (at == n) {
        sim_buf_int(c->out, -1);
        return;
    }
    uint64_t pos = after ? at + 1 : at;
    struct mdeque out = {0};
    for (uint64_t i = 0; i <= n; i++) {
        if (i == pos) m_deque_push(&out, false, c->argv[4].ptr, c->argv[4].len);
        if (i < n) m_deque_push(&out, false, m_deque_at(&e->list, i)->p,
                                m_deque_at(&e->list, i)->len);
    }
    m_deque_free(&e->list);
    e->list = out;
    sim_buf_int(c->out, (int64_t)e->list.count);
}

/* RPOPLPUSH and LMOVE. */
static void cmd_lmove(struct mctx *c) {
    bool from_left = false, to_left = true;
    if (c->argc == 5) {
        for (uint32_t i = 3; i < 5; i++) {
            if (!m_eq_nocase(c->argv[i], "left") && !m_eq_nocase(c->argv[i], "right")) {
                m_reply_syntax(c);
                return;
            }
        }
        from_left = is_left(c->argv[3]);
        to_left = is_left(c->argv[4]);
    }
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_null(c->out);
        return;
    }
    if (list_lookup(c, 2, &bad) == NULL && bad) return;
    struct kv_slice src = c->argv[1], dst = c->argv[2];
    e = m_find_raw(c->m, src.ptr, src.len);
    struct mval v = m_deque_pop(&e->list, from_left);
    bool same = src.len == dst.len && memcmp(src.ptr, dst.ptr, src.len) == 0;
    if (!same) delete_if_empty(c, e);
    struct mentry *d = m_lookup(c->m, dst, c->now);
    if (d == NULL) d = m_add(c->m, dst, SIM_MODEL_LIST);
    m_deque_push(&d->list, to_left, v.p, v.len);
    sim_buf_bulk(c->out, v.p, v.len);
    free(v.p);
}

struct lpos_opts {
    int64_t rank;
    int64_t count;  /* -1: not given */
    int64_t maxlen;
};

static bool lpos_parse(struct mctx *c, struct lpos_opts *o) {
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (uint32_t j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        struct kv_slice opt = c->argv[j];
        if (m_eq_nocase(opt, "rank") && more) {
            if (!parse_range(c, ++j, -INT64_MAX, INT64_MAX, NULL, &o->rank)) return false;
            if (o->rank == 0) {
                sim_buf_error(c->out, "ERR RANK can't be zero: use 1 to start from the first "
                                      "match, 2 from the second ... or use negative to start "
                                      "from the end of the list");
                return false;
            }
        } else if (m_eq_nocase(opt, "count") && more) {
            if (!parse_range(c, ++j, 0, INT64_MAX, "COUNT can't be negative", &o->count))
                return false;
        } else if (m_eq_nocase(opt, "maxlen") && more) {
            if (!parse_range(c, ++j, 0, INT64_MAX, "MAXLEN can't be negative", &o->maxlen))
                return false;
        } else {
            m_reply_syntax(c);
            return false;
        }
    }
    return true;
}

static void cmd_lpos(struct mctx *c) {
    struct lpos_opts o;
    if (!lpos_parse(c, &o)) return;
    bool from_tail = o.rank < 0;
    int64_t rank = from_tail ? -o.rank : o.rank;
    bool bad;
    struct mentry *e = list_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        if (o.count != -1) sim_buf_array(c->out, 0);
        else sim_buf_null(c->out);
        return;
    }
    struct sim_buf hits = {0};
    int64_t n = (int64_t)e->list.count, matches = 0, found = 0, last = -1;
    for (int64_t k = 0; k < n && (o.maxlen == 0 || k < o.maxlen); k++) {
        int64_t i = from_tail ? n - 1 - k : k;
        if (!val_eq(m_deque_at(&e->list, (uint64_t)i), c->argv[2])) continue;
        if (++matches < rank) continue;
        last = i;
        if (o.count == -1) break;
        found++;
        sim_buf_int(&hits, i);
        if (o.count != 0 && matches - rank + 1 >= o.count) break;
    }
    if (o.count != -1) {
        sim_buf_array(c->out, (uint64_t)found);
        sim_buf_put(c->out, hits.p, hits.len);
    } else if (last >= 0) {
        sim_buf_int(c->out, last);
    } else {
        sim_buf_null(c->out);
    }
    sim_buf_free(&hits);
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
static void cmd_lmpop(struct mctx *c) {
    int64_t numkeys, count = -1;
    if (!parse_range(c, 1, 1, INT64_MAX, "numkeys should be greater than 0", &numkeys)) return;
    if (numkeys >= (int64_t)c->argc - 2) {
        m_reply_syntax(c);
        return;
    }
    uint32_t where = 2 + (uint32_t)numkeys;
    if (!m_eq_nocase(c->argv[where], "left") && !m_eq_nocase(c->argv[where], "right")) {
        m_reply_syntax(c);
        return;
    }
    for (uint32_t j = where + 1; j < c->argc; j++) {
        if (count == -1 && m_eq_nocase(c->argv[j], "count") && j + 1 < c->argc) {
            if (!parse_range(c, ++j, 1, INT64_MAX, "count should be greater than 0", &count))
                return;
        } else {
            m_reply_syntax(c);
            return;
        }
    }
    if (count == -1) count = 1;
    bool left = is_left(c->argv[where]);
    for (uint32_t k = 2; k < where; k++) {
        bool bad;
        struct mentry *e = list_lookup(c, k, &bad);
        if (bad) return;
        if (e == NULL) continue;
        uint64_t n = KV_MIN((uint64_t)count, e->list.count);
        sim_buf_array(c->out, 2);
        sim_buf_bulk(c->out, c->argv[k].ptr, c->argv[k].len);
        sim_buf_array(c->out, n);
        for (uint64_t i = 0; i < n; i++) {
            struct mval v = m_deque_pop(&e->list, left);
            sim_buf_bulk(c->out, v.p, v.len);
            free(v.p);
        }
        delete_if_empty(c, e);
        return;
    }
    sim_buf_null_array(c->out);
}

static const struct mcmd cmds[] = {
    {"lpush", -3, MF_WRITE | MF_DENYOOM, cmd_push, NULL},
    {"rpush", -3, MF_WRITE | MF_DENYOOM, cmd_push, NULL},
    {"lpushx", -3, MF_WRITE | MF_DENYOOM, cmd_push, NULL},
    {"rpushx", -3, MF_WRITE | MF_DENYOOM, cmd_push, NULL},
    {"lpop", -2, MF_WRITE, cmd_pop, NULL},
    {"rpop", -2, MF_WRITE, cmd_pop, NULL},
    {"lrange", 4, MF_READONLY, cmd_lrange, NULL},
    {"llen", 2, MF_READONLY, cmd_llen, NULL},
    {"lindex", 3, MF_READONLY, cmd_lindex, NULL},
    {"lrem", 4, MF_WRITE, cmd_lrem, NULL},
    {"ltrim", 4, MF_WRITE, cmd_ltrim, NULL},
    {"lset", 4, MF_WRITE | MF_DENYOOM, cmd_lset, NULL},
    {"linsert", 5, MF_WRITE | MF_DENYOOM, cmd_linsert, NULL},
    {"rpoplpush", 3, MF_WRITE | MF_DENYOOM, cmd_lmove, NULL},
    {"lmove", 5, MF_WRITE | MF_DENYOOM, cmd_lmove, NULL},
    {"lpos", -3, MF_READONLY, cmd_lpos, NULL},
    {"lmpop", -4, MF_WRITE, cmd_lmpop, NULL},
};

const struct mcmd_table sim_model_cmds_list = {cmds, KV_ARRAY_LEN(cmds)};

/*
 * cmd_zset.c: the sorted set commands: ZADD ZINCRBY ZCARD ZSCORE ZMSCORE ZREM ZRANGE
 * ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE ZREVRANGE ZRANGEBYLEX ZREVRANGEBYLEX
 * ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
 * ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN, and the table rows of the algebra (ZUNION
 * ZINTER ZDIFF ZINTERCARD and the STORE forms: src/cmd_zsetops.c, through cmd_zset.h).
 * Replies, errors and the order in which arguments, keys and types are checked are
 * Redis 7.0's (t_zset.c), byte for byte in RESP2 and RESP3 (scores are doubles: %.17g
 * bulks in RESP2, RESP3 doubles; WITHSCORES pairs are nested arrays in RESP3). The
 * storage is src/zset.c through ks_zset.h.
 *
 * Memory: owns none. A write first computes the bytes its puts may allocate
 * (kv_ks_zset_room, plus a new key's item) and answers -OOM unless one free block of
 * that size exists (the engine's pre-check made room with the same figures), so
 * every put after it succeeds: a command completes or changes nothing. A range is
 * planned once (its first rank, length and direction) by the same code for the
 * reply bound and the run, and the bound walks the range it will reply.
 * Deviations: a score or range bound longer than SCORE_TEXT_MAX bytes is refused as
 * not a float (Redis parses any length); ZSCAN pages a skiplist over its member index
 * with kv's own cursor values (Redis walks its dict), which SCAN's guarantees allow.
 * Invariants: a sorted set that empties is deleted; every modified key goes to
 * kv_engine_touch.
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_zset.h"
#include "kv/util.h"

#define SCORE_TEXT_MAX 512u
#define AGG_HDR_MAX 32u
#define PAIR_HDR 4u            /* "*2\r\n" */
#define ERR_NAN "ERR resulting score is not a number (NaN)"
#define ERR_RANGE_FLOAT "ERR min or max is not a float"
#define ERR_RANGE_LEX "ERR min or max not valid string range item"
#define ERR_POSITIVE "ERR value is out of range, must be positive"
#define ERR_LIMIT_RANK "ERR syntax error, LIMIT is only supported in combination with " \
                       "either BYSCORE or BYLEX"
#define ERR_WITHSCORES_LEX "ERR syntax error, WITHSCORES not supported in combination with BYLEX"

static struct kv_zset_head *head_of(struct kv_item *it) { return kv_ks_zset_head(it); }

/* Key argv[i] as a sorted set: *out the item or NULL; WRONGTYPE replied otherwise. */
static bool find_zset(struct kv_cmd_ctx *c, uint32_t i, bool read, struct kv_item **out) {
    KV_ASSERT(i < c->argc);
    struct kv_slice k = c->argv[i];
    struct kv_item *it = read ? kv_ks_find_read(c->ks, k.ptr, k.len)
                              : kv_ks_find(c->ks, k.ptr, k.len);
    *out = it;
    if (it != NULL && kv_item_type(it) != KV_TYPE_ZSET) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return false;
    }
    KV_ASSERT(it == NULL || head_of(it)->count > 0);
    return true;
}

/* A live sorted set under argv[i], without side effects, or NULL. */
static const struct kv_zset_head *peek_zset(struct kv_cmd_ctx *c, uint32_t i) {
    if (i >= c->argc) return NULL;
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[i].ptr, c->argv[i].len);
    if (it == NULL || kv_ks_item_expired(c->ks, it) || kv_item_type(it) != KV_TYPE_ZSET)
        return NULL;
    return head_of(it);
}

/* After modifying argv[i]: deletes the key if it emptied; tells WATCH. */
static void modified(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it) {
    KV_ASSERT(it != NULL && i < c->argc);
    if (head_of(it)->count == 0) kv_ks_delete(c->ks, it);
    kv_engine_touch(c->engine, c->argv[i].ptr, c->argv[i].len);
}

/* Bytes a new sorted set item under argv[key] takes, counted like zset.c's room. */
static uint64_t item_room(const struct kv_cmd_ctx *c, uint32_t key) {
    return kv_ks_string_bytes(c->argv[key].len, sizeof(struct kv_zset_head)) + 64;
}

uint64_t kv_cz_item_room(const struct kv_cmd_ctx *c, uint32_t key) { return item_room(c, key); }

/* ---- numbers ------------------------------------------------------------------- */

/* Redis's string2d (ZADD, ZINCRBY scores): strtod over the whole argument, no
 * leading space, no NaN, no overflow or underflow to zero. */
static bool parse_score(struct kv_slice s, double *out) {
    char buf[SCORE_TEXT_MAX];
    if (s.len == 0 || s.len >= sizeof(buf)) return false;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + s.len || buf[0] == ' ' || (buf[0] >= '\t' && buf[0] <= '\r')) return false;
    if (errno == ERANGE && (isinf(v) || v == 0)) return false;
    if (isnan(v)) return false;
    *out = v;
    return true;
}

bool kv_cz_parse_score(struct kv_slice s, double *out) { return parse_score(s, out); }

/* strtod over a C string (the argument up to its first NUL), as zslParseRange
 * reads a bound: anything may precede nothing ("" is 0), NaN refused. */
static bool parse_cstr_double(const uint8_t *p, uint32_t len, double *out) {
    char buf[SCORE_TEXT_MAX];
    if (len >= sizeof(buf)) return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (*end != '\0' || isnan(v)) return false;
    *out = v;
    return true;
}

/* Redis's string2ll-based getLongFromObject (range indexes, LIMIT). */
static bool parse_long(struct kv_slice s, int64_t *out) { return kv_str2ll(s.ptr, s.len, out); }

/* ---- ranges -------------------------------------------------------------------- */

struct score_range {
    double min, max;
    bool minex, maxex;
};

static bool parse_score_range(struct kv_slice lo, struct kv_slice hi, struct score_range *r) {
    r->minex = lo.len > 0 && lo.ptr[0] == '(';
    r->maxex = hi.len > 0 && hi.ptr[0] == '(';
    uint32_t a = r->minex ? 1 : 0, b = r->maxex ? 1 : 0;
    return parse_cstr_double(lo.ptr + a, lo.len - a, &r->min) &&
           parse_cstr_double(hi.ptr + b, hi.len - b, &r->max);
}

enum lex_kind { LEX_MIN = 0, LEX_MAX = 1, LEX_VALUE = 2 };

struct lex_item {
    enum lex_kind kind;
    bool ex;
    struct kv_slice v;
};

/* zslParseLexRangeItem: "-", "+", "(value" or "[value". */
static bool parse_lex_item(struct kv_slice s, struct lex_item *out) {
    if (s.len == 0) return false;
    bool alone = s.len == 1 || s.ptr[1] == '\0';
    out->v = (struct kv_slice){s.ptr + 1, s.len - 1};
    out->ex = true;
    switch (s.ptr[0]) {
    case '+': out->kind = LEX_MAX; return alone;
    case '-': out->kind = LEX_MIN; return alone;
    case '(': out->kind = LEX_VALUE; return true;
    case '[': out->kind = LEX_VALUE; out->ex = false; return true;
    default: return false;
    }
}

/* sdscmplex: "-" below and "+" above every string. */
static int lex_cmp(const struct lex_item *a, const struct lex_item *b) {
    if (a->kind == b->kind && a->kind != LEX_VALUE) return 0;
    if (a->kind == LEX_MIN || b->kind == LEX_MAX) return -1;
    if (a->kind == LEX_MAX || b->kind == LEX_MIN) return 1;
    return kv_zset_cmp_member(a->v, b->v);
}

static bool lex_gte_min(struct kv_slice m, const struct lex_item *lo) {
    if (lo->kind != LEX_VALUE) return lo->kind == LEX_MIN;
    int c = kv_zset_cmp_member(m, lo->v);
    return lo->ex ? c > 0 : c >= 0;
}

static bool lex_lte_max(struct kv_slice m, const struct lex_item *hi) {
    if (hi->kind != LEX_VALUE) return hi->kind == LEX_MAX;
    int c = kv_zset_cmp_member(m, hi->v);
    return hi->ex ? c < 0 : c <= 0;
}

static struct kv_slice member_at(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                                 uint64_t rank) {
    struct kv_zset_iter it;
    struct kv_slice m;
    double s;
    kv_ks_zset_iter_at(&it, c->ks, h, rank);
    kv_zset_iter_get(&it, &m, &s);
    return m;
}

/* zslIsInLexRange / zzlIsInLexRange: a non-empty range that may meet h (its last
 * member at least min, its first at most max). */
static bool lex_may_meet(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                         const struct lex_item *lo, const struct lex_item *hi) {
    int cmp = lex_cmp(lo, hi);
    if (cmp > 0 || (cmp == 0 && (lo->ex || hi->ex))) return false;
    return lex_gte_min(member_at(c, h, h->count - 1), lo) && lex_lte_max(member_at(c, h, 0), hi);
}

/* The first rank a forward lex walk starts at (Redis's FirstInLexRange); count: none. */
static uint64_t lex_first(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                          const struct lex_item *lo, const struct lex_item *hi) {
    if (!lex_may_meet(c, h, lo, hi)) return h->count;
    if (lo->kind == LEX_MIN) return 0;
    uint64_t r = kv_ks_zset_count_lex(c->ks, h, lo->v, lo->ex);
    return r < h->count && lex_lte_max(member_at(c, h, r), hi) ? r : h->count;
}

/* One past the rank a reverse lex walk starts at (LastInLexRange); 0: none. */
static uint64_t lex_last(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                         const struct lex_item *lo, const struct lex_item *hi) {
    if (!lex_may_meet(c, h, lo, hi)) return 0;
    uint64_t r = hi->kind == LEX_MAX ? h->count : kv_ks_zset_last_lex(c->ks, h, hi->v, !hi->ex);
    return r > 0 && lex_gte_min(member_at(c, h, r - 1), lo) ? r : 0;
}

/* Members from rank `at` (downwards if rev), up to `limit`, while in the lex range. */
static uint64_t lex_run(struct kv_cmd_ctx *c, const struct kv_zset_head *h, uint64_t at,
                        bool rev, const struct lex_item *lo, const struct lex_item *hi,
                        uint64_t limit) {
    struct kv_zset_iter it;
    uint64_t n = 0;
    kv_ks_zset_iter_at(&it, c->ks, h, at);
    while (n < limit) {  /* at most count steps */
        struct kv_slice m;
        double s;
        kv_zset_iter_get(&it, &m, &s);
        if (rev ? !lex_gte_min(m, lo) : !lex_lte_max(m, hi)) break;
        n++;
        if (!(rev ? kv_zset_iter_prev(&it) : kv_zset_iter_next(&it))) break;
    }
    return n;
}

/* A forward lex walk's ranks [*from, *to) (ZLEXCOUNT, ZREMRANGEBYLEX). */
static void lex_span(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                     const struct lex_item *lo, const struct lex_item *hi, uint64_t *from,
                     uint64_t *to) {
    *from = lex_first(c, h, lo, hi);
    *to = *from;
    if (*from < h->count) *to = *from + lex_run(c, h, *from, false, lo, hi, UINT64_MAX);
}

/* The ranks [*from, *to) a score range covers. */
static void score_span(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                       const struct score_range *r, uint64_t *from, uint64_t *to) {
    *from = kv_ks_zset_count_score(c->ks, h, r->min, r->minex);
    *to = kv_ks_zset_count_score(c->ks, h, r->max, !r->maxex);
    if (*to < *from) *to = *from;
}

/* Rank indexes as Redis sanitises them: [*from, *to) within count. */
static void rank_span(uint64_t count, int64_t start, int64_t end, uint64_t *from, uint64_t *to) {
    int64_t llen = (int64_t)count;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    *from = *to = 0;
    if (start > end || start >= llen) return;
    if (end >= llen) end = llen - 1;
    *from = (uint64_t)start;
    *to = (uint64_t)end + 1;
}

/* ---- the ZRANGE family --------------------------------------------------------- */

enum range_by { BY_AUTO = 0, BY_RANK = 1, BY_SCORE = 2, BY_LEX = 3 };

struct range_args {
    uint32_t key;         /* argv index of the source */
    enum range_by by;
    bool rev, withscores, store;
    int64_t offset, limit;  /* limit -1: none */
    int64_t start, end;     /* BY_RANK */
    struct score_range sr;  /* BY_SCORE */
    struct lex_item lo, hi; /* BY_LEX */
};

/* zrangeGenericCommand's parsing, from argv[first] (the source key); NULL or the error. */
static const char *range_parse(const struct kv_cmd_ctx *c, uint32_t first, enum range_by by,
                               int rev, bool store, struct range_args *ra) {
    memset(ra, 0, sizeof(*ra));
    ra->key = first;
    ra->limit = -1;
    ra->store = store;
    bool rev_auto = rev < 0;
    ra->rev = rev > 0;
    for (uint32_t j = first + 3; j < c->argc; j++) {
        uint32_t left = c->argc - j - 1;
        if (!store && kv_cmd_opt(c, j, "withscores")) {
            ra->withscores = true;
        } else if (kv_cmd_opt(c, j, "limit") && left >= 2) {
            if (!parse_long(c->argv[j + 1], &ra->offset) || !parse_long(c->argv[j + 2], &ra->limit))
                return KV_ERR_NOT_INT;
            j += 2;
        } else if (rev_auto && kv_cmd_opt(c, j, "rev")) {
            ra->rev = true;
            rev_auto = false;
        } else if (by == BY_AUTO && kv_cmd_opt(c, j, "bylex")) {
            by = BY_LEX;
        } else if (by == BY_AUTO && kv_cmd_opt(c, j, "byscore")) {
            by = BY_SCORE;
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    ra->by = by == BY_AUTO ? BY_RANK : by;
    if (ra->limit != -1 && ra->by == BY_RANK) return ERR_LIMIT_RANK;  /* offset unchecked */
    if (ra->withscores && ra->by == BY_LEX) return ERR_WITHSCORES_LEX;
    struct kv_slice lo = c->argv[first + 1], hi = c->argv[first + 2];
    if (ra->rev && ra->by != BY_RANK) {
        struct kv_slice t = lo;
        lo = hi;
        hi = t;
    }
    if (ra->by == BY_RANK) {
        if (!parse_long(lo, &ra->start) || !parse_long(hi, &ra->end)) return KV_ERR_NOT_INT;
    } else if (ra->by == BY_SCORE) {
        if (!parse_score_range(lo, hi, &ra->sr)) return ERR_RANGE_FLOAT;
    } else if (!parse_lex_item(lo, &ra->lo) || !parse_lex_item(hi, &ra->hi)) {
        return ERR_RANGE_LEX;
    }
    return NULL;
}

/* The walk a parsed range makes over h: n members from rank `at`, downwards if rev. */
struct range_walk {
    uint64_t at, n;
    bool rev;
};

/* Redis's lex walk: from the first (or last) member in range, `offset` members
 * skipped unchecked, then up to `limit` while in range. */
static void lex_plan(struct kv_cmd_ctx *c, const struct range_args *ra,
                     const struct kv_zset_head *h, struct range_walk *w) {
    uint64_t limit = ra->limit < 0 ? UINT64_MAX : (uint64_t)ra->limit;
    if (ra->offset < 0 || (uint64_t)ra->offset >= h->count || limit == 0) return;
    uint64_t off = (uint64_t)ra->offset;
    if (!ra->rev) {
        uint64_t first = lex_first(c, h, &ra->lo, &ra->hi);
        if (first >= h->count || off >= h->count - first) return;
        w->at = first + off;
    } else {
        uint64_t last = lex_last(c, h, &ra->lo, &ra->hi);
        if (last == 0 || off >= last) return;
        w->at = last - 1 - off;
    }
    w->n = lex_run(c, h, w->at, ra->rev, &ra->lo, &ra->hi, limit);
}

static void range_plan(struct kv_cmd_ctx *c, const struct range_args *ra,
                       const struct kv_zset_head *h, struct range_walk *w) {
    uint64_t from, to;
    w->rev = ra->rev;
    w->n = 0;
    w->at = 0;
    if (ra->by == BY_RANK) {
        rank_span(h->count, ra->start, ra->end, &from, &to);
        w->n = to - from;
        w->at = ra->rev ? h->count - 1 - from : from;
        return;
    }
    if (ra->by == BY_LEX) {
        lex_plan(c, ra, h, w);
        return;
    }
    score_span(c, h, &ra->sr, &from, &to);
    if (ra->offset < 0 || (uint64_t)ra->offset >= to - from) return;
    uint64_t n = to - from - (uint64_t)ra->offset;
    if (ra->limit >= 0 && (uint64_t)ra->limit < n) n = (uint64_t)ra->limit;
    w->n = n;
    w->at = ra->rev ? to - 1 - (uint64_t)ra->offset : from + (uint64_t)ra->offset;
}

typedef void (*member_fn)(struct kv_cmd_ctx *c, void *ctx, struct kv_slice m, double score);

/* Visits the walk's members in order. */
static void range_visit(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                        const struct range_walk *w, member_fn fn, void *ctx) {
    if (w->n == 0) return;
    struct kv_zset_iter it;
    kv_ks_zset_iter_at(&it, c->ks, h, w->at);
    for (uint64_t i = 0; i < w->n; i++) {
        struct kv_slice m;
        double s;
        kv_zset_iter_get(&it, &m, &s);
        fn(c, ctx, m, s);
        bool more = w->rev ? kv_zset_iter_prev(&it) : kv_zset_iter_next(&it);
        KV_ASSERT(more || i + 1 == w->n);
    }
}

struct emit {
    bool withscores;
    uint64_t bytes;
};

static void emit_member(struct kv_cmd_ctx *c, void *ctx, struct kv_slice m, double score) {
    struct emit *e = ctx;
    if (e->withscores && c->session->proto > 2) kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, m.ptr, m.len);
    if (e->withscores) kv_reply_double(c->out, score);
}

static void size_member(struct kv_cmd_ctx *c, void *ctx, struct kv_slice m, double score) {
    struct emit *e = ctx;
    e->bytes += kv_reply_bulk_size(m.len) + (e->withscores ? KV_REPLY_DOUBLE_MAX + PAIR_HDR : 0);
}

static void reply_walk(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                       const struct range_walk *w, bool withscores) {
    bool flat = withscores && c->session->proto == 2;
    kv_reply_array(c->out, flat ? w->n * 2 : w->n);
    struct emit e = {withscores, 0};
    range_visit(c, h, w, emit_member, &e);
}

static void range_generic(struct kv_cmd_ctx *c, enum range_by by, int rev) {
    struct range_args ra;
    const char *err = range_parse(c, 1, by, rev, false, &ra);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    struct kv_slice k = c->argv[1];
    it = kv_ks_find_read(c->ks, k.ptr, k.len);
    if (it == NULL) {
        kv_reply_array(c->out, 0);
        return;
    }
    if (kv_item_type(it) != KV_TYPE_ZSET) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    struct range_walk w;
    range_plan(c, &ra, head_of(it), &w);
    reply_walk(c, head_of(it), &w, ra.withscores);
}

static uint64_t range_bound_generic(struct kv_cmd_ctx *c, enum range_by by, int rev) {
    uint64_t base = kv_cmd_bound_default(c) + AGG_HDR_MAX;
    struct range_args ra;
    const struct kv_zset_head *h = peek_zset(c, 1);
    if (h == NULL || range_parse(c, 1, by, rev, false, &ra) != NULL) return base;
    struct range_walk w;
    range_plan(c, &ra, h, &w);
    struct emit e = {ra.withscores, 0};
    range_visit(c, h, &w, size_member, &e);
    return base + e.bytes;
}

static void cmd_zrange(struct kv_cmd_ctx *c) { range_generic(c, BY_AUTO, -1); }
static uint64_t bound_zrange(struct kv_cmd_ctx *c) { return range_bound_generic(c, BY_AUTO, -1); }
static void cmd_zrevrange(struct kv_cmd_ctx *c) { range_generic(c, BY_RANK, 1); }
static uint64_t bound_zrevrange(struct kv_cmd_ctx *c) {
    return range_bound_generic(c, BY_RANK, 1);
}
static void cmd_zrangebyscore(struct kv_cmd_ctx *c) { range_generic(c, BY_SCORE, 0); }
static uint64_t bound_zrangebyscore(struct kv_cmd_ctx *c) {
    return range_bound_generic(c, BY_SCORE, 0);
}
static void cmd_zrevrangebyscore(struct kv_cmd_ctx *c) { range_generic(c, BY_SCORE, 1); }
static uint64_t bound_zrevrangebyscore(struct kv_cmd_ctx *c) {
    return range_bound_generic(c, BY_SCORE, 1);
}
static void cmd_zrangebylex(struct kv_cmd_ctx *c) { range_generic(c, BY_LEX, 0); }
static uint64_t bound_zrangebylex(struct kv_cmd_ctx *c) {
    return range_bound_generic(c, BY_LEX, 0);
}
static void cmd_zrevrangebylex(struct kv_cmd_ctx *c) { range_generic(c, BY_LEX, 1); }
static uint64_t bound_zrevrangebylex(struct kv_cmd_ctx *c) {
    return range_bound_generic(c, BY_LEX, 1);
}

/* ---- ZRANGESTORE ----------------------------------------------------------------- */

struct build {
    struct kv_zset_head *dst;  /* NULL: sizing */
    uint64_t n, packed, nodes;
};

static void build_member(struct kv_cmd_ctx *c, void *ctx, struct kv_slice m, double score) {
    struct build *b = ctx;
    if (b->dst != NULL) {
        (void)kv_ks_zset_put(c->ks, b->dst, m, score);
        return;
    }
    b->n++;
    b->packed += kv_zset_packed_size(m);
    b->nodes += kv_ks_zset_member_room(c->ks, m);
}

/* What storing walk w of h into a new sorted set may allocate (puts and the item). */
static uint64_t store_room(struct kv_cmd_ctx *c, const struct kv_zset_head *h,
                           const struct range_walk *w, uint64_t *packed) {
    struct build b = {NULL, 0, 0, 0};
    range_visit(c, h, w, build_member, &b);
    *packed = b.packed;
    return kv_zset_build_room(b.n, b.packed) + b.nodes + item_room(c, 1);
}

static void room_zrangestore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    struct range_args ra;
    const struct kv_zset_head *h = peek_zset(c, 2);
    *need = *largest = item_room(c, 1);
    if (h == NULL || range_parse(c, 2, BY_AUTO, -1, true, &ra) != NULL) return;
    struct range_walk w;
    uint64_t packed;
    range_plan(c, &ra, h, &w);
    *need = *largest = store_room(c, h, &w, &packed);
}

/* Replaces argv[dst] by the detached set *tmp (or deletes it when tmp is empty). */
static void store_result(struct kv_cmd_ctx *c, uint32_t dst, struct kv_zset_head *tmp) {
    struct kv_slice dk = c->argv[dst];
    if (tmp->count == 0) {
        kv_ks_zset_release(c->ks, tmp);
        if (kv_ks_delete_key(c->ks, dk.ptr, dk.len)) kv_engine_touch(c->engine, dk.ptr, dk.len);
        return;
    }
    struct kv_item *it = kv_ks_set(c->ks, dk.ptr, dk.len, KV_TYPE_ZSET,
                                   (uint32_t)sizeof(struct kv_zset_head), false);
    KV_ASSERT(it != NULL);  /* counted in the room */
    *head_of(it) = *tmp;
    kv_engine_touch(c->engine, dk.ptr, dk.len);
}

void kv_cz_store(struct kv_cmd_ctx *c, uint32_t dst, struct kv_zset_head *tmp) {
    store_result(c, dst, tmp);
}

static void cmd_zrangestore(struct kv_cmd_ctx *c) {
    struct range_args ra;
    const char *err = range_parse(c, 2, BY_AUTO, -1, true, &ra);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_slice sk = c->argv[2];
    struct kv_item *src = kv_ks_find_read(c->ks, sk.ptr, sk.len);
    if (src != NULL && kv_item_type(src) != KV_TYPE_ZSET) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    struct range_walk w = {0, 0, false};
    struct kv_zset_head tmp;
    kv_zset_init(&tmp);
    if (src != NULL) range_plan(c, &ra, head_of(src), &w);
    if (w.n > 0) {
        uint64_t packed, need = store_room(c, head_of(src), &w, &packed);
        if (!kv_ks_fits(c->ks, need, need)) {
            kv_reply_error(c->out, KV_ERR_OOM);
            return;
        }
        /* Built detached first: the destination may be the source. */
        struct build b = {&tmp, 0, 0, 0};
        /* zsetTypeCreate: a rank range's known length picks the encoding up front */
        if (ra.by == BY_RANK && w.n > kv_ks_zset_packed_entries(c->ks))
            kv_ks_zset_init_skiplist(c->ks, &tmp, w.n);
        else
            kv_ks_zset_reserve_bytes(c->ks, &tmp, packed);
        range_visit(c, head_of(src), &w, build_member, &b);
        kv_ks_zset_trim(c->ks, &tmp);
    }
    uint64_t n = tmp.count;
    store_result(c, 1, &tmp);
    kv_reply_int(c->out, (int64_t)n);
}

/* ---- ZADD ZINCRBY ---------------------------------------------------------------- */

enum { ZF_NX = 1, ZF_XX = 2, ZF_GT = 4, ZF_LT = 8, ZF_CH = 16, ZF_INCR = 32 };

/* The flags from argv[2]; *first gets the first score's index. NULL or the error. */
static const char *zadd_flags(const struct kv_cmd_ctx *c, uint32_t *flags, uint32_t *first) {
    uint32_t f = 0, i = 2;
    for (; i < c->argc; i++) {
        if (kv_cmd_opt(c, i, "nx")) f |= ZF_NX;
        else if (kv_cmd_opt(c, i, "xx")) f |= ZF_XX;
        else if (kv_cmd_opt(c, i, "ch")) f |= ZF_CH;
        else if (kv_cmd_opt(c, i, "incr")) f |= ZF_INCR;
        else if (kv_cmd_opt(c, i, "gt")) f |= ZF_GT;
        else if (kv_cmd_opt(c, i, "lt")) f |= ZF_LT;
        else break;
    }
    *flags = f;
    *first = i;
    uint32_t elements = c->argc - i;
    if (elements % 2 != 0 || elements == 0) return KV_ERR_SYNTAX;
    if ((f & ZF_NX) && (f & ZF_XX))
        return "ERR XX and NX options at the same time are not compatible";
    if (((f & ZF_GT) && (f & ZF_NX)) || ((f & ZF_LT) && (f & ZF_NX)) ||
        ((f & ZF_GT) && (f & ZF_LT)))
        return "ERR GT, LT, and/or NX options at the same time are not compatible";
    if ((f & ZF_INCR) && elements > 2) return "ERR INCR option supports a single increment-element pair";
    for (uint32_t j = i; j < c->argc; j += 2) {
        double s;
        if (!parse_score(c->argv[j], &s)) return KV_ERR_NOT_FLOAT;
    }
    return NULL;
}

/* zsetAdd's decision for one pair: whether to put, and the score to put. */
enum zadd_out { Z_NOP = 0, Z_ADDED = 1, Z_UPDATED = 2, Z_SAME = 3, Z_NAN = 4 };

static enum zadd_out zadd_decide(uint32_t f, bool exists, double cur, double *score) {
    if (!exists) return (f & ZF_XX) ? Z_NOP : Z_ADDED;
    if (f & ZF_NX) return Z_NOP;
    if (f & ZF_INCR) {
        *score += cur;
        if (isnan(*score)) return Z_NAN;
    }
    if (((f & ZF_LT) && *score >= cur) || ((f & ZF_GT) && *score <= cur)) return Z_NOP;
    return *score != cur ? Z_UPDATED : Z_SAME;
}

static uint64_t zadd_need(struct kv_cmd_ctx *c, uint32_t first) {
    const struct kv_zset_head *h = peek_zset(c, 1);
    struct kv_zset_head fresh;
    uint64_t item = 0;
    if (h == NULL) {
        kv_zset_init(&fresh);
        h = &fresh;
        item = item_room(c, 1);
    }
    uint32_t n = (c->argc - first) / 2;
    return kv_ks_zset_room(c->ks, h, &c->argv[first + 1], 2, n) + item;
}

static void room_zadd(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    uint32_t flags, first;
    if (zadd_flags(c, &flags, &first) != NULL) {
        *need = *largest = 0;
        return;
    }
    *need = *largest = zadd_need(c, first);
}

static void reply_zadd(struct kv_cmd_ctx *c, uint32_t f, uint64_t added, uint64_t updated,
                       bool processed, double score) {
    if (f & ZF_INCR) {
        if (processed) kv_reply_double(c->out, score);
        else kv_reply_null(c->out);
        return;
    }
    kv_reply_int(c->out, (int64_t)((f & ZF_CH) ? added + updated : added));
}

static void zadd_run(struct kv_cmd_ctx *c, uint32_t f, uint32_t first) {
    struct kv_item *it;
    if (!find_zset(c, 1, false, &it)) return;
    if (it == NULL && (f & ZF_XX)) {
        reply_zadd(c, f, 0, 0, false, 0);
        return;
    }
    if (f & ZF_INCR) {  /* a NaN refuses before anything changes */
        double cur = 0, s = 0;
        bool ok = parse_score(c->argv[first], &s);
        bool exists = it != NULL && kv_ks_zset_score(c->ks, head_of(it), c->argv[first + 1], &cur);
        KV_ASSERT(ok);
        if (zadd_decide(f, exists, cur, &s) == Z_NAN) {
            kv_reply_error(c->out, ERR_NAN);
            return;
        }
    }
    uint64_t need = zadd_need(c, first);
    if (!kv_ks_fits(c->ks, need, need)) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    if (it == NULL) {
        struct kv_slice k = c->argv[1];
        it = kv_ks_set(c->ks, k.ptr, k.len, KV_TYPE_ZSET, (uint32_t)sizeof(struct kv_zset_head),
                       false);
        KV_ASSERT(it != NULL);  /* counted in need */
    }
    struct kv_zset_head *h = head_of(it);
    uint32_t n = (c->argc - first) / 2;
    kv_ks_zset_reserve(c->ks, h, &c->argv[first + 1], 2, n);
    uint64_t added = 0, updated = 0;
    bool processed = false;
    double score = 0;
    for (uint32_t j = first; j < c->argc; j += 2) {
        double cur = 0;
        bool ok = parse_score(c->argv[j], &score);
        KV_ASSERT(ok);
        bool exists = kv_ks_zset_score(c->ks, h, c->argv[j + 1], &cur);
        enum zadd_out o = zadd_decide(f, exists, cur, &score);
        KV_ASSERT(o != Z_NAN);
        processed = o != Z_NOP;
        if (o == Z_NOP) continue;
        if (o == Z_ADDED || o == Z_UPDATED) (void)kv_ks_zset_put(c->ks, h, c->argv[j + 1], score);
        added += o == Z_ADDED ? 1 : 0;
        updated += o == Z_UPDATED ? 1 : 0;
    }
    kv_ks_zset_trim(c->ks, h);
    if (added + updated > 0 || h->count == 0) modified(c, 1, it);
    reply_zadd(c, f, added, updated, processed, score);
}

static void cmd_zadd(struct kv_cmd_ctx *c) {
    uint32_t flags, first;
    const char *err = zadd_flags(c, &flags, &first);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    zadd_run(c, flags, first);
}

static uint64_t bound_zadd(struct kv_cmd_ctx *c) {
    return kv_cmd_bound_default(c) + KV_REPLY_DOUBLE_MAX;
}

/* Redis runs ZINCRBY as ZADD with INCR, options parsed from the increment's place on:
 * `ZINCRBY k LT m` takes LT as an option and is a syntax error (fuzz_engine corpus
 * 01b2f40e, 1a2d6b36, found by the sorted-set model on the merge). */
static void cmd_zincrby(struct kv_cmd_ctx *c) {
    uint32_t flags, first;
    const char *err = zadd_flags(c, &flags, &first);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    KV_ASSERT(first == 2 && c->argc == 4);
    zadd_run(c, flags | ZF_INCR, first);
}

static void room_zincrby(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    room_zadd(c, need, largest);
}

/* ---- ZCARD ZSCORE ZMSCORE ZREM ZRANK ZCOUNT ZLEXCOUNT ------------------------------ */

static void cmd_zcard(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    kv_reply_int(c->out, it == NULL ? 0 : (int64_t)head_of(it)->count);
}

static void cmd_zscore(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    double s;
    if (it != NULL && kv_ks_zset_score(c->ks, head_of(it), c->argv[2], &s))
        kv_reply_double(c->out, s);
    else
        kv_reply_null(c->out);
}

static uint64_t bound_zscore(struct kv_cmd_ctx *c) {
    return kv_cmd_bound_default(c) + KV_REPLY_DOUBLE_MAX;
}

static void cmd_zmscore(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    kv_reply_array(c->out, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++) {
        double s;
        if (it != NULL && kv_ks_zset_score(c->ks, head_of(it), c->argv[i], &s))
            kv_reply_double(c->out, s);
        else
            kv_reply_null(c->out);
    }
}

static uint64_t bound_zmscore(struct kv_cmd_ctx *c) {
    return kv_cmd_bound_default(c) + AGG_HDR_MAX + (uint64_t)KV_REPLY_DOUBLE_MAX * (c->argc - 2);
}

static void cmd_zrem(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_zset(c, 1, false, &it)) return;
    uint64_t n = 0;
    for (uint32_t i = 2; it != NULL && i < c->argc && head_of(it)->count > 0; i++)
        n += kv_ks_zset_remove(c->ks, head_of(it), c->argv[i]) ? 1 : 0;
    if (n > 0) modified(c, 1, it);
    kv_reply_int(c->out, (int64_t)n);
}

static void rank_generic(struct kv_cmd_ctx *c, bool rev) {
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    double s;
    if (it == NULL || !kv_ks_zset_score(c->ks, head_of(it), c->argv[2], &s)) {
        kv_reply_null(c->out);
        return;
    }
    uint64_t r = kv_ks_zset_rank(c->ks, head_of(it), c->argv[2], s);
    kv_reply_int(c->out, (int64_t)(rev ? head_of(it)->count - 1 - r : r));
}

static void cmd_zrank(struct kv_cmd_ctx *c) { rank_generic(c, false); }
static void cmd_zrevrank(struct kv_cmd_ctx *c) { rank_generic(c, true); }

static void cmd_zcount(struct kv_cmd_ctx *c) {
    struct score_range r;
    if (!parse_score_range(c->argv[2], c->argv[3], &r)) {
        kv_reply_error(c->out, ERR_RANGE_FLOAT);
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    uint64_t from = 0, to = 0;
    if (it != NULL) score_span(c, head_of(it), &r, &from, &to);
    kv_reply_int(c->out, (int64_t)(to - from));
}

static void cmd_zlexcount(struct kv_cmd_ctx *c) {
    struct lex_item lo, hi;
    if (!parse_lex_item(c->argv[2], &lo) || !parse_lex_item(c->argv[3], &hi)) {
        kv_reply_error(c->out, ERR_RANGE_LEX);
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    uint64_t from = 0, to = 0;
    if (it != NULL && head_of(it)->enc != KV_ZSET_PACKED) {
        /* Redis counts a skiplist by the ranks of its first and last members in range,
         * each searched apart: with mixed scores not a walk (and maybe negative) */
        const struct kv_zset_head *h = head_of(it);
        from = lex_first(c, h, &lo, &hi);
        to = from == h->count ? from : lex_last(c, h, &lo, &hi);
        if (to == 0) to = h->count;
        kv_reply_int(c->out, (int64_t)to - (int64_t)from);
        return;
    }
    if (it != NULL) lex_span(c, head_of(it), &lo, &hi, &from, &to);
    kv_reply_int(c->out, (int64_t)(to - from));
}

/* ---- ZREMRANGEBY* ---------------------------------------------------------------- */

static void remrange_generic(struct kv_cmd_ctx *c, enum range_by by) {
    struct score_range sr;
    struct lex_item lo, hi;
    int64_t start = 0, end = 0;
    if (by == BY_RANK && (!parse_long(c->argv[2], &start) || !parse_long(c->argv[3], &end))) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    if (by == BY_SCORE && !parse_score_range(c->argv[2], c->argv[3], &sr)) {
        kv_reply_error(c->out, ERR_RANGE_FLOAT);
        return;
    }
    if (by == BY_LEX && (!parse_lex_item(c->argv[2], &lo) || !parse_lex_item(c->argv[3], &hi))) {
        kv_reply_error(c->out, ERR_RANGE_LEX);
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, false, &it)) return;
    if (it == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    struct kv_zset_head *h = head_of(it);
    uint64_t from, to;
    if (by == BY_RANK) rank_span(h->count, start, end, &from, &to);
    else if (by == BY_SCORE) score_span(c, h, &sr, &from, &to);
    else lex_span(c, h, &lo, &hi, &from, &to);
    if (to > from) {
        kv_ks_zset_remove_ranks(c->ks, h, from, to - from);
        modified(c, 1, it);
    }
    kv_reply_int(c->out, (int64_t)(to - from));
}

static void cmd_zremrangebyrank(struct kv_cmd_ctx *c) { remrange_generic(c, BY_RANK); }
static void cmd_zremrangebyscore(struct kv_cmd_ctx *c) { remrange_generic(c, BY_SCORE); }
static void cmd_zremrangebylex(struct kv_cmd_ctx *c) { remrange_generic(c, BY_LEX); }

/* ---- ZPOPMIN ZPOPMAX ------------------------------------------------------------- */

/* Pops n members of argv[key] from its low (or high) end, each as member, score (a
 * [member, score] pair when nested); deletes the key if it empties. */
static void pop_members(struct kv_cmd_ctx *c, uint32_t key, struct kv_item *it, uint64_t n,
                        bool max, bool nested) {
    struct kv_zset_head *h = head_of(it);
    KV_ASSERT(n >= 1 && n <= h->count);
    for (uint64_t i = 0; i < n; i++) {
        struct kv_zset_iter zi;
        struct kv_slice m;
        double s;
        uint64_t rank = max ? h->count - 1 : 0;
        kv_ks_zset_iter_at(&zi, c->ks, h, rank);
        kv_zset_iter_get(&zi, &m, &s);
        if (nested) kv_reply_array(c->out, 2);
        kv_reply_bulk(c->out, m.ptr, m.len);
        kv_reply_double(c->out, s);
        kv_ks_zset_remove_ranks(c->ks, h, rank, 1);
    }
    modified(c, key, it);
}

static void pop_generic(struct kv_cmd_ctx *c, bool max) {
    if (c->argc > 3) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    int64_t count = -1;
    if (c->argc == 3 && (!parse_long(c->argv[2], &count) || count < 0)) {
        kv_reply_error(c->out, ERR_POSITIVE);  /* getPositiveLongFromObjectOrReply */
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, false, &it)) return;
    if (it == NULL || count == 0) {
        kv_reply_array(c->out, 0);
        return;
    }
    uint64_t n = count < 0 ? 1 : KV_MIN((uint64_t)count, head_of(it)->count);
    bool nested = c->argc == 3 && c->session->proto > 2;
    kv_reply_array(c->out, nested ? n : n * 2);
    pop_members(c, 1, it, n, max, nested);
}

static void cmd_zpopmin(struct kv_cmd_ctx *c) { pop_generic(c, false); }
static void cmd_zpopmax(struct kv_cmd_ctx *c) { pop_generic(c, true); }

static uint64_t bound_zpop(struct kv_cmd_ctx *c) {
    uint64_t base = kv_cmd_bound_default(c) + AGG_HDR_MAX;
    const struct kv_zset_head *h = peek_zset(c, 1);
    int64_t count = 1;
    if (h == NULL || (c->argc == 3 && (!parse_long(c->argv[2], &count) || count < 0)))
        return base;
    uint64_t n = KV_MIN((uint64_t)count, h->count);
    return base + n * (KV_REPLY_DOUBLE_MAX + PAIR_HDR + 5 + kv_decimal_digits(h->bytes)) + h->bytes;
}

/* ---- ZMPOP ------------------------------------------------------------------------ */

#define ERR_NUMKEYS "ERR numkeys should be greater than 0"
#define ERR_COUNT "ERR count should be greater than 0"

struct mpop_args {
    uint32_t numkeys;
    bool max;
    uint64_t count;
};

/* numkeys key... MIN|MAX [COUNT n] from argv[first]: NULL or the error to reply. */
static const char *mpop_parse(const struct kv_cmd_ctx *c, uint32_t first, struct mpop_args *a) {
    int64_t numkeys, count = -1;
    if (!parse_long(c->argv[first], &numkeys) || numkeys < 1) return ERR_NUMKEYS;
    if ((uint64_t)numkeys >= c->argc - first) return KV_ERR_SYNTAX;
    uint32_t where = first + 1 + (uint32_t)numkeys;
    if (where >= c->argc) return KV_ERR_SYNTAX;
    if (kv_cmd_opt(c, where, "min")) a->max = false;
    else if (kv_cmd_opt(c, where, "max")) a->max = true;
    else return KV_ERR_SYNTAX;
    for (uint32_t j = where + 1; j < c->argc; j++) {
        if (count == -1 && kv_cmd_opt(c, j, "count") && j + 1 < c->argc) {
            j++;
            if (!parse_long(c->argv[j], &count) || count < 1) return ERR_COUNT;
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    a->numkeys = (uint32_t)numkeys;
    a->count = count == -1 ? 1 : (uint64_t)count;
    return NULL;
}

/* The first key from argv[first + 1] holding a sorted set: 0 none; WRONGTYPE replied
 * (returns UINT32_MAX) when the first existing key holds another type. */
static uint32_t mpop_key(struct kv_cmd_ctx *c, uint32_t first, uint32_t numkeys,
                         struct kv_item **out) {
    for (uint32_t i = first + 1; i <= first + numkeys; i++) {
        struct kv_item *it = kv_ks_find(c->ks, c->argv[i].ptr, c->argv[i].len);
        if (it == NULL) continue;
        if (kv_item_type(it) != KV_TYPE_ZSET) {
            kv_reply_error(c->out, KV_ERR_WRONGTYPE);
            return UINT32_MAX;
        }
        *out = it;
        return i;
    }
    return 0;
}

static void cmd_zmpop(struct kv_cmd_ctx *c) {
    struct mpop_args a;
    const char *err = mpop_parse(c, 1, &a);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it = NULL;
    uint32_t key = mpop_key(c, 1, a.numkeys, &it);
    if (key == UINT32_MAX) return;
    if (key == 0) {
        kv_reply_null_array(c->out);
        return;
    }
    uint64_t n = KV_MIN(a.count, head_of(it)->count);
    kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, c->argv[key].ptr, c->argv[key].len);
    kv_reply_array(c->out, n);
    pop_members(c, key, it, n, a.max, true);
}

static uint64_t bound_zmpop(struct kv_cmd_ctx *c) {
    uint64_t base = kv_cmd_bound_default(c) + 3 * AGG_HDR_MAX;
    struct mpop_args a;
    if (mpop_parse(c, 1, &a) != NULL) return base;
    uint64_t most = 0;
    for (uint32_t i = 2; i < 2 + a.numkeys; i++) {  /* the one popped is one of them */
        const struct kv_zset_head *h = peek_zset(c, i);
        if (h == NULL) continue;
        uint64_t n = KV_MIN(a.count, h->count);
        uint64_t b = kv_reply_bulk_size(c->argv[i].len) + h->bytes +
                     n * (KV_REPLY_DOUBLE_MAX + PAIR_HDR + 5 + kv_decimal_digits(h->bytes));
        most = KV_MAX(most, b);
    }
    return base + most;
}

/* ---- ZRANDMEMBER ------------------------------------------------------------------- */

#define ERR_RANGE_LONG "ERR value is out of range, value must between -9223372036854775807 " \
                       "and 9223372036854775807"

static void emit_rand(struct kv_cmd_ctx *c, struct kv_slice m, double s, bool withscores) {
    if (withscores && c->session->proto > 2) kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, m.ptr, m.len);
    if (withscores) kv_reply_double(c->out, s);
}

/* ZRANDMEMBER key count [WITHSCORES]: NULL or the error; *count, *uniq, *withscores. */
static const char *rand_parse(const struct kv_cmd_ctx *c, uint64_t *count, bool *uniq,
                              bool *withscores) {
    int64_t l; /* Redis: the count first, then the syntax (sim seeds 1, 2 --types=zset) */
    if (!parse_long(c->argv[2], &l)) return KV_ERR_NOT_INT;
    if (l == INT64_MIN) return ERR_RANGE_LONG;
    if (c->argc > 4) return KV_ERR_SYNTAX;
    *withscores = c->argc == 4;
    if (c->argc == 4 && !kv_cmd_opt(c, 3, "withscores")) return KV_ERR_SYNTAX;
    if (*withscores && (l > INT64_MAX / 2 || l < -(INT64_MAX / 2)))  /* count * 2 overflows */
        return "ERR value is out of range";
    *uniq = l >= 0;
    *count = l >= 0 ? (uint64_t)l : (uint64_t)(-l);
    return NULL;
}

static void rand_count(struct kv_cmd_ctx *c) {
    uint64_t count;
    bool uniq, ws;
    const char *err = rand_parse(c, &count, &uniq, &ws);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    if (it == NULL || count == 0) {
        kv_reply_array(c->out, 0);
        return;
    }
    const struct kv_zset_head *h = head_of(it);
    uint64_t n = uniq ? KV_MIN(count, h->count) : count;
    kv_reply_array(c->out, ws && c->session->proto == 2 ? n * 2 : n);
    struct kv_zset_iter zi;
    struct kv_slice m;
    double s;
    if (!uniq || n == 1) {
        for (uint64_t i = 0; i < n; i++) {
            kv_ks_zset_iter_at(&zi, c->ks, h, kv_ks_random_u64(c->ks) % h->count);
            kv_zset_iter_get(&zi, &m, &s);
            emit_rand(c, m, s, ws);
        }
        return;
    }
    if (n == h->count) {  /* the whole set, in zuiNext's order: from the tail */
        kv_ks_zset_iter_at(&zi, c->ks, h, h->count - 1);
        do {
            kv_zset_iter_get(&zi, &m, &s);
            emit_rand(c, m, s, ws);
        } while (kv_zset_iter_prev(&zi));
        return;
    }
    /* distinct: selection sampling (Knuth's algorithm S) in the set's order */
    uint64_t left = h->count, need = n;
    kv_ks_zset_iter_at(&zi, c->ks, h, 0);
    for (uint64_t i = 0; i < h->count && need > 0; i++, left--) {
        if (kv_ks_random_u64(c->ks) % left < need) {
            kv_zset_iter_get(&zi, &m, &s);
            emit_rand(c, m, s, ws);
            need--;
        }
        (void)kv_zset_iter_next(&zi);
    }
    KV_ASSERT(need == 0);
}

static void cmd_zrandmember(struct kv_cmd_ctx *c) {
    if (c->argc >= 3) {
        rand_count(c);
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    if (it == NULL) {
        kv_reply_null(c->out);
        return;
    }
    struct kv_zset_iter zi;
    struct kv_slice m;
    double s;
    kv_ks_zset_iter_at(&zi, c->ks, head_of(it), kv_ks_random_u64(c->ks) % head_of(it)->count);
    kv_zset_iter_get(&zi, &m, &s);
    kv_reply_bulk(c->out, m.ptr, m.len);
}

static uint64_t bound_zrandmember(struct kv_cmd_ctx *c) {
    uint64_t base = kv_cmd_bound_default(c) + AGG_HDR_MAX;
    const struct kv_zset_head *h = peek_zset(c, 1);
    if (h == NULL) return base;
    uint64_t count = 1, longest = 0;
    bool uniq = true, ws = false;
    if (c->argc >= 3 && rand_parse(c, &count, &uniq, &ws) != NULL) return base;
    uint64_t per = 5 + PAIR_HDR + KV_REPLY_DOUBLE_MAX + kv_decimal_digits(h->bytes);
    if (uniq) return base + KV_MIN(count, h->count) * per + h->bytes;
    struct kv_zset_iter zi;
    kv_ks_zset_iter_at(&zi, c->ks, h, 0);
    do {
        struct kv_slice m;
        double s;
        kv_zset_iter_get(&zi, &m, &s);
        longest = KV_MAX(longest, (uint64_t)m.len);
    } while (kv_zset_iter_next(&zi));
    if (count > (UINT64_MAX - base) / (per + longest + 16)) return UINT64_MAX / 2;
    return base + count * (per + longest + kv_decimal_digits(longest));
}

/* ---- ZSCAN ----------------------------------------------------------------------- */

/* A score as ZSCAN shows it: a listpack's stored text (an integral score within
 * +-2^62 as an integer), a skiplist's ld2string (%.17Lg). */
static uint32_t scan_score(char *buf, double s, bool packed) {
    if (isinf(s)) return (uint32_t)snprintf(buf, 32, "%s", s > 0 ? "inf" : "-inf");
    if (packed && s == (double)(int64_t)s && fabs(s) < 4611686018427387904.0)
        return kv_fmt_i64(buf, (int64_t)s);
    return (uint32_t)snprintf(buf, 40, "%.17Lg", (long double)s);
}

static bool scan_args(const struct kv_cmd_ctx *c, const char **err, const struct kv_slice **pat) {
    *pat = NULL;
    for (uint32_t i = 3; i < c->argc; i += 2) {
        if (i + 1 < c->argc && kv_cmd_opt(c, i, "count")) {
            int64_t n;
            if (!parse_long(c->argv[i + 1], &n)) *err = KV_ERR_NOT_INT;
            else if (n < 1) *err = KV_ERR_SYNTAX;
            else continue;
            return false;
        } else if (i + 1 < c->argc && kv_cmd_opt(c, i, "match")) {
            const struct kv_slice *p = &c->argv[i + 1];
            *pat = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
        } else {
            *err = KV_ERR_SYNTAX;
            return false;
        }
    }
    return true;
}

/* Redis's parseScanCursorOrReply: strtoul over a C string (a sign, then digits up
 * to the end or a NUL byte; no digits: 0). */
static bool scan_cursor(struct kv_slice a, uint64_t *cursor) {
    uint32_t i = a.len > 0 && (a.ptr[0] == '+' || a.ptr[0] == '-') ? 1 : 0, from = i;
    bool negative = i == 1 && a.ptr[0] == '-';
    uint64_t v = 0;
    for (; i < a.len && a.ptr[i] >= '0' && a.ptr[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(a.ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *cursor = 0;
    if (i == from) return a.len == 0 || a.ptr[0] == '\0';
    if (i < a.len && a.ptr[i] != '\0') return false;
    *cursor = negative ? 0 - v : v;
    return true;
}

/* One page's members and scores: counted, and with emit written. */
struct zscan_walk {
    struct kv_cmd_ctx *c;
    const struct kv_slice *pat;  /* NULL: every member */
    bool packed, emit;
    uint64_t n, bytes;           /* bulks, their reply bytes */
};

static void scan_visit(void *ctx, struct kv_slice m, double s) {
    struct zscan_walk *w = ctx;
    char buf[48];
    if (w->pat != NULL && !kv_glob_match(w->pat->ptr, w->pat->len, m.ptr, m.len)) return;
    uint32_t len = scan_score(buf, s, w->packed);
    w->n += 2;
    w->bytes += kv_reply_bulk_size(m.len) + kv_reply_bulk_size(len);
    if (!w->emit) return;
    kv_reply_bulk(w->c->out, m.ptr, m.len);
    kv_reply_bulk(w->c->out, buf, len);
}

/* COUNT's value (10 unless given; scan_args accepted the options). */
static uint64_t scan_count(const struct kv_cmd_ctx *c) {
    uint64_t count = 10;
    for (uint32_t i = 3; i + 1 < c->argc; i += 2) {
        int64_t n;
        if (kv_cmd_opt(c, i, "count") && parse_long(c->argv[i + 1], &n)) count = (uint64_t)n;
    }
    KV_ASSERT(count >= 1);
    return count;
}

/* A page from `cursor`: a listpack whole (cursor 0), a skiplist by its member index
 * (zset.h kv_zset_scan); Redis's COUNT counts members and scores, so ceil(COUNT / 2)
 * members. Returns the next cursor. */
static uint64_t scan_page(struct kv_cmd_ctx *c, const struct kv_zset_head *h, uint64_t cursor,
                          const struct kv_slice *pat, struct zscan_walk *w) {
    uint64_t count = scan_count(c), want = count / 2 + count % 2;
    w->c = c;
    w->pat = pat;
    w->packed = h->enc == KV_ZSET_PACKED;
    w->n = w->bytes = 0;
    return kv_ks_zset_scan(c->ks, h, cursor, want, scan_visit, w);
}

static void cmd_zscan(struct kv_cmd_ctx *c) {
    uint64_t cursor;
    if (!scan_cursor(c->argv[2], &cursor)) {
        kv_reply_error(c->out, "ERR invalid cursor");
        return;
    }
    struct kv_item *it;
    if (!find_zset(c, 1, true, &it)) return;
    const char *err = NULL;
    const struct kv_slice *pat;
    if (it != NULL && !scan_args(c, &err, &pat)) {
        kv_reply_error(c->out, err);
        return;
    }
    kv_reply_array(c->out, 2);
    if (it == NULL) {
        kv_reply_bulk(c->out, "0", 1);
        kv_reply_array(c->out, 0);
        return;
    }
    struct zscan_walk w = {.emit = false}, w2 = {.emit = true};
    uint64_t next = scan_page(c, head_of(it), cursor, pat, &w);
    char buf[24];
    KV_ASSERT(next < (1ull << 32));  /* a home slot number */
    kv_reply_bulk(c->out, buf, kv_fmt_i64(buf, (int64_t)next));
    kv_reply_array(c->out, w.n);
    uint64_t again = scan_page(c, head_of(it), cursor, pat, &w2);
    KV_ASSERT(again == next && w2.n == w.n && w2.bytes == w.bytes);
}

static uint64_t bound_zscan(struct kv_cmd_ctx *c) {
    uint64_t base = kv_cmd_bound_default(c) + 2 * AGG_HDR_MAX + kv_reply_bulk_size(20);
    const struct kv_zset_head *h = peek_zset(c, 1);
    const char *err;
    const struct kv_slice *pat;
    uint64_t cursor;
    if (h == NULL || !scan_cursor(c->argv[2], &cursor) || !scan_args(c, &err, &pat))
        return base;
    struct zscan_walk w = {.emit = false};
    (void)scan_page(c, h, cursor, pat, &w);
    return base + w.bytes;
}

/* ---- the table ------------------------------------------------------------------- */

#define W KV_CMD_WRITE
#define D KV_CMD_DENYOOM
#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd zset_cmds[] = {
    {"zadd", -4, W | D | F, cmd_zadd, bound_zadd, room_zadd, KV_KEYS(1, 1, 1)},
    {"zincrby", 4, W | D | F, cmd_zincrby, bound_zadd, room_zincrby, KV_KEYS(1, 1, 1)},
    {"zcard", 2, R | F, cmd_zcard, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zscore", 3, R | F, cmd_zscore, bound_zscore, NULL, KV_KEYS(1, 1, 1)},
    {"zmscore", -3, R | F, cmd_zmscore, bound_zmscore, NULL, KV_KEYS(1, 1, 1)},
    {"zrem", -3, W | F, cmd_zrem, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zrange", -4, R, cmd_zrange, bound_zrange, NULL, KV_KEYS(1, 1, 1)},
    {"zrangestore", -5, W | D, cmd_zrangestore, NULL, room_zrangestore, KV_KEYS(1, 2, 1)},
    {"zrevrange", -4, R, cmd_zrevrange, bound_zrevrange, NULL, KV_KEYS(1, 1, 1)},
    {"zrangebyscore", -4, R, cmd_zrangebyscore, bound_zrangebyscore, NULL, KV_KEYS(1, 1, 1)},
    {"zrevrangebyscore", -4, R, cmd_zrevrangebyscore, bound_zrevrangebyscore, NULL,
     KV_KEYS(1, 1, 1)},
    {"zrangebylex", -4, R, cmd_zrangebylex, bound_zrangebylex, NULL, KV_KEYS(1, 1, 1)},
    {"zrevrangebylex", -4, R, cmd_zrevrangebylex, bound_zrevrangebylex, NULL, KV_KEYS(1, 1, 1)},
    {"zremrangebyscore", 4, W, cmd_zremrangebyscore, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zremrangebyrank", 4, W, cmd_zremrangebyrank, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zremrangebylex", 4, W, cmd_zremrangebylex, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zrank", 3, R | F, cmd_zrank, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zrevrank", 3, R | F, cmd_zrevrank, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zcount", 4, R | F, cmd_zcount, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zlexcount", 4, R | F, cmd_zlexcount, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"zpopmin", -2, W | F, cmd_zpopmin, bound_zpop, NULL, KV_KEYS(1, 1, 1)},
    {"zpopmax", -2, W | F, cmd_zpopmax, bound_zpop, NULL, KV_KEYS(1, 1, 1)},
    {"zmpop", -4, W, cmd_zmpop, bound_zmpop, NULL, KV_KEYNUM(1)},
    {"zrandmember", -2, R, cmd_zrandmember, bound_zrandmember, NULL, KV_KEYS(1, 1, 1)},
    {"zscan", -3, R, cmd_zscan, bound_zscan, NULL, KV_KEYS(1, 1, 1)},
    {"zunion", -3, R, kv_cz_zunion, kv_cz_bound_zunion, NULL, KV_KEYNUM(1)},
    {"zinter", -3, R, kv_cz_zinter, kv_cz_bound_zinter, NULL, KV_KEYNUM(1)},
    {"zdiff", -3, R, kv_cz_zdiff, kv_cz_bound_zdiff, NULL, KV_KEYNUM(1)},
    {"zintercard", -3, R, kv_cz_zintercard, NULL, NULL, KV_KEYNUM(1)},
    {"zunionstore", -4, W | D, kv_cz_zunionstore, NULL, kv_cz_room_zunionstore,
     KV_KEYS_DEST_KEYNUM(2)},
    {"zinterstore", -4, W | D, kv_cz_zinterstore, NULL, kv_cz_room_zinterstore,
     KV_KEYS_DEST_KEYNUM(2)},
    {"zdiffstore", -4, W | D, kv_cz_zdiffstore, NULL, kv_cz_room_zdiffstore,
     KV_KEYS_DEST_KEYNUM(2)},
};

const struct kv_cmd_group kv_cmds_zset = {zset_cmds, KV_ARRAY_LEN(zset_cmds)};

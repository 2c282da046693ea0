/*
 * cmd_zsetops.c: sorted-set algebra: ZUNION ZINTER ZDIFF ZINTERCARD ZUNIONSTORE
 * ZINTERSTORE ZDIFFSTORE. Replies, errors and their order are Redis 7.0's
 * (zunionInterDiffGenericCommand): numkeys (not an integer, below 1, more than the
 * arguments), then every key in order (WRONGTYPE unless a sorted set or a set, whose
 * members score 1), then the options (WEIGHTS, AGGREGATE SUM|MIN|MAX, WITHSCORES,
 * ZINTERCARD's LIMIT). As Redis, ZUNION and ZINTER visit their inputs from the
 * smallest to the largest (equal sizes in argument order), so a member's SUM adds in
 * Redis's order; a weighted score that is NaN (inf * 0) counts as 0, and so does a
 * SUM that is (inf + -inf); MIN and MAX keep the current score against a NaN. ZDIFF
 * keeps the first input's scores. The result is ordered by (score, member).
 *
 * Memory: no heap, and nothing of the data region for a read. The inputs' table
 * (struct zsrc, one per key) and the sorting window live in the command scratch:
 * numkeys is refused above half the scratch's entries (zop_sources_max; 1,709 with
 * the server's 133.5 KiB, sized for INFO: kv's deviation, stated in README). The result is never
 * held: it is recomputed from the inputs (lookups, no copies) by each pass that needs
 * it: one counting pass (the reply's length, a store's room), then for a reply in
 * order, passes that each keep the W smallest entries above the last one replied in
 * a max-heap (W = the smaller of half the scratch and client-buffer bytes, divided by
 * 24: 682 at the defaults, at most 2,848; client-buffer is an option, so the
 * simulator draws W small), so at most result / W + 1 passes; a ZDIFF whose first
 * input is a sorted set is already in order (one pass). Reply bounds and room run
 * before the handler and take no scratch (inputs peeked one at a time). A STORE
 * builds the result as a detached sorted set (encoded as Redis encodes it: listpack
 * when count and longest member fit zset-max-listpack-*) after checking that its room
 * (kv_zset_build_room, every node, the item) is free, then replaces the destination:
 * -OOM changes nothing, and a destination that is also an input is read whole first
 * (the build only allocates: no input moves, kv_ks_fits changes nothing). The
 * engine's pre-check is given an upper bound (every member of the inputs the result
 * may take), the run checks the exact room.
 * Invariants: an empty STORE result deletes the destination; every modified key
 * goes to kv_engine_touch; a pass visits exactly the counting pass's members.
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include <math.h>
#include <string.h>

#include "cmd_coll.h"
#include "cmd_zset.h"

#define ERR_WEIGHT "ERR weight value is not a float"
#define ERR_LIMIT "ERR LIMIT can't be negative"
/* Formats (the command's name, the limit): parse_numkeys returns these very arrays. */
static const char ERR_NUMKEYS[] = "ERR at least 1 input key is needed for '%s' command";
static const char ERR_TOO_MANY[] = "ERR too many keys for '%s' (at most %llu: half the "
                                   "command scratch)";
#define AGG_HDR_MAX 32u
#define PAIR_HDR 4u           /* "*2\r\n" */
#define WINDOW_MIN 4u

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zagg { AGG_SUM, AGG_MIN, AGG_MAX };

/* The parsed command. */
struct zargs {
    enum zop op;
    enum zagg agg;
    bool store;          /* a destination at argv[1], numkeys at argv[2] */
    bool card;           /* ZINTERCARD */
    bool withscores;
    const char *name;    /* for the numkeys error */
    uint32_t at;         /* numkeys' argument */
    uint32_t n;          /* numkeys */
    uint32_t weights;    /* the first weight's argument; 0: every weight is 1 */
    uint64_t limit;      /* ZINTERCARD's LIMIT; 0: none */
};

/* One input: a sorted set, a set, or neither (no such key: empty). */
struct zsrc {
    const struct kv_zset_head *z;
    const struct kv_coll_head *s;
    double w;
    uint64_t count;
    bool ints;           /* an intset: a member's text lives in its iterator */
};

/* ---- parsing ------------------------------------------------------------------- */

/* Inputs the scratch may hold (half of it; the window takes from the rest). */
static uint64_t zop_sources_max(const struct kv_cmd_ctx *c) {
    return kv_scratch_cap(c) / 2 / sizeof(struct zsrc);
}

/* numkeys at argv[a->at]: NULL, or the error (ERR_NUMKEYS: Redis's text names the
 * command). */
static const char *parse_numkeys(const struct kv_cmd_ctx *c, struct zargs *a) {
    int64_t n;
    KV_ASSERT(a->at < c->argc);
    if (!kv_str2ll(c->argv[a->at].ptr, c->argv[a->at].len, &n)) return KV_ERR_NOT_INT;
    if (n < 1) return ERR_NUMKEYS;
    if ((uint64_t)n > c->argc - a->at - 1) return KV_ERR_SYNTAX;
    if ((uint64_t)n > zop_sources_max(c)) return ERR_TOO_MANY;
    a->n = (uint32_t)n;
    return NULL;
}

/* The options after the keys, as each command allows them: NULL, or the error. */
static const char *parse_options(const struct kv_cmd_ctx *c, struct zargs *a) {
    KV_ASSERT(a->n >= 1 && (uint64_t)a->at + 1 + a->n <= c->argc);
    KV_ASSERT(!(a->store && a->card));
    bool full = a->op != ZOP_DIFF && !a->card;
    for (uint32_t j = a->at + 1 + a->n; j < c->argc;) {  /* each step takes >= 1 */
        uint32_t left = c->argc - j;
        double w;
        if (full && left >= a->n + 1 && kv_cmd_opt(c, j, "weights")) {
            for (uint32_t i = 0; i < a->n; i++)
                if (!kv_cz_parse_score(c->argv[j + 1 + i], &w)) return ERR_WEIGHT;
            a->weights = j + 1;
            j += a->n + 1;
        } else if (full && left >= 2 && kv_cmd_opt(c, j, "aggregate")) {
            if (kv_cmd_opt(c, j + 1, "sum")) a->agg = AGG_SUM;
            else if (kv_cmd_opt(c, j + 1, "min")) a->agg = AGG_MIN;
            else if (kv_cmd_opt(c, j + 1, "max")) a->agg = AGG_MAX;
            else return KV_ERR_SYNTAX;
            j += 2;
        } else if (!a->store && !a->card && kv_cmd_opt(c, j, "withscores")) {
            a->withscores = true;
            j++;
        } else if (a->card && left >= 2 && kv_cmd_opt(c, j, "limit")) {
            int64_t l;
            if (!kv_str2ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &l) || l < 0) return ERR_LIMIT;
            a->limit = (uint64_t)l;
            j += 2;
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    return NULL;
}

/* ---- inputs -------------------------------------------------------------------- */

/* Input i's value without side effects: false if it is of another type. */
static bool peek_source(struct kv_cmd_ctx *c, const struct zargs *a, uint32_t i,
                        struct zsrc *s) {
    struct kv_slice k = c->argv[a->at + 1 + i];
    struct kv_item *it = kv_ks_peek(c->ks, k.ptr, k.len);
    *s = (struct zsrc){.w = 1.0};
    if (a->weights != 0) (void)kv_cz_parse_score(c->argv[a->weights + i], &s->w);
    if (it == NULL || kv_ks_item_expired(c->ks, it)) return true;
    if (kv_item_type(it) == KV_TYPE_ZSET) {
        s->z = kv_ks_zset_head(it);
        s->count = s->z->count;
    } else if (kv_item_type(it) == KV_TYPE_SET) {
        s->s = kv_ks_coll_head(it);
        s->count = s->s->count;
        s->ints = s->s->enc == KV_COLL_INTSET;
    } else {
        return false;
    }
    KV_ASSERT(s->count > 0);
    return true;
}

/* Looks every input up in order as Redis does (expiring, counting hits): WRONGTYPE
 * replied, false. */
static bool find_sources(struct kv_cmd_ctx *c, const struct zargs *a) {
    for (uint32_t i = 0; i < a->n; i++) {
        struct kv_slice k = c->argv[a->at + 1 + i];
        struct kv_item *it = a->store ? kv_ks_find(c->ks, k.ptr, k.len)
                                      : kv_ks_find_read(c->ks, k.ptr, k.len);
        if (it != NULL && kv_item_type(it) != KV_TYPE_ZSET && kv_item_type(it) != KV_TYPE_SET) {
            kv_reply_error(c->out, KV_ERR_WRONGTYPE);
            return false;
        }
    }
    return true;
}

/* The table of inputs, ZUNION's and ZINTER's from the smallest (a stable insertion
 * sort: equal sizes keep their order). False if a key is of another type. */
static bool fill_sources(struct kv_cmd_ctx *c, const struct zargs *a, struct zsrc *src) {
    for (uint32_t i = 0; i < a->n; i++)
        if (!peek_source(c, a, i, &src[i])) return false;
    if (a->op == ZOP_DIFF) return true;
    for (uint32_t i = 1; i < a->n; i++) {
        struct zsrc x = src[i];
        uint32_t j = i;
        for (; j > 0 && src[j - 1].count > x.count; j--) src[j] = src[j - 1];
        src[j] = x;
    }
    for (uint32_t i = 1; i < a->n; i++) KV_ASSERT(src[i - 1].count <= src[i].count);
    return true;
}

static bool src_find(struct kv_cmd_ctx *c, const struct zsrc *s, struct kv_slice m, double *v) {
    KV_ASSERT(s->z == NULL || s->s == NULL);
    if (s->z != NULL) return kv_ks_zset_score(c->ks, s->z, m, v);
    *v = 1.0;
    return s->s != NULL && kv_ks_coll_get(c->ks, s->s, m, NULL);
}

struct src_iter {
    const struct zsrc *s;
    struct kv_zset_iter zi;
    struct kv_coll_iter ci;
    uint64_t done;
};

static void src_iter_init(struct kv_cmd_ctx *c, struct src_iter *it, const struct zsrc *s) {
    it->s = s;
    it->done = 0;
    if (s->z != NULL) kv_ks_zset_iter_at(&it->zi, c->ks, s->z, 0);
    else if (s->s != NULL) kv_ks_coll_iter_init(&it->ci, c->ks, s->s);
}

static bool src_next(struct src_iter *it, struct kv_slice *m, double *score) {
    if (it->done >= it->s->count) return false;
    if (it->s->z != NULL) {
        bool more = it->done == 0 || kv_zset_iter_next(&it->zi);
        KV_ASSERT(more);
        kv_zset_iter_get(&it->zi, m, score);
    } else {
        struct kv_slice v;
        bool more = kv_ks_coll_next(&it->ci, m, &v);
        KV_ASSERT(more);
        *score = 1.0;
    }
    it->done++;
    return true;
}

/* ---- where the result goes ------------------------------------------------------ */

enum zmode { Z_COUNT, Z_WINDOW, Z_STORE, Z_REPLY };

/* A window entry: the member's bytes (a pointer into the region) or, from an intset,
 * its integer; 24 bytes. */
struct went {
    double score;
    uint64_t ref;
    uint32_t len;
    uint32_t is_int;
};

struct zrun {
    enum zmode mode;
    struct kv_cmd_ctx *c;
    const struct zargs *a;
    uint64_t n;                          /* members visited */
    uint64_t packed, nodes, maxlen;      /* Z_COUNT: a store's sizes */
    struct kv_zset_head *dst;            /* Z_STORE */
    struct went *heap;                   /* Z_WINDOW: a max-heap of the smallest */
    uint32_t wn, wcap;
    bool has_after;                      /* ... above this one */
    struct went after;
};

static struct kv_slice went_member(const struct went *e, char *buf) {
    if (!e->is_int) return (struct kv_slice){(const uint8_t *)(uintptr_t)e->ref, e->len};
    return (struct kv_slice){(const uint8_t *)buf, kv_fmt_i64(buf, (int64_t)e->ref)};
}

static int went_cmp(const struct went *x, const struct went *y) {
    if (x->score < y->score) return -1;
    if (x->score > y->score) return 1;
    char bx[24], by[24];
    return kv_zset_cmp_member(went_member(x, bx), went_member(y, by));
}

static void heap_down(struct went *h, uint32_t n, uint32_t i) {
    for (uint32_t depth = 0; depth < 64; depth++) {  /* at most log2(n) levels */
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && went_cmp(&h[l], &h[m]) > 0) m = l;
        if (r < n && went_cmp(&h[r], &h[m]) > 0) m = r;
        if (m == i) return;
        struct went t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
    KV_UNREACHABLE();
}

static void heap_up(struct went *h, uint32_t i) {
    while (i > 0 && went_cmp(&h[(i - 1) / 2], &h[i]) < 0) {  /* at most log2(i) steps */
        struct went t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void window_put(struct zrun *r, const struct zsrc *from, struct kv_slice m, double s) {
    KV_ASSERT(r->wn <= r->wcap && r->wcap >= 1);
    struct went e = {s, (uint64_t)(uintptr_t)m.ptr, m.len, 0};
    int64_t v;
    if (from->ints) {
        bool is_int = kv_coll_is_int(m, &v);
        KV_ASSERT(is_int);
        e.ref = (uint64_t)v;
        e.is_int = 1;
    }
    if (r->has_after && went_cmp(&e, &r->after) <= 0) return;
    if (r->wn < r->wcap) {
        r->heap[r->wn] = e;
        heap_up(r->heap, r->wn++);
    } else if (went_cmp(&e, &r->heap[0]) < 0) {
        r->heap[0] = e;
        heap_down(r->heap, r->wn, 0);
    }
}

static void emit(struct kv_cmd_ctx *c, struct kv_slice m, double s, bool withscores) {
    if (withscores && c->session->proto > 2) kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, m.ptr, m.len);
    if (withscores) kv_reply_double(c->out, s);
}

/* One result member; false when no more are wanted (ZINTERCARD's LIMIT). */
static bool zrun_put(struct zrun *r, const struct zsrc *from, struct kv_slice m, double s) {
    KV_ASSERT(!isnan(s));
    r->n++;
    switch (r->mode) {
    case Z_COUNT:
        r->packed += kv_zset_packed_size(m);
        r->nodes += kv_ks_zset_member_room(r->c->ks, m);
        r->maxlen = KV_MAX(r->maxlen, (uint64_t)m.len);
        break;
    case Z_WINDOW: window_put(r, from, m, s); break;
    case Z_STORE: (void)kv_ks_zset_put(r->c->ks, r->dst, m, s); break;
    case Z_REPLY: emit(r->c, m, s, r->a->withscores); break;
    default: KV_UNREACHABLE();
    }
    return r->a->limit == 0 || r->n < r->a->limit;
}

/* ---- the operations ------------------------------------------------------------- */

/* zunionInterAggregate. */
static void aggregate(double *t, double v, enum zagg agg) {
    if (agg == AGG_SUM) {
        *t = *t + v;
        if (isnan(*t)) *t = 0.0;  /* inf + -inf */
    } else if (agg == AGG_MIN) {
        *t = v < *t ? v : *t;
    } else {
        *t = v > *t ? v : *t;
    }
}

static void run_inter(struct zrun *r, const struct zsrc *src, uint32_t n) {
    KV_ASSERT(n >= 1 && src[0].count > 0);
    struct src_iter it;
    struct kv_slice m;
    double s, v;
    src_iter_init(r->c, &it, &src[0]);
    while (src_next(&it, &m, &s)) {  /* src[0].count steps */
        double score = src[0].w * s;
        if (isnan(score)) score = 0;
        uint32_t j = 1;
        for (; j < n && src_find(r->c, &src[j], m, &v); j++)
            aggregate(&score, v * src[j].w, r->a->agg);
        if (j == n && !zrun_put(r, &src[0], m, score)) return;
    }
    KV_ASSERT(it.done == src[0].count);
}

/* Each member once, from the first input holding it, its score aggregated over the
 * inputs in their order (Redis's accumulator, without one). */
static void run_union(struct zrun *r, const struct zsrc *src, uint32_t n) {
    KV_ASSERT(n >= 1 && r->a->op == ZOP_UNION);
    for (uint32_t i = 0; i < n; i++) {
        struct src_iter it;
        struct kv_slice m;
        double s, v;
        src_iter_init(r->c, &it, &src[i]);
        while (src_next(&it, &m, &s)) {  /* src[i].count steps */
            bool seen = false;
            for (uint32_t k = 0; k < i && !seen; k++) seen = src_find(r->c, &src[k], m, &v);
            if (seen) continue;
            double score = src[i].w * s;
            if (isnan(score)) score = 0;
            for (uint32_t k = i + 1; k < n; k++) {
                if (!src_find(r->c, &src[k], m, &v)) continue;
                double x = src[k].w * v;
                aggregate(&score, isnan(x) ? 0 : x, r->a->agg);
            }
            if (!zrun_put(r, &src[i], m, score)) return;
        }
        KV_ASSERT(it.done == src[i].count);
    }
}

static void run_diff(struct zrun *r, const struct zsrc *src, uint32_t n) {
    KV_ASSERT(n >= 1 && r->a->op == ZOP_DIFF);
    struct src_iter it;
    struct kv_slice m;
    double s, v;
    src_iter_init(r->c, &it, &src[0]);
    while (src_next(&it, &m, &s)) {  /* src[0].count steps */
        bool out = false;
        for (uint32_t j = 1; j < n && !out; j++) out = src_find(r->c, &src[j], m, &v);
        if (!out && !zrun_put(r, &src[0], m, s)) return;
    }
    KV_ASSERT(it.done == src[0].count);
}

static void zop_run(struct zrun *r, const struct zsrc *src) {
    KV_ASSERT(r->a->n >= 1);
    r->n = 0;
    if (r->a->op == ZOP_INTER && src[0].count > 0) run_inter(r, src, r->a->n);
    else if (r->a->op == ZOP_UNION) run_union(r, src, r->a->n);
    else if (r->a->op == ZOP_DIFF) run_diff(r, src, r->a->n);
}

/* ---- replies -------------------------------------------------------------------- */

/* The `total` result members in (score, member) order: windowed passes. */
static void reply_ascending(struct kv_cmd_ctx *c, const struct zargs *a,
                            const struct zsrc *src, uint64_t total) {
    uint64_t room = KV_MIN(kv_scratch_cap(c) / 2, (uint64_t)c->engine->config->client_buffer);
    struct zrun r = {.mode = Z_WINDOW, .c = c, .a = a};
    r.wcap = (uint32_t)KV_MIN(total, KV_MAX(room / sizeof(struct went), WINDOW_MIN));
    r.heap = kv_scratch_alloc(c, (uint64_t)r.wcap * sizeof(struct went));
    uint64_t done = 0;
    for (uint64_t pass = 0; pass <= total / r.wcap && done < total; pass++) {
        r.wn = 0;
        zop_run(&r, src);
        KV_ASSERT(r.n == total && r.wn > 0 && done + r.wn <= total);
        for (uint32_t k = r.wn; k > 1; k--) {  /* heapsort: ascending */
            struct went t = r.heap[0];
            r.heap[0] = r.heap[k - 1];
            r.heap[k - 1] = t;
            heap_down(r.heap, k - 1, 0);
        }
        for (uint32_t k = 0; k < r.wn; k++) {
            char buf[24];
            emit(c, went_member(&r.heap[k], buf), r.heap[k].score, a->withscores);
        }
        done += r.wn;
        r.after = r.heap[r.wn - 1];
        r.has_after = true;
    }
    KV_ASSERT(done == total);
}

static void reply_result(struct kv_cmd_ctx *c, const struct zargs *a, const struct zsrc *src) {
    KV_ASSERT(!a->store && !a->card && a->limit == 0);
    struct zrun cnt = {.mode = Z_COUNT, .c = c, .a = a};
    zop_run(&cnt, src);
    bool flat = a->withscores && c->session->proto == 2;
    kv_reply_array(c->out, flat ? cnt.n * 2 : cnt.n);
    if (cnt.n == 0) return;
    if (a->op == ZOP_DIFF && src[0].z != NULL) {  /* the first input's order */
        struct zrun rep = {.mode = Z_REPLY, .c = c, .a = a};
        zop_run(&rep, src);
        KV_ASSERT(rep.n == cnt.n);
        return;
    }
    reply_ascending(c, a, src, cnt.n);
}

/* The room a store of the result takes (0: an empty result, nothing stored). */
static uint64_t store_room(struct kv_cmd_ctx *c, const struct zrun *cnt) {
    if (cnt->n == 0) return 0;
    return kv_zset_build_room(cnt->n, cnt->packed) + cnt->nodes + kv_cz_item_room(c, 1);
}

static void store(struct kv_cmd_ctx *c, const struct zargs *a, const struct zsrc *src) {
    KV_ASSERT(a->store && a->at == 2 && !a->withscores);
    struct zrun cnt = {.mode = Z_COUNT, .c = c, .a = a};
    zop_run(&cnt, src);
    uint64_t need = store_room(c, &cnt);
    if (need > 0 && !kv_ks_fits(c->ks, need, need)) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    struct kv_zset_head tmp;
    kv_zset_init(&tmp);
    if (cnt.n > 0) {
        /* zsetConvertToListpackIfNeeded: Redis's encoding for the whole result */
        if (cnt.n > kv_ks_zset_packed_entries(c->ks) || cnt.maxlen > kv_ks_zset_packed_value(c->ks))
            kv_ks_zset_init_skiplist(c->ks, &tmp, cnt.n);
        else
            kv_ks_zset_reserve_bytes(c->ks, &tmp, cnt.packed);
        struct zrun b = {.mode = Z_STORE, .c = c, .a = a, .dst = &tmp};
        zop_run(&b, src);
        KV_ASSERT(b.n == cnt.n && tmp.count == cnt.n);
        kv_ks_zset_trim(c->ks, &tmp);
    }
    kv_cz_store(c, 1, &tmp);  /* only now: the destination may be an input */
    kv_reply_int(c->out, (int64_t)cnt.n);
}

/* ---- the commands --------------------------------------------------------------- */

static void zop_generic(struct kv_cmd_ctx *c, struct zargs *a) {
    KV_ASSERT(a->at == (a->store ? 2u : 1u) && a->at < c->argc);
    const char *err = parse_numkeys(c, a);
    if (err == ERR_NUMKEYS) {
        kv_reply_errorf(c->out, ERR_NUMKEYS, a->name);
        return;
    }
    if (err == ERR_TOO_MANY) {
        kv_reply_errorf(c->out, ERR_TOO_MANY, a->name, (unsigned long long)zop_sources_max(c));
        return;
    }
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    if (!find_sources(c, a)) return;
    if ((err = parse_options(c, a)) != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct zsrc *src = kv_scratch_alloc(c, (uint64_t)a->n * sizeof(struct zsrc));
    bool ok = fill_sources(c, a, src);
    KV_ASSERT(ok);  /* find_sources checked the types; nothing changed since */
    if (a->store) {
        store(c, a, src);
    } else if (a->card) {
        struct zrun cnt = {.mode = Z_COUNT, .c = c, .a = a};
        zop_run(&cnt, src);
        kv_reply_int(c->out, (int64_t)cnt.n);
    } else {
        reply_result(c, a, src);
    }
}

static struct zargs zargs_of(enum zop op, bool store, bool card, const char *name) {
    struct zargs a = {.op = op, .agg = AGG_SUM, .store = store, .card = card, .name = name};
    a.at = store ? 2 : 1;
    return a;
}

#define ZOP_CMD(fn, op, store, card, name)    \
    void fn(struct kv_cmd_ctx *c) {           \
        struct zargs a = zargs_of(op, store, card, name); \
        zop_generic(c, &a);                   \
    }
ZOP_CMD(kv_cz_zunion, ZOP_UNION, false, false, "zunion")
ZOP_CMD(kv_cz_zinter, ZOP_INTER, false, false, "zinter")
ZOP_CMD(kv_cz_zdiff, ZOP_DIFF, false, false, "zdiff")
ZOP_CMD(kv_cz_zintercard, ZOP_INTER, false, true, "zintercard")
ZOP_CMD(kv_cz_zunionstore, ZOP_UNION, true, false, "zunionstore")
ZOP_CMD(kv_cz_zinterstore, ZOP_INTER, true, false, "zinterstore")
ZOP_CMD(kv_cz_zdiffstore, ZOP_DIFF, true, false, "zdiffstore")

/* ---- bounds and room ------------------------------------------------------------ */

/* Bounds and room run before the handler and take no scratch: the inputs are peeked
 * one at a time. False if the command will answer an error (within any bound). */
static bool plan(struct kv_cmd_ctx *c, struct zargs *a) {
    if (parse_numkeys(c, a) != NULL || parse_options(c, a) != NULL) return false;
    for (uint32_t i = 0; i < a->n; i++) {
        struct zsrc s;
        if (!peek_source(c, a, i, &s)) return false;
    }
    return true;
}

/* A reply's bound: every member of the inputs the result may take (the union of
 * all, the smallest for an intersection, the first for a difference) with a score. */
static uint64_t zop_bound(struct kv_cmd_ctx *c, enum zop op) {
    uint64_t base = kv_cmd_bound_default(c) + AGG_HDR_MAX;
    struct zargs a = zargs_of(op, false, false, "");
    if (!plan(c, &a)) return base;
    uint64_t sum = 0, min = UINT64_MAX;
    for (uint32_t i = 0; i < a.n && (op != ZOP_DIFF || i == 0); i++) {
        struct zsrc s;
        bool ok = peek_source(c, &a, i, &s);
        KV_ASSERT(ok);
        uint64_t b = s.count * (PAIR_HDR + KV_REPLY_DOUBLE_MAX);
        if (s.z != NULL) b += s.count * (5 + kv_decimal_digits(s.z->bytes)) + s.z->bytes;
        if (s.s != NULL) b += kv_cc_entries_bound(c->ks, s.s, true, false);
        sum += b;
        min = KV_MIN(min, b);
    }
    return base + (op == ZOP_INTER ? min : sum);
}

uint64_t kv_cz_bound_zunion(struct kv_cmd_ctx *c) { return zop_bound(c, ZOP_UNION); }
uint64_t kv_cz_bound_zinter(struct kv_cmd_ctx *c) { return zop_bound(c, ZOP_INTER); }
uint64_t kv_cz_bound_zdiff(struct kv_cmd_ctx *c) { return zop_bound(c, ZOP_DIFF); }

/* What storing input s whole would take (counted as zrun_put counts a member). */
static void count_source(struct kv_cmd_ctx *c, const struct zsrc *s, struct zrun *r) {
    struct src_iter it;
    struct kv_slice m;
    double sc;
    src_iter_init(c, &it, s);
    while (src_next(&it, &m, &sc)) {  /* s->count steps */
        r->n++;
        r->packed += kv_zset_packed_size(m);
        r->nodes += kv_ks_zset_member_room(c->ks, m);
    }
}

/* A store's room for the engine's pre-check, before the result is known: what the
 * inputs it may take would (every input for a union, the smallest for an
 * intersection, the first for a difference); the run then checks the exact room. */
static void zop_room(struct kv_cmd_ctx *c, enum zop op, uint64_t *need, uint64_t *largest) {
    struct zargs a = zargs_of(op, true, false, "");
    *need = *largest = kv_cz_item_room(c, 1);
    if (!plan(c, &a)) return;
    struct zrun r = {.mode = Z_COUNT, .c = c, .a = &a};
    uint32_t smallest = 0;
    struct zsrc s, t;
    for (uint32_t i = 1; op == ZOP_INTER && i < a.n; i++) {
        (void)peek_source(c, &a, i, &s);
        (void)peek_source(c, &a, smallest, &t);
        if (s.count < t.count) smallest = i;
    }
    for (uint32_t i = 0; i < a.n; i++) {
        if (op != ZOP_UNION && i != (op == ZOP_INTER ? smallest : 0)) continue;
        (void)peek_source(c, &a, i, &s);
        count_source(c, &s, &r);
    }
    if (r.n > 0) *need = *largest = store_room(c, &r);
}

void kv_cz_room_zunionstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    zop_room(c, ZOP_UNION, need, largest);
}
void kv_cz_room_zinterstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    zop_room(c, ZOP_INTER, need, largest);
}
void kv_cz_room_zdiffstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    zop_room(c, ZOP_DIFF, need, largest);
}

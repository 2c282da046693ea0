/*
 * cmd_set.c: the set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
 * SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE
 * SSCAN. Replies, errors and the order of checks are Redis 7.0's (t_set.c), byte for
 * byte in RESP2 and RESP3 (SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count are
 * sets; SRANDMEMBER with a count an array, or the whole set as a set). The storage is
 * src/coll.c through ks_coll.h: intset or hashtable, as 7.0 (no set listpack).
 *
 * Memory: owns none. SINTER/SUNION/SDIFF compute their result twice without storing
 * it (a counting pass for the reply's length, then the reply): no memory, so a read
 * never answers -OOM. A SUNION/SDIFF result Redis would hold as an intset (integers
 * only, at most set-max-intset-entries) is replied ascending, as Redis replies from
 * it (sop_emit: passes over the result keeping a window of the smallest in scratch). The *STORE forms build the result as a detached set in the data region
 * (all or nothing: -OOM frees it and changes no key) and only then replace the
 * destination, so a destination that is also a source is read whole first.
 * Invariants: a command completes or changes nothing; a set that empties is deleted
 * (SREM, SPOP, SMOVE, an empty *STORE result deletes the destination); every
 * modified key goes to kv_engine_touch.
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include <string.h>

#include "cmd_coll.h"
#include "kv/util.h"

#define ERR_POSITIVE "ERR value is out of range, must be positive"
#define ERR_RANGE_LONG "ERR value is out of range, value must between -9223372036854775807 " \
                       "and 9223372036854775807"
#define ERR_NUMKEYS "ERR numkeys should be greater than 0"
#define ERR_NUMKEYS_ARGS "ERR Number of keys can't be greater than number of args"
#define ERR_LIMIT "ERR LIMIT can't be negative"
#define MERGE_MAX 16u        /* intsets a union merges in order */
#define BATCH 64u            /* members a *STORE adds per kv_coll_add */
#define SHORT_MEMBER 24u
#define SORT_WINDOW 4096u    /* integers one ascending pass sorts (32 KiB of scratch) */
#define SPOP_REBUILD_MUL 5u  /* Redis's SPOP_MOVE_STRATEGY_MUL: when SPOP rebuilds the rest */

static struct kv_coll_head *head_of(struct kv_item *it) { return kv_ks_coll_head(it); }

static bool find_set(struct kv_cmd_ctx *c, uint32_t i, bool read, struct kv_item **out) {
    return kv_cc_find(c, i, KV_TYPE_SET, read, out);
}

static bool member_of(const struct kv_cmd_ctx *c, const struct kv_coll_head *h,
                      struct kv_slice m) {
    return h != NULL && kv_ks_coll_get(c->ks, h, m, NULL);
}

/* ---- SADD SREM SISMEMBER SMISMEMBER SCARD SMEMBERS ---------------------------------- */

static void cmd_sadd(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_set(c, 1, false, &it)) return;
    bool created = it == NULL;
    if (created && (it = kv_cc_create(c, 1, KV_TYPE_SET)) == NULL) return;
    uint64_t added = 0;
    if (!kv_ks_coll_add(c->ks, head_of(it), &c->argv[2], c->argc - 2, false, &added)) {
        if (created) kv_ks_delete(c->ks, it);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    if (added > 0) kv_cc_modified(c, 1, it);
    kv_reply_int(c->out, (int64_t)added);
}

static void room_sadd(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    kv_cc_room(c, 1, KV_TYPE_SET, 2, c->argc - 2, need, largest);
}

static void cmd_srem(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_set(c, 1, false, &it)) return;
    uint64_t n = it == NULL ? 0 : kv_ks_coll_remove(c->ks, head_of(it), &c->argv[2], c->argc - 2);
    if (n > 0) kv_cc_modified(c, 1, it);
    kv_reply_int(c->out, (int64_t)n);
}

static void cmd_sismember(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_set(c, 1, true, &it)) return;
    kv_reply_int(c->out, it != NULL && member_of(c, head_of(it), c->argv[2]) ? 1 : 0);
}

static void cmd_smismember(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_set(c, 1, true, &it)) return;
    kv_reply_array(c->out, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++)
        kv_reply_int(c->out, it != NULL && member_of(c, head_of(it), c->argv[i]) ? 1 : 0);
}

static uint64_t bound_smismember(struct kv_cmd_ctx *c) {
    return kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX + 4ull * (c->argc - 2);
}

static void cmd_scard(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_set(c, 1, true, &it)) return;
    kv_reply_int(c->out, it == NULL ? 0 : (int64_t)head_of(it)->count);
}

/* Every member as a set reply (SMEMBERS, SPOP of the whole set), or an array
 * (SRANDMEMBER of the whole set). */
static void reply_members(struct kv_cmd_ctx *c, const struct kv_coll_head *h, bool set) {
    if (set) kv_reply_set(c->out, h->count);
    else kv_reply_array(c->out, h->count);
    struct kv_coll_iter i;
    struct kv_slice f, v;
    kv_ks_coll_iter_init(&i, c->ks, h);
    while (kv_ks_coll_next(&i, &f, &v)) kv_reply_bulk(c->out, f.ptr, f.len);  /* count steps */
}

static void cmd_smembers(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_set(c, 1, true, &it)) return;
    if (it == NULL) kv_reply_set(c->out, 0);
    else reply_members(c, head_of(it), true);
}

static uint64_t set_bound(struct kv_cmd_ctx *c, uint32_t key) {
    const struct kv_coll_head *h = kv_cc_peek(c, key, KV_TYPE_SET);
    uint64_t b = kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX;
    return h == NULL ? b : b + kv_cc_entries_bound(c->ks, h, true, false);
}

static uint64_t bound_smembers(struct kv_cmd_ctx *c) { return set_bound(c, 1); }

/* ---- SPOP SRANDMEMBER ------------------------------------------------------------------ */

static void pick(struct kv_cmd_ctx *c, const struct kv_coll_head *h, struct kv_coll_iter *i,
                 struct kv_slice *m) {
    struct kv_slice v;
    kv_ks_coll_random(i, c->ks, h, kv_cc_rand(c), m, &v);
}

/*
 * Pops `count` (< size) random members of argv[1] into a set reply. When the rest is
 * at most a fifth of what was popped, Redis 7.0 (spopWithCount's third case) builds
 * a new set from it: all integers, within set-max-intset-entries, make an intset
 * again (OBJECT ENCODING answers so). kv pops first (its entry blocks are freed) and
 * then rebuilds; if the region has no block for the intset, the set stays a table:
 * SPOP is not a denyoom command in Redis and never answers -OOM, so it must succeed
 * (a room check here would refuse it instead); only the encoding differs then.
 */
static void pop_some(struct kv_cmd_ctx *c, struct kv_item *it, uint64_t count) {
    struct kv_coll_head *h = head_of(it);
    KV_ASSERT(count < h->count);
    kv_reply_set(c->out, count);
    for (uint64_t n = 0; n < count; n++) {
        struct kv_coll_iter i;
        struct kv_slice m;
        pick(c, h, &i, &m);
        kv_reply_bulk(c->out, m.ptr, m.len);
        uint64_t gone = kv_ks_coll_remove(c->ks, h, &m, 1);
        KV_ASSERT(gone == 1);
    }
    KV_ASSERT(h->count > 0);
    if (h->count * SPOP_REBUILD_MUL <= count) (void)kv_ks_coll_rebuild_set(c->ks, h);
    kv_cc_modified(c, 1, it);
}

static void spop_all(struct kv_cmd_ctx *c);

static void cmd_spop(struct kv_cmd_ctx *c) {
    if (c->argc > 3) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    int64_t count = 1;
    if (c->argc == 3 && (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &count) || count < 0)) {
        kv_reply_error(c->out, ERR_POSITIVE);
        return;
    }
    struct kv_item *it;
    if (!find_set(c, 1, false, &it)) return;
    if (it == NULL || (c->argc == 3 && count == 0)) {
        if (c->argc == 3) kv_reply_set(c->out, 0);
        else kv_reply_null(c->out);
        return;
    }
    struct kv_coll_head *h = head_of(it);
    if (c->argc == 2) {
        struct kv_coll_iter i;
        struct kv_slice m;
        pick(c, h, &i, &m);
        kv_reply_bulk(c->out, m.ptr, m.len);
        (void)kv_ks_coll_remove(c->ks, h, &m, 1);
        kv_cc_modified(c, 1, it);
        return;
    }
    if ((uint64_t)count >= h->count) {  /* the whole set, in SUNION's order */
        spop_all(c);
        kv_ks_delete(c->ks, it);
        kv_engine_touch(c->engine, c->argv[1].ptr, c->argv[1].len);
        return;
    }
    pop_some(c, it, (uint64_t)count);
}

/* `count` distinct members by selection sampling (Knuth's algorithm S), as an array. */
static void rand_distinct(struct kv_cmd_ctx *c, const struct kv_coll_head *h, uint64_t count) {
    struct kv_coll_iter i;
    struct kv_slice f, v;
    uint64_t left = h->count, need = count;
    kv_reply_array(c->out, count);
    kv_ks_coll_iter_init(&i, c->ks, h);
    while (need > 0 && kv_ks_coll_next(&i, &f, &v)) {  /* count steps */
        if (kv_cc_rand(c) % left < need) {
            kv_reply_bulk(c->out, f.ptr, f.len);
            need--;
        }
        left--;
    }
    KV_ASSERT(need == 0);
}

/* SRANDMEMBER key count: NULL or the error. */
static const char *srand_parse(const struct kv_cmd_ctx *c, int64_t *count) {
    if (c->argc > 3) return KV_ERR_SYNTAX;
    if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, count)) return KV_ERR_NOT_INT;
    if (*count == INT64_MIN) return ERR_RANGE_LONG;
    return NULL;
}

static void cmd_srandmember(struct kv_cmd_ctx *c) {
    int64_t l = 0;
    const char *err = c->argc >= 3 ? srand_parse(c, &l) : NULL;
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    if (!find_set(c, 1, true, &it)) return;
    struct kv_coll_iter i;
    struct kv_slice m;
    if (c->argc == 2) {
        if (it == NULL) kv_reply_null(c->out);
        else pick(c, head_of(it), &i, &m);
        if (it != NULL) kv_reply_bulk(c->out, m.ptr, m.len);
        return;
    }
    uint64_t count = l >= 0 ? (uint64_t)l : 0 - (uint64_t)l;
    if (it == NULL || count == 0) {
        kv_reply_array(c->out, 0);
        return;
    }
    const struct kv_coll_head *h = head_of(it);
    if (l < 0 || count == 1) {
        kv_reply_array(c->out, count);
        for (uint64_t n = 0; n < count; n++) {
            pick(c, h, &i, &m);
            kv_reply_bulk(c->out, m.ptr, m.len);
        }
        return;
    }
    if (count >= h->count) reply_members(c, h, false);
    else rand_distinct(c, h, count);
}

/* SPOP / SRANDMEMBER with a count: count members of the longest length. */
static uint64_t rand_bound(struct kv_cmd_ctx *c, int64_t l) {
    const struct kv_coll_head *h = kv_cc_peek(c, 1, KV_TYPE_SET);
    uint64_t base = kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX;
    if (h == NULL) return base;
    uint64_t count = l >= 0 ? (uint64_t)l : 0 - (uint64_t)l;
    if (l > 0 && count >= h->count) return base + kv_cc_entries_bound(c->ks, h, true, false);
    uint64_t fmax, vmax;
    kv_cc_longest(c->ks, h, &fmax, &vmax);
    uint64_t one = kv_reply_bulk_size(fmax);
    if (count > (UINT64_MAX / 2 - base) / one) return UINT64_MAX / 2;  /* refused */
    return base + count * one;
}

static uint64_t bound_srandmember(struct kv_cmd_ctx *c) {
    int64_t l = 1;
    if (c->argc >= 3 && srand_parse(c, &l) != NULL) return kv_cmd_bound_default(c);
    return rand_bound(c, l);
}

static uint64_t bound_spop(struct kv_cmd_ctx *c) {
    int64_t l = 1;
    if (c->argc == 3 && (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &l) || l < 0))
        return kv_cmd_bound_default(c);
    return rand_bound(c, l);
}

/* ---- SMOVE ------------------------------------------------------------------------- */

static bool same_arg(const struct kv_cmd_ctx *c, uint32_t a, uint32_t b) {
    struct kv_slice x = c->argv[a], y = c->argv[b];
    return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
}

static void cmd_smove(struct kv_cmd_ctx *c) {
    struct kv_item *src = kv_ks_find(c->ks, c->argv[1].ptr, c->argv[1].len);
    struct kv_item *dst = kv_ks_find(c->ks, c->argv[2].ptr, c->argv[2].len);
    if (src != NULL) src = kv_ks_find(c->ks, c->argv[1].ptr, c->argv[1].len);  /* live */
    if (src == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    if (kv_item_type(src) != KV_TYPE_SET || (dst != NULL && kv_item_type(dst) != KV_TYPE_SET)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    struct kv_slice m = c->argv[3];
    if (same_arg(c, 1, 2) || !member_of(c, head_of(src), m)) {
        kv_reply_int(c->out, member_of(c, head_of(src), m) && same_arg(c, 1, 2) ? 1 : 0);
        return;
    }
    bool created = dst == NULL;
    if (created && (dst = kv_cc_create(c, 2, KV_TYPE_SET)) == NULL) return;
    uint64_t added = 0;
    if (!kv_ks_coll_add(c->ks, head_of(dst), &m, 1, false, &added)) {
        if (created) kv_ks_delete(c->ks, dst);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    kv_engine_touch(c->engine, c->argv[2].ptr, c->argv[2].len);
    src = kv_ks_find(c->ks, c->argv[1].ptr, c->argv[1].len);  /* after creating dst */
    KV_ASSERT(src != NULL);
    uint64_t gone = kv_ks_coll_remove(c->ks, head_of(src), &m, 1);
    KV_ASSERT(gone == 1);
    kv_cc_modified(c, 1, src);
    kv_reply_int(c->out, 1);
}

/* ---- SINTER SUNION SDIFF and their STORE and CARD forms -------------------------------- */

enum sop_kind { SOP_INTER, SOP_UNION, SOP_DIFF };
enum sink_mode { SINK_COUNT, SINK_REPLY, SINK_STORE, SINK_WINDOW };

/* The source sets: argv[first .. first + n), looked up (type-checked) once. */
struct sop {
    struct kv_cmd_ctx *c;
    uint32_t first;
    uint32_t n;
};

/* Where members go: counted, replied, or added to a detached set (tmp). */
struct sink {
    enum sink_mode mode;
    struct kv_cmd_ctx *c;
    uint64_t n;
    uint64_t limit;                 /* SINTERCARD's LIMIT; 0: none */
    bool oom;
    bool not_int;                   /* SINK_COUNT: a member is not an integer */
    struct {                        /* SINK_WINDOW: the smallest members above `after` */
        int64_t *heap;              /* a max-heap of n of them */
        uint32_t n;
        uint32_t cap;
        bool has_after;
        int64_t after;
    } w;
    uint32_t nb;
    struct kv_coll_head tmp;
    struct kv_slice batch[BATCH];
    uint8_t copies[BATCH][SHORT_MEMBER];
};

static const struct kv_coll_head *sop_set(const struct sop *o, uint32_t i) {
    KV_ASSERT(i < o->n);
    struct kv_slice k = o->c->argv[o->first + i];
    struct kv_item *it = kv_ks_peek(o->c->ks, k.ptr, k.len);
    if (it == NULL) return NULL;  /* a missing key is an empty set */
    KV_ASSERT(kv_item_type(it) == KV_TYPE_SET);
    return head_of(it);
}

/* Looks every source up (expiring, counting); WRONGTYPE replied: false. *missing
 * gets how many do not exist. */
static bool sop_load(struct sop *o, bool read, uint32_t *missing) {
    *missing = 0;
    for (uint32_t i = 0; i < o->n; i++) {
        struct kv_item *it;
        if (!find_set(o->c, o->first + i, read, &it)) return false;
        if (it == NULL) (*missing)++;
    }
    return true;
}

static void sink_flush(struct sink *s) {
    if (s->nb == 0 || s->oom) return;
    uint64_t added = 0;
    if (!kv_ks_coll_add(s->c->ks, &s->tmp, s->batch, s->nb, false, &added)) s->oom = true;
    s->nb = 0;
}

/* ---- a max-heap of integers (the ascending passes below) ---- */

static void heap_swap(int64_t *h, uint32_t a, uint32_t b) {
    int64_t t = h[a];
    h[a] = h[b];
    h[b] = t;
}

static void heap_down(int64_t *h, uint32_t n, uint32_t i) {
    for (uint32_t depth = 0; depth < 64; depth++) {  /* at most log2(n) levels */
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l] > h[m]) m = l;
        if (r < n && h[r] > h[m]) m = r;
        if (m == i) return;
        heap_swap(h, i, m);
        i = m;
    }
    KV_ASSERT(false);
}

static void heap_up(int64_t *h, uint32_t i) {
    while (i > 0 && h[(i - 1) / 2] < h[i]) {  /* at most log2(i) steps */
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

/* Keeps v if it is above the window's `after` and among the cap smallest seen. */
static void window_put(struct sink *s, struct kv_slice m) {
    int64_t v;
    bool is_int = kv_coll_is_int(m, &v);
    KV_ASSERT(is_int);  /* the counting pass found only integers; nothing changed since */
    if (s->w.has_after && v <= s->w.after) return;
    if (s->w.n < s->w.cap) {
        s->w.heap[s->w.n] = v;
        heap_up(s->w.heap, s->w.n++);
    } else if (v < s->w.heap[0]) {
        s->w.heap[0] = v;
        heap_down(s->w.heap, s->w.n, 0);
    }
}

/* One member out; false when the sink wants no more (LIMIT reached, out of memory). */
static bool sink_put(struct sink *s, struct kv_slice m) {
    s->n++;
    int64_t v;
    if (s->mode == SINK_COUNT && !s->not_int) s->not_int = !kv_coll_is_int(m, &v);
    if (s->mode == SINK_WINDOW) window_put(s, m);
    if (s->mode == SINK_REPLY) kv_reply_bulk(s->c->out, m.ptr, m.len);
    if (s->mode == SINK_STORE) {
        if (m.len <= SHORT_MEMBER) {  /* an intset member's text lives in its iterator */
            memcpy(s->copies[s->nb], m.ptr, m.len);
            m.ptr = s->copies[s->nb];
        }
        s->batch[s->nb++] = m;
        if (s->nb == BATCH) sink_flush(s);
    }
    return !s->oom && (s->limit == 0 || s->n < s->limit);
}

static void op_inter(const struct sop *o, struct sink *s) {
    uint32_t small = 0;
    for (uint32_t i = 1; i < o->n; i++)
        if (sop_set(o, i)->count < sop_set(o, small)->count) small = i;
    struct kv_coll_iter it;
    struct kv_slice m, v;
    kv_ks_coll_iter_init(&it, o->c->ks, sop_set(o, small));
    while (kv_ks_coll_next(&it, &m, &v)) {  /* count steps */
        bool all = true;
        for (uint32_t j = 0; j < o->n && all; j++)
            all = j == small || member_of(o->c, sop_set(o, j), m);
        if (all && !sink_put(s, m)) return;
    }
}

/* A union of intsets only, merged in ascending order (Redis's result is an intset
 * then). False if a source is not an intset or there are too many. */
static bool op_union_merge(const struct sop *o, struct sink *s) {
    if (o->n > MERGE_MAX) return false;
    struct kv_coll_iter it[MERGE_MAX];
    struct kv_slice cur[MERGE_MAX], v;
    int64_t val[MERGE_MAX];
    bool live[MERGE_MAX];
    uint64_t total = 0;
    for (uint32_t i = 0; i < o->n; i++) {
        const struct kv_coll_head *h = sop_set(o, i);
        if (h != NULL && h->enc != KV_COLL_INTSET) return false;
    }
    for (uint32_t i = 0; i < o->n; i++) {
        const struct kv_coll_head *h = sop_set(o, i);
        live[i] = false;
        if (h == NULL) continue;
        kv_ks_coll_iter_init(&it[i], o->c->ks, h);
        live[i] = kv_ks_coll_next(&it[i], &cur[i], &v) && kv_coll_is_int(cur[i], &val[i]);
        total += h->count;
    }
    for (uint64_t step = 0; step < total; step++) {
        int32_t min = -1;
        for (uint32_t i = 0; i < o->n; i++)
            if (live[i] && (min < 0 || val[i] < val[min])) min = (int32_t)i;
        if (min < 0) break;
        int64_t at = val[min];
        if (!sink_put(s, cur[min])) return true;
        for (uint32_t i = 0; i < o->n; i++) {
            if (!live[i] || val[i] != at) continue;
            live[i] = kv_ks_coll_next(&it[i], &cur[i], &v) && kv_coll_is_int(cur[i], &val[i]);
        }
    }
    return true;
}

static void op_union(const struct sop *o, struct sink *s) {
    if (op_union_merge(o, s)) return;
    for (uint32_t j = 0; j < o->n; j++) {
        const struct kv_coll_head *h = sop_set(o, j);
        if (h == NULL) continue;
        struct kv_coll_iter it;
        struct kv_slice m, v;
        kv_ks_coll_iter_init(&it, o->c->ks, h);
        while (kv_ks_coll_next(&it, &m, &v)) {  /* count steps */
            bool seen = false;
            for (uint32_t i = 0; i < j && !seen; i++) seen = member_of(o->c, sop_set(o, i), m);
            if (!seen && !sink_put(s, m)) return;
        }
    }
}

static void op_diff(const struct sop *o, struct sink *s) {
    const struct kv_coll_head *h = sop_set(o, 0);
    if (h == NULL) return;
    struct kv_coll_iter it;
    struct kv_slice m, v;
    kv_ks_coll_iter_init(&it, o->c->ks, h);
    while (kv_ks_coll_next(&it, &m, &v)) {  /* count steps */
        bool out = false;
        for (uint32_t j = 1; j < o->n && !out; j++) out = member_of(o->c, sop_set(o, j), m);
        if (!out && !sink_put(s, m)) return;
    }
}

static void op_run(const struct sop *o, enum sop_kind kind, struct sink *s) {
    if (kind == SOP_INTER) op_inter(o, s);
    else if (kind == SOP_UNION) op_union(o, s);
    else op_diff(o, s);
    if (s->mode == SINK_STORE) sink_flush(s);
}

/* The result's `total` integers in ascending order: passes that each keep the
 * SORT_WINDOW smallest above the last one replied (at most total / SORT_WINDOW + 1
 * passes; one for any result Redis keeps as an intset at the default threshold). */
static void reply_ascending(const struct sop *o, enum sop_kind kind, uint64_t total) {
    struct sink s = {.mode = SINK_WINDOW, .c = o->c};
    s.w.cap = (uint32_t)KV_MIN(total, SORT_WINDOW);
    s.w.heap = kv_scratch_alloc(o->c, (uint64_t)s.w.cap * sizeof(int64_t));
    uint64_t done = 0;
    for (uint64_t pass = 0; pass <= total / SORT_WINDOW && done < total; pass++) {
        s.w.n = 0;
        op_run(o, kind, &s);
        KV_ASSERT(s.w.n > 0 && done + s.w.n <= total);
        for (uint32_t k = s.w.n; k > 1; k--) {  /* heapsort: ascending */
            heap_swap(s.w.heap, 0, k - 1);
            heap_down(s.w.heap, k - 1, 0);
        }
        for (uint32_t k = 0; k < s.w.n; k++) kv_reply_bulk_int(o->c->out, s.w.heap[k]);
        done += s.w.n;
        s.w.after = s.w.heap[s.w.n - 1];
        s.w.has_after = true;
    }
    KV_ASSERT(done == total);
}

/* The result of SUNION/SDIFF (or an SPOP taking the whole set) as Redis replies it:
 * Redis builds it as a new set, an intset while every member is an integer and there
 * are at most set-max-intset-entries, and replies in that set's order: ascending for
 * an intset. SINTER replies in its smallest source's order, as Redis streams it. */
static void sop_emit(const struct sop *o, enum sop_kind kind) {
    struct kv_cmd_ctx *c = o->c;
    struct sink cnt = {.mode = SINK_COUNT, .c = c};
    op_run(o, kind, &cnt);
    kv_reply_set(c->out, cnt.n);
    if (kind != SOP_INTER && !cnt.not_int && cnt.n > 0 &&
        cnt.n <= c->ks->set_intset_entries) {
        reply_ascending(o, kind, cnt.n);
        return;
    }
    struct sink rep = {.mode = SINK_REPLY, .c = c};
    op_run(o, kind, &rep);
    KV_ASSERT(rep.n == cnt.n);
}

/* SPOP key count, count >= the set's size: the reply (the caller deletes the key). */
static void spop_all(struct kv_cmd_ctx *c) {
    struct sop o = {c, 1, 1};
    sop_emit(&o, SOP_UNION);
}

/* SINTER SUNION SDIFF: a counting pass, then the reply. */
static void sop_reply(struct kv_cmd_ctx *c, enum sop_kind kind) {
    struct sop o = {c, 1, c->argc - 1};
    uint32_t missing;
    if (!sop_load(&o, true, &missing)) return;
    if (kind == SOP_INTER && missing > 0) {
        kv_reply_set(c->out, 0);
        return;
    }
    sop_emit(&o, kind);
}

static void cmd_sinter(struct kv_cmd_ctx *c) { sop_reply(c, SOP_INTER); }
static void cmd_sunion(struct kv_cmd_ctx *c) { sop_reply(c, SOP_UNION); }
static void cmd_sdiff(struct kv_cmd_ctx *c) { sop_reply(c, SOP_DIFF); }

/* SINTERSTORE SUNIONSTORE SDIFFSTORE: the result built detached, then stored. */
static void sop_store(struct kv_cmd_ctx *c, enum sop_kind kind) {
    struct sop o = {c, 2, c->argc - 2};
    uint32_t missing;
    if (!sop_load(&o, false, &missing)) return;
    struct sink s = {.mode = SINK_STORE, .c = c};
    kv_coll_init(&s.tmp, KV_COLL_SET);
    if (kind != SOP_INTER || missing == 0) op_run(&o, kind, &s);
    struct kv_slice dst = c->argv[1];
    if (s.oom) {
        kv_ks_coll_release(c->ks, &s.tmp);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    if (s.tmp.count == 0) {
        if (kv_ks_delete_key(c->ks, dst.ptr, dst.len))
            kv_engine_touch(c->engine, dst.ptr, dst.len);
        kv_reply_int(c->out, 0);
        return;
    }
    struct kv_item *it = kv_ks_set(c->ks, dst.ptr, dst.len, KV_TYPE_SET,
                                   (uint32_t)sizeof(struct kv_coll_head), false);
    if (it == NULL) {
        kv_ks_coll_release(c->ks, &s.tmp);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    *head_of(it) = s.tmp;  /* the blocks now belong to the key */
    kv_engine_touch(c->engine, dst.ptr, dst.len);
    kv_reply_int(c->out, (int64_t)s.tmp.count);
}

static void cmd_sinterstore(struct kv_cmd_ctx *c) { sop_store(c, SOP_INTER); }
static void cmd_sunionstore(struct kv_cmd_ctx *c) { sop_store(c, SOP_UNION); }
static void cmd_sdiffstore(struct kv_cmd_ctx *c) { sop_store(c, SOP_DIFF); }

static void room_store(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    kv_cc_room_sets(c, 2, c->argc - 2, 1, false, need, largest);
}

static void room_interstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    kv_cc_room_sets(c, 2, c->argc - 2, 1, true, need, largest);
}

/* SINTERCARD numkeys key... [LIMIT n]: NULL or the error. */
static const char *sintercard_parse(const struct kv_cmd_ctx *c, uint32_t *numkeys,
                                    uint64_t *limit) {
    int64_t n, l = 0;
    if (!kv_str2ll(c->argv[1].ptr, c->argv[1].len, &n) || n < 1) return ERR_NUMKEYS;
    if ((uint64_t)n > c->argc - 2) return ERR_NUMKEYS_ARGS;
    for (uint32_t j = 2 + (uint32_t)n; j < c->argc; j++) {
        if (!kv_cmd_opt(c, j, "limit") || j + 1 >= c->argc) return KV_ERR_SYNTAX;
        j++;
        if (!kv_str2ll(c->argv[j].ptr, c->argv[j].len, &l) || l < 0) return ERR_LIMIT;
    }
    *numkeys = (uint32_t)n;
    *limit = (uint64_t)l;
    return NULL;
}

static void cmd_sintercard(struct kv_cmd_ctx *c) {
    uint32_t numkeys;
    uint64_t limit;
    const char *err = sintercard_parse(c, &numkeys, &limit);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct sop o = {c, 2, numkeys};
    uint32_t missing;
    if (!sop_load(&o, true, &missing)) return;
    struct sink cnt = {.mode = SINK_COUNT, .c = c, .limit = limit};
    if (missing == 0) op_run(&o, SOP_INTER, &cnt);
    kv_reply_int(c->out, (int64_t)cnt.n);
}

static uint64_t sop_bound(struct kv_cmd_ctx *c, enum sop_kind kind) {
    uint64_t base = kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX, sum = 0, min = UINT64_MAX;
    for (uint32_t i = 1; i < c->argc; i++) {
        const struct kv_coll_head *h = kv_cc_peek(c, i, KV_TYPE_SET);
        uint64_t b = h == NULL ? 0 : kv_cc_entries_bound(c->ks, h, true, false);
        if (kind == SOP_DIFF && i > 1) break;
        sum += b;
        min = KV_MIN(min, b);
    }
    return base + (kind == SOP_INTER ? min : sum);
}

static uint64_t bound_sinter(struct kv_cmd_ctx *c) { return sop_bound(c, SOP_INTER); }
static uint64_t bound_sunion(struct kv_cmd_ctx *c) { return sop_bound(c, SOP_UNION); }
static uint64_t bound_sdiff(struct kv_cmd_ctx *c) { return sop_bound(c, SOP_DIFF); }

/* ---- SSCAN ---------------------------------------------------------------------------- */

static void cmd_sscan(struct kv_cmd_ctx *c) { kv_cc_scan(c, KV_TYPE_SET); }
static uint64_t bound_sscan(struct kv_cmd_ctx *c) { return kv_cc_scan_bound(c, KV_TYPE_SET); }

/* ---- table ---------------------------------------------------------------------------- */

#define W KV_CMD_WRITE
#define D KV_CMD_DENYOOM
#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd set_cmds[] = {
    {"sadd", -3, W | D | F, cmd_sadd, NULL, room_sadd, KV_KEYS(1, 1, 1)},
    {"srem", -3, W | F, cmd_srem, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"smove", 4, W | F, cmd_smove, NULL, NULL, KV_KEYS(1, 2, 1)},
    {"sismember", 3, R | F, cmd_sismember, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"smismember", -3, R | F, cmd_smismember, bound_smismember, NULL, KV_KEYS(1, 1, 1)},
    {"scard", 2, R | F, cmd_scard, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"spop", -2, W | F, cmd_spop, bound_spop, NULL, KV_KEYS(1, 1, 1)},
    {"srandmember", -2, R, cmd_srandmember, bound_srandmember, NULL, KV_KEYS(1, 1, 1)},
    {"sinter", -2, R, cmd_sinter, bound_sinter, NULL, KV_KEYS(1, -1, 1)},
    {"sintercard", -3, R, cmd_sintercard, NULL, NULL, KV_KEYNUM(1)},
    {"sinterstore", -3, W | D, cmd_sinterstore, NULL, room_interstore, KV_KEYS(1, -1, 1)},
    {"sunion", -2, R, cmd_sunion, bound_sunion, NULL, KV_KEYS(1, -1, 1)},
    {"sunionstore", -3, W | D, cmd_sunionstore, NULL, room_store, KV_KEYS(1, -1, 1)},
    {"sdiff", -2, R, cmd_sdiff, bound_sdiff, NULL, KV_KEYS(1, -1, 1)},
    {"sdiffstore", -3, W | D, cmd_sdiffstore, NULL, room_store, KV_KEYS(1, -1, 1)},
    {"smembers", 2, R, cmd_smembers, bound_smembers, NULL, KV_KEYS(1, 1, 1)},
    {"sscan", -3, R, cmd_sscan, bound_sscan, NULL, KV_KEYS(1, 1, 1)},
};

const struct kv_cmd_group kv_cmds_set = {set_cmds, KV_ARRAY_LEN(set_cmds)};

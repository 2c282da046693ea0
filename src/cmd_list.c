/*
 * cmd_list.c: the list commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE
 * LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP. Replies, errors and the
 * order in which arguments, keys and types are checked are Redis 7.0's (RESP2), byte
 * for byte; the list storage itself is src/list.c.
 *
 * Memory: owns none. A list key is created through kv_ks_set (its head lives in the
 * item), its nodes through src/list.c; both come from the keyspace's data region.
 * Invariants: a command either completes or changes nothing (allocation failure
 * replies -OOM and leaves every key as it was); a list that becomes empty is
 * deleted; every key a command modifies is reported to kv_engine_touch (WATCH).
 * Each reply_bound function bounds its command's reply (elements' lengths plus
 * RESP framing, errors included) from the list head, walking elements only when a
 * cheap bound would be large.
 * Never: allocates outside the keyspace, keeps an item pointer across a keyspace
 * mutation, or writes a reply longer than its bound.
 */
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/ks_list.h"
#include "kv/util.h"

#define ARRAY_HDR_MAX 32u          /* "*<n>\r\n" */
#define INT_REPLY_MAX 24u          /* ":<i64>\r\n" */
#define CHEAP_BOUND_MAX 4096u      /* above this, bound replies by walking elements */
#define ERR_POSITIVE "ERR value is out of range, must be positive"
#define ERR_RANK "ERR RANK can't be zero: use 1 to start from the first match, 2 from " \
                 "the second ... or use negative to start from the end of the list"
#define ERR_COUNT_NEG "ERR COUNT can't be negative"
#define ERR_MAXLEN_NEG "ERR MAXLEN can't be negative"
#define ERR_NUMKEYS "ERR numkeys should be greater than 0"
#define ERR_COUNT_POS "ERR count should be greater than 0"

/* ---- helpers ------------------------------------------------------------------- */

static bool arg_int(const struct kv_cmd_ctx *c, uint32_t i, int64_t *v) {
    KV_ASSERT(i < c->argc);
    return kv_str2ll(c->argv[i].ptr, c->argv[i].len, v);
}

/* LEFT / RIGHT (any case). */
static bool arg_end(const struct kv_cmd_ctx *c, uint32_t i, enum kv_list_end *end) {
    if (kv_cmd_opt(c, i, "left")) *end = KV_LIST_HEAD;
    else if (kv_cmd_opt(c, i, "right")) *end = KV_LIST_TAIL;
    else return false;
    return true;
}

static struct kv_list_head *head_of(struct kv_item *it) {
    KV_ASSERT(kv_item_type(it) == KV_TYPE_LIST);
    return (struct kv_list_head *)(void *)kv_item_value(it);
}


/*
 * Looks up key argv[i] (read: counting hits/misses). *out is the item or NULL.
 * Replies WRONGTYPE and returns false if the key holds something else.
 */
static bool find_list(struct kv_cmd_ctx *c, uint32_t i, bool read, struct kv_item **out) {
    struct kv_slice k = c->argv[i];
    struct kv_item *it = read ? kv_ks_find_read(c->ks, k.ptr, k.len)
                              : kv_ks_find(c->ks, k.ptr, k.len);
    *out = it;
    if (it != NULL && kv_item_type(it) != KV_TYPE_LIST) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return false;
    }
    KV_ASSERT(it == NULL || head_of(it)->count > 0);
    return true;
}

/* Creates an empty list under argv[i]; NULL (and -OOM replied) if out of memory. */
static struct kv_item *create_list(struct kv_cmd_ctx *c, uint32_t i) {
    struct kv_slice k = c->argv[i];
    struct kv_item *it = kv_ks_set(c->ks, k.ptr, k.len, KV_TYPE_LIST,
                                   (uint32_t)sizeof(struct kv_list_head), false);
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return NULL;
    }
    KV_ASSERT(head_of(it)->count == 0 && head_of(it)->head == 0);
    return it;
}

/* After a modification of argv[i]: deletes the key if its list emptied; touches. */
static void modified(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it) {
    if (head_of(it)->count == 0) kv_ks_delete(c->ks, it);
    kv_engine_touch(c->engine, c->argv[i].ptr, c->argv[i].len);
}

/* Replies n elements starting at index, walking forward or backward. */
static void reply_elems(struct kv_cmd_ctx *c, const struct kv_list_head *h, uint64_t index,
                        uint64_t n, bool forward) {
    kv_reply_array(c->out, n);
    struct kv_list_iter it;
    kv_ks_list_iter_init(&it, c->ks, h, index, forward);
    for (uint64_t i = 0; i < n; i++) {
        struct kv_slice s;
        bool more = kv_ks_list_next(&it, &s);
        KV_ASSERT(more);
        kv_reply_bulk(c->out, s.ptr, s.len);
    }
}

/* Elements at one end, as LPOP/RPOP/LMPOP reply them. */
static void reply_end_elems(struct kv_cmd_ctx *c, const struct kv_list_head *h,
                            enum kv_list_end end, uint64_t n) {
    KV_ASSERT(n >= 1 && n <= h->count);
    if (end == KV_LIST_HEAD) reply_elems(c, h, 0, n, true);
    else reply_elems(c, h, h->count - 1, n, false);
}

static bool elems_fit(const struct kv_cmd_ctx *c, uint32_t first) {
    for (uint32_t i = first; i < c->argc; i++) {
        if (c->argv[i].len > KV_LIST_ELEM_MAX) return false;
    }
    return true;
}

/* ---- reply bounds -------------------------------------------------------------- */

/* A live list under argv[i] without side effects, or NULL (missing, expired, other). */
static const struct kv_list_head *peek_list(struct kv_cmd_ctx *c, uint32_t i) {
    if (i >= c->argc) return NULL;
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[i].ptr, c->argv[i].len);
    if (it == NULL || kv_ks_item_expired(c->ks, it) || kv_item_type(it) != KV_TYPE_LIST)
        return NULL;
    return head_of(it);
}

/* Bound of an array of n elements from index (forward or backward), plus errors. */
static uint64_t elems_bound(struct kv_cmd_ctx *c, const struct kv_list_head *h, uint64_t index,
                            uint64_t n, bool forward) {
    uint64_t base = kv_cmd_bound_default(c) + ARRAY_HDR_MAX;
    if (h == NULL || n == 0) return base;
    KV_ASSERT(n <= h->count);
    uint64_t cheap = n * kv_reply_bulk_size(0) + h->bytes;
    if (cheap <= CHEAP_BOUND_MAX) return base + cheap;
    if (n == 1) /* LPOP, RPOP, LMOVE: one element at an end, no iterator */
        return base + kv_reply_bulk_size(kv_ks_list_get(c->ks, h, index).len);
    uint64_t exact = 0;
    struct kv_list_iter it;
    kv_ks_list_iter_init(&it, c->ks, h, index, forward);
    struct kv_slice s;
    for (uint64_t i = 0; i < n && kv_ks_list_next(&it, &s); i++) {
        exact += kv_reply_bulk_size(s.len);
    }
    return base + exact;
}

static uint64_t end_bound(struct kv_cmd_ctx *c, const struct kv_list_head *h,
                          enum kv_list_end end, uint64_t n) {
    if (h == NULL) return elems_bound(c, NULL, 0, 0, true);
    n = KV_MIN(n, h->count);
    if (end == KV_LIST_HEAD) return elems_bound(c, h, 0, n, true);
    return elems_bound(c, h, h->count - 1, n, false);
}

/* ---- push ---------------------------------------------------------------------- */

static void push_generic(struct kv_cmd_ctx *c, enum kv_list_end end, bool existing_only) {
    struct kv_item *it;
    if (!find_list(c, 1, false, &it)) return;
    if (it == NULL && existing_only) {
        kv_reply_int(c->out, 0);
        return;
    }
    if (!elems_fit(c, 2)) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    bool created = it == NULL;
    if (created && (it = create_list(c, 1)) == NULL) return;
    struct kv_list_head *h = head_of(it);
    if (!kv_ks_list_push(c->ks, h, end, &c->argv[2], c->argc - 2)) {
        if (created) kv_ks_delete(c->ks, it);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    uint64_t count = h->count;
    modified(c, 1, it);
    kv_reply_int(c->out, (int64_t)count);
}

static void cmd_lpush(struct kv_cmd_ctx *c) { push_generic(c, KV_LIST_HEAD, false); }
static void cmd_rpush(struct kv_cmd_ctx *c) { push_generic(c, KV_LIST_TAIL, false); }
static void cmd_lpushx(struct kv_cmd_ctx *c) { push_generic(c, KV_LIST_HEAD, true); }
static void cmd_rpushx(struct kv_cmd_ctx *c) { push_generic(c, KV_LIST_TAIL, true); }

/* ---- pop ----------------------------------------------------------------------- */

static void pop_generic(struct kv_cmd_ctx *c, enum kv_list_end end, const char *name) {
    if (c->argc > 3) {
        kv_reply_errorf(c->out, "ERR wrong number of arguments for '%s' command", name);
        return;
    }
    bool has_count = c->argc == 3;
    int64_t count = 1;
    if (has_count && (!arg_int(c, 2, &count) || count < 0)) {
        kv_reply_error(c->out, ERR_POSITIVE);
        return;
    }
    struct kv_item *it;
    if (!find_list(c, 1, false, &it)) return;
    if (it == NULL) {
        if (has_count) kv_reply_null_array(c->out);
        else kv_reply_null(c->out);
        return;
    }
    if (count == 0) {
        kv_reply_array(c->out, 0);
        return;
    }
    struct kv_list_head *h = head_of(it);
    uint64_t n = KV_MIN((uint64_t)count, h->count);
    if (has_count) {
        reply_end_elems(c, h, end, n);
    } else {
        struct kv_slice s = kv_ks_list_get(c->ks, h, end == KV_LIST_HEAD ? 0 : h->count - 1);
        kv_reply_bulk(c->out, s.ptr, s.len);
    }
    kv_ks_list_pop(c->ks, h, end, n);
    modified(c, 1, it);
}

static void cmd_lpop(struct kv_cmd_ctx *c) { pop_generic(c, KV_LIST_HEAD, "lpop"); }
static void cmd_rpop(struct kv_cmd_ctx *c) { pop_generic(c, KV_LIST_TAIL, "rpop"); }

static uint64_t pop_bound(struct kv_cmd_ctx *c, enum kv_list_end end) {
    int64_t count = 1;
    if (c->argc == 3 && (!arg_int(c, 2, &count) || count < 0)) count = 0;
    if (c->argc > 3) count = 0;
    return end_bound(c, peek_list(c, 1), end, (uint64_t)count);
}

static uint64_t bound_lpop(struct kv_cmd_ctx *c) { return pop_bound(c, KV_LIST_HEAD); }
static uint64_t bound_rpop(struct kv_cmd_ctx *c) { return pop_bound(c, KV_LIST_TAIL); }

/* ---- llen, lrange, lindex ------------------------------------------------------ */

static void cmd_llen(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_list(c, 1, true, &it)) return;
    kv_reply_int(c->out, it == NULL ? 0 : (int64_t)head_of(it)->count);
}

/* Redis's range normalisation (LRANGE, LTRIM): false if the range is empty. */
static bool range_norm(int64_t start, int64_t end, uint64_t count, uint64_t *from,
                       uint64_t *n) {
    KV_ASSERT(count > 0 && count <= INT64_MAX);
    int64_t len = (int64_t)count;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return false;
    if (end >= len) end = len - 1;
    *from = (uint64_t)start;
    *n = (uint64_t)(end - start + 1);
    KV_ASSERT(*from + *n <= count);
    return true;
}

static void cmd_lrange(struct kv_cmd_ctx *c) {
    int64_t start, end;
    if (!arg_int(c, 2, &start) || !arg_int(c, 3, &end)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    struct kv_item *it;
    if (!find_list(c, 1, true, &it)) return;
    uint64_t from = 0, n = 0;
    if (it == NULL || !range_norm(start, end, head_of(it)->count, &from, &n)) {
        kv_reply_array(c->out, 0);
        return;
    }
    reply_elems(c, head_of(it), from, n, true);
}

static uint64_t bound_lrange(struct kv_cmd_ctx *c) {
    int64_t start, end;
    const struct kv_list_head *h = peek_list(c, 1);
    uint64_t from = 0, n = 0;
    if (h == NULL || !arg_int(c, 2, &start) || !arg_int(c, 3, &end) ||
        !range_norm(start, end, h->count, &from, &n))
        return elems_bound(c, NULL, 0, 0, true);
    return elems_bound(c, h, from, n, true);
}

/* Index (negative from the tail) to a position, false if outside the list. */
static bool index_norm(int64_t index, uint64_t count, uint64_t *pos) {
    if (index < 0) {
        uint64_t back = 0 - (uint64_t)index;
        if (back > count) return false;
        *pos = count - back;
    } else {
        if ((uint64_t)index >= count) return false;
        *pos = (uint64_t)index;
    }
    KV_ASSERT(*pos < count);
    return true;
}

static void cmd_lindex(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_list(c, 1, true, &it)) return;
    if (it == NULL) {
        kv_reply_null(c->out);
        return;
    }
    int64_t index;
    if (!arg_int(c, 2, &index)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    struct kv_list_head *h = head_of(it);
    uint64_t pos;
    if (!index_norm(index, h->count, &pos)) {
        kv_reply_null(c->out);
        return;
    }
    struct kv_slice s = kv_ks_list_get(c->ks, h, pos);
    kv_reply_bulk(c->out, s.ptr, s.len);
}

static uint64_t bound_lindex(struct kv_cmd_ctx *c) {
    const struct kv_list_head *h = peek_list(c, 1);
    int64_t index;
    uint64_t pos;
    if (h == NULL || !arg_int(c, 2, &index) || !index_norm(index, h->count, &pos))
        return kv_cmd_bound_default(c);
    return kv_cmd_bound_default(c) + kv_reply_bulk_size(kv_ks_list_get(c->ks, h, pos).len);
}

/* ---- lset, linsert, lrem, ltrim ------------------------------------------------ */

static void cmd_lset(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_list(c, 1, false, &it)) return;
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_NO_KEY);
        return;
    }
    int64_t index;
    if (!arg_int(c, 2, &index)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    struct kv_list_head *h = head_of(it);
    uint64_t pos;
    if (!index_norm(index, h->count, &pos)) {
        kv_reply_error(c->out, KV_ERR_INDEX);
        return;
    }
    if (!elems_fit(c, 3) || !kv_ks_list_set(c->ks, h, pos, c->argv[3])) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    modified(c, 1, it);
    kv_reply_ok(c->out);
}

static void cmd_linsert(struct kv_cmd_ctx *c) {
    bool after = kv_cmd_opt(c, 2, "after");
    if (!after && !kv_cmd_opt(c, 2, "before")) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    struct kv_item *it;
    if (!find_list(c, 1, false, &it)) return;
    if (it == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    struct kv_list_head *h = head_of(it);
    int64_t pivot = kv_ks_list_find(c->ks, h, c->argv[3]);
    if (pivot < 0) {
        kv_reply_int(c->out, -1);
        return;
    }
    uint64_t pos = (uint64_t)pivot + (after ? 1 : 0);
    if (!elems_fit(c, 4) || !kv_ks_list_insert(c->ks, h, pos, c->argv[4])) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    uint64_t count = h->count;
    modified(c, 1, it);
    kv_reply_int(c->out, (int64_t)count);
}

static void cmd_lrem(struct kv_cmd_ctx *c) {
    int64_t count;
    if (!arg_int(c, 2, &count)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    struct kv_item *it;
    if (!find_list(c, 1, false, &it)) return;
    uint64_t removed = 0;
    if (it != NULL) {
        removed = kv_ks_list_remove(c->ks, head_of(it), c->argv[3], count);
        if (removed > 0) modified(c, 1, it);
    }
    kv_reply_int(c->out, (int64_t)removed);
}

static void cmd_ltrim(struct kv_cmd_ctx *c) {
    int64_t start, end;
    if (!arg_int(c, 2, &start) || !arg_int(c, 3, &end)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    struct kv_item *it;
    if (!find_list(c, 1, false, &it)) return;
    if (it != NULL) {
        struct kv_list_head *h = head_of(it);
        uint64_t from = 0, n = 0;
        if (!range_norm(start, end, h->count, &from, &n)) {
            from = 0;
            n = 0;
        }
        kv_ks_list_trim(c->ks, h, from, n);
        modified(c, 1, it);
    }
    kv_reply_ok(c->out);
}

/* ---- lpos ---------------------------------------------------------------------- */

struct lpos_opts {
    int64_t rank;     /* never 0; INT64_MIN behaves as Redis 7.0's overflowed -rank */
    int64_t count;    /* -1: no COUNT (single reply), 0: all matches */
    int64_t maxlen;   /* 0: no limit */
};

/* Parses RANK/COUNT/MAXLEN; returns NULL or the error to reply. */
static const char *lpos_parse(const struct kv_cmd_ctx *c, struct lpos_opts *o) {
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (uint32_t j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (more && kv_cmd_opt(c, j, "rank")) {
            if (!arg_int(c, ++j, &o->rank)) return KV_ERR_NOT_INT;
            if (o->rank == 0) return ERR_RANK;
        } else if (more && kv_cmd_opt(c, j, "count")) {
            if (!arg_int(c, ++j, &o->count) || o->count < 0) return ERR_COUNT_NEG;
        } else if (more && kv_cmd_opt(c, j, "maxlen")) {
            if (!arg_int(c, ++j, &o->maxlen) || o->maxlen < 0) return ERR_MAXLEN_NEG;
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    KV_ASSERT(o->rank != 0 && o->count >= -1 && o->maxlen >= 0);
    return NULL;
}

/* Writes "*n\r\n" in front of the reply bytes written since `from`. */
static void reply_array_before(struct kv_reply *out, uint32_t from, uint64_t n) {
    char hdr[ARRAY_HDR_MAX];
    hdr[0] = '*';
    uint32_t len = 1 + kv_fmt_i64(hdr + 1, (int64_t)n);
    hdr[len++] = '\r';
    hdr[len++] = '\n';
    KV_ASSERT(from <= out->len && len <= kv_reply_free(out));
    memmove(out->buf + from + len, out->buf + from, out->len - from);
    memcpy(out->buf + from, hdr, len);
    out->len += len;
}

/*
 * The LPOS scan, exactly as Redis 7.0 counts (wrapping where Redis overflows).
 * Replies when emit is set; returns how many positions the reply holds either way
 * (the reply bound runs it with emit false).
 */
static uint64_t lpos_scan(struct kv_cmd_ctx *c, const struct kv_list_head *h,
                          struct lpos_opts o, bool emit) {
    bool from_tail = o.rank < 0;
    int64_t rank = from_tail ? (int64_t)(0 - (uint64_t)o.rank) : o.rank;
    struct kv_list_iter it;
    kv_ks_list_iter_init(&it, c->ks, h, from_tail ? h->count - 1 : 0, !from_tail);
    uint32_t from = emit ? c->out->len : 0;
    int64_t matches = 0, found = -1;
    uint64_t emitted = 0;
    struct kv_slice s;
    for (uint64_t index = 0; (o.maxlen == 0 || index < (uint64_t)o.maxlen) &&
                             kv_ks_list_next(&it, &s); index++) {
        if (s.len != c->argv[2].len || memcmp(s.ptr, c->argv[2].ptr, s.len) != 0) continue;
        matches++;
        if (matches < rank) continue;
        int64_t at = (int64_t)(from_tail ? h->count - index - 1 : index);
        if (o.count == -1) {
            found = at;
            break;
        }
        if (emit) kv_reply_int(c->out, at);
        emitted++;
        int64_t got = (int64_t)((uint64_t)matches - (uint64_t)rank + 1);
        if (o.count != 0 && got >= o.count) break;
    }
    if (o.count == -1) emitted = found >= 0 ? 1 : 0;
    if (!emit) return emitted;
    if (o.count != -1) reply_array_before(c->out, from, emitted);
    else if (found >= 0) kv_reply_int(c->out, found);
    else kv_reply_null(c->out);
    return emitted;
}

static void cmd_lpos(struct kv_cmd_ctx *c) {
    struct lpos_opts o;
    const char *err = lpos_parse(c, &o);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    if (!find_list(c, 1, true, &it)) return;
    if (it == NULL) {
        if (o.count != -1) kv_reply_array(c->out, 0);
        else kv_reply_null(c->out);
        return;
    }
    lpos_scan(c, head_of(it), o, true);
}

static uint64_t bound_lpos(struct kv_cmd_ctx *c) {
    struct lpos_opts o;
    const struct kv_list_head *h = peek_list(c, 1);
    uint64_t base = kv_cmd_bound_default(c) + ARRAY_HDR_MAX;
    if (h == NULL || lpos_parse(c, &o) != NULL) return base;
    if (o.count == -1) return base + INT_REPLY_MAX;
    /* COUNT 0 on a long list would bound at 24 bytes an element: count instead. */
    return base + lpos_scan(c, h, o, false) * INT_REPLY_MAX;
}

/* ---- lmove, rpoplpush ---------------------------------------------------------- */

static void lmove_generic(struct kv_cmd_ctx *c, enum kv_list_end from, enum kv_list_end to) {
    struct kv_item *src, *dst;
    if (!find_list(c, 1, false, &src)) return;
    if (src == NULL) {
        kv_reply_null(c->out);
        return;
    }
    if (!find_list(c, 2, false, &dst)) return;
    bool created = dst == NULL;
    if (created && (dst = create_list(c, 2)) == NULL) return;
    /* The lookup or creation of dst mutated the keyspace: find src again. */
    src = kv_ks_find(c->ks, c->argv[1].ptr, c->argv[1].len);
    KV_ASSERT(src != NULL && kv_item_type(src) == KV_TYPE_LIST);
    struct kv_list_head *sh = head_of(src), *dh = head_of(dst);
    if (!kv_ks_list_move(c->ks, sh, from, dh, to)) {
        if (created) kv_ks_delete(c->ks, dst);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    struct kv_slice s = kv_ks_list_get(c->ks, dh, to == KV_LIST_HEAD ? 0 : dh->count - 1);
    kv_reply_bulk(c->out, s.ptr, s.len);
    kv_engine_touch(c->engine, c->argv[2].ptr, c->argv[2].len);
    modified(c, 1, src);
}

static void cmd_lmove(struct kv_cmd_ctx *c) {
    enum kv_list_end from, to;
    if (!arg_end(c, 3, &from) || !arg_end(c, 4, &to)) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    lmove_generic(c, from, to);
}

static void cmd_rpoplpush(struct kv_cmd_ctx *c) {
    lmove_generic(c, KV_LIST_TAIL, KV_LIST_HEAD);
}

static uint64_t move_bound(struct kv_cmd_ctx *c, enum kv_list_end from) {
    const struct kv_list_head *h = peek_list(c, 1);
    uint64_t base = kv_cmd_bound_default(c);
    if (h == NULL) return base;
    uint64_t index = from == KV_LIST_HEAD ? 0 : h->count - 1;
    return base + kv_reply_bulk_size(kv_ks_list_get(c->ks, h, index).len);
}

static uint64_t bound_lmove(struct kv_cmd_ctx *c) {
    enum kv_list_end from;
    if (!arg_end(c, 3, &from)) return kv_cmd_bound_default(c);
    return move_bound(c, from);
}

static uint64_t bound_rpoplpush(struct kv_cmd_ctx *c) { return move_bound(c, KV_LIST_TAIL); }

/* ---- lmpop --------------------------------------------------------------------- */

struct lmpop_args {
    uint32_t numkeys;
    enum kv_list_end end;
    int64_t count;
};

/* numkeys key... LEFT|RIGHT [COUNT n]: NULL or the error to reply. */
static const char *lmpop_parse(const struct kv_cmd_ctx *c, struct lmpop_args *a) {
    int64_t numkeys;
    if (!arg_int(c, 1, &numkeys) || numkeys < 1) return ERR_NUMKEYS;
    if ((uint64_t)numkeys > c->argc - 3) return KV_ERR_SYNTAX;
    a->numkeys = (uint32_t)numkeys;
    uint32_t where = 2 + a->numkeys;
    if (!arg_end(c, where, &a->end)) return KV_ERR_SYNTAX;
    a->count = -1;
    for (uint32_t j = where + 1; j < c->argc; j++) {
        if (a->count == -1 && j + 1 < c->argc && kv_cmd_opt(c, j, "count")) {
            if (!arg_int(c, ++j, &a->count) || a->count < 1) return ERR_COUNT_POS;
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    if (a->count == -1) a->count = 1;
    KV_ASSERT(a->count >= 1 && a->numkeys >= 1);
    return NULL;
}

static void cmd_lmpop(struct kv_cmd_ctx *c) {
    struct lmpop_args a;
    const char *err = lmpop_parse(c, &a);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    for (uint32_t i = 2; i < 2 + a.numkeys; i++) {
        struct kv_item *it;
        if (!find_list(c, i, false, &it)) return;
        if (it == NULL) continue;
        struct kv_list_head *h = head_of(it);
        uint64_t n = KV_MIN((uint64_t)a.count, h->count);
        kv_reply_array(c->out, 2);
        kv_reply_bulk(c->out, c->argv[i].ptr, c->argv[i].len);
        reply_end_elems(c, h, a.end, n);
        kv_ks_list_pop(c->ks, h, a.end, n);
        modified(c, i, it);
        return;
    }
    kv_reply_null_array(c->out);
}

static uint64_t bound_lmpop(struct kv_cmd_ctx *c) {
    struct lmpop_args a;
    if (lmpop_parse(c, &a) != NULL) return kv_cmd_bound_default(c);
    for (uint32_t i = 2; i < 2 + a.numkeys; i++) {
        const struct kv_list_head *h = peek_list(c, i);
        if (h == NULL) continue; /* missing, expired or WRONGTYPE (default covers it) */
        return end_bound(c, h, a.end, (uint64_t)a.count) + ARRAY_HDR_MAX +
               kv_reply_bulk_size(c->argv[i].len);
    }
    return kv_cmd_bound_default(c);
}

/* ---- table --------------------------------------------------------------------- */

#define W KV_CMD_WRITE
#define D KV_CMD_DENYOOM
#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd list_cmds[] = {
    {"lpush", -3, W | D | F, cmd_lpush, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"rpush", -3, W | D | F, cmd_rpush, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"lpushx", -3, W | D | F, cmd_lpushx, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"rpushx", -3, W | D | F, cmd_rpushx, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"lpop", -2, W | F, cmd_lpop, bound_lpop, NULL, KV_KEYS(1, 1, 1)},
    {"rpop", -2, W | F, cmd_rpop, bound_rpop, NULL, KV_KEYS(1, 1, 1)},
    {"llen", 2, R | F, cmd_llen, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"lrange", 4, R, cmd_lrange, bound_lrange, NULL, KV_KEYS(1, 1, 1)},
    {"lindex", 3, R, cmd_lindex, bound_lindex, NULL, KV_KEYS(1, 1, 1)},
    {"lset", 4, W | D, cmd_lset, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"linsert", 5, W | D, cmd_linsert, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"lrem", 4, W, cmd_lrem, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"ltrim", 4, W, cmd_ltrim, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"lpos", -3, R, cmd_lpos, bound_lpos, NULL, KV_KEYS(1, 1, 1)},
    {"lmove", 5, W | D, cmd_lmove, bound_lmove, NULL, KV_KEYS(1, 2, 1)},
    {"rpoplpush", 3, W | D, cmd_rpoplpush, bound_rpoplpush, NULL, KV_KEYS(1, 2, 1)},
    {"lmpop", -4, W, cmd_lmpop, bound_lmpop, NULL, KV_KEYNUM(1)},
};

const struct kv_cmd_group kv_cmds_list = {list_cmds, KV_ARRAY_LEN(list_cmds)};

/*
 * cmd_stream.c: the stream commands of the first slice: XADD XLEN XRANGE XREVRANGE
 * XDEL XTRIM XREAD (BLOCK too: xread_block, xread_woken). Replies, errors and the order in
 * which arguments, keys and types are checked are Redis 7.0's (t_stream.c), byte for
 * byte in RESP2 and RESP3 (XREAD's reply is a map under RESP3); the storage is
 * src/stream.c through ks_stream.h. Consumer groups are not here (unknown commands).
 *
 * IDs are parsed as Redis parses them (streamGenericParseIDOrReply): the argument
 * as a C string (it ends at a NUL byte; more than 127 bytes is invalid), "-" and "+"
 * unless strict, "ms" or "ms-seq" through string2ull (strict digits, else strtoull's
 * rules: blanks, a sign), "ms-*" where XADD allows it.
 *
 * Memory: owns none. A stream key is created through kv_ks_set (its head lives in
 * the item), its blocks through kv_ks_stream_*. Invariants: a command completes or
 * changes nothing (an append that cannot allocate replies -OOM before any trim, and
 * a key it created is deleted again); every modified key goes to kv_engine_touch;
 * an emptied stream stays (Redis keeps empty streams).
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include <string.h>

#include "kv/block.h"
#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/ks_stream.h"
#include "cmd_stream.h"

#include "kv/util.h"

#define ID_TEXT_MAX 127u      /* Redis's parse buffer holds 127 bytes and a NUL */
#define ID_REPLY_MAX 48u      /* "$41\r\n" + 41 digits and a dash + "\r\n" */
#define ENTRY_HDR_MAX 32u     /* "*2\r\n" and the pairs' array header */
#define PAIR_HDR_MAX 32u      /* two bulk headers and CRLFs */
#define ELEMENTS_MAX (1ull << 30)  /* Redis's STREAM_LISTPACK_MAX_SIZE */
#define LIMIT_PER_NODE 100u   /* ~ without LIMIT: 100 nodes' worth (Redis) */
#define LIMIT_MAX 10000u

#define ERR_ID "ERR Invalid stream ID specified as stream command argument"
#define ERR_EDOM "ERR The ID specified in XADD is equal or smaller than the target " \
                 "stream top item"
#define ERR_ZERO "ERR The ID specified in XADD must be greater than 0-0"
#define ERR_EXHAUSTED "ERR The stream has exhausted the last possible ID, unable to add " \
                      "more items"
#define ERR_TOO_LARGE "ERR Elements are too large to be stored"
#define ERR_BOTH "ERR syntax error, MAXLEN and MINID options at the same time are not " \
                 "compatible"
#define ERR_MAXLEN "ERR The MAXLEN argument must be >= 0."
#define ERR_LIMIT "ERR The LIMIT argument must be >= 0."
#define ERR_LIMIT_NO_TRIM "ERR syntax error, LIMIT cannot be used without specifying a " \
                          "trimming strategy"
#define ERR_LIMIT_EXACT "ERR syntax error, LIMIT cannot be used without the special ~ option"
#define ERR_XTRIM_NONE "ERR syntax error, XTRIM must be called with a trimming strategy"

static struct kv_stream_head *head_of(struct kv_item *it) { return kv_ks_stream_head(it); }

/* ---- IDs ------------------------------------------------------------------------------ */

/* Redis's string2ull over the C string s[0..n): strict integer, else strtoull. */
static bool parse_ull(const char *s, uint32_t n, uint64_t *out) {
    int64_t ll;
    if (kv_str2ll((const uint8_t *)s, n, &ll)) {
        if (ll < 0) return false;
        *out = (uint64_t)ll;
        return true;
    }
    uint32_t i = 0;
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
    bool neg = i < n && s[i] == '-';
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    uint64_t v = 0;
    uint32_t digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;  /* ERANGE */
        v = v * 10 + d;
    }
    if (digits == 0 || i != n) return false;
    *out = neg ? 0 - v : v;
    return true;
}

/*
 * Parses argument a as an ID. strict: "-" and "+" are invalid. seq_given: NULL where
 * "ms-*" is not allowed; else set to whether a sequence was given. A missing
 * sequence is missing_seq.
 */
static bool parse_id(struct kv_slice a, bool strict, uint64_t missing_seq, bool *seq_given,
                     struct kv_stream_id *id) {
    if (a.len > ID_TEXT_MAX) return false;
    const char *s = (const char *)a.ptr;
    uint32_t n = 0;
    while (n < a.len && s[n] != '\0') n++;
    if (seq_given != NULL) *seq_given = true;
    if (n == 1 && (s[0] == '-' || s[0] == '+')) {
        if (strict) return false;
        id->ms = s[0] == '-' ? 0 : UINT64_MAX;
        id->seq = id->ms;
        return true;
    }
    const char *dash = memchr(s, '-', n);
    uint32_t ms_len = dash == NULL ? n : (uint32_t)(dash - s);
    if (!parse_ull(s, ms_len, &id->ms)) return false;
    if (dash == NULL) {
        id->seq = missing_seq;
        return true;
    }
    const char *q = dash + 1;
    uint32_t q_len = n - ms_len - 1;
    if (seq_given != NULL && q_len == 1 && q[0] == '*') {
        id->seq = 0;
        *seq_given = false;
        return true;
    }
    return parse_ull(q, q_len, &id->seq);
}

static void reply_id(struct kv_cmd_ctx *c, struct kv_stream_id id) {
    char buf[48];
    uint32_t n = kv_stream_id_format(id, buf);
    kv_reply_bulk(c->out, buf, n);
}

/* ---- lookups ---------------------------------------------------------------------------- */

static bool find_stream(struct kv_cmd_ctx *c, uint32_t i, bool read, struct kv_item **out) {
    KV_ASSERT(i < c->argc);
    struct kv_slice k = c->argv[i];
    struct kv_item *it = read ? kv_ks_find_read(c->ks, k.ptr, k.len)
                              : kv_ks_find(c->ks, k.ptr, k.len);
    *out = it;
    if (it != NULL && kv_item_type(it) != KV_TYPE_STREAM) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return false;
    }
    return true;
}

static const struct kv_stream_head *peek_stream(struct kv_cmd_ctx *c, uint32_t i) {
    if (i >= c->argc) return NULL;
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[i].ptr, c->argv[i].len);
    if (it == NULL || kv_ks_item_expired(c->ks, it) || kv_item_type(it) != KV_TYPE_STREAM)
        return NULL;
    return head_of(it);
}

/* ---- XADD / XTRIM arguments --------------------------------------------------------------- */

struct trim_args {
    enum kv_stream_trim how;  /* 0: none */
    bool approx;
    bool nomkstream;
    bool id_given;
    bool seq_given;
    uint64_t maxlen;
    uint64_t limit;
    struct kv_stream_id minid;
    struct kv_stream_id id;
    uint32_t idpos;           /* XADD: the ID's argument ("*" included) */
};

/* Redis's getLongLongFromObject: a strict integer. */
static bool arg_ll(const struct kv_cmd_ctx *c, uint32_t i, int64_t *v) {
    return kv_str2ll(c->argv[i].ptr, c->argv[i].len, v);
}

static bool is_word(struct kv_slice a, char ch) { return a.len >= 1 && a.ptr[0] == ch &&
                                                         (a.len == 1 || a.ptr[1] == '\0'); }

/* MAXLEN or MINID at argv[*i] (more arguments follow). NULL or the error. */
static const char *parse_strategy(const struct kv_cmd_ctx *c, uint32_t *i, bool maxlen,
                                  struct trim_args *t) {
    if (t->how != 0) return ERR_BOTH;
    uint32_t more = c->argc - 1 - *i;
    t->approx = false;
    if (more >= 2 && is_word(c->argv[*i + 1], '~')) {
        t->approx = true;
        (*i)++;
    } else if (more >= 2 && is_word(c->argv[*i + 1], '=')) {
        (*i)++;
    }
    if (maxlen) {
        int64_t v;
        if (!arg_ll(c, *i + 1, &v)) return KV_ERR_NOT_INT;
        if (v < 0) return ERR_MAXLEN;
        t->maxlen = (uint64_t)v;
    } else if (!parse_id(c->argv[*i + 1], true, 0, NULL, &t->minid)) {
        return ERR_ID;
    }
    (*i)++;
    t->how = maxlen ? KV_STREAM_TRIM_MAXLEN : KV_STREAM_TRIM_MINID;
    return NULL;
}

/* The defaults and checks after the options (streamParseAddOrTrimArgsOrReply). */
static const char *trim_finish(const struct kv_cmd_ctx *c, bool xadd, bool limit_given,
                               struct trim_args *t) {
    if (t->limit != 0 && t->how == 0) return ERR_LIMIT_NO_TRIM;  /* LIMIT 0 passes */
    if (!xadd && t->how == 0) return ERR_XTRIM_NONE;
    if (limit_given && !t->approx) return ERR_LIMIT_EXACT;
    if (!limit_given && t->approx) {
        uint64_t nodes = c->ks->stream_node_entries;
        t->limit = nodes == 0 || nodes > LIMIT_MAX / LIMIT_PER_NODE ? LIMIT_MAX
                                                                      : nodes * LIMIT_PER_NODE;
    }
    return NULL;
}

/* Parses options from argv[2]; NULL or the error text. XADD: stops at the ID. */
static const char *parse_trim(const struct kv_cmd_ctx *c, bool xadd, struct trim_args *t) {
    memset(t, 0, sizeof(*t));
    bool limit_given = false;
    uint32_t i = 2;
    for (; i < c->argc; i++) {
        bool more = i + 1 < c->argc;
        struct kv_slice a = c->argv[i];
        const char *err = NULL;
        if (xadd && a.len >= 1 && a.ptr[0] == '*' && (a.len == 1 || a.ptr[1] == '\0')) {
            break;
        } else if (more && kv_cmd_opt(c, i, "maxlen")) {
            err = parse_strategy(c, &i, true, t);
        } else if (more && kv_cmd_opt(c, i, "minid")) {
            err = parse_strategy(c, &i, false, t);
        } else if (more && kv_cmd_opt(c, i, "limit")) {
            int64_t v;
            if (!arg_ll(c, i + 1, &v)) return KV_ERR_NOT_INT;
            if (v < 0) return ERR_LIMIT;
            t->limit = (uint64_t)v;
            limit_given = true;
            i++;
        } else if (xadd && kv_cmd_opt(c, i, "nomkstream")) {
            t->nomkstream = true;
        } else if (xadd) {
            if (!parse_id(a, true, 0, &t->seq_given, &t->id)) return ERR_ID;
            t->id_given = true;
            break;
        } else {
            return KV_ERR_SYNTAX;
        }
        if (err != NULL) return err;
    }
    t->idpos = i;
    return trim_finish(c, xadd, limit_given, t);
}

static uint64_t do_trim(struct kv_cmd_ctx *c, struct kv_stream_head *h,
                        const struct trim_args *t) {
    KV_ASSERT(t->how != 0);
    return kv_ks_stream_trim(c->ks, h, t->how, t->maxlen, t->minid, t->approx, t->limit);
}

/* ---- XADD -------------------------------------------------------------------------------- */

/* The new entry's ID (streamAppendItem): false with the error text. */
static bool next_id(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                    const struct trim_args *t, struct kv_stream_id *id, const char **err) {
    struct kv_stream_id last = h->last_id;
    *err = ERR_EDOM;
    if (!t->id_given) {
        uint64_t now = c->now_ms < 0 ? 0 : (uint64_t)c->now_ms;
        *id = last;
        if (now > last.ms) {
            id->ms = now;
            id->seq = 0;
        } else if (!kv_stream_id_incr(id)) {
            return false;
        }
    } else if (!t->seq_given && t->id.ms == last.ms) {
        *err = ERR_TOO_LARGE;  /* Redis 7.0.15's text here (its errno is not EDOM) */
        if (last.seq == UINT64_MAX) return false;
        *err = ERR_EDOM;
        *id = last;
        id->seq++;
    } else {
        *id = t->id;
    }
    return kv_stream_id_cmp(*id, last) > 0;
}

/* Checks and the new ID; replies and returns false when XADD stops before storing. */
static bool xadd_check(struct kv_cmd_ctx *c, const struct trim_args *t, struct kv_item *it,
                       struct kv_stream_id *id) {
    struct kv_stream_head fresh;
    kv_stream_init(&fresh);
    const struct kv_stream_head *h = it == NULL ? &fresh : head_of(it);
    if (h->last_id.ms == UINT64_MAX && h->last_id.seq == UINT64_MAX) {
        kv_reply_error(c->out, ERR_EXHAUSTED);
        return false;
    }
    const char *err;
    if (!next_id(c, h, t, id, &err)) {
        kv_reply_error(c->out, err);
        return false;
    }
    uint64_t tot = 0;
    for (uint32_t i = t->idpos + 1; i < c->argc; i++) tot += c->argv[i].len;
    if (tot > ELEMENTS_MAX) {
        kv_reply_error(c->out, ERR_TOO_LARGE);
        return false;
    }
    return true;
}

static void cmd_xadd(struct kv_cmd_ctx *c) {
    struct trim_args t;
    const char *err = parse_trim(c, true, &t);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    uint32_t fields = t.idpos + 1;
    if (c->argc - fields < 2 || (c->argc - fields) % 2 == 1) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'xadd' command");
        return;
    }
    if (t.id_given && t.seq_given && t.id.ms == 0 && t.id.seq == 0) {
        kv_reply_error(c->out, ERR_ZERO);
        return;
    }
    struct kv_item *it;
    if (!find_stream(c, 1, false, &it)) return;
    if (it == NULL && t.nomkstream) {
        kv_reply_null(c->out);
        return;
    }
    struct kv_stream_id id;
    if (!xadd_check(c, &t, it, &id)) return;
    bool created = it == NULL;
    struct kv_slice k = c->argv[1];
    if (created) it = kv_ks_set(c->ks, k.ptr, k.len, KV_TYPE_STREAM,
                                (uint32_t)sizeof(struct kv_stream_head), false);
    if (it == NULL || !kv_ks_stream_append(c->ks, head_of(it), id, &c->argv[fields],
                                           (c->argc - fields) / 2)) {
        if (created && it != NULL) kv_ks_delete(c->ks, it);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    reply_id(c, id);
    if (t.how != 0) (void)do_trim(c, head_of(it), &t);
    kv_engine_ready(c->engine, k.ptr, k.len);
}

static void room_xadd(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    struct trim_args t;
    *need = 0;
    *largest = 0;
    if (parse_trim(c, true, &t) != NULL || t.idpos + 3 > c->argc) return;
    uint32_t fields = t.idpos + 1, n = (c->argc - fields) / 2;
    const struct kv_stream_head *h = peek_stream(c, 1);
    struct kv_stream_head fresh;
    uint64_t item = 0;
    if (h == NULL) {
        kv_stream_init(&fresh);
        h = &fresh;
        item = c->argv[1].len + sizeof(struct kv_stream_head) + 40;
    }
    kv_ks_stream_append_room(c->ks, h, &c->argv[fields], n, need, largest);
    *need += item;
    *largest = KV_MAX(*largest, item);
}

/* ---- XTRIM XLEN XDEL -------------------------------------------------------------------- */

static void cmd_xtrim(struct kv_cmd_ctx *c) {
    struct trim_args t;
    const char *err = parse_trim(c, false, &t);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    if (!find_stream(c, 1, false, &it)) return;
    if (it == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    uint64_t deleted = do_trim(c, head_of(it), &t);
    if (deleted > 0) kv_engine_touch(c->engine, c->argv[1].ptr, c->argv[1].len);
    kv_reply_int(c->out, (int64_t)deleted);
}

static void cmd_xlen(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_stream(c, 1, true, &it)) return;
    kv_reply_int(c->out, it == NULL ? 0 : (int64_t)head_of(it)->length);
}

static void cmd_xdel(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_stream(c, 1, false, &it)) return;
    if (it == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    struct kv_stream_id id;
    for (uint32_t i = 2; i < c->argc; i++) {
        if (!parse_id(c->argv[i], true, 0, NULL, &id)) {
            kv_reply_error(c->out, ERR_ID);
            return;
        }
    }
    int64_t deleted = 0;
    for (uint32_t i = 2; i < c->argc; i++) {
        (void)parse_id(c->argv[i], true, 0, NULL, &id);
        deleted += kv_ks_stream_delete(c->ks, head_of(it), id) ? 1 : 0;
    }
    if (deleted > 0) kv_engine_touch(c->engine, c->argv[1].ptr, c->argv[1].len);
    kv_reply_int(c->out, deleted);
}

/* ---- XRANGE XREVRANGE ------------------------------------------------------------------- */

/* Writes up to count (0: all) entries of [start, end]; returns how many. */
static uint64_t reply_range(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                            struct kv_stream_id start, struct kv_stream_id end, uint64_t count,
                            bool rev) {
    struct kv_stream_iter it;
    struct kv_stream_entry e;
    uint64_t n = 0;
    kv_ks_stream_iter_init(&it, c->ks, h, start, end, rev);
    while ((count == 0 || n < count) && kv_stream_iter_next(&it, &e)) n++;  /* count pass */
    kv_reply_array(c->out, n);
    kv_ks_stream_iter_init(&it, c->ks, h, start, end, rev);
    for (uint64_t i = 0; i < n && kv_stream_iter_next(&it, &e); i++) {
        kv_reply_array(c->out, 2);
        reply_id(c, e.id);
        kv_reply_array(c->out, 2ull * e.pairs);
        for (uint32_t p = 0; p < e.pairs; p++) {
            struct kv_slice f, v;
            kv_stream_entry_pair(&e, &f, &v);
            kv_reply_bulk(c->out, f.ptr, f.len);
            kv_reply_bulk(c->out, v.ptr, v.len);
        }
    }
    return n;
}

struct range_args {
    struct kv_stream_id start, end;
    int64_t count;  /* -1: none */
};

/* Parses XRANGE's interval and COUNT; NULL or the error text. */
static const char *parse_range(const struct kv_cmd_ctx *c, bool rev, struct range_args *r) {
    struct kv_slice sa = c->argv[rev ? 3 : 2], ea = c->argv[rev ? 2 : 3];
    bool sx = sa.len > 1 && sa.ptr[0] == '(', ex = ea.len > 1 && ea.ptr[0] == '(';
    struct kv_slice s1 = {sa.ptr + (sx ? 1 : 0), sa.len - (sx ? 1 : 0)};
    struct kv_slice e1 = {ea.ptr + (ex ? 1 : 0), ea.len - (ex ? 1 : 0)};
    if (!parse_id(s1, sx, 0, NULL, &r->start)) return ERR_ID;
    if (sx && !kv_stream_id_incr(&r->start)) return "ERR invalid start ID for the interval";
    if (!parse_id(e1, ex, UINT64_MAX, NULL, &r->end)) return ERR_ID;
    if (ex && !kv_stream_id_decr(&r->end)) return "ERR invalid end ID for the interval";
    r->count = -1;
    for (uint32_t j = 4; j < c->argc; j++) {
        if (!(kv_cmd_opt(c, j, "count") && j + 1 < c->argc)) return KV_ERR_SYNTAX;
        if (!arg_ll(c, j + 1, &r->count)) return KV_ERR_NOT_INT;
        if (r->count < 0) r->count = 0;
        j++;
    }
    return NULL;
}

static void xrange_generic(struct kv_cmd_ctx *c, bool rev) {
    struct range_args r;
    const char *err = parse_range(c, rev, &r);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    if (!find_stream(c, 1, true, &it)) return;
    if (it == NULL) {
        kv_reply_array(c->out, 0);
        return;
    }
    if (r.count == 0) {
        kv_reply_null_array(c->out);
        return;
    }
    (void)reply_range(c, head_of(it), r.start, r.end, r.count < 0 ? 0 : (uint64_t)r.count,
                      rev);
}

static void cmd_xrange(struct kv_cmd_ctx *c) { xrange_generic(c, false); }
static void cmd_xrevrange(struct kv_cmd_ctx *c) { xrange_generic(c, true); }

/* A bound of n entries of h (count 0: all). */
static uint64_t entries_bound(const struct kv_stream_head *h, uint64_t count) {
    uint64_t n = count == 0 || count > h->length ? h->length : count;
    uint64_t per = ID_REPLY_MAX + ENTRY_HDR_MAX + (uint64_t)h->pairs_max * 2 * PAIR_HDR_MAX;
    uint64_t all = h->length * per + h->bytes;
    if (h->entry_bytes_max > 0 && n > (UINT64_MAX / 4) / (per + h->entry_bytes_max)) return all;
    return KV_MIN(all, n * (per + h->entry_bytes_max));
}

static uint64_t bound_xrange(struct kv_cmd_ctx *c) {
    const struct kv_stream_head *h = peek_stream(c, 1);
    uint64_t base = kv_cmd_bound_default(c) + 16;
    if (h == NULL) return base;
    struct range_args r;
    bool rev = c->argv[0].len == 9;  /* xrevrange */
    if (parse_range(c, rev, &r) != NULL) return base;
    return base + entries_bound(h, r.count < 0 ? 0 : (uint64_t)r.count);
}

/* ---- XREAD ------------------------------------------------------------------------------- */

struct read_args {
    int64_t count;       /* 0: no limit */
    bool block;
    int64_t block_ms;    /* BLOCK's milliseconds (0: forever) */
    uint32_t streams;    /* argument of the first key */
    uint32_t n;          /* keys */
};

/* XREAD's options; NULL or the error text. */
static const char *parse_read(const struct kv_cmd_ctx *c, struct read_args *r) {
    memset(r, 0, sizeof(*r));
    for (uint32_t i = 1; i < c->argc; i++) {
        bool more = i + 1 < c->argc;
        if (more && kv_cmd_opt(c, i, "block")) {
            int64_t ms;
            i++;
            if (!arg_ll(c, i, &ms)) return "ERR timeout is not an integer or out of range";
            if (ms < 0) return "ERR timeout is negative";
            r->block = true;
            r->block_ms = ms;
        } else if (more && kv_cmd_opt(c, i, "count")) {
            i++;
            if (!arg_ll(c, i, &r->count)) return KV_ERR_NOT_INT;
            if (r->count < 0) r->count = 0;
        } else if (more && kv_cmd_opt(c, i, "streams")) {
            r->streams = i + 1;
            if ((c->argc - r->streams) % 2 != 0)
                return "ERR Unbalanced XREAD list of streams: for each stream key an ID or "
                       "'$' must be specified.";
            r->n = (c->argc - r->streams) / 2;
            break;
        } else if (i + 2 < c->argc && kv_cmd_opt(c, i, "group")) {
            return "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                   "instead.";
        } else if (kv_cmd_opt(c, i, "noack")) {
            return "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                   "instead.";
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    return r->streams == 0 ? KV_ERR_SYNTAX : NULL;
}

/* The ID argument i of a stream h (NULL: missing key); NULL or the error text. */
static const char *read_id(const struct kv_cmd_ctx *c, uint32_t i,
                           const struct kv_stream_head *h, struct kv_stream_id *id) {
    struct kv_slice a = c->argv[i];
    if (a.len == 1 && a.ptr[0] == '$') {
        struct kv_stream_id zero = {0, 0};
        *id = h == NULL ? zero : h->last_id;
        return NULL;
    }
    if (a.len == 1 && a.ptr[0] == '>')
        return "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
               "<group> <consumer> option.";
    return parse_id(a, true, 0, NULL, id) ? NULL : ERR_ID;
}

/* The last live entry's ID is after gt: XREAD serves the stream now. */
static bool read_ready(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                       struct kv_stream_id gt) {
    if (h->length == 0) return false;
    struct kv_stream_iter it;
    struct kv_stream_entry e;
    struct kv_stream_id max = {UINT64_MAX, UINT64_MAX};
    kv_ks_stream_iter_init(&it, c->ks, h, gt, max, true);
    return kv_stream_iter_next(&it, &e) && kv_stream_id_cmp(e.id, gt) > 0;
}

/* Checks every key's type and ID; fills ids; false once an error was replied. */
static bool read_prepare(struct kv_cmd_ctx *c, const struct read_args *r,
                         struct kv_stream_id *ids) {
    for (uint32_t k = 0; k < r->n; k++) {
        struct kv_item *it;
        if (!find_stream(c, r->streams + k, true, &it)) return false;
        const char *err = read_id(c, r->streams + r->n + k, it == NULL ? NULL : head_of(it),
                                  &ids[k]);
        if (err != NULL) {
            kv_reply_error(c->out, err);
            return false;
        }
    }
    return true;
}

/* [key, entries after gt] (RESP3: a map entry) for argument k, as XREAD serves it. */
static void reply_read_key(struct kv_cmd_ctx *c, const struct read_args *r, uint32_t k,
                           const struct kv_stream_head *h, struct kv_stream_id gt) {
    KV_ASSERT(k < r->n && h != NULL);
    struct kv_stream_id start = gt, max = {UINT64_MAX, UINT64_MAX};
    (void)kv_stream_id_incr(&start);
    if (c->session->proto < 3) kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, c->argv[r->streams + k].ptr, c->argv[r->streams + k].len);
    (void)reply_range(c, h, start, max, (uint64_t)r->count, false);
}

/*
 * XREAD BLOCK with nothing to read: the session waits on its keys (include/kv/block.h),
 * each with the ID it reads after ($: the stream's last ID now) and the last ID it saw,
 * until an XADD or a new stream under a key serves it (xread_woken). Inside MULTI, or
 * without wait queues, a null array (Redis's CLIENT_DENY_BLOCKING).
 */
static void xread_block(struct kv_cmd_ctx *c, const struct read_args *r,
                        const struct kv_stream_id *ids) {
    KV_ASSERT(r->block && r->n >= 1 && r->block_ms >= 0);
    struct kv_engine *e = c->engine;
    if (!e->can_block || e->exec_out != NULL) {
        kv_reply_null_array(c->out);
        return;
    }
    if (r->n > e->block.per_session) {
        kv_reply_errorf(c->out, "ERR too many keys to block on (block-max-keys %u)",
                        e->block.per_session);
        return;
    }
    uint64_t *hashes = kv_scratch_alloc(c, (uint64_t)r->n * sizeof(uint64_t));
    struct kv_block_after *after = kv_scratch_alloc(c, (uint64_t)r->n * sizeof(*after));
    for (uint32_t k = 0; k < r->n; k++) {
        struct kv_slice key = c->argv[r->streams + k];
        const struct kv_stream_head *h = peek_stream(c, r->streams + k);
        struct kv_stream_id seen = h != NULL ? h->last_id : (struct kv_stream_id){0, 0};
        hashes[k] = kv_ks_key_hash(c->ks, key.ptr, key.len);
        after[k] = (struct kv_block_after){ids[k].ms, ids[k].seq, seen.ms, seen.seq};
    }
    /* Redis adds the milliseconds to now unchecked; past int64 kv waits forever */
    int64_t deadline = r->block_ms > 0 && r->block_ms <= INT64_MAX - c->now_ms
                           ? c->now_ms + r->block_ms : 0;
    struct kv_block_want want = {KV_TYPE_STREAM, true, after};
    kv_block_add(&e->block, c->session, hashes, r->n, deadline, &want);
    uint64_t mem = 0;
    for (uint32_t i = 0; i < c->argc; i++) mem += c->argv[i].len;
    c->session->block_argv_mem = mem;
    KV_ASSERT(c->session->flags & KV_SESSION_BLOCKED);
}

/* A blocked XREAD runs again (s->block_wake): a timeout's null array, CLIENT UNBLOCK
 * ERROR's error, or the woken key's entries after its ID once the stream's last ID is
 * past that ID and moved since it blocked (Redis: s->last_id > gt, at an XADD);
 * otherwise it stays blocked, without a reply. */
static void xread_woken(struct kv_cmd_ctx *c, const struct read_args *r) {
    struct kv_session *s = c->session;
    KV_ASSERT(s->flags & KV_SESSION_BLOCKED);
    if (s->block_wake == KV_BLOCK_WAKE_TIMEOUT || s->block_wake == KV_BLOCK_WAKE_ERROR) {
        if (s->block_wake == KV_BLOCK_WAKE_ERROR)
            kv_reply_error(c->out, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
        else kv_reply_null_array(c->out);
        kv_block_remove(&c->engine->block, s);
        return;
    }
    uint32_t k = 0;
    while (k < r->n && kv_ks_key_hash(c->ks, c->argv[r->streams + k].ptr,
                                      c->argv[r->streams + k].len) != s->block_hash)
        k++;
    struct kv_block_after a;
    if (k == r->n || !kv_block_after_of(&c->engine->block, s, s->block_hash, &a)) return;
    const struct kv_stream_head *h = peek_stream(c, r->streams + k);
    struct kv_stream_id gt = {a.ms, a.seq}, seen = {a.seen_ms, a.seen_seq};
    if (h == NULL || kv_stream_id_cmp(h->last_id, gt) <= 0 ||
        kv_stream_id_cmp(h->last_id, seen) == 0)
        return; /* stays blocked */
    kv_block_remove(&c->engine->block, s);
    if (s->proto >= 3) kv_reply_map(c->out, 1);
    else kv_reply_array(c->out, 1);
    reply_read_key(c, r, k, h, gt);
    KV_ASSERT(!(s->flags & KV_SESSION_BLOCKED));
}

static void cmd_xread(struct kv_cmd_ctx *c) {
    struct read_args r;
    const char *err = parse_read(c, &r);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    if (c->session->block_wake != KV_BLOCK_WAKE_NONE) {
        xread_woken(c, &r);
        return;
    }
    struct kv_stream_id *ids = kv_scratch_alloc(c, (uint64_t)r.n * sizeof(*ids));
    KV_ASSERT(ids != NULL || r.n == 0);
    if (!read_prepare(c, &r, ids)) return;
    uint64_t ready = 0;
    for (uint32_t k = 0; k < r.n; k++) {
        const struct kv_stream_head *h = peek_stream(c, r.streams + k);
        ready += h != NULL && read_ready(c, h, ids[k]) ? 1 : 0;
    }
    if (ready == 0) {
        if (r.block) xread_block(c, &r, ids);
        else kv_reply_null_array(c->out);
        return;
    }
    if (c->session->proto >= 3) kv_reply_map(c->out, ready);
    else kv_reply_array(c->out, ready);  /* of [key, entries] pairs */
    for (uint32_t k = 0; k < r.n; k++) {
        const struct kv_stream_head *h = peek_stream(c, r.streams + k);
        if (h != NULL && read_ready(c, h, ids[k])) reply_read_key(c, &r, k, h, ids[k]);
    }
}

static uint64_t bound_xread(struct kv_cmd_ctx *c) {
    uint64_t b = kv_cmd_bound_default(c) + 16;
    struct read_args r;
    if (parse_read(c, &r) != NULL) return b;
    for (uint32_t k = 0; k < r.n; k++) {
        const struct kv_stream_head *h = peek_stream(c, r.streams + k);
        if (h == NULL) continue;
        b += 32 + kv_reply_bulk_size(c->argv[r.streams + k].len);
        b += entries_bound(h, (uint64_t)r.count);
    }
    return b;
}

/* ---- shared with the other stream command files (cmd_stream.h) ------------------------- */

bool kv_cs_parse_id(struct kv_slice a, bool strict, uint64_t missing_seq, bool *seq_given,
                    struct kv_stream_id *id) {
    return parse_id(a, strict, missing_seq, seq_given, id);
}
void kv_cs_reply_id(struct kv_cmd_ctx *c, struct kv_stream_id id) { reply_id(c, id); }
bool kv_cs_find(struct kv_cmd_ctx *c, uint32_t i, bool read, struct kv_item **out) {
    return find_stream(c, i, read, out);
}
const struct kv_stream_head *kv_cs_peek(struct kv_cmd_ctx *c, uint32_t i) {
    return peek_stream(c, i);
}
uint64_t kv_cs_reply_range(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                           struct kv_stream_id start, struct kv_stream_id end, uint64_t count,
                           bool rev) {
    return reply_range(c, h, start, end, count, rev);
}
uint64_t kv_cs_entries_bound(const struct kv_stream_head *h, uint64_t count) {
    return entries_bound(h, count);
}

/* ---- table --------------------------------------------------------------------------------- */

#define W KV_CMD_WRITE
#define D KV_CMD_DENYOOM
#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd stream_cmds[] = {
    {"xadd", -5, W | D | F, cmd_xadd, NULL, room_xadd, KV_KEYS(1, 1, 1)},
    {"xtrim", -4, W, cmd_xtrim, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"xdel", -3, W | F, cmd_xdel, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"xlen", 2, R | F, cmd_xlen, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"xrange", -4, R, cmd_xrange, bound_xrange, NULL, KV_KEYS(1, 1, 1)},
    {"xrevrange", -4, R, cmd_xrevrange, bound_xrange, NULL, KV_KEYS(1, 1, 1)},
    {"xread", -4, R | KV_CMD_BLOCKING, cmd_xread, bound_xread, NULL, KV_KEYS_STREAMS},
    {"xsetid", -3, W | D | F, kv_cmd_xsetid, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"xinfo", -2, KV_CMD_CONTAINER, kv_cmd_xinfo, kv_cmd_xinfo_bound, NULL, KV_NOKEYS},
    {"xgroup", -2, KV_CMD_CONTAINER | W | D, kv_cmd_xgroup, kv_cmd_xgroup_bound,
     kv_cmd_xgroup_room, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_stream = {stream_cmds, KV_ARRAY_LEN(stream_cmds)};

/*
 * cmd_hash.c: the hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN
 * HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. Replies,
 * errors and the order in which arguments, keys and types are checked are Redis
 * 7.0's (t_hash.c), byte for byte in RESP2 and RESP3 (HGETALL a map, HRANDFIELD
 * WITHVALUES pairs); the storage itself is src/coll.c through ks_coll.h.
 *
 * Memory: owns none. A hash key is created through kv_ks_set (its head lives in
 * the item), its blocks through kv_ks_coll_*; both in the keyspace's data region.
 * Invariants: a command completes or changes nothing (allocation failure replies
 * -OOM and leaves every key as it was: no partial HSET); a hash that empties is
 * deleted; every modified key goes to kv_engine_touch. Each reply_bound function
 * bounds its command's reply from the head, walking entries when that is cheaper
 * than refusing a large reply.
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include <math.h>
#include <string.h>

#include "cmd_coll.h"
#include "kv/util.h"

#define LD_STR_MAX 5120u   /* Redis's MAX_LONG_DOUBLE_CHARS */
#define ERR_HASH_INT "ERR hash value is not an integer"
#define ERR_HASH_FLOAT "ERR hash value is not a float"
#define ERR_NAN_INF "ERR value is NaN or Infinity"
#define ERR_FLOAT_NAN "ERR increment would produce NaN or Infinity"
#define ERR_RANGE "ERR value is out of range"
#define ERR_RANGE_LONG "ERR value is out of range, value must between -9223372036854775807 " \
                       "and 9223372036854775807"

static struct kv_coll_head *head_of(struct kv_item *it) { return kv_ks_coll_head(it); }

static bool find_hash(struct kv_cmd_ctx *c, bool read, struct kv_item **out) {
    return kv_cc_find(c, 1, KV_TYPE_HASH, read, out);
}

/* Any of argv[from], argv[from + step], ... longer than hash-max-listpack-value. */
static bool any_big(const struct kv_cmd_ctx *c, uint32_t from) {
    for (uint32_t i = from; i < c->argc; i++) {
        if (kv_ks_coll_big(c->ks, c->argv[i].len)) return true;
    }
    return false;
}

/*
 * HGET's bound: one value of the hash. A hash whose fields and values together take
 * at most VALUE_BOUND_CHEAP bytes bounds it by that sum, without looking the field up
 * (the command looks it up once more to run: this saves one of two lookups, 3-4% of
 * an HGET at P=16); a larger one by the value itself, so the bound stays tight where a
 * slack would cost output room.
 */
#define VALUE_BOUND_CHEAP 256u

static uint64_t value_bound(struct kv_cmd_ctx *c, uint32_t field) {
    const struct kv_coll_head *h = kv_cc_peek(c, 1, KV_TYPE_HASH);
    struct kv_slice v = {NULL, 0};
    uint64_t base = kv_cmd_bound_default(c);
    if (h != NULL && h->bytes <= VALUE_BOUND_CHEAP) return base + kv_reply_bulk_size(h->bytes);
    if (h == NULL || field >= c->argc || !kv_ks_coll_get(c->ks, h, c->argv[field], &v))
        return base;
    return base + kv_reply_bulk_size(v.len);
}

/* Sets n pairs from argv[first]; false (-OOM replied, nothing changed) if OOM. */
static bool set_pairs(struct kv_cmd_ctx *c, struct kv_item *it, bool created, uint32_t first,
                      uint32_t n, bool big, uint64_t *added) {
    if (kv_ks_coll_add(c->ks, head_of(it), &c->argv[first], n, big, added)) return true;
    if (created) kv_ks_delete(c->ks, it);
    kv_reply_error(c->out, KV_ERR_OOM);
    return false;
}

/* ---- HSET HMSET HSETNX ------------------------------------------------------------ */

static void hset_generic(struct kv_cmd_ctx *c, bool hmset) {
    if (c->argc % 2 == 1) {
        kv_reply_errorf(c->out, "ERR wrong number of arguments for '%s' command",
                        hmset ? "hmset" : "hset");
        return;
    }
    struct kv_item *it;
    if (!find_hash(c, false, &it)) return;
    bool created = it == NULL;
    if (created && (it = kv_cc_create(c, 1, KV_TYPE_HASH)) == NULL) return;
    uint64_t added = 0;
    if (!set_pairs(c, it, created, 2, (c->argc - 2) / 2, any_big(c, 2), &added)) return;
    kv_cc_modified(c, 1, it);
    if (hmset) kv_reply_ok(c->out);
    else kv_reply_int(c->out, (int64_t)added);
}

static void cmd_hset(struct kv_cmd_ctx *c) { hset_generic(c, false); }
static void cmd_hmset(struct kv_cmd_ctx *c) { hset_generic(c, true); }

static void room_hset(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    kv_cc_room(c, 1, KV_TYPE_HASH, 2, (c->argc - 2) / 2, need, largest);
}

static void cmd_hsetnx(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, false, &it)) return;
    if (it != NULL && kv_ks_coll_get(c->ks, head_of(it), c->argv[2], NULL)) {
        kv_reply_int(c->out, 0);
        return;
    }
    bool created = it == NULL;
    if (created && (it = kv_cc_create(c, 1, KV_TYPE_HASH)) == NULL) return;
    uint64_t added = 0;
    if (!set_pairs(c, it, created, 2, 1, any_big(c, 2), &added)) return;
    KV_ASSERT(added == 1);
    kv_cc_modified(c, 1, it);
    kv_reply_int(c->out, 1);
}

/* ---- HGET HMGET HEXISTS HSTRLEN HLEN HDEL ------------------------------------------ */

static void cmd_hget(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    struct kv_slice v;
    if (it == NULL || !kv_ks_coll_get(c->ks, head_of(it), c->argv[2], &v)) {
        kv_reply_null(c->out);
        return;
    }
    kv_reply_bulk(c->out, v.ptr, v.len);
}

static uint64_t bound_hget(struct kv_cmd_ctx *c) { return value_bound(c, 2); }

static void cmd_hmget(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    kv_reply_array(c->out, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++) {
        struct kv_slice v;
        if (it != NULL && kv_ks_coll_get(c->ks, head_of(it), c->argv[i], &v))
            kv_reply_bulk(c->out, v.ptr, v.len);
        else
            kv_reply_null(c->out);
    }
}

static uint64_t bound_hmget(struct kv_cmd_ctx *c) {
    const struct kv_coll_head *h = kv_cc_peek(c, 1, KV_TYPE_HASH);
    uint64_t b = kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX;
    for (uint32_t i = 2; i < c->argc; i++) {
        struct kv_slice v;
        bool found = h != NULL && kv_ks_coll_get(c->ks, h, c->argv[i], &v);
        b += found ? kv_reply_bulk_size(v.len) : 5;  /* "$-1\r\n" */
    }
    return b;
}

static void cmd_hexists(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    bool found = it != NULL && kv_ks_coll_get(c->ks, head_of(it), c->argv[2], NULL);
    kv_reply_int(c->out, found ? 1 : 0);
}

static void cmd_hstrlen(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    struct kv_slice v = {NULL, 0};
    bool found = it != NULL && kv_ks_coll_get(c->ks, head_of(it), c->argv[2], &v);
    kv_reply_int(c->out, found ? (int64_t)v.len : 0);
}

static void cmd_hlen(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    kv_reply_int(c->out, it == NULL ? 0 : (int64_t)head_of(it)->count);
}

static void cmd_hdel(struct kv_cmd_ctx *c) {
    struct kv_item *it;
    if (!find_hash(c, false, &it)) return;
    if (it == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    uint64_t n = kv_ks_coll_remove(c->ks, head_of(it), &c->argv[2], c->argc - 2);
    if (n > 0) kv_cc_modified(c, 1, it);
    kv_reply_int(c->out, (int64_t)n);
}

/* ---- HKEYS HVALS HGETALL ------------------------------------------------------------- */

static void getall_generic(struct kv_cmd_ctx *c, bool fields, bool values) {
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    uint64_t n = it == NULL ? 0 : head_of(it)->count;
    if (fields && values) kv_reply_map(c->out, n);
    else kv_reply_array(c->out, n);
    if (it == NULL) return;
    struct kv_coll_iter i;
    struct kv_slice f, v;
    kv_ks_coll_iter_init(&i, c->ks, head_of(it));
    while (kv_ks_coll_next(&i, &f, &v)) {  /* count steps */
        if (fields) kv_reply_bulk(c->out, f.ptr, f.len);
        if (values) kv_reply_bulk(c->out, v.ptr, v.len);
    }
}

static void cmd_hkeys(struct kv_cmd_ctx *c) { getall_generic(c, true, false); }
static void cmd_hvals(struct kv_cmd_ctx *c) { getall_generic(c, false, true); }
static void cmd_hgetall(struct kv_cmd_ctx *c) { getall_generic(c, true, true); }

static uint64_t getall_bound(struct kv_cmd_ctx *c, bool fields, bool values) {
    const struct kv_coll_head *h = kv_cc_peek(c, 1, KV_TYPE_HASH);
    uint64_t b = kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX;
    return h == NULL ? b : b + kv_cc_entries_bound(c->ks, h, fields, values);
}

static uint64_t bound_hkeys(struct kv_cmd_ctx *c) { return getall_bound(c, true, false); }
static uint64_t bound_hvals(struct kv_cmd_ctx *c) { return getall_bound(c, false, true); }
static uint64_t bound_hgetall(struct kv_cmd_ctx *c) { return getall_bound(c, true, true); }

/* ---- HINCRBY HINCRBYFLOAT ------------------------------------------------------------ */

/* Stores `v` under field argv[2] (the key exists or was just created). */
static bool store_value(struct kv_cmd_ctx *c, struct kv_item *it, bool created, const char *v,
                        uint32_t n) {
    struct kv_slice pair[2] = {c->argv[2], {(const uint8_t *)v, n}};
    uint64_t added = 0;
    /* Redis's hashTypeSet converts on any long field or value, HINCRBY's included. */
    bool big = kv_ks_coll_big(c->ks, pair[0].len) || kv_ks_coll_big(c->ks, n);
    if (!kv_ks_coll_add(c->ks, head_of(it), pair, 1, big, &added)) {
        if (created) kv_ks_delete(c->ks, it);
        kv_reply_error(c->out, KV_ERR_OOM);
        return false;
    }
    kv_cc_modified(c, 1, it);
    return true;
}

static void cmd_hincrby(struct kv_cmd_ctx *c) {
    int64_t incr, value = 0;
    if (!kv_str2ll(c->argv[3].ptr, c->argv[3].len, &incr)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    struct kv_item *it;
    if (!find_hash(c, false, &it)) return;
    struct kv_slice v;
    if (it != NULL && kv_ks_coll_get(c->ks, head_of(it), c->argv[2], &v) &&
        !kv_str2ll(v.ptr, v.len, &value)) {
        kv_reply_error(c->out, ERR_HASH_INT);
        return;
    }
    if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
        (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
        kv_reply_error(c->out, KV_ERR_OVERFLOW);
        return;
    }
    value += incr;
    bool created = it == NULL;
    if (created && (it = kv_cc_create(c, 1, KV_TYPE_HASH)) == NULL) return;
    char buf[24];
    uint32_t n = kv_fmt_i64(buf, value);
    if (store_value(c, it, created, buf, n)) kv_reply_int(c->out, value);
}

static void cmd_hincrbyfloat(struct kv_cmd_ctx *c) {
    long double incr, value = 0;
    if (!kv_str2ld(c->argv[3].ptr, c->argv[3].len, &incr)) {
        kv_reply_error(c->out, KV_ERR_NOT_FLOAT);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        kv_reply_error(c->out, ERR_NAN_INF);
        return;
    }
    struct kv_item *it;
    if (!find_hash(c, false, &it)) return;
    struct kv_slice v;
    if (it != NULL && kv_ks_coll_get(c->ks, head_of(it), c->argv[2], &v) &&
        !kv_str2ld(v.ptr, v.len, &value)) {
        kv_reply_error(c->out, ERR_HASH_FLOAT);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        kv_reply_error(c->out, ERR_FLOAT_NAN);
        return;
    }
    bool created = it == NULL;
    if (created && (it = kv_cc_create(c, 1, KV_TYPE_HASH)) == NULL) return;
    char buf[LD_STR_MAX];
    uint32_t n = kv_ld2str(buf, sizeof(buf), value);
    KV_ASSERT(n > 0);
    if (store_value(c, it, created, buf, n)) kv_reply_bulk(c->out, buf, n);
}

static void room_hincr(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    kv_cc_room(c, 1, KV_TYPE_HASH, 2, 1, need, largest);
    *need += LD_STR_MAX;
    *largest += LD_STR_MAX;
}

static uint64_t bound_hincrbyfloat(struct kv_cmd_ctx *c) {
    return KV_MAX((uint64_t)KV_EXEC_ERROR_ROOM, kv_reply_bulk_size(LD_STR_MAX));
}

/* ---- HRANDFIELD ---------------------------------------------------------------------- */

/* HRANDFIELD key count [WITHVALUES]: NULL, or the error. */
static const char *rand_parse(const struct kv_cmd_ctx *c, int64_t *count, bool *withvalues) {
    if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, count)) return KV_ERR_NOT_INT;
    if (*count == INT64_MIN) return ERR_RANGE_LONG;
    if (c->argc > 4 || (c->argc == 4 && !kv_cmd_opt(c, 3, "withvalues"))) return KV_ERR_SYNTAX;
    *withvalues = c->argc == 4;
    if (*withvalues && (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2)) return ERR_RANGE;
    return NULL;
}

static void rand_one(struct kv_cmd_ctx *c, struct kv_slice f, struct kv_slice v, bool wv) {
    if (wv && c->session->proto > 2) kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, f.ptr, f.len);
    if (wv) kv_reply_bulk(c->out, v.ptr, v.len);
}

static void rand_header(struct kv_cmd_ctx *c, uint64_t n, bool wv) {
    kv_reply_array(c->out, wv && c->session->proto == 2 ? n * 2 : n);
}

/* `count` distinct entries, by selection sampling (Knuth's algorithm S). */
static void rand_distinct(struct kv_cmd_ctx *c, const struct kv_coll_head *h, uint64_t count,
                          bool wv) {
    struct kv_coll_iter i;
    struct kv_slice f, v;
    uint64_t left = h->count, need = count;
    rand_header(c, count, wv);
    kv_ks_coll_iter_init(&i, c->ks, h);
    while (need > 0 && kv_ks_coll_next(&i, &f, &v)) {  /* count steps */
        if (kv_cc_rand(c) % left < need) {
            rand_one(c, f, v, wv);
            need--;
        }
        left--;
    }
    KV_ASSERT(need == 0);
}

static void cmd_hrandfield(struct kv_cmd_ctx *c) {
    int64_t l = 0;
    bool wv = false;
    const char *err = c->argc >= 3 ? rand_parse(c, &l, &wv) : NULL;
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it;
    if (!find_hash(c, true, &it)) return;
    struct kv_coll_iter i;
    struct kv_slice f, v;
    if (c->argc == 2) {
        if (it == NULL) kv_reply_null(c->out);
        else kv_ks_coll_random(&i, c->ks, head_of(it), kv_cc_rand(c), &f, &v);
        if (it != NULL) kv_reply_bulk(c->out, f.ptr, f.len);
        return;
    }
    uint64_t count = l >= 0 ? (uint64_t)l : 0 - (uint64_t)l;
    if (it == NULL || count == 0) {
        kv_reply_array(c->out, 0);
        return;
    }
    const struct kv_coll_head *h = head_of(it);
    if (l < 0 || count == 1) {
        rand_header(c, count, wv);
        for (uint64_t n = 0; n < count; n++) {
            kv_ks_coll_random(&i, c->ks, h, kv_cc_rand(c), &f, &v);
            rand_one(c, f, v, wv);
        }
        return;
    }
    rand_distinct(c, h, KV_MIN(count, h->count), wv);
}

static uint64_t bound_hrandfield(struct kv_cmd_ctx *c) {
    const struct kv_coll_head *h = kv_cc_peek(c, 1, KV_TYPE_HASH);
    uint64_t base = kv_cmd_bound_default(c) + KV_CC_AGG_HDR_MAX;
    int64_t l = 1;
    bool wv = false;
    if (h == NULL || (c->argc >= 3 && rand_parse(c, &l, &wv) != NULL)) return base;
    uint64_t count = l >= 0 ? (uint64_t)l : 0 - (uint64_t)l;
    if (l > 0 && count >= h->count) return base + kv_cc_entries_bound(c->ks, h, true, wv);
    uint64_t fmax, vmax;
    kv_cc_longest(c->ks, h, &fmax, &vmax);
    uint64_t one = kv_reply_bulk_size(fmax) + (wv ? kv_reply_bulk_size(vmax) + 16 : 0);
    if (count > (UINT64_MAX / 2 - base) / one) return UINT64_MAX / 2;  /* refused */
    return base + count * one;
}

/* ---- HSCAN --------------------------------------------------------------------------- */

static void cmd_hscan(struct kv_cmd_ctx *c) { kv_cc_scan(c, KV_TYPE_HASH); }
static uint64_t bound_hscan(struct kv_cmd_ctx *c) { return kv_cc_scan_bound(c, KV_TYPE_HASH); }

/* ---- table --------------------------------------------------------------------------- */

#define W KV_CMD_WRITE
#define D KV_CMD_DENYOOM
#define R KV_CMD_READONLY
#define F KV_CMD_FAST

static const struct kv_cmd hash_cmds[] = {
    {"hset", -4, W | D | F, cmd_hset, NULL, room_hset, KV_KEYS(1, 1, 1)},
    {"hsetnx", 4, W | D | F, cmd_hsetnx, NULL, room_hset, KV_KEYS(1, 1, 1)},
    {"hget", 3, R | F, cmd_hget, bound_hget, NULL, KV_KEYS(1, 1, 1)},
    {"hmset", -4, W | D | F, cmd_hmset, NULL, room_hset, KV_KEYS(1, 1, 1)},
    {"hmget", -3, R | F, cmd_hmget, bound_hmget, NULL, KV_KEYS(1, 1, 1)},
    {"hdel", -3, W | F, cmd_hdel, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"hlen", 2, R | F, cmd_hlen, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"hstrlen", 3, R | F, cmd_hstrlen, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"hexists", 3, R | F, cmd_hexists, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"hkeys", 2, R, cmd_hkeys, bound_hkeys, NULL, KV_KEYS(1, 1, 1)},
    {"hvals", 2, R, cmd_hvals, bound_hvals, NULL, KV_KEYS(1, 1, 1)},
    {"hgetall", 2, R, cmd_hgetall, bound_hgetall, NULL, KV_KEYS(1, 1, 1)},
    {"hincrby", 4, W | D | F, cmd_hincrby, NULL, room_hincr, KV_KEYS(1, 1, 1)},
    {"hincrbyfloat", 4, W | D | F, cmd_hincrbyfloat, bound_hincrbyfloat, room_hincr,
     KV_KEYS(1, 1, 1)},
    {"hrandfield", -2, R, cmd_hrandfield, bound_hrandfield, NULL, KV_KEYS(1, 1, 1)},
    {"hscan", -3, R, cmd_hscan, bound_hscan, NULL, KV_KEYS(1, 1, 1)},
};

const struct kv_cmd_group kv_cmds_hash = {hash_cmds, KV_ARRAY_LEN(hash_cmds)};

/*
 * cmd_string.c: the string commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX
 * MGET MSET MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE
 * SETRANGE. Replies, error texts and the order in which arguments, keys and types
 * are checked follow Redis 7.0 (t_string.c), byte for byte, in RESP2.
 *
 * Memory: owns none. Values live in keyspace items; MSET keeps the refs of its
 * detached items in the reply buffer's reserved room (its reply bound covers them)
 * until it commits or gives them back.
 * Invariants: a command completes or changes nothing: allocation happens before any
 * key is replaced, and a failed allocation replies -OOM (a reply already begun,
 * SET ... GET, is rolled back first). Every modified key goes to kv_engine_touch.
 * Each reply bound covers the longest reply the command can produce from the
 * current keyspace (kv_ks_peek, no side effects).
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include <math.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"

#define LD_STR_MAX 5120u     /* Redis MAX_LONG_DOUBLE_CHARS */
#define ERR_FLOAT_NAN "ERR increment would produce NaN or Infinity"
#define ERR_DECR_OVERFLOW "ERR decrement would overflow"
#define ERR_OFFSET "ERR offset is out of range"
#define ERR_MAX_SIZE "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

/* ---- helpers ------------------------------------------------------------------- */

/* An option as Redis compares it (strcasecmp: the argument ends at a NUL byte). */
static void touch(struct kv_cmd_ctx *c, uint32_t i) {
    kv_engine_touch(c->engine, c->argv[i].ptr, c->argv[i].len);
}

static struct kv_item *find(struct kv_cmd_ctx *c, uint32_t i) {
    return kv_ks_find(c->ks, c->argv[i].ptr, c->argv[i].len);
}

static struct kv_item *find_read(struct kv_cmd_ctx *c, uint32_t i) {
    return kv_ks_find_read(c->ks, c->argv[i].ptr, c->argv[i].len);
}

static bool is_string(const struct kv_item *it) {
    return kv_item_type(it) == KV_TYPE_STRING;
}

static void reply_value(struct kv_cmd_ctx *c, struct kv_item *it) {
    KV_ASSERT(is_string(it));
    kv_reply_bulk(c->out, kv_item_value(it), kv_item_value_len(it));
}

/* Replies the string at it, or nil; false (and WRONGTYPE) for another type. */
static bool reply_value_or_nil(struct kv_cmd_ctx *c, struct kv_item *it) {
    if (it == NULL) {
        kv_reply_null(c->out);
        return true;
    }
    if (!is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return false;
    }
    reply_value(c, it);
    return true;
}

static bool arg_int(struct kv_cmd_ctx *c, uint32_t i, int64_t *v) {
    if (kv_str2ll(c->argv[i].ptr, c->argv[i].len, v)) return true;
    kv_reply_error(c->out, KV_ERR_NOT_INT);
    return false;
}

/* The largest string value length of key argv[i] (0 if none): for bounds. */
static uint64_t peek_len(const struct kv_cmd_ctx *c, uint32_t i) {
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[i].ptr, c->argv[i].len);
    return it != NULL && is_string(it) ? kv_item_value_len(it) : 0;
}

/* No error of these commands echoes an argument: room for one, or the value (a
 * reply is one or the other; a sum would make 16 pipelined 1000-byte GETs miss a
 * 16 KiB output buffer by one and split every reply into two sends). */
static uint64_t bound_value(struct kv_cmd_ctx *c) {
    /* Every string stored since the last flush fits the error room: so does this
     * one, and the bound is the same without a lookup (the run does it). */
    if (kv_reply_bulk_size(c->ks->str_len_max) <= KV_EXEC_ERROR_ROOM) return KV_EXEC_ERROR_ROOM;
    return KV_MAX((uint64_t)KV_EXEC_ERROR_ROOM, kv_reply_bulk_size(peek_len(c, 1)));
}

/* SET replies the old value only with the GET option. */
static uint64_t bound_set(struct kv_cmd_ctx *c) {
    for (uint32_t i = 3; i < c->argc; i++) {
        if (kv_opt_eq_nocase(c->argv[i], "get")) return bound_value(c);
    }
    return KV_EXEC_ERROR_ROOM;
}

/* Stores a new string value for key argv[k] from bytes p[0..n). NULL: OOM. */
static struct kv_item *store(struct kv_cmd_ctx *c, uint32_t k, const void *p, uint32_t n,
                             int64_t expire_ms) {
    struct kv_item *it = kv_ks_set_ex(c->ks, c->argv[k].ptr, c->argv[k].len, KV_TYPE_STRING,
                                      n, expire_ms);
    if (it == NULL) return NULL;
    if (n > 0) memcpy(kv_item_value(it), p, n);
    touch(c, k);
    return it;
}

/* The largest string this server accepts (and can store: lengths are 32-bit). */
static uint64_t string_max(const struct kv_cmd_ctx *c) {
    return KV_MIN(c->engine->config->proto_max_bulk_len, (uint64_t)UINT32_MAX);
}

/* ---- room (the engine's -OOM pre-check and eviction, kv_cmd.room) -------------- */

/*
 * The room key argv[k]'s string needs to become vlen bytes: the growth of its block
 * (or a new block) if it is a string, a new item otherwise. Redis checks memory
 * before a command and lets it take what it needs; kv's region is fixed, so the
 * check sizes the result (SETRANGE k 300000 x needs 300 KB, not 20 bytes).
 */
static void room_string(struct kv_cmd_ctx *c, uint32_t k, uint64_t vlen, uint64_t *need,
                        uint64_t *largest) {
    KV_ASSERT(k < c->argc && vlen <= string_max(c));
    const struct kv_item *it = kv_ks_peek(c->ks, c->argv[k].ptr, c->argv[k].len);
    if (it != NULL && !kv_ks_item_expired(c->ks, it) && is_string(it)) {
        kv_ks_resize_room(c->ks, it, (uint32_t)vlen, need, largest);
        return;
    }
    *need = kv_ks_string_bytes(c->argv[k].len, vlen);
    *largest = *need;
    KV_ASSERT(*need > vlen);
}

/* SET, SETNX, GETSET: key and value are argv[1] and argv[2]. */
static void room_set(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    room_string(c, 1, c->argv[2].len, need, largest);
}

/* SETEX, PSETEX: the value is argv[3]. */
static void room_setex(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    room_string(c, 1, c->argv[3].len, need, largest);
}

/* APPEND: the old length plus the new bytes (nothing when the result is refused). */
static void room_append(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    const struct kv_item *it = kv_ks_peek(c->ks, c->argv[1].ptr, c->argv[1].len);
    uint64_t old = 0;
    if (it != NULL && !kv_ks_item_expired(c->ks, it) && is_string(it))
        old = kv_item_value_len(it);
    *need = *largest = 0;
    if (old + c->argv[2].len > string_max(c)) return;  /* ERR string exceeds ... */
    room_string(c, 1, old + c->argv[2].len, need, largest);
}

/* SETRANGE: offset + value length (nothing for an offset the command refuses). */
static void room_setrange(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    int64_t offset;
    uint64_t vlen = c->argv[3].len;
    *need = *largest = 0;
    if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &offset) || offset < 0 || vlen == 0) return;
    if ((uint64_t)offset > string_max(c) || (uint64_t)offset + vlen > string_max(c)) return;
    uint64_t total = (uint64_t)offset + vlen;
    const struct kv_item *it = kv_ks_peek(c->ks, c->argv[1].ptr, c->argv[1].len);
    /* No growth, no room: the value may be longer than proto-max-bulk-len (an
     * INCRBYFLOAT result can be 4,951 bytes), which room_string() refuses. */
    if (it != NULL && !kv_ks_item_expired(c->ks, it) && is_string(it) &&
        kv_item_value_len(it) >= total)
        return;
    room_string(c, 1, total, need, largest);
}

/* ---- SET family -------------------------------------------------------------- */

enum set_flag {
    SET_NX = 1u << 0,
    SET_XX = 1u << 1,
    SET_GET = 1u << 2,
    SET_KEEPTTL = 1u << 3,
    SET_PERSIST = 1u << 4,
    SET_EX = 1u << 5,
    SET_PX = 1u << 6,
    SET_EXAT = 1u << 7,
    SET_PXAT = 1u << 8,
};
#define SET_EXPIRES (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

struct set_req {
    uint32_t flags;
    uint32_t expire_arg;      /* argv index of the time, 0 if none */
    const char *name;         /* for "invalid expire time in '<name>' command" */
    const char *ok_reply;     /* NULL: "+OK" */
    bool int_replies;         /* SETNX: :1 / :0 instead of +OK / nil */
};

/* One expire option (EX PX EXAT PXAT) at argv[j], if allowed after `flags`. */
static bool set_parse_expire(const struct kv_cmd_ctx *c, uint32_t j, uint32_t *flags) {
    static const char *const names[4] = {"ex", "px", "exat", "pxat"};
    static const uint32_t bits[4] = {SET_EX, SET_PX, SET_EXAT, SET_PXAT};
    for (uint32_t k = 0; k < 4; k++) {
        if (!kv_cmd_opt(c, j, names[k])) continue;
        uint32_t others = (SET_EXPIRES & ~bits[k]) | SET_KEEPTTL | SET_PERSIST;
        if ((*flags & others) || j + 1 >= c->argc) return false;
        *flags |= bits[k];
        return true;
    }
    return false;
}

/* Redis's parseExtendedStringArgumentsOrReply: SET (is_set) or GETEX options. */
static bool set_parse(struct kv_cmd_ctx *c, uint32_t first, bool is_set, struct set_req *r) {
    for (uint32_t j = first; j < c->argc; j++) {
        uint32_t f = r->flags;
        if (is_set && kv_cmd_opt(c, j, "nx") && !(f & SET_XX)) {
            r->flags |= SET_NX;
        } else if (is_set && kv_cmd_opt(c, j, "xx") && !(f & SET_NX)) {
            r->flags |= SET_XX;
        } else if (is_set && kv_cmd_opt(c, j, "get")) {
            r->flags |= SET_GET;
        } else if (is_set && kv_cmd_opt(c, j, "keepttl") && !(f & (SET_PERSIST | SET_EXPIRES))) {
            r->flags |= SET_KEEPTTL;
        } else if (!is_set && kv_cmd_opt(c, j, "persist") &&
                   !(f & (SET_KEEPTTL | SET_EXPIRES))) {
            r->flags |= SET_PERSIST;
        } else if (set_parse_expire(c, j, &r->flags)) {
            r->expire_arg = ++j;
        } else {
            kv_reply_error(c->out, KV_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Redis's getExpireMillisecondsOrReply: the absolute expire time in ms. */
static bool set_expire_ms(struct kv_cmd_ctx *c, const struct set_req *r, int64_t *when) {
    KV_ASSERT(r->expire_arg > 0 && r->expire_arg < c->argc);
    int64_t v;
    if (!arg_int(c, r->expire_arg, &v)) return false;
    bool seconds = (r->flags & (SET_EX | SET_EXAT)) != 0;
    bool relative = (r->flags & (SET_EX | SET_PX)) != 0;
    bool bad = v <= 0 || (seconds && v > INT64_MAX / 1000);
    if (!bad && seconds) v *= 1000;
    if (!bad && relative) {
        bad = v > INT64_MAX - c->now_ms;  /* Redis's sum would wrap negative */
        if (!bad) v += c->now_ms;
    }
    if (bad) {
        kv_reply_errorf(c->out, KV_ERR_EXPIRE, r->name);
        return false;
    }
    *when = v;
    return true;
}

/* setGenericCommand: key argv[1], value argv[vi]. */
static void set_generic(struct kv_cmd_ctx *c, const struct set_req *r, uint32_t vi) {
    int64_t when = -1;
    if (r->expire_arg != 0 && !set_expire_ms(c, r, &when)) return;
    bool get = (r->flags & SET_GET) != 0;
    /* Only NX, XX and GET look at the old value; a plain SET leaves the lookup
     * (and an expired key's deletion) to kv_ks_set_ex: one lookup, not two. */
    struct kv_item *old = NULL;
    if (get) {
        old = find_read(c, 1);
    } else if (r->flags & (SET_NX | SET_XX)) {
        old = find(c, 1);
    }
    if (get && old != NULL && !is_string(old)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    uint32_t mark = c->out->len;
    if (get) reply_value_or_nil(c, old);
    if (((r->flags & SET_NX) && old != NULL) || ((r->flags & SET_XX) && old == NULL)) {
        if (get) return;
        if (r->int_replies) {
            kv_reply_int(c->out, 0);
        } else {
            kv_reply_null(c->out);
        }
        return;
    }
    if (when < 0 && (r->flags & SET_KEEPTTL)) when = KV_KS_KEEP_TTL;
    if (store(c, 1, c->argv[vi].ptr, c->argv[vi].len, when) == NULL) {
        c->out->len = mark;  /* take back the GET part */
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    if (get) return;
    if (r->int_replies) {
        kv_reply_int(c->out, 1);
    } else {
        kv_reply_ok(c->out);
    }
}

static void cmd_set(struct kv_cmd_ctx *c) {
    struct set_req r = {.name = "set"};
    if (!set_parse(c, 3, true, &r)) return;
    set_generic(c, &r, 2);
}

static void cmd_setnx(struct kv_cmd_ctx *c) {
    struct set_req r = {.flags = SET_NX, .name = "setnx", .int_replies = true};
    set_generic(c, &r, 2);
}

static void cmd_setex(struct kv_cmd_ctx *c) {
    struct set_req r = {.flags = SET_EX, .expire_arg = 2, .name = "setex"};
    set_generic(c, &r, 3);
}

static void cmd_psetex(struct kv_cmd_ctx *c) {
    struct set_req r = {.flags = SET_PX, .expire_arg = 2, .name = "psetex"};
    set_generic(c, &r, 3);
}

static void cmd_get(struct kv_cmd_ctx *c) { reply_value_or_nil(c, find_read(c, 1)); }

static void cmd_getset(struct kv_cmd_ctx *c) {
    struct set_req r = {.flags = SET_GET, .name = "getset"};
    set_generic(c, &r, 2);
}

static void cmd_getdel(struct kv_cmd_ctx *c) {
    struct kv_item *it = find_read(c, 1);
    if (!reply_value_or_nil(c, it) || it == NULL) return;
    kv_ks_delete(c->ks, it);
    touch(c, 1);
}

static void cmd_getex(struct kv_cmd_ctx *c) {
    struct set_req r = {.name = "getex"};
    if (!set_parse(c, 2, false, &r)) return;
    struct kv_item *it = find_read(c, 1);
    if (it == NULL) {
        kv_reply_null(c->out);
        return;
    }
    if (!is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    int64_t when = -1;
    if (r.expire_arg != 0 && !set_expire_ms(c, &r, &when)) return;
    if ((r.flags & (SET_EXAT | SET_PXAT)) && when <= c->now_ms) {
        reply_value(c, it);
        kv_ks_delete(c->ks, it);
        touch(c, 1);
        return;
    }
    bool had_ttl = kv_item_expire_ms(it) >= 0;
    if (r.expire_arg != 0 || ((r.flags & SET_PERSIST) && had_ttl)) {
        enum kv_ks_status st = kv_ks_update_expire_evicting(c->ks, &it, c->argv[1].ptr,
                                                            c->argv[1].len, when);
        if (st == KV_KS_OOM) {
            kv_reply_error(c->out, KV_ERR_OOM);
            return;
        }
        if (st == KV_KS_GONE) {  /* evicted to make room: as if it never existed */
            kv_reply_null(c->out);
            return;
        }
        touch(c, 1);
    }
    reply_value(c, it);
}

/* ---- multiple keys --------------------------------------------------------------- */

static void cmd_mget(struct kv_cmd_ctx *c) {
    kv_reply_array(c->out, c->argc - 1);
    for (uint32_t i = 1; i < c->argc; i++) {
        struct kv_item *it = find_read(c, i);
        if (it != NULL && is_string(it)) {
            reply_value(c, it);
        } else {
            kv_reply_null(c->out);
        }
    }
}

/* An array header and every value (a wrong type is a nil); errors never follow. */
static uint64_t bound_mget(struct kv_cmd_ctx *c) {
    uint64_t n = 32;
    for (uint32_t i = 1; i < c->argc; i++) n += kv_reply_bulk_size(peek_len(c, i));
    return KV_MAX((uint64_t)KV_EXEC_ERROR_ROOM, n);
}

static void ref_put(struct kv_cmd_ctx *c, uint32_t i, uint32_t ref) {
    memcpy(c->out->buf + c->out->len + (uint64_t)i * 4, &ref, 4);
}
static uint32_t ref_get(const struct kv_cmd_ctx *c, uint32_t i) {
    uint32_t ref;
    memcpy(&ref, c->out->buf + c->out->len + (uint64_t)i * 4, 4);
    return ref;
}

/*
 * Sets every pair or none: allocates each new item detached (refs parked in the
 * reply buffer's reserved room), checks the index has room for the keys that are
 * new, then commits them in argument order (a repeated key: the last one wins).
 */
static bool mset_all(struct kv_cmd_ctx *c) {
    uint32_t pairs = (c->argc - 1) / 2;
    KV_ASSERT((uint64_t)pairs * 4 <= kv_reply_free(c->out));
    uint64_t fresh = 0;
    for (uint32_t p = 0; p < pairs; p++) {
        const struct kv_slice *k = &c->argv[1 + 2 * p];
        if (kv_ks_peek(c->ks, k->ptr, k->len) == NULL) fresh++;
    }
    bool ok = kv_ks_has_room(c->ks, fresh);
    uint32_t made = 0;
    for (; ok && made < pairs; made++) {
        const struct kv_slice *k = &c->argv[1 + 2 * made], *v = k + 1;
        struct kv_item *it = kv_ks_item_new(c->ks, k->ptr, k->len, KV_TYPE_STRING, v->len, -1);
        if (it == NULL) break;
        if (v->len > 0) memcpy(kv_item_value(it), v->ptr, v->len);
        ref_put(c, made, kv_ks_item_ref(c->ks, it));
    }
    if (made < pairs) {
        for (uint32_t p = 0; p < made; p++)
            kv_ks_item_discard(c->ks, kv_ks_item_at_ref(c->ks, ref_get(c, p)));
        return false;
    }
    for (uint32_t p = 0; p < pairs; p++) {
        kv_ks_item_commit(c->ks, kv_ks_item_at_ref(c->ks, ref_get(c, p)));
        touch(c, 1 + 2 * p);
    }
    return true;
}

static void cmd_mset(struct kv_cmd_ctx *c) {
    if (c->argc % 2 == 0) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'mset' command");
        return;
    }
    if (!mset_all(c)) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    kv_reply_ok(c->out);
}

static void cmd_msetnx(struct kv_cmd_ctx *c) {
    if (c->argc % 2 == 0) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'msetnx' command");
        return;
    }
    for (uint32_t i = 1; i < c->argc; i += 2) {
        if (find(c, i) != NULL) {
            kv_reply_int(c->out, 0);
            return;
        }
    }
    if (!mset_all(c)) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    kv_reply_int(c->out, 1);
}

/* Room for the detached items' refs, plus the default (errors). */
static uint64_t bound_mset(struct kv_cmd_ctx *c) {
    return 256 + (uint64_t)(c->argc / 2) * 4;
}

/* ---- in-place string edits ------------------------------------------------------ */

static void cmd_append(struct kv_cmd_ctx *c) {
    const struct kv_slice *add = &c->argv[2];
    struct kv_item *it = find(c, 1);
    if (it == NULL) {
        if (store(c, 1, add->ptr, add->len, -1) == NULL) {
            kv_reply_error(c->out, KV_ERR_OOM);
            return;
        }
        kv_reply_int(c->out, add->len);
        return;
    }
    if (!is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    uint32_t old = kv_item_value_len(it);
    if ((uint64_t)old + add->len > string_max(c)) {
        kv_reply_error(c->out, ERR_MAX_SIZE);
        return;
    }
    it = kv_ks_resize(c->ks, it, old + add->len);
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    if (add->len > 0) memcpy(kv_item_value(it) + old, add->ptr, add->len);
    touch(c, 1);
    kv_reply_int(c->out, (int64_t)old + add->len);
}

static void cmd_strlen(struct kv_cmd_ctx *c) {
    struct kv_item *it = find_read(c, 1);
    if (it != NULL && !is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    kv_reply_int(c->out, it == NULL ? 0 : kv_item_value_len(it));
}

static void cmd_getrange(struct kv_cmd_ctx *c) {
    int64_t start, end;
    if (!arg_int(c, 2, &start) || !arg_int(c, 3, &end)) return;
    struct kv_item *it = find_read(c, 1);
    if (it != NULL && !is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    int64_t len = it == NULL ? 0 : kv_item_value_len(it);
    if (it == NULL || (start < 0 && end < 0 && start > end)) {
        kv_reply_bulk(c->out, "", 0);
        return;
    }
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) {
        kv_reply_bulk(c->out, "", 0);
        return;
    }
    kv_reply_bulk(c->out, kv_item_value(it) + start, (uint32_t)(end - start + 1));
}

/* SETRANGE on a key that exists (it): the new length, or -1 after an error reply. */
static int64_t setrange_existing(struct kv_cmd_ctx *c, struct kv_item *it, uint64_t offset) {
    const struct kv_slice *v = &c->argv[3];
    if (!is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return -1;
    }
    uint32_t old = kv_item_value_len(it);
    if (v->len == 0) return old;
    if (offset + v->len > string_max(c)) {
        kv_reply_error(c->out, ERR_MAX_SIZE);
        return -1;
    }
    uint32_t want = (uint32_t)KV_MAX((uint64_t)old, offset + v->len);
    if (want > old) {
        it = kv_ks_resize(c->ks, it, want);
        if (it == NULL) {
            kv_reply_error(c->out, KV_ERR_OOM);
            return -1;
        }
        if (offset > old) memset(kv_item_value(it) + old, 0, offset - old);
    }
    memcpy(kv_item_value(it) + offset, v->ptr, v->len);
    touch(c, 1);
    return want;
}

static void cmd_setrange(struct kv_cmd_ctx *c) {
    const struct kv_slice *v = &c->argv[3];
    int64_t offset;
    if (!arg_int(c, 2, &offset)) return;
    if (offset < 0) {
        kv_reply_error(c->out, ERR_OFFSET);
        return;
    }
    struct kv_item *it = find(c, 1);
    if (it != NULL) {
        int64_t n = setrange_existing(c, it, (uint64_t)offset);
        if (n >= 0) kv_reply_int(c->out, n);
        return;
    }
    if (v->len == 0) {
        kv_reply_int(c->out, 0);
        return;
    }
    if ((uint64_t)offset + v->len > string_max(c)) {
        kv_reply_error(c->out, ERR_MAX_SIZE);
        return;
    }
    uint32_t total = (uint32_t)offset + v->len;
    it = kv_ks_set_ex(c->ks, c->argv[1].ptr, c->argv[1].len, KV_TYPE_STRING, total, -1);
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    memset(kv_item_value(it), 0, (size_t)offset);
    memcpy(kv_item_value(it) + offset, v->ptr, v->len);
    touch(c, 1);
    kv_reply_int(c->out, total);
}

/* ---- counters ------------------------------------------------------------------ */

static void incr_by(struct kv_cmd_ctx *c, int64_t incr) {
    struct kv_item *it = find(c, 1);
    int64_t value = 0;
    if (it != NULL) {
        if (!is_string(it)) {
            kv_reply_error(c->out, KV_ERR_WRONGTYPE);
            return;
        }
        if (!kv_str2ll(kv_item_value(it), kv_item_value_len(it), &value)) {
            kv_reply_error(c->out, KV_ERR_NOT_INT);
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
        (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
        kv_reply_error(c->out, KV_ERR_OVERFLOW);
        return;
    }
    value += incr;
    char buf[24];
    uint32_t n = kv_fmt_i64(buf, value);
    if (store(c, 1, buf, n, KV_KS_KEEP_TTL) == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    kv_reply_int(c->out, value);
}

static void cmd_incr(struct kv_cmd_ctx *c) { incr_by(c, 1); }
static void cmd_decr(struct kv_cmd_ctx *c) { incr_by(c, -1); }

static void cmd_incrby(struct kv_cmd_ctx *c) {
    int64_t incr;
    if (arg_int(c, 2, &incr)) incr_by(c, incr);
}

static void cmd_decrby(struct kv_cmd_ctx *c) {
    int64_t incr;
    if (!arg_int(c, 2, &incr)) return;
    if (incr == INT64_MIN) {
        kv_reply_error(c->out, ERR_DECR_OVERFLOW);
        return;
    }
    incr_by(c, -incr);
}

static void cmd_incrbyfloat(struct kv_cmd_ctx *c) {
    struct kv_item *it = find(c, 1);
    long double value = 0, incr = 0;
    if (it != NULL && !is_string(it)) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return;
    }
    if ((it != NULL && !kv_str2ld(kv_item_value(it), kv_item_value_len(it), &value)) ||
        !kv_str2ld(c->argv[2].ptr, c->argv[2].len, &incr)) {
        kv_reply_error(c->out, KV_ERR_NOT_FLOAT);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        kv_reply_error(c->out, ERR_FLOAT_NAN);
        return;
    }
    char buf[LD_STR_MAX];
    uint32_t n = kv_ld2str(buf, sizeof(buf), value);
    KV_ASSERT(n > 0);
    it = store(c, 1, buf, n, KV_KS_KEEP_TTL);
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    reply_value(c, it);
}

static uint64_t bound_incrbyfloat(struct kv_cmd_ctx *c) {
    return KV_MAX((uint64_t)KV_EXEC_ERROR_ROOM, kv_reply_bulk_size(LD_STR_MAX));
}

/* ---- the table ------------------------------------------------------------------ */

#define W KV_CMD_WRITE
#define R KV_CMD_READONLY
#define D KV_CMD_DENYOOM
#define F KV_CMD_FAST

static const struct kv_cmd string_cmds[] = {
    {"get", 2, R | F, cmd_get, bound_value, NULL, KV_KEYS(1, 1, 1)},
    {"set", -3, W | D, cmd_set, bound_set, room_set, KV_KEYS(1, 1, 1)},
    {"setnx", 3, W | D | F, cmd_setnx, NULL, room_set, KV_KEYS(1, 1, 1)},
    {"setex", 4, W | D, cmd_setex, NULL, room_setex, KV_KEYS(1, 1, 1)},
    {"psetex", 4, W | D, cmd_psetex, NULL, room_setex, KV_KEYS(1, 1, 1)},
    {"getset", 3, W | D | F, cmd_getset, bound_value, room_set, KV_KEYS(1, 1, 1)},
    {"getdel", 2, W | F, cmd_getdel, bound_value, NULL, KV_KEYS(1, 1, 1)},
    {"getex", -2, W | F, cmd_getex, bound_value, NULL, KV_KEYS(1, 1, 1)},
    {"mget", -2, R | F, cmd_mget, bound_mget, NULL, KV_KEYS(1, -1, 1)},
    {"mset", -3, W | D, cmd_mset, bound_mset, NULL, KV_KEYS(1, -1, 2)},
    {"msetnx", -3, W | D, cmd_msetnx, bound_mset, NULL, KV_KEYS(1, -1, 2)},
    {"append", 3, W | D | F, cmd_append, NULL, room_append, KV_KEYS(1, 1, 1)},
    {"strlen", 2, R | F, cmd_strlen, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"incr", 2, W | D | F, cmd_incr, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"decr", 2, W | D | F, cmd_decr, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"incrby", 3, W | D | F, cmd_incrby, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"decrby", 3, W | D | F, cmd_decrby, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"incrbyfloat", 3, W | D | F, cmd_incrbyfloat, bound_incrbyfloat, NULL, KV_KEYS(1, 1, 1)},
    {"getrange", 4, R, cmd_getrange, bound_value, NULL, KV_KEYS(1, 1, 1)},
    {"setrange", 4, W | D, cmd_setrange, NULL, room_setrange, KV_KEYS(1, 1, 1)},
};

const struct kv_cmd_group kv_cmds_string = {string_cmds, KV_ARRAY_LEN(string_cmds)};

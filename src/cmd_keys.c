/*
 * cmd_keys.c: the generic key commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY
 * RANDOMKEY KEYS SCAN EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
 * PEXPIRETIME PERSIST. Replies, error texts and the order of checks follow Redis
 * 7.0 (db.c, expire.c), byte for byte, in RESP2. kv has one database (DB 0).
 *
 * Memory: owns none. KEYS and SCAN count their reply in a first pass over the keys
 * and write it in a second (see keys_walk), so neither needs a list of keys on the
 * side, and their reply bound is the exact reply.
 * Invariants: a command completes or changes nothing (RENAME, COPY and adding a TTL
 * may need memory: they reply -OOM and leave every key as it was). Every modified
 * key goes to kv_engine_touch. Reply bounds are computed without side effects.
 * Never: modifies the index while kv_ks_scan runs, keeps an item pointer across
 * a keyspace mutation, writes past its bound.
 */
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"

#define SCAN_EXPIRED_MAX 64u  /* expired keys SCAN deletes per call; the rest wait */
#define SCAN_COUNT_DEFAULT 10

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

static bool args_equal(const struct kv_cmd_ctx *c, uint32_t a, uint32_t b) {
    const struct kv_slice *x = &c->argv[a], *y = &c->argv[b];
    return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
}

static const char *type_name(const struct kv_item *it) {
    if (it == NULL) return "none";
    switch (kv_item_type(it)) {
    case KV_TYPE_LIST: return "list";
    case KV_TYPE_HASH: return "hash";
    case KV_TYPE_SET: return "set";
    case KV_TYPE_ZSET: return "zset";
    case KV_TYPE_STREAM: return "stream";
    default: return "string";
    }
}

static void reply_key(struct kv_reply *out, const struct kv_item *it) {
    struct kv_slice k = kv_item_key(it);
    kv_reply_bulk(out, k.ptr, k.len);
}

/* ---- DEL EXISTS TYPE ---------------------------------------------------------- */

static void cmd_del(struct kv_cmd_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        if (!kv_ks_delete_key(c->ks, c->argv[i].ptr, c->argv[i].len)) continue;
        touch(c, i);
        n++;
    }
    kv_reply_int(c->out, n);
}

static void cmd_exists(struct kv_cmd_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) n += find_read(c, i) != NULL ? 1 : 0;
    kv_reply_int(c->out, n);
}

static void cmd_type(struct kv_cmd_ctx *c) { kv_reply_simple(c->out, type_name(find_read(c, 1))); }

/* ---- RENAME COPY -------------------------------------------------------------- */

static void rename_generic(struct kv_cmd_ctx *c, bool nx) {
    struct kv_item *it = find(c, 1);
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_NO_KEY);
        return;
    }
    if (args_equal(c, 1, 2)) {
        if (nx) {
            kv_reply_int(c->out, 0);
        } else {
            kv_reply_ok(c->out);
        }
        return;
    }
    if (find(c, 2) != NULL && nx) {
        kv_reply_int(c->out, 0);
        return;
    }
    it = find(c, 1);  /* the lookup above may have expired another key */
    KV_ASSERT(it != NULL);
    if (kv_ks_rename(c->ks, it, c->argv[2].ptr, c->argv[2].len) == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    touch(c, 1);
    kv_engine_ready(c->engine, c->argv[2].ptr, c->argv[2].len); /* dbAdd: a stream too */
    if (nx) {
        kv_reply_int(c->out, 1);
    } else {
        kv_reply_ok(c->out);
    }
}

static void cmd_rename(struct kv_cmd_ctx *c) { rename_generic(c, false); }
static void cmd_renamenx(struct kv_cmd_ctx *c) { rename_generic(c, true); }

/* COPY's options; false after an error reply. */
static bool copy_parse(struct kv_cmd_ctx *c, bool *replace) {
    for (uint32_t j = 3; j < c->argc; j++) {
        if (kv_cmd_opt(c, j, "replace")) {
            *replace = true;
        } else if (kv_cmd_opt(c, j, "db") && j + 1 < c->argc) {
            int64_t db;
            const struct kv_slice *a = &c->argv[++j];
            if (!kv_str2ll(a->ptr, a->len, &db)) {
                kv_reply_error(c->out, KV_ERR_NOT_INT);
                return false;
            }
            if (db < INT32_MIN || db > INT32_MAX) {
                kv_reply_error(c->out, "ERR value is out of range, value must between "
                                       "-2147483648 and 2147483647");
                return false;
            }
            if (db != 0) {
                kv_reply_error(c->out, "ERR DB index is out of range");
                return false;
            }
        } else {
            kv_reply_error(c->out, KV_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static void cmd_copy(struct kv_cmd_ctx *c) {
    bool replace = false;
    if (!copy_parse(c, &replace)) return;
    if (args_equal(c, 1, 2)) {
        kv_reply_error(c->out, "ERR source and destination objects are the same");
        return;
    }
    if (find_read(c, 1) == NULL) {
        kv_reply_int(c->out, 0);
        return;
    }
    if (find(c, 2) != NULL && !replace) {
        kv_reply_int(c->out, 0);
        return;
    }
    struct kv_item *src = find(c, 1);
    KV_ASSERT(src != NULL);
    if (kv_ks_copy(c->ks, src, c->argv[2].ptr, c->argv[2].len) == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    kv_engine_ready(c->engine, c->argv[2].ptr, c->argv[2].len); /* dbAdd: a stream too */
    kv_reply_int(c->out, 1);
}

/* ---- RANDOMKEY KEYS --------------------------------------------------------------- */

static void cmd_randomkey(struct kv_cmd_ctx *c) {
    struct kv_item *it = kv_ks_random(c->ks);
    if (it == NULL) {
        kv_reply_null(c->out);
        return;
    }
    reply_key(c->out, it);
}

static uint64_t bound_randomkey(struct kv_cmd_ctx *c) {
    return kv_cmd_bound_default(c) + kv_reply_bulk_size(c->ks->key_len_max);
}

/*
 * KEYS and SCAN walk the keys twice: a counting pass (out == NULL), then the
 * writing pass. Both visit the same homes with the same pattern, type and expiry
 * rule, and neither deletes a key (SCAN deletes the expired keys it met only after
 * its reply is written), so the counting pass gives the reply's exact size: the
 * reply bound, which refuses a KEYS only when its real reply cannot fit, and in
 * the handler the element count the header needs before the elements. The handler
 * asserts that the writing pass wrote exactly the counted bytes.
 */
struct keys_walk {
    const struct kv_keyspace *ks;
    const struct kv_slice *pattern;  /* NULL: every key */
    const struct kv_slice *type;     /* NULL: every type */
    struct kv_reply *out;            /* NULL: the counting pass */
    uint64_t n;                      /* keys matched (written, if out) */
    uint64_t bytes;                  /* their bulk replies' bytes */
    uint32_t expired_n;
    uint32_t expired[SCAN_EXPIRED_MAX]; /* refs, deleted by SCAN after the walk */
};

static bool keys_match(const struct keys_walk *w, const struct kv_item *it) {
    struct kv_slice k = kv_item_key(it);
    if (w->pattern != NULL &&
        !kv_glob_match(w->pattern->ptr, w->pattern->len, k.ptr, k.len))
        return false;
    /* Redis strcasecmp()s TYPE's argument: it ends at a NUL byte ("list\0x" is list) */
    if (w->type != NULL && !kv_opt_eq_nocase(*w->type, type_name(it))) return false;
    return true;
}

static void keys_visit(void *ctx, uint32_t ref) {
    struct keys_walk *w = ctx;
    const struct kv_item *it = kv_ks_item_at_ref(w->ks, ref);
    if (!keys_match(w, it)) return;
    if (kv_ks_item_expired(w->ks, it)) {
        if (w->expired_n < SCAN_EXPIRED_MAX) w->expired[w->expired_n++] = ref;
        return;
    }
    struct kv_slice k = kv_item_key(it);
    w->n++;
    w->bytes += kv_reply_bulk_size(k.len);
    if (w->out != NULL) kv_reply_bulk(w->out, k.ptr, k.len);
}

/* One pass over `homes` homes from cursor `start`; returns the next cursor. */
static uint32_t keys_pass(struct keys_walk *w, uint32_t start, uint32_t homes) {
    KV_ASSERT(w->ks != NULL && homes >= 1);
    w->n = 0;
    w->bytes = 0;
    w->expired_n = 0;
    return kv_ks_scan(w->ks, start, homes, keys_visit, w);
}

/* "*<n>\r\n" */
static uint64_t array_size(uint64_t n) { return 3 + kv_decimal_digits(n); }

static const struct kv_slice *pattern_or_null(const struct kv_slice *p) {
    return p->len == 1 && p->ptr[0] == '*' ? NULL : p;  /* Redis skips matching "*" */
}

/* KEYS covers every home in one pass. */
static uint32_t keys_homes(const struct kv_cmd_ctx *c) { return kv_ks_scan_space(c->ks); }

/* The counting pass: the exact size of KEYS's reply. */
static uint64_t keys_size(struct kv_cmd_ctx *c, struct keys_walk *w) {
    *w = (struct keys_walk){.ks = c->ks, .pattern = pattern_or_null(&c->argv[1])};
    keys_pass(w, 0, keys_homes(c));
    KV_ASSERT(w->bytes >= 6 * w->n);  /* "$0\r\n\r\n" is the shortest element */
    return array_size(w->n) + w->bytes;
}

static void cmd_keys(struct kv_cmd_ctx *c) {
    struct keys_walk w;
    uint64_t size = keys_size(c, &w);
    uint64_t n = w.n;
    uint32_t from = c->out->len;
    kv_reply_array(c->out, n);
    w.out = c->out;
    keys_pass(&w, 0, keys_homes(c));
    KV_ASSERT(w.n == n && c->out->len - from == size);  /* the count saw what was written */
}

static uint64_t bound_keys(struct kv_cmd_ctx *c) {
    struct keys_walk w;
    return keys_size(c, &w);
}

/* ---- SCAN --------------------------------------------------------------------------- */

/* Redis's parseScanCursorOrReply: strtoul semantics on a C string. */
static bool scan_cursor(const struct kv_slice *a, uint64_t *cursor) {
    uint32_t i = 0;
    bool negative = false;
    if (a->len > 0 && (a->ptr[0] == '+' || a->ptr[0] == '-')) negative = a->ptr[i++] == '-';
    uint64_t v = 0;
    uint32_t digits_from = i;
    for (; i < a->len && a->ptr[i] >= '0' && a->ptr[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(a->ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;  /* ERANGE */
        v = v * 10 + d;
    }
    if (i == digits_from) return a->len == 0 || a->ptr[0] == '\0';  /* no digits: 0 */
    if (i < a->len && a->ptr[i] != '\0') return false;
    *cursor = negative ? 0 - v : v;
    return true;
}

struct scan_args {
    uint64_t cursor;
    uint64_t count;
    const struct kv_slice *pattern;
    const struct kv_slice *type;
};

/* Parses SCAN's cursor and options; false with `err` set on a bad request. */
static bool scan_parse(const struct kv_cmd_ctx *c, struct scan_args *a, const char **err) {
    a->cursor = 0;
    a->count = SCAN_COUNT_DEFAULT;
    a->pattern = NULL;
    a->type = NULL;
    *err = "ERR invalid cursor";
    if (!scan_cursor(&c->argv[1], &a->cursor)) return false;
    for (uint32_t i = 2; i < c->argc; i += 2) {
        *err = KV_ERR_SYNTAX;
        if (i + 1 >= c->argc) return false;
        if (kv_cmd_opt(c, i, "count")) {
            int64_t n;
            *err = KV_ERR_NOT_INT;
            if (!kv_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &n)) return false;
            *err = KV_ERR_SYNTAX;
            if (n < 1) return false;
            a->count = (uint64_t)n;
        } else if (kv_cmd_opt(c, i, "match")) {
            a->pattern = pattern_or_null(&c->argv[i + 1]);
        } else if (kv_cmd_opt(c, i, "type")) {
            a->type = &c->argv[i + 1];
        } else {
            return false;
        }
    }
    return true;
}

/*
 * Homes one SCAN call covers, in cursor space (homes of the table's largest level,
 * kv_ks_scan). A nearly empty table would need capacity / COUNT calls to walk;
 * instead the range is scaled by the table's sparsity so a call visits about COUNT
 * keys, as a Redis SCAN does over its right-sized dict (an empty table is walked
 * in one call). Any range keeps SCAN's guarantees: they come from the cursor alone.
 */
static uint32_t scan_homes(const struct kv_cmd_ctx *c, const struct scan_args *a) {
    uint64_t capacity = kv_ks_scan_space(c->ks);
    if (a->count >= capacity) return (uint32_t)capacity;
    uint64_t homes = a->count * capacity / (kv_ks_count(c->ks) + 1);
    homes = KV_MAX(homes, a->count);
    KV_ASSERT(homes >= 1);
    return (uint32_t)KV_MIN(homes, capacity);
}

static uint32_t scan_start(const struct kv_cmd_ctx *c, const struct scan_args *a) {
    /* Past the table: kv_ks_scan visits nothing and returns 0. */
    return (uint32_t)KV_MIN(a->cursor, (uint64_t)kv_ks_scan_space(c->ks));
}

/* The reply's exact size: "*2\r\n", the cursor as a bulk, then the page. */
static uint64_t scan_size(uint32_t next, const struct keys_walk *w) {
    return array_size(2) + kv_reply_bulk_size(kv_decimal_digits(next)) + array_size(w->n) +
           w->bytes;
}

static void cmd_scan(struct kv_cmd_ctx *c) {
    struct scan_args a;
    const char *err;
    if (!scan_parse(c, &a, &err)) {
        kv_reply_error(c->out, err);
        return;
    }
    struct keys_walk w = {.ks = c->ks, .pattern = a.pattern, .type = a.type};
    uint32_t start = scan_start(c, &a), homes = scan_homes(c, &a);
    uint32_t next = keys_pass(&w, start, homes);
    uint64_t size = scan_size(next, &w), n = w.n;
    uint32_t from = c->out->len;
    kv_reply_array(c->out, 2);
    kv_reply_bulk_int(c->out, next);
    kv_reply_array(c->out, n);
    w.out = c->out;
    uint32_t again = keys_pass(&w, start, homes);
    KV_ASSERT(again == next && w.n == n && c->out->len - from == size);
    /* Like Redis, SCAN deletes the expired keys it came across (after the walk). */
    for (uint32_t i = 0; i < w.expired_n; i++) {
        struct kv_slice k = kv_item_key(kv_ks_item_at_ref(c->ks, w.expired[i]));
        struct kv_item *gone = kv_ks_find(c->ks, k.ptr, k.len);  /* expires it */
        KV_ASSERT(gone == NULL);
    }
}

/* The counting pass over the same homes: the exact reply (or the error's room). */
static uint64_t bound_scan(struct kv_cmd_ctx *c) {
    struct scan_args a;
    const char *err;
    if (!scan_parse(c, &a, &err)) return kv_cmd_bound_default(c);
    struct keys_walk w = {.ks = c->ks, .pattern = a.pattern, .type = a.type};
    uint32_t next = keys_pass(&w, scan_start(c, &a), scan_homes(c, &a));
    return scan_size(next, &w);
}

/* ---- TTLs ------------------------------------------------------------------------- */

enum expire_flag { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

/* Redis's parseExtendedExpireArgumentsOrReply. */
static bool expire_parse(struct kv_cmd_ctx *c, uint32_t *flags) {
    static const char *const names[4] = {"nx", "xx", "gt", "lt"};
    for (uint32_t j = 3; j < c->argc; j++) {
        uint32_t k = 0;
        while (k < 4 && !kv_cmd_opt(c, j, names[k])) k++;
        if (k == 4) {
            const struct kv_slice *o = &c->argv[j];
            int n = (int)strnlen((const char *)o->ptr, o->len);
            kv_reply_errorf(c->out, "ERR Unsupported option %.*s", n, (const char *)o->ptr);
            return false;
        }
        *flags |= 1u << k;
    }
    if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
        kv_reply_error(c->out, "ERR NX and XX, GT or LT options at the same time are not "
                               "compatible");
        return false;
    }
    if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
        kv_reply_error(c->out, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/* Whether NX/XX/GT/LT allow replacing `current` (-1: none) with `when`. */
static bool expire_allowed(uint32_t flags, int64_t current, int64_t when) {
    if ((flags & EXP_NX) && current != -1) return false;
    if ((flags & EXP_XX) && current == -1) return false;
    if ((flags & EXP_GT) && (current == -1 || when <= current)) return false;
    if ((flags & EXP_LT) && current != -1 && when >= current) return false;
    return true;
}

static void expire_generic(struct kv_cmd_ctx *c, int64_t base_ms, bool seconds,
                           const char *name) {
    uint32_t flags = 0;
    int64_t when;
    if (!expire_parse(c, &flags)) return;
    if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &when)) {
        kv_reply_error(c->out, KV_ERR_NOT_INT);
        return;
    }
    bool bad = seconds && (when > INT64_MAX / 1000 || when < INT64_MIN / 1000);
    if (!bad && seconds) when *= 1000;
    bad = bad || when > INT64_MAX - base_ms;
    if (bad) {
        kv_reply_errorf(c->out, KV_ERR_EXPIRE, name);
        return;
    }
    when += base_ms;
    struct kv_item *it = find(c, 1);
    if (it == NULL || !expire_allowed(flags, kv_item_expire_ms(it), when)) {
        kv_reply_int(c->out, 0);
        return;
    }
    if (when <= c->now_ms) {
        kv_ks_delete(c->ks, it);
    } else {
        enum kv_ks_status st = kv_ks_update_expire_evicting(c->ks, &it, c->argv[1].ptr,
                                                            c->argv[1].len, when);
        if (st == KV_KS_OOM) {
            kv_reply_error(c->out, KV_ERR_OOM);
            return;
        }
        if (st == KV_KS_GONE) {  /* evicted to make room: as if it never existed */
            kv_reply_int(c->out, 0);
            return;
        }
    }
    touch(c, 1);
    kv_reply_int(c->out, 1);
}

/* "ERR Unsupported option <arg>" quotes an option whole, as Redis does. */
static uint64_t bound_expire(struct kv_cmd_ctx *c) {
    uint64_t longest = 0;
    for (uint32_t j = 3; j < c->argc; j++) longest = KV_MAX(longest, (uint64_t)c->argv[j].len);
    return KV_EXEC_ERROR_ROOM + longest;
}

static void cmd_expire(struct kv_cmd_ctx *c) { expire_generic(c, c->now_ms, true, "expire"); }
static void cmd_pexpire(struct kv_cmd_ctx *c) {
    expire_generic(c, c->now_ms, false, "pexpire");
}
static void cmd_expireat(struct kv_cmd_ctx *c) { expire_generic(c, 0, true, "expireat"); }
static void cmd_pexpireat(struct kv_cmd_ctx *c) { expire_generic(c, 0, false, "pexpireat"); }

static void ttl_generic(struct kv_cmd_ctx *c, bool ms, bool absolute) {
    struct kv_item *it = find_read(c, 1);
    if (it == NULL) {
        kv_reply_int(c->out, -2);
        return;
    }
    int64_t expire = kv_item_expire_ms(it);
    if (expire < 0) {
        kv_reply_int(c->out, -1);
        return;
    }
    int64_t ttl = absolute ? expire : expire - c->now_ms;
    if (ttl < 0) ttl = 0;
    /* ttl >= 0: Redis's (ttl+500)/1000 behaves as unsigned arithmetic (its compiler
     * knows ttl >= 0), so PEXPIREAT near INT64_MAX rounds up without wrapping. */
    int64_t rounded = (int64_t)(((uint64_t)ttl + 500u) / 1000u);
    kv_reply_int(c->out, ms ? ttl : rounded);
}

static void cmd_ttl(struct kv_cmd_ctx *c) { ttl_generic(c, false, false); }
static void cmd_pttl(struct kv_cmd_ctx *c) { ttl_generic(c, true, false); }
static void cmd_expiretime(struct kv_cmd_ctx *c) { ttl_generic(c, false, true); }
static void cmd_pexpiretime(struct kv_cmd_ctx *c) { ttl_generic(c, true, true); }

static void cmd_persist(struct kv_cmd_ctx *c) {
    struct kv_item *it = find(c, 1);
    if (it == NULL || kv_item_expire_ms(it) < 0) {
        kv_reply_int(c->out, 0);
        return;
    }
    enum kv_ks_status st = kv_ks_update_expire(c->ks, &it, -1);
    KV_ASSERT(st == KV_KS_OK);  /* removing a TTL never needs memory */
    touch(c, 1);
    kv_reply_int(c->out, 1);
}

/* ---- the table ------------------------------------------------------------------ */

#define W KV_CMD_WRITE
#define R KV_CMD_READONLY
#define D KV_CMD_DENYOOM
#define F KV_CMD_FAST

static const struct kv_cmd keys_cmds[] = {
    {"del", -2, W, cmd_del, NULL, NULL, KV_KEYS(1, -1, 1)},
    {"unlink", -2, W | F, cmd_del, NULL, NULL, KV_KEYS(1, -1, 1)},
    {"exists", -2, R | F, cmd_exists, NULL, NULL, KV_KEYS(1, -1, 1)},
    {"type", 2, R | F, cmd_type, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"rename", 3, W, cmd_rename, NULL, NULL, KV_KEYS(1, 2, 1)},
    {"renamenx", 3, W | F, cmd_renamenx, NULL, NULL, KV_KEYS(1, 2, 1)},
    {"copy", -3, W | D, cmd_copy, NULL, NULL, KV_KEYS(1, 2, 1)},
    {"randomkey", 1, R, cmd_randomkey, bound_randomkey, NULL, KV_NOKEYS},
    {"keys", 2, R, cmd_keys, bound_keys, NULL, KV_NOKEYS},
    {"scan", -2, R, cmd_scan, bound_scan, NULL, KV_NOKEYS},
    {"expire", -3, W | F, cmd_expire, bound_expire, NULL, KV_KEYS(1, 1, 1)},
    {"pexpire", -3, W | F, cmd_pexpire, bound_expire, NULL, KV_KEYS(1, 1, 1)},
    {"expireat", -3, W | F, cmd_expireat, bound_expire, NULL, KV_KEYS(1, 1, 1)},
    {"pexpireat", -3, W | F, cmd_pexpireat, bound_expire, NULL, KV_KEYS(1, 1, 1)},
    {"ttl", 2, R | F, cmd_ttl, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"pttl", 2, R | F, cmd_pttl, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"expiretime", 2, R | F, cmd_expiretime, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"pexpiretime", 2, R | F, cmd_pexpiretime, NULL, NULL, KV_KEYS(1, 1, 1)},
    {"persist", 2, W | F, cmd_persist, NULL, NULL, KV_KEYS(1, 1, 1)},
};

const struct kv_cmd_group kv_cmds_keys = {keys_cmds, KV_ARRAY_LEN(keys_cmds)};

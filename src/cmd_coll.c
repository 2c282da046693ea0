/*
 * cmd_coll.c: what the hash and set commands share (src/cmd_coll.h): typed
 * lookups, key creation and deletion, reply bounds, write room, HSCAN and SSCAN
 * with Redis 7.0's replies and order of checks (t_hash.c, t_set.c, db.c
 * scanGenericCommand).
 *
 * Memory: owns none. HSCAN/SSCAN count their reply in a first pass and write it in
 * a second over the same (unchanged) value, so the bound is the exact reply.
 * Never: keeps an item pointer across a keyspace mutation, writes past its bound.
 */
#include "cmd_coll.h"

#include <string.h>

#include "kv/util.h"

#define CHEAP_BOUND_MAX 4096u
#define SCAN_COUNT_DEFAULT 10u

static struct kv_coll_head *head_of(struct kv_item *it) { return kv_ks_coll_head(it); }

bool kv_cc_find(struct kv_cmd_ctx *c, uint32_t i, enum kv_type type, bool read,
                struct kv_item **out) {
    KV_ASSERT(i < c->argc && (type == KV_TYPE_HASH || type == KV_TYPE_SET));
    struct kv_slice k = c->argv[i];
    struct kv_item *it = read ? kv_ks_find_read(c->ks, k.ptr, k.len)
                              : kv_ks_find(c->ks, k.ptr, k.len);
    *out = it;
    if (it != NULL && kv_item_type(it) != type) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
        return false;
    }
    KV_ASSERT(it == NULL || head_of(it)->count > 0);
    return true;
}

struct kv_item *kv_cc_create(struct kv_cmd_ctx *c, uint32_t i, enum kv_type type) {
    struct kv_slice k = c->argv[i];
    struct kv_item *it = kv_ks_set(c->ks, k.ptr, k.len, type,
                                   (uint32_t)sizeof(struct kv_coll_head), false);
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_OOM);
        return NULL;
    }
    KV_ASSERT(head_of(it)->count == 0 && head_of(it)->root == 0);
    return it;
}

void kv_cc_modified(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it) {
    KV_ASSERT(it != NULL && i < c->argc);
    if (head_of(it)->count == 0) kv_ks_delete(c->ks, it);
    kv_engine_touch(c->engine, c->argv[i].ptr, c->argv[i].len);
}

const struct kv_coll_head *kv_cc_peek(struct kv_cmd_ctx *c, uint32_t i, enum kv_type type) {
    if (i >= c->argc) return NULL;
    struct kv_item *it = kv_ks_peek(c->ks, c->argv[i].ptr, c->argv[i].len);
    if (it == NULL || kv_ks_item_expired(c->ks, it) || kv_item_type(it) != type) return NULL;
    return head_of(it);
}

uint64_t kv_cc_bulks_bound(uint64_t n, uint64_t bytes) {
    return bytes + n * (5 + kv_decimal_digits(bytes));
}

uint64_t kv_cc_entries_bound(const struct kv_keyspace *ks, const struct kv_coll_head *h,
                             bool fields, bool values) {
    KV_ASSERT(fields || values);
    uint64_t n = h->count * ((fields ? 1 : 0) + (values ? 1 : 0));
    uint64_t cheap = kv_cc_bulks_bound(n, h->bytes);
    if (cheap <= CHEAP_BOUND_MAX || (fields && values)) return cheap;
    uint64_t exact = 0;
    struct kv_coll_iter it;
    struct kv_slice f, v;
    kv_ks_coll_iter_init(&it, ks, h);
    while (kv_ks_coll_next(&it, &f, &v))  /* count steps */
        exact += kv_reply_bulk_size(fields ? f.len : v.len);
    KV_ASSERT(exact <= cheap);
    return exact;
}

void kv_cc_longest(const struct kv_keyspace *ks, const struct kv_coll_head *h,
                   uint64_t *field, uint64_t *value) {
    *field = 0;
    *value = 0;
    struct kv_coll_iter it;
    struct kv_slice f, v;
    kv_ks_coll_iter_init(&it, ks, h);
    while (kv_ks_coll_next(&it, &f, &v)) {  /* count steps */
        *field = KV_MAX(*field, (uint64_t)f.len);
        *value = KV_MAX(*value, (uint64_t)v.len);
    }
    KV_ASSERT(*field + *value <= h->bytes);
}

/* Table blocks for `count` entries: the slot array (load 3/4) rounded up. */
static uint64_t table_array_bytes(uint64_t count) {
    uint64_t slots = 8;
    while (slots < (1ull << 31) && count * 4 > slots * 3) slots *= 2;
    return slots * 4 + 8;
}

void kv_cc_room(struct kv_cmd_ctx *c, uint32_t key, enum kv_type type, uint32_t first,
                uint32_t n, uint64_t *need, uint64_t *largest) {
    bool pairs = type == KV_TYPE_HASH;
    KV_ASSERT(first + n * (pairs ? 2 : 1) <= c->argc);
    const struct kv_coll_head *h = kv_cc_peek(c, key, type);
    struct kv_coll_head fresh;
    uint64_t item = 0;
    if (h == NULL) {  /* a new key: its item too */
        kv_coll_init(&fresh, pairs ? KV_COLL_HASH : KV_COLL_SET);
        h = &fresh;
        item = c->argv[key].len + sizeof(struct kv_coll_head) + 40;
    }
    bool big = false;
    for (uint32_t i = first; pairs && i < first + 2 * n; i++)
        big = big || kv_ks_coll_big(c->ks, c->argv[i].len);
    kv_ks_coll_add_room(c->ks, h, &c->argv[first], n, big, need, largest);
    *need += item;
    *largest = KV_MAX(*largest, item);
}

void kv_cc_room_sets(struct kv_cmd_ctx *c, uint32_t first, uint32_t n, uint32_t dst,
                     bool inter, uint64_t *need, uint64_t *largest) {
    uint64_t count = 0, bytes = 0, min_count = UINT64_MAX, min_bytes = 0;
    for (uint32_t i = first; i < first + n && i < c->argc; i++) {
        const struct kv_coll_head *h = kv_cc_peek(c, i, KV_TYPE_SET);
        uint64_t hc = h == NULL ? 0 : h->count, hb = h == NULL ? 0 : h->bytes;
        count += hc;
        bytes += hb;
        if (hc < min_count) {
            min_count = hc;
            min_bytes = hb;
        }
    }
    if (inter && n > 0) {  /* an intersection is no bigger than its smallest set */
        count = min_count;
        bytes = min_bytes;
    }
    uint64_t array = table_array_bytes(count), entries = bytes + count * 24;
    *need = c->argv[dst].len + 96 + array + entries + count * 8 + 64;
    *largest = KV_MAX(array, count * 8 + 64);
    KV_ASSERT(*need >= *largest);
}

/* ---- HSCAN / SSCAN --------------------------------------------------------------- */

/* Redis's parseScanCursorOrReply: strtoul on a C string. */
static bool scan_cursor(const struct kv_slice *a, uint64_t *cursor) {
    uint32_t i = 0;
    bool negative = false;
    if (a->len > 0 && (a->ptr[0] == '+' || a->ptr[0] == '-')) negative = a->ptr[i++] == '-';
    uint64_t v = 0;
    uint32_t digits_from = i;
    for (; i < a->len && a->ptr[i] >= '0' && a->ptr[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(a->ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (i == digits_from) return a->len == 0 || a->ptr[0] == '\0';
    if (i < a->len && a->ptr[i] != '\0') return false;
    *cursor = negative ? 0 - v : v;
    return true;
}

struct scan_walk {
    const struct kv_slice *pattern;  /* NULL: every entry */
    bool pairs;
    bool emit;
    struct kv_reply *out;
    uint64_t n;      /* bulks */
    uint64_t bytes;  /* their reply bytes */
};

static void scan_visit(void *ctx, struct kv_slice f, struct kv_slice v) {
    struct scan_walk *w = ctx;
    if (w->pattern != NULL && !kv_glob_match(w->pattern->ptr, w->pattern->len, f.ptr, f.len))
        return;
    w->n += w->pairs ? 2 : 1;
    w->bytes += kv_reply_bulk_size(f.len) + (w->pairs ? kv_reply_bulk_size(v.len) : 0);
    if (!w->emit) return;
    kv_reply_bulk(w->out, f.ptr, f.len);
    if (w->pairs) kv_reply_bulk(w->out, v.ptr, v.len);
}

/* The options after the cursor: NULL, or the error. */
static const char *scan_options(const struct kv_cmd_ctx *c, uint64_t *count,
                                const struct kv_slice **pattern) {
    *count = SCAN_COUNT_DEFAULT;
    *pattern = NULL;
    for (uint32_t i = 3; i < c->argc; i += 2) {
        if (i + 1 < c->argc && kv_cmd_opt(c, i, "count")) {
            int64_t n;
            if (!kv_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &n)) return KV_ERR_NOT_INT;
            if (n < 1) return KV_ERR_SYNTAX;
            *count = (uint64_t)n;
        } else if (i + 1 < c->argc && kv_cmd_opt(c, i, "match")) {
            const struct kv_slice *p = &c->argv[i + 1];
            *pattern = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    return NULL;
}

/* Both passes: counts (and with emit, writes) the page; returns the next cursor. */
static uint64_t scan_pass(struct kv_cmd_ctx *c, const struct kv_coll_head *h, uint64_t cursor,
                          struct scan_walk *w) {
    uint64_t count;
    const struct kv_slice *pattern;
    const char *err = scan_options(c, &count, &pattern);
    KV_ASSERT(err == NULL);
    w->pattern = pattern;
    w->pairs = h->kind == KV_COLL_HASH;
    uint64_t want = w->pairs ? (count + 1) / 2 : count;  /* Redis counts values too */
    return kv_ks_coll_scan(c->ks, h, cursor, want, scan_visit, w);
}

static void reply_cursor(struct kv_cmd_ctx *c, uint64_t cursor) {
    char buf[24];
    uint32_t n = kv_fmt_i64(buf, 0);
    if (cursor != 0) {
        n = 0;
        char tmp[24];
        for (uint64_t v = cursor; v > 0 && n < 20; v /= 10) tmp[n++] = (char)('0' + v % 10);
        for (uint32_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    }
    kv_reply_bulk(c->out, buf, n);
}

void kv_cc_scan(struct kv_cmd_ctx *c, enum kv_type type) {
    uint64_t cursor, count;
    const struct kv_slice *pattern;
    if (!scan_cursor(&c->argv[2], &cursor)) {
        kv_reply_error(c->out, "ERR invalid cursor");
        return;
    }
    struct kv_item *it;
    if (!kv_cc_find(c, 1, type, true, &it)) return;
    if (it == NULL) {
        kv_reply_array(c->out, 2);
        kv_reply_bulk(c->out, "0", 1);
        kv_reply_array(c->out, 0);
        return;
    }
    const char *err = scan_options(c, &count, &pattern);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    const struct kv_coll_head *h = head_of(it);
    struct scan_walk w = {.emit = false};
    uint64_t next = scan_pass(c, h, cursor, &w);
    kv_reply_array(c->out, 2);
    reply_cursor(c, next);
    kv_reply_array(c->out, w.n);
    struct scan_walk w2 = {.emit = true, .out = c->out};
    uint64_t again = scan_pass(c, h, cursor, &w2);
    KV_ASSERT(again == next && w2.n == w.n && w2.bytes == w.bytes);
}

uint64_t kv_cc_scan_bound(struct kv_cmd_ctx *c, enum kv_type type) {
    uint64_t base = kv_cmd_bound_default(c) + 2 * KV_CC_AGG_HDR_MAX + kv_reply_bulk_size(20);
    uint64_t cursor, count;
    const struct kv_slice *pattern;
    const struct kv_coll_head *h = kv_cc_peek(c, 1, type);
    if (h == NULL || !scan_cursor(&c->argv[2], &cursor) ||
        scan_options(c, &count, &pattern) != NULL)
        return base;
    struct scan_walk w = {.emit = false};
    (void)scan_pass(c, h, cursor, &w);
    return base + w.bytes;
}

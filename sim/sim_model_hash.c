/*
 * sim_model_hash.c: the reference model's hashes, and the collection (struct mcoll)
 * that hashes and sets share: written from Redis 7.0.15's documented and observed
 * behaviour (checked with `kv sim --redis PORT --types=hash,set`), not from src/.
 * Test code: heap allowed.
 *
 * Encodings as Redis 7.0: a hash is a listpack (fields in insertion order, an
 * update keeps its place, HDEL closes the gap) until a field or value argument is
 * longer than hash-max-listpack-value (HSET/HSETNX check every argument before
 * writing; HINCRBY* the field and the new value) or it holds more than
 * hash-max-listpack-entries fields; then a hashtable, for good (emptying deletes the
 * key). Replies of a listpack hash are exact; of a hashtable, compared as multisets
 * of their (field, value) pairs: the model adopts the core's order when the two hold
 * the same pairs (m_emit_same). Random replies (HRANDFIELD) are checked for what is
 * certain: the count, distinct fields for a positive count, membership, values.
 * Invariant: a hash key holds at least one field; fields are distinct.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"
#include "sim_resp.h"

/* ---- the collection ------------------------------------------------------- */

static struct mval dup_val(struct kv_slice s) {
    struct mval v = {malloc(s.len + 1), s.len};
    KV_ASSERT(v.p != NULL);
    if (s.len > 0) memcpy(v.p, s.ptr, s.len);
    return v;
}

static struct kv_slice as_slice(const struct mval *v) {
    struct kv_slice s = {v->p, v->len};
    return s;
}

static bool val_eq(const struct mval *v, struct kv_slice s) {
    return v->len == s.len && (s.len == 0 || memcmp(v->p, s.ptr, s.len) == 0);
}

int64_t m_coll_find(const struct mcoll *h, struct kv_slice f) {
    for (uint64_t i = 0; i < h->count; i++) {
        if (val_eq(&h->f[i], f)) return (int64_t)i;
    }
    return -1;
}

/* Inserts f (and v, for a hash) before index at. */
void m_coll_insert(struct mcoll *h, uint64_t at, struct kv_slice f, const struct kv_slice *v) {
    KV_ASSERT(at <= h->count);
    if (h->count == h->cap) {
        h->cap = h->cap == 0 ? 4 : h->cap * 2;
        h->f = realloc(h->f, h->cap * sizeof(*h->f));
        KV_ASSERT(h->f != NULL);
        if (v != NULL || h->v != NULL) {
            h->v = realloc(h->v, h->cap * sizeof(*h->v));
            KV_ASSERT(h->v != NULL);
        }
    }
    memmove(&h->f[at + 1], &h->f[at], (h->count - at) * sizeof(*h->f));
    h->f[at] = dup_val(f);
    if (v != NULL) {
        memmove(&h->v[at + 1], &h->v[at], (h->count - at) * sizeof(*h->v));
        h->v[at] = dup_val(*v);
    }
    h->count++;
}

void m_coll_remove(struct mcoll *h, uint64_t i) {
    KV_ASSERT(i < h->count);
    free(h->f[i].p);
    memmove(&h->f[i], &h->f[i + 1], (h->count - i - 1) * sizeof(*h->f));
    if (h->v != NULL) {
        free(h->v[i].p);
        memmove(&h->v[i], &h->v[i + 1], (h->count - i - 1) * sizeof(*h->v));
    }
    h->count--;
}

void m_coll_free(struct mcoll *h) {
    for (uint64_t i = 0; i < h->count; i++) {
        free(h->f[i].p);
        if (h->v != NULL) free(h->v[i].p);
    }
    free(h->f);
    free(h->v);
    memset(h, 0, sizeof(*h));
}

void m_coll_copy(struct mcoll *dst, const struct mcoll *src) {
    memset(dst, 0, sizeof(*dst));
    for (uint64_t i = 0; i < src->count; i++) {
        struct kv_slice v = src->v != NULL ? as_slice(&src->v[i]) : (struct kv_slice){0};
        m_coll_insert(dst, i, as_slice(&src->f[i]), src->v != NULL ? &v : NULL);
    }
    dst->enc = src->enc;
    KV_ASSERT(dst->count == src->count);
}

/* Order-independent for a hashtable (its order is not the model's to know). */
uint64_t m_coll_fingerprint(const struct mcoll *h, uint64_t seed) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < h->count; i++) {
        uint64_t x = 0xcbf29ce484222325ull;
        for (uint32_t k = 0; k < h->f[i].len; k++) x = (x ^ h->f[i].p[k]) * 0x100000001b3ull;
        x = (x ^ 0xffu) * 0x100000001b3ull;
        for (uint32_t k = 0; h->v != NULL && k < h->v[i].len; k++)
            x = (x ^ h->v[i].p[k]) * 0x100000001b3ull;
        sum += x * (h->enc == M_ENC_HT ? 1 : i + 3);
    }
    return (seed ^ sum ^ h->count) * 0x100000001b3ull;
}

const char *m_coll_encoding(const struct mentry *e) {
    KV_ASSERT(m_is_coll(e->type));
    if (e->hs.enc == M_ENC_HT) return "hashtable";
    if (e->hs.enc == M_ENC_SKIPLIST) return "skiplist";
    return e->hs.enc == M_ENC_INTSET ? "intset" : "listpack";
}

const char *m_type_name(uint8_t type) {
    static const char *const names[] = {"none", "string", "list", "hash", "set", "zset"};
    if (type == SIM_MODEL_STREAM) return "stream";
    KV_ASSERT(type < KV_ARRAY_LEN(names));
    return names[type];
}

/* ---- replies -------------------------------------------------------------- */

/*
 * The core's reply as a flat list of bulk strings (nested arrays, RESP3 maps and
 * sets flattened): false if it holds anything else (an error, a null, an integer).
 * *elems is a heap array the caller frees.
 */
bool m_reply_flat(const struct mctx *c, struct kv_slice **elems, uint64_t *n) {
    *elems = calloc(c->reply_len / 4 + 1, sizeof(struct kv_slice));
    KV_ASSERT(*elems != NULL);
    *n = 0;
    uint32_t pos = 0;
    for (uint32_t guard = 0; pos < c->reply_len && guard < c->reply_len; guard++) {
        const uint8_t *p = c->reply + pos;
        uint32_t end = pos + 1;
        while (end + 1 < c->reply_len && c->reply[end] != '\r') end++;
        int64_t v;
        if (end + 1 >= c->reply_len || !m_str2ll(p + 1, end - pos - 1, &v) || v < 0)
            return false;
        if (p[0] == '*' || p[0] == '~' || p[0] == '%') {
            pos = end + 2;
            continue;
        }
        if (p[0] != '$' || (uint64_t)end + 2 + (uint64_t)v + 2 > c->reply_len) return false;
        (*elems)[(*n)++] = (struct kv_slice){c->reply + end + 2, (uint32_t)v};
        pos = end + 2 + (uint32_t)v + 2;
    }
    return pos == c->reply_len;
}

static int cmp_group(const struct kv_slice *a, const struct kv_slice *b, uint32_t group) {
    for (uint32_t g = 0; g < group; g++) {
        uint32_t n = KV_MIN(a[g].len, b[g].len);
        int r = n > 0 ? memcmp(a[g].ptr, b[g].ptr, n) : 0;
        if (r != 0) return r;
        if (a[g].len != b[g].len) return a[g].len < b[g].len ? -1 : 1;
    }
    return 0;
}

static uint32_t sort_group;
static int cmp_sort(const void *a, const void *b) { return cmp_group(a, b, sort_group); }

/* Do x and y (n slices each, in groups of `group`) hold the same groups? */
static bool same_multiset(struct kv_slice *x, struct kv_slice *y, uint64_t n, uint32_t group) {
    struct kv_slice *a = malloc((n + 1) * sizeof(*a)), *b = malloc((n + 1) * sizeof(*b));
    KV_ASSERT(a != NULL && b != NULL && n % group == 0);
    memcpy(a, x, n * sizeof(*a));
    memcpy(b, y, n * sizeof(*b));
    sort_group = group;
    qsort(a, n / group, group * sizeof(*a), cmp_sort);
    qsort(b, n / group, group * sizeof(*b), cmp_sort);
    bool same = true;
    for (uint64_t i = 0; same && i < n; i += group) same = cmp_group(&a[i], &b[i], group) == 0;
    free(a);
    free(b);
    return same;
}

/* An array reply of mine[0..n): in the core's order when the core's reply holds the
 * same groups (an unordered reply), else in the model's (the comparison then fails). */
void m_emit_same(struct mctx *c, struct kv_slice *mine, uint64_t n, uint32_t group) {
    struct kv_slice *got;
    uint64_t k;
    bool adopt = m_reply_flat(c, &got, &k) && k == n && same_multiset(mine, got, n, group);
    const struct kv_slice *src = adopt ? got : mine;
    sim_buf_array(c->out, n);
    for (uint64_t i = 0; i < n; i++) sim_buf_bulk(c->out, src[i].ptr, src[i].len);
    free(got);
}

/* The hash's fields (and values) as slices, in the model's order. */
static struct kv_slice *hash_slices(const struct mcoll *h, bool fields, bool values,
                                    uint64_t *n) {
    struct kv_slice *s = calloc(2 * h->count + 1, sizeof(*s));
    KV_ASSERT(s != NULL);
    *n = 0;
    for (uint64_t i = 0; i < h->count; i++) {
        if (fields) s[(*n)++] = as_slice(&h->f[i]);
        if (values) s[(*n)++] = as_slice(&h->v[i]);
    }
    return s;
}

static void emit_hash(struct mctx *c, const struct mcoll *h, bool fields, bool values) {
    uint64_t n;
    struct kv_slice *s = hash_slices(h, fields, values, &n);
    if (h->enc == M_ENC_HT) {
        m_emit_same(c, s, n, fields && values ? 2 : 1);
    } else {
        sim_buf_array(c->out, n);
        for (uint64_t i = 0; i < n; i++) sim_buf_bulk(c->out, s[i].ptr, s[i].len);
    }
    free(s);
}

/* ---- hash helpers ----------------------------------------------------------- */

/* The key's hash, NULL if missing; *bad set (and WRONGTYPE replied) for another type. */
static struct mentry *hash_lookup(struct mctx *c, uint32_t i, bool *bad) {
    struct mentry *e = m_lookup(c->m, c->argv[i], c->now);
    *bad = e != NULL && e->type != SIM_MODEL_HASH;
    if (*bad) m_reply_wrongtype(c);
    return *bad ? NULL : e;
}

static struct mentry *hash_create(struct mctx *c) {
    struct mentry *e = m_add(c->m, c->argv[1], SIM_MODEL_HASH);
    e->hs.enc = M_ENC_LISTPACK;
    return e;
}

static void to_ht(struct mcoll *h) { h->enc = M_ENC_HT; }

/* Redis's hashTypeTryConversion: any argument in [from, to] too long for a listpack. */
static void try_conversion(struct mctx *c, struct mentry *e, uint32_t from, uint32_t to) {
    for (uint32_t i = from; i <= to && e->hs.enc == M_ENC_LISTPACK; i++) {
        if (c->argv[i].len > c->m->lim.hash_max_listpack_value) to_ht(&e->hs);
    }
}

/* hashTypeSet: true if the field is new. */
static bool hash_set(struct mctx *c, struct mentry *e, struct kv_slice f, struct kv_slice v) {
    struct mcoll *h = &e->hs;
    if (h->enc == M_ENC_LISTPACK && (f.len > c->m->lim.hash_max_listpack_value ||
                                     v.len > c->m->lim.hash_max_listpack_value))
        to_ht(h);
    int64_t i = m_coll_find(h, f);
    if (i >= 0) {
        free(h->v[i].p);
        h->v[i] = dup_val(v);
        return false;
    }
    m_coll_insert(h, h->count, f, &v);
    if (h->enc == M_ENC_LISTPACK && h->count > c->m->lim.hash_max_listpack_entries) to_ht(h);
    return true;
}

/* ---- commands --------------------------------------------------------------- */

/* HSET HMSET. */
static void cmd_hset(struct mctx *c) {
    bool hmset = c->argv[0].len == 5;
    if (c->argc % 2 == 1) {
        sim_buf_errorf(c->out, "ERR wrong number of arguments for '%s' command",
                       hmset ? "hmset" : "hset");
        return;
    }
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) e = hash_create(c);
    try_conversion(c, e, 2, c->argc - 1);
    int64_t created = 0;
    for (uint32_t i = 2; i + 1 < c->argc; i += 2)
        created += hash_set(c, e, c->argv[i], c->argv[i + 1]);
    if (hmset) sim_buf_simple(c->out, "OK");
    else sim_buf_int(c->out, created);
}

static void cmd_hsetnx(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    if (e != NULL && m_coll_find(&e->hs, c->argv[2]) >= 0) {
        sim_buf_int(c->out, 0);
        return;
    }
    if (e == NULL) e = hash_create(c);
    try_conversion(c, e, 2, 3);
    hash_set(c, e, c->argv[2], c->argv[3]);
    sim_buf_int(c->out, 1);
}

static const struct mval *field(struct mentry *e, struct kv_slice f) {
    int64_t i = e == NULL ? -1 : m_coll_find(&e->hs, f);
    return i < 0 ? NULL : &e->hs.v[i];
}

static void cmd_hget(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    const struct mval *v = field(e, c->argv[2]);
    if (v == NULL) sim_buf_null(c->out);
    else sim_buf_bulk(c->out, v->p, v->len);
}

static void cmd_hmget(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    sim_buf_array(c->out, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++) {
        const struct mval *v = field(e, c->argv[i]);
        if (v == NULL) sim_buf_null(c->out);
        else sim_buf_bulk(c->out, v->p, v->len);
    }
}

static void cmd_hdel(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    int64_t n = 0;
    for (uint32_t i = 2; e != NULL && i < c->argc; i++) {
        int64_t k = m_coll_find(&e->hs, c->argv[i]);
        if (k < 0) continue;
        m_coll_remove(&e->hs, (uint64_t)k);
        n++;
    }
    if (e != NULL && e->hs.count == 0) m_delete(c->m, e);
    sim_buf_int(c->out, n);
}

static void cmd_hlen(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (!bad) sim_buf_int(c->out, e == NULL ? 0 : (int64_t)e->hs.count);
}

static void cmd_hstrlen(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    const struct mval *v = field(e, c->argv[2]);
    sim_buf_int(c->out, v == NULL ? 0 : v->len);
}

static void cmd_hexists(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (!bad) sim_buf_int(c->out, field(e, c->argv[2]) != NULL);
}

/* HKEYS HVALS HGETALL. */
static void cmd_hgetall(struct mctx *c) {
    bool keys = m_eq_nocase(c->argv[0], "hkeys"), vals = m_eq_nocase(c->argv[0], "hvals");
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) sim_buf_array(c->out, 0);
    else emit_hash(c, &e->hs, !vals, !keys);
}

static void cmd_hincrby(struct mctx *c) {
    int64_t by, v = 0;
    if (!m_str2ll(c->argv[3].ptr, c->argv[3].len, &by)) {
        m_reply_not_int(c);
        return;
    }
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    const struct mval *old = field(e, c->argv[2]);
    if (old != NULL && !m_str2ll(old->p, old->len, &v)) {
        sim_buf_error(c->out, "ERR hash value is not an integer");
        return;
    }
    if ((by < 0 && v < 0 && by < INT64_MIN - v) || (by > 0 && v > 0 && by > INT64_MAX - v)) {
        sim_buf_error(c->out, "ERR increment or decrement would overflow");
        return;
    }
    v += by;
    char num[24];
    uint32_t n = sim_fmt_i64(num, v);
    if (e == NULL) e = hash_create(c);
    hash_set(c, e, c->argv[2], (struct kv_slice){(const uint8_t *)num, n});
    sim_buf_int(c->out, v);
}

static void cmd_hincrbyfloat(struct mctx *c) {
    long double by, v = 0;
    if (!m_str2ld(c->argv[3].ptr, c->argv[3].len, &by)) {
        sim_buf_error(c->out, "ERR value is not a valid float");
        return;
    }
    if (isnan(by) || isinf(by)) {
        sim_buf_error(c->out, "ERR value is NaN or Infinity");
        return;
    }
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    const struct mval *old = field(e, c->argv[2]);
    if (old != NULL && !m_str2ld(old->p, old->len, &v)) {
        sim_buf_error(c->out, "ERR hash value is not a float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        sim_buf_error(c->out, "ERR increment would produce NaN or Infinity");
        return;
    }
    uint32_t n;
    char *buf = m_fmt_human(v, &n);
    if (e == NULL) e = hash_create(c);
    hash_set(c, e, c->argv[2], (struct kv_slice){(const uint8_t *)buf, n});
    sim_buf_bulk(c->out, buf, n);
    free(buf);
}

/* ---- HRANDFIELD ------------------------------------------------------------- */

/* A refusal for the reply's size (kv's "reply of up to N bytes exceeds ..."): the
 * too-large rule (sim_model_refuse.c) runs this command's proc for its real reply,
 * which a random command cannot know: nothing is written (any bound covers it). */
bool m_reply_refused(const struct mctx *c) {
    static const char prefix[] = "-ERR reply of up to ";
    return c->reply_len > sizeof(prefix) && memcmp(c->reply, prefix, sizeof(prefix) - 1) == 0;
}

/* Random picks in the core's reply: each field (and its value) in the hash, distinct
 * when `distinct`. Writes the reply back in the model's form (RESP2, flat). */
static void random_fields(struct mctx *c, const struct mcoll *h, uint64_t count,
                          bool values, bool distinct) {
    struct kv_slice *got;
    uint64_t n;
    uint32_t step = values ? 2 : 1;
    if (!m_reply_flat(c, &got, &n) || n != count * step) {
        m_why(c, "HRANDFIELD: expected %llu random fields", (unsigned long long)count);
        free(got);
        return;
    }
    bool *seen = calloc(h->count + 1, 1);
    KV_ASSERT(seen != NULL);
    for (uint64_t i = 0; i < n && !c->failed; i += step) {
        int64_t k = m_coll_find(h, got[i]);
        if (k < 0) m_why(c, "HRANDFIELD returned a field not in the hash");
        else if (values && !val_eq(&h->v[k], got[i + 1]))
            m_why(c, "HRANDFIELD returned a field with another value");
        else if (distinct && seen[k]) m_why(c, "HRANDFIELD returned a field twice");
        else seen[k] = true;
    }
    sim_buf_array(c->out, n);
    for (uint64_t i = 0; i < n; i++) sim_buf_bulk(c->out, got[i].ptr, got[i].len);
    free(seen);
    free(got);
}

static void hrandfield_one(struct mctx *c) {
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_null(c->out);
        return;
    }
    struct kv_slice *got;
    uint64_t n;
    if (c->reply_len > 0 && c->reply[0] == '$' && m_reply_flat(c, &got, &n) && n == 1 &&
        m_coll_find(&e->hs, got[0]) >= 0)
        sim_buf_bulk(c->out, got[0].ptr, got[0].len);
    else m_why(c, "HRANDFIELD: expected one field of the hash");
    free(got);
}

static void cmd_hrandfield(struct mctx *c) {
    if (m_reply_refused(c)) return;
    if (c->argc == 2) {
        hrandfield_one(c);
        return;
    }
    int64_t l;
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &l)) {
        m_reply_not_int(c);
        return;
    }
    if (l < -INT64_MAX) {
        sim_buf_error(c->out, "ERR value is out of range, value must between "
                              "-9223372036854775807 and 9223372036854775807");
        return;
    }
    bool values = c->argc == 4;
    if (c->argc > 4 || (values && !m_opt_eq(c->argv[3], "withvalues"))) {
        m_reply_syntax(c);
        return;
    }
    if (values && (l < -INT64_MAX / 2 || l > INT64_MAX / 2)) {
        sim_buf_error(c->out, "ERR value is out of range");
        return;
    }
    bool bad;
    struct mentry *e = hash_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL || l == 0) {
        sim_buf_array(c->out, 0);
        return;
    }
    uint64_t count = l < 0 ? (uint64_t)-l : (uint64_t)l;
    if (l > 0 && count >= e->hs.count) emit_hash(c, &e->hs, true, values);
    else random_fields(c, &e->hs, count, values, l > 0);
}

/* ---- HSCAN SSCAN ------------------------------------------------------------ */

/* Redis's parseScanCursorOrReply: strtoull on a C string, no leading space. */
static bool cursor_ok(struct kv_slice s) {
    uint32_t n = (uint32_t)strnlen((const char *)s.ptr, s.len), i = 0;
    if (n > 0 && (s.ptr[0] == '-' || s.ptr[0] == '+')) i = 1;
    if (n == 0) return true;
    if (i == n) return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        uint8_t d = s.ptr[i];
        if (d < '0' || d > '9' || v > (UINT64_MAX - (d - '0')) / 10) return false;
        v = v * 10 + (d - '0');
    }
    return true;
}

/* COUNT and MATCH (after the key): false with the error written. */
static bool scan_options(struct mctx *c, struct kv_slice *pat) {
    for (uint32_t i = 3; i < c->argc; i += 2) {
        int64_t count;
        bool two = c->argc - i >= 2;
        if (two && m_opt_eq(c->argv[i], "count")) {
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &count)) {
                m_reply_not_int(c);
                return false;
            }
            if (count >= 1) continue;
        } else if (two && m_opt_eq(c->argv[i], "match")) {
            *pat = c->argv[i + 1];
            continue;
        }
        m_reply_syntax(c);
        return false;
    }
    return true;
}

static bool scan_match(struct kv_slice pat, struct kv_slice s) {
    return (pat.len == 1 && pat.ptr[0] == '*') || m_glob(pat.ptr, pat.len, s.ptr, s.len);
}

/* A hashtable's page: the core's cursor and elements, each in the collection,
 * matching, distinct. */
static void scan_page(struct mctx *c, const struct mcoll *h, struct kv_slice pat) {
    struct kv_slice *got;
    uint64_t n;
    uint32_t step = h->v != NULL ? 2 : 1;
    bool ok = m_reply_flat(c, &got, &n) && n >= 1 && (n - 1) % step == 0;
    bool *seen = calloc(h->count + 1, 1);
    KV_ASSERT(seen != NULL);
    for (uint64_t i = 1; ok && i < n; i += step) {
        int64_t k = m_coll_find(h, got[i]);
        ok = k >= 0 && !seen[k] && scan_match(pat, got[i]) &&
             (step == 1 || val_eq(&h->v[k], got[i + 1]));
        if (ok) seen[k] = true;
    }
    free(seen);
    if (!ok) {
        m_why(c, "SCAN page of a hashtable: elements not in it, repeated or not matching");
    } else {
        sim_buf_array(c->out, 2);
        sim_buf_bulk(c->out, got[0].ptr, got[0].len);
        sim_buf_array(c->out, n - 1);
        for (uint64_t i = 1; i < n; i++) sim_buf_bulk(c->out, got[i].ptr, got[i].len);
    }
    free(got);
}

static void scan_exact(struct mctx *c, const struct mcoll *h, struct kv_slice pat);

/* HSCAN / SSCAN / ZSCAN of a key of `type`. */
void m_coll_scan(struct mctx *c, uint8_t type) {
    if (!cursor_ok(c->argv[2])) {
        sim_buf_error(c->out, "ERR invalid cursor");
        return;
    }
    struct mentry *e = m_lookup(c->m, c->argv[1], c->now);
    struct kv_slice pat = {(const uint8_t *)"*", 1};
    if (e != NULL && e->type != type) m_reply_wrongtype(c);
    if (e != NULL && e->type != type) return;
    if (e == NULL || !scan_options(c, &pat)) {
        if (e == NULL) sim_buf_puts(c->out, "*2\r\n$1\r\n0\r\n*0\r\n");
        return;
    }
    struct mcoll view = {0};
    if (type == SIM_MODEL_ZSET) m_zset_scan_view(&e->hs, &view);
    const struct mcoll *h = type == SIM_MODEL_ZSET ? &view : &e->hs;
    if (h->enc == M_ENC_HT) scan_page(c, h, pat);
    else scan_exact(c, h, pat);
    m_coll_free(&view);
}

/* A small encoding's scan: everything matching, cursor 0. */
static void scan_exact(struct mctx *c, const struct mcoll *h, struct kv_slice pat) {
    uint64_t n = 0;
    for (uint64_t i = 0; i < h->count; i++) n += scan_match(pat, as_slice(&h->f[i]));
    sim_buf_puts(c->out, "*2\r\n$1\r\n0\r\n");
    sim_buf_array(c->out, n * (h->v != NULL ? 2 : 1));
    for (uint64_t i = 0; i < h->count; i++) {
        if (!scan_match(pat, as_slice(&h->f[i]))) continue;
        sim_buf_bulk(c->out, h->f[i].p, h->f[i].len);
        if (h->v != NULL) sim_buf_bulk(c->out, h->v[i].p, h->v[i].len);
    }
}

static void cmd_hscan(struct mctx *c) { m_coll_scan(c, SIM_MODEL_HASH); }

/* ---- RESP3 ------------------------------------------------------------------ */

int m_hs_resp3_rule(const struct mctx *c) {
    struct kv_slice n = c->argv[0];
    if (m_eq_nocase(n, "hgetall")) return 2;
    if (m_eq_nocase(n, "smembers") || m_eq_nocase(n, "sinter") || m_eq_nocase(n, "sunion") ||
        m_eq_nocase(n, "sdiff") || (m_eq_nocase(n, "spop") && c->argc == 3))
        return 1;
    if (m_eq_nocase(n, "hrandfield") && c->argc == 4) return 3;
    return 0;
}

static const struct mcmd cmds[] = {
    {"hset", -4, MF_WRITE | MF_DENYOOM, cmd_hset, NULL},
    {"hmset", -4, MF_WRITE | MF_DENYOOM, cmd_hset, NULL},
    {"hsetnx", 4, MF_WRITE | MF_DENYOOM, cmd_hsetnx, NULL},
    {"hget", 3, MF_READONLY, cmd_hget, NULL},
    {"hmget", -3, MF_READONLY, cmd_hmget, NULL},
    {"hdel", -3, MF_WRITE, cmd_hdel, NULL},
    {"hlen", 2, MF_READONLY, cmd_hlen, NULL},
    {"hstrlen", 3, MF_READONLY, cmd_hstrlen, NULL},
    {"hexists", 3, MF_READONLY, cmd_hexists, NULL},
    {"hkeys", 2, MF_READONLY, cmd_hgetall, NULL},
    {"hvals", 2, MF_READONLY, cmd_hgetall, NULL},
    {"hgetall", 2, MF_READONLY, cmd_hgetall, NULL},
    {"hincrby", 4, MF_WRITE | MF_DENYOOM, cmd_hincrby, NULL},
    {"hincrbyfloat", 4, MF_WRITE | MF_DENYOOM, cmd_hincrbyfloat, NULL},
    {"hrandfield", -2, MF_READONLY, cmd_hrandfield, NULL},
    {"hscan", -3, MF_READONLY, cmd_hscan, NULL},
};

const struct mcmd_table sim_model_cmds_hash = {cmds, KV_ARRAY_LEN(cmds)};

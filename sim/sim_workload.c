/*
 * sim_workload.c: seeded command generation for the simulated clients (and for
 * --redis, the model's check against a real server). Test code: heap allowed.
 * Invariants: every request has 1..SIM_ARGC_MAX arguments; only commands the
 * server under test implements are produced (w->has); values never exceed
 * big_max bytes.
 */
#include "sim_workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_resp.h"

/* ---- requests ----------------------------------------------------------- */

void sim_req_reset(struct sim_req *r) {
    r->argc = 0;
    r->off[0] = 0;
    r->data.len = 0;
}

void sim_req_add(struct sim_req *r, const void *p, uint32_t n) {
    KV_ASSERT(r->argc < SIM_ARGC_MAX);
    KV_ASSERT(r->off[r->argc] == r->data.len);
    sim_buf_put(&r->data, p, n);
    r->argc++;
    r->off[r->argc] = (uint32_t)r->data.len;
}

void sim_req_add_str(struct sim_req *r, const char *s) { sim_req_add(r, s, (uint32_t)strlen(s)); }

void sim_req_add_int(struct sim_req *r, int64_t v) {
    char num[24];
    uint32_t n = sim_fmt_i64(num, v);
    sim_req_add(r, num, n);
}

struct kv_slice sim_req_arg(const struct sim_req *r, uint32_t i) {
    KV_ASSERT(i < r->argc);
    struct kv_slice s = {r->data.p + r->off[i], r->off[i + 1] - r->off[i]};
    return s;
}

void sim_req_argv(const struct sim_req *r, struct kv_slice *out) {
    for (uint32_t i = 0; i < r->argc; i++) out[i] = sim_req_arg(r, i);
}

void sim_req_free(struct sim_req *r) {
    sim_buf_free(&r->data);
    r->argc = 0;
}

/* ---- knobs -------------------------------------------------------------- */

static const char *const family_names[SIM_FAM_COUNT] = {
    "str_read", "str_write", "counter", "keys", "ttl", "list_push", "list_pop",
    "list_read", "list_edit", "server", "scan", "errors", "big", "flush",
};

void sim_workload_draw(struct sim_workload *w, struct kv_prng *p, uint64_t big_max) {
    KV_ASSERT(big_max >= 16);
    memset(w, 0, sizeof(*w));
    static const uint32_t levels[] = {0, 1, 2, 5, 10, 20};
    for (uint32_t f = 0; f < SIM_FAM_COUNT; f++) {
        w->weight[f] = levels[kv_prng_below(p, KV_ARRAY_LEN(levels))];
        if (f == SIM_FAM_FLUSH) w->weight[f] = kv_prng_chance(p, 1, 3) ? 1 : 0;
        if (f == SIM_FAM_BIG) w->weight[f] = (uint32_t)kv_prng_below(p, 3);
    }
    /* Never an empty mix: the string basics stay on. */
    if (w->weight[SIM_FAM_STRING_WRITE] == 0) w->weight[SIM_FAM_STRING_WRITE] = 5;
    if (w->weight[SIM_FAM_STRING_READ] == 0) w->weight[SIM_FAM_STRING_READ] = 5;
    for (uint32_t f = 0; f < SIM_FAM_COUNT; f++) w->weight_total += w->weight[f];
    /* Most seeds contend on a few keys; some spread over enough to fill memory. */
    w->key_count = kv_prng_chance(p, 1, 3) ? 64 + (uint32_t)kv_prng_below(p, 4000)
                                           : 2 + (uint32_t)kv_prng_below(p, 62);
    w->hot_keys = 1 + (uint32_t)kv_prng_below(p, KV_MIN(w->key_count, 4u));
    w->hot_pct = (uint32_t)kv_prng_below(p, 90);
    w->binary_pct = kv_prng_chance(p, 1, 2) ? (uint32_t)kv_prng_below(p, 30) : 0;
    w->value_max = 8u << kv_prng_below(p, 10);
    w->big_max = big_max;
    w->ttl_short_pct = (uint32_t)kv_prng_below(p, 60);
    w->list_elems_max = 1 + (uint32_t)kv_prng_below(p, 16);
    KV_ASSERT(w->weight_total > 0);
}

uint32_t sim_workload_describe(const struct sim_workload *w, char *buf, uint32_t cap) {
    int n = snprintf(buf, cap, " keys=%u hot=%u/%u%% binary=%u%% value_max=%u big_max=%llu "
                               "ttl_short=%u%% mix=",
                     w->key_count, w->hot_keys, w->hot_pct, w->binary_pct, w->value_max,
                     (unsigned long long)w->big_max, w->ttl_short_pct);
    for (uint32_t f = 0; f < SIM_FAM_COUNT && n > 0 && (uint32_t)n < cap; f++) {
        if (w->weight[f] == 0) continue;
        n += snprintf(buf + n, cap - (uint32_t)n, "%s%s:%u", buf[n - 1] == '=' ? "" : ",",
                      family_names[f], w->weight[f]);
    }
    if (w->newer_pct > 0 && n > 0 && (uint32_t)n < cap)
        n += snprintf(buf + n, cap - (uint32_t)n, " newer=%u%%", w->newer_pct);
    if (w->hs_pct > 0 && n > 0 && (uint32_t)n < cap)
        n += snprintf(buf + n, cap - (uint32_t)n, " hs=%u%%", w->hs_pct);
    if (w->z_pct > 0 && n > 0 && (uint32_t)n < cap)
        n += snprintf(buf + n, cap - (uint32_t)n, " z=%u%%", w->z_pct);
    if (w->x_pct > 0 && n > 0 && (uint32_t)n < cap)
        n += snprintf(buf + n, cap - (uint32_t)n, " x=%u%%", w->x_pct);
    if (w->fill_pct > 0 && n > 0 && (uint32_t)n < cap) /* absent: other seeds print as before */
        n += snprintf(buf + n, cap - (uint32_t)n, " fill=%u/1000", w->fill_pct);
    if (w->pubsub_pct > 0 && n > 0 && (uint32_t)n < cap)
        n += snprintf(buf + n, cap - (uint32_t)n, " pubsub=%u%%", w->pubsub_pct);
    KV_ASSERT(n > 0);
    return (uint32_t)KV_MIN((uint32_t)n, cap - 1);
}

/* ---- values and keys ------------------------------------------------------ */

/* Keys a glob treats specially, the empty key and a case twin: KEYS, SCAN MATCH
 * and every key argument see them now and then. */
static const char *const odd_keys[] = {"", "k*", "k?", "k[1]", "k\\1", "K1", "k1 x", "[k]"};

void sim_workload_key(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    char name[24];
    if (!w->real_server && kv_prng_chance(p, 1, 64)) {
        sim_req_add_str(r, odd_keys[kv_prng_below(p, KV_ARRAY_LEN(odd_keys))]);
        return;
    }
    uint32_t k = kv_prng_below(p, 100) < w->hot_pct ? (uint32_t)kv_prng_below(p, w->hot_keys)
                                                    : (uint32_t)kv_prng_below(p, w->key_count);
    int n = snprintf(name, sizeof(name), "k%u", k);
    sim_req_add(r, name, (uint32_t)n);
}

static void add_bytes(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r,
                      uint64_t len) {
    KV_ASSERT(len < UINT32_MAX);
    bool binary = kv_prng_below(p, 100) < w->binary_pct;
    uint8_t *tmp = malloc(len + 1);
    KV_ASSERT(tmp != NULL);
    uint64_t x = kv_prng_next(p);
    for (uint64_t i = 0; i < len; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint8_t b = (uint8_t)(x >> 56);
        tmp[i] = binary ? b : (uint8_t)('a' + b % 26);
    }
    sim_req_add(r, tmp, (uint32_t)len);
    free(tmp);
}

/* Integers at and past the int64 limits, as strings: what a number parser must
 * take or refuse (20 digits that wrap 64 bits, 21 bytes, signs, zeros, spaces). */
static const char *const num_edges[] = {
    "9223372036854775807",   "9223372036854775806",   "-9223372036854775808",
    "-9223372036854775807",  "9223372036854775808",   "-9223372036854775809",
    "18446744073709551615",  "18446744073709551616",  "18446744073709551617",
    "36893488147419103233",  "99999999999999999999",  "-99999999999999999999",
    "100000000000000000000", "-10000000000000000000", "-1000000000000000000",
    "1000000000000000000",   "0",                     "-0",
    "00",                    "01",                    "+1",
    "1 ",                    " 1",                    "-",
    "1-",                    "1e3",                   "0x10",
    "4294967296",            "-2147483649",           "2147483647",
};

static void add_num_edge(struct kv_prng *p, struct sim_req *r) {
    sim_req_add_str(r, num_edges[kv_prng_below(p, KV_ARRAY_LEN(num_edges))]);
}

static void add_value(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    uint64_t len;
    if (w->big_max >= 32 && kv_prng_chance(p, 1, 40)) { /* a counter at a limit */
        add_num_edge(p, r);
        return;
    }
    uint32_t roll = (uint32_t)kv_prng_below(p, 100);
    if (roll < 60) len = kv_prng_below(p, 9);
    else if (roll < 97) len = kv_prng_below(p, (uint64_t)w->value_max + 1);
    else len = kv_prng_below(p, w->big_max / 4 + 1);
    add_bytes(w, p, r, KV_MIN(len, w->big_max)); /* never above proto-max-bulk-len */
}

/* List elements come from a tiny alphabet so LREM, LPOS and LINSERT find them. */
static void add_elem(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const elems[] = {"a", "b", "c", "dd", "", "1", "-1"};
    if (kv_prng_chance(p, 1, 8)) add_value(w, p, r);
    else sim_req_add_str(r, elems[kv_prng_below(p, KV_ARRAY_LEN(elems))]);
}

static int64_t small_int(struct kv_prng *p) {
    static const int64_t edge[] = {0,         1,         -1,        INT64_MAX, INT64_MIN,
                                   INT64_MAX - 1, INT64_MIN + 1, 100, INT32_MAX, INT32_MIN,
                                   (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1};
    if (kv_prng_chance(p, 1, 10)) return edge[kv_prng_below(p, KV_ARRAY_LEN(edge))];
    return (int64_t)kv_prng_below(p, 41) - 20;
}

/* An integer argument, sometimes not an integer at all. */
static void add_int_arg(struct kv_prng *p, struct sim_req *r) {
    static const char *const junk[] = {"x", "1.5", "", "-", "abc1"};
    uint64_t roll = kv_prng_below(p, 50);
    if (roll == 0) sim_req_add_str(r, junk[kv_prng_below(p, KV_ARRAY_LEN(junk))]);
    else if (roll < 3) add_num_edge(p, r);
    else sim_req_add_int(r, small_int(p));
}

static bool has(const struct sim_workload *w, const char *name) {
    return w->has == NULL || w->has(w->has_ctx, name);
}

/* Picks the first name in `names` (one of n) the server has, starting at random. */
static const char *pick(const struct sim_workload *w, struct kv_prng *p,
                        const char *const *names, uint32_t n) {
    uint32_t start = (uint32_t)kv_prng_below(p, n);
    for (uint32_t i = 0; i < n; i++) {
        const char *name = names[(start + i) % n];
        if (has(w, name)) return name;
    }
    return NULL;
}

/* The command name, in a random mix of upper and lower case now and then. */
static void add_name(struct kv_prng *p, struct sim_req *r, const char *name) {
    char buf[32];
    uint32_t n = (uint32_t)strlen(name);
    KV_ASSERT(n < sizeof(buf));
    uint32_t mode = (uint32_t)kv_prng_below(p, 4);
    for (uint32_t i = 0; i < n; i++) {
        char ch = name[i];
        bool upper = mode == 1 || (mode == 2 && kv_prng_chance(p, 1, 2));
        buf[i] = (char)(upper && ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    }
    sim_req_add(r, buf, n);
}

/* An option word; now and then followed by a NUL byte and junk, which Redis's
 * strcasecmp() never sees (the argument is a C string to it). */
static void add_opt(struct kv_prng *p, struct sim_req *r, const char *name) {
    char buf[40];
    uint32_t n = (uint32_t)strlen(name);
    KV_ASSERT(n + 3 < sizeof(buf));
    if (!kv_prng_chance(p, 1, 40)) {
        add_name(p, r, name);
        return;
    }
    memcpy(buf, name, n);
    memcpy(buf + n, "\0zz", 3);
    sim_req_add(r, buf, n + (uint32_t)kv_prng_below(p, 4));
}

#define PICK(w, p, ...)                                                                    \
    pick((w), (p), (const char *const[]){__VA_ARGS__},                                     \
         (uint32_t)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* A time at an edge for option `unit`: zero, negative, in the past, where seconds
 * overflow when scaled to ms, where now + the time overflows, and one past each. */
static void add_ttl_edge(struct kv_prng *p, int64_t now_ms, struct sim_req *r,
                         const char *unit) {
    bool sec = is(unit, "ex") || is(unit, "exat");
    bool abs_time = is(unit, "exat") || is(unit, "pxat");
    int64_t scale_max = sec ? INT64_MAX / 1000 : INT64_MAX;
    int64_t edge[] = {0, -1, INT64_MIN, 1, scale_max, scale_max - 1,
                      sec ? scale_max + 1 : INT64_MAX - 1,
                      abs_time ? (sec ? now_ms / 1000 : now_ms) : INT64_MAX - now_ms,
                      abs_time ? (sec ? now_ms / 1000 - 1 : now_ms - 1)
                               : INT64_MAX - now_ms + 1,
                      sec ? (INT64_MAX - now_ms) / 1000 : INT64_MAX - now_ms - 1,
                      sec ? (INT64_MAX - now_ms) / 1000 + 1 : 2};
    uint64_t i = kv_prng_below(p, KV_ARRAY_LEN(edge) + 1);
    if (i == KV_ARRAY_LEN(edge)) add_int_arg(p, r); /* junk, or a number-like string */
    else sim_req_add_int(r, edge[i]);
}

/* A TTL for the EX/PX style option `unit` ("ex", "px", "exat", "pxat"). */
static void add_ttl(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                    struct sim_req *r, const char *unit) {
    int64_t ms = kv_prng_below(p, 100) < w->ttl_short_pct
                     ? 1 + (int64_t)kv_prng_below(p, 3000)
                     : 1000 * (1 + (int64_t)kv_prng_below(p, 40));
    if (w->real_server) ms = 100000 + 1000 * (int64_t)kv_prng_below(p, 100);
    if (kv_prng_chance(p, 1, 12) && !w->real_server) {
        add_ttl_edge(p, now_ms, r, unit);
        return;
    }
    if (is(unit, "ex")) sim_req_add_int(r, (ms + 999) / 1000);
    else if (is(unit, "px")) sim_req_add_int(r, ms);
    else if (is(unit, "exat")) sim_req_add_int(r, (now_ms + ms) / 1000 + 1);
    else sim_req_add_int(r, now_ms + ms);
}

static void gen_str_read(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "get", "strlen", "getrange", "mget", "exists", "type", "get",
                         "substr");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "getrange") || is(c, "substr")) {
        add_int_arg(p, r);
        add_int_arg(p, r);
    } else if (is(c, "mget") || is(c, "exists")) {
        for (uint64_t i = kv_prng_below(p, 5); i > 0; i--) sim_workload_key(w, p, r);
    }
}

/* SET's options in any order and combination, conflicting ones included, now and
 * then one GETEX-only (PERSIST), an unknown one, or a time option with no time. */
static void set_options(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                        struct sim_req *r) {
    static const char *const units[] = {"ex", "px", "exat", "pxat", "keepttl"};
    uint64_t n = kv_prng_chance(p, 1, 2) ? 0 : 1 + kv_prng_below(p, 4);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t roll = kv_prng_below(p, 40);
        if (roll < 12) {
            add_opt(p, r, kv_prng_chance(p, 1, 2) ? "nx" : "xx");
        } else if (roll < 20) {
            add_opt(p, r, "get");
        } else if (roll < 24) {
            add_opt(p, r, "keepttl");
        } else if (roll == 24) {
            add_opt(p, r, kv_prng_chance(p, 1, 2) ? "persist" : "ttl");
        } else if (roll == 25 && i + 1 == n) {
            add_opt(p, r, units[kv_prng_below(p, 4)]); /* and no time: syntax error */
        } else {
            const char *u = units[kv_prng_below(p, 4)];
            add_opt(p, r, u);
            add_ttl(w, p, now_ms, r, u);
        }
    }
}

static void gen_str_write(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                          struct sim_req *r) {
    const char *c = PICK(w, p, "set", "set", "set", "setnx", "setex", "psetex", "getset",
                         "getdel", "getex", "mset", "msetnx", "append", "setrange");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "setex") || is(c, "psetex")) add_ttl(w, p, now_ms, r, is(c, "setex") ? "ex" : "px");
    if (is(c, "setrange")) { /* mostly small offsets; now and then negative, past
                              * proto-max-bulk-len (with the value) or not a number */
        if (kv_prng_chance(p, 1, 10)) {
            int64_t far = (int64_t)w->big_max - (int64_t)kv_prng_below(p, 3);
            if (kv_prng_chance(p, 1, 2)) add_int_arg(p, r);
            else sim_req_add_int(r, kv_prng_chance(p, 1, 2) ? far : -1);
        } else {
            sim_req_add_int(r, (int64_t)kv_prng_below(p, w->value_max + 2));
        }
    }
    if (is(c, "mset") || is(c, "msetnx")) {
        add_value(w, p, r);
        for (uint64_t i = kv_prng_below(p, 4); i > 0; i--) {
            sim_workload_key(w, p, r);
            add_value(w, p, r);
        }
        if (kv_prng_chance(p, 1, 20)) sim_workload_key(w, p, r); /* odd: arity error */
        return;
    }
    if (is(c, "getdel")) return;
    if (is(c, "getex")) { /* GETEX's options, conflicting ones and SET-only ones too */
        static const char *const opts[] = {"ex", "px", "exat", "pxat", "persist", "persist",
                                           "keepttl", "nx", "get"};
        uint64_t n = kv_prng_chance(p, 1, 3) ? 0 : kv_prng_chance(p, 3, 4) ? 1 : 2;
        for (uint64_t i = 0; i < n; i++) {
            const char *o = opts[kv_prng_below(p, KV_ARRAY_LEN(opts))];
            add_opt(p, r, o);
            bool timed = is(o, "ex") || is(o, "px") || is(o, "exat") || is(o, "pxat");
            if (timed && kv_prng_below(p, 5) < 4) add_ttl(w, p, now_ms, r, o); /* else none */
        }
        return;
    }
    add_value(w, p, r);
    if (is(c, "set")) set_options(w, p, now_ms, r);
}

/* A 5119..5121-byte decimal: at Redis's MAX_LONG_DOUBLE_CHARS, one past and under. */
static void add_long_float(struct kv_prng *p, struct sim_req *r) {
    uint32_t n = 5119 + (uint32_t)kv_prng_below(p, 3);
    char *s = malloc(n);
    KV_ASSERT(s != NULL);
    memset(s, '0', n);
    s[n - 1] = '1';
    if (kv_prng_chance(p, 1, 2)) s[1] = '.';
    sim_req_add(r, s, n);
    free(s);
}

/* INCRBYFLOAT's increment: plain and exponent forms, long double's range edges
 * (overflow, underflow to 0, subnormal), inf/nan, hex, spaces, junk. */
static void add_float_arg(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const f[] = {
        "0.1",     "-0.1",    "1.5e3",   "1e400",   "-1e400",  "1.18e4932", "1e4933",
        "1e-5000", "1e-4940", "inf",     "-inf",    "nan",     " 1",        "1 ",
        "0x10",    "3.0e-20", "-0",      "",        "abc",     "1e",        "+.5",
        "5.",      "-3",      "10",      "0.00001", "1.0",     "12345678901234567890",
    };
    uint64_t roll = kv_prng_below(p, 20);
    if (roll == 0 && w->big_max >= 6000) add_long_float(p, r);
    else if (roll < 4) add_int_arg(p, r);
    else sim_req_add_str(r, f[kv_prng_below(p, KV_ARRAY_LEN(f))]);
}

static void gen_counter(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "incr", "decr", "incrby", "decrby", "incr");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "incrby") || is(c, "decrby")) add_int_arg(p, r);
}

/* COPY's options in any order: REPLACE, DB (0, another, junk, no value), junk. */
static void copy_options(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    for (uint64_t i = kv_prng_chance(p, 1, 2) ? 0 : 1 + kv_prng_below(p, 2); i > 0; i--) {
        uint64_t roll = kv_prng_below(p, 10);
        if (roll < 5) {
            add_opt(p, r, "replace");
        } else if (roll < 9) {
            add_opt(p, r, "db");
            if (kv_prng_chance(p, 1, 8)) return; /* DB with no value: syntax error */
            if (w->real_server || kv_prng_chance(p, 2, 3)) sim_req_add_int(r, 0);
            else add_int_arg(p, r);
        } else {
            add_opt(p, r, "x");
        }
    }
}

static void gen_keys(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "del", "unlink", "rename", "renamenx", "touch", "exists",
                         "randomkey", "dbsize", "del");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping") || is(c, "randomkey") || is(c, "dbsize")) return;
    sim_workload_key(w, p, r);
    if (is(c, "rename") || is(c, "renamenx")) {
        sim_workload_key(w, p, r);
        return;
    }
    for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) sim_workload_key(w, p, r);
}

static void gen_ttl(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                    struct sim_req *r) {
    static const char *const flags[] = {"nx", "xx", "gt", "lt", "zz"};
    const char *c = PICK(w, p, "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl",
                         "expiretime", "pexpiretime", "persist", "expire", "pttl");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    const char *unit = is(c, "expire") ? "ex" : is(c, "pexpire") ? "px"
                     : is(c, "expireat") ? "exat" : is(c, "pexpireat") ? "pxat" : NULL;
    if (unit == NULL) return;
    add_ttl(w, p, now_ms, r, unit);
    uint32_t choices = KV_ARRAY_LEN(flags) - (kv_prng_chance(p, 1, 10) ? 0 : 1); /* "zz" rarely */
    for (uint64_t i = kv_prng_chance(p, 1, 3) ? 1 + kv_prng_below(p, 2) : 0; i > 0; i--)
        add_opt(p, r, flags[kv_prng_below(p, choices)]);
}

static void gen_list_push(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "lpush", "rpush", "lpushx", "rpushx", "rpush", "lpush");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    for (uint64_t i = 1 + kv_prng_below(p, w->list_elems_max); i > 0; i--) add_elem(w, p, r);
}

/* A blocking pop's timeout: mostly a few ms to 300 ms (never 0: a client blocked
 * forever with nobody pushing would never drain), at times an invalid one. */
static void add_block_timeout(struct kv_prng *p, struct sim_req *r) {
    static const char *const bad[] = {"-1", "x", "nan", "-0.5", "1e400"};
    if (kv_prng_chance(p, 1, 25)) {
        sim_req_add_str(r, bad[kv_prng_below(p, KV_ARRAY_LEN(bad))]);
        return;
    }
    char t[32];
    uint64_t ms = 1 + kv_prng_below(p, kv_prng_chance(p, 1, 4) ? 300 : 30);
    snprintf(t, sizeof(t), "%llu.%03llu", (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000));
    sim_req_add_str(r, t);
}

/* BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP on the workload's keys: others' pushes wake
 * them, or they time out (sim_model_block.c checks which, and when). */
static void gen_list_block(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r,
                           const char *c) {
    add_name(p, r, c);
    if (is(c, "blmpop")) {
        uint64_t n = 1 + kv_prng_below(p, 3);
        add_block_timeout(p, r);
        sim_req_add_int(r, (int64_t)n);
        for (uint64_t i = 0; i < n; i++) sim_workload_key(w, p, r);
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "left" : "right");
        if (kv_prng_chance(p, 1, 2)) {
            add_name(p, r, "count");
            sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, 4));
        }
        return;
    }
    uint64_t keys = is(c, "blpop") || is(c, "brpop") ? 1 + kv_prng_below(p, 3) : 2;
    for (uint64_t i = 0; i < keys; i++) sim_workload_key(w, p, r);
    if (is(c, "blmove")) {
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "left" : "right");
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "left" : "right");
    }
    add_block_timeout(p, r);
}

static void gen_list_pop(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    if (!w->no_block && kv_prng_chance(p, 1, 3)) {
        const char *b = PICK(w, p, "blpop", "brpop", "blmove", "brpoplpush", "blmpop");
        if (b != NULL) {
            gen_list_block(w, p, r, b);
            return;
        }
    }
    const char *c = PICK(w, p, "lpop", "rpop", "lmpop", "rpoplpush", "lmove", "lpop", "rpop");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    if (is(c, "lmpop")) {
        uint64_t n = 1 + kv_prng_below(p, 3);
        sim_req_add_int(r, kv_prng_chance(p, 1, 20) ? 0 : (int64_t)n);
        for (uint64_t i = 0; i < n; i++) sim_workload_key(w, p, r);
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "left" : "right");
        if (kv_prng_chance(p, 1, 2)) {
            add_name(p, r, "count");
            sim_req_add_int(r, (int64_t)kv_prng_below(p, 6));
        }
        return;
    }
    sim_workload_key(w, p, r);
    if (is(c, "rpoplpush") || is(c, "lmove")) sim_workload_key(w, p, r);
    if (is(c, "lmove")) {
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "left" : "right");
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "left" : "right");
    }
    if ((is(c, "lpop") || is(c, "rpop")) && kv_prng_chance(p, 1, 2)) {
        if (kv_prng_chance(p, 1, 10)) add_int_arg(p, r);
        else sim_req_add_int(r, (int64_t)kv_prng_below(p, 8));
    }
}

static void gen_list_read(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "lrange", "llen", "lindex", "lpos", "lrange");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "lrange")) {
        sim_req_add_int(r, (int64_t)kv_prng_below(p, 10) - 5);
        sim_req_add_int(r, kv_prng_chance(p, 1, 2) ? -1 : (int64_t)kv_prng_below(p, 20) - 5);
    } else if (is(c, "lindex")) {
        add_int_arg(p, r);
    } else if (is(c, "lpos")) {
        add_elem(w, p, r);
        static const char *const opts[] = {"rank", "count", "maxlen"};
        for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) {
            add_name(p, r, opts[kv_prng_below(p, 3)]);
            sim_req_add_int(r, (int64_t)kv_prng_below(p, 7) - 2);
        }
    }
}

static void gen_list_edit(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "lrem", "ltrim", "lset", "linsert");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "lrem")) {
        sim_req_add_int(r, (int64_t)kv_prng_below(p, 7) - 3);
        add_elem(w, p, r);
    } else if (is(c, "ltrim")) {
        sim_req_add_int(r, (int64_t)kv_prng_below(p, 6) - 2);
        sim_req_add_int(r, (int64_t)kv_prng_below(p, 30) - 3);
    } else if (is(c, "lset")) {
        add_int_arg(p, r);
        add_elem(w, p, r);
    } else {
        add_name(p, r, kv_prng_chance(p, 10, 11) ? (kv_prng_chance(p, 1, 2) ? "before" : "after")
                                                 : "middle");
        add_elem(w, p, r);
        add_elem(w, p, r);
    }
}

/* CLIENT ID/GETNAME/SETNAME (names with spaces, empty, at and past 64 bytes), KILL
 * with names for addresses and options (no client matches; a syntax error),
 * unknown subcommands, a missing or extra argument. */
static void gen_client(struct kv_prng *p, struct sim_req *r) {
    static const char *const subs[] = {"id", "getname", "setname", "setname", "kill"};
    static const char *const names[] = {"n1", "a b", "", "x\x01", "~!", "Z"};
    const char *sub = subs[kv_prng_below(p, KV_ARRAY_LEN(subs))];
    add_name(p, r, sub);
    bool set = is(sub, "setname");
    uint64_t extra = kv_prng_chance(p, 1, 8) ? (set ? 0 : 1 + kv_prng_below(p, 2)) : set;
    if (set && kv_prng_chance(p, 1, 10)) extra = 2;
    for (uint64_t i = 0; i < extra; i++) {
        if (kv_prng_chance(p, 1, 5)) {
            char name[66];
            uint32_t n = 63 + (uint32_t)kv_prng_below(p, 3);
            memset(name, 'x', n);
            sim_req_add(r, name, n);
        } else {
            sim_req_add_str(r, names[kv_prng_below(p, KV_ARRAY_LEN(names))]);
        }
    }
}

/* CONFIG GET with globs over kv's answered names, CONFIG SET and others refused;
 * COMMAND COUNT (with an extra argument now and then), COMMAND DOCS of a name kv
 * lacks (the docs themselves are Redis's data: tests/diff_cases.py compares them). */
static void gen_introspect(struct kv_prng *p, struct sim_req *r, const char *c) {
    static const char *const pats[] = {"*", "max*", "maxmemory", "save", "databases",
                                       "nothing", "*s", "?ave", "appendonly", "maxclients",
                                       "*e*", "[ms]a*"};
    if (is(c, "config")) {
        uint64_t roll = kv_prng_below(p, 10);
        add_name(p, r, roll < 7 ? "get" : roll < 9 ? "set" : "rewrite");
        uint64_t n = kv_prng_chance(p, 1, 10) ? kv_prng_below(p, 3) * 2 : 1;
        for (uint64_t i = 0; i < n; i++)
            sim_req_add_str(r, pats[kv_prng_below(p, KV_ARRAY_LEN(pats))]);
        return;
    }
    uint64_t roll = kv_prng_below(p, 6);
    add_name(p, r, roll < 4 ? "count" : "docs");
    if (roll >= 3) sim_req_add_str(r, "nosuch"); /* DOCS: names kv lacks */
}

/* ROLE, RESET, OBJECT, MEMORY, SLOWLOG and LATENCY (cmd_admin.c) with their edges:
 * unknown and missing subcommands, wrong counts, SAMPLES values. */
static void gen_admin(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const object_subs[] = {"encoding", "refcount", "idletime", "freq",
                                              "help", "nosuch"};
    static const char *const memory_subs[] = {"stats", "doctor", "malloc-stats", "purge"};
    uint64_t roll = kv_prng_below(p, 8);
    if (roll == 0) {
        add_name(p, r, kv_prng_chance(p, 1, 2) ? "role" : "reset");
        if (kv_prng_chance(p, 1, 20)) sim_workload_key(w, p, r); /* arity */
        return;
    }
    if (roll == 7 && kv_prng_chance(p, 1, 2)) { /* LATENCY: sim_model_admin.c */
        static const char *const subs[] = {"latest", "history", "reset", "graph", "doctor",
                                           "histogram", "help", "x"};
        static const char *const names[] = {"command", "fast-command", "expire-cycle",
                                            "eviction-cycle", "x", "get", "set", "config"};
        add_name(p, r, "latency");
        add_opt(p, r, subs[kv_prng_below(p, KV_ARRAY_LEN(subs))]);
        for (uint64_t n = kv_prng_below(p, 3), i = 0; i < n; i++)
            add_opt(p, r, names[kv_prng_below(p, KV_ARRAY_LEN(names))]);
        return;
    }
    if (roll == 7) { /* SLOWLOG */
        static const char *const subs[] = {"get", "get", "len", "reset", "help", "x"};
        add_name(p, r, "slowlog");
        const char *sub = subs[kv_prng_below(p, KV_ARRAY_LEN(subs))];
        add_opt(p, r, sub);
        if (is(sub, "get") && kv_prng_chance(p, 1, 2))
            sim_req_add_int(r, (int64_t)kv_prng_below(p, 24) - 2);
        if (kv_prng_chance(p, 1, 20)) sim_req_add_int(r, 1); /* arity */
        return;
    }
    bool object = roll < 5;
    add_name(p, r, object ? "object" : "memory");
    if (kv_prng_chance(p, 1, 30)) return; /* no subcommand */
    const char *sub = object ? object_subs[kv_prng_below(p, KV_ARRAY_LEN(object_subs))]
                             : kv_prng_chance(p, 1, 8) ? (kv_prng_chance(p, 1, 2) ? "help" : "x")
                             : kv_prng_chance(p, 1, 4) ? memory_subs[kv_prng_below(p, 4)]
                                                       : "usage";
    add_opt(p, r, sub);
    bool bare = is(sub, "help") || is(sub, "stats") || is(sub, "doctor") ||
                is(sub, "malloc-stats") || is(sub, "purge");
    if (!bare || kv_prng_chance(p, 1, 10)) sim_workload_key(w, p, r);
    if (kv_prng_chance(p, 1, 10)) sim_workload_key(w, p, r); /* too many */
    if (is(sub, "usage") && kv_prng_chance(p, 1, 3)) {
        add_opt(p, r, kv_prng_chance(p, 4, 5) ? "samples" : "x");
        if (kv_prng_chance(p, 4, 5)) sim_req_add_int(r, (int64_t)kv_prng_below(p, 12) - 2);
    }
}

/* The newer commands (w->newer_pct of requests): COPY, INCRBYFLOAT, and kv's own
 * answers to CLIENT, CONFIG and COMMAND (not against a real server: one database,
 * fixed limits, no docs). */
static void gen_newer(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = w->real_server ? PICK(w, p, "copy", "incrbyfloat")
                                   : PICK(w, p, "copy", "incrbyfloat", "incrbyfloat", "client",
                                          "config", "command", "info");
    if (c == NULL) c = "ping";
    if (is(c, "info") && kv_prng_chance(p, 1, 2)) {
        gen_admin(w, p, r);
        return;
    }
    add_name(p, r, c);
    if (is(c, "ping")) return;
    if (is(c, "info")) { /* sections in any mix: the text's layout is checked */
        static const char *const sections[] = {"server", "clients", "memory", "stats",
                                               "keyspace", "all", "default", "everything",
                                               "nosuch", "Server"};
        for (uint64_t i = kv_prng_below(p, 4); i > 0; i--)
            add_opt(p, r, sections[kv_prng_below(p, KV_ARRAY_LEN(sections))]);
        return;
    }
    if (is(c, "client")) {
        gen_client(p, r);
    } else if (is(c, "config") || is(c, "command")) {
        gen_introspect(p, r, c);
    } else {
        sim_workload_key(w, p, r);
        if (is(c, "incrbyfloat")) {
            add_float_arg(w, p, r);
        } else {
            sim_workload_key(w, p, r);
            copy_options(w, p, r);
        }
    }
}

/* Server and connection commands with their argument edges; the transaction
 * words with arguments (arity errors: EXEC's becomes EXECABORT). */
static void gen_server(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "ping", "echo", "time", "info", "select", "unwatch", "ping",
                         "dbsize", "flushdb", "exec", "discard", "multi", "unwatch", "time");
    if (c == NULL) c = "ping";
    bool flush = is(c, "flushdb") && has(w, "flushall");
    if (is(c, "flushdb") && !flush) c = "ping";
    if (flush && kv_prng_chance(p, 1, 2)) c = "flushall";
    add_name(p, r, c);
    if (is(c, "echo") || (is(c, "ping") && kv_prng_chance(p, 1, 3))) add_value(w, p, r);
    if (is(c, "ping") && kv_prng_chance(p, 1, 20)) add_value(w, p, r); /* too many */
    bool other_db = !w->real_server && kv_prng_chance(p, 1, 5);
    if (is(c, "select")) {
        if (other_db && kv_prng_chance(p, 1, 2)) add_int_arg(p, r);
        else sim_req_add_int(r, other_db ? small_int(p) : 0);
    }
    if (is(c, "info") && kv_prng_chance(p, 1, 2)) add_name(p, r, "keyspace");
    if (flush && !kv_prng_chance(p, 2, 3)) {
        static const char *const modes[] = {"async", "sync", "ASYNC", "lazy", ""};
        add_opt(p, r, modes[kv_prng_below(p, KV_ARRAY_LEN(modes))]);
        if (kv_prng_chance(p, 1, 4)) add_name(p, r, "sync"); /* one too many */
    }
    bool word = is(c, "exec") || is(c, "discard") || is(c, "multi") || is(c, "unwatch") ||
                is(c, "time") || is(c, "dbsize");
    /* Arity errors; MULTI only so (a bare one would open a transaction its client
     * does not know about, which keeps its frames until the connection ends). */
    if (word && (is(c, "multi") || kv_prng_chance(p, 1, 3))) add_name(p, r, "x");
}

/* A glob: a fixed edge (empty, only stars, escapes, ranges either way round,
 * negated and unterminated classes) or a random one over glob's special bytes. */
static void add_pattern(struct kv_prng *p, struct sim_req *r) {
    static const char *const pats[] = {
        "*",      "k1*",    "k?",     "k[0-3]",  "nothing*", "",      "**",     "?",
        "*?",     "k*1",    "*1*",    "k[3-0]*", "k[^0-3]",  "k[^]",  "k[1",    "k[",
        "k\\*", "k\\",  "\\k1", "k[\\]]", "[]",      "k[a-]", "[k]",    "k\\1",
        "K1",     "k[!1]",  "*[",     "?*?",     "k1 x",     "[^k]*", "k[*]",   "\\*",
    };
    if (!kv_prng_chance(p, 1, 4)) {
        sim_req_add_str(r, pats[kv_prng_below(p, KV_ARRAY_LEN(pats))]);
        return;
    }
    static const char alphabet[] = "k1320*?[]^-\\ ";
    char pat[12];
    uint32_t n = (uint32_t)kv_prng_below(p, sizeof(pat));
    for (uint32_t i = 0; i < n; i++) pat[i] = alphabet[kv_prng_below(p, sizeof(alphabet) - 1)];
    sim_req_add(r, pat, n);
}

/* SCAN's cursor: mostly one a previous call could return, sometimes junk. */
static void add_cursor(struct kv_prng *p, struct sim_req *r) {
    static const char *const odd[] = {"-1", "+3", "abc", "", "18446744073709551615",
                                      "18446744073709551616", " 1", "1 ", "00", "0x1"};
    if (kv_prng_chance(p, 1, 10)) sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 4) * (int64_t)kv_prng_below(p, 64));
}

/* SCAN's options: MATCH, COUNT (edges too) and TYPE, repeated, in any order,
 * sometimes an unknown one or one without its value. */
static void scan_options(struct kv_prng *p, struct sim_req *r) {
    static const char *const types[] = {"string", "list", "LIST", "String", "none", "hash", "",
                                        "strin"};
    static const int64_t counts[] = {0, -1, 1, 2, INT64_MAX, 1000000, INT64_MIN};
    for (uint64_t i = kv_prng_below(p, 4); i > 0; i--) {
        uint64_t roll = kv_prng_below(p, 20);
        if (roll < 7) {
            add_opt(p, r, "match");
            add_pattern(p, r);
        } else if (roll < 13) {
            add_opt(p, r, "count");
            if (kv_prng_chance(p, 1, 4)) {
                if (kv_prng_chance(p, 1, 3)) add_int_arg(p, r);
                else sim_req_add_int(r, counts[kv_prng_below(p, KV_ARRAY_LEN(counts))]);
            } else {
                sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, 20));
            }
        } else if (roll < 18) {
            add_opt(p, r, "type");
            add_opt(p, r, types[kv_prng_below(p, KV_ARRAY_LEN(types))]);
        } else if (roll == 18) {
            add_opt(p, r, kv_prng_chance(p, 1, 2) ? "limit" : "match"); /* no value */
            if (kv_prng_chance(p, 1, 2)) sim_req_add_str(r, "1");
            return;
        } else {
            add_opt(p, r, kv_prng_chance(p, 1, 2) ? "count" : "type"); /* last, no value */
            return;
        }
    }
}

static void gen_scan(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "keys", "scan", "scan");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    if (is(c, "keys")) {
        add_pattern(p, r);
        return;
    }
    add_cursor(p, r);
    scan_options(p, r);
}

static void gen_errors(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    uint64_t roll = kv_prng_below(p, 4);
    if (roll == 0) {
        add_name(p, r, "nosuchcmd");
        for (uint64_t i = kv_prng_below(p, 4); i > 0; i--) add_value(w, p, r);
    } else if (roll == 1) {
        add_name(p, r, has(w, "get") ? "get" : "echo"); /* no key: arity error */
    } else if (roll == 2) {
        const char *c = PICK(w, p, "lpush", "incr", "append", "lrange", "strlen");
        add_name(p, r, c != NULL ? c : "echo");
        sim_workload_key(w, p, r); /* often the wrong type for the key */
        if (c != NULL && (is(c, "lpush") || is(c, "append"))) add_elem(w, p, r);
        if (c != NULL && is(c, "lrange")) {
            sim_req_add_int(r, 0);
            sim_req_add_int(r, -1);
        }
    } else {
        add_name(p, r, has(w, "set") ? "set" : "echo");
        sim_workload_key(w, p, r);
        if (!has(w, "set")) return;
        add_value(w, p, r);
        add_name(p, r, "ex"); /* missing or bad argument */
        if (kv_prng_chance(p, 1, 2)) add_int_arg(p, r);
    }
}

/*
 * Filling (fill_pct): MSET of up to 31 small values over consecutive keys of the key
 * set (sized so that the set holds about maxmemory), so that thousands of
 * small keys fill and fragment the data region before a
 * big value needs one block (issue 18 item 7: evicting 1,024 of them was not enough);
 * or, one time in four, SET of a key 64..8192 bytes long with a TTL of at most 3 s,
 * so that KEYS and SCAN see key bytes beyond the query limit that a pattern skips
 * (item 8: a reply sized from every key, not the matching ones, was refused).
 */
static void gen_fill(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    if (kv_prng_chance(p, 1, 4) && w->big_max >= 128 && has(w, "set")) {
        add_name(p, r, "set");
        add_bytes(w, p, r, 64 + kv_prng_below(p, KV_MIN(w->big_max, 8192u) - 63));
        add_bytes(w, p, r, kv_prng_below(p, 16));
        add_name(p, r, "px");
        sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, 3000));
        return;
    }
    add_name(p, r, has(w, "mset") ? "mset" : "ping");
    if (!has(w, "mset")) return;
    /* The request stays within big_max bytes, as every generated request does. */
    uint32_t vmax = (uint32_t)KV_MIN(KV_MAX(w->fill_value_max, 1u), w->big_max / 2);
    uint64_t most = KV_MAX(1, KV_MIN((SIM_ARGC_MAX - 1) / 2, w->big_max / (vmax + 32)));
    uint32_t pairs = 1 + (uint32_t)kv_prng_below(p, most);
    uint32_t k = (uint32_t)kv_prng_below(p, w->key_count);
    for (uint32_t i = 0; i < pairs; i++) {
        char name[24];
        int n = snprintf(name, sizeof(name), "k%u", (k + i) % w->key_count);
        sim_req_add(r, name, (uint32_t)n);
        add_bytes(w, p, r, 1 + kv_prng_below(p, vmax));
    }
}

static void gen_big(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "set", "rpush", "append", "get", "lrange", "echo");
    if (c == NULL) c = "echo";
    add_name(p, r, c);
    uint64_t len = w->big_max / 2 + kv_prng_below(p, w->big_max / 2 + 1);
    if (is(c, "echo")) {
        add_bytes(w, p, r, len);
        return;
    }
    sim_workload_key(w, p, r);
    if (is(c, "get")) return;
    if (is(c, "lrange")) {
        sim_req_add_int(r, 0);
        sim_req_add_int(r, -1);
        return;
    }
    add_bytes(w, p, r, is(c, "rpush") ? len / 2 : len);
    if (is(c, "rpush")) add_bytes(w, p, r, len / 2);
}

/* Pub/sub (w->pubsub_pct of requests): a few channels and patterns that overlap, a
 * name longer than small pubsub-max-channel-len draws, PUBLISH most often. */
static void add_channel(struct kv_prng *p, struct sim_req *r, bool pattern) {
    static const char *const chans[] = {"ch0", "ch1", "ch2", "news", "news.eu", "c"};
    static const char *const pats[] = {"ch*", "ch[01]", "n*", "*", "news.*", "?h?", "c"};
    if (kv_prng_chance(p, 1, 20)) {
        char name[80];
        uint32_t n = 20 + (uint32_t)kv_prng_below(p, 60);
        memset(name, pattern ? '*' : 'l', n);
        sim_req_add(r, name, n);
        return;
    }
    if (pattern) sim_req_add_str(r, pats[kv_prng_below(p, KV_ARRAY_LEN(pats))]);
    else sim_req_add_str(r, chans[kv_prng_below(p, KV_ARRAY_LEN(chans))]);
}

static void gen_pubsub(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const subs[] = {"channels", "numsub", "numpat", "help", "shardchannels",
                                       "shardnumsub", "nope"};
    uint64_t x = kv_prng_below(p, 100);
    bool pattern = kv_prng_chance(p, 1, 2);
    if (x < 20) {
        add_name(p, r, pattern ? "psubscribe" : "subscribe");
        for (uint64_t i = 1 + kv_prng_below(p, 3); i > 0; i--) add_channel(p, r, pattern);
    } else if (x < 40) {
        add_name(p, r, pattern ? "punsubscribe" : "unsubscribe");
        for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) add_channel(p, r, pattern);
    } else if (x < 90) {
        add_name(p, r, "publish");
        add_channel(p, r, false);
        add_value(w, p, r);
    } else {
        add_name(p, r, "pubsub");
        sim_req_add_str(r, subs[kv_prng_below(p, KV_ARRAY_LEN(subs))]);
        for (uint64_t i = kv_prng_below(p, 3); i > 0; i--)
            add_channel(p, r, kv_prng_chance(p, 1, 2));
    }
}

void sim_workload_next(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                       struct sim_req *r) {
    KV_ASSERT(w->weight_total > 0);
    sim_req_reset(r);
    /* Drawn only when on, so seeds without them keep their streams. */
    if (w->newer_pct > 0 && kv_prng_below(p, 100) < w->newer_pct) {
        gen_newer(w, p, r);
        return;
    }
    if (w->fill_pct > 0 && kv_prng_below(p, 1000) < w->fill_pct) {
        gen_fill(w, p, r);
        return;
    }
    if (w->hs_pct > 0 && kv_prng_below(p, 100) < w->hs_pct) {
        sim_workload_hs(w, p, r);
        return;
    }
    if (w->pubsub_pct > 0 && kv_prng_below(p, 100) < w->pubsub_pct) {
        gen_pubsub(w, p, r);
        return;
    }
    if (w->z_pct > 0 && kv_prng_below(p, 100) < w->z_pct) {
        sim_workload_zset(w, p, r);
        return;
    }
    if (w->x_pct > 0 && kv_prng_below(p, 100) < w->x_pct) {
        sim_workload_stream(w, p, now_ms, r);
        return;
    }
    uint64_t x = kv_prng_below(p, w->weight_total);
    uint32_t f = 0;
    while (f + 1 < SIM_FAM_COUNT && x >= w->weight[f]) x -= w->weight[f++];
    switch ((enum sim_family)f) {
    case SIM_FAM_STRING_READ: gen_str_read(w, p, r); break;
    case SIM_FAM_STRING_WRITE: gen_str_write(w, p, now_ms, r); break;
    case SIM_FAM_COUNTER: gen_counter(w, p, r); break;
    case SIM_FAM_KEYS: gen_keys(w, p, r); break;
    case SIM_FAM_TTL: gen_ttl(w, p, now_ms, r); break;
    case SIM_FAM_LIST_PUSH: gen_list_push(w, p, r); break;
    case SIM_FAM_LIST_POP: gen_list_pop(w, p, r); break;
    case SIM_FAM_LIST_READ: gen_list_read(w, p, r); break;
    case SIM_FAM_LIST_EDIT: gen_list_edit(w, p, r); break;
    case SIM_FAM_SERVER: gen_server(w, p, r); break;
    case SIM_FAM_SCAN: gen_scan(w, p, r); break;
    case SIM_FAM_ERRORS: gen_errors(w, p, r); break;
    case SIM_FAM_BIG: gen_big(w, p, r); break;
    case SIM_FAM_FLUSH:
        add_name(p, r, has(w, "flushall") ? "flushall" : "ping");
        break;
    default: KV_UNREACHABLE();
    }
    KV_ASSERT(r->argc >= 1 && r->argc <= SIM_ARGC_MAX);
}

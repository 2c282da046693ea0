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
    KV_ASSERT(n > 0);
    return (uint32_t)KV_MIN((uint32_t)n, cap - 1);
}

/* ---- values and keys ------------------------------------------------------ */

void sim_workload_key(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    char name[24];
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

static void add_value(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    uint64_t len;
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
    static const int64_t edge[] = {0, 1, -1, INT64_MAX, INT64_MIN, INT64_MAX - 1, 100};
    if (kv_prng_chance(p, 1, 10)) return edge[kv_prng_below(p, KV_ARRAY_LEN(edge))];
    return (int64_t)kv_prng_below(p, 41) - 20;
}

/* An integer argument, sometimes not an integer at all. */
static void add_int_arg(struct kv_prng *p, struct sim_req *r) {
    static const char *const junk[] = {"x",  "1.5", "",  " 1",
                                       "+1", "01",  "-0", "99999999999999999999"};
    if (kv_prng_chance(p, 1, 25)) sim_req_add_str(r, junk[kv_prng_below(p, KV_ARRAY_LEN(junk))]);
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

#define PICK(w, p, ...)                                                                    \
    pick((w), (p), (const char *const[]){__VA_ARGS__},                                     \
         (uint32_t)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* A TTL for the EX/PX style option `unit` ("ex", "px", "exat", "pxat"). */
static void add_ttl(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                    struct sim_req *r, const char *unit) {
    int64_t ms = kv_prng_below(p, 100) < w->ttl_short_pct
                     ? 1 + (int64_t)kv_prng_below(p, 3000)
                     : 1000 * (1 + (int64_t)kv_prng_below(p, 40));
    if (w->real_server) ms = 100000 + 1000 * (int64_t)kv_prng_below(p, 100);
    if (kv_prng_chance(p, 1, 30) && !w->real_server) {
        add_int_arg(p, r); /* zero, negative, huge or not a number */
        return;
    }
    if (is(unit, "ex")) sim_req_add_int(r, (ms + 999) / 1000);
    else if (is(unit, "px")) sim_req_add_int(r, ms);
    else if (is(unit, "exat")) sim_req_add_int(r, (now_ms + ms) / 1000 + 1);
    else sim_req_add_int(r, now_ms + ms);
}

static void gen_str_read(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "get", "strlen", "getrange", "mget", "exists", "type", "get");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "getrange")) {
        add_int_arg(p, r);
        add_int_arg(p, r);
    } else if (is(c, "mget") || is(c, "exists")) {
        for (uint64_t i = kv_prng_below(p, 5); i > 0; i--) sim_workload_key(w, p, r);
    }
}

static void set_options(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                        struct sim_req *r) {
    static const char *const units[] = {"ex", "px", "exat", "pxat", "keepttl"};
    uint64_t n = kv_prng_chance(p, 1, 2) ? 0 : 1 + kv_prng_below(p, 3);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t roll = kv_prng_below(p, 10);
        if (roll < 3) {
            add_name(p, r, kv_prng_chance(p, 1, 2) ? "nx" : "xx");
        } else if (roll < 5) {
            add_name(p, r, "get");
        } else {
            const char *u = units[kv_prng_below(p, KV_ARRAY_LEN(units))];
            add_name(p, r, u);
            if (!is(u, "keepttl")) add_ttl(w, p, now_ms, r, u);
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
    if (is(c, "setrange")) sim_req_add_int(r, (int64_t)kv_prng_below(p, w->value_max + 2));
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
    if (is(c, "getex")) {
        static const char *const opts[] = {"ex", "px", "exat", "pxat", "persist"};
        if (kv_prng_chance(p, 1, 3)) return;
        const char *o = opts[kv_prng_below(p, KV_ARRAY_LEN(opts))];
        add_name(p, r, o);
        if (!is(o, "persist")) add_ttl(w, p, now_ms, r, o);
        return;
    }
    add_value(w, p, r);
    if (is(c, "set")) set_options(w, p, now_ms, r);
}

static void gen_counter(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "incr", "decr", "incrby", "decrby", "incr");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    if (is(c, "incrby") || is(c, "decrby")) add_int_arg(p, r);
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
        add_name(p, r, flags[kv_prng_below(p, choices)]);
}

static void gen_list_push(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "lpush", "rpush", "lpushx", "rpushx", "rpush", "lpush");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    sim_workload_key(w, p, r);
    for (uint64_t i = 1 + kv_prng_below(p, w->list_elems_max); i > 0; i--) add_elem(w, p, r);
}

static void gen_list_pop(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
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

static void gen_server(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    const char *c = PICK(w, p, "ping", "echo", "time", "info", "select", "unwatch", "ping");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "echo") || (is(c, "ping") && kv_prng_chance(p, 1, 3))) add_value(w, p, r);
    bool other_db = !w->real_server && kv_prng_chance(p, 1, 5);
    if (is(c, "select")) sim_req_add_int(r, other_db ? small_int(p) : 0);
    if (is(c, "info") && kv_prng_chance(p, 1, 2)) add_name(p, r, "keyspace");
}

static void gen_scan(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const pats[] = {"*", "k1*", "k?", "k[0-3]", "nothing*"};
    const char *c = PICK(w, p, "keys", "scan");
    if (c == NULL) c = "ping";
    add_name(p, r, c);
    if (is(c, "ping")) return;
    if (is(c, "keys")) {
        sim_req_add_str(r, pats[kv_prng_below(p, KV_ARRAY_LEN(pats))]);
        return;
    }
    sim_req_add_int(r, (int64_t)kv_prng_below(p, 4) * (int64_t)kv_prng_below(p, 64));
    if (kv_prng_chance(p, 1, 2)) {
        add_name(p, r, "match");
        sim_req_add_str(r, pats[kv_prng_below(p, KV_ARRAY_LEN(pats))]);
    }
    if (kv_prng_chance(p, 1, 2)) {
        add_name(p, r, "count");
        sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, 20));
    }
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

void sim_workload_next(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                       struct sim_req *r) {
    KV_ASSERT(w->weight_total > 0);
    sim_req_reset(r);
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

/*
 * sim_workload_hs.c: the workload's hash and set commands (issue 21), mixed with the
 * other families on the same keys (so WRONGTYPE meets every command), drawn only
 * when the seed turned them on (w->hs_pct > 0: `--types=hash,set`, sim_types.c) and
 * only the commands the server has. Fields, members and values come from small
 * alphabets so commands find what earlier ones wrote; lengths at and one past
 * hash-max-listpack-value (w->hs_value_edge) and integer members (intsets) make the
 * encodings convert. Test code: heap allowed.
 */
#include <stdio.h>
#include <string.h>

#include "sim_workload.h"

static void add_case(struct kv_prng *p, struct sim_req *r, const char *name) {
    char buf[32];
    uint32_t n = (uint32_t)strlen(name);
    KV_ASSERT(n < sizeof(buf));
    bool upper = kv_prng_chance(p, 1, 4);
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)(upper && name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    sim_req_add(r, buf, n);
}

/* A string of exactly n bytes ('a'..'z', or arbitrary bytes now and then). */
static void add_len(struct kv_prng *p, struct sim_req *r, uint32_t n, bool binary) {
    char buf[80];
    n = KV_MIN(n, (uint32_t)sizeof(buf));
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)(binary ? kv_prng_below(p, 256) : 'a' + kv_prng_below(p, 3));
    sim_req_add(r, buf, n);
}

/* At, one below or one past hash-max-listpack-value. */
static void add_edge(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    uint32_t e = w->hs_value_edge;
    uint32_t n = e + (uint32_t)kv_prng_below(p, 3);
    add_len(p, r, n == 0 ? 0 : n - 1, kv_prng_chance(p, 1, 8));
}

static void add_field(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const f[] = {"f1", "f2", "f3", "f4", "f5", "a", "", "1", "f1 "};
    if (kv_prng_chance(p, 1, 12)) add_edge(w, p, r);
    else sim_req_add_str(r, f[kv_prng_below(p, KV_ARRAY_LEN(f))]);
}

static void add_hvalue(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const v[] = {"1", "-7", "v", "", "1.5", "9223372036854775807", "x y",
                                    "10", "3.0e2", "007"};
    if (kv_prng_chance(p, 1, 8)) add_edge(w, p, r);
    else sim_req_add_str(r, v[kv_prng_below(p, KV_ARRAY_LEN(v))]);
}

/* Mostly integers (intsets), some that only look like them, some words. */
static void add_member(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const m[] = {"a", "b", "c", "", "007", "-0", "1.0", "-9223372036854775808",
                                    "9223372036854775807", "9223372036854775808", " 1"};
    uint64_t roll = kv_prng_below(p, 20);
    if (roll < 13) sim_req_add_int(r, (int64_t)kv_prng_below(p, 24) - 4);
    else if (roll < 19) sim_req_add_str(r, m[kv_prng_below(p, KV_ARRAY_LEN(m))]);
    else add_edge(w, p, r);
}

static void add_count(struct kv_prng *p, struct sim_req *r, bool negative) {
    static const char *const odd[] = {"x", "", "1.5", "9223372036854775807"};
    if (kv_prng_chance(p, 1, 20)) sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    else if (kv_prng_chance(p, 1, 8)) sim_req_add_int(r, 8 + (int64_t)kv_prng_below(p, 23));
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 8) - (negative ? 7 : 0));
}

static void add_float(struct kv_prng *p, struct sim_req *r) {
    static const char *const f[] = {"1.5", "-0.25", "1e3", "inf", "-inf", "nan", "abc", "1e4932",
                                    "0x10", "3", "-3", " 1", "0.1", "1e-300", "5.0e3", ""};
    sim_req_add_str(r, f[kv_prng_below(p, KV_ARRAY_LEN(f))]);
}

static void add_int(struct kv_prng *p, struct sim_req *r) {
    static const char *const odd[] = {"x", "9223372036854775807", "-9223372036854775808", "1.0"};
    if (kv_prng_chance(p, 1, 10)) sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 41) - 20);
}

static void add_scan_tail(struct kv_prng *p, struct sim_req *r) {
    static const char *const cur[] = {"0", "0", "0", "7", "x", "-1", "", "18446744073709551616"};
    static const char *const pat[] = {"f*", "*", "?", "[ab]*", "1*", "*1"};
    sim_req_add_str(r, cur[kv_prng_below(p, KV_ARRAY_LEN(cur))]);
    for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) {
        uint64_t roll = kv_prng_below(p, 9);
        if (roll < 4) {
            add_case(p, r, "match");
            sim_req_add_str(r, pat[kv_prng_below(p, KV_ARRAY_LEN(pat))]);
        } else if (roll < 8) {
            add_case(p, r, "count");
            add_count(p, r, roll == 7);
        } else {
            add_case(p, r, kv_prng_chance(p, 1, 2) ? "type" : "match");
        }
    }
}

static const char *const hash_cmds[] = {
    "hset", "hset", "hset", "hmset", "hsetnx", "hget", "hmget", "hdel", "hdel", "hlen",
    "hstrlen", "hexists", "hkeys", "hvals", "hgetall", "hgetall", "hincrby", "hincrbyfloat",
    "hrandfield", "hscan"};
static const char *const set_cmds[] = {
    "sadd", "sadd", "sadd", "srem", "smembers", "smembers", "sismember", "smismember", "scard",
    "spop", "srandmember", "smove", "sinter", "sintercard", "sinterstore", "sunion",
    "sunionstore", "sdiff", "sdiffstore", "sscan"};
static const char *const generic_cmds[] = {"type", "object", "copy", "rename", "scan", "del",
                                           "expire", "memory"};

static void gen_hash(const struct sim_workload *w, struct kv_prng *p, const char *c,
                     struct sim_req *r) {
    bool multi = strcmp(c, "hset") == 0 || strcmp(c, "hmset") == 0;
    if (strcmp(c, "hscan") == 0) {
        add_scan_tail(p, r);
    } else if (multi || strcmp(c, "hsetnx") == 0) {
        uint64_t pairs = multi ? 1 + kv_prng_below(p, 4) : 1;
        for (uint64_t i = 0; i < pairs; i++) add_field(w, p, r), add_hvalue(w, p, r);
        if (multi && kv_prng_chance(p, 1, 30)) add_field(w, p, r); /* odd: arity error */
    } else if (strcmp(c, "hincrby") == 0 || strcmp(c, "hincrbyfloat") == 0) {
        add_field(w, p, r);
        if (c[5] == 'f') add_float(p, r);
        else add_int(p, r);
    } else if (strcmp(c, "hrandfield") == 0) {
        if (kv_prng_chance(p, 1, 4)) return;
        add_count(p, r, true);
        if (kv_prng_chance(p, 1, 2)) add_case(p, r, kv_prng_chance(p, 1, 12) ? "junk"
                                                                         : "withvalues");
    } else if (strcmp(c, "hmget") == 0 || strcmp(c, "hdel") == 0) {
        for (uint64_t i = 1 + kv_prng_below(p, 3); i > 0; i--) add_field(w, p, r);
    } else if (strcmp(c, "hget") == 0 || strcmp(c, "hstrlen") == 0 ||
               strcmp(c, "hexists") == 0) {
        add_field(w, p, r);
    }
}

static void gen_set(const struct sim_workload *w, struct kv_prng *p, const char *c,
                    struct sim_req *r) {
    if (strcmp(c, "sscan") == 0) {
        add_scan_tail(p, r);
    } else if (strcmp(c, "sadd") == 0 || strcmp(c, "srem") == 0 ||
               strcmp(c, "smismember") == 0) {
        for (uint64_t i = 1 + kv_prng_below(p, 5); i > 0; i--) add_member(w, p, r);
    } else if (strcmp(c, "sismember") == 0) {
        add_member(w, p, r);
    } else if (strcmp(c, "spop") == 0 || strcmp(c, "srandmember") == 0) {
        if (kv_prng_chance(p, 1, 3)) add_count(p, r, c[1] == 'r' || kv_prng_chance(p, 1, 10));
        if (kv_prng_chance(p, 1, 40)) sim_req_add_str(r, "1");
    } else if (strcmp(c, "smove") == 0) {
        sim_workload_key(w, p, r);
        add_member(w, p, r);
    } else if (strstr(c, "store") != NULL) {
        for (uint64_t i = 1 + kv_prng_below(p, 3); i > 0; i--) sim_workload_key(w, p, r);
    } else if (strcmp(c, "smembers") != 0 && strcmp(c, "scard") != 0) {
        for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) sim_workload_key(w, p, r);
    }
}

/* SINTERCARD numkeys key... [LIMIT n] (the key argument is not first). */
static void gen_sintercard(const struct sim_workload *w, struct kv_prng *p,
                           struct sim_req *r) {
    uint64_t n = 1 + kv_prng_below(p, 3);
    if (kv_prng_chance(p, 1, 15)) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "0" : "9");
    else sim_req_add_int(r, (int64_t)n);
    for (uint64_t i = 0; i < n; i++) sim_workload_key(w, p, r);
    if (kv_prng_chance(p, 1, 3)) {
        add_case(p, r, "limit");
        add_count(p, r, kv_prng_chance(p, 1, 8));
    }
}

static void gen_generic(const struct sim_workload *w, struct kv_prng *p, const char *c,
                        struct sim_req *r) {
    if (strcmp(c, "scan") == 0) {
        sim_req_add_str(r, "0");
        add_case(p, r, "type");
        add_case(p, r, kv_prng_chance(p, 1, 2) ? "hash" : "set");
        return;
    }
    if (c[0] == 'o' || c[0] == 'm') add_case(p, r, c[0] == 'o' ? "encoding" : "usage");
    sim_workload_key(w, p, r);
    if (strcmp(c, "copy") == 0 || strcmp(c, "rename") == 0) sim_workload_key(w, p, r);
    if (strcmp(c, "copy") == 0 && kv_prng_chance(p, 1, 2)) add_case(p, r, "replace");
    if (strcmp(c, "expire") == 0) sim_req_add_int(r, 100 + (int64_t)kv_prng_below(p, 1000));
}

void sim_workload_hs(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    KV_ASSERT(w->hs_pct > 0);
    uint64_t roll = kv_prng_below(p, 100);
    const char *c = roll < 45   ? hash_cmds[kv_prng_below(p, KV_ARRAY_LEN(hash_cmds))]
                    : roll < 92 ? set_cmds[kv_prng_below(p, KV_ARRAY_LEN(set_cmds))]
                                : generic_cmds[kv_prng_below(p, KV_ARRAY_LEN(generic_cmds))];
    if (w->has != NULL && !w->has(w->has_ctx, c)) c = "ping";
    add_case(p, r, c);
    if (strcmp(c, "ping") == 0) return;
    if (strcmp(c, "sintercard") == 0) {
        gen_sintercard(w, p, r);
        return;
    }
    if (roll >= 92) {
        gen_generic(w, p, c, r);
        return;
    }
    sim_workload_key(w, p, r);
    if (roll < 45) gen_hash(w, p, c, r);
    else gen_set(w, p, c, r);
    KV_ASSERT(r->argc >= 2 && r->argc <= SIM_ARGC_MAX);
}

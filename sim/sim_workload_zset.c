/*
 * sim_workload_zset.c: the workload's sorted-set commands, mixed with the other
 * families on the same keys (so WRONGTYPE meets every command, and ZUNION/ZINTER/ZDIFF
 * meet sets), drawn only when the seed turned them on (w->z_pct > 0: `--types=zset`,
 * sim_types.c) and only the commands the server has. Members come from a small
 * alphabet so commands find what earlier ones wrote; lengths at and one past
 * zset-max-listpack-value (w->z_value_edge) make the encodings convert; scores and
 * range ends cover Redis's parsing edges (inf, -0, hex, spaces, the empty string,
 * overflow, underflow, NaN, '(' and '[' ends, '-' and '+'); BZPOPMIN BZPOPMAX BZMPOP
 * block unless the workload has no blocking pops (--no-block, `kv sim --redis`). Test
 * code: heap allowed.
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

/* A member at, one below or one past zset-max-listpack-value ('a'..'c', or bytes). */
static void add_edge(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    char buf[80];
    uint32_t n = w->z_value_edge + (uint32_t)kv_prng_below(p, 3);
    n = KV_MIN(n == 0 ? 0 : n - 1, (uint32_t)sizeof(buf));
    bool binary = kv_prng_chance(p, 1, 8);
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)(binary ? kv_prng_below(p, 256) : 'a' + kv_prng_below(p, 3));
    sim_req_add(r, buf, n);
}

static void add_member(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const m[] = {"a", "b", "c", "d", "e", "", "aa", "ab", "b ", "1", "10",
                                    "-", "+", "(a", "[b"};
    if (kv_prng_chance(p, 1, 10)) add_edge(w, p, r);
    else if (kv_prng_chance(p, 1, 30)) sim_req_add(r, "a\0b", 3);
    else sim_req_add_str(r, m[kv_prng_below(p, KV_ARRAY_LEN(m))]);
}

/* Mostly small integers (ties make the member order count), some parsing edges. */
static void add_score(struct kv_prng *p, struct sim_req *r) {
    static const char *const s[] = {
        "1.5", "0.1", "-0", "+inf", "-inf", "inf", "1e308", "1e309", "nan", "x", "", " 1",
        "0x10", "1e-320", "1e-400", "3.0", "0.30000000000000004", "-2.5e-3", "1e17", "1 ",
        "12345678901234567890", "-0.0", "+5", ".5", "5."};
    if (kv_prng_chance(p, 1, 5)) sim_req_add_str(r, s[kv_prng_below(p, KV_ARRAY_LEN(s))]);
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 7) - 2);
}

static void add_range_end(struct kv_prng *p, struct sim_req *r) {
    static const char *const s[] = {"-inf", "+inf", "(1", "[1", "1", "(", "", "2.5", "(inf",
                                    "nan", "x", " 3", "0x2", "(-inf", "-0", "(0", "1e400",
                                    "(3", "inf"};
    if (kv_prng_chance(p, 1, 2)) sim_req_add_str(r, s[kv_prng_below(p, KV_ARRAY_LEN(s))]);
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 7) - 2);
}

static void add_lex_end(struct kv_prng *p, struct sim_req *r) {
    static const char *const s[] = {"-", "+", "[a", "(a", "[", "(", "a", "", "+x", "[b",
                                    "(c", "[aa", "(b ", "[e", "-\0x"};
    uint32_t i = (uint32_t)kv_prng_below(p, KV_ARRAY_LEN(s));
    if (i == KV_ARRAY_LEN(s) - 1) sim_req_add(r, "-\0x", 3);
    else sim_req_add_str(r, s[i]);
}

static void add_rank(struct kv_prng *p, struct sim_req *r) {
    static const char *const odd[] = {"x", "9223372036854775807", "-9223372036854775808",
                                      "1.0", ""};
    if (kv_prng_chance(p, 1, 12)) sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 13) - 6);
}

static void add_count(struct kv_prng *p, struct sim_req *r, bool negative) {
    static const char *const odd[] = {"x", "", "1.5", "9223372036854775807",
                                      "-9223372036854775808"};
    if (kv_prng_chance(p, 1, 15)) sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    else if (kv_prng_chance(p, 1, 8)) sim_req_add_int(r, 8 + (int64_t)kv_prng_below(p, 23));
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 6) - (negative ? 5 : 0));
}

/* ZADD key [flags] score member ... (odd pair counts and flag mixes now and then). */
static void gen_zadd(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const flags[] = {"nx", "xx", "gt", "lt", "ch", "incr"};
    for (uint64_t i = kv_prng_chance(p, 1, 2) ? kv_prng_below(p, 3) : 0; i > 0; i--)
        add_case(p, r, flags[kv_prng_below(p, KV_ARRAY_LEN(flags))]);
    uint64_t pairs = kv_prng_chance(p, 1, 20) ? 0 : 1 + kv_prng_below(p, 4);
    bool lex = kv_prng_chance(p, 1, 3); /* one score: ZRANGEBYLEX's ranges */
    for (uint64_t i = 0; i < pairs; i++) {
        if (lex) sim_req_add_str(r, "0");
        else add_score(p, r);
        add_member(w, p, r);
    }
    if (pairs == 0 || kv_prng_chance(p, 1, 30)) add_score(p, r); /* odd: syntax error */
}

/* [BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES], in any order, sometimes wrong. */
static void add_range_opts(struct kv_prng *p, struct sim_req *r, bool store, bool zrange) {
    static const char *const opt[] = {"byscore", "bylex", "rev", "limit", "withscores", "junk"};
    for (uint64_t i = kv_prng_below(p, zrange ? 4 : 3); i > 0; i--) {
        uint64_t k = kv_prng_below(p, KV_ARRAY_LEN(opt));
        if (!zrange && k < 3) k = 3 + kv_prng_below(p, 2);
        if (store && k == 4 && !kv_prng_chance(p, 1, 8)) continue;
        add_case(p, r, opt[k]);
        if (k != 3) continue;
        add_count(p, r, kv_prng_chance(p, 1, 8));
        if (kv_prng_chance(p, 19, 20)) add_count(p, r, true);
    }
}

static void gen_range(struct kv_prng *p, const char *c, struct sim_req *r) {
    bool lex = strstr(c, "lex") != NULL, score = strstr(c, "score") != NULL;
    bool zrange = strcmp(c, "zrange") == 0 || strcmp(c, "zrangestore") == 0;
    if (zrange) { /* the type comes with the options: ends of all three kinds */
        uint64_t k = kv_prng_below(p, 3);
        for (int i = 0; i < 2; i++) {
            if (k == 0) add_rank(p, r);
            else if (k == 1) add_range_end(p, r);
            else add_lex_end(p, r);
        }
    } else {
        for (int i = 0; i < 2; i++) {
            if (lex) add_lex_end(p, r);
            else if (score) add_range_end(p, r);
            else add_rank(p, r);
        }
    }
    if (strncmp(c, "zremrange", 9) == 0) return;
    add_range_opts(p, r, strcmp(c, "zrangestore") == 0, zrange);
}

/* numkeys key... [WEIGHTS w...] [AGGREGATE x] [WITHSCORES] [LIMIT n]. */
static void gen_setop(const struct sim_workload *w, struct kv_prng *p, const char *c,
                      struct sim_req *r) {
    static const char *const agg[] = {"sum", "min", "max", "avg"};
    static const char *const wt[] = {"2", "0", "-1", "0.5", "inf", "-inf", "x", "nan", "1e308"};
    uint64_t n = 1 + kv_prng_below(p, 3);
    if (strstr(c, "store") != NULL) sim_workload_key(w, p, r);
    if (kv_prng_chance(p, 1, 15)) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "0" : "9");
    else sim_req_add_int(r, (int64_t)n);
    for (uint64_t i = 0; i < n; i++) sim_workload_key(w, p, r);
    if (strcmp(c, "zintercard") == 0 && kv_prng_chance(p, 1, 3)) {
        add_case(p, r, "limit");
        add_count(p, r, kv_prng_chance(p, 1, 8));
    }
    if (kv_prng_chance(p, 1, 3)) {
        add_case(p, r, "weights");
        for (uint64_t i = n + kv_prng_below(p, 8) / 7; i > 0; i--)
            sim_req_add_str(r, wt[kv_prng_below(p, KV_ARRAY_LEN(wt))]);
    }
    if (kv_prng_chance(p, 1, 3)) {
        add_case(p, r, "aggregate");
        add_case(p, r, agg[kv_prng_below(p, KV_ARRAY_LEN(agg))]);
    }
    if (kv_prng_chance(p, 1, 3)) add_case(p, r, "withscores");
}

static void gen_zmpop(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    uint64_t n = 1 + kv_prng_below(p, 3);
    if (kv_prng_chance(p, 1, 15)) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "0" : "x");
    else sim_req_add_int(r, (int64_t)n);
    for (uint64_t i = 0; i < n; i++) sim_workload_key(w, p, r);
    add_case(p, r, kv_prng_chance(p, 1, 20) ? "mid" : kv_prng_chance(p, 1, 2) ? "min" : "max");
    if (kv_prng_chance(p, 1, 2)) {
        add_case(p, r, "count");
        add_count(p, r, kv_prng_chance(p, 1, 8));
    }
}

static void add_scan_tail(struct kv_prng *p, struct sim_req *r) {
    static const char *const cur[] = {"0", "0", "0", "7", "x", "-1", ""};
    static const char *const pat[] = {"a*", "*", "?", "[ab]*", "1*", "*b"};
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
            add_case(p, r, "novalues");
        }
    }
}

static const char *const zset_cmds[] = {
    "zadd", "zadd", "zadd", "zadd", "zincrby", "zcard", "zscore", "zmscore", "zrem", "zrem",
    "zrank", "zrevrank", "zcount", "zlexcount", "zrange", "zrange", "zrangestore", "zrevrange",
    "zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex", "zremrangebyscore",
    "zremrangebyrank", "zremrangebylex", "zpopmin", "zpopmax", "zmpop", "zrandmember",
    "zunion", "zinter", "zdiff", "zunionstore", "zinterstore", "zdiffstore", "zintercard",
    "zscan"};
static const char *const generic_cmds[] = {"type", "object", "copy", "rename", "scan", "del",
                                           "expire", "memory", "sadd"};

/* The arguments after the key of the commands that take key first. */
static void gen_keyed(const struct sim_workload *w, struct kv_prng *p, const char *c,
                      struct sim_req *r) {
    if (strcmp(c, "zadd") == 0) {
        gen_zadd(w, p, r);
    } else if (strcmp(c, "zincrby") == 0) {
        add_score(p, r);
        add_member(w, p, r);
    } else if (strcmp(c, "zscore") == 0 || strstr(c, "rank") == c + 1 ||
               strcmp(c, "zrevrank") == 0) {
        add_member(w, p, r);
    } else if (strcmp(c, "zmscore") == 0 || strcmp(c, "zrem") == 0) {
        for (uint64_t i = 1 + kv_prng_below(p, 3); i > 0; i--) add_member(w, p, r);
    } else if (strcmp(c, "zcount") == 0) {
        add_range_end(p, r), add_range_end(p, r);
    } else if (strcmp(c, "zlexcount") == 0) {
        add_lex_end(p, r), add_lex_end(p, r);
    } else if (strncmp(c, "zpop", 4) == 0) {
        if (kv_prng_chance(p, 1, 2)) add_count(p, r, kv_prng_chance(p, 1, 8));
        if (kv_prng_chance(p, 1, 40)) sim_req_add_str(r, "1");
    } else if (strcmp(c, "zrandmember") == 0) {
        if (kv_prng_chance(p, 1, 4)) return;
        add_count(p, r, true);
        if (kv_prng_chance(p, 1, 2)) add_case(p, r, kv_prng_chance(p, 1, 12) ? "junk"
                                                                         : "withscores");
    } else if (strcmp(c, "zscan") == 0) {
        add_scan_tail(p, r);
    } else if (strcmp(c, "zcard") != 0) {
        gen_range(p, c, r);
    }
}

static void gen_generic(const struct sim_workload *w, struct kv_prng *p, const char *c,
                        struct sim_req *r) {
    if (strcmp(c, "scan") == 0) {
        sim_req_add_str(r, "0");
        add_case(p, r, "type");
        add_case(p, r, "zset");
        return;
    }
    if (c[0] == 'o' || c[0] == 'm') add_case(p, r, c[0] == 'o' ? "encoding" : "usage");
    sim_workload_key(w, p, r);
    if (strcmp(c, "copy") == 0 || strcmp(c, "rename") == 0) sim_workload_key(w, p, r);
    if (strcmp(c, "copy") == 0 && kv_prng_chance(p, 1, 2)) add_case(p, r, "replace");
    if (strcmp(c, "expire") == 0) sim_req_add_int(r, 100 + (int64_t)kv_prng_below(p, 1000));
    for (uint64_t i = c[0] == 's' ? 1 + kv_prng_below(p, 3) : 0; i > 0; i--)
        add_member(w, p, r); /* SADD: sets for ZUNION / ZINTER / ZDIFF */
}

/* BZPOPMIN BZPOPMAX BZMPOP on the workload's keys: others' ZADDs wake them, or they
 * time out (sim_model_block.c). Timeouts of 1..300 ms, now and then a bad one. */
static void gen_block(const struct sim_workload *w, struct kv_prng *p, const char *c,
                      struct sim_req *r) {
    static const char *const bad[] = {"-1", "x", "nan", "1e400"};
    char t[32];
    uint64_t ms = 1 + kv_prng_below(p, kv_prng_chance(p, 1, 4) ? 300 : 30);
    snprintf(t, sizeof(t), "%llu.%03llu", (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000));
    const char *timeout = kv_prng_chance(p, 1, 25) ? bad[kv_prng_below(p, 4)] : t;
    uint64_t n = 1 + kv_prng_below(p, 2);
    if (strcmp(c, "bzmpop") == 0) {
        sim_req_add_str(r, timeout);
        sim_req_add_int(r, (int64_t)n);
    }
    for (uint64_t i = 0; i < n; i++) sim_workload_key(w, p, r);
    if (strcmp(c, "bzmpop") != 0) {
        sim_req_add_str(r, timeout);
        return;
    }
    add_case(p, r, kv_prng_chance(p, 1, 2) ? "min" : "max");
    if (kv_prng_chance(p, 1, 2)) {
        add_case(p, r, "count");
        sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, 4));
    }
}

void sim_workload_zset(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    KV_ASSERT(w->z_pct > 0);
    static const char *const blocking[] = {"bzpopmin", "bzpopmax", "bzmpop"};
    if (!w->no_block && kv_prng_chance(p, 1, 15)) {
        const char *c = blocking[kv_prng_below(p, KV_ARRAY_LEN(blocking))];
        if (w->has == NULL || w->has(w->has_ctx, c)) {
            add_case(p, r, c);
            gen_block(w, p, c, r);
            return;
        }
    }
    uint64_t roll = kv_prng_below(p, 100);
    const char *c = roll < 90 ? zset_cmds[kv_prng_below(p, KV_ARRAY_LEN(zset_cmds))]
                              : generic_cmds[kv_prng_below(p, KV_ARRAY_LEN(generic_cmds))];
    if (w->has != NULL && !w->has(w->has_ctx, c)) c = "ping";
    add_case(p, r, c);
    if (strcmp(c, "ping") == 0) return;
    if (roll >= 90) {
        gen_generic(w, p, c, r);
    } else if (strcmp(c, "zmpop") == 0) {
        gen_zmpop(w, p, r);
    } else if (strncmp(c, "zunion", 6) == 0 || strncmp(c, "zinter", 6) == 0 ||
               strncmp(c, "zdiff", 5) == 0) {
        gen_setop(w, p, c, r);
    } else {
        sim_workload_key(w, p, r);
        if (strcmp(c, "zrangestore") == 0) sim_workload_key(w, p, r);
        gen_keyed(w, p, c, r);
    }
    KV_ASSERT(r->argc >= 1 && r->argc <= SIM_ARGC_MAX);
}

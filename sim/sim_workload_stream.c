/*
 * sim_workload_stream.c: the workload's stream commands (first slice: XADD XLEN
 * XRANGE XREVRANGE XDEL XTRIM XREAD; XSETID, XINFO, XGROUP; and the generic commands on
 * streams), mixed with the other families on the same keys (so WRONGTYPE meets every
 * command), drawn only when the seed turned them on (w->x_pct > 0: `--types=stream`,
 * sim_types.c) and only the commands the server has. IDs: mostly `*`; explicit ones near the clock
 * (now_ms - 20 .. now_ms + 20, so XDEL, MINID and ranges meet what `*` made), `ms-*`,
 * tiny ones, 0-0, the greatest ID (which exhausts a key), and every malformed form
 * Redis's parser has a branch for. Fields come from a few fixed lists (entries that
 * share the master entry's fields, and ones that do not) and values from integers of
 * each listpack width and strings at 63/64 bytes, so node byte sizes vary.
 * Half the key picks are the shared keys (sim_workload_key), half four keys of the
 * streams' own (xs0..xs3) that grow long enough for `~` to meet node edges. XADD's
 * explicit IDs and a guess at each `*` ID (now_ms-0) go into a small ring that XDEL,
 * ranges and MINID draw from, so they find entries: the ring is process state, filled
 * in the order requests are generated, which one seed's run fixes (deterministic).
 * XREAD BLOCK one time in four, 1..300 ms (never 0: nobody need write to end it), and
 * now and then a malformed timeout; with no blocking (--no-block, `kv sim --redis`)
 * only malformed ones, so the checks before it blocks still meet Redis. Test code:
 * heap allowed.
 */
#include <stdio.h>
#include <string.h>

#include "sim_workload.h"

static struct {
    char id[8][48];
    uint32_t next;
} ring;

static void remember(const char *id, uint32_t n) {
    uint32_t k = ring.next++ % KV_ARRAY_LEN(ring.id);
    n = KV_MIN(n, (uint32_t)sizeof(ring.id[0]) - 1);
    memcpy(ring.id[k], id, n);
    ring.id[k][n] = 0;
}

/* An ID from the ring (false: it is empty). */
static bool add_recent(struct kv_prng *p, struct sim_req *r) {
    uint32_t have = KV_MIN(ring.next, (uint32_t)KV_ARRAY_LEN(ring.id));
    if (have == 0) return false;
    sim_req_add_str(r, ring.id[kv_prng_below(p, have)]);
    return true;
}

static void add_key(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    if (kv_prng_chance(p, 1, 2)) {
        sim_workload_key(w, p, r);
        return;
    }
    char k[4] = {'x', 's', (char)('0' + kv_prng_below(p, 4)), 0};
    sim_req_add_str(r, k);
}

static void add_case(struct kv_prng *p, struct sim_req *r, const char *name) {
    char buf[32];
    uint32_t n = (uint32_t)strlen(name);
    KV_ASSERT(n < sizeof(buf));
    bool upper = kv_prng_chance(p, 1, 4);
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)(upper && name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    sim_req_add(r, buf, n);
}

static void add_fmt(struct sim_req *r, const char *fmt, unsigned long long a,
                    unsigned long long b) {
    char buf[64];
    int n = snprintf(buf, sizeof(buf), fmt, a, b);
    KV_ASSERT(n > 0 && n < (int)sizeof(buf));
    sim_req_add(r, buf, (uint32_t)n);
}

/* An ms near now (the IDs `*` makes). */
static unsigned long long near_ms(struct kv_prng *p, int64_t now_ms) {
    int64_t ms = now_ms - 20 + (int64_t)kv_prng_below(p, 41);
    return (unsigned long long)(ms < 0 ? 0 : ms);
}

static void add_bad_id(struct kv_prng *p, struct sim_req *r) {
    static const char *const bad[] = {"x", "1-x", "", "-", "+", "1-", "-1", "1-2-3", "1--2",
                                      "0x10", "1 ", "18446744073709551616-0", "1-*1", "*-1",
                                      "(", "1.5", "1-18446744073709551616"};
    static const char *const odd[] = {" 5", "+5", "007", "1--0", "\t3-+1", "9-007"};
    if (kv_prng_chance(p, 1, 12)) {
        char buf[130];
        memset(buf, '1', sizeof(buf));
        sim_req_add(r, buf, 127 + (uint32_t)kv_prng_below(p, 3)); /* overflow; 128+: too long */
    } else if (kv_prng_chance(p, 1, 3)) {
        sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    } else {
        sim_req_add_str(r, bad[kv_prng_below(p, KV_ARRAY_LEN(bad))]);
    }
}

/* An explicit ID: near the clock mostly, with or without a sequence; a recent one
 * for all but XADD (star_seq). */
static void add_id(struct kv_prng *p, struct sim_req *r, int64_t now_ms, bool star_seq) {
    if (!star_seq && kv_prng_chance(p, 2, 3) && add_recent(p, r)) return;
    uint64_t roll = kv_prng_below(p, 40);
    unsigned long long ms = near_ms(p, now_ms), seq = kv_prng_below(p, 3);
    if (roll < 18) add_fmt(r, "%llu-%llu", ms, seq);
    else if (roll < 24) add_fmt(r, "%llu%.0llu", ms, 0);
    else if (roll < 28 && star_seq) add_fmt(r, "%llu-*%.0llu", ms, 0);
    else if (roll < 31) add_fmt(r, "%llu-%llu", kv_prng_below(p, 3), seq);
    else if (roll < 32) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "0-0" : "0");
    else if (roll < 33 && kv_prng_chance(p, 1, 8))
        sim_req_add_str(r, star_seq && kv_prng_chance(p, 1, 2) ? "18446744073709551615-*"
                                                               : "18446744073709551615-"
                                                                 "18446744073709551615");
    else if (roll < 34) add_fmt(r, "%llu-18446744073709551615%.0llu", ms, 0);
    else add_bad_id(p, r);
}

static void add_value(struct kv_prng *p, struct sim_req *r) {
    static const char *const v[] = {"1", "-7", "127", "128", "4095", "-4097", "70000",
                                    "9223372036854775807", "-9223372036854775808", "x",
                                    "", "007", "-0", "1.5", "hello world"};
    uint64_t roll = kv_prng_below(p, 10);
    if (roll < 7) {
        sim_req_add_str(r, v[kv_prng_below(p, KV_ARRAY_LEN(v))]);
        return;
    }
    char buf[80];
    uint32_t n = roll < 9 ? 62 + (uint32_t)kv_prng_below(p, 4) : (uint32_t)kv_prng_below(p, 80);
    for (uint32_t i = 0; i < n; i++) buf[i] = (char)('a' + kv_prng_below(p, 3));
    sim_req_add(r, buf, n);
}

/* Field lists: the same one again (SAMEFIELDS), or others. */
static void add_fields(struct kv_prng *p, struct sim_req *r) {
    static const char *const lists[][3] = {{"a", NULL, NULL}, {"a", "b", NULL},
                                           {"f", "1", "g"}, {"b", "a", NULL}, {"12", NULL, NULL},
                                           {"", NULL, NULL}};
    uint64_t k = kv_prng_chance(p, 1, 2) ? 0 : kv_prng_below(p, KV_ARRAY_LEN(lists));
    for (uint32_t i = 0; i < 3 && lists[k][i] != NULL; i++) {
        sim_req_add_str(r, lists[k][i]);
        add_value(p, r);
    }
    if (kv_prng_chance(p, 1, 40)) sim_req_add_str(r, "odd"); /* an arity error */
}

static void add_count(struct kv_prng *p, struct sim_req *r) {
    static const char *const odd[] = {"x", "", "-1", "0", "9223372036854775807", "1.0"};
    if (kv_prng_chance(p, 1, 8)) sim_req_add_str(r, odd[kv_prng_below(p, KV_ARRAY_LEN(odd))]);
    else sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, 6));
}

/* MINID's threshold: a recent ID, one near now (which trims most), one older. */
static void add_minid(struct kv_prng *p, struct sim_req *r, int64_t now_ms) {
    uint64_t roll = kv_prng_below(p, 12);
    if (roll == 0) add_bad_id(p, r);
    else if (roll < 4 && add_recent(p, r)) return;
    else if (roll < 5) add_fmt(r, "%llu-%llu", near_ms(p, now_ms) - 10, kv_prng_below(p, 2));
    else add_fmt(r, "%llu-%llu", near_ms(p, now_ms) - 200 - kv_prng_below(p, 5000), 0);
}

/* MAXLEN|MINID [=|~] threshold [LIMIT n], and now and then a broken form. */
static void add_trim(struct kv_prng *p, struct sim_req *r, int64_t now_ms, bool must) {
    uint64_t roll = kv_prng_below(p, 20);
    if (roll == 0) {
        add_case(p, r, "limit");
        add_count(p, r);
        if (!must) return;
    }
    bool maxlen = kv_prng_chance(p, 2, 3);
    add_case(p, r, maxlen ? "maxlen" : "minid");
    uint64_t how = kv_prng_below(p, 4); /* 1, 3: `~` */
    if (how > 0) sim_req_add_str(r, how == 2 ? "=" : "~");
    if (maxlen && kv_prng_chance(p, 1, 15)) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "-1"
                                                                                    : "x");
    else if (maxlen && kv_prng_chance(p, 3, 4))
        sim_req_add_int(r, 10 + (int64_t)kv_prng_below(p, 190));
    else if (maxlen) sim_req_add_int(r, (int64_t)kv_prng_below(p, 12));
    else add_minid(p, r, now_ms);
    if (roll == 1) add_case(p, r, kv_prng_chance(p, 1, 2) ? "maxlen" : "minid"), add_count(p, r);
    if (roll >= 2 && roll < 6 && (how % 2 == 1 || roll == 2)) {
        add_case(p, r, "limit");
        add_count(p, r);
    }
}

static void gen_xadd(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                     struct sim_req *r) {
    add_key(w, p, r);
    if (kv_prng_chance(p, 1, 8)) add_case(p, r, "nomkstream");
    if (kv_prng_chance(p, 1, 6)) add_trim(p, r, now_ms, false);
    if (kv_prng_chance(p, 1, 30)) add_case(p, r, "nomkstream");
    if (kv_prng_chance(p, 3, 5)) {
        sim_req_add_str(r, "*");
        char guess[32];
        int n = snprintf(guess, sizeof(guess), "%llu-0", (unsigned long long)now_ms);
        remember(guess, (uint32_t)n);
    } else {
        add_id(p, r, now_ms, true);
        struct kv_slice id = sim_req_arg(r, r->argc - 1);
        remember((const char *)id.ptr, id.len);
    }
    add_fields(p, r);
}

static void add_bound(struct kv_prng *p, struct sim_req *r, int64_t now_ms, bool start) {
    uint64_t roll = kv_prng_below(p, 12);
    if (roll < 4) sim_req_add_str(r, start ? "-" : "+");
    else if (roll < 5) sim_req_add_str(r, start ? "+" : "-");
    else if (roll < 8) add_id(p, r, now_ms, false);
    else if (roll < 11) {
        char buf[48];
        int n = snprintf(buf, sizeof(buf), "(%llu-%llu", near_ms(p, now_ms),
                         (unsigned long long)kv_prng_below(p, 2));
        sim_req_add(r, buf, (uint32_t)n);
    } else {
        static const char *const ex[] = {"(-", "(+", "(0-0", "(18446744073709551615-"
                                         "18446744073709551615", "(0", "(x"};
        sim_req_add_str(r, ex[kv_prng_below(p, KV_ARRAY_LEN(ex))]);
    }
}

static void gen_range(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                      struct sim_req *r, bool rev) {
    add_key(w, p, r);
    add_bound(p, r, now_ms, !rev);
    add_bound(p, r, now_ms, rev);
    uint64_t roll = kv_prng_below(p, 10);
    if (roll < 4) {
        add_case(p, r, "count");
        add_count(p, r);
    } else if (roll == 4) {
        add_case(p, r, kv_prng_chance(p, 1, 2) ? "count" : "junk");
    }
}

static void add_block(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const bad[] = {"-1", "x", "1.5", ""};
    add_case(p, r, "block");
    if (w->no_block || kv_prng_chance(p, 1, 25))
        sim_req_add_str(r, bad[kv_prng_below(p, KV_ARRAY_LEN(bad))]);
    else
        sim_req_add_int(r, 1 + (int64_t)kv_prng_below(p, kv_prng_chance(p, 1, 4) ? 300 : 30));
}

static void gen_xread(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                      struct sim_req *r) {
    uint64_t roll = kv_prng_below(p, 30);
    if (kv_prng_chance(p, 1, 4)) add_block(w, p, r);
    if (kv_prng_chance(p, 1, 3)) {
        add_case(p, r, "count");
        add_count(p, r);
    }
    if (roll == 0) add_case(p, r, kv_prng_chance(p, 1, 2) ? "noack" : "junk");
    if (roll == 1) add_case(p, r, "group"), sim_req_add_str(r, "g"), sim_req_add_str(r, "c");
    add_case(p, r, "streams");
    uint64_t n = 1 + kv_prng_below(p, 3);
    for (uint64_t i = 0; i < n; i++) add_key(w, p, r);
    if (roll == 2) n--; /* unbalanced */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = kv_prng_below(p, 10);
        if (k < 3) sim_req_add_str(r, "0");
        else if (k < 5) sim_req_add_str(r, "$");
        else if (k < 9) add_id(p, r, now_ms, false);
        else sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? ">" : "+");
    }
}

/* XSETID key id [ENTRIESADDED n] [MAXDELETEDID id], now and then a broken form. */
static void gen_xsetid(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                       struct sim_req *r) {
    static const char *const odd[] = {"-1", "x", "0", "9223372036854775807"};
    add_key(w, p, r);
    if (kv_prng_chance(p, 1, 3)) add_fmt(r, "%llu-%llu", near_ms(p, now_ms) + 30,
                                        kv_prng_below(p, 3));
    else add_id(p, r, now_ms, false);
    for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) {
        uint64_t k = kv_prng_below(p, 10);
        if (k < 4) {
            add_case(p, r, "entriesadded");
            if (kv_prng_chance(p, 1, 6)) sim_req_add_str(r, odd[kv_prng_below(p, 4)]);
            else sim_req_add_int(r, (int64_t)kv_prng_below(p, 400));
        } else if (k < 8) {
            add_case(p, r, "maxdeletedid");
            add_id(p, r, now_ms, false);
        } else {
            add_case(p, r, k == 8 ? "junk" : "entriesadded");
        }
    }
}

/* XINFO STREAM key [FULL [COUNT n]] mostly; GROUPS, CONSUMERS, HELP. Never an unknown
 * subcommand or a wrong argument count: Redis refuses those as they arrive inside
 * MULTI, kv's engine only when they run (diff_cases_stream.py has them, outside MULTI). */
static void gen_xinfo(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const subs[] = {"stream", "stream", "stream", "stream", "groups",
                                       "consumers", "help"};
    const char *sub = subs[kv_prng_below(p, KV_ARRAY_LEN(subs))];
    add_case(p, r, sub);
    if (strcmp(sub, "help") == 0) return;
    add_key(w, p, r);
    if (strcmp(sub, "consumers") == 0) sim_req_add_str(r, kv_prng_chance(p, 3, 4) ? "g" : "g2");
    uint64_t k = kv_prng_below(p, 10);
    if (strcmp(sub, "stream") != 0 || k < 4) return;
    add_case(p, r, k == 9 ? "junk" : "full");
    if (k < 7) return;
    add_case(p, r, "count");
    if (k == 7) add_count(p, r);
    else sim_req_add_int(r, (int64_t)kv_prng_below(p, 30) - 3);
}

/* XGROUP: CREATE (`$`, 0, recent IDs, bad ones; MKSTREAM; ENTRIESREAD -2..10, junk),
 * SETID (`-`, `+` too), DESTROY, CREATECONSUMER, DELCONSUMER, HELP; groups g, g2, G,
 * consumers c, c1, c2; options in excess now and then (the form's count errors).
 * Never an unknown subcommand or a wrong arity (see gen_xinfo). */
static void gen_xgroup(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                       struct sim_req *r) {
    static const char *const subs[] = {"create", "create", "create", "setid", "destroy",
                                       "createconsumer", "createconsumer", "delconsumer",
                                       "help"};
    static const char *const groups[] = {"g", "g", "g2", "G"};
    static const char *const cons[] = {"c", "c1", "c2"};
    const char *sub = subs[kv_prng_below(p, KV_ARRAY_LEN(subs))];
    add_case(p, r, sub);
    if (strcmp(sub, "help") == 0) return;
    add_key(w, p, r);
    sim_req_add_str(r, groups[kv_prng_below(p, KV_ARRAY_LEN(groups))]);
    if (strcmp(sub, "destroy") == 0) return;
    if (sub[0] == 'c' && sub[1] == 'r' && sub[6] == 'c') {  /* createconsumer */
        sim_req_add_str(r, cons[kv_prng_below(p, KV_ARRAY_LEN(cons))]);
        return;
    }
    if (sub[0] == 'd') {
        sim_req_add_str(r, cons[kv_prng_below(p, KV_ARRAY_LEN(cons))]);
        return;
    }
    uint64_t k = kv_prng_below(p, 10);
    if (k < 3) sim_req_add_str(r, "$");
    else if (k < 5) sim_req_add_str(r, "0");
    else if (k == 5) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "-" : "+");
    else add_id(p, r, now_ms, false);
    if (sub[0] == 'c' && kv_prng_chance(p, 1, 2)) add_case(p, r, "mkstream");
    if (kv_prng_chance(p, 1, 3)) {
        add_case(p, r, "entriesread");
        if (kv_prng_chance(p, 1, 8)) sim_req_add_str(r, "x");
        else sim_req_add_int(r, (int64_t)kv_prng_below(p, 13) - 2);
    }
    if (kv_prng_chance(p, 1, 15)) add_case(p, r, kv_prng_chance(p, 1, 2) ? "mkstream" : "junk");
}

static void gen_generic(const struct sim_workload *w, struct kv_prng *p, const char *c,
                        struct sim_req *r) {
    if (strcmp(c, "scan") == 0) {
        sim_req_add_str(r, "0");
        add_case(p, r, "type");
        add_case(p, r, "stream");
        return;
    }
    if (c[0] == 'o' || c[0] == 'm') add_case(p, r, c[0] == 'o' ? "encoding" : "usage");
    add_key(w, p, r);
    if (strcmp(c, "copy") == 0 || strcmp(c, "rename") == 0) add_key(w, p, r);
    if (strcmp(c, "copy") == 0 && kv_prng_chance(p, 1, 2)) add_case(p, r, "replace");
    if (strcmp(c, "expire") == 0) sim_req_add_int(r, 100 + (int64_t)kv_prng_below(p, 1000));
}

static const char *const cmds[] = {"xadd", "xadd", "xadd", "xadd", "xadd", "xadd", "xadd",
                                   "xadd", "xlen", "xrange", "xrange", "xrevrange", "xdel",
                                   "xdel", "xtrim", "xread", "xread", "xsetid", "xinfo", "xinfo",
                                   "xgroup", "xgroup"};
static const char *const generic[] = {"type", "object", "copy", "rename", "scan", "del",
                                      "expire", "memory"};

void sim_workload_stream(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                         struct sim_req *r) {
    KV_ASSERT(w->x_pct > 0);
    bool gen = kv_prng_chance(p, 1, 10);
    const char *c = gen ? generic[kv_prng_below(p, KV_ARRAY_LEN(generic))]
                        : cmds[kv_prng_below(p, KV_ARRAY_LEN(cmds))];
    if (w->has != NULL && !w->has(w->has_ctx, c)) c = "ping";
    add_case(p, r, c);
    if (strcmp(c, "ping") == 0) return;
    if (gen) gen_generic(w, p, c, r);
    else if (strcmp(c, "xadd") == 0) gen_xadd(w, p, now_ms, r);
    else if (strcmp(c, "xrange") == 0 || strcmp(c, "xrevrange") == 0)
        gen_range(w, p, now_ms, r, c[1] == 'r');
    else if (strcmp(c, "xread") == 0) gen_xread(w, p, now_ms, r);
    else if (strcmp(c, "xsetid") == 0) gen_xsetid(w, p, now_ms, r);
    else if (strcmp(c, "xinfo") == 0) gen_xinfo(w, p, r);
    else if (strcmp(c, "xgroup") == 0) gen_xgroup(w, p, now_ms, r);
    else add_key(w, p, r);
    if (strcmp(c, "xdel") == 0)
        for (uint64_t i = 1 + kv_prng_below(p, 3); i > 0; i--) add_id(p, r, now_ms, false);
    if (strcmp(c, "xtrim") == 0) add_trim(p, r, now_ms, true);
    KV_ASSERT(r->argc >= 1 && r->argc <= SIM_ARGC_MAX);
}

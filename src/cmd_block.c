/*
 * cmd_block.c: the blocking list pops BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP and the
 * blocking sorted-set pops BZPOPMIN BZPOPMAX BZMPOP, Redis 7.0's replies, errors and
 * order of checks (XREAD BLOCK is cmd_stream.c's, on the same queues). A command that
 * finds data answers as its non-blocking twin; one that finds every key empty or
 * missing blocks (kv_block_add, include/kv/block.h: no reply; the server keeps its
 * frame), or, inside EXEC (Redis's CLIENT_DENY_BLOCKING) or without wait queues,
 * answers nil.
 *
 * The same frame runs again when the session wakes (s->block_wake): KEY serves one
 * element (BLMPOP, BZMPOP: up to COUNT) from the ready key s->block_hash only, or
 * stays blocked if it is not a non-empty list (a sorted set for BZ*: no reply; Redis
 * serves a key while it has elements, and only waiters of its type); TIMEOUT replies
 * nil; ERROR replies Redis's -UNBLOCKED. A run that replies unblocks the session.
 * Timeouts are Redis's seconds as a long double, times 1000 rounded up to
 * milliseconds (0.0005 waits 1 ms; -0.0001 is -0: forever), added to the command's
 * realtime; the wait ends at the first tick after that deadline.
 *
 * Memory: owns none (the hashes of the keys a command blocks on go through the
 * command scratch). Never: pops from a key it was not woken for, or writes a reply
 * while leaving the session blocked.
 */
#include <math.h>
#include <string.h>

#include "kv/block.h"
#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/ks_list.h"
#include "kv/ks_zset.h"
#include "kv/util.h"

#define ARRAY_HDR_MAX 32u
#define ERR_TIMEOUT_FLOAT "ERR timeout is not a float or out of range"
#define ERR_TIMEOUT_NEG "ERR timeout is negative"
#define ERR_UNBLOCKED "UNBLOCKED client unblocked via CLIENT UNBLOCK"

enum null_kind { NULL_ARRAY, NULL_BULK };

/*
 * Redis's getTimeoutFromObjectOrReply (seconds): the deadline in realtime ms (0:
 * forever) or the error. (long long)(x * 1000) of a long double outside int64's
 * range is INT64_MIN on x86 (1e400, inf: "negative"); kv spells that out.
 */
static const char *parse_timeout(const struct kv_cmd_ctx *c, uint32_t i, int64_t *deadline) {
    KV_ASSERT(i < c->argc && c->now_ms >= 0);
    long double v;
    if (!kv_str2ld(c->argv[i].ptr, c->argv[i].len, &v)) return ERR_TIMEOUT_FLOAT;
    long double ms = ceill(v * 1000.0L); /* Redis 7.0 rounds up: 0.0005 waits 1 ms */
    int64_t t = INT64_MIN;
    if (ms < 9223372036854775808.0L && ms > -9223372036854775808.0L) t = (int64_t)ms;
    if (t < 0) return ERR_TIMEOUT_NEG;
    /* Redis 7.0 adds without a check: past int64 the sum wraps and the client
     * never times out (measured: 9.2233720e15 s waits); kv says forever outright. */
    *deadline = t > 0 && t <= INT64_MAX - c->now_ms ? t + c->now_ms : 0;
    KV_ASSERT(*deadline >= 0);
    return NULL;
}

static void reply_nil(struct kv_cmd_ctx *c, enum null_kind k) {
    if (k == NULL_ARRAY) kv_reply_null_array(c->out);
    else kv_reply_null(c->out);
}

/* The woken session's run replied: it leaves every queue. */
static void served(struct kv_cmd_ctx *c) {
    kv_block_remove(&c->engine->block, c->session);
    KV_ASSERT(!(c->session->flags & KV_SESSION_BLOCKED));
}

/* A woken run's TIMEOUT or ERROR reply: true if it was one (and replied). BLMOVE
 * too times out with a null array (Redis's replyToBlockedClientTimedOut). */
static bool wake_reply(struct kv_cmd_ctx *c) {
    uint8_t why = c->session->block_wake;
    if (why != KV_BLOCK_WAKE_TIMEOUT && why != KV_BLOCK_WAKE_ERROR) return false;
    if (why == KV_BLOCK_WAKE_ERROR) kv_reply_error(c->out, ERR_UNBLOCKED);
    else kv_reply_null_array(c->out); /* Redis: a null array for every one of them */
    served(c);
    return true;
}

static bool woken(const struct kv_cmd_ctx *c) {
    return c->session->block_wake != KV_BLOCK_WAKE_NONE;
}

/* Keys argv[first], argv[first + 1], ... (n of them) all empty: block, or nil. */
static void block_on(struct kv_cmd_ctx *c, uint32_t first, uint32_t n, int64_t deadline,
                     enum null_kind k, uint8_t type) {
    KV_ASSERT(n >= 1 && first + n <= c->argc);
    struct kv_engine *e = c->engine;
    if (!e->can_block || e->exec_out != NULL) {
        reply_nil(c, k); /* inside MULTI/EXEC nothing blocks */
        return;
    }
    if (n > e->block.per_session) {
        kv_reply_errorf(c->out, "ERR too many keys to block on (block-max-keys %u)",
                        e->block.per_session);
        return;
    }
    uint64_t *hashes = kv_scratch_alloc(c, (uint64_t)n * sizeof(uint64_t));
    for (uint32_t i = 0; i < n; i++)
        hashes[i] = kv_ks_key_hash(c->ks, c->argv[first + i].ptr, c->argv[first + i].len);
    struct kv_block_want want = {type, false, NULL};
    kv_block_add(&e->block, c->session, hashes, n, deadline, &want);
    uint64_t mem = 0;
    for (uint32_t i = 0; i < c->argc; i++) mem += c->argv[i].len;
    c->session->block_argv_mem = mem;
    KV_ASSERT(c->session->flags & KV_SESSION_BLOCKED);
}

/* The key argument among argv[first..first+n) the session was woken for, or n. */
static uint32_t woken_key(const struct kv_cmd_ctx *c, uint32_t first, uint32_t n) {
    KV_ASSERT(c->session->block_wake == KV_BLOCK_WAKE_KEY);
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice k = c->argv[first + i];
        if (kv_ks_key_hash(c->ks, k.ptr, k.len) == c->session->block_hash) return i;
    }
    return n;
}

/* A live non-empty list under argv[i], or NULL (missing, or another type). */
static struct kv_item *live_list(struct kv_cmd_ctx *c, uint32_t i) {
    struct kv_item *it = kv_ks_find(c->ks, c->argv[i].ptr, c->argv[i].len);
    if (it == NULL || kv_item_type(it) != KV_TYPE_LIST) return NULL;
    KV_ASSERT(((struct kv_list_head *)(void *)kv_item_value(it))->count > 0);
    return it;
}

/* ---- BLPOP, BRPOP ---------------------------------------------------------- */

/* [key, element] popped from argv[i]'s list end. */
static void pop_one(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it, bool tail) {
    enum kv_list_end end = tail ? KV_LIST_TAIL : KV_LIST_HEAD;
    struct kv_list_head *h = (struct kv_list_head *)(void *)kv_item_value(it);
    KV_ASSERT(h->count > 0);
    kv_reply_array(c->out, 2);
    kv_reply_bulk(c->out, c->argv[i].ptr, c->argv[i].len);
    struct kv_slice s = kv_ks_list_get(c->ks, h, end == KV_LIST_HEAD ? 0 : h->count - 1);
    kv_reply_bulk(c->out, s.ptr, s.len);
    kv_ks_list_pop(c->ks, h, end, 1);
    if (h->count == 0) kv_ks_delete(c->ks, it);
    kv_engine_touch(c->engine, c->argv[i].ptr, c->argv[i].len);
}


/* The largest [key, element] any of the keys could give, plus an error's room. */
static uint64_t bound_bpop_end(struct kv_cmd_ctx *c, enum kv_list_end end) {
    uint64_t most = 0;
    for (uint32_t i = 1; i + 1 < c->argc; i++) {
        struct kv_item *it = kv_ks_peek(c->ks, c->argv[i].ptr, c->argv[i].len);
        if (it == NULL || kv_ks_item_expired(c->ks, it) || kv_item_type(it) != KV_TYPE_LIST)
            continue;
        const struct kv_list_head *h = (const struct kv_list_head *)(void *)kv_item_value(it);
        struct kv_slice s = kv_ks_list_get(c->ks, h, end == KV_LIST_HEAD ? 0 : h->count - 1);
        most = KV_MAX(most, kv_reply_bulk_size(c->argv[i].len) + kv_reply_bulk_size(s.len));
    }
    return kv_cmd_bound_default(c) + ARRAY_HDR_MAX + most;
}

static uint64_t bound_blpop(struct kv_cmd_ctx *c) { return bound_bpop_end(c, KV_LIST_HEAD); }
static uint64_t bound_brpop(struct kv_cmd_ctx *c) { return bound_bpop_end(c, KV_LIST_TAIL); }

/* ---- BLMOVE, BRPOPLPUSH: LMOVE's and RPOPLPUSH's own code on the same argv ---- */

static const struct kv_cmd *group_cmd(const struct kv_cmd_group *g, const char *name) {
    for (uint32_t i = 0; i < g->count; i++)
        if (strcmp(g->cmds[i].name, name) == 0) return &g->cmds[i];
    KV_UNREACHABLE();
}

static const struct kv_cmd *list_cmd(const char *name) { return group_cmd(&kv_cmds_list, name); }

static void bmove_generic(struct kv_cmd_ctx *c, const char *twin, uint32_t timeout_i) {
    const struct kv_cmd *t = list_cmd(twin);
    if (woken(c)) {
        if (wake_reply(c)) return;
        if (woken_key(c, 1, 1) != 0 || live_list(c, 1) == NULL) return; /* stays blocked */
        served(c);
        t->proc(c); /* the element, or WRONGTYPE for the destination (as Redis) */
        return;
    }
    int64_t deadline;
    const char *err = parse_timeout(c, timeout_i, &deadline);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_item *it = kv_ks_find(c->ks, c->argv[1].ptr, c->argv[1].len);
    if (it != NULL && kv_item_type(it) != KV_TYPE_LIST) {
        kv_reply_error(c->out, KV_ERR_WRONGTYPE);
    } else if (it != NULL) {
        t->proc(c);
    } else {
        block_on(c, 1, 1, deadline, NULL_BULK, KV_TYPE_LIST);
    }
}

static void cmd_blmove(struct kv_cmd_ctx *c) {
    bool ends = (kv_cmd_opt(c, 3, "left") || kv_cmd_opt(c, 3, "right")) &&
                (kv_cmd_opt(c, 4, "left") || kv_cmd_opt(c, 4, "right"));
    if (!ends) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    bmove_generic(c, "lmove", 5);
}

static void cmd_brpoplpush(struct kv_cmd_ctx *c) { bmove_generic(c, "rpoplpush", 3); }

static uint64_t bound_blmove(struct kv_cmd_ctx *c) {
    return list_cmd("lmove")->reply_bound(c) + KV_EXEC_ERROR_ROOM;
}

static uint64_t bound_brpoplpush(struct kv_cmd_ctx *c) {
    return list_cmd("rpoplpush")->reply_bound(c) + KV_EXEC_ERROR_ROOM;
}

/* ---- BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: LMPOP's code ---------- */

struct blmpop_args {
    uint32_t numkeys;
    uint32_t tail;               /* arguments after the keys: where [COUNT n] */
};

/* LMPOP's (ZMPOP's) checks at BLMPOP's (BZMPOP's) positions (numkeys at 2), before
 * the timeout, as Redis parses: NULL or the error. The ends are LEFT RIGHT (MIN MAX). */
static const char *mpop_parse(const struct kv_cmd_ctx *c, struct blmpop_args *a,
                              const char *end1, const char *end2) {
    int64_t n, count = -1;
    if (!kv_str2ll(c->argv[2].ptr, c->argv[2].len, &n) || n < 1)
        return "ERR numkeys should be greater than 0";
    if ((uint64_t)n > c->argc - 4) return KV_ERR_SYNTAX;
    a->numkeys = (uint32_t)n;
    uint32_t where = 3 + a->numkeys;
    if (!kv_cmd_opt(c, where, end1) && !kv_cmd_opt(c, where, end2)) return KV_ERR_SYNTAX;
    for (uint32_t j = where + 1; j < c->argc; j++) {
        if (count == -1 && j + 1 < c->argc && kv_cmd_opt(c, j, "count")) {
            j++;
            if (!kv_str2ll(c->argv[j].ptr, c->argv[j].len, &count) || count < 1)
                return "ERR count should be greater than 0";
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    a->tail = c->argc - where;
    KV_ASSERT(a->tail == 1 || a->tail == 3);
    return NULL;
}

static const char *blmpop_parse(const struct kv_cmd_ctx *c, struct blmpop_args *a) {
    return mpop_parse(c, a, "left", "right");
}

/* LMPOP (ZMPOP) 1 <argv[3 + i]> where [COUNT n] into av (8 slices). */
static struct kv_cmd_ctx lmpop_one(const struct kv_cmd_ctx *c, const struct blmpop_args *a,
                                   uint32_t i, struct kv_slice *av) {
    KV_ASSERT(i < a->numkeys && a->tail <= 3);
    av[0] = c->argv[0];
    av[1] = (struct kv_slice){(const uint8_t *)"1", 1};
    av[2] = c->argv[3 + i];
    for (uint32_t j = 0; j < a->tail; j++) av[3 + j] = c->argv[3 + a->numkeys + j];
    struct kv_cmd_ctx l = *c;
    l.argv = av;
    l.argc = 3 + a->tail;
    return l;
}

static void blmpop_woken(struct kv_cmd_ctx *c, const struct blmpop_args *a) {
    if (wake_reply(c)) return;
    uint32_t i = woken_key(c, 3, a->numkeys);
    if (i == a->numkeys || live_list(c, 3 + i) == NULL) return; /* stays blocked */
    served(c);
    struct kv_slice av[8];
    struct kv_cmd_ctx l = lmpop_one(c, a, i, av);
    list_cmd("lmpop")->proc(&l);
}

static void cmd_blmpop(struct kv_cmd_ctx *c) {
    struct blmpop_args a;
    const char *err = blmpop_parse(c, &a);
    if (err == NULL && woken(c)) {
        blmpop_woken(c, &a);
        return;
    }
    int64_t deadline;
    if (err == NULL) err = parse_timeout(c, 1, &deadline);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    for (uint32_t i = 0; i < a.numkeys; i++) {
        struct kv_item *it = kv_ks_find(c->ks, c->argv[3 + i].ptr, c->argv[3 + i].len);
        if (it == NULL) continue;
        if (kv_item_type(it) != KV_TYPE_LIST) {
            kv_reply_error(c->out, KV_ERR_WRONGTYPE);
            return;
        }
        struct kv_slice av[8];
        struct kv_cmd_ctx l = lmpop_one(c, &a, i, av);
        list_cmd("lmpop")->proc(&l);
        return;
    }
    block_on(c, 3, a.numkeys, deadline, NULL_ARRAY, KV_TYPE_LIST);
}

/* The largest reply LMPOP would give from any one of the keys. */
static uint64_t bound_blmpop(struct kv_cmd_ctx *c) {
    struct blmpop_args a;
    if (blmpop_parse(c, &a) != NULL) return kv_cmd_bound_default(c);
    const struct kv_cmd *t = list_cmd("lmpop");
    uint64_t most = kv_cmd_bound_default(c);
    for (uint32_t i = 0; i < a.numkeys; i++) {
        struct kv_slice av[8];
        struct kv_cmd_ctx l = lmpop_one(c, &a, i, av);
        most = KV_MAX(most, t->reply_bound(&l));
    }
    return most;
}

/* ---- BZPOPMIN, BZPOPMAX key... timeout: [key, member, score] -------------------- */

static const struct kv_cmd *zset_cmd(const char *name) { return group_cmd(&kv_cmds_zset, name); }

/* A live non-empty sorted set under argv[i], or NULL (missing, or another type). */
static struct kv_item *live_zset(struct kv_cmd_ctx *c, uint32_t i) {
    struct kv_item *it = kv_ks_find(c->ks, c->argv[i].ptr, c->argv[i].len);
    if (it == NULL || kv_item_type(it) != KV_TYPE_ZSET) return NULL;
    KV_ASSERT(kv_ks_zset_head(it)->count > 0);
    return it;
}

/* [key, member, score] of argv[i]'s lowest (highest) member, popped; the key goes
 * when it empties. RESP3's score is a double, as ZPOPMIN's. */
static void zpop_one(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it, bool max) {
    struct kv_zset_head *h = kv_ks_zset_head(it);
    KV_ASSERT(h->count > 0 && i < c->argc);
    uint64_t rank = max ? h->count - 1 : 0;
    struct kv_zset_iter zi;
    struct kv_slice m;
    double score;
    kv_ks_zset_iter_at(&zi, c->ks, h, rank);
    kv_zset_iter_get(&zi, &m, &score);
    kv_reply_array(c->out, 3);
    kv_reply_bulk(c->out, c->argv[i].ptr, c->argv[i].len);
    kv_reply_bulk(c->out, m.ptr, m.len);
    kv_reply_double(c->out, score);
    kv_ks_zset_remove_ranks(c->ks, h, rank, 1);
    if (h->count == 0) kv_ks_delete(c->ks, it);
    kv_engine_touch(c->engine, c->argv[i].ptr, c->argv[i].len);
}

/* ---- BLPOP BRPOP BZPOPMIN BZPOPMAX: one shape ------------------------------------ */

/* Pops one element of argv[i]'s value (`last`: the list's tail, the highest member). */
typedef void (*pop_fn)(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it, bool last);

/* A live non-empty list or sorted set under argv[i], or NULL. */
static struct kv_item *live_of(struct kv_cmd_ctx *c, uint32_t i, uint8_t type) {
    KV_ASSERT(type == KV_TYPE_LIST || type == KV_TYPE_ZSET);
    return type == KV_TYPE_LIST ? live_list(c, i) : live_zset(c, i);
}

/*
 * Keys argv[1..argc-2], the timeout last: pops from the first key holding a value of
 * `type` (WRONGTYPE at the first of another type), or blocks on all of them; woken,
 * pops from the key that woke it, or keeps waiting.
 */
static void bpop_keys(struct kv_cmd_ctx *c, uint8_t type, pop_fn pop, bool last) {
    uint32_t nkeys = c->argc - 2;
    KV_ASSERT(c->argc >= 3 && pop != NULL);
    if (woken(c)) {
        if (wake_reply(c)) return;
        uint32_t i = woken_key(c, 1, nkeys);
        struct kv_item *it = i < nkeys ? live_of(c, 1 + i, type) : NULL;
        if (it == NULL) return; /* stays blocked */
        served(c);
        pop(c, 1 + i, it, last);
        return;
    }
    int64_t deadline;
    const char *err = parse_timeout(c, c->argc - 1, &deadline);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    for (uint32_t i = 1; i <= nkeys; i++) {
        struct kv_item *it = kv_ks_find(c->ks, c->argv[i].ptr, c->argv[i].len);
        if (it == NULL) continue;
        if (kv_item_type(it) != type) {
            kv_reply_error(c->out, KV_ERR_WRONGTYPE);
            return;
        }
        pop(c, i, it, last);
        return;
    }
    block_on(c, 1, nkeys, deadline, NULL_ARRAY, type);
}

static void cmd_blpop(struct kv_cmd_ctx *c) { bpop_keys(c, KV_TYPE_LIST, pop_one, false); }
static void cmd_brpop(struct kv_cmd_ctx *c) { bpop_keys(c, KV_TYPE_LIST, pop_one, true); }
static void cmd_bzpopmin(struct kv_cmd_ctx *c) { bpop_keys(c, KV_TYPE_ZSET, zpop_one, false); }
static void cmd_bzpopmax(struct kv_cmd_ctx *c) { bpop_keys(c, KV_TYPE_ZSET, zpop_one, true); }

/* ZPOPMIN's bound for one member of each key, plus the key and a header. */
static uint64_t bound_bzpop(struct kv_cmd_ctx *c) {
    const struct kv_cmd *t = zset_cmd("zpopmin");
    uint64_t most = 0;
    for (uint32_t i = 1; i + 1 < c->argc; i++) {
        struct kv_slice av[2] = {c->argv[0], c->argv[i]};
        struct kv_cmd_ctx l = *c;
        l.argv = av;
        l.argc = 2;
        most = KV_MAX(most, t->reply_bound(&l) + kv_reply_bulk_size(c->argv[i].len));
    }
    return kv_cmd_bound_default(c) + ARRAY_HDR_MAX + most;
}

/* ---- BZMPOP timeout numkeys key... MIN|MAX [COUNT n]: ZMPOP's code -------------- */

static void bzmpop_woken(struct kv_cmd_ctx *c, const struct blmpop_args *a) {
    if (wake_reply(c)) return;
    uint32_t i = woken_key(c, 3, a->numkeys);
    if (i == a->numkeys || live_zset(c, 3 + i) == NULL) return; /* stays blocked */
    served(c);
    struct kv_slice av[8];
    struct kv_cmd_ctx l = lmpop_one(c, a, i, av);
    zset_cmd("zmpop")->proc(&l);
}

static void cmd_bzmpop(struct kv_cmd_ctx *c) {
    struct blmpop_args a;
    const char *err = mpop_parse(c, &a, "min", "max");
    if (err == NULL && woken(c)) {
        bzmpop_woken(c, &a);
        return;
    }
    int64_t deadline;
    if (err == NULL) err = parse_timeout(c, 1, &deadline);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    for (uint32_t i = 0; i < a.numkeys; i++) {
        struct kv_item *it = kv_ks_find(c->ks, c->argv[3 + i].ptr, c->argv[3 + i].len);
        if (it == NULL) continue;
        if (kv_item_type(it) != KV_TYPE_ZSET) {
            kv_reply_error(c->out, KV_ERR_WRONGTYPE);
            return;
        }
        struct kv_slice av[8];
        struct kv_cmd_ctx l = lmpop_one(c, &a, i, av);
        zset_cmd("zmpop")->proc(&l);
        return;
    }
    block_on(c, 3, a.numkeys, deadline, NULL_ARRAY, KV_TYPE_ZSET);
}

/* The largest reply ZMPOP would give from any one of the keys. */
static uint64_t bound_bzmpop(struct kv_cmd_ctx *c) {
    struct blmpop_args a;
    if (mpop_parse(c, &a, "min", "max") != NULL) return kv_cmd_bound_default(c);
    const struct kv_cmd *t = zset_cmd("zmpop");
    uint64_t most = kv_cmd_bound_default(c);
    for (uint32_t i = 0; i < a.numkeys; i++) {
        struct kv_slice av[8];
        struct kv_cmd_ctx l = lmpop_one(c, &a, i, av);
        most = KV_MAX(most, t->reply_bound(&l));
    }
    return most;
}

/* ---- table ------------------------------------------------------------------ */

#define W (KV_CMD_WRITE | KV_CMD_BLOCKING)
#define D KV_CMD_DENYOOM

static const struct kv_cmd block_cmds[] = {
    {"blpop", -3, W, cmd_blpop, bound_blpop, NULL, KV_KEYS(1, -2, 1)},
    {"brpop", -3, W, cmd_brpop, bound_brpop, NULL, KV_KEYS(1, -2, 1)},
    {"blmove", 6, W | D, cmd_blmove, bound_blmove, NULL, KV_KEYS(1, 2, 1)},
    {"brpoplpush", 4, W | D, cmd_brpoplpush, bound_brpoplpush, NULL, KV_KEYS(1, 2, 1)},
    {"blmpop", -5, W, cmd_blmpop, bound_blmpop, NULL, KV_KEYNUM(2)},
    {"bzpopmin", -3, W | KV_CMD_FAST, cmd_bzpopmin, bound_bzpop, NULL, KV_KEYS(1, -2, 1)},
    {"bzpopmax", -3, W | KV_CMD_FAST, cmd_bzpopmax, bound_bzpop, NULL, KV_KEYS(1, -2, 1)},
    {"bzmpop", -5, W, cmd_bzmpop, bound_bzmpop, NULL, KV_KEYNUM(2)},
};

const struct kv_cmd_group kv_cmds_block = {block_cmds, KV_ARRAY_LEN(block_cmds)};

/*
 * sim_model_block.c: the model of blocking pops (BLPOP BRPOP BLMOVE BRPOPLPUSH
 * BLMPOP, and BZPOPMIN BZPOPMAX BZMPOP of sorted sets) and of XREAD BLOCK, from Redis
 * 7.0's documented and observed behaviour: who is blocked on what, in what order, and
 * what each gets. A list waiter is served only by a list, a sorted-set waiter only by
 * a sorted set, a stream reader only by a stream (a key is readied for waiters of its
 * type). A stream is ready at every XADD (sim_model_xcmd.c) and at its creation; it
 * serves each reader whose ID (recorded when it blocked, `$` resolved) its last ID is
 * past, oldest first, and a reader it does not serve leaves the key to the next one
 * (xread_due). Test code: heap allowed.
 *
 * - A blocking command that finds every key missing (outside EXEC) blocks: the core
 *   reports it with no reply and its session flagged blocked (sim_model_block).
 *   The model records the session, its keys, its deadline and its order.
 * - A list or sorted-set key created (m_add) while sessions of its type wait on it
 *   becomes ready, once, in
 *   creation order (Redis's signalKeyAsReady in dbAdd). After each top-level
 *   command the model serves the ready keys in order, each key's waiters oldest
 *   first, one element (BLMPOP: COUNT) each while the key is a non-empty list, by
 *   running the non-blocking twin (LPOP RPOP LMOVE RPOPLPUSH LMPOP) on its own
 *   data; a served BLMOVE creates or grows its destination, which may serve more.
 *   Each prediction is queued: the core's next reports must be exactly those
 *   sessions, in that order, with those replies (exactly once each).
 * - A blocked session reported with a nil and no prediction timed out: its deadline
 *   must be before that command's time (Redis: timeout < now), and no later than
 *   the deadline plus one tick (1000/hz ms, +2 ms of timer granularity) unless the
 *   simulator jumped the realtime clock meanwhile.
 * Invariant: a session is blocked in the model exactly when the core has it
 * blocked (sim_check.c compares after every tick).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_stream.h"

struct mblocked {
    uint64_t session;
    uint64_t seq;            /* blocking order */
    int64_t deadline;        /* 0: forever */
    uint64_t jumps;          /* clock jumps when it blocked */
    bool deferred;           /* the core found no room for its reply: retried later */
    uint32_t argc;
    struct mval *argv;       /* the blocking command */
    struct mblocked *next;
    struct m_xid *gt;        /* XREAD: each key argument's ID it reads after ($ resolved) */
    bool skip;               /* XREAD: its serve was deferred; tried again when its key is */
};

struct mblocks {
    struct mblocked *head;   /* oldest first */
    uint64_t seq;
    struct mval *ready;
    uint32_t nready;
    struct mval *stalled;    /* keys a deferral stopped: the core serves them at any write */
    uint32_t nstalled;
    uint32_t tick_ms;
    uint64_t jumps;          /* the world's clock jumps plus hz_changes */
    uint64_t hz_changes;     /* tick lengths seen change (CONFIG SET hz) */
    uint32_t tick_prev;      /* the tick before the last change(s) ... */
    int64_t tick_changed_mono; /* ... and when the model saw it change (monotonic ms) */
    int64_t real_minus_mono; /* realtime - monotonic at the last command (moves on jumps) */
};

static struct mblocks *blocks(struct sim_model *m) {
    if (m->blk == NULL) {
        m->blk = calloc(1, sizeof(struct mblocks));
        KV_ASSERT(m->blk != NULL);
        m->blk->tick_ms = 100;
    }
    return m->blk;
}

void sim_model_block_clock(struct sim_model *m, uint32_t tick_ms, uint64_t jumps,
                           int64_t real_ms, int64_t mono_ms) {
    struct mblocks *b = blocks(m);
    /* A run-time CONFIG SET hz changes the tick only from the server's next tick on
     * (seed 10): a wait across the change is judged leniently, as across a clock jump.
     * The server's timer runs on the monotonic clock, so the window is kept there: a
     * realtime jump after the change does not end it (seed 906356033). Changes within
     * the window of the one before may still run under the older, longer period (hz 1,
     * then hz 240 before the 1 s tick came: seed 906356011): the longest one counts. */
    if (b->tick_ms != 0 && tick_ms != b->tick_ms) {
        bool chained = b->tick_changed_mono != 0 &&
                       mono_ms <= b->tick_changed_mono + 2 * (int64_t)b->tick_prev;
        b->hz_changes++;
        b->tick_prev = chained ? KV_MAX(b->tick_prev, b->tick_ms) : b->tick_ms;
        b->tick_changed_mono = mono_ms;
    }
    b->tick_ms = tick_ms;
    b->jumps = jumps + b->hz_changes;
    b->real_minus_mono = real_ms - mono_ms;
}

static bool is_cmd(struct kv_slice s, const char *lower) { return m_eq_nocase(s, lower); }

/* BLMPOP BZMPOP: timeout, numkeys, keys. */
static bool is_mpop(struct kv_slice s) { return is_cmd(s, "blmpop") || is_cmd(s, "bzmpop"); }

static bool is_xread(struct kv_slice s) { return is_cmd(s, "xread"); }

/* The type a blocked command waits for: BZ* a sorted set, XREAD a stream, the others
 * a list. */
static uint8_t wants(struct kv_slice s) {
    if (is_xread(s)) return SIM_MODEL_STREAM;
    return s.len > 2 && (s.ptr[1] | 0x20) == 'z' ? SIM_MODEL_ZSET : SIM_MODEL_LIST;
}

/* XREAD's STREAMS keys (first, n) and its BLOCK and COUNT (0: none): false when
 * malformed (the command replied an error instead). */
static bool xread_args(uint32_t argc, const struct kv_slice *argv, uint32_t *first,
                       uint32_t *n, int64_t *block_ms, int64_t *count) {
    *block_ms = -1;
    *count = 0;
    for (uint32_t i = 1; i + 1 < argc; i++) {
        if (m_opt_eq(argv[i], "streams")) {
            *first = i + 1;
            *n = (argc - i - 1) / 2;
            return (argc - i - 1) % 2 == 0 && *n >= 1;
        }
        bool blk = m_opt_eq(argv[i], "block");
        if (!blk && !m_opt_eq(argv[i], "count")) return false;
        int64_t v;
        if (!m_str2ll(argv[i + 1].ptr, argv[i + 1].len, &v)) return false;
        if (blk) *block_ms = v;
        else *count = v < 0 ? 0 : v;
        i++;
    }
    return false;
}

/* Redis 7.0's timeout in seconds: NULL and the deadline (0: forever) or the error. */
static const char *timeout_of(struct kv_slice arg, int64_t now, int64_t *deadline) {
    long double v;
    if (!m_str2ld(arg.ptr, arg.len, &v)) return "ERR timeout is not a float or out of range";
    long double ms = ceill(v * 1000.0L); /* rounded up: 0.0005 s is 1 ms */
    int64_t t = (ms < 9223372036854775808.0L && ms > -9223372036854775808.0L) ? (int64_t)ms
                                                                               : INT64_MIN;
    if (t < 0) return "ERR timeout is negative";
    *deadline = (t > 0 && t <= INT64_MAX - now) ? now + t : 0;
    return NULL;
}

/* The keys a blocking command waits on: their first argument index and count, or
 * false (an argument error: the command replies it instead). */
static bool keys_of(uint32_t argc, const struct kv_slice *argv, uint32_t *first, uint32_t *n) {
    if (is_xread(argv[0])) {
        int64_t ms, count;
        return xread_args(argc, argv, first, n, &ms, &count);
    }
    if (is_cmd(argv[0], "blpop") || is_cmd(argv[0], "brpop") || is_cmd(argv[0], "bzpopmin") ||
        is_cmd(argv[0], "bzpopmax")) {
        *first = 1;
        *n = argc - 2;
        return argc >= 3;
    }
    if (is_cmd(argv[0], "blmove") || is_cmd(argv[0], "brpoplpush")) {
        *first = 1;
        *n = 1;
        return true;
    }
    KV_ASSERT(is_mpop(argv[0]));
    int64_t k;
    if (argc < 5 || !m_str2ll(argv[2].ptr, argv[2].len, &k) || k < 1 || k > argc - 4)
        return false;
    *first = 3;
    *n = (uint32_t)k;
    return true;
}

static struct mblocked *find_blocked(struct mblocks *b, uint64_t session, struct mblocked ***at) {
    for (struct mblocked **pp = &b->head; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->session != session) continue;
        if (at != NULL) *at = pp;
        return *pp;
    }
    return NULL;
}

static void blocked_free(struct mblocked *x) {
    for (uint32_t i = 0; i < x->argc; i++) free(x->argv[i].p);
    free(x->argv);
    free(x->gt);
    free(x);
}

/* A C string equal to "$" (Redis compares the argument with strcmp). */
static bool is_dollar(struct kv_slice s) { return s.len >= 1 && s.ptr[0] == '$' &&
                                                  (s.len == 1 || s.ptr[1] == 0); }

/* XREAD BLOCK that found nothing: each key's ID (resolved now: $ is the stream's last
 * ID) into gt, or the reason the model would not block it. */
static const char *xread_blocks(struct sim_model *m, uint32_t argc, const struct kv_slice *argv,
                                int64_t now, int64_t *deadline, struct m_xid **gt) {
    uint32_t first, n;
    int64_t ms, count;
    if (!xread_args(argc, argv, &first, &n, &ms, &count) || ms < 0) return "bad arguments";
    *deadline = ms > 0 && ms <= INT64_MAX - now ? now + ms : 0;
    *gt = calloc(n, sizeof(struct m_xid));
    KV_ASSERT(*gt != NULL);
    for (uint32_t k = 0; k < n; k++) {
        struct mentry *e = m_lookup(m, argv[first + k], now);
        struct kv_slice id = argv[first + n + k];
        struct m_xid live;
        if (e != NULL && e->type != SIM_MODEL_STREAM) return "WRONGTYPE";
        if (is_dollar(id)) (*gt)[k] = e != NULL ? e->xs->last : (struct m_xid){0, 0};
        else if (!m_xid_parse(id, 0, true, NULL, &(*gt)[k])) return "a bad ID";
        if (e != NULL && m_xs_last_live(e->xs, &live) && m_xid_cmp(live, (*gt)[k]) > 0)
            return "a stream has entries to read";
    }
    return NULL;
}

static uint32_t waits_on(const struct mblocked *x, struct mval key);
static struct mblocked *next_due(struct sim_model *m, struct mblocks *b,
                                 struct mblocked ***link, uint32_t *k);

bool sim_model_block(struct sim_model *m, uint64_t session, uint32_t argc,
                     const struct kv_slice *argv, int64_t now, char *why, uint32_t why_cap) {
    struct mblocks *b = blocks(m);
    m->now = now;
    if (why_cap > 0) why[0] = 0;
    if (find_blocked(b, session, NULL) != NULL) return true; /* run again, still waiting */
    /* the core's drain after the last command is over: keys that served nobody then
     * are done (a stream's last ID may be past this new reader's ID: not served now) */
    struct mblocked **link;
    uint32_t k;
    (void)next_due(m, b, &link, &k);
    struct msession *s = m_session(m, session);
    uint32_t first, n;
    int64_t deadline = 0;
    struct m_xid *gt = NULL;
    uint32_t ti = is_mpop(argv[0]) ? 1 : argc - 1;
    const char *err = NULL;
    if (is_xread(argv[0])) err = xread_blocks(m, argc, argv, now, &deadline, &gt);
    else if (keys_of(argc, argv, &first, &n)) err = timeout_of(argv[ti], now, &deadline);
    else err = "bad arguments";
    bool ok = err == NULL && !s->multi && !s->exec_pending;
    for (uint32_t i = 0; ok && !is_xread(argv[0]) && i < n; i++)
        ok = m_lookup(m, argv[first + i], now) == NULL; /* every key missing */
    if (!ok) {
        snprintf(why, why_cap, "the core blocked a command the model would not block (%s)",
                 err != NULL ? err : "a key exists, MULTI, or a serve is pending");
        free(gt);
        return false;
    }
    struct mblocked *x = calloc(1, sizeof(*x));
    KV_ASSERT(x != NULL);
    *x = (struct mblocked){session, b->seq++, deadline, b->jumps, false, argc, NULL, NULL,
                           gt, false};
    x->argv = calloc(argc, sizeof(struct mval));
    KV_ASSERT(x->argv != NULL);
    for (uint32_t i = 0; i < argc; i++) {
        x->argv[i].p = malloc(argv[i].len + 1);
        KV_ASSERT(x->argv[i].p != NULL);
        memcpy(x->argv[i].p, argv[i].ptr, argv[i].len);
        x->argv[i].len = argv[i].len;
    }
    struct mblocked **pp = &b->head;
    while (*pp != NULL) pp = &(*pp)->next;
    *pp = x;
    return true;
}

/* A list or sorted-set key was created: ready if someone waits on it for its type
 * (once while pending). */
void m_block_created(struct sim_model *m, const uint8_t *key, uint32_t klen, uint8_t type) {
    struct mblocks *b = m->blk;
    if (b == NULL || b->head == NULL) return;
    /* a stream's readers are walked afresh: a deferred one is tried again (kv's walk) */
    for (struct mblocked *x = b->head; type == SIM_MODEL_STREAM && x != NULL; x = x->next)
        if (x->skip && waits_on(x, (struct mval){(uint8_t *)(uintptr_t)key, klen}) != 0)
            x->skip = false;
    for (uint32_t i = 0; i < b->nready; i++)
        if (b->ready[i].len == klen && memcmp(b->ready[i].p, key, klen) == 0) return;
    bool waited = false;
    for (struct mblocked *x = b->head; x != NULL && !waited; x = x->next) {
        uint32_t first, n;
        struct kv_slice av[64];
        if (x->argc > 64 || wants((struct kv_slice){x->argv[0].p, x->argv[0].len}) != type)
            continue;
        for (uint32_t i = 0; i < x->argc; i++) av[i] = (struct kv_slice){x->argv[i].p,
                                                                         x->argv[i].len};
        if (!keys_of(x->argc, av, &first, &n)) continue;
        for (uint32_t i = 0; i < n; i++)
            waited = waited || (av[first + i].len == klen &&
                                memcmp(av[first + i].ptr, key, klen) == 0);
    }
    if (!waited) return;
    b->ready = realloc(b->ready, (b->nready + 1) * sizeof(struct mval));
    KV_ASSERT(b->ready != NULL);
    uint8_t *p = malloc(klen + 1);
    KV_ASSERT(p != NULL);
    memcpy(p, key, klen);
    b->ready[b->nready++] = (struct mval){p, klen};
}

/* The model's reply for x served from key argv[k]: its twin run on the model. */
static void serve_one(struct sim_model *m, struct mblocked *x, uint32_t k, struct sim_buf *out) {
    struct kv_slice av[64];
    for (uint32_t i = 0; i < x->argc; i++) av[i] = (struct kv_slice){x->argv[i].p, x->argv[i].len};
    struct kv_slice tw[8];
    uint32_t tn = 0;
    if (is_xread(av[0])) { /* the first occurrence's ID, only the key served */
        uint32_t first, n;
        int64_t ms, count;
        KV_ASSERT(xread_args(x->argc, av, &first, &n, &ms, &count) && k >= first);
        m_xread_serve(m, x->session, av[k], x->gt[k - first], count, out);
        return;
    }
    if (is_cmd(av[0], "blpop") || is_cmd(av[0], "brpop")) {
        struct sim_buf one = {0};
        tw[0] = (struct kv_slice){(const uint8_t *)(is_cmd(av[0], "blpop") ? "lpop" : "rpop"),
                                  4};
        tw[1] = av[k];
        m_run(m, x->session, 2, tw, &one);
        sim_buf_array(out, 2);
        sim_buf_bulk(out, av[k].ptr, av[k].len);
        sim_buf_put(out, one.p, one.len);
        sim_buf_free(&one);
        return;
    }
    if (is_cmd(av[0], "bzpopmin") || is_cmd(av[0], "bzpopmax")) { /* key, member, score */
        struct sim_buf one = {0};
        tw[0] = (struct kv_slice){(const uint8_t *)(is_cmd(av[0], "bzpopmin") ? "zpopmin"
                                                                              : "zpopmax"), 7};
        tw[1] = av[k];
        m_run(m, x->session, 2, tw, &one);
        KV_ASSERT(one.len > 4 && memcmp(one.p, "*2\r\n", 4) == 0);
        sim_buf_array(out, 3);
        sim_buf_bulk(out, av[k].ptr, av[k].len);
        sim_buf_put(out, one.p + 4, one.len - 4);
        sim_buf_free(&one);
        return;
    }
    if (is_cmd(av[0], "blmove")) {
        tw[0] = (struct kv_slice){(const uint8_t *)"lmove", 5};
        for (uint32_t i = 1; i <= 4; i++) tw[i] = av[i];
        tn = 5;
    } else if (is_cmd(av[0], "brpoplpush")) {
        tw[0] = (struct kv_slice){(const uint8_t *)"rpoplpush", 9};
        tw[1] = av[1];
        tw[2] = av[2];
        tn = 3;
    } else {
        uint32_t first, n;
        KV_ASSERT(keys_of(x->argc, av, &first, &n));
        tw[0] = (struct kv_slice){(const uint8_t *)(is_cmd(av[0], "bzmpop") ? "zmpop"
                                                                            : "lmpop"), 5};
        tw[1] = (struct kv_slice){(const uint8_t *)"1", 1};
        tw[2] = av[k];
        tn = 3;
        for (uint32_t i = first + n; i < x->argc && tn < 8; i++) tw[tn++] = av[i];
    }
    m_run(m, x->session, tn, tw, out);
}

/* x waits on key? Its argument index, or 0. */
static uint32_t waits_on(const struct mblocked *x, struct mval key) {
    struct kv_slice av[64];
    if (x->argc > 64) return 0;
    for (uint32_t i = 0; i < x->argc; i++) av[i] = (struct kv_slice){x->argv[i].p, x->argv[i].len};
    uint32_t first, n;
    if (!keys_of(x->argc, av, &first, &n)) return 0;
    for (uint32_t i = 0; i < n; i++)
        if (av[first + i].len == key.len && memcmp(av[first + i].ptr, key.p, key.len) == 0)
            return first + i;
    return 0;
}

static void ready_pop(struct mblocks *b) {
    KV_ASSERT(b->nready > 0);
    free(b->ready[0].p);
    memmove(b->ready, b->ready + 1, (b->nready - 1) * sizeof(struct mval));
    b->nready--;
}

/* The session the core must serve next: the oldest waiter of the first ready key
 * that is a non-empty list (keys that are not are dropped, as the core stops them),
 * with *link where it is linked and *k its key argument; NULL when nothing is due. */
/* x, an XREAD waiting on key (argument k), is served by the stream now: its last ID
 * is past x's ID for that key (Redis: s->last_id > gt); not while deferred. */
static bool xread_due(const struct mblocked *x, const struct mentry *e, uint32_t k) {
    struct kv_slice a0 = {x->argv[0].p, x->argv[0].len};
    struct kv_slice av[64];
    uint32_t first, n;
    int64_t ms, count;
    if (x->skip || x->argc > 64 || !is_xread(a0)) return false;
    for (uint32_t i = 0; i < x->argc; i++) av[i] = (struct kv_slice){x->argv[i].p,
                                                                     x->argv[i].len};
    KV_ASSERT(xread_args(x->argc, av, &first, &n, &ms, &count) && k >= first);
    return m_xid_cmp(e->xs->last, x->gt[k - first]) > 0;
}

/* The session the core must serve next: the oldest waiter of the first ready key
 * that is a non-empty list or sorted set of its type (a stream: the oldest reader it
 * serves, xread_due); keys that serve nobody are dropped, as the core stops them.
 * *link is where it is linked and *k its key argument; NULL when nothing is due. */
static struct mblocked *next_due(struct sim_model *m, struct mblocks *b,
                                 struct mblocked ***link, uint32_t *k) {
    for (uint32_t guard = 0; guard < 1000000 && b->nready > 0; guard++) {
        struct mval key = b->ready[0];
        struct mentry *e = m_lookup(m, (struct kv_slice){key.p, key.len}, m->now);
        bool stream = e != NULL && e->type == SIM_MODEL_STREAM;
        bool full = stream || (e != NULL && (e->type == SIM_MODEL_LIST ? e->list.count > 0
                                             : e->type == SIM_MODEL_ZSET && e->hs.count > 0));
        if (full) {
            for (struct mblocked **pp = &b->head; *pp != NULL; pp = &(*pp)->next) {
                if (wants((struct kv_slice){(*pp)->argv[0].p, (*pp)->argv[0].len}) != e->type)
                    continue;
                if ((*k = waits_on(*pp, key)) == 0) continue;
                if (stream && !xread_due(*pp, e, *k)) continue;
                *link = pp;
                return *pp;
            }
        }
        ready_pop(b);
    }
    return NULL;
}

/* Nothing is served at command ends: m_block_report checks each serve as the core
 * reports it (next_due), so a deferral (no room) is followed exactly. */
void m_block_serve(struct sim_model *m) { (void)m; }

bool sim_model_block_due(struct sim_model *m, uint64_t *session) {
    struct mblocks *b = m->blk;
    struct mblocked **link, *x;
    uint32_t k;
    if (b == NULL || (x = next_due(m, b, &link, &k)) == NULL) return false;
    *session = x->session;
    return true;
}

/* The core deferred x's serve: it stops x's key (the front ready key) for now. */
void sim_model_block_defer(struct sim_model *m, uint64_t session) {
    struct mblocks *b = blocks(m);
    struct mblocked *x = find_blocked(b, session, NULL);
    if (x == NULL) return;
    x->deferred = true;
    struct mblocked **link, *due;
    uint32_t k;
    due = next_due(m, b, &link, &k);
    if (due != x) return;
    if (is_xread((struct kv_slice){x->argv[0].p, x->argv[0].len})) {
        x->skip = true; /* the core passes the stream on to its next reader */
        return;
    }
    struct mval front = b->ready[0];
    for (uint32_t i = 0; i < b->nstalled; i++) {
        if (b->stalled[i].len != front.len || memcmp(b->stalled[i].p, front.p, front.len) != 0)
            continue;
        ready_pop(b); /* stalled already */
        return;
    }
    b->stalled = realloc(b->stalled, (b->nstalled + 1) * sizeof(struct mval));
    KV_ASSERT(b->stalled != NULL);
    struct mval key = b->ready[0];
    uint8_t *p = malloc(key.len + 1);
    KV_ASSERT(p != NULL);
    memcpy(p, key.p, key.len);
    b->stalled[b->nstalled++] = (struct mval){p, key.len};
    ready_pop(b);
}

static bool nil(const struct mctx *c) {
    if (c->reply_len == 3 && memcmp(c->reply, "_\r\n", 3) == 0) return true;
    return c->reply_len == 5 && memcmp(c->reply, "*-1\r\n", 5) == 0;
}

/* Does the core's reply to x come from key? BLPOP BRPOP BLMPOP BZMPOP name their key
 * first (an array of two), BZPOPMIN/MAX too (of three); BLMOVE and BRPOPLPUSH have
 * one key. */
static bool reply_names(const struct mctx *c, const struct mblocked *x, struct mval key) {
    struct kv_slice cmd = {x->argv[0].p, x->argv[0].len};
    if (is_cmd(cmd, "blmove") || is_cmd(cmd, "brpoplpush")) return true;
    char head[32];
    bool three = is_cmd(cmd, "bzpopmin") || is_cmd(cmd, "bzpopmax");
    int n = snprintf(head, sizeof(head), "*%d\r\n$%u\r\n", three ? 3 : 2, key.len);
    KV_ASSERT(n > 0 && (size_t)n < sizeof(head));
    return c->reply_len >= (uint32_t)n + key.len && memcmp(c->reply, head, (size_t)n) == 0 &&
           memcmp(c->reply + n, key.p, key.len) == 0;
}

/* Stalled key i is ready again (a write to it readied it in the core): it leaves
 * the stalled keys and heads the ready ones, as the core now serves it, waiter
 * after waiter, before any key the serve readies (seed 141). */
static void stalled_resume(struct mblocks *b, uint32_t i) {
    struct mval key = b->stalled[i];
    memmove(b->stalled + i, b->stalled + i + 1, (b->nstalled - i - 1) * sizeof(struct mval));
    b->nstalled--;
    for (uint32_t j = 0; j < b->nready; j++) {
        if (b->ready[j].len != key.len || memcmp(b->ready[j].p, key.p, key.len) != 0) continue;
        free(b->ready[j].p); /* moves to the front */
        memmove(b->ready + j, b->ready + j + 1, (b->nready - j - 1) * sizeof(struct mval));
        b->nready--;
        break;
    }
    b->ready = realloc(b->ready, (b->nready + 1) * sizeof(struct mval));
    KV_ASSERT(b->ready != NULL);
    memmove(b->ready + 1, b->ready, b->nready * sizeof(struct mval));
    b->ready[0] = key;
    b->nready++;
}

/* x served by the core from a key a deferral stalled, which kv readies again at a
 * write that leaves it a list or sorted set (Redis never stalls one), in that
 * write's order among the keys it readies: before a key a later serve readies, so
 * whatever else is due (seed 921996383 --crowd). Its first waiter of that type must
 * be x; of x's stalled keys, the one its reply names (the core readied the key
 * written, seed 141); the key is ready again (stalled_resume). */
static bool stalled_serve(struct sim_model *m, struct mblocks *b, struct mblocked *x,
                          const struct mctx *c, uint32_t *k) {
    for (uint32_t i = 0; i < b->nstalled; i++) {
        struct mval key = b->stalled[i];
        struct mentry *e = m_lookup(m, (struct kv_slice){key.p, key.len}, m->now);
        uint8_t t = wants((struct kv_slice){x->argv[0].p, x->argv[0].len});
        bool full = e != NULL && e->type == t && (t == SIM_MODEL_LIST ? e->list.count > 0
                                                  : t == SIM_MODEL_ZSET && e->hs.count > 0);
        if (!full || !reply_names(c, x, key)) continue;
        for (struct mblocked *w = b->head; w != NULL; w = w->next) {
            uint32_t at = waits_on(w, key);
            if (at == 0 || wants((struct kv_slice){w->argv[0].p, w->argv[0].len}) != t)
                continue;
            if (w != x) break;
            *k = at;
            stalled_resume(b, i);
            return true;
        }
    }
    return false;
}

/* A deferred session's retry: the core readies its distinct keys again, the last
 * first (its list of keys is in reverse order of first occurrence: k0 k1 k0 readies
 * k1 then k0), at the retry itself (sim_model_block_retry), before the drain that
 * follows: that drain may first run other sessions from those keys (seed 141). */
static void retry_keys(struct sim_model *m, struct mblocked *x) {
    struct kv_slice av[64];
    uint32_t first, n;
    if (x->argc > 64) return;
    for (uint32_t i = 0; i < x->argc; i++) av[i] = (struct kv_slice){x->argv[i].p,
                                                                     x->argv[i].len};
    if (!keys_of(x->argc, av, &first, &n)) return;
    for (uint32_t i = first + n; i > first; i--) {
        bool repeat = false;
        for (uint32_t j = first; j < i - 1 && !repeat; j++)
            repeat = av[j].len == av[i - 1].len &&
                     memcmp(av[j].ptr, av[i - 1].ptr, av[j].len) == 0;
        if (!repeat) m_block_created(m, av[i - 1].ptr, av[i - 1].len, wants(av[0]));
    }
}

void sim_model_block_retry(struct sim_model *m, uint64_t session) {
    struct mblocks *b = m->blk;
    struct mblocked *x = b != NULL ? find_blocked(b, session, NULL) : NULL;
    if (x != NULL) retry_keys(m, x);
}

static bool timed_out(struct mctx *c, struct mblocks *b, struct mblocked *x) {
    /* kv runs a timed-out client's frame again, and CLIENT PAUSE holds that run until
     * the pause ends (Redis replies at the deadline): a pause past it is lenient */
    bool lenient = x->jumps != b->jumps || x->deferred || c->m->pause_end > x->deadline;
    /* the server's timer keeps the old period until its next tick and takes the new
     * one from there: a deadline within two old ticks after a CONFIG SET hz is judged
     * leniently, as across a clock jump (sim.sh's ranges: 20 seeds failed on it) */
    if (b->tick_changed_mono != 0 && x->deadline - b->real_minus_mono <=
                                         b->tick_changed_mono +
                                             2 * (int64_t)KV_MAX(b->tick_prev, b->tick_ms))
        lenient = true;
    int64_t late = x->deadline + (int64_t)b->tick_ms + 2;
    bool ok = nil(c) && x->deadline != 0 && x->deadline < c->now && (lenient || c->now <= late);
    if (!ok)
        m_why(c, "blocked session replied without a serve: deadline %lld, now %lld, tick %u",
              (long long)x->deadline, (long long)c->now, b->tick_ms);
    sim_buf_put(c->out, c->reply, c->reply_len); /* a timeout's nil, as the session's */
    return ok;
}

/*
 * Any report: a serve due (next_due) must be this session's, with the reply its
 * twin gives on the model's data, unless it is a blocked session's serve from a
 * stalled key (stalled_serve); otherwise a blocked session's report is its timeout
 * (or a deferred one's retry). *handled: this was a blocking report.
 */
bool m_block_report(struct mctx *c, bool *handled, bool (*compare)(struct mctx *c)) {
    struct mblocks *b = c->m->blk;
    *handled = false;
    if (b == NULL) return true;
    struct mblocked **link, *x = find_blocked(b, c->session, &link);
    uint32_t k = 0;
    struct mblocked *due = next_due(c->m, b, &link, &k);
    if (due == NULL && x == NULL) return true;
    *handled = true;
    /* a stalled key kv readied again at a write may come before a key readied later
     * (a served BLMOVE's destination, seed 921996383 --crowd): the model knows no
     * write's touches, so it accepts that serve whatever else is due */
    bool other = due == NULL || due->session != c->session;
    bool stalled = other && x != NULL && !nil(c) && stalled_serve(c->m, b, x, c, &k);
    if (!stalled && due != NULL && due->session != c->session) {
        m_why(c, "session %llu must be served first (a blocked client, in order)",
              (unsigned long long)due->session);
        return false;
    }
    if (stalled) {
        KV_ASSERT(find_blocked(b, c->session, &link) == x);
        *link = x->next;
        serve_one(c->m, x, k, c->out);
        blocked_free(x);
        return compare(c);
    }
    if (due == NULL) {
        KV_ASSERT(find_blocked(b, c->session, &link) == x);
        *link = x->next;
        bool ok = timed_out(c, b, x);
        blocked_free(x);
        return ok;
    }
    *link = due->next;
    static const char oom[] = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    struct kv_slice name = {due->argv[0].p, due->argv[0].len};
    bool moves = is_cmd(name, "blmove") || is_cmd(name, "brpoplpush");
    if (moves && c->reply_len == sizeof(oom) - 1 && memcmp(c->reply, oom, c->reply_len) == 0) {
        /* kv's data region could not take the destination: nothing moved (the
         * served client gets the error; Redis has no such limit) */
        c->m->stats.oom++;
        blocked_free(due);
        sim_buf_put(c->out, c->reply, c->reply_len);
        return true;
    }
    serve_one(c->m, due, k, c->out);
    blocked_free(due);
    return compare(c);
}

void m_block_session_end(struct sim_model *m, uint64_t session) {
    struct mblocks *b = m->blk;
    if (b == NULL) return;
    struct mblocked **at, *x = find_blocked(b, session, &at);
    if (x == NULL) return;
    *at = x->next;
    blocked_free(x);
}

void sim_model_block_drop(struct sim_model *m, uint64_t session) {
    m_block_session_end(m, session);
}

bool sim_model_blocked(const struct sim_model *m, uint64_t session) {
    return m->blk != NULL && find_blocked(m->blk, session, NULL) != NULL;
}

uint32_t sim_model_blocked_count(const struct sim_model *m) {
    uint32_t n = 0;
    for (const struct mblocked *x = m->blk != NULL ? m->blk->head : NULL; x; x = x->next) n++;
    return n;
}

void m_block_free(struct sim_model *m) {
    struct mblocks *b = m->blk;
    if (b == NULL) return;
    for (struct mblocked *x = b->head; x != NULL;) {
        struct mblocked *next = x->next;
        blocked_free(x);
        x = next;
    }
    for (uint32_t i = 0; i < b->nready; i++) free(b->ready[i].p);
    for (uint32_t i = 0; i < b->nstalled; i++) free(b->stalled[i].p);
    free(b->ready);
    free(b->stalled);
    free(b);
    m->blk = NULL;
}

/* ---- the commands run as plain ones: with data, an error, or inside EXEC -------- */

static void run_twin(struct mctx *c, uint32_t k) {
    struct mblocked x = {c->session, 0, 0, 0, false, c->argc, NULL, NULL, NULL, false};
    x.argv = calloc(c->argc, sizeof(struct mval));
    KV_ASSERT(x.argv != NULL);
    for (uint32_t i = 0; i < c->argc; i++)
        x.argv[i] = (struct mval){(uint8_t *)(uintptr_t)c->argv[i].ptr, c->argv[i].len};
    serve_one(c->m, &x, k, c->out);
    free(x.argv);
}

/* BLMPOP's (BZMPOP's) numkeys, where and COUNT, checked before its timeout (as Redis). */
static const char *mpop_args(const struct mctx *c) {
    bool z = wants(c->argv[0]) == SIM_MODEL_ZSET;
    int64_t k, count = -1;
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &k) || k < 1)
        return "ERR numkeys should be greater than 0";
    if (k > c->argc - 4) return "ERR syntax error";
    uint32_t where = 3 + (uint32_t)k;
    if (!m_opt_eq(c->argv[where], z ? "min" : "left") &&
        !m_opt_eq(c->argv[where], z ? "max" : "right"))
        return "ERR syntax error";
    for (uint32_t j = where + 1; j < c->argc; j++) {
        if (count != -1 || j + 1 >= c->argc || !m_opt_eq(c->argv[j], "count"))
            return "ERR syntax error";
        j++;
        if (!m_str2ll(c->argv[j].ptr, c->argv[j].len, &count) || count < 1)
            return "ERR count should be greater than 0";
    }
    return NULL;
}

static void bl_generic(struct mctx *c) {
    uint32_t first, n;
    bool move = is_cmd(c->argv[0], "blmove") || is_cmd(c->argv[0], "brpoplpush");
    bool mpop = is_mpop(c->argv[0]);
    if (is_cmd(c->argv[0], "blmove")) {
        bool ends = (m_opt_eq(c->argv[3], "left") || m_opt_eq(c->argv[3], "right")) &&
                    (m_opt_eq(c->argv[4], "left") || m_opt_eq(c->argv[4], "right"));
        if (!ends) {
            m_reply_syntax(c);
            return;
        }
    }
    if (mpop) {
        const char *e = mpop_args(c);
        if (e != NULL) {
            sim_buf_error(c->out, e);
            return;
        }
    }
    int64_t deadline;
    uint32_t ti = mpop ? 1 : c->argc - 1;
    KV_ASSERT(keys_of(c->argc, c->argv, &first, &n));
    const char *err = timeout_of(c->argv[ti], c->now, &deadline);
    if (err != NULL) {
        sim_buf_error(c->out, err);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct mentry *e = m_lookup(c->m, c->argv[first + i], c->now);
        if (e == NULL) continue;
        if (e->type != wants(c->argv[0])) {
            m_reply_wrongtype(c);
            return;
        }
        run_twin(c, first + i);
        return;
    }
    if (!m_session(c->m, c->session)->exec_pending) {
        m_why(c, "all keys are empty: the command should have blocked");
        return;
    }
    if (move) sim_buf_null(c->out); /* inside EXEC nothing blocks */
    else sim_buf_null_array(c->out);
}

static const struct mcmd cmds[] = {
    {"blpop", -3, MF_WRITE, bl_generic, NULL},
    {"brpop", -3, MF_WRITE, bl_generic, NULL},
    {"blmove", 6, MF_WRITE | MF_DENYOOM, bl_generic, NULL},
    {"brpoplpush", 4, MF_WRITE | MF_DENYOOM, bl_generic, NULL},
    {"blmpop", -5, MF_WRITE, bl_generic, NULL},
    {"bzpopmin", -3, MF_WRITE, bl_generic, NULL},
    {"bzpopmax", -3, MF_WRITE, bl_generic, NULL},
    {"bzmpop", -5, MF_WRITE, bl_generic, NULL},
};

const struct mcmd_table sim_model_cmds_block = {cmds, KV_ARRAY_LEN(cmds)};

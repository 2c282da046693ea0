/*
 * sim_hostile.c: the hostile-client population (see sim_hostile.h for the kinds
 * and the checks). Each hostile client plays one act per connection: it builds the
 * act's bytes (the script) at once, records the requests it can describe exactly
 * on its track, and releases the bytes over time: in pieces cut at drawn points
 * with pauses between them (the newline of an inline request late, a large
 * request's tail never or one byte at a time). When the act ends (its last byte
 * out and its linger over, or the server closed it) the client checks what is
 * well-defined for the act and leaves; it reconnects for another act.
 *
 * Tracks: an act whose requests fit struct sim_req ("exact") is matched request
 * by request like a well-behaved client's; one that does not (thousands of
 * arguments, empty-frame floods, HTTP) runs with the lenient framing of a
 * corrupted track: its bytes are still compared with what the core produced and
 * every command it runs is still re-executed by the model. Either way the track
 * is `hostile`: the server may close it with replies unsent (hold rule, --timeout)
 * and its requests are not owed at the end.
 *
 * Memory: heap (test code). Never touches the core except through the world.
 */
#include "sim_hostile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/resp.h"
#include "sim_internal.h"
#include "sim_resp.h"
#include "sim_world.h"

#define CUTS_MAX 12u
#define NEVER UINT64_MAX
#define LINGER_MAX 400u        /* ticks an act stays after its last byte, at least */
#define CALM_WINDOW 300u       /* ticks a small act's reply or close may take, faults off */
#define LIVENESS_BASE 1000u    /* ticks of normal latency in the liveness bound */

static const char *const kind_names[SIM_HK_COUNT] = {
    "inline", "empty", "partial", "noread", "http", "watch", "unauth",
};

struct sim_hostile {
    enum sim_hostile_kind kind;
    struct sim_buf script;       /* the act's bytes */
    uint64_t released;           /* bytes of the script handed to the client's out */
    uint64_t cut[CUTS_MAX];      /* release pauses after these offsets, ascending */
    uint32_t pause[CUTS_MAX];    /* ... for this many ticks (NEVER-like: UINT32_MAX) */
    uint32_t cuts;
    uint32_t cut_next;
    uint32_t pause_max;          /* the longest pause but silence */
    uint64_t trickle_from;       /* from here one byte per trickle_ticks (0 ticks: off) */
    uint32_t trickle_ticks;
    uint64_t release_tick;
    uint64_t start_tick;
    uint64_t done_tick;          /* the last byte was released (0: not yet) */
    uint64_t end_tick;           /* the act ends: the client leaves */
    uint32_t linger;             /* ticks after done_tick before the act ends */
    bool reads;                  /* false: never reads (noread) */
    bool calm;                   /* started with faults off: the checks below apply */
    bool must_close;             /* the server must close the connection */
    const char *error;           /* ... after exactly this reply (NULL: any or none) */
    uint32_t must_replies;       /* replies that must arrive (all its requests') */
    uint32_t window;             /* ticks after done_tick for the above */
};

/* ---- limits the acts aim at (each from the drawn configuration) ---------------- */

/* The inline limit counts the whole frame, terminator included (resp.c step_inline). */
static uint64_t inline_limit(const struct sim_world *w) { return w->cfg.proto_inline_max_size; }


/* Frames EXEC once walked at most (queued and empty ones between them): the floods
 * aim at and past this old bound; kept bytes bound the walk now. */
static uint64_t exec_frames_limit(const struct sim_world *w) {
    return w->cfg.multi_max_commands * 4ull + 64;
}

static uint64_t watch_limit(const struct sim_world *w) { return w->cfg.watch_max_keys; }

/* The hold rule's stall window in ticks (server.c hold_check_pool). */
static uint64_t stall_ticks(const struct sim_world *w) { return w->cfg.large_buffer_stall_ms; }

/* How long one hostile holder may keep a large buffer while others wait: with
 * min-progress 0 the rule is off (UINT64_MAX: no bound). A hostile client moves at
 * most one byte per tick while trickling, so with min-progress above the window's
 * ticks it is cut after the window (checked every window/4: 1.25 windows) plus a
 * tick; otherwise it may legitimately trickle its whole frame in. */
static uint64_t hold_ticks(const struct sim_world *w) {
    uint64_t min = w->cfg.large_buffer_min_progress, stall = stall_ticks(w);
    if (min == 0) return UINT64_MAX;
    uint64_t window = stall + stall / 4 + 1;
    if (min > stall) return window + 1;
    return (w->cfg.client_query_buffer_limit / min + 1) * window + 1;
}

/* The largest value a single request can carry here. */
static uint64_t big_value(const struct sim_world *w) {
    uint64_t limit = w->cfg.client_query_buffer_limit;
    return KV_MIN(w->cfg.proto_max_bulk_len, limit - 128);
}

/*
 * The liveness bound: how long (ticks of 1 ms) a well-behaved client may wait for
 * the reply to its oldest outstanding request while hostile clients are present:
 *
 *   2 pools x (hostile / large_buffers + 1) x hold_ticks() (a stall window + ticks)
 * + 2 pools x (clients / large_buffers + 1) x (one large frame through a pipe)
 * + normal latency
 *
 * Every hostile client may hold a large request buffer and a large reply buffer
 * until the hold rule takes it (one stall window); a waiter is never overtaken,
 * so it waits at most one round of holders per buffer ahead of it. Well-behaved
 * clients hold a buffer while their frame crosses the pipe (and a reply back).
 */
uint64_t sim_liveness_bound_ticks(const struct sim_world *w) {
    uint64_t bufs = w->cfg.large_buffers;
    KV_ASSERT(bufs >= 1 && w->pipe_bytes > 0);
    uint64_t hold = hold_ticks(w);
    if (hold == UINT64_MAX || hold > (1ull << 40)) return UINT64_MAX; /* no rule: no bound */
    uint64_t hostile_rounds = w->hostile_count / bufs + 1;
    uint64_t rounds = w->client_count / bufs + 1;
    uint64_t frame = w->cfg.client_query_buffer_limit / w->pipe_bytes + 2;
    return 2 * hostile_rounds * hold + 2 * rounds * frame + LIVENESS_BASE;
}

/* ---- drawing ---------------------------------------------------------------- */

uint32_t sim_hostile_draw(struct sim_world *w, bool forced) {
    struct kv_prng p;
    kv_prng_init(&p, w->seed ^ 0x686f7374696c6521ull);
    bool on = forced || (!w->no_hostile && !w->crowd && kv_prng_chance(&p, 1, 4));
    if (!on || w->no_hostile) return 0;
    uint32_t kinds = 0;
    for (uint32_t k = 0; k < SIM_HK_UNAUTH; k++)
        if (kv_prng_chance(&p, 1, 2)) kinds |= 1u << k;
    if (kinds == 0) kinds = 1u << kv_prng_below(&p, SIM_HK_UNAUTH);
    struct kv_prng u; /* the unauth kind: a stream of its own (see kinds_in_play) */
    kv_prng_init(&u, w->seed ^ 0x756e617574686564ull);
    if (kv_prng_chance(&u, 1, 2)) kinds |= 1u << SIM_HK_UNAUTH;
    w->hostile_kinds = w->hostile_kinds != 0 ? w->hostile_kinds : kinds; /* --hostile=KINDS */
    return 1 + (uint32_t)kv_prng_below(&p, 2 * w->cfg.large_buffers + 4);
}

uint32_t sim_hostile_kinds_parse(const char *list) {
    uint32_t kinds = 0;
    for (const char *p = list; p != NULL && *p != 0;) {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        uint32_t k = 0;
        while (k < SIM_HK_COUNT && (strlen(kind_names[k]) != n || memcmp(kind_names[k], p, n)))
            k++;
        if (k == SIM_HK_COUNT) return 0;
        kinds |= 1u << k;
        p = end != NULL ? end + 1 : NULL;
    }
    return kinds;
}

/* The seed's kinds that play: unauth only with requirepass, unless it is alone. */
static uint32_t kinds_in_play(const struct sim_world *w) {
    uint32_t k = w->hostile_kinds, u = 1u << SIM_HK_UNAUTH;
    return w->cfg.requirepass[0] == 0 && k != u ? k & ~u : k;
}

void sim_hostile_describe(const struct sim_world *w, char *buf, uint32_t cap) {
    KV_ASSERT(cap > 0);
    buf[0] = 0;
    if (w->hostile_count == 0) return;
    uint32_t n = (uint32_t)snprintf(buf, cap, " hostile=%u kinds=", w->hostile_count);
    const char *sep = "";
    for (uint32_t k = 0; k < SIM_HK_COUNT && n < cap; k++) {
        if (!(kinds_in_play(w) & (1u << k))) continue;
        n += (uint32_t)snprintf(buf + n, cap - n, "%s%s", sep, kind_names[k]);
        sep = ",";
    }
}

void sim_hostile_init(struct sim_world *w, struct sim_client *c) {
    KV_ASSERT(c->hostile == NULL && w->hostile_kinds != 0);
    c->hostile = calloc(1, sizeof(struct sim_hostile));
    KV_ASSERT(c->hostile != NULL);
}

void sim_hostile_free(struct sim_client *c) {
    if (c->hostile == NULL) return;
    sim_buf_free(&c->hostile->script);
    free(c->hostile);
    c->hostile = NULL;
}

/* ---- scripts ------------------------------------------------------------------ */

static void put(struct sim_client *c, struct sim_hostile *h, const void *p, uint64_t n) {
    sim_buf_put(&h->script, p, n);
    c->track->wire_pos += n;
}

static void puts_(struct sim_client *c, struct sim_hostile *h, const char *s) {
    put(c, h, s, strlen(s));
}

/* Records a request on the track (exact acts) and appends its multibulk encoding. */
static struct sim_sent *put_req(struct sim_world *w, struct sim_client *c,
                                struct sim_hostile *h, struct sim_sent *s) {
    KV_ASSERT(s->req.argc >= 1 && !c->track->corrupted);
    struct kv_slice argv[SIM_ARGC_MAX];
    sim_req_argv(&s->req, argv);
    uint64_t size = sim_resp_request_size(s->req.argc, argv);
    sim_buf_reserve(&h->script, size);
    uint32_t n = sim_resp_encode(h->script.p + h->script.len, size, s->req.argc, argv);
    KV_ASSERT(n == size);
    h->script.len += n;
    c->track->wire_pos += n;
    s->wire_len = n;
    s->wire_end = c->track->wire_pos;
    s->quiet = w->phase >= SIM_PHASE_QUIET;
    s->sent_tick = w->tick;
    w->requests++;
    h->must_replies++;
    return s;
}

static struct sim_sent *new_req(struct sim_world *w, struct sim_client *c, const char *name) {
    struct sim_sent *s = sim_track_push(w, c->track);
    sim_req_add_str(&s->req, name);
    return s;
}

static void add_cut(struct sim_hostile *h, uint64_t at, uint32_t pause) {
    if (h->cuts == CUTS_MAX || at == 0 || at >= h->script.len) return;
    for (uint32_t k = 0; k < h->cuts; k++)
        if (h->cut[k] == at) return; /* one pause per offset */
    uint32_t i = h->cuts++;
    for (; i > 0 && h->cut[i - 1] > at; i--) { /* insertion: ascending offsets */
        h->cut[i] = h->cut[i - 1];
        h->pause[i] = h->pause[i - 1];
    }
    h->cut[i] = at;
    h->pause[i] = pause;
    if (pause != UINT32_MAX && pause > h->pause_max) h->pause_max = pause;
}

/* A few cuts anywhere in [from, to), each followed by a short pause. */
static void random_cuts(struct sim_client *c, struct sim_hostile *h, uint64_t from,
                        uint64_t to, uint32_t n) {
    for (uint32_t i = 0; i < n && to > from; i++)
        add_cut(h, from + kv_prng_below(&c->prng, to - from), 1 + kv_prng_below(&c->prng, 40));
}

/* Short scripts are sent one byte per tick in one act of four: every split point. */
static void maybe_bytewise(struct sim_client *c, struct sim_hostile *h) {
    if (h->script.len <= 4096 && kv_prng_chance(&c->prng, 1, 4)) {
        h->trickle_from = 0;
        h->trickle_ticks = 1;
    }
}

/* ---- acts ---------------------------------------------------------------------- */

static uint64_t below(struct sim_client *c, uint64_t n) { return kv_prng_below(&c->prng, n); }

/* A per-client key, so acts can set and read their own values. */
static void own_key(struct sim_client *c, char *buf, uint32_t cap, char tag) {
    snprintf(buf, cap, "h%u%c", c->id, tag);
}

/* "ECHO aaa...a" (line bytes in all) plus its terminator, recorded when exact. */
static void put_inline_echo(struct sim_world *w, struct sim_client *c, struct sim_hostile *h,
                            uint64_t line, bool crlf, bool exact) {
    KV_ASSERT(line >= 6);
    uint8_t *fill = malloc(line);
    KV_ASSERT(fill != NULL);
    memcpy(fill, "ECHO ", 5);
    memset(fill + 5, 'a', line - 5);
    if (exact) {
        struct sim_sent *s = new_req(w, c, "ECHO");
        sim_req_add(&s->req, fill + 5, (uint32_t)(line - 5));
        s->quiet = w->phase >= SIM_PHASE_QUIET;
        s->sent_tick = w->tick;
        s->wire_len = line + (crlf ? 2 : 1);
        s->wire_end = c->track->wire_pos + s->wire_len;
        w->requests++;
        h->must_replies++;
    }
    put(c, h, fill, line);
    puts_(c, h, crlf ? "\r\n" : "\n");
    free(fill);
}

/* Inline requests at and one past the inline limit (line bytes), split anywhere,
 * the newline late. At the limit the request runs; past it, the protocol error and
 * EOF; a line no large buffer holds is closed (with or without that error). */
static void act_inline_size(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    static const int32_t deltas[] = {-66, -65, -64, -3, -2, -1, 0, 1, 2, 3, 63, 64, 65, 66, 4096};
    uint64_t lim = inline_limit(w), qlim = w->cfg.client_query_buffer_limit;
    uint32_t pick = (uint32_t)below(c, KV_ARRAY_LEN(deltas) + 1);
    int64_t line = pick == KV_ARRAY_LEN(deltas) ? (int64_t)below(c, lim + lim / 2)
                                                : (int64_t)lim + deltas[pick];
    if (line < 6) line = 6;
    bool crlf = kv_prng_chance(&c->prng, 3, 4);
    uint64_t len = (uint64_t)line, frame = len + (crlf ? 2 : 1);
    bool fits = frame <= lim; /* lim <= qlim: a line past it errs before any close */
    /* ECHO's argument past proto-max-bulk-len is refused as its bulk would be (only
     * kv's limits allow it within the inline limit: resp.c step_inline) */
    bool arg_ok = len - 5 <= w->cfg.proto_max_bulk_len, accept = fits && arg_ok;
    KV_ASSERT(lim <= qlim);
    if (!accept) c->track->corrupted = true;
    put_inline_echo(w, c, h, len, crlf, accept);
    if (!accept) {
        h->must_close = true;
        h->error = fits ? "-ERR Protocol error: invalid bulk length\r\n"
                        : "-ERR Protocol error: too big inline request\r\n";
    }
    h->window = (uint32_t)KV_MIN(sim_liveness_bound_ticks(w), UINT32_MAX);
    random_cuts(c, h, 1, len, (uint32_t)below(c, 4));
    if (kv_prng_chance(&c->prng, 1, 2)) add_cut(h, len, 1 + (uint32_t)below(c, 300));
    if (crlf && kv_prng_chance(&c->prng, 1, 4)) add_cut(h, len + 1, 1 + (uint32_t)below(c, 100));
}

/* An inline request of the inline limit -2..+2 bytes, all words: up to the limit it
 * runs (EXISTS counts its keys); past it, the server closes the connection. */
static bool act_inline_argc(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    uint64_t lim = inline_limit(w);
    uint64_t frame = lim + below(c, 5) - 2; /* at, around and one past the limit */
    uint64_t argc = (frame - 2 - 6) / 2 + 1; /* "EXISTS", " k" per key, "\r\n" */
    /* Words past the multibulk count limit (kv_config_argc_max) too: a line within
     * the inline limit must run whatever its word count (issue 18 item 3). */
    if (frame < 16) return false;
    c->track->corrupted = true; /* more arguments than a sim_req holds */
    puts_(c, h, "EXISTS");
    for (uint64_t i = 1; i < argc; i++) puts_(c, h, " k");
    if ((frame - 2 - 6) % 2 == 1) puts_(c, h, "k");
    puts_(c, h, "\r\n");
    uint64_t line = h->script.len - 2;
    KV_ASSERT(h->script.len == frame);
    w->requests++;
    if (frame <= lim) {
        h->must_replies = 1;
    } else {
        h->must_close = true;
        h->error = "-ERR Protocol error: too big inline request\r\n";
    }
    h->window = (uint32_t)KV_MIN(sim_liveness_bound_ticks(w), UINT32_MAX);
    random_cuts(c, h, 1, line, (uint32_t)below(c, 4));
    if (kv_prng_chance(&c->prng, 1, 2)) add_cut(h, line, 1 + (uint32_t)below(c, 300));
    return true;
}

static const char *const empty_frames[] = {"\n", "\r\n", "*0\r\n", " \r\n", "*-1\r\n"};

/* A flood of empty frames: at, around and far past the EXEC frame bound. */
static void put_flood(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    uint64_t b = exec_frames_limit(w);
    const char *f = empty_frames[below(c, KV_ARRAY_LEN(empty_frames))];
    uint64_t fl = strlen(f), most = w->cfg.client_query_buffer_limit / 2 / fl;
    uint64_t counts[] = {1, b - 1, b, b + 1, 2 * b, 1 + below(c, most)};
    uint64_t n = KV_MIN(counts[below(c, KV_ARRAY_LEN(counts))], most);
    for (uint64_t i = 0; i < n; i++) put(c, h, f, fl);
}

/* A small command, inline or multibulk; it gets exactly one reply. */
static void put_cmd(struct sim_world *w, struct sim_client *c, struct sim_hostile *h,
                    const char *inl, const char *mb) {
    puts_(c, h, kv_prng_chance(&c->prng, 1, 2) ? inl : mb);
    w->requests++;
    h->must_replies++;
}

static void put_queued(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    switch (below(c, 6)) {
    case 0: put_cmd(w, c, h, "PING\r\n", "*1\r\n$4\r\nPING\r\n"); break;
    case 1: put_cmd(w, c, h, "INCR hq\r\n", "*2\r\n$4\r\nINCR\r\n$2\r\nhq\r\n"); break;
    case 2: put_cmd(w, c, h, "SET hq 7\r\n", "*3\r\n$3\r\nSET\r\n$2\r\nhq\r\n$1\r\n7\r\n"); break;
    case 3: put_cmd(w, c, h, "MULTI\r\n", "*1\r\n$5\r\nMULTI\r\n"); break; /* nested */
    case 4: put_cmd(w, c, h, "NOSUCH a\r\n", "*2\r\n$6\r\nNOSUCH\r\n$1\r\na\r\n"); break;
    default: put_cmd(w, c, h, "GET\r\n", "*1\r\n$3\r\nGET\r\n"); break; /* arity */
    }
}

/* MULTI, queued commands, nested MULTI, errors and floods of empty frames between
 * them, EXEC or DISCARD, then PING: every command gets exactly one reply. */
static void act_empty(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    c->track->corrupted = true; /* the floods' kept bytes: the server's flag decides */
    if (kv_prng_chance(&c->prng, 1, 3)) {
        put_flood(w, c, h);
        put_cmd(w, c, h, "PING\r\n", "*1\r\n$4\r\nPING\r\n");
    }
    put_cmd(w, c, h, "MULTI\r\n", "*1\r\n$5\r\nMULTI\r\n");
    if (kv_prng_chance(&c->prng, 3, 4)) put_queued(w, c, h);
    for (uint64_t i = below(c, 6); i > 0; i--) {
        if (kv_prng_chance(&c->prng, 1, 2)) put_flood(w, c, h);
        else put_queued(w, c, h);
    }
    if (kv_prng_chance(&c->prng, 3, 4)) put_flood(w, c, h);
    if (kv_prng_chance(&c->prng, 7, 8)) put_cmd(w, c, h, "EXEC\r\n", "*1\r\n$4\r\nEXEC\r\n");
    else put_cmd(w, c, h, "DISCARD\r\n", "*1\r\n$7\r\nDISCARD\r\n");
    put_cmd(w, c, h, "PING\r\n", "*1\r\n$4\r\nPING\r\n");
    bool large = h->script.len > w->cfg.client_buffer / 2;
    h->window = large ? (uint32_t)KV_MIN(sim_liveness_bound_ticks(w), UINT32_MAX) : CALM_WINDOW;
    random_cuts(c, h, 1, h->script.len, (uint32_t)below(c, 6));
    maybe_bytewise(c, h);
}

/* Queues SET <own key> <n bytes of `fill`>; the key (named by `fill`) goes to key. */
static void put_set_filled(struct sim_world *w, struct sim_client *c, struct sim_hostile *h,
                           char key[32], char fill, uint64_t n) {
    KV_ASSERT(n <= UINT32_MAX);
    own_key(c, key, 32, fill);
    struct sim_sent *s = new_req(w, c, "SET");
    sim_req_add_str(&s->req, key);
    uint8_t *v = malloc(n > 0 ? n : 1);
    KV_ASSERT(v != NULL);
    memset(v, fill, n);
    sim_req_add(&s->req, v, (uint32_t)n);
    free(v);
    put_req(w, c, h, s);
}

/* The first part of a large SET (or of a long inline line), then silence or one
 * byte per 1..30 ticks until the act ends. Nothing is owed: the hold rule or the
 * idle timeout may close it; if the trickle completes the SET, it runs. */
static void act_partial(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    uint64_t big = big_value(w), cb = w->cfg.client_buffer;
    uint64_t n = big > cb ? cb + 1 + below(c, big - cb) : big;
    if (kv_prng_chance(&c->prng, 1, 3)) { /* a long inline line: never ends */
        c->track->corrupted = true;
        uint64_t line = KV_MIN(inline_limit(w), w->cfg.client_query_buffer_limit) + 16;
        puts_(c, h, "ECHO ");
        for (uint64_t i = 0; i < line; i++) put(c, h, "a", 1);
        w->requests++;
    } else {
        char key[32];
        put_set_filled(w, c, h, key, 'p', n);
    }
    h->must_replies = 0;
    uint64_t first = 1 + below(c, h->script.len - 1);
    if (kv_prng_chance(&c->prng, 1, 2)) {
        add_cut(h, first, UINT32_MAX); /* silence */
    } else {
        add_cut(h, first, 1 + (uint32_t)below(c, 50));
        h->trickle_from = first;
        h->trickle_ticks = 1 + (uint32_t)below(c, 30);
    }
    /* Half the acts hold on until the server closes them or the run ends. */
    h->end_tick = kv_prng_chance(&c->prng, 1, 2) ? NEVER : w->tick + 300 + below(c, 8000);
}

/* SET of a big value, then a pipeline of GETs of it; never reads a byte. */
static void act_noread(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    uint64_t v = KV_MAX(KV_MIN(big_value(w), w->cfg.maxmemory / 8), 1u);
    char key[32];
    put_set_filled(w, c, h, key, 'n', v);
    struct sim_sent *s;
    for (uint64_t i = 1 + below(c, 64); i > 0; i--) {
        s = new_req(w, c, "GET");
        sim_req_add_str(&s->req, key);
        put_req(w, c, h, s);
    }
    h->must_replies = 0;
    h->reads = false;
    h->end_tick = kv_prng_chance(&c->prng, 1, 2) ? NEVER : w->tick + 500 + below(c, 10000);
}

/* HTTP sent to the port: Redis closes on "POST" and "Host:" without a reply (its
 * cross-protocol scripting defence); what runs before (GET's arity error) answers. */
static void act_http(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    static const char *const requests[] = {
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "Host: x\r\n",
        "post /kv HTTP/1.0\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHOST: example.com\r\nAccept: */*\r\n\r\n",
    };
    c->track->corrupted = true;
    puts_(c, h, requests[below(c, KV_ARRAY_LEN(requests))]);
    w->requests++;
    h->must_close = true;
    h->error = ""; /* no protocol error either: the close is silent */
    h->window = CALM_WINDOW;
    random_cuts(c, h, 1, h->script.len, (uint32_t)below(c, 3));
    maybe_bytewise(c, h);
}

/* WATCH 1..8 keys or one short of, at and one past the watch limit (in up to 3
 * WATCH commands), idle, then MULTI/EXEC, DISCARD, UNWATCH or nothing. Exact. */
static void act_watch(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    uint64_t lim = watch_limit(w);
    /* At least one key: a limit of 1 drew 0 here (lim - 1), an empty act. */
    uint64_t near = lim - 1 + below(c, 3); /* not inside KV_MAX: it evaluates twice */
    uint64_t keys = kv_prng_chance(&c->prng, 1, 2) ? 1 + below(c, 8) : KV_MAX(near, 1u);
    for (uint32_t cmds = 0; keys > 0 && cmds < 3; cmds++) {
        uint64_t n = cmds == 2 ? keys : KV_MIN(keys, 1 + below(c, keys));
        n = KV_MIN(n, SIM_ARGC_MAX - 1u);
        struct sim_sent *s = new_req(w, c, "WATCH");
        for (uint64_t i = 0; i < n; i++) sim_workload_key(&w->wl, &c->prng, &s->req);
        put_req(w, c, h, s);
        keys -= n;
    }
    uint64_t idle = 10 + below(c, 3000);
    if (w->cfg.timeout_s > 0) idle = KV_MIN(idle, w->cfg.timeout_s * 500);
    uint64_t at = h->script.len;
    uint64_t what = below(c, 4);
    if (what <= 1) {
        put_req(w, c, h, new_req(w, c, "MULTI"));
        for (uint64_t i = 1 + below(c, 3); i > 0; i--) {
            struct sim_sent *s = sim_track_push(w, c->track);
            sim_workload_next(&w->wl, &c->prng, w->clock.real_ms, &s->req);
            struct kv_slice argv[SIM_ARGC_MAX];
            sim_req_argv(&s->req, argv);
            if (sim_resp_request_size(s->req.argc, argv) + 64 > w->cfg.client_query_buffer_limit) {
                sim_req_reset(&s->req); /* one frame no large buffer holds: not this act's */
                sim_req_add_str(&s->req, "PING");
            }
            put_req(w, c, h, s);
        }
        put_req(w, c, h, new_req(w, c, what == 0 ? "EXEC" : "DISCARD"));
    } else if (what == 2) {
        put_req(w, c, h, new_req(w, c, "UNWATCH"));
    }
    add_cut(h, at, (uint32_t)idle);
    h->window = (uint32_t)KV_MIN(sim_liveness_bound_ticks(w), UINT32_MAX);
}

/* One frame of the unauthenticated flood; each gets one reply (NOAUTH, or an arity
 * error where that check comes first). Inline lines and bulks stay within the inline
 * and bulk limits; a multibulk count never passes 10, a bulk never 16384 bytes. */
static void put_unauth_frame(struct sim_world *w, struct sim_client *c,
                             struct sim_hostile *h) {
    uint64_t words = KV_MIN(60u, (inline_limit(w) - 8) / 2);
    uint64_t bulk = KV_MIN(KV_MIN(16384u, w->cfg.proto_max_bulk_len),
                           w->cfg.client_query_buffer_limit / 4);
    char head[48];
    switch (below(c, 4)) {
    case 0: put_cmd(w, c, h, "GET k\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"); return;
    case 1:
        puts_(c, h, "SET k");
        for (uint64_t i = below(c, words + 1); i > 0; i--) puts_(c, h, " x");
        put_cmd(w, c, h, "\r\n", "\r\n");
        return;
    case 2:
        puts_(c, h, "*10\r\n$3\r\nDEL\r\n");
        for (uint32_t i = 1; i < 10; i++) puts_(c, h, "$1\r\nk\r\n");
        w->requests++;
        h->must_replies++;
        return;
    default: {
        uint64_t n = kv_prng_chance(&c->prng, 1, 2) ? bulk : below(c, bulk + 1);
        snprintf(head, sizeof(head), "*2\r\n$4\r\nECHO\r\n$%llu\r\n", (unsigned long long)n);
        puts_(c, h, head);
        for (uint64_t i = 0; i < n; i++) put(c, h, "u", 1);
        put_cmd(w, c, h, "\r\n", "\r\n");
    }
    }
}

/* requirepass: never AUTHs. A flood of frames (above), then one time in two a
 * multibulk count of 11 or more, or a bulk length of 16385 or more (past
 * proto-max-bulk-len: that error first): the exact error, then the close. */
static void act_unauth(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    c->track->corrupted = true; /* inline words and 16 KiB bulks: lenient framing */
    for (uint64_t i = 1 + below(c, 48); i > 0; i--) put_unauth_frame(w, c, h);
    char head[64];
    if (w->cfg.requirepass[0] != 0 && kv_prng_chance(&c->prng, 1, 2)) {
        if (kv_prng_chance(&c->prng, 1, 2)) {
            uint64_t n = 11 + (kv_prng_chance(&c->prng, 1, 2) ? 0 : below(c, 100000));
            snprintf(head, sizeof(head), "*%llu\r\n", (unsigned long long)n);
            h->error = "-ERR Protocol error: unauthenticated multibulk length\r\n";
        } else {
            uint64_t n = 16385 + (kv_prng_chance(&c->prng, 1, 2) ? 0 : below(c, 1u << 20));
            snprintf(head, sizeof(head), "*2\r\n$3\r\nSET\r\n$%llu\r\n",
                     (unsigned long long)n);
            h->error = n > w->cfg.proto_max_bulk_len
                           ? "-ERR Protocol error: invalid bulk length\r\n"
                           : "-ERR Protocol error: unauthenticated bulk length\r\n";
        }
        puts_(c, h, head);
        w->requests++;
        h->must_close = true;
        c->track->extra_want = h->error;
    }
    bool large = h->script.len > w->cfg.client_buffer / 2;
    h->window = large ? (uint32_t)KV_MIN(sim_liveness_bound_ticks(w), UINT32_MAX) : CALM_WINDOW;
    random_cuts(c, h, 1, h->script.len, (uint32_t)below(c, 6));
    maybe_bytewise(c, h);
}

/* ---- the act's life ------------------------------------------------------------- */

static void act_start(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    KV_ASSERT(c->track != NULL && c->out.len == 0);
    struct sim_buf keep = h->script;
    memset(h, 0, sizeof(*h));
    h->script = keep;
    h->script.len = 0;
    h->reads = true;
    h->end_tick = NEVER;
    h->start_tick = w->tick;
    h->release_tick = w->tick;
    h->calm = w->phase >= SIM_PHASE_SETTLE;
    h->linger = 1 + (uint32_t)below(c, LINGER_MAX);
    c->track->hostile = true;
    uint32_t kinds[SIM_HK_COUNT], n = 0;
    for (uint32_t k = 0; k < SIM_HK_COUNT; k++)
        if (kinds_in_play(w) & (1u << k)) kinds[n++] = k;
    KV_ASSERT(n > 0);
    h->kind = (enum sim_hostile_kind)kinds[below(c, n)];
    if (w->cfg.requirepass[0] != 0 && h->kind != SIM_HK_UNAUTH) {
        /* AUTH goes out at once; the act's script starts after it, as without */
        struct sim_sent *s = new_req(w, c, "AUTH");
        sim_req_add_str(&s->req, w->cfg.requirepass);
        put_req(w, c, h, s);
        sim_buf_put(&c->out, h->script.p, h->script.len);
        h->script.len = 0;
    }
    switch (h->kind) {
    case SIM_HK_INLINE:
        if (!kv_prng_chance(&c->prng, 1, 3) || !act_inline_argc(w, c, h))
            act_inline_size(w, c, h);
        break;
    case SIM_HK_EMPTY: act_empty(w, c, h); break;
    case SIM_HK_PARTIAL: act_partial(w, c, h); break;
    case SIM_HK_NOREAD: act_noread(w, c, h); break;
    case SIM_HK_HTTP: act_http(w, c, h); break;
    case SIM_HK_WATCH: act_watch(w, c, h); break;
    case SIM_HK_UNAUTH: act_unauth(w, c, h); break;
    default: KV_UNREACHABLE();
    }
    KV_ASSERT(h->script.len > 0 && h->cuts <= CUTS_MAX);
    w->hostile_acts++;
    w->client_faults++;
    SIM_DEBUG(c->track->serial, "hostile client %u: act %s, %llu bytes, %u cuts", c->id,
              kind_names[h->kind], (unsigned long long)h->script.len, h->cuts);
}

/* Hands the script's next piece to the client's out: up to the next cut, or one
 * byte while trickling; pauses after a cut. */
static void release(struct sim_world *w, struct sim_client *c, struct sim_hostile *h) {
    if (h->released == h->script.len || w->tick < h->release_tick) return;
    uint64_t upto = h->cut_next < h->cuts ? h->cut[h->cut_next] : h->script.len;
    bool trickling = h->trickle_ticks > 0 && h->released >= h->trickle_from;
    if (h->trickle_ticks > 0 && !trickling) upto = KV_MIN(upto, h->trickle_from);
    if (trickling) upto = KV_MIN(upto, h->released + 1);
    KV_ASSERT(upto > h->released && upto <= h->script.len);
    sim_buf_put(&c->out, h->script.p + h->released, upto - h->released);
    h->released = upto;
    if (h->cut_next < h->cuts && upto == h->cut[h->cut_next]) {
        uint32_t pause = h->pause[h->cut_next++];
        h->release_tick = pause == UINT32_MAX ? NEVER : w->tick + pause;
    } else if (trickling) {
        h->release_tick = w->tick + h->trickle_ticks;
    }
    if (h->released < h->script.len) return;
    h->done_tick = w->tick;
    if (h->kind == SIM_HK_PARTIAL || h->kind == SIM_HK_NOREAD) return; /* end_tick stands */
    uint64_t must = h->must_close || h->must_replies > 0 ? h->window : 0;
    h->end_tick = w->tick + KV_MAX((uint64_t)h->linger, must) + 1;
}

/* Whether the act's outcome is well-defined: it ran with faults off, all its bytes
 * went out, and the server was not told to shut down. */
static bool act_checkable(const struct sim_world *w, const struct sim_hostile *h,
                          const struct sim_track *t) {
    return h->calm && h->done_tick != 0 && !t->rejected && !t->cut && !w->stopping &&
           !w->failed;
}

static void fail_act(struct sim_world *w, const struct sim_client *c, const struct sim_track *t,
                     const char *what) {
    const struct sim_hostile *h = c->hostile;
    sim_fail(w, "hostile client %u (connection %llu, act %s, %llu bytes, last byte out at "
                "tick %llu): %s; %llu replies of %u",
             c->id, (unsigned long long)t->serial, kind_names[h->kind],
             (unsigned long long)h->script.len, (unsigned long long)h->done_tick, what,
             (unsigned long long)t->replies, h->must_replies);
}

/* The server closed the connection (EOF) or reset it. */
static void act_closed(struct sim_world *w, struct sim_client *c, struct sim_track *t) {
    struct sim_hostile *h = c->hostile;
    KV_ASSERT(t->ended && c->track == NULL);
    w->hostile_closed++;
    SIM_DEBUG(t->serial, "hostile act %s closed by the server", kind_names[h->kind]);
    if (!act_checkable(w, h, t) || t->reset || t->cut) return; /* cut: the hold rule */
    if (h->error != NULL && t->extra.len != strlen(h->error)) {
        fail_act(w, c, t, "closed without its protocol error");
        return;
    }
    /* Slow acts may lose their large buffer to the hold rule or --timeout. */
    bool slow = h->trickle_ticks > 0 || 2ull * h->pause_max >= stall_ticks(w);
    if (!h->must_close && h->must_replies > t->replies && !slow)
        fail_act(w, c, t, "closed before its replies");
}

/* The act's time is over: check what is well-defined, then leave. */
static void act_end(struct sim_world *w, struct sim_client *c, struct sim_track *t) {
    struct sim_hostile *h = c->hostile;
    if (act_checkable(w, h, t) && w->tick >= h->done_tick + h->window) {
        if (h->must_close)
            fail_act(w, c, t, "the server did not close the connection");
        else if (h->must_replies > t->replies)
            fail_act(w, c, t, "replies missing");
    }
    if (w->failed) return;
    sim_client_detach(w, c, kv_prng_chance(&c->prng, 1, 4));
}

void sim_hostile_tick(struct sim_world *w, struct sim_client *c) {
    struct sim_hostile *h = c->hostile;
    KV_ASSERT(h != NULL);
    if (c->track == NULL) {
        if (w->phase >= SIM_PHASE_CLOSE) return;
        sim_client_connect(w, c);
        if (c->track != NULL) act_start(w, c, h);
        return;
    }
    struct sim_track *t = c->track;
    if (h->reads) {
        sim_client_read(w, c);
        if (w->failed) return;
        if (c->track == NULL) {
            act_closed(w, c, t);
            return;
        }
    }
    if (w->tick >= h->end_tick) {
        act_end(w, c, t);
        return;
    }
    release(w, c, h);
    if (c->out.len > 0) sim_client_flush(w, c, UINT64_MAX);
}

/* ---- liveness of the well-behaved ---------------------------------------------- */

void sim_hostile_liveness(struct sim_world *w) {
    if (w->hostile_count == 0 || w->failed || w->stopping) return;
    if (w->phase != SIM_PHASE_QUIET && w->phase != SIM_PHASE_DRAIN) return;
    uint64_t bound = sim_liveness_bound_ticks(w);
    /* CLIENT PAUSE (sim_model_client.c) holds everyone: waits start at its end */
    if (sim_model_pause_end(w->model) > w->clock.real_ms) w->pause_over_tick = w->tick;
    for (uint32_t i = 0; i < w->client_count - w->hostile_count; i++) {
        const struct sim_client *c = &w->clients[i];
        const struct sim_track *t = c->track;
        KV_ASSERT(c->hostile == NULL);
        if (t == NULL || t->reqs_len == 0 || t->rejected || t->corrupted || t->oversize ||
            t->ended || t->extra_want != NULL)
            continue;
        const struct sim_sent *head = &t->reqs[t->reqs_head];
        uint64_t since = KV_MAX(KV_MAX(head->sent_tick, t->last_reply_tick), w->liveness_from);
        since = KV_MAX(since, w->pause_over_tick);
        uint64_t wait = w->tick - since;
        if (wait > w->liveness_wait_max) w->liveness_wait_max = wait;
        if (wait <= bound) continue;
        sim_fail(w, "liveness: well-behaved client %u (connection %llu) waited %llu ticks "
                    "for a reply with %u hostile clients present (bound %llu: "
                    "sim_liveness_bound_ticks), %u requests outstanding, %llu bytes unsent",
                 i, (unsigned long long)t->serial, (unsigned long long)wait, w->hostile_count,
                 (unsigned long long)bound, t->reqs_len, (unsigned long long)c->out.len);
        return;
    }
}

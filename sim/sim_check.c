/*
 * sim_check.c: the simulator's checks on the core's replies.
 *
 * Each client connection has a track: the requests sent and not yet answered,
 * the reply bytes the core produced for them (from the engine observer, in
 * execution order) and the bytes received. Checks:
 *  - every executed command is the next request its connection sent (argv equal),
 *    and the reference model, re-executing it with the same now_ms, produces the
 *    same reply bytes;
 *  - every byte a client receives is the next byte the core produced for it:
 *    nothing lost, duplicated or reordered; only the documented extras (the
 *    maxclients refusal, a protocol error for a malformed or corrupted request)
 *    may follow, and then only EOF;
 *  - a connection that ends cleanly has delivered everything it produced, unless
 *    a timeout, an oversize request or corruption explains the loss;
 *  - no lost wake-up: in the calm phases no well-behaved connection's delivered
 *    input waits unread past what the server's own waits explain, and no idle
 *    close follows a whole timeout of such input with nothing sent.
 * Test code: heap and stdio allowed. Never touches the core except through its
 * public headers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_hostile.h"
#include "sim_internal.h"
#include "sim_resp.h"
#include "sim_world.h"

void sim_fail(struct sim_world *w, const char *fmt, ...) {
    if (w->failed) return;
    w->failed = true;
    int n = snprintf(w->failure, sizeof(w->failure), "FAIL tick=%llu: ",
                     (unsigned long long)w->tick);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->failure + n, sizeof(w->failure) - (size_t)n, fmt, ap);
    va_end(ap);
}

void sim_trace(struct sim_world *w, uint32_t kind, const void *p, uint64_t n) {
    XXH3_64bits_update(w->trace, &kind, sizeof(kind));
    if (n > 0) XXH3_64bits_update(w->trace, p, n);
}

void sim_on_trace(void *ctx, const void *p, uint32_t n) { sim_trace(ctx, 1, p, n); }

/* Appends an escaped excerpt of p to the failure message. */
static void fail_bytes(struct sim_world *w, const char *label, const uint8_t *p, uint64_t n) {
    size_t len = strlen(w->failure);
    FILE *f = fmemopen(w->failure + len, sizeof(w->failure) - len, "w");
    if (f == NULL) return;
    fprintf(f, "\n  %s (%llu bytes): ", label, (unsigned long long)n);
    sim_print_escaped(f, p, (uint32_t)KV_MIN(n, 400u));
    fclose(f);
}

/* ---- tracks --------------------------------------------------------------- */

struct sim_track *sim_track_new(struct sim_world *w, uint32_t client, uint32_t slot) {
    KV_ASSERT(client < w->client_count);
    KV_ASSERT(w->by_slot[slot] == NULL || w->by_slot[slot]->client_done);
    struct sim_track *t = calloc(1, sizeof(*t));
    KV_ASSERT(t != NULL);
    t->serial = sim_net_serial(w->net, slot);
    t->slot = slot;
    t->client = client;
    t->keep_from = SIM_KEEP_NONE;
    t->next = w->tracks;
    w->tracks = t;
    w->by_slot[slot] = t;
    return t;
}

static struct sim_sent *track_at(const struct sim_track *t, uint32_t i) {
    KV_ASSERT(i < t->reqs_len);
    return &t->reqs[(t->reqs_head + i) % t->reqs_cap];
}

struct sim_sent *sim_track_push(struct sim_world *w, struct sim_track *t) {
    (void)w;
    if (t->reqs_len == t->reqs_cap) {
        uint32_t cap = t->reqs_cap == 0 ? 8 : t->reqs_cap * 2;
        struct sim_sent *r = calloc(cap, sizeof(*r));
        KV_ASSERT(r != NULL);
        /* Every old entry moves, vacant ones too: they keep reusable buffers. */
        for (uint32_t i = 0; i < t->reqs_cap; i++)
            r[i] = t->reqs[(t->reqs_head + i) % t->reqs_cap];
        free(t->reqs);
        t->reqs = r;
        t->reqs_head = 0;
        t->reqs_cap = cap;
    }
    struct sim_sent *s = &t->reqs[(t->reqs_head + t->reqs_len) % t->reqs_cap];
    t->reqs_len++;
    struct sim_buf keep = s->req.data;
    memset(s, 0, sizeof(*s));
    s->req.data = keep;
    sim_req_reset(&s->req);
    return s;
}

static void track_pop(struct sim_track *t) {
    KV_ASSERT(t->reqs_len > 0);
    t->reqs_head = (t->reqs_head + 1) % t->reqs_cap;
    t->reqs_len--;
    if (t->next_obs > 0) t->next_obs--;
}

/* ---- frames owed (pub/sub: replies of several frames, messages between them) ---- */

static void frames_push(struct sim_track *t, int32_t n) {
    if (t->frames_len == t->frames_cap) {
        uint32_t cap = KV_MAX(16u, 2 * t->frames_cap);
        int32_t *f = calloc(cap, sizeof(int32_t));
        KV_ASSERT(f != NULL);
        for (uint32_t i = 0; i < t->frames_len; i++)
            f[i] = t->frames[(t->frames_head + i) % t->frames_cap];
        free(t->frames);
        t->frames = f;
        t->frames_cap = cap;
        t->frames_head = 0;
    }
    t->frames[(t->frames_head + t->frames_len++) % t->frames_cap] = n;
}

static void frames_pop(struct sim_track *t) {
    KV_ASSERT(t->frames_len > 0);
    t->frames_head = (t->frames_head + 1) % t->frames_cap;
    t->frames_len--;
}

/* Whole replies in the bytes of one command's reply (a reply of none: 0). */
static int32_t frames_in(const uint8_t *p, uint32_t n) {
    int32_t k = 0;
    for (uint32_t off = 0, g = 0; off < n && g < n; g++) {
        uint32_t len = 0;
        if (sim_resp_scan(p + off, n - off, &len) != SIM_RESP_OK) return k + 1;
        off += len;
        k++;
    }
    return k;
}

/* A whole reply arrived: it belongs to the oldest owed. A request's reply done pops
 * the request; a reply of no frames (its request answered nothing) is passed. False
 * if nothing was owed. */
static bool take_frame(struct sim_track *t) {
    for (uint32_t g = t->frames_len; g > 0 && t->frames[t->frames_head] == 0; g--) {
        frames_pop(t);
        if (t->reqs_len > 0) track_pop(t);
    }
    if (t->frames_len == 0) return false;
    int32_t *f = &t->frames[t->frames_head];
    if (*f < 0 && ++*f == 0) frames_pop(t);
    else if (*f > 0 && --*f == 0) {
        frames_pop(t);
        if (t->reqs_len == 0) return t->corrupted; /* popped by the corrupted rule */
        track_pop(t);
    }
    return true;
}

/* Requests at the head answered by silence (CLIENT REPLY OFF/SKIP) are done. */
static void frames_settle(struct sim_track *t) {
    for (uint32_t g = t->frames_len; g > 0 && t->frames[t->frames_head] == 0; g--) {
        frames_pop(t);
        if (t->reqs_len > 0) track_pop(t);
    }
}

static void track_free(struct sim_track *t) {
    free(t->frames);
    for (uint32_t i = 0; i < t->reqs_cap; i++) sim_req_free(&t->reqs[i].req);
    free(t->reqs);
    sim_buf_free(&t->expected);
    sim_buf_free(&t->rx);
    sim_buf_free(&t->extra);
    free(t);
}

uint32_t sim_track_outstanding(const struct sim_track *t, bool quiet_only) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->reqs_len; i++) {
        const struct sim_sent *s = track_at(t, i);
        if (s->kind != SIM_REQ_NORMAL && s->kind != SIM_REQ_QUIT) continue;
        if (!quiet_only || s->quiet) n++;
    }
    return n;
}

void sim_tracks_reap(struct sim_world *w) {
    for (struct sim_track **pp = &w->tracks; *pp != NULL;) {
        struct sim_track *t = *pp;
        bool server_done = sim_net_serial(w->net, t->slot) != t->serial ||
                           sim_net_server_closed(w->net, t->slot);
        if (!t->client_done || !server_done) {
            pp = &t->next;
            continue;
        }
        *pp = t->next;
        if (w->by_slot[t->slot] == t) w->by_slot[t->slot] = NULL;
        if (t->session != 0) {
            w->by_session[t->session] = NULL;
            sim_model_session_end(w->model, t->session);
        }
        track_free(t);
    }
}

/* ---- accept mapping ---------------------------------------------------------- */

void sim_on_accept(void *ctx, uint32_t slot) {
    struct sim_world *w = ctx;
    struct sim_track *t = w->by_slot[slot];
    KV_ASSERT(t != NULL && t->serial == sim_net_serial(w->net, slot));
    const struct kv_net_stats *st = kv_server_stats(w->server);
    sim_trace(w, 2, &t->serial, sizeof(t->serial));
    if (st->total_connections_received > w->last_accepted) {
        if (st->total_connections_received != w->last_accepted + 1)
            sim_fail(w, "one accept opened %llu connections",
                     (unsigned long long)(st->total_connections_received - w->last_accepted));
        if (t->remote && w->cfg.protected_mode && sim_model_requirepass(w->model)[0] == 0)
            sim_fail(w, "protected mode accepted remote connection %llu",
                     (unsigned long long)t->serial);
        t->session = st->total_connections_received; /* ids are given in accept order */
        sim_model_session_begin(w->model, t->session);
        if (w->pass_drawn[0] != 0 && sim_model_requirepass(w->model)[0] == 0)
            w->pass_free_sessions++; /* authenticated for good (sim_workload_cfg.c) */
        SIM_DEBUG(t->serial, "is session %llu", (unsigned long long)t->session);
        while (t->session >= w->by_session_cap) {
            uint64_t old = w->by_session_cap;
            w->by_session_cap = old == 0 ? 256 : old * 2;
            w->by_session = realloc(w->by_session, w->by_session_cap * sizeof(void *));
            KV_ASSERT(w->by_session != NULL);
            memset(w->by_session + old, 0, (w->by_session_cap - old) * sizeof(void *));
        }
        w->by_session[t->session] = t;
    } else if (st->rejected_connections > w->last_rejected &&
               st->connected_clients != w->cfg.maxclients && t->remote &&
               w->cfg.protected_mode && sim_model_requirepass(w->model)[0] == 0) {
        SIM_DEBUG(t->serial, "rejected (protected mode)"); /* Redis: counted as rejected */
        t->rejected = true;
        t->denied = true;
        w->remote_denied++;
    } else if (st->rejected_connections > w->last_rejected) {
        SIM_DEBUG(t->serial, "rejected (maxclients)");
        /* Only a full server refuses: a client slot is freed (and connected_clients
         * drops) at the same moment, so the count is exact here. */
        if (st->connected_clients != w->cfg.maxclients)
            sim_fail(w, "a connection refused with %llu of maxclients %u connected",
                     (unsigned long long)st->connected_clients, w->cfg.maxclients);
        t->rejected = true;
        w->rejections++;
    }
    w->last_accepted = st->total_connections_received;
    w->last_rejected = st->rejected_connections;
}

/* ---- the engine observer ------------------------------------------------------- */

static bool arg_eq(struct kv_slice a, struct kv_slice b, bool nocase) {
    if (a.len != b.len) return false;
    for (uint32_t i = 0; i < a.len; i++) {
        uint8_t x = a.ptr[i], y = b.ptr[i];
        if (nocase && x >= 'A' && x <= 'Z') x = (uint8_t)(x + 32);
        if (nocase && y >= 'A' && y <= 'Z') y = (uint8_t)(y + 32);
        if (x != y) return false;
    }
    return true;
}

static void fail_argv(struct sim_world *w, uint32_t argc, const struct kv_slice *argv) {
    for (uint32_t i = 0; i < argc && i < 8; i++) fail_bytes(w, "argv", argv[i].ptr, argv[i].len);
}

/*
 * A queued frame that overflowed the input buffer fails the MULTI silently: the
 * queued frames and EXEC must all fit one large buffer together, from the first
 * queued frame's start (server.c keep_start; empty frames between them count, those
 * before it do not) to the end of the frame. When EXEC is the frame that overflows,
 * the flag is cleared as it runs: the sizes alone say so (seed 10002950 of session
 * 9's build; seed 1 with edge MULTIs).
 */
static void match_kept(struct sim_world *w, struct sim_track *t, const struct kv_session *s,
                       const struct sim_sent *r, bool is_exec, struct kv_slice reply) {
    KV_ASSERT(r->wire_end >= r->wire_len && r->wire_end <= t->wire_pos);
    static const char queued_reply[] = "+QUEUED\r\n";
    bool queued = reply.len == sizeof(queued_reply) - 1 &&
                  memcmp(reply.ptr, queued_reply, reply.len) == 0;
    uint64_t start = r->wire_end - r->wire_len;
    if (queued && t->keep_from == SIM_KEEP_NONE) t->keep_from = start;
    bool kept = t->keep_from != SIM_KEEP_NONE;
    uint64_t bytes = kept ? r->wire_end - t->keep_from : 0;
    if (kept) SIM_DEBUG(t->serial, "%llu bytes of MULTI kept (limit %llu)",
                        (unsigned long long)bytes,
                        (unsigned long long)w->cfg.client_query_buffer_limit);
    bool flagged = (s->flags & KV_SESSION_MULTI_ERROR) != 0;
    if (bytes > w->cfg.client_query_buffer_limit) {
        if ((flagged || is_exec) && sim_model_in_multi(w->model, s->id) &&
            sim_model_multi_error(w->model, s->id) && !flagged) {
            w->exec_overflows++;
            SIM_DEBUG(t->serial, "EXEC's own bytes cross the limit: the MULTI fails");
        }
        t->keep_from = queued ? start : SIM_KEEP_NONE; /* need_more starts again */
    }
    if (!(s->flags & KV_SESSION_MULTI)) t->keep_from = SIM_KEEP_NONE;
}

/* The command is the connection's next request (or the track is lenient). */
static void match_request(struct sim_world *w, struct sim_track *t, const struct kv_session *s,
                          uint32_t argc, const struct kv_slice *argv, struct kv_slice reply) {
    KV_ASSERT(argc >= 1 && t->session == s->id);
    static const struct kv_slice exec = {(const uint8_t *)"exec", 4};
    bool is_exec = argc == 1 && arg_eq(argv[0], exec, true);
    if (t->corrupted) { /* framing may differ from what was sent */
        /* Sizes are unknowable after a corruption: trust the server's flag, and for
         * EXEC (which clears the flag as it runs) its EXECABORT: the transaction's
         * bytes may have crossed the limit (seed 14 with edge MULTIs). */
        static const char abort[] = "-EXECABORT Transaction discarded because of previous "
                                    "errors.\r\n";
        bool aborted = is_exec && reply.len == sizeof(abort) - 1 &&
                       memcmp(reply.ptr, abort, reply.len) == 0;
        if (((s->flags & KV_SESSION_MULTI_ERROR) || aborted) &&
            sim_model_in_multi(w->model, s->id))
            sim_model_multi_error(w->model, s->id);
        return;
    }
    if (t->next_obs >= t->reqs_len) {
        sim_fail(w, "session %llu executed a command its client never sent",
                 (unsigned long long)s->id);
        fail_argv(w, argc, argv);
        return;
    }
    struct sim_sent *r = track_at(t, t->next_obs);
    bool same = r->req.argc == argc && (r->kind == SIM_REQ_NORMAL || r->kind == SIM_REQ_QUIT);
    for (uint32_t i = 0; same && i < argc; i++)
        same = arg_eq(sim_req_arg(&r->req, i), argv[i], i == 0);
    if (!same) {
        sim_fail(w, "session %llu executed something other than request %u (kind %u)",
                 (unsigned long long)s->id, t->next_obs, r->kind);
        fail_argv(w, argc, argv);
        if (r->req.argc > 0) {
            struct kv_slice a0 = sim_req_arg(&r->req, 0);
            fail_bytes(w, "sent argv[0]", a0.ptr, a0.len);
        }
        return;
    }
    r->observed = true;
    t->next_obs++;
    match_kept(w, t, s, r, is_exec, reply);
}

/* The reply the core produced for the request just matched: owed to the client, or
 * (dropped, or none: CLIENT REPLY OFF/SKIP) nothing: the request is answered by its
 * silence. */
static void produced(struct sim_world *w, struct sim_track *t, const uint8_t *reply,
                     uint32_t reply_len, bool dropped) {
    KV_ASSERT(t != NULL && (reply != NULL || reply_len == 0));
    if (!dropped && reply_len > 0) {
        sim_buf_put(&t->expected, reply, reply_len);
        frames_push(t, frames_in(reply, reply_len));
        return;
    }
    w->replies_dropped += dropped; /* else CLIENT REPLY OFF/SKIP itself: no reply */
    SIM_DEBUG(t->serial, "reply dropped (CLIENT REPLY), request %u", t->next_obs);
    frames_push(t, 0);
    frames_settle(t);
}

static void trace_command(struct sim_world *w, const struct kv_session *s, uint32_t argc,
                          const struct kv_slice *argv, int64_t now_ms, const uint8_t *reply,
                          uint32_t reply_len) {
    uint64_t head[3] = {s->id, (uint64_t)now_ms, argc};
    sim_trace(w, 3, head, sizeof(head));
    for (uint32_t i = 0; i < argc; i++) {
        XXH3_64bits_update(w->trace, &argv[i].len, sizeof(argv[i].len));
        XXH3_64bits_update(w->trace, argv[i].ptr, argv[i].len);
    }
    sim_trace(w, 4, reply, reply_len);
}

/* How often WATCH met watch-max-keys: filled a session to it, or was refused. */
static void count_watch_limit(struct sim_world *w, const struct kv_session *s, uint32_t argc,
                              const struct kv_slice *argv, struct kv_slice reply) {
    if (argv[0].len != 5 || strncasecmp((const char *)argv[0].ptr, "watch", 5) != 0) return;
    static const char refused[] = "-ERR too many watched keys";
    if (reply.len >= sizeof(refused) - 1 && memcmp(reply.ptr, refused, sizeof(refused) - 1) == 0)
        w->watch_refused++;
    else if (argc >= 2 && s->watch_count == w->cfg.watch_max_keys)
        w->watch_full++;
    KV_ASSERT(s->watch_count <= w->cfg.watch_max_keys);
}

static void on_command(void *ctx, const struct kv_session *s, uint32_t argc,
                       const struct kv_slice *argv, int64_t now_ms, const uint8_t *reply,
                       uint32_t reply_len) {
    struct sim_world *w = ctx;
    KV_ASSERT(s != NULL && argc >= 1 && (reply != NULL || reply_len == 0));
    w->commands++;
    trace_command(w, s, argc, argv, now_ms, reply, reply_len);
    if (w->failed) return;
    struct sim_track *t = s->id < w->by_session_cap ? w->by_session[s->id] : NULL;
    if (t != NULL)
        SIM_DEBUG(t->serial, "executes %.*s (%u args), reply %u bytes, flags %x",
                  (int)KV_MIN(argv[0].len, 20u), (const char *)argv[0].ptr, argc, reply_len,
                  s->flags);
    if (t == NULL) {
        sim_fail(w, "command for session %llu, which no accepted connection has",
                 (unsigned long long)s->id);
        return;
    }
    const struct kv_config *cfg = kv_server_engine(w->server)->config;
    sim_model_block_clock(w->model, 1000u / cfg->hz, w->clock_jumps, w->clock.real_ms,
                          (int64_t)(w->clock.mono_ns / 1000000ull));
    if (s->flags & KV_SESSION_BLOCKED) { /* a blocking pop waits: its request stays owed */
        char bwhy[256];
        w->blocks++;
        if (reply_len != 0) sim_fail(w, "a blocked command replied");
        else if (!sim_model_block(w->model, s->id, argc, argv, now_ms, bwhy, sizeof(bwhy)))
            sim_fail(w, "session %llu: %s", (unsigned long long)s->id, bwhy);
        if (w->failed) fail_argv(w, argc, argv);
        return;
    }
    /* EXEC replays its queue: MULTI is off while the queued count is still set. */
    bool replay = s->multi_count > 0 && !(s->flags & KV_SESSION_MULTI);
    if (replay && !t->exec_running) {
        sim_fail(w, "session %llu replays a queued command outside EXEC",
                 (unsigned long long)s->id);
    } else if (!replay) {
        t->exec_running = false;
        if (t->extra.len > 0) sim_fail(w, "a command ran after the connection's final error");
        match_request(w, t, s, argc, argv, (struct kv_slice){reply, reply_len});
    }
    count_watch_limit(w, s, argc, argv, (struct kv_slice){reply, reply_len});
    w->resp3_commands += s->proto == 3;
    w->pubsub_refused += reply_len > 15 && (memcmp(reply, "-ERR pubsub-max-", 16) == 0 ||
                                            memcmp(reply, "-ERR channel nam", 16) == 0);
    w->noauth_replies += reply_len > 7 && memcmp(reply, "-NOAUTH", 7) == 0;
    sim_cfg_observe(w, argc, argv, reply, reply_len);
    char why[256];
    if (w->failed) return;
    bool ok = sim_model_command(w->model, s->id, argc, argv, now_ms, reply, reply_len,
                                &w->expected, why, sizeof(why));
    /* CLIENT REPLY OFF/SKIP: the model says which replies never reach the wire */
    if (!replay) produced(w, t, reply, reply_len, sim_model_reply_dropped(w->model));
    if (ok) return;
    sim_fail(w, "model mismatch on session %llu (%s)", (unsigned long long)s->id, why);
    fail_argv(w, argc, argv);
    fail_bytes(w, "kv replied", reply, reply_len);
    fail_bytes(w, "model expects", w->expected.p, w->expected.len);
}

/* The verdict on WATCH is taken here, before the queued commands run: an eviction
 * one of them causes (it may need room) must not count as preceding the EXEC. */
static void on_exec_begin(void *ctx, const struct kv_session *s, int64_t now_ms) {
    struct sim_world *w = ctx;
    KV_ASSERT(s != NULL && w->model != NULL);
    struct sim_track *t = s->id < w->by_session_cap ? w->by_session[s->id] : NULL;
    if (w->failed || t == NULL) return; /* on_command reports the unknown session */
    KV_ASSERT(!t->exec_running);
    t->exec_running = true;
    if (!sim_model_exec_expect(w->model, s->id, now_ms))
        sim_fail(w, "session %llu ran EXEC the model would abort (%s)",
                 (unsigned long long)s->id, sim_model_cas_why(w->model));
}

static void on_evict(void *ctx, const uint8_t *key, uint32_t klen) {
    struct sim_world *w = ctx;
    sim_trace(w, 5, key, klen);
    sim_model_evict(w->model, key, klen);
}

/* The hold rule disconnected this session: what it was owed may be lost. */
static void on_cut(void *ctx, const struct kv_session *s) {
    struct sim_world *w = ctx;
    struct sim_track *t = s->id < w->by_session_cap ? w->by_session[s->id] : NULL;
    KV_ASSERT(t != NULL && t->session == s->id);
    t->cut = true;
    w->hold_cuts++;
    SIM_DEBUG(t->serial, "cut by the hold rule");
}

void sim_check_blocked(struct sim_world *w) {
    if (w->failed) return;
    const struct kv_server *srv = w->server;
    uint32_t blocked = 0;
    for (uint32_t i = 0; i < srv->clients_max; i++) {
        const struct kv_conn *c = &srv->conns[i];
        if (c->state != KV_CONN_OPEN) continue;
        bool core = (c->session.flags & KV_SESSION_BLOCKED) != 0;
        blocked += core;
        if (core == sim_model_blocked(w->model, c->session.id)) continue;
        sim_fail(w, "session %llu is %sblocked in the core but %sblocked in the model",
                 (unsigned long long)c->session.id, core ? "" : "not ", core ? "not " : "");
        return;
    }
    KV_ASSERT(blocked == srv->engine.block.sessions_len);
    uint64_t due;
    if (sim_model_block_due(w->model, &due))
        sim_fail(w, "session %llu was not served: its key became a list while it waited",
                 (unsigned long long)due);
}

/* Redis frees a blocked client whose peer hung up (even half-closed): what it was
 * owed is lost, as for a client the hold rule cuts. */
static void on_block_drop(void *ctx, const struct kv_session *s) {
    struct sim_world *w = ctx;
    struct sim_track *t = s->id < w->by_session_cap ? w->by_session[s->id] : NULL;
    if (t != NULL) t->cut = true;
    sim_model_block_drop(w->model, s->id);
}

static void on_block_defer(void *ctx, const struct kv_session *s) {
    struct sim_world *w = ctx;
    w->block_defers++;
    sim_model_block_defer(w->model, s->id);
}


/* The server closed a subscribed session (sim_model.h sim_model_unsubscribed). */
static void on_unsubscribed(void *ctx, const struct kv_session *s, bool in_delivery) {
    struct sim_world *w = ctx;
    struct sim_track *t = s->id < w->by_session_cap ? w->by_session[s->id] : NULL;
    if (t != NULL) SIM_DEBUG(t->serial, "leaves its channels%s", in_delivery ? " (cut)" : "");
    sim_model_unsubscribed(w->model, s->id, in_delivery);
    w->pubsub_closed++;
}

/*
 * A message the model predicts for a subscriber, as the command publishing it runs:
 * the server wrote it into that connection's output during the command, so it is
 * the next of what the connection owes. Invariant (a subscriber that does not read
 * grows nothing): what a connection is owed never exceeds what its output buffer and
 * the network can hold; past that the server must have disconnected it already.
 */
static void on_deliver(void *ctx, uint64_t session, const uint8_t *p, uint64_t n) {
    struct sim_world *w = ctx;
    struct sim_track *t = session < w->by_session_cap ? w->by_session[session] : NULL;
    if (w->failed) return;
    if (t == NULL) {
        sim_fail(w, "a message for session %llu, which no connection has",
                 (unsigned long long)session);
        return;
    }
    SIM_DEBUG(t->serial, "is owed a message of %llu bytes (session %llu)",
              (unsigned long long)n, (unsigned long long)session);
    sim_buf_put(&t->expected, p, n);
    frames_push(t, -1);
    w->pubsub_messages++;
    uint64_t owed = t->expected.len - t->exp_off;
    /* ... and the backlog: at most its bytes, encoded (an entry's record and header
     * take more than a message's RESP headers, but a pattern's name is kept once) */
    uint64_t room = 2ull * w->pipe_bytes + w->cfg.client_query_buffer_limit +
                    w->cfg.client_buffer + n + 2ull * w->cfg.pubsub_backlog_bytes;
    if (owed > room && !t->cut && !t->ended)
        sim_fail(w, "subscriber %llu is owed %llu bytes, more than its output and the "
                    "network hold (%llu): it should have been disconnected",
                 (unsigned long long)t->serial, (unsigned long long)owed,
                 (unsigned long long)room);
}

static void on_block_retry(void *ctx, const struct kv_session *s) {
    struct sim_world *w = ctx;
    sim_model_block_retry(w->model, s->id);
}

void sim_observer_init(struct sim_world *w) {
    w->observer.on_block_retry = on_block_retry;
    w->observer.on_block_drop = on_block_drop;
    w->observer.on_block_defer = on_block_defer;
    w->observer.on_unsubscribed = on_unsubscribed;
    sim_model_set_deliver(w->model, on_deliver, w);
    w->observer.on_cut = on_cut;
    w->observer.on_command = on_command;
    w->observer.on_evict = on_evict;
    w->observer.on_exec_begin = on_exec_begin;
    w->observer.ctx = w;
    kv_engine_set_observer(kv_server_engine(w->server), &w->observer);
}

/* ---- receiving ----------------------------------------------------------------- */

/* Splits whole replies off the received bytes; each answers the oldest request. */
static void split_replies(struct sim_world *w, struct sim_track *t) {
    KV_ASSERT(t->rx_off <= t->rx.len);
    for (uint32_t guard = 0; guard < 1000000 && t->rx_off < t->rx.len; guard++) {
        uint32_t len = 0;
        uint64_t avail = t->rx.len - t->rx_off;
        enum sim_resp_status st = sim_resp_scan(t->rx.p + t->rx_off, (uint32_t)avail, &len);
        if (st == SIM_RESP_NEED_MORE) break;
        if (st == SIM_RESP_BAD) {
            sim_fail(w, "the core sent a malformed reply");
            fail_bytes(w, "reply", t->rx.p + t->rx_off, avail);
            return;
        }
        t->rx_off += len;
        w->replies_checked++;
        t->replies++;
        t->last_reply_tick = w->tick;
        if (!take_frame(t)) {
            if (t->corrupted) {
                if (t->reqs_len > 0) track_pop(t);
                continue;
            }
            sim_fail(w, "a reply arrived for no executed request");
            return;
        }
        frames_settle(t);
    }
    if (t->rx_off == t->rx.len || t->rx_off > 65536) {
        sim_buf_consume(&t->rx, t->rx_off);
        t->rx_off = 0;
    }
}

static bool is_prefix(const struct sim_buf *b, const char *want) {
    size_t n = strlen(want);
    return b->len <= n && memcmp(b->p, want, b->len) == 0;
}

/* The final error a connection may end with (NULL: any protocol error). */
static const char *final_want(const struct sim_track *t) {
    if (!t->rejected) return t->extra_want;
    return t->denied ? sim_denied_msg : SIM_REJECT_MSG;
}

/* Bytes past everything the core produced: only a final error may be there. */
static void check_extra(struct sim_world *w, struct sim_track *t) {
    const char *want = final_want(t);
    if (t->session != 0 && sim_model_replies_off(w->model, t->session)) {
        sim_fail(w, "connection %llu got an error under CLIENT REPLY OFF/SKIP",
                 (unsigned long long)t->serial); /* Redis sends nothing, then closes */
        fail_bytes(w, "extra", t->extra.p, t->extra.len);
        return;
    }
    if (want != NULL && is_prefix(&t->extra, want)) return;
    if (want == NULL && t->corrupted && is_prefix(&t->extra, "-ERR Protocol error: ")) return;
    if (want == NULL && t->corrupted && t->extra.len > 21) {
        uint8_t *nl = memchr(t->extra.p, '\n', t->extra.len);
        if (memcmp(t->extra.p, "-ERR Protocol error: ", 21) == 0 &&
            (nl == NULL || nl == t->extra.p + t->extra.len - 1))
            return;
    }
    sim_fail(w, "connection %llu got bytes no command produced",
             (unsigned long long)t->serial);
    fail_bytes(w, "extra", t->extra.p, t->extra.len);
    if (want != NULL) fail_bytes(w, "allowed", (const uint8_t *)want, strlen(want));
}

void sim_track_received(struct sim_world *w, struct sim_track *t, const uint8_t *p, uint64_t n) {
    KV_ASSERT(n > 0 && !t->ended);
    uint64_t head[2] = {t->serial, n};
    sim_trace(w, 6, head, sizeof(head));
    SIM_DEBUG(t->serial, "client reads %llu bytes (%llu owed before)", (unsigned long long)n,
              (unsigned long long)(t->expected.len - t->exp_off));
    t->received += n;
    uint64_t pending = t->expected.len - t->exp_off;
    uint64_t m = KV_MIN(n, pending);
    if (m > 0 && memcmp(p, t->expected.p + t->exp_off, m) != 0) {
        sim_fail(w, "connection %llu received bytes other than the core produced",
                 (unsigned long long)t->serial);
        uint64_t at = 0;
        while (at < m && p[at] == t->expected.p[t->exp_off + at]) at++;
        uint64_t from = at > 100 ? at - 100 : 0;
        fail_bytes(w, "received (from the first difference less 100)", p + from, m - from);
        fail_bytes(w, "produced", t->expected.p + t->exp_off + from, m - from);
        return;
    }
    t->exp_off += m;
    if (t->exp_off == t->expected.len) {
        t->expected.len = t->exp_off = 0;
    } else if (t->exp_off > 65536) {
        sim_buf_consume(&t->expected, t->exp_off);
        t->exp_off = 0;
    }
    sim_buf_put(&t->rx, p, m);
    split_replies(w, t);
    if (m == n) return;
    sim_buf_put(&t->extra, p + m, n - m);
    check_extra(w, t);
}

/*
 * Lost wake-ups in the calm phases (settle, quiet and drain: no network fault, no
 * slow reader, no clog). A well-behaved connection's input may wait delivered and
 * unread (sim_net_input_wait) only while the server's own wait lasts, and each has
 * a bound here:
 *  - the session is blocked: the model knows; the wait counts from its end;
 *  - CLIENT PAUSE holds clients: the model knows; its ticks are not counted (pauses
 *    may follow each other closely);
 *  - it waits for a large buffer (its frame or reply needs one, or frames queued
 *    behind such a frame fill its input): every holder is well-behaved and its frame
 *    or reply crosses its pipe in query_limit / pipe + 2 ticks, and waiters are
 *    served in FIFO order, so a waiter waits at most 2 pools x (clients / large
 *    buffers + 1) rounds of that, as sim_liveness_bound_ticks (sim_hostile.c) counts
 *    it; with hostile clients, holders that stall are cut by the hold rule and that
 *    bound applies (none without the rule);
 *  - its output drains through its pipe (its own large reply, a lagging subscriber's
 *    backlog of at most pubsub-backlog-bytes): within the same frame time, plus
 *    SIM_INPUT_WAIT_BASE ticks of latency.
 * A longer wait is a recv that never completed, even when the server keeps sending
 * (a subscriber's messages) or a live shutdown then closes the connection.
 */
#define SIM_INPUT_WAIT_BASE 1000u

static uint64_t input_wait_bound(const struct sim_world *w) {
    uint64_t bufs = w->cfg.large_buffers;
    KV_ASSERT(bufs >= 1 && w->pipe_bytes > 0);
    uint64_t frame = w->cfg.client_query_buffer_limit / w->pipe_bytes + 2;
    uint64_t calm = 2 * (w->client_count / bufs + 1) * frame + SIM_INPUT_WAIT_BASE;
    if (w->hostile_count == 0) return calm;
    return KV_MAX(calm, sim_liveness_bound_ticks(w));
}

void sim_check_input_waits(struct sim_world *w) {
    if (w->failed || w->stopping || w->phase < SIM_PHASE_SETTLE) return;
    if (w->phase > SIM_PHASE_DRAIN) return;
    KV_ASSERT(w->tick >= w->calm_from && w->calm_from > 0);
    uint64_t bound = input_wait_bound(w);
    bool paused = sim_model_pause_end(w->model) > w->clock.real_ms;
    for (struct sim_track *t = w->tracks; t != NULL; t = t->next) {
        if (t->ended || t->hostile || t->rejected || t->denied || t->oversize || t->cut ||
            t->session == 0 || sim_net_serial(w->net, t->slot) != t->serial)
            continue;
        if (sim_model_blocked(w->model, t->session)) t->held_tick = w->tick;
        uint64_t since = KV_MAX(w->calm_from, t->held_tick);
        uint64_t net = sim_net_input_wait(w->net, t->slot, false);
        if (net > 0 && net == t->input_wait) continue; /* frozen: the server closed it */
        if (net < t->input_wait || net == 0) t->input_paused = 0; /* a new wait */
        t->input_wait = net;
        if (paused && net > 0) t->input_paused++;
        /* the wait within the window, less its paused ticks (counted in it only) */
        uint64_t wait = KV_MIN(net, w->tick - since);
        wait -= KV_MIN(wait, t->input_paused);
        if (wait > w->input_wait_max) w->input_wait_max = wait;
        if (wait < bound) continue;
        sim_fail(w, "connection %llu: its input sat delivered and unread for %llu ticks "
                    "in the calm phases, not blocked, less %llu ticks of CLIENT PAUSE "
                    "(bound %llu: sim_check.c input_wait_bound): a lost wake-up",
                 (unsigned long long)t->serial, (unsigned long long)wait + t->input_paused,
                 (unsigned long long)t->input_paused, (unsigned long long)bound);
        return;
    }
}

/*
 * A lost recv wake-up hidden by an idle close. The server closes a connection as
 * idle once it has neither read nor sent for `timeout` seconds (the one in force:
 * CONFIG SET may change it, sim_workload_cfg.c), and never while the
 * wait is its own (server.c idle_timeouts: a blocked client, a subscriber, one held
 * by CLIENT PAUSE or waiting for a large buffer). So when the server closed this
 * connection (outside a shutdown) after it sat silent for a whole timeout while
 * bytes the client sent lay delivered and unread, with the reply pipe not full (the
 * client held nothing back: sim_net_input_wait), the input was never idle: a recv
 * that should have completed did not. Those legitimate waits all end the idle clock
 * (the server restarts it while they last), so they cannot fill a window alone.
 */
static bool idle_closed_unread(struct sim_world *w, const struct sim_track *t) {
    KV_ASSERT(t->ended && !t->reset);
    uint64_t timeout_ms = w->timeout_now_s * 1000ull;
    /* cut: closed for a stated reason (the hold rule, an output limit, CLIENT KILL) */
    if (timeout_ms == 0 || w->stopping || t->cut || sim_net_serial(w->net, t->slot) != t->serial)
        return false;
    uint64_t silent = sim_net_input_wait(w->net, t->slot, true);
    KV_ASSERT(silent <= w->tick);
    if (silent < timeout_ms) return false;
    sim_fail(w, "connection %llu closed after its input sat delivered and unread for %llu "
                "ticks with nothing sent (timeout %llu s): a lost wake-up, not idleness",
             (unsigned long long)t->serial, (unsigned long long)silent,
             (unsigned long long)w->timeout_now_s);
    return true;
}

/*
 * The client saw EOF or a reset. After a clean EOF every produced reply must have
 * arrived, unless something the client knows about allowed the core to drop it.
 */
void sim_track_end(struct sim_world *w, struct sim_track *t, bool reset) {
    KV_ASSERT(!t->ended);
    t->ended = true;
    t->reset = reset;
    uint64_t head[2] = {t->serial, reset ? 2u : 1u};
    sim_trace(w, 7, head, sizeof(head));
    SIM_DEBUG(t->serial, "client sees %s", reset ? "a reset" : "EOF");
    if (reset || w->failed) return;
    if (idle_closed_unread(w, t)) return;
    bool lenient = w->timeout_max_s > 0 || t->oversize || t->corrupted || t->cut ||
                   t->hostile;
    uint64_t lost = t->expected.len - t->exp_off;
    if (lost > 0 && !lenient) {
        sim_fail(w, "connection %llu closed before %llu produced reply bytes were sent",
                 (unsigned long long)t->serial, (unsigned long long)lost);
        fail_bytes(w, "unsent", t->expected.p + t->exp_off, lost);
        return;
    }
    const char *want = final_want(t);
    /* The idle timeout may close a client that stopped reading mid-error, as Redis
     * closes one whose output makes no progress for `timeout` seconds (9200784). */
    bool cut_by_timeout = w->timeout_max_s > 0 || t->cut;
    if (want != NULL && t->extra.len > 0 && t->extra.len != strlen(want) && !cut_by_timeout) {
        sim_fail(w, "connection %llu closed in the middle of its final error",
                 (unsigned long long)t->serial);
        fail_bytes(w, "got", t->extra.p, t->extra.len);
        return;
    }
    if (t->rejected || t->corrupted || t->oversize || t->cut || t->extra_want != NULL) return;
    if (t->hostile) return; /* the server may close a hostile client (sim_hostile.c) */
    uint32_t owed = sim_track_outstanding(t, true);
    if (w->phase >= SIM_PHASE_QUIET && owed > 0 && !w->stopping)
        sim_fail(w, "connection %llu closed with %u quiet-phase requests unanswered",
                 (unsigned long long)t->serial, owed);
}

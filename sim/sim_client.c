/*
 * sim_client.c: the simulated clients. Each speaks RESP over one simulated
 * connection at a time: pipelined batches from the seeded workload, MULTI blocks,
 * inline requests, and (in the fault phase) client-side misbehaviour: slow
 * readers, half-closes, vanishing mid-request (reset or close), malformed and
 * oversized frames, QUIT, corrupted bytes. Every request is recorded on the
 * connection's track before it is written, so the checks (sim_check.c) can match
 * what the core executes and sends back. Test code: heap allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_hostile.h"
#include "sim_internal.h"
#include "sim_resp.h"
#include "sim_world.h"

#define OUT_MAX (256u << 10)   /* encoded bytes a client queues before it stops adding */
#define READ_CHUNK 65536u

static bool roll_ppm(struct kv_prng *p, uint32_t ppm) {
    return ppm > 0 && kv_prng_below(p, 1000000) < ppm;
}

void sim_clients_init(struct sim_world *w) {
    KV_ASSERT(w->client_count > 0 && w->clients == NULL);
    w->clients = calloc(w->client_count, sizeof(struct sim_client));
    KV_ASSERT(w->clients != NULL);
    uint64_t sm = w->seed ^ 0xc11e47ull;
    for (uint32_t i = 0; i < w->client_count; i++) {
        struct sim_client *c = &w->clients[i];
        c->id = i;
        kv_prng_init(&c->prng, kv_splitmix64(&sm));
        c->pipeline_max = 1 + (uint32_t)kv_prng_below(&c->prng, 32);
        c->batch_max = 1 + (uint32_t)kv_prng_below(&c->prng, c->pipeline_max);
        c->next_connect = kv_prng_below(&c->prng, 20);
        if (i >= w->client_count - w->hostile_count) sim_hostile_init(w, c);
    }
}

void sim_clients_free(struct sim_world *w) {
    for (uint32_t i = 0; i < w->client_count; i++) {
        sim_buf_free(&w->clients[i].out);
        sim_hostile_free(&w->clients[i]);
    }
    free(w->clients);
}

void sim_client_detach(struct sim_world *w, struct sim_client *c, bool reset_it) {
    struct sim_track *t = c->track;
    KV_ASSERT(t != NULL && !t->client_done);
    SIM_DEBUG(t->serial, "client leaves (%s), %u requests outstanding",
              reset_it ? "reset" : "close", t->reqs_len);
    if (reset_it) sim_net_reset(w->net, t->slot);
    else sim_net_close(w->net, t->slot);
    t->client_done = true;
    c->track = NULL;
    c->out.len = 0;
    c->in_multi = false;
    c->multi_left = 0;
    c->closing = false;
    c->next_connect = w->tick + 1 + kv_prng_below(&c->prng, 40);
}

void sim_client_connect(struct sim_world *w, struct sim_client *c) {
    KV_ASSERT(c->track == NULL && c->out.len == 0);
    if (w->tick < c->next_connect || w->phase >= SIM_PHASE_CLOSE) return;
    int32_t slot = sim_net_connect(w->net);
    if (slot < 0) {
        c->next_connect = w->tick + 1 + kv_prng_below(&c->prng, 20);
        return;
    }
    c->track = sim_track_new(w, c->id, (uint32_t)slot);
    SIM_DEBUG(c->track->serial, "client %u connects", c->id);
    sim_session_connect(w, c); /* remote or local; HELLO and AUTH owed (sim_session.c) */
    c->closing = false;
    c->in_multi = false;
    c->out.len = 0;
    w->connects++;
}

/* ---- reading --------------------------------------------------------------- */

void sim_client_read(struct sim_world *w, struct sim_client *c) {
    static uint8_t buf[READ_CHUNK];
    KV_ASSERT(c->track != NULL && !c->track->ended);
    if (w->tick < c->slow_until) return;
    for (uint32_t i = 0; i < 64 && c->track != NULL && !w->failed; i++) {
        uint32_t cap = 1 + (uint32_t)kv_prng_below(&c->prng, READ_CHUNK);
        int64_t n = sim_net_read(w->net, c->track->slot, buf, cap);
        if (n == 0) return;
        if (n > 0) {
            if (w->canary == 1 && !w->canary_fired) { /* --canary: a bit flips on the wire */
                buf[0] ^= 0x20;
                w->canary_fired = true;
            }
            sim_track_received(w, c->track, buf, (uint64_t)n);
            continue;
        }
        sim_track_end(w, c->track, n == SIM_READ_RESET);
        sim_client_detach(w, c, false);
    }
}

/* ---- writing --------------------------------------------------------------- */

void sim_client_flush(struct sim_world *w, struct sim_client *c, uint64_t limit) {
    struct sim_track *t = c->track;
    KV_ASSERT(t != NULL && !t->client_done);
    uint64_t want = KV_MIN(c->out.len, limit);
    for (uint32_t i = 0; i < 16 && want > 0; i++) {
        int64_t n = sim_net_write(w->net, t->slot, c->out.p, (uint32_t)KV_MIN(want, 1u << 30));
        if (n == 0) return;
        if (n < 0) { /* reset under us */
            sim_track_end(w, t, true);
            sim_client_detach(w, c, false);
            return;
        }
        uint64_t head[2] = {t->serial, (uint64_t)n};
        sim_trace(w, 8, head, sizeof(head));
        SIM_DEBUG(t->serial, "client writes %lld of %llu bytes", (long long)n,
                  (unsigned long long)c->out.len);
        sim_buf_consume(&c->out, (uint64_t)n);
        want -= (uint64_t)n;
    }
}

/* Records the request on the track and queues its encoding. */
static void send_req_as(struct sim_world *w, struct sim_client *c, struct sim_sent *s,
                        bool may_inline) {
    KV_ASSERT(c->track != NULL && s->req.argc >= 1);
    sim_unauth_fit(w, c, &s->req);
    struct kv_slice argv[SIM_ARGC_MAX];
    sim_req_argv(&s->req, argv);
    uint64_t size = sim_resp_request_size(s->req.argc, argv);
    sim_buf_reserve(&c->out, 4 * size); /* quoted: up to 4 bytes a byte */
    uint32_t n = 0;
    bool short_args = true; /* inline, an argument past proto-max-bulk-len is refused */
    for (uint32_t i = 0; i < s->req.argc; i++)
        short_args = short_args && argv[i].len <= w->cfg.proto_max_bulk_len;
    if (may_inline && short_args && kv_prng_below(&c->prng, 100) < w->cfaults.inline_pct) {
        /* An inline line may take up to the inline limit, terminator included. */
        uint64_t most = w->cfg.proto_inline_max_size;
        if (kv_prng_chance(&c->prng, 1, 2))
            n = sim_resp_encode_quoted(c->out.p + c->out.len, KV_MIN(4 * size, most),
                                       s->req.argc, argv, kv_prng_next(&c->prng));
        if (n == 0)
            n = sim_resp_encode_inline(c->out.p + c->out.len, KV_MIN(size, most), s->req.argc,
                                       argv);
    }
    if (n == 0) n = sim_resp_encode(c->out.p + c->out.len, size, s->req.argc, argv);
    KV_ASSERT(n > 0 && n <= 4 * size);
    c->out.len += n;
    s->wire_len = n;
    if (n > w->cfg.client_query_buffer_limit) { /* no large buffer holds it: closed */
        s->kind = SIM_REQ_OVERSIZE;
        c->track->oversize = true;
        c->closing = true;
    }
    s->quiet = w->phase >= SIM_PHASE_QUIET;
    s->sent_tick = w->tick;
    c->track->wire_pos += n;
    s->wire_end = c->track->wire_pos;
    w->requests++;
}

static void send_req(struct sim_world *w, struct sim_client *c, struct sim_sent *s) {
    send_req_as(w, c, s, true);
}

/* RESP size of ECHO with an n-byte argument (sizes only: no bytes are read). */
static uint64_t echo_frame_size(uint64_t n) {
    KV_ASSERT(n <= UINT32_MAX);
    const struct kv_slice argv[2] = {{(const uint8_t *)"ECHO", 4}, {NULL, (uint32_t)n}};
    return sim_resp_request_size(2, argv);
}

/* Queues an ECHO whose frame is exactly size bytes, if one is; false if not (a
 * size at a digit boundary of the length, or one below the empty ECHO's 20). */
static bool send_echo_sized(struct sim_world *w, struct sim_client *c, uint64_t size) {
    if (size < echo_frame_size(0)) return false;
    uint64_t n = size - echo_frame_size(0);
    while (n > 0 && echo_frame_size(n) > size) n--; /* at most a few steps */
    if (echo_frame_size(n) != size) return false;
    KV_ASSERT(n <= w->cfg.proto_max_bulk_len);
    struct sim_sent *s = sim_track_push(w, c->track);
    sim_req_add_str(&s->req, "ECHO");
    uint8_t *fill = malloc(n + 1);
    KV_ASSERT(fill != NULL);
    memset(fill, 'e', n);
    sim_req_add(&s->req, fill, (uint32_t)n);
    free(fill);
    send_req_as(w, c, s, false);
    KV_ASSERT(s->wire_len == size);
    return true;
}

/* Now and then before EXEC (or DISCARD): ECHOs (up to 8) sized so the transaction's
 * frames end 0..15 bytes short of client-query-buffer-limit, so EXEC's own bytes (14,
 * or 6 inline) cross it or just fit: the edge where server.c need_more and the
 * checker's rule (sim_check.c match_kept) meet. Draws come from the world's edge
 * stream, so the client's own stream stays as it was. */
static void pad_to_limit(struct sim_world *w, struct sim_client *c) {
    KV_ASSERT(c->in_multi && c->multi_left == 0);
    if (kv_prng_below(&w->edge, 100) >= w->cfaults.edge_multi_pct) return;
    uint64_t short_by = kv_prng_below(&w->edge, 16);
    uint64_t limit = w->cfg.client_query_buffer_limit;
    uint64_t used = c->track->wire_pos - c->multi_from; /* bytes since MULTI */
    if (used + short_by + 64 > limit || c->unauthed) return; /* sim_unauth.c: no 16 KiB+ */
    uint64_t piece = echo_frame_size(w->cfg.proto_max_bulk_len); /* largest ECHO frame */
    uint64_t gap = limit - short_by - used;
    if (gap > 8 * (piece - 64)) return;
    for (uint32_t i = 0; i < 8 && gap > piece - 64; i++) {
        uint64_t size = KV_MIN(piece - 64, gap - 64); /* the last piece: 64 bytes or more */
        bool sent = send_echo_sized(w, c, size) || send_echo_sized(w, c, size - 1);
        KV_ASSERT(sent);
        gap = limit - short_by - (c->track->wire_pos - c->multi_from);
    }
    if (send_echo_sized(w, c, gap)) {
        KV_ASSERT(c->track->wire_pos - c->multi_from + short_by == limit);
        w->edge_multis++;
    }
}

static void send_word(struct sim_world *w, struct sim_client *c, const char *word) {
    struct sim_sent *s = sim_track_push(w, c->track);
    sim_req_add_str(&s->req, word);
    send_req(w, c, s);
}

/* One request of a batch: the next step of a MULTI block, or a plain command. */
static void next_request(struct sim_world *w, struct sim_client *c) {
    if (!c->in_multi && kv_prng_below(&c->prng, 100) < w->cfaults.multi_pct) {
        if (kv_prng_chance(&c->prng, 1, 3) && w->wl.has(w->wl.has_ctx, "watch")) {
            struct sim_sent *s = sim_track_push(w, c->track);
            sim_req_add_str(&s->req, "WATCH");
            for (uint64_t i = 1 + kv_prng_below(&c->prng, 3); i > 0; i--)
                sim_workload_key(&w->wl, &c->prng, &s->req);
            send_req(w, c, s);
        }
        send_word(w, c, "MULTI");
        c->multi_from = c->track->wire_pos;
        c->in_multi = true;
        c->multi_left = 1 + (uint32_t)kv_prng_below(&c->prng, w->cfg.multi_max_commands + 2);
        return;
    }
    if (c->in_multi && c->multi_left == 0) {
        if (w->cfaults.edge_multi_pct > 0 && !c->closing) pad_to_limit(w, c);
        send_word(w, c, kv_prng_chance(&c->prng, 1, 8) ? "DISCARD" : "EXEC");
        c->in_multi = false;
        return;
    }
    if (c->in_multi) c->multi_left--;
    if (c->in_multi && kv_prng_chance(&c->prng, 1, 16) && w->wl.has(w->wl.has_ctx, "watch")) {
        /* Not queued: a nested MULTI or a WATCH is refused at once (no EXECABORT). */
        struct sim_sent *s = sim_track_push(w, c->track);
        bool watch = kv_prng_chance(&c->prng, 1, 2);
        sim_req_add_str(&s->req, watch ? "WATCH" : "MULTI");
        if (watch || kv_prng_chance(&c->prng, 1, 3)) /* MULTI k: an arity error, flagged */
            sim_workload_key(&w->wl, &c->prng, &s->req);
        send_req(w, c, s);
        return;
    }
    struct sim_sent *s = sim_track_push(w, c->track);
    if (c->in_multi ? !sim_unauth_in_multi(w, c, &s->req)
                    : !sim_cfg_next(w, c, &s->req) && !sim_session_next(w, c, &s->req))
        sim_workload_next(&w->wl, &c->prng, w->clock.real_ms, &s->req);
    send_req(w, c, s);
}

static void generate(struct sim_world *w, struct sim_client *c) {
    struct sim_track *t = c->track;
    KV_ASSERT(t != NULL && !t->ended);
    bool traffic = w->phase <= SIM_PHASE_QUIET;
    if (!traffic && c->in_multi && !c->closing) {
        /* An open MULTI keeps its queued frames in a large buffer: finish it (an
         * idle transaction blocks others until --timeout, by design). */
        c->multi_left = 0;
        next_request(w, c);
        return;
    }
    if (c->closing || !traffic || c->out.len > OUT_MAX) return;
    if (t->reqs_len >= c->pipeline_max || !kv_prng_chance(&c->prng, 1, 2)) return;
    uint32_t n = 1 + (uint32_t)kv_prng_below(&c->prng, c->batch_max);
    for (uint32_t i = 0; i < n && t->reqs_len < c->pipeline_max; i++) next_request(w, c);
    if (kv_prng_chance(&c->prng, 1, 200)) { /* an empty frame the server skips */
        const char *empty = kv_prng_chance(&c->prng, 1, 2) ? "*0\r\n" : "\r\n";
        sim_buf_puts(&c->out, empty);
        t->wire_pos += strlen(empty);
    }
}

/* ---- misbehaviour (fault phase only) ------------------------------------------ */

struct malformed {
    const char *frame;
    const char *reply;
};

static const struct malformed malformed_frames[] = {
    {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
    {"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
    {"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
    {"SET \"abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
    {"*1\r\n$3\r\nabcXY", "-ERR Protocol error: invalid bulk terminator\r\n"},
    {"*2\r\n$3\r\nGET\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
};

static void send_special(struct sim_world *w, struct sim_client *c, uint8_t kind,
                         const void *bytes, uint64_t n) {
    KV_ASSERT(kind != SIM_REQ_NORMAL && n > 0 && c->track != NULL);
    struct sim_sent *s = sim_track_push(w, c->track);
    s->kind = kind;
    s->wire_len = n;
    c->track->wire_pos += n;
    s->wire_end = c->track->wire_pos;
    sim_buf_put(&c->out, bytes, n);
    c->closing = true;
    w->requests++;
    w->client_faults++;
}

static void send_malformed(struct sim_world *w, struct sim_client *c) {
    char frame[64];
    uint32_t i = (uint32_t)kv_prng_below(&c->prng, KV_ARRAY_LEN(malformed_frames) + 1);
    if (i == KV_ARRAY_LEN(malformed_frames)) { /* one byte too long a bulk */
        int n = snprintf(frame, sizeof(frame), "*1\r\n$%llu\r\n",
                         (unsigned long long)w->cfg.proto_max_bulk_len + 1);
        c->track->extra_want = "-ERR Protocol error: invalid bulk length\r\n";
        send_special(w, c, SIM_REQ_MALFORMED, frame, (uint64_t)n);
        return;
    }
    c->track->extra_want = malformed_frames[i].reply;
    send_special(w, c, SIM_REQ_MALFORMED, malformed_frames[i].frame,
                 strlen(malformed_frames[i].frame));
}

/* A frame no large buffer can hold: the core closes without a reply. */
static void send_oversize(struct sim_world *w, struct sim_client *c) {
    uint64_t bulk = w->cfg.proto_max_bulk_len;
    uint64_t args = w->cfg.client_query_buffer_limit / (bulk + 2) + 2; /* > limit bytes */
    struct sim_buf b = {0};
    char hdr[48];
    int n = snprintf(hdr, sizeof(hdr), "*%llu\r\n$3\r\nSET\r\n", (unsigned long long)args + 1);
    sim_buf_put(&b, hdr, (uint64_t)n);
    n = snprintf(hdr, sizeof(hdr), "$%llu\r\n", (unsigned long long)bulk);
    sim_buf_reserve(&b, args * (bulk + (uint64_t)n + 2));
    for (uint64_t i = 0; i < args; i++) {
        sim_buf_put(&b, hdr, (uint64_t)n);
        memset(b.p + b.len, 'o', bulk);
        b.len += bulk;
        sim_buf_put(&b, "\r\n", 2);
    }
    KV_ASSERT(b.len > w->cfg.client_query_buffer_limit);
    c->track->oversize = true;
    c->track->extra_want = sim_unauth_oversize_error(c, args + 1, bulk);
    send_special(w, c, SIM_REQ_OVERSIZE, b.p, b.len);
    sim_buf_free(&b);
}

/* Sends part of a request, then resets or closes: the core must not run it. */
static void vanish(struct sim_world *w, struct sim_client *c) {
    struct sim_sent *s = sim_track_push(w, c->track);
    sim_workload_next(&w->wl, &c->prng, w->clock.real_ms, &s->req);
    struct kv_slice argv[SIM_ARGC_MAX];
    sim_req_argv(&s->req, argv);
    uint64_t size = sim_resp_request_size(s->req.argc, argv);
    KV_ASSERT(size >= 4);
    sim_buf_reserve(&c->out, size);
    sim_resp_encode(c->out.p + c->out.len, size, s->req.argc, argv);
    uint64_t keep = c->out.len + 1 + kv_prng_below(&c->prng, size - 1);
    c->out.len += size;
    s->wire_len = size;
    c->track->wire_pos += size;
    s->wire_end = c->track->wire_pos;
    s->kind = SIM_REQ_PARTIAL;
    w->client_faults++;
    sim_client_flush(w, c, keep); /* whatever fits of the old bytes and part of this one */
    if (c->track != NULL) sim_client_detach(w, c, kv_prng_chance(&c->prng, 1, 2));
}

static void client_faults(struct sim_world *w, struct sim_client *c) {
    const struct sim_client_faults *f = &w->cfaults;
    struct kv_prng *p = &c->prng;
    KV_ASSERT(c->track != NULL && !c->track->client_done);
    if (w->phase != SIM_PHASE_FAULTS || c->closing) return;
    if (roll_ppm(p, f->slow_ppm)) {
        c->slow_until = w->tick + 1 + kv_prng_below(p, f->slow_ticks_max + 1);
        SIM_DEBUG(c->track->serial, "client stops reading until tick %llu",
                  (unsigned long long)c->slow_until);
        w->client_faults++;
    }
    if (roll_ppm(p, f->vanish_ppm)) {
        vanish(w, c);
    } else if (roll_ppm(p, f->malformed_ppm)) {
        send_malformed(w, c);
    } else if (roll_ppm(p, f->oversize_ppm)) {
        send_oversize(w, c);
    } else if (roll_ppm(p, f->quit_ppm)) {
        struct sim_sent *s = sim_track_push(w, c->track);
        sim_req_add_str(&s->req, "QUIT");
        s->kind = SIM_REQ_QUIT;
        send_req(w, c, s);
        c->closing = true;
    } else if (roll_ppm(p, f->half_close_ppm)) {
        c->track->half_closed = true; /* shuts its write side once its bytes are out */
        c->closing = true;
        w->client_faults++;
    } else if (roll_ppm(p, f->corrupt_ppm) &&
               sim_net_corrupt(w->net, c->track->slot, kv_prng_next(p))) {
        c->track->corrupted = true;
        c->track->half_closed = true;
        c->closing = true;
        w->client_faults++;
    }
}

static void client_tick(struct sim_world *w, struct sim_client *c) {
    if (c->hostile != NULL) {
        sim_hostile_tick(w, c);
        return;
    }
    if (c->track == NULL) {
        sim_client_connect(w, c);
        return;
    }
    if (w->phase != SIM_PHASE_FAULTS) c->slow_until = 0;
    sim_client_read(w, c);
    if (c->track == NULL || w->failed) return;
    client_faults(w, c);
    if (c->track == NULL) return;
    generate(w, c);
    sim_client_flush(w, c, UINT64_MAX);
    struct sim_track *t = c->track;
    if (t != NULL && t->half_closed && c->out.len == 0 && !t->ended) {
        sim_net_shutdown_write(w->net, t->slot);
        t->half_closed = false; /* done: only EOF is left to wait for */
    }
}

void sim_clients_tick(struct sim_world *w) {
    uint32_t start = (uint32_t)kv_prng_below(&w->clients[0].prng, w->client_count);
    for (uint32_t i = 0; i < w->client_count && !w->failed; i++)
        client_tick(w, &w->clients[(start + i) % w->client_count]);
}

/* CLOSE phase: every client leaves; a reset or a FIN, as the seed says. */
void sim_clients_leave(struct sim_world *w) {
    for (uint32_t i = 0; i < w->client_count; i++) {
        struct sim_client *c = &w->clients[i];
        if (c->track != NULL) sim_client_detach(w, c, false);
    }
}

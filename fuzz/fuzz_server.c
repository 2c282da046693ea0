/*
 * fuzz_server.c: libFuzzer target for the whole server: a kv_server (src/server.c,
 * engine, keyspace, parser, pools) runs unchanged over the simulator's network and
 * clock (sim/sim_io.c), with small limits drawn from the input, and one to four
 * clients write fuzzer-chosen bytes in fuzzer-chosen pieces.
 *
 * Input layout:
 *   byte 0  bits 0-2 client-query-buffer-limit (k_limit), bits 3-4 proto-max-bulk-len
 *           (1, 64, limit / 4, limit - 64), bits 5-6 multi-max-commands (k_multi,
 *           halved until it fits the limit), bit 7 timeout 1 s
 *   byte 1  bits 0-1 client-buffer (k_client_buffer), bits 2-3 large-buffers - 1,
 *           bits 4-5 recv-buffers (k_recv_buffers: 0 = one recv per read), bits 6-7
 *           maxmemory-policy (k_policy)
 *   byte 2  bits 0-1 clients - 1, bits 2-3 maxclients (k_maxclients), bit 4 maxmemory
 *           256 KiB (else 64 KiB), bits 5-6 partial recv % (k_pct), bit 7 partial send
 *   byte 3  bits 0-2 seed (the network's shuffles and faults, the server's hash
 *           seed), bit 3 large-buffer-min-progress = the limit (else the 8 KiB
 *           default, clipped to it), bits 4-5 proto-inline-max-size (the 64 KiB
 *           default clipped to the limit, 64, 255, limit / 2), bits 6-7
 *           large-buffer-stall-ms (k_stall_ms: the default 25, 1, 5, 1000)
 *   then records, each an op byte: bits 0-1 client, bit 2 "glue" (no server turn
 *   after this record, so its bytes and the next record's arrive together), bits 3-7
 *   kind:
 *     0-19   DATA: a length byte L, then L + 1 bytes the client writes
 *     20-21  FILL: a byte b and a 16-bit count c: c + 1 copies of b
 *     22-23  FILL: the same, (c + 1) * 16 copies (up to 1 MiB)
 *     24-27  TIME: a byte t: the clock moves 2^(t & 15) ms, then (t >> 4) + 1 turns
 *     28-29  CONTROL: a byte k, k % 6: stop reading replies, read again, half-close,
 *            close, reset, (re)connect
 *     30-31  DRAIN: turns until no byte moves
 *   A turn: every client hands the network what it can of its queued bytes, the
 *   network ticks, the server runs one loop turn (kv_server_run_once), and every
 *   reading client reads what arrived. At the end: a drain with every client
 *   reading, then every client closes, then a graceful shutdown.
 *
 * Checks: no KV_ASSERT fires (the server asserts on client input are the bugs this
 * target hunts), ASan/UBSan; kv_server_check() after every turn that did work;
 * every reply stream is a sequence of well-formed RESP2 replies (reply_len(),
 * independent of src/reply.c) with nothing left over once drained (a connection
 * the server closed may end in a cut reply: see client_read); every connection
 * closes once its client has left; every pooled buffer is free again; shutdown
 * finishes. Deterministic: the same input replays the same run.
 *
 * Test code: heap and stdio allowed; everything is freed per input. The server's
 * own memory is one kv_arena mapped per input, as in production.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/arena.h"
#include "kv/config.h"
#include "kv/server.h"
#include "sim_buf.h"
#include "sim_io.h"

#define CHECK(e)                                                                         \
    do {                                                                                 \
        if (!(e)) {                                                                      \
            fprintf(stderr, "fuzz_server: check failed: %s (%s:%d)\n", #e, __FILE__,     \
                    __LINE__);                                                           \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define CLIENTS_MAX 4u
#define PIPE_BYTES (128u << 10)    /* 64 KiB and more arrive in one read */
#define QUEUED_MAX (4u << 20)      /* bytes a client may have queued, at most */
#define TURNS_MAX 20000u           /* server turns per input, in all */
#define DRAIN_QUIET 8u             /* turns without a byte moving end a drain */
#define DRAIN_MAX 4000u
#define CLOSE_MAX 2000u
#define REPLY_DEPTH_MAX 32u
#define READ_CHUNK 16384u
#define EPOCH_MS 1700000000000ll
#define TICK_NS 1000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct client {
    int32_t slot;            /* sim_net connection, -1 when not connected */
    bool paused;             /* not reading replies */
    bool write_done;         /* half-closed: writes are dropped */
    bool eof;                /* the server closed and everything was read */
    struct sim_buf out;      /* bytes the network has not taken yet, from out_at */
    uint64_t out_at;
    struct sim_buf in;       /* reply bytes not yet parsed, from in_at */
    uint64_t in_at;
    uint64_t replies;
};

struct world {
    struct kv_config cfg;
    struct sim_clock clock;
    struct kv_clock kvclock;
    struct sim_net *net;
    struct kv_layout layout;
    struct kv_arena arena;
    struct kv_server *server;
    struct client cl[CLIENTS_MAX];
    uint32_t nclients;
    uint64_t turns;
    bool stopped;
    bool trace;              /* FUZZ_SERVER_TRACE=1: records and replies on stderr */
};

/* ---- replies: RESP2, checked without src/reply.c ------------------------------- */

/* "<digits>" or "-<digits>" in range of int64 (no sign alone): *out. */
static bool reply_int(const uint8_t *p, uint64_t n, int64_t *out) {
    bool neg = n > 0 && p[0] == '-';
    uint64_t i = neg ? 1 : 0, v = 0;
    if (n == i || n - i > 19) return false;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (uint64_t)(p[i] - '0'); /* 19 digits fit in 64 bits */
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0)) return false;
    *out = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    return true;
}

/* The line after the type byte at p[pos]: its length, or -2 incomplete, -1 invalid
 * (a bare '\r' or '\n' inside it). */
static int64_t reply_line(const uint8_t *p, uint64_t n, uint64_t pos) {
    const uint8_t *cr = memchr(p + pos, '\r', n - pos);
    const uint8_t *lf = memchr(p + pos, '\n', cr != NULL ? (uint64_t)(cr - p) - pos : n - pos);
    if (lf != NULL) return -1;
    if (cr == NULL || (uint64_t)(cr - p) + 1 == n) return -2;
    return cr[1] == '\n' ? cr - (p + pos) : -1;
}

/* One element at *pos: its header line, and a bulk's payload. *count gets an
 * array's element count (else 0). 1: done, 0: incomplete, -1: invalid. */
static int reply_item(const uint8_t *p, uint64_t n, uint64_t *pos, int64_t *count) {
    uint8_t type = p[*pos];
    int64_t len = reply_line(p, n, *pos + 1), v = 0;
    if (len < 0) return len == -2 ? 0 : -1;
    const uint8_t *body = p + *pos + 1;
    uint64_t next = *pos + 1 + (uint64_t)len + 2;
    *count = 0;
    if (type == '+') {
        *pos = next;
        return 1;
    }
    if (type == '-') { /* an error code: "ERR", "WRONGTYPE", "OOM" ... */
        *pos = next;
        return len > 0 && body[0] >= 'A' && body[0] <= 'Z' ? 1 : -1;
    }
    if (!reply_int(body, (uint64_t)len, &v)) return -1;
    if (type == ':') {
        *pos = next;
        return 1;
    }
    if ((type != '$' && type != '*') || v < -1) return -1;
    if (type == '*') {
        *count = v < 0 ? 0 : v;
        *pos = next;
        return 1;
    }
    if (v >= 0 && next + (uint64_t)v + 2 > n) return 0;
    if (v >= 0 && (p[next + v] != '\r' || p[next + v + 1] != '\n')) return -1;
    *pos = v >= 0 ? next + (uint64_t)v + 2 : next;
    return 1;
}

/* Length of the first complete reply in p[0..n): > 0; 0 if it may yet complete;
 * -1 if these bytes can never be a reply. Arrays nest through an explicit stack;
 * every step consumes at least three bytes or closes an array. */
static int64_t reply_len(const uint8_t *p, uint64_t n) {
    int64_t pending[REPLY_DEPTH_MAX];
    uint32_t depth = 0;
    uint64_t pos = 0;
    pending[0] = 1;
    for (uint64_t steps = 0; steps <= 2 * n + 2; steps++) {
        if (pending[depth] == 0) {
            if (depth == 0) return (int64_t)pos;
            depth--;
            continue;
        }
        if (pos >= n) return 0;
        pending[depth]--;
        int64_t count = 0;
        int r = reply_item(p, n, &pos, &count);
        if (r <= 0) return r;
        if (count == 0) continue;
        if (depth + 1 >= REPLY_DEPTH_MAX) return -1;
        pending[++depth] = count;
    }
    return -1;
}

static void dump(const char *what, uint64_t id, const uint8_t *p, uint64_t n) {
    fprintf(stderr, "fuzz_server: client %llu %s (%llu bytes): \"", (unsigned long long)id,
            what, (unsigned long long)n);
    for (uint64_t i = 0; i < n && i < 300; i++) {
        if (p[i] >= 32 && p[i] < 127 && p[i] != '"' && p[i] != '\\') fputc(p[i], stderr);
        else fprintf(stderr, "\\x%02x", p[i]);
    }
    fprintf(stderr, "%s\"\n", n > 300 ? "..." : "");
}

/* Takes every complete reply off the front of c->in; aborts on a malformed one. */
static void client_parse(struct world *w, struct client *c) {
    for (uint64_t k = 0; k <= c->in.len && c->in_at < c->in.len; k++) {
        const uint8_t *p = c->in.p + c->in_at;
        uint64_t n = c->in.len - c->in_at;
        int64_t r = reply_len(p, n);
        if (r < 0) dump("sent a malformed reply", (uint64_t)(c - w->cl), p, n);
        CHECK(r >= 0);
        if (r == 0) break;
        if (w->trace) dump("reply", (uint64_t)(c - w->cl), p, (uint64_t)r);
        c->in_at += (uint64_t)r;
        c->replies++;
    }
    if (c->in_at == c->in.len) {
        c->in.len = c->in_at = 0;
    } else if (c->in_at > (64u << 10)) {
        sim_buf_consume(&c->in, c->in_at);
        c->in_at = 0;
    }
}

/* ---- clients ----------------------------------------------------------------------- */

static void client_read(struct world *w, struct client *c) {
    if (c->slot < 0 || c->paused || c->eof) return;
    uint8_t buf[READ_CHUNK];
    for (uint32_t i = 0; i <= PIPE_BYTES / READ_CHUNK; i++) {
        int64_t r = sim_net_read(w->net, (uint32_t)c->slot, buf, sizeof(buf));
        if (r == SIM_READ_EOF) c->eof = true;
        if (r <= 0) break;
        sim_buf_put(&c->in, buf, (uint64_t)r);
    }
    /* At EOF a reply may be cut short: a request above client-query-buffer-limit
     * closes the connection at once, unsent output included, as Redis does (found
     * by this target: crash-8d4a9f...). What arrived must still be a valid prefix. */
    client_parse(w, c);
}

static void client_push(struct world *w, struct client *c) {
    if (c->slot < 0 || c->out_at == c->out.len) return;
    uint64_t left = c->out.len - c->out_at;
    int64_t k = c->write_done || c->eof ? (int64_t)left
                                        : sim_net_write(w->net, (uint32_t)c->slot,
                                                        c->out.p + c->out_at,
                                                        (uint32_t)KV_MIN(left, 1u << 30));
    if (k < 0) k = (int64_t)left; /* reset: the rest is lost */
    c->out_at += (uint64_t)k;
    if (c->out_at == c->out.len) c->out.len = c->out_at = 0;
}

static void client_queue(struct client *c, const uint8_t *p, uint64_t n, uint8_t fill) {
    if (c->out.len + n > QUEUED_MAX) return;
    if (p != NULL) {
        sim_buf_put(&c->out, p, n);
        return;
    }
    sim_buf_reserve(&c->out, n);
    memset(c->out.p + c->out.len, fill, n);
    c->out.len += n;
}

static void client_connect(struct world *w, struct client *c) {
    if (c->slot >= 0) return;
    c->slot = sim_net_connect(w->net);
    c->paused = c->write_done = c->eof = false;
    c->out.len = c->out_at = c->in.len = c->in_at = 0;
}

/* The client goes away (close or reset); it can connect again later. */
static void client_leave(struct world *w, struct client *c, bool reset) {
    if (c->slot < 0) return;
    if (!c->eof) client_read(w, c);
    if (reset) sim_net_reset(w->net, (uint32_t)c->slot);
    else sim_net_close(w->net, (uint32_t)c->slot);
    c->slot = -1;
}

static void client_control(struct world *w, struct client *c, uint8_t k) {
    switch (k % 6) {
    case 0: c->paused = true; break;
    case 1: c->paused = false; break;
    case 2:
        if (c->slot >= 0 && !c->write_done) {
            client_push(w, c);
            c->write_done = true;
            sim_net_shutdown_write(w->net, (uint32_t)c->slot);
        }
        break;
    case 3: client_leave(w, c, false); break;
    case 4: client_leave(w, c, true); break;
    case 5: client_connect(w, c); break;
    default: KV_UNREACHABLE();
    }
}

/* ---- the world ---------------------------------------------------------------------- */

static void turn(struct world *w) {
    w->turns++;
    sim_clock_advance(&w->clock, TICK_NS);
    sim_net_tick(w->net, w->turns);
    for (uint32_t i = 0; i < w->nclients; i++) client_push(w, &w->cl[i]);
    if (!w->stopped) {
        uint64_t before = sim_net_stats(w->net)->completions;
        bool idle = w->server->ready_len == 0;
        w->stopped = !kv_server_run_once(w->server, 0);
        /* O(keyspace): only after a turn that did something (as sim/sim_main.c) */
        if (!idle || sim_net_stats(w->net)->completions != before) kv_server_check(w->server);
    }
    for (uint32_t i = 0; i < w->nclients; i++) client_read(w, &w->cl[i]);
}

static uint64_t net_moved(const struct world *w) {
    const struct sim_net_stats *st = sim_net_stats(w->net);
    return st->bytes_c2s + st->bytes_s2c;
}

/* Turns until no byte has moved for DRAIN_QUIET turns (and no work is queued). */
static void drain(struct world *w) {
    uint64_t quiet = 0, last = net_moved(w);
    for (uint32_t i = 0; i < DRAIN_MAX && quiet < DRAIN_QUIET; i++) {
        turn(w);
        uint64_t now = net_moved(w);
        quiet = now == last && w->server->ready_len == 0 ? quiet + 1 : 0;
        last = now;
    }
}

static const uint64_t k_limit[8] = {512, 1024, 2048, 4096, 16384, 65536, 131072, 262144};
static const uint32_t k_multi[4] = {1, 2, 4, 16};
static const uint32_t k_client_buffer[4] = {256, 512, 1024, 4096};
static const uint32_t k_recv_buffers[4] = {0, 1, 4, 16};
static const uint32_t k_maxclients[4] = {1, 2, 3, 8};
static const uint32_t k_pct[4] = {0, 10, 50, 90};
static const uint32_t k_stall_ms[4] = {25, 1, 5, 1000};
static const enum kv_evict_policy k_policy[4] = {KV_EVICT_NOEVICTION, KV_EVICT_ALLKEYS_LRU,
                                                 KV_EVICT_ALLKEYS_RANDOM, KV_EVICT_VOLATILE_TTL};

static void draw_config(struct kv_config *c, const uint8_t *h) {
    kv_config_defaults(c);
    c->port = 0;
    uint64_t limit = k_limit[h[0] & 7];
    c->client_query_buffer_limit = limit;
    const uint64_t bulk[4] = {1, 64, limit / 4, limit - 64};
    c->proto_max_bulk_len = bulk[(h[0] >> 3) & 3];
    c->multi_max_commands = k_multi[(h[0] >> 5) & 3];
    while ((uint64_t)c->multi_max_commands * 256 > limit / 2) c->multi_max_commands /= 2;
    c->timeout_s = (h[0] >> 7) & 1;
    c->client_buffer = (uint32_t)KV_MIN((uint64_t)k_client_buffer[h[1] & 3], limit);
    c->large_buffers = 1 + ((h[1] >> 2) & 3);
    c->recv_buffers = k_recv_buffers[(h[1] >> 4) & 3];
    c->maxmemory_policy = k_policy[(h[1] >> 6) & 3];
    c->maxclients = k_maxclients[(h[2] >> 2) & 3];
    c->maxmemory = (h[2] & 16) ? 256u << 10 : 64u << 10;
    const uint64_t inline_max[4] = {KV_MIN(64u << 10, limit), 64, 255, limit / 2};
    c->proto_inline_max_size = (uint32_t)inline_max[(h[3] >> 4) & 3];
    c->large_buffer_stall_ms = k_stall_ms[(h[3] >> 6) & 3];
    c->large_buffer_min_progress = (h[3] & 8) ? limit : KV_MIN(8u << 10, limit);
    c->hz = 100;
    char err[256];
    if (kv_config_check(c, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_server: drew an impossible configuration: %s\n", err);
        CHECK(!"configuration");
    }
}

static void world_init(struct world *w, const uint8_t *h) {
    memset(w, 0, sizeof(*w));
    w->trace = getenv("FUZZ_SERVER_TRACE") != NULL;
    draw_config(&w->cfg, h);
    w->nclients = 1 + (h[2] & 3);
    /* Each client's slot, and one more while a left connection is still closing. */
    struct sim_net_config nc = {.conn_cap = 2 * w->nclients + 2, .pipe_bytes = PIPE_BYTES,
                                .backlog = 2 * CLIENTS_MAX, .timers = 16, .seed = h[3] & 7};
    sim_clock_init(&w->clock, &w->kvclock, EPOCH_MS);
    w->net = sim_net_create(&nc, &w->clock);
    struct sim_faults f = {.partial_recv_pct = k_pct[(h[2] >> 5) & 3],
                           .partial_send_pct = (h[2] & 128) ? 50 : 0};
    sim_net_set_faults(w->net, &f);
    kv_server_layout(&w->cfg, &w->layout);
    CHECK(kv_arena_map(&w->arena, &w->layout) == 0);
    w->server = calloc(1, sizeof(*w->server));
    CHECK(w->server != NULL);
    kv_server_init(w->server, &w->cfg, &w->arena, sim_net_io(w->net), &w->kvclock,
                   0x9e3779b97f4a7c15ull ^ (h[3] & 7));
    kv_arena_seal(&w->arena);
    kv_server_start(w->server);
    for (uint32_t i = 0; i < CLIENTS_MAX; i++) w->cl[i].slot = -1;
    for (uint32_t i = 0; i < w->nclients; i++) client_connect(w, &w->cl[i]);
}

/* Drain with every client reading, then all leave, then a graceful shutdown. */
static void world_finish(struct world *w) {
    for (uint32_t i = 0; i < w->nclients; i++) w->cl[i].paused = false;
    drain(w);
    for (uint32_t i = 0; i < w->nclients; i++) {
        struct client *c = &w->cl[i];
        bool cut = c->eof || c->slot < 0;
        if (!cut && c->in.len != c->in_at)
            dump("still owes the rest of a reply", i, c->in.p + c->in_at, c->in.len - c->in_at);
        CHECK(cut || c->in.len == c->in_at);
        client_leave(w, c, false);
    }
    uint32_t i = 0;
    for (; i < CLOSE_MAX; i++) {
        if (kv_server_connections(w->server) == 0 && sim_net_open_handles(w->net) == 0) break;
        turn(w);
    }
    CHECK(i < CLOSE_MAX); /* every connection closes once its client has left */
    CHECK(kv_server_pools_full(w->server));
    kv_server_shutdown(w->server);
    for (i = 0; i < CLOSE_MAX && !w->stopped; i++) turn(w);
    CHECK(w->stopped);
}

static void world_free(struct world *w) {
    for (uint32_t i = 0; i < CLIENTS_MAX; i++) {
        sim_buf_free(&w->cl[i].out);
        sim_buf_free(&w->cl[i].in);
    }
    free(w->server);
    kv_arena_unmap(&w->arena);
    sim_net_destroy(w->net);
}

/* ---- records -------------------------------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t n;
    size_t at;
};

static uint8_t in_byte(struct input *in) { return in->at < in->n ? in->p[in->at++] : 0; }

/* One record; returns whether the server takes a turn after it. */
static bool record(struct world *w, struct input *in) {
    uint8_t op = in_byte(in);
    struct client *c = &w->cl[(op & 3) % w->nclients];
    uint32_t kind = op >> 3;
    if (kind < 20) {
        uint64_t len = (uint64_t)in_byte(in) + 1; /* KV_MIN evaluates twice */
        len = KV_MIN(len, (uint64_t)(in->n - in->at));
        if (c->slot >= 0) client_queue(c, in->p + in->at, len, 0);
        if (w->trace) dump("writes", (uint64_t)(c - w->cl), in->p + in->at, len);
        in->at += len;
    } else if (kind < 24) {
        uint8_t fill = in_byte(in);
        uint64_t count = in_byte(in);
        count = (count | (uint64_t)in_byte(in) << 8) + 1;
        if (kind >= 22) count *= 16;
        if (c->slot >= 0) client_queue(c, NULL, count, fill);
        if (w->trace)
            fprintf(stderr, "fuzz_server: client %u writes %llu x 0x%02x\n",
                    (unsigned)(c - w->cl), (unsigned long long)count, fill);
    } else if (kind < 28) {
        uint8_t t = in_byte(in);
        uint64_t ms = 1ull << (t & 15);
        sim_clock_advance(&w->clock, ms * 1000000ull);
        sim_clock_jump(&w->clock, (int64_t)ms);
        for (uint32_t i = 0; i <= (uint32_t)(t >> 4); i++) turn(w);
        return false;
    } else if (kind < 30) {
        uint8_t k = in_byte(in);
        if (w->trace)
            fprintf(stderr, "fuzz_server: client %u control %u (slot %d)\n",
                    (unsigned)(c - w->cl), k % 6, c->slot);
        client_control(w, c, k);
    } else {
        drain(w);
        return false;
    }
    return (op & 4) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    struct world *w = calloc(1, sizeof(*w));
    CHECK(w != NULL);
    world_init(w, data);
    struct input in = {data, size, 4};
    while (in.at < in.n && w->turns < TURNS_MAX && !w->stopped) {
        if (record(w, &in)) turn(w);
    }
    world_finish(w);
    world_free(w);
    free(w);
    return 0;
}

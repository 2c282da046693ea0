/*
 * sim_io.c: the simulated clock, network and kv_io backend (see sim_io.h).
 *
 * Memory: sim_net_create() allocates every slot, pipe ring, segment queue, timer,
 * completion record and the shuffle array once; nothing is allocated afterwards
 * (the same discipline as the core it hosts). Invariants, asserted on every call:
 * a pipe's head <= visible <= tail and tail - head <= cap; a handle names an open
 * slot of the right generation; one recv, one send, one close per handle at most.
 * Never calls a completion from inside a submit: run() alone delivers.
 */
#include "sim_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define SEG_MAX 64u
#define HANDLE_SLOT_BITS 16u
#define MULTI_CHUNKS_MAX 4u /* completions one multishot recv posts per run, at most */

uint64_t sim_debug_serial; /* SIM_DEBUG (sim_internal.h) */
uint64_t sim_debug_tick;

enum conn_state { CONN_FREE = 0, CONN_BACKLOG = 1, CONN_OPEN = 2 };

struct pipe {
    uint8_t *ring;
    uint32_t cap;
    uint64_t head;           /* bytes read */
    uint64_t visible;        /* bytes the reader may read by now */
    uint64_t tail;           /* bytes written */
    uint64_t seg_end[SEG_MAX];
    uint64_t seg_ready[SEG_MAX];
    uint32_t seg_first;
    uint32_t seg_count;
    uint64_t clogged_until;  /* tick */
    bool fin;                /* the writer is done: EOF after tail */
};

struct op {
    bool active;
    uint8_t *buf;            /* recv */
    const uint8_t *src;      /* send */
    bool nowait;             /* recv: KV_IO_RECV_NOWAIT, -EAGAIN when nothing is there */
    bool multi;              /* recv: multishot; len is what it may still deliver */
    uint32_t len;
    uint64_t tag;
};

struct conn {
    uint8_t state;
    bool remote;             /* the peer is 10.0.0.<slot>, not 127.0.0.1 (sim_net_set_remote) */
    bool server_closed;      /* close completed: the handle is dead */
    bool client_gone;
    bool reset;
    uint32_t gen;
    int32_t handle;
    uint64_t serial;
    struct pipe c2s;
    struct pipe s2c;
    struct op recv;
    struct op send;
    bool close_active;
    uint64_t close_tag;
    /* Input waits (sim_net_input_wait): the tick since which delivered client bytes
     * have sat unread with both pipes flowing, [1] with room in the reply pipe too (0:
     * none wait), the last ticks the server read, sent and found the reply pipe too
     * full, and both waits as of the server's close. */
    uint64_t wait_from[2];
    uint64_t last_recv_tick;
    uint64_t last_send_tick;
    uint64_t last_full_tick; /* the last a send found less room than it carried */
    uint64_t wait_at_close[2];
};

struct cqe {
    uint64_t tag;
    int32_t res;
    uint32_t flags;
    int32_t accepted;        /* slot of an accepted connection, else -1 */
    int32_t bid;             /* a multishot recv's buffer, else -1 */
};

struct timer {
    bool active;
    uint64_t deadline_ns;
    uint64_t tag;
};

struct sim_net {
    struct kv_io io;
    struct sim_clock *clock;
    struct kv_prng prng;
    struct sim_faults f;
    uint64_t tick;
    struct conn *conns;
    uint32_t conn_cap;
    uint32_t *backlog;
    uint32_t backlog_cap;
    uint32_t backlog_head;
    uint32_t backlog_len;
    bool accept_armed;
    bool listener_closed;
    bool listener_cancel;    /* post -ECANCELED for the armed accept */
    uint64_t accept_tag;
    struct timer *timers;
    uint32_t timer_cap;
    struct cqe *cq;
    uint32_t cq_cap;
    uint32_t cq_len;
    uint32_t *order;
    uint64_t next_serial;
    uint32_t open_handles;
    bool stall_armed;        /* canary: the next recv with data never completes */
    uint64_t stalled_serial; /* that connection (0: none) */
    /* Multishot recv buffers (the server's, recv_multi_setup): a stack of free ids
     * kept in the bookkeeping memory it handed over. */
    uint8_t *mbufs;
    uint32_t mbuf_size;
    uint32_t mbuf_count;
    uint32_t *mbuf_free;
    uint32_t mbuf_free_len;
    struct op log_write;     /* the server's log drain (write): a sink */
    sim_accept_hook on_accept;
    sim_trace_hook on_trace;
    void *hook_ctx;
    struct sim_net_stats stats;
};

/* ---- clock ---------------------------------------------------------------- */

static uint64_t clock_mono(void *ctx) { return ((struct sim_clock *)ctx)->mono_ns; }
static int64_t clock_real(void *ctx) { return ((struct sim_clock *)ctx)->real_ms; }

void sim_clock_init(struct sim_clock *c, struct kv_clock *out, int64_t real_ms) {
    KV_ASSERT(real_ms > 0);
    c->mono_ns = 1000000000ull;
    c->real_ms = real_ms;
    out->monotonic_ns = clock_mono;
    out->realtime_ms = clock_real;
    out->ctx = c;
    out->stopwatch_ns = NULL; /* a command's run time: the simulated monotonic clock */
}

void sim_clock_advance(struct sim_clock *c, uint64_t ns) {
    KV_ASSERT(ns > 0 && ns % 1000000u == 0);
    c->mono_ns += ns;
    c->real_ms += (int64_t)(ns / 1000000u);
}

void sim_clock_jump(struct sim_clock *c, int64_t ms) {
    KV_ASSERT(ms > 0);
    c->real_ms += ms;
}

/* ---- pipes ------------------------------------------------------------------ */

static void pipe_check(const struct pipe *p) {
    KV_ASSERT(p->head <= p->visible && p->visible <= p->tail);
    KV_ASSERT(p->tail - p->head <= p->cap && p->seg_count <= SEG_MAX);
}

static void pipe_reset(struct pipe *p) {
    uint8_t *ring = p->ring;
    uint32_t cap = p->cap;
    memset(p, 0, sizeof(*p));
    p->ring = ring;
    p->cap = cap;
}

/* Makes every segment whose delivery time has come visible. */
static void pipe_advance(struct pipe *p, uint64_t tick) {
    for (uint32_t i = 0; i < SEG_MAX && p->seg_count > 0; i++) {
        if (p->seg_ready[p->seg_first] > tick) break;
        p->visible = p->seg_end[p->seg_first];
        p->seg_first = (p->seg_first + 1) % SEG_MAX;
        p->seg_count--;
    }
    pipe_check(p);
}

static uint32_t pipe_room(const struct pipe *p) { return p->cap - (uint32_t)(p->tail - p->head); }

static void pipe_write(struct pipe *p, const uint8_t *src, uint32_t n, uint64_t ready) {
    KV_ASSERT(n > 0 && n <= pipe_room(p));
    uint32_t at = (uint32_t)(p->tail & (p->cap - 1));
    uint32_t first = KV_MIN(n, p->cap - at);
    memcpy(p->ring + at, src, first);
    memcpy(p->ring, src + first, n - first);
    p->tail += n;
    uint32_t last = (p->seg_first + p->seg_count + SEG_MAX - 1) % SEG_MAX;
    if (p->seg_count > 0 && (p->seg_ready[last] >= ready || p->seg_count == SEG_MAX)) {
        p->seg_end[last] = p->tail; /* arrives with the earlier bytes: order kept */
    } else {
        uint32_t i = (p->seg_first + p->seg_count) % SEG_MAX;
        p->seg_end[i] = p->tail;
        p->seg_ready[i] = ready;
        p->seg_count++;
    }
    pipe_check(p);
}

static void pipe_read(struct pipe *p, uint8_t *dst, uint32_t n) {
    KV_ASSERT(n > 0 && n <= p->visible - p->head);
    uint32_t at = (uint32_t)(p->head & (p->cap - 1));
    uint32_t first = KV_MIN(n, p->cap - at);
    memcpy(dst, p->ring + at, first);
    memcpy(dst + first, p->ring, n - first);
    p->head += n;
    pipe_check(p);
}

/* ---- helpers ------------------------------------------------------------------ */

static bool chance_pct(struct sim_net *n, uint32_t pct) {
    return pct > 0 && kv_prng_below(&n->prng, 100) < pct;
}

static uint64_t delivery_tick(struct sim_net *n) {
    uint32_t d = n->f.delay_max_ticks;
    return n->tick + (d == 0 ? 0 : kv_prng_below(&n->prng, (uint64_t)d + 1));
}

static void post(struct sim_net *n, uint64_t tag, int32_t res, uint32_t flags, int32_t acc) {
    KV_ASSERT(n->cq_len < n->cq_cap);
    struct cqe *e = &n->cq[n->cq_len++];
    e->tag = tag;
    e->res = res;
    e->flags = flags;
    e->accepted = acc;
    e->bid = -1;
}

static struct conn *conn_of(struct sim_net *n, int32_t handle) {
    KV_ASSERT(handle >= 0);
    uint32_t slot = (uint32_t)handle & ((1u << HANDLE_SLOT_BITS) - 1);
    KV_ASSERT(slot < n->conn_cap);
    struct conn *c = &n->conns[slot];
    KV_ASSERT(c->state == CONN_OPEN && c->handle == handle); /* stale handle: core bug */
    KV_ASSERT(!c->server_closed && !c->close_active);        /* use after close: core bug */
    return c;
}

static void conn_maybe_free(struct sim_net *n, struct conn *c) {
    bool server_done = c->server_closed || c->state == CONN_FREE;
    if (!server_done || !c->client_gone) return;
    KV_ASSERT(!c->recv.active && !c->send.active && !c->close_active);
    c->state = CONN_FREE;
    c->gen++;
    c->handle = -1;
    (void)n;
}

/* ---- the kv_io vtable ----------------------------------------------------------- */

static void io_accept(void *impl, uint64_t tag) {
    struct sim_net *n = impl;
    KV_ASSERT(!n->accept_armed && !n->listener_closed); /* armed twice: core bug */
    n->accept_armed = true;
    n->accept_tag = tag;
}

static void io_listener_close(void *impl) {
    struct sim_net *n = impl;
    KV_ASSERT(!n->listener_closed);
    n->listener_closed = true;
    if (n->accept_armed) n->listener_cancel = true;
}

static void io_recv(void *impl, int32_t h, uint8_t *buf, uint32_t len, uint64_t tag,
                    uint32_t flags) {
    struct sim_net *n = impl;
    struct conn *c = conn_of(n, h);
    KV_ASSERT(!c->recv.active && buf != NULL && len > 0);
    SIM_DEBUG(c->serial, "server recv armed (%u bytes)", len);
    c->recv.active = true;
    c->recv.buf = buf;
    c->recv.len = len;
    c->recv.tag = tag;
    c->recv.nowait = (flags & KV_IO_RECV_NOWAIT) != 0;
    c->recv.multi = false;
    if (c->recv.nowait) n->stats.recv_nowait++;
    KV_ASSERT((flags & ~KV_IO_RECV_NOWAIT) == 0);
}

static void io_recv_multi(void *impl, int32_t h, uint32_t limit, uint64_t tag) {
    struct sim_net *n = impl;
    struct conn *c = conn_of(n, h);
    KV_ASSERT(!c->recv.active && n->mbuf_count > 0 && limit >= n->mbuf_size);
    SIM_DEBUG(c->serial, "server multishot recv armed (%u bytes)", limit);
    c->recv = (struct op){.active = true, .multi = true, .len = limit, .tag = tag};
    n->stats.recv_multi++;
}

static bool io_recv_multi_setup(void *impl, uint8_t *ring, uint8_t *bufs, uint32_t count,
                                uint32_t size) {
    struct sim_net *n = impl;
    KV_ASSERT(n->mbuf_count == 0 && kv_io_recv_bufs_ok(count) && size > 0);
    KV_ASSERT(ring != NULL && bufs != NULL && KV_IO_RING_BYTES(count) >= count * 4ull);
    n->mbufs = bufs;
    n->mbuf_size = size;
    n->mbuf_count = count;
    n->mbuf_free = (uint32_t *)(void *)ring;
    for (uint32_t i = 0; i < count; i++) n->mbuf_free[i] = count - 1 - i;
    n->mbuf_free_len = count;
    return true;
}

/* Whether delivered client bytes wait unread on c: visible to the server by this
 * tick, neither pipe clogged, and with `room`, room in the reply pipe (the client
 * is not the one holding the server's output back). */
static bool input_waits(const struct sim_net *n, const struct conn *c, bool room) {
    const struct pipe *p = &c->c2s;
    bool delivered = p->visible > p->head ||
                     (p->seg_count > 0 && p->seg_ready[p->seg_first] <= n->tick);
    return c->state == CONN_OPEN && !c->server_closed && !c->close_active && !c->reset &&
           delivered && n->tick >= p->clogged_until && n->tick >= c->s2c.clogged_until &&
           (!room || pipe_room(&c->s2c) > 0);
}

/* Ticks c's input has waited so (input_waits) since the server last read it; with
 * `silent`, with room for replies and since it last sent or met a full reply pipe. */
static uint64_t input_wait(const struct sim_net *n, const struct conn *c, bool silent) {
    KV_ASSERT(c->wait_from[silent] <= n->tick);
    if (c->wait_from[silent] == 0) return 0;
    uint64_t from = KV_MAX(c->wait_from[silent], c->last_recv_tick);
    if (silent) from = KV_MAX(KV_MAX(from, c->last_send_tick), c->last_full_tick);
    KV_ASSERT(from <= n->tick);
    return n->tick - from;
}

static void io_send(void *impl, int32_t h, const uint8_t *buf, uint32_t len, uint64_t tag) {
    struct sim_net *n = impl;
    struct conn *c = conn_of(n, h);
    KV_ASSERT(!c->send.active && buf != NULL && len > 0);
    SIM_DEBUG(c->serial, "server send submitted (%u bytes)", len);
    c->send.active = true;
    c->send.src = buf;
    c->send.len = len;
    c->send.tag = tag;
}

static void io_close(void *impl, int32_t h, uint64_t tag) {
    struct sim_net *n = impl;
    struct conn *c = conn_of(n, h);
    SIM_DEBUG(c->serial, "server close submitted");
    c->wait_at_close[0] = input_wait(n, c, false);
    c->wait_at_close[1] = input_wait(n, c, true);
    c->close_active = true;
    c->close_tag = tag;
}

/* The log's drain: bytes go nowhere (counted), the write completes whole in the next
 * run, before the seeded actors, drawing nothing from the prng. */
static void io_write(void *impl, int32_t fd, const uint8_t *buf, uint32_t len, uint64_t tag) {
    struct sim_net *n = impl;
    KV_ASSERT(!n->log_write.active && buf != NULL && len > 0 && fd >= 0);
    n->log_write.active = true;
    n->log_write.src = buf;
    n->log_write.len = len;
    n->log_write.tag = tag;
}

static void log_write_progress(struct sim_net *n) {
    if (!n->log_write.active) return;
    n->log_write.active = false;
    for (uint32_t i = 0; i < n->log_write.len; i++)
        n->stats.log_lines += n->log_write.src[i] == '\n';
    n->stats.log_bytes += n->log_write.len;
    post(n, n->log_write.tag, (int32_t)n->log_write.len, 0, -1);
}

static void io_timeout(void *impl, uint64_t ms, uint64_t tag) {
    struct sim_net *n = impl;
    struct timer *free_timer = NULL;
    for (uint32_t i = 0; i < n->timer_cap; i++) {
        struct timer *t = &n->timers[i];
        KV_ASSERT(!(t->active && t->tag == tag)); /* one pending timeout per tag */
        if (!t->active && free_timer == NULL) free_timer = t;
    }
    KV_ASSERT(free_timer != NULL);
    free_timer->active = true;
    free_timer->tag = tag;
    free_timer->deadline_ns = n->clock->mono_ns + ms * 1000000ull;
}

static void do_close(struct sim_net *n, struct conn *c) {
    SIM_DEBUG(c->serial, "server close completes (recv %d send %d pending)", c->recv.active,
              c->send.active);
    bool cancels_after = kv_prng_chance(&n->prng, 1, 2); /* either order is allowed */
    if (!cancels_after) post(n, c->close_tag, 0, 0, -1);
    if (c->recv.active) post(n, c->recv.tag, -ECANCELED, 0, -1);
    if (c->send.active) post(n, c->send.tag, -ECANCELED, 0, -1);
    if (cancels_after) post(n, c->close_tag, 0, 0, -1);
    c->recv.active = c->send.active = c->close_active = false;
    c->server_closed = true;
    c->s2c.fin = true;
    KV_ASSERT(n->open_handles > 0);
    n->open_handles--;
    conn_maybe_free(n, c);
}

/*
 * A multishot recv: up to MULTI_CHUNKS_MAX completions now, each in a buffer of
 * its own (held until delivered), never more than its limit in all. It ends at
 * the limit, at EOF, when no buffer is free or an -ENOBUFS is injected, and at
 * random (accept_stop_pct, as the kernel may end one).
 */
static void try_recv_multi(struct sim_net *n, struct conn *c, uint64_t avail) {
    struct pipe *p = &c->c2s;
    KV_ASSERT(c->recv.active && c->recv.multi && c->recv.len > 0);
    for (uint32_t k = 0; k < MULTI_CHUNKS_MAX && avail > 0; k++) {
        if (n->mbuf_free_len == 0 || chance_pct(n, n->f.enobufs_pct)) {
            n->stats.enobufs++;
            SIM_DEBUG(c->serial, "server multishot recv ends: -ENOBUFS");
            post(n, c->recv.tag, -ENOBUFS, 0, -1);
            c->recv.active = false;
            return;
        }
        uint32_t len = (uint32_t)KV_MIN(KV_MIN((uint64_t)c->recv.len, avail), n->mbuf_size);
        if (len > 1 && chance_pct(n, n->f.partial_recv_pct)) {
            len = 1 + (uint32_t)kv_prng_below(&n->prng, len - 1);
            n->stats.partial_recvs++;
        }
        uint32_t bid = n->mbuf_free[--n->mbuf_free_len];
        pipe_read(p, n->mbufs + (uint64_t)bid * n->mbuf_size, len);
        c->last_recv_tick = n->tick;
        c->recv.len -= len;
        bool end = c->recv.len == 0 || chance_pct(n, n->f.accept_stop_pct);
        SIM_DEBUG(c->serial, "server multishot recv: %u bytes%s", len, end ? ", ends" : "");
        post(n, c->recv.tag, (int32_t)len, end ? 0 : KV_IO_F_MORE, -1);
        n->cq[n->cq_len - 1].bid = (int32_t)bid;
        n->stats.recv_multi_chunks++;
        if (end) {
            c->recv.active = false;
            return;
        }
        avail = p->visible - p->head;
    }
}

static void try_recv(struct sim_net *n, struct conn *c) {
    struct pipe *p = &c->c2s;
    pipe_advance(p, n->tick);
    if (c->reset) {
        post(n, c->recv.tag, -ECONNRESET, 0, -1);
        c->recv.active = false;
        return;
    }
    uint64_t avail = p->visible - p->head;
    bool eof = p->fin && p->head == p->tail;
    if (n->tick < p->clogged_until || (avail == 0 && !eof)) {
        if (!c->recv.nowait) return;
        SIM_DEBUG(c->serial, "server recv (nowait) completes: -EAGAIN");
        post(n, c->recv.tag, -EAGAIN, 0, -1);
        c->recv.active = false;
        n->stats.recv_eagain++;
        return;
    }
    if (c->serial == n->stalled_serial) return; /* the canary's lost wake-up */
    if (n->stall_armed && avail > 0) {
        SIM_DEBUG(c->serial, "canary: this recv never completes");
        n->stall_armed = false;
        n->stalled_serial = c->serial;
        return;
    }
    if (chance_pct(n, n->f.hold_pct)) {
        n->stats.held++;
        return;
    }
    if (c->recv.multi && avail > 0) {
        try_recv_multi(n, c, avail);
        return;
    }
    int32_t res = 0;
    if (chance_pct(n, n->f.enobufs_pct)) {
        res = -ENOBUFS;
        n->stats.enobufs++;
    } else if (avail > 0) {
        uint32_t len = (uint32_t)KV_MIN((uint64_t)c->recv.len, avail);
        if (len > 1 && chance_pct(n, n->f.partial_recv_pct)) {
            len = 1 + (uint32_t)kv_prng_below(&n->prng, len - 1);
            n->stats.partial_recvs++;
        }
        pipe_read(p, c->recv.buf, len);
        c->last_recv_tick = n->tick;
        res = (int32_t)len;
    }
    SIM_DEBUG(c->serial, "server recv completes: %d", res);
    post(n, c->recv.tag, res, 0, -1);
    c->recv.active = false;
}

static void try_send(struct sim_net *n, struct conn *c) {
    struct pipe *p = &c->s2c;
    if (c->reset || c->client_gone) {
        post(n, c->send.tag, c->reset ? -EPIPE : -ECONNRESET, 0, -1);
        c->send.active = false;
        return;
    }
    uint32_t room = pipe_room(p);
    if (room < c->send.len) c->last_full_tick = n->tick; /* the client holds it back */
    if (n->tick < p->clogged_until || room == 0) return;
    if (chance_pct(n, n->f.hold_pct)) {
        n->stats.held++;
        return;
    }
    uint32_t len = KV_MIN(c->send.len, room);
    if (len > 1 && chance_pct(n, n->f.partial_send_pct)) {
        len = 1 + (uint32_t)kv_prng_below(&n->prng, len - 1);
        n->stats.partial_sends++;
    }
    pipe_write(p, c->send.src, len, delivery_tick(n));
    c->last_send_tick = n->tick;
    n->stats.bytes_s2c += len;
    SIM_DEBUG(c->serial, "server send completes: %u of %u", len, c->send.len);
    post(n, c->send.tag, (int32_t)len, 0, -1);
    c->send.active = false;
}

static void conn_progress(struct sim_net *n, struct conn *c) {
    if (c->state != CONN_OPEN || c->server_closed) return;
    if (c->close_active) {
        do_close(n, c);
        return;
    }
    if (c->recv.active) try_recv(n, c);
    if (c->send.active) try_send(n, c);
}

static void accept_one(struct sim_net *n) {
    uint32_t slot = n->backlog[n->backlog_head];
    n->backlog_head = (n->backlog_head + 1) % n->backlog_cap;
    n->backlog_len--;
    struct conn *c = &n->conns[slot];
    KV_ASSERT(c->state == CONN_BACKLOG);
    c->state = CONN_OPEN;
    c->handle = (int32_t)(((c->gen & 0x7fffu) << HANDLE_SLOT_BITS) | slot);
    n->open_handles++;
    n->stats.accepts++;
    bool stop = chance_pct(n, n->f.accept_stop_pct);
    SIM_DEBUG(c->serial, "accepted as handle %d%s", c->handle, stop ? " (multishot ends)" : "");
    if (stop) n->accept_armed = false;
    post(n, n->accept_tag, c->handle, stop ? 0 : KV_IO_F_MORE, (int32_t)slot);
}

static void accept_progress(struct sim_net *n) {
    if (n->listener_cancel) {
        n->listener_cancel = false;
        n->accept_armed = false;
        post(n, n->accept_tag, -ECANCELED, 0, -1);
        return;
    }
    if (!n->accept_armed || n->backlog_len == 0 || n->listener_closed) return;
    if (chance_pct(n, n->f.accept_error_pct)) {
        bool more = kv_prng_chance(&n->prng, 1, 2);
        /* -EMFILE (descriptors) and -ENFILE (a full registered-file table) take
         * turns, so no prng draw is added and seeds replay as before. */
        int32_t out_of_files = (n->stats.accept_errors & 1) ? -ENFILE : -EMFILE;
        int32_t res = kv_prng_chance(&n->prng, 1, 2) ? out_of_files : -ECONNABORTED;
        if (!more) n->accept_armed = false;
        n->stats.accept_errors++;
        post(n, n->accept_tag, res, more ? KV_IO_F_MORE : 0, -1);
        return;
    }
    uint32_t k = 1 + (uint32_t)kv_prng_below(&n->prng, n->backlog_len);
    for (uint32_t i = 0; i < k && n->accept_armed; i++) accept_one(n);
}

static void timers_progress(struct sim_net *n) {
    for (uint32_t i = 0; i < n->timer_cap; i++) {
        struct timer *t = &n->timers[i];
        if (!t->active || t->deadline_ns > n->clock->mono_ns) continue;
        t->active = false;
        post(n, t->tag, -ETIME, 0, -1);
    }
}

/* An accepted connection's addresses, given with its accept completion: the peer
 * is 127.0.0.1 unless the client asked for a remote one (10.0.0.x: protected mode
 * refuses it); the local side is 127.0.0.1:6379. */
static void accepted_addrs(struct sim_net *n, int32_t handle, struct kv_io_peer *peer,
                           struct kv_io_peer *local) {
    const struct conn *c = conn_of(n, handle);
    memset(peer, 0, sizeof(*peer));
    peer->family = KV_IO_PEER_IPV4;
    peer->addr[0] = c->remote ? 10 : 127;
    peer->addr[3] = c->remote ? (uint8_t)(1 + (handle & 0x7f)) : 1;
    peer->port = (uint16_t)(40000 + (c->serial % 20000));
    KV_ASSERT(peer->addr[3] != 0);
    memset(local, 0, sizeof(*local));
    local->family = KV_IO_PEER_IPV4;
    local->addr[0] = 127;
    local->addr[3] = 1;
    local->port = 6379;
}

static void deliver(struct sim_net *n) {
    for (uint32_t i = 0; i < n->cq_len; i++) {
        struct cqe e = n->cq[i];
        if (n->on_trace != NULL) n->on_trace(n->hook_ctx, &e, 16);
        n->stats.completions++;
        KV_ASSERT(e.bid < 0 || ((uint32_t)e.bid < n->mbuf_count && e.res > 0));
        n->io.data = e.bid >= 0 ? n->mbufs + (uint64_t)e.bid * n->mbuf_size : NULL;
        struct kv_io_peer peer, local;
        if (e.accepted >= 0) {
            accepted_addrs(n, e.res, &peer, &local);
            n->io.peer = &peer;
            n->io.local = &local;
        }
        n->io.complete(n->io.complete_ctx, e.tag, e.res, e.flags);
        n->io.data = NULL;
        n->io.peer = n->io.local = NULL;
        if (e.bid >= 0) {
            KV_ASSERT(n->mbuf_free_len < n->mbuf_count);
            n->mbuf_free[n->mbuf_free_len++] = (uint32_t)e.bid;
        }
        if (e.accepted >= 0 && n->on_accept != NULL)
            n->on_accept(n->hook_ctx, (uint32_t)e.accepted);
    }
    n->cq_len = 0;
}

/* Generates every ready completion (actors in a seeded order), then delivers. */
static uint32_t io_run(void *impl, uint32_t wait_ms, uint32_t batch, uint32_t windows) {
    struct sim_net *n = impl;
    (void)wait_ms; /* simulated time moves only between ticks */
    KV_ASSERT(n->cq_len == 0 && n->io.complete != NULL && batch <= KV_IO_BATCH_MAX);
    KV_ASSERT(windows <= KV_IO_WINDOWS_MAX && (batch < 2 || windows >= 1));
    n->stats.batch_hint_max = KV_MAX(n->stats.batch_hint_max, batch);
    n->stats.batch_windows_max = KV_MAX(n->stats.batch_windows_max, windows);
    log_write_progress(n);
    uint32_t actors = n->conn_cap + 2;
    for (uint32_t i = actors - 1; i > 0; i--) {
        uint32_t j = (uint32_t)kv_prng_below(&n->prng, (uint64_t)i + 1);
        uint32_t t = n->order[i];
        n->order[i] = n->order[j];
        n->order[j] = t;
    }
    for (uint32_t i = 0; i < actors; i++) {
        uint32_t a = n->order[i];
        if (a < n->conn_cap) conn_progress(n, &n->conns[a]);
        else if (a == n->conn_cap) accept_progress(n);
        else timers_progress(n);
    }
    uint32_t delivered = n->cq_len;
    deliver(n);
    return delivered;
}

static const struct kv_io_vtable sim_vtable = {
    .accept = io_accept,
    .listener_close = io_listener_close,
    .recv = io_recv,
    .send = io_send,
    .recv_multi = io_recv_multi,
    .recv_multi_setup = io_recv_multi_setup,
    .close = io_close,
    .write = io_write,
    .timeout = io_timeout,
    .run = io_run,
};

/* ---- lifecycle ------------------------------------------------------------------ */

static void *zalloc(uint64_t n) {
    void *p = calloc(1, n);
    KV_ASSERT(p != NULL);
    return p;
}

struct sim_net *sim_net_create(const struct sim_net_config *cfg, struct sim_clock *clock) {
    KV_ASSERT(cfg->conn_cap > 0 && cfg->conn_cap < (1u << HANDLE_SLOT_BITS));
    KV_ASSERT(cfg->pipe_bytes >= 16 && (cfg->pipe_bytes & (cfg->pipe_bytes - 1)) == 0);
    struct sim_net *n = zalloc(sizeof(*n));
    n->clock = clock;
    kv_prng_init(&n->prng, cfg->seed);
    n->conn_cap = cfg->conn_cap;
    n->conns = zalloc((uint64_t)cfg->conn_cap * sizeof(struct conn));
    for (uint32_t i = 0; i < cfg->conn_cap; i++) {
        struct conn *c = &n->conns[i];
        c->handle = -1;
        c->c2s.ring = zalloc(cfg->pipe_bytes);
        c->s2c.ring = zalloc(cfg->pipe_bytes);
        c->c2s.cap = c->s2c.cap = cfg->pipe_bytes;
    }
    n->backlog_cap = cfg->backlog;
    n->backlog = zalloc((uint64_t)cfg->backlog * 4);
    n->timer_cap = cfg->timers;
    n->timers = zalloc((uint64_t)cfg->timers * sizeof(struct timer));
    n->cq_cap = (3 + MULTI_CHUNKS_MAX) * cfg->conn_cap + cfg->timers + cfg->backlog + 5;
    n->cq = zalloc((uint64_t)n->cq_cap * sizeof(struct cqe));
    n->order = zalloc(((uint64_t)cfg->conn_cap + 2) * 4);
    for (uint32_t i = 0; i < cfg->conn_cap + 2; i++) n->order[i] = i;
    n->io.vt = &sim_vtable;
    n->io.impl = n;
    KV_ASSERT(n->cq_len == 0);
    return n;
}

void sim_net_destroy(struct sim_net *n) {
    for (uint32_t i = 0; i < n->conn_cap; i++) {
        free(n->conns[i].c2s.ring);
        free(n->conns[i].s2c.ring);
    }
    free(n->conns);
    free(n->backlog);
    free(n->timers);
    free(n->cq);
    free(n->order);
    free(n);
}

struct kv_io *sim_net_io(struct sim_net *n) { return &n->io; }
void sim_net_set_faults(struct sim_net *n, const struct sim_faults *f) { n->f = *f; }

void sim_net_set_hooks(struct sim_net *n, sim_accept_hook accept, sim_trace_hook trace,
                       void *ctx) {
    n->on_accept = accept;
    n->on_trace = trace;
    n->hook_ctx = ctx;
}

const struct sim_net_stats *sim_net_stats(const struct sim_net *n) { return &n->stats; }
uint32_t sim_net_open_handles(const struct sim_net *n) { return n->open_handles; }

static void maybe_clog(struct sim_net *n, struct pipe *p) {
    if (n->f.clog_ppm == 0 || kv_prng_below(&n->prng, 1000000) >= n->f.clog_ppm) return;
    p->clogged_until = n->tick + 1 + kv_prng_below(&n->prng, (uint64_t)n->f.clog_ticks_max + 1);
    n->stats.clogs++;
}

void sim_net_tick(struct sim_net *n, uint64_t tick) {
    KV_ASSERT(tick >= n->tick);
    n->tick = tick;
    for (uint32_t i = 0; i < n->conn_cap; i++) {
        struct conn *c = &n->conns[i];
        for (uint32_t k = 0; k < 2; k++) {
            if (!input_waits(n, c, k == 1)) c->wait_from[k] = 0;
            else if (c->wait_from[k] == 0) c->wait_from[k] = KV_MAX(tick, 1u);
        }
        if (c->state != CONN_OPEN || c->server_closed || c->reset) continue;
        if (n->f.reset_ppm > 0 && kv_prng_below(&n->prng, 1000000) < n->f.reset_ppm) {
            c->reset = true;
            n->stats.resets++;
        }
        maybe_clog(n, &c->c2s);
        maybe_clog(n, &c->s2c);
    }
}

void sim_net_plant_stall(struct sim_net *n) {
    KV_ASSERT(n != NULL && n->stalled_serial == 0);
    n->stall_armed = true;
}

void sim_net_calm(struct sim_net *n) {
    for (uint32_t i = 0; i < n->conn_cap; i++) {
        n->conns[i].c2s.clogged_until = 0;
        n->conns[i].s2c.clogged_until = 0;
    }
}

/* ---- client side ------------------------------------------------------------------ */

int32_t sim_net_connect(struct sim_net *n) {
    if (n->listener_closed || n->backlog_len == n->backlog_cap) return -1;
    for (uint32_t i = 0; i < n->conn_cap; i++) {
        struct conn *c = &n->conns[i];
        if (c->state != CONN_FREE) continue;
        uint32_t gen = c->gen;
        uint8_t *a = c->c2s.ring, *b = c->s2c.ring;
        uint32_t cap = c->c2s.cap;
        memset(c, 0, sizeof(*c));
        c->gen = gen;
        c->handle = -1;
        c->c2s.ring = a;
        c->s2c.ring = b;
        c->c2s.cap = c->s2c.cap = cap;
        pipe_reset(&c->c2s);
        pipe_reset(&c->s2c);
        c->state = CONN_BACKLOG;
        c->serial = ++n->next_serial;
        n->backlog[(n->backlog_head + n->backlog_len) % n->backlog_cap] = i;
        n->backlog_len++;
        return (int32_t)i;
    }
    return -1;
}

static struct conn *client_conn(struct sim_net *n, uint32_t conn) {
    KV_ASSERT(conn < n->conn_cap);
    struct conn *c = &n->conns[conn];
    KV_ASSERT(c->state != CONN_FREE && !c->client_gone);
    return c;
}

void sim_net_set_remote(struct sim_net *n, uint32_t conn) {
    struct conn *c = client_conn(n, conn);
    KV_ASSERT(c->state == CONN_BACKLOG); /* before the server can ask */
    c->remote = true;
}

int64_t sim_net_write(struct sim_net *n, uint32_t conn, const uint8_t *p, uint32_t len) {
    struct conn *c = client_conn(n, conn);
    KV_ASSERT(!c->c2s.fin && len > 0);
    if (c->reset) return -1;
    if (c->server_closed) return len; /* into the void */
    uint32_t room = pipe_room(&c->c2s);
    if (n->tick < c->c2s.clogged_until || room == 0) return 0;
    uint32_t k = KV_MIN(len, room);
    pipe_write(&c->c2s, p, k, delivery_tick(n));
    n->stats.bytes_c2s += k;
    return k;
}

int64_t sim_net_read(struct sim_net *n, uint32_t conn, uint8_t *buf, uint32_t cap) {
    struct conn *c = client_conn(n, conn);
    struct pipe *p = &c->s2c;
    if (c->reset) return SIM_READ_RESET;
    pipe_advance(p, n->tick);
    if (n->tick < p->clogged_until) return 0;
    uint64_t avail = p->visible - p->head;
    if (avail == 0) return p->fin && p->head == p->tail ? SIM_READ_EOF : 0;
    uint32_t k = (uint32_t)KV_MIN((uint64_t)cap, avail);
    pipe_read(p, buf, k);
    return k;
}

void sim_net_shutdown_write(struct sim_net *n, uint32_t conn) {
    struct conn *c = client_conn(n, conn);
    c->c2s.fin = true;
}

void sim_net_close(struct sim_net *n, uint32_t conn) {
    struct conn *c = client_conn(n, conn);
    c->c2s.fin = true;
    c->client_gone = true;
    conn_maybe_free(n, c);
}

void sim_net_reset(struct sim_net *n, uint32_t conn) {
    struct conn *c = client_conn(n, conn);
    c->reset = true;
    c->client_gone = true;
    n->stats.resets++;
    conn_maybe_free(n, c);
}

bool sim_net_corrupt(struct sim_net *n, uint32_t conn, uint64_t pick) {
    struct conn *c = client_conn(n, conn);
    struct pipe *p = &c->c2s;
    uint64_t unread = p->tail - p->head;
    if (unread == 0) return false;
    uint64_t at = p->head + pick % unread;
    p->ring[at & (p->cap - 1)] ^= (uint8_t)(1u << ((pick >> 40) % 8));
    return true;
}

bool sim_net_server_closed(const struct sim_net *n, uint32_t conn) {
    KV_ASSERT(conn < n->conn_cap);
    return n->conns[conn].server_closed;
}

uint64_t sim_net_serial(const struct sim_net *n, uint32_t conn) {
    KV_ASSERT(conn < n->conn_cap);
    return n->conns[conn].serial;
}

uint64_t sim_net_input_wait(const struct sim_net *n, uint32_t conn, bool silent) {
    KV_ASSERT(conn < n->conn_cap);
    const struct conn *c = &n->conns[conn];
    if (c->close_active || c->server_closed) return c->wait_at_close[silent];
    return input_wait(n, c, silent);
}

uint64_t sim_net_unread(const struct sim_net *n, uint32_t conn) {
    KV_ASSERT(conn < n->conn_cap);
    return n->conns[conn].c2s.tail - n->conns[conn].c2s.head;
}

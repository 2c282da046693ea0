/*
 * server.c: connections, pipelining and backpressure. The only file where a
 * request's whole path meets: io completion -> parser -> engine -> reply -> io.
 *
 * Memory (all carved at startup, see kv_server_layout): the connection table
 * (maxclients slots plus a few reject slots), each client slot's small input and
 * output buffers (--client-buffer each), two pools of large buffers (requests and
 * replies, --large-buffers each of --client-query-buffer-limit bytes), the shared
 * argv array, the keyspace (--maxmemory) and the engine's scratch.
 *
 * Per connection at most one recv and one send are in flight, plus the close. A
 * slot is reused only when all three have completed, so a completion can never
 * reach the wrong connection; tags still carry the slot's generation and a stale
 * one is counted and dropped (defence in depth).
 *
 * Multishot recv (--recv-buffers, when the io has it): one recv stays armed across
 * requests, and the io reads into shared buffers whose bytes on_recv copies into the
 * connection's input. It is armed only in the small input buffer, with all its room
 * as the limit, so whatever it still may deliver (recv_left) always fits: the room
 * is at least recv_left, and so is what the small buffer would have left if the
 * input moved back there (both asserted in kv_server_check). Its input may therefore
 * move while it is armed, so it never pins a large buffer. It ends at its limit, at
 * EOF, on an error or when the shared buffers run out (-ENOBUFS: the next read is a
 * plain one, into the connection's own buffer), and is re-armed like a plain recv.
 *
 * Pipelining: every complete frame in the input is executed in one pass and the
 * replies accumulate in the output buffer; one send per connection per loop turn
 * carries them all, and every connection's send and recv go to the kernel in one
 * submission (kv_io_run).
 *
 * Backpressure without deadlock. A connection holds at most one large request
 * buffer (pool_in) and one large reply buffer (pool_out), and waits in FIFO order
 * when a pool is empty. Waits that could close a cycle:
 *  - a holder of a request buffer may wait for a reply buffer (its frame's reply
 *    needs one), never for another request buffer;
 *  - a holder of a reply buffer may wait for a request buffer: its next frame needs
 *    one while replies are still unsent (an earlier version of this comment said it
 *    never waits on a pool; it can);
 *  - a connection waiting for a pool's buffer holds none of that pool.
 * So A (holding a reply buffer, waiting for a request buffer) and B (holding a
 * request buffer, waiting for a reply buffer) could wait on each other, but only
 * through their peers: A's reply buffer returns once A's peer reads what it holds
 * (shrink_output runs whatever A waits for), and B's request buffer returns once
 * its frame runs. What stops a peer from never reading, or never finishing its
 * frame, is the hold rule (hold_check_pool, README "Protection rules"): while a
 * pool has waiters, each of its holders must move large-buffer-min-progress bytes
 * per large-buffer-stall-ms or be disconnected. Only a request holder waiting for a
 * reply buffer is exempt (that wait is the server's); reply holders never are, so
 * reply buffers always come back, and with them every request holder's wait. Every
 * wait therefore ends within a bounded number of stall windows, whatever the peers do:
 * N hostile clients cost a waiter about N / large-buffers windows, never forever.
 * Two rules keep holders from parking on a buffer without any peer: a large
 * request buffer is released as soon as what is left of the input fits the small
 * one (while others wait, even when the next frame needs a large buffer again:
 * shrink_input), and no recv is left pending in it once its frame is complete
 * (recv_len). An open MULTI whose queued frames spilled over keeps its buffer until
 * EXEC or DISCARD: the hold rule applies to it as to any holder. A connection
 * waiting for a buffer is never closed as idle: that wait is the server's.
 * Requests and replies can never exceed a large buffer (client-query-buffer-limit
 * bounds both; larger replies get an error before the command runs), so a
 * buffer, once obtained, always suffices: no partial holding ever grows.
 */
#include "kv/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/reply.h"

#define REJECT_SLOTS 8
#define REJECT_MSG "-ERR max number of clients reached\r\n"
/* Redis 7.0's protected-mode refusal, byte for byte (networking.c). */
#define DENIED_MSG                                                                      \
    "-DENIED Redis is running in protected mode because protected mode is enabled and " \
    "no password is set for the default user. In this mode connections are only "      \
    "accepted from the loopback interface. If you want to connect from external "       \
    "computers to Redis you may adopt one of the following solutions: 1) Just disable " \
    "protected mode sending the command 'CONFIG SET protected-mode no' from the "       \
    "loopback interface by connecting to Redis from the same host the server is "       \
    "running, however MAKE SURE Redis is not publicly accessible from internet if you " \
    "do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can " \
    "just disable the protected mode by editing the Redis configuration file, and "     \
    "setting the protected mode option to 'no', and then restarting the server. 3) If " \
    "you started the server manually just for testing, restart it with the "            \
    "'--protected-mode no' option. 4) Setup a an authentication password for the "      \
    "default user. NOTE: You only need to do one of the above things in order for the " \
    "server to start accepting connections from the outside.\r\n"
#define SCRATCH_BYTES (128u << 10) /* at least; INFO's longest text may need more */

/* The command scratch: 128 KiB, or INFO's longest text if longer (every command with
 * latencystats at 16 percentiles: about 190 KiB with 255 commands). It was a fixed
 * 128 KiB, which INFO outgrew: kv sim seed 180782106 asserted in kv_scratch_alloc. */
static uint64_t scratch_bytes(void) {
    return KV_MAX((uint64_t)SCRATCH_BYTES, kv_info_text_max());
}
#define TICK_TAG_SLOT 0xfffffeu
#define HOLD_TAG_SLOT 0xfffffcu
#define LOG_TAG_SLOT 0xfffffbu
#define PAUSE_TAG_SLOT 0xfffffau
#define NO_HOLDER UINT32_MAX
#define ACCEPT_TAG_SLOT 0xfffffdu
#define SHUTDOWN_FORCE_NS (5ull * 1000000000ull)
/* Reply room every command gets without asking (errors, +OK, integers). */
#define PROTO_ERROR_ROOM 128u
#define KV_DEPTH_MAX 16u /* frames per read counted by batch_depth, at most */

enum {
    L_CONNS, L_SLOTS, L_REJECT, L_READY, L_SMALL_IN, L_SMALL_OUT, L_LARGE_IN, L_LARGE_OUT,
    L_POOL_IN_FREE, L_POOL_OUT_FREE, L_POOL_IN_WAIT, L_POOL_OUT_WAIT, L_ARGV, L_KEYSPACE,
    L_SCRATCH, L_WATCHERS, L_WATCH_NODES, L_WATCH_SLOTS, L_INLINE, L_RECV_RING, L_RECV_BUFS,
    L_HOLD_IN, L_HOLD_OUT, L_LOG, L_SLOWLOG, L_LATHIST, L_BLOCK_SESSIONS, L_BLOCK_WAKE,
    L_BLOCK_NODES, L_BLOCK_SLOTS, L_BLOCK_READY,
    L_PUBSUB_CHANS, L_PUBSUB_NAMES, L_PUBSUB_SLOTS, L_PUBSUB_SUBS, L_PUBSUB_RING,
    L_PLOG, L_PLOG_LAG, L_PLOG_RCV, L_PLOG_PATS,
};
#define L_LAST L_PLOG_PATS
_Static_assert(L_LAST + 1 <= KV_LAYOUT_MAX, "the layout holds every row");

/* Pub/sub's tables (include/kv/pubsub.h), sized by the pubsub-max-* options. */
static void pubsub_layout(const struct kv_config *c, struct kv_layout *l) {
    uint64_t chans = kv_config_pubsub_channels(c), subs = kv_config_pubsub_subscriptions(c);
    uint64_t slots = kv_pubsub_slots_cap((uint32_t)chans);
    KV_ASSERT(l->count == L_PUBSUB_CHANS);
    kv_layout_add(l, "pubsub channels+patterns", chans,
                  chans * sizeof(struct kv_pubsub_chan));
    kv_layout_add(l, "pubsub channel names", chans,
                  chans * c->pubsub_max_channel_len);
    kv_layout_add(l, "pubsub channel index", slots, slots * 4);
    kv_layout_add(l, "pubsub subscriptions", subs,
                  subs * sizeof(struct kv_pubsub_sub));
    kv_layout_add(l, "pubsub delivery ring", subs, subs * sizeof(struct kv_pubsub_delivery));
    /* The backlog (include/kv/pubsub_log.h), a chain per client slot, and one message's
     * lagging receivers and their patterns while it is appended (at most one each per
     * subscription). */
    kv_layout_add(l, "pubsub backlog", 1, c->pubsub_backlog_bytes);
    kv_layout_add(l, "pubsub backlog chains", c->maxclients,
                  c->maxclients * sizeof(struct kv_plog_lag));
    kv_layout_add(l, "pubsub backlog receivers", subs, subs * sizeof(struct kv_plog_rcv));
    kv_layout_add(l, "pubsub backlog patterns", subs, subs * sizeof(struct kv_slice));
}

static void pubsub_log_init(struct kv_server *s, const struct kv_config *c,
                            struct kv_arena *a) {
    KV_ASSERT(c->pubsub_backlog_bytes <= KV_PLOG_MAX_BYTES); /* kv_config_check */
    uint8_t *buf = c->pubsub_backlog_bytes > 0 ? kv_arena_get(a, L_PLOG) : NULL;
    kv_plog_init(&s->plog, buf, c->pubsub_backlog_bytes, kv_arena_get(a, L_PLOG_LAG),
                 c->maxclients);
    s->plog_rcv = kv_arena_get(a, L_PLOG_RCV);
    s->plog_pats = kv_arena_get(a, L_PLOG_PATS);
    KV_ASSERT(s->plog_rcv != NULL && s->plog_pats != NULL);
}

void kv_server_layout(const struct kv_config *c, struct kv_layout *l) {
    KV_ASSERT(kv_config_check(c, NULL, 0) == 0);
    uint64_t conns = (uint64_t)c->maxclients + REJECT_SLOTS;
    uint64_t big = c->client_query_buffer_limit;
    kv_layout_init(l);
    kv_layout_add(l, "connections", conns, conns * sizeof(struct kv_conn));
    kv_layout_add(l, "free slot stack", c->maxclients, c->maxclients * 4ull);
    kv_layout_add(l, "reject slot stack", REJECT_SLOTS, REJECT_SLOTS * 4ull);
    kv_layout_add(l, "ready queue", conns, conns * 4);
    kv_layout_add(l, "recv buffers", c->maxclients, (uint64_t)c->maxclients * c->client_buffer);
    kv_layout_add(l, "send buffers", c->maxclients, (uint64_t)c->maxclients * c->client_buffer);
    kv_layout_add(l, "large request buffers", c->large_buffers, c->large_buffers * big);
    kv_layout_add(l, "large reply buffers", c->large_buffers, c->large_buffers * big);
    kv_layout_add(l, "request pool free stack", c->large_buffers, c->large_buffers * 4ull);
    kv_layout_add(l, "reply pool free stack", c->large_buffers, c->large_buffers * 4ull);
    kv_layout_add(l, "request pool waiters", conns, conns * 4);
    kv_layout_add(l, "reply pool waiters", conns, conns * 4);
    uint64_t argc = kv_config_argv_max(c);
    kv_layout_add(l, "argv", argc, argc * sizeof(struct kv_slice));
    kv_layout_add(l, "keyspace (maxmemory)", kv_ks_index_capacity(c), c->maxmemory);
    kv_layout_add(l, "command scratch", 1, scratch_bytes());
    kv_layout_add(l, "watching clients", c->maxclients, c->maxclients * sizeof(void *));
    uint64_t wn = kv_watch_nodes_cap(c->maxclients, c->watch_max_keys);
    uint64_t ws = kv_watch_slots_cap(c->maxclients, c->watch_max_keys);
    kv_layout_add(l, "watched keys (watch-max-keys)", wn, wn * sizeof(struct kv_watch_node));
    kv_layout_add(l, "watched key index", ws, ws * sizeof(struct kv_watch_slot));
    kv_layout_add(l, "inline decode buffer", 1, c->proto_inline_max_size);
    /* The ring's bookkeeping must be page-aligned: a page more, aligned in init. */
    uint64_t rb = c->recv_buffers;
    kv_layout_add(l, "multishot recv ring", rb,
                  rb == 0 ? 0 : KV_IO_RING_BYTES(rb) + KV_IO_RING_ALIGN);
    kv_layout_add(l, "multishot recv buffers", rb, rb * kv_recv_buf_bytes(c));
    kv_layout_add(l, "request buffer holders", c->large_buffers, c->large_buffers * 4ull);
    kv_layout_add(l, "reply buffer holders", c->large_buffers, c->large_buffers * 4ull);
    kv_layout_add(l, "log ring", 1, c->log_buffer_size);
    _Static_assert(KV_SLOWLOG_ENTRY_BYTES == 5344, "the slowlog row names an entry's bytes");
    kv_layout_add(l, "slowlog entries (5344 B each)", c->slowlog_max_len,
                  kv_slowlog_bytes(c->slowlog_max_len));
    uint32_t cmds = kv_engine_cmd_total();
    kv_layout_add(l, "latency histograms (one per command)", cmds, kv_lathist_bytes(cmds));
    uint64_t bn = kv_block_nodes_cap(c->maxclients, c->block_max_keys);
    uint64_t bs = kv_block_slots_cap(c->maxclients, c->block_max_keys);
    kv_layout_add(l, "blocked clients", c->maxclients, c->maxclients * sizeof(void *));
    kv_layout_add(l, "blocked clients to wake", c->maxclients, c->maxclients * sizeof(void *));
    kv_layout_add(l, "blocking keys (block-max-keys)", bn, bn * sizeof(struct kv_block_node));
    kv_layout_add(l, "blocking key index", bs, bs * sizeof(struct kv_block_slot));
    kv_layout_add(l, "ready blocking keys", bn, bn * sizeof(uint64_t));
    pubsub_layout(c, l);
    KV_ASSERT(l->count == L_LAST + 1);
}

static void conns_init(struct kv_server *s, struct kv_arena *a) {
    const struct kv_config *c = s->cfg;
    s->conns = kv_arena_get(a, L_CONNS);
    s->free_slots = kv_arena_get(a, L_SLOTS);
    s->reject_free = kv_arena_get(a, L_REJECT);
    s->ready = kv_arena_get(a, L_READY);
    uint8_t *small_in = kv_arena_get(a, L_SMALL_IN);
    uint8_t *small_out = kv_arena_get(a, L_SMALL_OUT);
    for (uint32_t i = 0; i < s->conns_cap; i++) {
        struct kv_conn *conn = &s->conns[i];
        memset(conn, 0, sizeof(*conn));
        conn->slot = i;
        conn->handle = -1;
        conn->keep_start = KV_KEEP_NONE;
        if (i < s->clients_max) {
            conn->small_in = small_in + (uint64_t)i * c->client_buffer;
            conn->small_out = small_out + (uint64_t)i * c->client_buffer;
        }
    }
    /* Stacks hand out the lowest slot first, so runs are deterministic. */
    s->free_count = s->clients_max;
    for (uint32_t i = 0; i < s->clients_max; i++) s->free_slots[i] = s->clients_max - 1 - i;
    s->reject_free_count = REJECT_SLOTS;
    for (uint32_t i = 0; i < REJECT_SLOTS; i++)
        s->reject_free[i] = s->clients_max + REJECT_SLOTS - 1 - i;
}

static void clients_register(struct kv_server *s);
static void pubsub_deliver(void *ctx, struct kv_pubsub *p);

void kv_server_init(struct kv_server *s, struct kv_config *c, struct kv_arena *a,
                    struct kv_io *io, const struct kv_clock *clock, uint64_t seed) {
    KV_ASSERT(s != NULL && c != NULL && a != NULL && io != NULL && clock != NULL);
    KV_ASSERT(a->layout != NULL && a->layout->count == L_LAST + 1);
    memset(s, 0, sizeof(*s));
    s->cfg = c;
    s->io = io;
    s->clock = clock;
    s->batch_depth = 1;
    s->clients_max = c->maxclients;
    s->conns_cap = c->maxclients + REJECT_SLOTS;
    conns_init(s, a);
    uint64_t big = c->client_query_buffer_limit;
    kv_bufpool_init(&s->pool_in, kv_arena_get(a, L_LARGE_IN), big, c->large_buffers,
                    kv_arena_get(a, L_POOL_IN_FREE), kv_arena_get(a, L_POOL_IN_WAIT),
                    s->conns_cap);
    kv_bufpool_init(&s->pool_out, kv_arena_get(a, L_LARGE_OUT), big, c->large_buffers,
                    kv_arena_get(a, L_POOL_OUT_FREE), kv_arena_get(a, L_POOL_OUT_WAIT),
                    s->conns_cap);
    s->hold_in = kv_arena_get(a, L_HOLD_IN);
    s->hold_out = kv_arena_get(a, L_HOLD_OUT);
    for (uint32_t i = 0; i < c->large_buffers; i++) s->hold_in[i] = s->hold_out[i] = NO_HOLDER;
    s->stall_ns = (uint64_t)c->large_buffer_stall_ms * 1000000ull;
    s->argv = kv_arena_get(a, L_ARGV);
    s->argc_max = kv_config_argv_max(c);
    s->inline_buf = kv_arena_get(a, L_INLINE);
    s->limits.bulk_len_max = c->proto_max_bulk_len;
    s->limits.argc_max = kv_config_argc_max(c);
    s->limits.inline_max = c->proto_inline_max_size;
    s->limits_unauth = s->limits;
    s->limits_unauth.unauth = true;
    uint64_t sm = seed;
    kv_ks_init(&s->ks, c, kv_arena_get(a, L_KEYSPACE), kv_splitmix64(&sm));
    kv_ahead_init(&s->ahead, &s->ks, &s->limits);
    struct kv_engine_init ei = {
        .watchers = kv_arena_get(a, L_WATCHERS),
        .watchers_cap = c->maxclients,
        .watch_nodes = kv_arena_get(a, L_WATCH_NODES),
        .watch_slots = kv_arena_get(a, L_WATCH_SLOTS),
        .slowlog = c->slowlog_max_len > 0 ? kv_arena_get(a, L_SLOWLOG) : NULL,
        .pubsub_chans = kv_arena_get(a, L_PUBSUB_CHANS),
        .pubsub_names = kv_arena_get(a, L_PUBSUB_NAMES),
        .pubsub_slots = kv_arena_get(a, L_PUBSUB_SLOTS),
        .pubsub_subs = kv_arena_get(a, L_PUBSUB_SUBS),
        .pubsub_ring = kv_arena_get(a, L_PUBSUB_RING),
        .lathist = kv_arena_get(a, L_LATHIST),
        .block_sessions = kv_arena_get(a, L_BLOCK_SESSIONS),
        .block_wake = kv_arena_get(a, L_BLOCK_WAKE),
        .block_nodes = kv_arena_get(a, L_BLOCK_NODES),
        .block_slots = kv_arena_get(a, L_BLOCK_SLOTS),
        .block_ready = kv_arena_get(a, L_BLOCK_READY),
        .config = c,
        .clock = clock,
        .prng_seed = kv_splitmix64(&sm),
        .ks = &s->ks,
        .net = &s->net,
        .reply_max = big,
        .scratch = kv_arena_get(a, L_SCRATCH),
        .scratch_cap = scratch_bytes(),
    };
    kv_engine_init(&s->engine, &ei);
    enum kv_log_level level = KV_LOG_NOTICE;
    KV_ASSERT(kv_log_level_parse(c->loglevel, &level)); /* kv_config_check */
    kv_log_init(&s->log, kv_arena_get(a, L_LOG), c->log_buffer_size, level, clock);
    s->engine.log = &s->log;
    s->net.tcp_port = c->port;
    s->net.start_monotonic_ns = kv_clock_monotonic_ns(clock);
    s->tick_ns = 1000000000ull / c->hz;
    s->next_client_id = 1;
    io->complete = NULL; /* set in kv_server_start */
    s->recv_buf_bytes = kv_recv_buf_bytes(c);
    if (c->recv_buffers > 0) {
        KV_ASSERT(io->vt->recv_multi_setup != NULL && "every io answers recv_multi_setup");
        uintptr_t at = (uintptr_t)kv_arena_get(a, L_RECV_RING);
        uint8_t *ring = (uint8_t *)KV_ALIGN_UP(at, KV_IO_RING_ALIGN);
        s->recv_multi = io->vt->recv_multi_setup(io->impl, ring, kv_arena_get(a, L_RECV_BUFS),
                                                 c->recv_buffers, s->recv_buf_bytes);
    }
    clients_register(s);
    pubsub_log_init(s, c, a);
    struct kv_pubsub_sink sink = {pubsub_deliver, s};
    kv_engine_set_pubsub_sink(&s->engine, &sink);
}

/* ---- small helpers ------------------------------------------------------- */

static uint64_t now_ns(const struct kv_server *s) { return kv_clock_monotonic_ns(s->clock); }

/* The time of this loop turn's completions: read once, at the first one that asks. */
static uint64_t turn_ns(struct kv_server *s) {
    if (!s->turn_ns_valid) {
        s->turn_ns = now_ns(s);
        s->turn_ns_valid = true;
    }
    return s->turn_ns;
}

static void ready_push(struct kv_server *s, struct kv_conn *c) {
    if (c->in_ready) return;
    KV_ASSERT(s->ready_len < s->conns_cap);
    s->ready[(s->ready_head + s->ready_len) % s->conns_cap] = c->slot;
    s->ready_len++;
    c->in_ready = true;
}

static uint32_t out_pending(const struct kv_conn *c) { return c->out_len - c->out_sent; }

/* Everything it is owed has gone out: its output, and its pub/sub backlog (a live
 * shutdown closed a lagging subscriber with messages still in the backlog: sim seeds
 * 379443022 --types=hash,set at 1740033, and 2 --crowd --no-session in tests/sim.sh). */
static bool out_flushed(const struct kv_server *s, const struct kv_conn *c) {
    KV_ASSERT(c->out_sent <= c->out_len);
    if (out_pending(c) > 0 || c->send_inflight) return false;
    return c->slot >= s->clients_max || !kv_plog_lagging(&s->plog, c->slot);
}

static uint32_t in_base(const struct kv_conn *c) {
    return c->keep_start != KV_KEEP_NONE ? c->keep_start : c->in_start;
}

/* The kernel may write into c->in: a plain recv is in flight. A multishot recv's
 * bytes are copied in by on_recv, so its input may move (kv_server_check bounds it). */
static bool recv_into_in(const struct kv_conn *c) {
    return c->recv_inflight && !c->recv_multi;
}

static void conn_close(struct kv_server *s, struct kv_conn *c);
static void pubsub_closed(struct kv_server *s, struct kv_conn *c);
static void arm_hold(struct kv_server *s);
static bool pause_holds(struct kv_server *s, struct kv_conn *c, uint32_t argc,
                        const struct kv_slice *argv);
static void serve_blocked(struct kv_server *s);
static void conn_process(struct kv_server *s, struct kv_conn *c);
static void conn_arm(struct kv_server *s, struct kv_conn *c);
static bool pubsub_catch_up(struct kv_server *s, struct kv_conn *c);

/* ---- the log ----------------------------------------------------------------
 * The server's lines go into s->log's ring (src/log.c) and are drained through the
 * io, one write in flight (kv_log_flush in kv_server_run_once). Events that a
 * client can repeat at will are counted, and logged at verbose (a refused
 * connection, a protocol error, evictions once per tick) or, for the two
 * protection rules, at warning at most once a minute as Redis logs its SECURITY
 * ATTACK warning: an attacker cannot flood the log (a full ring drops lines anyway).
 */

static void log_protocol_error(struct kv_server *s, const struct kv_conn *c, const char *why) {
    s->protocol_errors++;
    if (!kv_log_enabled(&s->log, KV_LOG_VERBOSE)) return;
    static const char prefix[] = "Protocol error: ";
    if (why != NULL && strncmp(why, prefix, sizeof(prefix) - 1) == 0) why += sizeof(prefix) - 1;
    kv_log(&s->log, KV_LOG_VERBOSE, "Protocol error (%s) from client: id=%llu, %llu so far",
           why != NULL ? why : "malformed request, closed without a reply",
           (unsigned long long)c->session.id, (unsigned long long)s->protocol_errors);
}

static void log_evictions(struct kv_server *s) {
    uint64_t evicted = s->ks.stats.evicted_keys;
    KV_ASSERT(evicted >= s->said.evicted);
    if (evicted == s->said.evicted) return;
    kv_log(&s->log, KV_LOG_VERBOSE, "%llu keys evicted (maxmemory-policy %s), %llu so far",
           (unsigned long long)(evicted - s->said.evicted),
           kv_evict_policy_name(s->cfg->maxmemory_policy), (unsigned long long)evicted);
    s->said.evicted = evicted;
}

/* True when `count` grew since the last call and nothing was logged for it in the
 * last minute (by the monotonic clock). */
static bool grew(struct kv_server *s, uint64_t *seen, uint64_t count, uint64_t *at_ns,
                 bool *logged) {
    if (count == *seen) return false;
    KV_ASSERT(count > *seen);
    *seen = count;
    uint64_t now = now_ns(s);
    if (*logged && now - *at_ns <= 60ull * 1000000000ull) return false;
    *logged = true;
    *at_ns = now;
    return true;
}

static void log_protections(struct kv_server *s) {
    const struct kv_net_stats *st = &s->net;
    struct kv_server_said *d = &s->said;
    uint64_t security = kv_engine_stats(&s->engine)->security_warnings;
    if (grew(s, &d->security, security, &d->security_ns, &d->security_logged))
        kv_log(&s->log, KV_LOG_WARNING, "Possible SECURITY ATTACK detected. It looks like "
               "somebody is sending POST or Host: commands to Redis. This is likely due to an "
               "attacker attempting to use Cross Protocol Scripting to compromise your Redis "
               "instance. Connection aborted.");
    if (grew(s, &d->hold, st->large_buffer_stall_disconnections, &d->hold_ns, &d->hold_logged))
        kv_log(&s->log, KV_LOG_WARNING, "%llu client(s) disconnected so far by the hold rule: "
               "a large buffer held without progress while others waited "
               "(large-buffer-stall-ms, large-buffer-min-progress)",
               (unsigned long long)st->large_buffer_stall_disconnections);
}

/* The server may stop: no log write in flight (its bytes are the ring's), unless the
 * descriptor has not taken it within the forced shutdown's delay. */
static bool log_settled(const struct kv_server *s) {
    KV_ASSERT(s->shutting_down);
    return s->log.inflight == 0 || now_ns(s) - s->shutdown_ns > SHUTDOWN_FORCE_NS;
}

/* ---- large buffers -------------------------------------------------------- */

static void give_large_in(struct kv_server *s, uint32_t slot, uint8_t *buf);
static void give_large_out(struct kv_server *s, uint32_t slot, uint8_t *buf);

/* The hold rule's window for pool `which` (0: requests, 1: replies) starts over:
 * now, with what c has moved so far. */
static void hold_mark(struct kv_conn *c, uint32_t which, uint64_t now) {
    KV_ASSERT(which <= 1);
    c->hold_ns[which] = now;
    c->hold_moved[which] = c->moved;
}

static uint32_t pool_which(const struct kv_server *s, const struct kv_bufpool *p) {
    KV_ASSERT(p == &s->pool_in || p == &s->pool_out);
    return p == &s->pool_out ? 1u : 0u;
}

static uint32_t buf_index(const struct kv_bufpool *p, const uint8_t *buf) {
    KV_ASSERT(buf >= p->mem && (uint64_t)(buf - p->mem) % p->size == 0);
    uint64_t i = (uint64_t)(buf - p->mem) / p->size;
    KV_ASSERT(i < p->count);
    return (uint32_t)i;
}

/* c now holds buf of pool p: recorded for the hold rule, its window starts. */
static void hold_take(struct kv_server *s, const struct kv_bufpool *p, uint32_t *holders,
                      struct kv_conn *c, const uint8_t *buf) {
    uint32_t i = buf_index(p, buf);
    KV_ASSERT(holders[i] == NO_HOLDER);
    holders[i] = c->slot;
    hold_mark(c, pool_which(s, p), turn_ns(s));
}

static void hold_drop(const struct kv_bufpool *p, uint32_t *holders, const struct kv_conn *c,
                      const uint8_t *buf) {
    uint32_t i = buf_index(p, buf);
    KV_ASSERT(holders[i] == c->slot);
    holders[i] = NO_HOLDER;
}

static void release_large_in(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->large_in != NULL && !recv_into_in(c));
    uint8_t *buf = c->large_in;
    hold_drop(&s->pool_in, s->hold_in, c, buf);
    c->large_in = NULL;
    uint32_t waiter = kv_bufpool_release(&s->pool_in, buf);
    if (waiter != KV_BUFPOOL_NO_WAITER) give_large_in(s, waiter, buf);
}

static void release_large_out(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->large_out != NULL && !c->send_inflight);
    uint8_t *buf = c->large_out;
    hold_drop(&s->pool_out, s->hold_out, c, buf);
    c->large_out = NULL;
    uint32_t waiter = kv_bufpool_release(&s->pool_out, buf);
    if (waiter != KV_BUFPOOL_NO_WAITER) give_large_out(s, waiter, buf);
}

/* Moves the unconsumed input (from in_base) into `to`, which has `cap` bytes. */
static void move_input(struct kv_conn *c, uint8_t *to, uint32_t cap) {
    KV_ASSERT(!recv_into_in(c));
    uint32_t base = in_base(c);
    uint32_t n = c->in_end - base;
    KV_ASSERT(n <= cap);
    memmove(to, c->in + base, n);
    c->in = to;
    c->in_cap = cap;
    c->in_start -= base;
    c->in_end = n;
    if (c->keep_start != KV_KEEP_NONE) c->keep_start = 0;
}

static void give_large_in(struct kv_server *s, uint32_t slot, uint8_t *buf) {
    struct kv_conn *c = &s->conns[slot];
    KV_ASSERT(c->waiting_in && c->large_in == NULL);
    c->waiting_in = false;
    c->large_in = buf;
    hold_take(s, &s->pool_in, s->hold_in, c, buf);
    move_input(c, buf, (uint32_t)s->pool_in.size);
    ready_push(s, c);
}

static void give_large_out(struct kv_server *s, uint32_t slot, uint8_t *buf) {
    struct kv_conn *c = &s->conns[slot];
    KV_ASSERT(c->waiting_out && c->large_out == NULL);
    KV_ASSERT(out_pending(c) == 0 && !c->send_inflight);
    c->waiting_out = false;
    c->large_out = buf;
    hold_take(s, &s->pool_out, s->hold_out, c, buf);
    c->out = buf;
    c->out_cap = (uint32_t)s->pool_out.size;
    c->out_len = c->out_sent = 0;
    ready_push(s, c);
}

/*
 * Back to the small input buffer when what is left fits there. A connection whose
 * next frame needs a large buffer again keeps it only while nobody waits for one:
 * otherwise it queues behind the waiters like everyone else (a client pipelining
 * large frames kept the buffer from frame to frame and B starved: e2e
 * test_large_buffer_fairness_many_args).
 */
static void shrink_input(struct kv_server *s, struct kv_conn *c) {
    if (c->large_in == NULL || recv_into_in(c) || c->waiting_in) return;
    /* Kept MULTI frames before in_start count too: they move with the rest. */
    uint32_t left = c->in_end - in_base(c);
    uint64_t need = (uint64_t)(c->in_start - in_base(c)) +
                    (c->frame_ready ? c->frame.frame_len : c->parser.need);
    if (left >= s->cfg->client_buffer) return;
    if (need > s->cfg->client_buffer && s->pool_in.waiters_len == 0) return;
    move_input(c, c->small_in, s->cfg->client_buffer);
    release_large_in(s, c);
    KV_ASSERT(c->in == c->small_in);
}

static void shrink_output(struct kv_server *s, struct kv_conn *c) {
    if (c->large_out == NULL || c->send_inflight || out_pending(c) != 0) return;
    c->out = c->small_out;
    c->out_cap = s->cfg->client_buffer;
    c->out_len = c->out_sent = 0;
    release_large_out(s, c);
}

/* ---- frames ---------------------------------------------------------------- */

/* argv for the frame at in[start]; inline frames are unescaped in a copy. */
static uint32_t frame_decode(struct kv_server *s, struct kv_conn *c, uint32_t start,
                             const struct kv_parse_result *f) {
    KV_ASSERT(f->kind != KV_FRAME_EMPTY);
    KV_ASSERT(f->argc <= s->argc_max);
    uint8_t *buf = c->in + start;
    if (f->kind == KV_FRAME_INLINE) {
        KV_ASSERT(f->frame_len <= s->cfg->proto_inline_max_size); /* the parser's limit */
        memcpy(s->inline_buf, buf, f->frame_len);
        buf = s->inline_buf;
    }
    kv_parse_decode(buf, f, s->argv, (uint32_t)s->argc_max);
    return f->argc;
}

/* Bytes of the open transaction's kept frames (an upper bound on their count). */
static uint32_t kept_bytes(const struct kv_conn *c) {
    KV_ASSERT(in_base(c) <= c->in_start);
    return c->in_start - in_base(c);
}

/* Re-scans a kept (already validated) frame at `pos`. */
static void kept_frame(struct kv_server *s, struct kv_conn *c, uint32_t pos,
                       struct kv_parse_result *f) {
    struct kv_parser p;
    kv_parser_reset(&p);
    enum kv_parse_status st = kv_parse_scan(&p, &s->limits, c->in + pos, c->in_start - pos, f);
    KV_ASSERT(st == KV_PARSE_OK);
    KV_ASSERT(pos + f->frame_len <= c->in_start);
}

/*
 * The open transaction's kept frames, handed to the engine's EXEC (src/multi.c) one
 * by one, queued or not. Every frame takes at least one byte ("\n"): empty lines,
 * nested MULTIs and errors stay among the kept bytes too, so the kept bytes bound
 * the walk (a count of queued frames did not: issue 18, bug 2).
 */
struct kept_iter {
    struct kv_server *s;
    struct kv_conn *c;
    uint32_t pos;
};

static bool kept_next(void *ctx, uint32_t *argc, const struct kv_slice **argv) {
    struct kept_iter *k = ctx;
    struct kv_conn *c = k->c;
    for (uint32_t i = 0; i < kept_bytes(c) && k->pos < c->in_start; i++) {
        struct kv_parse_result f;
        uint32_t at = k->pos;
        kept_frame(k->s, c, at, &f);
        k->pos += f.frame_len;
        if (f.kind == KV_FRAME_EMPTY) continue;
        *argc = frame_decode(k->s, c, at, &f);
        *argv = k->s->argv;
        return true;
    }
    KV_ASSERT(k->pos == c->in_start);
    return false;
}

static struct kv_kept kept_of(struct kv_server *s, struct kv_conn *c, struct kept_iter *it) {
    *it = (struct kept_iter){s, c, in_base(c)};
    return (struct kv_kept){kept_next, it, kept_bytes(c)};
}

static uint64_t exec_bound(struct kv_server *s, struct kv_conn *c) {
    struct kept_iter it;
    struct kv_kept k = kept_of(s, c, &it);
    return kv_engine_exec_bound(&s->engine, &c->session, &k);
}

static void exec_queued(struct kv_server *s, struct kv_conn *c, struct kv_reply *r) {
    KV_ASSERT(c->keep_start != KV_KEEP_NONE || c->session.multi_count == 0);
    struct kept_iter it;
    struct kv_kept k = kept_of(s, c, &it);
    kv_engine_exec_queued(&s->engine, &c->session, &k, r);
    KV_ASSERT(it.pos == c->in_start);
}

/*
 * Makes `bound` contiguous bytes of output room. False means "blocked": a send must
 * complete first, or the connection now waits for a large reply buffer.
 */
static bool ensure_out_slow(struct kv_server *s, struct kv_conn *c, uint64_t bound) {
    KV_ASSERT(bound <= s->pool_out.size);
    if (!c->send_inflight && c->out_sent > 0) {
        uint32_t n = out_pending(c);
        memmove(c->out, c->out + c->out_sent, n);
        c->out_sent = 0;
        c->out_len = n;
        if (bound <= c->out_cap - c->out_len) return true;
    }
    if (out_pending(c) > 0 || c->send_inflight) return false; /* wait for the send */
    KV_ASSERT(c->large_out == NULL && c->out_len == 0);
    uint8_t *buf = kv_bufpool_acquire(&s->pool_out);
    if (buf == NULL) {
        c->waiting_out = true;
        kv_bufpool_wait(&s->pool_out, c->slot);
        s->net.blocked_on_buffers++;
        arm_hold(s);
        return false;
    }
    c->large_out = buf;
    hold_take(s, &s->pool_out, s->hold_out, c, buf);
    c->out = buf;
    c->out_cap = (uint32_t)s->pool_out.size;
    KV_ASSERT(bound <= c->out_cap);
    return true;
}

/* Room for `bound` more reply bytes in c's output: usually there is. */
static inline bool ensure_out(struct kv_server *s, struct kv_conn *c, uint64_t bound) {
    KV_ASSERT(c->out_len <= c->out_cap);
    return bound <= c->out_cap - c->out_len || ensure_out_slow(s, c, bound);
}

static void consume_frame(struct kv_conn *c) {
    KV_ASSERT(c->frame_ready);
    c->in_start += c->frame.frame_len;
    KV_ASSERT(c->in_start <= c->in_end);
    c->frame_ready = false;
    kv_parser_reset(&c->parser);
}

/* ---- blocked clients (include/kv/block.h) ------------------------------------
 * A blocked connection keeps its blocking frame unconsumed (frame_ready) and runs
 * none of its later frames; it still reads them within its buffer. After every
 * command and tick that left work in the engine's rings, serve_blocked runs the
 * woken connections' frames again here, on their own output room, in the order
 * the engine gives. A run that finds no room leaves the session blocked and
 * remembers why it woke (block_retry): the connection retries when its send
 * completes or its reply buffer arrives (conn_process). This is how the engine
 * replies to a session other than the one whose command ran.
 */

static struct kv_conn *conn_of(struct kv_server *s, struct kv_session *ss) {
    struct kv_conn *c = (struct kv_conn *)(void *)((uint8_t *)ss - offsetof(struct kv_conn,
                                                                             session));
    KV_ASSERT(c >= s->conns && c < s->conns + s->clients_max && &c->session == ss);
    return c;
}

static void run_blocked(struct kv_server *s, struct kv_conn *c) {
    struct kv_engine *e = &s->engine;
    KV_ASSERT(c->state == KV_CONN_OPEN && c->frame_ready);
    KV_ASSERT(c->session.flags & KV_SESSION_BLOCKED);
    uint32_t argc = frame_decode(s, c, c->in_start, &c->frame);
    struct kv_prepared prep;
    kv_engine_prepare(e, &c->session, argc, s->argv, &prep);
    /* a lagging subscriber's backlog goes out before any reply (pub/sub delivery) */
    bool lags = kv_plog_lagging(&s->plog, c->slot);
    if (lags || c->waiting_out || !ensure_out(s, c, prep.reply_bound)) {
        const struct kv_engine_observer *o = e->observer;
        if (o != NULL && o->on_block_defer != NULL) o->on_block_defer(o->ctx, &c->session);
        c->block_retry = c->session.block_wake;
        kv_block_not_served(&e->block, &c->session);
        return;
    }
    struct kv_reply r;
    kv_reply_init(&r, c->out + c->out_len, c->out_cap - c->out_len);
    enum kv_exec x = kv_engine_execute_prepared(e, &c->session, argc, s->argv, &prep, &r);
    KV_ASSERT(x == KV_EXEC_DONE && r.len <= r.cap);
    c->out_len += r.len;
    if (c->session.flags & KV_SESSION_BLOCKED) { /* its key was empty: still waits */
        KV_ASSERT(r.len == 0);
        kv_block_not_served(&e->block, &c->session);
        return;
    }
    consume_frame(c);
    c->block_retry = KV_BLOCK_WAKE_NONE; /* answered: a deferred wake is moot (seed 19) */
    ready_push(s, c); /* its reply goes out, its next frames run */
}

static void serve_blocked(struct kv_server *s) {
    struct kv_engine *e = &s->engine;
    /* each run unblocks a session or stops a ready key; a served BLMOVE readies one */
    uint64_t bound = (uint64_t)e->block.nodes_cap + 2ull * e->block.sessions_cap + 1;
    struct kv_session *ss;
    for (uint64_t i = 0; i < bound && kv_engine_block_next(e, &ss); i++)
        run_blocked(s, conn_of(s, ss));
    KV_ASSERT(!kv_block_pending(&e->block));
}

/* A blocked connection whose run found no room: now it may have some. */
static void block_retry(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->session.flags & KV_SESSION_BLOCKED);
    if (c->block_retry == KV_BLOCK_WAKE_NONE || c->waiting_out) return;
    uint8_t why = c->block_retry;
    c->block_retry = KV_BLOCK_WAKE_NONE;
    const struct kv_engine_observer *o = s->engine.observer;
    if (why == KV_BLOCK_WAKE_KEY && o != NULL && o->on_block_retry != NULL)
        o->on_block_retry(o->ctx, &c->session);
    if (why == KV_BLOCK_WAKE_KEY) kv_block_touch_session(&s->engine.block, &c->session);
    else kv_block_wake(&s->engine.block, &c->session, (enum kv_block_wake)why);
    serve_blocked(s);
}

/* A command that may block runs only once the replies before it are sent: blocked,
 * its output then stays empty, so the reply it gets when served needs no room behind
 * a send in flight (only, for a large one, a large reply buffer). */
static bool blocking_waits(const struct kv_conn *c, const struct kv_prepared *p) {
    return p->may_block && (out_pending(c) > 0 || c->send_inflight);
}

/* Runs the ready frame. False if blocked on output room. */
static bool run_frame(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->frame_ready && c->state == KV_CONN_OPEN);
    if (c->frame.kind == KV_FRAME_EMPTY) {
        consume_frame(c);
        return true;
    }
    uint32_t start = c->in_start;
    const struct kv_slice *argv = kv_ahead_argv(&s->ahead, c); /* parsed ahead, or: */
    uint32_t argc = argv != NULL ? c->frame.argc : frame_decode(s, c, start, &c->frame);
    if (argv == NULL) argv = s->argv;
    if (s->pause_active && pause_holds(s, c, argc, argv)) return false; /* CLIENT PAUSE */
    uint64_t bound;
    struct kv_prepared prep;
    bool is_exec = kv_engine_is_exec(&s->engine, &c->session, argc, argv);
    if (is_exec) {
        bound = KV_MIN(exec_bound(s, c), s->pool_out.size);
        argc = frame_decode(s, c, start, &c->frame);
        argv = s->argv;
    }
    kv_ahead_run_begin(&s->ahead, argc, argv); /* EXEC: argc is 1, no hint */
    kv_engine_prepare(&s->engine, &c->session, argc, argv, &prep);
    if (!is_exec) bound = prep.reply_bound;
    if (!ensure_out(s, c, bound) || blocking_waits(c, &prep)) {
        kv_ahead_run_end(&s->ahead); /* decoded again when it runs */
        return false;
    }
    struct kv_reply r;
    kv_reply_init(&r, c->out + c->out_len, c->out_cap - c->out_len);
    enum kv_exec x = kv_engine_execute_prepared(&s->engine, &c->session, argc, argv, &prep, &r);
    kv_ahead_run_end(&s->ahead); /* before c's input can change */
    if (c->session.flags & KV_SESSION_BLOCKED) { /* its frame stays: include/kv/block.h */
        KV_ASSERT(r.len == 0 && x == KV_EXEC_DONE);
        c->block_retry = KV_BLOCK_WAKE_NONE; /* a new wait: nothing to retry yet */
        return false;
    }
    if (x == KV_EXEC_RUN_QUEUED) exec_queued(s, c, &r);
    KV_ASSERT(r.len <= r.cap);
    c->out_len += r.len;
    consume_frame(c);
    if (x == KV_EXEC_QUEUE) {
        if (c->keep_start == KV_KEEP_NONE) c->keep_start = start;
    } else if (!(c->session.flags & KV_SESSION_MULTI)) {
        c->keep_start = KV_KEEP_NONE;
    }
    if (c->session.flags & KV_SESSION_CLOSE) c->close_after_reply = true;
    if (c->session.flags & KV_SESSION_SHUTDOWN) { /* no reply; stop after this pass */
        c->close_after_reply = true;
        s->shutdown_requested = true;
    }
    if (c->session.flags & KV_SESSION_ABORT) /* only what is on the wire goes out */
        c->out_len = c->send_inflight ? c->out_sent + c->send_len : c->out_sent;
    KV_ASSERT(c->out_sent <= c->out_len);
    if (kv_block_pending(&s->engine.block)) serve_blocked(s); /* keys it made ready */
    return true;
}

/* The frame needs more bytes: make sure the buffer can hold all of it. */
static void need_more(struct kv_server *s, struct kv_conn *c) {
    uint64_t need = c->parser.need;
    uint64_t limit = s->pool_in.size;
    if (need > limit) { /* Redis closes such clients without a reply */
        log_protocol_error(s, c, "request larger than client-query-buffer-limit");
        conn_close(s, c);
        return;
    }
    if ((uint64_t)c->in_start + need <= c->in_cap || recv_into_in(c)) return;
    uint64_t required = (uint64_t)(c->in_start - in_base(c)) + need;
    if (required > limit) {
        /* Queued MULTI frames and this one do not fit: the transaction fails. */
        c->keep_start = KV_KEEP_NONE;
        c->session.flags |= KV_SESSION_MULTI_ERROR;
        required = need;
    }
    if (required <= c->in_cap) {
        move_input(c, c->in, c->in_cap);
        return;
    }
    KV_ASSERT(c->large_in == NULL);
    uint8_t *buf = kv_bufpool_acquire(&s->pool_in);
    if (buf == NULL) {
        c->waiting_in = true;
        kv_bufpool_wait(&s->pool_in, c->slot);
        s->net.blocked_on_buffers++;
        arm_hold(s);
        return;
    }
    c->large_in = buf;
    hold_take(s, &s->pool_in, s->hold_in, c, buf);
    move_input(c, buf, (uint32_t)limit);
}

/* The protocol error, then the close. Under CLIENT REPLY OFF or a SKIP in force Redis
 * sends nothing (its addReply finds the client silenced) but still counts the error. */
static bool reply_pending_error(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->pending_error != NULL);
    if (!ensure_out(s, c, PROTO_ERROR_ROOM)) return false;
    struct kv_reply r;
    kv_reply_init(&r, c->out + c->out_len, c->out_cap - c->out_len);
    kv_reply_errorf(&r, "ERR %s", c->pending_error);
    kv_engine_note_error(&s->engine, r.buf, r.len); /* errorstats, as Redis counts it */
    uint8_t mode = c->session.reply_mode;
    if (mode != KV_REPLY_OFF && mode != KV_REPLY_SKIP) c->out_len += r.len;
    c->pending_error = NULL;
    c->close_after_reply = true;
    return true;
}

/* Makes c's next frame, parsed ahead (src/ahead.c), its ready frame if it can:
 * run_frame then takes its arguments where the lookahead left them. */
static void take_ahead(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(!c->frame_ready && c->state == KV_CONN_OPEN);
    if (!kv_parser_fresh(&c->parser)) return; /* a frame is half-scanned */
    if (!(c->session.flags & KV_SESSION_AUTHED)) { /* scanned with limits_unauth */
        kv_ahead_clear(&s->ahead, &c->ahead_peek);
        return;
    }
    /* c->frame is written only when a frame is taken */
    if (!kv_ahead_take(&s->ahead, c, &c->ahead_peek, c->in, c->in_start, c->in_end, &c->frame))
        return;
    KV_ASSERT(c->frame.argc <= s->argc_max);
    c->frame_ready = true;
}

/* Parses and executes every complete frame it can; stops when blocked. */
static void conn_process(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->state == KV_CONN_OPEN);
    /* Cached arguments never outlive one conn_process: c's input may move after it. */
    KV_ASSERT(kv_ahead_idle(&s->ahead));
    bool lags = pubsub_catch_up(s, c); /* its backlog first: "pub/sub delivery" */
    for (uint32_t i = 0; i <= c->in_cap; i++) { /* each pass consumes >= 1 byte */
        if (lags || c->waiting_in || c->waiting_out) break; /* lagging: commands wait */
        if (c->session.flags & KV_SESSION_BLOCKED) { /* its frame waits (block.h) */
            block_retry(s, c);
            break;
        }
        if (c->pending_error != NULL) {
            reply_pending_error(s, c);
            break;
        }
        if (c->close_after_reply || s->shutting_down) break;
        /* All input consumed (P=1 after its frame): nothing to parse, nothing to
         * grow; the buffer is rewound below. */
        if (!c->frame_ready && c->in_start == c->in_end && c->keep_start == KV_KEEP_NONE &&
            kv_parser_fresh(&c->parser))
            break;
        if (!c->frame_ready) take_ahead(s, c);
        if (!c->frame_ready) {
            struct kv_parse_result f;
            const struct kv_parse_limits *lim =
                (c->session.flags & KV_SESSION_AUTHED) ? &s->limits : &s->limits_unauth;
            enum kv_parse_status st = kv_parse_scan(&c->parser, lim, c->in + c->in_start,
                                                    c->in_end - c->in_start, &f);
            if (st == KV_PARSE_NEED_MORE) {
                need_more(s, c);
                break;
            }
            if (st == KV_PARSE_ERROR) {
                log_protocol_error(s, c, f.error);
                if (f.error == NULL) {
                    conn_close(s, c);
                    break; /* below: the caches are dropped, then return (closing) */
                }
                c->pending_error = f.error;
                continue;
            }
            KV_ASSERT(kv_ahead_argv(&s->ahead, c) == NULL); /* run_frame decodes this one */
            c->frame = f;
            c->frame_ready = true;
        }
        if (!run_frame(s, c)) break;
    }
    kv_ahead_clear(&s->ahead, &c->ahead_peek); /* c's input may move from here on */
    if (c->state != KV_CONN_OPEN) return;
    if (c->in_start == c->in_end && c->keep_start == KV_KEEP_NONE && !recv_into_in(c))
        c->in_start = c->in_end = 0;
    else if (!recv_into_in(c) && in_base(c) > 0 && c->in_cap - c->in_end < c->in_cap / 4)
        move_input(c, c->in, c->in_cap); /* keep reads large */
    if (c->peer_closed && !c->frame_ready && c->pending_error == NULL && !c->waiting_out)
        c->close_after_reply = true;
    if (c->peer_closed && (c->session.flags & KV_SESSION_BLOCKED))
        c->close_after_reply = true; /* Redis frees a blocked client that hung up */
    /* Its last reply is written (QUIT, a protocol error, EOF): no message may follow it, so
     * it leaves its channels now (Redis writes nothing more to such a client). */
    if (c->close_after_reply || c->pending_error != NULL) pubsub_closed(s, c);
    shrink_input(s, c);
    shrink_output(s, c);
    conn_arm(s, c);
}

/* ---- pub/sub delivery --------------------------------------------------------
 * PUBLISH's deliveries to other sessions (include/kv/pubsub.h), written after the
 * command into each subscriber's output. kv's io sends one contiguous output per
 * connection, so the message is copied into each subscriber's static output (no
 * shared, reference-counted message buffers: the io has no gather send). The
 * publisher never waits:
 *  - fast path: a subscriber that does not lag and has room in its output now
 *    (out_room_now) gets the bytes now;
 *  - otherwise it lags: the message goes into the pub/sub backlog
 *    (include/kv/pubsub_log.h), once for all its lagging receivers, and every later
 *    message for a lagging subscriber goes there too, in order. pubsub_catch_up
 *    copies its messages into its output as room comes (each send completion, or its
 *    large reply buffer arriving: conn_process), and its own commands wait until it
 *    has caught up, so no reply overtakes a message published before it ran (RESP3
 *    subscribers run any command; a woken blocked one defers as for no room);
 *  - when an append does not fit, the subscribers holding the oldest entries are
 *    cut until it does (the one furthest behind gives the space back); a message
 *    larger than the whole backlog cuts its lagging receivers;
 *  - Redis's client-output-buffer-limit pubsub counts a subscriber's output plus its
 *    bytes in the backlog: past pubsub-output-hard-limit, at once; past
 *    pubsub-output-soft-limit for pubsub-output-soft-seconds, at the first delivery
 *    after that.
 * A cut drops the message for that subscriber alone (client_output_buffer_limit_
 * disconnections, Redis 7.2's INFO name; 7.0 has no counter); a closed connection's
 * backlog records are dropped at once (conn_close).
 */
static struct kv_conn *conn_of_session(struct kv_server *s, struct kv_session *ss) {
    struct kv_conn *c = (struct kv_conn *)((uint8_t *)ss - offsetof(struct kv_conn, session));
    KV_ASSERT(c >= s->conns && c < s->conns + s->clients_max && &c->session == ss);
    return c;
}

/*
 * Room for n more output bytes without waiting for anything: compacting (no send in
 * flight), or, for a message larger than the small buffer, moving into a free large
 * reply buffer. Otherwise the subscriber lags (the backlog holds its messages): a
 * slow subscriber holding a large buffer would be cut by the hold rule as soon as any
 * client waited for one (e2e test_pubsub_backlog_order: an INFO's large reply cut a
 * lagging subscriber), and the backlog keeps a message once for all its laggards.
 * The move may happen while a send is in flight: the pending bytes, those of the send
 * included, are copied, and the kernel goes on reading its copy in the small buffer,
 * which nothing writes until the connection shrinks back to it (shrink_output: only
 * with no send in flight). The send's completion then advances out_sent over the same
 * bytes of the new buffer.
 */
static bool out_room_now(struct kv_server *s, struct kv_conn *c, uint64_t n) {
    KV_ASSERT(c->out_len <= c->out_cap && !c->waiting_out);
    if (n <= c->out_cap - c->out_len) return true;
    uint32_t pending = out_pending(c);
    if (!c->send_inflight) {
        memmove(c->out, c->out + c->out_sent, pending);
        c->out_sent = 0;
        c->out_len = pending;
        if (n <= c->out_cap - c->out_len) return true;
    }
    if (c->large_out != NULL || n + pending > s->pool_out.size) return false;
    if (n <= s->cfg->client_buffer) return false; /* it fits once the output drains */
    uint8_t *buf = kv_bufpool_acquire(&s->pool_out); /* NULL while others wait */
    if (buf == NULL) return false;
    memcpy(buf, c->out + c->out_sent, pending);
    c->out_sent = 0;
    c->out_len = pending;
    c->large_out = buf;
    hold_take(s, &s->pool_out, s->hold_out, c, buf);
    c->out = buf;
    c->out_cap = (uint32_t)s->pool_out.size;
    KV_ASSERT(n <= c->out_cap - c->out_len);
    return true;
}

/* Redis's client-output-buffer-limit pubsub, with the message's n bytes added. */
static bool pubsub_over_limit(struct kv_server *s, struct kv_conn *c, uint64_t n) {
    const struct kv_config *cfg = s->cfg;
    uint64_t pending = (uint64_t)out_pending(c) + s->plog.lag[c->slot].bytes + n;
    if (cfg->pubsub_output_hard_limit > 0 && pending > cfg->pubsub_output_hard_limit)
        return true;
    if (cfg->pubsub_output_soft_limit == 0 || pending <= cfg->pubsub_output_soft_limit) {
        c->pubsub_soft_ns = 0;
        return false;
    }
    uint64_t now = turn_ns(s);
    if (c->pubsub_soft_ns == 0) c->pubsub_soft_ns = now;
    return now - c->pubsub_soft_ns >= cfg->pubsub_output_soft_seconds * 1000000000ull;
}

/* A subscriber disconnected by the output limits or the backlog's progress rule. */
static void pubsub_cut(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->state == KV_CONN_OPEN && c->slot < s->clients_max);
    s->net.client_output_buffer_limit_disconnections++;
    const struct kv_engine_observer *o = s->engine.observer;
    if (o != NULL && o->on_cut != NULL) o->on_cut(o->ctx, &c->session);
    conn_close(s, c); /* clears its later deliveries on the ring, drops its backlog */
    KV_ASSERT(!kv_plog_lagging(&s->plog, c->slot));
}

/*
 * Copies c's next backlog messages into its output, as many as fit (bounded by its
 * records). Room comes as for a delivery (out_room_now: compacting, or a free large
 * reply buffer), else from the send in flight or pending, whose completion wakes it
 * again (on_send). Only a message larger than its empty small buffer waits for a large
 * reply buffer, as a reply does (give_large_out wakes it): a lagging subscriber never
 * queues for one otherwise, so it never puts other slow holders under the hold rule
 * (it did: e2e test_pubsub_backlog_order, a stalled RESP3 subscriber cut). True while it
 * still lags.
 */
static bool pubsub_catch_up(struct kv_server *s, struct kv_conn *c) {
    struct kv_plog *l = &s->plog;
    KV_ASSERT(c->slot < s->clients_max && c->state == KV_CONN_OPEN);
    if (!kv_plog_lagging(l, c->slot)) return false;
    if (c->waiting_out) return true;
    uint32_t bound = l->lag[c->slot].count;
    for (uint32_t i = 0; i < bound; i++) {
        struct kv_plog_msg m;
        bool more = kv_plog_peek(l, c->slot, &m);
        KV_ASSERT(more); /* it lags: a record is there */
        if (!out_room_now(s, c, m.size)) {
            if (out_pending(c) > 0 || c->send_inflight) break; /* its send wakes it */
            if (!ensure_out(s, c, m.size)) break;              /* a large one: waits */
        }
        struct kv_reply r;
        kv_reply_init(&r, c->out + c->out_len, c->out_cap - c->out_len);
        r.proto = c->session.proto;
        kv_plog_write(&r, &m);
        c->out_len += r.len;
        kv_plog_pop(l, c->slot);
    }
    s->net.pubsub_backlog_bytes = kv_plog_used(l);
    return kv_plog_lagging(l, c->slot);
}

/* Receivers of the message among the connections still open (cuts close some). */
static uint32_t plog_live(const struct kv_server *s, uint32_t n) {
    uint32_t live = 0;
    for (uint32_t i = 0; i < n; i++) live += s->conns[s->plog_rcv[i].slot].state == KV_CONN_OPEN;
    return live;
}

/*
 * The message for the n backlog receivers collected by pubsub_deliver (npat patterns,
 * pat_bytes of names): cuts the oldest holders until it fits, then appends it for the
 * receivers still open, or cuts them if it can never fit.
 */
static void plog_append(struct kv_server *s, struct kv_pubsub *p, uint32_t n, uint32_t npat,
                        uint64_t pat_bytes) {
    struct kv_plog *l = &s->plog;
    KV_ASSERT(n >= 1 && n <= p->subs_cap);
    uint32_t live = plog_live(s, n); /* the output limits may have cut some */
    uint64_t size = 0;
    for (uint32_t i = 0; i <= s->clients_max; i++) {
        size = kv_plog_entry_size(live, npat, pat_bytes, p->msg_channel.len, p->msg.len);
        if (live == 0 || kv_plog_fits(l, size)) break;
        uint32_t slot = kv_plog_oldest(l);
        if (slot == KV_PLOG_NONE) break;
        bool ours = s->conns[slot].plog_want;
        pubsub_cut(s, &s->conns[slot]);
        if (ours) live = plog_live(s, n);
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_conn *c = &s->conns[s->plog_rcv[i].slot];
        c->plog_want = false;
        if (c->state != KV_CONN_OPEN) continue;
        if (!kv_plog_fits(l, size)) { /* larger than the whole backlog */
            pubsub_cut(s, c);
            continue;
        }
        s->plog_rcv[k++] = s->plog_rcv[i];
        ready_push(s, c);
    }
    KV_ASSERT(k <= live); /* those still open when it fit, or none */
    if (k > 0) kv_plog_append(l, p->msg_channel, p->msg, s->plog_pats, npat, s->plog_rcv, k);
    s->net.pubsub_backlog_bytes = kv_plog_used(l);
}

/* The next backlog receiver of this delivery, with its pattern among the message's. */
static void plog_want(struct kv_server *s, struct kv_pubsub *p, struct kv_conn *c, uint32_t pat,
                      uint32_t *n, uint32_t *npat, uint64_t *pat_bytes) {
    KV_ASSERT(*n < p->subs_cap && *npat <= *n);
    KV_ASSERT(c->state == KV_CONN_OPEN && c->slot < s->clients_max);
    uint32_t local = KV_PLOG_NONE;
    if (pat != KV_PUBSUB_NONE) { /* the ring holds each pattern's receivers together */
        struct kv_slice name = kv_pubsub_name(p, pat);
        if (*npat == 0 || s->plog_pats[*npat - 1].ptr != name.ptr) {
            s->plog_pats[(*npat)++] = name;
            *pat_bytes += name.len;
        }
        local = *npat - 1;
    }
    s->plog_rcv[(*n)++] = (struct kv_plog_rcv){c->slot, local};
    c->plog_want = true;
}

static void pubsub_deliver(void *ctx, struct kv_pubsub *p) {
    struct kv_server *s = ctx;
    KV_ASSERT(p->ring_len <= p->subs_cap && !s->pubsub_delivering);
    s->pubsub_delivering = true;
    uint32_t n = 0, npat = 0;
    uint64_t pat_bytes = 0;
    for (uint32_t i = 0; i < p->ring_len; i++) {
        struct kv_session *ss = p->ring[i].session;
        if (ss == NULL) continue; /* the publisher's own, or a closed session */
        struct kv_conn *c = conn_of_session(s, ss);
        KV_ASSERT(c->state == KV_CONN_OPEN); /* closing ones have left their channels */
        uint32_t pat = p->ring[i].pattern;
        uint64_t size = kv_pubsub_message_size(p, pat, p->msg_channel, p->msg);
        if (pubsub_over_limit(s, c, size)) {
            pubsub_cut(s, c);
            continue;
        }
        bool lags = c->plog_want || kv_plog_lagging(&s->plog, c->slot);
        if (lags || c->waiting_out || !out_room_now(s, c, size)) {
            plog_want(s, p, c, pat, &n, &npat, &pat_bytes);
            continue;
        }
        struct kv_reply r;
        kv_reply_init(&r, c->out + c->out_len, c->out_cap - c->out_len);
        r.proto = c->session.proto;
        kv_pubsub_write_message(p, &r, pat, p->msg_channel, p->msg);
        c->out_len += r.len;
        ready_push(s, c);
    }
    if (n > 0) plog_append(s, p, n, npat, pat_bytes);
    s->pubsub_delivering = false;
}

/* ---- io submission --------------------------------------------------------- */

/*
 * How much to read: all the room there is, except into a large request buffer
 * whose frame is already complete (waiting for reply room). A recv left pending
 * there would pin the large buffer to a client that has gone quiet, starving every
 * connection waiting for it (found by the simulator, seed 452995056). A recv that
 * reads past the frame is harmless: it completes with what has arrived.
 */
static uint32_t recv_len(const struct kv_server *s, const struct kv_conn *c) {
    KV_ASSERT(c->in_end <= c->in_cap);
    uint32_t room = c->in_cap - c->in_end;
    if (c->large_in == NULL) return room;
    if (c->frame_ready) return 0;
    if (s->pool_in.waiters_len == 0) return room;
    /* Others wait for a large buffer: read no further than this frame, so the
     * buffer is free the moment it has run. Reading ahead into the client's next
     * large frame kept it forever from a client that pipelines large frames: a
     * waiter starved (simulator, --crowd seeds 9700047 and 9700113). Where the
     * parser knows the frame's end (a bulk's data), read exactly to it; where it
     * only knows "one more byte" (a header or inline line), read half a small
     * buffer: what follows the frame then still fits the small buffer. */
    uint64_t have = c->in_end - c->in_start;
    uint64_t want = c->parser.need > have + 1 ? c->parser.need - have
                                              : s->cfg->client_buffer / 2;
    KV_ASSERT(want > 0); /* client_buffer >= 256 (config check) */
    return (uint32_t)KV_MIN(want, (uint64_t)room);
}

/*
 * Read again before replying? Yes when the last recv filled all its room, the
 * frames it completed have run and the next one is incomplete: the rest of the
 * client's pipeline is probably in the socket already. A NOWAIT recv takes it (or
 * completes -EAGAIN at once), so one send answers the whole pipeline instead of
 * two: Redis, too, reads all it can before writing. Never when output is blocked
 * (a frame waits for room) or the connection is on its way out.
 */
static bool read_before_reply(const struct kv_server *s, const struct kv_conn *c) {
    KV_ASSERT(c->state == KV_CONN_OPEN || c->state == KV_CONN_REJECTING);
    if (!c->recv_filled || c->state != KV_CONN_OPEN || s->shutting_down) return false;
    if (c->recv_inflight || c->send_inflight || out_pending(c) == 0) return false;
    if (c->frame_ready || c->waiting_in || c->waiting_out || c->pending_error != NULL)
        return false;
    if (c->peer_closed || c->close_after_reply) return false;
    return c->in_end < c->in_cap && recv_len(s, c) > 0;
}

static void conn_arm(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->state == KV_CONN_OPEN || c->state == KV_CONN_REJECTING);
    if (read_before_reply(s, c)) {
        c->recv_filled = false; /* once: the next recv decides again */
        c->recv_inflight = c->recv_nowait = true;
        c->recv_asked = recv_len(s, c);
        kv_io_recv_nowait(s->io, c->handle, c->in + c->in_end, c->recv_asked,
                          kv_io_tag(KV_IO_RECV, c->slot, c->gen));
        return;
    }
    if (!c->send_inflight && out_pending(c) > 0) {
        c->send_len = out_pending(c);
        c->send_inflight = true;
        s->net.total_writes_processed++;
        kv_io_send(s->io, c->handle, c->out + c->out_sent, c->send_len,
                   kv_io_tag(KV_IO_SEND, c->slot, c->gen));
    }
    bool flushed = out_flushed(s, c);
    if ((c->close_after_reply || s->shutting_down) && flushed) {
        conn_close(s, c);
        return;
    }
    if (c->state != KV_CONN_OPEN || c->recv_inflight || c->peer_closed) return;
    if (c->close_after_reply || c->waiting_in || s->shutting_down) return;
    if (c->in_end >= c->in_cap) return; /* full: the client waits (backpressure) */
    uint32_t len = recv_len(s, c);
    if (len == 0) return;
    c->recv_inflight = true;
    c->recv_asked = len;
    uint64_t tag = kv_io_tag(KV_IO_RECV, c->slot, c->gen);
    bool multi = s->recv_multi && c->large_in == NULL && len >= s->recv_buf_bytes;
    if (multi && !c->recv_plain_next) {
        /* In the small buffer, len is all the room: kv_server_check's bounds hold. */
        KV_ASSERT(len == c->in_cap - c->in_end);
        c->recv_multi = true;
        c->recv_left = len;
        s->net.recv_multishot_armed++;
        kv_io_recv_multi(s->io, c->handle, len, tag);
        return;
    }
    kv_io_recv(s->io, c->handle, c->in + c->in_end, len, tag);
}

/* A closing client leaves its channels at once (its PUBLISH counts stop), and the
 * simulator's model is told. */
static void pubsub_closed(struct kv_server *s, struct kv_conn *c) {
    if (!kv_session_subscribed(&c->session)) return;
    kv_engine_pubsub_drop(&s->engine, &c->session);
    const struct kv_engine_observer *o = s->engine.observer;
    if (o != NULL && o->on_unsubscribed != NULL)
        o->on_unsubscribed(o->ctx, &c->session, s->pubsub_delivering);
}

static void conn_close(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->state != KV_CONN_FREE);
    if (c->state == KV_CONN_CLOSING) return;
    if (c->waiting_in) kv_bufpool_cancel_wait(&s->pool_in, c->slot);
    if (c->waiting_out) kv_bufpool_cancel_wait(&s->pool_out, c->slot);
    c->waiting_in = c->waiting_out = false;
    if (c->slot < s->clients_max && (c->session.flags & KV_SESSION_BLOCKED)) {
        const struct kv_engine_observer *o = s->engine.observer;
        if (o != NULL && o->on_block_drop != NULL) o->on_block_drop(o->ctx, &c->session);
        kv_block_remove(&s->engine.block, &c->session); /* out of its queues at once */
    }
    if (c->slot < s->clients_max) { /* no message reaches it now */
        pubsub_closed(s, c);
        kv_plog_drop(&s->plog, c->slot);
        s->net.pubsub_backlog_bytes = kv_plog_used(&s->plog);
    }
    c->state = KV_CONN_CLOSING;
    c->close_inflight = true;
    kv_io_close(s->io, c->handle, kv_io_tag(KV_IO_CLOSE, c->slot, c->gen));
}

/* Frees the slot once close, recv and send have all completed. */
static void conn_maybe_free(struct kv_server *s, struct kv_conn *c) {
    KV_ASSERT(c->state == KV_CONN_CLOSING);
    if (c->close_inflight || c->recv_inflight || c->send_inflight) return;
    bool client = c->slot < s->clients_max;
    if (c->large_in != NULL) release_large_in(s, c);
    if (c->large_out != NULL) release_large_out(s, c);
    if (client) {
        kv_session_reset(&s->engine, &c->session);
        KV_ASSERT(s->net.connected_clients > 0);
        s->net.connected_clients--;
        s->free_slots[s->free_count++] = c->slot;
        KV_ASSERT(s->free_count <= s->clients_max);
    } else {
        s->reject_free[s->reject_free_count++] = c->slot;
        KV_ASSERT(s->reject_free_count <= REJECT_SLOTS);
    }
    c->state = KV_CONN_FREE;
    c->handle = -1;
    c->gen++;
    KV_ASSERT(s->live_conns > 0);
    s->live_conns--;
}

/* ---- completions ------------------------------------------------------------ */

/*
 * A multishot recv's bytes, copied in. They fit: it was armed for at most the room
 * there was, and both bounds kv_server_check asserts while one is armed (room >=
 * recv_left, and client_buffer >= input + recv_left, so a shrink keeps the room)
 * only lose what arrives.
 */
static void recv_multi_copy(struct kv_server *s, struct kv_conn *c, uint32_t n) {
    KV_ASSERT(n <= c->recv_left && n <= c->in_cap - c->in_end);
    KV_ASSERT(s->io->data != NULL);
    memcpy(c->in + c->in_end, s->io->data, n);
    c->recv_left -= n;
}

static void on_recv(struct kv_server *s, struct kv_conn *c, int32_t res, uint32_t flags) {
    KV_ASSERT(c->recv_inflight);
    bool multi = c->recv_multi, ended = !(flags & KV_IO_F_MORE), nowait = c->recv_nowait;
    KV_ASSERT(multi || ended);
    KV_ASSERT(!(multi && nowait));
    if (ended) c->recv_inflight = c->recv_multi = c->recv_nowait = false;
    if (c->state != KV_CONN_OPEN) {
        if (c->state == KV_CONN_CLOSING) conn_maybe_free(s, c);
        return;
    }
    /* More may wait when the recv filled its room; for a multishot, when it ended
     * with bytes (at its limit). */
    c->recv_filled = res > 0 && (multi ? ended : (uint32_t)res == c->recv_asked);
    if (res > 0) {
        KV_ASSERT((uint32_t)res <= c->in_cap - c->in_end && (uint32_t)res <= c->recv_asked);
        if (multi) recv_multi_copy(s, c, (uint32_t)res);
        /* A read of a whole shared buffer or more: big requests or a pipeline.
         * Reading them straight into the connection's buffer costs less than
         * shared buffers' copies (SET 1000 B at P=16, BENCHMARKS.md "Multishot recv"): the
         * next read is a plain one, until a read brings less. A non-waiting read
         * takes the rest of what the last one filled: it does not decide. */
        if (!nowait) c->recv_plain_next = (uint32_t)res >= s->recv_buf_bytes;
        c->in_end += (uint32_t)res;
        c->moved += (uint64_t)res;
        s->net.total_net_input_bytes += (uint64_t)res;
        s->net.total_reads_processed++;
        c->last_active_ns = turn_ns(s);
        kv_activity_note(&s->activity, &c->activity_mark, c->last_active_ns);
    } else if (res == 0) {
        c->peer_closed = true;
    } else if (res == -ENOBUFS || res == -EINTR || res == -EAGAIN) {
        /* transient: re-armed by conn_arm below. A multishot recv found every
         * shared buffer in use: the next read takes the connection's own buffer,
         * so it progresses however many others read at once. */
        if (multi) c->recv_plain_next = true;
    } else {
        /* ECONNRESET, ETIMEDOUT, EPIPE, ECANCELED (not ours), ...: peer is gone */
        conn_close(s, c);
        return;
    }
    ready_push(s, c);
}

static void on_send(struct kv_server *s, struct kv_conn *c, int32_t res) {
    KV_ASSERT(c->send_inflight);
    c->send_inflight = false;
    if (c->state == KV_CONN_CLOSING) {
        conn_maybe_free(s, c);
        return;
    }
    KV_ASSERT(c->state == KV_CONN_OPEN || c->state == KV_CONN_REJECTING);
    if (res <= 0 && res != -EINTR && res != -EAGAIN && res != -ENOBUFS) {
        conn_close(s, c); /* EPIPE, ECONNRESET, ...; 0 would never progress */
        return;
    }
    if (res > 0) {
        KV_ASSERT((uint32_t)res <= c->send_len && c->send_len <= out_pending(c));
        c->out_sent += (uint32_t)res;
        c->moved += (uint64_t)res;
        s->net.total_net_output_bytes += (uint64_t)res;
        c->last_active_ns = turn_ns(s);
        if (c->out_sent == c->out_len) c->out_len = c->out_sent = 0;
    }
    if (c->state == KV_CONN_REJECTING) {
        conn_arm(s, c); /* rest of the message, or the close */
        return;
    }
    ready_push(s, c);
}

static void conn_open(struct kv_server *s, uint32_t slot, int32_t handle) {
    struct kv_conn *c = &s->conns[slot];
    KV_ASSERT(c->state == KV_CONN_FREE && slot < s->clients_max);
    KV_ASSERT(!c->recv_inflight && !c->send_inflight && !c->close_inflight);
    uint32_t gen = c->gen;
    bool in_ready = c->in_ready; /* a closed slot may still sit on the ready queue */
    uint8_t *small_in = c->small_in, *small_out = c->small_out;
    KV_ASSERT(kv_ahead_idle(&s->ahead)); /* see conn_process */
    memset(c, 0, sizeof(*c));
    c->slot = slot;
    c->gen = gen;
    c->in_ready = in_ready;
    c->handle = handle;
    c->state = KV_CONN_OPEN;
    c->small_in = c->in = small_in;
    c->small_out = c->out = small_out;
    c->in_cap = c->out_cap = s->cfg->client_buffer;
    c->keep_start = KV_KEEP_NONE;
    c->last_active_ns = c->opened_ns = now_ns(s);
    /* on_accept runs inside the accept's completion: the io's addresses are valid */
    c->peer_known = s->io->peer != NULL;
    c->local_known = s->io->local != NULL;
    if (c->peer_known) c->peer = *s->io->peer;
    if (c->local_known) c->local = *s->io->local;
    kv_parser_reset(&c->parser);
    kv_session_init(&c->session, s->next_client_id++);
    /* Redis: a client that connects while there is no password is authenticated */
    if (s->cfg->requirepass[0] == 0) c->session.flags |= KV_SESSION_AUTHED;
    s->live_conns++;
    s->net.connected_clients++;
    s->net.total_connections_received++;
    conn_arm(s, c);
}

/* Sends msg (a constant) on a reject slot, then closes: maxclients and protected
 * mode, both counted as rejected_connections, as Redis counts them. */
static void conn_reject(struct kv_server *s, int32_t handle, const char *msg) {
    s->net.rejected_connections++;
    if (kv_log_enabled(&s->log, KV_LOG_VERBOSE))
        kv_log(&s->log, KV_LOG_VERBOSE, "Connection refused: max number of clients reached "
               "(maxclients %u), %llu refused so far", s->clients_max,
               (unsigned long long)s->net.rejected_connections);
    if (s->reject_free_count == 0) { /* even the reject slots are busy: just close */
        kv_io_close(s->io, handle, kv_io_tag(KV_IO_CLOSE, ACCEPT_TAG_SLOT, 0));
        return;
    }
    uint32_t slot = s->reject_free[--s->reject_free_count];
    struct kv_conn *c = &s->conns[slot];
    KV_ASSERT(c->state == KV_CONN_FREE && slot >= s->clients_max);
    c->handle = handle;
    c->state = KV_CONN_REJECTING;
    c->out = (uint8_t *)(uintptr_t)msg; /* only ever read: sent, never written */
    c->out_cap = c->out_len = (uint32_t)strlen(msg);
    c->out_sent = 0;
    c->close_after_reply = true;
    s->live_conns++;
    conn_arm(s, c);
}

/*
 * Protected mode (Redis 7.0's clientAcceptHandler): with protected-mode yes and no
 * requirepass, only a peer at exactly 127.0.0.1 or ::1 (or a unix socket) may
 * connect; anyone else gets DENIED_MSG and the close. Redis compares the address
 * text, so 127.0.0.2 or ::ffff:127.0.0.1 is refused too. The peer comes with the
 * accept (kv_io.peer); one the io cannot tell is refused.
 */
static bool protected_refuses(struct kv_server *s) {
    if (!s->cfg->protected_mode || s->cfg->requirepass[0] != 0) return false;
    const struct kv_io_peer *p = s->io->peer;
    if (p == NULL) return true;
    static const uint8_t v4[4] = {127, 0, 0, 1};
    static const uint8_t v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (p->family == KV_IO_PEER_IPV4) return memcmp(p->addr, v4, 4) != 0;
    if (p->family == KV_IO_PEER_IPV6) return memcmp(p->addr, v6, 16) != 0;
    KV_ASSERT(p->family == KV_IO_PEER_UNIX);
    return false;
}

static void on_accept(struct kv_server *s, int32_t res, uint32_t flags) {
    if (!(flags & KV_IO_F_MORE)) s->accept_armed = false;
    if (res >= 0) {
        if (s->shutting_down) {
            kv_io_close(s->io, res, kv_io_tag(KV_IO_CLOSE, ACCEPT_TAG_SLOT, 0));
        } else if (s->free_count == 0) {
            conn_reject(s, res, REJECT_MSG);
        } else if (protected_refuses(s)) {
            conn_reject(s, res, DENIED_MSG);
        } else {
            conn_open(s, s->free_slots[--s->free_count], res);
        }
    } else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM) {
        s->accept_rearm = true; /* out of descriptors: retry on the next tick */
        return;
    }
    /* ECONNABORTED, EINTR, ECANCELED (shutdown), ...: nothing to clean up */
    if (!s->accept_armed && !s->shutting_down && !s->accept_rearm) {
        s->accept_armed = true;
        kv_io_accept(s->io, kv_io_tag(KV_IO_ACCEPT, ACCEPT_TAG_SLOT, 0));
    }
}

static void idle_timeouts(struct kv_server *s) {
    if (s->cfg->timeout_s == 0) return;
    uint64_t limit = s->cfg->timeout_s * 1000000000ull;
    uint64_t now = now_ns(s);
    /* Per tick: every slot once a second (as active expiry covers the index). */
    uint32_t budget = KV_MIN(s->clients_max / s->cfg->hz + 1, s->clients_max);
    for (uint32_t i = 0; i < budget; i++) {
        struct kv_conn *c = &s->conns[s->timeout_cursor];
        s->timeout_cursor = (s->timeout_cursor + 1) % s->clients_max;
        if (c->state != KV_CONN_OPEN) continue;
        /* the wait is ours: blocked clients and subscribers are never idle (as Redis) */
        bool blocked = (c->session.flags & KV_SESSION_BLOCKED) != 0;
        if (c->waiting_in || c->waiting_out || c->paused || blocked ||
            kv_session_subscribed(&c->session)) {
            c->last_active_ns = now;
            continue;
        }
        if (now - c->last_active_ns > limit) conn_close(s, c);
    }
}

/*
 * The hold rule (README "Protection rules"). A pool has large_buffers buffers and
 * any number of clients may want one, so a holder that stops making progress would
 * starve the rest: eight clients each sending the first 20 KB of a 1 MB SET and
 * going quiet (or trickling a byte a second, which --timeout never sees), or eight
 * pipelining GETs of a 1 MB value without reading. While a pool has waiters, each
 * holder of one of its buffers must move large-buffer-min-progress bytes (received
 * plus sent) per large-buffer-stall-ms, or it is disconnected, as Redis disconnects
 * a client past its client-output-buffer-limit. Its window starts when it got the
 * buffer, when it last moved that much, or when it last waited for a reply buffer
 * or was held by CLIENT PAUSE while holding a request buffer (those waits are the
 * server's), whichever is latest;
 * with no waiters nobody is judged and every window starts over. Checked every
 * stall/4 ms while a pool has waiters, so one hostile round costs the queue about
 * 1.25 stall windows.
 */
static void hold_check_pool(struct kv_server *s, const struct kv_bufpool *p,
                            const uint32_t *holders, uint64_t now) {
    bool judged = p->waiters_len > 0;
    uint32_t which = pool_which(s, p);
    bool requests = which == 0;
    uint64_t min = s->cfg->large_buffer_min_progress;
    for (uint32_t i = 0; i < p->count; i++) {
        if (holders[i] == NO_HOLDER) continue;
        struct kv_conn *c = &s->conns[holders[i]];
        KV_ASSERT(c->state != KV_CONN_FREE && c->slot < s->clients_max);
        if (c->state != KV_CONN_OPEN) continue; /* closing: its buffers come back */
        /* Only a request holder waiting for a reply buffer, or held by CLIENT PAUSE,
         * waits on the server: a reply holder waiting for a request buffer still
         * waits for its peer to read. */
        bool servers = requests && (c->waiting_out || c->paused);
        if (!judged || servers || c->moved - c->hold_moved[which] >= min) {
            hold_mark(c, which, now);
        } else if (now - c->hold_ns[which] >= s->stall_ns) {
            s->net.large_buffer_stall_disconnections++;
            const struct kv_engine_observer *o = s->engine.observer;
            if (o != NULL && o->on_cut != NULL) o->on_cut(o->ctx, &c->session);
            conn_close(s, c);
        }
    }
}

static void hold_check(struct kv_server *s) {
    uint64_t now = now_ns(s);
    hold_check_pool(s, &s->pool_in, s->hold_in, now);
    hold_check_pool(s, &s->pool_out, s->hold_out, now);
}

/* The hold rule's timer: armed while a pool has waiters (one in flight at most). */
static void arm_hold(struct kv_server *s) {
    if (s->hold_armed || s->stopped) return;
    if (s->pool_in.waiters_len == 0 && s->pool_out.waiters_len == 0) return;
    s->hold_armed = true;
    uint64_t ms = KV_MAX(s->cfg->large_buffer_stall_ms / 4u, 1u);
    kv_io_timeout(s->io, ms, kv_io_tag(KV_IO_TIMEOUT, HOLD_TAG_SLOT, 0));
}

static void on_hold_timer(struct kv_server *s) {
    KV_ASSERT(s->hold_armed);
    s->hold_armed = false;
    hold_check(s);
    arm_hold(s);
}

static void arm_tick(struct kv_server *s) {
    KV_ASSERT(!s->tick_armed);
    s->tick_armed = true;
    kv_io_timeout(s->io, s->tick_ns / 1000000ull, kv_io_tag(KV_IO_TIMEOUT, TICK_TAG_SLOT, 0));
}

static void shutdown_progress(struct kv_server *s) {
    KV_ASSERT(s->shutting_down);
    bool force = now_ns(s) - s->shutdown_ns > SHUTDOWN_FORCE_NS;
    for (uint32_t i = 0; i < s->conns_cap; i++) {
        struct kv_conn *c = &s->conns[i];
        if (c->state != KV_CONN_OPEN && c->state != KV_CONN_REJECTING) continue;
        if (force || out_flushed(s, c)) conn_close(s, c);
    }
}

/* CONFIG SET may have changed hz or the hold window: follow them (cheap: per tick). */
static void follow_config(struct kv_server *s) {
    KV_ASSERT(s->cfg->hz >= 1 && s->cfg->large_buffer_stall_ms >= 1);
    s->tick_ns = 1000000000ull / s->cfg->hz;
    s->stall_ns = (uint64_t)s->cfg->large_buffer_stall_ms * 1000000ull;
}

static void on_tick(struct kv_server *s) {
    KV_ASSERT(s->tick_armed);
    s->tick_armed = false;
    follow_config(s);
    kv_engine_tick(&s->engine);
    if (kv_block_pending(&s->engine.block)) serve_blocked(s); /* timeouts */
    log_evictions(s);
    idle_timeouts(s);
    hold_check(s);
    /* CLIENT PAUSE's end, when its timer is still out for an earlier, longer pause */
    if (s->pause_active && now_ns(s) >= s->pause_end_ns) s->clients.unpause(s);
    if (s->accept_rearm && !s->shutting_down && !s->accept_armed) {
        s->accept_rearm = false;
        s->accept_armed = true;
        kv_io_accept(s->io, kv_io_tag(KV_IO_ACCEPT, ACCEPT_TAG_SLOT, 0));
    }
    if (s->shutting_down) shutdown_progress(s);
    if (!s->stopped) arm_tick(s);
}

/* ---- the engine's view of the connections (include/kv/clients.h) --------------- */

/* Redis's formatPeerId: "ip:port", "[ip6]:port"; "?:0" when the io cannot tell. */
static void format_addr(bool known, const struct kv_io_peer *p, char *out, uint32_t cap) {
    KV_ASSERT(cap >= KV_CLIENT_ADDR_MAX);
    char ip[INET6_ADDRSTRLEN] = "?";
    uint16_t port = 0;
    bool v6 = known && p->family == KV_IO_PEER_IPV6;
    if (known && p->family != KV_IO_PEER_UNIX) {
        if (inet_ntop(v6 ? AF_INET6 : AF_INET, p->addr, ip, sizeof(ip)) == NULL) ip[0] = 0;
        port = p->port;
    }
    int n = snprintf(out, cap, v6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)port);
    KV_ASSERT(n > 0 && (uint32_t)n < cap);
}

static uint32_t clients_slots(void *ctx) { return ((struct kv_server *)ctx)->clients_max; }

static uint32_t clients_connected(void *ctx) {
    return (uint32_t)((struct kv_server *)ctx)->net.connected_clients;
}

static bool clients_describe(void *ctx, uint32_t i, struct kv_client_info *out) {
    struct kv_server *s = ctx;
    KV_ASSERT(i < s->clients_max && out != NULL);
    const struct kv_conn *c = &s->conns[i];
    if (c->state != KV_CONN_OPEN) return false;
    memset(out, 0, sizeof(*out));
    out->session = &c->session;
    format_addr(c->peer_known, &c->peer, out->addr, sizeof(out->addr));
    format_addr(c->local_known, &c->local, out->laddr, sizeof(out->laddr));
    uint64_t now = turn_ns(s);
    out->fd = c->handle;
    out->age_s = (now - KV_MIN(now, c->opened_ns)) / 1000000000ull;
    out->idle_s = (now - KV_MIN(now, c->last_active_ns)) / 1000000000ull;
    out->qbuf = c->in_end - c->in_start;
    if (c->session.flags & KV_SESSION_BLOCKED) out->qbuf -= c->frame.frame_len; /* Redis's */
    out->qbuf_free = c->in_cap - c->in_end;
    out->multi_mem = c->keep_start != KV_KEEP_NONE ? kept_bytes(c) : 0;
    out->rbs = c->out_cap;
    out->obl = out_pending(c);
    out->tot_mem = (uint64_t)c->in_cap + c->out_cap + sizeof(*c);
    out->writing = c->send_inflight || out_pending(c) > 0;
    return true;
}

/* CLIENT KILL: closed as the hold rule closes, and the observer told likewise. */
static void clients_kill(void *ctx, uint32_t i) {
    struct kv_server *s = ctx;
    KV_ASSERT(i < s->clients_max);
    struct kv_conn *c = &s->conns[i];
    KV_ASSERT(c->state == KV_CONN_OPEN);
    const struct kv_engine_observer *o = s->engine.observer;
    if (o != NULL && o->on_cut != NULL) o->on_cut(o->ctx, &c->session);
    conn_close(s, c);
}

/* The pause timer: one in flight at most, set for the deadline as it is now. */
static void arm_pause(struct kv_server *s) {
    if (s->pause_armed || !s->pause_active || s->stopped) return;
    uint64_t now = now_ns(s);
    uint64_t left = s->pause_end_ns > now ? s->pause_end_ns - now : 0;
    s->pause_armed = true;
    kv_io_timeout(s->io, left / 1000000ull + 1, kv_io_tag(KV_IO_TIMEOUT, PAUSE_TAG_SLOT, 0));
}

static void clients_unpause(void *ctx) {
    struct kv_server *s = ctx;
    s->pause_active = s->pause_writes = false;
    s->pause_end_ns = 0;
    for (uint32_t i = 0; i < s->clients_max; i++) {
        struct kv_conn *c = &s->conns[i];
        if (!c->paused) continue;
        c->paused = false;
        if (c->state == KV_CONN_OPEN) ready_push(s, c);
    }
    KV_ASSERT(!s->pause_active);
}

/* Redis's pauseClients: the later deadline and the wider mode (ALL over WRITE). */
static void clients_pause(void *ctx, uint64_t ms, bool writes_only) {
    struct kv_server *s = ctx;
    KV_ASSERT(ms > 0);
    uint64_t now = turn_ns(s);
    uint64_t end = ms > (UINT64_MAX - now) / 1000000ull ? UINT64_MAX : now + ms * 1000000ull;
    s->pause_writes = s->pause_active ? s->pause_writes && writes_only : writes_only;
    s->pause_end_ns = KV_MAX(s->pause_active ? s->pause_end_ns : 0, end);
    s->pause_active = true;
    arm_pause(s);
}

static void on_pause_timer(struct kv_server *s) {
    KV_ASSERT(s->pause_armed);
    s->pause_armed = false;
    if (s->pause_active && now_ns(s) >= s->pause_end_ns) clients_unpause(s);
    arm_pause(s);
}

/* Whether CLIENT PAUSE holds this frame: every one (ALL), or write commands and EXEC
 * (WRITE; Redis holds an EXEC whose queue writes, kv any EXEC). */
static bool pause_holds(struct kv_server *s, struct kv_conn *c, uint32_t argc,
                        const struct kv_slice *argv) {
    KV_ASSERT(s->pause_active && argc >= 1);
    if (now_ns(s) >= s->pause_end_ns) {
        clients_unpause(s);
        return false;
    }
    bool sized, hold = !s->pause_writes;
    if (!hold && kv_engine_is_exec(&s->engine, &c->session, argc, argv)) hold = true;
    if (!hold && (kv_engine_cmd_flags(&s->engine, argc, argv, &sized) & KV_CMD_WRITE)) {
        /* queued in MULTI or run: Redis holds either */
        hold = true;
    }
    c->paused = hold;
    return hold;
}

static void clients_addr_of(void *ctx, const struct kv_session *session, char *out) {
    struct kv_server *s = ctx;
    const struct kv_conn *c = (const struct kv_conn *)(const void *)
        ((const uint8_t *)session - offsetof(struct kv_conn, session));
    KV_ASSERT(c >= s->conns && c < s->conns + s->clients_max && &c->session == session);
    format_addr(c->peer_known, &c->peer, out, KV_CLIENT_ADDR_MAX);
}

static void clients_register(struct kv_server *s) {
    s->clients = (struct kv_engine_clients){
        .slots = clients_slots,
        .connected = clients_connected,
        .describe = clients_describe,
        .kill = clients_kill,
        .pause = clients_pause,
        .unpause = clients_unpause,
        .addr_of = clients_addr_of,
        .ctx = s,
    };
    kv_engine_set_clients(&s->engine, &s->clients);
}

static void on_complete(void *ctx, uint64_t tag, int32_t res, uint32_t flags) {
    struct kv_server *s = ctx;
    enum kv_io_op op = kv_io_tag_op(tag);
    uint32_t slot = kv_io_tag_slot(tag);
    if (slot == TICK_TAG_SLOT) {
        KV_ASSERT(op == KV_IO_TIMEOUT);
        on_tick(s);
        return;
    }
    if (slot == HOLD_TAG_SLOT) {
        KV_ASSERT(op == KV_IO_TIMEOUT);
        on_hold_timer(s);
        return;
    }
    if (slot == PAUSE_TAG_SLOT) {
        KV_ASSERT(op == KV_IO_TIMEOUT);
        on_pause_timer(s);
        return;
    }
    if (slot == LOG_TAG_SLOT) {
        KV_ASSERT(op == KV_IO_WRITE);
        kv_log_written(&s->log, res);
        return;
    }
    if (slot == ACCEPT_TAG_SLOT) {
        if (op == KV_IO_ACCEPT) on_accept(s, res, flags);
        return; /* fire-and-forget closes of refused connections */
    }
    KV_ASSERT(slot < s->conns_cap);
    struct kv_conn *c = &s->conns[slot];
    if (kv_io_tag_gen(tag) != c->gen || c->state == KV_CONN_FREE) {
        s->net.stale_completions++;
        return;
    }
    switch (op) {
    case KV_IO_RECV: on_recv(s, c, res, flags); break;
    case KV_IO_SEND: on_send(s, c, res); break;
    case KV_IO_CLOSE:
        KV_ASSERT(c->close_inflight);
        c->close_inflight = false;
        conn_maybe_free(s, c);
        break;
    default: KV_UNREACHABLE();
    }
}

/* ---- lifecycle ---------------------------------------------------------------- */

void kv_server_start(struct kv_server *s) {
    KV_ASSERT(!s->accept_armed && !s->tick_armed);
    s->io->complete = on_complete;
    s->io->complete_ctx = s;
    s->accept_armed = true;
    kv_io_accept(s->io, kv_io_tag(KV_IO_ACCEPT, ACCEPT_TAG_SLOT, 0));
    arm_tick(s);
}

/* The first frames of the next `n` ready connections: their keys are prefetched
 * (kv_ahead_batch), as the lookahead does within one connection's pipeline. */
static void prefetch_ready(struct kv_server *s, uint32_t n) {
    KV_ASSERT(n <= s->ready_len && n <= KV_AHEAD_FRAMES);
    struct kv_ahead_input in[KV_AHEAD_FRAMES];
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_conn *c = &s->conns[s->ready[(s->ready_head + i) % s->conns_cap]];
        if (c->state != KV_CONN_OPEN || c->frame_ready || !kv_parser_fresh(&c->parser)) continue;
        in[m++] = (struct kv_ahead_input){&c->ahead_peek, c->in + c->in_start,
                                          c->in_end - c->in_start};
    }
    KV_ASSERT(m <= n);
    kv_ahead_batch(&s->ahead, in, m);
}

static void process_ready(struct kv_server *s) {
    /* Bounded: a connection re-queued while we run waits for the next turn. */
    uint32_t n = s->ready_len;
    for (uint32_t i = 0; i < n && s->ready_len > 0; i++) {
        if (i % KV_AHEAD_FRAMES == 0 && n > 1)
            prefetch_ready(s, KV_MIN(KV_MIN(n - i, KV_AHEAD_FRAMES), s->ready_len));
        uint32_t slot = s->ready[s->ready_head];
        s->ready_head = (s->ready_head + 1) % s->conns_cap;
        s->ready_len--;
        struct kv_conn *c = &s->conns[slot];
        KV_ASSERT(c->in_ready && slot < s->conns_cap);
        c->in_ready = false;
        if (c->state == KV_CONN_OPEN) conn_process(s, c); /* its peek ends with it */
    }
}

/*
 * The io wait of a turn (activity.h, kv_batch_plan): with many connections sending,
 * wait until a quarter of them have sent or the batching windows have passed.
 * Measured on loopback with redis-benchmark (BENCHMARKS.md, "Batching wait"): waiting for
 * 16 cost 10 clients a quarter of their throughput, and waiting for 2 cost them
 * CPU (a timer per wait) without saving wakeups. By the last turn's time and depth:
 * no extra clock read.
 */
static struct kv_batch_plan batch_plan(const struct kv_server *s) {
    /* a slot reused within the millisecond counts twice: clamp */
    uint32_t sending = KV_MIN(kv_activity_recent(&s->activity, s->turn_ns), s->conns_cap);
    KV_ASSERT(s->conns_cap > 0 && s->batch_depth >= 1);
    return kv_batch_plan(sending, s->batch_depth);
}

/* Frames per read in a turn that read something (the last such turn's stays). */
static void batch_depth(struct kv_server *s, uint64_t reads, uint64_t frames) {
    KV_ASSERT(s->batch_depth >= 1 && s->batch_depth <= KV_DEPTH_MAX);
    if (reads == 0) return;
    s->batch_depth = (uint32_t)KV_MAX(KV_MIN(frames / reads, KV_DEPTH_MAX), 1u);
}

bool kv_server_run_once(struct kv_server *s, uint32_t wait_ms) {
    KV_ASSERT(s->io->complete == on_complete);
    if (s->stopped) return false;
    bool busy = s->ready_len > 0; /* work waits: no wait */
    struct kv_batch_plan plan = busy ? (struct kv_batch_plan){0, 0} : batch_plan(s);
    uint64_t reads = s->net.total_reads_processed;
    uint64_t frames = kv_engine_stats(&s->engine)->total_commands_processed;
    s->turn_ns_valid = false;
    kv_engine_turn_begin(&s->engine);
    kv_log_flush(&s->log, s->io, kv_io_tag(KV_IO_WRITE, LOG_TAG_SLOT, 0));
    kv_io_run(s->io, busy ? 0 : wait_ms, plan.batch, plan.windows);
    process_ready(s);
    /* keys readied outside a command's run (an expired key dropped while bounding a
     * frame that then waited for room): served before the turn ends */
    if (kv_block_pending(&s->engine.block)) serve_blocked(s);
    batch_depth(s, s->net.total_reads_processed - reads,
                kv_engine_stats(&s->engine)->total_commands_processed - frames);
    log_protections(s);
    if (s->shutdown_requested) kv_server_shutdown(s);
    if (s->shutting_down && s->live_conns == 0 && !s->accept_armed && log_settled(s))
        s->stopped = true;
    return !s->stopped;
}

void kv_server_shutdown(struct kv_server *s) {
    if (s->shutting_down) return;
    if (s->shutdown_requested) kv_log(&s->log, KV_LOG_WARNING, "User requested shutdown...");
    s->shutting_down = true;
    s->shutdown_ns = now_ns(s);
    s->accept_rearm = false;
    if (s->accept_armed) kv_io_listener_close(s->io);
    shutdown_progress(s);
}

/* ---- invariants and accessors --------------------------------------------------- */

static void check_conn(const struct kv_server *s, const struct kv_conn *c) {
    if (c->state == KV_CONN_FREE) {
        KV_ASSERT(!c->recv_inflight && !c->send_inflight && !c->close_inflight);
        KV_ASSERT(c->large_in == NULL && c->large_out == NULL);
        KV_ASSERT(c->slot >= s->clients_max || !kv_plog_lagging(&s->plog, c->slot));
        return;
    }
    KV_ASSERT(c->out_sent <= c->out_len && c->out_len <= c->out_cap);
    if (c->slot >= s->clients_max) { /* reject slot: sends a static message only */
        KV_ASSERT(c->state == KV_CONN_REJECTING || c->state == KV_CONN_CLOSING);
        KV_ASSERT(!c->recv_inflight && c->large_in == NULL && c->large_out == NULL);
        return;
    }
    KV_ASSERT(c->state != KV_CONN_REJECTING && !c->plog_want);
    KV_ASSERT(c->state == KV_CONN_OPEN || !kv_plog_lagging(&s->plog, c->slot));
    KV_ASSERT(c->in_start <= c->in_end && c->in_end <= c->in_cap);
    KV_ASSERT(c->keep_start == KV_KEEP_NONE || c->keep_start <= c->in_start);
    KV_ASSERT(c->in == (c->large_in != NULL ? c->large_in : c->small_in));
    KV_ASSERT(c->large_out == NULL || c->out == c->large_out);
    KV_ASSERT(c->large_out != NULL || c->out == c->small_out);
    KV_ASSERT(c->waiting_in == kv_bufpool_is_waiting(&s->pool_in, c->slot));
    KV_ASSERT(c->waiting_out == kv_bufpool_is_waiting(&s->pool_out, c->slot));
    KV_ASSERT(!(c->waiting_in && c->large_in != NULL));
    KV_ASSERT(!(c->waiting_out && c->large_out != NULL));
    KV_ASSERT(!c->recv_multi || (c->recv_inflight && s->recv_multi));
    if (c->recv_multi && c->state == KV_CONN_OPEN) { /* its bytes will fit (on_recv) */
        KV_ASSERT(c->in_cap - c->in_end >= c->recv_left);
        uint64_t input = c->in_end - in_base(c);
        KV_ASSERT((uint64_t)s->cfg->client_buffer >= input + c->recv_left);
    }
}

/* The hold rule's records match the connections' buffers; returns the holders. */
static uint32_t check_holders(const struct kv_server *s, const struct kv_bufpool *p,
                              const uint32_t *holders, bool out) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        if (holders[i] == NO_HOLDER) continue;
        KV_ASSERT(holders[i] < s->clients_max);
        const struct kv_conn *c = &s->conns[holders[i]];
        KV_ASSERT((out ? c->large_out : c->large_in) == p->mem + (uint64_t)i * p->size);
        n++;
    }
    return n;
}

void kv_server_check(const struct kv_server *s) {
    uint32_t live = 0, held_in = 0, held_out = 0, clients = 0, watching = 0, blocked = 0;
    for (uint32_t i = 0; i < s->conns_cap; i++) {
        const struct kv_conn *c = &s->conns[i];
        KV_ASSERT(c->slot == i);
        check_conn(s, c);
        KV_ASSERT(c->session.watch_count == 0 || (c->state != KV_CONN_FREE && i < s->clients_max));
        if (c->session.watch_count > 0) watching++;
        if (c->session.flags & KV_SESSION_BLOCKED) { /* open, its frame kept */
            KV_ASSERT(c->state == KV_CONN_OPEN && i < s->clients_max && c->frame_ready);
            blocked++;
        }
        if (c->state != KV_CONN_FREE) live++;
        if (c->state != KV_CONN_FREE && i < s->clients_max) clients++;
        if (c->large_in != NULL) held_in++;
        if (c->large_out != NULL) held_out++;
    }
    KV_ASSERT(live == s->live_conns);
    KV_ASSERT(s->log.tail <= s->log.head && s->log.head - s->log.tail <= s->log.cap);
    KV_ASSERT(s->log.inflight <= s->log.head - s->log.tail);
    KV_ASSERT(s->batch_depth >= 1 && s->batch_depth <= KV_DEPTH_MAX);
    KV_ASSERT(clients == s->net.connected_clients);
    KV_ASSERT(clients + s->free_count == s->clients_max);
    KV_ASSERT(held_in + s->pool_in.free_count == s->pool_in.count);
    KV_ASSERT(check_holders(s, &s->pool_in, s->hold_in, false) == held_in);
    KV_ASSERT(check_holders(s, &s->pool_out, s->hold_out, true) == held_out);
    KV_ASSERT(held_out + s->pool_out.free_count == s->pool_out.count);
    kv_bufpool_check(&s->pool_in);
    kv_bufpool_check(&s->pool_out);
    kv_plog_check(&s->plog);
    KV_ASSERT(s->net.pubsub_backlog_bytes == kv_plog_used(&s->plog));
    kv_ks_check(&s->ks);
    KV_ASSERT(watching == s->engine.watch.sessions_len); /* a closed session watches nothing */
    KV_ASSERT(blocked == s->engine.block.sessions_len && !kv_block_pending(&s->engine.block));
    kv_engine_check(&s->engine);
}

struct kv_keyspace *kv_server_keyspace(struct kv_server *s) { return &s->ks; }
const struct kv_net_stats *kv_server_stats(const struct kv_server *s) { return &s->net; }
struct kv_engine *kv_server_engine(struct kv_server *s) { return &s->engine; }
uint32_t kv_server_connections(const struct kv_server *s) { return s->live_conns; }
struct kv_log *kv_server_log(struct kv_server *s) { return &s->log; }

bool kv_server_pools_full(const struct kv_server *s) {
    return s->pool_in.free_count == s->pool_in.count &&
           s->pool_out.free_count == s->pool_out.count;
}

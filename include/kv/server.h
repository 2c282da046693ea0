/*
 * server.h: connections, pipelining, backpressure: the one place where a
 * request's whole path meets (io -> parser -> engine -> reply -> io).
 *
 * Lifecycle (main.c and the simulator both do exactly this):
 *   kv_server_layout(cfg, &layout);          sizes of every component
 *   kv_arena_map(&arena, &layout);           the one mapping
 *   kv_server_init(&s, cfg, &arena, io, clock, seed);
 *   kv_arena_seal(&arena); print "ready"
 *   kv_server_start(&s);                     arm accept and the tick timer
 *   while (kv_server_run_once(&s, wait_ms)) { if (signal) kv_server_shutdown(&s); }
 *
 * The server never calls the kernel directly: only io, clock and prng.
 */
#ifndef KV_SERVER_H
#define KV_SERVER_H

#include "kv/activity.h"
#include "kv/ahead.h"
#include "kv/arena.h"
#include "kv/clock.h"
#include "kv/engine.h"
#include "kv/common.h"
#include "kv/config.h"
#include "kv/io.h"
#include "kv/log.h"
#include "kv/pubsub.h"
#include "kv/pubsub_log.h"

#include "kv/bufpool.h"
#include "kv/keyspace.h"
#include "kv/resp.h"

enum kv_conn_state {
    KV_CONN_FREE = 0,
    KV_CONN_OPEN = 1,
    KV_CONN_CLOSING = 2,    /* close submitted; waiting for every completion */
    KV_CONN_REJECTING = 3,  /* maxclients reached: error reply, then close */
};

struct kv_conn {
    uint32_t slot;
    uint32_t gen;
    int32_t handle;
    uint8_t state;
    bool recv_inflight;
    bool send_inflight;
    bool close_inflight;
    bool peer_closed;        /* EOF read: no more requests will come */
    bool close_after_reply;  /* protocol error or QUIT: close once output is sent */
    bool waiting_in;         /* queued for a large request buffer */
    bool waiting_out;        /* queued for a large reply buffer */
    bool in_ready;           /* on the ready queue */
    bool frame_ready;        /* `frame` holds a complete, not yet executed frame */
    bool recv_filled;        /* the last recv filled all it asked for: more may wait */
    bool recv_multi;         /* the recv in flight is multishot (recv_inflight too) */
    bool recv_nowait;        /* the recv in flight is a non-waiting one (read_before_reply) */
    bool recv_plain_next;    /* the next recv is a plain one: big reads, or -ENOBUFS */
    const char *pending_error; /* protocol error to reply before closing */
    /* Input: bytes [in_start, in_end) are unconsumed; a frame starts at in_start. */
    uint8_t *in;
    uint32_t in_cap;
    uint32_t in_start;
    uint32_t in_end;
    uint32_t keep_start;     /* MULTI: queued frames start here (KV_KEEP_NONE if none) */
    uint8_t *small_in;
    uint8_t *large_in;       /* borrowed from the request pool, or NULL */
    /* Output: [out_sent, out_len) awaits sending. */
    uint8_t *out;
    uint32_t out_cap;
    uint32_t out_len;
    uint32_t out_sent;
    uint32_t send_len;       /* bytes of the send in flight */
    uint32_t recv_asked;     /* bytes the recv in flight may fill */
    uint32_t recv_left;      /* bytes the multishot recv in flight may still deliver */
    uint8_t *small_out;
    uint8_t *large_out;      /* borrowed from the reply pool, or NULL */
    uint64_t last_active_ns;
    uint64_t opened_ns;      /* accepted at (CLIENT LIST age) */
    /* Its addresses as the io gave them with the accept (CLIENT LIST, SLOWLOG). */
    bool peer_known;
    bool local_known;
    struct kv_io_peer peer;
    struct kv_io_peer local;
    bool paused;             /* its ready frame waits for CLIENT PAUSE to end */
    uint8_t block_retry;     /* blocked, its wake found no room: why (kv_block_wake) */
    uint64_t moved;          /* bytes received plus bytes sent, ever: the hold rule */
    /* The hold rule's window per pool (0: requests, 1: replies) began at hold_ns with
     * `moved` at hold_moved. One per pool: a check of the request pool must not
     * restart the window the reply pool is judging (sim seed 1024). */
    uint64_t hold_ns[2];
    uint64_t hold_moved[2];
    uint64_t pubsub_soft_ns; /* over pubsub-output-soft-limit since (0: not over) */
    bool plog_want;          /* among the backlog receivers of the message delivered now */
    uint64_t activity_mark;  /* kv_activity_note: the last epoch it was counted in */
    struct kv_ahead_peek ahead_peek; /* src/ahead.c's: only it reads this */
    struct kv_parser parser;
    struct kv_parse_result frame;
    struct kv_session session;
};

#define KV_KEEP_NONE UINT32_MAX
/* Each multishot recv buffer (--recv-buffers of them): a quarter of the client
 * buffer, at most 4 KiB. A multishot recv is armed only with a buffer's room. */
#define KV_RECV_BUF_MAX 4096u
static inline uint32_t kv_recv_buf_bytes(const struct kv_config *c) {
    return KV_MIN(c->client_buffer / 4, KV_RECV_BUF_MAX);
}

/* What the log has said of the counters it reports (server.c, "the log"). */
struct kv_server_said {
    uint64_t security;       /* stats.security_warnings seen */
    uint64_t hold;           /* stats.large_buffer_stall_disconnections seen */
    uint64_t evicted;        /* stats.evicted_keys seen */
    uint64_t security_ns;    /* when each warning was last logged */
    uint64_t hold_ns;
    bool security_logged;
    bool hold_logged;
};

struct kv_server {
    const struct kv_config *cfg; /* the live options (the engine's: CONFIG SET) */
    struct kv_io *io;
    const struct kv_clock *clock;
    struct kv_conn *conns;
    uint32_t conns_cap;      /* maxclients + reject slots */
    uint32_t clients_max;    /* maxclients */
    uint32_t *free_slots;    /* stack of free client slots */
    uint32_t free_count;
    uint32_t *reject_free;   /* stack of free reject slots */
    uint32_t reject_free_count;
    uint32_t *ready;         /* ring of slots to process */
    uint32_t ready_head;
    uint32_t ready_len;
    struct kv_bufpool pool_in;
    struct kv_bufpool pool_out;
    uint32_t *hold_in;       /* per request buffer: the holder's slot (or UINT32_MAX) */
    uint32_t *hold_out;      /* per reply buffer: the same */
    uint64_t stall_ns;       /* large-buffer-stall-ms */
    bool hold_armed;         /* the hold rule's timer is in flight */
    struct kv_slice *argv;
    uint64_t argc_max;
    struct kv_parse_limits limits, limits_unauth; /* the second: clients yet to AUTH */
    struct kv_engine engine;
    struct kv_net_stats net;     /* the server's counters (stats.h) */
    struct kv_keyspace ks;
    uint64_t next_client_id;
    uint64_t tick_ns;
    uint64_t turn_ns;        /* monotonic time of this loop turn's completions */
    bool turn_ns_valid;
    uint64_t shutdown_ns;    /* when shutdown began, 0 if running */
    struct kv_activity activity; /* connections sending per ms: the io batch plan */
    uint32_t batch_depth;        /* frames per read in the last turn that read (1..16) */
    uint32_t timeout_cursor;
    uint32_t live_conns;     /* slots not FREE (clients and rejects) */
    /* Frames parsed ahead, prefetching, the keyspace hint (src/ahead.c). */
    struct kv_ahead ahead;
    uint8_t *inline_buf;     /* inline frames are unescaped in a copy, here */
    bool recv_multi;         /* the io has multishot recv (recv_multi_setup) */
    uint32_t recv_buf_bytes; /* kv_recv_buf_bytes() */
    bool accept_armed;
    bool accept_rearm;       /* re-arm accept on the next tick (after EMFILE) */
    bool tick_armed;
    bool shutting_down;
    bool stopped;
    bool shutdown_requested; /* SHUTDOWN ran: kv_server_shutdown after this pass */
    uint64_t protocol_errors; /* requests refused as malformed (logged at verbose) */
    struct kv_log log;       /* drained through io (server.c, "the log") */
    struct kv_server_said said;
    /* The engine's view of the connections (CLIENT LIST/KILL/PAUSE, clients.h). */
    struct kv_engine_clients clients;
    uint64_t pause_end_ns;   /* CLIENT PAUSE: commands wait until then (monotonic) */
    bool pause_active;
    bool pause_writes;       /* only write commands wait (PAUSE WRITE) */
    bool pause_armed;        /* its timer is in flight */
    bool pubsub_delivering;  /* inside pubsub_deliver (the observer's in_delivery) */
    /* Lagging subscribers' messages (include/kv/pubsub_log.h, server.c "pub/sub
     * delivery"), and the receivers of the message being appended. */
    struct kv_plog plog;
    struct kv_plog_rcv *plog_rcv;
    struct kv_slice *plog_pats;
};

void kv_server_layout(const struct kv_config *cfg, struct kv_layout *layout);
void kv_server_init(struct kv_server *s, struct kv_config *cfg, struct kv_arena *arena,
                    struct kv_io *io, const struct kv_clock *clock, uint64_t seed);
void kv_server_start(struct kv_server *s);
/* One loop turn: submit, wait up to wait_ms, handle completions. False once the
 * server has shut down completely (after kv_server_shutdown). */
bool kv_server_run_once(struct kv_server *s, uint32_t wait_ms);
/* Graceful stop: no new connections, pending replies flushed, then false above. */
void kv_server_shutdown(struct kv_server *s);
/* Asserts every server invariant (pools, connection states, keyspace). */
void kv_server_check(const struct kv_server *s);
/* For the simulator's quiet-phase checks. */
struct kv_keyspace *kv_server_keyspace(struct kv_server *s);
const struct kv_net_stats *kv_server_stats(const struct kv_server *s);
struct kv_engine *kv_server_engine(struct kv_server *s);
uint32_t kv_server_connections(const struct kv_server *s);
struct kv_log *kv_server_log(struct kv_server *s);
bool kv_server_pools_full(const struct kv_server *s); /* every pooled buffer free */

#endif

/*
 * sim_io.h: the simulated world's clock and network, and the kv_io vtable over it.
 *
 * Network: per connection a pair of bounded byte pipes (client->server and
 * server->client). A write becomes visible to the reader after a per-write delay;
 * within one pipe the byte order never changes, across connections deliveries
 * interleave freely. The server reaches the network only through the kv_io vtable
 * (accept, recv, send, close, write, timeout, run, peer); clients use the sim_net_* calls.
 * Completions are generated and delivered only inside run(), in a seeded order.
 *
 * Faults (rates drawn per seed, all off in the quiet phase): partial recv/send,
 * delivery delay, clogged pipes, resets, recv -ENOBUFS, accept errors with and
 * without KV_IO_F_MORE, multishot accept ending, completions held back a run.
 *
 * Memory: every connection slot, pipe buffer, timer and completion record is
 * allocated once in sim_net_create(); nothing is allocated afterwards.
 * Invariants: at most one recv, one send and one close pending per handle; no
 * operation on a handle after its close was submitted; handles carry a
 * generation, so a stale handle is an assertion failure, not a silent reuse.
 */
#ifndef KV_SIM_IO_H
#define KV_SIM_IO_H

#include "kv/clock.h"
#include "kv/common.h"
#include "kv/io.h"
#include "kv/prng.h"

/* ---- clock -------------------------------------------------------------- */

struct sim_clock {
    uint64_t mono_ns;
    int64_t real_ms;
};

/* A kv_clock reading *c; it moves only when the simulator moves it. */
void sim_clock_init(struct sim_clock *c, struct kv_clock *out, int64_t real_ms);
void sim_clock_advance(struct sim_clock *c, uint64_t ns);
/* Realtime jumps forward (TTLs expire), monotonic time does not. */
void sim_clock_jump(struct sim_clock *c, int64_t ms);

/* ---- network ------------------------------------------------------------ */

struct sim_faults {
    uint32_t partial_recv_pct;  /* a recv returns 1..n of n available bytes */
    uint32_t partial_send_pct;
    uint32_t delay_max_ticks;   /* per-write delivery delay 0..max */
    uint32_t reset_ppm;         /* per open connection per tick */
    uint32_t clog_ppm;          /* per pipe per tick: no progress for a while */
    uint32_t clog_ticks_max;
    uint32_t enobufs_pct;       /* a ready recv fails with -ENOBUFS */
    uint32_t accept_error_pct;  /* -EMFILE / -ECONNABORTED instead of an accept */
    uint32_t accept_stop_pct;   /* a multishot accept or recv ends (no KV_IO_F_MORE) */
    uint32_t hold_pct;          /* a ready completion waits for a later run */
};

struct sim_net_config {
    uint32_t conn_cap;          /* connection slots (live + closing) */
    uint32_t pipe_bytes;        /* capacity of each pipe, power of two */
    uint32_t backlog;           /* connections waiting for accept */
    uint32_t timers;            /* pending timeouts */
    uint64_t seed;
};

enum sim_read {
    SIM_READ_EOF = -1,          /* the server closed and everything was read */
    SIM_READ_RESET = -2,        /* the connection was reset */
};

struct sim_net;

/* Called after each accept completion the server handled (conn = slot index). */
typedef void (*sim_accept_hook)(void *ctx, uint32_t conn);
/* Trace: every completion delivered, in order. */
typedef void (*sim_trace_hook)(void *ctx, const void *p, uint32_t n);

struct sim_net *sim_net_create(const struct sim_net_config *cfg, struct sim_clock *clock);
void sim_net_destroy(struct sim_net *n);
/* The kv_io over this network; io->complete is set by the server. */
struct kv_io *sim_net_io(struct sim_net *n);
void sim_net_set_faults(struct sim_net *n, const struct sim_faults *f);
void sim_net_set_hooks(struct sim_net *n, sim_accept_hook accept, sim_trace_hook trace,
                       void *ctx);
/* Once per tick before the server runs: faults that strike on their own. */
void sim_net_tick(struct sim_net *n, uint64_t tick);
/* Unclogs every pipe (quiet phase). */
void sim_net_calm(struct sim_net *n);
/* Canary (--canary=stall): the next server recv that finds data never completes (a
 * lost wake-up) until its handle is closed. The drain's liveness check must catch it. */
void sim_net_plant_stall(struct sim_net *n);

/* Client side. connect returns a slot index, or -1 (no slot or backlog full). */
int32_t sim_net_connect(struct sim_net *n);
/* The connection's peer address becomes a non-loopback one (10.0.0.x; else the
 * server sees 127.0.0.1): protected mode. Right after connect, before the accept. */
void sim_net_set_remote(struct sim_net *n, uint32_t conn);
/* Bytes accepted (the rest does not fit now). Writes after the server closed
 * vanish, as on a real socket before the peer's reset arrives. -1 if reset. */
int64_t sim_net_write(struct sim_net *n, uint32_t conn, const uint8_t *p, uint32_t len);
/* Bytes read (0: nothing visible yet), or enum sim_read. */
int64_t sim_net_read(struct sim_net *n, uint32_t conn, uint8_t *buf, uint32_t cap);
void sim_net_shutdown_write(struct sim_net *n, uint32_t conn); /* half-close */
void sim_net_close(struct sim_net *n, uint32_t conn);          /* the client is done */
void sim_net_reset(struct sim_net *n, uint32_t conn);          /* the client vanishes */
/* Flips one bit of a byte the client wrote but the server has not read yet. */
bool sim_net_corrupt(struct sim_net *n, uint32_t conn, uint64_t pick);
/* Server-side state, for checks. */
bool sim_net_server_closed(const struct sim_net *n, uint32_t conn);
uint64_t sim_net_serial(const struct sim_net *n, uint32_t conn);
/*
 * Ticks the connection's input has waited: bytes delivered to the server (visible
 * to its recv), neither pipe clogged, and the server has read none of them since.
 * With `silent`, also: room in the reply pipe at every tick and no send of the
 * server's finding less room than it carried (so the client is not what holds the
 * server back), and it has sent nothing since. 0: no delivered byte waits now.
 * Once the server closed the connection: the waits as of its close. A lost recv
 * wake-up (the stall canary) shows as a wait that only the server's close ends.
 */
uint64_t sim_net_input_wait(const struct sim_net *n, uint32_t conn, bool silent);
/* Bytes the client wrote that the server has not read yet. */
uint64_t sim_net_unread(const struct sim_net *n, uint32_t conn);

struct sim_net_stats {
    uint64_t completions;
    uint64_t accepts;
    uint64_t accept_errors;
    uint64_t partial_recvs;
    uint64_t partial_sends;
    uint64_t resets;
    uint64_t clogs;
    uint64_t enobufs;
    uint64_t held;
    uint64_t bytes_c2s;
    uint64_t bytes_s2c;
    uint32_t batch_hint_max; /* the largest `batch` the server passed to run() */
    uint32_t batch_windows_max; /* the largest `windows` it passed with it */
    uint64_t recv_nowait;    /* KV_IO_RECV_NOWAIT recvs the server asked for */
    uint64_t recv_eagain;    /* ... that found nothing and completed -EAGAIN */
    uint64_t log_lines;      /* lines the server's log wrote (the sink counts them) */
    uint64_t log_bytes;
    uint64_t recv_multi;     /* multishot recvs the server armed */
    uint64_t recv_multi_chunks; /* ... and the completions with bytes they posted */
};
const struct sim_net_stats *sim_net_stats(const struct sim_net *n);
/* Connections the server has accepted and not closed (its view: handles live). */
uint32_t sim_net_open_handles(const struct sim_net *n);

#endif

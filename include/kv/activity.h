/*
 * activity.h: how many connections are sending right now.
 *
 * The server asks the io backend to batch its waits (io.h, `batch`) only when many
 * connections are sending at once: then waiting a few microseconds for more
 * requests costs each of them little and saves wakeups; with a few connections the
 * same wait is pure latency. The count must not depend on how the server batches
 * (larger turns would raise a per-turn count and keep batching on by itself), so
 * it counts distinct connections per millisecond of arrivals, which a closed-loop
 * client's rate does not change: a connection that sends once a millisecond or
 * fifty times counts once.
 */
#ifndef KV_ACTIVITY_H
#define KV_ACTIVITY_H

#include "kv/common.h"

#define KV_ACTIVITY_EPOCH_NS 1000000ull /* 1 ms */

struct kv_activity {
    uint64_t epoch_ns;   /* start of the current epoch (its first arrival) */
    uint64_t epoch;      /* its number, from 1; a connection's mark says which it saw */
    uint32_t count;      /* distinct connections seen in this epoch */
    uint32_t last_count; /* the epoch before, or 0 if it did not end right at epoch_ns */
};

/*
 * A request arrived at now_ns on a connection whose mark is *conn_epoch (0 for a
 * new connection). Counts the connection once per epoch and updates its mark.
 * now_ns must not go backwards (monotonic clock).
 */
void kv_activity_note(struct kv_activity *a, uint64_t *conn_epoch, uint64_t now_ns);

/* Connections that sent during the last whole epoch before now_ns (0 when none
 * did: a quiet millisecond resets it). */
uint32_t kv_activity_recent(const struct kv_activity *a, uint64_t now_ns);

#define KV_BATCH_MIN_SENDING 32u /* batch only while at least this many send */
#define KV_BATCH_PER_SENDING 4u  /* ... and wait for a quarter of them */
#define KV_BATCH_WINDOW_REQUESTS 16u /* one batching window per this many requests */

/* How long the io backend may wait for a turn's completions (io.h, run()). */
struct kv_batch_plan {
    uint32_t batch;   /* completions to wait for: 0 = wake at the first */
    uint32_t windows; /* batching windows (--batch-wait-us each) to wait for them */
};

/*
 * The plan for `sending` connections (kv_activity_recent) whose reads brought
 * `depth` frames each (1 when not pipelining). Below KV_BATCH_MIN_SENDING, no
 * batching: a wait would be pure latency for a few clients. From there, wait for
 * a quarter of the senders (at most KV_IO_BATCH_MAX) over one window per
 * KV_BATCH_WINDOW_REQUESTS requests they would bring (1..KV_IO_WINDOWS_MAX):
 * 50 clients at P=1 wait for 12 over one window (30 us by default), 1000 clients
 * (~150 senders a millisecond) for 37 over two, 50 clients at P=16 for 12 over
 * four: pipelining clients trade latency for throughput already.
 */
struct kv_batch_plan kv_batch_plan(uint32_t sending, uint32_t depth);

#endif

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

#endif

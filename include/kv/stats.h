/*
 * stats.h: the server's counters (connections, bytes, reads and writes, buffer waits,
 * the hold rule). Each layer owns its counters and is the only one that writes them:
 *
 *   server    struct kv_net_stats     here (kv_server.net, written by server.c)
 *   engine    struct kv_engine_stats  engine.h (commands, protocol-level warnings)
 *   keyspace  struct kv_ks_stats      keyspace.h (hits, misses, expiry, eviction)
 *
 * INFO (an engine command) reads all three: the keyspace's and its own directly, the
 * server's through the const pointer the server hands the engine at init (the engine
 * sits below the server and cannot include server.h). Counters only grow; a gauge
 * (connected_clients) goes both ways. Nothing here allocates.
 */
#ifndef KV_STATS_H
#define KV_STATS_H

#include "kv/common.h"

struct kv_net_stats {
    uint64_t connected_clients;   /* gauge */
    uint64_t total_connections_received;
    uint64_t rejected_connections;
    uint64_t total_net_input_bytes;
    uint64_t total_net_output_bytes;
    uint64_t blocked_on_buffers;  /* times a connection waited for a large buffer */
    uint64_t large_buffer_stall_disconnections; /* the hold rule's (server.c) */
    uint64_t client_output_buffer_limit_disconnections; /* pub/sub's (server.c) */
    uint64_t stale_completions;
    uint64_t total_reads_processed;  /* recvs that brought bytes (as Redis counts reads) */
    uint64_t total_writes_processed; /* sends submitted */
    uint64_t recv_multishot_armed;   /* multishot recvs submitted (kv's own) */
    uint64_t pubsub_backlog_bytes;   /* gauge: the pub/sub backlog's bytes in use (kv's own) */
    uint64_t start_monotonic_ns;
    uint32_t tcp_port;
};

#endif

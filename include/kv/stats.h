/*
 * stats.h: the counters INFO reports. One struct, written by the layer that sees the
 * event: the server (connections, bytes, reads and writes, buffer waits, the hold
 * rule), the engine (commands, hits and misses), the keyspace (expiry, eviction).
 * The engine owns the struct; the others get a pointer at init.
 */
#ifndef KV_STATS_H
#define KV_STATS_H

#include "kv/common.h"

struct kv_stats {
    uint64_t connected_clients;
    uint64_t total_connections_received;
    uint64_t rejected_connections;
    uint64_t total_commands_processed;
    uint64_t total_net_input_bytes;
    uint64_t total_net_output_bytes;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
    uint64_t expired_keys;
    uint64_t evicted_keys;
    uint64_t evict_joins;         /* kv_ks_make_room joined free space by moving items */
    uint64_t evict_moved_bytes;   /* bytes those joins moved */
    uint64_t blocked_on_buffers;  /* times a connection waited for a large buffer */
    uint64_t large_buffer_stall_disconnections; /* the hold rule's (server.c) */
    uint64_t stale_completions;
    uint64_t total_reads_processed;  /* recvs that brought bytes (as Redis counts reads) */
    uint64_t total_writes_processed; /* sends submitted */
    uint64_t recv_multishot_armed;   /* multishot recvs submitted (kv's own) */
    uint64_t security_warnings;      /* POST / Host: connections closed (not in INFO) */
    uint64_t start_monotonic_ns;
    uint32_t tcp_port;
};

#endif

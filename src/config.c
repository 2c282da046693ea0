/*
 * config.c: options, their defaults, units and cross-checks; redis.conf syntax;
 * the disposition of every Redis 7 directive kv does not have; CONFIG GET/SET's
 * view of the options and CONFIG REWRITE's text.
 *
 * One table (kv_options) names every option once: its Redis name, its kind, where it
 * lives in struct kv_config, its help line and whether CONFIG SET may change it at
 * run time (NULL `fixed`) or why not. Parsing, --help, CONFIG GET/SET and REWRITE
 * all read that table, so an option cannot be documented but not parsed or the
 * reverse. A second table (directives) lists every other directive of Redis 7's
 * redis.conf and CONFIG GET *: accepted with a one-line warning (cannot matter to
 * kv), accepted only with its harmless value (`appendonly no`, `save ""`), or
 * refused with a message naming it (accepting it would mislead).
 *
 * Memory: nothing is allocated. Config files are read at startup into static
 * buffers of KV_CONFIG_FILE_MAX bytes, one per include level (KV_CONFIG_INCLUDE_DEPTH,
 * walked with an explicit stack, no recursion); the main file's text is kept for
 * CONFIG REWRITE, which composes into one more static buffer. Messages go into
 * caller buffers; warnings to the caller's kv_config_warn.
 */
#include "kv/config.h"
#include "kv/io.h"
#include "kv/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum opt_kind {
    OPT_STRING, OPT_U32, OPT_SIZE, OPT_U64, OPT_POLICY, OPT_FLAG, OPT_BIND, OPT_YESNO,
    OPT_I64
};

struct kv_option {
    const char *name;
    enum opt_kind kind;
    size_t offset;
    uint32_t size;          /* OPT_STRING: buffer size */
    const char *help;
    const char *fixed;      /* NULL: CONFIG SET may change it; else why it may not */
};

/* Why CONFIG SET refuses an option (the text after Redis's "... - "). */
#define WHY_ALLOC "can't be changed at run time: it sizes memory mapped at startup " \
                  "(would need allocation)"
#define WHY_LISTEN "can't be changed at run time: kv binds its listening socket once"
#define WHY_IO "can't be changed at run time: the io backend reads it once, at startup"
#define WHY_CMDLINE "can't set immutable config"

#define OPT(n, k, field, h, f) {n, k, offsetof(struct kv_config, field), \
                                sizeof(((struct kv_config *)0)->field), h, f}

static const struct kv_option kv_options[] = {
    OPT("bind", OPT_BIND, bind_spec, "addresses to listen on (up to 16; -addr: optional)",
        WHY_LISTEN),
    OPT("port", OPT_U32, port, "TCP port (0: any free port)", WHY_LISTEN),
    OPT("maxclients", OPT_U32, maxclients, "connection slots; client N+1 gets an error",
        WHY_ALLOC),
    OPT("maxmemory", OPT_SIZE, maxmemory,
        "keyspace budget: index + keys + values + list nodes", NULL),
    OPT("maxmemory-policy", OPT_POLICY, maxmemory_policy,
        "noeviction allkeys-lru volatile-lru allkeys-random volatile-random volatile-ttl "
        "(allkeys-lfu volatile-lfu: as lru)", NULL),
    OPT("maxmemory-samples", OPT_U32, maxmemory_samples, "keys sampled per eviction", NULL),
    OPT("maxmemory-eviction-keys", OPT_U64, maxmemory_eviction_keys,
        "keys one write may evict (0: as many as it needs)", NULL),
    OPT("maxmemory-eviction-move", OPT_SIZE, maxmemory_eviction_move,
        "bytes one write may move to join free space for a large value (0: no limit)", NULL),
    OPT("maxkeys", OPT_U64, maxkeys,
        "index slots (0: maxmemory/128); 8 bytes each, inside maxmemory; 90% usable",
        WHY_ALLOC),
    OPT("proto-max-bulk-len", OPT_SIZE, proto_max_bulk_len, "largest bulk string accepted",
        WHY_ALLOC),
    OPT("client-query-buffer-limit", OPT_SIZE, client_query_buffer_limit,
        "largest request and largest reply; size of each large buffer", WHY_ALLOC),
    OPT("client-buffer", OPT_SIZE, client_buffer,
        "per-connection receive buffer and send buffer, each", WHY_ALLOC),
    OPT("large-buffers", OPT_U32, large_buffers,
        "shared large buffers for big requests, and as many for big replies", WHY_ALLOC),
    OPT("multi-max-commands", OPT_U32, multi_max_commands, "commands queued per MULTI", NULL),
    OPT("proto-inline-max-size", OPT_SIZE, proto_inline_max_size,
        "longest inline (telnet-style) request line, terminator included", WHY_ALLOC),
    OPT("large-buffer-stall-ms", OPT_U32, large_buffer_stall_ms,
        "hold rule: while others wait, a large-buffer holder moving less than", NULL),
    OPT("large-buffer-min-progress", OPT_SIZE, large_buffer_min_progress,
        "hold rule: ... this many bytes per stall window is disconnected", NULL),
    OPT("watch-max-keys", OPT_U32, watch_max_keys,
        "keys one client may WATCH (past it: an error); index memory grows with it",
        WHY_ALLOC),
    OPT("block-max-keys", OPT_U32, block_max_keys,
        "keys one BLPOP/BRPOP/BLMPOP may wait on (past it: an error); sizes the wait queues",
        WHY_ALLOC),
    OPT("pubsub-max-channels", OPT_U32, pubsub_max_channels,
        "channels and patterns with subscribers, at most (0: maxclients)", WHY_ALLOC),
    OPT("pubsub-max-subscriptions", OPT_U32, pubsub_max_subscriptions,
        "subscriptions of all clients together, at most (0: 4 x maxclients)", WHY_ALLOC),
    OPT("pubsub-max-channel-len", OPT_U32, pubsub_max_channel_len,
        "longest channel or pattern name SUBSCRIBE takes (bytes)", WHY_ALLOC),
    OPT("pubsub-output-hard-limit", OPT_SIZE, pubsub_output_hard_limit,
        "a subscriber with more unsent bytes is disconnected (0: none; the output "
        "buffer's size always is one)", NULL),
    OPT("pubsub-output-soft-limit", OPT_SIZE, pubsub_output_soft_limit,
        "... and one over this many for pubsub-output-soft-seconds (0: none)", NULL),
    OPT("pubsub-output-soft-seconds", OPT_U32, pubsub_output_soft_seconds,
        "see pubsub-output-soft-limit (Redis's client-output-buffer-limit pubsub)", NULL),
    OPT("pubsub-backlog-bytes", OPT_SIZE, pubsub_backlog_bytes,
        "one ring shared by subscribers whose output is full: a message is kept once "
        "however many lag behind it (0: none, they are disconnected)", WHY_ALLOC),
    OPT("timeout", OPT_U64, timeout_s, "close clients idle this many seconds (0: never)", NULL),
    OPT("hz", OPT_U32, hz, "background ticks per second (active expiry, timeouts), 1..500",
        NULL),
    OPT("batch-wait-us", OPT_U32, batch_wait_us,
        "with 32+ clients sending, wait up to this long to batch them (0: off)", WHY_IO),
    OPT("busy-poll-us", OPT_U32, busy_poll_us,
        "before sleeping, watch for work this long (0: off); more CPU, fewer wakeups", WHY_IO),
    OPT("recv-buffers", OPT_U32, recv_buffers,
        "buffers shared by multishot recvs (client-buffer/4 bytes each, 4kb at most), "
        "a power of two (0: one recv per read)", WHY_ALLOC),
    OPT("requirepass", OPT_STRING, requirepass,
        "password clients must give (AUTH) before other commands (empty: none)", NULL),
    OPT("protected-mode", OPT_YESNO, protected_mode,
        "yes: without requirepass, only 127.0.0.1 and ::1 may connect", NULL),
    OPT("hash-max-listpack-entries", OPT_U64, hash_max_listpack_entries,
        "a hash is one packed block (listpack) up to this many fields", NULL),
    OPT("hash-max-ziplist-entries", OPT_U64, hash_max_listpack_entries,
        "alias of hash-max-listpack-entries", NULL),
    OPT("hash-max-listpack-value", OPT_U64, hash_max_listpack_value,
        "... and while no field or value is longer than this", NULL),
    OPT("hash-max-ziplist-value", OPT_U64, hash_max_listpack_value,
        "alias of hash-max-listpack-value", NULL),
    OPT("set-max-intset-entries", OPT_U64, set_max_intset_entries,
        "a set of integers is one packed sorted array (intset) up to this many", NULL),
    OPT("zset-max-listpack-entries", OPT_U64, zset_max_listpack_entries,
        "a sorted set is one packed block (listpack) up to this many members", NULL),
    OPT("zset-max-ziplist-entries", OPT_U64, zset_max_listpack_entries,
        "alias of zset-max-listpack-entries", NULL),
    OPT("zset-max-listpack-value", OPT_U64, zset_max_listpack_value,
        "... and while no member is longer than this", NULL),
    OPT("zset-max-ziplist-value", OPT_U64, zset_max_listpack_value,
        "alias of zset-max-listpack-value", NULL),
    OPT("stream-node-max-bytes", OPT_SIZE, stream_node_max_bytes,
        "a stream node takes entries while its Redis listpack size stays below this (0: 1gb)",
        NULL),
    OPT("stream-node-max-entries", OPT_U64, stream_node_max_entries,
        "... and while it has fewer entries, deleted ones included (0: no limit)", NULL),
    OPT("slowlog-log-slower-than", OPT_I64, slowlog_log_slower_than,
        "SLOWLOG records commands taking at least this many microseconds (-1: none)", NULL),
    OPT("slowlog-max-len", OPT_U32, slowlog_max_len,
        "SLOWLOG entries kept (each holds 32 cut arguments: --print-allocation)", WHY_ALLOC),
    OPT("latency-monitor-threshold", OPT_I64, latency_monitor_threshold,
        "LATENCY records events taking at least this many milliseconds (0: off)", NULL),
    OPT("latency-tracking", OPT_YESNO, latency_tracking,
        "per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM)", NULL),
    OPT("latency-tracking-info-percentiles", OPT_STRING, latency_tracking_info_percentiles,
        "percentiles INFO latencystats prints (at most 16, each 0..100)", NULL),
    OPT("loglevel", OPT_STRING, loglevel, "debug verbose notice warning nothing", NULL),
    OPT("logfile", OPT_STRING, logfile, "log file, appended to (\"\": standard output)",
        "can't be changed at run time: the log file is opened at startup"),
    OPT("log-buffer-size", OPT_SIZE, log_buffer_size,
        "the log's ring; lines logged while it is full are dropped and counted", WHY_ALLOC),
    OPT("print-allocation", OPT_FLAG, print_allocation,
        "print the startup allocation table and exit", WHY_CMDLINE),
    OPT("help", OPT_FLAG, help, "this text", WHY_CMDLINE),
};

void kv_config_defaults(struct kv_config *c) {
    KV_ASSERT(c != NULL);
    memset(c, 0, sizeof(*c));
    snprintf(c->bind, sizeof(c->bind), "%s", "127.0.0.1");
    snprintf(c->bind_spec, sizeof(c->bind_spec), "%s", "127.0.0.1");
    c->port = 6379;
    c->maxclients = 1024;
    c->maxmemory = 64ull << 20;
    c->maxmemory_policy = KV_EVICT_NOEVICTION;
    c->maxmemory_samples = 5;
    c->maxkeys = 0;
    c->proto_max_bulk_len = 1ull << 20;
    c->client_query_buffer_limit = 2ull << 20;
    c->client_buffer = 16u << 10;
    c->large_buffers = 8;
    c->multi_max_commands = 1024;
    c->proto_inline_max_size = 64u << 10;   /* Redis PROTO_INLINE_MAX_SIZE */
    c->large_buffer_stall_ms = 25;          /* README "Protection rules" */
    c->large_buffer_min_progress = 8u << 10;
    c->watch_max_keys = 32;
    c->block_max_keys = 32;
    c->pubsub_max_channel_len = 256;
    c->pubsub_output_hard_limit = 32ull << 20; /* Redis's client-output-buffer-limit */
    c->pubsub_output_soft_limit = 8ull << 20;  /* pubsub 32mb 8mb 60 */
    c->pubsub_output_soft_seconds = 60;
    c->pubsub_backlog_bytes = 8ull << 20; /* README "Pub/sub backlog" */
    c->slowlog_log_slower_than = 10000;     /* Redis's defaults */
    c->slowlog_max_len = 128;
    c->latency_tracking = true;
    snprintf(c->latency_tracking_info_percentiles,
             sizeof(c->latency_tracking_info_percentiles), "%s", "50 99 99.9");
    c->hash_max_listpack_entries = 512;  /* redis-server's built-in defaults */
    c->hash_max_listpack_value = 64;
    c->set_max_intset_entries = 512;
    c->zset_max_listpack_entries = 128;
    c->zset_max_listpack_value = 64;
    c->stream_node_max_bytes = 4096;
    c->stream_node_max_entries = 100;
    c->timeout_s = 0;
    c->hz = 10;
    c->batch_wait_us = 30; /* BENCHMARKS.md "Batching wait": measured 0, 30 and 50 */
    c->recv_buffers = 1024; /* BENCHMARKS.md "Multishot recv" */
    c->protected_mode = true; /* Redis's default */
    snprintf(c->loglevel, sizeof(c->loglevel), "%s", "notice"); /* Redis's default */
    c->log_buffer_size = 64u << 10; /* about 500 lines of 128 bytes between two drains */
    KV_ASSERT(kv_config_check(c, NULL, 0) == 0);
}

/* Redis's order in its "must be one of" message; kv's enum order differs. */
static const char *policy_names[] = {
    [KV_EVICT_NOEVICTION] = "noeviction",         [KV_EVICT_ALLKEYS_LRU] = "allkeys-lru",
    [KV_EVICT_VOLATILE_LRU] = "volatile-lru",     [KV_EVICT_ALLKEYS_RANDOM] = "allkeys-random",
    [KV_EVICT_VOLATILE_RANDOM] = "volatile-random", [KV_EVICT_VOLATILE_TTL] = "volatile-ttl",
    [KV_EVICT_ALLKEYS_LFU] = "allkeys-lfu",       [KV_EVICT_VOLATILE_LFU] = "volatile-lfu",
};

const char *kv_evict_policy_name(enum kv_evict_policy p) {
    KV_ASSERT((uint32_t)p < KV_ARRAY_LEN(policy_names));
    return policy_names[p];
}

/* Redis memtoull: digits then an optional unit; k/m/g are 1000s, kb/mb/gb 1024s. */
int kv_parse_size(const char *s, uint64_t *out) {
    KV_ASSERT(s != NULL && out != NULL);
    uint64_t v = 0;
    uint32_t i = 0;
    if (s[0] < '0' || s[0] > '9') return -1;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (i >= 20 || v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    static const struct { const char *unit; uint64_t mul; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1024}, {"m", 1000000},
        {"mb", 1048576}, {"g", 1000000000}, {"gb", 1073741824},
    };
    for (uint32_t u = 0; u < KV_ARRAY_LEN(units); u++) {
        if (strcasecmp(s + i, units[u].unit) != 0) continue;
        if (v > UINT64_MAX / units[u].mul) return -1;
        *out = v * units[u].mul;
        return 0;
    }
    return -1;
}

static int fail(char *err, uint32_t cap, const char *fmt, const char *a, const char *b) {
    if (err != NULL && cap > 0) snprintf(err, cap, fmt, a, b);
    return -1;
}

/* ---- the directives kv does not have ------------------------------------------
 *
 * Every other directive of Redis 7 (its redis.conf and CONFIG GET *), and what kv
 * does with it:
 *   D_WARN    accepted, whatever its value, with a one-line warning: it cannot matter
 *             to kv (an encoding threshold, a replication or persistence detail).
 *   D_ONLY    accepted with a warning if its value is `ok` (what kv does anyway:
 *             `appendonly no`, `save ""`); any other value is refused, naming it,
 *             because accepting it would mislead (`appendonly yes`).
 *   D_REFUSE  always refused, naming it (`rename-command`, `loadmodule`).
 *   D_OWNED   owned elsewhere (another branch adds the option; the lead merges and
 *             deletes the row): accepted with a warning here.
 * `get`: what CONFIG GET reports for it (kv's fixed value), or NULL: not reported.
 * CONFIG SET of a D_WARN/D_OWNED directive is accepted and does nothing, of a
 * D_ONLY one accepted with its `ok` value, refused (with `why`) otherwise.
 */
enum dir_kind { D_WARN, D_ONLY, D_REFUSE, D_OWNED, D_INCLUDE };

struct kv_directive {
    const char *name;
    enum dir_kind kind;
    const char *ok;     /* D_ONLY: the accepted value (args joined by spaces) */
    const char *why;
    const char *get;
};

#define W_PERSIST "kv has no persistence"
#define W_REPL "kv has no replication"
#define W_CLUSTER "kv has no cluster mode"
#define W_ENC "an encoding threshold: kv stores strings and lists its own way"
#define W_TLS "kv has no TLS"
#define W_NONE "no effect in kv"
#define W_THREADS "kv runs one thread on io_uring"
#define W_LAZY "kv frees memory synchronously, in bounded steps"
#define W_SCRIPT "kv has no scripting"
#define W_MEM "kv maps its memory once at startup (no allocator)"
#define W_DEFRAG "kv compacts its data region itself (maxmemory-eviction-move)"
#define W_UNIX "kv listens on TCP only"
#define W_LFU "LFU policies evict as LRU in kv"
#define W_ACL "kv has no ACL users"

static const struct kv_directive directives[] = {
    {"include", D_INCLUDE, NULL, NULL, NULL},
    /* the process */
    {"daemonize", D_WARN, NULL, "kv stays in the foreground: run it under a supervisor",
     "no"},
    {"supervised", D_WARN, NULL, "kv does not notify a supervisor here", NULL},
    {"pidfile", D_WARN, NULL, "kv writes no pid file", NULL},
    {"databases", D_WARN, NULL, "kv has one database (db 0)", "1"},
    {"always-show-logo", D_WARN, NULL, W_NONE, NULL},
    {"set-proc-title", D_WARN, NULL, W_NONE, NULL},
    {"proc-title-template", D_WARN, NULL, W_NONE, NULL},
    {"syslog-enabled", D_ONLY, "no", "kv logs to standard output", NULL},
    {"syslog-ident", D_WARN, NULL, "kv logs to standard output", NULL},
    {"syslog-facility", D_WARN, NULL, "kv logs to standard output", NULL},
    {"crash-log-enabled", D_WARN, NULL, W_NONE, NULL},
    {"crash-memcheck-enabled", D_WARN, NULL, W_NONE, NULL},
    {"shutdown-on-sigint", D_WARN, NULL, W_PERSIST, NULL},
    {"shutdown-on-sigterm", D_WARN, NULL, W_PERSIST, NULL},
    {"shutdown-timeout", D_WARN, NULL, W_REPL, NULL},
    {"oom-score-adj", D_WARN, NULL, W_NONE, NULL},
    {"oom-score-adj-values", D_WARN, NULL, W_NONE, NULL},
    {"disable-thp", D_WARN, NULL, W_MEM, NULL},
    {"jemalloc-bg-thread", D_WARN, NULL, W_MEM, NULL},
    {"ignore-warnings", D_WARN, NULL, W_NONE, NULL},
    {"enable-protected-configs", D_WARN, NULL, W_NONE, NULL},
    {"enable-debug-command", D_WARN, NULL, "kv has no DEBUG command", NULL},
    {"enable-module-command", D_WARN, NULL, "kv has no modules", NULL},
    {"loadmodule", D_REFUSE, NULL, "kv has no modules", NULL},
    {"rename-command", D_REFUSE, NULL, "kv cannot rename commands (it would keep its name)",
     NULL},
    /* network */
    {"tcp-backlog", D_WARN, NULL, "kv listens with its own backlog", NULL},
    {"tcp-keepalive", D_WARN, NULL, "kv sets no TCP keepalive", NULL},
    {"unixsocket", D_ONLY, "", W_UNIX, NULL},
    {"unixsocketperm", D_WARN, NULL, W_UNIX, NULL},
    {"socket-mark-id", D_WARN, NULL, W_NONE, NULL},
    {"io-threads", D_WARN, NULL, W_THREADS, "1"},
    {"io-threads-do-reads", D_WARN, NULL, W_THREADS, NULL},
    {"server_cpulist", D_WARN, NULL, W_THREADS, NULL},
    {"bio_cpulist", D_WARN, NULL, W_THREADS, NULL},
    {"aof_rewrite_cpulist", D_WARN, NULL, W_THREADS, NULL},
    {"bgsave_cpulist", D_WARN, NULL, W_THREADS, NULL},
    {"tls-port", D_ONLY, "0", W_TLS, NULL},
    {"tls-cert-file", D_WARN, NULL, W_TLS, NULL},
    {"tls-key-file", D_WARN, NULL, W_TLS, NULL},
    {"tls-key-file-pass", D_WARN, NULL, W_TLS, NULL},
    {"tls-client-cert-file", D_WARN, NULL, W_TLS, NULL},
    {"tls-client-key-file", D_WARN, NULL, W_TLS, NULL},
    {"tls-client-key-file-pass", D_WARN, NULL, W_TLS, NULL},
    {"tls-dh-params-file", D_WARN, NULL, W_TLS, NULL},
    {"tls-ca-cert-file", D_WARN, NULL, W_TLS, NULL},
    {"tls-ca-cert-dir", D_WARN, NULL, W_TLS, NULL},
    {"tls-auth-clients", D_WARN, NULL, W_TLS, NULL},
    {"tls-replication", D_WARN, NULL, W_TLS, NULL},
    {"tls-cluster", D_WARN, NULL, W_TLS, NULL},
    {"tls-protocols", D_WARN, NULL, W_TLS, NULL},
    {"tls-ciphers", D_WARN, NULL, W_TLS, NULL},
    {"tls-ciphersuites", D_WARN, NULL, W_TLS, NULL},
    {"tls-prefer-server-ciphers", D_WARN, NULL, W_TLS, NULL},
    {"tls-session-caching", D_WARN, NULL, W_TLS, NULL},
    {"tls-session-cache-size", D_WARN, NULL, W_TLS, NULL},
    {"tls-session-cache-timeout", D_WARN, NULL, W_TLS, NULL},
    /* persistence */
    {"save", D_ONLY, "", W_PERSIST, ""},
    {"appendonly", D_ONLY, "no", W_PERSIST, "no"},
    {"dir", D_WARN, NULL, W_PERSIST, NULL},
    {"dbfilename", D_WARN, NULL, W_PERSIST, NULL},
    {"stop-writes-on-bgsave-error", D_WARN, NULL, W_PERSIST, NULL},
    {"rdbcompression", D_WARN, NULL, W_PERSIST, NULL},
    {"rdbchecksum", D_WARN, NULL, W_PERSIST, NULL},
    {"rdb-del-sync-files", D_WARN, NULL, W_PERSIST, NULL},
    {"rdb-save-incremental-fsync", D_WARN, NULL, W_PERSIST, NULL},
    {"sanitize-dump-payload", D_WARN, NULL, W_PERSIST, NULL},
    {"appendfilename", D_WARN, NULL, W_PERSIST, NULL},
    {"appenddirname", D_WARN, NULL, W_PERSIST, NULL},
    {"appendfsync", D_WARN, NULL, W_PERSIST, NULL},
    {"no-appendfsync-on-rewrite", D_WARN, NULL, W_PERSIST, NULL},
    {"auto-aof-rewrite-percentage", D_WARN, NULL, W_PERSIST, NULL},
    {"auto-aof-rewrite-min-size", D_WARN, NULL, W_PERSIST, NULL},
    {"aof-load-truncated", D_WARN, NULL, W_PERSIST, NULL},
    {"aof-use-rdb-preamble", D_WARN, NULL, W_PERSIST, NULL},
    {"aof-timestamp-enabled", D_WARN, NULL, W_PERSIST, NULL},
    {"aof-rewrite-incremental-fsync", D_WARN, NULL, W_PERSIST, NULL},
    {"aof-disable-auto-gc", D_WARN, NULL, W_PERSIST, NULL},
    /* replication */
    {"replicaof", D_REFUSE, NULL, W_REPL, NULL},
    {"slaveof", D_REFUSE, NULL, W_REPL, NULL},
    {"masterauth", D_WARN, NULL, W_REPL, NULL},
    {"masteruser", D_WARN, NULL, W_REPL, NULL},
    {"min-replicas-to-write", D_ONLY, "0", W_REPL, NULL},
    {"min-slaves-to-write", D_ONLY, "0", W_REPL, NULL},
    {"min-replicas-max-lag", D_WARN, NULL, W_REPL, NULL},
    {"min-slaves-max-lag", D_WARN, NULL, W_REPL, NULL},
    {"replica-serve-stale-data", D_WARN, NULL, W_REPL, NULL},
    {"slave-serve-stale-data", D_WARN, NULL, W_REPL, NULL},
    {"replica-read-only", D_WARN, NULL, W_REPL, NULL},
    {"slave-read-only", D_WARN, NULL, W_REPL, NULL},
    {"replica-priority", D_WARN, NULL, W_REPL, NULL},
    {"slave-priority", D_WARN, NULL, W_REPL, NULL},
    {"replica-lazy-flush", D_WARN, NULL, W_REPL, NULL},
    {"slave-lazy-flush", D_WARN, NULL, W_REPL, NULL},
    {"replica-ignore-maxmemory", D_WARN, NULL, W_REPL, NULL},
    {"slave-ignore-maxmemory", D_WARN, NULL, W_REPL, NULL},
    {"replica-announce-ip", D_WARN, NULL, W_REPL, NULL},
    {"slave-announce-ip", D_WARN, NULL, W_REPL, NULL},
    {"replica-announce-port", D_WARN, NULL, W_REPL, NULL},
    {"slave-announce-port", D_WARN, NULL, W_REPL, NULL},
    {"replica-announced", D_WARN, NULL, W_REPL, NULL},
    {"replica-ignore-disk-write-errors", D_WARN, NULL, W_REPL, NULL},
    {"repl-diskless-sync", D_WARN, NULL, W_REPL, NULL},
    {"repl-diskless-sync-delay", D_WARN, NULL, W_REPL, NULL},
    {"repl-diskless-sync-max-replicas", D_WARN, NULL, W_REPL, NULL},
    {"repl-diskless-load", D_WARN, NULL, W_REPL, NULL},
    {"repl-disable-tcp-nodelay", D_WARN, NULL, W_REPL, NULL},
    {"repl-ping-replica-period", D_WARN, NULL, W_REPL, NULL},
    {"repl-ping-slave-period", D_WARN, NULL, W_REPL, NULL},
    {"repl-timeout", D_WARN, NULL, W_REPL, NULL},
    {"repl-backlog-size", D_WARN, NULL, W_REPL, NULL},
    {"repl-backlog-ttl", D_WARN, NULL, W_REPL, NULL},
    {"propagation-error-behavior", D_WARN, NULL, W_REPL, NULL},
    {"bind-source-addr", D_WARN, NULL, W_REPL, NULL},
    /* cluster, sentinel, ACL, pub/sub, scripting */
    {"cluster-enabled", D_ONLY, "no", W_CLUSTER, "no"},
    {"cluster-config-file", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-node-timeout", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-port", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-replica-validity-factor", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-slave-validity-factor", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-migration-barrier", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-allow-replica-migration", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-require-full-coverage", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-replica-no-failover", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-slave-no-failover", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-allow-reads-when-down", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-allow-pubsubshard-when-down", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-link-sendbuf-limit", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-announce-hostname", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-announce-ip", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-announce-port", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-announce-bus-port", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-announce-tls-port", D_WARN, NULL, W_CLUSTER, NULL},
    {"cluster-preferred-endpoint-type", D_WARN, NULL, W_CLUSTER, NULL},
    {"sentinel", D_REFUSE, NULL, "kv is not a sentinel", NULL},
    {"user", D_REFUSE, NULL, W_ACL, NULL},
    {"aclfile", D_ONLY, "", W_ACL, NULL},
    {"acllog-max-len", D_WARN, NULL, W_ACL, NULL},
    {"acl-pubsub-default", D_WARN, NULL, W_ACL, NULL},
    {"notify-keyspace-events", D_ONLY, "", "kv has no pub/sub", ""},
    {"tracking-table-max-keys", D_WARN, NULL, "kv has no client-side caching", NULL},
    {"lua-time-limit", D_WARN, NULL, W_SCRIPT, NULL},
    {"busy-reply-threshold", D_WARN, NULL, W_SCRIPT, NULL},
    /* memory and eviction */
    {"maxmemory-clients", D_ONLY, "0", "client buffers are mapped at startup, outside "
     "maxmemory", "0"},
    {"maxmemory-eviction-tenacity", D_WARN, NULL, "see maxmemory-eviction-keys", NULL},
    {"lfu-log-factor", D_WARN, NULL, W_LFU, NULL},
    {"lfu-decay-time", D_WARN, NULL, W_LFU, NULL},
    {"client-output-buffer-limit", D_WARN, NULL,
     "kv bounds replies by client-query-buffer-limit (its large reply buffers)", NULL},
    {"lazyfree-lazy-eviction", D_WARN, NULL, W_LAZY, NULL},
    {"lazyfree-lazy-expire", D_WARN, NULL, W_LAZY, NULL},
    {"lazyfree-lazy-server-del", D_WARN, NULL, W_LAZY, NULL},
    {"lazyfree-lazy-user-del", D_WARN, NULL, W_LAZY, NULL},
    {"lazyfree-lazy-user-flush", D_WARN, NULL, W_LAZY, NULL},
    {"activedefrag", D_WARN, NULL, W_DEFRAG, NULL},
    {"active-defrag-ignore-bytes", D_WARN, NULL, W_DEFRAG, NULL},
    {"active-defrag-threshold-lower", D_WARN, NULL, W_DEFRAG, NULL},
    {"active-defrag-threshold-upper", D_WARN, NULL, W_DEFRAG, NULL},
    {"active-defrag-cycle-min", D_WARN, NULL, W_DEFRAG, NULL},
    {"active-defrag-cycle-max", D_WARN, NULL, W_DEFRAG, NULL},
    {"active-defrag-max-scan-fields", D_WARN, NULL, W_DEFRAG, NULL},
    {"activerehashing", D_WARN, NULL, "kv's index grows in steps, without rehashing", NULL},
    {"active-expire-effort", D_WARN, NULL, "kv's expiry sweeps the index once a second",
     NULL},
    {"dynamic-hz", D_WARN, NULL, W_NONE, NULL},
    /* encodings of types kv stores its own way, or does not have */
    {"list-max-listpack-size", D_WARN, NULL, W_ENC, NULL},
    {"list-max-ziplist-size", D_WARN, NULL, W_ENC, NULL},
    {"list-compress-depth", D_WARN, NULL, W_ENC, NULL},
    {"hll-sparse-max-bytes", D_WARN, NULL, W_ENC, NULL},
};

static const struct kv_option *option_find(const char *name) {
    for (uint32_t i = 0; i < KV_ARRAY_LEN(kv_options); i++) {
        if (strcasecmp(kv_options[i].name, name) == 0) return &kv_options[i];
    }
    return NULL;
}

static const struct kv_directive *directive_find(const char *name) {
    for (uint32_t i = 0; i < KV_ARRAY_LEN(directives); i++) {
        if (strcasecmp(directives[i].name, name) == 0) return &directives[i];
    }
    return NULL;
}

/* ---- setting one option ------------------------------------------------------- */

/* How errors are worded: startup ("invalid value 'x' for option 'y'") or CONFIG SET
 * (Redis's text after "... - "). */
struct set_ctx {
    bool runtime;
    const struct kv_config_warn *warn;
    const char *where;      /* "file:line: " for warnings, or "" */
    char *err;
    uint32_t cap;
};

static void warn(const struct set_ctx *x, const char *fmt, const char *a, const char *b) {
    if (x->warn == NULL || x->warn->fn == NULL) return;
    char line[512], msg[400];
    snprintf(msg, sizeof(msg), fmt, a, b);
    snprintf(line, sizeof(line), "%s%s", x->where, msg);
    x->warn->fn(x->warn->ctx, line);
}

static int set_number(const struct kv_option *o, void *field, const char *value,
                      const struct set_ctx *x) {
    uint64_t v = 0;
    if (kv_parse_size(value, &v) != 0) {
        if (x->runtime)
            return fail(x->err, x->cap, "%s%s", o->kind == OPT_SIZE
                        ? "argument must be a memory value"
                        : "argument couldn't be parsed into an integer", "");
        return fail(x->err, x->cap, "invalid value '%s' for option '%s'", value, o->name);
    }
    if (o->offset == offsetof(struct kv_config, hz)) v = KV_MIN(KV_MAX(v, 1), 500); /* Redis */
    if (o->size == 8) {
        *(uint64_t *)field = v;
    } else {
        KV_ASSERT(o->size == 4 && o->kind != OPT_U64);
        if (v > UINT32_MAX)
            return fail(x->err, x->cap, "value '%s' too large for option '%s'", value, o->name);
        *(uint32_t *)field = (uint32_t)v;
    }
    return 0;
}

/* A signed option: -1 up to INT64_MAX (Redis's range for slowlog-log-slower-than),
 * 0 up to it for latency-monitor-threshold. */
static int set_signed(const struct kv_option *o, void *field, const char *value,
                      const struct set_ctx *x) {
    KV_ASSERT(o->kind == OPT_I64 && o->size == 8);
    bool from0 = o->offset == offsetof(struct kv_config, latency_monitor_threshold);
    errno = 0;
    char *end = NULL;
    long long v = strtoll(value, &end, 10);
    if (value[0] == 0 || *end != 0 || errno != 0) {
        if (x->runtime)
            return fail(x->err, x->cap, "%s%s", "argument couldn't be parsed into an integer", "");
        return fail(x->err, x->cap, "invalid value '%s' for option '%s'", value, o->name);
    }
    if (v < (from0 ? 0 : -1)) {
        if (x->runtime)
            return fail(x->err, x->cap, "argument must be between %s and %s inclusive",
                        from0 ? "0" : "-1", "9223372036854775807");
        return fail(x->err, x->cap, "invalid value '%s' for option '%s'", value, o->name);
    }
    *(int64_t *)field = v;
    return 0;
}

int kv_config_percentiles(const char *text, double *out, uint32_t cap) {
    KV_ASSERT(text != NULL && cap > 0);
    uint32_t n = 0;
    const char *p = text;
    for (uint32_t guard = 0; guard <= KV_PERCENTILES_MAX; guard++) {
        while (*p == ' ') p++;
        if (*p == 0) return (int)n;
        char *end = NULL;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || (*end != ' ' && *end != 0) || errno != 0 || v != v) return -1;
        if (v < 0.0 || v > 100.0) return -2;
        if (n == cap) return -1;
        out[n++] = v;
        p = end;
    }
    return -1;
}

/* Redis's "%f" with the trailing zeros (and a bare point) trimmed: 99.9, 50. */
static uint32_t format_percentile(char *out, uint32_t cap, double v) {
    int w = snprintf(out, cap, "%f", v);
    KV_ASSERT(w > 0 && (uint32_t)w < cap);
    while (w > 1 && out[w - 1] == '0') w--;
    if (out[w - 1] == '.') w--;
    out[w] = 0;
    return (uint32_t)w;
}

/* latency-tracking-info-percentiles: kept as Redis prints it back (CONFIG GET). */
static int set_percentiles(char *field, uint32_t size, const char *value,
                           const struct set_ctx *x) {
    double v[KV_PERCENTILES_MAX];
    int n = kv_config_percentiles(value, v, KV_PERCENTILES_MAX);
    if (n == -2)
        return fail(x->err, x->cap, "%s%s", "latency-tracking-info-percentiles parameters "
                    "should sit between [0.0,100.0]", "");
    if (n < 0)
        return fail(x->err, x->cap, "%s%s", "Invalid latency-tracking-info-percentiles "
                    "parameters", "");
    char text[KV_PERCENTILES_MAX * 24];
    uint32_t len = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0) text[len++] = ' ';
        len += format_percentile(text + len, (uint32_t)sizeof(text) - len, v[i]);
    }
    text[len] = 0;
    if (len >= size) return fail(x->err, x->cap, "%s%s", "Invalid latency-tracking-info-"
                                 "percentiles parameters", "");
    memcpy(field, text, len + 1);
    return 0;
}

static int set_policy(struct kv_config *c, const char *value, const struct set_ctx *x) {
    for (uint32_t p = 0; p < KV_ARRAY_LEN(policy_names); p++) {
        if (strcasecmp(policy_names[p], value) != 0) continue;
        c->maxmemory_policy = (enum kv_evict_policy)p;
        if (p == KV_EVICT_ALLKEYS_LFU || p == KV_EVICT_VOLATILE_LFU)
            warn(x, "maxmemory-policy %s: evicts as %s (kv keeps no access frequency)",
                 value, p == KV_EVICT_ALLKEYS_LFU ? "allkeys-lru" : "volatile-lru");
        return 0;
    }
    if (x->runtime)
        return fail(x->err, x->cap, "%s%s", "argument(s) must be one of the following: "
                    "volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
                    "allkeys-lfu, allkeys-random, noeviction", "");
    return fail(x->err, x->cap, "invalid value '%s' for option '%s'", value, "maxmemory-policy");
}

/*
 * `bind`: up to 16 addresses, a leading '-' marks one optional (skipped when it
 * cannot be bound because it is not on this machine, as Redis skips it). kv listens
 * on every one (src/io_uring.c); c->bind holds them normalized, the '-' kept: `*` is
 * 0.0.0.0 and `::*` is :: (Redis 7); `localhost` is 127.0.0.1, what Redis 7 binds
 * for it (a name without ':' resolves as IPv4). bind_spec keeps them as given.
 */
static int bind_addr(const char *word, char *out, uint32_t cap) {
    const char *a = word[0] == '-' ? word + 1 : word;
    if (strcmp(a, "*") == 0) a = "0.0.0.0";
    else if (strcmp(a, "::*") == 0) a = "::";
    else if (strcasecmp(a, "localhost") == 0) a = "127.0.0.1";
    uint8_t bin[16];
    if (strlen(a) >= cap || (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1))
        return -1;
    snprintf(out, cap, "%s%s", word[0] == '-' ? "-" : "", a);
    return 0;
}

/* One value with spaces ("127.0.0.1 -::1", as --bind or CONFIG SET give it) is
 * split into words, as Redis splits a multi-argument option given as one. */
static uint32_t bind_split(char *one, char **words, uint32_t cap) {
    uint32_t n = 0;
    KV_ASSERT(one != NULL && cap > 0);
    for (char *p = strtok(one, " "); p != NULL && n <= cap; p = strtok(NULL, " ")) {
        if (n == cap) return cap + 1; /* too many */
        words[n++] = p;
    }
    return n;
}

static int set_bind(struct kv_config *c, uint32_t argc, char **argv, const struct set_ctx *x) {
    char one[KV_BIND_SPEC_MAX], *words[17];
    if (argc == 1 && strchr(argv[0], ' ') != NULL && strlen(argv[0]) < sizeof(one)) {
        snprintf(one, sizeof(one), "%s", argv[0]);
        argc = bind_split(one, words, 17);
        argv = words;
    }
    if (argc < 1 || argc > 16)
        return fail(x->err, x->cap, "%s%s", x->runtime ? "Too many bind addresses specified."
                    : "bind: one to sixteen addresses", "");
    char spec[KV_BIND_SPEC_MAX], list[KV_BIND_SPEC_MAX], addr[64];
    uint32_t n = 0, m = 0;
    for (uint32_t i = 0; i < argc; i++) {
        if (bind_addr(argv[i], addr, sizeof(addr)) != 0)
            return fail(x->err, x->cap, "bind: '%s' is not an IP address (kv takes addresses, "
                        "*, ::* and localhost)%s", argv[i], "");
        int w = snprintf(spec + n, sizeof(spec) - n, "%s%s", i ? " " : "", argv[i]);
        int v = snprintf(list + m, sizeof(list) - m, "%s%s", i ? " " : "", addr);
        if (w < 0 || (uint32_t)w >= sizeof(spec) - n || v < 0 ||
            (uint32_t)v >= sizeof(list) - m)
            return fail(x->err, x->cap, "bind: %s%s", "too long", "");
        n += (uint32_t)w;
        m += (uint32_t)v;
    }
    KV_ASSERT(n < sizeof(spec) && m < sizeof(list));
    memcpy(c->bind, list, m + 1);
    memcpy(c->bind_spec, spec, n + 1);
    return 0;
}

/* argv joined by spaces (what D_ONLY compares); `quote`: an empty word or one with
 * a space in "" (what messages show). */
static void join(uint32_t argc, char **argv, char *out, uint32_t cap, bool quote) {
    uint32_t n = 0;
    out[0] = 0;
    for (uint32_t i = 0; i < argc && n + 1 < cap; i++) {
        bool q = quote && (argv[i][0] == 0 || strchr(argv[i], ' ') != NULL);
        int w = snprintf(out + n, cap - n, "%s%s%s%s", i ? " " : "", q ? "\"" : "", argv[i],
                         q ? "\"" : "");
        if (w < 0) break;
        n = KV_MIN(n + (uint32_t)w, cap - 1);
    }
}

static int set_directive(const struct kv_directive *d, uint32_t argc, char **argv,
                         const struct set_ctx *x) {
    char val[160], shown[160], both[200];
    join(argc, argv, val, sizeof(val), false);
    join(argc, argv, shown, sizeof(shown), true);
    snprintf(both, sizeof(both), "%s%s%s", d->name, argc ? " " : "", shown);
    bool ok_value = d->kind == D_ONLY && strcasecmp(val, d->ok) == 0;
    if (d->kind == D_REFUSE || (d->kind == D_ONLY && !ok_value)) {
        if (x->runtime) return fail(x->err, x->cap, "%s%s", d->why, "");
        return fail(x->err, x->cap, "'%s' is not supported: %s", both, d->why);
    }
    KV_ASSERT(d->kind == D_WARN || d->kind == D_OWNED || ok_value);
    warn(x, "'%s' accepted, ignored: %s", both, d->why);
    return 0;
}

static int set_option(struct kv_config *c, const struct kv_option *o, uint32_t argc,
                      char **argv, const struct set_ctx *x) {
    void *field = (uint8_t *)c + o->offset;
    if (o->kind == OPT_FLAG) {
        if (argc != 0) return fail(x->err, x->cap, "option '%s' takes no value%s", o->name, "");
        *(bool *)field = true;
        return 0;
    }
    if (o->kind == OPT_BIND) return set_bind(c, argc, argv, x);
    if (o->offset == offsetof(struct kv_config, latency_tracking_info_percentiles)) {
        char words[KV_PERCENTILES_MAX * 24]; /* redis.conf's form: one number per word */
        join(argc, argv, words, sizeof(words), false);
        if (strlen(words) + 1 >= sizeof(words)) /* cut: too long to be 16 numbers */
            return fail(x->err, x->cap, "%s%s", "Invalid latency-tracking-info-percentiles "
                        "parameters", "");
        return set_percentiles((char *)field, o->size, words, x);
    }
    if (argc == 0) return fail(x->err, x->cap, "option '%s' needs a value%s", o->name, "");
    if (argc > 1) return fail(x->err, x->cap, "option '%s' takes one value%s", o->name, "");
    const char *value = argv[0];
    if (o->kind == OPT_STRING) {
        if (strlen(value) >= o->size) { /* not quoted: it may be a password */
            char most[16];
            snprintf(most, sizeof(most), "%u", o->size - 1);
            return fail(x->err, x->cap, "option '%s' takes at most %s bytes", o->name, most);
        }
        snprintf((char *)field, o->size, "%s", value);
        return 0;
    }
    if (o->kind == OPT_YESNO) {
        bool yes_no = strcasecmp(value, "yes") == 0 || strcasecmp(value, "no") == 0;
        if (!yes_no && x->runtime) /* CONFIG SET: Redis's text */
            return fail(x->err, x->cap, "%s%s", "argument must be 'yes' or 'no'", "");
        if (!yes_no)
            return fail(x->err, x->cap, "argument of '%s' must be 'yes' or 'no'%s", o->name, "");
        *(bool *)field = strcasecmp(value, "yes") == 0;
        return 0;
    }
    if (o->kind == OPT_POLICY) return set_policy(c, value, x);
    if (o->kind == OPT_I64) return set_signed(o, field, value, x);
    return set_number(o, field, value, x);
}

/* One directive with its arguments: a kv option, or a row of `directives`. */
static int set_args(struct kv_config *c, const char *name, uint32_t argc, char **argv,
                    const struct set_ctx *x) {
    KV_ASSERT(c != NULL && name != NULL);
    const struct kv_option *o = option_find(name);
    if (o != NULL) return set_option(c, o, argc, argv, x);
    const struct kv_directive *d = directive_find(name);
    if (d != NULL && d->kind != D_INCLUDE) return set_directive(d, argc, argv, x);
    return fail(x->err, x->cap, "unknown option '%s'%s", name, "");
}

int kv_config_set(struct kv_config *c, const char *name, const char *value, char *err,
                  uint32_t err_cap) {
    struct set_ctx x = {false, NULL, "", err, err_cap};
    char *argv[1] = {(char *)value};
    return set_args(c, name, value != NULL ? 1 : 0, argv, &x);
}

static bool is_flag(const char *name) {
    const struct kv_option *o = option_find(name);
    return o != NULL && o->kind == OPT_FLAG;
}

/* "--name v1 v2 ...": every word up to the next "--name" is a value (as Redis). */
int kv_config_parse_args(struct kv_config *c, int argc, char **argv, int first, char *err,
                         uint32_t err_cap) {
    KV_ASSERT(c != NULL && first >= 0);
    struct set_ctx x = {false, NULL, "", err, err_cap};
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0) {
            c->help = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0)
            return fail(err, err_cap, "unexpected argument '%s'%s", a, "");
        const char *name = a + 2;
        int n = 0;
        while (!is_flag(name) && i + 1 + n < argc && strncmp(argv[i + 1 + n], "--", 2) != 0)
            n++;
        if (n == 0 && !is_flag(name) && (option_find(name) || directive_find(name)))
            return fail(err, err_cap, "option '%s' needs a value%s", a, "");
        if (n > KV_CONFIG_ARGS_MAX) return fail(err, err_cap, "too many values for '%s'%s", a, "");
        if (set_args(c, name, (uint32_t)n, argv + i + 1, &x) != 0) return -1;
        i += n;
    }
    return 0;
}

/* ---- redis.conf syntax ------------------------------------------------------- */

static int hex_digit(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static bool is_space(char ch) {
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\v' || ch == '\f';
}

/* One "..." escape at p (p[0] == '\\'): the byte it stands for; *used: bytes read. */
static char unescape(const char *p, const char *end, uint32_t *used) {
    *used = 2;
    if (end - p >= 4 && p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
        *used = 4;
        return (char)(hex_digit(p[2]) * 16 + hex_digit(p[3]));
    }
    switch (p[1]) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return p[1];
    }
}

/*
 * Redis's sdssplitargs, byte for byte in what it accepts: words separated by
 * spaces; "..." with \xHH \n \r \t \b \a and \<any>; '...' with \' only; a closing
 * quote must be followed by a space or the end; quotes may begin inside a word
 * (foo"bar baz" is one word). Each word is NUL-terminated in buf (len + 1 bytes
 * suffice: escapes only shrink). -1: unbalanced quotes or too many words.
 */
int kv_config_split(const char *line, uint32_t len, char *buf, char **argv, uint32_t argv_cap) {
    KV_ASSERT(line != NULL && buf != NULL && argv != NULL);
    const char *p = line, *end = line + len;
    uint32_t n = 0, out = 0;
    while (p < end) {
        while (p < end && is_space(*p)) p++;
        if (p == end) break;
        if (n == argv_cap) return -1;
        argv[n++] = buf + out;
        bool inq = false, insq = false;
        for (;;) {
            if (inq || insq) {
                char q = inq ? '"' : '\'';
                if (p == end) return -1;                       /* unterminated */
                if (inq && p[0] == '\\' && end - p >= 2) {
                    uint32_t used;
                    buf[out++] = unescape(p, end, &used);
                    p += used;
                } else if (insq && p[0] == '\\' && end - p >= 2 && p[1] == '\'') {
                    buf[out++] = '\'';
                    p += 2;
                } else if (*p == q) {
                    p++;
                    if (p < end && !is_space(*p)) return -1;  /* "foo"bar */
                    break;
                } else {
                    buf[out++] = *p++;
                }
            } else if (p == end || is_space(*p)) {
                break;
            } else if (*p == '"' || *p == '\'') {
                inq = *p == '"';
                insq = *p == '\'';
                p++;
            } else {
                buf[out++] = *p++;
            }
        }
        buf[out++] = 0;
        KV_ASSERT(out <= len + 1);
    }
    return (int)n;
}

/* A file read whole into buf (startup only; regular files, at most cap - 1 bytes). */
static int read_file(const char *path, char *buf, uint32_t cap, uint32_t *len, char *err,
                     uint32_t err_cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot open config file '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size >= cap) {
        close(fd);
        snprintf(err, err_cap, "cannot read config file '%s' (a regular file of at most %u "
                 "KiB)", path, cap >> 10);
        return -1;
    }
    uint32_t n = 0;
    for (uint32_t tries = 0; tries < 64 && n + 1 < cap; tries++) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) break;
        n += (uint32_t)r;
    }
    close(fd);
    buf[n] = 0;
    *len = n;
    return 0;
}

struct frame {
    const char *text;
    uint32_t len, pos, line;
    const char *path;      /* for messages */
};

/* Include buffers: level 0 is the caller's text (or main_text), 1.. the includes. */
static char include_text[KV_CONFIG_INCLUDE_DEPTH - 1][KV_CONFIG_FILE_MAX];
static char include_path[KV_CONFIG_INCLUDE_DEPTH - 1][PATH_MAX];

/* The next line of f, trimmed of " \t\r\n" (Redis's sdstrim), into *p / *n. */
static void next_line(struct frame *f, const char **p, uint32_t *n) {
    uint32_t start = f->pos, end = start;
    while (end < f->len && f->text[end] != '\n') end++;
    f->pos = end < f->len ? end + 1 : end;
    f->line++;
    while (start < end && is_space(f->text[start])) start++;
    while (end > start && is_space(f->text[end - 1])) end--;
    *p = f->text + start;
    *n = end - start;
}

static int push_include(struct frame *st, uint32_t *depth, uint32_t argc, char **argv,
                        char *err, uint32_t cap) {
    if (argc != 1) return fail(err, cap, "include: %s%s", "takes one file", "");
    if (*depth == KV_CONFIG_INCLUDE_DEPTH)
        return fail(err, cap, "include '%s': nested deeper than %s levels", argv[0], "4");
    uint32_t level = *depth - 1;  /* buffer of the new level */
    snprintf(include_path[level], sizeof(include_path[level]), "%s", argv[0]);
    uint32_t len = 0;
    if (read_file(argv[0], include_text[level], KV_CONFIG_FILE_MAX, &len, err, cap) != 0)
        return -1;
    st[*depth] = (struct frame){include_text[level], len, 0, 0, include_path[level]};
    (*depth)++;
    return 0;
}

/* One line: skipped, an include pushed, or a directive set. */
static int parse_line(struct kv_config *c, struct frame *st, uint32_t *depth,
                      const struct kv_config_warn *w, char *err, uint32_t cap) {
    struct frame *f = &st[*depth - 1];
    const char *p;
    uint32_t n;
    next_line(f, &p, &n);
    if (n == 0 || p[0] == '#') return 0;
    char where[PATH_MAX + 32];
    snprintf(where, sizeof(where), "%s:%u: ", f->path, f->line);
    if (n >= KV_CONFIG_LINE_MAX)
        return fail(err, cap, "%sline longer than %s bytes", where, "4095");
    char buf[KV_CONFIG_LINE_MAX];
    char *argv[KV_CONFIG_ARGS_MAX];
    int argc = kv_config_split(p, n, buf, argv, KV_CONFIG_ARGS_MAX);
    if (argc < 0) return fail(err, cap, "%sUnbalanced quotes in configuration line%s", where, "");
    if (argc == 0) return 0;
    int rc;
    if (strcasecmp(argv[0], "include") == 0) {
        rc = push_include(st, depth, (uint32_t)argc - 1, argv + 1, err, cap);
    } else {
        struct set_ctx x = {false, w, where, err, cap};
        rc = set_args(c, argv[0], (uint32_t)argc - 1, argv + 1, &x);
    }
    if (rc == 0 || err == NULL || cap == 0) return rc;
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err);
    if (strncmp(msg, where, strlen(where)) != 0) snprintf(err, cap, "%s%s", where, msg);
    return -1;
}

static int parse_frames(struct kv_config *c, struct frame *st, const struct kv_config_warn *w,
                        char *err, uint32_t cap) {
    uint32_t depth = 1;
    /* Each pass consumes a line of some level or pops one: bounded by the bytes. */
    uint64_t passes_max = (uint64_t)KV_CONFIG_INCLUDE_DEPTH * (KV_CONFIG_FILE_MAX + 2);
    for (uint64_t pass = 0; pass < passes_max && depth > 0; pass++) {
        struct frame *f = &st[depth - 1];
        if (f->pos >= f->len) {
            depth--;
            continue;
        }
        if (parse_line(c, st, &depth, w, err, cap) != 0) return -1;
    }
    KV_ASSERT(depth == 0);
    return 0;
}

int kv_config_parse_text_warn(struct kv_config *c, const char *text, uint32_t len,
                              const struct kv_config_warn *w, char *err, uint32_t err_cap) {
    KV_ASSERT(c != NULL && text != NULL);
    struct frame st[KV_CONFIG_INCLUDE_DEPTH];
    st[0] = (struct frame){text, len, 0, 0, "config"};
    return parse_frames(c, st, w, err, err_cap);
}

int kv_config_parse_text(struct kv_config *c, const char *text, uint32_t len, char *err,
                         uint32_t err_cap) {
    return kv_config_parse_text_warn(c, text, len, NULL, err, err_cap);
}

/* The main config file, kept for CONFIG REWRITE. */
static char main_text[KV_CONFIG_FILE_MAX];
static uint32_t main_len;
static char main_path[PATH_MAX];
static bool main_loaded;

int kv_config_load_file(struct kv_config *c, const char *path, const struct kv_config_warn *w,
                        char *err, uint32_t err_cap) {
    KV_ASSERT(c != NULL && path != NULL);
    if (strlen(path) >= sizeof(main_path))
        return fail(err, err_cap, "config file path too long%s%s", "", "");
    if (read_file(path, main_text, sizeof(main_text), &main_len, err, err_cap) != 0) return -1;
    snprintf(main_path, sizeof(main_path), "%s", path);
    main_loaded = true;
    struct frame st[KV_CONFIG_INCLUDE_DEPTH];
    st[0] = (struct frame){main_text, main_len, 0, 0, main_path};
    return parse_frames(c, st, w, err, err_cap);
}

/* ---- run time: CONFIG GET / SET / REWRITE ------------------------------------ */

/* CONFIG GET's names: the options (not the command-line flags), then the directives
 * with a fixed value in kv. */
static const struct kv_option *get_option(uint32_t i) {
    uint32_t seen = 0;
    for (uint32_t k = 0; k < KV_ARRAY_LEN(kv_options); k++) {
        if (kv_options[k].kind == OPT_FLAG) continue;
        if (seen++ == i) return &kv_options[k];
    }
    return NULL;
}

static const struct kv_directive *get_directive(uint32_t i) {
    uint32_t seen = 0;
    for (uint32_t k = 0; k < KV_ARRAY_LEN(directives); k++) {
        if (directives[k].get == NULL) continue;
        if (seen++ == i) return &directives[k];
    }
    return NULL;
}

static uint32_t options_gettable(void) {
    uint32_t n = 0;
    for (uint32_t k = 0; k < KV_ARRAY_LEN(kv_options); k++) n += kv_options[k].kind != OPT_FLAG;
    return n;
}

const char *kv_config_get_name(uint32_t i) {
    uint32_t n = options_gettable();
    if (i < n) return get_option(i)->name;
    const struct kv_directive *d = get_directive(i - n);
    return d != NULL ? d->name : NULL;
}

uint32_t kv_config_get_value(const struct kv_config *c, uint32_t i, char *buf, uint32_t cap) {
    KV_ASSERT(c != NULL && cap >= KV_CONFIG_VALUE_MAX);
    uint32_t n = options_gettable();
    int w;
    if (i >= n) {
        const struct kv_directive *d = get_directive(i - n);
        KV_ASSERT(d != NULL);
        w = snprintf(buf, cap, "%s", d->get);
    } else {
        const struct kv_option *o = get_option(i);
        const void *field = (const uint8_t *)c + o->offset;
        if (o->kind == OPT_STRING || o->kind == OPT_BIND)
            w = snprintf(buf, cap, "%s", (const char *)field);
        else if (o->kind == OPT_POLICY)
            w = snprintf(buf, cap, "%s", kv_evict_policy_name(c->maxmemory_policy));
        else if (o->kind == OPT_YESNO)
            w = snprintf(buf, cap, "%s", *(const bool *)field ? "yes" : "no");
        else if (o->kind == OPT_I64)
            w = snprintf(buf, cap, "%lld", (long long)*(const int64_t *)field);
        else if (o->size == 8)
            w = snprintf(buf, cap, "%llu", (unsigned long long)*(const uint64_t *)field);
        else
            w = snprintf(buf, cap, "%u", *(const uint32_t *)field);
    }
    KV_ASSERT(w >= 0 && (uint32_t)w < cap);
    return (uint32_t)w;
}

bool kv_config_same_option(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

int kv_config_runtime_name(const char *name, char *err, uint32_t err_cap) {
    KV_ASSERT(name != NULL);
    const struct kv_option *o = option_find(name);
    if (o != NULL) return o->fixed == NULL ? 0 : fail(err, err_cap, "%s%s", o->fixed, "");
    const struct kv_directive *d = directive_find(name);
    return d == NULL || d->kind == D_INCLUDE ? -2 : 0;
}

int kv_config_runtime_set(struct kv_config *next, const char *name, const char *value,
                          uint64_t mapped, char *err, uint32_t err_cap) {
    KV_ASSERT(next != NULL && name != NULL && value != NULL);
    struct set_ctx x = {true, NULL, "", err, err_cap};
    char *argv[1];
    const struct kv_option *o = option_find(name);
    if (o == NULL) {
        const struct kv_directive *d = directive_find(name);
        if (d == NULL || d->kind == D_INCLUDE) return -2;
        argv[0] = (char *)value;
        return set_directive(d, value[0] ? 1 : 0, argv, &x);
    }
    if (o->fixed != NULL) return fail(err, err_cap, "%s%s", o->fixed, "");
    argv[0] = (char *)value;  /* one value, as Redis's typed configs take it */
    if (set_option(next, o, 1, argv, &x) != 0) return -1;
    if (o->offset == offsetof(struct kv_config, maxmemory)) {
        if (next->maxmemory == 0) next->maxmemory = mapped;   /* Redis: 0 = no limit */
        if (next->maxmemory > mapped) {
            char m[32];
            snprintf(m, sizeof(m), "%llu", (unsigned long long)mapped);
            return fail(err, err_cap, "can't be raised above the %s bytes mapped at startup "
                        "(would need allocation)%s", m, "");
        }
    }
    return 0;
}

/*
 * CONFIG REWRITE's text: the original file line by line; a line setting a kv option
 * becomes "name value" with the current value (its first occurrence; later ones are
 * dropped, as Redis does); every other line (comments, directives, include) stays.
 * Options the file does not set and whose value differs from the default follow,
 * after Redis's "# Generated by CONFIG REWRITE" line.
 */
struct out_buf {
    char *p;
    uint32_t len, cap;
    bool full;
};

static void out_add(struct out_buf *o, const char *s, uint32_t n) {
    if (o->full || n > o->cap - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void out_option(struct out_buf *o, const struct kv_config *c, uint32_t i) {
    char v[KV_CONFIG_VALUE_MAX];
    uint32_t n = kv_config_get_value(c, i, v, sizeof(v));
    const char *name = kv_config_get_name(i);
    out_add(o, name, (uint32_t)strlen(name));
    out_add(o, " ", 1);
    if (n == 0) out_add(o, "\"\"", 2);
    else out_add(o, v, n);
    out_add(o, "\n", 1);
}

static int32_t gettable_index(const char *name) {
    uint32_t n = options_gettable();
    for (uint32_t i = 0; i < n; i++) {
        if (strcasecmp(get_option(i)->name, name) == 0) return (int32_t)i;
    }
    return -1;
}

int64_t kv_config_rewrite_text(const struct kv_config *c, const char *orig, uint32_t orig_len,
                               char *out, uint32_t out_cap) {
    KV_ASSERT(c != NULL && out != NULL);
    KV_ASSERT(options_gettable() <= 64);
    struct out_buf o = {out, 0, out_cap, false};
    struct frame f = {orig, orig_len, 0, 0, ""};
    uint64_t written = 0;
    bool marker = false;
    static const char mark[] = "# Generated by CONFIG REWRITE";
    for (uint32_t lines = 0; lines <= orig_len && f.pos < f.len; lines++) {
        uint32_t start = f.pos, n;
        const char *p;
        next_line(&f, &p, &n);
        uint32_t raw_end = f.pos;  /* the line as it was, newline included */
        char buf[KV_CONFIG_LINE_MAX], *argv[KV_CONFIG_ARGS_MAX];
        int argc = n > 0 && n < KV_CONFIG_LINE_MAX && p[0] != '#'
                       ? kv_config_split(p, n, buf, argv, KV_CONFIG_ARGS_MAX) : 0;
        if (n == sizeof(mark) - 1 && memcmp(p, mark, n) == 0) marker = true;
        int32_t i = argc > 0 ? gettable_index(argv[0]) : -1;
        if (i < 0) {
            out_add(&o, orig + start, raw_end - start);
            if (raw_end == f.len && raw_end > start && orig[raw_end - 1] != '\n')
                out_add(&o, "\n", 1);
        } else if (!(written & (1ull << i))) {
            written |= 1ull << i;
            out_option(&o, c, (uint32_t)i);
        }
    }
    struct kv_config d;
    kv_config_defaults(&d);
    for (uint32_t i = 0; i < options_gettable(); i++) {
        char a[KV_CONFIG_VALUE_MAX], b[KV_CONFIG_VALUE_MAX];
        uint32_t an = kv_config_get_value(c, i, a, sizeof(a));
        uint32_t bn = kv_config_get_value(&d, i, b, sizeof(b));
        if ((written & (1ull << i)) || (an == bn && memcmp(a, b, an) == 0)) continue;
        if (!marker) {
            out_add(&o, mark, sizeof(mark) - 1);
            out_add(&o, "\n", 1);
        }
        marker = true;
        out_option(&o, c, i);
    }
    return o.full ? -1 : (int64_t)o.len;
}

static char rewrite_out[KV_CONFIG_FILE_MAX];

/* Writes path.tmp, syncs it and renames it over the file (atomic, as Redis 7). */
static int write_whole(const char *path, const char *text, uint32_t len) {
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof(tmp), "%s.rewrite-tmp", path);
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644; /* keep the file's */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    (void)fchmod(fd, mode);
    uint32_t done = 0;
    for (uint32_t tries = 0; tries < 64 && done < len; tries++) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno != EINTR) break;
        if (w > 0) done += (uint32_t)w;
    }
    int rc = done == len && fsync(fd) == 0 ? 0 : -(errno ? errno : EIO);
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
    if (rc != 0) unlink(tmp);
    return rc;
}

int kv_config_rewrite(const struct kv_config *c, char *err, uint32_t err_cap) {
    KV_ASSERT(c != NULL && err != NULL);
    if (!main_loaded) return fail(err, err_cap, "ERR The server is running without a config "
                                  "file%s%s", "", "");
    int64_t n = kv_config_rewrite_text(c, main_text, main_len, rewrite_out, sizeof(rewrite_out));
    if (n < 0) return fail(err, err_cap, "ERR Rewriting config file: %s%s",
                           "the result would exceed the 256 KiB buffer", "");
    int rc = write_whole(main_path, rewrite_out, (uint32_t)n);
    if (rc != 0) return fail(err, err_cap, "ERR Rewriting config file: %s%s", strerror(-rc), "");
    memcpy(main_text, rewrite_out, (size_t)n);  /* the next rewrite starts from it */
    main_len = (uint32_t)n;
    KV_ASSERT(main_len < sizeof(main_text));
    return 0;
}

/* The derived default is rounded down to a multiple of 256 (from 4096 slots on) so
 * the index can start 256 times smaller and grow fourfold (include/kv/table.h). */
uint64_t kv_config_maxkeys(const struct kv_config *c) {
    uint64_t slots = c->maxkeys != 0 ? c->maxkeys : c->maxmemory / 128;
    if (c->maxkeys == 0 && slots >= 4096) slots &= ~(uint64_t)255;
    return slots < 16 ? 16 : slots;
}

uint32_t kv_config_pubsub_channels(const struct kv_config *c) {
    uint64_t n = c->pubsub_max_channels != 0 ? c->pubsub_max_channels : c->maxclients;
    return (uint32_t)KV_MIN(KV_MAX(n, 1), 1ull << 30);
}

uint32_t kv_config_pubsub_subscriptions(const struct kv_config *c) {
    uint64_t n = c->pubsub_max_subscriptions != 0 ? c->pubsub_max_subscriptions
                                                  : 4ull * c->maxclients;
    return (uint32_t)KV_MIN(KV_MAX(n, 1), 1ull << 30);
}

uint64_t kv_config_argc_max(const struct kv_config *c) {
    /* "$0\r\n\r\n" is the smallest argument: 6 bytes. */
    return c->client_query_buffer_limit / 6 + 1;
}

uint64_t kv_config_argv_max(const struct kv_config *c) {
    return KV_MAX(kv_config_argc_max(c), (uint64_t)c->proto_inline_max_size / 2 + 1);
}

/* The static tables sized per client: WATCH, blocked clients, pub/sub. */
static int check_tables(const struct kv_config *c, char *err, uint32_t cap) {
    KV_ASSERT(c != NULL && c->maxclients >= 1); /* checked first by the caller */
    if (c->watch_max_keys < 1 || c->watch_max_keys > 65536)
        return fail(err, cap, "watch-max-keys: %s%s", "must be 1..65536", "");
    if ((uint64_t)c->watch_max_keys * c->maxclients > (1u << 26))
        return fail(err, cap, "watch-max-keys: %s%s",
                    "times maxclients must be at most 67108864", "");
    if (c->block_max_keys < 1 || c->block_max_keys > 4096)
        return fail(err, cap, "block-max-keys: %s%s", "must be 1..4096", "");
    if ((uint64_t)c->block_max_keys * c->maxclients > (1u << 26))
        return fail(err, cap, "block-max-keys: %s%s",
                    "times maxclients must be at most 67108864", "");
    if (c->pubsub_max_channel_len < 1 || c->pubsub_max_channel_len > 65536)
        return fail(err, cap, "pubsub-max-channel-len: %s%s", "must be 1..65536", "");
    if ((uint64_t)kv_config_pubsub_channels(c) * c->pubsub_max_channel_len > (1ull << 32))
        return fail(err, cap, "pubsub-max-channels: %s%s",
                    "times pubsub-max-channel-len must be at most 4gb", "");
    if (kv_config_pubsub_channels(c) > (1u << 26) ||
        kv_config_pubsub_subscriptions(c) > (1u << 26))
        return fail(err, cap, "pubsub-max-channels: %s%s",
                    "and pubsub-max-subscriptions must be at most 67108864", "");
    if (c->pubsub_backlog_bytes > (1ull << 30)) /* KV_PLOG_MAX_BYTES */
        return fail(err, cap, "pubsub-backlog-bytes: %s%s", "must be at most 1gb", "");
    return 0;
}

int kv_config_check(const struct kv_config *c, char *err, uint32_t cap) {
    KV_ASSERT(c != NULL);
    if (c->port > 65535) return fail(err, cap, "port: %s%s", "must be 0..65535", "");
    if (c->maxclients < 1 || c->maxclients > (1u << 20))
        return fail(err, cap, "maxclients: %s%s", "must be 1..1048576", "");
    if (c->maxmemory < (64u << 10))
        return fail(err, cap, "maxmemory: %s%s", "must be at least 64kb", "");
    if (c->maxmemory > (8ull << 30))
        return fail(err, cap, "maxmemory: %s%s", "must be at most 8gb (30-bit block sizes)", "");
    uint64_t slots = kv_config_maxkeys(c);
    if (slots > UINT32_MAX / 2 || slots * 8 > c->maxmemory / 2)
        return fail(err, cap, "maxkeys: %s%s", "index would take more than half of maxmemory", "");
    if (c->client_buffer < 256 || c->client_buffer > (64u << 20))
        return fail(err, cap, "client-buffer: %s%s", "must be 256 bytes..64mb", "");
    if (c->client_query_buffer_limit < c->client_buffer ||
        c->client_query_buffer_limit > (1ull << 31))
        return fail(err, cap, "client-query-buffer-limit: %s%s",
                    "must be between client-buffer and 2gb", "");
    /* client_query_buffer_limit >= client_buffer >= 256 here: no wrap below */
    if (c->proto_max_bulk_len < 1 || c->proto_max_bulk_len > c->client_query_buffer_limit - 64)
        return fail(err, cap, "proto-max-bulk-len: %s%s",
                    "must be at least 1 and at most client-query-buffer-limit - 64", "");
    if (c->large_buffers < 1 || c->large_buffers > 65536)
        return fail(err, cap, "large-buffers: %s%s", "must be 1..65536", "");
    if (c->batch_wait_us > 1000)
        return fail(err, cap, "batch-wait-us: %s%s", "must be 0..1000", "");
    if (c->busy_poll_us > 1000)
        return fail(err, cap, "busy-poll-us: %s%s", "must be 0..1000", "");
    if (c->recv_buffers != 0 && !kv_io_recv_bufs_ok(c->recv_buffers))
        return fail(err, cap, "recv-buffers: %s%s", "must be 0 or a power of two up to 32768", "");
    if (c->multi_max_commands < 1 || c->multi_max_commands > (1u << 20))
        return fail(err, cap, "multi-max-commands: %s%s", "must be 1..1048576", "");
    if ((uint64_t)c->multi_max_commands * 256 > c->client_query_buffer_limit / 2)
        return fail(err, cap, "multi-max-commands: %s%s",
                    "times 256 must be at most half of client-query-buffer-limit", "");
    if (c->proto_inline_max_size < 64 ||
        c->proto_inline_max_size > c->client_query_buffer_limit)
        return fail(err, cap, "proto-inline-max-size: %s%s",
                    "must be between 64 bytes and client-query-buffer-limit", "");
    if (c->large_buffer_stall_ms < 1 || c->large_buffer_stall_ms > 3600000)
        return fail(err, cap, "large-buffer-stall-ms: %s%s", "must be 1..3600000", "");
    if (c->large_buffer_min_progress > (1u << 30))
        return fail(err, cap, "large-buffer-min-progress: %s%s", "must be at most 1gb", "");
    if (c->slowlog_max_len > 65536)
        return fail(err, cap, "slowlog-max-len: %s%s", "must be at most 65536", "");
    if (check_tables(c, err, cap) != 0) return -1;
    if (c->maxmemory_samples < 1 || c->maxmemory_samples > 64)
        return fail(err, cap, "maxmemory-samples: %s%s", "must be 1..64", "");
    if (c->hz < 1 || c->hz > 500) return fail(err, cap, "hz: %s%s", "must be 1..500", "");
    enum kv_log_level level;
    if (!kv_log_level_parse(c->loglevel, &level))
        return fail(err, cap, "loglevel: %s%s",
                    "must be debug, verbose, notice, warning or nothing", "");
    if (c->log_buffer_size < KV_LOG_RING_MIN || c->log_buffer_size > (64u << 20))
        return fail(err, cap, "log-buffer-size: %s%s", "must be 4kb..64mb", "");
    if (c->timeout_s > 365ull * 24 * 3600)
        return fail(err, cap, "timeout: %s%s", "must be at most one year", "");
    return 0;
}

static void put(int fd, const char *s) {
    ssize_t w = write(fd, s, strlen(s));
    (void)w;
}

void kv_config_print_help(int fd) {
    struct kv_config d;
    kv_config_defaults(&d);
    put(fd, "Usage: kv [config-file] [--option value ...]\n"
            "       kv sim --seed N [--ticks T]   (deterministic simulator)\n\n"
            "Options (Redis names; sizes take units: 1k=1000 1kb=1024 mb gb):\n");
    for (uint32_t i = 0; i < KV_ARRAY_LEN(kv_options); i++) {
        const struct kv_option *o = &kv_options[i];
        const void *field = (const uint8_t *)&d + o->offset;
        char def[64] = "";
        if (o->kind == OPT_STRING || o->kind == OPT_BIND)
            snprintf(def, sizeof(def), "%s", (const char *)field);
        else if (o->kind == OPT_POLICY) snprintf(def, sizeof(def), "%s",
                                                 kv_evict_policy_name(d.maxmemory_policy));
        else if (o->kind == OPT_FLAG) def[0] = 0;
        else if (o->kind == OPT_YESNO) snprintf(def, sizeof(def), "%s",
                                                *(const bool *)field ? "yes" : "no");
        else if (o->kind == OPT_I64) snprintf(def, sizeof(def), "%lld",
                                              (long long)*(const int64_t *)field);
        else if (o->size == 8) snprintf(def, sizeof(def), "%llu",
                                        (unsigned long long)*(const uint64_t *)field);
        else snprintf(def, sizeof(def), "%u", *(const uint32_t *)field);
        char line[256];
        snprintf(line, sizeof(line), "  --%-26s %-12s %s\n", o->name, def, o->help);
        put(fd, line);
    }
    put(fd, "\nMemory: everything is mapped at startup; see --print-allocation.\n"
            "Index capacity: maxkeys slots (default maxmemory/128, a multiple of 256), of\n"
            "which 90% may hold keys; a full index answers like a full memory (-OOM, or\n"
            "eviction). The index uses a part of its slots sized to the keys it holds\n"
            "(from 1/256, growing fourfold at 3/4 full); the rest stays reserved.\n");
}

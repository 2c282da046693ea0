/*
 * config.h: every limit kv has, in one place, and the sizes derived from them.
 *
 * Options use Redis's names where Redis has one (--port, --maxclients, ...), kv's
 * own otherwise. Sizes accept Redis's units (1k = 1000, 1kb = 1024, mb, gb).
 * kv_config_parse_args() understands "--name value" arguments, kv_config_parse_text()
 * Redis-style config-file lines "name value"; both set options through
 * kv_config_set().
 * kv_config_check() refuses impossible configurations with a message naming the
 * option. Nothing here allocates.
 */
#ifndef KV_CONFIG_H
#define KV_CONFIG_H

#include "kv/common.h"

enum kv_evict_policy {
    KV_EVICT_NOEVICTION = 0,
    KV_EVICT_ALLKEYS_LRU,
    KV_EVICT_VOLATILE_LRU,
    KV_EVICT_ALLKEYS_RANDOM,
    KV_EVICT_VOLATILE_RANDOM,
    KV_EVICT_VOLATILE_TTL,
};

struct kv_config {
    char bind[64];
    uint32_t port;
    uint32_t maxclients;            /* connection slots */
    uint64_t maxmemory;             /* keyspace budget: index + keys + values + lists */
    enum kv_evict_policy maxmemory_policy;
    uint32_t maxmemory_samples;
    uint64_t maxmemory_eviction_keys; /* keys one write may evict; 0 = as many as it needs */
    uint64_t maxmemory_eviction_move; /* bytes one write may move to join free space; 0 = any */
    uint64_t maxkeys;               /* index capacity; 0 = derived (maxmemory / 128) */
    uint64_t proto_max_bulk_len;    /* largest bulk string a client may send */
    uint64_t client_query_buffer_limit; /* largest request; size of one large buffer */
    uint32_t client_buffer;         /* per-connection small recv and send buffer */
    uint32_t large_buffers;         /* large buffers per direction (input, output) */
    uint32_t multi_max_commands;    /* commands queued per MULTI */
    uint32_t proto_inline_max_size; /* longest inline request line (Redis: 64kb, fixed) */
    uint32_t large_buffer_stall_ms; /* hold rule: see src/server.c "Holding a large buffer" */
    uint32_t large_buffer_min_progress; /* bytes a holder must move per stall window */
    uint32_t watch_max_keys;        /* keys one client may WATCH (kv's own limit) */
    uint64_t timeout_s;             /* idle client timeout, 0 = never */
    uint32_t hz;                    /* ticks per second: active expiry, timeouts */
    uint32_t batch_wait_us;         /* io_uring min-wait window for busy times (0: off) */
    uint32_t busy_poll_us;          /* watch the ring this long before sleeping (0: off) */
    uint32_t recv_buffers;          /* multishot recv buffers, a power of two (0: off) */
    char loglevel[16];              /* debug verbose notice warning nothing (log.h) */
    char logfile[256];              /* "": stdout, as Redis */
    uint32_t log_buffer_size;       /* the log's ring (src/log.c): full drops lines */
    bool print_allocation;          /* print the allocation table and exit */
    bool help;
};

void kv_config_defaults(struct kv_config *c);

/*
 * Parses argv[first..argc). Returns 0, or -1 with a message in err (naming the
 * option). Non-option words other than a leading config-file path are refused.
 */
int kv_config_parse_args(struct kv_config *c, int argc, char **argv, int first, char *err,
                         uint32_t err_cap);
/* One "name value" pair (config-file line or option without "--"). */
int kv_config_set(struct kv_config *c, const char *name, const char *value, char *err,
                  uint32_t err_cap);
/* Parses a whole config file's text (lines "name value", '#' comments). */
int kv_config_parse_text(struct kv_config *c, const char *text, uint32_t len, char *err,
                         uint32_t err_cap);
/* Cross-option checks: 0 if the configuration is possible, else -1 and a message. */
int kv_config_check(const struct kv_config *c, char *err, uint32_t err_cap);
/* Parses "64mb"-style sizes like Redis's memtoull. Returns 0 on success. */
int kv_parse_size(const char *s, uint64_t *out);
/* Writes --help text to fd. */
void kv_config_print_help(int fd);

/* Derived sizes. */
uint64_t kv_config_maxkeys(const struct kv_config *c);
/* Most arguments a multibulk request can carry: each takes at least 6 bytes. */
uint64_t kv_config_argc_max(const struct kv_config *c);
/* argv's size: the multibulk bound, or an inline line's most words (line / 2 + 1). */
uint64_t kv_config_argv_max(const struct kv_config *c);
const char *kv_evict_policy_name(enum kv_evict_policy p);

#endif

/*
 * config.h: every limit kv has, in one place, and the sizes derived from them.
 *
 * Options use Redis's names where Redis has one (--port, --maxclients, ...), kv's
 * own otherwise. Sizes accept Redis's units (1k = 1000, 1kb = 1024, mb, gb, any
 * case). kv_config_parse_args() understands "--name value..." arguments,
 * kv_config_parse_text() / kv_config_load_file() redis.conf syntax (Redis's
 * tokenizer: "..." with escapes, '...', comments; `include`); both set options
 * through one table. Every directive of Redis 7's redis.conf that is not a kv
 * option is either accepted with a one-line warning (it cannot matter to kv) or
 * refused with a message naming it (accepting it would mislead): the directive
 * table in config.c.
 * kv_config_check() refuses impossible configurations with a message naming the
 * option. Nothing here allocates: files are read into static buffers of stated
 * sizes (KV_CONFIG_FILE_MAX, KV_CONFIG_INCLUDE_DEPTH), at startup; CONFIG REWRITE
 * composes into another static buffer.
 *
 * At run time (CONFIG GET/SET, src/cmd_config.c) the options are read and changed
 * through kv_config_get_* / kv_config_runtime_set(), which say which options may
 * change without allocation.
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
    /* LFU: accepted with a warning; the keyspace evicts them as LRU (the item header
     * keeps a last-access clock, no frequency counter). */
    KV_EVICT_ALLKEYS_LFU,
    KV_EVICT_VOLATILE_LFU,
};

#define KV_CONFIG_FILE_MAX (256u << 10)  /* bytes of one config file */
#define KV_CONFIG_INCLUDE_DEPTH 4        /* the main file and three nested includes */
#define KV_CONFIG_LINE_MAX 4096          /* bytes of one config line */
#define KV_CONFIG_ARGS_MAX 32            /* words on one line */
#define KV_BIND_SPEC_MAX 256             /* `bind` as given: up to 16 addresses */

struct kv_config {
    char bind[KV_BIND_SPEC_MAX];    /* the addresses kv listens on, normalized ("-::1") */
    char bind_spec[KV_BIND_SPEC_MAX]; /* `bind` as given ("127.0.0.1 -::1"): CONFIG GET */
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
    uint32_t block_max_keys;        /* keys one blocking pop may wait on (kv's own limit) */
    uint32_t pubsub_max_channels;   /* channel table entries; 0 = maxclients */
    uint32_t pubsub_max_subscriptions; /* subscription slots; 0 = 4 x maxclients */
    uint32_t pubsub_max_channel_len; /* bytes of a channel or pattern name */
    uint64_t pubsub_output_hard_limit; /* client-output-buffer-limit pubsub: hard */
    uint64_t pubsub_output_soft_limit; /* soft limit, held pubsub_output_soft_seconds */
    uint32_t pubsub_output_soft_seconds;
    uint64_t pubsub_backlog_bytes;  /* the shared backlog of lagging subscribers (0: none) */
    uint64_t timeout_s;             /* idle client timeout, 0 = never */
    uint32_t hz;                    /* ticks per second: active expiry, timeouts */
    uint32_t batch_wait_us;         /* io_uring min-wait window for busy times (0: off) */
    uint32_t busy_poll_us;          /* watch the ring this long before sleeping (0: off) */
    uint32_t recv_buffers;          /* multishot recv buffers, a power of two (0: off) */
    uint64_t hash_max_listpack_entries; /* a hash packs while it has at most this many */
    uint64_t hash_max_listpack_value;   /* ... and no field or value longer than this */
    uint64_t set_max_intset_entries;    /* an integer set packs up to this many */
    uint64_t zset_max_listpack_entries; /* a sorted set packs while it has at most this many */
    uint64_t zset_max_listpack_value;   /* ... and no member longer than this */
    uint64_t stream_node_max_bytes;     /* a stream node's Redis listpack bytes (0: 1 GiB) */
    uint64_t stream_node_max_entries;   /* a stream node's entries (0: no limit) */
    int64_t slowlog_log_slower_than; /* µs; -1: SLOWLOG records nothing, 0: everything */
    uint32_t slowlog_max_len;       /* SLOWLOG ring entries, sized at startup */
    int64_t latency_monitor_threshold; /* ms; 0: the latency monitor is off (Redis's) */
    bool latency_tracking;          /* per-command histograms (INFO latencystats) */
    char latency_tracking_info_percentiles[128]; /* "50 99 99.9", normalised as Redis */
    char requirepass[256];          /* AUTH password of user "default"; "" = none */
    bool protected_mode;            /* no requirepass: only loopback peers (Redis's) */
    char loglevel[16];              /* debug verbose notice warning nothing (log.h) */
    char logfile[256];              /* "": stdout, as Redis */
    uint32_t log_buffer_size;       /* the log's ring (src/log.c): full drops lines */
    bool print_allocation;          /* print the allocation table and exit */
    bool help;
};

void kv_config_defaults(struct kv_config *c);

/* latency-tracking-info-percentiles' values: the count written to out, -1 if the text
 * is not a list of at most cap numbers, -2 if one is outside [0, 100]. */
#define KV_PERCENTILES_MAX 16u
int kv_config_percentiles(const char *text, double *out, uint32_t cap);

/*
 * Parses argv[first..argc). Returns 0, or -1 with a message in err (naming the
 * option). Non-option words other than a leading config-file path are refused.
 */
int kv_config_parse_args(struct kv_config *c, int argc, char **argv, int first, char *err,
                         uint32_t err_cap);
/* One "name value" pair (config-file line or option without "--"). */
int kv_config_set(struct kv_config *c, const char *name, const char *value, char *err,
                  uint32_t err_cap);
/* Told each warning line (a directive accepted that does nothing in kv). */
struct kv_config_warn {
    void (*fn)(void *ctx, const char *line);
    void *ctx;
};
/* Parses a whole config file's text in redis.conf syntax (warnings dropped). */
int kv_config_parse_text(struct kv_config *c, const char *text, uint32_t len, char *err,
                         uint32_t err_cap);
int kv_config_parse_text_warn(struct kv_config *c, const char *text, uint32_t len,
                              const struct kv_config_warn *w, char *err, uint32_t err_cap);
/* Reads and parses a config file (startup only); remembers it for CONFIG REWRITE. */
int kv_config_load_file(struct kv_config *c, const char *path, const struct kv_config_warn *w,
                        char *err, uint32_t err_cap);
/* Redis's sdssplitargs: words of one line into buf (at least len + 1 bytes), argv
 * pointing into it. Returns the word count, or -1 on unbalanced quotes (or more
 * than argv_cap words). */
int kv_config_split(const char *line, uint32_t len, char *buf, char **argv, uint32_t argv_cap);
/* Cross-option checks: 0 if the configuration is possible, else -1 and a message. */
int kv_config_check(const struct kv_config *c, char *err, uint32_t err_cap);
/* Parses "64mb"-style sizes like Redis's memtoull. Returns 0 on success. */
int kv_parse_size(const char *s, uint64_t *out);
/* Writes --help text to fd. */
void kv_config_print_help(int fd);

/* Derived sizes. */
uint64_t kv_config_maxkeys(const struct kv_config *c);
/* Most arguments a multibulk request can carry: each takes at least 6 bytes. */
/* pub/sub's channel table entries and subscription slots, derived when 0. */
uint32_t kv_config_pubsub_channels(const struct kv_config *c);
uint32_t kv_config_pubsub_subscriptions(const struct kv_config *c);
uint64_t kv_config_argc_max(const struct kv_config *c);
/* argv's size: the multibulk bound, or an inline line's most words (line / 2 + 1). */
uint64_t kv_config_argv_max(const struct kv_config *c);
const char *kv_evict_policy_name(enum kv_evict_policy p);

/* ---- run time: CONFIG GET / SET / REWRITE (src/cmd_config.c) ---------------- */

/* Options CONFIG GET reports (kv's options and the directives with a fixed value in
 * kv), in table order; kv_config_get_name(i) is NULL past the last. */
const char *kv_config_get_name(uint32_t i);
/* Option i's value as Redis formats it (bytes, numbers, yes/no); returns its length
 * (< cap, NUL-terminated). */
uint32_t kv_config_get_value(const struct kv_config *c, uint32_t i, char *buf, uint32_t cap);
#define KV_CONFIG_VALUE_MAX 320  /* the longest value kv_config_get_value writes */
/*
 * CONFIG SET of one pair into *next (a copy of the live config). Returns 0, or -1 and
 * the text after Redis's "ERR CONFIG SET failed (possibly related to argument 'x') - "
 * (err), or -2 for an unknown name (Redis's "Unknown option" error). `mapped` is the
 * maxmemory mapped at startup, the most CONFIG SET maxmemory may give.
 */
int kv_config_runtime_set(struct kv_config *next, const char *name, const char *value,
                          uint64_t mapped, char *err, uint32_t err_cap);
/* CONFIG SET's first check of a name: 0 settable, -1 fixed at startup (the reason
 * in err), -2 unknown. */
int kv_config_runtime_name(const char *name, char *err, uint32_t err_cap);
/* The same option (aliases and case folded): true if a and b name one option. */
bool kv_config_same_option(const char *a, const char *b);
/* CONFIG REWRITE: writes the config file given at startup with c's values. 0, or -1
 * and Redis's error text (without "-") in err. */
int kv_config_rewrite(const struct kv_config *c, char *err, uint32_t err_cap);
/* The rewritten text, into out (no file IO; kv_config_rewrite and tests use it).
 * Returns its length, or -1 if it would not fit. */
int64_t kv_config_rewrite_text(const struct kv_config *c, const char *orig, uint32_t orig_len,
                               char *out, uint32_t out_cap);

#endif

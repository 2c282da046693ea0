/*
 * config.c: options, their defaults, units and cross-checks.
 *
 * One table (kv_options) names every option once: its Redis name, its kind, where it
 * lives in struct kv_config and its help line. Parsing, --help and the config file
 * all read that table, so an option cannot be documented but not parsed or the
 * reverse. Nothing here allocates; error messages go into caller buffers.
 */
#include "kv/config.h"
#include "kv/io.h"
#include "kv/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum opt_kind { OPT_STRING, OPT_U32, OPT_SIZE, OPT_U64, OPT_POLICY, OPT_FLAG };

struct kv_option {
    const char *name;
    enum opt_kind kind;
    size_t offset;
    uint32_t size;          /* OPT_STRING: buffer size */
    const char *help;
};

#define OPT(n, k, field, h) {n, k, offsetof(struct kv_config, field), \
                             sizeof(((struct kv_config *)0)->field), h}

static const struct kv_option kv_options[] = {
    OPT("bind", OPT_STRING, bind, "address to listen on"),
    OPT("port", OPT_U32, port, "TCP port (0: any free port)"),
    OPT("maxclients", OPT_U32, maxclients, "connection slots; client N+1 gets an error"),
    OPT("maxmemory", OPT_SIZE, maxmemory,
        "keyspace budget: index + keys + values + list nodes"),
    OPT("maxmemory-policy", OPT_POLICY, maxmemory_policy,
        "noeviction allkeys-lru volatile-lru allkeys-random volatile-random volatile-ttl"),
    OPT("maxmemory-samples", OPT_U32, maxmemory_samples, "keys sampled per eviction"),
    OPT("maxmemory-eviction-keys", OPT_U64, maxmemory_eviction_keys,
        "keys one write may evict (0: as many as it needs)"),
    OPT("maxmemory-eviction-move", OPT_SIZE, maxmemory_eviction_move,
        "bytes one write may move to join free space for a large value (0: no limit)"),
    OPT("maxkeys", OPT_U64, maxkeys,
        "index slots (0: maxmemory/128); 8 bytes each, inside maxmemory; 90% usable"),
    OPT("proto-max-bulk-len", OPT_SIZE, proto_max_bulk_len, "largest bulk string accepted"),
    OPT("client-query-buffer-limit", OPT_SIZE, client_query_buffer_limit,
        "largest request and largest reply; size of each large buffer"),
    OPT("client-buffer", OPT_SIZE, client_buffer,
        "per-connection receive buffer and send buffer, each"),
    OPT("large-buffers", OPT_U32, large_buffers,
        "shared large buffers for big requests, and as many for big replies"),
    OPT("multi-max-commands", OPT_U32, multi_max_commands, "commands queued per MULTI"),
    OPT("proto-inline-max-size", OPT_SIZE, proto_inline_max_size,
        "longest inline (telnet-style) request line, terminator included"),
    OPT("large-buffer-stall-ms", OPT_U32, large_buffer_stall_ms,
        "hold rule: while others wait, a large-buffer holder moving less than"),
    OPT("large-buffer-min-progress", OPT_SIZE, large_buffer_min_progress,
        "hold rule: ... this many bytes per stall window is disconnected"),
    OPT("watch-max-keys", OPT_U32, watch_max_keys,
        "keys one client may WATCH (past it: an error); index memory grows with it"),
    OPT("timeout", OPT_U64, timeout_s, "close clients idle this many seconds (0: never)"),
    OPT("hz", OPT_U32, hz, "background ticks per second (active expiry, timeouts)"),
    OPT("batch-wait-us", OPT_U32, batch_wait_us,
        "with 32+ clients sending, wait up to this long to batch them (0: off)"),
    OPT("busy-poll-us", OPT_U32, busy_poll_us,
        "before sleeping, watch for work this long (0: off); more CPU, fewer wakeups"),
    OPT("recv-buffers", OPT_U32, recv_buffers,
        "buffers shared by multishot recvs (client-buffer/4 bytes each, 4kb at most), "
        "a power of two (0: one recv per read)"),
    OPT("loglevel", OPT_STRING, loglevel, "debug verbose notice warning nothing"),
    OPT("logfile", OPT_STRING, logfile, "log file, appended to (\"\": standard output)"),
    OPT("log-buffer-size", OPT_SIZE, log_buffer_size,
        "the log's ring; lines logged while it is full are dropped and counted"),
    OPT("print-allocation", OPT_FLAG, print_allocation,
        "print the startup allocation table and exit"),
    OPT("help", OPT_FLAG, help, "this text"),
};

void kv_config_defaults(struct kv_config *c) {
    KV_ASSERT(c != NULL);
    memset(c, 0, sizeof(*c));
    snprintf(c->bind, sizeof(c->bind), "%s", "127.0.0.1");
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
    c->timeout_s = 0;
    c->hz = 10;
    c->batch_wait_us = 30; /* BENCHMARKS.md "Batching wait": measured 0, 30 and 50 */
    c->recv_buffers = 1024; /* BENCHMARKS.md "Multishot recv" */
    snprintf(c->loglevel, sizeof(c->loglevel), "%s", "notice"); /* Redis's default */
    c->log_buffer_size = 64u << 10; /* about 500 lines of 128 bytes between two drains */
    KV_ASSERT(kv_config_check(c, NULL, 0) == 0);
}

static const char *policy_names[] = {
    [KV_EVICT_NOEVICTION] = "noeviction",         [KV_EVICT_ALLKEYS_LRU] = "allkeys-lru",
    [KV_EVICT_VOLATILE_LRU] = "volatile-lru",     [KV_EVICT_ALLKEYS_RANDOM] = "allkeys-random",
    [KV_EVICT_VOLATILE_RANDOM] = "volatile-random", [KV_EVICT_VOLATILE_TTL] = "volatile-ttl",
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

static int set_number(const struct kv_option *o, void *field, const char *value, char *err,
                      uint32_t cap) {
    uint64_t v = 0;
    if (kv_parse_size(value, &v) != 0)
        return fail(err, cap, "invalid value '%s' for option '%s'", value, o->name);
    if (o->kind == OPT_SIZE && o->size == 8) {
        *(uint64_t *)field = v;
    } else if (o->kind == OPT_U64) {
        *(uint64_t *)field = v;
    } else {
        KV_ASSERT(o->size == 4);
        if (v > UINT32_MAX)
            return fail(err, cap, "value '%s' too large for option '%s'", value, o->name);
        *(uint32_t *)field = (uint32_t)v;
    }
    return 0;
}

int kv_config_set(struct kv_config *c, const char *name, const char *value, char *err,
                  uint32_t err_cap) {
    KV_ASSERT(c != NULL && name != NULL);
    for (uint32_t i = 0; i < KV_ARRAY_LEN(kv_options); i++) {
        const struct kv_option *o = &kv_options[i];
        if (strcasecmp(o->name, name) != 0) continue;
        void *field = (uint8_t *)c + o->offset;
        if (o->kind == OPT_FLAG) {
            *(bool *)field = true;
            return 0;
        }
        if (value == NULL) return fail(err, err_cap, "option '%s' needs a value%s", name, "");
        if (o->kind == OPT_STRING) {
            if (strlen(value) >= o->size)
                return fail(err, err_cap, "value '%s' too long for option '%s'", value, name);
            snprintf((char *)field, o->size, "%s", value);
            return 0;
        }
        if (o->kind == OPT_POLICY) {
            for (uint32_t p = 0; p < KV_ARRAY_LEN(policy_names); p++) {
                if (strcasecmp(policy_names[p], value) != 0) continue;
                c->maxmemory_policy = (enum kv_evict_policy)p;
                return 0;
            }
            return fail(err, err_cap, "invalid value '%s' for option '%s'", value, name);
        }
        return set_number(o, field, value, err, err_cap);
    }
    return fail(err, err_cap, "unknown option '%s'%s", name, "");
}

static bool is_flag(const char *name) {
    for (uint32_t i = 0; i < KV_ARRAY_LEN(kv_options); i++) {
        if (strcasecmp(kv_options[i].name, name) == 0) return kv_options[i].kind == OPT_FLAG;
    }
    return false;
}

int kv_config_parse_args(struct kv_config *c, int argc, char **argv, int first, char *err,
                         uint32_t err_cap) {
    KV_ASSERT(c != NULL && first >= 0);
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0) {
            c->help = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0)
            return fail(err, err_cap, "unexpected argument '%s'%s", a, "");
        const char *name = a + 2;
        const char *value = NULL;
        if (!is_flag(name)) {
            if (i + 1 >= argc) return fail(err, err_cap, "option '%s' needs a value%s", a, "");
            value = argv[++i];
        }
        if (kv_config_set(c, name, value, err, err_cap) != 0) return -1;
    }
    return 0;
}

int kv_config_parse_text(struct kv_config *c, const char *text, uint32_t len, char *err,
                         uint32_t err_cap) {
    KV_ASSERT(c != NULL && text != NULL);
    uint32_t pos = 0;
    while (pos < len) {
        char line[512];
        uint32_t n = 0;
        while (pos < len && text[pos] != '\n') {
            if (n + 1 >= sizeof(line)) return fail(err, err_cap, "config line too long%s%s", "", "");
            line[n++] = text[pos++];
        }
        pos++;
        line[n] = 0;
        char *name = line;
        while (*name == ' ' || *name == '\t') name++;
        if (*name == 0 || *name == '#' || *name == '\r') continue;
        char *end = name;
        while (*end && *end != ' ' && *end != '\t' && *end != '\r') end++;
        char *value = end;
        if (*value) *value++ = 0;
        while (*value == ' ' || *value == '\t') value++;
        char *vend = value + strlen(value);
        while (vend > value && (vend[-1] == ' ' || vend[-1] == '\r' || vend[-1] == '\t')) vend--;
        *vend = 0;
        if (kv_config_set(c, name, *value ? value : NULL, err, err_cap) != 0) return -1;
    }
    return 0;
}

/* The derived default is rounded down to a multiple of 256 (from 4096 slots on) so
 * the index can start 256 times smaller and grow fourfold (include/kv/table.h). */
uint64_t kv_config_maxkeys(const struct kv_config *c) {
    uint64_t slots = c->maxkeys != 0 ? c->maxkeys : c->maxmemory / 128;
    if (c->maxkeys == 0 && slots >= 4096) slots &= ~(uint64_t)255;
    return slots < 16 ? 16 : slots;
}

uint64_t kv_config_argc_max(const struct kv_config *c) {
    /* "$0\r\n\r\n" is the smallest argument: 6 bytes. */
    return c->client_query_buffer_limit / 6 + 1;
}

uint64_t kv_config_argv_max(const struct kv_config *c) {
    return KV_MAX(kv_config_argc_max(c), (uint64_t)c->proto_inline_max_size / 2 + 1);
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
    if (c->watch_max_keys < 1 || c->watch_max_keys > 65536)
        return fail(err, cap, "watch-max-keys: %s%s", "must be 1..65536", "");
    if ((uint64_t)c->watch_max_keys * c->maxclients > (1u << 26))
        return fail(err, cap, "watch-max-keys: %s%s",
                    "times maxclients must be at most 67108864", "");
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
        if (o->kind == OPT_STRING) snprintf(def, sizeof(def), "%s", (const char *)field);
        else if (o->kind == OPT_POLICY) snprintf(def, sizeof(def), "%s",
                                                 kv_evict_policy_name(d.maxmemory_policy));
        else if (o->kind == OPT_FLAG) def[0] = 0;
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

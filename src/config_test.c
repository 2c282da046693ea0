/* config_test.c: units, every option by name, config files, and refusal messages. */
#include "kv/config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testing.h"

TEST(sizes) {
    uint64_t v = 0;
    CHECK(kv_parse_size("64mb", &v) == 0 && v == 64ull << 20);
    CHECK(kv_parse_size("64MB", &v) == 0 && v == 64ull << 20);
    CHECK(kv_parse_size("1k", &v) == 0 && v == 1000);
    CHECK(kv_parse_size("1kb", &v) == 0 && v == 1024);
    CHECK(kv_parse_size("2g", &v) == 0 && v == 2000000000ull);
    CHECK(kv_parse_size("1gb", &v) == 0 && v == 1ull << 30);
    CHECK(kv_parse_size("12", &v) == 0 && v == 12);
    CHECK(kv_parse_size("", &v) != 0);
    CHECK(kv_parse_size("-1", &v) != 0);
    CHECK(kv_parse_size("1tb", &v) != 0);
    CHECK(kv_parse_size("99999999999999999999", &v) != 0);
    CHECK(kv_parse_size("18446744073709551615gb", &v) != 0);
}

TEST(args) {
    struct kv_config c;
    kv_config_defaults(&c);
    char *argv[] = {"kv", "--port", "7000", "--maxmemory", "1gb", "--maxmemory-policy",
                    "allkeys-lru", "--bind", "0.0.0.0", "--print-allocation", "--timeout", "5"};
    char err[128] = "";
    CHECK(kv_config_parse_args(&c, 12, argv, 1, err, sizeof(err)) == 0);
    CHECK(c.port == 7000 && c.maxmemory == 1ull << 30 && c.timeout_s == 5);
    CHECK(c.maxmemory_policy == KV_EVICT_ALLKEYS_LRU && c.print_allocation);
    CHECK(strcmp(c.bind, "0.0.0.0") == 0);
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
}

TEST(errors_name_the_option) {
    struct kv_config c;
    kv_config_defaults(&c);
    char err[160] = "";
    char *a1[] = {"kv", "--nosuch", "1"};
    CHECK(kv_config_parse_args(&c, 3, a1, 1, err, sizeof(err)) != 0);
    CHECK(strcmp(err, "unknown option 'nosuch'") == 0);
    char *a2[] = {"kv", "--port"};
    CHECK(kv_config_parse_args(&c, 2, a2, 1, err, sizeof(err)) != 0);
    CHECK(strcmp(err, "option '--port' needs a value") == 0);
    char *a3[] = {"kv", "--maxmemory", "lots"};
    CHECK(kv_config_parse_args(&c, 3, a3, 1, err, sizeof(err)) != 0);
    CHECK(strcmp(err, "invalid value 'lots' for option 'maxmemory'") == 0);
    char *a4[] = {"kv", "--maxmemory-policy", "sometimes"};
    CHECK(kv_config_parse_args(&c, 3, a4, 1, err, sizeof(err)) != 0);
    CHECK(strcmp(err, "invalid value 'sometimes' for option 'maxmemory-policy'") == 0);
}

TEST(impossible_configurations) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    c.proto_max_bulk_len = c.client_query_buffer_limit;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "proto-max-bulk-len:", 19) == 0);
    kv_config_defaults(&c);
    c.proto_max_bulk_len = 18446744073709551600ull; /* + 64 used to wrap (fuzz_config) */
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "proto-max-bulk-len:", 19) == 0);
    kv_config_defaults(&c);
    c.maxmemory = 1000;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "maxmemory:", 10) == 0);
    kv_config_defaults(&c);
    c.maxclients = 0;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "maxclients:", 11) == 0);
    kv_config_defaults(&c);
    c.maxkeys = c.maxmemory; /* index bigger than the budget */
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "maxkeys:", 8) == 0);
    kv_config_defaults(&c);
    c.multi_max_commands = 1u << 20;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "multi-max-commands:", 19) == 0);
}

/* --large-buffers: 1..65536, refused one past either end. */
TEST(large_buffers_bounds) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    c.large_buffers = 65536;
    c.maxmemory = 8ull << 30;
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    c.large_buffers = 65537;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "large-buffers:", 14) == 0);
    c.large_buffers = 0;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK(strncmp(err, "large-buffers:", 14) == 0);
}

/* --help names each option's default: the policy by name, a flag none. */
TEST(help_defaults) {
    char path[] = "/tmp/kv-config-help-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    kv_config_print_help(fd);
    char text[16384];
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    close(fd);
    CHECK(n > 0);
    text[n] = 0;
    const char *pol = strstr(text, "  --maxmemory-policy ");
    CHECK(pol != NULL);
    CHECK(strncmp(pol + 31, "noeviction ", 11) == 0);
    const char *port = strstr(text, "  --port ");
    CHECK(port != NULL && strncmp(port + 31, "6379 ", 5) == 0);
    const char *help = strstr(text, "  --help ");
    CHECK(help != NULL && strncmp(help + 31, "             this text", 22) == 0);
    const char *pm = strstr(text, "  --protected-mode ");
    CHECK(pm != NULL && strncmp(pm + 31, "yes ", 4) == 0);
}

/* requirepass (a string, empty by default) and protected-mode (yes/no only). */
TEST(auth_options) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    CHECK(c.requirepass[0] == 0 && c.protected_mode);
    CHECK(kv_config_set(&c, "requirepass", "s3cret", err, sizeof(err)) == 0);
    CHECK(strcmp(c.requirepass, "s3cret") == 0);
    CHECK(kv_config_set(&c, "protected-mode", "NO", err, sizeof(err)) == 0 && !c.protected_mode);
    CHECK(kv_config_set(&c, "protected-mode", "yes", err, sizeof(err)) == 0 && c.protected_mode);
    CHECK(kv_config_set(&c, "protected-mode", "maybe", err, sizeof(err)) == -1);
    CHECK(strcmp(err, "argument of 'protected-mode' must be 'yes' or 'no'") == 0);
    char longpass[300];
    memset(longpass, 'p', sizeof(longpass) - 1);
    longpass[sizeof(longpass) - 1] = 0;
    CHECK(kv_config_set(&c, "requirepass", longpass, err, sizeof(err)) == -1);
    CHECK(strcmp(err, "option 'requirepass' takes at most 255 bytes") == 0);
    const char *text = "requirepass other\nprotected-mode no\n";
    kv_config_defaults(&c);
    CHECK(kv_config_parse_text(&c, text, (uint32_t)strlen(text), err, sizeof(err)) == 0);
    CHECK(strcmp(c.requirepass, "other") == 0 && !c.protected_mode);
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
}

/* --busy-poll-us and --batch-wait-us: 0..1000, exact refusal one past. */
TEST(wait_options_at_their_limits) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    CHECK(c.busy_poll_us == 0 && c.batch_wait_us == 30); /* polling off, batching 30 us */
    CHECK(kv_config_set(&c, "busy-poll-us", "1000", err, sizeof(err)) == 0);
    CHECK(kv_config_set(&c, "batch-wait-us", "1000", err, sizeof(err)) == 0);
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    CHECK(c.busy_poll_us == 1000 && c.batch_wait_us == 1000);
    c.busy_poll_us = 1001;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "busy-poll-us: must be 0..1000");
    c.busy_poll_us = 0;
    c.batch_wait_us = 1001;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "batch-wait-us: must be 0..1000");
}

/* --proto-inline-max-size: 64 bytes .. client-query-buffer-limit; argv follows it. The
 * hold rule: stall 1..3600000 ms, min-progress at most 1gb (0: off). */
TEST(inline_and_hold_options) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    CHECK(c.proto_inline_max_size == 65536 && c.large_buffer_stall_ms == 25);
    CHECK(c.large_buffer_min_progress == 8192);
    CHECK(kv_config_argv_max(&c) == c.client_query_buffer_limit / 6 + 1);
    CHECK(kv_config_set(&c, "client-query-buffer-limit", "64kb", err, sizeof(err)) == 0);
    CHECK(kv_config_set(&c, "proto-max-bulk-len", "32kb", err, sizeof(err)) == 0);
    CHECK(kv_config_set(&c, "multi-max-commands", "64", err, sizeof(err)) == 0);
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    /* 65536 / 6 + 1 = 10923 multibulk arguments, but 32769 words fit an inline line */
    CHECK(kv_config_argc_max(&c) == 10923 && kv_config_argv_max(&c) == 32769);
    c.proto_inline_max_size = 65537;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err),
              "proto-inline-max-size: must be between 64 bytes and client-query-buffer-limit");
    c.proto_inline_max_size = 63;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    c.proto_inline_max_size = 64;
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    c.large_buffer_stall_ms = 0;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "large-buffer-stall-ms: must be 1..3600000");
    c.large_buffer_stall_ms = 3600000;
    c.large_buffer_min_progress = 0;
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    c.large_buffer_min_progress = (1u << 30) + 1;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "large-buffer-min-progress: must be at most 1gb");
}

/* --recv-buffers: 0 (off) or a power of two up to 32768 (the kernel's ring limit). */
TEST(recv_buffers_powers_of_two) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    CHECK(c.recv_buffers == 1024);
    static const uint32_t good[] = {0, 1, 2, 64, 32768};
    static const uint32_t bad[] = {3, 1000, 32767, 65536, 0x80000000u};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(good); i++) {
        c.recv_buffers = good[i];
        CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    }
    for (uint32_t i = 0; i < KV_ARRAY_LEN(bad); i++) {
        c.recv_buffers = bad[i];
        CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
        CHECK_STR(err, strlen(err), "recv-buffers: must be 0 or a power of two up to 32768");
    }
    CHECK(kv_config_set(&c, "recv-buffers", "16", err, sizeof(err)) == 0 && c.recv_buffers == 16);
}

/* --pubsub-backlog-bytes: 8mb by default, 0 (no backlog) .. 1gb (32-bit record links). */
TEST(pubsub_backlog_bytes_bounds) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    CHECK(c.pubsub_backlog_bytes == 8ull << 20);
    CHECK(kv_config_set(&c, "pubsub-backlog-bytes", "0", err, sizeof(err)) == 0);
    CHECK(c.pubsub_backlog_bytes == 0 && kv_config_check(&c, err, sizeof(err)) == 0);
    CHECK(kv_config_set(&c, "pubsub-backlog-bytes", "1gb", err, sizeof(err)) == 0);
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
    c.pubsub_backlog_bytes = (1ull << 30) + 1;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "pubsub-backlog-bytes: must be at most 1gb");
}

/* --watch-max-keys: 1..65536, and times maxclients at most 2^26 (the index). */
TEST(watch_max_keys_bounds) {
    struct kv_config c;
    char err[160] = "";
    kv_config_defaults(&c);
    CHECK(c.watch_max_keys == 32); /* the compile-time limit it replaced */
    CHECK(kv_config_set(&c, "watch-max-keys", "1", err, sizeof(err)) == 0);
    CHECK(c.watch_max_keys == 1 && kv_config_check(&c, err, sizeof(err)) == 0);
    c.watch_max_keys = 0;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "watch-max-keys: must be 1..65536");
    c.watch_max_keys = 65536;
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0); /* 1024 clients: 2^26 exactly */
    c.watch_max_keys = 65537;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "watch-max-keys: must be 1..65536");
    c.watch_max_keys = 65536;
    c.maxclients = 1025;
    CHECK(kv_config_check(&c, err, sizeof(err)) != 0);
    CHECK_STR(err, strlen(err), "watch-max-keys: times maxclients must be at most 67108864");
    kv_config_defaults(&c);
    c.maxclients = 1u << 20; /* the largest maxclients still works with the default */
    CHECK(kv_config_check(&c, err, sizeof(err)) == 0);
}

TEST(config_file) {
    struct kv_config c;
    kv_config_defaults(&c);
    const char *text = "# kv config\nport 7001\n  maxmemory 2mb  \r\n\nmaxclients 10\n"
                       "maxmemory-policy volatile-ttl\n";
    char err[128] = "";
    CHECK(kv_config_parse_text(&c, text, (uint32_t)strlen(text), err, sizeof(err)) == 0);
    CHECK(c.port == 7001 && c.maxmemory == 2u << 20 && c.maxclients == 10);
    CHECK(c.maxmemory_policy == KV_EVICT_VOLATILE_TTL);
    const char *bad = "port 7001\nbogus 1\n";
    CHECK(kv_config_parse_text(&c, bad, (uint32_t)strlen(bad), err, sizeof(err)) != 0);
    CHECK(strcmp(err, "config:2: unknown option 'bogus'") == 0);
}

/* ---- redis.conf syntax, the directive table, run time --------------------------- */

static int split(const char *line, char **argv, char *buf) {
    return kv_config_split(line, (uint32_t)strlen(line), buf, argv, 8);
}

/* Redis's sdssplitargs rules, case by case. */
TEST(tokenizer) {
    char buf[256], *argv[8];
    CHECK(split("  set   a\tb  ", argv, buf) == 3);
    CHECK(strcmp(argv[0], "set") == 0 && strcmp(argv[1], "a") == 0 && strcmp(argv[2], "b") == 0);
    CHECK(split("k \"a b\" 'c d'", argv, buf) == 3);
    CHECK(strcmp(argv[1], "a b") == 0 && strcmp(argv[2], "c d") == 0);
    CHECK(split("k \"\\x41\\n\\t\\\"\\q\"", argv, buf) == 2);
    CHECK(strcmp(argv[1], "A\n\t\"q") == 0);
    CHECK(split("k 'it\\'s' '\\n'", argv, buf) == 3);
    CHECK(strcmp(argv[1], "it's") == 0 && strcmp(argv[2], "\\n") == 0);
    CHECK(split("k foo\"bar baz\"", argv, buf) == 2 && strcmp(argv[1], "foobar baz") == 0);
    CHECK(split("save \"\"", argv, buf) == 2 && argv[1][0] == 0);
    CHECK(split("k \"\\x4g\"", argv, buf) == 2 && strcmp(argv[1], "x4g") == 0);
    CHECK(split("k \"open", argv, buf) == -1);
    CHECK(split("k 'open", argv, buf) == -1);
    CHECK(split("k \"a\"b", argv, buf) == -1);    /* closing quote then a letter */
    CHECK(split("k 'a'b", argv, buf) == -1);
    CHECK(split("1 2 3 4 5 6 7 8", argv, buf) == 8);
    CHECK(split("1 2 3 4 5 6 7 8 9", argv, buf) == -1); /* more words than argv holds */
    CHECK(split("   ", argv, buf) == 0);
}

struct warnings {
    unsigned count;
    char last[512];
};

static void on_warn(void *ctx, const char *line) {
    struct warnings *w = ctx;
    w->count++;
    snprintf(w->last, sizeof(w->last), "%s", line);
}

static int parse(struct kv_config *c, const char *text, struct warnings *w, char *err) {
    struct kv_config_warn sink = {on_warn, w};
    memset(w, 0, sizeof(*w));
    kv_config_defaults(c);
    return kv_config_parse_text_warn(c, text, (uint32_t)strlen(text), &sink, err, 256);
}

/* Quoted values, units in any case, comments, CRLF, the line in messages. */
TEST(file_syntax) {
    struct kv_config c;
    struct warnings w;
    char err[256] = "";
    CHECK(parse(&c, "# x\r\n\r\nmaxmemory \"8mb\"\r\n  PORT '7002'\nhz 0\ntimeout 1K\n", &w,
                err) == 0);
    CHECK(c.maxmemory == 8u << 20 && c.port == 7002 && c.hz == 1 && c.timeout_s == 1000);
    CHECK(parse(&c, "hz 1000\nmaxmemory 1Gb\nmaxmemory-eviction-move 2KB\n", &w, err) == 0);
    CHECK(c.hz == 500 && c.maxmemory == 1u << 30 && c.maxmemory_eviction_move == 2048);
    CHECK(w.count == 0);
    CHECK(parse(&c, "port 1\nport 2 3\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "config:2: option 'port' takes one value");
    CHECK(parse(&c, "\nmaxmemory \"8mb\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "config:2: Unbalanced quotes in configuration line");
    CHECK(parse(&c, "port 6379 # comment\n", &w, err) != 0); /* as Redis: not a comment */
    CHECK_STR(err, strlen(err), "config:1: option 'port' takes one value");
}

/* Each disposition: warned, accepted only with its harmless value, refused. */
TEST(directive_table) {
    struct kv_config c;
    struct warnings w;
    char err[256] = "";
    CHECK(parse(&c, "tcp-backlog 511\nappendonly no\nsave \"\"\ndaemonize yes\n", &w, err) == 0);
    CHECK(w.count == 4);
    CHECK_STR(w.last, strlen(w.last), "config:4: 'daemonize yes' accepted, ignored: kv stays in "
              "the foreground: run it under a supervisor");
    CHECK(parse(&c, "appendonly yes\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "config:1: 'appendonly yes' is not supported: kv has no "
              "persistence");
    CHECK(parse(&c, "save 900 1\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "config:1: 'save 900 1' is not supported: kv has no persistence");
    CHECK(parse(&c, "rename-command FLUSHALL \"\"\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "config:1: 'rename-command FLUSHALL \"\"' is not supported: kv "
              "cannot rename commands (it would keep its name)");
    CHECK(parse(&c, "requirepass secret\n", &w, err) == 0 && strcmp(c.requirepass, "secret") == 0);
    CHECK(parse(&c, "APPENDONLY NO\ncluster-enabled no\n", &w, err) == 0 && w.count == 2);
    CHECK(parse(&c, "maxmemory-policy allkeys-lfu\n", &w, err) == 0 && w.count == 1);
    CHECK(c.maxmemory_policy == KV_EVICT_ALLKEYS_LFU);
    CHECK_STR(w.last, strlen(w.last), "config:1: maxmemory-policy allkeys-lfu: evicts as "
              "allkeys-lru (kv keeps no access frequency)");
    CHECK(parse(&c, "maxmemory-policy volatile-lfu\n", &w, err) == 0);
    CHECK(c.maxmemory_policy == KV_EVICT_VOLATILE_LFU);
}

/* Every name Redis 7.0.15 answers to CONFIG GET * has a disposition in kv. */
TEST(every_redis_config_known) {
    static const char *names[] = {
    "acl-pubsub-default", "aclfile", "acllog-max-len", "active-defrag-cycle-max",
    "active-defrag-cycle-min", "active-defrag-ignore-bytes", "active-defrag-max-scan-fields",
    "active-defrag-threshold-lower", "active-defrag-threshold-upper", "active-expire-effort",
    "activedefrag", "activerehashing", "always-show-logo", "aof-disable-auto-gc",
    "aof-load-truncated", "aof-rewrite-incremental-fsync", "aof-timestamp-enabled",
    "aof-use-rdb-preamble", "aof_rewrite_cpulist", "appenddirname", "appendfilename",
    "appendfsync", "appendonly", "auto-aof-rewrite-min-size", "auto-aof-rewrite-percentage",
    "bgsave_cpulist", "bind", "bind-source-addr", "bio_cpulist", "busy-reply-threshold",
    "client-output-buffer-limit", "client-query-buffer-limit",
    "cluster-allow-pubsubshard-when-down", "cluster-allow-reads-when-down",
    "cluster-allow-replica-migration", "cluster-announce-bus-port",
    "cluster-announce-hostname", "cluster-announce-ip", "cluster-announce-port",
    "cluster-announce-tls-port", "cluster-config-file", "cluster-enabled",
    "cluster-link-sendbuf-limit", "cluster-migration-barrier", "cluster-node-timeout",
    "cluster-port", "cluster-preferred-endpoint-type", "cluster-replica-no-failover",
    "cluster-replica-validity-factor", "cluster-require-full-coverage",
    "cluster-slave-no-failover", "cluster-slave-validity-factor", "crash-log-enabled",
    "crash-memcheck-enabled", "daemonize", "databases", "dbfilename", "dir", "disable-thp",
    "dynamic-hz", "enable-debug-command", "enable-module-command", "enable-protected-configs",
    "hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries",
    "hash-max-ziplist-value", "hll-sparse-max-bytes", "hz", "ignore-warnings", "io-threads",
    "io-threads-do-reads", "jemalloc-bg-thread", "latency-monitor-threshold",
    "latency-tracking", "latency-tracking-info-percentiles", "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush", "lfu-decay-time", "lfu-log-factor", "list-compress-depth",
    "list-max-listpack-size", "list-max-ziplist-size", "logfile", "loglevel", "lua-time-limit",
    "masterauth", "masteruser", "maxclients", "maxmemory", "maxmemory-clients",
    "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples",
    "min-replicas-max-lag", "min-replicas-to-write", "min-slaves-max-lag",
    "min-slaves-to-write", "no-appendfsync-on-rewrite", "notify-keyspace-events",
    "oom-score-adj", "oom-score-adj-values", "pidfile", "port", "proc-title-template",
    "propagation-error-behavior", "protected-mode", "proto-max-bulk-len", "rdb-del-sync-files",
    "rdb-save-incremental-fsync", "rdbchecksum", "rdbcompression", "repl-backlog-size",
    "repl-backlog-ttl", "repl-disable-tcp-nodelay", "repl-diskless-load", "repl-diskless-sync",
    "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "repl-ping-replica-period",
    "repl-ping-slave-period", "repl-timeout", "replica-announce-ip", "replica-announce-port",
    "replica-announced", "replica-ignore-disk-write-errors", "replica-ignore-maxmemory",
    "replica-lazy-flush", "replica-priority", "replica-read-only", "replica-serve-stale-data",
    "replicaof", "requirepass", "sanitize-dump-payload", "save", "server_cpulist",
    "set-max-intset-entries", "set-proc-title", "shutdown-on-sigint", "shutdown-on-sigterm",
    "shutdown-timeout", "slave-announce-ip", "slave-announce-port", "slave-ignore-maxmemory",
    "slave-lazy-flush", "slave-priority", "slave-read-only", "slave-serve-stale-data",
    "slaveof", "slowlog-log-slower-than", "slowlog-max-len", "socket-mark-id",
    "stop-writes-on-bgsave-error", "stream-node-max-bytes", "stream-node-max-entries",
    "supervised", "syslog-enabled", "syslog-facility", "syslog-ident", "tcp-backlog",
    "tcp-keepalive", "timeout", "tls-auth-clients", "tls-ca-cert-dir", "tls-ca-cert-file",
    "tls-cert-file", "tls-ciphers", "tls-ciphersuites", "tls-client-cert-file",
    "tls-client-key-file", "tls-client-key-file-pass", "tls-cluster", "tls-dh-params-file",
    "tls-key-file", "tls-key-file-pass", "tls-port", "tls-prefer-server-ciphers",
    "tls-protocols", "tls-replication", "tls-session-cache-size", "tls-session-cache-timeout",
    "tls-session-caching", "tracking-table-max-keys", "unixsocket", "unixsocketperm",
    "zset-max-listpack-entries", "zset-max-listpack-value", "zset-max-ziplist-entries",
    "zset-max-ziplist-value",

    };
    CHECK(KV_ARRAY_LEN(names) == 192);
    char err[256];
    for (uint32_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        int rc = kv_config_runtime_name(names[i], err, sizeof(err));
        if (rc == -2) fprintf(stderr, "unknown: %s\n", names[i]);
        CHECK(rc != -2);
    }
    CHECK(kv_config_runtime_name("nosuch", err, sizeof(err)) == -2);
    CHECK(kv_config_runtime_name("include", err, sizeof(err)) == -2);
}

TEST(bind_addresses) {
    struct kv_config c;
    struct warnings w;
    char err[256] = "";
    CHECK(parse(&c, "bind 127.0.0.1 -::1\n", &w, err) == 0);
    CHECK(strcmp(c.bind, "127.0.0.1 -::1") == 0 && strcmp(c.bind_spec, "127.0.0.1 -::1") == 0);
    CHECK(w.count == 0);
    CHECK(parse(&c, "bind localhost\n", &w, err) == 0 && strcmp(c.bind, "127.0.0.1") == 0);
    CHECK(strcmp(c.bind_spec, "localhost") == 0 && w.count == 0);
    CHECK(parse(&c, "bind * -::*\n", &w, err) == 0 && strcmp(c.bind, "0.0.0.0 -::") == 0);
    CHECK(parse(&c, "bind -::1 -127.0.0.1\n", &w, err) == 0);
    CHECK(strcmp(c.bind, "-::1 -127.0.0.1") == 0);
    CHECK(parse(&c, "bind 127.0.0.1 ::1\n", &w, err) == 0 && strcmp(c.bind, "127.0.0.1 ::1") == 0);
    char *one[] = {"kv", "--bind", "127.0.0.1  -127.0.0.2"};
    kv_config_defaults(&c);
    CHECK(kv_config_parse_args(&c, 3, one, 1, err, sizeof(err)) == 0);
    CHECK(strcmp(c.bind, "127.0.0.1 -127.0.0.2") == 0);
    CHECK(parse(&c, "bind redis.example\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "config:1: bind: 'redis.example' is not an IP address (kv "
              "takes addresses, *, ::* and localhost)");
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return;
    fputs(text, f);
    fclose(f);
}

/* include: nested files, the depth bound, only regular files. */
TEST(includes) {
    struct kv_config c;
    struct warnings w;
    char err[256] = "";
    write_file("/tmp/kv-config-test-b.conf", "maxclients 77\n");
    write_file("/tmp/kv-config-test-a.conf", "port 7003\ninclude /tmp/kv-config-test-b.conf\n"
               "hz 7\n");
    CHECK(parse(&c, "include /tmp/kv-config-test-a.conf\ntimeout 9\n", &w, err) == 0);
    CHECK(c.port == 7003 && c.maxclients == 77 && c.hz == 7 && c.timeout_s == 9);
    write_file("/tmp/kv-config-test-self.conf", "include /tmp/kv-config-test-self.conf\n");
    CHECK(parse(&c, "include /tmp/kv-config-test-self.conf\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "/tmp/kv-config-test-self.conf:1: include "
              "'/tmp/kv-config-test-self.conf': nested deeper than 4 levels");
    CHECK(parse(&c, "include /dev/null\n", &w, err) != 0);
    CHECK(strstr(err, "a regular file of at most 256 KiB") != NULL);
    write_file("/tmp/kv-config-test-bad.conf", "port 1\nbogus\n");
    CHECK(parse(&c, "include /tmp/kv-config-test-bad.conf\n", &w, err) != 0);
    CHECK_STR(err, strlen(err), "/tmp/kv-config-test-bad.conf:2: unknown option 'bogus'");
    unlink("/tmp/kv-config-test-a.conf");
    unlink("/tmp/kv-config-test-b.conf");
    unlink("/tmp/kv-config-test-self.conf");
    unlink("/tmp/kv-config-test-bad.conf");
}

static const char *get(const struct kv_config *c, const char *name, char *buf) {
    for (uint32_t i = 0; kv_config_get_name(i) != NULL; i++) {
        if (strcmp(kv_config_get_name(i), name) != 0) continue;
        kv_config_get_value(c, i, buf, KV_CONFIG_VALUE_MAX);
        return buf;
    }
    return NULL;
}

/* CONFIG GET's view: Redis's names and formatting; the fixed directives. */
TEST(get_values) {
    struct kv_config c;
    char v[KV_CONFIG_VALUE_MAX];
    kv_config_defaults(&c);
    CHECK(strcmp(get(&c, "maxmemory", v), "67108864") == 0);
    CHECK(strcmp(get(&c, "maxmemory-policy", v), "noeviction") == 0);
    CHECK(strcmp(get(&c, "bind", v), "127.0.0.1") == 0);
    CHECK(strcmp(get(&c, "appendonly", v), "no") == 0);
    CHECK(strcmp(get(&c, "save", v), "") == 0);
    CHECK(strcmp(get(&c, "databases", v), "1") == 0);
    /* one thread: Prometheus's redis exporter reads it (redis_config_io_threads) */
    CHECK(strcmp(get(&c, "io-threads", v), "1") == 0);
    CHECK(get(&c, "help", v) == NULL && get(&c, "print-allocation", v) == NULL);
    uint32_t n = 0;
    while (kv_config_get_name(n) != NULL) n++;
    CHECK(n == 52 + 8); /* options but the two flags, and eight fixed directives */
    CHECK(strcmp(get(&c, "pubsub-backlog-bytes", v), "8388608") == 0);
    CHECK(strcmp(get(&c, "slowlog-log-slower-than", v), "10000") == 0);
    CHECK(strcmp(get(&c, "slowlog-max-len", v), "128") == 0);
    char err[256];
    CHECK(kv_config_set(&c, "slowlog-log-slower-than", "-1", err, sizeof(err)) == 0);
    CHECK(strcmp(get(&c, "slowlog-log-slower-than", v), "-1") == 0);
    CHECK(kv_config_set(&c, "slowlog-log-slower-than", "-2", err, sizeof(err)) != 0);
    CHECK(kv_config_set(&c, "slowlog-log-slower-than", "1x", err, sizeof(err)) != 0);
}

/* The latency options: Redis's defaults, ranges, texts and normalised percentiles. */
TEST(latency_options) {
    struct kv_config c;
    char v[KV_CONFIG_VALUE_MAX], err[256] = "";
    kv_config_defaults(&c);
    CHECK(strcmp(get(&c, "latency-monitor-threshold", v), "0") == 0);
    CHECK(strcmp(get(&c, "latency-tracking", v), "yes") == 0);
    CHECK(strcmp(get(&c, "latency-tracking-info-percentiles", v), "50 99 99.9") == 0);
    uint64_t m = c.maxmemory;
    CHECK(kv_config_runtime_set(&c, "latency-monitor-threshold", "-1", m, err, 256) != 0);
    CHECK(strcmp(err, "argument must be between 0 and 9223372036854775807 inclusive") == 0);
    CHECK(kv_config_runtime_set(&c, "latency-monitor-threshold", "25", m, err, 256) == 0);
    CHECK(c.latency_monitor_threshold == 25);
    CHECK(kv_config_runtime_set(&c, "latency-tracking-info-percentiles", "50.0 99 100 0", m,
                                err, 256) == 0);
    CHECK(strcmp(get(&c, "latency-tracking-info-percentiles", v), "50 99 100 0") == 0);
    CHECK(kv_config_runtime_set(&c, "latency-tracking-info-percentiles", "101", m, err,
                                256) != 0);
    CHECK(strcmp(err, "latency-tracking-info-percentiles parameters should sit between "
                      "[0.0,100.0]") == 0);
    CHECK(kv_config_runtime_set(&c, "latency-tracking-info-percentiles", "abc", m, err,
                                256) != 0);
    CHECK(strcmp(err, "Invalid latency-tracking-info-percentiles parameters") == 0);
    CHECK(kv_config_runtime_set(&c, "latency-tracking-info-percentiles", "", m, err,
                                256) == 0);
    CHECK(strcmp(get(&c, "latency-tracking-info-percentiles", v), "") == 0);
    /* redis.conf's form: one number per word (kv.conf ships it so) */
    CHECK(kv_config_parse_text(&c, "latency-tracking-info-percentiles 50 99.90 100\n", 47,
                               err, 256) == 0);
    CHECK(strcmp(get(&c, "latency-tracking-info-percentiles", v), "50 99.9 100") == 0);
    double p[KV_PERCENTILES_MAX];
    CHECK(kv_config_percentiles("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", p, 16) == 16);
    CHECK(kv_config_percentiles("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", p, 16) == -1);
    CHECK(kv_config_percentiles("99.99", p, 16) == 1 && p[0] == 99.99);
    CHECK(kv_config_set(&c, "latency-tracking", "no", err, 256) == 0 && !c.latency_tracking);
    /* CONFIG SET of a yes/no option: Redis's text (the differential case caught it) */
    CHECK(kv_config_runtime_set(&c, "latency-tracking", "maybe", m, err, 256) != 0);
    CHECK(strcmp(err, "argument must be 'yes' or 'no'") == 0);
    CHECK(kv_config_runtime_set(&c, "protected-mode", "maybe", m, err, 256) != 0);
    CHECK(strcmp(err, "argument must be 'yes' or 'no'") == 0);
}

/* CONFIG SET's parsing of one pair: Redis's texts, the mapped bound, what is fixed. */
TEST(runtime_set) {
    struct kv_config c;
    char err[256] = "";
    kv_config_defaults(&c);
    uint64_t mapped = c.maxmemory;
    CHECK(kv_config_runtime_set(&c, "maxmemory", "1mb", mapped, err, sizeof(err)) == 0);
    CHECK(c.maxmemory == 1u << 20);
    CHECK(kv_config_runtime_set(&c, "maxmemory", "0", mapped, err, sizeof(err)) == 0);
    CHECK(c.maxmemory == mapped);
    CHECK(kv_config_runtime_set(&c, "maxmemory", "65mb", mapped, err, sizeof(err)) == -1);
    CHECK_STR(err, strlen(err), "can't be raised above the 67108864 bytes mapped at startup "
              "(would need allocation)");
    CHECK(kv_config_runtime_set(&c, "maxmemory", "x", mapped, err, sizeof(err)) == -1);
    CHECK_STR(err, strlen(err), "argument must be a memory value");
    CHECK(kv_config_runtime_set(&c, "timeout", "x", mapped, err, sizeof(err)) == -1);
    CHECK_STR(err, strlen(err), "argument couldn't be parsed into an integer");
    CHECK(kv_config_runtime_set(&c, "maxmemory-policy", "x", mapped, err, sizeof(err)) == -1);
    CHECK_STR(err, strlen(err), "argument(s) must be one of the following: volatile-lru, "
              "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
              "allkeys-random, noeviction");
    CHECK(kv_config_runtime_set(&c, "hz", "0", mapped, err, sizeof(err)) == 0 && c.hz == 1);
    CHECK(kv_config_runtime_set(&c, "appendonly", "no", mapped, err, sizeof(err)) == 0);
    CHECK(kv_config_runtime_set(&c, "appendonly", "yes", mapped, err, sizeof(err)) == -1);
    CHECK_STR(err, strlen(err), "kv has no persistence");
    CHECK(kv_config_runtime_set(&c, "nosuch", "1", mapped, err, sizeof(err)) == -2);
    CHECK(kv_config_runtime_name("maxclients", err, sizeof(err)) == -1);
    CHECK_STR(err, strlen(err), "can't be changed at run time: it sizes memory mapped at "
              "startup (would need allocation)");
    CHECK(kv_config_runtime_name("maxmemory-samples", err, sizeof(err)) == 0);
}

/* REWRITE keeps every other line, rewrites kv's options in place (first occurrence),
 * appends changed ones after Redis's marker; the result parses to the same values. */
TEST(rewrite_round_trip) {
    struct kv_config c, back;
    struct warnings w;
    char err[256] = "", out[4096];
    const char *orig = "# top comment\nport 7004\ntcp-backlog 511\nhz 10\n\nhz 11\n"
                       "bind 127.0.0.1 -::1\n# tail";
    CHECK(parse(&c, orig, &w, err) == 0);
    c.hz = 20;
    c.maxmemory_policy = KV_EVICT_ALLKEYS_LRU;
    c.timeout_s = 5;
    int64_t n = kv_config_rewrite_text(&c, orig, (uint32_t)strlen(orig), out, sizeof(out));
    CHECK(n > 0);
    const char *want = "# top comment\nport 7004\ntcp-backlog 511\nhz 20\n\n"
                       "bind 127.0.0.1 -::1\n# tail\n# Generated by CONFIG REWRITE\n"
                       "maxmemory-policy allkeys-lru\ntimeout 5\n";
    CHECK_STR(out, (size_t)n, want);
    out[n < (int64_t)sizeof(out) ? n : 0] = 0; /* parse() takes a C string */
    CHECK(parse(&back, out, &w, err) == 0);
    CHECK(back.hz == 20 && back.timeout_s == 5 && back.port == 7004);
    CHECK(back.maxmemory_policy == KV_EVICT_ALLKEYS_LRU);
    /* A second rewrite of the result changes nothing. */
    char again[4096];
    int64_t m = kv_config_rewrite_text(&back, out, (uint32_t)n, again, sizeof(again));
    CHECK(m == n && memcmp(again, out, (size_t)n) == 0);
    CHECK(kv_config_rewrite_text(&c, orig, (uint32_t)strlen(orig), out, 16) == -1);
}

TEST(derived) {
    struct kv_config c;
    kv_config_defaults(&c);
    CHECK(kv_config_maxkeys(&c) == (64ull << 20) / 128);
    /* The derived default is a multiple of 256 from 4096 slots on (table levels). */
    c.maxmemory = 4095ull * 128 + 127;
    CHECK(kv_config_maxkeys(&c) == 4095);
    c.maxmemory = 4096ull * 128;
    CHECK(kv_config_maxkeys(&c) == 4096);
    c.maxmemory = 5000ull * 128;
    CHECK(kv_config_maxkeys(&c) == 4864);
    c.maxkeys = 5000; /* a given count is kept exactly */
    CHECK(kv_config_maxkeys(&c) == 5000);
    c.maxkeys = 1000;
    CHECK(kv_config_maxkeys(&c) == 1000);
    CHECK(kv_config_argc_max(&c) == c.client_query_buffer_limit / 6 + 1);
}

int main(void) {
    RUN(sizes);
    RUN(args);
    RUN(errors_name_the_option);
    RUN(impossible_configurations);
    RUN(wait_options_at_their_limits);
    RUN(inline_and_hold_options);
    RUN(recv_buffers_powers_of_two);
    RUN(pubsub_backlog_bytes_bounds);
    RUN(watch_max_keys_bounds);
    RUN(config_file);
    RUN(derived);
    RUN(large_buffers_bounds);
    RUN(help_defaults);
    RUN(auth_options);
    RUN(tokenizer);
    RUN(file_syntax);
    RUN(directive_table);
    RUN(every_redis_config_known);
    RUN(bind_addresses);
    RUN(includes);
    RUN(get_values);
    RUN(latency_options);
    RUN(runtime_set);
    RUN(rewrite_round_trip);
    TEST_SUMMARY("config");
}

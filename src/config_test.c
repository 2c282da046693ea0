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
    CHECK(strcmp(err, "unknown option 'bogus'") == 0);
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
    RUN(watch_max_keys_bounds);
    RUN(config_file);
    RUN(derived);
    RUN(large_buffers_bounds);
    RUN(help_defaults);
    RUN(auth_options);
    TEST_SUMMARY("config");
}

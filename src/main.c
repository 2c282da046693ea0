/*
 * main.c: the daemon's startup and its loop. The only place that wires the core
 * to the real world: the kernel clock, getrandom() for the seed, io_uring for io,
 * and signals. Everything the server will ever use is mapped here, the allocation
 * table printed, and then the "ready" line: after it nothing is allocated.
 *
 * `kv sim ...` hands over to the simulator (sim/), which runs the same core over a
 * simulated world instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kv/arena.h"
#include "kv/config.h"
#include "kv/io_uring.h"
#include "kv/process.h"
#include "kv/server.h"
#include "kv/sim.h"

static struct kv_config config;
static struct kv_layout layout;
static struct kv_arena arena;
static struct kv_io io;
static struct kv_io_uring_storage ring_mem;
static struct kv_server server;
static volatile sig_atomic_t stop_requested;
static bool config_file_given; /* CONFIG REWRITE writes it back */

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void say(int fd, const char *s) {
    ssize_t w = write(fd, s, strlen(s));
    (void)w;
}

/*
 * Raises the soft open-file limit toward the hard one, as Redis does for maxclients:
 * every connection is a descriptor (or, with registered files, the table's size is
 * checked against this limit). Failing is harmless: accept answers EMFILE past the
 * limit (ENFILE past a full table), and the server retries it on its next tick.
 */
static void raise_nofile(uint32_t maxclients) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t want = (rlim_t)maxclients + 512;
    if (rl.rlim_cur >= want) return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Connection handles as registered files when the kernel allows (io_uring.h): a
 * table for every client, the reject slots and connections still closing, within
 * the descriptor limit raise_nofile() set. Not while protected mode applies
 * (protected-mode yes, no requirepass): it needs each peer's address, and a
 * registered file has no descriptor for getpeername (their gain was below what this
 * machine resolves at P=1: BENCHMARKS.md "Registered files"). */
static void use_fixed_files(uint32_t maxclients) {
    struct rlimit rl;
    uint64_t want = (uint64_t)maxclients + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        want = KV_MIN(want, rl.rlim_cur > 64 ? (uint64_t)rl.rlim_cur - 64 : 1);
    (void)kv_io_uring_use_fixed_files(kv_io_uring_at(&ring_mem), (uint32_t)KV_MIN(want, KV_IO_URING_CONNS_MAX));
}

static int die(const char *what, const char *msg) {
    char line[512];
    snprintf(line, sizeof(line), "kv: %s%s%s\n", what, msg[0] ? ": " : "", msg);
    say(2, line);
    return 1;
}

/* Config-file warnings: a directive accepted that does nothing in kv, one line each. */
static void config_warning(void *ctx, const char *line) {
    (void)ctx;
    char out[640];
    snprintf(out, sizeof(out), "kv: config: warning: %s\n", line);
    say(1, out);
}

static int parse_options(int argc, char **argv) {
    char err[256] = "";
    int first = 1;
    kv_config_defaults(&config);
    if (argc > 1 && strncmp(argv[1], "--", 2) != 0 && strcmp(argv[1], "-h") != 0) {
        struct kv_config_warn w = {config_warning, NULL};
        if (kv_config_load_file(&config, argv[1], &w, err, sizeof(err)) != 0)
            return die("config", err);
        config_file_given = true;
        first = 2;
    }
    if (kv_config_parse_args(&config, argc, argv, first, err, sizeof(err)) != 0)
        return die("config", err);
    if (config.help) return 0;
    if (kv_config_check(&config, err, sizeof(err)) != 0)
        return die("impossible configuration", err);
    return 0;
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static uint64_t random_seed(void) {
    uint64_t seed = 0;
    ssize_t n = getrandom(&seed, sizeof(seed), 0);
    KV_ASSERT(n == (ssize_t)sizeof(seed));
    return seed;
}

static void print_ready(void) {
    const struct kv_io_uring *ring = kv_io_uring_at(&ring_mem);
    char line[256];
    snprintf(line, sizeof(line),
             "kv: ready: listening on %s:%u, io_uring %s%s%s, %llu bytes mapped, "
             "no allocation from here on\n",
             config.bind, (unsigned)kv_io_uring_port(ring), kv_io_uring_setup_name(ring),
             kv_io_uring_fixed(ring) ? " with registered files" : "",
             kv_io_uring_multishot(ring) ? ", multishot recv" : "",
             (unsigned long long)arena.size);
    say(1, line);
}

/*
 * The engine and the server cannot log (they never call the kernel but through the
 * io): they count the connections closed by a protection rule (POST or Host:, the
 * hold rule), and the loop prints a line when a count grows, at most once a minute
 * as Redis does for its SECURITY ATTACK warning (an attacker cannot flood the log),
 * within a loop turn of the event.
 */
struct counter_log {
    uint64_t seen;
    time_t logged_at;
    bool logged;
};

/* True when `count` grew since the last call and nothing was logged for it in the
 * last minute: an attacker cannot flood the log. */
static bool counter_grew(struct counter_log *l, uint64_t count) {
    if (count == l->seen) return false;
    KV_ASSERT(count > l->seen);
    l->seen = count;
    time_t now = time(NULL);
    if (l->logged && now - l->logged_at <= 60 && l->logged_at - now <= 60) return false;
    l->logged = true;
    l->logged_at = now;
    return true;
}

static void log_protections(void) {
    static struct counter_log security, hold;
    const struct kv_net_stats *st = kv_server_stats(&server);
    if (counter_grew(&security, kv_engine_stats(&server.engine)->security_warnings))
        say(1, "kv: Possible SECURITY ATTACK detected. It looks like somebody is sending POST "
               "or Host: commands to Redis. This is likely due to an attacker attempting to "
               "use Cross Protocol Scripting to compromise your Redis instance. Connection "
               "aborted.\n");
    if (counter_grew(&hold, st->large_buffer_stall_disconnections)) {
        char line[256];
        snprintf(line, sizeof(line),
                 "kv: %llu client(s) disconnected so far by the hold rule: a large buffer held "
                 "without progress while others waited (large-buffer-stall-ms, "
                 "large-buffer-min-progress)\n",
                 (unsigned long long)st->large_buffer_stall_disconnections);
        say(1, line);
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "sim") == 0) return kv_sim_main(argc - 1, argv + 1);
    if (parse_options(argc, argv) != 0) return 1;
    if (config.help) {
        kv_config_print_help(1);
        return 0;
    }
    kv_server_layout(&config, &layout);
    if (config.print_allocation) {
        kv_layout_print(&layout, 1);
        return 0;
    }
    /* Pre-faulting more than the machine has would end in the OOM killer: refuse. */
    uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    if (layout.total > ram) {
        char msg[160];
        snprintf(msg, sizeof(msg), "the configuration needs %llu bytes, the machine has %llu "
                 "(see --print-allocation)", (unsigned long long)layout.total,
                 (unsigned long long)ram);
        return die("impossible configuration", msg);
    }
    char err[256] = "";
    raise_nofile(config.maxclients);
    if (kv_io_uring_init(kv_io_uring_at(&ring_mem), &io, config.bind, config.port, config.maxclients, err,
                         sizeof(err)) != 0)
        return die("cannot start", err);
    int rc = kv_arena_map(&arena, &layout);
    if (rc != 0) return die("cannot map memory (lower --maxmemory or buffers)", strerror(-rc));
    config.port = kv_io_uring_port(kv_io_uring_at(&ring_mem));
    if (!config.protected_mode || config.requirepass[0] != 0) use_fixed_files(config.maxclients);
    kv_io_uring_set_busy_poll(kv_io_uring_at(&ring_mem), &kv_clock_system, config.busy_poll_us);
    kv_io_uring_set_batch_wait(kv_io_uring_at(&ring_mem), config.batch_wait_us);
    kv_server_init(&server, &config, &arena, &io, &kv_clock_system, random_seed());
    const char *config_file = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    kv_engine_set_host(&server.engine, kv_process_host(config_file));
    if (config_file_given) server.engine.config_rewrite = kv_config_rewrite;
    kv_layout_print(&layout, 1);
    kv_arena_seal(&arena);
    install_signals();
    kv_server_start(&server);
    print_ready();
    while (kv_server_run_once(&server, 1000)) {
        log_protections();
        if (stop_requested) kv_server_shutdown(&server);
    }
    say(1, "kv: shutdown complete\n");
    kv_io_uring_deinit(kv_io_uring_at(&ring_mem));
    return 0;
}

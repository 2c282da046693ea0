/*
 * main.c: the daemon's startup and its loop. The only place that wires the core
 * to the real world: the kernel clock, getrandom() for the seed, io_uring for io,
 * signals, the log's descriptor and systemd's notification socket. Everything the
 * server will ever use is mapped here, the allocation table logged, and then the
 * "ready" line: after it nothing is allocated.
 *
 * The log (include/kv/log.h) is the server's ring. main.c drains it with write(2)
 * before the loop starts and after it ends (nothing else runs then); while the loop
 * runs the server drains it through io_uring. The lines "kv: ready" and "kv:
 * shutdown complete" are markers scripts wait for (tests/, ci/, alloc_count.c):
 * keep their text.
 *
 * `kv sim ...` hands over to the simulator (sim/), which runs the same core over a
 * simulated world instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <xxhash.h>
#include <unistd.h>

#include "kv/arena.h"
#include "kv/config.h"
#include "kv/io_uring.h"
#include "kv/process.h"
#include "kv/log.h"
#include "kv/server.h"
#include "kv/sim.h"
#include "kv/version.h"

static struct kv_config config;
static struct kv_layout layout;
static struct kv_arena arena;
static struct kv_io io;
static struct kv_io_uring_storage ring_mem;
static struct kv_server server;
static bool config_file_given; /* CONFIG REWRITE writes it back */
static volatile sig_atomic_t stop_signal; /* SIGTERM or SIGINT received, 0: none */
static int notify_fd = -1;                 /* systemd's NOTIFY_SOCKET, -1: none */
static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len;

static void on_signal(int sig) { stop_signal = sig; }

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
 * the descriptor limit raise_nofile() set. In every mode: each connection's peer
 * address (protected mode, CLIENT LIST) comes with its accept, not from its
 * descriptor (their gain was below what this machine resolves at P=1:
 * BENCHMARKS.md "Registered files"). */
static void use_fixed_files(uint32_t maxclients) {
    struct rlimit rl;
    uint64_t want = (uint64_t)maxclients + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        want = KV_MIN(want, rl.rlim_cur > 64 ? (uint64_t)rl.rlim_cur - 64 : 1);
    (void)kv_io_uring_use_fixed_files(kv_io_uring_at(&ring_mem),
                                      (uint32_t)KV_MIN(want, KV_IO_URING_CONNS_MAX));
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

/*
 * `kv --version`: Redis's line (redis-server -v), with kv's values. v= is the Redis
 * version kv is compatible with, as INFO's redis_version: scripts parse that field
 * and compare it with Redis versions. build= is a hash of what made the binary
 * (versions, commit, compiler), so two builds of one tree by one compiler agree.
 */
static void print_version(void) {
    static const char what[] = KV_VERSION " " KV_REDIS_VERSION " " KV_GIT_SHA " " __VERSION__;
    char line[256];
    snprintf(line, sizeof(line),
             "kv server v=%s sha=%s:%d malloc=libc bits=%d build=%llx kv=%s\n", KV_REDIS_VERSION,
             KV_GIT_SHA, KV_GIT_DIRTY ? 1 : 0, (int)(sizeof(long) * 8),
             (unsigned long long)XXH64(what, sizeof(what) - 1, KV_GIT_DIRTY), KV_VERSION);
    say(1, line);
}

/*
 * systemd's readiness protocol (sd_notify(3), Type=notify) without libsystemd: one
 * datagram to the unix socket named by $NOTIFY_SOCKET ('@' = abstract namespace).
 * The socket is made before "ready"; a send never waits (MSG_DONTWAIT): a lost
 * notification is systemd's timeout, never a stuck loop.
 */
static void notify_open(void) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == 0 || strlen(path) >= sizeof(notify_addr.sun_path)) return;
    if (path[0] != '/' && path[0] != '@') return;
    memset(&notify_addr, 0, sizeof(notify_addr));
    notify_addr.sun_family = AF_UNIX;
    memcpy(notify_addr.sun_path, path, strlen(path));
    if (path[0] == '@') notify_addr.sun_path[0] = 0;
    notify_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static void notify(const char *msg) {
    if (notify_fd < 0) return;
    ssize_t n = sendto(notify_fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
                       (const struct sockaddr *)&notify_addr, notify_addr_len);
    (void)n;
}

/* Writes what the log's ring holds, with write(2): only while the loop is not
 * running (before it starts, after it ends). A failed write loses its bytes. */
static void log_drain(struct kv_log *l) {
    KV_ASSERT(l->inflight == 0);
    for (uint32_t i = 0; i <= l->cap; i++) { /* each pass consumes >= 1 byte */
        const uint8_t *p;
        uint32_t n = kv_log_chunk(l, &p);
        if (n == 0) break;
        ssize_t w = write(l->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        kv_log_consume(l, w > 0 ? (uint32_t)w : n);
    }
    KV_ASSERT(l->head == l->tail || l->inflight == 0);
}

/* Opens --logfile (appended to, as Redis) before anything is mapped: -1 on error. */
static int open_logfile(void) {
    if (config.logfile[0] == 0) return 1;
    int fd = open(config.logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        char msg[384];
        snprintf(msg, sizeof(msg), "Can't open the log file: %s", strerror(errno));
        die("cannot start", msg);
    }
    return fd;
}

/* Local time's offset from UTC, once (log.c computes every line's date from it). */
static int32_t utc_offset_s(void) {
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) == NULL) return 0;
    long off = tm.tm_gmtoff;
    return off > -86400 && off < 86400 ? (int32_t)off : 0;
}

static void log_startup(struct kv_log *l) {
    kv_log(l, KV_LOG_WARNING, "oO0OoO0OoO0Oo kv is starting oO0OoO0OoO0Oo");
    kv_log(l, KV_LOG_WARNING, "kv version=%s (Redis %s), bits=%d, commit=%s, modified=%d, "
           "pid=%u, just started", KV_VERSION, KV_REDIS_VERSION, (int)(sizeof(long) * 8),
           KV_GIT_SHA, KV_GIT_DIRTY ? 1 : 0, l->pid);
    kv_log(l, KV_LOG_NOTICE, "memory, mapped once and pre-faulted (--print-allocation):");
    char row[160];
    for (uint32_t i = 0; i < kv_layout_rows(&layout); i++) {
        kv_layout_row(&layout, i, row, sizeof(row));
        kv_log(l, KV_LOG_NOTICE, "%s", row);
    }
}

/* "127.0.0.1:6379, [::1]:6379": every address listened on. */
static void listen_names(const struct kv_io_uring *ring, char *out, uint32_t cap) {
    uint32_t n = 0;
    KV_ASSERT(cap > 0 && kv_io_uring_listeners(ring) >= 1);
    out[0] = 0;
    for (uint32_t i = 0; i < kv_io_uring_listeners(ring) && n < cap; i++) {
        struct kv_io_peer a = kv_io_uring_listener(ring, i);
        bool v6 = a.family == KV_IO_PEER_IPV6;
        char ip[INET6_ADDRSTRLEN] = "?";
        (void)inet_ntop(v6 ? AF_INET6 : AF_INET, a.addr, ip, sizeof(ip));
        int w = snprintf(out + n, cap - n, v6 ? "%s[%s]:%u" : "%s%s:%u", i ? ", " : "", ip,
                         (unsigned)a.port);
        if (w < 0) break;
        n += (uint32_t)w;
    }
}

static void log_ready(struct kv_log *l) {
    const struct kv_io_uring *ring = kv_io_uring_at(&ring_mem);
    char names[KV_IO_URING_LISTENERS_MAX * 56];
    listen_names(ring, names, sizeof(names));
    kv_log(l, KV_LOG_NOTICE,
           "kv: ready: listening on %s, io_uring %s%s%s, %llu bytes mapped, "
           "no allocation from here on. Ready to accept connections tcp",
           names, kv_io_uring_setup_name(ring),
           kv_io_uring_fixed(ring) ? " with registered files" : "",
           kv_io_uring_multishot(ring) ? ", multishot recv" : "",
           (unsigned long long)arena.size);
}

/* The loop: a signal starts the graceful shutdown (SHUTDOWN does it from inside). */
static void serve(struct kv_log *l) {
    bool stopping = false;
    while (kv_server_run_once(&server, 1000)) {
        int sig = stop_signal;
        if (sig != 0 && !server.shutting_down) {
            kv_log(l, KV_LOG_WARNING, "Received %s scheduling shutdown...",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
            kv_server_shutdown(&server);
        }
        if (server.shutting_down && !stopping) {
            notify("STOPPING=1");
            stopping = true;
        }
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "sim") == 0) return kv_sim_main(argc - 1, argv + 1);
    if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
        print_version();
        return 0;
    }
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
    int log_fd = open_logfile();
    if (log_fd < 0) return 1;
    char err[256] = "";
    raise_nofile(config.maxclients);
    if (kv_io_uring_init(kv_io_uring_at(&ring_mem), &io, config.bind, config.port,
                         config.maxclients, err, sizeof(err)) != 0)
        return die("cannot start", err);
    char skipped[sizeof(err)];
    memcpy(skipped, err, sizeof(err)); /* optional addresses not bound, logged below */
    int rc = kv_arena_map(&arena, &layout);
    if (rc != 0) return die("cannot map memory (lower --maxmemory or buffers)", strerror(-rc));
    config.port = kv_io_uring_port(kv_io_uring_at(&ring_mem));
    use_fixed_files(config.maxclients);
    kv_clock_system_calibrate();
    kv_io_uring_set_busy_poll(kv_io_uring_at(&ring_mem), &kv_clock_system, config.busy_poll_us);
    kv_io_uring_set_batch_wait(kv_io_uring_at(&ring_mem), config.batch_wait_us);
    kv_server_init(&server, &config, &arena, &io, &kv_clock_system, random_seed());
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE); /* 0 or -1 when unknown: always prefetch */
    kv_ks_set_prefetch_floor(&server.ks, l2 > 0 ? (uint64_t)l2 : 0);
    const char *config_file = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    kv_engine_set_host(&server.engine, kv_process_host(config_file));
    if (config_file_given) server.engine.config_rewrite = kv_config_rewrite;
    struct kv_log *log = kv_server_log(&server);
    kv_log_set_origin(log, (uint32_t)getpid(), utc_offset_s());
    log->fd = log_fd;
    log_startup(log);
    if (skipped[0] != 0)
        kv_log(log, KV_LOG_WARNING, "Warning: Could not create server TCP listening socket "
               "(an optional address, skipped): %s", skipped);
    log_drain(log); /* the ready line gets a write of its own (tests/e2e.py strace) */
    kv_arena_seal(&arena);
    install_signals();
    notify_open();
    kv_server_start(&server);
    log_ready(log);
    log_drain(log);
    notify("READY=1\nSTATUS=Ready to accept connections");
    serve(log);
    log_drain(log);
    kv_log(log, KV_LOG_WARNING, "kv: shutdown complete");
    log_drain(log);
    kv_io_uring_deinit(kv_io_uring_at(&ring_mem));
    return 0;
}

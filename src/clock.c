/*
 * clock.c: the kernel clock behind struct kv_clock. Only src/main.c hands it to
 * the server; everything else receives a clock and never calls clock_gettime().
 *
 * The stopwatch (a command's run time, read twice per command) is the CPU's time
 * stamp counter scaled to nanoseconds when the kernel's own clocksource is the TSC
 * (so the kernel has found it invariant and synchronised across CPUs), calibrated
 * once against CLOCK_MONOTONIC at startup (kv_clock_system_calibrate, about 5 ms):
 * a perf profile of HGET at P=16 put 7.7% of kv's CPU in the vDSO's clock_gettime,
 * which orders and scales the same counter. Otherwise, and before calibration, it
 * is CLOCK_MONOTONIC. State: the calibration below, written once before the server
 * starts; tsc_mult == 0 means "not calibrated".
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define KV_HAVE_TSC 1
#endif

#include "kv/clock.h"

#define CALIBRATE_NS 5000000ull       /* the calibration's span */
#define CALIBRATE_PAIR_TRIES 3u       /* a (tsc, ns) pair: the tightest of these */
#define CALIBRATE_SPINS 100000000ull  /* a bound on the span's loop */

static uint64_t tsc_base; /* the counter at calibration */
static uint64_t tsc_mult; /* nanoseconds per tick, 32.32 fixed point; 0: no TSC */

static uint64_t system_monotonic_ns(void *ctx) {
    (void)ctx;
    struct timespec ts;
    int rc = clock_gettime(CLOCK_MONOTONIC, &ts);
    KV_ASSERT(rc == 0);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int64_t system_realtime_ms(void *ctx) {
    (void)ctx;
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    KV_ASSERT(rc == 0);
    return (int64_t)ts.tv_sec * 1000 + (int64_t)ts.tv_nsec / 1000000;
}

static uint64_t system_stopwatch_ns(void *ctx) {
#ifdef KV_HAVE_TSC
    if (tsc_mult != 0) {
        uint64_t ticks = __rdtsc() - tsc_base;
        return (uint64_t)(((unsigned __int128)ticks * tsc_mult) >> 32);
    }
#endif
    return system_monotonic_ns(ctx);
}

const struct kv_clock kv_clock_system = {
    .monotonic_ns = system_monotonic_ns,
    .realtime_ms = system_realtime_ms,
    .ctx = NULL,
    .stopwatch_ns = system_stopwatch_ns,
};

#ifdef KV_HAVE_TSC
/* True if the kernel's current clocksource is "tsc". */
static bool kernel_uses_tsc(void) {
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[16] = "";
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n >= 4 && memcmp(buf, "tsc\n", 4) == 0;
}

/* One reading of both clocks: the counter between two CLOCK_MONOTONIC reads, the
 * tightest of a few tries, paired with their midpoint. */
static void read_pair(uint64_t *tsc, uint64_t *ns) {
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < CALIBRATE_PAIR_TRIES; i++) {
        uint64_t a = system_monotonic_ns(NULL);
        uint64_t t = __rdtsc();
        uint64_t b = system_monotonic_ns(NULL);
        if (b - a < best) {
            best = b - a;
            *tsc = t;
            *ns = a + (b - a) / 2;
        }
    }
    KV_ASSERT(best != UINT64_MAX);
}
#endif

void kv_clock_system_calibrate(void) {
#ifdef KV_HAVE_TSC
    KV_ASSERT(tsc_mult == 0);
    if (!kernel_uses_tsc()) return;
    uint64_t t0 = 0, n0 = 0, t1 = 0, n1 = 0;
    read_pair(&t0, &n0);
    for (uint64_t i = 0; i < CALIBRATE_SPINS; i++) {
        read_pair(&t1, &n1);
        if (n1 - n0 >= CALIBRATE_NS) break;
    }
    if (t1 <= t0 || n1 - n0 < CALIBRATE_NS) return; /* no usable span: stay on the kernel */
    KV_ASSERT(t1 > t0 && n1 - n0 >= CALIBRATE_NS);
    tsc_base = t0;
    tsc_mult = (uint64_t)((((unsigned __int128)(n1 - n0)) << 32) / (t1 - t0));
#endif
}

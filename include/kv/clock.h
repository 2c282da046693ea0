/*
 * clock.h: time, injected. The core never calls clock_gettime() or time():
 * src/main.c provides the kernel clock, sim/ provides a simulated one that only
 * moves when the simulator says so.
 * - monotonic_ns: for idle timeouts and tick scheduling; never goes backwards.
 * - realtime_ms: unix time in milliseconds, for TTLs (EXPIREAT, TIME). The
 *   simulator may jump it forward to exercise expiry.
 * - stopwatch_ns (may be NULL: monotonic_ns serves): a cheaper reading for short
 *   durations: a command's run time (INFO commandstats and latencystats, SLOWLOG,
 *   LATENCY). Only the difference of two readings means anything, and
 *   kv_clock_elapsed_ns reads a step backwards (a TSC read on another CPU) as 0.
 */
#ifndef KV_CLOCK_H
#define KV_CLOCK_H

#include "kv/common.h"

struct kv_clock {
    uint64_t (*monotonic_ns)(void *ctx);
    int64_t (*realtime_ms)(void *ctx);
    void *ctx;
    uint64_t (*stopwatch_ns)(void *ctx);
};

static inline uint64_t kv_clock_monotonic_ns(const struct kv_clock *c) {
    return c->monotonic_ns(c->ctx);
}
static inline int64_t kv_clock_realtime_ms(const struct kv_clock *c) {
    return c->realtime_ms(c->ctx);
}

static inline uint64_t kv_clock_stopwatch_ns(const struct kv_clock *c) {
    return c->stopwatch_ns != NULL ? c->stopwatch_ns(c->ctx) : c->monotonic_ns(c->ctx);
}
/* Nanoseconds from stopwatch reading t0 to t1 (0 if t1 is earlier). */
static inline uint64_t kv_clock_elapsed_ns(uint64_t t0, uint64_t t1) {
    return t1 >= t0 ? t1 - t0 : 0;
}

/* The kernel clock (src/clock.c). Only main.c uses it. */
extern const struct kv_clock kv_clock_system;
/* Calibrates kv_clock_system's stopwatch (the TSC, when the kernel's clocksource is
 * the TSC: a few milliseconds); until then, and otherwise, it reads monotonic_ns. */
void kv_clock_system_calibrate(void);

#endif

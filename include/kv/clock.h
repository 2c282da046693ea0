/*
 * clock.h: time, injected. The core never calls clock_gettime() or time():
 * src/main.c provides the kernel clock, sim/ provides a simulated one that only
 * moves when the simulator says so.
 * - monotonic_ns: for idle timeouts and tick scheduling; never goes backwards.
 * - realtime_ms: unix time in milliseconds, for TTLs (EXPIREAT, TIME). The
 *   simulator may jump it forward to exercise expiry.
 */
#ifndef KV_CLOCK_H
#define KV_CLOCK_H

#include "kv/common.h"

struct kv_clock {
    uint64_t (*monotonic_ns)(void *ctx);
    int64_t (*realtime_ms)(void *ctx);
    void *ctx;
};

static inline uint64_t kv_clock_monotonic_ns(const struct kv_clock *c) {
    return c->monotonic_ns(c->ctx);
}
static inline int64_t kv_clock_realtime_ms(const struct kv_clock *c) {
    return c->realtime_ms(c->ctx);
}

/* The kernel clock (src/clock.c). Only main.c uses it. */
extern const struct kv_clock kv_clock_system;

#endif

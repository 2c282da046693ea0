/*
 * clock.c: the kernel clock behind struct kv_clock. Only src/main.c hands it to
 * the server; everything else receives a clock and never calls clock_gettime().
 */
#include <time.h>

#include "kv/clock.h"

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

const struct kv_clock kv_clock_system = {
    .monotonic_ns = system_monotonic_ns,
    .realtime_ms = system_realtime_ms,
    .ctx = NULL,
};

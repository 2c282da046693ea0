/*
 * clock_test.c: the stopwatch (include/kv/clock.h): a clock without one reads its
 * monotonic clock, a step backwards reads as 0, and the system clock's calibrated
 * stopwatch (the TSC, where the kernel's clocksource is the TSC) agrees with
 * CLOCK_MONOTONIC over a 20 ms span to within 2% (an accuracy bound, not a speed
 * one: both clocks are read around the same span). Test code: heap and stdio allowed.
 */
#include "kv/clock.h"
#include "testing.h"

static uint64_t fake_ns;
static uint64_t fake_mono(void *ctx) { (void)ctx; return fake_ns; }
static int64_t fake_real(void *ctx) { (void)ctx; return 0; }

TEST(test_elapsed_never_negative) {
    CHECK(kv_clock_elapsed_ns(3, 5) == 2);
    CHECK(kv_clock_elapsed_ns(5, 5) == 0);
    CHECK(kv_clock_elapsed_ns(5, 3) == 0);
    CHECK(kv_clock_elapsed_ns(0, UINT64_MAX) == UINT64_MAX);
}

TEST(test_no_stopwatch_reads_monotonic) {
    const struct kv_clock c = {fake_mono, fake_real, NULL, NULL};
    fake_ns = 1234;
    CHECK(kv_clock_stopwatch_ns(&c) == 1234);
    fake_ns = 99999;
    CHECK(kv_clock_stopwatch_ns(&c) == 99999);
}

/* Both clocks' readings over one span of at least 20 ms of CLOCK_MONOTONIC. */
static void span(uint64_t *sw, uint64_t *mono) {
    const struct kv_clock *c = &kv_clock_system;
    uint64_t s0 = kv_clock_stopwatch_ns(c), m0 = kv_clock_monotonic_ns(c), m1 = m0;
    for (uint64_t i = 0; i < 1000000000ull && m1 - m0 < 20000000ull; i++)
        m1 = kv_clock_monotonic_ns(c);
    uint64_t s1 = kv_clock_stopwatch_ns(c);
    *sw = kv_clock_elapsed_ns(s0, s1);
    *mono = m1 - m0;
}

TEST(test_system_stopwatch_agrees_with_monotonic) {
    uint64_t sw, mono;
    span(&sw, &mono); /* before calibration: CLOCK_MONOTONIC itself */
    CHECK(mono >= 20000000ull && sw >= mono);
    kv_clock_system_calibrate();
    span(&sw, &mono);
    CHECK(mono >= 20000000ull);
    CHECK(sw >= mono - mono / 50 && sw <= mono + mono / 50);
}

int main(void) {
    RUN(test_elapsed_never_negative);
    RUN(test_no_stopwatch_reads_monotonic);
    RUN(test_system_stopwatch_agrees_with_monotonic);
    TEST_SUMMARY("clock");
}

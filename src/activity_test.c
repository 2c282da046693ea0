/*
 * activity_test.c: exact counts for src/activity.c on a synthetic clock: distinct
 * connections per 1 ms epoch, the previous epoch reported, a quiet millisecond
 * resetting it, and a connection sending many times counted once.
 */
#include "kv/activity.h"
#include "testing.h"

#define MS 1000000ull

TEST(test_counts_distinct_connections) {
    struct kv_activity a = {0};
    uint64_t conn[60] = {0};
    uint64_t t0 = 5 * MS;
    CHECK(kv_activity_recent(&a, t0) == 0);
    for (int round = 0; round < 3; round++) /* 50 connections, three requests each */
        for (int i = 0; i < 50; i++) kv_activity_note(&a, &conn[i], t0 + (uint64_t)round * 1000);
    CHECK(a.count == 50 && a.epoch == 1);
    CHECK(kv_activity_recent(&a, t0 + MS - 1) == 0); /* the first epoch is not over */
    CHECK(kv_activity_recent(&a, t0 + MS) == 50);    /* over: it is the last whole one */
    /* The next epoch: 10 of them send; until it ends, the answer is still 50. */
    for (int i = 0; i < 10; i++) kv_activity_note(&a, &conn[i], t0 + MS + 10);
    CHECK(a.epoch == 2 && a.count == 10 && a.last_count == 50);
    CHECK(kv_activity_recent(&a, t0 + MS + 500000) == 50);
    CHECK(kv_activity_recent(&a, t0 + 2 * MS + 10) == 10);
    CHECK(kv_activity_recent(&a, t0 + 3 * MS + 10) == 0); /* a quiet millisecond */
}

TEST(test_quiet_gap_resets) {
    struct kv_activity a = {0};
    uint64_t conn[40] = {0};
    for (int i = 0; i < 40; i++) kv_activity_note(&a, &conn[i], 10 * MS + (uint64_t)i);
    /* More than a whole epoch with nothing: the 40 are not the epoch before. */
    kv_activity_note(&a, &conn[0], 12 * MS + 100);
    CHECK(a.epoch == 2 && a.count == 1 && a.last_count == 0);
    CHECK(kv_activity_recent(&a, 12 * MS + 200) == 0);
    /* Right after one epoch ends, its count carries over. */
    kv_activity_note(&a, &conn[1], 13 * MS + 100);
    CHECK(a.epoch == 3 && a.last_count == 1 && a.count == 1);
    CHECK(conn[1] == 3 && conn[0] == 2 && conn[2] == 1);
}

TEST(test_time_zero_and_new_connections) {
    struct kv_activity a = {0};
    uint64_t c0 = 0, c1 = 0;
    kv_activity_note(&a, &c0, 0); /* a simulated clock may start at 0 */
    kv_activity_note(&a, &c1, 0);
    kv_activity_note(&a, &c0, 10);
    CHECK(a.epoch == 1 && a.count == 2 && c0 == 1 && c1 == 1);
    CHECK(kv_activity_recent(&a, MS) == 2);
    CHECK(kv_activity_recent(&a, 0) == 0); /* the epoch before the first: none */
}

int main(void) {
    RUN(test_counts_distinct_connections);
    RUN(test_quiet_gap_resets);
    RUN(test_time_zero_and_new_connections);
    TEST_SUMMARY("activity");
}

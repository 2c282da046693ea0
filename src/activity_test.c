/*
 * activity_test.c: exact counts for src/activity.c on a synthetic clock: distinct
 * connections per 1 ms epoch, the previous epoch reported, a quiet millisecond
 * resetting it, and a connection sending many times counted once; and the io
 * batch plan (kv_batch_plan) for every kind of load at its boundaries.
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

/* The io wait per load: none below 32 senders; a quarter of them (at most 64)
 * over one window per 16 requests they would bring, at least 1, at most 4. The
 * last case's depth times 12 wraps 32 bits to 0: the product must be 64-bit. */
TEST(test_batch_plan) {
    static const uint32_t in[][2] = {{0, 1},   {31, 1},  {31, 16},  {32, 1},   {50, 1},
                                     {50, 2},  {50, 3},  {50, 16},  {63, 1},   {64, 1},
                                     {128, 1}, {150, 1}, {192, 1},  {256, 1},  {10000, 1},
                                     {32, 16}, {10000, 16}, {50, 1u << 30}};
    static const uint32_t out[][2] = {{0, 0},  {0, 0},  {0, 0},  {8, 1},  {12, 1},
                                      {12, 1}, {12, 2}, {12, 4}, {15, 1}, {16, 1},
                                      {32, 2}, {37, 2}, {48, 3}, {64, 4}, {64, 4},
                                      {8, 4},  {64, 4},  {12, 4}};
    for (uint32_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        struct kv_batch_plan p = kv_batch_plan(in[i][0], in[i][1]);
        CHECK(p.batch == out[i][0] && p.windows == out[i][1]);
    }
}

int main(void) {
    RUN(test_counts_distinct_connections);
    RUN(test_quiet_gap_resets);
    RUN(test_time_zero_and_new_connections);
    RUN(test_batch_plan);
    TEST_SUMMARY("activity");
}

/* bufpool_test.c: exhaustion, reuse, FIFO hand-off, cancellation, accounting. */
#include "kv/bufpool.h"
#include "testing.h"

#define N 4
#define SIZE 64
static uint8_t mem[N * SIZE];
static uint32_t free_stack[N];
static uint32_t waiters[8];

static void fresh(struct kv_bufpool *p) {
    kv_bufpool_init(p, mem, SIZE, N, free_stack, waiters, 8);
}

TEST(exhaustion_and_reuse) {
    struct kv_bufpool p;
    fresh(&p);
    uint8_t *got[N];
    for (int i = 0; i < N; i++) {
        got[i] = kv_bufpool_acquire(&p);
        CHECK(got[i] == mem + i * SIZE); /* lowest index first */
    }
    CHECK(p.free_count == 0);
    CHECK(kv_bufpool_acquire(&p) == NULL);
    CHECK(kv_bufpool_release(&p, got[2]) == KV_BUFPOOL_NO_WAITER);
    CHECK(p.free_count == 1);
    CHECK(kv_bufpool_acquire(&p) == got[2]); /* reused */
    for (int i = 0; i < N; i++) CHECK(kv_bufpool_release(&p, got[i]) == KV_BUFPOOL_NO_WAITER);
    CHECK(p.free_count == N);
    kv_bufpool_check(&p);
}

TEST(fifo_handoff) {
    struct kv_bufpool p;
    fresh(&p);
    uint8_t *got[N];
    for (int i = 0; i < N; i++) got[i] = kv_bufpool_acquire(&p);
    kv_bufpool_wait(&p, 7);
    kv_bufpool_wait(&p, 3);
    kv_bufpool_wait(&p, 5);
    CHECK(p.waiters_len == 3);
    CHECK(kv_bufpool_is_waiting(&p, 3));
    /* Releases go to the waiters in arrival order, never back to the free stack. */
    CHECK(kv_bufpool_release(&p, got[0]) == 7);
    CHECK(kv_bufpool_release(&p, got[1]) == 3);
    CHECK(p.free_count == 0);
    /* While someone waits, a newcomer cannot overtake. */
    CHECK(kv_bufpool_acquire(&p) == NULL);
    CHECK(kv_bufpool_release(&p, got[2]) == 5);
    CHECK(p.waiters_len == 0);
    CHECK(kv_bufpool_release(&p, got[3]) == KV_BUFPOOL_NO_WAITER);
    CHECK(p.free_count == 1);
    kv_bufpool_check(&p);
}

TEST(cancel_wait) {
    struct kv_bufpool p;
    fresh(&p);
    uint8_t *got[N];
    for (int i = 0; i < N; i++) got[i] = kv_bufpool_acquire(&p);
    kv_bufpool_wait(&p, 1);
    kv_bufpool_wait(&p, 2);
    kv_bufpool_wait(&p, 3);
    CHECK(kv_bufpool_cancel_wait(&p, 2));
    CHECK(!kv_bufpool_cancel_wait(&p, 2));
    CHECK(!kv_bufpool_is_waiting(&p, 2));
    CHECK(p.waiters_len == 2);
    CHECK(kv_bufpool_release(&p, got[0]) == 1);
    CHECK(kv_bufpool_release(&p, got[1]) == 3);
    CHECK(kv_bufpool_release(&p, got[2]) == KV_BUFPOOL_NO_WAITER);
    CHECK(kv_bufpool_release(&p, got[3]) == KV_BUFPOOL_NO_WAITER);
    CHECK(p.free_count == 2);
    kv_bufpool_check(&p);
}

TEST(wait_ring_wraps) {
    struct kv_bufpool p;
    fresh(&p);
    uint8_t *got[N];
    for (int i = 0; i < N; i++) got[i] = kv_bufpool_acquire(&p);
    /* 20 wait/hand-off rounds through a ring of 8 entries. */
    for (uint32_t round = 0; round < 20; round++) {
        kv_bufpool_wait(&p, round);
        kv_bufpool_wait(&p, round + 100);
        CHECK(kv_bufpool_release(&p, got[0]) == round);
        CHECK(kv_bufpool_release(&p, got[0]) == round + 100);
    }
    CHECK(p.waiters_len == 0 && p.free_count == 0);
    kv_bufpool_check(&p);
}

int main(void) {
    RUN(exhaustion_and_reuse);
    RUN(fifo_handoff);
    RUN(cancel_wait);
    RUN(wait_ring_wraps);
    TEST_SUMMARY("bufpool");
}

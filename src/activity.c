/*
 * activity.c: distinct sending connections per millisecond (see activity.h).
 * O(1) per arrival: each connection carries the number of the last epoch it was
 * counted in.
 */
#include "kv/activity.h"

#include "kv/io.h"

void kv_activity_note(struct kv_activity *a, uint64_t *conn_epoch, uint64_t now_ns) {
    KV_ASSERT(a != NULL && conn_epoch != NULL && *conn_epoch <= a->epoch);
    KV_ASSERT(now_ns >= a->epoch_ns && "activity: monotonic time went backwards");
    uint64_t age = now_ns - a->epoch_ns;
    if (a->epoch == 0 || age >= KV_ACTIVITY_EPOCH_NS) {
        a->last_count = (a->epoch > 0 && age < 2 * KV_ACTIVITY_EPOCH_NS) ? a->count : 0;
        a->epoch_ns = now_ns;
        a->epoch++;
        a->count = 0;
    }
    if (*conn_epoch != a->epoch) {
        *conn_epoch = a->epoch;
        a->count++;
    }
    KV_ASSERT(a->count > 0 && a->count != UINT32_MAX);
}

uint32_t kv_activity_recent(const struct kv_activity *a, uint64_t now_ns) {
    KV_ASSERT(a != NULL);
    if (a->epoch == 0) return 0;
    if (now_ns < a->epoch_ns) return a->last_count; /* a time read before the epoch began */
    uint64_t age = now_ns - a->epoch_ns;
    if (age >= 2 * KV_ACTIVITY_EPOCH_NS) return 0;
    if (age >= KV_ACTIVITY_EPOCH_NS) return a->count;
    return a->last_count;
}

struct kv_batch_plan kv_batch_plan(uint32_t sending, uint32_t depth) {
    KV_ASSERT(depth >= 1);
    if (sending < KV_BATCH_MIN_SENDING) return (struct kv_batch_plan){0, 0};
    uint32_t batch = KV_MIN(sending / KV_BATCH_PER_SENDING, KV_IO_BATCH_MAX);
    uint64_t requests = (uint64_t)batch * depth;
    uint32_t windows = (uint32_t)KV_MIN(requests / KV_BATCH_WINDOW_REQUESTS, KV_IO_WINDOWS_MAX);
    struct kv_batch_plan p = {batch, KV_MAX(windows, 1u)};
    KV_ASSERT(p.batch >= 2 && p.windows >= 1 && p.windows <= KV_IO_WINDOWS_MAX);
    return p;
}

/*
 * activity.c: distinct sending connections per millisecond (see activity.h).
 * O(1) per arrival: each connection carries the number of the last epoch it was
 * counted in.
 */
#include "kv/activity.h"

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

/*
 * latency.c: the latency monitor's rings (include/kv/latency.h). Pure bookkeeping:
 * times come from the caller (the engine's injected clock), so the simulator and the
 * unit test drive it with any times they like. Never allocates.
 */
#include <string.h>

#include "kv/latency.h"

static const char *const event_names[KV_LAT_EVENTS] = {
    "command", "fast-command", "expire-cycle",
};

const char *kv_latency_event_name(enum kv_latency_event ev) {
    KV_ASSERT((uint32_t)ev < KV_LAT_EVENTS);
    return event_names[ev];
}

enum kv_latency_event kv_latency_event_find(const uint8_t *name, uint32_t len) {
    KV_ASSERT(name != NULL || len == 0);
    for (uint32_t i = 0; i < KV_LAT_EVENTS; i++) {
        if (strlen(event_names[i]) == len && memcmp(event_names[i], name, len) == 0)
            return (enum kv_latency_event)i;
    }
    return KV_LAT_EVENTS;
}

void kv_latency_init(struct kv_latency *l) {
    KV_ASSERT(l != NULL);
    memset(l, 0, sizeof(*l));
    KV_ASSERT(l->orders == 0);
}

void kv_latency_note(struct kv_latency *l, enum kv_latency_event ev, uint64_t ms,
                     uint64_t threshold_ms, int64_t now_s) {
    KV_ASSERT(l != NULL && (uint32_t)ev < KV_LAT_EVENTS);
    if (threshold_ms == 0 || ms < threshold_ms) return;
    struct kv_latency_series *s = &l->ev[ev];
    uint32_t v = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    if (s->order == 0) s->order = ++l->orders;
    if (v > s->max_ms) s->max_ms = v;
    struct kv_latency_sample *prev =
        &s->samples[(s->next + KV_LATENCY_SAMPLES - 1) % KV_LATENCY_SAMPLES];
    if (prev->time_s == now_s) { /* the same second: keep the larger */
        if (v > prev->ms) prev->ms = v;
        return;
    }
    s->samples[s->next].time_s = now_s;
    s->samples[s->next].ms = v;
    s->next = (s->next + 1) % KV_LATENCY_SAMPLES;
    KV_ASSERT(s->order != 0 && s->order <= l->orders);
}

bool kv_latency_exists(const struct kv_latency *l, enum kv_latency_event ev) {
    KV_ASSERT(l != NULL && (uint32_t)ev < KV_LAT_EVENTS);
    return l->ev[ev].order != 0;
}

uint32_t kv_latency_list(const struct kv_latency *l, enum kv_latency_event *out) {
    KV_ASSERT(l != NULL && out != NULL);
    uint32_t n = 0;
    for (uint32_t i = 0; i < KV_LAT_EVENTS; i++) { /* insertion by order: 3 events */
        if (l->ev[i].order == 0) continue;
        uint32_t at = n++;
        while (at > 0 && l->ev[out[at - 1]].order > l->ev[i].order) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (enum kv_latency_event)i;
    }
    KV_ASSERT(n <= KV_LAT_EVENTS);
    return n;
}

const struct kv_latency_sample *kv_latency_latest(const struct kv_latency *l,
                                                  enum kv_latency_event ev) {
    KV_ASSERT(kv_latency_exists(l, ev));
    const struct kv_latency_series *s = &l->ev[ev];
    const struct kv_latency_sample *x =
        &s->samples[(s->next + KV_LATENCY_SAMPLES - 1) % KV_LATENCY_SAMPLES];
    KV_ASSERT(x->time_s != 0);
    return x;
}

const struct kv_latency_sample *kv_latency_sample_at(const struct kv_latency *l,
                                                     enum kv_latency_event ev, uint32_t i) {
    KV_ASSERT(l != NULL && (uint32_t)ev < KV_LAT_EVENTS);
    const struct kv_latency_series *s = &l->ev[ev];
    uint32_t seen = 0;
    for (uint32_t j = 0; j < KV_LATENCY_SAMPLES; j++) {
        const struct kv_latency_sample *x = &s->samples[(s->next + j) % KV_LATENCY_SAMPLES];
        if (x->time_s == 0) continue;
        if (seen++ == i) return x;
    }
    return NULL;
}

uint32_t kv_latency_sample_count(const struct kv_latency *l, enum kv_latency_event ev) {
    KV_ASSERT(l != NULL && (uint32_t)ev < KV_LAT_EVENTS);
    uint32_t n = 0;
    for (uint32_t j = 0; j < KV_LATENCY_SAMPLES; j++) n += l->ev[ev].samples[j].time_s != 0;
    KV_ASSERT(n <= KV_LATENCY_SAMPLES);
    return n;
}

uint32_t kv_latency_reset(struct kv_latency *l, enum kv_latency_event ev) {
    KV_ASSERT(l != NULL && (uint32_t)ev < KV_LAT_EVENTS);
    if (l->ev[ev].order == 0) return 0;
    memset(&l->ev[ev], 0, sizeof(l->ev[ev]));
    KV_ASSERT(!kv_latency_exists(l, ev));
    return 1;
}

/*
 * latency.h: the latency monitor (LATENCY LATEST, HISTORY, RESET, GRAPH, DOCTOR):
 * one ring of samples per event, Redis's latency.c semantics. A sample is
 * (unix seconds, milliseconds); the engine adds one when an event took at least
 * latency-monitor-threshold ms (0: the monitor is off and nothing is added). Two
 * samples in the same second keep the larger; each event also keeps its all-time max.
 *
 * Events kv measures: "command" and "fast-command" (a command's handler, split by
 * the FAST flag as Redis splits them), "expire-cycle" (the active expiry sweep of a
 * tick), "eviction-cycle" (the OOM pre-check's room making, when it evicted keys). kv
 * has no fork, AOF, disk or lazy free, so Redis's other events never occur.
 *
 * Memory: fixed arrays inside struct kv_latency (the engine's): KV_LATENCY_EVENTS
 * rings of KV_LATENCY_SAMPLES samples, 160 as Redis's LATENCY_TS_LEN, so HISTORY and
 * GRAPH show the same depth as Redis (16 bytes a sample, 10 KB in all). Never
 * allocates. Invariants: a ring's samples with time 0 are empty; an event "exists"
 * (LATEST, HISTORY) from its first sample until a RESET; `order` numbers events by
 * their first sample, the order LATEST lists them in.
 */
#ifndef KV_LATENCY_H
#define KV_LATENCY_H

#include "kv/common.h"

#define KV_LATENCY_SAMPLES 160u

enum kv_latency_event {
    KV_LAT_COMMAND = 0,
    KV_LAT_FAST_COMMAND,
    KV_LAT_EXPIRE_CYCLE,
    KV_LAT_EVICTION_CYCLE,
    KV_LAT_EVENTS,
};

struct kv_latency_sample {
    int64_t time_s;      /* 0: empty */
    uint32_t ms;
};

struct kv_latency_series {
    struct kv_latency_sample samples[KV_LATENCY_SAMPLES];
    uint32_t next;       /* the slot the next new second goes to */
    uint32_t max_ms;     /* all-time high, since the last RESET */
    uint32_t order;      /* 0: the event does not exist */
};

struct kv_latency {
    struct kv_latency_series ev[KV_LAT_EVENTS];
    uint32_t orders;     /* the last order handed out */
};

const char *kv_latency_event_name(enum kv_latency_event ev);
/* The event called name (case-sensitive, as Redis's dict; up to a NUL byte, as
 * Redis reads the argument as a C string), or KV_LAT_EVENTS. */
enum kv_latency_event kv_latency_event_find(const uint8_t *name, uint32_t len);
void kv_latency_init(struct kv_latency *l);
/* Redis's latencyAddSampleIfNeeded: adds (now_s, ms) if threshold > 0 and ms >= it. */
void kv_latency_note(struct kv_latency *l, enum kv_latency_event ev, uint64_t ms,
                     uint64_t threshold_ms, int64_t now_s);
bool kv_latency_exists(const struct kv_latency *l, enum kv_latency_event ev);
/* The existing events in LATEST's order; returns how many (at most KV_LAT_EVENTS). */
uint32_t kv_latency_list(const struct kv_latency *l, enum kv_latency_event *out);
/* The latest sample of an existing event. */
const struct kv_latency_sample *kv_latency_latest(const struct kv_latency *l,
                                                  enum kv_latency_event ev);
/* The i-th non-empty sample of an event, oldest first; NULL past the last. */
const struct kv_latency_sample *kv_latency_sample_at(const struct kv_latency *l,
                                                     enum kv_latency_event ev, uint32_t i);
uint32_t kv_latency_sample_count(const struct kv_latency *l, enum kv_latency_event ev);
/* Forgets an event; returns 1 if it existed, else 0 (RESET's count). */
uint32_t kv_latency_reset(struct kv_latency *l, enum kv_latency_event ev);

/* Text replies, written into buf (cap bytes, at least KV_LATENCY_TEXT_MAX), returning
 * their length. GRAPH: Redis's sparkline of an existing event (80 columns, 4 rows,
 * labels "Ns" / "Nm" / "Nh" / "Nd" ago). DOCTOR: Redis's report for the events kv
 * has, with the settings its advice depends on. */
#define KV_LATENCY_TEXT_MAX 8192u
uint32_t kv_latency_graph(const struct kv_latency *l, enum kv_latency_event ev, int64_t now_s,
                          char *buf, uint32_t cap);
struct kv_latency_doctor_facts {
    int64_t now_s;
    int64_t threshold_ms;         /* latency-monitor-threshold */
    int64_t slowlog_slower_than;  /* slowlog-log-slower-than, µs */
    uint32_t hz;
};
uint32_t kv_latency_doctor(const struct kv_latency *l, const struct kv_latency_doctor_facts *f,
                           char *buf, uint32_t cap);

#endif

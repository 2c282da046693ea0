/*
 * latency.c: the latency monitor's rings (include/kv/latency.h). Pure bookkeeping:
 * times come from the caller (the engine's injected clock), so the simulator and the
 * unit test drive it with any times they like. Never allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kv/latency.h"

static const char *const event_names[KV_LAT_EVENTS] = {
    "command", "fast-command", "expire-cycle", "eviction-cycle",
};

const char *kv_latency_event_name(enum kv_latency_event ev) {
    KV_ASSERT((uint32_t)ev < KV_LAT_EVENTS);
    return event_names[ev];
}

enum kv_latency_event kv_latency_event_find(const uint8_t *name, uint32_t len) {
    KV_ASSERT(name != NULL || len == 0);
    const uint8_t *nul = len > 0 ? memchr(name, 0, len) : NULL;
    if (nul != NULL) len = (uint32_t)(nul - name); /* a C string to Redis */
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

/* ---- GRAPH --------------------------------------------------------------------- */

struct text {
    char *p;
    uint32_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...) {
    KV_ASSERT(t->len < t->cap);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    KV_ASSERT(n >= 0 && (uint32_t)n < t->cap - t->len);
    t->len += (uint32_t)n;
}

#define GRAPH_COLS 80u
#define GRAPH_ROWS 4u
#define LABEL_MAX 24u

static void label_of(int64_t elapsed, char *out) {
    if (elapsed < 60) snprintf(out, LABEL_MAX, "%ds", (int)elapsed);
    else if (elapsed < 3600) snprintf(out, LABEL_MAX, "%dm", (int)(elapsed / 60));
    else if (elapsed < 86400) snprintf(out, LABEL_MAX, "%dh", (int)(elapsed / 3600));
    else snprintf(out, LABEL_MAX, "%dd", (int)(elapsed / 86400));
}

/* The sparkline's height of one sample: 0..11 in thirds of a row (Redis's steps). */
static int step_of(uint32_t v, uint32_t lo, uint32_t hi) {
    double rel = (double)(v - lo), relmax = hi == lo ? 1.0 : (double)(hi - lo);
    int steps = 3 * (int)GRAPH_ROWS;
    int step = (int)((double)(int)(rel * steps) / relmax);
    return step < 0 ? 0 : step >= steps ? steps - 1 : step;
}

/* One block of at most 80 samples: 4 rows of "_o#|", a blank row, then the labels
 * written downwards, a character per row. */
static void graph_block(struct text *t, const struct kv_latency_sample *const *x, uint32_t n,
                        uint32_t lo, uint32_t hi, int64_t now_s) {
    KV_ASSERT(n > 0 && n <= GRAPH_COLS);
    static const char fill[] = "_o#";
    char line[GRAPH_COLS + 1];
    for (uint32_t row = 0; row < GRAPH_ROWS; row++) {
        for (uint32_t j = 0; j < n; j++) {
            int idx = step_of(x[j]->ms, lo, hi) - (int)(GRAPH_ROWS - row - 1) * 3;
            line[j] = idx < 0 ? ' ' : idx < 3 ? fill[idx] : '|';
        }
        put(t, "%.*s\n", (int)n, line);
    }
    memset(line, ' ', n);
    put(t, "%.*s\n", (int)n, line); /* the labels' top margin */
    for (uint32_t row = 0; row < LABEL_MAX; row++) {
        bool any = false;
        for (uint32_t j = 0; j < n; j++) {
            char label[LABEL_MAX];
            label_of(now_s - x[j]->time_s, label);
            line[j] = row < strlen(label) ? label[row] : ' ';
            any |= row < strlen(label);
        }
        if (!any) break;
        put(t, "%.*s\n", (int)n, line);
    }
    KV_ASSERT(t->len < t->cap);
}

uint32_t kv_latency_graph(const struct kv_latency *l, enum kv_latency_event ev, int64_t now_s,
                          char *buf, uint32_t cap) {
    KV_ASSERT(kv_latency_exists(l, ev) && cap >= KV_LATENCY_TEXT_MAX);
    const struct kv_latency_sample *x[KV_LATENCY_SAMPLES];
    uint32_t n = 0, lo = 0, hi = 0;
    for (const struct kv_latency_sample *s; (s = kv_latency_sample_at(l, ev, n)) != NULL;) {
        lo = n == 0 || s->ms < lo ? s->ms : lo;
        hi = n == 0 || s->ms > hi ? s->ms : hi;
        x[n++] = s;
    }
    struct text t = {buf, 0, cap};
    put(&t, "%s - high %u ms, low %u ms (all time high %u ms)\n", event_names[ev], hi, lo,
        l->ev[ev].max_ms);
    char dashes[GRAPH_COLS + 1];
    memset(dashes, '-', GRAPH_COLS);
    put(&t, "%.*s\n", (int)GRAPH_COLS, dashes);
    for (uint32_t j = 0; j < n; j += GRAPH_COLS) {
        if (j != 0) put(&t, "\n");
        graph_block(&t, x + j, KV_MIN(n - j, GRAPH_COLS), lo, hi, now_s);
    }
    KV_ASSERT(n > 0);
    return t.len;
}

/* ---- DOCTOR -------------------------------------------------------------------- */

/* Redis's analyzeLatencyForEvent: samples, mean, mean absolute deviation, and the
 * seconds since the oldest sample (at least 1). */
struct event_stats {
    uint32_t samples;
    uint64_t avg, mad;
    int64_t period;
};

static void analyze(const struct kv_latency_series *s, int64_t now_s, struct event_stats *o) {
    memset(o, 0, sizeof(*o));
    uint64_t sum = 0;
    int64_t oldest = 0;
    for (uint32_t j = 0; j < KV_LATENCY_SAMPLES; j++) {
        if (s->samples[j].time_s == 0) continue;
        o->samples++;
        sum += s->samples[j].ms;
        if (oldest == 0 || s->samples[j].time_s < oldest) oldest = s->samples[j].time_s;
    }
    if (o->samples == 0) return;
    o->avg = sum / o->samples;
    o->period = now_s - oldest;
    if (o->period == 0) o->period = 1;
    uint64_t dev = 0;
    for (uint32_t j = 0; j < KV_LATENCY_SAMPLES; j++) {
        if (s->samples[j].time_s == 0) continue;
        int64_t d = (int64_t)o->avg - (int64_t)s->samples[j].ms;
        dev += (uint64_t)(d < 0 ? -d : d);
    }
    o->mad = dev / o->samples;
    KV_ASSERT(o->samples <= KV_LATENCY_SAMPLES);
}

#define DAVE_OFF                                                                         \
    "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "    \
    "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in " \
    "order to enable it. If we weren't in a deep space mission I'd suggest to take a "   \
    "look at https://redis.io/topics/latency-monitor.\n"
#define DAVE_NONE                                                                        \
    "Dave, no latency spike was observed during the lifetime of this Redis instance, "  \
    "not in the slightest bit. I honestly think you ought to sit down calmly, take a "   \
    "stress pill, and think things over.\n"

enum advice {
    ADV_SLOWLOG_ENABLE = 1u << 0, ADV_SLOWLOG_TUNE = 1u << 1, ADV_SLOWLOG_INSPECT = 1u << 2,
    ADV_SCHEDULER = 1u << 3, ADV_HZ = 1u << 4, ADV_LARGE = 1u << 5, ADV_EVICTION = 1u << 6,
};

static uint32_t event_advice(enum kv_latency_event ev, const struct kv_latency_doctor_facts *f) {
    uint32_t a = 0;
    if (ev == KV_LAT_COMMAND) {
        if (f->slowlog_slower_than < 0) a |= ADV_SLOWLOG_ENABLE;
        else if (f->slowlog_slower_than / 1000 > f->threshold_ms) a |= ADV_SLOWLOG_TUNE;
        a |= ADV_SLOWLOG_INSPECT | ADV_LARGE;
    } else if (ev == KV_LAT_FAST_COMMAND) {
        a |= ADV_SCHEDULER;
    } else if (ev == KV_LAT_EXPIRE_CYCLE) {
        a |= ADV_HZ | ADV_LARGE;
    } else {
        KV_ASSERT(ev == KV_LAT_EVICTION_CYCLE);
        a |= ADV_EVICTION;
    }
    return a;
}

static void advise(struct text *t, uint32_t a, const struct kv_latency_doctor_facts *f) {
    KV_ASSERT(a != 0);
    unsigned long long us = (unsigned long long)f->threshold_ms * 1000;
    put(t, "\nI have a few advices for you:\n\n");
    if (a & ADV_SLOWLOG_ENABLE)
        put(t, "- There are latency issues with potentially slow commands you are using. Try "
               "to enable the Slow Log Redis feature using the command 'CONFIG SET "
               "slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is not able "
               "to log slow commands execution for you.\n", us);
    if (a & ADV_SLOWLOG_TUNE)
        put(t, "- Your current Slow Log configuration only logs events that are slower than "
               "your configured latency monitor threshold. Please use 'CONFIG SET "
               "slowlog-log-slower-than %llu'.\n", us);
    if (a & ADV_SLOWLOG_INSPECT)
        put(t, "- Check your Slow Log to understand what are the commands you are running "
               "which are too slow to execute. Please check https://redis.io/commands/slowlog "
               "for more information.\n");
    if (a & ADV_SCHEDULER)
        put(t, "- The system is slow to execute Redis code paths not containing system calls. "
               "This usually means the system does not provide Redis CPU time to run for long "
               "periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer "
               "/ VM just for Redis if you are running other software in the same system.\n  "
               "3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with "
               "'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your "
               "system.\n  5) Check if the problem is allocator-related by recompiling Redis "
               "with MALLOC=libc, if you are using Jemalloc. However this may create "
               "fragmentation problems.\n");
    if ((a & ADV_HZ) && f->hz < 100)
        put(t, "- In order to make the Redis keys expiring process more incremental, try to "
               "set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
    if (a & ADV_LARGE)
        put(t, "- Deleting, expiring or evicting (because of maxmemory policy) large objects "
               "is a blocking operation. If you have very large objects that are often "
               "deleted, expired, or evicted, try to fragment those objects into multiple "
               "smaller objects.\n");
    if (a & ADV_EVICTION)
        put(t, "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation "
               "of large objects via sets or sorted sets intersections, STORE option of SORT, "
               "Redis Cluster large keys migrations (RESTORE command), may create sudden "
               "memory pressure forcing the server to block trying to evict keys. \n");
}

uint32_t kv_latency_doctor(const struct kv_latency *l, const struct kv_latency_doctor_facts *f,
                           char *buf, uint32_t cap) {
    KV_ASSERT(l != NULL && f != NULL && cap >= KV_LATENCY_TEXT_MAX);
    struct text t = {buf, 0, cap};
    enum kv_latency_event evs[KV_LAT_EVENTS];
    uint32_t n = kv_latency_list(l, evs);
    if (n == 0) {
        put(&t, "%s", f->threshold_ms == 0 ? DAVE_OFF : DAVE_NONE);
        return t.len;
    }
    put(&t, "Dave, I have observed latency spikes in this Redis instance. You don't mind "
            "talking about it, do you Dave?\n\n");
    uint32_t advice = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct event_stats st;
        analyze(&l->ev[evs[i]], f->now_s, &st);
        put(&t, "%u. %s: %u latency spikes (average %llums, mean deviation %llums, period "
                "%.2f sec). Worst all time event %llums.\n", i + 1, event_names[evs[i]],
            st.samples, (unsigned long long)st.avg, (unsigned long long)st.mad,
            (double)st.period / st.samples, (unsigned long long)l->ev[evs[i]].max_ms);
        advice |= event_advice(evs[i], f);
    }
    advise(&t, advice, f);
    KV_ASSERT(t.len < cap);
    return t.len;
}

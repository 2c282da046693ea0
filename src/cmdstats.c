/*
 * cmdstats.c: error codes counted by name, and the instantaneous rates (see
 * include/kv/cmdstats.h). The per-command counters are plain array slots the
 * engine indexes by command; nothing here knows the command table.
 *
 * Error codes: the first word of the reply ("-WRONGTYPE Operation ..." counts
 * under WRONGTYPE), as Redis's errorstats does. A linear search over at most
 * KV_ERRSTATS_MAX short codes, and only on the error path.
 */
#include <string.h>

#include "kv/cmdstats.h"

bool kv_cmdstats_error(struct kv_cmdstats *st, const uint8_t *r, uint32_t n) {
    KV_ASSERT(st != NULL && st->err_count <= KV_ERRSTATS_MAX);
    if (n == 0 || r[0] != '-') return false;
    uint32_t len = 0;
    while (1 + len < n && len < KV_ERRCODE_MAX - 1 && r[1 + len] != ' ' && r[1 + len] != '\r')
        len++;
    st->total_error_replies++;
    for (uint32_t i = 0; i < st->err_count; i++) {
        struct kv_errstat *e = &st->err[i];
        if (e->len == len && memcmp(e->code, r + 1, len) == 0) {
            e->count++;
            return true;
        }
    }
    if (st->err_count == KV_ERRSTATS_MAX) return true; /* untracked: total only */
    struct kv_errstat *e = &st->err[st->err_count++];
    memcpy(e->code, r + 1, len);
    e->code[len] = 0;
    e->len = (uint8_t)len;
    e->count = 1;
    KV_ASSERT(e->len < KV_ERRCODE_MAX);
    return true;
}

const struct kv_errstat *kv_cmdstats_errors(const struct kv_cmdstats *st, uint32_t *count) {
    KV_ASSERT(st != NULL && count != NULL);
    *count = st->err_count;
    return st->err;
}

void kv_cmdstats_sample(struct kv_cmdstats *st, enum kv_inst m, uint64_t value, uint64_t now_ns) {
    KV_ASSERT(st != NULL && (uint32_t)m < KV_INST_COUNT);
    struct kv_inst_metric *x = &st->inst[m];
    if (x->last_ns == 0) { /* the first sample only sets the baseline */
        x->last_ns = now_ns;
        x->last_value = value;
        return;
    }
    if (now_ns < x->last_ns + KV_INST_PERIOD_NS) return;
    uint64_t dt = now_ns - x->last_ns;
    uint64_t dv = value >= x->last_value ? value - x->last_value : 0;
    x->samples[x->next] = (uint64_t)((double)dv * 1e9 / (double)dt);
    x->next = (x->next + 1) % KV_INST_SAMPLES;
    x->last_ns = now_ns;
    x->last_value = value;
    KV_ASSERT(x->next < KV_INST_SAMPLES);
}

uint64_t kv_cmdstats_rate(const struct kv_cmdstats *st, enum kv_inst m) {
    KV_ASSERT(st != NULL && (uint32_t)m < KV_INST_COUNT);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < KV_INST_SAMPLES; i++) sum += st->inst[m].samples[i];
    return sum / KV_INST_SAMPLES;
}

/* ---- latency histograms (include/kv/cmdstats.h) ----------------------------------
 *
 * HDR's layout for 2 significant digits and a lowest value of 1: bucket b holds
 * values [128 << b, 256 << b) in 128 counters of width 2^b (bucket 0 also [0, 128)
 * one apart); counter index = (b + 1) * 128 + (v >> b) - 128.
 */
#define SUB_HALF 128u
#define SUB_HALF_BITS 7u
#define HDR_COUNTS 3072u /* Redis's counts_len for [1, 1e9] at 2 digits */

static uint32_t bucket_of(uint64_t v) {
    uint32_t top = 63u - (uint32_t)__builtin_clzll(v | 255u); /* floor(log2), >= 7 */
    return top - SUB_HALF_BITS;
}

uint32_t kv_lathist_index(uint64_t v) {
    uint32_t b = bucket_of(v);
    uint64_t sub = v >> b;
    KV_ASSERT(sub < 2 * SUB_HALF && (b == 0 || sub >= SUB_HALF));
    return (b + 1) * SUB_HALF + (uint32_t)sub - SUB_HALF;
}

uint64_t kv_lathist_lowest(uint32_t index) {
    uint32_t b = index / SUB_HALF;  /* (b + 1) of the bucket */
    uint64_t sub = index % SUB_HALF + SUB_HALF;
    if (b == 0) return sub - SUB_HALF; /* bucket 0's lower half */
    KV_ASSERT(b - 1 < 40);
    return sub << (b - 1);
}

uint64_t kv_lathist_highest(uint32_t index) {
    uint32_t b = index < SUB_HALF ? 0 : index / SUB_HALF - 1;
    uint64_t low = kv_lathist_lowest(index);
    KV_ASSERT(kv_lathist_index(low) == index);
    return low + (1ull << b) - 1;
}

void kv_lathist_record(struct kv_lathist *h, uint64_t us) {
    KV_ASSERT(h != NULL && h->total < UINT64_MAX);
    uint64_t ns = us > KV_LATHIST_MAX_NS / 1000 ? KV_LATHIST_MAX_NS : us * 1000;
    if (ns < KV_LATHIST_MIN_NS) ns = KV_LATHIST_MIN_NS;
    uint32_t i = kv_lathist_index(ns);
    KV_ASSERT(i >= KV_LATHIST_FIRST && i <= KV_LATHIST_LAST);
    h->counts[i - KV_LATHIST_FIRST]++;
    h->total++;
}

uint64_t kv_lathist_percentile(const struct kv_lathist *h, double p) {
    KV_ASSERT(h != NULL && p >= 0.0);
    if (h->total == 0) return 0;
    double want_d = (KV_MIN(p, 100.0) / 100.0) * (double)h->total + 0.5;
    uint64_t want = KV_MAX((uint64_t)want_d, 1ull);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < KV_LATHIST_LEN; i++) {
        sum += h->counts[i];
        if (sum >= want) return kv_lathist_highest(KV_LATHIST_FIRST + i);
    }
    KV_UNREACHABLE();
}

void kv_lathist_cdf_begin(struct kv_lathist_cdf *it) {
    KV_ASSERT(it != NULL);
    it->level = 1024;
    it->cumulative = 0;
    it->index = KV_LATHIST_FIRST;
}

bool kv_lathist_cdf_next(const struct kv_lathist *h, struct kv_lathist_cdf *it,
                         uint64_t *usec, uint64_t *cumulative) {
    KV_ASSERT(h != NULL && it != NULL && it->cumulative <= h->total);
    /* Redis's histogram has 3072 counters (23 buckets), so its walk ends at the last
     * level inside them, 2^29 ns: durations above 536 ms never show in LATENCY
     * HISTOGRAM (INFO's percentiles do count them). At most 20 levels. */
    while (it->cumulative < h->total && kv_lathist_index(it->level) < HDR_COUNTS) {
        uint32_t last = kv_lathist_index(it->level);
        uint64_t grew = 0;
        for (; it->index <= KV_LATHIST_LAST && it->index <= last; it->index++)
            grew += h->counts[it->index - KV_LATHIST_FIRST];
        it->cumulative += grew;
        *usec = kv_lathist_highest(last) / 1000;
        it->level *= 2;
        if (grew == 0) continue;
        *cumulative = it->cumulative;
        KV_ASSERT(it->cumulative <= h->total);
        return true;
    }
    return false;
}

uint32_t kv_lathist_cdf_count(const struct kv_lathist *h) {
    struct kv_lathist_cdf it;
    kv_lathist_cdf_begin(&it);
    uint64_t us, cum;
    uint32_t n = 0;
    while (kv_lathist_cdf_next(h, &it, &us, &cum)) n++;
    KV_ASSERT(n <= 21);
    return n;
}

/*
 * cmdstats.h: the engine's per-command and per-error counters (INFO commandstats
 * and errorstats) and the samples behind the instantaneous_* rates (INFO stats).
 *
 * Memory: fixed arrays inside struct kv_engine_stats, sized by compile-time
 * maxima that the command table and Redis's own rule bound: at most
 * KV_CMDSTATS_MAX commands (asserted at engine init) and KV_ERRSTATS_MAX distinct
 * error codes, after which new codes are not tracked (Redis stops tracking at 128
 * and says so; kv counts the untracked errors in total_error_replies only).
 * Never allocates. Counters only grow (CONFIG RESETSTAT keeps a baseline).
 *
 * Latency histograms (INFO latencystats, LATENCY HISTOGRAM): one struct kv_lathist
 * per command, in memory the caller maps at startup (kv_lathist_bytes per command).
 * Each is Redis's own histogram layout: an HDR histogram of nanoseconds with 2
 * significant digits (lowest discernible value 1, 256 sub-buckets of which the
 * upper 128 repeat per power of two), fed as Redis feeds it: the command's whole
 * microseconds times 1000, clamped to [1 us, 1 s]. Only the counters that range can
 * reach are stored (indices KV_LATHIST_FIRST..KV_LATHIST_LAST, 2549 of them). Error:
 * a recorded value v shares its counter with at most 2^floor(log2(v) - 7) - 1
 * neighbours, so a reported percentile (the counter's highest equivalent value, as
 * Redis reports it) is at most 1/128 (0.79%) above the true sample, never below.
 * Since the layout and the feeding are Redis's, the same durations give the same
 * figures as redis-server's (the unit test checks bucket figures Redis printed).
 */
#ifndef KV_CMDSTATS_H
#define KV_CMDSTATS_H

#include "kv/common.h"

#define KV_CMDSTATS_MAX 256      /* commands in the table (KV_CMD_LOOKUP_SIZE / 2) */
#define KV_ERRSTATS_MAX 128      /* distinct error codes tracked, as Redis */
#define KV_ERRCODE_MAX 32        /* bytes of an error code kept ("WRONGTYPE", "ERR") */
#define KV_INST_SAMPLES 16       /* instantaneous_* rates: 16 samples, as Redis */
#define KV_INST_PERIOD_NS 100000000ull /* one sample per 100 ms */

struct kv_cmdstat {
    uint64_t calls;
    uint64_t ns;                 /* time inside the handler */
    uint64_t rejected_calls;     /* refused before running (arity, OOM, queue errors) */
    uint64_t failed_calls;       /* ran and replied with an error */
};

struct kv_errstat {
    char code[KV_ERRCODE_MAX];
    uint8_t len;
    uint64_t count;
};

/* One instantaneous metric: the counter's value each period, over the last 16. */
struct kv_inst_metric {
    uint64_t last_value;
    uint64_t last_ns;
    uint64_t samples[KV_INST_SAMPLES];
    uint32_t next;
};

enum kv_inst { KV_INST_COMMANDS = 0, KV_INST_NET_INPUT, KV_INST_NET_OUTPUT, KV_INST_COUNT };

struct kv_cmdstats {
    struct kv_cmdstat cmd[KV_CMDSTATS_MAX];
    struct kv_errstat err[KV_ERRSTATS_MAX];
    uint32_t err_count;
    uint64_t total_error_replies;
    struct kv_inst_metric inst[KV_INST_COUNT];
};

/* Counts the error reply at r (n bytes, starting with '-') under its code: the
 * bytes up to the first space or CR. Replies not starting with '-' are ignored.
 * Returns whether it was an error. */
bool kv_cmdstats_error(struct kv_cmdstats *st, const uint8_t *r, uint32_t n);
const struct kv_errstat *kv_cmdstats_errors(const struct kv_cmdstats *st, uint32_t *count);
/* Records `value` (a counter) at time now_ns if a period has passed since the last
 * sample; the rate is the mean of the samples, per second. */
void kv_cmdstats_sample(struct kv_cmdstats *st, enum kv_inst m, uint64_t value, uint64_t now_ns);
uint64_t kv_cmdstats_rate(const struct kv_cmdstats *st, enum kv_inst m);

/* ---- latency histograms ---------------------------------------------------------- */

#define KV_LATHIST_MIN_NS 1000ull        /* Redis's LATENCY_HISTOGRAM_MIN_VALUE */
#define KV_LATHIST_MAX_NS 1000000000ull  /* ... _MAX_VALUE (1 s) */
#define KV_LATHIST_FIRST 506u            /* kv_lathist_index(KV_LATHIST_MIN_NS) */
#define KV_LATHIST_LAST 3054u            /* kv_lathist_index(KV_LATHIST_MAX_NS) */
#define KV_LATHIST_LEN (KV_LATHIST_LAST - KV_LATHIST_FIRST + 1)

struct kv_lathist {
    uint64_t total;
    uint64_t counts[KV_LATHIST_LEN];
};

/* A walk over a histogram's cumulative distribution, as LATENCY HISTOGRAM replies it:
 * at each power of two from 1024 ns, the counter's highest value in whole
 * microseconds and the count up to it, only where that count grew. */
struct kv_lathist_cdf {
    uint64_t level;       /* the next reporting level, ns */
    uint64_t cumulative;
    uint32_t index;       /* counters summed so far: [KV_LATHIST_FIRST, index) */
};

static inline uint64_t kv_lathist_bytes(uint32_t commands) {
    return (uint64_t)commands * sizeof(struct kv_lathist);
}
/* HDR's counter index of v nanoseconds (any v), and the range of values it holds. */
uint32_t kv_lathist_index(uint64_t v);
uint64_t kv_lathist_lowest(uint32_t index);
uint64_t kv_lathist_highest(uint32_t index);
/* Records one command that took `us` microseconds (Redis: duration * 1000 ns). */
void kv_lathist_record(struct kv_lathist *h, uint64_t us);
/* hdr_value_at_percentile: the highest equivalent value (ns) of the counter where the
 * count reaches percentile p (0..100) of the total; 0 for an empty histogram. */
uint64_t kv_lathist_percentile(const struct kv_lathist *h, double p);
void kv_lathist_cdf_begin(struct kv_lathist_cdf *it);
/* The next bucket: false at the end. The walk is bounded by 21 levels (1024 ns..2^30). */
bool kv_lathist_cdf_next(const struct kv_lathist *h, struct kv_lathist_cdf *it,
                         uint64_t *usec, uint64_t *cumulative);
/* The buckets kv_lathist_cdf_next gives for h (for reply bounds). */
uint32_t kv_lathist_cdf_count(const struct kv_lathist *h);

#endif

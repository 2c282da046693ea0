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

#endif

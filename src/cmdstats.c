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

/*
 * sim_types.c: `--types=hash,set`: turns the hash and set workload on (issue 21) and
 * draws its knobs from a stream of its own, so seeds without it draw what they drew
 * before: hs_pct 10..50% of requests, and Redis 7.0's encoding thresholds drawn
 * small so conversions happen (hash-max-listpack-entries 0..8,
 * hash-max-listpack-value 0..16, set-max-intset-entries 0..8), for the model
 * (sim_model_limits) and the server under test (`kv sim --redis` CONFIG SETs them;
 * kv's own options are set by sim_main.c once kv has them). Test code.
 */
#include <string.h>

#include "sim_types.h"

static bool types_on;

bool sim_types_parse(const char *arg) {
    KV_ASSERT(arg != NULL);
    if (strcmp(arg, "--types=hash,set") != 0 && strcmp(arg, "--types=set,hash") != 0)
        return false;
    types_on = true;
    return true;
}

bool sim_types_enabled(void) { return types_on; }

void sim_types_draw(uint64_t seed, struct sim_workload *w, struct sim_types_knobs *k) {
    KV_ASSERT(w != NULL && k != NULL);
    memset(k, 0, sizeof(*k));
    k->hash_max_listpack_entries = 128; /* Redis's defaults */
    k->hash_max_listpack_value = 64;
    k->set_max_intset_entries = 512;
    if (!types_on) return;
    struct kv_prng p;
    kv_prng_init(&p, seed ^ 0x6861736873657473ull);
    w->hs_pct = 10 + (uint32_t)kv_prng_below(&p, 41);
    k->hash_max_listpack_entries = kv_prng_below(&p, 9);
    k->hash_max_listpack_value = kv_prng_below(&p, 17);
    k->set_max_intset_entries = kv_prng_below(&p, 9);
    w->hs_value_edge = (uint32_t)k->hash_max_listpack_value;
    KV_ASSERT(w->hs_pct >= 10 && w->hs_pct <= 50);
}

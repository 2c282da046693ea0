/*
 * sim_types.h: `--types=hash,set` (sim_types.c): the hash and set workload's switch
 * and its drawn knobs. Test code.
 */
#ifndef KV_SIM_TYPES_H
#define KV_SIM_TYPES_H

#include "kv/common.h"
#include "sim_workload.h"

struct sim_types_knobs {
    uint64_t hash_max_listpack_entries;
    uint64_t hash_max_listpack_value;
    uint64_t set_max_intset_entries;
};

/* True if arg is `--types=hash,set` (then the switch is on). */
bool sim_types_parse(const char *arg);
bool sim_types_enabled(void);
/* Off: Redis's default thresholds and w untouched; on: w->hs_pct, w->hs_value_edge
 * and small thresholds, from a stream of the seed's own. */
void sim_types_draw(uint64_t seed, struct sim_workload *w, struct sim_types_knobs *k);

#endif

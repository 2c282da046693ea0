/*
 * sim_types.h: `--types=hash,set,stream` (sim_types.c): the hash, set and stream
 * workloads' switches and their drawn knobs. Test code.
 */
#ifndef KV_SIM_TYPES_H
#define KV_SIM_TYPES_H

#include "kv/common.h"
#include "sim_workload.h"

struct sim_types_knobs {
    uint64_t hash_max_listpack_entries;
    uint64_t hash_max_listpack_value;
    uint64_t set_max_intset_entries;
    uint64_t stream_node_max_bytes;
    uint64_t stream_node_max_entries;
};

/* True if arg is `--types=` a comma list of hash, set, stream (those turn on). */
bool sim_types_parse(const char *arg);
bool sim_types_enabled(void);
/* The `--types=...` argument as given ("" if none), for the reproduce line. */
const char *sim_types_arg(void);
/* Off: Redis's default thresholds and w untouched; on: w->hs_pct, w->hs_value_edge
 * (hash, set), w->x_pct (stream) and small thresholds, from streams of the seed's own. */
void sim_types_draw(uint64_t seed, struct sim_workload *w, struct sim_types_knobs *k);

#endif

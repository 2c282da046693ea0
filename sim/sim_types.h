/*
 * sim_types.h: `--types=hash,set,zset,stream` (sim_types.c): the hash, set, sorted-set
 * and stream workloads' switches and their drawn knobs. Test code.
 */
#ifndef KV_SIM_TYPES_H
#define KV_SIM_TYPES_H

#include "kv/common.h"
#include "sim_workload.h"

struct sim_types_knobs {
    uint64_t hash_max_listpack_entries;
    uint64_t hash_max_listpack_value;
    uint64_t set_max_intset_entries;
    uint64_t zset_max_listpack_entries;
    uint64_t zset_max_listpack_value;
    uint64_t stream_node_max_bytes;
    uint64_t stream_node_max_entries;
};

/* True if arg is `--types=` a list of hash, set, zset, stream (then those are on). */
bool sim_types_parse(const char *arg);
bool sim_types_enabled(void);
/* The argument as given (for the reproduce line), "" if none. */
const char *sim_types_arg(void);
/* Off: Redis's default thresholds and w untouched; on: w->hs_pct, w->hs_value_edge
 * and small thresholds (hash, set), w->z_pct, w->z_value_edge and small zset
 * thresholds (zset), w->x_pct and small node limits (stream), each from a stream of the seed's own. */
void sim_types_draw(uint64_t seed, struct sim_workload *w, struct sim_types_knobs *k);

#endif

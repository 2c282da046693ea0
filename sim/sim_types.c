/*
 * sim_types.c: `--types=LIST` (any of hash, set, zset, stream, comma-separated): turns the
 * hash and set workload (issue 21; `hash` or `set` turns both on) and the sorted-set
 * workload (sim_workload_zset.c) on, each drawing its knobs from a stream of its own,
 * so seeds without them draw what they drew before, and `--types=hash,set` seeds what
 * they drew before zsets came: hs_pct 10..50% of requests, and Redis 7.0's encoding
 * thresholds drawn small so conversions happen (hash-max-listpack-entries 0..8,
 * hash-max-listpack-value 0..16, set-max-intset-entries 0..8); z_pct 10..50%,
 * zset-max-listpack-entries 0..8 and zset-max-listpack-value 0..16; with `stream`
 * (sim_workload_stream.c) x_pct 10..50%, stream-node-max-entries 0..8 (0: no limit;
 * one seed in four Redis's 100) and stream-node-max-bytes (one seed in two 0, i.e.
 * 1 GiB, else 16..400), so `~` trims meet node edges. For the model
 * (sim_model_limits) and the server under test (`kv sim --redis` CONFIG SETs them;
 * kv's own options are set by sim_main.c once kv has them). Test code.
 */
#include <string.h>

#include "sim_types.h"

static bool types_hs, types_z, types_x;
static char types_arg[48];

bool sim_types_parse(const char *arg) {
    KV_ASSERT(arg != NULL);
    if (strncmp(arg, "--types=", 8) != 0 || strlen(arg) >= sizeof(types_arg)) return false;
    bool hs = false, z = false, x = false;
    const char *p = arg + 8;
    for (uint32_t guard = 0; guard < 8; guard++) {
        size_t n = strcspn(p, ",");
        if (n == 4 && strncmp(p, "hash", 4) == 0) hs = true;
        else if (n == 3 && strncmp(p, "set", 3) == 0) hs = true;
        else if (n == 4 && strncmp(p, "zset", 4) == 0) z = true;
        else if (n == 6 && strncmp(p, "stream", 6) == 0) x = true;
        else return false;
        if (p[n] == 0) break;
        p += n + 1;
    }
    types_hs |= hs;
    types_z |= z;
    types_x |= x;
    strcpy(types_arg, arg);
    return hs || z || x;
}

bool sim_types_enabled(void) { return types_hs || types_z || types_x; }

const char *sim_types_arg(void) { return sim_types_enabled() ? types_arg : ""; }

void sim_types_draw(uint64_t seed, struct sim_workload *w, struct sim_types_knobs *k) {
    KV_ASSERT(w != NULL && k != NULL);
    memset(k, 0, sizeof(*k));
    k->hash_max_listpack_entries = 128; /* Redis's defaults */
    k->hash_max_listpack_value = 64;
    k->set_max_intset_entries = 512;
    k->zset_max_listpack_entries = 128;
    k->zset_max_listpack_value = 64;
    k->stream_node_max_bytes = 4096;
    k->stream_node_max_entries = 100;
    struct kv_prng p;
    if (types_x) { /* node limits small, so `~` trims meet node edges */
        kv_prng_init(&p, seed ^ 0x73747265616d7321ull);
        w->x_pct = 10 + (uint32_t)kv_prng_below(&p, 41);
        k->stream_node_max_entries = kv_prng_chance(&p, 1, 4) ? 100 : kv_prng_below(&p, 9);
        k->stream_node_max_bytes = kv_prng_chance(&p, 1, 2) ? 0 : 16 + kv_prng_below(&p, 385);
        KV_ASSERT(w->x_pct >= 10 && w->x_pct <= 50);
    }
    if (types_hs) {
        kv_prng_init(&p, seed ^ 0x6861736873657473ull);
        w->hs_pct = 10 + (uint32_t)kv_prng_below(&p, 41);
        k->hash_max_listpack_entries = kv_prng_below(&p, 9);
        k->hash_max_listpack_value = kv_prng_below(&p, 17);
        k->set_max_intset_entries = kv_prng_below(&p, 9);
        w->hs_value_edge = (uint32_t)k->hash_max_listpack_value;
        KV_ASSERT(w->hs_pct >= 10 && w->hs_pct <= 50);
    }
    if (types_z) {
        kv_prng_init(&p, seed ^ 0x7a7365747a736574ull);
        w->z_pct = 10 + (uint32_t)kv_prng_below(&p, 41);
        k->zset_max_listpack_entries = kv_prng_below(&p, 9);
        k->zset_max_listpack_value = kv_prng_below(&p, 17);
        w->z_value_edge = (uint32_t)k->zset_max_listpack_value;
        KV_ASSERT(w->z_pct >= 10 && w->z_pct <= 50);
    }
}

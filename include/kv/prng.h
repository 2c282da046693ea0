/*
 * prng.h: xoshiro256++ seeded through splitmix64. Deterministic for a given seed;
 * the server gets its seed injected (main.c draws it from getrandom(), the
 * simulator derives it from --seed), so every random choice in the core (hash seed,
 * eviction samples, RANDOMKEY) replays exactly in the simulator.
 * Each consumer owns its own stream (kv_prng_init with a distinct seed), so adding
 * draws in one component never reshuffles another.
 */
#ifndef KV_PRNG_H
#define KV_PRNG_H

#include "kv/common.h"

struct kv_prng {
    uint64_t s[4];
};

void kv_prng_init(struct kv_prng *p, uint64_t seed);
uint64_t kv_prng_next(struct kv_prng *p);
/* Uniform in [0, bound), bound > 0, without modulo bias. */
uint64_t kv_prng_below(struct kv_prng *p, uint64_t bound);
/* True with probability num/den. */
bool kv_prng_chance(struct kv_prng *p, uint32_t num, uint32_t den);
/* One splitmix64 step: also used to derive per-component seeds from one seed. */
uint64_t kv_splitmix64(uint64_t *state);

#endif

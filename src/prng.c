/*
 * prng.c: xoshiro256++ (Blackman & Vigna), seeded with splitmix64 so that any
 * 64-bit seed, including 0, gives a well-mixed non-zero state. No globals: every
 * stream is a struct owned by its consumer.
 */
#include "kv/prng.h"

uint64_t kv_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void kv_prng_init(struct kv_prng *p, uint64_t seed) {
    KV_ASSERT(p != NULL);
    uint64_t sm = seed;
    for (uint32_t i = 0; i < 4; i++) p->s[i] = kv_splitmix64(&sm);
    KV_ASSERT((p->s[0] | p->s[1] | p->s[2] | p->s[3]) != 0);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t kv_prng_next(struct kv_prng *p) {
    uint64_t *s = p->s;
    uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t kv_prng_below(struct kv_prng *p, uint64_t bound) {
    KV_ASSERT(bound > 0);
    /* Lemire's rejection: bounded loop in practice (expected < 2 iterations). */
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = kv_prng_next(p);
        if (r >= threshold) return r % bound;
    }
}

bool kv_prng_chance(struct kv_prng *p, uint32_t num, uint32_t den) {
    KV_ASSERT(den > 0);
    KV_ASSERT(num <= den);
    return kv_prng_below(p, den) < num;
}

/*
 * util.h: number parsing and formatting exactly as Redis does it, glob matching,
 * and the shared error strings. Pure functions, no allocation.
 */
#ifndef KV_UTIL_H
#define KV_UTIL_H

#include "kv/common.h"

#include <string.h>

#define KV_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define KV_ERR_NOT_INT "ERR value is not an integer or out of range"
#define KV_ERR_NOT_FLOAT "ERR value is not a valid float"
#define KV_ERR_SYNTAX "ERR syntax error"
#define KV_ERR_OOM "OOM command not allowed when used memory > 'maxmemory'."
#define KV_ERR_NO_KEY "ERR no such key"
#define KV_ERR_OVERFLOW "ERR increment or decrement would overflow"
#define KV_ERR_INDEX "ERR index out of range"
#define KV_ERR_EXPIRE "ERR invalid expire time in '%s' command"

/* Redis string2ll: strict base-10, no spaces, no '+', no leading zeros. */
bool kv_str2ll(const uint8_t *p, uint32_t len, int64_t *out);
/* Redis string2ld: the whole slice as strtold reads it; no spaces, NUL bytes or NaN. */
bool kv_str2ld(const uint8_t *p, uint32_t len, long double *out);
/* Redis ld2string in LD_STR_HUMAN mode (INCRBYFLOAT output). Returns length. */
uint32_t kv_ld2str(char *buf, uint32_t cap, long double v);
/* Redis stringmatchlen (glob: * ? [abc] [^a] [a-z] \x), nocase false. */
bool kv_glob_match(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen);
/* The same with nocase true: bytes compared after tolower() (CONFIG GET's names). */
bool kv_glob_match_nocase(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen);
/* ASCII case-insensitive equality of a slice with a lower-case C string. */
bool kv_slice_eq_nocase(struct kv_slice s, const char *lower);
/* Redis's strcasecmp(argument, option): like kv_slice_eq_nocase, but the argument
 * ends at its first NUL byte, as a C string does ("nx\0junk" is NX to Redis). */
bool kv_opt_eq_nocase(struct kv_slice s, const char *lower);

/* Byte equality; keys of 8 to 16 bytes (the common size) in two overlapping 8-byte
 * compares instead of a call to memcmp. */
/* v with its 64 bits in reverse order. */
static inline uint64_t kv_rev64(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(v);
}

/*
 * The next reverse-binary cursor of a table of mask + 1 slots (Redis's dictScan): the
 * cursor's bits under the mask counted up from the top bit, so a scan that started
 * before the table grew or shrank still visits every home once. 0: the scan is done.
 * HSCAN/SSCAN (coll.c) and ZSCAN (zset.c) step with it.
 */
static inline uint64_t kv_scan_cursor_next(uint64_t v, uint64_t mask) {
    return kv_rev64(kv_rev64(v | ~mask) + 1);
}

static inline bool kv_bytes_eq(const uint8_t *a, const uint8_t *b, uint32_t n) {
    if (n >= 8 && n <= 16) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8);
        memcpy(&b0, b, 8);
        memcpy(&a1, a + n - 8, 8);
        memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return n == 0 || memcmp(a, b, n) == 0;
}

#endif

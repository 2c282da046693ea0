/*
 * util.c: number parsing and formatting exactly as Redis 7.0 does it (string2ll,
 * string2ld, ld2string in human mode), Redis's glob matcher (stringmatchlen) and
 * case-insensitive option matching.
 *
 * Memory: none owned; every function works on caller buffers (a bounded stack copy
 * for strtold, which needs a NUL-terminated string).
 * Invariants: results are byte-for-byte what Redis computes for the same input,
 * including its quirks (a glob never matches an empty string unless the pattern is
 * empty; more than 1000 nested '*' groups never match; ranges compare signed chars).
 * Never allocates, never recurses, never reads outside the given slices.
 */
#include "kv/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV_LD_STR_MAX 5120 /* Redis MAX_LONG_DOUBLE_CHARS */
#define KV_GLOB_NESTING_MAX 1000 /* Redis: deeper '*' nesting never matches */

bool kv_str2ll(const uint8_t *p, uint32_t len, int64_t *out) {
    KV_ASSERT(p != NULL || len == 0);
    KV_ASSERT(out != NULL);
    if (len == 0 || len >= 21) return false;
    if (len == 1 && p[0] == '0') {
        *out = 0;
        return true;
    }
    uint32_t i = 0;
    bool negative = p[0] == '-';
    if (negative) i++;
    if (i == len || p[i] < '1' || p[i] > '9') return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > UINT64_MAX / 10) return false;
        v *= 10;
        if (v > UINT64_MAX - d) return false;
        v += d;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    KV_ASSERT((*out < 0) == negative);
    return true;
}

bool kv_str2ld(const uint8_t *p, uint32_t len, long double *out) {
    KV_ASSERT(p != NULL || len == 0);
    KV_ASSERT(out != NULL);
    char buf[KV_LD_STR_MAX];
    if (len == 0 || len >= sizeof(buf)) return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    errno = 0;
    char *end = NULL;
    long double v = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || end != buf + len) return false;  /* no NULs */
    if (errno == ERANGE && (isinf(v) || fpclassify(v) == FP_ZERO)) return false;
    if (errno == EINVAL || isnan(v)) return false;
    *out = v;
    return true;
}

uint32_t kv_ld2str(char *buf, uint32_t cap, long double v) {
    KV_ASSERT(buf != NULL);
    KV_ASSERT(cap >= 8);
    if (isinf(v)) {
        memcpy(buf, v > 0 ? "inf" : "-inf", v > 0 ? 4 : 5);
        return v > 0 ? 3 : 4;
    }
    int n = snprintf(buf, cap, "%.17Lf", v);
    if (n < 0 || (uint32_t)n + 1 > cap) {
        buf[0] = '\0';
        return 0;
    }
    uint32_t l = (uint32_t)n;
    if (memchr(buf, '.', l) != NULL) {
        while (l > 0 && buf[l - 1] == '0') l--;   /* bounded by l */
        if (l > 0 && buf[l - 1] == '.') l--;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    buf[l] = '\0';
    KV_ASSERT(l < cap);
    return l;
}

/* Redis compares pattern bytes as (signed) char in ranges. */
static inline int glob_char(uint8_t c) { return (int)(int8_t)c; }

/* Byte equality, folding ASCII case when nocase (CONFIG GET's names). */
static inline bool glob_eq(uint8_t a, uint8_t b, bool nocase) {
    return nocase ? tolower(a) == tolower(b) : a == b;
}

/*
 * One bracket class "[...]" starting at pat[*pi] == '['. Advances *pi to the
 * closing ']' (or to the last byte when unterminated, as Redis does) and returns
 * whether c is in the class.
 */
static bool glob_class(const uint8_t *pat, uint32_t plen, uint32_t *pi, uint8_t c,
                       bool nocase) {
    KV_ASSERT(*pi < plen && pat[*pi] == '[');
    uint32_t i = *pi + 1;
    bool negate = i < plen && pat[i] == '^';
    if (negate) i++;
    bool match = false;
    for (; i <= plen; i++) {  /* bounded: i only grows */
        if (i == plen) {
            i--;               /* unterminated: stop on the last byte */
            break;
        }
        if (pat[i] == '\\' && plen - i >= 2) {
            i++;
            if (glob_eq(pat[i], c, nocase)) match = true;
        } else if (pat[i] == ']') {
            break;
        } else if (plen - i >= 3 && pat[i + 1] == '-') {
            int start = glob_char(pat[i]), end = glob_char(pat[i + 2]);
            int cc = glob_char(c);
            if (start > end) {
                int t = start;
                start = end;
                end = t;
            }
            if (nocase) {  /* Redis lowers the ends after ordering them */
                start = tolower(start);
                end = tolower(end);
                cc = tolower(cc);
            }
            if (cc >= start && cc <= end) match = true;
            i += 2;
        } else if (glob_eq(pat[i], c, nocase)) {
            match = true;
        }
    }
    *pi = i;
    KV_ASSERT(*pi < plen);
    return negate ? !match : match;
}

/*
 * Iterative glob: every token other than '*' consumes exactly one byte, so
 * backtracking to the most recent '*' (and letting it swallow one more byte) finds
 * a match whenever Redis's recursive matcher does. Work is bounded by
 * (plen + 1) * (slen + 1) token steps.
 */
static bool glob_match(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen,
                       bool nocase) {
    KV_ASSERT(pat != NULL || plen == 0);
    KV_ASSERT(s != NULL || slen == 0);
    if (slen == 0) return plen == 0;
    uint32_t pi = 0, si = 0, star_pi = UINT32_MAX, star_si = 0;
    uint32_t stars = 0, star_stars = 0; /* '*' groups passed, now and at star_pi */
    uint64_t steps_max = ((uint64_t)plen + 2) * ((uint64_t)slen + 2), steps = 0;
    while (si < slen) {
        steps++;
        KV_ASSERT(steps <= steps_max);
        if (pi < plen && pat[pi] == '*') {
            while (pi + 1 < plen && pat[pi + 1] == '*') pi++;
            if (pi + 1 == plen) return true;      /* trailing star */
            stars++;
            if (stars > KV_GLOB_NESTING_MAX) return false;
            star_stars = stars;
            star_pi = pi++;
            star_si = si;
            continue;
        }
        bool ok = false;
        uint32_t next = pi;
        if (pi < plen) {
            if (pat[pi] == '?') {
                ok = true;
            } else if (pat[pi] == '[') {
                ok = glob_class(pat, plen, &next, s[si], nocase);
            } else {
                if (pat[pi] == '\\' && plen - pi >= 2) next++;
                ok = glob_eq(pat[next], s[si], nocase);
            }
        }
        if (ok) {
            pi = next + 1;
            si++;
        } else if (star_pi != UINT32_MAX) {
            pi = star_pi + 1;
            si = ++star_si;
            stars = star_stars;
        } else {
            return false;
        }
    }
    while (pi < plen && pat[pi] == '*') pi++;
    return pi == plen;
}

bool kv_glob_match(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen) {
    return glob_match(pat, plen, s, slen, false);
}

bool kv_glob_match_nocase(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen) {
    return glob_match(pat, plen, s, slen, true);
}

bool kv_slice_eq_nocase(struct kv_slice s, const char *lower) {
    KV_ASSERT(lower != NULL);
    KV_ASSERT(s.ptr != NULL || s.len == 0);
    size_t n = strlen(lower);
    if (n != s.len) return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s.ptr[i];
        if (c >= 'A' && c <= 'Z') c = (uint8_t)(c - 'A' + 'a');
        if (c != (uint8_t)lower[i]) return false;
    }
    return true;
}

bool kv_opt_eq_nocase(struct kv_slice s, const char *lower) {
    KV_ASSERT(lower != NULL);
    KV_ASSERT(s.ptr != NULL || s.len == 0);
    struct kv_slice c = s;
    const uint8_t *nul = s.len > 0 ? memchr(s.ptr, 0, s.len) : NULL;
    if (nul != NULL) c.len = (uint32_t)(nul - s.ptr);
    return kv_slice_eq_nocase(c, lower);
}

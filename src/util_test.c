/*
 * util_test.c: exact cases for src/util.c: string2ll/string2ld edge cases, the
 * INCRBYFLOAT number format, and the glob matcher against answers recorded from
 * redis-server 7.0.15 (KEYS <pattern> over a one-key database), plus a differential
 * check against a small recursive matcher written from Redis's rules. Test code:
 * may use the heap and stdio.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kv/prng.h"
#include "kv/util.h"
#include "testing.h"

static bool ll(const char *s, int64_t *v) {
    return kv_str2ll((const uint8_t *)s, (uint32_t)strlen(s), v);
}

TEST(test_str2ll) {
    int64_t v = 7;
    CHECK(ll("0", &v) && v == 0);
    CHECK(ll("1", &v) && v == 1);
    CHECK(ll("-1", &v) && v == -1);
    CHECK(ll("9223372036854775807", &v) && v == INT64_MAX);
    CHECK(ll("-9223372036854775808", &v) && v == INT64_MIN);
    v = 7;
    CHECK(!ll("9223372036854775808", &v) && v == 7);
    CHECK(!ll("-9223372036854775809", &v));
    CHECK(!ll("18446744073709551616", &v));
    CHECK(!ll("99999999999999999999", &v));
    CHECK(!ll("", &v));
    CHECK(!ll("-", &v));
    CHECK(!ll("-0", &v));
    CHECK(!ll("01", &v));
    CHECK(!ll("+1", &v));
    CHECK(!ll(" 1", &v));
    CHECK(!ll("1 ", &v));
    CHECK(!ll("1a", &v));
    CHECK(!ll("1.0", &v));
    CHECK(!ll("0x10", &v));
    CHECK(!kv_str2ll((const uint8_t *)"1\0", 2, &v));
    CHECK(v == 7);
}

static bool ld(const char *s, long double *v) {
    return kv_str2ld((const uint8_t *)s, (uint32_t)strlen(s), v);
}

TEST(test_str2ld) {
    long double v = 0;
    CHECK(ld("1.5", &v) && v == 1.5L);
    CHECK(ld("-0.25", &v) && v == -0.25L);
    CHECK(ld("1e3", &v) && v == 1000.0L);
    CHECK(ld("0x10", &v) && v == 16.0L);
    CHECK(ld("+3", &v) && v == 3.0L);
    CHECK(ld("inf", &v) && isinf(v) && v > 0);      /* Redis accepts it; the sum fails */
    CHECK(ld("-Infinity", &v) && isinf(v) && v < 0);
    CHECK(!ld("nan", &v));
    CHECK(!ld("", &v));
    CHECK(!ld(" 1", &v));
    CHECK(!ld("1 ", &v));
    CHECK(!ld("1x", &v));
    CHECK(!ld("1e5000", &v));                      /* overflow */
    CHECK(!ld("1e-5000", &v));                     /* underflow to zero */
    CHECK(!kv_str2ld((const uint8_t *)"2\0", 2, &v));   /* every byte must parse */
    char big[6000];
    memset(big, '1', sizeof(big));
    CHECK(!kv_str2ld((const uint8_t *)big, 5120, &v));
    CHECK(kv_str2ld((const uint8_t *)big, 5119, &v) == false);  /* 1e5118: overflow */
    CHECK(kv_str2ld((const uint8_t *)big, 300, &v) && v > 1e299L);
}

static void fmt_is(long double v, const char *want, unsigned *fails) {
    char buf[5200];
    uint32_t n = kv_ld2str(buf, sizeof(buf), v);
    if (n != strlen(want) || memcmp(buf, want, n) != 0 || buf[n] != 0) {
        fprintf(stderr, "  ld2str: got '%s' want '%s'\n", buf, want);
        (*fails)++;
    }
}

/* Expected strings recorded from redis-server 7.0.15 INCRBYFLOAT replies. */
TEST(test_ld2str) {
    unsigned fails = 0;
    long double a = 0, b = 0;
    CHECK(ld("0.1", &a) && ld("0.2", &b));
    fmt_is(a, "0.1", &fails);
    fmt_is(a + b, "0.3", &fails);
    CHECK(ld("1e30", &a));
    fmt_is(a, "1000000000000000000024696061952", &fails);
    CHECK(ld("1.5e-20", &a));
    fmt_is(a, "0", &fails);
    fmt_is(-0.0L, "0", &fails);
    fmt_is(5000.0L, "5000", &fails);
    fmt_is(3.0L, "3", &fails);
    fmt_is(-2.5L, "-2.5", &fails);
    fmt_is(100000.0L, "100000", &fails);
    fmt_is(0.5L, "0.5", &fails);
    fmt_is(-1e-18L, "0", &fails);      /* "-0.00000000000000000" -> "-0" -> "0" */
    fmt_is(INFINITY, "inf", &fails);
    CHECK(fails == 0);
    char huge[5200];
    CHECK(ld("1e4000", &a));
    uint32_t n = kv_ld2str(huge, sizeof(huge), a + a);
    CHECK(n == 4001 && memcmp(huge, "19999999999999999999930927746199", 32) == 0);
    char small[8];
    CHECK(kv_ld2str(small, sizeof(small), a) == 0);  /* no room: 0, like Redis */
}

struct glob_case {
    const char *pat;
    uint32_t plen;
    const char *str;
    uint32_t slen;
    bool match;
};
#define G(p, s, m) {p, sizeof(p) - 1, s, sizeof(s) - 1, m}

/* Recorded from redis-server 7.0.15: SET <str> v; KEYS <pat> (one key, so KEYS
 * answers whether the pattern matches it). */
static const struct glob_case glob_cases[] = {
    G("*", "abc", true),
    G("**", "abc", true),
    G("a*", "abc", true),
    G("*c", "abc", true),
    G("*b*", "abc", true),
    G("a*b*c", "abc", true),
    G("a*b*c", "abxbc", true),
    G("a?c", "abc", true),
    G("a?c", "ac", false),
    G("???", "abc", true),
    G("????", "abc", false),
    G("[abc]", "b", true),
    G("[abc]", "d", false),
    G("[^abc]", "d", true),
    G("[^abc]", "a", false),
    G("[a-c]", "b", true),
    G("[c-a]", "b", true),
    G("[a-c]", "d", false),
    G("[a-]", "-", false),
    G("[a-]", "a", true),
    G("[-a]", "-", true),
    G("[]", "]", false),
    G("[]]", "]", false),
    G("[", "[", false),
    G("[", "a", false),
    G("[^", "x", true),
    G("[a", "a", true),
    G("[a", "b", false),
    G("a[", "a[", false),
    G("\\*", "*", true),
    G("\\*", "a", false),
    G("\\", "\\", true),
    G("a\\", "a\\", true),
    G("[\\]]", "]", true),
    G("[\\-]", "-", true),
    G("[\\a-c]", "b", false),
    G("h*llo", "hello", true),
    G("h*llo", "hllo", true),
    G("h*llo", "heeeelllo", true),
    G("*llo", "llo", true),
    G("*?", "a", true),
    G("?*", "a", true),
    G("*?*?*", "a", false),
    G("*?*?*", "ab", true),
    G("a*", "a", true),
    G("*a", "a", true),
    G("*a*", "xxaxx", true),
    G("*a*a", "aaaa", true),
    G("*ab", "aab", true),
    G("*aab", "aaab", true),
    G("a*b", "aXbYb", true),
    G("[a-z]*[0-9]", "abc1", true),
    G("[a-z]*[0-9]", "abc", false),
    G("*[0-9]", "x9", true),
    G("x", "X", false),
    G("[\xe9""-\xff""]", "\xf0""", true),
    G("[a-\xff""]", "b", false),
    G("[a-\xff""]", "\xf0""", false),
    G("[\x01""-a]", "\xf0""", false),
    G("*\\", "ab\\", true),
    G("**a**b", "ab", true),
    G("a**", "a", true),
    G("[^]", "x", true),
    G("[^]a]", "a", false),
    G("[^]a]", "b", false),
    G("?", "\xff""", true),
    G("[^a-c]", "\x00""", true),
    G("*.txt", "a.txt", true),
    G("*.txt", ".txt", true),
    G("x[", "x", false),
};

TEST(test_glob_redis_cases) {
    for (size_t i = 0; i < KV_ARRAY_LEN(glob_cases); i++) {
        const struct glob_case *c = &glob_cases[i];
        bool got = kv_glob_match((const uint8_t *)c->pat, c->plen, (const uint8_t *)c->str,
                                 c->slen);
        if (got != c->match) fprintf(stderr, "  glob '%s' '%s'\n", c->pat, c->str);
        CHECK(got == c->match);
    }
}

static bool glob(const char *p, const char *s) {
    return kv_glob_match((const uint8_t *)p, (uint32_t)strlen(p), (const uint8_t *)s,
                         (uint32_t)strlen(s));
}

TEST(test_glob_edges) {
    CHECK(glob("", ""));
    CHECK(!glob("*", ""));      /* Redis: only KEYS/SCAN's literal "*" matches "" */
    CHECK(!glob("", "a"));
    CHECK(!glob("?", ""));
    /* 1000 nested '*' groups still match; the 1001st makes Redis give up */
    char pat[4100], str[3000];
    uint32_t n = 0;
    for (int i = 0; i < 1000; i++) {
        pat[n++] = '*';
        pat[n++] = 'a';
    }
    pat[n] = 0;
    memset(str, 'a', 2000);
    str[2000] = 0;
    CHECK(glob(pat, str));
    pat[n++] = '*';
    pat[n] = 0;
    CHECK(glob(pat, str));      /* a trailing star needs no nesting */
    pat[n++] = 'a';
    pat[n] = 0;
    CHECK(!glob(pat, str));
    /* a pathological pattern stays fast (bounded, no recursion) */
    memset(str, 'a', 2999);
    str[2999] = 0;
    CHECK(!glob("*a*a*a*a*a*a*a*a*b", str));
}

/* Reference: a direct recursive reading of Redis's rules, for short inputs. */
static int ref_class(const char *p, int plen, int *used, unsigned char c) {
    int i = 1, match = 0;
    int neg = i < plen && p[i] == '^';
    if (neg) i++;
    for (;;) {
        if (i >= plen) {
            i = plen - 1;
            break;
        }
        if (p[i] == '\\' && plen - i >= 2) {
            i++;
            if ((unsigned char)p[i] == c) match = 1;
        } else if (p[i] == ']') {
            break;
        } else if (plen - i >= 3 && p[i + 1] == '-') {
            int lo = (signed char)p[i], hi = (signed char)p[i + 2], cc = (signed char)c;
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (cc >= lo && cc <= hi) match = 1;
            i += 2;
        } else if ((unsigned char)p[i] == c) {
            match = 1;
        }
        i++;
    }
    *used = i + 1;
    return neg ? !match : match;
}

static int ref_match(const char *p, int plen, const char *s, int slen, int nesting) {
    if (nesting > 1000) return 0;
    while (plen > 0 && slen > 0) {
        if (p[0] == '*') {
            while (plen > 1 && p[1] == '*') {
                p++;
                plen--;
            }
            if (plen == 1) return 1;
            for (; slen > 0; s++, slen--)
                if (ref_match(p + 1, plen - 1, s, slen, nesting + 1)) return 1;
            return 0;
        }
        int used = 1;
        if (p[0] == '[') {
            if (!ref_class(p, plen, &used, (unsigned char)s[0])) return 0;
        } else if (p[0] != '?') {
            if (p[0] == '\\' && plen >= 2) used = 2;
            if (p[used - 1] != s[0]) return 0;
        }
        p += used;
        plen -= used;
        s++;
        slen--;
        if (slen == 0)
            while (plen > 0 && p[0] == '*') {
                p++;
                plen--;
            }
    }
    return plen == 0 && slen == 0;
}

static bool glob_nocase(const char *p, const char *s) {
    return kv_glob_match_nocase((const uint8_t *)p, (uint32_t)strlen(p), (const uint8_t *)s,
                                (uint32_t)strlen(s));
}

/* CONFIG GET's matching (redis-server 7.0.15: CONFIG GET Max* answers maxmemory,
 * ma[W-Y]memory too, ma[Z-a]memory nothing: a range's ends are lowered after they
 * are ordered, so Z-a becomes z-a, empty). The sim found kv matching with case
 * (seed 145: CONFIG GET maxmemorY). */
TEST(test_glob_nocase) {
    CHECK(glob_nocase("Max*", "maxmemory"));
    CHECK(glob_nocase("MAXMEMORY", "maxmemory"));
    CHECK(glob_nocase("ma[W-Y]memory", "maxmemory"));
    CHECK(!glob_nocase("ma[Z-a]memory", "maxmemory"));
    CHECK(!glob_nocase("ma[^X]memory", "maxmemory"));
    CHECK(glob_nocase("ma\\Xmemory", "maxmemory"));
    CHECK(!glob("Max*", "maxmemory"));
    CHECK(!glob_nocase("*", ""));
}

TEST(test_glob_differential) {
    static const char alphabet[] = "ab*?[]^-\\";
    struct kv_prng r;
    kv_prng_init(&r, 42);
    char p[10], s[10];
    for (int iter = 0; iter < 200000; iter++) {
        int plen = (int)kv_prng_below(&r, 9), slen = (int)kv_prng_below(&r, 9);
        for (int i = 0; i < plen; i++) p[i] = alphabet[kv_prng_below(&r, sizeof(alphabet) - 1)];
        for (int i = 0; i < slen; i++) s[i] = "ab-]^*"[kv_prng_below(&r, 6)];
        bool want = ref_match(p, plen, s, slen, 0) != 0;
        bool got = kv_glob_match((const uint8_t *)p, (uint32_t)plen, (const uint8_t *)s,
                                 (uint32_t)slen);
        if (got != want) fprintf(stderr, "  '%.*s' '%.*s' want %d\n", plen, p, slen, s, want);
        CHECK(got == want);
    }
}

TEST(test_slice_eq_nocase) {
    struct kv_slice a = {(const uint8_t *)"PxAt", 4};
    CHECK(kv_slice_eq_nocase(a, "pxat"));
    CHECK(!kv_slice_eq_nocase(a, "pxa"));
    CHECK(!kv_slice_eq_nocase(a, "pxatt"));
    struct kv_slice nul = {(const uint8_t *)"nx\0", 3};
    CHECK(!kv_slice_eq_nocase(nul, "nx"));
    struct kv_slice empty = {NULL, 0};
    CHECK(kv_slice_eq_nocase(empty, ""));
    struct kv_slice at = {(const uint8_t *)"@", 1};  /* '@' + 32 is '`': no false match */
    CHECK(!kv_slice_eq_nocase(at, "`"));
    CHECK(kv_opt_eq_nocase(nul, "nx"));              /* a C string ends at the NUL */
    struct kv_slice junk = {(const uint8_t *)"Px\0junk", 7};
    CHECK(kv_opt_eq_nocase(junk, "px") && !kv_slice_eq_nocase(junk, "px"));
    struct kv_slice lead = {(const uint8_t *)"\0nx", 3};
    CHECK(kv_opt_eq_nocase(lead, "") && !kv_opt_eq_nocase(lead, "nx"));
    CHECK(!kv_opt_eq_nocase(a, "pxa"));
}

/* kv_bytes_eq against memcmp: every length to 40, a difference at every position. */
TEST(test_bytes_eq) {
    uint8_t a[48], b[48];
    uint32_t wrong = 0;
    for (uint32_t n = 0; n <= 40; n++) {
        for (uint32_t i = 0; i < n; i++) a[i] = b[i] = (uint8_t)(i * 7 + n);
        wrong += kv_bytes_eq(a, b, n) ? 0u : 1u;
        for (uint32_t d = 0; d < n; d++) {
            b[d] ^= 0x80;
            wrong += kv_bytes_eq(a, b, n) ? 1u : 0u;
            wrong += kv_bytes_eq(a + 1, b + 1, n - 1) == (d == 0) ? 0u : 1u;
            b[d] ^= 0x80;
        }
    }
    CHECK(wrong == 0);
}

/* The reverse-binary cursor: every home of an 8-slot table once, high bit first, then
 * 0; a cursor from a 4-slot table continues over the 8-slot one without a repeat. */
TEST(test_scan_cursor_next) {
    static const uint64_t order[8] = {0, 4, 2, 6, 1, 5, 3, 7};
    uint64_t v = 0;
    for (uint32_t i = 0; i < 8; i++) {
        CHECK(v == order[i]);
        v = kv_scan_cursor_next(v, 7);
    }
    CHECK(v == 0);
    CHECK(kv_scan_cursor_next(2, 3) == 1); /* 4 slots: 0 2 1 3 */
    CHECK(kv_scan_cursor_next(1, 7) == 5 && kv_scan_cursor_next(7, 7) == 0);
    CHECK(kv_rev64(1) == 0x8000000000000000ull && kv_rev64(kv_rev64(12345)) == 12345);
}

int main(void) {
    RUN(test_str2ll);
    RUN(test_str2ld);
    RUN(test_ld2str);
    RUN(test_glob_redis_cases);
    RUN(test_glob_edges);
    RUN(test_glob_nocase);
    RUN(test_glob_differential);
    RUN(test_slice_eq_nocase);
    RUN(test_bytes_eq);
    RUN(test_scan_cursor_next);
    TEST_SUMMARY("util");
}

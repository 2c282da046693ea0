/*
 * sim_model_text.c: how the reference model reads and writes text: integers
 * (Redis's string2ll), long doubles (string2ld and ld2string's human mode),
 * option words (strcasecmp on a C string) and globs (stringmatchlen).
 *
 * Written from Redis 7.0's documented behaviour and checked against redis-server
 * 7.0.15, deliberately unlike src/util.c: integers are a grammar check plus a
 * comparison of digit strings with the int64 limits (no running overflow test);
 * option words are compared by strcasecmp() on a NUL-terminated heap copy, as Redis
 * does; a glob is cut into tokens first and matched by a table over (token, string
 * position), not by backtracking. Test code: heap allowed, speed does not matter.
 * Never consults src/.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_model_int.h"

#define M_LONG_DOUBLE_CHARS 5120 /* Redis MAX_LONG_DOUBLE_CHARS: its parse buffer */
#define M_GLOB_NESTING 1000      /* Redis: a '*' group deeper than this never matches */

static char *c_string(const uint8_t *p, uint32_t len) {
    char *s = malloc((size_t)len + 1);
    KV_ASSERT(s != NULL);
    if (len > 0) memcpy(s, p, len);
    s[len] = 0;
    return s;
}

/* ---- integers --------------------------------------------------------------- */

/*
 * Redis's string2ll accepts exactly "0" or an optional '-' then a digit 1-9 then
 * digits, at most 20 bytes in all, whose value fits a signed 64-bit integer. So
 * "-0", "+1", "01", " 1" and "1 " are not integers.
 */
bool m_str2ll(const uint8_t *p, uint32_t len, int64_t *out) {
    if (len == 1 && p[0] == '0') {
        *out = 0;
        return true;
    }
    bool neg = len > 0 && p[0] == '-';
    const uint8_t *d = p + (neg ? 1 : 0);
    uint32_t nd = len - (neg ? 1 : 0);
    if (len == 0 || len > 20 || nd == 0 || d[0] == '0') return false;
    for (uint32_t i = 0; i < nd; i++) {
        if (!isdigit(d[i])) return false;
    }
    /* Same digit count: decimal strings compare like their values. */
    const char *limit = neg ? "9223372036854775808" : "9223372036854775807";
    if (nd > 19 || (nd == 19 && memcmp(d, limit, 19) > 0)) return false;
    uint64_t mag = 0;
    for (uint32_t i = 0; i < nd; i++) mag = mag * 10 + (uint64_t)(d[i] - '0');
    *out = neg ? (int64_t)(~mag + 1) : (int64_t)mag;
    return true;
}

/* ---- option words ----------------------------------------------------------- */

bool m_eq_nocase(struct kv_slice s, const char *lower) {
    return s.len == strlen(lower) && (s.len == 0 || strncasecmp((const char *)s.ptr, lower,
                                                                s.len) == 0);
}

/* Redis compares options with strcasecmp() on the argument as a C string. */
bool m_opt_eq(struct kv_slice s, const char *lower) {
    char *arg = c_string(s.ptr, s.len);
    bool eq = strcasecmp(arg, lower) == 0;
    free(arg);
    return eq;
}

/* ---- long doubles ----------------------------------------------------------- */

/*
 * Redis's string2ld: strtold() over the whole argument (shorter than 5120 bytes),
 * no leading white space, nothing left over (an embedded NUL is left over), not NaN;
 * a range error is fine for a subnormal result, not for an overflow to infinity or
 * an underflow to zero.
 */
bool m_str2ld(const uint8_t *p, uint32_t len, long double *out) {
    if (len == 0 || len >= M_LONG_DOUBLE_CHARS || isspace(p[0])) return false;
    char *s = c_string(p, len);
    char *end = s;
    errno = 0;
    long double v = strtold(s, &end);
    bool range = errno == ERANGE, invalid = errno == EINVAL;
    bool whole = end == s + len;
    free(s);
    if (!whole || invalid || isnan(v)) return false;
    if (range && (isinf(v) || v == 0)) return false;
    *out = v;
    return true;
}

/*
 * Redis's ld2string in human mode (INCRBYFLOAT's result): printf's "%.17Lf", then
 * the fraction's trailing zeros go, and the point with them if nothing follows it;
 * "-0" is written "0". A heap string: the caller frees it; its length in *n.
 */
char *m_fmt_human(long double v, uint32_t *n) {
    int want = snprintf(NULL, 0, "%.17Lf", v);
    KV_ASSERT(want > 0 && want < M_LONG_DOUBLE_CHARS);
    char *s = malloc((size_t)want + 1);
    KV_ASSERT(s != NULL);
    snprintf(s, (size_t)want + 1, "%.17Lf", v);
    size_t len = strlen(s);
    char *point = strchr(s, '.');
    if (point != NULL) {
        while (s[len - 1] == '0') s[--len] = 0;
        if (&s[len - 1] == point) s[--len] = 0;
    }
    if (strcmp(s, "-0") == 0) {
        strcpy(s, "0");
        len = 1;
    }
    *n = (uint32_t)len;
    return s;
}

/* ---- globs ------------------------------------------------------------------ */

enum tok_kind { TOK_STAR, TOK_ANY, TOK_BYTE, TOK_CLASS };

struct tok {
    enum tok_kind kind;
    uint8_t byte;        /* TOK_BYTE */
    uint32_t from, to;   /* TOK_CLASS: its members, pat[from..to) */
    bool negate;         /* TOK_CLASS */
    uint32_t group;      /* TOK_STAR: 1 for the pattern's first run of stars */
};

static bool same_byte(uint8_t a, uint8_t b, bool nocase) {
    return nocase ? tolower(a) == tolower(b) : a == b;
}

/*
 * A class's members, as Redis reads them: "\x" is x; "a-z" a range, either way
 * round, compared as signed chars (and, without case, after lower-casing its
 * ends); any other byte itself. Ranges are read before bytes: "[a-]" is a..']'.
 */
static bool class_has(const uint8_t *pat, const struct tok *t, uint8_t ch, bool nocase) {
    bool hit = false;
    for (uint32_t i = t->from; i < t->to; i++) {
        uint32_t left = t->to - i;
        if (pat[i] == '\\' && left >= 2) {
            i++;
            hit |= same_byte(pat[i], ch, nocase);
        } else if (left >= 3 && pat[i + 1] == '-') {
            int lo = (signed char)pat[i], hi = (signed char)pat[i + 2], c = (signed char)ch;
            if (lo > hi) {
                int t2 = lo;
                lo = hi;
                hi = t2;
            }
            if (nocase) {
                lo = tolower(lo);
                hi = tolower(hi);
                c = tolower(c);
            }
            hit |= c >= lo && c <= hi;
            i += 2;
        } else {
            hit |= same_byte(pat[i], ch, nocase);
        }
    }
    return t->negate ? !hit : hit;
}

/*
 * A class starting at pat[at] == '['. It ends at the first ']' that is not
 * escaped or the end of a range ("[a-]x]" holds a..']' and 'x'); unterminated, it
 * runs to the pattern's end. Returns the index after it.
 */
static uint32_t read_class(const uint8_t *pat, uint32_t plen, uint32_t at, struct tok *t) {
    uint32_t i = at + 1;
    t->kind = TOK_CLASS;
    t->negate = i < plen && pat[i] == '^';
    if (t->negate) i++;
    t->from = i;
    while (i < plen && pat[i] != ']') {
        if (pat[i] == '\\' && plen - i >= 2) i += 2;
        else if (plen - i >= 3 && pat[i + 1] == '-') i += 3;
        else i++;
    }
    /* An unterminated class still ends where Redis stops: at the pattern's end. */
    t->to = KV_MIN(i, plen);
    return i < plen ? i + 1 : plen;
}

/* The pattern as tokens: every one but a star takes exactly one byte. */
static struct tok *tokenize(const uint8_t *pat, uint32_t plen, uint32_t *ntok) {
    struct tok *t = calloc((size_t)plen + 1, sizeof(*t));
    KV_ASSERT(t != NULL);
    uint32_t n = 0, groups = 0;
    for (uint32_t i = 0; i < plen;) {
        struct tok *k = &t[n++];
        if (pat[i] == '*') {
            k->kind = TOK_STAR;
            k->group = ++groups;
            while (i < plen && pat[i] == '*') i++;
        } else if (pat[i] == '?') {
            k->kind = TOK_ANY;
            i++;
        } else if (pat[i] == '[') {
            i = read_class(pat, plen, i, k);
        } else {
            k->kind = TOK_BYTE;
            if (pat[i] == '\\' && plen - i >= 2) i++; /* a trailing '\' is itself */
            k->byte = pat[i++];
        }
    }
    *ntok = n;
    return t;
}

static bool tok_takes(const uint8_t *pat, const struct tok *t, uint8_t ch, bool nocase) {
    if (t->kind == TOK_ANY) return true;
    if (t->kind == TOK_BYTE) return same_byte(t->byte, ch, nocase);
    KV_ASSERT(t->kind == TOK_CLASS);
    return class_has(pat, t, ch, nocase);
}

/*
 * Redis's stringmatchlen, as a table: ok[t][s] says whether tokens t.. match the
 * string from s. The string's end is matched by stars only; a star takes one byte
 * or more, except a last star, which takes the rest (an empty rest too); a star
 * past Redis's nesting limit never matches unless it is the last; and an empty
 * string matches only the empty pattern (not even "*").
 */
bool m_glob_case(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen,
                 bool nocase) {
    if (slen == 0) return plen == 0;
    uint32_t nt;
    struct tok *tk = tokenize(pat, plen, &nt);
    uint64_t w = (uint64_t)slen + 1;
    bool *ok = calloc((size_t)(nt + 1) * w, sizeof(bool));
    KV_ASSERT(ok != NULL);
    ok[(uint64_t)nt * w + slen] = true; /* no tokens left, no bytes left */
    for (uint32_t t = nt; t-- > 0;) {
        bool *row = ok + (uint64_t)t * w, *next = row + w;
        const struct tok *k = &tk[t];
        row[slen] = k->kind == TOK_STAR && next[slen];
        bool later = false; /* next[j] for some j in [s, slen) */
        for (uint32_t i = slen; i-- > 0;) {
            if (k->kind != TOK_STAR) {
                row[i] = tok_takes(pat, k, s[i], nocase) && next[i + 1];
                continue;
            }
            later = later || next[i];
            if (t + 1 == nt) row[i] = true;
            else row[i] = k->group <= M_GLOB_NESTING && later;
        }
    }
    bool r = ok[0];
    free(ok);
    free(tk);
    return r;
}

bool m_glob(const uint8_t *pat, uint32_t plen, const uint8_t *s, uint32_t slen) {
    return m_glob_case(pat, plen, s, slen, false);
}

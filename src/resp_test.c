/*
 * resp_test.c: unit tests for the RESP2 request parser (src/resp.c).
 *
 * Every stream is driven through a model caller (run_stream) that reveals bytes at
 * given cut points, scans, decodes, consumes frames and serialises what it saw;
 * streams are checked in one buffer, byte by byte and at every two-read split,
 * against an expected serialisation. Small streams are handed to the parser as an
 * exact-size heap copy for every call, so ASan catches any read past `len`.
 * Test code: uses the heap and stdio.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/prng.h"
#include "kv/reply.h"
#include "kv/resp.h"
#include "testing.h"

#define EXACT_COPY_MAX 8192u /* streams up to this size get exact-size copies */

static bool g_quiet; /* the canary test expects a mismatch: no diagnostics */

static const struct kv_parse_limits k_lim = {
    .bulk_len_max = 512ull * 1024 * 1024,
    .argc_max = 1024 * 1024,
};

/* ---- a growable byte string (test only) ---------------------------------------- */

struct str {
    char *p;
    size_t len;
    size_t cap;
};

static void str_put(struct str *s, const void *p, size_t n) {
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        if (s->p == NULL) abort();
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
    s->p[s->len] = 0;
}

static void str_printf(struct str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_printf(struct str *s, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) abort();
    str_put(s, tmp, (size_t)n);
}

static void str_free(struct str *s) {
    free(s->p);
    memset(s, 0, sizeof(*s));
}

/* ---- serialisation of what a caller sees ---------------------------------------- */

/* One frame: F<kind>/<argc>[<len>:<bytes>,...] */
static void ser_frame_begin(struct str *s, enum kv_frame_kind kind, uint32_t argc) {
    str_printf(s, "F%d/%u[", (int)kind, argc);
}
static void ser_arg(struct str *s, const void *p, size_t n) {
    str_printf(s, "%zu:", n);
    str_put(s, p, n);
    str_put(s, ",", 1);
}
static void ser_frame_end(struct str *s) { str_put(s, "]", 1); }

/* Expected frame from NUL-terminated C strings (args without NUL bytes). */
static void exp_frame(struct str *s, enum kv_frame_kind kind, uint32_t argc, ...) {
    ser_frame_begin(s, kind, argc);
    va_list ap;
    va_start(ap, argc);
    for (uint32_t i = 0; i < argc; i++) {
        const char *a = va_arg(ap, const char *);
        ser_arg(s, a, strlen(a));
    }
    va_end(ap);
    ser_frame_end(s);
}
static void exp_error(struct str *s, const char *error) {
    str_printf(s, "E(%s)", error == NULL ? "NULL" : error);
}

/*
 * The model caller. data[0, n) is revealed in reads ending at cuts[0] < ... <
 * cuts[ncuts-1] == n. Appends frames and errors to out; a trailing incomplete
 * frame appends I<bytes>/<need>. Returns the number of frames completed.
 */
static uint32_t run_stream(const uint8_t *data, size_t n, const size_t *cuts, size_t ncuts,
                           const struct kv_parse_limits *lim, struct str *out) {
    uint8_t *buf = malloc(n + 1);
    if (buf == NULL) abort();
    if (n > 0) memcpy(buf, data, n);
    bool exact = n <= EXACT_COPY_MAX;
    size_t base = 0, avail = 0, ci = 0;
    uint32_t frames = 0;
    struct kv_parser p;
    kv_parser_reset(&p);
    for (;;) {
        uint32_t len = (uint32_t)(avail - base);
        uint8_t *view = buf + base;
        if (exact) {
            view = malloc(len == 0 ? 1 : len);
            if (view == NULL) abort();
            memcpy(view, buf + base, len);
        }
        struct kv_parse_result res;
        enum kv_parse_status st = kv_parse_scan(&p, lim, view, len, &res);
        if (st == KV_PARSE_NEED_MORE) {
            if (exact) free(view);
            if (p.need <= len) abort(); /* contract: need exceeds what was given */
            if (ci == ncuts) {
                if (len > 0) str_printf(out, "I%u/%llu", len, (unsigned long long)p.need);
                break;
            }
            avail = cuts[ci++];
            continue;
        }
        if (st == KV_PARSE_ERROR) {
            exp_error(out, res.error);
            if (exact) free(view);
            break;
        }
        struct kv_slice *argv = calloc(res.argc + 1, sizeof(*argv));
        if (argv == NULL) abort();
        kv_parse_decode(view, &res, argv, res.argc);
        ser_frame_begin(out, res.kind, res.argc);
        for (uint32_t i = 0; i < res.argc; i++) ser_arg(out, argv[i].ptr, argv[i].len);
        ser_frame_end(out);
        free(argv);
        if (exact) free(view);
        base += res.frame_len;
        frames++;
        kv_parser_reset(&p);
    }
    free(buf);
    return frames;
}

/* The three feeding modes; each must produce `want` exactly. */
static bool check_one_buffer(const uint8_t *d, size_t n, const struct kv_parse_limits *lim,
                             const char *want, size_t want_len) {
    struct str got = {0};
    size_t cut = n;
    run_stream(d, n, &cut, n > 0 ? 1 : 0, lim, &got);
    bool ok = got.len == want_len && memcmp(got.p, want, want_len) == 0;
    if (!ok && !g_quiet) {
        fprintf(stderr, "  one buffer: got  ");
        kv_test_print_escaped_((const unsigned char *)got.p, got.len);
        fprintf(stderr, "\n              want ");
        kv_test_print_escaped_((const unsigned char *)want, want_len);
        fprintf(stderr, "\n");
    }
    str_free(&got);
    return ok;
}

static bool check_byte_by_byte(const uint8_t *d, size_t n, const struct kv_parse_limits *lim,
                               const char *want, size_t want_len) {
    size_t *cuts = malloc((n + 1) * sizeof(*cuts));
    if (cuts == NULL) abort();
    for (size_t i = 0; i < n; i++) cuts[i] = i + 1;
    struct str got = {0};
    run_stream(d, n, cuts, n, lim, &got);
    bool ok = got.len == want_len && memcmp(got.p, want, want_len) == 0;
    if (!ok) fprintf(stderr, "  byte by byte differs: %s\n", got.p);
    str_free(&got);
    free(cuts);
    return ok;
}

static bool check_every_split(const uint8_t *d, size_t n, const struct kv_parse_limits *lim,
                              const char *want, size_t want_len) {
    for (size_t k = 1; k < n; k++) {
        size_t cuts[2] = {k, n};
        struct str got = {0};
        run_stream(d, n, cuts, 2, lim, &got);
        bool ok = got.len == want_len && memcmp(got.p, want, want_len) == 0;
        if (!ok) fprintf(stderr, "  split at %zu differs: %s\n", k, got.p);
        str_free(&got);
        if (!ok) return false;
    }
    return true;
}

static bool check_all_modes(const uint8_t *d, size_t n, const struct kv_parse_limits *lim,
                            const struct str *want) {
    return check_one_buffer(d, n, lim, want->p, want->len) &&
           check_byte_by_byte(d, n, lim, want->p, want->len) &&
           check_every_split(d, n, lim, want->p, want->len);
}

#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define E_MBLEN "Protocol error: invalid multibulk length"
#define E_BLEN "Protocol error: invalid bulk length"
#define E_LINE "Protocol error: invalid line terminator"
#define E_BTERM "Protocol error: invalid bulk terminator"
#define E_QUOTES "Protocol error: unbalanced quotes in request"

/* ---- valid frames ------------------------------------------------------------- */

/* The frame set: bytes and what a caller must see for each. */
struct frame_case {
    const char *bytes;
    size_t len;
};
#define FC(s) {(s), sizeof(s) - 1}
static const struct frame_case k_frames[] = {
    FC("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"),
    FC("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"),
    FC("*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\0\rb\r\n"),
    FC("SET \"a b\\x41\\n\\\"\" 'it\\'s' plain\r\n"),
    FC("*0\r\n"),
    FC("PING\n"),
    FC("\r\n"),
    FC("*-1\r\n"),
    FC("  ECHO\t\"\"  \r\n"),
    FC("*1\r\n$4\r\nPING\r\n"),
    FC("ECHO \"\\xZZ\\q\\t\\r\\b\\a\\\\\" 'a\\b'\r\n"),
};

static void expect_frame_case(struct str *s, size_t i) {
    switch (i) {
    case 0: exp_frame(s, KV_FRAME_MULTIBULK, 3, "SET", "key", "value"); break;
    case 1: exp_frame(s, KV_FRAME_MULTIBULK, 2, "ECHO", ""); break;
    case 2:
        ser_frame_begin(s, KV_FRAME_MULTIBULK, 2);
        ser_arg(s, "ECHO", 4);
        ser_arg(s, "a\r\n\0\rb", 6);
        ser_frame_end(s);
        break;
    case 3: exp_frame(s, KV_FRAME_INLINE, 4, "SET", "a bA\n\"", "it's", "plain"); break;
    case 4: exp_frame(s, KV_FRAME_EMPTY, 0); break;
    case 5: exp_frame(s, KV_FRAME_INLINE, 1, "PING"); break;
    case 6: exp_frame(s, KV_FRAME_EMPTY, 0); break;
    case 7: exp_frame(s, KV_FRAME_EMPTY, 0); break;
    case 8: exp_frame(s, KV_FRAME_INLINE, 2, "ECHO", ""); break;
    case 9: exp_frame(s, KV_FRAME_MULTIBULK, 1, "PING"); break;
    case 10: exp_frame(s, KV_FRAME_INLINE, 3, "ECHO", "xZZq\t\r\b\a\\", "a\\b"); break;
    default: abort();
    }
}

TEST(frames_each_in_all_modes) {
    for (size_t i = 0; i < KV_ARRAY_LEN(k_frames); i++) {
        struct str want = {0};
        expect_frame_case(&want, i);
        bool ok = check_all_modes((const uint8_t *)k_frames[i].bytes, k_frames[i].len, &k_lim,
                                  &want);
        if (!ok) fprintf(stderr, "  frame case %zu\n", i);
        str_free(&want);
        CHECK(ok);
    }
}

TEST(frames_pipelined_mix_in_all_modes) {
    struct str data = {0}, want = {0};
    /* Every frame, then every frame again in reverse order. */
    for (size_t r = 0; r < 2; r++) {
        for (size_t j = 0; j < KV_ARRAY_LEN(k_frames); j++) {
            size_t i = r == 0 ? j : KV_ARRAY_LEN(k_frames) - 1 - j;
            str_put(&data, k_frames[i].bytes, k_frames[i].len);
            expect_frame_case(&want, i);
        }
    }
    bool ok = check_all_modes((const uint8_t *)data.p, data.len, &k_lim, &want);
    str_free(&data);
    str_free(&want);
    CHECK(ok);
}

TEST(frame_then_error_keeps_the_frame) {
    struct str want = {0};
    exp_frame(&want, KV_FRAME_INLINE, 1, "PING");
    exp_error(&want, "Protocol error: expected '$', got 'X'");
    bool ok = check_all_modes(LIT("PING\r\n*1\r\nX\r\n"), &k_lim, &want);
    str_free(&want);
    CHECK(ok);
}

/* A client that must still AUTH (limits.unauth): 10 arguments and 16384-byte bulks
 * pass, 11 and 16385 are Redis 7.0's errors; inline lines are not limited; an
 * authenticated parser (k_lim) takes the same bytes. Every split, every mode. */
TEST(unauth_limits) {
    struct kv_parse_limits u = k_lim;
    u.unauth = true;
    static uint8_t big[16500];
    int n = snprintf((char *)big, sizeof(big), "*1\r\n$16384\r\n");
    memset(big + n, 'a', 16384);
    memcpy(big + n + 16384, "\r\n*1\r\n$16385\r\n", 14);
    struct str want = {0};
    exp_frame(&want, KV_FRAME_MULTIBULK, 10, "a", "a", "a", "a", "a", "a", "a", "a", "a", "a");
    exp_error(&want, "Protocol error: unauthenticated multibulk length");
    bool ok = check_all_modes(LIT("*10\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
                                  "$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
                                  "$1\r\na\r\n*11\r\n"), &u, &want);
    str_free(&want);
    CHECK(ok);
    struct str w2 = {0};
    exp_error(&w2, "Protocol error: unauthenticated bulk length");
    ok = check_one_buffer(big + n + 16386, 12, &u, w2.p, w2.len);
    str_free(&w2);
    CHECK(ok);
    struct kv_parser p;
    struct kv_parse_result r;
    kv_parser_reset(&p);
    CHECK(kv_parse_scan(&p, &u, big, (uint32_t)n + 16386, &r) == KV_PARSE_OK && r.argc == 1);
    kv_parser_reset(&p);
    CHECK(kv_parse_scan(&p, &k_lim, big + n + 16386, 12, &r) == KV_PARSE_NEED_MORE);
    struct kv_slice argv[2];
    CHECK(!kv_parse_fast(&u, LIT("*1\r\n$4\r\nPING\r\n"), argv, 2, &r));
    CHECK(kv_parse_fast(&k_lim, LIT("*1\r\n$4\r\nPING\r\n"), argv, 2, &r));
    struct str w3 = {0};
    exp_frame(&w3, KV_FRAME_INLINE, 12, "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a",
              "a");
    ok = check_all_modes(LIT("a a a a a a a a a a a a\r\n"), &u, &w3);
    str_free(&w3);
    CHECK(ok);
}

TEST(incomplete_tail_reports_need) {
    struct str got = {0};
    size_t cut = 8;
    run_stream(LIT("*1\r\n$5\r\n"), &cut, 1, &k_lim, &got);
    CHECK_STR(got.p, got.len, "I8/15"); /* 4 + 4 + 5 payload + 2 CRLF */
    str_free(&got);
    cut = 10;
    run_stream(LIT("*1\r\n$5\r\nab"), &cut, 1, &k_lim, &got);
    CHECK_STR(got.p, got.len, "I10/15");
    str_free(&got);
    cut = 5;
    run_stream(LIT("*1\r\n$"), &cut, 1, &k_lim, &got);
    CHECK_STR(got.p, got.len, "I5/6");
    str_free(&got);
    cut = 2;
    run_stream(LIT("PI"), &cut, 1, &k_lim, &got);
    CHECK_STR(got.p, got.len, "I2/3");
    str_free(&got);
    cut = 3;
    run_stream(LIT("*1\r"), &cut, 1, &k_lim, &got); /* '\r' seen, '\n' not yet */
    CHECK_STR(got.p, got.len, "I3/4");
    str_free(&got);
}

TEST(need_and_frame_len_exact) {
    struct kv_parser p;
    struct kv_parse_result res;
    const uint8_t *f = (const uint8_t *)"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    kv_parser_reset(&p);
    CHECK(p.need == 1);
    CHECK(kv_parse_scan(&p, &k_lim, f, 0, &res) == KV_PARSE_NEED_MORE && p.need == 1);
    CHECK(kv_parse_scan(&p, &k_lim, f, 4, &res) == KV_PARSE_NEED_MORE && p.need == 5);
    CHECK(kv_parse_scan(&p, &k_lim, f, 8, &res) == KV_PARSE_NEED_MORE && p.need == 13);
    CHECK(kv_parse_scan(&p, &k_lim, f, 12, &res) == KV_PARSE_NEED_MORE && p.need == 13);
    CHECK(kv_parse_scan(&p, &k_lim, f, 13, &res) == KV_PARSE_NEED_MORE && p.need == 14);
    CHECK(kv_parse_scan(&p, &k_lim, f, 17, &res) == KV_PARSE_NEED_MORE && p.need == 20);
    CHECK(kv_parse_scan(&p, &k_lim, f, 20, &res) == KV_PARSE_OK);
    CHECK(res.kind == KV_FRAME_MULTIBULK && res.frame_len == 20 && res.argc == 2);
    CHECK(res.error == NULL);
}

/* The parser resumes instead of rescanning: bytes it already searched are not
 * looked at again (changing them behind its back has no effect). */
TEST(resume_does_not_rescan) {
    uint8_t b[16];
    struct kv_parser p;
    struct kv_parse_result res;
    memcpy(b, "abcdef", 6);
    kv_parser_reset(&p);
    CHECK(kv_parse_scan(&p, &k_lim, b, 3, &res) == KV_PARSE_NEED_MORE);
    b[1] = '\n'; /* already searched for '\n': must not be found now */
    CHECK(kv_parse_scan(&p, &k_lim, b, 5, &res) == KV_PARSE_NEED_MORE);
    b[5] = '\n';
    CHECK(kv_parse_scan(&p, &k_lim, b, 6, &res) == KV_PARSE_OK);
    CHECK(res.frame_len == 6);
    memcpy(b, "*1\r\n$4\r\nPING\r\n", 14);
    kv_parser_reset(&p);
    CHECK(kv_parse_scan(&p, &k_lim, b, 8, &res) == KV_PARSE_NEED_MORE && p.need == 14);
    b[0] = 'X'; /* header already validated: not read again */
    b[4] = 'Y';
    CHECK(kv_parse_scan(&p, &k_lim, b, 14, &res) == KV_PARSE_OK && res.frame_len == 14);
    /* Header line: a "\r\n" planted in bytes already searched stays unseen, so the
     * count line runs to the later '\r' and is not a number. */
    memcpy(b, "*12345\r\n", 8);
    kv_parser_reset(&p);
    CHECK(kv_parse_scan(&p, &k_lim, b, 6, &res) == KV_PARSE_NEED_MORE && p.need == 7);
    b[2] = '\r';
    b[3] = '\n';
    CHECK(kv_parse_scan(&p, &k_lim, b, 8, &res) == KV_PARSE_ERROR);
    CHECK(res.error != NULL && strcmp(res.error, E_MBLEN) == 0);
}

/* ---- errors ------------------------------------------------------------------- */

struct error_case {
    const char *bytes;
    size_t len;
    const char *error; /* NULL: close without reply */
};
#define EC(s, e) {(s), sizeof(s) - 1, (e)}

static const struct error_case k_errors[] = {
    EC("*abc\r\n", E_MBLEN),
    EC("*+1\r\n$4\r\nPING\r\n", E_MBLEN),
    EC("*01\r\n$4\r\nPING\r\n", E_MBLEN),
    EC("*-0\r\n", E_MBLEN),
    EC("*\r\n", E_MBLEN),
    EC("*-\r\n", E_MBLEN),
    EC("*1 \r\n", E_MBLEN),
    EC("* 1\r\n", E_MBLEN),
    EC("*2147483648\r\n", E_MBLEN),
    EC("*18446744073709551616\r\n", E_MBLEN),
    EC("*9223372036854775808\r\n", E_MBLEN),
    EC("*-9223372036854775809\r\n", E_MBLEN),
    EC("*000000000000000000001\r\n", E_MBLEN),
    EC("*1\0\r\n", E_MBLEN),
    EC("*1\r\nX\r\n", "Protocol error: expected '$', got 'X'"),
    EC("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'"),
    EC("*1\r\n\r\r\n", "Protocol error: expected '$', got '\r'"),
    EC("*1\r\n\n\r\n", "Protocol error: expected '$', got '\n'"),
    EC("*1\r\n\0\r\n", "Protocol error: expected '$', got '"),
    EC("*1\r\n\xff\r\n", "Protocol error: expected '$', got '\xff'"),
    EC("*1\r\n$-1\r\n", E_BLEN),
    EC("*1\r\n$+4\r\nPING\r\n", E_BLEN),
    EC("*1\r\n$04\r\nPING\r\n", E_BLEN),
    EC("*1\r\n$\r\n", E_BLEN),
    EC("*1\r\n$abc\r\n", E_BLEN),
    EC("*1\r\n$ 4\r\nPING\r\n", E_BLEN),
    EC("*1\r\n$4 \r\nPING\r\n", E_BLEN),
    EC("*1\r\n$536870913\r\n", E_BLEN),
    EC("*1\r\n$99999999999999999999\r\n", E_BLEN),
    EC("*1\rX$4\r\nPING\r\n", E_LINE),
    EC("*1\r\r\n", E_LINE),
    EC("*1\r\n$4\rXPING\r\n", E_LINE),
    EC("*2\r\n$4\r\nECHO\r\n$1\r\r\na\r\n", E_LINE),
    EC("*1\r\n$4\r\nPINGxx", E_BTERM),
    EC("*1\r\n$4\r\nPING\rx", E_BTERM),
    EC("*1\r\n$4\r\nPING\n\r", E_BTERM),
    EC("*1\r\n$4\r\nPINGG\r\n", E_BTERM),
    EC("*2\r\n$1\r\na\r\n$0\r\n\n\n", E_BTERM),
    EC("ECHO \"a\"b\r\n", E_QUOTES),
    EC("ECHO \"ab\r\n", E_QUOTES),
    EC("ECHO 'ab\r\n", E_QUOTES),
    EC("ECHO 'a'b\n", E_QUOTES),
    EC("ECHO \"a\\\"\r\n", E_QUOTES),
    EC("ECHO \"a\\\r\n", E_QUOTES),
    EC("ECHO 'a\\'\n", E_QUOTES),
    EC("\"\n", E_QUOTES),
    EC("a\"b\"c d\n", E_QUOTES),
    EC("ECHO \"x\"\"y\"\r\n", E_QUOTES),
    EC("*2147483647\r\n", NULL), /* valid count, but above argc_max */
};

TEST(error_strings_exact_in_all_modes) {
    for (size_t i = 0; i < KV_ARRAY_LEN(k_errors); i++) {
        struct str want = {0};
        exp_error(&want, k_errors[i].error);
        bool ok = check_all_modes((const uint8_t *)k_errors[i].bytes, k_errors[i].len, &k_lim,
                                  &want);
        if (!ok) fprintf(stderr, "  error case %zu\n", i);
        str_free(&want);
        CHECK(ok);
    }
}

/* "expected '$', got '%c'" carries the raw byte, for every byte but '$'. */
TEST(expected_dollar_for_every_byte) {
    static const char prefix[] = "Protocol error: expected '$', got '";
    for (uint32_t b = 0; b < 256; b++) {
        if (b == '$') continue;
        uint8_t in[7] = {'*', '1', '\r', '\n', (uint8_t)b, '\r', '\n'};
        struct kv_parser p;
        struct kv_parse_result res;
        kv_parser_reset(&p);
        CHECK(kv_parse_scan(&p, &k_lim, in, sizeof(in), &res) == KV_PARSE_ERROR);
        CHECK(res.error != NULL);
        CHECK(memcmp(res.error, prefix, sizeof(prefix) - 1) == 0);
        CHECK((uint8_t)res.error[35] == b && res.error[36] == '\'' && res.error[37] == 0);
    }
}

/* What the caller writes for a parse error, via the reply writer: Redis maps the
 * raw byte in "got '%c'" to a space when it is CR or LF. */
TEST(error_reply_bytes_match_redis) {
    static const struct {
        const char *in;
        size_t in_len;
        const char *reply;
    } cases[] = {
        {"*1\r\n\r\r\n", 7, "-ERR Protocol error: expected '$', got ' '\r\n"},
        {"*1\r\n\n\r\n", 7, "-ERR Protocol error: expected '$', got ' '\r\n"},
        {"*1\r\nX\r\n", 7, "-ERR Protocol error: expected '$', got 'X'\r\n"},
        {"*abc\r\n", 6, "-ERR Protocol error: invalid multibulk length\r\n"},
    };
    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        struct kv_parser p;
        struct kv_parse_result res;
        kv_parser_reset(&p);
        enum kv_parse_status st =
            kv_parse_scan(&p, &k_lim, (const uint8_t *)cases[i].in, (uint32_t)cases[i].in_len,
                          &res);
        CHECK(st == KV_PARSE_ERROR && res.error != NULL);
        uint8_t out[128];
        struct kv_reply r;
        kv_reply_init(&r, out, sizeof(out));
        kv_reply_errorf(&r, "ERR %s", res.error);
        CHECK_STR(r.buf, r.len, cases[i].reply);
    }
}

/* Runs data in one buffer and byte by byte (too big for every split). */
static bool check_big(const uint8_t *d, size_t n, const struct kv_parse_limits *lim,
                      const char *want) {
    return check_one_buffer(d, n, lim, want, strlen(want)) &&
           check_byte_by_byte(d, n, lim, want, strlen(want));
}

/*
 * The inline limit counts the whole line, terminator included, whenever the
 * newline arrives: 65,535 bytes wait for more, 65,536 without a newline can no
 * longer end within the limit, a line of 65,535 + "\n" runs, one of 65,536 + "\n"
 * is refused even in one buffer (once it was accepted when its newline came in the
 * same read: a frame larger than the inline copy buffer, issue 18's first crash).
 */
TEST(limit_inline_65536_vs_65537) {
    size_t n = KV_PROTO_INLINE_MAX;
    uint8_t *d = malloc(n + 2);
    CHECK(d != NULL);
    memset(d, 'a', n + 2);
    bool ok1 = check_big(d, n - 1, &k_lim, "I65535/65536");
    bool ok2 = check_big(d, n, &k_lim, "E(Protocol error: too big inline request)");
    d[n - 1] = '\n';
    struct str want = {0};
    ser_frame_begin(&want, KV_FRAME_INLINE, 1);
    ser_arg(&want, d, n - 1);
    ser_frame_end(&want);
    bool ok3 = check_one_buffer(d, n, &k_lim, want.p, want.len);
    str_free(&want);
    d[n - 1] = 'a';
    d[n] = '\n';
    const char *big = "E(Protocol error: too big inline request)";
    bool ok4 = check_one_buffer(d, n + 1, &k_lim, big, strlen(big));
    free(d);
    CHECK(ok1);
    CHECK(ok2);
    CHECK(ok3);
    CHECK(ok4);
}

/* A run-time inline limit (--proto-inline-max-size) moves every boundary with it. */
TEST(limit_inline_runtime) {
    struct kv_parse_limits lim = k_lim;
    lim.inline_max = 100;
    uint8_t d[128];
    memset(d, 'b', sizeof(d));
    bool ok1 = check_big(d, 99, &lim, "I99/100");
    bool ok2 = check_big(d, 100, &lim, "E(Protocol error: too big inline request)");
    d[100] = '\n'; /* 100 bytes and the newline: one too many */
    const char *big = "E(Protocol error: too big inline request)";
    bool ok3 = check_one_buffer(d, 101, &lim, big, strlen(big));
    /* 50 one-letter words in 99 bytes: the most a 100-byte line holds (argv). */
    for (uint32_t i = 1; i < 99; i += 2) d[i] = ' ';
    d[98] = 'b';
    struct str want = {0};
    ser_frame_begin(&want, KV_FRAME_INLINE, 50);
    for (uint32_t i = 0; i < 50; i++) ser_arg(&want, d, 1);
    ser_frame_end(&want);
    d[99] = '\n';
    bool ok4 = check_one_buffer(d, 99, &lim, "I99/100", 7) &&
               check_one_buffer(d, 100, &lim, want.p, want.len);
    str_free(&want);
    CHECK(ok1);
    CHECK(ok2);
    CHECK(ok3);
    CHECK(ok4);
}

TEST(limit_mbulk_count_string) {
    size_t n = KV_PROTO_INLINE_MAX + 1;
    uint8_t *d = malloc(n);
    CHECK(d != NULL);
    d[0] = '*';
    memset(d + 1, '1', n - 1);
    bool ok1 = check_big(d, n - 1, &k_lim, "I65536/65537");
    bool ok2 = check_big(d, n, &k_lim, "E(Protocol error: too big mbulk count string)");
    free(d);
    CHECK(ok1);
    CHECK(ok2);
}

TEST(limit_bulk_count_string) {
    size_t hdr = 4, n = hdr + KV_PROTO_INLINE_MAX + 1;
    uint8_t *d = malloc(n);
    CHECK(d != NULL);
    memcpy(d, "*1\r\n", hdr);
    d[hdr] = '$';
    memset(d + hdr + 1, '9', n - hdr - 1);
    bool ok1 = check_big(d, n - 1, &k_lim, "I65540/65541");
    bool ok2 = check_big(d, n, &k_lim, "E(Protocol error: too big bulk count string)");
    free(d);
    CHECK(ok1);
    CHECK(ok2);
}

TEST(limit_bulk_len_max_and_one_past) {
    struct kv_parse_limits lim = {.bulk_len_max = 16, .argc_max = 8};
    struct str want = {0};
    exp_frame(&want, KV_FRAME_MULTIBULK, 1, "0123456789abcdef");
    bool ok1 = check_all_modes(LIT("*1\r\n$16\r\n0123456789abcdef\r\n"), &lim, &want);
    str_free(&want);
    exp_error(&want, E_BLEN);
    bool ok2 = check_all_modes(LIT("*1\r\n$17\r\n0123456789abcdefg\r\n"), &lim, &want);
    str_free(&want);
    CHECK(ok1);
    CHECK(ok2);
    /* The default 512 MiB limit is accepted at the header, before any payload. */
    struct str got = {0};
    size_t cut = 16;
    run_stream(LIT("*1\r\n$536870912\r\n"), &cut, 1, &k_lim, &got);
    bool ok3 = got.len == 13 && memcmp(got.p, "I16/536870930", 13) == 0;
    str_free(&got);
    CHECK(ok3);
}

/* An inline argument longer than bulk_len_max (possible when kv's limits are below
 * Redis's minimums: sim seed 962400159 --crowd sent SET k0 <600 bytes> under a
 * 520-byte proto-max-bulk-len, and SET's room assertion fired) is refused as its bulk
 * would be; at the limit it passes, quotes and escapes counted as unescaped bytes. */
TEST(limit_inline_arg_past_bulk_len_max) {
    struct kv_parse_limits lim = {.bulk_len_max = 16, .argc_max = 8};
    struct str want = {0};
    exp_frame(&want, KV_FRAME_INLINE, 3, "SET", "k", "0123456789abcdef");
    bool ok1 = check_all_modes(LIT("SET k 0123456789abcdef\r\n"), &lim, &want);
    str_free(&want);
    exp_frame(&want, KV_FRAME_INLINE, 2, "SET", "0123456789abcde\n");
    bool ok2 = check_all_modes(LIT("SET \"0123456789abcde\\n\"\r\n"), &lim, &want);
    str_free(&want);
    exp_error(&want, E_BLEN);
    bool ok3 = check_all_modes(LIT("SET k 0123456789abcdefg\r\n"), &lim, &want);
    str_free(&want);
    CHECK(ok1);
    CHECK(ok2);
    CHECK(ok3);
}

TEST(limit_argc_max_and_one_past) {
    struct kv_parse_limits lim = {.bulk_len_max = 16, .argc_max = 3};
    struct str want = {0};
    exp_frame(&want, KV_FRAME_MULTIBULK, 3, "a", "b", "c");
    bool ok1 = check_all_modes(LIT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"), &lim, &want);
    str_free(&want);
    /* One past: rejected silently as soon as the count line is complete. */
    exp_error(&want, NULL);
    bool ok2 = check_all_modes(LIT("*4\r\n"), &lim, &want);
    bool ok3 = check_all_modes(LIT("*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"), &lim,
                               &want);
    str_free(&want);
    CHECK(ok1);
    CHECK(ok2);
    CHECK(ok3);
}

TEST(count_at_int_max_is_valid_and_nonpositive_is_empty) {
    struct kv_parse_limits lim = {.bulk_len_max = 16, .argc_max = 2147483647};
    struct str got = {0};
    size_t cut = 13;
    run_stream(LIT("*2147483647\r\n"), &cut, 1, &lim, &got);
    CHECK_STR(got.p, got.len, "I13/14");
    str_free(&got);
    struct str want = {0};
    exp_frame(&want, KV_FRAME_EMPTY, 0);
    exp_frame(&want, KV_FRAME_EMPTY, 0);
    exp_frame(&want, KV_FRAME_EMPTY, 0);
    exp_frame(&want, KV_FRAME_INLINE, 1, "PING");
    bool ok = check_all_modes(LIT("*-1\r\n*-2147483649\r\n*-9223372036854775808\r\nPING\r\n"),
                              &lim, &want);
    str_free(&want);
    CHECK(ok);
}

/* ---- pipelining --------------------------------------------------------------- */

TEST(pipelined_1000_commands_in_one_buffer) {
    struct str data = {0}, want = {0};
    for (uint32_t i = 0; i < 1000; i++) {
        char key[32], val[32];
        snprintf(key, sizeof(key), "key:%u", i);
        snprintf(val, sizeof(val), "v%u", i * 7);
        if (i % 3 == 2) {
            str_printf(&data, "GET %s\r\n", key);
            exp_frame(&want, KV_FRAME_INLINE, 2, "GET", key);
        } else {
            str_printf(&data, "*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(key),
                       key, strlen(val), val);
            exp_frame(&want, KV_FRAME_MULTIBULK, 3, "SET", key, val);
        }
    }
    struct str got = {0};
    size_t cut = data.len;
    uint32_t frames = run_stream((const uint8_t *)data.p, data.len, &cut, 1, &k_lim, &got);
    CHECK(frames == 1000);
    CHECK_MEM(got.p, got.len, want.p, want.len);
    str_free(&got);
    /* Same stream in reads of 7 bytes. */
    size_t ncuts = (data.len + 6) / 7;
    size_t *cuts = malloc(ncuts * sizeof(*cuts));
    CHECK(cuts != NULL);
    for (size_t i = 0; i < ncuts; i++) cuts[i] = KV_MIN((i + 1) * 7, data.len);
    frames = run_stream((const uint8_t *)data.p, data.len, cuts, ncuts, &k_lim, &got);
    free(cuts);
    CHECK(frames == 1000);
    CHECK_MEM(got.p, got.len, want.p, want.len);
    str_free(&got);
    str_free(&data);
    str_free(&want);
}

/* ---- randomized round trip ----------------------------------------------------- */

static void gen_multibulk(struct kv_prng *g, struct str *data, struct str *want) {
    uint32_t argc = 1 + (uint32_t)kv_prng_below(g, 8);
    uint8_t arg[400];
    str_printf(data, "*%u\r\n", argc);
    ser_frame_begin(want, KV_FRAME_MULTIBULK, argc);
    for (uint32_t a = 0; a < argc; a++) {
        size_t n = kv_prng_chance(g, 1, 10) ? kv_prng_below(g, sizeof(arg))
                                            : kv_prng_below(g, 12);
        for (size_t i = 0; i < n; i++) {
            /* Bias towards the bytes that matter: CR, LF, NUL, '$', '*'. */
            static const uint8_t special[] = {'\r', '\n', 0, '$', '*', '"', ' '};
            arg[i] = kv_prng_chance(g, 1, 4) ? special[kv_prng_below(g, sizeof(special))]
                                             : (uint8_t)kv_prng_below(g, 256);
        }
        str_printf(data, "$%zu\r\n", n);
        str_put(data, arg, n);
        str_put(data, "\r\n", 2);
        ser_arg(want, arg, n);
    }
    ser_frame_end(want);
}

/* Appends one inline argument holding arg[0, n), encoded plain, "double" or 'single'
 * quoted. Plain needs bytes that are not blanks or quotes; single quotes cannot
 * hold LF or end in a backslash. */
static void encode_inline_arg(struct kv_prng *g, struct str *data, const uint8_t *arg,
                              size_t n, bool first) {
    bool plain_ok = n > 0 && !(first && arg[0] == '*');
    bool single_ok = n == 0 || arg[n - 1] != '\\';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = arg[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' ||
            c == '"' || c == '\'')
            plain_ok = false;
        if (c == '\n') single_ok = false;
    }
    uint64_t pick = kv_prng_below(g, 3);
    if (pick == 0 && plain_ok) {
        str_put(data, arg, n);
    } else if (pick == 1 && single_ok) {
        str_put(data, "'", 1);
        for (size_t i = 0; i < n; i++) {
            if (arg[i] == '\'') str_put(data, "\\'", 2);
            else str_put(data, &arg[i], 1);
        }
        str_put(data, "'", 1);
    } else {
        str_put(data, "\"", 1);
        for (size_t i = 0; i < n; i++) {
            uint8_t c = arg[i];
            if (c == '"' || c == '\\') str_printf(data, "\\%c", c);
            else if (c == '\n') str_put(data, "\\n", 2);
            else if (c < 32 || c > 126 || kv_prng_chance(g, 1, 8)) str_printf(data, "\\x%02x", c);
            else str_put(data, &c, 1);
        }
        str_put(data, "\"", 1);
    }
}

static void gen_inline(struct kv_prng *g, struct str *data, struct str *want) {
    uint32_t argc = (uint32_t)kv_prng_below(g, 6); /* 0: a blank line */
    uint8_t args[6][24];
    size_t lens[6];
    if (kv_prng_chance(g, 1, 3)) str_put(data, " \t", 1 + kv_prng_below(g, 2));
    for (uint32_t a = 0; a < argc; a++) {
        lens[a] = kv_prng_below(g, sizeof(args[a]));
        for (size_t i = 0; i < lens[a]; i++) {
            static const char alphabet[] = "abcXYZ019*$'\"\\ \t\r\n\v\f\x01\x7f\xc3";
            args[a][i] = kv_prng_chance(g, 3, 4)
                             ? (uint8_t)alphabet[kv_prng_below(g, sizeof(alphabet) - 1)]
                             : (uint8_t)kv_prng_below(g, 256);
        }
        if (a > 0) str_put(data, "  \t", 1 + kv_prng_below(g, 3));
        encode_inline_arg(g, data, args[a], lens[a], a == 0 && data->len == 0);
    }
    if (kv_prng_chance(g, 1, 3)) str_put(data, " ", 1);
    if (kv_prng_chance(g, 1, 2)) str_put(data, "\r\n", 2);
    else str_put(data, "\n", 1);
    ser_frame_begin(want, argc == 0 ? KV_FRAME_EMPTY : KV_FRAME_INLINE, argc);
    for (uint32_t a = 0; a < argc; a++) ser_arg(want, args[a], lens[a]);
    ser_frame_end(want);
}

TEST(randomized_round_trip) {
    struct kv_prng g;
    kv_prng_init(&g, 0x5eed2024ull);
    uint32_t total_frames = 0;
    for (uint32_t iter = 0; iter < 400; iter++) {
        struct str data = {0}, want = {0};
        uint32_t nframes = 1 + (uint32_t)kv_prng_below(&g, 20);
        for (uint32_t f = 0; f < nframes; f++) {
            uint64_t kind = kv_prng_below(&g, 10);
            struct str frame = {0};
            if (kind < 5) gen_multibulk(&g, &frame, &want);
            else if (kind < 9) gen_inline(&g, &frame, &want);
            else {
                const char *empty = kv_prng_chance(&g, 1, 2) ? "*0\r\n" : "*-1\r\n";
                str_put(&frame, empty, strlen(empty));
                exp_frame(&want, KV_FRAME_EMPTY, 0);
            }
            str_put(&data, frame.p, frame.len);
            str_free(&frame);
        }
        /* Random reads: mostly small, sometimes large, sometimes 1 byte. */
        size_t *cuts = malloc((data.len + 1) * sizeof(*cuts));
        CHECK(cuts != NULL);
        size_t ncuts = 0, at = 0;
        while (at < data.len) {
            size_t step = kv_prng_chance(&g, 1, 5) ? 1 : 1 + kv_prng_below(&g, 64);
            at = KV_MIN(at + step, data.len);
            cuts[ncuts++] = at;
        }
        struct str got = {0};
        uint32_t frames = run_stream((const uint8_t *)data.p, data.len, cuts, ncuts, &k_lim,
                                     &got);
        free(cuts);
        bool ok = frames == nframes && got.len == want.len &&
                  memcmp(got.p, want.p, want.len) == 0;
        if (!ok) {
            fprintf(stderr, "  iter %u: %u/%u frames\n  got  ", iter, frames, nframes);
            kv_test_print_escaped_((const unsigned char *)got.p, got.len);
            fprintf(stderr, "\n  want ");
            kv_test_print_escaped_((const unsigned char *)want.p, want.len);
            fprintf(stderr, "\n");
        }
        total_frames += frames;
        str_free(&got);
        str_free(&data);
        str_free(&want);
        CHECK(ok);
    }
    CHECK(total_frames > 3000); /* the generator really produced frames */
}

/* Arbitrary bytes (protocol-heavy): however they are split, the caller sees exactly
 * what it sees in one buffer, errors included, and nothing reads past len. */
TEST(randomized_garbage_split_invariance) {
    struct kv_prng g;
    kv_prng_init(&g, 0xbadc0ffeeull);
    static const char alphabet[] = "*$\r\n0123-+ \"'\\xa";
    for (uint32_t iter = 0; iter < 500; iter++) {
        size_t n = 1 + kv_prng_below(&g, 120);
        uint8_t d[128];
        for (size_t i = 0; i < n; i++) {
            d[i] = kv_prng_chance(&g, 7, 8)
                       ? (uint8_t)alphabet[kv_prng_below(&g, sizeof(alphabet) - 1)]
                       : (uint8_t)kv_prng_below(&g, 256);
        }
        struct str want = {0}, got = {0};
        size_t whole = n;
        run_stream(d, n, &whole, 1, &k_lim, &want);
        size_t cuts[128], ncuts = 0, at = 0;
        while (at < n) {
            size_t step = 1 + kv_prng_below(&g, 8); /* KV_MIN evaluates twice */
            at = KV_MIN(at + step, n);
            cuts[ncuts++] = at;
        }
        run_stream(d, n, cuts, ncuts, &k_lim, &got);
        bool ok = got.len == want.len && memcmp(got.p, want.p, want.len) == 0;
        str_free(&want);
        str_free(&got);
        CHECK(ok);
    }
}

/* kv_parse_fast on one buffer: when it says yes, scan + decode must agree exactly. */
static bool fast_agrees(const uint8_t *buf, uint32_t len, bool *took) {
    struct kv_slice fa[64], sa[64];
    struct kv_parse_result fr, sr;
    uint8_t *copy = malloc(len > 0 ? len : 1); /* exact size: ASan sees over-reads */
    if (copy == NULL) abort();
    memcpy(copy, buf, len);
    static const struct kv_parse_limits lim = {.bulk_len_max = 1000, .argc_max = 64};
    *took = kv_parse_fast(&lim, copy, len, fa, 64, &fr);
    bool ok = true;
    if (*took) {
        struct kv_parser p;
        kv_parser_reset(&p);
        ok = kv_parse_scan(&p, &lim, copy, len, &sr) == KV_PARSE_OK &&
             sr.kind == fr.kind && sr.frame_len == fr.frame_len && sr.argc == fr.argc;
        if (ok) kv_parse_decode(copy, &sr, sa, 64);
        for (uint32_t i = 0; ok && i < fr.argc; i++)
            ok = fa[i].ptr == sa[i].ptr && fa[i].len == sa[i].len;
    }
    free(copy);
    return ok;
}

TEST(fast_path_exact_cases) {
    bool took = false;
    CHECK(fast_agrees(LIT("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), &took) && took);
    CHECK(fast_agrees(LIT("*1\r\n$0\r\n\r\n"), &took) && took);
    CHECK(fast_agrees(LIT("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI"), &took) && took);
    static const char *no[] = {
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r",  /* incomplete */
        "*0\r\n",                          /* empty: the scanner skips it */
        "*-1\r\n", "*01\r\n$1\r\na\r\n",   /* negative, leading zero */
        "*1\r\n$01\r\na\r\n", "*1\r\n$-1\r\n", "*1\r\n$+1\r\na\r\n",
        "*1\r\n$1\r\nab\r\n",              /* bad bulk terminator */
        "*1\r\n$1\n\na\r\n", "*1\r\r$1\r\na\r\n", /* bad line terminators */
        "*1\r\n+1\r\na\r\n", "PING\r\n", "*65\r\n", /* not '$', inline, argc > max */
        "*1\r\n$1001\r\n", "*1\r\n$1234567890\r\n", /* bulk > max, 10 digits */
        "*1234567890\r\n",
    };
    for (uint32_t i = 0; i < KV_ARRAY_LEN(no); i++) {
        CHECK(fast_agrees((const uint8_t *)no[i], (uint32_t)strlen(no[i]), &took));
        CHECK(!took);
    }
}

/* Every two-byte length, for a bulk and for the count (the fast path reads two
 * digits at once): fast agrees with the scanner, and takes exactly the canonical
 * ones (no leading zero) within the limits. */
TEST(fast_path_every_two_byte_length) {
    uint32_t taken = 0;
    for (uint32_t b0 = 0; b0 < 256; b0++) {
        for (uint32_t b1 = 0; b1 < 256; b1++) {
            bool digits = b0 >= '1' && b0 <= '9' && b1 >= '0' && b1 <= '9';
            uint32_t v = digits ? (b0 - '0') * 10 + (b1 - '0') : 1;
            char f[1024]; /* 99 arguments of 7 bytes at most */
            int n = snprintf(f, sizeof(f), "*1\r\n$%c%c\r\n", (char)b0, (char)b1);
            memset(f + n, 'x', v);
            memcpy(f + n + v, "\r\n", 2);
            bool took = false;
            CHECK(fast_agrees((const uint8_t *)f, (uint32_t)n + v + 2, &took));
            CHECK(took == digits);
            n = snprintf(f, sizeof(f), "*%c%c\r\n", (char)b0, (char)b1);
            for (uint32_t a = 0; a < v; a++) n += snprintf(f + n, sizeof(f) - (size_t)n, "$1\r\na\r\n");
            CHECK(fast_agrees((const uint8_t *)f, (uint32_t)n, &took));
            CHECK(took == (digits && v <= 64)); /* argc_max 64 */
            taken += took;
        }
    }
    CHECK(taken == 55); /* counts 10..64 */
}

/* Random valid frames, then mutated and truncated: fast never disagrees, and takes
 * every whole frame with canonical lengths. */
static const char k_payload[] = "x\r\n$*0";

TEST(fast_path_agrees_with_scan_randomized) {
    struct kv_prng r;
    kv_prng_init(&r, 4242);
    uint32_t taken = 0, whole = 0;
    for (uint32_t n = 0; n < 20000; n++) {
        struct str f = {0};
        uint32_t argc = 1 + kv_prng_below(&r, 5);
        str_printf(&f, "*%u\r\n", argc);
        for (uint32_t a = 0; a < argc; a++) {
            uint32_t blen = kv_prng_below(&r, 4) == 0 ? kv_prng_below(&r, 300) : kv_prng_below(&r, 12);
            str_printf(&f, "$%u\r\n", blen);
            for (uint32_t b = 0; b < blen; b++) str_put(&f, &k_payload[kv_prng_below(&r, 6)], 1);
            str_put(&f, "\r\n", 2);
        }
        bool took = false;
        uint32_t len = (uint32_t)f.len;
        uint32_t mode = kv_prng_below(&r, 3);
        if (mode == 1) len = kv_prng_below(&r, len + 1);
        if (mode == 2) {
            uint32_t at = kv_prng_below(&r, len);
            f.p[at] = "0123456789$*\r\n-+ ax"[kv_prng_below(&r, 20)];
        }
        CHECK(fast_agrees((const uint8_t *)f.p, len, &took));
        if (mode == 0) {
            whole++;
            CHECK(took);
        }
        taken += took;
        str_free(&f);
    }
    CHECK(whole > 6000 && taken >= whole);
}

/* The prefetch guess: the second argument of whole frames, never outside buf. */
TEST(peek_arg1_guesses_inside_the_buffer) {
    struct kv_slice k;
    CHECK(kv_parse_peek_arg1(LIT("*2\r\n$3\r\nGET\r\n$4\r\nkey1\r\n"), &k));
    CHECK_STR((const char *)k.ptr, k.len, "key1");
    CHECK(kv_parse_peek_arg1(LIT("*3\r\n$5\r\nLPUSH\r\n$0\r\n\r\n$1\r\nx\r\n"), &k) && k.len == 0);
    CHECK(!kv_parse_peek_arg1(LIT("*1\r\n$4\r\nPING\r\n"), &k));    /* no argv[1] */
    CHECK(!kv_parse_peek_arg1(LIT("*2\r\n$3\r\nGET\r\n$4\r\nke"), &k)); /* cut short */
    CHECK(!kv_parse_peek_arg1(LIT("GET key\r\n"), &k));             /* inline */
    struct kv_slice m;
    CHECK(kv_parse_peek_args(LIT("*3\r\n$4\r\nHGET\r\n$1\r\nh\r\n$2\r\nf1\r\n"), &k, &m));
    CHECK_STR((const char *)k.ptr, k.len, "h");
    CHECK_STR((const char *)m.ptr, m.len, "f1");
    CHECK(kv_parse_peek_args(LIT("*3\r\n$4\r\nHGET\r\n$1\r\nh\r\n$2\r\nf"), &k, &m));
    CHECK(k.len == 1 && m.ptr == NULL && m.len == 0); /* argv[2] cut short */
    CHECK(kv_parse_peek_args(LIT("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), &k, &m) && m.ptr == NULL);
    struct kv_prng r;
    kv_prng_init(&r, 77);
    for (uint32_t n = 0; n < 20000; n++) { /* random bytes: any slice stays inside */
        uint8_t buf[48];
        uint32_t len = kv_prng_below(&r, sizeof(buf) + 1);
        for (uint32_t i = 0; i < len; i++) buf[i] = (uint8_t)"*$\r\n0123456789ab"[kv_prng_below(&r, 16)];
        if (len > 0 && kv_prng_below(&r, 2)) buf[0] = '*';
        uint8_t *exact = malloc(len > 0 ? len : 1); /* ASan: no read past len */
        memcpy(exact, buf, len);
        if (kv_parse_peek_arg1(exact, len, &k))
            CHECK(k.ptr >= exact && k.ptr + k.len <= exact + len);
        struct kv_slice m2;
        if (kv_parse_peek_args(exact, len, &k, &m2) && m2.ptr != NULL)
            CHECK(m2.ptr >= exact && m2.ptr + m2.len <= exact + len);
        free(exact);
    }
}

/* Canary: the harness must be able to fail (a wrong expectation is detected). */
TEST(canary_harness_detects_mismatch) {
    struct str want = {0};
    exp_frame(&want, KV_FRAME_MULTIBULK, 1, "PONG");
    g_quiet = true;
    bool ok = check_one_buffer(LIT("*1\r\n$4\r\nPING\r\n"), &k_lim, want.p, want.len);
    g_quiet = false;
    str_free(&want);
    CHECK(!ok);
}

int main(void) {
    RUN(frames_each_in_all_modes);
    RUN(frames_pipelined_mix_in_all_modes);
    RUN(frame_then_error_keeps_the_frame);
    RUN(unauth_limits);
    RUN(incomplete_tail_reports_need);
    RUN(need_and_frame_len_exact);
    RUN(resume_does_not_rescan);
    RUN(error_strings_exact_in_all_modes);
    RUN(expected_dollar_for_every_byte);
    RUN(error_reply_bytes_match_redis);
    RUN(limit_inline_65536_vs_65537);
    RUN(limit_inline_runtime);
    RUN(limit_mbulk_count_string);
    RUN(limit_bulk_count_string);
    RUN(limit_bulk_len_max_and_one_past);
    RUN(limit_inline_arg_past_bulk_len_max);
    RUN(limit_argc_max_and_one_past);
    RUN(count_at_int_max_is_valid_and_nonpositive_is_empty);
    RUN(pipelined_1000_commands_in_one_buffer);
    RUN(randomized_round_trip);
    RUN(randomized_garbage_split_invariance);
    RUN(fast_path_exact_cases);
    RUN(fast_path_every_two_byte_length);
    RUN(fast_path_agrees_with_scan_randomized);
    RUN(peek_arg1_guesses_inside_the_buffer);
    RUN(canary_harness_detects_mismatch);
    TEST_SUMMARY("resp");
}

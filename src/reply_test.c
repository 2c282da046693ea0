/*
 * reply_test.c: unit tests for the reply writer (src/reply.c): exact bytes of
 * every writer under RESP2 and RESP3 (nulls, maps, sets, push, doubles, booleans,
 * big numbers, verbatim strings), Redis's error sanitisation, kv_fmt_i64 at the extremes, writes that
 * fill the buffer exactly (with a canary past cap), and writes one byte too big,
 * which must abort (checked in a forked child). Test code: uses stdio and fork.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kv/reply.h"
#include "testing.h"

#define CANARY 0xA5

struct out {
    uint8_t mem[256 + 8];
    struct kv_reply r;
};

static void out_init(struct out *o, uint32_t cap) {
    memset(o->mem, CANARY, sizeof(o->mem));
    kv_reply_init(&o->r, o->mem, cap);
}

/* True when no byte past cap was touched. */
static bool canary_intact(const struct out *o) {
    for (uint32_t i = o->r.cap; i < o->r.cap + 8 && i < sizeof(o->mem); i++) {
        if (o->mem[i] != CANARY) return false;
    }
    return true;
}

TEST(simple_error_int_exact) {
    struct out o;
    out_init(&o, 256);
    kv_reply_simple(&o.r, "OK");
    CHECK_STR(o.r.buf, o.r.len, "+OK\r\n");
    out_init(&o, 256);
    kv_reply_simple(&o.r, "");
    CHECK_STR(o.r.buf, o.r.len, "+\r\n");
    out_init(&o, 256);
    kv_reply_error(&o.r, "ERR syntax error");
    CHECK_STR(o.r.buf, o.r.len, "-ERR syntax error\r\n");
    out_init(&o, 256);
    kv_reply_int(&o.r, 0);
    kv_reply_int(&o.r, 1);
    kv_reply_int(&o.r, -5);
    kv_reply_int(&o.r, INT64_MAX);
    kv_reply_int(&o.r, INT64_MIN);
    CHECK_STR(o.r.buf, o.r.len,
              ":0\r\n:1\r\n:-5\r\n:9223372036854775807\r\n:-9223372036854775808\r\n");
    CHECK(canary_intact(&o));
}

TEST(bulk_writers_exact) {
    struct out o;
    out_init(&o, 256);
    kv_reply_bulk(&o.r, "foo", 3);
    CHECK_STR(o.r.buf, o.r.len, "$3\r\nfoo\r\n");
    out_init(&o, 256);
    kv_reply_bulk(&o.r, NULL, 0);
    kv_reply_bulk(&o.r, "", 0);
    CHECK_STR(o.r.buf, o.r.len, "$0\r\n\r\n$0\r\n\r\n");
    out_init(&o, 256);
    kv_reply_bulk(&o.r, "a\r\n\0b", 5);
    CHECK_MEM(o.r.buf, o.r.len, "$5\r\na\r\n\0b\r\n", 11);
    out_init(&o, 256);
    kv_reply_bulk_cstr(&o.r, "hello");
    CHECK_STR(o.r.buf, o.r.len, "$5\r\nhello\r\n");
    out_init(&o, 256);
    kv_reply_bulk_int(&o.r, -12);
    kv_reply_bulk_int(&o.r, 0);
    kv_reply_bulk_int(&o.r, INT64_MIN);
    CHECK_STR(o.r.buf, o.r.len, "$3\r\n-12\r\n$1\r\n0\r\n$20\r\n-9223372036854775808\r\n");
    out_init(&o, 256);
    kv_reply_bulk_header(&o.r, 3);
    kv_reply_raw(&o.r, "xyz", 3);
    kv_reply_crlf(&o.r);
    kv_reply_bulk_header(&o.r, 18446744073709551615ull);
    CHECK_STR(o.r.buf, o.r.len, "$3\r\nxyz\r\n$18446744073709551615\r\n");
    CHECK(canary_intact(&o));
}

TEST(null_and_array_exact) {
    struct out o;
    out_init(&o, 256);
    kv_reply_null(&o.r);
    kv_reply_null_array(&o.r);
    kv_reply_array(&o.r, 0);
    kv_reply_array(&o.r, 2);
    kv_reply_array(&o.r, 1000000);
    kv_reply_crlf(&o.r);
    CHECK_STR(o.r.buf, o.r.len, "$-1\r\n*-1\r\n*0\r\n*2\r\n*1000000\r\n\r\n");
    /* A whole nested reply, as Redis writes LRANGE-like output. */
    out_init(&o, 256);
    kv_reply_array(&o.r, 3);
    kv_reply_bulk_cstr(&o.r, "a");
    kv_reply_null(&o.r);
    kv_reply_int(&o.r, 42);
    CHECK_STR(o.r.buf, o.r.len, "*3\r\n$1\r\na\r\n$-1\r\n:42\r\n");
    CHECK(o.r.len == 21 && kv_reply_free(&o.r) == 256 - 21);
}

TEST(errorf_formats_and_sanitises_like_redis) {
    struct out o;
    out_init(&o, 256);
    kv_reply_errorf(&o.r, "ERR unknown command '%s', with args beginning with: ", "foo");
    CHECK_STR(o.r.buf, o.r.len, "-ERR unknown command 'foo', with args beginning with: \r\n");
    /* CR/LF inside become spaces. */
    out_init(&o, 256);
    kv_reply_errorf(&o.r, "ERR bad '%s' %d", "a\r\nb\nc\r", 7);
    CHECK_STR(o.r.buf, o.r.len, "-ERR bad 'a  b c ' 7\r\n");
    /* CR/LF at either end are trimmed (sdstrim), not mapped. */
    out_init(&o, 256);
    kv_reply_errorf(&o.r, "ERR tail %s", "x\r\n\n");
    CHECK_STR(o.r.buf, o.r.len, "-ERR tail x\r\n");
    out_init(&o, 256);
    kv_reply_errorf(&o.r, "%sERR head", "\r\n");
    CHECK_STR(o.r.buf, o.r.len, "-ERR head\r\n");
    /* A %c of NUL cuts the message there, as sds strlen does in Redis. */
    out_init(&o, 256);
    kv_reply_errorf(&o.r, "ERR got '%c' end", 0);
    CHECK_STR(o.r.buf, o.r.len, "-ERR got '\r\n");
    /* Appends after earlier replies. */
    out_init(&o, 256);
    kv_reply_simple(&o.r, "QUEUED");
    kv_reply_errorf(&o.r, "ERR %s", "x");
    CHECK_STR(o.r.buf, o.r.len, "+QUEUED\r\n-ERR x\r\n");
    CHECK(canary_intact(&o));
}

TEST(fmt_i64_like_ll2string) {
    static const struct {
        int64_t v;
        const char *s;
    } cases[] = {
        {0, "0"},
        {-1, "-1"},
        {1, "1"},
        {9, "9"},
        {10, "10"},
        {-10, "-10"},
        {1234567890, "1234567890"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
        {INT64_MIN + 1, "-9223372036854775807"},
    };
    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        char buf[32];
        memset(buf, 'z', sizeof(buf));
        uint32_t n = kv_fmt_i64(buf, cases[i].v);
        CHECK(n == strlen(cases[i].s));
        CHECK_MEM(buf, n, cases[i].s, strlen(cases[i].s));
        CHECK(buf[n] == '\0');
        CHECK(buf[n + 1] == 'z'); /* nothing past the terminator */
    }
}

/* Every digit count and its boundaries, both signs, then random values of random
 * magnitude: kv_fmt_i64 against snprintf (the two-digit writer's every path). */
TEST(fmt_i64_against_snprintf) {
    char buf[32];
    char want[32];
    uint64_t p = 1;
    for (uint32_t d = 0; d <= 18; d++, p *= 10) {
        const uint64_t around[] = {p - 1, p, p + 1, p * 5 + 3, p * 10 - 1};
        for (size_t i = 0; i < KV_ARRAY_LEN(around); i++) {
            if (around[i] > (uint64_t)INT64_MAX) continue; /* 10^19 - 1 */
            for (int sign = 0; sign < 2; sign++) {
                int64_t v = sign ? -(int64_t)around[i] : (int64_t)around[i];
                uint32_t n = kv_fmt_i64(buf, v);
                int w = snprintf(want, sizeof(want), "%lld", (long long)v);
                CHECK(n == (uint32_t)w && strcmp(buf, want) == 0);
            }
        }
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t v = (int64_t)(x >> (x & 63)); /* every magnitude, both signs */
        if (x & 64) v = -v;
        uint32_t n = kv_fmt_i64(buf, v);
        int w = snprintf(want, sizeof(want), "%lld", (long long)v);
        CHECK(n == (uint32_t)w && strcmp(buf, want) == 0);
    }
}

/* kv_decimal_digits (the formatter's and the bounds' digit count) on both sides of
 * every power of ten, at 0 and UINT64_MAX, and against snprintf on random values. */
TEST(decimal_digits_at_every_power) {
    CHECK(kv_decimal_digits(0) == 1 && kv_decimal_digits(9) == 1);
    uint64_t p = 10;
    for (uint32_t d = 1; d <= 19; d++, p *= 10) {
        CHECK(kv_decimal_digits(p - 1) == d);
        CHECK(kv_decimal_digits(p) == d + 1);
    }
    CHECK(kv_decimal_digits(UINT64_MAX) == 20);
    CHECK(kv_reply_bulk_size(UINT64_MAX - 100) == UINT64_MAX - 100 + 25);
    char want[32];
    uint64_t x = 0x243f6a8885a308d3ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t v = x >> (x & 63);
        int w = snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
        CHECK(kv_decimal_digits(v) == (uint32_t)w);
    }
}

TEST(writes_filling_cap_exactly) {
    struct out o;
    out_init(&o, 9); /* "$3\r\nfoo\r\n" is 9 bytes */
    kv_reply_bulk(&o.r, "foo", 3);
    CHECK(o.r.len == 9 && kv_reply_free(&o.r) == 0);
    CHECK_STR(o.r.buf, o.r.len, "$3\r\nfoo\r\n");
    CHECK(canary_intact(&o));
    out_init(&o, 11); /* "-ERR x 42\r\n": vsnprintf's NUL lands under the CRLF */
    kv_reply_errorf(&o.r, "ERR x %d", 42);
    CHECK(o.r.len == 11 && kv_reply_free(&o.r) == 0);
    CHECK_STR(o.r.buf, o.r.len, "-ERR x 42\r\n");
    CHECK(canary_intact(&o));
    out_init(&o, 23); /* ":-9223372036854775808\r\n" */
    kv_reply_int(&o.r, INT64_MIN);
    CHECK(o.r.len == 23 && kv_reply_free(&o.r) == 0 && canary_intact(&o));
    out_init(&o, 5);
    kv_reply_null(&o.r);
    CHECK(kv_reply_free(&o.r) == 0 && canary_intact(&o));
    out_init(&o, 7);
    kv_reply_raw(&o.r, "abc", 3);
    kv_reply_simple(&o.r, "O");
    kv_reply_raw(&o.r, "", 0);
    CHECK_STR(o.r.buf, o.r.len, "abc+O\r\n");
    CHECK(kv_reply_free(&o.r) == 0 && canary_intact(&o));
    out_init(&o, 10); /* two "+OK\r\n", the fast path, exactly */
    kv_reply_ok(&o.r);
    kv_reply_ok(&o.r);
    CHECK_STR(o.r.buf, o.r.len, "+OK\r\n+OK\r\n");
    CHECK(kv_reply_free(&o.r) == 0 && canary_intact(&o));
}

/* Lengths and counts at the digit-count boundaries (fmt_u64's 1- and 2-digit paths):
 * every header against snprintf's decimal. */
TEST(headers_at_digit_boundaries) {
    static const uint64_t vals[] = {0, 1, 9, 10, 11, 42, 99, 100, 101, 999, 1000, 65535,
                                    4294967295ull, 18446744073709551615ull};
    static char payload[1001];
    memset(payload, 'x', sizeof(payload));
    for (size_t i = 0; i < KV_ARRAY_LEN(vals); i++) {
        struct out o;
        char want[64];
        out_init(&o, 256);
        uint64_t v63 = vals[i] & 0x7fffffffffffffffull; /* arrays and ints: <= INT64_MAX */
        kv_reply_array(&o.r, v63);
        kv_reply_int(&o.r, (int64_t)v63);
        int n = snprintf(want, sizeof(want), "*%llu\r\n:%lld\r\n", (unsigned long long)v63,
                         (long long)v63);
        CHECK_STR(o.r.buf, o.r.len, want);
        CHECK(o.r.len == (uint32_t)n && canary_intact(&o));
        if (vals[i] > 200) continue;
        out_init(&o, 256);
        kv_reply_bulk(&o.r, payload, (uint32_t)vals[i]);
        n = snprintf(want, sizeof(want), "$%llu\r\n", (unsigned long long)vals[i]);
        CHECK(o.r.len == (uint32_t)n + vals[i] + 2);
        CHECK_MEM(o.r.buf, (uint32_t)n, want, (uint32_t)n);
        CHECK(memcmp(o.r.buf + n, payload, vals[i]) == 0);
        CHECK_MEM(o.r.buf + n + vals[i], 2, "\r\n", 2);
        CHECK(canary_intact(&o));
    }
}

/* Every short length (copied inline) and a few past it (memcpy), each into a
 * buffer of exactly its size: distinct payload bytes catch a shifted or short copy,
 * the canary a long one. */
TEST(bulk_every_short_length) {
    uint8_t payload[64];
    for (uint32_t i = 0; i < sizeof(payload); i++) payload[i] = (uint8_t)(i * 7 + 1);
    for (uint32_t n = 0; n <= 40; n++) {
        struct out o;
        char want[128];
        uint32_t size = (uint32_t)kv_reply_bulk_size(n);
        out_init(&o, size);
        kv_reply_bulk(&o.r, payload, n);
        int h = snprintf(want, sizeof(want), "$%u\r\n", n);
        memcpy(want + h, payload, n);
        memcpy(want + h + n, "\r\n", 2);
        CHECK_MEM(o.r.buf, o.r.len, want, (uint32_t)h + n + 2);
        CHECK(o.r.len == size && canary_intact(&o));
    }
}

/* Exact at every digit boundary (the bound is the size: see reply.h). */
TEST(bulk_size_bound_holds) {
    static const uint64_t lens[] = {0,     1,      9,       10,        99,  100, 999, 1000,
                                    99999, 100000, 4000000000u, INT64_MAX};
    for (size_t i = 0; i < KV_ARRAY_LEN(lens); i++) {
        char digits[21];
        uint32_t d = kv_fmt_i64(digits, (int64_t)lens[i]);
        uint64_t actual = 1 + (uint64_t)d + 2 + lens[i] + 2;
        CHECK(actual == kv_reply_bulk_size(lens[i]));
    }
    CHECK(kv_reply_bulk_size(1000) == 1009 && kv_reply_bulk_size(0) == 6);
}

/* Runs fn in a child; true when the child died of SIGABRT (a KV_ASSERT). */
static bool aborts(void (*fn)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        fn();
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return false;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void overflow_bulk(void) {
    struct out o;
    out_init(&o, 8);
    kv_reply_bulk(&o.r, "foo", 3);
}
static void overflow_errorf(void) {
    struct out o;
    out_init(&o, 10);
    kv_reply_errorf(&o.r, "ERR x %d", 42);
}
static void overflow_int(void) {
    struct out o;
    out_init(&o, 22);
    kv_reply_int(&o.r, INT64_MIN);
}
static void overflow_raw(void) {
    struct out o;
    out_init(&o, 2);
    kv_reply_raw(&o.r, "abc", 3);
}
static void overflow_simple(void) {
    struct out o;
    out_init(&o, 4);
    kv_reply_simple(&o.r, "OK");
}
static void overflow_ok(void) {
    struct out o;
    out_init(&o, 4);
    kv_reply_ok(&o.r);
}
static void error_with_newline(void) {
    struct out o;
    out_init(&o, 64);
    kv_reply_error(&o.r, "ERR a\nb");
}

TEST(one_byte_too_many_aborts) {
    CHECK(aborts(overflow_bulk));
    CHECK(aborts(overflow_errorf));
    CHECK(aborts(overflow_int));
    CHECK(aborts(overflow_raw));
    CHECK(aborts(overflow_simple));
    CHECK(aborts(overflow_ok));
    CHECK(aborts(error_with_newline));
}

static void exact_fit_child(void) {
    struct out o;
    out_init(&o, 9);
    kv_reply_bulk(&o.r, "foo", 3);
}

/* The death-test helper itself can fail: an exact fit does not abort. */
TEST(canary_exact_fit_does_not_abort) { CHECK(!aborts(exact_fit_child)); }

static void out_init3(struct out *o, uint32_t cap) {
    out_init(o, cap);
    o->r.proto = 3;
}

TEST(resp3_null_map_set_push_exact) {
    struct out o;
    out_init3(&o, 256);
    kv_reply_null(&o.r);
    kv_reply_null_array(&o.r);
    kv_reply_map(&o.r, 2);
    kv_reply_set(&o.r, 3);
    kv_reply_push(&o.r, 4);
    kv_reply_map(&o.r, 0);
    kv_reply_array(&o.r, 1);
    CHECK_STR(o.r.buf, o.r.len, "_\r\n_\r\n%2\r\n~3\r\n>4\r\n%0\r\n*1\r\n");
    out_init(&o, 256);
    kv_reply_null(&o.r);
    kv_reply_null_array(&o.r);
    kv_reply_map(&o.r, 2);
    kv_reply_set(&o.r, 3);
    kv_reply_push(&o.r, 4);
    kv_reply_map(&o.r, 0);
    CHECK_STR(o.r.buf, o.r.len, "$-1\r\n*-1\r\n*4\r\n*3\r\n*4\r\n*0\r\n");
    CHECK(canary_intact(&o));
}

TEST(resp3_bool_double_bignum_exact) {
    struct out o;
    out_init3(&o, 256);
    kv_reply_bool(&o.r, true);
    kv_reply_bool(&o.r, false);
    kv_reply_double(&o.r, 1.5);
    kv_reply_double(&o.r, -0.1);
    kv_reply_double(&o.r, 1.0 / 0.0);
    kv_reply_double(&o.r, -1.0 / 0.0);
    kv_reply_double(&o.r, 10);
    kv_reply_bignum(&o.r, "-12345678901234567890123", 24);
    CHECK_STR(o.r.buf, o.r.len, "#t\r\n#f\r\n,1.5\r\n,-0.10000000000000001\r\n,inf\r\n"
                                ",-inf\r\n,10\r\n(-12345678901234567890123\r\n");
    out_init(&o, 256);
    kv_reply_bool(&o.r, true);
    kv_reply_bool(&o.r, false);
    kv_reply_double(&o.r, 1.5);
    kv_reply_double(&o.r, -1.0 / 0.0);
    kv_reply_bignum(&o.r, "123", 3);
    CHECK_STR(o.r.buf, o.r.len, ":1\r\n:0\r\n$3\r\n1.5\r\n$4\r\n-inf\r\n$3\r\n123\r\n");
    CHECK(canary_intact(&o));
}

TEST(resp3_double_longest_fits_bound) {
    struct out o;
    out_init3(&o, 256);
    kv_reply_double(&o.r, -1.7976931348623157e308);
    CHECK_STR(o.r.buf, o.r.len, ",-1.7976931348623157e+308\r\n");
    CHECK(o.r.len <= KV_REPLY_DOUBLE_MAX);
    out_init(&o, 256);
    kv_reply_double(&o.r, -2.2250738585072014e-308);
    CHECK_STR(o.r.buf, o.r.len, "$24\r\n-2.2250738585072014e-308\r\n");
    CHECK(o.r.len <= KV_REPLY_DOUBLE_MAX);
}

/* The verbatim size helper is exact under RESP3 and an upper bound under RESP2,
 * at every length digit boundary (n + 4 crossing 10, 100, 1000). */
TEST(resp3_verbatim_exact_and_sized) {
    static uint8_t text[1100];
    memset(text, 'x', sizeof(text));
    static struct kv_reply r;
    static uint8_t buf[1200];
    const uint32_t lens[] = {0, 1, 5, 6, 95, 96, 995, 996, 1000};
    for (uint32_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        kv_reply_init(&r, buf, sizeof(buf));
        r.proto = 3;
        kv_reply_verbatim(&r, text, lens[i]);
        CHECK(r.len == kv_reply_verbatim_size(lens[i]));
        char head[32];
        int h = snprintf(head, sizeof(head), "=%u\r\ntxt:", lens[i] + 4);
        CHECK(memcmp(buf, head, (size_t)h) == 0);
        CHECK(memcmp(buf + r.len - 2, "\r\n", 2) == 0);
        kv_reply_init(&r, buf, sizeof(buf));
        kv_reply_verbatim(&r, text, lens[i]);
        CHECK(r.len == kv_reply_bulk_size(lens[i]) && r.len <= kv_reply_verbatim_size(lens[i]));
    }
    struct out o;
    out_init3(&o, 256);
    kv_reply_verbatim(&o.r, "# Server", 8);
    CHECK_STR(o.r.buf, o.r.len, "=12\r\ntxt:# Server\r\n");
}

/* Everything that is not a RESP3 type is written the same under both protocols. */
TEST(resp3_leaves_resp2_types_alone) {
    struct out a, b;
    out_init(&a, 256);
    out_init3(&b, 256);
    struct kv_reply *rs[2] = {&a.r, &b.r};
    for (uint32_t i = 0; i < 2; i++) {
        kv_reply_ok(rs[i]);
        kv_reply_simple(rs[i], "QUEUED");
        kv_reply_error(rs[i], "ERR x");
        kv_reply_int(rs[i], -7);
        kv_reply_bulk(rs[i], "ab", 2);
        kv_reply_array(rs[i], 3);
        kv_reply_bulk_int(rs[i], 42);
    }
    CHECK(a.r.len == b.r.len && memcmp(a.mem, b.mem, a.r.len) == 0);
}

/* A verbatim string one byte past the room aborts (no partial reply). */
TEST(resp3_verbatim_too_big_aborts) {
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        struct out o;
        out_init3(&o, (uint32_t)kv_reply_verbatim_size(10) - 1);
        kv_reply_verbatim(&o.r, "0123456789", 10);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

int main(void) {
    RUN(simple_error_int_exact);
    RUN(bulk_writers_exact);
    RUN(null_and_array_exact);
    RUN(errorf_formats_and_sanitises_like_redis);
    RUN(fmt_i64_like_ll2string);
    RUN(fmt_i64_against_snprintf);
    RUN(decimal_digits_at_every_power);
    RUN(writes_filling_cap_exactly);
    RUN(headers_at_digit_boundaries);
    RUN(bulk_every_short_length);
    RUN(bulk_size_bound_holds);
    RUN(one_byte_too_many_aborts);
    RUN(canary_exact_fit_does_not_abort);
    RUN(resp3_null_map_set_push_exact);
    RUN(resp3_bool_double_bignum_exact);
    RUN(resp3_double_longest_fits_bound);
    RUN(resp3_verbatim_exact_and_sized);
    RUN(resp3_leaves_resp2_types_alone);
    RUN(resp3_verbatim_too_big_aborts);
    TEST_SUMMARY("reply");
}

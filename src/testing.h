/*
 * testing.h: the tiny unit-test harness every src/<x>_test.c uses. Test code only:
 * it may use the heap and stdio. Each test binary ends with "N passed, M failed"
 * and exits non-zero when M > 0.
 */
#ifndef KV_TESTING_H
#define KV_TESTING_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned kv_test_passed_, kv_test_failed_;
static const char *kv_test_name_ = "?";

#define TEST(name) static void name(void)
#define RUN(name)                                                                      \
    do {                                                                               \
        unsigned failed_before_ = kv_test_failed_;                                     \
        kv_test_name_ = #name;                                                         \
        name();                                                                        \
        if (kv_test_failed_ == failed_before_) kv_test_passed_++;                      \
    } while (0)

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "FAIL %s %s:%d: %s\n", kv_test_name_, __FILE__, __LINE__,  \
                    #cond);                                                            \
            kv_test_failed_++;                                                         \
            return;                                                                    \
        }                                                                              \
    } while (0)

/* Compares n bytes; prints both sides escaped on mismatch. */
#define CHECK_MEM(got, got_len, want, want_len)                                        \
    do {                                                                               \
        if ((size_t)(got_len) != (size_t)(want_len) ||                                 \
            memcmp((got), (want), (want_len)) != 0) {                                  \
            fprintf(stderr, "FAIL %s %s:%d: bytes differ\n  got:  ", kv_test_name_,    \
                    __FILE__, __LINE__);                                               \
            kv_test_print_escaped_((const unsigned char *)(got), (size_t)(got_len));   \
            fprintf(stderr, "\n  want: ");                                             \
            kv_test_print_escaped_((const unsigned char *)(want), (size_t)(want_len)); \
            fprintf(stderr, "\n");                                                     \
            kv_test_failed_++;                                                         \
            return;                                                                    \
        }                                                                              \
    } while (0)

#define CHECK_STR(got, got_len, want) CHECK_MEM(got, got_len, want, strlen(want))

static inline void kv_test_print_escaped_(const unsigned char *p, size_t n) {
    size_t shown = n < 300 ? n : 300;
    for (size_t i = 0; i < shown; i++) {
        if (p[i] == '\r') fputs("\\r", stderr);
        else if (p[i] == '\n') fputs("\\n", stderr);
        else if (p[i] < 32 || p[i] > 126) fprintf(stderr, "\\x%02x", p[i]);
        else fputc(p[i], stderr);
    }
    if (shown < n) fprintf(stderr, "...(%zu bytes)", n);
}

#define TEST_SUMMARY(suite)                                                            \
    do {                                                                               \
        printf("%s: %u passed, %u failed\n", (suite), kv_test_passed_,                 \
               kv_test_failed_);                                                       \
        return kv_test_failed_ == 0 ? 0 : 1;                                           \
    } while (0)

#endif

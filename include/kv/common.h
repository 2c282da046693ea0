/*
 * common.h: the few definitions every kv file shares.
 *
 * Assertions are always on, release builds included (STYLE.md: "assert means
 * proven"). A failed assertion prints file, line and expression and aborts, so a
 * simulator seed or a core dump points straight at the broken invariant.
 * Nothing here allocates.
 */
#ifndef KV_COMMON_H
#define KV_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KV_MAX(a, b) ((a) > (b) ? (a) : (b))
#define KV_LIKELY(x) __builtin_expect(!!(x), 1)
#define KV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define KV_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))

_Noreturn void kv_assert_fail(const char *expr, const char *file, int line);

/* Always on. Never put side effects inside. */
#define KV_ASSERT(e)                                                                   \
    do {                                                                               \
        if (KV_UNLIKELY(!(e))) kv_assert_fail(#e, __FILE__, __LINE__);                 \
    } while (0)

/* For code paths that must be impossible. */
#define KV_UNREACHABLE() kv_assert_fail("unreachable", __FILE__, __LINE__)

/* A byte slice that points into memory owned by someone else. */
struct kv_slice {
    const uint8_t *ptr;
    uint32_t len;
};

#endif

/*
 * assert.c: what a failed KV_ASSERT does. Uses write(2) on a stack buffer, never
 * stdio or the heap, so it is safe at any point, including after "ready".
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv/common.h"

static void put(const char *s) {
    size_t n = strlen(s);
    ssize_t w = write(2, s, n);
    (void)w;
}

_Noreturn void kv_assert_fail(const char *expr, const char *file, int line) {
    char num[16];
    int i = (int)sizeof(num) - 1;
    num[i] = 0;
    unsigned v = line > 0 ? (unsigned)line : 0u;
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && i > 0);
    put("kv: assertion failed: ");
    put(expr);
    put(" at ");
    put(file);
    put(":");
    put(&num[i]);
    put("\n");
    abort();
}

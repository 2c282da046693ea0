/*
 * slowlog_test.c: the SLOWLOG ring (src/slowlog.c): Redis's argument cuts (32
 * arguments, 128 bytes), wrap-around, ids across a reset, a ring of 0. Test code:
 * heap and stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/slowlog.h"
#include "testing.h"

static struct kv_slice sl_cstr(const char *s) {
    return (struct kv_slice){(const uint8_t *)s, (uint32_t)strlen(s)};
}

static bool arg_is(const struct kv_slowlog_entry *e, uint32_t j, const char *want) {
    size_t n = strlen(want);
    return j < e->argc && e->arg_len[j] == n && memcmp(e->arg[j], want, n) == 0;
}

static void test_cuts(void) {
    struct kv_slowlog sl;
    void *mem = malloc(kv_slowlog_bytes(4));
    kv_slowlog_init(&sl, mem, 4);
    struct kv_slice argv[40];
    char big[201];
    memset(big, 'b', 200);
    big[200] = 0;
    argv[0] = sl_cstr("set");
    argv[1] = sl_cstr("k");
    argv[2] = sl_cstr(big);
    kv_slowlog_push(&sl, 3, argv, 1700000000, 12, sl_cstr("127.0.0.1:5000"), sl_cstr("me"));
    const struct kv_slowlog_entry *e = kv_slowlog_at(&sl, 0);
    char want[200];
    snprintf(want, sizeof(want), "%.128s... (72 more bytes)", big);
    CHECK(e->argc == 3 && arg_is(e, 0, "set") && arg_is(e, 1, "k") && arg_is(e, 2, want));
    CHECK(e->id == 0 && e->time_s == 1700000000 && e->duration_us == 12);
    CHECK(e->peer_len == 14 && memcmp(e->peer, "127.0.0.1:5000", 14) == 0);
    CHECK(e->name_len == 2 && memcmp(e->name, "me", 2) == 0);
    for (uint32_t i = 0; i < 40; i++) argv[i] = sl_cstr(i == 0 ? "del" : "x");
    kv_slowlog_push(&sl, 33, argv, 1, 0, sl_cstr(""), sl_cstr(""));
    e = kv_slowlog_at(&sl, 0);
    CHECK(e->argc == 32 && arg_is(e, 30, "x") && arg_is(e, 31, "... (2 more arguments)"));
    kv_slowlog_push(&sl, 32, argv, 1, 0, sl_cstr(""), sl_cstr(""));
    CHECK(kv_slowlog_at(&sl, 0)->argc == 32 && arg_is(kv_slowlog_at(&sl, 0), 31, "x"));
    argv[1] = (struct kv_slice){(const uint8_t *)big, 129};
    kv_slowlog_push(&sl, 2, argv, 1, 0, sl_cstr(""), sl_cstr(""));
    snprintf(want, sizeof(want), "%.128s... (1 more bytes)", big);
    CHECK(arg_is(kv_slowlog_at(&sl, 0), 1, want));
    argv[1].len = 128;
    kv_slowlog_push(&sl, 2, argv, 1, 0, sl_cstr(""), sl_cstr(""));
    CHECK(kv_slowlog_at(&sl, 0)->arg_len[1] == 128);
    free(mem);
}

static void test_ring(void) {
    struct kv_slowlog sl;
    void *mem = malloc(kv_slowlog_bytes(3));
    kv_slowlog_init(&sl, mem, 3);
    struct kv_slice argv[1] = {sl_cstr("ping")};
    for (uint32_t i = 0; i < 5; i++)
        kv_slowlog_push(&sl, 1, argv, i, i, sl_cstr(""), sl_cstr(""));
    CHECK(sl.len == 3);
    CHECK(kv_slowlog_at(&sl, 0)->id == 4 && kv_slowlog_at(&sl, 1)->id == 3);
    CHECK(kv_slowlog_at(&sl, 2)->id == 2 && kv_slowlog_at(&sl, 2)->duration_us == 2);
    kv_slowlog_reset(&sl);
    CHECK(sl.len == 0);
    kv_slowlog_push(&sl, 1, argv, 9, 9, sl_cstr(""), sl_cstr(""));
    CHECK(sl.len == 1 && kv_slowlog_at(&sl, 0)->id == 5); /* ids go on, as Redis's */
    free(mem);
    kv_slowlog_init(&sl, NULL, 0);
    kv_slowlog_push(&sl, 1, argv, 1, 1, sl_cstr(""), sl_cstr(""));
    CHECK(sl.len == 0 && sl.next_id == 1);
}

int main(void) {
    RUN(test_cuts);
    RUN(test_ring);
    TEST_SUMMARY("slowlog");
}

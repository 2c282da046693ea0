/*
 * fuzz_config.c: libFuzzer target for everything an operator feeds kv: the config
 * file text (kv_config_parse_text), command-line options (kv_config_parse_args),
 * sizes (kv_parse_size) and the cross-checks (kv_config_check).
 *
 * Input: byte 0 picks the mode (bit 0: options instead of file text; bit 7: file
 * text, then options, as `kv FILE --opt v` does; bits 1-6: the error buffer's
 * size). The rest is the payload; with bit 7 its first byte is the text's length.
 * Options are the payload split at NUL bytes.
 *
 * Checks: no crash (ASan/UBSan/KV_ASSERT); error messages stay inside their buffer
 * and are NUL-terminated; every NUL-separated word gives kv_parse_size() the value
 * a plain 128-bit reference parser gives (kv may refuse values within 10 of
 * UINT64_MAX and numbers of more than 20 digits, its documented conservative
 * bound); a config that passes kv_config_check() satisfies every rule that check
 * states, computed without overflow, and produces a layout (kv_server_layout)
 * whose offsets and sizes never overflow and never overlap. Small configs are
 * also started for real (kv_arena_map + kv_server_init + kv_server_check).
 *
 * Test code: heap and stdio allowed; everything allocated is freed per input.
 * Never: depends on global state between inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/arena.h"
#include "kv/config.h"
#include "kv/keyspace.h"
#include "kv/server.h"

#define CHECK(e)                                                                         \
    do {                                                                                 \
        if (!(e)) {                                                                      \
            fprintf(stderr, "fuzz_config: check failed: %s (%s:%d)\n", #e, __FILE__,     \
                    __LINE__);                                                           \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define WORDS_MAX 64u
#define INPUT_MAX 8192u
#define START_BYTES_MAX (4ull << 20) /* start a server for real up to this layout size */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- reference size parser ------------------------------------------------ */

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool same_nocase(const char *a, const char *b) {
    size_t i = 0;
    for (; a[i] != 0 && b[i] != 0; i++) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return a[i] == b[i];
}

/* Digits, then "", b, k, kb, m, mb, g or gb (any case). Exact, 128-bit. *digits
 * and *number report the numeric part for the boundary rule. */
static bool ref_parse_size(const char *s, uint64_t *out, size_t *digits,
                           unsigned __int128 *number) {
    static const struct { const char *unit; uint64_t mul; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1024}, {"m", 1000 * 1000},
        {"mb", 1024 * 1024}, {"g", 1000 * 1000 * 1000}, {"gb", 1024 * 1024 * 1024},
    };
    unsigned __int128 v = 0;
    const unsigned __int128 cap = (unsigned __int128)1 << 100;
    size_t d = 0;
    for (; s[d] >= '0' && s[d] <= '9'; d++) {
        v = v * 10 + (unsigned)(s[d] - '0');
        if (v > cap) v = cap; /* saturate: "too big" is all that matters */
    }
    *digits = d;
    *number = v;
    if (d == 0) return false;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        if (!same_nocase(s + d, units[u].unit)) continue;
        unsigned __int128 r = v * units[u].mul;
        if (r > UINT64_MAX) return false;
        *out = (uint64_t)r;
        return true;
    }
    return false;
}

static void check_parse_size(const char *s) {
    uint64_t got = 12345, want = 0;
    size_t digits = 0;
    unsigned __int128 number = 0;
    int rc = kv_parse_size(s, &got);
    bool ok = ref_parse_size(s, &want, &digits, &number);
    CHECK(rc == 0 || rc == -1);
    if (rc == 0) {
        CHECK(ok);
        CHECK(got == want);
        return;
    }
    CHECK(got == 12345); /* a refusal leaves *out alone */
    /* Refusing a valid size is allowed only at kv's conservative bound. */
    if (ok) CHECK(digits > 20 || number > (unsigned __int128)18446744073709551609ull);
}

/* ---- what kv_config_check promises ---------------------------------------- */

static void check_config_rules(const struct kv_config *c) {
    CHECK(memchr(c->bind, 0, sizeof(c->bind)) != NULL);
    CHECK(c->port <= 65535);
    CHECK(c->maxclients >= 1 && c->maxclients <= (1u << 20));
    CHECK(c->maxmemory >= (64u << 10) && c->maxmemory <= (8ull << 30));
    CHECK((uint32_t)c->maxmemory_policy <= KV_EVICT_VOLATILE_LFU);
    CHECK(kv_evict_policy_name(c->maxmemory_policy) != NULL);
    uint64_t slots = kv_config_maxkeys(c);
    CHECK(slots >= 16 && slots <= UINT32_MAX / 2);
    CHECK(slots * 8 <= c->maxmemory / 2);
    CHECK(c->client_buffer >= 256 && c->client_buffer <= (64u << 20));
    CHECK(c->client_query_buffer_limit >= c->client_buffer);
    CHECK(c->client_query_buffer_limit <= (1ull << 31));
    /* "at least 1 and at most client-query-buffer-limit - 64", without wrapping */
    CHECK(c->proto_max_bulk_len >= 1);
    CHECK(c->proto_max_bulk_len <= c->client_query_buffer_limit - 64);
    CHECK(c->large_buffers >= 1 && c->large_buffers <= 65536);
    CHECK(c->multi_max_commands >= 1 && c->multi_max_commands <= (1u << 20));
    CHECK((uint64_t)c->multi_max_commands * 256 <= c->client_query_buffer_limit / 2);
    CHECK(c->maxmemory_samples >= 1 && c->maxmemory_samples <= 64);
    CHECK(c->hz >= 1 && c->hz <= 500);
    CHECK(c->timeout_s <= 365ull * 24 * 3600);
    CHECK(c->recv_buffers == 0 || kv_io_recv_bufs_ok(c->recv_buffers));
    uint64_t argc_max = kv_config_argc_max(c);
    uint64_t argv_bytes = 0;
    CHECK(argc_max >= 1 && argc_max <= UINT32_MAX);
    CHECK(!__builtin_mul_overflow(argc_max, (uint64_t)sizeof(struct kv_slice), &argv_bytes));
    CHECK(kv_ks_index_capacity(c) == slots);
}

/* Offsets 64-byte aligned, in order, never overlapping; no sum overflows. */
static void check_layout(const struct kv_layout *l) {
    CHECK(l->count >= 1 && l->count <= KV_LAYOUT_MAX);
    uint64_t end = 0, sum = 0, aligned = 0;
    for (uint32_t i = 0; i < l->count; i++) {
        const struct kv_layout_entry *e = &l->entries[i];
        CHECK(e->name != NULL && e->name[0] != 0);
        CHECK(e->offset % 64 == 0);
        CHECK(e->offset >= end && e->offset - end < 64);
        CHECK(e->count == 0 || e->bytes >= e->count); /* every element takes a byte */
        CHECK(!__builtin_add_overflow(e->offset, e->bytes, &end));
        CHECK(!__builtin_add_overflow(sum, e->bytes, &sum));
    }
    CHECK(l->total == end && sum <= l->total);
    CHECK(!__builtin_add_overflow(l->total, (uint64_t)4095, &aligned));
    CHECK(l->total > 0);
}

static bool no_recv_multi(void *impl, uint8_t *ring, uint8_t *bufs, uint32_t count,
                          uint32_t size) {
    (void)impl, (void)ring, (void)bufs, (void)count, (void)size;
    return false;
}

/* The server only ever asks this io whether it has multishot recv: it never runs. */
static const struct kv_io_vtable no_io = {.recv_multi_setup = no_recv_multi};

static uint64_t fake_monotonic_ns(void *ctx) { return (uint64_t)(uintptr_t)ctx; }
static int64_t fake_realtime_ms(void *ctx) { return (int64_t)(uintptr_t)ctx; }

/* A small enough config is started for real: map, init, check, unmap. */
static void start_server(const struct kv_config *c, const struct kv_layout *l) {
    if (l->total > START_BYTES_MAX) return;
    static struct kv_server server;
    struct kv_arena arena;
    struct kv_io io;
    struct kv_clock clock = {fake_monotonic_ns, fake_realtime_ms, (void *)(uintptr_t)1000, NULL};
    memset(&io, 0, sizeof(io));
    io.vt = &no_io;
    if (kv_arena_map(&arena, l) != 0) return;
    static struct kv_config live; /* the server's options are live (CONFIG SET) */
    live = *c;
    kv_server_init(&server, &live, &arena, &io, &clock, 42);
    kv_arena_seal(&arena);
    kv_server_check(&server);
    CHECK(kv_ks_count(kv_server_keyspace(&server)) == 0);
    CHECK(kv_ks_used_memory(kv_server_keyspace(&server)) <= c->maxmemory);
    kv_arena_unmap(&arena);
}

/* ---- driver ---------------------------------------------------------------- */

/* Splits p[0..n) at NUL bytes into heap strings. Returns the word count. */
static int split_words(const uint8_t *p, size_t n, char **words) {
    int count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && count < (int)WORDS_MAX; i++) {
        if (i < n && p[i] != 0) continue;
        size_t len = i - start;
        words[count] = malloc(len + 1);
        memcpy(words[count], p + start, len);
        words[count][len] = 0;
        count++;
        start = i + 1;
    }
    return count;
}

/* Calls f with an exact-size error buffer and checks the message stays inside. */
static char *err_buffer(uint32_t cap) {
    char *err = malloc(cap > 0 ? cap : 1);
    memset(err, 0x5a, cap > 0 ? cap : 1);
    return err;
}

static void check_err(const char *err, uint32_t cap, int rc) {
    if (cap == 0) return;
    if (rc != 0) CHECK(memchr(err, 0, cap) != NULL); /* a failure always explains */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > INPUT_MAX) return 0;
    uint8_t mode = data[0];
    uint32_t cap = (mode >> 1) & 63u;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    struct kv_config c;
    kv_config_defaults(&c);
    char *err = err_buffer(cap);
    int rc = 0;
    if ((mode & 0x81) == 0 || (mode & 0x80) != 0) { /* file text */
        size_t text_len = n;
        if (mode & 0x80) {
            text_len = n > 0 ? KV_MIN((size_t)p[0] * 8, n - 1) : 0;
            p += n > 0;
            n -= n > 0;
        }
        rc = kv_config_parse_text(&c, (const char *)p, (uint32_t)text_len, err, cap);
        check_err(err, cap, rc);
        p += text_len;
        n -= text_len;
    }
    char *words[WORDS_MAX];
    int nwords = split_words(p, n, words);
    for (int i = 0; i < nwords; i++) check_parse_size(words[i]);
    if (rc == 0 && (mode & 0x81) != 0) {
        rc = kv_config_parse_args(&c, nwords, words, 0, err, cap);
        check_err(err, cap, rc);
    }
    for (int i = 0; i < nwords; i++) free(words[i]);
    /* Even a half-applied config must be judged safely. */
    int ok = kv_config_check(&c, err, cap);
    check_err(err, cap, ok);
    free(err);
    if (ok != 0) return 0;
    check_config_rules(&c);
    static struct kv_layout layout;
    kv_server_layout(&c, &layout);
    check_layout(&layout);
    start_server(&c, &layout);
    return 0;
}

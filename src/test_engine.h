/*
 * test_engine.h: the engine the command unit tests drive (test code only, linked
 * into the cmd_*_test binaries by the Makefile, never into kv). One keyspace over a
 * heap data region, an engine with watch tables for four sessions, a fake clock that
 * moves only when a test sets now_ms, two sessions (s, watcher) and one reply buffer
 * of TE_OUT_CAP bytes. Replies are compared by the test, byte for byte.
 *
 * Use: h = te_new() (kv_config_defaults, the clock at TE_NOW_MS); change h->cfg; then
 * te_start(h, session id). te_close() checks the keyspace and the engine and frees it.
 */
#ifndef KV_TEST_ENGINE_H
#define KV_TEST_ENGINE_H

#include <stdint.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"

#define TE_NOW_MS 1763700000000ll /* the fake clock's start: 2025-11-21 */
#define TE_OUT_CAP (4u << 20)
#define TE_ARGV_MAX 64
#define TE_SESSIONS 4

struct test_engine {
    struct kv_net_stats net;
    struct kv_config cfg;
    struct kv_keyspace ks;
    struct kv_engine e;
    struct kv_session s, watcher;
    struct kv_session *watchers[TE_SESSIONS];
    struct kv_watch_node *nodes;
    struct kv_watch_slot *slots;
    struct kv_clock clock;
    int64_t now_ms;
    void *mem;
    uint8_t *scratch;
    uint8_t *out;
    struct kv_lathist *lathist;  /* the engine's latency histograms */
    struct kv_reply reply;
};

struct test_engine *te_new(void);
/* Builds the keyspace and engine from h->cfg; s gets id sid, watcher sid + 1. */
void te_start(struct test_engine *h, uint64_t sid);
void te_close(struct test_engine *h);
/* Runs argv for session s (not an EXEC that replays frames); the reply. */
const struct kv_reply *te_exec(struct test_engine *h, struct kv_session *s, uint32_t argc,
                               const struct kv_slice *argv);
/* The same for a NULL-terminated list of C strings. */
const struct kv_reply *te_run(struct test_engine *h, struct kv_session *s,
                              const char *const *args);

#define TE_RUN(h, ...) te_run((h), &(h)->s, (const char *const[]){__VA_ARGS__, NULL})
/* Runs a command as h's session and checks the reply's exact bytes. */
#define EXPECT(h, want, ...)                                                           \
    do {                                                                               \
        const struct kv_reply *r_ = TE_RUN(h, __VA_ARGS__);                            \
        CHECK_STR(r_->buf, r_->len, want);                                             \
    } while (0)

#endif

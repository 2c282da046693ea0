/*
 * test_engine.c: the engine the command unit tests drive (see test_engine.h). Test
 * code: uses the heap. Invariants: te_start runs once per te_new; every buffer the
 * engine was given lives until te_close; the clock reads h->now_ms only.
 */
#include <stdlib.h>
#include <string.h>

#include "test_engine.h"

static uint64_t fake_mono(void *ctx) {
    return (uint64_t)((struct test_engine *)ctx)->now_ms * 1000000;
}
static int64_t fake_real(void *ctx) { return ((struct test_engine *)ctx)->now_ms; }

struct test_engine *te_new(void) {
    struct test_engine *h = calloc(1, sizeof(*h));
    KV_ASSERT(h != NULL);
    kv_config_defaults(&h->cfg);
    h->now_ms = TE_NOW_MS;
    h->clock = (struct kv_clock){.monotonic_ns = fake_mono, .realtime_ms = fake_real, .ctx = h};
    KV_ASSERT(h->cfg.maxmemory > 0);
    return h;
}

void te_start(struct test_engine *h, uint64_t sid) {
    KV_ASSERT(h->mem == NULL);
    h->mem = aligned_alloc(64, KV_ALIGN_UP(h->cfg.maxmemory, 64));
    h->scratch = malloc(KV_MAX(64u << 10, kv_info_text_max()));
    h->out = malloc(TE_OUT_CAP);
    h->lathist = calloc(1, kv_lathist_bytes(kv_engine_cmd_total()));
    KV_ASSERT(h->mem != NULL && h->scratch != NULL && h->out != NULL && h->lathist != NULL);
    kv_ks_init(&h->ks, &h->cfg, h->mem, 99);
    h->nodes = calloc(kv_watch_nodes_cap(TE_SESSIONS, h->cfg.watch_max_keys),
                      sizeof(*h->nodes));
    h->slots = calloc(kv_watch_slots_cap(TE_SESSIONS, h->cfg.watch_max_keys),
                      sizeof(*h->slots));
    struct kv_engine_init init = {
        .watchers = h->watchers, .watchers_cap = TE_SESSIONS, .watch_nodes = h->nodes,
        .watch_slots = h->slots, .config = &h->cfg, .clock = &h->clock, .prng_seed = 7,
        .ks = &h->ks, .net = &h->net, .reply_max = TE_OUT_CAP / 2, .scratch = h->scratch,
        .scratch_cap = KV_MAX(64u << 10, kv_info_text_max()), .lathist = h->lathist,
    };
    kv_engine_init(&h->e, &init);
    kv_session_init(&h->s, sid);
    kv_session_init(&h->watcher, sid + 1);
    kv_ks_set_time(&h->ks, h->now_ms);
}

void te_close(struct test_engine *h) {
    if (h == NULL) return;
    KV_ASSERT(h->mem != NULL);
    kv_ks_check(&h->ks);
    kv_engine_check(&h->e);
    free(h->nodes);
    free(h->slots);
    free(h->mem);
    free(h->scratch);
    free(h->out);
    free(h->lathist);
    free(h);
}

const struct kv_reply *te_exec(struct test_engine *h, struct kv_session *s, uint32_t argc,
                               const struct kv_slice *argv) {
    KV_ASSERT(h->out != NULL);
    KV_ASSERT(argc >= 1 && argv != NULL); /* any count: te_run's array is the bounded one */
    kv_reply_init(&h->reply, h->out, TE_OUT_CAP);
    enum kv_exec x = kv_engine_execute(&h->e, s, argc, argv, &h->reply);
    KV_ASSERT(x != KV_EXEC_RUN_QUEUED);
    return &h->reply;
}

const struct kv_reply *te_run(struct test_engine *h, struct kv_session *s,
                              const char *const *args) {
    struct kv_slice argv[TE_ARGV_MAX];
    uint32_t argc = 0;
    for (; args[argc] != NULL; argc++) {
        KV_ASSERT(argc < TE_ARGV_MAX);
        argv[argc] = (struct kv_slice){(const uint8_t *)args[argc], (uint32_t)strlen(args[argc])};
    }
    return te_exec(h, s, argc, argv);
}

/*
 * sim_main.c: `kv sim --seed N [--ticks T] [--crowd] [--no-multishot] [--no-edge-multi]
 * [--hostile | --no-hostile] [--canary[=...]] [--stats]`, and `kv sim --redis PORT
 * [--seed N] [--requests R]` (the model against a real Redis).
 *
 * One seed draws everything: a tiny server configuration, the fault rates (swarm
 * testing: each fault kind on or off), the clients and their workload, and in one
 * seed in four a hostile-client population (sim_hostile.c). The real
 * core (server, engine, keyspace, parser) runs unchanged over the simulated
 * network and clock. Phases: faults; settle (faults off, traffic on, connections
 * left stuck by faults time out); quiet traffic (every request must be answered);
 * drain (no new requests; all answered within a bound: liveness); close
 * (every connection gone); final checks (pools full, keyspace equal to the
 * model); graceful shutdown. Output is deterministic: the same seed prints the
 * same lines, the last one ending in the trace hash.
 *
 * Test code: heap and stdio allowed. The core's own arena is mapped once, as in
 * production; the simulated io allocates only at startup.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/list.h"
#include "kv/table.h"
#include "kv/sim.h"
#include "sim_types.h"
#include "sim_hostile.h"
#include "sim_internal.h"
#include "sim_world.h"

#define DEFAULT_TICKS 20000u
#define TICK_NS 1000000ull
#define QUIET_TICKS 2000u
#define DRAIN_TICKS 5000u       /* drain: ticks without any byte moving */
#define DRAIN_MAX_TICKS 200000u /* drain: ticks in all */
#define CLOSE_TICKS 5000u
#define SHUTDOWN_TICKS 20000u
#define EPOCH_MS 1700000000000ll

static char reproduce_line[256];

void sim_print_escaped(FILE *f, const uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == '\r') fputs("\\r", f);
        else if (p[i] == '\n') fputs("\\n", f);
        else if (p[i] < 32 || p[i] > 126 || p[i] == '\\') fprintf(f, "\\x%02x", p[i]);
        else fputc(p[i], f);
    }
}

/* A failed KV_ASSERT in the core (or here) aborts: say how to replay it. */
static void on_fatal(int sig) {
    ssize_t r = write(2, reproduce_line, strlen(reproduce_line));
    (void)r;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- knobs ----------------------------------------------------------------- */

static uint32_t draw_pct(struct kv_prng *p, uint32_t max) {
    return kv_prng_chance(p, 1, 2) ? 1 + (uint32_t)kv_prng_below(p, max) : 0;
}

/*
 * Limits added after the regression seeds in tests/sim.sh were found draw from a
 * stream of their own, so those seeds keep drawing what they drew. The inline limit
 * is at most the query limit; the hold rule's window spans 2..200 ticks (ms).
 */
static void draw_later_limits(const struct sim_world *w, struct kv_config *c) {
    struct kv_prng q;
    kv_prng_init(&q, w->seed ^ 0x6c696d6974730001ull);
    uint64_t most = KV_MIN(c->client_query_buffer_limit, 64u << 10);
    bool small = kv_prng_chance(&q, 1, 2);
    c->proto_inline_max_size = (uint32_t)(small ? 64 + kv_prng_below(&q, most - 63) : most);
    c->large_buffer_stall_ms = 2 + (uint32_t)kv_prng_below(&q, 199);
    c->large_buffer_min_progress = (uint32_t)(kv_prng_chance(&q, 1, 4) ? 0
                                                                       : kv_prng_below(&q, 4096));
    KV_ASSERT(c->proto_inline_max_size >= 64 && c->proto_inline_max_size <= most);
    /* The eviction bounds: small ones reach "evicted all it may, still -OOM". */
    struct kv_prng ev;
    kv_prng_init(&ev, w->seed ^ 0x65766963746d6f76ull);
    c->maxmemory_eviction_keys = kv_prng_chance(&ev, 1, 4) ? 1 + kv_prng_below(&ev, 64) : 0;
    c->maxmemory_eviction_move =
        kv_prng_chance(&ev, 1, 4) ? 16 + kv_prng_below(&ev, 64u << 10) : 0;
}

/* The eviction limits the model's -OOM rule reads (sim_model_refuse.c), from the
 * drawn config: the data region is maxmemory less the index (8 bytes a slot of the
 * configured capacity, 64-byte aligned), as README's memory table states. */
static void model_eviction_limits(const struct kv_config *c, struct sim_model_limits *lim) {
    uint32_t capacity = kv_ks_index_capacity(c);
    uint64_t index = KV_ALIGN_UP(kv_table_bytes(capacity), 64);
    KV_ASSERT(c->maxmemory > index);
    lim->data_bytes = c->maxmemory - index;
    lim->evicts_any_key = c->maxmemory_policy == KV_EVICT_ALLKEYS_LRU ||
                          c->maxmemory_policy == KV_EVICT_ALLKEYS_RANDOM;
    lim->eviction_keys = c->maxmemory_eviction_keys;
    lim->eviction_move = c->maxmemory_eviction_move;
    lim->index_capacity = capacity;
}

static void draw_config(struct sim_world *w, struct kv_prng *p) {
    struct kv_config *c = &w->cfg;
    kv_config_defaults(c);
    c->port = 0;
    /* Every log line is formatted and drained through the io (a sink that counts
     * them); a small ring, so a busy seed fills it and drops. No prng draw. */
    snprintf(c->loglevel, sizeof(c->loglevel), "%s", "debug");
    c->log_buffer_size = KV_LOG_RING_MIN;
    c->maxclients = 2 + (uint32_t)kv_prng_below(p, 15);
    c->client_buffer = 256 + (uint32_t)kv_prng_below(p, 3841);
    c->large_buffers = 1 + (uint32_t)kv_prng_below(p, 4);
    c->client_query_buffer_limit = (16u << 10) + kv_prng_below(p, 240u << 10);
    uint64_t limit = c->client_query_buffer_limit;
    c->proto_max_bulk_len = kv_prng_chance(p, 1, 4)
                                ? 512 + kv_prng_below(p, 4096)
                                : limit / 4 + kv_prng_below(p, limit * 3 / 4 - 64);
    c->maxmemory = (64u << 10) + kv_prng_below(p, 960u << 10);
    c->maxmemory_policy = (enum kv_evict_policy)kv_prng_below(p, 6);
    c->maxmemory_samples = 1 + (uint32_t)kv_prng_below(p, 10);
    c->maxkeys = kv_prng_chance(p, 1, 4) ? 16 + kv_prng_below(p, 240) : 0;
    c->multi_max_commands = 1 + (uint32_t)kv_prng_below(p, KV_MIN(16u, limit / 512));
    c->timeout_s = kv_prng_chance(p, 1, 2) ? 0 : 1 + kv_prng_below(p, 3);
    c->hz = 10 + (uint32_t)kv_prng_below(p, 91);
    draw_later_limits(w, c);
    char err[256];
    if (kv_config_check(c, err, sizeof(err)) != 0) {
        fprintf(stderr, "sim: drew an impossible configuration: %s\n", err);
        KV_UNREACHABLE();
    }
}

static void draw_faults(struct sim_world *w, struct kv_prng *p) {
    struct sim_faults *f = &w->faults;
    f->partial_recv_pct = draw_pct(p, 60);
    f->partial_send_pct = draw_pct(p, 60);
    f->delay_max_ticks = draw_pct(p, 20);
    f->reset_ppm = draw_pct(p, 400);
    f->clog_ppm = draw_pct(p, 3000);
    f->clog_ticks_max = 1 + (uint32_t)kv_prng_below(p, 300);
    f->enobufs_pct = draw_pct(p, 10);
    f->accept_error_pct = draw_pct(p, 40);
    f->accept_stop_pct = draw_pct(p, 40);
    f->hold_pct = draw_pct(p, 40);
    struct sim_client_faults *cf = &w->cfaults;
    cf->half_close_ppm = draw_pct(p, 400);
    cf->vanish_ppm = draw_pct(p, 400);
    cf->corrupt_ppm = draw_pct(p, 300);
    cf->malformed_ppm = draw_pct(p, 300);
    cf->oversize_ppm = draw_pct(p, 100);
    cf->quit_ppm = draw_pct(p, 300);
    cf->slow_ppm = draw_pct(p, 2000);
    cf->slow_ticks_max = 1 + (uint32_t)kv_prng_below(p, 3000);
    cf->multi_pct = draw_pct(p, 25);
    cf->inline_pct = draw_pct(p, 30);
    cf->jump_ppm = draw_pct(p, 1000);
    cf->jump_ms_max = 1 + (uint32_t)kv_prng_below(p, 20000);
}

static void print_knobs(const struct sim_world *w, const struct sim_net_config *nc) {
    const struct kv_config *c = &w->cfg;
    const struct sim_faults *f = &w->faults;
    const struct sim_client_faults *cf = &w->cfaults;
    char wl[512], hostile[128], sess[160], ps[160] = "";
    sim_workload_describe(&w->wl, wl, sizeof(wl));
    if (w->wl.pubsub_pct > 0) /* absent: other seeds print as before */
        snprintf(ps, sizeof(ps), " pubsub_channels=%u pubsub_subs=%u pubsub_len=%u "
                 "pubsub_hard=%llu pubsub_soft=%llu/%us pubsub_backlog=%llu",
                 c->pubsub_max_channels,
                 c->pubsub_max_subscriptions, c->pubsub_max_channel_len,
                 (unsigned long long)c->pubsub_output_hard_limit,
                 (unsigned long long)c->pubsub_output_soft_limit,
                 c->pubsub_output_soft_seconds, (unsigned long long)c->pubsub_backlog_bytes);
    uint32_t sn = sim_session_describe(w, sess, sizeof(sess));
    if (w->cfg_pm > 0 && sn < sizeof(sess))
        snprintf(sess + sn, sizeof(sess) - sn, " cfg=%u", w->cfg_pm);
    sim_hostile_describe(w, hostile, sizeof(hostile));
    printf("seed=%llu ticks=%llu maxclients=%u client_buffer=%u large_buffers=%u "
           "query_limit=%llu proto_max_bulk_len=%llu maxmemory=%llu policy=%s samples=%u "
           "evict_keys=%llu evict_move=%llu "
           "maxkeys=%llu multi_max=%u watch_max=%u timeout=%llu hz=%u clients=%u pipe=%u "
           "backlog=%u "
           "partial_recv=%u%% partial_send=%u%% delay=%u reset=%uppm clog=%uppm/%u "
           "enobufs=%u%% accept_err=%u%% accept_stop=%u%% hold=%u%% half_close=%uppm "
           "vanish=%uppm corrupt=%uppm malformed=%uppm oversize=%uppm quit=%uppm "
           "slow=%uppm/%u multi=%u%% edge_multi=%u%% inline=%u%% clock_jump=%uppm/%ums "
           "recv_buffers=%u shutdown=%s%s%s%s%s\n",
           (unsigned long long)w->seed, (unsigned long long)w->ticks, c->maxclients,
           c->client_buffer, c->large_buffers, (unsigned long long)c->client_query_buffer_limit,
           (unsigned long long)c->proto_max_bulk_len, (unsigned long long)c->maxmemory,
           kv_evict_policy_name(c->maxmemory_policy), c->maxmemory_samples,
           (unsigned long long)c->maxmemory_eviction_keys,
           (unsigned long long)c->maxmemory_eviction_move,
           (unsigned long long)c->maxkeys, c->multi_max_commands, c->watch_max_keys,
           (unsigned long long)c->timeout_s, c->hz, w->client_count, nc->pipe_bytes,
           nc->backlog, f->partial_recv_pct, f->partial_send_pct, f->delay_max_ticks,
           f->reset_ppm, f->clog_ppm, f->clog_ticks_max, f->enobufs_pct, f->accept_error_pct,
           f->accept_stop_pct, f->hold_pct, cf->half_close_ppm, cf->vanish_ppm, cf->corrupt_ppm,
           cf->malformed_ppm, cf->oversize_ppm, cf->quit_ppm, cf->slow_ppm, cf->slow_ticks_max,
           cf->multi_pct, cf->edge_multi_pct, cf->inline_pct, cf->jump_ppm, cf->jump_ms_max,
           c->recv_buffers,
           w->shutdown_live ? "live" : "idle", hostile, sess, wl, ps);
}

/* ---- the server's command set (the workload only sends what it has) ---------- */

#define NAMES_CAP 512u

struct name_set {
    const char *names[NAMES_CAP];
};

static uint32_t name_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; s[i] != 0 && i < 64; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void names_init(struct name_set *set, const struct kv_engine *e) {
    memset(set, 0, sizeof(*set));
    for (uint32_t i = 0; i < KV_CMD_LOOKUP_SIZE; i++) {
        if (e->lookup[i] == NULL) continue;
        uint32_t h = name_hash(e->lookup[i]->name);
        for (uint32_t k = 0; k < NAMES_CAP; k++) {
            const char **slot = &set->names[(h + k) % NAMES_CAP];
            if (*slot != NULL) continue;
            *slot = e->lookup[i]->name;
            break;
        }
    }
}

static bool names_has(void *ctx, const char *name) {
    const struct name_set *set = ctx;
    uint32_t h = name_hash(name);
    for (uint32_t k = 0; k < NAMES_CAP; k++) {
        const char *s = set->names[(h + k) % NAMES_CAP];
        if (s == NULL) return false;
        if (strcmp(s, name) == 0) return true;
    }
    return false;
}

static struct name_set server_names;

/* ---- setup ------------------------------------------------------------------- */

static void world_setup(struct sim_world *w, struct sim_net_config *nc) {
    uint64_t sm = w->seed;
    struct kv_prng knobs;
    kv_prng_init(&knobs, kv_splitmix64(&sm));
    kv_prng_init(&w->prng, kv_splitmix64(&sm));
    draw_config(w, &knobs);
    /* --crowd: 96 or more clients, enough for the server's io batch hint (server.c
     * batch_plan) to leave 0; the first draws stay those of the plain seed. */
    if (w->crowd) w->cfg.maxclients = 100 + (uint32_t)kv_prng_below(&knobs, 61);
    uint32_t least = w->crowd ? 96 : 1;
    KV_ASSERT(w->cfg.maxclients + 4 > least);
    w->client_count = least + (uint32_t)kv_prng_below(&knobs, w->cfg.maxclients + 4 - least);
    w->shutdown_live = kv_prng_chance(&knobs, 1, 2);
    draw_faults(w, &knobs);
    /* Multishot recv in three seeds of four, with 1..64 buffers (few enough to run
     * out); drawn from a stream of its own so every other draw stays as it was. A
     * seed that draws none (or --no-multishot) reads with one recv per read. */
    struct kv_prng mk;
    kv_prng_init(&mk, w->seed ^ 0x6d756c746973686full);
    bool multishot = !w->no_multishot && kv_prng_chance(&mk, 3, 4);
    w->cfg.recv_buffers = multishot ? 1u << kv_prng_below(&mk, 7) : 0;
    /* Transactions that end at the query limit, in one seed of two; a stream of its
     * own too, and the padding draws nothing from the clients' streams. */
    kv_prng_init(&w->edge, w->seed ^ 0x656467656d756c74ull);
    w->cfaults.edge_multi_pct = !w->no_edge_multi && kv_prng_chance(&w->edge, 1, 2)
                                    ? 1 + (uint32_t)kv_prng_below(&w->edge, 50) : 0;
    /* watch-max-keys: 1..4 in one seed of two, so the clients' WATCHes (1..3 keys)
     * land at the limit and one past it; the default (32) otherwise. A stream of its
     * own: every other draw stays as it was. */
    struct kv_prng wm;
    kv_prng_init(&wm, w->seed ^ 0x77617463686d6178ull);
    if (kv_prng_chance(&wm, 1, 2)) w->cfg.watch_max_keys = 1 + (uint32_t)kv_prng_below(&wm, 4);
    /* SLOWLOG: time stands still within a command here, so durations are 0: one
     * seed in three logs every command (threshold 0) into a ring of 1..16 entries,
     * which wraps. A stream of its own. */
    struct kv_prng sl;
    kv_prng_init(&sl, w->seed ^ 0x736c6f776c6f6721ull);
    if (kv_prng_chance(&sl, 1, 3)) {
        w->cfg.slowlog_log_slower_than = 0;
        w->cfg.slowlog_max_len = 1 + (uint32_t)kv_prng_below(&sl, 16);
    }
    /* Hostile clients (sim_hostile.c), one seed in four or --hostile: appended after
     * the well-behaved ones, with room for all under maxclients; a stream of their own. */
    w->hostile_count = sim_hostile_draw(w, w->hostile_forced);
    if (w->hostile_count > 0) {
        w->client_count += w->hostile_count;
        w->cfg.maxclients = KV_MAX(w->cfg.maxclients, w->client_count + 1);
        /* min-progress 0 turns the hold rule off: hostile holders then starve the
         * rest by design (seed 31 --hostile); hostile seeds keep the rule on. */
        if (w->cfg.large_buffer_min_progress == 0)
            w->cfg.large_buffer_min_progress = 1 + (uint32_t)(w->seed % 4096);
    }
    nc->conn_cap = 2 * w->client_count + 4;
    nc->pipe_bytes = 512u << kv_prng_below(&knobs, 8);
    nc->backlog = 2 + (uint32_t)kv_prng_below(&knobs, 15);
    w->pipe_bytes = nc->pipe_bytes;
    nc->timers = 16;
    nc->seed = kv_splitmix64(&sm);
    uint64_t big = KV_MIN(w->cfg.proto_max_bulk_len, w->cfg.client_query_buffer_limit / 2);
    sim_workload_draw(&w->wl, &knobs, KV_MAX(big, 16u));
    w->wl.no_block = w->no_block; /* as the workload ran before blocking pops */
    /* COPY, INCRBYFLOAT, CLIENT, CONFIG and COMMAND for 1..10% of requests in three
     * seeds of four (--no-newer: none); a stream of its own, and a seed that draws
     * none draws nothing more from the clients' streams: it runs as it did before. */
    struct kv_prng nw;
    kv_prng_init(&nw, w->seed ^ 0x6e65776572636d64ull);
    if (!w->no_newer && kv_prng_chance(&nw, 3, 4))
        w->wl.newer_pct = 1 + (uint32_t)kv_prng_below(&nw, 10);
    /* Filling (sim_workload.c gen_fill): a stream of its own, so other seeds run as before. */
    struct kv_prng fill;
    kv_prng_init(&fill, w->seed ^ 0x66696c6c6b657973ull);
    if (kv_prng_chance(&fill, 1, 2) && w->wl.key_count >= 64)
        w->wl.fill_pct = 50 + (uint32_t)kv_prng_below(&fill, 651);
    w->wl.fill_value_max = (uint32_t)KV_MIN(2 * w->cfg.maxmemory / w->wl.key_count, 4096u);
    /* Pub/sub in one seed of two (sim_workload.c gen_pubsub), with its tables and
     * output limits drawn small so SUBSCRIBE meets pubsub-max-* and subscribers that
     * stop reading meet the hard or soft limit; a stream of its own. */
    struct kv_prng ps;
    kv_prng_init(&ps, w->seed ^ 0x7075627375626d6full);
    if (!w->no_newer && kv_prng_chance(&ps, 1, 2)) {
        w->wl.pubsub_pct = 1 + (uint32_t)kv_prng_below(&ps, 20);
        w->cfg.pubsub_max_channels = 1 + (uint32_t)kv_prng_below(&ps, 16);
        w->cfg.pubsub_max_subscriptions = 1 + (uint32_t)kv_prng_below(&ps, 40);
        w->cfg.pubsub_max_channel_len = 4 + (uint32_t)kv_prng_below(&ps, 60);
        w->cfg.pubsub_output_hard_limit = kv_prng_chance(&ps, 1, 3) ? 0
                                          : 64 + kv_prng_below(&ps, 16384);
        w->cfg.pubsub_output_soft_limit = kv_prng_chance(&ps, 1, 2) ? 0
                                          : 32 + kv_prng_below(&ps, 4096);
        w->cfg.pubsub_output_soft_seconds = (uint32_t)kv_prng_below(&ps, 3);
        /* drawn last: the draws above stay as they were. Small, so lagging subscribers
         * fill it and the oldest holders are cut; 0 in one seed of four (no backlog). */
        w->cfg.pubsub_backlog_bytes = kv_prng_chance(&ps, 1, 4) ? 0
                                      : 64 + kv_prng_below(&ps, 8192);
    }
    /* RESP3, requirepass and remote clients (sim_session.c): a stream of its own. */
    sim_session_draw(w);
    sim_cfg_draw(w); /* CLIENT REPLY/PAUSE/LIST/INFO, CONFIG SET (sim_workload_cfg.c) */
    /* --types=hash,set: the workload and encoding thresholds (sim_types.c), a stream of
     * their own; kv's config takes the same three thresholds the model reads from tk. */
    struct sim_types_knobs tk;
    sim_types_draw(w->seed, &w->wl, &tk);
    w->cfg.hash_max_listpack_entries = tk.hash_max_listpack_entries;
    w->cfg.hash_max_listpack_value = tk.hash_max_listpack_value;
    w->cfg.set_max_intset_entries = tk.set_max_intset_entries;
    w->cfg.zset_max_listpack_entries = tk.zset_max_listpack_entries;
    w->cfg.zset_max_listpack_value = tk.zset_max_listpack_value;
    w->cfg.stream_node_max_bytes = tk.stream_node_max_bytes;
    w->cfg.stream_node_max_entries = tk.stream_node_max_entries;
    sim_clock_init(&w->clock, &w->kvclock, EPOCH_MS + (int64_t)kv_prng_below(&knobs, 1u << 30));
    w->net = sim_net_create(nc, &w->clock);
    kv_server_layout(&w->cfg, &w->layout);
    int rc = kv_arena_map(&w->arena, &w->layout);
    if (rc != 0) {
        fprintf(stderr, "sim: cannot map the arena (%d)\n", rc);
        exit(2);
    }
    w->server = calloc(1, sizeof(struct kv_server));
    KV_ASSERT(w->server != NULL);
    kv_server_init(w->server, &w->cfg, &w->arena, sim_net_io(w->net), &w->kvclock,
                   kv_splitmix64(&sm));
    kv_arena_seal(&w->arena);
    kv_server_start(w->server);
    names_init(&server_names, kv_server_engine(w->server));
    w->wl.has = names_has;
    w->wl.has_ctx = &server_names;
    struct sim_model_limits lim = {.proto_max_bulk_len = w->cfg.proto_max_bulk_len,
                                   .multi_max_commands = w->cfg.multi_max_commands,
                                   .reply_max = w->cfg.client_query_buffer_limit,
                                   .watch_max = w->cfg.watch_max_keys,
                                   .maxmemory = w->cfg.maxmemory,
                                   .maxclients = w->cfg.maxclients,
                                   .config = &w->cfg};
    model_eviction_limits(&w->cfg, &lim);
    lim.hash_max_listpack_entries = tk.hash_max_listpack_entries;
    lim.hash_max_listpack_value = tk.hash_max_listpack_value;
    /* kv's stream-node-max-* options took the same values above */
    lim.stream_node_max_bytes = tk.stream_node_max_bytes;
    lim.stream_node_max_entries = tk.stream_node_max_entries;
    lim.set_max_intset_entries = tk.set_max_intset_entries;
    /* kv's zset-max-listpack-* options come with its sorted sets (h-zset): until then
     * kv runs no zset command, and the model takes the drawn thresholds */
    lim.zset_max_listpack_entries = tk.zset_max_listpack_entries;
    lim.zset_max_listpack_value = tk.zset_max_listpack_value;
    w->model = sim_model_create(&lim);
    sim_model_set_known(w->model, names_has, &server_names);
    sim_model_set_canary(w->model, w->canary == 2);
    const char *lenient = getenv("SIM_LENIENT_WATCH");
    sim_model_set_watch_lenient(w->model, lenient != NULL && strcmp(lenient, "1") == 0);
    sim_observer_init(w);
    w->by_slot = calloc(nc->conn_cap, sizeof(struct sim_track *));
    KV_ASSERT(w->by_slot != NULL);
    sim_net_set_hooks(w->net, sim_on_accept, sim_on_trace, w);
    sim_net_set_faults(w->net, &w->faults);
    w->trace = XXH3_createState();
    KV_ASSERT(w->trace != NULL);
    XXH3_64bits_reset(w->trace);
    sim_clients_init(w);
}

static void world_free(struct sim_world *w) {
    for (struct sim_client *c = w->clients; c < w->clients + w->client_count; c++) {
        if (c->track != NULL) c->track->client_done = true;
    }
    for (struct sim_track *t = w->tracks; t != NULL;) {
        struct sim_track *next = t->next;
        t->client_done = true;
        t = next;
    }
    sim_clients_free(w);
    while (w->tracks != NULL) {
        struct sim_track *t = w->tracks;
        w->tracks = t->next;
        t->next = NULL;
        for (uint32_t i = 0; i < t->reqs_cap; i++) sim_req_free(&t->reqs[i].req);
        free(t->reqs);
        sim_buf_free(&t->expected);
        sim_buf_free(&t->rx);
        sim_buf_free(&t->extra);
        free(t);
    }
    free(w->by_slot);
    free(w->by_session);
    sim_model_destroy(w->model);
    sim_buf_free(&w->expected);
    XXH3_freeState(w->trace);
    free(w->server);
    kv_arena_unmap(&w->arena);
    sim_net_destroy(w->net);
}

/* ---- the loop ------------------------------------------------------------------- */

/* SIM_DUMP=<tick>: the server's connection table at that tick, on stderr. */
static void debug_dump(const struct sim_world *w) {
    const struct kv_server *s = w->server;
    fprintf(stderr, "[tick %llu] pool_in free %u/%u, pool_out free %u/%u\n",
            (unsigned long long)w->tick, s->pool_in.free_count, s->pool_in.count,
            s->pool_out.free_count, s->pool_out.count);
    for (uint32_t i = 0; i < s->conns_cap; i++) {
        const struct kv_conn *c = &s->conns[i];
        if (c->state == KV_CONN_FREE) continue;
        fprintf(stderr, "  slot %u handle %d state %u recv %d send %d close %d peer_closed %d "
                        "car %d wait_in %d wait_out %d ready %d frame_ready %d in %u/%u/%u cap "
                        "%u keep %u large_in %d out %u/%u cap %u large_out %d need %llu "
                        "session %llu flags %x\n",
                i, c->handle, c->state, c->recv_inflight, c->send_inflight, c->close_inflight,
                c->peer_closed, c->close_after_reply, c->waiting_in, c->waiting_out,
                c->in_ready, c->frame_ready, c->in_start, c->in_end, c->in_cap, c->in_cap,
                c->keep_start, c->large_in != NULL, c->out_sent, c->out_len, c->out_cap,
                c->large_out != NULL, (unsigned long long)c->parser.need,
                (unsigned long long)c->session.id, c->session.flags);
    }
}

static uint64_t debug_dump_tick;

static void world_tick(struct sim_world *w) {
    KV_ASSERT(!w->failed && w->phase <= SIM_PHASE_CLOSE);
    if (w->tick == debug_dump_tick && debug_dump_tick != 0) debug_dump(w);
    w->tick++;
    sim_debug_tick = w->tick;
    sim_clock_advance(&w->clock, TICK_NS);
    if (w->phase == SIM_PHASE_FAULTS && w->cfaults.jump_ppm > 0 &&
        kv_prng_below(&w->prng, 1000000) < w->cfaults.jump_ppm) {
        int64_t ms = 1 + (int64_t)kv_prng_below(&w->prng, w->cfaults.jump_ms_max);
        sim_clock_jump(&w->clock, ms);
        sim_trace(w, 9, &ms, sizeof(ms));
        w->clock_jumps++;
    }
    sim_net_tick(w->net, w->tick);
    sim_clients_tick(w);
    sim_hostile_liveness(w);
    sim_check_input_waits(w);
    if (w->failed) return;
    if (w->server_stopped) return;
    uint64_t before = sim_net_stats(w->net)->completions;
    bool idle = w->server->ready_len == 0;
    w->server_stopped = !kv_server_run_once(w->server, 0);
    /* A turn without completions and without queued work changed nothing. */
    if (!idle || sim_net_stats(w->net)->completions != before) {
        kv_server_check(w->server);
        sim_check_blocked(w);
        uint64_t used = kv_ks_used_memory(kv_server_keyspace(w->server));
        if (used > w->used_memory_max) w->used_memory_max = used;
        const struct kv_plog *pl = &w->server->plog;
        w->backlog_peak = KV_MAX(w->backlog_peak, kv_plog_used(pl));
        w->lagging_peak = KV_MAX(w->lagging_peak, (uint64_t)pl->lagging);
    }
    sim_tracks_reap(w);
}

static void enter_phase(struct sim_world *w, enum sim_phase phase) {
    w->phase = phase;
    if (phase == SIM_PHASE_QUIET) w->liveness_from = w->tick;
    if (phase == SIM_PHASE_SETTLE) w->calm_from = w->tick;
    if (phase == SIM_PHASE_FAULTS) return;
    struct sim_faults none;
    memset(&none, 0, sizeof(none));
    sim_net_set_faults(w->net, &none);
    sim_net_calm(w->net);
}

/* Bytes moved either way: the drain phase's measure of progress. */
static uint64_t net_progress(const struct sim_world *w) {
    const struct sim_net_stats *n = sim_net_stats(w->net);
    return n->bytes_c2s + n->bytes_s2c;
}

/* Liveness: every client's requests answered, every closing connection closed. */
static bool drained(struct sim_world *w, bool report) {
    for (uint32_t i = 0; i < w->client_count; i++) {
        const struct sim_client *c = &w->clients[i];
        const struct sim_track *t = c->track;
        if (t == NULL || c->hostile != NULL) continue; /* hostile ones owe nothing */
        uint32_t owed = sim_track_outstanding(t, false);
        if (owed == 0 && !c->closing && c->out.len == 0) continue;
        if (report)
            sim_fail(w, "liveness: client %u (connection %llu) still owed %u replies, "
                          "closing=%d, %llu bytes unsent, after %u ticks without progress "
                          "or %u in all",
                     i, (unsigned long long)t->serial, owed, c->closing,
                     (unsigned long long)c->out.len, DRAIN_TICKS, DRAIN_MAX_TICKS);
        return false;
    }
    return true;
}

/* Drain (no new requests, all answered: liveness), then every client leaves. */
static void close_idle(struct sim_world *w) {
    enter_phase(w, SIM_PHASE_DRAIN);
    /* Until drained, as long as bytes keep moving (a crowd queued behind two large
     * buffers drains slowly but steadily), up to DRAIN_MAX_TICKS; a starved client
     * stalls once the others are done, and fails after DRAIN_TICKS of stillness. */
    uint64_t i = 0, still = 0, last = net_progress(w);
    for (; i < DRAIN_MAX_TICKS && still < DRAIN_TICKS && !w->failed && !drained(w, false);
         i++) {
        world_tick(w);
        uint64_t now = net_progress(w);
        still = now == last ? still + 1 : 0;
        last = now;
    }
    if (!w->failed && !drained(w, false)) drained(w, true);
    if (w->failed) return;
    enter_phase(w, SIM_PHASE_CLOSE);
    sim_clients_leave(w);
    for (i = 0; i < CLOSE_TICKS && !w->failed; i++) {
        if (kv_server_connections(w->server) == 0 && sim_net_open_handles(w->net) == 0) break;
        world_tick(w);
    }
    if (!w->failed && i == CLOSE_TICKS)
        sim_fail(w, "%u connections still open %u ticks after every client left",
                 kv_server_connections(w->server), CLOSE_TICKS);
}

/* Graceful shutdown while clients are still sending: produced replies must all
 * arrive before EOF; requests the server never read simply go unanswered. */
static void close_live(struct sim_world *w) {
    w->stopping = true;
    kv_server_shutdown(w->server);
    uint32_t i = 0;
    for (; i < SHUTDOWN_TICKS && !w->failed && !w->server_stopped; i++) world_tick(w);
    if (!w->failed && !w->server_stopped)
        sim_fail(w, "graceful shutdown under traffic did not finish in %u ticks", SHUTDOWN_TICKS);
    enter_phase(w, SIM_PHASE_CLOSE);
    for (uint32_t k = 0; k < 50 && !w->failed; k++) world_tick(w); /* clients read EOF */
    sim_clients_leave(w);
    sim_tracks_reap(w);
}

static void run_phases(struct sim_world *w) {
    KV_ASSERT(w->phase == SIM_PHASE_FAULTS && w->tick == 0);
    for (uint64_t i = 0; i < w->ticks && !w->failed; i++) world_tick(w);
    enter_phase(w, SIM_PHASE_SETTLE);
    /* The stall canary's lost wake-up comes with the calm, so the checks of the calm
     * phases (sim_check_input_waits) see it for all of settle and quiet. */
    if (w->canary == 3) sim_net_plant_stall(w->net);
    uint64_t settle = 500 + w->timeout_max_s * 1000 + 100; /* > any idle timeout set */
    for (uint64_t i = 0; i < settle && !w->failed; i++) world_tick(w);
    enter_phase(w, SIM_PHASE_QUIET);
    for (uint64_t i = 0; i < QUIET_TICKS && !w->failed; i++) world_tick(w);
    if (w->failed) return;
    if (w->shutdown_live) close_live(w);
    else close_idle(w);
}

/* ---- final checks ---------------------------------------------------------------- */

static bool same_list(struct sim_world *w, const struct sim_model_key *k, struct kv_item *it) {
    struct kv_keyspace *ks = kv_server_keyspace(w->server);
    const struct kv_list_head *h = (const struct kv_list_head *)kv_item_value(it);
    if (h->count != k->list_count) return false;
    struct kv_list_iter iter;
    kv_list_iter_init(&iter, &ks->alloc, h, 0, true);
    for (uint64_t i = 0; i < k->list_count; i++) {
        struct kv_slice got, want = sim_model_list_at(w->model, k->key, k->klen, i);
        if (!kv_list_iter_next(&iter, &got)) return false;
        if (got.len != want.len || (got.len > 0 && memcmp(got.ptr, want.ptr, got.len) != 0))
            return false;
    }
    struct kv_slice extra;
    return !kv_list_iter_next(&iter, &extra);
}

static void check_key(struct sim_world *w, const struct sim_model_key *k) {
    struct kv_keyspace *ks = kv_server_keyspace(w->server);
    struct kv_item *it = kv_ks_find(ks, k->key, k->klen);
    const char *what = NULL;
    if (it == NULL) {
        what = "missing in the core";
    } else if ((int)kv_item_type(it) != (int)k->type) {
        what = "of another type in the core";
    } else if (kv_item_expire_ms(it) != k->expire_ms) {
        what = "with another TTL in the core";
    } else if (k->type == SIM_MODEL_HASH || k->type == SIM_MODEL_SET ||
               k->type == SIM_MODEL_ZSET || k->type == SIM_MODEL_STREAM) {
        /* contents: checked by every reply; the keyspace walk needs kv's collection API */
    } else if (k->type == SIM_MODEL_STRING) {
        bool same = kv_item_value_len(it) == k->value_len &&
                    (k->value_len == 0 || memcmp(kv_item_value(it), k->value, k->value_len) == 0);
        if (!same) what = "with another value in the core";
    } else if (!same_list(w, k, it)) {
        what = "with other list elements in the core";
    }
    if (what == NULL) return;
    sim_fail(w, "final keyspace: key %.*s is %s", (int)KV_MIN(k->klen, 64u),
             (const char *)k->key, what);
}

static void final_checks(struct sim_world *w) {
    KV_ASSERT(!w->failed && w->phase == SIM_PHASE_CLOSE);
    if (sim_net_open_handles(w->net) != 0) {
        sim_fail(w, "%u connections still open after the close phase",
                 sim_net_open_handles(w->net));
        return;
    }
    KV_ASSERT(kv_server_connections(w->server) == 0);
    if (!kv_server_pools_full(w->server)) {
        sim_fail(w, "large buffers still borrowed after every connection closed (leak)");
        return;
    }
    struct kv_keyspace *ks = kv_server_keyspace(w->server);
    int64_t now = w->clock.real_ms;
    kv_ks_set_time(ks, now);
    uint64_t live = sim_model_live_count(w->model, now);
    uint64_t cursor = 0;
    struct sim_model_key k;
    while (!w->failed && sim_model_next_key(w->model, now, &cursor, &k)) check_key(w, &k);
    for (uint32_t i = 0; i < 4; i++) kv_ks_expire_cycle(ks, ks->table.capacity);
    kv_ks_check(ks);
    if (!w->failed && kv_ks_count(ks) != live)
        sim_fail(w, "final keyspace: the core holds %llu keys, the model %llu",
                 (unsigned long long)kv_ks_count(ks), (unsigned long long)live);
    kv_server_check(w->server);
}

static void shutdown_server(struct sim_world *w) {
    kv_server_shutdown(w->server);
    for (uint32_t i = 0; i < SHUTDOWN_TICKS; i++) {
        w->tick++;
        sim_clock_advance(&w->clock, TICK_NS);
        sim_net_tick(w->net, w->tick);
        if (!kv_server_run_once(w->server, 0)) return;
        kv_server_check(w->server);
    }
    sim_fail(w, "graceful shutdown did not finish in %u ticks", SHUTDOWN_TICKS);
}

/* ---- output ---------------------------------------------------------------------- */

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static uint64_t fault_count(const struct sim_world *w) {
    const struct sim_net_stats *n = sim_net_stats(w->net);
    return n->accept_errors + n->partial_recvs + n->partial_sends + n->resets + n->clogs +
           n->enobufs + n->held + w->client_faults + w->clock_jumps;
}

static void print_summary(const struct sim_world *w, double cpu_s) {
    const struct sim_model_stats *ms = sim_model_stats(w->model);
    const struct kv_net_stats *net = kv_server_stats(w->server);
    const struct kv_ks_stats *ks = &kv_server_keyspace(w->server)->stats;
    if (w->stats_out) {
        const struct sim_net_stats *n = sim_net_stats(w->net);
        const struct kv_table *index = &kv_server_keyspace(w->server)->table;
        printf("stats: cpu_s=%.3f requests_per_cpu_s=%.0f commands=%llu exact=%llu loose=%llu "
               "oom=%llu too_large=%llu unmodeled=%llu completions=%llu accepts=%llu "
               "bytes_c2s=%llu bytes_s2c=%llu blocked_on_buffers=%llu used_memory_max=%llu "
               "batch_hint_max=%u batch_windows_max=%u recv_nowait=%llu recv_eagain=%llu "
               "recv_multi=%llu recv_multi_chunks=%llu edge_multis=%llu exec_overflows=%llu "
               "hold_cuts=%llu index_growths=%u index_slots=%u/%u evict_joins=%llu "
               "evict_moved_bytes=%llu hostile_acts=%llu hostile_closed=%llu "
               "liveness_wait_max=%llu liveness_bound=%llu watch_full=%llu watch_refused=%llu "
               "input_wait_max=%llu\n",
               cpu_s, cpu_s > 0 ? (double)w->requests / cpu_s : 0.0,
               (unsigned long long)ms->commands, (unsigned long long)ms->exact,
               (unsigned long long)ms->loose, (unsigned long long)ms->oom,
               (unsigned long long)ms->too_large, (unsigned long long)ms->unmodeled,
               (unsigned long long)n->completions, (unsigned long long)n->accepts,
               (unsigned long long)n->bytes_c2s, (unsigned long long)n->bytes_s2c,
               (unsigned long long)net->blocked_on_buffers,
               (unsigned long long)w->used_memory_max, n->batch_hint_max, n->batch_windows_max,
               (unsigned long long)n->recv_nowait, (unsigned long long)n->recv_eagain,
               (unsigned long long)n->recv_multi, (unsigned long long)n->recv_multi_chunks,
               (unsigned long long)w->edge_multis, (unsigned long long)w->exec_overflows,
               (unsigned long long)w->hold_cuts, index->growths, index->capacity,
               index->capacity_max, (unsigned long long)ks->evict_joins,
               (unsigned long long)ks->evict_moved_bytes, (unsigned long long)w->hostile_acts,
               (unsigned long long)w->hostile_closed, (unsigned long long)w->liveness_wait_max,
               (unsigned long long)(w->hostile_count > 0 ? sim_liveness_bound_ticks(w) : 0),
               (unsigned long long)w->watch_full, (unsigned long long)w->watch_refused,
               (unsigned long long)w->input_wait_max);
        printf("sessions: resp3_commands=%llu noauth_replies=%llu remote_denied=%llu\n",
               (unsigned long long)w->resp3_commands, (unsigned long long)w->noauth_replies,
               (unsigned long long)w->remote_denied);
        printf("pubsub: messages=%llu subscribers_closed=%llu output_limit_cuts=%llu "
               "limit_refusals=%llu channels_now=%u patterns_now=%u backlog_peak=%llu "
               "lagging_peak=%llu\n",
               (unsigned long long)w->pubsub_messages, (unsigned long long)w->pubsub_closed,
               (unsigned long long)net->client_output_buffer_limit_disconnections,
               (unsigned long long)w->pubsub_refused, kv_server_engine(w->server)->pubsub.channels,
               kv_server_engine(w->server)->pubsub.patterns,
               (unsigned long long)w->backlog_peak, (unsigned long long)w->lagging_peak);
        printf("clients: replies_dropped=%llu pauses=%llu client_lists=%llu config_sets=%llu "
               "timeout_sets=%llu pass_sets=%llu pass_free_sessions=%llu\n",
               (unsigned long long)w->replies_dropped, (unsigned long long)w->pauses,
               (unsigned long long)w->client_lists, (unsigned long long)w->cfg_sets,
               (unsigned long long)w->timeout_sets, (unsigned long long)w->pass_sets,
               (unsigned long long)w->pass_free_sessions);
        const struct kv_log *lg = kv_server_log(w->server);
        printf("log: lines=%llu dropped=%llu write_errors=%llu sink_lines=%llu "
               "sink_bytes=%llu\n", (unsigned long long)lg->lines,
               (unsigned long long)lg->dropped, (unsigned long long)lg->write_errors,
               (unsigned long long)n->log_lines, (unsigned long long)n->log_bytes);
    }
    printf("seed=%llu ticks=%llu requests=%llu replies_checked=%llu faults=%llu clients=%u "
           "commands=%llu connections=%llu rejected=%llu evicted=%llu expired=%llu "
           "trace=%016llx\n",
           (unsigned long long)w->seed, (unsigned long long)w->tick,
           (unsigned long long)w->requests, (unsigned long long)w->replies_checked,
           (unsigned long long)fault_count(w), w->client_count,
           (unsigned long long)w->commands, (unsigned long long)w->connects,
           (unsigned long long)w->rejections, (unsigned long long)ms->evictions,
           (unsigned long long)ks->expired_keys, (unsigned long long)XXH3_64bits_digest(w->trace));
}

/* ---- arguments -------------------------------------------------------------------- */

struct sim_args {
    uint64_t seed;
    uint64_t ticks;
    uint32_t canary;
    bool crowd;
    bool no_multishot;
    bool no_edge_multi;
    bool no_newer;
    bool no_session;
    bool no_block;
    bool cfg_pass;
    bool resp3;
    bool hostile;
    uint32_t hostile_kinds;
    const char *hostile_arg;
    bool no_hostile;
    bool stats;
    uint32_t redis_port;
    uint64_t requests;
};

static int usage(void) {
    fprintf(stderr, "usage: kv sim --seed N [--ticks T] [--crowd] [--no-multishot]\n"
                    "                   [--no-edge-multi] [--no-newer] [--no-session] [--no-block]\n"
                    "                   [--hostile[=KIND,..] | --no-hostile]\n"
                    "                   [--canary[=model|stall]] [--stats] [--cfg-pass]\n"
                    "                   [--types=hash,set,zset,stream]\n"
                    "       kv sim --redis PORT [--seed N] [--requests R] [--resp3]"
                    " [--types=hash,set,zset,stream]\n");
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out) {
    char *end = NULL;
    if (s == NULL || *s == 0) return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != 0) return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, struct sim_args *a) {
    memset(a, 0, sizeof(*a));
    a->ticks = DEFAULT_TICKS;
    a->requests = 20000;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x = 0;
        if (strcmp(o, "--canary") == 0) a->canary = 1;
        else if (strcmp(o, "--canary=model") == 0) a->canary = 2;
        else if (strcmp(o, "--canary=stall") == 0) a->canary = 3;
        else if (strcmp(o, "--stats") == 0) a->stats = true;
        else if (strcmp(o, "--crowd") == 0) a->crowd = true;
        else if (strcmp(o, "--no-multishot") == 0) a->no_multishot = true;
        else if (strcmp(o, "--no-edge-multi") == 0) a->no_edge_multi = true;
        else if (strcmp(o, "--no-newer") == 0) a->no_newer = true;
        else if (strcmp(o, "--cfg-pass") == 0) a->cfg_pass = true;
        else if (strcmp(o, "--no-session") == 0) a->no_session = true;
        else if (strcmp(o, "--no-block") == 0) a->no_block = true;
        else if (strcmp(o, "--resp3") == 0) a->resp3 = true;
        else if (strcmp(o, "--hostile") == 0) a->hostile = true;
        else if (strncmp(o, "--hostile=", 10) == 0 && sim_hostile_kinds_parse(o + 10) != 0) {
            a->hostile = true;
            a->hostile_kinds = sim_hostile_kinds_parse(o + 10);
            a->hostile_arg = o;
        }
        else if (strcmp(o, "--no-hostile") == 0) a->no_hostile = true;
        else if (sim_types_parse(o)) continue; /* --types=hash,set,zset,stream (sim_types.c) */
        else if (strcmp(o, "--seed") == 0 && parse_u64(v, &a->seed)) i++;
        else if (strcmp(o, "--ticks") == 0 && parse_u64(v, &a->ticks)) i++;
        else if (strcmp(o, "--requests") == 0 && parse_u64(v, &a->requests)) i++;
        else if (strcmp(o, "--redis") == 0 && parse_u64(v, &x) && x > 0 && x < 65536) {
            a->redis_port = (uint32_t)x;
            i++;
        } else {
            return usage();
        }
    }
    return 0;
}

int kv_sim_main(int argc, char **argv) {
    struct sim_args a;
    if (parse_args(argc, argv, &a) != 0) return 2;
    if (a.redis_port != 0) return sim_redis_check(a.seed, a.redis_port, a.requests, a.resp3);
    const char *debug = getenv("SIM_DEBUG");
    if (debug != NULL)
        sim_debug_serial = strcmp(debug, "all") == 0 ? UINT64_MAX : strtoull(debug, NULL, 10);
    const char *dump = getenv("SIM_DUMP");
    if (dump != NULL) debug_dump_tick = strtoull(dump, NULL, 10);
    char extra[64] = "";
    if (a.ticks != DEFAULT_TICKS) snprintf(extra, sizeof(extra), " --ticks %llu",
                                           (unsigned long long)a.ticks);
    if (a.no_block) snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), " --no-block");
    if (a.cfg_pass) snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), " --cfg-pass");
    snprintf(reproduce_line, sizeof(reproduce_line),
             "reproduce: ./build/kv sim --seed %llu%s%s%s%s%s%s%s%s%s%s\n",
             (unsigned long long)a.seed, extra, a.no_session ? " --no-session" : "",
             a.crowd ? " --crowd" : "", a.no_multishot ? " --no-multishot" : "",
             a.no_edge_multi ? (a.no_newer ? " --no-edge-multi --no-newer" : " --no-edge-multi")
                             : a.no_newer ? " --no-newer" : "",
             a.hostile || a.no_hostile ? " " : "",
             a.hostile_arg != NULL ? a.hostile_arg
             : a.hostile       ? "--hostile"
             : a.no_hostile    ? "--no-hostile"
                               : "",
             sim_types_enabled() ? " " : "", sim_types_arg(),
             a.canary == 1   ? " --canary"
             : a.canary == 2 ? " --canary=model"
             : a.canary == 3 ? " --canary=stall"
                             : "");
    signal(SIGABRT, on_fatal);
    signal(SIGSEGV, on_fatal);
    setvbuf(stdout, NULL, _IOLBF, 0);
    double cpu0 = cpu_seconds();
    static struct sim_world world;
    struct sim_world *w = &world;
    memset(w, 0, sizeof(*w));
    w->seed = a.seed;
    w->ticks = a.ticks;
    w->canary = a.canary;
    w->crowd = a.crowd;
    w->no_multishot = a.no_multishot;
    w->no_edge_multi = a.no_edge_multi;
    w->no_newer = a.no_newer;
    w->cfg_pass = a.cfg_pass;
    w->no_session = a.no_session;
    w->no_block = a.no_block;
    w->hostile_forced = a.hostile;
    w->hostile_kinds = a.hostile_kinds;
    w->no_hostile = a.no_hostile;
    w->stats_out = a.stats;
    struct sim_net_config nc;
    world_setup(w, &nc);
    print_knobs(w, &nc);
    run_phases(w);
    if (!w->failed) final_checks(w);
    if (!w->failed && !w->server_stopped) shutdown_server(w);
    double cpu_s = cpu_seconds() - cpu0;
    if (w->failed) {
        printf("%s\n", w->failure);
        print_summary(w, cpu_s);
        fputs(reproduce_line, stdout);
        fflush(stdout);
        world_free(w);
        return 1;
    }
    print_summary(w, cpu_s);
    world_free(w);
    return 0;
}

/*
 * engine.c: command dispatch, in the order Redis's processCommand checks things:
 * lookup (unknown command), arity, MULTI queueing, the out-of-memory pre-check,
 * the reply-size limit, then the handler. Also MULTI/EXEC/WATCH state and the
 * per-command scratch.
 *
 * Memory: the engine struct (inside the server), the name lookup table (static
 * array of pointers into the const command groups), the WATCH index (src/watch.c)
 * and the scratch area, both carved at startup. Never allocates.
 *
 * Invariant: when a handler runs, ctx->out has at least the room its reply bound
 * announced (the server guaranteed it), and scratch_used is 0 on entry.
 */
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/log.h"
#include "kv/util.h"

static const struct kv_cmd_group *const groups[] = {
    &kv_cmds_server, &kv_cmds_string, &kv_cmds_keys, &kv_cmds_list, &kv_cmds_info,
    &kv_cmds_auth, &kv_cmds_config, &kv_cmds_admin, &kv_cmds_client, &kv_cmds_command,
    &kv_cmds_hash, &kv_cmds_set, &kv_cmds_block, &kv_cmds_pubsub, &kv_cmds_zset,
    &kv_cmds_stream,
};

#define NAME_MAX_LEN 32u
#define UNKNOWN_ARGS_MAX 128 /* Redis shows argument text up to 128 bytes */

static uint32_t name_hash(const uint8_t *p, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h = (h ^ (uint8_t)(p[i] | 0x20)) * 16777619u; /* names are letters: see name_eq */
    }
    return h;
}

/*
 * `name` (n bytes, any case) equals `lower`, a command name of n letters a-z
 * (lookup_add checks that): b | 0x20 equals a lowercase letter c exactly when b is
 * c or its uppercase, so one OR per byte replaces the case conversion.
 */
static bool name_eq(const uint8_t *name, const char *lower, uint32_t n) {
    KV_ASSERT(name != NULL && lower != NULL);
    if (n >= 2 && n <= 4) { /* GET, SET, LPOP...: two overlapping 2-byte compares */
        uint16_t a0, a1, b0, b1;
        memcpy(&a0, name, 2);
        memcpy(&a1, name + n - 2, 2);
        memcpy(&b0, lower, 2);
        memcpy(&b1, lower + n - 2, 2);
        return (((a0 | 0x2020u) ^ b0) | ((a1 | 0x2020u) ^ b1)) == 0;
    }
    if (n >= 4 && n <= 8) { /* LPUSH, LRANGE...: two overlapping 4-byte compares */
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, name, 4);
        memcpy(&a1, name + n - 4, 4);
        memcpy(&b0, lower, 4);
        memcpy(&b1, lower + n - 4, 4);
        return (((a0 | 0x20202020u) ^ b0) | ((a1 | 0x20202020u) ^ b1)) == 0;
    }
    uint8_t diff = 0;
    for (uint32_t i = 0; i < n; i++) diff |= (uint8_t)((name[i] | 0x20) ^ (uint8_t)lower[i]);
    return diff == 0;
}

static void lookup_add(struct kv_engine *e, const struct kv_cmd *cmd) {
    uint32_t n = (uint32_t)strlen(cmd->name);
    KV_ASSERT(n > 0 && n < NAME_MAX_LEN);
    for (uint32_t i = 0; i < n; i++) KV_ASSERT(cmd->name[i] >= 'a' && cmd->name[i] <= 'z');
    KV_ASSERT(kv_cmd_keyspec_valid(&cmd->keys));
    uint32_t i = name_hash((const uint8_t *)cmd->name, n) & (KV_CMD_LOOKUP_SIZE - 1);
    for (uint32_t probe = 0; probe < KV_CMD_LOOKUP_SIZE; probe++) {
        if (e->lookup[i] == NULL) {
            e->lookup[i] = cmd;
            e->lookup_len[i] = (uint8_t)n;
            e->cmd_count++;
            return;
        }
        KV_ASSERT(strcmp(e->lookup[i]->name, cmd->name) != 0); /* no duplicates */
        i = (i + 1) & (KV_CMD_LOOKUP_SIZE - 1);
    }
    KV_UNREACHABLE();
}

/*
 * The command named by `name`. The last command found is tried first: the server
 * looks each frame's command up for its reply bound and again to run it, and a
 * name comparison is cheaper than hashing (the name is compared, so the memo can
 * never return the wrong command).
 */
static const struct kv_cmd *lookup(struct kv_engine *e, struct kv_slice name) {
    if (name.len == 0 || name.len >= NAME_MAX_LEN) return NULL;
    const struct kv_cmd *memo = e->memo_cmd;
    if (memo != NULL && e->memo_len == name.len && name_eq(name.ptr, memo->name, name.len))
        return memo;
    uint32_t i = name_hash(name.ptr, name.len) & (KV_CMD_LOOKUP_SIZE - 1);
    for (uint32_t probe = 0; probe < KV_CMD_LOOKUP_SIZE; probe++) {
        const struct kv_cmd *cmd = e->lookup[i];
        if (cmd == NULL) return NULL;
        if (e->lookup_len[i] == name.len && name_eq(name.ptr, cmd->name, name.len)) {
            e->memo_index = kv_engine_cmd_index(e, cmd); /* before memo_cmd: the walk */
            e->memo_cmd = cmd;
            e->memo_len = name.len;
            return cmd;
        }
        i = (i + 1) & (KV_CMD_LOOKUP_SIZE - 1);
    }
    return NULL;
}

/* Every eviction: WATCHers of the key fail their EXEC (as Redis signals the key
 * modified), then the observer hears of it. */
static void engine_on_evict(void *ctx, const uint8_t *key, uint32_t klen) {
    struct kv_engine *e = ctx;
    KV_ASSERT(e != NULL && e->ks != NULL);
    kv_engine_touch(e, key, klen);
    if (e->observer != NULL && e->observer->on_evict != NULL)
        e->observer->on_evict(e->observer->ctx, key, klen);
}

/* 40 hex digits and a NUL (INFO's run_id and replid), from the engine's prng. */
static void random_hex(struct kv_prng *p, char out[41]) {
    static const char digits[] = "0123456789abcdef";
    for (uint32_t i = 0; i < 40; i++) out[i] = digits[kv_prng_next(p) & 15];
    out[40] = 0;
    KV_ASSERT(out[0] != 0);
}

/* Tests and fuzzers build engines without pub/sub arrays: these serve them. */
#define OWN_CHANS 16u
#define OWN_SUBS 64u
static struct kv_pubsub_chan own_chans[OWN_CHANS];
static uint8_t own_names[OWN_CHANS * 64u];
static uint32_t own_slots[32];
static struct kv_pubsub_sub own_subs[OWN_SUBS];
static struct kv_pubsub_delivery own_ring[OWN_SUBS];

static void pubsub_init(struct kv_engine *e, const struct kv_engine_init *init) {
    const struct kv_config *c = init->config;
    uint64_t seed = init->prng_seed ^ 0x9e3779b97f4a7c15ull;
    if (init->pubsub_chans == NULL) {
        KV_ASSERT(kv_pubsub_slots_cap(OWN_CHANS) == KV_ARRAY_LEN(own_slots));
        kv_pubsub_init(&e->pubsub, OWN_CHANS, 64, OWN_SUBS, own_chans, own_names, own_slots,
                       own_subs, own_ring, seed);
        return;
    }
    KV_ASSERT(init->pubsub_names != NULL && init->pubsub_subs != NULL);
    kv_pubsub_init(&e->pubsub, kv_config_pubsub_channels(c), c->pubsub_max_channel_len,
                   kv_config_pubsub_subscriptions(c), init->pubsub_chans, init->pubsub_names,
                   init->pubsub_slots, init->pubsub_subs, init->pubsub_ring, seed);
}

void kv_engine_set_pubsub_sink(struct kv_engine *e, const struct kv_pubsub_sink *sink) {
    KV_ASSERT(e != NULL && sink != NULL);
    e->pubsub_sink = *sink;
}

void kv_engine_pubsub_drop(struct kv_engine *e, struct kv_session *s) {
    kv_pubsub_drop_session(&e->pubsub, s);
    KV_ASSERT(!kv_session_subscribed(s));
}

/* After a command: PUBLISH's deliveries to others go to the server's sink. */
static void pubsub_flush(struct kv_engine *e) {
    if (e->pubsub.ring_len == 0) return;
    if (e->pubsub_sink.deliver != NULL) e->pubsub_sink.deliver(e->pubsub_sink.ctx, &e->pubsub);
    e->pubsub.ring_len = 0;
}

void kv_engine_init(struct kv_engine *e, const struct kv_engine_init *init) {
    KV_ASSERT(e != NULL && init != NULL && init->ks != NULL && init->clock != NULL);
    KV_ASSERT(init->scratch != NULL && init->watchers != NULL && init->config != NULL);
    KV_ASSERT(init->net != NULL);
    memset(e, 0, sizeof(*e));
    e->net = init->net;
    e->config = init->config;
    e->clock = init->clock;
    e->ks = init->ks;
    e->reply_max = init->reply_max;
    e->scratch = init->scratch;
    e->scratch_cap = init->scratch_cap;
    /* Tests that build an engine without a ring get one of 0 entries. */
    kv_slowlog_init(&e->slowlog, init->slowlog,
                    init->slowlog != NULL ? init->config->slowlog_max_len : 0);
    kv_latency_init(&e->latency);
    e->lathist = init->lathist;
    kv_watch_init(&e->watch, init->watchers, init->watchers_cap, init->config->watch_max_keys,
                  init->watch_nodes, init->watch_slots);
    e->can_block = init->block_nodes != NULL;
    if (e->can_block)
        kv_block_init(&e->block, init->block_sessions, init->watchers_cap,
                      init->config->block_max_keys, init->block_nodes, init->block_slots,
                      init->block_ready, init->block_wake);
    kv_prng_init(&e->prng, init->prng_seed);
    pubsub_init(e, init);
    struct kv_prng ids; /* its own stream: the engine's draws stay as they were */
    kv_prng_init(&ids, init->prng_seed ^ 0x5851f42d4c957f2dull);
    random_hex(&ids, e->run_id);
    random_hex(&ids, e->replid);
    KV_ASSERT(KV_ARRAY_LEN(groups) <= KV_CMD_GROUPS_MAX);
    for (uint32_t g = 0; g < KV_ARRAY_LEN(groups); g++) {
        e->group_base[g] = e->cmd_count;
        for (uint32_t i = 0; i < groups[g]->count; i++) lookup_add(e, &groups[g]->cmds[i]);
    }
    KV_ASSERT(e->cmd_count * 2 <= KV_CMD_LOOKUP_SIZE && e->cmd_count <= KV_CMDSTATS_MAX);
    e->cmd_exec = lookup(e, (struct kv_slice){(const uint8_t *)"exec", 4});
    KV_ASSERT(e->cmd_exec != NULL);
    kv_ks_set_evict_hook(e->ks, engine_on_evict, e);
}

const struct kv_engine_stats *kv_engine_stats(const struct kv_engine *e) { return &e->stats; }

uint32_t kv_engine_cmd_total(void) {
    uint32_t n = 0;
    for (uint32_t g = 0; g < KV_ARRAY_LEN(groups); g++) n += groups[g]->count;
    KV_ASSERT(n > 0 && n <= KV_CMDSTATS_MAX);
    return n;
}

void kv_engine_reconfigure(struct kv_engine *e, const struct kv_config *next) {
    KV_ASSERT(e != NULL && next != NULL && next != e->config);
    KV_ASSERT(next->maxmemory <= kv_ks_mapped_bytes(e->ks));
    bool lowered = next->maxmemory < e->config->maxmemory;
    *e->config = *next;
    kv_ks_configure(e->ks, e->config);
    if (e->log != NULL) { /* loglevel: kv_config_check accepted the name */
        bool known = kv_log_level_parse(e->config->loglevel, &e->log->level);
        KV_ASSERT(known);
    }
    if (lowered) (void)kv_ks_make_room(e->ks, 0, 0); /* evicts down to the new limit */
    KV_ASSERT(e->config->maxmemory == next->maxmemory);
}

/*
 * CONFIG RESETSTAT. Each layer's counters only grow (the server steers on their
 * differences, main.c logs when two of them grow), so the reset records a baseline
 * that INFO subtracts (kv_engine_info_counters); the engine's own per-command and
 * per-error tables nobody else reads are cleared. Kept as Redis keeps them:
 * connected_clients, the start time, the port; kv also keeps
 * large_buffer_stall_disconnections and security_warnings whole.
 */
void kv_engine_resetstat(struct kv_engine *e) {
    KV_ASSERT(e != NULL && e->net != NULL);
    e->base.net = *e->net;
    e->base.net.large_buffer_stall_disconnections = 0;
    e->base.ks = e->ks->stats;
    e->base.commands = e->stats.total_commands_processed;
    struct kv_inst_metric inst[KV_INST_COUNT];
    memcpy(inst, e->stats.cs.inst, sizeof(inst)); /* rates are not counters */
    memset(&e->stats.cs, 0, sizeof(e->stats.cs));
    memcpy(e->stats.cs.inst, inst, sizeof(inst));
    if (e->lathist != NULL) memset(e->lathist, 0, kv_lathist_bytes(e->cmd_count));
    KV_ASSERT(e->stats.cs.total_error_replies == 0);
}

void kv_engine_info_counters(const struct kv_engine *e, struct kv_net_stats *net,
                             struct kv_ks_stats *ks, uint64_t *commands) {
    KV_ASSERT(e != NULL && net != NULL && ks != NULL && commands != NULL);
    const struct kv_net_stats *n = e->net, *bn = &e->base.net;
    *net = *n;
    net->total_connections_received -= bn->total_connections_received;
    net->rejected_connections -= bn->rejected_connections;
    net->total_net_input_bytes -= bn->total_net_input_bytes;
    net->total_net_output_bytes -= bn->total_net_output_bytes;
    net->blocked_on_buffers -= bn->blocked_on_buffers;
    net->stale_completions -= bn->stale_completions;
    net->total_reads_processed -= bn->total_reads_processed;
    net->total_writes_processed -= bn->total_writes_processed;
    net->recv_multishot_armed -= bn->recv_multishot_armed;
    const struct kv_ks_stats *k = &e->ks->stats, *bk = &e->base.ks;
    ks->keyspace_hits = k->keyspace_hits - bk->keyspace_hits;
    ks->keyspace_misses = k->keyspace_misses - bk->keyspace_misses;
    ks->expired_keys = k->expired_keys - bk->expired_keys;
    ks->evicted_keys = k->evicted_keys - bk->evicted_keys;
    ks->evict_joins = k->evict_joins - bk->evict_joins;
    ks->evict_moved_bytes = k->evict_moved_bytes - bk->evict_moved_bytes;
    *commands = e->stats.total_commands_processed - e->base.commands;
    KV_ASSERT(*commands <= e->stats.total_commands_processed);
}

void kv_engine_set_observer(struct kv_engine *e, const struct kv_engine_observer *o) {
    KV_ASSERT(e->ks != NULL);
    e->observer = o;
}

void kv_engine_set_host(struct kv_engine *e, const struct kv_engine_host *h) {
    KV_ASSERT(e->ks != NULL && (h == NULL || h->process_info != NULL));
    e->host = h;
}

void kv_engine_set_clients(struct kv_engine *e, const struct kv_engine_clients *c) {
    KV_ASSERT(e->ks != NULL);
    KV_ASSERT(c == NULL || (c->describe != NULL && c->kill != NULL && c->pause != NULL));
    e->clients = c;
}

void kv_engine_process_info(const struct kv_engine *e, struct kv_process_info *out) {
    KV_ASSERT(e != NULL && out != NULL);
    *out = (struct kv_process_info){.executable = "", .config_file = ""};
    if (e->host != NULL) e->host->process_info(e->host->ctx, out);
    KV_ASSERT(out->executable != NULL && out->config_file != NULL);
}

/* The groups are few (KV_CMD_GROUPS_MAX): a range check per group. */
uint32_t kv_engine_cmd_index(const struct kv_engine *e, const struct kv_cmd *cmd) {
    KV_ASSERT(cmd != NULL);
    if (cmd == e->memo_cmd) return e->memo_index; /* lookup's: the frame's command */
    for (uint32_t g = 0; g < KV_ARRAY_LEN(groups); g++) {
        const struct kv_cmd *first = groups[g]->cmds;
        if (cmd >= first && cmd < first + groups[g]->count)
            return e->group_base[g] + (uint32_t)(cmd - first);
    }
    KV_UNREACHABLE();
}

const struct kv_cmd *kv_engine_cmd_at(const struct kv_engine *e, uint32_t index) {
    KV_ASSERT(index < e->cmd_count);
    for (uint32_t g = KV_ARRAY_LEN(groups); g-- > 0;) {
        if (index >= e->group_base[g]) return &groups[g]->cmds[index - e->group_base[g]];
    }
    KV_UNREACHABLE();
}

void kv_engine_note_error(struct kv_engine *e, const uint8_t *reply, uint32_t len) {
    KV_ASSERT(e != NULL && reply != NULL);
    (void)kv_cmdstats_error(&e->stats.cs, reply, len);
}

void kv_session_init(struct kv_session *s, uint64_t id) {
    KV_ASSERT(s != NULL);
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->proto = 2;
    KV_ASSERT(!(s->flags & KV_SESSION_AUTHED));
}

void kv_session_reset_client(struct kv_session *s) {
    KV_ASSERT(s != NULL);
    /* Redis clears REPLY OFF and SKIP_NEXT only: a SKIP in force (RESET is the
     * command after CLIENT REPLY SKIP) still drops RESET's own reply */
    if (s->reply_mode != KV_REPLY_SKIP) s->reply_mode = KV_REPLY_ON;
    s->flags &= ~(uint32_t)KV_SESSION_NO_EVICT;
    KV_ASSERT(!(s->flags & KV_SESSION_NO_EVICT));
}

/* ---- WATCH ------------------------------------------------------------------ */

void kv_engine_unwatch(struct kv_engine *e, struct kv_session *s) {
    kv_watch_remove_session(&e->watch, s);
    KV_ASSERT(s->watch_count == 0 && s->watch_existed == 0);
    s->flags &= ~(uint32_t)KV_SESSION_DIRTY_CAS;
}

/* The caller (WATCH) checked watch-max-keys; the index holds the init-time value. */
void kv_engine_watch(struct kv_engine *e, struct kv_session *s, const uint8_t *key,
                     uint32_t klen) {
    KV_ASSERT(s->watch_count < e->config->watch_max_keys);
    uint64_t h = kv_ks_key_hash(e->ks, key, klen);
    if (kv_watch_has(&e->watch, s, h)) return;
    const struct kv_item *it = kv_ks_peek(e->ks, key, klen);
    bool live = it != NULL && !kv_ks_item_expired(e->ks, it);
    kv_watch_add(&e->watch, s, h, live ? kv_item_expire_ms(it) : -1, live);
}

/* O(the key's watchers): nothing at all while nobody watches. */
/* WATCH, and the ready keys of blocked clients: a list or sorted set after any write;
 * a stream only when `stream` (XADD, or a stream made under the key by RENAME or
 * COPY: kv_engine_ready). */
static void touch_key(struct kv_engine *e, const uint8_t *key, uint32_t klen, bool stream) {
    bool watched = !kv_watch_empty(&e->watch), waited = e->block.keys > 0;
    if (!watched && !waited) return;
    uint64_t h = kv_ks_key_hash(e->ks, key, klen);
    if (watched) kv_watch_touch(&e->watch, h);
    if (!waited || !kv_block_waited(&e->block, h)) return;
    /* Redis readies a key when it becomes a list or a sorted set (signalKeyAsReady in
     * dbAdd) and at every XADD, not at any write: after a write, only a list or a
     * sorted set is ready (a stalled one too, block.h), for waiters of its type; a
     * stream at XADD or when made under the key, never at another write (an EXPIRE
     * after an XSETID past a reader's ID served it with nothing: sim seed 180782113) */
    struct kv_item *it = kv_ks_peek(e->ks, key, klen);
    if (it == NULL || kv_ks_item_expired(e->ks, it)) return;
    uint8_t type = kv_item_type(it);
    if (type == KV_TYPE_LIST || type == KV_TYPE_ZSET || (type == KV_TYPE_STREAM && stream))
        kv_block_touch(&e->block, h, type); /* served after the command (block.h) */
}

void kv_engine_touch(struct kv_engine *e, const uint8_t *key, uint32_t klen) {
    touch_key(e, key, klen, false);
}

void kv_engine_ready(struct kv_engine *e, const uint8_t *key, uint32_t klen) {
    touch_key(e, key, klen, true);
}

void kv_engine_touch_all(struct kv_engine *e) { kv_watch_touch_existed(&e->watch); }

void kv_engine_check(const struct kv_engine *e) {
    KV_ASSERT(e->config != NULL && e->watch.per_session >= e->config->watch_max_keys);
    kv_watch_check(&e->watch);
    if (e->can_block) kv_block_check(&e->block);
    kv_pubsub_check(&e->pubsub);
    KV_ASSERT(e->pubsub.ring_len == 0); /* emptied after every command */
}

void kv_session_reset(struct kv_engine *e, struct kv_session *s) {
    kv_engine_unwatch(e, s);
    kv_block_remove(&e->block, s); /* a closed client leaves its queues */
    kv_engine_pubsub_drop(e, s);
    s->flags = 0;
    s->multi_count = 0;
    KV_ASSERT(s->watch_count == 0);
}

/* ---- scratch ------------------------------------------------------------------ */

void *kv_scratch_alloc(struct kv_cmd_ctx *ctx, uint64_t bytes) {
    struct kv_engine *e = ctx->engine;
    uint64_t at = KV_ALIGN_UP(e->scratch_used, 8);
    KV_ASSERT(bytes <= e->scratch_cap && at <= e->scratch_cap - bytes);
    e->scratch_used = at + bytes;
    return e->scratch + at;
}

uint64_t kv_scratch_cap(const struct kv_cmd_ctx *ctx) {
    const struct kv_engine *e = ctx->engine;
    KV_ASSERT(e->scratch_used <= e->scratch_cap && e->scratch != NULL);
    return e->scratch_cap;
}

uint64_t kv_cmd_bound_default(struct kv_cmd_ctx *ctx) {
    (void)ctx;
    return KV_EXEC_ERROR_ROOM;
}

/* ---- dispatch ------------------------------------------------------------------ */

/* The time a command runs at: read for its reply bound, reused once to run it. */
/*
 * Realtime for this command. In a server loop turn (kv_engine_turn_begin) the
 * clock is read once, at the turn's first use, and every command, EXEC check and
 * tick of the turn sees that time (Redis, too, runs a batch against one cached
 * time). Outside turns (unit tests, fuzzers) each command reads it.
 */
static int64_t engine_time(struct kv_engine *e) {
    KV_ASSERT(e->clock != NULL);
    if (!e->turn_mode) return kv_clock_realtime_ms(e->clock);
    if (!e->turn_now_valid) {
        e->turn_now_ms = kv_clock_realtime_ms(e->clock);
        e->turn_now_valid = true;
    }
    return e->turn_now_ms;
}

void kv_engine_turn_begin(struct kv_engine *e) {
    KV_ASSERT(e->clock != NULL);
    e->turn_mode = true;
    e->turn_now_valid = false;
}

/* A bound taken outside a turn may read an earlier time than the execution: safe,
 * as time only removes keys (expiry), so the bound can only overestimate. */
static void ctx_init(struct kv_engine *e, struct kv_session *s, struct kv_cmd_ctx *ctx,
                     uint32_t argc, const struct kv_slice *argv, struct kv_reply *out) {
    int64_t now = engine_time(e);
    kv_ks_set_time(e->ks, now);
    KV_ASSERT(s->proto == 2 || s->proto == 3);
    ctx->engine = e;
    ctx->ks = e->ks;
    ctx->session = s;
    out->proto = s->proto; /* the writer encodes for this session's protocol */
    ctx->out = out;
    ctx->argc = argc;
    ctx->argv = argv;
    ctx->now_ms = now;
}


/* EXEC is found once at init: telling it apart is then a pointer comparison. */
static bool is_exec(const struct kv_engine *e, const struct kv_cmd *cmd) {
    KV_ASSERT(e->cmd_exec != NULL);
    return cmd == e->cmd_exec;
}

static bool arity_ok(const struct kv_cmd *cmd, uint32_t argc) {
    int64_t a = cmd->arity;
    return a > 0 ? (int64_t)argc == a : (int64_t)argc >= -a;
}

/* The error Redis gives for an unknown command (arguments quoted, 128 bytes max). */
static void reply_unknown(struct kv_reply *out, uint32_t argc, const struct kv_slice *argv) {
    char args[UNKNOWN_ARGS_MAX * 2 + 64];
    uint32_t n = 0;
    for (uint32_t i = 1; i < argc && n < UNKNOWN_ARGS_MAX; i++) {
        uint32_t room = UNKNOWN_ARGS_MAX - n;
        uint32_t len = (uint32_t)strnlen((const char *)argv[i].ptr, KV_MIN(argv[i].len, room));
        args[n++] = '\'';
        memcpy(args + n, argv[i].ptr, len);
        n += len;
        args[n++] = '\'';
        args[n++] = ' ';
    }
    args[n] = 0;
    uint32_t nlen = (uint32_t)strnlen((const char *)argv[0].ptr, KV_MIN(argv[0].len, 128u));
    kv_reply_errorf(out, "ERR unknown command '%.*s', with args beginning with: %s", (int)nlen,
                    (const char *)argv[0].ptr, args);
}

/*
 * Cross-protocol scripting: a browser tricked into POSTing to kv sends HTTP, whose
 * request line and headers parse as inline commands ("POST / HTTP/1.1", "Host:
 * ..."), and an attacker hides commands in the body. Redis compares the name with
 * strcasecmp (so it ends at a NUL byte) against "post" and "host:", before the
 * lookup and before MULTI queueing, and then closes the connection without a
 * reply, logging a warning. kv does the same: the session closes, nothing is
 * written (the server drops earlier replies not yet on the wire, as Redis frees
 * the client with them: KV_SESSION_ABORT), and stats.security_warnings counts it;
 * the daemon (src/main.c) prints Redis's warning from that count, at most once a
 * minute as Redis does.
 */
static bool is_cross_protocol(struct kv_slice name) {
    if (name.len < 4) return false; /* the common case: one comparison */
    return kv_opt_eq_nocase(name, "post") || kv_opt_eq_nocase(name, "host:");
}

static void security_warning(struct kv_engine *e, struct kv_session *s, struct kv_reply *out,
                             uint32_t from) {
    KV_ASSERT(out->len == from);  /* no reply byte */
    s->flags |= KV_SESSION_CLOSE | KV_SESSION_ABORT;
    e->stats.security_warnings++;
    KV_ASSERT(s->flags & KV_SESSION_CLOSE);
}

/* Redis turns any rejection of EXEC itself into EXECABORT and drops the MULTI. */
static void reply_arity(struct kv_engine *e, struct kv_session *s, struct kv_reply *out,
                        const struct kv_cmd *cmd) {
    if (!is_exec(e, cmd)) {
        kv_reply_errorf(out, "ERR wrong number of arguments for '%s' command", cmd->name);
        return;
    }
    kv_reply_error(out, "EXECABORT Transaction discarded because of: wrong number of "
                        "arguments for 'exec' command");
    s->flags &= ~(uint32_t)(KV_SESSION_MULTI | KV_SESSION_MULTI_ERROR);
    s->multi_count = 0;
    kv_engine_unwatch(e, s);
}

/*
 * requirepass set and the session not authenticated: Redis's processCommand refuses
 * every command but the KV_CMD_NOAUTH ones, after the unknown-command and arity
 * checks. Refusing EXEC discards the transaction, as any rejection of EXEC does.
 */
static bool auth_refused(const struct kv_engine *e, const struct kv_session *s,
                         const struct kv_cmd *cmd) {
    /* A woken blocked command was admitted when it blocked: Redis serves it without
     * processCommand's checks, so a requirepass set meanwhile does not refuse it (an
     * unauthenticated session may block while requirepass is ""). */
    if (s->block_wake != KV_BLOCK_WAKE_NONE) return false;
    return !(cmd->flags & KV_CMD_NOAUTH) && kv_auth_required(e->config, s);
}

static void reply_noauth(struct kv_engine *e, struct kv_session *s, struct kv_reply *out,
                         const struct kv_cmd *cmd) {
    KV_ASSERT(!(cmd->flags & KV_CMD_NOAUTH));
    if (!is_exec(e, cmd)) {
        kv_reply_error(out, "NOAUTH Authentication required.");
        if (s->flags & KV_SESSION_MULTI) s->flags |= KV_SESSION_MULTI_ERROR;
        return;
    }
    kv_reply_error(out, "EXECABORT Transaction discarded because of: NOAUTH Authentication "
                        "required.");
    s->flags &= ~(uint32_t)(KV_SESSION_MULTI | KV_SESSION_MULTI_ERROR);
    s->multi_count = 0;
    kv_engine_unwatch(e, s);
}

static void reply_too_large(struct kv_reply *out, uint64_t bound, uint64_t max) {
    kv_reply_errorf(out, "ERR reply of up to %llu bytes exceeds client-query-buffer-limit "
                         "(%llu bytes)", (unsigned long long)bound, (unsigned long long)max);
}


/* Commands that run immediately inside MULTI, as Redis's processCommand lists them. */
static bool runs_in_multi(const struct kv_cmd *cmd) {
    return (cmd->flags & KV_CMD_NOQUEUE) != 0;
}

static uint64_t bound_of(struct kv_cmd_ctx *ctx, const struct kv_cmd *cmd) {
    return cmd->reply_bound != NULL ? cmd->reply_bound(ctx) : kv_cmd_bound_default(ctx);
}

/* Space (need) and largest single allocation a growing command may take. */
static void oom_need(uint32_t argc, const struct kv_slice *argv, uint64_t *need,
                     uint64_t *largest) {
    uint64_t total = 0, big = 0;
    for (uint32_t i = 1; i < argc; i++) {
        total += argv[i].len + 16;
        big = KV_MAX(big, (uint64_t)argv[i].len);
    }
    *need = total + 64;
    *largest = big + 64;
}

/* The room a command's own bound `b` asks for: too large, an error replaces it. */
static uint64_t room_for(const struct kv_engine *e, uint64_t b) {
    return b > e->reply_max ? KV_EXEC_ERROR_ROOM : KV_MAX(b, KV_EXEC_ERROR_ROOM);
}

/* The room a command needs run now, outside MULTI; *run_bound gets its own bound
 * (KV_BOUND_NONE when it will not run: unknown, or the wrong arity). */
static uint64_t cmd_bound(struct kv_engine *e, struct kv_session *s, const struct kv_cmd *cmd,
                          uint32_t argc, const struct kv_slice *argv, uint64_t *run_bound) {
    *run_bound = KV_BOUND_NONE;
    if (cmd == NULL || !arity_ok(cmd, argc)) return 512; /* the error */
    struct kv_cmd_ctx ctx;
    struct kv_reply none = {0};
    ctx_init(e, s, &ctx, argc, argv, &none);
    *run_bound = bound_of(&ctx, cmd);
    return room_for(e, *run_bound);
}

uint64_t kv_engine_cmd_bound(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                             const struct kv_slice *argv) {
    KV_ASSERT(argc >= 1);
    uint64_t run_bound;
    return cmd_bound(e, s, lookup(e, argv[0]), argc, argv, &run_bound);
}

/*
 * One lookup and one bound per frame. The run bound is reused by the execution
 * that follows at once: in between, only evictions (kv_ks_make_room) and lazy
 * expiry can change the keyspace, and removing keys never grows a reply, so the
 * bound stays an upper bound (the handler's reply is asserted against it).
 */
void kv_engine_prepare(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                       const struct kv_slice *argv, struct kv_prepared *p) {
    KV_ASSERT(argc >= 1 && p != NULL);
    p->cmd = lookup(e, argv[0]);
    bool valid = p->cmd != NULL && arity_ok(p->cmd, argc);
    if (valid && (auth_refused(e, s, p->cmd) ||
                  ((s->flags & KV_SESSION_MULTI) && !runs_in_multi(p->cmd)))) {
        p->run_bound = KV_BOUND_NONE;
        p->reply_bound = 128; /* +QUEUED or an error (NOAUTH) */
    } else {
        p->reply_bound = cmd_bound(e, s, p->cmd, argc, argv, &p->run_bound);
    }
    p->may_block = p->run_bound != KV_BOUND_NONE && (p->cmd->flags & KV_CMD_BLOCKING) != 0;
    KV_ASSERT(p->reply_bound >= 128);
}

uint64_t kv_engine_reply_bound(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                               const struct kv_slice *argv) {
    struct kv_prepared p;
    kv_engine_prepare(e, s, argc, argv, &p);
    return p.reply_bound;
}

/* A watched key that was live at WATCH and has expired since dirties the session. */
static void watch_check_expired(struct kv_engine *e, struct kv_session *s) {
    kv_watch_check_expired(&e->watch, s, engine_time(e));
}

bool kv_engine_is_exec_slow(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                            const struct kv_slice *argv) {
    if (!(s->flags & KV_SESSION_MULTI) || argc != 1) return false;
    if (s->watch_count > 0) watch_check_expired(e, s);
    if (s->flags & (KV_SESSION_MULTI_ERROR | KV_SESSION_DIRTY_CAS)) return false;
    const struct kv_cmd *cmd = lookup(e, argv[0]);
    return cmd != NULL && is_exec(e, cmd);
}

uint32_t kv_engine_cmd_flags(struct kv_engine *e, uint32_t argc, const struct kv_slice *argv,
                             bool *sized) {
    KV_ASSERT(argc >= 1 && sized != NULL);
    const struct kv_cmd *cmd = lookup(e, argv[0]);
    *sized = cmd != NULL && cmd->reply_bound != NULL;
    return cmd != NULL ? cmd->flags : 0;
}

bool kv_engine_would_queue(struct kv_engine *e, uint32_t argc, const struct kv_slice *argv) {
    const struct kv_cmd *cmd = lookup(e, argv[0]);
    return cmd != NULL && arity_ok(cmd, argc) && !runs_in_multi(cmd);
}

int64_t kv_engine_keys(struct kv_engine *e, uint32_t argc, const struct kv_slice *argv,
                       uint32_t *pos, uint32_t cap) {
    KV_ASSERT(argc >= 1 && argv != NULL);
    /* the memo stays the running command's (COMMAND GETKEYS runs inside a frame
     * kv_engine_prepare looked up) */
    const struct kv_cmd *memo = e->memo_cmd;
    uint32_t memo_len = e->memo_len, memo_index = e->memo_index;
    const struct kv_cmd *cmd = lookup(e, argv[0]);
    e->memo_cmd = memo;
    e->memo_len = memo_len;
    e->memo_index = memo_index;
    if (cmd == NULL) return KV_KEYS_UNKNOWN;
    if (!arity_ok(cmd, argc)) return KV_KEYS_ARITY;
    return kv_cmd_keys(cmd, argc, argv, pos, cap);
}

static void observe(struct kv_engine *e, const struct kv_cmd_ctx *ctx, uint32_t reply_from) {
    if (e->observer == NULL || e->observer->on_command == NULL) return;
    const struct kv_reply *r = ctx->out;
    KV_ASSERT(reply_from <= r->len);
    e->observer->on_command(e->observer->ctx, ctx->session, ctx->argc, ctx->argv, ctx->now_ms,
                            r->buf + reply_from, r->len - reply_from);
}

/* Runs one command that passed lookup and arity; shared by EXEC and plain calls. */
/*
 * `reserve` keeps room for the commands still to run in an EXEC: each may need an
 * error reply of KV_EXEC_ERROR_ROOM bytes (config check: multi-max-commands times
 * that is at most half a large buffer), so a transaction's reply always fits.
 */
/*
 * SLOWLOG (Redis's slowlogPushCurrentCommand): a command that ran at least
 * slowlog-log-slower-than µs, EXEC excepted (Redis flags it skip_slowlog; its queued
 * commands are logged one by one). AUTH's and HELLO AUTH's secrets are logged as
 * "(redacted)", as Redis 7.0 does. The client's address and name as CLIENT LIST
 * shows them ("" without the server's connection interface: unit tests, fuzzers).
 */
static void slowlog_note(struct kv_engine *e, const struct kv_cmd *cmd,
                         const struct kv_cmd_ctx *ctx, uint64_t ns) {
    int64_t threshold = e->config->slowlog_log_slower_than;
    uint64_t us = ns / 1000;
    if (threshold < 0 || us < (uint64_t)threshold || cmd == e->cmd_exec) return;
    static const struct kv_slice redacted = {(const uint8_t *)"(redacted)", 10};
    struct kv_slice argv[KV_SLOWLOG_ARGC_MAX];
    uint32_t n = KV_MIN(ctx->argc, KV_SLOWLOG_ARGC_MAX);
    KV_ASSERT(n >= 1);
    bool auth = strcmp(cmd->name, "auth") == 0, hello = strcmp(cmd->name, "hello") == 0;
    for (uint32_t i = 0; i < n; i++) {
        argv[i] = ctx->argv[i];
        if (auth && i >= 1) argv[i] = redacted;
        if (hello && i >= 2 && kv_opt_eq_nocase(ctx->argv[i - 1], "auth")) argv[i] = redacted;
        if (hello && i >= 3 && kv_opt_eq_nocase(ctx->argv[i - 2], "auth")) argv[i] = redacted;
    }
    char addr[KV_CLIENT_ADDR_MAX] = "";
    if (e->clients != NULL && e->clients->addr_of != NULL)
        e->clients->addr_of(e->clients->ctx, ctx->session, addr);
    struct kv_slice peer = {(const uint8_t *)addr, (uint32_t)strlen(addr)};
    struct kv_slice name = {(const uint8_t *)ctx->session->name, ctx->session->name_len};
    kv_slowlog_push(&e->slowlog, ctx->argc, argv, ctx->now_ms / 1000, us, peer, name);
}

/* LATENCY's "command" / "fast-command" events and the command's histogram (Redis's
 * call(): whole microseconds; the event in whole milliseconds). */
static void latency_note(struct kv_engine *e, const struct kv_cmd *cmd, uint32_t index,
                         const struct kv_cmd_ctx *ctx, uint64_t ns) {
    enum kv_latency_event ev = cmd->flags & KV_CMD_FAST ? KV_LAT_FAST_COMMAND : KV_LAT_COMMAND;
    kv_latency_note(&e->latency, ev, ns / 1000000, (uint64_t)e->config->latency_monitor_threshold,
                    ctx->now_ms / 1000);
    if (e->lathist != NULL && e->config->latency_tracking)
        kv_lathist_record(&e->lathist[index], ns / 1000);
}

static void run_cmd(struct kv_engine *e, const struct kv_cmd *cmd, struct kv_cmd_ctx *ctx,
                    uint64_t reserve, uint64_t known_bound) {
    KV_ASSERT(e->scratch_used == 0);
    KV_ASSERT(reserve <= kv_reply_free(ctx->out));
    uint64_t bound = known_bound != KV_BOUND_NONE ? known_bound : bound_of(ctx, cmd);
    uint32_t index = kv_engine_cmd_index(e, cmd);
    struct kv_cmdstat *cs = &e->stats.cs.cmd[index];
    uint32_t before = ctx->out->len;
    if (bound > e->reply_max || bound + reserve > kv_reply_free(ctx->out)) {
        reply_too_large(ctx->out, bound, e->reply_max);
        cs->rejected_calls++;
    } else {
        uint64_t t0 = kv_clock_stopwatch_ns(e->clock);
        cmd->proc(ctx);
        uint64_t ns = kv_clock_elapsed_ns(t0, kv_clock_stopwatch_ns(e->clock));
        KV_ASSERT(ctx->out->len - before <= bound);
        e->scratch_used = 0;
        /* Blocked (block.h): counted once, by the run that serves or times it out,
         * as Redis counts a blocked command once. */
        if (ctx->session->flags & KV_SESSION_BLOCKED) return;
        cs->ns += ns;
        slowlog_note(e, cmd, ctx, ns);
        latency_note(e, cmd, index, ctx, ns);
        cs->calls++;
        if (kv_cmdstats_error(&e->stats.cs, ctx->out->buf + before, ctx->out->len - before))
            cs->failed_calls++;
    }
    e->scratch_used = 0;
    e->stats.total_commands_processed++;
    pubsub_flush(e);
}

/* A command refused before it ran: its error counts, and a rejection if known. */
static void rejected(struct kv_engine *e, const struct kv_cmd *cmd, const struct kv_reply *out,
                     uint32_t from) {
    KV_ASSERT(from <= out->len);
    if (!kv_cmdstats_error(&e->stats.cs, out->buf + from, out->len - from)) return;
    if (cmd != NULL) e->stats.cs.cmd[kv_engine_cmd_index(e, cmd)].rejected_calls++;
}

/* The OOM pre-check's room making; with the latency monitor on, a pass that evicted
 * keys is LATENCY's "eviction-cycle" (Redis's performEvictions). */
static bool make_room(struct kv_engine *e, uint64_t need, uint64_t largest, int64_t now_s) {
    int64_t threshold = e->config->latency_monitor_threshold;
    if (threshold == 0) return kv_ks_make_room(e->ks, need, largest);
    uint64_t evicted = e->ks->stats.evicted_keys, t0 = kv_clock_monotonic_ns(e->clock);
    bool ok = kv_ks_make_room(e->ks, need, largest);
    uint64_t ms = (kv_clock_monotonic_ns(e->clock) - t0) / 1000000;
    if (e->ks->stats.evicted_keys != evicted)
        kv_latency_note(&e->latency, KV_LAT_EVICTION_CYCLE, ms, (uint64_t)threshold, now_s);
    KV_ASSERT(e->ks->stats.evicted_keys >= evicted);
    return ok;
}

static bool oom_refused(struct kv_engine *e, const struct kv_cmd *cmd, struct kv_cmd_ctx *c) {
    if (!(cmd->flags & KV_CMD_DENYOOM)) return false;
    uint64_t need, largest;
    if (cmd->room != NULL) {
        cmd->room(c, &need, &largest);
    } else {
        oom_need(c->argc, c->argv, &need, &largest);
    }
    if (make_room(e, need, largest, c->now_ms / 1000)) return false;
    kv_reply_error(c->out, KV_ERR_OOM);
    return true;
}

enum kv_exec kv_engine_execute(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                               const struct kv_slice *argv, struct kv_reply *out) {
    struct kv_prepared p;
    kv_engine_prepare(e, s, argc, argv, &p);
    return kv_engine_execute_prepared(e, s, argc, argv, &p, out);
}

/* CLIENT LIST's cmd=: the command and, for a container, its subcommand lowered. */
static void note_last_cmd(struct kv_session *s, const struct kv_cmd *cmd, uint32_t argc,
                          const struct kv_slice *argv) {
    s->last_cmd = cmd != NULL ? cmd->name : NULL;
    s->last_sub_len = 0;
    if (cmd == NULL || argc < 2 || argv[1].len >= KV_CLIENT_SUB_MAX) return;
    if (!(cmd->flags & KV_CMD_CONTAINER)) return; /* Redis's containers (the rows' flag) */
    for (uint32_t i = 0; i < argv[1].len; i++) {
        uint8_t ch = argv[1].ptr[i];
        if (ch <= ' ' || ch > '~') return;
        s->last_sub[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    s->last_sub_len = (uint8_t)argv[1].len;
    KV_ASSERT(s->last_sub_len < KV_CLIENT_SUB_MAX);
}

/* RESP2 subscribed mode (Redis's processCommand): only these commands run. */
static bool subscribed_refused(const struct kv_session *s, const struct kv_cmd *cmd) {
    if (!kv_session_subscribed(s) || s->proto != 2) return false;
    static const char *const allowed[] = {"subscribe", "unsubscribe", "psubscribe",
                                          "punsubscribe", "ssubscribe", "sunsubscribe",
                                          "ping", "quit", "reset"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(allowed); i++)
        if (strcmp(cmd->name, allowed[i]) == 0) return false;
    return true;
}

/* Its name as Redis's fullname: a container's with its subcommand (note_last_cmd). */
static void reply_subscribed(const struct kv_session *s, struct kv_reply *out,
                             const struct kv_cmd *cmd) {
    KV_ASSERT(s->last_cmd == cmd->name);
    KV_ASSERT(s->last_sub_len < KV_CLIENT_SUB_MAX);
    kv_reply_errorf(out, "ERR Can't execute '%s%s%.*s': only (P|S)SUBSCRIBE / "
                    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                    cmd->name, s->last_sub_len > 0 ? "|" : "", (int)s->last_sub_len,
                    s->last_sub);
}

/* CLIENT REPLY: after each command (Redis's resetClient), SKIP ends and SKIP_NEXT
 * becomes SKIP. True if this command's reply is dropped. */
static bool reply_dropped(struct kv_session *s) {
    bool drop = s->reply_mode == KV_REPLY_OFF || s->reply_mode == KV_REPLY_SKIP;
    if (s->reply_mode == KV_REPLY_SKIP) s->reply_mode = KV_REPLY_ON;
    else if (s->reply_mode == KV_REPLY_SKIP_NEXT) s->reply_mode = KV_REPLY_SKIP;
    KV_ASSERT(s->reply_mode <= KV_REPLY_SKIP);
    return drop;
}

static enum kv_exec execute_prepared(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                                     const struct kv_slice *argv,
                                     const struct kv_prepared *p, struct kv_reply *out);

enum kv_exec kv_engine_execute_prepared(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                                        const struct kv_slice *argv,
                                        const struct kv_prepared *p, struct kv_reply *out) {
    KV_ASSERT(argc >= 1 && out != NULL && p != NULL);
    uint32_t from = out->len;
    note_last_cmd(s, p->cmd, argc, argv); /* Redis sets it at lookup, before the call */
    enum kv_exec x = execute_prepared(e, s, argc, argv, p, out);
    KV_ASSERT(from <= out->len);
    /* EXEC's replay: decided at exec_end, after the queued commands; a blocked
     * command's, by the run that replies */
    bool blocked = (s->flags & KV_SESSION_BLOCKED) != 0;
    if (x != KV_EXEC_RUN_QUEUED && !blocked && reply_dropped(s)) out->len = from;
    return x;
}

static enum kv_exec execute_prepared(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                                     const struct kv_slice *argv,
                                     const struct kv_prepared *p, struct kv_reply *out) {
    KV_ASSERT(argc >= 1 && out != NULL && p != NULL);
    struct kv_cmd_ctx ctx;
    ctx_init(e, s, &ctx, argc, argv, out);
    uint32_t from = out->len;
    enum kv_exec result = KV_EXEC_DONE;
    const struct kv_cmd *cmd = p->cmd;
    /* prepare's lookup was the last one (it leaves its command in the memo) */
    KV_ASSERT((cmd == NULL || cmd == e->memo_cmd) && "prepared for another frame");
    bool in_multi = (s->flags & KV_SESSION_MULTI) != 0;
    if (cmd == NULL && is_cross_protocol(argv[0])) {
        security_warning(e, s, out, from);
    } else if (cmd == NULL || !arity_ok(cmd, argc)) {
        if (in_multi) s->flags |= KV_SESSION_MULTI_ERROR;
        if (cmd == NULL) reply_unknown(out, argc, argv);
        else reply_arity(e, s, out, cmd);
    } else if (auth_refused(e, s, cmd)) {
        reply_noauth(e, s, out, cmd);
    } else if (subscribed_refused(s, cmd)) {
        reply_subscribed(s, out, cmd);
    } else if (in_multi && !runs_in_multi(cmd)) {
        if (s->multi_count >= e->config->multi_max_commands) {
            kv_reply_errorf(out, "ERR MULTI queue is full (multi-max-commands %u)",
                            e->config->multi_max_commands);
            s->flags |= KV_SESSION_MULTI_ERROR;
        } else if (!oom_refused(e, cmd, &ctx)) {
            s->multi_count++;
            kv_reply_simple(out, "QUEUED");
            result = KV_EXEC_QUEUE;
        } else {
            s->flags |= KV_SESSION_MULTI_ERROR;
        }
    } else if (is_exec(e, cmd) && kv_engine_is_exec(e, s, argc, argv)) {
        return KV_EXEC_RUN_QUEUED; /* the server replays; observed in exec_end */
    } else if (s->block_wake != KV_BLOCK_WAKE_NONE || !oom_refused(e, cmd, &ctx)) {
        /* a woken blocked command is served without the -OOM check (as Redis) */
        run_cmd(e, cmd, &ctx, 0, p->run_bound);
        observe(e, &ctx, from);
        return result;
    }
    rejected(e, cmd, out, from); /* every path above but run_cmd's */
    observe(e, &ctx, from);
    return result;
}


void kv_engine_exec_begin(struct kv_engine *e, struct kv_session *s, struct kv_reply *out) {
    KV_ASSERT(s->flags & KV_SESSION_MULTI);
    KV_ASSERT(!(s->flags & (KV_SESSION_MULTI_ERROR | KV_SESSION_DIRTY_CAS)));
    e->exec_from = out->len;
    e->exec_out = out;
    e->exec_left = s->multi_count;
    kv_reply_array(out, s->multi_count);
    s->flags &= ~(uint32_t)KV_SESSION_MULTI; /* queued commands run as plain ones */
    if (e->observer != NULL && e->observer->on_exec_begin != NULL)
        e->observer->on_exec_begin(e->observer->ctx, s, engine_time(e));
}

void kv_engine_exec_one(struct kv_engine *e, struct kv_session *s, uint32_t argc,
                        const struct kv_slice *argv, struct kv_reply *out) {
    const struct kv_cmd *cmd = lookup(e, argv[0]);
    KV_ASSERT(cmd != NULL && arity_ok(cmd, argc) && !runs_in_multi(cmd));
    KV_ASSERT(out == e->exec_out && e->exec_left > 0);
    e->exec_left--;
    struct kv_cmd_ctx ctx;
    ctx_init(e, s, &ctx, argc, argv, out);
    uint32_t from = out->len;
    run_cmd(e, cmd, &ctx, (uint64_t)e->exec_left * KV_EXEC_ERROR_ROOM, KV_BOUND_NONE);
    observe(e, &ctx, from);
}

void kv_engine_exec_end(struct kv_engine *e, struct kv_session *s) {
    KV_ASSERT(e->exec_out != NULL && e->exec_left == 0);
    s->multi_count = 0;
    s->flags &= ~(uint32_t)(KV_SESSION_MULTI | KV_SESSION_MULTI_ERROR);
    kv_engine_unwatch(e, s);
    static const struct kv_slice exec_argv[1] = {{(const uint8_t *)"EXEC", 4}};
    struct kv_cmd_ctx ctx;
    ctx_init(e, s, &ctx, 1, exec_argv, e->exec_out);
    e->stats.total_commands_processed++;
    e->stats.cs.cmd[kv_engine_cmd_index(e, e->cmd_exec)].calls++;
    observe(e, &ctx, e->exec_from);
    KV_ASSERT(e->exec_from <= e->exec_out->len);
    if (reply_dropped(s)) e->exec_out->len = e->exec_from;
    e->exec_out = NULL;
}

/* The instantaneous rates and the memory peak, sampled at each tick. */
static void sample(struct kv_engine *e) {
    uint64_t now = kv_clock_monotonic_ns(e->clock);
    struct kv_cmdstats *cs = &e->stats.cs;
    kv_cmdstats_sample(cs, KV_INST_COMMANDS, e->stats.total_commands_processed, now);
    kv_cmdstats_sample(cs, KV_INST_NET_INPUT, e->net->total_net_input_bytes, now);
    kv_cmdstats_sample(cs, KV_INST_NET_OUTPUT, e->net->total_net_output_bytes, now);
    e->stats.used_memory_peak = KV_MAX(e->stats.used_memory_peak, kv_ks_used_memory(e->ks));
}

void kv_engine_tick(struct kv_engine *e) {
    sample(e);
    kv_ks_set_time(e->ks, engine_time(e));
    /*
     * The sweep covers the whole index once a second (capacity / hz slots a tick),
     * so an expired key that nobody reads is gone within about a second. A slot
     * without the TTL flag costs one sequential 8-byte read; only keys with a TTL
     * have their item read.
     */
    struct kv_ks_memory m;
    kv_ks_memory(e->ks, &m);
    uint32_t budget = m.slots_in_use / e->config->hz + 1; /* the index once a second */
    uint64_t t0 = kv_clock_monotonic_ns(e->clock);
    kv_ks_expire_cycle(e->ks, budget);
    uint64_t ms = (kv_clock_monotonic_ns(e->clock) - t0) / 1000000;
    kv_latency_note(&e->latency, KV_LAT_EXPIRE_CYCLE, ms,
                    (uint64_t)e->config->latency_monitor_threshold, engine_time(e) / 1000);
    if (e->block.sessions_len > 0) kv_block_expire(&e->block, engine_time(e));
}

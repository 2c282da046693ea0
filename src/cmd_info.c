/*
 * cmd_info.c: INFO [section ...], with Redis 7's sections, field names and order.
 *
 * Every field Redis 7.0 prints is printed. Fields kv can know carry real values:
 * counters from the three layers (stats.h), memory from the keyspace, rss, cpu and
 * the pid from the process host (engine.h kv_engine_host: the daemon reads them
 * from the OS; in the simulator they are zero). Fields for features kv does not
 * have (persistence, replication, modules, cluster, defrag, tracking) carry the
 * values Redis shows when the feature is off, so monitoring tools parse them. The
 * fields kv adds of its own (kv_version, blocked_on_buffers, data_region_* ...) sit
 * at the end of their section.
 *
 * Sections: no argument or "default" gives Redis's default set; "all" adds
 * commandstats and latencystats; "everything" is "all" (kv has no modules).
 * latencystats: a line per command that ran since the last RESETSTAT while
 * latency-tracking was on, its percentiles (latency-tracking-info-percentiles) from
 * the command's histogram (include/kv/cmdstats.h), in microseconds with three
 * decimals, as Redis prints them; per command row, so a container is one line
 * ("config" where Redis has "config|get" and "config|set"). Section
 * names compare case-insensitively; unknown ones add nothing.
 *
 * Memory: the text is built in the command scratch, its size bounded by
 * info_bound() from the command count and the error-code table size. Never
 * allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"

#define KV_VERSION "0.1.0"
#define INFO_PATH_MAX 1024u     /* executable and config_file are cut to this many bytes */
#define INFO_FIXED_BYTES (8192u + 2 * INFO_PATH_MAX) /* all but cmdstat_/errorstat_ lines */
#define INFO_CMD_LINE 224u      /* one cmdstat_ line: a 32-byte name, five 20-digit numbers */
#define INFO_ERR_LINE (KV_ERRCODE_MAX + 48u)
/* One latency_percentiles_usec_ line: its name (32 bytes) and fixed text, then per
 * percentile "p" 9 bytes "=" 11 bytes "," (%f trimmed; %.3f of at most 1002438.655). */
#define INFO_LAT_LINE 64u
#define INFO_LAT_PCT 24u

typedef unsigned long long ull;

struct info_buf {
    char *p;
    uint32_t len;
    uint32_t cap;
};

__attribute__((format(printf, 2, 3))) static void info_add(struct info_buf *b, const char *fmt,
                                                           ...) {
    KV_ASSERT(b->len < b->cap);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    KV_ASSERT(n >= 0 && (uint32_t)n < b->cap - b->len);
    b->len += (uint32_t)n;
}

/* Redis's bytesToHuman: B, K, M, G, T with two decimals. */
static const char *human(char *out, uint32_t cap, uint64_t n) {
    static const char units[] = "KMGTP";
    double v = (double)n;
    if (n < 1024) {
        snprintf(out, cap, "%lluB", (ull)n);
        return out;
    }
    uint32_t u = 0;
    v /= 1024.0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, cap, "%.2f%c", v, units[u]);
    return out;
}

enum info_want { WANT_DEFAULT = 1, WANT_ALL = 2, WANT_EXPLICIT = 4 };

/* Whether `section` is asked for: named, or in the set a keyword names. */
static bool want(const struct kv_cmd_ctx *c, const char *section, bool in_default) {
    if (c->argc < 2) return in_default;
    for (uint32_t i = 1; i < c->argc; i++) {
        if (kv_cmd_opt(c, i, section) || kv_cmd_opt(c, i, "all") || kv_cmd_opt(c, i, "everything"))
            return true;
        if (in_default && kv_cmd_opt(c, i, "default")) return true;
    }
    return false;
}

static void info_server(struct kv_cmd_ctx *c, struct info_buf *b,
                        const struct kv_process_info *pi) {
    const struct kv_net_stats *st = c->engine->net;
    ull up_s = (kv_clock_monotonic_ns(c->engine->clock) - st->start_monotonic_ns) /
               1000000000ull;
    info_add(b, "# Server\r\nredis_version:" KV_REDIS_VERSION "\r\nredis_git_sha1:00000000\r\n"
                "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\n"
                "os:Linux\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\n"
                "multiplexing_api:io_uring\r\natomicvar_api:c11-builtin\r\n"
                "gcc_version:%d.%d.%d\r\nprocess_id:%llu\r\nprocess_supervised:no\r\n"
                "run_id:%s\r\ntcp_port:%u\r\nserver_time_usec:%llu\r\n"
                "uptime_in_seconds:%llu\r\nuptime_in_days:%llu\r\nhz:%u\r\n"
                "configured_hz:%u\r\nlru_clock:%u\r\nexecutable:%.*s\r\nconfig_file:%.*s\r\n"
                "io_threads_active:0\r\nkv_version:" KV_VERSION "\r\n\r\n",
             __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__, (ull)pi->pid,
             c->engine->run_id, st->tcp_port, (ull)c->now_ms * 1000ull, up_s, up_s / 86400,
             c->engine->config->hz, c->engine->config->hz, c->ks->lru_clock,
             (int)INFO_PATH_MAX, pi->executable, (int)INFO_PATH_MAX, pi->config_file);
}

/* Redis's clients_in_timeout_table: blocked clients with a deadline. */
static uint32_t blocked_with_timeout(const struct kv_block *bl) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < bl->sessions_len; i++) n += bl->sessions[i]->block_deadline_ms != 0;
    return n;
}

static void info_clients(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_net_stats *st = c->engine->net;
    info_add(b, "# Clients\r\nconnected_clients:%llu\r\ncluster_connections:0\r\n"
                "maxclients:%u\r\nclient_recent_max_input_buffer:0\r\n"
                "client_recent_max_output_buffer:0\r\nblocked_clients:%u\r\n"
                "tracking_clients:0\r\nclients_in_timeout_table:%u\r\n"
                "blocked_on_buffers:%llu\r\nlarge_buffer_stall_disconnections:%llu\r\n\r\n",
             (ull)st->connected_clients, c->engine->config->maxclients,
             c->engine->block.sessions_len, blocked_with_timeout(&c->engine->block),
             (ull)st->blocked_on_buffers, (ull)st->large_buffer_stall_disconnections);
}

static double ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : (double)a / (double)b; }

static void info_memory(struct kv_cmd_ctx *c, struct info_buf *b,
                        const struct kv_process_info *pi) {
    const struct kv_keyspace *ks = c->ks;
    uint64_t used = kv_ks_used_memory(ks), data = kv_ks_payload_bytes(ks);
    uint64_t index = kv_ks_index_bytes(ks), rss = pi->rss_bytes;
    uint64_t peak = KV_MAX(kv_engine_stats(c->engine)->used_memory_peak, used);
    uint64_t maxmem = c->engine->config->maxmemory;
    struct kv_ks_memory m;
    kv_ks_memory(ks, &m);
    char h[6][24];
    info_add(b, "# Memory\r\nused_memory:%llu\r\nused_memory_human:%s\r\n"
                "used_memory_rss:%llu\r\nused_memory_rss_human:%s\r\nused_memory_peak:%llu\r\n"
                "used_memory_peak_human:%s\r\nused_memory_peak_perc:%.2f%%\r\n"
                "used_memory_overhead:%llu\r\nused_memory_startup:%llu\r\n"
                "used_memory_dataset:%llu\r\nused_memory_dataset_perc:%.2f%%\r\n"
                "allocator_allocated:%llu\r\nallocator_active:%llu\r\n"
                "allocator_resident:%llu\r\ntotal_system_memory:%llu\r\n"
                "total_system_memory_human:%s\r\n",
             (ull)used, human(h[0], 24, used), (ull)rss, human(h[1], 24, rss), (ull)peak,
             human(h[2], 24, peak), ratio(used, peak) * 100.0, (ull)(used - data), (ull)index,
             (ull)data, used > index ? ratio(data, used - index) * 100.0 : 0.0,
             (ull)m.region_used_bytes, (ull)m.region_used_bytes, (ull)rss,
             (ull)pi->total_system_memory, human(h[3], 24, pi->total_system_memory));
    info_add(b, "used_memory_lua:0\r\nused_memory_vm_eval:0\r\nused_memory_lua_human:0B\r\n"
                "used_memory_scripts_eval:0\r\nnumber_of_cached_scripts:0\r\n"
                "number_of_functions:0\r\nnumber_of_libraries:0\r\nused_memory_vm_functions:0\r\n"
                "used_memory_vm_total:0\r\nused_memory_vm_total_human:0B\r\n"
                "used_memory_functions:0\r\nused_memory_scripts:0\r\n"
                "used_memory_scripts_human:0B\r\nmaxmemory:%llu\r\nmaxmemory_human:%s\r\n"
                "maxmemory_policy:%s\r\nallocator_frag_ratio:1.00\r\nallocator_frag_bytes:0\r\n"
                "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%lld\r\n"
                "rss_overhead_ratio:1.00\r\nrss_overhead_bytes:0\r\n"
                "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%lld\r\n",
             (ull)maxmem, human(h[4], 24, maxmem),
             kv_evict_policy_name(c->engine->config->maxmemory_policy),
             ratio(rss, m.region_used_bytes), (long long)rss - (long long)m.region_used_bytes,
             ratio(rss, used), (long long)rss - (long long)used);
    info_add(b, "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
                "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n"
                "mem_clients_normal:0\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\n"
                "mem_allocator:kv-static\r\nactive_defrag_running:0\r\n"
                "lazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n"
                "used_memory_dataset_bytes:%llu\r\nused_memory_index:%llu\r\n"
                "data_region_bytes:%llu\r\ndata_region_used_bytes:%llu\r\n"
                "data_utilization:%.4f\r\nindex_slots:%u\r\nindex_slots_in_use:%u\r\n"
                "index_max_keys:%u\r\n\r\n",
             (ull)data, (ull)index, (ull)m.region_bytes, (ull)m.region_used_bytes,
             ratio(data, m.region_bytes), m.slots_reserved, m.slots_in_use, m.max_keys);
}

/* kv keeps nothing on disk: the values Redis shows with persistence off. */
static void info_persistence(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_net_stats *st = c->engine->net;
    uint64_t up_ms = (kv_clock_monotonic_ns(c->engine->clock) - st->start_monotonic_ns) / 1000000;
    info_add(b, "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
                "current_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n"
                "current_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n"
                "rdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\n"
                "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:ok\r\n"
                "rdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\n"
                "rdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\n"
                "rdb_last_load_keys_loaded:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n"
                "aof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\n"
                "aof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\n"
                "aof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\n"
                "aof_last_write_status:ok\r\naof_last_cow_size:0\r\n"
                "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n\r\n",
             (long long)((c->now_ms - (int64_t)up_ms) / 1000));
}

static void info_stats(struct kv_cmd_ctx *c, struct info_buf *b) {
    struct kv_net_stats net;
    struct kv_ks_stats kss;
    uint64_t commands;
    kv_engine_info_counters(c->engine, &net, &kss, &commands);
    const struct kv_net_stats *st = &net;
    const struct kv_ks_stats *ks = &kss;
    const struct kv_cmdstats *cs = &kv_engine_stats(c->engine)->cs;
    info_add(b, "# Stats\r\ntotal_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
                "instantaneous_ops_per_sec:%llu\r\ntotal_net_input_bytes:%llu\r\n"
                "total_net_output_bytes:%llu\r\ntotal_net_repl_input_bytes:0\r\n"
                "total_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:%.2f\r\n"
                "instantaneous_output_kbps:%.2f\r\ninstantaneous_input_repl_kbps:0.00\r\n"
                "instantaneous_output_repl_kbps:0.00\r\nrejected_connections:%llu\r\n"
                "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n"
                "expired_keys:%llu\r\nexpired_stale_perc:0.00\r\n"
                "expired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\n"
                "evicted_keys:%llu\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\n"
                "current_eviction_exceeded_time:0\r\nkeyspace_hits:%llu\r\n"
                "keyspace_misses:%llu\r\n",
             (ull)st->total_connections_received, (ull)commands,
             (ull)kv_cmdstats_rate(cs, KV_INST_COMMANDS), (ull)st->total_net_input_bytes,
             (ull)st->total_net_output_bytes,
             (double)kv_cmdstats_rate(cs, KV_INST_NET_INPUT) / 1024.0,
             (double)kv_cmdstats_rate(cs, KV_INST_NET_OUTPUT) / 1024.0,
             (ull)st->rejected_connections, (ull)ks->expired_keys, (ull)ks->evicted_keys,
             (ull)ks->keyspace_hits, (ull)ks->keyspace_misses);
    info_add(b, "pubsub_channels:%u\r\npubsub_patterns:%u\r\npubsubshard_channels:0\r\n"
                "latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\n"
                "slave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\n"
                "active_defrag_misses:0\r\nactive_defrag_key_hits:0\r\n"
                "active_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n"
                "current_active_defrag_time:0\r\ntracking_total_keys:0\r\n"
                "tracking_total_items:0\r\ntracking_total_prefixes:0\r\n"
                "unexpected_error_replies:0\r\ntotal_error_replies:%llu\r\n"
                "dump_payload_sanitizations:0\r\ntotal_reads_processed:%llu\r\n"
                "total_writes_processed:%llu\r\nio_threaded_reads_processed:0\r\n"
                "io_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\n"
                "reply_buffer_expands:0\r\nevict_joins:%llu\r\nevict_moved_bytes:%llu\r\n"
                "stale_completions:%llu\r\nrecv_multishot_armed:%llu\r\n"
                "pubsub_backlog_bytes:%llu\r\n"
                "client_output_buffer_limit_disconnections:%llu\r\n\r\n",
             c->engine->pubsub.channels, c->engine->pubsub.patterns,
             (ull)cs->total_error_replies, (ull)st->total_reads_processed,
             (ull)st->total_writes_processed, (ull)ks->evict_joins, (ull)ks->evict_moved_bytes,
             (ull)st->stale_completions, (ull)st->recv_multishot_armed,
             (ull)st->pubsub_backlog_bytes,
             (ull)st->client_output_buffer_limit_disconnections);
}

static void info_replication(struct kv_cmd_ctx *c, struct info_buf *b) {
    info_add(b, "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                "master_failover_state:no-failover\r\nmaster_replid:%s\r\n"
                "master_replid2:0000000000000000000000000000000000000000\r\n"
                "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
                "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
                "repl_backlog_histlen:0\r\n\r\n",
             c->engine->replid);
}

static void info_cpu(struct info_buf *b, const struct kv_process_info *pi) {
    info_add(b, "# CPU\r\nused_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\n"
                "used_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n"
                "used_cpu_sys_main_thread:%.6f\r\nused_cpu_user_main_thread:%.6f\r\n\r\n",
             pi->cpu_sys_s, pi->cpu_user_s, pi->cpu_sys_s, pi->cpu_user_s);
}

/* Commands in table order (Redis prints its dictionary's order), those used only. */
static void info_commandstats(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_cmdstats *cs = &kv_engine_stats(c->engine)->cs;
    info_add(b, "# Commandstats\r\n");
    for (uint32_t i = 0; i < c->engine->cmd_count; i++) {
        const struct kv_cmdstat *s = &cs->cmd[i];
        if (s->calls == 0 && s->rejected_calls == 0 && s->failed_calls == 0) continue;
        uint64_t usec = s->ns / 1000;
        info_add(b, "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                    "failed_calls=%llu\r\n",
                 kv_engine_cmd_at(c->engine, i)->name, (ull)s->calls, (ull)usec,
                 s->calls ? (double)usec / (double)s->calls : 0.0, (ull)s->rejected_calls,
                 (ull)s->failed_calls);
    }
    info_add(b, "\r\n");
}

static void info_errorstats(struct kv_cmd_ctx *c, struct info_buf *b) {
    uint32_t n;
    const struct kv_errstat *e = kv_cmdstats_errors(&kv_engine_stats(c->engine)->cs, &n);
    info_add(b, "# Errorstats\r\n");
    for (uint32_t i = 0; i < n; i++)
        info_add(b, "errorstat_%s:count=%llu\r\n", e[i].code, (ull)e[i].count);
    info_add(b, "\r\n");
}

static void info_keyspace(struct kv_cmd_ctx *c, struct info_buf *b) {
    info_add(b, "# Keyspace\r\n");
    ull keys = kv_ks_count(c->ks);
    if (keys > 0)
        info_add(b, "db0:keys=%llu,expires=%llu,avg_ttl=%llu\r\n", keys,
                 (ull)c->ks->volatile_count, (ull)kv_ks_avg_ttl_ms(c->ks));
    info_add(b, "\r\n");
}

static void info_latencystats(struct kv_cmd_ctx *c, struct info_buf *b) {
    const struct kv_config *cfg = c->engine->config;
    double pct[KV_PERCENTILES_MAX];
    int n = kv_config_percentiles(cfg->latency_tracking_info_percentiles, pct,
                                  KV_PERCENTILES_MAX);
    KV_ASSERT(n >= 0); /* CONFIG SET and startup accepted it */
    info_add(b, "# Latencystats\r\n");
    bool on = cfg->latency_tracking && c->engine->lathist != NULL; /* off: none (Redis) */
    for (uint32_t i = 0; on && i < c->engine->cmd_count; i++) {
        const struct kv_lathist *h = &c->engine->lathist[i];
        if (h->total == 0) continue;
        info_add(b, "latency_percentiles_usec_%s:", kv_engine_cmd_at(c->engine, i)->name);
        const char *word = cfg->latency_tracking_info_percentiles; /* kept as Redis prints */
        for (int j = 0; j < n; j++) {
            while (*word == ' ') word++;
            uint32_t len = (uint32_t)strcspn(word, " ");
            info_add(b, "p%.*s=%.3f%s", (int)len, word,
                     (double)kv_lathist_percentile(h, pct[j]) / 1000.0, j + 1 < n ? "," : "");
            word += len;
        }
        info_add(b, "\r\n");
    }
    info_add(b, "\r\n");
}

/* The text's bound; latencystats' part counts the commands with samples. */
static uint64_t info_bound(const struct kv_engine *e) {
    uint64_t lat = 0;
    for (uint32_t i = 0; e->lathist != NULL && i < e->cmd_count; i++)
        lat += e->lathist[i].total != 0 ? INFO_LAT_LINE + KV_PERCENTILES_MAX * INFO_LAT_PCT : 0;
    return INFO_FIXED_BYTES + (uint64_t)e->cmd_count * INFO_CMD_LINE +
           (uint64_t)KV_ERRSTATS_MAX * INFO_ERR_LINE + lat;
}

static uint64_t bound_info(struct kv_cmd_ctx *c) { return info_bound(c->engine) + 64; }

uint64_t kv_info_text_max(void) {
    uint64_t n = kv_engine_cmd_total();
    KV_ASSERT(n > 0);
    uint64_t per_cmd = INFO_CMD_LINE + INFO_LAT_LINE + KV_PERCENTILES_MAX * INFO_LAT_PCT;
    return INFO_FIXED_BYTES + n * per_cmd + (uint64_t)KV_ERRSTATS_MAX * INFO_ERR_LINE;
}

static void cmd_info(struct kv_cmd_ctx *c) {
    uint32_t cap = (uint32_t)info_bound(c->engine);
    /* the scratch holds the longest INFO (kv_info_text_max: every command with
     * latencystats at 16 percentiles): server.c sizes it so */
    KV_ASSERT(cap <= kv_info_text_max() && cap <= kv_scratch_cap(c));
    struct info_buf b = {kv_scratch_alloc(c, cap), 0, cap};
    struct kv_process_info pi;
    kv_engine_process_info(c->engine, &pi);
    if (want(c, "server", true)) info_server(c, &b, &pi);
    if (want(c, "clients", true)) info_clients(c, &b);
    if (want(c, "memory", true)) info_memory(c, &b, &pi);
    if (want(c, "persistence", true)) info_persistence(c, &b);
    if (want(c, "stats", true)) info_stats(c, &b);
    if (want(c, "replication", true)) info_replication(c, &b);
    if (want(c, "cpu", true)) info_cpu(&b, &pi);
    if (want(c, "modules", true)) info_add(&b, "# Modules\r\n\r\n");
    if (want(c, "commandstats", false)) info_commandstats(c, &b);
    if (want(c, "errorstats", true)) info_errorstats(c, &b);
    if (want(c, "latencystats", false)) info_latencystats(c, &b);
    if (want(c, "cluster", true)) info_add(&b, "# Cluster\r\ncluster_enabled:0\r\n\r\n");
    if (want(c, "keyspace", true)) info_keyspace(c, &b);
    if (b.len >= 2) b.len -= 2; /* no blank line after the last section */
    kv_reply_verbatim(c->out, b.p, b.len); /* RESP3: =len txt:..., as Redis's INFO */
}

static const struct kv_cmd info_cmds[] = {
    {"info", -1, 0, cmd_info, bound_info, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_info = {info_cmds, KV_ARRAY_LEN(info_cmds)};

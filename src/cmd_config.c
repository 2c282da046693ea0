/*
 * cmd_config.c: CONFIG GET, SET, RESETSTAT, REWRITE and HELP, with Redis 7.0's
 * replies and errors byte for byte.
 *
 * GET takes several glob patterns, matched case-insensitively (as Redis 7), over
 * every option kv has (config.c's kv_config_get_name / kv_config_get_value: Redis's
 * names and formatting, bytes for sizes); each option is reported once, in table
 * order (Redis 7.0 answers in its dict's order: compare as pairs), under the first
 * argument naming it: a name without glob characters is answered as written
 * ("CONFIG GET HZ" gives "HZ"), as Redis does. The pairs go out
 * through config_pairs_header(): a map under RESP3, a flat array under RESP2.
 *
 * SET is atomic, as in Redis 7: every name is checked first (unknown, fixed at
 * startup, duplicate), then every value is applied to a copy of the live config on
 * the stack, the copy checked whole (kv_config_check), and only then committed
 * through kv_engine_reconfigure(), which hands the run-time options to the keyspace
 * (policy, samples, eviction bounds, the maxmemory limit); the server follows hz and
 * the hold window at its next tick, and reads timeout live. Options that size memory
 * mapped at startup are refused with the reason (Redis's error format).
 *
 * Owns no memory; never allocates. Messages that quote an argument cut it to 128
 * bytes (Redis quotes an unknown CONFIG SET name whole: kv's bound is fixed).
 */
#include <stdio.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/util.h"

#define NAME_MAX_LEN 64u      /* longer names are no option's */

/* The reply header of n name/value pairs: a flat array under RESP2 (Redis 7.0);
 * RESP3 would write a map of n here. */
static void config_pairs_header(struct kv_cmd_ctx *c, uint32_t n) {
    kv_reply_map(c->out, n); /* RESP2: an array of 2n */
}

/* Redis 7 matches CONFIG GET patterns without case (a range's ends are ordered
 * before they are lowered: kv_glob_match_nocase). */
static bool pattern_match(struct kv_slice pat, const char *name) {
    KV_ASSERT(name != NULL);
    return kv_glob_match_nocase(pat.ptr, pat.len, (const uint8_t *)name, (uint32_t)strlen(name));
}

static bool has_glob(struct kv_slice pat) {
    for (uint32_t i = 0; i < pat.len; i++) {
        if (pat.ptr[i] == '*' || pat.ptr[i] == '?' || pat.ptr[i] == '[') return true;
    }
    return false;
}

/* The first argument naming option `name` (0: none). Redis looks an argument without
 * glob characters up by name, case-insensitively, and answers it as written. */
static uint32_t first_match(const struct kv_cmd_ctx *c, const char *name) {
    for (uint32_t a = 2; a < c->argc; a++) {
        bool exact = !has_glob(c->argv[a]);
        if (exact ? kv_slice_eq_nocase(c->argv[a], name) : pattern_match(c->argv[a], name))
            return a;
    }
    return 0;
}

/* Walks the matching options: counts them, adds their reply bytes, and writes them
 * when `emit`. Bounded by the option table. */
static uint32_t config_get_walk(struct kv_cmd_ctx *c, bool emit, uint64_t *bytes) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < 1024; i++) {
        const char *name = kv_config_get_name(i);
        if (name == NULL) break;
        uint32_t a = first_match(c, name);
        if (a == 0) continue;
        struct kv_slice shown = {(const uint8_t *)name, (uint32_t)strlen(name)};
        if (!has_glob(c->argv[a])) shown = c->argv[a];
        char value[KV_CONFIG_VALUE_MAX];
        uint32_t vlen = kv_config_get_value(c->engine->config, i, value, sizeof(value));
        n++;
        *bytes += kv_reply_bulk_size(shown.len) + kv_reply_bulk_size(vlen);
        if (!emit) continue;
        kv_reply_bulk(c->out, shown.ptr, shown.len);
        kv_reply_bulk(c->out, value, vlen);
    }
    KV_ASSERT(kv_config_get_name(1023) == NULL);
    return n;
}

static void config_get(struct kv_cmd_ctx *c) {
    uint64_t bytes = 0;
    uint32_t n = config_get_walk(c, false, &bytes);
    config_pairs_header(c, n);
    uint64_t again = 0;
    KV_ASSERT(config_get_walk(c, true, &again) == n && again == bytes);
}

/* A slice as a C string in buf (cut at cap - 1 bytes; false if it was cut). */
static bool cstr(struct kv_slice s, char *buf, uint32_t cap) {
    uint32_t n = KV_MIN(s.len, cap - 1);
    memcpy(buf, s.ptr, n);
    buf[n] = 0;
    return n == s.len && memchr(buf, 0, n) == NULL;
}

static void set_failed(struct kv_cmd_ctx *c, const char *name, const char *why) {
    kv_reply_errorf(c->out, "ERR CONFIG SET failed (possibly related to argument '%.128s') - "
                    "%.160s", name, why);
}

/* First pass: every name known, settable at run time, and given once. */
static bool config_set_names(struct kv_cmd_ctx *c) {
    uint32_t pairs = (c->argc - 2) / 2;
    for (uint32_t i = 0; i < pairs; i++) {
        char name[NAME_MAX_LEN], err[192];
        struct kv_slice arg = c->argv[2 + 2 * i];
        int rc = cstr(arg, name, sizeof(name))
                     ? kv_config_runtime_name(name, err, sizeof(err)) : -2;
        if (rc == -2) {
            kv_reply_errorf(c->out, "ERR Unknown option or number of arguments for CONFIG SET "
                            "- '%.*s'", (int)KV_MIN(arg.len, 128u), (const char *)arg.ptr);
            return false;
        }
        if (rc == -1) { /* fixed at startup, whatever the value */
            set_failed(c, name, err);
            return false;
        }
        for (uint32_t j = 0; j < i; j++) {
            char prev[NAME_MAX_LEN];
            (void)cstr(c->argv[2 + 2 * j], prev, sizeof(prev));
            if (!kv_config_same_option(prev, name)) continue;
            set_failed(c, name, "duplicate parameter");
            return false;
        }
    }
    return true;
}

/* Second pass: every value into a copy, the copy checked whole; then committed. */
static void config_set(struct kv_cmd_ctx *c) {
    if (c->argc < 4) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'config|set' command");
        return;
    }
    if (c->argc % 2 != 0) { /* a name without its value: Redis 7.0's text */
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    uint64_t mapped = kv_ks_mapped_bytes(c->ks);
    if (!config_set_names(c)) return;
    struct kv_config next = *c->engine->config;
    char name[NAME_MAX_LEN], value[KV_CONFIG_VALUE_MAX], err[192];
    for (uint32_t i = 0; i < (c->argc - 2) / 2; i++) {
        (void)cstr(c->argv[2 + 2 * i], name, sizeof(name));
        int rc = -1;
        if (cstr(c->argv[3 + 2 * i], value, sizeof(value)))
            rc = kv_config_runtime_set(&next, name, value, mapped, err, sizeof(err));
        else
            snprintf(err, sizeof(err), "%s", "argument is too long or holds a NUL byte");
        KV_ASSERT(rc != -2); /* the names were checked */
        if (rc != 0) {
            set_failed(c, name, err);
            return;
        }
    }
    if (kv_config_check(&next, err, sizeof(err)) != 0) {
        char *colon = strstr(err, ": ");
        KV_ASSERT(colon != NULL); /* "option: why" */
        *colon = 0;
        set_failed(c, err, colon + 2);
        return;
    }
    kv_engine_reconfigure(c->engine, &next);
    kv_reply_ok(c->out);
}

static void config_help(struct kv_cmd_ctx *c) {
    static const char *lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };
    kv_reply_array(c->out, KV_ARRAY_LEN(lines));
    for (uint32_t i = 0; i < KV_ARRAY_LEN(lines); i++) kv_reply_simple(c->out, lines[i]);
}

static void config_rewrite(struct kv_cmd_ctx *c) {
    char err[256];
    if (c->engine->config_rewrite == NULL) {
        kv_reply_error(c->out, "ERR The server is running without a config file");
    } else if (c->engine->config_rewrite(c->engine->config, err, sizeof(err)) != 0) {
        kv_reply_error(c->out, err);
    } else {
        kv_reply_ok(c->out);
    }
}

/* The subcommand and its arity: Redis's "config|<sub>" error when it is wrong. */
static bool arity_ok(struct kv_cmd_ctx *c, const char *sub, bool at_least, uint32_t n) {
    if (at_least ? c->argc >= n : c->argc == n) return true;
    kv_reply_errorf(c->out, "ERR wrong number of arguments for 'config|%s' command", sub);
    return false;
}

static void cmd_config(struct kv_cmd_ctx *c) {
    if (kv_cmd_sub(c, 1, "get")) {
        if (arity_ok(c, "get", true, 3)) config_get(c);
    } else if (kv_cmd_sub(c, 1, "set")) {
        config_set(c);
    } else if (kv_cmd_sub(c, 1, "resetstat")) {
        if (!arity_ok(c, "resetstat", false, 2)) return;
        kv_engine_resetstat(c->engine);
        kv_reply_ok(c->out);
    } else if (kv_cmd_sub(c, 1, "rewrite")) {
        if (arity_ok(c, "rewrite", false, 2)) config_rewrite(c);
    } else if (kv_cmd_sub(c, 1, "help")) {
        if (arity_ok(c, "help", false, 2)) config_help(c);
    } else {
        kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try CONFIG HELP.",
                        (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    }
}

/* GET: its exact size (the walk without writing); HELP: its lines; the rest: an
 * error or +OK. */
static uint64_t bound_config(struct kv_cmd_ctx *c) {
    if (kv_cmd_sub(c, 1, "help")) return 1024;
    if (!kv_cmd_sub(c, 1, "get") || c->argc < 3) return KV_EXEC_ERROR_ROOM;
    uint64_t bytes = 0;
    (void)config_get_walk(c, false, &bytes);
    return KV_MAX(bytes + 16, (uint64_t)KV_EXEC_ERROR_ROOM); /* + the "*<n>\r\n" header */
}

static const struct kv_cmd config_cmds[] = {
    {"config", -2, KV_CMD_CONTAINER, cmd_config, bound_config, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_config = {config_cmds, KV_ARRAY_LEN(config_cmds)};

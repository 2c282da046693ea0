/*
 * sim_model_refuse.c: when the model accepts a refusal in place of a command's reply
 * (-OOM, or "reply of up to N bytes exceeds client-query-buffer-limit"). Test code:
 * heap and stdio allowed. Written from Redis's semantics and kv's documented limits
 * (README, `--maxmemory-eviction-*`), not from src/.
 *
 * -OOM. Lenient by default: any command that may grow memory (MF_DENYOOM) may be
 * refused, as the model does not know kv's item layout or allocator. Strict where
 * Redis's answer is certain and kv's own limits cannot excuse a refusal: under
 * allkeys-lru / allkeys-random, for a command whose only allocation is the string
 * item of its key argv[1] (the SET family, APPEND, SETRANGE, INCR family, GETEX and
 * the EXPIRE family), outside EXEC's replays, when
 *   1. maxmemory-eviction-keys is 0 or at least the model's entries (live keys and
 *      the expired ones kv may still hold): eviction may then delete every key, and
 *      an empty data region is one free block, so neither the move bound
 *      (maxmemory-eviction-move) nor list nodes (walls a move cannot pass) nor the
 *      index's capacity (maxkeys) can stop it;
 *   2. argv[1] is not a list (live or expired);
 *   3. twice U, plus 1 KiB, is at most the data region (maxmemory less the index),
 *      where U = 128 + klen + the key's current string length + a SETRANGE offset +
 *      the sum over arguments of (length + 16): more than kv's item (a 12-byte header,
 *      an 8-byte TTL, the key and value) and its pre-check's estimate (16 bytes an
 *      argument and 64) ask, and the doubling covers the allocator's size classes.
 * Then kv must evict and run the command, as Redis does (issue 18 item 7).
 *
 * Reply too large. KEYS and SCAN size their reply exactly before running: KEYS's
 * reply is "*<n>\r\n" and the matching live keys as bulks, which the model computes,
 * so N must equal it; a SCAN page depends on kv's hash order, so N must lie between
 * the smallest page (an empty one, cursor "0": 15 bytes) and every matching key with
 * a 10-digit cursor. Outside EXEC the refusal is right only when N exceeds the
 * limit L (the server reserved any bound up to L); inside EXEC the space left also
 * counts, which the model does not track, so there N is checked but not L. Other
 * read-only commands: N must cover the real reply. Writes: accepted.
 */
#include <string.h>

#include "sim_model_int.h"

static bool name_is(const struct mcmd *cmd, const char *name) {
    return strcmp(cmd->name, name) == 0;
}

static const char *const one_string[] = {
    "set",    "setnx",  "setex",  "psetex",   "getset",  "getex",    "append",    "setrange",
    "incr",   "decr",   "incrby", "decrby",   "expire",  "pexpire",  "expireat",  "pexpireat",
};

/* U (see the top), or 0 when the rule does not apply to this command. */
static uint64_t one_string_bytes(struct mctx *c, const struct mcmd *cmd) {
    bool listed = false;
    for (uint32_t i = 0; i < sizeof(one_string) / sizeof(one_string[0]); i++)
        listed = listed || name_is(cmd, one_string[i]);
    if (!listed || c->argc < 2) return 0;
    const struct mentry *e = m_find_raw(c->m, c->argv[1].ptr, c->argv[1].len);
    if (e != NULL && e->type != SIM_MODEL_STRING) return 0;
    uint64_t u = 128 + c->argv[1].len + (e != NULL ? e->str.len : 0);
    for (uint32_t i = 1; i < c->argc; i++) u += c->argv[i].len + 16;
    if (name_is(cmd, "setrange")) {
        int64_t off;
        if (c->argc != 4 || !m_str2ll(c->argv[2].ptr, c->argv[2].len, &off) || off < 0 ||
            (uint64_t)off > c->m->lim.data_bytes)
            return 0;
        u += (uint64_t)off;
    }
    return u;
}

bool m_oom_ok(struct mctx *c, const struct mcmd *cmd, bool in_exec) {
    if (!(cmd->flags & MF_DENYOOM)) return false;
    const struct sim_model_limits *lim = &c->m->lim;
    if (in_exec || !lim->evicts_any_key || lim->data_bytes == 0) return true;
    /* the entries before this command evicted some (seed 159409041 --hostile: 107
     * keys, eviction-keys 56 spent, 51 left) */
    uint64_t entries = c->m->count + c->m->evicted_now;
    if (lim->eviction_keys != 0 && lim->eviction_keys < entries) return true;
    uint64_t u = one_string_bytes(c, cmd);
    if (u == 0 || 2 * u + 1024 > lim->data_bytes) return true;
    m_why(c, "%s refused with -OOM under an allkeys policy, but ~%llu bytes fit a %llu-byte "
             "data region once eviction deletes keys (%llu entries, eviction-keys %llu)",
          cmd->name, (unsigned long long)u, (unsigned long long)lim->data_bytes,
          (unsigned long long)entries, (unsigned long long)lim->eviction_keys);
    return false;
}

static uint64_t digits(uint64_t n) {
    uint64_t d = 1;
    while (n >= 10) n /= 10, d++;
    return d;
}

/* "*<n>\r\n" */
static uint64_t array_bytes(uint64_t n) { return 3 + digits(n); }

static bool keys_too_large_ok(struct mctx *c, uint64_t bound, bool in_exec) {
    uint64_t n;
    uint64_t size = m_keys_bytes(c, c->argv[1], NULL, &n);
    size += array_bytes(n);
    if (bound != size) {
        m_why(c, "KEYS refused for a reply of %llu bytes; its reply is %llu bytes",
              (unsigned long long)bound, (unsigned long long)size);
        return false;
    }
    if (!in_exec && size <= c->m->lim.reply_max) {
        m_why(c, "KEYS refused, but its %llu-byte reply fits", (unsigned long long)size);
        return false;
    }
    return true;
}

static bool scan_too_large_ok(struct mctx *c, uint64_t bound, bool in_exec) {
    struct kv_slice pat = {(const uint8_t *)"*", 1};
    const struct kv_slice *type = NULL;
    struct sim_buf scratch = {0};
    struct sim_buf *keep = c->out;
    c->out = &scratch;
    bool ok = m_scan_args(c, &pat, &type);
    c->out = keep;
    sim_buf_free(&scratch);
    if (!ok) {
        m_why(c, "SCAN with an argument error refused as too large");
        return false;
    }
    uint64_t n;
    uint64_t bytes = m_keys_bytes(c, pat, type, &n);
    uint64_t lo = 4 + 7 + array_bytes(0), hi = 4 + (1 + 2 + 10 + 2 + 2) + array_bytes(n) + bytes;
    if (bound < lo || bound > hi) {
        m_why(c, "SCAN refused for a reply of %llu bytes; a page of its %llu matching keys "
                 "takes %llu..%llu", (unsigned long long)bound, (unsigned long long)n,
              (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    if (!in_exec && bound <= c->m->lim.reply_max) {
        m_why(c, "SCAN refused, but its %llu-byte reply fits", (unsigned long long)bound);
        return false;
    }
    return true;
}

bool m_too_large_ok(struct mctx *c, const struct mcmd *cmd, uint64_t bound, bool in_exec) {
    if (name_is(cmd, "keys")) return keys_too_large_ok(c, bound, in_exec);
    if (name_is(cmd, "scan")) return scan_too_large_ok(c, bound, in_exec);
    if (!(cmd->flags & MF_READONLY)) return true;
    /* The bound must cover the real reply: compute it (reads change nothing). */
    struct sim_buf real = {0};
    struct sim_buf *keep = c->out;
    c->out = &real;
    cmd->proc(c);
    c->out = keep;
    bool covered = real.len <= bound;
    sim_buf_free(&real);
    if (!covered) {
        m_why(c, "reply bound %llu below the real reply size", (unsigned long long)bound);
        return false;
    }
    return true;
}

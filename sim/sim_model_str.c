/*
 * sim_model_str.c: the reference model's server, string and generic key commands,
 * written from Redis 7.0's behaviour (argument checks in Redis's order, its exact
 * error strings). Test code: heap allowed. Owns nothing beyond the model's map.
 * Never consults src/: an independent second implementation.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"
#include "sim_resp.h"

#define ERR_EXPIRE "ERR invalid expire time in '%s' command"

static struct mentry *lookup(struct mctx *c, uint32_t i) {
    return m_lookup(c->m, c->argv[i], c->now);
}

static void set_string(struct mctx *c, struct kv_slice key, const uint8_t *p, uint32_t n,
                       bool keep_ttl) {
    struct mentry *e = m_lookup(c->m, key, c->now);
    int64_t ttl = e != NULL && keep_ttl ? e->expire_ms : -1;
    if (e == NULL) e = m_add(c->m, key, SIM_MODEL_STRING);
    m_clear_value(e);
    e->type = SIM_MODEL_STRING;
    e->expire_ms = ttl;
    e->str.p = malloc(n + 1);
    KV_ASSERT(e->str.p != NULL);
    if (n > 0) memcpy(e->str.p, p, n);
    e->str.len = n;
    KV_ASSERT(m_lookup(c->m, key, c->now) == e && e->type == SIM_MODEL_STRING);
}

static void reply_bulk_entry(struct mctx *c, const struct mentry *e) {
    sim_buf_bulk(c->out, e->str.p, e->str.len);
}

/* ---- server -------------------------------------------------------------- */

static void cmd_ping(struct mctx *c) {
    if (c->argc <= 2 && m_pubsub_ping(c)) return;
    if (c->argc > 2) sim_buf_error(c->out, "ERR wrong number of arguments for 'ping' command");
    else if (c->argc == 2) sim_buf_bulk(c->out, c->argv[1].ptr, c->argv[1].len);
    else sim_buf_simple(c->out, "PONG");
}

static void cmd_echo(struct mctx *c) { sim_buf_bulk(c->out, c->argv[1].ptr, c->argv[1].len); }
static void cmd_ok(struct mctx *c) { sim_buf_simple(c->out, "OK"); }

static void cmd_select(struct mctx *c) {
    int64_t db;
    if (!m_str2ll(c->argv[1].ptr, c->argv[1].len, &db))
        m_reply_not_int(c);
    else if (db < INT32_MIN || db > INT32_MAX)
        sim_buf_error(c->out, "ERR value is out of range, value must between -2147483648 and "
                              "2147483647");
    else if (db != 0) sim_buf_error(c->out, "ERR DB index is out of range");
    else sim_buf_simple(c->out, "OK");
}

static void cmd_flushall(struct mctx *c) {
    if (c->argc > 2 ||
        (c->argc == 2 && !m_opt_eq(c->argv[1], "async") && !m_opt_eq(c->argv[1], "sync"))) {
        m_reply_syntax(c);
        return;
    }
    m_watch_flush(c->m, c->now);
    m_flush(c->m);
    sim_buf_simple(c->out, "OK");
}

static void cmd_nothing(struct mctx *c) { (void)c; }

/* Reads ":<n>\r\n"; false if the reply is not an integer. */
static bool reply_int(const struct mctx *c, int64_t *v) {
    uint32_t n = c->reply_len;
    if (n < 4 || c->reply[0] != ':' || c->reply[n - 2] != '\r') return false;
    return m_str2ll(c->reply + 1, n - 3, v);
}

static bool loose_dbsize(struct mctx *c) {
    int64_t v = 0;
    uint64_t present = sim_model_present_count(c->m);
    uint64_t live = sim_model_live_count(c->m, c->now);
    if (!reply_int(c, &v) || v < (int64_t)live || v > (int64_t)present) {
        m_why(c, "DBSIZE outside [%llu, %llu]", (unsigned long long)live,
              (unsigned long long)present);
        return false;
    }
    return true;
}

/* INFO's text as Redis 7 lays it out: "# Section" and "field:value" lines, each
 * ending in \r\n, one empty line between sections, none after the last. */
static bool info_text_ok(const uint8_t *p, uint32_t n) {
    if (n == 0) return true; /* no section asked for exists */
    if (n < 4 || p[0] != '#' || p[n - 2] != '\r' || p[n - 1] != '\n') return false;
    bool blank_before = false;
    for (uint32_t at = 0; at < n;) {
        const uint8_t *eol = memchr(p + at, '\r', n - at);
        if (eol == NULL || (uint32_t)(eol - p) + 1 >= n || eol[1] != '\n') return false;
        uint32_t len = (uint32_t)(eol - (p + at));
        bool blank = len == 0, header = len > 0 && p[at] == '#';
        bool field = len > 0 && memchr(p + at, ':', len) != NULL;
        if ((blank && (blank_before || at + 2 == n)) || (!blank && !header && !field) ||
            (header && at > 0 && !blank_before))
            return false;
        blank_before = blank;
        at += len + 2;
    }
    return true;
}

static bool loose_info(struct mctx *c) {
    uint32_t len = 0;
    if (sim_resp_scan(c->reply, c->reply_len, &len) != SIM_RESP_OK || len != c->reply_len ||
        c->reply[0] != '$') {
        m_why(c, "INFO reply is not one bulk string");
        return false;
    }
    const uint8_t *body = memchr(c->reply, '\n', c->reply_len);
    KV_ASSERT(body != NULL && c->reply + c->reply_len - (body + 1) >= 2);
    if (!info_text_ok(body + 1, (uint32_t)(c->reply + c->reply_len - (body + 1)) - 2)) {
        m_why(c, "INFO text is not Redis's layout (sections, fields, one blank line between)");
        return false;
    }
    return true;
}

/* ---- strings ------------------------------------------------------------- */

static void cmd_get(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    if (e == NULL) sim_buf_null(c->out);
    else if (e->type != SIM_MODEL_STRING) m_reply_wrongtype(c);
    else reply_bulk_entry(c, e);
}

enum set_flag {
    SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8, SET_EX = 16, SET_PX = 32,
    SET_EXAT = 64, SET_PXAT = 128, SET_PERSIST = 256,
};
#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/*
 * SET's and GETEX's options (Redis's parseExtendedStringArgumentsOrReply), as a
 * table: which command takes each word, whether a value follows it, and which
 * options already given make it a syntax error (the relation is symmetric, and an
 * option may repeat: "EX 1 EX 2" keeps the last time). A time option without its
 * value is a syntax error too.
 */
struct set_opt {
    const char *word;
    uint32_t flag;
    bool for_set, for_getex, has_value;
    uint32_t clashes;
};

#define SET_TTL_WORDS (SET_KEEPTTL | SET_PERSIST)
static const struct set_opt set_opts[] = {
    {"nx", SET_NX, true, false, false, SET_XX},
    {"xx", SET_XX, true, false, false, SET_NX},
    {"get", SET_GET, true, false, false, 0},
    {"keepttl", SET_KEEPTTL, true, false, false, SET_ANY_EXPIRE | SET_PERSIST},
    {"persist", SET_PERSIST, false, true, false, SET_ANY_EXPIRE | SET_KEEPTTL},
    {"ex", SET_EX, true, true, true, (SET_ANY_EXPIRE & ~SET_EX) | SET_TTL_WORDS},
    {"px", SET_PX, true, true, true, (SET_ANY_EXPIRE & ~SET_PX) | SET_TTL_WORDS},
    {"exat", SET_EXAT, true, true, true, (SET_ANY_EXPIRE & ~SET_EXAT) | SET_TTL_WORDS},
    {"pxat", SET_PXAT, true, true, true, (SET_ANY_EXPIRE & ~SET_PXAT) | SET_TTL_WORDS},
};

static const struct set_opt *set_opt_find(struct kv_slice w, bool is_set) {
    for (uint32_t i = 0; i < KV_ARRAY_LEN(set_opts); i++) {
        const struct set_opt *o = &set_opts[i];
        if ((is_set ? o->for_set : o->for_getex) && m_opt_eq(w, o->word)) return o;
    }
    return NULL;
}

static bool parse_set_args(struct mctx *c, uint32_t from, bool is_set, uint32_t *flags,
                           uint32_t *expire_arg) {
    uint32_t j = from;
    while (j < c->argc) {
        const struct set_opt *o = set_opt_find(c->argv[j], is_set);
        bool value_missing = o != NULL && o->has_value && j + 1 == c->argc;
        if (o == NULL || (*flags & o->clashes) != 0 || value_missing) {
            m_reply_syntax(c);
            return false;
        }
        *flags |= o->flag;
        if (o->has_value) *expire_arg = j + 1;
        j += o->has_value ? 2 : 1;
    }
    return true;
}

/*
 * Redis's getExpireMillisecondsOrReply: the time must be a positive integer; in
 * seconds it is scaled to ms, and a relative one (EX, PX) gets the command's clock
 * added; a product or sum past int64 is an invalid expire time. Absolute unix ms
 * in *when.
 */
static bool expire_ms(struct mctx *c, uint32_t arg, uint32_t flags, const char *name,
                      int64_t *when) {
    int64_t v;
    if (!m_str2ll(c->argv[arg].ptr, c->argv[arg].len, &v)) {
        m_reply_not_int(c);
        return false;
    }
    int64_t scale = (flags & (SET_EX | SET_EXAT)) ? 1000 : 1;
    int64_t base = (flags & (SET_EX | SET_PX)) ? c->now : 0;
    int64_t ms, at;
    if (v <= 0 || __builtin_mul_overflow(v, scale, &ms) ||
        __builtin_add_overflow(ms, base, &at)) {
        sim_buf_errorf(c->out, ERR_EXPIRE, name);
        return false;
    }
    *when = at;
    return true;
}

/* SET and its relatives (Redis's setGenericCommand). */
static void set_generic(struct mctx *c, uint32_t flags, uint32_t expire_arg, const char *name,
                        const char *ok, const char *abort) {
    int64_t when = -1;
    if (expire_arg != 0 && !expire_ms(c, expire_arg, flags, name, &when)) return;
    struct mentry *e = lookup(c, 1);
    if (flags & SET_GET) {
        if (e != NULL && e->type != SIM_MODEL_STRING) {
            m_reply_wrongtype(c);
            return;
        }
        if (e == NULL) sim_buf_null(c->out);
        else reply_bulk_entry(c, e);
    }
    bool found = e != NULL;
    if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
        if (!(flags & SET_GET)) sim_buf_puts(c->out, abort);
        return;
    }
    set_string(c, c->argv[1], c->argv[2].ptr, c->argv[2].len, (flags & SET_KEEPTTL) != 0);
    if (expire_arg != 0) m_find_raw(c->m, c->argv[1].ptr, c->argv[1].len)->expire_ms = when;
    if (!(flags & SET_GET)) sim_buf_puts(c->out, ok);
}

static void cmd_set(struct mctx *c) {
    uint32_t flags = 0, expire_arg = 0;
    if (!parse_set_args(c, 3, true, &flags, &expire_arg)) return;
    set_generic(c, flags, expire_arg, "set", "+OK\r\n", "$-1\r\n");
}

static void cmd_setnx(struct mctx *c) { set_generic(c, SET_NX, 0, "setnx", ":1\r\n", ":0\r\n"); }

static void cmd_setex(struct mctx *c) {
    /* SETEX key seconds value: set_generic wants the value at 2, the time at 3. */
    struct kv_slice argv[4] = {c->argv[0], c->argv[1], c->argv[3], c->argv[2]};
    bool ms = m_eq_nocase(c->argv[0], "psetex");
    struct mctx x = *c;
    x.argv = argv;
    x.argc = 4;
    set_generic(&x, ms ? SET_PX : SET_EX, 3, ms ? "psetex" : "setex", "+OK\r\n", "");
    c->failed = x.failed;
}

static void cmd_getset(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    if (e != NULL && e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    if (e == NULL) sim_buf_null(c->out);
    else reply_bulk_entry(c, e);
    set_string(c, c->argv[1], c->argv[2].ptr, c->argv[2].len, false);
}

static void cmd_getdel(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    if (e == NULL) {
        sim_buf_null(c->out);
    } else if (e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
    } else {
        reply_bulk_entry(c, e);
        m_delete(c->m, e);
    }
}

static void cmd_getex(struct mctx *c) {
    uint32_t flags = 0, expire_arg = 0;
    if (!parse_set_args(c, 2, false, &flags, &expire_arg)) return;
    struct mentry *e = lookup(c, 1);
    if (e == NULL) {
        sim_buf_null(c->out);
        return;
    }
    if (e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    int64_t when = -1;
    if (expire_arg != 0 && !expire_ms(c, expire_arg, flags, "getex", &when)) return;
    reply_bulk_entry(c, e);
    if ((flags & (SET_EXAT | SET_PXAT)) && when <= c->now) m_delete(c->m, e);
    else if (expire_arg != 0) e->expire_ms = when;
    else if (flags & SET_PERSIST) e->expire_ms = -1;
}

static void cmd_mget(struct mctx *c) {
    sim_buf_array(c->out, c->argc - 1);
    for (uint32_t i = 1; i < c->argc; i++) {
        struct mentry *e = lookup(c, i);
        if (e == NULL || e->type != SIM_MODEL_STRING) sim_buf_null(c->out);
        else reply_bulk_entry(c, e);
    }
}

static void cmd_mset(struct mctx *c) {
    bool nx = m_eq_nocase(c->argv[0], "msetnx");
    if (c->argc % 2 == 0) {
        sim_buf_errorf(c->out, "ERR wrong number of arguments for '%s' command",
                       nx ? "msetnx" : "mset");
        return;
    }
    if (nx) {
        for (uint32_t i = 1; i < c->argc; i += 2) {
            if (lookup(c, i) != NULL) {
                sim_buf_int(c->out, 0);
                return;
            }
        }
    }
    for (uint32_t i = 1; i < c->argc; i += 2)
        set_string(c, c->argv[i], c->argv[i + 1].ptr, c->argv[i + 1].len, false);
    if (nx) sim_buf_int(c->out, 1);
    else sim_buf_simple(c->out, "OK");
}

static void incr_by(struct mctx *c, int64_t by) {
    struct mentry *e = lookup(c, 1);
    int64_t v = 0;
    if (e != NULL && e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    if (e != NULL && !m_str2ll(e->str.p, e->str.len, &v)) {
        m_reply_not_int(c);
        return;
    }
    if ((by < 0 && v < 0 && by < INT64_MIN - v) || (by > 0 && v > 0 && by > INT64_MAX - v)) {
        sim_buf_error(c->out, "ERR increment or decrement would overflow");
        return;
    }
    int64_t old = v;
    v += by;
    KV_ASSERT(v - by == old); /* the overflow check above held */
    if (c->m->canary && by == 1) v++;
    char num[24];
    uint32_t n = sim_fmt_i64(num, v);
    set_string(c, c->argv[1], (const uint8_t *)num, n, true);
    sim_buf_int(c->out, v);
}

static void cmd_incr(struct mctx *c) {
    bool decr = m_eq_nocase(c->argv[0], "decr") || m_eq_nocase(c->argv[0], "decrby");
    int64_t by = 1;
    if (c->argc == 3) {
        if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &by)) {
            m_reply_not_int(c);
            return;
        }
        if (decr && by == INT64_MIN) {
            sim_buf_error(c->out, "ERR decrement would overflow");
            return;
        }
    }
    incr_by(c, decr ? -by : by);
}

static bool check_length(struct mctx *c, uint64_t total) {
    if (total <= c->m->lim.proto_max_bulk_len) return true;
    sim_buf_error(c->out, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
}

static void cmd_append(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    struct kv_slice v = c->argv[2];
    if (e == NULL) {
        set_string(c, c->argv[1], v.ptr, v.len, false);
        sim_buf_int(c->out, v.len);
        return;
    }
    if (e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    if (!check_length(c, (uint64_t)e->str.len + v.len)) return;
    e->str.p = realloc(e->str.p, e->str.len + v.len + 1);
    KV_ASSERT(e->str.p != NULL);
    if (v.len > 0) memcpy(e->str.p + e->str.len, v.ptr, v.len);
    e->str.len += v.len;
    sim_buf_int(c->out, e->str.len);
}

static void cmd_strlen(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    if (e == NULL) sim_buf_int(c->out, 0);
    else if (e->type != SIM_MODEL_STRING) m_reply_wrongtype(c);
    else sim_buf_int(c->out, e->str.len);
}

/*
 * GETRANGE's byte interval, half-open [*from, *to): a negative index counts from
 * the end, then each index is clamped into the string; the end is inclusive. Two
 * negative indexes the wrong way round select nothing even when both clamp to 0
 * ("GETRANGE k -9 -10" of "abc" is empty in Redis, not "a").
 */
static void range_of(int64_t start, int64_t end, uint64_t len, uint64_t *from, uint64_t *to) {
    *from = *to = 0;
    if (len == 0 || (start < 0 && end < 0 && start > end)) return;
    int64_t n = (int64_t)len;
    int64_t first = start < 0 ? KV_MAX(n + start, 0) : start;
    int64_t last = end < 0 ? KV_MAX(n + end, 0) : KV_MIN(end, n - 1);
    if (first > last) return;
    *from = (uint64_t)first;
    *to = (uint64_t)last + 1;
}

static void cmd_getrange(struct mctx *c) {
    int64_t start, end;
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &start) ||
        !m_str2ll(c->argv[3].ptr, c->argv[3].len, &end)) {
        m_reply_not_int(c);
        return;
    }
    struct mentry *e = lookup(c, 1);
    if (e != NULL && e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    uint64_t from, to;
    range_of(start, end, e == NULL ? 0 : e->str.len, &from, &to);
    sim_buf_bulk(c->out, e == NULL ? (const uint8_t *)"" : e->str.p + from, to - from);
}

static void cmd_setrange(struct mctx *c) {
    int64_t off;
    struct kv_slice v = c->argv[3];
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &off)) {
        m_reply_not_int(c);
        return;
    }
    if (off < 0) {
        sim_buf_error(c->out, "ERR offset is out of range");
        return;
    }
    struct mentry *e = lookup(c, 1);
    if (e != NULL && e->type != SIM_MODEL_STRING) {
        m_reply_wrongtype(c);
        return;
    }
    if (v.len == 0) {
        sim_buf_int(c->out, e == NULL ? 0 : e->str.len);
        return;
    }
    if (!check_length(c, (uint64_t)off + v.len)) return;
    if (e == NULL) {
        set_string(c, c->argv[1], NULL, 0, false);
        e = m_find_raw(c->m, c->argv[1].ptr, c->argv[1].len);
    }
    uint64_t need = (uint64_t)off + v.len;
    if (need > e->str.len) {
        e->str.p = realloc(e->str.p, need + 1);
        KV_ASSERT(e->str.p != NULL);
        memset(e->str.p + e->str.len, 0, need - e->str.len);
        e->str.len = (uint32_t)need;
    }
    memcpy(e->str.p + off, v.ptr, v.len);
    sim_buf_int(c->out, e->str.len);
}

/* ---- keys ------------------------------------------------------------------ */

static void cmd_del(struct mctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        struct mentry *e = lookup(c, i);
        if (e == NULL) continue;
        m_delete(c->m, e);
        n++;
    }
    sim_buf_int(c->out, n);
}

static void cmd_exists(struct mctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) n += lookup(c, i) != NULL;
    sim_buf_int(c->out, n);
}

static void cmd_type(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    const char *t = m_type_name(e == NULL ? SIM_MODEL_NONE : e->type);
    sim_buf_simple(c->out, t);
}

enum { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

/* "ERR Unsupported option <word>": Redis formats the argument as a C string. */
static void reply_unsupported(struct mctx *c, struct kv_slice w) {
    char *msg = malloc((size_t)w.len + 32); /* any length: not sim_buf_errorf's 1 KiB */
    KV_ASSERT(msg != NULL);
    uint32_t n = (uint32_t)strnlen((const char *)w.ptr, w.len);
    snprintf(msg, (size_t)w.len + 32, "ERR Unsupported option %.*s", (int)n, (const char *)w.ptr);
    sim_buf_error(c->out, msg);
    free(msg);
}

/* EXPIRE's NX XX GT LT (Redis's parseExtendedExpireArgumentsOrReply): every word
 * is read first, then the combinations are judged (NX with any other, then GT
 * with LT). */
static bool parse_expire_flags(struct mctx *c, uint32_t *flags) {
    static const struct { const char *word; uint32_t flag; } words[] = {
        {"nx", EXP_NX}, {"xx", EXP_XX}, {"gt", EXP_GT}, {"lt", EXP_LT}};
    for (uint32_t j = 3; j < c->argc; j++) {
        uint32_t found = 0;
        for (uint32_t k = 0; k < KV_ARRAY_LEN(words); k++) {
            if (m_opt_eq(c->argv[j], words[k].word)) found = words[k].flag;
        }
        if (found == 0) {
            reply_unsupported(c, c->argv[j]);
            return false;
        }
        *flags |= found;
    }
    bool nx = *flags & EXP_NX, gt = *flags & EXP_GT, lt = *flags & EXP_LT;
    if (nx && *flags != EXP_NX) {
        sim_buf_error(c->out, "ERR NX and XX, GT or LT options at the same time are not "
                              "compatible");
        return false;
    }
    if (gt && lt) {
        sim_buf_error(c->out, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/* May the key's TTL (cur, -1: none, an infinite one) become `when`? NX: only
 * without a TTL; XX: only with one; GT: only later (never than infinity); LT:
 * only earlier (always than infinity). */
static bool expire_allowed(uint32_t flags, int64_t cur, int64_t when) {
    bool none = cur == -1;
    bool later = !none && when > cur;
    bool earlier = none || when < cur;
    return !((flags & EXP_NX) && !none) && !((flags & EXP_XX) && none) &&
           !((flags & EXP_GT) && !later) && !((flags & EXP_LT) && !earlier);
}

/* EXPIRE PEXPIRE EXPIREAT PEXPIREAT (Redis's expireGenericCommand). */
static void cmd_expire(struct mctx *c) {
    static const char *const names[4] = {"expire", "pexpire", "expireat", "pexpireat"};
    uint32_t k = 0;
    while (k < 3 && !m_eq_nocase(c->argv[0], names[k])) k++;
    bool seconds = k == 0 || k == 2;
    int64_t base = k < 2 ? c->now : 0;
    uint32_t flags = 0;
    int64_t when;
    if (!parse_expire_flags(c, &flags)) return;
    if (!m_str2ll(c->argv[2].ptr, c->argv[2].len, &when)) {
        m_reply_not_int(c);
        return;
    }
    if (seconds && (when > INT64_MAX / 1000 || when < INT64_MIN / 1000)) {
        sim_buf_errorf(c->out, ERR_EXPIRE, names[k]);
        return;
    }
    if (seconds) when *= 1000;
    if (when > INT64_MAX - base) {
        sim_buf_errorf(c->out, ERR_EXPIRE, names[k]);
        return;
    }
    int64_t rel = when;
    when += base;
    KV_ASSERT(when - base == rel); /* the overflow check above held */
    struct mentry *e = lookup(c, 1);
    if (e == NULL || !expire_allowed(flags, e->expire_ms, when)) {
        sim_buf_int(c->out, 0);
        return;
    }
    if (when <= c->now) m_delete(c->m, e);
    else e->expire_ms = when;
    sim_buf_int(c->out, 1);
}

/* TTL PTTL EXPIRETIME PEXPIRETIME. */
static void cmd_ttl(struct mctx *c) {
    bool ms = c->argv[0].len > 0 && (c->argv[0].ptr[0] == 'p' || c->argv[0].ptr[0] == 'P');
    bool abs = c->argv[0].len > 6;
    struct mentry *e = lookup(c, 1);
    if (e == NULL) {
        sim_buf_int(c->out, -2);
        return;
    }
    if (e->expire_ms < 0) {
        sim_buf_int(c->out, -1);
        return;
    }
    int64_t ttl = abs ? e->expire_ms : e->expire_ms - c->now;
    if (ttl < 0) ttl = 0;
    /* Rounded in unsigned arithmetic: EXPIRETIME of a PEXPIREAT at INT64_MAX is
     * 9223372036854776 in Redis 7.0.15 (and kv), not an overflow (fuzz_engine). */
    int64_t secs = (int64_t)(((uint64_t)ttl + 500) / 1000);
    sim_buf_int(c->out, ms ? ttl : secs);
}

static void cmd_persist(struct mctx *c) {
    struct mentry *e = lookup(c, 1);
    bool had = e != NULL && e->expire_ms >= 0;
    if (had) e->expire_ms = -1;
    sim_buf_int(c->out, had ? 1 : 0);
}

static void cmd_rename(struct mctx *c) {
    bool nx = m_eq_nocase(c->argv[0], "renamenx");
    struct kv_slice src = c->argv[1], dst = c->argv[2];
    bool same = src.len == dst.len && memcmp(src.ptr, dst.ptr, src.len) == 0;
    struct mentry *e = lookup(c, 1);
    if (e == NULL) {
        sim_buf_error(c->out, "ERR no such key");
        return;
    }
    if (same) {
        sim_buf_puts(c->out, nx ? ":0\r\n" : "+OK\r\n");
        return;
    }
    struct mentry *d = lookup(c, 2);
    if (d != NULL && nx) {
        sim_buf_int(c->out, 0);
        return;
    }
    if (d != NULL) m_delete(c->m, d);
    e = m_find_raw(c->m, src.ptr, src.len);
    struct mentry moved = *e;
    moved.key = NULL;
    memset(&e->str, 0, sizeof(e->str));
    memset(&e->list, 0, sizeof(e->list));
    memset(&e->hs, 0, sizeof(e->hs));
    e->xs = NULL;
    m_delete(c->m, e);
    struct mentry *n = m_add(c->m, dst, moved.type);
    n->expire_ms = moved.expire_ms;
    n->str = moved.str;
    n->list = moved.list;
    n->hs = moved.hs;
    n->xs = moved.xs;
    sim_buf_puts(c->out, nx ? ":1\r\n" : "+OK\r\n");
}

static void cmd_touch(struct mctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) n += lookup(c, i) != NULL;
    sim_buf_int(c->out, n);
}

/* ---- loose: RANDOMKEY KEYS SCAN ---------------------------------------------- */

/* Parses one bulk at *pos; false if not a bulk string. */
static bool take_bulk(const struct mctx *c, uint32_t *pos, struct kv_slice *out) {
    uint32_t len = 0;
    if (*pos >= c->reply_len || c->reply[*pos] != '$') return false;
    if (sim_resp_scan(c->reply + *pos, c->reply_len - *pos, &len) != SIM_RESP_OK) return false;
    const uint8_t *p = c->reply + *pos;
    uint32_t hdr = 1;
    while (hdr < len && p[hdr] != '\r') hdr++;
    int64_t n;
    if (!m_str2ll(p + 1, hdr - 1, &n) || n < 0) return false;
    out->ptr = p + hdr + 2;
    out->len = (uint32_t)n;
    *pos += len;
    return true;
}

/* Parses "*<n>\r\n" at *pos. */
static bool take_array(const struct mctx *c, uint32_t *pos, int64_t *n) {
    uint32_t p = *pos, e = p + 1;
    if (p >= c->reply_len || c->reply[p] != '*') return false;
    while (e < c->reply_len && c->reply[e] != '\r') e++;
    if (e + 1 >= c->reply_len || !m_str2ll(c->reply + p + 1, e - p - 1, n) || *n < 0)
        return false;
    *pos = e + 2;
    return true;
}

/* KEYS and SCAN MATCH: the pattern "*" alone is not matched at all (Redis's allkeys
 * shortcut), so it takes the empty key, which the glob "*" does not. */
static bool keys_match(struct kv_slice pat, struct kv_slice key) {
    if (pat.len == 1 && pat.ptr[0] == '*') return true;
    return m_glob(pat.ptr, pat.len, key.ptr, key.len);
}

static bool live_match(struct mctx *c, struct kv_slice key, struct kv_slice pat) {
    if (m_lookup(c->m, key, c->now) == NULL) return false;
    return keys_match(pat, key);
}

/* SCAN TYPE: Redis strcasecmp()s the argument (a C string: it ends at a NUL byte)
 * with the key's type name. */
static bool type_is(struct kv_slice want, enum sim_model_type t) {
    return m_opt_eq(want, m_type_name(t));
}

/* TIME: [seconds, microseconds] of the command's clock (a real server's may run ahead). */
static bool loose_time(struct mctx *c) {
    uint32_t pos = 0;
    int64_t n, sec, usec;
    struct kv_slice a, b;
    if (!take_array(c, &pos, &n) || n != 2 || !take_bulk(c, &pos, &a) ||
        !take_bulk(c, &pos, &b) || pos != c->reply_len || !m_str2ll(a.ptr, a.len, &sec) ||
        !m_str2ll(b.ptr, b.len, &usec) || sec < c->now / 1000 || sec > c->now / 1000 + 2 ||
        usec < 0 || usec > 999999) {
        m_why(c, "TIME reply malformed or off the clock");
        return false;
    }
    return true;
}

static bool loose_randomkey(struct mctx *c) {
    uint64_t live = sim_model_live_count(c->m, c->now);
    if (c->reply_len == 5 && memcmp(c->reply, "$-1\r\n", 5) == 0) {
        if (live == 0) return true;
        m_why(c, "RANDOMKEY nil with %llu live keys", (unsigned long long)live);
        return false;
    }
    uint32_t pos = 0;
    struct kv_slice k, all = {(const uint8_t *)"*", 1};
    if (!take_bulk(c, &pos, &k) || pos != c->reply_len || !live_match(c, k, all)) {
        m_why(c, "RANDOMKEY returned no live key");
        return false;
    }
    return true;
}

/* Every key in the array at *pos is live and matches pat; no key twice (KEYS). */
static bool check_keys(struct mctx *c, uint32_t *pos, struct kv_slice pat, int64_t *count) {
    int64_t n;
    if (!take_array(c, pos, &n)) return false;
    for (int64_t i = 0; i < n; i++) {
        struct kv_slice k;
        if (!take_bulk(c, pos, &k) || !live_match(c, k, pat)) return false;
    }
    *count = n;
    return true;
}

static bool loose_keys(struct mctx *c) {
    uint32_t pos = 0;
    int64_t n = 0;
    uint64_t want = 0, cursor = 0;
    struct sim_model_key k;
    while (sim_model_next_key(c->m, c->now, &cursor, &k))
        want += keys_match(c->argv[1], (struct kv_slice){k.key, k.klen});
    if (!check_keys(c, &pos, c->argv[1], &n) || pos != c->reply_len || (uint64_t)n != want) {
        m_why(c, "KEYS reply is not the %llu live matching keys", (unsigned long long)want);
        return false;
    }
    return true;
}

/* Redis's parseScanCursorOrReply: strtoul, no leading space, no junk, no ERANGE. */
static bool scan_cursor_ok(struct kv_slice s) {
    char buf[32];
    if (s.len == 0 || s.len >= sizeof(buf) || memchr(s.ptr, 0, s.len) != NULL) return s.len == 0;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    if (isspace((unsigned char)buf[0])) return false;
    char *end = NULL;
    errno = 0;
    (void)strtoul(buf, &end, 10);
    return *end == 0 && errno != ERANGE;
}

/* SCAN's argument errors, in Redis's order; false (and the error) if any. */
bool m_scan_args(struct mctx *c, struct kv_slice *pat, const struct kv_slice **type) {
    if (!scan_cursor_ok(c->argv[1])) {
        sim_buf_error(c->out, "ERR invalid cursor");
        return false;
    }
    for (uint32_t i = 2; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        int64_t count;
        if (more && m_opt_eq(c->argv[i], "count")) {
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &count)) {
                m_reply_not_int(c);
                return false;
            }
            if (count < 1) {
                m_reply_syntax(c);
                return false;
            }
        } else if (more && m_opt_eq(c->argv[i], "match")) {
            *pat = c->argv[i + 1];
        } else if (more && m_opt_eq(c->argv[i], "type")) {
            *type = &c->argv[i + 1];
        } else {
            m_reply_syntax(c);
            return false;
        }
    }
    return true;
}

/* The live keys matching SCAN's MATCH and TYPE. */
static uint64_t scan_want(struct mctx *c, struct kv_slice pat, const struct kv_slice *type) {
    uint64_t want = 0, cursor = 0;
    struct sim_model_key k;
    while (sim_model_next_key(c->m, c->now, &cursor, &k)) {
        if (type != NULL && !type_is(*type, k.type)) continue;
        want += keys_match(pat, (struct kv_slice){k.key, k.klen});
    }
    return want;
}

/* The bulk replies of the live keys matching pat (and type, unless NULL): their
 * count in *n and their bytes ("$<len>\r\n<key>\r\n" each), as KEYS and SCAN
 * write them. */
uint64_t m_keys_bytes(struct mctx *c, struct kv_slice pat, const struct kv_slice *type,
                      uint64_t *n) {
    uint64_t bytes = 0, cursor = 0;
    struct sim_model_key k;
    *n = 0;
    while (sim_model_next_key(c->m, c->now, &cursor, &k)) {
        if (type != NULL && !type_is(*type, k.type)) continue;
        if (!keys_match(pat, (struct kv_slice){k.key, k.klen})) continue;
        char digits[24];
        bytes += 1 + (uint64_t)snprintf(digits, sizeof(digits), "%u", k.klen) + 2 + k.klen + 2;
        (*n)++;
    }
    return bytes;
}

/*
 * `kv sim --redis` only (a real server's clock: lim.clock_slack_ms > 0): Redis 7.0's
 * SCAN with TYPE `none` (any case) lists a key whose TTL has passed but which Redis
 * has not reclaimed yet. Its type filter looks the key up first (the lookup reclaims
 * it and finds no type, "none"), and its expiry filter then finds nothing left to
 * expire; with another TYPE the key is reclaimed and left out, as kv (Redis 7.2)
 * leaves it out always. So such a key is allowed when it matches MATCH and the model
 * holds it with a TTL that ends before now by Redis's clock (which may run ahead of
 * now_ms by the slack); whether Redis's active expiry took it first is Redis's draw.
 */
static bool redis_scan_expired(struct mctx *c, struct kv_slice key, struct kv_slice pat,
                               const struct kv_slice *type) {
    int64_t slack = c->m->lim.clock_slack_ms;
    if (slack == 0 || type == NULL || !type_is(*type, SIM_MODEL_NONE)) return false;
    const struct mentry *e = m_find_raw(c->m, key.ptr, (uint32_t)key.len);
    return e != NULL && e->expire_ms >= 0 && e->expire_ms < c->now + slack &&
           keys_match(pat, key);
}

/* SCAN's keys: live, matching and of the TYPE asked (or redis_scan_expired: counted
 * in *expired, not checked for type). */
static bool scan_keys(struct mctx *c, uint32_t *pos, struct kv_slice pat,
                      const struct kv_slice *type, int64_t *count, int64_t *expired) {
    int64_t n;
    *expired = 0;
    if (!take_array(c, pos, &n)) return false;
    for (int64_t i = 0; i < n; i++) {
        struct kv_slice k;
        if (!take_bulk(c, pos, &k)) return false;
        if (redis_scan_expired(c, k, pat, type)) {
            (*expired)++;
            continue;
        }
        if (!live_match(c, k, pat)) return false;
        if (type != NULL && !type_is(*type, m_lookup(c->m, k, c->now)->type)) {
            m_why(c, "SCAN TYPE returned a key of another type");
            return false;
        }
    }
    *count = n;
    return true;
}

/* Every key live, matching and of the TYPE asked; a call from cursor 0 that
 * returns cursor 0 walked the whole keyspace, so it holds every such key once. */
static bool loose_scan(struct mctx *c) {
    struct kv_slice pat = {(const uint8_t *)"*", 1}, cur;
    const struct kv_slice *type = NULL;
    if (!m_scan_args(c, &pat, &type)) {
        if (c->out->len == c->reply_len && memcmp(c->out->p, c->reply, c->reply_len) == 0)
            return true;
        m_why(c, "SCAN arguments: the model expects another error");
        return false;
    }
    uint32_t pos = 0;
    int64_t n, cn, expired = 0;
    if (!take_array(c, &pos, &n) || n != 2 || !take_bulk(c, &pos, &cur) ||
        !m_str2ll(cur.ptr, cur.len, &cn) || !scan_keys(c, &pos, pat, type, &n, &expired) ||
        pos != c->reply_len) {
        if (!c->failed) m_why(c, "SCAN reply malformed or holds a key that is not live");
        return false;
    }
    n -= expired;
    bool whole = c->argv[1].len == 1 && c->argv[1].ptr[0] == '0' && cn == 0;
    if (whole && (uint64_t)n != scan_want(c, pat, type)) {
        m_why(c, "SCAN 0 returned cursor 0 with %lld keys, not the %llu live matching ones",
              (long long)n, (unsigned long long)scan_want(c, pat, type));
        return false;
    }
    return true;
}

static const struct mcmd cmds[] = {
    {"ping", -1, MF_READONLY, cmd_ping, NULL},
    {"echo", 2, MF_READONLY, cmd_echo, NULL},
    {"quit", -1, MF_NOQUEUE, cmd_ok, NULL},
    {"select", 2, MF_READONLY, cmd_select, NULL},
    {"dbsize", 1, MF_LOOSE | MF_READONLY, cmd_nothing, loose_dbsize},
    {"flushall", -1, MF_WRITE, cmd_flushall, NULL},
    {"flushdb", -1, MF_WRITE, cmd_flushall, NULL},
    {"info", -1, MF_LOOSE | MF_READONLY, cmd_nothing, loose_info},
    {"time", 1, MF_LOOSE | MF_READONLY, cmd_nothing, loose_time},
    {"get", 2, MF_READONLY, cmd_get, NULL},
    {"set", -3, MF_WRITE | MF_DENYOOM, cmd_set, NULL},
    {"setnx", 3, MF_WRITE | MF_DENYOOM, cmd_setnx, NULL},
    {"setex", 4, MF_WRITE | MF_DENYOOM, cmd_setex, NULL},
    {"psetex", 4, MF_WRITE | MF_DENYOOM, cmd_setex, NULL},
    {"getset", 3, MF_WRITE | MF_DENYOOM, cmd_getset, NULL},
    {"getdel", 2, MF_WRITE, cmd_getdel, NULL},
    {"getex", -2, MF_WRITE | MF_DENYOOM, cmd_getex, NULL},
    {"mget", -2, MF_READONLY, cmd_mget, NULL},
    {"mset", -3, MF_WRITE | MF_DENYOOM, cmd_mset, NULL},
    {"msetnx", -3, MF_WRITE | MF_DENYOOM, cmd_mset, NULL},
    {"incr", 2, MF_WRITE | MF_DENYOOM, cmd_incr, NULL},
    {"decr", 2, MF_WRITE | MF_DENYOOM, cmd_incr, NULL},
    {"incrby", 3, MF_WRITE | MF_DENYOOM, cmd_incr, NULL},
    {"decrby", 3, MF_WRITE | MF_DENYOOM, cmd_incr, NULL},
    {"append", 3, MF_WRITE | MF_DENYOOM, cmd_append, NULL},
    {"strlen", 2, MF_READONLY, cmd_strlen, NULL},
    {"getrange", 4, MF_READONLY, cmd_getrange, NULL},
    {"substr", 4, MF_READONLY, cmd_getrange, NULL},
    {"setrange", 4, MF_WRITE | MF_DENYOOM, cmd_setrange, NULL},
    {"del", -2, MF_WRITE, cmd_del, NULL},
    {"unlink", -2, MF_WRITE, cmd_del, NULL},
    {"exists", -2, MF_READONLY, cmd_exists, NULL},
    {"touch", -2, MF_READONLY, cmd_touch, NULL},
    {"type", 2, MF_READONLY, cmd_type, NULL},
    {"expire", -3, MF_WRITE | MF_DENYOOM, cmd_expire, NULL},
    {"pexpire", -3, MF_WRITE | MF_DENYOOM, cmd_expire, NULL},
    {"expireat", -3, MF_WRITE | MF_DENYOOM, cmd_expire, NULL},
    {"pexpireat", -3, MF_WRITE | MF_DENYOOM, cmd_expire, NULL},
    {"ttl", 2, MF_READONLY, cmd_ttl, NULL},
    {"pttl", 2, MF_READONLY, cmd_ttl, NULL},
    {"expiretime", 2, MF_READONLY, cmd_ttl, NULL},
    {"pexpiretime", 2, MF_READONLY, cmd_ttl, NULL},
    {"persist", 2, MF_WRITE, cmd_persist, NULL},
    {"rename", 3, MF_WRITE | MF_DENYOOM, cmd_rename, NULL},
    {"renamenx", 3, MF_WRITE | MF_DENYOOM, cmd_rename, NULL},
    {"randomkey", 1, MF_LOOSE | MF_READONLY, cmd_nothing, loose_randomkey},
    {"keys", 2, MF_LOOSE | MF_READONLY, cmd_nothing, loose_keys},
    {"scan", -2, MF_LOOSE | MF_READONLY, cmd_nothing, loose_scan},
};

const struct mcmd_table sim_model_cmds_str = {cmds, KV_ARRAY_LEN(cmds)};

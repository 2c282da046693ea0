/*
 * sim_model_xcmd.c: the reference model's stream commands (first slice): XADD (with
 * NOMKSTREAM, MAXLEN|MINID [=|~] threshold [LIMIT n], `*`, `ms-seq`, `ms-*`), XLEN,
 * XRANGE and XREVRANGE (COUNT, `(` exclusive bounds), XDEL, XTRIM, and XREAD [COUNT]
 * [BLOCK ms] STREAMS ... (`$`; a read that blocks is sim_model_block.c's, which
 * m_xread_serve answers when an XADD serves it). Argument checks run in Redis 7.0's order (its
 * parser reads every option before the key is looked up, so a syntax error beats
 * WRONGTYPE; XDEL and XLEN look the key up first), every error text is
 * redis-server 7.0.15's. `*` IDs come from the command's now_ms by Redis's rule (the
 * later of now and the last ID's ms; the next sequence within one ms); against a
 * real server (lim.clock_slack_ms > 0) its clock may run ahead of now_ms by up to
 * that slack, and the model takes the server's ID when the rule allows it for some
 * clock in [now, now + slack]. RESP3: XREAD answers a map of key to entries.
 * Test code: heap allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_stream.h"

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"

/* argv as a C string equals w exactly (Redis compares the ptr with strcmp). */
static bool cstr_is(struct kv_slice s, const char *w) {
    uint32_t n = (uint32_t)strnlen((const char *)s.ptr, s.len);
    return n == strlen(w) && memcmp(s.ptr, w, n) == 0;
}

struct mentry *m_xs_lookup(struct mctx *c, uint32_t i, bool *bad) {
    struct mentry *e = m_lookup(c->m, c->argv[i], c->now);
    *bad = e != NULL && e->type != SIM_MODEL_STREAM;
    if (*bad) m_reply_wrongtype(c);
    return *bad ? NULL : e;
}

void m_xs_reply_id(struct sim_buf *b, struct m_xid id) {
    char buf[42];
    uint32_t n = m_xid_fmt(id, buf);
    sim_buf_bulk(b, buf, n);
}

/* ---- XADD / XTRIM arguments ------------------------------------------------ */

struct xargs {
    struct m_xtrim t;
    bool nomk;
    bool id_given;
    bool seq_given;
    struct m_xid id;
};

/* MAXLEN|MINID [=|~] threshold at argv[*i]: false with the error written. */
static bool parse_strategy(struct mctx *c, struct xargs *a, uint32_t *i, bool maxlen) {
    if (a->t.strategy != 0) {
        sim_buf_error(c->out, "ERR syntax error, MAXLEN and MINID options at the same time "
                              "are not compatible");
        return false;
    }
    a->t.approx = false;
    uint32_t more = c->argc - 1 - *i;
    if (more >= 2 && cstr_is(c->argv[*i + 1], "~")) {
        a->t.approx = true;
        (*i)++;
    } else if (more >= 2 && cstr_is(c->argv[*i + 1], "=")) {
        (*i)++;
    }
    struct kv_slice v = c->argv[*i + 1];
    int64_t n = 0;
    if (maxlen && !m_str2ll(v.ptr, v.len, &n)) {
        m_reply_not_int(c);
        return false;
    }
    if (maxlen && n < 0) {
        sim_buf_error(c->out, "ERR The MAXLEN argument must be >= 0.");
        return false;
    }
    if (!maxlen && !m_xid_parse(v, 0, true, NULL, &a->t.minid)) {
        sim_buf_error(c->out, ERR_INVALID_ID);
        return false;
    }
    a->t.maxlen = (uint64_t)n;
    a->t.strategy = maxlen ? 1 : 2;
    (*i)++;
    return true;
}

/* The option checks after the loop; the default LIMIT of `~`. */
static bool check_trim(struct mctx *c, struct xargs *a, bool xadd, bool limit_given) {
    const char *err = NULL;
    if (a->t.limit != 0 && a->t.strategy == 0)
        err = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
    else if (!xadd && a->t.strategy == 0)
        err = "ERR syntax error, XTRIM must be called with a trimming strategy";
    else if (limit_given && !a->t.approx)
        err = "ERR syntax error, LIMIT cannot be used without the special ~ option";
    if (err != NULL) {
        sim_buf_error(c->out, err);
        return false;
    }
    if (!limit_given && a->t.approx) {
        int64_t l = 100 * (int64_t)c->m->lim.stream_node_max_entries;
        a->t.limit = l <= 0 || l > 10000 ? 10000 : l;
    } else if (!limit_given) {
        a->t.limit = 0;
    }
    return true;
}

/* Redis's streamParseAddOrTrimArgsOrReply: the index where XADD's ID is (or argc),
 * or -1 with the error written. */
static int64_t parse_add_trim(struct mctx *c, struct xargs *a, bool xadd) {
    KV_ASSERT(c->argc >= (xadd ? 5u : 4u));
    memset(a, 0, sizeof(*a));
    bool limit_given = false;
    uint32_t i = 2;
    for (; i < c->argc; i++) {
        uint32_t more = c->argc - 1 - i;
        struct kv_slice o = c->argv[i];
        bool maxlen = m_opt_eq(o, "maxlen");
        if (xadd && cstr_is(o, "*")) break;
        if ((maxlen || m_opt_eq(o, "minid")) && more > 0) {
            if (!parse_strategy(c, a, &i, maxlen)) return -1;
        } else if (m_opt_eq(o, "limit") && more > 0) {
            int64_t l;
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &l)) {
                m_reply_not_int(c);
                return -1;
            }
            if (l < 0) {
                sim_buf_error(c->out, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            a->t.limit = l;
            limit_given = true;
            i++;
        } else if (xadd && m_opt_eq(o, "nomkstream")) {
            a->nomk = true;
        } else if (xadd) {
            if (!m_xid_parse(o, 0, true, &a->seq_given, &a->id)) {
                sim_buf_error(c->out, ERR_INVALID_ID);
                return -1;
            }
            a->id_given = true;
            break;
        } else {
            m_reply_syntax(c);
            return -1;
        }
    }
    return check_trim(c, a, xadd, limit_given) ? (int64_t)i : -1;
}

/* ---- XADD ------------------------------------------------------------------- */

/* The ID in a bulk reply (the server's), if it is one. */
static bool reply_xid(const struct mctx *c, struct m_xid *out) {
    const uint8_t *r = c->reply;
    uint32_t n = c->reply_len, h = 1;
    if (n < 6 || r[0] != '$') return false;
    while (h < n && r[h] != '\r') h++;
    int64_t len;
    if (h + 2 > n || !m_str2ll(r + 1, h - 1, &len) || len <= 0 || h + 2 + (uint64_t)len + 2 != n)
        return false;
    return m_xid_parse((struct kv_slice){r + h + 2, (uint32_t)len}, 0, true, NULL, out);
}

/* `*`: by the rule at now_ms; against a real server, its ID if the rule gives it for
 * a clock in [now, now + slack]. */
static struct m_xid auto_id(const struct mctx *c, struct m_xid last) {
    uint64_t now = (uint64_t)c->now;
    struct m_xid want = m_xid_auto(last, now), got, next = last;
    int64_t slack = c->m->lim.clock_slack_ms;
    if (slack <= 0 || !reply_xid(c, &got)) return want;
    if (m_xid_incr(&next) && last.ms >= now && m_xid_cmp(got, next) == 0) return got;
    if (got.seq == 0 && got.ms > last.ms && got.ms >= now && got.ms <= now + (uint64_t)slack)
        return got;
    return want;
}

/* The new entry's ID, or the error: not above last, or `ms-*` at last's ms with its
 * sequence exhausted, which Redis 7.0.15 answers "Elements are too large to be stored"
 * (its append fails there without setting errno to EDOM). */
static const char *new_id(const struct mctx *c, const struct xargs *a, struct m_xid last,
                          struct m_xid *id) {
    if (!a->id_given) {
        *id = auto_id(c, last);
    } else if (a->seq_given || last.ms != a->id.ms) {
        *id = a->id;
    } else {
        if (last.seq == UINT64_MAX) return "ERR Elements are too large to be stored";
        *id = (struct m_xid){last.ms, last.seq + 1};
    }
    if (m_xid_cmp(*id, last) > 0) return NULL;
    return "ERR The ID specified in XADD is equal or smaller than the target stream top item";
}

static void cmd_xadd(struct mctx *c) {
    struct xargs a;
    int64_t i = parse_add_trim(c, &a, true);
    if (i < 0) return;
    int64_t nfv = (int64_t)c->argc - (i + 1);
    if (nfv < 2 || nfv % 2 == 1) {
        sim_buf_error(c->out, "ERR wrong number of arguments for 'xadd' command");
        return;
    }
    if (a.id_given && a.seq_given && a.id.ms == 0 && a.id.seq == 0) {
        sim_buf_error(c->out, "ERR The ID specified in XADD must be greater than 0-0");
        return;
    }
    bool bad;
    struct mentry *e = m_xs_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL && a.nomk) {
        sim_buf_null(c->out);
        return;
    }
    struct m_xid last = e != NULL ? e->xs->last : (struct m_xid){0, 0}, id;
    if (last.ms == UINT64_MAX && last.seq == UINT64_MAX) {
        sim_buf_error(c->out, "ERR The stream has exhausted the last possible ID, unable to "
                              "add more items");
        return;
    }
    const char *err = new_id(c, &a, last, &id);
    if (err != NULL) {
        sim_buf_error(c->out, err);
        return;
    }
    if (e == NULL) {
        e = m_add(c->m, c->argv[1], SIM_MODEL_STREAM);
        e->xs = m_xs_new();
    }
    struct m_xnode_limits nl = {c->m->lim.stream_node_max_bytes,
                                c->m->lim.stream_node_max_entries};
    KV_ASSERT(e->type == SIM_MODEL_STREAM && e->xs != NULL);
    m_xs_append(e->xs, id, &c->argv[i + 1], (uint32_t)(nfv / 2), &nl);
    m_xs_reply_id(c->out, id);
    m_xs_trim(e->xs, &a.t);
    /* Redis signals every XADD's key: XREAD BLOCK waiters (sim_model_block.c) */
    m_block_created(c->m, c->argv[1].ptr, c->argv[1].len, SIM_MODEL_STREAM);
}

static void cmd_xtrim(struct mctx *c) {
    struct xargs a;
    if (parse_add_trim(c, &a, false) < 0) return;
    bool bad;
    struct mentry *e = m_xs_lookup(c, 1, &bad);
    if (!bad) sim_buf_int(c->out, e == NULL ? 0 : m_xs_trim(e->xs, &a.t));
}

static void cmd_xlen(struct mctx *c) {
    bool bad;
    struct mentry *e = m_xs_lookup(c, 1, &bad);
    if (!bad) sim_buf_int(c->out, e == NULL ? 0 : (int64_t)e->xs->length);
}

static void cmd_xdel(struct mctx *c) {
    bool bad;
    struct mentry *e = m_xs_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_int(c->out, 0);
        return;
    }
    struct m_xid *ids = calloc(c->argc, sizeof(*ids));
    KV_ASSERT(ids != NULL);
    bool ok = true;
    for (uint32_t j = 2; ok && j < c->argc; j++) ok = m_xid_parse(c->argv[j], 0, true, NULL,
                                                                  &ids[j]);
    int64_t n = 0;
    for (uint32_t j = 2; ok && j < c->argc; j++) n += m_xs_delete(e->xs, ids[j]);
    if (ok) sim_buf_int(c->out, n);
    else sim_buf_error(c->out, ERR_INVALID_ID);
    free(ids);
}

/* ---- ranges ----------------------------------------------------------------- */

/* Live entries in [start, end] (in reverse when rev), at most count (0: all), as
 * Redis replies them: an array of [id, [field, value, ...]]. */
void m_xs_emit_range(struct sim_buf *out, const struct mstream *s, struct m_xid start,
                       struct m_xid end, int64_t count, bool rev) {
    struct sim_buf body = {0};
    int64_t n = 0;
    KV_ASSERT(count >= 0 && s != NULL);
    for (uint32_t a = 0; a < s->nn && (count == 0 || n < count); a++) {
        const struct mxnode *nd = &s->node[rev ? s->nn - 1 - a : a];
        for (uint32_t b = 0; b < nd->n && (count == 0 || n < count); b++) {
            const struct mxent *e = &nd->e[rev ? nd->n - 1 - b : b];
            if (e->deleted || m_xid_cmp(e->id, start) < 0 || m_xid_cmp(e->id, end) > 0)
                continue;
            sim_buf_array(&body, 2);
            m_xs_reply_id(&body, e->id);
            sim_buf_array(&body, 2 * (int64_t)e->nf);
            for (uint32_t k = 0; k < 2 * e->nf; k++) sim_buf_bulk(&body, e->fv[k].p, e->fv[k].len);
            n++;
        }
    }
    sim_buf_array(out, n);
    sim_buf_put(out, body.p, body.len);
    sim_buf_free(&body);
}

/* An interval bound: `(` makes it exclusive (then "-" and "+" are invalid). */
static bool parse_bound(struct mctx *c, struct kv_slice s, uint64_t missing, struct m_xid *id,
                        bool *ex) {
    *ex = s.len > 1 && s.ptr[0] == '(';
    struct kv_slice t = *ex ? (struct kv_slice){s.ptr + 1, s.len - 1} : s;
    if (m_xid_parse(t, missing, *ex, NULL, id)) return true;
    sim_buf_error(c->out, ERR_INVALID_ID);
    return false;
}

static void cmd_xrange(struct mctx *c) {
    bool rev = c->argv[0].len == 9, sx, ex;
    struct m_xid start, end;
    if (!parse_bound(c, c->argv[rev ? 3 : 2], 0, &start, &sx)) return;
    if (sx && !m_xid_incr(&start)) {
        sim_buf_error(c->out, "ERR invalid start ID for the interval");
        return;
    }
    if (!parse_bound(c, c->argv[rev ? 2 : 3], UINT64_MAX, &end, &ex)) return;
    if (ex && !m_xid_decr(&end)) {
        sim_buf_error(c->out, "ERR invalid end ID for the interval");
        return;
    }
    int64_t count = -1;
    for (uint32_t j = 4; j < c->argc; j++) {
        if (!m_opt_eq(c->argv[j], "count") || c->argc - j - 1 < 1) {
            m_reply_syntax(c);
            return;
        }
        if (!m_str2ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &count)) {
            m_reply_not_int(c);
            return;
        }
        if (count < 0) count = 0;
        j++;
    }
    bool bad;
    struct mentry *e = m_xs_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) sim_buf_array(c->out, 0);
    else if (count == 0) sim_buf_null_array(c->out);
    else m_xs_emit_range(c->out, e->xs, start, end, count < 0 ? 0 : count, rev);
}

/* ---- XREAD ------------------------------------------------------------------ */

/* XREAD's options before STREAMS: the index of the first key (0: error written);
 * *block: BLOCK given (its milliseconds checked here, in option order, as Redis). */
static uint32_t xread_options(struct mctx *c, int64_t *count, bool *block) {
    for (uint32_t i = 1; i < c->argc; i++) {
        uint32_t more = c->argc - i - 1;
        struct kv_slice o = c->argv[i];
        if (m_opt_eq(o, "block") && more > 0) {
            int64_t ms;
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &ms)) {
                sim_buf_error(c->out, "ERR timeout is not an integer or out of range");
                return 0;
            }
            if (ms < 0) {
                sim_buf_error(c->out, "ERR timeout is negative");
                return 0;
            }
            *block = true;
            i++;
        } else if (m_opt_eq(o, "count") && more > 0) {
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, count)) {
                m_reply_not_int(c);
                return 0;
            }
            if (*count < 0) *count = 0;
            i++;
        } else if (m_opt_eq(o, "streams") && more > 0) {
            if ((c->argc - i - 1) % 2 == 0) return i + 1;
            sim_buf_error(c->out, "ERR Unbalanced XREAD list of streams: for each stream key "
                                  "an ID or '$' must be specified.");
            return 0;
        } else if (m_opt_eq(o, "group") && more >= 2) {
            sim_buf_error(c->out, "ERR The GROUP option is only supported by XREADGROUP. You "
                                  "called XREAD instead.");
            return 0;
        } else if (m_opt_eq(o, "noack")) {
            sim_buf_error(c->out, "ERR The NOACK option is only supported by XREADGROUP. You "
                                  "called XREAD instead.");
            return 0;
        } else {
            m_reply_syntax(c);
            return 0;
        }
    }
    m_reply_syntax(c);
    return 0;
}

/* Each key's ID (after its type check, in order); false with the error written. */
static bool xread_ids(struct mctx *c, uint32_t first, uint32_t n, struct m_xid *ids) {
    for (uint32_t k = 0; k < n; k++) {
        struct mentry *e = m_lookup(c->m, c->argv[first + k], c->now);
        struct kv_slice id = c->argv[first + n + k];
        if (e != NULL && e->type != SIM_MODEL_STREAM) {
            m_reply_wrongtype(c);
            return false;
        }
        if (cstr_is(id, "$")) {
            ids[k] = e != NULL ? e->xs->last : (struct m_xid){0, 0};
        } else if (cstr_is(id, ">")) {
            sim_buf_error(c->out, "ERR The > ID can be specified only when calling XREADGROUP "
                                  "using the GROUP <group> <consumer> option.");
            return false;
        } else if (!m_xid_parse(id, 0, true, NULL, &ids[k])) {
            sim_buf_error(c->out, ERR_INVALID_ID);
            return false;
        }
    }
    return true;
}

/* One key's entries after its ID into body (RESP2: [key, entries]; RESP3: a map's
 * key and value); false if it has none. */
static bool xread_one(struct mctx *c, struct kv_slice key, struct m_xid after, int64_t count,
                      struct sim_buf *body) {
    struct mentry *e = m_lookup(c->m, key, c->now);
    struct m_xid maxid, start = after;
    if (e == NULL || e->xs->length == 0 || !m_xs_last_live(e->xs, &maxid) ||
        m_xid_cmp(maxid, after) <= 0 || !m_xid_incr(&start))
        return false;
    if (!m_resp3_session(c)) sim_buf_array(body, 2);
    sim_buf_bulk(body, key.ptr, key.len);
    m_xs_emit_range(body, e->xs, start, (struct m_xid){UINT64_MAX, UINT64_MAX}, count, false);
    return true;
}

/* A blocked XREAD served from key (sim_model_block.c: the stream's last ID is past
 * gt, at an XADD or a new stream): a one-key reply of its entries after gt, up to
 * count (0: all), possibly none (deleted since). */
void m_xread_serve(struct sim_model *m, uint64_t session, struct kv_slice key, struct m_xid gt,
                   int64_t count, struct sim_buf *out) {
    struct mctx c = {m, 0, NULL, m->now, out, NULL, 0, NULL, 0, session, false, false};
    struct mentry *e = m_lookup(m, key, m->now);
    KV_ASSERT(e != NULL && e->type == SIM_MODEL_STREAM && m_xid_cmp(e->xs->last, gt) > 0);
    struct m_xid start = gt;
    bool next = m_xid_incr(&start); /* gt < last: never the greatest ID */
    KV_ASSERT(next);
    if (m_resp3_session(&c)) {
        sim_buf_put(out, "%1\r\n", 4);
    } else {
        sim_buf_array(out, 1);
        sim_buf_array(out, 2);
    }
    sim_buf_bulk(out, key.ptr, key.len);
    m_xs_emit_range(out, e->xs, start, (struct m_xid){UINT64_MAX, UINT64_MAX}, count, false);
}

static void cmd_xread(struct mctx *c) {
    int64_t count = 0;
    bool block = false;
    uint32_t first = xread_options(c, &count, &block);
    if (first == 0) return;
    uint32_t n = (c->argc - first) / 2, served = 0;
    struct m_xid *ids = calloc(n + 1, sizeof(*ids));
    KV_ASSERT(ids != NULL && n >= 1);
    if (!xread_ids(c, first, n, ids)) {
        free(ids);
        return;
    }
    struct sim_buf body = {0};
    for (uint32_t j = 0; j < n; j++) served += xread_one(c, c->argv[first + j], ids[j], count,
                                                         &body);
    if (served == 0) {
        /* BLOCK with nothing to read blocks (sim_model_block.c), except inside EXEC */
        if (block && !m_session(c->m, c->session)->exec_pending)
            m_why(c, "nothing to read: XREAD BLOCK should have blocked");
        sim_buf_null_array(c->out);
    } else if (m_resp3_session(c)) {
        char head[24];
        int h = snprintf(head, sizeof(head), "%%%u\r\n", served);
        sim_buf_put(c->out, head, (uint64_t)h);
    } else {
        sim_buf_array(c->out, served);
    }
    sim_buf_put(c->out, body.p, body.len);
    sim_buf_free(&body);
    free(ids);
}

static const struct mcmd cmds[] = {
    {"xadd", -5, MF_WRITE | MF_DENYOOM, cmd_xadd, NULL},
    {"xtrim", -4, MF_WRITE, cmd_xtrim, NULL},
    {"xdel", -3, MF_WRITE, cmd_xdel, NULL},
    {"xlen", 2, MF_READONLY, cmd_xlen, NULL},
    {"xrange", -4, MF_READONLY, cmd_xrange, NULL},
    {"xrevrange", -4, MF_READONLY, cmd_xrange, NULL},
    {"xread", -4, MF_READONLY, cmd_xread, NULL},
    {"xsetid", -3, MF_WRITE | MF_DENYOOM | MF_NOTOUCH, m_cmd_xsetid, NULL},
    {"xinfo", -2, MF_READONLY, m_cmd_xinfo, NULL},
    {"xgroup", -2, MF_WRITE | MF_DENYOOM, m_cmd_xgroup, NULL},
};

const struct mcmd_table sim_model_cmds_stream = {cmds, KV_ARRAY_LEN(cmds)};

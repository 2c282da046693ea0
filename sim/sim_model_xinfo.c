/*
 * sim_model_xinfo.c: the reference model's XSETID and XINFO (HELP, STREAM [FULL
 * [COUNT n]], GROUPS, CONSUMERS), written from Redis 7.0's documentation and
 * redis-server 7.0.15's observed replies, not from src/. Test code: heap allowed.
 *
 * XSETID checks its ID and options before the key (so a syntax error or an ID below
 * MAXDELETEDID beats "no such key"), then: the ID must not be below the last live
 * entry, ENTRIESADDED not below the length (both only while the stream has entries);
 * it never compares with the current max deleted ID. One deliberate difference of
 * kv's is modelled: "the last live entry" is the greatest ID still in a node, a
 * deleted entry's included (see README; Redis 7.0.15 would accept the ID and could
 * then append behind a deleted entry, out of order). XINFO looks its key up before
 * STREAM's options. STREAM's fields: recorded-first-entry-id is the first live entry
 * (0-0 when empty), radix-tree-keys the node count; radix-tree-nodes (Redis's radix
 * tree's inner nodes) is not modelled: the server's figure is taken as given when it
 * is at least 1 (exactly 1 with no node). The groups' parts: sim_model_xgroup.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_stream.h"

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"

static const char *const help_lines[] = {
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
};

/* ---- XSETID --------------------------------------------------------------- */

/* The options after the ID: false with the error written. */
static bool setid_options(struct mctx *c, struct m_xid id, int64_t *added,
                          struct m_xid *maxdel) {
    for (uint32_t i = 3; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        if (more && m_opt_eq(c->argv[i], "entriesadded")) {
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, added)) {
                m_reply_not_int(c);
                return false;
            }
            if (*added < 0) {
                sim_buf_error(c->out, "ERR entries_added must be positive");
                return false;
            }
        } else if (more && m_opt_eq(c->argv[i], "maxdeletedid")) {
            if (!m_xid_parse(c->argv[i + 1], 0, true, NULL, maxdel)) {
                sim_buf_error(c->out, ERR_INVALID_ID);
                return false;
            }
            if (m_xid_cmp(id, *maxdel) < 0) {
                sim_buf_error(c->out, "ERR The ID specified in XSETID is smaller than the "
                                      "provided max_deleted_entry_id");
                return false;
            }
        } else {
            m_reply_syntax(c);
            return false;
        }
    }
    return true;
}

void m_cmd_xsetid(struct mctx *c) {
    struct m_xid id, maxdel = {0, 0}, top;
    int64_t added = -1;
    if (!m_xid_parse(c->argv[2], 0, true, NULL, &id)) {
        sim_buf_error(c->out, ERR_INVALID_ID);
        return;
    }
    if (!setid_options(c, id, &added, &maxdel)) return;
    bool bad;
    struct mentry *e = m_xs_lookup(c, 1, &bad);
    if (bad) return;
    if (e == NULL) {
        sim_buf_error(c->out, "ERR no such key");
        return;
    }
    struct mstream *s = e->xs;
    /* kv's one deliberate difference (README): the top is the greatest ID still in a
     * node, a deleted entry's included (Redis 7.0.15: the last live entry's) */
    bool any = s->nn > 0;
    if (any) top = s->node[s->nn - 1].e[s->node[s->nn - 1].n - 1].id;
    if (any && m_xid_cmp(id, top) < 0) {
        sim_buf_error(c->out, "ERR The ID specified in XSETID is smaller than the target "
                              "stream top item");
        return;
    }
    if (s->length > 0 && added != -1 && s->length > (uint64_t)added) {
        sim_buf_error(c->out, "ERR The entries_added specified in XSETID is smaller than the "
                              "target stream length");
        return;
    }
    s->last = id;
    if (added != -1) s->added = (uint64_t)added;
    if (maxdel.ms != 0 || maxdel.seq != 0) s->max_del = maxdel;
    sim_buf_simple(c->out, "OK");
}

/* ---- XINFO ---------------------------------------------------------------- */

/* The server's radix-tree-nodes figure (see the opening comment); -1: none. */
static int64_t reply_tree_nodes(const struct mctx *c) {
    static const char tag[] = "$16\r\nradix-tree-nodes\r\n:";
    uint32_t t = (uint32_t)sizeof(tag) - 1;
    for (uint32_t i = 0; i + t < c->reply_len; i++) {
        if (memcmp(c->reply + i, tag, t) != 0) continue;
        uint32_t j = i + t, k = j;
        while (k < c->reply_len && c->reply[k] != '\r') k++;
        int64_t v;
        return m_str2ll(c->reply + j, k - j, &v) && v >= 1 ? v : -1;
    }
    return -1;
}

/* The first (last) live entry as [id, [field, value, ...]], or a null. */
static void edge_entry(struct sim_buf *out, const struct mstream *s, bool last) {
    struct sim_buf one = {0};
    struct m_xid lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    m_xs_emit_range(&one, s, lo, hi, 1, last);
    if (one.len == 4) sim_buf_null(out);       /* "*0\r\n" */
    else sim_buf_put(out, one.p + 4, one.len - 4); /* past "*1\r\n" */
    sim_buf_free(&one);
}

static void stream_reply(struct mctx *c, const struct mstream *s, int64_t count) {
    struct m_xid first = {0, 0};
    (void)m_xs_first_live(s, &first);
    int64_t nodes = s->nn == 0 ? 1 : reply_tree_nodes(c);
    sim_buf_array(c->out, count < 0 ? 20 : 18);
    sim_buf_bulk(c->out, "length", 6);
    sim_buf_int(c->out, (int64_t)s->length);
    sim_buf_bulk(c->out, "radix-tree-keys", 15);
    sim_buf_int(c->out, (int64_t)s->nn);
    sim_buf_bulk(c->out, "radix-tree-nodes", 16);
    sim_buf_int(c->out, nodes);
    sim_buf_bulk(c->out, "last-generated-id", 17);
    m_xs_reply_id(c->out, s->last);
    sim_buf_bulk(c->out, "max-deleted-entry-id", 20);
    m_xs_reply_id(c->out, s->max_del);
    sim_buf_bulk(c->out, "entries-added", 13);
    sim_buf_int(c->out, (int64_t)s->added);
    sim_buf_bulk(c->out, "recorded-first-entry-id", 23);
    m_xs_reply_id(c->out, first);
    if (count >= 0) {
        sim_buf_bulk(c->out, "entries", 7);
        m_xs_emit_range(c->out, s, (struct m_xid){0, 0},
                        (struct m_xid){UINT64_MAX, UINT64_MAX}, count, false);
        sim_buf_bulk(c->out, "groups", 6);
        m_xg_full_groups(c, s);
        return;
    }
    sim_buf_bulk(c->out, "groups", 6);
    sim_buf_int(c->out, s->ng);
    sim_buf_bulk(c->out, "first-entry", 11);
    edge_entry(c->out, s, false);
    sim_buf_bulk(c->out, "last-entry", 10);
    edge_entry(c->out, s, true);
}

/* XINFO STREAM key [FULL [COUNT n]]: COUNT below 0 is 10, 0 is every entry. */
static void xinfo_stream(struct mctx *c, const struct mstream *s) {
    int64_t count = -1;
    if (c->argc > 3) {
        bool ok = m_opt_eq(c->argv[3], "full") && (c->argc == 4 || c->argc == 6);
        if (ok && c->argc == 6) ok = m_opt_eq(c->argv[4], "count");
        if (!ok) {
            sim_buf_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for "
                                   "'%.*s'. Try XINFO HELP.", (int)c->argv[1].len,
                           (const char *)c->argv[1].ptr);
            return;
        }
        count = 10;
        if (c->argc == 6 && !m_str2ll(c->argv[5].ptr, c->argv[5].len, &count)) {
            m_reply_not_int(c);
            return;
        }
        if (count < 0) count = 10;
    }
    stream_reply(c, s, count);
}

/* The subcommand (0 help, 1 stream, 2 groups, 3 consumers) or -1 (error written). */
static int xinfo_sub(struct mctx *c) {
    static const char *const subs[] = {"help", "stream", "groups", "consumers"};
    static const int32_t arity[] = {2, -3, 3, 4};
    for (int i = 0; i < 4; i++) {
        if (!m_eq_nocase(c->argv[1], subs[i])) continue;
        int32_t a = arity[i];
        if (a > 0 ? c->argc == (uint32_t)a : c->argc >= (uint32_t)-a) return i;
        sim_buf_errorf(c->out, "ERR wrong number of arguments for 'xinfo|%s' command",
                       subs[i]);
        return -1;
    }
    uint32_t n = c->argv[1].len > 128 ? 128 : c->argv[1].len;
    char name[129];
    memcpy(name, c->argv[1].ptr, n);
    name[n] = 0;
    sim_buf_errorf(c->out, "ERR unknown subcommand '%s'. Try XINFO HELP.", name);
    return -1;
}

void m_cmd_xinfo(struct mctx *c) {
    int sub = xinfo_sub(c);
    if (sub < 0) return;
    if (sub == 0) {
        sim_buf_array(c->out, KV_ARRAY_LEN(help_lines));
        for (uint32_t i = 0; i < KV_ARRAY_LEN(help_lines); i++)
            sim_buf_simple(c->out, help_lines[i]);
        return;
    }
    bool bad;
    struct mentry *e = m_xs_lookup(c, 2, &bad);
    if (bad) return;
    if (e == NULL) sim_buf_error(c->out, "ERR no such key");
    else if (sub == 1) xinfo_stream(c, e->xs);
    else if (sub == 2) m_xg_info_groups(c, e->xs);
    else m_xg_info_consumers(c, e->xs);
}

bool m_sub_refused(struct mctx *c) {
    if (c->argc < 2) return false;
    if (m_eq_nocase(c->argv[0], "xgroup")) return m_xg_sub(c) < 0;
    return m_eq_nocase(c->argv[0], "xinfo") && xinfo_sub(c) < 0;
}

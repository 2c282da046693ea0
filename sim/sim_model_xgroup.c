/*
 * sim_model_xgroup.c: the reference model's consumer groups: XGROUP (HELP, CREATE
 * [MKSTREAM] [ENTRIESREAD n], SETID [ENTRIESREAD n], DESTROY, CREATECONSUMER,
 * DELCONSUMER), XINFO GROUPS and CONSUMERS, and XINFO STREAM's groups (the count;
 * FULL's maps). Written from Redis 7.0's documentation and redis-server 7.0.15's
 * observed replies, not from src/. Test code: heap allowed.
 *
 * Order of XGROUP's checks (7.0.15): subcommand and arity; CREATE's and SETID's
 * options (MKSTREAM only for CREATE; ENTRIESREAD must be >= -1); the key (WRONGTYPE,
 * then "requires the key to exist" unless MKSTREAM); -NOGROUP for SETID and the
 * consumer subcommands; the argument count of the form (CREATE 5..8, SETID 5 or 7),
 * then the ID (CREATE: strict, `$` the last ID; SETID: `-`, `+` too). Only a stream
 * that MKSTREAM creates is a change WATCH sees (the fingerprint leaves groups out).
 * Lag and entries-read follow 7.0's rules (an estimate from entries-added, length,
 * the first entry and the max deleted ID; null when unknown). No pending entries:
 * XREADGROUP is not modelled. Consumers' idle (XINFO CONSUMERS) and seen-time
 * (FULL) come from the command's now; against a real server (clock slack) the
 * server's figure is taken when it is within the slack of the model's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_model_stream.h"

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"

enum { XG_HELP, XG_CREATE, XG_SETID, XG_DESTROY, XG_CCREATE, XG_CDEL };

static const char *const help_lines[] = {
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
};

static struct mval dupv(struct kv_slice s) {
    struct mval v = {malloc(s.len + 1), s.len};
    KV_ASSERT(v.p != NULL);
    if (s.len > 0) memcpy(v.p, s.ptr, s.len);
    return v;
}

static int cmp_name(const struct mval *a, struct kv_slice b) {
    uint32_t n = a->len < b.len ? a->len : b.len;
    int c = n == 0 ? 0 : memcmp(a->p, b.ptr, n);
    if (c != 0) return c;
    return a->len == b.len ? 0 : a->len < b.len ? -1 : 1;
}

static void group_free(struct mxgroup *g) {
    for (uint32_t k = 0; k < g->nc; k++) free(g->c[k].name.p);
    free(g->c);
    free(g->name.p);
}

void m_xg_free(struct mstream *s) {
    for (uint32_t i = 0; i < s->ng; i++) group_free(&s->grp[i]);
    free(s->grp);
    s->grp = NULL;
    s->ng = 0;
}

void m_xg_copy(struct mstream *d, const struct mstream *s) {
    d->grp = calloc(s->ng + 1, sizeof(*d->grp));
    KV_ASSERT(d->grp != NULL);
    for (uint32_t i = 0; i < s->ng; i++) {
        const struct mxgroup *g = &s->grp[i];
        d->grp[i] = *g;
        d->grp[i].name = dupv((struct kv_slice){g->name.p, g->name.len});
        d->grp[i].c = calloc(g->nc + 1, sizeof(*g->c));
        KV_ASSERT(d->grp[i].c != NULL);
        for (uint32_t k = 0; k < g->nc; k++) {
            d->grp[i].c[k] = g->c[k];
            d->grp[i].c[k].name = dupv((struct kv_slice){g->c[k].name.p, g->c[k].name.len});
        }
    }
}

/* The group's index, or -(insertion point) - 1. */
static int64_t group_at(const struct mstream *s, struct kv_slice name) {
    for (uint32_t i = 0; i < s->ng; i++) {
        int c = cmp_name(&s->grp[i].name, name);
        if (c == 0) return i;
        if (c > 0) return -(int64_t)i - 1;
    }
    return -(int64_t)s->ng - 1;
}

static int64_t cons_at(const struct mxgroup *g, struct kv_slice name) {
    for (uint32_t i = 0; i < g->nc; i++) {
        int c = cmp_name(&g->c[i].name, name);
        if (c == 0) return i;
        if (c > 0) return -(int64_t)i - 1;
    }
    return -(int64_t)g->nc - 1;
}

int m_xg_sub(struct mctx *c) {
    static const char *const subs[] = {"help", "create", "setid", "destroy",
                                       "createconsumer", "delconsumer"};
    static const int32_t arity[] = {2, -5, -5, 4, 5, 5};
    for (int i = 0; i < 6; i++) {
        if (!m_eq_nocase(c->argv[1], subs[i])) continue;
        int32_t a = arity[i];
        if (a > 0 ? c->argc == (uint32_t)a : c->argc >= (uint32_t)-a) return i;
        sim_buf_errorf(c->out, "ERR wrong number of arguments for 'xgroup|%s' command",
                       subs[i]);
        return -1;
    }
    uint32_t n = c->argv[1].len > 128 ? 128 : c->argv[1].len;
    char name[129];
    memcpy(name, c->argv[1].ptr, n);
    name[n] = 0;
    sim_buf_errorf(c->out, "ERR unknown subcommand '%s'. Try XGROUP HELP.", name);
    return -1;
}

static void syntax(struct mctx *c) {
    sim_buf_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                           "Try XGROUP HELP.", (int)c->argv[1].len,
                   (const char *)c->argv[1].ptr);
}

static bool options(struct mctx *c, int sub, bool *mk, int64_t *read) {
    for (uint32_t i = 5; i < c->argc;) {
        if (sub == XG_CREATE && m_opt_eq(c->argv[i], "mkstream")) {
            *mk = true;
            i++;
        } else if (i + 1 < c->argc && m_opt_eq(c->argv[i], "entriesread")) {
            if (!m_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, read)) {
                m_reply_not_int(c);
                return false;
            }
            if (*read < -1) {
                sim_buf_error(c->out, "ERR value for ENTRIESREAD must be positive or -1");
                return false;
            }
            i += 2;
        } else {
            syntax(c);
            return false;
        }
    }
    return true;
}

static bool dollar(struct kv_slice a) {
    return a.len >= 1 && a.ptr[0] == '$' && (a.len == 1 || a.ptr[1] == 0);
}

static void create(struct mctx *c, struct mentry *e, int64_t read) {
    struct m_xid id = {0, 0};
    if (dollar(c->argv[4])) {
        if (e != NULL) id = e->xs->last;
    } else if (!m_xid_parse(c->argv[4], 0, true, NULL, &id)) {
        sim_buf_error(c->out, ERR_INVALID_ID);
        return;
    }
    if (e != NULL && group_at(e->xs, c->argv[3]) >= 0) {
        sim_buf_error(c->out, "BUSYGROUP Consumer Group name already exists");
        return;
    }
    if (e == NULL) {
        e = m_add(c->m, c->argv[2], SIM_MODEL_STREAM);
        e->xs = m_xs_new();
    }
    struct mstream *s = e->xs;
    uint32_t at = (uint32_t)(-group_at(s, c->argv[3]) - 1);
    s->grp = realloc(s->grp, (s->ng + 1) * sizeof(*s->grp));
    KV_ASSERT(s->grp != NULL);
    memmove(&s->grp[at + 1], &s->grp[at], (s->ng - at) * sizeof(*s->grp));
    s->grp[at] = (struct mxgroup){dupv(c->argv[3]), id, read, NULL, 0};
    s->ng++;
    sim_buf_simple(c->out, "OK");
}

static void on_group(struct mctx *c, int sub, struct mstream *s, uint32_t gi, int64_t read) {
    struct mxgroup *g = &s->grp[gi];
    if (sub == XG_SETID) {
        struct m_xid id = s->last;
        if (!dollar(c->argv[4]) && !m_xid_parse(c->argv[4], 0, false, NULL, &id)) {
            sim_buf_error(c->out, ERR_INVALID_ID);
            return;
        }
        g->last = id;
        g->read = read;
        sim_buf_simple(c->out, "OK");
    } else if (sub == XG_DESTROY) {
        group_free(g);
        memmove(&s->grp[gi], &s->grp[gi + 1], (s->ng - gi - 1) * sizeof(*s->grp));
        s->ng--;
        sim_buf_int(c->out, 1);
    } else if (sub == XG_CCREATE) {
        int64_t k = cons_at(g, c->argv[4]);
        if (k < 0) {
            uint32_t at = (uint32_t)(-k - 1);
            g->c = realloc(g->c, (g->nc + 1) * sizeof(*g->c));
            KV_ASSERT(g->c != NULL);
            memmove(&g->c[at + 1], &g->c[at], (g->nc - at) * sizeof(*g->c));
            g->c[at] = (struct mxcons){dupv(c->argv[4]), c->now};
            g->nc++;
        }
        sim_buf_int(c->out, k < 0 ? 1 : 0);
    } else {
        int64_t k = cons_at(g, c->argv[4]);
        if (k >= 0) {
            free(g->c[k].name.p);
            memmove(&g->c[k], &g->c[k + 1], (g->nc - (uint32_t)k - 1) * sizeof(*g->c));
            g->nc--;
        }
        sim_buf_int(c->out, 0); /* no pending entries */
    }
}

void m_cmd_xgroup(struct mctx *c) {
    int sub = m_xg_sub(c);
    if (sub < 0) return;
    if (sub == XG_HELP) {
        sim_buf_array(c->out, KV_ARRAY_LEN(help_lines));
        for (uint32_t i = 0; i < KV_ARRAY_LEN(help_lines); i++)
            sim_buf_simple(c->out, help_lines[i]);
        return;
    }
    bool mk = false;
    int64_t read = -1;
    if ((sub == XG_CREATE || sub == XG_SETID) && !options(c, sub, &mk, &read)) return;
    bool bad;
    struct mentry *e = m_xs_lookup(c, 2, &bad);
    if (bad) return;
    if (e == NULL && !mk) {
        sim_buf_error(c->out, "ERR The XGROUP subcommand requires the key to exist. Note that "
                              "for CREATE you may want to use the MKSTREAM option to create "
                              "an empty stream automatically.");
        return;
    }
    int64_t gi = e == NULL ? -1 : group_at(e->xs, c->argv[3]);
    if (gi < 0 && (sub == XG_SETID || sub == XG_CCREATE || sub == XG_CDEL)) {
        sim_buf_errorf(c->out, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                       (int)c->argv[3].len, (const char *)c->argv[3].ptr,
                       (int)c->argv[2].len, (const char *)c->argv[2].ptr);
    } else if (sub == XG_CREATE) {
        if (c->argc <= 8) create(c, e, read);
        else syntax(c);
    } else if (sub == XG_SETID && c->argc != 5 && c->argc != 7) {
        syntax(c);
    } else if (sub == XG_DESTROY && gi < 0) {
        sim_buf_int(c->out, 0);
    } else {
        on_group(c, sub, e->xs, (uint32_t)gi, read);
    }
}

/* ---- XINFO ---------------------------------------------------------------- */

static void map_hdr(struct mctx *c, uint32_t n) {
    if (!m_resp3_session(c)) {
        sim_buf_array(c->out, 2ull * n);
        return;
    }
    char h[24];
    int k = snprintf(h, sizeof(h), "%%%u\r\n", n);
    sim_buf_put(c->out, h, (uint64_t)k);
}

/* The k-th integer after `tag` in the server's reply if within tol of want. */
static int64_t reply_near(const struct mctx *c, const char *tag, uint32_t k, int64_t want) {
    int64_t tol = 2 * c->m->lim.clock_slack_ms;
    uint32_t t = (uint32_t)strlen(tag), seen = 0;
    for (uint32_t i = 0; tol > 0 && i + t < c->reply_len; i++) {
        if (memcmp(c->reply + i, tag, t) != 0 || seen++ != k) continue;
        uint32_t j = i + t, e = j;
        while (e < c->reply_len && c->reply[e] != '\r') e++;
        int64_t v;
        if (m_str2ll(c->reply + j, e - j, &v) && v >= want - tol && v <= want + tol) return v;
        return want;
    }
    return want;
}

static bool zero(struct m_xid id) { return id.ms == 0 && id.seq == 0; }

static struct m_xid first_id(const struct mstream *s) {
    struct m_xid f = {0, 0};
    (void)m_xs_first_live(s, &f);
    return f;
}

/* The entries-read estimate of id (7.0's rules); -1: unknown. */
static int64_t estimate(const struct mstream *s, struct m_xid id) {
    if (s->added == 0) return 0;
    int last = m_xid_cmp(id, s->last);
    if ((s->length == 0 && last <= 0) || last == 0) return (int64_t)s->added;
    if (last > 0) return -1;
    struct m_xid f = first_id(s);
    if (zero(s->max_del) || m_xid_cmp(s->max_del, f) < 0) {
        if (m_xid_cmp(id, f) < 0) return (int64_t)(s->added - s->length);
        if (m_xid_cmp(id, f) == 0) return (int64_t)(s->added - s->length + 1);
    }
    return -1;
}

static void lag(struct mctx *c, const struct mstream *s, const struct mxgroup *g) {
    if (s->added == 0) {
        sim_buf_int(c->out, 0);
        return;
    }
    bool tomb = s->length > 0 && !zero(s->max_del) &&
                m_xid_cmp(first_id(s), s->max_del) <= 0 && m_xid_cmp(g->last, s->max_del) <= 0;
    int64_t read = g->read == -1 || tomb ? estimate(s, g->last) : g->read;
    if (read == -1) sim_buf_null(c->out);
    else sim_buf_int(c->out, (int64_t)s->added - read);
}

static void entries_read(struct mctx *c, const struct mxgroup *g) {
    if (g->read == -1) sim_buf_null(c->out);
    else sim_buf_int(c->out, g->read);
}

void m_xg_info_groups(struct mctx *c, const struct mstream *s) {
    sim_buf_array(c->out, s->ng);
    for (uint32_t i = 0; i < s->ng; i++) {
        const struct mxgroup *g = &s->grp[i];
        map_hdr(c, 6);
        sim_buf_bulk(c->out, "name", 4);
        sim_buf_bulk(c->out, g->name.p, g->name.len);
        sim_buf_bulk(c->out, "consumers", 9);
        sim_buf_int(c->out, g->nc);
        sim_buf_bulk(c->out, "pending", 7);
        sim_buf_int(c->out, 0);
        sim_buf_bulk(c->out, "last-delivered-id", 17);
        m_xs_reply_id(c->out, g->last);
        sim_buf_bulk(c->out, "entries-read", 12);
        entries_read(c, g);
        sim_buf_bulk(c->out, "lag", 3);
        lag(c, s, g);
    }
}

void m_xg_info_consumers(struct mctx *c, const struct mstream *s) {
    int64_t gi = group_at(s, c->argv[3]);
    if (gi < 0) {
        sim_buf_errorf(c->out, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                       (int)c->argv[3].len, (const char *)c->argv[3].ptr,
                       (int)c->argv[2].len, (const char *)c->argv[2].ptr);
        return;
    }
    const struct mxgroup *g = &s->grp[gi];
    sim_buf_array(c->out, g->nc);
    for (uint32_t k = 0; k < g->nc; k++) {
        int64_t idle = c->now - g->c[k].seen;
        map_hdr(c, 3);
        sim_buf_bulk(c->out, "name", 4);
        sim_buf_bulk(c->out, g->c[k].name.p, g->c[k].name.len);
        sim_buf_bulk(c->out, "pending", 7);
        sim_buf_int(c->out, 0);
        sim_buf_bulk(c->out, "idle", 4);
        sim_buf_int(c->out, reply_near(c, "$4\r\nidle\r\n:", k, idle < 0 ? 0 : idle));
    }
}

void m_xg_full_groups(struct mctx *c, const struct mstream *s) {
    sim_buf_array(c->out, s->ng);
    uint32_t nth = 0;
    for (uint32_t i = 0; i < s->ng; i++) {
        const struct mxgroup *g = &s->grp[i];
        map_hdr(c, 7);
        sim_buf_bulk(c->out, "name", 4);
        sim_buf_bulk(c->out, g->name.p, g->name.len);
        sim_buf_bulk(c->out, "last-delivered-id", 17);
        m_xs_reply_id(c->out, g->last);
        sim_buf_bulk(c->out, "entries-read", 12);
        entries_read(c, g);
        sim_buf_bulk(c->out, "lag", 3);
        lag(c, s, g);
        sim_buf_bulk(c->out, "pel-count", 9);
        sim_buf_int(c->out, 0);
        sim_buf_bulk(c->out, "pending", 7);
        sim_buf_array(c->out, 0);
        sim_buf_bulk(c->out, "consumers", 9);
        sim_buf_array(c->out, g->nc);
        for (uint32_t k = 0; k < g->nc; k++, nth++) {
            map_hdr(c, 4);
            sim_buf_bulk(c->out, "name", 4);
            sim_buf_bulk(c->out, g->c[k].name.p, g->c[k].name.len);
            sim_buf_bulk(c->out, "seen-time", 9);
            sim_buf_int(c->out, reply_near(c, "$9\r\nseen-time\r\n:", nth, g->c[k].seen));
            sim_buf_bulk(c->out, "pel-count", 9);
            sim_buf_int(c->out, 0);
            sim_buf_bulk(c->out, "pending", 7);
            sim_buf_array(c->out, 0);
        }
    }
}

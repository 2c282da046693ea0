/*
 * cmd_xinfo.c: a stream's metadata: XSETID (7.0's form: ENTRIESADDED, MAXDELETEDID)
 * and XINFO (HELP, STREAM [FULL [COUNT n]], GROUPS, CONSUMERS). Replies, errors and
 * the order of their checks are Redis 7.0.15's (t_stream.c), byte for byte in RESP2
 * and RESP3 (XINFO STREAM answers a map). The table rows are in cmd_stream.c.
 *
 * XINFO STREAM's figures: length, last-generated-id, max-deleted-entry-id and
 * entries-added come from the head as Redis keeps them; radix-tree-keys is the node
 * count (nodes split where Redis's listpacks do, so it is exact); recorded-first-
 * entry-id is the first live entry's ID, 0-0 when the stream is empty (what Redis's
 * first_id holds after every command kv has). radix-tree-nodes is not exact: Redis
 * counts its radix tree's inner nodes, whose shape depends on the IDs' bytes; kv
 * reports 1 for no node, 2 for one, 2 x nodes + 2 for more (Redis's figure for
 * node IDs that differ in their last bytes only). The differential cases mask it.
 * kv has no consumer groups yet: GROUPS is an empty array, CONSUMERS -NOGROUP,
 * STREAM's groups 0 (FULL: an empty array).
 *
 * XSETID's one difference: an ID below a deleted entry that still sits in a node
 * (XDEL flags entries; a node goes when all of its entries are deleted) is refused
 * with the "smaller than the target stream top item" error. Redis 7.0.15 compares
 * with the last live entry only, and its next XADD may then put an entry behind a
 * deleted one in the same listpack, out of ID order; kv's nodes keep IDs ascending.
 *
 * Memory: none of its own. Invariants: XSETID checks everything before it changes
 * the head; it does not touch the key for WATCH (redis-server 7.0.15's XSETID
 * signals no modified key: a WATCH on it stays clean). Never writes past its bound.
 */
#include <string.h>

#include "cmd_stream.h"
#include "kv/util.h"

#define FULL_COUNT_DEFAULT 10  /* Redis's XINFO STREAM FULL default COUNT */
#define FIELDS_MAX 512u        /* the field names and integers of one XINFO STREAM */
#define ID_MAX 48u             /* one ID as a bulk reply */
#define GROUP_REPLY_MAX 512u   /* one group's fields in XINFO GROUPS or FULL, its name aside */
#define CONSUMER_REPLY_MAX 256u /* one consumer's fields, its name aside */

static const char *const xinfo_help_lines[] = {
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

/* ---- XSETID ------------------------------------------------------------------------------ */

struct setid_args {
    struct kv_stream_id id, max_deleted;
    int64_t entries_added;  /* -1: not given */
};

/* XSETID's ID and options (before the key is looked up); NULL or the error text. */
static const char *parse_setid(const struct kv_cmd_ctx *c, struct setid_args *s) {
    KV_ASSERT(c->argc >= 3);
    memset(s, 0, sizeof(*s));
    s->entries_added = -1;
    if (!kv_cs_parse_id(c->argv[2], true, 0, NULL, &s->id)) return KV_CS_ERR_ID;
    for (uint32_t i = 3; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        if (more && kv_cmd_opt(c, i, "entriesadded")) {
            if (!kv_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &s->entries_added))
                return KV_ERR_NOT_INT;
            if (s->entries_added < 0) return "ERR entries_added must be positive";
        } else if (more && kv_cmd_opt(c, i, "maxdeletedid")) {
            if (!kv_cs_parse_id(c->argv[i + 1], true, 0, NULL, &s->max_deleted))
                return KV_CS_ERR_ID;
            if (kv_stream_id_cmp(s->id, s->max_deleted) < 0)
                return "ERR The ID specified in XSETID is smaller than the provided "
                       "max_deleted_entry_id";
        } else {
            return KV_ERR_SYNTAX;
        }
    }
    KV_ASSERT(s->entries_added >= -1);
    return NULL;
}

/* The checks against the stream's entries; NULL or the error text. */
static const char *setid_check(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                               const struct setid_args *s) {
    KV_ASSERT(h != NULL && s != NULL);
    struct kv_stream_id top;  /* kv: deleted entries still in a node count (README) */
    if (kv_ks_stream_top_id(c->ks, h, &top) && kv_stream_id_cmp(s->id, top) < 0)
        return "ERR The ID specified in XSETID is smaller than the target stream top item";
    if (h->length == 0) return NULL;
    if (s->entries_added != -1 && h->length > (uint64_t)s->entries_added)
        return "ERR The entries_added specified in XSETID is smaller than the target "
               "stream length";
    return NULL;
}

void kv_cmd_xsetid(struct kv_cmd_ctx *c) {
    struct setid_args s;
    const char *err = parse_setid(c, &s);
    struct kv_item *it = NULL;
    if (err == NULL && !kv_cs_find(c, 1, false, &it)) return;
    if (err == NULL && it == NULL) err = KV_ERR_NO_KEY;
    if (err == NULL) err = setid_check(c, kv_ks_stream_head(it), &s);
    if (err != NULL) {
        kv_reply_error(c->out, err);
        return;
    }
    struct kv_stream_head *h = kv_ks_stream_head(it);
    h->last_id = s.id;
    if (s.entries_added != -1) h->entries_added = (uint64_t)s.entries_added;
    if (s.max_deleted.ms != 0 || s.max_deleted.seq != 0) h->max_deleted = s.max_deleted;
    kv_reply_ok(c->out);  /* no kv_engine_touch: Redis 7.0.15's XSETID leaves WATCH be */
}

/* ---- groups ------------------------------------------------------------------------------ */

/* recorded-first-entry-id: the first live entry, 0-0 when empty. */
static struct kv_stream_id first_of(struct kv_cmd_ctx *c, const struct kv_stream_head *h) {
    struct kv_stream_id first = {0, 0};
    (void)kv_ks_stream_first_id(c->ks, h, &first);
    return first;
}

static bool id_zero(struct kv_stream_id id) { return id.ms == 0 && id.seq == 0; }

/* Redis's streamEstimateDistanceFromFirstEverEntry: the entries-read counter of id,
 * or -1 where it cannot be known (an ID inside a fragmented stream, a future one). */
static int64_t estimate_read(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                             struct kv_stream_id id) {
    if (h->entries_added == 0) return 0;
    int last = kv_stream_id_cmp(id, h->last_id);
    if (h->length == 0 && last <= 0) return (int64_t)h->entries_added;
    if (last == 0) return (int64_t)h->entries_added;
    if (last > 0) return -1;
    struct kv_stream_id first = first_of(c, h);
    int cmp_first = kv_stream_id_cmp(id, first);
    if (id_zero(h->max_deleted) || kv_stream_id_cmp(h->max_deleted, first) < 0) {
        if (cmp_first < 0) return (int64_t)(h->entries_added - h->length);
        if (cmp_first == 0) return (int64_t)(h->entries_added - h->length + 1);
    }
    return -1;
}

/* Redis's streamRangeHasTombstones(s, from, +inf). */
static bool tombstones_after(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                             struct kv_stream_id from) {
    if (h->length == 0 || id_zero(h->max_deleted)) return false;
    if (kv_stream_id_cmp(first_of(c, h), h->max_deleted) > 0) return false;
    return kv_stream_id_cmp(from, h->max_deleted) <= 0;
}

/* A group's lag as Redis 7.0 computes it (streamReplyWithCGLag); null if unknown. */
static void reply_lag(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                      const struct kv_stream_group *g) {
    int64_t read = g->entries_read;
    if (h->entries_added == 0) {
        kv_reply_int(c->out, 0);
        return;
    }
    if (read == -1 || tombstones_after(c, h, g->last)) read = estimate_read(c, h, g->last);
    if (read == -1) kv_reply_null(c->out);
    else kv_reply_int(c->out, (int64_t)h->entries_added - read);
}

static void reply_entries_read(struct kv_cmd_ctx *c, const struct kv_stream_group *g) {
    if (g->entries_read == -1) kv_reply_null(c->out);
    else kv_reply_int(c->out, g->entries_read);
}

static void xinfo_groups(struct kv_cmd_ctx *c, const struct kv_stream_head *h) {
    struct kv_stream_group g;
    kv_reply_array(c->out, kv_ks_stream_groups(c->ks, h));
    for (bool more = kv_ks_stream_group_next(c->ks, h, &g, true); more;
         more = kv_ks_stream_group_next(c->ks, h, &g, false)) {
        kv_reply_map(c->out, 6);
        kv_reply_bulk_cstr(c->out, "name");
        kv_reply_bulk(c->out, g.name.ptr, g.name.len);
        kv_reply_bulk_cstr(c->out, "consumers");
        kv_reply_int(c->out, g.consumers);
        kv_reply_bulk_cstr(c->out, "pending");
        kv_reply_int(c->out, g.pending);
        kv_reply_bulk_cstr(c->out, "last-delivered-id");
        kv_cs_reply_id(c, g.last);
        kv_reply_bulk_cstr(c->out, "entries-read");
        reply_entries_read(c, &g);
        kv_reply_bulk_cstr(c->out, "lag");
        reply_lag(c, h, &g);
    }
}

static void xinfo_consumers(struct kv_cmd_ctx *c, const struct kv_stream_head *h) {
    struct kv_stream_group g;
    if (!kv_ks_stream_group_find(c->ks, h, c->argv[3], &g)) {
        kv_reply_errorf(c->out, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                        (int)strnlen((const char *)c->argv[3].ptr, c->argv[3].len),
                        (const char *)c->argv[3].ptr,
                        (int)strnlen((const char *)c->argv[2].ptr, c->argv[2].len),
                        (const char *)c->argv[2].ptr);
        return;
    }
    struct kv_stream_consumer cons;
    kv_reply_array(c->out, g.consumers);
    for (bool more = kv_ks_stream_consumer_next(c->ks, h, &g, &cons, true); more;
         more = kv_ks_stream_consumer_next(c->ks, h, &g, &cons, false)) {
        int64_t idle = c->now_ms - cons.seen_time;
        kv_reply_map(c->out, 3);
        kv_reply_bulk_cstr(c->out, "name");
        kv_reply_bulk(c->out, cons.name.ptr, cons.name.len);
        kv_reply_bulk_cstr(c->out, "pending");
        kv_reply_int(c->out, cons.pending);
        kv_reply_bulk_cstr(c->out, "idle");
        kv_reply_int(c->out, idle < 0 ? 0 : idle);
    }
}

/* XINFO STREAM FULL's groups: each with its (empty) PEL and its consumers. */
static void full_groups(struct kv_cmd_ctx *c, const struct kv_stream_head *h) {
    struct kv_stream_group g;
    kv_reply_array(c->out, kv_ks_stream_groups(c->ks, h));
    for (bool more = kv_ks_stream_group_next(c->ks, h, &g, true); more;
         more = kv_ks_stream_group_next(c->ks, h, &g, false)) {
        kv_reply_map(c->out, 7);
        kv_reply_bulk_cstr(c->out, "name");
        kv_reply_bulk(c->out, g.name.ptr, g.name.len);
        kv_reply_bulk_cstr(c->out, "last-delivered-id");
        kv_cs_reply_id(c, g.last);
        kv_reply_bulk_cstr(c->out, "entries-read");
        reply_entries_read(c, &g);
        kv_reply_bulk_cstr(c->out, "lag");
        reply_lag(c, h, &g);
        kv_reply_bulk_cstr(c->out, "pel-count");
        kv_reply_int(c->out, g.pending);
        kv_reply_bulk_cstr(c->out, "pending");
        kv_reply_array(c->out, 0);
        kv_reply_bulk_cstr(c->out, "consumers");
        kv_reply_array(c->out, g.consumers);
        struct kv_stream_consumer cons;
        for (bool cm = kv_ks_stream_consumer_next(c->ks, h, &g, &cons, true); cm;
             cm = kv_ks_stream_consumer_next(c->ks, h, &g, &cons, false)) {
            kv_reply_map(c->out, 4);
            kv_reply_bulk_cstr(c->out, "name");
            kv_reply_bulk(c->out, cons.name.ptr, cons.name.len);
            kv_reply_bulk_cstr(c->out, "seen-time");
            kv_reply_int(c->out, cons.seen_time);
            kv_reply_bulk_cstr(c->out, "pel-count");
            kv_reply_int(c->out, cons.pending);
            kv_reply_bulk_cstr(c->out, "pending");
            kv_reply_array(c->out, 0);
        }
    }
}

/* ---- XINFO STREAM ------------------------------------------------------------------------ */

/* One entry as [id, [field, value, ...]] (Redis's raw entry form). */
static void reply_entry(struct kv_cmd_ctx *c, struct kv_stream_entry *e) {
    KV_ASSERT(e != NULL);
    kv_reply_array(c->out, 2);
    kv_cs_reply_id(c, e->id);
    kv_reply_array(c->out, 2ull * e->pairs);
    for (uint32_t p = 0; p < e->pairs; p++) {
        struct kv_slice f, v;
        kv_stream_entry_pair(e, &f, &v);
        kv_reply_bulk(c->out, f.ptr, f.len);
        kv_reply_bulk(c->out, v.ptr, v.len);
    }
}

/* The first (or last) live entry, or a null. */
static void reply_edge(struct kv_cmd_ctx *c, const struct kv_stream_head *h, bool last) {
    struct kv_stream_iter it;
    struct kv_stream_entry e;
    struct kv_stream_id lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    kv_ks_stream_iter_init(&it, c->ks, h, lo, hi, last);
    if (kv_stream_iter_next(&it, &e)) reply_entry(c, &e);
    else kv_reply_null(c->out);
}

/* kv's radix-tree-nodes (see the opening comment). */
static int64_t tree_nodes(const struct kv_stream_head *h) {
    uint64_t keys = kv_stream_nodes(h);
    return keys == 0 ? 1 : keys == 1 ? 2 : (int64_t)(2 * keys + 2);
}

/* The seven fields FULL and the plain form share. */
static void reply_common(struct kv_cmd_ctx *c, const struct kv_stream_head *h) {
    struct kv_stream_id first = {0, 0};
    (void)kv_ks_stream_first_id(c->ks, h, &first);
    kv_reply_bulk_cstr(c->out, "length");
    kv_reply_int(c->out, (int64_t)h->length);
    kv_reply_bulk_cstr(c->out, "radix-tree-keys");
    kv_reply_int(c->out, (int64_t)kv_stream_nodes(h));
    kv_reply_bulk_cstr(c->out, "radix-tree-nodes");
    kv_reply_int(c->out, tree_nodes(h));
    kv_reply_bulk_cstr(c->out, "last-generated-id");
    kv_cs_reply_id(c, h->last_id);
    kv_reply_bulk_cstr(c->out, "max-deleted-entry-id");
    kv_cs_reply_id(c, h->max_deleted);
    kv_reply_bulk_cstr(c->out, "entries-added");
    kv_reply_int(c->out, (int64_t)h->entries_added);
    kv_reply_bulk_cstr(c->out, "recorded-first-entry-id");
    kv_cs_reply_id(c, first);
}

/* XINFO STREAM's options: -1 plain, else FULL's COUNT (0: all); false: replied. */
static bool stream_count(struct kv_cmd_ctx *c, int64_t *count) {
    KV_ASSERT(c->argc >= 3);
    *count = -1;
    if (c->argc == 3) return true;
    *count = FULL_COUNT_DEFAULT;
    bool ok = kv_cmd_opt(c, 3, "full");
    if (ok && c->argc == 6 && kv_cmd_opt(c, 4, "count")) {
        int64_t v;
        if (!kv_str2ll(c->argv[5].ptr, c->argv[5].len, &v)) {
            kv_reply_error(c->out, KV_ERR_NOT_INT);
            return false;
        }
        *count = v < 0 ? FULL_COUNT_DEFAULT : v;
    } else if (c->argc != 4) {
        ok = false;
    }
    if (!ok) kv_reply_errorf(c->out, "ERR unknown subcommand or wrong number of arguments "
                             "for '%.*s'. Try XINFO HELP.", (int)c->argv[1].len,
                             (const char *)c->argv[1].ptr);
    return ok;
}

static void xinfo_stream(struct kv_cmd_ctx *c, const struct kv_stream_head *h) {
    int64_t count;
    if (!stream_count(c, &count)) return;
    kv_reply_map(c->out, count < 0 ? 10 : 9);
    reply_common(c, h);
    if (count >= 0) {
        struct kv_stream_id lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
        kv_reply_bulk_cstr(c->out, "entries");
        (void)kv_cs_reply_range(c, h, lo, hi, (uint64_t)count, false);
        kv_reply_bulk_cstr(c->out, "groups");
        full_groups(c, h);
        return;
    }
    kv_reply_bulk_cstr(c->out, "groups");
    kv_reply_int(c->out, kv_ks_stream_groups(c->ks, h));
    kv_reply_bulk_cstr(c->out, "first-entry");
    reply_edge(c, h, false);
    kv_reply_bulk_cstr(c->out, "last-entry");
    reply_edge(c, h, true);
}

/* ---- XINFO ------------------------------------------------------------------------------- */

static bool sub_arity(struct kv_cmd_ctx *c, const char *sub, int32_t arity) {
    KV_ASSERT(arity != 0);
    bool ok = arity > 0 ? c->argc == (uint32_t)arity : c->argc >= (uint32_t)-arity;
    if (!ok) kv_reply_errorf(c->out, "ERR wrong number of arguments for 'xinfo|%s' command",
                             sub);
    return ok;
}

/* Which subcommand (0 help, 1 stream, 2 groups, 3 consumers), its arity checked;
 * -1 once replied. */
static int xinfo_sub(struct kv_cmd_ctx *c) {
    static const char *const subs[] = {"help", "stream", "groups", "consumers"};
    static const int32_t arity[] = {2, -3, 3, 4};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(subs); i++) {
        if (kv_cmd_sub(c, 1, subs[i])) return sub_arity(c, subs[i], arity[i]) ? (int)i : -1;
    }
    kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try XINFO HELP.",
                    (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    return -1;
}

void kv_cmd_xinfo(struct kv_cmd_ctx *c) {
    int sub = xinfo_sub(c);
    if (sub < 0) return;
    if (sub == 0) {
        kv_reply_array(c->out, KV_ARRAY_LEN(xinfo_help_lines));
        for (uint32_t i = 0; i < KV_ARRAY_LEN(xinfo_help_lines); i++)
            kv_reply_simple(c->out, xinfo_help_lines[i]);
        return;
    }
    struct kv_item *it;
    if (!kv_cs_find(c, 2, true, &it)) return;
    if (it == NULL) {
        kv_reply_error(c->out, KV_ERR_NO_KEY);
    } else if (sub == 1) {
        xinfo_stream(c, kv_ks_stream_head(it));
    } else if (sub == 2) {
        xinfo_groups(c, kv_ks_stream_head(it));
    } else {
        xinfo_consumers(c, kv_ks_stream_head(it));
    }
}

uint64_t kv_cmd_xinfo_bound(struct kv_cmd_ctx *c) {
    uint64_t b = kv_cmd_bound_default(c) + FIELDS_MAX + 4 * ID_MAX;
    for (uint32_t i = 2; i < c->argc && i < 4; i++) b += c->argv[i].len;  /* NOGROUP */
    const struct kv_stream_head *h = kv_cs_peek(c, 2);
    if (h == NULL) return b;
    struct kv_stream_group g;  /* every group and consumer, as FULL lists them */
    for (bool more = kv_ks_stream_group_next(c->ks, h, &g, true); more;
         more = kv_ks_stream_group_next(c->ks, h, &g, false))
        b += GROUP_REPLY_MAX + 2 * g.name.len + (uint64_t)g.consumers * CONSUMER_REPLY_MAX;
    b += 2 * kv_ks_stream_group_room(c->ks, h, 0);  /* the names */
    int64_t n = c->argc == 4 ? FULL_COUNT_DEFAULT : 2, v;  /* plain: two entries */
    if (c->argc == 6 && kv_str2ll(c->argv[5].ptr, c->argv[5].len, &v))
        n = v < 0 ? FULL_COUNT_DEFAULT : v;
    return b + kv_cs_entries_bound(h, n == 0 ? 0 : (uint64_t)KV_MAX(n, 2));
}

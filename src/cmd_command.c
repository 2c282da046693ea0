/*
 * cmd_command.c: COMMAND, COMMAND COUNT / INFO / DOCS / LIST / GETKEYS / HELP, as
 * redis-server 7.0.15 answers them for the commands kv has.
 *
 * The facts are Redis's, generated once into static tables (src/command_docs.c by
 * ci/gen_command_docs.py; include/kv/command_docs.h explains the tokens). INFO
 * takes a command's arity and first/last/step key figures from kv's own table row
 * (a unit test checks they equal Redis's); its flags, ACL categories, tips, key
 * specs and subcommands are Redis's as generated. That is a choice: kv honours the
 * flags clients act on (write, readonly, denyoom, fast, noscript: kv has no
 * scripts, loading, stale: kv never loads or replicates) the way Redis does, and
 * clients (redis-cli hints, cluster clients routing by key specs) read the reply
 * to learn Redis's behaviour, so it says what Redis says. A container command's
 * subcommand list is Redis's whole list (CLIENT's included), so INFO and DOCS stay
 * byte-identical while the subcommands land one by one.
 *
 * Every reply is written by one walk in one of two modes (struct out): counting
 * bytes for the reply bound, or writing; the bound is therefore exact. A command
 * the tables lack is absent from these replies (cmd_command_test.c: none is).
 * Memory: none of its own; GETKEYS needs no scratch (kv's key positions form an
 * arithmetic progression). Never allocates.
 */
#include <string.h>

#include "kv/cmd.h"
#include "kv/command_docs.h"
#include "kv/util.h"

/* A reply being written (r != NULL) or measured (r == NULL: bytes grows). */
struct out {
    struct kv_reply *r;
    uint8_t proto;
    uint64_t bytes;
};

static uint64_t int_size(int64_t v) {
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return 3 + kv_decimal_digits(mag) + (v < 0);
}

static void o_agg(struct out *o, enum kv_doc_type t, uint64_t n) {
    KV_ASSERT(t == KV_DOC_ARRAY || t == KV_DOC_MAP || t == KV_DOC_SET);
    if (o->r == NULL) {
        o->bytes += int_size((int64_t)(t == KV_DOC_MAP && o->proto == 2 ? 2 * n : n));
    } else if (t == KV_DOC_MAP) {
        kv_reply_map(o->r, n);
    } else if (t == KV_DOC_SET) {
        kv_reply_set(o->r, n);
    } else {
        kv_reply_array(o->r, n);
    }
}

static void o_bulk(struct out *o, const char *s, uint32_t n) {
    if (o->r == NULL) o->bytes += kv_reply_bulk_size(n);
    else kv_reply_bulk(o->r, s, n);
}

static void o_int(struct out *o, int64_t v) {
    if (o->r == NULL) o->bytes += int_size(v);
    else kv_reply_int(o->r, v);
}

static void o_simple(struct out *o, const char *s) {
    if (o->r == NULL) o->bytes += 3 + strlen(s);
    else kv_reply_simple(o->r, s);
}

static void o_null(struct out *o) {
    if (o->r == NULL) o->bytes += o->proto == 2 ? 5 : 3;
    else kv_reply_null(o->r);
}

/* Tokens [first, first + count) as their reply elements, in order. */
static void o_toks(struct out *o, uint32_t first, uint32_t count) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    KV_ASSERT(first <= t->ntoks && count <= t->ntoks - first);
    for (uint32_t i = first; i < first + count; i++) {
        const struct kv_doc_tok *k = &t->toks[i];
        KV_ASSERT(k->type == KV_DOC_INT || k->type == KV_DOC_NULL || k->n >= 0);
        switch (k->type) {
        case KV_DOC_BULK: o_bulk(o, t->strs[k->str], (uint32_t)k->n); break;
        case KV_DOC_SIMPLE: o_simple(o, t->strs[k->str]); break;
        case KV_DOC_INT: o_int(o, k->n); break;
        case KV_DOC_NULL: o_null(o); break;
        default: o_agg(o, (enum kv_doc_type)k->type, (uint64_t)k->n); break;
        }
    }
}

static void o_tree(struct out *o, uint32_t first) {
    o_toks(o, first, kv_doc_tables.toks[first].span);
}

/* ---- finding commands ------------------------------------------------------------ */

/* kv's table row of the command `name` (its whole lower-case name), or NULL. */
static const struct kv_cmd *kv_row(const struct kv_engine *e, const char *name, uint32_t n) {
    for (uint32_t i = 0; i < e->cmd_count; i++) {
        const struct kv_cmd *cmd = kv_engine_cmd_at(e, i);
        if (strncmp(cmd->name, name, n) == 0 && cmd->name[n] == 0) return cmd;
    }
    return NULL;
}

/* The record of kv's command `cmd`, or -1 (none generated yet). */
static int32_t rec_of(const struct kv_cmd *cmd) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    KV_ASSERT(cmd != NULL && t->nrecs < INT32_MAX);
    for (uint32_t i = 0; i < t->nrecs; i++)
        if (t->recs[i].parent < 0 && strcmp(t->recs[i].name, cmd->name) == 0) return (int32_t)i;
    return -1;
}

/* The record a COMMAND INFO / DOCS argument names ("get", "CONFIG|GET"), if kv has
 * that command (a subcommand: if kv has its parent), or -1. */
static int32_t rec_named(const struct kv_engine *e, struct kv_slice name) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    KV_ASSERT(e != NULL && t->nrecs < INT32_MAX);
    for (uint32_t i = 0; i < t->nrecs; i++) {
        const struct kv_cmd_doc *d = &t->recs[i];
        if (strlen(d->name) != name.len || !kv_slice_eq_nocase(name, d->name)) continue;
        const char *top = d->parent < 0 ? d->name : t->recs[d->parent].name;
        if (kv_row(e, top, (uint32_t)strcspn(top, "|")) == NULL) return -1;
        return (int32_t)i;
    }
    return -1;
}

/* ---- INFO and DOCS --------------------------------------------------------------- */

/* One command's INFO array: Redis's, with arity and first/last/step from kv's row
 * (a command's, not a subcommand's: those have no row). */
static void o_info(struct out *o, const struct kv_cmd *row, int32_t rec) {
    const struct kv_doc_tok *k = kv_doc_tables.toks;
    uint32_t at = kv_doc_tables.recs[rec].info;
    KV_ASSERT(k[at].type == KV_DOC_ARRAY && k[at].n == 10 && k[at + 2].type == KV_DOC_INT);
    if (row == NULL) {
        o_tree(o, at);
        return;
    }
    uint32_t flags = at + 3, rest = flags + k[flags].span + 3;
    KV_ASSERT(k[rest - 1].type == KV_DOC_INT && rest <= at + k[at].span);
    o_toks(o, at, 2); /* the array and the name */
    o_int(o, row->arity);
    o_tree(o, flags);
    o_int(o, row->keys.first);
    o_int(o, row->keys.last);
    o_int(o, row->keys.step);
    o_toks(o, rest, at + k[at].span - rest);
}

static void o_docs_pair(struct out *o, int32_t rec) {
    const struct kv_cmd_doc *d = &kv_doc_tables.recs[rec];
    o_bulk(o, d->name, (uint32_t)strlen(d->name));
    o_tree(o, d->docs);
}

/* COMMAND, COMMAND INFO, COMMAND DOCS without names: every command kv has. */
static void o_all(struct out *o, const struct kv_engine *e, bool docs) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->cmd_count; i++) n += rec_of(kv_engine_cmd_at(e, i)) >= 0;
    o_agg(o, docs ? KV_DOC_MAP : KV_DOC_ARRAY, n);
    for (uint32_t i = 0; i < e->cmd_count; i++) {
        const struct kv_cmd *cmd = kv_engine_cmd_at(e, i);
        int32_t rec = rec_of(cmd);
        if (rec >= 0 && docs) o_docs_pair(o, rec);
        else if (rec >= 0) o_info(o, cmd, rec);
    }
    KV_ASSERT(n <= e->cmd_count);
}

static void o_info_named(struct out *o, struct kv_cmd_ctx *c) {
    o_agg(o, KV_DOC_ARRAY, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++) {
        int32_t rec = rec_named(c->engine, c->argv[i]);
        if (rec < 0) {
            o_null(o);
            continue;
        }
        const struct kv_cmd_doc *d = &kv_doc_tables.recs[rec];
        o_info(o, d->parent < 0 ? kv_row(c->engine, d->name, (uint32_t)strlen(d->name)) : NULL,
               rec);
    }
}

static void o_docs_named(struct out *o, struct kv_cmd_ctx *c) {
    uint32_t n = 0;
    for (uint32_t i = 2; i < c->argc; i++) n += rec_named(c->engine, c->argv[i]) >= 0;
    o_agg(o, KV_DOC_MAP, n);
    for (uint32_t i = 2; i < c->argc; i++) {
        int32_t rec = rec_named(c->engine, c->argv[i]);
        if (rec >= 0) o_docs_pair(o, rec);
    }
}

/* ---- LIST ------------------------------------------------------------------------ */

enum { FILTER_NONE, FILTER_MODULE, FILTER_ACLCAT, FILTER_PATTERN };

/* Argument `a` as a C string (to its first NUL) equals the category `cat` ("@read")
 * without its "@", case-insensitively: Redis's ACL category lookup. */
static bool cat_eq(struct kv_slice a, const char *cat, uint32_t n) {
    KV_ASSERT(n >= 1 && cat[0] == '@');
    uint32_t len = 0;
    while (len < a.len && a.ptr[len] != 0) len++;
    if (len != n - 1) return false;
    for (uint32_t i = 0; i < len; i++)
        if ((a.ptr[i] | 0x20) != (uint8_t)cat[i + 1]) return false;
    return true;
}

static bool listed(int32_t rec, uint32_t filter, struct kv_slice arg) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    const char *name = t->recs[rec].name;
    if (filter == FILTER_NONE) return true;
    if (filter == FILTER_MODULE) return false; /* kv has no modules */
    if (filter == FILTER_PATTERN)
        return kv_glob_match_nocase(arg.ptr, arg.len, (const uint8_t *)name,
                                    (uint32_t)strlen(name));
    uint32_t at = t->recs[rec].info + 1; /* INFO's 7th element: the ACL categories */
    for (uint32_t e = 0; e < 6; e++) at += t->toks[at].span;
    KV_ASSERT(t->toks[at].type == KV_DOC_SET);
    for (uint32_t i = 1; i <= (uint32_t)t->toks[at].n; i++) {
        const struct kv_doc_tok *k = &t->toks[at + i];
        if (cat_eq(arg, t->strs[k->str], (uint32_t)k->n)) return true;
    }
    return false;
}

/* kv's commands and their subcommands passing the filter (a full pass counts them,
 * the next writes them). */
static void o_list(struct out *o, const struct kv_engine *e, uint32_t filter,
                   struct kv_slice arg) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    for (uint32_t pass = 0, n = 0; pass < 2; pass++) {
        if (pass == 1) o_agg(o, KV_DOC_ARRAY, n);
        for (uint32_t i = 0; i < e->cmd_count; i++) {
            int32_t rec = rec_of(kv_engine_cmd_at(e, i));
            if (rec < 0) continue;
            for (uint32_t r = (uint32_t)rec; r < t->nrecs; r++) {
                if (r != (uint32_t)rec && t->recs[r].parent != rec) break;
                if (!listed((int32_t)r, filter, arg)) continue;
                if (pass == 0) n++;
                else o_bulk(o, t->recs[r].name, (uint32_t)strlen(t->recs[r].name));
            }
        }
    }
}

/* LIST's filter, or UINT32_MAX: a syntax error. */
static uint32_t list_filter(const struct kv_cmd_ctx *c) {
    if (c->argc == 2) return FILTER_NONE;
    if (c->argc != 5 || !kv_cmd_opt(c, 2, "filterby")) return UINT32_MAX;
    if (kv_cmd_opt(c, 3, "module")) return FILTER_MODULE;
    if (kv_cmd_opt(c, 3, "aclcat")) return FILTER_ACLCAT;
    if (kv_cmd_opt(c, 3, "pattern")) return FILTER_PATTERN;
    return UINT32_MAX;
}

/* kv's row of the command argv[0] names, any case, or NULL. */
static const struct kv_cmd *row_named(const struct kv_engine *e, struct kv_slice name) {
    for (uint32_t i = 0; i < e->cmd_count; i++) {
        const struct kv_cmd *cmd = kv_engine_cmd_at(e, i);
        if (strlen(cmd->name) == name.len && kv_slice_eq_nocase(name, cmd->name)) return cmd;
    }
    return NULL;
}

/* The value of `key` in the map at token `at`, or 0. */
static uint32_t map_get(uint32_t at, const char *key) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    KV_ASSERT(t->toks[at].type == KV_DOC_MAP);
    uint32_t i = at + 1, n = (uint32_t)t->toks[at].n;
    for (uint32_t pair = 0; pair < n; pair++) {
        uint32_t v = i + t->toks[i].span;
        if (t->toks[i].type == KV_DOC_BULK && strcmp(t->strs[t->toks[i].str], key) == 0)
            return v;
        i = v + t->toks[v].span;
    }
    return 0;
}

/* GETKEYSANDFLAGS: the flags of the key at argv[p] are those of the last key spec
 * that begins at or before p (kv's commands search by index and their specs go in
 * argument order); the token of that spec's flags set. */
static uint32_t key_flags(const struct kv_cmd *row, uint32_t p) {
    const struct kv_doc_tables *t = &kv_doc_tables;
    int32_t rec = rec_of(row);
    KV_ASSERT(rec >= 0);
    uint32_t at = t->recs[rec].info + 1; /* INFO's 9th element: the key specs */
    for (uint32_t e = 0; e < 8; e++) at += t->toks[at].span;
    KV_ASSERT(t->toks[at].n >= 1);
    uint32_t spec = at + 1, best = 0;
    for (int32_t i = 0; i < t->toks[at].n; i++, spec += t->toks[spec].span) {
        uint32_t bs = map_get(spec, "begin_search");
        uint32_t idx = bs == 0 ? 0 : map_get(bs, "spec");
        uint32_t v = idx == 0 ? 0 : map_get(idx, "index");
        if (best == 0 || (v != 0 && t->toks[v].n <= (int32_t)p)) best = spec;
    }
    uint32_t flags = map_get(best, "flags");
    KV_ASSERT(flags != 0 && t->toks[flags].type == KV_DOC_SET);
    return flags;
}

/* ---- GETKEYS, HELP --------------------------------------------------------------- */

/* SET's key flags (its spec says variable_flags): Redis's setGetKeys looks for a GET
 * option (as a C string) after the value. */
static void o_set_flags(struct out *o, const struct kv_cmd_ctx *c) {
    bool get = false;
    for (uint32_t i = 5; i < c->argc && !get; i++) get = kv_cmd_opt(c, i, "get");
    o_agg(o, KV_DOC_SET, get ? 3 : 2);
    o_simple(o, get ? "RW" : "OW");
    if (get) o_simple(o, "access");
    o_simple(o, "update");
}

/* The i-th of a frame's n keys from its first three positions: kv's keys are a
 * progression argv[first], argv[first + step], ..., or a destination (argv[1]) and a
 * run of keys, the destination first or, as Redis's getkeys fallback lists them, last. */
static uint32_t key_at(const struct kv_cmd *row, const uint32_t *pos, int64_t n, uint32_t i) {
    KV_ASSERT(n >= 1 && i < (uint64_t)n);
    if (n <= 3) return pos[i];
    if (row->keys.keynum != 0 && row->keys.first != 0) {  /* KV_KEYS_DEST_KEYNUM */
        if (pos[0] == 1) return i == 0 ? 1 : pos[1] + (i - 1);
        return i + 1 == (uint64_t)n ? 1 : pos[0] + i;
    }
    uint32_t step = pos[1] - pos[0];
    KV_ASSERT(step >= 1 && pos[2] - pos[1] == step);
    return pos[0] + i * step;
}

/* Redis finds a movable command's keys by its key specs when the count is a canonical
 * non-negative integer, else by its getkeys procedure, which reports no key flags. */
static bool getkeys_fallback(const struct kv_cmd *row, uint32_t argc,
                             const struct kv_slice *argv) {
    uint8_t i = row->keys.keynum;
    int64_t v;
    if (i == 0 || i == KV_KEYNUM_STREAMS || i >= argc) return false;
    return !kv_str2ll(argv[i].ptr, argv[i].len, &v) || v < 0;
}

/* The keys of the command in argv[2..]; Redis's errors when it names none. */
static void o_getkeys(struct out *o, struct kv_cmd_ctx *c, bool flags) {
    uint32_t argc = c->argc - 2, pos[3];
    const struct kv_slice *argv = c->argv + 2;
    int64_t n = kv_engine_keys(c->engine, argc, argv, pos, 3);
    const struct kv_cmd *row = n >= 0 ? row_named(c->engine, argv[0]) : NULL;
    KV_ASSERT(n < 0 || row != NULL);
    const char *err = NULL;
    if (n == KV_KEYS_UNKNOWN) err = "ERR Invalid command specified";
    else if (n == KV_KEYS_ARITY) err = "ERR Invalid number of arguments specified for command";
    else if (n == 0 && row->keys.first == 0 && row->keys.keynum == 0)
        err = "ERR The command has no key arguments";
    else if (n == 0) err = "ERR Invalid arguments specified for command";
    if (err != NULL) {
        if (o->r == NULL) o->bytes += KV_EXEC_ERROR_ROOM;
        else kv_reply_error(o->r, err);
        return;
    }
    KV_ASSERT(n <= argc);
    bool bare = getkeys_fallback(row, argc, argv);  /* flags: an empty set each */
    o_agg(o, KV_DOC_ARRAY, (uint64_t)n);
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        uint32_t p = key_at(row, pos, n, i);
        KV_ASSERT(p < argc);
        struct kv_slice k = argv[p];
        if (flags) o_agg(o, KV_DOC_ARRAY, 2);
        o_bulk(o, (const char *)k.ptr, k.len);
        if (flags && strcmp(row->name, "set") == 0) o_set_flags(o, c);
        else if (flags && !bare && rec_of(row) >= 0) o_tree(o, key_flags(row, p));
        else if (flags) o_agg(o, KV_DOC_SET, 0);
    }
}

static const char *const help_lines[] = {
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
};

static void o_help(struct out *o) {
    o_agg(o, KV_DOC_ARRAY, KV_ARRAY_LEN(help_lines));
    for (uint32_t i = 0; i < KV_ARRAY_LEN(help_lines); i++) {
        o_simple(o, help_lines[i]);
    }
}

/* ---- the command ----------------------------------------------------------------- */

static const struct {
    const char *name;
    int32_t arity;
} subs[] = {
    {"count", 2}, {"docs", -2}, {"getkeys", -4}, {"getkeysandflags", -4}, {"help", 2},
    {"info", -2}, {"list", -2},
};

/* The subcommand's index in subs[], or UINT32_MAX (none: the whole COMMAND). */
static uint32_t sub_of(const struct kv_cmd_ctx *c) {
    if (c->argc < 2) return UINT32_MAX;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(subs); i++)
        if (kv_cmd_sub(c, 1, subs[i].name)) return i;
    return KV_ARRAY_LEN(subs);
}

static void o_error(struct out *o, struct kv_cmd_ctx *c, const char *fmt, const char *arg) {
    if (o->r == NULL) o->bytes += KV_EXEC_ERROR_ROOM;
    else if (arg == NULL) kv_reply_errorf(o->r, fmt, (int)KV_MIN(c->argv[1].len, 128u),
                                          (const char *)c->argv[1].ptr);
    else kv_reply_errorf(o->r, fmt, arg);
}

/* The reply, written or measured: processCommand's unknown-subcommand and arity
 * errors, then the subcommand. */
static void command_walk(struct out *o, struct kv_cmd_ctx *c) {
    uint32_t sub = sub_of(c);
    if (sub == UINT32_MAX) return o_all(o, c->engine, false);
    if (sub == KV_ARRAY_LEN(subs))
        return o_error(o, c, "ERR unknown subcommand '%.*s'. Try COMMAND HELP.", NULL);
    int32_t a = subs[sub].arity;
    if ((a > 0 && c->argc != (uint32_t)a) || c->argc < (uint32_t)(a < 0 ? -a : a))
        return o_error(o, c, "ERR wrong number of arguments for 'command|%s' command",
                       subs[sub].name);
    const char *name = subs[sub].name;
    if (strcmp(name, "count") == 0) {
        o_int(o, c->engine->cmd_count);
    } else if (strcmp(name, "docs") == 0) {
        if (c->argc == 2) o_all(o, c->engine, true);
        else o_docs_named(o, c);
    } else if (strcmp(name, "info") == 0) {
        if (c->argc == 2) o_all(o, c->engine, false);
        else o_info_named(o, c);
    } else if (strcmp(name, "list") == 0) {
        uint32_t f = list_filter(c);
        if (f == UINT32_MAX) o_error(o, c, "ERR syntax error%s", "");
        else o_list(o, c->engine, f, f == FILTER_NONE ? c->argv[0] : c->argv[4]);
    } else if (strcmp(name, "help") == 0) {
        o_help(o);
    } else {
        o_getkeys(o, c, strcmp(name, "getkeysandflags") == 0);
    }
}

static void cmd_command(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 1);
    struct out o = {c->out, c->out->proto, 0};
    uint32_t before = c->out->len;
    command_walk(&o, c);
    KV_ASSERT(c->out->len > before);
}

/* Exact: the same walk, measuring (an error counts its full room). */
static uint64_t bound_command(struct kv_cmd_ctx *c) {
    struct out o = {NULL, c->session->proto, 0};
    command_walk(&o, c);
    KV_ASSERT(o.bytes > 0);
    return KV_MAX(o.bytes, (uint64_t)KV_EXEC_ERROR_ROOM);
}

static const struct kv_cmd command_cmds[] = {
    {"command", -1, KV_CMD_CONTAINER, cmd_command, bound_command, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_command = {command_cmds, KV_ARRAY_LEN(command_cmds)};

/*
 * cmd_xgroup.c: XGROUP (HELP, CREATE [MKSTREAM] [ENTRIESREAD n], SETID [ENTRIESREAD
 * n], DESTROY, CREATECONSUMER, DELCONSUMER) as redis-server 7.0.15 answers it, in
 * its order of checks: the subcommand and its arity, then CREATE's and SETID's
 * options, then the key (WRONGTYPE; a missing key is an error unless MKSTREAM), then
 * the group (-NOGROUP for SETID and the consumer subcommands), then the argument
 * count of the subcommand's form, then the ID. The table row is in cmd_stream.c; the
 * groups live in the stream (src/stream_cg.c through ks_stream.h).
 *
 * WATCH: only a stream MKSTREAM creates touches the key (Redis 7.0 signals nothing
 * else XGROUP does). A consumer's seen time is the command's now_ms (the server
 * clock, which the simulator drives).
 * Memory: none of its own. Invariants: every change completes or none happens (a
 * group or consumer that cannot be allocated answers -OOM, and a stream MKSTREAM
 * just made is deleted again). Never writes past its reply bound.
 */
#include <string.h>

#include "cmd_stream.h"
#include "kv/util.h"

#define ERR_NOKEY "ERR The XGROUP subcommand requires the key to exist. Note that for " \
                  "CREATE you may want to use the MKSTREAM option to create an empty " \
                  "stream automatically."

enum xg_sub { XG_HELP, XG_CREATE, XG_SETID, XG_DESTROY, XG_CREATECONSUMER, XG_DELCONSUMER };

static const char *const xgroup_help_lines[] = {
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

static void sub_syntax(struct kv_cmd_ctx *c) {
    kv_reply_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for "
                    "'%.*s'. Try XGROUP HELP.", (int)c->argv[1].len,
                    (const char *)c->argv[1].ptr);
}

/* The subcommand, its arity checked; -1 once replied. */
static int xgroup_sub(struct kv_cmd_ctx *c) {
    static const char *const subs[] = {"help", "create", "setid", "destroy",
                                       "createconsumer", "delconsumer"};
    static const int32_t arity[] = {2, -5, -5, 4, 5, 5};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(subs); i++) {
        if (!kv_cmd_sub(c, 1, subs[i])) continue;
        int32_t a = arity[i];
        if (a > 0 ? c->argc == (uint32_t)a : c->argc >= (uint32_t)-a) return (int)i;
        kv_reply_errorf(c->out, "ERR wrong number of arguments for 'xgroup|%s' command",
                        subs[i]);
        return -1;
    }
    kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try XGROUP HELP.",
                    (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    return -1;
}

/* CREATE's and SETID's options from argv[5]; false once replied. */
static bool xgroup_options(struct kv_cmd_ctx *c, int sub, bool *mkstream, int64_t *read) {
    KV_ASSERT(c->argc >= 5);
    *mkstream = false;
    *read = -1;
    for (uint32_t i = 5; i < c->argc;) {
        bool more = i + 1 < c->argc;
        if (sub == XG_CREATE && kv_cmd_opt(c, i, "mkstream")) {
            *mkstream = true;
            i++;
        } else if (more && kv_cmd_opt(c, i, "entriesread")) {
            if (!kv_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, read)) {
                kv_reply_error(c->out, KV_ERR_NOT_INT);
                return false;
            }
            if (*read < -1) {
                kv_reply_error(c->out, "ERR value for ENTRIESREAD must be positive or -1");
                return false;
            }
            i += 2;
        } else {
            sub_syntax(c);
            return false;
        }
    }
    return true;
}

static bool is_dollar(struct kv_slice a) {
    return a.len >= 1 && a.ptr[0] == '$' && (a.len == 1 || a.ptr[1] == '\0');
}

static void reply_nogroup(struct kv_cmd_ctx *c) {
    kv_reply_errorf(c->out, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                    (int)strnlen((const char *)c->argv[3].ptr, c->argv[3].len),
                    (const char *)c->argv[3].ptr,
                    (int)strnlen((const char *)c->argv[2].ptr, c->argv[2].len),
                    (const char *)c->argv[2].ptr);
}

/* XGROUP CREATE once the key and options passed. */
static void xgroup_create(struct kv_cmd_ctx *c, struct kv_item *it, int64_t read) {
    struct kv_stream_id id = {0, 0};
    if (is_dollar(c->argv[4])) {
        if (it != NULL) id = kv_ks_stream_head(it)->last_id;
    } else if (!kv_cs_parse_id(c->argv[4], true, 0, NULL, &id)) {
        kv_reply_error(c->out, KV_CS_ERR_ID);
        return;
    }
    struct kv_slice k = c->argv[2], name = c->argv[3];
    struct kv_stream_group g;
    if (it != NULL && kv_ks_stream_group_find(c->ks, kv_ks_stream_head(it), name, &g)) {
        kv_reply_error(c->out, "BUSYGROUP Consumer Group name already exists");
        return;
    }
    bool created = it == NULL;
    if (created) it = kv_ks_set(c->ks, k.ptr, k.len, KV_TYPE_STREAM,
                                (uint32_t)sizeof(struct kv_stream_head), false);
    if (it == NULL ||
        !kv_ks_stream_group_create(c->ks, kv_ks_stream_head(it), name, id, read)) {
        if (created && it != NULL) kv_ks_delete(c->ks, it);
        kv_reply_error(c->out, KV_ERR_OOM);
        return;
    }
    if (created) kv_engine_touch(c->engine, k.ptr, k.len);
    kv_reply_ok(c->out);
}

/* The subcommands that need the group, once it was found. */
static void xgroup_on_group(struct kv_cmd_ctx *c, int sub, struct kv_stream_head *h,
                            struct kv_stream_group *g, int64_t read) {
    KV_ASSERT(sub != XG_HELP && sub != XG_CREATE);
    if (sub == XG_SETID) {
        struct kv_stream_id id = h->last_id;
        if (!is_dollar(c->argv[4]) && !kv_cs_parse_id(c->argv[4], false, 0, NULL, &id)) {
            kv_reply_error(c->out, KV_CS_ERR_ID);
            return;
        }
        kv_ks_stream_group_set(c->ks, h, g, id, read);
        kv_reply_ok(c->out);
    } else if (sub == XG_DESTROY) {
        kv_ks_stream_group_destroy(c->ks, h, g);
        kv_reply_int(c->out, 1);
    } else if (sub == XG_CREATECONSUMER) {
        int r = kv_ks_stream_consumer_create(c->ks, h, g, c->argv[4], c->now_ms);
        if (r < 0) kv_reply_error(c->out, KV_ERR_OOM);
        else kv_reply_int(c->out, r);
    } else {
        struct kv_stream_consumer cons;
        int64_t pending = 0;
        if (kv_ks_stream_consumer_find(c->ks, h, g, c->argv[4], &cons)) {
            pending = cons.pending;
            kv_ks_stream_consumer_delete(c->ks, h, g, &cons);
        }
        kv_reply_int(c->out, pending);
    }
}

void kv_cmd_xgroup(struct kv_cmd_ctx *c) {
    int sub = xgroup_sub(c);
    if (sub < 0) return;
    if (sub == XG_HELP) {
        kv_reply_array(c->out, KV_ARRAY_LEN(xgroup_help_lines));
        for (uint32_t i = 0; i < KV_ARRAY_LEN(xgroup_help_lines); i++)
            kv_reply_simple(c->out, xgroup_help_lines[i]);
        return;
    }
    bool mkstream = false;
    int64_t read = -1;
    if ((sub == XG_CREATE || sub == XG_SETID) && !xgroup_options(c, sub, &mkstream, &read))
        return;
    struct kv_item *it;
    if (!kv_cs_find(c, 2, false, &it)) return;
    if (it == NULL && !mkstream) {
        kv_reply_error(c->out, ERR_NOKEY);
        return;
    }
    struct kv_stream_group g;
    bool found = it != NULL &&
                 kv_ks_stream_group_find(c->ks, kv_ks_stream_head(it), c->argv[3], &g);
    if (!found && (sub == XG_SETID || sub == XG_CREATECONSUMER || sub == XG_DELCONSUMER)) {
        reply_nogroup(c);
    } else if (sub == XG_CREATE) {
        if (c->argc <= 8) xgroup_create(c, it, read);
        else sub_syntax(c);
    } else if (sub == XG_SETID && c->argc != 5 && c->argc != 7) {
        sub_syntax(c);
    } else if (sub == XG_DESTROY && !found) {
        kv_reply_int(c->out, 0);
    } else {
        xgroup_on_group(c, sub, kv_ks_stream_head(it), &g, read);
    }
}

uint64_t kv_cmd_xgroup_bound(struct kv_cmd_ctx *c) {
    uint64_t b = kv_cmd_bound_default(c) + 1024;  /* HELP's lines */
    for (uint32_t i = 2; i < c->argc && i < 4; i++) b += c->argv[i].len;  /* NOGROUP */
    return b;
}

void kv_cmd_xgroup_room(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest) {
    *need = 0;
    *largest = 0;
    if (c->argc < 4 || !(kv_cmd_sub(c, 1, "create") || kv_cmd_sub(c, 1, "createconsumer")))
        return;  /* the others only shrink or rewrite in place */
    const struct kv_stream_head *h = kv_cs_peek(c, 2);
    struct kv_stream_head fresh;
    uint64_t item = 0;
    if (h == NULL) {
        kv_stream_init(&fresh);
        h = &fresh;
        item = c->argv[2].len + sizeof(struct kv_stream_head) + 40;
    }
    uint64_t name = c->argc >= 5 ? KV_MAX(c->argv[3].len, c->argv[4].len) : c->argv[3].len;
    uint64_t block = kv_ks_stream_group_room(c->ks, h, name);
    *need = item + block;
    *largest = KV_MAX(item, block);
}

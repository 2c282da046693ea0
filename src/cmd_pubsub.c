/*
 * cmd_pubsub.c: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB
 * (CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB HELP), over the engine's
 * pub/sub bookkeeping (include/kv/pubsub.h: how a message reaches the other
 * subscribers). Replies are Redis 7.0.15's, byte for byte: one push per channel
 * (`subscribe ch count`, RESP2 an array of 3), the `unsubscribe nil count` form
 * when nothing was subscribed, PUBLISH's receivers counting each matching pattern
 * subscription. kv has no cluster: SHARDCHANNELS and SHARDNUMSUB answer as Redis
 * does without one (nothing subscribed).
 *
 * Where kv differs, by its static limits only: SUBSCRIBE of a channel or pattern
 * past pubsub-max-channels, pubsub-max-subscriptions or pubsub-max-channel-len gets
 * an error (texts below) in the place of that channel's reply; the channels before
 * it stay subscribed and the ones after it are not tried.
 */
#include "kv/cmd.h"
#include "kv/pubsub.h"

#define PUSH_HEAD 48u /* ">3\r\n$11\r\nunsubscribe\r\n" and ":<count>\r\n" */

static const char *const pubsub_help[] = {
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: "
    "'*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
};

static uint64_t count_of(const struct kv_session *s) {
    return (uint64_t)s->sub_channels + s->sub_patterns;
}

static void reply_event(struct kv_cmd_ctx *c, const char *event, const struct kv_slice *name) {
    kv_reply_push(c->out, 3);
    kv_reply_bulk_cstr(c->out, event);
    if (name != NULL) kv_reply_bulk(c->out, name->ptr, name->len);
    else kv_reply_null(c->out);
    kv_reply_int(c->out, (int64_t)count_of(c->session));
}

static void reply_full(struct kv_cmd_ctx *c, enum kv_pubsub_add r) {
    const struct kv_config *cfg = c->engine->config;
    if (r == KV_PUBSUB_FULL_CHANNELS)
        kv_reply_errorf(c->out, "ERR pubsub-max-channels reached (%u channels and patterns)",
                        c->engine->pubsub.chans_cap);
    else if (r == KV_PUBSUB_FULL_SUBS)
        kv_reply_errorf(c->out, "ERR pubsub-max-subscriptions reached (%u)",
                        c->engine->pubsub.subs_cap);
    else if (r == KV_PUBSUB_TOO_LONG)
        kv_reply_errorf(c->out, "ERR channel name longer than pubsub-max-channel-len (%u)",
                        cfg->pubsub_max_channel_len);
    else KV_UNREACHABLE();
}

static void subscribe(struct kv_cmd_ctx *c, uint8_t kind, const char *event) {
    KV_ASSERT(c->argc >= 2);
    for (uint32_t i = 1; i < c->argc; i++) {
        enum kv_pubsub_add r = kv_pubsub_subscribe(&c->engine->pubsub, c->session, kind,
                                                   c->argv[i]);
        if (r != KV_PUBSUB_ADDED && r != KV_PUBSUB_ALREADY) {
            reply_full(c, r);
            return;
        }
        reply_event(c, event, &c->argv[i]);
    }
    KV_ASSERT(kv_session_subscribed(c->session));
}

static void unsubscribe(struct kv_cmd_ctx *c, uint8_t kind, const char *event) {
    struct kv_pubsub *p = &c->engine->pubsub;
    if (c->argc >= 2) {
        for (uint32_t i = 1; i < c->argc; i++) {
            kv_pubsub_unsubscribe(p, c->session, kind, c->argv[i]);
            reply_event(c, event, &c->argv[i]);
        }
        return;
    }
    uint32_t n = kind == KV_PUBSUB_CHANNEL ? c->session->sub_channels : c->session->sub_patterns;
    if (n == 0) reply_event(c, event, NULL);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = kv_pubsub_first(p, c->session, kind);
        KV_ASSERT(e != KV_PUBSUB_NONE);
        struct kv_slice name = kv_pubsub_name(p, e);
        kv_reply_push(c->out, 3); /* the name is written before it is freed */
        kv_reply_bulk_cstr(c->out, event);
        kv_reply_bulk(c->out, name.ptr, name.len);
        bool was = kv_pubsub_unsubscribe(p, c->session, kind, name);
        KV_ASSERT(was);
        kv_reply_int(c->out, (int64_t)count_of(c->session));
    }
}

static void cmd_subscribe(struct kv_cmd_ctx *c) { subscribe(c, KV_PUBSUB_CHANNEL, "subscribe"); }
static void cmd_psubscribe(struct kv_cmd_ctx *c) {
    subscribe(c, KV_PUBSUB_PATTERN, "psubscribe");
}
static void cmd_unsubscribe(struct kv_cmd_ctx *c) {
    unsubscribe(c, KV_PUBSUB_CHANNEL, "unsubscribe");
}
static void cmd_punsubscribe(struct kv_cmd_ctx *c) {
    unsubscribe(c, KV_PUBSUB_PATTERN, "punsubscribe");
}

/* Each argument's reply, or the session's every subscription (no arguments). */
static uint64_t bound_subscribe(struct kv_cmd_ctx *c) {
    uint64_t n = KV_EXEC_ERROR_ROOM + PUSH_HEAD;
    for (uint32_t i = 1; i < c->argc; i++) n += PUSH_HEAD + kv_reply_bulk_size(c->argv[i].len);
    if (c->argc == 1) n += c->session->pubsub_bytes + count_of(c->session) * (PUSH_HEAD + 16);
    return n;
}

/* The publisher's own deliveries go into its reply now, before the count. */
static void cmd_publish(struct kv_cmd_ctx *c) {
    struct kv_pubsub *p = &c->engine->pubsub;
    uint32_t n = kv_pubsub_publish(p, c->argv[1], c->argv[2]);
    for (uint32_t i = 0; i < p->ring_len; i++) {
        if (p->ring[i].session != c->session) continue;
        kv_pubsub_write_message(p, c->out, p->ring[i].pattern, c->argv[1], c->argv[2]);
        p->ring[i].session = NULL; /* delivered */
    }
    kv_reply_int(c->out, n);
}

static uint64_t bound_publish(struct kv_cmd_ctx *c) {
    const struct kv_session *s = c->session;
    if (!kv_session_subscribed(s)) return KV_EXEC_ERROR_ROOM;
    uint64_t one = 64 + kv_reply_bulk_size(c->argv[1].len) + kv_reply_bulk_size(c->argv[2].len);
    return KV_EXEC_ERROR_ROOM + (1 + s->sub_patterns) * one + s->pubsub_bytes +
           s->sub_patterns * 16ull;
}

static void pubsub_channels(struct kv_cmd_ctx *c) {
    struct kv_pubsub *p = &c->engine->pubsub;
    const struct kv_slice *pat = c->argc == 3 ? &c->argv[2] : NULL;
    uint64_t n = 0;
    for (uint32_t e = 0; e < p->chans_cap; e++) {
        if (p->chans[e].kind != KV_PUBSUB_CHANNEL) continue;
        struct kv_slice name = kv_pubsub_name(p, e);
        if (pat == NULL || kv_glob_match(pat->ptr, pat->len, name.ptr, name.len)) n++;
    }
    kv_reply_array(c->out, n);
    for (uint32_t e = 0; e < p->chans_cap; e++) {
        if (p->chans[e].kind != KV_PUBSUB_CHANNEL) continue;
        struct kv_slice name = kv_pubsub_name(p, e);
        if (pat == NULL || kv_glob_match(pat->ptr, pat->len, name.ptr, name.len))
            kv_reply_bulk(c->out, name.ptr, name.len);
    }
}

static void pubsub_numsub(struct kv_cmd_ctx *c, bool shard) {
    kv_reply_array(c->out, 2ull * (c->argc - 2));
    for (uint32_t i = 2; i < c->argc; i++) {
        kv_reply_bulk(c->out, c->argv[i].ptr, c->argv[i].len);
        kv_reply_int(c->out, shard ? 0 : kv_pubsub_numsub(&c->engine->pubsub, c->argv[i]));
    }
}

static void syntax_sub(struct kv_cmd_ctx *c) {
    kv_reply_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
                    "Try PUBSUB HELP.", (int)KV_MIN(c->argv[1].len, 128u),
                    (const char *)c->argv[1].ptr);
}

static bool sub_arity(struct kv_cmd_ctx *c, const char *sub) {
    if (c->argc == 2) return true;
    kv_reply_errorf(c->out, "ERR wrong number of arguments for 'pubsub|%s' command", sub);
    return false;
}

static void cmd_pubsub(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    bool shard = kv_cmd_sub(c, 1, "shardchannels");
    if (kv_cmd_sub(c, 1, "channels") || shard) {
        if (c->argc > 3) syntax_sub(c);
        else if (shard) kv_reply_array(c->out, 0);
        else pubsub_channels(c);
    } else if (kv_cmd_sub(c, 1, "numsub") || kv_cmd_sub(c, 1, "shardnumsub")) {
        pubsub_numsub(c, kv_cmd_sub(c, 1, "shardnumsub"));
    } else if (kv_cmd_sub(c, 1, "numpat")) {
        if (sub_arity(c, "numpat")) kv_reply_int(c->out, c->engine->pubsub.patterns);
    } else if (kv_cmd_sub(c, 1, "help")) {
        if (!sub_arity(c, "help")) return;
        kv_reply_array(c->out, KV_ARRAY_LEN(pubsub_help));
        for (uint32_t i = 0; i < KV_ARRAY_LEN(pubsub_help); i++)
            kv_reply_simple(c->out, pubsub_help[i]);
    } else {
        kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try PUBSUB HELP.",
                        (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    }
}

static uint64_t bound_pubsub(struct kv_cmd_ctx *c) {
    const struct kv_pubsub *p = &c->engine->pubsub;
    uint64_t n = 2048 + p->channel_bytes + (uint64_t)p->channels * 16; /* CHANNELS, HELP */
    for (uint32_t i = 2; i < c->argc; i++) n += kv_reply_bulk_size(c->argv[i].len) + 24;
    return n;
}

#define F KV_CMD_FAST
static const struct kv_cmd pubsub_cmds[] = {
    {"subscribe", -2, 0, cmd_subscribe, bound_subscribe, NULL, KV_NOKEYS},
    {"unsubscribe", -1, 0, cmd_unsubscribe, bound_subscribe, NULL, KV_NOKEYS},
    {"psubscribe", -2, 0, cmd_psubscribe, bound_subscribe, NULL, KV_NOKEYS},
    {"punsubscribe", -1, 0, cmd_punsubscribe, bound_subscribe, NULL, KV_NOKEYS},
    {"publish", 3, F, cmd_publish, bound_publish, NULL, KV_NOKEYS},
    {"pubsub", -2, KV_CMD_CONTAINER, cmd_pubsub, bound_pubsub, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_pubsub = {pubsub_cmds, KV_ARRAY_LEN(pubsub_cmds)};

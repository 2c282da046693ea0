/*
 * sim_model_pubsub.c: pub/sub in the reference model: SUBSCRIBE UNSUBSCRIBE
 * PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB, the RESP2 subscribed-mode rule and every
 * message's bytes for every receiver. Written from redis-server 7.0.15's behaviour
 * and kv's stated limits (src/cmd_pubsub.c), not from src/pubsub.c.
 *
 * What the model predicts, per PUBLISH: the receivers (each subscription to the
 * channel, then each subscription to a matching pattern: the count), and for each
 * the exact message bytes in that session's protocol. The publisher's own go in
 * its reply before the count; every other one is handed to the checker
 * (sim_check.c), which appends it to that connection's expected bytes: a
 * subscriber must then receive exactly the messages published on its channels and
 * patterns between its subscribe reply and its unsubscribe reply, in publication
 * order, or be disconnected (by the output limit, CLIENT KILL, or its own close).
 *
 * Orders the bytes depend on, as kv states them: a session's subscriptions of one
 * kind leave in subscription order (UNSUBSCRIBE with no argument); several
 * patterns matching one message reach a session in the order the patterns were
 * first subscribed (a pattern is new again once its last subscriber left); PUBSUB
 * CHANNELS lists entries by table position, which the model follows by keeping the
 * same free list (the last entry freed is the next one used).
 *
 * Limits (kv's, stated): pubsub-max-channel-len, pubsub-max-subscriptions and
 * pubsub-max-channels, checked in that order for a subscription the session does
 * not hold yet; the first refusal ends the command's replies.
 *
 * Test code: heap allowed. Invariant: an entry is live exactly when it has
 * subscribers; sessions' lists and entries' lists name the same pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/config.h"
#include "sim_model_int.h"

struct mps_entry {
    uint8_t kind;            /* 0 free, 1 channel, 2 pattern */
    struct mval name;
    uint64_t *subs;          /* session ids, subscription order */
    uint32_t nsubs;
    uint32_t next_free;
};

struct mps_session {
    uint64_t id;
    uint32_t *entries;       /* entry indexes, subscription order */
    uint32_t n;
    uint32_t channels;
    uint32_t patterns;
};

struct mpubsub {
    struct mps_entry *e;
    uint32_t cap;            /* pubsub-max-channels */
    uint32_t name_max;
    uint32_t subs_cap;
    uint32_t subs_used;
    uint32_t free_head;
    uint32_t *patterns;      /* live patterns, first subscribed first */
    uint32_t npatterns;
    struct mps_session *s;   /* by session id */
    uint64_t scap;
    uint64_t *dropping;      /* sessions cut while a message was delivered */
    uint32_t ndropping;
};

#define NONE UINT32_MAX

static struct mpubsub *ps_of(struct sim_model *m) {
    if (m->ps != NULL) return m->ps;
    struct mpubsub *p = calloc(1, sizeof(*p));
    KV_ASSERT(p != NULL);
    const struct kv_config *cfg = m->lim.config;
    uint32_t clients = m->lim.maxclients;
    p->cap = cfg != NULL && cfg->pubsub_max_channels != 0 ? cfg->pubsub_max_channels : clients;
    p->subs_cap = cfg != NULL && cfg->pubsub_max_subscriptions != 0
                      ? cfg->pubsub_max_subscriptions : 4 * clients;
    p->name_max = cfg != NULL ? cfg->pubsub_max_channel_len : 256;
    KV_ASSERT(p->cap >= 1 && p->subs_cap >= 1);
    p->e = calloc(p->cap, sizeof(*p->e));
    p->patterns = calloc(p->cap, sizeof(uint32_t));
    KV_ASSERT(p->e != NULL && p->patterns != NULL);
    for (uint32_t i = 0; i < p->cap; i++) p->e[i].next_free = i + 1 < p->cap ? i + 1 : NONE;
    m->ps = p;
    return p;
}

void m_pubsub_destroy(struct sim_model *m) {
    struct mpubsub *p = m->ps;
    if (p == NULL) return;
    for (uint32_t i = 0; i < p->cap; i++) {
        free(p->e[i].name.p);
        free(p->e[i].subs);
    }
    for (uint64_t i = 0; i < p->scap; i++) free(p->s[i].entries);
    free(p->e);
    free(p->patterns);
    free(p->s);
    free(p->dropping);
    free(p);
    m->ps = NULL;
}

static struct mps_session *sess(struct mpubsub *p, uint64_t id) {
    if (id >= p->scap) {
        uint64_t cap = KV_MAX(id + 1, 2 * p->scap);
        p->s = realloc(p->s, cap * sizeof(*p->s));
        KV_ASSERT(p->s != NULL);
        memset(p->s + p->scap, 0, (cap - p->scap) * sizeof(*p->s));
        p->scap = cap;
    }
    p->s[id].id = id;
    return &p->s[id];
}

bool m_pubsub_subscribed(struct sim_model *m, uint64_t session) {
    if (m->ps == NULL) return false;
    return sess(m->ps, session)->n > 0;
}

static uint32_t find(const struct mpubsub *p, uint8_t kind, struct kv_slice name) {
    for (uint32_t i = 0; i < p->cap; i++) {
        const struct mps_entry *e = &p->e[i];
        if (e->kind == kind && e->name.len == name.len &&
            (name.len == 0 || memcmp(e->name.p, name.ptr, name.len) == 0))
            return i;
    }
    return NONE;
}

static uint32_t pos_in(const struct mps_session *s, uint32_t entry) {
    for (uint32_t i = 0; i < s->n; i++)
        if (s->entries[i] == entry) return i;
    return NONE;
}

static uint32_t entry_new(struct mpubsub *p, uint8_t kind, struct kv_slice name) {
    uint32_t i = p->free_head;
    KV_ASSERT(i != NONE);
    struct mps_entry *e = &p->e[i];
    p->free_head = e->next_free;
    e->kind = kind;
    e->name.p = malloc(name.len + 1);
    KV_ASSERT(e->name.p != NULL);
    if (name.len > 0) memcpy(e->name.p, name.ptr, name.len);
    e->name.len = name.len;
    e->nsubs = 0;
    if (kind == 2) p->patterns[p->npatterns++] = i;
    return i;
}

static void entry_free(struct mpubsub *p, uint32_t i) {
    struct mps_entry *e = &p->e[i];
    KV_ASSERT(e->nsubs == 0 && e->kind != 0);
    if (e->kind == 2) {
        uint32_t k = 0;
        while (k < p->npatterns && p->patterns[k] != i) k++;
        KV_ASSERT(k < p->npatterns);
        memmove(p->patterns + k, p->patterns + k + 1, (p->npatterns - k - 1) * sizeof(uint32_t));
        p->npatterns--;
    }
    free(e->name.p);
    e->name.p = NULL;
    e->kind = 0;
    e->next_free = p->free_head;
    p->free_head = i;
}

static void link(struct mpubsub *p, struct mps_session *s, uint32_t i) {
    struct mps_entry *e = &p->e[i];
    e->subs = realloc(e->subs, (e->nsubs + 1) * sizeof(uint64_t));
    s->entries = realloc(s->entries, (s->n + 1) * sizeof(uint32_t));
    KV_ASSERT(e->subs != NULL && s->entries != NULL);
    e->subs[e->nsubs++] = s->id;
    s->entries[s->n++] = i;
    if (e->kind == 1) s->channels++;
    else s->patterns++;
    p->subs_used++;
}

static void unlink_at(struct mpubsub *p, struct mps_session *s, uint32_t k) {
    KV_ASSERT(k < s->n);
    uint32_t i = s->entries[k];
    struct mps_entry *e = &p->e[i];
    memmove(s->entries + k, s->entries + k + 1, (s->n - k - 1) * sizeof(uint32_t));
    s->n--;
    if (e->kind == 1) s->channels--;
    else s->patterns--;
    uint32_t j = 0;
    while (j < e->nsubs && e->subs[j] != s->id) j++;
    KV_ASSERT(j < e->nsubs);
    memmove(e->subs + j, e->subs + j + 1, (e->nsubs - j - 1) * sizeof(uint64_t));
    e->nsubs--;
    p->subs_used--;
    if (e->nsubs == 0) entry_free(p, i);
}

static void drop_now(struct mpubsub *p, uint64_t id) {
    struct mps_session *s = sess(p, id);
    for (uint32_t g = s->n; g > 0 && s->n > 0; g--) unlink_at(p, s, 0);
    KV_ASSERT(s->n == 0 && s->channels == 0 && s->patterns == 0);
}

/* The server closed the session: it left its channels now, or (cut while a message
 * was delivered) once the command that published it has been modelled. */
void sim_model_unsubscribed(struct sim_model *m, uint64_t session, bool in_delivery) {
    struct mpubsub *p = ps_of(m);
    if (!in_delivery) {
        drop_now(p, session);
        return;
    }
    p->dropping = realloc(p->dropping, (p->ndropping + 1) * sizeof(uint64_t));
    KV_ASSERT(p->dropping != NULL);
    p->dropping[p->ndropping++] = session;
}

void m_pubsub_after_command(struct sim_model *m) {
    struct mpubsub *p = m->ps;
    if (p == NULL) return;
    for (uint32_t i = 0; i < p->ndropping; i++) drop_now(p, p->dropping[i]);
    p->ndropping = 0;
}

void m_pubsub_drop(struct sim_model *m, uint64_t session) { drop_now(ps_of(m), session); }

void sim_model_set_deliver(struct sim_model *m,
                           void (*deliver)(void *ctx, uint64_t session, const uint8_t *p,
                                           uint64_t n),
                           void *ctx) {
    m->deliver = deliver;
    m->deliver_ctx = ctx;
}

/* ---- replies ------------------------------------------------------------------ */

static uint8_t proto_of(struct sim_model *m, uint64_t session) {
    uint8_t v = m_session(m, session)->proto;
    return v == 3 ? 3 : 2;
}

static void push_header(struct sim_buf *b, uint8_t proto, uint32_t n) {
    char h[16];
    int k = snprintf(h, sizeof(h), "%c%u\r\n", proto == 3 ? '>' : '*', n);
    sim_buf_put(b, h, (uint64_t)k);
}

static void event(struct mctx *c, struct mps_session *s, const char *what,
                  const struct kv_slice *name) {
    uint8_t proto = proto_of(c->m, c->session);
    push_header(c->out, proto, 3);
    sim_buf_bulk(c->out, what, strlen(what));
    if (name != NULL) sim_buf_bulk(c->out, name->ptr, name->len);
    else if (proto == 3) sim_buf_puts(c->out, "_\r\n");
    else sim_buf_null(c->out);
    sim_buf_int(c->out, (int64_t)(s->channels + s->patterns));
}

static void message(struct sim_buf *b, uint8_t proto, const struct mval *pattern,
                    struct kv_slice ch, struct kv_slice msg) {
    push_header(b, proto, pattern != NULL ? 4 : 3);
    if (pattern != NULL) {
        sim_buf_bulk(b, "pmessage", 8);
        sim_buf_bulk(b, pattern->p, pattern->len);
    } else {
        sim_buf_bulk(b, "message", 7);
    }
    sim_buf_bulk(b, ch.ptr, ch.len);
    sim_buf_bulk(b, msg.ptr, msg.len);
}

static void subscribe(struct mctx *c, uint8_t kind) {
    struct mpubsub *p = ps_of(c->m);
    struct mps_session *s = sess(p, c->session);
    for (uint32_t a = 1; a < c->argc; a++) {
        struct kv_slice name = c->argv[a];
        uint32_t i = name.len <= p->name_max ? find(p, kind, name) : NONE;
        if (name.len > p->name_max) {
            sim_buf_errorf(c->out, "ERR channel name longer than pubsub-max-channel-len (%u)",
                           p->name_max);
            return;
        }
        if (i == NONE || pos_in(s, i) == NONE) {
            uint32_t live = 0;
            for (uint32_t k = 0; k < p->cap; k++) live += p->e[k].kind != 0;
            if (p->subs_used == p->subs_cap) {
                sim_buf_errorf(c->out, "ERR pubsub-max-subscriptions reached (%u)", p->subs_cap);
                return;
            }
            if (i == NONE && live == p->cap) {
                sim_buf_errorf(c->out, "ERR pubsub-max-channels reached (%u channels and "
                                       "patterns)", p->cap);
                return;
            }
            if (i == NONE) i = entry_new(p, kind, name);
            link(p, s, i);
        }
        event(c, s, kind == 1 ? "subscribe" : "psubscribe", &name);
    }
}

static void unsubscribe(struct mctx *c, uint8_t kind) {
    struct mpubsub *p = ps_of(c->m);
    struct mps_session *s = sess(p, c->session);
    const char *what = kind == 1 ? "unsubscribe" : "punsubscribe";
    for (uint32_t a = 1; a < c->argc; a++) {
        uint32_t i = find(p, kind, c->argv[a]);
        uint32_t k = i == NONE ? NONE : pos_in(s, i);
        if (k != NONE) unlink_at(p, s, k);
        event(c, s, what, &c->argv[a]);
    }
    if (c->argc > 1) return;
    uint32_t mine = kind == 1 ? s->channels : s->patterns;
    if (mine == 0) event(c, s, what, NULL);
    for (uint32_t g = 0; g < mine; g++) {
        uint32_t k = 0;
        while (k < s->n && p->e[s->entries[k]].kind != kind) k++;
        KV_ASSERT(k < s->n);
        struct mval n = p->e[s->entries[k]].name;
        uint8_t *copy = malloc(n.len + 1);
        KV_ASSERT(copy != NULL);
        if (n.len > 0) memcpy(copy, n.p, n.len);
        struct kv_slice name = {copy, n.len};
        unlink_at(p, s, k);
        event(c, s, what, &name);
        free(copy);
    }
}

static void cmd_subscribe(struct mctx *c) { subscribe(c, 1); }
static void cmd_psubscribe(struct mctx *c) { subscribe(c, 2); }
static void cmd_unsubscribe(struct mctx *c) { unsubscribe(c, 1); }
static void cmd_punsubscribe(struct mctx *c) { unsubscribe(c, 2); }

static uint32_t deliver_entry(struct mctx *c, struct mpubsub *p, uint32_t i, bool pattern) {
    const struct mps_entry *e = &p->e[i];
    for (uint32_t k = 0; k < e->nsubs; k++) {
        uint64_t to = e->subs[k];
        struct sim_buf b = {0};
        message(&b, proto_of(c->m, to), pattern ? &e->name : NULL, c->argv[1], c->argv[2]);
        if (to == c->session) sim_buf_put(c->out, b.p, b.len);
        else if (c->m->deliver != NULL) c->m->deliver(c->m->deliver_ctx, to, b.p, b.len);
        sim_buf_free(&b);
    }
    return e->nsubs;
}

static void cmd_publish(struct mctx *c) {
    struct mpubsub *p = ps_of(c->m);
    uint32_t n = 0, ch = find(p, 1, c->argv[1]);
    if (ch != NONE) n += deliver_entry(c, p, ch, false);
    for (uint32_t k = 0; k < p->npatterns; k++) {
        const struct mps_entry *e = &p->e[p->patterns[k]];
        if (m_glob(e->name.p, e->name.len, c->argv[1].ptr, c->argv[1].len))
            n += deliver_entry(c, p, p->patterns[k], true);
    }
    sim_buf_int(c->out, n);
}

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

static void pubsub_channels(struct mctx *c, struct mpubsub *p) {
    struct sim_buf items = {0};
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->cap; i++) {
        const struct mps_entry *e = &p->e[i];
        if (e->kind != 1) continue;
        if (c->argc == 3 && !m_glob(c->argv[2].ptr, c->argv[2].len, e->name.p, e->name.len))
            continue;
        sim_buf_bulk(&items, e->name.p, e->name.len);
        n++;
    }
    sim_buf_array(c->out, n);
    sim_buf_put(c->out, items.p, items.len);
    sim_buf_free(&items);
}

static void cmd_pubsub(struct mctx *c) {
    struct mpubsub *p = ps_of(c->m);
    struct kv_slice sub = c->argv[1];
    bool shard = m_eq_nocase(sub, "shardchannels");
    if (m_eq_nocase(sub, "channels") || shard) {
        if (c->argc > 3)
            sim_buf_errorf(c->out, "ERR unknown subcommand or wrong number of arguments for "
                                   "'%.*s'. Try PUBSUB HELP.",
                           (int)KV_MIN(sub.len, 128u), (const char *)sub.ptr);
        else if (shard) sim_buf_array(c->out, 0);
        else pubsub_channels(c, p);
    } else if (m_eq_nocase(sub, "numsub") || m_eq_nocase(sub, "shardnumsub")) {
        bool none = m_eq_nocase(sub, "shardnumsub");
        sim_buf_array(c->out, 2ull * (c->argc - 2));
        for (uint32_t a = 2; a < c->argc; a++) {
            uint32_t i = find(p, 1, c->argv[a]);
            sim_buf_bulk(c->out, c->argv[a].ptr, c->argv[a].len);
            sim_buf_int(c->out, none || i == NONE ? 0 : p->e[i].nsubs);
        }
    } else if (m_eq_nocase(sub, "numpat") || m_eq_nocase(sub, "help")) {
        bool help = m_eq_nocase(sub, "help");
        if (c->argc != 2) {
            sim_buf_errorf(c->out, "ERR wrong number of arguments for 'pubsub|%s' command",
                           help ? "help" : "numpat");
        } else if (!help) {
            sim_buf_int(c->out, p->npatterns);
        } else {
            sim_buf_array(c->out, KV_ARRAY_LEN(pubsub_help));
            for (uint32_t i = 0; i < KV_ARRAY_LEN(pubsub_help); i++)
                sim_buf_simple(c->out, pubsub_help[i]);
        }
    } else {
        sim_buf_errorf(c->out, "ERR unknown subcommand '%.*s'. Try PUBSUB HELP.",
                       (int)KV_MIN(sub.len, 128u), (const char *)sub.ptr);
    }
}

/* ---- the RESP2 subscribed-mode rule --------------------------------------------- */

/* Redis's containers: their fullname carries the subcommand, lowered. */
static bool container(const char *name) {
    static const char *const names[] = {"client", "config", "command", "acl", "memory",
                                        "object", "slowlog", "latency", "xinfo", "xgroup",
                                        "script", "function", "pubsub", "cluster", "module"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0) return true;
    return false;
}

/* A RESP2 session with subscriptions runs only these; true if refused (replied). */
bool m_pubsub_refused(struct mctx *c, const char *name) {
    if (proto_of(c->m, c->session) != 2 || !m_pubsub_subscribed(c->m, c->session)) return false;
    static const char *const allowed[] = {"subscribe", "unsubscribe", "psubscribe",
                                          "punsubscribe", "ssubscribe", "sunsubscribe",
                                          "ping", "quit", "reset"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(allowed); i++)
        if (strcmp(name, allowed[i]) == 0) return false;
    char full[64];
    snprintf(full, sizeof(full), "%s", name);
    struct kv_slice sub = c->argc >= 2 ? c->argv[1] : (struct kv_slice){NULL, 0};
    bool printable = sub.len > 0 && sub.len < 24;
    for (uint32_t i = 0; i < sub.len && printable; i++)
        printable = sub.ptr[i] > ' ' && sub.ptr[i] <= '~';
    if (container(name) && printable) {
        size_t at = strlen(full);
        full[at++] = '|';
        for (uint32_t i = 0; i < sub.len; i++) {
            uint8_t ch = sub.ptr[i];
            full[at++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        full[at] = 0;
    }
    sim_buf_errorf(c->out, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                           "PING / QUIT / RESET are allowed in this context", full);
    return true;
}

/* PING's reply to a RESP2 subscriber ("pong" and the argument, or ""). */
bool m_pubsub_ping(struct mctx *c) {
    if (proto_of(c->m, c->session) != 2 || !m_pubsub_subscribed(c->m, c->session)) return false;
    sim_buf_array(c->out, 2);
    sim_buf_bulk(c->out, "pong", 4);
    if (c->argc == 2) sim_buf_bulk(c->out, c->argv[1].ptr, c->argv[1].len);
    else sim_buf_bulk(c->out, "", 0);
    return true;
}

static const struct mcmd pubsub_cmds[] = {
    {"subscribe", -2, 0, cmd_subscribe, NULL},
    {"unsubscribe", -1, 0, cmd_unsubscribe, NULL},
    {"psubscribe", -2, 0, cmd_psubscribe, NULL},
    {"punsubscribe", -1, 0, cmd_punsubscribe, NULL},
    /* Not MF_READONLY: a refused reply of a read-only command is sized by running it
     * (sim_model_refuse.c), and PUBLISH's run delivers (sim seed 344). */
    {"publish", 3, 0, cmd_publish, NULL},
    {"pubsub", -2, MF_READONLY, cmd_pubsub, NULL},
};

const struct mcmd_table sim_model_cmds_pubsub = {pubsub_cmds, KV_ARRAY_LEN(pubsub_cmds)};

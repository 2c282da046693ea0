/*
 * pubsub.h: pub/sub bookkeeping (SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE
 * PUBLISH PUBSUB): the channel table (channels and patterns that have subscribers),
 * the subscription slots (one per session and channel or pattern), and the
 * deliveries of the PUBLISH that just ran. Pure bookkeeping: it never looks at the
 * keyspace, a connection or an output buffer.
 *
 * Delivery, in the shape of blocked clients (include/kv/block.h): the engine never
 * writes into another session's output. PUBLISH (src/cmd_pubsub.c) asks
 * kv_pubsub_publish for its receivers: every subscription whose channel is the
 * message's, in subscription order, then every pattern that matches it, in the
 * order the patterns were first subscribed, each with its subscribers in order.
 * They go on the delivery ring with the message (pointers into the publisher's
 * arguments, valid while its command runs). The publisher's own deliveries are
 * written into its own reply at once (Redis puts them before PUBLISH's integer,
 * and inside an EXEC's array). After the command (src/engine.c run_cmd, so after
 * every queued command of an EXEC too) the engine hands the ring to the server's
 * sink, which writes each message into that subscriber's output, never blocking the
 * publisher. A subscriber whose output has no room lags: its messages go into the
 * pub/sub backlog (include/kv/pubsub_log.h), one ring shared by every lagging
 * subscriber, where a message is kept once however many lag behind it; they are
 * copied into its output as it drains, and its own commands wait until it has caught
 * up. When the backlog is full, the subscribers holding its oldest entries are
 * disconnected, as is one past the pubsub output limits (its output plus its backlog
 * bytes); the message is then dropped for it alone (server.c "pub/sub delivery").
 *
 * One difference from Redis, stated: a session subscribed to several patterns that
 * match one message gets its pmessages in the order those patterns were first
 * subscribed by anyone (Redis: its dict's order, which no client can rely on).
 *
 * Memory: the caller's arrays, carved at startup (server.c layout): chans_cap
 * entries (pubsub-max-channels: channels and patterns together) with
 * pubsub-max-channel-len name bytes each, slots (a power of two, at least twice
 * the entries), subs_cap subscription nodes (pubsub-max-subscriptions) and a ring of
 * subs_cap deliveries (one publish reaches each subscription at most once, and the
 * ring is emptied after every command). Never allocates; when full, SUBSCRIBE
 * refuses with an error naming the option (src/cmd_pubsub.c).
 *
 * Invariants (kv_pubsub_check): an entry is free or holds a name with subs >= 1
 * subscribers, all on its list; a slot points at a live entry exactly once; a node
 * is free or on exactly one entry's list and its session's list; a session's counts
 * match its list; every live pattern is on the pattern list.
 */
#ifndef KV_PUBSUB_H
#define KV_PUBSUB_H

#include "kv/common.h"

struct kv_session;

#define KV_PUBSUB_NONE UINT32_MAX

enum kv_pubsub_kind {
    KV_PUBSUB_FREE = 0,
    KV_PUBSUB_CHANNEL = 1,
    KV_PUBSUB_PATTERN = 2,
};

enum kv_pubsub_add {
    KV_PUBSUB_ADDED = 0,
    KV_PUBSUB_ALREADY = 1,      /* the session had it: Redis replies the same count */
    KV_PUBSUB_FULL_CHANNELS = 2, /* pubsub-max-channels entries in use */
    KV_PUBSUB_FULL_SUBS = 3,    /* pubsub-max-subscriptions nodes in use */
    KV_PUBSUB_TOO_LONG = 4,     /* longer than pubsub-max-channel-len */
};

struct kv_pubsub_chan {
    uint64_t hash;
    uint32_t head;               /* oldest subscription node */
    uint32_t tail;
    uint32_t subs;               /* subscribers (0: free) */
    uint32_t prev;               /* patterns: the pattern list; free: next free entry */
    uint32_t next;
    uint32_t name_len;
    uint8_t kind;                /* enum kv_pubsub_kind */
};

struct kv_pubsub_sub {
    struct kv_session *session;  /* NULL while free */
    uint32_t chan;
    uint32_t chan_prev;
    uint32_t chan_next;
    uint32_t sess_prev;
    uint32_t sess_next;          /* free: the next free node */
};

struct kv_pubsub_delivery {
    struct kv_session *session;
    uint32_t pattern;            /* the matching pattern's entry, or KV_PUBSUB_NONE */
};

struct kv_pubsub {
    struct kv_pubsub_chan *chans;
    uint8_t *names;              /* chans_cap * name_max bytes */
    uint32_t chans_cap;
    uint32_t name_max;
    uint32_t chans_free;         /* free entry list head */
    uint32_t channels;           /* live channel entries (INFO pubsub_channels) */
    uint32_t patterns;           /* live pattern entries (INFO pubsub_patterns) */
    uint64_t channel_bytes;      /* name bytes of the live channels (PUBSUB CHANNELS) */
    uint32_t *slots;             /* entry index, or KV_PUBSUB_NONE */
    uint32_t slots_mask;
    uint64_t seed;
    uint32_t pat_head;           /* live patterns, first subscribed first */
    uint32_t pat_tail;
    struct kv_pubsub_sub *subs;
    uint32_t subs_cap;
    uint32_t subs_used;
    uint32_t subs_free;
    struct kv_pubsub_delivery *ring; /* subs_cap entries */
    uint32_t ring_len;
    struct kv_slice msg_channel; /* the message on the ring (the publisher's argv) */
    struct kv_slice msg;
};

/* A power of two, at least twice chans_cap. */
uint64_t kv_pubsub_slots_cap(uint32_t chans_cap);
void kv_pubsub_init(struct kv_pubsub *p, uint32_t chans_cap, uint32_t name_max, uint32_t subs_cap,
                    struct kv_pubsub_chan *chans, uint8_t *names, uint32_t *slots,
                    struct kv_pubsub_sub *subs, struct kv_pubsub_delivery *ring, uint64_t seed);
enum kv_pubsub_add kv_pubsub_subscribe(struct kv_pubsub *p, struct kv_session *s, uint8_t kind,
                                       struct kv_slice name);
/* True if the session was subscribed (and now is not). */
bool kv_pubsub_unsubscribe(struct kv_pubsub *p, struct kv_session *s, uint8_t kind,
                           struct kv_slice name);
/* The entry of the session's first subscription of this kind, or KV_PUBSUB_NONE. */
uint32_t kv_pubsub_first(const struct kv_pubsub *p, const struct kv_session *s, uint8_t kind);
/* Every subscription of the session (RESET, a closed connection). */
void kv_pubsub_drop_session(struct kv_pubsub *p, struct kv_session *s);
struct kv_slice kv_pubsub_name(const struct kv_pubsub *p, uint32_t chan);
/* Subscribers of the channel (patterns not counted: PUBSUB NUMSUB). */
uint32_t kv_pubsub_numsub(const struct kv_pubsub *p, struct kv_slice channel);
/* Puts every receiver of (channel, msg) on the ring (which must be empty); returns
 * how many there are (PUBLISH's reply). */
uint32_t kv_pubsub_publish(struct kv_pubsub *p, struct kv_slice channel, struct kv_slice msg);
/* Bytes of one message as the session's protocol encodes it (pattern NONE:
 * "message", else "pmessage" with the pattern's name), and its writer. */
uint64_t kv_pubsub_message_size(const struct kv_pubsub *p, uint32_t pattern,
                                struct kv_slice channel, struct kv_slice msg);
struct kv_reply;
void kv_pubsub_write_message(const struct kv_pubsub *p, struct kv_reply *r, uint32_t pattern,
                             struct kv_slice channel, struct kv_slice msg);
void kv_pubsub_check(const struct kv_pubsub *p);

#endif

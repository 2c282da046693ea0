/*
 * session.h: one client's state as the engine sees it: MULTI, WATCH, QUIT, its
 * name and id, its protocol (RESP2 or RESP3, HELLO) and whether it has
 * authenticated (AUTH, HELLO AUTH; only asked while requirepass is set), and the
 * keys it waits on in a blocking pop (BLPOP...). The
 * server keeps one per connection slot and hands it to the engine with every
 * frame; nothing here knows about sockets or buffers.
 */
#ifndef KV_SESSION_H
#define KV_SESSION_H

#include "kv/common.h"

#define KV_CLIENT_NAME_MAX 64   /* CLIENT SETNAME (and SETINFO) bytes */
#define KV_CLIENT_SUB_MAX 24    /* a subcommand kept for CLIENT LIST's cmd= */

struct kv_session {
    uint32_t flags;              /* KV_SESSION_* */
    uint32_t multi_count;        /* commands queued in this MULTI */
    /* WATCH (include/kv/watch.h): the keys are nodes of the engine's index. */
    uint32_t watch_count;        /* keys watched, at most watch-max-keys */
    uint32_t watch_first;        /* the first one's node (valid while watch_count > 0) */
    uint32_t watch_existed;      /* of those, live at WATCH (FLUSHALL) */
    uint32_t watch_pos;          /* index in the index's watching sessions */
    /* Blocking pops (include/kv/block.h): the keys are nodes of the engine's queues. */
    uint32_t block_count;        /* keys waited on (KV_SESSION_BLOCKED iff > 0) */
    uint32_t block_first;        /* the first one's node */
    uint32_t block_pos;          /* index in the blocked sessions */
    uint8_t block_wake;          /* enum kv_block_wake: why its frame runs again */
    uint8_t block_type;          /* the type it waits for (a list, a sorted set, a stream) */
    uint8_t block_each;          /* 1: served on its own (a stream read), block.h */
    int64_t block_deadline_ms;   /* realtime; 0: forever */
    uint64_t block_hash;         /* WAKE_KEY: the ready key to serve from */
    uint64_t block_argv_mem;     /* the blocked command's argument bytes (CLIENT LIST) */
    uint64_t id;                 /* CLIENT ID */
    uint8_t proto;               /* 2 or 3: the protocol replies use (HELLO) */
    uint8_t name_len;            /* CLIENT SETNAME */
    uint8_t reply_mode;          /* CLIENT REPLY: KV_REPLY_* */
    uint8_t lib_name_len;        /* CLIENT SETINFO LIB-NAME / LIB-VER */
    uint8_t lib_ver_len;
    uint8_t last_sub_len;        /* the last command's subcommand, lower case */
    char name[KV_CLIENT_NAME_MAX];
    char lib_name[KV_CLIENT_NAME_MAX];
    char lib_ver[KV_CLIENT_NAME_MAX];
    const char *last_cmd;        /* CLIENT LIST cmd=: the last command's name, or NULL */
    char last_sub[KV_CLIENT_SUB_MAX];
    /* Pub/sub (include/kv/pubsub.h): its subscription nodes, oldest first (valid while
     * sub_channels + sub_patterns > 0), and the name bytes they hold (reply bounds). */
    uint32_t pubsub_head;
    uint32_t pubsub_tail;
    uint32_t sub_channels;       /* SUBSCRIBE: CLIENT LIST sub= */
    uint32_t sub_patterns;       /* PSUBSCRIBE: psub= */
    uint64_t pubsub_bytes;
};

/* Subscribed to anything (Redis's CLIENT_PUBSUB flag: flag P, the RESP2 rule). */
static inline bool kv_session_subscribed(const struct kv_session *s) {
    return s->sub_channels + s->sub_patterns > 0;
}

/* CLIENT REPLY (Redis's flags): OFF drops every reply; SKIP drops the next
 * command's (SKIP_NEXT becomes SKIP once the CLIENT REPLY SKIP itself is done). */
enum kv_reply_mode {
    KV_REPLY_ON = 0,
    KV_REPLY_OFF = 1,
    KV_REPLY_SKIP_NEXT = 2,
    KV_REPLY_SKIP = 3,
};

enum kv_session_flag {
    KV_SESSION_MULTI = 1u << 0,
    KV_SESSION_MULTI_ERROR = 1u << 1, /* a command failed to queue: EXEC aborts */
    KV_SESSION_DIRTY_CAS = 1u << 2,   /* a watched key changed: EXEC returns nil */
    KV_SESSION_CLOSE = 1u << 3,       /* QUIT, POST, Host:: close once the reply is sent */
    KV_SESSION_ABORT = 1u << 4,       /* POST, Host:: and drop replies not yet sent */
    /* Authenticated as "default": set by AUTH / HELLO AUTH, and at connection if no
     * requirepass was set then (Redis: a client created while the default user has
     * no password stays authenticated when one is set later). */
    KV_SESSION_AUTHED = 1u << 5,
    KV_SESSION_SHUTDOWN = 1u << 7,    /* SHUTDOWN: close without a reply, stop the server */
    KV_SESSION_NO_EVICT = 1u << 8,    /* CLIENT NO-EVICT ON (flag e; nothing evicts clients) */
    /* Waits in a blocking pop (flag b): its frame stays unconsumed, the server runs
     * none of its later frames until it is served, times out or is unblocked. */
    KV_SESSION_BLOCKED = 1u << 9,
};

/* A new session: RESP2, not in MULTI, not authenticated. */
void kv_session_init(struct kv_session *s, uint64_t id);
/* The CLIENT state RESET clears (as Redis's clearClientConnectionState): REPLY back
 * ON (a SKIP in force stays: it drops RESET's reply), NO-EVICT off. The name,
 * lib-name and lib-ver are left to the caller. */
void kv_session_reset_client(struct kv_session *s);

#endif

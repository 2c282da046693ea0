/*
 * session.h: one client's state as the engine sees it: MULTI, WATCH, QUIT, its
 * name and id, its protocol (RESP2 or RESP3, HELLO) and whether it has
 * authenticated (AUTH, HELLO AUTH; only asked while requirepass is set). The
 * server keeps one per connection slot and hands it to the engine with every
 * frame; nothing here knows about sockets or buffers.
 */
#ifndef KV_SESSION_H
#define KV_SESSION_H

#include "kv/common.h"

#define KV_CLIENT_NAME_MAX 64   /* CLIENT SETNAME bytes */

struct kv_session {
    uint32_t flags;              /* KV_SESSION_* */
    uint32_t multi_count;        /* commands queued in this MULTI */
    /* WATCH (include/kv/watch.h): the keys are nodes of the engine's index. */
    uint32_t watch_count;        /* keys watched, at most watch-max-keys */
    uint32_t watch_first;        /* the first one's node (valid while watch_count > 0) */
    uint32_t watch_existed;      /* of those, live at WATCH (FLUSHALL) */
    uint32_t watch_pos;          /* index in the index's watching sessions */
    uint64_t id;                 /* CLIENT ID */
    uint8_t proto;               /* 2 or 3: the protocol replies use (HELLO) */
    uint8_t name_len;            /* CLIENT SETNAME */
    char name[KV_CLIENT_NAME_MAX];
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
};

/* A new session: RESP2, not in MULTI, not authenticated. */
void kv_session_init(struct kv_session *s, uint64_t id);

#endif

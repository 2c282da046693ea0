/*
 * clients.h: what the engine may know of the server's connections (CLIENT LIST,
 * INFO, KILL, PAUSE). The connections belong to the server, a layer above the
 * engine: the server fills this interface at init (kv_engine_set_clients) and the
 * engine (src/cmd_client.c) asks through it, never through server.h. A slot is a
 * connection place, 0 <= slot < slots(); describe() says whether one is open.
 * Without a registered interface (unit tests, the engine fuzzer) there is only the
 * session running the command.
 */
#ifndef KV_CLIENTS_H
#define KV_CLIENTS_H

#include "kv/common.h"

struct kv_session;

#define KV_CLIENT_ADDR_MAX 48   /* "[ipv6]:port" and its NUL */
/* One CLIENT LIST line's most bytes: the fixed fields with the widest numbers,
 * two addresses, a name, lib-name and lib-ver (64 bytes each), cmd, the newline. */
#define KV_CLIENT_LINE_MAX 1024u

/* One open connection as the server knows it; the engine adds the session's part. */
struct kv_client_info {
    const struct kv_session *session;
    char addr[KV_CLIENT_ADDR_MAX];  /* "ip:port" (Redis's formatPeerId), "?:0" unknown */
    char laddr[KV_CLIENT_ADDR_MAX]; /* the local side, likewise */
    int64_t fd;
    uint64_t age_s;              /* since the connection was accepted */
    uint64_t idle_s;             /* since its last command or byte */
    uint64_t qbuf;               /* unconsumed input bytes (the running frame included) */
    uint64_t qbuf_free;          /* room left in the input buffer */
    uint64_t multi_mem;          /* bytes of frames queued by MULTI */
    uint64_t rbs;                /* reply buffer size */
    uint64_t obl;                /* reply bytes waiting to be sent */
    uint64_t tot_mem;            /* the connection's buffers and state */
    bool writing;                /* a send is pending: events=rw */
};

struct kv_engine_clients {
    uint32_t (*slots)(void *ctx);
    uint32_t (*connected)(void *ctx); /* open client connections */
    /* Slot i's connection: false when the slot holds no open client. */
    bool (*describe)(void *ctx, uint32_t i, struct kv_client_info *out);
    /* Closes slot i's connection (not the caller's: the engine closes that one after
     * its reply), as any server close: the observer's on_cut hears of it. */
    void (*kill)(void *ctx, uint32_t i);
    /* CLIENT PAUSE: hold commands (all, or writes only) for ms milliseconds from now
     * on the server's clock; a longer or wider pause extends the current one. */
    void (*pause)(void *ctx, uint64_t ms, bool writes_only);
    void (*unpause)(void *ctx);
    /* The running command's client address ("ip:port", as describe's addr) into out
     * (KV_CLIENT_ADDR_MAX bytes): SLOWLOG's entry. session is one the server handed
     * the engine with a frame. */
    void (*addr_of)(void *ctx, const struct kv_session *session, char *out);
    void *ctx;
};

/* One CLIENT LIST line (src/cmd_client.c), newline included, into buf of at least
 * KV_CLIENT_LINE_MAX bytes; argv_mem is the running command's argument bytes (0 for
 * a client not running one). Returns its length. */
uint32_t kv_client_format(const struct kv_client_info *ci, uint64_t argv_mem, char *buf,
                          uint32_t cap);

#endif

/*
 * slowlog.h: SLOWLOG's static ring (Redis's slowlog.c semantics). The engine pushes
 * every command that ran at least slowlog-log-slower-than microseconds; the ring
 * keeps the newest slowlog-max-len entries, overwriting the oldest.
 *
 * Memory: the caller's ring of `cap` fixed-size entries (kv_slowlog_bytes(cap),
 * a kv_layout_add entry sized at startup); each entry stores its arguments cut as
 * Redis cuts them: at most KV_SLOWLOG_ARGC_MAX arguments, the last of a longer
 * command saying "... (N more arguments)", an argument over KV_SLOWLOG_STRING_MAX
 * bytes kept as its first 128 bytes and "... (N more bytes)". So an entry needs no
 * storage beyond its own KV_SLOWLOG_ENTRY_BYTES. Never allocates.
 * Invariants: len <= cap; ids are consecutive, newest first, and keep counting
 * across a reset (as Redis's slowlog_entry_id).
 */
#ifndef KV_SLOWLOG_H
#define KV_SLOWLOG_H

#include "kv/common.h"
#include "kv/session.h"

#define KV_SLOWLOG_ARGC_MAX 32u     /* Redis's SLOWLOG_ENTRY_MAX_ARGC */
#define KV_SLOWLOG_STRING_MAX 128u  /* Redis's SLOWLOG_ENTRY_MAX_STRING */
/* A cut argument: 128 bytes and "... (N more bytes)" with N < 2^32 (at most 29). */
#define KV_SLOWLOG_ARG_BYTES 160u
#define KV_SLOWLOG_PEER_MAX 64u     /* "ip:port" of the client */

struct kv_slowlog_entry {
    uint64_t id;
    int64_t time_s;              /* unix seconds when the command ran */
    uint64_t duration_us;
    uint32_t argc;               /* arguments kept (<= KV_SLOWLOG_ARGC_MAX) */
    uint8_t peer_len;
    uint8_t name_len;
    uint16_t arg_len[KV_SLOWLOG_ARGC_MAX];
    char peer[KV_SLOWLOG_PEER_MAX];
    char name[KV_CLIENT_NAME_MAX];
    uint8_t arg[KV_SLOWLOG_ARGC_MAX][KV_SLOWLOG_ARG_BYTES];
};
#define KV_SLOWLOG_ENTRY_BYTES ((uint64_t)sizeof(struct kv_slowlog_entry))

struct kv_slowlog {
    struct kv_slowlog_entry *ring;
    uint32_t cap;                /* slowlog-max-len at startup */
    uint32_t len;                /* entries held */
    uint32_t next;               /* the slot the next push writes */
    uint64_t next_id;
};

uint64_t kv_slowlog_bytes(uint32_t cap);
void kv_slowlog_init(struct kv_slowlog *sl, void *mem, uint32_t cap);
/* Records one command (argv[0] its name); peer and name are cut to fit. */
void kv_slowlog_push(struct kv_slowlog *sl, uint32_t argc, const struct kv_slice *argv,
                     int64_t time_s, uint64_t duration_us, struct kv_slice peer,
                     struct kv_slice name);
/* The i-th newest entry (0: the newest), i < len. */
const struct kv_slowlog_entry *kv_slowlog_at(const struct kv_slowlog *sl, uint32_t i);
void kv_slowlog_reset(struct kv_slowlog *sl);
/* Bytes SLOWLOG GET's reply takes for one entry (an upper bound, both protocols). */
uint64_t kv_slowlog_entry_reply_bytes(const struct kv_slowlog_entry *e);

#endif

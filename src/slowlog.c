/*
 * slowlog.c: the SLOWLOG ring (include/kv/slowlog.h): fixed-size entries, arguments
 * cut on the way in exactly as Redis's slowlogCreateEntry cuts them, so GET replies
 * what Redis would. Memory: the caller's ring only. Never allocates.
 */
#include "kv/slowlog.h"

#include <stdio.h>
#include <string.h>

#include "kv/reply.h"

uint64_t kv_slowlog_bytes(uint32_t cap) { return (uint64_t)cap * KV_SLOWLOG_ENTRY_BYTES; }

void kv_slowlog_init(struct kv_slowlog *sl, void *mem, uint32_t cap) {
    KV_ASSERT(sl != NULL);
    KV_ASSERT(cap == 0 || mem != NULL);
    memset(sl, 0, sizeof(*sl));
    sl->ring = mem;
    sl->cap = cap;
}

/* Argument j of a command of argc arguments, cut as Redis cuts it, into out. */
static uint16_t cut_arg(uint8_t *out, uint32_t argc, uint32_t kept, uint32_t j,
                        struct kv_slice a) {
    KV_ASSERT(j < kept && kept <= KV_SLOWLOG_ARGC_MAX);
    int n;
    if (kept != argc && j == kept - 1) {
        n = snprintf((char *)out, KV_SLOWLOG_ARG_BYTES, "... (%u more arguments)",
                     argc - kept + 1);
    } else if (a.len > KV_SLOWLOG_STRING_MAX) {
        memcpy(out, a.ptr, KV_SLOWLOG_STRING_MAX);
        n = snprintf((char *)out + KV_SLOWLOG_STRING_MAX,
                     KV_SLOWLOG_ARG_BYTES - KV_SLOWLOG_STRING_MAX, "... (%u more bytes)",
                     a.len - KV_SLOWLOG_STRING_MAX);
        n += (int)KV_SLOWLOG_STRING_MAX;
    } else {
        if (a.len > 0) memcpy(out, a.ptr, a.len);
        n = (int)a.len;
    }
    KV_ASSERT(n >= 0 && (uint32_t)n < KV_SLOWLOG_ARG_BYTES);
    return (uint16_t)n;
}

void kv_slowlog_push(struct kv_slowlog *sl, uint32_t argc, const struct kv_slice *argv,
                     int64_t time_s, uint64_t duration_us, struct kv_slice peer,
                     struct kv_slice name) {
    KV_ASSERT(sl != NULL && argc >= 1 && argv != NULL);
    KV_ASSERT(sl->len <= sl->cap);
    uint64_t id = sl->next_id++;
    if (sl->cap == 0) return; /* Redis adds, then trims to slowlog-max-len 0 */
    struct kv_slowlog_entry *e = &sl->ring[sl->next];
    e->id = id;
    e->time_s = time_s;
    e->duration_us = duration_us;
    e->argc = KV_MIN(argc, KV_SLOWLOG_ARGC_MAX);
    for (uint32_t j = 0; j < e->argc; j++) e->arg_len[j] = cut_arg(e->arg[j], argc, e->argc,
                                                                   j, argv[j]);
    e->peer_len = (uint8_t)KV_MIN(peer.len, KV_SLOWLOG_PEER_MAX);
    if (e->peer_len > 0) memcpy(e->peer, peer.ptr, e->peer_len);
    e->name_len = (uint8_t)KV_MIN(name.len, (uint32_t)KV_CLIENT_NAME_MAX);
    if (e->name_len > 0) memcpy(e->name, name.ptr, e->name_len);
    sl->next = sl->next + 1 == sl->cap ? 0 : sl->next + 1;
    if (sl->len < sl->cap) sl->len++;
}

const struct kv_slowlog_entry *kv_slowlog_at(const struct kv_slowlog *sl, uint32_t i) {
    KV_ASSERT(sl != NULL && i < sl->len);
    uint32_t newest = sl->next == 0 ? sl->cap - 1 : sl->next - 1;
    uint32_t at = newest >= i ? newest - i : newest + sl->cap - i;
    KV_ASSERT(at < sl->cap);
    return &sl->ring[at];
}

void kv_slowlog_reset(struct kv_slowlog *sl) {
    KV_ASSERT(sl != NULL);
    sl->len = 0;
    sl->next = 0;
}

uint64_t kv_slowlog_entry_reply_bytes(const struct kv_slowlog_entry *e) {
    KV_ASSERT(e != NULL && e->argc <= KV_SLOWLOG_ARGC_MAX);
    uint64_t n = 4 + 3 * 24 + 16; /* *6, three integers, the argument array's header */
    for (uint32_t j = 0; j < e->argc; j++) n += kv_reply_bulk_size(e->arg_len[j]);
    n += kv_reply_bulk_size(e->peer_len) + kv_reply_bulk_size(e->name_len);
    return n;
}

/*
 * pubsub_log.c: the pub/sub backlog of include/kv/pubsub_log.h (read its opening
 * comment: the entry layout, the chains and the invariants). Memory: the caller's
 * ring and per-slot array; never allocates. Every walk is bounded: a chain by its
 * count, the reclaim by the entries between tail and head, an entry by its receivers.
 *
 * Entry layout at buf + pos % cap: struct ent; nrecv struct rec; npat struct pat
 * (offset from the entry's start, length); the pattern names; the channel; the
 * message; padding to 8. A pad entry has only size and pending (0) written.
 */
#include <string.h>

#include "kv/pubsub_log.h"
#include "kv/reply.h"

struct ent {
    uint32_t size;
    uint32_t pending;
    uint32_t nrecv;
    uint32_t npat;
    uint32_t chan_len;
    uint32_t msg_len;
};

struct rec {
    uint32_t slot;            /* KV_PLOG_NONE once delivered or dropped */
    uint32_t pat;
    uint32_t next_delta;      /* bytes from this entry to the slot's next record's */
    uint32_t next_idx;        /* KV_PLOG_NONE: the slot's newest record */
};

struct pat {
    uint32_t off;
    uint32_t len;
};

#define PAD_MIN 8u /* size and pending: every remainder at the ring's end holds them */

void kv_plog_init(struct kv_plog *l, uint8_t *buf, uint64_t cap, struct kv_plog_lag *lag,
                  uint32_t slots) {
    KV_ASSERT(l != NULL && lag != NULL && slots >= 1);
    KV_ASSERT(cap <= KV_PLOG_MAX_BYTES && (cap == 0 || buf != NULL));
    memset(l, 0, sizeof(*l));
    l->buf = buf;
    l->cap = cap & ~7ull;
    l->lag = lag;
    l->slots = slots;
    for (uint32_t i = 0; i < slots; i++)
        lag[i] = (struct kv_plog_lag){0, 0, KV_PLOG_NONE, KV_PLOG_NONE, 0, 0};
}

uint64_t kv_plog_message_size(uint32_t pattern_len, uint64_t chan_len, uint64_t msg_len) {
    uint64_t n = 4 + kv_reply_bulk_size(chan_len) + kv_reply_bulk_size(msg_len);
    if (pattern_len == KV_PLOG_NONE) return n + kv_reply_bulk_size(7);
    return n + kv_reply_bulk_size(8) + kv_reply_bulk_size(pattern_len);
}

uint64_t kv_plog_entry_size(uint32_t nrecv, uint32_t npat, uint64_t pat_bytes,
                            uint64_t chan_len, uint64_t msg_len) {
    uint64_t n = sizeof(struct ent) + (uint64_t)nrecv * sizeof(struct rec) +
                 (uint64_t)npat * sizeof(struct pat) + pat_bytes + chan_len + msg_len;
    KV_ASSERT(n >= sizeof(struct ent));
    return KV_ALIGN_UP(n, 8);
}

static struct ent *ent_at(const struct kv_plog *l, uint64_t pos) {
    KV_ASSERT(pos >= l->tail && pos < l->head && pos % 8 == 0);
    return (struct ent *)(void *)(l->buf + pos % l->cap);
}

static struct rec *rec_at(const struct kv_plog *l, uint64_t pos, uint32_t idx) {
    struct ent *e = ent_at(l, pos);
    KV_ASSERT(idx < e->nrecv);
    return (struct rec *)(void *)((uint8_t *)e + sizeof(*e)) + idx;
}

/* Bytes an append of `size` takes: the entry, plus the pad when it would cross the end. */
static uint64_t take_bytes(const struct kv_plog *l, uint64_t size) {
    uint64_t off = l->head % l->cap;
    return off + size > l->cap ? l->cap - off + size : size;
}

bool kv_plog_fits(const struct kv_plog *l, uint64_t size) {
    KV_ASSERT(l->head - l->tail <= l->cap && size % 8 == 0);
    if (size > l->cap) return false;
    return take_bytes(l, size) <= l->cap - (l->head - l->tail);
}

/* Advances the tail past every entry nobody is pending on. */
static void reclaim(struct kv_plog *l) {
    uint64_t bound = l->entries;
    for (uint64_t i = 0; i < bound && l->tail < l->head; i++) {
        const struct ent *e = ent_at(l, l->tail);
        if (e->pending > 0) break;
        KV_ASSERT(e->size >= PAD_MIN && l->entries > 0);
        l->tail += e->size;
        l->entries--;
    }
    KV_ASSERT(l->tail <= l->head);
    if (l->tail == l->head) { /* empty: start over at the ring's beginning */
        KV_ASSERT(l->entries == 0 && l->lagging == 0);
        l->tail = l->head = 0;
    }
}

static void pad_to_end(struct kv_plog *l) {
    uint64_t off = l->head % l->cap;
    KV_ASSERT(off % 8 == 0 && l->cap - off >= PAD_MIN);
    uint32_t *pad = (uint32_t *)(void *)(l->buf + off);
    pad[0] = (uint32_t)(l->cap - off);
    pad[1] = 0;
    l->head += l->cap - off;
    l->entries++;
}

static void link_rec(struct kv_plog *l, uint64_t pos, uint32_t idx, uint64_t size) {
    struct rec *r = rec_at(l, pos, idx);
    struct kv_plog_lag *g = &l->lag[r->slot];
    if (g->head_idx == KV_PLOG_NONE) {
        KV_ASSERT(g->count == 0 && g->bytes == 0);
        g->head_pos = pos;
        g->head_idx = idx;
        l->lagging++;
    } else {
        struct rec *prev = rec_at(l, g->tail_pos, g->tail_idx);
        KV_ASSERT(prev->next_idx == KV_PLOG_NONE && pos - g->tail_pos < l->cap);
        prev->next_delta = (uint32_t)(pos - g->tail_pos);
        prev->next_idx = idx;
    }
    g->tail_pos = pos;
    g->tail_idx = idx;
    g->count++;
    g->bytes += size;
}

void kv_plog_append(struct kv_plog *l, struct kv_slice channel, struct kv_slice msg,
                    const struct kv_slice *pats, uint32_t npat, const struct kv_plog_rcv *rcv,
                    uint32_t n) {
    uint64_t pat_bytes = 0;
    for (uint32_t i = 0; i < npat; i++) pat_bytes += pats[i].len;
    uint64_t size = kv_plog_entry_size(n, npat, pat_bytes, channel.len, msg.len);
    KV_ASSERT(n >= 1 && kv_plog_fits(l, size));
    if (l->head % l->cap + size > l->cap) pad_to_end(l);
    uint64_t pos = l->head;
    uint8_t *base = l->buf + pos % l->cap;
    *(struct ent *)(void *)base = (struct ent){(uint32_t)size, n, n, npat, channel.len, msg.len};
    l->head += size;
    l->entries++;
    struct pat *pt = (struct pat *)(void *)(base + sizeof(struct ent) + n * sizeof(struct rec));
    uint32_t off = (uint32_t)(sizeof(struct ent) + n * sizeof(struct rec) + npat * sizeof(*pt));
    for (uint32_t i = 0; i < npat; i++) {
        pt[i] = (struct pat){off, pats[i].len};
        memcpy(base + off, pats[i].ptr, pats[i].len);
        off += pats[i].len;
    }
    memcpy(base + off, channel.ptr, channel.len);
    memcpy(base + off + channel.len, msg.ptr, msg.len);
    struct rec *r = (struct rec *)(void *)(base + sizeof(struct ent));
    for (uint32_t i = 0; i < n; i++) {
        KV_ASSERT(rcv[i].slot < l->slots && (rcv[i].pat == KV_PLOG_NONE || rcv[i].pat < npat));
        r[i] = (struct rec){rcv[i].slot, rcv[i].pat, 0, KV_PLOG_NONE};
        uint32_t plen = rcv[i].pat == KV_PLOG_NONE ? KV_PLOG_NONE : pats[rcv[i].pat].len;
        link_rec(l, pos, i, kv_plog_message_size(plen, channel.len, msg.len));
    }
}

uint32_t kv_plog_oldest(const struct kv_plog *l) {
    if (l->tail == l->head) return KV_PLOG_NONE;
    const struct ent *e = ent_at(l, l->tail);
    KV_ASSERT(e->pending > 0); /* reclaim leaves no idle entry at the tail */
    for (uint32_t i = 0; i < e->nrecv; i++) {
        const struct rec *r = rec_at(l, l->tail, i);
        if (r->slot != KV_PLOG_NONE) return r->slot;
    }
    KV_UNREACHABLE();
}

bool kv_plog_peek(const struct kv_plog *l, uint32_t slot, struct kv_plog_msg *m) {
    KV_ASSERT(slot < l->slots && m != NULL);
    const struct kv_plog_lag *g = &l->lag[slot];
    if (g->head_idx == KV_PLOG_NONE) return false;
    const struct ent *e = ent_at(l, g->head_pos);
    const struct rec *r = rec_at(l, g->head_pos, g->head_idx);
    KV_ASSERT(r->slot == slot);
    const uint8_t *base = (const uint8_t *)e;
    const struct pat *pt =
        (const struct pat *)(const void *)(base + sizeof(*e) + e->nrecv * sizeof(*r));
    uint32_t off = (uint32_t)(sizeof(*e) + e->nrecv * sizeof(*r) + e->npat * sizeof(*pt));
    for (uint32_t i = 0; i < e->npat; i++) off += pt[i].len;
    m->pattern = (struct kv_slice){NULL, 0};
    if (r->pat != KV_PLOG_NONE) m->pattern = (struct kv_slice){base + pt[r->pat].off,
                                                               pt[r->pat].len};
    m->channel = (struct kv_slice){base + off, e->chan_len};
    m->msg = (struct kv_slice){base + off + e->chan_len, e->msg_len};
    m->size = kv_plog_message_size(r->pat == KV_PLOG_NONE ? KV_PLOG_NONE : m->pattern.len,
                                   e->chan_len, e->msg_len);
    return true;
}

/* Encoded bytes of the record's message. */
static uint64_t rec_size(const struct kv_plog *l, uint64_t pos, const struct rec *r) {
    const struct ent *e = ent_at(l, pos);
    KV_ASSERT(r->pat == KV_PLOG_NONE || r->pat < e->npat);
    uint32_t plen = KV_PLOG_NONE;
    if (r->pat != KV_PLOG_NONE) {
        const struct pat *pt = (const struct pat *)(const void *)((const uint8_t *)e +
                                                                  sizeof(*e) +
                                                                  e->nrecv * sizeof(*r));
        plen = pt[r->pat].len;
    }
    return kv_plog_message_size(plen, e->chan_len, e->msg_len);
}

/* Takes the slot's oldest record off its chain; the caller reclaims. */
static void unlink_head(struct kv_plog *l, uint32_t slot) {
    struct kv_plog_lag *g = &l->lag[slot];
    KV_ASSERT(g->head_idx != KV_PLOG_NONE && g->count > 0);
    struct ent *e = ent_at(l, g->head_pos);
    struct rec *r = rec_at(l, g->head_pos, g->head_idx);
    KV_ASSERT(r->slot == slot && e->pending > 0);
    uint64_t size = rec_size(l, g->head_pos, r);
    KV_ASSERT(g->bytes >= size);
    g->bytes -= size;
    g->count--;
    e->pending--;
    r->slot = KV_PLOG_NONE;
    if (r->next_idx == KV_PLOG_NONE) {
        KV_ASSERT(g->count == 0 && g->bytes == 0);
        g->head_idx = g->tail_idx = KV_PLOG_NONE;
        l->lagging--;
        return;
    }
    g->head_pos += r->next_delta;
    g->head_idx = r->next_idx;
}

void kv_plog_pop(struct kv_plog *l, uint32_t slot) {
    KV_ASSERT(slot < l->slots);
    unlink_head(l, slot);
    reclaim(l);
}

void kv_plog_drop(struct kv_plog *l, uint32_t slot) {
    KV_ASSERT(slot < l->slots);
    uint32_t count = l->lag[slot].count;
    for (uint32_t i = 0; i < count; i++) unlink_head(l, slot);
    KV_ASSERT(!kv_plog_lagging(l, slot));
    if (count > 0) reclaim(l);
}

void kv_plog_write(struct kv_reply *r, const struct kv_plog_msg *m) {
    uint32_t before = r->len;
    if (m->pattern.ptr == NULL) {
        kv_reply_push(r, 3);
        kv_reply_bulk(r, "message", 7);
    } else {
        kv_reply_push(r, 4);
        kv_reply_bulk(r, "pmessage", 8);
        kv_reply_bulk(r, m->pattern.ptr, m->pattern.len);
    }
    kv_reply_bulk(r, m->channel.ptr, m->channel.len);
    kv_reply_bulk(r, m->msg.ptr, m->msg.len);
    KV_ASSERT(r->len - before == m->size);
}

/* Walks the slot's chain: its records, in position order, with its bytes. */
static void check_chain(const struct kv_plog *l, uint32_t slot) {
    const struct kv_plog_lag *g = &l->lag[slot];
    if (g->head_idx == KV_PLOG_NONE) {
        KV_ASSERT(g->count == 0 && g->bytes == 0);
        return;
    }
    uint64_t pos = g->head_pos, bytes = 0;
    uint32_t idx = g->head_idx;
    for (uint32_t i = 0; i < g->count; i++) {
        const struct rec *r = rec_at(l, pos, idx);
        KV_ASSERT(r->slot == slot && (i + 1 == g->count) == (r->next_idx == KV_PLOG_NONE));
        bytes += rec_size(l, pos, r);
        if (i + 1 == g->count) KV_ASSERT(pos == g->tail_pos && idx == g->tail_idx);
        pos += r->next_delta;
        idx = r->next_idx;
    }
    KV_ASSERT(bytes == g->bytes);
}

void kv_plog_check(const struct kv_plog *l) {
    KV_ASSERT(l->tail <= l->head && l->head - l->tail <= l->cap);
    uint64_t pos = l->tail, pending = 0;
    for (uint64_t i = 0; i < l->entries; i++) {
        const struct ent *e = ent_at(l, pos);
        KV_ASSERT(e->size >= PAD_MIN && e->size % 8 == 0 && pos % l->cap + e->size <= l->cap);
        if (e->pending > 0) {
            uint32_t live = 0;
            for (uint32_t k = 0; k < e->nrecv; k++)
                live += rec_at(l, pos, k)->slot != KV_PLOG_NONE;
            KV_ASSERT(live == e->pending);
        }
        if (i == 0) KV_ASSERT(e->pending > 0);
        pending += e->pending;
        pos += e->size;
    }
    KV_ASSERT(pos == l->head);
    uint64_t records = 0;
    uint32_t lagging = 0;
    for (uint32_t s = 0; s < l->slots; s++) {
        check_chain(l, s);
        records += l->lag[s].count;
        lagging += l->lag[s].head_idx != KV_PLOG_NONE;
    }
    KV_ASSERT(records == pending && lagging == l->lagging);
}

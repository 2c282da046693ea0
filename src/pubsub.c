/*
 * pubsub.c: the channel table, subscription nodes and delivery ring of
 * include/kv/pubsub.h (read its opening comment: the delivery shape and the
 * invariants). Memory: the caller's arrays; never allocates. Lookups probe at most
 * slots_mask + 1 slots (the table is at most half full); every list walk is bounded
 * by its count; deletion shifts back (no tombstones).
 */
#include <string.h>

#include "kv/prng.h"
#include "kv/pubsub.h"
#include "kv/reply.h"
#include "kv/session.h"
#include "kv/util.h"

uint64_t kv_pubsub_slots_cap(uint32_t chans_cap) {
    KV_ASSERT(chans_cap >= 1 && chans_cap <= (1u << 28));
    uint64_t slots = 16;
    while (slots < 2ull * chans_cap) slots *= 2;
    KV_ASSERT(slots >= 2ull * chans_cap);
    return slots;
}

void kv_pubsub_init(struct kv_pubsub *p, uint32_t chans_cap, uint32_t name_max, uint32_t subs_cap,
                    struct kv_pubsub_chan *chans, uint8_t *names, uint32_t *slots,
                    struct kv_pubsub_sub *subs, struct kv_pubsub_delivery *ring, uint64_t seed) {
    KV_ASSERT(p != NULL && chans != NULL && names != NULL && slots != NULL);
    KV_ASSERT(subs != NULL && ring != NULL && subs_cap >= 1 && name_max >= 1);
    memset(p, 0, sizeof(*p));
    p->chans = chans;
    p->names = names;
    p->chans_cap = chans_cap;
    p->name_max = name_max;
    p->slots = slots;
    p->slots_mask = (uint32_t)(kv_pubsub_slots_cap(chans_cap) - 1);
    p->seed = seed;
    p->subs = subs;
    p->subs_cap = subs_cap;
    p->ring = ring;
    for (uint32_t i = 0; i <= p->slots_mask; i++) slots[i] = KV_PUBSUB_NONE;
    for (uint32_t i = 0; i < chans_cap; i++) {
        memset(&chans[i], 0, sizeof(chans[i]));
        chans[i].prev = i + 1 < chans_cap ? i + 1 : KV_PUBSUB_NONE;
    }
    for (uint32_t i = 0; i < subs_cap; i++) {
        memset(&subs[i], 0, sizeof(subs[i]));
        subs[i].sess_next = i + 1 < subs_cap ? i + 1 : KV_PUBSUB_NONE;
    }
    p->chans_free = 0;
    p->subs_free = 0;
    p->pat_head = p->pat_tail = KV_PUBSUB_NONE;
}

static uint64_t name_hash(const struct kv_pubsub *p, uint8_t kind, struct kv_slice n) {
    uint64_t h = 0xcbf29ce484222325ull ^ p->seed ^ kind;
    for (uint32_t i = 0; i < n.len; i++) h = (h ^ n.ptr[i]) * 0x100000001b3ull;
    return kv_splitmix64(&h);
}

static uint8_t *name_at(const struct kv_pubsub *p, uint32_t chan) {
    KV_ASSERT(chan < p->chans_cap);
    return p->names + (uint64_t)chan * p->name_max;
}

struct kv_slice kv_pubsub_name(const struct kv_pubsub *p, uint32_t chan) {
    KV_ASSERT(chan < p->chans_cap && p->chans[chan].subs > 0);
    return (struct kv_slice){name_at(p, chan), p->chans[chan].name_len};
}

/* The slot holding this name's entry, or the empty slot where it would go. */
static uint32_t find_slot(const struct kv_pubsub *p, uint8_t kind, struct kv_slice n,
                          uint64_t h) {
    uint32_t i = (uint32_t)h & p->slots_mask;
    for (uint32_t step = 0; step <= p->slots_mask; step++) {
        uint32_t e = p->slots[i];
        if (e == KV_PUBSUB_NONE) return i;
        const struct kv_pubsub_chan *c = &p->chans[e];
        if (c->hash == h && c->kind == kind && c->name_len == n.len &&
            memcmp(name_at(p, e), n.ptr, n.len) == 0)
            return i;
        i = (i + 1) & p->slots_mask;
    }
    KV_UNREACHABLE(); /* at most half full */
}

static uint32_t find(const struct kv_pubsub *p, uint8_t kind, struct kv_slice n) {
    if (n.len > p->name_max) return KV_PUBSUB_NONE;
    return p->slots[find_slot(p, kind, n, name_hash(p, kind, n))];
}

/* Backward-shift deletion of slot i. */
static void slot_delete(struct kv_pubsub *p, uint32_t i) {
    KV_ASSERT(p->slots[i] != KV_PUBSUB_NONE);
    uint32_t hole = i;
    for (uint32_t step = 0; step <= p->slots_mask; step++) {
        i = (i + 1) & p->slots_mask;
        uint32_t e = p->slots[i];
        if (e == KV_PUBSUB_NONE) break;
        uint32_t home = (uint32_t)p->chans[e].hash & p->slots_mask;
        /* e may fill the hole if its home is not in (hole, i] cyclically */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (stays) continue;
        p->slots[hole] = e;
        hole = i;
    }
    p->slots[hole] = KV_PUBSUB_NONE;
}

static uint32_t chan_new(struct kv_pubsub *p, uint32_t slot, uint8_t kind, struct kv_slice n,
                         uint64_t h) {
    uint32_t e = p->chans_free;
    KV_ASSERT(e != KV_PUBSUB_NONE && p->slots[slot] == KV_PUBSUB_NONE);
    struct kv_pubsub_chan *c = &p->chans[e];
    p->chans_free = c->prev;
    *c = (struct kv_pubsub_chan){h, KV_PUBSUB_NONE, KV_PUBSUB_NONE, 0, KV_PUBSUB_NONE,
                                 KV_PUBSUB_NONE, n.len, kind};
    memcpy(name_at(p, e), n.ptr, n.len);
    p->slots[slot] = e;
    if (kind == KV_PUBSUB_CHANNEL) {
        p->channels++;
        p->channel_bytes += n.len;
    } else {
        p->patterns++;
        c->prev = p->pat_tail;
        if (p->pat_tail != KV_PUBSUB_NONE) p->chans[p->pat_tail].next = e;
        else p->pat_head = e;
        p->pat_tail = e;
    }
    return e;
}

static void chan_free(struct kv_pubsub *p, uint32_t e) {
    struct kv_pubsub_chan *c = &p->chans[e];
    KV_ASSERT(c->subs == 0 && c->kind != KV_PUBSUB_FREE);
    struct kv_slice n = {name_at(p, e), c->name_len};
    uint32_t slot = find_slot(p, c->kind, n, c->hash);
    KV_ASSERT(p->slots[slot] == e);
    slot_delete(p, slot);
    if (c->kind == KV_PUBSUB_CHANNEL) {
        p->channels--;
        p->channel_bytes -= c->name_len;
    } else {
        p->patterns--;
        if (c->prev != KV_PUBSUB_NONE) p->chans[c->prev].next = c->next;
        else p->pat_head = c->next;
        if (c->next != KV_PUBSUB_NONE) p->chans[c->next].prev = c->prev;
        else p->pat_tail = c->prev;
    }
    c->kind = KV_PUBSUB_FREE;
    c->prev = p->chans_free;
    p->chans_free = e;
}

/* The session's node on entry e, or NONE: a walk of the session's list. */
static uint32_t session_node(const struct kv_pubsub *p, const struct kv_session *s, uint32_t e) {
    uint32_t n = s->pubsub_head, count = s->sub_channels + s->sub_patterns;
    for (uint32_t i = 0; i < count; i++) {
        KV_ASSERT(n != KV_PUBSUB_NONE && p->subs[n].session == s);
        if (p->subs[n].chan == e) return n;
        n = p->subs[n].sess_next;
    }
    return KV_PUBSUB_NONE;
}

static void node_link(struct kv_pubsub *p, struct kv_session *s, uint32_t e) {
    uint32_t n = p->subs_free;
    KV_ASSERT(n != KV_PUBSUB_NONE && p->subs[n].session == NULL);
    struct kv_pubsub_sub *x = &p->subs[n];
    struct kv_pubsub_chan *c = &p->chans[e];
    p->subs_free = x->sess_next;
    p->subs_used++;
    bool first = !kv_session_subscribed(s);
    *x = (struct kv_pubsub_sub){s, e, c->tail, KV_PUBSUB_NONE,
                                first ? KV_PUBSUB_NONE : s->pubsub_tail, KV_PUBSUB_NONE};
    if (c->tail != KV_PUBSUB_NONE) p->subs[c->tail].chan_next = n;
    else c->head = n;
    c->tail = n;
    c->subs++;
    if (!first) p->subs[s->pubsub_tail].sess_next = n;
    else s->pubsub_head = n;
    s->pubsub_tail = n;
    if (c->kind == KV_PUBSUB_CHANNEL) s->sub_channels++;
    else s->sub_patterns++;
    s->pubsub_bytes += c->name_len;
}

static void node_unlink(struct kv_pubsub *p, uint32_t n) {
    struct kv_pubsub_sub *x = &p->subs[n];
    struct kv_session *s = x->session;
    KV_ASSERT(s != NULL && kv_session_subscribed(s));
    struct kv_pubsub_chan *c = &p->chans[x->chan];
    if (x->chan_prev != KV_PUBSUB_NONE) p->subs[x->chan_prev].chan_next = x->chan_next;
    else c->head = x->chan_next;
    if (x->chan_next != KV_PUBSUB_NONE) p->subs[x->chan_next].chan_prev = x->chan_prev;
    else c->tail = x->chan_prev;
    if (x->sess_prev != KV_PUBSUB_NONE) p->subs[x->sess_prev].sess_next = x->sess_next;
    else s->pubsub_head = x->sess_next;
    if (x->sess_next != KV_PUBSUB_NONE) p->subs[x->sess_next].sess_prev = x->sess_prev;
    else s->pubsub_tail = x->sess_prev;
    if (c->kind == KV_PUBSUB_CHANNEL) s->sub_channels--;
    else s->sub_patterns--;
    s->pubsub_bytes -= c->name_len;
    c->subs--;
    uint32_t e = x->chan;
    x->session = NULL;
    x->sess_next = p->subs_free;
    p->subs_free = n;
    p->subs_used--;
    if (c->subs == 0) chan_free(p, e);
}

enum kv_pubsub_add kv_pubsub_subscribe(struct kv_pubsub *p, struct kv_session *s, uint8_t kind,
                                       struct kv_slice name) {
    KV_ASSERT(kind == KV_PUBSUB_CHANNEL || kind == KV_PUBSUB_PATTERN);
    if (name.len > p->name_max) return KV_PUBSUB_TOO_LONG;
    uint64_t h = name_hash(p, kind, name);
    uint32_t slot = find_slot(p, kind, name, h);
    uint32_t e = p->slots[slot];
    if (e != KV_PUBSUB_NONE && session_node(p, s, e) != KV_PUBSUB_NONE) return KV_PUBSUB_ALREADY;
    if (p->subs_used == p->subs_cap) return KV_PUBSUB_FULL_SUBS;
    if (e == KV_PUBSUB_NONE) {
        if (p->channels + p->patterns == p->chans_cap) return KV_PUBSUB_FULL_CHANNELS;
        e = chan_new(p, slot, kind, name, h);
    }
    node_link(p, s, e);
    KV_ASSERT(p->chans[e].subs >= 1 && p->subs_used <= p->subs_cap);
    return KV_PUBSUB_ADDED;
}

bool kv_pubsub_unsubscribe(struct kv_pubsub *p, struct kv_session *s, uint8_t kind,
                           struct kv_slice name) {
    KV_ASSERT(kind == KV_PUBSUB_CHANNEL || kind == KV_PUBSUB_PATTERN);
    uint32_t e = find(p, kind, name);
    if (e == KV_PUBSUB_NONE) return false;
    uint32_t n = session_node(p, s, e);
    if (n == KV_PUBSUB_NONE) return false;
    node_unlink(p, n);
    return true;
}

uint32_t kv_pubsub_first(const struct kv_pubsub *p, const struct kv_session *s, uint8_t kind) {
    uint32_t n = s->pubsub_head, count = s->sub_channels + s->sub_patterns;
    for (uint32_t i = 0; i < count; i++) {
        KV_ASSERT(n != KV_PUBSUB_NONE && p->subs[n].session == s);
        if (p->chans[p->subs[n].chan].kind == kind) return p->subs[n].chan;
        n = p->subs[n].sess_next;
    }
    return KV_PUBSUB_NONE;
}

void kv_pubsub_drop_session(struct kv_pubsub *p, struct kv_session *s) {
    uint32_t count = s->sub_channels + s->sub_patterns;
    for (uint32_t i = 0; i < count; i++) node_unlink(p, s->pubsub_head);
    KV_ASSERT(!kv_session_subscribed(s) && s->pubsub_bytes == 0);
    /* A closed session must not be written to by a delivery still on the ring. */
    for (uint32_t i = 0; i < p->ring_len; i++)
        if (p->ring[i].session == s) p->ring[i].session = NULL;
}

uint32_t kv_pubsub_numsub(const struct kv_pubsub *p, struct kv_slice channel) {
    uint32_t e = find(p, KV_PUBSUB_CHANNEL, channel);
    return e == KV_PUBSUB_NONE ? 0 : p->chans[e].subs;
}

static void ring_add(struct kv_pubsub *p, uint32_t e, uint32_t pattern) {
    const struct kv_pubsub_chan *c = &p->chans[e];
    uint32_t n = c->head;
    for (uint32_t i = 0; i < c->subs; i++) {
        KV_ASSERT(n != KV_PUBSUB_NONE && p->ring_len < p->subs_cap);
        p->ring[p->ring_len++] = (struct kv_pubsub_delivery){p->subs[n].session, pattern};
        n = p->subs[n].chan_next;
    }
    KV_ASSERT(n == KV_PUBSUB_NONE);
}

uint32_t kv_pubsub_publish(struct kv_pubsub *p, struct kv_slice channel, struct kv_slice msg) {
    KV_ASSERT(p->ring_len == 0);
    p->msg_channel = channel;
    p->msg = msg;
    uint32_t e = find(p, KV_PUBSUB_CHANNEL, channel);
    if (e != KV_PUBSUB_NONE) ring_add(p, e, KV_PUBSUB_NONE);
    uint32_t pat = p->pat_head;
    for (uint32_t i = 0; i < p->patterns; i++) {
        KV_ASSERT(pat != KV_PUBSUB_NONE);
        const struct kv_pubsub_chan *c = &p->chans[pat];
        if (kv_glob_match(name_at(p, pat), c->name_len, channel.ptr, channel.len))
            ring_add(p, pat, pat);
        pat = c->next;
    }
    KV_ASSERT(p->ring_len <= p->subs_used);
    return p->ring_len;
}

uint64_t kv_pubsub_message_size(const struct kv_pubsub *p, uint32_t pattern,
                                struct kv_slice channel, struct kv_slice msg) {
    uint64_t n = kv_reply_bulk_size(channel.len) + kv_reply_bulk_size(msg.len);
    if (pattern == KV_PUBSUB_NONE) return n + 4 + kv_reply_bulk_size(7);
    return n + 4 + kv_reply_bulk_size(8) + kv_reply_bulk_size(p->chans[pattern].name_len);
}

void kv_pubsub_write_message(const struct kv_pubsub *p, struct kv_reply *r, uint32_t pattern,
                             struct kv_slice channel, struct kv_slice msg) {
    uint32_t before = r->len;
    if (pattern == KV_PUBSUB_NONE) {
        kv_reply_push(r, 3);
        kv_reply_bulk(r, "message", 7);
    } else {
        kv_reply_push(r, 4);
        kv_reply_bulk(r, "pmessage", 8);
        kv_reply_bulk(r, name_at(p, pattern), p->chans[pattern].name_len);
    }
    kv_reply_bulk(r, channel.ptr, channel.len);
    kv_reply_bulk(r, msg.ptr, msg.len);
    KV_ASSERT(r->len - before == kv_pubsub_message_size(p, pattern, channel, msg));
}

static void check_entry(const struct kv_pubsub *p, uint32_t e, uint64_t *nodes) {
    const struct kv_pubsub_chan *c = &p->chans[e];
    KV_ASSERT(c->subs >= 1 && c->name_len <= p->name_max);
    struct kv_slice n = {name_at(p, e), c->name_len};
    KV_ASSERT(p->slots[find_slot(p, c->kind, n, c->hash)] == e);
    uint32_t x = c->head, prev = KV_PUBSUB_NONE;
    for (uint32_t i = 0; i < c->subs; i++) {
        KV_ASSERT(x != KV_PUBSUB_NONE && p->subs[x].chan == e && p->subs[x].session != NULL);
        KV_ASSERT(p->subs[x].chan_prev == prev);
        prev = x;
        x = p->subs[x].chan_next;
    }
    KV_ASSERT(x == KV_PUBSUB_NONE && c->tail == prev);
    *nodes += c->subs;
}

void kv_pubsub_check(const struct kv_pubsub *p) {
    uint64_t nodes = 0, live = 0, bytes = 0, pats = 0;
    for (uint32_t e = 0; e < p->chans_cap; e++) {
        if (p->chans[e].kind == KV_PUBSUB_FREE) continue;
        check_entry(p, e, &nodes);
        live++;
        if (p->chans[e].kind == KV_PUBSUB_CHANNEL) bytes += p->chans[e].name_len;
        else pats++;
    }
    uint64_t used = 0;
    for (uint32_t i = 0; i <= p->slots_mask; i++) used += p->slots[i] != KV_PUBSUB_NONE;
    KV_ASSERT(used == live && live == (uint64_t)p->channels + p->patterns);
    KV_ASSERT(pats == p->patterns && bytes == p->channel_bytes && nodes == p->subs_used);
    uint32_t pat = p->pat_head;
    for (uint32_t i = 0; i < p->patterns; i++) {
        KV_ASSERT(pat != KV_PUBSUB_NONE && p->chans[pat].kind == KV_PUBSUB_PATTERN);
        pat = p->chans[pat].next;
    }
    KV_ASSERT(pat == KV_PUBSUB_NONE);
}

/*
 * pubsub_log.h: the pub/sub backlog, one ring of bytes shared by every subscriber that
 * lags behind (pubsub-backlog-bytes, carved at startup). Pure logic: it knows client
 * slots, never a connection or an output buffer (the server moves the bytes:
 * server.c "pub/sub delivery").
 *
 * Why: a subscriber's output is its client buffer (or a large reply buffer if one is
 * free), far below Redis's 32 MB per client, and kv cannot reserve 32 MB per client. A
 * subscriber whose output has no room for a message becomes *lagging*: the message is
 * appended here once, with the list of its lagging receivers, however many there are;
 * from then on every message for that subscriber comes through the backlog, in order,
 * until it has caught up. Memory is independent of the number of subscribers.
 *
 * An entry (8-byte aligned, never split by the ring's end: the bytes left at the end
 * become a pad entry): a header (size, pending receivers, receivers, patterns, channel
 * and message lengths), one 16-byte record per receiver (its client slot, its pattern
 * among the entry's patterns or NONE, and the link to that slot's next record), the
 * pattern names the receivers matched (each stored once), the channel and the message.
 * A slot may appear more than once in one entry (a channel and a pattern, two
 * patterns), in delivery order. Each lagging slot's records form a chain, oldest
 * first: kv_plog_peek / kv_plog_pop hand them out in order.
 *
 * Space: an entry is reclaimed from the tail once no receiver is pending on it and on
 * any entry before it. When an append does not fit, the caller cuts kv_plog_oldest()'s
 * slot (a receiver still pending on the oldest entry: the subscriber furthest behind
 * gives the space back) and drops its records (kv_plog_drop), until it fits or the
 * backlog holds no receiver; a message larger than the whole backlog cuts its lagging
 * receivers. A size of 0 turns the backlog off (every append fails).
 *
 * Records name a client slot without a generation: the server drops a connection's
 * records when it closes it (conn_close), before its slot can be reused (only once
 * every completion is in), so a reused slot never receives a dead connection's
 * messages; kv_server_check asserts that only open connections lag.
 *
 * Positions are absolute byte counts (head, tail: used = head - tail <= cap); an entry
 * at position p lives at buf + p % cap. Invariants (kv_plog_check): the entries from
 * tail to head tile the used bytes; each entry's pending count is its records with a
 * slot; a slot's chain visits exactly its `count` records, in position order, and its
 * `bytes` are their encoded sizes; the tail entry has a pending receiver unless the
 * backlog is empty (then head = tail = 0).
 */
#ifndef KV_PUBSUB_LOG_H
#define KV_PUBSUB_LOG_H

#include "kv/common.h"

#define KV_PLOG_NONE UINT32_MAX
#define KV_PLOG_MAX_BYTES (1ull << 30) /* record links are 32-bit deltas */

struct kv_plog_lag {          /* one client slot's chain */
    uint64_t head_pos;        /* its oldest record's entry */
    uint64_t tail_pos;        /* its newest record's entry */
    uint32_t head_idx;        /* the record within the entry; NONE: not lagging */
    uint32_t tail_idx;
    uint32_t count;           /* its records */
    uint64_t bytes;           /* their encoded bytes (the pubsub output limits count them) */
};

struct kv_plog {
    uint8_t *buf;
    uint64_t cap;             /* bytes, a multiple of 8 (0: off) */
    uint64_t head;            /* absolute positions: [tail, head) is in use */
    uint64_t tail;
    uint64_t entries;         /* entries between tail and head, pads included */
    struct kv_plog_lag *lag;  /* per client slot */
    uint32_t slots;
    uint32_t lagging;         /* slots with records */
};

struct kv_plog_rcv {
    uint32_t slot;
    uint32_t pat;             /* index into the message's patterns, or KV_PLOG_NONE */
};

/* A record as the receiver gets it: pattern.ptr NULL for a "message". */
struct kv_plog_msg {
    struct kv_slice pattern;
    struct kv_slice channel;
    struct kv_slice msg;
    uint64_t size;            /* its encoded bytes (RESP2 and RESP3 alike) */
};

void kv_plog_init(struct kv_plog *l, uint8_t *buf, uint64_t cap, struct kv_plog_lag *lag,
                  uint32_t slots);
/* Encoded bytes of one message: pattern_len KV_PLOG_NONE for "message". */
uint64_t kv_plog_message_size(uint32_t pattern_len, uint64_t chan_len, uint64_t msg_len);
/* Bytes an entry takes; pat_bytes: the sum of its patterns' name lengths. */
uint64_t kv_plog_entry_size(uint32_t nrecv, uint32_t npat, uint64_t pat_bytes,
                            uint64_t chan_len, uint64_t msg_len);
bool kv_plog_fits(const struct kv_plog *l, uint64_t size);
/* Appends the message for n receivers (n >= 1; the entry must fit). */
void kv_plog_append(struct kv_plog *l, struct kv_slice channel, struct kv_slice msg,
                    const struct kv_slice *pats, uint32_t npat, const struct kv_plog_rcv *rcv,
                    uint32_t n);
/* A slot still pending on the oldest entry, or KV_PLOG_NONE if no receiver is pending. */
uint32_t kv_plog_oldest(const struct kv_plog *l);
static inline bool kv_plog_lagging(const struct kv_plog *l, uint32_t slot) {
    return l->lag[slot].head_idx != KV_PLOG_NONE;
}
/* The slot's next message (false: it is not lagging); pop consumes it. */
bool kv_plog_peek(const struct kv_plog *l, uint32_t slot, struct kv_plog_msg *m);
void kv_plog_pop(struct kv_plog *l, uint32_t slot);
/* Forgets every record of the slot (a closed or cut connection): bounded by its count. */
void kv_plog_drop(struct kv_plog *l, uint32_t slot);
static inline uint64_t kv_plog_used(const struct kv_plog *l) { return l->head - l->tail; }
struct kv_reply;
void kv_plog_write(struct kv_reply *r, const struct kv_plog_msg *m);
void kv_plog_check(const struct kv_plog *l);

#endif

/*
 * block.h: blocked clients (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, BZPOPMIN BZPOPMAX
 * BZMPOP, XREAD BLOCK): per-key FIFO wait queues, the keys that became ready, and the
 * sessions to wake for a timeout or a CLIENT UNBLOCK. Pure bookkeeping: it never looks
 * at the keyspace, a reply or a connection. Each session waits for one type (a list,
 * a sorted set, a stream: kv_block_want); a ready key serves only waiters of the type
 * it had at its last touch, walking its queue oldest first (the slot's cursor).
 *
 * The mechanism ("the engine produces a reply for a session other than the one
 * whose command runs"), shared by the server and the engine:
 *  - A blocking command that finds nothing registers its keys (kv_block_add) and
 *    writes no reply; the session is flagged KV_SESSION_BLOCKED and the server keeps
 *    its frame unconsumed in the input (it reads further frames, never runs them).
 *  - A write touches its keys (kv_engine_touch -> kv_block_touch): a key with
 *    waiters that is a list after the write goes on the ready ring once, in the order
 *    keys became lists (Redis: signalKeyAsReady when a list is added; a key written
 *    first as a string and later made a list is ready at the latter); sorted sets
 *    and streams alike, for waiters of their type.
 *  - After every command (and after a tick, for timeouts), the server drains this
 *    file through kv_block_next(): each answer is a session whose frame it runs
 *    again, through the same path as any frame (reply bound, room in that
 *    connection's output), with s->block_wake saying why: KV_BLOCK_WAKE_KEY (serve
 *    from s->block_hash's key, one element), _TIMEOUT (reply nil) or _ERROR (CLIENT
 *    UNBLOCK ERROR). A run that serves unblocks the session (kv_block_remove); one
 *    that finds the key empty, of another type, or no room for its reply leaves it
 *    blocked and kv_block_not_served() stops that key (Redis stops serving a key
 *    once it is empty), except for an `each` waiter (XREAD: each waits for entries
 *    after its own ID), after which the walk tries the key's next waiter. A served BLMOVE pushes, which touches its destination: the
 *    drain goes on until both rings are empty.
 * Pub/sub can reuse the same shape: a ring of sessions to deliver to, drained by
 * the server after the command, each delivery written where that session's reply
 * room is.
 *
 * Memory: the caller's arrays, carved at startup (src/server.c layout): sessions
 * (maxclients pointers), nodes (maxclients * block-max-keys), slots (a power of two,
 * at least twice the nodes), the ready ring (one hash per node) and the wake ring
 * (one pointer per session). Never allocates; never fills: a session holds at most
 * per_session nodes (the command refuses more keys first).
 *
 * Invariants (kv_block_check): a node is free or on exactly one key's queue and its
 * session's list; a slot is occupied exactly when its key has waiters; a session is
 * in `sessions` exactly when it is blocked; every ready slot is on the ready ring.
 */
#ifndef KV_BLOCK_H
#define KV_BLOCK_H

#include "kv/common.h"

struct kv_session;

#define KV_BLOCK_NONE UINT32_MAX
#define KV_BLOCK_END (UINT32_MAX - 1)

enum kv_block_wake {
    KV_BLOCK_WAKE_NONE = 0,
    KV_BLOCK_WAKE_KEY = 1,     /* serve from s->block_hash's key */
    KV_BLOCK_WAKE_TIMEOUT = 2, /* deadline passed, or CLIENT UNBLOCK [TIMEOUT] */
    KV_BLOCK_WAKE_ERROR = 3,   /* CLIENT UNBLOCK ERROR */
};

/* A stream read's position on one key: it is served entries after ms-seq, once the
 * stream's last ID is past it and no longer seen_ms-seen_seq, the last ID when it
 * blocked (Redis serves at an XADD or a new key, never at an XDEL or XTRIM). */
struct kv_block_after {
    uint64_t ms;
    uint64_t seq;
    uint64_t seen_ms;
    uint64_t seen_seq;
};

/* What a blocked session waits for: keys of `type` (the keyspace's KV_TYPE_*, opaque
 * here); `each`: every waiter of the key is tried in turn and one that is not served
 * does not stop the key (XREAD: each waits for entries after its own ID); `after`:
 * NULL, or one position per key given to kv_block_add. */
struct kv_block_want {
    uint8_t type;
    bool each;
    const struct kv_block_after *after;
};

struct kv_block_node {
    uint64_t hash;               /* of the key waited on */
    struct kv_block_after after; /* want.after's position for this key, else 0-0 */
    struct kv_session *session;  /* NULL while free */
    uint32_t key_prev;           /* the key's queue, oldest first */
    uint32_t key_next;
    uint32_t session_next;       /* the session's next key, or the next free node */
};

struct kv_block_slot {
    uint64_t hash;
    uint32_t head;               /* oldest waiter; KV_BLOCK_NONE: slot empty */
    uint32_t tail;
    uint32_t waiters;
    uint8_t ready;               /* 1: on the ready ring */
    uint8_t ready_type;          /* the key's type at its last touch: whom it serves */
    uint32_t cursor;             /* the ready key's walk: its next waiter to try
                                  * (KV_BLOCK_NONE: from the head; KV_BLOCK_END: done) */
};

struct kv_block {
    struct kv_session **sessions; /* blocked sessions (s->block_pos is the index) */
    uint32_t sessions_len;
    uint32_t sessions_cap;
    uint32_t per_session;
    struct kv_block_node *nodes;
    uint32_t nodes_cap;
    uint32_t nodes_used;
    uint32_t free_head;
    struct kv_block_slot *slots;
    uint32_t slots_mask;
    uint32_t keys;               /* occupied slots (INFO total_blocking_keys) */
    uint64_t *ready;             /* ring of hashes, nodes_cap long */
    uint32_t ready_head;
    uint32_t ready_len;
    struct kv_session **wake;    /* ring of sessions, sessions_cap long */
    uint32_t wake_head;
    uint32_t wake_len;
};

uint64_t kv_block_nodes_cap(uint32_t sessions, uint32_t per_session);
uint64_t kv_block_slots_cap(uint32_t sessions, uint32_t per_session);

/* sessions and wake: sessions_cap; nodes and ready: kv_block_nodes_cap();
 * slots: kv_block_slots_cap(). */
void kv_block_init(struct kv_block *b, struct kv_session **sessions, uint32_t sessions_cap,
                   uint32_t per_session, struct kv_block_node *nodes,
                   struct kv_block_slot *slots, uint64_t *ready, struct kv_session **wake);

/* s (not blocked) waits on n keys (duplicates are kept once: the first one's
 * position), until deadline_ms (0: forever), for what `want` says. n >= 1 and at
 * most per_session distinct keys. */
void kv_block_add(struct kv_block *b, struct kv_session *s, const uint64_t *hashes,
                  uint32_t n, int64_t deadline_ms, const struct kv_block_want *want);
/* The position s (blocked) waits after on the key (want.after), or false: no such key. */
bool kv_block_after_of(const struct kv_block *b, const struct kv_session *s, uint64_t hash,
                       struct kv_block_after *out);
/* s stops waiting (served, timed out, disconnected): O(its keys + the wake ring). */
void kv_block_remove(struct kv_block *b, struct kv_session *s);
/* Does anyone wait on the key? */
bool kv_block_waited(const struct kv_block *b, uint64_t hash);
/* The key is of `type` after a write (the engine's touch of a list, sorted set or
 * stream): if it has waiters and is not ready yet, it becomes ready; ready, it now
 * serves waiters of `type` (Redis looks at the key's type when it serves). */
void kv_block_touch(struct kv_block *b, uint64_t hash, uint8_t type);
/* Every key s waits on becomes ready (its reply found no room; retried). */
void kv_block_touch_session(struct kv_block *b, struct kv_session *s);
/* s wakes with `why` (TIMEOUT or ERROR) at the next drain; once. */
void kv_block_wake(struct kv_block *b, struct kv_session *s, enum kv_block_wake why);
/* Sessions whose deadline is before now_ms (Redis: timeout < now) wake with
 * TIMEOUT: how many. */
uint32_t kv_block_expire(struct kv_block *b, int64_t now_ms);
/* Work for the drain? */
static inline bool kv_block_pending(const struct kv_block *b) {
    return b->ready_len > 0 || b->wake_len > 0;
}
/* The next session to run again (s->block_wake says why), or false: both rings
 * are empty. Ready keys first, in order, each key's waiters of its type oldest
 * first (Redis skips a waiter of another type: a BLPOP on a key that became a
 * sorted set keeps waiting). */
bool kv_block_next(struct kv_block *b, struct kv_session **out);
/* The session kv_block_next gave is still blocked after its run: stop its key (KEY;
 * an `each` waiter only passes the key on to the next waiter) or forget the wake
 * (TIMEOUT, ERROR: the caller retries it). */
void kv_block_not_served(struct kv_block *b, struct kv_session *s);
/* The blocked session with this CLIENT ID, or NULL. O(blocked sessions). */
struct kv_session *kv_block_find(const struct kv_block *b, uint64_t id);
/* Whole-structure check, O(its size). */
void kv_block_check(const struct kv_block *b);

#endif

/*
 * watch.h: the WATCH index: from a watched key to the sessions watching it, and
 * from a session to the keys it watches.
 *
 * A write costs O(its own key's watchers): kv_watch_touch() finds the key's entry
 * in an open-addressed table (linear probing, backward-shift deletion, at most half
 * full) and walks that key's watchers only. UNWATCH, EXEC, DISCARD and a closing
 * connection free a session's entries in O(the keys it watches)
 * (kv_watch_remove_session). FLUSHALL walks the sessions that watch anything.
 *
 * Keys are known by their 64-bit hash (the keyspace's seeded XXH3), as before the
 * index: two keys with the same hash dirty each other's watchers (a false abort,
 * never a missed one).
 *
 * Memory: three arrays carved at startup (src/server.c layout), sized from the
 * watching sessions (maxclients) and the per-session limit (watch-max-keys):
 * `sessions` (one pointer per session), `nodes` (sessions * per_session, one per
 * watched (session, key) pair) and `slots` (a power of two, at least twice the
 * nodes). Never allocates; can never fill up: a session holds at most per_session
 * nodes and at most sessions_cap sessions watch (the engine refuses WATCH past
 * the limit before it gets here).
 *
 * Invariants (kv_watch_check): every node is either free or on exactly one
 * session's list and one key's list; a slot is occupied exactly when its key has
 * watchers; a session is in `sessions` exactly when it watches a key.
 */
#ifndef KV_WATCH_H
#define KV_WATCH_H

#include "kv/common.h"

struct kv_session;

#define KV_WATCH_NONE UINT32_MAX

struct kv_watch_node {
    uint64_t hash;               /* of the watched key */
    int64_t deadline_ms;         /* live at WATCH: when it expires (-1: never, or absent) */
    struct kv_session *session;  /* NULL while free */
    uint32_t key_prev;           /* the key's other watchers (KV_WATCH_NONE ends) */
    uint32_t key_next;
    uint32_t session_next;       /* the session's next key, or the next free node */
    uint32_t existed;            /* 1: the key was live at WATCH (FLUSHALL) */
};

struct kv_watch_slot {
    uint64_t hash;               /* the watched key's */
    uint32_t head;               /* its first watcher; KV_WATCH_NONE: slot empty */
    uint32_t watchers;           /* length of its list */
};

struct kv_watch {
    struct kv_session **sessions; /* sessions watching at least one key */
    uint32_t sessions_len;
    uint32_t sessions_cap;
    uint32_t per_session;        /* nodes a session may hold */
    struct kv_watch_node *nodes;
    uint32_t nodes_cap;
    uint32_t nodes_used;
    uint32_t free_head;          /* free nodes, linked by session_next */
    struct kv_watch_slot *slots;
    uint32_t slots_mask;         /* slot count - 1 */
    uint32_t keys;               /* occupied slots */
    uint64_t touch_visits;       /* watchers kv_watch_touch dirtied: tests count work */
};

/* Sizes of the arrays for `sessions` sessions of `per_session` keys each. */
uint64_t kv_watch_nodes_cap(uint32_t sessions, uint32_t per_session);
uint64_t kv_watch_slots_cap(uint32_t sessions, uint32_t per_session);

/* The arrays must have sessions_cap, kv_watch_nodes_cap() and kv_watch_slots_cap()
 * elements. */
void kv_watch_init(struct kv_watch *w, struct kv_session **sessions, uint32_t sessions_cap,
                   uint32_t per_session, struct kv_watch_node *nodes,
                   struct kv_watch_slot *slots);

/* Does s watch the key with this hash? O(keys s watches). */
bool kv_watch_has(const struct kv_watch *w, const struct kv_session *s, uint64_t hash);
/* s starts watching the key (it must not yet, and must be under per_session). */
void kv_watch_add(struct kv_watch *w, struct kv_session *s, uint64_t hash, int64_t deadline_ms,
                  bool existed);
/* s watches nothing any more. O(keys s watched). */
void kv_watch_remove_session(struct kv_watch *w, struct kv_session *s);
/* The key changed: its watchers' EXEC will fail. O(its watchers). */
void kv_watch_touch(struct kv_watch *w, uint64_t hash);
/* FLUSHALL: every session watching a key that was live at WATCH. */
void kv_watch_touch_existed(struct kv_watch *w);
/* A key s watched, live at WATCH, has expired by now_ms: s's EXEC will fail. */
void kv_watch_check_expired(const struct kv_watch *w, struct kv_session *s, int64_t now_ms);
/* Whole-structure check, O(slots + nodes). */
void kv_watch_check(const struct kv_watch *w);

static inline bool kv_watch_empty(const struct kv_watch *w) { return w->nodes_used == 0; }

#endif

/*
 * block.c: blocked clients' wait queues (include/kv/block.h): an open-addressed
 * table from a key's hash to the FIFO of sessions waiting on it, each session's
 * list of its keys, the ring of keys that became ready and the ring of sessions to
 * wake for a timeout or CLIENT UNBLOCK.
 *
 * Memory: the caller's arrays, carved at startup; never allocates.
 * Invariants: the table is at most half full, so a probe ends at an empty slot
 * within slots_mask + 1 steps (deletion shifts back, no tombstones); every list is
 * walked with its length as the bound; a slot is on the ready ring iff its `ready`
 * is set (a slot emptied while ready leaves a stale hash, skipped by
 * kv_block_next). Keys are known by their 64-bit hash, as in the WATCH index: two
 * keys with one hash wake each other's waiters, whose run then finds nothing and
 * stays blocked (never a wrong element).
 * Never: wakes a session that is not blocked, or keeps a session after remove.
 */
#include <string.h>

#include "kv/block.h"
#include "kv/session.h"

uint64_t kv_block_nodes_cap(uint32_t sessions, uint32_t per_session) {
    KV_ASSERT(sessions >= 1 && per_session >= 1);
    uint64_t nodes = (uint64_t)sessions * per_session;
    KV_ASSERT(nodes <= (1u << 30));
    return nodes;
}

uint64_t kv_block_slots_cap(uint32_t sessions, uint32_t per_session) {
    uint64_t nodes = kv_block_nodes_cap(sessions, per_session);
    uint64_t slots = 16;
    while (slots < 2 * nodes) slots *= 2;
    KV_ASSERT(slots <= (1ull << 31) && slots >= 2 * nodes);
    return slots;
}

void kv_block_init(struct kv_block *b, struct kv_session **sessions, uint32_t sessions_cap,
                   uint32_t per_session, struct kv_block_node *nodes,
                   struct kv_block_slot *slots, uint64_t *ready, struct kv_session **wake) {
    KV_ASSERT(b != NULL && sessions != NULL && nodes != NULL && slots != NULL);
    KV_ASSERT(ready != NULL && wake != NULL);
    memset(b, 0, sizeof(*b));
    b->sessions = sessions;
    b->sessions_cap = sessions_cap;
    b->per_session = per_session;
    b->nodes = nodes;
    b->nodes_cap = (uint32_t)kv_block_nodes_cap(sessions_cap, per_session);
    b->slots = slots;
    b->slots_mask = (uint32_t)(kv_block_slots_cap(sessions_cap, per_session) - 1);
    b->ready = ready;
    b->wake = wake;
    for (uint32_t i = 0; i < b->nodes_cap; i++)
        nodes[i] = (struct kv_block_node){.key_prev = KV_BLOCK_NONE, .key_next = KV_BLOCK_NONE,
                                          .session_next = i + 1};
    nodes[b->nodes_cap - 1].session_next = KV_BLOCK_NONE;
    for (uint64_t i = 0; i <= b->slots_mask; i++)
        slots[i] = (struct kv_block_slot){.head = KV_BLOCK_NONE, .tail = KV_BLOCK_NONE};
    KV_ASSERT(b->nodes_cap * 2ull <= b->slots_mask + 1ull);
}

/* The key's slot, or (not found) the empty slot where it would go. */
static uint32_t probe(const struct kv_block *b, uint64_t hash, bool *found) {
    uint32_t i = (uint32_t)hash & b->slots_mask;
    for (uint32_t step = 0; step <= b->slots_mask; step++) {
        const struct kv_block_slot *sl = &b->slots[i];
        if (sl->head == KV_BLOCK_NONE) {
            *found = false;
            return i;
        }
        if (sl->hash == hash) {
            *found = true;
            return i;
        }
        i = (i + 1) & b->slots_mask;
    }
    KV_UNREACHABLE(); /* at most half full */
}

/* Backward-shift deletion of slot i (its queue is empty). */
static void slot_delete(struct kv_block *b, uint32_t i) {
    KV_ASSERT(b->slots[i].waiters == 0 && b->keys > 0);
    uint32_t hole = i;
    uint32_t j = i;
    for (uint32_t step = 0; step <= b->slots_mask; step++) {
        j = (j + 1) & b->slots_mask;
        struct kv_block_slot *sl = &b->slots[j];
        if (sl->head == KV_BLOCK_NONE) break;
        uint32_t home = (uint32_t)sl->hash & b->slots_mask;
        /* sl may move to the hole if its home is not in (hole, j] cyclically */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        b->slots[hole] = *sl;
        hole = j;
    }
    b->slots[hole] = (struct kv_block_slot){.head = KV_BLOCK_NONE, .tail = KV_BLOCK_NONE};
    b->keys--;
}

static bool session_has(const struct kv_block *b, const struct kv_session *s, uint64_t hash) {
    uint32_t n = s->block_first;
    for (uint32_t i = 0; i < s->block_count; i++) {
        KV_ASSERT(n < b->nodes_cap && b->nodes[n].session == s);
        if (b->nodes[n].hash == hash) return true;
        n = b->nodes[n].session_next;
    }
    return false;
}

/* Appends a node for (s, hash) at the tail of the key's queue. */
static void node_add(struct kv_block *b, struct kv_session *s, uint64_t hash,
                     struct kv_block_after after) {
    KV_ASSERT(b->free_head != KV_BLOCK_NONE && s->block_count < b->per_session);
    uint32_t n = b->free_head;
    struct kv_block_node *nd = &b->nodes[n];
    b->free_head = nd->session_next;
    bool found;
    uint32_t i = probe(b, hash, &found);
    struct kv_block_slot *sl = &b->slots[i];
    if (!found) {
        *sl = (struct kv_block_slot){.hash = hash, .head = n, .tail = KV_BLOCK_NONE,
                                     .cursor = KV_BLOCK_NONE};
        b->keys++;
    } else {
        b->nodes[sl->tail].key_next = n;
        /* a key whose walk ended sees its new waiter at its next touch */
    }
    *nd = (struct kv_block_node){.hash = hash, .after = after, .session = s,
                                 .key_prev = found ? sl->tail : KV_BLOCK_NONE,
                                 .key_next = KV_BLOCK_NONE, .session_next = s->block_first};
    sl->tail = n;
    sl->waiters++;
    s->block_first = n;
    s->block_count++;
    b->nodes_used++;
}

void kv_block_add(struct kv_block *b, struct kv_session *s, const uint64_t *hashes,
                  uint32_t n, int64_t deadline_ms, const struct kv_block_want *want) {
    KV_ASSERT(!(s->flags & KV_SESSION_BLOCKED) && s->block_count == 0);
    KV_ASSERT(n >= 1 && b->sessions_len < b->sessions_cap && deadline_ms >= 0);
    s->block_first = KV_BLOCK_NONE;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_block_after after = want->after != NULL ? want->after[i]
                                                          : (struct kv_block_after){0};
        if (!session_has(b, s, hashes[i])) node_add(b, s, hashes[i], after);
    }
    s->flags |= KV_SESSION_BLOCKED;
    s->block_wake = KV_BLOCK_WAKE_NONE;
    s->block_type = want->type;
    s->block_each = want->each ? 1 : 0;
    s->block_deadline_ms = deadline_ms;
    s->block_pos = b->sessions_len;
    b->sessions[b->sessions_len++] = s;
    KV_ASSERT(s->block_count >= 1 && s->block_count <= b->per_session);
}

bool kv_block_after_of(const struct kv_block *b, const struct kv_session *s, uint64_t hash,
                       struct kv_block_after *out) {
    KV_ASSERT(s->flags & KV_SESSION_BLOCKED);
    uint32_t n = s->block_first;
    for (uint32_t i = 0; i < s->block_count; i++) {
        KV_ASSERT(n < b->nodes_cap && b->nodes[n].session == s);
        if (b->nodes[n].hash == hash) {
            *out = b->nodes[n].after;
            return true;
        }
        n = b->nodes[n].session_next;
    }
    KV_ASSERT(n == KV_BLOCK_NONE);
    return false;
}

/* Unlinks node n from its key's queue; the slot goes when its queue empties. */
static void node_unlink(struct kv_block *b, uint32_t n) {
    struct kv_block_node *nd = &b->nodes[n];
    bool found;
    uint32_t i = probe(b, nd->hash, &found);
    KV_ASSERT(found && b->slots[i].waiters > 0);
    struct kv_block_slot *sl = &b->slots[i];
    if (nd->key_prev != KV_BLOCK_NONE) b->nodes[nd->key_prev].key_next = nd->key_next;
    else sl->head = nd->key_next;
    if (nd->key_next != KV_BLOCK_NONE) b->nodes[nd->key_next].key_prev = nd->key_prev;
    else sl->tail = nd->key_prev;
    if (sl->cursor == n) sl->cursor = nd->key_next != KV_BLOCK_NONE ? nd->key_next : KV_BLOCK_END;
    sl->waiters--;
    if (sl->waiters == 0) {
        KV_ASSERT(sl->head == KV_BLOCK_NONE && sl->tail == KV_BLOCK_NONE);
        sl->head = n; /* occupied until deleted: slot_delete's probe needs it so */
        slot_delete(b, i);
    }
}

static void wake_forget(struct kv_block *b, const struct kv_session *s) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < b->wake_len; i++) {
        struct kv_session *w = b->wake[(b->wake_head + i) % b->sessions_cap];
        if (w != s) b->wake[(b->wake_head + kept++) % b->sessions_cap] = w;
    }
    KV_ASSERT(kept + 1 >= b->wake_len);
    b->wake_len = kept;
    if (kept == 0) b->wake_head = 0;
}

void kv_block_remove(struct kv_block *b, struct kv_session *s) {
    if (!(s->flags & KV_SESSION_BLOCKED)) return;
    KV_ASSERT(s->block_pos < b->sessions_len && b->sessions[s->block_pos] == s);
    uint32_t n = s->block_first;
    for (uint32_t i = 0; i < s->block_count; i++) {
        KV_ASSERT(n < b->nodes_cap && b->nodes[n].session == s);
        uint32_t next = b->nodes[n].session_next;
        node_unlink(b, n);
        b->nodes[n] = (struct kv_block_node){.key_prev = KV_BLOCK_NONE,
                                             .key_next = KV_BLOCK_NONE,
                                             .session_next = b->free_head};
        b->free_head = n;
        b->nodes_used--;
        n = next;
    }
    KV_ASSERT(n == KV_BLOCK_NONE);
    if (b->wake_len > 0) wake_forget(b, s);
    struct kv_session *last = b->sessions[--b->sessions_len];
    b->sessions[s->block_pos] = last;
    last->block_pos = s->block_pos;
    s->block_count = 0;
    s->block_first = KV_BLOCK_NONE;
    s->block_wake = KV_BLOCK_WAKE_NONE;
    s->flags &= ~(uint32_t)KV_SESSION_BLOCKED;
}

static void ready_push(struct kv_block *b, struct kv_block_slot *sl, uint8_t type) {
    sl->ready_type = type; /* the key's type now is whom it serves */
    if (sl->ready) return;
    KV_ASSERT(b->ready_len < b->nodes_cap);
    b->ready[(b->ready_head + b->ready_len) % b->nodes_cap] = sl->hash;
    b->ready_len++;
    sl->ready = 1;
}

bool kv_block_waited(const struct kv_block *b, uint64_t hash) {
    if (b->keys == 0) return false;
    bool found;
    (void)probe(b, hash, &found);
    return found;
}

void kv_block_touch(struct kv_block *b, uint64_t hash, uint8_t type) {
    if (b->keys == 0) return;
    bool found;
    uint32_t i = probe(b, hash, &found);
    if (found) ready_push(b, &b->slots[i], type);
}

void kv_block_touch_session(struct kv_block *b, struct kv_session *s) {
    KV_ASSERT(s->flags & KV_SESSION_BLOCKED);
    uint32_t n = s->block_first;
    for (uint32_t i = 0; i < s->block_count; i++) {
        KV_ASSERT(n < b->nodes_cap);
        kv_block_touch(b, b->nodes[n].hash, s->block_type);
        n = b->nodes[n].session_next;
    }
}

void kv_block_wake(struct kv_block *b, struct kv_session *s, enum kv_block_wake why) {
    KV_ASSERT(s->flags & KV_SESSION_BLOCKED);
    KV_ASSERT(why == KV_BLOCK_WAKE_TIMEOUT || why == KV_BLOCK_WAKE_ERROR);
    if (s->block_wake == KV_BLOCK_WAKE_TIMEOUT || s->block_wake == KV_BLOCK_WAKE_ERROR) return;
    KV_ASSERT(b->wake_len < b->sessions_cap);
    b->wake[(b->wake_head + b->wake_len) % b->sessions_cap] = s;
    b->wake_len++;
    s->block_wake = (uint8_t)why;
}

uint32_t kv_block_expire(struct kv_block *b, int64_t now_ms) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->sessions_len; i++) {
        struct kv_session *s = b->sessions[i];
        if (s->block_deadline_ms == 0 || s->block_deadline_ms >= now_ms) continue;
        if (s->block_wake != KV_BLOCK_WAKE_NONE) continue;
        kv_block_wake(b, s, KV_BLOCK_WAKE_TIMEOUT);
        n++;
    }
    KV_ASSERT(n <= b->sessions_len);
    return n;
}

/* The ready key's next waiter of its type from its cursor on (the cursor moves
 * there), or KV_BLOCK_NONE: its walk is over. */
static uint32_t walk(struct kv_block *b, struct kv_block_slot *sl) {
    KV_ASSERT(sl->ready && sl->waiters > 0);
    uint32_t n = sl->cursor == KV_BLOCK_NONE ? sl->head : sl->cursor;
    for (uint32_t i = 0; i < sl->waiters && n != KV_BLOCK_END && n != KV_BLOCK_NONE; i++) {
        KV_ASSERT(n < b->nodes_cap && b->nodes[n].hash == sl->hash);
        if (b->nodes[n].session->block_type == sl->ready_type) {
            sl->cursor = n;
            return n;
        }
        n = b->nodes[n].key_next;
    }
    return KV_BLOCK_NONE;
}

/* The front ready key is done: off the ring, its walk from the head next time. */
static void ready_drop(struct kv_block *b) {
    KV_ASSERT(b->ready_len > 0);
    bool found;
    uint32_t i = probe(b, b->ready[b->ready_head], &found);
    if (found && b->slots[i].ready) {
        b->slots[i].ready = 0;
        b->slots[i].cursor = KV_BLOCK_NONE;
    }
    b->ready_head = (b->ready_head + 1) % b->nodes_cap;
    b->ready_len--;
}

bool kv_block_next(struct kv_block *b, struct kv_session **out) {
    /* each pass drops a ready hash or returns */
    for (uint32_t pass = 0; pass <= b->nodes_cap && b->ready_len > 0; pass++) {
        uint64_t hash = b->ready[b->ready_head];
        bool found;
        uint32_t i = probe(b, hash, &found);
        uint32_t n = found && b->slots[i].ready ? walk(b, &b->slots[i]) : KV_BLOCK_NONE;
        if (n != KV_BLOCK_NONE) {
            struct kv_session *s = b->nodes[n].session;
            KV_ASSERT(s != NULL && (s->flags & KV_SESSION_BLOCKED));
            /* a pending timeout or UNBLOCK wins: its run replies that */
            if (s->block_wake == KV_BLOCK_WAKE_NONE) s->block_wake = KV_BLOCK_WAKE_KEY;
            s->block_hash = hash;
            *out = s;
            return true;
        }
        ready_drop(b); /* emptied while ready, or no waiter of its type is left */
    }
    KV_ASSERT(b->ready_len == 0);
    if (b->wake_len == 0) return false;
    struct kv_session *s = b->wake[b->wake_head];
    KV_ASSERT(s->flags & KV_SESSION_BLOCKED);
    KV_ASSERT(s->block_wake == KV_BLOCK_WAKE_TIMEOUT || s->block_wake == KV_BLOCK_WAKE_ERROR);
    *out = s;
    return true;
}

void kv_block_not_served(struct kv_block *b, struct kv_session *s) {
    KV_ASSERT(s->flags & KV_SESSION_BLOCKED);
    if (b->ready_len > 0) {
        bool found;
        uint32_t i = probe(b, b->ready[b->ready_head], &found);
        struct kv_block_slot *sl = &b->slots[i];
        bool mine = found && sl->ready && sl->cursor < b->nodes_cap &&
                    b->nodes[sl->cursor].session == s;
        if (mine && s->block_each) { /* the next waiter is tried: XREAD */
            uint32_t next = b->nodes[sl->cursor].key_next;
            sl->cursor = next != KV_BLOCK_NONE ? next : KV_BLOCK_END;
        } else if (mine) {
            ready_drop(b); /* its head could not take it: stop the key */
        }
    }
    if (b->wake_len > 0) wake_forget(b, s);
    s->block_wake = KV_BLOCK_WAKE_NONE;
    KV_ASSERT(s->block_count >= 1);
}

struct kv_session *kv_block_find(const struct kv_block *b, uint64_t id) {
    for (uint32_t i = 0; i < b->sessions_len; i++)
        if (b->sessions[i]->id == id) return b->sessions[i];
    return NULL;
}

static uint32_t check_slot(const struct kv_block *b, const struct kv_block_slot *sl) {
    uint32_t n = sl->head, prev = KV_BLOCK_NONE, count = 0;
    for (uint32_t i = 0; i < sl->waiters; i++) {
        KV_ASSERT(n < b->nodes_cap);
        const struct kv_block_node *nd = &b->nodes[n];
        KV_ASSERT(nd->session != NULL && nd->hash == sl->hash && nd->key_prev == prev);
        KV_ASSERT(nd->session->flags & KV_SESSION_BLOCKED);
        prev = n;
        n = nd->key_next;
        count++;
    }
    KV_ASSERT(n == KV_BLOCK_NONE && sl->tail == prev);
    return count;
}

void kv_block_check(const struct kv_block *b) {
    uint32_t nodes = 0, keys = 0, ready = 0;
    for (uint64_t i = 0; i <= b->slots_mask; i++) {
        const struct kv_block_slot *sl = &b->slots[i];
        if (sl->head == KV_BLOCK_NONE) continue;
        keys++;
        nodes += check_slot(b, sl);
        if (sl->ready) ready++;
        KV_ASSERT(sl->ready || sl->cursor == KV_BLOCK_NONE);
        KV_ASSERT(sl->cursor >= KV_BLOCK_END || b->nodes[sl->cursor].hash == sl->hash);
    }
    KV_ASSERT(keys == b->keys && nodes == b->nodes_used);
    KV_ASSERT(ready <= b->ready_len && b->ready_len <= b->nodes_cap);
    uint32_t per = 0;
    for (uint32_t i = 0; i < b->sessions_len; i++) {
        const struct kv_session *s = b->sessions[i];
        KV_ASSERT(s->block_pos == i && (s->flags & KV_SESSION_BLOCKED));
        KV_ASSERT(s->block_count >= 1 && s->block_count <= b->per_session);
        per += s->block_count;
    }
    KV_ASSERT(per == b->nodes_used && b->wake_len <= b->sessions_len);
}

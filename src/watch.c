/*
 * watch.c: the WATCH index (include/kv/watch.h): a table from a watched key's hash
 * to the list of its watchers, a list of watched keys per session, and the list of
 * watching sessions (FLUSHALL).
 *
 * Memory: the caller's three arrays, carved at startup; never allocates.
 * Invariants: the table is at most half full, so a probe always ends at an empty
 * slot within slots_mask + 1 steps; every list is walked with its length as the
 * bound. Never: touches a session that is not watching, or trusts a count it has
 * not asserted against the list it counts.
 */
#include <string.h>

#include "kv/session.h"
#include "kv/watch.h"

uint64_t kv_watch_nodes_cap(uint32_t sessions, uint32_t per_session) {
    KV_ASSERT(sessions >= 1 && per_session >= 1);
    uint64_t nodes = (uint64_t)sessions * per_session;
    KV_ASSERT(nodes <= (1u << 30));
    return nodes;
}

/* A power of two, at least twice the nodes (each node may watch its own key). */
uint64_t kv_watch_slots_cap(uint32_t sessions, uint32_t per_session) {
    uint64_t nodes = kv_watch_nodes_cap(sessions, per_session);
    uint64_t slots = 16;
    while (slots < 2 * nodes) slots *= 2;
    KV_ASSERT(slots <= (1ull << 31) && slots >= 2 * nodes);
    return slots;
}

void kv_watch_init(struct kv_watch *w, struct kv_session **sessions, uint32_t sessions_cap,
                   uint32_t per_session, struct kv_watch_node *nodes,
                   struct kv_watch_slot *slots) {
    KV_ASSERT(w != NULL && sessions != NULL && nodes != NULL && slots != NULL);
    memset(w, 0, sizeof(*w));
    w->sessions = sessions;
    w->sessions_cap = sessions_cap;
    w->per_session = per_session;
    w->nodes = nodes;
    w->nodes_cap = (uint32_t)kv_watch_nodes_cap(sessions_cap, per_session);
    w->slots = slots;
    w->slots_mask = (uint32_t)(kv_watch_slots_cap(sessions_cap, per_session) - 1);
    for (uint32_t i = 0; i < w->nodes_cap; i++) {
        nodes[i] = (struct kv_watch_node){.key_prev = KV_WATCH_NONE, .key_next = KV_WATCH_NONE,
                                          .session_next = i + 1};
    }
    nodes[w->nodes_cap - 1].session_next = KV_WATCH_NONE;
    w->free_head = 0; /* lowest node first: runs are deterministic */
    for (uint64_t i = 0; i <= w->slots_mask; i++)
        slots[i] = (struct kv_watch_slot){.hash = 0, .head = KV_WATCH_NONE, .watchers = 0};
    KV_ASSERT(w->nodes_cap * 2ull <= w->slots_mask + 1ull);
}

/* The key's slot, or (not found) the empty slot where it would go. */
static uint32_t probe(const struct kv_watch *w, uint64_t hash, bool *found) {
    uint32_t i = (uint32_t)hash & w->slots_mask;
    for (uint32_t step = 0; step <= w->slots_mask; step++) {
        const struct kv_watch_slot *sl = &w->slots[i];
        if (sl->head == KV_WATCH_NONE) {
            *found = false;
            return i;
        }
        if (sl->hash == hash) {
            *found = true;
            return i;
        }
        i = (i + 1) & w->slots_mask;
    }
    KV_UNREACHABLE(); /* at most half full: an empty slot always comes */
}

/* Empties slot i, moving later entries of its run back so every probe still finds
 * its key (backward-shift deletion; no tombstones, so probes stay short). */
static void slot_delete(struct kv_watch *w, uint32_t i) {
    KV_ASSERT(w->slots[i].watchers == 0 && w->keys > 0);
    uint32_t mask = w->slots_mask, j = i;
    for (uint32_t step = 0; step < mask; step++) {
        j = (j + 1) & mask;
        const struct kv_watch_slot *sj = &w->slots[j];
        if (sj->head == KV_WATCH_NONE) break;
        uint32_t home = (uint32_t)sj->hash & mask;
        /* sj may move to i when i lies on its probe path (home .. j) */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            w->slots[i] = *sj;
            i = j;
        }
    }
    w->slots[i] = (struct kv_watch_slot){.hash = 0, .head = KV_WATCH_NONE, .watchers = 0};
    w->keys--;
}

/* Walks the shorter of s's keys and the key's watchers: a WATCH of n keys costs at
 * most n * min(n, watchers of a key), never n * n when few others watch. */
bool kv_watch_has(const struct kv_watch *w, const struct kv_session *s, uint64_t hash) {
    KV_ASSERT(s->watch_count <= w->per_session);
    bool found;
    uint32_t at = probe(w, hash, &found);
    if (!found || s->watch_count == 0) return false;
    const struct kv_watch_slot *sl = &w->slots[at];
    bool by_key = sl->watchers < s->watch_count;
    uint32_t n = by_key ? sl->head : s->watch_first;
    uint32_t len = by_key ? sl->watchers : s->watch_count;
    for (uint32_t i = 0; i < len; i++) {
        const struct kv_watch_node *node = &w->nodes[n];
        KV_ASSERT(by_key ? node->hash == hash : node->session == s);
        if (node->hash == hash && node->session == s) return true;
        n = by_key ? node->key_next : node->session_next;
    }
    KV_ASSERT(n == KV_WATCH_NONE);
    return false;
}

static void key_link(struct kv_watch *w, uint32_t n) {
    struct kv_watch_node *node = &w->nodes[n];
    bool found;
    uint32_t at = probe(w, node->hash, &found);
    struct kv_watch_slot *sl = &w->slots[at];
    if (!found) {
        KV_ASSERT(w->keys < w->nodes_cap);
        *sl = (struct kv_watch_slot){.hash = node->hash, .head = KV_WATCH_NONE, .watchers = 0};
        w->keys++;
    }
    node->key_prev = KV_WATCH_NONE;
    node->key_next = sl->head;
    if (sl->head != KV_WATCH_NONE) w->nodes[sl->head].key_prev = n;
    sl->head = n;
    sl->watchers++;
}

void kv_watch_add(struct kv_watch *w, struct kv_session *s, uint64_t hash, int64_t deadline_ms,
                  bool existed) {
    KV_ASSERT(s->watch_count < w->per_session && w->free_head != KV_WATCH_NONE);
    KV_ASSERT(!kv_watch_has(w, s, hash));
    if (s->watch_count == 0) {
        KV_ASSERT(w->sessions_len < w->sessions_cap);
        s->watch_pos = w->sessions_len;
        w->sessions[w->sessions_len++] = s;
    }
    uint32_t n = w->free_head;
    struct kv_watch_node *node = &w->nodes[n];
    KV_ASSERT(node->session == NULL);
    w->free_head = node->session_next;
    node->hash = hash;
    node->deadline_ms = deadline_ms;
    node->session = s;
    node->existed = existed ? 1 : 0;
    node->session_next = s->watch_count > 0 ? s->watch_first : KV_WATCH_NONE;
    s->watch_first = n;
    s->watch_count++;
    s->watch_existed += node->existed;
    w->nodes_used++;
    key_link(w, n);
}

static void key_unlink(struct kv_watch *w, uint32_t n) {
    struct kv_watch_node *node = &w->nodes[n];
    bool found;
    uint32_t at = probe(w, node->hash, &found);
    KV_ASSERT(found && w->slots[at].watchers > 0);
    struct kv_watch_slot *sl = &w->slots[at];
    if (node->key_prev == KV_WATCH_NONE) {
        KV_ASSERT(sl->head == n);
        sl->head = node->key_next;
    } else {
        w->nodes[node->key_prev].key_next = node->key_next;
    }
    if (node->key_next != KV_WATCH_NONE) w->nodes[node->key_next].key_prev = node->key_prev;
    node->key_prev = node->key_next = KV_WATCH_NONE;
    if (--sl->watchers == 0) {
        KV_ASSERT(sl->head == KV_WATCH_NONE); /* empty now: slot_delete closes the gap */
        slot_delete(w, at);
    }
}

void kv_watch_remove_session(struct kv_watch *w, struct kv_session *s) {
    if (s->watch_count == 0) return;
    KV_ASSERT(s->watch_count <= w->per_session && w->nodes_used >= s->watch_count);
    KV_ASSERT(s->watch_pos < w->sessions_len && w->sessions[s->watch_pos] == s);
    uint32_t n = s->watch_first;
    for (uint32_t i = 0; i < s->watch_count; i++) {
        struct kv_watch_node *node = &w->nodes[n];
        KV_ASSERT(node->session == s);
        uint32_t next = node->session_next;
        key_unlink(w, n);
        node->session = NULL;
        node->session_next = w->free_head;
        w->free_head = n;
        n = next;
    }
    KV_ASSERT(n == KV_WATCH_NONE);
    w->nodes_used -= s->watch_count;
    struct kv_session *last = w->sessions[--w->sessions_len];
    w->sessions[s->watch_pos] = last;
    last->watch_pos = s->watch_pos;
    s->watch_count = 0;
    s->watch_existed = 0;
    s->watch_first = KV_WATCH_NONE;
}

void kv_watch_touch(struct kv_watch *w, uint64_t hash) {
    bool found;
    uint32_t at = probe(w, hash, &found);
    if (!found) return;
    const struct kv_watch_slot *sl = &w->slots[at];
    uint32_t n = sl->head;
    for (uint32_t i = 0; i < sl->watchers; i++) {
        const struct kv_watch_node *node = &w->nodes[n];
        KV_ASSERT(node->hash == hash && node->session != NULL);
        node->session->flags |= KV_SESSION_DIRTY_CAS;
        n = node->key_next;
    }
    KV_ASSERT(n == KV_WATCH_NONE);
    w->touch_visits += sl->watchers;
}

void kv_watch_touch_existed(struct kv_watch *w) {
    KV_ASSERT(w->sessions_len <= w->sessions_cap);
    for (uint32_t i = 0; i < w->sessions_len; i++) {
        struct kv_session *s = w->sessions[i];
        KV_ASSERT(s->watch_count > 0 && s->watch_pos == i);
        if (s->watch_existed != 0) s->flags |= KV_SESSION_DIRTY_CAS;
    }
}

void kv_watch_check_expired(const struct kv_watch *w, struct kv_session *s, int64_t now_ms) {
    KV_ASSERT(s->watch_count <= w->per_session);
    uint32_t n = s->watch_first;
    for (uint32_t i = 0; i < s->watch_count; i++) {
        const struct kv_watch_node *node = &w->nodes[n];
        KV_ASSERT(node->session == s);
        if (node->deadline_ms >= 0 && node->deadline_ms < now_ms)
            s->flags |= KV_SESSION_DIRTY_CAS; /* sticky: EXEC's decision never flips */
        n = node->session_next;
    }
}

/* ---- check ------------------------------------------------------------------- */

/* One occupied slot: its probe finds it, and its list holds `watchers` nodes of
 * its hash, linked both ways. Returns the list's length. */
static uint32_t check_slot(const struct kv_watch *w, uint32_t at) {
    const struct kv_watch_slot *sl = &w->slots[at];
    KV_ASSERT(sl->watchers >= 1 && sl->watchers <= w->nodes_used);
    bool found;
    KV_ASSERT(probe(w, sl->hash, &found) == at && found);
    uint32_t n = sl->head, prev = KV_WATCH_NONE;
    for (uint32_t i = 0; i < sl->watchers; i++) {
        KV_ASSERT(n < w->nodes_cap);
        const struct kv_watch_node *node = &w->nodes[n];
        KV_ASSERT(node->hash == sl->hash && node->session != NULL);
        KV_ASSERT(node->key_prev == prev);
        prev = n;
        n = node->key_next;
    }
    KV_ASSERT(n == KV_WATCH_NONE);
    return sl->watchers;
}

/* One watching session: its list holds watch_count nodes it owns. */
static uint32_t check_session(const struct kv_watch *w, uint32_t pos) {
    const struct kv_session *s = w->sessions[pos];
    KV_ASSERT(s->watch_pos == pos);
    KV_ASSERT(s->watch_count >= 1 && s->watch_count <= w->per_session);
    uint32_t n = s->watch_first, existed = 0;
    for (uint32_t i = 0; i < s->watch_count; i++) {
        KV_ASSERT(n < w->nodes_cap);
        const struct kv_watch_node *node = &w->nodes[n];
        KV_ASSERT(node->session == s && node->existed <= 1);
        existed += node->existed;
        n = node->session_next;
    }
    KV_ASSERT(n == KV_WATCH_NONE && existed == s->watch_existed);
    return s->watch_count;
}

void kv_watch_check(const struct kv_watch *w) {
    KV_ASSERT(w->nodes_used <= w->nodes_cap && w->sessions_len <= w->sessions_cap);
    KV_ASSERT(w->keys <= w->nodes_used && w->keys * 2ull <= w->slots_mask + 1ull);
    uint64_t keys = 0, listed = 0, owned = 0, free_nodes = 0;
    for (uint32_t at = 0; at <= w->slots_mask; at++) {
        if (w->slots[at].head == KV_WATCH_NONE) {
            KV_ASSERT(w->slots[at].watchers == 0);
            continue;
        }
        keys++;
        listed += check_slot(w, at);
    }
    for (uint32_t i = 0; i < w->sessions_len; i++) owned += check_session(w, i);
    uint32_t n = w->free_head;
    for (uint32_t i = 0; i <= w->nodes_cap && n != KV_WATCH_NONE; i++) {
        KV_ASSERT(n < w->nodes_cap && w->nodes[n].session == NULL);
        KV_ASSERT(w->nodes[n].key_prev == KV_WATCH_NONE && w->nodes[n].key_next == KV_WATCH_NONE);
        free_nodes++;
        n = w->nodes[n].session_next;
    }
    KV_ASSERT(n == KV_WATCH_NONE);
    KV_ASSERT(keys == w->keys && listed == w->nodes_used && owned == w->nodes_used);
    KV_ASSERT(free_nodes + w->nodes_used == w->nodes_cap);
}

/*
 * ahead.c: the speed work around running frames, in one place (interface and the
 * moments the server calls it: include/kv/ahead.h). Three things, all advisory:
 *
 * - Lookahead (kv_ahead_take): the complete frames at the head of a connection's
 *   input are parsed in one pass (kv_parse_fast) and their arguments kept here, so
 *   a frame is parsed once and run from these slices without a copy (perf put half
 *   of the run loop's user samples at LPUSH P=1 on a copy into the server's argv).
 *   With two or more frames each one's key is hashed and its index slot
 *   prefetched, then the items those slots point at: by the time a frame runs its
 *   lookups mostly hit the cache (with many keys, a pipeline of misses one after the
 *   other was the largest cost per request in the profile). A lone frame's key is
 *   used at once, so prefetching it could overlap nothing.
 * - Across connections (kv_ahead_batch): without pipelining each ready connection
 *   holds one frame; the first keys of the next KV_AHEAD_FRAMES ready connections
 *   are peeked at in the raw bytes (kv_parse_peek_args, not a parse) and prefetched
 *   the same way. The hash is kept in the connection's peek, and the lookahead
 *   reuses it when the frame it parses has its argv[1] at those very bytes.
 * - Members (both ways): a frame's argv[2], when its key holds a hash or set in
 *   table form, is prefetched in that table too (kv_ks_hint_members): SISMEMBER,
 *   SADD, HGET, HSET of a big collection otherwise wait on its slot and entries.
 * - The hint (kv_ahead_run_begin): the running frame's argv[1] is told to the
 *   keyspace (kv_ks_hint_key), whose lookups of exactly that address then share
 *   one index search (a reply bound and a run look the same key up twice) and use
 *   the lookahead's hash instead of hashing again.
 *
 * Why argv[1] and not the command table's key positions (struct kv_cmd_keyspec):
 * every command kv has that names keys names one at argv[1] (first key 1), except
 * LMPOP (movable keys); keyspec_test checks that for every table row, so the guess
 * is right for all of them. Asking the table means a command lookup (hashing its
 * name) for every frame before the engine's own, and across connections the frame
 * is not even parsed: only the raw bytes are peeked at. A wrong guess (PING's
 * message, LMPOP's count) costs one useless prefetch; it can never change a reply,
 * because the keyspace compares the hinted address, and a hashed hint is only
 * given for the bytes that were hashed. Only further keys (MSET's, RENAME's
 * second) go unprefetched.
 *
 * Memory: struct kv_ahead (embedded in the server) and one kv_ahead_peek per
 * connection. Invariants: frame[] and argv[] point into one owner's input, and
 * are dropped (kv_ahead_clear) before that input can move or be reused; a peek is
 * only kept between kv_ahead_batch and the end of its connection's turn, in which
 * no bytes can arrive (completions are handled outside the ready pass): a stale
 * peek matched by address would hand the keyspace a wrong hash, and a lookup by a
 * wrong hash misses a key that exists.
 */
#include "kv/ahead.h"

void kv_ahead_init(struct kv_ahead *a, struct kv_keyspace *ks,
                   const struct kv_parse_limits *limits) {
    KV_ASSERT(a != NULL && ks != NULL && limits != NULL);
    *a = (struct kv_ahead){0};
    a->ks = ks;
    a->limits = limits;
    KV_ASSERT(kv_ahead_idle(a));
}

void kv_ahead_batch(struct kv_ahead *a, const struct kv_ahead_input *in, uint32_t n) {
    KV_ASSERT(n <= KV_AHEAD_FRAMES && (in != NULL || n == 0));
    uint64_t hash[KV_AHEAD_FRAMES], mhash[KV_AHEAD_FRAMES];
    uint32_t klen[KV_AHEAD_FRAMES];
    struct kv_slice member[KV_AHEAD_FRAMES];
    uint32_t found = 0, members = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice key, arg2;
        if (!kv_parse_peek_args(in[i].buf, in[i].len, &key, &arg2)) continue;
        klen[found] = key.len;
        hash[found] = kv_ks_hint_slot(a->ks, key.ptr, key.len);
        if (arg2.ptr != NULL) {
            mhash[members] = hash[found];
            member[members++] = arg2;
        }
        *in[i].peek = (struct kv_ahead_peek){key.ptr, hash[found++], key.len};
    }
    KV_ASSERT(found <= n && members <= found);
    kv_ks_hint_items(a->ks, hash, klen, found);
    kv_ks_hint_members(a->ks, mhash, member, members);
}

/* Hashes each frame's argv[1] and prefetches its slot, then the items (a pipeline):
 * a key equal to the previous frame's (same hash and length) is not fetched again. */
static void prefetch_frames(struct kv_ahead *a) {
    KV_ASSERT(a->n >= 2 && a->n <= KV_AHEAD_FRAMES);
    uint64_t hash[KV_AHEAD_FRAMES], mhash[KV_AHEAD_FRAMES];
    uint32_t klen[KV_AHEAD_FRAMES];
    struct kv_slice member[KV_AHEAD_FRAMES];
    uint32_t keys = 0, members = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        struct kv_ahead_frame *f = &a->frame[i];
        if (f->argc < 2) continue;
        const struct kv_slice *key = &a->argv[f->argv_off + 1];
        klen[keys] = key->len;
        hash[keys] = kv_ks_hint_slot(a->ks, key->ptr, key->len);
        f->hash = hash[keys];
        f->hashed = true;
        if (f->argc >= 3) {  /* argv[2]: a field or member (SISMEMBER, HGET, SADD ...) */
            mhash[members] = f->hash;
            member[members++] = a->argv[f->argv_off + 2];
        }
        /* the key of the frame before (SADD myset ... in a row): its items are on the way */
        if (keys > 0 && hash[keys] == hash[keys - 1] && klen[keys] == klen[keys - 1]) continue;
        keys++;
    }
    KV_ASSERT(keys <= a->n && members <= a->n);
    kv_ks_hint_items(a->ks, hash, klen, keys);
    kv_ks_hint_members(a->ks, mhash, member, members);
}

/*
 * Parses the complete frames of in[start, end) (at most KV_AHEAD_FRAMES, their
 * arguments at most KV_AHEAD_ARGV) for owner; returns how many. A lone frame
 * reuses the peek's hash when its argv[1] is the peeked bytes.
 */
static uint32_t lookahead(struct kv_ahead *a, const void *owner, struct kv_ahead_peek *peek,
                          const uint8_t *in, uint32_t start, uint32_t end) {
    KV_ASSERT(start <= end);
    a->owner = NULL;
    uint32_t pos = start, n = 0, used = 0;
    for (; n < KV_AHEAD_FRAMES; n++) {
        struct kv_parse_result f;
        if (!kv_parse_fast(a->limits, in + pos, end - pos, a->argv + used,
                           KV_AHEAD_ARGV - used, &f))
            break;
        a->frame[n] = (struct kv_ahead_frame){pos, f.frame_len, f.argc, used, false, 0};
        used += f.argc;
        pos += f.frame_len;
    }
    KV_ASSERT(pos <= end && used <= KV_AHEAD_ARGV);
    a->n = n;
    a->next = 0;
    if (n == 1 && a->frame[0].argc >= 2 && peek->key != NULL) {
        const struct kv_slice *key = &a->argv[a->frame[0].argv_off + 1];
        a->frame[0].hashed = key->ptr == peek->key && key->len == peek->len;
        a->frame[0].hash = a->frame[0].hashed ? peek->hash : 0;
    }
    peek->key = NULL;
    if (n >= 2) prefetch_frames(a);
    if (n > 0) a->owner = owner;
    return n;
}

bool kv_ahead_take(struct kv_ahead *a, const void *owner, struct kv_ahead_peek *peek,
                   const uint8_t *in, uint32_t start, uint32_t end,
                   struct kv_parse_result *frame) {
    KV_ASSERT(owner != NULL && a->taken_owner == NULL);
    if ((a->owner != owner || a->next == a->n) && lookahead(a, owner, peek, in, start, end) == 0)
        return false;
    const struct kv_ahead_frame *f = &a->frame[a->next++];
    KV_ASSERT(f->start == start && f->argv_off + f->argc <= KV_AHEAD_ARGV);
    *frame = (struct kv_parse_result){KV_FRAME_MULTIBULK, f->frame_len, f->argc, NULL};
    a->taken_owner = owner;
    a->taken = f;
    return true;
}

void kv_ahead_run_begin(struct kv_ahead *a, uint32_t argc, const struct kv_slice *argv) {
    if (argc < 2) return;
    const struct kv_ahead_frame *t = a->taken;
    bool hashed = t != NULL && t->hashed && argv == a->argv + t->argv_off;
    KV_ASSERT(!hashed || a->taken_owner != NULL);
    kv_ks_hint_key(a->ks, argv[1].ptr, argv[1].len, hashed, hashed ? t->hash : 0);
}

void kv_ahead_run_end(struct kv_ahead *a) {
    kv_ks_hint_clear(a->ks);
    a->taken_owner = NULL;
    a->taken = NULL;
}

void kv_ahead_clear(struct kv_ahead *a, struct kv_ahead_peek *peek) {
    KV_ASSERT(a->ks != NULL && peek != NULL);
    a->owner = NULL;
    a->taken_owner = NULL;
    a->taken = NULL;
    peek->key = NULL;
    KV_ASSERT(kv_ahead_idle(a));
}

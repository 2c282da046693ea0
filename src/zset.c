/*
 * zset.c: sorted sets in the data region (include/kv/zset.h).
 *
 * Memory: owns the blocks of every sorted set (kv_alloc blocks in the keyspace's
 * data region); the head (struct kv_zset_head) lives in its key's item and is owned
 * by the keyspace. Encodings (zset.h):
 *   PACKED: one block, entries score | varint(len) | member, in (score, member)
 *           order; a score is a zigzag varint when integral (within +-2^52), else
 *           0x01 and the f64 (score_put): a 10-byte member with a score below 8192
 *           costs 13 bytes (Redis's listpack: 15).
 *   SKIPLIST: node blocks, each
 *             f64 score | u32 backward ref | u8 level, 3 pad | level x (u32 next ref,
 *             u32 span) | varint(len) member
 *           (the header node: KV_ZSET_LEVEL_MAX levels, no member), and the member
 *           index, an array of `slots` u32 node refs probed linearly from the
 *           member's home (seeded XXH3, masked), no tombstones (backward shift).
 *           Spans are Redis's: the number of level-0 steps a link skips, so a rank is
 *           the sum of the spans walked.
 *
 * Growing never fails, by a reservation argument: the caller made sure one free block
 * of kv_zset_room bytes exists, which is the sum over every allocation the batch may
 * make of its fit size (kv_alloc_fit_bytes) plus split slack. Allocations carve
 * blocks from that block's remainder (or elsewhere), a carve takes at most the fit
 * size plus slack, frees only coalesce into it: so at each allocation the remainder
 * still holds the fit size of what is asked, and the allocator serves it (alloc.h).
 * Each allocation below asserts that. Removal never allocates but for a best-effort
 * index shrink.
 *
 * Invariants (kv_zset_check): count and bytes are exact; packed entries are strictly
 * ascending in (score, member) and `used` bytes long; a skiplist's level-0 chain is
 * strictly ascending, every level's links skip exactly their span, backward refs
 * and tail match, a node's level is its member's, `level` is the highest level in
 * use; the index holds every node once, reachable from its home, load <= 3/4.
 * Never: stores a NaN score, allocates outside the given kv_alloc, recurses, or
 * loops without a bound.
 */
#include "kv/zset.h"

#include <math.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "kv/util.h"
#include "kv/varint.h"

#define TABLE_MIN 8u
#define TABLE_MAX (1u << 30)
#define SPLIT_SLACK 8u
#define NODE_FIXED 16u          /* score, backward ref, level and pad */
#define LEVEL_SEED 0x5bd1e995a7c15f2bull

/* ---- small pieces -------------------------------------------------------------- */

static inline uint8_t *blk(const struct kv_alloc *a, uint32_t ref) {
    return (uint8_t *)kv_alloc_ptr(a, ref);
}

static inline uint32_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline double rdf(const uint8_t *p) {
    double v;
    memcpy(&v, p, 8);
    return v;
}
static inline void wrf(uint8_t *p, double v) { memcpy(p, &v, 8); }

int kv_zset_cmp_member(struct kv_slice a, struct kv_slice b) {
    uint32_t n = KV_MIN(a.len, b.len);
    int r = n == 0 ? 0 : memcmp(a.ptr, b.ptr, n);
    if (r != 0) return r;
    return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

/* (s1, m1) against (s2, m2) in the set's order. */
static inline int cmp_entry(double s1, struct kv_slice m1, double s2, struct kv_slice m2) {
    if (s1 < s2) return -1;
    if (s1 > s2) return 1;
    return kv_zset_cmp_member(m1, m2);
}

static inline bool slice_eq(struct kv_slice a, struct kv_slice b) {
    return a.len == b.len && kv_bytes_eq(a.ptr, b.ptr, a.len);
}

/* A block of n usable bytes, counted for the reservation. */
static inline uint64_t charge(uint64_t n) {
    return kv_alloc_fit_bytes(KV_MAX(n, 1)) + SPLIT_SLACK;
}

static void *must_alloc(struct kv_alloc *a, uint64_t n) {
    void *p = kv_alloc_alloc(a, KV_MAX(n, 1));
    KV_ASSERT(p != NULL);  /* the caller's room check (zset.h) */
    return p;
}

/* ---- packed entries ------------------------------------------------------------ */

/*
 * A packed score: an integral score within +-2^52 is a varint of its zigzag form
 * shifted left once (low bit 0: 1 to 8 bytes; -0 is the integer 0, as Redis's
 * listpack text "0"); any other is the byte 0x01 and the 8-byte double.
 */
#define SCORE_INT_LIMIT 4503599627370496.0  /* 2^52 */
#define SCORE_BYTES_MAX 9u

static uint32_t score_put(uint8_t *p, double s) {
    if (!(s >= -SCORE_INT_LIMIT && s <= SCORE_INT_LIMIT) || s != (double)(int64_t)s) {
        p[0] = 1;
        wrf(p + 1, s);
        return 9;
    }
    int64_t v = (int64_t)s;
    uint64_t u = (((uint64_t)v << 1) ^ (uint64_t)(v >> 63)) << 1;
    uint32_t n = 0;
    while (u >= 128 && n < SCORE_BYTES_MAX - 1) {
        p[n++] = (uint8_t)(u | 128u);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    KV_ASSERT(n <= 8);
    return n;
}

static uint32_t score_get(const uint8_t *p, double *s) {
    if (p[0] & 1) {
        *s = rdf(p + 1);
        return 9;
    }
    uint64_t u = 0;
    uint32_t n = 0;
    for (; n < SCORE_BYTES_MAX - 1; n++) {
        u |= (uint64_t)(p[n] & 127u) << (7 * n);
        if ((p[n] & 128u) == 0) break;
    }
    KV_ASSERT(n < SCORE_BYTES_MAX - 1);
    uint64_t z = u >> 1;
    *s = (double)(int64_t)((z >> 1) ^ (0 - (z & 1)));
    return n + 1;
}

static inline uint32_t score_len(double s) {
    uint8_t tmp[SCORE_BYTES_MAX];
    return score_put(tmp, s);
}

/* An entry's size at most (any score). */
static inline uint64_t pk_size(struct kv_slice m) {
    return SCORE_BYTES_MAX + kv_varint_len(m.len) + (uint64_t)m.len;
}

static uint32_t pk_read(const uint8_t *p, double *score, struct kv_slice *m) {
    uint32_t k = score_get(p, score);
    uint32_t len, n = kv_varint_get(p + k, &len);
    *m = (struct kv_slice){p + k + n, len};
    return k + n + len;
}

static uint32_t pk_write(uint8_t *p, double score, struct kv_slice m) {
    uint32_t k = score_put(p, score);
    uint32_t n = kv_varint_put(p + k, m.len);
    if (m.len > 0) memcpy(p + k + n, m.ptr, m.len);
    return k + n + m.len;
}

/* Offset of member, or -1; *size and *score get its entry's. */
static int64_t pk_find(const uint8_t *b, uint32_t used, struct kv_slice m, uint32_t *size,
                       double *score) {
    uint32_t off = 0;
    while (off < used) {  /* each entry takes >= 9 bytes */
        struct kv_slice em;
        double s;
        uint32_t n = pk_read(b + off, &s, &em);
        if (slice_eq(em, m)) {
            *size = n;
            *score = s;
            return off;
        }
        off += n;
    }
    KV_ASSERT(off == used);
    return -1;
}

/* Offset of the first entry after (score, m), and its rank. */
static uint32_t pk_place(const uint8_t *b, uint32_t used, double score, struct kv_slice m,
                         uint64_t *rank) {
    uint32_t off = 0;
    uint64_t r = 0;
    while (off < used) {
        struct kv_slice em;
        double s;
        uint32_t n = pk_read(b + off, &s, &em);
        if (cmp_entry(s, em, score, m) > 0) break;
        off += n;
        r++;
    }
    *rank = r;
    return off;
}

static void pk_delete(struct kv_zset_head *h, uint8_t *b, uint32_t off, uint32_t size) {
    KV_ASSERT(off + size <= h->used);
    memmove(b + off, b + off + size, h->used - off - size);
    h->used -= size;
}

static void pk_insert(struct kv_zset_head *h, uint8_t *b, double score, struct kv_slice m) {
    uint64_t rank;
    uint32_t off = pk_place(b, h->used, score, m, &rank);
    uint32_t size = score_len(score) + kv_varint_len(m.len) + m.len;
    KV_ASSERT(h->used + size <= kv_alloc_usable(b));
    memmove(b + off + size, b + off, h->used - off);
    (void)pk_write(b + off, score, m);
    h->used += size;
}

/* ---- skiplist nodes ------------------------------------------------------------ */

static inline uint32_t nd_back(const uint8_t *n) { return rd32(n + 8); }
static inline uint32_t nd_level(const uint8_t *n) { return n[12]; }
static inline uint32_t nd_next(const uint8_t *n, uint32_t i) { return rd32(n + 16 + 8 * i); }
static inline uint32_t nd_span(const uint8_t *n, uint32_t i) { return rd32(n + 20 + 8 * i); }
static inline void nd_set_next(uint8_t *n, uint32_t i, uint32_t r) { wr32(n + 16 + 8 * i, r); }
static inline void nd_set_span(uint8_t *n, uint32_t i, uint32_t s) { wr32(n + 20 + 8 * i, s); }

static inline struct kv_slice nd_member(const uint8_t *n) {
    uint32_t len, k = kv_varint_get(n + NODE_FIXED + 8 * nd_level(n), &len);
    return (struct kv_slice){n + NODE_FIXED + 8 * nd_level(n) + k, len};
}

static uint32_t level_of(const struct kv_zset_env *e, struct kv_slice m) {
    uint64_t r = XXH3_64bits_withSeed(m.ptr, m.len, e->seed ^ LEVEL_SEED);
    uint32_t level = 1;
    while ((r & 3) == 0 && level < KV_ZSET_LEVEL_MAX) {  /* p = 1/4 */
        level++;
        r >>= 2;
    }
    return level;
}

static inline uint64_t node_size(uint32_t level, struct kv_slice m) {
    return NODE_FIXED + 8ull * level + kv_varint_len(m.len) + m.len;
}

static uint32_t node_new(const struct kv_zset_env *e, struct kv_slice m, double score) {
    uint32_t level = level_of(e, m);
    uint8_t *n = must_alloc(e->a, node_size(level, m));
    memset(n, 0, NODE_FIXED + 8ull * level);
    wrf(n, score);
    n[12] = (uint8_t)level;
    uint32_t k = kv_varint_put(n + NODE_FIXED + 8 * level, m.len);
    if (m.len > 0) memcpy(n + NODE_FIXED + 8 * level + k, m.ptr, m.len);
    return kv_alloc_ref(e->a, n);
}

static inline uint64_t header_size(void) { return NODE_FIXED + 8ull * KV_ZSET_LEVEL_MAX + 1; }

/* ---- member index -------------------------------------------------------------- */

static inline uint64_t member_hash(const struct kv_zset_env *e, struct kv_slice m) {
    return XXH3_64bits_withSeed(m.ptr, m.len, e->seed);
}

static uint32_t slots_for(uint64_t count) {
    uint32_t s = TABLE_MIN;
    while (s < TABLE_MAX && count * 4 > (uint64_t)s * 3) s *= 2;
    return s;
}

/* Slot holding member's node, or -1. */
static int64_t ix_find(const struct kv_zset_env *e, const struct kv_zset_head *h,
                       struct kv_slice m) {
    const uint32_t *s = (const uint32_t *)(const void *)blk(e->a, h->index);
    uint32_t mask = h->slots - 1;
    uint64_t i = member_hash(e, m) & mask;
    for (uint32_t n = 0; n < h->slots; n++, i = (i + 1) & mask) {
        if (s[i] == 0) return -1;
        if (slice_eq(nd_member(blk(e->a, s[i])), m)) return (int64_t)i;
    }
    return -1;
}

static void ix_put(const struct kv_zset_env *e, uint32_t *s, uint32_t slots, uint32_t ref) {
    uint32_t mask = slots - 1;
    uint64_t i = member_hash(e, nd_member(blk(e->a, ref))) & mask;
    for (uint32_t n = 0; n < slots; n++, i = (i + 1) & mask) {
        if (s[i] == 0) {
            s[i] = ref;
            return;
        }
    }
    KV_UNREACHABLE();
}

static void ix_del(const struct kv_zset_env *e, uint32_t *s, uint32_t slots, uint64_t i) {
    uint32_t mask = slots - 1;
    s[i] = 0;
    uint64_t j = i;
    for (uint32_t n = 0; n < slots; n++) {
        j = (j + 1) & mask;
        if (s[j] == 0) return;
        uint64_t k = member_hash(e, nd_member(blk(e->a, s[j]))) & mask;
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        s[i] = s[j];
        s[j] = 0;
        i = j;
    }
}

/* Moves the index into a new array of `slots`; false (unchanged) if no block. */
static bool ix_resize(const struct kv_zset_env *e, struct kv_zset_head *h, uint32_t slots) {
    KV_ASSERT(h->count * 4 <= (uint64_t)slots * 3);
    uint32_t *ns = kv_alloc_alloc(e->a, (uint64_t)slots * 4);
    if (ns == NULL) return false;
    memset(ns, 0, (uint64_t)slots * 4);
    uint32_t *os = (uint32_t *)(void *)blk(e->a, h->index);
    for (uint32_t i = 0; i < h->slots; i++) {
        if (os[i] != 0) ix_put(e, ns, slots, os[i]);
    }
    kv_alloc_free(e->a, os);
    h->index = kv_alloc_ref(e->a, ns);
    h->slots = slots;
    return true;
}

/* ---- skiplist ------------------------------------------------------------------ */

/* Predecessors of (score, m) at every level, and their ranks. */
static void sl_path(const struct kv_zset_env *e, const struct kv_zset_head *h, double score,
                    struct kv_slice m, uint32_t *update, uint64_t *rank) {
    uint32_t x = h->root;
    for (int32_t i = (int32_t)h->level - 1; i >= 0; i--) {
        rank[i] = i == (int32_t)h->level - 1 ? 0 : rank[i + 1];
        for (uint64_t n = 0; n <= h->count; n++) {  /* each step passes a node */
            const uint8_t *xn = blk(e->a, x);
            uint32_t nx = nd_next(xn, (uint32_t)i);
            if (nx == 0) break;
            const uint8_t *nn = blk(e->a, nx);
            if (cmp_entry(rdf(nn), nd_member(nn), score, m) >= 0) break;
            rank[i] += nd_span(xn, (uint32_t)i);
            x = nx;
        }
        update[i] = x;
    }
}

static void sl_link(const struct kv_zset_env *e, struct kv_zset_head *h, uint32_t ref) {
    uint32_t update[KV_ZSET_LEVEL_MAX];
    uint64_t rank[KV_ZSET_LEVEL_MAX];
    uint8_t *x = blk(e->a, ref);
    sl_path(e, h, rdf(x), nd_member(x), update, rank);
    uint32_t level = nd_level(x);
    uint8_t *hd = blk(e->a, h->root);
    for (uint32_t i = h->level; i < level; i++) {
        rank[i] = 0;
        update[i] = h->root;
        nd_set_span(hd, i, (uint32_t)h->count);
    }
    if (level > h->level) h->level = (uint8_t)level;
    for (uint32_t i = 0; i < level; i++) {
        uint8_t *u = blk(e->a, update[i]);
        nd_set_next(x, i, nd_next(u, i));
        nd_set_next(u, i, ref);
        nd_set_span(x, i, nd_span(u, i) - (uint32_t)(rank[0] - rank[i]));
        nd_set_span(u, i, (uint32_t)(rank[0] - rank[i]) + 1);
    }
    for (uint32_t i = level; i < h->level; i++) {
        uint8_t *u = blk(e->a, update[i]);
        nd_set_span(u, i, nd_span(u, i) + 1);
    }
    wr32(x + 8, update[0] == h->root ? 0 : update[0]);
    uint32_t nx = nd_next(x, 0);
    if (nx != 0) wr32(blk(e->a, nx) + 8, ref);
    else h->tail = ref;
    h->count++;
}

static void sl_unlink(const struct kv_zset_env *e, struct kv_zset_head *h, uint32_t ref) {
    uint32_t update[KV_ZSET_LEVEL_MAX];
    uint64_t rank[KV_ZSET_LEVEL_MAX];
    uint8_t *x = blk(e->a, ref);
    sl_path(e, h, rdf(x), nd_member(x), update, rank);
    KV_ASSERT(nd_next(blk(e->a, update[0]), 0) == ref);
    for (uint32_t i = 0; i < h->level; i++) {
        uint8_t *u = blk(e->a, update[i]);
        if (nd_next(u, i) == ref) {
            nd_set_span(u, i, nd_span(u, i) + nd_span(x, i) - 1);
            nd_set_next(u, i, nd_next(x, i));
        } else {
            nd_set_span(u, i, nd_span(u, i) - 1);
        }
    }
    uint32_t nx = nd_next(x, 0);
    if (nx != 0) wr32(blk(e->a, nx) + 8, nd_back(x));
    else h->tail = nd_back(x);
    const uint8_t *hd = blk(e->a, h->root);
    while (h->level > 1 && nd_next(hd, h->level - 1u) == 0) h->level--;
    h->count--;
}

/* The node at 0-based rank r. */
static uint32_t sl_at(const struct kv_zset_env *e, const struct kv_zset_head *h, uint64_t r) {
    KV_ASSERT(r < h->count);
    uint64_t traversed = 0;
    uint32_t x = h->root;
    for (int32_t i = (int32_t)h->level - 1; i >= 0; i--) {
        for (uint64_t n = 0; n <= h->count; n++) {
            const uint8_t *xn = blk(e->a, x);
            uint32_t nx = nd_next(xn, (uint32_t)i);
            if (nx == 0 || traversed + nd_span(xn, (uint32_t)i) > r + 1) break;
            traversed += nd_span(xn, (uint32_t)i);
            x = nx;
        }
        if (traversed == r + 1) return x;
    }
    KV_UNREACHABLE();
}

/* ---- lifecycle ----------------------------------------------------------------- */

void kv_zset_init(struct kv_zset_head *h) {
    KV_ASSERT(h != NULL);
    memset(h, 0, sizeof(*h));
    h->enc = KV_ZSET_PACKED;
}

const char *kv_zset_encoding(const struct kv_zset_head *h) {
    KV_ASSERT(h->enc == KV_ZSET_PACKED || h->enc == KV_ZSET_SKIPLIST);
    return h->enc == KV_ZSET_PACKED ? "listpack" : "skiplist";
}

void kv_zset_release(struct kv_alloc *a, struct kv_zset_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    if (h->root != 0 && h->enc == KV_ZSET_SKIPLIST) {
        uint32_t x = nd_next(blk(a, h->root), 0);
        for (uint64_t n = 0; x != 0 && n < h->count; n++) {
            uint32_t nx = nd_next(blk(a, x), 0);
            kv_alloc_free(a, blk(a, x));
            x = nx;
        }
        kv_alloc_free(a, blk(a, h->index));
    }
    if (h->root != 0) kv_alloc_free(a, blk(a, h->root));
    kv_zset_init(h);
}

uint64_t kv_zset_memory(const struct kv_alloc *a, const struct kv_zset_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    if (h->root == 0) return 0;
    uint64_t bytes = kv_alloc_block_bytes(blk(a, h->root));
    if (h->enc == KV_ZSET_PACKED) return bytes;
    bytes += kv_alloc_block_bytes(blk(a, h->index));
    uint32_t x = nd_next(blk(a, h->root), 0);
    for (uint64_t n = 0; x != 0 && n < h->count; n++) {
        bytes += kv_alloc_block_bytes(blk(a, x));
        x = nd_next(blk(a, x), 0);
    }
    return bytes;
}

uint64_t kv_zset_blocks(const struct kv_zset_head *h) {
    if (h->root == 0) return 0;
    return h->enc == KV_ZSET_PACKED ? 1 : 2 + h->count;
}

/* ---- lookups ------------------------------------------------------------------- */

bool kv_zset_score(const struct kv_zset_env *e, const struct kv_zset_head *h,
                   struct kv_slice member, double *score) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->count == 0) return false;
    if (h->enc == KV_ZSET_PACKED) {
        uint32_t size;
        return pk_find(blk(e->a, h->root), h->used, member, &size, score) >= 0;
    }
    int64_t slot = ix_find(e, h, member);
    if (slot < 0) return false;
    const uint32_t *s = (const uint32_t *)(const void *)blk(e->a, h->index);
    *score = rdf(blk(e->a, s[slot]));
    return true;
}

uint64_t kv_zset_rank(const struct kv_zset_env *e, const struct kv_zset_head *h,
                      struct kv_slice member, double score) {
    KV_ASSERT(h->count > 0);
    if (h->enc == KV_ZSET_PACKED) {
        uint64_t rank;
        (void)pk_place(blk(e->a, h->root), h->used, score, member, &rank);
        KV_ASSERT(rank >= 1);
        return rank - 1;
    }
    uint32_t update[KV_ZSET_LEVEL_MAX];
    uint64_t rank[KV_ZSET_LEVEL_MAX];
    sl_path(e, h, score, member, update, rank);
    KV_ASSERT(rank[0] < h->count);
    return rank[0];
}

/* A count's bound: by score (x) or by member (m); incl counts entries equal to it. */
struct count_bound {
    bool lex;
    bool incl;
    double x;
    struct kv_slice m;
};

/* True once the entry (s, m) is past the bound: the counting walks stop there. */
static bool past_bound(const struct count_bound *cb, double s, struct kv_slice m) {
    if (!cb->lex) return cb->incl ? s > cb->x : s >= cb->x;
    int c = kv_zset_cmp_member(m, cb->m);
    return cb->incl ? c > 0 : c >= 0;
}

/* Entries before the bound, in order: the packed block walked, or the skip list
 * descended by its spans (each level's walk bounded by the count). */
static uint64_t count_before(const struct kv_zset_env *e, const struct kv_zset_head *h,
                             const struct count_bound *cb) {
    KV_ASSERT(e != NULL && h != NULL && cb != NULL);
    if (h->count == 0) return 0;
    if (h->enc == KV_ZSET_PACKED) {
        const uint8_t *b = blk(e->a, h->root);
        uint32_t off = 0;
        uint64_t r = 0;
        while (off < h->used) {
            struct kv_slice m;
            double s;
            uint32_t n = pk_read(b + off, &s, &m);
            if (past_bound(cb, s, m)) break;
            off += n;
            r++;
        }
        KV_ASSERT(r <= h->count);
        return r;
    }
    uint64_t rank = 0;
    uint32_t p = h->root;
    for (int32_t i = (int32_t)h->level - 1; i >= 0; i--) {
        for (uint64_t n = 0; n <= h->count; n++) {
            const uint8_t *pn = blk(e->a, p);
            uint32_t nx = nd_next(pn, (uint32_t)i);
            if (nx == 0) break;
            const uint8_t *nn = blk(e->a, nx);
            if (past_bound(cb, cb->lex ? 0 : rdf(nn), cb->lex ? nd_member(nn) : cb->m)) break;
            rank += nd_span(pn, (uint32_t)i);
            p = nx;
        }
    }
    KV_ASSERT(rank <= h->count);
    return rank;
}

uint64_t kv_zset_count_score(const struct kv_zset_env *e, const struct kv_zset_head *h,
                             double x, bool incl) {
    const struct count_bound cb = {false, incl, x, {NULL, 0}};
    return count_before(e, h, &cb);
}

uint64_t kv_zset_count_lex(const struct kv_zset_env *e, const struct kv_zset_head *h,
                           struct kv_slice m, bool incl) {
    const struct count_bound cb = {true, incl, 0, m};
    return count_before(e, h, &cb);
}

uint64_t kv_zset_last_lex(const struct kv_zset_env *e, const struct kv_zset_head *h,
                          struct kv_slice m, bool incl) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->count == 0 || h->enc == KV_ZSET_SKIPLIST) return kv_zset_count_lex(e, h, m, incl);
    const uint8_t *b = blk(e->a, h->root);
    uint32_t off = 0;
    uint64_t r = 0, last = 0;
    while (off < h->used) {
        struct kv_slice em;
        double s;
        off += pk_read(b + off, &s, &em);
        int c = kv_zset_cmp_member(em, m);
        r++;
        if (incl ? c <= 0 : c < 0) last = r;
    }
    KV_ASSERT(last <= h->count);
    return last;
}

/* ---- iteration ----------------------------------------------------------------- */

void kv_zset_iter_at(struct kv_zset_iter *it, const struct kv_alloc *a,
                     const struct kv_zset_head *h, uint64_t rank) {
    KV_ASSERT(rank < h->count);
    it->a = a;
    it->h = h;
    it->rank = rank;
    if (h->enc == KV_ZSET_SKIPLIST) {
        struct kv_zset_env e = {(struct kv_alloc *)(uintptr_t)a, 0, 0, 0};
        it->pos = rank == h->count - 1 ? h->tail : sl_at(&e, h, rank);
        return;
    }
    const uint8_t *b = blk(a, h->root);
    uint32_t off = 0;
    for (uint64_t i = 0; i < rank; i++) {
        struct kv_slice m;
        double s;
        off += pk_read(b + off, &s, &m);
    }
    it->pos = off;
}

void kv_zset_iter_get(const struct kv_zset_iter *it, struct kv_slice *member, double *score) {
    KV_ASSERT(it->rank < it->h->count);
    if (it->h->enc == KV_ZSET_PACKED) {
        (void)pk_read(blk(it->a, it->h->root) + it->pos, score, member);
        return;
    }
    const uint8_t *n = blk(it->a, it->pos);
    *score = rdf(n);
    *member = nd_member(n);
}

bool kv_zset_iter_next(struct kv_zset_iter *it) {
    if (it->rank + 1 >= it->h->count) return false;
    if (it->h->enc == KV_ZSET_PACKED) {
        struct kv_slice m;
        double s;
        it->pos += pk_read(blk(it->a, it->h->root) + it->pos, &s, &m);
    } else {
        it->pos = nd_next(blk(it->a, it->pos), 0);
        KV_ASSERT(it->pos != 0);
    }
    it->rank++;
    return true;
}

bool kv_zset_iter_prev(struct kv_zset_iter *it) {
    if (it->rank == 0) return false;
    if (it->h->enc == KV_ZSET_PACKED) {
        kv_zset_iter_at(it, it->a, it->h, it->rank - 1);  /* a scan from the start */
        return true;
    }
    it->pos = nd_back(blk(it->a, it->pos));
    KV_ASSERT(it->pos != 0);
    it->rank--;
    return true;
}

/* ---- scanning ------------------------------------------------------------------ */

/* Visits the members whose home is `home` (all in the probe run from it). */
static uint64_t scan_home(const struct kv_zset_env *e, const struct kv_zset_head *h,
                          uint64_t home, kv_zset_visit_fn visit, void *ctx) {
    const uint32_t *s = (const uint32_t *)(const void *)blk(e->a, h->index);
    uint32_t mask = h->slots - 1;
    uint64_t i = home, seen = 0;
    for (uint32_t n = 0; n < h->slots && s[i] != 0; n++, i = (i + 1) & mask) {
        const uint8_t *node = blk(e->a, s[i]);
        struct kv_slice m = nd_member(node);
        if ((member_hash(e, m) & mask) != home) continue;
        visit(ctx, m, rdf(node));
        seen++;
    }
    KV_ASSERT(seen <= h->count);
    return seen;
}

uint64_t kv_zset_scan(const struct kv_zset_env *e, const struct kv_zset_head *h,
                      uint64_t cursor, uint64_t want, kv_zset_visit_fn visit, void *ctx) {
    KV_ASSERT(e != NULL && h != NULL && want > 0);
    if (h->count == 0) return 0;
    if (h->enc == KV_ZSET_PACKED) {
        struct kv_zset_iter it;
        kv_zset_iter_at(&it, e->a, h, 0);
        do {
            struct kv_slice m;
            double s;
            kv_zset_iter_get(&it, &m, &s);
            visit(ctx, m, s);
        } while (kv_zset_iter_next(&it));  /* count steps */
        return 0;
    }
    uint64_t mask = h->slots - 1, v = cursor, seen = 0;
    uint64_t homes = want > UINT64_MAX / 10 ? UINT64_MAX : want * 10;  /* like Redis */
    for (uint64_t k = 0; k < homes && seen < want; k++) {
        seen += scan_home(e, h, v & mask, visit, ctx);
        v = kv_scan_cursor_next(v, mask);
        if (v == 0) break;
    }
    return v;
}

/* ---- growing ------------------------------------------------------------------- */

static bool too_long(const struct kv_zset_env *e, struct kv_slice m) {
    return m.len > e->packed_value;
}

/* Bytes a skiplist of h's members plus these may take (header, index, nodes). */
static uint64_t skiplist_room(const struct kv_zset_env *e, const struct kv_zset_head *h,
                              const struct kv_slice *args, uint32_t stride, uint32_t n) {
    uint64_t need = charge(header_size()) + 2 * charge((uint64_t)slots_for(h->count + n) * 4);
    if (h->count > 0) {
        struct kv_zset_iter it;
        kv_zset_iter_at(&it, e->a, h, 0);
        do {
            struct kv_slice m;
            double s;
            kv_zset_iter_get(&it, &m, &s);
            need += charge(node_size(level_of(e, m), m));
        } while (kv_zset_iter_next(&it));
    }
    for (uint32_t i = 0; i < n; i++)
        need += charge(node_size(level_of(e, args[i * stride]), args[i * stride]));
    return need;
}

uint64_t kv_zset_room(const struct kv_zset_env *e, const struct kv_zset_head *h,
                      const struct kv_slice *args, uint32_t stride, uint32_t n) {
    KV_ASSERT(e != NULL && h != NULL && stride >= 1);
    if (n == 0) return 0;
    if (h->enc == KV_ZSET_SKIPLIST) {
        uint64_t need = 0;
        for (uint32_t i = 0; i < n; i++)
            need += charge(node_size(level_of(e, args[i * stride]), args[i * stride]));
        if (slots_for(h->count + n) > h->slots)  /* doublings: at most twice the last */
            need += 2 * charge((uint64_t)slots_for(h->count + n) * 4);
        return need;
    }
    bool converts = h->count + n > e->packed_entries;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        converts = converts || too_long(e, args[i * stride]);
        sum += pk_size(args[i * stride]);
    }
    uint64_t need = charge(h->used + sum);  /* the grown packed block (a move) */
    if (converts) need += skiplist_room(e, h, args, stride, n);
    return need;
}

void kv_zset_reserve(const struct kv_zset_env *e, struct kv_zset_head *h,
                     const struct kv_slice *args, uint32_t stride, uint32_t n) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->enc != KV_ZSET_PACKED || n == 0) return;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += pk_size(args[i * stride]);
    uint8_t *b = kv_alloc_realloc(e->a, h->root != 0 ? blk(e->a, h->root) : NULL,
                                  KV_MAX(h->used + sum, 1));
    KV_ASSERT(b != NULL);  /* the caller's room check */
    h->root = kv_alloc_ref(e->a, b);
}

uint64_t kv_zset_build_room(uint64_t n, uint64_t packed) {
    return charge(packed) + charge(header_size()) + 2 * charge((uint64_t)slots_for(n) * 4);
}

uint64_t kv_zset_member_room(const struct kv_zset_env *e, struct kv_slice m) {
    return charge(node_size(level_of(e, m), m));
}

uint64_t kv_zset_packed_size(struct kv_slice m) { return pk_size(m); }

void kv_zset_reserve_bytes(const struct kv_zset_env *e, struct kv_zset_head *h, uint64_t bytes) {
    KV_ASSERT(e != NULL && h != NULL && h->enc == KV_ZSET_PACKED);
    uint8_t *b = kv_alloc_realloc(e->a, h->root != 0 ? blk(e->a, h->root) : NULL,
                                  KV_MAX(h->used + bytes, 1));
    KV_ASSERT(b != NULL);  /* the caller's room check */
    h->root = kv_alloc_ref(e->a, b);
}

void kv_zset_trim(const struct kv_zset_env *e, struct kv_zset_head *h) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->enc != KV_ZSET_PACKED || h->root == 0) return;
    if (h->count == 0) {
        kv_zset_release(e->a, h);
        return;
    }
    uint8_t *b = kv_alloc_realloc(e->a, blk(e->a, h->root), h->used);  /* never fails */
    KV_ASSERT(b != NULL && h->used <= kv_alloc_usable(b));
    h->root = kv_alloc_ref(e->a, b);
}

/* An empty skiplist head with an index of `slots` (blocks from the reservation). */
static void sl_new(const struct kv_zset_env *e, struct kv_zset_head *t, uint32_t slots) {
    kv_zset_init(t);
    t->enc = KV_ZSET_SKIPLIST;
    t->level = 1;
    uint8_t *hd = must_alloc(e->a, header_size());
    memset(hd, 0, header_size());
    hd[12] = KV_ZSET_LEVEL_MAX;
    t->root = kv_alloc_ref(e->a, hd);
    t->slots = slots;
    uint32_t *s = must_alloc(e->a, (uint64_t)slots * 4);
    memset(s, 0, (uint64_t)slots * 4);
    t->index = kv_alloc_ref(e->a, s);
}

/* A new node for (m, score) into skiplist t, which must not hold m. */
static void sl_add(const struct kv_zset_env *e, struct kv_zset_head *t, struct kv_slice m,
                   double score) {
    KV_ASSERT((t->count + 1) * 4 <= (uint64_t)t->slots * 3);
    uint32_t ref = node_new(e, m, score);
    sl_link(e, t, ref);
    ix_put(e, (uint32_t *)(void *)blk(e->a, t->index), t->slots, ref);
    t->bytes += m.len;
}

void kv_zset_init_skiplist(const struct kv_zset_env *e, struct kv_zset_head *h, uint64_t n) {
    KV_ASSERT(h->count == 0 && h->root == 0);
    sl_new(e, h, slots_for(n));
    KV_ASSERT(h->enc == KV_ZSET_SKIPLIST);
}

/* Rebuilds a packed set as a skiplist (every block from the reservation). */
static void to_skiplist(const struct kv_zset_env *e, struct kv_zset_head *h) {
    KV_ASSERT(h->enc == KV_ZSET_PACKED);
    struct kv_zset_head t;
    sl_new(e, &t, slots_for(h->count + 1));
    const uint8_t *b = blk(e->a, h->root);
    for (uint32_t off = 0; off < h->used;) {  /* each entry takes >= 9 bytes */
        struct kv_slice m;
        double sc;
        off += pk_read(b + off, &sc, &m);
        sl_add(e, &t, m, sc);
    }
    KV_ASSERT(t.count == h->count && t.bytes == h->bytes);
    kv_alloc_free(e->a, blk(e->a, h->root));
    *h = t;
}

static bool put_packed(const struct kv_zset_env *e, struct kv_zset_head *h,
                       struct kv_slice member, double score) {
    uint8_t *b = blk(e->a, h->root);
    uint32_t size;
    double old;
    int64_t at = pk_find(b, h->used, member, &size, &old);
    if (at >= 0) {
        if (old == score) return false;  /* -0 stays -0, as in Redis */
        pk_delete(h, b, (uint32_t)at, size);
        pk_insert(h, b, score, member);
        return false;
    }
    pk_insert(h, b, score, member);
    h->count++;
    h->bytes += member.len;
    return true;
}

bool kv_zset_put(const struct kv_zset_env *e, struct kv_zset_head *h, struct kv_slice member,
                 double score) {
    KV_ASSERT(e != NULL && h != NULL && !isnan(score));
    if (h->enc == KV_ZSET_PACKED) {
        double old;
        bool present = h->count > 0 && kv_zset_score(e, h, member, &old);
        if (present || (h->count + 1 <= e->packed_entries && !too_long(e, member))) {
            KV_ASSERT(h->root != 0);  /* kv_zset_reserve grew it */
            /* Redis's listpack keeps a score as d2string's text: -0 reads back as 0 */
            return put_packed(e, h, member, score == 0 ? 0.0 : score);
        }
        to_skiplist(e, h);
    }
    int64_t slot = ix_find(e, h, member);
    if (slot >= 0) {
        uint32_t ref = ((const uint32_t *)(const void *)blk(e->a, h->index))[slot];
        if (rdf(blk(e->a, ref)) == score) return false;  /* -0 stays -0, as in Redis */
        sl_unlink(e, h, ref);
        wrf(blk(e->a, ref), score);
        sl_link(e, h, ref);
        return false;
    }
    if (slots_for(h->count + 1) > h->slots) {
        bool ok = ix_resize(e, h, slots_for(h->count + 1));
        KV_ASSERT(ok);  /* the caller's room check */
    }
    sl_add(e, h, member, score);
    return true;
}

/* ---- copying ------------------------------------------------------------------- */

uint64_t kv_zset_copy_room(const struct kv_zset_env *e, const struct kv_zset_head *h) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->count == 0) return 0;
    if (h->enc == KV_ZSET_PACKED) return charge(h->used);
    return skiplist_room(e, h, NULL, 1, 0);
}

bool kv_zset_copy(const struct kv_zset_env *e, struct kv_zset_head *dst,
                  const struct kv_zset_head *src) {
    KV_ASSERT(dst->count == 0 && dst->root == 0);
    if (src->count == 0) return true;
    if (!kv_alloc_can_alloc(e->a, kv_zset_copy_room(e, src))) return false;
    if (src->enc == KV_ZSET_PACKED) {
        uint8_t *b = must_alloc(e->a, src->used);
        memcpy(b, blk(e->a, src->root), src->used);
        *dst = *src;
        dst->root = kv_alloc_ref(e->a, b);
        return true;
    }
    struct kv_zset_iter it;
    sl_new(e, dst, slots_for(src->count));
    kv_zset_iter_at(&it, e->a, src, 0);
    do {
        struct kv_slice m;
        double s;
        kv_zset_iter_get(&it, &m, &s);
        sl_add(e, dst, m, s);
    } while (kv_zset_iter_next(&it));
    KV_ASSERT(dst->count == src->count && dst->bytes == src->bytes);
    return true;
}

/* ---- removing ------------------------------------------------------------------ */

static void sl_drop(const struct kv_zset_env *e, struct kv_zset_head *h, uint32_t ref) {
    struct kv_slice m = nd_member(blk(e->a, ref));
    int64_t slot = ix_find(e, h, m);
    KV_ASSERT(slot >= 0);
    h->bytes -= m.len;
    sl_unlink(e, h, ref);
    ix_del(e, (uint32_t *)(void *)blk(e->a, h->index), h->slots, (uint64_t)slot);
    kv_alloc_free(e->a, blk(e->a, ref));
}

/* After removals: release an empty set, shrink a sparse index or packed block. */
static void settle(const struct kv_zset_env *e, struct kv_zset_head *h) {
    if (h->count == 0) {
        KV_ASSERT(h->bytes == 0);
        kv_zset_release(e->a, h);
        return;
    }
    if (h->enc == KV_ZSET_PACKED) {
        kv_zset_trim(e, h);
        return;
    }
    if (h->slots > TABLE_MIN && h->count * 10 < h->slots)
        (void)ix_resize(e, h, slots_for(h->count));  /* best effort */
}

bool kv_zset_remove(const struct kv_zset_env *e, struct kv_zset_head *h,
                    struct kv_slice member) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->count == 0) return false;
    if (h->enc == KV_ZSET_PACKED) {
        uint8_t *b = blk(e->a, h->root);
        uint32_t size;
        double s;
        int64_t at = pk_find(b, h->used, member, &size, &s);
        if (at < 0) return false;
        pk_delete(h, b, (uint32_t)at, size);
        h->count--;
        h->bytes -= member.len;
    } else {
        int64_t slot = ix_find(e, h, member);
        if (slot < 0) return false;
        sl_drop(e, h, ((const uint32_t *)(const void *)blk(e->a, h->index))[slot]);
    }
    settle(e, h);
    return true;
}

void kv_zset_remove_ranks(const struct kv_zset_env *e, struct kv_zset_head *h,
                          uint64_t start, uint64_t n) {
    KV_ASSERT(n >= 1 && start + n <= h->count);
    if (h->enc == KV_ZSET_PACKED) {
        struct kv_zset_iter it;
        kv_zset_iter_at(&it, e->a, h, start);
        uint8_t *b = blk(e->a, h->root);
        uint32_t off = it.pos, end = off;
        for (uint64_t i = 0; i < n; i++) {
            struct kv_slice m;
            double s;
            end += pk_read(b + end, &s, &m);
            h->bytes -= m.len;
        }
        pk_delete(h, b, off, end - off);
        h->count -= n;
    } else {
        uint32_t x = sl_at(e, h, start);
        for (uint64_t i = 0; i < n; i++) {
            uint32_t nx = nd_next(blk(e->a, x), 0);
            sl_drop(e, h, x);
            x = nx;
        }
    }
    settle(e, h);
}

/* ---- checking ------------------------------------------------------------------ */

static void check_packed(const struct kv_zset_head *h, const uint8_t *b) {
    KV_ASSERT(h->used <= kv_alloc_usable(b));
    uint32_t off = 0;
    uint64_t count = 0, bytes = 0;
    double ps = 0;
    struct kv_slice pm = {NULL, 0};
    while (off < h->used && count < h->count) {
        struct kv_slice m;
        double s;
        off += pk_read(b + off, &s, &m);
        KV_ASSERT(!isnan(s));
        KV_ASSERT(count == 0 || cmp_entry(ps, pm, s, m) < 0);
        ps = s;
        pm = m;
        count++;
        bytes += m.len;
    }
    KV_ASSERT(off == h->used && count == h->count && bytes == h->bytes);
}

/* Level i's links skip exactly their spans (ranks counted on level 0). */
static void check_level(const struct kv_zset_env *e, const struct kv_zset_head *h, uint32_t i) {
    uint32_t x = h->root;
    uint64_t rank = 0;  /* the header's */
    for (uint64_t n = 0; n <= h->count; n++) {
        const uint8_t *xn = blk(e->a, x);
        uint32_t nx = nd_next(xn, i);
        if (nx == 0) return;
        uint64_t to = rank + nd_span(xn, i);
        KV_ASSERT(to <= h->count && sl_at(e, h, to - 1) == nx && nd_level(blk(e->a, nx)) > i);
        rank = to;
        x = nx;
    }
    KV_UNREACHABLE();
}

static void check_skiplist(const struct kv_zset_env *e, const struct kv_zset_head *h) {
    const uint8_t *hd = blk(e->a, h->root);
    KV_ASSERT(nd_level(hd) == KV_ZSET_LEVEL_MAX && h->level >= 1);
    KV_ASSERT(h->level == 1 || nd_next(hd, h->level - 1u) != 0);
    KV_ASSERT(h->slots >= TABLE_MIN && (h->slots & (h->slots - 1)) == 0);
    KV_ASSERT(h->count * 4 <= (uint64_t)h->slots * 3);
    uint64_t count = 0, bytes = 0;
    uint32_t prev = 0, x = nd_next(hd, 0);
    for (; x != 0 && count <= h->count; x = nd_next(blk(e->a, x), 0)) {
        const uint8_t *n = blk(e->a, x);
        struct kv_slice m = nd_member(n);
        KV_ASSERT(!isnan(rdf(n)) && nd_back(n) == prev && nd_level(n) == level_of(e, m));
        KV_ASSERT(nd_level(n) <= h->level);
        if (prev != 0) {
            const uint8_t *p = blk(e->a, prev);
            KV_ASSERT(cmp_entry(rdf(p), nd_member(p), rdf(n), m) < 0);
        }
        int64_t slot = ix_find(e, h, m);
        KV_ASSERT(slot >= 0 && ((const uint32_t *)(const void *)blk(e->a, h->index))[slot] == x);
        prev = x;
        count++;
        bytes += m.len;
    }
    KV_ASSERT(count == h->count && bytes == h->bytes && h->tail == prev);
    uint64_t used = 0;
    const uint32_t *s = (const uint32_t *)(const void *)blk(e->a, h->index);
    for (uint32_t i = 0; i < h->slots; i++) used += s[i] != 0 ? 1 : 0;
    KV_ASSERT(used == h->count);
    for (uint32_t i = 0; i < h->level; i++) check_level(e, h, i);
}

void kv_zset_check(const struct kv_zset_env *e, const struct kv_zset_head *h) {
    KV_ASSERT(e != NULL && h != NULL);
    KV_ASSERT(h->enc == KV_ZSET_PACKED || h->enc == KV_ZSET_SKIPLIST);
    if (h->count == 0) {
        KV_ASSERT(h->root == 0 && h->bytes == 0 && h->enc == KV_ZSET_PACKED);
        return;
    }
    KV_ASSERT(h->root != 0);
    if (h->enc == KV_ZSET_PACKED) check_packed(h, blk(e->a, h->root));
    else check_skiplist(e, h);
}

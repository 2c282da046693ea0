/*
 * stream_cg.c: a stream's consumer groups and their consumers in the data region
 * (include/kv/stream.h, "consumer groups").
 *
 * Memory: owns each stream's groups block (a kv_alloc block, ref in the head's
 * `groups`; 0 while the stream never had a group). Layout, every record a multiple
 * of 8 bytes, fields little-endian, read with memcpy (blocks are 4-byte aligned):
 *   block header (8): u32 ngroups, u32 used (bytes in use, header included)
 *   group record: u32 size (record bytes, its consumers and pending entries
 *     included), u32 name_len, u32 nconsumers, u32 npending, u64 last.ms,
 *     u64 last.seq, i64 entries_read (-1: unknown), the name padded to 8, then its
 *     consumer records, then its pending entries (none yet: XREADGROUP is not here)
 *   consumer record: u32 size, u32 name_len, i64 seen_time (ms), name padded to 8
 * Groups are in Redis's radix-tree order of their names (bytewise, a prefix first),
 * and so are a group's consumers: XINFO lists them in that order.
 * Invariants (kv_stream_cg_check): sizes add up to used <= the block's usable
 * bytes; names strictly ascend; ngroups == 0 iff the block is gone.
 * All or nothing: an insertion allocates the grown block first (a new block, copy,
 * free the old), so a failed one changes nothing; removals shift in place and never
 * allocate (the block is freed when its last group goes).
 * Never: allocates outside the given kv_alloc, recurses, or loops without a bound.
 */
#include <string.h>

#include "kv/stream.h"
#include "kv/util.h"

#define BLOCK_HDR 8u
#define GROUP_HDR 40u
#define CONS_HDR 16u
#define PAD8(n) (((uint64_t)(n) + 7u) & ~(uint64_t)7u)

static inline uint32_t ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t *block_of(const struct kv_alloc *a, const struct kv_stream_head *h) {
    return h->groups == 0 ? NULL : kv_alloc_ptr(a, h->groups);
}

/* Redis's rax order of two names: bytewise, a prefix before its extensions. */
static int name_cmp(struct kv_slice x, struct kv_slice y) {
    uint32_t n = KV_MIN(x.len, y.len);
    int c = n == 0 ? 0 : memcmp(x.ptr, y.ptr, n);
    if (c != 0) return c;
    return x.len == y.len ? 0 : x.len < y.len ? -1 : 1;
}

static void group_read(const uint8_t *b, uint32_t off, struct kv_stream_group *g) {
    const uint8_t *r = b + off;
    g->off = off;
    g->name.len = ld32(r + 4);
    g->name.ptr = r + GROUP_HDR;
    g->consumers = ld32(r + 8);
    g->pending = ld32(r + 12);
    g->last.ms = ld64(r + 16);
    g->last.seq = ld64(r + 24);
    g->entries_read = (int64_t)ld64(r + 32);
}

uint32_t kv_stream_groups(const struct kv_alloc *a, const struct kv_stream_head *h) {
    const uint8_t *b = block_of(a, h);
    return b == NULL ? 0 : ld32(b);
}

bool kv_stream_group_next(const struct kv_alloc *a, const struct kv_stream_head *h,
                          struct kv_stream_group *g, bool first) {
    const uint8_t *b = block_of(a, h);
    if (b == NULL) return false;
    uint32_t off = first ? BLOCK_HDR : g->off + ld32(b + g->off);
    KV_ASSERT(off <= ld32(b + 4));
    if (off == ld32(b + 4)) return false;
    group_read(b, off, g);
    return true;
}

/* The group named name, or where it would go (*at: the offset of the first group
 * after it). */
static bool group_seek(const struct kv_alloc *a, const struct kv_stream_head *h,
                       struct kv_slice name, struct kv_stream_group *g, uint32_t *at) {
    const uint8_t *b = block_of(a, h);
    *at = BLOCK_HDR;
    bool more = kv_stream_group_next(a, h, g, true);
    for (uint32_t i = 0; more && i < UINT32_MAX; i++) {
        int c = name_cmp(g->name, name);
        if (c == 0) return true;
        if (c > 0) return false;
        *at = g->off + ld32(b + g->off);
        more = kv_stream_group_next(a, h, g, false);
    }
    return false;
}

bool kv_stream_group_find(const struct kv_alloc *a, const struct kv_stream_head *h,
                          struct kv_slice name, struct kv_stream_group *g) {
    uint32_t at;
    return group_seek(a, h, name, g, &at);
}

/* Opens len bytes at off in the block (a new block: all or nothing); the pointer to
 * the grown block, or NULL (nothing changed). */
static uint8_t *block_open(struct kv_alloc *a, struct kv_stream_head *h, uint32_t off,
                           uint64_t len) {
    uint8_t *old = block_of(a, h);
    uint64_t used = old == NULL ? BLOCK_HDR : ld32(old + 4);
    KV_ASSERT(off <= used && len % 8 == 0);
    if (used + len > UINT32_MAX) return NULL;
    uint8_t *b = kv_alloc_alloc(a, used + len);
    if (b == NULL) return NULL;
    if (old == NULL) {
        st32(b, 0);
    } else {
        memcpy(b, old, off);
        memcpy(b + off + len, old + off, used - off);
        kv_alloc_free(a, old);
    }
    st32(b + 4, (uint32_t)(used + len));
    h->groups = kv_alloc_ref(a, b);
    return b;
}

/* Removes len bytes at off in place; frees the block when no group is left. */
static void block_close(struct kv_alloc *a, struct kv_stream_head *h, uint32_t off,
                        uint32_t len) {
    uint8_t *b = block_of(a, h);
    uint32_t used = ld32(b + 4);
    KV_ASSERT(off + len <= used);
    memmove(b + off, b + off + len, used - off - len);
    st32(b + 4, used - len);
    if (ld32(b) == 0) {
        KV_ASSERT(used - len == BLOCK_HDR);
        kv_alloc_free(a, b);
        h->groups = 0;
    }
}

uint64_t kv_stream_group_room(const struct kv_alloc *a, const struct kv_stream_head *h,
                              uint64_t name_len) {
    const uint8_t *b = block_of(a, h);
    return (b == NULL ? BLOCK_HDR : ld32(b + 4)) + GROUP_HDR + CONS_HDR + PAD8(name_len);
}

bool kv_stream_group_create(struct kv_alloc *a, struct kv_stream_head *h, struct kv_slice name,
                            struct kv_stream_id last, int64_t entries_read) {
    struct kv_stream_group g;
    uint32_t at;
    bool found = group_seek(a, h, name, &g, &at);
    KV_ASSERT(!found && entries_read >= -1);
    uint64_t size = GROUP_HDR + PAD8(name.len);
    uint8_t *b = block_open(a, h, at, size);
    if (b == NULL) return false;
    uint8_t *r = b + at;
    memset(r, 0, size);
    st32(r, (uint32_t)size);
    st32(r + 4, name.len);
    st64(r + 16, last.ms);
    st64(r + 24, last.seq);
    st64(r + 32, (uint64_t)entries_read);
    if (name.len > 0) memcpy(r + GROUP_HDR, name.ptr, name.len);
    st32(b, ld32(b) + 1);
    return true;
}

void kv_stream_group_set(struct kv_alloc *a, struct kv_stream_head *h,
                         const struct kv_stream_group *g, struct kv_stream_id last,
                         int64_t entries_read) {
    uint8_t *b = block_of(a, h);
    KV_ASSERT(b != NULL && g->off >= BLOCK_HDR && entries_read >= -1);
    st64(b + g->off + 16, last.ms);
    st64(b + g->off + 24, last.seq);
    st64(b + g->off + 32, (uint64_t)entries_read);
}

void kv_stream_group_destroy(struct kv_alloc *a, struct kv_stream_head *h,
                             const struct kv_stream_group *g) {
    uint8_t *b = block_of(a, h);
    KV_ASSERT(b != NULL && ld32(b) > 0);
    st32(b, ld32(b) - 1);
    block_close(a, h, g->off, ld32(b + g->off));
}

/* ---- consumers ------------------------------------------------------------------------- */

bool kv_stream_consumer_next(const struct kv_alloc *a, const struct kv_stream_head *h,
                             const struct kv_stream_group *g, struct kv_stream_consumer *c,
                             bool first) {
    const uint8_t *b = block_of(a, h);
    KV_ASSERT(b != NULL);
    uint32_t off = first ? g->off + GROUP_HDR + (uint32_t)PAD8(g->name.len)
                         : c->off + ld32(b + c->off);
    uint32_t index = first ? 0 : c->index + 1;
    if (index >= g->consumers) return false;
    const uint8_t *r = b + off;
    c->off = off;
    c->index = index;
    c->name.len = ld32(r + 4);
    c->name.ptr = r + CONS_HDR;
    c->seen_time = (int64_t)ld64(r + 8);
    c->pending = 0;  /* no pending entries without XREADGROUP */
    return true;
}

/* The consumer named name in g, or the offset where it would go (*at). */
static bool consumer_seek(const struct kv_alloc *a, const struct kv_stream_head *h,
                          const struct kv_stream_group *g, struct kv_slice name,
                          struct kv_stream_consumer *c, uint32_t *at) {
    *at = g->off + GROUP_HDR + (uint32_t)PAD8(g->name.len);
    bool more = kv_stream_consumer_next(a, h, g, c, true);
    for (uint32_t i = 0; more && i < g->consumers; i++) {
        int cmp = name_cmp(c->name, name);
        if (cmp == 0) return true;
        if (cmp > 0) return false;
        *at = c->off + ld32(block_of(a, h) + c->off);
        more = kv_stream_consumer_next(a, h, g, c, false);
    }
    return false;
}

bool kv_stream_consumer_find(const struct kv_alloc *a, const struct kv_stream_head *h,
                             const struct kv_stream_group *g, struct kv_slice name,
                             struct kv_stream_consumer *c) {
    uint32_t at;
    return consumer_seek(a, h, g, name, c, &at);
}

int kv_stream_consumer_create(struct kv_alloc *a, struct kv_stream_head *h,
                              struct kv_stream_group *g, struct kv_slice name, int64_t now) {
    struct kv_stream_consumer c;
    uint32_t at;
    if (consumer_seek(a, h, g, name, &c, &at)) return 0;
    uint64_t size = CONS_HDR + PAD8(name.len);
    uint8_t *b = block_open(a, h, at, size);
    if (b == NULL) return -1;
    uint8_t *r = b + at;
    memset(r, 0, size);
    st32(r, (uint32_t)size);
    st32(r + 4, name.len);
    st64(r + 8, (uint64_t)now);
    if (name.len > 0) memcpy(r + CONS_HDR, name.ptr, name.len);
    uint8_t *gr = b + g->off;
    st32(gr, ld32(gr) + (uint32_t)size);
    st32(gr + 8, ld32(gr + 8) + 1);
    group_read(b, g->off, g);
    return 1;
}

void kv_stream_consumer_delete(struct kv_alloc *a, struct kv_stream_head *h,
                               struct kv_stream_group *g, const struct kv_stream_consumer *c) {
    uint8_t *b = block_of(a, h);
    KV_ASSERT(b != NULL && g->consumers > 0);
    uint32_t size = ld32(b + c->off);
    uint8_t *gr = b + g->off;
    st32(gr, ld32(gr) - size);
    st32(gr + 8, ld32(gr + 8) - 1);
    block_close(a, h, c->off, size);
    group_read(b, g->off, g);
}

/* ---- whole-block helpers (release, copy, memory, check) -------------------------------- */

void kv_stream_cg_release(struct kv_alloc *a, struct kv_stream_head *h) {
    uint8_t *b = block_of(a, h);
    if (b != NULL) kv_alloc_free(a, b);
    h->groups = 0;
}

bool kv_stream_cg_copy(struct kv_alloc *a, struct kv_stream_head *dst,
                       const struct kv_stream_head *src) {
    const uint8_t *b = block_of(a, src);
    dst->groups = 0;
    if (b == NULL) return true;
    uint8_t *d = kv_alloc_alloc(a, ld32(b + 4));
    if (d == NULL) return false;
    memcpy(d, b, ld32(b + 4));
    dst->groups = kv_alloc_ref(a, d);
    return true;
}

uint64_t kv_stream_cg_memory(const struct kv_alloc *a, const struct kv_stream_head *h) {
    const uint8_t *b = block_of(a, h);
    return b == NULL ? 0 : kv_alloc_block_bytes(b);
}

void kv_stream_cg_check(const struct kv_alloc *a, const struct kv_stream_head *h) {
    const uint8_t *b = block_of(a, h);
    if (b == NULL) return;
    uint32_t used = ld32(b + 4), n = 0, off = BLOCK_HDR;
    KV_ASSERT(used <= kv_alloc_usable(b) && ld32(b) > 0);
    struct kv_stream_group g, prev;
    for (bool more = kv_stream_group_next(a, h, &g, true); more && n <= ld32(b); n++) {
        KV_ASSERT(g.off == off && (n == 0 || name_cmp(prev.name, g.name) < 0));
        uint32_t sum = GROUP_HDR + (uint32_t)PAD8(g.name.len);
        struct kv_stream_consumer c, cp;
        uint32_t k = 0;
        for (bool cm = kv_stream_consumer_next(a, h, &g, &c, true); cm; k++) {
            KV_ASSERT(k == 0 || name_cmp(cp.name, c.name) < 0);
            sum += ld32(b + c.off);
            cp = c;
            cm = kv_stream_consumer_next(a, h, &g, &c, false);
        }
        KV_ASSERT(k == g.consumers && g.pending == 0 && sum == ld32(b + g.off));
        off += sum;
        prev = g;
        more = kv_stream_group_next(a, h, &g, false);
    }
    KV_ASSERT(n == ld32(b) && off == used);
}

/*
 * zset.h: Redis sorted sets in the data region (src/zset.c). A sorted set holds
 * distinct members (byte strings), each with a score (a double, never NaN), ordered
 * by (score, member): scores ascending, equal scores by member bytes (memcmp, then
 * the shorter first), as Redis orders them.
 *
 * A sorted set key's item value is exactly one struct kv_zset_head; its storage is
 * separate kv_alloc blocks referenced by 32-bit refs, in one of two encodings
 * (OBJECT ENCODING's names):
 *   PACKED   ("listpack"): one block of entries in (score, member) order, each
 *            score (a varint when integral, else a tag and the f64), varint(len),
 *            member bytes;
 *   SKIPLIST ("skiplist"): a skip list of node blocks (a header node of
 *            KV_ZSET_LEVEL_MAX levels, then one node per member: score, backward
 *            ref, its levels' (next ref, span) pairs and the member), plus a member
 *            index: an open-addressing (linear probing) array of `slots` node refs,
 *            load <= 3/4, so a member's score is found in O(1) on average and a rank
 *            in O(log n).
 * A node's level is drawn from a seeded hash of its member (p = 1/4, as Redis's
 * ZSKIPLIST_P), so the same members build the same list: no random source.
 * Conversions follow Redis 7.0: a set is PACKED while it never held more than
 * zset-max-listpack-entries members nor a member longer than
 * zset-max-listpack-value bytes; SKIPLIST never converts back.
 *
 * Growing (kv_zset_put, kv_zset_reserve) never fails: the caller first asks
 * kv_zset_room for what a batch of puts may allocate and makes sure one free block
 * of that many bytes exists (the allocator then serves every allocation of the
 * batch, see zset.c). Removal never allocates (an index shrink is best effort).
 * An empty sorted set never exists: the caller deletes the key at count 0.
 * Slices returned point into the region and stay valid until the next mutation.
 */
#ifndef KV_ZSET_H
#define KV_ZSET_H

#include "kv/alloc.h"
#include "kv/common.h"

enum kv_zset_enc { KV_ZSET_PACKED = 1, KV_ZSET_SKIPLIST = 2 };

#define KV_ZSET_LEVEL_MAX 32

struct kv_zset_head {
    uint32_t root;      /* packed: the block; skiplist: the header node; 0: empty */
    uint32_t tail;      /* skiplist: the last node */
    uint32_t index;     /* skiplist: the member index's slot array */
    uint32_t slots;     /* its length (a power of two) */
    uint32_t used;      /* packed: bytes of entries */
    uint8_t enc;        /* enum kv_zset_enc */
    uint8_t level;      /* skiplist: levels in use (1..KV_ZSET_LEVEL_MAX) */
    uint16_t reserved;
    uint64_t count;     /* members */
    uint64_t bytes;     /* sum of member lengths (reply bounds) */
};

/* What the structure works in: the region, the hash seed and the thresholds. */
struct kv_zset_env {
    struct kv_alloc *a;
    uint64_t seed;
    uint64_t packed_entries;  /* zset-max-listpack-entries */
    uint64_t packed_value;    /* zset-max-listpack-value */
};

void kv_zset_init(struct kv_zset_head *h);
/* Frees every block; the head is left empty. */
void kv_zset_release(struct kv_alloc *a, struct kv_zset_head *h);
/* The bytes kv_zset_copy of h may allocate (one free block of them suffices). */
uint64_t kv_zset_copy_room(const struct kv_zset_env *e, const struct kv_zset_head *h);
/* Deep copy into an initialised empty head. False (nothing allocated) if the room
 * kv_zset_copy_room names is not free in one block. */
bool kv_zset_copy(const struct kv_zset_env *e, struct kv_zset_head *dst,
                  const struct kv_zset_head *src);
/* Data-region bytes of the set's blocks, as the allocator sizes them. */
uint64_t kv_zset_memory(const struct kv_alloc *a, const struct kv_zset_head *h);
/* Allocator blocks the set holds (kv_ks_check's count). */
uint64_t kv_zset_blocks(const struct kv_zset_head *h);
/* Invariants: order, spans, backward refs, tail, levels, index, counts, bytes. */
void kv_zset_check(const struct kv_zset_env *e, const struct kv_zset_head *h);
/* "listpack" or "skiplist". */
const char *kv_zset_encoding(const struct kv_zset_head *h);

/* Whether member is present; *score gets its score. */
bool kv_zset_score(const struct kv_zset_env *e, const struct kv_zset_head *h,
                   struct kv_slice member, double *score);
/* 0-based rank of a present member (ascending order). */
uint64_t kv_zset_rank(const struct kv_zset_env *e, const struct kv_zset_head *h,
                      struct kv_slice member, double score);

/*
 * Room: the bytes n puts of these members (args[0], args[stride], ...) may allocate,
 * whatever their scores, counted so that one free block of that size serves them
 * all (each allocation's fit size and split slack). Then kv_zset_reserve grows a
 * packed block once for the batch; puts follow; kv_zset_trim gives back what the
 * batch did not use. Never fails after the room check.
 */
uint64_t kv_zset_room(const struct kv_zset_env *e, const struct kv_zset_head *h,
                      const struct kv_slice *args, uint32_t stride, uint32_t n);
void kv_zset_reserve(const struct kv_zset_env *e, struct kv_zset_head *h,
                     const struct kv_slice *args, uint32_t stride, uint32_t n);
/* Building a new set one put at a time (a *STORE result): the room is
 * kv_zset_build_room(n, packed bytes of the members) plus kv_zset_member_room of each
 * member; kv_zset_reserve_bytes grows the packed block by `bytes` first. */
uint64_t kv_zset_build_room(uint64_t n, uint64_t packed);
uint64_t kv_zset_member_room(const struct kv_zset_env *e, struct kv_slice m);
uint64_t kv_zset_packed_size(struct kv_slice m);
void kv_zset_reserve_bytes(const struct kv_zset_env *e, struct kv_zset_head *h, uint64_t bytes);
/* Inserts member or moves it to score; returns whether it was new. Converts a packed
 * set to a skiplist when it outgrows the thresholds. score is not NaN. */
bool kv_zset_put(const struct kv_zset_env *e, struct kv_zset_head *h, struct kv_slice member,
                 double score);
void kv_zset_trim(const struct kv_zset_env *e, struct kv_zset_head *h);

/* Removes member; returns whether it was present. Never fails. */
bool kv_zset_remove(const struct kv_zset_env *e, struct kv_zset_head *h,
                    struct kv_slice member);
/* Removes ranks [start, start + n) (n >= 1, within count). Never fails. */
void kv_zset_remove_ranks(const struct kv_zset_env *e, struct kv_zset_head *h,
                          uint64_t start, uint64_t n);

/* Members with a score below x (or, incl, at most x): the rank a score range starts
 * at or ends after. */
uint64_t kv_zset_count_score(const struct kv_zset_env *e, const struct kv_zset_head *h,
                             double x, bool incl);
/* Members below m (or, incl, at most m) by member order: meaningful when all scores
 * are equal (the lex commands' contract), found like Redis: walking the list in order
 * while the member compares below. */
uint64_t kv_zset_count_lex(const struct kv_zset_env *e, const struct kv_zset_head *h,
                           struct kv_slice m, bool incl);

/* One past the last member below m (or, incl, at most m): in a packed set the last
 * such in order (Redis's listpack scans from the tail), in a skiplist the walk
 * count_lex makes (Redis's zslLastInLexRange). Equal to count_lex when members are
 * in order. */
uint64_t kv_zset_last_lex(const struct kv_zset_env *e, const struct kv_zset_head *h,
                          struct kv_slice m, bool incl);
/* Turns an empty head into an empty skiplist sized for n members (a *STORE result
 * Redis creates as a skiplist: more members than zset-max-listpack-entries). */
void kv_zset_init_skiplist(const struct kv_zset_env *e, struct kv_zset_head *h, uint64_t n);

/*
 * ZSCAN: from `cursor`, visits members and returns the next cursor (0: done).
 * Packed: everything, cursor 0 (Redis's listpack). Skiplist: Redis's reverse-binary
 * cursor over the member index's home slots (each home's members found along its
 * probe run), until `want` members were visited or 10 * want homes (Redis's COUNT),
 * so every member present for the whole scan is returned at least once, across the
 * index's growth and shrinking too.
 */
typedef void (*kv_zset_visit_fn)(void *ctx, struct kv_slice member, double score);
uint64_t kv_zset_scan(const struct kv_zset_env *e, const struct kv_zset_head *h,
                      uint64_t cursor, uint64_t want, kv_zset_visit_fn visit, void *ctx);

/* Iteration by rank, both directions; any mutation invalidates it. */
struct kv_zset_iter {
    const struct kv_alloc *a;
    const struct kv_zset_head *h;
    uint32_t pos;       /* packed: the entry's byte offset; skiplist: its node */
    uint64_t rank;
};
void kv_zset_iter_at(struct kv_zset_iter *it, const struct kv_alloc *a,
                     const struct kv_zset_head *h, uint64_t rank);
void kv_zset_iter_get(const struct kv_zset_iter *it, struct kv_slice *member, double *score);
/* Steps to the next (or previous) rank; false at the end. */
bool kv_zset_iter_next(struct kv_zset_iter *it);
bool kv_zset_iter_prev(struct kv_zset_iter *it);

/* The order: score, then member bytes (memcmp, shorter first). */
int kv_zset_cmp_member(struct kv_slice a, struct kv_slice b);

#endif

/*
 * alloc.h: the data-region allocator. One region of fixed size (carved from the
 * startup mapping) holds every key, value and list node. Design: TLSF (two-level
 * segregated fit, Masmano et al.): O(1) allocate and free, immediate coalescing of
 * neighbours through boundary tags, good-fit placement, so any mix of sizes can fill
 * the region and freeing everything always returns it to one free block (which is
 * why, after FLUSHALL, the same workload stores exactly the same number of keys).
 *
 * Units: blocks are multiples of 8 bytes, 8-byte aligned; a used block carries a
 * 4-byte header, so payloads are 4-byte aligned (everything stored is u8/u32
 * based). References are 32-bit block numbers (offset / 8), 0 is never a valid
 * reference. A block costs max(16, round_up_8(n + 4)) bytes for n usable bytes
 * (kv_alloc_block_size: a 132-byte request takes a 136-byte block). The first and
 * last 8 bytes of the region are sentinels, so `size` is the region minus 16 bytes.
 * A header holds size / 8 in 30 bits, so a region is at most KV_ALLOC_BYTES_MAX.
 *
 * Never touches memory outside its region, never calls malloc, never moves a block
 * except in kv_alloc_realloc (which returns the new address) and kv_alloc_join
 * (which tells the owner of every block it moves, before moving it).
 */
#ifndef KV_ALLOC_H
#define KV_ALLOC_H

#include "kv/common.h"

#define KV_ALLOC_FL_COUNT 40   /* first-level classes (powers of two) */
#define KV_ALLOC_SL_LOG2 4     /* 16 second-level classes per first level */
#define KV_ALLOC_SL_COUNT (1u << KV_ALLOC_SL_LOG2)
#define KV_ALLOC_BYTES_MAX (1ull << 33) /* 8 GiB: largest region kv_alloc_init takes */

struct kv_alloc {
    uint8_t *base;
    uint64_t size;              /* bytes managed: region bytes (rounded down to 8) - 16 */
    uint64_t used_bytes;        /* sum of used block sizes (headers included) */
    uint64_t used_blocks;
    uint64_t free_bytes;        /* size - used_bytes */
    uint64_t fl_bitmap;
    uint32_t sl_bitmap[KV_ALLOC_FL_COUNT];
    uint32_t heads[KV_ALLOC_FL_COUNT][KV_ALLOC_SL_COUNT]; /* free list heads (refs) */
};

/* mem must be 8-byte aligned, 64 <= bytes <= KV_ALLOC_BYTES_MAX. */
void kv_alloc_init(struct kv_alloc *a, void *mem, uint64_t bytes);
/*
 * >= n usable bytes (n >= 1), 4-byte aligned, contents unspecified; NULL if no free
 * block is big enough (accounting then unchanged). O(1).
 */
void *kv_alloc_alloc(struct kv_alloc *a, uint64_t n);
/* p must be a live block of this allocator; NULL is a no-op. O(1). */
void kv_alloc_free(struct kv_alloc *a, void *p);
/*
 * Resizes p to >= n usable bytes: in place when the block or its free right
 * neighbour allows, otherwise allocate + copy + free. NULL if it cannot (p is then
 * untouched and still valid). Shrinking never fails. p == NULL acts as kv_alloc_alloc.
 */
void *kv_alloc_realloc(struct kv_alloc *a, void *p, uint64_t n);
/* Usable bytes of the block holding p (>= what was asked). */
uint64_t kv_alloc_usable(const void *p);
/* The whole block holding p, header included: what it adds to used_bytes. */
uint64_t kv_alloc_block_bytes(const void *p);
/* Bytes a request of n usable bytes really takes (block size). */
uint64_t kv_alloc_block_size(uint64_t n);
/* True if an allocation of n usable bytes would succeed right now. */
bool kv_alloc_can_alloc(const struct kv_alloc *a, uint64_t n);
/*
 * The free block size that guarantees kv_alloc_alloc(n) succeeds: the block size
 * rounded up to its class boundary (good fit looks only at classes whose every
 * block is big enough), at most 1/16 more than kv_alloc_block_size(n).
 */
uint64_t kv_alloc_fit_bytes(uint64_t n);
/* True if kv_alloc_realloc(p, n) would succeed without moving p. */
bool kv_alloc_can_resize(const struct kv_alloc *a, const void *p, uint64_t n);

/*
 * Joining free space. The owner of the blocks says which used blocks may move
 * (`movable`: the others are walls) and updates its references to a block just
 * before it moves (`moving`: p is still intact and new_ref is where it goes).
 */
struct kv_alloc_mover {
    bool (*movable)(void *ctx, const void *p);
    void (*moving)(void *ctx, const void *p, uint32_t new_ref);
    void *ctx;
};
/*
 * Makes kv_alloc_alloc(n) succeed by sliding movable used blocks down over free
 * ones until one free block of kv_alloc_fit_bytes(n) exists: it picks the run of
 * consecutive blocks (no wall inside) holding that many free bytes whose used bytes
 * are fewest, and moves them, at most move_max bytes. False (nothing moved) when
 * no run qualifies. *moved gets the bytes moved. Contents and accounting are
 * unchanged; only addresses change. O(blocks) header reads plus the moves.
 */
bool kv_alloc_join(struct kv_alloc *a, uint64_t n, uint64_t move_max,
                   const struct kv_alloc_mover *m, uint64_t *moved);

/* Ref of a live block's payload pointer, and back. NULL <-> 0 both ways. */
uint32_t kv_alloc_ref(const struct kv_alloc *a, const void *p);
void *kv_alloc_ptr(const struct kv_alloc *a, uint32_t ref);
/* Where ref's payload would be, without reading it (for prefetching a guess). */
const void *kv_alloc_addr(const struct kv_alloc *a, uint32_t ref);
/* Back to one free block covering the region. O(levels), not O(blocks). */
void kv_alloc_reset(struct kv_alloc *a);
/*
 * Walks every block and free list; asserts: blocks tile the region exactly, no two
 * adjacent free blocks, every free block is on the list of its class, byte and
 * block counts match. O(blocks): for tests and the simulator.
 */
void kv_alloc_check(const struct kv_alloc *a);
/* Number of free blocks (1 after freeing everything). O(blocks): tests, simulator. */
uint64_t kv_alloc_free_block_count(const struct kv_alloc *a);

#endif

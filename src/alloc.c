/*
 * alloc.c: the data-region allocator, TLSF (two-level segregated fit) over one fixed
 * region handed in by the caller (see include/kv/alloc.h).
 *
 * Memory: owns no memory of its own. It manages [base, base + bytes) in place (all
 * metadata lives in the region or in struct kv_alloc) and never touches a byte outside.
 *
 * Layout (offsets from base, all 8-aligned; bytes rounded down to a multiple of 8):
 *   [0, 8)              front sentinel: never a block, so block number (ref) 0 is invalid
 *   [8, 8 + size)       the blocks, tiling the area exactly
 *   [8 + size, +8)      end sentinel: a used header of size 0; it stops coalescing to the
 *                       right without a bounds check and carries PREV_FREE for the last block
 * A block is a multiple of 8 bytes, >= 16. Its first u32 is the header:
 *   (size / 8) << 2 | PREV_FREE << 1 | FREE
 * Used block: the header is the whole overhead; payload = block + 4 to block + size.
 * Free block: u32 prev ref at +4, u32 next ref at +8 (its class list), and a u32 footer
 * (size / 8) in its last 4 bytes, which the right neighbour reads when its PREV_FREE is set.
 *
 * Classes: sizes below 128 bytes map one class per 8 bytes (fl 0, sl = size / 8); above,
 * fl = log2(size) - 6 and sl = the next 4 bits. Allocation rounds the block size up to the
 * next class boundary, so any block on the first non-empty list found fits: O(1).
 *
 * Invariants (kv_alloc_check): blocks tile the area; no two free blocks are adjacent
 * (coalescing is immediate); every PREV_FREE bit equals FREE of the left neighbour; each
 * free block sits on the list of its class and a bitmap bit is set iff its list is
 * non-empty; used_bytes + free_bytes == size and the counters match the blocks.
 *
 * Joining (kv_alloc_join): good fit keeps fragmentation low but cannot promise that
 * the free bytes form one block: after many small frees a large request can fail
 * with most of the region free. The owner (the keyspace) then asks for one block of
 * n bytes, and the allocator slides movable used blocks down over the free blocks
 * in front of them: [free F][used U] becomes [used U][free F], and F merges with
 * whatever free block followed U. Which stretch to slide is chosen by one walk over
 * the headers (two cursors: the right one adds blocks, the left one drops them while
 * the stretch still holds enough free bytes), keeping the stretch with the fewest
 * used bytes; a wall (a block the owner cannot move) ends a stretch. Only
 * addresses change; the owner updates its references through the mover's
 * `moving` callback before each move.
 *
 * Never: allocates, moves a live block (except kv_alloc_realloc, which returns the new
 * address, and kv_alloc_join, which announces each move), zeroes memory, or leaves two
 * free neighbours apart.
 */
#include "kv/alloc.h"

#include <string.h>

#define F_FREE 1u
#define F_PREV_FREE 2u
#define BLOCK_MIN 16u
#define HEADER_BYTES 4u
#define SENTINEL_BYTES 8u
#define SMALL_LOG2 (KV_ALLOC_SL_LOG2 + 3)      /* 7: below 128 bytes, classes are exact */
#define SMALL_BYTES (1ull << SMALL_LOG2)

_Static_assert(KV_ALLOC_SL_COUNT <= 32, "sl_bitmap is 32 bits");
_Static_assert(KV_ALLOC_FL_COUNT < 64, "fl_bitmap is 64 bits");
/* A header keeps size / 8 in 30 bits. */
_Static_assert(KV_ALLOC_BYTES_MAX / 8 <= (1ull << 30), "header size field too small");
/* The largest block (KV_ALLOC_BYTES_MAX) must map to a first-level class. */
_Static_assert(33 - SMALL_LOG2 + 1 < KV_ALLOC_FL_COUNT, "first level too small");

static inline uint32_t ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }

static inline uint64_t hdr_size(uint32_t h) { return (uint64_t)(h >> 2) << 3; }

static inline uint32_t make_hdr(uint64_t size, uint32_t flags) {
    return (uint32_t)(size >> 3) << 2 | flags;
}

static inline uint8_t *blk(const struct kv_alloc *a, uint32_t ref) {
    return a->base + (uint64_t)ref * 8;
}

static inline uint32_t ref_of(const struct kv_alloc *a, const uint8_t *b) {
    return (uint32_t)((uint64_t)(b - a->base) >> 3);
}

static inline void class_of(uint64_t size, uint32_t *fl, uint32_t *sl) {
    if (size < SMALL_BYTES) {
        *fl = 0;
        *sl = (uint32_t)(size >> 3);
        return;
    }
    uint32_t msb = 63 - (uint32_t)__builtin_clzll(size);
    *fl = msb - SMALL_LOG2 + 1;
    *sl = (uint32_t)(size >> (msb - KV_ALLOC_SL_LOG2)) & (KV_ALLOC_SL_COUNT - 1);
}

/* The lower bound of the first class whose every block is >= size. */
static inline uint64_t round_to_class(uint64_t size) {
    if (size < SMALL_BYTES) return size;
    uint32_t msb = 63 - (uint32_t)__builtin_clzll(size);
    uint64_t step = 1ull << (msb - KV_ALLOC_SL_LOG2);
    return (size + step - 1) & ~(step - 1);
}

static void list_insert(struct kv_alloc *a, uint8_t *b, uint64_t size) {
    uint32_t fl, sl;
    class_of(size, &fl, &sl);
    KV_ASSERT(fl < KV_ALLOC_FL_COUNT);
    uint32_t ref = ref_of(a, b);
    uint32_t head = a->heads[fl][sl];
    st32(b + 4, 0);
    st32(b + 8, head);
    if (head != 0) st32(blk(a, head) + 4, ref);
    a->heads[fl][sl] = ref;
    a->sl_bitmap[fl] |= 1u << sl;
    a->fl_bitmap |= 1ull << fl;
    KV_ASSERT(ref != 0);
}

static void list_remove(struct kv_alloc *a, uint8_t *b, uint64_t size) {
    uint32_t fl, sl;
    class_of(size, &fl, &sl);
    KV_ASSERT(ld32(b) & F_FREE);
    uint32_t prev = ld32(b + 4);
    uint32_t next = ld32(b + 8);
    if (next != 0) st32(blk(a, next) + 4, prev);
    if (prev != 0) {
        st32(blk(a, prev) + 8, next);
        return;
    }
    KV_ASSERT(a->heads[fl][sl] == ref_of(a, b));
    a->heads[fl][sl] = next;
    if (next != 0) return;
    a->sl_bitmap[fl] &= ~(1u << sl);
    if (a->sl_bitmap[fl] == 0) a->fl_bitmap &= ~(1ull << fl);
}

/* Head of the first non-empty list whose blocks all hold `size` bytes, or NULL. */
static uint8_t *find_fit(const struct kv_alloc *a, uint64_t size) {
    KV_ASSERT(size >= BLOCK_MIN);
    uint32_t fl, sl;
    class_of(round_to_class(size), &fl, &sl);
    KV_ASSERT(fl < KV_ALLOC_FL_COUNT);
    uint32_t sl_map = a->sl_bitmap[fl] & (~0u << sl);
    if (sl_map == 0) {
        uint64_t fl_map = a->fl_bitmap & (~0ull << (fl + 1));
        if (fl_map == 0) return NULL;
        fl = (uint32_t)__builtin_ctzll(fl_map);
        sl_map = a->sl_bitmap[fl];
    }
    KV_ASSERT(sl_map != 0);
    uint32_t ref = a->heads[fl][(uint32_t)__builtin_ctz(sl_map)];
    KV_ASSERT(ref != 0);
    return blk(a, ref);
}

/*
 * Turns the (unlisted) range b..b+size into one free block, merged with free physical
 * neighbours, and lists it. prev_free: whether b's left neighbour is free.
 */
static void release(struct kv_alloc *a, uint8_t *b, uint64_t size, bool prev_free) {
    KV_ASSERT(size >= BLOCK_MIN && size % 8 == 0);
    uint32_t next_hdr = ld32(b + size);
    if (next_hdr & F_FREE) {
        list_remove(a, b + size, hdr_size(next_hdr));
        size += hdr_size(next_hdr);
    }
    if (prev_free) {
        uint64_t prev_size = (uint64_t)ld32(b - 4) << 3;
        uint8_t *prev = b - prev_size;
        KV_ASSERT(prev >= a->base + SENTINEL_BYTES);
        KV_ASSERT(ld32(prev) == make_hdr(prev_size, F_FREE));
        list_remove(a, prev, prev_size);
        b = prev;
        size += prev_size;
    }
    st32(b, make_hdr(size, F_FREE));
    st32(b + size - 4, (uint32_t)(size >> 3));
    st32(b + size, ld32(b + size) | F_PREV_FREE);
    list_insert(a, b, size);
}

/*
 * Makes the unlisted range b..b+have a used block of `want` bytes (keeping b's
 * PREV_FREE bit); a tail of >= BLOCK_MIN becomes a free block. Returns the block size.
 * The block after the range must be used (true whenever `have` ends at a block
 * that was free or used with a used right neighbour: free blocks are never adjacent).
 */
static uint64_t take(struct kv_alloc *a, uint8_t *b, uint64_t have, uint64_t want) {
    KV_ASSERT(want <= have);
    KV_ASSERT(!(ld32(b + have) & F_FREE));
    uint32_t prev_flag = ld32(b) & F_PREV_FREE;
    if (have - want >= BLOCK_MIN) {
        st32(b, make_hdr(want, prev_flag));
        uint8_t *rest = b + want;
        uint64_t rest_size = have - want;
        st32(rest, make_hdr(rest_size, F_FREE));
        st32(rest + rest_size - 4, (uint32_t)(rest_size >> 3));
        st32(b + have, ld32(b + have) | F_PREV_FREE);
        list_insert(a, rest, rest_size);
        return want;
    }
    st32(b, make_hdr(have, prev_flag));
    st32(b + have, ld32(b + have) & ~F_PREV_FREE);
    return have;
}

/* The used block holding payload p, after range and header checks. */
static uint8_t *used_block(const struct kv_alloc *a, const void *p) {
    const uint8_t *b = (const uint8_t *)p - HEADER_BYTES;
    KV_ASSERT(b >= a->base + SENTINEL_BYTES && b < a->base + SENTINEL_BYTES + a->size);
    KV_ASSERT(((uint64_t)(b - a->base) & 7) == 0);
    uint32_t h = ld32(b);
    KV_ASSERT(!(h & F_FREE));
    KV_ASSERT(hdr_size(h) >= BLOCK_MIN && b + hdr_size(h) <= a->base + 8 + a->size);
    return (uint8_t *)b;
}

void kv_alloc_init(struct kv_alloc *a, void *mem, uint64_t bytes) {
    KV_ASSERT(a != NULL && mem != NULL);
    KV_ASSERT(((uintptr_t)mem & 7) == 0);
    KV_ASSERT(bytes >= 64 && bytes <= KV_ALLOC_BYTES_MAX);
    a->base = mem;
    a->size = (bytes & ~7ull) - 2 * SENTINEL_BYTES;
    kv_alloc_reset(a);
    KV_ASSERT(a->free_bytes == a->size);
}

void kv_alloc_reset(struct kv_alloc *a) {
    KV_ASSERT(a->base != NULL && a->size >= BLOCK_MIN);
    a->fl_bitmap = 0;
    memset(a->sl_bitmap, 0, sizeof(a->sl_bitmap));
    memset(a->heads, 0, sizeof(a->heads));
    uint8_t *first = a->base + SENTINEL_BYTES;
    memset(a->base, 0, SENTINEL_BYTES);
    memset(first + a->size, 0, SENTINEL_BYTES);  /* end sentinel: used, size 0 */
    a->used_bytes = 0;
    a->used_blocks = 0;
    a->free_bytes = a->size;
    release(a, first, a->size, false);
    KV_ASSERT(a->fl_bitmap != 0);
}

uint64_t kv_alloc_block_size(uint64_t n) {
    KV_ASSERT(n >= 1 && n <= UINT64_MAX / 2);   /* n + 4 cannot overflow */
    uint64_t size = KV_ALIGN_UP(n + HEADER_BYTES, 8);
    return size < BLOCK_MIN ? BLOCK_MIN : size;
}

bool kv_alloc_can_alloc(const struct kv_alloc *a, uint64_t n) {
    KV_ASSERT(n >= 1);
    if (n > a->size) return false;
    return find_fit(a, kv_alloc_block_size(n)) != NULL;
}

void *kv_alloc_alloc(struct kv_alloc *a, uint64_t n) {
    KV_ASSERT(n >= 1);
    if (n > a->size) return NULL;
    uint64_t want = kv_alloc_block_size(n);
    uint8_t *b = find_fit(a, want);
    if (b == NULL) return NULL;
    uint64_t have = hdr_size(ld32(b));
    KV_ASSERT(have >= want);
    list_remove(a, b, have);
    uint64_t got = take(a, b, have, want);
    a->used_bytes += got;
    a->free_bytes -= got;
    a->used_blocks++;
    KV_ASSERT(a->used_bytes + a->free_bytes == a->size);
    return b + HEADER_BYTES;
}

void kv_alloc_free(struct kv_alloc *a, void *p) {
    if (p == NULL) return;
    uint8_t *b = used_block(a, p);
    uint32_t h = ld32(b);
    uint64_t size = hdr_size(h);
    KV_ASSERT(a->used_blocks > 0 && a->used_bytes >= size);
    a->used_bytes -= size;
    a->free_bytes += size;
    a->used_blocks--;
    release(a, b, size, (h & F_PREV_FREE) != 0);
}

/* Grows the used block b (have bytes) to want bytes into a free right neighbour. */
static bool grow_in_place(struct kv_alloc *a, uint8_t *b, uint64_t have, uint64_t want) {
    KV_ASSERT(want > have);
    uint32_t next_hdr = ld32(b + have);
    if (!(next_hdr & F_FREE) || have + hdr_size(next_hdr) < want) return false;
    list_remove(a, b + have, hdr_size(next_hdr));
    uint64_t got = take(a, b, have + hdr_size(next_hdr), want);
    a->used_bytes += got - have;
    a->free_bytes -= got - have;
    KV_ASSERT(got >= want);
    return true;
}

void *kv_alloc_realloc(struct kv_alloc *a, void *p, uint64_t n) {
    KV_ASSERT(n >= 1);
    if (p == NULL) return kv_alloc_alloc(a, n);
    uint8_t *b = used_block(a, p);
    if (n > a->size) return NULL;
    uint32_t h = ld32(b);
    uint64_t have = hdr_size(h);
    uint64_t want = kv_alloc_block_size(n);
    if (want <= have) {
        if (have - want >= BLOCK_MIN) {
            st32(b, make_hdr(want, h & F_PREV_FREE));
            a->used_bytes -= have - want;
            a->free_bytes += have - want;
            release(a, b + want, have - want, false);
        }
        return p;
    }
    if (grow_in_place(a, b, have, want)) return p;
    void *q = kv_alloc_alloc(a, n);
    if (q == NULL) return NULL;
    memcpy(q, p, have - HEADER_BYTES);
    kv_alloc_free(a, p);
    KV_ASSERT(kv_alloc_usable(q) >= n);
    return q;
}

uint64_t kv_alloc_block_bytes(const void *p) {
    KV_ASSERT(p != NULL);
    uint32_t h = ld32((const uint8_t *)p - HEADER_BYTES);
    KV_ASSERT(!(h & F_FREE) && hdr_size(h) >= BLOCK_MIN);
    return hdr_size(h);
}

uint64_t kv_alloc_usable(const void *p) {
    KV_ASSERT(p != NULL);
    uint32_t h = ld32((const uint8_t *)p - HEADER_BYTES);
    KV_ASSERT(!(h & F_FREE) && hdr_size(h) >= BLOCK_MIN);
    return hdr_size(h) - HEADER_BYTES;
}

uint64_t kv_alloc_fit_bytes(uint64_t n) {
    uint64_t fit = round_to_class(kv_alloc_block_size(n));
    KV_ASSERT(fit >= kv_alloc_block_size(n));
    return fit;
}

bool kv_alloc_can_resize(const struct kv_alloc *a, const void *p, uint64_t n) {
    KV_ASSERT(n >= 1);
    const uint8_t *b = used_block(a, p);
    if (n > a->size) return false;
    uint64_t have = hdr_size(ld32(b)), want = kv_alloc_block_size(n);
    if (want <= have) return true;
    uint32_t next = ld32(b + have);
    return (next & F_FREE) != 0 && have + hdr_size(next) >= want;
}

/* A stretch of blocks to slide: it starts at a free block; cost = used bytes in it. */
struct stretch {
    uint8_t *start;
    uint64_t cost;
};

/*
 * The stretch [*left, end) holds *free_sum free and *used_sum used bytes. While it
 * holds `target` free bytes, records it (if cheaper and within move_max) and drops
 * its first free block and the used blocks after it. Returns the new left (NULL: empty).
 */
static uint8_t *stretch_shrink(uint8_t *left, const uint8_t *end, uint64_t target,
                               uint64_t move_max, uint64_t sums[2], struct stretch *best) {
    uint64_t blocks_max = (uint64_t)(end - left) / BLOCK_MIN;  /* bounds both loops */
    for (uint64_t i = 0; i <= blocks_max; i++) {
        if (sums[0] < target) return left;
        if (sums[1] <= move_max && (best->start == NULL || sums[1] < best->cost)) {
            best->start = left;
            best->cost = sums[1];
        }
        uint32_t h = ld32(left);
        KV_ASSERT(h & F_FREE);
        sums[0] -= hdr_size(h);
        uint8_t *p = left + hdr_size(h);
        for (uint64_t j = 0; j <= blocks_max && p < end; j++) {
            uint32_t ph = ld32(p);
            if (ph & F_FREE) break;
            sums[1] -= hdr_size(ph);
            p += hdr_size(ph);
        }
        if (p >= end) {
            KV_ASSERT(sums[0] == 0 && sums[1] == 0);
            return NULL;
        }
        left = p;
    }
    KV_UNREACHABLE();
}

/* The cheapest stretch holding `target` free bytes (stops early at one that moves
 * no more than it gains). False if none moves at most move_max bytes. */
static bool stretch_find(const struct kv_alloc *a, uint64_t target, uint64_t move_max,
                         const struct kv_alloc_mover *m, struct stretch *best) {
    uint8_t *b = a->base + SENTINEL_BYTES, *end = b + a->size, *left = NULL;
    uint64_t sums[2] = {0, 0};  /* free, used bytes in [left, b) */
    best->start = NULL;
    best->cost = 0;
    for (uint64_t i = 0; i <= a->size / BLOCK_MIN && b < end; i++) {
        uint32_t h = ld32(b);
        uint64_t size = hdr_size(h);
        KV_ASSERT(size >= BLOCK_MIN && size <= (uint64_t)(end - b));
        if (!(h & F_FREE)) {
            if (left != NULL && !m->movable(m->ctx, b + HEADER_BYTES)) left = NULL;
            if (left != NULL) sums[1] += size;
            b += size;
            continue;
        }
        if (left == NULL) {
            left = b;
            sums[0] = sums[1] = 0;
        }
        sums[0] += size;
        b += size;
        left = stretch_shrink(left, b, target, move_max, sums, best);
        if (left == NULL) sums[0] = sums[1] = 0;
        if (best->start != NULL && best->cost <= target) break;
    }
    return best->start != NULL;
}

/* Swaps the free block f with the used block after it; returns the free block. */
static uint8_t *slide(struct kv_alloc *a, uint8_t *f, const struct kv_alloc_mover *m) {
    uint64_t fsize = hdr_size(ld32(f));
    uint8_t *u = f + fsize;
    uint32_t uh = ld32(u);
    KV_ASSERT((ld32(f) & F_FREE) && !(ld32(f) & F_PREV_FREE));
    KV_ASSERT(!(uh & F_FREE) && (uh & F_PREV_FREE) && hdr_size(uh) >= BLOCK_MIN);
    uint64_t usize = hdr_size(uh);
    list_remove(a, f, fsize);
    m->moving(m->ctx, u + HEADER_BYTES, ref_of(a, f));
    memmove(f, u, usize);
    st32(f, make_hdr(usize, 0));  /* f's left neighbour is used: free blocks never touch */
    release(a, f + usize, fsize, false);
    return f + usize;
}

bool kv_alloc_join(struct kv_alloc *a, uint64_t n, uint64_t move_max,
                   const struct kv_alloc_mover *m, uint64_t *moved) {
    KV_ASSERT(n >= 1 && m != NULL && moved != NULL);
    *moved = 0;
    if (n > a->size || kv_alloc_fit_bytes(n) > a->free_bytes) return false;
    if (kv_alloc_can_alloc(a, n)) return true;
    uint64_t target = kv_alloc_fit_bytes(n);
    struct stretch best;
    if (!stretch_find(a, target, move_max, m, &best)) return false;
    uint8_t *f = best.start;
    for (uint64_t i = 0; i <= a->size / BLOCK_MIN && hdr_size(ld32(f)) < target; i++) {
        *moved += hdr_size(ld32(f + hdr_size(ld32(f))));
        f = slide(a, f, m);
    }
    KV_ASSERT(hdr_size(ld32(f)) >= target && *moved <= best.cost);
    KV_ASSERT(kv_alloc_can_alloc(a, n));
    return true;
}

uint32_t kv_alloc_ref(const struct kv_alloc *a, const void *p) {
    if (p == NULL) return 0;
    uint32_t ref = ref_of(a, used_block(a, p));
    KV_ASSERT(ref != 0);
    return ref;
}

const void *kv_alloc_addr(const struct kv_alloc *a, uint32_t ref) {
    KV_ASSERT(a->base != NULL);
    KV_ASSERT((uint64_t)ref * 8 < SENTINEL_BYTES + a->size);
    return blk(a, ref) + HEADER_BYTES;
}

void *kv_alloc_ptr(const struct kv_alloc *a, uint32_t ref) {
    if (ref == 0) return NULL;
    KV_ASSERT((uint64_t)ref * 8 < SENTINEL_BYTES + a->size);
    uint8_t *b = blk(a, ref);
    KV_ASSERT(!(ld32(b) & F_FREE));
    return b + HEADER_BYTES;
}

/* Walks the blocks, asserting tiling, flags, footers and counters; returns free blocks. */
static uint64_t check_blocks(const struct kv_alloc *a) {
    const uint8_t *b = a->base + SENTINEL_BYTES;
    const uint8_t *end = b + a->size;
    uint64_t used_bytes = 0, free_bytes = 0, used_blocks = 0, free_blocks = 0;
    bool prev_free = false;
    for (uint64_t i = 0; i <= a->size / BLOCK_MIN && b < end; i++) {
        uint32_t h = ld32(b);
        uint64_t size = hdr_size(h);
        KV_ASSERT(size >= BLOCK_MIN && size <= (uint64_t)(end - b));
        KV_ASSERT(((h & F_PREV_FREE) != 0) == prev_free);
        prev_free = (h & F_FREE) != 0;
        if (prev_free) {
            KV_ASSERT(!(h & F_PREV_FREE));  /* coalesced */
            KV_ASSERT(ld32(b + size - 4) == (uint32_t)(size >> 3));
            free_bytes += size;
            free_blocks++;
        } else {
            used_bytes += size;
            used_blocks++;
        }
        b += size;
    }
    KV_ASSERT(b == end);
    KV_ASSERT(ld32(end) == (prev_free ? F_PREV_FREE : 0));
    KV_ASSERT(used_bytes == a->used_bytes && free_bytes == a->free_bytes);
    KV_ASSERT(used_blocks == a->used_blocks);
    KV_ASSERT(a->used_bytes + a->free_bytes == a->size);
    return free_blocks;
}

/* Walks one class list; returns its length. */
static uint64_t check_list(const struct kv_alloc *a, uint32_t fl, uint32_t sl,
                           uint64_t free_blocks) {
    uint32_t prev = 0;
    uint32_t ref = a->heads[fl][sl];
    uint64_t n = 0;
    for (; ref != 0; n++) {
        KV_ASSERT(n < free_blocks);
        KV_ASSERT((uint64_t)ref * 8 < SENTINEL_BYTES + a->size);
        const uint8_t *b = blk(a, ref);
        uint32_t h = ld32(b);
        KV_ASSERT(h & F_FREE);
        uint32_t cfl, csl;
        class_of(hdr_size(h), &cfl, &csl);
        KV_ASSERT(cfl == fl && csl == sl);
        KV_ASSERT(ld32(b + 4) == prev);
        prev = ref;
        ref = ld32(b + 8);
    }
    return n;
}

void kv_alloc_check(const struct kv_alloc *a) {
    KV_ASSERT(a->base != NULL && a->size >= BLOCK_MIN && a->size % 8 == 0);
    uint64_t free_blocks = check_blocks(a);
    uint64_t listed = 0;
    for (uint32_t fl = 0; fl < KV_ALLOC_FL_COUNT; fl++) {
        KV_ASSERT(((a->fl_bitmap >> fl) & 1) == (a->sl_bitmap[fl] != 0));
        KV_ASSERT(((uint64_t)a->sl_bitmap[fl] >> KV_ALLOC_SL_COUNT) == 0);
        for (uint32_t sl = 0; sl < KV_ALLOC_SL_COUNT; sl++) {
            KV_ASSERT(((a->sl_bitmap[fl] >> sl) & 1) == (a->heads[fl][sl] != 0));
            listed += check_list(a, fl, sl, free_blocks);
        }
    }
    KV_ASSERT(listed == free_blocks);
    KV_ASSERT((a->fl_bitmap >> KV_ALLOC_FL_COUNT) == 0);
}

uint64_t kv_alloc_free_block_count(const struct kv_alloc *a) {
    KV_ASSERT(a->base != NULL);
    return check_blocks(a);
}

/*
 * coll.c: hashes and sets in the data region (include/kv/coll.h).
 *
 * Memory: owns the blocks of every hash and set (kv_alloc blocks in the keyspace's
 * data region); the head (struct kv_coll_head) lives in its key's item and is owned
 * by the keyspace. Encodings (coll.h): PACKED, one block of entries varint(len) field
 * [varint(len) value]; INTSET, one block of sorted integers of `width` bytes; TABLE,
 * an array of `slots` u32 refs probed linearly from the field's home (seeded XXH3 of
 * the field, masked), each ref one entry block. A 10-byte field with a 20-byte value
 * costs 32 bytes packed (Redis's listpack: 34), or a 40-byte block and 4 to 8 bytes of
 * slot array in a table (Redis's dict: about 80).
 *
 * All or nothing: an add sizes what it needs first. A packed add that cannot convert
 * grows its block to the worst case at once and shrinks it after; one that may
 * convert works on a new block and builds the table from that, freeing the new block
 * if the table does not fit. A table add allocates the grown slot array and every
 * entry block (chained through their first four bytes, in reverse so they come off
 * the chain in argument order) before it changes anything. Removal never allocates.
 * SPOP's rebuild (kv_coll_rebuild_set) allocates the intset block, fills it from the
 * table and heapsorts it (no recursion, n log n at any set-max-intset-entries)
 * before it frees the table; an intset narrows in place and shrinks its block.
 *
 * Invariants (kv_coll_check): count and bytes are exact; a packed block holds `used`
 * bytes of well-formed entries, fields distinct; an intset is strictly ascending and
 * every integer needs no more than `width`; a table's load is <= 3/4 and every entry
 * is reachable from its home without crossing an empty slot.
 * Never: allocates outside the given kv_alloc, recurses, or loops without a bound.
 */
#include "kv/coll.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "kv/util.h"
#include "kv/varint.h"

#define TABLE_MIN 8u
#define TABLE_MAX (1u << 30)
#define INT_TEXT_MAX 21
#define RANDOM_TRIES 256u   /* kv_coll_random's draws before walking to a used slot */
#define SPLIT_SLACK 8u      /* a block may come 8 bytes bigger (a too small rest) */

/* ---- entries ------------------------------------------------------------------- */

static inline bool is_hash(const struct kv_coll_head *h) { return h->kind == KV_COLL_HASH; }

static inline uint64_t ent_size(bool pairs, struct kv_slice f, struct kv_slice v) {
    uint64_t n = kv_varint_len(f.len) + (uint64_t)f.len;
    if (pairs) n += kv_varint_len(v.len) + (uint64_t)v.len;
    return n;
}

static uint32_t ent_write(uint8_t *p, bool pairs, struct kv_slice f, struct kv_slice v) {
    uint32_t n = kv_varint_put(p, f.len);
    if (f.len > 0) memcpy(p + n, f.ptr, f.len);
    n += f.len;
    if (!pairs) return n;
    n += kv_varint_put(p + n, v.len);
    if (v.len > 0) memcpy(p + n, v.ptr, v.len);
    return n + v.len;
}

static uint32_t ent_read(const uint8_t *p, bool pairs, struct kv_slice *f, struct kv_slice *v) {
    uint32_t len, n = kv_varint_get(p, &len);
    *f = (struct kv_slice){p + n, len};
    n += len;
    *v = (struct kv_slice){NULL, 0};
    if (!pairs) return n;
    n += kv_varint_get(p + n, &len);
    *v = (struct kv_slice){p + n, len};
    return n + len;
}

static inline bool slice_eq(struct kv_slice a, struct kv_slice b) {
    return a.len == b.len && kv_bytes_eq(a.ptr, b.ptr, a.len);
}

static inline uint8_t *block(const struct kv_alloc *a, uint32_t ref) {
    return (uint8_t *)kv_alloc_ptr(a, ref);
}

/* ---- integers ------------------------------------------------------------------ */

bool kv_coll_is_int(struct kv_slice s, int64_t *v) {
    return s.len > 0 && s.len <= 20 && kv_str2ll(s.ptr, s.len, v);
}

static uint32_t fmt_int(char *buf, int64_t v) {
    char tmp[INT_TEXT_MAX];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    uint32_t n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0 && n < INT_TEXT_MAX);
    if (v < 0) buf[len++] = '-';
    while (n > 0) buf[len++] = tmp[--n];
    KV_ASSERT(len <= INT_TEXT_MAX);
    return len;
}

static inline uint8_t int_width(int64_t v) {
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static int64_t is_at(const uint8_t *b, uint32_t w, uint64_t i) {
    if (w == 2) {
        int16_t x;
        memcpy(&x, b + i * 2, 2);
        return x;
    }
    if (w == 4) {
        int32_t x;
        memcpy(&x, b + i * 4, 4);
        return x;
    }
    int64_t x;
    memcpy(&x, b + i * 8, 8);
    return x;
}

static void is_put(uint8_t *b, uint32_t w, uint64_t i, int64_t v) {
    KV_ASSERT(int_width(v) <= w);
    if (w == 2) {
        int16_t x = (int16_t)v;
        memcpy(b + i * 2, &x, 2);
    } else if (w == 4) {
        int32_t x = (int32_t)v;
        memcpy(b + i * 4, &x, 4);
    } else {
        memcpy(b + i * 8, &v, 8);
    }
}

/* Binary search: true if v is at *pos, else *pos is where it would go. */
static bool is_search(const uint8_t *b, uint32_t w, uint64_t count, int64_t v, uint64_t *pos) {
    uint64_t lo = 0, hi = count;
    while (lo < hi) {  /* halves each pass: at most 64 */
        uint64_t mid = lo + (hi - lo) / 2;
        int64_t x = is_at(b, w, mid);
        if (x == v) {
            *pos = mid;
            return true;
        }
        if (x < v) lo = mid + 1;
        else hi = mid;
    }
    *pos = lo;
    return false;
}

/* Rewrites count integers from width w to nw (> w) in place, from the end. */
static void is_widen(uint8_t *b, uint32_t w, uint32_t nw, uint64_t count) {
    KV_ASSERT(nw > w);
    for (uint64_t i = count; i > 0; i--) is_put(b, nw, i - 1, is_at(b, w, i - 1));
}

/* ---- table --------------------------------------------------------------------- */

static inline uint64_t field_hash(const struct kv_coll_env *e, struct kv_slice f) {
    return XXH3_64bits_withSeed(f.ptr, f.len, e->seed);
}

static uint64_t ref_home(const struct kv_coll_env *e, bool pairs, uint32_t ref, uint32_t mask) {
    struct kv_slice f, v;
    (void)ent_read(block(e->a, ref), pairs, &f, &v);
    return field_hash(e, f) & mask;
}

static uint32_t slots_for(uint64_t count) {
    uint32_t s = TABLE_MIN;
    while (s < TABLE_MAX && count * 4 > (uint64_t)s * 3) s *= 2;
    return s;
}

/* Slot of field, or -1. */
static int64_t tab_find(const struct kv_coll_env *e, const struct kv_coll_head *h,
                        struct kv_slice f, struct kv_slice *value) {
    const uint32_t *s = (const uint32_t *)(const void *)block(e->a, h->root);
    uint32_t mask = h->slots - 1;
    uint64_t i = field_hash(e, f) & mask;
    for (uint32_t n = 0; n < h->slots; n++, i = (i + 1) & mask) {
        if (s[i] == 0) return -1;
        struct kv_slice ef, ev;
        (void)ent_read(block(e->a, s[i]), is_hash(h), &ef, &ev);
        if (slice_eq(ef, f)) {
            if (value != NULL) *value = ev;
            return (int64_t)i;
        }
    }
    return -1;
}

/* Puts an entry known to be absent into an array of `slots`. */
static void tab_put(const struct kv_coll_env *e, uint32_t *s, uint32_t slots, bool pairs,
                    uint32_t ref) {
    uint32_t mask = slots - 1;
    uint64_t i = ref_home(e, pairs, ref, mask);
    for (uint32_t n = 0; n < slots; n++, i = (i + 1) & mask) {
        if (s[i] == 0) {
            s[i] = ref;
            return;
        }
    }
    KV_UNREACHABLE();
}

/* Empties slot i and shifts the run behind it back (no tombstones). */
static void tab_del(const struct kv_coll_env *e, uint32_t *s, uint32_t slots, bool pairs,
                    uint64_t i) {
    uint32_t mask = slots - 1;
    s[i] = 0;
    uint64_t j = i;
    for (uint32_t n = 0; n < slots; n++) {
        j = (j + 1) & mask;
        if (s[j] == 0) return;
        uint64_t k = ref_home(e, pairs, s[j], mask);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        s[i] = s[j];
        s[j] = 0;
        i = j;
    }
}

/* Moves every ref of h's table into a new zeroed array of `slots`. False if OOM. */
static bool tab_resize(const struct kv_coll_env *e, struct kv_coll_head *h, uint32_t slots) {
    KV_ASSERT(h->enc == KV_COLL_TABLE && h->count * 4 <= (uint64_t)slots * 3);
    uint32_t *ns = kv_alloc_alloc(e->a, (uint64_t)slots * 4);
    if (ns == NULL) return false;
    memset(ns, 0, (uint64_t)slots * 4);
    uint32_t *os = (uint32_t *)(void *)block(e->a, h->root);
    for (uint32_t i = 0; i < h->slots; i++) {
        if (os[i] != 0) tab_put(e, ns, slots, is_hash(h), os[i]);
    }
    kv_alloc_free(e->a, os);
    h->root = kv_alloc_ref(e->a, ns);
    h->slots = slots;
    return true;
}

/* splitmix64's finaliser: a new random number from one. */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- reading any encoding ------------------------------------------------------ */

void kv_coll_init(struct kv_coll_head *h, enum kv_coll_kind kind) {
    KV_ASSERT(kind == KV_COLL_HASH || kind == KV_COLL_SET);
    memset(h, 0, sizeof(*h));
    h->kind = (uint8_t)kind;
    h->enc = kind == KV_COLL_HASH ? KV_COLL_PACKED : KV_COLL_INTSET;
    h->width = 2;
}

const char *kv_coll_encoding(const struct kv_coll_head *h) {
    if (h->enc == KV_COLL_PACKED) return "listpack";
    if (h->enc == KV_COLL_INTSET) return "intset";
    KV_ASSERT(h->enc == KV_COLL_TABLE);
    return "hashtable";
}

/* Byte offset of field in a packed block, or -1; *size gets the entry's size. */
static int64_t packed_find(const uint8_t *b, uint32_t used, bool pairs, struct kv_slice f,
                           uint32_t *size, struct kv_slice *value) {
    uint32_t off = 0;
    while (off < used) {  /* each entry takes >= 1 byte */
        struct kv_slice ef, ev;
        uint32_t n = ent_read(b + off, pairs, &ef, &ev);
        if (slice_eq(ef, f)) {
            *size = n;
            if (value != NULL) *value = ev;
            return off;
        }
        off += n;
    }
    KV_ASSERT(off == used);
    return -1;
}

uint64_t kv_coll_prefetch_home(const struct kv_coll_env *e, const struct kv_coll_head *h,
                               struct kv_slice field) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->enc != KV_COLL_TABLE || h->count == 0) return KV_COLL_NO_HOME;
    KV_ASSERT(h->slots > 0 && (h->slots & (h->slots - 1)) == 0);
    uint64_t i = field_hash(e, field) & (h->slots - 1);
    __builtin_prefetch(block(e->a, h->root) + i * sizeof(uint32_t));
    return i;
}

void kv_coll_prefetch_probe(const struct kv_coll_env *e, const struct kv_coll_head *h,
                            uint64_t home) {
    KV_ASSERT(h->enc == KV_COLL_TABLE && home < h->slots);
    const uint32_t *s = (const uint32_t *)(const void *)block(e->a, h->root);
    uint32_t mask = h->slots - 1;
    for (uint32_t n = 0; n < KV_COLL_PREFETCH_PROBES; n++) {
        uint32_t ref = s[(home + n) & mask];
        if (ref == 0) return;  /* the probe ends at an empty slot */
        __builtin_prefetch(block(e->a, ref));
    }
}

bool kv_coll_get(const struct kv_coll_env *e, const struct kv_coll_head *h,
                 struct kv_slice field, struct kv_slice *value) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->count == 0) return false;
    if (h->enc == KV_COLL_TABLE) return tab_find(e, h, field, value) >= 0;
    if (h->enc == KV_COLL_PACKED) {
        uint32_t size;
        return packed_find(block(e->a, h->root), h->used, is_hash(h), field, &size, value) >= 0;
    }
    int64_t v;
    uint64_t pos;
    if (!kv_coll_is_int(field, &v)) return false;
    return is_search(block(e->a, h->root), h->width, h->count, v, &pos);
}

void kv_coll_iter_init(struct kv_coll_iter *it, const struct kv_alloc *a,
                       const struct kv_coll_head *h) {
    KV_ASSERT(it != NULL && h != NULL);
    it->a = a;
    it->h = h;
    it->pos = 0;
    it->left = h->count;
}

bool kv_coll_next(struct kv_coll_iter *it, struct kv_slice *field, struct kv_slice *value) {
    const struct kv_coll_head *h = it->h;
    if (it->left == 0) return false;
    const uint8_t *b = block(it->a, h->root);
    *value = (struct kv_slice){NULL, 0};
    if (h->enc == KV_COLL_PACKED) {
        it->pos += ent_read(b + it->pos, is_hash(h), field, value);
    } else if (h->enc == KV_COLL_INTSET) {
        uint32_t n = fmt_int(it->num, is_at(b, h->width, it->pos++));
        *field = (struct kv_slice){(const uint8_t *)it->num, n};
    } else {
        const uint32_t *s = (const uint32_t *)(const void *)b;
        while (it->pos < h->slots && s[it->pos] == 0) it->pos++;
        KV_ASSERT(it->pos < h->slots);
        (void)ent_read(block(it->a, s[it->pos++]), is_hash(h), field, value);
    }
    it->left--;
    return true;
}

void kv_coll_random(struct kv_coll_iter *it, const struct kv_alloc *a,
                    const struct kv_coll_head *h, uint64_t r, struct kv_slice *field,
                    struct kv_slice *value) {
    KV_ASSERT(h->count > 0);
    kv_coll_iter_init(it, a, h);
    if (h->enc == KV_COLL_TABLE) {
        /* Random slots until one is used (uniform; load >= 1/10 after a removal, so
         * about 10 draws at most on average), then, rarely, the next used one. */
        const uint32_t *s = (const uint32_t *)(const void *)block(a, h->root);
        uint64_t i = r & (h->slots - 1);
        for (uint32_t n = 0; n < RANDOM_TRIES && s[i] == 0; n++) {
            r = mix64(r + n + 1);
            i = r & (h->slots - 1);
        }
        for (uint32_t n = 0; n < h->slots && s[i] == 0; n++) i = (i + 1) & (h->slots - 1);
        KV_ASSERT(s[i] != 0);
        (void)ent_read(block(a, s[i]), is_hash(h), field, value);
        return;
    }
    uint64_t k = r % h->count;
    if (h->enc == KV_COLL_INTSET) {
        it->pos = k;
    } else {
        for (uint64_t i = 0; i < k; i++) {
            struct kv_slice f, v;
            it->pos += ent_read(block(a, h->root) + it->pos, true, &f, &v);
        }
    }
    it->left = 1;
    bool ok = kv_coll_next(it, field, value);
    KV_ASSERT(ok);
}

uint64_t kv_coll_memory(const struct kv_alloc *a, const struct kv_coll_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    if (h->root == 0) return 0;
    uint64_t bytes = kv_alloc_block_bytes(block(a, h->root));
    if (h->enc != KV_COLL_TABLE) return bytes;
    const uint32_t *s = (const uint32_t *)(const void *)block(a, h->root);
    for (uint32_t i = 0; i < h->slots; i++) {
        if (s[i] != 0) bytes += kv_alloc_block_bytes(block(a, s[i]));
    }
    return bytes;
}

/* ---- releasing and copying ----------------------------------------------------- */

static void free_table_entries(struct kv_alloc *a, const uint32_t *s, uint32_t slots) {
    for (uint32_t i = 0; i < slots; i++) {
        if (s[i] != 0) kv_alloc_free(a, block(a, s[i]));
    }
}

void kv_coll_release(struct kv_alloc *a, struct kv_coll_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    if (h->root != 0) {
        uint8_t *b = block(a, h->root);
        if (h->enc == KV_COLL_TABLE) free_table_entries(a, (const uint32_t *)(void *)b, h->slots);
        kv_alloc_free(a, b);
    }
    kv_coll_init(h, (enum kv_coll_kind)h->kind);
}

bool kv_coll_copy(const struct kv_coll_env *e, struct kv_coll_head *dst,
                  const struct kv_coll_head *src) {
    KV_ASSERT(dst->count == 0 && dst->root == 0 && dst->kind == src->kind);
    if (src->count == 0) return true;
    const uint8_t *sb = block(e->a, src->root);
    uint64_t n = src->enc == KV_COLL_TABLE ? (uint64_t)src->slots * 4 : kv_alloc_usable(sb);
    uint8_t *db = kv_alloc_alloc(e->a, n);
    if (db == NULL) return false;
    if (src->enc != KV_COLL_TABLE) {
        memcpy(db, sb, n);
    } else {
        memset(db, 0, n);
        uint32_t *ds = (uint32_t *)(void *)db;
        const uint32_t *ss = (const uint32_t *)(const void *)sb;
        for (uint32_t i = 0; i < src->slots; i++) {
            if (ss[i] == 0) continue;
            const uint8_t *se = block(e->a, ss[i]);
            uint8_t *de = kv_alloc_alloc(e->a, kv_alloc_usable(se));
            if (de == NULL) {
                free_table_entries(e->a, ds, src->slots);
                kv_alloc_free(e->a, db);
                return false;
            }
            memcpy(de, se, kv_alloc_usable(se));
            ds[i] = kv_alloc_ref(e->a, de);
        }
    }
    *dst = *src;
    dst->root = kv_alloc_ref(e->a, db);
    return true;
}

/* ---- adding: tables ------------------------------------------------------------ */

/* Preallocated entry blocks, chained through their first 4 bytes (LIFO). */
struct chain {
    uint32_t head;
};

static bool chain_push(struct kv_alloc *a, struct chain *c, uint64_t size) {
    uint8_t *p = kv_alloc_alloc(a, KV_MAX(size, 4));
    if (p == NULL) return false;
    memcpy(p, &c->head, 4);
    c->head = kv_alloc_ref(a, p);
    return true;
}

static uint8_t *chain_pop(struct kv_alloc *a, struct chain *c) {
    KV_ASSERT(c->head != 0);
    uint8_t *p = block(a, c->head);
    memcpy(&c->head, p, 4);
    return p;
}

static void chain_free(struct kv_alloc *a, struct chain *c) {
    for (uint64_t n = 0; c->head != 0 && n < a->used_blocks; n++) kv_alloc_free(a, chain_pop(a, c));
    KV_ASSERT(c->head == 0);
}

/* Entry blocks for args[0..n) (n entries), allocated so they pop in order. */
static bool chain_args(struct kv_alloc *a, struct chain *c, bool pairs,
                       const struct kv_slice *args, uint32_t n) {
    uint32_t step = pairs ? 2 : 1;
    for (uint32_t i = n; i > 0; i--) {
        const struct kv_slice *p = &args[(i - 1) * step];
        if (!chain_push(a, c, ent_size(pairs, p[0], pairs ? p[1] : p[0]))) {
            chain_free(a, c);
            return false;
        }
    }
    return true;
}

/* Writes args (n entries, blocks from the chain) into h's table, in order. */
static uint64_t tab_apply(const struct kv_coll_env *e, struct kv_coll_head *h,
                          const struct kv_slice *args, uint32_t n, struct chain *c) {
    bool pairs = is_hash(h);
    uint32_t step = pairs ? 2 : 1;
    uint64_t added = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice f = args[i * step], v = pairs ? args[i * step + 1] : f;
        uint8_t *p = chain_pop(e->a, c);
        (void)ent_write(p, pairs, f, v);
        struct kv_slice old;
        int64_t slot = tab_find(e, h, f, &old);
        uint32_t *s = (uint32_t *)(void *)block(e->a, h->root);
        if (slot >= 0) {
            h->bytes -= old.len;
            h->bytes += pairs ? v.len : 0;
            kv_alloc_free(e->a, block(e->a, s[slot]));
            s[slot] = kv_alloc_ref(e->a, p);
            continue;
        }
        KV_ASSERT((h->count + 1) * 4 <= (uint64_t)h->slots * 3);
        tab_put(e, s, h->slots, pairs, kv_alloc_ref(e->a, p));
        h->count++;
        h->bytes += f.len + (pairs ? v.len : 0);
        added++;
    }
    KV_ASSERT(c->head == 0);
    return added;
}

/* The entry blocks of h's packed or intset storage, put into a zeroed array. */
static bool tab_fill(const struct kv_coll_env *e, const struct kv_coll_head *h, uint32_t *s,
                     uint32_t slots) {
    struct kv_coll_iter it;
    kv_coll_iter_init(&it, e->a, h);
    struct kv_slice f, v;
    while (kv_coll_next(&it, &f, &v)) {  /* count steps */
        uint8_t *p = kv_alloc_alloc(e->a, KV_MAX(ent_size(is_hash(h), f, v), 4));
        if (p == NULL) {
            free_table_entries(e->a, s, slots);
            return false;
        }
        (void)ent_write(p, is_hash(h), f, v);
        tab_put(e, s, slots, is_hash(h), kv_alloc_ref(e->a, p));
    }
    return true;
}

/*
 * Builds a table of src's entries plus args (n entries, applied in order) into
 * *out. src is untouched (the caller frees its block on success). False if OOM,
 * with nothing allocated.
 */
static bool table_build(const struct kv_coll_env *e, const struct kv_coll_head *src,
                        const struct kv_slice *args, uint32_t n, struct kv_coll_head *out,
                        uint64_t *added) {
    KV_ASSERT(src->enc != KV_COLL_TABLE);
    if (src->count + n > (uint64_t)TABLE_MAX / 4 * 3) return false;
    uint32_t slots = slots_for(src->count + n);
    uint32_t *s = kv_alloc_alloc(e->a, (uint64_t)slots * 4);
    if (s == NULL) return false;
    memset(s, 0, (uint64_t)slots * 4);
    struct chain c = {0};
    if (!tab_fill(e, src, s, slots)) {
        kv_alloc_free(e->a, s);
        return false;
    }
    if (!chain_args(e->a, &c, is_hash(src), args, n)) {
        free_table_entries(e->a, s, slots);
        kv_alloc_free(e->a, s);
        return false;
    }
    *out = *src;
    out->enc = KV_COLL_TABLE;
    out->root = kv_alloc_ref(e->a, s);
    out->slots = slots;
    out->used = 0;
    out->width = 2;
    *added = tab_apply(e, out, args, n, &c);
    return true;
}

/* Whether every member of args[0..n) is in the set's table (a read pass: SADD of
 * members it holds, an idempotent write, allocates nothing). Stops at the first
 * absent member. */
static bool all_present(const struct kv_coll_env *e, const struct kv_coll_head *h,
                        const struct kv_slice *args, uint32_t n) {
    KV_ASSERT(!is_hash(h) && h->enc == KV_COLL_TABLE);
    for (uint32_t i = 0; i < n; i++)
        if (tab_find(e, h, args[i], NULL) < 0) return false;
    return true;
}

static bool table_add(const struct kv_coll_env *e, struct kv_coll_head *h,
                      const struct kv_slice *args, uint32_t n, uint64_t *added) {
    KV_ASSERT(h->enc == KV_COLL_TABLE && h->root != 0);
    /* A set's present members change nothing; otherwise each argument gets its new
     * block before anything changes, and a present one's replaces the old. */
    if (!is_hash(h) && all_present(e, h, args, n)) return true;
    uint64_t want = h->count + n;
    if (want > (uint64_t)TABLE_MAX / 4 * 3) return false;
    struct chain c = {0};
    if (!chain_args(e->a, &c, is_hash(h), args, n)) return false;
    uint32_t slots = slots_for(want);
    if (slots > h->slots && !tab_resize(e, h, slots)) {
        chain_free(e->a, &c);
        return false;
    }
    *added = tab_apply(e, h, args, n, &c);
    return true;
}

/* Replaces h's single block storage by the table in t. */
static void take_table(struct kv_alloc *a, struct kv_coll_head *h, const struct kv_coll_head *t) {
    if (h->root != 0) kv_alloc_free(a, block(a, h->root));
    *h = *t;
    KV_ASSERT(h->enc == KV_COLL_TABLE);
}

/* ---- adding: packed hashes ----------------------------------------------------- */

/* One pair into a packed block with room for it; returns whether it was new. */
static bool packed_apply(uint8_t *b, struct kv_coll_head *h, struct kv_slice f,
                         struct kv_slice v) {
    uint32_t size = 0, nsize = (uint32_t)ent_size(true, f, v);
    struct kv_slice old;
    int64_t at = packed_find(b, h->used, true, f, &size, &old);
    if (at < 0) {
        (void)ent_write(b + h->used, true, f, v);
        h->used += nsize;
        h->count++;
        h->bytes += (uint64_t)f.len + v.len;
        return true;
    }
    uint32_t off = (uint32_t)at, tail = off + size, old_len = old.len;
    memmove(b + off + nsize, b + tail, h->used - tail);
    (void)ent_write(b + off, true, f, v);
    h->used = h->used - size + nsize;
    h->bytes = h->bytes - old_len + v.len;
    return false;
}

/* The most bytes a packed block reaches applying args before it must convert. */
static uint64_t packed_cap(const struct kv_coll_env *e, const struct kv_coll_head *h,
                           const struct kv_slice *args, uint32_t n) {
    uint64_t sum = 0, max = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t s = ent_size(true, args[2 * i], args[2 * i + 1]);
        sum += s;
        max = KV_MAX(max, s);
    }
    uint64_t touched = KV_MAX(h->count, e->packed_entries) + 1;
    return h->used + KV_MIN(sum, touched * max);
}

static bool packed_add_copy(const struct kv_coll_env *e, struct kv_coll_head *h,
                            const struct kv_slice *args, uint32_t n, uint64_t cap,
                            uint64_t *added) {
    uint8_t *b = kv_alloc_alloc(e->a, KV_MAX(cap, 1));
    if (b == NULL) return false;
    if (h->used > 0) memcpy(b, block(e->a, h->root), h->used);
    struct kv_coll_head t = *h;
    t.root = kv_alloc_ref(e->a, b);
    uint64_t got = 0;
    for (uint32_t i = 0; i < n; i++) {
        got += packed_apply(b, &t, args[2 * i], args[2 * i + 1]) ? 1 : 0;
        if (t.count <= e->packed_entries) continue;
        struct kv_coll_head tab;
        uint64_t more = 0;
        bool ok = table_build(e, &t, args + 2 * (i + 1), n - i - 1, &tab, &more);
        kv_alloc_free(e->a, b);
        if (!ok) return false;
        take_table(e->a, h, &tab);
        *added = got + more;
        return true;
    }
    if (h->root != 0) kv_alloc_free(e->a, block(e->a, h->root));
    b = kv_alloc_realloc(e->a, b, KV_MAX(t.used, 1));  /* shrinking never fails */
    KV_ASSERT(b != NULL);
    t.root = kv_alloc_ref(e->a, b);
    *h = t;
    *added = got;
    return true;
}

static bool packed_add(const struct kv_coll_env *e, struct kv_coll_head *h,
                       const struct kv_slice *args, uint32_t n, uint64_t *added) {
    KV_ASSERT(h->enc == KV_COLL_PACKED && is_hash(h));
    uint64_t cap = packed_cap(e, h, args, n);
    if (cap > UINT32_MAX / 2) return false;
    if (h->count + n > e->packed_entries) return packed_add_copy(e, h, args, n, cap, added);
    uint8_t *b = kv_alloc_realloc(e->a, h->root != 0 ? block(e->a, h->root) : NULL,
                                  KV_MAX(cap, 1));
    if (b == NULL) return false;
    h->root = kv_alloc_ref(e->a, b);
    uint64_t got = 0;
    for (uint32_t i = 0; i < n; i++) got += packed_apply(b, h, args[2 * i], args[2 * i + 1]);
    b = kv_alloc_realloc(e->a, b, KV_MAX(h->used, 1));
    KV_ASSERT(b != NULL && h->count <= e->packed_entries);
    h->root = kv_alloc_ref(e->a, b);
    *added = got;
    return true;
}

/* ---- adding: intsets ----------------------------------------------------------- */

static bool intset_apply(uint8_t *b, struct kv_coll_head *h, int64_t v) {
    uint64_t pos;
    if (is_search(b, h->width, h->count, v, &pos)) return false;
    uint8_t w = int_width(v);
    if (w > h->width) {
        is_widen(b, h->width, w, h->count);
        h->width = w;
    }
    w = h->width;
    memmove(b + (pos + 1) * w, b + pos * w, (h->count - pos) * w);
    is_put(b, w, pos, v);
    char text[INT_TEXT_MAX];
    h->count++;
    h->bytes += fmt_int(text, v);
    return true;
}

static bool intset_add_copy(const struct kv_coll_env *e, struct kv_coll_head *h,
                            const struct kv_slice *args, uint32_t n, uint8_t w,
                            uint64_t *added) {
    uint64_t cap = KV_MIN(h->count + n, KV_MAX(h->count, e->intset_entries) + 1) * w;
    uint8_t *b = kv_alloc_alloc(e->a, KV_MAX(cap, 1));
    if (b == NULL) return false;
    if (h->count > 0) memcpy(b, block(e->a, h->root), h->count * h->width);
    struct kv_coll_head t = *h;
    t.root = kv_alloc_ref(e->a, b);
    uint64_t got = 0;
    for (uint32_t i = 0; i <= n; i++) {
        int64_t v = 0;
        bool is_int = i < n && kv_coll_is_int(args[i], &v);
        if (is_int) got += intset_apply(b, &t, v) ? 1 : 0;
        if (i < n && is_int && t.count <= e->intset_entries) continue;
        if (i == n) break;
        uint32_t from = is_int ? i + 1 : i;
        struct kv_coll_head tab;
        uint64_t more = 0;
        bool ok = table_build(e, &t, args + from, n - from, &tab, &more);
        kv_alloc_free(e->a, b);
        if (!ok) return false;
        take_table(e->a, h, &tab);
        *added = got + more;
        return true;
    }
    if (h->root != 0) kv_alloc_free(e->a, block(e->a, h->root));
    b = kv_alloc_realloc(e->a, b, KV_MAX(t.count * t.width, 1));
    KV_ASSERT(b != NULL);
    t.root = kv_alloc_ref(e->a, b);
    *h = t;
    *added = got;
    return true;
}

static bool intset_add(const struct kv_coll_env *e, struct kv_coll_head *h,
                       const struct kv_slice *args, uint32_t n, uint64_t *added) {
    KV_ASSERT(h->enc == KV_COLL_INTSET && !is_hash(h));
    bool all_int = true;
    uint8_t w = h->width;
    for (uint32_t i = 0; i < n; i++) {
        int64_t v;
        if (kv_coll_is_int(args[i], &v)) w = KV_MAX(w, int_width(v));
        else all_int = false;
    }
    if (!all_int || h->count + n > e->intset_entries)
        return intset_add_copy(e, h, args, n, w, added);
    uint8_t *b = kv_alloc_realloc(e->a, h->root != 0 ? block(e->a, h->root) : NULL,
                                  KV_MAX((h->count + n) * w, 1));
    if (b == NULL) return false;
    h->root = kv_alloc_ref(e->a, b);
    uint64_t got = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t v = 0;
        bool ok = kv_coll_is_int(args[i], &v);
        KV_ASSERT(ok);
        got += intset_apply(b, h, v) ? 1 : 0;
    }
    b = kv_alloc_realloc(e->a, b, KV_MAX(h->count * h->width, 1));
    KV_ASSERT(b != NULL);
    h->root = kv_alloc_ref(e->a, b);
    *added = got;
    return true;
}

bool kv_coll_add(const struct kv_coll_env *e, struct kv_coll_head *h,
                 const struct kv_slice *args, uint32_t n, bool big, uint64_t *added) {
    KV_ASSERT(e != NULL && h != NULL && added != NULL);
    *added = 0;
    if (n == 0) return true;
    if (h->enc == KV_COLL_TABLE) return table_add(e, h, args, n, added);
    if (h->enc == KV_COLL_INTSET) return intset_add(e, h, args, n, added);
    KV_ASSERT(h->enc == KV_COLL_PACKED);
    if (!big) return packed_add(e, h, args, n, added);
    struct kv_coll_head tab;
    if (!table_build(e, h, args, n, &tab, added)) return false;
    take_table(e->a, h, &tab);
    return true;
}

bool kv_coll_to_table(const struct kv_coll_env *e, struct kv_coll_head *h) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->enc == KV_COLL_TABLE) return true;
    struct kv_coll_head tab;
    uint64_t added = 0;
    if (!table_build(e, h, NULL, 0, &tab, &added)) return false;
    take_table(e->a, h, &tab);
    KV_ASSERT(added == 0);
    return true;
}

/* ---- rebuilding a set (SPOP) ---------------------------------------------------- */

/* Whether every member of table h is an integer; *w gets the narrowest width for all. */
static bool tab_ints(const struct kv_coll_env *e, const struct kv_coll_head *h, uint8_t *w) {
    KV_ASSERT(h->enc == KV_COLL_TABLE && !is_hash(h));
    const uint32_t *s = (const uint32_t *)(const void *)block(e->a, h->root);
    *w = 2;
    for (uint32_t i = 0; i < h->slots; i++) {
        if (s[i] == 0) continue;
        struct kv_slice f, v;
        int64_t x;
        (void)ent_read(block(e->a, s[i]), false, &f, &v);
        if (!kv_coll_is_int(f, &x)) return false;
        *w = KV_MAX(*w, int_width(x));
    }
    return true;
}

/* Restores the max-heap below node i of the n integers of width w at b. */
static void is_sift(uint8_t *b, uint32_t w, uint64_t i, uint64_t n) {
    KV_ASSERT(i < n);
    for (uint32_t depth = 0; depth < 64; depth++) {  /* one level down per pass */
        uint64_t top = i, l = 2 * i + 1, r = l + 1;
        if (l < n && is_at(b, w, l) > is_at(b, w, top)) top = l;
        if (r < n && is_at(b, w, r) > is_at(b, w, top)) top = r;
        if (top == i) return;
        int64_t t = is_at(b, w, i);
        is_put(b, w, i, is_at(b, w, top));
        is_put(b, w, top, t);
        i = top;
    }
    KV_UNREACHABLE();
}

/* Heapsort, ascending, in place: n log n whatever set-max-intset-entries allows. */
static void is_sort(uint8_t *b, uint32_t w, uint64_t n) {
    KV_ASSERT(w == 2 || w == 4 || w == 8);
    for (uint64_t i = n / 2; i > 0; i--) is_sift(b, w, i - 1, n);
    for (uint64_t end = n; end > 1; end--) {
        int64_t t = is_at(b, w, 0);
        is_put(b, w, 0, is_at(b, w, end - 1));
        is_put(b, w, end - 1, t);
        is_sift(b, w, 0, end - 1);
    }
    KV_ASSERT(n < 2 || is_at(b, w, 0) <= is_at(b, w, n - 1));
}

/* An intset's integers rewritten at the narrowest width that holds its ends. */
static void is_narrow(const struct kv_coll_env *e, struct kv_coll_head *h) {
    uint8_t *b = block(e->a, h->root);
    uint32_t w = h->width;
    uint8_t nw = KV_MAX(int_width(is_at(b, w, 0)), int_width(is_at(b, w, h->count - 1)));
    KV_ASSERT(nw <= w);
    if (nw == w) return;
    for (uint64_t i = 0; i < h->count; i++) is_put(b, nw, i, is_at(b, w, i));  /* forward */
    b = kv_alloc_realloc(e->a, b, h->count * nw);  /* shrinking never fails */
    KV_ASSERT(b != NULL);
    h->root = kv_alloc_ref(e->a, b);
    h->width = nw;
}

bool kv_coll_rebuild_set(const struct kv_coll_env *e, struct kv_coll_head *h) {
    KV_ASSERT(e != NULL && h != NULL && h->kind == KV_COLL_SET && h->count > 0);
    if (h->enc == KV_COLL_INTSET) {
        is_narrow(e, h);
        return true;
    }
    uint8_t w = 2;
    if (h->count > e->intset_entries || !tab_ints(e, h, &w)) return true;  /* a table */
    uint8_t *b = kv_alloc_alloc(e->a, h->count * w);
    if (b == NULL) return false;  /* nothing changed: still the table */
    uint32_t *s = (uint32_t *)(void *)block(e->a, h->root);
    uint64_t n = 0;
    for (uint32_t i = 0; i < h->slots; i++) {
        if (s[i] == 0) continue;
        struct kv_slice f, v;
        int64_t x = 0;
        (void)ent_read(block(e->a, s[i]), false, &f, &v);
        bool ok = kv_coll_is_int(f, &x);
        KV_ASSERT(ok && n < h->count);
        is_put(b, w, n++, x);
    }
    KV_ASSERT(n == h->count);
    is_sort(b, w, n);
    free_table_entries(e->a, s, h->slots);
    kv_alloc_free(e->a, s);
    h->root = kv_alloc_ref(e->a, b);  /* bytes unchanged: each member is its own text */
    h->enc = KV_COLL_INTSET;
    h->width = w;
    h->slots = 0;
    KV_ASSERT(n < 2 || is_at(b, w, 0) < is_at(b, w, 1));
    return true;
}

/* ---- room ------------------------------------------------------------------------ */

/* Bytes of blocks for the table holding `count` entries of `entries` bytes in all. */
static uint64_t table_bytes(uint64_t count, uint64_t entries, uint64_t n_blocks) {
    return kv_alloc_block_size((uint64_t)slots_for(count) * 4) + SPLIT_SLACK + entries +
           n_blocks * (8 + SPLIT_SLACK);
}

void kv_coll_add_room(const struct kv_coll_env *e, const struct kv_coll_head *h,
                      const struct kv_slice *args, uint32_t n, bool big, uint64_t *need,
                      uint64_t *largest) {
    KV_ASSERT(e != NULL && h != NULL);
    bool pairs = is_hash(h);
    uint64_t sum = 0, blocks = 0, max = 0;
    bool ints = true;
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice f = args[pairs ? 2 * i : i], v = pairs ? args[2 * i + 1] : f;
        uint64_t size = ent_size(pairs, f, v);
        int64_t x;
        ints = ints && !pairs && kv_coll_is_int(f, &x);
        sum += size;
        blocks += kv_alloc_block_size(KV_MAX(size, 4)) + SPLIT_SLACK;
        max = KV_MAX(max, size);
    }
    uint64_t count = h->count + n;
    uint64_t array = kv_alloc_block_size((uint64_t)slots_for(count) * 4) + SPLIT_SLACK;
    if (h->enc == KV_COLL_TABLE) {  /* entry blocks, and a grown array beside the old */
        bool grows = slots_for(count) > h->slots;
        *need = blocks + (grows ? array : 0);
        *largest = KV_MAX(max + 4, grows ? (uint64_t)slots_for(count) * 4 : 0);
        return;
    }
    /* Packed or intset: the grown (or copied) block, then perhaps a whole table. */
    uint64_t one = h->enc == KV_COLL_INTSET ? count * 8 : h->used + sum;
    uint64_t limit = h->enc == KV_COLL_INTSET ? e->intset_entries : e->packed_entries;
    bool converts = big || count > limit || (h->enc == KV_COLL_INTSET && !ints);
    uint64_t old_entries = h->bytes + h->count * (KV_VARINT_MAX + 8);
    *need = kv_alloc_block_size(KV_MAX(one, 1)) + SPLIT_SLACK;
    *largest = KV_MAX(one, 1);
    if (!converts) return;
    *need += table_bytes(count, old_entries + blocks, h->count);
    *largest = KV_MAX(*largest, (uint64_t)slots_for(count) * 4);
    KV_ASSERT(*need >= *largest);
}

/* ---- removing ------------------------------------------------------------------ */

static uint64_t remove_one(const struct kv_coll_env *e, struct kv_coll_head *h,
                           struct kv_slice f) {
    uint8_t *b = block(e->a, h->root);
    if (h->enc == KV_COLL_PACKED) {
        uint32_t size = 0;
        struct kv_slice v;
        int64_t at = packed_find(b, h->used, true, f, &size, &v);
        if (at < 0) return 0;
        h->bytes -= (uint64_t)f.len + v.len;
        memmove(b + at, b + at + size, h->used - (uint32_t)at - size);
        h->used -= size;
    } else if (h->enc == KV_COLL_INTSET) {
        int64_t v;
        uint64_t pos, w = h->width;
        if (!kv_coll_is_int(f, &v) || !is_search(b, h->width, h->count, v, &pos)) return 0;
        memmove(b + pos * w, b + (pos + 1) * w, (h->count - pos - 1) * w);
        h->bytes -= f.len;
    } else {
        struct kv_slice v = {NULL, 0};
        int64_t slot = tab_find(e, h, f, &v);
        if (slot < 0) return 0;
        h->bytes -= (uint64_t)f.len + (is_hash(h) ? v.len : 0);
        uint32_t *s = (uint32_t *)(void *)b;
        kv_alloc_free(e->a, block(e->a, s[slot]));
        tab_del(e, s, h->slots, is_hash(h), (uint64_t)slot);
    }
    h->count--;
    return 1;
}

uint64_t kv_coll_remove(const struct kv_coll_env *e, struct kv_coll_head *h,
                        const struct kv_slice *fields, uint32_t n) {
    KV_ASSERT(e != NULL && h != NULL);
    uint64_t removed = 0;
    for (uint32_t i = 0; i < n && h->count > 0; i++) removed += remove_one(e, h, fields[i]);
    if (removed == 0) return 0;
    if (h->count == 0) {
        KV_ASSERT(h->bytes == 0);
        kv_coll_release(e->a, h);
        return removed;
    }
    if (h->enc == KV_COLL_TABLE) {
        if (h->slots > TABLE_MIN && h->count * 10 < h->slots)
            (void)tab_resize(e, h, slots_for(h->count));  /* best effort */
        return removed;
    }
    uint64_t size = h->enc == KV_COLL_PACKED ? h->used : h->count * h->width;
    uint8_t *b = kv_alloc_realloc(e->a, block(e->a, h->root), KV_MAX(size, 1));
    KV_ASSERT(b != NULL);
    h->root = kv_alloc_ref(e->a, b);
    return removed;
}

/* ---- scanning ------------------------------------------------------------------ */

/* Visits the entries whose home is `home` (all in the probe run from it). */
static uint64_t scan_home(const struct kv_coll_env *e, const struct kv_coll_head *h,
                          uint64_t home, kv_coll_visit_fn visit, void *ctx) {
    const uint32_t *s = (const uint32_t *)(const void *)block(e->a, h->root);
    uint32_t mask = h->slots - 1;
    uint64_t i = home, seen = 0;
    for (uint32_t n = 0; n < h->slots && s[i] != 0; n++, i = (i + 1) & mask) {
        struct kv_slice f, v;
        (void)ent_read(block(e->a, s[i]), is_hash(h), &f, &v);
        if ((field_hash(e, f) & mask) != home) continue;
        visit(ctx, f, v);
        seen++;
    }
    return seen;
}

uint64_t kv_coll_scan(const struct kv_coll_env *e, const struct kv_coll_head *h,
                      uint64_t cursor, uint64_t want, kv_coll_visit_fn visit, void *ctx) {
    KV_ASSERT(e != NULL && h != NULL);
    if (h->count == 0) return 0;
    if (h->enc != KV_COLL_TABLE) {
        struct kv_coll_iter it;
        struct kv_slice f, v;
        kv_coll_iter_init(&it, e->a, h);
        while (kv_coll_next(&it, &f, &v)) visit(ctx, f, v);
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

/* ---- checking ------------------------------------------------------------------ */

static void check_packed(const struct kv_coll_env *e, const struct kv_coll_head *h) {
    const uint8_t *b = block(e->a, h->root);
    KV_ASSERT(h->used <= kv_alloc_usable(b));
    uint32_t off = 0;
    uint64_t count = 0, bytes = 0;
    while (off < h->used && count < h->count) {
        struct kv_slice f, v;
        uint32_t size = 0;
        off += ent_read(b + off, true, &f, &v);
        int64_t first = packed_find(b, h->used, true, f, &size, NULL);
        KV_ASSERT(first >= 0 && (uint32_t)first + size == off);  /* fields distinct */
        count++;
        bytes += (uint64_t)f.len + v.len;
    }
    KV_ASSERT(off == h->used && count == h->count && bytes == h->bytes);
}

static void check_intset(const struct kv_coll_env *e, const struct kv_coll_head *h) {
    const uint8_t *b = block(e->a, h->root);
    KV_ASSERT(h->width == 2 || h->width == 4 || h->width == 8);
    KV_ASSERT(h->count * h->width <= kv_alloc_usable(b));
    uint64_t bytes = 0;
    char text[INT_TEXT_MAX];
    for (uint64_t i = 0; i < h->count; i++) {
        int64_t v = is_at(b, h->width, i);
        KV_ASSERT(i == 0 || is_at(b, h->width, i - 1) < v);
        bytes += fmt_int(text, v);
    }
    KV_ASSERT(bytes == h->bytes && h->count <= UINT32_MAX);
}

static void check_table(const struct kv_coll_env *e, const struct kv_coll_head *h) {
    const uint32_t *s = (const uint32_t *)(const void *)block(e->a, h->root);
    KV_ASSERT(h->slots >= TABLE_MIN && (h->slots & (h->slots - 1)) == 0);
    KV_ASSERT(h->count * 4 <= (uint64_t)h->slots * 3);
    KV_ASSERT((uint64_t)h->slots * 4 <= kv_alloc_usable(s));
    uint64_t count = 0, bytes = 0;
    for (uint32_t i = 0; i < h->slots; i++) {
        if (s[i] == 0) continue;
        struct kv_slice f, v;
        (void)ent_read(block(e->a, s[i]), is_hash(h), &f, &v);
        KV_ASSERT(tab_find(e, h, f, NULL) == (int64_t)i);  /* reachable, distinct */
        count++;
        bytes += (uint64_t)f.len + (is_hash(h) ? v.len : 0);
    }
    KV_ASSERT(count == h->count && bytes == h->bytes);
}

void kv_coll_check(const struct kv_coll_env *e, const struct kv_coll_head *h) {
    KV_ASSERT(e != NULL && h != NULL);
    KV_ASSERT(h->kind == KV_COLL_HASH || h->kind == KV_COLL_SET);
    if (is_hash(h)) KV_ASSERT(h->enc == KV_COLL_PACKED || h->enc == KV_COLL_TABLE);
    else KV_ASSERT(h->enc == KV_COLL_INTSET || h->enc == KV_COLL_TABLE);
    if (h->count == 0) {
        KV_ASSERT(h->root == 0 && h->bytes == 0);
        return;
    }
    KV_ASSERT(h->root != 0);
    if (h->enc == KV_COLL_PACKED) check_packed(e, h);
    else if (h->enc == KV_COLL_INTSET) check_intset(e, h);
    else check_table(e, h);
}

uint64_t kv_coll_blocks(const struct kv_coll_head *h) {
    if (h->root == 0) return 0;
    return 1 + (h->enc == KV_COLL_TABLE ? h->count : 0);
}

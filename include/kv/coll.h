/*
 * coll.h: Redis hashes and sets in the data region (src/coll.c). One structure
 * serves both: a hash's entries are (field, value) pairs, a set's are members.
 *
 * A hash or set key's item value (see keyspace.h) is exactly one struct
 * kv_coll_head; its storage is separate kv_alloc blocks referenced by 32-bit refs,
 * in one of three encodings (OBJECT ENCODING's names):
 *   PACKED  ("listpack", hashes only): one block of entries back to back, each
 *           varint(len) field [varint(len) value], in insertion order;
 *   INTSET  ("intset", sets only): one block of count signed integers of `width`
 *           bytes (2, 4 or 8), sorted ascending, found by binary search;
 *   TABLE   ("hashtable"): an open-addressing (linear probing) array of `slots`
 *           u32 refs, each to one entry block encoded as above; load <= 3/4.
 * Conversions follow Redis 7.0: a hash is PACKED while it never held more than
 * packed_entries fields nor a field or value longer than packed_value (checked by
 * the caller: kv_coll_add's `big` flag); a set is INTSET while every member is an
 * integer and it never held more than intset_entries; TABLE converts back only when
 * SPOP rebuilds a set's small rest (kv_coll_rebuild_set), as Redis 7.0 does.
 *
 * Every mutating function completes or changes nothing and returns false (out of
 * memory): all blocks an operation needs are allocated before anything changes.
 * An empty collection never exists: the caller deletes the key at count 0.
 * Slices returned point into the region (or the iterator's number buffer) and stay
 * valid until the next mutation of any collection or the allocator.
 */
#ifndef KV_COLL_H
#define KV_COLL_H

#include "kv/alloc.h"
#include "kv/common.h"

enum kv_coll_kind { KV_COLL_HASH = 1, KV_COLL_SET = 2 };
enum kv_coll_enc { KV_COLL_PACKED = 1, KV_COLL_INTSET = 2, KV_COLL_TABLE = 3 };

#define KV_COLL_ELEM_MAX (1u << 30) /* longest field, value or member (1 GiB) */

struct kv_coll_head {
    uint32_t root;      /* the packed block, the intset or the slot array; 0: empty */
    uint8_t kind;       /* enum kv_coll_kind */
    uint8_t enc;        /* enum kv_coll_enc */
    uint8_t width;      /* intset: bytes per integer */
    uint8_t reserved;
    uint32_t slots;     /* table: slot array length (a power of two) */
    uint32_t used;      /* packed: bytes of entries */
    uint64_t count;     /* entries */
    uint64_t bytes;     /* sum of field and value lengths (reply bounds) */
};

/* What the structure works in: the region, the hash seed and the thresholds. */
struct kv_coll_env {
    struct kv_alloc *a;
    uint64_t seed;
    uint64_t packed_entries;  /* hash-max-listpack-entries */
    uint64_t intset_entries;  /* set-max-intset-entries */
};

void kv_coll_init(struct kv_coll_head *h, enum kv_coll_kind kind);
/* Frees every block; the head is left empty. */
void kv_coll_release(struct kv_alloc *a, struct kv_coll_head *h);
/* Deep copy into an initialised empty head of the same kind. False if OOM. */
bool kv_coll_copy(const struct kv_coll_env *e, struct kv_coll_head *dst,
                  const struct kv_coll_head *src);
/* Data-region bytes of the collection's blocks, as the allocator sizes them. */
uint64_t kv_coll_memory(const struct kv_alloc *a, const struct kv_coll_head *h);
/* Invariants of one collection (encoding, order, counts, bytes, table probing). */
void kv_coll_check(const struct kv_coll_env *e, const struct kv_coll_head *h);
/* "listpack", "intset" or "hashtable". */
const char *kv_coll_encoding(const struct kv_coll_head *h);

/*
 * Prefetch, for speed only (no result depends on it; src/keyspace.c's lookahead
 * hints): of a table, kv_coll_prefetch_home prefetches the field's home slot and
 * returns its index, for kv_coll_prefetch_probe to prefetch, once that slot is in
 * the cache, the entry blocks of the first KV_COLL_PREFETCH_PROBES probes from it.
 * Any other encoding: KV_COLL_NO_HOME, nothing fetched (its one block comes with
 * the key's value prefetch).
 */
#define KV_COLL_NO_HOME UINT64_MAX
#define KV_COLL_PREFETCH_PROBES 2u
uint64_t kv_coll_prefetch_home(const struct kv_coll_env *e, const struct kv_coll_head *h,
                               struct kv_slice field);
void kv_coll_prefetch_probe(const struct kv_coll_env *e, const struct kv_coll_head *h,
                            uint64_t home);

/* Whether field is present; *value (hashes; may be NULL) gets its value. */
bool kv_coll_get(const struct kv_coll_env *e, const struct kv_coll_head *h,
                 struct kv_slice field, struct kv_slice *value);
/*
 * Adds n entries one after the other (a hash: args[2i] field, args[2i+1] value,
 * a later pair replacing an earlier one; a set: args[i]); *added gets how many
 * were new. `big`: a field or value is longer than hash-max-listpack-value (the
 * hash becomes a table). All or nothing; args must not point into the region.
 */
bool kv_coll_add(const struct kv_coll_env *e, struct kv_coll_head *h,
                 const struct kv_slice *args, uint32_t n, bool big, uint64_t *added);
/* What kv_coll_add(h, args, n, big) may allocate at once (an upper bound, from the
 * encoding it will take): *need bytes of blocks, the largest *largest bytes. */
void kv_coll_add_room(const struct kv_coll_env *e, const struct kv_coll_head *h,
                      const struct kv_slice *args, uint32_t n, bool big, uint64_t *need,
                      uint64_t *largest);
/* Converts a packed hash to a table (HSETNX's long arguments). False if OOM. */
bool kv_coll_to_table(const struct kv_coll_env *e, struct kv_coll_head *h);
/*
 * A set rebuilt from its own members, as Redis 7.0's SPOP builds the rest of a set
 * anew when it pops most of it (setTypeCreate from the first member, then adds):
 * a table whose members are all integers, at most intset_entries of them, becomes an
 * intset (ascending, the narrowest width holding them); an intset narrows to that
 * width; any other table stays as it is (a new one would be a table too). All or
 * nothing: the intset block is allocated before anything changes; false if it
 * cannot be (OOM), the table then unchanged. count must be > 0.
 */
bool kv_coll_rebuild_set(const struct kv_coll_env *e, struct kv_coll_head *h);
/* Removes the entries named by fields[0..n); returns how many. Never fails. */
uint64_t kv_coll_remove(const struct kv_coll_env *e, struct kv_coll_head *h,
                        const struct kv_slice *fields, uint32_t n);

/* Read-only iteration in storage order; any mutation invalidates it. */
struct kv_coll_iter {
    const struct kv_alloc *a;
    const struct kv_coll_head *h;
    uint64_t pos;       /* packed: byte offset; intset: index; table: slot */
    uint64_t left;      /* entries not yet returned */
    char num[24];       /* an intset member's text */
};
void kv_coll_iter_init(struct kv_coll_iter *it, const struct kv_alloc *a,
                       const struct kv_coll_head *h);
bool kv_coll_next(struct kv_coll_iter *it, struct kv_slice *field, struct kv_slice *value);

/* A random entry (r: a random number), uniform: a table draws random slots until
 * one is used (256 draws at most, then the next used slot). The
 * iterator's buffer holds an integer member's text. count must be > 0. */
void kv_coll_random(struct kv_coll_iter *it, const struct kv_alloc *a,
                    const struct kv_coll_head *h, uint64_t r, struct kv_slice *field,
                    struct kv_slice *value);

/*
 * HSCAN/SSCAN: from `cursor`, visits entries and returns the next cursor (0: done).
 * Packed and intset: everything, cursor 0. Table: Redis's reverse-binary cursor
 * over home slots (each home's entries found along its probe run), until `want`
 * entries were visited or 10 * want homes (Redis's COUNT), so every entry present
 * for the whole scan is returned at least once, across growth and shrinking too.
 */
typedef void (*kv_coll_visit_fn)(void *ctx, struct kv_slice field, struct kv_slice value);
uint64_t kv_coll_scan(const struct kv_coll_env *e, const struct kv_coll_head *h,
                      uint64_t cursor, uint64_t want, kv_coll_visit_fn visit, void *ctx);

/* Allocator blocks the collection holds (kv_ks_check's count). */
uint64_t kv_coll_blocks(const struct kv_coll_head *h);
/* Whether s is a member an intset can hold (Redis's string2ll). */
bool kv_coll_is_int(struct kv_slice s, int64_t *v);

#endif

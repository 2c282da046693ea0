/*
 * stream.h: Redis streams in the data region (src/stream.c).
 *
 * A stream key's item value is exactly one struct kv_stream_head. Entries (an ID,
 * ms-seq, 64 + 64 bits, strictly increasing, and one or more field/value pairs) live
 * in a chain of node blocks; an index block, sorted by each node's first ID (Redis's
 * radix tree key: the ID of the first entry ever put in the node), finds the node
 * holding an ID by binary search: O(log nodes). A node takes entries until Redis's
 * own rule says its listpack is full (stream-node-max-bytes, compared with the bytes
 * Redis's listpack encoding would have, not kv's; stream-node-max-entries, counting
 * deleted entries), so node boundaries, and with them XTRIM ~'s replies, equal
 * Redis's. A deleted entry stays in its node, flagged, until the node empties.
 *
 * The head keeps what Redis 7.0 keeps: length, last generated ID, entries added,
 * the max deleted entry ID; the first entry is read from the first node.
 * Every mutating function completes or changes nothing (false: out of memory);
 * deletion and trimming never allocate. Unlike hashes, an empty stream exists.
 * Entry slices point into the region and stay valid until the next mutation.
 */
#ifndef KV_STREAM_H
#define KV_STREAM_H

#include "kv/alloc.h"
#include "kv/common.h"

struct kv_stream_id {
    uint64_t ms;
    uint64_t seq;
};

struct kv_stream_head {
    uint32_t index;          /* ref of the node index block; 0: no nodes */
    uint32_t index_cap;      /* slots in the index block */
    uint32_t first;          /* index slot of the first node */
    uint32_t nodes;          /* nodes: slots first .. first + nodes - 1 */
    uint64_t length;         /* live entries */
    uint64_t entries_added;  /* entries ever added (XINFO entries-added) */
    struct kv_stream_id last_id;      /* last generated ID */
    struct kv_stream_id max_deleted;  /* the greatest ID XDEL removed */
    uint64_t bytes;          /* sum of live entries' field and value lengths */
    uint64_t entry_bytes_max; /* largest entry's field and value bytes ever added */
    uint32_t pairs_max;      /* most pairs one entry ever had */
    uint32_t groups;         /* ref of the consumer groups block (stream_cg.c); 0: none */
};

/* What streams work in: the region and Redis's two node limits (0: no limit). */
struct kv_stream_env {
    struct kv_alloc *a;
    uint64_t node_max_bytes;    /* stream-node-max-bytes */
    uint64_t node_max_entries;  /* stream-node-max-entries */
};

int kv_stream_id_cmp(struct kv_stream_id a, struct kv_stream_id b);
/* ID + 1 / ID - 1 in 128-bit order; false at the end of the range (id unchanged). */
bool kv_stream_id_incr(struct kv_stream_id *id);
bool kv_stream_id_decr(struct kv_stream_id *id);
/* "ms-seq" into buf (at least 42 bytes); returns its length. */
uint32_t kv_stream_id_format(struct kv_stream_id id, char *buf);

void kv_stream_init(struct kv_stream_head *h);
void kv_stream_release(struct kv_alloc *a, struct kv_stream_head *h);
/* Deep copy into an initialised empty head. False if OOM (dst left empty). */
bool kv_stream_copy(const struct kv_stream_env *e, struct kv_stream_head *dst,
                    const struct kv_stream_head *src);
uint64_t kv_stream_memory(const struct kv_alloc *a, const struct kv_stream_head *h);
uint64_t kv_stream_blocks(const struct kv_stream_head *h);
void kv_stream_check(const struct kv_stream_env *e, const struct kv_stream_head *h);

/*
 * Appends one entry with ID id (> h->last_id) and n pairs args[0..2n) (field,
 * value, ...; args outside the region). False if OOM (nothing changed).
 */
bool kv_stream_append(const struct kv_stream_env *e, struct kv_stream_head *h,
                      struct kv_stream_id id, const struct kv_slice *args, uint32_t n);
/* What kv_stream_append may allocate (an upper bound): bytes and largest block. */
void kv_stream_append_room(const struct kv_stream_env *e, const struct kv_stream_head *h,
                           const struct kv_slice *args, uint32_t n, uint64_t *need,
                           uint64_t *largest);
/* Deletes the live entry id (XDEL): true if it was there. Never allocates. */
bool kv_stream_delete(struct kv_alloc *a, struct kv_stream_head *h, struct kv_stream_id id);

enum kv_stream_trim { KV_STREAM_TRIM_MAXLEN = 1, KV_STREAM_TRIM_MINID = 2 };
/* Redis's streamTrim: removes entries while length > maxlen (or IDs < minid); with
 * approx only whole nodes; limit > 0 stops once that many went. Returns how many. */
uint64_t kv_stream_trim(struct kv_alloc *a, struct kv_stream_head *h,
                        enum kv_stream_trim how, uint64_t maxlen, struct kv_stream_id minid,
                        bool approx, uint64_t limit);
/* The first live entry's ID; false when empty. O(entries of the first node). */
bool kv_stream_first_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                        struct kv_stream_id *id);

/* The greatest ID the nodes hold, a deleted entry's included; false without nodes.
 * O(1). */
bool kv_stream_top_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                      struct kv_stream_id *id);
/* The last live entry's ID; false when empty. O(entries of the last node). */
bool kv_stream_last_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                       struct kv_stream_id *id);

/* Iteration over live entries with start <= ID <= end, ascending or (rev)
 * descending; any mutation invalidates it. */
struct kv_stream_iter {
    const struct kv_alloc *a;
    const struct kv_stream_head *h;
    struct kv_stream_id start, end;
    bool rev;
    bool done;
    uint32_t node;           /* index slot of the current node */
    uint64_t off;            /* forward: next entry's offset; rev: end of the next one */
};
struct kv_stream_entry {
    struct kv_stream_id id;
    uint32_t pairs;
    const uint8_t *p;        /* the first pair (kv_stream_entry_pair reads on) */
};
void kv_stream_iter_init(struct kv_stream_iter *it, const struct kv_alloc *a,
                         const struct kv_stream_head *h, struct kv_stream_id start,
                         struct kv_stream_id end, bool rev);
bool kv_stream_iter_next(struct kv_stream_iter *it, struct kv_stream_entry *e);
/* The next pair of an entry: call it e->pairs times. */
void kv_stream_entry_pair(struct kv_stream_entry *e, struct kv_slice *field,
                          struct kv_slice *value);

/*
 * Consumer groups (src/stream_cg.c): groups in Redis's order of their names, each
 * with its last delivered ID, entries-read counter (-1: unknown) and consumers (in
 * name order, each with its seen time). Views point into the region and stay valid
 * until the next change of the stream's groups. Creating returns false (or -1) when
 * out of memory, having changed nothing; removing never allocates.
 */
struct kv_stream_group {
    struct kv_slice name;
    struct kv_stream_id last;  /* last-delivered-id */
    int64_t entries_read;      /* -1: unknown */
    uint32_t consumers;
    uint32_t pending;
    uint32_t off;              /* where it is (internal) */
};
struct kv_stream_consumer {
    struct kv_slice name;
    int64_t seen_time;         /* ms */
    uint32_t pending;
    uint32_t index, off;       /* internal */
};
uint32_t kv_stream_groups(const struct kv_alloc *a, const struct kv_stream_head *h);
/* The first group (first) or the one after *g; false past the last. */
bool kv_stream_group_next(const struct kv_alloc *a, const struct kv_stream_head *h,
                          struct kv_stream_group *g, bool first);
bool kv_stream_group_find(const struct kv_alloc *a, const struct kv_stream_head *h,
                          struct kv_slice name, struct kv_stream_group *g);
/* Bytes a new group of a name_len-byte name (with one consumer) may allocate. */
uint64_t kv_stream_group_room(const struct kv_alloc *a, const struct kv_stream_head *h,
                              uint64_t name_len);
/* name must not be a group yet. */
bool kv_stream_group_create(struct kv_alloc *a, struct kv_stream_head *h, struct kv_slice name,
                            struct kv_stream_id last, int64_t entries_read);
void kv_stream_group_set(struct kv_alloc *a, struct kv_stream_head *h,
                         const struct kv_stream_group *g, struct kv_stream_id last,
                         int64_t entries_read);
void kv_stream_group_destroy(struct kv_alloc *a, struct kv_stream_head *h,
                             const struct kv_stream_group *g);
bool kv_stream_consumer_next(const struct kv_alloc *a, const struct kv_stream_head *h,
                             const struct kv_stream_group *g, struct kv_stream_consumer *c,
                             bool first);
bool kv_stream_consumer_find(const struct kv_alloc *a, const struct kv_stream_head *h,
                             const struct kv_stream_group *g, struct kv_slice name,
                             struct kv_stream_consumer *c);
/* 1 created, 0 it existed, -1 out of memory; *g is refreshed. */
int kv_stream_consumer_create(struct kv_alloc *a, struct kv_stream_head *h,
                              struct kv_stream_group *g, struct kv_slice name, int64_t now);
void kv_stream_consumer_delete(struct kv_alloc *a, struct kv_stream_head *h,
                               struct kv_stream_group *g, const struct kv_stream_consumer *c);
/* For stream.c: free, deep copy (false: OOM, dst without groups), bytes, check. */
void kv_stream_cg_release(struct kv_alloc *a, struct kv_stream_head *h);
bool kv_stream_cg_copy(struct kv_alloc *a, struct kv_stream_head *dst,
                       const struct kv_stream_head *src);
uint64_t kv_stream_cg_memory(const struct kv_alloc *a, const struct kv_stream_head *h);
void kv_stream_cg_check(const struct kv_alloc *a, const struct kv_stream_head *h);

/* Redis's node count (XINFO radix-tree-keys) */
static inline uint64_t kv_stream_nodes(const struct kv_stream_head *h) { return h->nodes; }

#endif

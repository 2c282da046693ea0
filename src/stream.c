/*
 * stream.c: Redis streams in the data region (include/kv/stream.h).
 *
 * Memory: owns every stream's index block and node blocks (kv_alloc blocks in the
 * keyspace's data region); the head lives in its key's item (the keyspace's).
 *
 * Structure:
 *   index block: index_cap slots of 24 bytes {u64 ms, u64 seq, u32 node ref, u32 0},
 *     slots first .. first + nodes - 1 in use, ascending by the node's first ID (the
 *     ID of the first entry ever put in it, deleted or not: Redis's radix tree key).
 *     A seek is a binary search over it: O(log nodes). Removing the first node moves
 *     `first` (O(1): trimming); a full index compacts to slot 0 when at most half is
 *     used, else doubles (realloc).
 *   node block: a 24-byte header {u64 used, u64 rbytes, u32 live, u32 deleted}, then
 *     `used` bytes of entries, each {u32 size, u8 flags, 3 zero bytes, u64 ms,
 *     u64 seq, u32 pairs, pairs x (u32 len, field, u32 len, value), u32 size}: the
 *     trailing size walks backwards (XREVRANGE). flags bit 0: deleted.
 *   rbytes is the size Redis's listpack for this node would have (lpBytes): its
 *     master entry (count, deleted, field count, the first entry's fields, 0) and
 *     each entry as streamAppendItem writes it (flags, ms and seq differences from
 *     the node's first ID, the fields unless they equal the master's, the values,
 *     lp-count), each element sized as listpack encodes it (integers in 1-9 bytes,
 *     strings that look like integers as integers, plus the back length). A node
 *     takes the next entry unless rbytes + the entry's field and value bytes >=
 *     stream-node-max-bytes or live + deleted >= stream-node-max-entries (Redis's
 *     test, with its meaning of 0 as no limit), so nodes split where Redis's do, and
 *     XTRIM ~ (whole nodes only) removes exactly what Redis removes.
 * Invariants (kv_stream_check): IDs strictly ascend across nodes; each node's slot
 * holds its first entry's ID; live, deleted, rbytes, used, length and bytes are
 * exact; last_id >= every ID. XDEL of a node's last live entry frees the node, and
 * so does trimming a whole node; but exact MINID trimming inside a node whose last
 * entry is already deleted can flag every live entry and keep the node with none
 * (Redis keeps that listpack too: its entries still count toward the node's limits).
 * All or nothing: an append reallocates (or allocates) its node and grows the index
 * before it writes; deleting and trimming only free.
 * Never: allocates outside the given kv_alloc, recurses, or loops without a bound.
 */
#include "kv/stream.h"

#include <string.h>

#include "kv/coll.h"
#include "kv/util.h"

#define NODE_HDR 24u
#define ENT_HDR 28u
#define ENT_TAIL 4u
#define ENT_MIN (ENT_HDR + ENT_TAIL + 8u)
#define SLOT_BYTES 24u
#define INDEX_MIN 4u
#define F_DELETED 1u
#define LP_MAX_SIZE (1ull << 30)  /* Redis's STREAM_LISTPACK_MAX_SIZE */
#define LP_HDR_END 7u             /* a listpack's header and end byte */

/* ---- little helpers --------------------------------------------------------------- */

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

int kv_stream_id_cmp(struct kv_stream_id a, struct kv_stream_id b) {
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

bool kv_stream_id_incr(struct kv_stream_id *id) {
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms == UINT64_MAX) return false;
    id->ms++;
    id->seq = 0;
    return true;
}

bool kv_stream_id_decr(struct kv_stream_id *id) {
    if (id->seq != 0) {
        id->seq--;
        return true;
    }
    if (id->ms == 0) return false;
    id->ms--;
    id->seq = UINT64_MAX;
    return true;
}

static uint32_t fmt_u64(char *buf, uint64_t u) {
    char tmp[20];
    uint32_t n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0 && n < 20);
    while (n > 0) buf[len++] = tmp[--n];
    return len;
}

uint32_t kv_stream_id_format(struct kv_stream_id id, char *buf) {
    uint32_t n = fmt_u64(buf, id.ms);
    buf[n++] = '-';
    n += fmt_u64(buf + n, id.seq);
    KV_ASSERT(n <= 41);
    return n;
}

/* ---- Redis's listpack sizes --------------------------------------------------------- */

static uint64_t lp_int_bytes(int64_t v) {
    if (v >= 0 && v <= 127) return 2;
    if (v >= -4096 && v <= 4095) return 3;
    if (v >= -32768 && v <= 32767) return 4;
    if (v >= -8388608 && v <= 8388607) return 5;
    if (v >= INT32_MIN && v <= INT32_MAX) return 6;
    return 10;
}

static uint64_t lp_backlen(uint64_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

static uint64_t lp_str_bytes(struct kv_slice s) {
    int64_t v;
    if (kv_coll_is_int(s, &v)) return lp_int_bytes(v);
    uint64_t enc = s.len < 64 ? 1 + (uint64_t)s.len
                              : (s.len < 4096 ? 2 + (uint64_t)s.len : 5 + (uint64_t)s.len);
    return enc + lp_backlen(enc);
}

/* ---- nodes, entries, slots ---------------------------------------------------------- */

struct node {
    uint64_t used, rbytes;
    uint32_t live, deleted;
};
static struct node node_get(const uint8_t *p) {
    struct node n = {ld64(p), ld64(p + 8), ld32(p + 16), ld32(p + 20)};
    return n;
}
static void node_put(uint8_t *p, struct node n) {
    st64(p, n.used);
    st64(p + 8, n.rbytes);
    st32(p + 16, n.live);
    st32(p + 20, n.deleted);
}

struct ent {
    uint32_t size;
    uint8_t flags;
    struct kv_stream_id id;
    uint32_t pairs;
};
static struct ent ent_get(const uint8_t *p) {
    struct ent e = {ld32(p), p[4], {ld64(p + 8), ld64(p + 16)}, ld32(p + 24)};
    return e;
}
/* The slice at *p (u32 length, bytes); advances *p. */
static struct kv_slice slice_next(const uint8_t **p) {
    struct kv_slice s = {*p + 4, ld32(*p)};
    *p += 4 + (uint64_t)s.len;
    return s;
}

static uint8_t *index_of(const struct kv_alloc *a, const struct kv_stream_head *h) {
    KV_ASSERT(h->index != 0);
    return kv_alloc_ptr(a, h->index);
}
static struct kv_stream_id slot_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                                   uint32_t i) {
    const uint8_t *s = index_of(a, h) + (uint64_t)i * SLOT_BYTES;
    struct kv_stream_id id = {ld64(s), ld64(s + 8)};
    return id;
}
static uint32_t slot_ref(const struct kv_alloc *a, const struct kv_stream_head *h,
                         uint32_t i) {
    KV_ASSERT(i >= h->first && i < h->first + h->nodes);
    return ld32(index_of(a, h) + (uint64_t)i * SLOT_BYTES + 16);
}
static void slot_put(const struct kv_alloc *a, struct kv_stream_head *h, uint32_t i,
                     struct kv_stream_id id, uint32_t ref) {
    uint8_t *s = index_of(a, h) + (uint64_t)i * SLOT_BYTES;
    st64(s, id.ms);
    st64(s + 8, id.seq);
    st32(s + 16, ref);
    st32(s + 20, 0);
}
static uint8_t *node_at(const struct kv_alloc *a, const struct kv_stream_head *h, uint32_t i) {
    return kv_alloc_ptr(a, slot_ref(a, h, i));
}

/* Redis's bytes for the entry at e (fields compared with the master entry m, the
 * node's first; IDs as differences from the node's first ID). */
static uint64_t ent_rbytes(const uint8_t *m, const uint8_t *e) {
    struct ent me = ent_get(m), ee = ent_get(e);
    bool same = me.pairs == ee.pairs;
    const uint8_t *mp = m + ENT_HDR, *ep = e + ENT_HDR;
    uint64_t fields = 0, values = 0;
    for (uint32_t i = 0; i < ee.pairs; i++) {
        struct kv_slice f = slice_next(&ep), v = slice_next(&ep);
        fields += lp_str_bytes(f);
        values += lp_str_bytes(v);
        if (!same) continue;
        struct kv_slice mf = slice_next(&mp);
        (void)slice_next(&mp);
        same = mf.len == f.len && (f.len == 0 || memcmp(mf.ptr, f.ptr, f.len) == 0);
    }
    int64_t ms = (int64_t)(ee.id.ms - me.id.ms), seq = (int64_t)(ee.id.seq - me.id.seq);
    uint64_t lp_count = ee.pairs + 3 + (same ? 0 : (uint64_t)ee.pairs + 1);
    uint64_t b = lp_int_bytes(same ? 2 : 0) + lp_int_bytes(ms) + lp_int_bytes(seq) + values +
                 lp_int_bytes((int64_t)lp_count);
    if (!same) b += lp_int_bytes(ee.pairs) + fields;
    KV_ASSERT(b >= 4 * 2);
    return b;
}

/* Redis's bytes of a node's listpack apart from its entries and two counters. */
static uint64_t master_rbytes(const uint8_t *m) {
    struct ent me = ent_get(m);
    const uint8_t *p = m + ENT_HDR;
    uint64_t b = LP_HDR_END + lp_int_bytes(me.pairs) + lp_int_bytes(0);
    for (uint32_t i = 0; i < me.pairs; i++) {
        b += lp_str_bytes(slice_next(&p));
        (void)slice_next(&p);
    }
    return b;
}

static uint64_t counters_rbytes(uint32_t live, uint32_t deleted) {
    return lp_int_bytes(live) + lp_int_bytes(deleted);
}

/* ---- head ----------------------------------------------------------------------------- */

void kv_stream_init(struct kv_stream_head *h) {
    KV_ASSERT(h != NULL);
    memset(h, 0, sizeof(*h));
}

void kv_stream_release(struct kv_alloc *a, struct kv_stream_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    for (uint32_t i = h->first; i < h->first + h->nodes; i++)
        kv_alloc_free(a, node_at(a, h, i));
    if (h->index != 0) kv_alloc_free(a, index_of(a, h));
    kv_stream_cg_release(a, h);
    h->index = 0;
    h->index_cap = 0;
    h->first = 0;
    h->nodes = 0;
    h->length = 0;
    h->bytes = 0;
}

uint64_t kv_stream_memory(const struct kv_alloc *a, const struct kv_stream_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    uint64_t b = kv_stream_cg_memory(a, h);
    if (h->index == 0) return b;
    b += kv_alloc_block_bytes(index_of(a, h));
    for (uint32_t i = h->first; i < h->first + h->nodes; i++)
        b += kv_alloc_block_bytes(node_at(a, h, i));
    return b;
}

uint64_t kv_stream_blocks(const struct kv_stream_head *h) {
    return (h->index == 0 ? 0 : 1 + (uint64_t)h->nodes) + (h->groups != 0 ? 1 : 0);
}

bool kv_stream_copy(const struct kv_stream_env *e, struct kv_stream_head *dst,
                    const struct kv_stream_head *src) {
    KV_ASSERT(dst->index == 0 && dst->nodes == 0);
    struct kv_stream_head h = *src;
    h.index = 0;
    h.index_cap = 0;
    h.first = 0;
    h.nodes = 0;
    if (!kv_stream_cg_copy(e->a, &h, src)) return false;
    if (src->nodes > 0) {
        uint8_t *ix = kv_alloc_alloc(e->a, (uint64_t)src->nodes * SLOT_BYTES);
        if (ix == NULL) {
            kv_stream_cg_release(e->a, &h);
            return false;
        }
        h.index = kv_alloc_ref(e->a, ix);
        h.index_cap = src->nodes;
        for (uint32_t i = 0; i < src->nodes; i++) {
            const uint8_t *sn = node_at(e->a, src, src->first + i);
            uint64_t n = NODE_HDR + node_get(sn).used;
            uint8_t *dn = kv_alloc_alloc(e->a, n);
            if (dn == NULL) {
                kv_stream_release(e->a, &h);
                return false;
            }
            memcpy(dn, sn, n);
            h.nodes = i + 1;
            slot_put(e->a, &h, i, slot_id(e->a, src, src->first + i), kv_alloc_ref(e->a, dn));
        }
    }
    *dst = h;
    KV_ASSERT(dst->nodes == src->nodes && dst->length == src->length);
    return true;
}

/* ---- seeking --------------------------------------------------------------------------- */

/* The last slot whose first ID <= id; -1 if none (or no nodes). O(log nodes). */
static int64_t seek_slot(const struct kv_alloc *a, const struct kv_stream_head *h,
                         struct kv_stream_id id) {
    if (h->nodes == 0) return -1;
    uint32_t lo = h->first, hi = h->first + h->nodes;  /* answer in [lo - 1, hi) */
    while (lo < hi) {  /* halves each pass */
        uint32_t mid = lo + (hi - lo) / 2;
        if (kv_stream_id_cmp(slot_id(a, h, mid), id) <= 0) lo = mid + 1;
        else hi = mid;
    }
    KV_ASSERT(lo >= h->first && lo <= h->first + h->nodes);
    return lo == h->first ? -1 : (int64_t)lo - 1;
}

/* ---- appending ------------------------------------------------------------------------- */

static uint64_t ent_size_of(const struct kv_slice *args, uint32_t n) {
    uint64_t s = ENT_HDR + ENT_TAIL;
    for (uint32_t i = 0; i < 2 * n; i++) s += 4 + (uint64_t)args[i].len;
    return s;
}

static void ent_write(uint8_t *p, uint64_t size, struct kv_stream_id id,
                      const struct kv_slice *args, uint32_t n) {
    KV_ASSERT(size <= UINT32_MAX);
    st32(p, (uint32_t)size);
    memset(p + 4, 0, 4);
    st64(p + 8, id.ms);
    st64(p + 16, id.seq);
    st32(p + 24, n);
    uint8_t *q = p + ENT_HDR;
    for (uint32_t i = 0; i < 2 * n; i++) {
        st32(q, args[i].len);
        if (args[i].len > 0) memcpy(q + 4, args[i].ptr, args[i].len);
        q += 4 + (uint64_t)args[i].len;
    }
    st32(q, (uint32_t)size);
    KV_ASSERT((uint64_t)(q + 4 - p) == size);
}

/* Whether the tail node n takes no more entries (Redis's streamAppendItem test). */
static bool node_full(const struct kv_stream_env *e, struct node n, uint64_t totelelen) {
    uint64_t max_bytes = e->node_max_bytes;
    if (max_bytes == 0 || max_bytes > LP_MAX_SIZE) max_bytes = LP_MAX_SIZE;
    if (n.rbytes + totelelen >= max_bytes) return true;
    return e->node_max_entries != 0 && (uint64_t)n.live + n.deleted >= e->node_max_entries;
}

/* Room for one more slot at the end of the index: compacts or grows it. */
static bool index_room(struct kv_alloc *a, struct kv_stream_head *h) {
    if (h->first + h->nodes < h->index_cap) return true;
    if (h->index != 0 && h->nodes * 2 <= h->index_cap) {
        uint8_t *ix = index_of(a, h);
        memmove(ix, ix + (uint64_t)h->first * SLOT_BYTES, (uint64_t)h->nodes * SLOT_BYTES);
        h->first = 0;
        return true;
    }
    uint32_t cap = h->index_cap < INDEX_MIN ? INDEX_MIN : h->index_cap * 2;
    uint8_t *old = h->index == 0 ? NULL : index_of(a, h);
    uint8_t *ix = kv_alloc_realloc(a, old, (uint64_t)cap * SLOT_BYTES);
    if (ix == NULL) return false;
    h->index = kv_alloc_ref(a, ix);
    h->index_cap = cap;
    KV_ASSERT(h->first + h->nodes < h->index_cap);
    return true;
}

static void head_added(struct kv_stream_head *h, struct kv_stream_id id,
                       const struct kv_slice *args, uint32_t n) {
    uint64_t tot = 0;
    for (uint32_t i = 0; i < 2 * n; i++) tot += args[i].len;
    h->length++;
    h->entries_added++;
    h->last_id = id;
    h->bytes += tot;
    h->entry_bytes_max = KV_MAX(h->entry_bytes_max, tot);
    h->pairs_max = KV_MAX(h->pairs_max, n);
}

static bool append_fresh(const struct kv_stream_env *e, struct kv_stream_head *h,
                         struct kv_stream_id id, const struct kv_slice *args, uint32_t n,
                         uint64_t esize) {
    uint8_t *p = kv_alloc_alloc(e->a, NODE_HDR + esize);
    if (p == NULL) return false;
    if (!index_room(e->a, h)) {
        kv_alloc_free(e->a, p);
        return false;
    }
    ent_write(p + NODE_HDR, esize, id, args, n);
    struct node nd = {esize, 0, 1, 0};
    nd.rbytes = master_rbytes(p + NODE_HDR) + counters_rbytes(1, 0) +
                ent_rbytes(p + NODE_HDR, p + NODE_HDR);
    node_put(p, nd);
    slot_put(e->a, h, h->first + h->nodes, id, kv_alloc_ref(e->a, p));
    h->nodes++;
    head_added(h, id, args, n);
    return true;
}

bool kv_stream_append(const struct kv_stream_env *e, struct kv_stream_head *h,
                      struct kv_stream_id id, const struct kv_slice *args, uint32_t n) {
    KV_ASSERT(n >= 1 && kv_stream_id_cmp(id, h->last_id) > 0);
    uint64_t tot = 0, esize = ent_size_of(args, n);
    for (uint32_t i = 0; i < 2 * n; i++) tot += args[i].len;
    if (h->nodes == 0) return append_fresh(e, h, id, args, n, esize);
    uint32_t last = h->first + h->nodes - 1;
    uint8_t *p = node_at(e->a, h, last);
    struct node nd = node_get(p);
    if (node_full(e, nd, tot)) return append_fresh(e, h, id, args, n, esize);
    uint64_t need = NODE_HDR + nd.used + esize;
    if (kv_alloc_usable(p) < need) {
        p = kv_alloc_realloc(e->a, p, need);
        if (p == NULL) return false;
        slot_put(e->a, h, last, slot_id(e->a, h, last), kv_alloc_ref(e->a, p));
    }
    uint8_t *q = p + NODE_HDR + nd.used;
    ent_write(q, esize, id, args, n);
    nd.rbytes += counters_rbytes(nd.live + 1, nd.deleted) - counters_rbytes(nd.live, nd.deleted);
    nd.rbytes += ent_rbytes(p + NODE_HDR, q);
    nd.used += esize;
    nd.live++;
    node_put(p, nd);
    head_added(h, id, args, n);
    KV_ASSERT(h->length >= nd.live);
    return true;
}

void kv_stream_append_room(const struct kv_stream_env *e, const struct kv_stream_head *h,
                           const struct kv_slice *args, uint32_t n, uint64_t *need,
                           uint64_t *largest) {
    KV_ASSERT(e != NULL && h != NULL);
    uint64_t esize = ent_size_of(args, n);
    uint64_t node = NODE_HDR + esize;
    if (h->nodes > 0) node += node_get(node_at(e->a, h, h->first + h->nodes - 1)).used;
    uint64_t ix = (uint64_t)KV_MAX(INDEX_MIN, h->index_cap * 2) * SLOT_BYTES;
    *need = kv_alloc_block_size(node) + kv_alloc_block_size(ix);
    *largest = KV_MAX(node, ix);
}

/* ---- deleting and trimming ---------------------------------------------------------------- */

/* Removes the node in slot i (its entries are gone from the head's counts). */
static void node_remove(struct kv_alloc *a, struct kv_stream_head *h, uint32_t i) {
    KV_ASSERT(i >= h->first && i < h->first + h->nodes);
    kv_alloc_free(a, node_at(a, h, i));
    if (i == h->first) {
        h->first++;
    } else {
        uint8_t *ix = index_of(a, h);
        uint64_t tail = (uint64_t)(h->first + h->nodes - 1 - i) * SLOT_BYTES;
        memmove(ix + (uint64_t)i * SLOT_BYTES, ix + (uint64_t)(i + 1) * SLOT_BYTES, tail);
    }
    h->nodes--;
    if (h->nodes == 0) {
        kv_alloc_free(a, index_of(a, h));
        h->index = 0;
        h->index_cap = 0;
        h->first = 0;
    }
}

/* Field and value bytes of the entry at p. */
static uint64_t ent_bytes(const uint8_t *p) {
    struct ent en = ent_get(p);
    return en.size - ENT_HDR - ENT_TAIL - 8ull * en.pairs;
}

/* Flags the live entry q of node slot i deleted (the node stays, maybe with none). */
static void ent_mark(struct kv_alloc *a, struct kv_stream_head *h, uint32_t i, uint8_t *q) {
    uint8_t *p = node_at(a, h, i);
    struct node nd = node_get(p);
    KV_ASSERT(nd.live >= 1 && (q[4] & F_DELETED) == 0);
    q[4] |= F_DELETED;
    nd.rbytes -= counters_rbytes(nd.live, nd.deleted);
    nd.live--;
    nd.deleted++;
    nd.rbytes += counters_rbytes(nd.live, nd.deleted);
    node_put(p, nd);
    h->length--;
    h->bytes -= ent_bytes(q);
}

bool kv_stream_delete(struct kv_alloc *a, struct kv_stream_head *h, struct kv_stream_id id) {
    int64_t s = seek_slot(a, h, id);
    if (s < 0) return false;
    uint8_t *p = node_at(a, h, (uint32_t)s);
    struct node nd = node_get(p);
    for (uint64_t off = NODE_HDR; off < NODE_HDR + nd.used;) {  /* >= ENT_MIN a step */
        struct ent en = ent_get(p + off);
        int c = kv_stream_id_cmp(en.id, id);
        if (c > 0) return false;
        if (c == 0) {
            if (en.flags & F_DELETED) return false;
            if (kv_stream_id_cmp(id, h->max_deleted) > 0) h->max_deleted = id;
            if (nd.live > 1) {
                ent_mark(a, h, (uint32_t)s, p + off);
                return true;
            }
            h->length--;
            h->bytes -= ent_bytes(p + off);
            node_remove(a, h, (uint32_t)s);
            return true;
        }
        off += en.size;
    }
    return false;
}

/* The last entry's ID (deleted or not) of the node at p. */
static struct kv_stream_id node_last_id(const uint8_t *p) {
    struct node nd = node_get(p);
    KV_ASSERT(nd.used >= ENT_MIN);
    uint32_t size = ld32(p + NODE_HDR + nd.used - ENT_TAIL);
    return ent_get(p + NODE_HDR + nd.used - size).id;
}

/* Trims inside the first node (exact trimming); returns the entries deleted. */
static uint64_t trim_inside(struct kv_alloc *a, struct kv_stream_head *h,
                            enum kv_stream_trim how, uint64_t maxlen,
                            struct kv_stream_id minid) {
    uint8_t *p = node_at(a, h, h->first);
    uint64_t used = node_get(p).used, deleted = 0;
    for (uint64_t off = NODE_HDR; off < NODE_HDR + used;) {  /* >= ENT_MIN a step */
        struct ent en = ent_get(p + off);
        bool stop = how == KV_STREAM_TRIM_MAXLEN ? h->length <= maxlen
                                                 : kv_stream_id_cmp(en.id, minid) >= 0;
        if (stop) break;
        if (!(en.flags & F_DELETED)) {
            ent_mark(a, h, h->first, p + off);
            deleted++;
        }
        off += en.size;
    }
    return deleted;
}

uint64_t kv_stream_trim(struct kv_alloc *a, struct kv_stream_head *h,
                        enum kv_stream_trim how, uint64_t maxlen, struct kv_stream_id minid,
                        bool approx, uint64_t limit) {
    KV_ASSERT(how == KV_STREAM_TRIM_MAXLEN || how == KV_STREAM_TRIM_MINID);
    uint64_t deleted = 0, length = h->length;
    for (uint32_t pass = 0, nodes = h->nodes; pass < nodes && h->nodes > 0; pass++) {
        if (how == KV_STREAM_TRIM_MAXLEN && h->length <= maxlen) break;
        uint8_t *p = node_at(a, h, h->first);
        struct node nd = node_get(p);
        if (limit != 0 && deleted + nd.live > limit) break;
        bool whole = how == KV_STREAM_TRIM_MAXLEN
                         ? h->length - nd.live >= maxlen
                         : kv_stream_id_cmp(node_last_id(p), minid) < 0;
        if (whole) {
            for (uint64_t off = NODE_HDR; off < NODE_HDR + nd.used;) {  /* count bytes */
                struct ent en = ent_get(p + off);
                if (!(en.flags & F_DELETED)) h->bytes -= ent_bytes(p + off);
                off += en.size;
            }
            h->length -= nd.live;
            deleted += nd.live;
            node_remove(a, h, h->first);
            continue;
        }
        if (!approx) deleted += trim_inside(a, h, how, maxlen, minid);
        break;
    }
    KV_ASSERT(h->length + deleted == length);
    return deleted;
}

bool kv_stream_first_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                        struct kv_stream_id *id) {
    struct kv_stream_iter it;
    struct kv_stream_entry e;
    struct kv_stream_id lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    kv_stream_iter_init(&it, a, h, lo, hi, false);
    if (!kv_stream_iter_next(&it, &e)) return false;
    *id = e.id;
    KV_ASSERT(h->length > 0);
    return true;
}

bool kv_stream_top_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                      struct kv_stream_id *id) {
    if (h->nodes == 0) return false;
    *id = node_last_id(node_at(a, h, h->first + h->nodes - 1));
    KV_ASSERT(kv_stream_id_cmp(*id, h->last_id) <= 0);
    return true;
}

bool kv_stream_last_id(const struct kv_alloc *a, const struct kv_stream_head *h,
                       struct kv_stream_id *id) {
    struct kv_stream_iter it;
    struct kv_stream_entry e;
    struct kv_stream_id lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    kv_stream_iter_init(&it, a, h, lo, hi, true);
    if (!kv_stream_iter_next(&it, &e)) return false;
    *id = e.id;
    KV_ASSERT(h->length > 0);
    return true;
}

/* ---- iteration ---------------------------------------------------------------------------- */

static uint64_t node_end(const struct kv_stream_iter *it) {
    return NODE_HDR + node_get(node_at(it->a, it->h, it->node)).used;
}

void kv_stream_iter_init(struct kv_stream_iter *it, const struct kv_alloc *a,
                         const struct kv_stream_head *h, struct kv_stream_id start,
                         struct kv_stream_id end, bool rev) {
    KV_ASSERT(it != NULL && h != NULL);
    it->a = a;
    it->h = h;
    it->start = start;
    it->end = end;
    it->rev = rev;
    it->done = h->nodes == 0 || kv_stream_id_cmp(start, end) > 0;
    if (it->done) return;
    int64_t s = seek_slot(a, h, rev ? end : start);
    if (s < 0 && rev) {
        it->done = true;
        return;
    }
    it->node = s < 0 ? h->first : (uint32_t)s;
    it->off = rev ? node_end(it) : NODE_HDR;
}

/* The entry at p as the caller sees it. */
static void entry_out(const uint8_t *p, struct kv_stream_entry *e) {
    struct ent en = ent_get(p);
    e->id = en.id;
    e->pairs = en.pairs;
    e->p = p + ENT_HDR;
}

static bool next_fwd(struct kv_stream_iter *it, struct kv_stream_entry *e) {
    const struct kv_stream_head *h = it->h;
    for (; it->node < h->first + h->nodes; it->node++, it->off = NODE_HDR) {
        const uint8_t *p = node_at(it->a, h, it->node);
        uint64_t end = NODE_HDR + node_get(p).used;
        while (it->off < end) {  /* >= ENT_MIN a step */
            struct ent en = ent_get(p + it->off);
            const uint8_t *q = p + it->off;
            it->off += en.size;
            if ((en.flags & F_DELETED) || kv_stream_id_cmp(en.id, it->start) < 0) continue;
            if (kv_stream_id_cmp(en.id, it->end) > 0) {
                it->done = true;
                return false;
            }
            entry_out(q, e);
            return true;
        }
    }
    it->done = true;
    return false;
}

static bool next_rev(struct kv_stream_iter *it, struct kv_stream_entry *e) {
    const struct kv_stream_head *h = it->h;
    for (uint32_t pass = 0, nodes = h->nodes; pass < nodes; pass++) {
        const uint8_t *p = node_at(it->a, h, it->node);
        while (it->off > NODE_HDR) {  /* >= ENT_MIN a step */
            uint32_t size = ld32(p + it->off - ENT_TAIL);
            it->off -= size;
            struct ent en = ent_get(p + it->off);
            if ((en.flags & F_DELETED) || kv_stream_id_cmp(en.id, it->end) > 0) continue;
            if (kv_stream_id_cmp(en.id, it->start) < 0) {
                it->done = true;
                return false;
            }
            entry_out(p + it->off, e);
            return true;
        }
        if (it->node == h->first) break;
        it->node--;
        it->off = node_end(it);
    }
    it->done = true;
    return false;
}

bool kv_stream_iter_next(struct kv_stream_iter *it, struct kv_stream_entry *e) {
    KV_ASSERT(it != NULL && e != NULL);
    if (it->done) return false;
    return it->rev ? next_rev(it, e) : next_fwd(it, e);
}

void kv_stream_entry_pair(struct kv_stream_entry *e, struct kv_slice *field,
                          struct kv_slice *value) {
    KV_ASSERT(e != NULL && e->p != NULL);
    *field = slice_next(&e->p);
    *value = slice_next(&e->p);
}

/* ---- checking ------------------------------------------------------------------------------- */

/* One node's invariants; adds its live entries and bytes; *prev: the last ID seen. */
static void check_node(const uint8_t *p, struct kv_stream_id first, struct kv_stream_id *prev,
                       bool any, uint64_t *length, uint64_t *bytes) {
    struct node nd = node_get(p);
    uint32_t live = 0, deleted = 0;
    uint64_t rbytes = 0, off = NODE_HDR;
    KV_ASSERT(nd.used >= ENT_MIN && kv_alloc_usable(p) >= NODE_HDR + nd.used);
    KV_ASSERT(kv_stream_id_cmp(ent_get(p + NODE_HDR).id, first) == 0);
    while (off < NODE_HDR + nd.used) {  /* >= ENT_MIN a step */
        struct ent en = ent_get(p + off);
        KV_ASSERT(en.size >= ENT_MIN && off + en.size <= NODE_HDR + nd.used);
        KV_ASSERT(ld32(p + off + en.size - ENT_TAIL) == en.size && en.pairs >= 1);
        KV_ASSERT(ent_size_of(NULL, 0) + 8ull * en.pairs + ent_bytes(p + off) == en.size);
        KV_ASSERT(!any || kv_stream_id_cmp(en.id, *prev) > 0);
        any = true;
        *prev = en.id;
        rbytes += ent_rbytes(p + NODE_HDR, p + off);
        if (en.flags & F_DELETED) {
            deleted++;
        } else {
            live++;
            *bytes += ent_bytes(p + off);
        }
        off += en.size;
    }
    KV_ASSERT(off == NODE_HDR + nd.used && live == nd.live && deleted == nd.deleted);
    KV_ASSERT(live + deleted >= 1);
    rbytes += master_rbytes(p + NODE_HDR) + counters_rbytes(live, deleted);
    KV_ASSERT(rbytes == nd.rbytes);
    *length += live;
}

void kv_stream_check(const struct kv_stream_env *e, const struct kv_stream_head *h) {
    KV_ASSERT(e != NULL && h != NULL);
    KV_ASSERT((h->index == 0) == (h->nodes == 0));
    kv_stream_cg_check(e->a, h);
    KV_ASSERT(h->first + h->nodes <= h->index_cap || h->index == 0);
    uint64_t length = 0, bytes = 0;
    struct kv_stream_id prev = {0, 0};
    for (uint32_t i = h->first; i < h->first + h->nodes; i++) {
        KV_ASSERT(kv_alloc_usable(index_of(e->a, h)) >= (uint64_t)h->index_cap * SLOT_BYTES);
        check_node(node_at(e->a, h, i), slot_id(e->a, h, i), &prev, i > h->first, &length,
                   &bytes);
    }
    KV_ASSERT(length == h->length && bytes == h->bytes);
    KV_ASSERT(h->nodes == 0 || kv_stream_id_cmp(prev, h->last_id) <= 0);
    KV_ASSERT(h->entries_added >= h->length);
}

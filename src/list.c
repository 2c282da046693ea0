/*
 * list.c: Redis lists as a quicklist-like chain of packed nodes in the data region.
 *
 * Memory: owns the node blocks of every list (kv_alloc blocks in the keyspace's data
 * region); a list's head (struct kv_list_head) lives in its key's item and is owned
 * by the keyspace. A node is a 16-byte header (prev ref, next ref, element count,
 * lead, data bytes used) followed by `lead` free bytes and then the packed elements,
 * each varint(len), bytes, reverse-varint(len), so elements can be walked from either
 * end of a node. The lead makes a head push or pop O(1): a push (or an element put at
 * the front of the next node by a splice) writes into it, a pop adds to it; when a head push finds it too small, the elements move to the end of
 * the (grown) block once, and the slack in front becomes the new lead. Redis's
 * listpack moves the whole node on every LPUSH and LPOP (up to 8 KB each: 1.5% of
 * kv's CPU at LPUSH P=1, perf). Other mutations work relative to the lead, and
 * node_grow makes room after it (compacting first when that is enough), so blocks
 * are sized exactly as they would be without a lead.
 *
 * Invariants (kv_list_check): the chain is doubly linked from head to tail with
 * node_count nodes; every node holds >= 1 element; header + lead + used <= the
 * block's usable bytes; header + used <= KV_LIST_NODE_MAX unless the node holds one
 * element (so count fits 16 bits), and then the block is at most 2 * KV_LIST_NODE_MAX
 * (node_grow's slack stops at the limit, node_shrink returns a third; so a lead
 * always fits 16 bits);
 * head.count and head.bytes are the exact element count and sum of element lengths.
 *
 * Every mutation either completes or changes nothing: nodes a push needs are
 * allocated (and grown) before anything is linked or written, and splits allocate
 * their new nodes before the original node is touched. Deleting frees emptied nodes,
 * shrinks slack ones and merges small neighbours (best effort: merging is never
 * needed for correctness).
 *
 * Never: allocates outside the given kv_alloc, recurses, loops without a bound, or
 * keeps a pointer to a node across a reallocation (links are refs, fixed on moves).
 */
#include "kv/list.h"

#include <string.h>

#define HDR KV_LIST_NODE_HDR
#define NODE_MAX KV_LIST_NODE_MAX
#define MERGE_MAX (NODE_MAX * 3 / 4) /* merge two neighbours only below this */
#define SHRINK_SLACK 64              /* shrink a node when it wastes more than this */
#define VARINT_MAX 5
#define LEAD_MAX UINT16_MAX

struct node {
    uint32_t prev;
    uint32_t next;
    uint16_t count; /* <= NODE_MAX / 2 when >= 2: every element takes >= 2 bytes */
    uint16_t lead;  /* free bytes before the first element */
    uint32_t used;  /* bytes of the elements */
    uint8_t raw[];
};

_Static_assert(sizeof(struct node) == HDR, "node header is KV_LIST_NODE_HDR bytes");
_Static_assert(NODE_MAX / 2 <= UINT16_MAX, "a node's count fits 16 bits");
_Static_assert(2 * NODE_MAX <= LEAD_MAX, "a lead within 2 * NODE_MAX fits 16 bits");

/* The first element's bytes. */
static inline uint8_t *nd(const struct node *n) { return (uint8_t *)n->raw + n->lead; }

/* Every count store goes through here: 16 bits, checked, never truncated. */
static inline void set_count(struct node *n, uint32_t count) {
    KV_ASSERT(count <= UINT16_MAX);
    n->count = (uint16_t)count;
}

/* Where one element is: its node, its byte offset and its index in the node. */
struct pos {
    struct node *n;
    uint32_t off;
    uint32_t idx;
};

/* ---- element encoding ---------------------------------------------------------- */

static inline uint32_t varint_len(uint32_t v) {
    uint32_t n = 1;
    while (v >= 128 && n < VARINT_MAX) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint32_t enc_size(uint32_t len) {
    KV_ASSERT(len <= KV_LIST_ELEM_MAX);
    return len + 2 * varint_len(len);
}

/* Writes one encoded element; p == NULL leaves the bytes as a hole. Returns size. */
static uint32_t elem_write(uint8_t *dst, const uint8_t *p, uint32_t len) {
    uint8_t tmp[VARINT_MAX];
    uint32_t vl = 0;
    uint32_t v = len;
    for (uint32_t i = 0; i < VARINT_MAX; i++) {
        tmp[vl++] = (uint8_t)((v & 0x7f) | (v >= 128 ? 0x80 : 0));
        v >>= 7;
        if (v == 0) break;
    }
    KV_ASSERT(vl == varint_len(len));
    memcpy(dst, tmp, vl);
    if (p != NULL && len > 0) memcpy(dst + vl, p, len);
    for (uint32_t i = 0; i < vl; i++) dst[vl + len + i] = tmp[vl - 1 - i];
    return len + 2 * vl;
}

/* Element starting at off: sets *len, returns the offset of its bytes. */
static uint32_t elem_read_fwd(const uint8_t *data, uint32_t off, uint32_t *len) {
    uint32_t v = 0;
    uint32_t i = 0;
    for (; i < VARINT_MAX; i++) {
        uint8_t b = data[off + i];
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) break;
    }
    KV_ASSERT(i < VARINT_MAX);
    *len = v;
    return off + i + 1;
}

/* Element ending at end: sets *len, returns the offset where it starts. */
static uint32_t elem_read_bwd(const uint8_t *data, uint32_t end, uint32_t *len) {
    uint32_t v = 0;
    uint32_t i = 0;
    for (; i < VARINT_MAX; i++) {
        uint8_t b = data[end - 1 - i];
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) break;
    }
    KV_ASSERT(i < VARINT_MAX);
    *len = v;
    KV_ASSERT(end >= enc_size(v));
    return end - enc_size(v);
}

/* ---- nodes and links ----------------------------------------------------------- */

static inline struct node *node_at(const struct kv_alloc *a, uint32_t ref) {
    return (struct node *)kv_alloc_ptr(a, ref);
}

static inline uint32_t node_ref(const struct kv_alloc *a, const struct node *n) {
    return kv_alloc_ref(a, n);
}

static struct node *node_new(struct kv_alloc *a, uint32_t data_bytes) {
    struct node *n = kv_alloc_alloc(a, (uint64_t)HDR + data_bytes);
    if (n == NULL) return NULL;
    n->prev = 0;
    n->next = 0;
    n->count = 0;
    n->lead = 0;
    n->used = 0;
    return n;
}

/* Links n between the nodes prev and next (refs, 0 = list end). */
static void link_between(struct kv_alloc *a, struct kv_list_head *h, uint32_t prev,
                         uint32_t next, struct node *n) {
    uint32_t r = node_ref(a, n);
    KV_ASSERT(r != 0);
    n->prev = prev;
    n->next = next;
    if (prev != 0) node_at(a, prev)->next = r;
    else h->head = r;
    if (next != 0) node_at(a, next)->prev = r;
    else h->tail = r;
    h->node_count++;
}

static void unlink_free(struct kv_alloc *a, struct kv_list_head *h, struct node *n) {
    KV_ASSERT(h->node_count > 0);
    if (n->prev != 0) node_at(a, n->prev)->next = n->next;
    else h->head = n->next;
    if (n->next != 0) node_at(a, n->next)->prev = n->prev;
    else h->tail = n->prev;
    h->node_count--;
    kv_alloc_free(a, n);
    KV_ASSERT((h->head == 0) == (h->node_count == 0));
}

/* After a reallocation moved n, points its neighbours (or the head) at it. */
static void fix_moved(struct kv_alloc *a, struct kv_list_head *h, struct node *n) {
    uint32_t r = node_ref(a, n);
    if (n->prev != 0) node_at(a, n->prev)->next = r;
    else h->head = r;
    if (n->next != 0) node_at(a, n->next)->prev = r;
    else h->tail = r;
}

/* Moves the elements to the front of the block (lead 0). */
static void node_compact(struct node *n) {
    if (n->lead == 0) return;
    memmove(n->raw, nd(n), n->used);
    n->lead = 0;
}

/*
 * Makes room for `need` data bytes in n after its lead, compacting it if that is
 * enough (contents kept). Growth of a node below the limit takes a quarter more as
 * slack when it can. NULL if out of memory (n untouched but maybe compacted).
 */
static struct node *node_grow(struct kv_alloc *a, struct kv_list_head *h, struct node *n,
                              uint64_t need) {
    uint64_t want = HDR + need;
    if (want + n->lead <= kv_alloc_usable(n)) return n;
    node_compact(n);
    if (want <= kv_alloc_usable(n)) return n;
    uint64_t with_slack = want;
    if (want < NODE_MAX) with_slack = KV_MIN((uint64_t)NODE_MAX, want + want / 4);
    struct node *q = kv_alloc_realloc(a, n, with_slack);
    if (q == NULL && with_slack > want) q = kv_alloc_realloc(a, n, want);
    if (q == NULL) return NULL;
    if (q != n) fix_moved(a, h, q);
    KV_ASSERT(kv_alloc_usable(q) >= want);
    return q;
}

/* Returns slack (lead included) to the allocator once a node wastes much (never
 * fails). */
static struct node *node_shrink(struct kv_alloc *a, struct kv_list_head *h, struct node *n) {
    uint64_t need = HDR + (uint64_t)n->used;
    uint64_t have = kv_alloc_usable(n);
    KV_ASSERT(need <= have);
    if (have - need <= SHRINK_SLACK || have <= need + need / 2) return n;
    node_compact(n);
    struct node *q = kv_alloc_realloc(a, n, need);
    KV_ASSERT(q != NULL);
    if (q != n) fix_moved(a, h, q);
    return q;
}

/* Sum of the element lengths of a node. */
static uint64_t node_elem_bytes(const struct node *n) {
    uint64_t sum = 0;
    uint32_t off = 0;
    for (uint32_t i = 0; i < n->count; i++) {
        uint32_t len;
        uint32_t start = elem_read_fwd(nd(n), off, &len);
        sum += len;
        off = start + len + varint_len(len);
    }
    KV_ASSERT(off == n->used);
    return sum;
}

/* Offset just past k elements walked forward from off; adds their lengths to *sum. */
static uint32_t skip_fwd(const struct node *n, uint32_t off, uint32_t k, uint64_t *sum) {
    for (uint32_t i = 0; i < k; i++) {
        uint32_t len;
        uint32_t start = elem_read_fwd(nd(n), off, &len);
        *sum += len;
        off = start + len + varint_len(len);
    }
    KV_ASSERT(off <= n->used);
    return off;
}

/* Offset of the start of the k-th element walked backward from end. */
static uint32_t skip_bwd(const struct node *n, uint32_t end, uint32_t k, uint64_t *sum) {
    for (uint32_t i = 0; i < k; i++) {
        uint32_t len;
        end = elem_read_bwd(nd(n), end, &len);
        *sum += len;
    }
    return end;
}

/* The node and offset of element index (< count). */
static struct pos locate(const struct kv_alloc *a, const struct kv_list_head *h, uint64_t index) {
    KV_ASSERT(index < h->count);
    struct node *n = NULL;
    uint64_t i = index;
    if (index < h->count / 2) {
        n = node_at(a, h->head);
        for (uint32_t g = 0; i >= n->count; g++) {
            KV_ASSERT(g < h->node_count);
            i -= n->count;
            n = node_at(a, n->next);
        }
    } else {
        uint64_t r = h->count - 1 - index; /* index counted from the tail */
        n = node_at(a, h->tail);
        for (uint32_t g = 0; r >= n->count; g++) {
            KV_ASSERT(g < h->node_count);
            r -= n->count;
            n = node_at(a, n->prev);
        }
        i = n->count - 1 - r;
    }
    KV_ASSERT(i < n->count);
    uint64_t ignored = 0;
    struct pos p = {n, 0, (uint32_t)i};
    if (i <= n->count / 2) p.off = skip_fwd(n, 0, (uint32_t)i, &ignored);
    else p.off = skip_bwd(n, n->used, n->count - (uint32_t)i, &ignored);
    return p;
}

/* ---- init, release, copy, check ------------------------------------------------ */

void kv_list_init(struct kv_list_head *h) {
    KV_ASSERT(h != NULL);
    memset(h, 0, sizeof(*h));
}

void kv_list_release(struct kv_alloc *a, struct kv_list_head *h) {
    uint32_t ref = h->head;
    for (uint32_t i = 0; ref != 0; i++) {
        KV_ASSERT(i < h->node_count);
        struct node *n = node_at(a, ref);
        ref = n->next;
        kv_alloc_free(a, n);
    }
    kv_list_init(h);
    KV_ASSERT(h->head == 0 && h->count == 0);
}

bool kv_list_copy(struct kv_alloc *a, struct kv_list_head *dst, const struct kv_list_head *src) {
    KV_ASSERT(dst->head == 0 && dst->count == 0 && dst != src);
    uint32_t ref = src->head;
    for (uint32_t i = 0; ref != 0; i++) {
        KV_ASSERT(i < src->node_count);
        const struct node *s = node_at(a, ref);
        struct node *d = node_new(a, s->used);
        if (d == NULL) {
            kv_list_release(a, dst);
            return false;
        }
        set_count(d, s->count);
        d->used = s->used;
        memcpy(nd(d), nd(s), s->used);
        link_between(a, dst, dst->tail, 0, d);
        ref = s->next;
    }
    dst->count = src->count;
    dst->bytes = src->bytes;
    KV_ASSERT(dst->node_count == src->node_count);
    return true;
}

/* Checks one node's encodings; returns the sum of its element lengths. */
static uint64_t check_node(const struct node *n) {
    KV_ASSERT(n->count > 0 && n->used > 0);
    KV_ASSERT(HDR + (uint64_t)n->lead + n->used <= kv_alloc_usable(n));
    KV_ASSERT(HDR + (uint64_t)n->used <= NODE_MAX || n->count == 1);
    KV_ASSERT(kv_alloc_usable(n) <= 2 * NODE_MAX || n->count == 1);
    uint64_t sum = 0;
    uint32_t off = 0;
    for (uint32_t i = 0; i < n->count; i++) {
        KV_ASSERT(off < n->used);
        uint32_t len;
        uint32_t start = elem_read_fwd(nd(n), off, &len);
        KV_ASSERT(len <= KV_LIST_ELEM_MAX);
        uint32_t end = off + enc_size(len);
        KV_ASSERT(end <= n->used);
        uint32_t blen;
        KV_ASSERT(elem_read_bwd(nd(n), end, &blen) == off);
        KV_ASSERT(blen == len && start + len + varint_len(len) == end);
        sum += len;
        off = end;
    }
    KV_ASSERT(off == n->used);
    return sum;
}

void kv_list_check(const struct kv_alloc *a, const struct kv_list_head *h) {
    if (h->head == 0) {
        KV_ASSERT(h->tail == 0 && h->node_count == 0);
        KV_ASSERT(h->count == 0 && h->bytes == 0);
        return;
    }
    uint64_t count = 0, bytes = 0;
    uint32_t prev = 0;
    uint32_t ref = h->head;
    for (uint32_t i = 0; i < h->node_count; i++) {
        KV_ASSERT(ref != 0);
        const struct node *n = node_at(a, ref);
        KV_ASSERT(n->prev == prev);
        bytes += check_node(n);
        count += n->count;
        prev = ref;
        ref = n->next;
    }
    KV_ASSERT(ref == 0 && prev == h->tail);
    KV_ASSERT(count == h->count && bytes == h->bytes);
}

/* Data-region bytes of the list's nodes: each node's whole block, header included. */
uint64_t kv_list_memory(const struct kv_alloc *a, const struct kv_list_head *h) {
    KV_ASSERT(a != NULL && h != NULL);
    uint64_t bytes = 0;
    uint32_t ref = h->head;
    for (uint32_t i = 0; i < h->node_count; i++) {
        KV_ASSERT(ref != 0);
        const struct node *n = node_at(a, ref);
        bytes += kv_alloc_block_bytes(n);
        ref = n->next;
    }
    KV_ASSERT(ref == 0);
    return bytes;
}

/* ---- push ---------------------------------------------------------------------- */

static void chain_free(struct kv_alloc *a, uint32_t first) {
    for (uint32_t ref = first; ref != 0;) {
        struct node *n = node_at(a, ref);
        ref = n->next;
        kv_alloc_free(a, n);
    }
}

/*
 * Allocates the new nodes for elements [from, n) of a push: a private chain (next
 * refs, nearest to the list first), each node's count/used set to what it will hold
 * (greedy fill up to the node limit). False if out of memory (all freed again).
 */
static bool chain_alloc(struct kv_alloc *a, const struct kv_slice *e, uint32_t from,
                        uint32_t n, uint32_t *first) {
    struct node *last = NULL;
    *first = 0;
    uint32_t i = from;
    while (i < n) {
        uint32_t cnt = 1;
        uint64_t bytes = enc_size(e[i].len);
        while (i + cnt < n && HDR + bytes + enc_size(e[i + cnt].len) <= NODE_MAX) {
            bytes += enc_size(e[i + cnt].len);
            cnt++;
        }
        struct node *x = node_new(a, (uint32_t)bytes);
        if (x == NULL) {
            chain_free(a, *first);
            *first = 0;
            return false;
        }
        set_count(x, cnt);
        x->used = (uint32_t)bytes;
        if (last != NULL) last->next = node_ref(a, x);
        else *first = node_ref(a, x);
        last = x;
        i += cnt;
    }
    KV_ASSERT(i == n);
    return true;
}

/* Writes elements [from, from + cnt) into n at off, reversed for a head push. */
static uint32_t fill(struct node *n, uint32_t off, const struct kv_slice *e, uint32_t from,
                     uint32_t cnt, enum kv_list_end end) {
    for (uint32_t j = 0; j < cnt; j++) {
        uint32_t k = end == KV_LIST_TAIL ? from + j : from + cnt - 1 - j;
        off += elem_write(nd(n) + off, e[k].ptr, e[k].len);
    }
    return off;
}

/* Links the prepared chain at `end`, writing elements from index `from` on. */
static void chain_link(struct kv_alloc *a, struct kv_list_head *h, uint32_t first,
                       const struct kv_slice *e, uint32_t from, enum kv_list_end end) {
    uint32_t i = from;
    for (uint32_t ref = first; ref != 0;) {
        struct node *x = node_at(a, ref);
        ref = x->next;
        uint32_t bytes = fill(x, 0, e, i, x->count, end);
        KV_ASSERT(bytes == x->used);
        i += x->count;
        if (end == KV_LIST_TAIL) link_between(a, h, h->tail, 0, x);
        else link_between(a, h, 0, h->head, x);
    }
}

/*
 * Makes n's lead at least `grow` bytes: if it is shorter, grows the block as a tail
 * push would (same sizes) and moves the elements to its end, so the block's slack
 * becomes the lead and the next pushes write without moving anything. NULL if out of
 * memory (n untouched but maybe compacted).
 */
static struct node *node_front_room(struct kv_alloc *a, struct kv_list_head *h, struct node *n,
                                    uint32_t grow) {
    if (n->lead >= grow) return n;
    struct node *g = node_grow(a, h, n, (uint64_t)n->used + grow);
    if (g == NULL) return NULL;
    uint64_t room = kv_alloc_usable(g) - HDR - g->used;
    KV_ASSERT(room >= grow && room <= LEAD_MAX); /* HDR + used + grow <= NODE_MAX */
    uint32_t lead = (uint32_t)room;
    memmove(g->raw + lead, nd(g), g->used);
    g->lead = (uint16_t)lead;
    return g;
}

bool kv_list_push(struct kv_alloc *a, struct kv_list_head *h, enum kv_list_end end,
                  const struct kv_slice *elems, uint32_t n) {
    KV_ASSERT(n >= 1 && elems != NULL);
    uint64_t count_before = h->count;
    struct node *edge = h->head == 0 ? NULL
                        : node_at(a, end == KV_LIST_TAIL ? h->tail : h->head);
    uint32_t k = 0;    /* elements that join the edge node */
    uint64_t grow = 0; /* their encoded bytes */
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) bytes += elems[i].len;
    while (edge != NULL && k < n &&
           HDR + edge->used + grow + enc_size(elems[k].len) <= NODE_MAX) {
        grow += enc_size(elems[k].len);
        k++;
    }
    uint32_t first = 0;
    if (k < n && !chain_alloc(a, elems, k, n, &first)) return false;
    if (k > 0) {
        struct node *g = end == KV_LIST_TAIL ? node_grow(a, h, edge, edge->used + grow)
                                             : node_front_room(a, h, edge, (uint32_t)grow);
        if (g == NULL) {
            chain_free(a, first);
            return false;
        }
        if (end == KV_LIST_TAIL) {
            fill(g, g->used, elems, 0, k, end);
        } else {
            KV_ASSERT(g->lead >= grow);
            g->lead = (uint16_t)(g->lead - grow);
            fill(g, 0, elems, 0, k, end);
        }
        g->used += (uint32_t)grow;
        set_count(g, g->count + k);
    }
    chain_link(a, h, first, elems, k, end);
    h->count += n;
    h->bytes += bytes;
    KV_ASSERT(h->count == count_before + n);
    return true;
}

/* ---- pop, trim ----------------------------------------------------------------- */

/* Removes k < count elements at one end of node n; returns their length sum. */
static uint64_t node_cut(struct kv_alloc *a, struct kv_list_head *h, struct node *n,
                         enum kv_list_end end, uint32_t k) {
    KV_ASSERT(k < n->count);
    uint64_t sum = 0;
    if (end == KV_LIST_HEAD) {
        uint32_t off = skip_fwd(n, 0, k, &sum);
        KV_ASSERT((uint64_t)n->lead + off <= LEAD_MAX);
        n->lead = (uint16_t)(n->lead + off); /* O(1): the popped bytes join the lead */
        n->used -= off;
    } else {
        n->used = skip_bwd(n, n->used, k, &sum);
    }
    set_count(n, n->count - k);
    node_shrink(a, h, n);
    return sum;
}

void kv_list_pop(struct kv_alloc *a, struct kv_list_head *h, enum kv_list_end end, uint64_t n) {
    KV_ASSERT(n <= h->count);
    uint64_t want = h->count - n;
    uint32_t nodes = h->node_count;
    for (uint32_t g = 0; n > 0; g++) {
        KV_ASSERT(g < nodes);
        struct node *x = node_at(a, end == KV_LIST_TAIL ? h->tail : h->head);
        if (n >= x->count) {
            n -= x->count;
            h->count -= x->count;
            h->bytes -= node_elem_bytes(x);
            unlink_free(a, h, x);
        } else {
            h->bytes -= node_cut(a, h, x, end, (uint32_t)n);
            h->count -= n;
            n = 0;
        }
    }
    KV_ASSERT(h->count == want);
}

void kv_list_trim(struct kv_alloc *a, struct kv_list_head *h, uint64_t start, uint64_t n) {
    KV_ASSERT(start <= h->count && n <= h->count - start);
    uint64_t tail_cut = h->count - start - n;
    kv_list_pop(a, h, KV_LIST_HEAD, start);
    kv_list_pop(a, h, KV_LIST_TAIL, tail_cut);
    KV_ASSERT(h->count == n);
}

/* ---- get, set, insert ---------------------------------------------------------- */

struct kv_slice kv_list_get(const struct kv_alloc *a, const struct kv_list_head *h,
                            uint64_t index) {
    struct pos p = locate(a, h, index);
    uint32_t len;
    uint32_t start = elem_read_fwd(nd(p.n), p.off, &len);
    KV_ASSERT(start + len <= p.n->used);
    return (struct kv_slice){nd(p.n) + start, len};
}

/* The replacement fits in the node (or the node will hold only it). */
static bool splice_in_place(struct kv_alloc *a, struct kv_list_head *h, struct pos p,
                            uint32_t del_bytes, uint32_t del_cnt, struct kv_slice v) {
    struct node *n = p.n;
    uint32_t e = enc_size(v.len);
    uint32_t old_used = n->used;
    uint32_t new_used = old_used - del_bytes + e;
    if (new_used > old_used) {
        n = node_grow(a, h, n, new_used);
        if (n == NULL) return false;
    }
    memmove(nd(n) + p.off + e, nd(n) + p.off + del_bytes, old_used - p.off - del_bytes);
    elem_write(nd(n) + p.off, v.ptr, v.len);
    n->used = new_used;
    set_count(n, n->count + 1 - del_cnt);
    if (new_used < old_used) node_shrink(a, h, n);
    KV_ASSERT(n->count >= 1);
    return true;
}

/* Puts v into its own new node, or the neighbour, just before (or after) n. */
static bool put_beside(struct kv_alloc *a, struct kv_list_head *h, struct node *n, bool after,
                       struct kv_slice v) {
    uint32_t e = enc_size(v.len);
    uint32_t nb_ref = after ? n->next : n->prev;
    struct node *nb = nb_ref != 0 ? node_at(a, nb_ref) : NULL;
    if (nb != NULL && HDR + (uint64_t)nb->used + e <= NODE_MAX) {
        /* After n: at the front of the next node, as a head push would write it. */
        nb = after ? node_front_room(a, h, nb, e) : node_grow(a, h, nb, (uint64_t)nb->used + e);
        if (nb == NULL) return false;
        if (after) nb->lead = (uint16_t)(nb->lead - e);
        elem_write(nd(nb) + (after ? 0 : nb->used), v.ptr, v.len);
        nb->used += e;
        set_count(nb, nb->count + 1u);
        return true;
    }
    struct node *m = node_new(a, e);
    if (m == NULL) return false;
    m->used = elem_write(nd(m), v.ptr, v.len);
    set_count(m, 1);
    if (after) link_between(a, h, node_ref(a, n), n->next, m);
    else link_between(a, h, n->prev, node_ref(a, n), m);
    return true;
}

/* Splits n at p: n keeps the prefix, the rest goes to new nodes, v in between. */
static bool splice_split(struct kv_alloc *a, struct kv_list_head *h, struct pos p,
                         uint32_t del_bytes, uint32_t del_cnt, struct kv_slice v) {
    struct node *n = p.n;
    uint32_t e = enc_size(v.len);
    uint32_t suffix = n->used - p.off - del_bytes;
    uint32_t after_cnt = n->count - p.idx - del_cnt;
    KV_ASSERT(p.off > 0 && suffix > 0 && after_cnt > 0);
    bool v_in_n = HDR + (uint64_t)p.off + e <= NODE_MAX;
    bool v_in_r = !v_in_n && HDR + (uint64_t)e + suffix <= NODE_MAX;
    struct node *m = NULL;
    if (!v_in_n && !v_in_r && (m = node_new(a, e)) == NULL) return false;
    struct node *r = node_new(a, suffix + (v_in_r ? e : 0));
    if (r == NULL) {
        kv_alloc_free(a, m);
        return false;
    }
    if (v_in_n && (n = node_grow(a, h, n, (uint64_t)p.off + e)) == NULL) {
        kv_alloc_free(a, r);
        return false;
    }
    uint32_t roff = v_in_r ? elem_write(nd(r), v.ptr, v.len) : 0;
    memcpy(nd(r) + roff, nd(n) + p.off + del_bytes, suffix);
    r->used = roff + suffix;
    set_count(r, after_cnt + (v_in_r ? 1 : 0));
    n->used = p.off;
    set_count(n, p.idx);
    if (v_in_n) {
        n->used += elem_write(nd(n) + p.off, v.ptr, v.len);
        set_count(n, n->count + 1u);
    }
    link_between(a, h, node_ref(a, n), n->next, r);
    if (m != NULL) {
        m->used = elem_write(nd(m), v.ptr, v.len);
        set_count(m, 1);
        link_between(a, h, node_ref(a, n), n->next, m);
    }
    node_shrink(a, h, n);
    return true;
}

/*
 * Replaces del_cnt (0 or 1) elements of del_bytes encoded bytes at p with v. Node
 * counts and links are updated; head count/bytes are the caller's.
 */
static bool splice(struct kv_alloc *a, struct kv_list_head *h, struct pos p,
                   uint32_t del_bytes, uint32_t del_cnt, struct kv_slice v) {
    struct node *n = p.n;
    KV_ASSERT(del_cnt <= 1 && p.off + del_bytes <= n->used);
    uint64_t e = enc_size(v.len);
    uint32_t suffix = n->used - p.off - del_bytes;
    bool alone = n->count == del_cnt; /* v will be the node's only element */
    if (alone || HDR + (uint64_t)n->used - del_bytes + e <= NODE_MAX)
        return splice_in_place(a, h, p, del_bytes, del_cnt, v);
    if (p.off == 0 || suffix == 0) {
        bool after = suffix == 0 && p.off > 0;
        if (!put_beside(a, h, n, after, v)) return false;
        if (del_cnt == 1) {
            node_cut(a, h, n, after ? KV_LIST_TAIL : KV_LIST_HEAD, 1);
        }
        return true;
    }
    return splice_split(a, h, p, del_bytes, del_cnt, v);
}

bool kv_list_set(struct kv_alloc *a, struct kv_list_head *h, uint64_t index,
                 struct kv_slice v) {
    KV_ASSERT(index < h->count && v.len <= KV_LIST_ELEM_MAX);
    struct pos p = locate(a, h, index);
    uint32_t old_len;
    elem_read_fwd(nd(p.n), p.off, &old_len);
    if (!splice(a, h, p, enc_size(old_len), 1, v)) return false;
    h->bytes = h->bytes - old_len + v.len;
    return true;
}

bool kv_list_insert(struct kv_alloc *a, struct kv_list_head *h, uint64_t pos,
                    struct kv_slice v) {
    KV_ASSERT(pos <= h->count && v.len <= KV_LIST_ELEM_MAX);
    if (pos == 0) return kv_list_push(a, h, KV_LIST_HEAD, &v, 1);
    if (pos == h->count) return kv_list_push(a, h, KV_LIST_TAIL, &v, 1);
    struct pos p = locate(a, h, pos);
    if (!splice(a, h, p, 0, 0, v)) return false;
    h->count++;
    h->bytes += v.len;
    return true;
}

/* ---- find, remove -------------------------------------------------------------- */

static bool elem_eq(const uint8_t *data, uint32_t start, uint32_t len, struct kv_slice v) {
    return len == v.len && (len == 0 || memcmp(data + start, v.ptr, len) == 0);
}

int64_t kv_list_find(const struct kv_alloc *a, const struct kv_list_head *h, struct kv_slice v) {
    struct kv_list_iter it;
    kv_list_iter_init(&it, a, h, 0, true);
    struct kv_slice s;
    for (int64_t i = 0; kv_list_iter_next(&it, &s); i++) {
        if (s.len == v.len && (s.len == 0 || memcmp(s.ptr, v.ptr, s.len) == 0)) return i;
    }
    KV_ASSERT(it.remaining == 0);
    return -1;
}

static uint32_t count_matches(const struct node *n, struct kv_slice v) {
    uint32_t m = 0;
    uint32_t off = 0;
    for (uint32_t i = 0; i < n->count; i++) {
        uint32_t len;
        uint32_t start = elem_read_fwd(nd(n), off, &len);
        if (elem_eq(nd(n), start, len, v)) m++;
        off = start + len + varint_len(len);
    }
    KV_ASSERT(off == n->used);
    return m;
}

/* Drops the matches of rank [lo, lo + k) in node order; returns their length sum. */
static uint64_t drop_matches(struct node *n, struct kv_slice v, uint32_t lo, uint32_t k) {
    uint32_t rd = 0, wr = 0, rank = 0;
    uint32_t count = n->count;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len;
        uint32_t start = elem_read_fwd(nd(n), rd, &len);
        uint32_t size = enc_size(len);
        bool match = elem_eq(nd(n), start, len, v);
        if (match && rank >= lo && rank < lo + k) {
            sum += len;
            set_count(n, n->count - 1u);
        } else {
            if (wr != rd) memmove(nd(n) + wr, nd(n) + rd, size);
            wr += size;
        }
        if (match) rank++;
        rd += size;
    }
    KV_ASSERT(rd == n->used && n->count == count - k);
    n->used = wr;
    return sum;
}

/* Merges r into its left neighbour l when both are small (best effort). */
static void try_merge(struct kv_alloc *a, struct kv_list_head *h, struct node *l,
                      struct node *r) {
    if (l == NULL || r == NULL) return;
    KV_ASSERT(l->next == node_ref(a, r));
    if (HDR + (uint64_t)l->used + r->used > MERGE_MAX) return;
    l = node_grow(a, h, l, (uint64_t)l->used + r->used);
    if (l == NULL) return;
    memcpy(nd(l) + l->used, nd(r), r->used);
    l->used += r->used;
    set_count(l, l->count + r->count);
    unlink_free(a, h, r);
    KV_ASSERT(HDR + (uint64_t)l->used <= MERGE_MAX);
}

uint64_t kv_list_remove(struct kv_alloc *a, struct kv_list_head *h, struct kv_slice v,
                        int64_t count) {
    bool fwd = count >= 0;
    uint64_t want = count == 0 ? UINT64_MAX
                    : count > 0 ? (uint64_t)count : 0 - (uint64_t)count;
    uint64_t removed = 0;
    uint32_t nodes = h->node_count;
    uint32_t ref = fwd ? h->head : h->tail;
    for (uint32_t g = 0; ref != 0 && removed < want; g++) {
        KV_ASSERT(g < nodes);
        struct node *n = node_at(a, ref);
        ref = fwd ? n->next : n->prev;
        uint32_t m = count_matches(n, v);
        if (m == 0) continue;
        uint32_t k = (uint32_t)KV_MIN((uint64_t)m, want - removed);
        removed += k;
        h->count -= k;
        if (k == n->count) {
            h->bytes -= node_elem_bytes(n);
            unlink_free(a, h, n);
            continue;
        }
        h->bytes -= drop_matches(n, v, fwd ? 0 : m - k, k);
        n = node_shrink(a, h, n);
        /* Merge with the neighbour already processed (the next one is kept by ref). */
        if (fwd) try_merge(a, h, node_at(a, n->prev), n);
        else try_merge(a, h, n, node_at(a, n->next));
    }
    KV_ASSERT(removed <= want);
    return removed;
}

/* ---- move ---------------------------------------------------------------------- */

bool kv_list_move(struct kv_alloc *a, struct kv_list_head *src, enum kv_list_end from,
                  struct kv_list_head *dst, enum kv_list_end to) {
    KV_ASSERT(src->count > 0);
    if (src == dst && from == to) return true; /* pop and push back: no change */
    uint32_t len = kv_list_get(a, src, from == KV_LIST_HEAD ? 0 : src->count - 1).len;
    struct kv_slice hole = {NULL, len};
    if (!kv_list_push(a, dst, to, &hole, 1)) return false;
    /* Both nodes may have moved: find the hole and the source element again. */
    struct pos d = locate(a, dst, to == KV_LIST_HEAD ? 0 : dst->count - 1);
    struct kv_slice s = kv_list_get(a, src, from == KV_LIST_HEAD ? 0 : src->count - 1);
    KV_ASSERT(s.len == len);
    uint32_t dlen;
    uint32_t dstart = elem_read_fwd(nd(d.n), d.off, &dlen);
    KV_ASSERT(dlen == len);
    if (len > 0) memcpy(nd(d.n) + dstart, s.ptr, len);
    kv_list_pop(a, src, from, 1);
    return true;
}

/* ---- iteration ----------------------------------------------------------------- */

void kv_list_iter_init(struct kv_list_iter *it, const struct kv_alloc *a,
                       const struct kv_list_head *h, uint64_t index, bool forward) {
    it->a = a;
    it->forward = forward;
    it->node = NULL;
    it->off = 0;
    it->left = 0;
    it->remaining = 0;
    if (index >= h->count) return;
    struct pos p = locate(a, h, index);
    it->node = (const uint8_t *)p.n;
    if (forward) {
        it->off = p.off;
        it->left = p.n->count - p.idx;
        it->remaining = h->count - index;
    } else {
        uint32_t len;
        elem_read_fwd(nd(p.n), p.off, &len);
        it->off = p.off + enc_size(len);
        it->left = p.idx + 1;
        it->remaining = index + 1;
    }
    KV_ASSERT(it->left >= 1 && it->remaining >= it->left);
}

bool kv_list_iter_next(struct kv_list_iter *it, struct kv_slice *out) {
    if (it->remaining == 0) return false;
    const struct node *n = (const struct node *)it->node;
    if (it->left == 0) {
        n = node_at(it->a, it->forward ? n->next : n->prev);
        KV_ASSERT(n != NULL && n->count > 0);
        it->node = (const uint8_t *)n;
        it->left = n->count;
        it->off = it->forward ? 0 : n->used;
    }
    uint32_t len;
    if (it->forward) {
        uint32_t start = elem_read_fwd(nd(n), it->off, &len);
        *out = (struct kv_slice){nd(n) + start, len};
        it->off = start + len + varint_len(len);
    } else {
        uint32_t start = elem_read_bwd(nd(n), it->off, &len);
        *out = (struct kv_slice){nd(n) + start + varint_len(len), len};
        it->off = start;
    }
    KV_ASSERT(it->off <= n->used);
    it->left--;
    it->remaining--;
    return true;
}

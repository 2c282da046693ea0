/*
 * sim_model_stream.h: the reference model's streams (sim_model_stream.c: IDs, the
 * stream's nodes and their listpack sizes, append, trim, delete; sim_model_xcmd.c:
 * the commands). Written from Redis 7.0's documented behaviour, checked against
 * redis-server 7.0.15 (`kv sim --redis PORT --types=stream`), never from src/.
 * Test code: heap allowed.
 *
 * A stream is kept as Redis 7.0 keeps it, node by node, because `~` trimming removes
 * only whole nodes: each node is one listpack with a master entry (the first entry's
 * ID and fields), its entries in ID order, deleted ones still in it (flagged) until
 * every entry of the node is deleted by XDEL, which frees the node. A new node starts
 * when the tail node's listpack bytes plus the new entry's field and value bytes reach
 * stream-node-max-bytes, or its entries (live and deleted) reach
 * stream-node-max-entries. Invariants: IDs strictly increase across nodes and
 * entries; every entry's ID <= last; length = live entries; a node holds >= 1 entry.
 */
#ifndef KV_SIM_MODEL_STREAM_H
#define KV_SIM_MODEL_STREAM_H

#include "sim_model_int.h"

struct m_xid {
    uint64_t ms;
    uint64_t seq;
};

struct mxent {
    struct m_xid id;
    uint32_t nf;          /* field/value pairs */
    struct mval *fv;      /* 2 * nf: field, value, ... */
    bool deleted;
    bool same;            /* its fields are the master entry's (SAMEFIELDS) */
};

struct mxnode {
    struct m_xid master;  /* the node's first entry's ID (the radix tree key) */
    uint32_t nmf;
    struct mval *mf;      /* the master entry's fields */
    struct mxent *e;
    uint32_t n, cap;
    uint64_t live, dead;
};

/* A consumer group (sim_model_xgroup.c): consumers sorted by name, no pending
 * entries yet (XREADGROUP is not modelled). */
struct mxcons {
    struct mval name;
    int64_t seen;         /* ms: the command's now when it was created */
};
struct mxgroup {
    struct mval name;
    struct m_xid last;    /* last-delivered-id */
    int64_t read;         /* entries-read, -1: unknown */
    struct mxcons *c;
    uint32_t nc;
};

struct mstream {
    struct mxgroup *grp;  /* sorted by name (bytewise, a prefix first) */
    uint32_t ng;
    struct mxnode *node;
    uint32_t nn, ncap;
    uint64_t length;
    struct m_xid last;    /* the greatest ID ever added (XDEL/XTRIM keep it); XSETID sets it */
    uint64_t added;       /* entries ever added (XINFO entries-added); XSETID sets it */
    struct m_xid max_del; /* the greatest ID XDEL deleted (XTRIM leaves it); XSETID sets it */
};

/* ---- IDs (pure) ---- */
int m_xid_cmp(struct m_xid a, struct m_xid b);
/* Redis's streamIncrID / streamDecrID: false at the edge (max-max, 0-0). */
bool m_xid_incr(struct m_xid *id);
bool m_xid_decr(struct m_xid *id);
/* `*`: now's ms if later than last's, else last's next ID. */
struct m_xid m_xid_auto(struct m_xid last, uint64_t now_ms);
/* An ID argument as Redis 7.0 reads it: "-" and "+" (unless strict), "ms" (seq =
 * missing_seq), "ms-seq", and with seq_given non-NULL "ms-*" (*seq_given false). The
 * argument is a C string (it ends at a NUL byte) of at most 127 bytes; each number
 * is string2ll's form or else strtoull's (spaces, '+', leading zeros; no '-'). */
bool m_xid_parse(struct kv_slice s, uint64_t missing_seq, bool strict, bool *seq_given,
                 struct m_xid *out);
/* "ms-seq" into buf (>= 42 bytes); its length. */
uint32_t m_xid_fmt(struct m_xid id, char *buf);
/* A listpack element's bytes (encoding, data, back-length) for an integer and for a
 * string (stored as an integer when it is string2ll's form). */
uint64_t m_lp_int_size(int64_t v);
uint64_t m_lp_str_size(struct kv_slice s);

/* ---- the stream ---- */
struct mstream *m_xs_new(void);
void m_xs_free(struct mstream *s);
struct mstream *m_xs_copy(const struct mstream *s);
uint64_t m_xs_fingerprint(const struct mstream *s, uint64_t seed);
/* A node's listpack bytes, as lpBytes() would answer. */
uint64_t m_xs_node_bytes(const struct mxnode *n);

struct m_xnode_limits {
    uint64_t max_bytes;    /* stream-node-max-bytes (0: 1 GiB) */
    uint64_t max_entries;  /* stream-node-max-entries (0: no limit) */
};
/* Appends id (> last) with nf pairs fv[0..2nf). */
void m_xs_append(struct mstream *s, struct m_xid id, const struct kv_slice *fv, uint32_t nf,
                 const struct m_xnode_limits *lim);

struct m_xtrim {
    int strategy;          /* 0 none, 1 MAXLEN, 2 MINID */
    bool approx;
    uint64_t maxlen;
    struct m_xid minid;
    int64_t limit;         /* 0: none */
};
/* Redis's streamTrim: entries deleted. */
int64_t m_xs_trim(struct mstream *s, const struct m_xtrim *t);
/* XDEL of one ID: true if a live entry had it. */
bool m_xs_delete(struct mstream *s, struct m_xid id);
/* The last live entry's ID (false: none). */
bool m_xs_last_live(const struct mstream *s, struct m_xid *out);

/* The first live entry's ID (false: none). */
bool m_xs_first_live(const struct mstream *s, struct m_xid *out);

/* The commands (sim_model_xcmd.c; XSETID and XINFO: sim_model_xinfo.c). */
extern const struct mcmd_table sim_model_cmds_stream;
/* Shared by the command files: an ID as a bulk; up to count (0: all) live entries of
 * [start, end] (rev: descending) as an array of [id, [field, value, ...]]; a key of
 * argv[i] that must be a stream (*bad: WRONGTYPE written). */
void m_xs_reply_id(struct sim_buf *b, struct m_xid id);
void m_xs_emit_range(struct sim_buf *out, const struct mstream *s, struct m_xid start,
                     struct m_xid end, int64_t count, bool rev);
struct mentry *m_xs_lookup(struct mctx *c, uint32_t i, bool *bad);
void m_cmd_xsetid(struct mctx *c);
/* sim_model_xgroup.c: XGROUP; XINFO GROUPS / CONSUMERS and STREAM's group parts;
 * freeing and copying a stream's groups. */
void m_cmd_xgroup(struct mctx *c);
/* XGROUP's subcommand (0 help .. 5 delconsumer), its arity checked; -1: error written. */
int m_xg_sub(struct mctx *c);
void m_xg_free(struct mstream *s);
void m_xg_copy(struct mstream *d, const struct mstream *s);
void m_xg_info_groups(struct mctx *c, const struct mstream *s);
void m_xg_info_consumers(struct mctx *c, const struct mstream *s);
void m_xg_full_groups(struct mctx *c, const struct mstream *s);
void m_cmd_xinfo(struct mctx *c);

/* A blocked XREAD's reply when an XADD (or a new stream) serves it from key
 * (sim_model_xcmd.c; sim_model_block.c calls it). */
void m_xread_serve(struct sim_model *m, uint64_t session, struct kv_slice key, struct m_xid gt,
                   int64_t count, struct sim_buf *out);

#endif

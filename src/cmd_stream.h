/*
 * cmd_stream.h: what the stream command files share (src/cmd_stream.c defines it;
 * src/cmd_xinfo.c uses it): Redis's ID parser, an ID and a range of entries as
 * replies, a bound for such a range, and finding a stream key (WRONGTYPE otherwise).
 * Commands layer: calls the keyspace through keyspace.h and ks_stream.h only.
 */
#ifndef KV_CMD_STREAM_H
#define KV_CMD_STREAM_H

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/ks_stream.h"

#define KV_CS_ERR_ID "ERR Invalid stream ID specified as stream command argument"

/* Argument a as an ID (cmd_stream.c's parse_id: strict refuses "-" and "+", a
 * missing sequence is missing_seq, "ms-*" only where seq_given is non-NULL). */
bool kv_cs_parse_id(struct kv_slice a, bool strict, uint64_t missing_seq, bool *seq_given,
                    struct kv_stream_id *id);
void kv_cs_reply_id(struct kv_cmd_ctx *c, struct kv_stream_id id);
/* Key argv[i] (read: counting hits/misses): *out the item or NULL; replies WRONGTYPE
 * and returns false when it holds another type. */
bool kv_cs_find(struct kv_cmd_ctx *c, uint32_t i, bool read, struct kv_item **out);
/* The live stream under argv[i] without side effects, or NULL. */
const struct kv_stream_head *kv_cs_peek(struct kv_cmd_ctx *c, uint32_t i);
/* Up to count (0: all) entries of [start, end] as XRANGE replies them; how many. */
uint64_t kv_cs_reply_range(struct kv_cmd_ctx *c, const struct kv_stream_head *h,
                           struct kv_stream_id start, struct kv_stream_id end, uint64_t count,
                           bool rev);
/* A bound of the reply of count (0: all) entries of h. */
uint64_t kv_cs_entries_bound(const struct kv_stream_head *h, uint64_t count);

/* src/cmd_xinfo.c: XSETID, XINFO and XINFO's reply bound (cmd_stream.c's table). */
void kv_cmd_xsetid(struct kv_cmd_ctx *c);
void kv_cmd_xinfo(struct kv_cmd_ctx *c);
uint64_t kv_cmd_xinfo_bound(struct kv_cmd_ctx *c);

/* src/cmd_xgroup.c: XGROUP, its reply bound and its room (cmd_stream.c's table). */
void kv_cmd_xgroup(struct kv_cmd_ctx *c);
uint64_t kv_cmd_xgroup_bound(struct kv_cmd_ctx *c);
void kv_cmd_xgroup_room(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest);

#endif

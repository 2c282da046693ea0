/*
 * cmd_coll.h: what the hash and set commands share (src/cmd_coll.c): finding a
 * key of one type (WRONGTYPE otherwise), creating and deleting it, reply bounds
 * from a head, the room a write asks kv_ks_make_room for, and HSCAN/SSCAN.
 * Commands layer: calls the keyspace through keyspace.h and ks_coll.h only.
 */
#ifndef KV_CMD_COLL_H
#define KV_CMD_COLL_H

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/ks_coll.h"

#define KV_CC_AGG_HDR_MAX 32u   /* "*<n>\r\n" / "%<n>\r\n" */

/* Key argv[i] of `type` (read: counting hits/misses): *out the item or NULL.
 * Replies WRONGTYPE and returns false when the key holds another type. */
bool kv_cc_find(struct kv_cmd_ctx *c, uint32_t i, enum kv_type type, bool read,
                struct kv_item **out);
/* An empty hash or set under argv[i]; NULL (-OOM replied) if out of memory. */
struct kv_item *kv_cc_create(struct kv_cmd_ctx *c, uint32_t i, enum kv_type type);
/* After modifying argv[i]: deletes the key if it emptied; tells WATCH. */
void kv_cc_modified(struct kv_cmd_ctx *c, uint32_t i, struct kv_item *it);
/* A live value of `type` under argv[i], without side effects, or NULL. */
const struct kv_coll_head *kv_cc_peek(struct kv_cmd_ctx *c, uint32_t i, enum kv_type type);
/* Bound of n bulk strings holding `bytes` bytes in all. */
uint64_t kv_cc_bulks_bound(uint64_t n, uint64_t bytes);
/* Bound of every entry's fields and/or values as bulks (cheap, or walked exactly). */
uint64_t kv_cc_entries_bound(const struct kv_keyspace *ks, const struct kv_coll_head *h,
                             bool fields, bool values);
/* Longest field and longest value (walks every entry). */
void kv_cc_longest(const struct kv_keyspace *ks, const struct kv_coll_head *h,
                   uint64_t *field, uint64_t *value);
/*
 * The room (kv_ks_make_room) for adding n entries from argv[first] (pairs for a
 * hash) to the value of `type` under argv[key]: what kv_coll_add may allocate for
 * the encoding it will take (kv_coll_add_room), plus a new key's item.
 */
void kv_cc_room(struct kv_cmd_ctx *c, uint32_t key, enum kv_type type, uint32_t first,
                uint32_t n, uint64_t *need, uint64_t *largest);
/* The room for storing into argv[dst] a set built from the n sets from argv[first]
 * (their union's size, or with `inter` the smallest one's). */
void kv_cc_room_sets(struct kv_cmd_ctx *c, uint32_t first, uint32_t n, uint32_t dst,
                     bool inter, uint64_t *need, uint64_t *largest);
/* HSCAN / SSCAN (type says which), and its exact reply bound. */
void kv_cc_scan(struct kv_cmd_ctx *c, enum kv_type type);
uint64_t kv_cc_scan_bound(struct kv_cmd_ctx *c, enum kv_type type);
/* The keyspace's random stream. */
static inline uint64_t kv_cc_rand(struct kv_cmd_ctx *c) { return kv_ks_random_u64(c->ks); }

#endif

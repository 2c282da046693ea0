/*
 * cmd_zset.h: what the sorted set commands (src/cmd_zset.c) share with their set
 * algebra (src/cmd_zsetops.c): Redis's score parsing, a new key's room, storing a
 * detached result, and the algebra's handlers for cmd_zset.c's table.
 * Commands layer: calls the keyspace through keyspace.h, ks_zset.h and ks_coll.h only.
 */
#ifndef KV_CMD_ZSET_H
#define KV_CMD_ZSET_H

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "kv/ks_zset.h"

/* Redis's string2d (ZADD scores, WEIGHTS): the whole argument, no NaN. */
bool kv_cz_parse_score(struct kv_slice s, double *out);
/* Bytes a new sorted set item under argv[key] takes, counted like zset.c's room. */
uint64_t kv_cz_item_room(const struct kv_cmd_ctx *c, uint32_t key);
/* Replaces argv[dst] by the detached set *tmp (or deletes it when tmp is empty); the
 * new item's room was checked. */
void kv_cz_store(struct kv_cmd_ctx *c, uint32_t dst, struct kv_zset_head *tmp);

/* src/cmd_zsetops.c: ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms. */
void kv_cz_zunion(struct kv_cmd_ctx *c);
void kv_cz_zinter(struct kv_cmd_ctx *c);
void kv_cz_zdiff(struct kv_cmd_ctx *c);
void kv_cz_zintercard(struct kv_cmd_ctx *c);
void kv_cz_zunionstore(struct kv_cmd_ctx *c);
void kv_cz_zinterstore(struct kv_cmd_ctx *c);
void kv_cz_zdiffstore(struct kv_cmd_ctx *c);
uint64_t kv_cz_bound_zunion(struct kv_cmd_ctx *c);
uint64_t kv_cz_bound_zinter(struct kv_cmd_ctx *c);
uint64_t kv_cz_bound_zdiff(struct kv_cmd_ctx *c);
void kv_cz_room_zunionstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest);
void kv_cz_room_zinterstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest);
void kv_cz_room_zdiffstore(struct kv_cmd_ctx *c, uint64_t *need, uint64_t *largest);

#endif

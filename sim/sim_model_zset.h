/*
 * sim_model_zset.h: the sorted-set model's shared parts (sim_model_zset.c owns the
 * collection, score and range parsing and the reply forms; sim_model_zset_ops.c the
 * pops, random members and the set operations). Test code: heap allowed.
 * Invariants: a sorted set's members (mcoll f) are distinct and ascending by
 * (score, member bytes as memcmp then length); v[i] holds member i's score as the 8
 * bytes of a double, never NaN; a listpack holds no -0 (Redis stores its scores as
 * text, and -0 as "0"); a key holds at least one member.
 */
#ifndef KV_SIM_MODEL_ZSET_H
#define KV_SIM_MODEL_ZSET_H

#include "sim_model_int.h"

/* A score range (ZRANGEBYSCORE's min and max, each maybe exclusive). */
struct zrange {
    double min, max;
    bool minex, maxex;
};

/* A lex range: an end is '-' (-1), '+' (+1) or a value (0), inclusive or not. */
struct zlex {
    struct kv_slice min, max;
    int8_t mins, maxs;
    bool minex, maxex;
};

double z_score(const struct mcoll *z, uint64_t i);
struct kv_slice z_member(const struct mcoll *z, uint64_t i);
/* Redis's string2d (ZADD's scores, ZINCRBY, WEIGHTS): strtod of the whole argument,
 * no leading space, no overflow, no underflow to zero, no NaN. */
bool z_parse_score(struct kv_slice s, double *out);
/* zslParseRange / zslParseLexRange: false if either end is not valid. */
bool z_parse_range(struct kv_slice min, struct kv_slice max, struct zrange *r);
bool z_parse_lex(struct kv_slice min, struct kv_slice max, struct zlex *r);
bool z_in_range(const struct zrange *r, double s);
bool z_in_lex(const struct zlex *r, struct kv_slice m);
/* Redis 7.0's addReplyDouble text ("%.17g"; inf, -inf): its length; buf >= 32. */
uint32_t z_fmt(char *buf, double d);

/* Replies in the session's protocol: a score (RESP2 bulk, RESP3 double); the array
 * header of n elements (with scores: 2n in RESP2, n pairs in RESP3); one element. */
void z_emit_score(struct mctx *c, double d);
void z_emit_header(struct mctx *c, uint64_t n, bool withscores);
void z_emit_pair(struct mctx *c, struct kv_slice member, double score, bool withscores);

/* The key's sorted set (NULL if missing; *bad and WRONGTYPE for another type). */
struct mentry *z_lookup(struct mctx *c, struct kv_slice key, bool *bad);
/* Inserts a new member where it sorts (a listpack converts first if it would
 * outgrow zset-max-listpack-entries or -value); `convert` false: a built result. */
void z_insert(const struct sim_model *m, struct mcoll *z, struct kv_slice member, double score,
              bool convert);
void z_remove(struct mcoll *z, uint64_t i);
/* A built result (a skiplist) stored under dst as Redis stores it (a listpack when it
 * fits), or dst deleted when it is empty; replies its size. */
void z_store(struct mctx *c, struct kv_slice dst, struct mcoll *res);
void z_delete_if_empty(struct mctx *c, struct mentry *e);

#endif

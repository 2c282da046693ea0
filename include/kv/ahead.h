/*
 * ahead.h: running frames faster without changing what they do (src/ahead.c).
 * Frames are parsed once ahead of their run, their keys' index slots and items are
 * prefetched, and the running command's key is hinted to the keyspace so that its
 * lookups share their work. Everything here is advisory: a wrong guess costs a
 * useless prefetch, never a different reply.
 *
 * The server embeds one struct kv_ahead and each connection one struct
 * kv_ahead_peek, which only this module reads or writes. The server calls, per
 * moment:
 *   kv_ahead_batch      before a batch of ready connections runs (their first keys);
 *   kv_ahead_take       when a connection's next frame is taken from its input;
 *   kv_ahead_argv       where its taken frame's arguments are (NULL: decode it);
 *   kv_ahead_run_begin  before a frame runs, kv_ahead_run_end after it (the hint);
 *   kv_ahead_clear      when the connection's input may move (end of its turn).
 * Connections are named by an opaque owner pointer, compared, never followed.
 *
 * Memory: the struct only (frames and arguments of one connection at a time).
 */
#ifndef KV_AHEAD_H
#define KV_AHEAD_H

#include "kv/common.h"
#include "kv/keyspace.h"
#include "kv/resp.h"

#define KV_AHEAD_FRAMES 32u /* frames parsed ahead per connection, per pass */
_Static_assert(KV_AHEAD_FRAMES <= KV_KS_PREFETCH_BATCH_MAX, "one prefetch batch");
#define KV_AHEAD_ARGV 128u  /* their arguments, all together */

/* A connection's one field: what kv_ahead_batch peeked at in its input (the bytes
 * and hash of its first frame's second argument; key NULL: none). */
struct kv_ahead_peek {
    const uint8_t *key;
    uint64_t hash;
    uint32_t len;
};

/* One ready connection's unparsed input, for kv_ahead_batch. */
struct kv_ahead_input {
    struct kv_ahead_peek *peek;
    const uint8_t *buf;
    uint32_t len;
};

struct kv_ahead_frame {
    uint32_t start;          /* offset in the owner's input */
    uint32_t frame_len;
    uint32_t argc;
    uint32_t argv_off;       /* first argument in argv[] */
    bool hashed;             /* hash is argv[1]'s (its slot was prefetched) */
    uint64_t hash;
};

struct kv_ahead {
    struct kv_keyspace *ks;
    const struct kv_parse_limits *limits;
    const void *owner;       /* whose input frame[] describes (NULL: nobody's) */
    uint32_t n;              /* frames in frame[] */
    uint32_t next;           /* the next one to take */
    const void *taken_owner; /* whose ready frame `taken` is (NULL: none) */
    const struct kv_ahead_frame *taken;
    struct kv_ahead_frame frame[KV_AHEAD_FRAMES];
    struct kv_slice argv[KV_AHEAD_ARGV];
};

void kv_ahead_init(struct kv_ahead *a, struct kv_keyspace *ks,
                   const struct kv_parse_limits *limits);
/* Prefetches the first frame's key of each input (at most KV_AHEAD_FRAMES) and
 * notes it in the input's peek for kv_ahead_take. */
void kv_ahead_batch(struct kv_ahead *a, const struct kv_ahead_input *in, uint32_t n);
/*
 * The next frame of owner's input in[start, end), which its parser has not begun:
 * true with *frame (a whole multibulk frame at in[start]) when the fast parse found
 * one; *frame is not written otherwise. Consumes the peek. The frame stays owner's taken frame until
 * kv_ahead_run_end or kv_ahead_clear.
 */
bool kv_ahead_take(struct kv_ahead *a, const void *owner, struct kv_ahead_peek *peek,
                   const uint8_t *in, uint32_t start, uint32_t end,
                   struct kv_parse_result *frame);
/* The arguments of owner's taken frame, or NULL if it has none (decode the frame). */
static inline const struct kv_slice *kv_ahead_argv(const struct kv_ahead *a,
                                                   const void *owner) {
    return a->taken_owner == owner && owner != NULL ? a->argv + a->taken->argv_off : NULL;
}
/* Around one frame's run (reply bound and execution): its argv[1] is hinted to the
 * keyspace, with the hash the lookahead computed when argv is the taken frame's.
 * run_end also ends the taken frame. */
void kv_ahead_run_begin(struct kv_ahead *a, uint32_t argc, const struct kv_slice *argv);
void kv_ahead_run_end(struct kv_ahead *a);
/* The owner's input may move from here on: nothing points into it any more. */
void kv_ahead_clear(struct kv_ahead *a, struct kv_ahead_peek *peek);
/* Nothing cached (between connections' turns). */
static inline bool kv_ahead_idle(const struct kv_ahead *a) {
    return a->owner == NULL && a->taken_owner == NULL;
}

#endif

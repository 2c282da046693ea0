/*
 * resp.h: the incremental RESP2 request parser. Bytes in, argument slices or a
 * precise protocol error out. It knows nothing of commands, connections or the
 * keyspace.
 *
 * Two passes, so per-connection state stays O(1) whatever the argument count:
 * 1. kv_parse_scan() validates a frame incrementally. The caller keeps the bytes of
 *    the current frame contiguous from `buf` (the frame start) and calls again with a
 *    longer `len` after each read; the parser resumes where it stopped (no rescans).
 *    Every limit is checked as soon as the header announcing it is read, before the
 *    payload is buffered. `need` tells the caller how many bytes the frame needs at
 *    least, so it can find a buffer big enough before reading further.
 * 2. kv_parse_decode() turns a complete, validated frame into argv slices pointing
 *    into the buffer (inline frames are unescaped in place, which only shrinks them).
 *
 * Error strings are Redis's own ("Protocol error: ..."); the caller replies
 * "-ERR <error>\r\n" and closes the connection once that reply is sent.
 */
#ifndef KV_RESP_H
#define KV_RESP_H

#include "kv/common.h"

#define KV_PROTO_INLINE_MAX 65536u /* Redis PROTO_INLINE_MAX_SIZE */
#define KV_PROTO_UNAUTH_ARGC_MAX 10      /* Redis 7.0 processMultibulkBuffer, authRequired */
#define KV_PROTO_UNAUTH_BULK_MAX 16384u

enum kv_parse_status {
    KV_PARSE_NEED_MORE = 0, /* frame incomplete: read more bytes, call again */
    KV_PARSE_OK = 1,        /* frame complete: frame_len bytes, argc arguments */
    KV_PARSE_ERROR = 2,     /* protocol error: reply error, close after reply */
};

enum kv_frame_kind {
    KV_FRAME_EMPTY = 0,     /* "*0\r\n", "*-1\r\n", blank inline line: skip it */
    KV_FRAME_MULTIBULK = 1,
    KV_FRAME_INLINE = 2,
};

struct kv_parse_limits {
    uint64_t bulk_len_max;  /* proto-max-bulk-len */
    uint64_t argc_max;      /* multibulk counts above this are rejected */
    uint64_t inline_max;    /* longest inline line or header line (0: KV_PROTO_INLINE_MAX) */
    /* A client that must still AUTH: a multibulk count above KV_PROTO_UNAUTH_ARGC_MAX or
     * a bulk length above KV_PROTO_UNAUTH_BULK_MAX is a protocol error (Redis 7.0's
     * "unauthenticated multibulk/bulk length", then the close). kv_parse_fast refuses. */
    bool unauth;
};

struct kv_parser {
    uint32_t state;         /* private */
    uint32_t pos;           /* bytes of the frame already validated */
    int64_t args_left;
    int64_t bulk_len;
    uint32_t argc;
    uint64_t need;          /* frame needs at least this many bytes in total */
};

struct kv_parse_result {
    enum kv_frame_kind kind;
    uint32_t frame_len;     /* on OK: bytes to consume */
    uint32_t argc;          /* on OK */
    const char *error;      /* on ERROR: static string, e.g. "Protocol error: ..." */
};

void kv_parser_reset(struct kv_parser *p);

enum kv_parse_status kv_parse_scan(struct kv_parser *p, const struct kv_parse_limits *limits,
                                   const uint8_t *buf, uint32_t len,
                                   struct kv_parse_result *res);

/* Fills argv[0..argc) for a frame kv_parse_scan() accepted. argv_cap >= argc. */
void kv_parse_decode(uint8_t *buf, const struct kv_parse_result *res, struct kv_slice *argv,
                     uint32_t argv_cap);

/*
 * The common case in one pass: a whole multibulk frame at buf[0] with short
 * decimal lengths. On true, res and argv[0..argc) are exactly what kv_parse_scan
 * and kv_parse_decode would give. On false nothing is decided (incomplete frame,
 * protocol error, inline, an unusual length): use kv_parse_scan. Only for a
 * parser that has not started on this frame (kv_parser_fresh).
 */
bool kv_parse_fast(const struct kv_parse_limits *limits, const uint8_t *buf, uint32_t len,
                   struct kv_slice *argv, uint32_t argv_cap, struct kv_parse_result *res);
bool kv_parser_fresh(const struct kv_parser *p);
/*
 * A guess, not parsing: where a multibulk frame at buf[0] has its second argument
 * (src/ahead.c prefetches it). Length lines are read as kv_parse_fast reads them;
 * the first payload's terminator and the rest of the frame are not checked, so the
 * slice may be wrong for a malformed frame, but it always lies inside buf[0..len).
 */
bool kv_parse_peek_arg1(const uint8_t *buf, uint32_t len, struct kv_slice *arg);
/* The same, and where its third argument is (*arg2 {NULL, 0} when the frame has
 * none or the bytes end before it); the same guarantee for both slices. */
bool kv_parse_peek_args(const uint8_t *buf, uint32_t len, struct kv_slice *arg1,
                        struct kv_slice *arg2);

#endif

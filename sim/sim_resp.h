/*
 * sim_resp.h: the simulator's own RESP2 helpers, written independently of the
 * core's parser and reply writer so that the two can check each other:
 * - a reply scanner that splits a client's received byte stream into whole replies
 *   (nested arrays included, explicit stack, no recursion);
 * - a request encoder (multibulk and inline) for the simulated clients.
 * Owns no memory: every function works on caller buffers.
 */
#ifndef KV_SIM_RESP_H
#define KV_SIM_RESP_H

#include "kv/common.h"

#define SIM_RESP_DEPTH_MAX 8 /* nesting of arrays in a reply (EXEC of LRANGE: 2) */

enum sim_resp_status {
    SIM_RESP_NEED_MORE = 0,
    SIM_RESP_OK = 1,
    SIM_RESP_BAD = 2,
};

/* Scans one whole reply at p[0..len). On OK, *reply_len is its length. */
enum sim_resp_status sim_resp_scan(const uint8_t *p, uint32_t len, uint32_t *reply_len);

/* Bytes the multibulk encoding of argv takes. */
uint64_t sim_resp_request_size(uint32_t argc, const struct kv_slice *argv);
/* Writes the multibulk encoding into out (cap >= sim_resp_request_size). */
uint32_t sim_resp_encode(uint8_t *out, uint64_t cap, uint32_t argc, const struct kv_slice *argv);
/*
 * Inline encoding "a b c\r\n", only possible when every argument is non-empty and
 * holds no byte that inline parsing treats specially (space, quotes, backslash,
 * control bytes). Returns 0 when not possible.
 */
uint32_t sim_resp_encode_inline(uint8_t *out, uint64_t cap, uint32_t argc,
                                const struct kv_slice *argv);
/*
 * Inline encoding with sdssplitargs's quoting: each argument plain, in 'single'
 * or "double" quotes (escapes \xHH, \n \r \t \b \a, \" \\, an escaped
 * ordinary byte), separated by runs of spaces and tabs; `bits` picks the forms.
 * Any argument bytes (empty, binary) can be sent this way. Returns 0 if the line
 * would not fit cap or exceed 60000 bytes.
 */
uint32_t sim_resp_encode_quoted(uint8_t *out, uint64_t cap, uint32_t argc,
                                const struct kv_slice *argv, uint64_t bits);

/* Decimal formatting of a signed 64-bit integer; returns the length (buf >= 21). */
uint32_t sim_fmt_i64(char *buf, int64_t v);

#endif

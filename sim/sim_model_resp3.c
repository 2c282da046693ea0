/*
 * sim_model_resp3.c: the RESP3 form of the model's replies, for sessions that sent
 * HELLO 3. Written from redis-server 7.0.15's bytes under HELLO 3, not from
 * src/reply.c. The model computes every reply in RESP2; this file rewrites it as
 * Redis 7.0 would send it to a RESP3 client:
 *  - a null bulk ($-1) and a null array (*-1), at any depth, are RESP3's null `_`
 *    (GET, MGET's misses, LPOP/LMPOP/LPOS/LINDEX/GETEX/SET GET, CLIENT GETNAME,
 *    EXEC aborted by WATCH, RANDOMKEY of an empty keyspace);
 *  - CONFIG GET, COMMAND DOCS and XINFO STREAM answer a map (%n) where RESP2 has a
 *    flat array of 2n;
 *  - INFO, CLIENT INFO and CLIENT LIST, LATENCY DOCTOR and GRAPH, MEMORY DOCTOR
 *    answer a verbatim string (=n txt:...);
 *  - MEMORY STATS and LATENCY HISTOGRAM answer maps holding maps (and doubles):
 *    their loose checks read the RESP2 decoding, which is not re-encoded; the
 *    reply need only be a map (or an error) at the top (the differential test
 *    checks their RESP3 bytes against redis-server);
 *  - everything else is byte for byte the RESP2 reply: INCRBYFLOAT stays a bulk
 *    string, TIME and SCAN arrays of bulks, COMMAND COUNT an integer, errors and
 *    simple strings unchanged. No command the model knows answers a double, a
 *    boolean or a set (checked against redis-server 7.0.15), but MEMORY STATS's ratios.
 * EXEC's reply holds the core's own replies (each checked as it ran), so only its
 * nil is rewritten. HELLO writes its own reply in the protocol it switches to.
 * Loose checks (INFO, RANDOMKEY, KEYS, SCAN, TIME, DBSIZE) run on the RESP2
 * decoding of a RESP3 reply, which must then re-encode to the bytes received.
 * Test code: heap allowed.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"
#include "sim_resp.h"

/* TOP_SET: a set (`~`); TOP_PAIRS: a flat array of 2n as n two-element arrays
 * (HRANDFIELD WITHVALUES); the hash and set commands' rules: sim_model_hash.c.
 * TOP_SHAPE: MEMORY STATS, LATENCY HISTOGRAM (maps of maps and doubles, see above). */
enum top_rule {
    TOP_NONE = 0, TOP_MAP = 1, TOP_VERBATIM = 2, TOP_SET = 3, TOP_PAIRS = 4, TOP_SHAPE = 5
};

/* The line p[pos..) ends at a CRLF: its index (the model's bytes, and replies
 * sim_resp_scan accepted, are whole). */
static uint64_t crlf(const uint8_t *p, uint64_t n, uint64_t pos) {
    for (uint64_t i = pos; i + 1 < n; i++) {
        if (p[i] == '\r' && p[i + 1] == '\n') return i;
    }
    KV_ASSERT(!"a reply line without CRLF");
    return n;
}

static int64_t line_int(const uint8_t *p, uint64_t from, uint64_t to) {
    int64_t v = 0;
    bool ok = m_str2ll(p + from, (uint32_t)(to - from), &v);
    KV_ASSERT(ok);
    return v;
}

static void put_header(struct sim_buf *b, char type, int64_t v) {
    char num[24];
    uint32_t d = sim_fmt_i64(num, v);
    sim_buf_put(b, &type, 1);
    sim_buf_put(b, num, d);
    sim_buf_put(b, "\r\n", 2);
}

static enum top_rule rule_for(const struct mctx *c) {
    struct kv_slice sub = c->argc >= 2 ? c->argv[1] : (struct kv_slice){NULL, 0};
    if (m_eq_nocase(c->argv[0], "info")) return TOP_VERBATIM;
    int hs = m_hs_resp3_rule(c);
    if (hs != 0) return hs == 1 ? TOP_SET : hs == 2 ? TOP_MAP : TOP_PAIRS;
    if (c->argc < 2) return TOP_NONE;
    if (m_eq_nocase(c->argv[0], "config") && m_eq_nocase(sub, "get")) return TOP_MAP;
    if (m_eq_nocase(c->argv[0], "command") && m_eq_nocase(sub, "docs")) return TOP_MAP;
    if (m_eq_nocase(c->argv[0], "xinfo") && m_eq_nocase(sub, "stream")) return TOP_MAP;
    if (m_eq_nocase(c->argv[0], "client") &&
        (m_eq_nocase(sub, "info") || m_eq_nocase(sub, "list")))
        return TOP_VERBATIM;
    if (m_eq_nocase(c->argv[0], "latency") &&
        (m_eq_nocase(sub, "doctor") || m_eq_nocase(sub, "graph")))
        return TOP_VERBATIM;
    if (m_eq_nocase(c->argv[0], "memory") && m_eq_nocase(sub, "doctor")) return TOP_VERBATIM;
    if ((m_eq_nocase(c->argv[0], "memory") && m_eq_nocase(sub, "stats")) ||
        (m_eq_nocase(c->argv[0], "latency") && m_eq_nocase(sub, "histogram")))
        return TOP_SHAPE;
    return TOP_NONE;
}

/* RESP2 bytes p[0..n) as RESP3, the top element by `rule`. */
static void up(const uint8_t *p, uint64_t n, enum top_rule rule, struct sim_buf *out) {
    uint64_t elem = 0; /* TOP_PAIRS: bulks after the top header */
    for (uint64_t pos = 0, guard = 0; pos < n && guard < n; guard++) {
        uint64_t end = crlf(p, n, pos);
        uint8_t type = p[pos];
        bool top = pos == 0;
        int64_t v = type == '$' || type == '*' ? line_int(p, pos + 1, end) : 0;
        if ((type == '$' || type == '*') && v < 0) {
            sim_buf_put(out, "_\r\n", 3);
            pos = end + 2;
        } else if (type == '*' && top && rule == TOP_MAP) {
            KV_ASSERT(v % 2 == 0);
            put_header(out, '%', v / 2);
            pos = end + 2;
        } else if (type == '*' && top && (rule == TOP_SET || rule == TOP_PAIRS)) {
            put_header(out, rule == TOP_SET ? '~' : '*', rule == TOP_SET ? v : v / 2);
            pos = end + 2;
        } else if (type == '$') {
            if (rule == TOP_PAIRS && !top && elem++ % 2 == 0) sim_buf_put(out, "*2\r\n", 4);
            uint64_t body = end + 2;
            KV_ASSERT(body + (uint64_t)v + 2 <= n);
            bool verbatim = top && rule == TOP_VERBATIM;
            if (verbatim) put_header(out, '=', v + 4);
            else put_header(out, '$', v);
            if (verbatim) sim_buf_put(out, "txt:", 4);
            sim_buf_put(out, p + body, (uint64_t)v + 2);
            pos = body + (uint64_t)v + 2;
        } else {
            sim_buf_put(out, p + pos, end + 2 - pos);
            pos = end + 2;
        }
    }
}

/* One RESP3 element of a received reply as RESP2 (the data it carries). */
static uint64_t down_one(const uint8_t *p, uint64_t n, uint64_t pos, struct sim_buf *out) {
    uint64_t end = crlf(p, n, pos);
    uint8_t type = p[pos];
    uint64_t line = end - pos - 1;
    if (type == '_') {
        sim_buf_put(out, "$-1\r\n", 5);
    } else if (type == '%' || type == '~' || type == '>') {
        int64_t v = line_int(p, pos + 1, end);
        put_header(out, '*', type == '%' ? 2 * v : v);
    } else if (type == ',' || type == '(') {
        put_header(out, '$', (int64_t)line);
        sim_buf_put(out, p + pos + 1, line + 2);
    } else if (type == '#') {
        sim_buf_put(out, p[pos + 1] == 't' ? ":1\r\n" : ":0\r\n", 4);
    } else if (type == '$' || type == '=' || type == '!') {
        int64_t v = line_int(p, pos + 1, end);
        if (v < 0) {
            sim_buf_put(out, "$-1\r\n", 5);
            return end + 2;
        }
        uint64_t skip = type == '=' ? 4 : 0;
        put_header(out, type == '!' ? '-' : '$', v - (int64_t)skip);
        sim_buf_put(out, p + end + 2 + skip, (uint64_t)v - skip + 2);
        return end + 2 + (uint64_t)v + 2;
    } else {
        sim_buf_put(out, p + pos, end + 2 - pos);
    }
    return end + 2;
}

bool m_resp3_session(const struct mctx *c) {
    return m_session(c->m, c->session)->proto == 3;
}

void m_resp3_up(struct mctx *c) {
    if (c->out->len == 0 || !m_resp3_session(c) || m_eq_nocase(c->argv[0], "hello")) return;
    static const char *const own[] = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe",
                                      "publish"}; /* written in the session's protocol */
    for (uint32_t i = 0; i < KV_ARRAY_LEN(own); i++)
        if (m_eq_nocase(c->argv[0], own[i])) return;
    bool exec = m_eq_nocase(c->argv[0], "exec");
    if (exec && !(c->out->len == 5 && memcmp(c->out->p, "*-1\r\n", 5) == 0)) return;
    struct sim_buf r3 = {0};
    up(c->out->p, c->out->len, rule_for(c), &r3);
    c->out->len = 0;
    sim_buf_put(c->out, r3.p, r3.len);
    sim_buf_free(&r3);
}

/* A loose check under RESP3: on the reply's RESP2 decoding, which must re-encode to
 * exactly the bytes received. */
bool m_resp3_loose(struct mctx *c, bool (*loose)(struct mctx *c)) {
    uint32_t len = 0;
    if (sim_resp_scan(c->reply, c->reply_len, &len) != SIM_RESP_OK || len != c->reply_len) {
        m_why(c, "RESP3 reply is not one whole reply");
        return false;
    }
    struct sim_buf r2 = {0}, again = {0};
    for (uint64_t pos = 0, g = 0; pos < c->reply_len && g < c->reply_len; g++)
        pos = down_one(c->reply, c->reply_len, pos, &r2);
    up(r2.p, r2.len, rule_for(c), &again);
    bool same = again.len == c->reply_len && memcmp(again.p, c->reply, c->reply_len) == 0;
    if (rule_for(c) == TOP_SHAPE) same = c->reply[0] == '%' || c->reply[0] == '-';
    const uint8_t *reply = c->reply;
    uint32_t reply_len = c->reply_len;
    c->reply = r2.p;
    c->reply_len = (uint32_t)r2.len;
    bool ok = loose(c);
    c->reply = reply;
    c->reply_len = reply_len;
    if (ok && !same) m_why(c, "reply is not the RESP3 form Redis gives this command");
    sim_buf_free(&r2);
    sim_buf_free(&again);
    return ok && same;
}

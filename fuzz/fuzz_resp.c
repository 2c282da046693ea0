/*
 * fuzz_resp.c: libFuzzer target for the incremental RESP2 request parser
 * (include/kv/resp.h, src/resp.c), checked against a reference decoder.
 *
 * Input layout:
 *   byte 0  limits: bits 0-2 proto-max-bulk-len (table), bits 3-5 argc limit (table),
 *           bit 6 inflate (below), bit 7 every read brings exactly `need` bytes
 *   byte 1  low 4 bits: number of read sizes S (0: the whole stream in one read),
 *           bits 4-6 the line limit inline_max (k_line_max: 64 B-64 KiB; 0 there
 *           means the parser's default, KV_PROTO_INLINE_MAX)
 *   S bytes read sizes, cycled; 0 means "read up to what the parser said it needs"
 *   inflate 3 bytes: position, length v, filler byte: a run inserted into the stream,
 *           of (v + 1) * 4 bytes for v < 224, else line limit - 16 + (v - 224): every
 *           line limit is reachable and crossable by a few bytes (a 64 KiB line costs
 *           ~2 ms, a small input ~20 us, so the large limit is one of eight)
 *   rest    the byte stream a client sends
 *
 * The driver plays the server: the stream arrives in reads of those sizes into one
 * buffer; a frame's bytes stay contiguous from its start, and every call passes
 * exactly the bytes received so far, with the bytes before the frame and after
 * the received end poisoned for ASan (so any read outside is caught, not only
 * reads past the heap block). After OK the frame is decoded from an exact-size
 * copy; after ERROR the connection is over.
 *
 * Every verdict is compared with ref_frame(), a plain decoder over the whole rest
 * of the stream written from Redis 7.0's processMultibulkBuffer/processInlineBuffer/
 * sdssplitargs/string2ll plus kv's documented deviations (line and bulk terminators
 * are checked; NUL is an ordinary byte; an inline line, terminator included, longer
 * than the line limit is too big however it arrives). It agrees on: which frames
 * are complete, valid, empty or erroneous, the exact error string, frame length,
 * argc and every argument's bytes. The "too big" errors of header lines depend on
 * how bytes arrive, so the reference reports when they are possible and when they
 * are certain.
 * Also checked: scan never writes to the buffer; NEED_MORE's `need` exceeds the
 * bytes given and never exceeds the bytes the verdict really needed.
 *
 * Test code: stdio allowed. Memory: static buffers sized for the largest stream,
 * reused by every input (no per-input allocation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/resp.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CHECK(e)                                                                         \
    do {                                                                                 \
        if (!(e)) {                                                                      \
            fprintf(stderr, "fuzz_resp: check failed: %s (%s:%d)\n", #e, __FILE__,       \
                    __LINE__);                                                           \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define LINE_MAX_BYTES KV_PROTO_INLINE_MAX /* the parser's default line limit */
#define DATA_MAX (1u << 16)
#define RUN_MAX (LINE_MAX_BYTES + 16u)
#define STREAM_MAX (DATA_MAX + RUN_MAX) /* the input plus the largest inflate run */
#define FRAMES_MAX 64u /* frames checked per input: each costs ~1 us of reference checks */
#define READS_MAX 256u  /* reads per input; then the rest of the stream arrives at once */
#define ARGS_MAX (STREAM_MAX / 2 + 1)       /* an inline "a a a ..." line */
#define REDZONE 64u

/*
 * Every buffer lives here, taken once per process: a per-input malloc of a 130 KiB
 * stream is an mmap (ASan's large allocator) and a few hundred page faults, which
 * cost more than all the parsing (fuzz_resp ran at ~1,600 exec/s that way). Reads
 * past a copy's end are still caught: the bytes after it are poisoned (REDZONE).
 */
static uint8_t g_orig[STREAM_MAX];
static uint8_t g_buf[STREAM_MAX];
static uint8_t g_copy[STREAM_MAX + REDZONE];
static uint8_t g_tok[STREAM_MAX];
static const uint8_t *g_ref_argv[ARGS_MAX];
static uint32_t g_ref_argl[ARGS_MAX];
static struct kv_slice g_argv[ARGS_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- reference decoder ------------------------------------------------------ */

enum { REF_INCOMPLETE = 0, REF_OK = 1, REF_ERROR = 2, REF_GO_ON = 3 };

struct ref {
    int status;
    enum kv_frame_kind kind;
    uint64_t frame_len;
    uint64_t decide_len;    /* bytes of the frame needed to reach the verdict */
    uint32_t argc;
    const uint8_t **argv;   /* g_ref_argv: into the stream, or into g_tok (inline) */
    uint32_t *argl;
    const char *error;      /* NULL with status ERROR: silent close */
    char errbuf[64];
    uint64_t line_max;      /* the parser's line limit (kv_parse_limits.inline_max) */
    uint64_t bulk_max;      /* kv_parse_limits.bulk_len_max */
    bool may_mbulk_big;     /* a "too big" error is possible, depending on reads */
    bool may_bulk_big;
};

/* An argument: its bytes stay where they are (the stream or g_tok) until the frame
 * has been compared. */
static void ref_arg(struct ref *r, const uint8_t *p, uint32_t n) {
    CHECK(r->argc < ARGS_MAX);
    r->argv[r->argc] = p;
    r->argl[r->argc] = n;
    r->argc++;
}

static int ref_error(struct ref *r, const char *error, uint64_t decide_len) {
    r->status = REF_ERROR;
    r->error = error;
    r->decide_len = decide_len;
    return REF_ERROR;
}

/* memchr, not a loop: this runs over whole 130 KiB streams once per frame, and a
 * loop compiled with -fsanitize=fuzzer pays a coverage callback per byte. */
static uint64_t find_byte(const uint8_t *b, uint64_t from, uint64_t n, uint8_t c) {
    if (from >= n) return n;
    const uint8_t *at = memchr(b + from, c, n - from);
    return at != NULL ? (uint64_t)(at - b) : n;
}

/* Redis string2ll, from its definition: "0", or an optional '-' and a digit 1-9
 * followed by digits, in range of int64. */
static bool ref_str2ll(const uint8_t *p, uint64_t n, int64_t *out) {
    if (n == 0 || n > 20) return false;
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return true;
    }
    bool neg = p[0] == '-';
    uint64_t i = neg ? 1 : 0;
    if (i == n || p[i] == '0') return false;
    __int128 v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (p[i] - '0');
    }
    if (neg) v = -v;
    if (v > INT64_MAX || v < INT64_MIN) return false;
    *out = (int64_t)v;
    return true;
}

/* A header line starting at `start`, ended by "\r\n". Sets *cr_out to its '\r'. */
static int ref_line(struct ref *r, const uint8_t *b, uint64_t n, uint64_t start, bool *may_big,
                    const char *big_error, uint64_t *cr_out) {
    uint64_t cr = find_byte(b, start, n, '\r');
    if (cr == n) {
        if (n - start > r->line_max)
            return ref_error(r, big_error, start + r->line_max + 1);
        return REF_INCOMPLETE;
    }
    if (cr - start > r->line_max) *may_big = true;
    if (cr + 1 >= n) return REF_INCOMPLETE;
    *cr_out = cr;
    return REF_GO_ON;
}

/* One "$<len>\r\n<payload>\r\n" at *pos. */
static int ref_bulk(struct ref *r, const uint8_t *b, uint64_t n, uint64_t *pos,
                    const struct kv_parse_limits *lim) {
    uint64_t cr = 0, at = *pos;
    int s = ref_line(r, b, n, at, &r->may_bulk_big, "Protocol error: too big bulk count string",
                     &cr);
    if (s != REF_GO_ON) return s;
    if (b[at] != '$') {
        snprintf(r->errbuf, sizeof(r->errbuf), "Protocol error: expected '$', got '%c'",
                 (char)b[at]);
        return ref_error(r, r->errbuf, cr + 2);
    }
    int64_t blen = 0;
    if (!ref_str2ll(b + at + 1, cr - at - 1, &blen) || blen < 0 ||
        (uint64_t)blen > lim->bulk_len_max)
        return ref_error(r, "Protocol error: invalid bulk length", cr + 2);
    if (b[cr + 1] != '\n') return ref_error(r, "Protocol error: invalid line terminator", cr + 2);
    uint64_t data = cr + 2;
    if (data + (uint64_t)blen + 2 > n) return REF_INCOMPLETE;
    if (b[data + blen] != '\r' || b[data + blen + 1] != '\n')
        return ref_error(r, "Protocol error: invalid bulk terminator", data + blen + 2);
    ref_arg(r, b + data, (uint32_t)blen);
    *pos = data + blen + 2;
    return REF_GO_ON;
}

static int ref_multibulk(struct ref *r, const uint8_t *b, uint64_t n,
                         const struct kv_parse_limits *lim) {
    uint64_t cr = 0;
    int s = ref_line(r, b, n, 0, &r->may_mbulk_big, "Protocol error: too big mbulk count string",
                     &cr);
    if (s != REF_GO_ON) return s;
    int64_t count = 0;
    if (!ref_str2ll(b + 1, cr - 1, &count) || count > INT32_MAX)
        return ref_error(r, "Protocol error: invalid multibulk length", cr + 2);
    if (b[cr + 1] != '\n') return ref_error(r, "Protocol error: invalid line terminator", cr + 2);
    uint64_t pos = cr + 2;
    if (count > 0 && (uint64_t)count > lim->argc_max) return ref_error(r, NULL, pos);
    /* Each argument takes at least 6 bytes: no need to loop past the data. */
    for (int64_t a = 0; a < count; a++) {
        s = ref_bulk(r, b, n, &pos, lim);
        if (s != REF_GO_ON) return s;
    }
    r->status = REF_OK;
    r->kind = count > 0 ? KV_FRAME_MULTIBULK : KV_FRAME_EMPTY;
    r->frame_len = pos;
    r->decide_len = pos;
    return REF_OK;
}

static bool c_isspace(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool c_ishex(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static uint8_t hexval(uint8_t c) {
    if (c <= '9') return (uint8_t)(c - '0');
    if (c >= 'a') return (uint8_t)(c - 'a' + 10);
    return (uint8_t)(c - 'A' + 10);
}

/* One sdssplitargs token at b[*i] (not a space) into out; false: unbalanced quotes. */
static bool ref_token(const uint8_t *b, uint64_t n, uint64_t *i, uint8_t *out, uint32_t *olen) {
    enum { PLAIN, DQ, SQ } st = PLAIN;
    uint64_t k = *i;
    uint32_t w = 0;
    for (;;) {
        if (st == PLAIN) {
            if (k == n || b[k] == ' ' || b[k] == '\n' || b[k] == '\r' || b[k] == '\t') break;
            if (b[k] == '"') st = DQ;
            else if (b[k] == '\'') st = SQ;
            else out[w++] = b[k];
            k++;
        } else if (k == n) {
            return false;
        } else if (st == DQ && b[k] == '\\' && k + 3 < n && b[k + 1] == 'x' &&
                   c_ishex(b[k + 2]) && c_ishex(b[k + 3])) {
            out[w++] = (uint8_t)(hexval(b[k + 2]) * 16 + hexval(b[k + 3]));
            k += 4;
        } else if (st == DQ && b[k] == '\\' && k + 1 < n) {
            uint8_t c = b[k + 1];
            out[w++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t'
                     : c == 'b' ? '\b' : c == 'a' ? '\a' : c;
            k += 2;
        } else if (st == SQ && b[k] == '\\' && k + 1 < n && b[k + 1] == '\'') {
            out[w++] = '\'';
            k += 2;
        } else if ((st == DQ && b[k] == '"') || (st == SQ && b[k] == '\'')) {
            if (k + 1 < n && !c_isspace(b[k + 1])) return false;
            k++;
            break;
        } else {
            out[w++] = b[k++];
        }
    }
    *i = k;
    *olen = w;
    return true;
}

/* kv's inline rules (src/resp.c step_inline, not Redis's): a line, terminator
 * included, of more than line_max bytes is "too big" however its bytes arrive; an
 * argument longer than bulk_max is refused as its bulk would be. */
static int ref_inline(struct ref *r, const uint8_t *b, uint64_t n) {
    static const char big[] = "Protocol error: too big inline request";
    uint64_t nl = find_byte(b, 0, n, '\n');
    if (nl == n) {
        if (n >= r->line_max) return ref_error(r, big, r->line_max);
        return REF_INCOMPLETE;
    }
    if (nl + 1 > r->line_max) return ref_error(r, big, KV_MIN(nl + 1, r->line_max));
    uint64_t line = nl > 0 && b[nl - 1] == '\r' ? nl - 1 : nl;
    uint8_t *tok = g_tok; /* tokens only shrink: the line fits */
    uint64_t i = 0, longest = 0;
    while (i < line) {
        if (c_isspace(b[i])) {
            i++;
            continue;
        }
        uint32_t tlen = 0;
        if (!ref_token(b, line, &i, tok, &tlen)) {
            r->argc = 0;
            return ref_error(r, "Protocol error: unbalanced quotes in request", nl + 1);
        }
        ref_arg(r, tok, tlen);
        tok += tlen;
        longest = KV_MAX(longest, tlen);
    }
    if (longest > r->bulk_max) {
        r->argc = 0;
        return ref_error(r, "Protocol error: invalid bulk length", nl + 1);
    }
    r->status = REF_OK;
    r->kind = r->argc > 0 ? KV_FRAME_INLINE : KV_FRAME_EMPTY;
    r->frame_len = nl + 1;
    r->decide_len = nl + 1;
    return REF_OK;
}

/* The verdict on the frame at the start of b[0..n) (n > 0: all bytes still to come). */
static void ref_frame(struct ref *r, const uint8_t *b, uint64_t n,
                      const struct kv_parse_limits *lim) {
    memset(r, 0, sizeof(*r));
    r->line_max = lim->inline_max != 0 ? lim->inline_max : LINE_MAX_BYTES;
    r->bulk_max = lim->bulk_len_max;
    r->argv = g_ref_argv;
    r->argl = g_ref_argl;
    int s = b[0] == '*' ? ref_multibulk(r, b, n, lim) : ref_inline(r, b, n);
    if (s == REF_INCOMPLETE) r->status = REF_INCOMPLETE;
    if (r->status != REF_OK) r->argc = 0;
}

/* ---- driver ------------------------------------------------------------------- */

struct stream {
    uint8_t *buf;           /* what the server received; poisoned outside the frame */
    const uint8_t *orig;    /* pristine copy: the reference reads this one */
    uint64_t total;
    uint64_t avail;         /* bytes received so far */
    uint64_t unpoisoned;    /* buf[start, unpoisoned) is addressable */
    const uint8_t *chunks;  /* read sizes, cycled */
    uint32_t nchunks;
    uint32_t next;
    uint32_t reads;
    uint32_t scale;
    bool need_mode;
};

/* One more read: to the parser's need, by the next read size, or everything. A
 * read brings at least `scale` bytes: an incomplete line "needs" one byte more, so
 * need-sized reads of a 64 KiB line would otherwise call the parser 65,536 times. */
static void stream_read(struct stream *s, uint64_t start, uint64_t need) {
    uint64_t to = s->total;
    if (s->reads++ >= READS_MAX) {
        to = s->total; /* a parser call per byte of a long stream finds nothing new */
    } else if (s->need_mode) {
        to = start + need;
    } else if (s->nchunks > 0) {
        uint64_t c = s->chunks[s->next++ % s->nchunks];
        to = c == 0 ? start + need : s->avail + c * s->scale;
    }
    s->avail = KV_MIN(KV_MAX(to, s->avail + s->scale), s->total);
    UNPOISON(s->buf + s->unpoisoned, s->avail - s->unpoisoned);
    s->unpoisoned = s->avail;
}

static bool may_be_big(const struct ref *r, const char *e) {
    if (e == NULL) return false;
    if (r->may_mbulk_big && strcmp(e, "Protocol error: too big mbulk count string") == 0)
        return true;
    return r->may_bulk_big && strcmp(e, "Protocol error: too big bulk count string") == 0;
}

/* p[0..len) copied to g_copy with a poisoned redzone after it (as an exact-size
 * heap block would have); copy_done() lifts the redzone. */
static uint8_t *copy_in(const uint8_t *p, uint64_t len) {
    CHECK(len <= STREAM_MAX);
    memcpy(g_copy, p, len);
    POISON(g_copy + len, REDZONE);
    return g_copy;
}

static void copy_done(uint64_t len) { UNPOISON(g_copy + len, REDZONE); }

/* Decodes the frame from a copy of its exact size and compares argv with the
 * reference. argv gets exactly argc entries: the ones after are poisoned. */
static void check_decode(const uint8_t *frame, const struct kv_parse_result *res,
                         const struct ref *r) {
    uint8_t *copy = copy_in(frame, res->frame_len);
    CHECK(res->argc < ARGS_MAX);
    POISON(g_argv + res->argc, sizeof(g_argv[0]));
    kv_parse_decode(copy, res, g_argv, res->argc);
    UNPOISON(g_argv + res->argc, sizeof(g_argv[0]));
    for (uint32_t a = 0; a < res->argc; a++) {
        const struct kv_slice *v = &g_argv[a];
        CHECK(v->ptr >= copy && v->ptr + v->len <= copy + res->frame_len);
        CHECK(v->len == r->argl[a]);
        CHECK(memcmp(v->ptr, r->argv[a], v->len) == 0);
    }
    copy_done(res->frame_len);
}

/* kv's verdict on one frame against the reference. True if the stream goes on. */
static bool compare(enum kv_parse_status st, const struct kv_parse_result *res,
                    const struct ref *r, uint64_t need_max) {
    if (st == KV_PARSE_NEED_MORE) {
        CHECK(r->status == REF_INCOMPLETE);
        return false;
    }
    if (st == KV_PARSE_ERROR) {
        if (may_be_big(r, res->error)) return false;
        CHECK(r->status == REF_ERROR);
        CHECK(res->error == NULL ? r->error == NULL
                                 : r->error != NULL && strcmp(res->error, r->error) == 0);
        CHECK(need_max <= r->decide_len);
        return false;
    }
    CHECK(st == KV_PARSE_OK && res->error == NULL);
    CHECK(r->status == REF_OK);
    CHECK(res->kind == r->kind && res->frame_len == r->frame_len && res->argc == r->argc);
    CHECK(need_max <= r->frame_len);
    return true;
}

/* The one-pass fast path over the rest of the stream (exact-size copy): when it
 * takes a frame, the reference must agree on kind, length and every argument. A
 * prefix is enough (whatever fast finds in a prefix, the whole stream holds too):
 * the frame itself, else at most 64 KiB, so long streams stay linear. */
static void check_fast(const uint8_t *p, uint64_t len, const struct kv_parse_limits *lim,
                       const struct ref *r) {
    len = KV_MIN(len, r->status == REF_OK ? r->frame_len : 65536u);
    uint8_t *copy = copy_in(p, len);
    struct kv_slice argv[64];
    struct kv_parse_result res;
    if (kv_parse_fast(lim, copy, (uint32_t)len, argv, 64, &res)) {
        CHECK(r->status == REF_OK && res.error == NULL);
        CHECK(res.kind == r->kind && res.frame_len == r->frame_len && res.argc == r->argc);
        for (uint32_t i = 0; i < res.argc; i++) {
            CHECK(argv[i].len == r->argl[i]);
            CHECK(argv[i].len == 0 || memcmp(argv[i].ptr, r->argv[i], argv[i].len) == 0);
        }
    }
    copy_done(len);
}

/* Scans the frame starting at `start`; returns how many bytes it took (0: stop). */
static uint64_t run_frame(struct stream *s, uint64_t start, const struct kv_parse_limits *lim) {
    struct kv_parser p;
    struct kv_parse_result res;
    struct ref r;
    enum kv_parse_status st = KV_PARSE_NEED_MORE;
    uint64_t need_max = 0;
    kv_parser_reset(&p);
    ref_frame(&r, s->orig + start, s->total - start, lim);
    check_fast(s->orig + start, s->total - start, lim, &r);
    for (uint64_t calls = 0; calls <= s->total + 1; calls++) {
        if (s->avail == start) stream_read(s, start, 1);
        uint64_t len = s->avail - start;
        st = kv_parse_scan(&p, lim, s->buf + start, (uint32_t)len, &res);
        CHECK(st == KV_PARSE_NEED_MORE || st == KV_PARSE_OK || st == KV_PARSE_ERROR);
        if (st != KV_PARSE_NEED_MORE) break;
        CHECK(p.need > len);
        need_max = KV_MAX(need_max, p.need);
        if (s->avail == s->total) break;
        stream_read(s, start, p.need);
    }
    /* scan never writes */
    CHECK(memcmp(s->buf + start, s->orig + start, s->avail - start) == 0);
    bool go_on = compare(st, &res, &r, need_max);
    if (go_on) check_decode(s->buf + start, &res, &r);
    return go_on ? res.frame_len : 0;
}

static const uint64_t k_bulk_max[8] = {1, 3, 8, 16, 100, 4096, 1u << 20, (1ull << 31) - 64};
static const uint64_t k_argc_max[8] = {1, 2, 3, 5, 16, 1000, 357913942, UINT32_MAX};
static const uint64_t k_line_max[8] = {0, 64, 65, 100, 255, 1024, 4096, 16384};

/* Builds the stream in g_orig: data with an optional filler run inserted. */
static uint8_t *make_stream(const uint8_t **d, size_t *n, bool inflate, uint64_t line_max,
                            uint64_t *total) {
    uint64_t at = 0, run = 0;
    uint8_t fill = 0;
    if (inflate && *n >= 3) {
        at = (*d)[0];
        uint64_t v = (*d)[1];
        run = v < 224 ? (v + 1) * 4 : line_max - 16 + (v - 224);
        fill = (*d)[2];
        *d += 3;
        *n -= 3;
    }
    at = KV_MIN(at, (uint64_t)*n);
    *total = *n + run;
    CHECK(*total <= STREAM_MAX);
    uint8_t *s = g_orig;
    memcpy(s, *d, at);
    memset(s + at, fill, run);
    memcpy(s + at + run, *d + at, *n - at);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2 || size > DATA_MAX) return 0;
    struct kv_parse_limits lim = {k_bulk_max[data[0] & 7], k_argc_max[(data[0] >> 3) & 7],
                                  k_line_max[(data[1] >> 4) & 7]};
    struct stream s = {.nchunks = data[1] & 15u, .need_mode = (data[0] & 0x80) != 0,
                       .scale = 1};
    const uint8_t *d = data + 2;
    size_t n = size - 2;
    if (s.nchunks > n) s.nchunks = (uint32_t)n;
    s.chunks = d;
    d += s.nchunks;
    n -= s.nchunks;
    uint64_t line_max = lim.inline_max != 0 ? lim.inline_max : LINE_MAX_BYTES;
    uint8_t *orig = make_stream(&d, &n, (data[0] & 0x40) != 0, line_max, &s.total);
    if (s.total > 8192) s.scale = KV_MAX(64u, (uint32_t)(s.total / 512)); /* <= ~512 reads */
    s.orig = orig;
    s.buf = g_buf;
    memcpy(s.buf, orig, s.total);
    POISON(s.buf, STREAM_MAX); /* and past the end: nothing beyond total is addressable */
    uint64_t start = 0;
    for (uint64_t frames = 0; start < s.total && frames < FRAMES_MAX; frames++) {
        uint64_t used = run_frame(&s, start, &lim);
        if (used == 0) break;
        POISON(s.buf + start, used); /* consumed: the parser must not look back */
        start += used;
    }
    UNPOISON(s.buf, STREAM_MAX);
    return 0;
}

/*
 * log.h: the server's log, in Redis's line format, without allocation and without
 * blocking the event loop.
 *
 *   1234:M 05 Dec 2026 15:49:50.826 * message
 *
 * pid, the role ('M': kv is always a master), day month year, time with
 * milliseconds, the level's mark (debug '.', verbose '-', notice '*', warning '#')
 * and the message (at most KV_LOG_MSG_MAX bytes, longer ones are cut, as Redis cuts
 * at LOG_MAX_LEN). kv_log() formats a line into a static ring (log-buffer-size
 * bytes, carved from the arena at startup) and returns: it never calls the kernel.
 * The owner drains the ring: the server through the io interface while the loop
 * runs (kv_log_flush: one write in flight at a time, see src/log.c), main.c with
 * plain write(2) before the loop starts and after it ends.
 *
 * Invariants: tail <= head <= tail + cap (bytes written and drained, ever); the
 * ring holds whole lines only (a line that does not fit is dropped and counted,
 * never cut); the bytes of a write in flight, [tail, tail + inflight), are never
 * overwritten.
 */
#ifndef KV_LOG_H
#define KV_LOG_H

#include "kv/clock.h"
#include "kv/common.h"
#include "kv/io.h"

enum kv_log_level {
    KV_LOG_DEBUG = 0,
    KV_LOG_VERBOSE = 1,
    KV_LOG_NOTICE = 2,
    KV_LOG_WARNING = 3,
    KV_LOG_NOTHING = 4, /* loglevel "nothing": no line at all */
};

#define KV_LOG_MSG_MAX 1024u  /* Redis's LOG_MAX_LEN */
#define KV_LOG_PREFIX_MAX 48u /* "pid:M dd Mon yyyy hh:mm:ss.mmm * " */
#define KV_LOG_LINE_MAX (KV_LOG_PREFIX_MAX + KV_LOG_MSG_MAX + 1u)
#define KV_LOG_RING_MIN 4096u /* log-buffer-size's floor: room for a few whole lines */

struct kv_log {
    uint8_t *ring;
    uint32_t cap;
    uint64_t head;            /* bytes written into the ring, ever */
    uint64_t tail;            /* bytes drained, ever */
    uint32_t inflight;        /* bytes of the write in flight (from tail), 0: none */
    enum kv_log_level level;  /* lines below it are not formatted */
    uint32_t pid;
    int32_t gmtoff_s;         /* local time = UTC + this (taken once at startup) */
    int32_t fd;               /* where the drain writes: 1 (stdout) or the logfile */
    const struct kv_clock *clock;
    uint64_t lines;           /* lines put in the ring */
    uint64_t dropped;         /* lines dropped: the ring was full */
    uint64_t dropped_said;    /* dropped lines the log has already reported */
    uint64_t write_errors;    /* drain writes that failed (their bytes are lost) */
};

/* Broken-down local time, as the line shows it. */
struct kv_log_time {
    int32_t year;
    uint32_t month;  /* 1..12 */
    uint32_t day;    /* 1..31 */
    uint32_t hour, minute, second, ms;
};

void kv_log_init(struct kv_log *l, uint8_t *ring, uint32_t cap, enum kv_log_level level,
                 const struct kv_clock *clock);
/* pid and the timezone offset (main.c: getpid(), tm_gmtoff); the simulator keeps 0. */
void kv_log_set_origin(struct kv_log *l, uint32_t pid, int32_t gmtoff_s);
static inline bool kv_log_enabled(const struct kv_log *l, enum kv_log_level level) {
    return level >= l->level && l->level != KV_LOG_NOTHING;
}
/* Formats one line into the ring (dropped and counted if it does not fit). */
void kv_log(struct kv_log *l, enum kv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "debug", "verbose", "notice", "warning", "nothing" (any case); false otherwise. */
bool kv_log_level_parse(const char *name, enum kv_log_level *out);
const char *kv_log_level_name(enum kv_log_level level);
void kv_log_time_of(int64_t unix_ms, int32_t gmtoff_s, struct kv_log_time *t);
/* Writes the line prefix for `level` at unix_ms into buf (>= KV_LOG_PREFIX_MAX). */
uint32_t kv_log_prefix(const struct kv_log *l, enum kv_log_level level, int64_t unix_ms,
                       char *buf);

/* Draining. The bytes from tail that are contiguous in the ring (0: none). */
uint32_t kv_log_chunk(const struct kv_log *l, const uint8_t **p);
/* n bytes from tail have been written (or lost): the ring may reuse them. */
void kv_log_consume(struct kv_log *l, uint32_t n);
/* While a loop runs: if nothing is in flight, hands the next chunk to io as a write
 * to l->fd with `tag`. True when a write is (now) in flight. */
bool kv_log_flush(struct kv_log *l, struct kv_io *io, uint64_t tag);
/* The write's completion: bytes written, or -errno (its bytes are then lost). */
void kv_log_written(struct kv_log *l, int32_t res);

#endif

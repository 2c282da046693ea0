/*
 * log.c: Redis-format log lines in a static ring, drained by the event loop
 * (include/kv/log.h has the format and the invariants).
 *
 * Memory: the ring (log-buffer-size bytes, the arena's "log ring" entry) and one
 * line on the stack while it is formatted. Nothing is allocated: vsnprintf with
 * the integer and string conversions kv uses does not allocate, and the local time
 * is computed here from the clock's unix milliseconds and an offset taken once at
 * startup (localtime_r may read the zone file, that is allocate, and takes a lock),
 * as Redis's nolocks_localtime does. A daylight-saving change shows from the next
 * start.
 *
 * Why through the io interface: the log's default is stdout, which may be a pipe
 * or a terminal that blocks a write(2); io_uring waits for it instead of the loop,
 * and a regular file's write runs in the kernel's workers. The simulator's io
 * completes the write as a sink, so the same code runs there deterministically.
 * A full ring drops whole lines and counts them; the next line that fits is
 * preceded by one warning that says how many were lost.
 */
#include "kv/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const level_names[] = {"debug", "verbose", "notice", "warning", "nothing"};
static const char level_marks[] = {'.', '-', '*', '#'};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void kv_log_init(struct kv_log *l, uint8_t *ring, uint32_t cap, enum kv_log_level level,
                 const struct kv_clock *clock) {
    KV_ASSERT(ring != NULL && cap >= KV_LOG_RING_MIN);
    KV_ASSERT((uint32_t)level <= KV_LOG_NOTHING && clock != NULL);
    memset(l, 0, sizeof(*l));
    l->ring = ring;
    l->cap = cap;
    l->level = level;
    l->clock = clock;
    l->fd = 1;
}

void kv_log_set_origin(struct kv_log *l, uint32_t pid, int32_t gmtoff_s) {
    KV_ASSERT(l->ring != NULL);
    KV_ASSERT(gmtoff_s > -86400 && gmtoff_s < 86400);
    l->pid = pid;
    l->gmtoff_s = gmtoff_s;
}

bool kv_log_level_parse(const char *name, enum kv_log_level *out) {
    KV_ASSERT(name != NULL && out != NULL);
    for (uint32_t i = 0; i < KV_ARRAY_LEN(level_names); i++) {
        if (strcasecmp(name, level_names[i]) != 0) continue;
        *out = (enum kv_log_level)i;
        return true;
    }
    return false;
}

const char *kv_log_level_name(enum kv_log_level level) {
    KV_ASSERT((uint32_t)level < KV_ARRAY_LEN(level_names));
    return level_names[level];
}

/* Civil date of a day count from 1970-01-01 (H. Hinnant's days-to-civil). */
static void civil_of_days(int64_t z, struct kv_log_time *t) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint64_t doe = (uint64_t)(z - era * 146097);                      /* 0..146096 */
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* 0..365 */
    uint64_t mp = (5 * doy + 2) / 153;                                  /* 0..11 */
    t->day = (uint32_t)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (uint32_t)(mp < 10 ? mp + 3 : mp - 9);
    t->year = (int32_t)((int64_t)yoe + era * 400 + (t->month <= 2 ? 1 : 0));
    KV_ASSERT(t->day >= 1 && t->day <= 31 && t->month >= 1 && t->month <= 12);
}

void kv_log_time_of(int64_t unix_ms, int32_t gmtoff_s, struct kv_log_time *t) {
    KV_ASSERT(t != NULL);
    int64_t ms = unix_ms + (int64_t)gmtoff_s * 1000;
    int64_t days = ms / 86400000;
    int64_t rest = ms % 86400000;
    if (rest < 0) { /* floor, for times before 1970 */
        rest += 86400000;
        days--;
    }
    civil_of_days(days, t);
    t->hour = (uint32_t)(rest / 3600000);
    t->minute = (uint32_t)(rest / 60000 % 60);
    t->second = (uint32_t)(rest / 1000 % 60);
    t->ms = (uint32_t)(rest % 1000);
    KV_ASSERT(t->hour < 24);
}

uint32_t kv_log_prefix(const struct kv_log *l, enum kv_log_level level, int64_t unix_ms,
                       char *buf) {
    KV_ASSERT((uint32_t)level < KV_ARRAY_LEN(level_marks));
    struct kv_log_time t;
    kv_log_time_of(unix_ms, l->gmtoff_s, &t);
    int n = snprintf(buf, KV_LOG_PREFIX_MAX, "%u:M %02u %s %04d %02u:%02u:%02u.%03u %c ",
                     l->pid, t.day, month_names[t.month - 1], (int)t.year, t.hour, t.minute,
                     t.second, t.ms, level_marks[level]);
    KV_ASSERT(n > 0 && (uint32_t)n < KV_LOG_PREFIX_MAX);
    return (uint32_t)n;
}

static uint32_t room(const struct kv_log *l) {
    KV_ASSERT(l->tail <= l->head && l->head - l->tail <= l->cap);
    return l->cap - (uint32_t)(l->head - l->tail);
}

static void put(struct kv_log *l, const char *s, uint32_t n) {
    KV_ASSERT(n <= room(l));
    uint32_t at = (uint32_t)(l->head % l->cap);
    uint32_t first = KV_MIN(n, l->cap - at);
    memcpy(l->ring + at, s, first);
    memcpy(l->ring, s + first, n - first);
    l->head += n;
    l->lines++;
}

/* Formats a whole line into line (KV_LOG_LINE_MAX bytes); returns its length. */
static uint32_t format_line(const struct kv_log *l, enum kv_log_level level, char *line,
                            const char *fmt, va_list ap) {
    uint32_t n = kv_log_prefix(l, level, kv_clock_realtime_ms(l->clock), line);
    int m = vsnprintf(line + n, KV_LOG_MSG_MAX + 1, fmt, ap);
    if (m < 0) m = 0;
    n += KV_MIN((uint32_t)m, KV_LOG_MSG_MAX);
    line[n++] = '\n';
    KV_ASSERT(n <= KV_LOG_LINE_MAX);
    return n;
}

static uint32_t format(const struct kv_log *l, enum kv_log_level level, char *line,
                       const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    uint32_t n = format_line(l, level, line, fmt, ap);
    va_end(ap);
    return n;
}

void kv_log(struct kv_log *l, enum kv_log_level level, const char *fmt, ...) {
    KV_ASSERT(l->ring != NULL && (uint32_t)level < KV_LOG_NOTHING);
    if (!kv_log_enabled(l, level)) return;
    char line[KV_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    uint32_t n = format_line(l, level, line, fmt, ap);
    va_end(ap);
    if (l->dropped > l->dropped_said) { /* say once what was lost, before the next line */
        char said[KV_LOG_LINE_MAX];
        uint32_t k = format(l, KV_LOG_WARNING, said, "%llu log lines dropped so far: the log "
                            "ring (log-buffer-size, %u bytes) was full",
                            (unsigned long long)l->dropped, l->cap);
        if (k + n > room(l)) {
            l->dropped++;
            return;
        }
        put(l, said, k);
        l->dropped_said = l->dropped;
    }
    if (n > room(l)) {
        l->dropped++;
        return;
    }
    put(l, line, n);
}

uint32_t kv_log_chunk(const struct kv_log *l, const uint8_t **p) {
    KV_ASSERT(l->tail <= l->head && p != NULL);
    uint32_t at = (uint32_t)(l->tail % l->cap);
    *p = l->ring + at;
    return (uint32_t)KV_MIN(l->head - l->tail, (uint64_t)(l->cap - at));
}

void kv_log_consume(struct kv_log *l, uint32_t n) {
    KV_ASSERT(n <= l->head - l->tail);
    l->tail += n;
    KV_ASSERT(l->tail <= l->head);
}

bool kv_log_flush(struct kv_log *l, struct kv_io *io, uint64_t tag) {
    if (l->inflight > 0) return true;
    const uint8_t *p;
    uint32_t n = kv_log_chunk(l, &p);
    if (n == 0) return false;
    l->inflight = n;
    kv_io_write(io, l->fd, p, n, tag);
    KV_ASSERT(l->inflight <= l->head - l->tail);
    return true;
}

void kv_log_written(struct kv_log *l, int32_t res) {
    KV_ASSERT(l->inflight > 0);
    KV_ASSERT(res < 0 || (uint32_t)res <= l->inflight);
    uint32_t n = (uint32_t)res;
    if (res <= 0) { /* -EPIPE, -ENOSPC, -EBADF ...: drop it rather than retry forever */
        l->write_errors++;
        n = l->inflight;
    }
    kv_log_consume(l, n); /* a short write: the rest goes with the next flush */
    l->inflight = 0;
}

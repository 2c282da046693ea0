/*
 * log_test.c: the log's line format (against the C library's gmtime_r), level
 * filtering, the ring's wrap, drop-and-count when full, and the drain's
 * completions (short writes, errors). Test code: heap and stdio allowed.
 */
#include <errno.h>
#include <regex.h>
#include <time.h>

#include "kv/log.h"
#include "testing.h"

static int64_t fake_ms;
static int64_t fake_real(void *ctx) { (void)ctx; return fake_ms; }
static uint64_t fake_mono(void *ctx) { (void)ctx; return 0; }
static const struct kv_clock fake_clock = {fake_mono, fake_real, NULL, NULL};

/* The ring's unread bytes, as a string. */
static uint32_t ring_text(const struct kv_log *l, char *out, uint32_t cap) {
    uint32_t n = 0;
    for (uint64_t i = l->tail; i < l->head && n + 1 < cap; i++)
        out[n++] = (char)l->ring[i % l->cap];
    out[n] = 0;
    return n;
}

static uint32_t count_lines(const char *s) {
    uint32_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

TEST(test_line_format) {
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_NOTICE, &fake_clock);
    kv_log_set_origin(&l, 14804, 0);
    fake_ms = 1796485802741; /* 2026-12-05 15:50:02.741 UTC */
    kv_log(&l, KV_LOG_NOTICE, "Ready to accept connections %s", "tcp");
    kv_log(&l, KV_LOG_WARNING, "User requested shutdown...");
    char text[512];
    ring_text(&l, text, sizeof(text));
    const char *want = "14804:M 05 Dec 2026 15:50:02.741 * Ready to accept connections tcp\n"
                       "14804:M 05 Dec 2026 15:50:02.741 # User requested shutdown...\n";
    CHECK_MEM(text, strlen(text), want, strlen(want));
    CHECK(l.lines == 2 && l.dropped == 0);
}

TEST(test_marks_and_levels) {
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_DEBUG, &fake_clock);
    fake_ms = 0;
    kv_log(&l, KV_LOG_DEBUG, "d");
    kv_log(&l, KV_LOG_VERBOSE, "v");
    kv_log(&l, KV_LOG_NOTICE, "n");
    kv_log(&l, KV_LOG_WARNING, "w");
    char text[512];
    ring_text(&l, text, sizeof(text));
    const char *want = "0:M 01 Jan 1970 00:00:00.000 . d\n0:M 01 Jan 1970 00:00:00.000 - v\n"
                       "0:M 01 Jan 1970 00:00:00.000 * n\n0:M 01 Jan 1970 00:00:00.000 # w\n";
    CHECK_MEM(text, strlen(text), want, strlen(want));
    /* Each level keeps what is at or above it; nothing keeps nothing. */
    static const uint32_t kept[] = {4, 3, 2, 1, 0};
    for (uint32_t lv = KV_LOG_DEBUG; lv <= KV_LOG_NOTHING; lv++) {
        kv_log_init(&l, ring, sizeof(ring), (enum kv_log_level)lv, &fake_clock);
        kv_log(&l, KV_LOG_DEBUG, "d");
        kv_log(&l, KV_LOG_VERBOSE, "v");
        kv_log(&l, KV_LOG_NOTICE, "n");
        kv_log(&l, KV_LOG_WARNING, "w");
        ring_text(&l, text, sizeof(text));
        CHECK(l.lines == kept[lv] && count_lines(text) == kept[lv]);
    }
}

TEST(test_level_names) {
    static const char *const names[] = {"debug", "verbose", "notice", "warning", "nothing"};
    for (uint32_t i = 0; i < 5; i++) {
        enum kv_log_level lv;
        CHECK(kv_log_level_parse(names[i], &lv) && (uint32_t)lv == i);
        CHECK(strcmp(kv_log_level_name(lv), names[i]) == 0);
    }
    enum kv_log_level lv;
    CHECK(kv_log_level_parse("NOTICE", &lv) && lv == KV_LOG_NOTICE);
    CHECK(!kv_log_level_parse("info", &lv) && !kv_log_level_parse("", &lv));
}

/* Every date, from 1900 to 2200 by odd steps, as gmtime_r shows it (with offsets). */
TEST(test_dates_match_libc) {
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_DEBUG, &fake_clock);
    uint32_t checked = 0;
    for (int64_t s = -2208988800; s < 7258118400; s += 86399 * 7 + 3601) {
        int32_t off = (int32_t)((s / 7) % 50400) - 25200; /* -7h..+7h */
        kv_log_set_origin(&l, 1, off);
        time_t t = (time_t)(s + off);
        struct tm tm;
        CHECK(gmtime_r(&t, &tm) != NULL);
        char want[64], got[KV_LOG_PREFIX_MAX];
        int ms = (int)((s * 7) % 1000 + 1000) % 1000;
        snprintf(want, sizeof(want), "1:M %02d %s %04d %02d:%02d:%02d.%03d * ", tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
        uint32_t n = kv_log_prefix(&l, KV_LOG_NOTICE, s * 1000 + ms, got);
        CHECK_MEM(got, n, want, strlen(want));
        checked++;
    }
    CHECK(checked > 15000);
}

/* The format tests/ops.py checks on real lines, here on every level's line. */
TEST(test_line_regex) {
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_DEBUG, &fake_clock);
    kv_log_set_origin(&l, 4242, 3600);
    fake_ms = 1796485802741;
    for (uint32_t lv = 0; lv < KV_LOG_NOTHING; lv++) kv_log(&l, (enum kv_log_level)lv, "m %u", lv);
    regex_t re;
    CHECK(regcomp(&re, "^[0-9]+:M [0-3][0-9] (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                       "[0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3} [.*#-] m [0-3]$",
                  REG_EXTENDED | REG_NOSUB) == 0);
    char text[1024];
    ring_text(&l, text, sizeof(text));
    uint32_t matched = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
        matched += regexec(&re, line, 0, NULL, 0) == 0;
    regfree(&re);
    CHECK(matched == 4);
}

TEST(test_long_message_is_cut) {
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_DEBUG, &fake_clock);
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    kv_log(&l, KV_LOG_NOTICE, "%s", big);
    char text[KV_LOG_RING_MIN];
    uint32_t n = ring_text(&l, text, sizeof(text));
    uint32_t prefix = (uint32_t)(strchr(text, '*') - text) + 2;
    CHECK(n == prefix + KV_LOG_MSG_MAX + 1 && text[n - 1] == '\n' && text[n - 2] == 'x');
}

/* Filling the ring drops whole lines and counts them; once there is room again the
 * next line is preceded by one warning saying how many were lost. */
TEST(test_full_ring_drops_and_says_so) {
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_DEBUG, &fake_clock);
    kv_log_set_origin(&l, 7, 0);
    fake_ms = 0;
    uint32_t put = 0;
    for (uint32_t i = 0; i < 200; i++) {
        uint64_t before = l.lines;
        kv_log(&l, KV_LOG_NOTICE, "line %03u 0123456789012345678901234567890123456789", i);
        put += l.lines > before;
    }
    /* a line: 31 bytes of prefix ("7:M 01 Jan 1970 00:00:00.000 * "), 49, newline */
    CHECK(put == KV_LOG_RING_MIN / 81 && l.dropped == 200 - put);
    CHECK(l.head - l.tail == (uint64_t)put * 81);
    const uint8_t *p;
    uint32_t n = kv_log_chunk(&l, &p);
    kv_log_consume(&l, n); /* drained */
    kv_log(&l, KV_LOG_NOTICE, "after");
    char text[512];
    ring_text(&l, text, sizeof(text));
    char want[512];
    snprintf(want, sizeof(want), "7:M 01 Jan 1970 00:00:00.000 # %u log lines dropped so far: "
             "the log ring (log-buffer-size, %u bytes) was full\n"
             "7:M 01 Jan 1970 00:00:00.000 * after\n", 200 - put, KV_LOG_RING_MIN);
    CHECK_MEM(text, strlen(text), want, strlen(want));
    kv_log(&l, KV_LOG_NOTICE, "again"); /* said once: no second warning */
    CHECK(l.lines == put + 3 && l.dropped_said == l.dropped);
}

/* A fake io: records the one write in flight. */
struct fake_io {
    int32_t fd;
    const uint8_t *buf;
    uint32_t len;
    uint32_t writes;
};
static void fake_write(void *impl, int32_t fd, const uint8_t *buf, uint32_t len, uint64_t tag) {
    struct fake_io *f = impl;
    (void)tag;
    f->fd = fd;
    f->buf = buf;
    f->len = len;
    f->writes++;
}

TEST(test_flush_wraps_short_writes_and_errors) {
    static uint8_t ring[KV_LOG_RING_MIN];
    struct kv_log l;
    kv_log_init(&l, ring, sizeof(ring), KV_LOG_DEBUG, &fake_clock);
    struct kv_io_vtable vt = {.write = fake_write};
    struct fake_io f = {0};
    struct kv_io io = {.vt = &vt, .impl = &f};
    uint64_t tag = kv_io_tag(KV_IO_WRITE, 1, 0);
    CHECK(!kv_log_flush(&l, &io, tag) && f.writes == 0); /* nothing to write */
    l.head = l.tail = KV_LOG_RING_MIN - 40; /* the next line wraps */
    kv_log(&l, KV_LOG_NOTICE, "wrapping line");
    uint32_t total = (uint32_t)(l.head - l.tail);
    CHECK(kv_log_flush(&l, &io, tag) && f.writes == 1 && f.len == 40 && f.fd == 1);
    CHECK(kv_log_flush(&l, &io, tag) && f.writes == 1); /* one write in flight */
    kv_log_written(&l, 15); /* short: the rest of the chunk goes next */
    CHECK(kv_log_flush(&l, &io, tag) && f.writes == 2 && f.len == 25);
    kv_log_written(&l, 25);
    CHECK(kv_log_flush(&l, &io, tag) && f.len == total - 40 && f.buf == ring);
    kv_log_written(&l, -ENOSPC); /* lost, counted, never retried */
    CHECK(l.write_errors == 1 && l.head == l.tail && l.inflight == 0);
    CHECK(!kv_log_flush(&l, &io, tag) && f.writes == 3);
}

int main(void) {
    RUN(test_line_format);
    RUN(test_marks_and_levels);
    RUN(test_level_names);
    RUN(test_dates_match_libc);
    RUN(test_line_regex);
    RUN(test_long_message_is_cut);
    RUN(test_full_ring_drops_and_says_so);
    RUN(test_flush_wraps_short_writes_and_errors);
    TEST_SUMMARY("log");
}

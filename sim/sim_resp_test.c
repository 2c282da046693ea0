/*
 * sim_resp_test.c: the simulator's RESP reply scanner and request encoders, on
 * exact bytes: every split point of a reply must report NEED_MORE, malformed
 * replies BAD, nested arrays their exact length.
 */
#include <string.h>

#include "sim_resp.h"
#include "testing.h"

static enum sim_resp_status scan_str(const char *s, uint32_t *n) {
    return sim_resp_scan((const uint8_t *)s, (uint32_t)strlen(s), n);
}

TEST(scan_simple_types) {
    uint32_t n = 0;
    CHECK(scan_str("+OK\r\n", &n) == SIM_RESP_OK && n == 5);
    CHECK(scan_str("-ERR x\r\n+OK\r\n", &n) == SIM_RESP_OK && n == 8);
    CHECK(scan_str(":-12\r\n", &n) == SIM_RESP_OK && n == 6);
    CHECK(scan_str("$-1\r\n", &n) == SIM_RESP_OK && n == 5);
    CHECK(scan_str("*-1\r\n", &n) == SIM_RESP_OK && n == 5);
    CHECK(scan_str("*0\r\n", &n) == SIM_RESP_OK && n == 4);
    CHECK(scan_str("$0\r\n\r\n", &n) == SIM_RESP_OK && n == 6);
    CHECK(scan_str("$3\r\na\r\n\r\n", &n) == SIM_RESP_OK && n == 9);
}

TEST(scan_nested_arrays) {
    uint32_t n = 0;
    const char *r = "*3\r\n+OK\r\n*2\r\n$1\r\na\r\n$-1\r\n*0\r\n:1\r\n";
    CHECK(scan_str(r, &n) == SIM_RESP_OK);
    CHECK(n == strlen(r) - 4);
    CHECK(scan_str("*1\r\n*1\r\n*1\r\n:1\r\n", &n) == SIM_RESP_OK && n == 16);
}

TEST(scan_every_split_needs_more) {
    const char *r = "*2\r\n$5\r\nhello\r\n*1\r\n:42\r\n";
    uint32_t len = (uint32_t)strlen(r);
    for (uint32_t cut = 0; cut < len; cut++) {
        uint32_t n = 0;
        CHECK(sim_resp_scan((const uint8_t *)r, cut, &n) == SIM_RESP_NEED_MORE);
    }
    uint32_t n = 0;
    CHECK(sim_resp_scan((const uint8_t *)r, len, &n) == SIM_RESP_OK && n == len);
}

TEST(scan_rejects_malformed) {
    uint32_t n = 0;
    CHECK(scan_str("?x\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("$3\r\nabcd\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str(":1x\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("$-2\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("+OK\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("*9\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", &n) ==
          SIM_RESP_BAD);
}

TEST(scan_resp3_types) {
    uint32_t n = 0;
    CHECK(scan_str("_\r\n", &n) == SIM_RESP_OK && n == 3);
    CHECK(scan_str(",1.5\r\n", &n) == SIM_RESP_OK && n == 6);
    CHECK(scan_str(",-inf\r\n", &n) == SIM_RESP_OK && n == 7);
    CHECK(scan_str(",1e-05\r\n", &n) == SIM_RESP_OK && n == 8);
    CHECK(scan_str("#t\r\n", &n) == SIM_RESP_OK && n == 4);
    CHECK(scan_str("(-123456789012345678901234567890\r\n", &n) == SIM_RESP_OK && n == 34);
    CHECK(scan_str("=7\r\ntxt:abc\r\n", &n) == SIM_RESP_OK && n == 13);
    CHECK(scan_str("!3\r\nERR\r\n", &n) == SIM_RESP_OK && n == 9);
    const char *map = "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n~1\r\n_\r\n";
    CHECK(scan_str(map, &n) == SIM_RESP_OK && n == strlen(map));
    CHECK(scan_str("%0\r\n", &n) == SIM_RESP_OK && n == 4);
    CHECK(scan_str(">2\r\n+a\r\n+b\r\n", &n) == SIM_RESP_OK && n == 12);
    /* an attribute annotates the element after it: both are one reply */
    const char *attr = "|1\r\n+k\r\n+v\r\n:7\r\n+next\r\n";
    CHECK(scan_str(attr, &n) == SIM_RESP_OK && n == strlen(attr) - 7);
    const char *split = "%1\r\n$1\r\nk\r\n=5\r\ntxt:x\r\n";
    for (uint32_t cut = 0; cut < strlen(split); cut++)
        CHECK(sim_resp_scan((const uint8_t *)split, cut, &n) == SIM_RESP_NEED_MORE);
}

TEST(scan_rejects_malformed_resp3) {
    uint32_t n = 0;
    CHECK(scan_str("_x\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("#x\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str(",\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str(",1x\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("(1.5\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("%-1\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("~-1\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("=-1\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("=3\r\ntxt\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("=5\r\ntxtxx\r\n", &n) == SIM_RESP_BAD);
    CHECK(scan_str("$?\r\n", &n) == SIM_RESP_BAD); /* streamed: never sent by kv */
}

TEST(encode_multibulk_exact) {
    struct kv_slice argv[3] = {
        {(const uint8_t *)"SET", 3}, {(const uint8_t *)"k", 1}, {(const uint8_t *)"", 0}};
    uint8_t out[64];
    CHECK(sim_resp_request_size(3, argv) == 26);
    uint32_t n = sim_resp_encode(out, sizeof(out), 3, argv);
    CHECK_STR(out, n, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

TEST(encode_inline_only_when_safe) {
    struct kv_slice ok[2] = {{(const uint8_t *)"GET", 3}, {(const uint8_t *)"k:1", 3}};
    struct kv_slice bad[2] = {{(const uint8_t *)"GET", 3}, {(const uint8_t *)"a b", 3}};
    struct kv_slice star[1] = {{(const uint8_t *)"*x", 2}};
    uint8_t out[64];
    uint32_t n = sim_resp_encode_inline(out, sizeof(out), 2, ok);
    CHECK_STR(out, n, "GET k:1\r\n");
    CHECK(sim_resp_encode_inline(out, sizeof(out), 2, bad) == 0);
    CHECK(sim_resp_encode_inline(out, sizeof(out), 1, star) == 0);
}

TEST(fmt_i64_extremes) {
    char buf[24];
    uint32_t n = sim_fmt_i64(buf, INT64_MIN);
    CHECK_STR(buf, n, "-9223372036854775808");
    n = sim_fmt_i64(buf, 0);
    CHECK_STR(buf, n, "0");
    n = sim_fmt_i64(buf, INT64_MAX);
    CHECK_STR(buf, n, "9223372036854775807");
}

int main(void) {
    RUN(scan_simple_types);
    RUN(scan_nested_arrays);
    RUN(scan_every_split_needs_more);
    RUN(scan_rejects_malformed);
    RUN(scan_resp3_types);
    RUN(scan_rejects_malformed_resp3);
    RUN(encode_multibulk_exact);
    RUN(encode_inline_only_when_safe);
    RUN(fmt_i64_extremes);
    TEST_SUMMARY("sim_resp");
}

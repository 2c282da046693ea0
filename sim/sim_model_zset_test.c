/*
 * sim_model_zset_test.c: the reference model's sorted sets on exact bytes (from
 * redis-server 7.0.15): score formatting (%.17g, inf, -0 kept by a skiplist and not by
 * a listpack), score and lex range parsing with their edges, ZADD's options and
 * errors, encodings and conversions, lex walks over mixed scores, random replies
 * checked for what is certain, and the RESP3 forms.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_model.h"
#include "sim_model_zset.h"
#include "testing.h"

#define NOW 1700000000000ll
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

static struct sim_buf expected;

/* Runs "a b c" (space separated) with `reply`; true if the model agrees. */
static bool run(struct sim_model *m, const char *cmd, const char *reply) {
    static char buf[512];
    struct kv_slice argv[16];
    uint32_t argc = 0;
    size_t n = strlen(cmd);
    memcpy(buf, cmd, n + 1);
    for (char *p = buf; *p != 0 && argc < 16;) {
        char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        argv[argc].ptr = (const uint8_t *)p;
        argv[argc].len = (uint32_t)len;
        argc++;
        p += len + (sp != NULL ? 1 : 0);
    }
    char why[160];
    return sim_model_command(m, 1, argc, argv, NOW, (const uint8_t *)reply,
                             (uint32_t)strlen(reply), &expected, why, sizeof(why));
}

/* run() for another session. */
static bool run_as(struct sim_model *m, uint64_t session, const char *cmd, const char *reply) {
    char buf[256];
    struct kv_slice argv[16];
    uint32_t argc = 0;
    snprintf(buf, sizeof(buf), "%s", cmd);
    for (char *p = strtok(buf, " "); p != NULL && argc < 16; p = strtok(NULL, " "))
        argv[argc++] = (struct kv_slice){(const uint8_t *)p, (uint32_t)strlen(p)};
    char why[160];
    return sim_model_command(m, session, argc, argv, NOW, (const uint8_t *)reply,
                             (uint32_t)strlen(reply), &expected, why, sizeof(why));
}

static bool block(struct sim_model *m, uint64_t session, const char *cmd) {
    char buf[256], why[160];
    struct kv_slice argv[16];
    uint32_t argc = 0;
    snprintf(buf, sizeof(buf), "%s", cmd);
    for (char *p = strtok(buf, " "); p != NULL && argc < 16; p = strtok(NULL, " "))
        argv[argc++] = (struct kv_slice){(const uint8_t *)p, (uint32_t)strlen(p)};
    return sim_model_block(m, session, argc, argv, NOW, why, sizeof(why));
}

/* zset-max-listpack-entries 3, zset-max-listpack-value 4 */
static struct sim_model *model(void) {
    struct sim_model_limits lim = {.proto_max_bulk_len = 1000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32,
                                   .maxmemory = 1 << 20, .maxclients = 8,
                                   .zset_max_listpack_entries = 3,
                                   .zset_max_listpack_value = 4};
    return sim_model_create(&lim);
}

static struct kv_slice sl(const char *p, uint32_t n) {
    return (struct kv_slice){(const uint8_t *)p, n};
}

/* The pure parts: Redis 7.0's score text, string2d, range and lex ends. */
TEST(pure_scores_and_ranges) {
    char buf[40];
    CHECK_STR(buf, z_fmt(buf, 0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(buf, z_fmt(buf, 0.1), "0.10000000000000001");
    CHECK_STR(buf, z_fmt(buf, -0.0), "-0");
    CHECK_STR(buf, z_fmt(buf, 1e20), "1e+20");
    CHECK_STR(buf, z_fmt(buf, 1e15), "1000000000000000");
    CHECK_STR(buf, z_fmt(buf, -1.0 / 0.0), "-inf");
    double d = 0;
    CHECK(z_parse_score(sl("0x10", 4), &d) && d == 16);
    CHECK(z_parse_score(sl("-inf", 4), &d) && isinf(d) && d < 0);
    CHECK(z_parse_score(sl("1e-320", 6), &d) && d > 0); /* subnormal: kept */
    CHECK(!z_parse_score(sl("1e-400", 6), &d));          /* underflow to 0 */
    CHECK(!z_parse_score(sl("1e400", 5), &d));           /* overflow */
    CHECK(!z_parse_score(sl(" 1", 2), &d));
    CHECK(!z_parse_score(sl("1 ", 2), &d));
    CHECK(!z_parse_score(sl("", 0), &d));
    CHECK(!z_parse_score(sl("nan", 3), &d));
    CHECK(!z_parse_score(sl("1\0", 2), &d));              /* a NUL inside */
    struct zrange r;
    CHECK(z_parse_range(sl("(", 1), sl("", 0), &r) && r.minex && r.min == 0 && !r.maxex);
    CHECK(z_parse_range(sl(" 1", 2), sl("1e400", 5), &r) && r.min == 1 && isinf(r.max));
    CHECK(z_parse_range(sl("1\0x", 3), sl("(2", 2), &r) && r.min == 1 && r.maxex);
    CHECK(!z_parse_range(sl("nan", 3), sl("1", 1), &r));
    CHECK(!z_parse_range(sl("1 ", 2), sl("1", 1), &r));
    CHECK(z_in_range(&(struct zrange){1, 2, true, false}, 2));
    CHECK(!z_in_range(&(struct zrange){1, 2, true, false}, 1));
    struct zlex l;
    CHECK(z_parse_lex(sl("-", 1), sl("+\0x", 3), &l) && l.mins < 0 && l.maxs > 0);
    CHECK(!z_parse_lex(sl("+x", 2), sl("+", 1), &l));
    CHECK(!z_parse_lex(sl("", 0), sl("+", 1), &l));
    CHECK(!z_parse_lex(sl("a", 1), sl("+", 1), &l));
    CHECK(z_parse_lex(sl("(a", 2), sl("[b", 2), &l) && l.minex && !l.maxex);
    CHECK(!z_in_lex(&l, sl("a", 1)) && z_in_lex(&l, sl("a\0", 2)) && z_in_lex(&l, sl("b", 1)));
    CHECK(!z_in_lex(&l, sl("b\0", 2)));
}

TEST(score_formatting) {
    struct sim_model *m = model();
    CHECK(run(m, "ZADD k 0.1 a -0 b 1e20 c", ":3\r\n"));
    CHECK(run(m, "OBJECT ENCODING k", "$8\r\nlistpack\r\n"));
    CHECK(run(m, "ZRANGE k 0 -1 WITHSCORES", /* a listpack stores -0 as "0" */
              "*6\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n"
              "$1\r\nc\r\n$5\r\n1e+20\r\n"));
    CHECK(run(m, "ZADD j 1e17 a 1e19 b", ":2\r\n")); /* ZSCAN: a listpack's own text */
    CHECK(run(m, "ZSCAN j 0", "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$18\r\n100000000000000000\r\n"
                              "$1\r\nb\r\n$5\r\n1e+19\r\n"));
    CHECK(run(m, "ZADD x 0.1 m", ":1\r\n"));
    CHECK(run(m, "ZINCRBY x 0.2 m", "$19\r\n0.30000000000000004\r\n"));
    CHECK(run(m, "ZADD s 1 a 2 b 3 c 4 d", ":4\r\n")); /* one past the entries */
    CHECK(run(m, "OBJECT ENCODING s", "$8\r\nskiplist\r\n"));
    CHECK(run(m, "ZADD s -0 z +inf y", ":2\r\n"));
    CHECK(run(m, "ZSCORE s z", "$2\r\n-0\r\n")); /* a skiplist keeps -0 */
    CHECK(run(m, "ZSCORE s y", "$3\r\ninf\r\n"));
    CHECK(run(m, "ZINCRBY s -inf y", "-ERR resulting score is not a number (NaN)\r\n"));
    CHECK(run(m, "ZADD v 1 abcd", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING v", "$8\r\nlistpack\r\n"));
    CHECK(run(m, "ZADD w 1 abcde", ":1\r\n")); /* one past the value length */
    CHECK(run(m, "OBJECT ENCODING w", "$8\r\nskiplist\r\n"));
    sim_model_destroy(m);
}

TEST(zadd_options_and_errors) {
    struct sim_model *m = model();
    CHECK(run(m, "ZADD k 1 a 1", "-ERR syntax error\r\n"));
    CHECK(run(m, "ZADD k NX XX 1 a",
              "-ERR XX and NX options at the same time are not compatible\r\n"));
    CHECK(run(m, "ZADD k NX GT 1 a", "-ERR GT, LT, and/or NX options at the same time are "
                                     "not compatible\r\n"));
    CHECK(run(m, "ZADD k INCR 1 a 2 b",
              "-ERR INCR option supports a single increment-element pair\r\n"));
    CHECK(run(m, "ZADD k x a", "-ERR value is not a valid float\r\n"));
    CHECK(run(m, "ZADD k nan a", "-ERR value is not a valid float\r\n"));
    CHECK(run(m, "ZADD k 1e400 a", "-ERR value is not a valid float\r\n")); /* overflow */
    CHECK(run(m, "ZADD k 0x10 a", ":1\r\n"));
    CHECK(run(m, "ZSCORE k a", "$2\r\n16\r\n"));
    CHECK(run(m, "ZADD k XX INCR 1 nope", "$-1\r\n"));
    CHECK(run(m, "ZADD k GT CH 3 a 5 b", ":1\r\n")); /* b added; a not lowered */
    CHECK(run(m, "ZADD k LT CH 3 a", ":1\r\n"));
    CHECK(run(m, "ZADD k XX 1 c", ":0\r\n"));
    CHECK(run(m, "ZINCRBY k INCR a", "-ERR syntax error\r\n")); /* INCR read as a flag */
    CHECK(run(m, "SET str x", "+OK\r\n"));
    CHECK(run(m, "ZADD str 1 a", WRONGTYPE));
    CHECK(run(m, "ZADD str x a", "-ERR value is not a valid float\r\n")); /* before the type */
    sim_model_destroy(m);
}

TEST(range_parsing) {
    struct sim_model *m = model();
    CHECK(run(m, "ZADD k 0 a 1 b 2 c", ":3\r\n"));
    CHECK(run(m, "ZRANGEBYSCORE k ( +inf", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n")); /* "(" is (0 */
    CHECK(run(m, "ZCOUNT k  2", ":3\r\n")); /* the empty string is 0 */
    CHECK(run(m, "ZCOUNT k nan 2", "-ERR min or max is not a float\r\n"));
    CHECK(run(m, "ZCOUNT k 1x 2", "-ERR min or max is not a float\r\n"));
    CHECK(run(m, "ZCOUNT k (1 inf", ":1\r\n"));
    CHECK(run(m, "ZLEXCOUNT k a +", "-ERR min or max not valid string range item\r\n"));
    CHECK(run(m, "ZLEXCOUNT k +x +", "-ERR min or max not valid string range item\r\n"));
    CHECK(run(m, "ZLEXCOUNT k - +", ":3\r\n"));
    CHECK(run(m, "ZRANGE k 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in "
                                            "combination with either BYSCORE or BYLEX\r\n"));
    CHECK(run(m, "ZRANGE k 0 -1 LIMIT 0 -1", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"));
    CHECK(run(m, "ZRANGE k (2 -inf BYSCORE REV WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n1\r\n"
                                                          "$1\r\na\r\n$1\r\n0\r\n"));
    CHECK(run(m, "ZRANGEBYSCORE k -inf +inf LIMIT -1 2", "*0\r\n"));
    CHECK(run(m, "ZRANGEBYLEX k - + WITHSCORES", "-ERR syntax error, WITHSCORES not "
                                                 "supported in combination with BYLEX\r\n"));
    sim_model_destroy(m);
}

/* Mixed scores: a skiplist's lex walk may start at any boundary; a listpack's at the
 * first member >= min, after checking the ends. */
TEST(lex_walks_over_mixed_scores) {
    struct sim_model *m = model();
    CHECK(run(m, "ZADD m -2 - 0 aa 4 1 5 zz", ":4\r\n"));
    CHECK(run(m, "ZREMRANGEBYLEX m [a [e", ":2\r\n")); /* from aa: aa, 1 */
    CHECK(run(m, "ZRANGE m 0 -1", "*2\r\n$1\r\n-\r\n$2\r\nzz\r\n"));
    CHECK(run(m, "ZADD n -2 - 0 aa 4 1 5 zz", ":4\r\n"));
    CHECK(run(m, "ZREMRANGEBYLEX n [a [e", ":0\r\n")); /* from zz: nothing */
    CHECK(!run(m, "ZREMRANGEBYLEX n [a [e", ":1\r\n"));
    CHECK(run(m, "ZADD l -2 - 0 aa 4 1", ":3\r\n")); /* a listpack: "1" < "a" at the end */
    CHECK(run(m, "ZREMRANGEBYLEX l [a [e", ":0\r\n"));
    CHECK(!run(m, "ZREMRANGEBYLEX l [a [e", ":2\r\n"));
    sim_model_destroy(m);
}

TEST(random_and_pops) {
    struct sim_model *m = model();
    CHECK(run(m, "ZADD k 1 a 2 b", ":2\r\n"));
    CHECK(run(m, "ZRANDMEMBER k -3 WITHSCORES",
              "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n2\r\n"
                                               "$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(!run(m, "ZRANDMEMBER k -1 WITHSCORES", "*2\r\n$1\r\nb\r\n$1\r\n1\r\n")); /* score */
    CHECK(!run(m, "ZRANDMEMBER k 2", "*2\r\n$1\r\nb\r\n$1\r\nb\r\n")); /* not distinct */
    CHECK(run(m, "ZRANDMEMBER k 5", "*2\r\n$1\r\nb\r\n$1\r\na\r\n")); /* all, any order */
    CHECK(run(m, "ZPOPMIN k -1", "-ERR value is out of range, must be positive\r\n"));
    CHECK(run(m, "ZMPOP 0 k MIN", "-ERR numkeys should be greater than 0\r\n"));
    CHECK(run(m, "ZMPOP 1 k MAX COUNT 5", "*2\r\n$1\r\nk\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
                                         "*2\r\n$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(run(m, "ZMPOP 1 k MAX", "*-1\r\n"));
    sim_model_destroy(m);
}

TEST(set_operations) {
    struct sim_model *m = model();
    CHECK(run(m, "ZADD z 1 a 2 b", ":2\r\n"));
    CHECK(run(m, "SADD s a c", ":2\r\n"));
    CHECK(run(m, "ZUNION 2 z s WEIGHTS 2 3 WITHSCORES",
              "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n$1\r\na\r\n$1\r\n5\r\n"));
    CHECK(run(m, "ZINTER 2 z s AGGREGATE MAX WITHSCORES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(run(m, "ZDIFF 2 z s", "*1\r\n$1\r\nb\r\n"));
    CHECK(run(m, "ZUNIONSTORE d 0 z",
              "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"));
    CHECK(run(m, "ZUNION 1 z WEIGHTS x", "-ERR weight value is not a float\r\n"));
    CHECK(run(m, "ZINTERCARD 1 z LIMIT -1", "-ERR LIMIT can't be negative\r\n"));
    CHECK(run(m, "ZINTERSTORE d 2 z s", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING d", "$8\r\nlistpack\r\n"));
    CHECK(run(m, "ZINTERSTORE d 2 z nokey", ":0\r\n"));
    CHECK(run(m, "EXISTS d", ":0\r\n"));
    sim_model_destroy(m);
}

/* A sorted set serves BZPOPMIN / BZMPOP waiters, oldest first; a list waiter on the
 * same key is not served by it. */
TEST(blocking_pops) {
    struct sim_model *m = model();
    CHECK(block(m, 2, "BLPOP k 0"));
    CHECK(block(m, 3, "BZPOPMIN k 0"));
    CHECK(block(m, 4, "BZMPOP 0 1 k MAX COUNT 5"));
    CHECK(!block(m, 5, "BZPOPMIN k x")); /* an error: it would not block */
    CHECK(run(m, "ZADD k 1 a 2 b 3 c", ":3\r\n"));
    CHECK(!run_as(m, 2, "BLPOP k 0", "*2\r\n$1\r\nk\r\n$1\r\na\r\n"));
    CHECK(run_as(m, 3, "BZPOPMIN k 0", "*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(run_as(m, 4, "BZMPOP 0 1 k MAX COUNT 5",
                 "*2\r\n$1\r\nk\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"
                 "*2\r\n$1\r\nb\r\n$1\r\n2\r\n"));
    CHECK(run(m, "EXISTS k", ":0\r\n"));
    CHECK(run(m, "ZADD z 1 a", ":1\r\n"));
    CHECK(run(m, "BZPOPMAX z 0", "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"));
    CHECK(run(m, "SET s x", "+OK\r\n"));
    CHECK(run(m, "BZPOPMIN s 0", WRONGTYPE));
    CHECK(run(m, "BZMPOP 0 0 k MIN", "-ERR numkeys should be greater than 0\r\n"));
    CHECK(run(m, "BZMPOP x 1 k MIN", "-ERR timeout is not a float or out of range\r\n"));
    sim_model_destroy(m);
}

TEST(resp3_forms) {
    struct sim_model *m = model();
    CHECK(run(m, "HELLO 3",
              "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\n"
              "proto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\n"
              "role\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));
    CHECK(run(m, "ZADD k 1 a 2 b 3 c 4 d -0 x", ":5\r\n"));
    CHECK(run(m, "ZSCORE k x", ",-0\r\n"));
    CHECK(run(m, "ZMSCORE k a nope", "*2\r\n,1\r\n_\r\n"));
    CHECK(run(m, "ZRANGE k 0 1 WITHSCORES",
              "*2\r\n*2\r\n$1\r\nx\r\n,-0\r\n*2\r\n$1\r\na\r\n,1\r\n"));
    CHECK(run(m, "ZPOPMIN k", "*2\r\n$1\r\nx\r\n,-0\r\n"));
    CHECK(run(m, "ZPOPMIN k 1", "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"));
    CHECK(run(m, "ZRANK k zz", "_\r\n"));
    CHECK(run(m, "ZADD k NX INCR 1 b", "_\r\n"));
    CHECK(run(m, "ZMPOP 1 nokey MIN", "_\r\n"));
    CHECK(run(m, "ZSCAN k 0", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
                              "$1\r\nd\r\n$1\r\n4\r\n"));
    sim_model_destroy(m);
}

int main(void) {
    RUN(pure_scores_and_ranges);
    RUN(score_formatting);
    RUN(zadd_options_and_errors);
    RUN(range_parsing);
    RUN(lex_walks_over_mixed_scores);
    RUN(random_and_pops);
    RUN(set_operations);
    RUN(blocking_pops);
    RUN(resp3_forms);
    sim_buf_free(&expected);
    TEST_SUMMARY("sim_model_zset");
}

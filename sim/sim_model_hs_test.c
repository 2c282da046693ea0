/*
 * sim_model_hs_test.c: the reference model's hashes and sets on exact bytes (from
 * redis-server 7.0.15): encodings and the order they give replies, conversions at and
 * one past each threshold, unordered replies accepted as multisets and only so, random
 * replies checked for what is certain (SPOP removes exactly what it returned), and
 * their RESP3 forms.
 */
#include <string.h>

#include "sim_model.h"
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

/* hash-max-listpack-entries 2, hash-max-listpack-value 4, set-max-intset-entries 2 */
static struct sim_model *model(void) {
    struct sim_model_limits lim = {.proto_max_bulk_len = 1000, .multi_max_commands = 3,
                                   .reply_max = 4096, .watch_max = 32,
                                   .maxmemory = 1 << 20, .maxclients = 8,
                                   .hash_max_listpack_entries = 2,
                                   .hash_max_listpack_value = 4,
                                   .set_max_intset_entries = 2};
    return sim_model_create(&lim);
}

TEST(hash_listpack_order_and_conversion) {
    struct sim_model *m = model();
    CHECK(run(m, "HSET h b 1 a 2", ":2\r\n"));
    CHECK(run(m, "OBJECT ENCODING h", "$8\r\nlistpack\r\n"));
    CHECK(!run(m, "HKEYS h", "*2\r\n$1\r\na\r\n$1\r\nb\r\n")); /* listpack: insertion order */
    CHECK_STR(expected.p, expected.len, "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
    CHECK(run(m, "HSET h c 3", ":1\r\n")); /* one past the entries: a hashtable */
    CHECK(run(m, "OBJECT ENCODING h", "$9\r\nhashtable\r\n"));
    CHECK(run(m, "HKEYS h", "*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n")); /* any order */
    CHECK(!run(m, "HKEYS h", "*3\r\n$1\r\nc\r\n$1\r\nc\r\n$1\r\nb\r\n"));
    CHECK(run(m, "HGETALL h", "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n"
                              "$1\r\n2\r\n"));
    CHECK(!run(m, "HGETALL h", "*6\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\na\r\n"
                               "$1\r\n2\r\n")); /* pairs, not fields and values apart */
    CHECK(run(m, "HDEL h a b", ":2\r\n"));
    CHECK(run(m, "OBJECT ENCODING h", "$9\r\nhashtable\r\n")); /* never back */
    CHECK(run(m, "HSET v f 1234", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING v", "$8\r\nlistpack\r\n"));
    CHECK(run(m, "HSET w f 12345", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING w", "$9\r\nhashtable\r\n"));
    CHECK(run(m, "HSET d a 1 a 2 a 3", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING d", "$8\r\nlistpack\r\n"));
    CHECK(run(m, "HDEL d a", ":1\r\n"));
    CHECK(run(m, "EXISTS d", ":0\r\n"));
    CHECK(run(m, "SADD h x", WRONGTYPE));
    sim_model_destroy(m);
}

TEST(hash_incr_errors) {
    struct sim_model *m = model();
    CHECK(run(m, "HINCRBYFLOAT h f 10.5", "$4\r\n10.5\r\n"));
    CHECK(run(m, "HINCRBYFLOAT h f inf", "-ERR value is NaN or Infinity\r\n"));
    CHECK(run(m, "HINCRBYFLOAT h f nan", "-ERR value is not a valid float\r\n"));
    CHECK(run(m, "HSET h s abc", ":1\r\n"));
    CHECK(run(m, "HINCRBYFLOAT h s 1", "-ERR hash value is not a float\r\n"));
    CHECK(run(m, "HINCRBY h s 1", "-ERR hash value is not an integer\r\n"));
    CHECK(run(m, "HSET h n 9223372036854775807", ":1\r\n"));
    CHECK(run(m, "HINCRBY h n 1", "-ERR increment or decrement would overflow\r\n"));
    CHECK(run(m, "SET str x", "+OK\r\n"));
    CHECK(run(m, "HINCRBY str f x", "-ERR value is not an integer or out of range\r\n"));
    CHECK(run(m, "HINCRBY str f 1", WRONGTYPE));
    sim_model_destroy(m);
}

TEST(set_intset_order_and_conversion) {
    struct sim_model *m = model();
    CHECK(run(m, "SADD s 5 -1", ":2\r\n"));
    CHECK(run(m, "OBJECT ENCODING s", "$6\r\nintset\r\n"));
    CHECK(!run(m, "SMEMBERS s", "*2\r\n$1\r\n5\r\n$2\r\n-1\r\n")); /* intset: ascending */
    CHECK(run(m, "SMEMBERS s", "*2\r\n$2\r\n-1\r\n$1\r\n5\r\n"));
    CHECK(run(m, "SADD s 7", ":1\r\n")); /* one past set-max-intset-entries */
    CHECK(run(m, "OBJECT ENCODING s", "$9\r\nhashtable\r\n"));
    CHECK(run(m, "SMEMBERS s", "*3\r\n$1\r\n7\r\n$2\r\n-1\r\n$1\r\n5\r\n"));
    CHECK(run(m, "SADD z 007", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING z", "$9\r\nhashtable\r\n"));
    CHECK(run(m, "SINTERSTORE s s z", ":0\r\n")); /* onto a source: empty deletes it */
    CHECK(run(m, "EXISTS s", ":0\r\n"));
    CHECK(run(m, "SADD a 1 x", ":2\r\n"));
    CHECK(run(m, "SMOVE a a x", ":1\r\n"));
    CHECK(run(m, "SMOVE a b 1", ":1\r\n"));
    CHECK(run(m, "OBJECT ENCODING b", "$6\r\nintset\r\n"));
    CHECK(run(m, "SINTERCARD 1 a LIMIT x", "-ERR LIMIT can't be negative\r\n"));
    sim_model_destroy(m);
}

TEST(random_replies_checked_for_what_is_certain) {
    struct sim_model *m = model();
    CHECK(run(m, "SADD s a b c", ":3\r\n"));
    CHECK(!run(m, "SPOP s 2", "*2\r\n$1\r\na\r\n$1\r\na\r\n")); /* not distinct */
    CHECK(!run(m, "SPOP s 2", "*2\r\n$1\r\na\r\n$1\r\nz\r\n")); /* not a member */
    CHECK(!run(m, "SPOP s 2", "*1\r\n$1\r\na\r\n"));            /* not the count */
    CHECK(run(m, "SPOP s 2", "*2\r\n$1\r\nc\r\n$1\r\na\r\n"));
    CHECK(run(m, "SMEMBERS s", "*1\r\n$1\r\nb\r\n")); /* exactly those were removed */
    CHECK(run(m, "SRANDMEMBER s -3", "*3\r\n$1\r\nb\r\n$1\r\nb\r\n$1\r\nb\r\n"));
    CHECK(run(m, "SPOP s", "$1\r\nb\r\n"));
    CHECK(run(m, "EXISTS s", ":0\r\n"));
    CHECK(run(m, "HSET h f 1 g 2", ":2\r\n"));
    CHECK(run(m, "HRANDFIELD h -3 WITHVALUES",
              "*6\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\nf\r\n$1\r\n1\r\n"));
    CHECK(!run(m, "HRANDFIELD h -1 WITHVALUES", "*2\r\n$1\r\ng\r\n$1\r\n1\r\n"));
    CHECK(run(m, "HRANDFIELD h 5", "*2\r\n$1\r\nf\r\n$1\r\ng\r\n")); /* the whole hash */
    CHECK(!run(m, "HRANDFIELD h 1", "*1\r\n$1\r\nx\r\n"));
    CHECK(run(m, "SPOP s -1", "-ERR value is out of range, must be positive\r\n"));
    sim_model_destroy(m);
}

/* SPOP that leaves at most a fifth of what it took rebuilds the rest from scratch (an
 * intset again if it fits); otherwise the set keeps its encoding (redis-server 7.0.15,
 * set-max-intset-entries 4: 10 members, SPOP 9 -> intset; SPOP 5 -> hashtable). */
TEST(spop_rebuilds_a_small_rest) {
    struct sim_model *m = model();
    CHECK(run(m, "SADD s 1 2 3 4 5 6 7", ":7\r\n"));
    CHECK(run(m, "OBJECT ENCODING s", "$9\r\nhashtable\r\n"));
    CHECK(run(m, "SPOP s 6", "*6\r\n$1\r\n7\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"
                             "$1\r\n6\r\n"));
    CHECK(run(m, "OBJECT ENCODING s", "$6\r\nintset\r\n"));
    CHECK(run(m, "SADD t 1 2 3 4 5 6 7", ":7\r\n"));
    CHECK(run(m, "SPOP t 4", "*4\r\n$1\r\n7\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n4\r\n"));
    CHECK(run(m, "OBJECT ENCODING t", "$9\r\nhashtable\r\n"));
    sim_model_destroy(m);
}

TEST(resp3_forms) {
    struct sim_model *m = model();
    CHECK(run(m, "HELLO 3",
              "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\n"
              "proto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\n"
              "role\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));
    CHECK(run(m, "SMEMBERS nokey", "~0\r\n"));
    CHECK(run(m, "HGETALL nokey", "%0\r\n"));
    CHECK(run(m, "SADD s 1 2", ":2\r\n"));
    CHECK(run(m, "SMEMBERS s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"));
    CHECK(!run(m, "SMEMBERS s", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"));
    CHECK(run(m, "SRANDMEMBER s 5", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n")); /* an array */
    CHECK(run(m, "HSET h f v", ":1\r\n"));
    CHECK(run(m, "HGETALL h", "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"));
    CHECK(run(m, "HRANDFIELD h -2 WITHVALUES",
              "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"));
    CHECK(run(m, "HMGET h f x", "*2\r\n$1\r\nv\r\n_\r\n"));
    CHECK(run(m, "SPOP s 0", "~0\r\n"));
    CHECK(run(m, "SPOP s 9", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n"));
    sim_model_destroy(m);
}

int main(void) {
    RUN(hash_listpack_order_and_conversion);
    RUN(hash_incr_errors);
    RUN(set_intset_order_and_conversion);
    RUN(random_replies_checked_for_what_is_certain);
    RUN(spop_rebuilds_a_small_rest);
    RUN(resp3_forms);
    sim_buf_free(&expected);
    TEST_SUMMARY("sim_model_hs");
}

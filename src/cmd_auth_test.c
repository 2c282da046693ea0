/*
 * cmd_auth_test.c: HELLO, AUTH, ACL WHOAMI and RESP3 replies (src/cmd_auth.c, the
 * engine's NOAUTH gate, src/reply.c under a session's protocol), driven through
 * the real engine (kv_engine_execute: dispatch, arity, the reply-bound assertion).
 * Expected bytes are redis-server 7.0.15's (requirepass "secret" where set). Test
 * code: uses the heap and stdio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/cmd.h"
#include "kv/keyspace.h"
#include "testing.h"
#include "test_engine.h"

#define MEM (4u << 20)
#define HELLO_TAIL(proto, id)                                                          \
    "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:" \
    proto "\r\n$2\r\nid\r\n:" id "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n" \
    "$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
#define NOAUTH "-NOAUTH Authentication required.\r\n"
#define WRONGPASS "-WRONGPASS invalid username-password pair or user is disabled.\r\n"

static struct test_engine *h_open(const char *requirepass) {
    struct test_engine *h = te_new();
    h->cfg.maxmemory = MEM;
    snprintf(h->cfg.requirepass, sizeof(h->cfg.requirepass), "%s", requirepass);
    te_start(h, 5);
    if (requirepass[0] == 0) h->s.flags |= KV_SESSION_AUTHED; /* as the server does */
    return h;
}

#define h_close te_close
#define h_run(h, args) te_run((h), &(h)->s, (args))

TEST(hello_both_protocols) {
    struct test_engine *h = h_open("");
    EXPECT(h, "*14\r\n" HELLO_TAIL("2", "5"), "HELLO");
    EXPECT(h, "%7\r\n" HELLO_TAIL("3", "5"), "HELLO", "3");
    CHECK(h->s.proto == 3);
    EXPECT(h, "%7\r\n" HELLO_TAIL("3", "5"), "HELLO");
    EXPECT(h, "*14\r\n" HELLO_TAIL("2", "5"), "hello", "2", "setname", "app");
    EXPECT(h, "$3\r\napp\r\n", "CLIENT", "GETNAME");
    EXPECT(h, "-NOPROTO unsupported protocol version\r\n", "HELLO", "4");
    EXPECT(h, "-NOPROTO unsupported protocol version\r\n", "HELLO", "-1");
    EXPECT(h, "-ERR Protocol version is not an integer or out of range\r\n", "HELLO", "03");
    EXPECT(h, "-ERR Syntax error in HELLO option 'AUTH'\r\n", "HELLO", "3", "AUTH", "x");
    EXPECT(h, "-ERR Syntax error in HELLO option 'foo'\r\n", "HELLO", "3", "foo");
    /* SETNAME takes effect at once, before a later option fails */
    EXPECT(h, "-ERR Syntax error in HELLO option 'X'\r\n", "HELLO", "3", "SETNAME", "n2", "X");
    EXPECT(h, "$2\r\nn2\r\n", "CLIENT", "GETNAME");
    CHECK(h->s.proto == 2); /* a failed HELLO keeps the protocol */
    EXPECT(h, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
           "HELLO", "3", "SETNAME", "a b");
    EXPECT(h, "%7\r\n" HELLO_TAIL("3", "5"), "HELLO", "3", "AUTH", "default", "any");
    EXPECT(h, WRONGPASS, "HELLO", "3", "AUTH", "other", "any");
    h_close(h);
}

/* Under RESP3 the replies Redis 7 types differently (the rest are RESP2's bytes). */
TEST(resp3_replies_of_commands) {
    struct test_engine *h = h_open("");
    EXPECT(h, "%7\r\n" HELLO_TAIL("3", "5"), "HELLO", "3");
    EXPECT(h, "_\r\n", "GET", "nokey");
    EXPECT(h, "_\r\n", "LPOP", "nokey");
    EXPECT(h, "_\r\n", "RPOP", "nokey", "2");
    EXPECT(h, "_\r\n", "LPOS", "nokey", "a");
    EXPECT(h, "*0\r\n", "LPOS", "nokey", "a", "COUNT", "2");
    EXPECT(h, "*2\r\n_\r\n_\r\n", "MGET", "a", "b");
    EXPECT(h, "_\r\n", "LMPOP", "1", "x", "LEFT");
    EXPECT(h, "_\r\n", "RANDOMKEY");
    EXPECT(h, "_\r\n", "CLIENT", "GETNAME");
    EXPECT(h, "%1\r\n$9\r\nmaxmemory\r\n$7\r\n4194304\r\n", "CONFIG", "GET", "maxmemory");
    EXPECT(h, "%0\r\n", "CONFIG", "GET", "nosuch");
    EXPECT(h, "=4\r\ntxt:\r\n", "INFO", "nosuch");
    EXPECT(h, "%0\r\n", "COMMAND", "DOCS", "foo");
    EXPECT(h, "$3\r\n1.5\r\n", "INCRBYFLOAT", "f", "1.5");
    EXPECT(h, "+OK\r\n", "WATCH", "w");
    kv_engine_touch(&h->e, (const uint8_t *)"w", 1); /* another client wrote it */
    EXPECT(h, "+OK\r\n", "MULTI");
    EXPECT(h, "+QUEUED\r\n", "GET", "w");
    EXPECT(h, "_\r\n", "EXEC");
    EXPECT(h, "*14\r\n" HELLO_TAIL("2", "5"), "HELLO", "2");
    EXPECT(h, "$-1\r\n", "GET", "nokey");
    EXPECT(h, "*-1\r\n", "LPOP", "nokey", "2");
    h_close(h);
}

TEST(requirepass_noauth_gate) {
    struct test_engine *h = h_open("secret");
    EXPECT(h, NOAUTH, "GET", "a");
    EXPECT(h, NOAUTH, "PING");
    EXPECT(h, NOAUTH, "SET", "a", "1");
    EXPECT(h, NOAUTH, "LPUSH", "l", "1");
    EXPECT(h, NOAUTH, "DEL", "a");
    EXPECT(h, NOAUTH, "ACL", "WHOAMI");
    EXPECT(h, NOAUTH, "MULTI");
    EXPECT(h, "-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n",
           "EXEC");
    EXPECT(h, "-ERR unknown command 'FOO', with args beginning with: \r\n", "FOO");
    EXPECT(h, "-ERR wrong number of arguments for 'get' command\r\n", "GET");
    EXPECT(h, "-NOAUTH HELLO must be called with the client already authenticated, "
              "otherwise the HELLO AUTH <user> <pass> option can be used to authenticate "
              "the client and select the RESP protocol version at the same time\r\n",
           "HELLO", "3");
    CHECK(h->s.proto == 2);
    EXPECT(h, WRONGPASS, "AUTH", "wrong");
    EXPECT(h, WRONGPASS, "AUTH", "secre");
    EXPECT(h, WRONGPASS, "AUTH", "secrets");
    EXPECT(h, WRONGPASS, "AUTH", "Default", "secret");
    EXPECT(h, WRONGPASS, "HELLO", "3", "AUTH", "default", "bad");
    EXPECT(h, "-ERR syntax error\r\n", "AUTH", "a", "b", "c");
    EXPECT(h, NOAUTH, "GET", "a");
    EXPECT(h, "+OK\r\n", "AUTH", "secret");
    EXPECT(h, "$-1\r\n", "GET", "a");
    EXPECT(h, "$7\r\ndefault\r\n", "ACL", "WHOAMI");
    EXPECT(h, WRONGPASS, "AUTH", "wrong"); /* a failed AUTH keeps the session's */
    EXPECT(h, "+PONG\r\n", "PING");
    EXPECT(h, "+OK\r\n", "AUTH", "default", "secret");
    EXPECT(h, "+OK\r\n", "QUIT");
    h_close(h);
    h = h_open("secret");
    EXPECT(h, "%7\r\n" HELLO_TAIL("3", "5"), "HELLO", "3", "AUTH", "default", "secret");
    EXPECT(h, "_\r\n", "GET", "a");
    h_close(h);
}

TEST(auth_without_requirepass) {
    struct test_engine *h = h_open("");
    EXPECT(h, "-ERR AUTH <password> called without any password configured for the "
              "default user. Are you sure your configuration is correct?\r\n", "AUTH", "x");
    EXPECT(h, "+OK\r\n", "AUTH", "default", "anything");
    EXPECT(h, WRONGPASS, "AUTH", "foo", "x");
    EXPECT(h, "-ERR wrong number of arguments for 'auth' command\r\n", "AUTH");
    EXPECT(h, "-ERR wrong number of arguments for 'acl|whoami' command\r\n", "ACL", "whoami",
           "x");
    EXPECT(h, "-ERR unknown subcommand 'foo'. Try ACL HELP.\r\n", "ACL", "foo");
    h_close(h);
}

/* The compare sees every byte and the length, NUL bytes included. */
TEST(password_compare) {
    struct kv_config c;
    kv_config_defaults(&c);
    snprintf(c.requirepass, sizeof(c.requirepass), "%s", "pw");
    struct kv_slice ok = {(const uint8_t *)"pw", 2}, nul = {(const uint8_t *)"pw\0", 3};
    struct kv_slice pre = {(const uint8_t *)"p", 1}, other = {(const uint8_t *)"pW", 2};
    struct kv_slice empty = {(const uint8_t *)"", 0};
    CHECK(kv_auth_password_ok(&c, ok));
    CHECK(!kv_auth_password_ok(&c, nul) && !kv_auth_password_ok(&c, pre));
    CHECK(!kv_auth_password_ok(&c, other) && !kv_auth_password_ok(&c, empty));
    static uint8_t longer[4096];
    memset(longer, 'p', sizeof(longer));
    struct kv_slice big = {longer, sizeof(longer)};
    CHECK(!kv_auth_password_ok(&c, big));
}

int main(void) {
    RUN(hello_both_protocols);
    RUN(resp3_replies_of_commands);
    RUN(requirepass_noauth_gate);
    RUN(auth_without_requirepass);
    RUN(password_compare);
    TEST_SUMMARY("cmd_auth");
}

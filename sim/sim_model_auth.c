/*
 * sim_model_auth.c: the reference model of HELLO, AUTH and ACL WHOAMI, written from
 * Redis 7.0's behaviour (networking.c helloCommand, acl.c authCommand), not from
 * src/cmd_auth.c. The simulator runs without requirepass, so every session is
 * authenticated: AUTH <pass> is refused as Redis refuses it without a password,
 * AUTH default <anything> succeeds, any other user is WRONGPASS. Test code: heap
 * allowed.
 *
 * Not modelled yet: RESP3 sessions (HELLO 3 answers its map here, but the model
 * encodes every later reply in RESP2, so the workload never sends HELLO 3) and
 * requirepass (NOAUTH): both need the checker to decode RESP3 (sim/README.md).
 */
#include <stdlib.h>
#include <string.h>

#include "sim_model_int.h"

#define M_NAME_MAX 64u
#define M_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."

static bool is_default(struct kv_slice u) {
    return u.len == 7 && memcmp(u.ptr, "default", 7) == 0;
}

static void cmd_auth(struct mctx *c) {
    if (c->argc > 3) sim_buf_error(c->out, "ERR syntax error");
    else if (c->argc == 2)
        sim_buf_error(c->out, "ERR AUTH <password> called without any password configured "
                              "for the default user. Are you sure your configuration is "
                              "correct?");
    else if (is_default(c->argv[1])) sim_buf_simple(c->out, "OK");
    else sim_buf_error(c->out, M_WRONGPASS);
}

/* CLIENT SETNAME's rules; false after replying the error. */
static bool set_name(struct mctx *c, struct kv_slice n) {
    for (uint32_t i = 0; i < n.len; i++) {
        if (n.ptr[i] < '!' || n.ptr[i] > '~') {
            sim_buf_error(c->out, "ERR Client names cannot contain spaces, newlines or "
                                  "special characters.");
            return false;
        }
    }
    if (n.len > M_NAME_MAX) {
        sim_buf_errorf(c->out, "ERR client name longer than %u bytes", M_NAME_MAX);
        return false;
    }
    struct msession *s = m_session(c->m, c->session);
    free(s->name.p);
    s->name.p = malloc(n.len + 1);
    KV_ASSERT(s->name.p != NULL);
    if (n.len > 0) memcpy(s->name.p, n.ptr, n.len);
    s->name.len = n.len;
    return true;
}

static void hello_reply(struct mctx *c, int64_t proto) {
    const char *head = proto == 3 ? "%7\r\n" : "*14\r\n";
    sim_buf_puts(c->out, head);
    const char *pairs[] = {"server", "redis", "version", "7.0.15"};
    for (uint32_t i = 0; i < 4; i++) sim_buf_bulk(c->out, pairs[i], strlen(pairs[i]));
    sim_buf_bulk(c->out, "proto", 5);
    sim_buf_int(c->out, proto);
    sim_buf_bulk(c->out, "id", 2);
    sim_buf_int(c->out, (int64_t)c->session);
    const char *rest[] = {"mode", "standalone", "role", "master", "modules"};
    for (uint32_t i = 0; i < 5; i++) sim_buf_bulk(c->out, rest[i], strlen(rest[i]));
    sim_buf_array(c->out, 0);
}

static void cmd_hello(struct mctx *c) {
    int64_t ver = 2;
    if (c->argc >= 2 && !m_str2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
        sim_buf_error(c->out, "ERR Protocol version is not an integer or out of range");
        return;
    }
    if (ver != 2 && ver != 3) {
        sim_buf_error(c->out, "NOPROTO unsupported protocol version");
        return;
    }
    for (uint32_t j = 2; j < c->argc; j++) { /* each option takes effect at once */
        uint32_t more = c->argc - 1 - j;
        if (m_opt_eq(c->argv[j], "auth") && more >= 2) {
            if (!is_default(c->argv[j + 1])) {
                sim_buf_error(c->out, M_WRONGPASS);
                return;
            }
            j += 2;
        } else if (m_opt_eq(c->argv[j], "setname") && more >= 1) {
            if (!set_name(c, c->argv[j + 1])) return;
            j += 1;
        } else {
            const struct kv_slice o = c->argv[j];
            sim_buf_errorf(c->out, "ERR Syntax error in HELLO option '%.*s'",
                           (int)strnlen((const char *)o.ptr, o.len), (const char *)o.ptr);
            return;
        }
    }
    hello_reply(c, ver);
}

static void cmd_acl(struct mctx *c) {
    bool who = m_eq_nocase(c->argv[1], "whoami");
    if (who && c->argc == 2) sim_buf_bulk(c->out, "default", 7);
    else if (who) sim_buf_error(c->out, "ERR wrong number of arguments for 'acl|whoami' command");
    else
        sim_buf_errorf(c->out, "ERR unknown subcommand '%.*s'. Try ACL HELP.",
                       (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
}

static const struct mcmd cmds[] = {
    {"auth", -2, MF_READONLY, cmd_auth, NULL},
    {"hello", -1, MF_READONLY, cmd_hello, NULL},
    {"acl", -2, MF_READONLY, cmd_acl, NULL},
};

const struct mcmd_table sim_model_cmds_auth = {cmds, KV_ARRAY_LEN(cmds)};

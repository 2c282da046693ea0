/*
 * sim_model_auth.c: the reference model of HELLO, AUTH and ACL WHOAMI, written from
 * Redis 7.0's behaviour (networking.c helloCommand, acl.c authCommand), not from
 * src/cmd_auth.c. Without requirepass every session is authenticated: AUTH <pass>
 * is refused as Redis refuses it without a password, AUTH default <anything>
 * succeeds, any other user is WRONGPASS. With requirepass (sim_session.c draws it)
 * a session starts unauthenticated: every command but AUTH, HELLO and QUIT gets
 * NOAUTH after the unknown-command and arity checks (EXEC: the EXECABORT text,
 * sim_model.c), HELLO without a successful AUTH option gets its own NOAUTH, and a
 * failed AUTH leaves an authenticated session authenticated (redis-server 7.0.15).
 * CONFIG SET requirepass at run time: a session is authenticated when it connects
 * (or RESETs) with no password in force and stays so; NOAUTH follows the password in
 * force at each command (Redis's authRequired).
 * HELLO 3 switches the session's replies to RESP3 (sim_model_resp3.c). Test code:
 * heap allowed.
 */
#include <stdlib.h>
#include <string.h>

#include "kv/config.h"
#include "sim_model_int.h"

#define M_NAME_MAX 64u
#define M_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define M_HELLO_NOAUTH                                                                  \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the " \
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and "      \
    "select the RESP protocol version at the same time"

const char *sim_model_requirepass(const struct sim_model *m) {
    const struct kv_config *cfg = m->lim.config;
    return cfg != NULL ? cfg->requirepass : "";
}

static const char *requirepass(const struct mctx *c) { return sim_model_requirepass(c->m); }

void sim_model_session_begin(struct sim_model *m, uint64_t session) {
    KV_ASSERT(session > 0);
    m_session(m, session)->authed = sim_model_requirepass(m)[0] == 0;
}

/* Must the session authenticate before this command? */
bool m_auth_refused(struct mctx *c, const struct mcmd *cmd) {
    if (requirepass(c)[0] == 0 || m_session(c->m, c->session)->authed) return false;
    static const char *const exempt[] = {"auth", "hello", "quit", "reset"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(exempt); i++) {
        if (strcmp(cmd->name, exempt[i]) == 0) return false;
    }
    return true;
}

/* The credentials: user "default" with requirepass (any password without one). */
static bool credentials_ok(const struct mctx *c, struct kv_slice user, struct kv_slice pass) {
    if (user.len != 7 || memcmp(user.ptr, "default", 7) != 0) return false;
    const char *want = requirepass(c);
    if (want[0] == 0) return true;
    return pass.len == strlen(want) && memcmp(pass.ptr, want, pass.len) == 0;
}

/* Authenticates the session or replies WRONGPASS. */
static bool authenticate(struct mctx *c, struct kv_slice user, struct kv_slice pass) {
    if (!credentials_ok(c, user, pass)) {
        sim_buf_error(c->out, M_WRONGPASS);
        return false;
    }
    m_session(c->m, c->session)->authed = true;
    return true;
}

static void cmd_auth(struct mctx *c) {
    static const struct kv_slice user = {(const uint8_t *)"default", 7};
    if (c->argc > 3) sim_buf_error(c->out, "ERR syntax error");
    else if (c->argc == 2 && requirepass(c)[0] == 0)
        sim_buf_error(c->out, "ERR AUTH <password> called without any password configured "
                              "for the default user. Are you sure your configuration is "
                              "correct?");
    else if (authenticate(c, c->argc == 2 ? user : c->argv[1], c->argv[c->argc - 1]))
        sim_buf_simple(c->out, "OK");
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
    struct msession *s = m_session(c->m, c->session);
    int64_t ver = s->proto == 3 ? 3 : 2; /* HELLO alone: the session's protocol */
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
            if (!authenticate(c, c->argv[j + 1], c->argv[j + 2])) return;
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
    if (requirepass(c)[0] != 0 && !s->authed) {
        sim_buf_error(c->out, M_HELLO_NOAUTH);
        return;
    }
    s->proto = (uint8_t)ver;
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

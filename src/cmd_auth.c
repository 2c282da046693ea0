/*
 * cmd_auth.c: the connection handshake and authentication: HELLO, AUTH and ACL
 * WHOAMI. Replies and errors are Redis 7.0's (networking.c helloCommand, acl.c
 * authCommand), byte for byte, in RESP2 and RESP3.
 *
 * Users: only Redis's "default" user exists. With requirepass set its password is
 * requirepass; without, it has none (nopass), so AUTH default <anything> succeeds
 * and the one-argument AUTH is refused as Redis refuses it. The engine asks
 * kv_auth_required() before every command (NOAUTH) and lets through only the
 * commands flagged KV_CMD_NOAUTH (AUTH, HELLO, QUIT).
 *
 * Passwords are compared in time independent of where they differ and of the
 * given password's length (kv_auth_password_ok): every byte of the configured
 * buffer is compared, whatever the argument.
 *
 * Memory: owns none; never allocates. The password is never written to a reply.
 */
#include <string.h>

#include "kv/cmd.h"
#include "kv/util.h"

#define ERR_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define HELLO_NOAUTH                                                                   \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the " \
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and "      \
    "select the RESP protocol version at the same time"

bool kv_auth_required(const struct kv_config *cfg, const struct kv_session *s) {
    KV_ASSERT(cfg != NULL && s != NULL);
    return cfg->requirepass[0] != 0 && !(s->flags & KV_SESSION_AUTHED);
}

/*
 * `pass` equals requirepass, in time that depends on neither: all of requirepass's
 * buffer is compared against the argument padded with zeros, and the lengths are
 * folded into the same difference. requirepass is not empty.
 */
bool kv_auth_password_ok(const struct kv_config *cfg, struct kv_slice pass) {
    const char *want = cfg->requirepass;
    KV_ASSERT(want[0] != 0);
    uint32_t want_len = (uint32_t)strnlen(want, sizeof(cfg->requirepass));
    KV_ASSERT(want_len < sizeof(cfg->requirepass));
    volatile uint8_t diff = (uint8_t)(pass.len != want_len);
    for (uint32_t i = 0; i < sizeof(cfg->requirepass); i++) {
        uint8_t a = i < pass.len ? pass.ptr[i] : 0;
        diff |= (uint8_t)(a ^ (uint8_t)want[i]);
    }
    return diff == 0;
}

/* Redis's ACLCheckUserCredentials for the only user kv has. */
static bool credentials_ok(const struct kv_cmd_ctx *c, struct kv_slice user,
                           struct kv_slice pass) {
    if (user.len != 7 || memcmp(user.ptr, "default", 7) != 0) return false;
    if (c->engine->config->requirepass[0] == 0) return true; /* nopass */
    return kv_auth_password_ok(c->engine->config, pass);
}

/* Authenticates the session or replies WRONGPASS; true on success. */
static bool authenticate(struct kv_cmd_ctx *c, struct kv_slice user, struct kv_slice pass) {
    if (!credentials_ok(c, user, pass)) {
        kv_reply_error(c->out, ERR_WRONGPASS);
        return false;
    }
    c->session->flags |= KV_SESSION_AUTHED;
    KV_ASSERT(!kv_auth_required(c->engine->config, c->session));
    return true;
}

static void cmd_auth(struct kv_cmd_ctx *c) {
    KV_ASSERT(c->argc >= 2);
    if (c->argc > 3) {
        kv_reply_error(c->out, KV_ERR_SYNTAX);
        return;
    }
    static const struct kv_slice default_user = {(const uint8_t *)"default", 7};
    if (c->argc == 2 && c->engine->config->requirepass[0] == 0) {
        kv_reply_error(c->out, "ERR AUTH <password> called without any password configured "
                               "for the default user. Are you sure your configuration is "
                               "correct?");
        return;
    }
    struct kv_slice user = c->argc == 2 ? default_user : c->argv[1];
    if (authenticate(c, user, c->argv[c->argc - 1])) kv_reply_ok(c->out);
}

/* The HELLO reply: a map under RESP3, a flat array under RESP2 (addReplyMapLen). */
static void hello_reply(struct kv_cmd_ctx *c) {
    struct kv_reply *o = c->out;
    kv_reply_map(o, 7);
    kv_reply_bulk_cstr(o, "server");
    kv_reply_bulk_cstr(o, "redis");
    kv_reply_bulk_cstr(o, "version");
    kv_reply_bulk_cstr(o, KV_REDIS_VERSION);
    kv_reply_bulk_cstr(o, "proto");
    kv_reply_int(o, c->session->proto);
    kv_reply_bulk_cstr(o, "id");
    kv_reply_int(o, (int64_t)c->session->id);
    kv_reply_bulk_cstr(o, "mode");
    kv_reply_bulk_cstr(o, "standalone");
    kv_reply_bulk_cstr(o, "role");
    kv_reply_bulk_cstr(o, "master");
    kv_reply_bulk_cstr(o, "modules");
    kv_reply_array(o, 0);
}

/* HELLO's options, left to right as Redis 7.0 takes them: AUTH authenticates and
 * SETNAME names the client at once, so an option before a failing one has taken
 * effect (a name set before a syntax error or WRONGPASS stays). False: replied. */
static bool hello_options(struct kv_cmd_ctx *c) {
    for (uint32_t j = 2; j < c->argc; j++) {
        uint32_t more = c->argc - 1 - j;
        if (kv_cmd_opt(c, j, "auth") && more >= 2) {
            if (!authenticate(c, c->argv[j + 1], c->argv[j + 2])) return false;
            j += 2;
        } else if (kv_cmd_opt(c, j, "setname") && more >= 1) {
            if (!kv_cmd_client_setname(c, c->argv[j + 1])) return false;
            j += 1;
        } else {
            struct kv_slice opt = c->argv[j];
            uint32_t n = (uint32_t)strnlen((const char *)opt.ptr, opt.len);
            kv_reply_errorf(c->out, "ERR Syntax error in HELLO option '%.*s'", (int)n,
                            (const char *)opt.ptr);
            return false;
        }
    }
    return true;
}

/* HELLO [protover [AUTH user pass] [SETNAME name]]: the version, the options, then
 * the session must be authenticated; then the protocol switches and the reply is
 * written in the new one. */
static void cmd_hello(struct kv_cmd_ctx *c) {
    int64_t ver = 0;
    if (c->argc >= 2 && !kv_str2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
        kv_reply_error(c->out, "ERR Protocol version is not an integer or out of range");
        return;
    }
    if (c->argc >= 2 && ver != 2 && ver != 3) {
        kv_reply_error(c->out, "NOPROTO unsupported protocol version");
        return;
    }
    if (!hello_options(c)) return;
    if (kv_auth_required(c->engine->config, c->session)) {
        kv_reply_error(c->out, HELLO_NOAUTH);
        return;
    }
    if (ver != 0) c->session->proto = (uint8_t)ver;
    c->out->proto = c->session->proto;
    KV_ASSERT(c->out->proto == 2 || c->out->proto == 3);
    hello_reply(c);
}

/* The longest HELLO reply: the map (7 names, a 20-digit id) or an error quoting
 * one option, or the client-name error. */
static uint64_t bound_hello(struct kv_cmd_ctx *c) {
    uint64_t longest = 0;
    for (uint32_t i = 1; i < c->argc; i++) longest = KV_MAX(longest, (uint64_t)c->argv[i].len);
    return 512 + longest;
}

static void cmd_acl(struct kv_cmd_ctx *c) {
    if (kv_cmd_sub(c, 1, "whoami") && c->argc == 2) {
        kv_reply_bulk_cstr(c->out, "default");
    } else if (kv_cmd_sub(c, 1, "whoami")) {
        kv_reply_error(c->out, "ERR wrong number of arguments for 'acl|whoami' command");
    } else {
        kv_reply_errorf(c->out, "ERR unknown subcommand '%.*s'. Try ACL HELP.",
                        (int)KV_MIN(c->argv[1].len, 128u), (const char *)c->argv[1].ptr);
    }
}

static const struct kv_cmd auth_cmds[] = {
    {"auth", -2, KV_CMD_NOAUTH | KV_CMD_FAST, cmd_auth, NULL, NULL, KV_NOKEYS},
    {"hello", -1, KV_CMD_NOAUTH | KV_CMD_FAST, cmd_hello, bound_hello, NULL, KV_NOKEYS},
    {"acl", -2, KV_CMD_CONTAINER, cmd_acl, NULL, NULL, KV_NOKEYS},
};

const struct kv_cmd_group kv_cmds_auth = {auth_cmds, KV_ARRAY_LEN(auth_cmds)};

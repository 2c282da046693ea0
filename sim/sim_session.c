/*
 * sim_session.c: the clients' connection-level state: RESP3 (HELLO 3 first, HELLO 2,
 * switching mid-connection), requirepass (AUTH pass, AUTH default pass, HELLO 3
 * AUTH default pass; commands before AUTH, wrong passwords) and protected mode
 * (connections from a remote address). The seed draws it all from a stream of its
 * own, and a seed that draws nothing takes no draw from the clients' streams: it
 * runs as it did before. The model (sim_model_auth.c, sim_model_resp3.c) predicts
 * every reply; the checker (sim_check.c sim_on_accept) expects the DENIED text and
 * the close for a refused remote connection. Test code: heap allowed.
 */
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"
#include "sim_world.h"

const char sim_denied_msg[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis "
    "configuration file, and setting the protected mode option to 'no', and then restarting "
    "the server. 3) If you started the server manually just for testing, restart it with "
    "the '--protected-mode no' option. 4) Setup a an authentication password for the "
    "default user. NOTE: You only need to do one of the above things in order for the "
    "server to start accepting connections from the outside.\r\n";

static bool active(const struct sim_world *w) {
    const struct sim_session_knobs *k = &w->sess;
    return k->resp3_pct > 0 || k->switch_pm > 0 || w->pass_drawn[0] != 0 ||
           k->remote_pct > 0;
}

/* A password of 1..20 bytes from printable ASCII (never a space: redis.conf-safe). */
static void draw_password(struct kv_prng *p, char *out, uint32_t cap) {
    uint32_t n = 1 + (uint32_t)kv_prng_below(p, 20);
    KV_ASSERT(n < cap);
    for (uint32_t i = 0; i < n; i++) out[i] = (char)('!' + kv_prng_below(p, 94));
    out[n] = 0;
}

void sim_session_draw(struct sim_world *w) {
    struct sim_session_knobs *k = &w->sess;
    memset(k, 0, sizeof(*k));
    memcpy(w->pass_drawn, w->cfg.requirepass, sizeof(w->pass_drawn));
    if (w->no_session) return;
    struct kv_prng p;
    kv_prng_init(&p, w->seed ^ 0x7365737369306e33ull);
    if (kv_prng_chance(&p, 1, 3)) {
        k->resp3_pct = 10 + (uint32_t)kv_prng_below(&p, 91);
        k->switch_pm = (uint32_t)kv_prng_below(&p, 21);
    }
    if (kv_prng_chance(&p, 1, 4)) {
        draw_password(&p, w->cfg.requirepass, sizeof(w->cfg.requirepass));
        k->noauth_pct = (uint32_t)kv_prng_below(&p, 31);
        k->wrongpass_pct = (uint32_t)kv_prng_below(&p, 21);
        if (k->switch_pm == 0) k->switch_pm = (uint32_t)kv_prng_below(&p, 11);
    }
    if (kv_prng_chance(&p, 1, 4)) k->remote_pct = 1 + (uint32_t)kv_prng_below(&p, 20);
    /* The clients follow the drawn password: CONFIG SET may lift it for a while
     * (sim_workload_cfg.c), and a client cannot know whether its accept and its AUTH
     * come before or after the password returns. */
    memcpy(w->pass_drawn, w->cfg.requirepass, sizeof(w->pass_drawn));
}

uint32_t sim_session_describe(const struct sim_world *w, char *buf, uint32_t cap) {
    const struct sim_session_knobs *k = &w->sess;
    buf[0] = 0;
    if (!active(w)) return 0;
    int n = snprintf(buf, cap, " resp3=%u%% session_switch=%u requirepass=%u noauth=%u%% "
                     "wrongpass=%u%% remote=%u%%", k->resp3_pct, k->switch_pm,
                     (uint32_t)strlen(w->pass_drawn), k->noauth_pct, k->wrongpass_pct,
                     k->remote_pct);
    return n < 0 ? 0 : (uint32_t)KV_MIN((uint32_t)n, cap - 1);
}

/* The password to send: the right one, or (wrongpass_pct) one that is not. */
static void add_password(struct sim_world *w, struct sim_client *c, struct sim_req *r) {
    const char *pass = w->pass_drawn;
    if (kv_prng_below(&c->prng, 100) >= w->sess.wrongpass_pct && pass[0] != 0) {
        sim_req_add_str(r, pass);
        return;
    }
    static const char *const wrong[] = {"", "wrong", "default", "nopass"};
    uint32_t i = (uint32_t)kv_prng_below(&c->prng, KV_ARRAY_LEN(wrong) + 1);
    if (i < KV_ARRAY_LEN(wrong) && strcmp(wrong[i], pass) != 0) sim_req_add_str(r, wrong[i]);
    else if (pass[0] != 0) sim_req_add(r, pass, (uint32_t)strlen(pass) - 1); /* a prefix */
    else sim_req_add_str(r, "x"); /* no requirepass: any password for default is OK */
}

/* HELLO ver [AUTH default pass] [SETNAME name], or HELLO alone. */
static void add_hello(struct sim_world *w, struct sim_client *c, struct sim_req *r,
                      uint32_t ver, bool auth) {
    sim_req_add_str(r, "HELLO");
    if (ver == 0) return;
    sim_req_add_int(r, ver);
    if (auth) {
        sim_req_add_str(r, kv_prng_chance(&c->prng, 1, 2) ? "AUTH" : "auth");
        sim_req_add_str(r, kv_prng_chance(&c->prng, 1, 8) ? "nobody" : "default");
        add_password(w, c, r);
    }
    if (kv_prng_chance(&c->prng, 1, 4)) {
        char name[32];
        snprintf(name, sizeof(name), "sim-%u", c->id);
        sim_req_add_str(r, "SETNAME");
        sim_req_add_str(r, name);
    }
}

/* AUTH pass, AUTH default pass, or HELLO <2|3> AUTH default pass. */
static void add_auth(struct sim_world *w, struct sim_client *c, struct sim_req *r) {
    uint32_t form = (uint32_t)kv_prng_below(&c->prng, 3);
    if (form == 2) {
        uint32_t ver = c->hello_owed;
        if (ver == 0) ver = 2 + (uint32_t)kv_prng_below(&c->prng, 2);
        add_hello(w, c, r, ver, true);
        c->hello_owed = 0;
        return;
    }
    sim_req_add_str(r, "AUTH");
    if (form == 1 || w->pass_drawn[0] == 0) sim_req_add_str(r, "default");
    add_password(w, c, r);
}

void sim_session_connect(struct sim_world *w, struct sim_client *c) {
    KV_ASSERT(c->track != NULL);
    c->auth_in = -1;
    c->hello_owed = 0;
    c->unauthed = w->pass_drawn[0] != 0;
    if (!active(w) || c->hostile != NULL) return;
    const struct sim_session_knobs *k = &w->sess;
    if (kv_prng_below(&c->prng, 100) < k->remote_pct) {
        sim_net_set_remote(w->net, c->track->slot);
        c->track->remote = true;
    }
    if (kv_prng_below(&c->prng, 100) < k->resp3_pct)
        c->hello_owed = kv_prng_chance(&c->prng, 1, 8) ? 2 : 3;
    if (w->pass_drawn[0] != 0) {
        bool late = kv_prng_below(&c->prng, 100) < k->noauth_pct;
        c->auth_in = late ? 1 + (int32_t)kv_prng_below(&c->prng, 4) : 0;
    }
}

bool sim_session_next(struct sim_world *w, struct sim_client *c, struct sim_req *r) {
    if (!active(w) || c->hostile != NULL) return false;
    if (c->auth_in == 0) {
        c->auth_in = -1;
        add_auth(w, c, r);
        return true;
    }
    if (c->auth_in > 0) {
        c->auth_in--;
        return false;
    }
    if (c->hello_owed != 0) {
        add_hello(w, c, r, c->hello_owed, false);
        c->hello_owed = 0;
        return true;
    }
    if (w->sess.switch_pm == 0 || kv_prng_below(&c->prng, 1000) >= w->sess.switch_pm) return false;
    uint32_t pick = (uint32_t)kv_prng_below(&c->prng, 8);
    if (pick < 2 && w->pass_drawn[0] != 0) add_auth(w, c, r);
    else if (pick == 2) add_hello(w, c, r, 0, false);
    else add_hello(w, c, r, 2 + (pick & 1), pick == 3 && kv_prng_chance(&c->prng, 1, 2));
    return true;
}

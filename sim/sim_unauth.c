/*
 * sim_unauth.c: what a client that has not authenticated may send (requirepass).
 * Redis 7.0 closes such a client after a multibulk count above 10 or a bulk length
 * above 16384 (kv: include/kv/resp.h KV_PROTO_UNAUTH_*; the error texts in
 * sim_hostile.c act_unauth). A well-behaved client keeps under them: while it may be
 * unauthenticated, a drawn request loses its arguments past the tenth and each
 * argument's bytes past 16384 (no draw: every stream stays as it was). A fault that
 * sends a frame past the query limit (sim_client.c send_oversize) while it may be
 * unauthenticated ends with the unauthenticated error instead of a silent close.
 * The hostile "unauth" act (sim_hostile.c act_unauth) floods without AUTH on purpose.
 *
 * AUTH inside MULTI (sim_unauth_in_multi): with requirepass, about one queued command
 * in 24 is AUTH <pass> (a wrong one in four): Redis 7.0 queues it and runs it at
 * EXEC (+OK or WRONGPASS in EXEC's array; a wrong one leaves the session as it was).
 * Only an authenticated client reaches MULTI, so the send-order state above stays
 * right. The chance is a hash of the seed, client and wire position: no draw.
 *
 * The state follows the client's own send order, which is the order the server runs
 * its frames: unauthenticated from the connect (with requirepass), authenticated by
 * AUTH [default] <pass> or HELLO .. AUTH default <pass> with the right password, back
 * to unauthenticated by RESET. A wrong password changes nothing, as in Redis.
 * Invariant: c->unauthed implies a requirepass was drawn (w->pass_drawn; the one in
 * force may be lifted for a while, sim_workload_cfg.c). Test code: heap allowed.
 */
#include <string.h>
#include <strings.h>

#include "kv/prng.h"
#include "sim_internal.h"
#include "sim_world.h"

#define UNAUTH_ARGC_MAX 10u
#define UNAUTH_BULK_MAX 16384u

static bool arg_is(const struct sim_req *r, uint32_t i, const char *s) {
    struct kv_slice a = sim_req_arg(r, i);
    return a.len == strlen(s) && strncasecmp((const char *)a.ptr, s, a.len) == 0;
}

static bool arg_eq(const struct sim_req *r, uint32_t i, const char *s) {
    struct kv_slice a = sim_req_arg(r, i);
    return a.len == strlen(s) && memcmp(a.ptr, s, a.len) == 0;
}

/* Whether r authenticates with the right password (AUTH or HELLO's AUTH option). */
static bool authenticates(const struct sim_world *w, const struct sim_req *r) {
    const char *pass = w->cfg.requirepass;
    if (arg_is(r, 0, "AUTH"))
        return (r->argc == 2 && arg_eq(r, 1, pass)) ||
               (r->argc == 3 && arg_eq(r, 1, "default") && arg_eq(r, 2, pass));
    if (!arg_is(r, 0, "HELLO") || r->argc < 2) return false;
    if (!arg_eq(r, 1, "2") && !arg_eq(r, 1, "3")) return false;
    for (uint32_t i = 2; i + 2 < r->argc; i++)
        if (arg_is(r, i, "AUTH")) return arg_eq(r, i + 1, "default") && arg_eq(r, i + 2, pass);
    return false;
}

/* r cut to the limits: at most 10 arguments of at most 16384 bytes each. */
static void cut(struct sim_req *r) {
    struct sim_req t = {0};
    uint32_t n = KV_MIN(r->argc, UNAUTH_ARGC_MAX);
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice a = sim_req_arg(r, i);
        sim_req_add(&t, a.ptr, KV_MIN(a.len, UNAUTH_BULK_MAX));
    }
    sim_req_reset(r);
    for (uint32_t i = 0; i < n; i++) {
        struct kv_slice a = sim_req_arg(&t, i);
        sim_req_add(r, a.ptr, a.len);
    }
    sim_req_free(&t);
    KV_ASSERT(r->argc == n);
}

void sim_unauth_fit(struct sim_world *w, struct sim_client *c, struct sim_req *r) {
    KV_ASSERT(r->argc >= 1);
    /* The drawn password, not the one in force: kv keeps the unauthenticated limits
     * for a session that connected under a password and has not authenticated, even
     * while CONFIG SET requirepass "" lifts it (sim_workload_cfg.c); Redis 7.0.15 then
     * takes a 20,000-byte bulk from it. A kv divergence, reported; the client stays
     * under the limits meanwhile. */
    if (w->pass_drawn[0] == 0 || c->hostile != NULL) return;
    KV_ASSERT(c->track != NULL);
    if (c->unauthed) {
        bool big = r->argc > UNAUTH_ARGC_MAX;
        for (uint32_t i = 0; i < r->argc && !big; i++)
            big = sim_req_arg(r, i).len > UNAUTH_BULK_MAX;
        if (big) cut(r);
    }
    if (authenticates(w, r)) c->unauthed = false;
    else if (arg_is(r, 0, "RESET") && r->argc == 1) c->unauthed = true;
}

const char *sim_unauth_oversize_error(const struct sim_client *c, uint64_t argc,
                                      uint64_t bulk) {
    KV_ASSERT(argc >= 1);
    if (!c->unauthed) return NULL;
    if (argc > UNAUTH_ARGC_MAX) return "-ERR Protocol error: unauthenticated multibulk length\r\n";
    if (bulk > UNAUTH_BULK_MAX) return "-ERR Protocol error: unauthenticated bulk length\r\n";
    return NULL;
}

bool sim_unauth_in_multi(struct sim_world *w, struct sim_client *c, struct sim_req *r) {
    KV_ASSERT(c->in_multi && c->track != NULL);
    if (w->cfg.requirepass[0] == 0 || c->hostile != NULL || c->unauthed) return false;
    uint64_t h = w->seed ^ ((uint64_t)c->id << 40) ^ c->track->wire_pos;
    uint64_t x = kv_splitmix64(&h);
    if (x % 24 != 0) return false;
    sim_req_add_str(r, (x >> 8) % 2 ? "AUTH" : "auth");
    if ((x >> 9) % 2) sim_req_add_str(r, "default");
    sim_req_add_str(r, (x >> 10) % 4 == 0 ? "wrong-pass" : w->cfg.requirepass);
    KV_ASSERT(r->argc >= 2);
    SIM_DEBUG(c->track->serial, "client queues %s in MULTI", (x >> 10) % 4 ? "AUTH" : "a bad AUTH");
    return true;
}

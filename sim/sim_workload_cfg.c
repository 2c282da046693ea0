/*
 * sim_workload_cfg.c: requests that change how the server treats its clients, for
 * `cfg_pm` per mille of a seed's requests (one seed in three, from a stream of its
 * own, so other seeds draw as before; never with --no-newer or a real server):
 *  - CLIENT REPLY OFF (the client sends CLIENT REPLY ON 1..4 requests later), SKIP
 *    (one time in four followed by RESET, whose reply the SKIP drops), ON, a bad mode,
 *    a wrong argument count;
 *  - CLIENT PAUSE 0..150 ms [WRITE|ALL] (and a junk, negative or missing timeout, a
 *    bad mode, one argument too many), CLIENT UNPAUSE;
 *  - CLIENT LIST and CLIENT INFO (no filters: the model checks the caller's line);
 *  - CONFIG SET at run time of what the model reasons about: maxmemory-policy,
 *    maxmemory-samples, maxmemory (70..100% of the mapped bytes, 0 = all of them, one
 *    byte past them: refused), hz, timeout, slowlog-max-len, slowlog-log-slower-than,
 *    values out of range; CONFIG GET of them, so the model's copy is checked;
 *  - in one such seed of two (`--stats`: timeout_sets, pass_sets), with no hostile
 *    client, CONFIG SET timeout 0..3 and, with --cfg-pass where a requirepass was
 *    drawn, CONFIG SET requirepass "" (no password), each undone 1..4 cfg requests
 *    later (by whichever client sends the next one; one change of each kind at a
 *    time): sessions that connect (or RESET) meanwhile are authenticated and stay
 *    so, unauthenticated ones run commands until the password is back, then get
 *    NOAUTH again (sim_model_auth.c); idle closes follow the timeout in force
 *    (sim_check.c; the settle phase and its leniency use the largest one set).
 *    Only this direction of requirepass: a password set where clients expect none
 *    would leave them sending frames past Redis's unauthenticated limits.
 * Never inside MULTI (the client calls it between transactions only).
 * Test code: heap allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_world.h"

void sim_cfg_draw(struct sim_world *w) {
    kv_prng_init(&w->cfg_prng, w->seed ^ 0x636c69656e746366ull);
    w->cfg_pm = 0;
    w->timeout_now_s = w->timeout_max_s = w->timeout_drawn_s = w->cfg.timeout_s;
    if (w->no_newer || w->wl.real_server || !kv_prng_chance(&w->cfg_prng, 1, 3)) return;
    w->cfg_pm = 5 + (uint32_t)kv_prng_below(&w->cfg_prng, 56);
    /* the run-time requirepass and timeout: a stream of their own, so seeds without
     * them draw their cfg requests as before */
    kv_prng_init(&w->change_prng, w->seed ^ 0x7061737374696d65ull);
    w->cfg_changes = kv_prng_chance(&w->change_prng, 1, 2);
}

static void add_u(struct sim_req *r, uint64_t v) {
    char num[24];
    snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    sim_req_add_str(r, num);
}

static void client_reply(struct sim_client *c, struct kv_prng *p, struct sim_req *r) {
    static const char *const modes[] = {"off", "OFF", "skip", "Skip", "on", "maybe"};
    uint64_t pick = kv_prng_below(p, KV_ARRAY_LEN(modes) + 1);
    sim_req_add_str(r, "CLIENT");
    sim_req_add_str(r, "REPLY");
    if (pick == KV_ARRAY_LEN(modes)) { /* wrong argument counts */
        if (kv_prng_chance(p, 1, 2)) sim_req_add_str(r, "on"), sim_req_add_str(r, "x");
        return;
    }
    sim_req_add_str(r, modes[pick]);
    if (pick < 2) c->reply_off_left = (uint8_t)(1 + kv_prng_below(p, 4));
    /* RESET ends REPLY OFF but not a SKIP in force: RESET's own reply is skipped */
    if (pick == 2 || pick == 3) c->reset_next = kv_prng_chance(p, 1, 4);
}

static void client_pause(struct kv_prng *p, struct sim_req *r) {
    sim_req_add_str(r, "CLIENT");
    if (kv_prng_chance(p, 1, 4)) {
        sim_req_add_str(r, "UNPAUSE");
        if (kv_prng_chance(p, 1, 10)) sim_req_add_str(r, "x");
        return;
    }
    sim_req_add_str(r, "PAUSE");
    uint64_t roll = kv_prng_below(p, 20);
    if (roll == 0) return; /* arity */
    if (roll == 1) sim_req_add_str(r, kv_prng_chance(p, 1, 2) ? "x" : "-1");
    else add_u(r, kv_prng_below(p, 151));
    static const char *const modes[] = {"WRITE", "write", "ALL", "all", "some"};
    if (kv_prng_chance(p, 2, 3)) sim_req_add_str(r, modes[kv_prng_below(p, 5)]);
    if (kv_prng_chance(p, 1, 20)) sim_req_add_str(r, "x"); /* one too many */
}

/* Run-time requirepass and timeout (above); false when neither may change now. */
static bool config_change(struct sim_world *w, struct sim_req *r) {
    struct kv_prng *p = &w->change_prng;
    if (!w->cfg_changes || w->hostile_count > 0 || w->cfg_restore != 0 ||
        !kv_prng_chance(p, 1, 2))
        return false;
    bool pass = w->pass_drawn[0] != 0 && kv_prng_chance(p, 2, 3) && w->cfg_pass;
    sim_req_add_str(r, "CONFIG");
    sim_req_add_str(r, "SET");
    sim_req_add_str(r, pass ? "requirepass" : "timeout");
    if (pass) sim_req_add_str(r, "");
    else add_u(r, kv_prng_below(p, 4));
    w->cfg_restore = pass ? 2 : 1;
    w->cfg_restore_left = (uint8_t)(1 + kv_prng_below(p, 4));
    return true;
}

/* The change undone: the drawn value back. */
static void config_restore(struct sim_world *w, struct sim_req *r) {
    KV_ASSERT(w->cfg_restore == 1 || w->cfg_restore == 2);
    sim_req_add_str(r, "CONFIG");
    sim_req_add_str(r, "SET");
    if (w->cfg_restore == 2) {
        sim_req_add_str(r, "requirepass");
        sim_req_add_str(r, w->pass_drawn);
    } else {
        sim_req_add_str(r, "timeout");
        add_u(r, w->timeout_drawn_s);
    }
    w->cfg_restore = 0;
}

static void config_set(const struct sim_world *w, struct kv_prng *p, struct sim_req *r) {
    static const char *const names[] = {"maxmemory-policy", "maxmemory-samples", "maxmemory",
                                        "hz", "timeout", "slowlog-max-len",
                                        "slowlog-log-slower-than"};
    static const char *const policies[] = {"noeviction", "allkeys-lru", "volatile-lru",
                                           "allkeys-random", "volatile-random", "volatile-ttl",
                                           "allkeys-lfu", "volatile-lfu", "lru"};
    uint32_t k = (uint32_t)kv_prng_below(p, KV_ARRAY_LEN(names));
    bool get = kv_prng_chance(p, 1, 4);
    sim_req_add_str(r, "CONFIG");
    sim_req_add_str(r, get ? "GET" : "SET");
    sim_req_add_str(r, names[k]);
    if (get) return;
    uint64_t mapped = w->cfg.maxmemory;
    switch (k) {
    case 0: sim_req_add_str(r, policies[kv_prng_below(p, KV_ARRAY_LEN(policies))]); break;
    case 1: add_u(r, kv_prng_below(p, 70)); break;
    case 2:
        if (kv_prng_chance(p, 1, 8)) add_u(r, kv_prng_chance(p, 1, 2) ? 0 : mapped + 1);
        else add_u(r, mapped - mapped * kv_prng_below(p, 31) / 100);
        break;
    case 3: add_u(r, kv_prng_below(p, 520)); break;
    case 4: add_u(r, w->timeout_drawn_s); break;
    case 5: add_u(r, kv_prng_below(p, 200)); break;
    default:
        if (kv_prng_chance(p, 1, 4)) sim_req_add_str(r, "-1");
        else add_u(r, kv_prng_below(p, 20000));
    }
}

bool sim_cfg_next(struct sim_world *w, struct sim_client *c, struct sim_req *r) {
    KV_ASSERT(!c->in_multi && r->argc == 0);
    if (w->cfg_pm == 0 || c->hostile != NULL) return false;
    struct kv_prng *p = &w->cfg_prng;
    if (c->reply_off_left > 0 && --c->reply_off_left == 0) {
        sim_req_add_str(r, "CLIENT");
        sim_req_add_str(r, "REPLY");
        sim_req_add_str(r, "ON");
        return true;
    }
    if (c->reset_next) {
        c->reset_next = false;
        sim_req_add_str(r, "RESET");
        return true;
    }
    if (kv_prng_below(p, 1000) >= w->cfg_pm) return false;
    if (w->cfg_restore != 0 && w->cfg_restore_left > 0) w->cfg_restore_left--;
    /* The password comes back only while no session is blocked: kv re-runs a served
     * blocking pop through the NOAUTH check, and a session that blocked without AUTH
     * while the password was lifted then fails an assertion (server.c run_blocked
     * "r.len == 0"; seed 24 before this wait). Redis serves it without that check. */
    bool hold = w->cfg_restore == 2 && sim_model_blocked_count(w->model) > 0;
    if (w->cfg_restore != 0 && w->cfg_restore_left == 0 && !hold) {
        config_restore(w, r);
        return true;
    }
    uint64_t pick = kv_prng_below(p, 10);
    if (pick < 3) {
        client_reply(c, p, r);
    } else if (pick < 5) {
        client_pause(p, r);
    } else if (pick < 7) {
        sim_req_add_str(r, "CLIENT");
        sim_req_add_str(r, pick == 5 ? "LIST" : "INFO");
    } else if (pick == 9 && config_change(w, r)) {
        KV_ASSERT(r->argc == 4);
    } else {
        config_set(w, p, r);
    }
    KV_ASSERT(r->argc >= 2);
    return true;
}

static bool word(struct kv_slice a, const char *lower) {
    if (a.len != strlen(lower)) return false;
    for (uint32_t i = 0; i < a.len; i++) {
        uint8_t ch = a.ptr[i];
        if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) != (uint8_t)lower[i]) return false;
    }
    return true;
}

/* Counts what the requests above achieved (--stats). */
void sim_cfg_observe(struct sim_world *w, uint32_t argc, const struct kv_slice *argv,
                     const uint8_t *reply, uint32_t reply_len) {
    KV_ASSERT(argc >= 1 && (reply != NULL || reply_len == 0));
    if (argc < 2 || reply_len == 0) return;
    bool ok = reply_len == 5 && memcmp(reply, "+OK\r\n", 5) == 0;
    bool client = word(argv[0], "client");
    if (ok && word(argv[0], "config") && word(argv[1], "set")) {
        w->cfg_sets++;
        if (argc == 4 && word(argv[2], "requirepass")) w->pass_sets += argv[3].len == 0;
        if (argc == 4 && word(argv[2], "timeout")) {
            char num[24] = {0};
            memcpy(num, argv[3].ptr, KV_MIN(argv[3].len, sizeof(num) - 1));
            w->timeout_now_s = strtoull(num, NULL, 10);
            w->timeout_max_s = KV_MAX(w->timeout_max_s, w->timeout_now_s);
            w->timeout_sets += w->timeout_now_s != w->timeout_drawn_s; /* a change */
        }
    }
    if (ok && client && word(argv[1], "pause")) w->pauses++;
    if (client && (word(argv[1], "list") || word(argv[1], "info")) &&
        (reply[0] == '$' || reply[0] == '='))
        w->client_lists++;
}

/*
 * sim_redis.c: `kv sim --redis PORT`: checks the simulator's reference model
 * against a real redis-server (7.0) on 127.0.0.1:PORT. It sends the seeded
 * workload over one blocking connection (with MULTI/EXEC blocks) and feeds each
 * command and Redis's reply to the model exactly as the engine observer would.
 * With --types=hash,set,zset,stream it CONFIG SETs the drawn encoding thresholds and stream
 * node limits first (sim_types.c). A mismatch means the model (the oracle) is wrong,
 * not kv. Test code: heap, stdio and one socket. The server is FLUSHALLed first:
 * never point it at data you care about.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sim_internal.h"
#include "sim_model.h"
#include "sim_resp.h"
#include "sim_types.h"
#include "sim_workload.h"

struct rconn {
    int fd;
    struct sim_buf in;
};

static int64_t wall_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static bool rsend(struct rconn *c, const struct sim_req *r) {
    struct kv_slice argv[SIM_ARGC_MAX];
    sim_req_argv(r, argv);
    uint64_t n = sim_resp_request_size(r->argc, argv);
    uint8_t *buf = malloc(n);
    KV_ASSERT(buf != NULL);
    sim_resp_encode(buf, n, r->argc, argv);
    uint64_t off = 0;
    while (off < n) {
        ssize_t w = write(c->fd, buf + off, n - off);
        if (w <= 0) break;
        off += (uint64_t)w;
    }
    free(buf);
    return off == n;
}

/* Reads one whole reply into *out (a view into c->in valid until the next call). */
static bool rrecv(struct rconn *c, struct kv_slice *out, uint64_t *consumed) {
    sim_buf_consume(&c->in, *consumed);
    *consumed = 0;
    for (uint32_t guard = 0; guard < 1000000; guard++) {
        uint32_t len = 0;
        enum sim_resp_status st = sim_resp_scan(c->in.p, (uint32_t)c->in.len, &len);
        if (st == SIM_RESP_BAD) {
            printf("malformed reply from the server: ");
            sim_print_escaped(stdout, c->in.p, KV_MIN((uint32_t)c->in.len, 400u));
            printf("\n");
            return false;
        }
        if (st == SIM_RESP_OK) {
            out->ptr = c->in.p;
            out->len = len;
            *consumed = len;
            return true;
        }
        sim_buf_reserve(&c->in, 65536);
        ssize_t n = read(c->fd, c->in.p + c->in.len, 65536);
        if (n <= 0) return false;
        c->in.len += (uint64_t)n;
    }
    return false;
}

static bool ttl_like(struct kv_slice name) {
    static const char *const names[] = {"ttl", "pttl", "expiretime", "pexpiretime"};
    for (uint32_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        uint32_t n = (uint32_t)strlen(names[i]);
        if (name.len != n) continue;
        bool eq = true;
        for (uint32_t k = 0; k < n; k++) eq = eq && (name.ptr[k] | 0x20) == names[i][k];
        if (eq) return true;
    }
    return false;
}

static bool bare_exec(const struct sim_req *r) {
    struct kv_slice a = sim_req_arg(r, 0);
    return r->argc == 1 && a.len == 4 && (a.ptr[0] | 0x20) == 'e' && (a.ptr[1] | 0x20) == 'x' &&
           (a.ptr[2] | 0x20) == 'e' && (a.ptr[3] | 0x20) == 'c';
}

/* OBJECT ENCODING of a string: Redis answers embstr or raw by how the value was made
 * (APPEND and SETRANGE make raw), kv and the model by the value alone. */
static bool string_encoding(const struct kv_slice *argv, uint32_t argc, struct kv_slice reply) {
    static const char *const ok[] = {"$6\r\nembstr\r\n", "$3\r\nraw\r\n", "$3\r\nint\r\n"};
    if (argc != 3 || argv[0].len != 6 || (argv[0].ptr[0] | 0x20) != 'o') return false;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(ok); i++) {
        if (reply.len == strlen(ok[i]) && memcmp(reply.ptr, ok[i], reply.len) == 0) return true;
    }
    return false;
}

struct rstate {
    struct sim_model *m;
    struct sim_buf expected;
    uint64_t checked;
    uint64_t mismatches;
};

static void feed(struct rstate *st, const struct sim_req *r, int64_t now, struct kv_slice reply) {
    struct kv_slice argv[SIM_ARGC_MAX];
    char why[256];
    sim_req_argv(r, argv);
    st->checked++;
    if (getenv("SIM_REDIS_TRACE") != NULL) {
        printf("  >");
        for (uint32_t i = 0; i < r->argc; i++) {
            printf(" ");
            sim_print_escaped(stdout, argv[i].ptr, KV_MIN(argv[i].len, 60u));
        }
        printf("  <- ");
        sim_print_escaped(stdout, reply.ptr, KV_MIN(reply.len, 200u));
        printf("\n");
    }
    if (sim_model_command(st->m, 1, r->argc, argv, now, reply.ptr, reply.len, &st->expected,
                          why, sizeof(why)))
        return;
    if (ttl_like(argv[0]) && reply.ptr[0] == ':' && st->expected.len > 0 &&
        st->expected.p[0] == ':')
        return; /* Redis's clock, not ours: times differ by the time in flight */
    if (string_encoding(argv, r->argc, reply)) return;
    st->mismatches++;
    if (st->mismatches > 20) return;
    printf("MODEL MISMATCH (%s):", why);
    for (uint32_t i = 0; i < r->argc; i++) {
        printf(" ");
        sim_print_escaped(stdout, argv[i].ptr, KV_MIN(argv[i].len, 60u));
    }
    printf("\n  redis: ");
    sim_print_escaped(stdout, reply.ptr, KV_MIN(reply.len, 300u));
    printf("\n  model: ");
    sim_print_escaped(stdout, st->expected.p, KV_MIN((uint32_t)st->expected.len, 300u));
    printf("\n");
}

/* Splits EXEC's array reply and reports each part as the engine would. */
static void feed_exec(struct rstate *st, struct sim_req *queued, uint32_t n, int64_t now,
                      struct kv_slice reply, struct sim_req *exec) {
    bool run = reply.len > 0 && reply.ptr[0] == '*' && reply.ptr[1] != '-' &&
               sim_model_exec_expect(st->m, 1, now);
    if (!run && getenv("SIM_REDIS_TRACE") != NULL)
        printf("  (the model does not run this EXEC: %s)\n", sim_model_cas_why(st->m));
    if (run) {
        uint32_t pos = 0;
        while (pos < reply.len && reply.ptr[pos] != '\n') pos++;
        pos++;
        for (uint32_t i = 0; i < n && pos < reply.len; i++) {
            uint32_t len = 0;
            KV_ASSERT(sim_resp_scan(reply.ptr + pos, reply.len - pos, &len) == SIM_RESP_OK);
            struct kv_slice part = {reply.ptr + pos, len};
            feed(st, &queued[i], now, part);
            pos += len;
        }
    }
    feed(st, exec, now, reply);
}

static int rconnect(uint32_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The workload's next request; its own bare EXEC inside a MULTI becomes DISCARD: the
 * EXEC's replies would need the queue split as feed_exec does (seed 2). */
static void next_req(struct rstate *st, const struct sim_workload *w, struct kv_prng *p,
                     int64_t now, struct sim_req *q) {
    sim_workload_next(w, p, now, q);
    if (sim_model_in_multi(st->m, 1) && bare_exec(q)) {
        sim_req_reset(q);
        sim_req_add_str(q, "DISCARD");
    }
}

/* One MULTI block of up to 4 commands, or one plain command. */
static bool round_trip(struct rconn *c, struct rstate *st, const struct sim_workload *w,
                       struct kv_prng *p, struct sim_req *q) {
    struct kv_slice reply;
    uint64_t used = 0;
    int64_t now = wall_ms();
    if (!kv_prng_chance(p, 1, 10)) {
        next_req(st, w, p, now, &q[0]);
        if (!rsend(c, &q[0]) || !rrecv(c, &reply, &used)) return false;
        feed(st, &q[0], now, reply);
        sim_buf_consume(&c->in, used);
        return true;
    }
    if (kv_prng_chance(p, 1, 2)) { /* WATCH, then maybe touch a watched key ourselves */
        sim_req_reset(&q[5]);
        sim_req_add_str(&q[5], "WATCH");
        for (uint64_t i = 1 + kv_prng_below(p, 3); i > 0; i--) sim_workload_key(w, p, &q[5]);
        if (!rsend(c, &q[5]) || !rrecv(c, &reply, &used)) return false;
        feed(st, &q[5], now, reply);
        for (uint64_t i = kv_prng_below(p, 3); i > 0; i--) {
            next_req(st, w, p, now, &q[0]);
            if (!rsend(c, &q[0]) || !rrecv(c, &reply, &used)) return false;
            feed(st, &q[0], now, reply);
        }
    }
    sim_req_reset(&q[5]);
    sim_req_add_str(&q[5], "MULTI");
    if (!rsend(c, &q[5]) || !rrecv(c, &reply, &used)) return false;
    feed(st, &q[5], now, reply);
    uint32_t n = 1 + (uint32_t)kv_prng_below(p, 4);
    for (uint32_t i = 0; i < n; i++) {
        next_req(st, w, p, now, &q[i]);
        if (!rsend(c, &q[i]) || !rrecv(c, &reply, &used)) return false;
        feed(st, &q[i], now, reply);
    }
    sim_req_reset(&q[5]);
    sim_req_add_str(&q[5], kv_prng_chance(p, 1, 8) ? "DISCARD" : "EXEC");
    if (!rsend(c, &q[5]) || !rrecv(c, &reply, &used)) return false;
    if (q[5].data.p[0] == 'E') feed_exec(st, q, n, now, reply, &q[5]);
    else feed(st, &q[5], now, reply);
    sim_buf_consume(&c->in, used);
    return true;
}

/* HELLO 3 on the connection; the model's session switches with it (Redis's client id
 * is not the model's session id, so the HELLO reply itself is not compared). */
static bool hello3(struct rconn *c, struct rstate *st, struct sim_req *q) {
    sim_req_reset(q);
    sim_req_add_str(q, "HELLO");
    sim_req_add_str(q, "3");
    struct kv_slice reply, argv[2];
    uint64_t used = 0;
    if (!rsend(c, q) || !rrecv(c, &reply, &used)) return false;
    sim_req_argv(q, argv);
    sim_model_command(st->m, 1, 2, argv, wall_ms(), reply.ptr, reply.len, &st->expected, NULL,
                      0);
    bool map = reply.len > 3 && memcmp(reply.ptr, "%7\r\n", 4) == 0;
    sim_buf_consume(&c->in, used);
    return map;
}

/* The drawn hash/set/zset encoding thresholds and stream node limits (sim_types.c),
 * as CONFIG SETs. */
static bool set_thresholds(struct rconn *c, const struct sim_types_knobs *k) {
    const char *names[] = {"hash-max-listpack-entries", "hash-max-listpack-value",
                           "set-max-intset-entries", "zset-max-listpack-entries",
                           "zset-max-listpack-value", "stream-node-max-bytes",
                           "stream-node-max-entries"};
    const uint64_t values[] = {k->hash_max_listpack_entries, k->hash_max_listpack_value,
                               k->set_max_intset_entries, k->zset_max_listpack_entries,
                               k->zset_max_listpack_value, k->stream_node_max_bytes,
                               k->stream_node_max_entries};
    struct sim_req q;
    memset(&q, 0, sizeof(q));
    bool ok = true;
    for (uint32_t i = 0; ok && i < KV_ARRAY_LEN(names); i++) {
        struct kv_slice reply;
        uint64_t used = 0;
        sim_req_reset(&q);
        sim_req_add_str(&q, "CONFIG");
        sim_req_add_str(&q, "SET");
        sim_req_add_str(&q, names[i]);
        sim_req_add_int(&q, (int64_t)values[i]);
        ok = rsend(c, &q) && rrecv(c, &reply, &used) && reply.len == 5 &&
             memcmp(reply.ptr, "+OK\r\n", 5) == 0;
        sim_buf_consume(&c->in, used);
    }
    sim_req_free(&q);
    return ok;
}

int sim_redis_check(uint64_t seed, uint32_t port, uint64_t requests, bool resp3) {
    struct rconn c = {rconnect(port), {0}};
    if (c.fd < 0) {
        printf("cannot connect to 127.0.0.1:%u\n", port);
        return 1;
    }
    struct sim_model_limits lim = {.proto_max_bulk_len = 512ull << 20,
                                   .multi_max_commands = UINT32_MAX,
                                   .reply_max = UINT64_MAX,
                                   .watch_max = UINT32_MAX};
    struct kv_prng p;
    uint64_t sm = seed;
    kv_prng_init(&p, kv_splitmix64(&sm));
    struct sim_workload w;
    sim_workload_draw(&w, &p, 1u << 16);
    struct sim_types_knobs tk;
    sim_types_draw(seed, &w, &tk);
    lim.hash_max_listpack_entries = tk.hash_max_listpack_entries;
    lim.hash_max_listpack_value = tk.hash_max_listpack_value;
    lim.set_max_intset_entries = tk.set_max_intset_entries;
    lim.zset_max_listpack_entries = tk.zset_max_listpack_entries;
    lim.zset_max_listpack_value = tk.zset_max_listpack_value;
    lim.stream_node_max_bytes = tk.stream_node_max_bytes;
    lim.stream_node_max_entries = tk.stream_node_max_entries;
    lim.clock_slack_ms = 2000; /* XADD `*`: Redis's clock is read after our now */
    if (!set_thresholds(&c, &tk)) {
        printf("cannot CONFIG SET the encoding thresholds on 127.0.0.1:%u\n", port);
        close(c.fd);
        return 1;
    }
    struct rstate st = {sim_model_create(&lim), {0}, 0, 0};
    w.real_server = true;
    w.newer_pct = 10; /* COPY and INCRBYFLOAT (gen_newer's Redis-exact commands) */
    w.weight[SIM_FAM_FLUSH] = 0;
    /* no blocking pops: a real server answers a timed-out one with nil on this one
     * connection, and the model learns of blocks only from kv's observer */
    w.no_block = true;
    struct sim_req q[6];
    memset(q, 0, sizeof(q));
    sim_req_add_str(&q[0], "FLUSHALL");
    struct kv_slice reply;
    uint64_t used = 0;
    bool ok = rsend(&c, &q[0]) && rrecv(&c, &reply, &used);
    sim_buf_consume(&c.in, used);
    if (ok && resp3) ok = hello3(&c, &st, &q[0]);
    for (uint64_t i = 0; ok && i < requests && st.mismatches <= 20; i++)
        ok = round_trip(&c, &st, &w, &p, q);
    printf("seed=%llu redis_port=%u commands=%llu mismatches=%llu%s\n",
           (unsigned long long)seed, port, (unsigned long long)st.checked,
           (unsigned long long)st.mismatches, ok ? "" : " (connection lost)");
    for (uint32_t i = 0; i < 6; i++) sim_req_free(&q[i]);
    sim_buf_free(&st.expected);
    sim_buf_free(&c.in);
    sim_model_destroy(st.m);
    close(c.fd);
    return ok && st.mismatches == 0 ? 0 : 1;
}

/*
 * io_uring_test.c: tests the io_uring backend over real loopback sockets, driven only
 * through struct kv_io_vtable (the server's view). Clients are plain sockets made
 * non-blocking so one thread can drive both sides without deadlock: the kernel moves
 * DEFER_TASKRUN work only while the test calls run().
 *
 * Test code: uses the heap and stdio. Listens on 127.0.0.1 port 0 (ephemeral) only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "io_uring_ring.h"
#include "testing.h"

#define EVENTS_MAX 4096u
#define CONNS_MAX 8u
#define CONN_BUF_SIZE 65536u
#define WAIT_MS 5000u
#define MULTI_SLOT 9u    /* the connection slot multishot tests tag their recv with */
#define MULTI_BUFS 8u    /* multishot buffers the tests hand over, of MULTI_BUF_SIZE */
#define MULTI_BUF_SIZE 64u
#define MULTI_MEM_BYTES 8192u /* a page for the ring, then the buffers: whole pages */
_Static_assert(4096 + MULTI_BUFS * MULTI_BUF_SIZE <= MULTI_MEM_BYTES, "room");

struct event {
    uint64_t tag;
    int32_t res;
    uint32_t flags;
    bool has_peer, has_local; /* an accept's kv_io.peer / kv_io.local were set */
    struct kv_io_peer peer, local;
};

/* Echo state of one server-side connection, driven from the completion callback. */
struct echo_conn {
    bool on;
    int32_t fd;
    uint32_t len, off;
    uint32_t recvs, sends;
    uint8_t buf[CONN_BUF_SIZE];
};

struct tctx {
    struct kv_io_uring u;
    struct kv_io io;
    struct event events[EVENTS_MAX];
    uint32_t events_count;
    uint32_t internal_delivered; /* op byte 0 reached the caller: must stay 0 */
    uint32_t batch;              /* the batch hint client_xfer's runs pass */
    uint32_t windows;            /* and its windows */
    struct echo_conn echo[CONNS_MAX];
    /* Multishot recv: the bytes its completions carried (kv_io.data), in order. */
    uint8_t mdata[8192];
    uint32_t mdata_len;
    uint32_t data_misplaced;     /* data set without bytes, or bytes without data */
};

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void echo_step(struct tctx *t, uint64_t tag, int32_t res) {
    uint32_t slot = kv_io_tag_slot(tag);
    if (slot >= CONNS_MAX || !t->echo[slot].on) return;
    struct echo_conn *c = &t->echo[slot];
    if (kv_io_tag_op(tag) == KV_IO_RECV) {
        c->recvs++;
        if (res <= 0) return;
        c->len = (uint32_t)res;
        c->off = 0;
        kv_io_send(&t->io, c->fd, c->buf, c->len, kv_io_tag(KV_IO_SEND, slot, 1));
    } else if (kv_io_tag_op(tag) == KV_IO_SEND) {
        c->sends++;
        if (res <= 0) return;
        c->off += (uint32_t)res;
        if (c->off < c->len) {
            kv_io_send(&t->io, c->fd, c->buf + c->off, c->len - c->off,
                       kv_io_tag(KV_IO_SEND, slot, 1));
        } else {
            kv_io_recv(&t->io, c->fd, c->buf, CONN_BUF_SIZE, kv_io_tag(KV_IO_RECV, slot, 1));
        }
    }
}

/* Starts echoing on handle h as connection `slot`: the first recv is queued. */
static struct echo_conn *echo_start(struct tctx *t, uint32_t slot, int32_t h) {
    struct echo_conn *c = &t->echo[slot];
    c->on = true;
    c->fd = h;
    kv_io_recv(&t->io, h, c->buf, CONN_BUF_SIZE, kv_io_tag(KV_IO_RECV, slot, 1));
    return c;
}

static void on_complete(void *ctx, uint64_t tag, int32_t res, uint32_t flags) {
    struct tctx *t = ctx;
    if (kv_io_tag_op(tag) == 0) t->internal_delivered++;
    bool multi = kv_io_tag_op(tag) == KV_IO_RECV && kv_io_tag_slot(tag) == MULTI_SLOT;
    if ((t->io.data != NULL) != (multi && res > 0)) t->data_misplaced++;
    if (t->io.data != NULL && res > 0 && t->mdata_len + (uint32_t)res <= sizeof(t->mdata)) {
        memcpy(t->mdata + t->mdata_len, t->io.data, (size_t)res);
        t->mdata_len += (uint32_t)res;
    }
    if (t->events_count < EVENTS_MAX) {
        struct event *e = &t->events[t->events_count++];
        *e = (struct event){tag, res, flags, t->io.peer != NULL, t->io.local != NULL, {0}, {0}};
        if (t->io.peer != NULL) e->peer = *t->io.peer;
        if (t->io.local != NULL) e->local = *t->io.local;
    }
    echo_step(t, tag, res);
}

static struct tctx *tctx_new(uint32_t conns_max) {
    struct tctx *t = calloc(1, sizeof(*t));
    char err[256];
    if (kv_io_uring_init(&t->u, &t->io, "127.0.0.1", 0, conns_max, err, sizeof(err)) != 0) {
        fprintf(stderr, "init failed: %s\n", err);
        free(t);
        return NULL;
    }
    t->io.complete = on_complete;
    t->io.complete_ctx = t;
    return t;
}

static void tctx_free(struct tctx *t) {
    kv_io_uring_deinit(&t->u);
    free(t);
}

/* Removes and returns the first recorded event with this tag. */
static bool take(struct tctx *t, uint64_t tag, struct event *out) {
    for (uint32_t i = 0; i < t->events_count; i++) {
        if (t->events[i].tag != tag) continue;
        *out = t->events[i];
        memmove(&t->events[i], &t->events[i + 1],
                (t->events_count - i - 1) * sizeof(t->events[0]));
        t->events_count--;
        return true;
    }
    return false;
}

static bool wait_tag(struct tctx *t, uint64_t tag, struct event *out) {
    uint64_t deadline = now_ms() + WAIT_MS;
    for (uint32_t i = 0; i < 1000000u; i++) {
        if (take(t, tag, out)) return true;
        if (now_ms() > deadline) return false;
        kv_io_run(&t->io, 10, 0, 0);
    }
    return false;
}

/* A non-blocking client connected to ip (host order) : port, or -1. */
static int client_connect_to(uint32_t ip, uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(ip);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static int client_connect(uint16_t port) { return client_connect_to(INADDR_LOOPBACK, port); }

static uint16_t local_port(int fd, bool peer) {
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&sa, &len)
                  : getsockname(fd, (struct sockaddr *)&sa, &len);
    return rc == 0 ? ntohs(sa.sin_port) : 0;
}

/*
 * Client side of an exchange: writes out (non-blocking) and reads exactly in_len
 * bytes into in, calling run() in between so the server side progresses.
 */
static bool client_xfer(struct tctx *t, int fd, const uint8_t *out, size_t out_len,
                        uint8_t *in, size_t in_len) {
    size_t sent = 0, got = 0;
    uint64_t deadline = now_ms() + WAIT_MS;
    for (uint32_t i = 0; i < 10000000u && (sent < out_len || got < in_len); i++) {
        if (now_ms() > deadline) return false;
        if (sent < out_len) {
            ssize_t n = send(fd, out + sent, out_len - sent, MSG_NOSIGNAL);
            if (n > 0) sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN) return false;
        }
        if (got < in_len) {
            ssize_t n = recv(fd, in + got, in_len - got, 0);
            if (n > 0) got += (size_t)n;
            else if (n == 0 || errno != EAGAIN) return false;
        }
        kv_io_run(&t->io, 1, t->batch, t->windows);
    }
    return sent == out_len && got == in_len;
}

/* Arms accept, connects one client, returns the server handle (or -1). */
static int32_t accept_one(struct tctx *t, int *client_fd) {
    uint64_t acc = kv_io_tag(KV_IO_ACCEPT, 0, 7);
    if (!t->u.accept_armed) kv_io_accept(&t->io, acc);
    *client_fd = client_connect(t->u.port);
    struct event ev;
    if (*client_fd < 0 || !wait_tag(t, acc, &ev)) return -1;
    return ev.res;
}

/* A backend with one accepted connection: h is the server's handle, cfd the
 * client's socket. NULL (nothing left open) when either step fails. */
static struct tctx *tctx_with_conn(int32_t *h, int *cfd) {
    struct tctx *t = tctx_new(16);
    if (t == NULL) return NULL;
    *h = accept_one(t, cfd);
    if (*h >= 0) return t;
    if (*cfd >= 0) close(*cfd);
    tctx_free(t);
    return NULL;
}

/* One NOWAIT recv into buf; its result, or INT32_MIN when no completion came. */
static int32_t recv_nowait_res(struct tctx *t, int32_t h, uint8_t *buf, uint32_t cap,
                               uint64_t tag) {
    struct event ev;
    kv_io_recv_nowait(&t->io, h, buf, cap, tag);
    return wait_tag(t, tag, &ev) ? ev.res : INT32_MIN;
}

TEST(test_init_ephemeral) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    CHECK(t->u.port != 0 && t->u.listen_fds[0] >= 0);
    CHECK(t->io.vt != NULL && t->io.impl == &t->u);
    CHECK(local_port(t->u.listen_fds[0], false) == t->u.port);
    /* 16*3+2 -> 64 SQEs; CQ 4x that when CQSIZE was accepted, else the kernel's 2x */
    uint32_t cq_factor = (kv_io_uring_setup_flags(&t->u) & IORING_SETUP_CQSIZE) ? 4 : 2;
    CHECK(t->u.sq_entries == 64 && t->u.cq_entries == 64 * cq_factor);
    const char *name = kv_io_uring_setup_name(&t->u);
    uint32_t flags = kv_io_uring_setup_flags(&t->u);
    printf("io_uring setup: %s (flags 0x%x)\n", name, flags);
    CHECK(strcmp(name, "SINGLE_ISSUER|DEFER_TASKRUN") == 0 || strcmp(name, "COOP_TASKRUN") == 0 ||
          strcmp(name, "none") == 0);
    CHECK(kv_io_run(&t->io, 0, 0, 0) == 0);
    CHECK(t->events_count == 0);
    tctx_free(t);
}

TEST(test_accept_multishot) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    uint64_t acc = kv_io_tag(KV_IO_ACCEPT, 0, 1);
    kv_io_accept(&t->io, acc);
    CHECK(t->events_count == 0); /* queueing never runs a callback */
    int clients[3];
    uint32_t client_ports = 0, server_ports = 0; /* sums of ports, compared below */
    for (int i = 0; i < 3; i++) {
        clients[i] = client_connect(t->u.port);
        CHECK(clients[i] >= 0);
        client_ports += local_port(clients[i], false);
    }
    int32_t fds[3];
    for (int i = 0; i < 3; i++) {
        struct event ev;
        CHECK(wait_tag(t, acc, &ev));
        CHECK(ev.res >= 0);
        CHECK(ev.flags == KV_IO_F_MORE);
        fds[i] = ev.res;
        int nodelay = 0;
        socklen_t len = sizeof(nodelay);
        CHECK(getsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
        CHECK(nodelay == 1);
        server_ports += local_port(fds[i], true);
    }
    CHECK(fds[0] != fds[1] && fds[1] != fds[2] && fds[0] != fds[2]);
    CHECK(server_ports == client_ports);
    CHECK(t->u.counters.completions == 3);
    CHECK(t->u.accept_armed);
    for (int i = 0; i < 3; i++) {
        close(clients[i]);
        close(fds[i]);
    }
    tctx_free(t);
}

TEST(test_echo_round_trip) {
    int cfd;
    int32_t h;
    struct tctx *t = tctx_with_conn(&h, &cfd);
    CHECK(t != NULL);
    struct echo_conn *c = echo_start(t, 3, h);
    static const uint8_t msg[] = "*2\r\n$3\r\nGET\r\n$4\r\na\0b\n\r\n\0\xff";
    uint8_t back[sizeof(msg)];
    CHECK(client_xfer(t, cfd, msg, sizeof(msg), back, sizeof(back)));
    CHECK_MEM(back, sizeof(back), msg, sizeof(msg));
    /* A bigger payload: many recvs, sends issued from inside callbacks. */
    size_t big_len = 300000;
    uint8_t *big = malloc(big_len), *big_back = malloc(big_len);
    for (size_t i = 0; i < big_len; i++) big[i] = (uint8_t)(i * 131u + (i >> 9));
    bool ok = client_xfer(t, cfd, big, big_len, big_back, big_len);
    bool same = ok && memcmp(big, big_back, big_len) == 0;
    free(big);
    free(big_back);
    CHECK(ok && same);
    CHECK(c->recvs >= 2 && c->sends >= 2);
    CHECK(t->internal_delivered == 0);
    c->on = false;
    close(cfd);
    close(h);
    tctx_free(t);
}

/* Accepts one connection, echoes `rounds` small messages through it one at a time
 * (each a separate wait for a lone completion), closes it. True if all came back
 * exactly, each with one recv and one send, and nothing internal was delivered. */
static bool echo_rounds(struct tctx *t, uint32_t slot, uint32_t rounds) {
    int cfd;
    int32_t h = accept_one(t, &cfd);
    if (h < 0) return false;
    struct echo_conn *c = echo_start(t, slot, h);
    bool ok = true;
    for (uint32_t i = 0; i < rounds && ok; i++) {
        uint8_t msg[6] = {'e', 'c', 'h', (uint8_t)i, '\r', '\n'}, back[6];
        ok = client_xfer(t, cfd, msg, sizeof(msg), back, sizeof(back)) &&
             memcmp(back, msg, sizeof(msg)) == 0;
    }
    ok = ok && c->recvs == rounds && c->sends == rounds && t->internal_delivered == 0;
    c->on = false;
    close(cfd);
    close(h);
    return ok;
}

/* --busy-poll-us: the ring is watched before sleeping; completions still arrive,
 * one by one, and an idle run still ends at its timeout with nothing delivered. */
TEST(test_busy_poll) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    CHECK(t->u.setup_flags & IORING_SETUP_TASKRUN_FLAG);
    kv_io_uring_set_busy_poll(&t->u, &kv_clock_system, 200);
    CHECK(t->u.busy_poll_ns == 200000);
    CHECK(kv_io_run(&t->io, 5, 0, 0) == 0 && t->events_count == 0); /* idle: times out */
    CHECK(echo_rounds(t, 2, 50));
    kv_io_uring_set_busy_poll(&t->u, &kv_clock_system, 0);
    CHECK(t->u.busy_poll_ns == 0);
    tctx_free(t);
}

/* --batch-wait-us: where the kernel has min-wait, a run asked to batch 64 over four
 * windows still delivers a lone completion (after at most the wait), echoes work
 * with every hint, and an idle run ends at its timeout. */
TEST(test_batch_wait) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    kv_io_uring_set_batch_wait(&t->u, 50);
    bool have = (t->u.features & (1u << 15)) != 0;
    printf("min-wait (IORING_FEAT_MIN_TIMEOUT) %s\n", have ? "supported" : "absent");
    CHECK(t->u.batch_wait_us == (have ? 50u : 0u));
    CHECK(kv_io_run(&t->io, 5, KV_IO_BATCH_MAX, KV_IO_WINDOWS_MAX) == 0 && t->events_count == 0);
    t->batch = KV_IO_BATCH_MAX;
    t->windows = KV_IO_WINDOWS_MAX;
    CHECK(echo_rounds(t, 4, 20));
    t->batch = 2;
    t->windows = 1;
    CHECK(echo_rounds(t, 5, 20));
    t->batch = 0;
    CHECK(echo_rounds(t, 6, 5));
    kv_io_uring_set_batch_wait(&t->u, 0);
    CHECK(t->u.batch_wait_us == 0);
    tctx_free(t);
}

TEST(test_big_send) {
    int cfd;
    int32_t h;
    struct tctx *t = tctx_with_conn(&h, &cfd);
    CHECK(t != NULL);
    /* Small kernel buffers so the kernel must return short sends. */
    int small = 16384;
    CHECK(setsockopt(h, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
    CHECK(setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
    size_t total = 1u << 20;
    uint8_t *data = malloc(total), *got = malloc(total);
    for (size_t i = 0; i < total; i++) data[i] = (uint8_t)((i * 2654435761u) >> 13);
    uint64_t tag = kv_io_tag(KV_IO_SEND, 5, 9);
    size_t off = 0, got_len = 0;
    uint32_t sends = 0;
    bool failed = false;
    kv_io_send(&t->io, h, data, (uint32_t)total, tag);
    uint64_t deadline = now_ms() + WAIT_MS;
    while ((off < total || got_len < total) && !failed && now_ms() < deadline) {
        kv_io_run(&t->io, 1, 0, 0);
        struct event ev;
        while (take(t, tag, &ev)) {
            sends++;
            if (ev.res <= 0) failed = true;
            else off += (size_t)ev.res;
            if (!failed && off < total) {
                kv_io_send(&t->io, h, data + off, (uint32_t)(total - off), tag);
            }
        }
        ssize_t n = recv(cfd, got + got_len, total - got_len, 0);
        if (n > 0) got_len += (size_t)n;
    }
    uint8_t extra;
    ssize_t more = recv(cfd, &extra, 1, 0);
    bool same = got_len == total && memcmp(data, got, total) == 0;
    free(data);
    free(got);
    CHECK(!failed);
    CHECK(off == total && got_len == total && same);
    CHECK(more < 0 && errno == EAGAIN); /* exactly 1 MiB, nothing more */
    CHECK(sends >= 2); /* short sends happened and were resubmitted */
    printf("1 MiB server send took %u send completion(s)\n", sends);
    close(cfd);
    close(h);
    tctx_free(t);
}

TEST(test_client_close_eof) {
    int cfd;
    int32_t h;
    struct tctx *t = tctx_with_conn(&h, &cfd);
    CHECK(t != NULL);
    uint8_t buf[64];
    uint64_t tag = kv_io_tag(KV_IO_RECV, 2, 4);
    kv_io_recv(&t->io, h, buf, sizeof(buf), tag);
    kv_io_run(&t->io, 0, 0, 0);
    CHECK(t->events_count == 0); /* nothing to read yet */
    close(cfd);
    struct event ev;
    CHECK(wait_tag(t, tag, &ev));
    CHECK(ev.res == 0 && ev.flags == 0);
    /* Close through the ring: the close completion carries the caller's tag. */
    uint64_t ctag = kv_io_tag(KV_IO_CLOSE, 2, 4);
    kv_io_close(&t->io, h, ctag);
    CHECK(wait_tag(t, ctag, &ev));
    CHECK(ev.res == 0);
    CHECK(fcntl(h, F_GETFD) == -1 && errno == EBADF);
    tctx_free(t);
}

/* KV_IO_RECV_NOWAIT: -EAGAIN at once with nothing there; with 10 bytes there, a
 * 4-byte recv takes 4 and the next 6; after the client closes, 0 (EOF). */
TEST(test_recv_nowait) {
    int cfd;
    int32_t h;
    struct tctx *t = tctx_with_conn(&h, &cfd);
    CHECK(t != NULL);
    uint8_t buf[64];
    uint64_t tag = kv_io_tag(KV_IO_RECV, 7, 3);
    CHECK(recv_nowait_res(t, h, buf, sizeof(buf), tag) == -EAGAIN);
    CHECK(send(cfd, "0123456789", 10, 0) == 10);
    struct pollfd pfd = {.fd = h, .events = POLLIN};
    CHECK(poll(&pfd, 1, 2000) == 1); /* the bytes are there before we ask */
    CHECK(recv_nowait_res(t, h, buf, 4, tag) == 4 && memcmp(buf, "0123", 4) == 0);
    CHECK(recv_nowait_res(t, h, buf, sizeof(buf), tag) == 6 && memcmp(buf, "456789", 6) == 0);
    close(cfd);
    CHECK(poll(&pfd, 1, 2000) == 1);
    CHECK(recv_nowait_res(t, h, buf, sizeof(buf), tag) == 0);
    CHECK(t->events_count == 0 && t->internal_delivered == 0);
    close(h);
    tctx_free(t);
}

TEST(test_close_pending_recv) {
    int cfd;
    int32_t h;
    struct tctx *t = tctx_with_conn(&h, &cfd);
    CHECK(t != NULL);
    uint8_t buf[64];
    uint64_t rtag = kv_io_tag(KV_IO_RECV, 6, 2), ctag = kv_io_tag(KV_IO_CLOSE, 6, 2);
    kv_io_recv(&t->io, h, buf, sizeof(buf), rtag);
    kv_io_run(&t->io, 0, 0, 0); /* the recv is now pending in the kernel */
    uint64_t internal_before = t->u.counters.internal;
    kv_io_close(&t->io, h, ctag);
    struct event rev, cev;
    CHECK(wait_tag(t, ctag, &cev));
    CHECK(wait_tag(t, rtag, &rev));
    CHECK(cev.res == 0);
    CHECK(rev.res == -ECANCELED || rev.res == 0);
    CHECK(t->u.counters.internal == internal_before + 1); /* the cancel's own CQE */
    CHECK(t->internal_delivered == 0);
    CHECK(t->events_count == 0);
    struct pollfd pfd = {.fd = cfd, .events = POLLIN};
    CHECK(poll(&pfd, 1, 2000) == 1);
    CHECK(recv(cfd, buf, sizeof(buf), 0) == 0); /* the client sees EOF */
    close(cfd);
    tctx_free(t);
}

TEST(test_close_bad_handle) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    uint64_t ctag = kv_io_tag(KV_IO_CLOSE, 1, 1);
    kv_io_close(&t->io, 1000000, ctag); /* never a valid descriptor */
    struct event ev;
    CHECK(wait_tag(t, ctag, &ev));
    CHECK(ev.res == -EBADF);
    CHECK(t->internal_delivered == 0);
    tctx_free(t);
}

TEST(test_send_after_reset) {
    int cfd;
    int32_t h;
    struct tctx *t = tctx_with_conn(&h, &cfd);
    CHECK(t != NULL);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    CHECK(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
    close(cfd); /* RST */
    static const uint8_t msg[] = "+OK\r\n";
    uint64_t tag = kv_io_tag(KV_IO_SEND, 1, 3);
    int32_t res = 0;
    for (int i = 0; i < 4 && res >= 0; i++) { /* the first send may still succeed */
        struct event ev;
        kv_io_send(&t->io, h, msg, 5, tag);
        CHECK(wait_tag(t, tag, &ev));
        res = ev.res;
    }
    CHECK(res == -ECONNRESET || res == -EPIPE); /* and no SIGPIPE killed us */
    close(h);
    tctx_free(t);
}

TEST(test_timeout_fires) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    uint64_t a = kv_io_tag(KV_IO_TIMEOUT, 0, 1), b = kv_io_tag(KV_IO_TIMEOUT, 1, 1);
    uint64_t start = now_ms();
    kv_io_timeout(&t->io, 30, a);
    kv_io_timeout(&t->io, 1, b);
    CHECK(t->events_count == 0);
    struct event ev;
    CHECK(wait_tag(t, a, &ev));
    CHECK(ev.res == -ETIME && ev.flags == 0);
    CHECK(wait_tag(t, b, &ev));
    CHECK(ev.res == -ETIME);
    printf("30 ms timeout fired after %llu ms\n", (unsigned long long)(now_ms() - start));
    CHECK(t->events_count == 0);
    tctx_free(t);
}

/* conns_max 1: an 8-entry SQ and 8 timespec slots; 40 queued timeouts must all
 * be submitted (forced submits) and each fire exactly once. */
TEST(test_sq_full_never_drops) {
    struct tctx *t = tctx_new(1);
    CHECK(t != NULL);
    CHECK(t->u.sq_entries == 8 && t->u.cq_entries >= 16);
    enum { N = 40 };
    for (uint32_t i = 0; i < N; i++) kv_io_timeout(&t->io, 1, kv_io_tag(KV_IO_TIMEOUT, i, 1));
    CHECK(t->events_count == 0);
    CHECK(t->u.counters.sq_full_submits >= 4);
    CHECK(t->u.counters.submissions == N);
    usleep(50 * 1000);
    uint32_t delivered = 0;
    uint64_t deadline = now_ms() + WAIT_MS;
    while (delivered < N && now_ms() < deadline) {
        uint32_t n = kv_io_run(&t->io, 10, 0, 0);
        CHECK(n <= t->u.cq_entries);
        delivered += n;
    }
    CHECK(delivered == N);
    for (uint32_t i = 0; i < N; i++) {
        struct event ev;
        CHECK(take(t, kv_io_tag(KV_IO_TIMEOUT, i, 1), &ev));
        CHECK(ev.res == -ETIME);
    }
    CHECK(t->events_count == 0);
    CHECK(t->u.counters.completions == N);
    tctx_free(t);
}

TEST(test_listener_close) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    uint16_t port = t->u.port;
    uint64_t acc = kv_io_tag(KV_IO_ACCEPT, 0, 2);
    kv_io_accept(&t->io, acc);
    kv_io_run(&t->io, 0, 0, 0);
    kv_io_listener_close(&t->io);
    struct event ev;
    /* Each pending accept is cancelled; only the last one ends the caller's accept. */
    for (uint32_t i = 0; i < KV_IO_URING_ACCEPTS_PER; i++) {
        CHECK(wait_tag(t, acc, &ev));
        CHECK(ev.res == -ECANCELED);
        CHECK(ev.flags == (i + 1 < KV_IO_URING_ACCEPTS_PER ? KV_IO_F_MORE : 0u));
    }
    for (int i = 0; i < 100 && t->u.listener != KV_IO_URING_LISTENER_CLOSED; i++) {
        kv_io_run(&t->io, 10, 0, 0);
    }
    CHECK(t->u.listener == KV_IO_URING_LISTENER_CLOSED && t->u.listen_fds[0] == -1);
    CHECK(!t->u.accept_armed);
    CHECK(client_connect(port) == -1 && errno == ECONNREFUSED);
    CHECK(t->internal_delivered == 0);
    tctx_free(t);
}

/* deinit right after listener_close still releases the port. */
TEST(test_deinit_while_listener_closing) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    uint16_t port = t->u.port;
    kv_io_accept(&t->io, kv_io_tag(KV_IO_ACCEPT, 0, 3));
    kv_io_listener_close(&t->io);
    CHECK(t->u.listener == KV_IO_URING_LISTENER_CLOSING);
    tctx_free(t);
    struct kv_io_uring *u2 = calloc(1, sizeof(*u2));
    struct kv_io io2;
    char err[256];
    int rc = kv_io_uring_init(u2, &io2, "127.0.0.1", port, 4, err, sizeof(err));
    if (rc == 0) kv_io_uring_deinit(u2);
    free(u2);
    CHECK(rc == 0);
}

static struct tctx *tctx_fixed(uint32_t files);

/* An IPv4 address as the io reports it, for comparisons. */
static struct kv_io_peer v4_peer(uint32_t ip, uint16_t port) {
    struct kv_io_peer p;
    memset(&p, 0, sizeof(p));
    p.family = KV_IO_PEER_IPV4;
    uint32_t be = htonl(ip);
    memcpy(p.addr, &be, 4);
    p.port = port;
    return p;
}

/* Every accept carries its own peer address (the client's getsockname) and the
 * local one (the listener's): ten clients connect before any is accepted, more
 * than the pending accepts (KV_IO_URING_ACCEPTS_PER), so one shared address buffer
 * would repeat or lose ports. Plain descriptors, then registered files. */
static void accept_addresses(bool fixed) {
    struct tctx *t = fixed ? tctx_fixed(16) : tctx_new(16);
    CHECK(t != NULL);
    if (t == NULL) return;
    uint64_t acc = kv_io_tag(KV_IO_ACCEPT, 0, 4);
    kv_io_accept(&t->io, acc);
    enum { N = 10 };
    int cfd[N];
    uint32_t matched = 0;
    for (int i = 0; i < N; i++) CHECK((cfd[i] = client_connect(t->u.port)) >= 0);
    for (int i = 0; i < N; i++) {
        struct event ev;
        CHECK(wait_tag(t, acc, &ev) && ev.res >= 0 && ev.has_peer && ev.has_local);
        struct kv_io_peer l = v4_peer(INADDR_LOOPBACK, t->u.port);
        CHECK_MEM(&ev.local, sizeof(l), &l, sizeof(l));
        for (int j = 0; j < N; j++) {
            struct kv_io_peer p = v4_peer(INADDR_LOOPBACK, local_port(cfd[j], false));
            if (memcmp(&p, &ev.peer, sizeof(p)) == 0) matched |= 1u << j;
        }
    }
    CHECK(matched == (1u << N) - 1); /* each client's own address, once each */
    CHECK(t->u.accept_armed && t->internal_delivered == 0);
    tctx_free(t);
    for (int i = 0; i < N; i++) close(cfd[i]);
}

TEST(test_accept_addresses) {
    accept_addresses(false);
    accept_addresses(true);
}

/* `bind` with several addresses: one listener each, on one port; an optional one
 * that is not on this machine is skipped (err says which), a required one fails. */
TEST(test_listen_many) {
    struct tctx *t = calloc(1, sizeof(*t));
    char err[256];
    int rc = kv_io_uring_init(&t->u, &t->io, "127.0.0.1 -192.0.2.77 127.0.0.2", 0, 16, err,
                              sizeof(err));
    CHECK(rc == 0);
    if (rc != 0) {
        free(t);
        return;
    }
    printf("skipped: %s\n", err);
    CHECK(strstr(err, "192.0.2.77") != NULL && strstr(err, "Cannot assign") != NULL);
    t->io.complete = on_complete;
    t->io.complete_ctx = t;
    CHECK(kv_io_uring_listeners(&t->u) == 2);
    struct kv_io_peer l2 = v4_peer(0x7f000002u, t->u.port);
    struct kv_io_peer got = kv_io_uring_listener(&t->u, 1);
    CHECK_MEM(&got, sizeof(got), &l2, sizeof(l2));
    uint64_t acc = kv_io_tag(KV_IO_ACCEPT, 0, 5);
    kv_io_accept(&t->io, acc);
    int c2 = client_connect_to(0x7f000002u, t->u.port);
    struct event ev;
    CHECK(c2 >= 0 && wait_tag(t, acc, &ev) && ev.res >= 0 && ev.has_local);
    CHECK_MEM(&ev.local, sizeof(l2), &l2, sizeof(l2));
    int c1 = client_connect(t->u.port);
    CHECK(c1 >= 0 && wait_tag(t, acc, &ev) && ev.res >= 0);
    CHECK(ev.local.addr[3] == 1 && (ev.flags & KV_IO_F_MORE));
    struct kv_io_uring *u2 = calloc(1, sizeof(*u2));
    struct kv_io io2;
    char err2[256];
    CHECK(kv_io_uring_init(u2, &io2, "127.0.0.3 192.0.2.77", 0, 4, err2, sizeof(err2)) == -1);
    CHECK(strncmp(err2, "bind 192.0.2.77:", 16) == 0);
    CHECK(kv_io_uring_init(u2, &io2, "-192.0.2.77", 0, 4, err2, sizeof(err2)) == -1);
    CHECK(strncmp(err2, "no address to listen on: bind 192.0.2.77:0: ", 44) == 0);
    free(u2);
    close(c1);
    close(c2);
    tctx_free(t);
}

TEST(test_init_errors) {
    struct tctx *t = tctx_new(16);
    CHECK(t != NULL);
    struct kv_io_uring *u2 = calloc(1, sizeof(*u2));
    struct kv_io io2;
    char err[256], err_bad[256], err_port[256], want[64];
    int rc = kv_io_uring_init(u2, &io2, "127.0.0.1", t->u.port, 4, err, sizeof(err));
    snprintf(want, sizeof(want), "bind 127.0.0.1:%u: ", t->u.port);
    int rc_bad = kv_io_uring_init(u2, &io2, "not-an-address", 0, 4, err_bad, sizeof(err_bad));
    int rc_port = kv_io_uring_init(u2, &io2, "127.0.0.1", 70000, 4, err_port, sizeof(err_port));
    free(u2);
    tctx_free(t);
    printf("second bind: %s\n", err);
    CHECK(rc == -1);
    CHECK(strstr(err, "Address already in use") != NULL);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(rc_bad == -1);
    CHECK_STR(err_bad, strlen(err_bad), "invalid listen address not-an-address:0");
    CHECK(rc_port == -1);
    CHECK_STR(err_port, strlen(err_port), "invalid listen address 127.0.0.1:70000");
}

/* ---- registered files (kv_io_uring_use_fixed_files) ---------------------------- */

/* A backend whose connections are registered files, `files` of them. */
static struct tctx *tctx_fixed(uint32_t files) {
    struct tctx *t = tctx_new(16);
    if (t != NULL && !kv_io_uring_use_fixed_files(&t->u, files)) {
        tctx_free(t);
        return NULL;
    }
    return t;
}

/* Closes a handle through the backend; its result. */
static int32_t close_res(struct tctx *t, int32_t h, uint32_t slot) {
    uint64_t ctag = kv_io_tag(KV_IO_CLOSE, slot, 9);
    struct event ev;
    kv_io_close(&t->io, h, ctag);
    return wait_tag(t, ctag, &ev) ? ev.res : INT32_MIN;
}

/* Waits until the client socket reads EOF (the server closed its end). */
static bool client_sees_eof(int cfd) {
    uint8_t buf[16];
    struct pollfd pfd = {.fd = cfd, .events = POLLIN};
    return poll(&pfd, 1, 2000) == 1 && recv(cfd, buf, sizeof(buf), 0) == 0;
}

/* Handles are table indexes; echo works through them, TCP_NODELAY comes from the
 * listener, a direct close gives the client EOF and frees the index for reuse. */
TEST(test_fixed_files_echo) {
    struct tctx *t = tctx_fixed(4);
    CHECK(t != NULL && t->u.fixed_files && t->u.files_count == 4);
    int nodelay = 0;
    socklen_t len = sizeof(nodelay);
    CHECK(getsockopt(t->u.listen_fds[0], IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
    CHECK(nodelay == 1); /* accepted sockets inherit it */
    int cfd;
    int32_t h = accept_one(t, &cfd);
    CHECK(h >= 0 && h < 4);
    struct echo_conn *c = echo_start(t, 2, h);
    static const uint8_t msg[] = "*1\r\n$4\r\nPING\r\n";
    uint8_t back[sizeof(msg)];
    CHECK(client_xfer(t, cfd, msg, sizeof(msg), back, sizeof(back)));
    CHECK_MEM(back, sizeof(back), msg, sizeof(msg));
    CHECK(c->recvs == 1 && c->sends == 1);
    c->on = false;
    t->events_count = 0; /* the exchange's own recv and send events */
    CHECK(close_res(t, h, 2) == 0); /* cancels the pending recv too */
    struct event ev;
    CHECK(wait_tag(t, kv_io_tag(KV_IO_RECV, 2, 1), &ev) && ev.res == -ECANCELED);
    CHECK(client_sees_eof(cfd));
    close(cfd);
    int cfd2;
    int32_t h2 = accept_one(t, &cfd2);
    CHECK(h2 >= 0 && h2 < 4);
    CHECK(close_res(t, h2, 3) == 0 && client_sees_eof(cfd2));
    CHECK(t->internal_delivered == 0);
    close(cfd2);
    tctx_free(t);
}

/* A full table: the next accept completes with -ENFILE (the server retries on its
 * next tick, as for -EMFILE); once an index is free, accepting works again. A bad
 * index closes with an error, like a bad descriptor. */
TEST(test_fixed_files_full) {
    struct tctx *t = tctx_fixed(2);
    CHECK(t != NULL);
    int cfd[3];
    int32_t h[2];
    uint64_t acc = kv_io_tag(KV_IO_ACCEPT, 0, 7);
    kv_io_accept(&t->io, acc);
    for (int i = 0; i < 3; i++) CHECK((cfd[i] = client_connect(t->u.port)) >= 0);
    struct event ev;
    for (int i = 0; i < 2; i++) {
        CHECK(wait_tag(t, acc, &ev) && ev.res >= 0 && ev.res < 2);
        h[i] = ev.res;
    }
    CHECK(h[0] != h[1]);
    CHECK(wait_tag(t, acc, &ev) && ev.res == -ENFILE);
    CHECK(t->u.accept_armed == ((ev.flags & KV_IO_F_MORE) != 0));
    CHECK(close_res(t, h[0], 1) == 0 && client_sees_eof(cfd[0]));
    int cfd4;
    int32_t h4 = accept_one(t, &cfd4);
    CHECK(h4 == h[0]); /* the one free index */
    int32_t bad = close_res(t, 1000000, 1);
    printf("io_uring: close of a bad registered-file index: %d\n", bad);
    CHECK(bad == -EBADF || bad == -EINVAL);
    CHECK(t->internal_delivered == 0);
    tctx_free(t); /* closes the registered files still open */
    CHECK(client_sees_eof(cfd[1]) && client_sees_eof(cfd4));
    for (int i = 0; i < 3; i++) close(cfd[i]);
    close(cfd4);
}

/* Kernels from 6.16 honour a multishot recv's total limit (io_uring.c's probe). */
static bool kernel_has_limit(void) {
    struct utsname u;
    unsigned major = 0, minor = 0;
    if (uname(&u) != 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2) return false;
    return major > 6 || (major == 6 && minor >= 16);
}

/* A connection whose backend has MULTI_BUFS buffers for multishot recv; NULL when
 * the kernel has none (then setup must have said so). */
static struct tctx *tctx_multi(int32_t *h, int *cfd, uint8_t **mem) {
    struct tctx *t = tctx_new(16);
    if (t == NULL) return NULL;
    *mem = aligned_alloc(4096, MULTI_MEM_BYTES);
    bool ok = t->io.vt->recv_multi_setup(t->io.impl, *mem, *mem + 4096, MULTI_BUFS,
                                         MULTI_BUF_SIZE);
    printf("io_uring: multishot recv with a limit: %s\n", ok ? "yes" : "no");
    if (ok != kernel_has_limit()) fprintf(stderr, "io_uring: probe disagrees with uname\n");
    *h = ok && ok == kernel_has_limit() ? accept_one(t, cfd) : -1;
    if (*h >= 0) return t;
    if (ok && *cfd >= 0) close(*cfd);
    tctx_free(t);
    free(*mem);
    return NULL;
}

/* Runs until a completion for tag without KV_IO_F_MORE (the multishot's end). */
static bool multi_until_end(struct tctx *t, uint64_t tag, struct event *last) {
    for (uint32_t i = 0; i < 64; i++) {
        if (!wait_tag(t, tag, last)) return false;
        if (!(last->flags & KV_IO_F_MORE)) return true;
    }
    return false;
}

/*
 * Multishot recv never delivers more than its limit: the bytes come in buffers of
 * MULTI_BUF_SIZE at most, in order, with KV_IO_F_MORE until the one that ends it;
 * what it did not take is still in the socket for a plain recv.
 */
TEST(test_recv_multi_limit) {
    int cfd;
    int32_t h;
    uint8_t *mem = NULL;
    struct tctx *t = tctx_multi(&h, &cfd, &mem);
    CHECK(t != NULL);
    uint8_t stream[400];
    for (uint32_t i = 0; i < sizeof(stream); i++) stream[i] = (uint8_t)('a' + i % 26);
    uint64_t tag = kv_io_tag(KV_IO_RECV, MULTI_SLOT, 1);
    kv_io_recv_multi(&t->io, h, 200, tag);
    CHECK(send(cfd, stream, 50, 0) == 50);
    struct event ev;
    uint32_t got = 0;
    for (uint32_t i = 0; i < 8 && got < 50; i++) {
        CHECK(wait_tag(t, tag, &ev) && ev.res > 0 && ev.res <= (int32_t)MULTI_BUF_SIZE);
        CHECK(ev.flags == KV_IO_F_MORE); /* 50 of 200: it stays armed */
        got += (uint32_t)ev.res;
    }
    CHECK(got == 50);
    CHECK(send(cfd, stream + 50, 350, 0) == 350);
    CHECK(multi_until_end(t, tag, &ev) && ev.res > 0);
    printf("io_uring: a 200-byte multishot took %u bytes\n", t->mdata_len);
    CHECK(t->mdata_len > 50 && t->mdata_len <= 200);
    CHECK_MEM(t->mdata, t->mdata_len, stream, t->mdata_len);
    uint8_t rest[400];
    uint32_t left = 400 - t->mdata_len;
    CHECK(recv_nowait_res(t, h, rest, sizeof(rest), kv_io_tag(KV_IO_RECV, 1, 1)) == (int32_t)left);
    CHECK_MEM(rest, left, stream + t->mdata_len, left);
    /* The smallest limit, one buffer: one read of at most a buffer ends it. */
    t->mdata_len = 0;
    kv_io_recv_multi(&t->io, h, MULTI_BUF_SIZE, tag);
    CHECK(send(cfd, stream, 100, 0) == 100);
    CHECK(wait_tag(t, tag, &ev) && ev.res == (int32_t)MULTI_BUF_SIZE && ev.flags == 0);
    CHECK_MEM(t->mdata, t->mdata_len, stream, MULTI_BUF_SIZE);
    CHECK(recv_nowait_res(t, h, rest, sizeof(rest), kv_io_tag(KV_IO_RECV, 1, 1)) ==
          (int32_t)(100 - MULTI_BUF_SIZE));
    CHECK(t->data_misplaced == 0 && t->internal_delivered == 0 && t->events_count == 0);
    close(cfd);
    close(h);
    tctx_free(t);
    free(mem);
}

/*
 * Buffers come back after each completion: many more bytes than MULTI_BUFS
 * buffers hold pass through one multishot, a buffer at a time. When more arrive
 * at once than the buffers hold, it ends with -ENOBUFS once they are all taken,
 * never losing a byte: the rest waits in the socket. At EOF it ends with 0.
 */
TEST(test_recv_multi_buffers_return) {
    int cfd;
    int32_t h;
    uint8_t *mem = NULL;
    struct tctx *t = tctx_multi(&h, &cfd, &mem);
    CHECK(t != NULL);
    uint64_t tag = kv_io_tag(KV_IO_RECV, MULTI_SLOT, 2);
    kv_io_recv_multi(&t->io, h, 1u << 20, tag);
    uint8_t chunk[MULTI_BUF_SIZE];
    struct event ev;
    for (uint32_t round = 0; round < 4 * MULTI_BUFS; round++) {
        memset(chunk, 'A' + (int)(round % 26), sizeof(chunk));
        CHECK(send(cfd, chunk, sizeof(chunk), 0) == (ssize_t)sizeof(chunk));
        uint32_t before = t->mdata_len;
        for (uint32_t i = 0; i < 8 && t->mdata_len < before + sizeof(chunk); i++)
            CHECK(wait_tag(t, tag, &ev) && ev.flags == KV_IO_F_MORE);
        CHECK(t->mdata_len == before + sizeof(chunk));
        CHECK_MEM(t->mdata + before, sizeof(chunk), chunk, sizeof(chunk));
    }
    uint8_t burst[2000];
    memset(burst, 'z', sizeof(burst));
    CHECK(send(cfd, burst, sizeof(burst), 0) == (ssize_t)sizeof(burst));
    uint32_t before = t->mdata_len;
    CHECK(multi_until_end(t, tag, &ev));
    printf("io_uring: a 2000-byte burst into %u buffers: %u bytes, then %d\n", MULTI_BUFS,
           t->mdata_len - before, ev.res);
    CHECK(ev.res == -ENOBUFS);
    uint32_t took = t->mdata_len - before;
    CHECK(took <= MULTI_BUFS * MULTI_BUF_SIZE);
    static uint8_t rest[2000];
    int32_t left = recv_nowait_res(t, h, rest, sizeof(rest), kv_io_tag(KV_IO_RECV, 1, 1));
    CHECK(left == (int32_t)(sizeof(burst) - took));
    kv_io_recv_multi(&t->io, h, 1u << 20, tag);
    close(cfd);
    CHECK(multi_until_end(t, tag, &ev) && ev.res == 0);
    CHECK(t->data_misplaced == 0 && t->internal_delivered == 0 && t->events_count == 0);
    close(h);
    tctx_free(t);
    free(mem);
}

/* With registered files, as kv runs: the probe goes through the table's last
 * index and leaves it free; the connections' multishot recvs name their index. */
TEST(test_recv_multi_fixed_files) {
    struct tctx *t = tctx_fixed(2);
    CHECK(t != NULL);
    uint8_t *mem = aligned_alloc(4096, MULTI_MEM_BYTES);
    bool ok = t->io.vt->recv_multi_setup(t->io.impl, mem, mem + 4096, MULTI_BUFS,
                                         MULTI_BUF_SIZE);
    CHECK(ok == kernel_has_limit());
    int cfd[2];
    int32_t h[2];
    for (int i = 0; i < 2; i++) {
        h[i] = accept_one(t, &cfd[i]);
        CHECK(h[i] >= 0 && h[i] < 2); /* both indexes free: the probe gave its back */
    }
    CHECK(h[0] != h[1]);
    if (ok) {
        uint64_t tag = kv_io_tag(KV_IO_RECV, MULTI_SLOT, 3);
        kv_io_recv_multi(&t->io, h[1], 4096, tag);
        CHECK(send(cfd[1], "*1\r\n$4\r\nPING\r\n", 14, 0) == 14);
        struct event ev;
        CHECK(wait_tag(t, tag, &ev) && ev.res == 14 && ev.flags == KV_IO_F_MORE);
        CHECK_MEM(t->mdata, t->mdata_len, "*1\r\n$4\r\nPING\r\n", 14);
        CHECK(close_res(t, h[1], 4) == 0);
        CHECK(wait_tag(t, tag, &ev) && ev.res == -ECANCELED && ev.flags == 0);
    }
    CHECK(t->data_misplaced == 0 && t->internal_delivered == 0);
    tctx_free(t);
    for (int i = 0; i < 2; i++) close(cfd[i]);
    free(mem);
}

int main(void) {
    RUN(test_init_ephemeral);
    RUN(test_accept_multishot);
    RUN(test_echo_round_trip);
    RUN(test_busy_poll);
    RUN(test_batch_wait);
    RUN(test_recv_nowait);
    RUN(test_recv_multi_limit);
    RUN(test_recv_multi_buffers_return);
    RUN(test_recv_multi_fixed_files);
    RUN(test_big_send);
    RUN(test_client_close_eof);
    RUN(test_close_pending_recv);
    RUN(test_close_bad_handle);
    RUN(test_fixed_files_echo);
    RUN(test_fixed_files_full);
    RUN(test_send_after_reset);
    RUN(test_timeout_fires);
    RUN(test_sq_full_never_drops);
    RUN(test_listener_close);
    RUN(test_deinit_while_listener_closing);
    RUN(test_init_errors);
    RUN(test_accept_addresses);
    RUN(test_listen_many);
    TEST_SUMMARY("io_uring");
}

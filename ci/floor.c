/*
 * floor.c: the cheapest io_uring responder, for ci/bench_floor.py. Not part of kv.
 *
 * It answers every request frame with +OK: no parsing beyond spotting a frame's
 * leading '*', no keyspace, no limits. Whatever CPU it spends per request is the
 * kernel's TCP and io_uring work plus a minimum of user space: the floor under any
 * io_uring server on this machine, measured in the same run as kv and redis-server.
 *
 * Two ways to receive, the choice the issue asks about (ci/bench_floor.py runs both):
 *   --mode single     one recv per request, re-armed after the reply is sent, with
 *                     IORING_RECVSEND_POLL_FIRST (as kv does);
 *   --mode multishot  one multishot recv per connection, buffers picked by the kernel
 *                     from a provided-buffer ring and handed back after each reply.
 * Both use SINGLE_ISSUER | DEFER_TASKRUN, multishot accept and TCP_NODELAY, as kv.
 *
 * Usage: floor --port N --mode single|multishot   (prints "floor: ready")
 * Bounds: connections are indexed by fd, fds >= FLOOR_FDS are closed at once.
 */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define FLOOR_FDS 4096u        /* connection slots, indexed by fd */
#define FLOOR_BUF 4096u        /* input and output bytes per connection / ring buffer */
#define FLOOR_RING 4096u       /* provided buffers (a power of two) */
#define FLOOR_REPLY "+OK\r\n"
#define FLOOR_REPLY_LEN 5u

enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3 };

static struct io_uring ring;
static uint8_t (*in_bufs)[FLOOR_BUF];
static uint8_t (*out_bufs)[FLOOR_BUF];
static uint8_t *ring_bufs;
static struct io_uring_buf_ring *buf_ring;
static int multishot;
static int carry_star[FLOOR_FDS]; /* the previous chunk ended with '\n' */

static uint64_t tag(int op, int fd) { return ((uint64_t)op << 32) | (uint32_t)fd; }

static struct io_uring_sqe *sqe_get(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (s == NULL) {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
    }
    if (s == NULL) {
        fprintf(stderr, "floor: SQ full\n");
        exit(1);
    }
    return s;
}

static void arm_recv(int fd) {
    struct io_uring_sqe *s = sqe_get();
    if (multishot) {
        io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
        s->flags |= IOSQE_BUFFER_SELECT;
        s->buf_group = 0;
    } else {
        io_uring_prep_recv(s, fd, in_bufs[fd], FLOOR_BUF, 0);
        s->ioprio |= IORING_RECVSEND_POLL_FIRST;
    }
    io_uring_sqe_set_data64(s, tag(OP_RECV, fd));
}

/* One +OK per frame start ('*' at the start of a line) in p[0..n). */
static void reply(int fd, const uint8_t *p, uint32_t n) {
    uint32_t frames = 0;
    int line_start = carry_star[fd];
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == '*' && line_start) frames++;
        line_start = p[i] == '\n';
    }
    carry_star[fd] = line_start;
    if (frames > FLOOR_BUF / FLOOR_REPLY_LEN) frames = FLOOR_BUF / FLOOR_REPLY_LEN;
    if (frames == 0) {
        if (!multishot) arm_recv(fd); /* a partial frame: read on */
        return;
    }
    for (uint32_t i = 0; i < frames; i++) memcpy(out_bufs[fd] + i * FLOOR_REPLY_LEN, FLOOR_REPLY, FLOOR_REPLY_LEN);
    struct io_uring_sqe *s = sqe_get();
    io_uring_prep_send(s, fd, out_bufs[fd], frames * FLOOR_REPLY_LEN, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, tag(OP_SEND, fd));
}

static void give_back(uint32_t bid) {
    io_uring_buf_ring_add(buf_ring, ring_bufs + (size_t)bid * FLOOR_BUF, FLOOR_BUF, (unsigned short)bid,
                          io_uring_buf_ring_mask(FLOOR_RING), 0);
    io_uring_buf_ring_advance(buf_ring, 1);
}

static void on_recv(int fd, int res, uint32_t flags) {
    if (res <= 0) {
        if (res == -ENOBUFS) {
            arm_recv(fd); /* every buffer was in use: try again */
            return;
        }
        if (!multishot || !(flags & IORING_CQE_F_MORE)) close(fd);
        return;
    }
    if (!multishot) {
        reply(fd, in_bufs[fd], (uint32_t)res);
        return;
    }
    uint32_t bid = flags >> IORING_CQE_BUFFER_SHIFT;
    reply(fd, ring_bufs + (size_t)bid * FLOOR_BUF, (uint32_t)res);
    give_back(bid);
    if (!(flags & IORING_CQE_F_MORE)) arm_recv(fd);
}

static void on_cqe(const struct io_uring_cqe *c, int listen_fd) {
    int op = (int)(c->user_data >> 32), fd = (int)(uint32_t)c->user_data, one = 1;
    if (op == OP_ACCEPT) {
        if (!(c->flags & IORING_CQE_F_MORE)) {
            struct io_uring_sqe *s = sqe_get();
            io_uring_prep_multishot_accept(s, listen_fd, NULL, NULL, SOCK_CLOEXEC);
            io_uring_sqe_set_data64(s, tag(OP_ACCEPT, 0));
        }
        if (c->res < 0) return;
        if ((uint32_t)c->res >= FLOOR_FDS) {
            close(c->res);
            return;
        }
        setsockopt(c->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        carry_star[c->res] = 1;
        arm_recv(c->res);
    } else if (op == OP_SEND) {
        if (!multishot && c->res > 0) arm_recv(fd); /* P=1: the next request follows */
        if (!multishot && c->res <= 0) close(fd);
    } else {
        on_recv(fd, c->res, c->flags);
    }
}

static void setup_ring(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    p.cq_entries = 4 * 8192;
    int ret = io_uring_queue_init_params(8192, &ring, &p);
    if (ret != 0) {
        fprintf(stderr, "floor: io_uring: %s\n", strerror(-ret));
        exit(1);
    }
    size_t conn_bytes = (size_t)FLOOR_FDS * FLOOR_BUF;
    in_bufs = mmap(NULL, conn_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    out_bufs = mmap(NULL, conn_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (in_bufs == MAP_FAILED || out_bufs == MAP_FAILED) exit(1);
    if (!multishot) return;
    buf_ring = mmap(NULL, FLOOR_RING * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                    MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    ring_bufs = mmap(NULL, (size_t)FLOOR_RING * FLOOR_BUF, PROT_READ | PROT_WRITE,
                     MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (buf_ring == MAP_FAILED || ring_bufs == MAP_FAILED) exit(1);
    io_uring_buf_ring_init(buf_ring);
    struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)buf_ring,
                                   .ring_entries = FLOOR_RING, .bgid = 0};
    ret = io_uring_register_buf_ring(&ring, &reg, 0);
    if (ret != 0) {
        fprintf(stderr, "floor: provided buffer ring: %s\n", strerror(-ret));
        exit(1);
    }
    for (uint32_t i = 0; i < FLOOR_RING; i++) give_back(i);
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0) {
        perror("floor: listen");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv) {
    int port = 0;
    const char *mode = "single";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--mode") == 0) mode = argv[i + 1];
    }
    if (port <= 0 || (strcmp(mode, "single") != 0 && strcmp(mode, "multishot") != 0)) {
        fprintf(stderr, "usage: floor --port N --mode single|multishot\n");
        return 2;
    }
    multishot = strcmp(mode, "multishot") == 0;
    setup_ring();
    int listen_fd = listen_on(port);
    struct io_uring_sqe *s = sqe_get();
    io_uring_prep_multishot_accept(s, listen_fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(s, tag(OP_ACCEPT, 0));
    printf("floor: ready (%s recv) on port %d\n", mode, port);
    fflush(stdout);
    for (;;) {
        io_uring_submit_and_wait(&ring, 1);
        unsigned head, seen = 0;
        struct io_uring_cqe *c;
        io_uring_for_each_cqe(&ring, head, c) {
            seen++;
            on_cqe(c, listen_fd);
        }
        io_uring_cq_advance(&ring, seen);
    }
}

/* block_driver.c: the load of ci/bench_block.py: a BLPOP/LPUSH ping-pong of N
 * producer/consumer pairs over plain RESP, one epoll loop, no client library.
 *
 *   block_driver PORT PAIRS WARMUP_POPS TIMED_POPS
 *
 * Pair i owns key bb:<i>. Its consumer loops `BLPOP bb:<i> 0`; its producer sends
 * `LPUSH bb:<i> x` only after the consumer received the previous element and the
 * producer its `:1` (one element in flight per pair). Every reply is checked byte for
 * byte (`:1`, and `*2 bb:<i> x`); anything else exits 1. Protocol with the caller:
 * after the warm-up it prints "warm" and waits for a line on stdin, then runs the timed
 * pops and prints "done <pops> <ns>". Test code: it may allocate. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct side {
    int fd;
    char want[64];
    size_t want_len, have;
};

struct pair {
    struct side cons, prod;
    char blpop[64], lpush[64];
    size_t blpop_len, lpush_len;
    int got_pop, got_ack;
    long left;
};

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("send");
        }
        p += w;
        n -= (size_t)w;
    }
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads what `s` has; 1 when its whole expected reply is in (and is exact). */
static int take(struct side *s, int pair_idx) {
    char buf[256];
    ssize_t r = recv(s->fd, buf, sizeof buf, 0);
    if (r <= 0) {
        fprintf(stderr, "pair %d: connection closed or error (%zd)\n", pair_idx, r);
        exit(1);
    }
    if (s->have + (size_t)r > s->want_len ||
        memcmp(buf, s->want + s->have, (size_t)r) != 0) {
        fprintf(stderr, "pair %d: unexpected reply %.*s\n", pair_idx, (int)r, buf);
        exit(1);
    }
    s->have += (size_t)r;
    if (s->have < s->want_len) return 0;
    s->have = 0;
    return 1;
}

static long run(struct pair *p, int pairs, int ep, long pops) {
    long per = pops / pairs, done = 0;
    int active = 0;
    for (int i = 0; i < pairs; i++) {
        p[i].left = per;
        if (p[i].left > 0) {
            p[i].left--;
            send_all(p[i].prod.fd, p[i].lpush, p[i].lpush_len);
            active++;
        }
    }
    struct epoll_event ev[256];
    while (active > 0) {
        int n = epoll_wait(ep, ev, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < n; e++) {
            int i = (int)(ev[e].data.u64 >> 1), is_cons = (int)(ev[e].data.u64 & 1);
            struct pair *q = &p[i];
            if (!take(is_cons ? &q->cons : &q->prod, i)) continue;
            if (is_cons) {
                q->got_pop = 1;
                done++;
                send_all(q->cons.fd, q->blpop, q->blpop_len);
            } else {
                q->got_ack = 1;
            }
            if (!(q->got_pop && q->got_ack)) continue;
            q->got_pop = q->got_ack = 0;
            if (q->left > 0) {
                q->left--;
                send_all(q->prod.fd, q->lpush, q->lpush_len);
            } else {
                active--;
            }
        }
    }
    return done;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: block_driver PORT PAIRS WARMUP_POPS TIMED_POPS\n");
        return 2;
    }
    int port = atoi(argv[1]), pairs = atoi(argv[2]);
    long warm = atol(argv[3]), pops = atol(argv[4]);
    if (pairs < 1 || pairs > 10000) return 2;
    struct pair *p = calloc((size_t)pairs, sizeof *p);
    int ep = epoll_create1(0);
    if (!p || ep < 0) die("setup");
    for (int i = 0; i < pairs; i++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "bb:%d", i);
        p[i].blpop_len = (size_t)snprintf(p[i].blpop, sizeof p[i].blpop,
                                          "*3\r\n$5\r\nBLPOP\r\n$%d\r\n%s\r\n$1\r\n0\r\n", kl, key);
        p[i].lpush_len = (size_t)snprintf(p[i].lpush, sizeof p[i].lpush,
                                          "*3\r\n$5\r\nLPUSH\r\n$%d\r\n%s\r\n$1\r\nx\r\n", kl, key);
        p[i].cons.want_len = (size_t)snprintf(p[i].cons.want, sizeof p[i].cons.want,
                                              "*2\r\n$%d\r\n%s\r\n$1\r\nx\r\n", kl, key);
        p[i].prod.want_len = (size_t)snprintf(p[i].prod.want, sizeof p[i].prod.want, ":1\r\n");
        p[i].cons.fd = connect_to(port);
        p[i].prod.fd = connect_to(port);
        struct epoll_event c = {.events = EPOLLIN, .data.u64 = ((uint64_t)i << 1) | 1};
        struct epoll_event d = {.events = EPOLLIN, .data.u64 = (uint64_t)i << 1};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, p[i].cons.fd, &c) != 0 ||
            epoll_ctl(ep, EPOLL_CTL_ADD, p[i].prod.fd, &d) != 0)
            die("epoll_ctl");
        send_all(p[i].cons.fd, p[i].blpop, p[i].blpop_len);
    }
    run(p, pairs, ep, warm);
    printf("warm\n");
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin)) return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long done = run(p, pairs, ep, pops);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("done %ld %lld\n", done, ns);
    fflush(stdout);
    return 0;
}

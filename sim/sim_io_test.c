/*
 * sim_io_test.c: the simulated network and kv_io backend against its contract
 * (include/kv/io.h): completions only from run(), exact bytes through the pipes,
 * delivery delays, partial transfers, EOF after a half-close, resets, close with
 * cancellations, timeouts on simulated time, accept with and without
 * KV_IO_F_MORE, accept errors, clogged pipes, -ENOBUFS and corruption.
 */
#include <errno.h>
#include <string.h>

#include "sim_io.h"
#include "testing.h"

struct done {
    uint64_t tag;
    int32_t res;
    uint32_t flags;
};

struct rec {
    struct done d[64];
    uint32_t n;
    uint32_t accepted_hook;
    const struct kv_io *io;
    uint8_t data[256];       /* multishot bytes (kv_io.data), in delivery order */
    uint32_t data_len;
};

static void on_complete(void *ctx, uint64_t tag, int32_t res, uint32_t flags) {
    struct rec *r = ctx;
    if (r->n < 64) r->d[r->n++] = (struct done){tag, res, flags};
    if (r->io->data != NULL && res > 0 && r->data_len + (uint32_t)res <= sizeof(r->data)) {
        memcpy(r->data + r->data_len, r->io->data, (size_t)res);
        r->data_len += (uint32_t)res;
    }
}

static void on_accept(void *ctx, uint32_t slot) {
    (void)slot;
    ((struct rec *)ctx)->accepted_hook++;
}

struct fixture {
    struct sim_clock clock;
    struct kv_clock kvclock;
    struct sim_net *net;
    struct kv_io *io;
    struct rec rec;
    uint64_t tick;
};

static void setup(struct fixture *f, uint32_t pipe_bytes) {
    memset(f, 0, sizeof(*f));
    sim_clock_init(&f->clock, &f->kvclock, 1700000000000ll);
    struct sim_net_config cfg = {4, pipe_bytes, 4, 4, 42};
    f->net = sim_net_create(&cfg, &f->clock);
    f->io = sim_net_io(f->net);
    f->io->complete = on_complete;
    f->io->complete_ctx = &f->rec;
    f->rec.io = f->io;
    sim_net_set_hooks(f->net, on_accept, NULL, &f->rec);
}

static void step(struct fixture *f) {
    f->tick++;
    sim_clock_advance(&f->clock, 1000000);
    sim_net_tick(f->net, f->tick);
    f->rec.n = 0;
    kv_io_run(f->io, 0, 0, 0);
}

/* Connects a client and accepts it; returns the server handle. */
static int32_t open_conn(struct fixture *f, uint32_t *slot) {
    int32_t s = sim_net_connect(f->net);
    *slot = (uint32_t)s;
    kv_io_accept(f->io, 7);
    step(f);
    if (s < 0 || f->rec.n != 1 || f->rec.d[0].tag != 7 || f->rec.d[0].res < 0) return -1;
    return f->rec.d[0].res;
}

TEST(clock_moves_only_when_told) {
    struct sim_clock c;
    struct kv_clock k;
    sim_clock_init(&c, &k, 5000);
    uint64_t m0 = kv_clock_monotonic_ns(&k);
    CHECK(kv_clock_realtime_ms(&k) == 5000);
    CHECK(kv_clock_monotonic_ns(&k) == m0);
    sim_clock_advance(&c, 3000000);
    CHECK(kv_clock_monotonic_ns(&k) == m0 + 3000000 && kv_clock_realtime_ms(&k) == 5003);
    sim_clock_jump(&c, 10000);
    CHECK(kv_clock_monotonic_ns(&k) == m0 + 3000000 && kv_clock_realtime_ms(&k) == 15003);
}

TEST(accept_recv_send_roundtrip) {
    struct fixture f;
    setup(&f, 64);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    CHECK(f.rec.d[0].flags == KV_IO_F_MORE && f.rec.accepted_hook == 1);
    uint8_t buf[32];
    kv_io_recv(f.io, h, buf, sizeof(buf), 11);
    CHECK(f.rec.n == 1); /* submitting never completes anything */
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"PING\r\n", 6) == 6);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].tag == 11 && f.rec.d[0].res == 6);
    CHECK_MEM(buf, 6, "PING\r\n", 6);
    kv_io_send(f.io, h, (const uint8_t *)"+PONG\r\n", 7, 12);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].tag == 12 && f.rec.d[0].res == 7);
    uint8_t got[16];
    CHECK(sim_net_read(f.net, slot, got, sizeof(got)) == 7);
    CHECK_MEM(got, 7, "+PONG\r\n", 7);
    CHECK(sim_net_read(f.net, slot, got, sizeof(got)) == 0);
    sim_net_destroy(f.net);
}

TEST(delay_holds_bytes_back_in_order) {
    struct fixture f;
    setup(&f, 64);
    struct sim_faults faults = {0};
    faults.delay_max_ticks = 5;
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    sim_net_set_faults(f.net, &faults);
    uint8_t buf[64], all[64];
    uint32_t have = 0;
    kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    for (uint32_t i = 0; i < 10; i++)
        CHECK(sim_net_write(f.net, slot, (const uint8_t *)"ab", 2) == 2);
    for (uint32_t t = 0; t < 40 && have < 20; t++) {
        step(&f);
        if (f.rec.n == 0) continue;
        CHECK(f.rec.d[0].res > 0);
        memcpy(all + have, buf, (size_t)f.rec.d[0].res);
        have += (uint32_t)f.rec.d[0].res;
        kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    }
    CHECK_MEM(all, have, "abababababababababab", 20);
    sim_net_destroy(f.net);
}

TEST(partial_recv_and_send_split_bytes) {
    struct fixture f;
    setup(&f, 64);
    struct sim_faults faults = {0};
    faults.partial_recv_pct = 100;
    faults.partial_send_pct = 100;
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    sim_net_set_faults(f.net, &faults);
    uint8_t buf[32];
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"0123456789", 10) == 10);
    kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res >= 1 && f.rec.d[0].res < 10);
    CHECK_MEM(buf, (uint32_t)f.rec.d[0].res, "0123456789", (uint32_t)f.rec.d[0].res);
    kv_io_send(f.io, h, (const uint8_t *)"abcdef", 6, 2);
    step(&f);
    CHECK(f.rec.n >= 1);
    bool short_send = false;
    for (uint32_t i = 0; i < f.rec.n; i++)
        if (f.rec.d[i].tag == 2) short_send = f.rec.d[i].res >= 1 && f.rec.d[i].res < 6;
    CHECK(short_send);
    sim_net_destroy(f.net);
}

/* sim_net_input_wait: delivered bytes the server does not read count up each tick;
 * a read ends the wait; a send ends only the silent one; a full reply pipe keeps the
 * silent one at 0 (the client holds the server back); a close freezes both. */
TEST(input_waits_count_unread_delivered_bytes) {
    struct fixture f;
    setup(&f, 16);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    CHECK(sim_net_input_wait(f.net, slot, false) == 0);
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"PING\r\n", 6) == 6);
    for (int i = 0; i < 5; i++) step(&f); /* no recv armed: the bytes wait */
    CHECK(sim_net_input_wait(f.net, slot, false) == 4);
    CHECK(sim_net_input_wait(f.net, slot, true) == 4);
    kv_io_send(f.io, h, (const uint8_t *)"+OK\r\n", 5, 12);
    step(&f);
    CHECK(sim_net_input_wait(f.net, slot, false) == 5);
    CHECK(sim_net_input_wait(f.net, slot, true) == 0); /* it sent */
    uint8_t got[16], buf[32];
    CHECK(sim_net_read(f.net, slot, got, sizeof(got)) == 5);
    kv_io_recv(f.io, h, buf, sizeof(buf), 11);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res == 6);
    step(&f);
    CHECK(sim_net_input_wait(f.net, slot, false) == 0); /* read */
    CHECK(sim_net_input_wait(f.net, slot, true) == 0);
    uint8_t big[16];
    memset(big, 'x', sizeof(big));
    kv_io_send(f.io, h, big, sizeof(big), 13); /* fills the reply pipe; never read */
    step(&f);
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"PING\r\n", 6) == 6);
    for (int i = 0; i < 3; i++) step(&f);
    CHECK(sim_net_input_wait(f.net, slot, false) == 2);
    CHECK(sim_net_input_wait(f.net, slot, true) == 0); /* the reply pipe is full */
    kv_io_close(f.io, h, 14);
    step(&f);
    uint64_t frozen = sim_net_input_wait(f.net, slot, false);
    step(&f);
    CHECK(frozen == 2 && sim_net_input_wait(f.net, slot, false) == frozen);
    sim_net_destroy(f.net);
}

TEST(bounded_pipe_backpressure) {
    struct fixture f;
    setup(&f, 16);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    uint8_t big[40];
    memset(big, 'x', sizeof(big));
    CHECK(sim_net_write(f.net, slot, big, sizeof(big)) == 16);
    CHECK(sim_net_write(f.net, slot, big, sizeof(big)) == 0);
    kv_io_send(f.io, h, big, sizeof(big), 3);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res == 16);
    kv_io_send(f.io, h, big, 8, 3);
    step(&f);
    CHECK(f.rec.n == 0); /* the client has not read: no room */
    uint8_t got[40];
    CHECK(sim_net_read(f.net, slot, got, sizeof(got)) == 16);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res == 8);
    sim_net_destroy(f.net);
}

TEST(half_close_gives_eof_after_the_data) {
    struct fixture f;
    setup(&f, 64);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    uint8_t buf[4];
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"abcdef", 6) == 6);
    sim_net_shutdown_write(f.net, slot);
    int32_t seen[3];
    for (uint32_t i = 0; i < 3; i++) {
        kv_io_recv(f.io, h, buf, sizeof(buf), 5);
        step(&f);
        CHECK(f.rec.n == 1);
        seen[i] = f.rec.d[0].res;
    }
    CHECK(seen[0] == 4 && seen[1] == 2 && seen[2] == 0);
    sim_net_destroy(f.net);
}

TEST(reset_fails_recv_and_send) {
    struct fixture f;
    setup(&f, 64);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    uint8_t buf[8];
    kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    kv_io_send(f.io, h, (const uint8_t *)"x", 1, 2);
    sim_net_reset(f.net, slot);
    step(&f);
    CHECK(f.rec.n == 2);
    for (uint32_t i = 0; i < 2; i++) {
        if (f.rec.d[i].tag == 1) CHECK(f.rec.d[i].res == -ECONNRESET);
        else CHECK(f.rec.d[i].tag == 2 && f.rec.d[i].res == -EPIPE);
    }
    sim_net_destroy(f.net);
}

TEST(close_cancels_pending_then_eof_for_the_client) {
    struct fixture f;
    setup(&f, 64);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    uint8_t buf[8];
    kv_io_send(f.io, h, (const uint8_t *)"bye\r\n", 5, 2);
    step(&f);
    kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    kv_io_close(f.io, h, 3);
    step(&f);
    CHECK(f.rec.n == 2);
    bool cancelled = false, closed = false;
    for (uint32_t i = 0; i < 2; i++) {
        cancelled |= f.rec.d[i].tag == 1 && f.rec.d[i].res == -ECANCELED;
        closed |= f.rec.d[i].tag == 3 && f.rec.d[i].res == 0;
    }
    CHECK(cancelled && closed && sim_net_server_closed(f.net, slot));
    CHECK(sim_net_read(f.net, slot, buf, sizeof(buf)) == 5);
    CHECK(sim_net_read(f.net, slot, buf, sizeof(buf)) == SIM_READ_EOF);
    CHECK(sim_net_open_handles(f.net) == 0);
    sim_net_close(f.net, slot);
    CHECK(sim_net_connect(f.net) == (int32_t)slot); /* the slot is free again */
    sim_net_destroy(f.net);
}

TEST(timeout_fires_on_simulated_time) {
    struct fixture f;
    setup(&f, 64);
    kv_io_timeout(f.io, 3, 99);
    step(&f);
    step(&f);
    CHECK(f.rec.n == 0);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].tag == 99 && f.rec.d[0].res == -ETIME);
    step(&f);
    CHECK(f.rec.n == 0);
    sim_net_destroy(f.net);
}

TEST(listener_close_cancels_the_armed_accept) {
    struct fixture f;
    setup(&f, 64);
    kv_io_accept(f.io, 7);
    kv_io_listener_close(f.io);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].tag == 7 && f.rec.d[0].res == -ECANCELED);
    CHECK(f.rec.d[0].flags == 0);
    CHECK(sim_net_connect(f.net) == -1);
    sim_net_destroy(f.net);
}

TEST(accept_errors_leave_the_connection_waiting) {
    struct fixture f;
    setup(&f, 64);
    struct sim_faults faults = {0};
    faults.accept_error_pct = 100;
    sim_net_set_faults(f.net, &faults);
    CHECK(sim_net_connect(f.net) >= 0);
    kv_io_accept(f.io, 7);
    bool disarmed = false;
    for (uint32_t i = 0; i < 20 && !disarmed; i++) {
        step(&f);
        CHECK(f.rec.n == 1);
        CHECK(f.rec.d[0].res == -EMFILE || f.rec.d[0].res == -ENFILE ||
              f.rec.d[0].res == -ECONNABORTED);
        disarmed = (f.rec.d[0].flags & KV_IO_F_MORE) == 0;
    }
    CHECK(disarmed);
    step(&f);
    CHECK(f.rec.n == 0); /* disarmed: nothing until the caller re-arms */
    memset(&faults, 0, sizeof(faults));
    sim_net_set_faults(f.net, &faults);
    kv_io_accept(f.io, 8);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].tag == 8 && f.rec.d[0].res >= 0);
    sim_net_destroy(f.net);
}

TEST(clog_enobufs_and_corruption) {
    struct fixture f;
    setup(&f, 64);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    struct sim_faults faults = {0};
    faults.enobufs_pct = 100;
    sim_net_set_faults(f.net, &faults);
    uint8_t buf[8];
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"abcd", 4) == 4);
    kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res == -ENOBUFS);
    CHECK(sim_net_corrupt(f.net, slot, 2));
    memset(&faults, 0, sizeof(faults));
    faults.clog_ppm = 1000000;
    faults.clog_ticks_max = 3;
    sim_net_set_faults(f.net, &faults);
    kv_io_recv(f.io, h, buf, sizeof(buf), 1);
    step(&f);
    CHECK(f.rec.n == 0 && sim_net_stats(f.net)->clogs > 0);
    memset(&faults, 0, sizeof(faults));
    sim_net_set_faults(f.net, &faults);
    sim_net_calm(f.net);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res == 4);
    CHECK(buf[0] == 'a' && buf[1] == 'b' && buf[2] != 'c' && buf[3] == 'd');
    CHECK(__builtin_popcount((unsigned)(buf[2] ^ 'c')) == 1);
    sim_net_destroy(f.net);
}

/*
 * Multishot recv: chunks of at most a buffer, KV_IO_F_MORE until the limit is
 * reached (exactly: the simulator takes all it may), -ENOBUFS when every buffer is
 * held by completions not yet delivered, -ECANCELED at close; bytes never lost.
 */
TEST(multishot_recv_limit_buffers_and_cancel) {
    struct fixture f;
    setup(&f, 64);
    uint32_t slot;
    int32_t h = open_conn(&f, &slot);
    CHECK(h >= 0);
    static uint8_t ring[KV_IO_RING_BYTES(2)], bufs[2 * 8];
    CHECK(f.io->vt->recv_multi_setup(f.io->impl, ring, bufs, 2, 8));
    kv_io_recv_multi(f.io, h, 20, 21);
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"ABCDEF", 6) == 6);
    step(&f);
    CHECK(f.rec.n == 1 && f.rec.d[0].res == 6 && f.rec.d[0].flags == KV_IO_F_MORE);
    const char *more = "ghijklmnopqrstuvwxyz0123456789"; /* 30 bytes: 14 fit the limit */
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)more, 30) == 30);
    step(&f);
    CHECK(f.rec.n == 2 && f.rec.d[0].res == 8 && f.rec.d[0].flags == KV_IO_F_MORE);
    CHECK(f.rec.d[1].res == 6 && f.rec.d[1].flags == 0); /* 20 in all: it ends */
    CHECK_MEM(f.rec.data, f.rec.data_len, "ABCDEFghijklmnopqrst", 20);
    kv_io_recv_multi(f.io, h, 100, 22);
    CHECK(sim_net_write(f.net, slot, (const uint8_t *)"ABCDEFGHIJ", 10) == 10); /* 26 wait */
    step(&f);
    CHECK(f.rec.n == 3 && f.rec.d[2].res == -ENOBUFS && f.rec.d[2].flags == 0);
    CHECK(f.rec.d[0].res == 8 && f.rec.d[1].res == 8 && f.rec.d[1].flags == KV_IO_F_MORE);
    CHECK_MEM(f.rec.data + 20, 16, "uvwxyz0123456789", 16);
    CHECK(f.rec.data_len == 36);
    kv_io_recv_multi(f.io, h, 100, 23); /* the buffers came back at delivery */
    step(&f);
    CHECK(f.rec.n == 2 && f.rec.d[0].res == 8 && f.rec.d[1].res == 2);
    CHECK(f.rec.d[0].flags == KV_IO_F_MORE && f.rec.d[1].flags == KV_IO_F_MORE);
    CHECK_MEM(f.rec.data + 36, 10, "ABCDEFGHIJ", 10);
    kv_io_close(f.io, h, 24);
    step(&f);
    CHECK(f.rec.n == 2);
    uint32_t cancel = f.rec.d[0].tag == 23 ? 0 : 1;
    CHECK(f.rec.d[cancel].tag == 23 && f.rec.d[cancel].res == -ECANCELED);
    CHECK(f.rec.d[cancel].flags == 0 && f.rec.d[1 - cancel].tag == 24);
    sim_net_destroy(f.net);
}

int main(void) {
    RUN(clock_moves_only_when_told);
    RUN(accept_recv_send_roundtrip);
    RUN(delay_holds_bytes_back_in_order);
    RUN(partial_recv_and_send_split_bytes);
    RUN(input_waits_count_unread_delivered_bytes);
    RUN(bounded_pipe_backpressure);
    RUN(half_close_gives_eof_after_the_data);
    RUN(reset_fails_recv_and_send);
    RUN(close_cancels_pending_then_eof_for_the_client);
    RUN(timeout_fires_on_simulated_time);
    RUN(listener_close_cancels_the_armed_accept);
    RUN(accept_errors_leave_the_connection_waiting);
    RUN(clog_enobufs_and_corruption);
    RUN(multishot_recv_limit_buffers_and_cancel);
    TEST_SUMMARY("sim_io");
}

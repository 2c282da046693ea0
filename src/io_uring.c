/*
 * io_uring.c: the real-kernel io backend (struct kv_io_vtable over liburing 2.3).
 * The only file in kv that includes liburing or touches sockets.
 *
 * Memory: everything lives in the caller's struct kv_io_uring: the ring (mapped by
 * the kernel during init), the listener fds (one per `bind` address, at most
 * KV_IO_URING_LISTENERS_MAX), the address buffers of the pending accepts, and
 * KV_IO_URING_TIMESPECS_MAX timespecs that queued timeouts point at until they are
 * submitted; the multishot recv
 * buffers and their ring are the caller's too (recv_multi_setup, from kv's arena).
 * Nothing is allocated after init; the liburing calls used after init (get_sqe,
 * submit, submit_and_get_events, submit_and_wait_timeout, for_each_cqe,
 * buf_ring_add) do not allocate either.
 *
 * Invariants:
 * - user_data is exactly the caller's tag. Internal operations use tags whose op
 *   byte is 0 (callers never use it); their CQEs are checked here, never delivered.
 *   Accepts are the exception: the caller's one multishot accept is up to
 *   KV_IO_URING_ACCEPTS_PER single-shot accepts per listener, each with an internal
 *   tag naming its slot and its own address buffer (the peer's address comes with
 *   the connection: a registered file has no descriptor for getpeername); their
 *   completions are delivered with the caller's accept tag, KV_IO_F_MORE while
 *   any slot is still pending.
 * - Queue functions only fill SQEs. When the SQ (or the timespec array) is full they
 *   submit the batch and retry; they never drop an op and never run a callback.
 * - A timespec slot is reused only once every queued SQE has been consumed by the
 *   kernel (io_uring_sq_ready() == 0): the kernel copies the timespec at submission.
 * - Multi-SQE operations (cancel + close) are reserved as a unit, so a hard link is
 *   never split across two submissions.
 * - run() processes at most cq_entries CQEs per call.
 * - A provided buffer goes back to the ring as soon as its completion has been
 *   delivered: the caller copies what it keeps (kv_io.data is valid only then).
 *
 * Never: allocate after init, call io->complete outside run(), store a pointer into
 * caller memory other than the recv/send buffers the kernel is using.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_uring_ring.h"

/* Internal tags: op byte 0, kind in the slot field. */
#define KV_IO_URING_TAG_CONN_CANCEL ((uint64_t)1 << 32)
#define KV_IO_URING_TAG_LISTEN_CANCEL ((uint64_t)2 << 32)
#define KV_IO_URING_TAG_LISTEN_CLOSE ((uint64_t)3 << 32)
#define KV_IO_URING_TAG_PROBE ((uint64_t)4 << 32)
/* Accept slot i's SQE: the slot field is 0x100 + i (i < 256). */
#define KV_IO_URING_TAG_ACCEPT(i) (((uint64_t)0x100u + (i)) << 32)
#define KV_IO_URING_TAG_IS_ACCEPT(tag) (((tag) >> 40) == 1u)
#define KV_IO_URING_ACCEPT_SLOTS (KV_IO_URING_LISTENERS_MAX * KV_IO_URING_ACCEPTS_PER)
_Static_assert(KV_IO_URING_ACCEPT_SLOTS <= 256, "accept slots fit the internal tag");
#define KV_IO_URING_BGID 0 /* the one provided-buffer group */
/* The multishot limit probe (uring_probe_limit): bytes sent, limit asked. */
#define KV_IO_URING_PROBE_SENT 16u
#define KV_IO_URING_PROBE_LIMIT 5u

#define KV_IO_URING_FEAT_MIN_TIMEOUT (1u << 15) /* IORING_FEAT_MIN_TIMEOUT, Linux 6.12 */
#define KV_IO_URING_SPIN_MAX (1u << 20) /* pauses per busy poll, whatever the clock says */
/* Forced submits tried before a still-full SQ is declared a broken invariant. */
#define KV_IO_URING_SUBMIT_TRIES 4u
/* deinit waits at most this long for a queued listener close to complete. */
#define KV_IO_URING_DRAIN_ROUNDS 100u
#define KV_IO_URING_DRAIN_WAIT_MS 10u

#define KV_IO_URING_FLAGS_DEFER (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)

static void uring_after_submit(struct kv_io_uring *u) {
    KV_ASSERT(u->timespecs_used <= KV_IO_URING_TIMESPECS_MAX);
    /* Every queued timeout has been read by the kernel: its timespec is free. */
    if (io_uring_sq_ready(&u->ring) == 0) u->timespecs_used = 0;
    KV_ASSERT(u->timespecs_used == 0 || io_uring_sq_ready(&u->ring) > 0);
}

static bool uring_has_room(const struct kv_io_uring *u, uint32_t sqes_count,
                                 bool timespec_needed) {
    if (io_uring_sq_space_left(&u->ring) < sqes_count) return false;
    return !timespec_needed || u->timespecs_used < KV_IO_URING_TIMESPECS_MAX;
}

/*
 * Makes room for sqes_count SQEs (and one timespec) without running a callback: if
 * the SQ is full, submit what is queued (no wait, no completions reaped) and retry.
 */
static void uring_reserve(struct kv_io_uring *u, uint32_t sqes_count,
                                bool timespec_needed) {
    KV_ASSERT(u->ring_ready);
    KV_ASSERT(sqes_count >= 1 && sqes_count <= u->sq_entries);
    for (uint32_t i = 0; i < KV_IO_URING_SUBMIT_TRIES; i++) {
        if (uring_has_room(u, sqes_count, timespec_needed)) return;
        u->counters.sq_full_submits++;
        u->counters.enter_calls++;
        int ret = io_uring_submit(&u->ring);
        KV_ASSERT((ret >= 0 || ret == -EAGAIN || ret == -EBUSY || ret == -EINTR) &&
                  "io_uring: submit of a full SQ failed");
        uring_after_submit(u);
    }
    KV_ASSERT(uring_has_room(u, sqes_count, timespec_needed) &&
              "io_uring: SQ still full after repeated submits");
}

/* Takes an SQE that uring_reserve() guaranteed; never submits. */
static struct io_uring_sqe *uring_sqe(struct kv_io_uring *u) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    KV_ASSERT(sqe != NULL && "io_uring: reserved SQE missing");
    KV_ASSERT(io_uring_sq_ready(&u->ring) >= 1);
    u->counters.submissions++;
    return sqe;
}

/* Queues slot i's single-shot accept on its listener. */
static void uring_accept_slot(struct kv_io_uring *u, uint32_t i) {
    KV_ASSERT(i < u->listeners_count * KV_IO_URING_ACCEPTS_PER && !u->accepts[i].pending);
    KV_ASSERT(u->listener == KV_IO_URING_LISTENER_OPEN);
    struct kv_io_uring_accept *a = &u->accepts[i];
    int fd = u->listen_fds[i / KV_IO_URING_ACCEPTS_PER];
    uring_reserve(u, 1, false);
    struct io_uring_sqe *sqe = uring_sqe(u);
    a->len = sizeof(a->addr);
    if (u->fixed_files) {
        io_uring_prep_accept_direct(sqe, fd, &a->addr.sa, &a->len, 0,
                                    IORING_FILE_INDEX_ALLOC - 1);
    } else {
        io_uring_prep_accept(sqe, fd, &a->addr.sa, &a->len, SOCK_CLOEXEC);
    }
    io_uring_sqe_set_data64(sqe, KV_IO_URING_TAG_ACCEPT(i));
    a->pending = true;
    u->accepts_pending++;
}

static void uring_accept(void *impl, uint64_t tag) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(kv_io_tag_op(tag) != 0);
    KV_ASSERT(u->listener == KV_IO_URING_LISTENER_OPEN && !u->accept_armed);
    for (uint32_t i = 0; i < u->listeners_count * KV_IO_URING_ACCEPTS_PER; i++)
        if (!u->accepts[i].pending) uring_accept_slot(u, i);
    u->accept_armed = true;
    u->accept_tag = tag;
}

/* Cancel everything on fd, hard-linked to its close: the close runs even when the
 * cancel finds nothing (or fails). */
static void uring_cancel_close(struct kv_io_uring *u, int32_t fd, bool fixed,
                                     uint64_t cancel_tag, uint64_t close_tag) {
    KV_ASSERT(fd >= 0);
    KV_ASSERT(kv_io_tag_op(cancel_tag) == 0);
    uring_reserve(u, 2, false);
    struct io_uring_sqe *cancel = uring_sqe(u);
    io_uring_prep_cancel_fd(cancel, fd,
                            IORING_ASYNC_CANCEL_ALL | (fixed ? IORING_ASYNC_CANCEL_FD_FIXED : 0));
    io_uring_sqe_set_data64(cancel, cancel_tag);
    cancel->flags |= IOSQE_IO_HARDLINK;
    struct io_uring_sqe *close_sqe = uring_sqe(u);
    if (fixed) {
        io_uring_prep_close_direct(close_sqe, (unsigned)fd);
    } else {
        io_uring_prep_close(close_sqe, fd);
    }
    io_uring_sqe_set_data64(close_sqe, close_tag);
}

static void uring_listener_close(void *impl) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(u->listener == KV_IO_URING_LISTENER_OPEN);
    KV_ASSERT(u->listeners_count >= 1 && u->listeners_closing == 0);
    for (uint32_t i = 0; i < u->listeners_count; i++) {
        KV_ASSERT(u->listen_fds[i] >= 0);
        uring_cancel_close(u, u->listen_fds[i], false, KV_IO_URING_TAG_LISTEN_CANCEL,
                           KV_IO_URING_TAG_LISTEN_CLOSE);
    }
    u->listeners_closing = u->listeners_count;
    u->listener = KV_IO_URING_LISTENER_CLOSING;
}

/*
 * A waiting recv polls first (a request usually has not arrived yet when kv
 * re-arms). A NOWAIT recv tries at once: MSG_DONTWAIT makes io_uring post -EAGAIN
 * instead of arming a poll.
 */
static void uring_recv(void *impl, int32_t handle, uint8_t *buf, uint32_t len,
                             uint64_t tag, uint32_t flags) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(handle >= 0 && buf != NULL && len > 0);
    KV_ASSERT(kv_io_tag_op(tag) != 0 && (flags & ~KV_IO_RECV_NOWAIT) == 0);
    uring_reserve(u, 1, false);
    struct io_uring_sqe *sqe = uring_sqe(u);
    if (flags & KV_IO_RECV_NOWAIT) {
        io_uring_prep_recv(sqe, handle, buf, len, MSG_DONTWAIT);
    } else {
        io_uring_prep_recv(sqe, handle, buf, len, 0);
        sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    }
    if (u->fixed_files) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_send(void *impl, int32_t handle, const uint8_t *buf, uint32_t len,
                             uint64_t tag) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(handle >= 0 && buf != NULL && len > 0);
    KV_ASSERT(kv_io_tag_op(tag) != 0);
    uring_reserve(u, 1, false);
    struct io_uring_sqe *sqe = uring_sqe(u);
    io_uring_prep_send(sqe, handle, buf, len, MSG_NOSIGNAL);
    if (u->fixed_files) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, tag);
}

/*
 * The log's drain (src/log.c): a plain descriptor, never a registered file. Offset
 * -1: the file's position (O_APPEND for a logfile), and what a pipe requires. A
 * regular file's write runs in the kernel's workers, a pipe's waits on a poll:
 * the loop never blocks on it.
 */
static void uring_write(void *impl, int32_t fd, const uint8_t *buf, uint32_t len,
                        uint64_t tag) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(fd >= 0 && buf != NULL && len > 0);
    KV_ASSERT(kv_io_tag_op(tag) == KV_IO_WRITE);
    uring_reserve(u, 1, false);
    struct io_uring_sqe *sqe = uring_sqe(u);
    io_uring_prep_write(sqe, fd, buf, len, (uint64_t)-1);
    io_uring_sqe_set_data64(sqe, tag);
}

/*
 * Multishot recv into the provided buffers: the kernel picks one per completion.
 * The kernel's limit (sqe->optlen, which liburing 2.3's headers call file_index:
 * the same 32 bits) ends the multishot once that many bytes have arrived, but
 * the read that crosses it is whole (up to a buffer: seen on Linux 6.18). So it
 * is asked to stop a buffer early: it then delivers at most limit bytes.
 */
static void uring_recv_multi_sqe(struct kv_io_uring *u, int32_t handle,
                                       uint32_t kernel_limit, uint64_t tag) {
    KV_ASSERT(handle >= 0 && kernel_limit > 0);
    uring_reserve(u, 1, false);
    struct io_uring_sqe *sqe = uring_sqe(u);
    io_uring_prep_recv(sqe, handle, NULL, 0, 0);
    sqe->ioprio |= IORING_RECV_MULTISHOT;
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = KV_IO_URING_BGID;
    sqe->file_index = kernel_limit;
    if (u->fixed_files) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_recv_multi(void *impl, int32_t handle, uint32_t limit, uint64_t tag) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(u->recv_multi && limit >= u->buf_size);
    KV_ASSERT(kv_io_tag_op(tag) != 0);
    uring_recv_multi_sqe(u, handle, limit - (u->buf_size - 1), tag);
}

static void uring_buf_give(struct kv_io_uring *u, uint32_t bid) {
    KV_ASSERT(bid < u->bufs_count);
    io_uring_buf_ring_add(u->buf_ring, u->bufs + (uint64_t)bid * u->buf_size, u->buf_size,
                          (unsigned short)bid, io_uring_buf_ring_mask(u->bufs_count), 0);
    io_uring_buf_ring_advance(u->buf_ring, 1);
}

static void uring_close(void *impl, int32_t handle, uint64_t tag) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(handle >= 0 && (u->fixed_files || handle != u->listen_fds[0]));
    KV_ASSERT(kv_io_tag_op(tag) != 0);
    uring_cancel_close(u, handle, u->fixed_files, KV_IO_URING_TAG_CONN_CANCEL, tag);
}

/* Milliseconds as the kernel's timespec (timeouts and waits). */
static struct __kernel_timespec ms_timespec(uint64_t ms) {
    struct __kernel_timespec ts = {
        .tv_sec = (long long)(ms / 1000u),
        .tv_nsec = (long long)(ms % 1000u) * 1000000LL,
    };
    KV_ASSERT(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000LL);
    return ts;
}

static void uring_timeout(void *impl, uint64_t timeout_ms, uint64_t tag) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(kv_io_tag_op(tag) != 0);
    uring_reserve(u, 1, true);
    KV_ASSERT(u->timespecs_used < KV_IO_URING_TIMESPECS_MAX);
    struct __kernel_timespec *ts = &u->timespecs[u->timespecs_used];
    u->timespecs_used++;
    *ts = ms_timespec(timeout_ms);
    struct io_uring_sqe *sqe = uring_sqe(u);
    io_uring_prep_timeout(sqe, ts, 0, 0);
    io_uring_sqe_set_data64(sqe, tag);
}

/* Checks an internal CQE. Its failures mean kv or the kernel broke an assumption. */
static void uring_internal(struct kv_io_uring *u, uint64_t tag, int32_t res) {
    KV_ASSERT(kv_io_tag_op(tag) == 0);
    u->counters.internal++;
    switch (tag) {
    case KV_IO_URING_TAG_CONN_CANCEL:
        /* Count of cancelled ops; -EBADF when the caller closes a bad handle (the
         * linked close then reports -EBADF to the caller). */
        KV_ASSERT((res >= 0 || res == -EBADF) && "io_uring: cancel before close failed");
        break;
    case KV_IO_URING_TAG_LISTEN_CANCEL:
        KV_ASSERT(res >= 0 && "io_uring: cancel of the listener's accept failed");
        break;
    case KV_IO_URING_TAG_PROBE:
        /* A probe's multishot that ignored its limit ends at EOF when its socket
         * pair closes (uring_probe_limit): nothing to do. */
        break;
    case KV_IO_URING_TAG_LISTEN_CLOSE:
        KV_ASSERT(res == 0 && "io_uring: close of the listener failed");
        KV_ASSERT(u->listener == KV_IO_URING_LISTENER_CLOSING && u->listeners_closing > 0);
        if (--u->listeners_closing > 0) break;
        u->listener = KV_IO_URING_LISTENER_CLOSED;
        for (uint32_t i = 0; i < u->listeners_count; i++) u->listen_fds[i] = -1;
        break;
    default:
        KV_ASSERT(tag != LIBURING_UDATA_TIMEOUT && "io_uring: liburing-internal timeout");
        KV_UNREACHABLE();
    }
}

/* A socket address as the io reports it. */
static void uring_addr_of(const struct sockaddr *sa, socklen_t len, struct kv_io_peer *out) {
    KV_ASSERT(sa != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        out->family = KV_IO_PEER_IPV4;
        memcpy(out->addr, &in->sin_addr, 4);
        out->port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        out->family = KV_IO_PEER_IPV6;
        memcpy(out->addr, &in6->sin6_addr, 16);
        out->port = ntohs(in6->sin6_port);
    } else {
        out->family = KV_IO_PEER_UNIX;
    }
    KV_ASSERT(out->family != KV_IO_PEER_IPV4 || len >= sizeof(struct sockaddr_in));
}

/* Whether a slot whose accept failed with res tries again at once: not when the
 * next try would fail alike (out of descriptors or memory: the caller re-arms on
 * its next tick) or the listener is going. */
static bool uring_accept_again(const struct kv_io_uring *u, int32_t res) {
    if (!u->accept_armed || u->listener != KV_IO_URING_LISTENER_OPEN) return false;
    return res >= 0 || res == -ECONNABORTED || res == -EINTR || res == -EAGAIN ||
           res == -EPROTO || res == -EPERM || res == -ETIMEDOUT;
}

/* A connection's addresses: the peer from its accept's buffer; the local one is
 * the listener's, or getsockname's when that is a wildcard (a plain descriptor
 * only). False for local: unknown. */
static bool uring_accepted_addrs(struct kv_io_uring *u, uint32_t i, int32_t fd) {
    const struct kv_io_uring_accept *a = &u->accepts[i];
    uint32_t l = i / KV_IO_URING_ACCEPTS_PER;
    KV_ASSERT(l < u->listeners_count && fd >= 0);
    uring_addr_of(&a->addr.sa, a->len, &u->accepted_peer);
    u->accepted_local = u->listen_addrs[l];
    if (!u->listen_any[l]) return true;
    if (u->fixed_files) return false;
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return false;
    uring_addr_of((const struct sockaddr *)&sa, len, &u->accepted_local);
    return true;
}

/* Slot i's accept completed: re-queue it, then deliver the connection (or error)
 * with the caller's tag, KV_IO_F_MORE while some slot is still pending. */
static uint32_t uring_accept_done(struct kv_io_uring *u, uint32_t i, int32_t res,
                                  bool deliver) {
    KV_ASSERT(i < KV_IO_URING_ACCEPT_SLOTS && u->accepts[i].pending);
    KV_ASSERT(u->accepts_pending > 0);
    u->accepts[i].pending = false;
    u->accepts_pending--;
    if (!deliver) {
        /* deinit: nobody will own a connection accepted now. */
        if (res >= 0 && !u->fixed_files) close(res); /* else: exit closes it */
        u->counters.dropped_at_deinit++;
        return 0;
    }
    bool local = false;
    if (res >= 0) {
        local = uring_accepted_addrs(u, i, res);
        int one = 1; /* a registered file inherited the listener's TCP_NODELAY */
        if (!u->fixed_files && setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
            u->counters.nodelay_failed++; /* harmless: the connection works, only slower */
    }
    if (uring_accept_again(u, res)) uring_accept_slot(u, i);
    if (u->accepts_pending == 0) u->accept_armed = false;
    u->io->peer = res >= 0 ? &u->accepted_peer : NULL;
    u->io->local = res >= 0 && local ? &u->accepted_local : NULL;
    u->io->complete(u->io->complete_ctx, u->accept_tag, res,
                    u->accept_armed ? KV_IO_F_MORE : 0u);
    u->io->peer = u->io->local = NULL;
    u->counters.completions++;
    return 1;
}

/* Handles one CQE; returns 1 when it was delivered to the caller. */
static uint32_t uring_dispatch(struct kv_io_uring *u, const struct io_uring_cqe *cqe,
                                     bool deliver) {
    uint64_t tag = cqe->user_data;
    int32_t res = cqe->res;
    if (KV_IO_URING_TAG_IS_ACCEPT(tag))
        return uring_accept_done(u, kv_io_tag_slot(tag) - 0x100u, res, deliver);
    if (kv_io_tag_op(tag) == 0) {
        uring_internal(u, tag, res);
        return 0;
    }
    if (!deliver) {
        u->counters.dropped_at_deinit++;
        return 0;
    }
    uint32_t flags = (cqe->flags & IORING_CQE_F_MORE) ? KV_IO_F_MORE : 0u;
    bool buffer = (cqe->flags & IORING_CQE_F_BUFFER) != 0;
    uint32_t bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    KV_ASSERT(!buffer || (u->recv_multi && bid < u->bufs_count));
    u->io->data = buffer ? u->bufs + (uint64_t)bid * u->buf_size : NULL;
    u->io->complete(u->io->complete_ctx, tag, res, flags);
    u->io->data = NULL;
    if (buffer) uring_buf_give(u, bid);
    u->counters.completions++;
    return 1;
}

/* Processes at most cq_entries ready CQEs. */
static uint32_t uring_reap(struct kv_io_uring *u, bool deliver) {
    KV_ASSERT(u->ring_ready);
    uint32_t seen = 0;
    uint32_t delivered = 0;
    unsigned head;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&u->ring, head, cqe) {
        if (seen == u->cq_entries) break;
        seen++;
        delivered += uring_dispatch(u, cqe, deliver);
    }
    io_uring_cq_advance(&u->ring, seen);
    KV_ASSERT(delivered <= seen && seen <= u->cq_entries);
    return delivered;
}

void kv_io_uring_set_busy_poll(struct kv_io_uring *u, const struct kv_clock *clock,
                               uint32_t usec) {
    KV_ASSERT(u->ring_ready && clock != NULL && usec <= 1000);
    u->clock = clock;
    u->busy_poll_ns = (u->setup_flags & IORING_SETUP_TASKRUN_FLAG) ? usec * 1000ull : 0;
}

/*
 * Submits, then watches for work (a completion, or task work the kernel flags with
 * IORING_SQ_TASKRUN) for up to busy_poll_ns. True: completions are in the CQ.
 * Bounded twice: by the clock, and by KV_IO_URING_SPIN_MAX pauses.
 */
static bool uring_busy_poll(struct kv_io_uring *u) {
    KV_ASSERT(u->busy_poll_ns > 0 && u->clock != NULL);
    int ret = io_uring_submit_and_get_events(&u->ring);
    uring_after_submit(u);
    KV_ASSERT(ret >= 0 || ret == -EINTR || ret == -EBUSY || ret == -EAGAIN);
    if (io_uring_cq_ready(&u->ring) > 0) return true;
    uint64_t end = kv_clock_monotonic_ns(u->clock) + u->busy_poll_ns;
    for (uint32_t i = 0; i < KV_IO_URING_SPIN_MAX; i++) {
        if (IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_TASKRUN) {
            (void)io_uring_get_events(&u->ring);
            if (io_uring_cq_ready(&u->ring) > 0) return true;
        }
        if ((i & 31) == 31 && kv_clock_monotonic_ns(u->clock) >= end) return false;
        __builtin_ia32_pause();
    }
    return false;
}

void kv_io_uring_set_batch_wait(struct kv_io_uring *u, uint32_t usec) {
    KV_ASSERT(u->ring_ready && usec <= 1000);
    u->batch_wait_us = (u->features & KV_IO_URING_FEAT_MIN_TIMEOUT) ? usec : 0;
}

/*
 * Batching wait (--batch-wait-us, the caller's `batch` hint): submit, then sleep
 * until `batch` completions are ready, or `windows` x batch_wait_us have passed
 * with at least one, or the timeout. The kernel's min-wait: the `pad` field of
 * io_uring_getevents_arg became min_wait_usec in Linux 6.12
 * (IORING_FEAT_MIN_TIMEOUT; liburing 2.3 predates it).
 */
static void uring_batch_wait(struct kv_io_uring *u, uint32_t wait_ms, uint32_t batch,
                                   uint32_t windows) {
    KV_ASSERT(u->batch_wait_us > 0 && u->batch_wait_us <= 1000 && wait_ms > 0);
    KV_ASSERT(batch >= 2 && batch <= KV_IO_BATCH_MAX);
    KV_ASSERT(windows >= 1 && windows <= KV_IO_WINDOWS_MAX);
    if (io_uring_sq_ready(&u->ring) > 0) {
        int ret = io_uring_submit(&u->ring);
        KV_ASSERT(ret >= 0 || ret == -EINTR || ret == -EBUSY || ret == -EAGAIN);
    }
    uring_after_submit(u);
    if (io_uring_cq_ready(&u->ring) > 0) return;
    struct __kernel_timespec ts = ms_timespec(wait_ms);
    struct io_uring_getevents_arg arg = {
        .sigmask = 0, .sigmask_sz = _NSIG / 8, .pad = u->batch_wait_us * windows,
        .ts = (uint64_t)(uintptr_t)&ts,
    };
    int ret = io_uring_enter2((unsigned)u->ring.ring_fd, 0, batch,
                              IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                              (sigset_t *)(void *)&arg, sizeof(arg));
    KV_ASSERT((ret >= 0 || ret == -ETIME || ret == -EINTR || ret == -EBUSY ||
               ret == -EAGAIN) && "io_uring: batching wait failed");
}

/* One batch: submit everything queued, then wait up to wait_ms for a completion
 * (or, batching, for `batch` of them: uring_batch_wait). */
static void uring_submit_wait(struct kv_io_uring *u, uint32_t wait_ms, uint32_t batch,
                                    uint32_t windows) {
    KV_ASSERT(u->ring_ready);
    int ret;
    u->counters.enter_calls++;
    if (wait_ms == 0) {
        /* Always enters with GETEVENTS: DEFER_TASKRUN work runs only then. */
        ret = io_uring_submit_and_get_events(&u->ring);
    } else if (u->busy_poll_ns > 0 && uring_busy_poll(u)) {
        return;
    } else if (u->batch_wait_us > 0 && batch >= 2) {
        uring_batch_wait(u, wait_ms, batch, windows);
        return;
    } else {
        struct io_uring_cqe *cqe = NULL;
        struct __kernel_timespec ts = ms_timespec(wait_ms);
        ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
    }
    uring_after_submit(u);
    /* -ETIME/-EINTR: nothing arrived. -EBUSY/-EAGAIN: the kernel is short of CQ or
     * memory for this batch; reap what is ready and submit the rest next run. */
    KV_ASSERT((ret >= 0 || ret == -ETIME || ret == -EINTR || ret == -EBUSY ||
               ret == -EAGAIN) && "io_uring: submit/wait failed");
}

static uint32_t uring_run(void *impl, uint32_t wait_ms, uint32_t batch,
                                uint32_t windows) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(u->ring_ready && u->io != NULL && batch <= KV_IO_BATCH_MAX);
    KV_ASSERT(windows <= KV_IO_WINDOWS_MAX);
    KV_ASSERT(u->io->complete != NULL && "io->complete must be set before run");
    uring_submit_wait(u, wait_ms, batch, KV_MAX(windows, 1u));
    return uring_reap(u, true);
}

/* Reads the probe's one CQE; returns its result, or -1 when none came or the
 * multishot stayed armed (the limit was ignored: it ends at EOF once the pair is
 * closed, uring_internal). Its buffer goes back to the ring. */
static int32_t uring_probe_reap(struct kv_io_uring *u) {
    struct io_uring_cqe *cqe = NULL;
    struct __kernel_timespec ts = ms_timespec(100);
    if (io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts) != 0 || cqe == NULL) return -1;
    KV_ASSERT(cqe->user_data == KV_IO_URING_TAG_PROBE);
    int32_t res = cqe->res;
    uint32_t flags = cqe->flags;
    io_uring_cqe_seen(&u->ring, cqe);
    if (flags & IORING_CQE_F_BUFFER) uring_buf_give(u, flags >> IORING_CQE_BUFFER_SHIFT);
    return (flags & IORING_CQE_F_MORE) ? -1 : res;
}

/*
 * Does this kernel end a multishot recv at its total limit (sqe->optlen, Linux
 * 6.16)? Older ones reject the field (-EINVAL) or might ignore it, and kv's input
 * buffers rely on the limit: tried on a socket pair with 16 bytes waiting and a
 * limit of 5. The one read takes all 16 (it is whole, uring_recv_multi)
 * and must end the multishot; without the limit it would stay armed.
 */
static bool uring_probe_limit(struct kv_io_uring *u) {
    KV_ASSERT(u->ring_ready && u->buf_ring != NULL && !u->accept_armed);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
    static const uint8_t bytes[KV_IO_URING_PROBE_SENT] = "0123456789abcdef";
    bool ok = write(sv[1], bytes, sizeof(bytes)) == (ssize_t)sizeof(bytes);
    /* As connections will: through the registered-file table when there is one
     * (its last index: accepts allocate from the first, and none has run yet). */
    int handle = sv[0];
    if (ok && u->fixed_files) {
        handle = (int)u->files_count - 1;
        ok = io_uring_register_files_update(&u->ring, (unsigned)handle, &sv[0], 1) == 1;
    }
    if (ok) {
        uring_recv_multi_sqe(u, handle, KV_IO_URING_PROBE_LIMIT, KV_IO_URING_TAG_PROBE);
        ok = io_uring_submit(&u->ring) == 1;
        uring_after_submit(u);
    }
    int32_t got = ok ? uring_probe_reap(u) : -1;
    if (handle != sv[0]) {
        int none = -1;
        (void)io_uring_register_files_update(&u->ring, (unsigned)handle, &none, 1);
    }
    close(sv[0]);
    close(sv[1]);
    KV_ASSERT(io_uring_sq_ready(&u->ring) == 0);
    return got == (int32_t)KV_IO_URING_PROBE_SENT;
}

static bool uring_recv_multi_setup(void *impl, uint8_t *ring, uint8_t *bufs,
                                         uint32_t count, uint32_t size) {
    struct kv_io_uring *u = impl;
    KV_ASSERT(u->ring_ready && !u->recv_multi && !u->accept_armed);
    KV_ASSERT(kv_io_recv_bufs_ok(count) && size > 0);
    KV_ASSERT(((uintptr_t)ring & (KV_IO_RING_ALIGN - 1)) == 0 && bufs != NULL);
    u->buf_ring = (struct io_uring_buf_ring *)(void *)ring;
    u->bufs = bufs;
    u->bufs_count = count;
    u->buf_size = size;
    io_uring_buf_ring_init(u->buf_ring);
    struct io_uring_buf_reg reg = {
        .ring_addr = (uint64_t)(uintptr_t)ring, .ring_entries = count, .bgid = KV_IO_URING_BGID,
    };
    if (io_uring_register_buf_ring(&u->ring, &reg, 0) != 0) return false;
    for (uint32_t i = 0; i < count; i++) uring_buf_give(u, i);
    u->recv_multi = uring_probe_limit(u);
    if (!u->recv_multi) (void)io_uring_unregister_buf_ring(&u->ring, KV_IO_URING_BGID);
    return u->recv_multi;
}

static const struct kv_io_vtable kv_io_uring_vtable = {
    .accept = uring_accept,
    .listener_close = uring_listener_close,
    .recv = uring_recv,
    .send = uring_send,
    .recv_multi = uring_recv_multi,
    .recv_multi_setup = uring_recv_multi_setup,
    .close = uring_close,
    .write = uring_write,
    .timeout = uring_timeout,
    .run = uring_run,
};

/* Fills ss from "a.b.c.d", an IPv6 literal, or "*" (any IPv4 address). */
static bool uring_addr_parse(const char *bind_addr, uint16_t port,
                                   struct sockaddr_storage *ss, socklen_t *len) {
    KV_ASSERT(bind_addr != NULL && ss != NULL);
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (strcmp(bind_addr, "*") == 0) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        in4->sin_addr.s_addr = htonl(INADDR_ANY);
        *len = sizeof(*in4);
        return true;
    }
    if (inet_pton(AF_INET, bind_addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        *len = sizeof(*in4);
        return true;
    }
    if (inet_pton(AF_INET6, bind_addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        *len = sizeof(*in6);
        return true;
    }
    return false;
}

/* The address fd is bound to; its port, 0 when getsockname fails. */
static uint16_t uring_bound(int fd, struct kv_io_peer *out) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    KV_ASSERT(fd >= 0 && out != NULL);
    memset(out, 0, sizeof(*out));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
    KV_ASSERT(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
    uring_addr_of((const struct sockaddr *)&ss, len, out);
    return out->port;
}

/* socket + SO_REUSEADDR + bind + listen on listener slot l; 0, or -errno with err
 * filled (-EINVAL: not an address). */
static int uring_listen(struct kv_io_uring *u, uint32_t l, const char *bind_addr,
                        uint32_t port, char *err, uint32_t err_cap) {
    struct sockaddr_storage ss;
    socklen_t ss_len = 0;
    KV_ASSERT(l < KV_IO_URING_LISTENERS_MAX);
    if (port > 65535u || !uring_addr_parse(bind_addr, (uint16_t)port, &ss, &ss_len)) {
        snprintf(err, err_cap, "invalid listen address %s:%u", bind_addr, port);
        return -EINVAL;
    }
    const char *step = "socket";
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        int one = 1;
        step = "setsockopt SO_REUSEADDR";
        /* TCP_NODELAY on the listener: accepted sockets inherit it (Linux). Best
         * effort here; a plain accept sets it again on each socket. */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        /* An IPv6 listener takes IPv6 only, so `bind * ::*` binds both (Redis). */
        if (ss.ss_family == AF_INET6)
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0) {
            step = "bind";
            if (bind(fd, (struct sockaddr *)&ss, ss_len) == 0) {
                step = "listen";
                if (listen(fd, KV_IO_URING_LISTEN_BACKLOG) == 0) {
                    step = "getsockname";
                    struct kv_io_peer *b = &u->listen_addrs[l];
                    if (uring_bound(fd, b) != 0) {
                        static const uint8_t zero[16];
                        u->listen_fds[l] = fd;
                        u->listen_any[l] = memcmp(b->addr, zero,
                                                  b->family == KV_IO_PEER_IPV4 ? 4 : 16) == 0;
                        return 0;
                    }
                }
            }
        }
    }
    int e = errno;
    snprintf(err, err_cap, "%s %s:%u: %s", step, bind_addr, port, strerror(e));
    if (fd >= 0) close(fd);
    return -e;
}

/* An optional address Redis skips: not on this machine, or its family unsupported. */
static bool uring_skippable(int e) {
    return e == EADDRNOTAVAIL || e == EAFNOSUPPORT || e == EPROTONOSUPPORT ||
           e == ESOCKTNOSUPPORT || e == EPFNOSUPPORT || e == ENOPROTOOPT;
}

/* One listener per word of spec (see kv_io_uring_init); 0 or -1 with err. */
static int uring_listen_all(struct kv_io_uring *u, const char *spec, uint32_t port,
                            char *err, uint32_t err_cap) {
    KV_ASSERT(u->listeners_count == 0 && err_cap > 0);
    char word[64], why[256], skipped[256] = "";
    const char *p = spec;
    for (uint32_t w = 0; w < KV_IO_URING_LISTENERS_MAX * 2 && *p != 0; w++) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (n == 0) break;
        bool optional = p[0] == '-';
        snprintf(word, sizeof(word), "%.*s", (int)(n - optional), p + optional);
        p += n;
        if (u->listeners_count == KV_IO_URING_LISTENERS_MAX) {
            snprintf(err, err_cap, "more than %u listen addresses", KV_IO_URING_LISTENERS_MAX);
            return -1;
        }
        uint32_t at = u->port != 0 ? u->port : port;
        int rc = uring_listen(u, u->listeners_count, word, at, why, sizeof(why));
        if (rc == 0) {
            if (u->port == 0) u->port = u->listen_addrs[u->listeners_count].port;
            u->listeners_count++;
        } else if (optional && uring_skippable(-rc)) {
            size_t used = strlen(skipped), add = strlen(why);
            if (used + 2 + add < sizeof(skipped)) { /* else: the first ones are told */
                if (used > 0) memcpy(skipped + used, "; ", 2);
                memcpy(skipped + used + (used > 0 ? 2 : 0), why, add + 1);
            }
        } else {
            snprintf(err, err_cap, "%s", why);
            return -1;
        }
    }
    if (u->listeners_count == 0) {
        snprintf(err, err_cap, "no address to listen on%s%s", skipped[0] ? ": " : "", skipped);
        return -1;
    }
    snprintf(err, err_cap, "%s", skipped);
    return 0;
}

/* Closes the listeners init opened (a failed init, or deinit). */
static void uring_close_listeners(struct kv_io_uring *u) {
    KV_ASSERT(u->listeners_count <= KV_IO_URING_LISTENERS_MAX);
    for (uint32_t i = 0; i < u->listeners_count; i++) {
        if (u->listen_fds[i] >= 0) close(u->listen_fds[i]);
        u->listen_fds[i] = -1;
    }
}

static uint32_t uring_sq_size(uint32_t conns_max) {
    KV_ASSERT(conns_max >= 1 && conns_max <= KV_IO_URING_CONNS_MAX);
    /* Per connection: one recv, one send, one close (two SQEs with its cancel, but
     * a closing connection has no new recv or send); plus accept and one timeout. */
    uint64_t want = (uint64_t)conns_max * 3u + 2u;
    uint32_t sq = 8;
    for (uint32_t i = 0; i < 32 && sq < want && sq < KV_IO_URING_SQ_ENTRIES_MAX; i++) sq *= 2;
    KV_ASSERT(sq >= 8 && sq <= KV_IO_URING_SQ_ENTRIES_MAX);
    return sq;
}

static const char *uring_hint(int e) {
    if (e == EPERM) return " (is kernel.io_uring_disabled set?)";
    if (e == ENOSYS) return " (kernel built without io_uring?)";
    if (e == ENOMEM) return " (RLIMIT_MEMLOCK too low?)";
    return "";
}

/* Tries the best setup flags first and falls back while the kernel says -EINVAL. */
static int uring_ring_init(struct kv_io_uring *u, uint32_t conns_max, char *err,
                                 uint32_t err_cap) {
    static const uint32_t attempts[] = {
        KV_IO_URING_FLAGS_DEFER | IORING_SETUP_CQSIZE | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE,
        0,
    };
    uint32_t sq = uring_sq_size(conns_max);
    int ret = -EINVAL;
    struct io_uring_params p;
    for (uint32_t i = 0; i < KV_ARRAY_LEN(attempts) && ret == -EINVAL; i++) {
        memset(&p, 0, sizeof(p));
        p.flags = attempts[i];
        if (p.flags & IORING_SETUP_CQSIZE) {
            p.cq_entries = KV_MIN(sq * 4u, KV_IO_URING_CQ_ENTRIES_MAX);
        }
        ret = io_uring_queue_init_params(sq, &u->ring, &p);
        if (ret == 0) u->setup_flags = attempts[i];
        if (ret == 0) u->features = p.features;
    }
    if (ret != 0) {
        snprintf(err, err_cap, "io_uring unavailable: %s%s", strerror(-ret),
                 uring_hint(-ret));
        return -1;
    }
    if (!(p.features & IORING_FEAT_EXT_ARG)) {
        io_uring_queue_exit(&u->ring);
        snprintf(err, err_cap, "io_uring unavailable: kernel lacks IORING_FEAT_EXT_ARG");
        return -1;
    }
    u->sq_entries = p.sq_entries;
    u->cq_entries = p.cq_entries;
    KV_ASSERT(u->sq_entries >= sq && u->cq_entries >= u->sq_entries);
    return 0;
}

int kv_io_uring_init(struct kv_io_uring *u, struct kv_io *io, const char *bind_addr,
                     uint32_t port, uint32_t conns_max, char *err, uint32_t err_cap) {
    KV_ASSERT(u != NULL && io != NULL && bind_addr != NULL);
    KV_ASSERT(err != NULL && err_cap > 0);
    KV_ASSERT(conns_max >= 1 && conns_max <= KV_IO_URING_CONNS_MAX);
    memset(u, 0, sizeof(*u));
    err[0] = '\0';
    for (uint32_t i = 0; i < KV_IO_URING_LISTENERS_MAX; i++) u->listen_fds[i] = -1;
    if (uring_listen_all(u, bind_addr, port, err, err_cap) != 0) {
        uring_close_listeners(u);
        return -1;
    }
    if (uring_ring_init(u, conns_max, err, err_cap) != 0) {
        uring_close_listeners(u);
        return -1;
    }
    u->ring_ready = true;
    u->listener = KV_IO_URING_LISTENER_OPEN;
    u->io = io;
    io->vt = &kv_io_uring_vtable;
    io->impl = u;
    KV_ASSERT(u->port != 0 && (port == 0 || u->port == port));
    return 0;
}

bool kv_io_uring_use_fixed_files(struct kv_io_uring *u, uint32_t count) {
    KV_ASSERT(u->ring_ready && !u->accept_armed && !u->fixed_files);
    KV_ASSERT(count >= 1 && count <= KV_IO_URING_CONNS_MAX);
    if (io_uring_register_files_sparse(&u->ring, count) != 0) return false;
    u->fixed_files = true;
    u->files_count = count;
    return true;
}

/* Lets a queued listener close finish so the port is released; caller CQEs that
 * arrive meanwhile are discarded (deinit delivers nothing). */
static void uring_drain_listener(struct kv_io_uring *u) {
    KV_ASSERT(u->listener == KV_IO_URING_LISTENER_CLOSING);
    for (uint32_t i = 0; i < KV_IO_URING_DRAIN_ROUNDS; i++) {
        if (u->listener != KV_IO_URING_LISTENER_CLOSING) break;
        uring_submit_wait(u, KV_IO_URING_DRAIN_WAIT_MS, 0, 1);
        (void)uring_reap(u, false);
    }
    KV_ASSERT(u->listener != KV_IO_URING_LISTENER_OPEN);
}

void kv_io_uring_deinit(struct kv_io_uring *u) {
    KV_ASSERT(u->ring_ready);
    KV_ASSERT(u->listener >= KV_IO_URING_LISTENER_OPEN &&
              u->listener <= KV_IO_URING_LISTENER_CLOSED);
    if (u->listener == KV_IO_URING_LISTENER_CLOSING) uring_drain_listener(u);
    io_uring_queue_exit(&u->ring);
    u->ring_ready = false;
    if (u->listener == KV_IO_URING_LISTENER_OPEN) {
        uring_close_listeners(u);
        u->listener = KV_IO_URING_LISTENER_CLOSED;
    }
    KV_ASSERT(!u->ring_ready);
}

uint32_t kv_io_uring_setup_flags(const struct kv_io_uring *u) {
    KV_ASSERT(u->ring_ready);
    return u->setup_flags;
}

_Static_assert(sizeof(struct kv_io_uring) <= KV_IO_URING_STORAGE, "raise KV_IO_URING_STORAGE");
_Static_assert(_Alignof(struct kv_io_uring) <= 64, "the storage is 64-byte aligned");

uint16_t kv_io_uring_port(const struct kv_io_uring *u) { return u->port; }
uint32_t kv_io_uring_listeners(const struct kv_io_uring *u) { return u->listeners_count; }

struct kv_io_peer kv_io_uring_listener(const struct kv_io_uring *u, uint32_t i) {
    KV_ASSERT(i < u->listeners_count);
    return u->listen_addrs[i];
}
bool kv_io_uring_fixed(const struct kv_io_uring *u) { return u->fixed_files; }
bool kv_io_uring_multishot(const struct kv_io_uring *u) { return u->recv_multi; }

const char *kv_io_uring_setup_name(const struct kv_io_uring *u) {
    KV_ASSERT(u->ring_ready);
    uint32_t mode = u->setup_flags & ~(uint32_t)(IORING_SETUP_CQSIZE | IORING_SETUP_TASKRUN_FLAG);
    if (mode == KV_IO_URING_FLAGS_DEFER) return "SINGLE_ISSUER|DEFER_TASKRUN";
    if (mode == IORING_SETUP_COOP_TASKRUN) return "COOP_TASKRUN";
    KV_ASSERT(u->setup_flags == 0);
    return "none";
}

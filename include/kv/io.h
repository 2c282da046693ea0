/*
 * io.h: the abstract IO interface the server core is written against.
 *
 * Two implementations exist: src/io_uring.c (the real kernel, via liburing) and
 * sim/sim_io.c (a seeded simulated network). The core never calls socket syscalls
 * itself; it only submits operations here and reacts to completions.
 *
 * Contract (both backends, tested by the simulator):
 * - Submitting never runs a callback. Completions are delivered only from
 *   kv_io_run(), through the single `complete` function given at init.
 * - Every operation carries a 64-bit caller tag (the caller's "completion record"
 *   identity: op kind, connection slot, slot generation). The backend hands the tag
 *   back unchanged and never stores a pointer into caller memory other than the
 *   buffers of in-flight recv/send, which the caller must keep alive until the
 *   completion for that tag arrives. The backend allocates nothing after init.
 * - Results are "bytes or -errno", as io_uring reports them: recv returns 0 on
 *   EOF; send may be short (the caller resubmits the rest); accept returns the new
 *   connection handle (>= 0). Negative values are -ECONNRESET, -EPIPE, -ENOBUFS,
 *   -ECANCELED, -EMFILE, -ENFILE, -ECONNABORTED, -ETIME (timeout fired), ...
 * - Accept is multishot: one submission yields many completions, each with
 *   KV_IO_F_MORE set while the accept stays armed. A completion without
 *   KV_IO_F_MORE means the caller must re-arm if it still wants connections.
 * - close cancels every pending operation on the handle; each of them still
 *   completes (usually -ECANCELED), possibly after the close completion; the
 *   caller counts its in-flight operations and reuses its buffers only when all
 *   have completed.
 * - At most one timeout is pending per tag; it completes with -ETIME when it fires.
 * - write (the log's drain) goes to a plain descriptor, not a connection; the
 *   caller keeps its buffer alive until the completion, like a send's.
 * - Multishot recv (optional, recv_multi_setup() says whether the backend has it):
 *   one submission, many completions, each with KV_IO_F_MORE while it stays armed.
 *   The backend reads into buffers the caller handed it at setup; a completion's
 *   bytes are at kv_io.data, valid only during that complete() call. It never
 *   delivers more than `limit` bytes in all: it ends (a completion without
 *   KV_IO_F_MORE) when they are reached, at EOF (0), on an error, when its buffers
 *   run out (-ENOBUFS) or when the backend chooses; the caller re-arms.
 * - An accept completion carries the new connection's addresses: kv_io.peer and
 *   kv_io.local point at them during that complete() call (the caller copies what
 *   it keeps); NULL when the backend cannot tell (io_uring's registered files on a
 *   wildcard listener have no descriptor to ask their local address).
 */
#ifndef KV_IO_H
#define KV_IO_H

#include "kv/common.h"

enum kv_io_op {
    KV_IO_ACCEPT = 1,
    KV_IO_RECV = 2,
    KV_IO_SEND = 3,
    KV_IO_CLOSE = 4,
    KV_IO_TIMEOUT = 5,
    KV_IO_WRITE = 6,
};

#define KV_IO_F_MORE 1u /* a multishot accept or recv stays armed */
#define KV_IO_BATCH_MAX 64u /* the largest `batch` hint run() takes */
#define KV_IO_WINDOWS_MAX 4u /* the most batching windows one run() waits */
#define KV_IO_RECV_NOWAIT 1u /* recv flag: do not wait for data (see recv) */

/* An accepted connection's peer address (protected mode, client lists). */
enum kv_io_family { KV_IO_PEER_UNIX = 0, KV_IO_PEER_IPV4 = 4, KV_IO_PEER_IPV6 = 6 };
struct kv_io_peer {
    enum kv_io_family family;
    uint8_t addr[16];            /* network byte order: 4 bytes (IPv4) or 16 (IPv6) */
    uint16_t port;
};

typedef void (*kv_io_complete_fn)(void *ctx, uint64_t tag, int32_t result, uint32_t flags);

struct kv_io_vtable {
    /* Arm multishot accept on the listener. */
    void (*accept)(void *impl, uint64_t tag);
    /* Stop accepting: the listener is closed; the pending accept completes. */
    void (*listener_close)(void *impl);
    /* flags: 0, or KV_IO_RECV_NOWAIT: complete at once instead of waiting for data,
     * with the bytes already there, 0 at EOF, or -EAGAIN when none are ready. */
    void (*recv)(void *impl, int32_t handle, uint8_t *buf, uint32_t len, uint64_t tag,
                 uint32_t flags);
    void (*send)(void *impl, int32_t handle, const uint8_t *buf, uint32_t len, uint64_t tag);
    /* Multishot recv of at most `limit` bytes in all (see the contract above). Only
     * after recv_multi_setup() returned true. */
    void (*recv_multi)(void *impl, int32_t handle, uint32_t limit, uint64_t tag);
    /* Hands the backend `count` (a power of two) buffers of `size` bytes at `bufs`
     * for multishot recv, and `ring` (page-aligned, KV_IO_RING_BYTES(count) bytes)
     * for their bookkeeping; once, before the first operation. False: the backend
     * (or the kernel) has no multishot recv that respects a limit; the memory is
     * then unused. */
    bool (*recv_multi_setup)(void *impl, uint8_t *ring, uint8_t *bufs, uint32_t count,
                             uint32_t size);
    /* Cancel everything pending on handle, then close it (see contract above). */
    void (*close)(void *impl, int32_t handle, uint64_t tag);
    /* Writes len bytes of buf to fd, a plain descriptor (the log: stdout or a file,
     * never a connection handle), at its current position. Bytes or -errno; may be
     * short. Never blocks the caller: the backend waits for the descriptor. */
    void (*write)(void *impl, int32_t fd, const uint8_t *buf, uint32_t len, uint64_t tag);
    /* One-shot relative timeout. */
    void (*timeout)(void *impl, uint64_t timeout_ms, uint64_t tag);
    /*
     * Submit everything queued since the last call (one batch), wait until at least
     * one completion is ready or wait_ms passes, then deliver every ready
     * completion. Returns the number delivered.
     * `batch` (<= KV_IO_BATCH_MAX) is a hint: about this many completions are
     * expected soon. A backend with a batching window (io_uring's min-wait) may
     * then sleep until `batch` are ready or `windows` (1..KV_IO_WINDOWS_MAX) of
     * its windows have passed with at least one, instead of waking at the first;
     * below 2, or without a window, it wakes at the first (`windows` is then
     * ignored; callers pass 0). Never past wait_ms. The simulator delivers what
     * is ready (its time moves only between ticks, as for wait_ms).
     */
    uint32_t (*run)(void *impl, uint32_t wait_ms, uint32_t batch, uint32_t windows);
};

/* Bookkeeping a backend may need for `count` multishot recv buffers: io_uring's
 * buffer ring, 16 bytes per buffer, page-aligned. */
#define KV_IO_RING_BYTES(count) ((uint64_t)(count) * 16u)
#define KV_IO_RING_ALIGN 4096u
/* The most multishot recv buffers: io_uring's largest buffer ring. */
#define KV_IO_RECV_BUFS_MAX 32768u

/* A count recv_multi_setup takes: a power of two, 1..KV_IO_RECV_BUFS_MAX. */
static inline bool kv_io_recv_bufs_ok(uint64_t count) {
    return count >= 1 && count <= KV_IO_RECV_BUFS_MAX && (count & (count - 1)) == 0;
}

struct kv_io {
    const struct kv_io_vtable *vt;
    void *impl;
    kv_io_complete_fn complete;
    void *complete_ctx;
    const uint8_t *data; /* a multishot recv completion's bytes, during complete() */
    const struct kv_io_peer *peer;  /* an accept completion's peer, during complete() */
    const struct kv_io_peer *local; /* and its local address (NULL: unknown) */
};

static inline void kv_io_accept(struct kv_io *io, uint64_t tag) { io->vt->accept(io->impl, tag); }
static inline void kv_io_listener_close(struct kv_io *io) { io->vt->listener_close(io->impl); }
static inline void kv_io_recv(struct kv_io *io, int32_t h, uint8_t *buf, uint32_t len,
                              uint64_t tag) {
    io->vt->recv(io->impl, h, buf, len, tag, 0);
}
/* A recv that takes what has arrived, or completes with -EAGAIN. */
static inline void kv_io_recv_nowait(struct kv_io *io, int32_t h, uint8_t *buf, uint32_t len,
                                     uint64_t tag) {
    io->vt->recv(io->impl, h, buf, len, tag, KV_IO_RECV_NOWAIT);
}
static inline void kv_io_recv_multi(struct kv_io *io, int32_t h, uint32_t limit, uint64_t tag) {
    io->vt->recv_multi(io->impl, h, limit, tag);
}
static inline void kv_io_send(struct kv_io *io, int32_t h, const uint8_t *buf, uint32_t len,
                              uint64_t tag) {
    io->vt->send(io->impl, h, buf, len, tag);
}
static inline void kv_io_close(struct kv_io *io, int32_t h, uint64_t tag) {
    io->vt->close(io->impl, h, tag);
}
static inline void kv_io_write(struct kv_io *io, int32_t fd, const uint8_t *buf, uint32_t len,
                               uint64_t tag) {
    io->vt->write(io->impl, fd, buf, len, tag);
}
static inline void kv_io_timeout(struct kv_io *io, uint64_t ms, uint64_t tag) {
    io->vt->timeout(io->impl, ms, tag);
}
static inline uint32_t kv_io_run(struct kv_io *io, uint32_t wait_ms, uint32_t batch,
                                 uint32_t windows) {
    return io->vt->run(io->impl, wait_ms, batch, windows);
}

/* Tags: op kind (8 bits) | slot (24 bits) | generation (32 bits). */
static inline uint64_t kv_io_tag(enum kv_io_op op, uint32_t slot, uint32_t gen) {
    return ((uint64_t)op << 56) | ((uint64_t)(slot & 0xffffffu) << 32) | gen;
}
static inline enum kv_io_op kv_io_tag_op(uint64_t tag) { return (enum kv_io_op)(tag >> 56); }
static inline uint32_t kv_io_tag_slot(uint64_t tag) { return (uint32_t)(tag >> 32) & 0xffffffu; }
static inline uint32_t kv_io_tag_gen(uint64_t tag) { return (uint32_t)tag; }

#endif

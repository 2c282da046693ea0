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
};

#define KV_IO_F_MORE 1u /* multishot accept stays armed */
#define KV_IO_BATCH_MAX 64u /* the largest `batch` hint run() takes */
#define KV_IO_WINDOWS_MAX 4u /* the most batching windows one run() waits */
#define KV_IO_RECV_NOWAIT 1u /* recv flag: do not wait for data (see recv) */

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
    /* Cancel everything pending on handle, then close it (see contract above). */
    void (*close)(void *impl, int32_t handle, uint64_t tag);
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

struct kv_io {
    const struct kv_io_vtable *vt;
    void *impl;
    kv_io_complete_fn complete;
    void *complete_ctx;
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
static inline void kv_io_send(struct kv_io *io, int32_t h, const uint8_t *buf, uint32_t len,
                              uint64_t tag) {
    io->vt->send(io->impl, h, buf, len, tag);
}
static inline void kv_io_close(struct kv_io *io, int32_t h, uint64_t tag) {
    io->vt->close(io->impl, h, tag);
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

/*
 * io_uring_ring.h: the layout of the io_uring backend's state (include/kv/io_uring.h
 * keeps it opaque). Private to src/io_uring.c and src/io_uring_test.c: the only
 * files that include <liburing.h>.
 */
#ifndef KV_IO_URING_RING_H
#define KV_IO_URING_RING_H

#include <liburing.h>
#include <netinet/in.h>

#include "kv/io_uring.h"

enum kv_io_uring_listener {
    KV_IO_URING_LISTENER_OPEN = 1,    /* listen_fds are ours and open */
    KV_IO_URING_LISTENER_CLOSING = 2, /* cancel + close queued, closes not all completed */
    KV_IO_URING_LISTENER_CLOSED = 3,  /* closed by the ring; listen_fds are -1 */
};

/* One pending single-shot accept and the buffer the kernel writes its peer's
 * address to (a multishot accept would reuse one buffer for every connection it
 * accepts before kv reaps them). Slot i accepts on listener i / ACCEPTS_PER. */
struct kv_io_uring_accept {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } addr;
    socklen_t len;
    bool pending;
};

struct kv_io_uring_counters {
    uint64_t submissions;      /* SQEs queued (caller operations and internal ones) */
    uint64_t enter_calls;      /* liburing submit/wait calls (run + forced submits) */
    uint64_t sq_full_submits;  /* submits forced by a full SQ or timespec array */
    uint64_t completions;      /* CQEs delivered to io->complete */
    uint64_t internal;         /* internal CQEs consumed, never delivered */
    uint64_t nodelay_failed;   /* accepted sockets where TCP_NODELAY could not be set */
    uint64_t dropped_at_deinit; /* caller CQEs discarded while deinit drained the ring */
};

struct kv_io_uring {
    struct io_uring ring;
    struct kv_io *io; /* the interface this backend fills; complete() is read at run */
    /* The listeners, one per address bound (`bind`), all on one port. */
    int listen_fds[KV_IO_URING_LISTENERS_MAX];
    struct kv_io_peer listen_addrs[KV_IO_URING_LISTENERS_MAX]; /* as bound (getsockname) */
    bool listen_any[KV_IO_URING_LISTENERS_MAX]; /* 0.0.0.0 or ::: local address unknown */
    uint32_t listeners_count;
    uint32_t listeners_closing; /* closes queued and not completed */
    uint16_t port;    /* the real listening port (resolved when 0 was asked) */
    enum kv_io_uring_listener listener;
    bool ring_ready;
    bool accept_armed;  /* the caller's accept is armed: some slot is pending */
    uint32_t accepts_pending; /* slots with an accept in flight */
    struct kv_io_uring_accept accepts[KV_IO_URING_LISTENERS_MAX * KV_IO_URING_ACCEPTS_PER];
    /* What io->peer and io->local point at while an accept completion is delivered. */
    struct kv_io_peer accepted_peer;
    struct kv_io_peer accepted_local;
    bool fixed_files;   /* connection handles are registered-file indexes */
    uint32_t files_count; /* size of the registered-file table (fixed_files) */
    uint64_t accept_tag;
    uint32_t setup_flags; /* IORING_SETUP_* the kernel accepted */
    uint32_t features;    /* IORING_FEAT_* the kernel reported */
    uint32_t batch_wait_us; /* kv_io_uring_set_batch_wait (0: off or unsupported) */
    const struct kv_clock *clock; /* for busy polling only */
    uint64_t busy_poll_ns;
    uint32_t sq_entries;
    uint32_t cq_entries;  /* also the bound on CQEs processed per run */
    uint32_t timespecs_used;
    struct __kernel_timespec timespecs[KV_IO_URING_TIMESPECS_MAX];
    /* Multishot recv (recv_multi_setup): the caller's buffers and their ring. */
    bool recv_multi;      /* set up, and the kernel honours the limit */
    struct io_uring_buf_ring *buf_ring;
    uint8_t *bufs;
    uint32_t bufs_count;
    uint32_t buf_size;
    struct kv_io_uring_counters counters;
};

#endif

/*
 * io_uring.h: the real-kernel backend of the io interface (include/kv/io.h), built
 * on liburing 2.3. Only src/io_uring.c implements it; only src/main.c (and the
 * backend's own test) uses it. The struct is public so the caller can place it
 * anywhere (static storage, the startup arena); its fields are read-only outside
 * src/io_uring.c except for logging.
 *
 * Memory: the struct owns the ring (mapped by the kernel at init), the listening
 * socket, and a small fixed array of timespecs for queued timeouts. Nothing is
 * allocated after kv_io_uring_init() returns.
 *
 * Invariants:
 * - user_data of every caller operation is exactly the caller's tag; internal
 *   operations (the cancel before a close, the listener shutdown) use tags whose op
 *   byte is 0 and are never delivered.
 * - A queued operation is never dropped: when the submission queue is full the
 *   queue functions submit the batch and retry.
 * - Completions are delivered only from run(), never from a queue function; one
 *   run() processes at most cq_entries completions.
 * - Single-threaded: every call after init comes from the thread that called init
 *   (the ring may be set up with IORING_SETUP_SINGLE_ISSUER).
 */
#ifndef KV_IO_URING_H
#define KV_IO_URING_H

#include <liburing.h>

#include "kv/common.h"
#include "kv/clock.h"
#include "kv/io.h"

/* Timeouts queued between two submissions; a full array forces a submit. */
#define KV_IO_URING_TIMESPECS_MAX 8u
/* Ring size bounds: the kernel's own limits (IORING_MAX_ENTRIES, _CQ_ENTRIES). */
#define KV_IO_URING_SQ_ENTRIES_MAX 32768u
#define KV_IO_URING_CQ_ENTRIES_MAX 65536u
/* Largest conns_max accepted: the tag's slot field is 24 bits. */
#define KV_IO_URING_CONNS_MAX (1u << 24)
#define KV_IO_URING_LISTEN_BACKLOG 511

enum kv_io_uring_listener {
    KV_IO_URING_LISTENER_OPEN = 1,    /* listen_fd is ours and open */
    KV_IO_URING_LISTENER_CLOSING = 2, /* cancel + close queued, close not completed */
    KV_IO_URING_LISTENER_CLOSED = 3,  /* closed by the ring; listen_fd is -1 */
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
    int listen_fd;
    uint16_t port;    /* the real listening port (resolved when 0 was asked) */
    enum kv_io_uring_listener listener;
    bool ring_ready;
    bool accept_armed;  /* a multishot accept is pending (last CQE had F_MORE) */
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

/*
 * Creates the listening TCP socket on bind_addr:port (IPv4 or IPv6 literal, "*" for
 * any IPv4 address; port 0 picks an ephemeral port, stored in u->port), sets up the
 * ring sized for conns_max connections and fills io->vt and io->impl. The caller
 * sets io->complete and io->complete_ctx before the first run. Returns 0, or -1 with
 * a one-line message in err (e.g. "bind 127.0.0.1:6379: Address already in use").
 */
int kv_io_uring_init(struct kv_io_uring *u, struct kv_io *io, const char *bind_addr,
                     uint32_t port, uint32_t conns_max, char *err, uint32_t err_cap);
/*
 * Busy polling: before sleeping for completions, watch the ring for up to `usec`
 * microseconds (0: never). Needs IORING_SETUP_TASKRUN_FLAG (else a no-op). A
 * sleeping server is woken by whoever delivers its next request, which on a
 * virtual machine costs that sender an inter-processor interrupt; polling trades
 * the server's CPU for the clients' (README, "Busy polling").
 */
void kv_io_uring_set_busy_poll(struct kv_io_uring *u, const struct kv_clock *clock,
                               uint32_t usec);
/*
 * Batching wait: when run() is given a `batch` hint of 2 or more, sleep until that
 * many completions are ready or `windows` x `usec` microseconds have passed with
 * at least one (0: always wake at the first). Fewer, larger turns while many
 * clients are busy: less CPU per request and fewer wakeups for them to pay
 * (README, "Batching wait"). Needs Linux 6.12 (IORING_FEAT_MIN_TIMEOUT);
 * elsewhere a no-op.
 */
void kv_io_uring_set_batch_wait(struct kv_io_uring *u, uint32_t usec);
/*
 * Registered files: connections are accepted straight into a table of `count`
 * registered files (multishot accept with IORING_FILE_INDEX_ALLOC), and their
 * handles are indexes into it (recv and send carry IOSQE_FIXED_FILE; close is a
 * direct close). io_uring then skips the file lookup and reference count of every
 * operation (fget/fput: 1.5% of kv's CPU at P=1 by perf, README). A full table
 * makes accept complete with -ENFILE, as a full descriptor table gives -EMFILE.
 * Handles are then not descriptors: the caller must not pass them to syscalls.
 * Call before the first accept. False (plain descriptors stay in use) when the
 * kernel refuses (before Linux 6.0, or count above RLIMIT_NOFILE).
 */
bool kv_io_uring_use_fixed_files(struct kv_io_uring *u, uint32_t count);
/* Tears the ring down and closes the listener if still open. Pending completions
 * are discarded, never delivered. Connection handles are the caller's to close. */
void kv_io_uring_deinit(struct kv_io_uring *u);

/* The IORING_SETUP_* flags in use (CQSIZE included), and a name for logging:
 * "SINGLE_ISSUER|DEFER_TASKRUN", "COOP_TASKRUN" or "none". */
uint32_t kv_io_uring_setup_flags(const struct kv_io_uring *u);
const char *kv_io_uring_setup_name(const struct kv_io_uring *u);

#endif

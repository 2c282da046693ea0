/*
 * io_uring.h: the real-kernel backend of the io interface (include/kv/io.h), built
 * on liburing 2.3. Only src/io_uring.c implements it; only src/main.c (and the
 * backend's own test) uses it. Including this header does not include liburing.
 *
 * Memory: the struct owns the ring (mapped by the kernel at init), the listening
 * sockets, an address buffer per pending accept, and a small fixed array of
 * timespecs for queued timeouts. Nothing is
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
/* Addresses listened on at most (Redis's CONFIG_BINDADDR_MAX, `bind`'s limit). */
#define KV_IO_URING_LISTENERS_MAX 16u
/* Single-shot accepts kept pending per listener: connections accepted per turn of
 * the loop before the next ones wait for a re-arm. */
#define KV_IO_URING_ACCEPTS_PER 4u

/*
 * The backend's state, opaque here: its layout, and <liburing.h> with it, stay in
 * src/io_uring_ring.h (io_uring.c and its test). The caller provides storage of
 * KV_IO_URING_STORAGE bytes (src/io_uring.c asserts the struct fits) and reads what
 * it logs through the accessors below.
 */
#define KV_IO_URING_STORAGE 8192u
struct kv_io_uring;
struct kv_io_uring_storage {
    _Alignas(64) uint8_t bytes[KV_IO_URING_STORAGE];
};
static inline struct kv_io_uring *kv_io_uring_at(struct kv_io_uring_storage *m) {
    return (struct kv_io_uring *)(void *)m->bytes;
}

/*
 * Creates a listening TCP socket on each address of bind_addr, all on port:
 * addresses separated by spaces (at most KV_IO_URING_LISTENERS_MAX), each an IPv4
 * or IPv6 literal or "*" (any IPv4 address); a leading '-' marks one optional: when
 * it cannot be bound because the address or its family is not available here
 * (EADDRNOTAVAIL, EAFNOSUPPORT), it is skipped, as Redis skips it. Port 0 picks an
 * ephemeral port for the first, the rest then use it (stored in u->port). Sets up
 * the ring sized for conns_max connections and fills io->vt and io->impl. The caller
 * sets io->complete and io->complete_ctx before the first run. Returns 0 (err then
 * holds what was skipped, "" if nothing), or -1 with a one-line message in err
 * (e.g. "bind 127.0.0.1:6379: Address already in use").
 */
int kv_io_uring_init(struct kv_io_uring *u, struct kv_io *io, const char *bind_addr,
                     uint32_t port, uint32_t conns_max, char *err, uint32_t err_cap);
/*
 * Busy polling: before sleeping for completions, watch the ring for up to `usec`
 * microseconds (0: never). Needs IORING_SETUP_TASKRUN_FLAG (else a no-op). A
 * sleeping server is woken by whoever delivers its next request, which on a
 * virtual machine costs that sender an inter-processor interrupt; polling trades
 * the server's CPU for the clients' (BENCHMARKS.md, "Busy polling").
 */
void kv_io_uring_set_busy_poll(struct kv_io_uring *u, const struct kv_clock *clock,
                               uint32_t usec);
/*
 * Batching wait: when run() is given a `batch` hint of 2 or more, sleep until that
 * many completions are ready or `windows` x `usec` microseconds have passed with
 * at least one (0: always wake at the first). Fewer, larger turns while many
 * clients are busy: less CPU per request and fewer wakeups for them to pay
 * (BENCHMARKS.md, "Batching wait"). Needs Linux 6.12 (IORING_FEAT_MIN_TIMEOUT);
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

/* For the ready line: the port listened on (resolved when 0 was asked), whether
 * handles are registered files, whether multishot recv is in use. */
uint16_t kv_io_uring_port(const struct kv_io_uring *u);
/* The listeners: how many, and listener i's bound address. */
uint32_t kv_io_uring_listeners(const struct kv_io_uring *u);
struct kv_io_peer kv_io_uring_listener(const struct kv_io_uring *u, uint32_t i);
bool kv_io_uring_fixed(const struct kv_io_uring *u);
bool kv_io_uring_multishot(const struct kv_io_uring *u);
/* The IORING_SETUP_* flags in use (CQSIZE included), and a name for logging:
 * "SINGLE_ISSUER|DEFER_TASKRUN", "COOP_TASKRUN" or "none". */
uint32_t kv_io_uring_setup_flags(const struct kv_io_uring *u);
const char *kv_io_uring_setup_name(const struct kv_io_uring *u);

#endif

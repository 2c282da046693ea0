/*
 * alloc_count.c: an LD_PRELOAD library that counts heap allocator calls, for the
 * end-to-end proof that kv allocates nothing after it says "ready".
 *
 * Build: cc -shared -fPIC -O2 -o alloc_count.so tests/alloc_count.c -ldl
 * Use:   LD_PRELOAD=./alloc_count.so ./build/kv --port 7390
 *
 * It interposes malloc, calloc, realloc, reallocarray, free, posix_memalign,
 * aligned_alloc, memalign, valloc and pvalloc (forwarding each to the next
 * definition, normally glibc's), and write(). Calls are counted per phase:
 *   before_ready  from process start until the ready line is written;
 *   after_ready   from the write of the ready line (a write to fd 1 or 2 containing
 *                 $ALLOC_COUNT_MARKER, default "kv: ready") until the end line;
 *   teardown      after a write to fd 1 or 2 containing $ALLOC_COUNT_END_MARKER
 *                 (default "shutdown complete").
 * The default marker is "kv: ready" rather than "ready" because the allocation table
 * printed before it has a "ready queue" row.
 *
 * Reports (one line each, to stderr, written with the raw write syscall):
 *   alloc_count: <when> after_ready malloc=N calloc=N ... | teardown ... |
 *     before_ready ... | armed=0|1 pid=N
 * <when> is "final" (from the destructor, at normal exit) or "signal" (on SIGUSR2,
 * on demand). The library never allocates: dlsym()'s own calloc during start-up is
 * served from a small static buffer, and counters are plain static integers.
 *
 * Memory owned: a 64 KiB static bootstrap buffer and the counter table. It must never
 * call the allocator it counts, nor stdio.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
    F_MALLOC, F_CALLOC, F_REALLOC, F_REALLOCARRAY, F_FREE, F_POSIX_MEMALIGN,
    F_ALIGNED_ALLOC, F_MEMALIGN, F_VALLOC, F_PVALLOC, F_COUNT
};
static const char *const fn_names[F_COUNT] = {
    "malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign",
    "aligned_alloc", "memalign", "valloc", "pvalloc",
};
enum { PH_BEFORE, PH_AFTER, PH_TEARDOWN, PH_COUNT };
static const char *const phase_names[PH_COUNT] = {"before_ready", "after_ready", "teardown"};

static unsigned long counts[PH_COUNT][F_COUNT];
static volatile int phase = PH_BEFORE;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

/* Bootstrap heap for allocations made while dlsym() runs. Each block is preceded by
 * its size (16 bytes, to keep 16-byte alignment). Never freed. */
static _Alignas(16) unsigned char boot_buf[64 * 1024];
static size_t boot_used;
static int resolving;

static int in_boot(const void *p) {
    return (const unsigned char *)p >= boot_buf &&
           (const unsigned char *)p < boot_buf + sizeof(boot_buf);
}

static void *boot_alloc(size_t n) {
    size_t need = (n + 15u) / 16u * 16u + 16u;
    if (n > sizeof(boot_buf) || boot_used + need > sizeof(boot_buf)) return NULL;
    unsigned char *p = boot_buf + boot_used;
    boot_used += need;
    memcpy(p, &n, sizeof(n));
    memset(p + 16, 0, n);
    return p + 16;
}

static size_t boot_size(const void *p) {
    size_t n;
    memcpy(&n, (const unsigned char *)p - 16, sizeof(n));
    return n;
}

static void count(int fn) { __atomic_fetch_add(&counts[phase][fn], 1ul, __ATOMIC_RELAXED); }

static void raw_write(int fd, const char *s, size_t n) {
    for (int i = 0; i < 64 && n > 0; i++) {
        long w = syscall(SYS_write, fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void resolve(void) {
    if (real_malloc != NULL || resolving) return;
    resolving = 1;
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_reallocarray = (void *(*)(void *, size_t, size_t))dlsym(RTLD_NEXT, "reallocarray");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    real_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
    real_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
    void *(*m)(size_t) = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
    if (m == NULL || real_calloc == NULL || real_realloc == NULL || real_free == NULL) {
        static const char msg[] = "alloc_count: cannot resolve the real allocator\n";
        raw_write(2, msg, sizeof(msg) - 1);
        _exit(127);
    }
    real_malloc = m; /* last: non-NULL means every pointer above is set */
}

/* ---- the counted allocator ---------------------------------------------------- */

void *malloc(size_t n) {
    if (real_malloc == NULL) {
        if (resolving) return boot_alloc(n);
        resolve();
    }
    count(F_MALLOC);
    return real_malloc(n);
}

void *calloc(size_t a, size_t b) {
    if (real_malloc == NULL) {
        if (resolving) return b != 0 && a > SIZE_MAX / b ? NULL : boot_alloc(a * b);
        resolve();
    }
    count(F_CALLOC);
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n) {
    if (real_malloc == NULL) {
        if (resolving) {
            void *q = boot_alloc(n);
            if (q != NULL && p != NULL) memcpy(q, p, boot_size(p) < n ? boot_size(p) : n);
            return q;
        }
        resolve();
    }
    count(F_REALLOC);
    if (p != NULL && in_boot(p)) {
        void *q = real_malloc(n);
        if (q != NULL) memcpy(q, p, boot_size(p) < n ? boot_size(p) : n);
        return q;
    }
    return real_realloc(p, n);
}

void *reallocarray(void *p, size_t a, size_t b) {
    if (real_malloc == NULL) resolve();
    count(F_REALLOCARRAY);
    if (b != 0 && a > SIZE_MAX / b) {
        errno = ENOMEM;
        return NULL;
    }
    if ((p != NULL && in_boot(p)) || real_reallocarray == NULL) return realloc(p, a * b);
    return real_reallocarray(p, a, b);
}

void free(void *p) {
    if (p != NULL && in_boot(p)) return;
    if (real_malloc == NULL) {
        if (resolving || p == NULL) return;
        resolve();
    }
    count(F_FREE);
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n) {
    if (real_malloc == NULL) resolve();
    count(F_POSIX_MEMALIGN);
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n) {
    if (real_malloc == NULL) resolve();
    count(F_ALIGNED_ALLOC);
    return real_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n) {
    if (real_malloc == NULL) resolve();
    count(F_MEMALIGN);
    return real_memalign(align, n);
}

void *valloc(size_t n) {
    if (real_malloc == NULL) resolve();
    count(F_VALLOC);
    return real_valloc(n);
}

void *pvalloc(size_t n) {
    if (real_malloc == NULL) resolve();
    count(F_PVALLOC);
    return real_pvalloc(n);
}

/* ---- phases: watched through write() ------------------------------------------ */

static const char *env_or(const char *name, const char *dflt) {
    const char *v = getenv(name); /* getenv does not allocate */
    return v != NULL && v[0] != '\0' ? v : dflt;
}

ssize_t write(int fd, const void *buf, size_t n) {
    if ((fd == 1 || fd == 2) && buf != NULL && n > 0) {
        const char *ready = env_or("ALLOC_COUNT_MARKER", "kv: ready");
        const char *end = env_or("ALLOC_COUNT_END_MARKER", "shutdown complete");
        if (phase == PH_BEFORE && memmem(buf, n, ready, strlen(ready)) != NULL)
            phase = PH_AFTER;
        if (phase == PH_AFTER && memmem(buf, n, end, strlen(end)) != NULL)
            phase = PH_TEARDOWN;
    }
    return syscall(SYS_write, fd, buf, n);
}

/* ---- reports ------------------------------------------------------------------ */

static size_t put_str(char *b, size_t at, size_t cap, const char *s) {
    for (; *s != '\0' && at + 1 < cap; s++) b[at++] = *s;
    return at;
}

static size_t put_ulong(char *b, size_t at, size_t cap, unsigned long v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < 24);
    while (n > 0 && at + 1 < cap) b[at++] = tmp[--n];
    return at;
}

static size_t put_phase(char *b, size_t at, size_t cap, int ph) {
    at = put_str(b, at, cap, phase_names[ph]);
    for (int f = 0; f < F_COUNT; f++) {
        at = put_str(b, at, cap, " ");
        at = put_str(b, at, cap, fn_names[f]);
        at = put_str(b, at, cap, "=");
        at = put_ulong(b, at, cap, __atomic_load_n(&counts[ph][f], __ATOMIC_RELAXED));
    }
    return at;
}

static void report(const char *when) {
    char b[1024];
    size_t at = put_str(b, 0, sizeof(b), "alloc_count: ");
    at = put_str(b, at, sizeof(b), when);
    at = put_str(b, at, sizeof(b), " ");
    at = put_phase(b, at, sizeof(b), PH_AFTER);
    at = put_str(b, at, sizeof(b), " | ");
    at = put_phase(b, at, sizeof(b), PH_TEARDOWN);
    at = put_str(b, at, sizeof(b), " | ");
    at = put_phase(b, at, sizeof(b), PH_BEFORE);
    at = put_str(b, at, sizeof(b), " | armed=");
    at = put_ulong(b, at, sizeof(b), phase != PH_BEFORE);
    at = put_str(b, at, sizeof(b), " pid=");
    at = put_ulong(b, at, sizeof(b), (unsigned long)syscall(SYS_getpid));
    at = put_str(b, at, sizeof(b), "\n");
    raw_write(2, b, at);
}

static void on_usr2(int sig) {
    (void)sig;
    int saved = errno;
    report("signal");
    errno = saved;
}

__attribute__((constructor)) static void alloc_count_init(void) {
    resolve();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
}

__attribute__((destructor)) static void alloc_count_fini(void) { report("final"); }

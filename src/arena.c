/*
 * arena.c: the startup mapping. kv_arena_map() is the only mmap in the server; it
 * runs before "ready". MAP_POPULATE pre-faults every page so that serving never
 * triggers a page-fault allocation in the kernel either. Huge pages are not
 * requested: transparent huge pages apply by themselves where the kernel allows.
 */
#include "kv/arena.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE (2ull << 20) /* the mapping is a whole number of these */

void kv_layout_init(struct kv_layout *l) {
    KV_ASSERT(l != NULL);
    memset(l, 0, sizeof(*l));
}

uint32_t kv_layout_add(struct kv_layout *l, const char *name, uint64_t count, uint64_t bytes) {
    KV_ASSERT(l->count < KV_LAYOUT_MAX);
    KV_ASSERT(name != NULL);
    struct kv_layout_entry *e = &l->entries[l->count];
    e->name = name;
    e->count = count;
    e->bytes = bytes;
    e->offset = KV_ALIGN_UP(l->total, 64);
    l->total = e->offset + bytes;
    return l->count++;
}

static void put(int fd, const char *s) {
    ssize_t w = write(fd, s, strlen(s));
    (void)w;
}

uint32_t kv_layout_rows(const struct kv_layout *l) { return l->count + 2; }

void kv_layout_row(const struct kv_layout *l, uint32_t row, char *buf, uint32_t cap) {
    KV_ASSERT(l != NULL && buf != NULL && cap >= 96);
    KV_ASSERT(row < kv_layout_rows(l));
    if (row == 0) {
        snprintf(buf, cap, "%-28s %12s %16s", "component", "count", "bytes");
    } else if (row <= l->count) {
        const struct kv_layout_entry *e = &l->entries[row - 1];
        snprintf(buf, cap, "%-28s %12llu %16llu", e->name, (unsigned long long)e->count,
                 (unsigned long long)e->bytes);
    } else {
        uint64_t total = KV_ALIGN_UP(l->total, HUGE_PAGE); /* exactly what is mapped */
        snprintf(buf, cap, "%-28s %12s %16llu (%.1f MiB)", "total mapped", "",
                 (unsigned long long)total, (double)total / 1048576.0);
    }
}

void kv_layout_print(const struct kv_layout *l, int fd) {
    KV_ASSERT(l != NULL);
    char line[160];
    for (uint32_t i = 0; i < kv_layout_rows(l); i++) {
        kv_layout_row(l, i, line, sizeof(line) - 1);
        strcat(line, "\n");
        put(fd, line);
    }
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * Faults every page in now, so that no later access allocates. Returns 0 or
 * -errno: a machine without the memory fails here, at startup, with a message,
 * rather than later. Kernels before 5.14 lack MADV_POPULATE_WRITE (EINVAL): touch.
 */
static int prefault(uint8_t *p, uint64_t size) {
    if (madvise(p, size, MADV_POPULATE_WRITE) == 0) return 0;
    if (errno != EINVAL) return -errno;
    for (uint64_t off = 0; off < size; off += 4096) p[off] = 0;
    return 0;
}

int kv_arena_map(struct kv_arena *a, const struct kv_layout *layout) {
    KV_ASSERT(a != NULL && layout != NULL);
    KV_ASSERT(layout->total > 0);
    memset(a, 0, sizeof(*a));
    uint64_t size = KV_ALIGN_UP(layout->total, HUGE_PAGE);
    /* Over-map by one huge page, then trim to a 2 MiB aligned window. */
    uint8_t *raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return -errno;
    uint8_t *p = (uint8_t *)KV_ALIGN_UP((uintptr_t)raw, HUGE_PAGE);
    uint64_t head = (uint64_t)(p - raw), tail = HUGE_PAGE - head;
    if (head > 0) munmap(raw, head);
    if (tail > 0) munmap(p + size, tail);
    (void)madvise(p, size, MADV_HUGEPAGE); /* advice: fine to be refused */
    int rc = prefault(p, size);
    if (rc != 0) {
        munmap(p, size);
        return rc;
    }
    a->base = p;
    a->size = size;
    a->layout = layout;
    KV_ASSERT(((uintptr_t)a->base & (HUGE_PAGE - 1)) == 0);
    return 0;
}

void *kv_arena_get(struct kv_arena *a, uint32_t index) {
    KV_ASSERT(!a->sealed);
    KV_ASSERT(index < a->layout->count);
    const struct kv_layout_entry *e = &a->layout->entries[index];
    KV_ASSERT(e->offset + e->bytes <= a->size);
    return a->base + e->offset;
}

void kv_arena_seal(struct kv_arena *a) {
    KV_ASSERT(a->base != NULL);
    a->sealed = true;
}

void kv_arena_unmap(struct kv_arena *a) {
    KV_ASSERT(a->base != NULL);
    munmap(a->base, a->size);
    memset(a, 0, sizeof(*a));
}

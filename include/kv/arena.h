/*
 * arena.h: the one mapping kv makes, at startup.
 *
 * A layout lists every component (name, element count, bytes); its total is mapped
 * once with MAP_POPULATE (pre-faulted, so no page fault ever allocates later) and
 * carved in layout order, each component 64-byte aligned. After kv_arena_seal()
 * (the "ready" line) any further carve is an assertion failure: allocation after
 * startup is a bug, not a condition to handle.
 */
#ifndef KV_ARENA_H
#define KV_ARENA_H

#include "kv/common.h"

#define KV_LAYOUT_MAX 48

struct kv_layout_entry {
    const char *name;
    uint64_t count;   /* elements, for the table */
    uint64_t bytes;   /* total bytes, before alignment */
    uint64_t offset;  /* from the arena base, 64-byte aligned */
};

struct kv_layout {
    struct kv_layout_entry entries[KV_LAYOUT_MAX];
    uint32_t count;
    uint64_t total;
};

void kv_layout_init(struct kv_layout *l);
/* Appends a component; returns its index. */
uint32_t kv_layout_add(struct kv_layout *l, const char *name, uint64_t count, uint64_t bytes);
/* The table's rows: a header, one per component, the total (no newline). */
uint32_t kv_layout_rows(const struct kv_layout *l);
void kv_layout_row(const struct kv_layout *l, uint32_t row, char *buf, uint32_t cap);
/* Prints "component count bytes" rows and the total to fd, without allocating. */
void kv_layout_print(const struct kv_layout *l, int fd);

struct kv_arena {
    uint8_t *base;
    uint64_t size;
    bool sealed;
    const struct kv_layout *layout;
};

/* Maps layout->total bytes. Returns 0, or -errno (the caller reports it). */
int kv_arena_map(struct kv_arena *a, const struct kv_layout *layout);
/* Memory for layout entry `index` (asserts not sealed). */
void *kv_arena_get(struct kv_arena *a, uint32_t index);
void kv_arena_seal(struct kv_arena *a);
void kv_arena_unmap(struct kv_arena *a);

#endif

/*
 * server.h: connections, pipelining, backpressure: the one place where a
 * request's whole path meets (io -> parser -> engine -> reply -> io).
 *
 * Lifecycle (main.c and the simulator both do exactly this):
 *   kv_server_layout(cfg, &layout);          sizes of every component
 *   kv_arena_map(&arena, &layout);           the one mapping
 *   kv_server_init(&s, cfg, &arena, io, clock, seed);
 *   kv_arena_seal(&arena); print "ready"
 *   kv_server_start(&s);                     arm accept and the tick timer
 *   while (kv_server_run_once(&s, wait_ms)) { if (signal) kv_server_shutdown(&s); }
 *
 * The server never calls the kernel directly: only io, clock and prng.
 */
#ifndef KV_SERVER_H
#define KV_SERVER_H

#include "kv/arena.h"
#include "kv/clock.h"
#include "kv/cmd.h"
#include "kv/common.h"
#include "kv/config.h"
#include "kv/io.h"

struct kv_server;

void kv_server_layout(const struct kv_config *cfg, struct kv_layout *layout);
void kv_server_init(struct kv_server *s, const struct kv_config *cfg, struct kv_arena *arena,
                    struct kv_io *io, const struct kv_clock *clock, uint64_t seed);
void kv_server_start(struct kv_server *s);
/* One loop turn: submit, wait up to wait_ms, handle completions. False once the
 * server has shut down completely (after kv_server_shutdown). */
bool kv_server_run_once(struct kv_server *s, uint32_t wait_ms);
/* Graceful stop: no new connections, pending replies flushed, then false above. */
void kv_server_shutdown(struct kv_server *s);
/* Asserts every server invariant (pools, connection states, keyspace). */
void kv_server_check(const struct kv_server *s);
/* For the simulator's quiet-phase checks. */
struct kv_keyspace *kv_server_keyspace(struct kv_server *s);
struct kv_stats *kv_server_stats(struct kv_server *s);
struct kv_engine *kv_server_engine(struct kv_server *s);
uint32_t kv_server_connections(const struct kv_server *s);
bool kv_server_pools_full(const struct kv_server *s); /* every pooled buffer free */

#endif

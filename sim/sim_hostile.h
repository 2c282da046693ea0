/*
 * sim_hostile.h: the hostile-client population. In a share of seeds (one in four,
 * or always with --hostile) a few extra clients misbehave on purpose for the whole
 * run, each connection one "act" of a kind drawn from the seed's kinds (swarm):
 *  - inline:  inline requests at and one past the inline limit and the argv count,
 *             split at random points, the newline arriving late;
 *  - empty:   floods of empty frames ("\n", "\r\n", "*0\r\n") at and past the EXEC
 *             frame bound, nested MULTI and errors inside MULTI, then EXEC/DISCARD;
 *  - partial: the first part of a large request, then silence or a 1-byte trickle;
 *  - noread:  a big value SET, then a pipeline of GETs of it, never reading;
 *  - http:    "POST / HTTP/1.1", "Host: x" (Redis closes without a reply);
 *  - watch:   WATCH up to one past the watch limit, idle, then MULTI/EXEC;
 *  - unauth:  (requirepass) never AUTHs: floods commands, inline lines of many words
 *             and 16 KiB bulks (NOAUTH each), then one time in two a multibulk count
 *             over 10 or a bulk over 16 KiB: Redis's unauthenticated error, the close.
 * With requirepass every other act AUTHs first. The unauth kind is drawn from a
 * stream of its own and plays only in requirepass seeds (or --hostile=unauth).
 * Checks: every byte a hostile client receives is still a byte the core produced,
 * and every command it runs is re-executed by the model; its replies are checked
 * further only where they are well-defined (at a limit the request runs; one past
 * it the exact protocol error, then EOF; an HTTP request is closed without a
 * reply). A failed assertion in the core ends the run like any other failure. And
 * liveness: while hostile clients are present, every well-behaved client's oldest
 * outstanding request is answered within sim_liveness_bound_ticks().
 * Test code: heap allowed.
 */
#ifndef KV_SIM_HOSTILE_H
#define KV_SIM_HOSTILE_H

#include "kv/common.h"

struct sim_world;
struct sim_client;

enum sim_hostile_kind {
    SIM_HK_INLINE, SIM_HK_EMPTY, SIM_HK_PARTIAL, SIM_HK_NOREAD, SIM_HK_HTTP, SIM_HK_WATCH,
    SIM_HK_UNAUTH, /* after the six that seeds drew before it: their draws stay */
    SIM_HK_COUNT,
};

/* Draws the population from a stream of its own (other draws stay as they were):
 * returns how many hostile clients the seed has (0: none) and sets w's kinds
 * (unless already set: --hostile=KINDS; the draws are the same either way). */
uint32_t sim_hostile_draw(struct sim_world *w, bool forced);
/* "inline,partial" -> a mask of kinds (0: a name is unknown). */
uint32_t sim_hostile_kinds_parse(const char *list);
void sim_hostile_init(struct sim_world *w, struct sim_client *c);
void sim_hostile_free(struct sim_client *c);
/* One tick of a hostile client (instead of the well-behaved client's tick). */
void sim_hostile_tick(struct sim_world *w, struct sim_client *c);
/* After the clients' tick: fails the run when a well-behaved client waited longer
 * than the bound while hostile clients are present (quiet and drain phases). */
void sim_hostile_liveness(struct sim_world *w);
/* The bound, in ticks (1 ms each): see its comment in sim_hostile.c. */
uint64_t sim_liveness_bound_ticks(const struct sim_world *w);
/* " hostile=N kinds=a,b" for the first line (empty when the seed has none). */
void sim_hostile_describe(const struct sim_world *w, char *buf, uint32_t cap);

#endif

/*
 * sim_internal.h: declarations shared by the simulator's files that have no
 * better home: printing helpers and the --redis model check. Test code.
 */
#ifndef KV_SIM_INTERNAL_H
#define KV_SIM_INTERNAL_H

#include <stdio.h>

#include "kv/common.h"

/*
 * Debugging aid: SIM_DEBUG=<connection serial> (or "all") in the environment
 * prints every event of that connection to stderr (stdout and the trace are
 * unchanged).
 */
extern uint64_t sim_debug_serial;
extern uint64_t sim_debug_tick;
#define SIM_DEBUG(serial, ...)                                                         \
    do {                                                                               \
        if (KV_UNLIKELY(sim_debug_serial != 0 &&                                       \
                        ((serial) == sim_debug_serial || sim_debug_serial == UINT64_MAX))) { \
            fprintf(stderr, "[tick %llu conn %llu] ", (unsigned long long)sim_debug_tick, \
                    (unsigned long long)(serial));                                     \
            fprintf(stderr, __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                       \
        }                                                                              \
    } while (0)

/* Prints bytes with \r, \n and non-printables escaped. */
void sim_print_escaped(FILE *f, const uint8_t *p, uint32_t n);
/* `kv sim --redis PORT`: the reference model against a real redis-server. */
/* resp3: the connection sends HELLO 3 first (the model then answers in RESP3). */
int sim_redis_check(uint64_t seed, uint32_t port, uint64_t requests, bool resp3);

#endif

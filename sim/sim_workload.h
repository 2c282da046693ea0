/*
 * sim_workload.h: the simulated clients' command generator. A seed draws the mix
 * (swarm testing: each command family on or off, with its own weight), the key set
 * (hot and cold keys), value sizes (tiny, medium, near the limits) and byte content
 * (printable or binary). Test code: requests live in heap buffers (struct sim_req).
 */
#ifndef KV_SIM_WORKLOAD_H
#define KV_SIM_WORKLOAD_H

#include "kv/common.h"
#include "kv/prng.h"
#include "sim_buf.h"

#define SIM_ARGC_MAX 64

/* One request's arguments: argument i is data.p[off[i] .. off[i + 1]). */
struct sim_req {
    uint32_t argc;
    uint32_t off[SIM_ARGC_MAX + 1];
    struct sim_buf data;
};

void sim_req_reset(struct sim_req *r);
void sim_req_add(struct sim_req *r, const void *p, uint32_t n);
void sim_req_add_str(struct sim_req *r, const char *s);
void sim_req_add_int(struct sim_req *r, int64_t v);
struct kv_slice sim_req_arg(const struct sim_req *r, uint32_t i);
/* argv slices into out[0..argc) (valid until r changes). */
void sim_req_argv(const struct sim_req *r, struct kv_slice *out);
void sim_req_free(struct sim_req *r);

enum sim_family {
    SIM_FAM_STRING_READ, SIM_FAM_STRING_WRITE, SIM_FAM_COUNTER, SIM_FAM_KEYS, SIM_FAM_TTL,
    SIM_FAM_LIST_PUSH, SIM_FAM_LIST_POP, SIM_FAM_LIST_READ, SIM_FAM_LIST_EDIT, SIM_FAM_SERVER,
    SIM_FAM_SCAN, SIM_FAM_ERRORS, SIM_FAM_BIG, SIM_FAM_FLUSH,
    SIM_FAM_COUNT,
};

struct sim_workload {
    uint32_t weight[SIM_FAM_COUNT];
    uint32_t weight_total;
    uint32_t key_count;          /* keys k0 .. k<n-1> */
    uint32_t hot_keys;           /* the first hot_keys are hot */
    uint32_t hot_pct;            /* % of key picks that go to hot keys */
    uint32_t binary_pct;         /* % of values with arbitrary bytes */
    uint32_t value_max;          /* medium values: up to this many bytes */
    uint64_t big_max;            /* SIM_FAM_BIG: values up to this (near the limits) */
    uint32_t ttl_short_pct;      /* % of TTLs in milliseconds (expire during the run) */
    uint32_t newer_pct;          /* % of requests from gen_newer (COPY, INCRBYFLOAT, CLIENT,
                                  * CONFIG, COMMAND); 0: none drawn, streams as before */
    uint32_t list_elems_max;     /* elements per push */
    uint32_t fill_pct;           /* per mille of requests that fill (gen_fill), 50..700: in one
                                    seed of two with 64+ keys, from a stream of its own */
    uint32_t fill_value_max;     /* gen_fill's values: 1..this (the key set then holds about
                                    maxmemory) */
    bool no_block;               /* --no-block: no blocking pops (the stream as before) */
    uint32_t pubsub_pct;         /* % of requests from gen_pubsub ((P)(UN)SUBSCRIBE, PUBLISH,
                                  * PUBSUB); 0: none drawn, streams as before */
    bool real_server;            /* a real server: long TTLs only, SELECT 0 only */
    uint32_t hs_pct;             /* % of requests from sim_workload_hs.c (hashes and sets;
                                    0: none drawn, streams as before; sim_types.c) */
    uint32_t hs_value_edge;      /* hash-max-listpack-value: lengths at and around it */
    uint32_t z_pct;              /* % of requests from sim_workload_zset.c (sorted sets;
                                    0: none drawn, streams as before; sim_types.c) */
    uint32_t z_value_edge;       /* zset-max-listpack-value: lengths at and around it */
    uint32_t x_pct;              /* % of requests from sim_workload_stream.c (streams; 0:
                                    none drawn, streams as before; sim_types.c) */
    /* Commands the server under test implements (NULL: all). */
    bool (*has)(void *ctx, const char *name);
    void *has_ctx;
};

/* Draws a workload from prng p; big_max bounds SIM_FAM_BIG values. */
void sim_workload_draw(struct sim_workload *w, struct kv_prng *p, uint64_t big_max);
/* One request (never MULTI/EXEC: the client wraps transactions itself). */
void sim_workload_next(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                       struct sim_req *r);
/* A hash or set command (sim_workload_hs.c; w->hs_pct > 0). */
void sim_workload_hs(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r);
/* A sorted-set command (sim_workload_zset.c; w->z_pct > 0). */
void sim_workload_zset(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r);
/* A stream command (sim_workload_stream.c; w->x_pct > 0), IDs around now_ms. */
void sim_workload_stream(const struct sim_workload *w, struct kv_prng *p, int64_t now_ms,
                         struct sim_req *r);
/* Writes one key name (hot/cold per the knobs). */
void sim_workload_key(const struct sim_workload *w, struct kv_prng *p, struct sim_req *r);
/* Prints the drawn knobs as " key=value" pairs into buf. */
uint32_t sim_workload_describe(const struct sim_workload *w, char *buf, uint32_t cap);

#endif

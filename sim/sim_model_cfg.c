/*
 * sim_model_cfg.c: the reference model's run-time configuration: CONFIG SET's
 * accepted values become the model's own copy of the config (CONFIG GET then answers
 * from it), and the limits the model reasons with follow it: maxmemory (the data
 * region shrinks by as much as maxmemory is lowered: the index was sized at startup
 * and stays), and whether the policy may evict any key (sim_model_refuse.c's strict
 * -OOM rule). Evictions a lowered maxmemory causes come through sim_model_evict().
 * Like sim_model_srv.c, consults src/ only for CONFIG's names, values and parse.
 * Invariants: m->cfg is NULL until the first CONFIG SET that succeeds; then
 * m->lim.config points at it. Test code: heap allowed.
 */
#include <stdlib.h>
#include <string.h>

#include "kv/config.h"
#include "sim_model_int.h"

void m_config_apply(struct mctx *c, const struct kv_config *next) {
    struct sim_model *m = c->m;
    KV_ASSERT(next != NULL && next->maxmemory > 0);
    if (m->cfg == NULL) {
        m->cfg = malloc(sizeof(*m->cfg));
        KV_ASSERT(m->cfg != NULL);
    }
    uint64_t old = m->lim.maxmemory;
    *m->cfg = *next;
    m->lim.config = m->cfg;
    KV_ASSERT(next->maxmemory <= m->mapped);
    if (m->lim.data_bytes > 0) {
        /* maxmemory may move up again, to the mapped bytes at most */
        m->lim.data_bytes = m->lim.data_bytes + next->maxmemory - old;
    }
    m->lim.maxmemory = next->maxmemory;
    m->lim.evicts_any_key = next->maxmemory_policy == KV_EVICT_ALLKEYS_LRU ||
                            next->maxmemory_policy == KV_EVICT_ALLKEYS_RANDOM;
    KV_ASSERT(m->lim.config == m->cfg);
}

/*
 * process.h: the daemon's kv_engine_host (engine.h): the process facts INFO
 * reports (pid, rss, cpu, the executable and config file paths), read from the
 * operating system. Only src/main.c uses it; the simulator leaves the host unset.
 */
#ifndef KV_PROCESS_H
#define KV_PROCESS_H

#include "kv/engine.h"

/* Resolves the paths once (config_file may be NULL) and returns the host. */
const struct kv_engine_host *kv_process_host(const char *config_file);

#endif

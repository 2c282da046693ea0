/*
 * version.h: what `kv --version` and the startup banner report. KV_GIT_SHA and
 * KV_GIT_DIRTY come from the Makefile (git at build time; without git, zeros).
 * kv answers as the Redis version it is compatible with (INFO redis_version, the
 * v= field of --version: tools compare it with Redis versions) and reports its
 * own version beside it (INFO kv_version, kv= in --version).
 */
#ifndef KV_VERSION_H
#define KV_VERSION_H

#define KV_VERSION "0.1.0"
#define KV_REDIS_VERSION "7.0.15"
#ifndef KV_GIT_SHA
#define KV_GIT_SHA "00000000"
#endif
#ifndef KV_GIT_DIRTY
#define KV_GIT_DIRTY 0
#endif

#endif

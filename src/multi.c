/*
 * multi.c: EXEC's two phases over the open transaction's frames, once for every
 * driver. The frames stay with whoever keeps them (the server keeps their bytes in
 * the connection's input, the engine fuzzer a list of arguments) and come back
 * through a kv_kept iterator, in order, queued or not: the engine picks the queued
 * ones (kv_engine_would_queue), so a frame that errored at MULTI time, an empty line
 * or a nested MULTI among them changes nothing.
 *
 * Phase 1, the bound: the array header plus each queued command's reply bound taken
 * now. A command whose reply depends on stored data, after a queued write, may see
 * that data grown by the transaction itself, so such a transaction reserves
 * reply_max: its reply is then limited only by the client's reply limit.
 * Phase 2, the run: exec_begin, each queued command, exec_end (engine.c).
 * The driver makes the phase-1 room in the client's output between the two.
 */
#include "kv/cmd.h"

#define EXEC_HEADER_ROOM 32u /* "*<n>\r\n" with n < 2^32, and slack */

uint64_t kv_engine_exec_bound(struct kv_engine *e, struct kv_session *s,
                              const struct kv_kept *k) {
    KV_ASSERT(e != NULL && s != NULL && k != NULL && k->next != NULL);
    uint64_t bound = EXEC_HEADER_ROOM;
    bool wrote = false, grows = false;
    uint32_t argc = 0;
    const struct kv_slice *argv = NULL;
    void *it = k->ctx;
    for (uint64_t i = 0; i <= k->frames_max && k->next(it, &argc, &argv); i++) {
        if (!kv_engine_would_queue(e, argc, argv)) continue;
        bool sized = false;
        uint32_t flags = kv_engine_cmd_flags(e, argc, argv, &sized);
        grows |= wrote && sized;
        wrote |= (flags & KV_CMD_WRITE) != 0;
        bound += kv_engine_cmd_bound(e, s, argc, argv);
    }
    KV_ASSERT(bound >= EXEC_HEADER_ROOM);
    return grows ? e->reply_max : KV_MIN(bound, e->reply_max);
}

void kv_engine_exec_queued(struct kv_engine *e, struct kv_session *s, const struct kv_kept *k,
                           struct kv_reply *out) {
    KV_ASSERT(e != NULL && s != NULL && k != NULL && out != NULL);
    kv_engine_exec_begin(e, s, out);
    uint32_t argc = 0;
    const struct kv_slice *argv = NULL;
    for (uint64_t i = 0; i <= k->frames_max && k->next(k->ctx, &argc, &argv); i++) {
        if (kv_engine_would_queue(e, argc, argv)) kv_engine_exec_one(e, s, argc, argv, out);
    }
    kv_engine_exec_end(e, s);
    KV_ASSERT(out->len <= out->cap);
}

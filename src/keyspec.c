/*
 * keyspec.c: which arguments of a frame are keys, from its command's table row
 * (struct kv_cmd_keyspec in cmd.h): Redis's legacy first/last/step range, and for
 * movable keys (LMPOP) a key count argument read as Redis's getkeys procedure
 * reads it (C atoi: "2abc" is 2, " 2" is 2, junk is 0), and for a destination before
 * such keys (ZUNIONSTORE dst numkeys key...) Redis 7.0's two ways: its key specs when
 * the count is a canonical integer (dst first), else its getkeys fallback (atoi, the
 * counted keys first, dst last). The figures each row
 * carries are what redis-server 7.0's COMMAND INFO reports; keyspec_test.c holds
 * them, gathered once from Redis, and checks every command against them.
 *
 * Memory: none; the caller's array receives positions. Invariant: every position
 * written is below argc, and positions ascend but for the fallback's dst last.
 */
#include "kv/cmd.h"

bool kv_cmd_keyspec_valid(const struct kv_cmd_keyspec *k) {
    KV_ASSERT(k != NULL);
    if (k->keynum != 0 && k->first != 0)  /* KV_KEYS_DEST_KEYNUM */
        return k->keynum != KV_KEYNUM_STREAMS && k->keynum >= 2 && k->first == 1 &&
               k->last == 1 && k->step == 1;
    if (k->keynum != 0) return k->first == 0 && k->last == 0 && k->step == 0;
    if (k->first == 0) return k->last == 0 && k->step == 0;
    return k->first > 0 && k->step > 0 && (k->last < 0 || k->last >= k->first);
}

/*
 * glibc's atoi: (int)strtol(p, NULL, 10) on the argument as a C string (it ends at
 * a NUL byte): leading white space, a sign, digits; strtol saturates at the long
 * range and the cast keeps the low 32 bits.
 */
static int32_t atoi_like(struct kv_slice a) {
    uint32_t i = 0;
    while (i < a.len && (a.ptr[i] == ' ' || (a.ptr[i] >= '\t' && a.ptr[i] <= '\r'))) i++;
    bool neg = i < a.len && a.ptr[i] == '-';
    if (i < a.len && (a.ptr[i] == '-' || a.ptr[i] == '+')) i++;
    uint64_t v = 0;
    bool over = false;
    for (; i < a.len && a.ptr[i] >= '0' && a.ptr[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(a.ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10) over = true;
        if (!over) v = v * 10 + d;
    }
    int64_t l;
    if (neg) {
        l = over || v > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - v);
    } else {
        l = over || v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
    }
    KV_ASSERT(i <= a.len);
    return (int32_t)(uint32_t)(uint64_t)l;
}

/* Writes first, first + step, ... up to last (all below argc); returns the count. */
static uint32_t range_keys(uint32_t argc, int64_t first, int64_t last, int64_t step,
                           uint32_t *pos, uint32_t cap) {
    KV_ASSERT(first >= 1 && step >= 1);
    uint32_t n = 0;
    for (int64_t i = first; i <= last && i < (int64_t)argc; i += step) {
        if (n < cap) pos[n] = (uint32_t)i;
        n++;
    }
    KV_ASSERT(n <= argc);
    return n;
}

/* Movable keys: argv[keynum] keys follow it. Redis's sanity check: a count below
 * one, or more keys than arguments after it, names no key at all. */
static uint32_t counted_keys(const struct kv_cmd_keyspec *k, uint32_t argc,
                             const struct kv_slice *argv, uint32_t *pos, uint32_t cap) {
    KV_ASSERT(k->keynum > 0);
    if (k->keynum >= argc) return 0;
    int64_t num = atoi_like(argv[k->keynum]);
    int64_t first = (int64_t)k->keynum + 1;
    if (num < 1 || num > (int64_t)argc - first) return 0;
    return range_keys(argc, first, first + num - 1, 1, pos, cap);
}

/* KV_KEYS_DEST_KEYNUM: Redis's key specs when argv[keynum] is a canonical integer
 * (string2ll; the count cast to int, as getKeysUsingKeySpecs does): dst, then the keys;
 * otherwise its getkeys procedure (genericGetKeys: atoi, the keys, then dst). */
static uint32_t dest_counted_keys(const struct kv_cmd_keyspec *k, uint32_t argc,
                                  const struct kv_slice *argv, uint32_t *pos, uint32_t cap) {
    KV_ASSERT(k->keynum >= 2 && k->first == 1);
    if (k->keynum >= argc) return 0;
    int64_t first = (int64_t)k->keynum + 1, ll;
    struct kv_slice a = argv[k->keynum];
    if (kv_str2ll(a.ptr, a.len, &ll) && ll >= 0) {
        int64_t num = (int32_t)(uint32_t)(uint64_t)ll;
        if (num >= 1 && first + num - 1 < (int64_t)argc) {
            if (cap > 0) pos[0] = 1;
            uint32_t n = range_keys(argc, first, first + num - 1, 1, pos + (cap > 0),
                                    cap > 0 ? cap - 1 : 0);
            return n + 1;
        }
    }
    int64_t num = atoi_like(a);
    if (num < 1 || num > (int64_t)argc - first) return 0;
    uint32_t n = range_keys(argc, first, first + num - 1, 1, pos, cap);
    if (n < cap) pos[n] = 1;
    KV_ASSERT(n == (uint32_t)num);
    return n + 1;
}

/* XREAD's keys as Redis 7.0's key spec finds them: the first argument from argv[1]
 * that is STREAMS (a keyword search: "COUNT STREAMS k 0" finds the count's value),
 * then half of the arguments after it, rounded down. */
static uint32_t streams_keys(uint32_t argc, const struct kv_slice *argv, uint32_t *pos,
                             uint32_t cap) {
    uint32_t i = 1;
    while (i < argc && !kv_opt_eq_nocase(argv[i], "streams")) i++;
    if (i >= argc) return 0;
    uint32_t num = (argc - i - 1) / 2;
    if (num == 0) return 0;
    return range_keys(argc, (int64_t)i + 1, (int64_t)i + num, 1, pos, cap);
}

uint32_t kv_cmd_keys(const struct kv_cmd *cmd, uint32_t argc, const struct kv_slice *argv,
                     uint32_t *pos, uint32_t cap) {
    KV_ASSERT(cmd != NULL && argc >= 1 && argv != NULL);
    KV_ASSERT(pos != NULL || cap == 0);
    const struct kv_cmd_keyspec *k = &cmd->keys;
    if (k->keynum == KV_KEYNUM_STREAMS) return streams_keys(argc, argv, pos, cap);
    if (k->keynum != 0 && k->first != 0) return dest_counted_keys(k, argc, argv, pos, cap);
    if (k->keynum != 0) return counted_keys(k, argc, argv, pos, cap);
    if (k->first == 0) return 0;
    int64_t last = k->last >= 0 ? k->last : (int64_t)argc + k->last;
    return range_keys(argc, k->first, last, k->step, pos, cap);
}

/*
 * keyspace_test.c: unit tests for src/keyspace.c: set/find/delete, item shapes,
 * lazy and active expiry with a fake clock, eviction per policy, out-of-memory
 * atomicity, the refill invariant (fill, flush, refill gives the same count, also
 * after churn) and the 64 MiB capacity measurement. Test code: uses the heap and
 * stdio. Every phase ends with kv_ks_check().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv/keyspace.h"
#include "kv/list.h"
#include "testing.h"

/* Keys redis-server 7.0.15 holds with --maxmemory 64mb, 16-byte keys, 100-byte
 * values (measured: SET key:%012d until the first -OOM). */
#define REDIS_64MB_KEYS 311816u

struct ks_fixture {
    struct kv_keyspace ks;
    struct kv_config cfg;
    void *mem;
};

static void *fx_mem_live; /* freed at the next open: failed CHECKs return early */

static void fx_open(struct ks_fixture *f, uint64_t maxmemory, uint64_t maxkeys,
                    enum kv_evict_policy policy, uint32_t samples) {
    free(fx_mem_live);
    memset(f, 0, sizeof(*f));
    kv_config_defaults(&f->cfg);
    f->cfg.maxmemory = maxmemory;
    f->cfg.maxkeys = maxkeys;
    f->cfg.maxmemory_policy = policy;
    f->cfg.maxmemory_samples = samples;
    f->mem = aligned_alloc(64, KV_ALIGN_UP(maxmemory, 64));
    fx_mem_live = f->mem;
    kv_ks_init(&f->ks, &f->cfg, f->mem, 12345);
    kv_ks_set_time(&f->ks, 1000000);
}

static void fx_close(struct ks_fixture *f) {
    kv_ks_check(&f->ks);
    free(f->mem);
    fx_mem_live = NULL;
}

static struct kv_item *set_str(struct kv_keyspace *ks, const char *key, const char *val) {
    struct kv_item *it = kv_ks_set(ks, (const uint8_t *)key, (uint32_t)strlen(key),
                                   KV_TYPE_STRING, (uint32_t)strlen(val), false);
    if (it != NULL) memcpy(kv_item_value(it), val, strlen(val));
    return it;
}

static struct kv_item *find(struct kv_keyspace *ks, const char *key) {
    return kv_ks_find(ks, (const uint8_t *)key, (uint32_t)strlen(key));
}

static bool value_is(struct kv_item *it, const char *val) {
    return it != NULL && kv_item_value_len(it) == strlen(val) &&
           memcmp(kv_item_value(it), val, strlen(val)) == 0;
}

TEST(test_set_find_delete) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    CHECK(find(&f.ks, "a") == NULL);
    CHECK(set_str(&f.ks, "a", "hello") != NULL);
    CHECK(set_str(&f.ks, "", "empty key") != NULL);
    CHECK(set_str(&f.ks, "b", "") != NULL);
    CHECK(kv_ks_count(&f.ks) == 3);
    CHECK(value_is(find(&f.ks, "a"), "hello"));
    CHECK(value_is(find(&f.ks, ""), "empty key"));
    CHECK(value_is(find(&f.ks, "b"), ""));
    struct kv_slice k = kv_item_key(find(&f.ks, "a"));
    CHECK_MEM(k.ptr, k.len, "a", 1);
    CHECK(kv_item_type(find(&f.ks, "a")) == KV_TYPE_STRING);
    CHECK(kv_item_expire_ms(find(&f.ks, "a")) == -1);
    CHECK(kv_ks_payload_bytes(&f.ks) == 1 + 5 + 0 + 9 + 1 + 0);
    /* overwrite, shorter and longer */
    CHECK(set_str(&f.ks, "a", "hi") != NULL);
    CHECK(value_is(find(&f.ks, "a"), "hi"));
    CHECK(set_str(&f.ks, "a", "a much longer value than before, to move the block") != NULL);
    CHECK(value_is(find(&f.ks, "a"), "a much longer value than before, to move the block"));
    kv_ks_check(&f.ks);
    CHECK(kv_ks_delete_key(&f.ks, (const uint8_t *)"a", 1));
    CHECK(!kv_ks_delete_key(&f.ks, (const uint8_t *)"a", 1));
    CHECK(find(&f.ks, "a") == NULL);
    kv_ks_delete(&f.ks, find(&f.ks, "b"));
    CHECK(kv_ks_count(&f.ks) == 1);
    CHECK(f.ks.alloc.used_blocks == 1);
    kv_ks_flush(&f.ks);
    CHECK(kv_ks_count(&f.ks) == 0 && f.ks.alloc.used_bytes == 0);
    CHECK(kv_ks_payload_bytes(&f.ks) == 0);
    fx_close(&f);
}

TEST(test_item_size_is_compact) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    char val[101];
    memset(val, 'v', 100);
    val[100] = 0;
    struct kv_item *it = set_str(&f.ks, "key:000000000001", val);
    CHECK(it != NULL);
    /* 4 (block header) + 8 (item header) + 16 + 100 = 128 bytes */
    CHECK(f.ks.alloc.used_bytes == 128);
    CHECK(kv_alloc_usable(it) == 124);
    /* a TTL costs exactly 8 bytes more */
    CHECK(kv_ks_update_expire(&f.ks, &it, 5000000) == KV_KS_OK);
    CHECK(f.ks.alloc.used_bytes == 136);
    CHECK(kv_ks_update_expire(&f.ks, &it, -1) == KV_KS_OK);
    /* 8 bytes cannot be split off (a free block is >= 16): the block stays */
    CHECK(f.ks.alloc.used_bytes == 136 && kv_item_expire_ms(it) == -1);
    CHECK(value_is(it, val));
    fx_close(&f);
}

/* Value lengths across the narrow/wide boundary keep their bytes. */
TEST(test_resize_across_shapes) {
    struct ks_fixture f;
    fx_open(&f, 4 << 20, 0, KV_EVICT_NOEVICTION, 5);
    struct kv_item *it = kv_ks_set_ex(&f.ks, (const uint8_t *)"k", 1, KV_TYPE_STRING, 65535,
                                      9000000);
    CHECK(it != NULL);
    for (uint32_t i = 0; i < 65535; i++) kv_item_value(it)[i] = (uint8_t)(i * 7);
    it = kv_ks_resize(&f.ks, it, 65536);
    CHECK(it != NULL);
    kv_item_value(it)[65535] = 0xAB;
    CHECK(kv_item_value_len(it) == 65536 && kv_item_expire_ms(it) == 9000000);
    for (uint32_t i = 0; i < 65535; i++) CHECK(kv_item_value(it)[i] == (uint8_t)(i * 7));
    CHECK(kv_item_value(it)[65535] == 0xAB);
    kv_ks_check(&f.ks);
    it = kv_ks_resize(&f.ks, it, 100000);
    CHECK(it != NULL && kv_item_value(it)[65535] == 0xAB);
    it = kv_ks_resize(&f.ks, it, 3);
    CHECK(it != NULL && kv_item_value_len(it) == 3 && kv_item_value(it)[2] == 14);
    CHECK(kv_item_expire_ms(it) == 9000000);
    CHECK(f.ks.value_bytes == 3);
    kv_ks_check(&f.ks);
    /* a wide key */
    uint8_t *big = malloc(70000);
    memset(big, 'K', 70000);
    it = kv_ks_set(&f.ks, big, 70000, KV_TYPE_STRING, 2, false);
    CHECK(it != NULL);
    memcpy(kv_item_value(it), "ok", 2);
    CHECK(value_is(kv_ks_find(&f.ks, big, 70000), "ok"));
    CHECK(f.ks.key_len_max == 70000);
    free(big);
    fx_close(&f);
}

TEST(test_lazy_expiry) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    kv_ks_set_time(&f.ks, 1000);
    struct kv_item *it = kv_ks_set_ex(&f.ks, (const uint8_t *)"t", 1, KV_TYPE_STRING, 1, 1100);
    CHECK(it != NULL);
    kv_item_value(it)[0] = 'x';
    CHECK(f.ks.volatile_count == 1);
    kv_ks_set_time(&f.ks, 1100);         /* Redis: expired when now > when */
    CHECK(find(&f.ks, "t") != NULL);
    CHECK(f.ks.stats.expired_keys == 0);
    kv_ks_set_time(&f.ks, 1101);
    CHECK(kv_ks_peek(&f.ks, (const uint8_t *)"t", 1) != NULL);  /* peek has no effect */
    CHECK(kv_ks_find_read(&f.ks, (const uint8_t *)"t", 1) == NULL);
    CHECK(f.ks.stats.expired_keys == 1 && f.ks.stats.keyspace_misses == 1);
    CHECK(kv_ks_count(&f.ks) == 0 && f.ks.volatile_count == 0);
    /* a past time stored by set_ex lives until the next lookup */
    CHECK(kv_ks_set_ex(&f.ks, (const uint8_t *)"p", 1, KV_TYPE_STRING, 0, 5) != NULL);
    CHECK(kv_ks_count(&f.ks) == 1);
    CHECK(find(&f.ks, "p") == NULL && f.ks.stats.expired_keys == 2);
    /* update_expire: in the past deletes without counting an expiry */
    it = set_str(&f.ks, "q", "v");
    CHECK(kv_ks_update_expire(&f.ks, &it, 1101) == KV_KS_DELETED && it == NULL);
    CHECK(f.ks.stats.expired_keys == 2 && kv_ks_count(&f.ks) == 0);
    /* keep_ttl keeps it, plain set clears it */
    it = set_str(&f.ks, "r", "v");
    CHECK(kv_ks_update_expire(&f.ks, &it, 5000) == KV_KS_OK);
    CHECK(kv_ks_update_expire(&f.ks, &it, 6000) == KV_KS_OK);  /* already has one */
    CHECK(kv_item_expire_ms(it) == 6000 && value_is(it, "v"));
    it = kv_ks_set(&f.ks, (const uint8_t *)"r", 1, KV_TYPE_STRING, 4, true);
    CHECK(it != NULL && kv_item_expire_ms(it) == 6000);
    it = kv_ks_set(&f.ks, (const uint8_t *)"r", 1, KV_TYPE_STRING, 4, false);
    CHECK(it != NULL && kv_item_expire_ms(it) == -1 && f.ks.volatile_count == 0);
    kv_ks_set_expire(&f.ks, it, 7000);
    CHECK(kv_item_expire_ms(find(&f.ks, "r")) == 7000);
    fx_close(&f);
}

TEST(test_active_expiry) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 256, KV_EVICT_NOEVICTION, 5);
    kv_ks_set_time(&f.ks, 1000);
    char key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        int64_t exp = i % 2 == 0 ? 2000 + i : -1;
        CHECK(kv_ks_set_ex(&f.ks, (const uint8_t *)key, (uint32_t)strlen(key), KV_TYPE_STRING,
                           3, exp) != NULL);
    }
    CHECK(f.ks.volatile_count == 100);
    CHECK(kv_ks_expire_cycle(&f.ks, 256) == 0);          /* nothing is due yet */
    kv_ks_set_time(&f.ks, 2100);                           /* k0..k98 (even) are due */
    uint32_t total = 0;
    for (int round = 0; round < 100 && f.ks.volatile_count > 50; round++) {
        uint32_t d = kv_ks_expire_cycle(&f.ks, 16);
        CHECK(d <= 16);
        total += d;
        kv_ks_check(&f.ks);
    }
    CHECK(total == 50);
    CHECK(f.ks.stats.expired_keys == 50);
    CHECK(kv_ks_count(&f.ks) == 150 && f.ks.volatile_count == 50);
    kv_ks_set_time(&f.ks, 1000000);
    CHECK(kv_ks_expire_cycle(&f.ks, 10000) == 50);
    CHECK(f.ks.volatile_count == 0 && kv_ks_count(&f.ks) == 100);
    CHECK(kv_ks_expire_cycle(&f.ks, 10000) == 0);
    fx_close(&f);
}

/*
 * One second of ticks (hz sweeps of capacity/hz + 1 slots, as kv_engine_tick does)
 * removes every expired key nobody reads, wherever it sits in the index, and the
 * sweep never reads the item of a key without a TTL (the slot flag tells).
 */
TEST(test_active_expiry_within_a_second) {
    struct ks_fixture f;
    fx_open(&f, 4 << 20, 0, KV_EVICT_NOEVICTION, 5);
    kv_ks_set_time(&f.ks, 1000);
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "key:%d", i);
        int64_t exp = i % 4 == 0 ? 1500 : -1;
        CHECK(kv_ks_set_ex(&f.ks, (const uint8_t *)key, (uint32_t)strlen(key), KV_TYPE_STRING,
                           8, exp) != NULL);
    }
    uint32_t flagged = 0;
    for (uint32_t i = 0; i < f.ks.table.capacity; i++) flagged += kv_table_flag_at(&f.ks.table, i);
    CHECK(flagged == 5000 && f.ks.volatile_count == 5000);
    kv_ks_set_time(&f.ks, 1600);
    const uint32_t hz = 10;
    uint32_t budget = f.ks.table.capacity / hz + 1, total = 0;
    for (uint32_t tick = 0; tick < hz; tick++) total += kv_ks_expire_cycle(&f.ks, budget);
    CHECK(total == 5000);
    CHECK(f.ks.stats.expired_keys == 5000 && f.ks.volatile_count == 0);
    CHECK(kv_ks_count(&f.ks) == 15000);
    flagged = 0;
    for (uint32_t i = 0; i < f.ks.table.capacity; i++) flagged += kv_table_flag_at(&f.ks.table, i);
    CHECK(flagged == 0);
    fx_close(&f);
}

/* Fills with 100-byte values "key:%06d" until the first failure; returns the count. */
static uint32_t fill(struct kv_keyspace *ks, uint32_t first, uint32_t max, int64_t ttl) {
    char key[32], val[100];
    memset(val, 'v', sizeof(val));
    uint32_t n = 0;
    for (; n < max; n++) {
        snprintf(key, sizeof(key), "key:%06u", first + n);
        struct kv_item *it = kv_ks_set_ex(ks, (const uint8_t *)key, 10, KV_TYPE_STRING, 100,
                                          ttl);
        if (it == NULL) break;
        memcpy(kv_item_value(it), val, 100);
    }
    return n;
}

TEST(test_eviction_noeviction) {
    struct ks_fixture f;
    fx_open(&f, 64 << 10, 1024, KV_EVICT_NOEVICTION, 5);
    uint32_t n = fill(&f.ks, 0, 100000, -1);
    CHECK(n > 300 && kv_ks_count(&f.ks) == n && kv_ks_has_room(&f.ks, 1));
    CHECK(!kv_ks_make_room(&f.ks, 1000, 200));
    CHECK(kv_ks_count(&f.ks) == n && f.ks.stats.evicted_keys == 0);
    CHECK(kv_ks_make_room(&f.ks, 0, 0));   /* the index still has room */
    fx_close(&f);
}

TEST(test_eviction_allkeys) {
    enum kv_evict_policy pols[] = {KV_EVICT_ALLKEYS_LRU, KV_EVICT_ALLKEYS_RANDOM};
    for (uint32_t p = 0; p < 2; p++) {
        struct ks_fixture f;
        fx_open(&f, 64 << 10, 1024, pols[p], 5);
        uint32_t n = fill(&f.ks, 0, 100000, -1);
        CHECK(n > 300);
        uint64_t used = f.ks.alloc.used_bytes, free0 = f.ks.alloc.free_bytes;
        CHECK(!kv_ks_fits(&f.ks, 1000, 200) && free0 < 128);
        CHECK(kv_ks_make_room(&f.ks, 1000, 200));
        uint64_t ev = f.ks.stats.evicted_keys;
        /* each eviction frees one 128-byte block; it stops once 1000 bytes are free,
         * then moves items so that 208 of them (a 200-byte fit) are one block */
        CHECK(ev == (1000 - free0 + 127) / 128 && kv_ks_count(&f.ks) == n - ev);
        CHECK(f.ks.alloc.used_bytes == used - ev * 128);
        CHECK(f.ks.stats.evict_joins <= 1 && kv_ks_fits(&f.ks, 1000, 200));
        /* more than the region can ever hold: evicts nothing */
        CHECK(!kv_ks_make_room(&f.ks, 1ull << 30, 200));
        CHECK(!kv_ks_make_room(&f.ks, 1000, f.ks.alloc.size + 1));
        CHECK(kv_ks_count(&f.ks) == n - ev && f.ks.stats.evicted_keys == ev);
        /* the whole region: evicts every key */
        CHECK(kv_ks_make_room(&f.ks, f.ks.alloc.size, 0));
        CHECK(kv_ks_count(&f.ks) == 0 && f.ks.stats.evicted_keys == n);
        fx_close(&f);
    }
}

/* Volatile policies evict only keys with a TTL, and nothing when there are none. */
TEST(test_eviction_volatile) {
    enum kv_evict_policy pols[] = {KV_EVICT_VOLATILE_LRU, KV_EVICT_VOLATILE_RANDOM,
                                   KV_EVICT_VOLATILE_TTL};
    for (uint32_t p = 0; p < 3; p++) {
        struct ks_fixture f;
        fx_open(&f, 64 << 10, 1024, pols[p], 5);
        uint32_t n = fill(&f.ks, 0, 100000, -1);
        CHECK(n > 300);
        CHECK(!kv_ks_make_room(&f.ks, 1000, 200) && f.ks.stats.evicted_keys == 0);
        CHECK(kv_ks_count(&f.ks) == n);
        fx_close(&f);

        fx_open(&f, 64 << 10, 1024, pols[p], 5);
        uint32_t plain = fill(&f.ks, 0, 300, -1);
        CHECK(plain == 300);
        uint32_t vol = fill(&f.ks, 1000, 100000, 2000000);
        CHECK(vol > 10 && f.ks.volatile_count == vol);
        CHECK(kv_ks_make_room(&f.ks, 1000, 200));
        CHECK(f.ks.stats.evicted_keys > 0);
        CHECK(f.ks.volatile_count == vol - f.ks.stats.evicted_keys);
        CHECK(kv_ks_count(&f.ks) == plain + vol - f.ks.stats.evicted_keys);
        for (uint32_t i = 0; i < plain; i++) {  /* keys without TTL all survive */
            char key[32];
            snprintf(key, sizeof(key), "key:%06u", i);
            CHECK(find(&f.ks, key) != NULL);
        }
        /* asking for the impossible evicts nothing; for all of the region, every
         * volatile key, then gives up */
        uint64_t ev = f.ks.stats.evicted_keys;
        CHECK(!kv_ks_make_room(&f.ks, 1ull << 30, 1) && f.ks.stats.evicted_keys == ev);
        CHECK(!kv_ks_make_room(&f.ks, f.ks.alloc.size, 1));
        CHECK(f.ks.volatile_count == 0 && kv_ks_count(&f.ks) == plain);
        fx_close(&f);
    }
}

/* With samples >= the number of keys, LRU and TTL victims are exact. */
TEST(test_eviction_choice) {
    struct ks_fixture f;
    fx_open(&f, 64 << 10, 0, KV_EVICT_ALLKEYS_LRU, 64);
    kv_ks_set_time(&f.ks, 1000000);
    CHECK(set_str(&f.ks, "old", "x") != NULL);
    kv_ks_set_time(&f.ks, 1050000);
    CHECK(set_str(&f.ks, "mid", "x") != NULL);
    kv_ks_set_time(&f.ks, 1100000);
    CHECK(set_str(&f.ks, "new", "x") != NULL);
    CHECK(find(&f.ks, "old") != NULL);          /* touching makes "mid" the oldest */
    uint64_t free_now = f.ks.alloc.free_bytes;
    CHECK(kv_ks_make_room(&f.ks, free_now + 1, 1));
    CHECK(f.ks.stats.evicted_keys == 1 && find(&f.ks, "mid") == NULL);
    CHECK(find(&f.ks, "old") != NULL && find(&f.ks, "new") != NULL);
    fx_close(&f);

    fx_open(&f, 64 << 10, 0, KV_EVICT_VOLATILE_TTL, 64);
    struct kv_item *it = set_str(&f.ks, "late", "x");
    CHECK(kv_ks_update_expire(&f.ks, &it, 9000000) == KV_KS_OK);
    it = set_str(&f.ks, "soon", "x");
    CHECK(kv_ks_update_expire(&f.ks, &it, 5000000) == KV_KS_OK);
    CHECK(set_str(&f.ks, "forever", "x") != NULL);
    free_now = f.ks.alloc.free_bytes;
    CHECK(kv_ks_make_room(&f.ks, free_now + 1, 1));
    CHECK(f.ks.stats.evicted_keys == 1 && find(&f.ks, "soon") == NULL);
    CHECK(kv_ks_make_room(&f.ks, f.ks.alloc.free_bytes + 1, 1));
    CHECK(f.ks.stats.evicted_keys == 2 && find(&f.ks, "late") == NULL);
    CHECK(!kv_ks_make_room(&f.ks, f.ks.alloc.free_bytes + 1, 1));
    CHECK(find(&f.ks, "forever") != NULL);
    fx_close(&f);
}

static uint32_t evicted_n;
static char evicted_key[64];
static void on_evict(void *ctx, const uint8_t *key, uint32_t klen) {
    (void)ctx;
    evicted_n++;
    memcpy(evicted_key, key, KV_MIN(klen, 63u));
    evicted_key[KV_MIN(klen, 63u)] = 0;
}

TEST(test_evict_hook) {
    struct ks_fixture f;
    fx_open(&f, 64 << 10, 0, KV_EVICT_ALLKEYS_RANDOM, 5);
    kv_ks_set_evict_hook(&f.ks, on_evict, NULL);
    CHECK(set_str(&f.ks, "only", "x") != NULL);
    evicted_n = 0;
    CHECK(kv_ks_make_room(&f.ks, f.ks.alloc.free_bytes + 1, 1));
    CHECK(evicted_n == 1 && strcmp(evicted_key, "only") == 0);
    CHECK(f.ks.stats.evicted_keys == 1 && kv_ks_count(&f.ks) == 0);
    fx_close(&f);
}

struct snapshot {
    uint64_t count, used, blocks, payload, vol;
};
static struct snapshot snap(const struct kv_keyspace *ks) {
    struct snapshot s = {kv_ks_count(ks), ks->alloc.used_bytes, ks->alloc.used_blocks,
                         kv_ks_payload_bytes(ks), ks->volatile_count};
    return s;
}
static bool snap_eq(struct snapshot a, struct snapshot b) {
    return memcmp(&a, &b, sizeof(a)) == 0;
}

TEST(test_oom_changes_nothing) {
    struct ks_fixture f;
    fx_open(&f, 64 << 10, 2048, KV_EVICT_NOEVICTION, 5);
    uint32_t n = fill(&f.ks, 0, 100000, -1);
    /* top up with tiny keys so no block of any size is left */
    char key[32];
    for (uint32_t i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "t%u", i);
        if (kv_ks_set(&f.ks, (const uint8_t *)key, (uint32_t)strlen(key), KV_TYPE_STRING, 0,
                      false) == NULL)
            break;
    }
    CHECK(!kv_alloc_can_alloc(&f.ks.alloc, 1));
    struct snapshot s0 = snap(&f.ks);
    CHECK(set_str(&f.ks, "brand new", "v") == NULL);
    CHECK(snap_eq(snap(&f.ks), s0));
    struct kv_item *it = find(&f.ks, "key:000000");
    CHECK(it != NULL);
    CHECK(kv_ks_set(&f.ks, (const uint8_t *)"key:000000", 10, KV_TYPE_STRING, 200, false) ==
          NULL);
    CHECK(snap_eq(snap(&f.ks), s0));
    it = find(&f.ks, "key:000000");
    CHECK(it != NULL && kv_item_value_len(it) == 100 && kv_item_value(it)[99] == 'v');
    CHECK(kv_ks_resize(&f.ks, it, 200) == NULL);
    CHECK(snap_eq(snap(&f.ks), s0));
    CHECK(kv_ks_update_expire(&f.ks, &it, 99999999) == KV_KS_OOM);
    CHECK(snap_eq(snap(&f.ks), s0) && kv_item_expire_ms(it) == -1);
    CHECK(kv_ks_rename(&f.ks, it, (const uint8_t *)"a much longer key name", 22) == NULL);
    CHECK(snap_eq(snap(&f.ks), s0) && find(&f.ks, "key:000000") != NULL);
    CHECK(kv_ks_copy(&f.ks, it, (const uint8_t *)"copy", 4) == NULL);
    CHECK(snap_eq(snap(&f.ks), s0));
    CHECK(kv_ks_item_new(&f.ks, (const uint8_t *)"x", 1, KV_TYPE_STRING, 1, -1) == NULL);
    CHECK(!kv_ks_fits(&f.ks, 1, 1));
    /* a same-length rename needs no memory; same-size overwrites reuse the block */
    it = kv_ks_rename(&f.ks, it, (const uint8_t *)"key:999999", 10);
    CHECK(it != NULL && find(&f.ks, "key:000000") == NULL);
    CHECK(kv_ks_set(&f.ks, (const uint8_t *)"key:999999", 10, KV_TYPE_STRING, 100, false) !=
          NULL);
    CHECK(snap_eq(snap(&f.ks), s0));
    CHECK(n > 0);
    fx_close(&f);
}

TEST(test_index_full_is_oom) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 20, KV_EVICT_NOEVICTION, 5);
    CHECK(f.ks.table.max_count == 18);
    uint32_t n = fill(&f.ks, 0, 1000, -1);
    CHECK(n == 18);
    CHECK(!kv_ks_has_room(&f.ks, 1) && kv_ks_has_room(&f.ks, 0));
    CHECK(!kv_ks_fits(&f.ks, 0, 0));
    struct snapshot s0 = snap(&f.ks);
    struct kv_item *it = find(&f.ks, "key:000000");
    CHECK(kv_ks_copy(&f.ks, it, (const uint8_t *)"copy", 4) == NULL);
    CHECK(snap_eq(snap(&f.ks), s0));
    /* overwriting and renaming still work */
    CHECK(set_str(&f.ks, "key:000001", "short") != NULL);
    it = find(&f.ks, "key:000000");
    CHECK(kv_ks_rename(&f.ks, it, (const uint8_t *)"key:000002", 10) != NULL);
    CHECK(kv_ks_count(&f.ks) == 17);
    /* allkeys-lru: the full index makes room by evicting one key */
    fx_close(&f);
    fx_open(&f, 1 << 20, 20, KV_EVICT_ALLKEYS_LRU, 5);
    CHECK(fill(&f.ks, 0, 1000, -1) == 18);
    CHECK(kv_ks_make_room(&f.ks, 100, 100) && kv_ks_count(&f.ks) == 17);
    CHECK(f.ks.stats.evicted_keys == 1);
    fx_close(&f);
}

TEST(test_rename_copy) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    struct kv_item *it = set_str(&f.ks, "src", "value");
    CHECK(kv_ks_update_expire(&f.ks, &it, 5000000) == KV_KS_OK);
    it = kv_ks_rename(&f.ks, it, (const uint8_t *)"a-much-longer-destination", 25);
    CHECK(it != NULL && value_is(it, "value") && kv_item_expire_ms(it) == 5000000);
    CHECK(find(&f.ks, "src") == NULL);
    it = find(&f.ks, "a-much-longer-destination");
    it = kv_ks_rename(&f.ks, it, (const uint8_t *)"d", 1);       /* shrinks in place */
    CHECK(value_is(find(&f.ks, "d"), "value") && kv_ks_count(&f.ks) == 1);
    CHECK(set_str(&f.ks, "e", "other") != NULL);
    it = find(&f.ks, "d");
    it = kv_ks_rename(&f.ks, it, (const uint8_t *)"e", 1);       /* replaces e */
    CHECK(value_is(find(&f.ks, "e"), "value") && kv_ks_count(&f.ks) == 1);
    kv_ks_check(&f.ks);
    it = find(&f.ks, "e");
    struct kv_item *c = kv_ks_copy(&f.ks, it, (const uint8_t *)"f", 1);
    CHECK(c != NULL && value_is(c, "value") && kv_item_expire_ms(c) == 5000000);
    CHECK(kv_ks_count(&f.ks) == 2 && f.ks.volatile_count == 2);
    CHECK(set_str(&f.ks, "g", "gg") != NULL);
    c = kv_ks_copy(&f.ks, find(&f.ks, "g"), (const uint8_t *)"f", 1);  /* replaces f */
    CHECK(value_is(c, "gg") && kv_item_expire_ms(c) == -1 && f.ks.volatile_count == 1);
    fx_close(&f);
}

static void list_push(struct kv_keyspace *ks, struct kv_item *it, const char *s);

TEST(test_lists) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    for (int round = 0; round < 3; round++) {
        struct kv_item *it = kv_ks_set(&f.ks, (const uint8_t *)"l", 1, KV_TYPE_LIST,
                                       sizeof(struct kv_list_head), false);
        CHECK(it != NULL);
        for (int i = 0; i < 3000; i++) list_push(&f.ks, it, "element");
        kv_ks_check(&f.ks);
        struct kv_item *c = kv_ks_copy(&f.ks, it, (const uint8_t *)"copy", 4);
        CHECK(c != NULL && kv_item_type(c) == KV_TYPE_LIST);
        CHECK(((struct kv_list_head *)(void *)kv_item_value(c))->count == 3000);
        kv_ks_check(&f.ks);
        it = find(&f.ks, "l");
        CHECK(kv_ks_update_expire(&f.ks, &it, 9000000) == KV_KS_OK);   /* moves the head */
        it = kv_ks_rename(&f.ks, it, (const uint8_t *)"renamed list xyz", 16);
        CHECK(it != NULL && ((struct kv_list_head *)(void *)kv_item_value(it))->count == 3000);
        kv_ks_check(&f.ks);
        uint64_t used = f.ks.alloc.used_bytes;
        it = kv_ks_rename(&f.ks, it, (const uint8_t *)"renamed list", 12);  /* in place */
        CHECK(it != NULL && ((struct kv_list_head *)(void *)kv_item_value(it))->count == 3000);
        CHECK(f.ks.alloc.used_bytes == used);
        kv_ks_check(&f.ks);
        CHECK(set_str(&f.ks, "copy", "a string now") != NULL);   /* releases the nodes */
        kv_ks_check(&f.ks);
        CHECK(kv_ks_delete_key(&f.ks, (const uint8_t *)"renamed list", 12));
        CHECK(f.ks.alloc.used_blocks == 1 && f.ks.list_count == 0);
        CHECK(f.ks.alloc.used_bytes == 32);  /* 4 + 8 + "copy" + "a string now" */
        kv_ks_flush(&f.ks);
    }
    fx_close(&f);
}

/* A deterministic workload: keys w:<n>, values of mixed sizes. */
static uint32_t fill_mixed(struct kv_keyspace *ks, uint64_t seed) {
    struct kv_prng p;
    kv_prng_init(&p, seed);
    char key[32];
    uint32_t n = 0;
    for (; n < 1000000; n++) {
        snprintf(key, sizeof(key), "w:%u", n);
        uint32_t vlen = (uint32_t)kv_prng_below(&p, 400);
        if (kv_ks_set(ks, (const uint8_t *)key, (uint32_t)strlen(key), KV_TYPE_STRING, vlen,
                      false) == NULL)
            break;
    }
    return n;
}

static void churn(struct kv_keyspace *ks, uint64_t seed, uint32_t ops) {
    struct kv_prng p;
    kv_prng_init(&p, seed);
    char key[32];
    for (uint32_t i = 0; i < ops; i++) {
        snprintf(key, sizeof(key), "c:%u", (uint32_t)kv_prng_below(&p, 3000));
        uint32_t klen = (uint32_t)strlen(key);
        uint32_t op = (uint32_t)kv_prng_below(&p, 10);
        if (op < 5) {
            kv_ks_set_ex(ks, (const uint8_t *)key, klen, KV_TYPE_STRING,
                         (uint32_t)kv_prng_below(&p, 2000),
                         op == 0 ? ks->now_ms + (int64_t)kv_prng_below(&p, 5000) : -1);
        } else if (op < 8) {
            kv_ks_delete_key(ks, (const uint8_t *)key, klen);
        } else {
            struct kv_item *it = kv_ks_find(ks, (const uint8_t *)key, klen);
            if (it != NULL && kv_item_value_len(it) < 60000)
                kv_ks_resize(ks, it, kv_item_value_len(it) + 100);
        }
        if (i % 500 == 0) kv_ks_set_time(ks, ks->now_ms + 1000);
        if (i % 97 == 0) kv_ks_expire_cycle(ks, 64);
    }
}

TEST(test_refill_invariant) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 16384, KV_EVICT_NOEVICTION, 5);  /* memory, not the index, fills */
    uint32_t n1 = fill(&f.ks, 0, 1000000, -1);
    uint64_t used1 = f.ks.alloc.used_bytes;
    kv_ks_check(&f.ks);
    kv_ks_flush(&f.ks);
    kv_ks_check(&f.ks);
    CHECK(fill(&f.ks, 0, 1000000, -1) == n1 && f.ks.alloc.used_bytes == used1);
    kv_ks_flush(&f.ks);
    uint32_t m1 = fill_mixed(&f.ks, 7);
    kv_ks_check(&f.ks);
    for (int round = 0; round < 3; round++) {
        kv_ks_flush(&f.ks);
        churn(&f.ks, 100 + (uint64_t)round, 20000);
        kv_ks_check(&f.ks);
        CHECK(f.ks.alloc.used_blocks == kv_ks_count(&f.ks));
        kv_ks_flush(&f.ks);
        CHECK(kv_alloc_free_block_count(&f.ks.alloc) == 1);
        CHECK(fill_mixed(&f.ks, 7) == m1);
        kv_ks_check(&f.ks);
        kv_ks_flush(&f.ks);
        CHECK(fill(&f.ks, 0, 1000000, -1) == n1 && f.ks.alloc.used_bytes == used1);
        kv_ks_check(&f.ks);
    }
    /* churn also deletes everything one by one: the region coalesces back */
    kv_ks_flush(&f.ks);
    churn(&f.ks, 5, 5000);
    for (uint32_t i = 0; i < 3000; i++) {
        char key[32];
        snprintf(key, sizeof(key), "c:%u", i);
        kv_ks_delete_key(&f.ks, (const uint8_t *)key, (uint32_t)strlen(key));
    }
    CHECK(kv_ks_count(&f.ks) == 0 && kv_alloc_free_block_count(&f.ks.alloc) == 1);
    CHECK(fill(&f.ks, 0, 1000000, -1) == n1);
    fx_close(&f);
}

TEST(test_random) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    CHECK(kv_ks_random(&f.ks) == NULL);
    kv_ks_set_time(&f.ks, 1000);
    CHECK(kv_ks_set_ex(&f.ks, (const uint8_t *)"gone", 4, KV_TYPE_STRING, 0, 1500) != NULL);
    CHECK(set_str(&f.ks, "live", "x") != NULL);
    kv_ks_set_time(&f.ks, 2000);
    for (int i = 0; i < 20; i++) {
        struct kv_item *it = kv_ks_random(&f.ks);
        CHECK(it != NULL);
        CHECK_MEM(kv_item_key(it).ptr, kv_item_key(it).len, "live", 4);
    }
    CHECK(f.ks.stats.expired_keys <= 1);
    fx_close(&f);
}

/* The capacity target: at least 1.3x the keys redis-server holds in 64 MiB. */
TEST(test_capacity_64mb) {
    struct ks_fixture f;
    fx_open(&f, 64ull << 20, 0, KV_EVICT_NOEVICTION, 5);
    char key[32], val[100];
    memset(val, 'v', sizeof(val));
    uint32_t n = 0;
    for (; n < 2000000; n++) {
        snprintf(key, sizeof(key), "key:%012u", n);
        struct kv_item *it = kv_ks_set(&f.ks, (const uint8_t *)key, 16, KV_TYPE_STRING, 100,
                                       false);
        if (it == NULL) break;
        memcpy(kv_item_value(it), val, 100);
    }
    printf("capacity: 64 MiB holds %u keys (16-byte keys, 100-byte values); redis-server "
           "7.0.15 holds %u: %.2fx; used %llu of %llu bytes, index %llu\n",
           n, REDIS_64MB_KEYS, (double)n / REDIS_64MB_KEYS,
           (unsigned long long)kv_ks_used_memory(&f.ks), (unsigned long long)f.ks.maxmemory,
           (unsigned long long)kv_ks_index_bytes(&f.ks));
    CHECK((uint64_t)n * 10 >= (uint64_t)REDIS_64MB_KEYS * 13);
    fx_close(&f);
}

static void list_push(struct kv_keyspace *ks, struct kv_item *it, const char *s) ;

/*
 * The running command's key (kv_ks_hint_key): a hashed hint's hash is what the first
 * lookup uses; later lookups reuse its slot until an insert or removal; a cleared
 * hint leaves the same address free to hold another key.
 */
TEST(test_hint_shares_lookups) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    char key[16], val[16];
    for (uint32_t i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "key:%04u", i);
        snprintf(val, sizeof(val), "v%u", i);
        CHECK(set_str(&f.ks, key, val) != NULL);
    }
    char buf[16] = "key:0042"; /* a request's argument, at a fixed address */
    const uint8_t *k = (const uint8_t *)buf;
    uint64_t hash = kv_ks_hint_slot(&f.ks, k, 8);
    kv_ks_hint_key(&f.ks, k, 8, true, hash ^ 0xffffffff00000000ull); /* another home */
    CHECK(kv_ks_find(&f.ks, k, 8) == NULL);         /* the hint's hash was used */
    kv_ks_hint_clear(&f.ks);
    kv_ks_hint_key(&f.ks, k, 8, true, hash);
    CHECK(value_is(kv_ks_find(&f.ks, k, 8), "v42"));
    CHECK(f.ks.hint.looked && f.ks.hint.slot >= 0);
    CHECK(value_is(kv_ks_peek(&f.ks, k, 8), "v42"));  /* the slot, reused */
    /* A removal moves entries: the slot is looked up again. */
    CHECK(kv_ks_delete_key(&f.ks, (const uint8_t *)"key:0042", 8));
    CHECK(kv_ks_find(&f.ks, k, 8) == NULL);
    CHECK(set_str(&f.ks, buf, "again") != NULL);      /* an insert, not found first */
    CHECK(value_is(kv_ks_find(&f.ks, k, 8), "again"));
    kv_ks_hint_clear(&f.ks);
    memcpy(buf, "key:0043", 8);                       /* the next frame, same address */
    CHECK(value_is(kv_ks_find(&f.ks, k, 8), "v43"));
    /* Unhashed (a lone frame): hashed by the first lookup; growth moves slots. */
    kv_ks_hint_key(&f.ks, k, 8, false, 0);
    CHECK(value_is(kv_ks_peek(&f.ks, k, 8), "v43"));
    uint32_t growths = f.ks.table.growths;
    for (uint32_t i = 200; i < 2000; i++) {
        snprintf(key, sizeof(key), "key:%04u", i);
        CHECK(set_str(&f.ks, key, "w") != NULL);
    }
    CHECK(f.ks.table.growths > growths);
    CHECK(value_is(kv_ks_find(&f.ks, k, 8), "v43"));
    kv_ks_flush(&f.ks);
    CHECK(kv_ks_find(&f.ks, k, 8) == NULL);
    kv_ks_hint_clear(&f.ks);
    fx_close(&f);
}

/* The longest string value since the last flush (GET's bound skips its lookup while
 * it is short): every way a string is stored raises it, lists do not, FLUSHALL
 * resets it; kv_ks_check asserts it bounds every string. */
TEST(test_str_len_max) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    CHECK(f.ks.str_len_max == 0);
    CHECK(set_str(&f.ks, "a", "hello") != NULL && f.ks.str_len_max == 5);
    CHECK(set_str(&f.ks, "a", "hi") != NULL && f.ks.str_len_max == 5);
    char big[301];
    memset(big, 'b', 300);
    big[300] = 0;
    CHECK(set_str(&f.ks, "a", big) != NULL && f.ks.str_len_max == 300); /* in place */
    CHECK(set_str(&f.ks, "b", "") != NULL);
    CHECK(kv_ks_resize(&f.ks, find(&f.ks, "b"), 1000) != NULL);          /* APPEND */
    CHECK(f.ks.str_len_max == 1000);
    CHECK(kv_ks_resize(&f.ks, find(&f.ks, "b"), 70000) != NULL);         /* wide */
    CHECK(f.ks.str_len_max == 70000);
    struct kv_item *l = kv_ks_set(&f.ks, (const uint8_t *)"l", 1, KV_TYPE_LIST,
                                  (uint32_t)sizeof(struct kv_list_head), false);
    CHECK(l != NULL);
    kv_list_init((struct kv_list_head *)(void *)kv_item_value(l));
    char elem[2001];
    memset(elem, 'e', 2000);
    elem[2000] = 0;
    list_push(&f.ks, l, elem);
    CHECK(f.ks.str_len_max == 70000);
    kv_ks_check(&f.ks);
    kv_ks_flush(&f.ks);
    CHECK(f.ks.str_len_max == 0);
    CHECK(set_str(&f.ks, "c", "xyz") != NULL && f.ks.str_len_max == 3);
    fx_close(&f);
}

static void list_push(struct kv_keyspace *ks, struct kv_item *it, const char *s) {
    struct kv_list_head *h = (struct kv_list_head *)(void *)kv_item_value(it);
    struct kv_slice e = {(const uint8_t *)s, (uint32_t)strlen(s)};
    bool ok = kv_list_push(&ks->alloc, h, KV_LIST_TAIL, &e, 1);
    KV_ASSERT(ok);
}

/* Fills with n keys "key:%06u" of vlen-byte values (each item one block). */
static void fill_n(struct kv_keyspace *ks, uint32_t n, uint32_t vlen, int64_t ttl) {
    char key[32];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "key:%06u", i);
        struct kv_item *it = kv_ks_set_ex(ks, (const uint8_t *)key, 10, KV_TYPE_STRING, vlen,
                                          ttl >= 0 && i % 2 == 0 ? ttl : -1);
        KV_ASSERT(it != NULL);
        memset(kv_item_value(it), (int)(i & 0xff), vlen);
    }
}

/* Every key left holds its own bytes (moves kept contents and index in step). */
static bool fill_intact(struct kv_keyspace *ks, uint32_t n, uint32_t vlen) {
    char key[32];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "key:%06u", i);
        struct kv_item *it = kv_ks_peek(ks, (const uint8_t *)key, 10);
        if (it == NULL) continue;
        const uint8_t *v = kv_item_value(it);
        if (kv_item_value_len(it) != vlen || v[0] != (uint8_t)i || v[vlen - 1] != (uint8_t)i)
            return false;
    }
    return true;
}

/*
 * Issue 18: 3,000 keys of 200 bytes in 1 MB under allkeys-lru, then room for one
 * 300,000-byte value. Sampled victims are scattered, so the bytes are freed by the
 * policy and the items are moved together: exactly as many evictions as the bytes
 * need (it used to evict 1,024 keys and still fail).
 */
TEST(test_make_room_joins) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_ALLKEYS_LRU, 5);
    fill_n(&f.ks, 3000, 200, -1);
    uint64_t block = kv_alloc_block_size(8 + 10 + 200);   /* 224 */
    uint64_t free0 = f.ks.alloc.free_bytes, need = kv_ks_string_bytes(3, 300000);
    uint64_t largest = 300000 + 23, fit = kv_alloc_fit_bytes(largest);
    CHECK(block == 224 && need == 300032 && fit == 311296);
    CHECK(free0 == f.ks.alloc.size - 3000 * block && free0 < fit);
    CHECK(kv_ks_make_room(&f.ks, need, largest));
    uint64_t ev = (fit - free0 + block - 1) / block;       /* 2 here */
    CHECK(f.ks.stats.evicted_keys == ev && kv_ks_count(&f.ks) == 3000 - ev);
    CHECK(f.ks.stats.evict_joins == 1 && f.ks.stats.evict_moved_bytes > 0);
    CHECK(f.ks.stats.evict_moved_bytes <= (3000 - ev) * block);
    kv_ks_check(&f.ks);
    CHECK(fill_intact(&f.ks, 3000, 200));
    struct kv_item *big = kv_ks_set(&f.ks, (const uint8_t *)"big", 3, KV_TYPE_STRING, 300000,
                                    false);
    CHECK(big != NULL && kv_ks_count(&f.ks) == 3001 - ev);
    CHECK(kv_ks_used_memory(&f.ks) <= f.ks.maxmemory);
    printf("make_room: 3000 x 200 B, then 300000 B: %llu evicted, %llu bytes moved\n",
           (unsigned long long)ev, (unsigned long long)f.ks.stats.evict_moved_bytes);
    fx_close(&f);
}

/* maxmemory-eviction-keys bounds the evictions of one call; noeviction joins but
 * never evicts; volatile policies move keys without a TTL but evict none. */
TEST(test_make_room_bounds) {
    struct ks_fixture f;
    fx_open(&f, 1 << 20, 0, KV_EVICT_ALLKEYS_RANDOM, 5);
    f.cfg.maxmemory_eviction_keys = 10;
    kv_ks_init(&f.ks, &f.cfg, f.mem, 12345);
    kv_ks_set_time(&f.ks, 1000000);
    CHECK(f.ks.evict_max == 10);
    fill_n(&f.ks, 3000, 200, -1);
    uint64_t free0 = f.ks.alloc.free_bytes, fit = kv_alloc_fit_bytes(400023);
    uint64_t ev = (fit - free0 + 223) / 224;   /* 400 KB: 441 evictions */
    CHECK(free0 == 311024 && fit == 409600 && ev == 441);
    CHECK(!kv_ks_make_room(&f.ks, 400032, 400023));
    CHECK(f.ks.stats.evicted_keys == 10 && kv_ks_count(&f.ks) == 2990);
    CHECK(!kv_ks_make_room(&f.ks, 400032, 400023) && f.ks.stats.evicted_keys == 20);
    f.ks.evict_max = f.ks.index_capacity;
    CHECK(kv_ks_make_room(&f.ks, 400032, 400023));
    CHECK(f.ks.stats.evicted_keys == ev && f.ks.stats.evict_joins == 1);
    fx_close(&f);

    fx_open(&f, 1 << 20, 0, KV_EVICT_NOEVICTION, 5);
    fill_n(&f.ks, 3000, 200, -1);
    for (uint32_t i = 0; i < 3000; i += 3) {   /* 1000 holes of 224 bytes */
        char key[32];
        snprintf(key, sizeof(key), "key:%06u", i);
        CHECK(kv_ks_delete_key(&f.ks, (const uint8_t *)key, 10));
    }
    CHECK(!kv_ks_fits(&f.ks, 300032, 300023) && kv_ks_make_room(&f.ks, 300032, 300023));
    CHECK(f.ks.stats.evicted_keys == 0 && f.ks.stats.evict_joins == 1 && fill_intact(&f.ks, 3000, 200));
    CHECK(!kv_ks_make_room(&f.ks, f.ks.alloc.free_bytes + 1, 0) && kv_ks_count(&f.ks) == 2000);
    fx_close(&f);

    fx_open(&f, 1 << 20, 0, KV_EVICT_VOLATILE_LRU, 5);
    fill_n(&f.ks, 3000, 200, 5000000);        /* even keys have a TTL */
    CHECK(f.ks.volatile_count == 1500);
    CHECK(kv_ks_make_room(&f.ks, 300032, 300023));
    CHECK(f.ks.stats.evicted_keys > 0 && f.ks.volatile_count == 1500 - f.ks.stats.evicted_keys);
    CHECK(f.ks.stats.evict_joins == 1 && fill_intact(&f.ks, 3000, 200));
    fx_close(&f);
}

int main(void) {
    RUN(test_set_find_delete);
    RUN(test_item_size_is_compact);
    RUN(test_resize_across_shapes);
    RUN(test_lazy_expiry);
    RUN(test_active_expiry);
    RUN(test_eviction_noeviction);
    RUN(test_eviction_allkeys);
    RUN(test_eviction_volatile);
    RUN(test_make_room_joins);
    RUN(test_make_room_bounds);
    RUN(test_eviction_choice);
    RUN(test_evict_hook);
    RUN(test_oom_changes_nothing);
    RUN(test_index_full_is_oom);
    RUN(test_rename_copy);
    RUN(test_lists);
    RUN(test_active_expiry_within_a_second);
    RUN(test_refill_invariant);
    RUN(test_random);
    RUN(test_capacity_64mb);
    RUN(test_hint_shares_lookups);
    RUN(test_str_len_max);
    free(fx_mem_live);
    TEST_SUMMARY("keyspace");
}

#!/usr/bin/env bash
# layers.sh: the layer rules CONTRIBUTING.md states, checked by grep (run by
# `./build.sh test`). Command files (src/cmd_*.c) and the engine (src/engine.c) reach
# stored data only through the keyspace (include/kv/keyspace.h, ks_list.h): never the
# index (kv_table_*), the allocator (kv_alloc*) or the list layout (kv_list_*) directly.
# Each layer writes only its own counters (include/kv/stats.h): the server's
# (kv_net_stats) only in server.c, the keyspace's (kv_ks_stats) only in keyspace.c,
# the engine's (kv_engine_stats) only in engine.c and multi.c.
# The speed work (prefetching, the keyspace hint, the parser's peek) is called from
# src/ahead.c only (the keyspace and the parser define it).
# The last line is "layers: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
passed=0; failed=0
for f in src/cmd_*.c src/engine.c; do
    case "$f" in *_test.c) continue ;; esac
    hits=$(grep -nE 'kv_table_|kv_alloc|->alloc\b|\.alloc\b|->table\b|\.table\b|kv_list_[a-z_]+\(|kv/(table|alloc|list)\.h' "$f" \
           | grep -vE '^[0-9]+:\s*(\*|/\*|//)' || true)
    if [ -z "$hits" ]; then
        passed=$((passed + 1)); echo "PASS $f uses the keyspace interface only"
    else
        failed=$((failed + 1)); echo "FAIL $f reaches past the keyspace:"; echo "$hits" | sed 's/^/    /'
    fi
done
# counter_writes <pattern> <owner files...>: writes matching pattern outside the owners
counter_writes() {
    local pat=$1; shift
    local hits
    hits=$(grep -nE -e "$pat" src/*.c | grep -v '_test.c:' || true)
    for owner in "$@"; do hits=$(echo "$hits" | grep -v "^$owner:" || true); done
    echo "$hits" | grep -v '^$' || true
}
check_counters() {
    local what=$1 pat=$2; shift 2
    local hits
    hits=$(counter_writes "$pat" "$@")
    if [ -z "$hits" ]; then
        passed=$((passed + 1)); echo "PASS $what counters are written by $* only"
    else
        failed=$((failed + 1)); echo "FAIL $what counters written elsewhere:"; echo "$hits" | sed 's/^/    /'
    fi
}
W='(\+\+|--|\+=|-=|= )'
check_counters server "->net(->|\\.)[a-z_]+ *$W" src/server.c
check_counters keyspace "\bstats\.(keyspace_|expired_|evict)[a-z_]* *$W" src/keyspace.c
check_counters engine "\bstats\.(total_commands_processed|security_warnings) *$W" src/engine.c src/multi.c
others=0
for f in src/*.c; do
    case "$f" in *_test.c|src/ahead.c|src/keyspace.c|src/resp.c) continue ;; esac
    hits=$(grep -nE 'kv_ks_hint_|kv_parse_peek_' "$f" | grep -vE '^[0-9]+:\s*(\*|/\*|//)' || true)
    if [ -n "$hits" ]; then
        others=$((others + 1)); echo "FAIL $f does ahead.c's work:"; echo "$hits" | sed 's/^/    /'
    fi
done
if [ "$others" -eq 0 ]; then
    passed=$((passed + 1)); echo "PASS only src/ahead.c prefetches and hints"
else
    failed=$((failed + 1))
fi
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

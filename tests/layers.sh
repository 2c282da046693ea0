#!/usr/bin/env bash
# layers.sh: the layer rules CONTRIBUTING.md states, checked by grep (run by
# `./build.sh test`). Command files (src/cmd_*.c) and the engine (src/engine.c) reach
# stored data only through the keyspace (include/kv/keyspace.h, ks_list.h): never the
# index (kv_table_*), the allocator (kv_alloc*) or the list layout (kv_list_*) directly.
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
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# hostile.sh: issue 18's reproductions against build/kv (run by `./build.sh test`):
# remote crashes, starvation by hostile clients, eviction and reply bounds, HTTP.
# Ports 7400-7449. The last line is "hostile: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
KV_BIN=${KV_BIN:-build/kv}
TMP=$(mktemp -d /tmp/kv-hostile.XXXXXX)
python3 -B -u tests/hostile.py --kv "$KV_BIN" --port-base $((7400 + ${KV_TEST_PORT_OFFSET:-0})) --tmp "$TMP"
rc=$?
[ "$rc" -eq 0 ] && rm -rf "$TMP" || echo "hostile: logs kept in $TMP"
exit "$rc"

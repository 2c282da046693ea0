#!/usr/bin/env bash
# ops.sh: kv as operators run it (tests/ops.py): log format, loglevel, logfile,
# SHUTDOWN, --version, sd_notify, make install. Ports 7660-7675, moved up by
# $KV_TEST_PORT_OFFSET when set. The last line is "ops: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
KV_BIN=${KV_BIN:-build/kv}
TMP=$(mktemp -d /tmp/kv-ops.XXXXXX)
python3 -B -u tests/ops.py --kv "$KV_BIN" --port-base $((7660 + ${KV_TEST_PORT_OFFSET:-0})) \
    --tmp "$TMP" "$@"
rc=$?
if [ "$rc" -eq 0 ]; then rm -rf "$TMP"; else echo "ops: files kept in $TMP"; fi
exit "$rc"

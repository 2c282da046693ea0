#!/usr/bin/env bash
# tests/differential.sh: kv against Debian's redis-server 7.0, byte for byte.
# Starts both servers on ports in 7500-7599, sends the same directed cases, raw-protocol
# cases and seeded random command streams to each, and requires identical replies (see
# tests/differential.py for the comparison rules and kv's known, deliberate differences).
# Then the directed and protocol cases and seeds 1-30 again, every connection in
# RESP3 (HELLO 3 first). When build-asan/kv exists (./build.sh test builds it), the directed and protocol cases
# and a few more seeds also run against it: a sanitizer report ends that kv, which
# shows up as a divergence.
# Ends with "differential: N passed, M failed"; exits non-zero on any failure.
#   bash tests/differential.sh [--seeds 1-60] [--ops 4000] [--case NAME] [--only seeds]
# KV=path and KV_ASAN=path (empty: skip) override build/kv and build-asan/kv.
set -u
cd "$(dirname "$0")/.."
KV=${KV:-build/kv}
KV_ASAN=${KV_ASAN-build-asan/kv}

fail() {
    echo "differential: $1"
    echo "differential: 0 passed, 1 failed"
    exit 1
}
[ -x "$KV" ] || fail "no executable $KV (run ./build.sh first)"
command -v redis-server >/dev/null || fail "redis-server is not installed"
command -v python3 >/dev/null || fail "python3 is not installed"
asan=()
[ -n "$KV_ASAN" ] && [ -x "$KV_ASAN" ] && asan=(--asan-kv "$KV_ASAN" --asan-seeds 1001-1010)
echo "differential: $(redis-server --version | cut -d' ' -f1-3) vs $KV ${asan[*]}"
exec timeout 900 python3 tests/differential.py --kv "$KV" --seeds 1-60 --ops 4000 \
    --resp3-seeds 1-30 "${asan[@]}" "$@"

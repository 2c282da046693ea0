#!/usr/bin/env bash
# ci/bench.sh: kv vs Debian's redis-server, side by side (./build.sh bench [options]).
# Builds the release build/kv, checks the tools, raises the fd limit (1000-client rows,
# redis --maxclients 10000), then hands over to ci/bench.py, which starts both servers on
# 127.0.0.1 (ports 7600-7699), pinned to CPU 0 with redis-benchmark on CPU 1, and writes
# build/bench.md and build/bench.json. Options go to ci/bench.py:
#   --quick            smaller -n (about 2 minutes)
#   --rounds N         A/B rounds (default 5)
#   --only LABEL       only rows whose label contains LABEL, e.g. 'GET c50 P16'
#   --skip-extras      no keys-until-OOM fill, no startup timing
#   --kv-arg=--opt=v   an extra kv option
# It must never leave a server behind: bench.py stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in redis-server redis-benchmark python3; do
    command -v "$tool" >/dev/null || { echo "bench.sh: $tool not found" >&2; exit 1; }
done
make -s -j"$(nproc 2>/dev/null || echo 2)" all BUILD=release
[ -x build/kv ] || { echo "bench.sh: build/kv was not built" >&2; exit 1; }
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt 2100 ]; then
    echo "bench.sh: open files limit $(ulimit -n) is below 2100; the 1000-client rows" \
        "may fail" >&2
fi
exec python3 ci/bench.py "$@"

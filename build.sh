#!/usr/bin/env bash
# kv's one entry point.
#   ./build.sh            build build/kv (optimised, assertions on)
#   ./build.sh run [args] install what is missing, build, start kv (127.0.0.1:6379)
#   ./build.sh test       install, build release + ASan/UBSan, run every suite
#   ./build.sh fuzz [s]   build the libFuzzer targets and run each for s seconds
#   ./build.sh bench      kv vs redis-server side by side (ci/bench.sh)
#   ./build.sh clean
set -euo pipefail
cd "$(dirname "$0")"
JOBS=$(nproc 2>/dev/null || echo 2)

apt_install() {
    local run=""
    [ "$(id -u)" -eq 0 ] || run="sudo"
    export DEBIAN_FRONTEND=noninteractive
    if ! $run apt-get install -y -qq "$@" >/dev/null 2>&1; then
        $run apt-get update -qq >/dev/null 2>&1 || true
        $run apt-get install -y -qq "$@" >/dev/null
    fi
}

# Build dependencies: liburing and xxhash, found through pkg-config.
need_build_deps() {
    local missing=()
    pkg-config --exists liburing 2>/dev/null || missing+=(liburing-dev)
    pkg-config --exists libxxhash 2>/dev/null || missing+=(libxxhash-dev)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    command -v cc >/dev/null || missing+=(gcc)
    command -v make >/dev/null || missing+=(make)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "build.sh: installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

# Test dependencies: redis-server/redis-cli (differential and e2e tests), strace
# (zero-allocation proof), python3 (e2e drivers), python3-redis (e2e: a client library
# against AUTH), python3-rq (tests/apps.py: rq end to end), clang (fuzz replayers), node/npm and prometheus-redis-exporter
# (tests/clients.sh).
need_test_deps() {
    local missing=()
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v redis-cli >/dev/null || missing+=(redis-tools)
    command -v strace >/dev/null || missing+=(strace)
    command -v python3 >/dev/null || missing+=(python3)
    /usr/bin/python3 -c 'import redis' 2>/dev/null || missing+=(python3-redis)
    /usr/bin/python3 -c 'import rq' 2>/dev/null || missing+=(python3-rq) # tests/apps.py
    # tests/clients.sh: node and npm (the redis and ioredis packages are npm ci'd into
    # build/npm by the suite itself), and Prometheus's redis exporter where Debian has it.
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    if ! command -v prometheus-redis-exporter >/dev/null &&
        apt-cache show prometheus-redis-exporter >/dev/null 2>&1; then
        missing+=(prometheus-redis-exporter)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "build.sh: installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

build_release() { make -s -j"$JOBS" all tests BUILD=release; }
build_asan() { make -s -j"$JOBS" all tests BUILD=asan; }

# Runs one suite; its last "N passed, M failed" line is what counts.
SUITES_FAILED=0
run_suite() {
    local name=$1; shift
    local log="build/logs/${name//\//_}.log"
    mkdir -p build/logs
    local start=$SECONDS
    local status=ok
    "$@" >"$log" 2>&1 || status=FAIL
    local line
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
    [ -n "$line" ] || { line="no summary line"; status=FAIL; }
    printf '%-34s %-4s %s (%ss)\n' "$name" "$status" "$line" "$((SECONDS - start))"
    if [ "$status" != ok ]; then
        SUITES_FAILED=$((SUITES_FAILED + 1))
        tail -n 30 "$log" | sed 's/^/    | /'
    fi
}

cmd_test() {
    need_build_deps
    need_test_deps
    echo "== build (release, then ASan+UBSan)"
    build_release
    build_asan
    echo "== unit tests (release and asan)"
    for t in build/*_test; do run_suite "unit/$(basename "$t")" "$t"; done
    for t in build-asan/*_test; do run_suite "asan/$(basename "$t")" "$t"; done
    if [ -d tests ]; then
        echo "== end-to-end and differential tests"
        for t in tests/*.sh; do
            [ -e "$t" ] || continue
            run_suite "$(basename "$t" .sh)" bash "$t"
        done
    fi
    echo "== summary: $SUITES_FAILED suite(s) failed"
    [ "$SUITES_FAILED" -eq 0 ]
}

case "${1:-build}" in
build) need_build_deps; build_release ;;
run)
    shift
    need_build_deps
    make -s -j"$JOBS" all BUILD=release
    exec ./build/kv "$@"
    ;;
test) cmd_test ;;
fuzz) shift; need_build_deps; exec bash fuzz/run.sh "${1:-60}" ;;
bench) shift; need_build_deps; need_test_deps; exec bash ci/bench.sh "$@" ;;
clean) make -s clean ;;
*) echo "usage: ./build.sh [build|run [kv options]|test|fuzz [seconds]|bench|clean]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# e2e.sh: kv end to end over real sockets (run by `./build.sh test`, or alone).
#
# 1. builds tests/alloc_count.c into an LD_PRELOAD library (in a temp dir);
# 2. release: starts build/kv (default options) on port 7300 as the shared "main"
#    instance, runs tests/e2e.py against it (every test; per-test instances on
#    7310-7353), then stops it with SIGTERM and checks the exit;
# 3. asan: the same with build-asan/kv on 7301 (per-test instances on 7354-7397)
#    for the subset of tests marked for it, plus a check for sanitizer reports.
# Ports: 7300-7399 only (7399 stays unused: "nothing listens here"), all moved up by
# $KV_TEST_PORT_OFFSET when set (parallel checkouts on one machine).
# The last line is "e2e: N passed, M failed"; the exit status is non-zero on failure.
# Env: KV_BIN, KV_ASAN_BIN override the binaries; E2E_ONLY=name,... runs some tests.
set -u
cd "$(dirname "$0")/.."

KV_BIN=${KV_BIN:-build/kv}
KV_ASAN_BIN=${KV_ASAN_BIN:-build-asan/kv}
PASSED=0
FAILED=0
TMP=$(mktemp -d /tmp/kv-e2e.XXXXXX)
MAIN_PID=""

pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

cleanup() {
    if [ -n "$MAIN_PID" ] && kill -0 "$MAIN_PID" 2>/dev/null; then
        kill -KILL "$MAIN_PID" 2>/dev/null
        wait "$MAIN_PID" 2>/dev/null
    fi
    if [ "$FAILED" -eq 0 ]; then rm -rf "$TMP"; else echo "e2e: logs kept in $TMP"; fi
}
trap cleanup EXIT

finish() {
    echo "e2e: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# ---- prerequisites -----------------------------------------------------------------
for tool in python3 redis-cli strace cc; do
    if command -v "$tool" >/dev/null; then
        pass "prerequisite: $tool"
    else
        fail "prerequisite: $tool missing"
    fi
done
if cc -shared -fPIC -O2 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
    -o "$TMP/alloc_count.so" tests/alloc_count.c -ldl 2>"$TMP/alloc_count.build"; then
    pass "alloc_count.so builds"
else
    fail "alloc_count.so does not build: $(head -c 400 "$TMP/alloc_count.build")"
fi
[ "$FAILED" -eq 0 ] || finish

# ---- one run: a main instance, e2e.py, then a graceful stop ---------------------------
# run_mode <mode> <binary> <main port> <port base>
run_mode() {
    local mode=$1 bin=$2 port=$3 base=$4
    if [ ! -x "$bin" ]; then
        fail "$mode: $bin is not built"
        return
    fi
    local out="$TMP/$mode-main.out" err="$TMP/$mode-main.err"
    "$bin" --port "$port" >"$out" 2>"$err" </dev/null &
    MAIN_PID=$!
    local i
    for i in $(seq 1 300); do
        grep -q 'kv: ready' "$out" 2>/dev/null && break
        kill -0 "$MAIN_PID" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q 'kv: ready' "$out"; then
        fail "$mode: main instance on port $port did not print ready: $(tail -c 400 "$err")"
        kill -KILL "$MAIN_PID" 2>/dev/null
        wait "$MAIN_PID" 2>/dev/null
        MAIN_PID=""
        return
    fi
    pass "$mode: main instance ready on port $port"

    local only=()
    [ -n "${E2E_ONLY:-}" ] && only=(--only "$E2E_ONLY")
    local log="$TMP/$mode-e2e.log"
    python3 -B -u tests/e2e.py --kv "$bin" --mode "$mode" --main-port "$port" \
        --port-base "$base" --port-count 44 --dead-port $((7399 + ${KV_TEST_PORT_OFFSET:-0})) --tmp "$TMP" \
        --alloc-lib "$TMP/alloc_count.so" "${only[@]}" 2>&1 | tee "$log"
    local line p m
    line=$(grep -E '^e2e\.py\[[a-z]+\]: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
        m=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
        PASSED=$((PASSED + p))
        FAILED=$((FAILED + m))
    else
        fail "$mode: e2e.py ended without a summary line"
    fi

    # graceful stop of the main instance
    if ! kill -0 "$MAIN_PID" 2>/dev/null; then
        fail "$mode: main instance died during the tests: $(tail -c 600 "$err")"
        wait "$MAIN_PID" 2>/dev/null
        MAIN_PID=""
        return
    fi
    kill -TERM "$MAIN_PID"
    local rc=""
    for i in $(seq 1 150); do
        kill -0 "$MAIN_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$MAIN_PID" 2>/dev/null; then
        kill -KILL "$MAIN_PID"
        wait "$MAIN_PID" 2>/dev/null
        fail "$mode: main instance still running 15 s after SIGTERM"
    else
        wait "$MAIN_PID"
        rc=$?
        if [ "$rc" -eq 0 ] && grep -q 'kv: shutdown complete' "$out"; then
            pass "$mode: main instance exits 0 after SIGTERM, prints shutdown complete"
        else
            fail "$mode: main instance exit status $rc, stdout tail: $(tail -c 200 "$out")"
        fi
    fi
    MAIN_PID=""
    local marks='ERROR: AddressSanitizer|runtime error:|LeakSanitizer|assertion failed'
    if grep -q -E "$marks" "$err"; then
        fail "$mode: main instance reported: $(grep -m1 -E 'ERROR|runtime error|assertion' "$err")"
    else
        pass "$mode: main instance stderr has no sanitizer or assertion report"
    fi
}

O=${KV_TEST_PORT_OFFSET:-0}
run_mode release "$KV_BIN" $((7300 + O)) $((7310 + O))
run_mode asan "$KV_ASAN_BIN" $((7301 + O)) $((7354 + O))
finish

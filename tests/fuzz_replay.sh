#!/usr/bin/env bash
# tests/fuzz_replay.sh: replays every committed fuzz corpus (fuzz/corpus/<target>/,
# seeds and past findings alike) through gcc-built replayers (fuzz/replay_main.c +
# -fsanitize=address,undefined), so any machine checks them without clang or
# libFuzzer. One test per target: it passes when every input of its corpus runs
# without a crash, sanitizer report or failed check. Run by ./build.sh test.
# Ends with "fuzz_replay: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

TARGETS=(fuzz_resp fuzz_config fuzz_engine fuzz_server)
PASSED=0
FAILED=0
mkdir -p build-fuzz/logs

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Replays one file at a time, so one failing input does not hide the others.
replay_target() {
    local t=$1 bin=build-fuzz/replay/$1 log=build-fuzz/logs/replay-$1.log f n=0 bad=0
    local one=build-fuzz/logs/replay-$1.one
    : >"$log"
    for f in fuzz/corpus/"$t"/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        if ! ( "$bin" "$f" >"$one" 2>&1; exit $? ) 2>/dev/null; then
            bad=$((bad + 1))
            echo "  $t: FAILED on $f"
            grep -E 'check failed|assertion failed|runtime error|ERROR: AddressSanitizer|mismatch' \
                "$one" | head -n 3 | sed 's/^/    | /'
        fi
        cat "$one" >>"$log"
    done
    rm -f "$one"
    if [ "$n" -eq 0 ]; then
        echo "  $t: empty corpus"
        return 1
    fi
    echo "  $t: $((n - bad)) of $n inputs ok"
    [ "$bad" -eq 0 ]
}

# Each target is built on its own: a broken file fails only the targets linking it.
build_target() {
    local t=$1 log=build-fuzz/logs/replay-build-$1.log
    if make -s -j2 -f fuzz/Makefile MODE=replay "build-fuzz/replay/$t" >"$log" 2>&1; then
        return 0
    fi
    echo "  $t: build failed:"
    grep -E 'error|undefined' "$log" | head -n 10 | sed 's/^/    | /'
    return 1
}

for t in "${TARGETS[@]}"; do
    if build_target "$t" && replay_target "$t"; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
    fi
done
echo "fuzz_replay: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

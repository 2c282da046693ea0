#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...]: builds every libFuzzer target with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for SECONDS (default 60),
# one after the other. Called by `./build.sh fuzz [seconds]`.
#
# Each target starts from its committed corpus fuzz/corpus/<target>, copied into a
# scratch corpus (build-fuzz/work/<target>) that grows while it runs; afterwards
# only the inputs that add coverage are merged back with -merge=1, so the committed
# corpus stays small. A crash, leak, timeout or OOM is moved into the corpus as
# fuzz/corpus/<target>/crash-* (leak-*, timeout-*, oom-*), so tests/fuzz_replay.sh
# replays it from then on, and makes this script exit non-zero; so does a finding
# already in the corpus that still fails (its fix has not landed yet). The
# cov:/ft:/exec/s figures of every run are printed at the end and kept in
# build-fuzz/logs/<target>.log.
#
# Each target runs with -max_len above the limits it configures (max_len() below),
# so an input can cross every one of them.
#
# Environment: FUZZ_JOBS (parallel jobs per target, default 1: the machine is
# shared), FUZZ_RSS_MB (default 2048), FUZZ_NO_MERGE=1 (leave the corpus alone),
# FUZZ_MAX_LEN (overrides every target's -max_len).
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_resp fuzz_config fuzz_engine fuzz_server)
case "$SECS" in ''|*[!0-9]*) echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

# clang and the libFuzzer runtime (libclang-rt-14-dev on Debian/Ubuntu).
need_clang() {
    local run=""
    [ "$(id -u)" -eq 0 ] || run="sudo"
    if ! command -v clang >/dev/null; then
        echo "fuzz/run.sh: installing clang"
        $run apt-get install -y -qq clang >/dev/null || {
            $run apt-get update -qq >/dev/null; $run apt-get install -y -qq clang >/dev/null; }
    fi
    local probe
    probe=$(mktemp -d)
    echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' \
        >"$probe/p.c"
    if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
        local v pkg
        v=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
        pkg="libclang-rt-${v}-dev"
        echo "fuzz/run.sh: installing $pkg (libFuzzer runtime)"
        $run apt-get install -y -qq "$pkg" >/dev/null || {
            $run apt-get update -qq >/dev/null; $run apt-get install -y -qq "$pkg" >/dev/null; }
    fi
    rm -rf "$probe"
}

need_clang
echo "== build (clang, libFuzzer + ASan + UBSan)"
make -s -j"${FUZZ_MAKE_JOBS:-2}" -f fuzz/Makefile MODE=fuzz \
    $(printf 'build-fuzz/libfuzzer/%s ' "${TARGETS[@]}")

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p build-fuzz/logs
FAILED=0
SUMMARY=()
is_finding() {
    case "$(basename "$1")" in crash-* | leak-* | timeout-* | oom-* | slow-unit-*) return 0 ;; esac
    return 1
}

# Findings already in the corpus: each still failing counts as a failure (the fix
# has not landed); they are kept out of the fuzzing corpus so the run can go on.
known_findings() {
    local t=$1 f bad=0
    for f in fuzz/corpus/"$t"/*; do
        [ -f "$f" ] && is_finding "$f" || continue
        if ! "build-fuzz/libfuzzer/$t" -timeout=10 "$f" >>"build-fuzz/logs/$t.log" 2>&1; then
            echo "   still failing: $f"
            bad=1
        fi
    done
    return $bad
}

# Rebuilds the committed corpus as seeds + findings + the fewest other inputs that
# reach every edge the scratch corpus reaches (greedy set cover, edges only, inputs of
# at most FUZZ_MERGE_MAX_LEN bytes), so it stays at dozens of small files.
merge_corpus() {
    local t=$1 corpus=$2 work=$3 log=$4 pool=build-fuzz/pool/$1 f
    rm -rf "$pool"
    mkdir -p "$pool"
    for f in "$corpus"/*; do
        [ -f "$f" ] || continue
        case "$(basename "$f")" in seed-*) continue ;; esac
        is_finding "$f" || mv "$f" "$pool/"
    done
    if ! "build-fuzz/libfuzzer/$t" -merge=1 -set_cover_merge=1 -use_counters=0 \
            -use_value_profile=0 -max_len="${FUZZ_MERGE_MAX_LEN:-2048}" -timeout=10 \
            -rss_limit_mb="${FUZZ_RSS_MB:-2048}" "$corpus" "$pool" "$work" >>"$log" 2>&1; then
        echo "   merge failed: corpus left as it was (see $log)"
        mv "$pool"/* "$corpus/" 2>/dev/null || true
    fi
}

# -max_len per target, above the limits the target draws: fuzz_resp's inputs are at
# most 64 KiB (an inflate run makes streams of up to 128 KiB, past the 64 KiB line
# limits); fuzz_config's at most 8 KiB of text; fuzz_engine's values reach 16 KiB,
# above its 512 B-8 KiB reply limits; fuzz_server's raw writes reach 16 KiB, above
# its 512 B-16 KiB query limits, and its fill records 1 MiB, above 256 KiB.
max_len() {
    if [ -n "${FUZZ_MAX_LEN:-}" ]; then echo "$FUZZ_MAX_LEN"; return; fi
    case "$1" in
    fuzz_resp) echo 65536 ;;
    fuzz_config) echo 8192 ;;
    *) echo 16384 ;;
    esac
}

# libFuzzer options of one target. fuzz_resp: energy scaled down by an input's
# execution time (a 64 KiB line costs ~100 times a short frame), which took it from
# 43k to 61k executions per CPU second at the same coverage.
extra_flags() {
    case "$1" in
    fuzz_resp) echo "-entropic_scale_per_exec_time=1" ;;
    esac
}

for t in "${TARGETS[@]}"; do
    corpus=fuzz/corpus/$t
    work=build-fuzz/work/$t
    art=build-fuzz/artifacts/$t
    log=build-fuzz/logs/$t.log
    mkdir -p "$corpus" "$work" "$art"
    : >"$log"
    echo "== $t: ${SECS}s"
    failed=0
    known_findings "$t" || failed=1
    for f in "$corpus"/*; do
        [ -f "$f" ] && ! is_finding "$f" && cp -n "$f" "$work/" 2>/dev/null || true
    done
    flags=(-max_total_time="$SECS" -timeout=10 -rss_limit_mb="${FUZZ_RSS_MB:-2048}"
           -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$art/")
    [ -f "fuzz/$t.dict" ] && flags+=(-dict="fuzz/$t.dict")
    read -r -a more <<<"$(extra_flags "$t")"
    flags+=("${more[@]}")
    [ "${FUZZ_JOBS:-1}" -gt 1 ] && flags+=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
    rc=0
    # CPU seconds too: on a shared machine exec per CPU second is the figure that
    # compares across runs (wall-clock exec/s falls with the load).
    TIMEFORMAT='cpu_seconds: %U %S'
    { time { "build-fuzz/libfuzzer/$t" "${flags[@]}" "$work" >>"$log" 2>&1 || rc=$?; }; } \
        2>>"$log"
    if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
        cat fuzz-*.log >>"$log" 2>/dev/null || true
        rm -f fuzz-*.log
    fi
    last=$(grep -E '#[0-9]+.*cov:' "$log" | tail -n 1 || true)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
    eps=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    cpu=$(sed -n 's/^cpu_seconds: \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' "$log" | tail -n 1 |
        awk '{printf "%.1f", $1 + $2}')
    per_cpu=$(awk -v r="${runs:-0}" -v c="${cpu:-0}" 'BEGIN { if (c > 0) printf "%d", r / c }')
    for f in "$art"/*; do # new findings join the committed corpus: replayed from now on
        [ -f "$f" ] || continue
        mv "$f" "$corpus/"
        echo "   new finding: $corpus/$(basename "$f")"
    done
    if [ "$rc" -ne 0 ]; then
        failed=1
        echo "   FAILED (exit $rc)"
        grep -E 'ERROR|check failed|assertion failed|runtime error|SUMMARY|mismatch' \
            "$log" | head -n 12 | sed 's/^/   | /'
    fi
    if [ "${FUZZ_NO_MERGE:-0}" != 1 ]; then
        merge_corpus "$t" "$corpus" "$work" "$log"
    fi
    FAILED=$((FAILED + failed))
    line=$(printf '%-12s runs=%s exec/s=%s cpu=%ss exec/cpu-s=%s cov=%s ft=%s corpus=%s files' \
        "$t" "${runs:-?}" "${eps:-?}" "${cpu:-?}" "${per_cpu:-?}" "${cov:-?}" "${ft:-?}" \
        "$(ls "$corpus" | wc -l)")
    echo "   $line"
    SUMMARY+=("$line")
done
echo "== fuzz summary ($(date -u +%Y-%m-%d), ${SECS}s per target)"
printf '   %s\n' "${SUMMARY[@]}"
echo "fuzz: ${#TARGETS[@]} targets, $FAILED failed"
[ "$FAILED" -eq 0 ]

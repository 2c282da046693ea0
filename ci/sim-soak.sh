#!/usr/bin/env bash
# sim-soak.sh: runs the deterministic simulator over consecutive seeds for a given
# wall-clock duration and collects the failing seeds.
#
#   ci/sim-soak.sh [--start N] [--duration SECONDS] [--out FILE] [--ticks T]
#                  [--jobs J] [--bin PATH] [--timeout SECONDS] [--crowd]
#
# Defaults: start 1, duration 300 s, out sim-failures.txt, the simulator's default
# ticks, 1 job, ./build/kv, 600 s per seed. Each failing seed appends one line to
# FILE: "<seed> <exit status> <first failure line>"; the full output of each
# failing run is kept next to it in FILE.d/<seed>.txt. A run that exceeds the
# per-seed timeout counts as a failure (exit status 124). Every line of FILE
# replays with: ./build/kv sim --seed <seed> [--ticks T] [--crowd]. --crowd runs
# every seed with 96+ clients (the io batch hint's range).
# Exit status: 0 if every seed passed, 1 if any failed, 2 on a usage error.
set -u

start=1
duration=300
out=sim-failures.txt
ticks=""
jobs=1
bin=./build/kv
per_seed_timeout=600
crowd=()

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --start) start=${2:?}; shift 2 ;;
        --duration) duration=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --ticks) ticks=${2:?}; shift 2 ;;
        --jobs) jobs=${2:?}; shift 2 ;;
        --bin) bin=${2:?}; shift 2 ;;
        --timeout) per_seed_timeout=${2:?}; shift 2 ;;
        --crowd) crowd=(--crowd); shift ;;
        -h|--help) usage ;;
        *) echo "sim-soak: unknown argument $1" >&2; usage ;;
    esac
done

for n in "$start" "$duration" "$jobs" "$per_seed_timeout"; do
    case "$n" in ''|*[!0-9]*) echo "sim-soak: not a number: $n" >&2; exit 2 ;; esac
done
[ -x "$bin" ] || { echo "sim-soak: $bin is not executable (run make first)" >&2; exit 2; }

mkdir -p "$out.d"
: > "$out"
tick_args=()
[ -n "$ticks" ] && tick_args=(--ticks "$ticks")

# Runs one seed; records it if it fails.
run_seed() {
    local seed=$1 log rc
    log=$(mktemp)
    timeout "$per_seed_timeout" "$bin" sim --seed "$seed" "${tick_args[@]}" "${crowd[@]}" > "$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        cp "$log" "$out.d/$seed.txt"
        local why
        why=$(grep -m1 -E 'FAIL|assertion failed|ERROR' "$log" || true)
        [ $rc -eq 124 ] && why="timed out after ${per_seed_timeout}s"
        echo "$seed $rc ${why:-exit status $rc}" >> "$out"
    fi
    rm -f "$log"
}

end=$(( $(date +%s) + duration ))
seed=$start
ran=0
while [ "$(date +%s)" -lt "$end" ]; do
    for _ in $(seq 1 "$jobs"); do
        run_seed "$seed" &
        seed=$((seed + 1))
        ran=$((ran + 1))
    done
    wait
done

failed=$(wc -l < "$out")
echo "sim-soak: seeds $start..$((seed - 1)): $ran run, $failed failed (list: $out)"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Startup behaviour of the real binary: --help, --print-allocation, and refusals of
# impossible configurations (exit 1, a message naming the option), before any
# memory is mapped or any port bound.
set -uo pipefail
cd "$(dirname "$0")/.."
KV=${KV_BIN:-./build/kv}
passed=0; failed=0
check() { # name, expected exit code, expected output substring, command...
    local name=$1 want_rc=$2 want_out=$3; shift 3
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" -eq "$want_rc" ] && [[ "$out" == *"$want_out"* ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: rc=$rc (want $want_rc), output: ${out:0:300}"
    fi
}
check help 0 "--maxmemory-policy" "$KV" --help
check help-defaults 0 "noeviction" "$KV" --help
check print-allocation 0 "total mapped" "$KV" --print-allocation --maxmemory 16mb
check print-allocation-keyspace 0 "keyspace (maxmemory)" "$KV" --print-allocation
check unknown-option 1 "kv: config: unknown option 'nosuch'" "$KV" --nosuch 1
check bad-size 1 "invalid value 'lots' for option 'maxmemory'" "$KV" --maxmemory lots
check bulk-over-query-limit 1 "kv: impossible configuration: proto-max-bulk-len:" \
    "$KV" --proto-max-bulk-len 4mb --client-query-buffer-limit 2mb
check maxmemory-too-small 1 "impossible configuration: maxmemory:" "$KV" --maxmemory 1kb
check more-than-the-machine 1 "the machine has" \
    "$KV" --maxmemory 8gb --large-buffers 20000 --client-query-buffer-limit 1gb
check missing-config-file 1 "cannot open config file '/nonexistent.conf'" \
    "$KV" /nonexistent.conf
printf 'port 0\nmaxmemory 1mb\n' > build/startup-test.conf
check config-file 0 "total mapped" "$KV" build/startup-test.conf --print-allocation
echo "startup: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

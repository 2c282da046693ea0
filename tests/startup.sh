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
# redis.conf syntax: kv.conf (shipped) holds kv's defaults exactly; refusals name the line.
check kv-conf-loads 0 "total mapped" "$KV" kv.conf --print-allocation
if [ "$("$KV" kv.conf --print-allocation 2>&1)" = "$("$KV" --print-allocation 2>&1)" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); echo "FAIL kv-conf-defaults: kv.conf's table differs from the defaults"
fi
printf 'port 0\nappendonly yes\n' > build/startup-refuse.conf
check refused-directive 1 \
    "kv: config: build/startup-refuse.conf:2: 'appendonly yes' is not supported: kv has no persistence" \
    "$KV" build/startup-refuse.conf
printf 'include build/startup-test.conf\nmaxmemory "2mb"\nsave ""\n' > build/startup-incl.conf
check include-and-quotes 0 "keyspace (maxmemory)                16384          2097152" \
    "$KV" build/startup-incl.conf --print-allocation
check include-warns 0 "kv: config: warning: build/startup-incl.conf:3: 'save \"\"' accepted, ignored: kv has no persistence" \
    "$KV" build/startup-incl.conf --print-allocation
# Redis 7's own redis.conf (Debian's, a copy: CONFIG REWRITE must never touch /etc) starts kv.
redis_conf() { # name, path of a redis.conf
    local name=$1 conf=$2 pid up=0
    cp "$conf" build/startup-redis.conf
    # --logfile "": the file names /var/log/redis/, where kv would log (as Redis does)
    "$KV" build/startup-redis.conf --port 0 --maxmemory 4mb --logfile "" \
        > build/startup-redis.log 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        grep -q "ready" build/startup-redis.log 2>/dev/null && { up=1; break; }
        sleep 0.1
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    if [ "$up" = 1 ] && grep -q "'daemonize yes' accepted" build/startup-redis.log; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); echo "FAIL $name: $(grep -v warning build/startup-redis.log | head -3)"
    fi
}
if [ -r /etc/redis/redis.conf ]; then
    redis_conf redis-conf-debian /etc/redis/redis.conf
else
    failed=$((failed + 1)); echo "FAIL redis-conf: /etc/redis/redis.conf missing (apt-get install redis-server)"
fi
# The soft open-file limit is raised for maxclients (+512), never past the hard one.
nofile_case() { # name, soft limit to start with, maxclients, expected soft limit
    local name=$1 soft=$2 clients=$3 want=$4 pid got=""
    (ulimit -Sn "$soft" && exec "$KV" --port 0 --maxmemory 1mb --maxclients "$clients") \
        > build/startup-nofile.log 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        grep -q "ready" build/startup-nofile.log 2>/dev/null && break
        sleep 0.1
    done
    got=$(awk '/Max open files/ {print $4}' "/proc/$pid/limits" 2>/dev/null)
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    if [ "$got" = "$want" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: soft open-file limit $got, want $want"
    fi
}
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 2600 ]; then
    nofile_case nofile-raised 256 2000 2512
else
    nofile_case nofile-capped-at-hard 256 2000 "$hard"
fi
keep=4000
[ "$hard" != unlimited ] && [ "$hard" -lt "$keep" ] && keep=$hard
nofile_case nofile-kept-when-enough "$keep" 100 "$keep"
echo "startup: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

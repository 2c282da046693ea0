#!/usr/bin/env bash
# The simulator in CI: regression seeds, a seed range derived from the commit (so
# every push explores new seeds) within a time budget, and one seed run twice to
# prove determinism (identical output, identical trace hash).
set -uo pipefail
cd "$(dirname "$0")/.."
KV=${KV_BIN:-./build/kv}
BUDGET_S=${SIM_BUDGET_S:-150}
HOSTILE_BUDGET_S=${SIM_HOSTILE_BUDGET_S:-60}
# One seed's wall-clock limit: seed 2104 takes ~65 s alone and timed out at 120 s
# on a machine loaded by other work; a seed that runs past this still fails (a livelock).
SEED_TIMEOUT_S=${SIM_SEED_TIMEOUT_S:-300}
passed=0; failed=0

run_seed() {
    local seed=$1 out
    if out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed "$seed" "${@:2}" 2>&1); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL seed $seed"
        printf '%s\n' "$out" | tail -n 5
    fi
}

# Seeds that once found bugs (keep them: each is a regression test).
#   1: reject slots checked like client slots (server_check)
#  10: EXEC ran although a watched key had expired
#  452995056: a read-ahead recv pinned the only large buffer to an idle client
#  7000908: the model's glob compared ranges as unsigned bytes (Redis: signed char)
#  7000936: a corrupted connection's MULTI overflow went unnoticed by the checker
#  8000754: an eviction caused by a command inside EXEC was taken as preceding EXEC
#  9200784: the idle timeout closed a client that had stopped reading mid-error (checker)
#   8: FLUSHALL "async\0z" (an option ends at a NUL byte for Redis) was a syntax error
#  10: SCAN TYPE "string\0z" matched no key (Redis strcasecmp()s TYPE's argument)
#   5: SETRANGE within a value INCRBYFLOAT made longer than proto-max-bulk-len
#      (4,933 bytes, limit 3,273): room_setrange() asserted (cmd_string.c)
# 145: CONFIG GET maxmemorY answered nothing: Redis 7.0 looks a name up without case
#      (and echoes it as sent) and matches globs without case (cmd_server.c; found
#      once the model's glob was rewritten independently of src/util.c)
# 344: a refused PUBLISH (reply too large inside EXEC) was sized by running the
#      model's PUBLISH, which delivered its message: the model counted it read-only
for seed in 1 10 452995056 7000908 7000936 8000754 9200784 8 5 145 344; do run_seed "$seed"; done
# Hashes and sets (issue 21, --types=hash,set; sim_types.c): mixed into the workload
# (and into every other seed of the range below). Regression seeds:
#   9, 10, 19, 27, 51, 57: SPOP of a whole set, SUNION and SDIFF replied an all-integer
#       result in storage order; Redis builds it as an intset (at most
#       set-max-intset-entries) and replies ascending (cmd_set.c sop_emit)
for seed in 1 2 3 4 9 10 19 27 51 57; do run_seed "$seed" --types=hash,set; done
# 231: SPOP with a count leaving at most a fifth of what it popped left a table where
#      Redis 7.0 rebuilds the rest (an intset again when all integers): SMEMBERS came in
#      table order, the model's intset ascending (cmd_set.c pop_some, coll.c
#      kv_coll_rebuild_set). 448476026 (all four types) reported the same as OBJECT
#      ENCODING hashtable for intset on another tree; it passes on this one either way.
run_seed 231 --types=hash,set
run_seed 448476026 --types=hash,set,zset,stream
# Sorted sets (--types=zset; sim_model_zset*.c): commands the server lacks are not sent,
# so these seeds exercise the model only once kv has them.
for seed in 1 2 3; do run_seed "$seed" --types=hash,set,zset; done
for seed in 1 2 3; do run_seed "$seed" --types=zset; done
# 4: ZLEXCOUNT of a skiplist with mixed scores counts Redis's way, last rank - first
# rank + 1, each searched apart, not a walk from the first (found with BZPOP* drawn)
run_seed 4 --types=zset
# Streams (--types=stream; sim_model_stream.c, sim_workload_stream.c): the model and its
# workload, alone and with hashes and sets (only the commands kv has are sent).
for seed in 1 2 3; do run_seed "$seed" --types=stream; done
run_seed 4 --types=hash,set,stream
# XREAD BLOCK (sim_model_block.c): seed 1 serves 335 readers; 4 and 7 defer one (no
# reply room), which passes the stream on to its next reader and retries it later.
for seed in 4 7; do run_seed "$seed" --types=stream; done
# The same seeds with one recv per read and no EXEC padded to the query limit, as
# they ran when they found their bugs (three seeds in four draw multishot recv, one
# in two edge MULTIs: sim_main.c world_setup).
for seed in 1 10 452995056 7000908 7000936 8000754 9200784; do
    run_seed "$seed" --no-multishot --no-edge-multi
done
#  14: with edge MULTIs, a corrupted connection's EXEC crossed the limit: the
#      checker now takes EXECABORT from the server there (sim_check.c match_request)
run_seed 14 --no-hostile  # as it ran when found (seed 14 now draws hostile clients)
# Seed 1 pads transactions to end 0..15 bytes short of the query limit (sim_client.c
# pad_to_limit): EXEC's own bytes must cross it, the case the checker once missed
# (without the EXEC rule in sim_check.c match_kept this seed fails).
out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 1 --stats 2>&1)
over=$(printf '%s\n' "$out" | grep -o 'exec_overflows=[0-9]*' | cut -d= -f2)
if [ "${over:-0}" -gt 0 ] && printf '%s\n' "$out" | tail -n1 | grep -q '^seed=1 '; then
    passed=$((passed + 1)); echo "edge: seed 1 exec_overflows=$over"
else
    failed=$((failed + 1)); echo "FAIL edge: seed 1 exec_overflows=${over:-none} (want > 0)"
    printf '%s\n' "$out" | tail -n 3
fi

# Hostile clients (sim_hostile.c): each seed below failed on the tree before the issue
# 18 fixes, the first with only the kind of act that found it, the second with the
# seed's own mix (`kv sim --seed N --hostile`). Each is a regression test of its fix.
#   bug 1, an inline line past 64 KiB whose newline came after the limit check
#          (assertion f->frame_len <= KV_PROTO_INLINE_MAX + 64): inline 2, mix 4
#   bug 2, empty frames inside MULTI past EXEC's frame bound (pos == c->in_start):
#          empty 1, mix 1
#   bug 3, an inline request with more words than argv holds (f->argc <= s->argc_max):
#          inline 1, mix 6 (since the inline-words act also goes past the multibulk
#          count limit; before, the current simulator missed bug 3)
#   bug 4, partial large requests (silent or trickling) holding every large request
#          buffer: a well-behaved client past the liveness bound: partial 1, mix 35
#   bug 5, never-reading GET pipelines holding every large reply buffer (only the
#          reply pool's hold rule reverted): noread 28, mix 31 (noread 6 and mix 16,
#          which found it on the unfixed tree, no longer do with today's draws)
#   bug 9, HTTP (POST, Host:) answered and left open: http 3, mix 2
for x in inline:2 empty:1 inline:1 partial:1 noread:28 http:3; do
    run_seed "${x#*:}" --hostile="${x%%:*}"
done
for seed in 4 1 6 35 31 2; do run_seed "$seed" --hostile; done
# Issue 18 items 7 and 8, which the model accepted before it was strict about them
# (sim_model_refuse.c); each seed fails with its fix reverted (sim/README.md's table):
#   20: APPEND sized its -OOM pre-check from its argument, not the result: -OOM with
#       no eviction under allkeys-lru
#  106: SETRANGE sized from its arguments, not the offset: the same
#   26, 53: eviction stopped after 1,024 random victims with the free bytes in pieces
#       (no join): SET of 75 KB / 54 KB refused with -OOM (fill seeds)
#   48, 94: KEYS sized from every key, not the matching ones: "KEYS <pattern>" refused
#       for 148 KB / 37 KB with an empty reply (fill seeds with long keys)
#   2104: found by the strict model on the fixed tree: PSETEX on a key without a TTL
#       sized its room without the TTL field, 8 bytes short (-OOM, keyspace.c)
for seed in 20 106 26 53 48 94 2104; do run_seed "$seed"; done
# Blocking pops (sim/sim_model_block.c, sim/README.md "Blocking pops"): 18 a served
#   BRPOPLPUSH's -OOM; 19 a deferred wake left on the connection woke its next wait at
#   once; 30 "0.001" s is 1 ms (Redis rounds up), was forever; 10 EXEC serves after
#   its replays; 816656000 keys readied outside a command's run were left pending
#   at the turn's end (kv_server_check's assertion).
for seed in 18 19 30 10 816656000; do run_seed "$seed"; done
# 678197063 --crowd: a key a deferral stalled (its head's reply found no room) is
#   served again at a write in kv that leaves it a list, creation or not; the model
#   now follows that
run_seed 678197063 --crowd
# 141: kv readied a waited key at any write (SET k1 readied k1 before RPUSH k2 made k2
#   a list: Redis readies keys as they become lists); the model readied a deferred
#   client's keys at its own report, not at kv's retry (other clients the retry's
#   drain ran came first); a stalled key served again must serve its next waiters
#   before keys the serve readied, and from the key the reply names
run_seed 141
# 921996383 --crowd: a lagging subscriber's BRPOPLPUSH k1 k1 was deferred, stalling k1;
#   an LMOVE k1 k11 readied k11 then k1 again (its write), and k11's served
#   BRPOPLPUSH k11 k2 readied k2: kv served k1's waiter before k2's, in the order the
#   keys became ready, but the model accepted a stalled key's serve only when nothing
#   else was due (sim_model_block.c m_block_report)
run_seed 921996383 --crowd
# INFO outgrew the fixed 128 KiB command scratch (every command with latencystats at 16
# percentiles): kv asserted in kv_scratch_alloc; the scratch is now sized from INFO's longest text.
run_seed 180782106 --types=hash,set,zset,stream
# An EXPIRE served an XREAD BLOCK reader with nothing after an XSETID had moved the last
# ID past it: kv readied a stream at any write; Redis only at XADD or when dbAdd makes it.
run_seed 180782113 --types=stream
# 159409041 --hostile: the strict -OOM rule compared maxmemory-eviction-keys with the
# entries left after the command's own evictions (51), not those before them (107)
run_seed 159409041 --hostile
# 1024: the hold rule kept one window per connection, and the check of the idle
# request pool restarted the window the reply pool was judging: a never-reading
# client holding both buffers kept the reply buffer for 22,000 ticks (liveness).
run_seed 1024

# Sessions (sim_session.c; issue 20): each seed must show its feature at work.
#    2: RESP3: 30% of connections open with HELLO 3, others switch mid-connection;
#       the model answers `_`, maps and verbatim strings (sim_model_resp3.c)
#   18: requirepass: AUTH forms, commands before AUTH (NOAUTH, EXECABORT), wrong
#       passwords, HELLO 3 AUTH default pass
#    6: protected mode: remote clients get DENIED and the close (rejected_connections)
for x in 2:resp3_commands 18:noauth_replies 6:remote_denied; do
    seed=${x%%:*} key=${x#*:}
    out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed "$seed" --stats 2>&1)
    n=$(printf '%s\n' "$out" | grep -o "$key=[0-9]*" | cut -d= -f2)
    if [ "${n:-0}" -gt 0 ] && printf '%s\n' "$out" | tail -n1 | grep -q "^seed=$seed "; then
        passed=$((passed + 1)); echo "sessions: seed $seed $key=$n"
    else
        failed=$((failed + 1)); echo "FAIL sessions: seed $seed $key=${n:-none} (want > 0)"
        printf '%s\n' "$out" | tail -n 3
    fi
done

# Issue 20, the clients' switches and run-time config (sim_workload_cfg.c, its model
# sim_model_client.c and sim_model_cfg.c); each seed must show its act at work:
#    6: CLIENT REPLY OFF/SKIP (replies the checker must not expect); found kv's RESET
#       turning REPLY back ON under a SKIP in force (Redis drops RESET's reply)
#    9: CLIENT PAUSE WRITE/ALL (no command the pause holds may run before its end)
#   10: CLIENT LIST/INFO (the caller's line: id, name, db, cmd, resp, flags)
#   12: CONFIG SET of the policy, maxmemory down, samples, hz, slowlog (the model follows)
#   10 (timeout_sets): CONFIG SET timeout to another value and back at run time (idle
#       closes by the timeout in force; sim_workload_cfg.c)
#    7: found kv sending a protocol error to a client under CLIENT REPLY OFF/SKIP (Redis
#       sends nothing before the close; server.c reply_pending_error)
run_seed 7
for x in 6:replies_dropped 9:pauses 10:client_lists 12:config_sets 10:timeout_sets; do
    seed=${x%%:*} key=${x#*:}
    out=$(timeout 120 "$KV" sim --seed "$seed" --stats 2>&1)
    n=$(printf '%s\n' "$out" | grep -o "$key=[0-9]*" | cut -d= -f2)
    if [ "${n:-0}" -gt 0 ] && printf '%s\n' "$out" | tail -n1 | grep -q "^seed=$seed "; then
        passed=$((passed + 1)); echo "clients: seed $seed $key=$n"
    else
        failed=$((failed + 1)); echo "FAIL clients: seed $seed $key=${n:-none} (want > 0)"
        printf '%s\n' "$out" | tail -n 3
    fi
done

# Issue 20 part C (sim_unauth.c, sim_hostile.c act_unauth): with requirepass,
#   22 --hostile=unauth: unauthenticated floods closed with Redis's "unauthenticated
#       multibulk/bulk length" errors, and an oversize fault of a well-behaved client
#       before its AUTH (which then gets that error, not a silent close)
#   24: AUTH queued in MULTI, run by EXEC (+OK, WRONGPASS inside EXEC's array)
#   141779002 --hostile: the other acts AUTH first (the inline act's exact frame)
run_seed 22 --hostile=unauth
run_seed 24
run_seed 141779002 --hostile

# Crowds (96+ clients): the server's io batch plan (activity.h kv_batch_plan) leaves
# 0 there, so its path runs under faults; seed 2's largest hint with one recv per
# read is exactly 16 (15 before INFO gained large_buffer_stall_disconnections and
# the eviction counters, 13 before the workload reached every option edge, 15
# before INFO gained recv_multishot_armed, 14 before the index grew in levels: each
# changed the run) and its pipelining clients take the plan to its four windows.
# --no-newer: as it ran before the workload drew COPY, INCRBYFLOAT, CLIENT, CONFIG
# and COMMAND (with them: 11 and 3); --no-session: as before RESP3 sessions;
# --no-block: as before blocking pops (with them: 13 and 4).
for seed in 1 4; do run_seed "$seed" --crowd; done
# 9700047, 9700113: 116 clients queued behind two (one) large buffers drain in
# ~6,000 ticks; the drain's liveness check now waits while bytes still move
for seed in 9700047 9700113; do run_seed "$seed" --crowd; done
# 962400159: an inline SET whose value was longer than proto-max-bulk-len (520 here;
# Redis's minimum is 1mb, so only kv's smaller limits allow it) reached SET's room
# assertion: a client's bytes at an assertion (resp.c step_inline now refuses it)
run_seed 962400159 --crowd
# 906356011, 906356033: blocked clients' timeouts answered up to 719 ms late, within
# the server's old tick after chained CONFIG SET hz changes (1 s, then 4 ms) and after
# a realtime jump (the timer is monotonic): the model's window learned both
for seed in 906356011 906356033; do run_seed "$seed"; done
out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 2 --crowd --no-multishot --no-newer --no-session \
    --no-block --stats 2>&1)
hint=$(printf '%s\n' "$out" | grep -o 'batch_hint_max=[0-9]*' | cut -d= -f2)
wins=$(printf '%s\n' "$out" | grep -o 'batch_windows_max=[0-9]*' | cut -d= -f2)
if [ "$hint" = "16" ] && [ "$wins" = "4" ] && printf '%s\n' "$out" | tail -n1 | grep -q '^seed=2 '; then
    passed=$((passed + 1)); echo "crowd: seed 2 batch_hint_max=$hint batch_windows_max=$wins"
else
    failed=$((failed + 1))
    echo "FAIL crowd: seed 2 batch_hint_max=${hint:-none} (want 16) batch_windows_max=${wins:-none} (want 4)"
    printf '%s\n' "$out" | tail -n 3
fi
# Multishot recv with one shared buffer among ~100 clients: most multishots end
# with -ENOBUFS and the connection's next read is a plain one (server.c on_recv).
# Also the pub/sub backlog's regression seed: the live shutdown closed a lagging
# subscriber whose messages were still in the backlog ("closed before 2639 produced
# reply bytes were sent"; server.c out_flushed).
out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 2 --crowd --no-session --stats 2>&1)
bufs=$(printf '%s\n' "$out" | grep -o 'recv_buffers=[0-9]*' | cut -d= -f2)
armed=$(printf '%s\n' "$out" | grep -o 'recv_multi=[0-9]*' | cut -d= -f2)
chunks=$(printf '%s\n' "$out" | grep -o 'recv_multi_chunks=[0-9]*' | cut -d= -f2)
if [ "$bufs" = "1" ] && [ "${armed:-0}" -gt 0 ] && [ "${chunks:-0}" -gt 0 ] &&
    printf '%s\n' "$out" | tail -n1 | grep -q '^seed=2 '; then
    passed=$((passed + 1)); echo "crowd: seed 2 multishot recvs=$armed chunks=$chunks (1 buffer)"
else
    failed=$((failed + 1))
    echo "FAIL crowd: seed 2 recv_buffers=${bufs:-none} recv_multi=${armed:-none}" \
        "chunks=${chunks:-none}"
    printf '%s\n' "$out" | tail -n 3
fi

# Determinism: the same seed twice gives byte-identical output.
a=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 4242 2>&1); b=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 4242 2>&1)
if [ "$a" == "$b" ] && [ -n "$a" ]; then
    passed=$((passed + 1)); echo "determinism: seed 4242 twice -> $(printf '%s' "$a" | tail -n1 | grep -o 'trace=[0-9a-f]*')"
else
    failed=$((failed + 1)); echo "FAIL determinism: seed 4242 gave different output"
fi

# A range derived from the commit, as many seeds as fit in the budget.
base=$(( 16#$(git rev-parse --short=7 HEAD 2>/dev/null || echo 0) % 1000000 * 1000 ))
start=$SECONDS; n=0; requests=0
while [ $((SECONDS - start)) -lt "$BUDGET_S" ] && [ $n -lt 2000 ]; do
    seed=$((base + n))
    crowd=(); [ $((n % 16)) -eq 15 ] && crowd=(--crowd)  # one seed in 16: a crowd
    case $((n % 4)) in  # each in four: hashes and sets; streams; all four types; none
        0) crowd+=(--types=hash,set) ;; 1) crowd+=(--types=stream) ;;
        2) crowd+=(--types=hash,set,zset,stream) ;;
    esac
    if out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed "$seed" "${crowd[@]}" 2>&1); then
        passed=$((passed + 1))
        r=$(printf '%s' "$out" | tail -n1 | grep -o 'requests=[0-9]*' | cut -d= -f2)
        requests=$((requests + ${r:-0}))
    else
        failed=$((failed + 1)); echo "FAIL seed $seed ${crowd[*]}"; printf '%s\n' "$out" | tail -n 5
    fi
    n=$((n + 1))
done
echo "seed range $base..$((base + n - 1)): $n seeds, $requests simulated requests in $((SECONDS - start))s"
# Every seed of a second range with hostile clients (one seed in four draws them above).
hbase=$((base + 500000)); start=$SECONDS; n=0
while [ $((SECONDS - start)) -lt "$HOSTILE_BUDGET_S" ] && [ $n -lt 500 ]; do
    run_seed $((hbase + n)) --hostile
    n=$((n + 1))
done
echo "hostile range $hbase..$((hbase + n - 1)): $n seeds in $((SECONDS - start))s"

# The canary: a planted bug must make the simulator fail.
if timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 7 --canary --no-hostile >/dev/null 2>&1; then
    failed=$((failed + 1)); echo "FAIL canary: the planted bug went unnoticed"
else
    passed=$((passed + 1)); echo "canary: planted bug detected"
fi
# The model canary: a wrong reference model must make the model check fail.
if timeout "$SEED_TIMEOUT_S" "$KV" sim --seed 7 --canary=model --no-hostile >/dev/null 2>&1; then
    failed=$((failed + 1)); echo "FAIL model canary: the planted bug went unnoticed"
else
    passed=$((passed + 1)); echo "model canary: planted bug detected"
fi
# The liveness canary: a server recv that never completes (a lost wake-up), planted
# as the calm phases begin, must be caught whatever then hides it (sim_check.c):
#   calm: the input waited delivered and unread past the bound of the server's own
#         waits (sim_check_input_waits), even while the server keeps sending (a
#         subscriber's messages) or before a live shutdown closes the connection;
#   idle: the server idle-closed a connection whose input sat delivered and unread
#         for the whole timeout with nothing sent (idle_closed_unread), which the
#         checker once excused as idleness (seeds 1 2 4 5 7 with --no-edge-multi
#         missed the canary before).
# Each seed names the check that must catch it; a wrong check fails the line. Known
# miss: seed 6, whose stalled connection holds a large request buffer and is cut by
# the hold rule after 155 ticks (the cut excuses it; sim/README.md "Canary").
stall_canary() {  # seed, expected kind (calm|idle), extra sim options
    local want=
    case $2 in
        calm) want='input sat delivered and unread for [0-9]+ ticks in the calm phases' ;;
        idle) want='closed after its input sat delivered and unread for [0-9]+ ticks' ;;
    esac
    out=$(timeout "$SEED_TIMEOUT_S" "$KV" sim --seed "$1" --canary=stall "${@:3}" 2>&1)
    if [ $? -ne 0 ] && printf '%s' "$out" | grep -Eq "$want"; then
        passed=$((passed + 1))
        echo "stall canary (seed $1${3:+ ${*:3}}): lost wake-up detected ($2)"
    else
        failed=$((failed + 1))
        echo "FAIL stall canary (seed $1${3:+ ${*:3}}, want $2): $(printf '%s' "$out" | tail -n 2)"
    fi
}
for x in 1:calm 2:calm 3:calm 4:calm 5:idle 8:idle; do
    stall_canary "${x%%:*}" "${x#*:}" --no-edge-multi
done
# 7: with its hostile clients the bound is their liveness bound (1,920 ticks), which
# its chained CLIENT PAUSEs keep the unpaused wait under; without them it is 1,096
stall_canary 7 calm --no-edge-multi --no-hostile
for x in 1:calm 5:idle 8:idle; do stall_canary "${x%%:*}" "${x#*:}"; done
echo "sim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

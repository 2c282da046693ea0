#!/usr/bin/env python3
"""bench_floor.py: kv against the floor, in the same run as redis-server.

The floor is ci/floor.c: an io_uring server that answers every frame with +OK and
does nothing else, built twice over: one recv per request (as kv) and a multishot recv
with a provided-buffer ring. Each round runs every server on the same SET row, back to
back (the order reversed every other round), each timed run after an untimed warm-up.
It reports each server's CPU µs/request (/proc/PID/stat, as ci/bench.py) and the
medians of its per-round ratios to redis-server and to the single-shot floor.

What it answers: how close kv is to the cheapest io_uring server on this machine (so
how much of Redis's CPU is left to win), and whether a multishot recv would move that
floor (the issue's "consider multishot recv with provided buffer rings").

  python3 ci/bench_floor.py [--kv build/kv] [--rounds 8] [--clients 50] [--pipeline 1]
                            [--test set|lpush]

Owns its servers (ports 7660-7699) and build/floor; never edits src/.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_util as bu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_floor(out):
    src = os.path.join(ROOT, "ci", "floor.c")
    subprocess.run(["cc", "-O2", "-Wall", "-o", out, src, "-luring"], check=True)
    return out


def start_all(a, floor_bin, logdir):
    started = {}
    try:
        port = 7660
        specs = [("floor-single", [floor_bin, "--mode", "single"], b"floor: ready"),
                 ("floor-multishot", [floor_bin, "--mode", "multishot"], b"floor: ready"),
                 ("kv", None, None), ("redis", None, None)]
        for name, argv, ready in specs:
            port = bu.pick_port(port + 1)
            if name == "kv":
                argv = bu.kv_argv(a.kv, port, "1gb", 2048)
            elif name == "redis":
                argv = bu.redis_argv(port, "1gb", 10000)
            else:
                argv = argv + ["--port", str(port)]
            kind = name if name in ("kv", "redis") else "floor"
            started[name] = bu.Server(kind, argv, port, os.path.join(logdir, "floor-%s.log" % name),
                                      ready=ready).start()
    except BaseException:
        for s in started.values():
            s.stop()
        raise
    return started


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kv", default=os.path.join(ROOT, "build", "kv"))
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--requests", type=int, default=300_000)
    ap.add_argument("--test", default="set", choices=("set", "lpush"),
                    help="redis-benchmark -t (the floor answers +OK to every one)")
    a = ap.parse_args()
    logdir = os.path.join(ROOT, "build", "bench")
    os.makedirs(logdir, exist_ok=True)
    floor_bin = build_floor(os.path.join(ROOT, "build", "floor"))
    servers = start_all(a, floor_bin, logdir)
    names = list(servers)
    cpu = {n: [] for n in names}
    args = ["-c", str(a.clients), "-P", str(a.pipeline), "-d", "3", "-t", a.test]
    if a.test == "set":
        args += ["-r", "100000"]
    try:
        for rnd in range(a.rounds):
            order = names if rnd % 2 == 0 else names[::-1]
            for n in order:
                bu.run_benchmark(servers[n], args, max(2000, a.requests // 10))
                r = bu.run_benchmark(servers[n], args, a.requests)
                cpu[n].append(r["cpu_us_req"])
                print("round %d  %-16s %8.0f rps  %.2f us/req" % (rnd + 1, n, r["rps"],
                      r["cpu_us_req"]), flush=True)
    finally:
        for s in servers.values():
            s.stop()
    print("\n%s 3 B, %d clients, P=%d, %d rounds: CPU us/req (median) and medians of "
          "per-round ratios" % (a.test.upper(), a.clients, a.pipeline, a.rounds))
    print("%-16s %8s %10s %14s" % ("server", "us/req", "vs redis", "vs floor-single"))
    for n in names:
        vs_redis = bu.median([x / y for x, y in zip(cpu[n], cpu["redis"])])
        vs_floor = bu.median([x / y for x, y in zip(cpu[n], cpu["floor-single"])])
        print("%-16s %8.2f %10.3f %14.3f" % (n, bu.median(cpu[n]), vs_redis, vs_floor))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench_profile.py: profile kv (or redis-server) under one redis-benchmark load.

Role: starts the server pinned to CPU 0 (ports 7640-7699), preloads keys, and runs one
redis-benchmark test pinned to CPU 1 under one tool:
  perf      perf record -e cpu-clock -g on the server (user and kernel; works without
            hardware counters), then perf report --stdio (self and children)
  callgrind the server runs under valgrind --tool=callgrind (user code only, exact
            instruction counts), then callgrind_annotate
  strace    strace -c -f attached to the server: syscalls per request
  none      just the numbers (rps, CPU µs/req)
Owns its server, the tool's process and files under --outdir (default build/profile).
Never edits src/.

  python3 ci/bench_profile.py --tool perf --test get --pipeline 16
  python3 ci/bench_profile.py --tool strace --test set --requests 200000
  python3 ci/bench_profile.py --server redis --tool perf --test get
"""
import argparse
import glob
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in ci/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_util as bu  # noqa: E402


def start_server(a, port):
    if a.server == "kv":
        argv = bu.kv_argv(a.kv, port, "1gb", 2048, a.kv_arg)
    else:
        argv = bu.redis_argv(port, "1gb", 10000)
    if a.tool == "callgrind":
        out = os.path.join(a.outdir, "callgrind.out.%s.%s" % (a.server, a.label))
        for old in glob.glob(out + "*"):
            os.remove(old)
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv
    log = os.path.join(a.outdir, "%s-%s.log" % (a.server, a.label))
    return bu.Server(a.server, argv, port, log).start(timeout_s=300)


def attach(a, pid):
    """Starts the attached tool (perf or strace) on pid; returns (Popen, output file)."""
    if a.tool == "perf":
        out = os.path.join(a.outdir, "perf.%s.%s.data" % (a.server, a.label))
        argv = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-g", "-p",
                str(pid), "-o", out]
    elif a.tool == "strace":
        out = os.path.join(a.outdir, "strace.%s.%s.txt" % (a.server, a.label))
        argv = ["strace", "-c", "-f", "-p", str(pid), "-o", out]
    else:
        return None, None
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # let it attach
    return p, out


def detach(p):
    if p is None:
        return
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def dump_callgrind(a, pid):
    """Dumps the counts so far (callgrind_control -d); returns the newest dump file."""
    base = os.path.join(a.outdir, "callgrind.out.%s.%s" % (a.server, a.label))
    subprocess.run(["callgrind_control", "-d", str(pid)], capture_output=True, timeout=300)
    dumps = sorted(glob.glob(base + ".*"), key=os.path.getmtime)
    return dumps[-1] if dumps else base


def report(a, out):
    if a.tool == "perf":
        for extra in (["--no-children"], ["--children"]):
            cmd = ["perf", "report", "-i", out, "--stdio", "--percent-limit", "0.8",
                   "-g", "none", "--sort", "sym"] + extra
            r = subprocess.run(cmd, capture_output=True, text=True)
            print("\n".join(line for line in r.stdout.splitlines()[:90]
                            if line and not line.startswith("#")))
            print("----")
    elif a.tool == "strace":
        with open(out) as f:
            text = f.read()
        print(text)
        for line in text.splitlines():
            cells = line.split()  # % time, seconds, usecs/call, calls, [errors,] syscall
            if len(cells) >= 5 and cells[3].isdigit():
                print("%-16s %8.4f calls/request" % (cells[-1], int(cells[3]) / a.requests))
    elif a.tool == "callgrind":
        r = subprocess.run(["callgrind_annotate", "--inclusive=no", out],
                           capture_output=True, text=True)
        print("\n".join(r.stdout.splitlines()[:60]))
        r = subprocess.run(["callgrind_annotate", "--inclusive=yes", out],
                           capture_output=True, text=True)
        print("\n".join(r.stdout.splitlines()[:60]))


def main():
    ap = argparse.ArgumentParser(description="profile a server under redis-benchmark")
    ap.add_argument("--server", choices=("kv", "redis"), default="kv")
    ap.add_argument("--tool", choices=("perf", "callgrind", "strace", "none"), default="none")
    ap.add_argument("--test", default="get", help="redis-benchmark -t name")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=1)
    ap.add_argument("--size", type=int, default=3)
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=300_000)
    ap.add_argument("--kv", default="build/kv")
    ap.add_argument("--kv-arg", action="append", default=[])
    ap.add_argument("--outdir", default="build/profile")
    a = ap.parse_args()
    a.kv_arg = [x for arg in a.kv_arg for x in arg.split("=", 1)]
    a.label = "%s-c%d-P%d-d%d" % (a.test, a.clients, a.pipeline, a.size)
    os.makedirs(a.outdir, exist_ok=True)
    srv = start_server(a, bu.pick_port(7640))
    tool, out = None, None
    try:
        if a.test in ("get", "set"):
            bu.preload(srv.port, a.keys, a.size)
        if a.test in ("lpop", "rpop", "lrange_100"):  # as ci/bench.py: enough to pop
            bu.ensure_list(srv.port, "mylist", a.requests + 1000, a.size)
        if a.tool == "callgrind":  # count only the benchmark: zero now, dump after
            subprocess.run(["callgrind_control", "-z", str(srv.pid)], capture_output=True)
        tool, out = attach(a, srv.pid)
        args = ["-c", str(a.clients), "-P", str(a.pipeline), "-d", str(a.size),
                "-r", str(a.keys), "-t", a.test]
        r = bu.run_benchmark(srv, args, a.requests, timeout_s=1800)
        detach(tool)
        tool = None
        if a.tool == "callgrind":
            out = dump_callgrind(a, srv.pid)
        print("%s %s: %.0f rps, p50 %.3f ms, p99 %.3f ms, server CPU %.2f us/request "
              "(others %.2f CPUs)" % (a.server, a.label, r["rps"], r["p50"], r["p99"],
                                      r["cpu_us_req"], r["other_cpus"]))
    finally:
        detach(tool)
        srv.stop()
    if out:
        report(a, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

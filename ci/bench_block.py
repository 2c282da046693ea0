#!/usr/bin/env python3
"""bench_block.py: a BLPOP/LPUSH ping-pong of 50 producer/consumer pairs, kv against
Debian's redis-server side by side: server CPU per pop (issue 22: at most 0.85x Redis).

Each pair has its own key (bb:<i>) and two connections. The consumer loops `BLPOP key 0`;
the producer sends `LPUSH key x` only once the consumer has received the previous element
and the producer its own `:1` (a real ping-pong: one element in flight per pair, the
list empty before every push, so every LPUSH must answer :1 and every pop must be the
exact `*2 key x` reply; anything else stops the run). The consumer re-sends BLPOP as soon
as its reply arrives, so it is normally blocked before the next push lands; a push that
wins that race is served by a non-blocking BLPOP, as a real queue would be.

The driver is ci/block_driver.c (built here into build/block_driver: raw sockets, plain
RESP, one epoll loop, every reply checked byte for byte), pinned to CPU 1; the server
(bench_util.Server: default options with the maxmemory and maxclients below) is pinned
to CPU 0. The C driver is the default because Python is too slow to load the server:
this script's own epoll loop (`--driver python`, the same ping-pong) drove 20-27k pops/s
with the server 20-25% busy, the C driver 31-42k (2026-12-05, a busy machine); neither
saturates the server, so the figure is CPU per pop at that offered load. Each run: an
untimed warm-up of --warmup pops, then --pops pops timed; CPU = the server's utime +
stime (/proc/<pid>/stat, bench_util) over the timed part. Rounds alternate kv, redis (a
fresh server per run); the table gives each server's medians and the ratio of the median
CPU per pop. "others" is the CPU the rest of the machine used meanwhile.

    python3 ci/bench_block.py [--kv build/kv] [--rounds 3] [--pairs 50] [--pops 100000]
                              [--warmup 5000] [--driver c|python]

Ports 7690-7699 only (kv and redis). Owns only the servers it starts (stopped by pid);
never edits src/.
"""
import argparse
import os
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_util as bu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT_FIRST, PORT_LAST = 7690, 7699
ITEM = b"x"


def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def read_reply(sock):
    """One bulk or simple reply (INFO), whole."""
    buf = b""
    while b"\r\n" not in buf:
        buf += sock.recv(65536)
    head, rest = buf.split(b"\r\n", 1)
    if not head.startswith(b"$"):
        return head
    n = int(head[1:])
    while len(rest) < n + 2:
        rest += sock.recv(65536)
    return rest[:n]


def blocked_clients(port):
    with socket.create_connection((bu.HOST, port), timeout=10) as s:
        s.sendall(resp(b"INFO", b"clients"))
        for line in read_reply(s).split(b"\r\n"):
            if line.startswith(b"blocked_clients:"):
                return int(line.split(b":")[1])
    raise RuntimeError("INFO clients has no blocked_clients")


class PingPong:
    """The 50 pairs and their state machine, driven by one epoll loop."""

    def __init__(self, port, pairs):
        self.pairs = pairs
        self.keys = [b"bb:%d" % i for i in range(pairs)]
        self.blpop = [resp(b"BLPOP", k, b"0") for k in self.keys]
        self.lpush = [resp(b"LPUSH", k, ITEM) for k in self.keys]
        self.popped = [resp(k, ITEM) for k in self.keys]  # *2 key x, exactly
        self.cons = [socket.create_connection((bu.HOST, port)) for _ in range(pairs)]
        self.prod = [socket.create_connection((bu.HOST, port)) for _ in range(pairs)]
        self.ep = select.epoll()
        self.fd = {}  # fd -> (pair, is_consumer)
        for i in range(pairs):
            for s, is_cons in ((self.cons[i], True), (self.prod[i], False)):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.setblocking(False)
                self.ep.register(s.fileno(), select.EPOLLIN)
                self.fd[s.fileno()] = (i, is_cons)
        self.buf = {fd: b"" for fd in self.fd}
        for i in range(pairs):
            self.cons[i].sendall(self.blpop[i])
        deadline = time.monotonic() + 10
        while blocked_clients(port) != pairs:  # every consumer waits before the first push
            if time.monotonic() > deadline:
                raise RuntimeError("consumers did not block")
            time.sleep(0.01)

    def run(self, pops):
        """Exactly `pops` pushes and pops (pops // pairs per pair); returns pops done."""
        per = pops // self.pairs
        left = [per] * self.pairs
        got_pop = [False] * self.pairs
        got_ack = [False] * self.pairs
        active = 0
        for i in range(self.pairs):
            if left[i]:
                left[i] -= 1
                self.prod[i].sendall(self.lpush[i])
                active += 1
        done = 0
        while active:
            for fd, _ in self.ep.poll():
                i, is_cons = self.fd[fd]
                sock = self.cons[i] if is_cons else self.prod[i]
                data = self.buf[fd] + sock.recv(4096)
                want = self.popped[i] if is_cons else b":1\r\n"
                if len(data) < len(want):
                    self.buf[fd] = data
                    continue
                if data != want:
                    raise RuntimeError("pair %d %s: %r, want %r" % (
                        i, "consumer" if is_cons else "producer", data[:200], want))
                self.buf[fd] = b""
                if is_cons:
                    got_pop[i] = True
                    done += 1
                    sock.sendall(self.blpop[i])
                else:
                    got_ack[i] = True
                if got_pop[i] and got_ack[i]:
                    got_pop[i] = got_ack[i] = False
                    if left[i]:
                        left[i] -= 1
                        self.prod[i].sendall(self.lpush[i])
                    else:
                        active -= 1
        return done

    def close(self):
        self.ep.close()
        for s in self.cons + self.prod:
            s.close()


def build_driver():
    out = os.path.join(ROOT, "build", "block_driver")
    src = os.path.join(ROOT, "ci", "block_driver.c")
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", out, src], check=True)
    return out


def timed_c(a, port, srv):
    """The C driver (ci/block_driver.c) on CPU 1: warm-up, then the timed pops."""
    drv = subprocess.Popen(bu.pin(1) + [a.driver_bin, str(port), str(a.pairs), str(a.warmup),
                                        str(a.pops)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        if drv.stdout.readline() != b"warm\n":
            raise RuntimeError("block_driver failed during the warm-up")
        c0, d0, busy0 = srv.cpu_ticks(), bu.cpu_ticks(drv.pid), bu.busy_ticks()
        drv.stdin.write(b"go\n")
        drv.stdin.flush()
        line = drv.stdout.readline().split()
        c1, d1, busy1 = srv.cpu_ticks(), bu.cpu_ticks(drv.pid), bu.busy_ticks()
        if len(line) != 3 or line[0] != b"done":
            raise RuntimeError("block_driver failed during the timed run")
        done, wall = int(line[1]), int(line[2]) / 1e9
    finally:
        drv.stdin.close()
        drv.wait(30)
    return done, wall, c1 - c0, d1 - d0, busy1 - busy0


def timed_python(a, port, srv):
    """The Python driver (PingPong, this process, pinned to CPU 1)."""
    pp = PingPong(port, a.pairs)
    pp.run(a.warmup)
    c0, busy0, t0, self0 = srv.cpu_ticks(), bu.busy_ticks(), time.monotonic(), os.times()
    done = pp.run(a.pops)
    wall = time.monotonic() - t0
    c1, busy1, self1 = srv.cpu_ticks(), bu.busy_ticks(), os.times()
    pp.close()
    drv = ((self1.user + self1.system) - (self0.user + self0.system)) * bu.CLK_TCK
    return done, wall, c1 - c0, drv, busy1 - busy0


def one_run(kind, a, logdir):
    port = bu.pick_port(PORT_FIRST, PORT_LAST)
    clients = 2 * a.pairs + 16
    argv = (bu.kv_argv(a.kv, port, "256mb", clients) if kind == "kv"
            else bu.redis_argv(port, "256mb", clients))
    srv = bu.Server(kind, argv, port, os.path.join(logdir, "bench_block_%s.log" % kind),
                    cpu=0).start()
    try:
        timed = timed_c if a.driver == "c" else timed_python
        done, wall, srv_ticks, drv_ticks, busy = timed(a, port, srv)
        if not srv.alive():
            raise RuntimeError("%s died during the run" % kind)
        if done != a.pops:
            raise RuntimeError("%s: %d pops, want %d" % (kind, done, a.pops))
        cpu_s = srv_ticks / bu.CLK_TCK
        other = (busy - srv_ticks - drv_ticks) / bu.CLK_TCK / wall
        return dict(kind=kind, pops=done, wall=wall, cpu=cpu_s, us_pop=cpu_s * 1e6 / done,
                    rate=done / wall, util=cpu_s / wall, other=max(0.0, other))
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kv", default=os.path.join(ROOT, "build", "kv"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--pops", type=int, default=100_000, help="timed pops per run")
    ap.add_argument("--warmup", type=int, default=5_000, help="untimed pops before")
    ap.add_argument("--driver", choices=("c", "python"), default="c",
                    help="ci/block_driver.c (default) or this script's epoll loop")
    a = ap.parse_args()
    a.pops -= a.pops % a.pairs
    a.warmup -= a.warmup % a.pairs
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    logdir = os.path.join(ROOT, "build")
    os.makedirs(logdir, exist_ok=True)
    if a.driver == "c":
        a.driver_bin = build_driver()
    m = bu.machine()
    print("bench_block: %d pairs, %d pops a run (+%d warm-up), %d rounds; %s, %s, %d CPUs, "
          "kernel %s; %s; %s; %s driver" % (
              a.pairs, a.pops, a.warmup, a.rounds, m["date"], m["cpu"], m["nproc"],
              m["kernel"], bu.redis_version(), a.kv, a.driver),
          flush=True)
    runs = {"kv": [], "redis": []}
    for r in range(a.rounds):
        for kind in ("kv", "redis"):
            x = one_run(kind, a, logdir)
            runs[kind].append(x)
            print("round %d %-5s pops %d  wall %.2f s  %.0f pops/s  server CPU %.2f s "
                  "(%.0f%%)  %.2f us/pop  others %.2f CPUs" % (
                      r + 1, kind, x["pops"], x["wall"], x["rate"], x["cpu"],
                      100 * x["util"], x["us_pop"], x["other"]), flush=True)
    med = {k: {f: bu.median([x[f] for x in v]) for f in ("pops", "cpu", "us_pop", "rate",
                                                           "util", "other")}
           for k, v in runs.items()}
    ratio = med["kv"]["us_pop"] / med["redis"]["us_pop"]
    print()
    print("| server | pops | server CPU s | CPU µs/pop | pops/s | server CPU use "
          "| kv/redis CPU per pop |")
    print("|---|---|---|---|---|---|---|")
    for k in ("kv", "redis"):
        d = med[k]
        print("| %s | %d | %.2f | %.2f | %.0f | %.0f%% | %s |" % (
            k, d["pops"], d["cpu"], d["us_pop"], d["rate"], 100 * d["util"],
            "**%.2f**" % ratio if k == "kv" else "1.00"))
    print()
    print("medians of %d alternating rounds; per-round kv/redis CPU per pop: %s; other "
          "load (CPUs, median): kv runs %.2f, redis runs %.2f" % (
              a.rounds, ", ".join("%.2f" % (x["us_pop"] / y["us_pop"])
                                  for x, y in zip(runs["kv"], runs["redis"])),
              med["kv"]["other"], med["redis"]["other"]))


if __name__ == "__main__":
    main()

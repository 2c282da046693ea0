"""bench_util.py: helpers for ci/bench.py (kv vs redis-server with redis-benchmark).

Role: start and stop the two servers (pinned with taskset), read a process's CPU time
from /proc, run one redis-benchmark test and parse its --csv line, preload keys over a
pipelined socket, describe the machine. Owns only the child processes it starts (each
Server stops its own process, by pid). Never touches src/ or anything outside build/.
"""
import os
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
HOST = "127.0.0.1"


def pin(cpu):
    """The taskset prefix for `cpu`, or nothing on a 1-CPU machine / without taskset."""
    if cpu is None or (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(cpu)]


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def pick_port(first, last=7699):
    """The first free port in [first, last] (this bench owns 7600-7699)."""
    for p in range(first, last + 1):
        if port_free(p):
            return p
    raise RuntimeError("no free port in %d..%d" % (first, last))


def cpu_ticks(pid):
    """utime + stime of the whole process (all threads), in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    # rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(rest[11]) + int(rest[12])


def busy_ticks():
    """Non-idle ticks of all CPUs together (user+nice+system+irq+softirq+steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)


def children_ticks():
    """CPU of waited-for children (redis-benchmark), in clock ticks."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * CLK_TCK


def ticks_to_us(ticks):
    return ticks * 1e6 / CLK_TCK


class Server:
    """One kv or redis-server child on loopback, stdout drained into a log file."""

    def __init__(self, kind, argv, port, log_path, cpu=0, ready=None):
        self.kind, self.port, self.log_path = kind, port, log_path
        self.ready = ready
        self.argv = pin(cpu) + argv
        self.proc = None
        self.startup_s = None
        self._log = None

    def start(self, timeout_s=60.0):
        ready = self.ready or (b"kv: ready" if self.kind == "kv"
                               else b"Ready to accept connections")
        self._log = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = t0 + timeout_s
        fd, seen = self.proc.stdout.fileno(), b""
        while time.monotonic() < deadline:
            # Raw reads: a blocking readline() could outlive the deadline on a hung server.
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self._log.write(chunk)
            seen = seen[-256:] + chunk
            if ready in seen:
                self.startup_s = time.monotonic() - t0
                self._log.flush()
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        self._log.flush()
        self.stop()
        raise RuntimeError("%s did not print its ready line; see %s" % (self.kind, self.log_path))

    def _drain(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self._log.write(chunk)
        self._log.flush()

    @property
    def pid(self):
        return self.proc.pid

    def cpu_ticks(self):
        return cpu_ticks(self.proc.pid)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def kv_argv(kv_bin, port, maxmemory, maxclients, extra=()):
    return [kv_bin, "--port", str(port), "--bind", HOST, "--maxmemory", maxmemory,
            "--maxclients", str(maxclients)] + list(extra)


def redis_argv(port, maxmemory, maxclients, extra=()):
    return ["redis-server", "--port", str(port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--maxmemory", maxmemory, "--maxmemory-policy",
            "noeviction", "--maxclients", str(maxclients), "--daemonize", "no",
            "--logfile", "", "--protected-mode", "no"] + list(extra)


def parse_csv(text):
    """The rows of redis-benchmark --csv: [{test, rps, p50, p99, ...}]."""
    rows = []
    for line in text.splitlines():
        if not line.startswith('"') or line.startswith('"test"'):
            continue
        cells = [c.strip('"') for c in line.split('","')]
        if len(cells) < 8:
            continue
        rows.append({"test": cells[0], "rps": float(cells[1]), "avg": float(cells[2]),
                     "p50": float(cells[4]), "p95": float(cells[5]),
                     "p99": float(cells[6]), "max": float(cells[7])})
    return rows


def run_benchmark(server, bench_args, requests, cpu=1, timeout_s=600):
    """Runs one redis-benchmark test against `server`; returns its row plus CPU µs/req."""
    argv = pin(cpu) + ["redis-benchmark", "-h", HOST, "-p", str(server.port),
                       "-n", str(requests), "--csv"] + bench_args
    before, busy0, kids0 = server.cpu_ticks(), busy_ticks(), children_ticks()
    t0 = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
    wall = time.monotonic() - t0
    after, busy1, kids1 = server.cpu_ticks(), busy_ticks(), children_ticks()
    rows = parse_csv(out.stdout)
    if out.returncode != 0 or not rows:
        raise RuntimeError("redis-benchmark failed (%s): %s %s"
                           % (" ".join(argv), out.stdout[-500:], out.stderr[-500:]))
    if not server.alive():
        raise RuntimeError("%s died during %s" % (server.kind, " ".join(argv)))
    row = dict(rows[-1])
    row["cpu_us_req"] = ticks_to_us(after - before) / requests
    row["cpu_util"] = ticks_to_us(after - before) / 1e6 / wall if wall > 0 else 0.0
    row["wall_s"] = wall
    # CPUs' worth of work by everything else on the machine during the run.
    other = (busy1 - busy0) - (after - before) - (kids1 - kids0)
    row["other_cpus"] = max(0.0, other / CLK_TCK / wall) if wall > 0 else 0.0
    return row


def _resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def resp(*args):
    """One command in RESP (str or bytes arguments)."""
    return _resp(*[a if isinstance(a, bytes) else a.encode() for a in args])


def pipeline(port, cmds):
    """Sends the encoded commands in one write and reads one reply line each (integer or
    simple replies only); raises on an error reply."""
    with socket.create_connection((HOST, port), timeout=60) as s:
        s.sendall(b"".join(cmds))
        buf = b""
        while buf.count(b"\r\n") < len(cmds):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("pipeline: connection closed")
            buf += chunk
        if b"-" in [line[:1] for line in buf.split(b"\r\n")[:len(cmds)]]:
            raise RuntimeError("pipeline: error reply %r" % buf[:200])


def command(port, *args):
    """One command, one reply (read until the reply's first line; enough for simple ones)."""
    with socket.create_connection((HOST, port), timeout=30) as s:
        s.sendall(_resp(*[a if isinstance(a, bytes) else a.encode() for a in args]))
        buf = b""
        while not buf.endswith(b"\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf


def ensure_list(port, key, length, value_bytes, batch=1000):
    """Makes the list `key` at least `length` long, RPUSHing `batch` elements a command
    (LRANGE_100 needs 100 elements; a repeated LPOP run must not pop an empty list)."""
    have = int(command(port, "LLEN", key)[1:].strip())
    missing = max(0, length - have)
    if missing == 0:
        return
    value, key_b = b"x" * value_bytes, key.encode()
    with socket.create_connection((HOST, port), timeout=60) as s:
        cmds = []
        for first in range(0, missing, batch):
            n = min(batch, missing - first)
            cmds.append(_resp(b"RPUSH", key_b, *([value] * n)))
        s.sendall(b"".join(cmds))
        buf = b""
        while buf.count(b"\r\n") < len(cmds):
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("RPUSH %s: connection closed" % key)
            buf += chunk
        if any(not line.startswith(b":") for line in buf.split(b"\r\n")[:len(cmds)]):
            raise RuntimeError("RPUSH %s: %r" % (key, buf[:200]))


def preload(port, keys, value_bytes, batch=1000):
    """SET key:%012d (redis-benchmark's __rand_int__ key names) for 0..keys-1."""
    value = b"x" * value_bytes
    with socket.create_connection((HOST, port), timeout=60) as s:
        for first in range(0, keys, batch):
            n = min(batch, keys - first)
            s.sendall(b"".join(_resp(b"SET", b"key:%012d" % i, value)
                               for i in range(first, first + n)))
            got, buf = 0, b""
            while got < n:
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise RuntimeError("preload: connection closed")
                buf += chunk
                got = buf.count(b"\n")
            if buf.count(b"+OK\r\n") != n:
                raise RuntimeError("preload: unexpected reply %r" % buf[:200])


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "nproc": os.cpu_count(),
            "cpu": model, "kernel": os.uname().release, "load": os.getloadavg()}


def redis_version():
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    return out.stdout.strip().split(" sha=")[0]


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

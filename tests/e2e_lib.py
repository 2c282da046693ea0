"""e2e_lib.py: helpers for kv's end-to-end tests (tests/e2e.py): raw RESP clients,
kv processes, exact-bytes comparison and the pass/fail ledger. Python 3 stdlib only.

Nothing here knows about particular commands: it encodes requests, splits a byte
stream into RESP2 replies, starts and stops kv instances on given ports and records
checks. Every wait has a deadline; nothing sleeps "long enough" and hopes.
"""
import os
import signal
import socket
import subprocess
import sys
import time

HOST = '127.0.0.1'

# ---- the ledger -----------------------------------------------------------------

RESULTS = []  # (name, ok, detail)


def check(name, ok, detail=''):
    """One test: prints PASS/FAIL with a detail and records it."""
    ok = bool(ok)
    RESULTS.append((name, ok, detail))
    line = ('PASS ' if ok else 'FAIL ') + name
    if detail:
        line += ': ' + detail
    print(line, flush=True)
    return ok


def check_eq(name, got, want, info=''):
    """Exact equality of two byte strings (or values), with a precise diff on failure."""
    if got == want:
        return check(name, True, info)
    return check(name, False, diff(got, want) + ((' ' + info) if info else ''))


def diff(got, want):
    if not isinstance(got, (bytes, bytearray)) or not isinstance(want, (bytes, bytearray)):
        return 'got %r, want %r' % (got, want)
    n = min(len(got), len(want))
    i = next((k for k in range(n) if got[k] != want[k]), n)
    lo = max(0, i - 40)
    return ('%d bytes vs %d expected; first difference at offset %d: got %r ... want %r'
            % (len(got), len(want), i, bytes(got[lo:i + 40]), bytes(want[lo:i + 40])))


def summary(label):
    passed = sum(1 for r in RESULTS if r[1])
    failed = len(RESULTS) - passed
    for name, ok, detail in RESULTS:
        if not ok:
            print('  failed: %s: %s' % (name, detail[:300]))
    print('%s: %d passed, %d failed' % (label, passed, failed), flush=True)
    return failed


# ---- RESP -----------------------------------------------------------------------

def to_bytes(a):
    if isinstance(a, (bytes, bytearray)):
        return bytes(a)
    if isinstance(a, int):
        return str(a).encode()
    return a.encode('latin-1')


def enc(*args):
    """A RESP2 multibulk request."""
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        b = to_bytes(a)
        out.append(b'$%d\r\n' % len(b))
        out.append(b)
        out.append(b'\r\n')
    return b''.join(out)


OK = b'+OK\r\n'
NIL = b'$-1\r\n'
PONG = b'+PONG\r\n'


def bulk(v):
    v = to_bytes(v)
    return b'$%d\r\n%s\r\n' % (len(v), v)


def integer(n):
    return b':%d\r\n' % n


def error(msg):
    return b'-' + msg.encode() + b'\r\n'


def reply_end(buf, pos=0):
    """End offset of the single RESP2 or RESP3 reply at buf[pos:], or -1 if incomplete."""
    if pos >= len(buf):
        return -1
    nl = buf.find(b'\r\n', pos)
    if nl < 0:
        return -1
    kind = buf[pos:pos + 1]
    if kind in (b'+', b'-', b':', b'_', b',', b'#', b'('):
        return nl + 2
    n = int(buf[pos + 1:nl])
    if kind in (b'$', b'=', b'!'):
        if n < 0:
            return nl + 2
        end = nl + 2 + n + 2
        return end if len(buf) >= end else -1
    if kind in (b'*', b'%', b'~', b'>', b'|'):
        p = nl + 2
        for _ in range(max(n, 0) * (2 if kind in (b'%', b'|') else 1)):
            p = reply_end(buf, p)
            if p < 0:
                return -1
        return p
    raise ValueError('not a RESP reply at offset %d: %r' % (pos, bytes(buf[pos:pos + 20])))


def split_replies(buf):
    """(complete replies, leftover bytes)."""
    out, pos = [], 0
    while True:
        end = reply_end(buf, pos)
        if end < 0:
            return out, bytes(buf[pos:])
        out.append(bytes(buf[pos:end]))
        pos = end


# ---- a raw client -----------------------------------------------------------------

class Conn:
    """A TCP connection to kv with exact-bytes reads. rcvbuf shrinks the receive buffer
    (set before connect, so the window stays small); linger0 makes close() send RST."""

    def __init__(self, port, timeout=5.0, rcvbuf=None, nodelay=True, src=None, host=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if src:  # connect from this local address (protected mode's peer check)
            self.s.bind((src, 0))
        self.s.settimeout(timeout)
        self.s.connect((host or HOST, port))
        if nodelay:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, deadline, want=65536):
        """One recv with the remaining time; False on timeout or EOF."""
        left = deadline - time.monotonic()
        if left <= 0 or self.eof:
            return False
        self.s.settimeout(left)
        try:
            d = self.s.recv(max(want, 65536))
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            self.eof = True
            return False
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def _take(self, n):
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def recv_exact(self, n, timeout=10.0):
        """Up to n bytes: exactly n unless the deadline passes or the peer closes."""
        deadline = time.monotonic() + timeout
        while len(self.buf) < n and self._fill(deadline, n - len(self.buf)):
            pass
        return self._take(min(n, len(self.buf)))

    def recv_some(self, timeout):
        """Whatever arrives within timeout (b'' if nothing)."""
        deadline = time.monotonic() + timeout
        if not self.buf:
            self._fill(deadline)
        return self._take(len(self.buf))

    def recv_until_close(self, timeout=5.0):
        """(bytes, closed): everything until EOF, or until the deadline."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        return self._take(len(self.buf)), self.eof

    def replies(self, n, timeout=10.0):
        """The next n complete replies, as raw bytes each (fewer on timeout/EOF)."""
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < n:
            end = reply_end(self.buf)
            if end >= 0:
                out.append(self._take(end))
                continue
            if not self._fill(deadline):
                break
        return out

    def call(self, *args, timeout=10.0):
        """Sends one command, returns its raw reply (b'' on timeout or close)."""
        self.send(enc(*args))
        r = self.replies(1, timeout)
        return r[0] if r else b''

    def close(self, rst=False):
        try:
            if rst:
                self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                  b'\x01\x00\x00\x00\x00\x00\x00\x00')
            self.s.close()
        except OSError:
            pass


def info_field(raw, name):
    """A field of an INFO bulk reply, as a string (None if absent)."""
    for line in raw.split(b'\r\n'):
        if line.startswith(name.encode() + b':'):
            return line.split(b':', 1)[1].decode()
    return None


# ---- kv processes ------------------------------------------------------------------

SANITIZER_MARKS = (b'ERROR: AddressSanitizer', b'runtime error:', b'ERROR: LeakSanitizer',
                   b'SUMMARY: UndefinedBehaviorSanitizer', b'assertion failed', b'KV_ASSERT')

INSTANCES = []


class Kv:
    """One kv process on a given port. wrapper (e.g. strace ...) prefixes the command;
    then kv's own pid is the wrapper's child."""

    def __init__(self, binary, port, args=(), tmp='/tmp', name=None, env=None, wrapper=None,
                 config=None):
        self.binary = binary
        self.config = [config] if config else []  # a config file: kv's first argument
        self.port = port
        self.args = [str(a) for a in args]
        self.name = name or 'kv-%d' % port
        self.out_path = os.path.join(tmp, self.name + '.out')
        self.err_path = os.path.join(tmp, self.name + '.err')
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.wrapper = list(wrapper or [])
        self.proc = None
        self.rc = None

    def start(self, ready_timeout=20.0):
        cmd = self.wrapper + [self.binary] + self.config + ['--port', str(self.port)] + self.args
        with open(self.out_path, 'wb') as out, open(self.err_path, 'wb') as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=self.env,
                                         stdin=subprocess.DEVNULL)
        INSTANCES.append(self)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if b'kv: ready' in self.stdout():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited with %s before ready: %s' %
                                   (self.name, self.proc.returncode, self.stderr()[-600:]))
            time.sleep(0.02)
        raise RuntimeError('%s: no ready line within %.0fs' % (self.name, ready_timeout))

    def stdout(self):
        with open(self.out_path, 'rb') as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, 'rb') as f:
            return f.read()

    def kv_pid(self):
        """kv's pid (under a wrapper: the wrapper's first child)."""
        if not self.wrapper:
            return self.proc.pid
        deadline = time.monotonic() + 5
        path = '/proc/%d/task/%d/children' % (self.proc.pid, self.proc.pid)
        while time.monotonic() < deadline:
            try:
                with open(path) as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError('%s: no child under the wrapper' % self.name)

    def send_signal(self, sig):
        os.kill(self.kv_pid(), sig)

    def wait(self, timeout):
        """Exit status, or None if still running at the deadline."""
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.rc

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Graceful stop; SIGKILL after the timeout. Returns the exit status."""
        if self.proc.poll() is None:
            try:
                self.send_signal(sig)
            except (ProcessLookupError, RuntimeError):
                pass
            if self.wait(timeout) is None:
                self.proc.kill()
                self.proc.wait()
                self.rc = 'killed after %.0fs' % timeout
                return self.rc
        self.rc = self.proc.returncode
        return self.rc

    def sanitizer_report(self):
        err = self.stderr()
        for mark in SANITIZER_MARKS:
            i = err.find(mark)
            if i >= 0:
                return err[max(0, i - 200):i + 1200].decode('latin-1')
        return None


def kill_all():
    for k in INSTANCES:
        if k.proc is not None and k.proc.poll() is None:
            try:
                k.proc.kill()
                k.proc.wait(timeout=5)
            except OSError:
                pass


def check_clean_exit(prefix, kv, rc):
    """rc 0, 'shutdown complete' printed, no sanitizer or assertion report."""
    out = kv.stdout()
    ok = rc == 0 and b'kv: shutdown complete' in out
    check(prefix + ': exits 0 and prints "shutdown complete"', ok,
          'rc=%r, stdout tail %r, stderr tail %r' % (rc, out[-80:], kv.stderr()[-300:]))
    rep = kv.sanitizer_report()
    check(prefix + ': no sanitizer or assertion report', rep is None, rep or '')


def wait_until(pred, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def die(msg):
    print('e2e: ' + msg, file=sys.stderr, flush=True)
    sys.exit(2)

"""ops.py: kv as operators run it (tests/ops.sh): the log's line format on real
lines, loglevel filtering, logfile, SHUTDOWN (redis-cli shutdown), --version, systemd's
readiness notification (a unix datagram socket as NOTIFY_SOCKET) and make install.

Every kv here runs on its own port from --port-base (16 ports). Python 3 stdlib only.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_lib import (Conn, check, check_eq, die, enc, kill_all, summary,  # noqa: E402
                     wait_until)

ARGS = None
LINE_RE = re.compile(rb'^(\d+):M (0[1-9]|[12][0-9]|3[01]) '
                     rb'(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) '
                     rb'([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3} ([.*#-]) (.*)$')
VERSION_RE = re.compile(r'^kv server v=7\.0\.15 sha=[0-9a-f]{8}:[01] malloc=libc bits=64 '
                        r'build=[0-9a-f]{1,16} kv=\d+\.\d+\.\d+\n$')
PROCS = []


def port(i):
    assert 0 <= i < 16
    return ARGS.port_base + i


class Proc:
    """kv started directly (its stdout to a file), ready when PING answers."""

    def __init__(self, name, port_, args=(), env=None):
        self.port = port_
        self.out_path = os.path.join(ARGS.tmp, name + '.out')
        self.err_path = os.path.join(ARGS.tmp, name + '.err')
        e = dict(os.environ)
        e.update(env or {})
        cmd = [ARGS.kv, '--port', str(port_)] + [str(a) for a in args]
        with open(self.out_path, 'wb') as out, open(self.err_path, 'wb') as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=e,
                                         stdin=subprocess.DEVNULL)
        PROCS.append(self)

    def wait_serving(self, timeout=10):
        def ping():
            try:
                c = Conn(self.port, timeout=1)
                ok = c.call('PING') == b'+PONG\r\n'
                c.close()
                return ok
            except OSError:
                return False
        return wait_until(lambda: self.proc.poll() is not None or ping(), timeout) and \
            self.proc.poll() is None

    def out(self):
        with open(self.out_path, 'rb') as f:
            return f.read()

    def err(self):
        with open(self.err_path, 'rb') as f:
            return f.read()

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def parse_lines(raw):
    """[(pid, mark, message)] of every line, or None if one does not match."""
    out = []
    for line in raw.split(b'\n')[:-1]:
        m = LINE_RE.match(line)
        if m is None:
            return None, line
        out.append((int(m.group(1)), m.group(6), m.group(7)))
    return out, None


def test_version():
    for flag in ('--version', '-v'):
        p = subprocess.run([ARGS.kv, flag], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=10)
        text = p.stdout.decode()
        check('kv %s: exit 0, one line in redis-server -v\'s format' % flag,
              p.returncode == 0 and VERSION_RE.match(text) is not None and not p.stderr,
              repr(text))
    if shutil.which('redis-server'):
        theirs = subprocess.run(['redis-server', '--version'], stdout=subprocess.PIPE,
                                timeout=10).stdout.decode()
        ours = subprocess.run([ARGS.kv, '--version'], stdout=subprocess.PIPE,
                              timeout=10).stdout.decode()
        keys = [w.split('=')[0] for w in theirs.split()[2:]]
        our_keys = [w.split('=')[0] for w in ours.split()[2:]]
        check_eq('the same fields as redis-server --version, in order (kv= added last)',
                 our_keys, keys + ['kv'], theirs.strip())


def test_log_format_and_shutdown():
    kv = Proc('format', port(0))
    check('kv serves (default options)', kv.wait_serving(), repr(kv.err()[-300:]))
    c = Conn(kv.port)
    other = Conn(kv.port)
    c.send(enc('PING') + enc('SHUTDOWN') + enc('PING'))
    got = c.recv_until_close(timeout=10)
    check_eq('PING SHUTDOWN PING: the PING before is answered, SHUTDOWN gets no reply, '
             'the connection closes', got, (b'+PONG\r\n', True))
    check_eq('another client\'s connection closes too', other.recv_until_close(timeout=10),
             (b'', True))
    rc = kv.proc.wait(timeout=15)
    out = kv.out()
    check_eq('kv exits 0 after SHUTDOWN', rc, 0)
    lines, bad = parse_lines(out)
    check('every stdout line is pid:M dd Mon yyyy hh:mm:ss.mmm <mark> message', lines is not None,
          repr(bad))
    if lines is None:
        return
    check('every line carries kv\'s pid', all(p == kv.proc.pid for p, _, _ in lines),
          '%r vs %d' % ({p for p, _, _ in lines}, kv.proc.pid))
    msgs = [(mark, msg) for _, mark, msg in lines]
    ready = [m for m in msgs if m[1].startswith(b'kv: ready: listening on 127.0.0.1:%d'
                                                % kv.port)]
    check('the ready line, at notice (*), says Redis\'s "Ready to accept connections"',
          len(ready) == 1 and ready[0][0] == b'*' and b'Ready to accept connections tcp'
          in ready[0][1], repr(ready))
    check('the allocation table is logged before it, at notice',
          any(mk == b'*' and m.startswith(b'total mapped') for mk, m in msgs), '')
    check_eq('then "User requested shutdown..." and "kv: shutdown complete", at warning (#)',
             msgs[-2:], [(b'#', b'User requested shutdown...'), (b'#', b'kv: shutdown complete')])


def test_redis_cli_shutdown():
    kv = Proc('cli', port(1))
    check('kv serves', kv.wait_serving(), repr(kv.err()[-300:]))
    p = subprocess.run(['redis-cli', '-p', str(kv.port), 'shutdown', 'save'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    check_eq('redis-cli shutdown save: Redis\'s error (kv cannot save)', p.stdout.strip(),
             b'ERR Errors trying to SHUTDOWN. Check logs.')
    check('and kv keeps serving', kv.wait_serving(2), '')
    why = b'# Error trying to save the DB, can\'t exit: kv has no persistence'
    # the log ring is drained by io_uring writes: the line lands soon after the reply
    check('the log says why', wait_until(lambda: why in kv.out(), 5), repr(kv.out()[-400:]))
    p = subprocess.run(['redis-cli', '-p', str(kv.port), 'shutdown'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    check('redis-cli shutdown: exit 0, nothing printed', p.returncode == 0 and not p.stdout,
          '%r %r %r' % (p.returncode, p.stdout, p.stderr))
    try:
        rc = kv.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        rc = None
    check_eq('kv stops (exit 0)', rc, 0)
    check('"kv: shutdown complete" logged', b'# kv: shutdown complete\n' in kv.out(),
          repr(kv.out()[-200:]))


def served_client(port_):
    """A connection kv serves (maxclients 1: wait for the last one's slot)."""
    found = []

    def attempt():
        c = Conn(port_)
        if c.call('PING') == b'+PONG\r\n':
            found.append(c)
            return True
        c.close()
        return False
    return found[0] if wait_until(attempt, 10) else None


def verbose_events(kv):
    """A refused connection (maxclients 1), a protocol error, evictions."""
    a = served_client(kv.port)
    if not check('the first client is served', a is not None, ''):
        return
    b = Conn(kv.port)
    check_eq('the second is refused', b.recv_until_close(timeout=10),
             (b'-ERR max number of clients reached\r\n', True))
    for i in range(400):  # 400 x 10 KB into 1 MB: allkeys-lru evicts
        a.send(enc('SET', 'k%d' % i, 'x' * 10000))
    replies = a.replies(400, timeout=20)
    check('400 SETs answered +OK', replies == [b'+OK\r\n'] * 400, repr(replies[:2]))
    time.sleep(0.3)  # evictions are logged on the next tick (hz 10): three of them
    a.send(b'*1\r\n$x\r\n')
    check_eq('a protocol error', a.recv_until_close(timeout=10),
             (b'-ERR Protocol error: invalid bulk length\r\n', True))


def test_loglevels():
    want = {  # level: (marks that may appear, verbose lines expected)
        'debug': (set(b'*#-.'), True), 'verbose': (set(b'*#-'), True),
        'notice': (set(b'*#'), False), 'warning': (set(b'#'), False), 'nothing': (set(), False),
    }
    for i, level in enumerate(want):
        kv = Proc('level-' + level, port(2 + i), ['--loglevel', level, '--maxclients', 1,
                                                  '--maxmemory', '1mb', '--maxmemory-policy',
                                                  'allkeys-lru'])
        if not check('loglevel %s: kv serves' % level, kv.wait_serving(), repr(kv.err()[-300:])):
            continue
        verbose_events(kv)
        rc = kv.stop()
        lines, bad = parse_lines(kv.out())
        if not check('loglevel %s: exit 0, every line in the format' % level,
                     rc == 0 and lines is not None, repr(bad)):
            continue
        marks = {mk[0] for _, mk, _ in lines}
        allowed, verbose = want[level]
        check('loglevel %s: only marks %s' % (level, ''.join(sorted(chr(x) for x in allowed))),
              marks <= allowed, repr(sorted(marks)))
        text = b'\n'.join(m for _, _, m in lines)
        seen = [b'Connection refused: max number of clients reached' in text,
                re.search(rb'Protocol error \(invalid bulk length\) from client: id=\d+, 1 so far',
                          text) is not None,
                re.search(rb'\d+ keys evicted \(maxmemory-policy allkeys-lru\)', text)
                is not None]
        check('loglevel %s: refusal, protocol error and evictions logged: %s' % (
              level, 'all three' if verbose else 'none'), seen == [verbose] * 3, repr(seen))
        if level == 'nothing':
            check_eq('loglevel nothing: stdout is empty', kv.out(), b'')
        if level == 'warning':
            check('loglevel warning: the shutdown lines still show',
                  text.endswith(b'kv: shutdown complete'), repr(text[-200:]))


def test_logfile():
    path = os.path.join(ARGS.tmp, 'kv.log')
    for round_ in (1, 2):
        kv = Proc('logfile%d' % round_, port(7), ['--logfile', path])
        check('logfile round %d: kv serves' % round_, kv.wait_serving(), repr(kv.err()[-300:]))
        check_eq('logfile round %d: exit 0' % round_, kv.stop(), 0)
        check_eq('logfile round %d: nothing on stdout' % round_, kv.out(), b'')
    with open(path, 'rb') as f:
        data = f.read()
    lines, bad = parse_lines(data)
    check('the logfile\'s lines are in the format', lines is not None, repr(bad))
    if lines is not None:
        msgs = [m for _, _, m in lines]
        check('appended: two starts, two ready lines, two shutdowns',
              sum(m.endswith(b'kv is starting oO0OoO0OoO0Oo') for m in msgs) == 2 and
              sum(m.startswith(b'kv: ready') for m in msgs) == 2 and
              sum(m == b'kv: shutdown complete' for m in msgs) == 2 and
              msgs[-1] == b'kv: shutdown complete', '%d lines' % len(msgs))
        check('SIGTERM logged as Redis does',
              sum(m == b'Received SIGTERM scheduling shutdown...' for m in msgs) == 2, '')
    bad_path = os.path.join(ARGS.tmp, 'no-such-dir', 'kv.log')
    p = subprocess.run([ARGS.kv, '--port', str(port(8)), '--logfile', bad_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    check('an unwritable logfile: exit 1 before anything starts, Redis\'s message',
          p.returncode == 1 and b"Can't open the log file: No such file or directory" in p.stderr
          and not p.stdout, '%r %r' % (p.returncode, p.stderr))


def notify_round(name, addr, bind_to, port_):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(bind_to)
    s.settimeout(15)
    kv = Proc(name, port_, env={'NOTIFY_SOCKET': addr})
    try:
        msg = s.recv(4096)
    except socket.timeout:
        msg = None
    check_eq('%s: kv sends READY=1 to NOTIFY_SOCKET' % name, msg,
             b'READY=1\nSTATUS=Ready to accept connections')
    served = False
    try:
        c = Conn(port_, timeout=2)
        served = c.call('PING') == b'+PONG\r\n'
        c.close()
    except OSError:
        pass
    check('%s: it serves once READY=1 is sent' % name, served and b'kv: ready' in kv.out(), '')
    kv.proc.send_signal(signal.SIGTERM)
    try:
        msg = s.recv(4096)
    except socket.timeout:
        msg = None
    check_eq('%s: SIGTERM: STOPPING=1' % name, msg, b'STOPPING=1')
    check_eq('%s: exit 0' % name, kv.stop(), 0)
    s.close()


def test_sd_notify():
    path = os.path.join(ARGS.tmp, 'notify.sock')
    notify_round('notify-path', path, path, port(9))
    abstract = 'kv-ops-test-%d' % os.getpid()
    notify_round('notify-abstract', '@' + abstract, '\0' + abstract, port(10))
    kv = Proc('notify-none', port(11))
    check('without NOTIFY_SOCKET kv starts as before', kv.wait_serving(), repr(kv.err()[-300:]))
    check_eq('and stops', kv.stop(), 0)


def installed(root):
    found = []
    for d, _, files in os.walk(root):
        for f in files:
            found.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(found)


def test_make_install():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    has_conf = os.path.exists(os.path.join(top, 'kv.conf'))
    for prefix, etc in (('/usr/local', 'usr/local/etc'), ('/usr', 'etc')):
        dest = os.path.join(ARGS.tmp, 'install' + prefix.replace('/', '-'))
        p = subprocess.run(['make', '-s', '-C', top, 'install', 'DESTDIR=' + dest,
                            'PREFIX=' + prefix],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        check('make install DESTDIR PREFIX=%s: exit 0' % prefix, p.returncode == 0,
              repr(p.stdout[-400:]))
        want = [prefix.lstrip('/') + '/bin/kv', prefix.lstrip('/') +
                '/lib/systemd/system/kv.service'] + ([etc + '/kv/kv.conf'] if has_conf else [])
        check_eq('make install PREFIX=%s: the files' % prefix, installed(dest), sorted(want))
        unit_path = os.path.join(dest, want[1])
        if not os.path.exists(unit_path):
            continue
        with open(unit_path) as f:
            unit = f.read()
        execs = [ln for ln in unit.splitlines() if ln.startswith('ExecStart=')]
        want_exec = 'ExecStart=%s/bin/kv%s' % (prefix, (' /%s/kv/kv.conf' % etc) if has_conf
                                                 else '')
        check_eq('the unit runs the installed binary (PREFIX=%s)' % prefix, execs, [want_exec])
        check('the unit is Type=notify, its placeholders filled in',
              'Type=notify\n' in unit and '@BINDIR@' not in unit and '@CONFIG@' not in unit, '')
        binary = os.path.join(dest, want[0])
        v = subprocess.run([binary, '--version'], stdout=subprocess.PIPE, timeout=10)
        check('the installed binary runs (--version)',
              v.returncode == 0 and VERSION_RE.match(v.stdout.decode()) is not None, '')
        if shutil.which('systemd-analyze'):
            # verify resolves ExecStart's path on this machine: point it at the copy
            local = os.path.join(ARGS.tmp, 'kv.service')
            with open(local, 'w') as f:
                f.write(unit.replace(execs[0], 'ExecStart=%s' % binary))
            a = subprocess.run(['systemd-analyze', 'verify', local], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            text = a.stdout.decode(errors='replace')
            mine = [ln for ln in text.splitlines() if 'kv.service' in ln]
            check('systemd-analyze verify: nothing to say about kv.service', not mine,
                  '; '.join(mine)[:400])


TESTS = [test_version, test_log_format_and_shutdown, test_redis_cli_shutdown, test_loglevels,
         test_logfile, test_sd_notify, test_make_install]


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument('--kv', required=True)
    ap.add_argument('--port-base', type=int, required=True)
    ap.add_argument('--tmp', required=True)
    ap.add_argument('--only', default='')
    ARGS = ap.parse_args()
    if not os.access(ARGS.kv, os.X_OK):
        die('no kv binary at %s' % ARGS.kv)
    only = [x for x in ARGS.only.split(',') if x]
    try:
        for t in TESTS:
            if only and t.__name__ not in only:
                continue
            print('== %s' % t.__name__, flush=True)
            try:
                t()
            except Exception as e:  # a crash in a test is a failure, not an abort
                check('%s ran to the end' % t.__name__, False, repr(e))
    finally:
        for p in PROCS:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
        kill_all()
    return 1 if summary('ops') else 0


if __name__ == '__main__':
    sys.exit(main())

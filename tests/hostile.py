#!/usr/bin/env python3
"""hostile.py: issue 18's reproductions on the real binary, default options unless a
test says otherwise. Each was a remote crash, a starvation or a wrong answer; each
check asserts the exact reply bytes (or the exact close) Redis gives, and that kv is
still serving afterwards.

Victims: with 8 and with 64 hostile clients of each kind connected (partial large
requests then silence, the same trickling a byte every 0.2 s, pipelines of 1 MB GETs
that never read, inline lines at the limit, empty-frame floods inside MULTI, HTTP
requests, 950 idle WATCHers of 32 keys each), a well-behaved client's 100 KB SET, 1 MB
GET and PING are each answered within 1 s (the issue's bound; the hold rule in
src/server.c makes it about (hostile / large-buffers) x 1.25 x 25 ms).

Driven by tests/hostile.sh on ports 7400-7449. Last line: "hostile: N passed, M failed".
"""
import argparse
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
from e2e_lib import Conn, Kv, check, check_eq, enc, info_field, kill_all, summary

ARGS = None
PORT = [0]
BIG = 1000000
BOUND_S = 1.0   # the "answered within 1 s"
INLINE_BIG = b'-ERR Protocol error: too big inline request\r\n'


def start(name, *opts):
    PORT[0] += 1
    return Kv(ARGS.kv, PORT[0], list(opts), tmp=ARGS.tmp, name=name).start(
        30.0 if 'asan' in ARGS.kv else 10.0)


def alive(kv, what):
    c = Conn(kv.port)
    ok = c.call('PING') == b'+PONG\r\n' and kv.proc.poll() is None
    c.close()
    check('%s: kv still answers PING, no assertion' % what,
          ok and kv.sanitizer_report() is None, kv.stderr()[-300:].decode('latin-1'))


def closes_with(c, want, what):
    got, closed = c.recv_until_close(5.0)
    check_eq('%s: exact reply' % what, got, want)
    check('%s: then the connection closes' % what, closed)


# ---- 1-3, 9: requests that crashed kv or were answered wrongly ----------------------

def test_inline_newline_late(kv):
    """1: ECHO + 30,000 a, a pause, 60,000 more a and CRLF."""
    c = Conn(kv.port)
    c.send(b'ECHO ' + b'a' * 30000)
    time.sleep(0.3)
    try:
        c.send(b'a' * 60000 + b'\r\n')
    except OSError:
        pass
    closes_with(c, INLINE_BIG, 'inline line of 90,005 bytes, newline late')
    c = Conn(kv.port)  # the boundary: 65,536 bytes with CRLF run, one more is refused
    c.send(b'ECHO ' + b'b' * (65536 - 7) + b'\r\n')
    check_eq('inline line of exactly 65,536 bytes (CRLF included) runs',
             c.replies(1)[0][:12], b'$65529\r\nbbbb')
    c.send(b'ECHO ' + b'b' * (65536 - 6) + b'\r\n')
    closes_with(c, INLINE_BIG, 'inline line of 65,537 bytes')
    alive(kv, 'inline limit')


def test_empty_frames_in_multi(kv):
    """2: MULTI, PING, then 5,000 empty frames (or nested MULTIs), then EXEC."""
    cases = [(b'\n' * 5000, b''), (b'*0\r\n' * 5000, b''), (b'*-1\r\n' * 5000, b''),
             (b'MULTI\r\n' * 5000, b'-ERR MULTI calls can not be nested\r\n' * 5000)]
    for filler, errs in cases:
        c = Conn(kv.port)
        c.send(b'MULTI\r\nPING\r\n' + filler + b'EXEC\r\n')
        want = b'+OK\r\n+QUEUED\r\n' + errs + b'*1\r\n+PONG\r\n'
        check_eq('MULTI PING, 5,000 x %r, EXEC' % filler[:7], c.recv_exact(len(want)), want)
        c.close()
    alive(kv, 'empty frames in MULTI')


def test_inline_many_words():
    """3: an inline request with more words than the multibulk argument bound."""
    kv = start('hostile-words', '--client-query-buffer-limit', '64kb',
               '--proto-max-bulk-len', '32kb', '--multi-max-commands', '64')
    c = Conn(kv.port)
    c.send(b'ECHO' + b' a' * 20000 + b'\r\n')
    check_eq('ECHO with 20,000 words: arity error',
             c.replies(1)[0], b"-ERR wrong number of arguments for 'echo' command\r\n")
    c.send(b'EXISTS' + b' a' * 20000 + b'\r\n')
    check_eq('EXISTS with 20,000 words: counted', c.replies(1)[0], b':0\r\n')
    alive(kv, 'inline words')
    kv.stop()


def test_http(kv):
    """9: POST and Host: close the connection without a reply."""
    for req in (b'POST / HTTP/1.1\r\nHost: x\r\n\r\n', b'host: x\r\n',
                b'PING\r\nPOST / HTTP/1.1\r\n'):
        c = Conn(kv.port)
        c.send(req)
        got, closed = c.recv_until_close(5.0)
        check('HTTP %r: closed' % req[:12], closed)
        check_eq('HTTP %r: no reply byte' % req[:12], got, b'')
    alive(kv, 'http')


# ---- 7, 8: eviction and reply bounds --------------------------------------------------

def test_evict_contiguous():
    """7: 5,000 SETs of 200 B under allkeys-lru and 1mb (the region is full and
    fragmented by the evictions of the fill), then a 300,000 B value. Before the fix:
    -OOM after evicting ~1,000 keys (this exact sequence, release build of 5cc2080)."""
    kv = start('hostile-evict', '--maxmemory', '1mb', '--maxmemory-policy', 'allkeys-lru')
    c = Conn(kv.port)
    c.send(b''.join(enc('SET', 'k%d' % i, 'x' * 200) for i in range(5000)))
    check('5,000 SETs of 200 B answered', len(c.replies(5000)) == 5000)
    before = int(c.call('DBSIZE')[1:-2])
    check_eq('SET big <300,000 B> under allkeys-lru', c.call('SET', 'big', 'y' * 300000),
             b'+OK\r\n')
    check_eq('STRLEN big', c.call('STRLEN', 'big'), b':300000\r\n')
    after = int(c.call('DBSIZE')[1:-2])
    # 300,000 B is the room of about 1,200 such keys (with their headers): far fewer
    # than all of them go, and the big key is there
    check('the SET evicted what it needed (%d -> %d keys)' % (before, after),
          before - 1600 <= after < before)
    check_eq('SETRANGE k 300000 x evicts and succeeds', c.call('SETRANGE', 'k', '300000', 'x'),
             b':300001\r\n')
    alive(kv, 'eviction')
    kv.stop()


def test_keys_bound():
    """8: 200,000 keys, KEYS nomatch* and SCAN MATCH answer empty."""
    kv = start('hostile-keys')
    c = Conn(kv.port)
    for base in range(0, 200000, 20000):
        c.send(b''.join(enc('SET', 'key:%d' % i, 'v') for i in range(base, base + 20000)))
        c.replies(20000, 30.0)
    check_eq('DBSIZE', c.call('DBSIZE'), b':200000\r\n')
    check_eq('KEYS nomatch*', c.call('KEYS', 'nomatch*'), b'*0\r\n')
    check_eq('SCAN 0 MATCH nomatch* COUNT 1000000',
             c.call('SCAN', '0', 'MATCH', 'nomatch*', 'COUNT', '1000000'),
             b'*2\r\n$1\r\n0\r\n*0\r\n')
    got = c.call('KEYS', 'key:19999?')  # key:199990 .. key:199999, in any order
    parts = got.split(b'\r\n')
    check_eq('KEYS key:19999?: 10 keys', parts[0], b'*10')
    check_eq('KEYS key:19999?: exactly those', sorted(parts[2:-1:2]),
             [b'key:19999%d' % d for d in range(10)])
    kv.stop()


# ---- 4-6: hostile populations and a victim ----------------------------------------------

def partial(port, i):
    c = Conn(port)
    c.send(b'*3\r\n$3\r\nSET\r\n$6\r\nh%05d\r\n$1048000\r\n' % i + b'x' * 20000)
    return c


def noread(port, i):
    c = Conn(port, rcvbuf=4096)
    c.send(enc('GET', 'big') * 20)
    return c


def both_pools(port, i):
    """Holds a reply buffer (1 MB GETs it never reads) and then a request buffer (a
    100 KB SET whose reply cannot be written): the hold rule must judge each pool on
    its own window (one shared window let the idle request pool restart the reply
    pool's; the regression for that is sim seed 1024: on loopback the kernel's socket
    buffers take enough of the replies here that the old build cut these too)."""
    c = Conn(port, rcvbuf=4096)
    # two 1 MB replies and a 97,010-byte one leave 118 bytes of the 2 MiB reply
    # buffer: the SET after them holds its request buffer, waiting for room
    c.send(enc('GET', 'big') * 2 + enc('GET', 'fill') + enc('SET', 'hb%d' % i, 'x' * 100000))
    return c


def inline_flood(port, i):
    c = Conn(port)
    c.send(b'ECHO ' + b'z' * 60000)  # no newline: near the inline limit, then quiet
    return c


def empty_multi(port, i):
    c = Conn(port)
    c.send(b'MULTI\r\n' + b'\n' * 100000)  # an open MULTI of empty lines, no EXEC
    return c


def http(port, i):
    c = Conn(port)
    try:
        c.send(b'POST / HTTP/1.1\r\nHost: x\r\n\r\n')
    except OSError:
        pass
    return c


def watcher(port, i):
    c = Conn(port)
    c.send(enc('WATCH', *['w%d:%d' % (i, k) for k in range(32)]))
    return c


def trickle(conns, stop):
    while not stop.is_set():
        for c in conns:
            try:
                c.s.send(b'x')
            except OSError:
                pass
        stop.wait(0.2)


def victim(port):
    """Worst latency of a 100 KB SET, a 1 MB GET and a PING, each on its own connection."""
    worst = 0.0
    for args, want in ((('SET', 'victim', 'v' * 100000), b'+OK\r\n'),
                       (('GET', 'big'), b'$%d\r\n' % BIG), (('PING',), b'+PONG\r\n')):
        c = Conn(port, timeout=10)
        t = time.monotonic()
        got = c.call(*args, timeout=10)
        dt = time.monotonic() - t
        c.close()
        if not got.startswith(want):
            return None, args[0]
        worst = max(worst, dt)
    return worst, None


def test_victims():
    """4, 5, 6: 8 and 64 clients of each hostile kind; a victim answered within 1 s."""
    kv = start('hostile-victims')
    c = Conn(kv.port)
    check_eq('SET big (1 MB)', c.call('SET', 'big', 'b' * BIG), b'+OK\r\n')
    check_eq('SET fill (97,000 B)', c.call('SET', 'fill', 'f' * 97000), b'+OK\r\n')
    kinds = [('partial requests, then silence', partial, 64, False),
             ('partial requests, then a byte every 0.2 s', partial, 64, True),
             ('pipelined 1 MB GETs, never read (4 KB window)', noread, 64, False),
             ('clients holding a reply and a request buffer, never reading', both_pools, 64,
              False),
             ('inline lines near the limit, no newline', inline_flood, 64, False),
             ('MULTI of 100,000 empty lines, no EXEC', empty_multi, 64, False),
             ('HTTP requests', http, 64, False),
             ('idle WATCHers of 32 keys each', watcher, 950, False)]
    for name, make, most, trickles in kinds:
        for n in sorted({8, most}):
            conns = [make(kv.port, i) for i in range(n)]
            stop = threading.Event()
            th = threading.Thread(target=trickle, args=(conns, stop), daemon=True)
            if trickles:
                th.start()
            time.sleep(0.05)
            worst, bad = victim(kv.port)
            stop.set()
            if trickles:
                th.join()
            for h in conns:
                h.close()
            check('%d x %s: the victim is answered%s' % (n, name, '' if bad is None else
                                                         ' (%s failed)' % bad), bad is None)
            if worst is not None:
                check('%d x %s: within %.1f s (worst %.3f s)' % (n, name, BOUND_S, worst),
                      worst <= BOUND_S)
    info = c.call('INFO', 'clients')
    cut = int(info_field(info, 'large_buffer_stall_disconnections') or 0)
    check('the hold rule disconnected hostile holders (%d)' % cut, cut >= 16)
    check('kv logs the hold rule\'s disconnections (at most once a minute)',
          kv.stdout().count(b'disconnected so far by the hold rule') == 1, kv.stdout()[-400:].decode('latin-1'))
    alive(kv, 'victims')
    kv.stop()


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument('--kv', required=True)
    ap.add_argument('--port-base', type=int, required=True)
    ap.add_argument('--tmp', default='/tmp')
    ARGS = ap.parse_args()
    PORT[0] = ARGS.port_base
    try:
        kv = start('hostile-main')
        test_inline_newline_late(kv)
        test_empty_frames_in_multi(kv)
        test_http(kv)
        kv.stop()
        test_inline_many_words()
        test_evict_contiguous()
        test_keys_bound()
        test_victims()
    except Exception as e:  # a test that cannot run is a failure, not a crash
        import traceback
        traceback.print_exc()
        check('hostile.py ran to the end', False, repr(e))
    finally:
        kill_all()
    return 1 if summary('hostile') else 0


if __name__ == '__main__':
    sys.exit(main())

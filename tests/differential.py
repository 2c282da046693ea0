#!/usr/bin/env python3
"""differential.py: kv against Debian's redis-server 7.0, byte for byte.

Starts `redis-server --port P --save '' --appendonly no --databases 1
--proto-max-bulk-len 1mb` (kv's default) and `build/kv --port Q` (ports in 7500-7599),
sends both the same command streams over raw sockets and requires identical replies:
  1. directed cases (diff_cases.CASES): edge cases per command group;
  2. raw-protocol cases (diff_cases.PROTOCOL): malformed input, QUIT, inline;
  3. random streams, one per seed (diff_gen.Gen, random.Random(seed)).
Each case/seed is one test. On a divergence it prints the seed (or case), the op
number, the command, kv's and redis's exact bytes and the preceding commands, then
resynchronises (fresh connections, FLUSHALL on both) and goes on; a seed stops after
3 divergences. The summary groups divergences by command; the last line is
`differential: N passed, M failed`.

With --resp3-seeds (differential.sh gives 1-30), everything runs a second time with
every connection switched to RESP3 first (HELLO 3 on both servers; their HELLO
replies are compared with the client id masked): the directed cases, the protocol
cases and those seeds, byte for byte again.

Comparison is byte-exact except where replies legitimately differ:
  - KEYS: the array is compared sorted (hash-table order differs), also inside EXEC;
  - SCAN: a full iteration per server, compared as the set of keys (cursors differ);
    ZSCAN in the directed cases likewise, as the set of (member, score) pairs;
  - TTL, EXPIRETIME: equal within 1 s; PTTL, PEXPIRETIME: equal within 1500 ms
    (the two servers set a relative TTL a few ms apart), also inside EXEC;
  - RANDOMKEY: only sent when DBSIZE is 0 or 1.
Timing is kept out of the replies by the generator (see diff_gen.py): no small
positive TTLs, and a key SET with a past EXAT/PXAT is touched at once (until then
both servers count it in DBSIZE, and Redis's SCAN TYPE none lists it, until their
active expiry happens to find it).
Known, deliberate kv differences that the streams avoid instead of excusing:
  - only database 0 exists: SELECT n>0 and COPY ... DB n>0 give
    "-ERR DB index is out of range" (matched by --databases 1 on redis);
  - MULTI queues at most multi-max-commands (1024) commands: streams queue <= 16
    (the directed case multi-many-queued: 600);
  - WATCH holds at most 32 keys per client: streams watch <= 24 key arguments;
  - replies larger than client-query-buffer-limit (2 MB) are refused with an error:
    every reply here stays far below (the largest is a 1 MB string);
  - requests: argument count at most client-query-buffer-limit / 6 (Redis: INT_MAX;
    kv closes the connection), and kv checks the CRLF after every header line and
    bulk (Redis skips two bytes): no case sends such frames;
  - INFO, TIME, CLIENT, COMMAND, OBJECT, DEBUG, MEMORY are never sent; CONFIG only in
    the directed config-* cases, over options both hold at equal values.

Usage: differential.py --kv build/kv [--asan-kv build-asan/kv] [--seeds 1-40] [--ops N]
       [--against-redis]  second server is another redis: checks the generator itself
       [--only cases|protocol|seeds] [--case NAME]
       [--stats]          redis's error replies by command (are the errors intended?)
       [--exclude a,b]    never send these commands (triage: hide a known divergence)
       [--trace FILE] [--repro DIR]  every op / the ops leading to each divergence
"""
import argparse
import collections
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in tests/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diff_cases  # noqa: E402
import diff_cases_hs  # noqa: E402
import diff_cases_zset  # noqa: E402
import diff_cases_stream  # noqa: E402
import diff_gen  # noqa: E402
from diff_resp import (Conn, ConnClosed, ConnTimeout, encode, encode_reply,  # noqa: E402
                       show)

PORT_LO = 7500 + int(os.environ.get('KV_TEST_PORT_OFFSET', '0'))
PORT_HI = PORT_LO + 99
MAX_DIVERGENCES_PER_STREAM = 3
READ_TIMEOUT_S = 5.0
SCAN_CALLS_MAX = 20000


# ---- servers ------------------------------------------------------------------------

def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('127.0.0.1', port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def pick_port(avoid):
    for p in range(PORT_LO, PORT_HI + 1):
        if p not in avoid and port_free(p):
            return p
    raise SystemExit('differential: no free port in %d-%d' % (PORT_LO, PORT_HI))


class Server:
    def __init__(self, label, argv_fn, port, logdir):
        self.label = label
        self.argv_fn = argv_fn
        self.port = port
        self.log_path = os.path.join(logdir, '%s-%d.log' % (label, port))
        self.proc = None
        self.restarts = 0

    def start(self):
        for attempt in range(4):
            try:
                return self.start_once()
            except RuntimeError:
                if attempt == 3:
                    raise
                self.stop()
                time.sleep(1)  # e.g. a crashed predecessor still holds the port

    def start_once(self):
        log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen(self.argv_fn(self.port), stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                c = Conn(self.port, timeout_s=2)
                c.send(b'PING\r\n')
                raw, _ = c.read_reply()
                c.close()
                if raw == b'+PONG\r\n' and self.proc.poll() is None:
                    return
            except (OSError, ConnClosed, ConnTimeout):
                time.sleep(0.05)
        raise RuntimeError('%s did not start on port %d:\n%s' %
                           (self.label, self.port, self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self, n=15):
        try:
            with open(self.log_path, 'rb') as f:
                lines = f.read().decode('utf8', 'replace').splitlines()
            return '\n'.join('    | ' + x for x in lines[-n:])
        except OSError:
            return '    | (no log)'


# ---- comparison ---------------------------------------------------------------------

TTL_S = {b'ttl', b'expiretime'}
TTL_MS = {b'pttl', b'pexpiretime'}


def unordered(p, group):
    """A parsed aggregate reply as its type and sorted groups of `group` elements
    (diff_cases_hs: replies whose order Redis leaves unspecified); else p."""
    if p[0] not in ('*', '~', '%') or p[1] is None:
        return p
    items = [encode_reply(x) for x in p[1]]
    groups = [tuple(items[i:i + group]) for i in range(0, len(items), group)]
    return (p[0], len(items), sorted(groups))


UNORDERED = {b'~sorted': 1, b'~pairs': 2}


XINFO_MASKED = (b'radix-tree-nodes', b'idle', b'seen-time')


def tree_nodes_masked(p):
    """An XINFO reply with radix-tree-nodes (Redis counts its radix tree's inner
    nodes, which kv does not reproduce: README's streams section), consumers' idle
    and seen-time (each server's clock) zeroed, at any depth."""
    if p[0] not in ('*', '%') or p[1] is None:
        return p
    v = [tree_nodes_masked(x) for x in p[1]]
    for i in range(0, len(v) - 1):
        if v[i][0] == '$' and v[i][1] in XINFO_MASKED and v[i + 1][0] == ':':
            v[i + 1] = (':', 0)
    return (p[0], v)


def counted(p):
    """An aggregate reply as its type and length only (diff_cases_hs ('count', cmd):
    random members, as SPOP's with a count below the size); else p."""
    if p[0] not in ('*', '~') or p[1] is None:
        return p
    return (p[0], len(p[1]))


def same(name, k, r, queued=None):
    """k, r: (raw, parsed). True if the replies count as identical for `name`."""
    if k[0] == r[0]:
        return True
    kp, rp = k[1], r[1]
    if name in UNORDERED:
        return unordered(kp, UNORDERED[name]) == unordered(rp, UNORDERED[name])
    if name == b'xinfo':
        return encode_reply(tree_nodes_masked(kp)) == encode_reply(tree_nodes_masked(rp))
    if name == b'~count':
        return counted(kp) == counted(rp)
    if name in TTL_S or name in TTL_MS:
        slack = 1 if name in TTL_S else 1500
        return (kp[0] == ':' and rp[0] == ':' and kp[1] >= 0 and rp[1] >= 0 and
                abs(kp[1] - rp[1]) <= slack)
    if name == b'keys':
        return (kp[0] == '*' and rp[0] == '*' and kp[1] is not None and rp[1] is not None
                and sorted(map(encode_reply, kp[1])) == sorted(map(encode_reply, rp[1])))
    if name == b'exec' and queued is not None:
        if kp[0] != '*' or rp[0] != '*' or kp[1] is None or rp[1] is None:
            return False
        if len(kp[1]) != len(rp[1]) or len(kp[1]) != len(queued):
            return False
        return all(same(q, (encode_reply(a), a), (encode_reply(b), b))
                   for q, a, b in zip(queued, kp[1], rp[1]))
    return False


class Divergence(Exception):
    def __init__(self, op, kv, redis, note=''):
        super().__init__('divergence')
        self.op, self.kv, self.redis, self.note = op, kv, redis, note


# ---- running streams ----------------------------------------------------------------

HELLO_ID = re.compile(rb'\$2\r\nid\r\n:\d+\r\n')


def wait_blocked(port, n):
    """True once INFO blocked_clients on port reaches n (false after
    READ_TIMEOUT_S: the command never blocked)."""
    deadline = time.time() + READ_TIMEOUT_S
    c = Conn(port, READ_TIMEOUT_S)
    try:
        while time.time() < deadline:
            c.send(encode([b'INFO', b'clients']))
            text = c.read_reply()[0]
            m = re.search(rb'blocked_clients:(\d+)', text)
            if m and int(m.group(1)) >= n:
                return True
            time.sleep(0.002)
        return False
    finally:
        c.close()


def open_conn(port, resp3):
    """A connection; with resp3, switched by HELLO 3, whose reply must be Redis 7.0's
    (the id masked: the two servers count clients differently)."""
    c = Conn(port, READ_TIMEOUT_S)
    if resp3:
        c.send(encode([b'HELLO', b'3']))
        raw, _ = c.read_reply()
        want = (b'%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n'
                b'$5\r\nproto\r\n:3\r\nID$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n'
                b'$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n')
        if HELLO_ID.sub(b'ID', raw) != want:
            raise RuntimeError('HELLO 3 on port %d answered %r' % (port, raw[:200]))
    return c


class Pair:
    """Main and aux connections to both servers."""

    def __init__(self, kv, redis, resp3=False):
        self.kv, self.redis = kv, redis
        self.resp3 = resp3
        self.conns = None

    def open(self):
        self.close()
        self.conns = {0: (open_conn(self.kv.port, self.resp3),
                          open_conn(self.redis.port, self.resp3)),
                      1: (open_conn(self.kv.port, self.resp3),
                          open_conn(self.redis.port, self.resp3))}
        self.blocked = 0  # blocking ops sent whose wake-up has not been read

    def conn(self, n):
        """Connection pair n (2, 3, ... are opened on first use, for blocking
        cases); each side's CLIENT ID is kept for CLIENT UNBLOCK."""
        if n not in self.conns:
            pair = (open_conn(self.kv.port, self.resp3), open_conn(self.redis.port, self.resp3))
            for c in pair:
                c.send(encode([b'CLIENT', b'ID']))
                c.client_id = c.read_reply()[1][1]
            self.conns[n] = pair
        return self.conns[n]

    def close(self):
        if self.conns:
            for a, b in self.conns.values():
                a.close()
                b.close()
        self.conns = None

    def reset(self):
        """Fresh connections and an empty keyspace on both (restarting kv if it
        died or stopped answering)."""
        for attempt in range(3):
            for srv in (self.kv, self.redis):
                if not srv.alive():
                    srv.restarts += 1
                    srv.start()
            try:
                self.open()
                for c in self.conns[0]:
                    c.send(encode([b'FLUSHALL']))
                for c in self.conns[0]:
                    raw, _ = c.read_reply()
                    if raw != b'+OK\r\n':
                        raise RuntimeError('FLUSHALL answered %r' % raw)
                return
            except (OSError, ConnClosed, ConnTimeout) as e:
                print('  resync failed (%s): restarting kv' % e)
                self.close()
                self.kv.stop()
        raise RuntimeError('cannot resynchronise the servers')


def send_quietly(conn, data, errors):
    try:
        conn.send(data)
    except (ConnClosed, ConnTimeout, OSError) as e:
        errors.append(e)


def op_bytes(op):
    return op.raw if op.kind == 'inline' else encode(op.args)


def read_pair(op, ck, cr):
    """One reply from each; a kv failure becomes a Divergence, a redis one an error."""
    try:
        k = ck.read_reply()
    except (ConnClosed, ConnTimeout) as e:
        r = cr.read_reply()
        raise Divergence(op, None, r[0], 'kv: %s: %s' % (type(e).__name__, e))
    r = cr.read_reply()
    return k, r


class Runner:
    def __init__(self, kv, redis, stats, resp3=False):
        self.pair = Pair(kv, redis, resp3)
        self.kv, self.redis = kv, redis
        self.stats = stats
        self.err_stats = collections.Counter()
        self.max_reply = 0
        self.commands = 0
        self.trace = None
        self.repro_dir = None
        self.since_reset = []

    def note_reply(self, op, r):
        if self.trace:
            self.trace.write('%s\n    -> %s\n' % (op.describe(), show(r[0], 300)))
        self.commands += 1
        self.max_reply = max(self.max_reply, len(r[0]))
        if self.stats and r[1][0] == '-':
            self.err_stats[(op.name, r[0][:90])] += 1

    def check(self, op, k, r):
        self.note_reply(op, r)
        if not same(op.name, k, r, op.queued):
            raise Divergence(op, k[0], r[0])

    def flush(self, pending):
        if not pending:
            return
        ck, cr = self.pair.conns[0]
        data = b''.join(op_bytes(op) for op in pending)
        if len(data) > 32768:
            # Big pipelines: send from threads while reading, so that neither side
            # can block the other through full socket buffers (kv's backpressure).
            errors = []
            threads = [threading.Thread(target=send_quietly, args=(c, data, errors))
                       for c in (ck, cr)]
            for t in threads:
                t.start()
        else:
            threads = []
            try:
                ck.send(data)
            except (ConnClosed, ConnTimeout) as e:
                raise Divergence(pending[0], None, None, 'kv: send failed: %s' % e)
            cr.send(data)
        try:
            self.read_pending(pending, ck, cr)
        finally:
            for t in threads:
                t.join()
        del pending[:]

    def read_pending(self, pending, ck, cr):
        for op in pending:
            for _ in range(op.nreplies):
                k, r = read_pair(op, ck, cr)
                self.check(op, k, r)

    def run_single(self, op):
        """An op on the aux connection, or one that needs replies to proceed.
        Returns redis's last reply."""
        r = None
        if op.kind in ('block', 'wake', 'unblock'):
            self.run_blocking(op)
        elif op.kind in ('cmd', 'inline'):
            ck, cr = self.pair.conn(op.conn)
            data = op_bytes(op)
            try:
                ck.send(data)
            except (ConnClosed, ConnTimeout) as e:
                raise Divergence(op, None, None, 'kv: send failed: %s' % e)
            cr.send(data)
            for _ in range(op.nreplies):
                k, r = read_pair(op, ck, cr)
                self.check(op, k, r)
        elif op.kind == 'read':
            ck, cr = self.pair.conns[op.conn]
            for _ in range(op.nreplies):
                k, r = read_pair(op, ck, cr)
                self.check(op, k, r)
        elif op.kind == 'scan':
            self.run_scan(op)
        elif op.kind == 'cmdlist':
            self.run_cmdlist(op)
        elif op.kind == 'shape':
            self.run_shape(op)
        elif op.kind == 'randomkey':
            r = self.run_single(diff_gen.Op('cmd', args=[b'DBSIZE']))
            if r[1][0] == ':' and r[1][1] <= 1:
                r = self.run_single(diff_gen.Op('cmd', args=[b'RANDOMKEY']))
        elif op.kind == 'dump':
            ck, cr = self.pair.conns[0]
            dk, dr = self.dump(ck, 'kv', op), self.dump(cr, 'redis', op)
            if not dumps_equal(dk, dr):
                raise Divergence(op, dump_text(dk, dr, 'kv'), dump_text(dr, dk, 'redis'),
                                 'whole-keyspace comparison')
        else:
            raise AssertionError(op.kind)
        return r

    def run_shape(self, op):
        """A reply whose values depend on time or memory (MEMORY STATS, LATENCY
        HISTOGRAM): the keys of its maps, in order, and each value's RESP type are
        compared; histogram_usec's buckets (timings) are dropped."""
        ck, cr = self.pair.conns[0]
        got = []
        for c in (ck, cr):
            c.send(encode(op.args))
            raw, p = c.read_reply()
            got.append(shape_of(p))
        self.commands += 1
        if got[0] != got[1]:
            raise Divergence(op, repr(got[0]), repr(got[1]), 'map keys and value types')
    def run_blocking(self, op):
        """'block': the command is sent on its connection and not answered; the
        case goes on once both servers count it in INFO blocked_clients (a condition
        polled on a fresh connection, at most READ_TIMEOUT_S: no timing guess).
        'wake': one reply read from that connection on both servers and compared.
        'unblock': CLIENT UNBLOCK <that connection's id on each server> [reason]."""
        ck, cr = self.pair.conn(op.conn)
        if op.kind == 'wake':
            k, r = read_pair(op, ck, cr)
            self.pair.blocked -= 1
            self.check(op, k, r)
            return
        if op.kind == 'unblock':
            replies = []
            for side, c in ((self.kv, ck), (self.redis, cr)):
                main = self.pair.conns[0][0 if side is self.kv else 1]
                main.send(encode([b'CLIENT', b'UNBLOCK', b'%d' % c.client_id] + op.args))
                replies.append(main.read_reply())
            self.check(op, replies[0], replies[1])
            return
        ck.send(encode(op.args))
        cr.send(encode(op.args))
        self.pair.blocked += 1
        for side in (self.kv, self.redis):
            if not wait_blocked(side.port, self.pair.blocked):
                raise Divergence(op, None, None, '%s: the command did not block' %
                                 ('kv' if side is self.kv else 'redis'))

    def run_cmdlist(self, op):
        """COMMAND LIST [args]: Redis has more commands, so the sets are compared
        restricted to the names kv lists without a filter."""
        ck, cr = self.pair.conns[0]
        got = []
        for c in (ck, cr, ck):
            args = op.args if len(got) < 2 else []
            c.send(encode([b'COMMAND', b'LIST'] + args))
            raw, p = c.read_reply()
            got.append(set(x[1] for x in p[1]) if p[0] == '*' else raw)
        self.commands += 1
        k, r, names = got
        if isinstance(k, set) and isinstance(r, set):
            r = r & names
        if k != r:
            raise Divergence(op, repr(sorted(k) if isinstance(k, set) else k),
                             repr(sorted(r) if isinstance(r, set) else r),
                             'COMMAND LIST as sets over kv\'s names')

    def scan_all(self, c, op):
        """A whole SCAN (or, op.name zscan, ZSCAN key: its (member, score) pairs)."""
        cursor, keys = b'0', set()
        for i in range(SCAN_CALLS_MAX):
            if op.name == b'zscan':
                c.send(encode([b'ZSCAN', op.args[0], cursor] + op.args[1:]))
            else:
                c.send(encode([b'SCAN', cursor] + op.args))
            raw, p = c.read_reply()
            if p[0] != '*':
                return ('error', raw) if i == 0 else ('bad', raw)
            if (len(p[1]) != 2 or p[1][0][0] != '$' or p[1][1][0] != '*' or
                    any(x[0] != '$' for x in p[1][1][1])):
                return ('bad', raw)
            items = [x[1] for x in p[1][1][1]]
            keys.update(zip(items[0::2], items[1::2]) if op.name == b'zscan' else items)
            cursor = p[1][0][1]
            if cursor == b'0':
                return ('keys', sorted(keys))
        return ('bad', b'SCAN did not finish after %d calls' % SCAN_CALLS_MAX)

    def run_scan(self, op):
        ck, cr = self.pair.conns[0]
        try:
            k = self.scan_all(ck, op)
        except (ConnClosed, ConnTimeout) as e:
            raise Divergence(op, None, None, 'kv: %s' % e)
        r = self.scan_all(cr, op)
        self.commands += 1
        if k != r:
            raise Divergence(op, repr(k).encode(), repr(r).encode())

    def dump(self, c, label, op):
        c.send(encode([b'KEYS', b'*']))
        try:
            _, p = c.read_reply()
        except (ConnClosed, ConnTimeout) as e:
            raise Divergence(op, None, None, '%s: %s' % (label, e))
        keys = sorted(x[1] for x in p[1]) if p[0] == '*' else [b'<KEYS failed>']
        out = []
        for key in keys:
            c.send(encode([b'TYPE', key]) + encode([b'GET', key]) +
                   encode([b'LRANGE', key, 0, -1]) + encode([b'PTTL', key]))
            t, g, lr, pt = [c.read_reply()[0] for _ in range(4)]
            pt_v = int(pt[1:-2]) if pt[:1] == b':' else pt
            if t in (b'+hash\r\n', b'+set\r\n'):  # hashes and sets: as multisets
                c.send(encode([b'HGETALL' if t == b'+hash\r\n' else b'SMEMBERS', key]))
                lr = unordered(c.read_reply()[1], 2 if t == b'+hash\r\n' else 1)
            out.append([key, t, g if t == b'+string\r\n' else lr, pt_v])
        return out

    def run_stream(self, label, ops, batch_rng, gen):
        """Runs one op stream; returns the list of divergences (dicts)."""
        found = []
        history = collections.deque(maxlen=6)
        pending = []
        self.pair.reset()
        index = 0
        self.since_reset = []
        for op in ops:
            index += 1
            self.since_reset.append(op)
            try:
                if op.kind in ('cmd', 'inline') and op.conn == 0:
                    pending.append((index, op))
                    if len(pending) >= self.batch_size(batch_rng):
                        self.flush_indexed(pending, history)
                    continue
                self.flush_indexed(pending, history)
                self.run_single(op)
                history.append((index, op))
            except Divergence as d:
                at = getattr(d, 'index', index)
                found.append(self.report(label, at, d, list(history)))
                pending = []
                history.clear()
                if len(found) >= MAX_DIVERGENCES_PER_STREAM:
                    print('  %s: stopping after %d divergences' % (label, len(found)))
                    return found
                self.pair.reset()
                self.since_reset = []
                gen.reset_session()
        try:
            self.flush_indexed(pending, history)
        except Divergence as d:
            found.append(self.report(label, getattr(d, 'index', index), d, list(history)))
        return found

    @staticmethod
    def batch_size(rng):
        """How many commands to pipeline before reading: mostly a few, at times
        hundreds (kv then borrows large buffers and applies backpressure)."""
        return rng.randint(1, 24) if rng.random() < 0.995 else rng.randint(100, 600)

    def flush_indexed(self, pending, history):
        if not pending:
            return
        ops = [op for _, op in pending]
        try:
            self.flush(ops)
        except Divergence as d:
            pos = next(i for i, (_, op) in enumerate(pending) if op is d.op)
            for item in pending[:pos]:
                history.append(item)
            d.index = pending[pos][0]
            del pending[:]
            raise
        history.extend(pending)
        del pending[:]

    def write_repro(self, label, index, d):
        path = os.path.join(self.repro_dir, '%s-%s.txt' % (label.replace(' ', '-'), index))
        with open(path, 'w') as f:
            for op in self.since_reset:
                f.write('%r\n' % ((op.kind, op.conn, op.args, op.raw),))
                if op is d.op:
                    break
        print('  repro: %s' % path)

    def report(self, label, index, d, history):
        if d.note.startswith('kv:'):
            try:  # a crashing kv (sanitizer report) may take a moment to exit
                self.kv.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        kv_dead = not self.kv.alive()
        if self.repro_dir:
            self.write_repro(label, index, d)
        print('DIVERGENCE %s op #%s: %s' % (label, index, d.op.describe()))
        if d.note:
            print('  note:  %s' % d.note)
        print('  kv:    %s' % show(d.kv, 1200))
        print('  redis: %s' % show(d.redis, 1200))
        if history:
            print('  preceded by:')
            for i, op in history:
                print('    #%d %s' % (i, op.describe()))
        if not kv_dead and 'Timeout' in d.note:
            print('  kv stopped answering: restarting it')
            self.kv.stop()
        if kv_dead:
            print('  kv exited (status %s); its log:' % self.kv.proc.returncode)
            print(self.kv.log_tail())
        sys.stdout.flush()
        return {'label': label, 'index': index, 'name': group_name(d.op), 'op': d.op,
                'kv': d.kv, 'redis': d.redis, 'note': d.note}


def dump_text(mine, other, label):
    """The first entry of `mine` that `other` lacks or holds differently, as text."""
    for e in mine:
        match = [o for o in other if o[0] == e[0]]
        if not match:
            return ('%s has extra key %r = %r' % (label, e[0], e[1:])).encode()
        o = match[0]
        if e[1:3] != o[1:3]:
            return ('%s: key %r type %r value %s' % (label, e[0], e[1], show(e[2], 300))).encode()
        if isinstance(e[3], int) and isinstance(o[3], int):
            if ((e[3] < 0 or o[3] < 0) and e[3] != o[3]) or abs(e[3] - o[3]) > 1500:
                return ('%s: key %r PTTL %r' % (label, e[0], e[3])).encode()
        elif e[3] != o[3]:
            return ('%s: key %r PTTL %r' % (label, e[0], e[3])).encode()
    return ('%s: %d keys' % (label, len(mine))).encode()


def dumps_equal(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x[:3] != y[:3]:
            return False
        if isinstance(x[3], int) and isinstance(y[3], int):
            if x[3] < 0 or y[3] < 0:
                if x[3] != y[3]:
                    return False
            elif abs(x[3] - y[3]) > 1500:
                return False
        elif x[3] != y[3]:
            return False
    return True


def shape_of(p):
    """A reply's keys and types: map values (RESP2: every second element) reduced to
    their type byte, nested maps kept; errors and scalars at the top kept whole."""
    t, v = p
    if t not in ('*', '%') or v is None or len(v) % 2:
        return p
    out = []
    for key, val in zip(v[0::2], v[1::2]):
        out.append(key)
        if key[1] == b'histogram_usec':
            out.append((val[0], 'buckets'))
        elif val[0] in ('*', '%'):
            out.append(shape_of(val))
        else:
            out.append((val[0], 'value'))
    return (t, out)


def group_name(op):
    if op.kind == 'cmd' or op.kind == 'inline':
        n = op.name.decode('latin1').upper() or '<empty>'
        if op.kind == 'inline':
            n = 'inline ' + n
        return n if len(n) < 30 else n[:30] + '...'
    return op.kind.upper()


# ---- directed and protocol cases ----------------------------------------------------

def case_ops(steps):
    """diff_cases steps -> Ops, with MULTI/EXEC tracking for EXEC comparison."""
    tracker = diff_gen.Gen(0)
    now = time.time()

    def args_of(step):
        if isinstance(step, list):
            return step
        out = []
        for t in step.split(' '):
            if t.startswith('@s:'):
                t = str(int(now) + int(t[3:]))
            elif t.startswith('@ms:'):
                t = str(int(now * 1000) + int(t[4:]) * 1000)
            elif t == "''":
                t = ''
            out.append(t.encode('latin1'))
        return out

    for step in steps:
        if isinstance(step, tuple):
            kind = step[0]
            if kind == 'aux':
                yield diff_gen.Op('cmd', args=args_of(step[1]), conn=1)
            elif kind == 'on':  # ('on', N, cmd): a command on connection N
                yield diff_gen.Op('cmd', args=args_of(step[2]), conn=step[1])
            elif kind == 'block':  # ('block', N, cmd): sent on N, blocks there
                yield diff_gen.Op('block', args=args_of(step[2]), conn=step[1], nreplies=0)
            elif kind == 'wake':  # ('wake', N): N's reply, compared
                yield diff_gen.Op('wake', conn=step[1], name=b'blpop')
            elif kind == 'unblock':  # ('unblock', N[, reason]): CLIENT UNBLOCK N's id
                yield diff_gen.Op('unblock', args=args_of(step[2]) if len(step) > 2 else [],
                                  conn=step[1], name=b'client')
            elif kind == 'frames':  # ('frames', conn, k, step or None): k replies
                conn, k, what = step[1], step[2], step[3]
                if what is None:  # nothing sent: k pushed messages are read
                    yield diff_gen.Op('read', conn=conn, nreplies=k, name=b'message')
                else:
                    yield diff_gen.Op('cmd', args=args_of(what), conn=conn, nreplies=k)
            elif kind == 'inline':
                raw = step[1]
                words = raw.split()
                if words:
                    op = diff_gen.Op('inline', raw=raw, args=words, name=words[0].lower())
                    tracker._track(op)
                else:
                    op = diff_gen.Op('inline', raw=raw, nreplies=0, name=b'')
                yield op
            elif kind == 'shape':
                yield diff_gen.Op('shape', args=args_of(step[1]))
            elif kind == 'cmdlist':
                yield diff_gen.Op('cmdlist', args=args_of(step[1]) if step[1] else [],
                                  name=b'command')
            elif kind in ('sorted', 'pairs', 'count'):  # diff_cases_hs: unordered, random
                yield diff_gen.Op('cmd', args=args_of(step[1]), name=b'~' + kind.encode())
            elif kind == 'scan':
                yield diff_gen.Op('scan', args=args_of(step[1]) if step[1] else [],
                                  name=b'scan')
            elif kind == 'zscan':  # ('zscan', 'key [opts]'): a whole ZSCAN, as pairs
                yield diff_gen.Op('scan', args=args_of(step[1]), name=b'zscan')
            else:
                yield diff_gen.Op(kind, name=kind.encode())
        else:
            op = diff_gen.Op('cmd', args=args_of(step))
            tracker._track(op)
            yield op


def run_protocol_case(runner, name, data):
    """data: bytes, or (bytes, after): `after` is then sent on a second connection and
    its replies are compared too (a case that changed settings undoes it so)."""
    data, after = data if isinstance(data, tuple) else (data, b'')
    out = []
    for srv in (runner.kv, runner.redis):
        got = b''
        closed = False
        for part in (data, after) if after else (data,):
            c = open_conn(srv.port, runner.pair.resp3 and part is data)
            c.send(part)
            b, cl = c.read_all(idle_s=0.4, max_s=3)
            got, closed = got + b, closed or cl
            c.close()
        out.append((got, closed))
    (kb, kc), (rb, rc) = out
    if kb == rb and kc == rc:
        return None
    print('DIVERGENCE protocol case %s: sent %s' % (name, show(data)))
    print('  kv:    %s%s' % (show(kb), ' (then closed)' if kc else ' (left open)'))
    print('  redis: %s%s' % (show(rb), ' (then closed)' if rc else ' (left open)'))
    return {'label': 'protocol ' + name, 'index': 0, 'name': 'protocol',
            'op': None, 'kv': kb, 'redis': rb, 'note': ''}


# ---- main ---------------------------------------------------------------------------

def parse_seeds(text):
    out = []
    for part in text.split(','):
        if '-' in part:
            a, b = part.split('-')
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def run_all(runner, a, excluded, seeds, tag):
    """Directed cases, protocol cases and seeded streams: (passed, failed, found)."""
    passed = failed = 0
    found = []

    def keep(ops):
        return (op for op in ops if op.name not in excluded)

    def count(d):
        nonlocal passed, failed
        found.extend(d)
        passed, failed = passed + (not d), failed + bool(d)

    if a.only in (None, 'cases'):
        cases = dict(diff_cases.CASES)
        cases.update(diff_cases_hs.CASES)  # hashes and sets (issue 21)
        cases.update(diff_cases_zset.CASES)  # sorted sets
        cases.update(diff_cases_stream.CASES)  # streams (first slice)
        for name, steps in cases.items():
            if not a.case or a.case == name:
                count(runner.run_stream(tag + 'case ' + name, keep(case_ops(steps)),
                                        random.Random(1), diff_gen.Gen(0)))
    if a.only in (None, 'protocol'):
        for name, data in diff_cases.PROTOCOL.items():
            if not a.case or a.case == name:
                runner.pair.reset()
                d = run_protocol_case(runner, tag + name, data)
                count([d] if d else [])
    if a.only in (None, 'seeds') and not a.case:
        for seed in seeds:
            gen = diff_gen.Gen(seed, exclude=excluded)
            count(runner.run_stream(tag + 'seed %d' % seed, keep(gen.ops(a.ops)),
                                    random.Random(seed * 7919 + 1), gen))
    return passed, failed, found


def print_groups(found):
    print('\nDivergences by command:')
    groups = collections.OrderedDict()
    for f in found:
        groups.setdefault(f['name'], []).append(f)
    for name in sorted(groups):
        items = groups[name]
        print('  %s: %d' % (name, len(items)))
        for f in items[:4]:
            what = f['op'].describe() if f['op'] is not None else f['label']
            print('    %s #%s: %s' % (f['label'], f['index'], what))
            print('      kv:    %s' % show(f['kv'], 300))
            print('      redis: %s' % show(f['redis'], 300))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kv', default='build/kv')
    ap.add_argument('--asan-kv', help='a sanitizer build of kv: after the main run, run '
                    'the directed and protocol cases and --asan-seeds against it too')
    ap.add_argument('--asan-seeds', default='1001-1010')
    ap.add_argument('--resp3-seeds', default='',
                    help='run everything again under RESP3 (HELLO 3), with these seeds')
    ap.add_argument('--redis', default='redis-server')
    ap.add_argument('--seeds', default='1-40')
    ap.add_argument('--ops', type=int, default=1500)
    ap.add_argument('--against-redis', action='store_true')
    ap.add_argument('--only', choices=['cases', 'protocol', 'seeds'])
    ap.add_argument('--case')
    ap.add_argument('--stats', action='store_true')
    ap.add_argument('--trace', help='write every op and redis reply to this file')
    ap.add_argument('--repro', help='on a divergence, write the ops since the last resync '
                    '(Python reprs, one per line) to a file in this directory')
    ap.add_argument('--exclude', default='',
                    help='comma-separated command names never sent (triage aid)')
    a = ap.parse_args()

    # SIGTERM (a suite timeout) still runs the `finally` that stops both servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    redis_bin = shutil.which(a.redis) or a.redis
    logdir = tempfile.mkdtemp(prefix='kv-differential-')

    def redis_argv(port):
        return [redis_bin, '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                '--appendonly', 'no', '--databases', '1', '--proto-max-bulk-len', '1mb',
                '--dir', logdir, '--logfile', '']

    def kv_argv_of(path):
        return lambda port: [path, '--port', str(port)]

    p_redis = pick_port(set())
    p_kv = pick_port({p_redis})
    redis = Server('redis', redis_argv, p_redis, logdir)
    runs = [('', Server('redis2' if a.against_redis else 'kv',
                        redis_argv if a.against_redis else kv_argv_of(a.kv), p_kv, logdir),
             parse_seeds(a.seeds))]
    if a.resp3_seeds:
        runs.append(('resp3 ', Server('kv', redis_argv if a.against_redis else kv_argv_of(a.kv),
                                      p_kv, logdir), parse_seeds(a.resp3_seeds)))
    if a.asan_kv:
        runs.append(('asan ', Server('kv-asan', kv_argv_of(a.asan_kv), p_kv, logdir),
                     parse_seeds(a.asan_seeds)))
    excluded = {x.strip().lower().encode() for x in a.exclude.split(',') if x.strip()}
    passed = failed = commands = restarts = max_reply = 0
    found = []
    t0 = time.monotonic()
    try:
        redis.start()
        for tag, kv, seeds in runs:
            runner = Runner(kv, redis, a.stats, resp3=tag == 'resp3 ')
            try:
                kv.start()
                print('differential: %s on port %d, redis-server on port %d' %
                      (kv.label, kv.port, redis.port))
                if a.trace:
                    runner.trace = open(a.trace, 'w')
                runner.repro_dir = a.repro
                p, f, d = run_all(runner, a, excluded, seeds, tag)
                passed, failed, found = passed + p, failed + f, found + d
                runner.pair.close()
            except (RuntimeError, OSError, ConnClosed, ConnTimeout) as e:
                print('differential: %srun aborted: %s: %s' % (tag, type(e).__name__, e))
                print(kv.log_tail())
                failed += 1
            finally:
                kv.stop()
                commands += runner.commands
                max_reply = max(max_reply, runner.max_reply)
                restarts += kv.restarts
                if a.stats:
                    print('\nredis error replies by command (count, command, reply):')
                    for (n, e), cnt in sorted(runner.err_stats.items()):
                        print('  %6d %-12s %s' % (cnt, n.decode('latin1'), show(e, 120)))
    finally:
        redis.stop()

    if found:
        print_groups(found)
    print('commands compared: %d; largest reply: %d bytes; %.1f s; kv restarts: %d' %
          (commands, max_reply, time.monotonic() - t0, restarts))
    shutil.rmtree(logdir, ignore_errors=True)
    print('differential: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

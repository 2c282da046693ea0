#!/usr/bin/env python3
"""bench_pubsub.py: PUBLISH to 1, 10 and 100 subscribers, kv against Debian's
redis-server side by side: messages delivered per CPU second of the server.

For each subscriber count S and each server (started here with default options,
pinned to CPU 0): S connections SUBSCRIBE to one channel and are drained by one
thread (selectors, 256 KiB reads, bytes counted); redis-benchmark (CPU 1) sends
--requests PUBLISH of a --size byte message over 50 connections, P=1. Delivered =
the bytes the subscribers received / one message's bytes; CPU = the server's
utime + stime (/proc/<pid>/stat) over the run. Also printed: publishes per second
and subscribers the server disconnected (INFO client_output_buffer_limit_
disconnections for kv; for both, subscribers whose socket closed).

    python3 ci/bench_pubsub.py [--kv build/kv] [--port 20640] [--requests 200000]
"""
import argparse
import os
import selectors
import socket
import subprocess
import threading
import time

HZ = os.sysconf('SC_CLK_TCK')


def cpu_s(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError('nothing listens on %d' % port)


def start(kind, a, port):
    if kind == 'kv':
        cmd = [a.kv, '--port', str(port)]
    else:
        cmd = ['redis-server', '--port', str(port), '--save', '', '--appendonly', 'no']
    p = subprocess.Popen(['taskset', '-c', '0'] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_port(port)
    return p


def call(port, *args):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(x), x) for x in args))
    time.sleep(0.1)
    out = s.recv(1 << 20)
    s.close()
    return out


def drain(socks, stop, total, closed):
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    while not stop.is_set() or sel.get_map():
        events = sel.select(0.2)
        if not events and stop.is_set():
            break
        for key, _ in events:
            try:
                data = key.fileobj.recv(1 << 18)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fileobj)
                closed[0] += 1
                continue
            total[0] += len(data)


def run(kind, a, port, subs):
    p = start(kind, a, port)
    try:
        socks = []
        for _ in range(subs):
            s = socket.create_connection(('127.0.0.1', port))
            s.sendall(b'*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n')
            socks.append(s)
        time.sleep(0.3)
        for s in socks:
            s.recv(4096)  # the subscribe reply
        payload = b'x' * a.size
        one = len(b'*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$%d\r\n%s\r\n' % (len(payload), payload))
        total, closed, stop = [0], [0], threading.Event()
        t = threading.Thread(target=drain, args=(socks, stop, total, closed))
        t.start()
        c0, t0 = cpu_s(p.pid), time.time()
        subprocess.run(['taskset', '-c', '1', 'redis-benchmark', '-p', str(port), '-q',
                        '-n', str(a.requests), '-c', '50', 'PUBLISH', 'ch', payload.decode()],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall, cpu = time.time() - t0, cpu_s(p.pid) - c0
        time.sleep(1.0)
        stop.set()
        t.join(30)
        info = call(port, b'INFO', b'stats')
        cut = b'?'
        for line in info.split(b'\r\n'):
            if line.startswith(b'client_output_buffer_limit_disconnections:'):
                cut = line.split(b':')[1]
        delivered = total[0] // one
        return dict(delivered=delivered, cpu=cpu, wall=wall, closed=closed[0], cut=cut.decode(),
                    per_cpu=delivered / cpu if cpu > 0 else 0.0,
                    expected=a.requests * subs)
    finally:
        p.terminate()
        p.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kv', default='build/kv')
    ap.add_argument('--port', type=int, default=20640)
    ap.add_argument('--requests', type=int, default=200000)
    ap.add_argument('--size', type=int, default=32)
    ap.add_argument('--subs', default='1,10,100')
    a = ap.parse_args()
    print('%-6s %-6s %12s %12s %8s %8s %10s %7s %5s' % (
        'subs', 'server', 'delivered', 'expected', 'cpu_s', 'wall_s', 'msg/cpu_s', 'closed',
        'cut'))
    for subs in [int(x) for x in a.subs.split(',')]:
        for kind in ('kv', 'redis'):
            r = run(kind, a, a.port + (0 if kind == 'kv' else 1), subs)
            print('%-6d %-6s %12d %12d %8.2f %8.2f %10.0f %7d %5s' % (
                subs, kind, r['delivered'], r['expected'], r['cpu'], r['wall'], r['per_cpu'],
                r['closed'], r['cut']), flush=True)


if __name__ == '__main__':
    main()

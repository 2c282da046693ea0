#!/usr/bin/env python3
"""keys_until_oom.py: how many keys fit in a memory budget before the first -OOM.

Role: a pipelined filler. It sends `SET <key> <value>` with fixed-size keys
(k000000000000042: 16 bytes by default) and values (100 bytes by default) in batches,
counts +OK replies in order, and stops at the first -OOM reply. Any other reply is an
error. Owns one socket; with --kv/--redis it also starts (pinned to CPU 0) and stops its
own server on a port in 7600-7699. Never evicts, never deletes: run it on an empty server
whose maxmemory-policy is noeviction.

  python3 ci/keys_until_oom.py --port 7620              # fill a running server
  python3 ci/keys_until_oom.py --both build/kv 64mb     # kv vs redis-server, and the ratio
  python3 ci/keys_until_oom.py --both build/kv 64mb --type hash --per-key 100 \
      --key-bytes 10 --value-bytes 20   # fields: HSET h<n> <field> <value>, 100 a hash
  python3 ci/keys_until_oom.py --both build/kv 64mb --type set --per-key 100 --key-bytes 10
  python3 ci/keys_until_oom.py --both build/kv 64mb --type zset --per-key 100 --key-bytes 10

With --type hash, set or zset it counts fields (members), one HSET (SADD, ZADD with the
member's number as its score) each, --per-key to a key; --key-bytes is then the field's length and --value-bytes the value's.
"""
import argparse
import os
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in ci/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_util as bu  # noqa: E402

OOM = b"-OOM"
SIZE_UNITS = {"k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}


def parse_size(text):
    """Redis-style size: 64mb = 64 MiB, 64m = 64e6, plain bytes."""
    t = text.strip().lower()
    for unit in sorted(SIZE_UNITS, key=len, reverse=True):
        if t.endswith(unit):
            return int(t[:-len(unit)]) * SIZE_UNITS[unit]
    return int(t)


def key_cap(budget_bytes, key_bytes, value_bytes):
    """More keys than this cannot fit in the budget: the server is not enforcing it, so
    stop filling (a server without a limit would otherwise take the machine's memory)."""
    return budget_bytes // (key_bytes + value_bytes) + 1


def _set(key, value):
    return b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value)


def _read_lines(sock, buf, n):
    """Reads until `buf` holds n complete reply lines; returns (lines, rest)."""
    while buf.count(b"\r\n") < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed after %d bytes" % len(buf))
        buf += chunk
    parts = buf.split(b"\r\n")
    return parts[:n], b"\r\n".join(parts[n:])


def _bulks(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def _request(kind, fmt, value, per_key, i):
    """The i-th write: SET k<i> v, or HSET/SADD h<i // per_key> <field i> [v]."""
    if kind == "string":
        return _set(fmt % i, value)
    key = b"h%d" % (i // per_key)
    if kind == "hash":
        return _bulks(b"HSET", key, fmt % i, value)
    if kind == "zset":  # the score: the member's number (an integer, as rq's timestamps)
        return _bulks(b"ZADD", key, b"%d" % i, fmt % i)
    return _bulks(b"SADD", key, fmt % i)


def _ok(kind, line):
    return line == b"+OK" if kind == "string" else line == b":1"


def fill(port, max_keys, key_bytes=16, value_bytes=100, batch=256, kind="string", per_key=1):
    """Writes distinct keys (fields, members) until the first -OOM; returns (stored, the
    OOM reply). Raises if `max_keys` are stored without an -OOM."""
    assert key_bytes >= 8 and value_bytes >= 1 and batch >= 1 and max_keys >= 1
    value = b"v" * value_bytes
    fmt = b"k%0" + str(key_bytes - 1).encode() + b"d"
    stored, rest = 0, b""
    with socket.create_connection((bu.HOST, port), timeout=120) as s:
        while stored < max_keys:
            first = stored
            s.sendall(b"".join(_request(kind, fmt, value, per_key, i)
                               for i in range(first, first + batch)))
            lines, rest = _read_lines(s, rest, batch)
            for line in lines:
                if _ok(kind, line):
                    stored += 1
                    continue
                if line.startswith(OOM):
                    return stored, line.decode(errors="replace")
                raise RuntimeError("unexpected reply after %d keys: %r" % (stored, line))
    raise RuntimeError("no -OOM after %d keys" % stored)


def dbsize(port):
    reply = bu.command(port, "DBSIZE")
    return int(reply[1:].strip())


def run_both(kv_bin, maxmemory, logdir, key_bytes=16, value_bytes=100, wtype="string",
             per_key=1, port_base=7620):
    """Fresh kv and redis, each with `maxmemory`, filled in turn; returns a result dict."""
    res = {"maxmemory": maxmemory, "key_bytes": key_bytes, "value_bytes": value_bytes}
    cap = key_cap(parse_size(maxmemory), 1, 1 if wtype in ("set", "zset") else value_bytes)
    for kind in ("kv", "redis"):
        port = bu.pick_port(port_base, port_base + 79)
        if kind == "kv":
            argv = bu.kv_argv(kv_bin, port, maxmemory, 64)
        else:
            argv = bu.redis_argv(port, maxmemory, 64)
        srv = bu.Server(kind, argv, port, os.path.join(logdir, "oom-%s.log" % kind)).start()
        try:
            keys, err = fill(port, cap, key_bytes, value_bytes, kind=wtype, per_key=per_key)
            res[kind] = {"keys": keys, "error": err, "dbsize": dbsize(port)}
        finally:
            srv.stop()
    res["ratio"] = res["kv"]["keys"] / res["redis"]["keys"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, help="fill the server already on this port")
    ap.add_argument("--both", nargs=2, metavar=("KV_BIN", "MAXMEMORY"),
                    help="start kv and redis-server with MAXMEMORY and compare")
    ap.add_argument("--key-bytes", type=int, default=16)
    ap.add_argument("--value-bytes", type=int, default=100)
    ap.add_argument("--logdir", default="build")
    ap.add_argument("--type", choices=("string", "hash", "set", "zset"), default="string")
    ap.add_argument("--per-key", type=int, default=100, help="fields (members) per key")
    ap.add_argument("--port-base", type=int, default=7620, help="--both: first port tried")
    ap.add_argument("--budget", default="64mb",
                    help="with --port: the server's maxmemory (caps the fill)")
    a = ap.parse_args()
    if a.both:
        r = run_both(a.both[0], a.both[1], a.logdir, a.key_bytes, a.value_bytes, a.type,
                     a.per_key, a.port_base)
        print("maxmemory %s, %s, %d-byte keys (fields), %d-byte values" %
              (r["maxmemory"], a.type, a.key_bytes, a.value_bytes))
        for kind in ("kv", "redis"):
            print("%-6s %10d keys (DBSIZE %d), first error: %s"
                  % (kind, r[kind]["keys"], r[kind]["dbsize"], r[kind]["error"]))
        print("kv/redis %.3f" % r["ratio"])
        return 0
    if a.port is None:
        ap.error("give --port or --both")
    cap = key_cap(parse_size(a.budget), a.key_bytes, a.value_bytes)
    keys, err = fill(a.port, cap, a.key_bytes, a.value_bytes, kind=a.type, per_key=a.per_key)
    print("%d keys, then: %s" % (keys, err))
    return 0


if __name__ == "__main__":
    sys.exit(main())

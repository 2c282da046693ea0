#!/usr/bin/env python3
"""clients_kombu.py: Debian's python3-kombu (Celery's messaging library) against a
server: a SimpleQueue round-trips messages through its Redis transport, whose get()
waits in BRPOP, without acknowledgements and with them (kombu keeps unacked messages in
a sorted set: ZADD, ZREM, ZREVRANGEBYSCORE WITHSCORES LIMIT). Prints one
"PASS|FAIL|XFAIL|XPASS <label>: <check>" line per check, as
tests/clients.py does ($CLIENTS_XFAIL names checks owned by another area).
Usage: clients_kombu.py <port> <label>"""
import os
import sys

from kombu import Connection

port, label = int(sys.argv[1]), sys.argv[2]
XFAIL = dict(x.split(":", 1) for x in os.environ.get("CLIENTS_XFAIL", "").split(",") if x)


def check(name, fn, want):
    try:
        got = fn()
    except Exception as e:  # noqa: BLE001 (a client error is a result here)
        got = {"error": "%s: %s" % (type(e).__name__, e)}
    ok = got == want
    if name in XFAIL:
        print("%s %s: %s: %s%s" % ("XPASS" if ok else "XFAIL", label, name, XFAIL[name],
                                   "" if ok else " (got %.200r)" % (got,)))
    elif ok:
        print("PASS %s: %s" % (label, name))
    else:
        print("FAIL %s: %s: got %.300r, want %r" % (label, name, got, want))


def round_trip(acks):
    """40 messages put, then taken with blocking gets (BRPOP); with acks each is
    acknowledged (kombu then keeps unacked messages in a sorted set: ZADD)."""
    with Connection("redis://127.0.0.1:%d/0" % port) as conn:
        q = conn.SimpleQueue("kv-kombu-jobs", no_ack=not acks)
        try:
            for i in range(40):
                q.put({"n": i, "body": "x" * i})
            got = []
            for _ in range(40):
                m = q.get(block=True, timeout=10)
                got.append((m.payload["n"], len(m.payload["body"])))
                if acks:
                    m.ack()
            return got
        finally:
            q.clear()
            q.close()


check("kombu-simplequeue", lambda: round_trip(False), [(i, i) for i in range(40)])
check("kombu-simplequeue-acks", lambda: round_trip(True), [(i, i) for i in range(40)])

"""clients.py: Debian's python3-redis against one server (run by tests/clients.sh).

    /usr/bin/python3 tests/clients.py <port> <label> [password=<pw>]
    /usr/bin/python3 tests/clients.py metrics <port> <exporter port> <exporter log> <label>

The second form checks a running prometheus-redis-exporter's scrape of the server on
<port> (key metrics present with plausible values, no error lines in its log) and prints
"METRICS <label> <number of metric names>".

Prints "PASS <label>: <check>" or "FAIL <label>: <check>: <why>" per check, and
"XFAIL <label>: <check>: <reason>" for checks named in $CLIENTS_XFAIL (check:reason,...).
Runs under /usr/bin/python3 on purpose: Debian's package, not whatever python3 is first
on PATH.
"""
import inspect
import os
import re
import sys
import time
import urllib.request

import redis

port, label = (int(sys.argv[1]), sys.argv[2]) if sys.argv[1] != "metrics" else (0, sys.argv[5])
password = None
for a in sys.argv[3:]:
    if a.startswith("password="):
        password = a[len("password="):]
XFAIL = dict(x.split(":", 1) for x in os.environ.get("CLIENTS_XFAIL", "").split(",") if x)


def check(name, fn, want):
    """want: a value, or a predicate (callable) over the result."""
    try:
        got = fn()
    except Exception as e:  # noqa: BLE001 (a client error is a result here)
        got = {"error": "%s: %s" % (type(e).__name__, e)}
    ok = want(got) if callable(want) else got == want
    if name in XFAIL:
        print("%s %s: %s: %s%s" % ("XPASS" if ok else "XFAIL", label, name, XFAIL[name],
                                   "" if ok else " (got %.200r)" % (got,)))
    elif ok:
        print("PASS %s: %s" % (label, name))
    else:
        print("FAIL %s: %s: got %.300r%s" % (label, name, got,
                                             "" if callable(want) else ", want %r" % (want,)))
    return got


def main():
    has_protocol = "protocol" in inspect.signature(redis.Redis.__init__).parameters
    print("INFO %s: python3-redis %s (%s), protocol=3 %s" % (
        label, redis.__version__, redis.__file__,
        "supported" if has_protocol else "not supported (redis-py 5.0 added it): RESP2 only"))
    protos = [2, 3] if has_protocol else [None]
    for proto in protos:
        kw = {"protocol": proto} if proto else {}
        tag = "resp%d:" % proto if proto else ""
        r = redis.Redis(host="127.0.0.1", port=port, password=password,
                        decode_responses=True, socket_timeout=10, **kw)
        script(r, tag)


def script(r, tag):
    k = "clients:%s:%s" % (label, tag)
    check(tag + "ping", r.ping, True)
    check(tag + "set", lambda: r.set(k, "v1"), True)
    check(tag + "get", lambda: r.get(k), "v1")
    check(tag + "incr", lambda: (r.set(k + "n", "41"), r.incr(k + "n"))[1], 42)
    check(tag + "del", lambda: r.delete(k, k + "n", k + "nosuch"), 2)
    check(tag + "get-missing-is-none", lambda: r.get(k + "nosuch"), None)
    check(tag + "multi-exec",
          lambda: r.pipeline(transaction=True).set(k + "m", "1").incr(k + "m").get(k + "m").execute(),
          [True, 2, "2"])
    check(tag + "lpush-lrange", lambda: [r.lpush(k + "l", "a", "b", "c"), r.lrange(k + "l", 0, -1)],
          [3, ["c", "b", "a"]])
    check(tag + "pipeline",
          lambda: r.pipeline(transaction=False).set(k + "p", "x").append(k + "p", "yz")
          .get(k + "p").exists(k + "p").execute(),
          [True, 3, "xyz", 1])
    check(tag + "expire-ttl",
          lambda: [r.set(k + "t", "v"), r.expire(k + "t", 100), r.ttl(k + "t"), r.ttl(k + "nosuch")],
          [True, True, 100, -2])
    # client_list() parses CLIENT LIST into dicts: this connection is in it, with its fields.
    check(tag + "client_list", lambda: sorted(
        {"id", "addr", "name", "age", "idle", "flags", "db", "cmd"} - set(r.client_list()[0])), [])
    info = check(tag + "info", r.info, lambda i: isinstance(i, dict) and "redis_version" in i
                 and "used_memory" in i and "connected_clients" in i)
    if isinstance(info, dict):
        check(tag + "info-keyspace", lambda: r.info("keyspace").get("db0", {}).get("keys", 0) >= 3, True)
    check(tag + "config_get-maxmemory",
          lambda: sorted(r.config_get("maxmemory")) == ["maxmemory"]
          and r.config_get("maxmemory")["maxmemory"].isdigit(), True)
    check(tag + "close", lambda: (r.close(), None)[1], None)


def scrape(url):
    """The exporter's page, retried while it starts (it binds within a second)."""
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=10) as f:
                return f.read().decode()
        except OSError:
            time.sleep(0.1)
    raise OSError("no answer from " + url)


def metrics(port, exporter_port, log):
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    dbsize = r.dbsize()
    page = check("exporter-scrape", lambda: scrape("http://127.0.0.1:%d/metrics" % exporter_port),
                 lambda p: isinstance(p, str) and "redis_up" in p)
    if not isinstance(page, str):
        return
    values = {}
    for line in page.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if m:
            values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    names = sorted({k.split("{")[0] for k in values})
    check("metric redis_up", lambda: values.get("redis_up"), 1.0)
    check("metric redis_connected_clients",
          lambda: values.get("redis_connected_clients", 0) >= 1, True)
    check("metric redis_memory_used_bytes", lambda: values.get("redis_memory_used_bytes", 0) > 0, True)
    check("metric redis_commands_processed_total",
          lambda: values.get("redis_commands_processed_total", 0) >= 10, True)
    check("metric redis_keyspace_hits_total",
          lambda: values.get("redis_keyspace_hits_total", 0) >= 1, True)
    check("metric redis_db_keys", lambda: values.get('redis_db_keys{db="db0"}'), float(dbsize))
    errors = [l.strip() for l in open(log) if "level=error" in l or "level=fatal" in l]
    # LATENCY (h-misc's area) apart, so that kv can mark just that one as expected.
    check("exporter-log-no-errors", lambda: [e for e in errors if "cmd LATENCY " not in e], [])
    check("exporter-log-no-latency-errors", lambda: [e for e in errors if "cmd LATENCY " in e], [])
    print("METRICS %s %d" % (label, len(names)))
    with open(log + ".names", "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "metrics":
        metrics(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()

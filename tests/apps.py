#!/usr/bin/python3
"""apps.py: applications end to end against one server (issue 21): Debian's python3-rq.

  /usr/bin/python3 tests/apps.py rq PORT LABEL

enqueue: a job (operator.add 2 3) on queue "kvtest": its hash rq:job:<id> holds the
fields rq writes (status queued, origin, data, created_at, enqueued_at, description),
the queue's list holds its id, the set rq:queues the queue's key. worker: `rq worker
--burst` runs it; the job's status is then finished and its result 5, read back.

A check kv cannot pass yet prints XFAIL with its reason, and only while a probe shows
the missing piece: HSET unknown (hashes, issue 21) for both checks, SUBSCRIBE unknown
(pub/sub, issue 22: the worker subscribes to its command channel), ZCARD unknown (sorted
sets: the worker cleans its registries with ZREMRANGEBYSCORE) and XLEN unknown (streams:
rq 1.13 stores a result with XADD and reads it with XREVRANGE) for the worker. It turns
into a pass on its own once the piece lands. Prints PASS/FAIL/XFAIL lines.
"""
import operator  # noqa: F401 (the job's function: the worker imports it by name)
import os
import subprocess
import sys

from redis import Redis
from redis.exceptions import ResponseError
from rq import Queue
from rq.job import Job


def unknown(r, *cmd):
    """Does the server answer this command with "unknown command"?"""
    try:
        r.execute_command(*cmd)
    except ResponseError as e:
        return str(e).startswith('unknown command')
    return False


def report(label, name, ok, detail, missing):
    if ok:
        print('PASS %s %s' % (label, name))
    elif missing:
        print('XFAIL %s %s: %s' % (label, name, missing))
    else:
        print('FAIL %s %s: %s' % (label, name, detail))


def enqueue(r, label, missing):
    q = Queue('kvtest', connection=r)
    try:
        job = q.enqueue('operator.add', 2, 3, description='kv add')
    except Exception as e:  # noqa: BLE001 (any failure is the check's result)
        report(label, 'rq enqueue', False, repr(e), missing)
        return None
    fields = r.hgetall('rq:job:%s' % job.id)
    want = {b'status': b'queued', b'origin': b'kvtest', b'description': b'kv add'}
    got = {k: fields.get(k) for k in want}
    ok = (got == want and all(k in fields for k in (b'data', b'created_at', b'enqueued_at'))
          and r.type('rq:job:%s' % job.id) == b'hash'
          and job.id.encode() in r.lrange('rq:queue:kvtest', 0, -1)
          and r.sismember('rq:queues', 'rq:queue:kvtest'))
    report(label, 'rq enqueue: the job hash rq:job:<id>', ok,
           'fields %r' % sorted(fields), missing)
    return job.id if ok else None


def worker(r, port, label, job_id, missing):
    if job_id is None:
        report(label, 'rq worker --burst', False, 'no job enqueued', missing)
        return
    env = dict(os.environ, PYTHONPATH='')
    try:
        out = subprocess.run(['/usr/bin/rq', 'worker', '--burst', '--url',
                              'redis://127.0.0.1:%d' % port, 'kvtest'], env=env,
                             capture_output=True, text=True, timeout=60)
        log = (out.stdout + out.stderr)[-600:]
    except subprocess.TimeoutExpired:
        log = 'rq worker --burst did not finish in 60 s'
    job = Job.fetch(job_id, connection=r)
    try:
        status, result = job.get_status(), job.result
    except ResponseError as e:  # a command the server lacks: the check's result
        status, result = 'unreadable', repr(e)
    ok = status == 'finished' and result == 5
    report(label, 'rq worker --burst runs the job, result read back', ok,
           'status %s result %r; %s' % (status, result, log), missing)


def main():
    if len(sys.argv) != 4 or sys.argv[1] != 'rq':
        print('usage: apps.py rq PORT LABEL')
        return 2
    port, label = int(sys.argv[2]), sys.argv[3]
    r = Redis(host='127.0.0.1', port=port)
    r.flushall()
    no_hash = 'HSET is missing (hashes: issue 21)' if unknown(r, 'HSET', 'probe', 'f', 'v') \
        else ''
    no_sub = 'SUBSCRIBE is missing (pub/sub: issue 22)' if unknown(r, 'PUBSUB', 'CHANNELS') \
        or unknown(r, 'SUBSCRIBE', 'probe') else ''
    r = Redis(host='127.0.0.1', port=port)  # a SUBSCRIBE that worked left that one subscribed
    # rq 1.13's worker also cleans its registries (sorted sets: ZREMRANGEBYSCORE) and,
    # on a server reporting version >= 5, keeps results in a stream (XADD, XREVRANGE)
    no_zset = 'ZADD is missing (sorted sets: rq keeps its job registries in them)' \
        if unknown(r, 'ZCARD', 'probe') else ''
    no_stream = 'XADD is missing (streams: rq >= 1.12 keeps job results in one)' \
        if unknown(r, 'XLEN', 'probe') else ''
    r.delete('probe')
    job_id = enqueue(r, label, no_hash)
    worker(r, port, label, job_id, no_hash or no_sub or no_zset or no_stream)
    return 0


if __name__ == '__main__':
    sys.exit(main())

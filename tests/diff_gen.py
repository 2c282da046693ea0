"""diff_gen.py: seeded command-stream generator for the differential test.

Gen(seed).ops(n) yields Op objects; the same seed always gives the same stream shape
(argument values that are absolute times follow the wall clock, all else is drawn
from random.Random(seed)). Each seed also draws its own command weights (swarm
testing), so some streams hammer lists, others expiry or transactions.

Rules the generator keeps so that a correct kv matches Redis byte for byte:
- No key ever gets a small positive TTL: relative times are 0, negative, invalid,
  huge, or >= 10000 s on a 20 s grid of never-reused deadlines, so EXPIRE GT/LT and
  TTL answers never depend on how many milliseconds passed between two commands.
  Absolute times are in the past (expire at once) or on the same future grid.
- Replies stay far below kv's client-query-buffer-limit (2 MB): long values are
  rare and <= 20 KB, and only the directed cases build a 1 MB string (then delete it).
- RANDOMKEY runs only on a database of 0 or 1 keys (the driver checks DBSIZE first).
- WATCH never holds more than 24 key arguments (kv: at most 32 per client) and a
  MULTI queues about 16 commands at most (kv: multi-max-commands, 1024).
- A key SET with a past EXAT/PXAT is touched (EXISTS) right away: until then both
  servers keep it, so DBSIZE and SCAN TYPE none would depend on active expiry.
- No command outside kv's command set except deliberately unknown names.
- Hashes and sets draw fields and members from a small alphabet (MEMBERS) so that
  HDEL/SREM/SINTER find matches and replies stay small; their multi-element replies
  are compared as multisets (UNORDERED_CMDS).
"""
import random
import time

from diff_resp import to_bytes

STR_KEYS = [b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h']
LIST_KEYS = [b'l1', b'l2', b'l3', b'l4']
HASH_KEYS = [b'h1', b'h2', b'h3']
SET_KEYS = [b's1', b's2', b's3', b's4']
ALL_KEYS = STR_KEYS + LIST_KEYS + HASH_KEYS + SET_KEYS
# Replies whose order Redis leaves unspecified (a hashtable's): compared as multisets
# (differential.py UNORDERED), the op named so; positional ones (HMGET, SMISMEMBER)
# stay exact. SPOP, SRANDMEMBER, HRANDFIELD and HSCAN/SSCAN (random picks, cursors)
# are left to the directed cases and the simulator.
UNORDERED_CMDS = {b'smembers': b'~sorted', b'sinter': b'~sorted', b'sunion': b'~sorted',
                  b'sdiff': b'~sorted', b'hkeys': b'~sorted', b'hvals': b'~sorted',
                  b'hgetall': b'~pairs'}
MEMBERS = [b'a', b'b', b'c', b'x', b'', b'1', b'2', b'3', b'-1', b'10', b'007', b'-0',
           b'9223372036854775807', b'a\r\nb', b'\x00', b' 1', b'1.5']
ODD_KEYS = [b'', b'k\r\n\x00', b'l1 ', b'A', b'K' * 3000]

SMALL_VALS = [b'x', b'y', b'z', b'', b'1', b'2', b'-1', b'10', b'foo', b'bar',
              b'a\r\nb', b'\x00', b'\x00\r\n\xff', b' ', b'hello world', b'\r\n',
              b'*1\r\n$4\r\nPING\r\n']
NUM_VALS = [b'0', b'1', b'-1', b'42', b'9223372036854775807', b'-9223372036854775808',
            b'9223372036854775806', b'-9223372036854775807', b'9223372036854775808',
            b'-9223372036854775809', b'18446744073709551615', b'1.5', b'0x10', b' 1',
            b'1 ', b'+1', b'01', b'-0', b'1e3', b'', b'abc', b'3.14', b'1e308', b'-1e308',
            b'inf', b'-inf', b'nan', b'0.1', b'1.0000000000000001', b'100000000000000000000',
            b'17.5e1', b'-.5', b'.5', b'5.', b'1e-5', b'4294967296', b'-4294967297',
            b'2147483648', b'1\x00', b'12345678901234567890123']
FLOAT_INCRS = [b'0.1', b'-0.1', b'1.5', b'3', b'-3', b'0', b'1e10', b'-1e10', b'1e308',
               b'-1e308', b'5.0e-20', b'inf', b'-inf', b'nan', b'abc', b'', b'1e', b'0x1p3',
               b' 1', b'1.7976931348623157e308', b'2.5e-5', b'100', b'0.3333333333333333',
               b'-0', b'+5', b'1e400', b'9223372036854775807']
INT_EDGES = [0, 1, -1, 2, -2, 3, 5, 10, -10, 100, -100, 9223372036854775807,
             -9223372036854775808, 9223372036854775806, -9223372036854775807,
             4294967296, 2147483647, -2147483648]
BAD_INTS = [b'9223372036854775808', b'-9223372036854775809', b'abc', b'1.5', b'', b' 1',
            b'1 ', b'0x1', b'+1', b'01', b'-0', b'1e2']
UNKNOWN_NAMES = [b'foo', b'nosuchcmd', b'GETT', b'x', b'SETNXX', b'', b'lpushh',
                 b'get\r\n', b'a' * 200, b'ge\x00t']
GLOBS = [b'*', b'?', b'a*', b'l?', b'[a-c]', b'[^a]', b'*1', b'[', b'\\*', b'h',
         b'l[12]', b'*[', b'[a-', b'?*?', b'', b'k*', b'[!a]', b'\\', b'*\\', b'n1*',
         b'n?', b'n[0-4]?', b'*9']
MUTATE_TOKENS = [b'', b'foo', b'-1', b'0', b'9223372036854775808', b'NX', b'GET', b'x\r\n',
                 b'1.5', b'LEFT', b'COUNT', b'REPLACE']


class Op:
    """One step. kind: 'cmd' (args on conn 0 main / 1 aux), 'inline' (raw bytes,
    `nreplies` replies), 'scan' (full SCAN iteration: args are the options),
    'randomkey', 'dump' (whole-keyspace comparison), 'reconnect' (new main conn).
    `name` selects the comparator; `queued` (EXEC only) lists the names of the
    commands the transaction queued, for per-element comparison."""
    __slots__ = ('kind', 'args', 'conn', 'raw', 'nreplies', 'name', 'queued')

    def __init__(self, kind, args=None, conn=0, raw=None, nreplies=1, name=None):
        self.kind = kind
        self.args = args
        self.conn = conn
        self.raw = raw
        self.nreplies = nreplies
        self.name = name if name is not None else (
            args[0].lower() if args else b'')
        self.queued = None

    def describe(self):
        from diff_resp import show, show_args
        where = '' if self.conn == 0 else '[aux conn] '
        if self.kind == 'cmd':
            q = '' if self.queued is None else '   (queued: %s)' % b' '.join(
                x or b'<inline>' for x in self.queued).decode('latin1')
            return where + show_args(self.args) + q
        if self.kind == 'inline':
            return where + 'inline ' + show(self.raw)
        if self.kind == 'scan':
            return 'full SCAN iteration: SCAN 0 ' + show_args(self.args)
        return self.kind


class Gen:
    def __init__(self, seed, clock=time.time, exclude=()):
        self.seed = seed
        self.exclude = set(exclude)  # command names never generated (triage aid)
        self.rng = random.Random(seed)
        self.clock = clock
        self.ttl_k = 0
        self.in_multi = False
        self.queued = []
        self.watch_args = 0
        self.last_ttl_past = False
        self.expired_keys = []  # keys SET with a past EXAT/PXAT: access them at once
        self.weights = self._draw_weights()

    # ---- small helpers -------------------------------------------------------------

    def reset_session(self):
        """The driver reconnected: no MULTI, no WATCH."""
        self.in_multi = False
        self.queued = []
        self.watch_args = 0

    def name(self, s):
        """A command or option name in random case."""
        r = self.rng.random()
        if r < 0.6:
            return s
        if r < 0.8:
            return s.lower()
        return bytes(c ^ 0x20 if self.rng.random() < 0.5 and chr(c).isalpha() else c
                     for c in s)

    def chance(self, p):
        return self.rng.random() < p

    def kstr(self):
        r = self.rng.random()
        if r < 0.96:
            return self.rng.choice(STR_KEYS)
        if r < 0.98:
            return self.rng.choice(LIST_KEYS)
        return self.rng.choice(ODD_KEYS)

    def klist(self):
        r = self.rng.random()
        if r < 0.9:
            return self.rng.choice(LIST_KEYS)
        if r < 0.97:
            return self.rng.choice(STR_KEYS)
        return self.rng.choice(ODD_KEYS)

    def kany(self):
        if self.chance(0.03):
            return self.rng.choice(ODD_KEYS)
        return self.rng.choice(ALL_KEYS)

    def keys(self, lo, hi, pick=None):
        pick = pick or self.kany
        return [pick() for _ in range(self.rng.randint(lo, hi))]

    def rand_bytes(self, n):
        alphabet = b'ab\r\n\x00 \xff"\'\\x1'
        return bytes(self.rng.choice(alphabet) for _ in range(n))

    def val(self, long_ok=True):
        r = self.rng.random()
        if r < 0.50:
            return self.rng.choice(SMALL_VALS)
        if r < 0.78:
            return self.rng.choice(NUM_VALS)
        if r < 0.95:
            return self.rand_bytes(self.rng.randint(0, 40))
        if r < 0.99 or not long_ok:
            n = self.rng.randint(100, 3000)
        else:
            n = self.rng.randint(16000, 20000)
        return (b'v%d-' % n) * (n // 8) + self.rand_bytes(n % 8)

    def lval(self):
        """List elements: mostly a tiny alphabet so LREM/LPOS/LINSERT find matches."""
        r = self.rng.random()
        if r < 0.75:
            return self.rng.choice([b'x', b'y', b'z', b'1', b'2', b'', b'a\r\nb', b'\x00'])
        if r < 0.97:
            return self.rand_bytes(self.rng.randint(0, 12))
        return self.val(long_ok=False)

    def int_arg(self, lo=-20, hi=20, bad=0.05, edge=0.1):
        r = self.rng.random()
        if r < bad:
            return self.rng.choice(BAD_INTS)
        if r < bad + edge:
            return self.rng.choice(INT_EDGES)
        if r < bad + edge + 0.08:
            return self.rng.randint(lo * 25, hi * 25)  # deep into long lists
        return self.rng.randint(lo, hi)

    # ---- times ---------------------------------------------------------------------

    def ttl(self, unit, bad=0.15):
        """A time argument. unit: 's' 'ms' (relative) 'abs_s' 'abs_ms' (absolute)."""
        if self.chance(bad):
            common = [0, -1, -1000, 9223372036854775807, -9223372036854775808,
                      b'9223372036854775808', 9223372036854776, 9223372036854775,
                      b'abc', b'', b'1.5', b'10 ', 4611686018427388]
            if unit.startswith('abs'):
                now = int(self.clock())
                past = [1, 1000, now - 100, (now - 100) * 1000 if unit == 'abs_ms' else now - 5]
                v = self.rng.choice(common + past)
                self.last_ttl_past = v in past
                return v
            return self.rng.choice(common)
        k = self.ttl_k
        self.ttl_k += 1
        rel_s = 10000 + 20 * k
        if unit == 's':
            return rel_s
        if unit == 'ms':
            return rel_s * 1000 + self.rng.randint(0, 999)
        if unit == 'abs_s':
            return int(self.clock()) + rel_s
        return int(self.clock() * 1000) + rel_s * 1000

    def expire_opt(self, keepttl=False, persist=False):
        choices = [b'EX', b'PX', b'EXAT', b'PXAT']
        if keepttl:
            choices.append(b'KEEPTTL')
        if persist:
            choices.append(b'PERSIST')
        o = self.rng.choice(choices)
        if o in (b'KEEPTTL', b'PERSIST'):
            return [self.name(o)]
        unit = {b'EX': 's', b'PX': 'ms', b'EXAT': 'abs_s', b'PXAT': 'abs_ms'}[o]
        if self.chance(0.02):
            return [self.name(o)]  # missing value
        return [self.name(o), self.ttl(unit)]

    # ---- strings ---------------------------------------------------------------------

    def g_get(self):
        return [b'GET', self.kstr()]

    def g_set(self):
        self.last_ttl_past = False
        opts = []
        if self.chance(0.3):
            opts.append([self.name(self.rng.choice([b'NX', b'XX']))])
        if self.chance(0.25):
            opts.append([self.name(b'GET')])
        if self.chance(0.4):
            opts.append(self.expire_opt(keepttl=True))
        if self.chance(0.05):
            opts.append(self.expire_opt(keepttl=True) if self.chance(0.5)
                        else [self.rng.choice([b'NX', b'XX', b'GET', b'FOO', b'PERSIST'])])
        self.rng.shuffle(opts)
        key = self.kstr()
        if self.last_ttl_past:
            # Redis keeps such a key (logically expired) until it is touched or its
            # active expiry finds it: DBSIZE and SCAN TYPE none would depend on timing.
            self.expired_keys.append(key)
        return [b'SET', key, self.val()] + [x for o in opts for x in o]

    def g_setnx(self):
        return [b'SETNX', self.kstr(), self.val()]

    def g_setex(self):
        return [b'SETEX', self.kstr(), self.ttl('s', bad=0.25), self.val()]

    def g_psetex(self):
        return [b'PSETEX', self.kstr(), self.ttl('ms', bad=0.25), self.val()]

    def g_getset(self):
        return [b'GETSET', self.kstr(), self.val()]

    def g_getdel(self):
        return [b'GETDEL', self.kstr()]

    def g_getex(self):
        a = [b'GETEX', self.kstr()]
        if self.chance(0.7):
            a += self.expire_opt(persist=True)
        if self.chance(0.05):
            a += self.expire_opt(persist=True)
        return a

    def g_mget(self):
        if self.chance(0.03):  # many keys, mostly missing (replies stay small)
            return [b'MGET'] + self.keys(50, 200, lambda: self.kany() if self.chance(0.1)
                                          else b'm%d' % self.rng.randint(0, 99))
        return [b'MGET'] + self.keys(1, 6, self.kstr)

    def g_mset(self):
        a = [b'MSET']
        if self.chance(0.02):  # many keys at once: KEYS/SCAN/DBSIZE over hundreds
            for _ in range(self.rng.randint(20, 150)):
                a += [b'n%d' % self.rng.randint(0, 499), self.rng.choice(SMALL_VALS)]
            return a
        for _ in range(self.rng.randint(1, 4) if self.chance(0.97) else
                       self.rng.randint(20, 100)):
            a += [self.kstr(), self.val()]
        return a

    def g_msetnx(self):
        return [b'MSETNX'] + self.g_mset()[1:]

    def g_append(self):
        return [b'APPEND', self.kstr(), self.val()]

    def g_strlen(self):
        return [b'STRLEN', self.kstr()]

    def g_incr(self):
        return [self.rng.choice([b'INCR', b'DECR']), self.kstr()]

    def g_incrby(self):
        r = self.rng.random()
        if r < 0.6:
            d = self.rng.randint(-1000, 1000)
        elif r < 0.85:
            d = self.rng.choice(INT_EDGES)
        else:
            d = self.rng.choice(BAD_INTS)
        return [self.rng.choice([b'INCRBY', b'DECRBY']), self.kstr(), d]

    def g_incrbyfloat(self):
        return [b'INCRBYFLOAT', self.kstr(), self.rng.choice(FLOAT_INCRS)]

    def g_getrange(self):
        return [b'GETRANGE', self.kstr(), self.int_arg(-30, 30), self.int_arg(-30, 30)]

    def g_setrange(self):
        r = self.rng.random()
        if r < 0.8:
            off = self.rng.randint(0, 40)
        elif r < 0.97:
            off = self.rng.choice([-1, -9223372036854775808, 1048576, 536870912,
                                   9223372036854775807, b'abc', b'', 1048577, 4294967296])
        else:
            off = self.rng.randint(1000, 20000)
        v = self.val(long_ok=False) if self.chance(0.8) else b''
        return [b'SETRANGE', self.kstr(), off, v]

    # ---- keys ------------------------------------------------------------------------

    def g_del(self):
        if self.chance(0.03):
            return [self.rng.choice([b'DEL', b'UNLINK'])] + [
                b'n%d' % self.rng.randint(0, 499) for _ in range(self.rng.randint(20, 200))]
        return [self.rng.choice([b'DEL', b'UNLINK'])] + self.keys(1, 4)

    def g_exists(self):
        if self.chance(0.05):
            return [b'EXISTS'] + self.keys(30, 150)
        return [b'EXISTS'] + self.keys(1, 5)

    def g_type(self):
        return [b'TYPE', self.kany()]

    def key_pair(self):
        """Source and destination: mostly of one kind, so lists stay lists."""
        if self.chance(0.2):
            return self.kany(), self.kany()
        pick = self.rng.choice([self.klist, self.kstr, self.khash, self.kset])
        return pick(), pick()

    def g_rename(self):
        return [self.rng.choice([b'RENAME', b'RENAMENX'])] + list(self.key_pair())

    def g_copy(self):
        a = [b'COPY'] + list(self.key_pair())
        opts = []
        if self.chance(0.4):
            opts.append([self.name(b'REPLACE')])
        if self.chance(0.15):
            opts.append([self.name(b'DB'), self.rng.choice([0, 0, 1, -1, b'abc', 16])])
        if self.chance(0.04):
            opts.append([self.rng.choice([b'FOO', b'DB', b'REPLACE'])])
        self.rng.shuffle(opts)
        return a + [x for o in opts for x in o]

    def g_keys(self):
        return [b'KEYS', self.rng.choice(GLOBS)]

    def g_expire(self):
        cmd = self.rng.choice([b'EXPIRE', b'PEXPIRE', b'EXPIREAT', b'PEXPIREAT'])
        unit = {b'EXPIRE': 's', b'PEXPIRE': 'ms', b'EXPIREAT': 'abs_s',
                b'PEXPIREAT': 'abs_ms'}[cmd]
        a = [cmd, self.kany(), self.ttl(unit)]
        if self.chance(0.4):
            a.append(self.name(self.rng.choice([b'NX', b'XX', b'GT', b'LT'])))
        if self.chance(0.06):
            a.append(self.rng.choice([b'NX', b'XX', b'GT', b'LT', b'FOO', b'nx']))
        return a

    def g_ttl(self):
        return [self.rng.choice([b'TTL', b'PTTL', b'EXPIRETIME', b'PEXPIRETIME']), self.kany()]

    def g_persist(self):
        return [b'PERSIST', self.kany()]

    def g_dbsize(self):
        return [b'DBSIZE']

    def g_flush(self):
        a = [self.rng.choice([b'FLUSHDB', b'FLUSHALL'])]
        if self.chance(0.3):
            a.append(self.name(self.rng.choice([b'ASYNC', b'SYNC', b'FOO'])))
        return a

    # ---- lists -----------------------------------------------------------------------

    def g_push(self):
        cmd = self.rng.choice([b'LPUSH', b'RPUSH', b'LPUSH', b'RPUSH', b'LPUSHX', b'RPUSHX'])
        n = self.rng.randint(1, 5) if self.chance(0.97) else self.rng.randint(50, 400)
        return [cmd, self.klist()] + [self.lval() for _ in range(n)]

    def g_pop(self):
        a = [self.rng.choice([b'LPOP', b'RPOP']), self.klist()]
        if self.chance(0.4):
            a.append(self.int_arg(0, 6, bad=0.1, edge=0.1))
        return a

    def g_llen(self):
        return [b'LLEN', self.klist()]

    def g_lrange(self):
        return [b'LRANGE', self.klist(), self.int_arg(-12, 12), self.int_arg(-12, 12)]

    def g_lindex(self):
        return [b'LINDEX', self.klist(), self.int_arg(-12, 12)]

    def g_lset(self):
        return [b'LSET', self.klist(), self.int_arg(-8, 8), self.lval()]

    def g_linsert(self):
        where = b'MIDDLE' if self.chance(0.04) else self.rng.choice([b'BEFORE', b'AFTER'])
        return [b'LINSERT', self.klist(), self.name(where), self.lval(), self.lval()]

    def g_lrem(self):
        return [b'LREM', self.klist(), self.int_arg(-3, 3), self.lval()]

    def g_ltrim(self):
        return [b'LTRIM', self.klist(), self.int_arg(-10, 10), self.int_arg(-10, 30)]

    def g_lpos(self):
        a = [b'LPOS', self.klist(), self.lval()]
        opts = []
        if self.chance(0.4):
            opts.append([self.name(b'RANK'), self.int_arg(-4, 4, edge=0.15)])
        if self.chance(0.4):
            opts.append([self.name(b'COUNT'), self.int_arg(-1, 4)])
        if self.chance(0.3):
            opts.append([self.name(b'MAXLEN'), self.int_arg(-1, 8)])
        if self.chance(0.04):
            opts.append([self.rng.choice([b'RANK', b'FOO', b'COUNT'])])
        self.rng.shuffle(opts)
        return a + [x for o in opts for x in o]

    def g_lmove(self):
        if self.chance(0.3):
            return [b'RPOPLPUSH', self.klist(), self.klist()]
        return [b'LMOVE', self.klist(), self.klist(), self.name(self.end()),
                self.name(self.end())]

    def end(self):
        return b'UP' if self.chance(0.03) else self.rng.choice([b'LEFT', b'RIGHT'])

    def g_lmpop(self):
        ks = self.keys(1, 3, self.klist)
        n = len(ks)
        if self.chance(0.08):
            n = self.rng.choice([0, -1, n + 1, b'abc', 9223372036854775807])
        a = [b'LMPOP', n] + ks + [self.name(self.end())]
        if self.chance(0.5):
            a += [self.name(b'COUNT'), self.int_arg(1, 5, bad=0.05, edge=0.1)]
        if self.chance(0.03):
            a.append(self.rng.choice([b'COUNT', b'FOO']))
        return a

    # ---- hashes and sets ------------------------------------------------------------

    def khash(self):
        return self.rng.choice(HASH_KEYS) if self.chance(0.93) else self.kany()

    def kset(self):
        return self.rng.choice(SET_KEYS) if self.chance(0.93) else self.kany()

    def member(self):
        if self.chance(0.9):
            return self.rng.choice(MEMBERS)
        return self.rand_bytes(self.rng.randint(0, 70))  # past hash-max-listpack-value

    def members(self, lo, hi):
        return [self.member() for _ in range(self.rng.randint(lo, hi))]

    def g_hset(self):
        cmd = self.rng.choice([b'HSET', b'HSET', b'HMSET'])
        a = [cmd, self.khash()]
        for _ in range(self.rng.randint(1, 4)):
            a += [self.member(), self.val(long_ok=False)]
        if self.chance(0.04):
            a = a[:-1]  # odd arity
        return a

    def g_hsetnx(self):
        return [b'HSETNX', self.khash(), self.member(), self.val(long_ok=False)]

    def g_hget(self):
        if self.chance(0.3):
            return [b'HMGET', self.khash()] + self.members(1, 4)
        return [self.rng.choice([b'HGET', b'HEXISTS', b'HSTRLEN']), self.khash(),
                self.member()]

    def g_hdel(self):
        return [b'HDEL', self.khash()] + self.members(1, 3)

    def g_hread(self):
        return [self.rng.choice([b'HLEN', b'HKEYS', b'HVALS', b'HGETALL']), self.khash()]

    def g_hincr(self):
        if self.chance(0.5):
            return [b'HINCRBYFLOAT', self.khash(), self.member(),
                    self.rng.choice(FLOAT_INCRS)]
        return [b'HINCRBY', self.khash(), self.member(), self.int_arg(-1000, 1000)]

    def g_sadd(self):
        return [self.rng.choice([b'SADD', b'SADD', b'SREM']), self.kset()] + \
            self.members(1, 5)

    def g_sread(self):
        r = self.rng.random()
        if r < 0.3:
            return [self.rng.choice([b'SCARD', b'SMEMBERS']), self.kset()]
        if r < 0.6:
            return [b'SISMEMBER', self.kset(), self.member()]
        return [b'SMISMEMBER', self.kset()] + self.members(1, 4)

    def g_smove(self):
        return [b'SMOVE', self.kset(), self.kset(), self.member()]

    def g_sop(self):
        ks = self.keys(1, 3, self.kset)
        op = self.rng.choice([b'SINTER', b'SUNION', b'SDIFF'])
        if self.chance(0.4):
            return [op + b'STORE', self.kset()] + ks
        return [op] + ks

    def g_sintercard(self):
        ks = self.keys(1, 3, self.kset)
        n = len(ks)
        if self.chance(0.08):
            n = self.rng.choice([0, -1, n + 1, b'abc'])
        a = [b'SINTERCARD', n] + ks
        if self.chance(0.4):
            a += [self.name(b'LIMIT'), self.int_arg(0, 4, bad=0.1, edge=0.05)]
        return a

    # ---- server ----------------------------------------------------------------------

    def g_ping(self):
        n = self.rng.choice([0, 0, 1, 1, 2])
        return [b'PING'] + [self.val(long_ok=False) for _ in range(n)]

    def g_echo(self):
        n = self.rng.choice([1, 1, 1, 0, 2])
        return [b'ECHO'] + [self.val() for _ in range(n)]

    def g_select(self):
        return [b'SELECT', self.rng.choice([0, 0, 1, -1, 15, b'abc', b'', 4294967296,
                                            b'9223372036854775808', b'0 '])]

    def g_unknown(self):
        return [self.rng.choice(UNKNOWN_NAMES)] + [self.val(long_ok=False) for _ in
                                                   range(self.rng.randint(0, 4))]

    # ---- plumbing ----------------------------------------------------------------------

    GENS = {
        'strings': ['get', 'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'getex',
                    'mget', 'mset', 'msetnx', 'append', 'strlen', 'incr', 'incrby',
                    'incrbyfloat', 'getrange', 'setrange'],
        'keys': ['del', 'exists', 'type', 'rename', 'copy', 'keys', 'expire', 'ttl',
                 'persist', 'dbsize', 'flush'],
        'lists': ['push', 'push', 'push', 'pop', 'llen', 'lrange', 'lindex', 'lset',
                  'linsert', 'lrem', 'ltrim', 'lpos', 'lmove', 'lmpop'],
        'server': ['ping', 'echo', 'select', 'unknown'],
        'hashes': ['hset', 'hsetnx', 'hget', 'hdel', 'hread', 'hincr'],
        'sets': ['sadd', 'sadd', 'sread', 'smove', 'sop', 'sintercard'],
    }
    BASE = {'flush': 0.08, 'unknown': 0.3, 'select': 0.3, 'dbsize': 0.3, 'ping': 0.3,
            'echo': 0.3, 'set': 2.0, 'push': 1.0, 'expire': 1.5, 'ttl': 1.5}

    def _draw_weights(self):
        w = {}
        for group, names in self.GENS.items():
            gscale = self.rng.choice([0.2, 1, 1, 2]) if self.seed % 4 else 1
            for n in names:
                w[n] = w.get(n, 0) + self.BASE.get(n, 1.0) * gscale * \
                    self.rng.choice([0.3, 1, 1, 2])
        # specials, per 100 ops on average
        w['_txn'] = self.rng.choice([0.5, 1.5, 3])
        w['_multi'] = self.rng.choice([0.3, 1])
        w['_inline'] = self.rng.choice([0.5, 1.5])
        w['_scan'] = 0.5
        w['_randomkey'] = 0.5
        w['_aux'] = 0.5
        return w

    def one_cmd(self):
        names = [n for n in self.weights if not n.startswith('_')]
        for _ in range(1000):
            n = self.rng.choices(names, [self.weights[x] for x in names])[0]
            args = [to_bytes(x) for x in getattr(self, 'g_' + n)()]
            if args[0].lower() not in self.exclude:
                break
        args[0] = self.name(args[0])
        if self.chance(0.03):
            args = self.mutate(args)
        return args

    def follow_ups(self, conn=0):
        """EXISTS for each key just SET with a past expiry (see g_set)."""
        keys, self.expired_keys = self.expired_keys, []
        return [self._cmd([b'EXISTS', k], conn=conn) for k in keys]

    def mutate(self, args):
        """Arity and argument damage: drop a tail, add or replace one argument."""
        r = self.rng.random()
        args = list(args)
        if r < 0.4 and len(args) > 1:
            return args[:self.rng.randint(1, len(args) - 1)]
        if r < 0.7:
            return args + [self.rng.choice(MUTATE_TOKENS)]
        if len(args) > 1:
            args[self.rng.randint(1, len(args) - 1)] = self.rng.choice(MUTATE_TOKENS)
        return args

    def inline_of(self, args):
        """Inline encoding of args (quoting what needs it), CRLF or LF terminated."""
        parts = []
        for a in args:
            plain = a and all(33 <= c < 127 and c not in b'"\'\\' for c in a)
            if plain and self.chance(0.9):
                parts.append(a)
            elif all(32 <= c < 127 and c not in b"'\\" for c in a) and self.chance(0.3):
                parts.append(b"'" + a + b"'")
            else:
                q = b''
                for c in a:
                    if c == 0x22 or c == 0x5c:
                        q += b'\\' + bytes([c])
                    elif c == 10 and self.chance(0.5):
                        q += b'\\n'
                    elif c == 13 and self.chance(0.5):
                        q += b'\\r'
                    elif 32 <= c < 127:
                        q += bytes([c])
                    else:
                        q += b'\\x%02x' % c
                parts.append(b'"' + q + b'"')
        sep = b' ' if self.chance(0.8) else b'  \t '
        lead = b'' if self.chance(0.9) else b'  '
        term = b'\r\n' if self.chance(0.85) else b'\n'
        return lead + sep.join(parts) + term

    def inline_op(self):
        if self.chance(0.08):
            return Op('inline', raw=self.rng.choice([b'\r\n', b'   \r\n', b'\n']),
                      nreplies=0, name=b'')
        args = self.one_cmd()
        if not args[0]:
            args[0] = b'PING'
        return Op('inline', raw=self.inline_of(args), args=args,
                  name=UNORDERED_CMDS.get(args[0].lower(), args[0].lower()))

    def _cmd(self, args, conn=0):
        args = [to_bytes(x) for x in args]
        op = Op('cmd', args=args, conn=conn, name=UNORDERED_CMDS.get(args[0].lower()))
        if conn == 0:
            self._track(op)
        return op

    def _track(self, op):
        """Mirror of the session state the generator must respect."""
        n = op.name
        exact = len(op.args) == 1  # MULTI/EXEC/DISCARD/UNWATCH with arguments fail
        if n == b'multi' and exact and not self.in_multi:
            self.in_multi = True
            self.queued = []
        elif n in (b'exec', b'discard') and exact and self.in_multi:
            if n == b'exec':
                op.queued = self.queued
            self.in_multi = False
            self.queued = []
            self.watch_args = 0
        elif n == b'unwatch' and exact and not self.in_multi:
            self.watch_args = 0
        elif n == b'watch':
            self.watch_args += len(op.args) - 1
        elif self.in_multi and n not in (b'exec', b'discard', b'multi', b'watch', b'quit'):
            self.queued.append(n)

    def watch_cmd(self):
        ks = self.keys(1, 3)
        if self.watch_args + len(ks) > 24:
            return None
        return [self.name(b'WATCH')] + ks

    def txn(self):
        """WATCH / aux-connection writes / MULTI ... EXEC|DISCARD scenarios."""
        ops = []
        if self.watch_args > 16:
            ops.append(self._cmd([b'UNWATCH']))
        w = self.watch_cmd() if self.chance(0.8) else None
        if w:
            ops.append(self._cmd(w))
            watched = w[1:]
            if self.chance(0.7):
                ops.append(self._cmd(self.aux_write(watched), conn=1))
            if self.chance(0.15):
                ops.append(self._cmd([self.name(b'UNWATCH')]))
            if self.chance(0.1):
                ops.append(self._cmd(self.aux_write(watched)))  # own write dirties too
        ops.append(self._cmd([self.name(b'MULTI')]))
        for _ in range(self.rng.randint(0, 6)):
            ops.append(self._cmd(self.one_cmd()))
            ops += self.follow_ups()
            if self.chance(0.1):
                ops.append(self._cmd(self.aux_write(None), conn=1))
        if self.chance(0.05):
            ops.append(self._cmd(self.rng.choice([[b'MULTI'], [b'WATCH', b'a']])))
        end = b'EXEC' if self.chance(0.85) else b'DISCARD'
        ops.append(self._cmd([self.name(end)]))
        return ops

    def aux_write(self, watched):
        """A command for the second connection: often a write to a watched key,
        sometimes one that does not modify it (fails, or is a no-op)."""
        k = self.rng.choice(watched) if watched and self.chance(0.7) else self.kany()
        r = self.rng.random()
        if r < 0.03 and not self.exclude & {b'flushall', b'flushdb'}:
            return [self.rng.choice([b'FLUSHALL', b'FLUSHDB'])]
        choices = [
            [b'SET', k, self.val(long_ok=False)],
            [b'SET', k, b'x', b'NX'],
            [b'SET', k, b'x', b'XX'],
            [b'DEL', k],
            [b'GET', k],
            [b'INCR', k],
            [b'APPEND', k, b'z'],
            [b'EXPIRE', k, self.ttl('s')],
            [b'EXPIRE', k, 0],
            [b'PERSIST', k],
            [b'LPUSH', k, b'x'],
            [b'LPUSHX', k, b'x'],
            [b'RPOP', k],
            [b'LSET', k, 0, b'q'],
            [b'LTRIM', k, 0, -1],
            [b'LREM', k, 0, b'nothere'],
            [b'RENAME', self.kany(), k],
            [b'COPY', self.kany(), k, b'REPLACE'],
            [b'GETEX', k, b'PERSIST'],
            [b'SETRANGE', k, 0, b''],
            [b'MSETNX', k, b'1'],
            [b'LMOVE', k, k, b'LEFT', b'RIGHT'],
            [b'INCRBYFLOAT', k, b'0'],
        ]
        return self.rng.choice(choices)

    def multi_op(self):
        """Loose MULTI/EXEC/DISCARD/WATCH/UNWATCH, including misuse."""
        if self.in_multi:
            c = self.rng.choice([b'EXEC', b'EXEC', b'DISCARD', b'MULTI', b'WATCH'])
        else:
            c = self.rng.choice([b'MULTI', b'MULTI', b'EXEC', b'DISCARD', b'WATCH',
                                 b'UNWATCH', b'UNWATCH'])
        if c == b'WATCH':
            w = self.watch_cmd()
            return self._cmd(w if w else [b'UNWATCH'])
        args = [self.name(c)]
        if self.chance(0.05):
            args.append(b'x')  # arity error
        return self._cmd(args)

    def ops(self, n):
        """Yields about n ops, then closes any open MULTI and a final dump."""
        w = self.weights
        special = ['_txn', '_multi', '_inline', '_scan', '_randomkey', '_aux']
        sw = [w[s] for s in special]
        spec_p = sum(sw) / 100.0
        i = 0
        while i < n:
            if self.in_multi and len(self.queued) >= 16:
                yield self._cmd([b'EXEC'])
                i += 1
                continue
            if self.chance(spec_p):
                s = self.rng.choices(special, sw)[0]
                if s == '_txn' and not self.in_multi:
                    for op in self.txn():
                        yield op
                        i += 1
                    continue
                if s == '_multi':
                    yield self.multi_op()
                    i += 1
                    continue
                if s == '_inline':
                    op = self.inline_op()
                    if op.args is not None:
                        self._track(op)
                    yield op
                    for f in self.follow_ups():
                        yield f
                    i += 1
                    continue
                if s == '_scan' and not self.in_multi:
                    yield Op('scan', args=self.scan_opts(), name=b'scan')
                    i += 1
                    continue
                if s == '_randomkey' and not self.in_multi:
                    yield Op('randomkey', name=b'randomkey')
                    i += 1
                    continue
                if s == '_aux':
                    yield self._cmd(self.one_cmd(), conn=1)
                    for f in self.follow_ups(conn=1):
                        yield f
                    i += 1
                    continue
            if not self.in_multi and i % 250 == 249:
                yield Op('dump', name=b'dump')
                i += 1
                continue
            if not self.in_multi and i % 1000 == 999:
                for k in LIST_KEYS:  # keep replies far below kv's 2 MB reply limit
                    yield self._cmd([b'LTRIM', k, 0, 299])
                i += 1
                continue
            yield self._cmd(self.one_cmd())
            for f in self.follow_ups():
                yield f
            i += 1
        if self.in_multi:
            yield self._cmd([b'DISCARD'])
        yield Op('dump', name=b'dump')

    def scan_opts(self):
        opts = []
        if self.chance(0.5):
            opts.append([self.name(b'MATCH'), self.rng.choice(GLOBS)])
        if self.chance(0.5):
            opts.append([self.name(b'COUNT'), self.rng.choice([1, 2, 3, 5, 10, 100, 1000])])
        if self.chance(0.3):
            opts.append([self.name(b'TYPE'), self.rng.choice([b'string', b'list', b'LIST',
                                                              b'hash', b'set', b'none'])])
        self.rng.shuffle(opts)
        return [x for o in opts for x in o]

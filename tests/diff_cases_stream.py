"""diff_cases_stream.py: directed differential cases for streams (the first slice:
XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD; XSETID, XINFO, XGROUP; and the
generic commands on streams). XINFO's radix-tree-nodes (kv does not reproduce Redis's
radix tree) and consumers' idle and seen-time (each server's clock) are masked
(differential.py's same()); every other byte is compared.

CASES: name -> steps, as in diff_cases.py; every reply is compared byte for byte, so
IDs are explicit (an ID from `*` depends on each server's clock: only its error cases
and NOMKSTREAM's null use `*`). Node boundaries (stream-node-max-bytes/-entries) decide
what XTRIM ~ removes: the node cases set the limits small, fill nodes with entries
whose listpack sizes differ (integers, short and 64+ byte strings, repeated and
changed fields) and trim by ~, and restore Redis's defaults (4096, 100) at the end.

differential.py always runs them (check the cases themselves with
`--against-redis --only cases`).
"""

WRONGTYPE_STREAM = [
    "XADD str 1-1 f v", "XLEN str", "XRANGE str - +", "XREVRANGE str + -", "XDEL str 1-1",
    "XTRIM str MAXLEN 0", "XREAD STREAMS str 0", "XREAD STREAMS nokey str 0 0"]
WRONGTYPE_OTHERS = [
    "GET x", "APPEND x a", "LPUSH x a", "LLEN x", "HSET x f v", "HGET x f", "SADD x m",
    "SCARD x", "INCR x", "SETRANGE x 0 a", "LRANGE x 0 -1", "SMEMBERS x", "HGETALL x"]


def _xadds(key, ids, fields='f v'):
    return ['XADD %s %s %s' % (key, i, fields) for i in ids]


def _trim_fill(key):
    """Entries of varied listpack sizes in nodes of at most 4 entries / 120 bytes."""
    steps = ["CONFIG SET stream-node-max-entries 4", "CONFIG SET stream-node-max-bytes 120"]
    forms = ['a 1', 'a 2', 'b 123456', 'a %s' % ('x' * 70), 'c -5 d 4096', 'a 1',
             'e 9999999999', 'a yy', 'b 70000', 'a 1 b 2', 'a %s' % ('z' * 10), 'b 1']
    for i, form in enumerate(forms * 3):
        steps.append('XADD %s %d-%d %s' % (key, 1 + i // 5, i % 5, form))
    return steps


DEFAULTS = ["CONFIG SET stream-node-max-entries 100", "CONFIG SET stream-node-max-bytes 4096"]

CASES = {
    'stream-xadd-ids': [
        "XADD s 1-1 f v", "XADD s 1-1 f v", "XADD s 1-0 f v", "XADD s 0-0 f v",
        "XADD t 0-0 f v", "EXISTS t", "XADD t 0-* f v", "XADD s 1-* a b c d", "XADD s 1 x y",
        "XADD s 2 x y", "XADD s 2-* x y", "XADD s 3-18446744073709551615 f v",
        "XADD s 3-* f v", "XADD s 18446744073709551615-18446744073709551615 f v",
        "XADD s 18446744073709551615-* f v", "XADD s * f v", "XLEN s", "XRANGE s - +",
        "XADD u 18446744073709551615-18446744073709551614 f v",
        "XADD u 18446744073709551615-* f v", "XADD u 18446744073709551615-* f v",
        "XADD v 5-18446744073709551615 f v", "XADD v 5-* f v", "XADD v 6-* f v"],
    'stream-xadd-id-forms': [
        "XADD s abc f v", "XADD s 1-x f v", "XADD s -1 f v", "XADD s 1-2-3 f v",
        "XADD s '' f v", "XADD s - f v", "XADD s + f v", "XADD s ' 5' f v",
        "XADD s '+6' f v", "XADD s 007 f v", "XADD s 8-+1 f v", "XADD s '9- 2' f v",
        "XADD s 18446744073709551616 f v", "XADD s 10-18446744073709551616 f v",
        "XADD s 0x10 f v", "XADD s 11-* f v", "XADD s 11-** f v", "XADD s *-1 f v",
        "XADD s ** f v", "XADD s 12. f v", "XADD s 13- f v", "XADD s -13 f v",
        "XADD s %s f v" % ('1' * 128), "XADD s %s f v" % ('0' * 126 + '14'),
        "XRANGE s - +"],
    'stream-xadd-options': [
        "XADD s NOMKSTREAM 1 f v", "EXISTS s", "XADD s NOMKSTREAM * f v", "XADD s 1 f v",
        "XADD s NOMKSTREAM 2 f v", "XADD s nomkstream 3 f v", "XADD s MAXLEN 2 4 f v",
        "XLEN s", "XADD s MAXLEN = 1 5 f v", "XRANGE s - +", "XADD s MAXLEN ~ 0 6 f v",
        "XLEN s", "XADD s MINID 6 7 f v", "XADD s MINID = 7-1 8 f v", "XRANGE s - +",
        "XADD s MAXLEN ~ 1 LIMIT 5 9 f v", "XADD s MAXLEN 1 LIMIT 5 10 f v",
        "XADD s LIMIT 3 10 f v", "XADD s LIMIT 0 10 f v", "XADD s LIMIT -1 10 f v",
        "XADD s LIMIT x 10 f v", "XADD s MAXLEN -1 10 f v", "XADD s MAXLEN x 10 f v",
        "XADD s MAXLEN 1 MINID 1 10 f v", "XADD s MINID 1 MAXLEN 1 10 f v",
        "XADD s MINID x 10 f v", "XADD s MINID - 10 f v", "XADD s MAXLEN ~ 10 f v",
        "XADD s MAXLEN = 10 f v", "XADD s MAXLEN 10 f", "XADD s MAXLEN", "XADD s 10 f",
        "XADD s 10 f v g", "XADD s FOO 10 f v", "XADD s maxlen 0 11 f v", "XLEN s",
        "EXISTS s", "XRANGE s - +", "XADD s MAXLEN 0 MAXLEN 0 12 f v",
        "XADD s minid ~ 13 13 f v", "XRANGE s - +", "XADD s NOMKSTREAM NOMKSTREAM 14 f v"],
    'stream-xadd-arity': [
        "XADD", "XADD s", "XADD s *", "XADD s * f", "XADD s 1 f v g h i", "XLEN",
        "XLEN s t", "XRANGE s -", "XREVRANGE s +", "XDEL s", "XTRIM s", "XTRIM s MAXLEN",
        "XREAD", "XREAD STREAMS", "XREAD STREAMS s", "XRANGE s - + COUNT"],
    'stream-range': (
        _xadds('s', ['1-1', '1-2', '2-0', '2-5', '3-0', '18446744073709551615-0'],
               'f v g 1') + [
        "XRANGE s - +", "XREVRANGE s + -", "XRANGE s 2 2", "XRANGE s 2 +", "XRANGE s - 2",
        "XRANGE s 1-2 2-0", "XRANGE s (1-2 +", "XRANGE s - (2-5", "XRANGE s (2 +",
        "XRANGE s - (2", "XREVRANGE s (3 -", "XREVRANGE s + (1-1", "XREVRANGE s 2 2",
        "XRANGE s (+ +", "XRANGE s - (-", "XRANGE s ( +", "XRANGE s (1- +",
        "XRANGE s (18446744073709551615-18446744073709551615 +",
        "XRANGE s - (0-0", "XRANGE s 3 2", "XREVRANGE s 2 3", "XRANGE s - + COUNT 2",
        "XREVRANGE s + - COUNT 2", "XRANGE s - + COUNT 0", "XRANGE s - + COUNT -1",
        "XREVRANGE s + - COUNT 0", "XRANGE s - + COUNT 1 COUNT 3", "XRANGE s - + count 1",
        "XRANGE s - + COUNT x", "XRANGE s - + FOO", "XRANGE s - + COUNT 1 FOO",
        "XRANGE s x +", "XRANGE s - x", "XRANGE nokey - +", "XREVRANGE nokey + -",
        "XRANGE nokey - + COUNT 0", "XRANGE nokey x +", "XRANGE s 18446744073709551615 +",
        "XRANGE s 1-1 1-1", "XRANGE s (1-1 (1-2", "XRANGE s ' 2' +"]),
    'stream-xdel': (
        _xadds('s', ['1-1', '1-2', '1-3', '2-1', '2-2']) + [
        "XDEL s 1-2", "XDEL s 1-2", "XDEL s 1-1 2-1 9-9 2-1", "XLEN s", "XRANGE s - +",
        "XDEL s x", "XDEL s 2-2 x", "XLEN s", "XDEL s -", "XDEL s +", "XDEL s 2",
        "XDEL nokey 1-1", "XDEL nokey x", "XDEL s 1-3 2-2", "XLEN s", "EXISTS s",
        "XRANGE s - +", "XADD s 2-2 f v", "XADD s 2-3 f v", "XRANGE s - +", "TYPE s"]),
    'stream-xtrim': (
        _xadds('s', ['1-%d' % i for i in range(1, 11)]) + [
        "XTRIM s MAXLEN 8", "XTRIM s MAXLEN = 7", "XTRIM s MAXLEN ~ 1", "XLEN s",
        "XTRIM s MINID 1-6", "XTRIM s MINID = 1-7", "XTRIM s MINID ~ 1-9", "XLEN s",
        "XRANGE s - +", "XTRIM s", "XTRIM s FOO 1", "XTRIM s MAXLEN -1", "XTRIM s MAXLEN x",
        "XTRIM s MAXLEN 1 MINID 1", "XTRIM s MAXLEN 1 LIMIT 1", "XTRIM s MAXLEN ~ 1 LIMIT 1",
        "XTRIM s MAXLEN ~ 1 LIMIT -1", "XTRIM s MAXLEN ~ 1 LIMIT x", "XTRIM s LIMIT 1 MAXLEN 1",
        "XTRIM s LIMIT 0", "XTRIM s LIMIT 5 MINID 1", "XTRIM s NOMKSTREAM MAXLEN 1",
        "XTRIM s MINID -", "XTRIM s MINID +", "XTRIM s MINID x", "XTRIM s MAXLEN ~ -1",
        "XTRIM nokey MAXLEN 0", "XTRIM nokey FOO x", "XTRIM nokey MAXLEN -1",
        "XTRIM s MAXLEN 0", "XLEN s", "EXISTS s", "XTRIM s MAXLEN 0", "XRANGE s - +",
        "XTRIM s maxlen = 0 limit 0", "XTRIM s minid 0"]),
    'stream-nodes-trim': (
        _trim_fill('n') + [
        "XLEN n", "XTRIM n MAXLEN ~ 30", "XTRIM n MAXLEN ~ 20", "XLEN n",
        "XTRIM n MAXLEN ~ 5 LIMIT 3", "XTRIM n MAXLEN ~ 5 LIMIT 6", "XLEN n",
        "XTRIM n MINID ~ 6-0", "XLEN n", "XRANGE n - + COUNT 3",
        "XTRIM n MAXLEN ~ 0 LIMIT 0", "XLEN n"] + DEFAULTS),
    'stream-nodes-bytes': (
        ["CONFIG SET stream-node-max-entries 0", "CONFIG SET stream-node-max-bytes 60"] +
        _xadds('b', ['1-%d' % i for i in range(1, 13)], 'field %s' % ('v' * 20)) +
        _xadds('b', ['2-%d' % i for i in range(1, 9)], 'n 12') + [
        "XTRIM b MAXLEN ~ 15", "XLEN b", "XTRIM b MAXLEN ~ 5", "XLEN b",
        "XTRIM b MAXLEN ~ 0", "XLEN b", "XRANGE b - +"] + DEFAULTS),
    'stream-nodes-deleted': (
        ["CONFIG SET stream-node-max-entries 5"] +
        _xadds('d', ['1-1', '1-2', '1-3']) + [
        "XDEL d 1-3", "XTRIM d MINID 1-3", "XLEN d", "XRANGE d - +", "XADD d 1-4 f v",
        "XADD d 1-5 f v", "XADD d 1-6 f v", "XTRIM d MAXLEN ~ 1", "XLEN d",
        "XRANGE d - +", "XDEL d 1-6", "XADD d 1-7 f v", "XTRIM d MAXLEN ~ 0", "XLEN d",
        "XREVRANGE d + -"] + _xadds('e', ['1-%d' % i for i in range(1, 11)]) + [
        "XDEL e 1-1 1-2 1-3 1-4", "XTRIM e MAXLEN ~ 5", "XDEL e 1-5", "XTRIM e MAXLEN ~ 5",
        "XLEN e", "XTRIM e MINID ~ 1-10", "XLEN e", "XRANGE e - +"] + DEFAULTS),
    'stream-xread': (
        _xadds('a', ['1-1', '1-2', '2-1'], 'x 1 y 2') + _xadds('b', ['5-0']) + [
        "SET str v", "XREAD STREAMS a 0", "XREAD STREAMS a b 0 0", "XREAD COUNT 1 STREAMS a b 0 0",
        "XREAD COUNT 0 STREAMS a 0", "XREAD COUNT -3 STREAMS a 0", "XREAD STREAMS a 1-1",
        "XREAD STREAMS a 2-1", "XREAD STREAMS a $", "XREAD STREAMS a b nokey $ 0 0",
        "XREAD STREAMS nokey a 0 1", "XREAD STREAMS nokey $", "XREAD STREAMS a 1",
        "XREAD STREAMS a (1", "XREAD STREAMS a -", "XREAD STREAMS a +", "XREAD STREAMS a >",
        "XREAD STREAMS a x", "XREAD STREAMS a b 0", "XREAD STREAMS a b c 0 0",
        "XREAD GROUP g c STREAMS a 0", "XREAD NOACK STREAMS a 0", "XREAD FOO STREAMS a 0",
        "XREAD COUNT x STREAMS a 0", "XREAD COUNT 1 COUNT 2 STREAMS a 0",
        "XREAD streams a 0", "XREAD STREAMS str 0", "XREAD STREAMS a str 0 0",
        "XREAD STREAMS a str 0 x", "XREAD STREAMS streams 0", "XREAD COUNT 1",
        "XDEL a 2-1", "XREAD STREAMS a 1-2", "XREAD STREAMS a 0",
        "XREAD BLOCK x STREAMS a 0", "XREAD BLOCK -1 STREAMS a 0",
        "XREAD BLOCK 0 STREAMS a 0"]),
    'stream-generic': (
        _xadds('s', ['1-1', '1-2']) + [
        "TYPE s", "OBJECT ENCODING s", "EXISTS s", "COPY s c", "XRANGE c - +", "XADD c 1-3 f v",
        "XLEN s", "XLEN c", "COPY s c", "COPY s c REPLACE", "XLEN c", "RENAME c r",
        "XRANGE r - +", "TYPE r", "EXPIRE r 100", "TTL r", "PERSIST r", "TTL r",
        "UNLINK s", "SCAN 0 TYPE stream", "SCAN 0 TYPE STREAM COUNT 100", "DEL r",
        "EXISTS s r", "XADD e MAXLEN 0 1-1 f v", "TYPE e", "OBJECT ENCODING e", "XLEN e",
        "COPY e e2", "XADD e2 1-1 f v", "XADD e2 1-2 f v", "DEL e e2"]),
    'stream-wrongtype': (
        ["SET str v"] + WRONGTYPE_STREAM + ["XADD x 1-1 f v"] + WRONGTYPE_OTHERS),
    'stream-values': [
        "XADD s 1-1 '' ''", "XADD s 1-2 f ''", "XADD s 1-3 f v f v2", "XADD s 1-4 1 2 3 4",
        "XADD s 1-5 -1 -4096 -32768 8388607 2147483648 9223372036854775807",
        "XADD s 1-6 %s %s" % ('k' * 64, 'v' * 4096), "XRANGE s - +", "XREVRANGE s + - COUNT 2",
        "XLEN s"],
    # XREAD BLOCK: served by XADD (or a new stream), not by XDEL/XTRIM; $ is the last ID
    # when it blocks; every reader the stream's last ID is past, oldest first
    'block-stream-serve': [
        ('block', 2, "XREAD BLOCK 0 STREAMS s t $ $"),
        ('block', 3, "XREAD COUNT 1 BLOCK 0 STREAMS t 0"), ('on', 1, "XADD t 5-1 f v"),
        ('wake', 2), ('wake', 3),
        ('on', 1, "XADD t 6-0 f v g w"), ('on', 1, "XADD t 7-0 f v"), ('on', 1, "XDEL t 7-0"),
        ('block', 2, "XREAD BLOCK 0 STREAMS t 6-0"), ('on', 1, "XDEL t 6-0"),
        ('on', 1, "XTRIM t MAXLEN 0"), ('on', 1, "XADD t 8-0 x y"), ('wake', 2),
        ('block', 2, "XREAD BLOCK 0 STREAMS t $"), ('on', 1, "MULTI"),
        ('on', 1, "XADD t 9-0 x y"), ('on', 1, "XDEL t 9-0"), ('on', 1, "EXEC"), ('wake', 2),
        ('block', 2, "XREAD BLOCK 0 STREAMS n $"), ('on', 1, "RPUSH n x"), ('on', 1, "DEL n"),
        ('on', 1, "XADD n 1-1 a b"), ('wake', 2),
        ('on', 1, "XADD src 3-3 k v"), ('block', 2, "XREAD BLOCK 0 STREAMS dst 0-5"),
        ('on', 1, "RENAME src dst"), ('wake', 2),
        ('block', 2, "XREAD BLOCK 0 STREAMS a b c 0 0 0"), ('block', 3, "XREAD BLOCK 0 STREAMS c 5"),
        ('block', 4, "XREAD BLOCK 0 STREAMS c 0"), ('on', 1, "XADD c 2-0 f v"), ('wake', 2),
        ('wake', 4), ('on', 1, "XADD c 6-0 f v"), ('wake', 3), ('on', 2, "PING"), ('dump',),
    ],
    'block-stream-errors': [
        "XREAD BLOCK x STREAMS a 0", "XREAD BLOCK -1 STREAMS a 0", "XREAD BLOCK 1.5 STREAMS a 0",
        "XREAD BLOCK '' STREAMS a 0", "XREAD BLOCK 0 STREAMS a", "XREAD BLOCK 0 STREAMS a >",
        "XREAD BLOCK 0", "XREAD BLOCK 99999999999999999999 STREAMS a 0",
        "XREAD BLOCK 0 COUNT x STREAMS a 0", "XREAD COUNT 1 BLOCK -5 STREAMS a 0",
        "SET str v", "XREAD BLOCK 0 STREAMS str $", "XREAD BLOCK 0 STREAMS a str $ 0",
        "XADD a 1-1 f v", "XREAD BLOCK 0 STREAMS a 0", "XREAD BLOCK 0 COUNT 1 STREAMS a str 0 0",
        "MULTI", "XREAD BLOCK 0 STREAMS a $", "XREAD BLOCK 0 STREAMS nokey $",
        "XREAD BLOCK 10 STREAMS a 0", "EXEC", ('dump',),
    ],
    'block-stream-timeout': [
        ('block', 2, "XREAD BLOCK 200 STREAMS a $"), ('wake', 2),
        ('block', 2, "XREAD BLOCK 100 COUNT 3 STREAMS a b 0 0"), ('wake', 2),
        ('block', 2, "XREAD BLOCK 0 STREAMS a $"), ('unblock', 2), ('wake', 2),
        ('block', 2, "XREAD BLOCK 0 STREAMS a $"), ('unblock', 2, "ERROR"), ('wake', 2),
        ('on', 2, "XADD a 1-1 f v"), ('dump',),
    ],
    'block-stream-types': [
        # a stream reader is not served by a list or a sorted set, nor they by a stream
        ('block', 2, "XREAD BLOCK 0 STREAMS k $"), ('block', 3, "BLPOP k 0"),
        ('block', 4, "BZPOPMIN k 0"), ('on', 1, "ZADD k 1 z"), ('wake', 4),
        ('on', 1, "RPUSH k l"), ('wake', 3), ('on', 1, "XADD k 1-1 f v"), ('wake', 2),
        ('dump',),
    ],
    'stream-xsetid': [
        "SET str x", "XADD s 5-0 a 1", "XSETID", "XSETID s", "XSETID nokey 1", "XSETID str 1",
        "XSETID s 1", "XSETID s -", "XSETID s +", "XSETID s 5-*", "XSETID s 5",
        "XSETID s 6 ENTRIESADDED -1", "XSETID s 6 entriesadded x",
        "XSETID s 6 ENTRIESADDED 0", "XSETID s 6 MAXDELETEDID 7",
        "XSETID s 6 MAXDELETEDID x", "XSETID s 6 MAXDELETEDID 6 ENTRIESADDED",
        "XSETID s 6 foo", "XSETID nokey 6 foo", "XSETID nokey 6 MAXDELETEDID 7",
        "XSETID str 6 MAXDELETEDID 7", "XSETID s 7 MAXDELETEDID 7 ENTRIESADDED 9",
        "XINFO STREAM s", "XSETID s 6", "XINFO STREAM s", "XSETID s 6 MAXDELETEDID 0-0",
        "XINFO STREAM s", "XADD s * f v", "XADD s 6-5 f v", "XADD s 7-0 f v", "XDEL s 5-0 7-0",
        "XSETID s 6-5", "XSETID s 6-4", "XSETID s 6-6 ENTRIESADDED 1",
        "XSETID s 6-6 ENTRIESADDED 0", "XINFO STREAM s", "XTRIM s MAXLEN 0", "XSETID s 0",
        "XINFO STREAM s", "XADD s 0-1 f v", "XRANGE s - +",
        "XSETID s 18446744073709551615-18446744073709551615", "XADD s * f v",
        "XSETID s 1 ENTRIESADDED 9223372036854775807", "XINFO STREAM s FULL"],
    # XSETID does not touch WATCH in redis-server 7.0.15 (an EXEC after it still runs)
    'stream-xsetid-watch': [
        "XADD w 1-1 f v", "WATCH w", "XSETID w 5", "MULTI", "XLEN w", "EXEC",
        "WATCH w", "XADD w 6 f v", "MULTI", "XLEN w", "EXEC",
        "MULTI", "XSETID w 9", "XINFO STREAM w", "EXEC"],
    'stream-xinfo': [
        "SET str x", "XINFO", "XINFO HELP", "XINFO help x", "XINFO foo", "XINFO foo s",
        "XINFO STREAM", "XINFO STREAM nokey", "XINFO STREAM str", "XINFO GROUPS nokey",
        "XINFO CONSUMERS nokey g", "XINFO CONSUMERS s", "XINFO GROUPS s x",
        "XADD s 1-1 a 1", "XADD s 2-1 a 1 b 2", "XADD s 3-1 a 1", "XINFO STREAM s",
        "XINFO STREAM s x", "XINFO STREAM nokey x", "XINFO STREAM s FULL x",
        "XINFO STREAM s full count", "XINFO STREAM s FULL COUNT x",
        "XINFO STREAM s FULL COUNT -1 x", "XINFO stream s full", "XINFO STREAM s FULL COUNT 1",
        "XINFO STREAM s FULL COUNT 0", "XINFO STREAM s FULL COUNT -5", "XINFO GROUPS s",
        "XINFO CONSUMERS s g", "XINFO CONSUMERS s " + 'g' * 300, "XDEL s 1-1",
        "XINFO STREAM s", "XDEL s 3-1", "XINFO STREAM s", "XDEL s 2-1", "XINFO STREAM s",
        "XINFO STREAM s FULL", "XADD s 9-9 f v", "XINFO STREAM s", "XTRIM s MAXLEN 0",
        "XINFO STREAM s", "COPY s c", "XINFO STREAM c", [b'XINFO', b'STREAM', b's\x00x'],
        [b'XINFO', b'CONSUMERS', b's', b'g\x00h']],
    'stream-xinfo-nodes': (
        _trim_fill('n') + [
        "XINFO STREAM n", "XINFO STREAM n FULL", "XINFO STREAM n FULL COUNT 0",
        "XDEL n 1-0 1-1 1-2 1-3 1-4 2-3", "XINFO STREAM n", "XTRIM n MINID 5-2",
        "XINFO STREAM n", "XTRIM n MAXLEN ~ 3", "XINFO STREAM n FULL", "XTRIM n MAXLEN 0",
        "XINFO STREAM n"] + DEFAULTS),
    'stream-xgroup-errors': [
        "SET str x", "XGROUP", "XGROUP HELP", "XGROUP help x", "XGROUP foo", "XGROUP CREATE",
        "XGROUP CREATE s g", "XGROUP CREATE s g $", "XGROUP CREATE s g $ foo",
        "XGROUP CREATE str g $", "XGROUP CREATE str g $ MKSTREAM", "XGROUP CREATE s g x",
        "XGROUP CREATE s g x MKSTREAM", "XGROUP CREATE s g $ ENTRIESREAD x",
        "XGROUP CREATE s g $ ENTRIESREAD -2", "XGROUP CREATE s g $ MKSTREAM ENTRIESREAD -2",
        "XGROUP CREATE s g $ MKSTREAM ENTRIESREAD 5 foo",
        "XGROUP CREATE s g $ MKSTREAM ENTRIESREAD", "XGROUP SETID s g $",
        "XGROUP DESTROY s g", "XGROUP CREATECONSUMER s g c", "XGROUP DELCONSUMER s g c",
        "XGROUP CREATE s g $ MKSTREAM", "XGROUP CREATE s g $ MKSTREAM", "XGROUP CREATE s g 0",
        "XGROUP CREATE s g3 -", "XGROUP CREATE s g3 +", "XGROUP CREATE s g4 5-*",
        "XGROUP CREATE s g5 0 MKSTREAM MKSTREAM ENTRIESREAD 1 MKSTREAM",
        "XGROUP SETID s g 7 MKSTREAM", "XGROUP SETID s g 7 ENTRIESREAD 2 x",
        "XGROUP SETID s g 8-1 ENTRIESREAD 1 ENTRIESREAD 3", "XGROUP SETID s nog 1",
        "XGROUP SETID nokey g 1 ENTRIESREAD 1 ENTRIESREAD 3", "XGROUP SETID s g 1-x",
        "XGROUP CREATECONSUMER s nog c", "XGROUP CREATECONSUMER s g",
        "XGROUP CREATECONSUMER s g a b", "XGROUP DELCONSUMER s nog c",
        "XGROUP DESTROY s g x", "XGROUP DESTROY nokey g", "XGROUP DESTROY str g",
        "XGROUP CREATECONSUMER nokey g c", "XGROUP CREATE nokey g 1",
        [b'XGROUP', b'SETID', b's', b'n\x00o', b'1'], "XGROUP SETID s " + 'n' * 300 + " 1",
        "XINFO GROUPS s", "XINFO CONSUMERS s nog"],
    'stream-xgroup': [
        "XGROUP CREATE s g $ MKSTREAM", "XGROUP CREATE s g2 0 ENTRIESREAD 3",
        "XGROUP CREATE s a 0", "XGROUP CREATE s '' 0", "XGROUP CREATE s ab 0",
        [b'XGROUP', b'CREATE', b's', b'a\x00b', b'0'], "XINFO GROUPS s",
        "XGROUP SETID s g 7 ENTRIESREAD 2", "XGROUP SETID s g -", "XGROUP SETID s g +",
        "XGROUP SETID s g 5", "XGROUP SETID s g2 $ ENTRIESREAD -1", "XINFO GROUPS s",
        "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c1",
        "XGROUP CREATECONSUMER s g c0", "XGROUP CREATECONSUMER s g c", "XGROUP CREATECONSUMER s g ''",
        "XINFO CONSUMERS s g", "XGROUP DELCONSUMER s g c1", "XGROUP DELCONSUMER s g c1",
        "XINFO CONSUMERS s g", "XINFO STREAM s", "XINFO STREAM s FULL",
        "XGROUP DESTROY s g", "XGROUP DESTROY s g", "XINFO STREAM s", "COPY s t",
        "XINFO GROUPS t", "XGROUP DESTROY t a", "XINFO GROUPS s", "XINFO GROUPS t",
        "XGROUP CREATE nokey g 1 MKSTREAM ENTRIESREAD 4", "XINFO GROUPS nokey",
        "TYPE nokey", "XLEN nokey", "DEL s t nokey", "XINFO GROUPS s"],
    # lag and entries-read as 7.0 computes them: exact, estimated, or null (unknown)
    'stream-xgroup-lag': [
        "XADD s 1-1 a 1", "XADD s 2-1 a 1", "XADD s 3-1 a 1", "XADD s 4-1 a 1",
        "XGROUP CREATE s g0 0", "XGROUP CREATE s g1 1-1", "XGROUP CREATE s g2 2-1",
        "XGROUP CREATE s g3 $", "XGROUP CREATE s g4 9-9", "XGROUP CREATE s g5 0 ENTRIESREAD 1",
        "XGROUP CREATE s g6 2-1 ENTRIESREAD 10", "XGROUP CREATE s a 0-5",
        "XGROUP CREATE s gg 1-0", "XINFO GROUPS s", "XDEL s 1-1", "XINFO GROUPS s",
        "XDEL s 3-1", "XINFO GROUPS s", "XDEL s 4-1", "XINFO GROUPS s", "XSETID s 9-9",
        "XINFO GROUPS s", "XDEL s 2-1", "XINFO GROUPS s", "XADD s 10-0 f v",
        "XINFO GROUPS s", "XTRIM s MAXLEN 0", "XINFO GROUPS s",
        "XGROUP SETID s g5 5 ENTRIESREAD 3", "XGROUP SETID s g6 $ ENTRIESREAD 0",
        "XINFO GROUPS s", "XINFO STREAM s FULL COUNT 1", "XGROUP DESTROY s a",
        "XGROUP DESTROY s g0", "XINFO STREAM s", "XGROUP CREATE e g $ MKSTREAM",
        "XGROUP CREATE e h 0 ENTRIESREAD 5", "XINFO GROUPS e", "XADD e 1 a b",
        "XINFO GROUPS e"],
    # only a stream MKSTREAM creates is a change WATCH sees (redis-server 7.0.15)
    'stream-xgroup-watch': [
        "WATCH w", "XGROUP CREATE w g $ MKSTREAM", "MULTI", "XLEN w", "EXEC",
        "WATCH w", "XGROUP CREATE w g2 0", "XGROUP SETID w g 5", "XGROUP CREATECONSUMER w g c",
        "XGROUP DELCONSUMER w g c", "XGROUP DESTROY w g2", "MULTI", "XLEN w", "EXEC",
        "MULTI", "XGROUP CREATE w g3 0", "XINFO GROUPS w", "EXEC"],
    # a stream is ready at XADD (or when made under the key), not at another write: after
    # an XSETID past the reader's ID an EXPIRE served it with nothing (sim seed 180782113)
    'block-stream-xsetid': [
        "XADD s 1-1 f v", ('block', 2, "XREAD BLOCK 0 STREAMS s $"), ('on', 1, "XSETID s 100-0"),
        ('on', 1, "EXPIRE s 1000"), ('on', 1, "HSET other f v"), ('on', 1, "XADD s 101-0 g w"),
        ('wake', 2), ('dump',),
    ],
}

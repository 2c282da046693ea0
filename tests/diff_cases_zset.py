"""diff_cases_zset.py: directed differential cases for sorted sets.

CASES: name -> steps, as in diff_cases.py (differential.py runs every case under RESP2
and RESP3 and compares the bytes). A sorted set's order is fully specified (score,
then member bytes), so every reply here is compared exactly. Lex ranges are given
equal scores only (Redis leaves mixed scores unspecified for them).

differential.py always runs them (check the cases themselves with
`--against-redis --only cases`). Thresholds: a redis-server started without a config
file has zset-max-listpack-entries 128 and zset-max-listpack-value 64; kv's defaults
must be those. The encoding cases set them small and restore them.
"""

ZSET_ENTRIES, ZSET_VALUE = 128, 64


def _zadd(key, n, prefix='m', score=lambda i: i):
    return 'ZADD %s %s' % (key, ' '.join('%s %s%d' % (score(i), prefix, i) for i in range(n)))


WRONGTYPE_ZSET = [
    "ZADD s 1 m", "ZINCRBY s 1 m", "ZCARD s", "ZSCORE s m", "ZMSCORE s m", "ZREM s m",
    "ZRANGE s 0 -1", "ZRANGE s 0 -1 WITHSCORES", "ZRANGESTORE d s 0 -1", "ZREVRANGE s 0 1",
    "ZRANGEBYSCORE s -inf +inf", "ZREVRANGEBYSCORE s +inf -inf", "ZRANGEBYLEX s - +",
    "ZREVRANGEBYLEX s + -", "ZREMRANGEBYSCORE s 0 1", "ZREMRANGEBYRANK s 0 1",
    "ZREMRANGEBYLEX s - +", "ZRANK s m", "ZREVRANK s m", "ZCOUNT s 0 1", "ZLEXCOUNT s - +",
    "ZPOPMIN s", "ZPOPMAX s 2", "ZPOPMIN s 0", "ZMPOP 1 s MIN", "ZRANDMEMBER s",
    "ZRANDMEMBER s 2", "ZSCAN s 0"]

CASES = {
    'zset-basic': [
        "ZADD z 1 a 2 b 3 c", "ZADD z 4 a", "ZCARD z", "ZCARD nokey", "ZSCORE z a",
        "ZSCORE z nom", "ZSCORE nokey a", "ZMSCORE z a nom c", "ZMSCORE nokey a b",
        "ZRANGE z 0 -1", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE nokey 0 -1", "ZRANK z a",
        "ZREVRANK z a", "ZRANK z nom", "ZRANK nokey a", "ZREM z b nom b", "ZREM nokey a",
        "ZRANGE z 0 -1 WITHSCORES", "TYPE z", "OBJECT ENCODING z", "ZADD z 0 '' 0 ' '",
        "ZRANGE z 0 -1 WITHSCORES", "zadd Z 1 x", "zrange Z 0 -1 withscores"],
    'zset-arity': [
        "ZADD z", "ZADD z 1", "ZADD z NX", "ZINCRBY z 1", "ZINCRBY z LT m", "ZINCRBY z XX 5",
        "ZINCRBY z nx xx", "ZINCRBY z ch m", "ZCARD", "ZSCORE z", "ZMSCORE z",
        "ZREM z", "ZRANGE z 0", "ZRANGESTORE d z 0", "ZREVRANGE z 0", "ZRANGEBYSCORE z 0",
        "ZREVRANGEBYSCORE z 0", "ZRANGEBYLEX z -", "ZREVRANGEBYLEX z +",
        "ZREMRANGEBYSCORE z 0", "ZREMRANGEBYRANK z 0 1 2", "ZREMRANGEBYLEX z -",
        "ZRANK z", "ZREVRANK z a b", "ZCOUNT z 0", "ZLEXCOUNT z -", "ZPOPMIN", "ZPOPMAX",
        "ZPOPMIN z 1 2", "EXISTS z"],
    # %.17g formatting (RESP2 bulks, RESP3 doubles), inf, -0 (a listpack keeps it as
    # "0", a skiplist as -0), parse errors and NaN results.
    'zset-scores': [
        "ZADD z 0.1 a 1e300 b -0 c inf d -inf e 3.0 f 1e-5 g 123456789012345678 h",
        "ZRANGE z 0 -1 WITHSCORES", "ZINCRBY z 0.2 a", "ZSCORE z a", "ZSCORE z c",
        "ZINCRBY z 1 d", "ZINCRBY z -inf d", "ZINCRBY z inf e", "ZINCRBY z -inf e",
        "ZSCORE e e", "ZINCRBY z x a", "ZINCRBY z '' a", "ZINCRBY z ' 1' a", "ZINCRBY z nan a",
        "ZINCRBY z 1e400 a", "ZINCRBY z 1e-400 a", "ZINCRBY z 0x10 a", "ZINCRBY z +5 a",
        "ZINCRBY z 1.5e3 a", "ZADD z '1 ' q", "ZADD z 1a q", "ZADD z NaN q", "ZADD z -nan q",
        "ZADD z Infinity q", "ZADD z -INF r", "ZRANGE z 0 -1 WITHSCORES",
        "CONFIG SET zset-max-listpack-entries 0", "ZADD sk -0 a 0.1 b", "ZSCORE sk a",
        "ZRANGE sk 0 -1 WITHSCORES", "ZADD sk 0 a", "ZSCORE sk a", "ZINCRBY sk 0 a",
        "ZADD sk -0 n", "ZINCRBY sk 1 n", "ZINCRBY sk -1 n", "OBJECT ENCODING sk",
        "CONFIG SET zset-max-listpack-entries %d" % ZSET_ENTRIES],
    'zset-zadd-flags': [
        "ZADD z XX 1 a", "EXISTS z", "ZADD z XX INCR 1 a", "EXISTS z", "ZADD z NX 1 a",
        "ZADD z NX 2 a 3 b", "ZRANGE z 0 -1 WITHSCORES", "ZADD z XX 5 a 6 c",
        "ZRANGE z 0 -1 WITHSCORES", "ZADD z CH 5 a 7 b 1 d", "ZADD z GT CH 1 a 9 b 2 e",
        "ZADD z LT CH 1 a 9 b 0 f", "ZRANGE z 0 -1 WITHSCORES", "ZADD z GT XX CH 100 a 1 zz",
        "ZADD z INCR 2 a", "ZADD z INCR NX 2 a", "ZADD z INCR NX 2 new",
        "ZADD z INCR XX 1 nope", "ZADD z INCR GT -1 a", "ZADD z INCR LT -1 a",
        "ZADD z INCR GT 0 a", "ZADD z NX XX 1 a", "ZADD z NX GT 1 a", "ZADD z NX LT 1 a",
        "ZADD z GT LT 1 a", "ZADD z INCR 1 a 2 b", "ZADD z 1 a 2", "ZADD z nx xx ch 1 a",
        "ZADD z CH CH 3 a", "ZADD z 1 a x b", "ZADD z x a 1 b", "ZADD z INCR 1",
        "ZADD z gt 1", "ZADD z 1 a 1 a 2 a", "ZSCORE z a", "ZADD z GT 5 dup 3 dup",
        "ZSCORE z dup", "ZADD z CH 3 dup 3 dup", "ZRANGE z 0 -1 WITHSCORES"],
    'zset-range-rank': [
        "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGE z 0 0", "ZRANGE z -1 -1", "ZRANGE z -100 100",
        "ZRANGE z 3 1", "ZRANGE z 5 10", "ZRANGE z -2 -1 WITHSCORES", "ZRANGE z 1 -2 REV",
        "ZREVRANGE z 0 1", "ZREVRANGE z 0 1 WITHSCORES", "ZREVRANGE z -1 100",
        "ZREVRANGE z 0 1 REV", "ZREVRANGE z 0 1 LIMIT 0 1", "ZRANGE z 0 1 LIMIT 0 1",
        "ZRANGE z 0 1 LIMIT 1 -1", "ZRANGE z 0 1 LIMIT 5 -1 WITHSCORES",
        "ZRANGE z 0 1 LIMIT 0", "ZRANGE z x 1", "ZRANGE z 0 1.5", "ZRANGE z 0 1 junk",
        "ZRANGE z 0 -1 withscores WITHSCORES", "ZRANGE z 0 -1 REV REV",
        "ZRANGE z 0 -1 BYSCORE BYLEX", "ZRANGE z 0 -1 BYSCORE BYSCORE",
        "ZRANGE z 0 9223372036854775807", "ZRANGE z -9223372036854775808 0"],
    'zset-range-score': [
        "ZADD z 1 a 2 b 2 bb 3 c 4 d inf i -inf j", "ZRANGEBYSCORE z -inf +inf",
        "ZRANGEBYSCORE z (1 3 WITHSCORES", "ZRANGEBYSCORE z (2 (4", "ZRANGEBYSCORE z 2 2",
        "ZRANGEBYSCORE z (2 2", "ZRANGEBYSCORE z 3 1", "ZRANGEBYSCORE z -inf 2 LIMIT 1 2",
        "ZRANGEBYSCORE z -inf +inf LIMIT 0 0", "ZRANGEBYSCORE z -inf +inf LIMIT -1 2",
        "ZRANGEBYSCORE z -inf +inf LIMIT 2 -1", "ZRANGEBYSCORE z -inf +inf LIMIT 100 1",
        "ZRANGEBYSCORE z -inf +inf LIMIT 1", "ZRANGEBYSCORE z -inf +inf LIMIT x 1",
        "ZRANGEBYSCORE z inf inf", "ZRANGEBYSCORE z (inf inf", "ZRANGEBYSCORE z a 1",
        "ZRANGEBYSCORE z 1 (", "ZRANGEBYSCORE z '' 1", "ZRANGEBYSCORE z ( 1",
        "ZRANGEBYSCORE z ' 1' 2", "ZRANGEBYSCORE z 1 nan", "ZRANGEBYSCORE z 1 2 REV",
        "ZRANGEBYSCORE z 1 2 BYLEX", "ZREVRANGEBYSCORE z +inf -inf WITHSCORES",
        "ZREVRANGEBYSCORE z 3 (1", "ZREVRANGEBYSCORE z 1 3", "ZREVRANGEBYSCORE z +inf -inf LIMIT 1 3",
        "ZREVRANGEBYSCORE z (4 -inf LIMIT 2 -1 WITHSCORES", "ZRANGE z 1 3 BYSCORE",
        "ZRANGE z 3 1 BYSCORE REV WITHSCORES", "ZRANGE z (3 -inf BYSCORE REV LIMIT 1 1",
        "ZRANGE z -inf +inf BYSCORE LIMIT 2 2 WITHSCORES", "ZRANGEBYSCORE nokey 0 1",
        "ZCOUNT z -inf +inf", "ZCOUNT z (1 (4", "ZCOUNT z 2 2", "ZCOUNT z 5 1",
        "ZCOUNT z x 1", "ZCOUNT nokey 0 1", "ZCOUNT nokey x 1"],
    'zset-range-lex': [
        "ZADD l 0 a 0 b 0 c 0 d 0 e 0 ee 0 f", "ZRANGEBYLEX l - +", "ZRANGEBYLEX l [b [d",
        "ZRANGEBYLEX l (b (e", "ZRANGEBYLEX l [e +", "ZRANGEBYLEX l - (c",
        "ZRANGEBYLEX l + -", "ZRANGEBYLEX l - -", "ZRANGEBYLEX l [c [c", "ZRANGEBYLEX l (c [c",
        "ZRANGEBYLEX l [d [b", "ZRANGEBYLEX l - + LIMIT 2 3", "ZRANGEBYLEX l - + LIMIT -1 3",
        "ZRANGEBYLEX l - + LIMIT 1 0", "ZRANGEBYLEX l - + LIMIT 10 1", "ZRANGEBYLEX l a c",
        "ZRANGEBYLEX l [a c", "ZRANGEBYLEX l +a +", "ZRANGEBYLEX l -a +", "ZRANGEBYLEX l '' +",
        "ZRANGEBYLEX l [ +", "ZRANGEBYLEX l ( +", "ZRANGEBYLEX l - + WITHSCORES",
        "ZREVRANGEBYLEX l + -", "ZREVRANGEBYLEX l [d (a", "ZREVRANGEBYLEX l (ee - LIMIT 1 2",
        "ZREVRANGEBYLEX l - +", "ZRANGE l [b [e BYLEX", "ZRANGE l [e [b BYLEX REV LIMIT 0 2",
        "ZRANGE l - + BYLEX WITHSCORES", "ZLEXCOUNT l - +", "ZLEXCOUNT l [b (e",
        "ZLEXCOUNT l (e [b", "ZLEXCOUNT l x +", "ZLEXCOUNT nokey - +", "ZLEXCOUNT nokey x y",
        "ZRANGEBYLEX nokey - +"],
    'zset-remrange': [
        "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z -1 -1",
        "ZREMRANGEBYRANK z 5 9", "ZREMRANGEBYRANK z 2 1", "ZRANGE z 0 -1",
        "ZREMRANGEBYRANK z x 1", "ZREMRANGEBYSCORE z (2 3", "ZREMRANGEBYSCORE z x 1",
        "ZRANGE z 0 -1 WITHSCORES", "ZREMRANGEBYSCORE z -inf +inf", "EXISTS z",
        "ZREMRANGEBYSCORE nokey -inf +inf", "ZREMRANGEBYRANK nokey 0 -1",
        "ZADD l 0 a 0 b 0 c 0 d", "ZREMRANGEBYLEX l [b (d", "ZRANGE l 0 -1",
        "ZREMRANGEBYLEX l x +", "ZREMRANGEBYLEX l - +", "EXISTS l",
        "ZREMRANGEBYLEX nokey - +"],
    'zset-pop': [
        "ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 1", "ZPOPMIN z 0",
        "ZPOPMIN z -1", "ZPOPMIN z x", "ZADD z 5 e 6 f", "ZPOPMAX z 2", "ZPOPMIN z 10",
        "EXISTS z", "ZPOPMIN z", "ZPOPMIN z 2", "ZPOPMAX nokey", "ZPOPMIN nokey 0",
        "ZPOPMIN nokey -1", "SET s x", "ZPOPMIN s 0"],
    'zset-rangestore': [
        "ZADD src 1 a 2 b 3 c 4 d", "ZRANGESTORE dst src 0 -1", "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 1 2 REV", "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src (1 3 BYSCORE LIMIT 1 5", "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src [a [c BYLEX", "ZRANGE dst 0 -1", "ZRANGESTORE dst src 5 9",
        "EXISTS dst", "ZRANGESTORE dst nokey 0 -1", "ZRANGESTORE dst src 0 -1 WITHSCORES",
        "ZRANGESTORE src src 1 2", "ZRANGE src 0 -1 WITHSCORES", "SET str x",
        "ZRANGESTORE str src 0 -1", "TYPE str", "ZRANGESTORE dst str 0 -1",
        "EXPIRE src 100", "ZRANGESTORE src src 0 0", "TTL src", "ZRANGE src 0 -1"],
    'zset-mpop-rand-scan': [
        "ZADD z 1 a 2 b 3 c 1e17 big 0.5 half -0 zero 1e300 huge", "ZMPOP 1 z MIN",
        "ZMPOP 2 nokey z MAX COUNT 2", "ZMPOP 2 nokey nokey2 MIN", "ZMPOP 0 z MIN",
        "ZMPOP x z MIN", "ZMPOP -1 z MIN", "ZMPOP 1 z", "ZMPOP 1 z LEFT", "ZMPOP 1 z MIN COUNT 0",
        "ZMPOP 1 z MIN COUNT x", "ZMPOP 1 z MIN COUNT 1 COUNT 1", "ZMPOP 1 z MIN COUNT",
        "ZMPOP 5 z MIN", "SET s x", "ZMPOP 2 s z MIN", "ZMPOP 2 nokey s MIN",
        "ZADD r 1 a 2 b 3 c 1e17 big 0.5 half -0 zero 1e300 huge", "ZSCAN r 0",
        "ZSCAN r 0 MATCH b*", "ZSCAN r 0 COUNT 0", "ZSCAN r 0 COUNT x", "ZSCAN r 0 junk",
        "ZSCAN r x", "ZSCAN r -1", "ZSCAN nokey 0 COUNT x", "ZSCAN nokey x", "ZSCAN s 0",
        "ZRANDMEMBER nokey", "ZRANDMEMBER nokey 5", "ZRANDMEMBER nokey -5 WITHSCORES",
        "ZRANDMEMBER r 10", "ZRANDMEMBER r 7 WITHSCORES", "ZRANDMEMBER r 0",
        "ZRANDMEMBER r 0 WITHSCORES", "ZRANDMEMBER r x", "ZRANDMEMBER r 1 junk",
        "ZRANDMEMBER r x junk", "ZRANDMEMBER r '' JUNK", "ZRANDMEMBER r 1 2 3",
        "ZRANDMEMBER r -9223372036854775808 junk",
        "ZRANDMEMBER r 1 WITHSCORES junk", "ZRANDMEMBER r -9223372036854775808",
        "ZRANDMEMBER r 9223372036854775807 WITHSCORES", "ZRANDMEMBER s 1", "ZRANDMEMBER s",
        "ZADD one 1 a", "ZRANDMEMBER one -3 WITHSCORES", "ZRANDMEMBER one 1",
        "ZRANDMEMBER one", "ZMPOP 1 z min count 100", "EXISTS z",
        "CONFIG SET zset-max-listpack-entries 0", "ZADD sk -0 z 1 a", "ZRANDMEMBER sk 10 WITHSCORES",
        "ZADD sk1 0.1 x", "ZSCAN sk1 0", "CONFIG SET zset-max-listpack-entries %d" % ZSET_ENTRIES],
    'zset-wrongtype': ["SET s x"] + WRONGTYPE_ZSET + ["GET s"],
    'zset-generic': [
        "ZADD z 1 a 2 b", "TYPE z", "COPY z z2", "ZRANGE z2 0 -1 WITHSCORES", "RENAME z2 z3",
        "ZRANGE z3 0 -1", "EXPIRE z3 100", "TTL z3", "PERSIST z3", "DEL z3", "EXISTS z3",
        "SCAN 0 TYPE zset", "OBJECT ENCODING z", "UNLINK z", "EXISTS z", "SET s x",
        "LPUSH l x", "HSET h f v", "SADD st m", "ZADD s 1 m", "ZADD l 1 m", "ZADD h 1 m",
        "ZADD st 1 m", "ZRANGE h 0 -1"],
    # listpack -> skiplist: at and one past each threshold, by count and by member
    # length, through ZADD, ZINCRBY and ZRANGESTORE; never back once shrunk.
    'zset-encoding': [
        "CONFIG GET zset-max-listpack-entries", "CONFIG GET zset-max-listpack-value",
        "CONFIG GET zset-max-ziplist-entries", _zadd('at', ZSET_ENTRIES), "OBJECT ENCODING at",
        "ZCARD at", "ZRANGE at 120 -1 WITHSCORES", _zadd('past', ZSET_ENTRIES + 1),
        "OBJECT ENCODING past", "ZRANGE past 0 3 WITHSCORES", "ZRANK past m100",
        "ZREVRANK past m100", "ZREMRANGEBYRANK past 0 100", "OBJECT ENCODING past",
        "ZRANGE past 0 -1 WITHSCORES", _zadd('grow', ZSET_ENTRIES), "ZADD grow 1 extra",
        "OBJECT ENCODING grow", "ZADD mv 1 %s" % ('m' * ZSET_VALUE), "OBJECT ENCODING mv",
        "ZADD mv1 1 %s" % ('m' * (ZSET_VALUE + 1)), "OBJECT ENCODING mv1",
        "ZADD xx 1 a", "ZADD xx XX 1 %s" % ('m' * (ZSET_VALUE + 1)), "OBJECT ENCODING xx",
        "ZINCRBY inc 1 %s" % ('m' * (ZSET_VALUE + 1)), "OBJECT ENCODING inc",
        "ZRANGESTORE st past 0 -1", "OBJECT ENCODING st",
        "ZRANGESTORE st2 grow 0 %d" % ZSET_ENTRIES, "OBJECT ENCODING st2",
        "ZRANGESTORE st3 grow -inf +inf BYSCORE", "OBJECT ENCODING st3",
        "CONFIG SET zset-max-listpack-entries 2", "CONFIG SET zset-max-listpack-value 4",
        "ZADD t 1 a 2 b", "OBJECT ENCODING t",
        "ZADD t 3 c", "OBJECT ENCODING t", "ZADD u 1 abcd", "OBJECT ENCODING u",
        "ZADD u2 1 abcde", "OBJECT ENCODING u2", "CONFIG SET zset-max-ziplist-entries 0",
        "ZADD v 1 a", "OBJECT ENCODING v", "CONFIG SET zset-max-listpack-entries x",
        "CONFIG SET zset-max-listpack-entries %d" % ZSET_ENTRIES,
        "CONFIG SET zset-max-listpack-value %d" % ZSET_VALUE],
    # the same commands on a skiplist (a rank walk over spans, the member index)
    'zset-skiplist': [
        "CONFIG SET zset-max-listpack-entries 0", _zadd('s', 40, score=lambda i: i % 7),
        "OBJECT ENCODING s", "ZRANGE s 0 -1 WITHSCORES", "ZRANGE s 5 9 REV WITHSCORES",
        "ZRANGEBYSCORE s (2 4 LIMIT 2 3", "ZREVRANGEBYSCORE s 5 (1 LIMIT 1 4 WITHSCORES",
        "ZCOUNT s 2 (5", "ZRANK s m13", "ZREVRANK s m13", "ZSCORE s m13", "ZMSCORE s m1 x m2",
        "ZINCRBY s 10 m0", "ZRANK s m0", "ZREM s m1 m2 m3", "ZREMRANGEBYSCORE s 6 6",
        "ZREMRANGEBYRANK s 0 2", "ZPOPMIN s 2", "ZPOPMAX s 2", "ZCARD s",
        "ZRANGE s 0 -1 WITHSCORES", _zadd('sl', 30, score=lambda i: 0),
        "ZRANGEBYLEX sl [m1 (m2", "ZREVRANGEBYLEX sl (m2 [m1 LIMIT 1 3", "ZLEXCOUNT sl (m1 +",
        "ZREMRANGEBYLEX sl - (m15", "ZRANGE sl 0 -1", "ZRANGESTORE sd sl 0 -1",
        "OBJECT ENCODING sd", "CONFIG SET zset-max-listpack-entries %d" % ZSET_ENTRIES],
    # ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms: weights, aggregates, sets as
    # inputs (score 1; an intset and a hashtable set), missing and repeated keys.
    'zset-algebra': [
        "ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "SADD s y w v", "SADD i 1 2 3",
        "ZADD n 5 1 6 2 7 9", "ZUNION 2 a b", "ZUNION 2 a b WITHSCORES",
        "ZUNION 3 a b s WITHSCORES", "ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES",
        "ZUNION 2 a b AGGREGATE MIN WITHSCORES", "ZUNION 2 a b AGGREGATE max WITHSCORES",
        "ZUNION 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES", "ZINTER 2 a b",
        "ZINTER 2 a b WITHSCORES", "ZINTER 3 a b s WITHSCORES", "ZINTER 2 b s WITHSCORES",
        "ZINTER 2 a b WEIGHTS 3 2 AGGREGATE MAX WITHSCORES", "ZINTER 1 a WEIGHTS -1 WITHSCORES",
        "ZDIFF 2 b a WITHSCORES", "ZDIFF 2 b s", "ZDIFF 1 b WITHSCORES", "ZDIFF 2 s a WITHSCORES",
        "ZDIFF 2 a a", "ZDIFF 2 nokey a", "ZUNION 2 nokey a WITHSCORES", "ZINTER 2 a nokey",
        "ZUNION 2 a a WITHSCORES", "ZINTER 2 a a WITHSCORES", "ZUNION 2 i n WITHSCORES",
        "ZINTER 2 i n WITHSCORES", "ZDIFF 2 i n WITHSCORES", "ZUNION 3 i s a",
        "ZINTERCARD 2 a b", "ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 2 a b LIMIT 0",
        "ZINTERCARD 1 a LIMIT 5", "ZINTERCARD 2 a nokey", "ZINTERCARD 2 i n",
        "ZUNIONSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d",
        "ZINTERSTORE d 2 a b WEIGHTS 1 2", "ZRANGE d 0 -1 WITHSCORES", "ZDIFFSTORE d 2 b a",
        "ZRANGE d 0 -1 WITHSCORES", "ZUNIONSTORE d 2 s i", "ZRANGE d 0 -1 WITHSCORES",
        "zunion 2 a b weights 1 1 aggregate sum withscores", "ZUNION 2 a b WITHSCORES WITHSCORES",
        "ZUNION 2 a b WEIGHTS 1 2 WEIGHTS 3 4 WITHSCORES",
        "ZUNION 2 a b AGGREGATE MIN AGGREGATE MAX WITHSCORES"],
    # numkeys, WRONGTYPE and option errors, in Redis's order.
    'zset-algebra-errors': [
        "ZADD a 1 x", "SET str v", "RPUSH l v", "HSET h f v", "ZUNION", "ZUNION 1",
        "ZUNIONSTORE d 1", "ZINTERCARD 1", "ZUNION 0 a", "ZUNION -1 a", "ZUNION x a",
        "ZUNION 1.5 a", "ZUNION 3 a b", "ZUNION 99999999999999999999 a",
        "ZUNIONSTORE d 0 a", "ZINTERSTORE d 0 a", "ZDIFFSTORE d -2 a", "ZINTER 0 a",
        "ZDIFF 0 a", "ZINTERCARD 0 a", "ZINTERCARD -1 a", "ZINTERCARD 2 a",
        "ZUNIONSTORE d 2 a", "ZUNION 2 a str", "ZUNION 2 str nokey", "ZINTER 2 a l",
        "ZDIFF 2 a h", "ZINTERCARD 2 a str", "ZUNIONSTORE d 2 a str", "EXISTS d",
        "ZUNION 2 a str WEIGHTS x", "ZUNION 2 a str BADOPT", "ZUNION 1 a WEIGHTS x",
        "ZUNION 1 a WEIGHTS nan", "ZUNION 1 a WEIGHTS ' 1'", "ZUNION 1 a WEIGHTS inf WITHSCORES",
        "ZUNION 2 a a WEIGHTS 1", "ZUNION 1 a WEIGHTS", "ZUNION 1 a AGGREGATE",
        "ZUNION 1 a AGGREGATE avg", "ZUNION 1 a WITHSCORES junk", "ZUNIONSTORE d 1 a WITHSCORES",
        "ZDIFF 1 a WEIGHTS 1", "ZDIFF 1 a AGGREGATE SUM", "ZDIFFSTORE d 1 a AGGREGATE SUM",
        "ZINTERCARD 1 a WEIGHTS 1", "ZINTERCARD 1 a WITHSCORES", "ZINTERCARD 1 a LIMIT -1",
        "ZINTERCARD 1 a LIMIT x", "ZINTERCARD 1 a LIMIT", "ZINTERCARD 1 a LIMIT 1 LIMIT 2",
        "ZUNION 1 a LIMIT 1", "ZINTERCARD 1 nokey LIMIT x", "ZINTER 1 str LIMIT x",
        "ZUNION 1 a WEIGHTS 1e400", "ZUNION 1 a WEIGHTS 0x10 WITHSCORES", "GET str"],
    # inf + -inf is 0 in a SUM; a weighted NaN (inf * 0) is 0; MIN/MAX keep the score
    # they have against NaN; -0 as a skiplist and as a listpack keep it.
    'zset-algebra-nan': [
        "ZADD p inf a -inf b 1 c 0 d", "ZADD q -inf a inf b 2 c -0 d",
        "ZUNION 2 p q WITHSCORES", "ZINTER 2 p q WITHSCORES",
        "ZUNION 2 p q WEIGHTS 0 1 WITHSCORES", "ZINTER 2 p q WEIGHTS 1 0 WITHSCORES",
        "ZINTER 2 p q WEIGHTS 0 0 WITHSCORES", "ZINTER 2 p q WEIGHTS 1 0 AGGREGATE MIN WITHSCORES",
        "ZINTER 2 p q WEIGHTS 1 0 AGGREGATE MAX WITHSCORES",
        "ZUNION 2 p q WEIGHTS 0 0 AGGREGATE MAX WITHSCORES", "ZUNION 1 p WEIGHTS -1 WITHSCORES",
        "ZINTER 1 q WEIGHTS -1 WITHSCORES", "ZUNIONSTORE lp 1 q WEIGHTS -1", "ZSCORE lp d",
        "ZRANGE lp 0 -1 WITHSCORES", "CONFIG SET zset-max-listpack-entries 0",
        "ZUNIONSTORE sk 1 q WEIGHTS -1", "ZSCORE sk d", "ZRANGE sk 0 -1 WITHSCORES",
        "OBJECT ENCODING sk", "ZUNION 2 p q WEIGHTS 1e308 1e308 WITHSCORES",
        "ZUNION 2 p q WEIGHTS 0.1 0.2 WITHSCORES", "ZADD r 0.1 a 0.2 b 0.3 c",
        "ZADD t 0.7 a", "ZADD u 0.4 a 9 b", "ZUNION 3 r t u WITHSCORES",
        "ZUNION 3 u t r WITHSCORES", "ZINTER 3 u r t WITHSCORES",
        "CONFIG SET zset-max-listpack-entries %d" % ZSET_ENTRIES],
    # the STORE forms: onto one of their sources, over another type, an empty result
    # deleting the destination, the result's encoding at and past the thresholds.
    'zset-algebra-store': [
        "ZADD a 1 x 2 y", "ZADD b 3 y 4 z", "ZUNIONSTORE a 2 a b", "ZRANGE a 0 -1 WITHSCORES",
        "ZINTERSTORE b 2 a b", "ZRANGE b 0 -1 WITHSCORES", "ZDIFFSTORE a 2 a b",
        "ZRANGE a 0 -1 WITHSCORES", "SET str v", "ZUNIONSTORE str 1 a", "TYPE str",
        "ZRANGE str 0 -1", "ZINTERSTORE str 2 a nokey", "EXISTS str", "ZDIFFSTORE a 2 a a",
        "EXISTS a", "ZUNIONSTORE nokey2 1 nokey", "EXISTS nokey2", "EXPIRE b 100",
        "ZUNIONSTORE b 1 b", "TTL b", "SADD s1 a b c", "ZUNIONSTORE fromset 1 s1",
        "ZRANGE fromset 0 -1 WITHSCORES", "OBJECT ENCODING fromset",
        _zadd('big', ZSET_ENTRIES), "ZUNIONSTORE e1 1 big", "OBJECT ENCODING e1",
        "ZADD big2 1 extra", "ZUNIONSTORE e2 2 big big2", "OBJECT ENCODING e2", "ZCARD e2",
        "ZADD long 1 %s" % ('m' * ZSET_VALUE), "ZUNIONSTORE e3 1 long", "OBJECT ENCODING e3",
        "ZADD long1 1 %s" % ('m' * (ZSET_VALUE + 1)), "ZUNIONSTORE e4 1 long1",
        "OBJECT ENCODING e4", "ZDIFFSTORE e5 2 long1 long1", "EXISTS e5",
        "ZINTERSTORE e6 2 big e2 WEIGHTS 2 1", "OBJECT ENCODING e6",
        "ZRANGE e6 0 4 WITHSCORES", "CONFIG SET zset-max-listpack-entries 0",
        "ZUNIONSTORE e7 1 a", "OBJECT ENCODING e7",
        "CONFIG SET zset-max-listpack-entries %d" % ZSET_ENTRIES],
    # results larger than one sorting window (kv sorts in passes) and skiplist inputs.
    'zset-algebra-big': [
        _zadd('b1', 900, score=lambda i: i % 13), _zadd('b2', 900, prefix='n',
                                                          score=lambda i: (i * 7) % 11),
        _zadd('b3', 600, score=lambda i: -(i % 5)), "SADD bs " + ' '.join(
            'm%d' % i for i in range(0, 900, 3)),
        "ZUNION 3 b1 b2 b3 WITHSCORES", "ZINTER 2 b1 b3 WITHSCORES", "ZDIFF 2 b1 b3 WITHSCORES",
        "ZUNION 2 bs b2 WITHSCORES", "ZDIFF 2 bs b1", "ZINTERCARD 3 b1 b3 bs",
        "ZUNIONSTORE bd 3 b1 b2 b3", "ZRANGE bd 0 -1 WITHSCORES", "OBJECT ENCODING bd",
        "ZINTERSTORE bi 2 b3 bs AGGREGATE MAX", "ZRANGE bi 0 -1 WITHSCORES"],
    # ZSCAN of a skiplist in pages (kv's cursors are its own): whole iterations compared
    # as sets of (member, score), with COUNT and MATCH; a skiplist's scores as %.17Lg.
    'zset-scan-paging': [
        _zadd('zs', 300, score=lambda i: i % 11), "ZADD zs -0 zero inf top 1e17 big 0.1 tenth",
        "OBJECT ENCODING zs", ('zscan', 'zs'), ('zscan', 'zs COUNT 1'), ('zscan', 'zs COUNT 7'),
        ('zscan', 'zs COUNT 1000'), ('zscan', 'zs MATCH m1*'), ('zscan', 'zs MATCH m1* COUNT 3'),
        ('zscan', 'zs MATCH nothing'), "ZREM zs m1 m2 m3", ('zscan', 'zs'),
        _zadd('zl', 20), ('zscan', 'zl COUNT 1'), "ZSCAN zl 0 COUNT 1", "ZSCAN zs x",
        "ZSCAN zs 0 COUNT 0"],
    # BZPOPMIN BZPOPMAX BZMPOP: errors in Redis's order, data as ZPOPMIN/ZMPOP
    'block-zset-errors': [
        "BZPOPMIN", "BZPOPMIN a", "BZPOPMIN a -1", "BZPOPMIN a abc", "BZPOPMAX a 1e400",
        "BZPOPMAX a inf", "BZPOPMIN a nan", "BZPOPMIN a -0.5", "BZPOPMAX a b c -1",
        "SET s v", "BZPOPMIN s 0", "BZPOPMAX nokey s 0", "BZPOPMIN s -1",
        "BZMPOP 0 1 a FOO", "BZMPOP -1 1 a MIN", "BZMPOP abc 1 a MIN", "BZMPOP abc 1 a FOO",
        "BZMPOP 0 0 a MIN", "BZMPOP 0 -1 a MIN", "BZMPOP 0 x a MIN", "BZMPOP 0 2 a MIN",
        "BZMPOP 0 1 a MIN COUNT 0", "BZMPOP -1 1 a MIN COUNT 0", "BZMPOP 0 1 a MIN COUNT",
        "BZMPOP 0 1 a MAX COUNT 1 COUNT 1", "BZMPOP 0 1 s MIN", "BZMPOP 0 1", "BZMPOP 0 1 a LEFT",
        "BZMPOP 0 1 a min count -2", ('dump',),
    ],
    'block-zset-data': [
        "ZADD z 1 a 2 b 3 c 4 d 5.5 e", "BZPOPMIN z 0", "BZPOPMAX z 0", "BZPOPMIN nokey z 0",
        "BZPOPMAX nokey z 1", "BZMPOP 0 2 nokey z MAX COUNT 2", "BZMPOP 0.5 1 z MIN COUNT 10",
        "ZADD z 1e300 big -inf low", "BZPOPMIN z z 0", "BZPOPMAX z 0", "EXISTS z",
        "ZADD z2 0.1 x", "BZMPOP 0 1 z2 min", ('dump',),
    ],
    'block-zset-multi': [
        "MULTI", "BZPOPMIN a 0", "BZPOPMAX a b 0", "BZMPOP 0 1 a MIN", "EXEC", "ZADD a 1 x",
        "MULTI", "BZPOPMIN a 0", "BZPOPMIN a 0", "EXEC", "MULTI", "BZPOPMAX a -1", "EXEC",
        ('dump',),
    ],
    'block-zset-serve': [
        ('block', 2, "BZPOPMIN a 0"), ('on', 1, "ZADD a 2 x 1 y"), ('wake', 2),
        "ZRANGE a 0 -1 WITHSCORES",
        ('block', 2, "BZPOPMAX c b 0"), ('on', 1, "ZADD b 1 p 2 q 3 r"), ('wake', 2),
        ('block', 2, "BZMPOP 0 2 m1 m2 MAX COUNT 5"), ('on', 1, "ZADD m2 1 u 2 v 3 w"),
        ('wake', 2), ('block', 2, "BZPOPMIN i 0"), ('on', 1, "ZINCRBY i 2.5 n"), ('wake', 2),
        ('on', 1, "ZADD src 7 s"), ('block', 2, "BZPOPMIN dst 0"),
        ('on', 1, "ZRANGESTORE dst src 0 -1"), ('wake', 2),
        ('on', 1, "ZADD src 8 t"), ('block', 2, "BZPOPMIN dst2 0"),
        ('on', 1, "RENAME src dst2"), ('wake', 2),
        ('on', 1, "ZADD src 9 u"), ('block', 2, "BZPOPMAX dst3 0"),
        ('on', 1, "COPY src dst3"), ('wake', 2), ('on', 2, "PING"), ('dump',),
    ],
    'block-zset-fifo': [
        ('block', 2, "BZPOPMIN a 0"), ('block', 3, "BZPOPMAX a 0"), ('block', 4, "BZPOPMIN a 0"),
        ('on', 1, "ZADD a 1 x 2 y"), ('wake', 2), ('wake', 3), ('on', 1, "ZADD a 3 z"),
        ('wake', 4),
        # one command readies several keys: in the order they became sorted sets
        ('block', 2, "BZPOPMIN k1 0"), ('block', 3, "BZPOPMIN k2 0"),
        ('block', 4, "BZPOPMIN k1 k2 0"), ('on', 1, "MULTI"), ('on', 1, "ZADD k2 1 a"),
        ('on', 1, "ZADD k1 1 b 2 c"), ('on', 1, "EXEC"), ('wake', 3), ('wake', 2),
        ('wake', 4), ('dump',),
    ],
    'block-zset-types': [
        # a list does not serve a sorted-set waiter, nor a sorted set a list waiter: each
        # keeps waiting for its own type (Redis 7.0: no WRONGTYPE while blocked)
        ('block', 2, "BZPOPMIN w 0"), ('block', 3, "BLPOP w 0"), ('on', 1, "RPUSH w l1"),
        ('wake', 3), ('on', 1, "ZADD w 1 z1"), ('wake', 2),
        ('block', 2, "BLPOP v 0"), ('block', 3, "BZPOPMAX v 0"), ('block', 4, "BLPOP v 0"),
        ('on', 1, "ZADD v 1 a"), ('wake', 3), ('on', 1, "RPUSH v x y"), ('wake', 2),
        ('wake', 4),
        ('block', 2, "BZPOPMIN t 0"), ('on', 1, "SET t str"), ('on', 1, "DEL t"),
        ('on', 1, "MULTI"), ('on', 1, "ZADD t 1 a"), ('on', 1, "ZPOPMIN t"), ('on', 1, "EXEC"),
        ('on', 1, "ZADD t 5 ok"), ('wake', 2), ('dump',),
    ],
    'block-zset-timeout': [
        ('block', 2, "BZPOPMIN a 0.3"), ('wake', 2), ('block', 2, "BZMPOP 0.3 1 a MIN"),
        ('wake', 2), ('block', 2, "BZPOPMAX a b 0.2"), ('wake', 2), ('on', 2, "ZADD a 1 x"),
        ('dump',),
    ],
    'block-zset-unblock': [
        ('block', 2, "BZPOPMIN a 0"), ('unblock', 2), ('wake', 2),
        ('block', 2, "BZPOPMAX a 0"), ('unblock', 2, "ERROR"), ('wake', 2),
        ('block', 2, "BZMPOP 0 1 a MIN"), ('unblock', 2, "TIMEOUT"), ('wake', 2),
        ('on', 2, "ZADD a 1 x"), ('dump',),
    ],
}

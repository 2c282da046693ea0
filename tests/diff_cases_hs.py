"""diff_cases_hs.py: directed differential cases for hashes and sets (issue 21).

CASES: name -> steps, as in diff_cases.py, plus two step kinds for replies whose order
Redis leaves unspecified (a hashtable's, SINTER's): ('sorted', cmd) compares the
top-level elements as a multiset, ('pairs', cmd) the (field, value) pairs of an
HGETALL or HRANDFIELD WITHVALUES as a multiset, ('count', cmd) only the type and length
of an aggregate (SPOP's random members). Everything else is byte for byte: a
listpack hash answers in insertion order, an intset ascending, so those replies are
exact. Random replies appear only where their result is certain (a count at least
the size, a one-member set, a negative count on a one-field hash).

differential.py always runs them (check the cases themselves with
`--against-redis --only cases`). Thresholds: a redis-server
started without a config file (as differential.py starts it) has hash-max-listpack-entries
512 (redis.conf says 128), hash-max-listpack-value 64, set-max-intset-entries 512; kv's
defaults must be those. hash-encoding sets entries to 128 and back; the config cases
set them small and restore them.
"""

HASH_ENTRIES, HASH_VALUE, INTSET_ENTRIES = 128, 64, 512


def _hset(key, n, prefix='f'):
    return 'HSET %s %s' % (key, ' '.join('%s%d v%d' % (prefix, i, i) for i in range(n)))


def _sadd(key, members):
    return 'SADD %s %s' % (key, ' '.join(str(m) for m in members))


WRONGTYPE_HASH = [
    "HSET s f v", "HSETNX s f v", "HGET s f", "HMGET s f", "HMSET s f v", "HDEL s f",
    "HLEN s", "HSTRLEN s f", "HEXISTS s f", "HKEYS s", "HVALS s", "HGETALL s",
    "HINCRBY s f 1", "HINCRBYFLOAT s f 1", "HRANDFIELD s", "HRANDFIELD s 2",
    "HRANDFIELD s -2 WITHVALUES", "HSCAN s 0"]
WRONGTYPE_SET = [
    "SADD h m", "SREM h m", "SMEMBERS h", "SISMEMBER h m", "SMISMEMBER h m", "SCARD h",
    "SPOP h", "SPOP h 2", "SRANDMEMBER h", "SRANDMEMBER h 2", "SMOVE h s2 m",
    "SMOVE s2 h m", "SINTER h", "SINTER s2 h", "SINTER nokey h", "SINTERCARD 1 h",
    "SINTERSTORE d h", "SUNION h", "SUNIONSTORE d h", "SDIFF h", "SDIFF s2 h",
    "SDIFFSTORE d h", "SSCAN h 0"]

CASES = {
    'hash-basic': [
        "HSET h f1 v1 f2 v2", "HSET h f1 x f3 v3", "HGET h f1", "HGET h nof", "HGET nokey f",
        "HMGET h f1 nof f3", "HMGET nokey a b", "HLEN h", "HLEN nokey", "HSTRLEN h f1",
        "HSTRLEN h nof", "HSTRLEN nokey f", "HEXISTS h f2", "HEXISTS h nof", "HKEYS h",
        "HVALS h", "HGETALL h", "HKEYS nokey", "HVALS nokey", "HGETALL nokey",
        "HSETNX h f1 y", "HSETNX h f4 y", "HSETNX new f v", "HGETALL h", "HMSET h a 1 b 2",
        "HGETALL h", "HDEL h f1 nof f1", "HDEL nokey f", "HGETALL h", "TYPE h",
        "OBJECT ENCODING h", "HSET h '' ''", "HGET h ''", "hset H F V", "hgetall H"],
    'hash-arity': [
        "HSET h", "HSET h f", "HSET h f v g", "HMSET h f", "HMSET h f v g", "HSETNX h f",
        "HGET h", "HMGET h", "HDEL h", "HLEN", "HSTRLEN h", "HEXISTS h", "HKEYS",
        "HVALS h x", "HGETALL", "HINCRBY h f", "HINCRBYFLOAT h f", "HRANDFIELD",
        "HSCAN h", "EXISTS h"],
    'hash-empty-deletes': [
        "HSET h a 1", "HDEL h a", "EXISTS h", "TYPE h", "HSET h a 1 b 2", "HDEL h a b c",
        "EXISTS h", "HLEN h", "HGETALL h"],
    'hash-incrby': [
        "HINCRBY h n 5", "HINCRBY h n -7", "HGET h n", "HINCRBY h n x", "HINCRBY h n 1.5",
        "HINCRBY h n ''", "HSET h s abc", "HINCRBY h s 1", "HSET h big 9223372036854775807",
        "HINCRBY h big 1", "HINCRBY h big 0", "HSET h small -9223372036854775808",
        "HINCRBY h small -1", "HINCRBY h n 9223372036854775808", "HSET h sp ' 1'",
        "HINCRBY h sp 1", "HSET h lead 01", "HINCRBY h lead 1", "HSET h neg0 -0",
        "HINCRBY h neg0 1", "HGETALL h", "HINCRBY newkey f 3", "HGETALL newkey"],
    'hash-incrbyfloat': [
        "HINCRBYFLOAT h f 10.5", "HINCRBYFLOAT h f 0.1", "HINCRBYFLOAT h f -5",
        "HINCRBYFLOAT h f 3.0e3", "HINCRBYFLOAT h f 1e-17", "HGET h f",
        "HINCRBYFLOAT h g 0.1", "HINCRBYFLOAT h g 0.2", "HINCRBYFLOAT h i 5.0e3",
        "HINCRBYFLOAT h j 0x10", "HINCRBYFLOAT h k 1.23456789012345678",
        "HINCRBYFLOAT h k 1e300", "HINCRBYFLOAT h f inf", "HINCRBYFLOAT h f -inf",
        "HINCRBYFLOAT h f nan", "HINCRBYFLOAT h f abc", "HINCRBYFLOAT h f ''",
        "HINCRBYFLOAT h f ' 1'", "HINCRBYFLOAT h f 1e4933", "HSET h s abc",
        "HINCRBYFLOAT h s 1", "HSET h int 17", "HINCRBYFLOAT h int 0.5",
        "HINCRBYFLOAT h huge 1e4932", "HINCRBYFLOAT h huge 1e4932",
        "HINCRBYFLOAT h neg -1e4932", "HINCRBYFLOAT h neg -1e4932", "HSET h e 1e400",
        "HINCRBYFLOAT h e 1", "HINCRBYFLOAT h z 0", "HINCRBYFLOAT h z -0.0",
        "HINCRBYFLOAT h m 1.5e-4940", ('pairs', "HGETALL h"), "HINCRBYFLOAT nokey f inf",
        "EXISTS nokey"],
    'hash-randfield': [
        "HRANDFIELD nokey", "HRANDFIELD nokey 3", "HRANDFIELD nokey -3 WITHVALUES",
        "HSET one f v", "HRANDFIELD one", "HRANDFIELD one 1", "HRANDFIELD one -3",
        "HRANDFIELD one -3 WITHVALUES", "HRANDFIELD one 0", "HRANDFIELD one 0 WITHVALUES",
        "HSET h a 1 b 2 c 3", "HRANDFIELD h 3", "HRANDFIELD h 5 WITHVALUES",
        "HRANDFIELD h 9223372036854775807", "HRANDFIELD h x", "HRANDFIELD h 1 junk",
        "HRANDFIELD h 1 WITHVALUES x", "HRANDFIELD h 9223372036854775807 WITHVALUES",
        "HRANDFIELD h -4611686018427387904 WITHVALUES",
        "HRANDFIELD h -9223372036854775808", "HRANDFIELD h 1.5", "hrandfield h 3 withvalues"],
    'hash-scan': [
        "HSCAN nokey 0", "HSCAN nokey x", "HSET h f1 1 f2 2 g 3", "HSCAN h 0",
        "HSCAN h 0 MATCH f*", "HSCAN h 0 MATCH nothing", "HSCAN h 0 COUNT 1",
        "HSCAN h 7 COUNT 1", "HSCAN h -1", "HSCAN h +1", "HSCAN h 18446744073709551615",
        "HSCAN h 18446744073709551616", "HSCAN h x", "HSCAN h ''", "HSCAN h 0 COUNT 0",
        "HSCAN h 0 COUNT x", "HSCAN h 0 COUNT", "HSCAN h 0 MATCH", "HSCAN h 0 TYPE string",
        "HSCAN h 0 junk 1", "SET str x", "HSCAN str 0", "HSCAN str x"],
    # listpack -> hashtable: at and one past each threshold (entries, field and value
    # length, HSETNX's and HINCRBY*'s own checks), and never back once shrunk.
    'hash-encoding': [
        "CONFIG SET hash-max-listpack-entries %d" % HASH_ENTRIES,
        "CONFIG GET hash-max-listpack-entries", "CONFIG GET hash-max-listpack-value",
        _hset('at', HASH_ENTRIES), "OBJECT ENCODING at", "HLEN at", "HGETALL at",
        _hset('past', HASH_ENTRIES + 1), "OBJECT ENCODING past", "HLEN past",
        ('pairs', "HGETALL past"), ('sorted', "HKEYS past"), ('sorted', "HVALS past"),
        "HDEL past f0 f1 f2 f3", "OBJECT ENCODING past", "HLEN past",
        _hset('grow', HASH_ENTRIES), "HSET grow extra 1", "OBJECT ENCODING grow",
        "HSET fv %s v" % ('f' * HASH_VALUE), "OBJECT ENCODING fv",
        "HSET fv1 %s v" % ('f' * (HASH_VALUE + 1)), "OBJECT ENCODING fv1",
        "HSET vv f %s" % ('v' * HASH_VALUE), "OBJECT ENCODING vv",
        "HSET vv1 f %s" % ('v' * (HASH_VALUE + 1)), "OBJECT ENCODING vv1",
        "HSET upd f 1", "HSET upd f %s" % ('v' * (HASH_VALUE + 1)), "OBJECT ENCODING upd",
        "HSET upd f 1", "OBJECT ENCODING upd",
        "HSETNX nx f %s" % ('v' * (HASH_VALUE + 1)), "OBJECT ENCODING nx",
        "HSET nx2 f 1", "HSETNX nx2 f %s" % ('v' * (HASH_VALUE + 1)), "OBJECT ENCODING nx2",
        "HSET inc f 1", "HINCRBY inc %s 1" % ('g' * (HASH_VALUE + 1)), "OBJECT ENCODING inc",
        "HSET incf f 1", "HINCRBYFLOAT incf f 0.%s1" % ('0' * HASH_VALUE),
        "OBJECT ENCODING incf", "HSET dup a 1 a 2 a 3", "OBJECT ENCODING dup",
        "CONFIG SET hash-max-listpack-entries 512"],
    'hash-config-thresholds': [
        "CONFIG SET hash-max-listpack-entries 2", "CONFIG SET hash-max-listpack-value 4",
        "CONFIG GET hash-max-listpack-entries", "CONFIG GET hash-max-listpack-value",
        "HSET a f1 1 f2 2", "OBJECT ENCODING a",
        "HSET a f3 3", "OBJECT ENCODING a", "HSET b f1 1 f1 2 f1 3", "OBJECT ENCODING b",
        "HSET c f 1234", "OBJECT ENCODING c", "HSET d f 12345", "OBJECT ENCODING d",
        "CONFIG SET hash-max-listpack-entries 0", "HSET z f v", "OBJECT ENCODING z",
        "CONFIG SET hash-max-listpack-entries 512", "CONFIG SET hash-max-listpack-value 64",
        "CONFIG SET hash-max-ziplist-entries 3", "CONFIG GET hash-max-listpack-entries",
        "CONFIG SET hash-max-ziplist-entries 512", "CONFIG GET hash-max-ziplist-entries"],
    'set-basic': [
        "SADD s a b c", "SADD s a d", "SCARD s", "SCARD nokey", "SISMEMBER s a",
        "SISMEMBER s z", "SISMEMBER nokey a", "SMISMEMBER s a z b", "SMISMEMBER nokey a",
        ('sorted', "SMEMBERS s"), "SMEMBERS nokey", "SREM s a z a", "SREM nokey a",
        ('sorted', "SMEMBERS s"), "TYPE s", "OBJECT ENCODING s", "SADD s ''",
        "SISMEMBER s ''", "SADD i 3 1 2 -5 100", "SMEMBERS i", "OBJECT ENCODING i",
        "SADD i 2 -9223372036854775808 9223372036854775807", "SMEMBERS i",
        "sadd S x", "smembers S"],
    'set-arity': [
        "SADD s", "SREM s", "SMEMBERS", "SISMEMBER s", "SMISMEMBER s", "SCARD", "SPOP",
        "SRANDMEMBER", "SMOVE a b", "SINTER", "SINTERCARD", "SINTERCARD 1",
        "SINTERSTORE d", "SUNION", "SUNIONSTORE d", "SDIFF", "SDIFFSTORE d", "SSCAN s"],
    'set-empty-deletes': [
        "SADD s a", "SREM s a", "EXISTS s", "SADD s a b", ('sorted', "SPOP s 2"), "EXISTS s",
        "SADD s a", "SPOP s", "EXISTS s", "SADD s a", "SMOVE s t a", "EXISTS s",
        "SMEMBERS t", "SINTERSTORE t nokey", "EXISTS t", "SADD t x", "SDIFFSTORE t t",
        "EXISTS t", "SADD t x", "SUNIONSTORE t nokey", "EXISTS t"],
    # intset -> hashtable: one past set-max-intset-entries, on a non-integer member and
    # on integers only in string2ll's strict form.
    'set-encoding': [
        "CONFIG GET set-max-intset-entries", _sadd('at', range(INTSET_ENTRIES)),
        "OBJECT ENCODING at", "SCARD at",
        "SMEMBERS at", _sadd('past', range(INTSET_ENTRIES + 1)), "OBJECT ENCODING past",
        "SCARD past", ('sorted', "SMEMBERS past"), "SREM past 0 1 2", "OBJECT ENCODING past",
        _sadd('grow', range(INTSET_ENTRIES)), "SADD grow 99999", "OBJECT ENCODING grow",
        "SADD w 1 2 3", "SADD w x", "OBJECT ENCODING w", "SREM w x", "OBJECT ENCODING w",
        "SADD z 007", "OBJECT ENCODING z", "SADD n -0", "OBJECT ENCODING n",
        "SADD p +1", "OBJECT ENCODING p", "SADD sp ' 1'", "OBJECT ENCODING sp",
        "SADD big 9223372036854775808", "OBJECT ENCODING big",
        "SADD min -9223372036854775808", "OBJECT ENCODING min", "SADD f 1.0",
        "OBJECT ENCODING f", "SADD d 5 5 5 1", "SMEMBERS d", "OBJECT ENCODING d"],
    'set-config-thresholds': [
        "CONFIG SET set-max-intset-entries 2", "CONFIG GET set-max-intset-entries",
        "SADD a 1 2", "OBJECT ENCODING a", "SADD a 3", "OBJECT ENCODING a",
        "SADD b 1 2 2 2", "OBJECT ENCODING b", "CONFIG SET set-max-intset-entries 0",
        "SADD c 1", "OBJECT ENCODING c", "CONFIG SET set-max-intset-entries 512"],
    'set-pop-rand': [
        "SPOP nokey", "SPOP nokey 3", "SRANDMEMBER nokey", "SRANDMEMBER nokey 3",
        "SRANDMEMBER nokey -3", "SADD one x", "SRANDMEMBER one", "SRANDMEMBER one 1",
        "SRANDMEMBER one -3", "SRANDMEMBER one 0", "SPOP one 0", "SADD i 3 1 2",
        "SRANDMEMBER i 3", "SRANDMEMBER i 10", "SRANDMEMBER i 9223372036854775807",
        "SPOP i 5", "EXISTS i", "SADD i 3 1 2", "SPOP i 3", "SADD w a b c",
        ('sorted', "SRANDMEMBER w 3"), ('sorted', "SPOP w 3"), "EXISTS w", "SPOP one",
        "SPOP one", "SPOP i -1", "SPOP i x", "SPOP i 1 2", "SRANDMEMBER i x",
        "SRANDMEMBER i 1 2", "SRANDMEMBER i -9223372036854775808", "SRANDMEMBER i 1.5",
        "SPOP i 1.5"],
    # SPOP with a count leaving at most a fifth of what it popped rebuilds the rest
    # (Redis 7.0's spopWithCount case 3): integers only make an intset again, within
    # set-max-intset-entries; one member more left and the set keeps its table. The
    # popped members are random: only their count, then OBJECT ENCODING and SCARD.
    'set-spop-rebuild': [
        *[s for n, k in ((6, 5), (6, 4), (10, 9), (10, 8), (12, 10), (12, 9), (60, 50),
                         (60, 49), (100, 84), (100, 83)) for s in (
            _sadd('t%d_%d' % (n, k), range(1, n + 1)), "SADD t%d_%d x" % (n, k),
            "SREM t%d_%d x" % (n, k), "OBJECT ENCODING t%d_%d" % (n, k),
            ('count', "SPOP t%d_%d %d" % (n, k, k)), "OBJECT ENCODING t%d_%d" % (n, k),
            "SCARD t%d_%d" % (n, k))],
        _sadd('w', [70000 + i for i in range(9)] + ['y']), "SREM w y",
        ('count', "SPOP w 8"), "OBJECT ENCODING w", "SCARD w",
        _sadd('w8', [-2 ** 62 + i for i in range(9)] + ['y']), "SREM w8 y",
        ('count', "SPOP w8 8"), "OBJECT ENCODING w8", "SCARD w8",
        _sadd('str', ['m%d' % i for i in range(10)]), ('count', "SPOP str 9"),
        "OBJECT ENCODING str", "SCARD str", _sadd('is', range(10)), "OBJECT ENCODING is",
        ('count', "SPOP is 9"), "OBJECT ENCODING is", "SCARD is",
        _sadd('ttl', range(10)), "SADD ttl y", "SREM ttl y", "EXPIRE ttl 1000",
        ('count', "SPOP ttl 9"), "OBJECT ENCODING ttl", "TTL ttl",
        _sadd('all', range(10)), "SADD all y", "SREM all y", ('sorted', "SPOP all 10"),
        "EXISTS all", "CONFIG SET set-max-intset-entries 2",
        *[s for k in (17, 18) for s in (
            _sadd('c%d' % k, range(20)), ('count', "SPOP c%d %d" % (k, k)),
            "OBJECT ENCODING c%d" % k, "SCARD c%d" % k)],
        "CONFIG SET set-max-intset-entries 0", _sadd('z', range(20)),
        ('count', "SPOP z 19"), "OBJECT ENCODING z", "SCARD z",
        "CONFIG SET set-max-intset-entries 512"],
    'set-smove': [
        "SADD a 1 2 x", "SADD b 3", "SMOVE a b 1", ('sorted', "SMEMBERS a"), "SMEMBERS b",
        "SMOVE a b nomember", "SMOVE nokey b 1", "SMOVE a a 2", "SMOVE a a nomember",
        ('sorted', "SMEMBERS a"), "SMOVE a new x", "OBJECT ENCODING new", "SMEMBERS new",
        "SMOVE a b 2", "EXISTS a", "SMEMBERS b", "SET str v", "SMOVE nokey str 1",
        "SMOVE b str 3", "SMOVE str b 3", "SADD c 3", "SMOVE b c 3", "SMEMBERS c"],
    'set-algebra': [
        "SADD a 1 2 3 4", "SADD b 3 4 5", "SADD c x 3", "SINTER a b", "SINTER a nokey",
        "SINTER nokey a", ('sorted', "SINTER a b c"), "SUNION a b", ('sorted', "SUNION a c"),
        "SUNION nokey", "SDIFF a b", "SDIFF a nokey", "SDIFF nokey a", ('sorted', "SDIFF c a"),
        "SINTERCARD 2 a b", "SINTERCARD 2 a b LIMIT 1", "SINTERCARD 2 a b LIMIT 0",
        "SINTERCARD 2 a b LIMIT 10", "SINTERCARD 1 nokey", "SINTERCARD 0 a",
        "SINTERCARD -1 a", "SINTERCARD x a", "SINTERCARD 3 a b", "SINTERCARD 1 a LIMIT",
        "SINTERCARD 1 a LIMIT -1", "SINTERCARD 1 a LIMIT x", "SINTERCARD 1 a junk",
        "SINTERCARD 1 a LIMIT 1 LIMIT 2", "SINTERSTORE d a b", "SMEMBERS d",
        "OBJECT ENCODING d", "SUNIONSTORE d a b", "SMEMBERS d", "SDIFFSTORE d a b",
        "SMEMBERS d", "SUNIONSTORE d a c", "OBJECT ENCODING d", ('sorted', "SMEMBERS d"),
        "SET d x", "EXPIRE d 100000", "SINTERSTORE d a b", "TTL d", "TYPE d",
        "SINTERSTORE d nokey", "EXISTS d"],
    # SINTERSTORE/SUNIONSTORE/SDIFFSTORE onto one of their own sources.
    'set-store-onto-source': [
        "SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE a a b", "SMEMBERS a",
        "SUNIONSTORE b b a", "SMEMBERS b", "SDIFFSTORE b b a", "SMEMBERS b",
        "SADD a 9", "SDIFFSTORE a a a", "EXISTS a"],
    'set-scan': [
        "SSCAN nokey 0", "SADD i 1 2 10 20", "SSCAN i 0", "SSCAN i 0 MATCH 1*",
        "SSCAN i 5 COUNT 1", "SSCAN i 0 COUNT 0", "SSCAN i 0 COUNT x", "SSCAN i x",
        "SSCAN i 0 MATCH", "SSCAN i 0 TYPE set", "SET str x", "SSCAN str 0"],
    'wrongtype-every-command': ["SET s x", "SET h x", "SADD s2 m"] + WRONGTYPE_HASH + [
        "DEL s", "HSET h f v", "SET s x"] + WRONGTYPE_SET + [
        "LPUSH h x", "GET h", "INCR h", "APPEND h x", "LPUSH s2 x", "GET s2", "SETRANGE s2 0 x",
        "LRANGE h 0 -1", "EXISTS d"],
    'hs-generic': [
        "HSET h a 1 b 2", "SADD s 1 2", "SADD t x", "TYPE h", "TYPE s", "TYPE t",
        "COPY h h2", "HGETALL h2", "COPY s s2", "SMEMBERS s2", "OBJECT ENCODING s2",
        "COPY t h2", "COPY t h2 REPLACE", "TYPE h2", "RENAME h h3", "HGETALL h3",
        "EXISTS h", "RENAME s s3", "SMEMBERS s3", "RENAMENX s3 t", "EXPIRE h3 100000",
        "TTL h3", "HSET h3 c 3", "TTL h3", "PERSIST h3", "TTL h3", ('scan', 'TYPE hash'),
        ('scan', 'TYPE set'), ('scan', 'TYPE string'), "DEL h3 s3", "UNLINK t",
        "EXISTS h3 s3 t", "HSET e f v", "EXPIRE e 0", "EXISTS e", "HGET e f",
        ('dump',)],
    'hs-multi': [
        "MULTI", "HSET h a 1", "SADD s 1", "HGETALL h", "SMEMBERS s", "HINCRBY h a x",
        "SPOP s 5", "EXEC", "EXISTS s", "WATCH h", "HSET h a 1", "MULTI", "HGET h a",
        "EXEC", "WATCH s", "SREM s nomember", "MULTI", "PING", "EXEC"],
}

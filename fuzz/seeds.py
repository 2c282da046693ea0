#!/usr/bin/env python3
"""seeds.py: writes the hand-made seed inputs of every fuzz target into
fuzz/corpus/<target>/seed-<name> (existing seed files are overwritten; inputs the
fuzzer found, named by their SHA-1, are left alone). Run from anywhere:
    python3 fuzz/seeds.py
Each seed documents the input layout its target's header comment describes."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data, prefix="seed-"):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, prefix + name), "wb") as f:
        f.write(data)


# ---- fuzz_resp ---------------------------------------------------------------
# byte 0: bits 0-2 bulk limit index, 3-5 argc limit index, 6 inflate, 7 need-mode
# byte 1: bits 0-3 number of read sizes, bits 4-6 line limit index (0: 64 KiB);
# then the sizes; [inflate: pos, v, filler]: a run of (v + 1) * 4 bytes for
# v < 224, else line limit - 16 + (v - 224) (240: exactly the line limit)

def mb(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def resp(name, stream, bulk=6, argc=5, reads=(), need=False, inflate=None, line=0):
    """line: index into the line limits 64 KiB, 64, 65, 100, 255, 1 KiB, 4 KiB, 16 KiB."""
    b0 = bulk | (argc << 3) | (0x80 if need else 0) | (0x40 if inflate else 0)
    head = bytes([b0, len(reads) | (line << 4)]) + bytes(reads)
    if inflate:
        head += bytes(inflate)
    write("fuzz_resp", name, head + stream)


def resp_seeds():
    ping = mb(b"PING")
    setget = mb(b"SET", b"k", b"v") + mb(b"GET", b"k")
    resp("ping-whole", ping)
    resp("ping-bytewise", ping, reads=[1])
    resp("ping-need", ping, need=True)
    resp("pipeline-mixed-reads", setget + b"PING\r\n" + setget, reads=[3, 0, 7, 1])
    resp("pipeline-need", setget * 3, need=True)
    resp("empty-arg", mb(b"SET", b"", b"") + mb(b"GET", b""), reads=[2])
    resp("binary-arg", mb(b"SET", b"k\x00\r\n", b"\xff\x00*$\r\n"), reads=[5, 1])
    resp("inline-simple", b"PING\r\nSET a b\nGET a\r\n", reads=[4])
    resp("inline-quotes", b'SET "a b" \'c\\\'d\' "\\x41\\n\\q"\r\n', reads=[1])
    resp("inline-unbalanced", b'SET "abc\r\n')
    resp("inline-quote-then-char", b'GET "a"b\r\n')
    resp("inline-squote-unbalanced", b"GET 'abc\r\n")
    resp("inline-blank-lines", b"\r\n\n  \t\r\nPING\r\n", reads=[1])
    resp("inline-vtab", b"\x0bGET\x0ba\x0c\r\n")
    resp("inline-nul", b"GET a\x00b\r\n")
    resp("mb-empty", b"*0\r\n*-1\r\n*-5\r\n" + ping)
    resp("mb-bad-count", b"*abc\r\n")
    resp("mb-leading-zero", b"*01\r\n$1\r\na\r\n")
    resp("mb-minus-zero", b"*-0\r\n")
    resp("mb-count-big", b"*3000000000\r\n")
    resp("mb-count-int64-overflow", b"*9223372036854775808\r\n")
    resp("mb-bad-terminator", b"*1\rX$1\r\na\r\n")
    resp("mb-expected-dollar", b"*1\r\nx3\r\nabc\r\n")
    resp("mb-expected-dollar-nul", b"*1\r\n\x003\r\nabc\r\n")
    resp("mb-negative-bulk", b"*1\r\n$-1\r\n")
    resp("mb-bulk-over-limit", mb(b"SET", b"key", b"value"), bulk=0)
    resp("mb-argc-over-limit", mb(b"a", b"b", b"c"), argc=1)
    resp("mb-bulk-bad-terminator", b"*1\r\n$3\r\nabcXY")
    resp("mb-bulk-header-bad-lf", b"*1\r\n$3\rXabc\r\n")
    resp("mb-incomplete-payload", b"*2\r\n$3\r\nabc\r\n$10\r\nabc", reads=[0])
    resp("mb-huge-declared-bulk", b"*1\r\n$2147483584\r\nabc", bulk=7, need=True)
    resp("long-inline-no-newline", b"GET ", inflate=[4, 255, ord("a")], reads=[200])
    resp("long-inline-then-newline", b"GET \r\n", inflate=[4, 240, ord("a")], reads=[0])
    resp("long-mbulk-count", b"*1", inflate=[1, 255, ord("1")], reads=[255])
    resp("long-bulk-header", b"*1\r\n$1", inflate=[6, 255, ord("0")], reads=[100, 0])
    # the same boundaries at a run-time line limit of 100 and of 64
    resp("line100-inline-at-limit", b"GET " + b"a" * 94 + b"\r\n", line=3)
    resp("line100-inline-past-limit", b"GET " + b"a" * 95 + b"\r\n", line=3, reads=[0])
    resp("line100-inline-no-newline", b"GET ", inflate=[4, 240, ord("a")], reads=[7], line=3)
    resp("line64-mbulk-count", b"*1", inflate=[1, 255, ord("1")], reads=[3], line=1)
    resp("line64-bulk-header", b"*1\r\n$1", inflate=[6, 255, ord("0")], line=1)
    resp("long-bulk-payload", b"*2\r\n$3\r\nSET\r\n$65536\r\n\r\n", bulk=6,
         inflate=[20, 240, ord("v")], reads=[17, 0])


# ---- fuzz_config -------------------------------------------------------------
# byte 0: bit 0 options (else file text), bit 7 text then options, bits 1-6 err cap

def config(name, payload, mode="text", cap=40, text_len=None, prefix="seed-"):
    b0 = (cap & 63) << 1
    if mode == "args":
        b0 |= 1
    if mode == "both":
        b0 |= 0x80
        payload = bytes([text_len]) + payload
    write("fuzz_config", name, bytes([b0]) + payload, prefix)


def args(*words):
    return b"\x00".join(words)


def config_seeds():
    config("text-defaults", b"")
    config("text-basic", b"port 7000\nmaxmemory 1mb\nmaxmemory-policy allkeys-lru\n"
           b"# comment\n  \n\tmaxclients 4\r\nhz 100\n")
    config("text-small-server", b"maxmemory 64kb\nmaxclients 1\nclient-buffer 256\n"
           b"client-query-buffer-limit 64kb\nlarge-buffers 1\nmulti-max-commands 1\n"
           b"proto-max-bulk-len 1000\n")
    config("text-unknown", b"nosuchoption 1\n")
    config("text-bad-size", b"maxmemory 12qb\n")
    config("text-missing-value", b"maxmemory\n")
    config("text-flag", b"print-allocation\nhelp\n")
    config("text-long-line", b"bind " + b"x" * 600 + b"\n")
    config("text-bind-too-long", b"bind " + b"1" * 70 + b"\n")
    config("text-nul-inside", b"port 70\x0000\nhz 5\n")
    config("text-uint32-overflow", b"maxclients 4294967296\n")
    # Finding: kv_config_check's "proto-max-bulk-len + 64 > limit" wraps around.
    config("proto-max-bulk-len-wrap", b"proto-max-bulk-len 18446744073709551600\n",
           prefix="crash-")
    config("text-maxkeys-huge", b"maxkeys 2305843009213693952\n")
    config("text-units", b"maxmemory 1GB\nclient-buffer 1K\nproto-max-bulk-len 1m\n"
           b"client-query-buffer-limit 2Mb\n")
    config("text-impossible", b"maxmemory 1k\n")
    config("text-policies", b"maxmemory-policy volatile-ttl\nmaxmemory-policy NOEVICTION\n"
           b"maxmemory-policy bogus\n")
    config("args-basic", args(b"--port", b"0", b"--maxmemory", b"256kb", b"--maxclients", b"2"),
           mode="args")
    config("args-flag", args(b"--print-allocation", b"-h", b"--help"), mode="args")
    config("args-missing-value", args(b"--maxmemory"), mode="args")
    config("args-stray-word", args(b"maxmemory", b"1mb"), mode="args")
    config("args-sizes", args(b"--maxmemory", b"18446744073709551615", b"--timeout",
                              b"18446744073709551609", b"--hz", b"00000000000000000000001"),
           mode="args")
    config("args-gb-overflow", args(b"--maxmemory", b"17179869184gb"), mode="args")
    config("args-err-cap-1", args(b"--nosuch", b"x"), mode="args", cap=1)
    config("args-err-cap-0", args(b"--port", b"x"), mode="args", cap=0)
    config("both", b"maxmemory 128kb\nmaxclients 1\n#x\n" + args(b"--maxmemory", b"2mb"),
           mode="both", text_len=4)




# ---- fuzz_engine -------------------------------------------------------------
# 4 header bytes, then ops: command index (table order: server, string, keys, list
# groups as src/cmd_*.c define them, then "nosuchcmd"), arg byte, token bytes.
import re

ROOT = os.path.dirname(HERE)


def kv_commands():
    names = []
    # hashes, sets, sorted sets and streams where src/ defines them, in fuzz_engine.c's
    # table_init order (a special op is len(CMDS) + i, so every group must be here)
    extra = tuple(g for g in ("hash", "set", "zset", "stream")
                  if os.path.exists(os.path.join(ROOT, "src", "cmd_%s.c" % g)))
    for group in ("server", "string", "keys", "list") + extra:
        with open(os.path.join(ROOT, "src", "cmd_%s.c" % group)) as f:
            text = f.read()
        names += re.findall(r'^\s*\{"([a-z]+)",\s*-?\d+,', text, re.M)
    return names + ["nosuchcmd"]


CMDS = kv_commands()
NOPS = len(CMDS) + 4
KEYS = ["a", "b", "c", "list", "{t}x", "k:1", "", "k\x01"]
NUMS = ["0", "1", "-1", "2", "3", "10", "-5", "100", "1000", "-100", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "1.5", "-0", "01", "+1", " 1", "5",
        "-2", "4294967296", "-4294967297", "18446744073709551615", "18446744073709551616",
        "2147483647", "-2147483648", "7", "-10", "1000000", "2.5", "1e2", "0x1"]
OPTS = ["EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "KEEPTTL", "GET", "PERSIST",
        "LEFT", "RIGHT", "BEFORE", "AFTER", "RANK", "COUNT", "MAXLEN", "MATCH", "TYPE",
        "REPLACE", "DB", "ID", "GETNAME", "SETNAME", "SET", "maxmemory", "string", "list",
        "HELP", "WITHVALUES", "LIMIT"]
VALS = ["v", "", "hello", "12", "-1", "3.0", "a b", "\x01\x02", "x", "10.5", "1e3", "inf",
        "nan", " 1", "0x10", "abcdefghijklmnopqrstuvwxyz"]
GLOBS = ["*", "a*", "?", "[a-c]", "\\*", "*a*b*", "[^a]*", "k:*", "WEIGHTS", "AGGREGATE",
         "WITHSCORES", "MIN", "MAX", "SUM", "BYSCORE", "REV"]


def tok(t):
    """A token: 'k:a' key, 'n:10' number, 'o:EX' option, 'v:hello' value, 'big:N'
    (N*64 bytes), 'fresh' / 'fresh+i', 'ms:i' / 's:i' (time index), 'g:*' glob."""
    kind, _, arg = t.partition(":")
    if kind == "k":
        return bytes([KEYS.index(arg)])
    if kind == "n":
        return bytes([32 + NUMS.index(arg)])
    if kind == "o":
        return bytes([64 + OPTS.index(arg)])
    if kind == "v":
        return bytes([96 + VALS.index(arg)])
    if kind == "big":
        return bytes([128, int(arg)])
    if kind == "fresh":
        return bytes([160 + 16])
    if kind == "ms":
        return bytes([192 + 16 + int(arg)])
    if kind == "s":
        return bytes([192 + int(arg)])
    if kind == "g":
        return bytes([224 + GLOBS.index(arg)])
    raise ValueError(t)


def cmd(name, *toks, upper=False):
    a = 0x80 | len(toks)
    assert len(toks) <= 7
    if upper:
        a |= 0x40
    out = bytes([CMDS.index(name), a])
    for t in toks:
        out += tok(t)
    return out


def special(i, arg=None):
    out = bytes([len(CMDS) + i])
    return out + (bytes([arg]) if arg is not None else b"")


ADVANCE, TICK, SWITCH, CLOSE = 0, 1, 2, 3


def engine(name, ops, policy=0, mem=0, maxkeys=0, samples=2, reply=3, multi=3, seed=1):
    head = bytes([policy, mem | (maxkeys << 2) | (samples << 4), reply | (multi << 2), seed])
    write("fuzz_engine", name, head + b"".join(ops))


def engine_seeds():
    engine("strings", [cmd("set", "k:a", "v:hello"), cmd("get", "k:a"),
                       cmd("append", "k:a", "v:x"), cmd("strlen", "k:a"),
                       cmd("incr", "k:b"), cmd("incrby", "k:b", "n:100"),
                       cmd("decrby", "k:b", "n:-9223372036854775808"),
                       cmd("getrange", "k:a", "n:0", "n:-1"),
                       cmd("setrange", "k:a", "n:10", "v:x"), cmd("mget", "k:a", "k:b", "k:c"),
                       cmd("mset", "k:a", "v:1e3", "k:c", "v:"), cmd("msetnx", "k:c", "v:x"),
                       cmd("getset", "k:a", "v:v"), cmd("getdel", "k:a"),
                       cmd("setnx", "k:a", "v:x", upper=True)])
    engine("set-options", [cmd("set", "k:a", "v:v", "o:EX", "n:10"),
                           cmd("set", "k:a", "v:v", "o:PX", "n:100", "o:NX"),
                           cmd("set", "k:a", "v:x", "o:XX", "o:GET"),
                           cmd("set", "k:a", "v:x", "o:KEEPTTL"), cmd("ttl", "k:a"),
                           cmd("pttl", "k:a"), cmd("set", "k:b", "v:x", "o:EXAT", "s:5"),
                           cmd("set", "k:b", "v:x", "o:PXAT", "ms:3"),
                           cmd("set", "k:a", "v:x", "o:EX", "n:-1"),
                           cmd("getex", "k:a", "o:PERSIST"), cmd("setex", "k:c", "n:0", "v:x"),
                           cmd("psetex", "k:c", "n:10", "v:x"), special(ADVANCE, 3),
                           cmd("get", "k:c"), special(ADVANCE, 4), cmd("get", "k:b")])
    engine("keys", [cmd("set", "k:a", "n:1"), cmd("rpush", "k:list", "v:x", "v:v"),
                    cmd("exists", "k:a", "k:a", "k:b"), cmd("type", "k:list"),
                    cmd("rename", "k:a", "k:b"), cmd("renamenx", "k:b", "k:list"),
                    cmd("copy", "k:b", "k:c"), cmd("keys", "g:*"), cmd("scan", "n:0"),
                    cmd("scan", "n:0", "o:MATCH", "g:a*", "o:COUNT", "n:2"),
                    cmd("randomkey"), cmd("dbsize"), cmd("expire", "k:b", "n:10", "o:NX"),
                    cmd("expire", "k:b", "n:3", "o:GT"), cmd("expiretime", "k:b"),
                    cmd("pexpireat", "k:b", "ms:5"), cmd("persist", "k:b"),
                    cmd("del", "k:b", "k:c"), cmd("unlink", "k:list"), cmd("flushall")])
    engine("lists", [cmd("rpush", "k:list", "v:a b", "v:x", "v:v", "v:12"),
                     cmd("lpush", "k:list", "v:hello"), cmd("lrange", "k:list", "n:0", "n:-1"),
                     cmd("lindex", "k:list", "n:-1"), cmd("llen", "k:list"),
                     cmd("lset", "k:list", "n:1", "v:x"),
                     cmd("linsert", "k:list", "o:BEFORE", "v:x", "v:12"),
                     cmd("lrem", "k:list", "n:0", "v:x"), cmd("ltrim", "k:list", "n:1", "n:-1"),
                     cmd("lpos", "k:list", "v:12", "o:RANK", "n:-1"),
                     cmd("lmove", "k:list", "k:a", "o:LEFT", "o:RIGHT"),
                     cmd("rpoplpush", "k:a", "k:list"), cmd("lmpop", "n:2", "k:a", "k:list",
                                                            "o:LEFT", "o:COUNT", "n:2"),
                     cmd("lpop", "k:list", "n:2"), cmd("rpop", "k:list"),
                     cmd("lpushx", "k:b", "v:x"), cmd("rpushx", "k:list", "v:x"),
                     cmd("get", "k:list")])
    engine("multi-exec", [cmd("multi"), cmd("set", "k:a", "n:1"), cmd("incr", "k:a"),
                          cmd("lpush", "k:a", "v:x"), cmd("exec"), cmd("multi"),
                          cmd("get", "k:a"), cmd("discard"), cmd("exec"), cmd("multi"),
                          cmd("nosuchcmd"), cmd("exec"), cmd("multi"), cmd("multi"),
                          cmd("exec")])
    engine("multi-full", [cmd("multi")] + [cmd("incr", "k:a")] * 6 + [cmd("exec")],
           multi=1)
    engine("watch-two-sessions", [cmd("watch", "k:a"), special(SWITCH), cmd("set", "k:a", "v:x"),
                                  special(SWITCH), cmd("multi"), cmd("get", "k:a"),
                                  cmd("exec"), cmd("unwatch")])
    engine("sessions", [cmd("multi"), cmd("set", "k:a", "v:x"), special(SWITCH),
                        cmd("get", "k:a"), special(SWITCH), special(CLOSE), cmd("exec"),
                        cmd("quit"), cmd("client", "o:ID"), cmd("client", "o:SETNAME", "v:x"),
                        cmd("client", "o:GETNAME")])
    engine("server", [cmd("ping"), cmd("ping", "v:hello"), cmd("echo", "v:x"),
                      cmd("select", "n:0"), cmd("select", "n:1"), cmd("info"),
                      cmd("time"), cmd("command"), cmd("config", "o:GET", "o:maxmemory"),
                      cmd("config", "o:SET", "o:maxmemory", "n:1"), cmd("flushdb"),
                      cmd("nosuchcmd", "v:a b", "k:k\x01")])
    engine("arity-errors", [bytes([CMDS.index("get"), 0x80]),
                            bytes([CMDS.index("set"), 0x81, 0]),
                            bytes([CMDS.index("lrange"), 0x82, 0, 33])])
    fill = [cmd("set", "fresh", "big:100") for _ in range(8)]
    engine("oom-noeviction", fill + [cmd("rpush", "k:list", "big:60", "big:60"),
                                     cmd("append", "k:a", "big:150"), cmd("dbsize")])
    engine("evict-allkeys-lru", fill + [cmd("get", "k:a")] + fill, policy=1)
    engine("evict-volatile-ttl", [cmd("set", "fresh", "big:90", "o:EX", "n:100")
                                  for _ in range(8)], policy=5, mem=1)
    engine("evict-random", fill, policy=3, mem=2)
    engine("index-full", [cmd("set", "fresh", "v:x") for _ in range(30)], maxkeys=1)
    engine("index-full-lru", [cmd("rpush", "fresh", "v:x") for _ in range(30)], maxkeys=1,
           policy=1)
    engine("expire-tick", [cmd("set", "fresh", "v:x", "o:PX", "n:10") for _ in range(10)] +
           [special(ADVANCE, 2), special(TICK), cmd("dbsize"), cmd("keys", "g:*")])
    engine("big-replies", [cmd("rpush", "k:list", "big:3", "big:3", "big:3"),
                           cmd("lrange", "k:list", "n:0", "n:-1"),
                           cmd("set", "k:a", "big:6"), cmd("get", "k:a"),
                           cmd("getrange", "k:a", "n:0", "n:-1")], reply=0)
    engine("incrbyfloat", [cmd("incrbyfloat", "k:a", "v:10.5"),
                           cmd("incrbyfloat", "k:a", "v:1e3"), cmd("get", "k:a")])

def engine_hs_seeds():
    """Hashes and sets (issue 21), once src/ has them."""
    if "hset" in CMDS:
        engine("hashes", [cmd("hset", "k:a", "v:v", "n:1", "v:x", "v:12"), cmd("hget", "k:a", "v:v"),
                          cmd("hmget", "k:a", "v:v", "v:x"), cmd("hsetnx", "k:a", "v:v", "v:x"),
                          cmd("hincrby", "k:a", "v:x", "n:-5"),
                          cmd("hincrbyfloat", "k:a", "v:v", "v:10.5"),
                          cmd("hincrbyfloat", "k:a", "v:v", "v:inf"), cmd("hgetall", "k:a"),
                          cmd("hkeys", "k:a"), cmd("hvals", "k:a"), cmd("hlen", "k:a"),
                          cmd("hstrlen", "k:a", "v:x"), cmd("hexists", "k:a", "v:v"),
                          cmd("hrandfield", "k:a", "n:-5", "o:WITHVALUES"),
                          cmd("hscan", "k:a", "n:0", "o:MATCH", "g:*"),
                          cmd("hset", "k:a", "v:abcdefghijklmnopqrstuvwxyz", "big:2"),
                          cmd("hdel", "k:a", "v:v", "v:x", "v:12"), cmd("type", "k:a"),
                          cmd("lpush", "k:a", "v:x")])
        engine("sets", [cmd("sadd", "k:b", "n:1", "n:2", "n:-1", "n:01"), cmd("smembers", "k:b"),
                        cmd("sadd", "k:c", "n:2", "v:x"), cmd("sinter", "k:b", "k:c"),
                        cmd("sunion", "k:b", "k:c"), cmd("sdiff", "k:b", "k:c"),
                        cmd("sintercard", "n:2", "k:b", "k:c", "o:LIMIT", "n:1"),
                        cmd("sinterstore", "k:b", "k:b", "k:c"),
                        cmd("sunionstore", "k:a", "k:b", "k:c"),
                        cmd("sdiffstore", "k:c", "k:c", "k:a"), cmd("smove", "k:a", "k:a", "n:2"),
                        cmd("smove", "k:a", "k:b", "v:x"), cmd("sismember", "k:b", "v:x"),
                        cmd("smismember", "k:b", "v:x", "n:2"), cmd("scard", "k:b"),
                        cmd("srandmember", "k:a", "n:-5"), cmd("spop", "k:a", "n:1"),
                        cmd("spop", "k:a", "n:10"), cmd("srem", "k:b", "v:x"),
                        cmd("sscan", "k:b", "n:0", "o:COUNT", "n:2"), cmd("get", "k:b")])
    if "zunion" in CMDS:
        engine("zset-algebra", [
            cmd("zadd", "k:a", "n:1", "v:x", "n:2", "v:v"), cmd("zadd", "k:b", "n:3", "v:x",
                                                               "v:inf", "v:hello"),
            cmd("sadd", "k:c", "v:x", "n:2"), cmd("zunion", "n:3", "k:a", "k:b", "k:c",
                                                  "g:WITHSCORES"),
            cmd("zinter", "n:2", "k:a", "k:b", "g:WEIGHTS", "n:2", "n:-1"),
            cmd("zinter", "n:2", "k:a", "k:b", "g:AGGREGATE", "g:MAX", "g:WITHSCORES"),
            cmd("zdiff", "n:2", "k:b", "k:a", "g:WITHSCORES"),
            cmd("zintercard", "n:2", "k:a", "k:b", "o:LIMIT", "n:1"),
            cmd("zunionstore", "k:a", "n:2", "k:a", "k:b"),
            cmd("zinterstore", "k:c", "n:2", "k:a", "k:c"), cmd("zdiffstore", "k:b", "n:1", "k:b"),
            cmd("zscan", "k:a", "n:0", "o:COUNT", "n:1"), cmd("zunion", "n:0", "k:a"),
            cmd("zunion", "n:1", "k:list"), cmd("zrange", "k:a", "n:0", "n:-1", "g:WITHSCORES")])


# ---- fuzz_server -------------------------------------------------------------
# 4 header bytes (limits, buffers, clients and faults, seed), then records: an op
# byte (bits 0-1 client, bit 2 glue: no server turn after it, bits 3-7 kind) and
# its operands. See fuzz/fuzz_server.c.
S_DATA, S_FILL, S_FILL16, S_TIME, S_CONTROL, S_DRAIN = 0, 20, 22, 24, 28, 30
PAUSE, RESUME, HALF_CLOSE, CLOSE, RESET, CONNECT = range(6)


def s_op(kind, conn=0, glue=False):
    return bytes([(kind << 3) | (4 if glue else 0) | conn])


def s_data(b, conn=0, glue=False):
    """b in records of at most 256 bytes; all but the last glued to the next."""
    out = b""
    while b:
        piece, b = b[:256], b[256:]
        out += s_op(S_DATA, conn, glue or bool(b)) + bytes([len(piece) - 1]) + piece
    return out


def s_fill(byte, count, conn=0, glue=False):
    kind, n = (S_FILL, count) if count <= 65536 else (S_FILL16, count // 16)
    assert n * (16 if kind == S_FILL16 else 1) == count and 1 <= n <= 65536
    return s_op(kind, conn, glue) + bytes([byte, (n - 1) & 255, (n - 1) >> 8])


def s_time(exp, turns=1):
    return s_op(S_TIME) + bytes([exp | ((turns - 1) << 4)])


def s_control(k, conn=0):
    return s_op(S_CONTROL, conn) + bytes([k])


def s_drain():
    return s_op(S_DRAIN)


def server(name, records, limit=4, bulk=3, multi=1, timeout=0, cbuf=1, large=1, recvbufs=0,
           policy=0, clients=1, maxclients=1, bigmem=0, precv=0, psend=0, seed=1,
           inline=0, stall=0, progress_all=0, prefix="seed-"):
    """limit: index into 512, 1k, 2k, 4k, 16k, 64k, 128k, 256k; bulk: 1, 64, limit/4,
    limit-64; multi: 1, 2, 4, 16; cbuf: 256, 512, 1k, 4k; recvbufs: 0, 1, 4, 16;
    policy: noeviction, allkeys-lru, allkeys-random, volatile-ttl; maxclients: 1, 2, 3, 8;
    seed 0-7; inline: 64 KiB (clipped), 64, 255, limit/2; stall: 25, 1, 5, 1000 ms;
    progress_all: large-buffer-min-progress = the limit (else 8 KiB, clipped)."""
    head = bytes([limit | (bulk << 3) | (multi << 5) | (timeout << 7),
                  cbuf | ((large - 1) << 2) | (recvbufs << 4) | (policy << 6),
                  (clients - 1) | (maxclients << 2) | (bigmem << 4) | (precv << 5) |
                  (psend << 7), seed | (progress_all << 3) | (inline << 4) | (stall << 6)])
    write("fuzz_server", name, head + b"".join(records), prefix)


def server_seeds():
    ping = mb(b"PING")
    server("ping", [s_data(ping), s_data(b"PING\r\n")])
    server("set-get-split", [s_data(b"*3\r\n$3\r\nSET\r\n$1\r\nk"), s_data(b"\r\n$2\r\nv"),
                             s_data(b"v\r\n" + mb(b"GET", b"k") + b"GET k\r\n")])
    server("two-clients-pipeline", [s_data(mb(b"SET", b"a", b"1") * 3, 0, True),
                                    s_data(mb(b"INCR", b"a") * 4, 1),
                                    s_data(mb(b"MGET", b"a", b"b"), 0)],
           clients=2, maxclients=1)
    server("maxclients-reject", [s_data(ping, 0), s_data(ping, 1), s_data(ping, 2)],
           clients=3, maxclients=1)
    server("big-bulk", [s_data(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1000\r\n"),
                        s_fill(ord("x"), 1000), s_data(b"\r\n" + mb(b"GET", b"big"))],
           bulk=2)
    server("bulk-over-limit", [s_data(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000\r\n"),
                               s_fill(ord("x"), 4000)], bulk=2)
    server("query-over-limit", [s_data(b"*2\r\n$4\r\nECHO\r\n$900\r\n"), s_fill(ord("y"), 900),
                                s_data(b"\r\n")], limit=0, bulk=3)
    server("multi-exec", [s_data(mb(b"MULTI") + mb(b"SET", b"a", b"1") + mb(b"INCR", b"a") +
                                 mb(b"GET", b"a") + mb(b"EXEC"))], multi=2)
    server("multi-too-many", [s_data(mb(b"MULTI") + ping * 3 + mb(b"EXEC"))], multi=0)
    server("multi-split-reads", [s_data(b"MULTI\r\n"), s_data(mb(b"SET", b"a", b"1")),
                                 s_data(b"\r\n"), s_data(b"INCR a\r\n"), s_data(b"EXEC\r\n")],
           multi=1, limit=2)
    server("inline-quotes", [s_data(b'SET "a b" \'c\\\'d\'\r\nGET "a b"\r\nECHO "\\x41\r\n')])
    server("empty-frames", [s_data(b"\r\n\n*0\r\n*-1\r\n" + ping)])
    server("http-post", [s_data(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")])
    server("pipeline-unread", [s_control(PAUSE), s_data(mb(b"SET", b"v", b"x" * 200)),
                               s_data(mb(b"GET", b"v") * 40), s_time(4, 4), s_control(RESUME)],
           cbuf=0)
    server("reset-mid-request", [s_data(b"*2\r\n$4\r\nECHO\r\n$10\r\nabc"), s_control(RESET),
                                 s_control(CONNECT), s_data(ping)])
    server("half-close", [s_data(ping + ping, 0, True), s_control(HALF_CLOSE)])
    server("idle-timeout", [s_data(ping), s_time(10, 16), s_time(10, 16), s_data(ping)], timeout=1)
    server("partial-io-multishot", [s_data(mb(b"SET", b"k", b"v" * 300) + mb(b"GET", b"k") * 5)],
           recvbufs=2, precv=2, psend=1)
    server("evict", [s_data(mb(b"SET", b"k%d" % i, b"v" * 900)) for i in range(80)] +
           [s_data(mb(b"DBSIZE"))], policy=1, limit=3, bulk=2)
    server("inline-limit-64", [s_data(b"ECHO " + b"b" * 57 + b"\r\n"),
                               s_data(b"ECHO " + b"b" * 58 + b"\r\n"), s_data(ping)], inline=1)
    server("hold-rule-stall", [s_data(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000\r\n", 0),
                               s_fill(ord("x"), 100, 0), s_data(mb(b"SET", b"j", b"y" * 2500), 1),
                               s_time(3, 8), s_data(ping, 1)],
           limit=3, bulk=3, clients=2, maxclients=1, stall=1, cbuf=0)
    server("hash-set", [s_data(mb(b"HSET", b"h", b"f", b"1", b"g", b"2") +
                               mb(b"HINCRBYFLOAT", b"h", b"f", b"1.5") + mb(b"HGETALL", b"h") +
                               mb(b"HRANDFIELD", b"h", b"-5", b"WITHVALUES") +
                               mb(b"HSCAN", b"h", b"0", b"MATCH", b"*") +
                               mb(b"SADD", b"s", b"1", b"2", b"x") + mb(b"SMEMBERS", b"s") +
                               mb(b"SPOP", b"s", b"2") + mb(b"SINTERSTORE", b"s", b"s", b"h") +
                               mb(b"SMOVE", b"s", b"s", b"1") + mb(b"SRANDMEMBER", b"s", b"-9") +
                               mb(b"SINTERCARD", b"1", b"s", b"LIMIT", b"1"))], multi=2)
    server("expire-clock", [s_data(mb(b"SET", b"t", b"1", b"PX", b"5")), s_time(5),
                            s_data(mb(b"GET", b"t"))])


def server_bug_seeds():
    """The reproductions of issue 18's bugs 1-3, named crash-issue18-*: fuzz/run.sh keeps
    findings out of the fuzzing corpus and replays them, as tests/fuzz_replay.sh does."""
    P = "crash-issue18-"
    # 1: an inline request whose newline arrives after the 64 KiB limit was crossed
    server("bug1-inline-newline-late", [s_data(b"ECHO "), s_fill(ord("a"), 30000),
                                        s_time(8, 3), s_fill(ord("a"), 60000, glue=True),
                                        s_data(b"\r\n")], limit=6, bulk=2, prefix=P)
    # 2: MULTI, then more empty frames than EXEC's frame bound, then EXEC
    server("bug2-multi-empty-frames", [s_data(b"MULTI\r\nPING\r\n"), s_fill(ord("\n"), 5000),
                                       s_data(b"EXEC\r\n")], limit=4, multi=0, prefix=P)
    # 3: an inline request with more words than argv holds (limit 4 KiB: 683)
    server("bug3-inline-argc", [s_data(b"ECHO" + b" a" * 700 + b"\r\n")], limit=3, prefix=P)


if __name__ == "__main__":
    resp_seeds()
    config_seeds()
    engine_seeds()
    engine_hs_seeds()
    server_seeds()
    server_bug_seeds()

#!/usr/bin/env python3
"""gen_command_docs.py: writes src/command_docs.c, the static tables behind COMMAND
INFO / DOCS / LIST (src/cmd_command.c), from a running redis-server 7.0.15.

For each command name it asks Redis (RESP3, so maps and sets keep their type)
`COMMAND INFO name` and `COMMAND DOCS name`, then the same for each of its
subcommands, and flattens every reply into prefix-order tokens (an aggregate
token holds its element count and the size of its subtree). A subcommand's
tokens are a contiguous slice of its parent's, so it is stored once.

Usage:
    redis-server --port 6300 --save '' --appendonly no &
    python3 ci/gen_command_docs.py --port 6300 [NAME ...] > src/command_docs.c

Without names: every command in the tables of src/cmd_*.c plus EXTRA below.
After adding a command to kv, add its name to EXTRA if its table row is not yet
written (or just rerun once it is) and regenerate; src/cmd_command_test.c fails
while any table row lacks docs.
"""
import argparse
import glob
import os
import re
import socket
import sys

# Commands other branches are adding (their docs exist before their rows do).
EXTRA = ["memory", "object", "touch", "reset", "role", "slowlog", "latency"]


def kv_names(root):
    names = []
    for path in sorted(glob.glob(os.path.join(root, "src", "cmd_*.c"))):
        if path.endswith("_test.c"):
            continue
        with open(path) as f:
            # a command row ends with its key figures (KV_KEYS/KV_KEYNUM/KV_NOKEYS);
            # subcommand tables ({"id", 2, client_id}) do not
            rows = re.finditer(r'^\s*\{"([a-z]+)", -?\d+,[^\n]*KV_(?:KEYS|KEYNUM|NOKEYS)',
                               f.read(), re.M)
            for m in rows:
                names.append(m.group(1))
    return names


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.call("HELLO", "3")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError
            self.buf += d
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.s.recv(1 << 20)
        d, self.buf = self.buf[:n], self.buf[n + 2:]
        return d

    def read(self):
        """One reply as a token list: (type, value, count) with type one of
        A(rray) M(ap) S(et) B(ulk) P (simple) I(nt) N(ull)."""
        ln = self.line()
        t, rest = chr(ln[0]), ln[1:]
        if t in "*%~":
            n = int(rest)
            kind = {"*": "A", "%": "M", "~": "S"}[t]
            toks = [[kind, n, 1]]
            for _ in range(n * (2 if kind == "M" else 1)):
                toks += self.read()
            toks[0][2] = len(toks)
            return toks
        if t == "$":
            return [["B", self.exact(int(rest)).decode(), 1]]
        if t == "+":
            return [["P", rest.decode(), 1]]
        if t == ":":
            return [["I", int(rest), 1]]
        if t == "_":
            return [["N", 0, 1]]
        raise ValueError("unexpected reply %r" % ln)


def find(hay, needle):
    for i in range(len(hay) - len(needle) + 1):
        if hay[i:i + len(needle)] == needle:
            return i
    raise ValueError("subcommand tokens not found in the parent's")


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    names = a.names or kv_names(root) + EXTRA
    names = list(dict.fromkeys(n.lower() for n in names))
    c = Conn(a.port)
    toks, recs = [], []  # recs: (name, info index, docs index, parent record or -1)
    for name in names:
        info = c.call("COMMAND", "INFO", name)
        docs = c.call("COMMAND", "DOCS", name)
        if info[1][0] == "N" or docs[0][1] != 1:
            sys.exit("redis-server has no command %r" % name)
        info, docs = info[1:], docs[2:]
        base, parent = len(toks), len(recs)
        toks += info
        dbase = len(toks)
        toks += docs
        recs.append((name, base, dbase, -1))
        # the 10th element of INFO: the subcommands' INFO arrays
        i, elems = 1, []
        while i < len(info):
            elems.append(i)
            i += info[i][2]
        sub_arr = elems[9]
        j = sub_arr + 1
        while j < sub_arr + info[sub_arr][2]:
            full = info[j + 1][1]
            sinfo = c.call("COMMAND", "INFO", full)[1:]
            sdocs = c.call("COMMAND", "DOCS", full)[2:]
            recs.append((full, base + find(info, sinfo), dbase + find(docs, sdocs), parent))
            j += info[j][2]
    emit(toks, recs, names)


def emit(toks, recs, names):
    pool = {}
    for t in toks:
        if t[0] in "BP" and t[1] not in pool:
            pool[t[1]] = len(pool)
    assert len(pool) < 65536 and len(toks) < (1 << 31)
    out = sys.stdout
    out.write("/*\n * command_docs.c: GENERATED by ci/gen_command_docs.py from redis-server "
              "7.0.15;\n * do not edit (regenerate: see the script's opening comment).\n"
              " * Redis's COMMAND INFO and COMMAND DOCS replies for: %s\n"
              " * and their subcommands, as prefix-order tokens (include/kv/command_docs.h).\n"
              " */\n" % ", ".join(names))
    out.write('#include "kv/command_docs.h"\n\n')
    out.write("static const char *const strs[] = {\n")
    for s in pool:
        out.write("    %s,\n" % c_str(s))
    out.write("};\n\nstatic const struct kv_doc_tok toks[] = {\n")
    kinds = {"A": "KV_DOC_ARRAY", "M": "KV_DOC_MAP", "S": "KV_DOC_SET", "B": "KV_DOC_BULK",
             "P": "KV_DOC_SIMPLE", "I": "KV_DOC_INT", "N": "KV_DOC_NULL"}
    for t in toks:
        if t[0] in "BP":
            v, s = len(t[1].encode()), pool[t[1]]
        else:
            v, s = t[1], 0
        out.write("    {%s, %d, %d, %d},\n" % (kinds[t[0]], s, v, t[2]))
    out.write("};\n\nstatic const struct kv_cmd_doc recs[] = {\n")
    for r in recs:
        out.write("    {%s, %d, %d, %d},\n" % (c_str(r[0]), r[1], r[2], r[3]))
    out.write("};\n\nconst struct kv_doc_tables kv_doc_tables = {\n"
              "    strs, %d, toks, %d, recs, %d,\n};\n" % (len(pool), len(toks), len(recs)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Mutation testing of kv's core (src/*.c, not *_test.c): how much does the
simulator (and, on a sample, the fuller test set) notice?

Each mutant changes one operator at one site in one file:
  rel     a comparison relaxed or tightened (< <-> <=, > <-> >=, == <-> !=)
  flip    a comparison negated (< -> >=, <= -> >, > -> <=, >= -> <)
  arith   `+ 1` / `- 1` dropped, or its sign swapped
  logic   && <-> ||
  const   an integer constant off by one (N -> N+1, N -> N-1)
  negate  an if's condition negated: if (c) -> if (!(c))
  stmt    a statement removed (a call, an assignment, an early return)
Sites inside comments, strings, #include/#if lines and KV_ASSERT/KV_UNREACHABLE
lines are never mutated (a mutated assertion is an assertion, not a bug).

The candidate sites are enumerated in a fixed order and `--seed` draws `--count`
of them: the same seed over the same tree gives the same mutants. Each mutant is
applied to a copy of the tree in a temporary directory (the working tree is never
edited), the release kv is rebuilt there (-O2 without LTO, make -j1: only the
mutated file recompiles), and `--seeds` simulator seeds run with a timeout each:

  stillborn  the build failed (excluded from the score)
  killed     some seed failed, asserted or timed out
  survived   every seed passed

Survivors are printed with file:line and their diff, then two score lines:
  score (sim alone, raw): killed K of M live mutants (S stillborn) = P%   [seed=..]
  score (sim alone, adjusted): killed K of N (E equivalent and U sim-unreachable
      excluded; their suite killed X of the U) = Q%
The adjusted score leaves out
  - equivalent mutants: survivors listed in ci/mutate-equivalent.txt, each reviewed
    by reading the code, with one sentence on why no behaviour a test can observe
    changes (a fast path that declines to its slow path, a buffer one byte larger,
    a performance heuristic); a listed mutant that gets killed is reported as not
    equivalent and counts as killed;
  - mutants in code the simulator cannot reach by design (SIM_REACHABLE_IN: config.c
    outside the few functions the simulator calls; the simulator builds a valid
    kv_config itself): they run the simulator anyway (the raw score counts them)
    and the unit test that covers them (COVERING_TEST: config_test), and the report
    says whether it killed them.

  python3 ci/mutate.py                       # seed 1, 60 mutants, sim seeds 1..20
  python3 ci/mutate.py --seed 7 --count 100 --sim-seeds 20
  python3 ci/mutate.py --list                # the drawn mutants, nothing run
  python3 ci/mutate.py --only 12,40          # re-run some of the drawn mutants
  python3 ci/mutate.py --full --full-sample 15   # also unit tests + tests/sim.sh
  python3 ci/mutate.py --json out.json       # per-mutant results
  python3 ci/mutate.py --rescore out.json    # that run's report with today's equivalent list

--full runs, for a sample of the drawn mutants, the simulator seeds, then every
src/ and sim/ unit test and tests/sim.sh (with SIM_BUDGET_S=--sim-budget): the
`./build.sh test`-like score of that sample (without ASan, e2e and the
differential suite, which need a real kv process and redis-server).

By default src/io_uring.c and src/main.c are left out (--all-files keeps them):
the simulator replaces both by design (it drives the core through the simulated
io and its own entry point), so no simulator seed can reach a mutant there.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM_UNREACHABLE = ("io_uring.c", "main.c")
EQUIVALENT_FILE = os.path.join(ROOT, "ci", "mutate-equivalent.txt")
# Code the simulator cannot reach by design, with the suite that covers it instead:
# config.c's option parsing and validation (the simulator builds a valid kv_config
# directly; only these functions and tables of config.c run under it).
SIM_REACHABLE_IN = {"src/config.c": ("kv_config_defaults", "policy_names", "kv_evict_policy_name",
                                     "kv_config_maxkeys", "kv_config_argc_max",
                                     "kv_config_argv_max")}
COVERING_TEST = {"src/config.c": "config_test"}
MAKE_FLAGS = ["CFLAGS_MODE=-O2", "LDFLAGS_MODE=-O2"]  # release without LTO: faster relinks


# ---- sites ------------------------------------------------------------------

def mask(src):
    """The source with comments, string and char literals blanked (same offsets)."""
    out = list(src)
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            j += 1
        else:
            i += 1
            continue
        for k in range(i, min(j, n)):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


SKIP_LINE = re.compile(r"KV_ASSERT|KV_UNREACHABLE|_Static_assert|KV_STATIC_ASSERT")
REL = re.compile(r"(?<![<>=!&|+\-*/%^])(<=|>=|==|!=|<|>)(?![<>=])")
REL_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
REL_FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
ARITH = re.compile(r"(?<=[\w)\]]) ([+-]) 1(?![\w.])")
LOGIC = re.compile(r"&&|\|\|")
CONST = re.compile(r"(?<![\w.])(\d+)([uUlL]*)(?![\w.])")
IF = re.compile(r"\bif\s*\(")
STMT = re.compile(r"^\s*(?:return\b[^;]*;|[A-Za-z_][\w.>\-\[\]]*\s*"
                  r"(?:=|\+=|-=|\|=|&=|\+\+|--|\()[^;]*;|(?:\+\+|--)\w[^;]*;)\s*$")
DECL = re.compile(r"^\s*(?:const|static|struct|enum|unsigned|signed|int|char|bool|void|"
                  r"long|size_t|u?int\d+_t|double|float|typedef)\b")


def close_paren(m, start):
    """Offset of the ')' matching the '(' at start, or -1."""
    depth = 0
    for k in range(start, len(m)):
        if m[k] == "(":
            depth += 1
        elif m[k] == ")":
            depth -= 1
            if depth == 0:
                return k
        elif m[k] == ";" or m[k] == "{":
            return -1
    return -1


def line_starts(src):
    starts = [0]
    for i, c in enumerate(src):
        if c == "\n":
            starts.append(i + 1)
    return starts


def stmt_sites(path, src, m, lines_m):
    """Whole-statement removals: single-line statements at a statement start."""
    sites = []
    starts = line_starts(src)
    for ln, text in enumerate(lines_m):
        if not STMT.match(text) or DECL.match(text) or SKIP_LINE.search(src[starts[ln]:]
                                                                         .split("\n")[0]):
            continue
        if text.count("(") != text.count(")"):
            continue
        prev = next((lines_m[k].rstrip() for k in range(ln - 1, -1, -1)
                     if lines_m[k].strip()), "")
        if not prev or prev[-1] not in ";{}:":
            continue  # the body of a braceless if/for/else: removing it reshapes code
        if prev.lstrip().startswith(("case ", "default")) and text.strip().startswith("return"):
            pass
        if text.strip().startswith("return"):
            nxt = [lines_m[k] for k in range(ln + 1, len(lines_m)) if lines_m[k].strip()]
            if not nxt:
                continue
            if nxt[0].strip() == "}" and not nxt[0].startswith("    "):
                continue  # a function's last return: removing it is undefined, not a bug
        a = starts[ln] + len(text) - len(text.lstrip())
        b = starts[ln] + len(text.rstrip())
        sites.append((a, b - a, "", "stmt"))
    return sites


def sites_of(path, src):
    m = mask(src)
    lines_m = m.split("\n")
    starts = line_starts(src)
    lines_src = src.split("\n")
    out = []

    def line_ok(off, op):
        ln = line_of(starts, off)
        s = lines_src[ln]
        if SKIP_LINE.search(s):
            return False
        st = s.lstrip()
        if st.startswith("#"):
            return op == "const" and st.startswith("#define")
        return True

    for x in REL.finditer(m):
        op = x.group(1)
        if op in ("<", ">") and m[x.start() - 1:x.start()] == "-":
            continue
        if line_ok(x.start(), "rel"):
            out.append((x.start(), len(op), REL_SWAP[op], "rel"))
            if op in REL_FLIP:
                out.append((x.start(), len(op), REL_FLIP[op], "flip"))
    for x in ARITH.finditer(m):
        if not line_ok(x.start(), "arith"):
            continue
        out.append((x.start(), x.end() - x.start(), "", "arith"))
        other = "-" if x.group(1) == "+" else "+"
        out.append((x.start(), x.end() - x.start(), " %s 1" % other, "arith"))
    for x in LOGIC.finditer(m):
        if line_ok(x.start(), "logic"):
            out.append((x.start(), 2, "||" if x.group(0) == "&&" else "&&", "logic"))
    for x in CONST.finditer(m):
        if not line_ok(x.start(), "const"):
            continue
        v = int(x.group(1))
        suffix = x.group(2)
        out.append((x.start(), x.end() - x.start(), "%d%s" % (v + 1, suffix), "const"))
        if v > 0:
            out.append((x.start(), x.end() - x.start(), "%d%s" % (v - 1, suffix), "const"))
    for x in IF.finditer(m):
        open_at = x.end() - 1
        close = close_paren(m, open_at)
        if close < 0 or not line_ok(x.start(), "negate"):
            continue
        cond = src[open_at + 1:close]
        out.append((open_at + 1, close - open_at - 1, "!(%s)" % cond, "negate"))
    out.extend(stmt_sites(path, src, m, lines_m))
    return [(path, a, n, rep, op) for (a, n, rep, op) in out]


def line_of(starts, off):
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= off:
            lo = mid
        else:
            hi = mid - 1
    return lo


def all_sites(root, all_files):
    names = sorted(f for f in os.listdir(os.path.join(root, "src"))
                   if f.endswith(".c") and not f.endswith("_test.c")
                   and f != "test_engine.c")
    if not all_files:
        names = [f for f in names if f not in SIM_UNREACHABLE]
    sites = []
    for f in names:
        with open(os.path.join(root, "src", f), encoding="utf-8") as fh:
            src = fh.read()
        sites.extend(sites_of("src/" + f, src))
    sites.sort(key=lambda s: (s[0], s[1], s[4], s[3]))
    return sites


TOP_NAME = re.compile(r"([A-Za-z_]\w*)\s*(?:\(|\[|=)")


def enclosing(src, line):
    """The name of the top-level function or table holding 1-based `line`."""
    lines = src.split("\n")
    for k in range(line - 1, -1, -1):
        t = lines[k]
        if not t or t[0] in " \t}#/*" or t.startswith("static_assert"):
            continue
        m = TOP_NAME.search(t)
        return m.group(1) if m else ""
    return ""


def load_equivalent(path):
    """The reviewed equivalent mutants: records of a `file:line op` line, the line
    before (`-`) and after (`+`) the mutation, and why (`=`); matched on file and
    both lines (the line number is for the reader: code moves)."""
    recs, cur = [], None
    if not os.path.exists(path):
        return recs
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            t = raw.rstrip("\n")
            if t.startswith("#") or not t.strip():
                continue
            if t[0] in "-+=" and cur is not None:
                cur[{"-": "before", "+": "after", "=": "why"}[t[0]]] = t[1:].strip()
            else:
                where = t.split()[0]
                cur = {"file": where.rsplit(":", 1)[0], "where": where}
                recs.append(cur)
    for r in recs:
        if not all(k in r for k in ("before", "after", "why")):
            raise SystemExit("mutate: %s: record %s lacks -, + or =" % (path, r["where"]))
    return recs


class Mutant:
    def __init__(self, idx, site, src):
        self.idx = idx
        self.path, self.off, self.n, self.rep, self.op = site
        self.orig_src = src
        self.src = src[:self.off] + self.rep + src[self.off + self.n:]
        self.line = line_of(line_starts(src), self.off) + 1
        self.status = None
        self.detail = ""
        self.equivalent = None   # the reviewed record that says it is equivalent
        self.covered_by = None   # the suite that covers code the simulator cannot reach
        self.cover_result = ""
        where = SIM_REACHABLE_IN.get(self.path)
        if where is not None and enclosing(src, self.line) not in where:
            self.covered_by = COVERING_TEST[self.path]

    def lines(self):
        return (self.orig_src.split("\n")[self.line - 1].strip(),
                self.src.split("\n")[self.line - 1].strip())

    def diff(self):
        a = self.orig_src.split("\n")[self.line - 1]
        b = self.src.split("\n")[self.line - 1]
        if self.op == "stmt":
            b = self.src.split("\n")[self.line - 1]
        return "-%s\n+%s" % (a.rstrip(), b.rstrip())

    def name(self):
        return "#%d %s:%d %s" % (self.idx, self.path, self.line, self.op)


def draw(root, seed, count, all_files):
    sites = all_sites(root, all_files)
    rnd = random.Random(seed)
    chosen = rnd.sample(range(len(sites)), min(count, len(sites)))
    cache = {}
    muts = []
    for i, k in enumerate(chosen):
        path = sites[k][0]
        if path not in cache:
            with open(os.path.join(root, path), encoding="utf-8") as fh:
                cache[path] = fh.read()
        muts.append(Mutant(i + 1, sites[k], cache[path]))
    return len(sites), muts


# ---- running --------------------------------------------------------------------

def copy_tree(root, dst):
    for d in ("src", "include", "sim", "tests", "ci"):
        shutil.copytree(os.path.join(root, d), os.path.join(dst, d))
    shutil.copy(os.path.join(root, "Makefile"), dst)


def make(work, targets, log):
    r = subprocess.run(["make", "-s", "-j1"] + targets + MAKE_FLAGS, cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log is not None:
        log.write(r.stdout)
    return r.returncode == 0


def run_sim(work, seeds, timeout_s):
    """None if every seed passed, else what killed the mutant."""
    for s in seeds:
        try:
            r = subprocess.run([os.path.join(work, "build", "kv"), "sim", "--seed", str(s)],
                               cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return "seed %d: timeout %ds" % (s, timeout_s)
        if r.returncode != 0:
            out = r.stdout.decode("utf-8", "replace").strip().split("\n")
            why = next((l for l in out if "FAIL" in l or "assertion" in l), out[-1] if out else "")
            return "seed %d: exit %d: %s" % (s, r.returncode, why[:160])
    return None


def run_unit(work, test, timeout_s):
    """One unit test binary's exit status, None if it timed out."""
    try:
        r = subprocess.run([os.path.join(work, "build", test)], cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout_s * 4)
    except subprocess.TimeoutExpired:
        return None
    return r.returncode


def run_full(work, timeout_s, sim_budget):
    """Unit tests (src/ and sim/) and tests/sim.sh; None if all pass."""
    if not make(work, ["tests"], None):
        return "unit tests: build failed"
    tests = sorted(f for f in os.listdir(os.path.join(work, "build")) if f.endswith("_test"))
    for t in tests:
        rc = run_unit(work, t, timeout_s)
        if rc is None:
            return "%s: timeout" % t
        if rc != 0:
            return "%s: exit %d" % (t, rc)
    env = dict(os.environ, SIM_BUDGET_S=str(sim_budget), KV_BIN="./build/kv")
    try:
        r = subprocess.run(["bash", "tests/sim.sh"], cwd=work, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=1800)
    except subprocess.TimeoutExpired:
        return "tests/sim.sh: timeout"
    if r.returncode != 0:
        lines = r.stdout.decode("utf-8", "replace").strip().split("\n")
        return "tests/sim.sh: %s" % next((l for l in lines if "FAIL" in l), lines[-1])[:160]
    return None


def run_covering(work, test, timeout_s):
    """`killed` if the unit test that covers the mutant's code fails on it."""
    if not make(work, ["build/" + test], None):
        return "killed (%s does not build)" % test
    rc = run_unit(work, test, timeout_s)
    if rc is None:
        return "killed (%s timed out)" % test
    return "killed by %s" % test if rc != 0 else "survived %s" % test


def write_file(work, path, text):
    with open(os.path.join(work, path), "w", encoding="utf-8") as fh:
        fh.write(text)


def evaluate(work, m, args, full):
    write_file(work, m.path, m.src)
    try:
        if not make(work, ["all"], None):
            m.status, m.detail = "stillborn", "build failed"
            return
        why = run_sim(work, args.seeds, args.timeout)
        if why is None and full:
            why = run_full(work, args.timeout, args.sim_budget)
            if why is not None:
                why = "full: " + why
        m.status = "killed" if why else "survived"
        m.detail = why or ""
        if m.covered_by is not None:
            m.cover_result = run_covering(work, m.covered_by, args.timeout)
    finally:
        write_file(work, m.path, m.orig_src)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="mutant draw seed (default 1)")
    ap.add_argument("--count", type=int, default=60, help="mutants to draw (default 60)")
    ap.add_argument("--sim-seeds", type=int, default=20, help="simulator seeds 1..N (20)")
    ap.add_argument("--sim-seed-list", default="", help="explicit comma-separated sim seeds")
    ap.add_argument("--timeout", type=int, default=30, help="seconds per sim seed (30)")
    ap.add_argument("--only", default="", help="comma-separated mutant numbers to run")
    ap.add_argument("--list", action="store_true", help="print the drawn mutants and exit")
    ap.add_argument("--full", action="store_true",
                    help="also unit tests and tests/sim.sh, on --full-sample mutants")
    ap.add_argument("--full-sample", type=int, default=15,
                    help="mutants (drawn with --seed) that get the fuller set (15)")
    ap.add_argument("--sim-budget", type=int, default=20,
                    help="SIM_BUDGET_S for tests/sim.sh under --full (20)")
    ap.add_argument("--all-files", action="store_true",
                    help="mutate src/io_uring.c and src/main.c too")
    ap.add_argument("--root", default=ROOT, help="tree to mutate (default: this checkout)")
    ap.add_argument("--rescore", default="",
                    help="report a finished run's --json again (same --seed/--count)")
    ap.add_argument("--equivalent", default=EQUIVALENT_FILE,
                    help="the reviewed equivalent mutants (ci/mutate-equivalent.txt)")
    ap.add_argument("--json", default="", help="write per-mutant results here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary tree")
    a = ap.parse_args()
    if a.sim_seed_list:
        a.seeds = [int(x) for x in a.sim_seed_list.split(",")]
    else:
        a.seeds = list(range(1, a.sim_seeds + 1))
    return a


def report(args, muts, total_sites, elapsed):
    live_ms = [m for m in muts if m.status in ("killed", "survived")]
    # --full runs their covering suite too: then they count like any other mutant.
    unreach = [m for m in live_ms if m.covered_by is not None and not args.full]
    equiv = [m for m in live_ms if m not in unreach and m.equivalent is not None
             and m.status == "survived"]
    wrong = [m for m in live_ms if m not in unreach and m.equivalent is not None
             and m.status == "killed"]
    rest = [m for m in live_ms if m not in unreach and m not in equiv]
    survivors = [m for m in rest if m.status == "survived"]
    if equiv:
        print("\n== equivalent, excluded (ci/mutate-equivalent.txt)")
        for m in equiv:
            print("%s: %s" % (m.name(), m.equivalent["why"]))
    if wrong:
        print("\n== listed as equivalent but KILLED: not equivalent (remove it from the list),"
              " or killed by a check that measures more than replies (say which)")
        for m in wrong:
            print("%s %s\n%s" % (m.name(), m.detail, m.diff()))
    if unreach:
        print("\n== unreachable by the simulator by design, excluded (covered by their suite)")
        for m in unreach:
            print("%s (%s): sim %s; %s" % (m.name(), enclosing(m.orig_src, m.line),
                                          m.status, m.cover_result))
    if survivors:
        print("\n== survivors")
        for m in survivors:
            print("%s\n%s" % (m.name(), m.diff()))
    still = sum(1 for m in muts if m.status == "stillborn")
    killed = sum(1 for m in live_ms if m.status == "killed")
    pct = 100.0 * killed / len(live_ms) if live_ms else 0.0
    adj_killed = sum(1 for m in rest if m.status == "killed")
    adj = 100.0 * adj_killed / len(rest) if rest else 0.0
    what = "sim+unit+sim.sh" if args.full else "sim alone"
    seeds = "%d..%d" % (args.seeds[0], args.seeds[-1]) if len(args.seeds) > 1 else args.seeds
    print("\nscore (%s, raw): killed %d of %d live mutants (%d stillborn) = %.1f%%   "
          "[mutant seed=%d, %d of %d sites, sim seeds %s, %ds]"
          % (what, killed, len(live_ms), still, pct, args.seed, len(muts), total_sites, seeds,
             elapsed))
    cover_killed = sum(1 for m in unreach if m.cover_result.startswith("killed"))
    print("score (%s, adjusted): killed %d of %d (%d equivalent and %d sim-unreachable "
          "excluded; their suite killed %d of the %d) = %.1f%%"
          % (what, adj_killed, len(rest), len(equiv), len(unreach), cover_killed,
             len(unreach), adj))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"seed": args.seed, "sites": total_sites, "sim_seeds": args.seeds,
                       "full": args.full, "score": pct, "adjusted": adj,
                       "mutants": [{"n": m.idx, "file": m.path, "line": m.line, "op": m.op,
                                    "diff": m.diff(), "status": m.status,
                                    "detail": m.detail,
                                    "equivalent": m.equivalent is not None,
                                    "covered_by": m.covered_by, "cover": m.cover_result}
                                   for m in muts]}, fh, indent=1)


def rescore(args, muts, total):
    """The report of a finished run (--json) with today's equivalent list: the
    statuses are the measured ones; only the classification is redone."""
    with open(args.rescore) as fh:
        run = json.load(fh)
    by_n = {r["n"]: r for r in run["mutants"]}
    kept = []
    for m in muts:
        r = by_n.get(m.idx)
        if r is None:
            continue
        if r["diff"] != m.diff():
            raise SystemExit("mutate: %s: mutant #%d differs from the run's (src/ changed?)"
                             % (args.rescore, m.idx))
        m.status, m.detail, m.cover_result = r["status"], r["detail"], r.get("cover", "")
        kept.append(m)
    args.seeds = run["sim_seeds"]
    args.full = run["full"]
    args.json = ""
    report(args, kept, total, 0)
    return 0


def main():
    args = parse_args()
    total, muts = draw(args.root, args.seed, args.count, args.all_files)
    recs = load_equivalent(args.equivalent)
    for m in muts:
        before, after = m.lines()
        m.equivalent = next((r for r in recs if r["file"] == m.path and r["before"] == before
                             and r["after"] == after), None)
    if args.only:
        keep = {int(x) for x in args.only.split(",")}
        muts = [m for m in muts if m.idx in keep]
    if args.rescore:
        return rescore(args, muts, total)
    if args.list:
        for m in muts:
            print(m.name() + (" [listed equivalent]" if m.equivalent else "") +
                  (" [sim-unreachable, %s]" % m.covered_by if m.covered_by else ""))
            print(m.diff())
        print("%d mutants of %d sites (seed %d)" % (len(muts), total, args.seed))
        return 0
    full_ids = set()
    if args.full:
        rnd = random.Random(args.seed * 7919 + 1)
        pool = [m.idx for m in muts]
        full_ids = set(rnd.sample(pool, min(args.full_sample, len(pool))))
        muts = [m for m in muts if m.idx in full_ids]
    work = tempfile.mkdtemp(prefix="kv-mutate-")
    start = time.time()
    try:
        copy_tree(args.root, work)
        with open(os.path.join(work, "build.log"), "w") as log:
            if not make(work, ["all"], log):
                print("mutate: the unmutated tree does not build", file=sys.stderr)
                return 2
        why = run_sim(work, args.seeds, args.timeout)
        if why is not None:
            print("mutate: the unmutated tree fails the simulator: %s" % why, file=sys.stderr)
            return 2
        print("mutate: %d mutants (seed %d, %d sites), %d sim seeds, tree %s"
              % (len(muts), args.seed, total, len(args.seeds), work), flush=True)
        for m in muts:
            t0 = time.time()
            evaluate(work, m, args, args.full)
            tag = " [listed equivalent]" if m.equivalent else ""
            tag += " [sim-unreachable: %s]" % m.cover_result if m.covered_by else ""
            print("%-44s %-9s %5.1fs %s%s" % (m.name(), m.status, time.time() - t0, m.detail,
                                              tag), flush=True)
        report(args, muts, total, int(time.time() - start))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

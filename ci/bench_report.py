"""bench_report.py: the Markdown report of ci/bench.py (formatting only, no measuring).

Role: turns the per-row summary, the raw runs and the extras (keys until -OOM, startup
time) into one Markdown document: machine header, the A/B table, the extras, and the
targets of the "performance" issue with met/missed. Owns nothing; pure functions.
"""
import bench_util as bu

# (description, row filter, metric, comparison, bound)
TARGETS = (
    ("P=16 throughput kv/redis >= 1.5", lambda r: r["pipeline"] == 16, "ratio_rps", ">=", 1.5),
    ("P=16 CPU/request kv/redis <= 0.5", lambda r: r["pipeline"] == 16, "ratio_cpu_us_req",
     "<=", 0.5),
    ("P=1, 50 clients: CPU/request <= 0.9",
     lambda r: r["pipeline"] == 1 and r["clients"] == 50, "ratio_cpu_us_req", "<=", 0.9),
    ("P=1, 1000 clients: CPU/request <= 0.8",
     lambda r: r["pipeline"] == 1 and r["clients"] == 1000, "ratio_cpu_us_req", "<=", 0.8),
    ("P=1 throughput kv/redis >= 0.95", lambda r: r["pipeline"] == 1, "ratio_rps", ">=", 0.95),
    ("p99 no worse (kv/redis <= 1.0)", lambda r: True, "ratio_p99", "<=", 1.0),
)


def _f(x, fmt):
    return "-" if x is None else fmt % x


def _kops(x):
    return _f(None if x is None else x / 1000, "%.1f")


def _pct(x):
    return None if x is None else x * 100


def _busy(runs):
    others = [r["other_cpus"] for r in runs]
    if not others:
        return "no runs"
    med, top = bu.median(others), max(others)
    note = ("**busy: other processes used CPU during the runs; absolute numbers are noisy**"
            if med > 0.15 or top > 0.5 else "quiet")
    again = sum(1 for r in runs if r.get("tries", 1) > 1 and r["server"] == "kv")
    return ("median %.2f, max %.2f CPUs used by other processes during runs (%s); "
            "%d of %d pairs re-run for background load" % (
                med, top, note, again, len(runs) // 2))


def table(summary):
    head = ("| test | clients | P | value | kreq/s kv | kreq/s redis | thru kv/redis "
            "| p50 ms kv / redis | p99 ms kv / redis | p99 kv/redis "
            "| CPU µs/req kv / redis | CPU kv/redis | server CPU % kv / redis |")
    lines = [head, "|" + "---|" * 13]
    for s in summary:
        lines.append("| %s | %d | %d | %d B | %s | %s | %s | %s / %s | %s / %s | %s | %s / %s | %s "
                     "| %s / %s |"
                     % (s["test"], s["clients"], s["pipeline"], s["size"],
                        _kops(s["kv_rps"]), _kops(s["redis_rps"]), _f(s["ratio_rps"], "%.2f"),
                        _f(s["kv_p50"], "%.3f"), _f(s["redis_p50"], "%.3f"),
                        _f(s["kv_p99"], "%.3f"), _f(s["redis_p99"], "%.3f"),
                        _f(s["ratio_p99"], "%.2f"),
                        _f(s["kv_cpu_us_req"], "%.2f"), _f(s["redis_cpu_us_req"], "%.2f"),
                        _f(s["ratio_cpu_us_req"], "%.2f"),
                        _f(_pct(s["kv_cpu_util"]), "%.0f"), _f(_pct(s["redis_cpu_util"]), "%.0f")))
    return lines


def targets(summary, extras):
    lines = ["| target | rows | worst row | value | met |", "|---|---|---|---|---|"]
    for desc, pick, metric, cmp, bound in TARGETS:
        rows = [s for s in summary if pick(s) and not s.get("extra") and s[metric] is not None]
        if not rows:
            continue
        key = (lambda s: s[metric])
        worst = min(rows, key=key) if cmp == ">=" else max(rows, key=key)
        ok = worst[metric] >= bound if cmp == ">=" else worst[metric] <= bound
        met = sum(1 for s in rows if (s[metric] >= bound if cmp == ">=" else s[metric] <= bound))
        lines.append("| %s | %d/%d met | %s | %.2f | %s |" % (
            desc, met, len(rows), worst["label"], worst[metric], "yes" if ok else "**no**"))
    oom = extras.get("oom")
    if oom:
        ok = oom["ratio"] >= 1.3
        lines.append("| keys in 64 MiB kv/redis >= 1.3 | 1/1 | - | %.2f | %s |"
                     % (oom["ratio"], "yes" if ok else "**no**"))
    few = [s for s in summary if s.get("extra")]
    if few:
        lines += ["", "Rows with 1 and 10 clients are not among the issue's targets (they check "
                  "that batching never makes few clients wait); kv/redis throughput / p99 / "
                  "CPU per request: " + "; ".join(
                      "%s %s / %s / %s" % (s["label"], _f(s["ratio_rps"], "%.2f"),
                                           _f(s["ratio_p99"], "%.2f"),
                                           _f(s["ratio_cpu_us_req"], "%.2f")) for s in few) + "."]
    return lines


def extras_lines(extras):
    lines = []
    oom = extras.get("oom")
    if oom:
        lines += ["", "Keys stored before the first `-OOM` (maxmemory %s, noeviction, %d-byte "
                  "keys, %d-byte values, pipelined SET; `ci/keys_until_oom.py`):"
                  % (oom["maxmemory"], oom["key_bytes"], oom["value_bytes"]), "",
                  "| server | keys | bytes/key of budget |", "|---|---|---|"]
        budget = 64 * 1024 * 1024
        for k in ("kv", "redis"):
            n = oom[k]["keys"]
            lines.append("| %s | %d | %.1f |" % (k, n, budget / n if n else 0))
        lines.append("| kv/redis | %.2f | |" % oom["ratio"])
    st = extras.get("startup")
    if st:
        lines += ["", "Startup, exec to the ready line (median of %d; maxmemory 1gb): kv %.0f ms "
                  "(runs: %s), redis-server %.0f ms (it maps its memory lazily)."
                  % (len(st["kv"]["runs_s"]), st["kv"]["median_s"] * 1000,
                     ", ".join("%.0f" % (x * 1000) for x in st["kv"]["runs_s"]),
                     st["redis"]["median_s"] * 1000)]
    return lines


def markdown(info, a, summary, runs, extras):
    kv_opts = " ".join(["--maxmemory 1gb --maxclients 2048"] + a.kv_arg)
    lines = [
        "## Benchmark: kv vs %s" % info["redis"], "",
        "%s; %d CPUs (%s); Linux %s; load average %.2f at start, %.2f at end; "
        "%s; %.0f s in all." % (info["date"], info["nproc"], info["cpu"], info["kernel"],
                                info["load"][0], info["load_end"][0], _busy(runs),
                                info["elapsed_s"]), "",
        "Both servers on 127.0.0.1, pinned to CPU 0; redis-benchmark pinned to CPU 1. "
        "kv `%s`; redis-server `--save '' --appendonly no --maxmemory 1gb "
        "--maxmemory-policy noeviction --maxclients 10000`. %d rounds; in each round every "
        "row runs on both servers back to back (a pair), the order alternating, each "
        "timed run right after an untimed warm-up of a tenth of its requests; the P=1 "
        "rows with 50 clients run three pairs a round, each of a third of the requests "
        "(a pair's ratio spreads as widely at 100k requests as at 300k: more, shorter "
        "pairs narrow the median in the same time). GET/SET use `-r %d` "
        "over keys preloaded with values of the row's size (so GETs hit); LRANGE_100 is "
        "`lrange mylist 0 99` after the LPUSH row. Values are medians over pairs; "
        "ratios are medians of per-pair kv/redis ratios. CPU µs/req: the server's "
        "utime+stime (/proc/PID/stat) over the run divided by requests; server CPU %% is "
        "that time over the run's wall time: well below 100%% means redis-benchmark (one "
        "thread on CPU 1), not the server, set the pace, so the throughput ratio says "
        "little and CPU µs/req is the figure to compare."
        % (kv_opts, a.rounds, a.keys), "",
    ]
    lines += table(summary)
    lines += extras_lines(extras)
    lines += ["", "Targets (issue \"performance\"):", ""] + targets(summary, extras)
    return "\n".join(lines) + "\n"

#!/usr/bin/env python3
"""Turns the benchmark clients' result lines into run.sh's table.

    report.py wrk CONCURRENCY [MAXRSS_FILE] < wrk-output   -> one result line for wrk
    report.py table RAW_FILE                               -> the table (medians over repetitions)
    report.py charts RAW_FILE OUT_DIR                      -> SVG charts of the same medians

A result line is `key=value` pairs (bench_common.hpp prints them); run.sh
prefixes `scenario=... rep=...`. Medians are taken per metric; errors are summed
over every repetition, so one failed request anywhere shows.
"""

import re
import statistics
import sys

CLIENT_ORDER = ["corest", "corest_h1", "curl", "beast", "wrk", "h2load"]
CLIENT_NAMES = {"corest": "corest", "corest_h1": "corest h1", "curl": "libcurl", "beast": "raw Beast",
                "wrk": "wrk", "h2load": "h2load"}


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_line(concurrency, maxrss_file):
    text = sys.stdin.read()
    fields = {"client": "wrk", "concurrency": concurrency}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    fields["requests"] = m.group(1) if m else "0"
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    fields["rps"] = m.group(1) if m else "0"
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(r"^\s+" + pct + r"%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        fields[key] = "%.3f" % to_ms(*m.groups()) if m else "0"
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(g) for g in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    fields["errors"] = str(errors)
    if maxrss_file:
        try:
            m = re.search(r"maxrss_kib=(\d+)", open(maxrss_file).read())
            if m:
                fields["peak_rss_kib"] = m.group(1)
        except OSError:
            pass
    print(" ".join("%s=%s" % kv for kv in fields.items()))


def h2load_line(concurrency):
    """h2load's summary as a result line (it prints no latency percentiles)."""
    text = sys.stdin.read()
    fields = {"client": "h2load", "concurrency": concurrency}
    m = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", text)
    fields["seconds"], fields["rps"] = (m.group(1), m.group(2)) if m else ("0", "0")
    m = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
    fields["requests"] = m.group(2) if m else "0"
    fields["errors"] = str(int(m.group(3)) + int(m.group(4))) if m else "1"
    print(" ".join("%s=%s" % kv for kv in fields.items()))


def parse(path):
    runs = []
    for line in open(path):
        fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if "scenario" in fields and "client" in fields:
            runs.append(fields)
    return runs


def median(runs, key):
    values = [float(r[key]) for r in runs if key in r]
    return statistics.median(values) if values else None


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def table(path):
    runs = parse(path)
    scenarios = list(dict.fromkeys(r["scenario"] for r in runs))
    out = []
    load = [s for s in scenarios if "inflight" not in s]
    inflight = [s for s in scenarios if "inflight" in s]
    if load:
        out.append("%-16s %-10s %10s %9s %9s %13s %7s" % ("scenario", "client", "req/s", "p50 ms", "p99 ms",
                                                          "peak RSS MiB", "errors"))
        for s in load:
            med = {}
            for c in CLIENT_ORDER:
                rs = [r for r in runs if r["scenario"] == s and r["client"] == c]
                if not rs:
                    continue
                rss = median(rs, "peak_rss_kib")
                med[c] = {"rps": median(rs, "rps"), "p50": median(rs, "p50_ms"), "p99": median(rs, "p99_ms"),
                          "rss": rss / 1024 if rss is not None else None}
                errors = sum(int(r.get("errors", 0)) for r in rs)
                tunnels = median(rs, "tunnels")   # proxy scenarios: CONNECTs the proxy logged per run
                out.append("%-16s %-10s %10s %9s %9s %13s %7d%s" % (
                    s, CLIENT_NAMES[c], fmt(med[c]["rps"], ".0f"), fmt(med[c]["p50"], ".3f"),
                    fmt(med[c]["p99"], ".3f"), fmt(med[c]["rss"], ".1f"), errors,
                    "" if tunnels is None else "   %.0f CONNECTs" % tunnels))
            for other in ("corest_h1", "curl", "beast", "h2load"):
                if "corest" in med and other in med:
                    a, b = med["corest"], med[other]
                    ratio = lambda k: fmt(a[k] / b[k] if a[k] and b[k] else None, ".2f")
                    out.append("%-16s %-10s %10s %9s %9s %13s" % (
                        "", "corest/" + {"corest_h1": "h1", "curl": "libcurl", "beast": "Beast",
                                         "h2load": "h2load"}[other],
                        ratio("rps") + "x", ratio("p50") + "x", ratio("p99") + "x", ratio("rss") + "x"))
    if inflight:
        out.append("")
        out.append("%-16s %-10s %7s %9s %13s %12s %7s" % ("scenario", "client", "calls", "seconds", "peak RSS MiB",
                                                          "KiB/call", "errors"))
        for s in inflight:
            per = {}
            for c in CLIENT_ORDER:
                rs = [r for r in runs if r["scenario"] == s and r["client"] == c]
                if not rs:
                    continue
                per_call = [(float(r["peak_rss_kib"]) - float(r["base_rss_kib"])) / max(1, int(r["requests"]))
                            for r in rs]
                per[c] = statistics.median(per_call)
                rss = median(rs, "peak_rss_kib")
                errors = sum(int(r.get("errors", 0)) for r in rs)
                out.append("%-16s %-10s %7s %9s %13s %12.1f %7d" % (
                    s, CLIENT_NAMES[c], fmt(median(rs, "requests"), ".0f"), fmt(median(rs, "seconds"), ".2f"),
                    fmt(rss / 1024 if rss else None, ".1f"), per[c], errors))
            for other in ("curl", "beast"):
                if "corest" in per and per.get(other):
                    out.append("%-16s %-10s %7s %9s %13s %11.2fx" % (
                        "", "corest/" + ("libcurl" if other == "curl" else "Beast"), "", "", "",
                        per["corest"] / per[other]))
    print("\n".join(out))


def charts(path, out_dir):
    """Requests per second per scenario and client, and memory per waiting call, as SVG.

    Needs matplotlib (Debian python3-matplotlib); without it, says so and draws nothing.
    """
    try:
        import matplotlib
        matplotlib.use("svg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: matplotlib not installed, no charts (apt-get install python3-matplotlib)")
        return
    import os
    matplotlib.rcParams["svg.hashsalt"] = "corest"   # the same data draws the same file
    runs = parse(path)
    scenarios = list(dict.fromkeys(r["scenario"] for r in runs))
    load = [s for s in scenarios if "inflight" not in s]
    inflight = [s for s in scenarios if "inflight" in s]
    written = []

    def bars(names, values_by_client, ylabel, title, filename):
        """One panel per scenario (each on its own scale), one bar per client."""
        colors = {c: "C%d" % i for i, c in enumerate(CLIENT_ORDER)}
        cols = min(4, len(names))
        rows = (len(names) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
        for ax, name in zip([a for row in axes for a in row], names):
            clients = [c for c in CLIENT_ORDER if name in values_by_client.get(c, {})]
            values = [values_by_client[c][name] for c in clients]
            ax.bar(range(len(clients)), values, color=[colors[c] for c in clients])
            ax.set_xticks(range(len(clients)), [CLIENT_NAMES[c] for c in clients], rotation=30, ha="right")
            for x, v in enumerate(values):
                ax.annotate("%.0f" % v if v >= 10 else "%.1f" % v, (x, v), ha="center", va="bottom", fontsize=8)
            ax.set_title(name, fontsize=10)
            ax.grid(axis="y", alpha=0.3)
            ax.margins(y=0.15)
        for ax in [a for row in axes for a in row][len(names):]:
            ax.set_visible(False)
        for row in axes:
            row[0].set_ylabel(ylabel)
        fig.suptitle(title)
        fig.tight_layout()
        target = os.path.join(out_dir, filename)
        fig.savefig(target, metadata={"Date": None})
        plt.close(fig)
        written.append(target)

    if load:
        rps = {}
        for s in load:
            for c in CLIENT_ORDER:
                rs = [r for r in runs if r["scenario"] == s and r["client"] == c]
                if rs:
                    rps.setdefault(c, {})[s] = median(rs, "rps")
        bars(load, rps, "requests/s (median)", "Throughput by scenario and client", "throughput.svg")
    if inflight:
        per = {}
        for s in inflight:
            for c in CLIENT_ORDER:
                rs = [r for r in runs if r["scenario"] == s and r["client"] == c]
                if rs:
                    per.setdefault(c, {})[s] = statistics.median(
                        (float(r["peak_rss_kib"]) - float(r["base_rss_kib"])) / max(1, int(r["requests"])) for r in rs)
        bars(inflight, per, "KiB per call (median)", "Memory per call in flight", "memory.svg")
    for target in written:
        print("report.py: wrote %s" % target)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "h2load":
        h2load_line(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "wrk":
        wrk_line(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "charts":
        charts(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)

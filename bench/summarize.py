#!/usr/bin/python3
"""Summarise a bench/run results directory: tables, ratios, plots, report.

  summarize.py DIR

Reads DIR/results.jsonl (one JSON object per run, written by bench/run) and
writes, in DIR:
  results.tsv   one row per run
  summary.tsv   median, min and max per (bench, dataset, system, engine, threads)
  ratios.tsv    dmlhog against each peer measured in the same run
  engine_ratios.tsv  dmlhog's engines against each other (samples/s), per
                set and thread count
  memory.tsv    peak RSS against the size of the data in binary form
  traces.tsv    metric against training time, per epoch (for the plots)
  report.md     the tables above in Markdown, with the issue's targets checked
  *.png         gnuplot plots (when gnuplot is installed)
Standard library only.
"""
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

KEY = ("bench", "dataset", "generated", "system", "engine", "threads")
# Cyclades' per-batch statistics (the "batch" object of dmlhog's last epoch
# event, flattened into the row by load()): batches per epoch, samples per
# batch, the hot-parameter threshold, and per batch the conflict-graph
# components, the largest component's share of the batch, the hot parameters;
# plan_share is the share of worker time spent building the graphs.
BATCH_FIELDS = ("batches", "batch_size", "hot_threshold", "components", "largest_share",
                "hot_params", "plan_share")
FIELDS = ("load_s", "train_s", "wall_s", "epoch_s", "samples_per_s", "nnz_per_s",
          "mb_per_s", "value", "tta_s", "peak_rss_kb") + BATCH_FIELDS
RESULT_COLS = ("bench", "dataset", "generated", "system", "engine", "threads", "rep",
               "status", "load_s", "train_s", "wall_s", "epochs", "epoch_s", "rows", "nnz",
               "samples_per_s", "nnz_per_s", "mb_per_s", "metric", "value", "target",
               "tta_s", "peak_rss_kb", "data_bytes", "binary_bytes") + BATCH_FIELDS
# Engine against engine on samples/s, same set and thread count: (numerator,
# denominator).  serial runs on one thread only: it is the denominator at
# every thread count.
ENGINE_PAIRS = (("hogwild", "serial"), ("cyclades", "serial"), ("cyclades", "hogwild"),
                ("locked", "hogwild"))
# the generated sets the engine targets are checked on
ENGINE_TARGET_SETS = ("gen-sparse", "gen-ratings")


def num(x):
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) \
        else None


def fmt(x, digits=4):
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
            return "%.*g" % (digits, x)
        return ("%.*g" % (digits, x)) if abs(x) >= 1 else "%.4f" % x
    return str(x)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except ValueError:
                continue
            r["threads"] = int(r.get("threads") or 1)
            r.setdefault("status", "ok")
            r.setdefault("generated", "no")
            ep = num(r.get("epochs"))
            r["epoch_s"] = num(r.get("train_s")) / ep if num(r.get("train_s")) and ep else None
            batch = r.get("batch") if isinstance(r.get("batch"), dict) else {}
            for f in BATCH_FIELDS:
                r.setdefault(f, batch.get(f))
            rows.append(r)
    return rows


def parse_from_linear(rows):
    """scikit-learn's parse rows for the sets where bench/run leaves them
    out: its linear runs time the same load_svmlight_file call on the same
    training file in every repetition.  Their peak RSS is the whole run's
    (test set and model too), so it is left out."""
    parsed = {r["dataset"] for r in rows if r["bench"] == "parse"}
    have = {r["dataset"] for r in rows if r["bench"] == "parse" and r["system"] == "sklearn"}
    out = []
    for r in rows:
        if (r["bench"] != "linear" or r["system"] != "sklearn" or r["dataset"] not in parsed
                or r["dataset"] in have or not ok(r)):
            continue
        load_s, size = num(r.get("load_s")), num(r.get("data_bytes"))
        if not load_s or not size:
            continue
        out.append({"bench": "parse", "rep": r.get("rep"), "dataset": r["dataset"],
                    "generated": r["generated"], "data_bytes": size,
                    "binary_bytes": r.get("binary_bytes"), "system": "sklearn",
                    "engine": "load_svmlight_file", "threads": 1, "status": "ok",
                    "load_s": load_s, "wall_s": load_s, "rows": r.get("rows"),
                    "nnz": r.get("nnz"), "mb_per_s": size / 1e6 / load_s, "metric": "MB/s",
                    "value": size / 1e6 / load_s})
    return out


def ok(r):
    return r.get("status") == "ok"


def better_is_lower(metric):
    return metric in ("test_rmse",)


def set_targets(rows):
    """Time to target: LIBLINEAR's median accuracy minus 0.5 points (linear);
    LIBLINEAR's RMSE plus 1 % (regression); for MF (and regression without
    LIBLINEAR) the worst final RMSE of all systems, a level every one reached.
    tta_s counts load time too: from start until the target was reached."""
    targets = {}
    for ds in {r["dataset"] for r in rows if r["bench"] == "linear"}:
        ll = [num(r.get("value")) for r in rows if r["bench"] == "linear" and ok(r)
              and r["dataset"] == ds and r["system"] == "liblinear"]
        m = median(ll)
        if m is not None:
            targets[("linear", ds)] = m - 0.005
    for bench, ds in {(r["bench"], r["dataset"]) for r in rows
                      if r["bench"] in ("mf", "regression")}:
        finals = {}
        for r in rows:
            if r["bench"] == bench and ok(r) and r["dataset"] == ds and num(r.get("value")):
                finals.setdefault(tuple(r[k] for k in KEY), []).append(r["value"])
        ll = [num(r.get("value")) for r in rows if r["bench"] == bench and ok(r)
              and r["dataset"] == ds and r["system"] == "liblinear"]
        if bench == "regression" and median(ll) is not None:
            targets[(bench, ds)] = median(ll) * 1.01
        elif finals:
            targets[(bench, ds)] = max(median(v) for v in finals.values()) + 1e-9
    for r in rows:
        t = targets.get((r["bench"], r["dataset"]))
        r["target"] = t
        r["tta_s"] = None
        if t is None or not ok(r):
            continue
        if r["system"] == "liblinear":
            r["tta_s"] = num(r.get("wall_s"))
            continue
        lower = better_is_lower(r.get("metric"))
        for point in r.get("trace") or []:
            v = num(point[2]) if len(point) > 2 else None
            if v is not None and (v <= t if lower else v >= t):
                r["tta_s"] = (num(r.get("load_s")) or 0) + point[1]
                break
    return targets


def group(rows):
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in KEY), []).append(r)
    out = []
    for key, rs in groups.items():
        good = [r for r in rs if ok(r)]
        g = dict(zip(KEY, key))
        g["n_ok"], g["n_runs"] = len(good), len(rs)
        g["status"] = "ok" if good else rs[-1].get("status", "failed")
        g["metric"] = next((r.get("metric") for r in rs if r.get("metric")), "")
        g["params"] = next((r.get("params") for r in good if r.get("params")), None)
        for f in FIELDS:
            xs = [num(r.get(f)) for r in good]
            xs = [x for x in xs if x is not None]
            g[f] = statistics.median(xs) if xs else None
            g[f + "_min"] = min(xs) if xs else None
            g[f + "_max"] = max(xs) if xs else None
        for f in ("binary_bytes", "data_bytes", "rows", "nnz"):
            g[f] = next((r.get(f) for r in rs if num(r.get(f))), None)
        g["trace"] = next((r.get("trace") for r in good if r.get("trace")), None)
        out.append(g)
    out.sort(key=lambda g: (g["bench"], g["dataset"], g["system"] != "dmlhog", g["system"],
                            g["engine"], g["threads"]))
    return out


def spread(g, f):
    """Relative spread (max - min) / median, in percent."""
    m, lo, hi = g.get(f), g.get(f + "_min"), g.get(f + "_max")
    if m in (None, 0) or lo is None or hi is None:
        return None
    return 100.0 * (hi - lo) / abs(m)


def label(g):
    return "%s %s T%d" % (g["system"], g["engine"], g["threads"])


def ratios(groups):
    """dmlhog (every engine and thread count) against every peer, per set."""
    out = []
    by = {}
    for g in groups:
        by.setdefault((g["bench"], g["dataset"]), []).append(g)
    for (bench, ds), gs in sorted(by.items()):
        ours = [g for g in gs if g["system"] == "dmlhog" and g["n_ok"]]
        peers = [g for g in gs if g["system"] != "dmlhog" and g["n_ok"]]
        for d in ours:
            for p in peers:
                for measure, higher_better in MEASURES.get(bench, ()):
                    a, b = d.get(measure), p.get(measure)
                    if a is None or b is None or a == 0 or b == 0:
                        continue
                    r = a / b if higher_better else b / a
                    out.append({"bench": bench, "dataset": ds, "generated": d["generated"],
                                "dmlhog": label(d), "peer": label(p), "measure": measure,
                                "dmlhog_value": a, "peer_value": b, "ratio": r})
    return out


# measure -> higher is better?  Ratios are "times better for dmlhog".
MEASURES = {
    "parse": (("mb_per_s", True),),
    "linear": (("epoch_s", False), ("tta_s", False), ("load_s", False)),
    "regression": (("epoch_s", False), ("tta_s", False), ("load_s", False)),
    "mf": (("samples_per_s", True), ("tta_s", False), ("load_s", False)),
}


def engine_ratios(groups):
    """dmlhog's engines against each other on samples/s (ENGINE_PAIRS), per
    (bench, set, thread count), from the medians of the same run."""
    ours = {}
    for g in groups:
        if g["system"] == "dmlhog" and g["bench"] in ("linear", "regression", "mf") \
                and g["n_ok"] and g.get("samples_per_s"):
            ours[(g["bench"], g["dataset"], g["engine"], g["threads"])] = g
    out = []
    for (bench, ds, eng, t), g in sorted(ours.items()):
        for a, b in ENGINE_PAIRS:
            if eng != a:
                continue
            base = ours.get((bench, ds, b, 1 if b == "serial" else t))
            if base is None:
                continue
            out.append({"bench": bench, "dataset": ds, "generated": g["generated"],
                        "threads": t, "pair": "%s/%s" % (a, b), "engine": a, "baseline": b,
                        "baseline_threads": base["threads"],
                        "value": g["samples_per_s"], "baseline_value": base["samples_per_s"],
                        "ratio": g["samples_per_s"] / base["samples_per_s"]})
    pair_at = {"%s/%s" % ab: i for i, ab in enumerate(ENGINE_PAIRS)}
    out.sort(key=lambda e: (e["bench"], e["dataset"], e["threads"], pair_at[e["pair"]]))
    return out


def memory(groups):
    out = []
    for g in groups:
        if g["bench"] not in ("linear", "mf") or not g["n_ok"]:
            continue
        b, rss = num(g.get("binary_bytes")), g.get("peak_rss_kb")
        if not b or rss is None:
            continue
        out.append({"dataset": g["dataset"], "generated": g["generated"], "system": g["system"],
                    "engine": g["engine"], "threads": g["threads"], "binary_bytes": b,
                    "peak_rss_bytes": rss * 1024, "ratio": rss * 1024 / b})
    return out


def write_tsv(path, cols, rows):
    with open(path, "w") as f:
        f.write("\t".join(cols) + "\n")
        for r in rows:
            f.write("\t".join("" if r.get(c) is None else
                              ("%.6g" % r[c] if isinstance(r.get(c), float) else str(r[c]))
                              for c in cols) + "\n")


def md_table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def ds_name(g):
    return g["dataset"] + (" (generated)" if g.get("generated") == "yes" else "")


def with_spread(g, f, scale=1.0, digits=4):
    m = g.get(f)
    if m is None:
        return "-"
    s = spread(g, f)
    return fmt(m * scale, digits) + ("" if s is None or g["n_ok"] < 2 else " ±%.0f%%" % (s / 2))


def engine_targets(groups):
    """On the generated sets: Cyclades with 2 threads at least 1.6x serial's
    samples/s and 0.9x Hogwild's with 2 threads; Hogwild with 2 threads at
    least 1.8x itself with 1 (serial when Hogwild's T1 was not run)."""
    lines = []
    sps, run = {}, set()
    for g in groups:
        if g["system"] != "dmlhog" or g["bench"] not in ("linear", "mf") \
                or g["dataset"] not in ENGINE_TARGET_SETS:
            continue
        run.add((g["bench"], g["dataset"], g["engine"]))
        run.add((g["bench"], g["dataset"], g["engine"], g["threads"]))
        if g["n_ok"] and g.get("samples_per_s"):
            sps[(g["bench"], g["dataset"], g["engine"], g["threads"])] = g["samples_per_s"]

    def check(bench, ds, a, ta, b, tb, want, note=""):
        x, y = sps.get((bench, ds, a, ta)), sps.get((bench, ds, b, tb))
        what = "%s %s: %s T%d against %s T%d%s" % (bench, ds, a, ta, b, tb, note)
        if x is None or y is None:
            missing = [("%s T%d" % (e, t)) for e, t, v in ((a, ta, x), (b, tb, y)) if v is None]
            return ("%s: not measured (no successful %s run; target >= %.1fx samples/s)"
                    % (what, " or ".join(missing), want), False)
        return ("%s: %.2fx the samples/s (target >= %.1fx)" % (what, x / y, want), x / y >= want)

    for bench, ds in sorted({(k[0], k[1]) for k in run}):
        if (bench, ds, "cyclades") in run:
            if (bench, ds, "serial") in run:
                lines.append(check(bench, ds, "cyclades", 2, "serial", 1, 1.6))
            if (bench, ds, "hogwild") in run:
                lines.append(check(bench, ds, "cyclades", 2, "hogwild", 2, 0.9))
        if (bench, ds, "hogwild") in run:
            if (bench, ds, "hogwild", 1) in sps or (bench, ds, "serial") not in run:
                lines.append(check(bench, ds, "hogwild", 2, "hogwild", 1, 1.8, " (scaling)"))
            else:
                why = "no successful hogwild T1 run" if (bench, ds, "hogwild", 1) in run \
                    else "hogwild T1 not run"
                lines.append(check(bench, ds, "hogwild", 2, "serial", 1, 1.8,
                                   " (scaling; %s: against serial instead)" % why))
    return lines


def check_targets(groups, rat, mem):
    """The issue's targets, met or not, in plain words."""
    lines = []

    def best(measure, bench, peer_sys, peer_eng=None, ds_filter=None):
        rs = [r for r in rat if r["bench"] == bench and r["measure"] == measure
              and r["peer"].split()[0] == peer_sys
              and (peer_eng is None or peer_eng in r["peer"])
              and (ds_filter is None or ds_filter(r["dataset"]))]
        return rs

    most = {}
    for g in groups:
        if g["bench"] == "parse" and g["system"] == "dmlhog":
            most[g["dataset"]] = max(most.get(g["dataset"], 0), g["threads"])
    for r in best("mb_per_s", "parse", "sklearn"):
        if r["dmlhog"].split()[-1] != "T%d" % most.get(r["dataset"], 1):
            continue
        lines.append(("parse %s: %s vs sklearn load_svmlight_file: %.1fx (target >= 5x with all cores)"
                      % (r["dataset"], r["dmlhog"], r["ratio"]), r["ratio"] >= 5))
    for r in best("mb_per_s", "parse", "wc"):
        if r["dmlhog"].split()[-1] != "T%d" % most.get(r["dataset"], 1):
            continue
        lines.append(("parse %s: %s at %.2fx the speed of wc -l (target: within 4x, i.e. >= 0.25x)"
                      % (r["dataset"], r["dmlhog"], r["ratio"]), r["ratio"] >= 0.25))
    for r in best("epoch_s", "linear", "sklearn"):
        lines.append(("linear %s: %s per epoch %.1fx faster than SGDClassifier (target >= 2x)"
                      % (r["dataset"], r["dmlhog"], r["ratio"]), r["ratio"] >= 2))
    for r in best("tta_s", "linear", "liblinear"):
        lines.append(("linear %s: %s reaches LIBLINEAR-0.5pt %.2fx sooner than LIBLINEAR "
                      "finishes (target > 1x on the larger sets)"
                      % (r["dataset"], r["dmlhog"], r["ratio"]), r["ratio"] > 1))
    for r in best("samples_per_s", "mf", "pytorch"):
        lines.append(("mf %s: %s %.1fx the updates/s of %s (target >= 10x at the same RMSE)"
                      % (r["dataset"], r["dmlhog"], r["ratio"], r["peer"]), r["ratio"] >= 10))
    for m in mem:
        if m["system"] != "dmlhog" or m["binary_bytes"] < 100e6:
            continue
        lines.append(("memory %s: %s T%d peak RSS %.2fx the binary data (target <= 1.5x)"
                      % (m["dataset"], m["engine"], m["threads"], m["ratio"]), m["ratio"] <= 1.5))
    groups_linear = [g for g in groups if g["bench"] == "linear" and g["system"] == "dmlhog"
                     and g["target"] is not None and g["tta_s"] is None and g["n_ok"]]
    for g in groups_linear:
        lines.append(("linear %s: %s never reached the target accuracy %.4f"
                      % (g["dataset"], label(g), g["target"]), False))
    return lines + engine_targets(groups)


def engines_section(groups, eng):
    """One row per (bench, set, threads): each engine's samples/s and the
    ENGINE_PAIRS ratios, all medians of this run."""
    if not eng:
        return ""
    pairs = [p for p in ("%s/%s" % ab for ab in ENGINE_PAIRS) if any(e["pair"] == p for e in eng)]
    names = []
    for a, b in ENGINE_PAIRS:
        for n in (b, a):
            if n not in names and any(e["engine"] == n or e["baseline"] == n for e in eng):
                names.append(n)
    sps = {(g["bench"], g["dataset"], g["engine"], g["threads"]): g.get("samples_per_s")
           for g in groups if g["system"] == "dmlhog" and g["n_ok"]}
    ratio = {(e["bench"], e["dataset"], e["threads"], e["pair"]): e["ratio"] for e in eng}
    trs = []
    gen = {(e["bench"], e["dataset"]): e["generated"] for e in eng}
    for bench, ds, t in sorted({(e["bench"], e["dataset"], e["threads"]) for e in eng}):
        cells = [ds + (" (generated)" if gen[(bench, ds)] == "yes" else ""), bench, str(t)]
        cells += [fmt(sps.get((bench, ds, n, 1 if n == "serial" else t))) for n in names]
        cells += [("%.2fx" % ratio[(bench, ds, t, p)]) if (bench, ds, t, p) in ratio else "-"
                  for p in pairs]
        trs.append(cells)
    return ("## Engines against each other\n\nTraining samples/s (rows x epochs / training "
            "time) of dmlhog's engines on the same files in this run, medians over reps; "
            "serial runs on one thread and is the baseline at every thread count. Ratios > 1: "
            "the first engine is faster.\n\n" + md_table(
                ["set", "bench", "threads"] + ["%s samples/s" % n +
                                               (" (T1)" if n == "serial" else "")
                                               for n in names] + pairs, trs))


def cyclades_section(groups):
    gs = [g for g in groups if g["system"] == "dmlhog" and g["engine"] == "cyclades"
          and g["bench"] in ("linear", "regression", "mf")]
    if not gs:
        return ""
    trs = []
    for g in sorted(gs, key=lambda g: (g["dataset"], g["bench"], g["threads"])):
        thr = g.get("hot_threshold")
        if thr is None and g.get("batch_size") is not None:
            thr = "off"
        pct = (lambda x: "-" if x is None else "%.1f" % (100 * x))
        trs.append([ds_name(g), g["bench"], str(g["threads"]), "%d/%d" % (g["n_ok"], g["n_runs"]),
                    fmt(g.get("batch_size")), fmt(g.get("batches")), fmt(thr),
                    fmt(g.get("components")), pct(g.get("largest_share")),
                    fmt(g.get("hot_params")), pct(g.get("plan_share")),
                    fmt(g.get("samples_per_s"))])
        if g["n_ok"] == 0:
            trs[-1][-1] += " (%s)" % g["status"][:60]
    return ("## Cyclades batches\n\nFrom the last epoch of each timed run, medians over "
            "reps: samples per batch, batches per epoch, the hot-parameter threshold "
            "(parameters in more samples of a batch stay out of the conflict graph), and per "
            "batch the connected components of the conflict graph, the largest component's "
            "share of the batch, the hot parameters; graph building is the share of worker "
            "time spent building the conflict graphs.\n\n" + md_table(
                ["set", "bench", "threads", "ok", "batch size", "batches/epoch", "hot threshold",
                 "components/batch", "largest component %", "hot params/batch",
                 "graph building % of worker time", "samples/s"], trs))


def report(d, rows, groups, rat, mem, targets, eng=()):
    env = ""
    if os.path.exists(os.path.join(d, "env.txt")):
        with open(os.path.join(d, "env.txt")) as f:
            env = f.read()
    out = ["# dmlhog benchmark results\n",
           "Median of the repetitions, ± half the spread (max - min) in percent of the median. "
           "Sets marked (generated) are synthetic: see Data.\n",
           "```\n" + env + "```\n"]
    # data
    sets = {}
    for g in groups:
        sets.setdefault(g["dataset"], g)
    drows = []
    metas = {}
    mdir = os.path.join(d, "data")
    if os.path.isdir(mdir):
        for fn in sorted(os.listdir(mdir)):
            if fn.endswith(".train.meta"):
                with open(os.path.join(mdir, fn)) as f:
                    cmd = [ln[len("command: "):].strip() for ln in f if ln.startswith("command: ")]
                metas[fn[:-len(".train.meta")]] = cmd[0] if cmd else ""
    for ds, g in sorted(sets.items()):
        drows.append([ds, g["generated"], fmt(g.get("rows")), fmt(g.get("nnz")),
                      fmt(g.get("data_bytes")), fmt(g.get("binary_bytes")),
                      ("`" + metas[ds] + "`") if ds in metas else "real"])
    out.append("## Data\n\n" + md_table(["set", "generated", "train rows", "train nnz",
                                         "text bytes", "binary bytes (train+test)", "source"],
                                        drows))
    # per bench
    for bench, title, cols in (
            ("parse", "Parse (MB/s of text read; dmlhog = convert, which also writes the "
                      "binary cache; scikit-learn's load_svmlight_file timed inside its "
                      "linear runs where it has them, so no peak RSS)",
             (("MB/s", "mb_per_s"), ("s", "wall_s"), ("peak RSS MB", "peak_rss_kb"))),
            ("linear", "Linear models (test accuracy; s/epoch = training time / epochs; "
                       "time to target includes loading)",
             (("load s", "load_s"), ("s/epoch", "epoch_s"), ("train s", "train_s"),
              ("accuracy", "value"), ("time to target s", "tta_s"),
              ("peak RSS MB", "peak_rss_kb"))),
            ("regression", "Linear regression (test RMSE; ml-latest-small's ratings against a "
                           "one-hot user and movie; s/epoch = training time / epochs)",
             (("load s", "load_s"), ("s/epoch", "epoch_s"), ("train s", "train_s"),
              ("RMSE", "value"), ("time to target s", "tta_s"),
              ("peak RSS MB", "peak_rss_kb"))),
            ("mf", "Matrix factorisation (test RMSE; updates/s = ratings x epochs / training "
                   "time)",
             (("load s", "load_s"), ("updates/s", "samples_per_s"), ("train s", "train_s"),
              ("RMSE", "value"), ("time to target s", "tta_s"),
              ("peak RSS MB", "peak_rss_kb")))):
        gs = [g for g in groups if g["bench"] == bench]
        if not gs:
            continue
        trs = []
        for g in gs:
            cells = [ds_name(g), g["system"], g["engine"], str(g["threads"]),
                     "%d/%d" % (g["n_ok"], g["n_runs"])]
            for _, f in cols:
                cells.append(with_spread(g, f, 1 / 1024 if f == "peak_rss_kb" else 1.0))
            if g["n_ok"] == 0:
                cells[-1] += " (%s)" % g["status"][:60]
            trs.append(cells)
        out.append("## %s\n\n" % title + md_table(
            ["set", "system", "engine", "threads", "ok"] + [c for c, _ in cols], trs))
        tg = [(ds, t) for (b, ds), t in sorted(targets.items()) if b == bench]
        if tg:
            out.append("Targets: " + ", ".join("%s %.4f" % (ds, t) for ds, t in tg) +
                       (" (LIBLINEAR -s 0 accuracy - 0.005)" if bench == "linear"
                        else " (LIBLINEAR -s 11 RMSE + 1 %)" if bench == "regression"
                        and any(g["system"] == "liblinear" for g in gs)
                        else " (worst final RMSE among the systems)") + "\n")
        rr = [r for r in rat if r["bench"] == bench]
        if rr:
            out.append("\nRatios (how many times better dmlhog is; < 1: the peer is "
                       "better):\n\n" + md_table(
                           ["set", "dmlhog", "peer", "measure", "dmlhog", "peer", "ratio"],
                           [[r["dataset"], r["dmlhog"], r["peer"], r["measure"],
                             fmt(r["dmlhog_value"]), fmt(r["peer_value"]),
                             "%.2fx" % r["ratio"]] for r in rr]))
    for sec in (engines_section(groups, eng), cyclades_section(groups)):
        if sec:
            out.append(sec)
    if mem:
        out.append("## Memory (peak RSS / binary size of train + test)\n\n" + md_table(
            ["set", "system", "engine", "threads", "binary MB", "peak RSS MB", "ratio"],
            [[m["dataset"] + (" (generated)" if m["generated"] == "yes" else ""), m["system"],
              m["engine"], m["threads"], fmt(m["binary_bytes"] / 1e6),
              fmt(m["peak_rss_bytes"] / 1e6), "%.2fx" % m["ratio"]] for m in mem]))
    checks = check_targets(groups, rat, mem)
    if checks:
        out.append("## Targets from the issue\n\n" + "\n".join(
            "- %s %s" % ("met:   " if good else "MISSED:", text) for text, good in checks) + "\n")
    failed = [r for r in rows if not ok(r)]
    if failed:
        out.append("## Failed runs\n\n" + md_table(
            ["bench", "set", "system", "engine", "threads", "rep", "status"],
            [[r["bench"], r["dataset"], r["system"], r.get("engine"), r["threads"],
              r.get("rep"), r.get("status", "")[:120]] for r in failed]))
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(out))


# ---------- plots ----------

def gp_escape(s):
    return s.replace("_", "\\_").replace('"', "'")


def plot_bars(d, name, title, ylabel, groups, bench, field, logscale=True):
    gs = [g for g in groups if g["bench"] == bench and g.get(field) is not None]
    if not gs:
        return None
    sets = sorted({g["dataset"] for g in gs})
    confs = sorted({label(g) for g in gs}, key=lambda c: (not c.startswith("dmlhog"), c))
    val = {(g["dataset"], label(g)): g[field] for g in gs}
    return bars(d, name, title, ylabel, sets, confs, val, logscale)


def bars(d, name, title, ylabel, sets, confs, val, logscale=True, extra=""):
    """Grouped bars: one cluster per set, one bar per conf; val[(set, conf)]."""
    dat = os.path.join(d, name + ".dat")
    with open(dat, "w") as f:
        f.write("set\t" + "\t".join('"%s"' % gp_escape(c) for c in confs) + "\n")
        for s in sets:
            f.write('"%s"\t' % gp_escape(s) +
                    "\t".join("%.6g" % val[(s, c)] if (s, c) in val else "-" for c in confs)
                    + "\n")
    return """set title "%s"
set ylabel "%s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing "-"
set key outside right top vertical
set xtics rotate by -30
%s
set yrange [%s:*]
# gnuplot's default palette has 8 colours: more series would share them
COLORS = "#9400d3 #009e73 #56b4e9 #e69f00 #f0e442 #0072b2 #e51e10 #000000 #8c564b #ff69b4 #7f7f7f #bcbd22 #17becf #2ca02c #ff7f0e #1f1f7a"
%splot for [i=2:%d] "%s" using i:xtic(1) title columnheader(i) lc rgb word(COLORS, (i - 2) %% 16 + 1)
""" % (title, ylabel, "set logscale y" if logscale else "unset logscale y",
       "*" if logscale else "0", extra, len(confs) + 1, dat)


def plot_speedup(d, groups):
    """dmlhog's engines: samples/s relative to serial (T1) on the same set,
    per engine and thread count, one cluster per linear/mf set."""
    gs = [g for g in groups if g["system"] == "dmlhog" and g["bench"] in ("linear", "mf")
          and g["n_ok"] and g.get("samples_per_s")]
    serial = {g["dataset"]: g["samples_per_s"] for g in gs if g["engine"] == "serial"}
    gs = [g for g in gs if g["engine"] != "serial" and g["dataset"] in serial]
    if not gs:
        return None
    order = {a: i for i, a in enumerate(dict.fromkeys(x for ab in ENGINE_PAIRS for x in ab))}
    confs = [c for _, _, c in sorted({(order.get(g["engine"], 99), g["threads"],
                                       "%s T%d" % (g["engine"], g["threads"])) for g in gs})]
    sets = sorted({g["dataset"] for g in gs})
    val = {(g["dataset"], "%s T%d" % (g["engine"], g["threads"])):
           g["samples_per_s"] / serial[g["dataset"]] for g in gs}
    return bars(d, "engine-speedup", "dmlhog engines: training samples/s relative to serial "
                "(higher is better)", "x serial samples/s", sets, confs, val, logscale=False,
                extra='set arrow from graph 0, first 1 to graph 1, first 1 nohead '
                      'dashtype 2 lc rgb "gray"\n')


def plot_traces(d, name, title, ylabel, groups, bench, dataset):
    # systems without a per-epoch trace (LIBLINEAR) are one point: the end
    gs = [g for g in groups if g["bench"] == bench and g["dataset"] == dataset and g["n_ok"]
          and (g.get("trace") or (g.get("value") is not None and g.get("wall_s")))]
    if not gs:
        return None
    plots = []
    for i, g in enumerate(gs):
        dat = os.path.join(d, "%s-%d.dat" % (name, i))
        with open(dat, "w") as f:
            load = num(g.get("load_s")) or 0
            for p in g.get("trace") or [[0, g["wall_s"] - load, g["value"]]]:
                if len(p) > 2 and num(p[2]) is not None:
                    f.write("%.6g\t%.6g\n" % (load + p[1], p[2]))
        plots.append('"%s" using 1:2 with linespoints pt %d title "%s"'
                     % (dat, 7 if g.get("trace") else 9, gp_escape(label(g))))
    tgt = next((g["target"] for g in gs if g.get("target") is not None), None)
    if tgt is not None:
        plots.append('%.6g with lines dashtype 2 lc rgb "gray" title "target"' % tgt)
    return """set title "%s"
set xlabel "seconds since start (load + training)"
set ylabel "%s"
set key outside right top vertical
set logscale x
plot %s
""" % (title, ylabel, ", ".join(plots))


def plot_memory(d, mem):
    if not mem:
        return None
    dat = os.path.join(d, "memory.dat")
    systems = sorted({m["system"] for m in mem})
    with open(dat, "w") as f:
        for s in systems:
            f.write('# %s\n' % s)
            for m in mem:
                if m["system"] == s:
                    f.write("%.6g\t%.6g\t\"%s\"\n" % (m["binary_bytes"] / 1e6,
                                                      m["peak_rss_bytes"] / 1e6,
                                                      gp_escape(m["dataset"])))
            f.write("\n\n")
    plots = ['"%s" index %d using 1:2 with points pt 7 ps 1.2 title "%s"' % (dat, i, s)
             for i, s in enumerate(systems)]
    plots += ['x with lines dashtype 2 lc rgb "gray" title "RSS = binary size"',
              '1.5*x with lines dashtype 3 lc rgb "red" title "1.5x (target)"']
    return """set title "Peak memory against the binary size of the data"
set xlabel "train + test in binary form (MB)"
set ylabel "peak RSS (MB)"
set logscale xy
set key outside right top vertical
plot %s
""" % ", ".join(plots)


def plots(d, groups, mem):
    if not shutil.which("gnuplot"):
        return []
    term = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    t = "pngcairo size 1100,600 font ',10'" if "pngcairo" in term.stdout + term.stderr \
        else "png size 1100,600"
    pdir = os.path.join(d, "plots")
    os.makedirs(pdir, exist_ok=True)
    scripts = {
        "parse": plot_bars(pdir, "parse", "Parse speed (MB/s, higher is better)", "MB/s",
                           groups, "parse", "mb_per_s"),
        "linear-epoch": plot_bars(pdir, "linear-epoch",
                                  "Linear: seconds per epoch (lower is better)", "s/epoch",
                                  groups, "linear", "epoch_s"),
        "linear-tta": plot_bars(pdir, "linear-tta",
                                "Linear: time to LIBLINEAR - 0.5 points, incl. load "
                                "(lower is better)", "seconds", groups, "linear", "tta_s"),
        "mf-updates": plot_bars(pdir, "mf-updates", "MF: updates per second (higher is better)",
                                "updates/s", groups, "mf", "samples_per_s"),
        "memory": plot_memory(pdir, mem),
        "engine-speedup": plot_speedup(pdir, groups),
    }
    for bench, ylabel in (("linear", "test accuracy"), ("regression", "test RMSE"),
                          ("mf", "test RMSE")):
        for ds in sorted({g["dataset"] for g in groups if g["bench"] == bench}):
            scripts["%s-%s" % (bench, ds)] = plot_traces(
                pdir, "%s-%s" % (bench, ds), "%s: %s against time" % (ds, ylabel), ylabel,
                groups, bench, ds)
    made = []
    for name, s in scripts.items():
        if not s:
            continue
        gp = os.path.join(pdir, name + ".gp")
        png = os.path.join(d, name + ".png")
        with open(gp, "w") as f:
            f.write("set terminal %s\nset output \"%s\"\n%s" % (t, png, s))
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
        if r.returncode == 0 and os.path.exists(png):
            made.append(png)
        else:
            sys.stderr.write("summarize: gnuplot %s: %s\n" % (gp, r.stderr.strip()[:300]))
    return made


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: summarize.py DIR\n")
        return 64
    d = sys.argv[1]
    rows = load(os.path.join(d, "results.jsonl"))
    rows += parse_from_linear(rows)
    targets = set_targets(rows)
    groups = group(rows)
    for g in groups:
        g["target"] = targets.get((g["bench"], g["dataset"]))
    write_tsv(os.path.join(d, "results.tsv"), RESULT_COLS, rows)
    cols = list(KEY) + ["n_ok", "n_runs", "status", "metric", "target"]
    for f in FIELDS:
        cols += [f, f + "_min", f + "_max"]
    cols += ["rows", "nnz", "data_bytes", "binary_bytes"]
    write_tsv(os.path.join(d, "summary.tsv"), cols, groups)
    rat = ratios(groups)
    write_tsv(os.path.join(d, "ratios.tsv"), ["bench", "dataset", "generated", "dmlhog", "peer",
                                              "measure", "dmlhog_value", "peer_value", "ratio"],
              rat)
    mem = memory(groups)
    write_tsv(os.path.join(d, "memory.tsv"), ["dataset", "generated", "system", "engine",
                                              "threads", "binary_bytes", "peak_rss_bytes",
                                              "ratio"], mem)
    trs = []
    for r in rows:
        for p in r.get("trace") or []:
            if len(p) > 2:
                trs.append({k: r.get(k) for k in KEY + ("rep", "metric")} |
                           {"epoch": p[0], "train_s": p[1], "value": p[2]})
    write_tsv(os.path.join(d, "traces.tsv"), list(KEY) + ["rep", "metric", "epoch", "train_s",
                                                          "value"], trs)
    eng = engine_ratios(groups)
    write_tsv(os.path.join(d, "engine_ratios.tsv"),
              ["bench", "dataset", "generated", "threads", "pair", "engine", "baseline",
               "baseline_threads", "value", "baseline_value", "ratio"], eng)
    report(d, rows, groups, rat, mem, targets, eng)
    made = plots(d, groups, mem)
    sys.stderr.write("summarize: %d runs, %d groups, %d ratios, %d engine ratios, %d plots in %s\n"
                     % (len(rows), len(groups), len(rat), len(eng), len(made), d))
    return 0


if __name__ == "__main__":
    sys.exit(main())

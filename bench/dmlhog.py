#!/usr/bin/python3
"""Run dmlhog (or a plain command) for the benchmarks; print one JSON line.

  dmlhog.py train   --dmlhog BIN --train F [--test F] --engine E [--engine-flags F]
                    --threads N ...
                    [-- extra dmlhog train flags]
  dmlhog.py convert --dmlhog BIN --file F --threads N     (parse speed)
  dmlhog.py cmd     --system S --engine E --file F -- COMMAND ...

Wall time and peak RSS are measured here for the child (wait4).  `train`
runs dmlhog twice, reading its JSON Lines log (--log): first without
--test, for the timing: train_s is the last epoch's wall_s (the time since
training began), load_s the time from the log's start event to the last
epoch event minus train_s (reading the data); then with --test, for the
per-epoch test trace and the final test metric.  The trace's times include
the test scoring of the earlier epochs, so time to target errs against
dmlhog.  Peak RSS is the larger of the two runs (the second holds the test
set too).  When the timing run's last epoch event has a "batch" object
(Cyclades: batch size, conflict-graph components, hot parameters, share of
worker time spent building the graphs), the row carries it as "batch".
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def run(cmd, stdout_path, stderr_path, timeout):
    """Run cmd; return (exit status, wall seconds, peak RSS in KiB)."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        deadline = t0 + timeout if timeout > 0 else None
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.monotonic() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                return "timeout", time.monotonic() - t0, ru.ru_maxrss
            time.sleep(0.002)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, wall, ru.ru_maxrss


def status_word(rc, stderr_path):
    if rc == 0:
        return "ok"
    if rc == "timeout":
        return "timeout"
    try:
        with open(stderr_path, errors="replace") as f:
            last = [ln.strip() for ln in f if ln.strip()][-1:]
    except OSError:
        last = []
    return "failed (exit %s%s)" % (rc, ": " + last[0][:160] if last else "")


def per_s(count, seconds):
    return count / seconds if count is not None and seconds and seconds > 0 else None


def train_once(a, extra, test):
    """One `dmlhog train`; returns (summary, log events, exit, wall, rss, command, status)."""
    tmp = tempfile.mkdtemp(prefix="dmlhog-bench-")
    log, model = os.path.join(tmp, "log.jsonl"), os.path.join(tmp, "model")
    engine = a.engine_flags.split() if a.engine_flags else ["--engine", a.engine]
    # -T is both the engine's workers and the parser's threads: the engine's
    # count wins, or a "1 thread" row would run 2 workers
    cmd = [a.dmlhog, "train", "--summary", "json", "--log", log] + engine + [
           "-T", str(a.threads)]
    if test:
        cmd += ["--test", test]
    if a.time_limit:
        cmd += ["--time-limit", str(a.time_limit)]
    cmd += extra + [a.train, model]
    rc, wall, rss = run(cmd, os.path.join(tmp, "out"), os.path.join(tmp, "err"), a.timeout)
    summary, events = {}, []
    try:
        with open(os.path.join(tmp, "out")) as f:
            lines = [ln for ln in f if ln.startswith("{")]
        summary = json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError):
        pass
    try:
        with open(log) as f:
            events = [json.loads(ln) for ln in f if ln.startswith("{")]
    except (OSError, ValueError):
        pass
    st = status_word(rc, os.path.join(tmp, "err"))
    if st == "ok" and summary.get("status") not in (None, "ok"):
        st = "dmlhog: " + str(summary.get("status"))
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    return summary, events, wall, rss, cmd, st


def epoch_events(events):
    start = next((e for e in events if e.get("event") == "start"), None)
    return start, [e for e in events if e.get("event") == "epoch"]


def cmd_train(a, extra):
    """Timing comes from a run without --test (nothing but reading and
    training, as scikit-learn's fit time); the per-epoch test trace and the
    final test metric from a second run with --test."""
    summary, events, wall, rss, cmd, st = train_once(a, extra, None)
    start, epochs = epoch_events(events)
    train_s = epochs[-1]["wall_s"] if epochs else None
    load_s = None
    if start and epochs and train_s is not None:
        load_s = max(0.0, epochs[-1]["time"] - start["time"] - train_s)
    n_ep = summary.get("epochs", len(epochs))
    # Cyclades' batch statistics of the timed run's last epoch, as logged
    batch = epochs[-1].get("batch") if epochs else None
    batch = dict(batch) if isinstance(batch, dict) else None
    value, trace, metric = None, [], "test_accuracy"
    if a.test and st == "ok":
        tsum, tev, _, trss, _, tst = train_once(a, extra, a.test)
        mf = "test_rmse" in tsum or tsum.get("task") == "mf"
        metric = "test_rmse" if mf else "test_accuracy"
        key = "rmse" if mf else "accuracy"
        tstart, tepochs = epoch_events(tev)
        # the traced run's times hold the test scoring of the earlier epochs
        trace = [[e["epoch"], e["wall_s"], (e.get("test") or {}).get(key)] for e in tepochs]
        value, rss, st = tsum.get(metric), max(rss, trss), tst
    work = a.rows * n_ep if a.rows else None
    nnz = a.nnz * n_ep if a.nnz else None
    return {
        "dataset": a.dataset, "system": "dmlhog", "engine": a.engine, "threads": a.threads,
        "load_s": load_s, "train_s": train_s, "wall_s": wall, "epochs": n_ep,
        "rows": a.rows, "nnz": a.nnz,
        "samples_per_s": per_s(work, train_s), "nnz_per_s": per_s(nnz, train_s),
        "metric": metric, "value": value, "peak_rss_kb": rss,
        "params": {"command": " ".join(cmd[1:2] + extra), "parse_threads":
                   a.threads, "config": summary.get("config"),
                   "timing": "run without --test; trace and metric from a run with --test"},
        "trace": trace, "status": st, "batch": batch}


def cmd_convert(a):
    tmp = tempfile.mkdtemp(prefix="dmlhog-bench-")
    cache = os.path.join(tmp, "data.cache")
    cmd = [a.dmlhog, "convert", "-T", str(a.threads), a.file, cache]
    rc, wall, rss = run(cmd, os.path.join(tmp, "out"), os.path.join(tmp, "err"), a.timeout)
    size = os.path.getsize(a.file)
    binary = os.path.getsize(cache) if os.path.exists(cache) else None
    st = status_word(rc, os.path.join(tmp, "err"))
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    return {"dataset": a.dataset, "system": "dmlhog", "engine": "convert",
            "threads": a.threads, "load_s": wall, "train_s": None, "wall_s": wall,
            "rows": a.rows, "nnz": a.nnz, "bytes": size, "binary_bytes": binary,
            "mb_per_s": size / 1e6 / wall if st == "ok" else None,
            "samples_per_s": per_s(a.rows, wall), "nnz_per_s": per_s(a.nnz, wall),
            "metric": "MB/s", "value": size / 1e6 / wall if st == "ok" else None,
            "peak_rss_kb": rss, "status": st,
            "params": {"note": "parse + write of the binary cache"}}


def cmd_plain(a, extra):
    tmp = tempfile.mkdtemp(prefix="dmlhog-bench-")
    rc, wall, rss = run(extra, os.devnull, os.path.join(tmp, "err"), a.timeout)
    st = status_word(rc, os.path.join(tmp, "err"))
    os.unlink(os.path.join(tmp, "err"))
    os.rmdir(tmp)
    size = os.path.getsize(a.file)
    return {"dataset": a.dataset, "system": a.system, "engine": a.engine,
            "threads": a.threads, "load_s": wall, "train_s": None, "wall_s": wall,
            "rows": a.rows, "nnz": a.nnz, "bytes": size,
            "mb_per_s": size / 1e6 / wall if st == "ok" else None,
            "samples_per_s": per_s(a.rows, wall), "nnz_per_s": per_s(a.nnz, wall),
            "metric": "MB/s", "value": size / 1e6 / wall if st == "ok" else None,
            "peak_rss_kb": rss, "status": st, "params": {"command": " ".join(extra)}}


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        k = argv.index("--")
        argv, extra = argv[:k], argv[k + 1:]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["train", "convert", "cmd"])
    ap.add_argument("--dmlhog", default="dmlhog")
    ap.add_argument("--dataset", default="")
    ap.add_argument("--train")
    ap.add_argument("--test")
    ap.add_argument("--file")
    ap.add_argument("--engine", default="serial")
    ap.add_argument("--engine-flags", default="",
                    help="dmlhog flags selecting the engine, instead of --engine ENGINE")
    ap.add_argument("--system", default="")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--parse-threads", type=int, default=0)
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--nnz", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=0, help="kill the run after this")
    a = ap.parse_args(argv)
    a.rows, a.nnz = a.rows or None, a.nnz or None
    if a.mode == "train":
        row = cmd_train(a, extra)
    elif a.mode == "convert":
        row = cmd_convert(a)
    else:
        row = cmd_plain(a, extra)
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())

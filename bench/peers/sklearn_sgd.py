#!/usr/bin/python3
"""scikit-learn SGDClassifier (or SGDRegressor) on svmlight files: one benchmark run, one JSON line.

The objective is dmlhog's: mean loss + (alpha/2)|w|^2 with alpha = lambda
(PEERS.md), penalty l2, tol=None so it runs exactly --epochs epochs, the
default step schedule ('optimal' for the classifier, 'invscaling' for the
regressor, whose loss 'squared_error' is dmlhog's 0.5 (y - p)^2), shuffling.  load_svmlight_file is timed
apart from training; the test set is scored after every epoch (not timed)
so that time-to-target can be read from the trace.  Each epoch is one
partial_fit call, which continues the same step schedule that fit would
run.  Multiclass is one-vs-rest, parallel over classes with --threads.
"""
import time

T_START = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import load_svmlight_file  # noqa: E402
from sklearn.linear_model import SGDClassifier, SGDRegressor  # noqa: E402


def same_width(x, d):
    """Give a test matrix the training width (drop ids training never saw)."""
    if x.shape[1] < d:
        x = x.tocsr(copy=True)
        x.resize((x.shape[0], d))
        return x
    return x[:, :d] if x.shape[1] > d else x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--dataset", default="")
    ap.add_argument("--task", default="classification", choices=["classification", "regression"])
    ap.add_argument("--loss", default="logistic", choices=["logistic", "hinge", "squared_hinge"])
    ap.add_argument("--lambda", dest="lam", type=float, default=-1,
                    help="L2 strength (alpha); < 0: 1/n, LIBLINEAR's C = 1")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    t0 = time.monotonic()
    xtr, ytr = load_svmlight_file(a.train)
    load_s = time.monotonic() - t0
    xte, yte = load_svmlight_file(a.test)
    xte = same_width(xte, xtr.shape[1])

    n = xtr.shape[0]
    lam = a.lam if a.lam > 0 else 1.0 / n
    reg = a.task == "regression"
    if reg:
        loss = "squared_error"
        clf = SGDRegressor(loss=loss, penalty="l2", alpha=lam, max_iter=1, tol=None,
                           shuffle=True, random_state=a.seed)
    else:
        loss = {"logistic": "log_loss"}.get(a.loss, a.loss)
        clf = SGDClassifier(loss=loss, penalty="l2", alpha=lam, learning_rate="optimal",
                            max_iter=1, tol=None, shuffle=True, random_state=a.seed,
                            n_jobs=a.threads)
    classes = None if reg else np.unique(ytr)
    train_s, trace, value = 0.0, [], float("nan")
    for epoch in range(1, a.epochs + 1):
        t0 = time.monotonic()
        if reg:
            clf.partial_fit(xtr, ytr)
        else:
            clf.partial_fit(xtr, ytr, classes=classes)
        train_s += time.monotonic() - t0
        p = clf.predict(xte)
        value = float(np.sqrt(np.mean((p - yte) ** 2))) if reg else float(np.mean(p == yte))
        trace.append([epoch, round(train_s, 6), value])

    nnz = int(xtr.nnz)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "dataset": a.dataset, "system": "sklearn",
        "engine": "SGDRegressor" if reg else "SGDClassifier",
        "threads": a.threads, "load_s": load_s, "train_s": train_s,
        "wall_s": time.monotonic() - T_START, "epochs": a.epochs, "rows": n, "nnz": nnz,
        "samples_per_s": n * a.epochs / train_s if train_s > 0 else None,
        "nnz_per_s": nnz * a.epochs / train_s if train_s > 0 else None,
        "metric": "test_rmse" if reg else "test_accuracy", "value": value,
        "peak_rss_kb": rss,
        "params": {"loss": loss, "alpha": lam,
                   "learning_rate": clf.learning_rate,
                   "classes": None if reg else len(classes)},
        "trace": trace, "status": "ok"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

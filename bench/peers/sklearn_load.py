#!/usr/bin/python3
"""scikit-learn's load_svmlight_file on one file: parse time and MB/s, one JSON line."""
import time

T_START = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

from sklearn.datasets import load_svmlight_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--file", required=True)
    ap.add_argument("--dataset", default="")
    a = ap.parse_args()

    size = os.path.getsize(a.file)
    t0 = time.monotonic()
    x, _ = load_svmlight_file(a.file)
    load_s = time.monotonic() - t0
    print(json.dumps({
        "dataset": a.dataset, "system": "sklearn", "engine": "load_svmlight_file",
        "threads": 1, "load_s": load_s, "train_s": None,
        "wall_s": time.monotonic() - T_START, "rows": x.shape[0], "nnz": int(x.nnz),
        "bytes": size, "mb_per_s": size / 1e6 / load_s,
        "samples_per_s": x.shape[0] / load_s, "nnz_per_s": x.nnz / load_s,
        "metric": "MB/s", "value": size / 1e6 / load_s,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "status": "ok"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

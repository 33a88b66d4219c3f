#!/usr/bin/python3
"""PyTorch matrix factorisation by SGD: one benchmark run, one JSON line.

The model PEERS.md describes: user and item factors and biases as
torch.nn.Embedding(..., sparse=True), prediction mu + b_u + b_i + p_u.q_i
(mu = the training mean, fixed), squared error plus L2 on the rows a batch
touches, torch.optim.SGD.  --procs 1 trains in this process; --procs N > 1
is the Hogwild form of torch.multiprocessing: model.share_memory(), N
processes each running SGD on its shard of the ratings without locks,
torch.set_num_threads(1) in each.  The test RMSE is computed after every
epoch with the workers paused (not timed).  Mini-batch size changes both
speed and RMSE: it is in the output, so compare at equal RMSE.  With
--time-limit a run stops at the first mini-batch past the limit, inside an
epoch if need be (one epoch of 25 million ratings takes PyTorch minutes);
epochs and the trace then count fractions of an epoch.

Input: 'user item rating' lines (whitespace; any further columns ignored)
or CSV with an optional header.  Test ids never seen in training predict
mu + the known bias.
"""
import time

T_START = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402


def read_triplets(path):
    with open(path, "rb") as f:
        head = f.readline()
    if b"," in head:
        skip = 0 if head.split(b",")[0].strip().replace(b".", b"").isdigit() else 1
        a = np.loadtxt(path, delimiter=",", skiprows=skip, usecols=(0, 1, 2), ndmin=2)
    else:
        ncol = len(head.split())
        a = np.fromfile(path, sep=" ")
        a = a.reshape(-1, ncol)[:, :3]
    return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2].astype(np.float32)


def index(ids, known):
    """Positions of ids in the sorted array known; unseen ids -> len(known)."""
    pos = np.searchsorted(known, ids)
    pos = np.minimum(pos, len(known) - 1)
    return np.where(known[pos] == ids, pos, len(known))


class MF(torch.nn.Module):
    def __init__(self, nu, ni, k, mu, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        # one spare row each for ids unseen in training; it stays zero
        self.p = torch.nn.Embedding(nu + 1, k, sparse=True)
        self.q = torch.nn.Embedding(ni + 1, k, sparse=True)
        self.bu = torch.nn.Embedding(nu + 1, 1, sparse=True)
        self.bi = torch.nn.Embedding(ni + 1, 1, sparse=True)
        with torch.no_grad():
            for e in (self.p, self.q):
                e.weight.normal_(0, 0.1, generator=g)
                e.weight[-1].zero_()
            self.bu.weight.zero_()
            self.bi.weight.zero_()
        self.mu = mu

    def forward(self, u, i):
        pu, qi = self.p(u), self.q(i)
        bu, bi = self.bu(u).squeeze(1), self.bi(i).squeeze(1)
        pred = self.mu + bu + bi + (pu * qi).sum(1)
        return pred, (pu * pu).sum(1) + (qi * qi).sum(1) + bu * bu + bi * bi


def train_epoch(model, opt, u, i, r, batch, l2, gen, deadline=None):
    """One pass in a fresh order; with a deadline (time.monotonic()), stop
    at the first mini-batch past it.  Returns the ratings trained on."""
    perm = torch.randperm(len(r), generator=gen)
    for s in range(0, len(r), batch):
        b = perm[s:s + batch]
        pred, reg = model(u[b], i[b])
        loss = ((pred - r[b]) ** 2).mean() + l2 * reg.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if deadline is not None and (s // batch) % 64 == 63 and time.monotonic() >= deadline:
            return min(s + batch, len(r))
    return len(r)


def rmse(model, u, i, r):
    with torch.no_grad():
        se = 0.0
        for s in range(0, len(r), 1 << 20):
            pred, _ = model(u[s:s + (1 << 20)], i[s:s + (1 << 20)])
            se += float(((pred - r[s:s + (1 << 20)]) ** 2).sum())
    return (se / max(len(r), 1)) ** 0.5


def worker(rank, model, data, a, barrier, stop, deadline, done):
    torch.set_num_threads(1)
    u, i, r = data
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed + 1 + rank)
    for _ in range(a.epochs):
        d = deadline.value if deadline.value > 0 else None
        done[rank] += train_epoch(model, opt, u, i, r, a.batch, a.l2, gen, d)
        barrier.wait()      # epoch done: the parent scores the test set
        barrier.wait()      # scored: go on, or stop
        if stop.value:
            break


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--dataset", default="")
    ap.add_argument("--rank", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--l2", type=float, default=0.02)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=0,
                    help="stop at the first mini-batch past this many training seconds")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)

    t0 = time.monotonic()
    u, i, r = read_triplets(a.train)
    load_s = time.monotonic() - t0
    tu, ti, tr = read_triplets(a.test)
    users, items = np.unique(u), np.unique(i)
    u, i = np.searchsorted(users, u), np.searchsorted(items, i)
    tu, ti = index(tu, users), index(ti, items)
    mu = float(r.mean())
    model = MF(len(users), len(items), a.rank, mu, a.seed)
    tt = lambda x: torch.from_numpy(np.ascontiguousarray(x))  # noqa: E731
    u, i, r, tu, ti, tr = map(tt, (u, i, r, tu, ti, tr))

    n = len(r)
    trace, train_s, epochs, updates = [], 0.0, 0, 0
    if a.procs <= 1:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr)
        gen = torch.Generator().manual_seed(a.seed + 1)
        for epoch in range(1, a.epochs + 1):
            t0 = time.monotonic()
            deadline = t0 + a.time_limit - train_s if a.time_limit else None
            updates += train_epoch(model, opt, u, i, r, a.batch, a.l2, gen, deadline)
            train_s += time.monotonic() - t0
            epochs = epoch
            # a partial last epoch is recorded as its fraction
            trace.append([round(updates / n, 4), round(train_s, 6), rmse(model, tu, ti, tr)])
            if a.time_limit and train_s >= a.time_limit:
                break
    else:
        model.share_memory()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed))
        shards = [order[k::a.procs] for k in range(a.procs)]
        barrier, stop = mp.Barrier(a.procs + 1), mp.Value("i", 0)
        deadline, done = mp.Value("d", 0.0), mp.Array("q", a.procs)
        procs = [mp.Process(target=worker,
                            args=(k, model, (u[s], i[s], r[s]), a, barrier, stop, deadline, done))
                 for k, s in enumerate(shards)]
        # workers read the deadline as an epoch starts: set before each start
        if a.time_limit:
            deadline.value = time.monotonic() + a.time_limit
        for p in procs:
            p.start()
        t0 = time.monotonic()
        for epoch in range(1, a.epochs + 1):
            barrier.wait()
            train_s += time.monotonic() - t0
            epochs = epoch
            updates = sum(done[:])
            trace.append([round(updates / n, 4), round(train_s, 6), rmse(model, tu, ti, tr)])
            if a.time_limit and train_s >= a.time_limit:
                stop.value = 1
            t0 = time.monotonic()
            if a.time_limit:
                deadline.value = t0 + a.time_limit - train_s
            barrier.wait()
            if stop.value:
                break
        for p in procs:
            p.join()

    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({
        "dataset": a.dataset, "system": "pytorch",
        "engine": "hogwild" if a.procs > 1 else "single", "threads": max(a.procs, 1),
        "load_s": load_s, "train_s": train_s, "wall_s": time.monotonic() - T_START,
        "epochs": round(updates / n, 4), "rows": n, "nnz": None,
        "samples_per_s": updates / train_s if train_s > 0 else None, "nnz_per_s": None,
        "metric": "test_rmse", "value": trace[-1][2] if trace else None,
        "peak_rss_kb": rss,
        "params": {"rank": a.rank, "lr": a.lr, "l2": a.l2, "batch": a.batch,
                   "torch": torch.__version__},
        "trace": trace, "status": "ok"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

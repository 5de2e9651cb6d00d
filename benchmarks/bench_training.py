"""Training speed and quality against scikit-learn and PyTorch (issue #4).

    python benchmarks/bench_training.py [--speed] [--quality] [--repeats 3]
                                        [--epochs 4] [--budget 20] [--threads 1]

Peers are compared only where installed (``pip install ".[bench]"``: scikit-learn
and torch).

Speed.  The same 30-40-6 network with logistic sigmoids, float64, on 50,000
random samples (inputs in [-1, 1], targets in [0.1, 0.9]), mini-batch SGD
with momentum at batch sizes 32 and 256; time per epoch (the median over
epochs after the first, then the median over ``--repeats`` runs):

- ``matmul floor``: the five matrix products of forward and backward
  passes alone, into preallocated arrays, over the batches of one epoch;
- ``geoinv gd`` / ``geoinv adam``: our trainers with ``train_loss="running"``
  (no extra pass, the same work as the peers), and ``gd`` with the default
  ``train_loss="full"`` (one more forward pass over the 50,000 samples);
  ``geoinv gd float32``: the same in single precision;
- ``scikit-learn``: ``MLPRegressor(activation="logistic", solver="sgd")``,
  one epoch per ``partial_fit`` (its output layer is linear: sklearn's
  regressor has no logistic output);
- ``PyTorch``: ``nn.Sequential(Linear, Sigmoid, Linear, Sigmoid)`` with
  autograd and ``torch.optim.SGD``, ``torch.set_num_threads(1)``, batches
  indexed from a fresh permutation each epoch.

BLAS is limited to ``--threads`` threads (1 by default, as torch) with
threadpoolctl; geoinv's trainers run on one BLAS thread whatever ``--threads``
says (``Trainer.fit`` pins it).

Quality.  The data of scenarios/ves_3layer.toml (20,000 training and 2,000
validation soundings, drawn with the scenario's seed exactly as
``geoinv run`` draws them), scaled as geoinv scales them, a 30-60-5 network,
and the same wall-time budget for every method: the lowest validation
loss reached, on our scale E = mean over samples of 1/2 sum_k (t_k - o_k)^2
(scikit-learn's reported loss is that divided by the 5 outputs; here E is
computed from its predictions directly).
"""

import argparse
import contextlib
import statistics
import time
from pathlib import Path

import numpy as np

from geoinv import NetworkInversion, load_scenario, make_dataset
from geoinv.nn.network import BPNetwork
from geoinv.workflow.run import STREAMS
from geoinv.nn.training import make_trainer

ROOT = Path(__file__).resolve().parents[1]
N_SAMPLES, SIZES, BATCHES = 50_000, (30, 40, 6), (32, 256)
LR, MOMENTUM = 0.1, 0.9


def _optional(name):
    try:
        return __import__(name)
    except ImportError:
        return None


def blas_threads(n):
    """Context limiting BLAS threads (no-op without threadpoolctl)."""
    tc = _optional("threadpoolctl")
    return tc.threadpool_limits(n, user_api="blas") if tc else contextlib.nullcontext()


def speed_data(dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (N_SAMPLES, SIZES[0])).astype(dtype)
    T = rng.uniform(0.1, 0.9, (N_SAMPLES, SIZES[2])).astype(dtype)
    return X, T


# --------------------------------------------------------------- speed: one epoch each
def epochs_geoinv(trainer_name, batch, epochs, dtype=np.float64, train_loss="running", **opt):
    X, T = speed_data(dtype)
    net = BPNetwork(*SIZES, rng=0, dtype=dtype)
    history = make_trainer(trainer_name, batch_size=batch, max_epochs=epochs, patience=None,
                           train_loss=train_loss, **opt).fit(net, X, T, rng=0)
    return list(np.diff([0.0] + history.seconds))


def epochs_matmul(batch, epochs):
    X, T = speed_data()
    n_in, n_h, n_out = SIZES
    X_aug = np.hstack([-np.ones((N_SAMPLES, 1)), X])
    V, W = np.full((n_h, n_in + 1), 0.01), np.full((n_out, n_h + 1), 0.01)
    outs = {}
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for s in range(0, N_SAMPLES, batch):
            X_b = X_aug[s:s + batch]
            m = X_b.shape[0]
            if m not in outs:
                outs[m] = (np.empty((m, n_h)), np.full((m, n_h + 1), 0.5), np.empty((m, n_out)),
                           np.full((m, n_out), 0.01), np.empty((m, n_h)),
                           np.empty_like(W), np.empty_like(V))
            net_y, Y_aug, net_o, delta_o, delta_y, gW, gV = outs[m]
            np.dot(X_b, V.T, out=net_y)
            np.dot(Y_aug, W.T, out=net_o)
            np.dot(delta_o, W[:, 1:], out=delta_y)
            np.dot(delta_o.T, Y_aug, out=gW)
            np.dot(delta_y.T, X_b, out=gV)
        times.append(time.perf_counter() - start)
    return times


def epochs_sklearn(batch, epochs):
    from sklearn.neural_network import MLPRegressor

    X, T = speed_data()
    model = MLPRegressor(hidden_layer_sizes=(SIZES[1],), activation="logistic", solver="sgd",
                         batch_size=batch, learning_rate_init=LR, momentum=MOMENTUM,
                         nesterovs_momentum=False, alpha=0.0, shuffle=True, random_state=0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(X, T)
        times.append(time.perf_counter() - start)
    return times


def epochs_torch(batch, epochs, dtype=np.float64):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    X, T = (torch.tensor(a, dtype=tdtype) for a in speed_data(dtype))
    n_in, n_h, n_out = SIZES
    model = torch.nn.Sequential(torch.nn.Linear(n_in, n_h), torch.nn.Sigmoid(),
                                torch.nn.Linear(n_h, n_out), torch.nn.Sigmoid()).to(tdtype)
    optimiser = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(N_SAMPLES)
        for s in range(0, N_SAMPLES, batch):
            idx = order[s:s + batch]
            X_b, T_b = X[idx], T[idx]
            optimiser.zero_grad()
            loss = 0.5 * ((model(X_b) - T_b) ** 2).sum() / X_b.shape[0]   # our E
            loss.backward()
            optimiser.step()
        times.append(time.perf_counter() - start)
    return times


def speed(repeats, epochs, threads):
    cases = [
        ("matmul floor (5 products)", lambda b: epochs_matmul(b, epochs)),
        ("geoinv gd, running loss", lambda b: epochs_geoinv("gd", b, epochs, learning_rate=LR)),
        ("geoinv gd, full-set loss", lambda b: epochs_geoinv("gd", b, epochs, learning_rate=LR,
                                                             train_loss="full")),
        ("geoinv adam, running loss", lambda b: epochs_geoinv("adam", b, epochs)),
        ("geoinv gd float32", lambda b: epochs_geoinv("gd", b, epochs, np.float32,
                                                      learning_rate=LR)),
    ]
    if _optional("sklearn"):
        cases.append(("scikit-learn MLPRegressor sgd", lambda b: epochs_sklearn(b, epochs)))
    if _optional("torch"):
        cases.append(("PyTorch autograd SGD", lambda b: epochs_torch(b, epochs)))
        cases.append(("PyTorch autograd SGD float32",
                      lambda b: epochs_torch(b, epochs, np.float32)))
    print(f"Speed: {'-'.join(map(str, SIZES))} logsig network, {N_SAMPLES:,} samples, "
          f"ms per epoch (median of {repeats} runs x {epochs - 1} epochs), "
          f"BLAS threads {threads}")
    results = {}
    with blas_threads(threads):
        for batch in BATCHES:
            print(f"\n  batch {batch}")
            for label, run in cases:
                medians = [statistics.median(run(batch)[1:]) for _ in range(repeats)]
                results[label, batch] = statistics.median(medians)
                print(f"    {label:<32} {1e3 * results[label, batch]:8.1f}   "
                      f"(runs: {', '.join(f'{1e3 * m:.1f}' for m in medians)})")
            torch_ms = results.get(("PyTorch autograd SGD", batch))
            if torch_ms:
                ours = results["geoinv gd, running loss", batch]
                print(f"    geoinv gd / PyTorch = {ours / torch_ms:.2f}")
    return results


# --------------------------------------------------------------- quality
def ves_3layer_data():
    """Training and validation sets of scenarios/ves_3layer.toml, as `geoinv run` draws them."""
    scenario = load_scenario(ROOT / "scenarios" / "ves_3layer.toml")
    cfg = scenario.config
    streams = dict(zip(STREAMS, (np.random.default_rng(s) for s in
                                 np.random.SeedSequence(cfg["seed"]).spawn(len(STREAMS)))))
    sets = {split: make_dataset(scenario.forward, scenario.space, cfg["samples"][split],
                                scenario.noise, streams[split], method=cfg["samples"]["method"])
            for split in ("train", "validation")}
    inv = NetworkInversion.create(scenario.forward, scenario.space, cfg["network"]["hidden"],
                                  rng=streams["weights"], train_data=sets["train"].data)
    scaled = [inv.network_inputs(sets["train"].data), inv.network_targets(sets["train"].models),
              inv.network_inputs(sets["validation"].data),
              inv.network_targets(sets["validation"].models)]
    return scenario, inv, scaled


def _E(T, O):
    return 0.5 * float(((T - O) ** 2).sum()) / len(T)


def quality_geoinv(net0, scaled, budget, name, **options):
    X, T, X_val, T_val = scaled
    net = net0.copy()
    history = make_trainer(name, max_epochs=100_000, patience=None, max_seconds=budget,
                           **options).fit(net, X, T, X_val, T_val, rng=0)
    best = int(np.argmin(history.val_loss))
    return min(history.val_loss), len(history.epochs), history.seconds[best]


def quality_sklearn(scaled, budget, hidden, solver, **options):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    X, T, X_val, T_val = scaled
    model = MLPRegressor(hidden_layer_sizes=(hidden,), activation="logistic", solver=solver,
                         alpha=0.0, random_state=0, **options)
    start, best, best_at, epochs = time.perf_counter(), np.inf, 0.0, 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        while time.perf_counter() - start < budget:
            try:
                if solver == "lbfgs":    # no partial_fit: chunks of iterations, warm-started
                    model.set_params(max_iter=10, warm_start=True)
                    model.fit(X, T)
                else:
                    model.partial_fit(X, T)
            except ValueError:           # "Solver produced non-finite parameter weights"
                break
            epochs += 1
            E = _E(T_val, model.predict(X_val))
            if E < best:
                best, best_at = E, time.perf_counter() - start
    return best, epochs, best_at


def quality(budget, threads, match=None):
    scenario, inv, scaled = ves_3layer_data()
    hidden = scenario.config["network"]["hidden"]
    net0 = inv.network
    net32 = BPNetwork.from_dict({**net0.to_dict(), "dtype": "float32"})
    cases = [
        ("geoinv gd, lr 0.3, momentum 0.9, batch 32", lambda: quality_geoinv(
            net0, scaled, budget, "gd", learning_rate=0.3, momentum=0.9, batch_size=32)),
        ("geoinv gdx batch, lr 0.5", lambda: quality_geoinv(net0, scaled, budget, "gdx",
                                                            learning_rate=0.5)),
        ("geoinv adam, lr 0.003, batch 64", lambda: quality_geoinv(
            net0, scaled, budget, "adam", learning_rate=0.003, batch_size=64)),
        ("geoinv adam, lr 0.001, batch 32", lambda: quality_geoinv(
            net0, scaled, budget, "adam", learning_rate=0.001, batch_size=32)),
        ("geoinv adam float32, lr 0.003, batch 64", lambda: quality_geoinv(
            net32, scaled, budget, "adam", learning_rate=0.003, batch_size=64)),
        ("geoinv lbfgs, 10 iterations/epoch", lambda: quality_geoinv(
            net0, scaled, budget, "lbfgs", iterations_per_epoch=10)),
        ("geoinv lm", lambda: quality_geoinv(net0, scaled, budget, "lm")),
    ]
    if _optional("sklearn"):
        cases += [
            ("scikit-learn adam (defaults: lr 0.001, batch 200)",
             lambda: quality_sklearn(scaled, budget, hidden, "adam")),
            ("scikit-learn adam, lr 0.003, batch 64",
             lambda: quality_sklearn(scaled, budget, hidden, "adam", learning_rate_init=0.003,
                                     batch_size=64)),
            ("scikit-learn sgd, lr 0.1, momentum 0.9, batch 32",
             lambda: quality_sklearn(scaled, budget, hidden, "sgd", learning_rate_init=0.1,
                                     momentum=0.9, batch_size=32)),
            ("scikit-learn sgd, lr 0.03, momentum 0.9, batch 32",
             lambda: quality_sklearn(scaled, budget, hidden, "sgd", learning_rate_init=0.03,
                                     momentum=0.9, batch_size=32)),
            ("scikit-learn lbfgs", lambda: quality_sklearn(scaled, budget, hidden, "lbfgs")),
        ]
    print(f"\nQuality: ves_3layer data (20,000 train, 2,000 validation), 30-{hidden}-5 "
          f"(the same initial weights for every geoinv method), "
          f"budget {budget:g} s each, BLAS threads {threads}; best validation E")
    results = {}
    with blas_threads(threads):
        for label, run in cases:
            if match and match not in label:
                continue
            best, epochs, at = run()
            results[label] = best
            print(f"  {label:<52} {best:.3e}   ({epochs} epochs, best at {at:.1f} s)")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true", help="only the speed part")
    parser.add_argument("--quality", action="store_true", help="only the quality part")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4, help="per run (the first is dropped)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per method")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--match", help="quality: only the methods whose label contains this")
    args = parser.parse_args(argv)
    both = not (args.speed or args.quality)
    if args.speed or both:
        speed(args.repeats, args.epochs, args.threads)
    if args.quality or both:
        quality(args.budget, args.threads, args.match)


if __name__ == "__main__":
    main()

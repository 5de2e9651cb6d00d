"""Time per epoch of gradient-descent training of a BPNetwork.

    python benchmarks/bench_network.py [--samples 20000] [--epochs 5]

A 30-40-3 logsig/logsig network on random data (the size of a VES inversion
with 30 apparent resistivities and 3 model outputs), in mini-batch mode at
batch sizes 32 and 256, batch mode and online mode.  "epoch" is the time the
trainer spends per epoch, including the evaluation of the training loss on the
full set; "loss eval" is that evaluation alone.  Timings are the median over
the epochs; the machine's other load shows up in them.
"""

import argparse
import time

import numpy as np

from geoinv.nn.network import BPNetwork
from geoinv.nn.training import GradientDescent

CASES = [("minibatch", 32), ("minibatch", 256), ("batch", None), ("online", 1)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.9, (args.samples, 30))
    T = rng.uniform(0.1, 0.9, (args.samples, 3))

    net = BPNetwork(30, 40, 3, rng=0)
    X_aug = net.augment(X)
    times = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        net.loss_of_augmented(X_aug, T)
        times.append(time.perf_counter() - t0)
    print(f"30-40-3 logsig, {args.samples} samples")
    print(f"  loss eval on the full set      {1e3 * np.median(times):8.1f} ms")

    for mode, batch_size in CASES:
        net = BPNetwork(30, 40, 3, rng=0)
        trainer = GradientDescent(learning_rate=0.1, momentum=0.9, mode=mode,
                                  batch_size=batch_size or 32, max_epochs=args.epochs,
                                  patience=None)
        history = trainer.fit(net, X, T, rng=0)
        per_epoch = np.median(np.diff([0.0] + history.seconds))
        label = f"{mode}" + (f" (batch {batch_size})" if mode == "minibatch" else "")
        print(f"  {label:<30} {1e3 * per_epoch:8.1f} ms/epoch   "
              f"({args.samples / per_epoch / 1e3:6.0f} k samples/s)")


if __name__ == "__main__":
    main()

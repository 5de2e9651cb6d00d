"""Write the format-1 network files that tests/inversion/test_persistence.py loads.

Run once, at commit 7b52476 (before NetworkInversion and EnsembleInversion
became one class), from the repository root:

    PYTHONPATH=. python tests/inversion/data/make_v1_files.py

It wrote ``network_v1.npz`` (kind "network": one network with an OOD
detector), ``ensemble_v1.npz`` (kind "ensemble": three members with an OOD
detector) and ``v1_expected.npz``: test soundings and what the old code
predicted for them (models, ensemble spread, OOD flags and scores).  The
files are kept as they were written; the current code must load them to
identical predictions.  (Run with today's code, the script writes the
current format instead, so it documents the old files rather than
regenerating them.)
"""

from pathlib import Path

import numpy as np

import geoinv
from geoinv import GaussianNoise, ModelSpace, NetworkInversion, OODDetector, Parameter, make_dataset
from geoinv.forward import VES
from geoinv.nn.training import Adam

HERE = Path(__file__).parent


def main():
    rng = np.random.default_rng(2024)
    ves = VES(np.geomspace(1, 300, 10), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000), Parameter("rho_2", "ohm.m", 10, 1000),
                        Parameter("h_1", "m", 1, 30, log=False)], lower_limit=[0, 0, 0])
    noise = GaussianNoise(0.02)
    train = make_dataset(ves, space, 200, noise, rng)
    validation = make_dataset(ves, space, 60, noise, rng)
    test = make_dataset(ves, space, 20, noise, rng, ood_shell=0.5)
    trainer = Adam(learning_rate=0.01, max_epochs=5, patience=None)

    single = NetworkInversion.create(ves, space, 5, rng=rng, scenario={"name": "v1 single"})
    single.fit(train, validation, trainer, rng=rng)
    single.ood_detector = OODDetector(components=("distance", "misfit"), alpha=0.1).fit(
        single, train, validation)
    ensemble = geoinv.EnsembleInversion.create(ves, space, 5, 3, rng=rng,
                                               scenario={"name": "v1 ensemble"})
    ensemble.fit(train, validation, trainer, rng=rng)
    ensemble.ood_detector = OODDetector(components=("distance", "misfit"), alpha=0.1).fit(
        ensemble, train, validation)

    single.save(HERE / "network_v1.npz")
    ensemble.save(HERE / "ensemble_v1.npz")
    models, flags, scores = single.predict(test.data, test.sigma, return_ood=True)
    mean, std = ensemble.predict(test.data, return_std=True)
    _, e_flags, e_scores = ensemble.predict(test.data, sigma=test.sigma, return_ood=True)
    np.savez(HERE / "v1_expected.npz", data=test.data, sigma=test.sigma,
             network_models=models, network_flags=flags, network_scores=scores,
             ensemble_members=ensemble.predict_members(test.data), ensemble_mean=mean,
             ensemble_std=std, ensemble_flags=e_flags, ensemble_scores=e_scores)


if __name__ == "__main__":
    main()

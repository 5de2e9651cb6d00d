"""geoinv: geophysical inversion with three-layer backpropagation networks.

Sample earth models from a prior box, simulate their data with a forward
model, train a BP network on data -> model, and use it as the inverse
m = f^-1(d), always reporting how it does inside the training box (ID) and
outside it (OOD).

Conventions (stated once, tested in tests/test_conventions.py)
--------------------------------------------------------------
- Arrays hold samples on axis 0: models (n_samples, n_params),
  data (n_samples, n_data).
- Layered earths are numbered top-down; a model vector is
  [rho_1 .. rho_N, h_1 .. h_(N-1)] (ohm.m, m); the last layer is a half-space.
- SI units unless a quantity says otherwise; every parameter and datum
  carries its unit (``parameter_units``, ``data_units``).
- Every random function takes ``rng``: a numpy Generator or an int seed.
"""

from importlib import metadata as _metadata

from . import forward
from .prior import Dataset, GaussianNoise, ModelSpace, Parameter, Scaler, make_dataset
from .nn.network import BPNetwork
from .nn.training import GradientDescent, History, make_trainer
from .inversion import NetworkInversion, OODDetector, damped_least_squares, load, refine
from .inversion.ensemble import EnsembleInversion                   # deprecated alias
from .inversion.least_squares import levenberg_marquardt            # deprecated alias
from .evaluation import compare_methods, evaluate
from .workflow.scenario import Scenario, ScenarioError, load_scenario
from .io import read_survey

from ._compat import install_aliases as _install_aliases

_install_aliases()

try:
    __version__ = _metadata.version("geoinv")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "forward", "Dataset", "make_dataset", "evaluate", "NetworkInversion", "load",
    "ModelSpace", "Parameter", "BPNetwork", "GaussianNoise", "Scaler", "Scenario",
    "ScenarioError", "load_scenario", "GradientDescent", "History", "make_trainer",
    "damped_least_squares", "refine", "compare_methods", "OODDetector",
    "io", "read_survey",
    "EnsembleInversion", "levenberg_marquardt",   # deprecated aliases, until 0.3
]

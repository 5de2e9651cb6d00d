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

import importlib as _importlib

from ._compat import alias as _alias, install_aliases as _install_aliases

# The public names, imported from their modules when first used (PEP 562), so
# that ``import geoinv`` (and the ``geoinv`` command's start, which installs
# its signal handlers first) does not wait for numpy, scipy and matplotlib.
_EXPORTS = {
    "forward": "forward", "io": "io",
    "Dataset": "prior.dataset", "make_dataset": "prior.dataset",
    "ModelSpace": "prior.model_space", "Parameter": "prior.model_space",
    "GaussianNoise": "prior.noise", "Scaler": "prior.scaling",
    "BPNetwork": "nn.network",
    "GradientDescent": "nn.training", "History": "nn.training", "make_trainer": "nn.training",
    "NetworkInversion": "inversion.network_inversion", "load": "inversion.network_inversion",
    "damped_least_squares": "inversion.least_squares", "refine": "inversion.refine",
    "OODDetector": "inversion.ood", "linearised_uncertainty": "inversion.uncertainty",
    "invert_survey": "inversion.field", "sample_posterior": "inversion.posterior",
    "evaluate": "evaluation.metrics", "compare_methods": "evaluation.compare",
    "read_survey": "io.read",
    "Scenario": "workflow.scenario", "ScenarioError": "workflow.scenario",
    "load_scenario": "workflow.scenario",
    # deprecated aliases, until 0.3
    "EnsembleInversion": "inversion.ensemble", "levenberg_marquardt": "inversion.least_squares",
}


def __getattr__(name):
    if name == "__version__":
        from importlib import metadata

        try:
            value = metadata.version("geoinv")
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
            value = "0.0.0"
    elif name in _EXPORTS:
        module = _importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        value = module if name == _EXPORTS[name] else getattr(module, name)
    else:   # an old module path (geoinv._compat) or a subpackage not imported yet
        value = _alias(name)
        if value is None:
            try:
                value = _importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as err:
                if err.name != f"{__name__}.{name}":
                    raise
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


_install_aliases()

__all__ = [
    "forward", "Dataset", "make_dataset", "evaluate", "NetworkInversion", "load",
    "ModelSpace", "Parameter", "BPNetwork", "GaussianNoise", "Scaler", "Scenario",
    "ScenarioError", "load_scenario", "GradientDescent", "History", "make_trainer",
    "damped_least_squares", "refine", "compare_methods", "OODDetector",
    "linearised_uncertainty", "invert_survey", "sample_posterior", "io", "read_survey",
    "EnsembleInversion", "levenberg_marquardt",   # deprecated aliases, until 0.3
]

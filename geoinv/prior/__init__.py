"""The prior: what the networks are trained on, before any network exists.

The box of model space a forward model's parameters are drawn from
(:class:`ModelSpace` of :class:`Parameter`), with its three coordinates
(physical units, the declared log10/linear scale, and unit coordinates in
which the box is [0, 1]) and its widening by box widths (the OOD shell, the
search box of damped least squares); the measurement noise added to the data
(:class:`GaussianNoise`, Gaussian in each datum's error space: log10 for
apparent resistivity, the convention stated in :mod:`geoinv.prior.noise`);
the map of models and data onto a network's ranges
(:class:`Scaler`); and the sampled data sets (:func:`make_dataset`,
:class:`Dataset`).  Of geoinv it imports only ``geoinv._checks``; forward
models come in as arguments.
"""

from .model_space import (ModelSpace, Parameter, as_generator, declared_scale,
                          from_declared_scale, spawn)
from .noise import GaussianNoise
from .scaling import Scaler
from .dataset import Dataset, make_dataset

__all__ = ["ModelSpace", "Parameter", "GaussianNoise", "Scaler", "Dataset", "make_dataset",
           "as_generator", "spawn", "declared_scale", "from_declared_scale"]

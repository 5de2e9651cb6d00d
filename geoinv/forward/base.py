"""What every forward model shares: labels, units and input checks.

A forward model maps a batch of earth models to a batch of data,

    simulate(models) -> data,   (n_samples, n_params) -> (n_samples, n_data),

with samples on axis 0 (shared/DESIGN.md).  A subclass declares its labels and
units and writes one method, ``_simulate``, which receives models that are
already checked (float64, right width, finite, physical).  The public
``simulate`` does the checking, so the rhythm of every forward model is the
same: check input, compute, shape output, return.

:class:`LayeredForward` adds what the operators over a 1D layered earth
(VES, MT, refraction) share: the number of layers, the naming of the layer
parameters and the split of a model into layer values and thicknesses.
Forward models hold physics only: their figures are drawn by
:mod:`geoinv.viz` (:func:`geoinv.viz.plot_example`).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._checks import check_int, format_rows
from ._geometry import interface_depths, layer_names

__all__ = ["ForwardModel", "LayeredForward", "format_rows"]


def moved_to_viz(old, new):
    """Warn that ``old`` moved to ``geoinv.viz.<new>`` and return that function.

    For the drawing methods and functions that left the forward models in
    0.2; they keep working, with a DeprecationWarning, until 0.3.
    """
    warnings.warn(f"{old} is deprecated and will be removed in geoinv 0.3; "
                  f"use geoinv.viz.{new}", DeprecationWarning, stacklevel=3)
    from .. import viz

    return getattr(viz, new)


class ForwardModel:
    """Base class of the forward models in :mod:`geoinv.forward`.

    Subclasses set, in ``__init__``, the survey geometry and the lists
    ``parameter_names``, ``parameter_units``, ``data_names``, ``data_units``
    and implement ``_simulate(models)``.  They may override ``positive``
    (which parameters must be > 0; all by default), ``physical_rules`` (rules
    of the physics beyond that), ``data_log`` and ``data_bounds``, and may
    define an analytic ``jacobian`` (see :attr:`jacobian`).  Their figures
    are drawn by :mod:`geoinv.viz` (register one in
    ``geoinv.viz.EXAMPLE_FIGURES`` under the model's ``kind``).

    Attributes
    ----------
    kind : str
        The name a scenario file uses to select this model (``forward.kind``).
    parameter_names : list of str
        One name per model parameter (column of ``models``).
    parameter_units : list of str
        Unit of each parameter, e.g. ``"ohm.m"``.
    data_names : list of str
        One label per datum (column of ``data``).
    data_units : list of str
        Unit of each datum.
    positive : ndarray of bool, shape (n_params,)
        Which parameters must be strictly positive.
    """

    kind = "base"

    parameter_names: list
    parameter_units: list
    data_names: list
    data_units: list

    @property
    def n_params(self):
        """Number of model parameters (columns of ``models``)."""
        return len(self.parameter_names)

    @property
    def n_data(self):
        """Number of data (columns of ``data``)."""
        return len(self.data_names)

    @property
    def positive(self):
        """Boolean mask of parameters that must be > 0 (all, by default)."""
        return np.ones(self.n_params, dtype=bool)

    def check_models(self, models):
        """Validate a batch of models and return it as a float64 array.

        Parameters
        ----------
        models : array_like, shape (n_samples, n_params) or (n_params,)
            Earth models, one per row.

        Returns
        -------
        models : ndarray, shape (n_samples, n_params)
            The same models as float64, always two-dimensional.

        Raises
        ------
        ValueError
            If the width is not ``n_params``, or if any row holds a NaN, an
            infinite value, a non-positive value of a positive parameter or
            breaks a rule of the physics (``physical_rules``).  The message
            names the offending rows.
        """
        models = self._as_batch(models)
        for bad, problem in self._problems(models):
            if bad.any():
                raise ValueError(
                    f"{type(self).__name__}: models rows {format_rows(np.flatnonzero(bad))} "
                    f"{problem}"
                )
        return models

    def valid_rows(self, models):
        """Which models ``simulate`` accepts, without raising.

        Parameters
        ----------
        models : array_like, shape (n_samples, n_params)

        Returns
        -------
        ndarray of bool, shape (n_samples,)
        """
        models = self._as_batch(models)
        ok = np.ones(len(models), dtype=bool)
        for bad, _ in self._problems(models):
            ok &= ~bad
        return ok

    def _as_batch(self, models):
        models = np.asarray(models, dtype=np.float64)
        if models.ndim == 1:
            models = models[np.newaxis, :]
        if models.ndim != 2 or models.shape[1] != self.n_params:
            raise ValueError(
                f"{type(self).__name__}: models must have shape (n_samples, "
                f"{self.n_params}) with columns [{', '.join(self.parameter_names)}]; "
                f"got shape {np.shape(models)}"
            )
        return models

    def _problems(self, models):
        """Yield (bad_row_mask, description) for every rule, in order."""
        finite = np.isfinite(models).all(axis=1)
        yield ~finite, "hold NaN or infinite values"
        names = [n for n, p in zip(self.parameter_names, self.positive) if p]
        with np.errstate(invalid="ignore"):
            nonpos = finite & (models[:, self.positive] <= 0).any(axis=1)
        yield nonpos, f"have non-positive values; {', '.join(names)} must be > 0"
        for bad, problem in self.physical_rules(models):
            yield finite & ~nonpos & bad, problem

    def physical_rules(self, models):
        """Rules of the physics beyond finiteness and positivity.

        Subclasses override this to return a list of ``(bad, problem)``
        pairs: ``bad`` a boolean mask of shape (n_samples,) and ``problem`` a
        phrase completing "models rows 3, 7 ...", e.g. ``"have a sphere
        reaching above the surface (radius >= depth)"``.  The models given
        are finite and their positive parameters are positive.
        """
        return []

    def simulate(self, models):
        """Compute the data of a batch of models.

        Parameters
        ----------
        models : array_like, shape (n_samples, n_params) or (n_params,)
            Earth models, one per row.

        Returns
        -------
        data : ndarray, shape (n_samples, n_data) or (n_data,)
            The data; one-dimensional if ``models`` was.
        """
        single = np.ndim(models) == 1
        models = self.check_models(models)
        data = self._simulate(models)
        return data[0] if single else data

    def _simulate(self, models):
        raise NotImplementedError

    # Scaling hints used by the pipeline (geoinv.scaling).
    data_log = True
    """Whether the data are scaled in log10 before entering the network: a
    bool for all columns, or a boolean array of shape (n_data,)."""

    @property
    def data_log_mask(self):
        """``data_log`` as a boolean array of shape (n_data,)."""
        return np.broadcast_to(np.asarray(self.data_log, dtype=bool), (self.n_data,)).copy()

    @property
    def data_groups(self):
        """Data columns grouped by quantity: {group: column indices}.

        The group of a datum is its label up to the first ``@``
        (``"rho_a@T=0.1s"`` -> ``"rho_a"``); a scenario can set the noise of
        each group separately (``[noise.phase] absolute = 1.0``).
        """
        groups = {}
        for j, name in enumerate(self.data_names):
            groups.setdefault(name.split("@", 1)[0], []).append(j)
        return {g: np.array(cols) for g, cols in groups.items()}

    def data_bounds(self, low, high):
        """Bounds of the data implied by a prior box, or None.

        Parameters
        ----------
        low, high : ndarray, shape (n_params,)
            Lower and upper bounds of the prior box, physical units.

        Returns
        -------
        (data_low, data_high) : tuple of ndarray, shape (n_data,), or None
            Physical bounds used to scale the data into the network's input
            range; ``None`` means "take them from the training data".
        """
        return None

    jacobian = None
    """Optional hook: the analytic Jacobian, or None for finite differences.

    A subclass that can differentiate its data defines a method
    ``jacobian(models) -> ndarray, shape (n_samples, n_data, n_params)``,
    d data / d models in physical units, for models of shape
    (n_samples, n_params).  Here it is None (not a method), so that
    :func:`geoinv.inversion.least_squares.levenberg_marquardt`, which uses a
    ``jacobian`` when it is callable (``callable(getattr(forward,
    "jacobian", None))``), falls back to one-sided finite differences of
    ``simulate``."""

    def plot_example(self, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                     title=None, legend=True):
        """Deprecated: use :func:`geoinv.viz.plot_example` (``forward`` first).

        Draws one inversion example into ``fig`` with the figure geoinv.viz
        registers for this model's ``kind``; returns ``fig``.
        """
        draw = moved_to_viz("ForwardModel.plot_example", "plot_example")
        return draw(self, fig, model_true, model_pred, data_obs, data_pred, sigma=sigma,
                    title=title, legend=legend)

    def settings(self):
        """Keyword arguments that rebuild this forward model (for saving)."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items()
                         if not isinstance(v, (list, np.ndarray)))
        return f"{type(self).__name__}({args})"


class LayeredForward(ForwardModel):
    """Base class of the forward models over a 1D layered earth.

    Layers are numbered top-down and the last one is a half-space; a model
    vector is ``[p_1 .. p_N, h_1 .. h_(N-1)]``: one property p per layer
    (:attr:`layer_symbol`, in :attr:`layer_unit`: the resistivity rho in
    ohm.m for VES and MT, the velocity v in m/s for refraction), then the
    thicknesses h of the upper layers (m).  A subclass sets ``layer_symbol``
    and ``layer_unit`` and calls ``super().__init__(n_layers)`` from its own
    ``__init__``, which sets :attr:`n_layers`, ``parameter_names`` and
    ``parameter_units``.

    Parameters
    ----------
    n_layers : int
        Number of layers N >= 1, the half-space included.

    Raises
    ------
    ValueError
        If ``n_layers`` is not an integer >= 1.

    Attributes
    ----------
    n_layers : int
    layer_symbol : str
        Symbol of the per-layer property in the parameter names.
    layer_unit : str
        Its unit.
    """

    layer_symbol = "rho"
    layer_unit = "ohm.m"

    def __init__(self, n_layers):
        self.n_layers = check_int(n_layers, "n_layers", 1)
        self.parameter_names = layer_names(self.layer_symbol, self.n_layers)
        self.parameter_units = [self.layer_unit] * self.n_layers + ["m"] * (self.n_layers - 1)

    def split_models(self, models):
        """Split models into layer values and thicknesses.

        Parameters
        ----------
        models : array_like, shape (n_samples, 2 N - 1) or (2 N - 1,)

        Returns
        -------
        values : ndarray, shape (n_samples, N) or (N,)
            The per-layer property (``layer_unit``), top-down.
        thickness : ndarray, shape (n_samples, N - 1) or (N - 1,)
            Thicknesses of the upper layers (m).

        Raises
        ------
        ValueError
            If the models do not have 2 N - 1 columns.

        Examples
        --------
        >>> from geoinv.forward import VES
        >>> rho, h = VES([1.0, 10.0], n_layers=2).split_models([[100.0, 10.0, 5.0]])
        >>> rho.tolist(), h.tolist()
        ([[100.0, 10.0]], [[5.0]])
        """
        single = np.ndim(models) == 1
        models = self._as_batch(models)
        values, thickness = models[:, :self.n_layers], models[:, self.n_layers:]
        return (values[0], thickness[0]) if single else (values, thickness)

    def interface_depths(self, models):
        """Depth of the bottom of each layer but the half-space.

        Parameters
        ----------
        models : array_like, shape (n_samples, 2 N - 1) or (2 N - 1,)

        Returns
        -------
        ndarray, shape (n_samples, N - 1)
            Depths (m), positive down.
        """
        return interface_depths(models, self.n_layers)

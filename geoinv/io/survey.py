"""The survey object: geometry, observed values and their errors, per datum.

One :class:`Survey` class serves every method; its ``method`` field (the
forward model's ``kind``) says which geometry and which values it holds:

============== =================== ===================== =====================
method         geometry (per row)  values (per row)      forward model
============== =================== ===================== =====================
ves            ab2, mn2 (m)        rho_a (ohm.m)         forward.VES
mt             period (s)          rho_a (ohm.m),        forward.MT1D
                                   phase (deg)
gravity        x (m)               g_z (mGal)            forward.Gravity
magnetic       x (m)               dT (nT)               forward.Magnetic
self_potential x (m)               sp (mV)               forward.SelfPotential
refraction     x (m, offset)       t (s)                 forward.Refraction
============== =================== ===================== =====================

A row is one position of the sounding or profile (one AB/2, one period, one
station); an MT row holds two values, apparent resistivity and phase, as
the MT forward model returns them.  ``mn2`` is absent for the ideal
Schlumberger array (MN -> 0).

Errors
------
Each value has a standard deviation per row, kept in the space the file gave
it, named in ``sigma_space``: ``"linear"`` (the value's unit),
``"relative"`` (a fraction) or ``"log10"`` (decades; the last two for
apparent resistivity only).  :meth:`Survey.sigma_in` and its shortcuts
(``sigma_log10``, ``sigma_linear``, ``sigma_relative``) express them in
another space to first order, ``sigma_log10 = sigma / (ln 10 * rho_a)``
and back (:mod:`geoinv.io.errors`).  ``error_source`` says where they came
from (``"file"``, or the default used, e.g. ``"default: 5 % relative on
rho_a (0.0217 decades)"``) so that a report can declare it.

Soundings
---------
A file may hold several soundings (profiles): ``sounding`` names the one
each row belongs to, ``positions`` gives each sounding's x, y (m; NaN when
unknown).  ``survey.soundings()`` iterates over them and
``survey["S1"]`` picks one; both return surveys of a single sounding.

MT convention (the one of :mod:`geoinv.forward.mt`)
---------------------------------------------------
Time dependence ``e^{+i omega t}``; impedance ``Z = E / H`` in ohm;
``rho_a = |Z|**2 / (omega mu_0)`` (ohm.m) and phase ``arg Z`` in degrees,
45 over a half-space, in (0, 90) for a layered earth.  ``component`` says
which impedance the values come from: ``"xy"`` (Z_xy), ``"yx"`` (its phase
taken as ``arg(-Z_yx)``, moved to the first quadrant) or ``"det"`` (the
determinant average ``sqrt(Z_xx Z_yy - Z_xy Z_yx)``); None when the file
does not say.
"""

from __future__ import annotations

import csv
import math
import os
import types
from dataclasses import dataclass, field, fields

import numpy as np

from .errors import LOG_QUANTITIES, SPACES, convert_sigma

__all__ = ["Survey", "METHODS", "UNITS"]

METHODS = {
    "ves": (("ab2", "mn2"), ("rho_a",)),
    "mt": (("period",), ("rho_a", "phase")),
    "gravity": (("x",), ("g_z",)),
    "magnetic": (("x",), ("dT",)),
    "self_potential": (("x",), ("sp",)),
    "refraction": (("x",), ("t",)),
}
"""method -> (geometry names, value names).  The method names are the forward
models' ``kind``."""

UNITS = {"ab2": "m", "mn2": "m", "period": "s", "x": "m", "rho_a": "ohm.m", "phase": "deg",
         "g_z": "mGal", "dT": "nT", "sp": "mV", "t": "s"}
"""Unit of every geometry and value name."""

def _frozen(array, dtype=np.float64):
    array = np.array(array, dtype=dtype)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Survey:
    """Observed field data of one method: geometry, values, errors, per row.

    Readers in :mod:`geoinv.io` build it from a file; everything downstream
    takes the survey, never the path.  Geometry and value arrays also read
    as attributes: ``survey.ab2``, ``survey.rho_a``, ``survey.period``.

    Parameters
    ----------
    method : {"ves", "mt", "gravity", "magnetic", "self_potential", "refraction"}
        The forward model's ``kind``.
    geometry : dict of str -> array_like, shape (n_rows,)
        ``ab2`` and optionally ``mn2`` (m) for VES; ``period`` (s) for MT;
        ``x`` (m) for profiles (the source-geophone offset for refraction).
    values : dict of str -> array_like, shape (n_rows,)
        ``rho_a`` (ohm.m) for VES; ``rho_a`` (ohm.m) and ``phase`` (deg) for
        MT; ``g_z`` (mGal), ``dT`` (nT), ``sp`` (mV) or ``t`` (s) for profiles.
    sigma : dict of str -> array_like, shape (n_rows,)
        Standard deviation of each value, > 0, in ``sigma_space``.
    sigma_space : dict of str -> str
        ``"linear"``, ``"relative"`` or ``"log10"`` per value name (the last
        two for ``rho_a`` only).
    error_source : str
        Where the errors come from: ``"file"`` or the default used.
    sounding : array_like of str, shape (n_rows,)
        Sounding (or profile) id of each row.
    positions : dict of str -> (float, float)
        x, y (m) of each sounding; NaN where unknown.  Missing ids get NaN.
    array : {"schlumberger", "wenner"} or None
        VES electrode array (Wenner: ``mn2 = ab2 / 3``).
    component : {"xy", "yx", "det"} or None
        MT impedance the values come from (None: not stated).
    source : str
        The file read.
    notes : tuple of str
        What the reader did that a user should know (rows dropped, columns
        ignored, errors derived).

    Raises
    ------
    ValueError
        Naming the field: unknown method, geometry or value names that do
        not fit it, arrays of different lengths, non-finite or non-positive
        errors, a space that does not fit the value.
    """

    method: str
    geometry: dict
    values: dict
    sigma: dict
    sigma_space: dict
    error_source: str
    sounding: np.ndarray
    positions: dict = field(default_factory=dict)
    array: str | None = None
    component: str | None = None
    source: str = ""
    notes: tuple = ()

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")
        geometry_names, value_names = METHODS[self.method]
        required = geometry_names[:1]
        if set(self.geometry) - set(geometry_names) or set(required) - set(self.geometry):
            raise ValueError(f"geometry of a {self.method} survey holds {', '.join(required)}"
                             f"{' (and optionally mn2)' if self.method == 'ves' else ''}; "
                             f"got {', '.join(self.geometry) or 'nothing'}")
        for name, given in (("values", self.values), ("sigma", self.sigma),
                            ("sigma_space", self.sigma_space)):
            if set(given) != set(value_names):
                raise ValueError(f"{name} of a {self.method} survey must hold "
                                 f"{', '.join(value_names)}; got {', '.join(given) or 'nothing'}")
        n = len(self.sounding)
        set_ = object.__setattr__
        set_(self, "sounding", _frozen([str(s) for s in self.sounding], dtype=object))
        geometry = {k: _frozen(self.geometry[k]) for k in geometry_names if k in self.geometry}
        values = {k: _frozen(self.values[k]) for k in value_names}
        sigma = {k: _frozen(self.sigma[k]) for k in value_names}
        for kind, arrays in (("geometry", geometry), ("values", values), ("sigma", sigma)):
            for key, array in arrays.items():
                if array.shape != (n,):
                    raise ValueError(f"{kind} {key} must have shape ({n},) like sounding; "
                                     f"got {array.shape}")
                if not np.isfinite(array).all():
                    raise ValueError(f"{kind} {key} holds NaN or infinite values")
        for key in value_names:
            space = self.sigma_space[key]
            if space not in SPACES or (space != "linear" and key not in LOG_QUANTITIES):
                allowed = SPACES if key in LOG_QUANTITIES else ("linear",)
                raise ValueError(f"sigma_space of {key} must be one of {', '.join(allowed)}; "
                                 f"got {space!r}")
            if not (sigma[key] > 0).all():
                raise ValueError(f"sigma of {key} must be > 0 in every row")
        positions = {}
        for sid in dict.fromkeys(self.sounding):
            x, y = self.positions.get(sid, (math.nan, math.nan))
            positions[sid] = (float(x), float(y))
        set_(self, "geometry", types.MappingProxyType(geometry))
        set_(self, "values", types.MappingProxyType(values))
        set_(self, "sigma", types.MappingProxyType(sigma))
        set_(self, "sigma_space", types.MappingProxyType(dict(self.sigma_space)))
        set_(self, "positions", types.MappingProxyType(positions))
        set_(self, "notes", tuple(self.notes))

    def __reduce__(self):
        # the read-only mappings do not pickle: rebuild from plain dicts
        args = [getattr(self, f.name) for f in fields(self)]
        return (Survey, tuple(dict(a) if isinstance(a, types.MappingProxyType) else a
                              for a in args))

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def __getattr__(self, name):
        # called only when normal lookup fails: geometry and values as attributes
        if name.startswith("_") or name in ("geometry", "values"):
            raise AttributeError(name)
        for table in (self.geometry, self.values):
            if name in table:
                return table[name]
        raise AttributeError(f"a {self.method} survey has no {name!r}; it holds "
                             f"{', '.join([*self.geometry, *self.values])}")

    def __len__(self):
        """Number of rows (positions: AB/2, periods or stations)."""
        return len(self.sounding)

    def __repr__(self):
        return f"<Survey {self.describe()}>"

    @property
    def quantities(self):
        """Names of the observed values, in the forward model's order."""
        return METHODS[self.method][1]

    @property
    def frequency(self):
        """MT frequencies 1 / period (Hz), shape (n_rows,)."""
        return 1.0 / self.geometry["period"]

    @property
    def sounding_ids(self):
        """Sounding ids in the order of their first row."""
        return tuple(self.positions)

    @property
    def n_soundings(self):
        """Number of soundings (profiles)."""
        return len(self.positions)

    def __getitem__(self, sounding_id):
        """The survey of one sounding (profile), by its id."""
        key = str(sounding_id)
        if key not in self.positions:
            raise KeyError(f"no sounding {sounding_id!r}; the survey holds "
                           f"{', '.join(self.sounding_ids)}")
        if self.n_soundings == 1:
            return self
        return self._take(np.flatnonzero(self.sounding == key))

    def soundings(self):
        """Iterate over the soundings (profiles), each a single-sounding survey."""
        for key in self.sounding_ids:
            yield self[key]

    def _take(self, rows):
        rows = np.asarray(rows)
        ids = dict.fromkeys(self.sounding[rows])
        return Survey(
            method=self.method,
            geometry={k: v[rows] for k, v in self.geometry.items()},
            values={k: v[rows] for k, v in self.values.items()},
            sigma={k: v[rows] for k, v in self.sigma.items()},
            sigma_space=dict(self.sigma_space), error_source=self.error_source,
            sounding=self.sounding[rows], positions={k: self.positions[k] for k in ids},
            array=self.array, component=self.component, source=self.source, notes=self.notes)

    # ------------------------------------------------------------------
    # Errors
    # ------------------------------------------------------------------

    def sigma_in(self, quantity, space):
        """Standard deviations of ``quantity`` expressed in ``space``.

        Parameters
        ----------
        quantity : str
            A value name (``"rho_a"``, ``"phase"``, ``"g_z"`` ...).
        space : {"linear", "relative", "log10"}
            ``"linear"`` is in the value's unit, ``"relative"`` a fraction,
            ``"log10"`` in decades (positive values only).

        Returns
        -------
        ndarray, shape (n_rows,)
            First-order conversion (:func:`convert_sigma`); the stored
            errors themselves when ``space`` is the one they were given in.
        """
        if quantity not in self.values:
            raise ValueError(f"unknown quantity {quantity!r}; this survey holds "
                             f"{', '.join(self.quantities)}")
        return convert_sigma(self.sigma[quantity], self.values[quantity],
                             self.sigma_space[quantity], space)

    def sigma_log10(self, quantity="rho_a"):
        """Standard deviations in decades, ``sigma / (ln 10 * value)``; shape (n_rows,)."""
        return self.sigma_in(quantity, "log10")

    def sigma_linear(self, quantity=None):
        """Standard deviations in the value's unit; ``quantity`` defaults to the first value."""
        return self.sigma_in(quantity or self.quantities[0], "linear")

    def sigma_relative(self, quantity="rho_a"):
        """Standard deviations as fractions of the values; shape (n_rows,)."""
        return self.sigma_in(quantity, "relative")

    # ------------------------------------------------------------------
    # The forward model's view of one sounding
    # ------------------------------------------------------------------

    def _single(self, what):
        if self.n_soundings != 1:
            raise ValueError(f"{what} needs one sounding; this survey holds {self.n_soundings} "
                             "(use survey.soundings() or survey[sounding_id])")

    def data_vector(self):
        """Observed data in the forward model's order, shape (n_data,).

        VES and profiles: the values row by row; MT: all ``rho_a``, then all
        phases (as :class:`geoinv.forward.MT1D` returns them).  One sounding
        only.
        """
        self._single("data_vector")
        return np.concatenate([self.values[q] for q in self.quantities])

    def sigma_vector(self, log10=LOG_QUANTITIES):
        """Standard deviations in the forward model's order, shape (n_data,).

        Parameters
        ----------
        log10 : iterable of str, optional
            Quantities whose errors are returned in decades (default: the
            apparent resistivity); the others are linear, in their unit.
        """
        self._single("sigma_vector")
        log10 = set(log10)
        return np.concatenate([self.sigma_in(q, "log10" if q in log10 else "linear")
                               for q in self.quantities])

    def forward_settings(self):
        """Geometry keyword arguments of the matching forward model (one sounding).

        Returns
        -------
        dict
            VES: ``ab2``, ``mn2`` (None for the ideal or Wenner array) and
            ``array``; MT: ``periods``; refraction: ``offsets``; the other
            profiles: ``x``.  Lists of floats, as ``ForwardModel.settings()``.
        """
        self._single("forward_settings")
        if self.method == "ves":
            mn2 = self.geometry.get("mn2")
            return {"ab2": self.geometry["ab2"].tolist(),
                    "mn2": None if mn2 is None or self.array == "wenner" else mn2.tolist(),
                    "array": self.array or "schlumberger"}
        if self.method == "mt":
            return {"periods": self.geometry["period"].tolist()}
        key = "offsets" if self.method == "refraction" else "x"
        return {key: self.geometry["x"].tolist()}

    # ------------------------------------------------------------------
    # Text and tables
    # ------------------------------------------------------------------

    def describe(self):
        """One line: method, soundings, rows, geometry range and error source."""
        name = next(iter(self.geometry))
        g = self.geometry[name]
        extra = f" {self.array}" if self.array else ""
        extra += f" {self.component}" if self.component else ""
        return (f"{self.method}{extra}: {self.n_soundings} sounding"
                f"{'s' if self.n_soundings != 1 else ''}, {len(self)} rows, {name} "
                f"{g.min():g} to {g.max():g} {UNITS[name]}; errors: {self.error_source}")

    def _sigma_column(self, quantity):
        space = self.sigma_space[quantity]
        if quantity != "rho_a":
            return f"{quantity}_sigma" if self.method == "mt" else "sigma"
        if space == "relative":
            return "rel_err"
        prefix = "log10_" if space == "log10" else ""
        return prefix + ("rho_a_sigma" if self.method == "mt" else "sigma")

    def to_frame(self):
        """One row per datum position: the columns a CSV of this survey has.

        Returns
        -------
        pandas.DataFrame
            ``sounding``, ``x`` and ``y`` (when any position is known), the
            geometry, the values and their errors under the names the CSV
            readers take (``sigma``/``rel_err``/``log10_sigma`` for VES,
            ``rho_a_sigma``/``rel_err``/``log10_rho_a_sigma`` and
            ``phase_sigma`` for MT, ``sigma`` for profiles).
        """
        import pandas as pd

        columns = {"sounding": self.sounding.astype(str)}
        xy = np.array([self.positions[s] for s in self.sounding]).reshape(-1, 2)
        if self.method in ("ves", "mt") and np.isfinite(xy).any():
            columns["x"], columns["y"] = xy[:, 0], xy[:, 1]
        columns.update(self.geometry)
        for q in self.quantities:
            columns[q] = self.values[q]
        for q in self.quantities:
            columns[self._sigma_column(q)] = self.sigma[q]
        return pd.DataFrame(columns)

    def write_csv(self, path):
        """Write the survey as a CSV file that :func:`geoinv.io.read_survey` reads back.

        ``# key: value`` comment lines before the header keep the method,
        array, component, error source and notes; numbers are written with
        ``repr``, so reading the file back gives the same floats.

        Parameters
        ----------
        path : str or os.PathLike
        """
        frame = self.to_frame()
        meta = [("method", self.method), ("array", self.array), ("component", self.component),
                ("error_source", self.error_source)] + [("note", n) for n in self.notes]
        with open(os.fspath(path), "w", newline="", encoding="utf-8") as stream:
            for key, value in meta:
                if value:
                    stream.write(f"# {key}: {value}\n")
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(frame.columns)
            for row in frame.itertuples(index=False):
                writer.writerow(["" if isinstance(v, float) and math.isnan(v)
                                 else v if isinstance(v, str) else repr(float(v)) for v in row])

    @classmethod
    def concat(cls, surveys):
        """One survey of the soundings of several (e.g. one EDI file per site).

        All must have the same method, array and component, and distinct
        sounding ids.  Errors keep the first survey's space per quantity.
        """
        surveys = list(surveys)
        if not surveys:
            raise ValueError("concat needs at least one survey")
        first = surveys[0]
        for other in surveys[1:]:
            for name in ("method", "array", "component"):
                if getattr(other, name) != getattr(first, name):
                    raise ValueError(f"cannot combine surveys of different {name}: "
                                     f"{getattr(first, name)!r} and {getattr(other, name)!r}")
            if set(other.geometry) != set(first.geometry):
                raise ValueError(f"cannot combine surveys with geometry {', '.join(first.geometry)}"
                                 f" and {', '.join(other.geometry)}")
        ids = [s for survey in surveys for s in survey.sounding_ids]
        repeated = sorted({s for s in ids if ids.count(s) > 1})
        if repeated:
            raise ValueError(f"sounding ids must be distinct; repeated: {', '.join(repeated)}")
        space = first.sigma_space
        sources = list(dict.fromkeys(s.error_source for s in surveys))
        return cls(
            method=first.method,
            geometry={k: np.concatenate([s.geometry[k] for s in surveys]) for k in first.geometry},
            values={q: np.concatenate([s.values[q] for s in surveys]) for q in first.quantities},
            sigma={q: np.concatenate([s.sigma_in(q, space[q]) for s in surveys])
                   for q in first.quantities},
            sigma_space=dict(space), error_source="; ".join(sources),
            sounding=np.concatenate([s.sounding for s in surveys]),
            positions={k: v for s in surveys for k, v in s.positions.items()},
            array=first.array, component=first.component,
            source=", ".join(dict.fromkeys(s.source for s in surveys)),
            notes=tuple(n for s in surveys for n in s.notes))

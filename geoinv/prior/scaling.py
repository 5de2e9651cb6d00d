"""Scaling between physical units and the network's working ranges.

Each column is first put in its declared scale (log10 where declared), then
mapped linearly so that the declared bounds land on the ends of a target
interval, e.g. ``[0.1, 0.9]`` for a logsig output.  The bounds come from the
prior box (for models) or from the range of data the box implies, never
from sample statistics, so the map is known before any sample is drawn.
Values outside the bounds map outside the target interval and are never
clipped: an OOD model or sounding stays visibly OOD.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Scaler"]


class Scaler:
    """Column-wise map: physical -> (log10 where declared) -> target interval.

    Parameters
    ----------
    low, high : array_like, shape (n_columns,)
        Physical bounds that map onto ``target[0]`` and ``target[1]``.
    log : array_like of bool, shape (n_columns,)
        Columns taken in log10 first (their bounds must be > 0).
    target : (float, float)
        Interval the bounds map onto, e.g. ``(0.1, 0.9)``.

    Examples
    --------
    >>> s = Scaler([1.0], [1000.0], [True], target=(0.1, 0.9))
    >>> s.transform([[1.0], [10.0], [1000.0]]).ravel().round(6).tolist()
    [0.1, 0.366667, 0.9]
    """

    def __init__(self, low, high, log, target=(0.1, 0.9)):
        self.low = np.atleast_1d(np.asarray(low, dtype=np.float64))
        self.high = np.atleast_1d(np.asarray(high, dtype=np.float64))
        self.log = np.broadcast_to(np.asarray(log, dtype=bool), self.low.shape).copy()
        self.target = (float(target[0]), float(target[1]))
        if self.low.shape != self.high.shape:
            raise ValueError("Scaler: low and high must have the same shape")
        if not (self.high > self.low).all():
            cols = np.flatnonzero(~(self.high > self.low)).tolist()
            raise ValueError(f"Scaler: columns {cols} have high <= low")
        if (self.log & (self.low <= 0)).any():
            cols = np.flatnonzero(self.log & (self.low <= 0)).tolist()
            raise ValueError(f"Scaler: log columns {cols} need low > 0")
        if not self.target[1] > self.target[0]:
            raise ValueError("Scaler: target must be an increasing interval")
        self._lo = self._to_declared(self.low)
        self._hi = self._to_declared(self.high)
        self._gain = (self.target[1] - self.target[0]) / (self._hi - self._lo)

    def _to_declared(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.log, np.log10(np.where(self.log, x, 1.0)), x)

    def transform(self, x):
        """Physical values -> scaled values.

        Parameters
        ----------
        x : array_like, shape (n_samples, n_columns)
            Log columns must be > 0.

        Returns
        -------
        ndarray, shape (n_samples, n_columns)
        """
        x = np.asarray(x, dtype=np.float64)
        if (self.log & (x <= 0)).any():
            rows = np.flatnonzero((self.log & (x <= 0)).reshape(-1, len(self.low)).any(axis=1))
            raise ValueError(f"Scaler: rows {rows[:10].tolist()} have values <= 0 in log columns")
        return self.target[0] + (self._to_declared(x) - self._lo) * self._gain

    def inverse_transform(self, y):
        """Scaled values -> physical values (inverse of :meth:`transform`)."""
        y = np.asarray(y, dtype=np.float64)
        v = self._lo + (y - self.target[0]) / self._gain
        return np.where(self.log, 10.0 ** np.where(self.log, v, 0.0), v)

    def to_dict(self):
        """Plain-Python description (for saving); see :meth:`from_dict`."""
        return {
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "log": self.log.tolist(),
            "target": list(self.target),
        }

    @classmethod
    def from_dict(cls, d):
        return cls(d["low"], d["high"], d["log"], tuple(d["target"]))

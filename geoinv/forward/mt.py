"""Magnetotelluric (MT) sounding over a horizontally layered earth.

Conventions (stated once, used by everything in this module)
------------------------------------------------------------
* Layers are numbered top-down, 1 .. N; layer N is a half-space.  A model
  vector is ``[rho_1 .. rho_N, h_1 .. h_(N-1)]``: resistivities (ohm.m), then
  thicknesses (m), as for :mod:`geoinv.forward.ves`.  Batches have samples on
  axis 0.
* Fields vary in time as ``e^{+i omega t}``, ``omega = 2 pi / T`` with the
  period ``T`` in seconds.  Displacement currents are neglected (quasi-static)
  and the magnetic permeability is ``mu_0`` everywhere (``MU_0`` below).
* The source is a vertically incident plane wave; the impedance is
  ``Z = E_x / H_y`` (ohm) at the surface.  Apparent resistivity and phase are

      rho_a = |Z|**2 / (omega mu_0)   (ohm.m),
      phase = arg(Z)                   (degrees, in (0, 90)),

  so a homogeneous half-space of resistivity rho gives ``rho_a = rho`` and a
  phase of 45 degrees at every period.  A conductor at depth raises the phase
  above 45 degrees, a resistor lowers it.
* Data vector: ``[rho_a(T_1) .. rho_a(T_n), phase(T_1) .. phase(T_n)]`` with
  labels ``"rho_a@T=0.01s"`` ... then ``"phase@T=0.01s"`` ...; the data groups
  (for per-group noise in a scenario) are therefore ``rho_a`` and ``phase``.

Method
------
In layer j, with ``e^{+i omega t}``, the electric field obeys
``d2E/dz2 = i omega mu_0 sigma_j E``; its downgoing solution decays as
``e^{-k_j z}`` with ``k_j = sqrt(i omega mu_0 / rho_j)`` (Re k_j > 0), and the
layer's intrinsic impedance is ``z_j = i omega mu_0 / k_j =
sqrt(i omega mu_0 rho_j)``.  The impedance at the top of layer j looking down
follows from the bottom up by the recursion of Wait (1954) as written by Ward
and Hohmann (1988) and Pedersen and Hermance (1986)::

    Z_N = z_N,
    Z_j = z_j (Z_(j+1) + z_j tanh(k_j h_j)) / (z_j + Z_(j+1) tanh(k_j h_j)),

evaluated in its reflection-coefficient form, which needs only
``exp(-2 k_j h_j)``, of modulus <= 1, so that thick or conductive layers
cannot overflow::

    Z_j = z_j (1 + r_j e_j) / (1 - r_j e_j),
    r_j = (Z_(j+1) - z_j) / (Z_(j+1) + z_j),   e_j = exp(-2 k_j h_j).

Every intrinsic impedance carries the same factor ``sqrt(omega mu_0)
e^{i pi / 4}``, so the recursion runs on ``W = Z / (sqrt(omega mu_0)
e^{i pi / 4})``, whose layer values are the real numbers ``sqrt(rho_j)``.
With ``u = r_j e_j`` (``|u| < 1``) and the interface coefficients
``c_j = (sqrt(rho_(j+1)) - sqrt(rho_j)) / (sqrt(rho_(j+1)) + sqrt(rho_j))``::

    u = c_(N-1) e_(N-1);   going up one layer:   u = e_j (c_j + u) / (1 + c_j u),
    W_1 = sqrt(rho_1) (1 + u) / (1 - u),
    rho_a = rho_1 |1 + u|**2 / |1 - u|**2,
    phase = 45 + arg((1 + u) / (1 - u)) = 45 + atan2(2 Im u, 1 - |u|**2)   (degrees).

With ``b_j = 2 h_j / delta_j = h_j sqrt(2 omega mu_0 / rho_j)`` (``delta_j`` the
skin depth), ``2 k_j h_j = (1 + i) b_j`` and ``e_j = e^{-b_j} (cos b_j - i sin b_j)``;
cosine and sine come from one tangent, ``t = tan(b / 2)``,
``cos b = (1 - t**2) / (1 + t**2)``, ``sin b = 2 t / (1 + t**2)``, which costs
half as much as calling both.
Beyond ``b_j = _MAX_DECAY`` (= 45) the factor ``|e_j| < 3e-20`` no longer
changes a double; ``b_j`` is capped there, which also keeps ``exp`` away from
slow subnormal numbers and the tangent away from huge arguments.

Large batches are cut into chunks that fit in cache, shared between up to
``THREADS`` threads (numpy releases the GIL inside its ufuncs).

References
----------
* Wait, J. R. (1954), On the relation between telluric currents and the
  earth's magnetic field, Geophysics 19(2), 281-289.
* Ward, S. H., and Hohmann, G. W. (1988), Electromagnetic theory for
  geophysical applications, in Nabighian, M. N. (ed.), Electromagnetic Methods
  in Applied Geophysics, vol. 1, SEG, 131-311.
* Pedersen, J., and Hermance, J. F. (1986), Least squares inversion of
  one-dimensional magnetotelluric data, Geophysical Prospecting 34, 659-678
  (eqs 11-17: the same recursion with the opposite sign of r).
"""

from __future__ import annotations

import numpy as np

from .base import LayeredForward
from ._threads import _at_import, map_chunks
from ._geometry import check_layers, magnitude_rules, short_labels, survey_vector

__all__ = ["MT1D", "impedance", "apparent_resistivity_phase", "MU_0", "THREADS"]

MU_0 = 4e-7 * np.pi
"""Magnetic permeability of free space (H/m), used for every layer.  (The 2019
SI value differs by 5e-10 relative, far below any MT data error.)"""

THREADS = _at_import(default=1)   # one thread is faster here unless GEOINV_THREADS says
"""Threads used for large batches.  1 by default: on the 2-core reference
machine two threads gave 0.49 M soundings/s against 0.71 M on one (3 layers,
30 periods, batches of 2000; benchmarks/bench_mt.py), the chunks being too
short to pay for the hand-over."""

_CHUNK = 256         # samples per block: the (chunk, n_periods) work arrays stay in cache
_MAX_DECAY = 45.0    # b = 2 h / skin depth is capped here: |exp(-(1 + i) b)| < 3e-20



# --------------------------------------------------------------------------
# The recursion: u at the surface, W_1 / sqrt(rho_1) = (1 + u) / (1 - u)
# --------------------------------------------------------------------------

def _decay_phasor(skin, wave, e, t, g):
    """Write ``e = exp(-(1 + i) b)`` into the complex array ``e``; ``b = skin * wave``.

    ``skin`` is ``h / sqrt(rho)`` of one layer, shape (n_samples, 1), and
    ``wave`` is ``sqrt(2 omega mu_0)`` per period, so ``b = 2 h / delta`` with
    ``delta`` the skin depth; ``b`` is capped at _MAX_DECAY.  With
    ``t = tan(b / 2)``: ``cos b = (1 - t**2) / (1 + t**2)`` and
    ``sin b = 2 t / (1 + t**2)``.  ``t`` and ``g`` are real scratch arrays of
    the shape of ``e``.
    """
    np.multiply(skin, wave, out=t)
    np.minimum(t, _MAX_DECAY, out=t)
    np.negative(t, out=g)
    np.exp(g, out=g)                       # exp(-b)
    t *= 0.5
    np.tan(t, out=t)                       # t = tan(b / 2)
    g *= 2.0
    np.multiply(g, t, out=e.imag)          # 2 t exp(-b)
    np.multiply(t, t, out=t)
    t += 1.0                               # 1 + t**2
    g /= t                                 # 2 exp(-b) / (1 + t**2)
    e.imag /= t                            # exp(-b) sin b
    np.negative(e.imag, out=e.imag)
    t -= 2.0                               # t**2 - 1
    t *= -0.5
    np.multiply(g, t, out=e.real)          # exp(-b) cos b
    return e


def _surface_u(root_rho, thickness, wave, u, e, t, g):
    """Write the surface value of ``u`` into ``u``, shape (n_samples, n_periods).

    ``root_rho`` is ``sqrt(rho)``, shape (n_samples, N); ``thickness`` has shape
    (n_samples, N - 1); ``wave`` is ``sqrt(2 omega mu_0)`` per period.  ``e``
    (complex) and ``t``, ``g`` (real) are scratch arrays of the shape of ``u``.
    The surface impedance is ``sqrt(omega mu_0 rho_1) e^{i pi/4} (1 + u) / (1 - u)``.
    """
    n_layers = root_rho.shape[1]
    u[:] = 0.0
    if n_layers == 1:
        return u
    coef = (root_rho[:, 1:] - root_rho[:, :-1]) / (root_rho[:, 1:] + root_rho[:, :-1])
    skin = thickness / root_rho[:, :-1]
    for j in range(n_layers - 2, -1, -1):
        c = coef[:, j:j + 1]
        _decay_phasor(skin[:, j:j + 1], wave, e, t, g)
        if j < n_layers - 2:
            # u <- (c + u) / (1 + c u): the reflection coefficient at the layer's base
            den = c * u
            den += 1.0
            u += c
            u /= den
        else:
            u += c                       # the half-space below: r = c
        u *= e
    return u


def _run_chunks(starts, root_rho, thickness, wave, rho_a, phase):
    """Fill rows ``start:start + _CHUNK`` of ``rho_a`` and ``phase`` for each start."""
    size = _CHUNK * wave.size
    buffers = (np.empty(size, dtype=np.complex128), np.empty(size, dtype=np.complex128),
               np.empty(size), np.empty(size))
    for start in starts:
        block = slice(start, start + _CHUNK)
        shape = (root_rho[block].shape[0], wave.size)
        u, e, t, g = (b[:shape[0] * shape[1]].reshape(shape) for b in buffers)
        _surface_u(root_rho[block], thickness[block], wave, u, e, t, g)
        x, y = u.real, u.imag
        # rho_a = rho_1 |1 + u|**2 / |1 - u|**2
        np.multiply(y, y, out=g)                       # y**2
        np.add(x, 1.0, out=t)
        t *= t
        t += g
        out = rho_a[block]
        np.subtract(1.0, x, out=out)
        out *= out
        out += g
        np.divide(t, out, out=out)
        out *= root_rho[block, :1] ** 2
        # phase = 45 + atan2(2 Im u, 1 - |u|**2), degrees
        np.multiply(x, x, out=t)
        t += g
        np.subtract(1.0, t, out=t)
        np.multiply(y, 2.0, out=g)
        out = phase[block]
        np.arctan2(g, t, out=out)
        out *= 180.0 / np.pi
        out += 45.0


def _sounding(periods, rho, thickness):
    """(rho_a, phase), each (n_samples, n_periods), of checked 2-D inputs."""
    wave = np.sqrt(2.0 * MU_0 * (2.0 * np.pi / periods))
    root_rho = np.sqrt(rho)
    n_samples = rho.shape[0]
    rho_a = np.empty((n_samples, periods.size))
    phase = np.empty((n_samples, periods.size))
    starts = np.arange(0, n_samples, _CHUNK)
    map_chunks(_run_chunks, starts, THREADS, root_rho, thickness, wave, rho_a, phase)
    return rho_a, phase


# --------------------------------------------------------------------------
# Plain functions
# --------------------------------------------------------------------------

def impedance(periods, rho, thickness):
    """Surface impedance Z = E_x / H_y of layered earths.

    Parameters
    ----------
    periods : array_like, shape (n_periods,)
        Periods T (s), positive and finite; any order.
    rho : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer resistivities (ohm.m), top-down; the last layer is a half-space.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.

    Returns
    -------
    Z : ndarray of complex, shape (n_samples, n_periods) or (n_periods,)
        Impedance (ohm), time dependence ``e^{+i omega t}`` (first quadrant).

    Raises
    ------
    ValueError
        If a period is not positive and finite, shapes do not match, or a model
        value is not positive and finite (the message names the offending
        entries or rows).

    Examples
    --------
    A 100 ohm.m half-space at T = 1 s: |Z| = sqrt(omega mu_0 rho), phase 45 degrees.

    >>> z = impedance([1.0], [100.0], [])
    >>> round(float(abs(z[0])), 6), round(float(np.degrees(np.angle(z[0]))), 9)
    (0.028099, 45.0)
    """
    periods = survey_vector(periods, "periods", unit="s", positive=True)
    rho, thickness, single = check_layers(rho, thickness, "rho")
    shape = (rho.shape[0], periods.size)
    u = np.empty(shape, dtype=np.complex128)
    wave = np.sqrt(2.0 * MU_0 * (2.0 * np.pi / periods))
    _surface_u(np.sqrt(rho), thickness, wave, u, np.empty_like(u), np.empty(shape),
               np.empty(shape))
    scale = np.sqrt(rho[:, :1] * (2.0 * np.pi / periods) * MU_0) * np.exp(0.25j * np.pi)
    z = scale * (1.0 + u) / (1.0 - u)
    return z[0] if single else z


def apparent_resistivity_phase(periods, rho, thickness):
    """Apparent resistivity and phase of layered earths.

    Parameters
    ----------
    periods : array_like, shape (n_periods,)
        Periods T (s), positive and finite; any order.
    rho : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer resistivities (ohm.m), top-down; the last layer is a half-space.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.

    Returns
    -------
    rho_a : ndarray, shape (n_samples, n_periods) or (n_periods,)
        Apparent resistivity |Z|**2 / (omega mu_0) (ohm.m).
    phase : ndarray, shape (n_samples, n_periods) or (n_periods,)
        Impedance phase arg(Z) (degrees); 45 over a half-space.

    Raises
    ------
    ValueError
        As :func:`impedance`.

    Examples
    --------
    100 ohm.m, 1 km thick, over 1 ohm.m: rho_a falls from rho_1 to rho_2 and
    the phase rises above 45 degrees in between.

    >>> rho_a, phase = apparent_resistivity_phase([1e-4, 1.0, 1e5], [100.0, 1.0], [1000.0])
    >>> rho_a.round(3), phase.round(2)
    (array([100.   ,  12.446,   1.013]), array([45.  , 76.39, 45.35]))
    """
    periods = survey_vector(periods, "periods", unit="s", positive=True)
    rho, thickness, single = check_layers(rho, thickness, "rho")
    rho_a, phase = _sounding(periods, rho, thickness)
    return (rho_a[0], phase[0]) if single else (rho_a, phase)


# --------------------------------------------------------------------------
# Forward-model class
# --------------------------------------------------------------------------

class MT1D(LayeredForward):
    """Magnetotelluric sounding over an N-layer earth.

    Model vector ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m; top-down, last
    layer a half-space); data: apparent resistivity (ohm.m) at each period,
    then phase (degrees) at each period.  The conventions (``e^{+i omega t}``,
    ``Z = E_x / H_y``, phase 45 degrees over a half-space) and the method are
    in the module docstring.

    Parameters
    ----------
    periods : array_like, shape (n_periods,)
        Periods T (s), positive, finite and distinct; any order.
    n_layers : int
        Number of layers N >= 1, the half-space included.

    Raises
    ------
    ValueError
        Naming the field: ``periods`` empty, not positive and finite, or
        holding a period twice; ``n_layers`` not an integer >= 1.

    Examples
    --------
    100 ohm.m, 500 m thick, over 10 ohm.m: rho_a goes from rho_1 to rho_2,
    the phase rises above 45 degrees in between.

    >>> mt = MT1D([1e-4, 0.1, 1e4], n_layers=2)
    >>> mt.parameter_names, mt.data_names[0], mt.data_names[3]
    (['rho_1', 'rho_2', 'h_1'], 'rho_a@T=0.0001s', 'phase@T=0.0001s')
    >>> mt.simulate([[100.0, 10.0, 500.0]]).round(2)
    array([[100.  ,  41.2 ,  10.06,  45.  ,  64.44,  45.16]])
    """

    kind = "mt"

    def __init__(self, periods, n_layers):
        periods = survey_vector(periods, "periods", unit="s", positive=True).copy()
        super().__init__(n_layers)
        labels = [f"T={t}s" for t in short_labels(periods)]
        if len(set(labels)) != len(labels):
            raise ValueError("periods holds duplicate values; give each period once")
        periods.setflags(write=False)
        self.periods = periods
        self.data_names = ([f"rho_a@{label}" for label in labels]
                           + [f"phase@{label}" for label in labels])
        self.data_units = ["ohm.m"] * periods.size + ["deg"] * periods.size

    @property
    def data_log(self):
        """log10 for the apparent resistivities, linear for the phases."""
        n = self.periods.size
        return np.concatenate([np.ones(n, dtype=bool), np.zeros(n, dtype=bool)])

    def physical_rules(self, models):
        """Magnitudes within MAGNITUDE_LIMIT (``_geometry.magnitude_rules``)."""
        return magnitude_rules(models, self.parameter_names, self.positive)

    def _simulate(self, models):
        n = self.n_layers
        rho_a, phase = _sounding(self.periods, models[:, :n], models[:, n:])
        return np.hstack([rho_a, phase])

    def settings(self):
        """Keyword arguments that rebuild this forward model."""
        return {"periods": self.periods.tolist(), "n_layers": self.n_layers}

    def data_bounds(self, low, high):
        """Bounds of the data implied by a prior box.

        Apparent resistivity lies approximately between the smallest and the
        largest layer resistivity, so its bounds are ``min(low[rho])`` and
        ``max(high[rho])``.  (MT curves overshoot the layer values near the
        period where a contrast is first seen: by up to ~30 %, 0.1 decade,
        for contrasts up to 1000; the scaling does not clip, so this only
        moves such data slightly outside [-1, 1].)  The phase of a layered
        earth lies in (0, 90) degrees.

        Parameters
        ----------
        low, high : array_like, shape (n_params,)
            Lower and upper bounds of the prior box (ohm.m for rho, m for h).

        Returns
        -------
        (data_low, data_high) : tuple of ndarray, shape (n_data,)
            Bounds of rho_a (ohm.m), then of the phase (degrees).
        """
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        if low.shape != (self.n_params,) or high.shape != (self.n_params,):
            raise ValueError(
                f"low and high must have shape ({self.n_params},); got {low.shape} and {high.shape}"
            )
        n, m = self.n_layers, self.periods.size
        data_low = np.concatenate([np.full(m, low[:n].min()), np.zeros(m)])
        data_high = np.concatenate([np.full(m, high[:n].max()), np.full(m, 90.0)])
        return data_low, data_high

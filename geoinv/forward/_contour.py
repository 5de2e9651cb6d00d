"""Hankel transforms of the resistivity transform along a ray in the complex plane.

Why
---
A digital linear filter sums ``w_i (T(lam_i) - rho_1)`` with weights of
alternating sign; its error is a fixed fraction (about 1e-14 for Key's
201-point J1 filter) of the kernel's *largest* values, which are of the size
of the layer contrast times the answer when a resistive layer lies on a much
more conductive one: rho_a then falls to the conductor's resistivity.  At a
contrast of 1e8 the filter alone errs by about 1e-6 relative, and the lagged
convolution of ves.py by about 1e-5 where the sounding curve drops by orders
of magnitude within one step of its interpolation grid.  Along a ray in the
complex plane the Bessel integrand no longer oscillates, so a plain
quadrature keeps its error near rounding.

Method
------
With ``J1 = (H1 + H2) / 2`` (Hankel functions of the first and second kind)
and T real on the real axis, the ideal-Schlumberger integral is

    rho_a(s) = s**2 Re int_ray T(lam) lam H1(lam s) dlam,   lam = r exp(i THETA), r > 0,

because T is analytic for Re lam > 0 (each reflection coefficient has modulus
< 1 there, so the recursion has no pole) and ``H1(lam s)`` decays like
``exp(-r s sin THETA)``.  In ``v = ln r`` the integrand is smooth and decays
at both ends, so the trapezoid rule in v converges geometrically.  The rule
is as accurate for any offset of its grid, so the nodes
``lam_j = exp(v_j + i THETA)`` are shared by every AB/2: as in a lagged
convolution T is computed once per model on one grid, but no interpolation
follows.  The kernel enters as ``t = T / rho_1``, so
``rho_a = rho_1 Re(t @ W)``.

Nodes chosen per model
----------------------
The former grid was fixed for the worst case (spacing 0.1 from
``|lam| s_max = 1e-18``: 527 nodes for AB/2 1..1000 m).  Now each of three
approximations is held below TOLERANCE (1e-10) times ``q_min``, the smallest
``rho_i / rho_1`` (the scale rho_a does not fall below), for each model's
contrast ``C = max(rho) / min(rho)`` and layers; models are sorted by
contrast decade and lowest node, and a chunk of models shares the finest
spacing and the widest node range of its members (so a model's result
depends on its neighbours, within the tolerances).

* Spacing h.  The trapezoid rule errs by ``~ C exp(-2 pi a / h)`` with
  ``a = pi/4`` the half-width of the strip around the ray where the
  integrand is analytic (T has poles on the imaginary axis, H1 grows below
  the real axis).  Measured against h = 0.04 on 750 random 2- to 4-layer
  models (contrasts to 1e10, h 0.03..1e4 m, AB/2 0.3..3000 m), the error is
  at most ``85 C exp(-pi**2 / (2 h))``; :func:`spacing_for_contrast` solves
  ``100 C exp(-pi**2 / (2 h)) = TOLERANCE``: 0.134 at C = 1e4, 0.097 at 1e10,
  with one grid per decade of contrast (1.5 times that step errs by > 1e-8).
* Lower end ``lam_0``.  Below it t is taken as ``t(lam_0)``, and the
  trapezoid nodes below are summed in closed form from the series
  ``z**2 H1(z) = -2i z / pi + z**3 / 2 + i z**3 (ln(z/2) + gamma - 1/2) / pi
  + O(z**5 ln z)`` (:func:`_lower_sum`).  On the ray ``|arg tanh(lam h)| <=
  pi/4`` (``|sin 2a| <= sinh 2a``), each step of the recursion maps the
  sector ``|arg t| <= pi/4`` into itself (so ``|q + t tau| >= q``), and
  ``|tanh(lam h)| <= |lam| h``; going up the layers,
  ``|t(lam) - q_N| <= |lam| D`` with ``D = sum_i h_i (q_i + 4 q_N**2 / q_i)``
  while ``|lam| D <= q_N``.  The constant then errs by at most
  ``(4 / pi) D lam_0**2 s``, and the series by ``~ (lam_0 s)**5 max|t|``,
  ``max|t| <= 1.15 q_max`` (measured; 1.5 q_max is used).  ``lam_0`` meets
  all three (:func:`_lowest_node`); the former ``1e-18 / s_max`` is the floor.
* Upper end.  Nodes where ``2 Re(lam) h_1`` exceeds _MAX_DECAY have
  ``t = 1`` to rounding and are summed once, in advance; the weights vanish
  beyond ``|lam s| = _Z_MAX`` (``|H1| < exp(-45)``).

Arithmetic.  With THETA = pi/4, ``lam h = a (1 + i)`` and
``tanh(a + ia) = (sinh 2a + i sin 2a) / (cosh 2a + cos 2a)``, written with
``m = expm1(2a)`` and ``u = tan(a)`` (:func:`_tanh_parts`): two vectorised
real transcendentals instead of a complex tanh (a twentieth of its cost), no
cancellation (``cosh 2a + cos 2a >= 2``), ``a`` clipped at 25 where
``tanh = 1`` to 1e-21.  The products are small enough for OpenBLAS to stay on
the calling thread.

Cost and accuracy.  Over the ves_3layer box widened by 0.5 box widths (rho
10**-1.5..10**4.5 ohm.m, h 10**-0.85..10**2.55 m; 30 AB/2), the steep models
need ~210 nodes each (the range their chunk shares; ~180 their own) instead
of 527, and cost 4.0 (was 49) times a model of the box by the lagged
filter; the widened box as a whole 2.3 (was 16) times the box
(benchmarks/bench_ves.py, batches of 2000, 2 threads).  In calls of a few
models the overheads of ~60 numpy calls dominate: a call of 4 steep models
takes 0.8 times as long as before, of 1 model 1.05 times.

The integrand reaches ~C times the answer where rho_a falls to a
conductor's value, so rounding, not the approximations, sets the error at
high contrast: against a trapezoid sum in 30-digit arithmetic (mpmath), at
most 5e-7 at C = 1e10 (~5e-17 C; six models, the former grid: 4e-7).  This needs nodes on the
grid to a few ulp: ``exp(ln(low) + j h)`` in double moves them off by
~5e-15 in v, which cost 1e-6 at C = 1e10; ``low exp(j h)`` with h a
multiple of 2**-20 does not.

A finite MN is the average of the ideal curve over the radii between
``L - l`` and ``L + l`` (ves.py), taken by Gauss-Legendre quadrature in ln r:
its weights are positive, so the average adds no cancellation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._threads import map_chunks

__all__ = ["THETA", "SPACING", "TOLERANCE", "ContourOperator", "spacing_for_contrast"]

THETA = math.pi / 4
"""Angle of the ray from the positive real axis (rad); T is analytic up to pi/2.
The real-arithmetic tanh (:func:`_tanh_parts`) relies on this value."""

TOLERANCE = 1e-10
"""Bound on each approximation of the quadrature (node spacing, lower end of the
nodes, series below it), relative to the smallest layer resistivity."""

_ALIASING = 100.0     # trapezoid error <= _ALIASING C exp(-pi**2 / (2 h)); 85 measured
_CLASSES = np.arange(3, 11)   # one grid per decade of contrast, 1e3 .. 1e10


def spacing_for_contrast(contrast):
    """Trapezoid step in ln|lam| whose error stays below TOLERANCE at ``contrast``.

    Parameters
    ----------
    contrast : float
        Layer contrast max(rho) / min(rho), >= 1.

    Returns
    -------
    float
        ``pi**2 / (2 ln(_ALIASING contrast / TOLERANCE))``.

    Examples
    --------
    >>> round(spacing_for_contrast(1e4), 3), round(spacing_for_contrast(1e10), 3)
    (0.134, 0.097)
    """
    return math.pi**2 / (2.0 * math.log(_ALIASING * contrast / TOLERANCE))


SPACING = spacing_for_contrast(10.0 ** _CLASSES[-1])
"""Finest trapezoid step in ln|lam|, used at contrasts 1e9..1e10."""

_Z_MIN = 1e-18    # floor of |lam_0| s_max (the former fixed choice)
_Z_MAX = 45.0 / math.sin(THETA)   # |H(lam s)| < exp(-45) beyond: node dropped
_Z_SERIES = 1e-2      # largest |lam_0| s for the series below lam_0
_Z_TINY = 1e-5        # z**2 H1(z) from its series below (remainder ~1e-21 relative)
_T_BOUND = 1.5        # |t| <= _T_BOUND q_max on the ray (1.143 measured)
_MAX_DECAY = 40.0     # 2 Re(lam) h_1 beyond which |t - 1| < 1e-17
_MAX_A = 25.0         # Re(lam h) beyond which tanh(lam h) = 1 to 1e-21
_GAUSS_POINTS = 8
_PIECE = 0.1          # longest piece (in ln r) of a finite-MN average
_CHUNK = 64           # models per block: the work arrays stay in cache
_GEMM_SIZE = 2**18    # m*n*k below which OpenBLAS multiplies on the calling thread


def _mn_nodes(ab2, mn2):
    """Radii ``r`` and positive weights ``w`` with rho_a = sum(w * rho_a_ideal(r))."""
    low, high = math.log(ab2 - mn2), math.log(ab2 + mn2)
    edges = np.linspace(low, high, int(math.ceil((high - low) / _PIECE)) + 1)
    xi, wi = np.polynomial.legendre.leggauss(_GAUSS_POINTS)
    middle, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    x = (middle[:, np.newaxis] + half[:, np.newaxis] * xi).ravel()
    w = (half[:, np.newaxis] * wi).ravel()
    # (L**2 - l**2) / (2 l r**2) dr with dr = r dx
    return np.exp(x), w * np.exp(-x) * (ab2**2 - mn2**2) / (2.0 * mn2)


def _lower_sum(z0, spacing):
    """``spacing * sum_(k>=1) z_k**2 H1(z_k)``, ``z_k = z0 exp(-k spacing)``, from the series.

    ``z**2 H1(z) = -2i z / pi + z**3 / 2 + i z**3 (ln(z/2) + gamma - 1/2) / pi
    + O(z**5 ln z)`` (from the series of J1 and Y1), summed as geometric
    series; with ``ln z_k = ln z0 - k spacing``.  Remainder below |z0|**5.
    """
    r = math.exp(-spacing)
    r3 = r**3
    cubes = z0**3 * r3 / (1.0 - r3)
    logs = z0**3 * ((np.log(z0 / 2.0) + np.euler_gamma - 0.5) * r3 / (1.0 - r3)
                    - spacing * r3 / (1.0 - r3) ** 2)
    return spacing * (-2j / np.pi * z0 * r / (1.0 - r) + cubes / 2.0 + 1j / np.pi * logs)


def _hankel_weights(z):
    """``z**2 H1(z)``: 0 beyond _Z_MAX, the series of :func:`_lower_sum` below _Z_TINY."""
    size = np.abs(z)
    tiny, middle = size < _Z_TINY, (size >= _Z_TINY) & (size <= _Z_MAX)
    out = np.zeros(z.shape, dtype=complex)
    out[middle] = z[middle] ** 2 * special.hankel1(1, z[middle])
    small = z[tiny]
    out[tiny] = -2j / np.pi * small + small**3 * (0.5 + 1j / np.pi * (np.log(small / 2.0)
                                                                       + np.euler_gamma - 0.5))
    return out


class _Grid:
    """Nodes and weight tables of one trapezoid step, for all radii of a geometry.

    Rows ``2j`` and ``2j + 1`` of ``weights`` (shape (2 n_lam, n_ab2)) belong
    to node ``j``: with ``t`` viewed as interleaved real and imaginary parts,
    ``Re(t @ W) = t_pairs @ weights``.  ``low`` does the same for the nodes
    below ``j``, summed in closed form (added when ``j`` is the lowest node);
    ``high[j]`` is ``Re(sum W)`` from node ``j`` on (``t = 1`` there).
    """

    def __init__(self, spacing, radii, combine):
        # |lam_j| = low exp(j h) (1/m), with h a multiple of 2**-20 so that j h is
        # exact: exp(ln(low) + j h) would put node j off the grid by
        # ~|ln(low)| eps ~ 5e-15 in v, and the integrand, up to ~1e9 times the
        # answer at contrast 1e10, turns that into 1e-6 (a constant factor
        # low, rounded once, only shifts the whole grid)
        spacing = round(spacing * 2**20) / 2**20
        self.spacing = spacing
        low, high = _Z_MIN / radii.max(), _Z_MAX / radii.min()
        n_lam = int(math.ceil(math.log(high / low) / spacing)) + 1
        self.log_low = math.log(low)
        self.modulus = low * np.exp(spacing * np.arange(n_lam))
        self.decay = math.sqrt(2.0) * self.modulus                          # 2 Re(lam_j)
        z = (self.modulus * np.exp(1j * THETA))[:, np.newaxis] * radii
        # s**2 lam H1(lam s) dlam with dlam = lam dv, i.e. z**2 H1(z) dv
        weights = _hankel_weights(z) * spacing
        below = np.zeros_like(z)
        small = np.abs(z) <= _Z_SERIES
        below[small] = _lower_sum(z[small], spacing)
        if combine is not None:
            weights, below = weights @ combine, below @ combine
        # Re(t W) = t.real W.real - t.imag W.imag: rows 2j and 2j + 1 for node j,
        # matching t viewed as interleaved real and imaginary parts
        self.weights = np.empty((2 * n_lam, weights.shape[1]))
        self.weights[0::2], self.weights[1::2] = weights.real, -weights.imag
        self.low = np.empty_like(self.weights)
        self.low[0::2], self.low[1::2] = below.real, -below.imag
        self.high = np.zeros((n_lam + 1, weights.shape[1]))
        self.high[:-1] = np.cumsum(weights.real[::-1], axis=0)[::-1]


class ContourOperator:
    """Maps layered models to rho_a by quadrature along the complex ray, for one geometry.

    Parameters
    ----------
    ab2 : ndarray, shape (n_ab2,)
        AB/2 (m).
    mn2 : ndarray, shape (n_ab2,), or None
        MN/2 (m), each < AB/2; None for the ideal Schlumberger array.

    Notes
    -----
    The node grids (one per decade of contrast, :func:`spacing_for_contrast`)
    are built on first use.
    """

    def __init__(self, ab2, mn2=None):
        if mn2 is None:
            self._radii, self._combine = np.asarray(ab2, dtype=np.float64), None
        else:
            nodes = [_mn_nodes(a, m) for a, m in zip(ab2, mn2)]
            self._radii = np.concatenate([r for r, _ in nodes])
            self._combine = np.zeros((self._radii.size, ab2.size))
            row = 0
            for k, (r, w) in enumerate(nodes):
                self._combine[row:row + r.size, k] = w
                row += r.size
        self.n_data = ab2.size
        self._grids = {}

    def grid(self, contrast_class):
        """The :class:`_Grid` of contrasts up to ``10**contrast_class``."""
        if contrast_class not in self._grids:
            self._grids[contrast_class] = _Grid(spacing_for_contrast(10.0**contrast_class),
                                                self._radii, self._combine)
        return self._grids[contrast_class]

    def __call__(self, rho, thickness, threads=1):
        """rho_a (ohm.m), shape (n_samples, n_ab2), of layered models.

        Parameters
        ----------
        rho : ndarray, shape (n_samples, n_layers)
            Layer resistivities (ohm.m), top-down, n_layers >= 2.
        thickness : ndarray, shape (n_samples, n_layers - 1)
            Layer thicknesses (m).
        threads : int
            Most threads to share the batch between.
        """
        if rho.shape[0] == 0:
            return np.empty((0, self.n_data))
        ratio = rho / rho[:, :1]
        # tanh(lam h) is 1 to rounding long before lam h can overflow
        thickness = np.minimum(thickness, 1e300)
        chunks = self._plan(ratio, thickness)
        out = np.empty((rho.shape[0], self.n_data))
        map_chunks(self._run_chunks, np.arange(len(chunks)), threads, chunks, ratio, thickness, out)
        out *= rho[:, :1]
        return out

    def _plan(self, ratio, thickness):
        """Chunks ``(grid, rows, first, stop)``: models sharing the nodes first..stop-1.

        Models are sorted by contrast class, then by lowest node (which
        varies more between models than the top end); a chunk takes the
        finest spacing of its models, the lowest of their lowest nodes and
        the top end of its thinnest top layer (nodes with
        ``2 Re(lam) h_1 > _MAX_DECAY`` see only the top layer: t = 1 there).
        """
        q_min, q_max = ratio.min(axis=1), ratio.max(axis=1)
        contrast = q_max / q_min
        lowest = _lowest_node(ratio, thickness, q_min, q_max, self._radii.max())
        if ratio.shape[0] <= _CHUNK:        # one chunk: no sorting
            groups = [(np.arange(ratio.shape[0]), contrast.max(), lowest.min(),
                       thickness[:, 0].min())]
        else:
            classes = np.clip(np.ceil(np.log10(contrast)), _CLASSES[0], _CLASSES[-1])
            order = np.lexsort((lowest, classes))
            starts = np.arange(0, order.size, _CHUNK)
            groups = zip(np.split(order, starts[1:]),
                         np.maximum.reduceat(contrast[order], starts).tolist(),
                         np.minimum.reduceat(lowest[order], starts).tolist(),
                         np.minimum.reduceat(thickness[order, 0], starts).tolist())
        chunks = []
        for rows, largest, low, top_layer in groups:
            grid = self.grid(min(max(math.ceil(math.log10(largest)), _CLASSES[0]), _CLASSES[-1]))
            first = min(max(0, int((math.log(low) - grid.log_low) // grid.spacing)),
                        grid.modulus.size - 1)
            top = _MAX_DECAY / max(top_layer, 1e-300)
            stop = max(int(np.searchsorted(grid.decay, top, side="right")), first + 1)
            chunks.append((grid, rows, first, stop))
        return chunks

    def _run_chunks(self, indices, chunks, ratio, thickness, out):
        size = max((chunks[i][1].size * (chunks[i][3] - chunks[i][2]) for i in indices), default=0)
        work = np.empty(10 * size)
        for index in indices:
            grid, rows, first, stop = chunks[index]
            t = _transform_ratio(grid.modulus[first:stop], ratio[rows], thickness[rows], work)
            pairs = t.view(np.float64)      # (rows, 2 n): real and imaginary parts
            result = pairs[:, :2] @ grid.low[2 * first:2 * first + 2] + grid.high[stop]
            # small products, so that OpenBLAS stays on this thread
            step = max(1, _GEMM_SIZE // (pairs.shape[1] * self.n_data))
            for row in range(0, rows.size, step):
                block = slice(row, row + step)
                result[block] += pairs[block] @ grid.weights[2 * first:2 * stop]
            out[rows] = result


def _lowest_node(ratio, thickness, q_min, q_max, r_max):
    """Smallest |lam| (1/m) of the nodes each model needs, shape (n_samples,).

    Below ``lam_0``, ``t`` is replaced by ``t(lam_0)``; with
    ``D = sum_i h_i (q_i + 4 q_N**2 / q_i)``, ``|t - q_N| <= |lam| D`` while
    ``|lam| D <= q_N``, and the replacement errs by at most
    ``(4 / pi) D lam_0**2 s`` (module docstring); the series of the weights
    below ``lam_0`` by ``(lam_0 s)**5 max|t|``.  Both are held below
    ``TOLERANCE q_min`` at the largest radius ``r_max``.
    """
    q_last = ratio[:, -1]
    # clipped: neither overflows nor vanishes (lam_0 then is the floor anyway)
    d = np.sum(np.minimum(thickness, 1e250)
               * (ratio[:, :-1] + 4.0 * q_last[:, np.newaxis] ** 2 / ratio[:, :-1]), axis=1)
    np.maximum(d, 1e-300, out=d)
    linear = q_last / d
    constant = np.sqrt(math.pi * TOLERANCE * q_min / (4.0 * d * r_max))
    series = np.minimum((TOLERANCE * q_min / (_T_BOUND * q_max)) ** 0.2, _Z_SERIES) / r_max
    return np.maximum(np.minimum(np.minimum(linear, constant), series), _Z_MIN / r_max)


def _tanh_parts(a, u, p, n_real, n_imag, d):
    """``tanh(a + ia) = (n_real + i n_imag) / d``, written in place; ``a`` is overwritten.

    All arguments are real arrays of one shape; ``u`` and ``p`` are work space.
    With ``m = expm1(2a)``, ``E = 1 + m``, ``u = tan(a)``, ``P = 1 + u**2``::

        tanh(a + ia) = (sinh 2a + i sin 2a) / (cosh 2a + cos 2a)
                     = (m (2 + m) P + 4i u E) / (m**2 P + 4 E)

    (multiplied through by ``2 E P``); every term is positive, so nothing
    cancels.  ``a`` must be clipped at _MAX_A (tanh = 1 to 1e-21 there).
    """
    np.tan(a, out=u)
    a *= 2.0
    m = np.expm1(a, out=a)
    np.multiply(u, u, out=p)
    p += 1.0
    np.add(m, 1.0, out=n_imag)
    n_imag *= u
    n_imag *= 4.0
    np.add(m, 2.0, out=n_real)
    n_real *= m
    n_real *= p
    np.multiply(m, m, out=d)
    d *= p
    d += 4.0
    m *= 4.0
    d += m


def _transform_ratio(modulus, ratio, thickness, work):
    """``t = T / rho_1`` at ``lam = modulus exp(i pi/4)``, complex, shape (n_samples, n_lam).

    The recursion in its tanh form, ``t_i = q_i (t + q_i tau) / (q_i + t tau)``
    with ``q_i = rho_i / rho_1`` and ``tau = tanh(lam h_i)``
    (:func:`_tanh_parts`): a layer of vanishing thickness drops out exactly
    (tau = 0), whereas the reflection form loses the digits of ``1 - |k|``
    when a thin layer lies between two strong, opposite reflections (a
    1e-300 m film of 0.01 ohm.m on 1e6 ohm.m over 0.01 ohm.m: 3e-3 relative
    error in rho_a, against 2e-9 here).  ``work`` is a float64 buffer of at
    least ``10 n_samples n_lam`` values.
    """
    n_rows, n_lam = ratio.shape[0], modulus.size
    size = n_rows * n_lam
    t = work[:2 * size].view(complex).reshape(n_rows, n_lam)
    tau = work[2 * size:4 * size].view(complex).reshape(n_rows, n_lam)
    a, u, p, n_real, n_imag, d = (work[(4 + k) * size:(5 + k) * size].reshape(n_rows, n_lam)
                                  for k in range(6))
    pair = work[4 * size:6 * size].view(complex).reshape(n_rows, n_lam)
    q_all = ratio.astype(complex)
    scaled = modulus * math.sqrt(0.5)          # Re(lam) = |lam| cos(pi/4)
    t[:] = q_all[:, -1:]
    for i in range(ratio.shape[1] - 2, -1, -1):
        np.multiply(thickness[:, i:i + 1], scaled, out=a)
        np.minimum(a, _MAX_A, out=a)
        _tanh_parts(a, u, p, n_real, n_imag, d)
        np.divide(n_real, d, out=tau.real)
        np.divide(n_imag, d, out=tau.imag)
        # t = q (t + q tau) / (q + t tau), with tau overwritten; q_1 = 1
        # (pair: a and u are free again)
        if i:
            q = q_all[:, i:i + 1]
            numerator = np.multiply(q, tau, out=pair)
            numerator += t
        else:
            q = 1.0
            numerator = np.add(t, tau, out=pair)
        np.multiply(t, tau, out=tau)
        tau += q
        np.divide(numerator, tau, out=t)
        if i:
            t *= q
    return t

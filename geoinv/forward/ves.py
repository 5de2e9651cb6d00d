"""Vertical electrical sounding (VES) over a horizontally layered earth.

Conventions (stated once, used by everything in this module)
------------------------------------------------------------
* Layers are numbered top-down, 1 .. N; layer N is a half-space.  A model
  vector is ``[rho_1 .. rho_N, h_1 .. h_(N-1)]``: resistivities (ohm.m), then
  thicknesses (m).  Batches have samples on axis 0.
* The geometry of every array is given by ``ab2`` = AB/2 (m), half the
  distance between the current electrodes A and B, measured from the centre.

  - Schlumberger, ideal (``mn2=None``): the potential electrodes M and N
    shrink onto the centre (MN -> 0); rho_a is proportional to the electric
    field there.
  - Schlumberger, finite MN: M and N sit at +-``mn2`` = MN/2 (m) about the
    centre, with ``mn2 < ab2``.
  - Wenner: A, M, N, B equally spaced by ``a``; AB = 3 a, so
    ``a = 2 * ab2 / 3`` and MN/2 = ``ab2 / 3``.  A Wenner sounding *is* the
    finite-MN Schlumberger sounding with ``mn2 = ab2 / 3``, the way field
    sheets record it (AB/2 = 3 MN/2).

* Apparent resistivity rho_a (ohm.m) = K dV / I with the array's geometric
  factor K, so a homogeneous half-space of resistivity rho returns rho.

Method
------
Resistivity transform T(lam) (Koefoed 1970), from the bottom layer up by the
Pekeris recursion, in a reflection-coefficient form that needs only
``exp(-2 lam h) <= 1``, so no large ``lam * h`` can overflow::

    T_N = rho_N,
    T_i = rho_i (1 + K_i e_i) / (1 - K_i e_i),
    K_i = (T_(i+1) - rho_i) / (T_(i+1) + rho_i),   e_i = exp(-2 lam h_i),

which is the textbook ``rho_i (T + rho_i tanh(lam h_i)) / (rho_i + T tanh(lam h_i))``.
The half-space part ``rho_1`` of T is transformed analytically, so the Hankel
filter only acts on ``T - rho_1`` (zero for a homogeneous earth, which is
therefore exact).  Ideal Schlumberger, with s = AB/2::

    rho_a(s) = rho_1 + s**2 int_0^inf (T - rho_1) lam J1(lam s) dlam.

A finite MN (l = MN/2, L = AB/2; Wenner included) measures the potential
difference ``(L**2 - l**2) / (2 l) [F(L - l) - F(L + l)]``, F the J0 transform
of ``T - rho_1``; since ``dF/dr = -(rho_a(r) - rho_1) / r**2`` this is the
average of the ideal curve::

    rho_a = rho_1 + (L**2 - l**2) / (2 l) int_(L-l)^(L+l) (rho_a(r) - rho_1) / r**2 dr,

taken by Gauss-Legendre quadrature in ln r.  Only the J1 filter is used: on a
two-layer earth of contrast 100 the J1 weights are exact to ~1e-12, whereas
the J0 weights of the same filter err by up to ~1e-4 in the potential.

Hankel transform: the 201-point digital linear filter of Key (2012), "Is the
fast Hankel transform faster than quadrature?", Geophysics 77(3), F21-F30,
doi:10.1190/geo2011-0237.1 (coefficients in ``_filters.py``).

Lagged convolution (Anderson 1982), the default: T is evaluated once per model
on one log-spaced ``lam`` grid with the filter's spacing (0.124 in ln), which
gives ideal-Schlumberger rho_a on a grid of AB/2 with that spacing; the
requested AB/2 (and the finite-MN quadrature radii) are reached by local
Lagrange interpolation of degree 15 in ln(AB/2).  Every step is linear in T,
so a sounding is one matrix product, ``rho_a = rho_1 (1 + 2 c @ W)``, with
``c = (T - rho_1) / (2 rho_1)`` on the ``lam`` grid and ``W`` built once per
geometry.

Accuracy at the edges.  The filter errs by a fixed fraction (~1e-14) of the
kernel's largest values, |c| up to the layer contrast, and the interpolation
by a fraction of the curve's variation within its 16-point stencil.  Both
are harmless while resistivity does not fall steeply with depth: against a
quadrature along a complex ray (tests/data/make_ves_reference.py) the lagged
filter errs by < 2e-9 when rho never decreases downwards (contrasts up to
1e8), 3e-8 for a *descending contrast* (:func:`descending_contrast`, the
largest ``rho_i / rho_j`` with layer i above j) up to 100 and 3e-7 up to 1e3;
but by 2e-6 at 1e4 and 2e-3 at 1e8, where rho_a falls to the conductor's value
within a few grid steps (it was negative for some such models).  Models with
a descending contrast above FILTER_CONTRAST, or a top layer too thin for the
filter's span (``2 lam_max h_1 < 40`` at the largest spacing), are therefore
computed by quadrature along the ray ``lam = t exp(i pi/4)``, where the
Bessel integrand decays instead of oscillating (:mod:`._contour`: nodes
chosen per model from its contrast and layers, each approximation held below
1e-10 relative; ~4 times the cost of the filter per model, so the
ves_3layer box widened by 0.5 box widths costs ~2.3 times the box; rounding
~5e-17 times the contrast: 5e-9 at 1e8, 5e-7 at 1e10).  Contrasts
max(rho) / min(rho) above MAX_CONTRAST = 1e10, and resistivities outside
RHO_RANGE, are refused naming the rows.

Large batches are cut into chunks that fit in cache, shared between up to
``THREADS`` threads (numpy releases the GIL inside its ufuncs).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._contour import ContourOperator
from ._filters import HANKEL_FILTERS
from ._threads import DEFAULT_THREADS, map_chunks
from ._geometry import check_layers, check_numbers, short_labels, survey_vector
from .base import LayeredForward, format_rows

__all__ = [
    "VES",
    "resistivity_transform",
    "apparent_resistivity_schlumberger",
    "apparent_resistivity_wenner",
    "descending_contrast",
    "check_contrast",
    "THREADS",
    "FILTER_CONTRAST",
    "MAX_CONTRAST",
    "RHO_RANGE",
]

ARRAYS = ("schlumberger", "wenner")
"""Electrode arrays understood by :class:`VES`."""

THREADS = DEFAULT_THREADS
"""Threads used for large batches; set to 1 to stay on the calling thread."""

_CHUNK = 256          # samples per block: two (chunk, n_lam) work arrays stay in L2 cache
_STENCIL = 16         # points of the local Lagrange interpolation (degree 15)
_GAUSS_POINTS = 8     # Gauss-Legendre points per piece of a finite-MN average
_MAX_DECAY = 40.0     # 2 lam h_1 beyond which |T - rho_1| < 1e-17 rho_1: not computed
_MIN_EXPONENT = -600.0  # exp() arguments are clipped here: avoids slow subnormals
_GEMM_SIZE = 2**18     # m*n*k below which OpenBLAS multiplies on the calling thread
_ROW_TOL = 1e-14      # small-lam rows whose weights add up to less are dropped
                      # (relative error <= _ROW_TOL times the layer contrast)

FILTER_CONTRAST = 1e3
"""Models whose descending contrast (:func:`descending_contrast`) exceeds this
are computed along the complex ray (``_contour.py``) instead of by the filter:
up to it the lagged filter errs by < 3e-7 relative, beyond it by up to 2e-3."""

MAX_CONTRAST = 1e10
"""Largest layer contrast max(rho) / min(rho) accepted (the ray quadrature's
rounding, ~5e-17 times the contrast, stays below 1e-6 relative: 5e-7 at
1e10 against 30-digit arithmetic)."""

RHO_RANGE = (1e-250, 1e250)
"""Resistivities accepted (ohm.m): every intermediate stays a normal double."""



# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------

def _check_mn2(mn2, ab2):
    """Return MN/2 broadcast to ``ab2``'s shape; each must be < AB/2."""
    check_numbers(mn2, "mn2", "m")
    values = np.asarray(mn2, dtype=np.float64)
    if values.ndim == 0:
        values = np.full(ab2.shape, float(values))
    if values.shape != ab2.shape:
        raise ValueError(
            f"mn2 must be a scalar or have one value per ab2 ({ab2.size}); got shape {values.shape}"
        )
    values = survey_vector(values, "mn2", positive=True)
    bad = values >= ab2
    if bad.any():
        raise ValueError(
            f"mn2 must be smaller than ab2; mn2 >= ab2 at index {format_rows(np.flatnonzero(bad))}"
        )
    return values


def _get_filter(name):
    try:
        return HANKEL_FILTERS[name]
    except KeyError:
        raise ValueError(
            f"unknown hankel_filter {name!r}; choose one of {', '.join(sorted(HANKEL_FILTERS))}"
        ) from None


# --------------------------------------------------------------------------
# Resistivity transform
# --------------------------------------------------------------------------

def _decay(neg2lam, h, out):
    """Write ``exp(-2 lam h)``, shape (n_samples, n_lam), into ``out``.

    The argument is clipped at _MIN_EXPONENT: the result is then ~1e-261
    instead of a subnormal number, which would slow every later operation.
    """
    np.multiply(h[:, np.newaxis], neg2lam, out=out)
    np.maximum(out, _MIN_EXPONENT, out=out)
    np.exp(out, out=out)


def _transform_correction(neg2lam, refl, thickness, c, work):
    """Write ``c = (T - rho_1) / (2 rho_1)`` into ``c``, shape (n_samples, n_lam).

    ``neg2lam`` is ``-2 lam``, ``refl`` the interface reflection coefficients
    ``(rho_(i+1) - rho_i) / (rho_(i+1) + rho_i)``, shape (n_samples, N - 1).
    With ``u = K_1 e_1``, ``T_1 = rho_1 (1 + u) / (1 - u)`` so ``c = u / (1 - u)``;
    going up one layer, ``K_i = (k_i + u) / (1 + k_i u)`` and ``u = K_i e_i``.
    """
    _decay(neg2lam, thickness[:, -1], work)
    np.multiply(work, refl[:, -1:], out=c)
    for i in range(refl.shape[1] - 2, -1, -1):
        k = refl[:, i:i + 1]
        np.multiply(c, k, out=work)
        work += 1.0
        c += k
        c /= work
        _decay(neg2lam, thickness[:, i], work)
        c *= work
    np.subtract(1.0, c, out=work)
    c /= work
    return c


def resistivity_transform(lam, rho, thickness):
    """Resistivity transform T(lam) of layered earths.

    Parameters
    ----------
    lam : array_like, shape (n_lam,)
        Hankel-transform variable (1/m), positive.
    rho : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer resistivities (ohm.m), top-down; the last layer is a half-space.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.

    Returns
    -------
    T : ndarray, shape (n_samples, n_lam) or (n_lam,)
        Resistivity transform (ohm.m); it tends to rho_1 for large ``lam`` and
        to rho_N for small ``lam``.

    Raises
    ------
    ValueError
        If shapes do not match or a value is not positive and finite (the
        message names the offending rows).

    Examples
    --------
    Ten ohm.m over 100 ohm.m: T tends to rho_2 for small lam, rho_1 for large.

    >>> resistivity_transform([1e-6, 1.0, 1e6], [10.0, 100.0], [5.0]).round(5)
    array([99.99505, 10.00074, 10.     ])
    """
    lam = survey_vector(lam, "lam", unit="1/m", positive=True)
    rho, thickness, single = check_layers(rho, thickness, "rho")
    transform = np.empty((rho.shape[0], lam.size))
    if rho.shape[1] == 1:
        transform[:] = rho[:, :1]
    else:
        refl = (rho[:, 1:] - rho[:, :-1]) / (rho[:, 1:] + rho[:, :-1])
        _transform_correction(-2.0 * lam, refl, thickness, transform, np.empty_like(transform))
        transform *= 2.0
        transform += 1.0
        transform *= rho[:, :1]
    return transform[0] if single else transform


# --------------------------------------------------------------------------
# Sounding operators: rho_a = rho_1 (1 + 2 c(lam) @ weights)
# --------------------------------------------------------------------------

def _lagrange(x, anchor, u0, spacing, n_grid):
    """Local Lagrange interpolation on the grid ``u0 + spacing * arange(n_grid)``.

    Returns ``(nodes, weights)``, both shape (n_x, _STENCIL), such that
    ``f(x) ~= sum(weights * f(grid[nodes]), axis=1)``; each stencil is centred
    on the grid interval holding ``anchor``.
    """
    position = (x - u0) / spacing
    first = np.floor((anchor - u0) / spacing).astype(int) - (_STENCIL // 2 - 1)
    first = np.clip(first, 0, n_grid - _STENCIL)
    nodes = first[:, np.newaxis] + np.arange(_STENCIL)
    distance = position[:, np.newaxis] - nodes
    j = np.arange(_STENCIL)
    others = np.array([np.delete(j, m) for m in j])          # (_STENCIL, _STENCIL - 1)
    numerator = np.prod(distance[:, others], axis=2)
    denominator = np.prod(j[:, np.newaxis] - others, axis=1)
    return nodes, numerator / denominator


def _gauss_legendre(edges):
    """Nodes and weights integrating over the pieces between sorted ``edges``."""
    xi, wi = np.polynomial.legendre.leggauss(_GAUSS_POINTS)
    middle, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    x = (middle[:, np.newaxis] + half[:, np.newaxis] * xi).ravel()
    return x, (half[:, np.newaxis] * wi).ravel(), np.repeat(middle, _GAUSS_POINTS)


def _mn_average(ab2, mn2, edges):
    """Nodes ``x`` = ln r and weights ``w`` of the finite-MN average.

    ``rho_a - rho_1 = sum(w * (rho_a_ideal(exp(x)) - rho_1))``: the weight
    ``(L**2 - l**2) / (2 l r**2)`` integrated over r in [L - l, L + l], written
    in x = ln r.  ``edges`` splits [ln(L - l), ln(L + l)] into pieces.
    """
    x, w, middle = _gauss_legendre(edges)
    return x, w * np.exp(-x) * (ab2**2 - mn2**2) / (2.0 * mn2), middle


def _lagged_block(ab2, mn2, hfilter):
    """``(lam, weights)`` of the lagged convolution for all soundings at once."""
    spacing, n_filter = hfilter.spacing, len(hfilter)
    low = np.log(ab2 if mn2 is None else ab2 - mn2)
    high = np.log(ab2 if mn2 is None else ab2 + mn2)
    half = _STENCIL // 2
    u0 = low.min() - half * spacing
    n_grid = int(np.ceil((high.max() - u0) / spacing)) + half + 1
    grid = u0 + spacing * np.arange(n_grid)

    # From ideal-Schlumberger rho_a - rho_1 on the AB/2 grid to the soundings.
    interp = np.zeros((n_grid, ab2.size))
    if mn2 is None:
        nodes, weights = _lagrange(low, low, u0, spacing, n_grid)
        np.add.at(interp, (nodes, np.arange(ab2.size)[:, np.newaxis]), weights)
    else:
        for col in range(ab2.size):
            inside = grid[(grid > low[col]) & (grid < high[col])]
            edges = np.concatenate([[low[col]], inside, [high[col]]])
            x, w, middle = _mn_average(ab2[col], mn2[col], edges)
            nodes, weights = _lagrange(x, middle, u0, spacing, n_grid)
            np.add.at(interp[:, col], nodes, weights * w[:, np.newaxis])

    # Lagged convolution: rho_a(s_k) - rho_1 = sum_i b_i w1_i (T - rho_1)(b_i / s_k)
    # and b_i / s_k = lam_j, j = i - k + n_grid - 1, on one increasing lam grid.
    n_lam = n_filter + n_grid - 1
    j = np.arange(n_lam)
    lam = np.where(
        j >= n_grid - 1,
        hfilter.base[np.clip(j - n_grid + 1, 0, n_filter - 1)] / np.exp(u0),
        hfilter.base[0] / np.exp(grid[np.clip(n_grid - 1 - j, 0, n_grid - 1)]),
    )
    i = j[:, np.newaxis] + np.arange(n_grid) - (n_grid - 1)
    toeplitz = np.where((i >= 0) & (i < n_filter),
                        (hfilter.base * hfilter.j1)[np.clip(i, 0, n_filter - 1)], 0.0)
    return lam, toeplitz @ interp


def _direct_block(ab2, mn2, hfilter):
    """``(lam, weights)`` of one sounding, the filter applied at each radius."""
    if mn2 is None:
        radius, factor = np.array([ab2]), np.array([1.0])
    else:
        low, high = np.log(ab2 - mn2), np.log(ab2 + mn2)
        edges = np.linspace(low, high, int(np.ceil((high - low) / (2 * hfilter.spacing))) + 1)
        x, factor, _ = _mn_average(ab2, mn2, edges)
        radius = np.exp(x)
    lam = (hfilter.base / radius[:, np.newaxis]).ravel()
    weights = (factor[:, np.newaxis] * hfilter.base * hfilter.j1).ravel()
    order = np.argsort(lam, kind="stable")
    return lam[order], weights[order, np.newaxis]


@lru_cache(maxsize=8)
def _cached_operator(ab2, mn2, filter_name, lagged):
    ab2 = np.array(ab2)
    mn2 = None if mn2 is None else np.array(mn2)
    return _SoundingOperator(ab2, mn2, _get_filter(filter_name), lagged)


class _SoundingOperator:
    """Maps (rho, thickness) to rho_a for one fixed geometry.

    Holds blocks ``(columns, lam, weights)``: a ``lam`` grid (1/m), shape
    (n_lam,), increasing, and ``weights``, shape (n_lam, n_columns), such that
    ``rho_a[:, columns] = rho_1 (1 + 2 c(lam) @ weights)``.  The lagged
    convolution is one block for all soundings; the direct filter is one block
    per sounding.
    """

    def __init__(self, ab2, mn2, hfilter, lagged=True):
        if lagged:
            pieces = [(np.arange(ab2.size), *_lagged_block(ab2, mn2, hfilter))]
        else:
            pieces = [(np.array([k]), *_direct_block(ab2[k], None if mn2 is None else mn2[k],
                                                     hfilter))
                      for k in range(ab2.size)]
        self.n_data = ab2.size
        self._geometry = (ab2, mn2)
        # The filter needs T - rho_1 ~ 0 at its largest lam, base[-1] / r, that is
        # a top layer thicker than this (m); thinner ones go along the ray.
        r_max = ab2.max() if mn2 is None else (ab2 + mn2).max()
        self._min_top = r_max * _MAX_DECAY / (2.0 * hfilter.base[-1])
        self._contour = None          # built on first use: most batches never need it
        self.blocks = []
        for columns, lam, weights in pieces:
            # Drop rows that cannot matter: all-zero rows, and the small-lam
            # rows whose weights add up to less than _ROW_TOL (|c| is bounded).
            size = np.abs(weights).max(axis=1)
            keep = (np.cumsum(size) >= _ROW_TOL) & (size > 0)
            self.blocks.append((columns, np.ascontiguousarray(lam[keep]),
                                np.ascontiguousarray(weights[keep])))

    def __call__(self, rho, thickness):
        n_samples = rho.shape[0]
        rho_a = np.empty((n_samples, self.n_data))
        if rho.shape[1] == 1:
            rho_a[:] = rho[:, :1]
            return rho_a
        refl = _reflection_coefficients(rho)
        starts = np.arange(0, n_samples, _CHUNK)
        for columns, lam, weights in self.blocks:
            out = np.empty((n_samples, columns.size))
            map_chunks(_run_chunks, starts, THREADS, lam, weights, refl, thickness, out)
            rho_a[:, columns] = out
        rho_a *= 2.0
        rho_a += 1.0
        rho_a *= rho[:, :1]
        # A layer much more resistive than one below it, or a top layer too thin
        # for the filter's span: the filter is not accurate enough there (module
        # docstring); those rows go along the ray.
        steep = np.flatnonzero((descending_contrast(rho) > FILTER_CONTRAST)
                               | (thickness[:, 0] < self._min_top))
        if steep.size:
            if self._contour is None:
                self._contour = ContourOperator(*self._geometry)
            rho_a[steep] = self._contour(rho[steep], thickness[steep], THREADS)
        return rho_a


def _reflection_coefficients(rho):
    """``(rho_(i+1) - rho_i) / (rho_(i+1) + rho_i)``, shape (n_samples, N - 1).

    Pairs whose sum overflows (rho near the largest double) are halved first.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        refl = (rho[:, 1:] - rho[:, :-1]) / (rho[:, 1:] + rho[:, :-1])
    bad = ~np.isfinite(refl)
    if bad.any():
        half_upper, half_lower = rho[:, 1:][bad] / 2, rho[:, :-1][bad] / 2
        refl[bad] = (half_upper - half_lower) / (half_upper + half_lower)
    return refl


def descending_contrast(rho):
    """Largest ratio ``rho_i / rho_j`` of a layer over one below it (i < j).

    Parameters
    ----------
    rho : ndarray, shape (n_samples, n_layers)
        Layer resistivities (ohm.m), top-down.

    Returns
    -------
    ndarray, shape (n_samples,)
        At least 1; exactly 1 when resistivity never decreases with depth.

    Examples
    --------
    >>> descending_contrast(np.array([[10.0, 1000.0, 1.0], [1.0, 10.0, 100.0]])).tolist()
    [1000.0, 1.0]
    """
    # column by column: a few layers, many samples (faster than reductions along axis 1)
    above = rho[:, 0].copy()
    contrast = np.ones(rho.shape[0])
    for j in range(1, rho.shape[1]):
        np.maximum(contrast, above / rho[:, j], out=contrast)
        np.maximum(above, rho[:, j], out=above)
    return contrast


def check_contrast(rho, name="rho"):
    """Raise ValueError naming the rows whose resistivities the arithmetic cannot resolve.

    Parameters
    ----------
    rho : ndarray, shape (n_samples, n_layers)
        Layer resistivities (ohm.m), positive and finite.
    name : str
        What the message calls ``rho``.

    Raises
    ------
    ValueError
        If a resistivity lies outside RHO_RANGE or a layer contrast
        ``max(rho) / min(rho)`` exceeds MAX_CONTRAST.
    """
    for bad, problem in contrast_problems(rho):
        if bad.any():
            raise ValueError(f"{name} rows {format_rows(np.flatnonzero(bad))} {problem}")


def contrast_problems(rho):
    """``(bad_rows, problem)`` pairs for :func:`check_contrast` and ``VES.physical_rules``."""
    low, high = RHO_RANGE
    rho_min, rho_max = rho[:, 0].copy(), rho[:, 0].copy()
    for j in range(1, rho.shape[1]):         # column by column, as in descending_contrast
        np.minimum(rho_min, rho[:, j], out=rho_min)
        np.maximum(rho_max, rho[:, j], out=rho_max)
    out_of_range = (rho_min < low) | (rho_max > high)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # rows refused anyway
        contrast = rho_max / rho_min
    return [
        (out_of_range, f"have resistivities outside [{low:g}, {high:g}] ohm.m"),
        (~out_of_range & (contrast > MAX_CONTRAST),
         f"have a layer contrast max(rho) / min(rho) above {MAX_CONTRAST:g}, beyond what "
         f"double precision resolves (rounding grows as ~1e-17 times the contrast)"),
    ]


def _run_chunks(starts, lam, weights, refl, thickness, out):
    """Fill ``out[start:start + _CHUNK]`` with ``c(lam) @ weights`` for each start."""
    neg2lam = -2.0 * lam
    c_buffer = np.empty(_CHUNK * lam.size)
    work_buffer = np.empty_like(c_buffer)
    for start in starts:
        block = slice(start, start + _CHUNK)
        h = thickness[block]
        # Beyond lam = _MAX_DECAY / (2 h_1) the top layer hides the rest: c ~ 0.
        # (the same number as _MAX_DECAY / (2 h_1), written so that neither the
        # product nor the quotient can overflow for h_1 in [5e-324, 1.8e308])
        n_lam = np.searchsorted(lam, (_MAX_DECAY / 2.0) / max(h[:, 0].min(), 1e-300),
                                side="right")
        size = h.shape[0] * n_lam          # contiguous views: faster ufuncs
        c = c_buffer[:size].reshape(h.shape[0], n_lam)
        work = work_buffer[:size].reshape(h.shape[0], n_lam)
        with np.errstate(over="ignore"):   # lam h beyond 1e308: exp clipped anyway
            _transform_correction(neg2lam[:n_lam], refl[block], h, c, work)
        # Small products, so that OpenBLAS stays on this thread (see _GEMM_SIZE).
        w = weights[:n_lam]
        step = max(1, _GEMM_SIZE // max(w.size, 1))
        for row in range(0, h.shape[0], step):
            end = min(row + step, h.shape[0])
            np.matmul(c[row:end], w, out=out[start + row:start + end])


# --------------------------------------------------------------------------
# Apparent resistivity
# --------------------------------------------------------------------------

def apparent_resistivity_schlumberger(ab2, rho, thickness, mn2=None, *,
                                      hankel_filter="key_201", lagged=True):
    """Schlumberger apparent resistivity of layered earths.

    Parameters
    ----------
    ab2 : array_like, shape (n_ab2,)
        Half current-electrode spacing AB/2 (m), positive; any order.
    rho : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer resistivities (ohm.m), top-down; the last layer is a half-space.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.
    mn2 : float or array_like, shape (n_ab2,), optional
        Half potential-electrode spacing MN/2 (m), each smaller than its AB/2.
        ``None`` (default) gives the ideal Schlumberger array, MN -> 0.
    hankel_filter : {"key_201", "anderson_801"}, optional
        Digital linear filter (see ``geoinv.forward._filters``).
    lagged : bool, optional
        Use the lagged convolution (default, fast) or apply the filter at every
        spacing (slow; for checks).

    Returns
    -------
    rho_a : ndarray, shape (n_samples, n_ab2) or (n_ab2,)
        Apparent resistivity (ohm.m); one-dimensional if ``rho`` was.

    Raises
    ------
    ValueError
        If a geometry value is not a positive, finite number (a string or a
        bool is named with its position), ``mn2 >= ab2``, shapes do not
        match, a model value is not positive and finite, a resistivity lies
        outside RHO_RANGE or a model's contrast exceeds MAX_CONTRAST (the
        message names the offending entries or rows).

    Notes
    -----
    Models with a descending contrast above FILTER_CONTRAST, or a top layer
    too thin for the filter's span, are computed along the complex ray
    whatever ``hankel_filter`` and ``lagged`` say (module docstring).

    Examples
    --------
    100 ohm.m, 5 m thick, over 10 ohm.m: rho_a goes from rho_1 to rho_2.

    >>> apparent_resistivity_schlumberger([1.0, 10.0, 1000.0], [100.0, 10.0], [5.0]).round(3)
    array([99.852, 51.559, 10.001])
    >>> apparent_resistivity_schlumberger([1.0, 10.0], [100.0, 10.0], [5.0], mn2=0.5).round(3)
    array([99.89 , 51.693])
    """
    ab2 = survey_vector(ab2, "ab2", positive=True)
    mn2 = None if mn2 is None else _check_mn2(mn2, ab2)
    rho, thickness, single = check_layers(rho, thickness, "rho")
    check_contrast(rho)
    _get_filter(hankel_filter)
    key_mn2 = None if mn2 is None else tuple(mn2.tolist())
    operator = _cached_operator(tuple(ab2.tolist()), key_mn2, hankel_filter, bool(lagged))
    rho_a = operator(rho, thickness)
    return rho_a[0] if single else rho_a


def apparent_resistivity_wenner(ab2, rho, thickness, *, hankel_filter="key_201", lagged=True):
    """Wenner apparent resistivity of layered earths.

    The electrode spacing is ``a = 2 * ab2 / 3`` (AB = 3 a); this is the
    Schlumberger array with ``mn2 = ab2 / 3``.

    Parameters
    ----------
    ab2 : array_like, shape (n_ab2,)
        Half current-electrode spacing AB/2 = 1.5 a (m), positive.
    rho : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer resistivities (ohm.m), top-down; the last layer is a half-space.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.
    hankel_filter, lagged
        As in :func:`apparent_resistivity_schlumberger`.

    Returns
    -------
    rho_a : ndarray, shape (n_samples, n_ab2) or (n_ab2,)
        Apparent resistivity (ohm.m).

    Raises
    ------
    ValueError
        As :func:`apparent_resistivity_schlumberger`.

    Examples
    --------
    >>> apparent_resistivity_wenner([1.5, 15.0, 1500.0], [100.0, 10.0], [5.0]).round(3)
    array([99.567, 33.867, 10.   ])
    """
    ab2 = survey_vector(ab2, "ab2", positive=True)
    return apparent_resistivity_schlumberger(ab2, rho, thickness, mn2=ab2 / 3.0,
                                             hankel_filter=hankel_filter, lagged=lagged)


# --------------------------------------------------------------------------
# Forward-model class
# --------------------------------------------------------------------------

class VES(LayeredForward):
    """Vertical electrical sounding over an N-layer earth.

    Model vector ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m; top-down, last
    layer a half-space); data: apparent resistivity (ohm.m) at each AB/2.  The
    conventions and the method are in the module docstring.

    Parameters
    ----------
    ab2 : array_like, shape (n_ab2,)
        Half current-electrode spacing AB/2 (m), positive and finite, any order.
        For Wenner, AB/2 = 1.5 a with ``a`` the electrode spacing.
    n_layers : int
        Number of layers N >= 1, the half-space included.
    array : {"schlumberger", "wenner"}, optional
        Electrode array.
    mn2 : float or array_like, shape (n_ab2,), optional
        Schlumberger only: half potential-electrode spacing MN/2 (m), each
        smaller than its AB/2.  ``None`` gives the ideal array (MN -> 0).
    hankel_filter : {"key_201", "anderson_801"}, optional
        Digital linear filter used for the Hankel transform.

    Raises
    ------
    ValueError
        Naming the field: ``ab2`` not positive and finite numbers (a string
        or a bool is named with its position), ``n_layers`` not an integer
        >= 1, unknown ``array`` or ``hankel_filter``, ``mn2`` not positive
        numbers, not smaller than ``ab2`` or given for Wenner, or two data
        with the same (AB/2, MN/2).  :meth:`simulate` also refuses, naming
        the rows, resistivities outside RHO_RANGE and contrasts above
        MAX_CONTRAST (1e10).

    Examples
    --------
    >>> ves = VES([1.0, 10.0, 100.0], n_layers=2)
    >>> ves.parameter_names, ves.data_names[0]
    (['rho_1', 'rho_2', 'h_1'], 'rho_a@ab2=1m')
    >>> ves.simulate([[100.0, 10.0, 5.0]]).round(2)
    array([[99.85, 51.56, 10.08]])
    """

    kind = "ves"
    data_log = True

    def __init__(self, ab2, n_layers, array="schlumberger", mn2=None, hankel_filter="key_201"):
        ab2 = survey_vector(ab2, "ab2", positive=True).copy()
        super().__init__(n_layers)
        array_name = str(array).lower()
        if array_name not in ARRAYS:
            raise ValueError(f"unknown array {array!r}; choose one of {', '.join(ARRAYS)}")
        if array_name == "wenner" and mn2 is not None:
            raise ValueError("mn2 must be None for the Wenner array (it is fixed: MN/2 = AB/2 / 3)")
        hfilter = _get_filter(hankel_filter)
        mn2 = None if mn2 is None else _check_mn2(mn2, ab2).copy()
        electrode_mn2 = ab2 / 3.0 if array_name == "wenner" else mn2

        for array_ in (ab2, mn2):
            if array_ is not None:
                array_.setflags(write=False)   # the operator below is built for them
        self.ab2 = ab2
        self.mn2 = mn2
        self.array = array_name
        self.hankel_filter = hankel_filter
        labels = [f"ab2={x}m" for x in short_labels(ab2)]
        if mn2 is not None:
            labels = [f"{a},mn2={m}m" for a, m in zip(labels, short_labels(mn2))]
        if len(set(labels)) != len(labels):
            raise ValueError("ab2 (with mn2) holds duplicate soundings; give each one once")
        self.data_names = [f"rho_a@{label}" for label in labels]
        self.data_units = ["ohm.m"] * ab2.size
        self._operator = _SoundingOperator(ab2, electrode_mn2, hfilter)

    def physical_rules(self, models):
        """Resistivities in RHO_RANGE and layer contrasts up to MAX_CONTRAST."""
        return contrast_problems(models[:, :self.n_layers])

    def _simulate(self, models):
        n = self.n_layers
        return self._operator(models[:, :n], models[:, n:])

    def settings(self):
        """Keyword arguments that rebuild this forward model."""
        return {
            "ab2": self.ab2.tolist(),
            "n_layers": self.n_layers,
            "array": self.array,
            "mn2": None if self.mn2 is None else self.mn2.tolist(),
            "hankel_filter": self.hankel_filter,
        }

    def data_bounds(self, low, high):
        """Bounds of rho_a implied by a prior box.

        Apparent resistivity lies (approximately) between the smallest and the
        largest layer resistivity, so the bounds are ``min(low[rho])`` and
        ``max(high[rho])`` for every datum.

        Parameters
        ----------
        low, high : array_like, shape (n_params,)
            Lower and upper bounds of the prior box (ohm.m for rho, m for h).

        Returns
        -------
        (data_low, data_high) : tuple of ndarray, shape (n_data,)
            Bounds of rho_a (ohm.m).
        """
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        if low.shape != (self.n_params,) or high.shape != (self.n_params,):
            raise ValueError(
                f"low and high must have shape ({self.n_params},); got {low.shape} and {high.shape}"
            )
        n = self.n_layers
        return (np.full(self.n_data, low[:n].min()), np.full(self.n_data, high[:n].max()))

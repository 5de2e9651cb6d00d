"""Make ``ves_reference.npz``: VES apparent resistivities by direct quadrature.

Independent of :mod:`geoinv.forward.ves`: the resistivity transform is the
textbook tanh recursion and the Hankel integrals are done numerically, by
Gauss-Legendre quadrature between consecutive zeros of the Bessel function
(scipy.special.jn_zeros), on the correction ``T - rho_1`` (its half-space part
``rho_1`` is transformed analytically)::

    ideal Schlumberger  rho_a = rho_1 + s**2 int (T - rho_1) lam J1(lam s) dlam
    finite MN           rho_a = rho_1 + (L**2 - l**2) / (2 l) [F(L - l) - F(L + l)],
                        F(r)  = int (T - rho_1) J0(lam r) dlam.

Wenner is finite MN with MN/2 = AB/2 / 3 (electrode spacing a = 2 AB/2 / 3).
Before saving, the quadrature is checked against the analytic image series of
two-layer earths (relative error < 1e-9).

Run from anywhere: ``python tests/data/make_ves_reference.py``.  The benchmark
(benchmarks/bench_ves.py) imports the quadrature from here too.
"""

from pathlib import Path

import numpy as np
from scipy import special

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "ves_reference.npz"

_XI, _WI = np.polynomial.legendre.leggauss(24)


def pekeris_transform(lam, rho, thickness):
    """Textbook resistivity transform of one model, shape (n_lam,) (ohm.m)."""
    transform = np.full(np.shape(lam), float(rho[-1]))
    for i in range(len(rho) - 2, -1, -1):
        t = np.tanh(lam * thickness[i])
        transform = rho[i] * (transform + rho[i] * t) / (rho[i] + transform * t)
    return transform


def hankel_quadrature(f, order, x_max):
    """``int_0^x_max f(x) J_order(x) dx`` by Gauss-Legendre between Bessel zeros.

    The first interval is refined geometrically towards 0, where a
    high-contrast kernel can vary fast; ``f`` must be negligible beyond x_max.
    """
    zeros = special.jn_zeros(order, int(x_max / np.pi) + 3)
    zeros = zeros[: np.searchsorted(zeros, x_max) + 1]
    edges = np.concatenate([[0.0], np.geomspace(1e-9, zeros[0], 60)[:-1], zeros])
    middle, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    x = (middle[:, None] + half[:, None] * _XI).ravel()
    w = (half[:, None] * _WI).ravel()
    bessel = special.j0(x) if order == 0 else special.j1(x)
    return float(np.sum(w * f(x) * bessel))


def quadrature_schlumberger(ab2, rho, thickness, mn2=None):
    """Apparent resistivity (ohm.m), shape (n_ab2,), of one model by quadrature.

    ``mn2=None`` is the ideal array; otherwise MN/2 (m), scalar or per AB/2.
    """
    rho, thickness = np.asarray(rho, float), np.asarray(thickness, float)
    ab2 = np.atleast_1d(np.asarray(ab2, float))
    if rho.size == 1:
        return np.full(ab2.shape, rho[0])

    def correction(lam):
        return pekeris_transform(lam, rho, thickness) - rho[0]

    def x_max(r):  # 2 lam h_1 = 60 there: the correction is down by e**-60
        return 30.0 * r / thickness[0]

    rho_a = []
    for k, s in enumerate(ab2):
        if mn2 is None:
            value = hankel_quadrature(lambda x: correction(x / s) * x, 1, x_max(s))
        else:
            l = np.broadcast_to(mn2, ab2.shape)[k]
            far = [hankel_quadrature(lambda x: correction(x / r), 0, x_max(r)) / r
                   for r in (s - l, s + l)]
            value = (s**2 - l**2) / (2 * l) * (far[0] - far[1])
        rho_a.append(rho[0] + value)
    return np.array(rho_a)


def image_potential(r, rho_1, rho_2, h):
    """Two-layer ``F(r) = rho_1 [1/r + 2 sum k**n / sqrt(r**2 + (2 n h)**2)]``."""
    k = (rho_2 - rho_1) / (rho_2 + rho_1)
    n = np.arange(1, int(np.ceil(np.log(1e-18) / np.log(abs(k)))) + 1)
    r = np.atleast_1d(r)[:, None]
    return rho_1 * (1 / r[:, 0] + 2 * np.sum(k**n / np.sqrt(r**2 + (2 * n * h) ** 2), axis=1))


def _check_quadrature():
    s = np.geomspace(0.1, 1000.0, 9)
    for rho_2 in (0.01, 100.0):
        k = (rho_2 - 1) / (rho_2 + 1)
        n = np.arange(1, 3000)
        ideal = 1 + 2 * np.sum(k**n * s[:, None] ** 3 / (s[:, None] ** 2 + (2 * n) ** 2) ** 1.5, 1)
        got = quadrature_schlumberger(s, [1.0, rho_2], [1.0])
        assert np.max(np.abs(got / ideal - 1)) < 1e-9, "ideal quadrature off"
        near, far = (image_potential(r, 1.0, rho_2, 1.0) for r in (s - s / 3, s + s / 3))
        finite = (s**2 - (s / 3) ** 2) / (2 * s / 3) * (near - far)
        got = quadrature_schlumberger(s, [1.0, rho_2], [1.0], mn2=s / 3)
        assert np.max(np.abs(got / finite - 1)) < 1e-9, "finite-MN quadrature off"


# Three-layer earths of the four classical curve types, [rho_1..3, h_1, h_2].
MODELS_3 = np.array([
    [100.0, 10.0, 1000.0, 2.0, 10.0],     # H: conductor in the middle
    [10.0, 500.0, 5.0, 1.5, 8.0],         # K: resistor in the middle
    [10.0, 100.0, 1000.0, 3.0, 20.0],     # A: increasing
    [1000.0, 100.0, 10.0, 0.8, 12.0],     # Q: decreasing
])
AB2 = np.geomspace(0.5, 500.0, 13)        # m, not on the filter's grid
MN2_RATIO = 0.2                           # finite MN: MN/2 = 0.2 AB/2

# The pyGIMLi synthetic sounding: its true model and field geometry (two MN/2).
SOND_MODEL = np.array([100.0, 500.0, 20.0, 1000.0, 0.5, 3.5, 6.0])
SOND_FILE = HERE / "pygimli_sond1-100" / "sond1-100.ves"


def main():
    _check_quadrature()
    arrays = {
        "ideal": None,
        "finite": MN2_RATIO * AB2,
        "wenner": AB2 / 3.0,
    }
    results = {"models_3": MODELS_3, "ab2": AB2, "mn2_ratio": MN2_RATIO}
    for name, mn2 in arrays.items():
        results[f"rho_a_{name}"] = np.array(
            [quadrature_schlumberger(AB2, m[:3], m[3:], mn2=mn2) for m in MODELS_3])
    sond = np.loadtxt(SOND_FILE)
    results["sond_rho_a"] = quadrature_schlumberger(sond[:, 0], SOND_MODEL[:4], SOND_MODEL[4:],
                                                    mn2=sond[:, 1])
    np.savez(OUTPUT, **results)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

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

Extreme contrasts need more than that: a real-axis quadrature of a kernel
that is a constant ``rho_N - rho_1`` over thousands of Bessel oscillations
loses ~1e-16 of its partial sums (~sqrt(s/h) times the kernel) to rounding,
1e-2 relative when rho_a = rho_N is 1e8 times smaller than rho_1.  The sets
over the scenario's box, its OOD shell and extreme models are therefore
computed along a ray in the complex plane, ``lam = t exp(i pi/3)``, where the
Hankel function H1 (H0 for the potential) decays instead of oscillating::

    ideal Schlumberger  rho_a = s**2 Re int_ray T lam H1(lam s) dlam,
    finite MN           rho_a = (L**2 - l**2) / (2 l) Re int_ray T [H0(lam (L-l)) - H0(lam (L+l))] dlam,

T from the textbook tanh recursion at complex lam (analytic for Re lam > 0),
Gauss-Legendre (16 points) on pieces geometric in t from 1e-20 to 1 and
0.5 wide beyond.  Checked in :func:`_check_quadrature` against the image
series (contrasts up to 1e4, both ways) and the real-axis quadrature, and
once, by hand, against two-layer image series summed with Euler-Maclaurin in
40-digit arithmetic (mpmath, not needed here): relative error < 4e-10 for
contrasts up to 1e8 and AB/2 / h from 1e-4 to 1e4.  The library's own
quadrature (geoinv/forward/_contour.py) uses another angle (pi/4), another
rule (trapezoid in ln t) and, for a finite MN, an average of the ideal curve.

Run from anywhere: ``python tests/data/make_ves_reference.py`` (~1 min).  The
benchmark (benchmarks/bench_ves.py) imports the quadrature from here too.
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


_RAY = np.exp(1j * np.pi / 3)


def _ray_nodes():
    """Nodes z = t exp(i pi/3) (dimensionless, lam * r) and weights dz on the ray."""
    edges = np.concatenate([[0.0], np.geomspace(1e-20, 1.0, 20 * 8 + 1),
                            np.arange(1.5, 60.0 / np.sin(np.pi / 3), 0.5)])
    middle, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    t = (middle[:, None] + half[:, None] * _XI).ravel()
    return t * _RAY, (half[:, None] * _WI).ravel() * _RAY


def complex_transform(lam, rho, thickness):
    """Tanh recursion at complex ``lam`` (Re lam > 0), one model (ohm.m)."""
    transform = np.full(np.shape(lam), complex(rho[-1]))
    for i in range(len(rho) - 2, -1, -1):
        t = np.tanh(lam * thickness[i])
        transform = rho[i] * (transform + rho[i] * t) / (rho[i] + transform * t)
    return transform


def ray_schlumberger(ab2, rho, thickness, mn2=None):
    """Apparent resistivity (ohm.m), shape (n_ab2,), of one model along the complex ray."""
    rho, thickness = np.asarray(rho, float), np.asarray(thickness, float)
    ab2 = np.atleast_1d(np.asarray(ab2, float))
    z, dz = _ray_nodes()
    if mn2 is None:
        kernel = dz * z * special.hankel1(1, z)          # s**2 lam H1(lam s) dlam
        return np.array([np.real(np.sum(kernel * complex_transform(z / s, rho, thickness)))
                         for s in ab2])
    h0 = dz * special.hankel1(0, z)                      # H0(lam r) dlam, times r
    mn2 = np.broadcast_to(mn2, ab2.shape)
    rho_a = []
    for s, l in zip(ab2, mn2):
        near, far = (np.real(np.sum(h0 * complex_transform(z / r, rho, thickness))) / r
                     for r in (s - l, s + l))
        rho_a.append((s**2 - l**2) / (2 * l) * (near - far))
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
    for rho_2 in (1e-4, 0.01, 100.0, 1e4):
        k = (rho_2 - 1) / (rho_2 + 1)
        n = np.arange(1, int(np.log(1e-18) / np.log(abs(k))) + 2)
        ideal = 1 + 2 * (s[:, None] ** 3 / (s[:, None] ** 2 + (2 * n) ** 2) ** 1.5) @ k**n
        got = ray_schlumberger(s, [1.0, rho_2], [1.0])
        assert np.max(np.abs(got / ideal - 1)) < 1e-9, "ray quadrature off"
        near, far = (image_potential(r, 1.0, rho_2, 1.0) for r in (s - s / 3, s + s / 3))
        finite = (s**2 - (s / 3) ** 2) / (2 * s / 3) * (near - far)
        got = ray_schlumberger(s, [1.0, rho_2], [1.0], mn2=s / 3)
        assert np.max(np.abs(got / finite - 1)) < 1e-9, "ray finite-MN quadrature off"
    for model in MODELS_3:
        for mn2 in (None, MN2_RATIO * AB2):
            real_axis = quadrature_schlumberger(AB2, model[:3], model[3:], mn2=mn2)
            ray = ray_schlumberger(AB2, model[:3], model[3:], mn2=mn2)
            # 1e-9: the real axis loses up to ~2e-10 to rounding at AB/2 = 600 h_1
            # (Q type, ~6000 Bessel intervals), where the ray and Key's filter
            # agree to 1e-13
            assert np.max(np.abs(ray / real_axis - 1)) < 1e-9, "ray and real axis disagree"


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


# The box of scenarios/ves_3layer.toml (log10 bounds) and its OOD shell (0.5
# box widths on each side), and the range the library promises 1e-6 over.
SURVEY_AB2 = np.geomspace(1.0, 1000.0, 30)     # m, the scenario's spacings
BOX = {"rho": (0.0, 3.0), "h": (0.0, np.log10(50.0))}
SHELL = 0.5
EXTREME = {"rho": (-2.0, 6.0), "h": (-1.0, 4.0)}
N_RANDOM = 120


def _log_uniform(rng, n, bounds):
    rho = 10 ** rng.uniform(*bounds["rho"], (n, 3))
    h = 10 ** rng.uniform(*bounds["h"], (n, 2))
    return np.hstack([rho, h])


def survey_models(rng):
    """Three-layer models [rho_1..3, h_1, h_2]: ID box, OOD shell, extreme range."""
    box_id = _log_uniform(rng, N_RANDOM, BOX)
    wide = {key: (lo - SHELL * (hi - lo), hi + SHELL * (hi - lo)) for key, (lo, hi) in BOX.items()}
    ood = _log_uniform(rng, 20 * N_RANDOM, wide)
    logs = np.log10(ood)
    inside = ((logs[:, :3] >= BOX["rho"][0]) & (logs[:, :3] <= BOX["rho"][1])).all(axis=1) & (
        (logs[:, 3:] >= BOX["h"][0]) & (logs[:, 3:] <= BOX["h"][1])).all(axis=1)
    ood = ood[~inside][:N_RANDOM]
    corners = np.array([[r1, r2, r3, h1, h2] for r1 in (1e-2, 1e6) for r2 in (1e-2, 1e6)
                        for r3 in (1e-2, 1e6) for h1 in (0.1, 1e4) for h2 in (0.1, 1e4)])
    extreme = np.vstack([_log_uniform(rng, N_RANDOM, EXTREME), corners])
    return {"id": box_id, "ood": ood, "extreme": extreme}


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
            [ray_schlumberger(AB2, m[:3], m[3:], mn2=mn2) for m in MODELS_3])
    sond = np.loadtxt(SOND_FILE)
    results["sond_rho_a"] = ray_schlumberger(sond[:, 0], SOND_MODEL[:4], SOND_MODEL[4:],
                                             mn2=sond[:, 1])
    real_axis = quadrature_schlumberger(sond[:, 0], SOND_MODEL[:4], SOND_MODEL[4:], mn2=sond[:, 1])
    assert np.max(np.abs(results["sond_rho_a"] / real_axis - 1)) < 1e-9, "sond1-100 disagrees"
    rng = np.random.default_rng(2026)
    results["survey_ab2"] = SURVEY_AB2
    for name, models in survey_models(rng).items():
        results[f"survey_{name}_models"] = models
        for array, mn2 in (("ideal", None), ("finite", 0.1 * SURVEY_AB2),
                           ("wenner", SURVEY_AB2 / 3.0)):
            results[f"survey_{name}_{array}"] = np.array(
                [ray_schlumberger(SURVEY_AB2, m[:3], m[3:], mn2=mn2) for m in models])
    np.savez_compressed(OUTPUT, **results)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()

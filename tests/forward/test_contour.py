"""The error bounds that choose the nodes of the complex-ray quadrature (_contour.py)."""

import math

import numpy as np
import pytest
from scipy import special

import geoinv.forward._contour as contour
from geoinv.forward._contour import (TOLERANCE, ContourOperator, _Grid, _lower_sum,
                                     _lowest_node, _tanh_parts, _transform_ratio,
                                     spacing_for_contrast)

AB2 = np.geomspace(1.0, 1000.0, 30)


def relative_error(got, expected):
    return float(np.max(np.abs(got / expected - 1.0)))


def _with_spacing(operator, contrast_class, spacing):
    """``operator`` with the grid of ``contrast_class`` replaced by one of ``spacing``."""
    operator._grids[contrast_class] = _Grid(spacing, operator._radii, operator._combine)
    return operator


# three-layer models of contrast class 4 and 6: resistor over conductor and the reverse
CLASS_MODELS = {
    4: (np.array([[1e4, 1.0, 30.0], [2.0, 5e3, 1.5], [300.0, 0.05, 10.0]]),
        np.array([[3.0, 40.0], [0.3, 200.0], [25.0, 2.0]])),
    6: (np.array([[1e6, 1.0, 30.0], [2.0, 1.5e6, 1.5], [3e4, 0.05, 10.0]]),
        np.array([[3.0, 40.0], [0.3, 200.0], [25.0, 2.0]])),
}


@pytest.mark.parametrize("contrast_class", [4, 6])
def test_spacing_meets_its_bound_and_a_coarser_one_does_not(contrast_class):
    rho, thickness = CLASS_MODELS[contrast_class]
    spacing = spacing_for_contrast(10.0**contrast_class)
    chosen = ContourOperator(AB2)(rho, thickness)
    fine = _with_spacing(ContourOperator(AB2), contrast_class, spacing / 2)(rho, thickness)
    # the chosen step errs by < TOLERANCE (1e-10) of the smallest resistivity;
    # rounding adds ~1e-16 times the contrast (1e-10 at 1e6)
    assert relative_error(chosen, fine) < 3 * TOLERANCE + 1e-16 * 10.0**contrast_class
    # the bound has teeth: 1.5 times the step multiplies the error bound by
    # exp(pi**2 / (6 h)) ~ 1e5
    coarse = _with_spacing(ContourOperator(AB2), contrast_class, 1.5 * spacing)(rho, thickness)
    assert relative_error(coarse, fine) > 100 * TOLERANCE


def test_spacing_for_contrast_at_the_extremes():
    # 100 C exp(-pi**2 / (2 h)) = TOLERANCE, solved for h
    for contrast in (1e3, 1e10):
        h = spacing_for_contrast(contrast)
        assert 100 * contrast * math.exp(-math.pi**2 / (2 * h)) == pytest.approx(TOLERANCE,
                                                                                 rel=1e-12)
    assert contour.SPACING == spacing_for_contrast(1e10)


def test_conductive_basement_at_the_extreme_contrast_matches_image_series():
    # 1 ohm.m, h = 1 m, over 1e-10 ohm.m (MAX_CONTRAST): the lowest node and the
    # finest spacing at their limit, and the integrand ~1e9 times the answer.
    # Image series with k = -1 + 2e-10, summed by Boole's formula (the
    # alternating terms are smooth in n for s >> h):
    # rho_a = rho_2 (1 + 3 (h/s)**2 + 30 (h/s)**4 + O((h/s)**6)), as the
    # 40-digit values of test_ves.py show for rho_2 = 1e-8.
    ab2 = np.array([1e2, 1e3, 1e4])
    rho_a = ContourOperator(ab2)(np.array([[1.0, 1e-10]]), np.array([[1.0]]))[0]
    expected = 1e-10 * (1 + 3 / ab2**2 + 30 / ab2**4)
    # 2e-7: rounding, up to ~5e-17 times the contrast (1e-7 seen against
    # 30-digit mpmath on such models, 2.5e-9 here); nodes computed as
    # exp(ln(low) + j h) in double lost 1e-6 on such models
    assert relative_error(rho_a, expected) < 2e-7


def test_lowest_node_meets_its_bound_and_a_higher_one_does_not(monkeypatch):
    rho, thickness = CLASS_MODELS[4]
    chosen = ContourOperator(AB2)(rho, thickness)
    floor = contour._Z_MIN / AB2.max()
    monkeypatch.setattr(contour, "_lowest_node",
                        lambda ratio, *args: np.full(ratio.shape[0], floor))
    lowest_possible = ContourOperator(AB2)(rho, thickness)
    # the constant below lam_0 and the series there err by < TOLERANCE each
    assert relative_error(chosen, lowest_possible) < 3 * TOLERANCE
    lam_0 = _lowest_node(rho / rho[:, :1], thickness, (rho / rho[:, :1]).min(axis=1),
                         (rho / rho[:, :1]).max(axis=1), AB2.max())
    assert (lam_0 > 1e6 * floor).all()      # the saving: > 6 decades of nodes
    monkeypatch.setattr(contour, "_lowest_node",
                        lambda ratio, *args: np.full(ratio.shape[0], 1e4 * lam_0.min()))
    too_high = ContourOperator(AB2)(rho, thickness)
    assert relative_error(too_high, lowest_possible) > 100 * TOLERANCE


def test_transform_grows_at_most_linearly_from_its_limit():
    # the bound behind the lowest node: |t - q_N| <= |lam| D while |lam| D <= q_N,
    # with D = sum_i h_i (q_i + 4 q_N**2 / q_i), on random 2-5 layer models
    rng = np.random.default_rng(3)
    modulus = np.geomspace(1e-22, 1e3, 400)
    for n_layers in (2, 3, 5):
        ratio = 10 ** rng.uniform(-10, 10, (200, n_layers))
        ratio /= ratio[:, :1]
        keep = ratio.max(axis=1) / ratio.min(axis=1) <= 1e10
        ratio = ratio[keep]
        thickness = 10 ** rng.uniform(-1, 4, (ratio.shape[0], n_layers - 1))
        t = _transform_ratio(modulus, ratio, thickness, np.empty(10 * ratio.size * 400))
        q_last = ratio[:, -1:]
        d = np.sum(thickness * (ratio[:, :-1] + 4 * q_last**2 / ratio[:, :-1]), axis=1)[:, None]
        inside = modulus * d <= q_last
        # 1e-15 q_max: rounding of t
        slack = 1e-15 * ratio.max(axis=1, keepdims=True)
        assert (np.abs(t - q_last) <= modulus * d + slack)[inside].all()
        # and |t| <= _T_BOUND q_max everywhere on the ray (1.143 measured)
        assert (np.abs(t) <= contour._T_BOUND * ratio.max(axis=1, keepdims=True)).all()


def test_series_below_the_lowest_node_matches_the_summed_nodes():
    spacing = 0.13
    z0 = 1e-3 * np.exp(1j * math.pi / 4)
    z = z0 * np.exp(-spacing * np.arange(1, 3000))
    summed = spacing * np.sum(z**2 * special.hankel1(1, z))
    # remainder O(z0**5 ln z0) ~ 1e-15 against a sum of ~1e-2
    assert abs(_lower_sum(z0, spacing) - summed) < 1e-16


def test_tanh_parts_match_the_complex_tanh():
    a = np.concatenate([[1e-300, 1e-12, 1e-3], np.linspace(0.01, 24.9, 4000),
                        math.pi / 2 + np.array([-1e-12, 0.0, 1e-12]), [3 * math.pi / 2, 25.0]])
    shape = a.shape
    u, p, n_real, n_imag, d = (np.empty(shape) for _ in range(5))
    _tanh_parts(a.copy(), u, p, n_real, n_imag, d)
    expected = np.tanh(a * (1 + 1j))
    # a few roundings of vectorised tan and expm1: 1e-15 relative
    np.testing.assert_allclose((n_real + 1j * n_imag) / d, expected, rtol=2e-15, atol=0)


def test_an_empty_batch_gives_no_rows():
    assert ContourOperator(AB2)(np.empty((0, 3)), np.empty((0, 2))).shape == (0, AB2.size)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(contour)
    assert result.attempted >= 1 and result.failed == 0

"""Dar Zarrouk quantities and equivalence limits (geoinv.inversion.equivalence)."""

import numpy as np
import pytest

from geoinv import ModelSpace, Parameter
from geoinv.forward import VES
from geoinv.inversion.equivalence import (dar_zarrouk, dar_zarrouk_frame, dar_zarrouk_names,
                                          equivalence_bound, equivalence_limits)
from geoinv.inversion.posterior import sample_posterior

from test_posterior import SIGMA, exact_posterior, linear_problem


def test_dar_zarrouk_by_hand():
    # rho = 100, 10, 1000 ohm.m; h = 5, 20 m: S = 5/100, 20/10; T = 5*100, 20*10
    S, T = dar_zarrouk([100.0, 10.0, 1000.0, 5.0, 20.0])
    assert S.tolist() == [0.05, 2.0] and T.tolist() == [500.0, 200.0]
    # any leading shape: (soundings, draws, params); two layers: one S and one T
    S, T = dar_zarrouk(np.array([[[50.0, 1.0, 4.0]], [[2.0, 9.0, 3.0]]]))
    assert S.shape == (2, 1, 1) and S[:, 0, 0].tolist() == [4.0 / 50.0, 1.5]
    assert T[:, 0, 0].tolist() == [200.0, 6.0]
    assert dar_zarrouk_names(3) == (["S_1", "S_2"], ["T_1", "T_2"])
    with pytest.raises(ValueError, match="2 N - 1 parameters; got 4"):
        dar_zarrouk(np.ones(4))


@pytest.mark.parametrize("kind, base, twin, other", [
    # H-type thin conductor: same S_2 = 0.2 S (10 ohm.m x 2 m, 5 ohm.m x 1 m) vs S_2 = 0.1 S
    ("S", [100, 10, 100, 10, 2], [100, 5, 100, 10, 1], [100, 10, 100, 10, 1]),
    # K-type thin resistor: same T_2 = 2000 ohm.m^2 vs T_2 = 1000 ohm.m^2
    ("T", [10, 1000, 10, 10, 2], [10, 2000, 10, 10, 1], [10, 1000, 10, 10, 1]),
])
def test_equivalent_layers_give_the_same_sounding(kind, base, twin, other):
    """The physics behind S and T: halving h_2 with rho_2 is invisible, alone it is not."""
    ves = VES(np.geomspace(1, 1000, 30), n_layers=3)
    rho_a = ves.simulate(np.array([base, twin, other], dtype=float))
    S, T = dar_zarrouk(np.array([base, twin], dtype=float))
    kept = S if kind == "S" else T
    assert kept[0, 1] == kept[1, 1]
    same = np.max(np.abs(rho_a[1] / rho_a[0] - 1))
    different = np.max(np.abs(rho_a[2] / rho_a[0] - 1))
    # measured: 0.5 % and 0.04 % (far below 2 % noise) against 17 % and 43 %
    assert same < 0.006
    assert different > 0.15


def test_equivalence_bound_is_the_chi_square_quantile():
    assert equivalence_bound(5, 0.9) == pytest.approx(9.2364, abs=1e-4)
    assert equivalence_bound(2, 0.9) == pytest.approx(-2 * np.log(0.1))   # chi2 with 2 dof


def test_linear_limits_approach_the_projection_of_the_confidence_ellipse():
    forward, space = linear_problem()
    data = forward.simulate([[1.0, 2.0]])
    post = sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0]], n_steps=2000, rng=1)
    mean, cov = exact_posterior(data[0])
    half = np.sqrt(equivalence_bound(2, 0.9) * np.diag(cov))   # projection of the ellipse
    drawn = equivalence_limits(post, level=0.9, reference_chi2=[0.0])
    pushed = equivalence_limits(post, forward, data, SIGMA, level=0.9, reference_chi2=[0.0])
    assert drawn.chi2_min[0] == 0.0 and drawn.bound[0] == pytest.approx(-2 * np.log(0.1))
    for limits in (drawn, pushed):
        # inner estimates: never beyond the exact limits (bisection tolerance 2**-12)
        assert np.all(limits.high[0] <= mean + half * (1 + 1e-3))
        assert np.all(limits.low[0] >= mean - half * (1 + 1e-3))
    # the draws reach within ~15 % of the tangent points; pushing gets closer still
    assert np.all(drawn.high[0] - mean > 0.8 * half)
    assert np.all(pushed.high[0] >= drawn.high[0]) and np.all(pushed.low[0] <= drawn.low[0])
    assert np.all(pushed.high[0] - mean > 0.9 * half) and np.all(mean - pushed.low[0] > 0.9 * half)
    frame = pushed.to_frame()
    assert list(frame.columns[:2]) == ["m_0_equiv_low", "m_0_equiv_high"]
    with pytest.raises(ValueError, match="give the data and sigma"):
        equivalence_limits(post, forward)


def test_conductance_of_a_thin_conductor_is_resolved_where_rho_and_h_are_not():
    ves = VES(np.geomspace(1, 1000, 30), n_layers=3)
    space = ModelSpace([Parameter(n, "ohm.m", 1, 1000) for n in ves.parameter_names[:3]]
                       + [Parameter(n, "m", 1, 50) for n in ves.parameter_names[3:]])
    truth = np.array([[100.0, 10.0, 100.0, 10.0, 2.0]])          # S_2 = 0.2 S
    rng = np.random.default_rng(11)
    clean = ves.simulate(truth)
    sigma = np.full_like(clean, 0.02 / np.log(10))             # 2 %, in decades (error space)
    data = clean * 10 ** (sigma * rng.standard_normal(clean.shape))
    post = sample_posterior(ves, space, data, sigma, truth, n_steps=4000, max_steps=4000,
                            rng=12)
    frame = dar_zarrouk_frame(post, 0.9)
    decades = lambda low, high: np.log10(high / low)               # noqa: E731
    width_S = decades(frame["S_2_low_90"][0], frame["S_2_high_90"][0])
    low, high = post.intervals(0.9)
    width_rho, width_h = decades(low[0, 1], high[0, 1]), decades(low[0, 4], high[0, 4])
    # measured (3 seeds): S_2 0.08-0.10 decade, rho_2 and h_2 0.75-0.89 decade
    assert width_S < 0.4 * min(width_rho, width_h)
    assert frame["S_2_low_90"][0] < 0.2 < frame["S_2_high_90"][0]
    assert frame["S_2_median"][0] == pytest.approx(np.median(post.samples[0, :, 4]
                                                             / post.samples[0, :, 1]))
    limits = equivalence_limits(post, ves, data, sigma)
    # the equivalence limits of rho_2 span at least its credible interval
    assert limits.low[0, 1] <= low[0, 1] and limits.high[0, 1] >= high[0, 1]

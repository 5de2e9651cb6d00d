"""Batched damped least squares (geoinv.inversion.least_squares)."""

import numpy as np
import pytest

from geoinv import ModelSpace, Parameter
from geoinv.forward import VES, ForwardModel
from geoinv.inversion.least_squares import (CONVERGED, STALLED, UNPHYSICAL_START,
                                            damped_least_squares, levenberg_marquardt,
                                            rms_misfit, search_bounds, weighted_jacobian)
from conftest import LinearToy


# sigma is given in the error space of each datum (geoinv.prior.noise): decades
# on log10 data columns.  2 % and 1 % relative errors are, to first order,
# 0.02 / ln 10 and 0.01 / ln 10 decades; noise is log-normal on those columns.
# (Before the error-space convention these tests used sigma = 0.02 * d, in
# ohm.m, and additive noise; the tests' assertions are unchanged.)
S2 = 0.02 / np.log(10.0)
S1 = 0.01 / np.log(10.0)


def lognormal(d, sigma, rng):
    """d with Gaussian noise of sigma decades in log10 (the package's convention)."""
    return d * 10.0 ** (sigma * rng.normal(size=d.shape))


Linear = LinearToy


class Decay(ForwardModel):
    """d(t) = a exp(-t / tau), with an analytic Jacobian; a > 0, 0 < tau <= 20 s."""

    kind = "decay_toy"

    def __init__(self, t, analytic=True):
        self.t = np.asarray(t, dtype=np.float64)
        self.parameter_names, self.parameter_units = ["a", "tau"], ["V", "s"]
        self.data_names = [f"d@t={x:g}s" for x in self.t]
        self.data_units = ["V"] * self.t.size
        if analytic:
            self.jacobian = self._jacobian

    def physical_rules(self, models):
        return [(models[:, 1] > 20.0, "have tau > 20 s (outside the toy's validity)")]

    def _simulate(self, models):
        return models[:, :1] * np.exp(-self.t / models[:, 1:])

    def _jacobian(self, models):
        e = np.exp(-self.t / models[:, 1:])                       # (n, n_data)
        return np.stack([e, models[:, :1] * e * self.t / models[:, 1:] ** 2], axis=2)


class Counting:
    """Wraps a forward model and counts the models it simulates."""

    def __init__(self, forward):
        self._forward = forward
        self.simulated = 0

    def __getattr__(self, name):
        return getattr(self._forward, name)

    def simulate(self, models):
        self.simulated += len(np.atleast_2d(models))
        return self._forward.simulate(models)


@pytest.fixture(scope="module")
def ves3():
    ves = VES(np.geomspace(1, 1000, 30), n_layers=3)
    space = ModelSpace([Parameter(f"rho_{i}", "ohm.m", 1, 1000) for i in (1, 2, 3)]
                       + [Parameter(f"h_{i}", "m", 1, 50) for i in (1, 2)])
    return ves, space


def test_recovers_noise_free_model_from_nearby_start(ves3):
    ves, space = ves3
    true = np.array([[200.0, 20.0, 500.0, 3.0, 15.0]])      # H-type, well-resolved layers
    d = ves.simulate(true)
    sigma = np.full_like(d, S2)
    start = true * np.array([1.3, 0.7, 0.8, 1.4, 0.75])      # 0.1 - 0.15 decades away
    res = damped_least_squares(ves, space, d, sigma, start, target_rms=1e-6)
    assert res.status[0] == CONVERGED and res.rms[0] <= 1e-6
    # Tolerance from the linearised problem: |du| <= |r| / s_min(J), with the
    # weighted residual |r| <= 1e-6 sqrt(n_data) (rms <= 1e-6) and s_min the
    # smallest singular value of J at the true model (u = box widths).
    J = weighted_jacobian(ves, space, d, sigma, true)[0]
    bound = 1e-6 * np.sqrt(d.size) / np.linalg.svd(J, compute_uv=False).min()
    width = space.scaled_high - space.scaled_low
    du = (space.to_scale(res.models) - space.to_scale(true)) / width
    assert np.abs(du).max() <= 2 * bound       # factor 2: linearisation and FD slack
    assert bound < 1e-5                         # i.e. every parameter to better than 1e-4 relative
    np.testing.assert_allclose(res.models, true, rtol=1e-4)


def test_linear_problem_matches_closed_form_weighted_least_squares():
    rng = np.random.default_rng(3)
    G = rng.normal(size=(12, 3))
    space = ModelSpace([Parameter(f"m_{j}", "1", -10, 10, log=False) for j in range(3)])
    forward = Linear(G)
    m_true = rng.uniform(-5, 5, size=(4, 3))
    sigma = rng.uniform(0.05, 0.5, size=(4, 12))
    d = m_true @ G.T + sigma * rng.normal(size=sigma.shape)
    res = damped_least_squares(forward, space, d, sigma, np.zeros(3), target_rms=0.0, ftol=0.0,
                               xtol=1e-14, max_iter=200)
    for i in range(4):
        W = np.diag(1.0 / sigma[i] ** 2)                       # W_d^T W_d
        m_wls = np.linalg.solve(G.T @ W @ G, G.T @ W @ d[i])
        # A forward difference of a linear model is exact up to round-off
        # (~1e-16 |d| / fd_step ~ 1e-10 relative); LM stops on a step below 1e-14.
        np.testing.assert_allclose(res.models[i], m_wls, rtol=0, atol=1e-8)
    assert (res.status == STALLED).all()                       # target 0 is never reached
    np.testing.assert_allclose(res.rms, rms_misfit(d, res.models @ G.T, sigma, False),
                               rtol=1e-12)


def test_batched_equals_one_by_one_exactly_for_a_row_wise_forward_model():
    # Decay computes each row with element-wise operations only, so a
    # sounding's data do not depend on the batch it travels in; then the
    # batched LM must give bit-identical results (every step is per sounding).
    forward = Decay(np.linspace(0.1, 5.0, 12))
    space = ModelSpace([Parameter("a", "V", 0.1, 10.0), Parameter("tau", "s", 0.1, 10.0)])
    rng = np.random.default_rng(8)
    true = space.sample(12, rng)
    d = forward.simulate(true)
    sigma = np.full_like(d, S1)
    d = lognormal(d, sigma, rng)
    start = space.sample(12, rng)
    batch = damped_least_squares(forward, space, d, sigma, start, widen=0.2, jacobian="fd",
                                 n_restarts=2, rng=3)
    for i in range(12):
        one = damped_least_squares(forward, space, d[i:i + 1], sigma[i:i + 1], start[i:i + 1],
                                   widen=0.2, jacobian="fd")
        if batch.starts[i] == 1:                  # restarts draw from the batch's stream
            np.testing.assert_array_equal(one.models[0], batch.models[i])
            np.testing.assert_array_equal(one.rms[0], batch.rms[i])
            assert one.iterations[0] == batch.iterations[i]
            assert one.forward_calls[0] == batch.forward_calls[i]
            assert one.status[0] == batch.status[i]


def test_batched_equals_one_by_one_for_ves(ves3):
    ves, space = ves3
    rng = np.random.default_rng(7)
    true = space.sample(8, rng)
    d = ves.simulate(true)
    sigma = np.full_like(d, S2)
    d = lognormal(d, sigma, rng)
    start = space.sample(8, rng)
    # stopped at RMS 1 with ftol 1e-3 (the method comparison's settings): run
    # on to the minimum (the default), soundings in flat valleys take ~100
    # more steps and the batch's ~1e-9 differences in J grow past 1e-6
    stop = dict(target_rms=1.0, ftol=1e-3)
    batch = damped_least_squares(ves, space, d, sigma, start, widen=0.3, max_iter=40, **stop)
    for i in range(8):
        one = damped_least_squares(ves, space, d[i:i + 1], sigma[i:i + 1], start[i:i + 1],
                                   widen=0.3, max_iter=40, **stop)
        # VES rounds its matrix products differently for another batch size
        # (up to ~1e-13 relative); divided by the finite-difference step
        # (~7e-5 relative change of rho) that perturbs J by ~1e-9, which moves
        # where a sounding stops in a flat valley by up to ~1e-7 relative.
        np.testing.assert_allclose(one.models[0], batch.models[i], rtol=1e-6)
        np.testing.assert_allclose(one.rms[0], batch.rms[i], rtol=1e-9)
        assert one.iterations[0] == batch.iterations[i]
        assert one.forward_calls[0] == batch.forward_calls[i]
        assert one.status[0] == batch.status[i]


def test_bounds_respected_and_widening_lets_a_model_leave_the_box(ves3):
    ves, space = ves3
    outside = np.array([[2000.0, 20.0, 300.0, 3.0, 15.0]])    # rho_1 above the box (1000)
    d = ves.simulate(outside)
    sigma = np.full_like(d, S2)
    start = np.array([[500.0, 30.0, 300.0, 4.0, 10.0]])
    strict = damped_least_squares(ves, space, d, sigma, start, widen=0.0, target_rms=1e-3)
    assert space.contains(strict.models).all()
    assert strict.models[0, 0] == pytest.approx(1000.0, rel=1e-12)   # sits on its bound
    assert strict.rms[0] > 1.0                                     # and cannot fit
    wide = damped_least_squares(ves, space, d, sigma, start, widen=0.5, target_rms=1e-3)
    assert wide.status[0] == CONVERGED
    np.testing.assert_allclose(wide.models, outside, rtol=1e-3)
    # every model of a random batch stays in the search box, bounds included
    rng = np.random.default_rng(11)
    models = space.sample_ood(30, rng, shell=1.0)
    d = ves.simulate(models)
    res = damped_least_squares(ves, space, d, S2, space.sample(30, rng), widen=0.25,
                               max_iter=15)
    u = (space.to_scale(res.models) - space.scaled_low) / (space.scaled_high - space.scaled_low)
    u_low, u_high = search_bounds(space, 0.25)
    assert (u >= u_low - 1e-12).all() and (u <= u_high + 1e-12).all()


def test_forward_calls_count_every_simulated_model(ves3):
    ves, space = ves3
    counting = Counting(ves)
    rng = np.random.default_rng(5)
    true = space.sample(20, rng)
    d = ves.simulate(true)
    sigma = np.full_like(d, S2)
    d = lognormal(d, sigma, rng)
    res = damped_least_squares(counting, space, d, sigma, space.sample(20, rng), max_iter=25,
                               n_restarts=2, rng=1)
    assert res.forward_calls.sum() == counting.simulated
    assert res.jacobian_calls.sum() == 0
    # one iteration: start (1) + finite-difference Jacobian (p = 5) + trial (1)
    one = damped_least_squares(ves, space, d[:3], sigma[:3], true[:3] * 1.5, max_iter=1)
    assert (one.iterations == 1).all() and (one.forward_calls == 7).all()
    # a start that already fits costs its own simulation and nothing else
    fits = damped_least_squares(ves, space, d[:1], sigma[:1], true[:1], target_rms=10.0)
    assert fits.iterations[0] == 0 and fits.forward_calls[0] == 1


def test_analytic_jacobian_is_used_and_agrees_with_finite_differences():
    t = np.linspace(0.1, 5.0, 15)
    space = ModelSpace([Parameter("a", "V", 0.1, 10.0), Parameter("tau", "s", 0.1, 10.0)])
    true = np.array([[2.0, 1.5], [0.5, 4.0]])
    analytic, numeric = Decay(t, analytic=True), Decay(t, analytic=False)
    d = analytic.simulate(true)
    sigma = np.full_like(d, S1)
    J_a = weighted_jacobian(analytic, space, d, sigma, true)
    J_n = weighted_jacobian(numeric, space, d, sigma, true)
    # forward difference, step 1e-5 box widths: truncation error ~1e-5 relative
    np.testing.assert_allclose(J_n, J_a, rtol=1e-4, atol=1e-4 * np.abs(J_a).max())
    start = np.array([[1.0, 1.0], [1.0, 1.0]])
    res_a = damped_least_squares(analytic, space, d, sigma, start, target_rms=1e-6)
    res_n = damped_least_squares(numeric, space, d, sigma, start, target_rms=1e-6)
    np.testing.assert_allclose(res_a.models, true, rtol=1e-6)
    np.testing.assert_allclose(res_n.models, true, rtol=1e-6)
    assert (res_a.jacobian_calls > 0).all() and (res_n.jacobian_calls == 0).all()
    # with the analytic Jacobian only the start and the trial models are simulated
    assert (res_a.forward_calls == 1 + res_a.iterations).all()


def test_unphysical_start_is_reported_not_raised():
    t = np.linspace(0.1, 5.0, 10)
    forward = Decay(t)
    space = ModelSpace([Parameter("a", "V", 0.1, 10.0), Parameter("tau", "s", 0.1, 10.0)])
    d = forward.simulate([[1.0, 1.0], [1.0, 1.0]])
    start = [[1.0, 50.0], [2.0, 2.0]]                 # tau = 50 s breaks the toy's rule
    res = damped_least_squares(forward, space, d, S1, start, widen=0.5, target_rms=1e-3)
    assert res.status.tolist() == [UNPHYSICAL_START, CONVERGED]
    assert np.isnan(res.rms[0]) and res.forward_calls[0] == 0
    # a start whose data underflow to 0 has no log10 residual: reported alike
    tiny = damped_least_squares(forward, space, d[:1], S1, [[1.0, 1e-3]], widen=1.0)
    assert tiny.status[0] == UNPHYSICAL_START and tiny.forward_calls[0] == 1
    # its data were simulated, but data of 0 have no misfit in the error space
    # (log10): the rms is NaN (it was finite when the rms was linear)
    assert np.isnan(tiny.rms[0]) and (tiny.predicted[0] == 0).any()
    # a restart from a physical draw rescues it
    again = damped_least_squares(forward, space, d, S1, start, widen=0.5, target_rms=1e-3,
                                 n_restarts=3, rng=0)
    assert again.status[0] == CONVERGED and again.starts[0] >= 2
    np.testing.assert_allclose(again.models[0], [1.0, 1.0], rtol=1e-4)


def test_restarts_escape_local_minima_reproducibly(ves3):
    ves, space = ves3
    rng = np.random.default_rng(2)
    true = space.sample(40, rng)
    d = ves.simulate(true)
    sigma = np.full_like(d, S2)
    d = lognormal(d, sigma, rng)
    start = np.full((40, 5), 30.0)                # a poor common start
    once = damped_least_squares(ves, space, d, sigma, start, widen=0.5, max_iter=30)
    again = damped_least_squares(ves, space, d, sigma, start, widen=0.5, max_iter=30,
                                 n_restarts=3, rng=4)
    same = damped_least_squares(ves, space, d, sigma, start, widen=0.5, max_iter=30,
                                n_restarts=3, rng=4)
    np.testing.assert_array_equal(again.models, same.models)
    assert (again.rms <= once.rms + 1e-12).all()
    restarted = again.starts > 1
    assert restarted.any() and (once.rms[restarted] > 1.2).all()
    assert (again.rms <= 1.2).mean() > (once.rms <= 1.2).mean()
    assert (again.forward_calls >= once.forward_calls).all()


@pytest.mark.parametrize("change, message", [
    (dict(sigma=0.0), "sigma rows 0, 1"),
    (dict(data=-1.0), "data rows 0, 1 are <= 0 on a log10-scaled column"),
    (dict(m0=np.zeros(5)), "m0 rows 0, 1 are <= 0 on a log parameter"),
    (dict(m0=np.ones(4)), "m0 must have shape (2, 5)"),
    (dict(widen=-1.0), "widen must be finite and >= 0"),
    (dict(max_iter=2.5), "max_iter must be an integer >= 0"),
    (dict(data_scale="ln"), "data_scale must be"),
])
def test_bad_input_names_the_field(ves3, change, message):
    ves, space = ves3
    d = ves.simulate(np.full((2, 5), 10.0))
    args = dict(data=d, sigma=np.full_like(d, S2), m0=np.full(5, 20.0))
    kwargs = {}
    for key, value in change.items():
        if key in args:
            args[key] = value * np.ones_like(args[key]) if key != "m0" else value
        else:
            kwargs[key] = value
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        damped_least_squares(ves, space, args["data"], args["sigma"], args["m0"], **kwargs)


def test_old_name_levenberg_marquardt_warns_and_gives_the_same_result(ves3):
    ves, space = ves3
    d = ves.simulate(np.full((2, 5), 10.0))
    start = np.full(5, 20.0)
    new = damped_least_squares(ves, space, d, S2, start, max_iter=5)
    with pytest.warns(DeprecationWarning, match="damped_least_squares"):
        old = levenberg_marquardt(ves, space, d, S2, start, max_iter=5)
    np.testing.assert_array_equal(old.models, new.models)


def test_weights_are_one_over_sigma_in_the_error_space(ves3):
    # J = W_d d g(f) / d u with g = log10 on rho_a and W_d = 1 / sigma, sigma
    # in decades, used directly: J * sigma does not depend on sigma or on the
    # data's level, and equals d log10 f / d u (here by central differences)
    ves, space = ves3
    model = np.array([[200.0, 20.0, 500.0, 3.0, 15.0]])
    d = ves.simulate(model)
    sigma = np.linspace(0.005, 0.05, 30)                    # decades, one per datum
    J = weighted_jacobian(ves, space, d, sigma, model)[0]
    J_scaled = weighted_jacobian(ves, space, 7.0 * d, 3.0 * sigma, model)[0]
    np.testing.assert_allclose(J * sigma[:, None], J_scaled * 3.0 * sigma[:, None], rtol=1e-12)
    h = 1e-6
    u = space.to_unit(model)[0]
    central = np.stack([(np.log10(ves.simulate(space.from_unit(u + h * e[None])))
                         - np.log10(ves.simulate(space.from_unit(u - h * e[None])))) / (2 * h)
                        for e in np.eye(5)], axis=-1)[0]
    # forward (LM) vs central difference, step 1e-5 box widths: ~1e-5 relative
    np.testing.assert_allclose(J * sigma[:, None], central, rtol=1e-4,
                               atol=1e-4 * np.abs(central).max())
    # data_scale="linear" carries sigma into ohm.m: s = sigma ln10 |d|
    J_lin = weighted_jacobian(ves, space, d, sigma, model, data_scale="linear")[0]
    s_lin = sigma * np.log(10.0) * d[0]
    np.testing.assert_allclose(J_lin * s_lin[:, None], central * np.log(10.0) * d[0][:, None],
                               rtol=1e-4, atol=1e-4 * np.abs(central * d[0][:, None]).max())


def test_reported_rms_is_the_minimised_error_space_misfit(ves3):
    ves, space = ves3
    rng = np.random.default_rng(9)
    true = space.sample(10, rng)
    sigma = np.full((10, 30), S2)
    d = lognormal(ves.simulate(true), sigma, rng)
    res = damped_least_squares(ves, space, d, sigma, space.sample(10, rng), widen=0.3,
                               max_iter=20)
    # one misfit: the reported rms is rms_misfit in log10 (sigma in decades) of
    # the returned predictions, i.e. sqrt(2 phi / n_data) of the iteration
    np.testing.assert_allclose(res.rms, rms_misfit(d, res.predicted, sigma, ves), rtol=1e-12)
    np.testing.assert_allclose(res.rms, rms_misfit(d, ves.simulate(res.models), sigma, True),
                               rtol=1e-9)
    # and a datum one sigma off in log10 counts 1, whatever its level
    up = ves.simulate(true[:2]) * 10 ** S2
    fits = damped_least_squares(ves, space, up, S2, true[:2], max_iter=0)
    np.testing.assert_allclose(fits.rms, 1.0, rtol=1e-12)


def test_target_options_none_number_and_chi2(ves3):
    ves, space = ves3
    rng = np.random.default_rng(12)
    true = np.array([[100.0, 20.0, 700.0, 4.0, 15.0]])
    d = lognormal(ves.simulate(true), np.full((1, 30), S2), rng)
    start = np.array([[30.0, 30.0, 30.0, 10.0, 10.0]])
    target_1 = damped_least_squares(ves, space, d, S2, start, target_rms=1.0)
    chi2 = damped_least_squares(ves, space, d, S2, start, target_rms="chi2")
    best = damped_least_squares(ves, space, d, S2, start)               # to the minimum
    assert target_1.status[0] == CONVERGED and target_1.rms[0] <= 1.0
    # chi-square target n_data - n_params: rms <= sqrt(25 / 30)
    assert chi2.status[0] == CONVERGED and chi2.rms[0] <= np.sqrt(25 / 30)
    assert best.status[0] == STALLED and not best.converged[0]
    assert best.rms[0] <= chi2.rms[0] <= target_1.rms[0]
    assert best.iterations[0] > target_1.iterations[0]
    with pytest.raises(ValueError, match="target_rms must be None, a number >= 0 or 'chi2'"):
        damped_least_squares(ves, space, d, S2, start, target_rms="chi")

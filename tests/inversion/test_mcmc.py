"""Chains of many targets (geoinv.inversion.mcmc.run_chains) on Gaussians known exactly."""

import numpy as np
import pytest

from geoinv.inversion.mcmc import diagnose, run_chains

SD = np.array([1.0, 0.01])            # a 2-D Gaussian with scales 100x apart, correlated
CORR = 0.9
COV = np.array([[SD[0]**2, CORR * SD[0] * SD[1]], [CORR * SD[0] * SD[1], SD[1]**2]])
PRECISION = np.linalg.inv(COV)


def gaussian_chi2(means):
    """chi2(rows, x) of N(means[row], COV) for points x (len(rows), k, 2)."""
    def chi2(rows, x):
        r = x - means[rows][:, None, :]
        return np.einsum("nkp,pq,nkq->nk", r, PRECISION, r)
    return chi2


def start(means, n_chains, rng, offset=0.0):
    """Chains and an archive of 20 draws around means + offset sd (inflated 2x)."""
    n = len(means)
    draws = means[:, None, :] + SD * (offset + 2 * rng.standard_normal((n, 20, 2)))
    return draws[:, :n_chains].copy(), draws


def test_long_runs_keep_the_buffer_consistent_and_sample_the_gaussian():
    rng = np.random.default_rng(0)
    means = np.array([[0.0, 0.0], [5.0, -1.0], [-2.0, 3.0]])
    x0, archive = start(means, 4, rng)
    chi2 = gaussian_chi2(means)
    # 2,048 steps in rounds of 128 with thin 2: n_keep 32, a buffer of 128
    # states per chain that halves four times; target_ess unreachable
    out = run_chains(chi2, x0, archive, n_steps=128, max_steps=2048, thin=2,
                     target_ess=1e9, rng=rng)
    assert out.states.shape == (3, 4, 32, 2) and (out.steps == 2048).all()
    assert not out.converged.any()
    # the chi2 kept with each state is that state's (the buffer moves both)
    np.testing.assert_allclose(out.chi2, chi2(np.arange(3), out.states.reshape(3, -1, 2))
                               .reshape(3, 4, 32), rtol=1e-12)
    # the window spans the run: kept draws 64 steps apart decorrelate (tau of
    # DE-MCz in 2-D is ~10 steps), so 128 draws give the mean to ~0.1 sd
    z = (out.states.reshape(3, -1, 2) - means[:, None, :]) / SD
    assert np.all(np.abs(z.mean(axis=1)) < 0.4)
    assert np.all(np.abs(z.std(axis=1) - 1) < 0.25)            # sd of an sd from ~128: 6 %
    corr = [np.corrcoef(zi.T)[0, 1] for zi in z]
    assert np.allclose(corr, CORR, atol=0.05)


@pytest.mark.parametrize("diagnostics", ["split", "rank"])
def test_chains_started_off_target_converge_after_the_burn_in(diagnostics):
    rng = np.random.default_rng(1)
    means = np.zeros((2, 2))
    x0, archive = start(means, 4, rng, offset=6.0)      # every chain starts 6 sd off
    gaussian = gaussian_chi2(means)
    calls = []

    def chi2(rows, x):                 # every proposal of the first 400 steps is rejected
        calls.append(1)
        return gaussian(rows, x) + (np.inf if len(calls) <= 400 else 0.0)

    out = run_chains(chi2, x0, archive, chi2_x0=gaussian(np.arange(2), x0), n_steps=1000,
                     max_steps=8000, thin=2, diagnostics=diagnostics, rng=rng)
    assert out.converged.all()
    assert np.all(out.r_hat < 1.01) and np.all(out.ess >= 200)
    z = out.states.reshape(2, -1, 2) / SD
    # ESS >= 200: the mean is within 4 / sqrt(200) = 0.28 sd; the 6 sd start, where
    # the chains stayed for the first 400 of the 500 burn-in steps, is gone
    assert np.all(np.abs(z.mean(axis=1)) < 0.3)
    assert 0.1 < out.acceptance.min() and out.acceptance.max() < 0.6


def test_diagnose_agrees_with_the_convergence_module():
    rng = np.random.default_rng(2)
    chains = rng.standard_normal((3, 4, 500, 2))
    r_hat, ess = diagnose(chains, "split")
    assert r_hat.shape == ess.shape == (3, 2)
    assert np.all(r_hat < 1.01) and np.all(np.abs(ess / 2000 - 1) < 0.2)
    r_rank, ess_rank = diagnose(chains, "rank")
    assert np.all(r_rank < 1.01) and np.all(np.abs(ess_rank / 2000 - 1) < 0.2)


def test_bad_burn_in_and_diagnostics_are_named():
    rng = np.random.default_rng(3)
    means = np.zeros((1, 2))
    x0, archive = start(means, 4, rng)
    with pytest.raises(ValueError, match="burn_in must be in"):
        run_chains(gaussian_chi2(means), x0, archive, n_steps=100, burn_in=60, rng=rng)
    with pytest.raises(ValueError, match="diagnostics must be one of"):
        run_chains(gaussian_chi2(means), x0, archive, n_steps=100, diagnostics="gr", rng=rng)

"""Synthetic profiles and their sections (geoinv.inversion.profile, geoinv.viz.sections)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import train_small_inversion
from matplotlib.collections import QuadMesh

from geoinv import GaussianNoise, ModelSpace, Parameter
from geoinv.forward import VES
from geoinv.inversion.profile import (EXAMPLE_PROFILE, interface_depths, invert_profile, layered_section,
                            profile_models, simulate_profile)
from geoinv.viz.sections import plot_profile_sections, plot_section, position_edges

NAMES3 = ["rho_1", "rho_2", "rho_3", "h_1", "h_2"]


def test_profile_models_interpolate_geometrically_between_start_and_end():
    p = profile_models(NAMES3, EXAMPLE_PROFILE, 5, 400.0)
    np.testing.assert_allclose(p.x, [0, 100, 200, 300, 400])
    np.testing.assert_allclose(p.models[:, :3], [[200.0, 20.0, 500.0]] * 5)
    # h_2 from 2 to 40 m, uniform in log10: 2 * 20**(k / 4)
    np.testing.assert_allclose(p.models[:, 4], 2.0 * 20.0 ** (np.arange(5) / 4), rtol=1e-12)
    assert p.models[0, 3] == pytest.approx(3.0) and p.models[-1, 3] == pytest.approx(12.0)
    lin = profile_models(["a", "b"], {"a": {"start": -1.0, "end": 3.0}, "b": 2.0}, 3, 10.0,
                         log=[False, True])
    np.testing.assert_allclose(lin.models, [[-1.0, 2.0], [1.0, 2.0], [3.0, 2.0]])


def test_profile_shapes_and_overrides():
    spec = {"rho": 10.0, "rho_2": {"start": 10.0, "end": 1000.0}, "h": [5.0, 5.0]}
    smooth = profile_models(NAMES3, spec, 5, 1.0, shape="smooth")
    # half a cosine: flat ends, halfway (100 ohm.m, geometric) at the middle
    np.testing.assert_allclose(smooth.models[[0, 2, 4], 1], [10.0, 100.0, 1000.0], rtol=1e-12)
    assert (smooth.models[:, [0, 2]] == 10.0).all()
    bump = profile_models(NAMES3, spec, 5, 1.0, shape="bump")
    np.testing.assert_allclose(bump.models[[0, 2, 4], 1], [10.0, 1000.0, 10.0], rtol=1e-12)


@pytest.mark.parametrize("spec, message", [
    ({"rho": 1.0, "h": 1.0, "colour": 3}, "profile colour: unknown parameter or group"),
    ({"rho": 1.0}, "profile: no value for h_1, h_2"),
    ({"rho": [1.0, 2.0], "h": 1.0}, "profile rho: give one value or 3 values"),
    ({"rho": 1.0, "h": 1.0, "h_2": {"start": 1.0}}, "profile h_2: a varying value needs"),
    ({"rho": 1.0, "h": [1.0, -2.0]}, r"profile h\[1\]: values must be > 0"),
    ({"rho": "ten", "h": 1.0}, r"profile rho\[0\]: expected a number"),
])
def test_profile_errors_name_the_key(spec, message):
    with pytest.raises(ValueError, match=message):
        profile_models(NAMES3, spec, 10, 100.0)


def test_profile_errors_for_line_and_shape():
    with pytest.raises(ValueError, match="n_positions"):
        profile_models(NAMES3, EXAMPLE_PROFILE, 1, 100.0)
    with pytest.raises(ValueError, match="length"):
        profile_models(NAMES3, EXAMPLE_PROFILE, 10, 0.0)
    with pytest.raises(ValueError, match="shape"):
        profile_models(NAMES3, EXAMPLE_PROFILE, 10, 10.0, shape="zigzag")


def test_layered_section_by_hand():
    models = np.array([[100.0, 10.0, 1000.0, 1.0, 2.0],      # interfaces at 1 and 3 m
                       [50.0, 5.0, 500.0, 4.0, 1.0]])        # at 4 and 5 m
    np.testing.assert_allclose(interface_depths(models, 3), [[1.0, 3.0], [4.0, 5.0]])
    depth = np.array([0.5, 1.0, 2.9, 3.0, 4.5, 10.0])
    expected = np.log10([[100, 50], [10, 50], [10, 50], [1000, 50], [1000, 5], [1000, 500]])
    np.testing.assert_allclose(layered_section(models, 3, depth), expected, rtol=1e-15)
    with pytest.raises(ValueError, match="5 columns for 3 layers"):
        interface_depths(models[:, :4], 3)


def test_position_edges():
    np.testing.assert_allclose(position_edges([0.0, 10.0, 30.0]), [-5.0, 5.0, 20.0, 40.0])


def test_simulate_profile_is_reproducible():
    ves = VES(np.geomspace(1, 300, 12), n_layers=3)
    p = profile_models(NAMES3, EXAMPLE_PROFILE, 20, 1000.0)
    a = simulate_profile(ves, p, GaussianNoise(relative=0.02), rng=4)
    b = simulate_profile(ves, p, GaussianNoise(relative=0.02), rng=4)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(a.clean, ves.simulate(p.models))
    # sigma in the error space: 2 % of rho_a is 0.02 / ln 10 decades (it was
    # 0.02 * clean ohm.m before the error-space convention of geoinv.prior.noise)
    np.testing.assert_allclose(a.sigma, 0.02 / np.log(10.0), rtol=1e-15)
    assert (a.data > 0).all()


@pytest.fixture(scope="module")
def two_layer():
    ves = VES(np.geomspace(1, 300, 15), n_layers=2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000),
                        Parameter("rho_2", "ohm.m", 10, 1000), Parameter("h_1", "m", 2, 30)])
    inversion, _, _, rng, noise = train_small_inversion(ves, space, 2000, 300, 15, seed=0)
    spec = {"rho": [300.0, 30.0], "h_1": {"start": 3.0, "end": 25.0}}
    profile = profile_models(space.names, spec, 60, 600.0)
    return inversion, profile, simulate_profile(ves, profile, noise, rng=1)


def test_invert_profile_refines_every_sounding(two_layer):
    inversion, profile, ds = two_layer
    res = invert_profile(inversion, ds.data, ds.sigma, rng=0)
    assert set(res.models) == {"network", "network_lm"}
    assert res.models["network_lm"].shape == profile.models.shape
    # Measured: the network fits none of the 60 soundings to RMS <= 1.2,
    # refined 95 %.  Even the best fit misses 1.2 now and then: with 15 data
    # and 3 parameters, P(chi2_12 > 1.44 * 15) = 4 %.
    assert np.mean(res.rms["network_lm"] <= 1.2) >= 0.9
    assert np.median(res.rms["network_lm"]) < np.median(res.rms["network"])
    # a well-resolved two-layer earth: h_1 within 10 % everywhere once refined
    # (measured: 2.7 % at worst)
    np.testing.assert_allclose(res.models["network_lm"][:, 2], profile.models[:, 2], rtol=0.1)


def test_section_plots(two_layer):
    inversion, profile, ds = two_layer
    ax = plot_section(profile.x, profile.models, 2)
    mesh = ax.collections[0]
    assert isinstance(mesh, QuadMesh)
    assert mesh.get_array().shape == (300, 60)              # depth samples x positions
    assert ax.get_ylim()[0] > ax.get_ylim()[1]               # depth down
    plt.close(ax.figure)
    res = invert_profile(inversion, ds.data, ds.sigma, rng=0, n_restarts=0)
    fig = plot_profile_sections(profile.x, {"true": profile.models, **res.models}, 2,
                                misfits=res.rms)
    section_axes = [a for a in fig.axes if a.collections and isinstance(a.collections[0], QuadMesh)]
    assert len(section_axes) == 3
    titles = [a.get_title(loc="left") for a in section_axes]
    assert titles == ["true", "network", "network -> LM"]
    # the true interface is drawn over the recovered sections only
    assert [len(a.get_lines()) for a in section_axes] == [0, 1, 1]
    misfit_ax = [a for a in fig.axes if a.get_yscale() == "log"]
    assert len(misfit_ax) == 1 and len(misfit_ax[0].get_lines()) == 3   # two methods + target
    plt.close(fig)
    fig = plt.figure()
    assert plot_profile_sections(profile.x, {"true": profile.models}, 2, fig=fig) is fig
    plt.close(fig)

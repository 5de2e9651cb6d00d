"""The conventions stated once in geoinv/__init__.py, tested here.

Layers top-down, model vector [rho_1..rho_N, h_1..h_(N-1)], units declared,
samples on axis 0, every random draw seeded through rng.
"""

import numpy as np

from geoinv import GaussianNoise, ModelSpace, Parameter, make_dataset
from geoinv.forward import VES


def test_model_vector_layout_and_units():
    ves = VES([1.0, 10.0], 3)
    assert ves.parameter_names == ["rho_1", "rho_2", "rho_3", "h_1", "h_2"]
    assert ves.parameter_units == ["ohm.m"] * 3 + ["m"] * 2
    assert ves.data_units == ["ohm.m", "ohm.m"]


def test_layers_are_numbered_top_down():
    # a 100 m thick top layer of 10 ohm.m over 1000 ohm.m: short spacings see
    # layer 1 (rho_1 = 10), long spacings see the half-space (rho_3 = 1000)
    ves = VES([1.0, 1e5], 3)
    rho_a = ves.simulate([10.0, 10.0, 1000.0, 50.0, 50.0])
    assert abs(rho_a[0] / 10 - 1) < 1e-3
    assert abs(rho_a[1] / 1000 - 1) < 0.05


def test_samples_on_axis_0_and_seeded():
    ves = VES(np.geomspace(1, 100, 7), 2)
    space = ModelSpace([Parameter(n, u, 1, 100) for n, u in
                        zip(ves.parameter_names, ves.parameter_units)])
    a = make_dataset(ves, space, 5, GaussianNoise(0.02), rng=9)
    b = make_dataset(ves, space, 5, GaussianNoise(0.02), rng=np.random.default_rng(9))
    assert a.models.shape == (5, 3) and a.data.shape == (5, 7)
    np.testing.assert_array_equal(a.data, b.data)

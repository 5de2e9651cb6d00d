"""The base classes: LayeredForward (VES, MT1D, Refraction) and the jacobian hook."""

import numpy as np
import pytest

from geoinv.forward import MT1D, VES, ForwardModel, Gravity, LayeredForward, Refraction
from geoinv.inversion.least_squares import damped_least_squares
from geoinv.prior.model_space import ModelSpace, Parameter

LAYERED = [VES([1.0, 10.0, 100.0], 3), MT1D([0.01, 1.0, 100.0], 3),
           Refraction([10.0, 50.0, 100.0], 3)]


@pytest.mark.parametrize("forward, symbol, unit", list(zip(LAYERED, ["rho", "rho", "v"],
                                                            ["ohm.m", "ohm.m", "m/s"])))
def test_layered_operators_share_the_parameter_naming(forward, symbol, unit):
    assert isinstance(forward, LayeredForward) and forward.n_layers == 3
    assert forward.parameter_names == [f"{symbol}_1", f"{symbol}_2", f"{symbol}_3", "h_1", "h_2"]
    assert forward.parameter_units == [unit] * 3 + ["m"] * 2
    assert not isinstance(Gravity([0.0, 10.0]), LayeredForward)


def test_split_models_and_interface_depths_by_hand():
    ves = LAYERED[0]
    models = np.array([[100.0, 10.0, 1000.0, 1.0, 2.0],
                       [50.0, 5.0, 500.0, 4.0, 1.0]])
    rho, h = ves.split_models(models)
    np.testing.assert_array_equal(rho, models[:, :3])
    np.testing.assert_array_equal(h, models[:, 3:])
    rho, h = ves.split_models(models[0])                      # one model stays 1-D
    assert rho.tolist() == [100.0, 10.0, 1000.0] and h.tolist() == [1.0, 2.0]
    np.testing.assert_array_equal(ves.interface_depths(models), [[1.0, 3.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 5\)"):
        ves.split_models(models[:, :4])


@pytest.mark.parametrize("cls, survey", [(VES, [1.0, 10.0]), (MT1D, [1.0]),
                                         (Refraction, [10.0])])
@pytest.mark.parametrize("n_layers", [0, 2.0, True, "3"])
def test_n_layers_must_be_an_integer_of_at_least_one(cls, survey, n_layers):
    with pytest.raises(ValueError, match="n_layers must be an integer >= 1"):
        cls(survey, n_layers)


def test_without_a_jacobian_least_squares_uses_finite_differences():
    class Line(ForwardModel):
        """d = a + b t; positive a, b."""
        kind = "line_toy"
        data_log = False
        parameter_names, parameter_units = ["a", "b"], ["1", "1"]
        data_names, data_units = ["d@0", "d@1", "d@2"], ["1"] * 3

        def _simulate(self, models):
            return models[:, :1] + models[:, 1:] * np.arange(3.0)

    class AnalyticLine(Line):
        def jacobian(self, models):
            return np.broadcast_to(np.stack([np.ones(3), np.arange(3.0)], axis=1),
                                   (len(models), 3, 2))

    assert ForwardModel.jacobian is None and not callable(Line().jacobian)
    space = ModelSpace([Parameter("a", "1", 0.1, 10.0), Parameter("b", "1", 0.1, 10.0)])
    true = np.array([[2.0, 3.0]])
    for forward, analytic in ((Line(), False), (AnalyticLine(), True)):
        d = forward.simulate(true)
        res = damped_least_squares(forward, space, d, 0.01 * d, np.array([1.0, 1.0]),
                                  target_rms=1e-6)
        np.testing.assert_allclose(res.models, true, rtol=1e-5)
        assert (res.jacobian_calls > 0).all() == analytic

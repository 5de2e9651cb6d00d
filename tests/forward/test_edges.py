"""Every forward model at the edges of its inputs (issue 11).

Two promises, for every model class:
- a model it accepts gives finite data, with no overflow, underflow or
  invalid-value warning on the way; a model it cannot compute is refused
  with one ValueError naming the rows (and here the parameter);
- a survey geometry holding a string or a bool where numbers belong is
  refused naming the field and the position, not read as a number
  (numpy turns "10" into 10.0 and True into 1.0).
The VES accuracy at the edges is tested in test_ves.py.
"""

import itertools
import warnings

import numpy as np
import pytest

from geoinv.forward import MT1D, VES, Gravity, Magnetic, Refraction, SelfPotential
from geoinv.forward._geometry import MAGNITUDE_LIMIT
from geoinv.forward.gravity import sphere_gz

X = np.arange(-200.0, 201.0, 10.0)
FIELD = {"inclination": 60.0, "declination": 0.0, "azimuth": 0.0}

# (forward model, a typical model inside its scenario's box)
CASES = {
    "ves": (lambda: VES(np.geomspace(1.0, 1000.0, 30), 3), [10.0, 100.0, 1000.0, 5.0, 20.0]),
    "ves_wenner": (lambda: VES(np.geomspace(1.0, 1000.0, 30), 3, array="wenner"),
                   [10.0, 100.0, 1000.0, 5.0, 20.0]),
    "mt": (lambda: MT1D(np.geomspace(1e-3, 1e3, 30), 3), [10.0, 100.0, 1000.0, 500.0, 2000.0]),
    "gravity_sphere": (lambda: Gravity(X, "sphere"), [0.0, 50.0, 20.0, 500.0]),
    "gravity_cylinder": (lambda: Gravity(X, "cylinder"), [0.0, 50.0, 20.0, 500.0]),
    "gravity_prism": (lambda: Gravity(X, "prism", length=200.0),
                      [0.0, 40.0, 10.0, 60.0, 500.0]),
    "magnetic_sphere": (lambda: Magnetic(X, "sphere", **FIELD), [0.0, 50.0, 20.0, 0.01]),
    "magnetic_dike": (lambda: Magnetic(X, "dike", **FIELD), [0.0, 10.0, 20.0, 60.0, 0.01]),
    "magnetic_thin_dike": (lambda: Magnetic(X, "thin_dike", **FIELD), [0.0, 10.0, 60.0, 0.5]),
    "refraction": (lambda: Refraction(np.linspace(5.0, 235.0, 24), 3),
                   [500.0, 1500.0, 4000.0, 5.0, 10.0]),
    "sp_sphere": (lambda: SelfPotential(np.arange(-100.0, 101.0, 5.0), "sphere"),
                  [-5e4, 20.0, 0.0, 60.0]),
    "sp_horizontal_cylinder": (lambda: SelfPotential(np.arange(-100.0, 101.0, 5.0),
                                                     "horizontal_cylinder"), [-5e3, 20.0, 0.0, 60.0]),
    "sp_vertical_cylinder": (lambda: SelfPotential(np.arange(-100.0, 101.0, 5.0),
                                                   "vertical_cylinder"), [-50.0, 20.0, 0.0, 60.0]),
}

# Tiny and huge values of either sign, the limits themselves and just past them.
EXTREMES = [0.0, 5e-324, 1e-300, 1e-101, 1e-100, 1e-30, 1e30, 1e100, 1e101, 1e300, 1.7e308]
EXTREMES += [-v for v in EXTREMES if v]


def _finite_or_refused(forward, models):
    """Simulate row by row; return (accepted, refused) counts, failing on anything else."""
    accepted = refused = 0
    valid = forward.valid_rows(models)
    for model, ok in zip(models, valid):
        with warnings.catch_warnings():
            warnings.simplefilter("error")        # an overflow warning is a failure too
            try:
                data = forward.simulate(model)
            except ValueError as error:
                assert not ok, f"valid_rows accepted {model.tolist()} but simulate refused it"
                assert "rows 0" in str(error), str(error)
                refused += 1
                continue
        assert ok, f"valid_rows refused {model.tolist()} but simulate accepted it"
        assert np.isfinite(data).all(), f"{model.tolist()} gave {data}"
        accepted += 1
    return accepted, refused


@pytest.mark.parametrize("case", list(CASES))
def test_each_parameter_swept_to_extremes_gives_finite_data_or_a_named_refusal(case):
    make, typical = CASES[case]
    forward = make()
    rows = []
    for j in range(forward.n_params):
        for value in EXTREMES:
            model = list(typical)
            model[j] = value
            rows.append(model)
    accepted, refused = _finite_or_refused(forward, np.array(rows))
    # both outcomes occur: the sweep reaches past every model's limits
    assert accepted > forward.n_params and refused > forward.n_params


@pytest.mark.parametrize("case", list(CASES))
def test_random_combinations_of_extremes_give_finite_data_or_a_named_refusal(case):
    # several parameters at their extremes at once (the per-parameter sweep
    # cannot catch K / h**2 overflowing with K and h both extreme)
    make, typical = CASES[case]
    forward = make()
    rng = np.random.default_rng(sum(map(ord, case)))
    choices = np.array(EXTREMES + [1.0, -1.0, 1e-100 * 1.5, 1e100 / 1.5])
    models = np.where(rng.random((300, forward.n_params)) < 0.5,
                      rng.choice(choices, (300, forward.n_params)), np.array(typical))
    accepted, refused = _finite_or_refused(forward, models)
    assert accepted + refused == 300


def test_models_refused_at_run_time_are_refused_by_valid_rows_first():
    # the dataset sampler keeps only valid_rows: nothing it keeps may fail later
    forward = SelfPotential(np.arange(-100.0, 101.0, 5.0), "sphere")
    models = np.array([[-5e4, 20.0, 0.0, 60.0], [-5e4, 1e-300, 0.0, 60.0],
                       [1e120, 20.0, 0.0, 60.0], [-5e4, 20.0, 0.0, 60.0]])
    assert forward.valid_rows(models).tolist() == [True, False, False, True]
    with pytest.raises(ValueError, match=r"rows 1, 2 have K, h beyond the computable range"):
        forward.simulate(models)


def test_self_potential_at_a_vanishing_depth_is_refused_not_infinite():
    # h = 1e-300 m gave V = inf at the station above the body (issue 11)
    forward = SelfPotential([-10.0, 0.0, 10.0], "sphere")
    with pytest.raises(ValueError, match="rows 0 have h beyond the computable range"):
        forward.simulate([-5e4, 1e-300, 0.0, 90.0])
    # at the limit itself the anomaly K / h**2 is large but finite: 1e204 mV
    data = forward.simulate([-1e4, 1.0 / MAGNITUDE_LIMIT, 0.0, 90.0])
    assert np.isfinite(data).all()
    assert data[1] == pytest.approx(-1e4 * MAGNITUDE_LIMIT**2, rel=1e-12)


# ---------------------------------------------------------------------------
# Survey geometry: strings and bools are named, never read as numbers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("build, message", [
    (lambda: VES([1.0, 2.0, 5.0, "abc"], 2), "ab2 must be numbers (m); got 'abc' at position 3"),
    (lambda: VES(["1", "10"], 2), "ab2 must be numbers (m); got '1' at position 0"),
    (lambda: VES([1.0, True, 10.0], 2), "ab2 must be numbers (m); got True at position 1"),
    (lambda: VES(np.array([1.0, 10.0]) > 5, 2), "ab2 must be numbers (m); got False at position 0"),
    (lambda: VES([1.0, 10.0], 2, mn2="0.5"), "mn2 must be numbers (m); got '0.5'"),
    (lambda: VES([1.0, 10.0], 2, mn2=[0.5, False]), "mn2 must be numbers (m); got False at position 1"),
    (lambda: VES([1.0, 10.0], True), "n_layers must be an integer >= 1; got True"),
    (lambda: MT1D([1e-3, "x", 1.0], 2), "periods must be numbers (s); got 'x' at position 1"),
    (lambda: Refraction((5.0, True), 2), "offsets must be numbers (m); got True at position 1"),
    (lambda: Gravity([0.0, 10.0, None]), "x must be numbers (m); got None at position 2"),
    (lambda: Gravity([0.0, 10.0], "prism", length=True), "length"),
    (lambda: Magnetic([0.0, 10.0], inclination="60", declination=0.0, azimuth=0.0),
     "inclination"),
    (lambda: SelfPotential(np.array(["1", "2"])), "x must be numbers (m); got '1' at position 0"),
    (lambda: sphere_gz([0.0], x0="5", depth=10.0, radius=2.0, drho=100.0),
     "x0 must be numbers; got '5'"),
])
def test_strings_and_bools_in_the_geometry_are_named(build, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_numeric_arrays_of_any_numeric_type_are_accepted():
    for ab2 in ([1, 10, 100], np.array([1, 10, 100], dtype=np.int32),
                np.array([1.0, 10.0, 100.0], dtype=np.float32), (1.0, 10.0, 100.0),
                [np.float64(1.0), 10, 100.0]):
        ves = VES(ab2, 2)
        assert ves.ab2.tolist() == [1.0, 10.0, 100.0]
    assert list(itertools.chain(VES(5.0, 1).ab2)) == [5.0]

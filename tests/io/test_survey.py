"""The Survey object: error spaces, soundings, the forward model's view, CSV round trips."""

import dataclasses
import io
import math
import pickle

import numpy as np
import pytest

from geoinv.forward import MT1D, VES, Gravity, Refraction
from geoinv.io import Survey, convert_sigma, read_survey
from geoinv.io.errors import phase_sigma_from_rel_err, rel_err_from_phase_sigma

LN10 = math.log(10.0)


def ves_survey(**change):
    """Two soundings, stepped MN/2, linear errors, positions."""
    fields = dict(
        method="ves",
        geometry={"ab2": [1.0, 3.0, 10.0, 3.0, 10.0], "mn2": [0.3, 0.3, 1.0, 0.5, 0.5]},
        values={"rho_a": [100.0, 80.0, 50.0, 20.0, 40.0]},
        sigma={"rho_a": [5.0, 4.0, 2.5, 1.0, 2.0]}, sigma_space={"rho_a": "linear"},
        error_source="file", sounding=["S1", "S1", "S1", "S2", "S2"],
        positions={"S1": (0.0, 10.0), "S2": (25.0, 10.0)}, array="schlumberger")
    fields.update(change)
    return Survey(**fields)


def mt_survey():
    return Survey(method="mt", geometry={"period": [0.01, 1.0, 100.0]},
                  values={"rho_a": [100.0, 30.0, 10.0], "phase": [45.0, 60.0, 50.0]},
                  sigma={"rho_a": [0.02, 0.03, 0.04], "phase": [1.0, 2.0, 3.0]},
                  sigma_space={"rho_a": "log10", "phase": "linear"}, error_source="file",
                  sounding=["site"] * 3, component="det")


# ---------------------------------------------------------------------------
# error spaces, by hand
# ---------------------------------------------------------------------------

def test_convert_sigma_by_hand_numbers():
    # 5 ohm.m on 100 ohm.m: 5 %, 0.05 / ln 10 = 0.021715 decades
    assert convert_sigma([5.0], [100.0], "linear", "relative")[0] == pytest.approx(0.05, rel=1e-15)
    assert convert_sigma([5.0], [100.0], "linear", "log10")[0] == pytest.approx(0.0217147241, rel=1e-9)
    # and back: 0.1 decades on 20 ohm.m is 0.1 ln10 * 20 = 4.60517 ohm.m
    assert convert_sigma([0.1], [20.0], "log10", "linear")[0] == pytest.approx(4.605170186, rel=1e-9)
    assert convert_sigma([0.1], [20.0], "log10", "relative")[0] == pytest.approx(0.2302585093, rel=1e-9)


def test_convert_sigma_round_trips_and_refuses_log_of_negative():
    sigma, values = np.array([0.3, 2.0, 7.0]), np.array([3.0, 40.0, 700.0])
    for a in ("linear", "relative", "log10"):
        for b in ("linear", "relative", "log10"):
            back = convert_sigma(convert_sigma(sigma, values, "linear", a), values, a, b)
            np.testing.assert_allclose(convert_sigma(back, values, b, "linear"), sigma, rtol=1e-14)
    with pytest.raises(ValueError, match="positive values"):
        convert_sigma([1.0], [-3.0], "linear", "log10")


def test_survey_sigma_methods_keep_given_space_exactly():
    survey = ves_survey()
    np.testing.assert_array_equal(survey.sigma_linear(), [5.0, 4.0, 2.5, 1.0, 2.0])
    np.testing.assert_allclose(survey.sigma_relative(), [0.05, 0.05, 0.05, 0.05, 0.05], rtol=1e-15)
    np.testing.assert_allclose(survey.sigma_log10(), 0.05 / LN10, rtol=1e-14)
    mt = mt_survey()
    np.testing.assert_array_equal(mt.sigma_log10(), [0.02, 0.03, 0.04])   # as given
    np.testing.assert_allclose(mt.sigma_linear("rho_a"), [0.02 * LN10 * 100, 0.03 * LN10 * 30,
                                                          0.04 * LN10 * 10], rtol=1e-14)
    with pytest.raises(ValueError, match="unknown quantity 'g_z'"):
        mt.sigma_in("g_z", "linear")


def test_mt_error_rule_five_percent_is_1_43_degrees():
    # rho_a ~ |Z|^2: 5 % on rho_a is 2.5 % on |Z|, i.e. 0.025 rad = 1.4324 deg
    assert phase_sigma_from_rel_err(0.05) == pytest.approx(1.432394488, rel=1e-9)
    assert rel_err_from_phase_sigma(1.432394488) == pytest.approx(0.05, rel=1e-9)


# ---------------------------------------------------------------------------
# construction, soundings, attributes
# ---------------------------------------------------------------------------

def test_fields_are_read_only_and_attributes_reach_geometry_and_values():
    survey = ves_survey()
    np.testing.assert_array_equal(survey.ab2, [1.0, 3.0, 10.0, 3.0, 10.0])
    np.testing.assert_array_equal(survey.rho_a, [100.0, 80.0, 50.0, 20.0, 40.0])
    with pytest.raises(ValueError):
        survey.ab2[0] = 2.0
    with pytest.raises(TypeError):
        survey.values["rho_a"] = np.ones(5)
    with pytest.raises(AttributeError, match="ves survey has no 'period'"):
        survey.period
    assert len(survey) == 5 and survey.n_soundings == 2


@pytest.mark.parametrize("change, message", [
    (dict(method="dc"), "method must be one of"),
    (dict(values={"rho_a": [1.0] * 5, "phase": [1.0] * 5}), "values of a ves survey must hold rho_a"),
    (dict(geometry={"period": [1.0] * 5}), "geometry of a ves survey holds ab2"),
    (dict(sigma={"rho_a": [5.0, 4.0, 0.0, 1.0, 2.0]}), "sigma of rho_a must be > 0"),
    (dict(sigma_space={"rho_a": "decibel"}), "sigma_space of rho_a must be one of"),
    (dict(values={"rho_a": [1.0, 2.0]}), r"values rho_a must have shape \(5,\)"),
])
def test_bad_fields_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        ves_survey(**change)


def test_phase_errors_must_be_linear():
    with pytest.raises(ValueError, match="sigma_space of phase must be one of linear"):
        Survey(method="mt", geometry={"period": [1.0]}, values={"rho_a": [1.0], "phase": [45.0]},
               sigma={"rho_a": [0.1], "phase": [0.1]},
               sigma_space={"rho_a": "relative", "phase": "relative"},
               error_source="file", sounding=["a"])


def test_soundings_iterate_and_index_by_id():
    survey = ves_survey()
    assert survey.sounding_ids == ("S1", "S2")
    parts = list(survey.soundings())
    assert [len(p) for p in parts] == [3, 2]
    s2 = survey["S2"]
    np.testing.assert_array_equal(s2.ab2, [3.0, 10.0])
    np.testing.assert_array_equal(s2.mn2, [0.5, 0.5])
    np.testing.assert_array_equal(s2.sigma_linear(), [1.0, 2.0])
    assert s2.positions == {"S2": (25.0, 10.0)}
    with pytest.raises(KeyError, match="no sounding 'S3'; the survey holds S1, S2"):
        survey["S3"]


def test_forward_view_needs_one_sounding_and_matches_mt1d_order():
    with pytest.raises(ValueError, match="needs one sounding; this survey holds 2"):
        ves_survey().data_vector()
    mt = mt_survey()
    # all rho_a, then all phases: the order MT1D.simulate returns
    np.testing.assert_array_equal(mt.data_vector(), [100.0, 30.0, 10.0, 45.0, 60.0, 50.0])
    np.testing.assert_array_equal(mt.sigma_vector(), [0.02, 0.03, 0.04, 1.0, 2.0, 3.0])
    forward = MT1D(n_layers=2, **mt.forward_settings())
    assert forward.n_data == mt.data_vector().size
    np.testing.assert_array_equal(forward.periods, mt.period)


def test_forward_settings_build_the_forward_models():
    s1 = ves_survey()["S1"]
    ves = VES(n_layers=3, **s1.forward_settings())
    np.testing.assert_array_equal(ves.mn2, [0.3, 0.3, 1.0])
    wenner = Survey(method="ves", geometry={"ab2": [3.0, 6.0], "mn2": [1.0, 2.0]},
                    values={"rho_a": [10.0, 12.0]}, sigma={"rho_a": [0.05, 0.05]},
                    sigma_space={"rho_a": "relative"}, error_source="file",
                    sounding=["w", "w"], array="wenner")
    assert wenner.forward_settings() == {"ab2": [3.0, 6.0], "mn2": None, "array": "wenner"}
    VES(n_layers=2, **wenner.forward_settings())
    grav = Survey(method="gravity", geometry={"x": [-10.0, 0.0, 10.0]},
                  values={"g_z": [0.1, 0.3, 0.1]}, sigma={"g_z": [0.01] * 3},
                  sigma_space={"g_z": "linear"}, error_source="file", sounding=["p"] * 3)
    assert Gravity(**grav.forward_settings()).n_data == 3
    refr = Survey(method="refraction", geometry={"x": [5.0, 10.0]}, values={"t": [0.01, 0.02]},
                  sigma={"t": [0.001] * 2}, sigma_space={"t": "linear"}, error_source="file",
                  sounding=["r"] * 2)
    assert Refraction(n_layers=2, **refr.forward_settings()).offsets.tolist() == [5.0, 10.0]


def test_concat_joins_sites_and_refuses_repeated_ids():
    a, b = ves_survey()["S1"], ves_survey()["S2"]
    both = Survey.concat([a, b])
    assert both.sounding_ids == ("S1", "S2") and len(both) == 5
    np.testing.assert_array_equal(both.rho_a, ves_survey().rho_a)
    with pytest.raises(ValueError, match="repeated: S1"):
        Survey.concat([a, a])
    with pytest.raises(ValueError, match="different method"):
        Survey.concat([a, mt_survey()])


def test_describe_declares_the_error_source():
    text = ves_survey().describe()
    assert text == "ves schlumberger: 2 soundings, 5 rows, ab2 1 to 10 m; errors: file"


# ---------------------------------------------------------------------------
# CSV round trips
# ---------------------------------------------------------------------------

def assert_same(a, b):
    for name in ("method", "array", "component", "error_source", "notes", "sounding_ids"):
        assert getattr(a, name) == getattr(b, name), name
    assert dict(a.sigma_space) == dict(b.sigma_space)
    np.testing.assert_array_equal(a.sounding, b.sounding)
    for table in ("geometry", "values", "sigma"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert list(ta) == list(tb)
        for key in ta:
            np.testing.assert_array_equal(ta[key], tb[key])    # bit for bit
    np.testing.assert_array_equal(np.array(list(a.positions.values())),
                                  np.array(list(b.positions.values())))


def test_round_trip_ves_two_soundings(tmp_path):
    survey = ves_survey(values={"rho_a": [100.0 / 3, 80.1, 1e-3 / 7, 2e4 / 3, 40.0]})
    survey.write_csv(tmp_path / "ves.csv")
    text = (tmp_path / "ves.csv").read_text()
    assert text.splitlines()[:4] == ["# method: ves", "# array: schlumberger",
                                     "# error_source: file", "sounding,x,y,ab2,mn2,rho_a,sigma"]
    assert_same(survey, read_survey(tmp_path / "ves.csv"))


def test_round_trip_mt_keeps_log10_errors_and_component(tmp_path):
    survey = mt_survey()
    survey.write_csv(tmp_path / "mt.csv")
    assert "period,rho_a,phase,log10_rho_a_sigma,phase_sigma" in (tmp_path / "mt.csv").read_text()
    assert_same(survey, read_survey(tmp_path / "mt.csv"))


def test_round_trip_keeps_a_default_error_source_and_notes(tmp_path):
    survey = read_survey(io.StringIO("AB/2 (m),rho_a,K\n1,100,3\n2,90,12\n"))
    assert survey.error_source.startswith("default: 5 % relative")
    assert survey.notes == ("columns K not used (rho_a taken from 'rho_a')",)
    survey.write_csv(tmp_path / "d.csv")
    back = read_survey(tmp_path / "d.csv")
    assert_same(survey, back)
    assert "mn2" not in back.geometry          # ideal Schlumberger stays ideal


def test_round_trip_profiles(tmp_path):
    for datum, method in (("g_z", "gravity"), ("dT", "magnetic"), ("sp", "self_potential"),
                          ("t", "refraction")):
        survey = Survey(method=method, geometry={"x": [2.0, 4.0, 8.0]},
                        values={datum: [0.1, 0.2, 0.3]}, sigma={datum: [0.01, 0.02, 0.03]},
                        sigma_space={datum: "linear"}, error_source="file",
                        sounding=["L1", "L1", "L1"])
        survey.write_csv(tmp_path / f"{datum}.csv")
        assert_same(survey, read_survey(tmp_path / f"{datum}.csv"))


def test_to_frame_columns_follow_the_error_space():
    frame = ves_survey(sigma={"rho_a": [0.05] * 5}, sigma_space={"rho_a": "relative"}).to_frame()
    assert list(frame.columns) == ["sounding", "x", "y", "ab2", "mn2", "rho_a", "rel_err"]
    assert frame["x"].tolist() == [0.0, 0.0, 0.0, 25.0, 25.0]


def test_pickle_and_replace_keep_the_survey():
    survey = ves_survey()
    assert_same(survey, pickle.loads(pickle.dumps(survey)))
    floor = dataclasses.replace(survey, sigma={"rho_a": np.maximum(survey.sigma_linear(), 4.0)},
                                error_source="file, floor 4 ohm.m")
    np.testing.assert_array_equal(floor.sigma_linear(), [5.0, 4.0, 4.0, 4.0, 4.0])
    np.testing.assert_array_equal(floor.ab2, survey.ab2)

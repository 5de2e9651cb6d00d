"""Every field file copied into the project reads with its known count and values."""

import io
import math
from pathlib import Path

import numpy as np
import pytest

from geoinv.forward import MT1D, VES
from geoinv.io import read_mt_csv, read_profile_csv, read_survey, read_ves_csv

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
MYANMAR = DATA / "gwb_myanmar_schlumberger_soundings"
DEFAULT_VES = "default: 5 % relative on rho_a (0.0217 decades)"


def test_sond1_100_ves_file():
    survey = read_survey(DATA / "pygimli_sond1-100" / "sond1-100.ves")
    assert (survey.method, survey.array, len(survey)) == ("ves", "schlumberger", 17)
    assert survey.sounding_ids == ("sond1-100",)
    assert (survey.ab2[0], survey.mn2[0], survey.rho_a[0]) == (1.0, 0.3, 151.35)
    assert (survey.ab2[-1], survey.mn2[-1], survey.rho_a[-1]) == (100.0, 3.0, 255.241)
    assert np.count_nonzero(survey.mn2 == 3.0) == 8
    assert survey.error_source == DEFAULT_VES
    np.testing.assert_allclose(survey.sigma_log10(), 0.05 / math.log(10), rtol=1e-15)
    VES(n_layers=4, **survey.forward_settings())      # the geometry builds the forward model


def test_example_ves_has_two_overlapping_mn_segments():
    survey = read_survey(DATA / "pygimli_mrsves_example_ves" / "example.ves")
    assert len(survey) == 23
    assert survey.mn2.tolist() == [0.5] * 18 + [5.0] * 5
    # AB/2 60 and 75 m are measured with both MN/2
    assert survey.ab2[16:20].tolist() == [60.0, 75.0, 60.0, 75.0]
    assert (survey.rho_a[0], survey.rho_a[-1]) == (1380.0, 11.89)
    VES(n_layers=3, **survey.forward_settings())


@pytest.mark.parametrize("name, rows, first, last, mn2_values", [
    ("Mawlamyine_data_locations_1.csv", 26, (5.0, 1.0, 1400.55), (400.0, 20.0, 1156.91),
     [1.0, 5.0, 10.0, 20.0]),
    ("Mawlamyine_data_locations_2.csv", 29, (5.0, 1.0, 720.57), (400.0, 30.0, 356.50),
     [1.0, 5.0, 10.0, 20.0, 30.0]),
    ("Mawlamyine_data_locations_4.csv", 28, (5.0, 1.0, 183.17), (400.0, 20.0, 436.24),
     [1.0, 5.0, 10.0, 20.0]),
    ("Aung_San_Feb_07_raw.csv", 24, (6.0, 2.0, 289.82), (142.0, 48.0, 221.64), None),
])
def test_myanmar_field_sheets(name, rows, first, last, mn2_values):
    survey = read_ves_csv(MYANMAR / name)
    assert len(survey) == rows and survey.array == "schlumberger"
    assert (survey.ab2[0], survey.mn2[0], survey.rho_a[0]) == first
    assert (survey.ab2[-1], survey.mn2[-1], survey.rho_a[-1]) == last
    if mn2_values is not None:
        assert sorted(set(survey.mn2.tolist())) == mn2_values
    assert survey.notes == ("columns K, V (mV), I (mA), V/I not used (rho_a taken from "
                            "'App. Res. (Ohm m)')",)
    assert survey.error_source == DEFAULT_VES


def test_myanmar_location_3_beside_the_notebook():
    survey = read_survey(ROOT / "notebooks" / "data" / "gwb_myanmar" /
                         "Mawlamyine_data_locations_3.csv")
    assert len(survey) == 26
    assert (survey.ab2[-1], survey.mn2[-1], survey.rho_a[-1]) == (350.0, 20.0, 93.55)


def test_aung_san_location_1_is_wenner():
    survey = read_survey(MYANMAR / "Aung_San_Location_1_raw.csv")
    assert (survey.array, len(survey)) == ("wenner", 8)
    np.testing.assert_allclose(survey.mn2, survey.ab2 / 3, rtol=1e-15)
    assert survey.rho_a.tolist()[:3] == [292.54, 219.71, 262.05]
    assert survey.forward_settings()["mn2"] is None
    VES(n_layers=3, **survey.forward_settings())


def test_coompana_mt_file():
    path = DATA / "espresso_coompana_mt_16-A_KN2" / "16-A_KN2.dat"
    survey = read_mt_csv(path, component="det")
    assert (survey.method, survey.component, len(survey)) == ("mt", "det", 85)
    # first row: 10400.01 Hz, 98.8605 +- 1.0374 ohm.m, 46.6927 +- 0.3006 deg
    assert survey.period[0] == 1.0 / 10400.01
    assert survey.frequency[-1] == pytest.approx(0.00137, rel=1e-14)
    assert (survey.rho_a[0], survey.phase[0]) == (98.8605, 46.6927)
    assert survey.sigma_linear("rho_a")[0] == 1.0374 and survey.sigma_space["rho_a"] == "linear"
    assert survey.sigma_log10()[0] == pytest.approx(1.0374 / (math.log(10) * 98.8605), rel=1e-14)
    assert survey.sigma_linear("phase")[-1] == 11.6405
    assert survey.error_source == "file"
    forward = MT1D(n_layers=3, **survey.forward_settings())
    assert forward.n_data == survey.data_vector().size == 170
    # read_survey tells MT from the header (freq, rho, err_rho, phase, err_phase)
    assert read_survey(path).method == "mt"


def test_profile_datum_column_picks_the_method():
    text = "x (m),dT (nT),sigma\n-20,3.5,1.5\n0,12.0,1.5\n20,-4.0,1.5\n"
    survey = read_profile_csv(io.StringIO(text))
    assert survey.method == "magnetic" and survey.dT.tolist() == [3.5, 12.0, -4.0]
    assert survey.forward_settings() == {"x": [-20.0, 0.0, 20.0]}
    sp = read_survey(io.StringIO("profile,x,sp\nA,0,-40\nA,10,-25\nB,0,-10\n"))
    assert sp.method == "self_potential" and sp.sounding_ids == ("A", "B")
    assert sp.error_source == "default: 2 mV on sp"
    t = read_survey(io.StringIO("x,t\n10,0.02\n20,0.035\n"))
    assert t.method == "refraction" and t.forward_settings() == {"offsets": [10.0, 20.0]}
    assert t.error_source == "default: 0.001 s on t"


def test_ves_csv_with_soundings_positions_and_log10_columns():
    text = ("sounding,x,y,ab2,log10_rho_a,log10_sigma\n"
            "V1,100,5,1,2,0.02\nV1,100,5,10,1.5,0.03\n"
            "V2,200,5,1,1,0.02\nV2,200,5,10,2,0.04\n")
    survey = read_survey(io.StringIO(text))
    assert survey.sounding_ids == ("V1", "V2") and "mn2" not in survey.geometry
    assert survey.positions == {"V1": (100.0, 5.0), "V2": (200.0, 5.0)}
    np.testing.assert_allclose(survey.rho_a, [100.0, 10**1.5, 10.0, 100.0], rtol=1e-15)
    np.testing.assert_array_equal(survey.sigma_log10(), [0.02, 0.03, 0.02, 0.04])
    assert survey["V2"].forward_settings() == {"ab2": [1.0, 10.0], "mn2": None,
                                               "array": "schlumberger"}


def test_mt_csv_frequency_to_period_and_derived_errors():
    # frequency 4 Hz is period 0.25 s; rel_err 0.1 gives phase_sigma degrees(0.05) = 2.8648 deg
    survey = read_survey(io.StringIO("frequency,rho_a,phase,rel_err\n4,100,45,0.1\n0.5,80,50,0.1\n"))
    assert survey.period.tolist() == [0.25, 2.0]
    np.testing.assert_allclose(survey.sigma_linear("phase"), 2.864788976, rtol=1e-9)
    assert survey.error_source.startswith("file (rho_a); phase: derived from the rho_a error")
    only_phase = read_survey(io.StringIO("period,rho_a,phase,phase_sigma\n1,100,45,1\n"))
    assert only_phase.sigma_relative()[0] == pytest.approx(2 * math.radians(1.0), rel=1e-15)

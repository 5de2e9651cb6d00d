"""SEG EDI: units, conventions and error propagation by hand, then two real files."""

import math
from pathlib import Path

import numpy as np
import pytest

from geoinv.forward.mt import MU_0, apparent_resistivity_phase, impedance
from geoinv.io import read_edi, read_survey
from geoinv.io.edi import FIELD_TO_OHM

DATA = Path(__file__).resolve().parents[1] / "data" / "mt_metadata_edi"


def block(name, values, options=""):
    values = list(values)
    rows = [" ".join(f"{v:.16e}" for v in values[i:i + 4]) for i in range(0, len(values), 4)]
    return f">{name} {options}//{len(values)}\n" + "\n".join(rows) + "\n"


def edi_text(freq, zxy, zyx=None, zxx=None, zyy=None, var=None, empty="1.0E32"):
    """An EDI file with impedances in mV/km/nT (var: dict component -> variance)."""
    n = len(freq)
    zyx = -np.asarray(zyx if zyx is not None else zxy)
    zero = np.zeros(n, dtype=complex)
    parts = [f'>HEAD\nDATAID="SYN"\nLAT=-30:00:00\nEMPTY={empty}\n\n>=MTSECT\nNFREQ={n}\n',
             block("FREQ", freq)]
    for ij, z in (("XX", zxx if zxx is not None else zero), ("XY", zxy), ("YX", zyx),
                  ("YY", zyy if zyy is not None else zero)):
        z = np.asarray(z, dtype=complex)
        parts += [block(f"Z{ij}R", z.real, "ROT=ZROT "), block(f"Z{ij}I", z.imag, "ROT=ZROT ")]
        if var is not None and ij in var:
            parts.append(block(f"Z{ij}.VAR", var[ij], "ROT=ZROT "))
    return "".join(parts) + ">END\n"


def test_field_unit_factor_by_hand():
    # E in mV/km = 1e-6 V/m, B = mu_0 H in nT = 1e-9 T: Z_ohm = 1e3 mu_0 Z_field = Z_field / 795.77
    assert FIELD_TO_OHM == pytest.approx(1.0 / 795.7747, rel=1e-6)


def test_half_space_of_100_ohm_m(tmp_path):
    # |Z_ohm| = sqrt(omega mu_0 rho), so |Z_field|^2 = rho / (0.2 T) = 500 f for rho = 100:
    # at 1 Hz |Z_field| = sqrt(500) = 22.3607 mV/km/nT, |Z_ohm| = 0.0280993 ohm
    freq = np.array([100.0, 1.0, 0.01])
    modulus = np.sqrt(500.0 * freq)
    assert modulus[1] * FIELD_TO_OHM == pytest.approx(math.sqrt(2 * math.pi * MU_0 * 100.0), rel=1e-12)
    zxy = modulus * np.exp(1j * math.pi / 4)
    path = tmp_path / "half_space.edi"
    path.write_text(edi_text(freq, zxy))
    for component in ("xy", "yx", "det"):
        survey = read_edi(path, component=component)
        assert survey.component == component and survey.sounding_ids == ("SYN",)
        np.testing.assert_allclose(survey.period, [0.01, 1.0, 100.0], rtol=1e-15)
        np.testing.assert_allclose(survey.rho_a, 100.0, rtol=1e-13)
        np.testing.assert_allclose(survey.phase, 45.0, rtol=1e-13)
        # no variances: the stated default
        assert survey.error_source == ("default: 5 % relative on rho_a (0.0217 decades), "
                                       "1.43 deg on phase")


def test_layered_earth_matches_the_forward_model(tmp_path):
    # Z of geoinv.forward.mt (ohm, e^{+i omega t}) written in field units reads back as
    # the forward model's rho_a and phase: units and convention agree
    periods = np.array([1e-3, 0.1, 10.0, 1e3])
    z_ohm = impedance(periods, [100.0, 5.0, 1000.0], [300.0, 2000.0])
    path = tmp_path / "layered.edi"
    path.write_text(edi_text(1.0 / periods, z_ohm / FIELD_TO_OHM))
    rho_a, phase = apparent_resistivity_phase(periods, [100.0, 5.0, 1000.0], [300.0, 2000.0])
    for component in ("xy", "yx", "det"):
        survey = read_survey(path, component=component)
        np.testing.assert_allclose(survey.rho_a, rho_a, rtol=1e-12)
        np.testing.assert_allclose(survey.phase, phase, rtol=1e-12)


def test_variances_propagate_to_rho_a_and_phase(tmp_path):
    freq = np.array([10.0, 1.0])
    zxy = np.sqrt(500.0 * freq) * np.exp(1j * math.pi / 4)
    dz = 0.05 * np.abs(zxy)                     # 5 % of |Z|
    var = {"XX": dz**2, "XY": dz**2, "YX": dz**2, "YY": dz**2}
    path = tmp_path / "var.edi"
    path.write_text(edi_text(freq, zxy, var=var))
    xy = read_edi(path, component="xy")
    assert xy.error_source == "file (impedance variances)"
    # rel_err(rho_a) = 2 dZ/|Z| = 0.10; phase_sigma = degrees(0.05) = 2.8648 deg
    np.testing.assert_allclose(xy.sigma_relative(), 0.10, rtol=1e-12)
    np.testing.assert_allclose(xy.sigma_log10(), 0.10 / math.log(10), rtol=1e-12)
    np.testing.assert_allclose(xy.sigma_linear("phase"), 2.864788976, rtol=1e-9)
    # determinant of a 1-D tensor averages two independent estimates: dZ_det = dZ / sqrt(2)
    det = read_edi(path, component="det")
    np.testing.assert_allclose(det.sigma_relative(), 0.10 / math.sqrt(2), rtol=1e-12)
    np.testing.assert_allclose(det.sigma_linear("phase"), 2.864788976 / math.sqrt(2), rtol=1e-9)


def test_empty_values_drop_the_frequency_with_a_note(tmp_path):
    freq = np.array([100.0, 10.0, 1.0])
    zxy = np.sqrt(500.0 * freq) * np.exp(1j * math.pi / 4)
    zxx = np.array([1e32, 0.0, 0.0])            # EMPTY in ZXX at 100 Hz
    path = tmp_path / "empty.edi"
    path.write_text(edi_text(freq, zxy, zxx=zxx))
    assert len(read_edi(path, component="xy")) == 3          # ZXX not needed for xy
    det = read_edi(path, component="det")
    np.testing.assert_allclose(det.period, [0.1, 1.0])
    assert det.notes[0] == ("dropped 1 of 3 frequencies with a missing (EMPTY = 1e+32) or "
                            "unusable value or error: 100 Hz")


# ---------------------------------------------------------------------------
# real files (mt_metadata test data, MIT; tests/data/mt_metadata_edi/SOURCE.txt)
# ---------------------------------------------------------------------------

def test_cgg_file_first_frequency_by_hand():
    survey = read_edi(DATA / "tf_edi_cgg.edi", component="xy")
    assert len(survey) == 73 and survey.sounding_ids == ("TEST01",)
    # first frequency 825.4045 Hz, Zxy = 229.6332 + 364.2556 i mV/km/nT:
    # rho_a = 0.2 T |Z|^2 = 0.2 / 825.4045 * 185413.0 = 44.927 ohm.m, phase = 57.772 deg
    hand = 0.2 / 825.4045 * (229.6332**2 + 364.2556**2)
    assert survey.rho_a[0] == pytest.approx(hand, rel=1e-12)
    assert survey.rho_a[0] == pytest.approx(44.92671, rel=1e-6)     # the file's RHOXY
    assert survey.phase[0] == pytest.approx(math.degrees(math.atan2(364.2556, 229.6332)), rel=1e-12)
    assert survey.phase[0] == pytest.approx(57.77194, abs=1e-5)     # the file's PHSXY
    # ZXY.VAR = 1.771832: dZ/|Z| = 1.3311 / 430.60 = 0.0030913
    assert survey.sigma_relative()[0] == pytest.approx(2 * math.sqrt(1.771832) / math.sqrt(
        229.6332**2 + 364.2556**2), rel=1e-12)


@pytest.mark.parametrize("component", ["xy", "yx"])
def test_cgg_impedances_agree_with_the_files_own_rho_phase_sections(component):
    from_z = read_edi(DATA / "tf_edi_cgg.edi", component=component)
    # the same file's RHO/PHS sections, their .ERR lines being in decades (CGG)
    from_rho = read_edi(DATA / "tf_edi_cgg.edi", component=component, use="rho_phase",
                        rho_error="log10")
    np.testing.assert_array_equal(from_z.period, from_rho.period)
    # the sections are printed to 7 digits: 1e-6 relative, 1e-4 deg
    np.testing.assert_allclose(from_z.rho_a, from_rho.rho_a, rtol=1e-6)
    np.testing.assert_allclose(from_z.phase, from_rho.phase, atol=1e-4)
    np.testing.assert_allclose(from_z.sigma_log10(), from_rho.sigma_log10(), rtol=1e-6)
    np.testing.assert_allclose(from_z.sigma_linear("phase"), from_rho.sigma_linear("phase"),
                               rtol=5e-4)   # PHS .ERR down to 0.03 deg, printed to 7 digits


def test_cgg_determinant_drops_the_empty_first_frequency():
    survey = read_edi(DATA / "tf_edi_cgg.edi")            # component "det" by default
    assert survey.component == "det" and len(survey) == 72
    assert survey.period[0] == pytest.approx(1 / 681.2921, rel=1e-12)
    assert survey.notes[0].startswith("dropped 1 of 73 frequencies")
    assert "825.404 Hz" in survey.notes[0]
    assert survey.error_source == "file (impedance variances)"


def test_rho_only_file_and_two_sites_in_one_survey():
    path = DATA / "tf_edi_rho_only.edi"
    xy = read_edi(path, component="xy")
    assert len(xy) == 28 and xy.sounding_ids == ("s08",)
    assert (xy.rho_a[0], xy.phase[0]) == (0.2818635, 35.75853)
    assert xy.frequency[0] == pytest.approx(125.9446, rel=1e-12)
    assert "values as given, rotated by RHOROT = 20 deg" in xy.notes
    det = read_edi(path)
    assert det.rho_a[0] == pytest.approx(math.sqrt(0.2818635 * 0.2581770), rel=1e-14)
    assert det.phase[0] == pytest.approx((35.75853 + 36.69456) / 2, rel=1e-14)
    both = read_survey([DATA / "tf_edi_cgg.edi", path])
    assert both.sounding_ids == ("TEST01", "s08") and len(both) == 72 + 28

"""Bad files: one ValueError line naming the file, the line (1-based, as in the file) and the column."""

import pytest

from geoinv.io import SurveyFileError, read_edi, read_survey


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


CASES = [
    # (name, content, line, column, problem)
    ("missing.csv", "ab2,mn2\n1,0.3\n", 1, None,
     "missing column rho_a or log10_rho_a (the apparent resistivity)"),
    ("missing_mt.csv", "period,rho_a\n1,100\n", 1, None, "missing column phase (the phase (deg))"),
    ("nonnumeric.csv", "ab2,mn2,rho_a\n1,0.3,100\n2,0.3,abc\n", 3, "rho_a", "'abc' is not a number"),
    ("nan.csv", "ab2,mn2,rho_a\n1,0.3,100\n2,0.3,NaN\n", 3, "rho_a", "'NaN' is not a finite number"),
    ("empty_cell.csv", "ab2,mn2,rho_a\n1,,100\n", 2, "mn2", "empty cell; a number is needed"),
    ("negative.csv", "ab2,mn2,rho_a\n1,0.3,100\n2,0.3,-5\n", 3, "rho_a", "rho_a must be > 0; got -5"),
    ("zero_ab2.csv", "AB/2 (m),rho_a\n0,100\n", 2, "AB/2 (m)", "ab2 must be > 0; got 0"),
    ("order.csv", "ab2,mn2,rho_a\n1,0.3,100\n2,0.3,90\n1.5,0.3,80\n", 4, "ab2",
     "AB/2 does not increase at MN/2 = 0.3 m: 1.5 m after 2 m on line 3 (sounding 'order')"),
    ("order_ideal.csv", "ab2,rho_a\n1,100\n2,90\n2,80\n", 4, "ab2",
     "duplicate spacing: AB/2 = 2 m already on line 3 (sounding 'order_ideal')"),
    ("mn2.csv", "ab2,mn2,rho_a\n1,0.3,100\n2,2,90\n", 3, "mn2",
     "MN/2 = 2 m is not smaller than AB/2 = 2 m"),
    # the comment line counts: line numbers are the file's
    ("duplicate.csv", "ab2,mn2,rho_a\n1,0.3,100\n# a comment\n2,0.3,90\n10,1,80\n2,0.3,70\n", 6,
     "ab2", "duplicate spacing: AB/2 = 2 m with MN/2 = 0.3 m already on line 4 (sounding "
     "'duplicate')"),
    ("unknown.csv", "ab2,foo,rho_a\n1,0.3,100\n", 1, "foo",
     "unknown column; known columns: ab2, log10_rho_a, log10_sigma, mn2, rel_err, rho_a, sigma, "
     "sounding, x, y"),
    ("twice.csv", "ab2,rho_a,sigma,rel_err\n1,100,1,0.1\n", 1, None,
     "give the error once: 'sigma' and 'rel_err' both given"),
    ("unit.csv", "AB/2 (ft),rho_a\n1,100\n", 1, "AB/2 (ft)", "unit 'ft' is not the unit of ab2 (m)"),
    ("cells.csv", "ab2,rho_a\n1,100\n2,90,5\n", 3, None, "3 cells, but the header has 2"),
    ("header_only.csv", "ab2,rho_a\n", 1, None, "no data rows after the header"),
    ("zero_sigma.csv", "ab2,rho_a,rel_err\n1,100,0.05\n2,90,0\n", 3, "rel_err",
     "rel_err must be > 0; got 0"),
    ("percent.csv", "ab2,rho_a,rel_err\n1,100,0.05\n2,90,5\n", 3, "rel_err",
     "rel_err is a fraction (0.05 is 5 %) and must be < 1; got 5 (for errors this large give "
     "them in decades)"),
    ("percent_unit.csv", "period,rho_a,phase,rel_err (%)\n1,100,45,5\n", 1, "rel_err (%)",
     "unit '%' is not the unit of rel_err (fraction)"),
    ("x_changes.csv", "sounding,x,ab2,rho_a\nA,0,1,100\nA,5,2,100\n", 3, "x",
     "x of sounding 'A' changes within the sounding (line 2 has 0)"),
    ("period.csv", "period,rho_a,phase\n1,100,45\n0,100,45\n", 3, "period", "period must be > 0; got 0"),
    ("mt_duplicate.csv", "frequency,rho_a,phase\n1,100,45\n10,90,50\n1,100,45\n", 4, "frequency",
     "duplicate frequency: 1 already on line 2"),
    ("mt_phase.csv", "period,rho_a,phase\n1,100,245\n", 2, "phase",
     "phase 245 deg is outside [-180, 180]"),
    ("station.csv", "x,g_z,sigma\n0,0.1,0.01\n10,0.2,0.01\n0,0.3,0.01\n", 4, "x",
     "duplicate station: 0 already on line 2"),
    ("offset.csv", "x,t\n0,0.0\n", 2, "x", "x must be > 0; got 0"),
    ("sigma_unit.csv", "x,g_z,sigma (nT)\n1,0.1,0.01\n", 1, "sigma (nT)",
     "unit 'nT' is not the unit of g_z (mGal)"),
]


@pytest.mark.parametrize("name, text, line, column, problem", CASES, ids=[c[0] for c in CASES])
def test_bad_file_message_names_line_and_column(tmp_path, name, text, line, column, problem):
    path = write(tmp_path, name, text)
    with pytest.raises(SurveyFileError) as info:
        read_survey(path)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.line, error.column, error.problem) == (line, column, problem)
    where = f"{path}, line {line}" + (f", column {column!r}" if column else "")
    assert str(error) == f"{where}: {problem}"
    assert "\n" not in str(error)


def test_empty_file_and_missing_file(tmp_path):
    path = write(tmp_path, "empty.csv", "\n\n# only a comment\n")
    with pytest.raises(SurveyFileError, match=r"empty\.csv: the file is empty"):
        read_survey(path)
    with pytest.raises(SurveyFileError, match=r"nothere\.csv: cannot be read"):
        read_survey(tmp_path / "nothere.csv")


def test_unknown_method_header_is_refused(tmp_path):
    path = write(tmp_path, "what.csv", "depth,value\n1,2\n")
    with pytest.raises(SurveyFileError, match=r"what\.csv, line 1: cannot tell the method"):
        read_survey(path)


def test_ves_file_with_wrong_width_and_bad_number(tmp_path):
    with pytest.raises(SurveyFileError, match=r"w\.ves, line 1: 4 numbers per line; expected one "
                                              r"of \(2: ab2 rho_a; 3: ab2 mn2 rho_a\)"):
        read_survey(write(tmp_path, "w.ves", "1 0.3 100 4\n"))
    with pytest.raises(SurveyFileError, match=r"b\.ves, line 2, column 'rho_a': '1,5' is not a number"):
        read_survey(write(tmp_path, "b.ves", "1 0.3 100\n2 0.3 1,5\n"))


def test_wenner_option_checks_mn2(tmp_path):
    path = write(tmp_path, "w.csv", "ab2,mn2,rho_a\n3,1,100\n6,2.5,90\n")
    with pytest.raises(SurveyFileError, match=r"line 3, column 'mn2': a Wenner sounding has MN/2 = "
                                              r"AB/2 / 3 = 2 m; got 2.5 m"):
        read_survey(path, array="wenner")


EDI_HEAD = ">HEAD\nDATAID=\"T1\"\nEMPTY=1.0E32\n>=MTSECT\n"


@pytest.mark.parametrize("body, line, problem", [
    ("", None, "no >FREQ block: the frequencies are missing"),
    (">FREQ //2\n 10. 1.\n>ZXYR //2\n 1. 2.\n", None, "no >ZXYI block, needed for the xy component"),
    (">FREQ //3\n 10. 1.\n", 5, "block FREQ declares 3 values and holds 2"),
    (">FREQ //2\n 10. x1\n", 6, "'x1' in block FREQ is not a number"),
    (">=SPECTRASECT\n", 5, "spectra EDI files (>=SPECTRASECT) are not read; export the impedances "
                           "(>=MTSECT)"),
])
def test_bad_edi_files(tmp_path, body, line, problem):
    path = write(tmp_path, "bad.edi", EDI_HEAD + body + ">END\n")
    with pytest.raises(SurveyFileError) as info:
        read_edi(path, component="xy")
    assert (info.value.line, info.value.problem) == (line, problem)


def test_bad_options_name_the_choices():
    with pytest.raises(ValueError, match="component must be one of xy, yx, det; got 'zz'"):
        read_edi("unused.edi", component="zz")
    with pytest.raises(TypeError):
        read_survey("x.csv", method="ves", component="det")

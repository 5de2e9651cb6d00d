"""Make 16-A_KN2_every3rd.csv from 16-A_KN2.dat, as espresso's field example reads it.

espresso's own inversion of this sounding (``load_data(filename,
error_floor=0.05, subsampling=3)`` in
``src/espresso/contrib/magnetotelluric_1D/magnetotelluric_1D.py``) keeps
every third frequency of the 85 (rows 1, 4, ..., 85: 29 periods) and raises
the errors to a floor: ``log10(1.05)`` = 0.0212 decades on log10 rho_a and
``5 * 0.286`` = 1.43 deg on the phase (a 5 % error on rho_a is 2.5 % on
|Z|, an angle of 0.025 rad).  The file's own errors (from the
determinant impedance's variance) are kept where they are larger; they go
down to 0.06 % of rho_a, far below what a layered earth explains.

Run from this folder: ``python make_16-A_KN2_every3rd.py`` (writes the CSV
beside it; the output is byte-identical on every run).
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SUBSAMPLING = 3          # every third frequency, as espresso
ERROR_FLOOR = 0.05       # relative, on rho_a, as espresso


def main():
    freq, rho, err_rho, phase, err_phase = np.loadtxt(HERE / "16-A_KN2.dat", skiprows=1).T
    rows = slice(None, None, SUBSAMPLING)
    freq, rho, err_rho, phase, err_phase = (a[rows] for a in (freq, rho, err_rho, phase,
                                                               err_phase))
    log10_sigma = np.maximum(err_rho / (np.log(10.0) * rho), np.log10(1.0 + ERROR_FLOOR))
    phase_sigma = np.maximum(err_phase, 100.0 * ERROR_FLOOR * 0.286)
    lines = ["# Coompana 16-A_KN2 (espresso), determinant impedance: every third frequency,",
             "# errors raised to espresso's 5 % floor (0.0212 decades, 1.43 deg).",
             "# Made by make_16-A_KN2_every3rd.py from 16-A_KN2.dat; see SOURCE.txt.",
             "# component: det",
             "# error_source: file (determinant impedance), floored at 0.0212 decades and "
             "1.43 deg as espresso",
             "frequency (Hz),log10_rho_a,log10_rho_a_sigma (decades),phase (deg),phase_sigma (deg)"]
    for row in zip(freq, np.log10(rho), log10_sigma, phase, phase_sigma):
        lines.append(",".join(f"{v:.6g}" for v in row))
    (HERE / "16-A_KN2_every3rd.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""SEG EDI files (magnetotelluric transfer functions), a small parser of our own.

What is read
------------
An EDI file is a sequence of blocks, each opened by a line starting with
``>``: ``>HEAD`` (``KEY=value`` lines: ``DATAID``, ``LAT``, ``LONG``,
``EMPTY``), ``>=MTSECT``, and data blocks such as ``>FREQ //73`` followed
by their numbers.  This reader takes

* ``FREQ`` (Hz), required;
* the impedance blocks ``ZXXR ZXXI ... ZYYR ZYYI`` with their variances
  ``ZXX.VAR ... ZYY.VAR``, or, in a file without impedances (or with
  ``use="rho_phase"``), the sections ``RHOXY PHSXY RHOYX PHSYX`` with their
  ``.ERR`` lines;

everything else (tippers, comments ``>!...!``, ``>INFO``) is passed over.
Rotation angles (``ZROT``, ``RHOROT``) are not undone; a non-zero angle is
named in a note.  Spectra files (``>=SPECTRASECT``) are refused.  Values
equal to the header's ``EMPTY`` (default 1.0E32) are missing: the
frequencies where a needed value is missing are dropped, and a note on the
survey lists them.

Units and conventions
---------------------
EDI impedances are in field units, mV/km/nT (E in mV/km, B = mu_0 H in nT),
unless ``z_unit="ohm"``.  In SI units ``Z [ohm] = 1e3 mu_0 Z [mV/km/nT]``
(= Z / 795.8), so ::

    rho_a = |Z_ohm|**2 / (omega mu_0) = 0.2 T |Z_field|**2        (ohm.m, T in s)
    phase = arg Z                                                  (degrees)

with the time dependence ``e^{+i omega t}`` of :mod:`geoinv.forward.mt`
(Z_xy in the first quadrant over a layered earth).  Components:

* ``"xy"``: Z_xy;
* ``"yx"``: -Z_yx, so that its phase is in the first quadrant as well;
* ``"det"`` (default): the determinant average Z_det = sqrt(Z_xx Z_yy -
  Z_xy Z_yx), rotation invariant, equal to Z_xy = -Z_yx over a layered
  earth; the square-root branch is the one nearer (Z_xy - Z_yx) / 2.
  From rho/phase sections (no diagonal terms):
  ``rho_det = sqrt(rho_xy rho_yx)``, ``phase_det = (phase_xy + phase_yx) / 2``.

Errors (first order)
--------------------
``Zij.VAR`` is the variance of Z_ij in (mV/km/nT)**2 and ``dZ = sqrt(VAR)``
its standard deviation, taken for the modulus and for the phase (as mtpy and
the CGG files do).  Then ::

    rel_err(rho_a) = 2 dZ / |Z|,        phase_sigma = degrees(dZ / |Z|),

and for the determinant, from
``dD = Z_yy dZ_xx + Z_xx dZ_yy - Z_yx dZ_xy - Z_xy dZ_yx`` with independent
errors::

    dZ_det = sqrt(|Z_yy|^2 dZ_xx^2 + |Z_xx|^2 dZ_yy^2 + |Z_yx|^2 dZ_xy^2
                  + |Z_xy|^2 dZ_yx^2) / (2 |Z_det|).

A frequency whose variance is missing or not positive is dropped (it cannot
be weighted); a file without variances gets the default errors (5 %, 1.43
deg) and says so.  ``RHOxy.ERR`` has no unit fixed by practice: ohm.m
(``rho_error="linear"``, the default), or decades as CGG writes it
(``rho_error="log10"``); ``PHSxy.ERR`` is in degrees.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..forward.mt import MU_0
from ._build import default_id
from ._table import SurveyFileError, read_lines
from .errors import mt_errors
from .mt import COMPONENTS
from .survey import Survey

__all__ = ["read_edi", "FIELD_TO_OHM"]

FIELD_TO_OHM = 1e3 * MU_0
"""Impedance in ohm per impedance in mV/km/nT (1 / 795.8)."""

_COUNT = re.compile(r"//\s*(\d+)")
_PAIRS = re.compile(r"([A-Za-z_][\w.]*)\s*=\s*(\"[^\"]*\"|\S+)")


def _blocks(path, lines):
    """HEAD keys and data blocks: ``head, {NAME: (values, line)}``."""
    head, blocks, current, name = {}, {}, None, None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(">"):
            word = stripped[1:].split()[0].upper() if len(stripped) > 1 else ""
            if word == "END":
                break
            if word == "=SPECTRASECT":
                raise SurveyFileError(path, "spectra EDI files (>=SPECTRASECT) are not read; "
                                      "export the impedances (>=MTSECT)", line=number)
            count = _COUNT.search(stripped)
            if word.startswith("!") or count is None:
                current, name = ("head" if word == "HEAD" else None), word
                continue
            name = word
            blocks[name] = ([], number, int(count.group(1)))
            current = "data"
            continue
        if current == "head":
            for key, value in _PAIRS.findall(stripped):
                head[key.upper()] = value.strip('"')
        elif current == "data":
            for token in stripped.split():
                try:
                    blocks[name][0].append(float(token.replace("D", "E").replace("d", "e")))
                except ValueError:
                    raise SurveyFileError(path, f"{token!r} in block {name} is not a number",
                                          line=number) from None
    for key, (values, number, count) in blocks.items():
        if len(values) != count:
            raise SurveyFileError(path, f"block {key} declares {count} values and holds "
                                  f"{len(values)}", line=number)
    return head, {k: (np.array(v[0]), v[1]) for k, v in blocks.items()}


def read_edi(source, *, component="det", use="auto", z_unit="field", rho_error="linear",
             x=None, y=None, sounding=None):
    """Read one SEG EDI file into a :class:`~geoinv.io.Survey` (method ``"mt"``).

    Parameters
    ----------
    source : str, os.PathLike or text stream
        The EDI file.
    component : {"det", "xy", "yx"}, optional
        The impedance the apparent resistivity and phase come from (module
        docstring).
    use : {"auto", "impedance", "rho_phase"}, optional
        Read the impedance blocks (``auto`` when the file has them) or the
        rho/phase sections.
    z_unit : {"field", "ohm"}, optional
        Unit of the impedance blocks: ``field`` is mV/km/nT (the EDI
        practice), ``ohm`` is SI.
    rho_error : {"linear", "log10", "relative"}, optional
        Unit of the ``RHOxy.ERR`` lines (rho/phase sections only).
    x, y : float, optional
        Position of the site (m); an EDI file gives latitude and longitude,
        which are kept in a note, not converted.
    sounding : str, optional
        Site id (default: the header's ``DATAID``, else the file name).

    Returns
    -------
    Survey
        Geometry ``period`` (s) in the file's order; values ``rho_a``
        (ohm.m) and ``phase`` (deg); errors propagated from the variances
        (module docstring) or the defaults.

    Raises
    ------
    SurveyFileError
        A ValueError naming the file and line: no ``FREQ`` block, missing
        impedance or rho/phase blocks for the component, a block whose
        count is wrong, a token that is not a number, a spectra file.
    """
    for name, value, choices in (("component", component, COMPONENTS),
                                 ("use", use, ("auto", "impedance", "rho_phase")),
                                 ("z_unit", z_unit, ("field", "ohm")),
                                 ("rho_error", rho_error, ("linear", "log10", "relative"))):
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    path, lines = read_lines(source)
    if not any(line.strip() for line in lines):
        raise SurveyFileError(path, "the file is empty")
    head, blocks = _blocks(path, lines)
    if "FREQ" not in blocks:
        raise SurveyFileError(path, "no >FREQ block: the frequencies are missing")
    empty = float(head.get("EMPTY", "1.0E32").replace("D", "E"))
    freq, freq_line = blocks["FREQ"]
    n = freq.size

    def block(key, required_for=None):
        if key in blocks:
            values, line = blocks[key]
            if values.size != n:
                raise SurveyFileError(path, f"block {key} holds {values.size} values for "
                                      f"{n} frequencies", line=line)
            values = values.copy()
            values[np.isclose(values, empty, rtol=1e-6) | ~np.isfinite(values)] = np.nan
            return values
        if required_for:
            raise SurveyFileError(path, f"no >{key} block, needed for {required_for}")
        return None

    has_z = "ZXYR" in blocks or "ZYXR" in blocks
    use = ("impedance" if has_z else "rho_phase") if use == "auto" else use
    notes = []
    if use == "impedance":
        rho_a, phase, rho_sigma, rho_space, phase_sigma = _from_impedance(
            block, component, freq, z_unit, notes)
    else:
        rho_a, phase, rho_sigma, rho_space, phase_sigma = _from_rho_phase(
            block, component, rho_error, notes)

    rotation = block("ZROT" if use == "impedance" else "RHOROT")
    if rotation is not None and np.nanmax(np.abs(rotation), initial=0.0) > 0:
        angles = ", ".join(f"{a:g}" for a in np.unique(rotation[np.isfinite(rotation)])[:5])
        notes.append(f"values as given, rotated by {'ZROT' if use == 'impedance' else 'RHOROT'}"
                     f" = {angles} deg")
    freq = freq.copy()
    freq[np.isclose(freq, empty, rtol=1e-6)] = np.nan
    keep = np.isfinite(freq) & (freq > 0) & np.isfinite(rho_a) & (rho_a > 0) & np.isfinite(phase)
    for errors in (rho_sigma, phase_sigma):
        if errors is not None:
            keep &= np.isfinite(errors) & (errors > 0)
    if not keep.all():
        dropped = ", ".join(f"{f:g}" for f in freq[~keep][:10])
        more = f" and {int((~keep).sum()) - 10} more" if (~keep).sum() > 10 else ""
        notes.append(f"dropped {int((~keep).sum())} of {n} frequencies with a missing (EMPTY = "
                     f"{empty:g}) or unusable value or error: {dropped}{more} Hz")
    if not keep.any():
        raise SurveyFileError(path, f"no frequency has a usable {component} value", line=freq_line)
    sigma, space, source = mt_errors(
        rho_a[keep], None if rho_sigma is None else rho_sigma[keep], rho_space,
        None if phase_sigma is None else phase_sigma[keep])
    if source == "file":
        source = ("file (impedance variances)" if use == "impedance"
                  else "file (RHO/PHS .ERR lines)")
    place = [f"{key}={head[key]}" for key in ("LAT", "LONG", "ELEV") if key in head]
    if place:
        notes.append(f"site at {' '.join(place)} (header; not converted to x, y)")
    site = sounding or head.get("DATAID") or default_id(path)
    period = 1.0 / freq[keep]
    return Survey(method="mt", geometry={"period": period},
                  values={"rho_a": rho_a[keep], "phase": phase[keep]},
                  sigma=sigma, sigma_space=space, error_source=source,
                  sounding=np.array([site] * period.size, dtype=object),
                  positions={site: (math.nan if x is None else float(x),
                                    math.nan if y is None else float(y))},
                  component=component, source=path, notes=tuple(notes))


def _impedance(block, ij, required_for):
    """Complex Z_ij and its standard deviation sqrt(VAR) (None without VAR)."""
    real = block(f"Z{ij}R", required_for)
    imag = block(f"Z{ij}I", required_for)
    if real is None or imag is None:
        return None, None
    var = block(f"Z{ij}.VAR")
    return real + 1j * imag, None if var is None else np.sqrt(np.where(var > 0, var, np.nan))


def _from_impedance(block, component, freq, z_unit, notes):
    """rho_a, phase and their errors (relative, deg) from the impedance blocks."""
    need = f"the {component} component"
    if component == "xy":
        z, dz = _impedance(block, "XY", need)
    elif component == "yx":
        z, dz = _impedance(block, "YX", need)
        z = -z
    else:
        zxy, dxy = _impedance(block, "XY", need)
        zyx, dyx = _impedance(block, "YX", need)
        zxx, dxx = _impedance(block, "XX", None)
        zyy, dyy = _impedance(block, "YY", None)
        if zxx is None or zyy is None:
            notes.append("no ZXX/ZYY blocks: determinant of the off-diagonal impedances")
            zxx = zyy = np.zeros_like(zxy)
            dxx = dyy = np.zeros(zxy.shape)
        z = np.sqrt(zxx * zyy - zxy * zyx)
        z = np.where((z * np.conj(zxy - zyx)).real < 0, -z, z)
        if any(d is None for d in (dxy, dyx, dxx, dyy)):
            dz = None
        else:
            dz = np.sqrt((np.abs(zyy) * dxx) ** 2 + (np.abs(zxx) * dyy) ** 2
                         + (np.abs(zyx) * dxy) ** 2 + (np.abs(zxy) * dyx) ** 2) / (2 * np.abs(z))
    scale = FIELD_TO_OHM if z_unit == "field" else 1.0
    omega = 2.0 * np.pi * freq
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_a = np.abs(scale * z) ** 2 / (omega * MU_0)
        phase = np.degrees(np.angle(z))
        relative = None if dz is None else dz / np.abs(z)
    if relative is None:
        return rho_a, phase, None, "relative", None
    return rho_a, phase, 2.0 * relative, "relative", np.degrees(relative)


def _from_rho_phase(block, component, rho_error, notes):
    """rho_a, phase and their errors from the RHO/PHS sections."""
    def section(ij):
        need = f"the {component} component"
        rho, phase = block(f"RHO{ij}", need), block(f"PHS{ij}", need)
        if ij == "YX":
            phase = np.where(phase <= -90.0, phase + 180.0, phase)
        rho_err, phase_err = block(f"RHO{ij}.ERR"), block(f"PHS{ij}.ERR")
        relative = None
        if rho_err is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                relative = {"linear": rho_err / rho, "relative": rho_err,
                            "log10": rho_err * np.log(10.0)}[rho_error]
        return rho, phase, relative, phase_err

    if component in ("xy", "yx"):
        rho, phase, relative, phase_err = section(component.upper())
    else:
        rxy, pxy, exy, fxy = section("XY")
        ryx, pyx, eyx, fyx = section("YX")
        notes.append("determinant from the RHO/PHS sections: rho_det = sqrt(rho_xy rho_yx), "
                     "phase_det = (phase_xy + phase_yx) / 2 (diagonal terms not used)")
        with np.errstate(invalid="ignore"):
            rho = np.sqrt(rxy * ryx)
        phase = (pxy + pyx) / 2.0
        relative = None if exy is None or eyx is None else np.hypot(exy, eyx) / 2.0
        phase_err = None if fxy is None or fyx is None else np.hypot(fxy, fyx) / 2.0
    return rho, phase, relative, "relative", phase_err

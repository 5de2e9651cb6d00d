"""Readers of field data files: each file becomes one :class:`Survey`.

Everything downstream (training for a survey, inversion, reports) takes the
survey object, never a path, as pyGIMLi's ``loadData`` and mtpy's EDI
reader do.  Start with :func:`read_survey`, which picks the reader from the
file; the specific readers take the same options.

======================== ======================================================
reader                   files
======================== ======================================================
:func:`read_ves_csv`     VES tables with a header (``ab2``, ``mn2``, ``rho_a``,
                         errors; also the Myanmar field sheets)
:func:`read_ves_file`    whitespace ``.ves`` files (``AB/2 MN/2 rho_a``)
:func:`read_mt_csv`      MT tables (``period``/``frequency``, ``rho_a``,
                         ``phase``, errors; also the espresso Coompana file)
:func:`read_edi`         SEG EDI files (impedances with variances, or rho/phase)
:func:`read_profile_csv` gravity, magnetic, SP and refraction profiles
                         (``x`` and ``g_z``, ``dT``, ``sp`` or ``t``)
======================== ======================================================

Units: m for every length, ohm.m for resistivities, s for periods and
times, degrees for phases, mGal, nT and mV for the profile data.  Errors
are standard deviations, kept in the space the file gives them
(:mod:`geoinv.io.survey`); a file without errors gets a stated default
(5 % on apparent resistivity, 1.43 deg on MT phase, 0.01 mGal, 2 nT, 2 mV,
1 ms) and the survey's ``error_source`` says so.  A bad file raises
:class:`SurveyFileError` (a ValueError) with one line naming the file, the
line and the column.
"""

from ._table import SurveyFileError
from .edi import read_edi
from .mt import read_mt_csv
from .profiles import read_profile_csv
from .read import read_survey
from .errors import DEFAULT_PHASE_SIGMA, DEFAULT_REL_ERR, DEFAULT_SIGMA, convert_sigma
from .survey import Survey
from .ves import read_ves_csv, read_ves_file

__all__ = ["Survey", "SurveyFileError", "read_survey", "read_ves_csv", "read_ves_file",
           "read_mt_csv", "read_edi", "read_profile_csv", "convert_sigma", "DEFAULT_REL_ERR",
           "DEFAULT_PHASE_SIGMA", "DEFAULT_SIGMA"]

"""Inversion: from observed data to earth models, with a check of trust.

:class:`NetworkInversion` is the trained network inverse m = f^-1(d) (K >= 1
member networks sharing the forward model, prior box and scalers; the spread
of K > 1 members is an uncertainty), saved and read in one file
(:func:`load`, :mod:`~geoinv.inversion.persistence`).  Damped least squares
(:func:`damped_least_squares`) fits the data from a starting model, and
:func:`refine` starts it from the network's answer (network -> LM);
:func:`linearised_uncertainty` gives the parameter standard deviations and
correlations at its solution.  Misfits and standard deviations are in the
error space of each datum (log10 for apparent resistivity), stated in
:mod:`geoinv.prior.noise`.
:class:`OODDetector` flags soundings unlike the training data;
:mod:`~geoinv.inversion.misfit` holds the RMS misfit and ``FIT_THRESHOLD``
all methods are judged by, and :mod:`~geoinv.inversion.profile` inverts
lines of soundings; :func:`invert_survey` inverts a field survey and
:func:`sample_posterior` samples each sounding's posterior (with
:func:`dar_zarrouk` and :func:`equivalence_limits` for equivalence).  It imports :mod:`geoinv.forward`, :mod:`geoinv.prior`
and :mod:`geoinv.nn`, never :mod:`geoinv.evaluation` (which scores its
results against known models).
"""

from .misfit import FIT_THRESHOLD, data_misfit, rms_misfit, simulate_valid
from .least_squares import LSQResult, damped_least_squares, search_bounds, weighted_jacobian
from .refine import LM_DEFAULTS, METHODS, generic_start, invert_from_generic_start, refine
from .uncertainty import linearised_uncertainty
from .ood import COMPONENTS, OODDetector, OODResult, box_excess, roc_auc
from .network_inversion import NetworkInversion, load, mean_and_std
from .profile import Profile, ProfileInversion, invert_profile, profile_models, simulate_profile
from .field import SurveyInversion, invert_survey, resample
from .posterior import PosteriorResult, sample_posterior
from .equivalence import dar_zarrouk, equivalence_limits

__all__ = ["NetworkInversion", "load", "mean_and_std", "damped_least_squares", "LSQResult",
           "search_bounds", "weighted_jacobian", "linearised_uncertainty", "refine", "generic_start",
           "invert_from_generic_start", "METHODS", "LM_DEFAULTS", "OODDetector", "OODResult",
           "COMPONENTS", "box_excess", "roc_auc", "FIT_THRESHOLD", "rms_misfit", "data_misfit",
           "simulate_valid", "Profile", "ProfileInversion", "invert_profile", "profile_models",
           "simulate_profile", "SurveyInversion", "invert_survey", "resample", "PosteriorResult",
           "sample_posterior", "dar_zarrouk", "equivalence_limits"]

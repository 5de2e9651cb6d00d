"""Old module paths, importable for one release (0.2) after the move into subpackages.

Before 0.2 every module sat at the top of the package (``geoinv.training``,
``geoinv.lsq``, ...).  Scripts written then keep working: each old name is
registered in ``sys.modules`` as an alias of the module that holds its code
now.  New code should import from the subpackages (see docs/architecture.md).
"""

import importlib
import sys

OLD_MODULES = {
    "activations": "nn.activations",
    "network": "nn.network",
    "training": "nn.training",
    "model_space": "prior.model_space",
    "noise": "prior.noise",
    "scaling": "prior.scaling",
    "dataset": "prior.dataset",
    "inverter": "inversion.network_inversion",
    "ensemble": "inversion.ensemble",
    "lsq": "inversion.least_squares",
    "hybrid": "inversion.refine",
    "ood": "inversion.ood",
    "profile": "inversion.profile",
    "evaluation": "evaluation.metrics",
    "learning_curves": "evaluation.learning_curves",
    "scenario": "workflow.scenario",
    "run": "workflow.run",
    "report": "workflow.report",
    "cli": "workflow.cli",
    "plotting": "viz",
    "section_plots": "viz.sections",
}
"""Old module name (under ``geoinv.``) -> its new home (under ``geoinv.``)."""


def install_aliases():
    """Register every old module path as an alias of its new module."""
    package = sys.modules[__package__]
    for old, new in OLD_MODULES.items():
        module = importlib.import_module(f"{__package__}.{new}")
        sys.modules.setdefault(f"{__package__}.{old}", module)
        if not hasattr(package, old):
            setattr(package, old, module)

"""Old module paths, importable for one release (0.2) after the move into subpackages.

Before 0.2 every module sat at the top of the package (``geoinv.training``,
``geoinv.lsq``, ...).  Scripts written then keep working: each old name is
registered in ``sys.modules`` as an alias of the module that holds its code
now.  New code should import from the subpackages (see docs/architecture.md).
"""

import importlib
import importlib.util
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
    "learning_curves": "evaluation.learning_curves",
    "scenario": "workflow.scenario",
    "run": "workflow.run",
    "report": "workflow.report",
    "cli": "workflow.cli",
    "plotting": "viz",
    "section_plots": "viz.sections",
}
"""Old module name (under ``geoinv.``) -> its new home (under ``geoinv.``).

``geoinv.evaluation`` needs no alias: it is now the evaluation subpackage,
which re-exports every name of the old module."""


class _AliasFinder:
    """Import hook: ``geoinv.<old>`` is the module ``geoinv.<new>`` (loaded when first asked)."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, old = fullname.rpartition(".")
        if package != __package__ or old not in OLD_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(f"{package}.{OLD_MODULES[old]}"))


class _AliasLoader:
    def __init__(self, new):
        self.new = new

    def create_module(self, spec):
        self.module = importlib.import_module(self.new)
        self.spec = self.module.__spec__
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec   # the import system stamped the alias's spec on it


def install_aliases():
    """Make every old module path an alias of its new module, imported when first used.

    Nothing is imported here: ``import geoinv`` stays fast, so the ``geoinv``
    command can take over Ctrl-C before numpy, scipy and matplotlib load.
    """
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder())


def alias(name):
    """The module behind the old name ``geoinv.<name>``, or None (for ``geoinv.__getattr__``)."""
    if name not in OLD_MODULES:
        return None
    return importlib.import_module(f"{__package__}.{name}")

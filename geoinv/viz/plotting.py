"""Old home of the figures, kept importable for one release (0.2).

``geoinv.viz.plotting`` held every plot function before they were split by
role into the modules of :mod:`geoinv.viz`; import them from ``geoinv.viz``
(``from geoinv.viz import plot_history``).  The old top-level path
``geoinv.plotting`` is an alias of :mod:`geoinv.viz` itself
(:mod:`geoinv._compat`).
"""

from . import *  # noqa: F401,F403
from . import __all__  # noqa: F401

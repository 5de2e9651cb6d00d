"""What the figure tests of geoinv.viz share: input models and artist look-ups.

Imported by the tests of this folder (``from figure_checks import ...``);
``close_figures`` closes every pyplot figure after each test that imports it.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection

RHO = np.array([100.0, 10.0, 1000.0])  # ohm.m, top-down
H = np.array([5.0, 20.0])  # m
AB2 = np.logspace(0, np.log10(300), 20)  # m


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fake_sounding(rho, h, ab2=AB2):
    """Smooth stand-in for a VES response (not physics): log-rho blended with depth."""
    logr = np.full(ab2.shape, np.log10(rho[0]))
    for i, z in enumerate(np.cumsum(h)):
        w = 1 / (1 + np.exp(-4 * (np.log(ab2 / 2.5) - np.log(z))))
        logr += w * (np.log10(rho[i + 1]) - np.log10(rho[i]))
    return 10**logr


def n_figures():
    return len(plt.get_fignums())


def lines_with_gid(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def render(fig, dpi=40):
    """Draw ``fig`` to PNG bytes under Agg (layout and aspect applied); return the bytes."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def texts(fig):
    """Every string a reader sees: titles, suptitles, axis labels, legends, tick labels."""
    root = fig.figure
    out = []
    for f in [root, *root.subfigs, *[s for sub in root.subfigs for s in sub.subfigs]]:
        if getattr(f, "_suptitle", None) is not None:
            out.append(f._suptitle.get_text())
        out += [t.get_text() for leg in f.legends for t in leg.get_texts()]
    for ax in root.get_axes():
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [t for t in out if t]


def display_scale(ax):
    """Pixels per data unit along x and y of a linear Axes (after rendering)."""
    (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
    return abs(x1 - x0), abs(y1 - y0)


def above(legend, ax):
    """True when the legend lies wholly above the Axes' data area (it covers no data)."""
    return legend.get_window_extent().y0 >= ax.get_window_extent().y1 - 1.0

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

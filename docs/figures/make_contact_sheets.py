"""Assemble contact sheets of the figures of shipped-scenario runs (docs/figures/).

Usage::

    python docs/figures/make_contact_sheets.py RUNS_DIR [OUT_DIR]
    python docs/figures/make_contact_sheets.py --files SHEET.png TITLE FIGURE.png ...

``RUNS_DIR`` holds one run folder per scenario (``RUNS_DIR/<name>/figures/*.png``,
as ``geoinv run scenarios/<name>.toml --out RUNS_DIR/<name>`` writes them).  One
sheet per scenario, ``contact_<name>.png``: every figure of the run, downscaled,
its file name above it.  ``--files`` assembles the given figures into one sheet
(e.g. what ``geoinv invert`` drew).  Only matplotlib is used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
from matplotlib.figure import Figure

ORDER = ["reconstructions_test_id.png", "reconstructions_test_ood.png", "predicted_vs_true.png",
         "profile_sections.png", "misfit_by_method.png", "misfit.png", "metrics_summary.png",
         "loss.png"]
"""Figures in reading order (the reconstructions first: they are what a user keeps)."""


def contact_sheet(run, out, dpi=72):
    """Write one scenario's contact sheet; return its path."""
    pngs = sorted((run / "figures").glob("*.png"),
                  key=lambda p: (ORDER.index(p.name) if p.name in ORDER else len(ORDER), p.name))
    out.mkdir(parents=True, exist_ok=True)
    return sheet(pngs, f"{run.name}: the figures of one run", out / f"contact_{run.name}.png",
                 dpi)


def sheet(pngs, title, path, dpi=72):
    """Assemble the PNG files ``pngs`` into one downscaled sheet at ``path``.

    Tall figures (the reconstructions) take a full-height column each on the
    left, the others fill two rows on the right.
    """
    images = {Path(p).name: mpimg.imread(p) for p in pngs}
    tall = [n for n, im in images.items() if im.shape[0] > im.shape[1]]
    wide = [n for n in images if n not in tall]
    n_wide_cols = -(-len(wide) // 2)
    aspect = {n: im.shape[1] / im.shape[0] for n, im in images.items()}   # width / height
    tall_width = min(max(8.6 * np.median([aspect[n] for n in tall] or [0.5]), 3.0), 6.0)
    wide_width = min(max(4.3 * np.median([aspect[n] for n in wide] or [1.5]), 4.0), 8.0)
    widths = [tall_width] * len(tall) + [wide_width] * n_wide_cols
    fig = Figure(figsize=(sum(widths), 9.0), layout="constrained")
    fig.suptitle(title, fontsize="x-large")
    grid = fig.add_gridspec(2, len(widths), width_ratios=widths)
    cells = [grid[:, j] for j in range(len(tall))]
    cells += [grid[i % 2, len(tall) + i // 2] for i in range(len(wide))]
    for cell, name in zip(cells, tall + wide):
        ax = fig.add_subplot(cell)
        ax.imshow(images[name], interpolation="antialiased")
        ax.set_title(name, fontsize="medium")
        ax.set_axis_off()
    fig.savefig(path, dpi=dpi)
    return path


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[0] == "--files":
        print(sheet(argv[3:], argv[2], Path(argv[1])))
        return
    runs = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent
    for run in sorted(p for p in runs.iterdir() if (p / "figures").is_dir()):
        print(contact_sheet(run, out))


if __name__ == "__main__":
    main()

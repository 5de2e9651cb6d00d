"""Wall time of the main job, and the metrics it reports.

    python benchmarks/bench_run.py [SCENARIO.toml ...]

Runs ``geoinv run`` on each scenario (default: every file in scenarios/) in a
fresh process, as a user would, and prints the wall time with the ID and OOD
metrics.  Target (issue #2): scenarios/ves_3layer.toml in <= 60 s on 2 cores.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def bench(scenario):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geoinv.workflow.cli", "run", str(scenario), "--out", str(out),
                        "--quiet"], check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        metrics = pd.read_csv(out / "metrics.csv")
        epochs = len(pd.read_csv(out / "history.csv"))
    return seconds, epochs, metrics


def summary(metrics):
    """Per split: parameter errors, data misfit, LM refinement and OOD detection."""
    m = metrics.set_index(["split", "quantity", "metric"])["value"]
    params = [q for q in metrics.loc[metrics["split"] == "test_id", "quantity"].unique()
              if q not in ("data", "all", "ood")]
    rows = []
    for split in ("test_id", "test_ood"):
        errs = []
        for q in params:
            if (split, q, "median_rel_err") in m.index:
                errs.append(f"{q} {m[split, q, 'median_rel_err']:.3f}")
            else:
                errs.append(f"{q} {m[split, q, 'median_abs_err']:.3g} (abs)")
        line = (f"  {split:8s} median rel. err " + " ".join(errs) +
                f" | median RMS misfit {m[split, 'data', 'median_rms_misfit']:.2f}"
                f" | fitted (RMS<=1.2) {m[split, 'data', 'fraction_rms_le_1.2']:.1%}")
        if (split, "data", "fraction_rms_le_1.2@network_lm") in m.index:
            line += (f" | network->LM fitted {m[split, 'data', 'fraction_rms_le_1.2@network_lm']:.1%}"
                     f" ({m[split, 'all', 'forward_calls_per_sounding@network_lm']:.0f} calls,"
                     f" generic-start LM {m[split, 'all', 'forward_calls_per_sounding@lm']:.0f})")
        if (split, "ood", "fraction_flagged") in m.index:
            line += f" | OOD flagged {m[split, 'ood', 'fraction_flagged']:.1%}"
        rows.append(line)
    if ("test_ood", "ood", "roc_auc_vs_test_id") in m.index:
        rows.append(f"  OOD detection ROC AUC {m['test_ood', 'ood', 'roc_auc_vs_test_id']:.3f}")
    return "\n".join(rows)


if __name__ == "__main__":
    files = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "scenarios").glob("*.toml"))
    for f in files:
        seconds, epochs, metrics = bench(f)
        print(f"{f.name}: {seconds:.1f} s wall ({epochs} epochs)")
        print(summary(metrics))

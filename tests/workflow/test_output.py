"""Fault suite of the output folder and of interrupts (issue: never lose a user's file).

One test per class of fault: a foreign folder is never replaced, bad names
never escape ``runs/``, a user's file inside an earlier run stops the run, a
user's ``.out.old`` survives, symbolic links are kept, ``--out .`` works in an
empty folder, modes follow the umask, what a killed run leaves is repaired,
and SIGINT/SIGTERM/SIGHUP at any moment give one line, exit 128 + N, and
leave the earlier run byte for byte.  Slow timing matrices live in
benchmarks/bench_faults.py.
"""

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geoinv.workflow import output
from geoinv.workflow.cli import main
from geoinv.workflow.output import (MANIFEST, OWNER, OutputError, check_name, clean_stale,
                                    commit_output, discard_output, prepare_output)

ROOT = Path(__file__).resolve().parents[2]

FAST = """
name = "fast"
seed = 5
[forward]
kind = "ves"
n_layers = 2
ab2 = { start = 1.0, stop = 100.0, num = 8 }
[prior]
rho = { low = 10.0, high = 1000.0 }
h = { low = 1.0, high = 20.0 }
[ood]
detect = false
[refine]
compare = false
[samples]
train = 200
validation = 50
test_id = 20
test_ood = 20
[network]
hidden = 6
[training]
max_epochs = 10
patience = 5
[report]
n_examples = 1
"""


def _few_figures(figures, folder):
    """Stand-in for report.write_figures: one small file in figures/ (fast)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "loss.png").write_bytes(b"\x89PNG stand-in")
    return [folder / "loss.png"]


@pytest.fixture
def few_figures(monkeypatch):
    from geoinv.workflow import report

    monkeypatch.setattr(report, "write_figures", _few_figures)


def snapshot(folder):
    """Every file under ``folder`` (relative path -> bytes), to compare byte for byte."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def ours(parent):
    """geoinv's own temporary or backup folders left in ``parent``."""
    return sorted(p.name for p in Path(parent).iterdir()
                  if p.name.startswith((".geoinv-tmp-", ".geoinv-old-")))


def cli(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err, *needles):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("geoinv: error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """A complete run of FAST (real figures), made under umask 022, kept read-only here."""
    base = tmp_path_factory.mktemp("earlier")
    scenario = base / "fast.toml"
    scenario.write_text(FAST)
    old = os.umask(0o022)
    try:
        assert main(["run", str(scenario), "--out", str(base / "run"), "--quiet"]) == 0
    finally:
        os.umask(old)
    return base / "run"


@pytest.fixture
def fast(tmp_path):
    path = tmp_path / "fast.toml"
    path.write_text(FAST)
    return path


# -- 1. user data is never deleted -------------------------------------------
def test_foreign_folder_with_run_like_files_is_never_replaced(fast, tmp_path, capsys, few_figures):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "scenario.toml").write_text("my own scenario")   # named like a run's files
    (out / "metrics.csv").write_text("a,b\n1,2\n")
    (out / "chapter1.tex").write_text("precious")
    before = snapshot(out)
    code, _, err = cli(["run", fast, "--out", out, "--quiet"], capsys)
    assert code == 2
    one_error_line(err, "holds no earlier geoinv run", MANIFEST)
    assert snapshot(out) == before and ours(tmp_path) == []


@pytest.mark.parametrize("name, needle", [
    ('""', "must not be empty"),
    ('"   "', "must not be empty"),
    ('"../escape"', "no path separators"),
    ('"/tmp/absolute"', "no path separators"),
    ('"a/b"', "no path separators"),
    ('".."', "must not start with '.'"),
    ('".hidden"', "must not start with '.'"),
    ('"bell\\u0007name"', "no control characters"),
    ('"tab\\tname"', "no control characters"),
])
def test_names_that_are_not_one_plain_folder_exit_2(fast, tmp_path, capsys, monkeypatch, name,
                                                     needle):
    monkeypatch.chdir(tmp_path)
    fast.write_text(FAST.replace('name = "fast"', f"name = {name}"))
    for command in (["check", fast], ["run", fast, "--quiet"]):
        code, stdout, err = cli(command, capsys)
        assert code == 2 and stdout == ""
        one_error_line(err, str(fast), "name: ", needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast.toml"]   # no runs/, nothing
    assert not Path("/tmp/absolute").exists() and not (tmp_path.parent / "escape").exists()


def test_check_name_accepts_plain_names():
    for name in ("ves_3layer", "run 2", "Profil-Ägäis", "a..b"):
        assert check_name(name) == name


@pytest.mark.parametrize("tamper, needle", [
    (lambda run: (run / "notes.txt").write_text("mine"), "holds notes.txt, which"),
    (lambda run: (run / "figures" / "sketch.png").write_bytes(b"mine"), "figures/sketch.png"),
    (lambda run: (run / "mine").mkdir(), "holds mine, which"),
    (lambda run: (run / "metrics.csv").write_text("edited"), "metrics.csv was changed"),
    (lambda run: (run / MANIFEST).write_text("{"), f"damaged {MANIFEST}"),
])
def test_earlier_run_with_a_users_change_is_never_replaced(earlier, tmp_path, capsys, tamper,
                                                          needle):
    out = tmp_path / "run"
    shutil.copytree(earlier, out)
    tamper(out)
    before = snapshot(out)
    scenario = tmp_path / "fast.toml"
    scenario.write_text(FAST)
    code, _, err = cli(["run", scenario, "--out", out, "--quiet"], capsys)
    assert code == 2
    one_error_line(err, needle, "nothing was changed")
    assert snapshot(out) == before and ours(tmp_path) == []


def test_users_backup_like_folders_survive_a_replacement(earlier, fast, tmp_path, capsys,
                                                         few_figures):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    users = {".out.old": "my backup", ".out.abcd1234.tmp": "looks like old geoinv's",
             ".geoinv-tmp-mine": "named like geoinv's, but no marker"}
    for name, text in users.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text(text)
    code, _, _ = cli(["run", fast, "--out", out, "--quiet"], capsys)
    assert code == 0
    for name, text in users.items():
        assert (tmp_path / name / "keep.txt").read_text() == text
    assert ours(tmp_path) == [".geoinv-tmp-mine"]
    assert (out / "figures" / "loss.png").read_bytes() == b"\x89PNG stand-in"   # replaced
    assert output.verify_run(out)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two renames"])
def test_replacement_with_and_without_atomic_exchange(earlier, tmp_path, monkeypatch, exchange):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    if not exchange:   # a file system without RENAME_EXCHANGE: backup, then two renames
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    staging = prepare_output(out)
    assert staging.mode == "replace" and staging.holder.parent == tmp_path
    (staging.folder / "metrics.csv").write_text("new run")
    assert commit_output(staging) == out.resolve()
    assert snapshot(out) == {"metrics.csv": b"new run", MANIFEST: (out / MANIFEST).read_bytes()}
    assert ours(tmp_path) == []


def test_symlinked_output_folder_stays_a_link(earlier, fast, tmp_path, capsys, few_figures):
    real = tmp_path / "disk" / "results"
    real.mkdir(parents=True)
    link = tmp_path / "out"
    link.symlink_to(real)
    for _ in range(2):   # into the empty target, then replacing that run
        code, _, err = cli(["run", fast, "--out", link, "--quiet"], capsys)
        assert code == 0, err
        assert link.is_symlink() and link.resolve() == real.resolve()
        assert (real / "metrics.csv").is_file() and output.verify_run(real)
    assert ours(tmp_path / "disk") == [] and ours(real) == []


def test_out_dot_in_an_empty_working_folder(fast, tmp_path, capsys, monkeypatch, few_figures):
    cwd = tmp_path / "work"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    code, _, err = cli(["run", fast, "--out", ".", "--quiet"], capsys)
    assert code == 0, err
    assert {"metrics.csv", "network.npz", MANIFEST, "figures"} <= set(os.listdir(cwd))
    assert output.verify_run(cwd) and ours(cwd) == [] and ours(tmp_path) == []
    before = snapshot(cwd)
    # the earlier run is now the working folder: refused, never half-swapped
    code, _, err = cli(["run", fast, "--out", ".", "--quiet"], capsys)
    assert code == 2
    one_error_line(err, "is the working folder")
    assert snapshot(cwd) == before


@pytest.mark.skipif(getattr(os, "geteuid", lambda: 1)() == 0, reason="root writes anywhere")
def test_unwritable_empty_folder_is_refused_before_computing(fast, tmp_path, capsys):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        code, _, err = cli(["run", fast, "--out", out, "--quiet"], capsys)
    finally:
        out.chmod(0o700)
    assert code == 2
    one_error_line(err, "cannot write the output folder")


def test_file_modes_follow_the_umask(earlier, tmp_path):
    # the run made under umask 022 (network.npz goes through mkstemp, 0600)
    modes = {p.relative_to(earlier).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in earlier.rglob("*")}
    assert {m for p, m in modes.items() if (earlier / p).is_file()} == {0o644}
    assert {m for p, m in modes.items() if (earlier / p).is_dir()} == {0o755}
    assert stat.S_IMODE(earlier.stat().st_mode) == 0o755
    old = os.umask(0o027)
    try:
        staging = prepare_output(tmp_path / "group")
        fd, _ = __import__("tempfile").mkstemp(dir=staging.folder)
        os.close(fd)
        commit_output(staging)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "group").iterdir()} == {0o640}
    assert stat.S_IMODE((tmp_path / "group").stat().st_mode) == 0o750


# -- what SIGKILL leaves is repaired by the next run -------------------------
def _killed(kind, parent, **extra):
    """A geoinv folder as a killed process leaves it (a marker no live run owns)."""
    folder = Path(__import__("tempfile").mkdtemp(prefix=".geoinv-old-" if kind == "backup"
                                                 else ".geoinv-tmp-", dir=parent))
    output._write_json(folder / OWNER, output._owner(kind, token="killed", **extra))
    return folder


def test_backup_of_a_killed_swap_is_restored(earlier, tmp_path):
    backup = _killed("backup", tmp_path, target="out")
    shutil.copytree(earlier, backup / "run")
    tmp = _killed("tmp", tmp_path, target="out")
    shutil.copytree(earlier, tmp / "run")   # the new run that never reached its place
    clean_stale(tmp_path)
    assert snapshot(tmp_path / "out") == snapshot(earlier) and ours(tmp_path) == []


def test_backup_after_a_completed_swap_is_removed(earlier, tmp_path):
    shutil.copytree(earlier, tmp_path / "out")
    (tmp_path / "out" / "notes.txt").write_text("new run in place, then the user's note")
    backup = _killed("backup", tmp_path, target="out")
    shutil.copytree(earlier, backup / "run")
    clean_stale(tmp_path)
    assert ours(tmp_path) == [] and (tmp_path / "out" / "notes.txt").exists()


def test_killed_fill_of_an_empty_folder_is_undone(earlier, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    files = {f: output._sha256(earlier / f) for f in output._files(earlier) if f != MANIFEST}
    holder = _killed("fill", out, files=files)
    for name in ("figures", "metrics.csv"):   # moved in before the kill; the manifest was not
        shutil.copytree(earlier / name, out / name) if name == "figures" else \
            shutil.copy(earlier / name, out / name)
    (out / "notes.txt").write_text("the user's, written meanwhile")
    assert holder.exists()
    clean_stale(out)
    assert sorted(os.listdir(out)) == ["notes.txt"]


def test_live_and_unmarked_folders_are_left_alone(tmp_path):
    staging = prepare_output(tmp_path / "out")          # a live run of this process
    (tmp_path / ".geoinv-tmp-nomarker").mkdir()
    (tmp_path / ".geoinv-tmp-nomarker" / "data.bin").write_bytes(b"?")
    clean_stale(tmp_path)
    assert staging.holder.exists() and (tmp_path / ".geoinv-tmp-nomarker" / "data.bin").exists()
    discard_output(staging)
    assert ours(tmp_path) == [".geoinv-tmp-nomarker"]


def test_a_file_added_during_the_run_stops_the_swap(earlier, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    staging = prepare_output(out)
    (staging.folder / "metrics.csv").write_text("new")
    (out / "notes.txt").write_text("added while the run computed")
    before = snapshot(out)
    with pytest.raises(OutputError, match="holds notes.txt"):
        commit_output(staging)
    discard_output(staging)
    assert snapshot(out) == before and ours(tmp_path) == []


def test_signals_are_held_while_folders_are_swapped():
    reached_end = False
    with pytest.raises(KeyboardInterrupt):
        with output._signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            reached_end = True
    assert reached_end


# -- 2. interrupts at any moment ---------------------------------------------
def _handlers_installed(pid):
    """Whether process ``pid`` catches SIGTERM (Linux: SigCgt in /proc)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            mask = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt"))
    except (OSError, StopIteration):
        return False
    return bool(mask & (1 << (signal.SIGTERM - 1)))


def start_run(scenario, out):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen(
        [sys.executable, "-m", "geoinv.workflow.cli", "run", str(scenario), "--out", str(out),
         "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def send_at(proc, delay, signum):
    """Send ``signum`` ``delay`` s after the start, or right after geoinv installed its
    handlers (the interpreter's own first ~0.1 s runs no geoinv code); return when sent."""
    start = time.perf_counter()
    while not _handlers_installed(proc.pid) and proc.poll() is None:
        time.sleep(0.002)
    time.sleep(max(0.0, delay - (time.perf_counter() - start)))
    proc.send_signal(signum)
    return time.perf_counter() - start


def check_interrupted(proc, signum, out, before):
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"geoinv: interrupted by {signal.Signals(signum).name}; nothing "
                               "was written")
    assert snapshot(out) == before                           # the earlier run, byte for byte
    assert ours(out.parent) == []                            # no temporary folder left


SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="waits for the handlers through /proc/<pid>/status")


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("delay", [0.1, 0.5])
@linux_only
def test_early_signal_one_line_and_exit_code(earlier, tmp_path, signum, delay):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    (tmp_path / "fast.toml").write_text(FAST)
    proc = start_run(tmp_path / "fast.toml", out)
    send_at(proc, delay, signum)
    check_interrupted(proc, signum, out, snapshot(earlier))


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_signal_mid_run_leaves_the_earlier_run(earlier, tmp_path, signum):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    (tmp_path / "fast.toml").write_text(FAST.replace("max_epochs = 10", "max_epochs = 400")
                                        .replace("patience = 5", "patience = 400"))
    proc = start_run(tmp_path / "fast.toml", out)
    deadline = time.time() + 60
    while not ours(tmp_path) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)   # the run has checked its output folder and is computing
    assert ours(tmp_path), "the run never started writing"
    time.sleep(0.2)
    proc.send_signal(signum)
    check_interrupted(proc, signum, out, snapshot(earlier))


def test_sigkill_leftovers_are_cleaned_by_the_next_run(earlier, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    (tmp_path / "fast.toml").write_text(FAST.replace("max_epochs = 10", "max_epochs = 400")
                                        .replace("patience = 5", "patience = 400"))
    proc = start_run(tmp_path / "fast.toml", out)
    deadline = time.time() + 60
    while (not list(tmp_path.glob(f".geoinv-tmp-*/{OWNER}")) and proc.poll() is None
           and time.time() < deadline):
        time.sleep(0.01)
    proc.kill()
    proc.communicate()
    assert len(ours(tmp_path)) == 1                          # SIGKILL cannot be caught
    discard_output(prepare_output(out))                      # what the next run does first
    assert ours(tmp_path) == [] and snapshot(out) == snapshot(earlier)


def test_unmarked_empty_temporary_folder_is_removed_after_a_minute(tmp_path):
    # SIGKILL between making the folder and writing its marker leaves it empty
    fresh, old = tmp_path / ".geoinv-tmp-fresh", tmp_path / ".geoinv-tmp-old"
    fresh.mkdir()
    old.mkdir()
    os.utime(old, (time.time() - 120, time.time() - 120))
    clean_stale(tmp_path)
    assert ours(tmp_path) == [".geoinv-tmp-fresh"]   # may be a run about to mark it


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_signal_while_the_interpreter_exits_still_gives_one_line(signum):
    # main(argv=None) leaves "last words" handlers for the shutdown after it returned
    code = ("import os, signal, time\n"
            "from geoinv.workflow.cli import _StopSignals\n"
            "with _StopSignals(lambda s: 'geoinv: interrupted late'):\n"
            "    pass\n"
            f"os.kill(os.getpid(), {int(signum)})\n"
            "time.sleep(5)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 128 + signum and proc.stderr == "geoinv: interrupted late\n"

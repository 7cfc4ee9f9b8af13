"""Every script in demos/ runs top to bottom on a tiny budget (MINIRNN_TINY=1), and is cut into # %% cells.

The demos start together in subprocesses (each on one thread), so two cores run them side by side;
each test then waits for its own. A demo that does not honour MINIRNN_TINY yet gets the smallest budget
its own flags allow (FALLBACK).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMOS = Path(__file__).resolve().parents[1] / "demos"
SCRIPTS = sorted(p.name for p in DEMOS.glob("*.py"))
FALLBACK = {"imdb_sentiment.py": ["--epochs", "1"]}      # until it reads MINIRNN_TINY
EXPECT = {   # demo -> lines its output must contain (beyond exit code 0 and a figure written)
    "from_equation_to_code.py": ["minirnn.RNN:", "difference 0.0", "all below 1e-6: True",
                                 "wrote out/from_equation_to_code/vanishing_gradient.png"],
    "plain_to_fast.py": ["plain: minirnn/plain/lstm.py", "0. the cell cut out:", "1. hoist x_t W_x + b:",
                         "2. gradients after the loop:", "3. a contiguous W_h^T:", "4. time-major, h_t stacked once:",
                         "5. the engine's element-wise cell:", "6. the engine: minirnn.lstm.lstm_forward/lstm_backward",
                         "all 7 rewrites match plain in float64, max relative difference below 1e-10: True",
                         "kernels/lstm_cell.cu:", "plain_to_fast.md, .json and .png"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every demo at once; {name: (Popen, its folder)}."""
    env = dict(os.environ, MINIRNN_TINY="1", MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               TQDM_DISABLE="1")
    procs = {}
    for name in SCRIPTS:
        src = (DEMOS / name).read_text()
        cwd = tmp_path_factory.mktemp(name[:-3])
        args = ["--out", str(cwd / "out")] if '"--out"' in src else []
        if "MINIRNN_TINY" not in src:
            args += FALLBACK.get(name, [])
        procs[name] = (subprocess.Popen([sys.executable, str(DEMOS / name), *args], cwd=cwd, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE), cwd)
    yield procs
    for proc, _ in procs.values():
        if proc.poll() is None:
            proc.kill()


def test_there_are_demos():
    assert "from_equation_to_code.py" in SCRIPTS and "see_it_learn.py" in SCRIPTS


@pytest.mark.parametrize("name", SCRIPTS)
def test_demo_runs_on_a_tiny_budget(name, runs):
    proc, cwd = runs[name]
    try:
        out, err = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{name} did not finish in 240 s with MINIRNN_TINY=1")
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{err[-3000:]}"
    assert "Traceback" not in err
    assert list(cwd.rglob("*.png")), f"{name} wrote no figure under {cwd}"
    for line in EXPECT.get(name, []):
        assert line in out, f"{name}: {line!r} not in its output:\n{out[-3000:]}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_demo_is_cut_into_cells(name):
    """# %% markers: VS Code and Jupyter (through jupytext) run the demo cell by cell."""
    src = (DEMOS / name).read_text()
    cells = [line for line in src.splitlines() if line.startswith("# %%")]
    assert len(cells) >= 3, f"{name} has {len(cells)} '# %%' cells"

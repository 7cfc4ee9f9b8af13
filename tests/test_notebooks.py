"""`minirnn notebooks` writes every demo (demos/*.py) as a notebook, and every notebook runs.

Each notebook is executed cell by cell in a python3 kernel (nbclient), with MINIRNN_TINY=1, and must
end without a cell error, with a figure written and the lines test_demos.py expects of the script.
The kernels start together (one BLAS thread each), so two cores run them side by side.
The wheel test builds minirnn as pip would and checks that an installed copy finds its demos.
"""
import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minirnn import cli
from minirnn.cli import notebooks as cli_notebooks
from test_cli_input import run           # main(argv) -> (exit code, stdout, stderr)
from test_demos import EXPECT, SCRIPTS

nbformat = pytest.importorskip("nbformat")
ROOT = Path(__file__).resolve().parents[1]
ENV = {"MINIRNN_TINY": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}   # progress bars on, as in Jupyter


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """`minirnn notebooks --out DIR` once; DIR."""
    out = tmp_path_factory.mktemp("notebooks")
    assert cli.main(["notebooks", "--out", str(out / "nbs")]) == 0
    return out / "nbs"


def outputs(notebook):
    """Everything the notebook's cells printed or showed as text."""
    text = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "".join(text)


async def execute_all(paths, folders):
    from nbclient import NotebookClient
    env = dict(os.environ, **ENV)

    async def one(path, folder):
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=240, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}})
        try:
            await client.async_execute(env=env)
        except Exception as e:                          # CellExecutionError names the cell and its traceback
            return notebook, e
        return notebook, None

    return await asyncio.gather(*(one(p, f) for p, f in zip(paths, folders)))


@pytest.fixture(scope="module")
def executed(written, tmp_path_factory):
    """Every notebook executed, all at once; {name: (notebook, error or None, its working folder)}."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    names = [name[:-3] for name in SCRIPTS]
    folders = [tmp_path_factory.mktemp(name) for name in names]
    results = asyncio.run(execute_all([written / f"{name}.ipynb" for name in names], folders))
    return {name: (nb, error, folder) for name, (nb, error), folder in zip(names, results, folders)}


def test_every_demo_becomes_a_notebook_with_its_kernel_and_prose(written):
    assert sorted(p.name for p in written.glob("*.ipynb")) == [name[:-3] + ".ipynb" for name in SCRIPTS]
    for name in SCRIPTS:
        notebook = nbformat.read(written / (name[:-3] + ".ipynb"), as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "python3", name      # jupytext's --set-kernel python3
        kinds = [cell.cell_type for cell in notebook.cells]
        assert kinds[0] == "markdown" and notebook.cells[0].source.startswith("# "), \
            f"{name}: open it with a '# %% [markdown]' cell whose first line is '# # Title' (then the prose)"
        assert kinds.count("code") >= 3, (name, kinds)
        assert not any(c.source.lstrip().startswith('"""') for c in notebook.cells if c.cell_type == "code"), \
            f"{name}: prose in a code cell's string; make it a '# %% [markdown]' cell"


@pytest.mark.parametrize("name", [name[:-3] for name in SCRIPTS])
def test_notebook_executes_on_a_tiny_budget(name, executed):
    notebook, error, folder = executed[name]
    assert error is None, f"{name}.ipynb failed:\n{str(error)[-3000:]}"
    assert list(folder.rglob("*.png")), f"{name}.ipynb wrote no figure under {folder}"
    text = outputs(notebook)
    assert "Traceback" not in text
    for line in EXPECT.get(name + ".py", []):
        assert line in text, f"{name}.ipynb: {line!r} not in its output:\n{text[-3000:]}"


def test_the_python3_kernel_is_this_interpreter_with_this_minirnn_and_plots_inline(tmp_path):
    """kernel_name="python3" runs sys.executable (jupyter_client swaps the spec's bare "python" for
    it), so a fresh venv's notebooks import the minirnn under test, not another installed copy.
    minirnn's figure modules leave the notebook's inline backend alone: pd.DataFrame(history).plot() shows."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient import NotebookClient
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, matplotlib, minirnn, minirnn.viz.plots, minirnn.viz.figures\n"
        "print(sys.executable, minirnn.__file__, matplotlib.get_backend())"),
        nbformat.v4.new_code_cell("import pandas as pd\npd.DataFrame({'loss': [0.7, 0.5]}).plot();")])
    env = {k: v for k, v in dict(os.environ, **ENV).items() if k != "MPLBACKEND"}   # as Jupyter starts it
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute(env=env)
    executable, package, backend = notebook.cells[0].outputs[0].text.split()
    assert os.path.samefile(executable, sys.executable)
    assert os.path.samefile(package, ROOT / "minirnn" / "__init__.py")
    assert "inline" in backend, backend
    assert any("image/png" in out.get("data", {}) for out in notebook.cells[1].outputs)   # the plot, inline


def test_existing_notebooks_are_kept_unless_forced(tmp_path, capsys):
    code, _, _ = run(["notebooks", "--out", tmp_path], capsys)
    assert code == 0
    first = tmp_path / (SCRIPTS[0][:-3] + ".ipynb")
    first.write_text("my edits")
    code, _, err = run(["notebooks", "--out", tmp_path], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(first) in err and "--force" in err
    assert first.read_text() == "my edits"
    code, out, _ = run(["notebooks", "--out", tmp_path, "--force"], capsys)
    assert code == 0 and nbformat.read(first, as_version=4).cells and f"{len(SCRIPTS)} notebooks" in out


def test_bad_out_and_missing_jupytext_are_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "f").write_text("not a folder")
    code, _, err = run(["notebooks", "--out", tmp_path / "f"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "is a file" in err and "Traceback" not in err
    monkeypatch.setitem(sys.modules, "jupytext", None)                 # as if it were not installed
    code, _, err = run(["notebooks", "--out", tmp_path / "nbs"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "pip install jupytext ipykernel ipywidgets" in err and not (tmp_path / "nbs").exists()


def test_the_pip_line_installs_the_notebooks_extra():
    import re
    import tomllib
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["notebooks"]
    names = [re.match(r"[A-Za-z0-9_.-]+", requirement)[0] for requirement in extra]
    assert cli_notebooks.INSTALL == "pip install " + " ".join(names)


@pytest.mark.slow
def test_an_installed_wheel_writes_the_notebooks_from_its_own_demos(tmp_path):
    """Not editable: pip builds the wheel from a copy of the sources and installs it into a folder;
    `minirnn notebooks` there finds minirnn/demos/ inside the package, with no checkout around it."""
    pytest.importorskip("jupytext")
    src = tmp_path / "src"
    for folder in ("minirnn", "kernels", "demos"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "out"))
    for file in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / file, src / file)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    r = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist", src],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    site = tmp_path / "site"
    r = subprocess.run([*pip, "install", "--no-deps", "-q", "--target", site, *(tmp_path / "dist").glob("*.whl")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    shutil.rmtree(src)                                                   # no checkout to fall back on
    env = dict(os.environ, PYTHONPATH=str(site))
    r = subprocess.run([sys.executable, "-c", "import minirnn.cli.notebooks as n; print(n.demo_folder())"],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and Path(r.stdout.strip()) == site / "minirnn" / "demos", r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "minirnn.cli", "notebooks", "--out", "nbs"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "nbs").glob("*.ipynb")) == [n[:-3] + ".ipynb" for n in SCRIPTS]


def test_demo_folder_prefers_the_package_then_the_checkout():
    assert cli_notebooks.demo_folder() == ROOT / "demos"                 # a checkout: no minirnn/demos/
    assert [p.name for p in cli_notebooks.demos()] == SCRIPTS

"""The `minirnn notebooks` command: every demo (demos/*.py, cut into `# %%` cells) as a Jupyter notebook.

    minirnn notebooks [--out DIR] [--force]

jupytext reads each demo's cells (`# %% [markdown]` cells are the prose) and writes DIR/<demo>.ipynb
with the kernel set to python3, so Jupyter and VS Code run it without asking for one. The demos live
in demos/ at the top of a checkout and inside an installed wheel as minirnn/demos/ (pyproject.toml
ships them, as it ships kernels/*.cu). jupytext, ipykernel (the python3 kernel) and ipywidgets (progress
bars) are the [notebooks] extra (pip install -e ".[notebooks]" in a checkout).
"""
from pathlib import Path

from .common import prepare_out

INSTALL = "pip install jupytext ipykernel ipywidgets"   # pyproject.toml's [notebooks] extra
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def add_parsers(subparsers, **kwargs):
    """Register "notebooks"; it sets func=run(args) -> exit code. kwargs go to add_parser (formatter_class)."""
    p = subparsers.add_parser("notebooks", help="write every demo as a Jupyter notebook (.ipynb)",
                              description="Write every demo (demos/*.py) as a Jupyter notebook, with jupytext.",
                              **kwargs)
    p.add_argument("--out", default="notebooks", help="folder for the .ipynb files")
    p.add_argument("--force", action="store_true", help="overwrite notebooks already in --out (your edits too)")
    p.set_defaults(func=run)


def demo_folder():
    """demos/ inside the installed package (a wheel), else at the top of the checkout (editable install)."""
    here = Path(__file__).resolve().parents[1]                      # the minirnn package
    for folder in (here / "demos", here.parent / "demos"):
        if sorted(folder.glob("*.py")):
            return folder
    raise FileNotFoundError(f"no demos in {here / 'demos'} nor {here.parent / 'demos'}; reinstall minirnn")


def demos():
    """Every demo script, by name."""
    return sorted(demo_folder().glob("*.py"))


def to_notebook(script, path):
    """One demo script -> a notebook file at path, its kernel set to python3 (jupytext's --set-kernel python3)."""
    import jupytext
    notebook = jupytext.read(script, fmt="py:percent")
    notebook.metadata["kernelspec"] = dict(KERNEL)
    notebook.metadata.get("jupytext", {}).pop("text_representation", None)   # the .ipynb is not paired with the .py
    jupytext.write(notebook, path, fmt="ipynb")
    return path


def run(args):
    try:
        import jupytext  # noqa: F401
    except ImportError:
        raise RuntimeError(f"writing notebooks needs jupytext (the [notebooks] extra): {INSTALL}") from None
    scripts = demos()
    out = Path(args.out)
    targets = [out / (s.stem + ".ipynb") for s in scripts]
    there = [str(t) for t in targets if t.exists()]
    if there and not args.force:
        raise ValueError(f"{there[0]} exists (your edits?); choose another --out, or add --force to overwrite it")
    args.created = prepare_out(out)
    for script, target in zip(scripts, targets):
        to_notebook(script, target)
        print(f"wrote {target}")
    print(f"{len(targets)} notebooks in {out}; open them with: jupyter lab {out}   (or in VS Code)")
    return 0

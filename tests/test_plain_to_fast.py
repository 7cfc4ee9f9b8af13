"""The README's "From plain to fast" section is what the recorded run of demos/plain_to_fast.py printed.

benchmarks/results/plain_to_fast.json is that run; scripts/readme_plain_to_fast.py renders the section
from it: the README's section must be what the renderer makes of the recorded run.
(The demo itself runs, with its checks, in tests/test_demos.py.)
"""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import readme_plain_to_fast as render  # noqa: E402

REWRITES = ["plain", "0. the cell cut out", "1. hoist x_t W_x + b", "2. gradients after the loop",
            "3. a contiguous W_h^T", "4. time-major, h_t stacked once", "5. the engine's element-wise cell",
            "6. the engine"]


@pytest.fixture(scope="module")
def results():
    return json.loads(render.RESULTS.read_text(encoding="utf-8"))


def section_in(path):
    """The text of path's "From plain to fast" section, up to the next '## ' heading, or None."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if render.HEADING + "\n" not in text:
        return None
    rest = text.split(render.HEADING + "\n", 1)[1]
    return render.HEADING + "\n" + rest.split("\n## ", 1)[0].rstrip("\n") + "\n"


def test_the_recorded_run_has_every_rewrite_at_full_size_and_within_tolerance(results):
    assert [r["name"] for r in results["rows"]] == REWRITES
    assert (results["B"], results["T"], results["E"], results["H"]) == (64, 200, 64, 128), "a MINIRNN_TINY run?"
    assert results["threads"] == [1, 2] and results["dtype"] == "float32"
    for r in results["rows"]:
        assert r["max_rel_diff"] < 1e-10, r
        assert set(r["ms"]) == set(r["speedup"]) == {"1", "2"}


def test_the_readme_section_is_rendered_from_the_recorded_run(results):
    shown = section_in(ROOT / "README.md")
    assert shown is not None, "no 'From plain to fast' section in README.md"
    assert render.render_table(results) in shown
    assert shown == render.render_section(results), \
        "README.md differs from the results file: python scripts/readme_plain_to_fast.py --write README.md"


def test_rendering_replaces_only_its_own_section(results):
    section = render.render_section(results)
    before = "# minirnn\n\n## Speed\n\nold speed text\n\n"
    after = "## The GPU path\n\ngpu text\n"
    stale = before + render.HEADING + "\n\nan old table\n\n" + after
    assert render.replace_section(stale, section) == before + section + "\n" + after
    assert render.replace_section(before + after, section) == before + after + "\n" + section   # absent: appended
    assert render.replace_section(stale, section).count(render.HEADING) == 1


def test_the_table_has_a_row_per_rewrite_with_both_thread_counts(results):
    table = render.render_table(results).splitlines()
    assert len(table) == 2 + len(REWRITES)
    assert table[0].count("|") == 6
    for line, r in zip(table[2:], results["rows"]):
        assert line.startswith(f"| {r['name']} |")
        assert f"{r['speedup']['1']:.2f}x" in line and f"{r['speedup']['2']:.2f}x" in line


def test_a_missing_results_file_is_one_clear_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        render.main(["--results", str(tmp_path / "none.json")])
    assert "cannot read" in str(e.value) and "none.json" in str(e.value)

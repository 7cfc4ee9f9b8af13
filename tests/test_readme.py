"""The README's math-to-code table points at real lines: each `file:line` row names the function
defined on that line, so the table cannot silently drift when the code moves."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\|.*\|\s*`([\w.]+)`\s*\|\s*\[?`?([\w/]+\.py):(\d+)`?")


def table_rows():
    rows = [ROW.match(line) for line in (ROOT / "README.md").read_text().splitlines()]
    return [(m.group(1), m.group(2), int(m.group(3))) for m in rows if m]


def test_every_reference_names_the_function_on_that_line():
    rows = table_rows()
    assert len(rows) >= 12, "the math-to-code table lost its rows"
    for function, path, line in rows:
        lines = (ROOT / path).read_text().splitlines()
        assert 1 <= line <= len(lines), f"{path}:{line} is past the end of the file"
        name = function.split(".")[-1]                     # Adam.step -> step
        assert re.match(rf"\s*def {name}\(", lines[line - 1]), \
            f"README says {function} is at {path}:{line}, but that line is {lines[line - 1].strip()!r}"


def test_the_first_screen_has_the_two_commands():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert "pip install -e . && minirnn demo" in head
    assert 'pip install -e ".[test]" && python -m pytest' in head

"""The README's math-to-code table and reading order, read by the reading page and by the tests.

A table row names an equation and the line(s) that compute it, each as `code` and `path:line`:

    | equation | plain form | where | engine | where |      (either side may be empty)
    | equation | the line | where |                        (the older one-column form reads too)

parse_row(line) -> (equation, [(code, path, line), ...]) or None. This is the one parser:
tests/test_readme.py, scripts/update_readme_lines.py (through it) and `minirnn read` use it.
"""
import re
from collections import namedtuple
from pathlib import Path

Entry = namedtuple("Entry", "equation code path line")
WHERE = re.compile(r"`(?P<path>[\w/.]+\.py):(?P<line>\d+)`")
CELL = re.compile(r"\|((?:[^|`]|`[^`]*`)*)")             # a | inside backticks is not a column break
ROOT = Path(__file__).resolve().parents[2]               # the source tree, when minirnn runs from one

# Used when no README is at hand (minirnn installed from a wheel): the same order as the README's.
READING_ORDER = ["minirnn/plain/rnn.py", "minirnn/plain/lstm.py", "minirnn/plain/gru.py",
                 "demos/plain_to_fast.py", "minirnn/rnn.py", "minirnn/lstm.py", "minirnn/gru.py",
                 "minirnn/recurrent.py"]


def cells(line):
    """'| a | `b|c` | d |' -> ['a', '`b|c`', 'd']."""
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return []
    return [c.strip() for c in CELL.findall(line[:-1])]


def parse_row(line):
    """A README line -> (equation, [(code, path, line)] for each side whose two cells are filled),
    or None for any other line (the header, a section row, a place without backticks)."""
    row = cells(line)
    if len(row) < 3 or len(row) % 2 == 0:
        return None
    places = []
    for code, where in zip(row[1::2], row[2::2]):
        m = WHERE.fullmatch(where)
        c = re.fullmatch(r"`([^`]+)`", code)
        if m and c:
            places.append((c[1], m["path"], int(m["line"])))
    return (row[0], places) if places else None


def table_places(text):
    """Every place the README's table names: [Entry(equation, code, path, line)], plain and engine."""
    rows = [r for r in map(parse_row, text.splitlines()) if r]
    return [Entry(equation, *place) for equation, places in rows for place in places]


def code_part(line):
    """A source line without its end-of-line comment (the table points at code, not at comments)."""
    return line.split("  #")[0]


def readme_text(root=ROOT):
    """README.md from the source tree, or else the installed package's description (the same text)."""
    path = Path(root) / "README.md"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    try:
        from importlib.metadata import metadata
        return metadata("minirnn").get_payload() or ""
    except Exception:                      # not installed as a distribution: no table, no order
        return ""


def reading_order(text):
    """The files the README's 'Reading order' paragraph names, in its order (READING_ORDER if none)."""
    para = next((p for p in re.split(r"\n\s*\n", text) if p.lstrip().startswith("Reading order")), "")
    found = []
    for path in re.findall(r"`((?:minirnn|demos)/[\w/]+\.py)`", para):
        if path not in found:
            found.append(path)
    return found or list(READING_ORDER)

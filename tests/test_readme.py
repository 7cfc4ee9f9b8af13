"""The README's math-to-code table points at real lines: each row names a line of code and a
`file:line`, and that line must hold that code, so the table cannot silently drift when the code
moves (scripts/update_readme_lines.py refreshes the numbers)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\|[^|]*\|\s*`(?P<code>[^`]+)`\s*\|\s*`(?P<path>[\w/]+\.py):(?P<line>\d+)`\s*\|\s*$")


def parse_row(line):
    """A table row -> (code, path, line), or None for any other line."""
    m = ROW.match(line)
    return (m["code"], m["path"], int(m["line"])) if m else None


def code_part(line):
    """A source line without its end-of-line comment (the table points at code, not at comments)."""
    return line.split("  #")[0]


def table_rows():
    return [r for r in map(parse_row, (ROOT / "README.md").read_text().splitlines()) if r]


def test_every_row_lands_on_the_line_that_computes_its_equation():
    rows = table_rows()
    assert len(rows) >= 40, "the math-to-code table lost its rows"
    for code, path, line in rows:
        lines = (ROOT / path).read_text().splitlines()
        assert 1 <= line <= len(lines), f"{path}:{line} is past the end of the file"
        assert code in code_part(lines[line - 1]), \
            f"README says `{code}` is at {path}:{line}, but that line is {lines[line - 1].strip()!r}"


def test_each_cell_file_has_its_step_functions_and_both_products_in_the_table():
    rows = table_rows()
    for path, G in (("minirnn/rnn.py", "H"), ("minirnn/lstm.py", "4 * H"), ("minirnn/gru.py", "3 * H")):
        codes = {code for code, p, _ in rows if p == path}
        assert "hh = h_prev @ Wh" in codes, f"{path}: the recurrent product (step forward) has no row"
        assert f"xw = (x @ Wx + b).reshape(T, B, {G})" in codes, f"{path}: the input product has no row"
        assert any("Wh_T" in code for code in codes), f"{path}: the step backward has no row"


def test_the_table_row_parser_catches_a_stale_line(tmp_path):
    """The check can fail: a row that points one line off is reported."""
    code, path, line = next(r for r in table_rows() if r[1] == "minirnn/rnn.py")
    lines = (ROOT / path).read_text().splitlines()
    assert code in code_part(lines[line - 1]) and code not in code_part(lines[line])


def test_the_first_screen_has_the_two_commands():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert "pip install -e . && minirnn demo" in head
    assert 'pip install -e ".[test]" && python -m pytest' in head

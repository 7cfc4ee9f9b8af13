"""The README's math-to-code table points at real lines, so it cannot silently drift when the code moves.

Each row is `| equation | plain form | where | engine | where |`: the equation, the line of the plain
cell (minirnn/plain/) that computes it, and the engine's line, each with its `file:line`. Either side
may be empty where that form has no such line (the engine's mask, the plain loop's running sums).
Each named line must hold that code (scripts/update_readme_lines.py refreshes the numbers).
"""
from pathlib import Path

from minirnn.read.readme import code_part, parse_row  # noqa: F401  the one parser, shared with `minirnn read`

ROOT = Path(__file__).resolve().parent.parent


def table_entries():
    """[(equation, [(code, path, line), ...]), ...]: every row of the README's table."""
    return [r for r in map(parse_row, (ROOT / "README.md").read_text().splitlines()) if r]


def table_rows():
    """Every (code, path, line) the table names, plain and engine alike."""
    return [place for _, places in table_entries() for place in places]


def test_every_row_lands_on_the_line_that_computes_its_equation():
    rows = table_rows()
    assert len(rows) >= 60, "the math-to-code table lost its rows"
    for code, path, line in rows:
        lines = (ROOT / path).read_text().splitlines()
        assert 1 <= line <= len(lines), f"{path}:{line} is past the end of the file"
        assert code in code_part(lines[line - 1]), \
            f"README says `{code}` is at {path}:{line}, but that line is {lines[line - 1].strip()!r}"


def test_the_plain_side_points_into_the_plain_cells_and_the_engine_side_into_the_engine():
    for equation, places in table_entries():
        for code, path, _ in places:
            assert path.endswith(".py") and (ROOT / path).is_file(), path
    plain_paths = {path for _, places in table_entries() for _, path, _ in places if "/plain/" in path}
    assert plain_paths == {"minirnn/plain/rnn.py", "minirnn/plain/lstm.py", "minirnn/plain/gru.py"}


def test_each_cell_has_its_equations_in_both_forms():
    entries = table_entries()
    both = [(places[0], places[1]) for _, places in entries if len(places) == 2]
    for cell, G in (("rnn", "H"), ("lstm", "4 * H"), ("gru", "3 * H")):
        engine = {code for _, places in entries for code, p, _ in places if p == f"minirnn/{cell}.py"}
        plain = {code for _, places in entries for code, p, _ in places if p == f"minirnn/plain/{cell}.py"}
        assert "hh = h_prev @ Wh" in engine, f"{cell}: the engine's recurrent product has no row"
        assert f"xw = (x @ Wx + b).reshape(T, B, {G})" in engine, f"{cell}: the engine's input product has no row"
        assert any("Wh_T" in code for code in engine), f"{cell}: the engine's step backward has no row"
        assert any("Wh.T" in code for code in plain), f"{cell}: the plain step backward has no row"
        pairs = [(a, b) for a, b in both if a[1] == f"minirnn/plain/{cell}.py" and b[1] == f"minirnn/{cell}.py"]
        assert len(pairs) >= 5, f"{cell}: fewer than 5 equations show their plain and engine lines side by side"
        assert plain and engine


def test_the_table_row_parser_reads_both_sides_and_empty_ones():
    """The parser can fail: a row with one side empty keeps the other, a malformed row is no row."""
    full = "| `h_t = tanh(a_t)` | `h_t = np.tanh(a_t)` | `minirnn/plain/rnn.py:12` | `h = tanh(a)` | `minirnn/rnn.py:3` |"
    assert parse_row(full) == ("`h_t = tanh(a_t)`", [("h_t = np.tanh(a_t)", "minirnn/plain/rnn.py", 12),
                                                      ("h = tanh(a)", "minirnn/rnn.py", 3)])
    engine_only = "| padding | | | `h = m * h` | `minirnn/rnn.py:7` |"
    assert parse_row(engine_only) == ("padding", [("h = m * h", "minirnn/rnn.py", 7)])
    assert parse_row("| **LSTM** | | | | |") is None
    assert parse_row("| `x` | `y` | minirnn/rnn.py:3 | | |") is None       # a place without backticks


def test_a_stale_line_number_is_caught():
    code, path, line = next(r for r in table_rows() if r[1] == "minirnn/rnn.py")
    lines = (ROOT / path).read_text().splitlines()
    assert code in code_part(lines[line - 1]) and code not in code_part(lines[line])


def test_the_first_screen_has_the_two_commands():
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert "pip install -e . && minirnn demo" in head
    assert 'pip install -e ".[test]" && python -m pytest' in head


def test_the_reading_order_starts_plain():
    text = (ROOT / "README.md").read_text()
    order = text[text.index("Reading order"):]
    order = order[:order.index("\n\n")]
    spots = [order.index(name) for name in ("minirnn/plain/rnn.py", "minirnn/plain/lstm.py", "minirnn/plain/gru.py",
                                           "demos/plain_to_fast.py", "minirnn/rnn.py", "minirnn/recurrent.py")]
    assert spots == sorted(spots), "the reading order must go plain cells, walkthrough, engine"
    assert "minutes" not in order, "a reading time that was not measured"

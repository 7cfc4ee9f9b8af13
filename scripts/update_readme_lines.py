"""Refresh the line numbers in README.md's math-to-code table after the code moved.

    python scripts/update_readme_lines.py        # rewrites README.md in place, prints what changed

Each table row gives an equation and the lines that compute it, in the plain cell and in the engine,
each in backticks with its `path.py:line`. This finds the one line of that file holding the code
and fixes the number.
tests/test_readme.py fails when a number is stale.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_readme import ROOT, code_part, parse_row  # noqa: E402


def main():
    readme = ROOT / "README.md"
    out, problems = [], []
    for line in readme.read_text().splitlines():
        row = parse_row(line)
        for code, path, old in (row[1] if row else []):
            hits = [i + 1 for i, l in enumerate((ROOT / path).read_text().splitlines()) if code in code_part(l)]
            if len(hits) != 1:
                problems.append(f"{path}: `{code}` is on {len(hits)} lines {hits[:5]}, not exactly one")
            elif hits[0] != old:
                print(f"{path}:{old} -> {hits[0]}   {code}")
                line = line.replace(f"`{path}:{old}`", f"`{path}:{hits[0]}`")
        out.append(line)
    readme.write_text("\n".join(out) + "\n")
    if problems:
        raise SystemExit("\n".join(problems))


if __name__ == "__main__":
    main()

"""Refresh the line numbers in README.md's math-to-code table after the code moved.

    python scripts/update_readme_lines.py        # rewrites README.md in place, prints what changed

Each table row names a function (`lstm_cell_forward`, or `Adam.step` for a method) and a
`path.py:line`; this finds where that function is defined now and fixes the number.
tests/test_readme.py fails when a number is stale.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^(\|.*\|\s*`([\w.]+)`\s*\|\s*\[?`?([\w/]+\.py):)(\d+)")


def find(path, function):
    lines = (ROOT / path).read_text().splitlines()
    *cls, name = function.split(".")
    start = 0
    if cls:                                            # a method: look inside its class only
        start = next(i for i, l in enumerate(lines) if re.match(rf"class {cls[0]}\b", l))
    for i in range(start, len(lines)):
        if re.match(rf"\s*def {name}\(", lines[i]):
            return i + 1
    raise SystemExit(f"{function} not found in {path}")


def main():
    readme = ROOT / "README.md"
    out = []
    for line in readme.read_text().splitlines():
        m = ROW.match(line)
        if m:
            new = find(m.group(3), m.group(2))
            if new != int(m.group(4)):
                print(f"{m.group(2)}: {m.group(3)}:{m.group(4)} -> {new}")
            line = m.group(1) + str(new) + line[m.end():]
        out.append(line)
    readme.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

"""Render the README's "From plain to fast" section from the demo's results file.

    python scripts/readme_plain_to_fast.py                        # print the section
    python scripts/readme_plain_to_fast.py --write README.md      # replace that section of README.md in place

The results file is what `python demos/plain_to_fast.py --out benchmarks/results` writes
(benchmarks/results/plain_to_fast.json). So after a rerun the README's table, and every number in the
paragraphs around it, is what that run printed. tests/test_plain_to_fast.py fails when they differ.
"""
import argparse
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "plain_to_fast.json"
HEADING = "## From plain to fast"


def threads_label(n):
    return f"{n} thread{'s' if int(n) > 1 else ''}"


def render_table(res):
    """The results -> the markdown table: rewrite, what changed, ms and speed-up per thread count, max difference."""
    threads = [str(n) for n in res["threads"]]
    lines = ["| rewrite | what changed |" + "".join(f" {threads_label(n)}: ms, speed-up |" for n in threads)
             + " max rel. difference (float64) |",
             "|---|---|" + "---:|" * len(threads) + "---:|"]
    for i, r in enumerate(res["rows"]):
        diff = "reference" if i == 0 else f"{r['max_rel_diff']:.0e}"
        lines.append(f"| {r['name']} | {r['changed'].replace('*', chr(92) + '*')} |"
                     + "".join(f" {r['ms'][n]:.0f} ms, {r['speedup'][n]:.2f}x |" for n in threads) + f" {diff} |")
    return "\n".join(lines)


def render_section(res):
    """The whole section: heading, what the demo does, the table, the command, and why two threads differ."""
    one, two = (str(n) for n in (res["threads"][0], res["threads"][-1]))
    engine = res["rows"][-1]
    big, small, cell = res["pieces"]                        # the three pieces timed alone, in the demo's order
    gain = {p: ms[one] / ms[two] for p, ms in res["pieces"].items()}
    rate = res["pieces_gflops"]
    load = res["load_average"]
    best = ("So the products moved out of the loop are the work that uses a second core best."
            if gain[big] == max(gain.values()) else
            "In this run the hoisted product was not the piece that gained most; rerun on an idle machine.")
    return reflow(f"""{HEADING}

`minirnn/plain/lstm.py` is the LSTM as a textbook writes it: one loop with every matrix product inside.
`demos/plain_to_fast.py` turns it into the engine's `minirnn/lstm.py` one rewrite at a time, each in its
own `# %%` cell that shows only what changed. Each rewrite is checked against plain in float64 (the max
relative difference over the outputs and every gradient) and timed forward+backward at B={res['B']},
T={res['T']}, E={res['E']}, H={res['H']} in {res['dtype']} on one BLAS thread and on two, in turns with plain
(best of {res['repeats']} each); its speed-up is plain's time over its own. Plain's own row is plain
against itself: its distance from 1.00x is the noise.

{render_table(res)}

Printed by `{res['command']}` on {res['date']}, 1-minute load average {load[0]:.1f} at the start and
{load[1]:.1f} at the end (`benchmarks/results/plain_to_fast.md`).
`python scripts/readme_plain_to_fast.py --write README.md` copies a rerun here.

Why one thread and two tell different stories: rewrites 1 and 2 take four of the LSTM's six products
out of the loop (x_t W_x forward, dx_t, dW_x and dW_h backward: {res['moved_share']:.0%} of the
multiply-adds at these sizes) and do each as one product over all `B*T` rows. On one core that saves
each call's start-up and whatever a big product does better per multiply-add than a small one: timed
alone, the {res['T']} per-step products h_(t-1) W_h ran at {rate[small][one]:.0f} GFLOP/s, the hoisted x W_x at
{rate[big][one]:.0f}. So on one thread
the engine is {engine['speedup'][one]:.2f}x plain; its loop still holds h_(t-1) W_h, da_t W_h^T and the
element-wise cell (about 20 NumPy calls per step each way). A second thread helps these parts unequally:
the hoisted x W_x ran {gain[big]:.2f}x faster on two threads, the per-step products {gain[small]:.2f}x (short
calls, and the threads meet at every one), the element-wise cell {gain[cell]:.2f}x (each NumPy call runs on
one core). {best} On two threads the engine is {engine['speedup'][two]:.2f}x plain. On a GPU the last step is `kernels/lstm_cell.cu`:
the element-wise cell as one kernel each way.
""")


def reflow(text, width=100):
    """Fill each prose paragraph to `width` columns; headings and tables stay as they are."""
    blocks = text.strip("\n").split("\n\n")
    filled = [b if b.startswith(("#", "|")) else textwrap.fill(" ".join(b.split()), width, break_long_words=False,
                                                                 break_on_hyphens=False) for b in blocks]
    return "\n\n".join(filled) + "\n"


def replace_section(text, section):
    """text with its HEADING section (up to the next '## ' heading) replaced by section; appended if absent."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == HEADING]
    if not starts:
        return text.rstrip("\n") + "\n\n" + section
    end = next((j for j in range(starts[0] + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    return "".join(lines[:starts[0]]) + section + ("\n" + tail if tail else "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(RESULTS), help="the demo's .json (default: %(default)s)")
    parser.add_argument("--write", default=None, help="a markdown file whose section to replace (or create)")
    args = parser.parse_args(argv)
    try:
        res = json.loads(Path(args.results).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        sys.exit(f"readme_plain_to_fast.py: cannot read {args.results}: {e}")
    section = render_section(res)
    if args.write is None:
        print(section, end="")
        return
    path = Path(args.write)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(replace_section(old, section) if old.strip() else section, encoding="utf-8")
    print(f"wrote the '{HEADING[3:]}' section of {path}")


if __name__ == "__main__":
    main()

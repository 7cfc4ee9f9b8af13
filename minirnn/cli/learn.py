"""The `minirnn gradcheck`, `minirnn exercise` and `minirnn check` commands (minirnn.cli registers
them with add_parsers; the work is done in minirnn.learn).

    minirnn gradcheck [--cell rnn|lstm|gru|all] [--layers N] [--bidirectional] [--mask] [--torch]
    minirnn gradcheck --plain [--cell rnn|lstm|gru|all] [--torch]     the textbook cells of minirnn/plain/
    minirnn exercise NAME [--guided] [--solution] [--out FILE] [--force]     NAME: rnn, lstm, gru, ...
    minirnn exercise --list
    minirnn check FILE [--hint] [--timeout S] [--seed N]

Exit codes: 0 when everything checked is right, 1 when something is wrong, 2 for bad arguments.
"""
import os
import sys

from .common import positive_float

CELL_CHOICES = ("rnn", "lstm", "gru")


def add_parsers(subparsers):
    """Register "gradcheck", "exercise" and "check"; each sets func=callable(args) -> exit code."""
    p = subparsers.add_parser("gradcheck", help="check every gradient against finite differences (and torch)")
    p.add_argument("--cell", choices=CELL_CHOICES + ("all",), default="all")
    p.add_argument("--layers", type=int, default=1, help="L: stacked layers (default 1)")
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--mask", action="store_true", help="pad some sequences (at the end and at the start)")
    p.add_argument("--torch", action="store_true", help="also compare with torch.nn (needs PyTorch)")
    p.add_argument("--plain", action="store_true", help="check the textbook cells of minirnn/plain/ "
                                                        "(one layer, one direction, no mask)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_gradcheck)

    p = subparsers.add_parser("exercise", help="write an exercise file to fill in (--list: what there is)",
                              description="Write an exercise file to fill in. Derive mode (the default) gives "
                                          "the forward equations, the shapes and, for each backward quantity, "
                                          "the forward line it comes back through; --guided gives the formulas.")
    p.add_argument("name", nargs="?", help="the exercise: rnn, lstm, gru, or another from --list")
    p.add_argument("--list", action="store_true", help="list the exercises: what each is, teaches, and its size")
    p.add_argument("--guided", action="store_true", help="write every formula into the docstrings")
    p.add_argument("--out", default=None, help="the file to write (default NAME_exercise.py, "
                                                "or NAME_solution.py with --solution)")
    p.add_argument("--solution", action="store_true", help="write the completed file instead")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(func=run_exercise)

    p = subparsers.add_parser(
        "check", help="check an exercise file: what is right, the first thing wrong, why",
        description="Run the functions of an exercise file on small random inputs, compare every quantity, "
                    "in the order each depends on the last, and name the first wrong one (and its gate block) "
                    "with the first tier of a hint. Exit 0 when all is right, 1 otherwise.")
    p.add_argument("file")
    p.add_argument("--hint", action="store_true",
                   help="show one more tier of the hint for the first wrong quantity, up to its formula. The "
                        "tier reached is kept per file in $MINIRNN_CACHE/hints.json (default "
                        "~/.cache/minirnn/hints.json) and starts again once that quantity is right")
    p.add_argument("--timeout", type=positive_float, default=20.0,
                   help="seconds each of your functions may run before the check stops it (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    p.set_defaults(func=run_check)


def run_gradcheck(args):
    from ..learn import gradcheck_cmd
    if args.layers < 1:
        raise ValueError(f"--layers must be >= 1, got {args.layers}")
    cells = list(CELL_CHOICES) if args.cell == "all" else [args.cell]
    failed = gradcheck_cmd.run(cells, layers=args.layers, bidirectional=args.bidirectional, mask=args.mask,
                               torch=args.torch, plain=args.plain, seed=args.seed)
    return 1 if failed else 0


def exercise_table():
    """(name, size, concept, description) of every exercise: the cells', then pieces.py's."""
    from ..learn import check, exercises
    rows = [(c, exercises.size(c), exercises.INFO[c]["concept"], exercises.INFO[c]["description"])
            for c in exercises.CELLS]
    if check.pieces is not None:
        rows += [(n, i["size"], i["concept"], i["description"]) for n, i in check.pieces.PIECES.items()]
    return rows


def run_exercise(args):
    from ..learn import check, exercises
    rows = exercise_table()
    if args.list:
        widths = [max(len(r[k]) for r in rows + [("exercise", "size", "concept")]) for k in range(3)]
        print(f"{'exercise':<{widths[0]}}  {'size':<{widths[1]}}  {'concept':<{widths[2]}}  description")
        for r in rows:
            print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}")
        print("write one: minirnn exercise NAME [--guided]; check it: minirnn check NAME_exercise.py")
        return 0
    names = [r[0] for r in rows]
    if args.name is None:
        raise ValueError(f"name an exercise ({', '.join(names)}), or see them all with --list")
    if args.name not in names:
        raise ValueError(f"no exercise {args.name!r}: choose one of {', '.join(names)} (minirnn exercise --list)")
    if args.name in exercises.CELLS:
        text = exercises.exercise_text(args.name, guided=args.guided, solution=args.solution)
    else:
        text = check.pieces.exercise_text(args.name, guided=args.guided, solution=args.solution)
    path = args.out or f"{args.name.replace('-', '_')}_{'solution' if args.solution else 'exercise'}.py"
    if os.path.exists(path) and not args.force:
        raise ValueError(f"{path} exists (your work?); choose another --out, or add --force to overwrite it")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    if args.solution:
        print(f"wrote {path}: the completed {args.name} exercise. Check it: minirnn check {path}")
    else:
        mode = ("guided: the formulas are in the docstrings" if args.guided else
                "derive mode: the docstrings give hints, --guided gives the formulas")
        print(f"wrote {path} ({mode}): fill in every function marked 'your code', then run: minirnn check {path}")
    return 0


def run_check(args):
    from ..learn.check import check_any
    return check_any(args.file, seed=args.seed, hint=args.hint, timeout=args.timeout)


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m minirnn.cli.learn", description=__doc__.split("\n")[0])
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""The `minirnn gradcheck`, `minirnn exercise` and `minirnn check` commands (minirnn.cli registers
them with add_parsers; the work is done in minirnn.learn).

    minirnn gradcheck [--cell rnn|lstm|gru|all] [--layers N] [--bidirectional] [--mask] [--torch]
    minirnn gradcheck --plain [--cell rnn|lstm|gru|all] [--torch]     the textbook cells of minirnn/plain/
    minirnn exercise rnn|lstm|gru [--out FILE] [--solution] [--force]
    minirnn check FILE [--cell rnn|lstm|gru]

Exit codes: 0 when everything checked is right, 1 when something is wrong, 2 for bad arguments.
"""
import os
import sys

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

    p = subparsers.add_parser("exercise", help="write a file with a cell's forward/backward to fill in")
    p.add_argument("cell", choices=CELL_CHOICES)
    p.add_argument("--out", default=None, help="the file to write (default CELL_exercise.py, "
                                                "or CELL_solution.py with --solution)")
    p.add_argument("--solution", action="store_true", help="write the completed file instead")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(func=run_exercise)

    p = subparsers.add_parser("check", help="check an exercise file: what is right, the first thing wrong, why")
    p.add_argument("file")
    p.add_argument("--cell", choices=CELL_CHOICES, default=None, help="default: read from the file")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_check)


def run_gradcheck(args):
    from ..learn import gradcheck_cmd
    if args.layers < 1:
        raise ValueError(f"--layers must be >= 1, got {args.layers}")
    cells = list(CELL_CHOICES) if args.cell == "all" else [args.cell]
    failed = gradcheck_cmd.run(cells, layers=args.layers, bidirectional=args.bidirectional, mask=args.mask,
                               torch=args.torch, plain=args.plain, seed=args.seed)
    return 1 if failed else 0


def run_exercise(args):
    from ..learn.exercises import exercise_text
    path = args.out or f"{args.cell}_{'solution' if args.solution else 'exercise'}.py"
    if os.path.exists(path) and not args.force:
        raise ValueError(f"{path} exists (your work?); choose another --out, or add --force to overwrite it")
    with open(path, "w", encoding="utf-8") as f:
        f.write(exercise_text(args.cell, solution=args.solution))
    if args.solution:
        print(f"wrote {path}: the completed {args.cell} exercise. Check it: minirnn check {path}")
    else:
        print(f"wrote {path}: fill in every part marked 'your code' (the equations are in each function's "
              f"docstring), then run: minirnn check {path}")
    return 0


def run_check(args):
    from ..learn.check import check_file
    return check_file(args.file, cell=args.cell, seed=args.seed)


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m minirnn.cli.learn", description=__doc__.split("\n")[0])
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""`minirnn charlm ...`: train a character-level language model on any UTF-8 text, and sample from it.

    minirnn charlm train --data tinyshakespeare.txt --minutes 30
    minirnn charlm train --data tinyshakespeare.txt --resume runs/charlm --minutes 10
    minirnn charlm sample --checkpoint runs/charlm --prime "ROMEO:" --temperature 0.8 --length 500

A run folder holds two checkpoints: charlm.npz, the latest weights (--resume continues it), and
charlm-best.npz, the weights with the lowest validation loss (sample reads it). Both commands
take the folder or either file, and say which one they use.

minirnn/cli/__init__.py calls add_parser(subparsers); `python -m minirnn.cli.charlm charlm ...` runs this file alone.
Exit codes: 0 done, 2 bad input (a message on stderr, no traceback), 130 stopped by Ctrl-C
after saving a checkpoint.
"""
import argparse
import os
import sys
from pathlib import Path

from ..apps.charlm_train import DEFAULTS, SCHEDULES
from .common import add_threads_arg, positive_float

SHIPPED_TEXT = Path(__file__).resolve().parents[1] / "data" / "tiny_text.txt"
SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"


def add_parser(subparsers):
    """Register "charlm" with its sub-commands "train" and "sample" on an argparse subparsers object."""
    p = subparsers.add_parser("charlm", help="character-level language model (train, sample)",
                              description="Character-level language model (min-char-rnn, grown up).")
    sub = p.add_subparsers(dest="charlm_command", metavar="{train,sample}")
    sub.required = True

    t = sub.add_parser("train", help="train on a UTF-8 text file (last 10%% held out for validation)")
    t.add_argument("--data", help="UTF-8 text file (optional with --resume: the checkpoint's file)")
    t.add_argument("--model", choices=("rnn", "lstm", "gru"), default=DEFAULTS["cell"])
    t.add_argument("--layers", type=int, default=DEFAULTS["num_layers"], help="stacked recurrent layers")
    t.add_argument("--hidden", type=int, default=DEFAULTS["hidden"], help="hidden units H")
    t.add_argument("--embed", type=int, default=DEFAULTS["embed"], help="embedding size E")
    t.add_argument("--seq-len", type=int, default=DEFAULTS["seq_len"], help="truncated-BPTT steps S")
    t.add_argument("--batch", type=int, default=DEFAULTS["batch"], help="parallel streams B")
    t.add_argument("--minutes", type=positive_float, default=5.0, help="wall-time budget (fractions allowed)")
    t.add_argument("--max-steps", type=int, default=None, help="stop after this many updates in total")
    t.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    t.add_argument("--optimizer", choices=("adam", "adamw", "adagrad"), default=DEFAULTS["optimizer"])
    t.add_argument("--weight-decay", type=float, default=DEFAULTS["weight_decay"],
                   help="adamw: the weights shrink by lr * this per update (decoupled); adam, adagrad: L2")
    t.add_argument("--clip", type=float, default=DEFAULTS["clip"], help="max global gradient norm")
    t.add_argument("--lr-schedule", choices=SCHEDULES, default=DEFAULTS["lr_schedule"],
                   help="learning rate over the budget (--minutes / --max-steps), from --lr down to the floor")
    t.add_argument("--lr-floor", type=float, default=DEFAULTS["lr_floor"],
                   help="the rate at the end of the budget, as a fraction of --lr")
    t.add_argument("--lr-decay-start", type=float, default=DEFAULTS["lr_decay_start"],
                   help="fraction of the budget at the peak --lr before the decay begins")
    t.add_argument("--dropout", type=float, default=DEFAULTS["dropout"], help="after every recurrent layer")
    t.add_argument("--embed-dropout", type=float, default=DEFAULTS["embed_dropout"], help="on the embeddings")
    t.add_argument("--eval-every", type=int, default=DEFAULTS["eval_every"],
                   help="updates between validation, sample and checkpoint")
    t.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    t.add_argument("--out", default=None, help="folder for charlm.npz (latest), charlm-best.npz (best validation), "
                   "loss_curve.png, samples.txt (default runs/charlm, or with --resume the checkpoint's folder)")
    t.add_argument("--resume", metavar="CKPT",
                   help="continue from this checkpoint, or a run folder's latest one (its settings are kept)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="gpu: the CuPy backend")
    add_threads_arg(t)
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="generate text from a trained checkpoint")
    s.add_argument("--checkpoint", required=True,
                   help="a checkpoint file, or a run folder (its best-validation checkpoint, charlm-best.npz)")
    s.add_argument("--prime", default="\n", help="text to warm the hidden state on (default a newline)")
    s.add_argument("--temperature", type=float, default=0.8, help="0 = greedy (argmax)")
    s.add_argument("--length", type=int, default=500, help="characters to generate")
    s.add_argument("--top-k", type=int, default=None, help="draw only from the k likeliest characters")
    s.add_argument("--seed", type=int, default=None, help="a fixed seed gives the same text every time")
    s.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="gpu: the CuPy backend")
    add_threads_arg(s)
    s.set_defaults(func=cmd_sample)
    return p


def _use_device(args):
    if args.device == "gpu":
        from ..backend import set_backend
        set_backend("cupy")                        # a clear RuntimeError without CuPy or a GPU


def _fail(message):
    print(f"minirnn charlm: error: {message}", file=sys.stderr)
    return 2


def _no_data_message():
    shipped = os.path.relpath(SHIPPED_TEXT)
    shipped = SHIPPED_TEXT if shipped.startswith("..") else shipped       # relative only when below here
    return (f"--data FILE is required (a UTF-8 text file): try --data {shipped} (shipped, 45 KB of Coriolanus), "
            f"or tiny-shakespeare (1.1 MB; download {SHAKESPEARE_URL})")


def cmd_train(args):
    from ..apps.charlm import load_text
    from ..apps.charlm_train import Config, find_checkpoint, load_checkpoint, train
    try:
        for name in ("layers", "hidden", "embed", "seq_len", "batch", "eval_every"):
            if getattr(args, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
        if args.minutes <= 0:
            raise ValueError(f"--minutes must be > 0, got {args.minutes}")
        if args.max_steps is not None and args.max_steps < 1:
            raise ValueError(f"--max-steps must be >= 1, got {args.max_steps}")
        if not args.data and not args.resume:
            raise ValueError(_no_data_message())
        _use_device(args)
        data, resume = args.data, args.resume and find_checkpoint(args.resume, "latest")
        if resume:
            config = load_checkpoint(resume)[3]
            data = data or config.get("data")
            if not data:
                raise ValueError(_no_data_message())
        else:
            config = Config(cell=args.model, num_layers=args.layers, hidden=args.hidden, embed=args.embed,
                            dropout=args.dropout, embed_dropout=args.embed_dropout, seq_len=args.seq_len,
                            batch=args.batch, lr=args.lr, lr_schedule=args.lr_schedule, lr_floor=args.lr_floor,
                            lr_decay_start=args.lr_decay_start,
                            optimizer=args.optimizer, weight_decay=args.weight_decay, clip=args.clip,
                            eval_every=args.eval_every, seed=args.seed)
        text = load_text(data)
        if not resume:
            config["data"] = data
        out = args.out or (os.path.dirname(os.path.abspath(resume)) if resume else "runs/charlm")
        result = train(text, config, out, minutes=args.minutes, max_steps=args.max_steps,
                       resume=resume, verbose=not args.quiet)
    except (ValueError, OSError, RuntimeError) as e:
        return _fail(e)
    except KeyboardInterrupt:                      # outside the training loop (e.g. the final validation)
        print("minirnn charlm: interrupted", file=sys.stderr)
        return 130
    return 130 if result["interrupted"] else 0


def cmd_sample(args):
    from ..apps.charlm import sample
    from ..apps.charlm_train import describe, find_checkpoint, load_checkpoint
    try:
        if args.length < 0:
            raise ValueError(f"--length must be >= 0, got {args.length}")
        _use_device(args)
        path = find_checkpoint(args.checkpoint, "best")
        model, _, vocab, config, run = load_checkpoint(path)
        print(f"[sampling from {describe(path, run)}]", file=sys.stderr)
        text = sample(model, vocab, args.length, prime=args.prime, temperature=args.temperature,
                      top_k=args.top_k, seed=args.seed)
    except (ValueError, OSError, RuntimeError) as e:
        return _fail(e)
    print(text)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="minirnn")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""The `minirnn` command.

    minirnn demo                                   the IMDB exercise on the shipped sample (~20 s)
    minirnn download imdb                          the official archive, verified, into ~/.cache/minirnn
    minirnn train --model lstm --data imdb --out runs/lstm [--resume runs/lstm/checkpoint.npz]
    minirnn compare --models rnn,lstm,gru --data imdb --out runs/compare
    minirnn predict --checkpoint runs/lstm/checkpoint.npz "What a wonderful film." ...
    minirnn charlm train|sample ...                character-level language model (minirnn.cli.charlm)
    minirnn trace --cell lstm                      print every number of a tiny forward and backward pass
    minirnn viz grads|gates|memory|hidden ...      pictures of the recurrence (minirnn.cli.viz)
    minirnn notebooks --out notebooks              every demo as a Jupyter notebook (minirnn.cli.notebooks)
    minirnn read [lstm] [--open]                   each equation beside its line, as web pages (offline)

Exit codes: 0 done; 2 bad input (one line on stderr naming it, no traceback), checked before any
data is read; 1 another system error (network, disk); 130 stopped by Ctrl-C, keeping what finished.
"""
import argparse
import os
import shlex
import sys

from . import (charlm as cli_charlm, learn as cli_learn, notebooks as cli_notebooks, read as cli_read,
               viz as cli_viz)
from .common import (add_threads_arg, fraction, int_at_least, nonnegative_float, nonnegative_int,
                     positive_float, positive_int, prepare_out, remove_if_empty, use_device, use_threads)
from ..apps import sentiment
from ..recurrent import CELLS

# The demo: small enough to train SimpleRNN and LSTM on the shipped 2,000 reviews in about 20 seconds
# on 2 CPU cores. A small vocabulary, embedding and dropout, because 2,000 reviews overfit quickly.
# The learning rate decays by 0.8 per epoch: measured on the sample, the last epoch's test accuracy
# went from 0.542 to 0.589 (SimpleRNN) and from 0.761 to 0.811 (LSTM).
DEMO = dict(num_words=2000, embed_dim=16, hidden=32, dropout=0.3, lr=3e-3, lr_decay=0.8, weight_decay=1e-4,
            epochs=8, batch_size=32, maxlen=200)
DEMO_REVIEWS = [
    "One of the best films I have seen in years. The acting is superb and the story moved me to tears.",
    "A dull, predictable mess. I was bored from start to finish and the ending made no sense.",
    "Not great, not terrible. Some good moments, but it drags in the middle.",
    "I loved every minute of it: funny, warm and beautifully shot. Highly recommended!",
    "The worst movie I have ever watched. Awful script, awful acting, a waste of two hours.",
]
LR_HELP = ", ".join(f"{c} {lr:g}" for c, lr in sentiment.LEARNING_RATES.items())


class Parser(argparse.ArgumentParser):
    """Bad arguments get one line naming the problem (and where help is), not the whole usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows every option's default (ArgumentDefaultsHelpFormatter), but not 'None' or 'False'."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or action.default == argparse.SUPPRESS \
                or "%(default)" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _add_run_args(p, defaults):
    p.add_argument("--data", default=None,
                   help="'imdb' (the archive `minirnn download imdb` fetched), an aclImdb folder, "
                        "aclImdb_v1.tar.gz or a review,sentiment CSV (default: the 2,000 + 1,000 reviews "
                        "shipped with minirnn)")
    p.add_argument("--epochs", type=positive_int, default=defaults["epochs"], help="passes over the training reviews")
    p.add_argument("--maxlen", type=positive_int, default=defaults["maxlen"],
                   help="T: words kept per review (its last ones)")
    p.add_argument("--num-words", type=int_at_least(3), default=defaults["num_words"],
                   help="V: vocabulary size, >= 3 (ids 0 and 1 are padding and <unk>)")
    p.add_argument("--embed", type=positive_int, default=defaults["embed_dim"], help="E: embedding size")
    p.add_argument("--hidden", type=positive_int, default=defaults["hidden"], help="H: recurrent units")
    p.add_argument("--bidirectional", action="store_true", help="read each review both ways")
    p.add_argument("--batch-size", type=positive_int, default=defaults["batch_size"], help="reviews per update")
    p.add_argument("--lr", type=positive_float, default=defaults["lr"],
                   help=f"Adam's learning rate (default: per model, {LR_HELP})")
    p.add_argument("--lr-decay", type=positive_float, default=defaults["lr_decay"],
                   help="epoch e trains at lr * lr_decay**e")
    p.add_argument("--dropout", type=fraction, default=defaults["dropout"], help="dropout on the embeddings")
    p.add_argument("--weight-decay", type=nonnegative_float, default=defaults["weight_decay"],
                   help="L2 on every weight, through Adam")
    p.add_argument("--clip-norm", type=nonnegative_float, default=defaults["clip_norm"],
                   help="clip the global gradient norm to this (0 = no clipping)")
    p.add_argument("--padding", choices=["pre", "post"], default=defaults["padding"], help="where padding goes")
    p.add_argument("--no-mask", action="store_true", help="read padding too (the classic pitfall)")
    p.add_argument("--validation-split", type=fraction, default=defaults["validation_split"],
                   help="hold out this part of the training reviews and score it after every epoch")
    p.add_argument("--keep-last", action="store_true",
                   help="keep the last epoch's weights, not those of the best validation epoch")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="use only this many train and test reviews (quick runs)")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="initial weights, shuffling, dropout and the validation split")
    _add_common_args(p)


def _add_common_args(p):
    p.add_argument("--device", choices=["cpu", "gpu"], default=None,
                   help="cpu = NumPy, gpu = CuPy (default: cpu, or MINIRNN_BACKEND)")
    add_threads_arg(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars (results are still printed)")


def _config(args, cell):
    return sentiment.Config(
        cell=cell, bidirectional=args.bidirectional, num_words=args.num_words, embed_dim=args.embed,
        hidden=args.hidden, maxlen=args.maxlen, padding=args.padding, mask=not args.no_mask,
        dropout=args.dropout, weight_decay=args.weight_decay, lr=args.lr, lr_decay=args.lr_decay,
        batch_size=args.batch_size, epochs=args.epochs, clip_norm=args.clip_norm or None,
        validation_split=args.validation_split, keep_best=not args.keep_last,
        seed=args.seed, data=args.data, limit=args.limit)


def _command_line():
    return "minirnn " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def cmd_train(args):
    from ..apps import sentiment_train
    config = _config(args, args.model)                  # checks the settings before any data is read
    if args.resume is not None and not os.path.isfile(args.resume):
        raise FileNotFoundError(f"--resume {args.resume} does not exist")
    args.created = prepare_out(args.out)
    _, _, _, interrupted = sentiment_train.train(config, args.out, resume=args.resume, progress=not args.quiet)
    if interrupted:
        path = os.path.join(args.out, "checkpoint.npz")
        if os.path.exists(path):
            print(f"resume with: minirnn train --resume {shlex.quote(path)} --out {shlex.quote(args.out)} "
                  f"--epochs {args.epochs}")
        return 130
    return 0


def cmd_compare(args):
    from ..apps import sentiment_train
    cells = [c.strip() for c in args.models.split(",") if c.strip()]
    bad = [c for c in cells if c not in CELLS]
    if bad or not cells:
        raise ValueError(f"--models takes a comma list of {', '.join(sorted(CELLS))}; got {args.models!r}")
    config = _config(args, cells[0])
    args.created = prepare_out(args.out)
    try:
        sentiment_train.compare(cells, config, args.out, progress=not args.quiet, command=_command_line())
    except KeyboardInterrupt:
        print(f"interrupted: the finished models' checkpoints are in {args.out}/<model>/", file=sys.stderr)
        return 130
    return 0


def cmd_predict(args):
    texts = list(args.texts)
    if not texts or texts == ["-"]:
        if sys.stdin.isatty():
            print("reading reviews from stdin, one per line (end with Ctrl-D)", file=sys.stderr)
        texts = [line.strip() for line in sys.stdin if line.strip()]      # one review per line
        if not texts:
            raise ValueError("no reviews: give them as arguments, or one per line on stdin")
    empty = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(f"review {empty[0]} is empty: there is nothing to score")
    model, _, tokenizer, config, _, _ = sentiment.load(args.checkpoint)
    for i, text in enumerate(texts):
        if sentiment.known_words(tokenizer, text) == 0:
            print(f"warning: review {i + 1} has no word the model knows ({text[:40]!r}); its score says "
                  "nothing about it", file=sys.stderr)
    for text, (p, label) in zip(texts, sentiment.predict_texts(model, tokenizer, texts, config["maxlen"],
                                                                config["padding"])):
        print(f"{p:.3f}  {label:<8}  {text[:70]}")
    return 0


def cmd_demo(args):
    from ..apps import sentiment_train
    config = sentiment.Config(**dict(DEMO, data=args.data, epochs=args.epochs or DEMO["epochs"], limit=args.limit))
    args.created = prepare_out(args.out)
    print("The classic exercise on", args.data or "the shipped sample of 2,000 + 1,000 IMDB reviews")
    try:
        table = sentiment_train.compare(["rnn", "lstm"], config, args.out, progress=not args.quiet)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    best = table.loc[table["test_accuracy"].idxmax(), "model"]       # the first of equals, as max() would
    cell = {v: k for k, v in sentiment_train.NAMES.items()}[best]
    model, _, tokenizer, config, _, _ = sentiment.load(os.path.join(args.out, cell, "checkpoint.npz"))
    print(f"\n{best} on new reviews:")
    for text, (p, label) in zip(DEMO_REVIEWS, sentiment.predict_texts(model, tokenizer, DEMO_REVIEWS,
                                                                        config["maxlen"], config["padding"])):
        print(f"  {p:.3f}  {label:<8}  {text[:70]}")
    print(f"\nfigures: {os.path.join(args.out, 'comparison.png')}, {args.out}/<model>/training.png")
    return 0


def cmd_download(args):
    from ..datasets import imdb
    path = imdb.download(args.cache, url=args.url, sha256=args.sha256 or None, size=args.size or None,
                         progress=not args.quiet)
    print(f"{path} (verified); use it with --data imdb")
    return 0


def build_parser():
    parser = Parser(prog="minirnn", description="RNN, LSTM and GRU written out by hand.")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sentiment.DEFAULTS

    def add(name, **kw):
        return sub.add_parser(name, formatter_class=Formatter, **kw)

    p = add("train", help="train one IMDB sentiment model, then score the test set once",
            description="Train one IMDB sentiment model with the measured recipe; ends with "
                        "'test accuracy: ...', the test set scored once with the kept weights.")
    p.add_argument("--model", choices=sorted(CELLS), default="rnn", help="the recurrent layer")
    _add_run_args(p, d)
    p.add_argument("--out", default="runs/train", help="folder for checkpoint.npz and training.png")
    p.add_argument("--resume", default=None, help="a checkpoint.npz to continue from (its settings are kept)")
    p.set_defaults(func=cmd_train)

    p = add("compare", help="RNN vs LSTM vs GRU with the same settings",
            description="Train several models with the same settings and tabulate their test accuracy.")
    p.add_argument("--models", default="rnn,lstm,gru", help="comma list of rnn, lstm, gru")
    _add_run_args(p, d)
    p.add_argument("--out", default="runs/compare", help="folder for comparison.md/.csv/.png and <model>/")
    p.set_defaults(func=cmd_compare)

    p = add("predict", help="sentiment of new reviews (arguments, or stdin one per line)")
    p.add_argument("--checkpoint", required=True, help="a checkpoint.npz from `minirnn train`")
    p.add_argument("texts", nargs="*", help="reviews; none or '-' reads one per line from stdin")
    _add_common_args(p)
    p.set_defaults(func=cmd_predict)

    p = add("demo", help="the whole exercise on the shipped sample in about 20 seconds")
    p.add_argument("--data", default=None, help="as for `minirnn train` (default: the shipped sample)")
    p.add_argument("--epochs", type=positive_int, default=DEMO["epochs"], help="passes over the training reviews")
    p.add_argument("--limit", type=positive_int, default=None, help="use only this many train and test reviews")
    p.add_argument("--out", default="runs/demo", help="folder for the figures and checkpoints")
    _add_common_args(p)
    p.set_defaults(func=cmd_demo)

    p = add("download", help="fetch and verify a data set into the cache (~/.cache/minirnn)",
            description="Download the official IMDB archive (84 MB), check its size and sha256, and keep it "
                        "in the cache, where --data imdb finds it.")
    p.add_argument("dataset", choices=["imdb"], help="the data set")
    p.add_argument("--cache", default=None, help="cache folder (default: $MINIRNN_CACHE or ~/.cache/minirnn)")
    from ..datasets import imdb
    p.add_argument("--url", default=imdb.URL, help="where to fetch it from (a mirror, or a file:// path)")
    p.add_argument("--sha256", default=imdb.SHA256, help="expected sha256 ('' skips the check)")
    p.add_argument("--size", type=nonnegative_int, default=imdb.SIZE, help="expected bytes (0 skips the check)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_download)

    cli_charlm.add_parser(sub)                      # minirnn charlm train | sample
    cli_viz.add_parsers(sub)                        # minirnn trace ..., minirnn viz ...
    cli_learn.add_parsers(sub)                      # minirnn gradcheck, exercise, check
    cli_notebooks.add_parsers(sub, formatter_class=Formatter)   # minirnn notebooks
    cli_read.add_parser(sub)                        # minirnn read
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)          # bad arguments: argparse prints one line, exits 2
    args.created = []                               # --out folders this run made (removed if left empty)
    code = 1
    try:
        if getattr(args, "device", None) is not None:
            use_device(args.device)                 # --device cpu beats MINIRNN_BACKEND=cupy
        use_threads(getattr(args, "threads", None))
        code = args.func(args)
        return code
    except KeyboardInterrupt:
        print(f"\nminirnn {args.command}: interrupted", file=sys.stderr)
        code = 130
        return code
    except (ValueError, RuntimeError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
            PermissionError) as e:                  # bad input: one clear line, no traceback
        print(f"minirnn {args.command}: error: {e}", file=sys.stderr)
        code = 2
        return code
    except OSError as e:                            # the network, a full disk, ...
        print(f"minirnn {args.command}: error: {e}", file=sys.stderr)
        code = 1
        return code
    finally:
        if code != 0:
            remove_if_empty(args.created)

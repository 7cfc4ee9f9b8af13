"""The `minirnn` command.

    minirnn demo                                   the IMDB exercise on the shipped sample (~20 s)
    minirnn train --model lstm --epochs 5 --out runs/lstm [--data aclImdb_v1.tar.gz] [--resume F]
    minirnn compare --models rnn,lstm,gru --out runs/compare
    minirnn predict --checkpoint runs/lstm/checkpoint.npz "What a wonderful film." ...
    minirnn charlm train|sample ...                character-level language model (minirnn.cli.charlm)
    minirnn trace --cell lstm                      print every number of a tiny forward and backward pass
    minirnn viz grads|gates|memory|hidden ...      pictures of the recurrence (minirnn.cli.viz)
"""
import argparse
import os
import sys

from . import charlm as cli_charlm, learn as cli_learn, viz as cli_viz
from ..apps import sentiment
from ..backend import set_backend
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


def _add_data_args(p, defaults):
    p.add_argument("--data", default=None, help="aclImdb folder, aclImdb_v1.tar.gz or a review,sentiment CSV "
                                                "(default: the sample shipped with minirnn)")
    p.add_argument("--epochs", type=int, default=defaults["epochs"])
    p.add_argument("--maxlen", type=int, default=defaults["maxlen"], help="T: words kept per review (its last ones)")
    p.add_argument("--num-words", type=int, default=defaults["num_words"], help="V: vocabulary size")
    p.add_argument("--embed", type=int, default=defaults["embed_dim"], help="E: embedding size")
    p.add_argument("--hidden", type=int, default=defaults["hidden"], help="H: recurrent units")
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--batch-size", type=int, default=defaults["batch_size"])
    p.add_argument("--lr", type=float, default=defaults["lr"])
    p.add_argument("--lr-decay", type=float, default=defaults["lr_decay"], help="epoch e trains at lr * lr_decay**e")
    p.add_argument("--dropout", type=float, default=defaults["dropout"])
    p.add_argument("--weight-decay", type=float, default=defaults["weight_decay"])
    p.add_argument("--clip-norm", type=float, default=defaults["clip_norm"])
    p.add_argument("--padding", choices=["pre", "post"], default=defaults["padding"])
    p.add_argument("--no-mask", action="store_true", help="read padding too (the classic pitfall)")
    p.add_argument("--limit", type=int, default=None, help="use only this many train and test reviews")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu", help="gpu = the CuPy backend")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _config(args, cell):
    return sentiment.Config(
        cell=cell, bidirectional=args.bidirectional, num_words=args.num_words, embed_dim=args.embed,
        hidden=args.hidden, maxlen=args.maxlen, padding=args.padding, mask=not args.no_mask,
        dropout=args.dropout, weight_decay=args.weight_decay, lr=args.lr, lr_decay=args.lr_decay,
        batch_size=args.batch_size,
        epochs=args.epochs, clip_norm=args.clip_norm if args.clip_norm and args.clip_norm > 0 else None,
        seed=args.seed, data=args.data, limit=args.limit)


def cmd_train(args):
    from ..apps import sentiment_train
    config = _config(args, args.model)
    sentiment_train.train(config, args.out, resume=args.resume, verbose=not args.quiet)
    return 0


def cmd_compare(args):
    from ..apps import sentiment_train
    cells = [c.strip() for c in args.models.split(",") if c.strip()]
    bad = [c for c in cells if c not in CELLS]
    if bad or not cells:
        raise SystemExit(f"minirnn compare: --models takes a comma list of rnn, lstm, gru; got {args.models!r}")
    try:
        sentiment_train.compare(cells, _config(args, cells[0]), args.out, verbose=not args.quiet)
    except KeyboardInterrupt:
        print("interrupted: the finished models' checkpoints are in", args.out)
        return 130
    return 0


def cmd_predict(args):
    texts = list(args.texts)
    if not texts or texts == ["-"]:
        texts = [line.strip() for line in sys.stdin if line.strip()]      # one review per line
    if not texts:
        raise SystemExit("minirnn predict: give reviews as arguments, or one per line on stdin")
    model, _, tokenizer, config, _, _ = sentiment.load(args.checkpoint)
    for text, (p, label) in zip(texts, sentiment.predict_texts(model, tokenizer, texts, config["maxlen"],
                                                                config["padding"])):
        print(f"{p:.3f}  {label:<8}  {text[:70]}")
    return 0


def cmd_demo(args):
    from ..apps import sentiment_train
    config = sentiment.Config(**dict(DEMO, data=args.data, epochs=args.epochs or DEMO["epochs"], limit=args.limit))
    print("The classic exercise on", args.data or "the shipped sample of 2,000 + 1,000 IMDB reviews")
    rows = sentiment_train.compare(["rnn", "lstm"], config, args.out, verbose=not args.quiet)
    best = max(rows, key=lambda r: r["test_accuracy"])["model"]
    cell = {v: k for k, v in sentiment_train.NAMES.items()}[best]
    model, _, tokenizer, config, _, _ = sentiment.load(os.path.join(args.out, cell, "checkpoint.npz"))
    print(f"\n{best} on new reviews:")
    for text, (p, label) in zip(DEMO_REVIEWS, sentiment.predict_texts(model, tokenizer, DEMO_REVIEWS,
                                                                        config["maxlen"], config["padding"])):
        print(f"  {p:.3f}  {label:<8}  {text[:70]}")
    print(f"\nfigures: {os.path.join(args.out, 'comparison.png')}, {args.out}/<model>/training.png")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="minirnn", description="RNN, LSTM and GRU written out by hand.")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sentiment.DEFAULTS

    p = sub.add_parser("train", help="train one IMDB sentiment model")
    p.add_argument("--model", choices=sorted(CELLS), default="rnn")
    _add_data_args(p, d)
    p.add_argument("--out", default="runs/train", help="folder for checkpoint.npz and training.png")
    p.add_argument("--resume", default=None, help="a checkpoint.npz to continue from")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("compare", help="RNN vs LSTM vs GRU under the same budget")
    p.add_argument("--models", default="rnn,lstm,gru")
    _add_data_args(p, d)
    p.add_argument("--out", default="runs/compare")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("predict", help="sentiment of new reviews (arguments, or stdin one per line)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("texts", nargs="*")
    p.set_defaults(func=cmd_predict, device="cpu")

    p = sub.add_parser("demo", help="the whole exercise on the shipped sample in about 20 seconds")
    p.add_argument("--data", default=None)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--out", default="runs/demo")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    p.set_defaults(func=cmd_demo)

    cli_charlm.add_parser(sub)                      # minirnn charlm train | sample
    cli_viz.add_parsers(sub)                        # minirnn trace ..., minirnn viz ...
    cli_learn.add_parsers(sub)                      # minirnn gradcheck, exercise, check
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "device", "cpu") == "gpu":
            set_backend("cupy")
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as e:   # bad input: one clear line, no trace
        print(f"minirnn {args.command}: error: {e}", file=sys.stderr)
        return 2


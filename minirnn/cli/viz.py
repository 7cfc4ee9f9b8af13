"""The `minirnn trace` and `minirnn viz` commands (minirnn.cli registers them with add_parsers).

    minirnn trace --cell lstm --steps 3 --hidden 2 [--seed 0]     every number of a tiny forward + BPTT
                  [--plain] [--h0 random]              (--plain: the textbook cell's steps, minirnn/plain/)
    minirnn viz grads  [--out DIR]                     ||dL/dh_t|| over time: RNN, LSTM, GRU (~30 s)
    minirnn viz gates  [--checkpoint F] [--text T]     LSTM gates and cell state (adding problem or a review)
    minirnn viz hidden [--checkpoint F] [--text T]     hidden state per word and P(positive) after each word
    minirnn viz curves [--checkpoint F]                loss/accuracy per epoch and gradient norm per step
    minirnn viz memory [--lengths 10,50,100,200]       adding problem: MSE against T (minutes)
    minirnn viz all                                    all of the above (memory with a short budget)

Without --checkpoint, hidden/curves train a small LSTM on the shipped IMDB sample first (~15 s).
Each writes PNG files into --out (default viz/) and prints their paths. Standalone:
python -m minirnn.cli.viz trace --cell gru
"""
import argparse
import os
import sys

import numpy as np

DEFAULT_TEXT = ("One of the best films I have seen in years. The acting is superb and the story moved me, "
                "but the ending was slow, dull and a real disappointment.")


def add_parsers(subparsers):
    """Register "trace" and "viz" on an argparse subparsers object; each sets func=callable(args) -> int."""
    p = subparsers.add_parser("trace", help="print a tiny forward pass and BPTT, number by number")
    p.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="rnn")
    p.add_argument("--steps", type=int, default=3, help="T: time steps (default 3)")
    p.add_argument("--hidden", type=int, default=2, help="H: hidden units (default 2)")
    p.add_argument("--input", type=int, default=2, help="E: input features (default 2)")
    p.add_argument("--batch", type=int, default=1, help="B: sequences (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plain", action="store_true",
                   help="run the textbook cell's steps (minirnn/plain/) and compare them with the engine")
    p.add_argument("--h0", choices=("zero", "random"), default="zero", help="the initial state h_0 (and c_0)")
    p.set_defaults(func=run_trace)

    p = subparsers.add_parser("viz", help="pictures of the recurrence (PNG files)")
    p.add_argument("what", choices=("grads", "gates", "hidden", "curves", "memory", "all"))
    p.add_argument("--out", default="viz", help="folder for the PNG files (default viz/)")
    p.add_argument("--checkpoint", default=None, help="a sentiment checkpoint.npz (minirnn train) to look inside")
    p.add_argument("--text", default=DEFAULT_TEXT, help="the review to read (hidden, gates with --checkpoint)")
    p.add_argument("--lengths", default="10,50,100,200", help="memory: comma-separated sequence lengths T")
    p.add_argument("--steps", type=int, default=None,
                   help="training steps (grads: 500, gates: 500, memory: at most 3000 per run)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_viz)


def run_trace(args):
    from ..trace import trace
    trace(args.cell, steps=args.steps, hidden=args.hidden, input_size=args.input, batch=args.batch, seed=args.seed,
          plain=args.plain, h0=args.h0)
    return 0


# ---------------------------------------------------------------- viz

def quick_sentiment_model(cell="lstm", epochs=3, seed=0, verbose=False):
    """A small model trained briefly on the shipped IMDB sample. Returns (model, tokenizer, history, config)."""
    from ..apps import sentiment
    config = sentiment.Config(cell=cell, num_words=2000, embed_dim=16, hidden=32, maxlen=100, epochs=epochs,
                              batch_size=32, lr=3e-3, seed=seed)
    tokenizer, (x_train, y_train), _ = sentiment.load_data(config, progress=verbose)   # the test set stays unread
    model = sentiment.model_from_config(config)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=config["batch_size"],
                        validation_split=config["validation_split"], seed=seed, verbose=verbose)
    return model, tokenizer, history, config


def _sentiment(args):
    """(model, tokenizer, history, config) from --checkpoint, or a quick model (trained once per command)."""
    if getattr(args, "sentiment_model", None) is None:
        if args.checkpoint:
            from ..apps import sentiment
            model, _, tokenizer, config, _, history = sentiment.load(args.checkpoint)
            args.sentiment_model = (model, tokenizer, history, config)
        else:
            print("no --checkpoint: training a small LSTM on the shipped IMDB sample (~15 s) ...")
            args.sentiment_model = quick_sentiment_model(seed=args.seed, verbose=True)
    return args.sentiment_model


def viz_grads(args):
    from ..viz.grads import grad_norm_panels, plot_hidden_grad_norms
    panels = grad_norm_panels(T=50, steps=args.steps or 500, seed=args.seed)
    return [plot_hidden_grad_norms(panels, os.path.join(args.out, "grads.png"))]


def viz_gates(args):
    from ..backend import to_device
    from ..recurrent import LSTM, _Recurrent
    from ..viz.figures import plot_lstm_gates
    path = os.path.join(args.out, "gates.png")
    if args.checkpoint:
        from ..datasets import imdb
        model, tokenizer, _, config = _sentiment(args)
        layer = next(l for l in model.layers if isinstance(l, _Recurrent))
        if not isinstance(layer, LSTM) or layer.bidirectional:
            raise ValueError(f"viz gates needs a one-direction LSTM checkpoint, this one is {layer!r}; "
                             f"without --checkpoint it trains a small LSTM on the adding problem")
        ids = tokenizer.texts_to_sequences([imdb.clean(args.text)])[0][:60]
        x = model.layers[0].forward(to_device(np.asarray(ids, dtype=np.int64)[None]))   # (1, T) -> (1, T, E)
        words = [tokenizer.index_word.get(i, "?") for i in ids]
        return [plot_lstm_gates(layer, x, path, labels=words, title="Inside an LSTM reading one review")]
    from ..apps.tasks import adding_problem, train_adding
    T = 30
    print(f"training an LSTM on the adding problem (T={T}) ...")
    model = train_adding("lstm", T=T, steps=args.steps or 500, seed=args.seed)["model"]
    x, _ = adding_problem(1, T, rng=args.seed + 1)                 # (1, T, 2)
    marks = [int(t) for t in np.flatnonzero(x[0, :, 1])]
    labels = [f"{v:.2f}" + ("*" if m else "") for v, m in x[0]]
    return [plot_lstm_gates(model.rnn, x, path, labels=labels, marks=marks,
                            title=f"Inside an LSTM on the adding problem: the values at * must be added "
                                  f"(answer {model.predict(x)[0]:.2f}, true {x[0, marks, 0].sum():.2f})")]


def viz_hidden(args):
    from ..viz.figures import plot_hidden_states
    model, tokenizer, _, _ = _sentiment(args)
    return [plot_hidden_states(model, tokenizer, args.text, os.path.join(args.out, "hidden.png"))]


def viz_curves(args):
    from ..viz.plots import plot_history
    from ..viz.grads import plot_grad_norm_per_step
    model, _, history, config = _sentiment(args)
    name = config["cell"].upper()
    return [plot_history(history, os.path.join(args.out, "curves.png"), f"{name} on IMDB: loss and accuracy"),
            plot_grad_norm_per_step(history, os.path.join(args.out, "grad_norm_per_step.png"),
                                    clip_norm=config["clip_norm"], title=f"{name} on IMDB: gradient norm per step")]


def viz_memory(args, quick=False):
    from ..apps.tasks import memory_sweep
    from ..viz.figures import plot_memory
    try:
        lengths = [int(t) for t in args.lengths.split(",")]
    except ValueError:
        raise ValueError(f"--lengths must be comma-separated integers like 10,50,100, got {args.lengths!r}")
    if quick:
        lengths = [t for t in lengths if t <= 50] or lengths[:1]
    steps = args.steps or (1500 if quick else 3000)
    rows = memory_sweep(("rnn", "lstm", "gru"), lengths, steps=steps, seed=args.seed, target_mse=0.002)
    for r in rows:
        print(f"  {r['cell']:<5} T={r['T']:<4} test MSE {r['mse']:.4f} after {r['steps']} steps")
    return [plot_memory(rows, os.path.join(args.out, "memory.png"))]


def run_viz(args):
    jobs = {"grads": viz_grads, "gates": viz_gates, "hidden": viz_hidden, "curves": viz_curves, "memory": viz_memory}
    todo = list(jobs) if args.what == "all" else [args.what]
    try:
        for what in todo:
            if what == "memory" and args.what == "all":
                paths = viz_memory(args, quick=True)              # T <= 50 only: the full sweep takes minutes
            else:
                paths = jobs[what](args)
            for path in paths:
                print(f"wrote {path}")
    except (ValueError, OSError) as e:
        print(f"minirnn viz {args.what}: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minirnn.cli.viz", description=__doc__.split("\n")[0])
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

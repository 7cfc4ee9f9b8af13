"""IMDB accuracy: SimpleRNN, LSTM and GRU on the official 25k/25k split, and the padding pitfall,
trained by the same code as `minirnn train` / `minirnn compare` (minirnn.apps.sentiment_train.train),
with the same defaults (sentiment.DEFAULTS, the measured recipe) unless an option below changes one.

    python benchmarks/bench_imdb.py --runs rnn,lstm,gru      # = minirnn compare --models rnn,lstm,gru --data ...
    python benchmarks/bench_imdb.py --runs pitfall           # post-padded, no mask: the classic mistake
    python benchmarks/bench_imdb.py --runs lstm --lr 5e-4,1e-3   # a learning-rate search, chosen on validation
    python benchmarks/bench_imdb.py --data imdb              # the archive `minirnn download imdb` fetched

Model selection (the defaults): 10% of the training reviews are held out; the weights of the epoch
with the best accuracy on them are kept, and only those are scored on the test set, once. With
several learning rates in --lr, the rate whose best epoch scores best on validation is marked as
chosen; the test set is not consulted.

Targets (issue 3): test accuracy SimpleRNN >= 0.85, LSTM >= 0.88, GRU >= 0.88.

Adds its results to benchmarks/results/imdb.json and imdb.md (every run, with its command), and
draws the curves of this invocation's runs to benchmarks/results/imdb_<budget>_<runs>.png.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from minirnn.viz import plots
from minirnn.apps import sentiment, sentiment_train

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"
D = sentiment.DEFAULTS
RUNS = {
    "rnn": dict(cell="rnn"),                                  # Embedding -> SimpleRNN(64) -> Dense(64, relu) -> Dense(1, sigmoid)
    "lstm": dict(cell="lstm"),
    "gru": dict(cell="gru"),
    "pitfall": dict(cell="rnn", mask=False, padding="post"),  # the classic mistake
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--runs", default="rnn,lstm,gru", help=f"comma list of {', '.join(RUNS)} "
                                                           "('' rewrites imdb.md from imdb.json)")
    ap.add_argument("--epochs", type=int, default=D["epochs"])
    ap.add_argument("--maxlen", type=int, default=D["maxlen"])
    ap.add_argument("--bidirectional", action="store_true", help="every run reads both ways")
    ap.add_argument("--dropout", type=float, default=D["dropout"], help="dropout on the embeddings")
    ap.add_argument("--lr", default="", help="Adam's learning rate, or a comma list (each run trains at each, "
                                             "the best on validation is marked chosen); default: per model")
    ap.add_argument("--lr-decay", type=float, default=D["lr_decay"], help="epoch e trains at lr * lr_decay**e")
    ap.add_argument("--seed", type=int, default=0, help="initial weights, shuffling, dropout and the validation split")
    ap.add_argument("--val-fraction", type=float, default=D["validation_split"],
                    help="hold out this part of the training reviews; keep the epoch that scores best on it "
                         "(0: keep the last epoch)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results instead of adding to them")
    ap.add_argument("--out", default="runs/bench_imdb", help="checkpoints and per-model figures")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--limit", type=int, default=None, help="only this many reviews per split (a smoke test)")
    ap.add_argument("--results", default=str(HERE / "results"), help="folder for imdb.json / imdb.md")
    args = ap.parse_args()
    if args.data != "imdb" and not Path(args.data).exists():
        print(f"bench_imdb: {args.data} not found; skipping (pass --data aclImdb_v1.tar.gz)")
        return 0
    names = [n.strip() for n in args.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        raise SystemExit(f"bench_imdb: unknown run(s) {unknown}; known: {list(RUNS)}")
    threadpool_limits(args.threads)

    lrs = [float(v) for v in args.lr.split(",") if v.strip()] or [None]
    results, histories, datasets = [], {}, {}
    for name, lr in [(name, lr) for name in names for lr in lrs]:
        config = sentiment.Config(**dict(dict(epochs=args.epochs, maxlen=args.maxlen, data=args.data,
                                              limit=args.limit, bidirectional=args.bidirectional,
                                              dropout=args.dropout, lr=lr, lr_decay=args.lr_decay, seed=args.seed,
                                              validation_split=args.val_fraction), **RUNS[name]))
        key = (config["padding"], config["maxlen"])
        if key not in datasets:                          # read and tokenize once per padding mode
            datasets[key] = sentiment.load_data(config, progress=not args.quiet)
        t0, load_before = time.time(), os.getloadavg()[0]
        folder = os.path.join(args.out, name if len(lrs) == 1 else f"{name}_lr{lr:g}")
        model, _, history, interrupted = sentiment_train.train(config, folder, progress=not args.quiet,
                                                               data=datasets[key])
        if interrupted:
            return 130
        lr = sentiment.learning_rate(config)
        label = sentiment_train.model_name(config)
        histories[label + (f" lr {lr:g}" if len(lrs) > 1 else "")] = history
        results.append({"run": name, "model": label, "date": datetime.datetime.now().isoformat(timespec="minutes"),
                        "command": "python " + " ".join(shlex.quote(a) for a in sys.argv),
                        "test_accuracy": round(model.test["accuracy"], 4), "test_loss": round(model.test["loss"], 4),
                        "epoch_kept": model.best["epoch"] if config["keep_best"] else config["epochs"],
                        "val_fraction": args.val_fraction,
                        "val_accuracy_per_epoch": [round(a, 4) for a in history.get("val_accuracy", [])],
                        "seconds_per_epoch": round(sum(history["seconds"]) / len(history["seconds"]), 1),
                        "minutes_total": round((time.time() - t0) / 60, 1), "parameters": model.num_params(),
                        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                        "threads": args.threads,
                        "config": {**{k: v for k, v in config.items() if k not in ("data", "limit")}, "lr": lr}})
        print(f"{label} (lr {lr:g}): test accuracy {results[-1]['test_accuracy']}", flush=True)
    if len(lrs) > 1 and args.val_fraction:
        # The learning rate is chosen per model on the validation split only; the test set is not consulted.
        for name in names:
            runs = [r for r in results if r["run"] == name]
            best = max(runs, key=lambda r: max(r["val_accuracy_per_epoch"]))
            for r in runs:
                r["lr_grid"], r["chosen_on_val"] = lrs, r is best
            print(f"{best['model']}: lr {best['config']['lr']:g} chosen on validation "
                  f"({max(best['val_accuracy_per_epoch'])}); test accuracy {best['test_accuracy']}")

    # Add to the results of earlier invocations (one run per model can take an hour on 2 cores).
    # Every run is kept, reruns of the same settings included, so the table is the whole record
    # (and shows how much a rerun moves); --fresh starts a new one.
    results_dir = Path(args.results)
    budget = (f"T{args.maxlen}_e{args.epochs}" + ("_bi" if args.bidirectional else "")
              + (f"_do{args.dropout}" if args.dropout else "")
              + (f"_lr{args.lr.replace(',', '-')}" if args.lr else "")
              + (f"_decay{args.lr_decay:g}" if args.lr_decay != 1 else "")
              + (f"_seed{args.seed}" if args.seed else ""))
    path = results_dir / "imdb.json"
    path.parent.mkdir(exist_ok=True)
    old = [] if args.fresh or not path.exists() else json.loads(path.read_text())["results"]
    results = old + results
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    path.write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    rows = [{"date": r["date"], "model": r["model"], "maxlen": r["config"]["maxlen"], "epochs": r["config"]["epochs"],
             "dropout": r["config"]["dropout"], "lr": r["config"]["lr"],
             "lr_decay": r["config"].get("lr_decay", 1.0),
             "seed": r["config"]["seed"],
             "lr_chosen_on_val": ("" if "lr_grid" not in r else
                                  ("**yes**" if r["chosen_on_val"] else "no") + f" (of {', '.join(f'{v:g}' for v in r['lr_grid'])})"),
             "epoch_kept": (f"{r['epoch_kept']} (best on val)" if r.get("val_fraction")
                            else f"{r['config']['epochs']} (last)"),
             **{k: r[k] for k in ("test_accuracy", "test_loss", "seconds_per_epoch", "minutes_total", "parameters")}}
            for r in results]
    table = sentiment_train.markdown_table(rows)
    runs = "\n".join(f"- {r['model']} (T={r['config']['maxlen']}): "
                     f"{'validation' if r.get('val_fraction') else 'test'} accuracy per epoch "
                     f"{r['val_accuracy_per_epoch']}; {r['date']}; 1-minute load average before/after "
                     f"{r.get('load_average', '?')}; `{r['command']}`" for r in results)
    (results_dir / "imdb.md").write_text(
        f"IMDB, official 25k/25k split; {machine}. epoch_kept: with a validation split (10% of the\n"
        f"training reviews), the weights of the epoch that scored best on it, then scored once on the test\n"
        f"set; without one, the last epoch. A load average above ~2 means other work shared the cores.\n"
        f"Every run is listed, in the order run. Runs from 2026-11-25T15:00 on use cells whose float\n"
        f"rounding changed (the bias moved into the input product): the same settings then moved by up\n"
        f"to 0.006. Reruns with the same code and threads repeated their result exactly.\n\n"
        f"{table}\n\n{runs}\n")
    if histories:
        plots.plot_comparison(histories, str(results_dir / f"imdb_{budget}_{'_'.join(names)}.png"),
                              "IMDB, official 25k/25k split")
    print(table)
    print(f"wrote {results_dir / 'imdb.md'} and imdb.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""IMDB accuracy: SimpleRNN, LSTM and GRU on the official 25k/25k split, and the padding pitfall.

    python benchmarks/bench_imdb.py                                   # every run below (~1 h on 2 cores)
    python benchmarks/bench_imdb.py --runs rnn,pitfall --epochs 4     # some of them
    python benchmarks/bench_imdb.py --data path/to/aclImdb_v1.tar.gz

Targets (issue 3): test accuracy SimpleRNN >= 0.85, LSTM >= 0.88, GRU >= 0.88, each trained from
scratch under the same budget (same epochs, batch size, learning rate, vocabulary and maxlen).
"pitfall" trains the SimpleRNN the classic way: post-padded, no mask, so it reads the last time
step, which is padding for every review shorter than maxlen.

Writes benchmarks/results/imdb.json and imdb.md, and the curves to benchmarks/results/imdb.png.
The test set is used as the validation set per epoch (as the classic exercise does); the table
reports the last epoch's test accuracy, not the best one, so nothing is picked on the test set.
"""
import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

from minirnn import plots, sentiment, sentiment_train

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"

# The budget every model gets: the same data, vocabulary, maxlen, epochs, batch size and optimizer.
BUDGET = dict(num_words=10000, embed_dim=64, hidden=64, maxlen=200, padding="post", batch_size=64,
              lr=1e-3, clip_norm=5.0, dropout=0.0, epochs=4)
RUNS = {
    "rnn": dict(cell="rnn"),                                  # Embedding -> SimpleRNN(64) -> Dense(64, relu) -> Dense(1, sigmoid)
    "lstm": dict(cell="lstm"),
    "gru": dict(cell="gru"),
    "pitfall": dict(cell="rnn", mask=False, padding="post"),  # the classic mistake
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--runs", default=",".join(RUNS), help=f"comma list of {', '.join(RUNS)}")
    ap.add_argument("--epochs", type=int, default=BUDGET["epochs"])
    ap.add_argument("--out", default="runs/bench_imdb", help="checkpoints and per-model figures")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    if not Path(args.data).exists():
        print(f"bench_imdb: {args.data} not found; skipping (pass --data aclImdb_v1.tar.gz)")
        return 0
    names = [n.strip() for n in args.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        raise SystemExit(f"bench_imdb: unknown run(s) {unknown}; known: {list(RUNS)}")

    results, histories, datasets = [], {}, {}
    started = time.time()
    for name in names:
        config = sentiment.Config(**dict(BUDGET, epochs=args.epochs, data=args.data, **RUNS[name]))
        key = (config["padding"], config["maxlen"])
        if key not in datasets:                          # read and tokenize once per padding mode
            datasets[key] = sentiment.load_data(config, progress=not args.quiet)
        t0 = time.time()
        model, _, history, _ = sentiment_train.train(config, os.path.join(args.out, name),
                                                     verbose=not args.quiet, data=datasets[key])
        label = sentiment_train.model_name(config)
        histories[label] = history
        results.append({"run": name, "model": label, "test_accuracy": round(history["val_accuracy"][-1], 4),
                        "test_loss": round(history["val_loss"][-1], 4),
                        "val_accuracy_per_epoch": [round(a, 4) for a in history["val_accuracy"]],
                        "seconds_per_epoch": round(sum(history["seconds"]) / len(history["seconds"]), 1),
                        "minutes_total": round((time.time() - t0) / 60, 1), "parameters": model.num_params(),
                        "config": {k: v for k, v in config.items() if k not in ("data", "limit")}})
        print(f"{label}: test accuracy {results[-1]['test_accuracy']}", flush=True)

    HERE.joinpath("results").mkdir(exist_ok=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    meta = {"date": datetime.datetime.now().isoformat(timespec="minutes"), "machine": machine,
            "command": "python " + " ".join(sys.argv), "data": str(args.data),
            "minutes": round((time.time() - started) / 60, 1)}
    (HERE / "results" / "imdb.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    rows = [{k: r[k] for k in ("model", "test_accuracy", "test_loss", "seconds_per_epoch", "minutes_total",
                               "parameters")} for r in results]
    table = sentiment_train.markdown_table(rows)
    curves = "\n".join(f"- {r['model']}: test accuracy per epoch {r['val_accuracy_per_epoch']}" for r in results)
    (HERE / "results" / "imdb.md").write_text(
        f"{meta['date']}, {machine}\n`{meta['command']}`\n\n{table}\n\n{curves}\n")
    plots.plot_comparison(histories, str(HERE / "results" / "imdb.png"), "IMDB, official 25k/25k split")
    print(table)
    print(f"wrote {HERE / 'results' / 'imdb.md'}, imdb.json and imdb.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

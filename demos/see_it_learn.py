# %% [markdown]
# # See it learn: every picture of the recurrence, from one script
# About 1-2 minutes on 2 CPU cores.
#
#     python demos/see_it_learn.py                                  # figures into see_it_learn/
#     python demos/see_it_learn.py --checkpoint runs/lstm/checkpoint.npz --out figs
#
# What it draws, top to bottom:
# 1. `training.png`, `grad_norm_per_step.png`: a small LSTM learning IMDB sentiment: loss and accuracy
#    per epoch, and the gradient norm at every step
# 2. `hidden.png`: its hidden state after each word of one review, and P(positive) had the review
#    stopped there
# 3. `grads.png`: ||dL/dh_t|| against t for SimpleRNN, LSTM, GRU: at initialisation, after training,
#    with and without clipping
# 4. `gates.png`: an LSTM's input/forget/output gates and cell state on the adding problem: watch the
#    input gate open at the markers
# 5. `memory.png`: adding problem, MSE against T: the simple RNN fails where LSTM and GRU succeed
#    (the full sweep: benchmarks/bench_memory.py)
#
# To follow the arithmetic itself, number by number: `minirnn trace --cell lstm`.

# %%
import argparse
import os
import sys
import time

import numpy as np

from minirnn.viz import plots, figures as viz, grads as viz_grads
from minirnn.apps import sentiment, tasks

# %% [markdown]
# ## Hyperparameters

# %%
OUT = "see_it_learn"          # folder for the PNG files
CHECKPOINT = None             # a sentiment checkpoint (minirnn train ...); None = train a small model here
SENTIMENT = dict(cell="lstm", num_words=2000, embed_dim=16, hidden=32, maxlen=100, epochs=3,
                 batch_size=32, lr=3e-3, clip_norm=5.0)
REVIEW = ("One of the best films I have seen in years. The acting is superb and the story moved me, "
          "but the ending was slow, dull and a real disappointment.")
GRAD_T, GRAD_STEPS, CLIP = 50, 500, 1.0          # figure 3: sequence length, training steps, clip norm
GATES_T, GATES_STEPS = 30, 500                   # figure 4
MEMORY_T, MEMORY_STEPS = (10, 50), 1200          # figure 5 (the benchmark runs 10, 50, 100, 200)
SEED = 0
if os.environ.get("MINIRNN_TINY") == "1":       # the test suite's budget: every figure, in seconds
    SENTIMENT.update(epochs=1, maxlen=30, hidden=8, embed_dim=8, num_words=300, limit=64)
    GRAD_T, GRAD_STEPS, GATES_T, GATES_STEPS, MEMORY_T, MEMORY_STEPS = 8, 3, 8, 3, (5,), 3

parser = argparse.ArgumentParser(description="Draw every picture of the recurrence into one folder.")
parser.add_argument("--out", default=OUT)
parser.add_argument("--checkpoint", default=CHECKPOINT)
args = parser.parse_args([] if "ipykernel" in sys.modules else None)     # in Jupyter: the defaults above
os.makedirs(args.out, exist_ok=True)
written = []
t_start = time.perf_counter()

# %% [markdown]
# ## 1. A sentiment model and its training curves

# %%
if args.checkpoint:
    model, _, tokenizer, config, _, history = sentiment.load(args.checkpoint)
    print(f"loaded {args.checkpoint}: {config['cell']} after {len(history['loss'])} epochs")
else:
    config = sentiment.Config(seed=SEED, **SENTIMENT)
    tokenizer, (x_train, y_train), _ = sentiment.load_data(config)      # the test set is not needed here
    model = sentiment.model_from_config(config)
    print(f"training a small {config['cell'].upper()} on {len(x_train)} reviews of the shipped IMDB sample ...")
    history = model.fit(x_train, y_train, epochs=config["epochs"], batch_size=config["batch_size"],
                        validation_split=config["validation_split"], seed=SEED)   # validation: 10% of training
name = config["cell"].upper()
written.append(plots.plot_history(history, os.path.join(args.out, "training.png"), f"{name} on IMDB"))
written.append(viz_grads.plot_grad_norm_per_step(history, os.path.join(args.out, "grad_norm_per_step.png"),
                                                 clip_norm=config["clip_norm"],
                                                 title=f"{name} on IMDB: gradient norm per step"))

# %% [markdown]
# ## 2. The hidden state, word by word

# %%
if config["bidirectional"]:
    print("skipping hidden.png: a bidirectional model has no state 'after word t'")
else:
    written.append(viz.plot_hidden_states(model, tokenizer, REVIEW, os.path.join(args.out, "hidden.png")))

# %% [markdown]
# ## 3. Vanishing gradients: ||dL/dh_t|| against t

# %%
print(f"training SimpleRNN, LSTM and GRU on the adding problem (T={GRAD_T}), with and without clipping ...")
panels = viz_grads.grad_norm_panels(T=GRAD_T, steps=GRAD_STEPS, clip_norm=CLIP, seed=SEED)
written.append(viz_grads.plot_hidden_grad_norms(panels, os.path.join(args.out, "grads.png")))

# %% [markdown]
# ## 4. Inside an LSTM: gates and cell state

# %%
lstm = tasks.train_adding("lstm", T=GATES_T, steps=GATES_STEPS, seed=SEED)["model"]
x, y = tasks.adding_problem(1, GATES_T, rng=SEED + 1)                       # one sequence: (1, T, 2)
marks = [int(t) for t in np.flatnonzero(x[0, :, 1])]                        # the two marked steps
labels = [f"{v:.2f}" + ("*" if m else "") for v, m in x[0]]
written.append(viz.plot_lstm_gates(
    lstm.rnn, x, os.path.join(args.out, "gates.png"), labels=labels, marks=marks,
    title=f"Inside an LSTM on the adding problem: answer {lstm.predict(x)[0]:.2f}, true sum {y[0]:.2f}"))

# %% [markdown]
# ## 5. Who remembers across T steps?

# %%
rows = tasks.memory_sweep(("rnn", "lstm", "gru"), MEMORY_T, steps=MEMORY_STEPS, seed=SEED, target_mse=0.002)
for r in rows:
    print(f"  adding problem  {r['cell']:<5} T={r['T']:<4} test MSE {r['mse']:.4f}  "
          f"(always 1.0: {tasks.BASELINE_MSE:.3f})")
written.append(viz.plot_memory(rows, os.path.join(args.out, "memory.png"),
                               title=f"Adding problem: test MSE after at most {MEMORY_STEPS} steps"))

# %% [markdown]
# ## Where the figures are

# %%
print(f"\n{len(written)} figures in {os.path.abspath(args.out)} ({time.perf_counter() - t_start:.0f} s):")
for path in written:
    print("  " + path)

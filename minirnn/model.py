"""A Keras-like Sequential model: a stack of minirnn layers, with compile / fit / evaluate / predict.

    model = Sequential(
        Embedding(10000, 64),                 # id 0 is padding: the model derives the mask from it
        SimpleRNN(64, 64),                    # reads each review up to its last real word
        Dense(64, 64, activation="relu"),
        Dense(64, 1, activation="sigmoid"),
    )
    model.compile(optimizer="adam", lr=1e-3, loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, batch_size=64, validation_data=(x_val, y_val))

How data flows (x: ids (B, T) -> output (B, 1)):
    Embedding          ids (B, T) -> (B, T, E), and mask (B, T) = ids != padding_idx
    recurrent layer    (B, T, E) + mask -> (B, T, D*H) if another recurrent layer follows,
                       else its last layer's final state (B, D*H): each row's last *real* step
    Dense / Dropout    (B, ...) -> (B, ...)
A final Dense(..., activation="sigmoid") with loss "binary_crossentropy" is trained on the logit
(the Dense output before the sigmoid) with bce_with_logits: the same loss, but stable at any |logit|.

The training loop is train_step() below: short, on purpose, so it can be read and copied.
"""
import time

import numpy as np

from .backend import array_module, host_floats, to_device, to_numpy
from .layers import Dense, Dropout, Embedding, Linear
from .losses import bce_with_logits, mse, softmax_cross_entropy
from .optim import SGD, Adagrad, Adam, AdamW, RMSprop, clip_grad_norm
from .recurrent import _Recurrent

OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}
LOSSES = {"binary_crossentropy": bce_with_logits, "sparse_categorical_crossentropy": softmax_cross_entropy,
          "mse": mse}


def _sigmoid_in_loss(layer):
    """A final sigmoid Dense, whose sigmoid binary cross-entropy can take over (bce_with_logits)."""
    return isinstance(layer, Dense) and layer.activation == "sigmoid"


def loss_and_grad(model, loss_fn, x, y, **kwargs):
    """Forward, loss, backward on one batch: the one place every model's gradients are made.

    model.forward(x, **kwargs) gives the output, loss_fn(output, y) the loss L and dL/doutput, and
    model.backward(dL/doutput) fills every layer's grads. Returns (loss, output).
    """
    out = model.forward(x, **kwargs)
    loss, d_out = loss_fn(out, y)                                   # L and dL/dout
    model.backward(d_out)
    return loss, out


class LayerStack:
    """What a model made of a list of layers (self.layers) needs besides forward and backward:
    train/eval mode, dtype, and every layer's parameters and gradients in one flat dict.
    Sequential below and charlm.CharLM both build on it."""

    def train(self, mode=True):
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def astype(self, dtype):
        for layer in self.layers:
            layer.astype(dtype)
        return self

    @property
    def params(self):
        """Every layer's parameters in one flat dict: {"0.W": ..., "1.Wx_l0": ...} (layer index first)."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def num_params(self):
        return int(sum(layer.num_params() for layer in self.layers))

    def load_params(self, params):
        """Copy arrays from a dict like self.params into the model (in place), checking keys and shapes."""
        mine = self.params
        missing, extra = sorted(set(mine) - set(params)), sorted(set(params) - set(mine))
        if missing or extra:
            raise ValueError(f"parameters do not match the model: missing {missing[:5]}, unexpected {extra[:5]}")
        for k, v in params.items():
            if tuple(v.shape) != tuple(mine[k].shape):
                raise ValueError(f"parameter {k}: the model has shape {tuple(mine[k].shape)}, got {tuple(v.shape)}")
            mine[k][...] = to_device(np.asarray(v, dtype=mine[k].dtype))


class Sequential(LayerStack):
    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        self.layers = list(layers)
        self.optimizer, self.loss_name, self.clip_norm = None, None, None
        self.best = None                    # after fit with validation: the best epoch (see fit)

    # -- forward and backward ----------------------------------------------------------------------
    def _reads_sequence(self, i):
        """True when layer i+1 onwards starts with another recurrent layer (so layer i passes (B, T, D*H))."""
        rest = [l for l in self.layers[i + 1:] if not isinstance(l, Dropout)]
        return bool(rest) and isinstance(rest[0], _Recurrent)

    def forward(self, x, logits=False):
        """x: ids (B, T) or features (B, T, E). Returns the output, e.g. (B, 1).

        logits=True stops a final sigmoid Dense before its sigmoid (what the loss is computed on).
        """
        h, mask, self._trace, self._logits = x, None, [], logits
        for i, layer in enumerate(self.layers):
            last = i == len(self.layers) - 1
            if isinstance(layer, Embedding):
                mask = layer.compute_mask(h)                        # (B, T) True at real tokens
                h = layer.forward(h)                                # (B, T) -> (B, T, E)
            elif isinstance(layer, _Recurrent):
                self._trace.append((h.shape[0], h.shape[1]))
                out, h_n = layer.forward(h, mask=mask)              # (B, T, D*H), (L*D, B, H)
                if self._reads_sequence(i):
                    h = out
                else:
                    h_n = h_n[0] if isinstance(h_n, tuple) else h_n       # the LSTM's h, not c
                    D = layer.num_directions
                    xp = array_module(h_n)
                    h = xp.concatenate(list(h_n[-D:]), axis=1)      # last layer, every direction: (B, D*H)
            elif last and logits and _sigmoid_in_loss(layer):
                h = Linear.forward(layer, h)                        # the logit, before the sigmoid
            else:
                h = layer.forward(h)
        return h

    def backward(self, dy, logits=None):
        """dy: dL/d(output), or dL/d(logit) if forward ran with logits=True (logits=None: as forward did).
        Fills every layer's grads."""
        logits = self._logits if logits is None else logits
        trace = list(self._trace)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            if isinstance(layer, Embedding):
                layer.backward(dy)
            elif isinstance(layer, _Recurrent):
                B, T = trace.pop()
                H, D, L = layer.hidden_size, layer.num_directions, layer.num_layers
                xp = array_module(dy)
                if self._reads_sequence(i):
                    d_out, d_h = dy, None
                else:                                               # only the final state was used
                    d_out = xp.zeros((B, T, D * H), dtype=dy.dtype)
                    d_h = xp.zeros((L * D, B, H), dtype=dy.dtype)
                    d_h[-D:] = dy.reshape(B, D, H).transpose(1, 0, 2)   # (B, D*H) -> (D, B, H)
                    d_h = (d_h, None) if layer.num_states == 2 else d_h
                dy = layer.backward(d_out, d_h)
            elif i == len(self.layers) - 1 and logits and _sigmoid_in_loss(layer):
                dy = Linear.backward(layer, dy)
            else:
                dy = layer.backward(dy)
        return dy

    # -- training ----------------------------------------------------------------------------------
    def compile(self, optimizer="adam", loss="binary_crossentropy", metrics=("accuracy",), lr=None,
                clip_norm=None, **optimizer_kwargs):
        """optimizer: a name ("adam", "adamw", "sgd", "rmsprop", "adagrad") or an Optimizer built on model.layers."""
        if loss not in LOSSES:
            raise ValueError(f"compile: loss must be one of {sorted(LOSSES)}, got {loss!r}")
        if isinstance(optimizer, str):
            if optimizer.lower() not in OPTIMIZERS:
                raise ValueError(f"compile: optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
            kwargs = dict(optimizer_kwargs, **({} if lr is None else {"lr": lr}))
            optimizer = OPTIMIZERS[optimizer.lower()](self.layers, **kwargs)
        self.optimizer, self.loss_name, self.metrics, self.clip_norm = optimizer, loss, list(metrics), clip_norm
        return self

    def loss_and_grad(self, x, y):
        """Forward, loss, backward on one batch (the module's loss_and_grad). Returns (loss, output)."""
        loss_fn, on_logit = self._loss()
        return loss_and_grad(self, loss_fn, x, y, logits=on_logit)

    def _loss_on_logit(self):
        """True when the final Dense's sigmoid is folded into the loss (bce_with_logits on its logit)."""
        return self.loss_name == "binary_crossentropy" and _sigmoid_in_loss(self.layers[-1])

    def _loss(self):
        """(loss_fn, on_logit): the compiled loss, taken on the final Dense's logit when on_logit."""
        if self._loss_on_logit():
            return bce_with_logits, True                            # the loss on the logit (B, 1)
        if self.loss_name == "binary_crossentropy":
            return _bce_on_probabilities, False
        return LOSSES[self.loss_name], False

    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, validation_split=0.0,
            restore_best_weights=False, shuffle=True, seed=0, verbose=True, initial_epoch=0, history=None,
            on_epoch_end=None, lr_schedule=None, best=None):
        """Train. x (N, ...) and y (N,) as NumPy arrays; they move to the device once.

        validation_split: hold out this fraction of (x, y), drawn at random with `seed`, and score
            it after every epoch (Keras' validation_split, but a random draw, since data sets such
            as IMDB come sorted by label). Ignored when validation_data is given.
        restore_best_weights: at the end, put back the weights of the epoch with the best
            validation accuracy (Keras' EarlyStopping(restore_best_weights=True), without stopping).
            self.best holds {"epoch" (from 1), "val_accuracy", "params"} of that epoch all along;
            best= passes it in when resuming.
        Returns history, Keras' dict of lists with one entry per epoch: "loss", "accuracy", "seconds",
        "grad_norm" (the list of that epoch's step norms, before clipping), and with validation
        "val_loss", "val_accuracy". Every list has the same length, so pd.DataFrame(history) is the
        table and pd.DataFrame(history)[["loss", "val_loss"]].plot() the curves.
        on_epoch_end(model, epoch, history) runs after each epoch
        (the CLI saves its checkpoint there). lr_schedule(epoch) -> learning rate, if given, sets the
        optimizer's lr at the start of each epoch (epochs count from 0). Epoch e's shuffle and
        learning rate depend only on (seed, e), so a run resumed at initial_epoch=e matches one
        that never stopped.
        """
        from tqdm.auto import tqdm
        if self.optimizer is None:
            raise RuntimeError("fit: call compile() first")
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y):
            raise ValueError(f"fit: x and y must have the same length, got {len(x)} and {len(y)}")
        if int(batch_size) < 1 or int(epochs) < 0:
            raise ValueError(f"fit: batch_size must be >= 1 and epochs >= 0, got {batch_size} and {epochs}")
        if validation_data is None and validation_split:
            x, y, validation_data = split_validation(x, y, validation_split, seed)
        if restore_best_weights and validation_data is None:
            raise ValueError("fit: restore_best_weights needs validation_data or a validation_split")
        if len(x) == 0:
            raise ValueError("fit: no training samples")
        keys = ["loss", "accuracy", "seconds", "grad_norm"]
        if validation_data is not None:
            keys += ["val_loss", "val_accuracy"]                    # only then, as in Keras: no empty columns
        history = history or {k: [] for k in keys}                 # every list: one entry per epoch
        self.best = best
        x_dev, y_dev = to_device(x), to_device(y)                  # to the device once, not per batch
        for epoch in range(initial_epoch, epochs):
            rng = np.random.default_rng([seed, epoch])
            if lr_schedule is not None:
                self.optimizer.lr = float(lr_schedule(epoch))
            order = to_device(rng.permutation(len(x)) if shuffle else np.arange(len(x)))
            for i, layer in enumerate(self.layers):
                if isinstance(layer, Dropout):
                    layer.rng = np.random.default_rng([seed, epoch, i])
            self.train()
            t0, total, correct, seen, norms = time.perf_counter(), 0.0, 0, 0, []
            bar = tqdm(range(0, len(x), batch_size), desc=f"epoch {epoch + 1}/{epochs}", disable=not verbose,
                       leave=True, unit="batch")
            for step, start in enumerate(bar):
                idx = order[start:start + batch_size]
                loss, norm, n_correct = train_step(self, x_dev[idx], y_dev[idx])
                norms.append(norm)                                  # norm and n_correct stay on the device ...
                total, correct, seen = total + loss * len(idx), correct + n_correct, seen + len(idx)
                if verbose and (step % 20 == 0 or start + batch_size >= len(x)):   # ... read every 20 steps (a wait on a GPU)
                    bar.set_postfix(loss=f"{total / seen:.4f}", acc=f"{float(correct) / seen:.4f}")
            history["grad_norm"].append(list(host_floats(*norms)))  # this epoch's step norms, in one transfer
            correct = float(correct)
            history["loss"].append(total / seen)
            history["accuracy"].append(correct / seen)
            history["seconds"].append(time.perf_counter() - t0)
            if validation_data is not None:
                val = self.evaluate(*validation_data, batch_size=max(batch_size, 256))
                history["val_loss"].append(val["loss"])
                history["val_accuracy"].append(val["accuracy"])
                if verbose:
                    bar.write(f"epoch {epoch + 1}: loss {total / seen:.4f} acc {correct / seen:.4f} "
                              f"val_loss {val['loss']:.4f} val_acc {val['accuracy']:.4f}")
                if self.best is None or val["accuracy"] > self.best["val_accuracy"]:   # the first best stays
                    self.best = {"epoch": epoch + 1, "val_accuracy": val["accuracy"],
                                 "params": {k: to_numpy(v).copy() for k, v in self.params.items()}}
            if on_epoch_end is not None:
                on_epoch_end(self, epoch, history)
        if restore_best_weights and self.best is not None:
            self.load_params(self.best["params"])
        return history

    def evaluate(self, x, y, batch_size=256):
        """Mean loss and accuracy over (x, y), in eval mode. Returns {"loss": float, "accuracy": float}."""
        self.eval()
        total, correct = 0.0, 0
        loss_fn, on_logit = self._loss()                            # the same loss as training
        for start in range(0, len(x), batch_size):
            xb, yb = to_device(np.asarray(x[start:start + batch_size])), to_device(np.asarray(y[start:start + batch_size]))
            out = self.forward(xb, logits=on_logit)
            loss = loss_fn(out, yb)[0]
            total += loss * len(yb)
            correct += _num_correct(out, yb, logits=on_logit)      # on the device; read once, below
        self.train()
        return {"loss": total / len(x), "accuracy": float(correct) / len(x)}

    def predict(self, x, batch_size=256):
        """Outputs for x, as a NumPy array (probabilities for a sigmoid output), in eval mode."""
        self.eval()
        outs = [to_numpy(self.forward(to_device(np.asarray(x[s:s + batch_size]))))
                for s in range(0, len(x), batch_size)]
        self.train()
        return np.concatenate(outs)

    def summary(self):
        lines = [f"{i:>2}  {layer!r:<50} {layer.num_params():>10,d}" for i, layer in enumerate(self.layers)]
        return "\n".join(lines + [f"    {'total parameters':<50} {self.num_params():>10,d}"])


def split_validation(x, y, fraction, seed=0):
    """Hold out a random `fraction` of (x, y), drawn with `seed`. Returns x_fit, y_fit, (x_val, y_val)."""
    if not 0 < fraction < 1:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {fraction}")
    n_val = int(len(x) * fraction)
    if n_val < 1 or n_val >= len(x):
        raise ValueError(f"fit: validation_split {fraction} of {len(x)} samples leaves "
                         f"{n_val} for validation and {len(x) - n_val} for training; both need at least 1")
    order = np.random.default_rng(seed).permutation(len(x))
    val, keep = order[:n_val], order[n_val:]
    return x[keep], y[keep], (x[val], y[val])


def train_step(model, x, y):
    """One step of gradient descent on a batch: forward, loss, backward, clip, update.

    x: (B, T) ids on the device, y: (B,) labels. Returns (loss, gradient norm, number correct):
    the loss as a float, the other two as 0-d arrays on the device, so that a step on a GPU waits
    for the device once (for the loss) rather than three times.
    """
    loss, out = model.loss_and_grad(x, y)                          # forward + backward: fills every grads dict
    norm = clip_grad_norm(model.layers, model.clip_norm or float("inf"))   # global norm (clipped if asked)
    model.optimizer.step()                                          # p -= lr * (Adam's step) for every p
    return loss, norm, _num_correct(out, y, logits=model._loss_on_logit())


def _num_correct(out, y, logits):
    """How many predictions match y (a 0-d array on out's device): threshold 0 on logits or 0.5 on
    probabilities; argmax for classes."""
    if out.ndim == 2 and out.shape[1] > 1:
        return (out.argmax(axis=1) == y).sum()
    pred = (out.reshape(-1) > (0 if logits else 0.5))
    return (pred == (y.reshape(-1) > 0.5)).sum()


def _bce_on_probabilities(p, y, eps=1e-7):
    """Binary cross-entropy on probabilities (when the model has no sigmoid to fuse), clipped like Keras."""
    xp = array_module(p)
    p2, y2 = xp.clip(p.reshape(-1), eps, 1 - eps), y.reshape(-1).astype(p.dtype)
    loss = -xp.mean(y2 * xp.log(p2) + (1 - y2) * xp.log(1 - p2))
    d = (p2 - y2) / (p2 * (1 - p2)) / len(y2)                      # dL/dp
    return float(loss), d.reshape(p.shape)

# %% [markdown]
# # From equation to code: an RNN step and BPTT by hand, next to minirnn, a gradient check, and torch
#
#     python demos/from_equation_to_code.py        # a few seconds; prints every number, writes one figure
#
# Run it top to bottom, or cell by cell in VS Code or Jupyter (`minirnn notebooks`): each `# %%` is a cell.
# 1. one RNN step computed by hand with tiny numbers, next to minirnn.RNN's output
# 2. backpropagation through 3 steps by hand, next to `layer.grads`
# 3. a gradient check: every gradient against finite differences
# 4. the same weights in torch.nn.RNN give the same numbers (skipped without torch)
# 5. the vanishing gradient: ||dL/dh_t|| against t, in one plot
#
# The math (row vectors, as in the README):  a_t = x_t W_x + h_{t-1} W_h + b,  h_t = tanh(a_t).
# Then write it yourself: `minirnn exercise rnn`, and `minirnn check rnn_exercise.py`.
#
# ## Hyperparameters

# %%
import os

import numpy as np

import minirnn
from minirnn import interop

TINY = os.environ.get("MINIRNN_TINY") == "1"   # the test suite's budget: a shorter sequence in part 5
OUT = "out/from_equation_to_code"               # the figure goes here
T_LONG = 15 if TINY else 60                     # part 5: steps the gradient travels back through
H_LONG = 16                                     # part 5: hidden units
SCALES = (0.5, 1.0, 2.0)                        # part 5: W_h = scale * a random orthogonal matrix
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One step by hand, with tiny numbers
# a_1 = x_1 W_x + h_0 W_h + b, one unit at a time, then h_1 = tanh(a_1); then the same weights in a minirnn layer.

# %%
x1 = np.array([[1.0, -1.0]])                    # x_1 (B=1, E=2)
h0 = np.array([[0.0, 0.0]])                     # h_0 (B=1, H=2)
Wx = np.array([[0.5, -0.3],
                [0.2, 0.4]])                    # (E, H)
Wh = np.array([[0.1, 0.2],
                [-0.3, 0.1]])                   # (H, H)
b = np.array([0.0, 0.1])                        # (H,)

a1 = np.zeros(2)
for j in range(2):                              # every unit j of a_1 = x_1 W_x + h_0 W_h + b
    terms = [x1[0, i] * Wx[i, j] for i in range(2)] + [h0[0, i] * Wh[i, j] for i in range(2)] + [b[j]]
    a1[j] = sum(terms)
    print(f"a_1[{j}] = " + " + ".join(f"{v:.2f}" for v in terms) + f" = {a1[j]:.4f}")
h1_by_hand = np.tanh(a1)
print("h_1 = tanh(a_1) =", h1_by_hand)

layer = minirnn.RNN(2, 2, dtype=np.float64)     # the same weights in a minirnn layer
layer.params["Wx_l0"][...], layer.params["Wh_l0"][...], layer.params["b_l0"][...] = Wx, Wh, b
out, h_n = layer.forward(x1[:, None, :])        # x (B=1, T=1, E=2) -> out (1, 1, 2)
print("minirnn.RNN:    ", out[0, 0], "  difference", np.abs(out[0, 0] - h1_by_hand).max())

# %% [markdown]
# ## 2. BPTT over 3 steps by hand, next to `layer.grads`
# The loss is the sum of every output, so dL/dh_t from the loss is 1. Going back, h_t feeds the loss and step t+1.

# %%
x = np.array([[[1.0, -1.0], [0.5, 2.0], [-1.5, 0.3]]])   # (B=1, T=3, E=2)
d_out = np.ones((1, 3, 2))                                 # L = sum of every output, so dL/dh_t from the loss = 1


def forward_by_hand(x, h0, Wx, Wh, b):
    hs = [h0]                                              # hs[t] = h_t, hs[0] = h_0
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ Wx + hs[-1] @ Wh + b))   # (B, E) @ (E, H) + (B, H) @ (H, H) -> (B, H)
    return hs


def backward_by_hand(x, hs, Wh, d_out):
    """Returns dWx, dWh, db and dh[t] = dL/dh_t for t = 0 .. T."""
    T = x.shape[1]
    dWx, dWh, db = 0, 0, 0
    dh = [None] * (T + 1)
    dh_next = np.zeros_like(hs[0])                         # nothing comes from after the last step
    for t in reversed(range(1, T + 1)):
        dh[t] = d_out[:, t - 1] + dh_next                  # h_t feeds the loss and step t+1
        da = dh[t] * (1 - hs[t] ** 2)                      # backprop through tanh
        dWx = dWx + x[:, t - 1].T @ da                   # backprop through x_t W_x
        dWh = dWh + hs[t - 1].T @ da                     # backprop through h_{t-1} W_h
        db = db + da.sum(axis=0)
        dh_next = da @ Wh.T                               # ... and on to h_{t-1}
    dh[0] = dh_next
    return dWx, dWh, db, dh


hs = forward_by_hand(x, h0, Wx, Wh, b)
dWx, dWh, db, dh = backward_by_hand(x, hs, Wh, d_out)
out, _ = layer.forward(x)
layer.backward(d_out)
for name, mine in (("Wx_l0", dWx), ("Wh_l0", dWh), ("b_l0", db)):
    print(f"d{name}: by hand\n{mine}\n  minirnn layer.grads\n{layer.grads[name]}\n"
          f"  difference {np.abs(mine - layer.grads[name]).max():.1e}")
print("dL/dh_0: by hand", dh[0], " minirnn layer.d_h0", layer.d_h0[0])

# %% [markdown]
# ## 3. A gradient check
# Nudge every number by +-1e-6 and watch the loss move.

# %%
errors = minirnn.gradcheck(layer, x)             # loss = sum(R * out) for a random R; prints a table
print("all below 1e-6:", max(errors.values()) < 1e-6, "  (for all cells and options: minirnn gradcheck)")

# %% [markdown]
# ## 4. The same weights in torch.nn.RNN
# torch keeps W_x and W_h transposed, and two biases whose sum is b.

# %%
try:
    import torch
except ImportError:
    torch = None
    print("torch is not installed: skipping the comparison (pip install torch)")
if torch is not None:
    ref = torch.nn.RNN(2, 2, batch_first=True).double()
    interop.copy_to_torch(layer, ref)            # weight_ih = W_x^T, weight_hh = W_h^T, bias_ih + bias_hh = b
    xt = torch.tensor(x, requires_grad=True)
    out_t, _ = ref(xt)
    (out_t * torch.tensor(d_out)).sum().backward()
    out, _ = layer.forward(x)
    dx = layer.backward(d_out)
    print("out:   torch", out_t.detach().numpy()[0, -1], " minirnn", out[0, -1])
    print(f"max |difference|: out {np.abs(out - out_t.detach().numpy()).max():.1e}, "
          f"dx {np.abs(dx - xt.grad.numpy()).max():.1e}, "
          f"dW_h {np.abs(layer.grads['Wh_l0'] - ref.weight_hh_l0.grad.numpy().T).max():.1e}")

# %% [markdown]
# ## 5. The vanishing gradient: how much of dL/dh_T reaches h_t?
# Each step back multiplies dL/dh by (1 - h_t^2) W_h^T. With W_h a scaled orthogonal matrix, the scale decides
# whether the gradient fades or explodes.

# %%
import matplotlib.pyplot as plt

rng = np.random.default_rng(0)
x_long = rng.standard_normal((1, T_LONG, 2))
Wx_long = 0.5 * rng.standard_normal((2, H_LONG))
Q, _ = np.linalg.qr(rng.standard_normal((H_LONG, H_LONG)))    # orthogonal: every direction kept at length 1
d_last = np.zeros((1, T_LONG, H_LONG))
d_last[:, -1] = 1.0                                            # the loss reads only h_T
fig, ax = plt.subplots(figsize=(7, 4))
for scale in SCALES:
    hs = forward_by_hand(x_long, np.zeros((1, H_LONG)), Wx_long, scale * Q, np.zeros(H_LONG))
    dh = backward_by_hand(x_long, hs, scale * Q, d_last)[3]
    norms = [np.linalg.norm(d) for d in dh]                     # ||dL/dh_t||, t = 0 .. T
    print(f"W_h = {scale} x orthogonal: ||dL/dh_T|| = {norms[-1]:.2f}, ||dL/dh_0|| = {norms[0]:.2e}")
    ax.semilogy(range(T_LONG + 1), norms, label=f"W_h = {scale} x orthogonal")
ax.set_xlabel("t")
ax.set_ylabel("||dL/dh_t||  (log scale)")
ax.set_title("Each step back multiplies dL/dh by (1 - h_t^2) W_h^T: it fades (or explodes)")
ax.legend()
os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, "vanishing_gradient.png")
fig.savefig(path, dpi=100, bbox_inches="tight")
print("wrote", path, " (LSTM and GRU next to the RNN, after training: minirnn viz grads)")

"""minirnn: RNN, LSTM and GRU written out by hand, forward and backward, on NumPy or CuPy.

Notation, used in every file, docstring and shape comment:
    B   batch size
    T   time steps (sequence length)
    E   input features per step (the embedding size for text)
    H   hidden units per direction
    V   vocabulary size (number of token ids or characters)
    D   directions: 2 if bidirectional else 1
    L   stacked layers (num_layers)
    4H  the LSTM's four gate blocks side by side, in PyTorch's order i, f, g, o
    3H  the GRU's three gate blocks side by side, in PyTorch's order r, z, n

Math uses row vectors, as in the README: h_t = tanh(x_t W_x + h_{t-1} W_h + b),
so W_x is (E, H), W_h is (H, H) and a batch of steps is (B, E) @ (E, H) -> (B, H).
Every cell uses the same names: W_x (E, G*H) and W_h (H, G*H), written Wx and Wh in code (G = 1,
4 or 3 gate blocks), and one bias b; an output layer y_t = h_t W_y + b_y is a Linear.
PyTorch's weight_ih is W_x^T, weight_hh is W_h^T, and its b_ih + b_hh is b.
Inputs are batch-first: x is (B, T, E). A mask is (B, T) of 0/1 (or bool): 1 for a real
step, 0 for padding.

Time steps: the math counts them t = 1 .. T, with h_0 the initial state. Python's loops count from
0, so in `for t in range(T)` the input x[:, t] is the math's x_{t+1}. An array that holds h_0 as
well (the engine's hs, (T+1, B, H)) is indexed like the math: hs[t] is h_t. An array of the T steps
alone (x, out, the plain cells' hs (B, T, H)) starts at step 1: hs[:, 0] is h_1.
"""
from . import backend
from .backend import set_backend, get_backend, to_device, to_numpy
from .recurrent import RNN, LSTM, GRU
from .layers import Embedding, Linear, Dense, Dropout
from .activations import Tanh, Sigmoid, ReLU
from .losses import bce_with_logits, softmax_cross_entropy, mse
from .optim import SGD, Adagrad, RMSprop, Adam, AdamW, clip_grad_norm
from .gradcheck import gradcheck
from .model import Sequential, train_step
from . import losses, optim, interop

SimpleRNN = RNN   # the name the classic Keras exercise uses

__version__ = "0.1.0"

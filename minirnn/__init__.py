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

Math uses row vectors, as in the README: h_t = tanh(x_t W_xh + h_{t-1} W_hh + b),
so W_xh is (E, H), W_hh is (H, H) and a batch of steps is (B, E) @ (E, H) -> (B, H).
Inputs are batch-first: x is (B, T, E). A mask is (B, T) of 0/1 (or bool): 1 for a real
step, 0 for padding.
"""
from . import backend
from .backend import set_backend, get_backend, to_device, to_numpy
from .recurrent import RNN, LSTM, GRU
from .layers import Embedding, Linear, Dense, Dropout
from .activations import Tanh, Sigmoid, ReLU
from .losses import bce_with_logits, softmax_cross_entropy, mse
from .optim import SGD, Adagrad, RMSprop, Adam, clip_grad_norm
from .gradcheck import gradcheck
from .model import Sequential, train_step
from . import losses, optim, interop

SimpleRNN = RNN   # the name the classic Keras exercise uses

__version__ = "0.1.0"

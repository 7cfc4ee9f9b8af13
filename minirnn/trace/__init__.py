"""Trace mode: follow one forward pass and backpropagation through time by hand, number by number.

    minirnn trace --cell lstm --steps 3 --hidden 2 [--plain] [--h0 random]
    (or: python -m minirnn.trace lstm)

A tiny layer (E = 2 inputs, H = 2 units, B = 1 sequence of T = 3 steps, float64) reads a random
input from h_0 = 0 (--h0 random: a random h_0, and c_0 for the LSTM); the loss is the mean squared
error of every output against a random target:

    L = mean over b, t, j of (h_t[b, j] - y_t[b, j])^2

The states, gates and gradients printed come from real cell code, one step function call per step:
the engine's (minirnn/rnn.py, lstm.py, gru.py, called by run_steps() and backward_steps() in
steps.py), or with --plain the textbook cells' (minirnn/plain/: their *_step_forward and
*_step_backward, called by run_plain_steps() and backward_plain_steps()). Computed beside them, for
display only (shown_forward(), shown_backward()), from what the steps return and keep: the products and
pre-activations (x_t W_x + b, h_{t-1} W_h, a_t), the gradients on the way through a step
(LSTM: the total dL/dc_t, do, di, df, dg; GRU: dn, dz, dr), and for the engine, whose steps leave
the weights to the caller, dL/dx_t and the weight gradients, summed one step at a time as BPTT
defines them:

    dW_x = sum_t x_t^T da_t      dW_h = sum_t h_{t-1}^T da_t      db = sum_t sum_b da_t

At the end they are compared with the engine's layer.forward() and layer.backward() on the same
numbers. Time steps are numbered as in the math: x_1 .. x_T, h_0 is the initial state.
h_t reaches the loss along two paths, its output out_t and the next step; the backward trace
prints each path's share apart from the total:
    dL/dh_t (total)  =  dL/dout_t  +  dL/dh_t via step t+1
Every line stays within 100 columns; numbers that do not fit beside their label go below it.
"""
from .show import WIDTH, trace
from .steps import backward_plain_steps, backward_steps, run_plain_steps, run_steps

__all__ = ["trace", "run_steps", "backward_steps", "run_plain_steps", "backward_plain_steps", "WIDTH"]

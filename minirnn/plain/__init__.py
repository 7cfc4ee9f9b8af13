"""The plain cells: RNN, LSTM and GRU in their textbook form, to read first.

    rnn.py    lstm.py    gru.py

Each file is NumPy only and reads top to bottom: its equations, one step forward, one step backward,
the forward loop and backpropagation through time (one loop in reverse time, carrying dh_next,
adding up the weight gradients as it goes). One cache per step, batch first (x[:, t]), no mask,
float64 or float32 as you pass it in. The notation is the engine's (minirnn/__init__.py).

minirnn/rnn.py, lstm.py and gru.py compute the same numbers faster (tests/test_plain.py checks
that they agree, and agree with torch.nn); demos/plain_to_fast.py turns the plain LSTM into the
engine's one rewrite at a time. `minirnn exercise CELL` asks you to write these files yourself.
"""

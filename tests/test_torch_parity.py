"""minirnn's RNN, LSTM and GRU against torch.nn's on the CPU: outputs, states, dL/dx, every gradient."""
import itertools

import pytest

pytest.importorskip("torch")
from torch_check import check_against_torch  # noqa: E402

CASES = list(itertools.product(["rnn", "lstm", "gru"], [1, 2], [False, True], [None, [5, 2, 4]]))


@pytest.mark.parametrize("cell, num_layers, bidirectional, lengths", CASES)
def test_float64(cell, num_layers, bidirectional, lengths):
    check_against_torch(cell, num_layers, bidirectional, lengths, dtype="float64", rtol=1e-9)


@pytest.mark.parametrize("cell, num_layers, bidirectional, lengths", CASES)
def test_float32(cell, num_layers, bidirectional, lengths):
    check_against_torch(cell, num_layers, bidirectional, lengths, dtype="float32", rtol=1e-4)


def test_relu_rnn():
    check_against_torch("rnn", 2, True, [5, 1, 3], nonlinearity="relu")


def test_single_step_single_row_single_unit():     # T=1, B=1, H=1
    for cell in ("rnn", "lstm", "gru"):
        check_against_torch(cell, 1, True, None, B=1, T=1, H=1)


def test_longer_sequence():
    for cell in ("rnn", "lstm", "gru"):
        check_against_torch(cell, 1, False, [40, 17, 1, 33], B=4, T=40, E=6, H=8)

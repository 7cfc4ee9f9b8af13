"""python -m minirnn.trace [rnn|lstm|gru]: the trace of one cell with the defaults (minirnn trace has options)."""
import sys

from .show import trace

trace(sys.argv[1] if len(sys.argv) > 1 else "rnn")

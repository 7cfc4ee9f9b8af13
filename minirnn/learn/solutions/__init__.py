"""Solutions of the exercises beyond the three cells (`minirnn exercise --list`), one plain NumPy file each:

    embedding.py    softmax_ce.py    masked_rnn.py    bidirectional.py    truncated_bptt.py    clip.py

minirnn/learn/pieces.py writes the exercise a learner fills in from each of them (the bodies of the
functions to write blanked) and checks the learner's file against them; tests/test_pieces.py checks
that each equals the engine's own function.
"""

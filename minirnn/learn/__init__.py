"""Learn by doing: the gradient check as a command, and exercises a learner fills in and checks.

    gradcheck_cmd.run(["lstm"], mask=True)      `minirnn gradcheck --cell lstm --mask`
    exercises.exercise_text("lstm")             `minirnn exercise lstm`: the file to fill in (derive mode)
    check.check_file("lstm_exercise.py")        `minirnn check lstm_exercise.py`: what is right, what is wrong first, why

The cell exercises' solutions are the plain cells, minirnn/plain/rnn.py, lstm.py and gru.py:
exercises.py makes the files from them, hints.py holds the hints, mistakes.py the mistakes the check
names, localise.py finds the earliest wrong quantity, probe.py and sandbox.py run the learner's code.
pieces.py: six more exercises (embedding, softmax-ce, masked-rnn, bidirectional, truncated-bptt,
clip), written from and checked against solutions/*.py.
"""

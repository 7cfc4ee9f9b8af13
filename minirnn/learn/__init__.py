"""Learn by doing: the gradient check as a command, and exercises a learner fills in and checks.

    gradcheck_cmd.run(["lstm"], mask=True)      `minirnn gradcheck --cell lstm --mask`
    exercises.exercise_text("lstm")             `minirnn exercise lstm`: the file to fill in
    check.check_file("lstm_exercise.py")        `minirnn check lstm_exercise.py`: what is right, what is wrong, why

The exercises' solutions are rnn_solution.py, lstm_solution.py and gru_solution.py in this folder.
pieces.py: six more exercises (embedding, softmax-ce, masked-rnn, bidirectional, truncated-bptt,
clip), written from and checked against solutions/*.py.
"""

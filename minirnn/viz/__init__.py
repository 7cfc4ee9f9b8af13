"""Pictures of the recurrence: hidden states, gates and memory (figures), gradient norms over
time (grads), and training curves (plots). matplotlib draws them off-screen (Agg).
"""

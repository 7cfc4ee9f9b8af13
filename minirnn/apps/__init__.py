"""Applications built on the engine: IMDB sentiment (sentiment, sentiment_train), the
character-level language model (charlm, charlm_train) and toy memory tasks (tasks).

Nothing in minirnn/ imports from here; these modules only use the engine.
"""

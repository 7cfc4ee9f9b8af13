"""Data sets, read from files the user has (or downloads once), never fetched behind their back.

    imdb   movie-review sentiment (Maas et al. 2011); a small sample ships with minirnn
"""
from . import imdb

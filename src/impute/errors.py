"""The errors a user can act on: bad data and unusable model files.

Both derive from ``ValueError`` so that code written for scikit-learn's conventions still catches
them. Their messages name the file, the column or the row and say what to do; the command line
prints them as they are and exits with status 1.
"""


class DataError(ValueError):
    """A table cannot be read or imputed as it is (empty, unknown format, text in a numeric column...)."""


class ModelFileError(ValueError):
    """A model file is missing, truncated, tampered with, foreign, or from an incompatible version."""

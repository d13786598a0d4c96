"""The errors a user can act on: bad data and unusable model files.

Both derive from ``ValueError`` so that code written for scikit-learn's conventions still catches
them. Their messages name the file, the column or the row and say what to do; the command line
prints them as they are and exits with status 1.
"""


class DataError(ValueError):
    """A table cannot be read or imputed as it is (empty, unknown format, text among numbers...).

    Examples
    --------
    >>> import os, tempfile
    >>> from impute import DataError, describe_file
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.csv")
    >>> open(path, "w").close()
    >>> try:
    ...     describe_file(path)
    ... except DataError as error:
    ...     print(str(error).split(": ", 1)[1])
    the file is empty; it needs a header line and at least one row
    """


class ModelFileError(ValueError):
    """A model file is missing, truncated, tampered with, foreign, or from an incompatible version.

    Examples
    --------
    >>> import os, tempfile
    >>> from impute import ModelFileError, load_model
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.impute")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write("not a model")
    >>> try:
    ...     load_model(path)
    ... except ModelFileError:
    ...     print("refused")
    refused
    """

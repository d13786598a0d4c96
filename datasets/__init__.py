"""Data only: the sample tables that ship with impute (see README.md here); read them with impute.datasets."""

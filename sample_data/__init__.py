"""Data only: the sample tables that ship with impute (README.md here); read them with
impute.datasets."""

"""``python -m impute`` runs the command line."""

from .cli import main

main()

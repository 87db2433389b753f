"""``python -m retrowalk`` runs the command-line interface."""

from retrowalk.cli import main

main()

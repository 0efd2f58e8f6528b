"""``python -m assessments`` runs the ``assess`` command."""

from .cli.main import main

if __name__ == "__main__":
    main()

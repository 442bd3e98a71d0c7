"""``python -m livermodel`` runs the command line."""

from livermodel.cli import main

if __name__ == "__main__":
    main()

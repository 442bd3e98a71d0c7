"""The version of livermodel: the one place it is written (``pyproject.toml`` reads it from here,
``[tool.setuptools.dynamic]``).  A literal rather than a look-up in the installed metadata:
``importlib.metadata`` costs about 0.1 s of every command's start-up, ``--help`` included."""

__version__ = "0.1.0"

"""The installed version of livermodel (``0.0.0+unknown`` when run from an uninstalled tree)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("livermodel")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

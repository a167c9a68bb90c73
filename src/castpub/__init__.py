"""castpub: publish a show of YouTube interviews as podcast RSS and Atom feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("castpub")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]

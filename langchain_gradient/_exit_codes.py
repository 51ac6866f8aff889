"""Exit codes and the usage error the two command lines (chat and ``batch``) share.

``langchain-gradient`` and ``langchain-gradient batch`` answer a script the
same way for the same failure; each adds its own codes after these.
"""

from __future__ import annotations

__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_NO_KEY",
    "EXIT_OK",
    "EXIT_USAGE",
    "UsageError",
]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NO_KEY = 3
EXIT_AUTH = 4
EXIT_NETWORK = 5
EXIT_API = 6
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad command-line input found after argument parsing."""

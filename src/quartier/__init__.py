"""Quartier: an open, federated directory of local independent businesses, kept in git.

The public surface is small on purpose; stages live in their own modules:
``load`` (strict YAML), ``model`` (the entry contract), ``config`` (the
directory's settings), ``taxonomy``, ``checks`` (across entries) and
``report``. Heavy modules are imported lazily so validating one file stays
instant.
"""

__version__ = "0.1.0"

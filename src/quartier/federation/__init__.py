"""Federation: a directory that includes other directories' published businesses.

A directory lists its ``members`` in ``directory.yaml``; ``quartier federate``
brings a copy of each up to date (:mod:`.mirror`), and the build, validate,
search and MCP read that copy alongside the local entries. See
docs/federation.md.
"""

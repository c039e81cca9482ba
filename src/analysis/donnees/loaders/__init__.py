"""Readers of raw files, one contract: a reader takes no path, obtains its own declared file(s)
(ids of ``data/sources.toml``) with ``sources.fetch``, which records the read, and returns a
validated frame (pandera, ``analysis.donnees.schemas``). Readers are cached in the process with
``cache.cached``, which records the files again on every later call."""

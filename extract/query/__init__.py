"""Query: filter, rank and aggregate claims tables (``select``, ``leaderboard``, the ``--where``
language)."""

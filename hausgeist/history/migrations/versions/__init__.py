"""Alembic revisions of the history database (a package, so that they ship)."""

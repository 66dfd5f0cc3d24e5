"""Alembic migrations of the history database, shipped inside the package.

`hausgeist.history.schema.upgrade` runs them; no alembic.ini is needed.
"""

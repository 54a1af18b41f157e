"""The domain event log (system of record) and its projections."""

import logging

# Alembic narrates every import and every schema check at INFO, and the store
# checks its schema each time a process opens it.
logging.getLogger("alembic").setLevel(logging.WARNING)

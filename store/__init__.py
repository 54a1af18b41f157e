"""The domain event log (system of record) and its projections."""

"""The CAR-T pathway as pure rules: no I/O, no clock, no Temporal.

Callers pass times and ids in, so every function here is safe to call from
deterministic workflow code and trivially unit-testable.
"""

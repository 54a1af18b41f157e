"""Deterministic orchestration only; every decision is delegated to domain/."""

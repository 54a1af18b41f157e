"""Shared plumbing for every entry point: settings, the Temporal client, logging, reference data."""

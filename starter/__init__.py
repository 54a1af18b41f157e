"""The `journeys` command: ops CLI and the entry points of every process."""

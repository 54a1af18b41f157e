"""The HTTP API (partner centres, ops, managers) and the manager web page."""

from api.app import create_app

__all__ = ["create_app"]

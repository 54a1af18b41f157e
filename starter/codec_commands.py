"""`journeys codec-server`: the Temporal UI's remote codec endpoint as its own small process."""

from __future__ import annotations

from typing import Annotated

import typer

from journeys.settings import get_settings
from starter.runner import run


def codec_server(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8081,
) -> None:
    """Serve /codec/encode and /codec/decode for the Temporal Web UI (ops and manager tokens only)."""
    import uvicorn

    from api.codec_routes import create_codec_app
    from journeys.logs import configure

    settings = get_settings()
    configure(settings.log_level)
    server = uvicorn.Server(
        uvicorn.Config(create_codec_app(settings), host=host, port=port, log_config=None, access_log=False)
    )
    run(server.serve())

"""HTTP calls with one error policy: 4xx (but 408/429) is a refusal, anything else is retried."""

from __future__ import annotations

from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

RETRYABLE_4XX = {408, 425, 429}


async def post_json(client: httpx.AsyncClient, url: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    try:
        response = await client.post(url, json=body, headers={"Idempotency-Key": idempotency_key})
    except httpx.HTTPError as err:
        activity.logger.warning("call failed, will retry: %s %s", url, type(err).__name__)
        raise
    if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
        raise ApplicationError(
            f"{url} refused the request ({response.status_code}): {response.text[:200]}",
            type="Rejected",
            non_retryable=True,
        )
    if response.status_code >= 400:
        activity.logger.warning("call failed, will retry: %s %s", url, response.status_code)
        response.raise_for_status()
    return response.json() if response.content else {}

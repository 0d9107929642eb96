"""Dependencies: settings, the services opened by the lifespan, and the API-key guard."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.ratelimit import RateLimit, key_identity
from api.request_id import request_id_of
from api.services import Services
from rag.config import Settings, get_settings

_bearer = HTTPBearer(auto_error=False, description="One of RAG_API_KEYS, when that is set.")

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_services(request: Request) -> Services:
    services = getattr(request.state, "services", None)
    if not isinstance(services, Services):
        raise HTTPException(503, "the service is starting or stopping")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_request_id(request: Request) -> str:
    return request_id_of(request.scope)


RequestIdDep = Annotated[str, Depends(get_request_id)]

# A page offset: SQLite holds 64-bit integers, so anything past 2**63 - 1 is a 422, not a 500.
Offset = Annotated[int, Query(ge=0, le=2**63 - 1, description="How many rows to skip.")]


def require_api_key(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 unless RAG_API_KEYS is empty or the bearer token is one of its keys; then 429
    (with Retry-After) when that key, or that address without keys, is over RAG_RATE_LIMIT."""
    who = f"addr:{request.client.host if request.client else '-'}"
    if settings.api_keys:
        given = credentials.credentials.encode() if credentials else b""
        # Compare with every key: the time taken says nothing about which one nearly matched.
        matches = [
            hmac.compare_digest(given, k.get_secret_value().encode()) for k in settings.api_keys
        ]
        if not credentials or not any(matches):
            raise HTTPException(
                401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"}
            )
        who = key_identity(given)
    limit = getattr(request.app.state, "rate_limit", None)
    if isinstance(limit, RateLimit) and (wait := limit.retry_after(who)) is not None:
        raise HTTPException(
            429,
            f"over the rate limit of {limit.spec} (RAG_RATE_LIMIT): retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


ApiKey = Depends(require_api_key)

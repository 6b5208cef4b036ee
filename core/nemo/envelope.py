"""NemoVideo's JSON envelope: the `data` of a success, or the typed error of a failure.

Two envelope styles exist, `{code, message, data}` (code 0 is success) and
`{success, data, error}`; some answers (render polls) come without one. A
documented code in the body decides the error type; without one, the HTTP
status does. Server messages are shortened and any echo of the token is masked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from core.nemo.errors import (
    CODE_ERRORS,
    DuplicateRenderId,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    NemoError,
    OutOfCredits,
    ProtocolError,
    TokenExpired,
)
from core.nemo.models import Credentials
from core.nemo.wire import MAX_MESSAGE

NO_CREDS = Credentials(SecretStr(""))
"""Stands for "no credentials" (anonymous-token calls, foreign download URLs)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer whose body has been read: status, headers and the raw bytes."""

    status: int
    headers: httpx.Headers
    content: bytes

    @classmethod
    def from_response(cls, response: httpx.Response) -> Answer:
        """The answer of a response whose body was already read."""
        return cls(response.status_code, response.headers, response.content)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        value: str = self.headers.get("content-type", "")
        return value.partition(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        if not self.content:
            return None
        try:
            return json.loads(self.content)
        except (ValueError, RecursionError):  # nested too deep is not JSON we accept
            return None


def unwrap(answer: Answer, kind: str, creds: Credentials, *, allow_bare: bool = False) -> Any:
    """The `data` of a successful envelope, or raise the typed error the answer means.

    `allow_bare` accepts a JSON object without an envelope (and returns it whole).
    """
    status = answer.status
    body = answer.json()
    envelope = body if isinstance(body, dict) else {}
    raise_for_error(envelope, status, kind, creds)
    if body is None:
        ctype = answer.headers.get("content-type", "unknown type").partition(";")[0]
        raise ProtocolError(
            f"NemoVideo answered {kind} with a non-JSON body "
            f"(HTTP {status}, {ctype}, {len(answer.content)} bytes)",
            status=status,
        )
    if not isinstance(body, dict):
        raise ProtocolError(f"NemoVideo answered {kind} with a JSON {type(body).__name__}")
    if "code" in body or "success" in body:
        data = body.get("data")
        if data is None and allow_bare:
            return body
        return data
    if allow_bare:
        return body
    raise ProtocolError(
        f"NemoVideo answered {kind} without an envelope (keys: {', '.join(sorted(body)[:8])})",
        status=status,
    )


def raise_for_error(
    envelope: Mapping[str, Any], status: int, kind: str, creds: Credentials
) -> None:
    """Raise the typed error of a failed answer; return when it is a success."""
    message = server_message(envelope, creds)
    error = envelope_error(envelope, status, creds, message)
    if status == 402:  # the plan, unless the body says credits in the contract's own code
        if isinstance(error, OutOfCredits):
            raise error
        raise ExportBlocked(message or "export is blocked by the plan (HTTP 402)", status=402)
    if error is not None and type(error) is not NemoError:
        raise error
    # No documented code in the body: the HTTP status decides.
    if status == 400 and kind == "anonymous_token":
        raise MissingClientId(message or "the request had no X-Client-Id", status=400)
    if status == 401:
        raise TokenExpired(message or "the token was refused (HTTP 401)", status=401)
    if status == 409 and kind == "render_submit":
        raise DuplicateRenderId(message or "the render id is already used", status=409)
    if status == 413:  # a proxy in front may refuse the body before NemoVideo says 4002
        raise FileTooLarge(message or "the upload is too large (HTTP 413)", status=413)
    if error is not None:
        raise error
    if status >= 400:
        raise NemoError(message or f"NemoVideo answered HTTP {status} for {kind}", status=status)


def envelope_error(
    body: Mapping[str, Any], status: int, creds: Credentials, message: str
) -> NemoError | None:
    """The error an envelope reports (a plain NemoError when its code is unknown), or None."""
    code: Any = None
    if "code" in body and not _is_success_code(body.get("code")):
        code = body.get("code")
    elif body.get("success") is False:
        error = body.get("error")
        code = error.get("code") if isinstance(error, dict) else body.get("code")
        if _is_success_code(code):
            code = None
        if code is None:
            if _looks_duplicate(message):
                return DuplicateRenderId(message, status=status)
            return NemoError(message or "NemoVideo reported a failure", status=status)
    else:
        return None
    number = _code_number(code)
    cls = CODE_ERRORS.get(number) if number is not None else None
    if cls is OutOfCredits:
        return OutOfCredits(message, user_id=creds.user_id, code=number, status=status)
    if cls is not None:
        return cls(message, status=status)
    if _looks_duplicate(message) or str(code).lower() in {"duplicate", "duplicate_id"}:
        return DuplicateRenderId(message, code=number, status=status)
    return NemoError(message or f"NemoVideo error {code}", code=number, status=status)


def server_message(body: Mapping[str, Any], creds: Credentials) -> str:
    """The server's own message, shortened, with the token masked just in case."""
    raw: Any = body.get("message") or body.get("msg")
    error = body.get("error")
    if not raw and isinstance(error, dict):
        raw = error.get("message") or error.get("error")
    elif not raw and isinstance(error, str):
        raw = error
    if not raw or not isinstance(raw, str | int | float):
        return ""
    text = str(raw)[:MAX_MESSAGE]
    if creds is not NO_CREDS:
        secret = creds.token.get_secret_value()
        if secret:
            text = text.replace(secret, "***")
    return text


def _is_success_code(code: Any) -> bool:
    return code in (0, "0", None)


def _code_number(code: Any) -> int | None:
    if isinstance(code, bool):
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def _looks_duplicate(message: str) -> bool:
    text = message.lower()
    return "duplicate" in text or "already exists" in text or "already used" in text

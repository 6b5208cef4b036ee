"""Error answers in the backend's envelopes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

TOKEN_INVALID = 1001
SESSION_NOT_FOUND = 1002
NO_CREDITS = 2001
DUPLICATE_RENDER = 3001
BAD_DRAFT = 3002
RENDER_NOT_FOUND = 3003
RENDER_NOT_READY = 3004
UNSUPPORTED_FILE = 4001
FILE_TOO_LARGE = 4002
FETCH_FAILED = 4003

# The HTTP status of a coded error when `error_http_status` is on (else HTTP 200).
_HTTP_FOR_CODE = {
    TOKEN_INVALID: 401,
    SESSION_NOT_FOUND: 404,
    NO_CREDITS: 403,
    DUPLICATE_RENDER: 409,
    BAD_DRAFT: 400,
    RENDER_NOT_FOUND: 404,
    RENDER_NOT_READY: 409,
    UNSUPPORTED_FILE: 415,
    FILE_TOO_LARGE: 413,
    FETCH_FAILED: 400,
}

RENDER_KINDS = frozenset({"render_submit", "render_poll", "render_cancel", "render_download"})


class ApiError(Exception):
    """An error answer. `http` set means a plain HTTP error (400, 402, 429, 5xx) whose body
    carries that status as its code; otherwise `code` is one of the backend's codes.
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        http: int | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http = http
        self.headers = dict(headers or {})

    def response(self, *, http_status_for_codes: bool, wrapped: bool) -> web.Response:
        """The answer: `{"code", "message"}`, or with `success: false` in the wrapped shape."""
        if self.http is not None:
            status = self.http
        elif http_status_for_codes:
            status = _HTTP_FOR_CODE.get(self.code, 400)
        else:
            status = 200
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if wrapped:
            body = {"success": False, **body, "error": self.message}
        return web.json_response(body, status=status, headers=self.headers)


def bad_request(message: str) -> ApiError:
    """HTTP 400 for a malformed request."""
    return ApiError(400, message, http=400)

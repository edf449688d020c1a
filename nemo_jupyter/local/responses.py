"""How the local backend answers: the `{"code": 0, "data": …}` envelope and its errors.

Raise `ApiError` anywhere in a handler; the app turns it into the answer PROTOCOL.md describes:
an error code in the envelope with its HTTP status (1001 → 401, 1002 → 404, 2001 → 403, 4001 → 415,
4002 → 413), or a plain HTTP status with only a `message` (400, 402, 422, 429, …).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import protocol

HTTP_STATUS_FOR_CODE = {
    protocol.CODE_TOKEN_INVALID: 401,
    protocol.CODE_SESSION_NOT_FOUND: 404,
    protocol.CODE_OUT_OF_CREDITS: 403,
    protocol.CODE_UNSUPPORTED_FILE: 415,
    protocol.CODE_FILE_TOO_LARGE: 413,
}


class ApiError(Exception):
    """An error answer: `ApiError(1002, "…")` for an enveloped code, `ApiError(429, "…")` for a plain status."""

    def __init__(self, code_or_status: int, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.close_connection = False  # set when the request body was not read to its end
        if code_or_status in HTTP_STATUS_FOR_CODE:
            self.code: int | None = code_or_status
            self.status = HTTP_STATUS_FOR_CODE[code_or_status]
        else:
            self.code, self.status = None, code_or_status

    def body(self) -> dict:
        return {"code": self.code, "message": self.message} if self.code is not None else {"message": self.message}


def ok(data) -> JSONResponse:
    return JSONResponse({"code": protocol.CODE_OK, "data": data})


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    # `Connection: close` makes the server stop reading a body it refused, instead of draining it.
    headers = {"Connection": "close"} if exc.close_connection else None
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def json_body(request: Request) -> dict:
    """The request's JSON object, or a 422 naming the problem."""
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(422, "the request body must be JSON") from None
    if not isinstance(body, dict):
        raise ApiError(422, "the request body must be a JSON object")
    return body

"""RFC 9457 problem details: every API error is ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail`` (and ``errors`` for a request that failed validation, one per field or item)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class ProblemDetail(BaseModel):
    """The body of every error (for the OpenAPI schema)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    """Raise to answer with a problem: ``Problem(404, "Not found", "No student 123 in this school")``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.type = status, title, detail, type_
        self.headers, self.errors = headers, errors


def problem_response(problem: Problem) -> JSONResponse:
    body = ProblemDetail(
        type=problem.type,
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        errors=problem.errors,
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


# Documented on every route: what any of them may answer besides its own success.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "content": {MEDIA_TYPE: {}}, "description": title}
    for status, title in (
        (400, "Bad request"),
        (401, "Not signed in"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict"),
        (422, "Invalid request"),
        (429, "Too many requests"),
    )
}


def install_problems(api: FastAPI) -> None:
    api.add_exception_handler(Problem, _problem)  # type: ignore[arg-type]
    api.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]


async def _problem(request: Request, problem: Problem) -> JSONResponse:
    return problem_response(problem)


async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    title = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, "Request refused")
    headers = dict(error.headers) if error.headers else None
    return problem_response(Problem(error.status_code, title, str(error.detail), headers=headers))


async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"location": ".".join(str(part) for part in e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in error.errors()
    ]
    return problem_response(Problem(422, "Invalid request", "See errors for each field.", errors=errors))

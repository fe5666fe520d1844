"""AppError hierarchy and the handlers that turn every error into one JSON shape (or an HTML page)."""

import logging
import math
from collections.abc import Callable
from http import HTTPStatus

from flask import jsonify, render_template_string, request
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error a client can cause; `code` is the HTTP status."""

    code = 400
    message = "Bad request."

    def __init__(self, message=None, errors=None, headers=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.errors = errors or {}
        self.headers = headers or {}

    def for_people(self) -> bool:
        """Whether `message` is already in the reader's words and language (shown as it is on the
        error page, not only to English readers as the service's detail)."""
        return False


class BadRequest(AppError):
    code = 400
    message = "The request could not be read."


class AuthenticationRequired(AppError):
    code = 401
    message = "Sign in first: send Authorization: Bearer <token>."

    def __init__(self, message=None, errors=None):
        super().__init__(message, errors, {"WWW-Authenticate": "Bearer"})


class InvalidCredentials(AuthenticationRequired):
    message = "Wrong username or password."


class Forbidden(AppError):
    code = 403
    message = "You do not have access to this."


class PinChangeRequired(Forbidden):
    """A PIN reset by a manager is known to them: its owner must choose their own first."""

    message = "Your PIN was reset: choose your own with POST /api/v1/auth/pin before anything else."

    def __init__(self, message=None):
        super().__init__(message, {"must_change_pin": ["Change your PIN: POST /api/v1/auth/pin."]})


class NotFound(AppError):
    code = 404
    message = "Not found."


class Conflict(AppError):
    code = 409
    message = "This conflicts with existing data."


class UnsupportedMediaType(AppError):
    code = 415
    message = "Send the body as application/json."


class PayloadTooLarge(AppError):
    code = 413
    message = "The body is too large."


class ValidationFailed(AppError):
    code = 422
    message = "Some fields are invalid."


class TooManyRequests(AppError):
    code = 429
    message = "Too many attempts; wait and try again."

    def __init__(self, retry_after: float, message=None):
        # Whole seconds, at least one: a client told "Retry-After: 0" would retry at once.
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message, None, {"Retry-After": str(self.retry_after)})


class ServiceUnavailable(AppError):
    code = 503
    message = "The service is temporarily unavailable; retry shortly."


def error_body(code: int, message: str, errors=None) -> dict:
    return {"code": code, "status": HTTPStatus(code).phrase, "message": message, "errors": errors or {}}


_HTML_ERROR = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>{{ code }} {{ status }}</title><h1>{{ code }} – {{ status }}</h1><p>{{ message }}</p></html>"""


def _respond(code: int, message: str, errors=None, headers=None, for_people=False):
    # Nothing half-written survives an error: whatever the request flushed is rolled back.
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone (database down)
        log.warning("rollback failed while answering an error", exc_info=True)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify(error_body(code, message, errors))
    else:
        response = _html_error(code, message, for_people)
    return response, code, headers or {}


def _html_error(code: int, message: str, for_people: bool = False):
    """The styled, Vietnamese-first page (common/front_door.py); the bare page only if that one
    cannot be drawn (an error while answering an error must not become a second 500)."""
    from .common.front_door import error_page

    try:
        return error_page(code, message, explained=message if for_people else None)
    except Exception:
        log.warning("the error page could not be rendered", exc_info=True)
        return render_template_string(_HTML_ERROR, code=code, status=HTTPStatus(code).phrase, message=message)


def register_error_handlers(app, reword_forbidden: Callable[[Forbidden], Forbidden] | None = None):
    """`reword_forbidden` may put a 403 into its reader's words (the app passes auth/assistant.py's:
    a stall's assistant is told what they cannot do and who can); this module imports no feature."""

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        if reword_forbidden is not None and isinstance(exc, Forbidden):
            exc = reword_forbidden(exc)
        return _respond(exc.code, exc.message, exc.errors, exc.headers, exc.for_people())

    @app.errorhandler(MarshmallowValidationError)
    def _validation(exc: MarshmallowValidationError):
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return _respond(422, ValidationFailed.message, errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = dict(exc.get_response().headers) if exc.code == 405 else {}
        headers = {k: v for k, v in headers.items() if k == "Allow"}
        code = exc.code or 500
        return _respond(code, exc.description or HTTPStatus(code).phrase, None, headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc):
        # A lost or refused database connection is a 503 the client can retry, not a 500.
        log.error("database error: %s", exc.__class__.__name__, exc_info=exc)
        return _respond(503, ServiceUnavailable.message)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        # exc_info from the argument: Flask may call this outside the `except` that caught it.
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return _respond(500, "Internal error; it has been logged.")

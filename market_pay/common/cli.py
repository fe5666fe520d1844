"""What every feature's `cli.py` shares: run a service in the app context and commit once, read a
text file, validate options with a schema. Errors become click exceptions: one "Error: …" line
(and a client error's field details), exit 1, no traceback."""

import json
from functools import wraps
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..errors import AppError
from ..extensions import db


class AppErrorForCli(click.ClickException):
    """An AppError a command raised: its message, then its field errors as JSON (if any)."""

    def __init__(self, error: AppError):
        message = error.message
        if error.errors:
            message += "\n" + json.dumps(error.errors, ensure_ascii=False, indent=2, default=str)
        super().__init__(message)


def service_command(func):
    """Run inside the app context; commit on success; roll back and fail with the AppError's
    message otherwise."""

    @wraps(func)
    @with_appcontext
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except AppError as exc:
            db.session.rollback()
            raise AppErrorForCli(exc) from None
        except click.ClickException:
            db.session.rollback()
            raise

    return wrapper


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"Cannot read {path} as UTF-8 text: {exc}") from None


def load_options(schema, data):
    """Validate a command's options with a marshmallow schema, as the API validates a body:
    a ValidationFailed (the command fails with the field errors) when they are wrong."""
    from marshmallow import ValidationError

    from ..errors import ValidationFailed

    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=exc.messages) from None

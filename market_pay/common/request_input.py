"""Reading a request body: JSON only, an object, then validated by a marshmallow schema."""

from flask import current_app, request

from ..errors import BadRequest, UnsupportedMediaType
from .jsontext import loads


def json_body() -> dict:
    """The request's JSON object, or a 415 (not JSON) / 400 (unreadable or not an object)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    try:  # not request.get_json: it lets a RecursionError (deeply nested JSON) through as a 500
        data = loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None
    if data is None:
        raise BadRequest("The body is not valid JSON.")
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def load_json(schema):
    """Parse and validate the JSON body with `schema` (a marshmallow Schema instance)."""
    return schema.load(json_body())


def load_query(schema):
    """Validate the query string with `schema`; repeated keys are not accepted."""
    return schema.load(request.args.to_dict(flat=True))


def refuse_nul_in_url():
    """before_request: a NUL in the path, the query or a page's form fields is never meaningful,
    and PostgreSQL would refuse it deep inside a query; answer 400 up front instead. (JSON bodies
    go through the schemas, which refuse control characters; uploads' files are not looked at.)"""
    try:  # raw bytes that are not UTF-8 (not %-escaped): werkzeug's request.args would raise a 500
        request.query_string.decode()
    except UnicodeDecodeError:
        raise BadRequest("The address is not UTF-8 text.") from None
    if "\x00" in request.path or (
        request.query_string and any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True))
    ):
        raise BadRequest("The address contains a NUL character.")
    # A body announced beyond a form's limit is not read here: reading it would refuse it with 413
    # at the form limit, before a page that takes more (the office's statement upload, up to the
    # role's limit) could raise it; such a page validates every field itself, any other one
    # refuses the body with 413 when it reads it.
    form_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    beyond_a_form = form_limit is not None and (request.content_length or 0) > form_limit
    if (
        (
            request.mimetype == "application/x-www-form-urlencoded"
            or (request.mimetype == "multipart/form-data" and not request.path.startswith("/api/"))
        )
        and not beyond_a_form
        and any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True))
    ):
        raise BadRequest("A form field contains a NUL character.")

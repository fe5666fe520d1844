"""Flask's signed-cookie session, without its cost on requests that carry no session cookie.

Only the pages (stall board, staff dashboard) use the session; API clients and banks never send
its cookie. Flask's interface builds a signing serializer on every request before it even looks
for the cookie; this one looks first, and builds the serializer once per process."""

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers = {}

    def open_session(self, app, request):
        # No Cookie header at all (banks, API clients): not even parse the (absent) cookies.
        if "HTTP_COOKIE" not in request.environ or not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        # Keyed on the secrets, so a changed SECRET_KEY (tests) gets a serializer of its own.
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer

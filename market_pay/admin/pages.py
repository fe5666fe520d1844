"""The administration pages (/admin): users, the region tree, partners' credentials. Staff sign in
on the staff page; every page is for administrators only (403 for any other role, before any
work), every form is CSRF-protected, and every change is audited by the service it calls."""

from datetime import datetime
from functools import wraps

from flask import Blueprint, redirect, request, session, url_for
from sqlalchemy import func, select

from ..auth import accounts
from ..auth.models import ROLES, STALL_ROLES, User
from ..auth.page_sign_in import STAFF_SESSION
from ..auth.services import deactivate_user, search_users, user_for_page_session
from ..common.formatting import format_datetime
from ..common.web import page_lang, render_page, require_csrf, security_headers
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from ..payments import partners
from ..payments.partner_formats import PARTNERS
from ..regions.models import MARKET_REGION_KINDS, Region
from ..regions.services import find_region, move_region, rename_region
from .texts import admin_text, refusal_text

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")
bp.after_request(security_headers)
NOTICE = "admin_notice"


def admin_page(view):
    """A POST without this session's CSRF token: 403 first, whoever sends it. Signed out: to the
    staff sign-in. Signed in with another role: 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST":
            require_csrf()
        actor = user_for_page_session(session.get(STAFF_SESSION))
        if actor is None or actor.role in STALL_ROLES:
            return redirect(url_for("report_pages.login_page"))
        if actor.role != "admin":
            raise Forbidden("Only an administrator may use these pages.")
        return view(actor, *args, **kwargs)

    return wrapper


def _page(template: str, status: int = 200, **context):
    lang = page_lang()
    response = render_page(
        template, status, a=lambda key, **v: admin_text(lang, key, **v), notice=session.pop(NOTICE, None), **context
    )
    response.headers["Cache-Control"] = "no-store"  # pages may carry a one-time secret
    return response


def _done(endpoint: str, key: str, **values):
    """Commit, then back to a page that says what was done (the notice lives in the session)."""
    db.session.commit()
    session[NOTICE] = admin_text(page_lang(), key, **values)
    return redirect(url_for(endpoint, **({"code": values["code"]} if endpoint.endswith("region") else {})))


def _refused(refusal) -> str:
    db.session.rollback()
    return refusal_text(page_lang(), refusal.errors or {}, refusal.message)


@bp.get("")
@admin_page
def home(actor):
    return redirect(url_for("admin_pages.users"))


# Users ------------------------------------------------------------------------------------------
@bp.get("/users")
@admin_page
def users(actor):
    words, role = request.args.get("q", ""), request.args.get("role") or None
    found, more = search_users(actor, words, role if role in ROLES else None, cursor=request.args.get("after"))
    rows = [
        {
            "user": user,
            "scope": user.scope_code or "",
            "last_login": format_datetime(user.last_login_at) if user.last_login_at else "",
        }
        for user in found
    ]
    return _page("admin/users.html", rows=rows, q=words, role=role, roles=ROLES, more=more)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_page
def new_user(actor):
    form = {key: request.form.get(key, "").strip() for key in ("username", "display_name", "role", "scope")}
    if request.method == "GET":  # most logins made here are staff: not an administrator by default
        return _page("admin/user_new.html", form={**form, "role": "region_staff"}, roles=ROLES)
    try:
        user, secret = accounts.create_user_with_secret(
            actor, form["username"], form["role"], form["scope"] or None, form["display_name"]
        )
    except (ValidationFailed, Conflict) as refused:
        return _page("admin/user_new.html", refused.code, form=form, roles=ROLES, error=_refused(refused))
    db.session.commit()
    return _page("admin/secret.html", user=user, secret=secret, created=True)


@bp.post("/users/<int:user_id>/deactivate")
@admin_page
def deactivate(actor, user_id):
    try:
        user = deactivate_user(actor, user_id)
    except ValidationFailed as refused:
        session[NOTICE] = _refused(refused)
        return redirect(url_for("admin_pages.users"))
    return _done("admin_pages.users", "deactivated", username=user.username)


@bp.post("/users/<int:user_id>/reactivate")
@admin_page
def reactivate(actor, user_id):
    user = accounts.reactivate_user(actor, user_id)
    return _done("admin_pages.users", "reactivated", username=user.username)


@bp.post("/users/<int:user_id>/reset")
@admin_page
def reset(actor, user_id):
    target = db.session.get(User, user_id)
    reset_secret = accounts.reset_pin if target is not None and target.role in STALL_ROLES else accounts.reset_password
    user, secret = reset_secret(actor, user_id)
    db.session.commit()
    return _page("admin/secret.html", user=user, secret=secret, created=False)


# Regions ----------------------------------------------------------------------------------------
def _market_counts() -> dict:
    """{region code: markets in it or below it}."""
    counts: dict = {}
    paths = db.session.execute(
        select(Region.path, func.count(Market.id)).join(Market, Market.region_id == Region.id).group_by(Region.path)
    )
    for path, count in paths:
        for code in filter(None, path.split("/")):
            counts[code] = counts.get(code, 0) + count
    return counts


@bp.get("/regions")
@admin_page
def regions(actor):
    tree = db.session.scalars(select(Region).order_by(Region.path)).all()
    counts = _market_counts()
    rows = [
        {"region": region, "depth": region.path.count("/") - 2, "markets": counts.get(region.code, 0)}
        for region in tree
    ]
    return _page("admin/regions.html", rows=rows)


def _region_page(region, status=200, error=None):
    parents = (
        db.session.scalars(
            select(Region)
            .where(Region.kind.not_in(MARKET_REGION_KINDS), ~Region.path.startswith(region.path, autoescape=True))
            .order_by(Region.path)
        ).all()
        if region.kind in MARKET_REGION_KINDS
        else []
    )
    return _page(
        "admin/region.html",
        status,
        region=region,
        parents=parents,
        markets=_market_counts().get(region.code, 0),
        error=error,
    )


@bp.get("/regions/<code>")
@admin_page
def region(actor, code):
    return _region_page(find_region(code))


@bp.post("/regions/<code>/rename")
@admin_page
def rename(actor, code):
    try:
        rename_region(actor, code, request.form.get("name", ""))
    except ValidationFailed as refused:
        return _region_page(find_region(code), 422, _refused(refused))
    return _done("admin_pages.region", "renamed", code=code)


@bp.post("/regions/<code>/move")
@admin_page
def move(actor, code):
    try:
        moved = move_region(actor, code, request.form.get("parent_code", ""))
    except ValidationFailed as refused:
        return _region_page(find_region(code), 422, _refused(refused))
    assert moved.parent is not None  # move_region has just given it this parent
    return _done("admin_pages.region", "moved", code=code, parent=moved.parent.name)


# Partners' credentials --------------------------------------------------------------------------
def _partners_page(status=200, error=None):
    live: dict[str, list[dict]] = {partner: [] for partner in PARTNERS}
    for row in partners.describe_all():
        live.setdefault(row["partner"], []).append(
            {**row, "since": format_datetime(datetime.fromisoformat(row["since"]))}
        )
    return _page("admin/partners.html", status, live=live, error=error)


@bp.get("/partners")
@admin_page
def partner_list(actor):
    return _partners_page()


@bp.post("/partners/<partner>/add")
@admin_page
def partner_add(actor, partner):
    try:
        # The value goes to the service and nowhere else: never echoed back, never logged.
        summary = partners.add_credential(
            partner, request.form.get("kind", "secret"), request.form.get("value", ""), actor
        )
    except ValidationFailed as refused:
        return _partners_page(422, _refused(refused))
    return _done("admin_pages.partner_list", "added", partner=partner, fingerprint=summary["added"])


@bp.post("/partners/<partner>/retire")
@admin_page
def partner_retire(actor, partner):
    try:
        summary = partners.retire_credential(partner, request.form.get("fingerprint", ""), actor)
    except ValidationFailed as refused:
        return _partners_page(422, _refused(refused))
    return _done("admin_pages.partner_list", "retired", partner=partner, fingerprint=summary["retired"])

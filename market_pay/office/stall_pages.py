"""A stall in the office: register, edit, suspend / reactivate, its accounts (four eyes: a
manager's change waits for the vendor, vendors/confirmations.py), its sign-ins (a new assistant,
a PIN reset shown once). Service refusals of the wrong scope propagate (403/404); a form's
mistakes come back on the page beside their fields."""

from flask import flash, redirect, request, url_for

from ..auth import accounts
from ..auth.scopes import require_market_manage
from ..banks.directory import all_banks
from ..common.page_texts import text
from ..common.web import page_lang, render_page
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..vendors import services as vendors
from ..vendors.confirmations import confirm_account, reject_account
from . import forms
from .access import market_for, may_manage, stall_of
from .logins import create_stall_login, stall_logins
from .pages import bp, staff_page

LOGIN_ROLES = ("vendor_assistant", "vendor")


def _stall_page(actor, market, vendor, status=200, errors=None, form=None, open_form=None):
    return render_page(
        "office/stall.html",
        status,
        actor=actor,
        market=market,
        vendor=vendor,
        logins=stall_logins(vendor),
        banks=all_banks(),
        manage=may_manage(actor, market),
        errors=errors or {},
        form=form or {},
        open_form=open_form,
    )


def _back(market, vendor, notice_key="saved", **words):
    flash(text(page_lang(), notice_key, **words))
    return redirect(url_for("office_pages.stall", code=market.code, vendor_id=vendor.id))


def _new_stall_page(actor, market, errors: dict, status=200):
    return render_page(
        "office/new_stall.html",
        status,
        actor=actor,
        market=market,
        banks=all_banks(),
        errors=errors,
        form=request.form if errors else {},
    )


@bp.route("/m/<code>/stalls/new", methods=["GET", "POST"])
@staff_page
def new_stall(actor, code):
    market = market_for(actor, code)
    require_market_manage(actor, market)  # the form itself only for those who may register
    if request.method == "GET":
        return _new_stall_page(actor, market, {})
    try:
        data, wrong = forms.new_stall(request.form, market.code), {}
    except forms.FormErrors as refused_fields:
        data, wrong = refused_fields.valid, refused_fields.fields
    # Every mistake in one answer: the registry's refusals (a code or number taken, an account in
    # another name) beside the fields' own, not one round after the other.
    misnamed, taken = vendors.registration_problems(market, data)
    if wrong or misnamed or taken:
        errors = {**forms.flat_errors(taken), **forms.flat_errors(misnamed), **wrong}
        return _new_stall_page(actor, market, errors, 422 if wrong or misnamed else 409)
    try:
        vendor = vendors.register_vendor(actor, data)
    except (ValidationFailed, Conflict) as refused:  # e.g. the same stall registered at this moment
        db.session.rollback()
        return _new_stall_page(actor, market, forms.error_fields(refused), refused.code)
    db.session.commit()
    return _back(market, vendor, "registered", stall=vendor.stall_code)


@bp.get("/m/<code>/stalls/<int:vendor_id>")
@staff_page
def stall(actor, code, vendor_id):
    market = market_for(actor, code)
    return _stall_page(actor, market, stall_of(market, vendor_id))


def _stall_form(actor, code, vendor_id, change, form_name):
    """Run `change(vendor)` (a service call) and commit; the page again with the form's errors."""
    market = market_for(actor, code)
    vendor = stall_of(market, vendor_id)
    try:
        change(vendor)
    except forms.FormErrors as invalid:
        return _stall_page(actor, market, vendor, 422, invalid.fields, request.form, form_name)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return _stall_page(
            actor,
            market,
            stall_of(market, vendor_id),
            refused.code,
            forms.error_fields(refused),
            request.form,
            form_name,
        )
    db.session.commit()
    return _back(market, vendor)


@bp.post("/m/<code>/stalls/<int:vendor_id>/edit")
@staff_page
def edit_stall(actor, code, vendor_id):
    def change(vendor):
        changes = forms.stall_changes(request.form, vendor)
        if changes:
            vendors.update_vendor(actor, vendor.id, changes)

    return _stall_form(actor, code, vendor_id, change, "edit")


@bp.post("/m/<code>/stalls/<int:vendor_id>/status")
@staff_page
def stall_status(actor, code, vendor_id):
    status = "suspended" if request.form.get("status") == "suspended" else "active"
    reason = request.form.get("reason", "").strip()[:500]
    return _stall_form(
        actor, code, vendor_id, lambda v: vendors.set_vendor_status(actor, v.id, status, reason), "status"
    )


@bp.post("/m/<code>/stalls/<int:vendor_id>/accounts")
@staff_page
def add_account(actor, code, vendor_id):
    return _stall_form(
        actor, code, vendor_id, lambda v: vendors.add_account(actor, v.id, forms.new_account(request.form)), "account"
    )


def _account_of(vendor, account_id: int):
    if not any(account.id == account_id for account in vendor.accounts):
        raise NotFound(f"Stall {vendor.id} has no account {account_id}.")


@bp.post("/m/<code>/stalls/<int:vendor_id>/accounts/<int:account_id>/<any(deactivate, withdraw, approve):what>")
@staff_page
def account_action(actor, code, vendor_id, account_id, what):
    """Deactivate (a manager's request when it is the last live one), withdraw a pending request
    (the manager) or approve it (an administrator; the vendor confirms on their board)."""

    def change(vendor):
        _account_of(vendor, account_id)
        if what == "deactivate":
            vendors.deactivate_account(actor, vendor.id, account_id)
        elif what == "withdraw":
            reject_account(actor, account_id, None)
        else:
            confirm_account(actor, account_id, None)

    return _stall_form(actor, code, vendor_id, change, "accounts")


def _pin_page(market, vendor, user, pin):
    page = render_page("office/pin_shown.html", market=market, vendor=vendor, user=user, pin=pin)
    page.headers["Cache-Control"] = "no-store"  # the PIN is in this answer only
    return page


@bp.post("/m/<code>/stalls/<int:vendor_id>/logins")
@staff_page
def new_login(actor, code, vendor_id):
    market = market_for(actor, code)
    vendor = stall_of(market, vendor_id)
    role = request.form.get("role", "")
    if role not in LOGIN_ROLES:
        role = "vendor_assistant"
    try:
        user, pin = create_stall_login(actor, vendor, request.form.get("phone", ""), role)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return _stall_page(
            actor, market, stall_of(market, vendor_id), refused.code, forms.error_fields(refused), request.form, "login"
        )
    db.session.commit()
    return _pin_page(market, vendor, user, pin)


@bp.post("/m/<code>/stalls/<int:vendor_id>/logins/<int:user_id>/reset-pin")
@staff_page
def reset_pin(actor, code, vendor_id, user_id):
    market = market_for(actor, code)
    vendor = stall_of(market, vendor_id)
    if user_id not in {user.id for user in stall_logins(vendor)}:
        raise NotFound(f"Stall {vendor.id} has no sign-in {user_id}.")
    user, pin = accounts.reset_pin(actor, user_id)
    db.session.commit()
    return _pin_page(market, vendor, user, pin)

"""Every word of the administration pages, Vietnamese first, English available. Pure."""

WORDS = {
    "vi": {
        "title": "Quản trị", "nav_users": "Người dùng", "nav_regions": "Địa bàn", "nav_partners": "Đối tác ngân hàng",
        "nav_reports": "Báo cáo",
        "users_title": "Người dùng", "search": "Tìm (tên đăng nhập, họ tên)", "role": "Vai trò", "any_role": "Mọi vai trò",
        "find": "Tìm", "new_user": "Tạo người dùng", "username": "Tên đăng nhập", "display_name": "Họ tên",
        "scope": "Phạm vi", "status": "Trạng thái", "active": "Đang dùng", "inactive": "Đã khoá",
        "last_login": "Đăng nhập gần nhất", "never": "chưa", "deactivate": "Khoá", "reactivate": "Mở lại",
        "reset_password": "Cấp mật khẩu mới", "reset_pin": "Cấp mã PIN mới", "more": "Xem tiếp", "none_found": "Không có ai.",
        "role_admin": "Quản trị viên", "role_region_staff": "Cán bộ địa bàn", "role_market_manager": "Ban quản lý chợ",
        "role_vendor": "Chủ sạp", "role_vendor_assistant": "Người phụ sạp",
        "scope_hint": "Cán bộ địa bàn: mã xã/huyện cũ/tỉnh. Ban quản lý chợ: mã chợ. Chủ sạp, người phụ: MÃ_CHỢ/MÃ_SẠP. "
                      "Quản trị viên: để trống.",
        "username_hint": "Cán bộ: 3–80 chữ, số, '.', '_', '@', '-'. Chủ sạp, người phụ: số điện thoại.",
        "create": "Tạo", "created": "Đã tạo tài khoản {username}.", "was_reset": "Đã cấp lại cho {username}.",
        "secret_password": "Mật khẩu", "secret_pin": "Mã PIN",
        "secret_once": "Chỉ hiện một lần. Hãy ghi lại và trao tận tay người dùng; hệ thống không lưu được bản đọc lại.",
        "pin_must_change": "Lần đăng nhập đầu, người dùng phải tự đặt mã PIN mới.",
        "password_change_hint": "Hãy nhắc người dùng đổi mật khẩu ở trang Đổi mật khẩu sau khi đăng nhập.",
        "back_users": "Về danh sách người dùng", "deactivated": "Đã khoá {username}: mọi phiên đăng nhập đã kết thúc.",
        "reactivated": "Đã mở lại {username}.",
        "regions_title": "Địa bàn", "markets": "Số chợ", "kind": "Loại", "code": "Mã", "name": "Tên", "edit": "Sửa",
        "kind_province": "Tỉnh", "kind_former_district": "Huyện cũ", "kind_commune": "Xã", "kind_ward": "Phường",
        "rename": "Đổi tên", "save": "Lưu", "move": "Chuyển sang", "move_hint": "Chuyển xã/phường (cùng các chợ của nó) "
        "sang huyện cũ hoặc tỉnh khác. Báo cáo và phạm vi của cán bộ địa bàn đi theo ngay.",
        "move_button": "Chuyển", "parent": "Thuộc", "renamed": "Đã đổi tên {code}.", "moved": "Đã chuyển {code} sang {parent}.",
        "back_regions": "Về cây địa bàn",
        "partners_title": "Đối tác ngân hàng", "partners_intro": "Khoá bí mật dùng để kiểm tra chữ ký callback của từng đối tác. "
        "Chỉ hiện dấu vân tay (sha256), không bao giờ hiện lại khoá.",
        "fingerprint": "Dấu vân tay", "since": "Từ", "kind_secret": "Khoá bí mật", "kind_api_key": "API key",
        "no_credentials": "Chưa có khoá: mọi callback của đối tác này bị từ chối.",
        "add_credential": "Thêm khoá mới", "value": "Khoá (8–200 ký tự)", "add": "Thêm",
        "rotate_hint": "Đổi khoá: thêm khoá mới, cập nhật ở phía đối tác, rồi gỡ khoá cũ. Trong lúc đó cả hai khoá đều được chấp nhận.",
        "retire": "Gỡ", "added": "Đã thêm khoá {fingerprint} cho {partner}.", "retired": "Đã gỡ khoá {fingerprint} của {partner}.",
        "error": "Chưa làm được: {detail}",
        "field_username": "tên đăng nhập không hợp lệ hoặc đã có người dùng", "field_scope": "phạm vi không đúng với vai trò",
        "field_role": "vai trò không hợp lệ", "field_password": "mật khẩu/mã PIN không hợp lệ",
        "field_user_id": "không áp dụng cho tài khoản này", "field_name": "tên cần 1–200 ký tự",
        "field_parent_code": "chỉ chuyển được sang tỉnh hoặc huyện cũ không nằm dưới xã này",
        "field_code": "chỉ chuyển được xã hoặc phường", "field_secret": "khoá cần 8–200 ký tự, chưa có sẵn, tối đa 4 khoá",
        "field_kind": "API key chỉ dành cho SePay", "field_fingerprint": "không gỡ được khoá cuối cùng hoặc khoá không còn",
        "field_partner": "đối tác không có",
    },
    "en": {
        "title": "Administration", "nav_users": "Users", "nav_regions": "Regions", "nav_partners": "Bank partners",
        "nav_reports": "Reports",
        "users_title": "Users", "search": "Search (username, name)", "role": "Role", "any_role": "Any role",
        "find": "Search", "new_user": "Create a user", "username": "Username", "display_name": "Name",
        "scope": "Scope", "status": "Status", "active": "Active", "inactive": "Deactivated",
        "last_login": "Last sign-in", "never": "never", "deactivate": "Deactivate", "reactivate": "Reactivate",
        "reset_password": "New password", "reset_pin": "New PIN", "more": "More", "none_found": "Nobody.",
        "role_admin": "Administrator", "role_region_staff": "Region staff", "role_market_manager": "Market manager",
        "role_vendor": "Vendor", "role_vendor_assistant": "Vendor's assistant",
        "scope_hint": "Region staff: a commune, former district or province code. Market manager: a market code. "
                      "Vendor, assistant: MARKET_CODE/STALL_CODE. Administrator: leave empty.",
        "username_hint": "Staff: 3–80 letters, digits, '.', '_', '@', '-'. Vendors and assistants: a phone number.",
        "create": "Create", "created": "Account {username} created.", "was_reset": "New credential for {username}.",
        "secret_password": "Password", "secret_pin": "PIN",
        "secret_once": "Shown once. Write it down and hand it over in person; it cannot be read back.",
        "pin_must_change": "At the first sign-in the user must choose their own PIN.",
        "password_change_hint": "Remind the user to change it on the Change password page after signing in.",
        "back_users": "Back to the users", "deactivated": "{username} deactivated: every session has ended.",
        "reactivated": "{username} reactivated.",
        "regions_title": "Regions", "markets": "Markets", "kind": "Kind", "code": "Code", "name": "Name", "edit": "Edit",
        "kind_province": "Province", "kind_former_district": "Former district", "kind_commune": "Commune",
        "kind_ward": "Ward",
        "rename": "Rename", "save": "Save", "move": "Move to", "move_hint": "Move a commune or ward (with its markets) "
        "to another former district or province. Reports and region staff's scopes follow at once.",
        "move_button": "Move", "parent": "Under", "renamed": "{code} renamed.", "moved": "{code} moved under {parent}.",
        "back_regions": "Back to the region tree",
        "partners_title": "Bank partners", "partners_intro": "The secrets that verify each partner's callback signatures. "
        "Only fingerprints (sha256) are shown; a secret is never shown again.",
        "fingerprint": "Fingerprint", "since": "Since", "kind_secret": "Secret", "kind_api_key": "API key",
        "no_credentials": "No credential: every callback from this partner is refused.",
        "add_credential": "Add a credential", "value": "Secret (8–200 characters)", "add": "Add",
        "rotate_hint": "To rotate: add the new one, change it at the partner, then retire the old one. Both are accepted meanwhile.",
        "retire": "Retire", "added": "Added {fingerprint} for {partner}.", "retired": "Retired {fingerprint} of {partner}.",
        "error": "Not done: {detail}",
        "field_username": "the username is not valid or is taken", "field_scope": "the scope does not fit the role",
        "field_role": "not a role", "field_password": "not a valid password or PIN",
        "field_user_id": "does not apply to this account", "field_name": "a name is 1–200 characters",
        "field_parent_code": "move only under a province or former district that is not below this commune",
        "field_code": "only a commune or ward can be moved", "field_secret": "8–200 characters, not live already, at most four",
        "field_kind": "API keys are for SePay only", "field_fingerprint": "the last credential cannot be retired, or it is gone",
        "field_partner": "no such partner",
    },
}


def admin_text(lang: str, key: str, **values) -> str:
    words = WORDS.get(lang, WORDS["vi"])[key]
    return words.format(**values) if values else words


def refusal_text(lang: str, errors: dict, message: str) -> str:
    """A service's refusal in the reader's words: one phrase per field it names."""
    words = WORDS.get(lang, WORDS["vi"])
    details = [words.get(f"field_{field}", message) for field in errors] or [message]
    return admin_text(lang, "error", detail="; ".join(dict.fromkeys(details)))

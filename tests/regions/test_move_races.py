"""Two moves of one commune at the same moment (really committed, separate connections)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.auth.models import User
from market_pay.auth.services import create_user
from market_pay.extensions import db
from market_pay.regions.models import Region
from market_pay.regions.services import create_region, move_region


def test_moves_of_one_commune_at_once_leave_every_path_matching_its_parent(committed):
    """Six administrators move the same commune back and forth at the same moment: the moves queue
    on the commune's row, and the tree ends consistent (each path is its parent's path + code)."""
    create_region(None, {"code": "P", "name": "Tỉnh", "kind": "province"})
    for code in ("D1", "D2", "D3"):
        create_region(None, {"code": code, "name": code, "kind": "former_district", "parent_code": "P"})
    create_region(None, {"code": "C1", "name": "Xã", "kind": "commune", "parent_code": "D1"})
    create_region(None, {"code": "C1-T1", "name": "Thôn", "kind": "hamlet", "parent_code": "C1"})
    admin_id = create_user(None, "admin", "long-enough-pw", "admin").id
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(6)

    def move(n):
        with committed.app_context():
            admin = db.session.get(User, admin_id)
            db.session.rollback()  # no transaction open while waiting (SQLite's BEGIN IMMEDIATE would hold the lock)
            barrier.wait(timeout=30)
            move_region(admin, "C1", ("D2", "D3")[n % 2])
            db.session.commit()

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(move, range(6)))
    regions = {region.code: region for region in db.session.scalars(select(Region))}
    for region in regions.values():
        assert region.path == (region.parent.path if region.parent else "/") + region.code + "/"
    assert regions["C1"].parent_code in ("D2", "D3")
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "region.move")) >= 1

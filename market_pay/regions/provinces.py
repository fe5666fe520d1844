"""Any province's regions after the 1 July 2025 reform: the province, its communes, wards and
special zones (from the vietnam-provinces package), grouped under their former districts
(former_districts.py).

Codes follow the statistics office, as the shipped Hà Giang file does: the province in 2 digits
("08"), a former district in 3 ("030"), a commune or ward in 5 ("00913"). A unit whose code no
pre-reform commune had (a few wards created shortly before the reform, so missing from the
pre-reform data) has no known former district and hangs directly under the province.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..extensions import db
from .former_districts import district_of_commune, former_districts
from .models import Region
from .services import create_region

# The day before the reform: the former districts' last day.
FORMER_DISTRICTS_VALID_TO = date(2025, 6, 30)
_KINDS = {"xã": "commune", "phường": "ward", "đặc khu": "special_zone"}
_LABELS = {
    "province": "province",
    "former_district": "former district",
    "commune": "commune",
    "ward": "ward",
    "special_zone": "special zone",
}


class UnknownProvince(LookupError):
    pass


@dataclass
class ProvinceImport:
    """What an import did (or, dry, would do)."""

    province_code: str
    province_name: str
    dry_run: bool
    created: dict[str, int] = field(default_factory=dict)  # kind → regions created
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # present with another name, kind or parent: left alone
    ungrouped: list[str] = field(default_factory=list)  # units with no known former district

    def as_text(self) -> str:
        verb = "would create" if self.dry_run else "created"
        made = (
            ", ".join(f"{count} {_LABELS[kind]}{'s' if count != 1 else ''}" for kind, count in self.created.items())
            or "nothing"
        )
        lines = [f"{self.province_name} ({self.province_code}): {verb} {made}; {self.unchanged} already present."]
        if self.kept:
            lines.append(
                f"{len(self.kept)} present with another name, kind or parent, left as they are: "
                + ", ".join(self.kept[:20])
                + (" …" if len(self.kept) > 20 else "")
            )
        if self.ungrouped:
            lines.append(
                f"{len(self.ungrouped)} with no former district in the source, placed directly under "
                "the province: " + ", ".join(self.ungrouped)
            )
        return "\n".join(lines)


def provinces() -> list[tuple[str, str]]:
    """(code, name) of the 34 provinces and centrally-run cities, by code."""
    from vietnam_provinces import Province

    return sorted((f"{p.code.value:02d}", _province_name(p)) for p in Province.iter_all())


def _province_name(province) -> str:
    # The package names cities in full ("Thành phố Huế") and provinces bare ("Tuyên Quang").
    return f"Tỉnh {province.name}" if province.division_type.value == "tỉnh" else province.name


def _find_province(code: str):
    from vietnam_provinces import Province

    wanted = code.strip().lower()
    for province in Province.iter_all():
        if wanted in (f"{province.code.value:02d}", str(province.code.value), province.codename):
            return province
    raise UnknownProvince(code)


def province_rows(code: str) -> tuple[str, str, list[dict], list[str]]:
    """(province code, its name, region rows parents first, codes of units with no former district)."""
    from vietnam_provinces import Ward

    province = _find_province(code)
    province_code = f"{province.code.value:02d}"
    rows: list[dict] = [
        {"code": province_code, "name": _province_name(province), "kind": "province", "parent_code": None}
    ]
    by_commune = district_of_commune()
    island_districts = {d.name.split(" ", 1)[1]: d for d in former_districts() if not d.communes}
    units, districts, ungrouped = [], {}, []
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: w.code.value):
        unit_code = f"{ward.code.value:05d}"
        kind = _KINDS[ward.division_type.value]
        district = by_commune.get(unit_code)
        if district is None and kind == "special_zone":
            # An island district without communes became the special zone of the same name.
            district = island_districts.get(ward.name.removeprefix("Đặc khu ").strip())
        if district is None:
            ungrouped.append(unit_code)
        else:
            districts[district.code] = district
        units.append(
            {
                "code": unit_code,
                "name": ward.name,
                "kind": kind,
                "parent_code": district.code if district else province_code,
            }
        )
    rows += [
        {
            "code": d.code,
            "name": d.name,
            "kind": "former_district",
            "parent_code": province_code,
            "valid_to": FORMER_DISTRICTS_VALID_TO,
        }
        for _, d in sorted(districts.items())
    ]
    return province_code, rows[0]["name"], rows + units, ungrouped


def import_province(code: str, dry_run: bool = False, actor=None) -> ProvinceImport:
    """Create the province's regions that do not exist yet. Idempotent: a region whose code exists
    is never renamed or moved (an operator may have edited it); it is counted, and listed when it
    differs from the source. Raises UnknownProvince."""
    province_code, name, rows, ungrouped = province_rows(code)
    result = ProvinceImport(province_code, name, dry_run, ungrouped=ungrouped)
    existing = {
        region.code: region
        for region in db.session.scalars(select(Region).where(Region.code.in_([row["code"] for row in rows])))
    }
    for row in rows:  # parents come first
        region = existing.get(row["code"])
        if region is None:
            if not dry_run:
                create_region(actor, row)
            result.created[row["kind"]] = result.created.get(row["kind"], 0) + 1
        elif (region.name, region.kind, region.parent_code) == (row["name"], row["kind"], row["parent_code"]):
            result.unchanged += 1
        else:
            result.kept.append(row["code"])
    return result

"""The districts abolished on 1 July 2025, and which of their communes' codes each one held.

The 2025 units (vietnam-provinces, a dependency) have no district level. Each new commune or
ward kept the statistics office's code of one of the communes merged into it, so the district
that commune belonged to is the new unit's former district. The last pre-reform release of the
same package (vietnam-provinces 0.6.0, data of 2025-01-04) has that three-level tree; it cannot
be installed beside the current release, and the old tree no longer changes, so
market_pay/data/former_districts.csv is generated from it once, by this module:

    pip download vietnam-provinces==0.6.0 --no-deps -d /tmp/vp && unzip -o -q /tmp/vp/*.whl -d /tmp/vp
    python -m market_pay.regions.former_districts /tmp/vp/vietnam_provinces/data/nested-divisions.json \
        > market_pay/data/former_districts.csv

Columns: code (the district's 3-digit code), name ("Huyện Vị Xuyên"), old_province (its 2-digit
province before the reform), communes (its communes' 5-digit codes, space-separated; empty for
the island districts that had no commune, which became special zones).
"""

import csv
import io
import json
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class FormerDistrict:
    code: str
    name: str
    old_province: str
    communes: frozenset[str]


@cache
def former_districts() -> tuple[FormerDistrict, ...]:
    text = resources.files("market_pay.data").joinpath("former_districts.csv").read_text(encoding="utf-8")
    return tuple(
        FormerDistrict(row["code"], row["name"], row["old_province"], frozenset(row["communes"].split()))
        for row in csv.DictReader(io.StringIO(text))
    )


@cache
def district_of_commune() -> dict[str, FormerDistrict]:
    """A pre-reform commune's 5-digit code → the district it was in."""
    return {commune: district for district in former_districts() for commune in district.communes}


def generate(nested_divisions: list[dict]) -> str:
    """The CSV text, from the pre-reform package's nested-divisions.json (provinces → districts → wards)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "old_province", "communes"])
    for province in nested_divisions:
        for district in province["districts"]:
            writer.writerow(
                [
                    f"{district['code']:03d}",
                    district["name"],
                    f"{province['code']:02d}",
                    " ".join(f"{ward['code']:05d}" for ward in district["wards"]),
                ]
            )
    return out.getvalue()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        sys.stdout.write(generate(json.load(source)))

"""Derive the compact reference files in this folder from Etalab's package.

Source: npm package @etalab/decoupage-administratif@6.0.0 (MIT licence,
COG 2026). Regenerate with:

    npm pack @etalab/decoupage-administratif@6.0.0
    tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python signatures/data/derive.py package/data

`manage.py refresh_places` does the same for places.json.gz, and also reads
INSEE's COG commune file (v_commune_AAAA.csv).
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))  # the project root, for signatures.places

from signatures.places import SOURCE, data_from_etalab, write_data  # noqa: E402


def main(source: Path):
    regions = {r["code"]: r["nom"] for r in json.loads((source / "regions.json").read_text())}
    departements = [
        {"code": d["code"], "name": d["nom"], "region": regions.get(d["region"], "")}
        for d in json.loads((source / "departements.json").read_text())
    ]
    (HERE / "departements.json").write_text(
        json.dumps({"source": SOURCE, "departements": departements},
                   ensure_ascii=False, indent=0) + "\n"
    )
    write_data(data_from_etalab(source), HERE / "places.json.gz")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Writes the service's OpenAPI document to openapi/openapi.json.

python scripts/export_openapi.py          # regenerate
python scripts/export_openapi.py --check  # exit 1 when the checked-in file differs
"""

import argparse
import json
import sys
from pathlib import Path

from app.core.config import Environment, Settings
from app.core.crypto import new_key_entry
from app.main import create_app

TARGET = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def render() -> str:
    settings = Settings(
        environment=Environment.DEVELOPMENT,
        database_url="sqlite://",
        encryption_keys=new_key_entry(),
        _env_file=None,
    )
    document = create_app(settings).openapi()
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    document = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != document:
            print(f"{TARGET} is out of date: run python scripts/export_openapi.py", file=sys.stderr)
            return 1
        print(f"{TARGET.name} is up to date")
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(document, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

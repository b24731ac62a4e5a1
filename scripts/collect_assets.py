"""Copy the front-end assets the portal serves from node_modules into static/vendor.

Run at install time (``make assets``); the portal never fetches an asset at run time.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "axe-core/axe.min.js": "axe.min.js",
    "world-atlas/countries-110m.json": "countries-110m.json",
    "world-atlas/LICENSE": "world-atlas-LICENSE",
}


def main() -> int:
    if not NODE.exists():
        print("node_modules is missing: run `npm ci` first", file=sys.stderr)
        return 1
    VENDOR.mkdir(parents=True, exist_ok=True)
    for source, target in FILES.items():
        shutil.copyfile(NODE / source, VENDOR / target)
    font_src = NODE / "@fontsource" / "noto-sans-kr"
    font_dst = VENDOR / "noto-sans-kr"
    (font_dst / "files").mkdir(parents=True, exist_ok=True)
    for weight in ("400", "700"):
        shutil.copyfile(font_src / f"{weight}.css", font_dst / f"{weight}.css")
    for file in (font_src / "files").glob("*-[47]00-normal.woff2"):
        shutil.copyfile(file, font_dst / "files" / file.name)
    shutil.copyfile(font_src / "LICENSE", font_dst / "LICENSE")
    print(f"assets copied to {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

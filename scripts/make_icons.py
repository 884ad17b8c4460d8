"""Draw the app icons (PNG) for the web app manifest from static/img/icon.svg.

    python scripts/make_icons.py

Needs ImageMagick's ``convert`` on PATH. The PNGs are committed, so the site
needs nothing at run time; run this again after changing the SVG.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "static" / "img" / "icon.svg"
SIZES = (192, 512)


def main() -> int:
    convert = shutil.which("convert")
    if convert is None:
        print("ImageMagick's convert is missing: apt-get install imagemagick")
        return 1
    for size in SIZES:
        target = SOURCE.with_name(f"icon-{size}.png")
        subprocess.run(  # noqa: S603 - fixed argv: convert, our own SVG and sizes
            [
                convert,
                "-background",
                "none",
                "-density",
                str(72 * size // 512 * 4),
                str(SOURCE),
                "-resize",
                f"{size}x{size}",
                "-strip",
                f"PNG32:{target}",
            ],
            check=True,
        )
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

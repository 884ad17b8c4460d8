"""Fetch, verify and check the front-end libraries committed under static/vendor/.

The pinned list lives in scripts/vendor.json: for each npm package its version, the
sha256 of its npm tarball, and the files taken from the tarball with their destination
(relative to the repository root, always inside static/vendor/) and sha256.

    python scripts/vendor.py           # npm pack each package, verify, write the files
    python scripts/vendor.py --check   # offline: verify the committed files only
    python scripts/vendor.py --record  # after changing a version: fetch and record the
                                       # new hashes in vendor.json (review the diff!)

static/vendor/README.md is generated from the manifest on every fetch and compared by
--check. Standard library only; needs npm on PATH except with --check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "scripts" / "vendor.json"
VENDOR_DIR = ROOT / "static" / "vendor"
README = VENDOR_DIR / "README.md"
NPM_TIMEOUT_SECONDS = 300


class VendorError(Exception):
    """A problem that must stop the run, with a message for the person running it."""


@dataclass
class VendorFile:
    src: str  # member path inside the npm tarball, e.g. "package/dist/chart.umd.min.js"
    dest: str  # path relative to the repository root, inside static/vendor/
    sha256: str


@dataclass
class Package:
    name: str
    version: str
    tarball: str
    tarball_sha256: str
    files: list[VendorFile]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tarball_name(name: str, version: str) -> str:
    """The file name `npm pack` gives: "@scope/pkg" 1.0 -> "scope-pkg-1.0.tgz"."""
    return f"{name.removeprefix('@').replace('/', '-')}-{version}.tgz"


def dest_path(dest: str) -> Path:
    """Resolve a manifest destination, refusing anything outside static/vendor/."""
    pure = PurePosixPath(dest)
    path = (ROOT / pure).resolve()
    if pure.is_absolute() or ".." in pure.parts or VENDOR_DIR not in path.parents:
        raise VendorError(f"destination {dest!r} is not inside static/vendor/")
    return path


def load_manifest() -> list[Package]:
    try:
        raw = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VendorError(f"cannot read {MANIFEST.relative_to(ROOT)}: {exc}") from exc
    packages = []
    try:
        for entry in raw["packages"]:
            files = [
                VendorFile(src=f["src"], dest=f["dest"], sha256=f.get("sha256", ""))
                for f in entry["files"]
            ]
            packages.append(
                Package(
                    name=entry["name"],
                    version=entry["version"],
                    tarball=tarball_name(entry["name"], entry["version"]),
                    tarball_sha256=entry.get("tarball_sha256", ""),
                    files=files,
                )
            )
    except (KeyError, TypeError) as exc:
        raise VendorError(f"malformed {MANIFEST.name}: missing or bad {exc}") from exc
    for package in packages:
        for vendor_file in package.files:
            dest_path(vendor_file.dest)
    return packages


def save_manifest(packages: list[Package]) -> None:
    data = {
        "packages": [
            {
                "name": p.name,
                "version": p.version,
                "tarball_sha256": p.tarball_sha256,
                "files": [
                    {"src": f.src, "dest": f.dest, "sha256": f.sha256} for f in p.files
                ],
            }
            for p in packages
        ]
    }
    MANIFEST.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def npm_pack(package: Package, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm is not on PATH (it is only needed without --check)")
    spec = f"{package.name}@{package.version}"
    print(f"npm pack {spec}")
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv built from our own manifest
            [npm, "pack", spec, "--silent"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise VendorError(f"npm pack {spec} timed out") from exc
    if result.returncode != 0:
        raise VendorError(
            f"npm pack {spec} failed (exit {result.returncode}):\n{result.stderr}"
        )
    tarball = workdir / package.tarball
    if not tarball.is_file():
        raise VendorError(
            f"npm pack {spec} did not produce {package.tarball} "
            f"(it printed {result.stdout.strip()!r})"
        )
    return tarball


def fetch(package: Package, workdir: Path, *, record: bool) -> dict[Path, bytes]:
    """Pack one package and return its verified files, keyed by destination."""
    tarball = npm_pack(package, workdir)
    digest = sha256_bytes(tarball.read_bytes())
    if record:
        package.tarball_sha256 = digest
    elif digest != package.tarball_sha256:
        raise VendorError(
            f"SHA256 MISMATCH for {package.tarball}:\n"
            f"  expected {package.tarball_sha256 or '(none recorded)'}\n"
            f"  got      {digest}\n"
            "The registry served a different tarball than the one pinned. Nothing was "
            "written. If you changed the version on purpose, run with --record and "
            "review the diff."
        )
    contents = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for vendor_file in package.files:
            try:
                member = archive.getmember(vendor_file.src)
            except KeyError as exc:
                raise VendorError(
                    f"{package.tarball} has no file {vendor_file.src}"
                ) from exc
            extracted = archive.extractfile(member) if member.isfile() else None
            if extracted is None:
                raise VendorError(
                    f"{vendor_file.src} in {package.tarball} is not a file"
                )
            data = extracted.read()
            file_digest = sha256_bytes(data)
            if record:
                vendor_file.sha256 = file_digest
            elif file_digest != vendor_file.sha256:
                raise VendorError(
                    f"SHA256 MISMATCH for {vendor_file.src} in {package.tarball}: "
                    f"expected {vendor_file.sha256}, got {file_digest}"
                )
            contents[dest_path(vendor_file.dest)] = data
    return contents


def render_readme(packages: list[Package]) -> str:
    lines = [
        "# Vendored front-end libraries",
        "",
        "Committed as they come in each npm package's tarball, unmodified, so that "
        "pages load nothing from another host.",
        "Generated by `scripts/vendor.py` from `scripts/vendor.json`; do not edit by "
        "hand.",
        "",
        "- Re-fetch from the npm registry and verify: `python scripts/vendor.py`",
        "- Verify the committed files offline: `python scripts/vendor.py --check`",
        "",
    ]
    for p in packages:
        lines += [
            f"## {p.name} {p.version}",
            "",
            f"- Name: {p.name}",
            f"- Version: {p.version}",
            f"- Source: npm package {p.name}, {p.tarball}",
            f"- Tarball sha256: `{p.tarball_sha256}`",
            "",
            "| File | From tarball | sha256 |",
            "| --- | --- | --- |",
        ]
        for f in p.files:
            lines.append(f"| `{f.dest}` | `{f.src}` | `{f.sha256}` |")
        lines.append("")
    return "\n".join(lines)


def run_fetch(packages: list[Package], *, record: bool) -> None:
    contents: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        for package in packages:
            workdir = Path(tmp) / package.tarball.removesuffix(".tgz")
            workdir.mkdir()
            contents |= fetch(package, workdir, record=record)
    # Everything is verified; only now touch the tree.
    for path, data in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)}")
    if record:
        save_manifest(packages)
        print(f"recorded hashes in {MANIFEST.relative_to(ROOT)}")
    README.write_text(render_readme(packages), encoding="utf-8")
    print(f"wrote {README.relative_to(ROOT)}")


def run_check(packages: list[Package]) -> list[str]:
    problems = []
    listed = {README}
    for package in packages:
        for vendor_file in package.files:
            path = dest_path(vendor_file.dest)
            listed.add(path)
            if not path.is_file():
                problems.append(f"missing: {vendor_file.dest}")
                continue
            digest = sha256_bytes(path.read_bytes())
            if digest != vendor_file.sha256:
                problems.append(
                    f"sha256 mismatch: {vendor_file.dest}\n"
                    f"  expected {vendor_file.sha256}\n  got      {digest}"
                )
    expected_readme = render_readme(packages)
    if not README.is_file() or README.read_text(encoding="utf-8") != expected_readme:
        problems.append(
            f"{README.relative_to(ROOT)} is out of date with the manifest "
            "(run python scripts/vendor.py)"
        )
    for path in sorted(VENDOR_DIR.rglob("*")):
        if path.is_file() and path not in listed:
            problems.append(
                f"not in the manifest: {path.relative_to(ROOT)} "
                "(vendor it through scripts/vendor.json)"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="verify the committed files against the manifest, without network",
    )
    mode.add_argument(
        "--record",
        action="store_true",
        help="fetch and record new hashes in vendor.json (after changing a version)",
    )
    args = parser.parse_args(argv)
    try:
        packages = load_manifest()
        if args.check:
            problems = run_check(packages)
            for problem in problems:
                print(f"ERROR: {problem}", file=sys.stderr)
            if problems:
                return 1
            count = sum(len(p.files) for p in packages)
            print(f"OK: {count} vendored files match {MANIFEST.relative_to(ROOT)}")
            return 0
        run_fetch(packages, record=args.record)
    except VendorError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check a wheel built from this addon (scripts/test runs it; not part of the addon).

Usage: python check_wheel.py WHEEL SOURCE_DIR INSTALLED_DIR

SOURCE_DIR is the checkout the wheel was built from, INSTALLED_DIR where pip
installed the wheel (pip install --target). The wheel must be the OCA-style
distribution odoo-addon-loyalty_points for Odoo 18.0 and hold, under
odoo/addons/loyalty_points/, the manifest, every data and demo file it names, and
every file of the checkout (the files git tracks, or all of them outside git):
models, views, static files, translations, tests, migrations; but none of the
development files (scripts/wheel_backend.py: DEVELOPMENT, the scripts and
benchmarks, CI, lint settings). Its RECORD lists every file with its hash.
Prints what is wrong; exits 1 if anything is.
"""

import ast
import base64
import csv
import email.parser
import fnmatch
import hashlib
import io
import os
import subprocess
import sys
import zipfile

from wheel_backend import DEVELOPMENT, is_development

ADDON = "loyalty_points"
PREFIX = f"odoo/addons/{ADDON}/"
# whool leaves these out of the wheel on purpose.
NOT_SHIPPED = {"pyproject.toml", "PKG-INFO"}
SKIPPED_DIRS = {".git", "__pycache__", ".ruff_cache", "build"}


def source_files(source_dir):
    """The files whool packs: git's list in a git checkout, else every file."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=source_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        top = None
    if top and os.path.realpath(top) == os.path.realpath(source_dir):
        listed = subprocess.run(
            ["git", "ls-files"], cwd=source_dir, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        return {f for f in listed if os.path.isfile(os.path.join(source_dir, f))}
    found = set()
    for root, dirs, files in os.walk(source_dir):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            if not name.endswith(".pyc"):
                found.add(os.path.relpath(os.path.join(root, name), source_dir))
    return found


def record_problems(wheel):
    """What RECORD gets wrong: a file it misses, or a hash or size that differs."""
    names = wheel.namelist()
    record_name = next((n for n in names if n.endswith(".dist-info/RECORD")), None)
    if not record_name:
        return ["no .dist-info/RECORD in the wheel"]
    rows = {
        row[0]: row[1:] for row in csv.reader(io.StringIO(wheel.read(record_name).decode())) if row
    }
    wrong = []
    for name in names:
        if name == record_name or name.endswith("/"):
            continue
        data = wheel.read(name)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if rows.get(name) != [f"sha256={digest}", str(len(data))]:
            wrong.append(f"RECORD does not list {name} with its hash and size")
    wrong += [f"RECORD lists {name}, not in the wheel" for name in rows.keys() - set(names)]
    return wrong


def problems(wheel_path, source_dir, installed_dir):
    with zipfile.ZipFile(wheel_path) as wheel:
        names = wheel.namelist()
        shipped = {n[len(PREFIX) :] for n in names if n.startswith(PREFIX)}
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if not meta_name:
            return ["no .dist-info/METADATA in the wheel"], len(shipped)
        metadata = email.parser.HeaderParser().parsestr(wheel.read(meta_name).decode())
        wrong = record_problems(wheel)
    if metadata["Name"] != f"odoo-addon-{ADDON}":
        wrong.append(f"distribution name is {metadata['Name']!r}, not 'odoo-addon-{ADDON}'")
    requires = metadata.get_all("Requires-Dist") or []
    if not any(r.replace(" ", "").startswith(("odoo==18.0", "odoo>=18.0")) for r in requires):
        wrong.append(f"it does not require Odoo 18.0 (Requires-Dist: {requires})")
    if not any(r.startswith("phonenumbers") for r in requires):
        wrong.append(f"it does not require phonenumbers (Requires-Dist: {requires})")

    with open(os.path.join(source_dir, "__manifest__.py"), encoding="utf-8") as f:
        manifest = ast.literal_eval(f.read())
    named = {"__manifest__.py", "__init__.py", *manifest.get("data", []), *manifest.get("demo", [])}
    for path in sorted(named - shipped):
        wrong.append(f"missing {PREFIX}{path} (the manifest needs it)")
    for bundle, globs in manifest.get("assets", {}).items():
        for glob in globs:
            pattern = glob.split("/", 1)[1] if glob.startswith(f"{ADDON}/") else glob
            if not any(fnmatch.fnmatch(p, pattern.replace("**/*", "*")) for p in shipped):
                wrong.append(f"no file of the asset {glob} ({bundle}) in the wheel")
    checkout = source_files(source_dir)
    for path in sorted(checkout - NOT_SHIPPED - shipped):
        if not is_development(path):
            wrong.append(f"missing {PREFIX}{path} (in the checkout)")
    for path in sorted(p for p in shipped if is_development(p)):
        wrong.append(f"{PREFIX}{path} is a development file ({', '.join(DEVELOPMENT)})")
    if not any(is_development(p) for p in checkout):
        wrong.append("no development file in the checkout: is DEVELOPMENT out of date?")
    kinds = {
        "translations (i18n/*.po)": "i18n/*.po",
        "static JavaScript (static/src/**.js)": "static/src/*.js",
        "views (views/*.xml)": "views/*.xml",
        "data (data/*.xml)": "data/*.xml",
        "tests (tests/*.py)": "tests/*.py",
        "migrations (migrations/*/*.py)": "migrations/*/*.py",
    }
    for label, pattern in kinds.items():
        if not any(fnmatch.fnmatch(p, pattern) for p in shipped):
            wrong.append(f"no {label} in the wheel")
    if not os.path.isfile(os.path.join(installed_dir, PREFIX, "__manifest__.py")):
        wrong.append(f"pip did not install {PREFIX}__manifest__.py into {installed_dir}")
    return wrong, len(shipped)


def main():
    wheel_path, source_dir, installed_dir = sys.argv[1:4]
    wrong, count = problems(wheel_path, source_dir, installed_dir)
    for line in wrong:
        print(line)
    if not wrong:
        print(f"{os.path.basename(wheel_path)}: {count} files under {PREFIX}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()

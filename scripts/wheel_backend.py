"""The build backend of the addon's wheel (``pyproject.toml``: ``build-backend``,
``backend-path = ["scripts"]``): whool, as the OCA builds addons, with the
development files left out of the wheel. Not an Odoo module file.

whool packs every file git tracks and has no setting to leave one out, so the
wheel it builds is rewritten without DEVELOPMENT (its RECORD made again). The
sdist and the editable install stay whool's own: the sdist holds everything,
this file included, so a wheel built from it is the same.
"""

import base64
import csv
import hashlib
import io
import os
import zipfile

from whool.buildapi import (
    build_editable,
    build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)
from whool.buildapi import build_wheel as whool_build_wheel

__all__ = [
    "DEVELOPMENT",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "is_development",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

# Paths in the addon (a directory ends with "/") that a user's Odoo never
# loads: the development scripts and benchmarks, CI and the lint settings.
# Tests stay in the wheel, as the OCA ships them: Odoo runs an installed
# addon's tests (--test-enable) against the user's own database and addons,
# other addons reuse tests/common.py, and the manifest's test assets
# (static/tests/) are part of the addon.
DEVELOPMENT = ("scripts/", ".ci/", ".gitignore", ".pylintrc", "ruff.toml")
ADDONS = "odoo/addons/"


def is_development(path):
    """Whether ``path`` (relative to the addon) stays out of the wheel."""
    return any(
        path == entry or (entry.endswith("/") and path.startswith(entry)) for entry in DEVELOPMENT
    )


def _in_addon(name):
    """The path of a wheel entry inside its addon, or None."""
    if not name.startswith(ADDONS):
        return None
    parts = name[len(ADDONS) :].split("/", 1)
    return parts[1] if len(parts) == 2 else None


def _digest(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def strip_wheel(path):
    """Rewrite the wheel at ``path`` without its development files; the
    entries kept are copied as they are and RECORD lists them again."""
    with zipfile.ZipFile(path) as wheel:
        entries = [(info, wheel.read(info)) for info in wheel.infolist()]
    record = next(info for info, _data in entries if info.filename.endswith(".dist-info/RECORD"))
    kept = [
        (info, data)
        for info, data in entries
        if info is not record and not is_development(_in_addon(info.filename) or "")
    ]
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    for info, data in kept:
        writer.writerow([info.filename, _digest(data), len(data)])
    writer.writerow([record.filename, "", ""])
    partial = path + ".part"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as wheel:
        for info, data in kept:
            wheel.writestr(info, data)
        wheel.writestr(record, lines.getvalue())
    os.replace(partial, path)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = whool_build_wheel(wheel_directory, config_settings, metadata_directory)
    strip_wheel(os.path.join(wheel_directory, name))
    return name

"""Read a bundle zip safely and validate it, reporting every problem at once.

A bundle holds `manifest.json` at the root, an optional `static/` folder and one `<function name>.zip`
(or `.jar`) per manifest function. Zip entries are never trusted: paths are checked for traversal, declared sizes
and compression ratios are bounded (zip bombs), and every read streams with a hard cap, so a lying header
cannot make us inflate more than the cap.
"""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from orchestrator.bounded_json import JsonBoundsError, load_json
from orchestrator.bundles import naming
from orchestrator.bundles.manifest import APP_ID_PATTERN, VERSION_PATTERN, Manifest
from orchestrator.bundles.routing import prefix_warnings

MiB = 1024 * 1024
MANIFEST_NAME = "manifest.json"
STATIC_DIR = "static/"

MAX_BUNDLE_BYTES = 256 * MiB  # the bundle zip itself (read into memory by the handler)
MAX_MANIFEST_BYTES = 256 * 1024
MAX_FUNCTION_ZIP_BYTES = 50 * MiB  # Lambda's direct-upload limit: a function zip must be under it
FUNCTION_PACKAGE_SUFFIXES = (".zip", ".jar")  # as appsctl reads bundles: a jar is a zip, for Java runtimes
MAX_FUNCTION_UNZIPPED_BYTES = 250 * MiB  # Lambda's limit for the unzipped deployment package
MAX_STATIC_FILE_BYTES = 20 * MiB
MAX_BUNDLE_UNCOMPRESSED_BYTES = 512 * MiB
MAX_ENTRIES = 10_000
MAX_RATIO = 100  # uncompressed / compressed, checked for entries over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1 * MiB
_CHUNK = 64 * 1024


@dataclass(frozen=True, order=True)
class BundleProblem:
    """One validation error: the file it is about, the rule it breaks, and what is wrong."""

    file: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: [{self.rule}] {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class FunctionPackage:
    name: str
    entry: str  # the zip's path inside the bundle
    data: bytes

    @property
    def sha256(self) -> str:
        """Base64 SHA-256, the way Lambda reports CodeSha256."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass(frozen=True)
class Bundle:
    """A bundle that passed validation."""

    manifest: Manifest
    manifest_raw: dict[str, Any]
    static_files: dict[str, bytes]  # path relative to static/ → content
    functions: dict[str, FunctionPackage]  # manifest function name → its zip
    sha256: str  # hex digest of the bundle zip

    @property
    def app_id(self) -> str:
        return self.manifest.app_id

    @property
    def version(self) -> str:
        return self.manifest.version


@dataclass
class ValidationReport:
    source: str
    problems: list[BundleProblem] = field(default_factory=list)
    warnings: list[BundleProblem] = field(default_factory=list)
    bundle: Bundle | None = None
    app_id: str | None = None
    version: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems and self.bundle is not None

    def add(self, file: str, rule: str, message: str) -> None:
        self.problems.append(BundleProblem(file, rule, message))

    def warn(self, file: str, rule: str, message: str) -> None:
        self.warnings.append(BundleProblem(file, rule, message))

    def summary(self) -> str:
        if self.valid:
            return f"{self.source}: valid"
        count = len(self.problems)
        return f"{self.source}: invalid bundle, {count} error{'s' if count != 1 else ''}: " + "; ".join(
            str(p) for p in self.problems
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "valid": self.valid,
            "app_id": self.app_id,
            "version": self.version,
            "errors": [p.to_dict() for p in self.problems],
            "warnings": [p.to_dict() for p in self.warnings],
        }


class BundleInvalidError(ValueError):
    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.summary())
        self.report = report


class EntryTooLargeError(ValueError):
    pass


def unsafe_path_reason(name: str) -> str | None:
    """Why a zip entry name must not be extracted, or None when it is safe."""
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return "absolute path"
    if ".." in normal.split("/"):
        return "path contains '..'"
    if "\x00" in normal:
        return "path contains a NUL byte"
    return None


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """Inflate one entry, streaming, never producing more than min(cap, declared size) bytes."""
    limit = min(cap, info.file_size)
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > limit:
                raise EntryTooLargeError(f"inflates beyond {limit} bytes")
    return bytes(out)


def check_archive(report: ValidationReport, label: str, archive: zipfile.ZipFile, *, max_total: int) -> bool:
    """Paths, duplicates, symlinks, declared sizes and ratios of every entry. False when any is unsafe."""
    infos = archive.infolist()
    safe = True
    if len(infos) > MAX_ENTRIES:
        report.add(label, "zip.entries", f"{len(infos)} entries (at most {MAX_ENTRIES})")
        return False
    seen: set[str] = set()
    total = 0
    for info in infos:
        where = f"{label}:{info.filename}" if label != report.source else info.filename
        reason = unsafe_path_reason(info.filename)
        if reason:
            report.add(where, "zip.path", f"{reason}; entries must be relative paths inside the archive")
            safe = False
        if is_symlink(info):
            report.add(where, "zip.symlink", "symbolic links are not allowed")
            safe = False
        if info.filename in seen:
            report.add(where, "zip.duplicate", "the archive holds this path more than once")
        seen.add(info.filename)
        total += info.file_size
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            report.add(where, "zip.bomb", f"compression ratio {ratio}:1 exceeds {MAX_RATIO}:1")
            safe = False
    if total > max_total:
        report.add(label, "zip.bomb", f"declares {total} uncompressed bytes (at most {max_total})")
        safe = False
    return safe


def handler_candidates(runtime: str, handler: str) -> list[str] | None:
    """Files of which one must be in the function zip for `handler` to load, or None when the runtime's
    handler does not name a file we can check (Java classes may live inside jars)."""
    if runtime.startswith("python"):
        module, _, func = handler.rpartition(".")
        if not module or not func:
            return []
        base = module.replace(".", "/")
        return [f"{base}.py", f"{base}/__init__.py", f"{base}.pyc"]
    if runtime.startswith("nodejs"):
        module, _, func = handler.rpartition(".")
        if not module or not func:
            return []
        return [f"{module}{ext}" for ext in (".js", ".mjs", ".cjs")]
    if runtime.startswith("ruby"):
        module, _, func = handler.partition(".")
        return [f"{module}.rb"] if module and func else []
    if runtime.startswith("provided"):
        return ["bootstrap"]
    if runtime.startswith("dotnet"):
        assembly = handler.split("::", 1)[0]
        return [f"{assembly}.dll"] if "::" in handler and assembly else []
    return None


def _too_large(size: int) -> str:
    return f"{size} bytes; a function package must be under {MAX_FUNCTION_ZIP_BYTES} bytes (50 MiB)"


def _check_function_zip(report: ValidationReport, entry: str, data: bytes, raw_function: dict[str, Any]) -> None:
    if len(data) >= MAX_FUNCTION_ZIP_BYTES:
        report.add(entry, "function.size", _too_large(len(data)))
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        report.add(entry, "function.zip", "not a valid zip archive")
        return
    with inner:
        check_archive(report, entry, inner, max_total=MAX_FUNCTION_UNZIPPED_BYTES)
        runtime, handler = raw_function.get("runtime"), raw_function.get("handler")
        if not isinstance(runtime, str) or not isinstance(handler, str):
            return
        candidates = handler_candidates(runtime, handler)
        if candidates is None:
            return
        names = {n.replace("\\", "/") for n in inner.namelist()}
        if not candidates:
            report.add(entry, "function.handler", f"handler {handler!r} is not valid for runtime {runtime}")
        elif not names.intersection(candidates):
            report.add(
                entry,
                "function.handler",
                f"handler {handler!r} needs {' or '.join(candidates)} in the function zip; not found",
            )


def _manifest_problems(report: ValidationReport, error: ValidationError) -> None:
    for problem in error.errors(include_url=False):
        loc = ".".join(str(p) for p in problem["loc"]) or "manifest"
        report.add(MANIFEST_NAME, f"manifest.{loc}", problem["msg"])


def _matching(value: Any, pattern: str) -> str | None:
    return value if isinstance(value, str) and re.match(pattern, value) else None


def _raw_functions(raw: Any) -> list[dict[str, Any]]:
    """The manifest's function entries, read leniently so zip checks run even when the manifest is invalid."""
    if not isinstance(raw, dict) or not isinstance(raw.get("aws_lambda"), dict):
        return []
    functions = raw["aws_lambda"].get("functions")
    return [f for f in functions if isinstance(f, dict)] if isinstance(functions, list) else []


def _compatibility_warnings(report: ValidationReport, manifest: Manifest) -> None:
    """What works here but not, or not as expected, from a Mattermost server."""
    for function in manifest.functions:
        ours = naming.lambda_name(manifest.app_id, manifest.version, function.name)
        theirs = naming.mattermost_lambda_name(manifest.app_id, manifest.version, function.name)
        if ours != theirs:
            report.warn(
                MANIFEST_NAME,
                "function.name",
                f"function {function.name!r}: a Mattermost server would invoke {theirs!r}, which is not a valid "
                f"Lambda name (it keeps the '.'); deployed as {ours!r}, which `bundle call` reaches and a server "
                "does not. Put no '.' in the function name, and keep `<app_id>_<version>_<function>` within 64 "
                "characters when the app id or version has a '.'",
            )
    for name, message in prefix_warnings(manifest.functions):
        report.warn(MANIFEST_NAME, "function.path", f"function {name!r}: {message}")


def validate_bundle(data: bytes, source: str = "bundle.zip") -> ValidationReport:
    """Validate a bundle zip. The report lists every problem; `report.bundle` is set when it is valid."""
    report = ValidationReport(source=source)
    if len(data) > MAX_BUNDLE_BYTES:
        report.add(source, "bundle.size", f"{len(data)} bytes; a bundle is at most {MAX_BUNDLE_BYTES}")
        return report
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        report.add(source, "bundle.zip", "not a valid zip archive")
        return report
    with archive:
        # Keep going after unsafe entries: nothing is extracted, and every read below is capped,
        # so the report can list all the problems. Only an absurd entry count stops here.
        check_archive(report, source, archive, max_total=MAX_BUNDLE_UNCOMPRESSED_BYTES)
        if len(archive.infolist()) > MAX_ENTRIES:
            return report
        entries = {i.filename: i for i in archive.infolist() if not i.is_dir()}

        # The manifest.
        manifest: Manifest | None = None
        raw: Any = None
        info = entries.get(MANIFEST_NAME)
        if info is None:
            report.add(MANIFEST_NAME, "manifest.missing", "the bundle has no manifest.json at its root")
        else:
            try:
                raw = load_json(
                    read_capped(archive, info, MAX_MANIFEST_BYTES), what=MANIFEST_NAME, max_bytes=MAX_MANIFEST_BYTES
                )
            except EntryTooLargeError:
                report.add(MANIFEST_NAME, "manifest.size", f"larger than {MAX_MANIFEST_BYTES} bytes")
            except JsonBoundsError as error:
                report.add(MANIFEST_NAME, "manifest.json", str(error).removeprefix(f"{MANIFEST_NAME} "))
            if raw is not None and not isinstance(raw, dict):
                report.add(MANIFEST_NAME, "manifest.json", "must be a JSON object")
            elif raw is not None:
                # Only well-formed ids: they become keys (BUNDLE#<app_id>, VERSION#<version>) of the rejection.
                report.app_id = _matching(raw.get("app_id"), APP_ID_PATTERN)
                report.version = _matching(raw.get("version"), VERSION_PATTERN)
                try:
                    manifest = Manifest.model_validate(raw)
                except ValidationError as error:
                    _manifest_problems(report, error)

        # Static files.
        static: dict[str, bytes] = {}
        for name, entry in entries.items():
            if not name.startswith(STATIC_DIR):
                continue
            try:
                static[name[len(STATIC_DIR) :]] = read_capped(archive, entry, MAX_STATIC_FILE_BYTES)
            except EntryTooLargeError:
                report.add(name, "static.size", f"a static file is at most {MAX_STATIC_FILE_BYTES} bytes")

        # Static files that land on one S3 key (spaces become `-`): the second would overwrite the first.
        by_key: dict[str, list[str]] = {}
        for path in static:
            by_key.setdefault(naming.static_name(path), []).append(path)
        for key, paths in sorted(by_key.items()):
            if len(paths) > 1:
                files = ", ".join(STATIC_DIR + p for p in sorted(paths))
                report.add(files, "static.collision", f"these files all land on the key {key!r} (spaces become '-')")

        # One package (.zip or .jar) per manifest function, matched by name.
        zips: dict[str, list[str]] = {}
        for name in entries:
            suffix = posixpath.splitext(name)[1].lower()
            if suffix in FUNCTION_PACKAGE_SUFFIXES and not name.startswith(STATIC_DIR):
                zips.setdefault(posixpath.basename(name)[: -len(suffix)], []).append(name)
        functions: dict[str, FunctionPackage] = {}
        for raw_function in _raw_functions(raw):
            fname = raw_function.get("name")
            if not isinstance(fname, str):
                continue
            matched = zips.get(fname, [])
            if not matched:
                report.add(
                    f"{fname}.zip", "function.missing", f"manifest function {fname!r} has no {fname}.zip or {fname}.jar"
                )
                continue
            if len(matched) > 1:
                report.add(", ".join(sorted(matched)), "function.ambiguous", f"{len(matched)} packages for {fname!r}")
                continue
            zinfo = entries[matched[0]]
            if zinfo.file_size >= MAX_FUNCTION_ZIP_BYTES:
                report.add(matched[0], "function.size", _too_large(zinfo.file_size))
                continue
            try:
                blob = read_capped(archive, zinfo, MAX_FUNCTION_ZIP_BYTES)
            except EntryTooLargeError as error:
                report.add(matched[0], "function.size", str(error))
                continue
            _check_function_zip(report, matched[0], blob, raw_function)
            functions[fname] = FunctionPackage(name=fname, entry=matched[0], data=blob)
        wanted = {f.get("name") for f in _raw_functions(raw)}
        for stem, names in sorted(zips.items()):
            if stem not in wanted:
                report.warnings.extend(
                    BundleProblem(n, "function.unused", "no manifest function uses it") for n in names
                )

        icon = manifest.icon if manifest is not None else ""
        # An absolute URL is used as it is; anything else is a static file (upstream's normalizeStaticPath).
        if icon and not icon.startswith(("http://", "https://")) and icon.lstrip("/") not in static:
            report.add(MANIFEST_NAME, "manifest.icon", f"icon {icon!r} is not in static/")
        if manifest is not None:
            _compatibility_warnings(report, manifest)

    if manifest is not None and not report.problems:
        report.bundle = Bundle(
            manifest=manifest,
            manifest_raw=raw,
            static_files=static,
            functions=functions,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return report


def load_bundle(data: bytes, source: str = "bundle.zip") -> Bundle:
    report = validate_bundle(data, source)
    if report.bundle is None:
        raise BundleInvalidError(report)
    return report.bundle

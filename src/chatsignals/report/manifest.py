"""manifest.json: the SHA-256 of every input and output, tool and rule versions, the time zone;
and ``chatsignals verify``, which recomputes them and says what changed."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from .._version import __version__
from ..analysis import Analysis
from ..sources import sha256_file

MANIFEST = "manifest.json"


def rules_version() -> str:
    """A digest of the shipped rule files: changes whenever any rule changes."""
    digest = hashlib.sha256()
    count = 0
    try:
        folder = resources.files("chatsignals.findings") / "rules"
        files = sorted((p for p in folder.iterdir() if p.name.endswith((".yaml", ".yml"))), key=lambda p: p.name)
    except (ModuleNotFoundError, FileNotFoundError):
        files = []
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
        count += 1
    return f"{count} rules, sha256:{digest.hexdigest()[:16]}"


def file_entry(path: Path, name: str | None = None) -> dict[str, Any]:
    return {"file": name or str(path), "size": path.stat().st_size, "sha256": sha256_file(path)}


def write_manifest(analysis: Analysis, outdir: Path, files: list[Path]) -> Path:
    """Write OUTDIR/manifest.json for the outputs in ``files`` and the analysis' inputs."""
    inputs = []
    for t in analysis.tallies:
        entry: dict[str, Any] = {"file": t.source_file, "sha256": t.source_sha256, "format": t.format}
        try:
            entry["size"] = Path(t.source_file).stat().st_size
        except OSError:
            entry["size"] = None
        inputs.append(entry)
    outputs = [file_entry(p, p.relative_to(outdir).as_posix()) for p in sorted(set(files)) if p.name != MANIFEST and p.exists()]
    manifest = {
        "tool": "chatsignals",
        "tool_version": __version__,
        "rules_version": rules_version(),
        "time_zone": analysis.settings.tz or "UTC (no --tz given)",
        "settings": analysis.settings.to_dict(),
        "inputs": inputs,
        "failed_inputs": [f.to_dict() for f in analysis.failures],
        "outputs": outputs,
    }
    path = outdir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def verify(outdir: Path) -> tuple[bool, list[str]]:
    """Recompute every hash in OUTDIR/manifest.json; (all unchanged, one line per file)."""
    path = outdir / MANIFEST
    if not path.is_file():
        return False, [f"{path}: no manifest.json here"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return False, [f"{path}: not a valid manifest ({exc})"]
    ok = True
    lines: list[str] = []
    for kind, entries, base in (("output", manifest.get("outputs", []), outdir), ("input", manifest.get("inputs", []), None)):
        for entry in entries:
            target = (base / entry["file"]) if base is not None else Path(entry["file"])
            if not target.is_file():
                if kind == "output":
                    ok = False
                    lines.append(f"MISSING  output {entry['file']}")
                else:  # inputs may have been moved since; say so, it is not a changed hash
                    lines.append(f"NOTFOUND input {entry['file']} (cannot check it here)")
                continue
            actual = sha256_file(target)
            if actual != entry["sha256"]:
                ok = False
                lines.append(f"CHANGED  {kind} {entry['file']}: sha256 {actual} != recorded {entry['sha256']}")
            else:
                lines.append(f"ok       {kind} {entry['file']}")
    listed = {e["file"] for e in manifest.get("outputs", [])} | {MANIFEST}
    for extra in sorted(p.relative_to(outdir).as_posix() for p in outdir.rglob("*") if p.is_file()):
        if extra not in listed:
            lines.append(f"EXTRA    output {extra} (not in the manifest)")
    lines.append("verified: every hash matches" if ok else "verification FAILED: see the lines above")
    return ok, lines

"""Which apps the emulator builds from a local folder: `<workdir>/sources.json`, app → folder.

Written by `Emulator.register(..., AppSource(directory=...))` and by `orchestrator local register APP
--source DIR` (another process: the file is in the running emulator's state directory), read by the
CodeBuild simulator when a build starts. moto's CodeBuild cannot update a project (no UpdateProject, no
tagging), so the emulator keeps this fact beside its own state rather than on the project.
"""

from __future__ import annotations

import json
from pathlib import Path

SOURCES_FILE = "sources.json"


class LocalSources:
    def __init__(self, workdir: Path) -> None:
        self.path = workdir / SOURCES_FILE

    def all(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def folder(self, app: str) -> Path | None:
        found = self.all().get(app)
        return Path(found) if found else None

    def set(self, app: str, folder: Path) -> None:
        sources = {**self.all(), app: str(folder.resolve())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(sources, indent=2, sort_keys=True))
        partial.replace(self.path)

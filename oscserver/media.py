"""The folders OSC may name files in: ``/model PATH`` and ``/feedback/image PATH``.

Anyone who can reach the OSC port can send a path, so a path is read only when it lies inside
one of the media folders (``--media-dir``, by default the folders of the ``--model`` files):
``..`` is refused outright, an absolute path must be inside a folder, a relative path is looked
up in each folder in turn, and symbolic links are followed before the check, so a link that
points out of a folder is refused. Refusals are ``bad_file``, with the folders named.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePath

from oscserver.errors import ControlError


class MediaFolders:
    def __init__(self, folders: Sequence[Path | str]) -> None:
        self.folders = tuple(Path(os.path.realpath(f)) for f in dict.fromkeys(map(str, folders)))

    def resolve(self, address: str, path: str, suffix: str | None = None) -> Path:
        """The real file ``path`` names inside a media folder, or ControlError("bad_file")."""
        if not path or "\x00" in path:
            raise self._refuse(address, path, "is empty or holds a NUL character")
        if ".." in PurePath(path).parts:
            raise self._refuse(address, path, "contains '..'")
        if suffix is not None and PurePath(path).suffix.lower() != suffix:
            raise self._refuse(address, path, f"is not a {suffix} file")
        candidates = [Path(path)] if os.path.isabs(path) else [f / path for f in self.folders]
        for candidate in candidates:
            real = Path(os.path.realpath(candidate))
            if not any(real.is_relative_to(folder) for folder in self.folders):
                if os.path.isabs(path):
                    raise self._refuse(address, path, "is outside the media folders")
                continue  # a link out of this folder: refused, but another folder may have it
            if real.is_file():
                return real
        raise self._refuse(address, path, "is not a file in the media folders")

    def _refuse(self, address: str, path: str, why: str) -> ControlError:
        folders = ", ".join(str(f) for f in self.folders) or "none"
        return ControlError(
            "bad_file",
            f"{address}: {path!r:.120} {why} (media folders: {folders}; allow another with "
            "--media-dir)",
        )

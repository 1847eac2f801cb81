"""Saving model files: validated first, written atomically, never over someone else's save.

A save (1) validates the new text with the same reader every other command
uses, so an invalid model is never written; (2) checks, under a lock, that
the file on disk is still the one the editor loaded (by SHA-256), so a second
editor cannot silently overwrite the first; (3) writes a temporary file in the
same folder, flushes it to disk and renames it over the old one, so a crash
leaves either the old file or the new one, never half of each.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = folder / "as_is.yaml"
>>> text = pathlib.Path("process_models/contract_approval/as_is.yaml").read_text("utf-8")
>>> digest = save_model_text(path, text, expected_sha256=None, create=True)
>>> digest == file_sha256(path)
True
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from abc_costing.formats import parse_model_text
from abc_costing.problems import AbcCostingError, ModelError, Problem

__all__ = ["StaleFileError", "file_sha256", "library_label", "write_atomic", "save_model_text"]


class StaleFileError(AbcCostingError, RuntimeError):
    """The file changed on disk since the editor loaded it; nothing was written.

    Attributes:
      path: the file.
      expected_sha256: the digest the editor loaded.
      current_sha256: the digest on disk now (None when the file is gone).
      current_text: the text on disk now, to show the difference.
    """

    def __init__(self, path: Path, expected_sha256: str, current_sha256: str | None,
                 current_text: str | None):
        self.path = path
        self.expected_sha256 = expected_sha256
        self.current_sha256 = current_sha256
        self.current_text = current_text
        what = "was deleted" if current_sha256 is None else "was changed by someone else"
        super().__init__(f"{path}: {what} since it was loaded; reload and apply your edits again")


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    # One writer per folder at a time, across processes: the check of the
    # on-disk digest and the rename must not interleave with another save.
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_atomic(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once (temp file, fsync, rename).

    On any error the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    folder_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)


def save_model_text(
    path: str | Path, text: str, *, expected_sha256: str | None, create: bool = False
) -> str:
    """Validate ``text`` and write it to ``path``; return the new file's SHA-256.

    ``expected_sha256`` is the digest of the file as the editor loaded it;
    ``create=True`` saves a new file and refuses to replace an existing one.
    Raises :class:`ModelError` (invalid model), :class:`StaleFileError`
    (changed on disk) or :class:`FileExistsError`; in each case nothing is written.
    """
    path = Path(path)
    model, problems = parse_model_text(text, source=str(path))
    if model is None:
        raise ModelError(problems)
    if not path.parent.is_dir():
        raise ModelError([Problem("folder does not exist", file=str(path.parent))])
    data = text.encode("utf-8")
    with _folder_lock(path.parent):
        if create:
            if path.exists():
                raise FileExistsError(f"{path}: a file with this name already exists")
        elif expected_sha256 is not None:
            try:
                current_sha256 = file_sha256(path)
                current_text = path.read_text("utf-8", errors="replace")
            except FileNotFoundError:
                current_sha256 = current_text = None
            if current_sha256 != expected_sha256:
                raise StaleFileError(path, expected_sha256, current_sha256, current_text)
        write_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def library_label(path: str | Path, library_dir: str | Path) -> str:
    """``path`` as users see it: relative to the library folder, or just its file name.

    This is how a model file is named in the change log, in reports and in
    messages: a file outside the library is named by its file name only, so
    a server's folder layout never reaches a report or a screen.

    >>> library_label("/srv/abc/process_models/p/as_is.yaml", "/srv/abc/process_models")
    'p/as_is.yaml'
    >>> library_label("/tmp/elsewhere/model.yaml", "/srv/abc/process_models")
    'model.yaml'
    """
    path, library_dir = Path(path), Path(library_dir)
    for candidate, folder in ((path, library_dir), (path.absolute(), library_dir.absolute()),
                              (path.resolve(), library_dir.resolve())):
        try:
            return candidate.relative_to(folder).as_posix()
        except ValueError:
            continue
    return path.name

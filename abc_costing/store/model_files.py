"""Writing files safely: model files validated and conflict-checked, outputs only as regular files.

Every file this package writes goes through :func:`write_atomic` (reports,
exports, BPMN, CSV, the change log's companions) or, for the model files of a
library, through :meth:`abc_costing.store.library.ModelLibrary.write_model`,
which adds the change log. Both write a temporary file in the same folder,
flush it to disk and rename it over the target, so a crash leaves either the
old file or the new one, never half of each; and both refuse a target that is
not a regular file (a symbolic link, a device such as ``/dev/full``, a FIFO, a
socket, a folder), so an output is never written through a link or over a
device.

:func:`save_model_text` is the same for a model file outside any library
(validated first, refused when the file changed since it was loaded), without
a change log.

Examples
--------
>>> import tempfile, pathlib, shutil
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = shutil.copy("process_models/resources.yaml", folder)  # the pools' catalogue
>>> path = folder / "as_is.yaml"
>>> text = pathlib.Path("process_models/contract_approval/as_is.yaml").read_text("utf-8")
>>> digest = save_model_text(path, text, expected_sha256=None, create=True)
>>> digest == file_sha256(path)
True
>>> (folder / "link.csv").symlink_to(folder / "elsewhere.csv")
>>> write_atomic(folder / "link.csv", b"a;b", name="link.csv")
Traceback (most recent call last):
...
abc_costing.store.model_files.UnsafeTargetError: link.csv: is a symbolic link; files are \
written only as regular files, so it was left as it is (choose another name)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from abc_costing.i18n import N_
from abc_costing.problems import AbcCostingError, ModelError, Problem, has_errors

__all__ = [
    "ModelExistsError",
    "StaleFileError",
    "UnsafeTargetError",
    "check_regular_target",
    "file_sha256",
    "library_label",
    "save_model_text",
    "write_atomic",
]


class StaleFileError(AbcCostingError, RuntimeError):
    """The file changed on disk since the editor loaded it; nothing was written.

    Attributes:
      path: the file.
      name: how the message names it (relative to the library for library files).
      expected_sha256: the digest the editor loaded.
      current_sha256: the digest on disk now (None when the file is gone).
      current_text: the text on disk now, to show the difference.

    >>> str(StaleFileError(Path("/srv/lib/p/v.yaml"), "a" * 64, None, None, name="p/v.yaml"))
    'p/v.yaml: was deleted since it was loaded; reload and apply your edits again'
    """

    def __init__(self, path: Path, expected_sha256: str, current_sha256: str | None,
                 current_text: str | None, *, name: str | None = None):
        self.path = path
        self.name = name if name is not None else str(path)
        self.expected_sha256 = expected_sha256
        self.current_sha256 = current_sha256
        self.current_text = current_text
        super().__init__(
            N_("{name}: was deleted since it was loaded; reload and apply your edits again",
               name=self.name) if current_sha256 is None else
            N_("{name}: was changed by someone else since it was loaded; reload and apply "
               "your edits again", name=self.name))


class ModelExistsError(AbcCostingError, FileExistsError):
    """A new model file was to be created where one already exists; nothing was written.

    >>> str(ModelExistsError("p/v.yaml"))
    'p/v.yaml: a file with this name already exists'
    """

    def __init__(self, name: str):
        self.name = name
        super().__init__(N_("{name}: a file with this name already exists", name=name))

    def __str__(self) -> str:
        return str(self.args[0])


class UnsafeTargetError(AbcCostingError, OSError):
    """The target of a write is not a regular file (a link, a device, a FIFO, ...).

    An ``OSError`` too, so a caller that reports ``error.strerror`` for any
    failed write shows the reason without the path twice.

    Attributes:
      name: the target as the message names it.
      what: what it is (``a symbolic link``, ``a device``, ...).

    >>> error = UnsafeTargetError("out.pdf", "a device")
    >>> error.strerror
    'is a device; files are written only as regular files, so it was left as it is (choose \
another name)'
    """

    def __init__(self, name: str, what: str):
        self.name = name
        self.what = what
        reason = N_("is {what}; files are written only as regular files, so it was left as "
                    "it is (choose another name)", what=what)
        super().__init__(errno.EEXIST, reason)

    def __str__(self) -> str:
        return f"{self.name}: {self.strerror}"


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_target(path: str | Path, *, name: str | None = None) -> None:
    """Refuse ``path`` unless it is missing or a regular file (``lstat``: links are not followed).

    Raises :class:`UnsafeTargetError`, naming the file as ``name`` (default:
    ``path`` as given).

    >>> check_regular_target("/dev/null", name="out.csv")
    Traceback (most recent call last):
    ...
    abc_costing.store.model_files.UnsafeTargetError: out.csv: is a device; files are written \
only as regular files, so it was left as it is (choose another name)
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    what = _kind_of(mode)
    if what is not None:
        raise UnsafeTargetError(str(path) if name is None else name, what)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x"
    >>> _ = path.write_bytes(b"abc")
    >>> file_sha256(path) == hashlib.sha256(b"abc").hexdigest()
    True
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` (created or truncated) and flush it to disk; no rename.

    Refuses to follow a link at ``path`` (``O_NOFOLLOW``).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                 mode)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(path, mode)  # the umask may have narrowed it


def write_atomic(path: str | Path, data: bytes, *, name: str | None = None) -> None:
    """Replace ``path`` with ``data`` all at once (temp file, fsync, rename).

    The target must be missing or a regular file: a symbolic link, a device,
    a FIFO, a socket or a folder is refused with :class:`UnsafeTargetError`
    (naming it as ``name``, default ``path``) and left as it is. On any error
    the temporary file is removed and ``path`` is untouched.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "отчёт.csv"
    >>> write_atomic(path, b"a;b\\n"); path.read_bytes()
    b'a;b\\n'
    """
    path = Path(path)
    check_regular_target(path, name=name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.chmod(tmp, os.lstat(path).st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        # Checked again just before the rename: the window for a link to appear is
        # this one call (rename never follows a link; it would replace it).
        check_regular_target(path, name=name)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_folder(path.parent)


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


def current_state(path: Path) -> tuple[str | None, str | None]:
    """``(sha256, text)`` of the file on disk now; ``(None, None)`` when it is gone."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    return hashlib.sha256(data).hexdigest(), data.decode("utf-8", errors="replace")


def save_model_text(
    path: str | Path, text: str, *, expected_sha256: str | None, create: bool = False,
    name: str | None = None,
) -> str:
    """Validate ``text`` and write it to ``path``; return the new file's SHA-256.

    For a model file outside any library: nothing is logged. A file inside a
    library is written with
    :meth:`~abc_costing.store.library.ModelLibrary.write_model`, which logs it.

    ``expected_sha256`` is the digest of the file as the editor loaded it;
    ``create=True`` saves a new file and refuses to replace an existing one.
    Messages name the file as ``name`` (default: ``path`` as given).
    Raises :class:`ModelError` (invalid model), :class:`StaleFileError`
    (changed on disk), :class:`ModelExistsError` or
    :class:`UnsafeTargetError`; in each case nothing is written.
    """
    # Here, not at the top: reading a model loads pydantic and networkx, which the
    # module's light users (library_label, write_atomic: the CLI's start) never need.
    from abc_costing.formats import parse_model_text
    from abc_costing.formats.catalogue import catalogue_beside

    path = Path(path)
    label = str(path) if name is None else name
    catalogue, problems = catalogue_beside(path)
    if catalogue is None and has_errors(problems):
        raise ModelError(problems)
    # A broken pool of the catalogue stops the save only when the model uses it.
    model, found = parse_model_text(text, source=label, catalogue=catalogue)
    if model is None:
        raise ModelError(problems + found)
    if not path.parent.is_dir():
        raise ModelError([Problem(N_("folder does not exist"), file=label)])
    data = text.encode("utf-8")
    with _folder_lock(path.parent):
        check_regular_target(path, name=label)
        if create:
            if os.path.lexists(path):
                raise ModelExistsError(label)
        elif expected_sha256 is not None:
            current_sha256, current_text = current_state(path)
            if current_sha256 != expected_sha256:
                raise StaleFileError(path, expected_sha256, current_sha256, current_text,
                                     name=label)
        write_atomic(path, data, name=label)
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
    # Each form only when the one before fails: resolving asks the file system for every
    # part of both paths (0.1-0.2 s of CPU for a portfolio's 1,000 labels).
    forms: tuple[Callable[[Path], Path], ...] = (Path, Path.absolute, Path.resolve)
    for form in forms:
        try:
            return form(path).relative_to(form(library_dir)).as_posix()
        except ValueError:
            continue
    return path.name

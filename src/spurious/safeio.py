"""Outputs are transactions: what the user owns is never deleted, truncated or half-replaced.

Rules every command follows (the README's "Files" section states them for users):

* A single output file is written atomically (:func:`spurious.continuation.files.atomic_write_text`:
  temporary file in the same folder, ``fsync``, ``os.replace``). An existing file is replaced
  only if it is the command's own kind of file (a branch file of this tool, recognised by its
  format tag, or a figure when ``--force`` is given); anything else is refused.
* A report folder is built complete in a staging folder beside its target and then swapped in
  by an atomic exchange of the two names (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere
  two renames), so at every instant the target holds either the old or the new complete report.
  The target must not exist, be empty, or hold a previous report of this tool (recognised by its
  marker file :data:`REPORT_MARKER`, which lists the files the tool wrote); a previous report is
  replaced only with ``force=True``, and never when the folder holds files the tool did not
  write.
* Every path is checked before any computation starts (:func:`check_output_file`,
  :func:`check_report_folder`).
"""
import ctypes
import ctypes.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import UserError

REPORT_MARKER = ".spurious-report.json"
"""Marker file written into every report folder: ``{"tool": "spurious", "files": [...]}``."""

_SYSTEM_FOLDERS = {"/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run",
                   "/sbin", "/sys", "/usr", "/var", "/tmp", "/opt", "/home", "/srv", "/mnt", "/media"}


def _nonempty_path(path, what):
    if path is None or str(path).strip() == "":
        raise UserError(f"{what}: the path is empty")
    return Path(os.path.expanduser(str(path)))


def _writable_parent(path, what):
    parent = path.resolve().parent
    if not parent.is_dir():
        raise UserError(f"{what} {path}: the folder {parent} does not exist")
    try:  # the only reliable test (root, read-only mounts, /proc): create and remove a file there
        fd, probe = tempfile.mkstemp(prefix=".spurious-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UserError(f"{what} {path}: cannot create files in {parent} ({err.strerror or err})")
    return parent


def check_output_file(path, what="cannot write", replaceable=None, force=False):
    """Check, before any work, that ``path`` can be written as a new or replaceable file.

    ``replaceable(path) -> bool`` says whether an existing file is the command's own kind (e.g.
    a branch file); such a file is replaced only with ``force``. Returns the path. Raises
    :class:`UserError` (one line) otherwise.
    """
    path = _nonempty_path(path, what)
    _writable_parent(path, what)
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise UserError(f"{what} {path}: it exists and is not a regular file")
        if replaceable is not None and not replaceable(path):
            raise UserError(f"{what} {path}: it exists and was not written by spurious; "
                            "choose another name (existing files are never overwritten)")
        if not force:
            raise UserError(f"{what} {path}: it exists; pass --force to replace it")
        if not os.access(path, os.W_OK):
            raise UserError(f"{what} {path}: it is not writable")
    return path


def written_by_spurious(path, tag):
    """Whether the file ``path`` starts (first 4 KiB) with the format tag ``tag`` this tool writes
    into its JSON files (``"spurious-branch"``, ``"spurious-discovery"``, ...). Branch files of
    version 0 had no tag: they are recognised by their leading fields."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    legacy_branch = tag == BRANCH_TAG and head.startswith(b'{"x": [') and b'"tangents"' in head
    return tag.encode() in head or legacy_branch


BRANCH_TAG = '"spurious-branch"'
DISCOVERY_FORMAT = "spurious-discovery"
DISCOVERY_TAG = f'"{DISCOVERY_FORMAT}"'
CERTIFICATE_TAG = '"spurious-certificate/'


def _marker(folder):
    """The marker of a previous report in ``folder`` (a dict), or ``None``."""
    try:
        with open(folder / REPORT_MARKER, encoding="utf-8") as fh:
            marker = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("tool") != "spurious" or not isinstance(marker.get("files"), list):
        return None
    return marker


def check_report_folder(out, force=False):
    """Check, before any work, that the report may be written to folder ``out``.

    Allowed: ``out`` does not exist (its parent is a writable folder), is an empty folder, or
    holds a previous report of this tool and nothing else (then only with ``force``). Refused:
    system folders, the user's home, the current working folder's ancestors, files, foreign
    content. Returns the resolved path.
    """
    out = _nonempty_path(out, "cannot write the report to")
    resolved = out.resolve()
    home = Path.home().resolve()
    if str(resolved) in _SYSTEM_FOLDERS or resolved == home or resolved in Path.cwd().resolve().parents \
            or resolved == Path.cwd().resolve():
        raise UserError(f"cannot write the report to {out}: refusing to use {resolved} as a report folder; "
                        "name a new folder such as report/")
    _writable_parent(resolved, "cannot write the report to")
    if not resolved.exists() and not resolved.is_symlink():
        return resolved
    if resolved.is_symlink() or not resolved.is_dir():
        raise UserError(f"cannot write the report to {out}: it exists and is not a folder")
    content = {p.name for p in resolved.iterdir()}
    if not content:
        return resolved
    marker = _marker(resolved)
    if marker is None:
        raise UserError(f"cannot write the report to {out}: the folder is not empty and holds no spurious "
                        "report; name a new or empty folder (files you own are never touched)")
    foreign = sorted(content - set(marker["files"]) - {REPORT_MARKER})
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise UserError(f"cannot write the report to {out}: it holds files spurious did not write ({shown}); "
                        "move them away or name another folder")
    if not force:
        raise UserError(f"cannot write the report to {out}: it holds a previous report; pass --force to replace it")
    if not os.access(resolved, os.W_OK | os.X_OK):
        raise UserError(f"cannot write the report to {out}: it is not writable")
    return resolved


def new_staging_folder(target):
    """An empty folder beside ``target`` (same file system) with ordinary permissions."""
    target = Path(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the report is an ordinary folder
    return tmp


def write_marker(folder):
    """Write :data:`REPORT_MARKER` listing every file now in ``folder`` (call it last)."""
    from spurious.continuation.files import atomic_write_text

    files = sorted(p.name for p in Path(folder).iterdir() if p.name != REPORT_MARKER)
    from . import __version__

    atomic_write_text(Path(folder) / REPORT_MARKER,
                      json.dumps({"tool": "spurious", "version": __version__, "files": files}, indent=1) + "\n")


def _rename_exchange(a, b):
    """Atomically exchange the names ``a`` and ``b`` (Linux ``renameat2``); ``False`` if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    return False


def swap_into_place(staging, target):
    """Move the complete folder ``staging`` to ``target``, replacing a previous ``target``.

    Every file of ``staging`` is ``fsync``-ed first. With an existing target the two names are
    exchanged atomically, then the old content (now under the staging name) is removed; where
    the exchange is unsupported, the old target is first renamed aside, so it still exists,
    complete, under a hidden name until the new one is in place.
    """
    from spurious.continuation.files import fsync_folder

    staging, target = Path(staging), Path(target)
    for item in staging.iterdir():  # the content must be on disk before its name is published
        fd = os.open(item, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_folder(staging)
    if not target.exists():
        os.rename(staging, target)
    elif _rename_exchange(staging, target):
        shutil.rmtree(staging)
    else:
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, aside / "old")
        os.rename(staging, target)
        shutil.rmtree(aside)
    fsync_folder(target.parent)
    return target


def read_branch(path):
    """A branch file, or :class:`UserError` with one line saying why it cannot be read.

    :meth:`spurious.continuation.Branch.load` validates the file (regular file, size, JSON,
    format, finite numbers, consistent lengths) and names the problem.
    """
    from spurious.continuation import Branch

    try:
        return Branch.load(path)
    except (OSError, ValueError) as err:
        message = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        message = " ".join(message.split())
        if message.startswith(f"{path}: "):  # Branch.load names the file itself
            message = message[len(str(path)) + 2:]
        raise UserError(f"cannot read the branch {path}: {message}") from None

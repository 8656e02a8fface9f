"""Atomic file writes: a file is either the old complete version or the new complete one.

The text goes to a temporary file in the target's own folder (same file system), which is
flushed and ``fsync``-ed, then ``os.replace``-d over the target (an atomic rename on POSIX),
and the folder is ``fsync``-ed so the rename itself survives a crash. A kill at any instant
leaves the previous file intact; at worst a ``.NAME.tmp-XXXX`` file is left beside it, which
is removed when the write fails in Python (including ``KeyboardInterrupt``).
"""
import os
import tempfile
from pathlib import Path


def fsync_folder(folder):
    """``fsync`` a folder so that renames inside it are durable (no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path, data, mode=0o644):
    """Write ``data`` (bytes) to ``path`` atomically; returns ``path`` as a :class:`Path`.

    The new file gets permissions ``mode`` masked by the process umask, like an ordinary
    ``open(path, "w")`` (``tempfile`` alone would make it private).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, mode & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_folder(folder)
    return path


def atomic_write_text(path, text, mode=0o644):
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8"), mode)

"""Atomic file writes: a file regionkit writes is either the old one or a complete new one.

Every writer (numpy, matplotlib, networkx, plain text) writes a temporary file in the
target's directory, which is flushed to disk and then renamed over the target with
``os.replace`` (atomic on POSIX and Windows within one file system). Ctrl-C or an error while
writing removes the temporary file and leaves the target untouched; a process killed outright
(SIGKILL, power loss) may leave a hidden ``.NAME.XXXXXXXX.tmp.EXT`` file beside the target,
never a torn target.

Examples
--------
>>> import os, tempfile
>>> from regionkit.atomic import atomic_path
>>> with tempfile.TemporaryDirectory() as tmp:
...     target = os.path.join(tmp, "notes.txt")
...     with atomic_path(target) as part:
...         with open(part, "w") as f:
...             _ = f.write("done")
...     os.listdir(tmp), open(target).read()
(['notes.txt'], 'done')
"""
from __future__ import annotations

import contextlib
import os
import secrets
from typing import Iterator

__all__ = ["atomic_path", "write_text"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """A temporary name to write in place of ``path``, renamed over it if the block succeeds.

    The temporary file lies in the same directory (so the rename is atomic) and keeps the
    target's extension, so writers that choose a format by extension (matplotlib's savefig)
    or append one to a name without it (numpy.savez: give the target its .npz) behave as
    they would for the target.

    Parameters
    ----------
    path : str or os.PathLike
        The file to (re)place.

    Yields
    ------
    str
        The temporary file name to write.

    Raises
    ------
    OSError
        The directory is not writable, or the rename fails (the target is then unchanged).
    """
    target = os.fspath(path)
    folder, name = os.path.split(target)
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp{os.path.splitext(name)[1]}")
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)  # the data reaches the disk before the name does
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:  # KeyboardInterrupt included: never leave a partial file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    text : str
        Its new content.

    Raises
    ------
    OSError
        The file cannot be written (the old one, if any, is unchanged).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

"""Built kit PDFs kept on disk by content, and one build at a time per user.

A whole market's kit (10,000 stalls) takes about a minute to build, and the same request could
be repeated at will. Built PDFs are kept under the instance folder, named by a hash of everything
printed (the cards, the layout, the templates, the renderer's version): every worker on the
machine serves a kit any of them built, and a changed stall, template or renderer simply names a
new file. The folder is bounded; the least recently served files go first.

One build at a time per user: an exclusive, non-blocking `flock` on a per-user lock file, so it
holds across gunicorn's worker processes and is released by the kernel if a worker dies. A second
request while the first is building is refused (429 with Retry-After) rather than queued: a
queued request would still hold a worker thread for the whole build. Pure: no Flask, no database.
"""

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path


class KitStore:
    def __init__(self, directory: Path, max_bytes: int):
        self.directory, self.max_bytes = Path(directory), max_bytes
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key.isalnum():  # keys are hex digests; never a path
            raise ValueError("bad kit key")
        return self.directory / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently served: evicted last
        return data

    def put(self, key: str, pdf: bytes) -> None:
        """Write atomically (a reader sees the whole file or none), then trim the folder."""
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(pdf)
            os.replace(temporary, self._path(key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self._trim()

    def _trim(self) -> None:
        files = []
        for path in self.directory.glob("*.pdf"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

    @contextlib.contextmanager
    def one_build(self, user_key: str):
        """Yields True while this caller holds `user_key`'s build slot, False if another holds it."""
        if not user_key.isalnum():
            raise ValueError("bad user key")
        with open(self.directory / f"building-{user_key}.lock", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

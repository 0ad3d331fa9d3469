"""File access with the guarantees the threat model asks for: inputs are regular files of
bounded size, outputs are regular files replaced atomically, and every OS error is a
:class:`~mapgen.errors.FileError` (one line, exit 2) rather than a traceback."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import stat
import tempfile
from pathlib import Path

from .errors import FileError

#: Default ceiling on the size of one input file (records CSV, boundary file): far above any
#: real record file (a million control rows is about 100 MB), far below what exhausts memory.
MAX_INPUT_BYTES = 512 * 2**20

_KINDS = (
    (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """``a folder``, ``a named pipe (FIFO)``, ... for a non-regular file's ``st_mode``."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def mb(n: int) -> str:
    """A file size for messages: ``6.8 MB``, ``20 KB``."""
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def input_problem(path: Path, *, max_bytes: int = MAX_INPUT_BYTES,
                  inside: Path | None = None) -> str | None:
    """Why ``path`` may not be read, or None: it must be a regular file (after following a
    symbolic link, which must stay inside ``inside`` when given) of at most ``max_bytes``."""
    try:
        if inside is not None and path.is_symlink():
            target = path.resolve()
            root = inside.resolve()
            if target != root and root not in target.parents:
                return f"a symbolic link to {target}, outside the folder {root}"
        st = path.stat()
    except OSError as exc:
        return f"cannot be read: {_why(exc)}"
    if not stat.S_ISREG(st.st_mode):
        return f"{kind_of(st.st_mode)}, not a regular file"
    if st.st_size > max_bytes:
        return (f"{mb(st.st_size)}, over the limit of {mb(max_bytes)} "
                "(raise it with --max-input-mb)")
    return None


def read_bounded(path: Path, *, max_bytes: int = MAX_INPUT_BYTES,
                 inside: Path | None = None) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes``.

    The file is opened without blocking (a FIFO swapped in after the check cannot hang the
    read) and checked again on the open descriptor; at most ``max_bytes + 1`` bytes are read.

    Raises
    ------
    FileError
        The file is missing, unreadable, not a regular file, a symbolic link leaving
        ``inside``, or too large.
    """
    why = input_problem(path, max_bytes=max_bytes, inside=inside)
    if why:
        raise FileError(f"{path}: {why}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileError(f"{path}: cannot be read: {_why(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileError(f"{path}: {kind_of(st.st_mode)}, not a regular file")
        chunks = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise FileError(f"{path}: cannot be read: {_why(exc)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileError(f"{path}: over the limit of {mb(max_bytes)} (raise it with --max-input-mb)")
    return data


def check_output(path: Path) -> None:
    """Refuse an output path that exists and is not a regular file, or is a symbolic link.

    A symbolic link is refused rather than written through or replaced: renaming onto it
    would replace the link, and writing through it would let whoever made the link choose
    what gets overwritten. Give the path it points to instead.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileError(f"{path}: cannot write here: {_why(exc)}") from None
    if stat.S_ISLNK(st.st_mode):
        raise FileError(f"{path}: is a symbolic link; mapgen writes only regular files "
                        f"(give the path it points to, {os.path.realpath(path)})")
    if not stat.S_ISREG(st.st_mode):
        raise FileError(f"{path}: is {kind_of(st.st_mode)}; mapgen writes only regular files "
                        "(give a file name)")


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> Path:
    """Write to a temporary file beside ``path`` and rename it over ``path``: a failed run
    never leaves a half-written file, and an existing one is replaced only by a complete one.

    Raises
    ------
    FileError
        ``path`` exists and is not a regular file (a device, a FIFO, a folder, a socket) or
        is a symbolic link; or the folder cannot be made or written (read-only, disk full, a
        file where a folder should be). The temporary file is removed in every case,
        including an interrupt (``KeyboardInterrupt``, or SIGTERM as the CLI maps it).
    """
    target = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    check_output(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileError(f"{target.parent}: cannot make the output folder: {_why(exc)}") from None
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        check_output(target)  # again, just before the rename
        os.replace(tmp, target)
    except FileError:
        _remove(tmp)
        raise
    except OSError as exc:
        _remove(tmp)
        raise FileError(f"{target}: cannot write: {_why(exc)}") from None
    except BaseException:
        _remove(tmp)
        raise
    return target


def _remove(tmp: str) -> None:
    if tmp:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


#: The files beside a shapefile that are part of it (names and attributes live in the
#: ``.dbf``, the CRS in the ``.prj``).
SIDECARS = (".shx", ".dbf", ".prj", ".cpg")

_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, computed once per (path, size, modification time)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


def boundary_files(file: Path) -> list[Path] | None:
    """Every file whose bytes make up the boundary file ``file``: a shapefile's sidecars, a
    GeoPackage's write-ahead log (where QGIS leaves its latest edits) or journal; None for a
    format that can read other files (a VRT, a MapInfo table, a zip through GDAL's virtual
    file systems), whose content mapgen cannot name, so nothing derived from it is kept."""
    suffix = file.suffix.lower()
    if suffix == ".shp":
        return [file, *(side for side in sorted(file.parent.iterdir())
                        if side.stem == file.stem and side.suffix.lower() in SIDECARS
                        and side.is_file())]
    if suffix == ".gpkg":
        return [file, *(side for side in (Path(f"{file}-wal"), Path(f"{file}-journal"))
                        if side.is_file())]
    if suffix in (".geojson", ".json", ".fgb"):
        return [file]
    return None


def input_digest(file: Path) -> str | None:
    """The digest of every file of :func:`boundary_files`, or None when they are unknown."""
    files = boundary_files(file)
    if files is None:
        return None
    h = hashlib.sha256()
    for part in files:
        h.update(part.name[len(file.stem):].lower().encode() + b"\0"
                 + file_digest(part).encode())
    return h.hexdigest()


def installed(module: str, dist: str) -> str:
    """Where ``module`` is, and the name, size and time of its distribution ``dist``'s
    ``RECORD`` (which pip rewrites on every install, upgrade or downgrade), or of the
    module's own file when it has none (a source checkout); found without importing it.
    Part of the keys of what mapgen keeps derived from the libraries' work."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return "-"
    origin = Path(spec.origin)
    marks = [origin]
    for folder in origin.parents:
        try:
            found = [p / "RECORD" for p in folder.iterdir() if p.suffix == ".dist-info"
                     and p.name.lower().replace("-", "_").replace(".", "_")
                     .startswith(dist + "_")]
        except OSError:
            continue
        if found or folder.name in ("site-packages", "dist-packages"):
            marks = found or marks
            break
    out = [str(origin)]
    for mark in marks:
        try:
            st = mark.stat()
            out.append(f"{mark.parent.name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            out.append(f"{mark}:-")
    return "|".join(out)


#: The file beside the boundaries that lists the neighbouring countries to name on a page.
NEIGHBOURS_FILE = "neighbours.csv"


def cache_dir() -> Path:
    """Where mapgen keeps what it derives from inputs: ``$MAPGEN_CACHE``, else
    ``$XDG_CACHE_HOME/mapgen``, else ``~/.cache/mapgen``."""
    base = os.environ.get("MAPGEN_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "mapgen" if base else Path.home() / ".cache" / "mapgen"

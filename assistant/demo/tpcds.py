"""Build a TPC-DS database in this project's DuckDB storage format.

DuckDB's own extension download is not reachable here, but PyPI ships the TPC-DS extension as the
`duckdb-extension-tpcds` wheel, built for one DuckDB release (1.5.5), not for the DuckDB this
project runs. So the build has two steps:

1. In a scratch virtualenv under the user's cache dir (created once, then reused) with
   duckdb==1.5.5 and duckdb-extension-tpcds==1.5.5, a small subprocess LOADs the extension file
   shipped inside the wheel and runs `CALL dsdgen(sf=...)` into a temporary 1.5.5 database.
2. This process ATTACHes that file READ_ONLY and `COPY FROM DATABASE`s it into a new file in its
   own storage format, written beside `path` and renamed into place when complete.

Scale factors (2-core machine, scratch venv ready): sf=0.01 builds in 2 s but is thin (1,000
customers, 3 promotions, catalog sales stop in 2001); sf=0.1 builds in ~5 s with every channel
running to the anchor (10,000 customers, 288k store sales lines), the CI scale; sf=1 takes ~40 s
(100,000 customers, 2.9M store sales lines, 310 MB) and is the size for the real checks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb

TPCDS_DUCKDB_VERSION = "1.5.5"
REQUIREMENTS = (
    f"duckdb=={TPCDS_DUCKDB_VERSION}",
    f"duckdb-extension-tpcds=={TPCDS_DUCKDB_VERSION}",
)
SMALL_SF = 0.1  # 10,000 customers, ~5 s: the CI scale

# The anchor date of a TPC-DS database: the last day with a sale in any channel.
ANCHOR_SQL = (
    "(SELECT max(d_date) FROM date_dim WHERE d_date_sk IN ("
    "SELECT ss_sold_date_sk FROM store_sales UNION SELECT ws_sold_date_sk FROM web_sales "
    "UNION SELECT cs_sold_date_sk FROM catalog_sales))"
)

TPCDS_TABLES = (
    "call_center", "catalog_page", "catalog_returns", "catalog_sales", "customer",
    "customer_address", "customer_demographics", "date_dim", "household_demographics",
    "income_band", "inventory", "item", "promotion", "reason", "ship_mode", "store",
    "store_returns", "store_sales", "time_dim", "warehouse", "web_page", "web_returns",
    "web_sales", "web_site",
)  # fmt: skip

Progress = Callable[[str], object]

# Prints the folder of the installed extension package (run with the scratch venv's python).
_FIND_PACKAGE = (
    "import json, pathlib, duckdb, duckdb_extension_tpcds as m; "
    "print(json.dumps({'duckdb': duckdb.__version__, "
    "'dir': str(pathlib.Path(m.__file__).resolve().parent)}))"
)
# argv: extension file, database file, scale factor.
_GENERATE = """
import sys, duckdb
ext, db, sf = sys.argv[1], sys.argv[2], float(sys.argv[3])
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
con.execute("LOAD '" + ext.replace("'", "''") + "'")
con.execute(f"CALL dsdgen(sf={sf!r})")
con.execute("CHECKPOINT")
con.close()
"""


class TpcdsBuildError(Exception):
    """The TPC-DS database could not be built; the message says which step failed and why."""


def cache_dir() -> Path:
    """segment-assistant's cache folder ($XDG_CACHE_HOME or ~/.cache, then segment-assistant)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "segment-assistant"


def default_venv_dir() -> Path:
    return cache_dir() / "tpcds-venv"


@contextlib.contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive lock between processes (two test sessions building the same file)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _venv_python(venv_dir: Path) -> Path:
    return venv_dir / "bin" / "python"


def _env() -> dict[str, str]:
    # The scratch venv must not pick up this process's packages (duckdb 2) through PYTHONPATH.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _run(cmd: list[str], what: str, timeout: float | None = None) -> str:
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, env=_env()
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise TpcdsBuildError(f"{what} failed: {err}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise TpcdsBuildError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def _package_info(python: Path) -> dict | None:
    """The scratch venv's duckdb version and extension package folder, or None if not usable."""
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", _FIND_PACKAGE], capture_output=True, text=True, check=False, env=_env()
    )
    if done.returncode != 0:
        return None
    try:
        info = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return info if info.get("duckdb") == TPCDS_DUCKDB_VERSION else None


def ensure_scratch_venv(venv_dir: Path | None = None, progress: Progress = print) -> Path:
    """The python of a venv with duckdb 1.5.5 and its TPC-DS extension (created if missing)."""
    venv_dir = Path(venv_dir or default_venv_dir())
    python = _venv_python(venv_dir)
    with file_lock(venv_dir.with_name(venv_dir.name + ".lock")):
        if _package_info(python) is not None:
            return python
        progress(f"tpcds: creating scratch venv {venv_dir} ({', '.join(REQUIREMENTS)})")
        start = time.perf_counter()
        if venv_dir.exists():
            if not (venv_dir / "pyvenv.cfg").exists():
                raise TpcdsBuildError(f"{venv_dir} exists and is not a virtualenv; remove it")
            shutil.rmtree(venv_dir)  # a broken or outdated scratch venv: start again
        _run([sys.executable, "-m", "venv", str(venv_dir)], "creating the scratch venv")
        _run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             *REQUIREMENTS],
            f"pip install {' '.join(REQUIREMENTS)}",
            timeout=1800,
        )  # fmt: skip
        if _package_info(python) is None:
            raise TpcdsBuildError(
                f"the scratch venv {venv_dir} has no usable duckdb {TPCDS_DUCKDB_VERSION} "
                "with duckdb_extension_tpcds after pip install"
            )
        progress(f"tpcds: scratch venv ready in {time.perf_counter() - start:.1f} s")
        return python


def find_extension(python: Path) -> Path:
    """The tpcds.duckdb_extension file inside the scratch venv's duckdb-extension-tpcds package."""
    info = _package_info(python)
    if info is None:
        raise TpcdsBuildError(
            f"{python} cannot import duckdb {TPCDS_DUCKDB_VERSION} and duckdb_extension_tpcds"
        )
    package = Path(info["dir"])
    found = sorted(package.rglob("*.duckdb_extension"))
    versioned = [p for p in found if f"v{TPCDS_DUCKDB_VERSION}" in p.parts]
    if not (versioned or found):
        raise TpcdsBuildError(
            f"no .duckdb_extension file inside the duckdb-extension-tpcds package at {package}"
        )
    return (versioned or found)[0]


def anchor_date(con: duckdb.DuckDBPyConnection) -> date:
    """The last day with a store, web or catalog sale: what `{as_of}` means for TPC-DS evals."""
    ((anchor,),) = con.execute(f"SELECT {ANCHOR_SQL}").fetchall()
    if anchor is None:
        raise TpcdsBuildError("the database has no sales to anchor dates on")
    return anchor


def expand_dates(sql: str, anchor: date) -> str:
    """Gold SQL with `{as_of}` as the anchor DATE and `{end}` as the day after it."""
    as_of = f"DATE '{anchor.isoformat()}'"
    return sql.replace("{as_of}", as_of).replace("{end}", f"({as_of} + INTERVAL 1 DAY)")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_tpcds(
    path: Path,
    sf: float = 1.0,
    *,
    work_dir: Path | None = None,
    progress: Progress = print,
    venv_dir: Path | None = None,
) -> Path:
    """Generate TPC-DS at scale factor `sf` into the DuckDB file `path` (replaced atomically).

    `work_dir` holds the temporary 1.5.5 database (default: a temporary folder, removed after);
    `venv_dir` is the scratch venv (default: <cache dir>/tpcds-venv). Raises TpcdsBuildError.
    """
    if not sf > 0:
        raise TpcdsBuildError(f"the scale factor must be positive, not {sf}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    python = ensure_scratch_venv(venv_dir, progress)
    extension = find_extension(python)

    with contextlib.ExitStack() as stack:
        if work_dir is None:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tpcds-")))
        else:
            scratch = Path(work_dir)
            scratch.mkdir(parents=True, exist_ok=True)
        old = scratch / f"tpcds-sf{sf:g}-duckdb{TPCDS_DUCKDB_VERSION}.duckdb"
        old.unlink(missing_ok=True)
        progress(f"tpcds: generating sf={sf:g} with duckdb {TPCDS_DUCKDB_VERSION} into {old}")
        step = time.perf_counter()
        _run(
            [str(python), "-c", _GENERATE, str(extension), str(old), repr(float(sf))],
            f"dsdgen(sf={sf:g}) in the scratch venv",
        )
        progress(f"tpcds: generated in {time.perf_counter() - step:.1f} s")

        progress(f"tpcds: copying into duckdb {duckdb.__version__} storage at {path}")
        step = time.perf_counter()
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        _remove_db(tmp)
        try:
            _copy_database(old, tmp)
            Path(f"{path}.wal").unlink(missing_ok=True)  # a stale log must not replay
            os.replace(tmp, path)
        except BaseException:
            _remove_db(tmp)
            raise
        finally:
            if work_dir is not None:
                _remove_db(old)
        progress(f"tpcds: copied in {time.perf_counter() - step:.1f} s")

    with duckdb.connect(str(path), read_only=True) as con:
        ((customers, store_sales),) = con.execute(
            "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM store_sales)"
        ).fetchall()
        anchor = anchor_date(con)
    progress(
        f"tpcds: built {path} (sf={sf:g}) in {time.perf_counter() - start:.1f} s: "
        f"{customers:,} customers, {store_sales:,} store_sales rows, anchor {anchor}"
    )
    return path


def _copy_database(old: Path, new: Path) -> None:
    try:
        with duckdb.connect(str(new)) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"ATTACH {_sql_string(str(old))} AS tpcds_old (READ_ONLY)")
            ((name,),) = con.execute("SELECT current_database()").fetchall()
            con.execute(f"COPY FROM DATABASE tpcds_old TO {_quote(name)}")
            con.execute("DETACH tpcds_old")
            missing = set(TPCDS_TABLES) - {
                t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            if missing:
                raise TpcdsBuildError(f"the copy lacks TPC-DS tables {sorted(missing)}")
            con.execute("CHECKPOINT")
    except duckdb.Error as err:
        raise TpcdsBuildError(f"copying {old} into {new} failed: {err}") from None


def _remove_db(db: Path) -> None:
    db.unlink(missing_ok=True)
    Path(f"{db}.wal").unlink(missing_ok=True)

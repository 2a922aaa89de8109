"""Shared fixtures: real SQLite files and a real PostgreSQL server.

PostgreSQL comes from ``QAFORGE_TEST_POSTGRES_URL`` (default: the local server
on 127.0.0.1:5432 with trust auth). Each test gets a fresh database cloned from
a template that was migrated once per session. If the server cannot be reached
the PostgreSQL cases are skipped with the reason, except under CI (``CI`` set),
where that is a failure: CI must test both backends.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from qaforge.annotate.server import LabelStudioServerError
from qaforge.sample import write_sample_data
from qaforge.store.engine import create_store_engine
from qaforge.store.schema import upgrade_database
from qaforge.testing.labelstudio import LabelStudioInstance, start_labelstudio_instance

POSTGRES_ADMIN_URL = os.environ.get(
    "QAFORGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgres"]


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small HTTP server of ``handler`` on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class PostgresServer:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.template: str | None = None

    def url_for(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, template: str | None = None) -> str:
        name = f"qaforge_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def migrated_template(self) -> str:
        if self.template is None:
            url = self.create()
            engine = create_store_engine(url)
            upgrade_database(engine)
            engine.dispose()
            self.template = make_url(url).database
        return self.template

    def close(self) -> None:
        for name in self.created:
            self.drop(self.url_for(name))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(POSTGRES_ADMIN_URL)
    try:
        with server.admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must test PostgreSQL; .ci/run starts it)")
        pytest.skip(reason)
    yield server
    server.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of an empty database on the requested backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'qaforge.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of an initialised (migrated) database on the requested backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'qaforge.db'}"
        engine = create_store_engine(url)
        upgrade_database(engine)
        engine.dispose()
        yield url
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create(template=server.migrated_template())
    yield url
    server.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an initialised database (SQLite and PostgreSQL)."""
    engine = create_store_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on an initialised SQLite file (for tests that need one backend only)."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'qaforge.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


GOOD_REPORTS = [
    {
        "report_id": "R1",
        "patient_id": "P1",
        "study_id": "S1",
        "study_date": "2024-03-01",
        "text": "Cine: normal LV size and function, LVEF 61%. LGE: none.",
    },
    {
        "report_id": "R2",
        "patient_id": "P2",
        "study_id": "S2",
        "text": "Dilated LV with severely reduced systolic function. Midwall septal LGE.",
    },
    {
        "report_id": "R3",
        "patient_id": "P2",
        "study_id": "S3",
        "accession": "A-3",
        "text": "Follow-up. LV size now normal. No pericardial effusion.",
    },
    {
        "report_id": "R4",
        "patient_id": "P3",
        "study_id": "S4",
        "text": "Subendocardial LGE of the basal inferior wall, consistent with infarction.",
    },
    {
        "report_id": "R5",
        "patient_id": "P4",
        "study_id": "S5",
        "text": "Asymmetric septal hypertrophy, maximal wall thickness 19 mm.",
    },
]


def mixed_report_lines() -> list[bytes]:
    """Nine JSONL lines: the five good reports and four bad rows, interleaved.

    Bad rows: line 3 lacks report_id, line 5 has empty text, line 6 repeats
    R1's id, line 7 holds bytes that are not UTF-8.
    """
    import json

    def line(record: dict) -> bytes:
        return json.dumps(record).encode() + b"\n"

    good = [line(r) for r in GOOD_REPORTS]
    missing_id = line({"patient_id": "P9", "study_id": "S9", "text": "No LGE."})
    empty_text = line({"report_id": "R7", "patient_id": "P7", "study_id": "S7", "text": "   "})
    duplicate = line({"report_id": "R1", "patient_id": "P1", "study_id": "S1", "text": "Other."})
    undecodable = (
        b'{"report_id": "R8", "patient_id": "P8", "study_id": "S8", "text": "LV \xff\xfe ok"}\n'
    )
    return [
        good[0],
        good[1],
        missing_id,
        good[2],
        empty_text,
        duplicate,
        undecodable,
        good[3],
        good[4],
    ]


@pytest.fixture
def mixed_reports_jsonl(tmp_path: Path) -> Path:
    """A JSONL file with 5 good and 4 bad rows (see :func:`mixed_report_lines`)."""
    path = tmp_path / "reports.jsonl"
    path.write_bytes(b"".join(mixed_report_lines()))
    return path


REALDATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real de-identified scans of ``../shared/realdata``, read in place (never copied).

    Outside CI a missing folder skips the test with the reason; under CI
    (``CI`` set) it is a failure, since CI always has ``../shared`` beside the clone.
    """
    folder = Path(os.environ.get("QAFORGE_REALDATA", REALDATA_DIR))
    _require_shared(folder / "truth.json", "real scans", "the real-scan tests")
    return folder


NEGEX_FILE = REALDATA_DIR.parent / "negex" / "Annotations-1-120.txt"


@pytest.fixture(scope="session")
def negex_file() -> Path:
    """The public NegEx test set of ``../shared/negex``, read in place (the same CI rule)."""
    _require_shared(NEGEX_FILE, "the NegEx set", "the tests on real clinical sentences")
    return NEGEX_FILE


def _require_shared(path: Path, what: str, tests: str) -> None:
    """Skip with the reason when ``path`` (under ../shared) is missing; under CI, fail."""
    if path.is_file():
        return
    reason = f"{what} not found at {path} (../shared beside the clone)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run {tests}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def realdata_truth(realdata: Path) -> dict:
    """``truth.json`` of the real scans: per file, view, sequence, ED/ES, slice order."""
    import json

    return json.loads((realdata / "truth.json").read_text(encoding="utf-8"))


# One real Label Studio server for the whole test session. It runs from
# .venv-labelstudio (made by scripts/ensure-labelstudio.sh) on a free loopback
# port, with an admin and three annotators (rad1, rad2, adjudicator). A missing
# install is a failure, never a skip: these tests are the only proof that what
# we push really works in Label Studio.
REPO_ROOT = Path(__file__).resolve().parents[1]
LABELSTUDIO_VENV = REPO_ROOT / ".venv-labelstudio"
ARTIFACTS = REPO_ROOT / "test-artifacts"
STUDIES = ("STU-0001", "STU-0002", "STU-0003")


@pytest.fixture(scope="session")
def labelstudio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioInstance]:
    """The running server; stopped at the end of the session."""
    if not (LABELSTUDIO_VENV / "bin" / "label-studio").is_file():
        pytest.fail(
            f"Label Studio is not installed in {LABELSTUDIO_VENV}: run scripts/ensure-labelstudio.sh",
            pytrace=False,
        )
    try:
        instance = start_labelstudio_instance(
            LABELSTUDIO_VENV, tmp_path_factory.mktemp("labelstudio")
        )
    except LabelStudioServerError as exc:
        pytest.fail(f"{exc}\n{exc.hint}", pytrace=False)
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def small_source(tmp_path_factory) -> Path:
    """Three sample studies (reports and series)."""
    full = tmp_path_factory.mktemp("annotate-full")
    write_sample_data(full)
    out = tmp_path_factory.mktemp("annotate-source")
    lines = [
        line
        for line in (full / "reports.jsonl").read_text().splitlines()
        if json.loads(line)["study_id"] in STUDIES
    ]
    (out / "reports.jsonl").write_text("\n".join(lines) + "\n")
    for study in STUDIES:
        shutil.copytree(full / "series" / study, out / "series" / study)
    return out

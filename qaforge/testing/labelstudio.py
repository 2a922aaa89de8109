"""A real local Label Studio server with known accounts, for tests and benchmarks.

:func:`start_labelstudio_instance` starts one server on a free loopback port
with an admin and a few annotators (``<name>@example.com``), each with a
random password and API token, and hands back a :class:`LabelStudioInstance`
that can crash (:meth:`~LabelStudioInstance.kill`), start again on the same
data and stop.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qaforge.annotate.server import (
    ServerSettings,
    add_user,
    kill_server,
    start_server,
    stop_server,
)


@dataclass(frozen=True)
class Account:
    """A Label Studio login; password and token are kept out of ``repr``."""

    email: str
    password: str = field(repr=False)
    token: str = field(repr=False)


@dataclass
class LabelStudioInstance:
    """A running (or crashed) local Label Studio server and its accounts.

    Attributes:
        settings: How the server is started; the same on every restart.
        accounts: ``"admin"`` and each annotator name to its account.
        log_path: The server's log (all starts appended).
        process: The server process, ``None`` while it is down.
        start_seconds: How long each start took until ``/health`` answered.
    """

    settings: ServerSettings
    accounts: dict[str, Account]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    start_seconds: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123``."""
        return self.settings.url

    @property
    def media_root(self) -> Path:
        """Folder served through local-files storage (``/data/local-files/?d=<relative path>``)."""
        return self.settings.media_root

    def start(self, *, timeout: float = 300) -> None:
        """Start the server on the same data directory and port; wait until healthy."""
        if self.process is not None:
            raise RuntimeError("Label Studio is running already")
        began = time.monotonic()
        self.process = start_server(self.settings, log_path=self.log_path, timeout=timeout)
        self.start_seconds.append(time.monotonic() - began)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        if self.process is not None:
            kill_server(self.process)
            self.process = None

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM, then SIGKILL after 30 s)."""
        if self.process is not None:
            stop_server(self.process)
            self.process = None

    def restart(self) -> None:
        """Stop the server gracefully and start it again."""
        self.stop()
        self.start()


def start_labelstudio_instance(
    venv: Path,
    root_dir: Path,
    *,
    annotators: Iterable[str] = ("rad1", "rad2", "adjudicator"),
    timeout: float = 300,
) -> LabelStudioInstance:
    """Start a Label Studio server with an admin and annotators on a free loopback port.

    Args:
        venv: Virtual environment with Label Studio installed.
        root_dir: Empty folder; gets ``data/`` (database, log ``labelstudio.log``)
            and ``media/`` (served through local-files storage).
        annotators: Names; each becomes ``<name>@example.com``.
        timeout: Seconds to wait for the server to become healthy.

    Returns:
        The running instance; the caller stops it.

    Raises:
        LabelStudioServerError: if the server does not start or a user cannot
            be added (the server is stopped again then).
    """
    accounts = {
        name: Account(f"{name}@example.com", secrets.token_urlsafe(16), secrets.token_hex(20))
        for name in ("admin", *annotators)
    }
    admin = accounts["admin"]
    settings = ServerSettings(
        venv=venv,
        data_dir=root_dir / "data",
        media_root=root_dir / "media",
        port=free_loopback_port(),
        admin_email=admin.email,
        admin_password=admin.password,
        admin_token=admin.token,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    instance = LabelStudioInstance(
        settings=settings, accounts=accounts, log_path=settings.data_dir / "labelstudio.log"
    )
    instance.start(timeout=timeout)
    try:
        for name, account in accounts.items():
            if name != "admin":
                add_user(
                    settings, email=account.email, password=account.password, token=account.token
                )
    except BaseException:
        instance.stop()
        raise
    return instance


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

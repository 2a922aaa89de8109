"""Label Studio as the commands reach it: a client from the settings, its failures as user errors, a local server.

The CLI holds no Label Studio code: ``annotate push`` and ``pull`` open a
client with :func:`label_studio_client` and run under
:func:`label_studio_errors`; ``annotate serve`` runs :func:`serve_label_studio`.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from qaforge.annotate.client import LabelStudioClient, LabelStudioError, LabelStudioUnavailable
from qaforge.annotate.server import ServerSettings, start_server, stop_server
from qaforge.errors import QaforgeError
from qaforge.settings import LabelStudioSettings

ADMIN_ENV = "admin.env"
"""The file in a server's data folder that keeps its admin password and token."""


def label_studio_client(settings: LabelStudioSettings) -> LabelStudioClient:
    """A client of the configured server, with the configured admin token.

    Raises:
        ConfigError: E906 when no token is set.
    """
    if settings.token is None:
        raise QaforgeError.of("E906")
    return LabelStudioClient(settings.url, settings.token.get_secret_value())


@contextmanager
def label_studio_errors() -> Iterator[None]:
    """Turn the server's refusals and silences inside the block into user errors.

    Raises:
        QaforgeError: E903 when the server did not answer (a re-run resumes),
            E904 when it refused a request.
    """
    try:
        yield
    except LabelStudioUnavailable as error:
        raise QaforgeError.of("E903", problem=str(error)) from None
    except LabelStudioError as error:
        raise QaforgeError.of("E904", problem=str(error)) from None


class ServeReporter(Protocol):
    """Where ``serve`` tells how the server is doing; the CLI prints it."""

    def starting(self, url: str) -> None:
        """The server is being started at ``url``."""

    def ready(self, url: str, media_root: Path) -> None:
        """The server answers at ``url`` and serves files under ``media_root``."""

    def stopped(self) -> None:
        """The server was stopped."""


def serve_label_studio(
    *,
    data_dir: Path,
    media_root: Path,
    port: int,
    venv: Path,
    admin_email: str,
    reporter: ServeReporter,
) -> None:
    """Run a local Label Studio server until Ctrl-C or SIGTERM, then stop it.

    Args:
        data_dir: Where the server keeps its database, uploads, log
            (``server.log``) and admin secrets (:data:`ADMIN_ENV`, mode 600).
        media_root: The folder served as local files.
        port: The port on 127.0.0.1.
        venv: Label Studio's own virtual environment.
        admin_email: The admin's login.
        reporter: Told when the server starts, is ready and has stopped.

    Raises:
        LabelStudioServerError: Not installed (E951), did not start (E952),
            or the port is taken (E953).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    password, token = admin_secrets(data_dir)
    settings = ServerSettings(
        venv=venv.resolve(),
        data_dir=data_dir.resolve(),
        media_root=media_root.resolve(),
        port=port,
        admin_email=admin_email,
        admin_password=password,
        admin_token=token,
    )
    reporter.starting(settings.url)
    process = start_server(settings, log_path=data_dir / "server.log")
    reporter.ready(settings.url, settings.media_root)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(process)
        reporter.stopped()


def admin_secrets(data_dir: Path) -> tuple[str, str]:
    """The admin password and token: from the environment, the data folder, or new.

    Args:
        data_dir: The server's data folder; its :data:`ADMIN_ENV` is (re)written
            with both, readable by its owner only.

    Returns:
        The password and the token.
    """
    env_file = data_dir / ADMIN_ENV
    stored: dict[str, str] = {}
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            stored[key.strip()] = value.strip()
    password = (
        os.environ.get("QAFORGE_LS_ADMIN_PASSWORD")
        or stored.get("QAFORGE_LS_ADMIN_PASSWORD")
        or secrets.token_urlsafe(16)
    )
    token = (
        os.environ.get("QAFORGE_LS_TOKEN")
        or stored.get("QAFORGE_LS_TOKEN")
        or secrets.token_hex(20)
    )
    env_file.write_text(f"QAFORGE_LS_ADMIN_PASSWORD={password}\nQAFORGE_LS_TOKEN={token}\n")
    env_file.chmod(0o600)
    return password, token

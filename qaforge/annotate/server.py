"""Start, stop and provision a local Label Studio server.

Label Studio pins libraries that conflict with ours (see STACK.md), so it runs
from its own virtual environment (``.venv-labelstudio``, made by
``scripts/ensure-labelstudio.sh``) as a child process, and qaforge talks to it
over HTTP only: through label-studio-sdk (:mod:`qaforge.annotate.client`), and
for ``/health``, which the SDK has no call for, through :mod:`qaforge.libs.http`.
The server listens on loopback, keeps everything (SQLite database, uploads,
its own config) under one data directory, and serves images from
``media_root`` through local-files storage.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qaforge.annotate.client import LabelStudioClient, LabelStudioError, LabelStudioUnavailable
from qaforge.errors import LabelStudioServerError, QaforgeError
from qaforge.libs.http import HttpClient, HttpUnavailable

# Label Studio reads its settings from LABEL_STUDIO_*, HEARTEX_* and these bare
# names (core.utils.params.get_env), so stray values in our environment would
# silently change its database, host or default user.
_STRAY_SETTINGS = (
    "USERNAME",
    "PASSWORD",
    "HOST",
    "PORT",
    "USER_TOKEN",
    "DJANGO_DB",
    "DATABASE_NAME",
)
_STRAY_PREFIXES = ("LABEL_STUDIO_", "HEARTEX_")


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """Where a local Label Studio server lives and who its admin is.

    The password and token are left out of ``repr`` so they never reach a log.
    """

    venv: Path
    data_dir: Path
    media_root: Path
    host: str = "127.0.0.1"
    port: int = 8080
    admin_email: str
    admin_password: str = field(repr=False)
    admin_token: str = field(repr=False)

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. ``http://127.0.0.1:8080``."""
        return f"http://{self.host}:{self.port}"


def labelstudio_executable(venv: Path) -> Path:
    """The ``label-studio`` command of a virtual environment.

    Args:
        venv: The virtual environment Label Studio was installed into.

    Returns:
        Path to ``<venv>/bin/label-studio``.

    Raises:
        LabelStudioServerError: E951 if it is not there.
    """
    executable = venv / "bin" / "label-studio"
    if not executable.is_file():
        raise QaforgeError.of("E951", venv=venv)
    return executable


def server_environment(settings: ServerSettings) -> dict[str, str]:
    """The environment for every ``label-studio`` command of one server.

    Args:
        settings: The server.

    Returns:
        A copy of ``os.environ`` without stray Label Studio settings, plus the
        data directory, admin account, legacy-token switch, local-files serving
        and no telemetry.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _STRAY_SETTINGS and not key.startswith(_STRAY_PREFIXES)
    }
    data_dir = settings.data_dir.resolve()
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_USERNAME=settings.admin_email,
        LABEL_STUDIO_PASSWORD=settings.admin_password,
        LABEL_STUDIO_USER_TOKEN=settings.admin_token,
        # Without legacy tokens at first start a fixed token answers 401 forever.
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED="true",
        LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=str(settings.media_root.resolve()),
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        # Even with a data dir it writes ~/.config/label-studio/user_id; keep
        # that (and any other per-user file) inside the data directory.
        XDG_CONFIG_HOME=str(data_dir / "xdg" / "config"),
        XDG_DATA_HOME=str(data_dir / "xdg" / "data"),
        XDG_CACHE_HOME=str(data_dir / "xdg" / "cache"),
    )
    return env


def start_server(
    settings: ServerSettings, *, log_path: Path, timeout: float = 300
) -> subprocess.Popen[bytes]:
    """Start the server and wait until it answers ``/health``.

    Args:
        settings: The server; its data directory and media root are created.
        log_path: File that receives the server's stdout and stderr (appended).
        timeout: Seconds to wait for ``/health``.

    Returns:
        The running server process (leader of its own process group).

    Raises:
        LabelStudioServerError: E951 if not installed, E953 if the port is
            taken, E952 if the server exits or is not healthy in time (the
            message holds the end of the log).
    """
    executable = labelstudio_executable(settings.venv)
    # Label Studio quietly moves to the next free port when its port is taken,
    # and we would then wait on somebody else's server.
    if _port_in_use(settings.host, settings.port):
        raise QaforgeError.of("E953", port=settings.port, host=settings.host)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.media_root.mkdir(parents=True, exist_ok=True)
    process = _launch(executable, settings, log_path)
    try:
        wait_until_healthy(settings.url, timeout=timeout, process=process)
    except LabelStudioServerError as exc:
        kill_server(process)
        raise QaforgeError.of(
            "E952",
            problem=f"{exc.fields['problem']}; the last lines of {log_path}:\n{_tail(log_path)}",
        ) from None
    except BaseException:
        kill_server(process)
        raise
    return process


def _launch(executable: Path, settings: ServerSettings, log_path: Path) -> subprocess.Popen[bytes]:
    """Run ``label-studio start`` in its own process group, its output appended to the log."""
    command = [
        str(executable),
        "start",
        "--no-browser",
        "--internal-host",
        settings.host,
        "--port",
        str(settings.port),
        "--data-dir",
        str(settings.data_dir.resolve()),
    ]
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_environment(settings),
            cwd=settings.data_dir,
            start_new_session=True,
        )


def wait_until_healthy(
    url: str, *, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``GET {url}/health`` until it answers 200.

    Args:
        url: Base URL of the server.
        timeout: Seconds to wait in all.
        process: The server process, if we started it: its exit ends the wait.

    Raises:
        LabelStudioServerError: E952 if the process exits or time runs out.
    """
    deadline = time.monotonic() + timeout
    with HttpClient(timeout=5) as client:
        while True:
            if process is not None and process.poll() is not None:
                raise QaforgeError.of(
                    "E952",
                    problem=f"exited with code {process.returncode} before {url} was healthy",
                )
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except HttpUnavailable:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                raise QaforgeError.of(
                    "E952", problem=f"did not answer {url}/health within {timeout:g} s"
                )
            time.sleep(0.25)


def stop_server(process: subprocess.Popen[bytes], *, timeout: float = 30) -> None:
    """Stop the server: SIGTERM to its process group, SIGKILL if it lingers.

    Args:
        process: A process from :func:`start_server`.
        timeout: Seconds to wait after SIGTERM.
    """
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_server(process)


def kill_server(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server's process group at once (a crash) and reap the process.

    Args:
        process: A process from :func:`start_server`.
    """
    _signal_group(process, signal.SIGKILL)
    process.wait()


def add_user(settings: ServerSettings, *, email: str, password: str, token: str) -> None:
    """Add a user with a known password and API token to the running server.

    Uses ``label-studio init`` (the only way that puts the user in the
    organisation with a working token, see STACK.md). Note that it makes the
    user a superuser, and that an existing user keeps its old password and
    token (then the token check below fails).

    Args:
        settings: The running server.
        email: The user's e-mail, which is also the login.
        password: The login password.
        token: The API token; longer than 5 characters.

    Raises:
        LabelStudioServerError: E954 if the command fails or the token does not
            authenticate as ``email`` afterwards.
    """
    if len(token) <= 5:
        raise QaforgeError.of(
            "E954", email=email, problem="its token is too short (use 6+ characters)"
        )
    _run_init(settings, email=email, password=password, token=token)
    try:
        user = whoami(settings.url, token)
    except LabelStudioServerError as exc:
        raise QaforgeError.of(
            "E954", email=email, problem=f"its new token is not accepted: {exc.message}"
        ) from None
    if user.get("email") != email:
        raise QaforgeError.of(
            "E954", email=email, problem=f"its new token authenticates as {user.get('email')!r}"
        )


def _run_init(settings: ServerSettings, *, email: str, password: str, token: str) -> None:
    """Run ``label-studio init`` for one user.

    Raises:
        LabelStudioServerError: E954 if it fails; the message holds the end of
            its output, with the password and token masked.
    """
    env = server_environment(settings)
    # Password and token go through the environment, not argv: argv is
    # visible to every user of the machine in the process list.
    env.update(
        LABEL_STUDIO_USERNAME=email, LABEL_STUDIO_PASSWORD=password, LABEL_STUDIO_USER_TOKEN=token
    )
    command = [
        str(labelstudio_executable(settings.venv)),
        "init",
        "--username",
        email,
        "--data-dir",
        str(settings.data_dir.resolve()),
    ]
    result = subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.data_dir,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).replace(password, "***").replace(token, "***")
        raise QaforgeError.of(
            "E954",
            email=email,
            problem=f"label-studio init exited with code {result.returncode}; its last lines:\n"
            + "\n".join(output.splitlines()[-20:]),
        )


def whoami(url: str, token: str) -> dict[str, Any]:
    """The user an API token belongs to.

    Args:
        url: Base URL of the server.
        token: A (legacy) API token.

    Returns:
        The SDK's ``users.whoami`` as the server's JSON (``id``, ``email``,
        ``active_organization``, ...).

    Raises:
        LabelStudioServerError: E955 if the server cannot be reached or
            refuses the call.
    """
    try:
        with LabelStudioClient(url, token, timeout=30, read_retries=0) as client:
            return client.whoami()
    except LabelStudioUnavailable as exc:
        raise QaforgeError.of("E955", url=url, problem=f"cannot reach it ({exc.reason})") from None
    except LabelStudioError as exc:
        raise QaforgeError.of("E955", url=url, problem=f"answered {exc.status} to whoami") from None


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) == 0


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The whole group, so that no child of the server outlives it.
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass  # the group is gone already


def _tail(path: Path, lines: int = 20) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as log:
            return "".join(deque(log, maxlen=lines)).rstrip()
    except OSError as exc:
        return f"(cannot read the log: {exc})"

"""`--executor`/`--scheduler` of `select` and `extract` as a user gets them wrong."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.libs import dask_executor
from qaforge.libs.dask_executor import shown_address

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_user_error(result, code: str) -> list[str]:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert lines[0].startswith(f"error {code}: ") and lines[1].startswith("hint: ")
    assert len(lines) == 2 and "Traceback" not in result.output
    return lines


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("select", "--executor", "foo"), "E011", "executor 'foo' is not available"),
        (("select", "--executor", "dask"), "E012", "--executor dask needs --scheduler"),
        (("select", "--scheduler", "tcp://h:8786"), "E012", "only used with --executor dask"),
        (("extract", "--executor", "dask", "--scheduler", "tcp://h:1"), "E012", "--extractor llm"),
        (("extract", "--executor", "bar"), "E011", "executor 'bar'"),
    ],
)
def test_a_bad_executor_choice_is_one_error_before_the_database_is_opened(args, code, words):
    lines = assert_user_error(run(*args), code)
    assert words in lines[0]


def test_dask_not_installed_is_an_error_with_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    lines = assert_user_error(
        run("select", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"), "E013"
    )
    assert "pip install 'qaforge[dask]'" in lines[1]


def test_qaforge_imports_and_runs_without_dask():
    script = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "import qaforge.pipeline.select, qaforge.pipeline.extract_llm, qaforge.images.study_job\n"
        "from qaforge.cli.app import main; sys.argv = ['qaforge', 'select', '--help']; main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--executor" in done.stdout


def test_an_unreachable_scheduler_is_one_line_in_time_and_hides_credentials(monkeypatch):
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_SECONDS", 1.0)
    assert run("init").exit_code == 0
    address = f"tcp://user:s3cret@127.0.0.1:{closed_port()}"
    result = run(
        "extract",
        "--extractor",
        "llm",
        "--server-kind",
        "vllm",
        "--executor",
        "dask",
        "--scheduler",
        address,
    )
    lines = assert_user_error(result, "E014")
    assert "cannot reach the Dask scheduler at tcp://***@127.0.0.1:" in lines[0]
    assert "within 1 s" in lines[0] and "s3cret" not in result.output


def test_shown_addresses_mask_only_credentials():
    assert shown_address("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert shown_address("tls://a:b@host:8786") == "tls://***@host:8786"
    assert shown_address("10.0.0.5:8786") == "10.0.0.5:8786"

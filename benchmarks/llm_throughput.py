"""Benchmark: LLM extraction requests per second against a server with fixed latency.

The scripted OpenAI-compatible server (``qaforge.testing.fake_llm_server``,
its own process on loopback) answers every request after a fixed latency
(100 ms by default) with a small valid answer. ``LLMExtractor.extract``
reads 2,000 distinct reports at concurrency 32 with no cache: prompt,
request, parsing, validation and grounding per report. With a fixed
latency L and concurrency C no client can exceed C / L requests per second;
that bound is printed beside the measured rate.
"""

from __future__ import annotations

from benchmarks.common import Measurement, timed
from qaforge.extract.llm.extractor import LLMExtractor, LLMReport
from qaforge.settings import LLMSettings
from qaforge.testing.fake_llm_server import FakeLLMServer, answer

ANSWER = answer(
    [
        {"code": "cine.lvef", "value": 55, "evidence": "LVEF 55%"},
        {"code": "lge.presence", "value": "absent", "evidence": "No late gadolinium enhancement"},
    ]
)


def run(reports: int = 2000, concurrency: int = 32, latency: float = 0.1) -> None:
    """Print requests/s next to the bound concurrency / latency."""
    texts = [
        f"Report {i}. Normal LV size, LVEF 55%. No late gadolinium enhancement."
        for i in range(reports)
    ]
    with FakeLLMServer(default=ANSWER, latency=latency) as server:
        settings = LLMSettings(
            base_url=server.base_url, model="scripted", concurrency=concurrency, max_retries=0
        )
        extractor = LLMExtractor(settings)
        # warm up connections and imports outside the timed run
        extractor.extract([LLMReport("warm", texts[0])])
        measured, outcomes = timed(
            "qaforge LLM extract",
            reports,
            lambda: extractor.extract([LLMReport(str(i), t) for i, t in enumerate(texts)]),
        )
        received = server.stats()["total"]
    extracted = sum(o.status == "extracted" for o in outcomes)
    findings = sum(len(o.findings) for o in outcomes)
    assert extracted == reports and received == reports + 1, (extracted, received)
    bound = Measurement(
        f"bound {concurrency} / {latency:g} s", reports, reports * latency / concurrency
    )
    print(
        f"\nllm: {reports:,} reports, concurrency {concurrency}, {latency * 1000:.0f} ms per request"
    )
    for m in (measured, bound):
        print(
            f"  {m.name:<22} {m.units:>7,} requests in {m.seconds:6.2f} s = {m.rate:8.1f} requests/s"
        )
    print(
        f"  ratio measured / bound: {measured.rate / bound.rate:.3f}  ({findings:,} findings grounded)"
    )


if __name__ == "__main__":
    run()

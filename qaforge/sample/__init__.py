"""The bundled sample data: synthetic CMR reports and NIfTI phantoms that agree with them.

``write_sample_data(outdir)`` writes ``reports.jsonl``, ``series/<study_id>/...``
and ``series_truth.jsonl`` (what ``qaforge demo-data OUTDIR`` produces).
"""

from qaforge.sample.writer import SampleDataSummary, write_sample_data

__all__ = ["SampleDataSummary", "write_sample_data"]

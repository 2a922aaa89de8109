"""Select's worker processes run numpy's BLAS on one thread each.

With a thread per core in each of as many workers as cores, the BLAS threads
of one worker spin against the others: two select workers on two cores ran
the cardiac-phase analysis five times slower than one.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from qaforge.images.study_job import StudyJob, run_study_jobs


def _blas_threads(load) -> tuple[tuple, list[int]]:
    """A job's ``prepare``: runs in the worker, reports its BLAS pools' threads, selects nothing."""
    np.linalg.eigh(np.eye(50))  # the call the phase analysis makes
    threads = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return (), threads


def test_each_select_worker_has_one_blas_thread(tmp_path: Path) -> None:
    if (os.cpu_count() or 1) < 2:
        reason = "one core: BLAS has one thread anyway, so this test tells nothing"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI runs on at least 2 cores")
        pytest.skip(reason)
    here = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert here and max(here) > 1  # unlimited, this process's BLAS takes every core
    jobs = [
        StudyJob(f"S{index}", (), 0, None, str(tmp_path), prepare=_blas_threads)
        for index in range(4)
    ]

    results = list(run_study_jobs(jobs, workers=2))

    assert [result.study_id for result in results] == ["S0", "S1", "S2", "S3"]
    for result in results:
        assert result.prepared and set(result.prepared) == {1}

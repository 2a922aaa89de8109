"""Extraction over many texts, in this process or across worker processes.

Each worker builds its own pipeline once; texts go to the workers in chunks
and come back in input order, so ``--workers N`` changes the speed, never the
output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

from qaforge.domain.vocabulary import Finding
from qaforge.extract.rules.extractor import DEFAULT_MAX_CHARS, RuleExtractor, Unreadable
from qaforge.libs.processes import start_worker

CHUNK_SIZE = 64

_worker_extractor: RuleExtractor | None = None


def _start_worker(max_chars: int) -> None:
    global _worker_extractor
    start_worker()
    _worker_extractor = RuleExtractor(max_chars=max_chars)


def _extract_chunk(texts: list[str]) -> list[list[Finding] | Unreadable]:
    assert _worker_extractor is not None, "worker not initialised"
    return list(_worker_extractor.extract_many(texts))


class ExtractionPool:
    """The rule extractor in this process (``workers == 1``) or in worker processes.

    Use as a context manager; :meth:`extract` may be called many times and
    reuses the same workers.
    """

    def __init__(
        self,
        workers: int = 1,
        extractor: RuleExtractor | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._extractor = extractor
        self.max_chars = extractor.max_chars if extractor is not None else max_chars
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ExtractionPool:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_start_worker, initargs=(self.max_chars,)
            )
        elif self._extractor is None:
            self._extractor = RuleExtractor(max_chars=self.max_chars)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def extract(self, texts: Iterable[str]) -> Iterator[list[Finding] | Unreadable]:
        """Findings of each text, in input order (:class:`Unreadable` for one that failed)."""
        if self._pool is None:
            assert self._extractor is not None, "use ExtractionPool as a context manager"
            yield from self._extractor.extract_many(texts)
            return
        # Bounded look-ahead keeps memory flat on large inputs.
        chunks = _chunks(texts, CHUNK_SIZE)
        pending = [
            self._pool.submit(_extract_chunk, chunk) for chunk in islice(chunks, self.workers * 2)
        ]
        while pending:
            done = pending.pop(0)
            following = next(chunks, None)
            if following is not None:
                pending.append(self._pool.submit(_extract_chunk, following))
            yield from done.result()


def extract_texts(
    texts: Iterable[str], *, workers: int = 1, max_chars: int = DEFAULT_MAX_CHARS
) -> Iterator[list[Finding] | Unreadable]:
    """Findings of each text (or :class:`Unreadable`), in input order, with ``workers`` processes."""
    with ExtractionPool(workers, max_chars=max_chars) as pool:
        yield from pool.extract(texts)


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk

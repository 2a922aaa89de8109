"""Answer balance: the majority cap, and the chi-square test of letter positions.

The cap keeps a model that always gives a subtask's most frequent answer
from scoring high: when one answer has more than ``cap`` of a subtask's
items, items of the largest classes are set aside (``capped``) until no
class exceeds the cap. Which items stay is decided by a seeded hash of the
item id, so a regeneration that adds or drops a few items moves at most a
few others across the line.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence


def majority_limit(counts: Sequence[int], cap: float) -> int | None:
    """How many items each answer class may keep so that none exceeds ``cap``.

    Args:
        counts: Items per answer class of one subtask.
        cap: Largest allowed share of one class, in (0, 1].

    Returns:
        ``None`` when no class exceeds the cap; otherwise the largest ``L``
        such that keeping ``min(count, L)`` of every class leaves no class
        above the cap (0 when the subtask cannot be balanced, e.g. one class).
    """
    total = sum(counts)
    if not total or cap >= 1.0 or max(counts) <= cap * total:
        return None

    def fits(limit: int) -> bool:
        return limit <= cap * sum(min(count, limit) for count in counts)

    low, high = 0, max(counts)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def cap_rank(item_id: str, seed: int) -> bytes:
    """The item's place in the seeded order that decides who stays under the cap."""
    return hashlib.sha256(f"{seed}\0{item_id}".encode()).digest()


def capped_item_ids(entries: Iterable[tuple[str, str, str]], *, cap: float, seed: int) -> set[str]:
    """The items to set aside so no subtask's majority answer exceeds ``cap``.

    Args:
        entries: ``(item_id, subtask_id, answer_key)`` of every item that
            arose; open items (no answer key) should not be passed.
        cap: Largest allowed share of one answer per subtask.
        seed: Seed of the ranking.

    Returns:
        Ids of the items beyond each class's limit, highest ranks first out.
    """
    classes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item_id, subtask_id, answer_key in entries:
        classes[subtask_id][answer_key].append(item_id)
    capped: set[str] = set()
    for by_answer in classes.values():
        limit = majority_limit([len(ids) for ids in by_answer.values()], cap)
        if limit is None:
            continue
        for ids in by_answer.values():
            if len(ids) > limit:
                ranked = sorted(ids, key=lambda item_id: cap_rank(item_id, seed))
                capped.update(ranked[limit:])
    return capped


def chi_square_uniform_p(counts: Sequence[int]) -> float:
    """p-value of Pearson's chi-square test that ``counts`` come from a uniform distribution.

    Args:
        counts: Observations per category (at least two categories).

    Returns:
        The probability, under uniformity, of a statistic at least this large.
    """
    categories = len(counts)
    total = sum(counts)
    if categories < 2 or total == 0:
        return 1.0
    expected = total / categories
    statistic = sum((count - expected) ** 2 / expected for count in counts)
    return regularized_upper_gamma((categories - 1) / 2, statistic / 2)


def regularized_upper_gamma(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a): the chi-square survival function is Q(k/2, x/2).

    A power series below ``x < a + 1`` and a Lentz continued fraction above,
    both accurate to about 1e-12 for the small ``a`` used here.
    """
    if x <= 0:
        return 1.0
    log_prefactor = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = 1.0 / a
        total = term
        denominator = a
        for _ in range(1000):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    fraction = d
    for step in range(1, 1000):
        an = -step * (step - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        fraction *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(1.0, math.exp(log_prefactor) * fraction)

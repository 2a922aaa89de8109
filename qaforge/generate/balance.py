"""Answer balance: the majority cap, and the chi-square test of letter positions (scipy's).

The cap keeps a model that always gives a subtask's most frequent answer
from scoring high: when one answer has more than ``cap`` of a subtask's
items, items of the largest classes are set aside (``capped``) until no
class exceeds the cap. Which items stay is decided by a seeded hash of the
item id, so a regeneration that adds or drops a few items moves at most a
few others across the line.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

# The letter-position test is scipy's chi-square (through the statistics module),
# named here because the generate stage is where positions are balanced.
from qaforge.libs.stats import chi_square_uniform_p as chi_square_uniform_p


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

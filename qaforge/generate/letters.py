"""Where the correct letter goes: balanced per subtask, and never moved once stored.

A single-choice item with shuffled options gets its answer at the position
its subtask has used least so far (ties broken by the item's seed), so the
correct letter is spread evenly over A, B, C, ... for every subtask. An item
that already exists (same content key: everything but the letters) keeps
the position it was stored with, so its id, and any verification of it,
survive regeneration.
"""

from __future__ import annotations

from collections import Counter, defaultdict


class LetterPlanner:
    """Chooses answer positions for one generation run.

    Attributes:
        known: Content key -> stored answer position of items that exist already.
        used: Subtask id -> how often each position was given in this run.
    """

    def __init__(self, known: dict[str, int] | None = None) -> None:
        self.known: dict[str, int] = dict(known or {})
        self.used: dict[str, Counter[int]] = defaultdict(Counter)

    def position(self, *, subtask_id: str, content_key: str, option_count: int, seed: int) -> int:
        """The answer's position (0 = A) for one item, recorded as used.

        Args:
            subtask_id: The item's subtask.
            content_key: The item's letter-free content hash.
            option_count: How many options it shows.
            seed: The item's seed, breaking ties among the least used positions.
        """
        stored = self.known.get(content_key)
        if stored is not None and stored < option_count:
            chosen = stored
        else:
            counts = self.used[subtask_id]
            fewest = min(counts[place] for place in range(option_count))
            candidates = [place for place in range(option_count) if counts[place] == fewest]
            chosen = candidates[seed % len(candidates)]
            self.known[content_key] = chosen
        self.used[subtask_id][chosen] += 1
        return chosen

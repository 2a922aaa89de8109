"""The majority-answer baseline (pure): per subtask, the commonest gold answer of the training split."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence

from qaforge.domain.export import ExportRecord
from qaforge.evaluate.benchmark import answer_texts


def majority_answers(records: Sequence[ExportRecord], *, train_split: str = "train") -> list[str]:
    """The baseline's output for every record.

    Per subtask, the most common gold answer text of the training split (all
    splits when there is none) is answered on every item: the option letters
    with those texts (sorted, joined by ``", "``), or that text for open items.

    Args:
        records: The benchmark's records.
        train_split: The split the answers are counted in.

    Returns:
        One output per record, in the order of ``records`` (empty when a
        subtask has no training item).
    """
    train = [record for record in records if record.split == train_split] or records
    common: dict[str, Counter] = defaultdict(Counter)
    for record in train:
        common[record.subtask][json.dumps(answer_texts(record))] += 1
    outputs = []
    for record in records:
        if not common[record.subtask]:
            outputs.append("")
            continue
        texts = json.loads(common[record.subtask].most_common(1)[0][0])
        if record.answer_type == "open_text":
            outputs.append(texts[0] if texts else "")
        else:
            letters = [letter for letter, text in record.options.items() if text in texts]
            outputs.append(", ".join(sorted(letters)))
    return outputs

"""Run by tests/pipeline/test_export_hf.py in another virtual environment (datasets 2.16):
load an export folder with ``datasets.load_dataset`` and print what was loaded as one JSON object.

Usage: python hf_load_script.py EXPORT_DIR
Prints: {"version": ..., "splits": {split: [{"id", "answer", "answer_text",
"answer_type", "image_sizes", "image_types"}, ...]}, "features": {name: repr}}
"""

import json
import sys

import datasets


def main(folder: str) -> None:
    loaded = datasets.load_dataset(folder)
    splits = {}
    for split, dataset in loaded.items():
        splits[split] = [
            {
                "id": row["id"],
                "answer": row["answer"],
                "answer_text": row["answer_text"],
                "answer_type": row["answer_type"],
                "image_sizes": [list(image.size) for image in row["images"]],
                "image_types": sorted({type(image).__module__ for image in row["images"]}),
            }
            for row in dataset
        ]
    features = {name: repr(feature) for name, feature in loaded["train"].features.items()}
    print(json.dumps({"version": datasets.__version__, "splits": splits, "features": features}))


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env bash
# Make sure the export's compatibility test with an older Hugging Face `datasets`
# can run: datasets 2.16.1 (the version some evaluation harnesses pin) in its own
# virtual environment .venv-datasets216, since it needs an older pyarrow, fsspec
# and huggingface-hub than our .venv has (tests/export/test_hf_datasets.py).
# Quick and silent when it is there already.
set -euo pipefail

cd "$(dirname "$0")/.."
venv=.venv-datasets216

if [ ! -f "$venv/.installed" ]; then
  echo "ensure-datasets216: installing datasets 2.16.1 into $venv" >&2
  python3 -m venv "$venv"
  # numpy<2, pyarrow<15 and huggingface-hub<0.25 are what datasets 2.16 was
  # released against: newer ones removed APIs it imports.
  "$venv/bin/pip" install --quiet "datasets==2.16.1" "pyarrow>=12,<15" "numpy<2" \
    "huggingface-hub>=0.19.4,<0.25" "pillow>=10"
  touch "$venv/.installed"
fi

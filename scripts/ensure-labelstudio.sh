#!/usr/bin/env bash
# Make sure the Label Studio tests can run: Label Studio in its own virtual
# environment .venv-labelstudio (its pins conflict with ours, see STACK.md) and
# Debian's chromium for screenshots of the labeling UI.
# Quick and silent when both are there already.
set -euo pipefail

cd "$(dirname "$0")/.."
venv=.venv-labelstudio

if [ ! -f "$venv/.installed" ]; then
  echo "ensure-labelstudio: installing label-studio 1.23.2 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet label-studio==1.23.2
  touch "$venv/.installed"
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-labelstudio: installing Debian's chromium" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

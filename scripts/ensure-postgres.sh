#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests.
# Uses the machine's cluster if there is one (starting it if it is down);
# installs Debian's postgresql package if there is none.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "ensure-postgres: installing Debian's postgresql" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ready && exit 0

version=$(ls /etc/postgresql | sort -V | tail -n 1)
echo "ensure-postgres: starting cluster $version/main" >&2
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
conf=/etc/postgresql/$version/main
# The tests connect as postgres over TCP without a password (trust on loopback).
if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$conf/pg_hba.conf"; then
  sed -i '1i host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure-postgres: PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1

"""Provenance hashes are keyed with a salt made once per database and kept in it."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from qaforge.pipeline.export import PROVENANCE_SALT, provenance_hasher
from qaforge.store.engine import create_store_engine
from qaforge.store.models import StoreSecret, Study
from qaforge.store.schema import upgrade_database


def test_one_database_hashes_the_same_way_another_differently(engine, tmp_path):
    other = create_store_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        upgrade_database(other)
        first, again, elsewhere = (
            provenance_hasher(engine),
            provenance_hasher(engine),
            provenance_hasher(other),
        )
    finally:
        other.dispose()
    assert first("STU-0001") == again("STU-0001")
    assert first("STU-0001") != elsewhere("STU-0001")
    assert first("STU-0001") != first("STU-0002")
    assert first("STU-0001") != hashlib.sha256(b"STU-0001").hexdigest()
    with engine.connect() as connection:
        salts = connection.execute(
            select(StoreSecret.value).where(StoreSecret.name == PROVENANCE_SALT)
        )
        assert len(salts.all()) == 1


def test_the_export_holds_keyed_hashes_and_never_the_salt(small_export):
    engine = create_store_engine(small_export.db_url)
    try:
        with engine.connect() as connection:
            studies = connection.execute(select(Study.id)).scalars().all()
            salt = connection.execute(select(StoreSecret.value)).scalar_one()
        keyed = provenance_hasher(engine)
    finally:
        engine.dispose()
    lines = (small_export.folder / "provenance.jsonl").read_text().splitlines()
    hashes = {json.loads(line)["study_id_hmac"] for line in lines}
    assert hashes and hashes <= {keyed(study) for study in studies}
    assert not hashes & {hashlib.sha256(study.encode()).hexdigest() for study in studies}
    for path in small_export.folder.rglob("*"):
        if path.is_file():
            assert salt.encode() not in path.read_bytes(), path

"""The demo as one pipeline function, and its stand-in for the radiologist."""

from __future__ import annotations

from qaforge.store.engine import Engine
from qaforge.store.schema import require_current_schema

DEMO_ANNOTATOR = "qaforge-demo-auto-accept"


def demo_auto_accept(engine: Engine) -> int:
    """Mark every active item without a verification as ``demo_accept`` (the demo only, never real data).

    The export labels such records ``demo_verified`` and the card says so.
    """
    from qaforge.store.checks import add_demo_verifications

    require_current_schema(engine)
    with engine.begin() as connection:
        return add_demo_verifications(connection, annotator=DEMO_ANNOTATOR)

"""Orchestration: one module per stage, each reading what earlier stages stored,
running one stage and owning its transactions. See docs/architecture.md."""

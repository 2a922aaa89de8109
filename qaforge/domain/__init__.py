"""Pydantic models shared by every stage: the boundaries of qaforge."""

"""Tools for testing qaforge against real protocols (a scripted LLM server)."""

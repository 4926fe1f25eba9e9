"""Rendering results for humans (text, Markdown) and machines (JSON)."""

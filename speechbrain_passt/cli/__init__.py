"""Command-line tools: ``passt-tag``, ``passt-convert`` and ``passt-seeds``."""

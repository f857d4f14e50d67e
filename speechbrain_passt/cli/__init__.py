"""Command-line tools: ``passt-tag`` and ``passt-convert``."""

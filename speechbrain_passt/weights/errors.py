"""The error of a checkpoint that does not fit the requested model.

It lives apart so that both the readers
(:mod:`speechbrain_passt.weights.state_dict`) and the strict loader
(:mod:`speechbrain_passt.weights.strict`, which re-exports it) can raise it
without importing each other in a cycle.

Authors
 * speechbrain-passt developers 2026
"""

__all__ = ["CheckpointMismatchError"]


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the requested model configuration."""

"""Shared pytest fixtures."""

import json
from pathlib import Path

import pytest
import torch

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def golden_dir():
    """Folder with the original implementation's outputs."""
    return GOLDEN


@pytest.fixture(scope="session")
def golden_config():
    """Configurations of the golden models (golden.json)."""
    return json.loads((GOLDEN / "golden.json").read_text())


@pytest.fixture(scope="session")
def golden_wave():
    """Golden input waveforms [2, 320000] at 32 kHz."""
    return torch.load(GOLDEN / "input_wave.pt", weights_only=True)


@pytest.fixture(scope="session")
def golden_mel():
    """Golden front-end output, as [batch, time, n_mels]."""
    mel = torch.load(GOLDEN / "mel.pt", weights_only=True)
    return mel.transpose(1, 2).contiguous()

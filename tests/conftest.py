"""Shared fixtures: models are built once per session, decks written once per model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import models  # noqa: E402


@pytest.fixture(scope="session")
def mnist_model():
    return models.mnist_convnet()


@pytest.fixture(scope="session")
def deck_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("decks")

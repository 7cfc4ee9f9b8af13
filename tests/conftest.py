"""Shared test setup: GPU tests skip cleanly where CuPy or a GPU is missing."""
import pytest

from minirnn.backend import is_gpu_available


def pytest_collection_modifyitems(config, items):
    if is_gpu_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs CuPy and a visible GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)

import pytest

from tests.api.world import build_world


@pytest.fixture
def world(module_world):
    """Built once for each module that uses it (tests/conftest.py, ``_module_world``): each test gets a
    copy."""
    return module_world


@pytest.fixture(scope="module")
def world_maker():
    return lambda media: build_world()

import pytest

from tests.api.world import build_world


@pytest.fixture
def world():
    return build_world()

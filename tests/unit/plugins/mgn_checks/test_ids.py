from __future__ import annotations

import pytest
from mgn_checks.ids import as_id_list


@pytest.mark.parametrize(
    "value",
    [["s-1", "s-2"], ("s-1", "s-2"), '["s-1", "s-2"]', "['s-1', 's-2']", "s-1, s-2", "s-1 s-2"],
)
def test_shapes(value):
    assert as_id_list(value) == ["s-1", "s-2"]


def test_empty():
    assert as_id_list(None) == [] and as_id_list("") == []

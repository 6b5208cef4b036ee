"""The size a render's output asks for: honoured, at the simulator's scale."""

from __future__ import annotations

from typing import Any

import pytest

from core.simulator.render import fitted, requested_size


@pytest.mark.parametrize(("output", "size"), [
    ({"format": "mp4", "width": 1080, "height": 1920, "fps": 30}, (1080, 1920)),
    ({"width": 1080}, None),
    ({"width": "1080", "height": "1920"}, None),
    ({"width": 8, "height": 8}, None),
    ("1080x1920", None),
    (None, None),
])
def test_requested_size(output: Any, size: tuple[int, int] | None) -> None:
    assert requested_size(output) == size


def test_fitted_keeps_the_aspect_within_the_configured_size() -> None:
    assert fitted(None, (320, 180)) == (320, 180)
    assert fitted((1080, 1920), (320, 180)) == (180, 320)
    assert fitted((1080, 1350), (320, 180)) == (256, 320)
    assert fitted((1080, 1080), (1920, 1080)) == (1080, 1080), "never scaled up"

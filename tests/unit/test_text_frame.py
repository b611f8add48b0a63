"""The ready-made frames of the fan-out are byte for byte what websockets itself would send."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from mission_control.web.socket_writes import text_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 200_000])
def test_a_text_frame_is_websockets_own_serialisation(size: int) -> None:
    text = ("é" * size).encode()[:size]  # any bytes: the length fields are the point

    assert text_frame(text) == Frame(Opcode.TEXT, text).serialize(mask=False, extensions=[])

"""Where verified copies come from (latentcodec.sources): the mirror folder."""

import pytest

from latentcodec.errors import LatentCodecError
from latentcodec.sources import MIRROR_VARIABLE, resolve_mirror


def test_mirror_from_config_wins_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(MIRROR_VARIABLE, "/nonexistent")
    assert resolve_mirror(tmp_path) == tmp_path
    with pytest.raises(LatentCodecError, match=r"/nonexistent \(from \$LATENTCODEC_MIRROR\)"):
        resolve_mirror(None)
    monkeypatch.delenv(MIRROR_VARIABLE)
    assert resolve_mirror(None) is None

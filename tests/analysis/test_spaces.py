import pandas as pd

from latentcodec.analysis.bootstrap import Bootstrap
from latentcodec.analysis.operating_points import operating_points

LEVELS = [("low", 0.5, 30.0), ("medium", 1.0, 33.0), ("high", 2.0, 36.0)]


def _points(frame):
    return (
        operating_points(frame, "psnr", Bootstrap(1000, 0)),
        operating_points(frame, "ssimulacra2", Bootstrap(1000, 0)),
    )


def _no_gain():
    return pd.DataFrame({"model": [], "bitdepth": [], "gap_to_ceiling_db": []})

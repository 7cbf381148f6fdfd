"""versions.json (latentcodec.workflow.provenance): the sums of the model files loaded."""

from latentcodec import sources
from latentcodec.workflow.provenance import versions


def test_versions_record_the_sums_of_the_mirrored_files_loaded(mirror):
    recorded = versions(["taesd", "taef2"], [], mirror=str(mirror))["models"]
    for name in ("taesd", "taef2"):
        listed = sources.parse_checksums((mirror / "models" / name / "SHA256SUMS").read_text())
        assert recorded[name]["sha256"] == listed

"""Models: the TAESD family with its real weights, and the SDXL-VAE path with random weights."""

import hashlib
import logging
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from latentcodec import sources
from latentcodec.autoencoders import load_model, random_model
from latentcodec.errors import LatentCodecError
from latentcodec.io import read_rgb
from latentcodec.metrics import psnr
from latentcodec.models import MODELS, SDXL_VAE_ARCHITECTURE
from latentcodec.provenance import versions
from latentcodec.taesd import build_decoder, build_encoder

# The SDXL VAE's layout (four stages, 8× downsampling, 4 channels) at a width that runs fast.
SMALL_SDXL = {"block_out_channels": [32, 32, 32, 32], "layers_per_block": 1, "norm_num_groups": 8}


@pytest.fixture(scope="module")
def taef2(mirror):
    return load_model("taef2", device="cpu", mirror=mirror, threads=2)


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_taef2_module_keys_match_the_published_weights_exactly(mirror, part):
    state = torch.load(
        mirror / "models" / "taef2" / f"taef2_{part}.pth", map_location="cpu", weights_only=True
    )
    build = build_encoder if part == "encoder" else build_decoder
    assert set(build(32, global_norm=True).state_dict()) == set(state)


def test_taef2_reconstructs_a_kodak_image_above_20_db(taef2, kodim01):
    latent = taef2.encode(kodim01)
    assert latent.shape == (32, 64, 96) and latent.dtype == np.float32
    decoded = taef2.decode(latent, 512, 768)
    assert decoded.shape == kodim01.shape and decoded.dtype == np.uint8
    assert psnr(kodim01, decoded) > 20


def test_odd_sizes_are_padded_for_the_model_and_cropped_back(taef2, kodim01):
    crop = kodim01[100:177, 200:261]  # 77 × 61
    assert taef2.padding(77, 61) == (3, 3)
    latent = taef2.encode(crop)
    assert latent.shape == (32, 10, 8)
    assert taef2.decode(latent, 77, 61).shape == (77, 61, 3)


def test_a_mirrored_taef2_must_also_match_the_shipped_upstream_sum(tmp_path):
    """Its SHA256SUMS agrees with the bogus file; the sum the package ships does not."""
    models = tmp_path / "models" / "taef2"
    models.mkdir(parents=True)
    listing = []
    for part in ("encoder", "decoder"):
        data = b"not the published file"
        (models / f"taef2_{part}.pth").write_bytes(data)
        listing.append(f"{hashlib.sha256(data).hexdigest()}  taef2_{part}.pth")
    (models / "SHA256SUMS").write_text("\n".join(listing) + "\n")
    with pytest.raises(LatentCodecError, match="taef2_encoder.pth: SHA-256 is .*, expected 10a4e1"):
        load_model("taef2", device="cpu", mirror=tmp_path)


def test_a_state_dict_with_a_missing_key_is_refused_strictly(mirror, tmp_path):
    from latentcodec import autoencoders

    state = torch.load(
        mirror / "models" / "taef2" / "taef2_encoder.pth", map_location="cpu", weights_only=True
    )
    state.pop("11.pool.1.weight")
    path = tmp_path / "encoder.pth"
    torch.save(state, path)
    refused = r"(?s)not a matching weights file.*11\.pool\.1\.weight"
    with pytest.raises(LatentCodecError, match=refused):
        autoencoders._load_state_dict_strict(build_encoder(32, True), path)


@pytest.fixture(scope="module")
def sdxl_mirror(tmp_path_factory):
    """A mirror holding a random-weight AutoencoderKL with the SDXL VAE's config, as saved."""
    from diffusers import AutoencoderKL

    root = tmp_path_factory.mktemp("mirror")
    torch.manual_seed(0)
    vae = AutoencoderKL(**{**SDXL_VAE_ARCHITECTURE, **SMALL_SDXL})
    vae.save_pretrained(root / "models" / "sdxl-vae-fp16-fix")
    return root


def test_sdxl_entry_loads_with_from_pretrained_from_a_local_copy(sdxl_mirror):
    model = load_model("sdxl-vae-fp16-fix", device="cpu", mirror=sdxl_mirror)
    assert model.channels == MODELS["sdxl-vae-fp16-fix"].channels == 4
    assert model.scaling == pytest.approx(0.13025) and model.shift == 0.0
    image = np.random.default_rng(0).integers(0, 256, (45, 70, 3), dtype=np.uint8)
    latent = model.encode(image)
    assert latent.shape == (4, 6, 9)
    np.testing.assert_array_equal(latent, model.encode(image))  # the mode, not a sample
    assert model.decode(latent, 45, 70).shape == (45, 70, 3)


def test_sdxl_latent_is_the_scaled_mode_of_the_posterior(sdxl_mirror):
    model = load_model("sdxl-vae-fp16-fix", device="cpu", mirror=sdxl_mirror)
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    pixels = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255 * 2 - 1
    with torch.inference_mode():
        mode = model.network.encode(pixels).latent_dist.mode()[0].numpy()
    np.testing.assert_allclose(model.encode(image), mode * 0.13025, rtol=1e-5, atol=1e-6)


def test_random_sdxl_model_runs_the_same_code_path_as_the_loaded_one(sdxl_mirror):
    loaded = load_model("sdxl-vae-fp16-fix", device="cpu", mirror=sdxl_mirror)
    fresh = random_model("sdxl-vae-fp16-fix", seed=0, **SMALL_SDXL)
    assert type(loaded) is type(fresh)
    image = np.random.default_rng(2).integers(0, 256, (16, 24, 3), dtype=np.uint8)
    np.testing.assert_array_equal(loaded.encode(image), fresh.encode(image))


def test_a_model_missing_from_the_mirror_names_the_path(tmp_path):
    with pytest.raises(LatentCodecError, match=r"models/sdxl-vae-fp16-fix does not exist"):
        load_model("sdxl-vae-fp16-fix", device="cpu", mirror=tmp_path)


def test_an_unreachable_hub_gives_one_error_with_the_cache_and_the_fix(monkeypatch):
    from diffusers import AutoencoderKL

    def unreachable(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr(AutoencoderKL, "from_pretrained", unreachable)
    with pytest.raises(LatentCodecError) as error:
        load_model("sdxl-vae-fp16-fix", device="cpu", mirror=None)
    message = str(error.value)
    assert "madebyollin/sdxl-vae-fp16-fix" in message and "cache" in message
    assert "LATENTCODEC_MIRROR" in message and "models/sdxl-vae-fp16-fix/" in message


def test_decoding_a_latent_with_nan_is_refused(taef2):
    latent = np.zeros((32, 2, 2), np.float32)
    latent[0, 0, 0] = np.nan
    with pytest.raises(LatentCodecError, match="NaN or Inf"):
        taef2.decode(latent, 16, 16)


# The TAESD family on a 256×256 crop of kodim23 (rows 128–384, columns 256–512), float32 on
# the CPU. Measured PSNR: taesd 26.78, taesdxl 26.86, taesd3 31.70, taef1 30.04, taef2 32.53 dB;
# each floor is about 1 dB below. (Full kodim23: 27.71, 28.54, 33.02, 31.11, 33.34 dB.)
TAESD_FAMILY = {  # name: (latent channels, PSNR floor in dB)
    "taesd": (4, 25.8),
    "taesdxl": (4, 25.9),
    "taesd3": (16, 30.7),
    "taef1": (16, 29.0),
    "taef2": (32, 31.5),
}


@pytest.fixture(scope="module")
def kodim23_crop(mirror):
    return read_rgb(mirror / "datasets" / "kodak" / "kodim23.png")[128:384, 256:512]


def test_the_family_table_lists_every_taesd_family_entry():
    assert set(TAESD_FAMILY) == {name for name, spec in MODELS.items() if spec.family == "taesd"}


@pytest.mark.parametrize("name", sorted(TAESD_FAMILY))
def test_each_taesd_family_model_loads_strictly_and_reconstructs_kodak(name, mirror, kodim23_crop):
    channels, floor = TAESD_FAMILY[name]
    model = load_model(name, device="cpu", mirror=mirror)
    latent = model.encode(kodim23_crop)
    assert latent.shape == (channels, 32, 32)
    assert psnr(kodim23_crop, model.decode(latent, 256, 256)) > floor


def _sums_file(folder, names):
    lines = [f"{sources.sha256_of(folder / name)}  {name}" for name in names]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def taesd_as_pth(mirror, tmp_path_factory):
    """A mirror holding TAESD's bfloat16 weights saved as `.pth`, with a SHA256SUMS."""
    root = tmp_path_factory.mktemp("pth")
    folder = root / "models" / "taesd"
    folder.mkdir(parents=True)
    for part in ("encoder", "decoder"):
        state = load_file(mirror / "models" / "taesd" / f"taesd_{part}.safetensors")
        torch.save(state, folder / f"taesd_{part}.pth")
    _sums_file(folder, ["taesd_encoder.pth", "taesd_decoder.pth"])
    return root


def test_pth_and_safetensors_copies_of_the_same_weights_give_the_same_latents(
    mirror, taesd_as_pth, kodim23_crop
):
    crop = kodim23_crop[:64, :64]
    from_safetensors = load_model("taesd", device="cpu", mirror=mirror).encode(crop)
    from_pth = load_model("taesd", device="cpu", mirror=taesd_as_pth).encode(crop)
    np.testing.assert_array_equal(from_pth, from_safetensors)


def _taesd_mirror(mirror, root):
    """A writable copy of the mirror's TAESD folder, weights and SHA256SUMS."""
    folder = root / "models" / "taesd"
    shutil.copytree(mirror / "models" / "taesd", folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


@pytest.mark.parametrize(
    ("listing", "refused"),
    [
        ("0" * 64 + "  taesd_encoder.safetensors\n", r"taesd_encoder\.safetensors: SHA-256 is"),
        ("", r"taesd_encoder\.safetensors: not listed in .*SHA256SUMS"),
        (None, r"taesd_encoder\.safetensors: no .*SHA256SUMS to check it against"),
    ],
    ids=["wrong-sum", "unlisted", "no-SHA256SUMS"],
)
def test_a_mirrored_file_without_its_right_sum_is_refused(mirror, tmp_path, listing, refused):
    folder = _taesd_mirror(mirror, tmp_path)
    if listing is None:
        (folder / "SHA256SUMS").unlink()
    else:
        (folder / "SHA256SUMS").write_text(listing)
    with pytest.raises(LatentCodecError, match=refused):
        load_model("taesd", device="cpu", mirror=tmp_path)


def test_weights_in_another_key_layout_are_refused_naming_the_file(mirror, tmp_path):
    """diffusers' AutoencoderTiny layout (`encoder.layers.0.weight`) is not ours."""
    folder = _taesd_mirror(mirror, tmp_path)
    path = folder / "taesd_encoder.safetensors"
    state = load_file(path)
    save_file({f"encoder.layers.{key}": value for key, value in state.items()}, path)
    _sums_file(folder, ["taesd_encoder.safetensors", "taesd_decoder.safetensors"])
    refused = r"(?s)taesd_encoder\.safetensors: not a matching weights file.*encoder\.layers\.0"
    with pytest.raises(LatentCodecError, match=refused):
        load_model("taesd", device="cpu", mirror=tmp_path)


def test_a_download_without_a_published_sum_is_trusted_once_then_checked(
    taesd_as_pth, tmp_path, monkeypatch, caplog
):
    upstream = taesd_as_pth / "models" / "taesd"
    downloaded = []

    def copy_instead_of_download(url, target, **_):
        downloaded.append(url)
        shutil.copyfile(upstream / url.rsplit("/", 1)[1], target)

    monkeypatch.setattr(sources, "_download", copy_instead_of_download)
    monkeypatch.setenv("LATENTCODEC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LATENTCODEC_MIRROR", raising=False)
    with caplog.at_level(logging.WARNING):
        load_model("taesd", device="cpu")
    assert downloaded == [
        f"{MODELS['taesd'].source}/taesd_{part}.pth" for part in ("encoder", "decoder")
    ]
    cached = tmp_path / "cache" / "models" / "taesd" / "taesd_encoder.pth"
    digest = sources.sha256_of(upstream / "taesd_encoder.pth")
    assert (
        cached.parent / "taesd_encoder.pth.sha256"
    ).read_text() == f"{digest}  taesd_encoder.pth\n"
    assert f"recorded {digest}" in caplog.text
    assert versions(["taesd"], [])["models"]["taesd"]["sha256"]["taesd_encoder.pth"] == digest

    load_model("taesd", device="cpu")  # from the cache, checked against the recorded sum
    assert len(downloaded) == 2
    shutil.copyfile(upstream / "taesd_decoder.pth", cached)  # the cached copy changed
    with pytest.raises(
        LatentCodecError, match=f"taesd_encoder.pth: SHA-256 is .*, expected {digest}"
    ):
        load_model("taesd", device="cpu")


def test_versions_record_the_sums_of_the_mirrored_files_loaded(mirror):
    recorded = versions(["taesd", "taef2"], [], mirror=str(mirror))["models"]
    for name in ("taesd", "taef2"):
        listed = sources.parse_checksums((mirror / "models" / name / "SHA256SUMS").read_text())
        assert recorded[name]["sha256"] == listed


# Decoder sensitivity (vector–Jacobian products), on random TAESD weights.


def _random_taesd():
    network = random_model("taesd", seed=0)
    return network, network.network["decoder"][1].weight  # first conv: latent → features


def test_decoder_sensitivity_matches_the_exact_jacobian():
    network, _ = _random_taesd()
    latent = np.random.default_rng(0).normal(size=(4, 2, 3)).astype(np.float32)
    decode = network.network["decoder"]
    jacobian = torch.autograd.functional.jacobian(
        lambda z: decode(z[None])[0].clamp(0, 1),
        torch.from_numpy(latent),
        vectorize=True,
        strategy="forward-mode",
    )  # (3, 16, 24, 4, 2, 3)
    exact = jacobian.detach().double().square().sum(dim=(0, 1, 2, 4, 5)).numpy() / 6 / (3 * 16 * 24)
    estimate = network.decoder_sensitivity(latent, 16, 24, probes=400)
    np.testing.assert_allclose(estimate, exact, rtol=0.15)
    np.testing.assert_array_equal(estimate, network.decoder_sensitivity(latent, 16, 24, probes=400))


def test_an_ignored_channel_has_no_sensitivity_and_an_amplified_one_more():
    network, first_conv = _random_taesd()
    latent = np.random.default_rng(1).normal(size=(4, 8, 12)).astype(np.float32)
    before = network.decoder_sensitivity(latent, 64, 96)
    with torch.no_grad():
        first_conv[:, 1] = 0
        first_conv[:, 2] *= 10
    after = network.decoder_sensitivity(latent, 64, 96)
    assert after[1] == 0 < before[1]
    assert after[2] > 10 * before[2] and after[2] > 10 * max(after[0], after[3])
    assert after.dtype == np.float64 and after.shape == (4,)

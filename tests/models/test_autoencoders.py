"""Models (latentcodec.models.autoencoders): the TAESD family with its real weights, every registry
entry and the SDXL-VAE path with random weights, refusals, batches, tiles and precision."""

import hashlib
import logging
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from torch.nn import functional

from latentcodec import sources
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_image, read_rgb
from latentcodec.measure.metrics import psnr
from latentcodec.models.autoencoders import LatentModel, load_model, random_model
from latentcodec.models.device import resolve_dtype
from latentcodec.models.registry import MODELS, SDXL_VAE_ARCHITECTURE, get_spec
from latentcodec.models.taesd import build_encoder
from latentcodec.workflow.provenance import versions

# The SDXL VAE's layout (four stages, 8× downsampling, 4 channels) at a width that runs fast.
SMALL_SDXL = {"block_out_channels": [32, 32, 32, 32], "layers_per_block": 1, "norm_num_groups": 8}


@pytest.fixture(scope="module")
def taef2(mirror):
    return load_model("taef2", device="cpu", mirror=mirror, threads=1)


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
    from latentcodec.models import autoencoders

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
TAESD_FAMILY = {  # name: (latent channels, PSNR floor in dB: 1 dB under the real weights)
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
    assert downloaded == [  # upstream's own files, as users without a mirror get them
        f"https://github.com/madebyollin/taesd/raw/main/taesd_{part}.pth"
        for part in ("encoder", "decoder")
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


# Bad inputs (docs/reliability.md): a pickled weights file, an image of the wrong kind.


class Payload:
    """Not a tensor: torch.load(weights_only=True) must refuse to unpickle it."""

    def __reduce__(self):
        return (print, ("this code would run on load",))


def test_a_pickled_model_file_is_refused_by_weights_only(tmp_path):
    path = tmp_path / "taef2_encoder.pth"
    with open(path, "wb") as stream:
        torch.save({"0.weight": Payload()}, stream)
    from latentcodec.models import autoencoders
    from latentcodec.models.taesd import build_encoder

    with pytest.raises(LatentCodecError, match=r"taef2_encoder\.pth: not a matching weights file"):
        autoencoders._load_state_dict_strict(build_encoder(32, True), path)


def test_a_model_given_an_image_of_the_wrong_kind_says_so(mirror):
    model = load_model("taef2", device="cpu", mirror=mirror)
    with pytest.raises(LatentCodecError, match=r"expected an \(H, W, 3\) uint8 image"):
        model.encode(np.zeros((8, 8, 4), np.uint8))


# Every registry entry, with random weights built from its real configuration.


# The real layouts at a width that runs in a second.
SMALL = {
    "diffusers-kl": {
        "block_out_channels": [32, 32, 32, 32],
        "layers_per_block": 1,
        "norm_num_groups": 8,
    },
    "diffusers-tiny": {
        "encoder_block_out_channels": [16] * 4,
        "decoder_block_out_channels": [16] * 4,
    },
}


DIFFUSERS_ENTRIES = sorted(name for name, spec in MODELS.items() if spec.family in SMALL)


@pytest.mark.parametrize("name", sorted(n for n, spec in MODELS.items() if spec.family == "taesd"))
def test_each_taesd_family_entry_runs_with_random_weights(name):
    model = random_model(name)
    latent = model.encode(np.zeros((24, 40, 3), np.uint8))
    assert latent.shape == (MODELS[name].channels, 3, 5)
    assert model.decode(latent, 24, 40).shape == (24, 40, 3)


@pytest.mark.parametrize("name", DIFFUSERS_ENTRIES)
def test_each_diffusers_entry_encodes_and_decodes_and_loads_from_a_local_copy(name, tmp_path):
    spec = MODELS[name]
    model = random_model(name, **SMALL[spec.family])
    config = model.network.config
    assert config.latent_channels == spec.channels
    assert config.scaling_factor == spec.architecture["scaling_factor"]
    if spec.family == "diffusers-kl":
        assert model.scaling == spec.architecture["scaling_factor"]
        assert model.shift == (spec.architecture["shift_factor"] or 0.0)
    image = np.random.default_rng(0).integers(0, 256, (37, 50, 3), dtype=np.uint8)
    latent = model.encode(image)
    assert latent.shape == (spec.channels, 5, 7)
    assert model.decode(latent, 37, 50).shape == (37, 50, 3)
    model.network.save_pretrained(tmp_path / "models" / name)
    loaded = load_model(name, device="cpu", mirror=tmp_path)
    np.testing.assert_array_equal(loaded.encode(image), latent)


def test_a_local_copy_with_the_wrong_channel_count_is_refused(tmp_path):
    model = random_model("sd3-vae", **SMALL["diffusers-kl"])
    model.network.save_pretrained(tmp_path / "models" / "sdxl-vae-fp16-fix")
    with pytest.raises(LatentCodecError, match="16 latent channels, the registry says 4"):
        load_model("sdxl-vae-fp16-fix", device="cpu", mirror=tmp_path)


def test_bfloat16_runs_and_returns_float32_latents(tmp_path):
    random_model("taesd-hf", **SMALL["diffusers-tiny"]).network.save_pretrained(
        tmp_path / "models" / "taesd-hf"
    )
    model = load_model("taesd-hf", device="cpu", mirror=tmp_path, dtype="bfloat16")
    latent = model.encode(np.zeros((16, 16, 3), np.uint8))
    assert latent.dtype == np.float32 and latent.shape == (4, 2, 2)
    assert model.decode(latent, 16, 16).dtype == np.uint8


# Batches, tiles and the half-precision fallback of `LatentModel`.


def _rgb(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


SMALL_TAESD = {"encoder_block_out_channels": (8, 8, 8, 8), "decoder_block_out_channels": (8,) * 4}


def test_batches_of_mixed_sizes_give_the_same_latents_and_images_as_one_at_a_time():
    images = [_rgb(32, 48, 0), _rgb(32, 48, 1), _rgb(48, 32, 2), _rgb(32, 48, 3), _rgb(32, 48, 4)]
    single = random_model("taesd-hf", **SMALL_TAESD)
    batched = random_model("taesd-hf", options={"batch_size": 3}, **SMALL_TAESD)
    one_by_one = [single.encode(image) for image in images]
    together = list(batched.encode_many(images))
    assert len(together) == len(images)
    for a, b in zip(one_by_one, together, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    items = [(latent, *image.shape[:2]) for latent, image in zip(together, images, strict=True)]
    decoded = list(batched.decode_many(items))
    for (latent, height, width), image in zip(items, decoded, strict=True):
        assert image.shape == (height, width, 3)
        assert np.abs(image.astype(int) - single.decode(latent, height, width)).max() <= 1


def test_a_tiled_model_matches_the_untiled_one_closely_on_a_real_image(mirror):
    """TAEF2 with 256-px tiles: the seams cost little against the model's own error."""
    crop = load_image(mirror / "datasets" / "kodak" / "kodim23.png")[:320, :448]
    plain = load_model("taef2", device="cpu", mirror=mirror)
    tiled = load_model("taef2", device="cpu", mirror=mirror, tile=256, overlap=64)
    reference = plain.decode(plain.encode(crop), *crop.shape[:2])
    result = tiled.decode(tiled.encode(crop), *crop.shape[:2])
    assert not np.array_equal(result, reference)  # tiling did happen
    assert psnr(reference, result) > 30
    assert abs(psnr(crop, result) - psnr(crop, reference)) < 0.5


def test_tiles_must_be_multiples_of_the_downsampling():
    with pytest.raises(LatentCodecError, match="multiples of 8"):
        random_model("taesd-hf", options={"tile": 100}, **SMALL_TAESD)


class _OverflowsInHalf(torch.nn.Module):
    """Doubles its input; gives Inf whenever it runs in less than float32 (like the SDXL VAE)."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(2.0))

    def forward(self, x):
        if self.scale.dtype != torch.float32:
            return x * torch.inf
        return x * self.scale


class _Doubler(LatentModel):
    def _encode(self, network, pixels):
        return network(functional.avg_pool2d(pixels, 8))

    def _decode(self, network, latent):
        return network(functional.interpolate(latent, scale_factor=8)) / 4


def test_a_half_precision_overflow_is_redone_in_float32_and_logged(caplog):
    spec = get_spec("taesd-hf")
    model = _Doubler(spec, _OverflowsInHalf(), torch.device("cpu"), torch.bfloat16)
    image = np.full((16, 16, 3), 100, dtype=np.uint8)
    with caplog.at_level(logging.WARNING):
        latent = model.encode(image[..., :3])
    assert "redoing it in float32" in caplog.text
    np.testing.assert_allclose(latent[:3], 2 * 100 / 255, rtol=1e-6)


def test_float32_has_no_fallback_and_reports_the_nan():
    spec = get_spec("taesd-hf")

    class AlwaysNaN(_Doubler):
        def _encode(self, network, pixels):
            return super()._encode(network, pixels) * torch.nan

    model = AlwaysNaN(spec, _OverflowsInHalf(), torch.device("cpu"))
    with pytest.raises(LatentCodecError, match="NaN/Inf latents"):
        model.encode(np.zeros((16, 16, 3), dtype=np.uint8))


@pytest.mark.parametrize(
    ("name", "device", "expected"),
    [
        ("sdxl-vae-fp16-fix", "cpu", torch.float32),
        ("sdxl-vae-fp16-fix", "cuda", torch.float16),
        ("sdxl-vae", "cuda", torch.bfloat16),
        ("taef2", "cuda", torch.float16),
    ],
)
def test_auto_precision_is_float32_on_cpu_and_a_safe_half_on_gpu(name, device, expected):
    assert resolve_dtype(get_spec(name), "auto", torch.device(device)) is expected


def test_an_unsafe_explicit_precision_is_refused():
    with pytest.raises(LatentCodecError, match="not safe in float16"):
        resolve_dtype(get_spec("sdxl-vae"), "float16", torch.device("cuda"))

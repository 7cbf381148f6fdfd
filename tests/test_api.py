"""The Python API (`latentcodec.api`): `compress` writes the command's `.lcf` byte for byte,
`decompress` gives the command's pixels, `load_latent` reads the latent without torch, and
every refusal names the file or the setting. Real round trips use TAEF2 on a Kodak crop."""

from __future__ import annotations

import functools
import struct
import subprocess
import sys
import tempfile
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import latentcodec
from latentcodec.api import (
    CompressResult,
    InputError,
    OutputError,
    SettingsError,
    UnavailableError,
    check_settings,
    compress,
    decompress,
    load_latent,
    read_file,
)
from latentcodec.cli import Exit, main
from latentcodec.codecs.container import container_to_bytes, read_container, write_container
from latentcodec.codecs.lcf import store_latent
from latentcodec.codecs.registry import latent_codec_class
from latentcodec.errors import LatentCodecError
from latentcodec.io import load_image, read_rgb
from latentcodec.measure.metrics import bits_per_pixel, psnr
from latentcodec.quantize import dequantize, quantize

MODEL = "taef2"  # 32 channels, 8× downsampling; the CLI tests' model


def stored_latent(path: Path, *, codec="png", quality=None, clip=None, bits=8, seed=0) -> object:
    """A `.lcf` of a random TAEF2-shaped latent (70×101 image: 9×13 latent), no model needed;
    returns the Quantized it stores."""
    latent = np.random.default_rng(seed).normal(0, 1.5, (32, 9, 13))
    quantized = quantize(latent, bits, clip)
    codec_class = latent_codec_class(codec)
    container = store_latent(
        quantized,
        model=MODEL,
        height=70,
        width=101,
        coder=codec_class(codec_class.default_packing),
        quality_value=quality,
    )
    write_container(path, container)
    return quantized


# Without a model: imports, settings, load_latent, refusals.


def run_python(script: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_import_latentcodec_exports_the_api_lazily_without_torch():
    run_python(
        """
        import sys
        import latentcodec
        assert "latentcodec.api" not in sys.modules, "the API was imported eagerly"
        from latentcodec import CompressResult, compress, decompress, load_latent
        assert compress.__module__ == "latentcodec.api"
        assert "torch" not in sys.modules, "torch was imported"
        """
    )
    assert {"compress", "decompress", "load_latent"} <= set(latentcodec.__all__)
    assert latentcodec.compress is compress and latentcodec.CompressResult is CompressResult
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        latentcodec.nosuch  # noqa: B018


@pytest.mark.parametrize(
    ("codec", "quality", "clip"),
    [("png", None, None), ("avif", 60, None), ("lac", 100, None), ("png", None, 4.0)],
)
def test_load_latent_is_the_dequantised_stored_integers(tmp_path, codec, quality, clip):
    path = tmp_path / "x.lcf"
    quantized = stored_latent(path, codec=codec, quality=quality, clip=clip)
    latent = load_latent(path)
    assert latent.shape == (32, 9, 13) and latent.dtype == np.float64
    container, stored = read_file(path)
    np.testing.assert_array_equal(latent, dequantize(stored))
    original = dequantize(quantized)
    if codec != "avif":  # lossless: the very integers quantised
        np.testing.assert_array_equal(latent, original)
    else:  # lossy at q60: near the latent quantised (RMS 0.12 on values of spread 1.5)
        assert np.sqrt(np.mean((latent - original) ** 2)) < 0.25
        assert np.corrcoef(latent.ravel(), original.ravel())[0, 1] > 0.99
    if clip is not None:
        assert container.clip == clip
        assert latent.min() >= -clip and latent.max() <= clip


def test_load_latent_works_with_torch_unavailable(tmp_path):
    path = tmp_path / "x.lcf"
    stored_latent(path, codec="avif", quality=50)
    expected = dequantize(read_file(path)[1])  # lossy: the integers read back
    np.save(tmp_path / "expected.npy", expected)
    run_python(
        f"""
        import sys
        import numpy as np

        class NoTorch:  # any import of torch fails, as where it is not installed
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch is unavailable here")

        sys.meta_path.insert(0, NoTorch())
        from latentcodec import load_latent
        latent = load_latent({str(path)!r})
        np.testing.assert_array_equal(latent, np.load({str(tmp_path / "expected.npy")!r}))
        assert "torch" not in sys.modules
        """
    )


def test_check_settings_fills_the_packing_and_refuses_what_the_codec_cannot_store():
    settings = check_settings(model=MODEL, codec="avif", quality=50, speed=8)
    assert (settings.packing, settings.codec_options) == ("interleaved", (("speed", 8),))
    assert settings.coder().image.speed == 8
    assert check_settings(model=MODEL, codec="lac", quality=80).packing == "none"
    refusals = [
        (dict(codec="avif"), "--quality: avif needs a quality in 0 … 100"),
        (dict(codec="avif", quality=50, bits=16), "--bits: avif cannot store 16-bit"),
        (dict(codec="png", quality=50), "--quality: png is lossless only"),
        (dict(codec="h266"), "--codec: unknown codec 'h266'"),
        (dict(model="sd9-vae", codec="png"), "--model: unknown model 'sd9-vae'"),
        (dict(codec="avif", quality=50, effort=5), "--effort: avif takes no effort option"),
        (dict(codec="avif", quality=50, speed=11), "avif: speed must be an integer in 0 … 10"),
        (dict(codec="jxl", quality=50, effort=0), "jxl: effort must be an integer in 1 … 10"),
        (dict(codec="png", clip=-1.0), "--clip: clip must be a positive number"),
        (dict(codec="png", clip=0.1), "float32 holds exactly"),
        (dict(codec="png", device="gpu"), "--device: 'gpu' is not auto, cpu, cuda"),
    ]
    for settings, message in refusals:
        with pytest.raises(SettingsError) as caught:
            check_settings(**{"model": MODEL, **settings})
        assert message in str(caught.value), settings


def test_bad_inputs_are_refused_naming_the_file_before_any_model_loads(tmp_path):
    avif = dict(model=MODEL, codec="avif", quality=50, device="cpu")
    out = tmp_path / "x.lcf"
    (tmp_path / "notes.png").write_text("hello")
    cases = [
        (lambda: compress(tmp_path / "nope.png", out, **avif), "nope.png: no such file"),
        (lambda: compress(tmp_path, out, **avif), f"{tmp_path}: a folder, not an image file"),
        (lambda: compress(tmp_path / "notes.png", out, **avif), "notes.png: cannot read as an"),
        (lambda: compress(np.zeros((8, 8), np.uint8), out, **avif), "(H, W, 3) uint8 RGB array"),
        (lambda: compress(np.zeros((8, 8, 3)), out, **avif), "got float64 (8, 8, 3)"),
        (lambda: compress(42, out, **avif), "a PIL image, got int"),
        (lambda: decompress(tmp_path / "nope.lcf"), "nope.lcf: cannot read"),
        (lambda: load_latent(tmp_path / "notes.png"), "notes.png: not a latentcodec file"),
    ]
    for call, message in cases:
        with pytest.raises(InputError) as caught:
            call()
        assert isinstance(caught.value, LatentCodecError)
        assert message in str(caught.value)
    assert not out.exists()


def test_a_damaged_or_foreign_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "k.lcf"
    stored_latent(path)
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF
    damaged = tmp_path / "damaged.lcf"
    damaged.write_bytes(bytes(data))
    with pytest.raises(InputError, match=f"{damaged}: damaged"):
        load_latent(damaged)
    container = read_container(path)
    foreign = tmp_path / "foreign.lcf"
    foreign.write_bytes(container_to_bytes(type(container)(**{**vars(container), "codec": "h266"})))
    with pytest.raises(UnavailableError, match=f"{foreign}: unknown codec 'h266'"):
        decompress(foreign)


def test_the_torch_free_refusals_stay_torch_free(tmp_path):
    run_python(
        f"""
        import sys
        from latentcodec import compress, decompress
        from latentcodec.errors import LatentCodecError
        for call in (
            lambda: compress({str(tmp_path / "nope.png")!r}, "x.lcf", codec="png"),
            lambda: compress({str(tmp_path / "nope.png")!r}, "x.lcf", codec="avif"),
            lambda: decompress({str(tmp_path / "nope.lcf")!r}),
        ):
            try:
                call()
            except LatentCodecError:
                pass
            else:
                raise AssertionError("not refused")
        assert "torch" not in sys.modules, "torch was imported"
        """
    )


# Real round trips: TAEF2 on a 70×101 crop of kodim23 (padded to 72×104: a 9×13 latent).


@pytest.fixture(scope="module")
def crop(mirror, tmp_path_factory) -> tuple[Path, np.ndarray]:
    pixels = load_image(mirror / "datasets" / "kodak" / "kodim23.png")[100:170, 200:301]
    path = tmp_path_factory.mktemp("crop") / "crop.png"
    Image.fromarray(pixels).save(path)
    return path, pixels


SETTINGS = {
    "png": (["--codec", "png"], dict(codec="png")),
    "avif": (["--codec", "avif", "--quality", "50"], dict(codec="avif", quality=50)),
    "avif-speed-9": (
        ["--codec", "avif", "--quality", "50", "--speed", "9"],
        dict(codec="avif", quality=50, speed=9),
    ),
    "jxl-planar-effort-3": (
        [
            "--codec",
            "jxl",
            "--quality",
            "80",
            "--packing",
            "planar",
            "--bits",
            "10",
            "--effort",
            "3",
        ],
        dict(codec="jxl", quality=80, packing="planar", bits=10, effort=3),
    ),
    "avif-clip-4": (
        ["--codec", "avif", "--quality", "50", "--clip", "4"],
        dict(codec="avif", quality=50, clip=4.0),
    ),
    "lac-lossy": (["--codec", "lac", "--quality", "80"], dict(codec="lac", quality=80)),
    "png-refined": (["--codec", "png", "--refine", "3"], dict(codec="png", refine=3)),
    "lac-rate-aware": (
        ["--codec", "lac", "--quality", "40", "--refine", "1", "--rate-steps", "2"],
        dict(codec="lac", quality=40, refine=1, rate_steps=2),
    ),
}


@pytest.mark.parametrize("setting", SETTINGS)
def test_compress_writes_the_commands_file_byte_for_byte(crop, mirror, tmp_path, setting, capsys):
    source, pixels = crop
    flags, keywords = SETTINGS[setting]
    by_command, by_api = tmp_path / "command.lcf", tmp_path / "api.lcf"
    options = ["--model", MODEL, "--device", "cpu", "--mirror", str(mirror)]
    assert main(["encode", str(source), str(by_command), *options, *flags]) == Exit.OK
    result = compress(source, by_api, model=MODEL, device="cpu", mirror=mirror, **keywords)
    assert by_api.read_bytes() == by_command.read_bytes()
    assert f"{by_command}: {result.bytes} bytes, {result.bpp:.4f} bpp" in capsys.readouterr().out

    assert result.path == by_api and result.bytes == by_api.stat().st_size
    assert result.bpp == bits_per_pixel(result.bytes, 101, 70)
    assert (result.height, result.width, result.latent_shape) == (70, 101, (32, 9, 13))
    assert (
        result.settings.clip == keywords.get("clip") and result.settings.codec == keywords["codec"]
    )
    assert load_latent(by_api).shape == result.latent_shape
    container = read_container(by_api)
    assert (container.model, container.codec, container.clip) == (
        MODEL,
        result.settings.codec,
        result.settings.clip,
    )


def test_encode_refine_then_decode_comes_closer_to_the_image(crop, mirror, tmp_path):
    """`latentcodec encode --refine` → `decode`: the same decoder, a better image, the file
    saying how its latent was made."""
    source, pixels = crop
    options = ["--model", MODEL, "--device", "cpu", "--mirror", str(mirror), "--codec", "png"]
    errors = {}
    for steps in (0, 5):
        stored, decoded = tmp_path / f"{steps}.lcf", tmp_path / f"{steps}.png"
        assert main(["encode", str(source), str(stored), *options, "--refine", str(steps)]) == 0
        assert main(["decode", str(stored), str(decoded), "--mirror", str(mirror)]) == 0
        image = np.asarray(Image.open(decoded), dtype=np.float64)
        errors[steps] = np.mean((image - pixels) ** 2)
        encoder = read_container(stored).encoder
        assert encoder == ("direct" if steps == 0 else f"refined mse {steps} steps lr 0.02 "
                           "constant, 8-bit minmax grid")  # fmt: skip
    assert errors[5] < 0.9 * errors[0]


@pytest.mark.parametrize("steps", [-1, 1.5])
def test_a_bad_refinement_is_a_settings_error(steps):
    with pytest.raises(SettingsError, match="--refine: refinement: steps must be a whole number"):
        check_settings(codec="png", refine=steps)


def test_rate_aware_steps_make_a_smaller_lac_file_that_decodes_no_worse(crop, mirror, tmp_path):
    """`--rate-steps` after `--refine`: pixel MSE + λ · bits falls; the file is lac's own."""
    source, pixels = crop
    options = ["--model", MODEL, "--device", "cpu", "--mirror", str(mirror)]
    options += ["--codec", "lac", "--quality", "30", "--refine", "3"]
    sizes, errors = {}, {}
    for steps in (0, 6):
        stored, decoded = tmp_path / f"{steps}.lcf", tmp_path / f"{steps}.png"
        assert main(["encode", str(source), str(stored), *options, "--rate-steps", str(steps)]) == 0
        assert main(["decode", str(stored), str(decoded), "--mirror", str(mirror)]) == 0
        errors[steps] = np.mean((np.asarray(Image.open(decoded), dtype=np.float64) - pixels) ** 2)
        sizes[steps] = stored.stat().st_size
    assert read_container(tmp_path / "6.lcf").encoder.endswith(", then 6 steps mse+lac rate")
    assert sizes[6] <= sizes[0] and errors[6] <= errors[0]
    assert sizes[6] < sizes[0] or errors[6] < errors[0]


@pytest.mark.parametrize(
    "settings, message",
    [(dict(codec="avif", quality=50, rate_steps=2), "--rate-steps: rate-aware refinement "
      "estimates lac's bits; avif has"),
     (dict(codec="lac", quality=50, rate_steps=-1), "--rate-steps: refinement: rate steps")],
)  # fmt: skip
def test_rate_steps_outside_lac_or_below_zero_are_settings_errors(settings, message):
    with pytest.raises(SettingsError, match=message):
        check_settings(**settings)


def test_the_effort_option_reaches_the_encoder(crop, mirror, tmp_path):
    source, _ = crop
    avif = dict(model=MODEL, codec="avif", quality=50, device="cpu", mirror=mirror)
    sizes = {speed: compress(source, tmp_path / f"{speed}.lcf", speed=speed, **avif).bytes
             for speed in (0, 10)}  # fmt: skip
    assert sizes[0] != sizes[10]
    default = compress(source, tmp_path / "default.lcf", **avif)
    assert (
        default.path.read_bytes()
        == compress(source, tmp_path / "6.lcf", speed=6, **avif).path.read_bytes()
    )


def test_an_array_or_a_pil_image_gives_the_files_bytes(crop, mirror, tmp_path):
    source, pixels = crop
    avif = dict(model=MODEL, codec="avif", quality=50, device="cpu", mirror=mirror)
    from_path = compress(source, tmp_path / "path.lcf", **avif).path.read_bytes()
    from_array = compress(pixels, tmp_path / "array.lcf", **avif)
    assert from_array.path.read_bytes() == from_path
    assert compress(Image.fromarray(pixels), tmp_path / "pil.lcf", **avif).path.read_bytes() == (
        from_path
    )
    rgba = Image.fromarray(np.dstack([pixels, np.full(pixels.shape[:2], 7, np.uint8)]))
    assert compress(rgba, tmp_path / "rgba.lcf", **avif).path.read_bytes() == from_path
    strided = np.ascontiguousarray(pixels[:, ::-1])[:, ::-1]  # a non-contiguous view
    assert compress(strided, tmp_path / "view.lcf", **avif).path.read_bytes() == from_path


def test_decompress_gives_the_commands_pixels(crop, mirror, tmp_path):
    source, pixels = crop
    stored = tmp_path / "k.lcf"
    compress(source, stored, model=MODEL, codec="avif", quality=70, device="cpu", mirror=mirror)
    image = decompress(stored, device="cpu", mirror=mirror)
    assert image.shape == pixels.shape == (70, 101, 3) and image.dtype == np.uint8
    options = ["--device", "cpu", "--mirror", str(mirror)]
    assert main(["decode", str(stored), str(tmp_path / "k.png"), *options]) == Exit.OK
    np.testing.assert_array_equal(image, read_rgb(tmp_path / "k.png"))
    assert psnr(pixels, image) > 25


def test_an_output_that_cannot_be_written_is_refused_naming_it(crop, mirror, tmp_path):
    source, _ = crop
    (tmp_path / "file").write_text("not a folder")
    target = tmp_path / "file" / "k.lcf"
    with pytest.raises(OutputError, match=f"{target}: cannot write"):
        compress(source, target, model=MODEL, codec="png", device="cpu", mirror=mirror)


def test_model_weights_that_cannot_be_found_are_unavailable(crop, tmp_path):
    source, _ = crop
    empty = tmp_path / "mirror"
    empty.mkdir()
    with pytest.raises(UnavailableError, match="model taef2: .*not found in the mirror"):
        compress(source, tmp_path / "k.lcf", model=MODEL, codec="png", device="cpu", mirror=empty)


@functools.cache
def _lcf_bytes(codec: str, quality: int | None) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.lcf"
        stored_latent(path, codec=codec, quality=quality)
        return path.read_bytes()


@settings(max_examples=150, deadline=None)
@given(
    setting=st.sampled_from([("png", None), ("lac", 100), ("avif", 60)]),
    edits=st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_read_file_on_a_damaged_lcf_with_a_valid_checksum_names_the_file(setting, edits):
    """Bytes changed anywhere before the CRC, which is then made valid again, so that the
    header, the model and codec names, the ranges and the codec's payload are all reached:
    `InputError`/`UnavailableError` naming the file, or a latent of the model's shape."""
    body = bytearray(_lcf_bytes(*setting)[:-4])
    for position, value in edits:
        body[position % len(body)] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.lcf"
        path.write_bytes(bytes(body) + struct.pack(">I", zlib.crc32(body)))
        try:
            _, stored = read_file(path)
        except (InputError, UnavailableError) as error:
            assert "damaged.lcf" in str(error)
            return
    assert stored.values.ndim == 3 and stored.lo.shape == (stored.values.shape[0],)

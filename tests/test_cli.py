"""The `latentcodec` command: help, exit statuses, and real round trips with TAEF2 on Kodak
that give the workflow's own pixels back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentcodec.cli import Exit, main
from latentcodec.codecs.container import LatentContainer, read_container, write_container
from latentcodec.codecs.registry import CODECS
from latentcodec.io import load_image, read_rgb
from latentcodec.measure.metrics import psnr
from latentcodec.models.registry import MODELS

MODEL = "taef2"
PNG_8 = ["--model", MODEL, "--bits", "8", "--codec", "png"]


def kodak(mirror: Path, name: str) -> Path:
    return mirror / "datasets" / "kodak" / f"{name}.png"


def a_container(**changes) -> LatentContainer:
    fields = dict(
        model=MODEL,
        height=64,
        width=64,
        padding=(0, 0),
        bits=8,
        packing="interleaved",
        lo=np.zeros(32, np.float32),
        hi=np.ones(32, np.float32),
        codec="png",
        quality=None,
        payload=b"not a png",
    )
    return LatentContainer(**{**fields, **changes})


# Help and refusals: no model runs, no torch.


def test_help_lists_the_registries_and_the_exit_statuses(capsys):
    assert main(["--help"]) == Exit.OK
    text = capsys.readouterr().out
    for name in [*CODECS, *MODELS]:
        assert f"\n  {name} " in text
    for status in Exit:
        assert f"\n  {status.value}  " in text
    assert main(["encode", "--help"]) == Exit.OK
    assert "--quality Q" in capsys.readouterr().out


def test_help_and_refusals_do_not_import_torch(tmp_path):
    script = (
        "import sys\n"
        "from latentcodec.cli import main\n"
        "assert main(['--help']) == 0\n"
        f"assert main(['encode', {str(tmp_path / 'none.png')!r}, 'x.lcf', '--model', 'taef2',"
        " '--codec', 'png']) == 3\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    assert time.perf_counter() - started < 10  # ~0.4 s here; torch alone takes 2–5 s


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--codec", "nosuch"], "invalid choice: 'nosuch'"),
        (["--codec", "png", "--model", "nosuch-vae"], "invalid choice: 'nosuch-vae'"),
        (["--codec", "avif", "--quality", "50", "--bits", "16"], "avif cannot store 16-bit"),
        (["--codec", "webpll", "--bits", "10"], "webpll cannot store 10-bit"),
        (["--codec", "avif"], "avif needs a quality in 0 … 100, 100 = lossless"),
        (["--codec", "avif", "--quality", "101"], "avif needs a quality"),
        (["--codec", "png", "--quality", "50"], "png is lossless only"),
        (["--codec", "avif", "--quality", "50", "--packing", "planar"], "planar tiles"),
        (["--codec", "png", "--bits", "eight"], "invalid int value"),
        (["--codec", "lac", "--quality", "100", "--packing", "planar"], "lac codes the (C, h, w)"),
        (["--codec", "lac", "--quality", "0"], "lac needs a quality in 1 … 100, 100 = lossless"),
        (["--codec", "png", "--speed", "3"], "--speed: png takes no speed option (its effort"),
        (["--codec", "avif", "--quality", "50", "--speed", "11"], "speed must be an integer in"),
        (["--codec", "webpll", "--method", "7"], "webpll: method must be an integer in 0 … 6"),
        (["--codec", "png", "--clip", "-4"], "--clip: clip must be a positive number"),
        (["--codec", "png", "--clip", "nan"], "--clip: clip must be a positive number"),
    ],
)
def test_usage_errors_exit_2_before_reading_anything(tmp_path, capsys, arguments, message):
    arguments = ["--model", MODEL, *arguments] if "--model" not in arguments else arguments
    status = main(["encode", str(tmp_path / "missing.png"), str(tmp_path / "x.lcf"), *arguments])
    assert status == Exit.USAGE == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_image_exits_3(tmp_path, capsys):
    status = main(["encode", str(tmp_path / "nope.png"), str(tmp_path / "x.lcf")] + PNG_8)
    assert status == Exit.BAD_INPUT == 3
    assert "nope.png: no such file or folder" in capsys.readouterr().err


def test_a_file_that_is_not_an_image_exits_3(tmp_path, capsys):
    (tmp_path / "notes.png").write_text("hello")
    status = main(["encode", str(tmp_path / "notes.png"), str(tmp_path / "x.lcf")] + PNG_8)
    assert status == Exit.BAD_INPUT
    assert "notes.png: cannot read as an image" in capsys.readouterr().err
    assert not (tmp_path / "x.lcf").exists()


def test_a_missing_container_exits_3(tmp_path, capsys):
    assert main(["decode", str(tmp_path / "nope.lcf"), str(tmp_path / "x.png")]) == 3
    assert main(["info", str(tmp_path / "nope.lcf")]) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "not a latentcodec file"),
        (b"\x89LCF\x01" + bytes(10), "truncated"),
    ],
)
def test_a_corrupt_container_exits_3(tmp_path, capsys, content, message):
    path = tmp_path / "bad.lcf"
    path.write_bytes(content)
    assert main(["decode", str(path), str(tmp_path / "x.png")]) == Exit.BAD_INPUT
    assert f"{path}: {message}" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_a_payload_the_codec_cannot_decode_exits_3(tmp_path, capsys):
    path = tmp_path / "garbled.lcf"
    write_container(path, a_container(payload=b"not a png"))
    assert main(["decode", str(path), str(tmp_path / "x.png")]) == Exit.BAD_INPUT
    assert "garbled.lcf: png: cannot decode 9 bytes" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("changes", "message"),
    [(dict(codec="h266"), "unknown codec 'h266'"), (dict(model="sd9-vae"), "unknown model")],
)
def test_a_file_needing_an_absent_codec_or_model_exits_4(tmp_path, capsys, changes, message):
    path = tmp_path / "future.lcf"
    write_container(path, a_container(**changes))
    assert main(["decode", str(path), str(tmp_path / "x.png")]) == Exit.UNAVAILABLE == 4
    assert message in capsys.readouterr().err


def test_decode_refuses_an_output_name_that_is_not_png(tmp_path, capsys):
    path = tmp_path / "a.lcf"
    write_container(path, a_container())
    assert main(["decode", str(path), str(tmp_path / "a.jpg")]) == Exit.USAGE
    assert "give OUT a .png name" in capsys.readouterr().err


def test_model_weights_that_cannot_be_found_exit_4(tmp_path, capsys):
    image = tmp_path / "small.png"
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(image)
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    arguments = ["encode", str(image), str(tmp_path / "x.lcf"), *PNG_8, "--device", "cpu"]
    assert main([*arguments, "--mirror", str(empty_mirror)]) == Exit.UNAVAILABLE
    assert "not found in the mirror" in capsys.readouterr().err


# Real round trips: TAEF2 on Kodak.


@pytest.fixture(scope="module")
def png_round_trip(mirror, tmp_path_factory):
    """kodim23 through `main`: lossless PNG at 8 bits, decoded."""
    folder = tmp_path_factory.mktemp("png")
    source = kodak(mirror, "kodim23")
    options = ["--device", "cpu", "--mirror", str(mirror)]
    assert main(["encode", str(source), str(folder / "k.lcf"), *PNG_8, *options]) == Exit.OK
    assert main(["decode", str(folder / "k.lcf"), str(folder / "k.png"), *options]) == Exit.OK
    return source, folder / "k.lcf", folder / "k.png"


@pytest.mark.slow
def test_png_round_trip_gives_the_workflows_pixels(png_round_trip, mirror, tmp_path):
    """The same image, model and bit depth through the workflow's steps decode identically."""
    from latentcodec.workflow.decode import decode_quantized
    from latentcodec.workflow.encode import encode_images
    from latentcodec.workflow.store import quantize_latents

    source, stored, decoded = png_round_trip
    container = read_container(stored)
    assert (container.model, container.bits, container.codec) == (MODEL, 8, "png")
    assert (container.height, container.width, container.padding) == (512, 768, (0, 0))

    latent, quantized = tmp_path / "latent.npz", tmp_path / "quantized.npz"
    # One torch thread, as the workflow's model jobs and the command (--threads 1) run.
    encode_images(MODEL, [source], [latent], mirror=str(mirror), device="cpu", threads=1)
    quantize_latents([latent], [quantized], bits=8)
    decode_quantized(
        MODEL,
        sources=[source],
        latents=[latent],
        quantized=[quantized],
        recons=[tmp_path / "recon.png"],
        table=tmp_path / "rows.csv",
        mirror=str(mirror),
        device="cpu",
        threads=1,
    )
    np.testing.assert_array_equal(read_rgb(decoded), read_rgb(tmp_path / "recon.png"))
    assert 30 < psnr(load_image(source), read_rgb(decoded)) < 36  # 33.3 dB measured


@pytest.mark.slow
def test_lac_at_quality_100_gives_exactly_the_pixels_of_the_png_path(
    png_round_trip, mirror, tmp_path
):
    source, png_file, png_decoded = png_round_trip
    stored, decoded = tmp_path / "k.lcf", tmp_path / "k.png"
    options = ["--device", "cpu", "--mirror", str(mirror)]
    lac = ["--model", MODEL, "--codec", "lac", "--quality", "100"]
    assert main(["encode", str(source), str(stored), *lac, *options]) == Exit.OK
    assert main(["decode", str(stored), str(decoded), *options]) == Exit.OK
    container = read_container(stored)
    assert (container.codec, container.packing, container.quality) == ("lac", "none", 100)
    np.testing.assert_array_equal(read_rgb(decoded), read_rgb(png_decoded))
    assert stored.stat().st_size < png_file.stat().st_size  # 162.7 KB against 166.9 KB


@pytest.mark.slow
def test_console_script_stores_lossy_avif_smaller(png_round_trip, mirror, tmp_path):
    script = Path(sys.executable).with_name("latentcodec")
    assert script.is_file(), f"{script} missing: reinstall the package (pip install -e .)"
    source, png_file, png_decoded = png_round_trip
    stored, decoded = tmp_path / "k.lcf", tmp_path / "k.png"
    environment = {**os.environ, "LATENTCODEC_MIRROR": str(mirror)}
    avif = ["--model", MODEL, "--codec", "avif", "--quality", "50", "--device", "cpu"]
    commands = [
        ["encode", str(source), str(stored), *avif],
        ["decode", str(stored), str(decoded), "--device", "cpu"],
        ["info", str(stored)],
    ]
    outputs = [
        subprocess.run(
            [script, *command], env=environment, capture_output=True, text=True, check=True
        ).stdout
        for command in commands
    ]
    assert f"{stored}: {stored.stat().st_size} bytes" in outputs[0]
    assert "avif quality 50" in outputs[2]
    assert stored.stat().st_size < png_file.stat().st_size / 2  # 53.5 KB against 166.9 KB
    lossy, lossless = (psnr(load_image(source), read_rgb(path)) for path in (decoded, png_decoded))
    assert lossless - 3 < lossy < lossless  # 32.2 dB against 33.3 dB measured


@pytest.mark.slow
def test_a_folder_is_encoded_and_decoded_with_bad_files_skipped(mirror, tmp_path, capsys):
    images, latents, decoded = tmp_path / "images", tmp_path / "latents", tmp_path / "decoded"
    images.mkdir()
    crops = {"a": (slice(0, 131), slice(0, 97)), "b": (slice(200, 264), slice(300, 380))}
    originals = {}
    for name, crop in crops.items():  # odd sizes: padded to multiples of 8, cropped back
        originals[name] = load_image(kodak(mirror, "kodim23"))[crop]
        Image.fromarray(originals[name]).save(images / f"{name}.png")
    (images / "broken.png").write_bytes(b"\x89PNG not really")
    (images / "notes.txt").write_text("not an image: ignored")
    options = ["--device", "cpu", "--mirror", str(mirror)]

    assert main(["encode", str(images), str(latents), *PNG_8, *options]) == Exit.BAD_INPUT
    assert "broken.png: cannot read as an image" in capsys.readouterr().err
    assert sorted(path.name for path in latents.iterdir()) == ["a.lcf", "b.lcf"]
    assert read_container(latents / "a.lcf").padding == (5, 7)

    assert main(["decode", str(latents), str(decoded), *options]) == Exit.OK
    assert sorted(path.name for path in decoded.iterdir()) == ["a.png", "b.png"]
    for name, original in originals.items():
        image = read_rgb(decoded / f"{name}.png")
        assert image.shape == original.shape
        assert psnr(original, image) > 25

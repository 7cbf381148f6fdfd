rule figures:
    """The figures drawn from metrics.csv alone, in one job (one matplotlib start-up):
    metric against bpp, a row per model and a panel per family (latent lossless, latent
    lossy, pixel codecs), ceiling dashed: PSNR (PNG and SVG), SSIMULACRA2 and MS-SSIM, with
    CompressAI's published Kodak curves in the pixel panels of a run on all 24 Kodak images
    (PSNR, MS-SSIM; `references.compressai`); and the same crop of one image: original,
    ceiling and each codec setting. Apart from the tables, so that a change to `figures:`
    redraws them without redoing the bootstraps.
    """
    input:
        "results/{run}/metrics.csv",
    output:
        png=report(
            "results/{run}/figures/rd.png",
            caption="../report/rd.rst",
            category="Figures",
        ),
        svg="results/{run}/figures/rd.svg",
        ssimulacra2=report(
            "results/{run}/figures/rd_ssimulacra2.png",
            caption="../report/rd_ssimulacra2.rst",
            category="Figures",
        ),
        msssim=report(
            "results/{run}/figures/rd_msssim.png",
            caption="../report/rd_msssim.rst",
            category="Figures",
        ),
        crops=report(
            "results/{run}/figures/crops.png",
            caption="../report/crops.rst",
            category="Figures",
        ),
    log:
        "logs/{run}/figures.log",
    benchmark:
        "benchmarks/{run}/figures.tsv"
    conda:
        "../envs/report.yaml"
    params:
        figures=config["figures"],
        compressai=EXPERIMENT.shows_compressai(),
        baselines=EXPERIMENT.pixel_baselines(),
    script:
        "../scripts/figures.py"


rule plot_equal_size:
    """Crops at equal bytes: original, latent codec, and each equal-size baseline."""
    input:
        pairs="results/{run}/equal_size.csv",
        files=get_equal_size_files,
    output:
        report(
            "results/{run}/figures/equal_size.png",
            caption="../report/equal_size.rst",
            category="Figures",
        ),
    log:
        "logs/{run}/plot_equal_size.log",
    benchmark:
        "benchmarks/{run}/plot_equal_size.tsv"
    conda:
        "../envs/report.yaml"
    params:
        baselines=config["comparison"]["equal_size"],
        figures=config["figures"],
    script:
        "../scripts/plot_equal_size.py"

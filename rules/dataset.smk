rule fetch_image:
    """One verified image of the dataset, from the mirror or the network (runs locally)."""
    output:
        "resources/datasets/{dataset}/{image}.png",
    log:
        "logs/fetch_image/{dataset}/{image}.log",
    benchmark:
        "benchmarks/fetch_image/{dataset}/{image}.tsv"
    localrule: True
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/fetch_image.py"

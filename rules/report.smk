rule execute_notebook:
    """notebooks/results.ipynb run on this run's table: a copy that never goes stale."""
    input:
        notebook=workflow.source_path("../notebooks/results.ipynb"),
        table="results/{run}/metrics.csv",
        pairs="results/{run}/equal_size.csv",
        files=get_equal_size_files,
    output:
        notebook="results/{run}/notebook.ipynb",
        html=report(
            "results/{run}/notebook.html",
            caption="../report/notebook.rst",
            category="Notebook",
        ),
    log:
        "logs/{run}/execute_notebook.log",
    benchmark:
        "benchmarks/{run}/execute_notebook.tsv"
    conda:
        "../envs/report.yaml"
    params:
        parameters=EXPERIMENT.notebook_parameters(),
    script:
        "../scripts/execute_notebook.py"

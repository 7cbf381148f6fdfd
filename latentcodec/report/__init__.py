"""Writing the numbers down: Markdown tables, sentences, figures and the findings page, from
the DataFrames `latentcodec.analysis` returns; nothing here computes a number a table does not
hold. `steps` (and `findings`, `seed_study`, `published`) are the workflow's report steps:
they read the run's tables, ask the analysis, and write the files."""

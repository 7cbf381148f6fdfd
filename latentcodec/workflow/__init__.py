"""Running the experiment: the validated config (`config`) and the `experiment` the rules ask,
the datasets (`datasets`, `placing`), one step per workflow job (`encode`, `store`, `decode`,
`baseline`, `convergence`, `rate`), each measuring a `setting` into rows (`rows`), the entry
point every script uses (`jobs`) and the record of versions (`provenance`)."""

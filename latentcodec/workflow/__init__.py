"""Running the experiment: the validated config (`config`), the datasets (`datasets`), one
step per workflow job (`pipeline`), the entry point every script uses (`jobs`) and the record
of versions (`provenance`)."""

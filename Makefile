# Two commands set up and run a fresh machine: `make run` (the default experiment) and
# `make test`. Both create .venv first when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SNAKEMAKE := $(BIN)/snakemake
CORES ?= 8

.PHONY: run smoke kodak-taef2 findings speed0-taef2 speed0-taesd3 rate-steps-taesd3 seed-study bench test lint pytest docs slurm-check report report-screenshot

## The modules are byte-compiled after the install, on every core: pip compiles one file at a
## time (half of a 4-minute install). They must be compiled at install: this machine and CI set
## PYTHONDONTWRITEBYTECODE, so a module left uncompiled is compiled again by every process that
## imports it (torch alone: +3-5 s for each workflow job and test process). compileall's status
## is not checked: some packages ship test data that is not Python 3, which nothing imports.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	touch $@

## The default experiment: Kodak through the SDXL VAE (a GPU job; hours on a CPU).
run: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES) --resources gpu=1

## The whole DAG on 2 Kodak images shrunk to 256 px, TAEF2 on the CPU (needs LATENTCODEC_MIRROR).
smoke: $(STAMP)
	$(SNAKEMAKE) --cores 2 --configfile .test/config-smoke.yaml

## All 24 Kodak images with TAEF2, every latent codec and the pixel baselines (CPU, ~45 min).
kodak-taef2: $(STAMP)
	$(SNAKEMAKE) --cores 2 --configfile configs/kodak-taef2.yaml

## The findings: 24 Kodak images through the five TAESD-family models, TAESDXL's and TAEF2's
## latents also refined through their fixed decoders, the SDXL latent space's designed sweep,
## perceptual metrics, bootstrap intervals and encode costs; then the seed study's protocol
## with TAESDXL beside its published real-SDXL-VAE numbers; then AVIF at speed 0 on both sides
## with rate-aware lac beside it (TAESDXL, TAESD3, TAEF2; configs/speed0.yaml). Needs the
## weights: LATENTCODEC_MIRROR, or network. Hours on 2 cores (the README says how long it
## took): resumable, since Snakemake keeps every finished output; after an interruption run
## `make findings` again (it adds --rerun-incomplete). The greedy scheduler: the default ILP
## one spent half a core here.
FINDINGS_RUN := $(SNAKEMAKE) --cores 2 --scheduler greedy --keep-going --rerun-incomplete
findings: $(STAMP)
	$(FINDINGS_RUN) --configfile configs/findings.yaml
	$(FINDINGS_RUN) --configfile configs/seed-study.yaml
	$(FINDINGS_RUN) --configfile configs/speed0.yaml

## The speed-0 run one model at a time, each its own run laid over configs/speed0.yaml
## (configs/overlays/), its tables and figure then copied to docs/findings/speed0-<model>/: for
## a machine whose results do not outlive a 3-hour session (~2 h a model on 2 cores, the pixel
## AVIF baseline made again each time). `make findings` measures the same in one run.
speed0-taef2 speed0-taesd3: speed0-%: $(STAMP)
	$(FINDINGS_RUN) --configfile configs/speed0.yaml configs/overlays/$@.yaml
	mkdir -p docs/findings/$@/figures
	cp $(addprefix results/$@/,$(SPEED0_TABLES)) docs/findings/$@/
	cp results/$@/figures/rd.png docs/findings/$@/figures/

## Rate-aware lac's step budget: 8 against 32 rate steps on TAESD3's first 8 Kodak images
## (configs/overlays/rate-steps-taesd3.yaml, 1.5 h on 2 cores), its BD-rates and searches
## copied to docs/findings/rate-steps-taesd3/.
RATE_STEPS := results/rate-steps-taesd3-8img
rate-steps-taesd3: $(STAMP)
	$(FINDINGS_RUN) --configfile configs/speed0.yaml configs/overlays/speed0-taesd3.yaml \
		configs/overlays/$@.yaml
	mkdir -p docs/findings/$@
	cp $(addprefix $(RATE_STEPS)/,bdrate.md rate_search.md lead.md) docs/findings/$@/

## The seed study's protocol alone (TAESDXL, 24 Kodak images; ~25 min on 2 cores).
seed-study: $(STAMP)
	$(SNAKEMAKE) --cores 2 --scheduler greedy --configfile configs/seed-study.yaml

## Overhead, model work, incremental reruns, large images, codec cost, default sweep: a table
## and results/bench/summary.json (< 15 min on 2 cores).
bench: $(STAMP)
	$(BIN)/python bench/run.py --output results/bench

## A small DAG through a one-node SLURM on localhost, compared with a local run (root; CI).
slurm-check: $(STAMP)
	ci/slurm-check.sh

## Lint, unit and workflow tests, then the smoke run.
test: lint pytest smoke

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check .
	$(SNAKEMAKE) --lint --configfile .test/config-smoke.yaml

## Two workers, each test file on one (its module fixtures, such as the workflow tests' tiny
## run, made once), each with one torch thread: torch's default of a thread per core put four
## spinning threads on two cores, and a small decoder's forward pass went from 8 ms to 560 ms
## (a Jacobian test took 520 s, 7 s now). Workflow jobs set their own threads. The slowest
## files go first (tests/conftest.py), in that order.
pytest: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

## Snakemake's HTML report of the smoke run: figures, tables, notebook, config, run times.
report: smoke
	$(SNAKEMAKE) --configfile .test/config-smoke.yaml \
		--report results/smoke/report.html

## docs/report.png: the report's front page, drawn by headless Chromium (apt: chromium), and
## docs/report.rules, the rules its graph shows, which tests/test_docs.py holds against the code.
report-screenshot: report
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--virtual-time-budget=10000 --window-size=1280,1600 \
		--screenshot=$(CURDIR)/docs/report.png file://$(CURDIR)/results/smoke/report.html
	$(SNAKEMAKE) --rulegraph --configfile .test/config-smoke.yaml \
		| grep -o 'label = "[a-z_]*"' | cut -d'"' -f2 | sort > docs/report.rules

## The README's and docs/' pictures and tables, from the smoke and the findings runs: the
## findings run's tables and figures go to docs/findings/ under their own names, so the links
## in findings.md (figures/…) hold there too.
FINDINGS := results/findings
FINDINGS_TABLES := findings.md lead.md latent_spaces.md operating_points.md \
	operating_points_msssim.md operating_points_ssimulacra2.md bdrate.md entropy.md summary.md \
	convergence.md encode_seconds.md published_bdrate.md
FINDINGS_FIGURES := latent_spaces rd rd_ssimulacra2 rd_msssim crops equal_size entropy convergence
SEED_STUDY := results/seed-study
SEED_STUDY_TABLES := seed_study.md published_bdrate.md
SPEED0 := results/speed0
SPEED0_TABLES := lead.md latent_spaces.md operating_points.md operating_points_ssimulacra2.md \
	bdrate.md encode_seconds.md rate_search.md summary.md
docs: $(STAMP) smoke findings report-screenshot
	$(SNAKEMAKE) --rulegraph --configfile .test/config-smoke.yaml | dot -Tsvg > docs/rulegraph.svg
	mkdir -p docs/findings/figures
	cp $(addprefix $(FINDINGS)/,$(FINDINGS_TABLES)) docs/findings/
	cp $(foreach name,$(FINDINGS_FIGURES),$(FINDINGS)/figures/$(name).png) docs/findings/figures/
	mkdir -p docs/findings/seed-study/figures
	cp $(addprefix $(SEED_STUDY)/,$(SEED_STUDY_TABLES)) docs/findings/seed-study/
	cp $(SEED_STUDY)/figures/rd.png docs/findings/seed-study/figures/
	mkdir -p docs/findings/speed0/figures
	cp $(addprefix $(SPEED0)/,$(SPEED0_TABLES)) docs/findings/speed0/
	cp $(SPEED0)/figures/rd.png docs/findings/speed0/figures/
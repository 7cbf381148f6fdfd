#!/usr/bin/env bash
# The workflow on a real SLURM cluster: bring up a one-node cluster on localhost
# (ci/slurm-up.sh), run .test/config-slurm.yaml through `--profile profiles/slurm`, run the same
# config locally, then check that
#   - sacct lists every submitted job, under this run's job name, with the profile's account
#     and partition, COMPLETED, and that the model and codec rules are among them;
#   - both runs give the same metrics.csv (apart from the run name in its paths) and
#     byte-identical compressed files.
# Exits non-zero with a message on the first mismatch; tears the cluster down in every case.
# Needs root (apt packages, daemons) and LATENTCODEC_MIRROR (or network) for the data.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly SNAKEMAKE=.venv/bin/snakemake
readonly CONFIG=.test/config-slurm.yaml
readonly SLURM_RUN=slurmcheck-cluster
readonly LOCAL_RUN=slurmcheck-local
readonly SLURM_LOG=logs/slurmcheck-cluster.snakemake.log
# Rules that must have gone through sbatch (the rest may be local rules of the workflow).
readonly REQUIRED_RULES=(encode_images quantize_latents compress_latents verify_lossless
    decode_quantized reconstruct ceiling pixel_baseline aggregate)
# The profile reads sbatch's own variables; slurm-up.sh creates this partition and account
# and refuses jobs under any other account (AccountingStorageEnforce=associations).
export SBATCH_PARTITION=ci SBATCH_ACCOUNT=ci

say() { echo "slurm-check: $*"; }
fail() {
    echo "slurm-check: FAILED: $*" >&2
    exit 1
}
seconds_since() { echo $(($(date +%s) - $1)); }

started=$(date +%s)
trap 'ci/slurm-down.sh' EXIT
ci/slurm-up.sh
up_seconds=$(seconds_since "$started")

rm -rf "results/$SLURM_RUN" "results/$LOCAL_RUN"
mkdir -p logs
submitted_after=$(date +%FT%T)
runs_started=$(date +%s)
# The runs go one after the other: both DAGs hold the shared fetch_image outputs under
# resources/, so Snakemake refuses to lock the directory for a second run while one is going.
say "running $CONFIG locally into results/$LOCAL_RUN"
local_status=0
"$SNAKEMAKE" "results/$LOCAL_RUN/metrics.csv" --cores 1 --configfile "$CONFIG" \
    --config run="$LOCAL_RUN" >"logs/$LOCAL_RUN.snakemake.log" 2>&1 || local_status=$?
local_seconds=$(seconds_since "$runs_started")
if [[ $local_status -ne 0 ]]; then
    tail -n 40 "logs/$LOCAL_RUN.snakemake.log" >&2
    fail "the local run failed with status $local_status (log: logs/$LOCAL_RUN.snakemake.log)"
fi
say "running $CONFIG through SLURM into results/$SLURM_RUN"
slurm_started=$(date +%s)
# A status query that fails makes the plugin wait forever; SIGKILL bounds it (89 s on an idle
# CI machine; the bound leaves room for a slow one).
readonly SLURM_TIMEOUT=${SLURM_CHECK_TIMEOUT:-600}
slurm_status=0
timeout -s KILL "$SLURM_TIMEOUT" "$SNAKEMAKE" "results/$SLURM_RUN/metrics.csv" \
    --profile profiles/slurm \
    --configfile "$CONFIG" --config run="$SLURM_RUN" \
    --slurm-init-seconds-before-status-checks 1 --jobs 8 >"$SLURM_LOG" 2>&1 || slurm_status=$?
slurm_seconds=$(seconds_since "$slurm_started")
if [[ $slurm_status -ne 0 ]]; then
    tail -n 40 "$SLURM_LOG" >&2
    [[ $slurm_status -eq 137 ]] \
        && fail "the SLURM run did not end within $SLURM_TIMEOUT s (SLURM_CHECK_TIMEOUT) and was killed (log: $SLURM_LOG)"
    fail "the SLURM run failed with status $slurm_status after $slurm_seconds s (log: $SLURM_LOG)"
fi

# --- Did the jobs really go through SLURM? ---
job_name=$(sed -n 's/.*SLURM run ID: \([A-Za-z0-9_-]*\).*/\1/p' "$SLURM_LOG" | head -n 1)
[[ -n $job_name ]] || fail "no 'SLURM run ID' in $SLURM_LOG: was the slurm executor used?"
submitted=$(grep -c 'submitted with SLURM jobid' "$SLURM_LOG" || true)
# The plugin sets each job's comment to rule_<rule>[_wildcards_<…>].
accounting=$(sacct -a -X -n -P -S "$submitted_after" --name "$job_name" \
    -o JobID,Comment,State,Account,Partition)
[[ -n $accounting ]] || fail "sacct knows no job named $job_name"
echo "$accounting" | awk -F'|' '{print "  " $1, $2, $3}'
accounted=$(echo "$accounting" | wc -l)
[[ $accounted -eq $submitted ]] \
    || fail "snakemake submitted $submitted jobs but sacct lists $accounted"
unfinished=$(echo "$accounting" | awk -F'|' '$3 != "COMPLETED"')
[[ -z $unfinished ]] || fail "jobs not COMPLETED in sacct: $unfinished"
elsewhere=$(echo "$accounting" | awk -F'|' -v p="$SBATCH_PARTITION" -v a="$SBATCH_ACCOUNT" \
    '$4 != a || $5 != p')
[[ -z $elsewhere ]] || fail "jobs not under account $SBATCH_ACCOUNT/partition $SBATCH_PARTITION: $elsewhere"
for rule in "${REQUIRED_RULES[@]}"; do
    echo "$accounting" | cut -d'|' -f2 | grep -Eq "^rule_${rule}(_wildcards_|$)" \
        || fail "rule $rule did not run as a SLURM job (sacct comments: $(echo "$accounting" | cut -d'|' -f2 | tr '\n' ' '))"
done
say "sacct: $accounted jobs of run $job_name COMPLETED under account $SBATCH_ACCOUNT, partition $SBATCH_PARTITION"

# --- Same results as the local run? ---
diff <(sed "s#results/$SLURM_RUN/#results/RUN/#g" "results/$SLURM_RUN/metrics.csv") \
    <(sed "s#results/$LOCAL_RUN/#results/RUN/#g" "results/$LOCAL_RUN/metrics.csv") >&2 \
    || fail "metrics.csv differs between results/$SLURM_RUN and results/$LOCAL_RUN (diff above)"
# seconds.csv beside the compressed files is the job's wall time: it differs between any two runs.
compressed_files() { (cd "results/$1" && find . -path '*/compressed/*' -type f ! -name seconds.csv | sort); }
diff <(compressed_files "$SLURM_RUN") <(compressed_files "$LOCAL_RUN") >&2 \
    || fail "the two runs stored different sets of compressed files (diff above)"
compared=0
while read -r file; do
    cmp "results/$SLURM_RUN/$file" "results/$LOCAL_RUN/$file" \
        || fail "compressed file $file differs between the SLURM and the local run"
    compared=$((compared + 1))
done < <(compressed_files "$SLURM_RUN")
[[ $compared -gt 0 ]] || fail "no compressed files found under results/$SLURM_RUN"
rows=$(($(wc -l <"results/$SLURM_RUN/metrics.csv") - 1))
say "results match: metrics.csv ($rows rows) and $compared compressed files byte-identical"

say "timings: bring-up ${up_seconds} s, local run ${local_seconds} s, SLURM run ${slurm_seconds} s, total $(seconds_since "$started") s (teardown follows)"

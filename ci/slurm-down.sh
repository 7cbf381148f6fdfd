#!/usr/bin/env bash
# Stops the one-node SLURM cluster of ci/slurm-up.sh: cancels its jobs, then stops the daemons
# in the reverse order of their start, each by the PID in its PID file. Idempotent: a daemon
# that is not running is skipped. Packages, configuration and the accounting database stay.
set -euo pipefail

readonly RUN_DIR=/run/latentcodec-slurm
readonly PID_FILES=(
    "$RUN_DIR/slurm/slurmd.pid"
    "$RUN_DIR/slurm/slurmctld.pid"
    "$RUN_DIR/slurm/slurmdbd.pid"
    /run/mysqld/mysqld.pid
    /run/munge/munged.pid
)

say() { echo "slurm-down: $*"; }

# Sends SIGTERM to the process in PID file $1, waits up to 20 s, then SIGKILL.
stop() {
    local pid_file=$1 pid
    [[ -s $pid_file ]] || return 0
    pid=$(cat "$pid_file")
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo "PID $pid")"
        kill "$pid"
        for _ in $(seq 80); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "PID $pid ignored SIGTERM for 20 s; killing it"
            kill -KILL "$pid"
        fi
    fi
    rm -f "$pid_file"
}

# Jobs still queued or running would leave slurmstepd processes behind the daemons.
if [[ -s $RUN_DIR/slurm/slurmctld.pid ]] && scontrol ping >/dev/null 2>&1; then
    if [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
        say "cancelling $(squeue -h -o %i | wc -l) job(s)"
        scancel --full $(squeue -h -o %i)
        for _ in $(seq 80); do
            [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
            sleep 0.25
        done
    fi
fi

for pid_file in "${PID_FILES[@]}"; do
    stop "$pid_file"
done

leftover=$(ps -eo pid=,comm= | awk '$2 ~ /^(slurmd|slurmctld|slurmdbd|slurmstepd|mariadbd|munged)$/')
if [[ -n $leftover ]]; then
    echo "slurm-down: still running after teardown:" >&2
    echo "$leftover" >&2
    exit 1
fi
say "nothing left running"

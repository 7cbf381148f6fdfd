#!/usr/bin/env bash
# A one-node SLURM cluster with job accounting on localhost, for ci/slurm-check.sh.
# Needs root and Debian packages; apt does not start services in CI sandboxes, so each daemon
# is started here by hand, in the order SLURM needs: munged → MariaDB → slurmdbd → (cluster,
# account and user in the database) → slurmctld → slurmd. Idempotent: a daemon already running
# is left alone, so a second call only confirms that the cluster answers.
# Partition "ci" (the default), account "ci"; ci/slurm-down.sh stops everything again.
set -euo pipefail

readonly CLUSTER=latentcodec
readonly PARTITION=ci
readonly ACCOUNT=ci
readonly NODE="$(hostname -s)"
readonly RUN_DIR=/run/latentcodec-slurm      # SLURM's PID files
readonly LOG_DIR=/var/log/latentcodec-slurm
readonly DB_PID=/run/mysqld/mysqld.pid        # MariaDB keeps Debian's data folder and socket
readonly PACKAGES=(munge mariadb-server slurmctld slurmd slurm-client slurmdbd)

say() { echo "slurm-up: $*"; }
fail() { echo "slurm-up: $*" >&2; exit 1; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
    local seconds=$1
    shift
    for _ in $(seq "$((seconds * 4))"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    return 1
}

# True when the PID file $1 names a live process.
running() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

[[ $(id -u) -eq 0 ]] || fail "must run as root (it installs packages and starts daemons)"

install_packages() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$package")
    done
    [[ ${#missing[@]} -eq 0 ]] && return
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

start_munge() {
    if [[ ! -s /etc/munge/munge.key ]]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    install -d -o munge -g munge -m 755 /run/munge
    if ! running /run/munge/munged.pid; then
        say "starting munged"
        runuser -u munge -- /usr/sbin/munged
    fi
    wait_for 10 bash -c 'munge -n | unmunge' || fail "munged does not answer (munge -n | unmunge)"
}

start_mariadb() {
    install -d -o mysql -g mysql /run/mysqld
    if [[ ! -d /var/lib/mysql/mysql ]]; then
        say "creating MariaDB's system tables"
        mariadb-install-db --user=mysql >"$LOG_DIR/mariadb-install.log" 2>&1
    fi
    if ! running "$DB_PID"; then
        say "starting MariaDB"
        setsid /usr/sbin/mariadbd --user=mysql --pid-file="$DB_PID" \
            --log-error="$LOG_DIR/mariadb.log" </dev/null >/dev/null 2>&1 &
    fi
    wait_for 30 mariadb-admin ping || fail "MariaDB did not start; see $LOG_DIR/mariadb.log"
    mariadb <<'SQL'
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL
}

write_slurm_configs() {
    local cpus memory_mb
    cpus=$(nproc)
    memory_mb=$(awk '/^MemTotal/ {printf "%d", $2 / 1024 * 0.85}' /proc/meminfo)
    install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd "$RUN_DIR/slurm"
    install -d /etc/slurm
    cat >/etc/slurm/slurm.conf <<EOF
# Written by latentcodec ci/slurm-up.sh: one node, no cgroups, accounting through slurmdbd.
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=$RUN_DIR/slurm/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurm/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
MinJobAge=300
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    cat >/etc/slurm/slurmdbd.conf <<EOF
# Written by latentcodec ci/slurm-up.sh.
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
PidFile=$RUN_DIR/slurm/slurmdbd.pid
LogFile=$LOG_DIR/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StoragePort=3306
StorageLoc=slurm_acct_db
StorageUser=slurm
StoragePass=slurm
EOF
    chown slurm:slurm /etc/slurm/slurmdbd.conf
    chmod 600 /etc/slurm/slurmdbd.conf
}

# Runs `sacctmgr add` ($2…) unless `sacctmgr show` with the filter $1 already finds a record.
add_once() {
    local filter=$1
    shift
    [[ -n $(sacctmgr -n -P show $filter 2>/dev/null) ]] || sacctmgr -i -Q add "$@" >/dev/null
}

start_slurm() {
    if ! running "$RUN_DIR/slurm/slurmdbd.pid"; then
        say "starting slurmdbd"
        slurmdbd
    fi
    wait_for 30 sacctmgr -n show cluster || fail "slurmdbd does not answer; see $LOG_DIR/slurmdbd.log"
    local user
    user=$(id -un)
    add_once "cluster $CLUSTER format=cluster" cluster "$CLUSTER"
    add_once "account $ACCOUNT format=account" account "$ACCOUNT" cluster="$CLUSTER"
    add_once "association user=$user account=$ACCOUNT format=user" \
        user "$user" account="$ACCOUNT" cluster="$CLUSTER"
    if ! running "$RUN_DIR/slurm/slurmctld.pid"; then
        say "starting slurmctld"
        slurmctld
    fi
    wait_for 30 scontrol ping || fail "slurmctld does not answer; see $LOG_DIR/slurmctld.log"
    if ! running "$RUN_DIR/slurm/slurmd.pid"; then
        say "starting slurmd"
        slurmd
    fi
    # A node left down or drained by an earlier run would never take jobs.
    if sinfo -h -N -n "$NODE" -o %T | grep -Eq 'down|drain'; then
        scontrol update nodename="$NODE" state=resume
    fi
    wait_for 30 bash -c "sinfo -h -N -n '$NODE' -o %T | grep -Eq '^(idle|mixed|allocated)'" \
        || fail "node $NODE is not up ($(sinfo -h -N -o '%N %T %E')); see $LOG_DIR/slurmd.log"
    wait_for 30 sacct -n -X -S now || fail "sacct fails: accounting is not working"
}

install -d -m 755 "$RUN_DIR" "$LOG_DIR"
install_packages
start_munge
start_mariadb
write_slurm_configs
start_slurm
say "cluster $CLUSTER up: partition $PARTITION, account $ACCOUNT, node $NODE"

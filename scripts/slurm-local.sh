#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for PeaKd's Slurm tests and for trying sweeps on Slurm by hand.
#   bash scripts/slurm-local.sh start [--clean]|stop|status
# start: installs Debian's slurm-wlm and munge with apt-get when missing, creates munge's key when it has none, starts
#   munged, writes slurm.conf under the state folder and starts slurmctld and slurmd, then waits until sinfo shows the
#   node up. Starting a running cluster does nothing. Slurm's tools find this cluster through SLURM_CONF:
#   export SLURM_CONF=/tmp/peakd-slurm/slurm.conf  (start and status print the line).
#   A stopped cluster starts again with the jobs it had (a sweep queued before goes on); start --clean drops them
#   instead (a running cluster's jobs are cancelled). The tests use a cluster of their own, started clean, apart from
#   one you run sweeps on (its own queue; the CPUs are still shared, so pause a sweep while testing):
#   sudo env PEAKD_SLURM_DIR=/tmp/peakd-test-slurm PEAKD_SLURM_PORT=6827 bash scripts/slurm-local.sh start --clean
# stop: stops the daemons this script started, by their pid files. The state folder is kept (job ids go on from
#   where they were); remove it for a clean slate.
# The state folder is /tmp/peakd-slurm, or PEAKD_SLURM_DIR. Ports: 6817 (slurmctld) and 6818 (slurmd), or
# PEAKD_SLURM_PORT and the port after it. Needs root: it installs packages, and the daemons run as SlurmUser=root.
set -euo pipefail

dir="${PEAKD_SLURM_DIR:-/tmp/peakd-slurm}"
port="${PEAKD_SLURM_PORT:-6817}"
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

say() { echo "slurm-local: $*"; }
fail() { echo "slurm-local: $*" >&2; exit 1; }

# The pid in a pid file when it names a live process of that name (a stale file after a crash may name another
# process); nothing otherwise. Daemons remove their pid files as they exit, so a read may find none.
pid_of() { # FILE NAME
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$2" ] && echo "$pid"
  return 0
}

# Whether a daemon's pid file names it, alive.
alive() { [ -n "$(pid_of "$1" "$2")" ]; }

need_root() {
  [ "$(id -u)" -eq 0 ] && return
  fail "$1 needs root (it installs slurm-wlm and munge, and runs slurmctld and slurmd as SlurmUser=root). Run it as root (sudo bash scripts/slurm-local.sh start). (PeaKd itself submits to any cluster whose sbatch is on PATH; only this script and the tests need the local one.)"
}

install() {
  command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && return
  command -v apt-get >/dev/null 2>&1 || fail "slurmctld, slurmd or munged is missing and apt-get is not available; install Slurm and munge (Debian: slurm-wlm munge)."
  say "installing slurm-wlm and munge with apt-get ..."
  # The packages' own services are not wanted (this script runs the daemons with its own configuration), and in a
  # container there is no init to start them.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

start_munge() {
  if [ ! -f /etc/munge/munge.key ]; then
    say "creating munge's key"
    mungekey --create
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
  chmod 0400 /etc/munge/munge.key
  # A munged already answering (the system's, or ours from before) is used as it is.
  if munge -n </dev/null >/dev/null 2>&1; then return; fi
  # munged runs as its own user, as the package's service would (as root it warns of insecure files).
  runuser -u munge -- munged
  touch "$dir/munged.ours"
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && return; sleep 0.1; done
  fail "munged did not start; see /var/log/munge/munged.log."
}

write_conf() {
  local cpus memory
  cpus="$(nproc)"
  memory="$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)"
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cat > "$conf.tmp" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster for PeaKd's tests.
ClusterName=peakd
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it may start again (120 by default); short here, so tests of
# requeues take seconds.
AuthInfo=cred_expire=5
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Schedule every few seconds, not every minute: a requeued or released job starts soon after it may.
SchedulerParameters=sched_interval=2,bf_interval=2
# No accounting: sacct has nothing to say, so PeaKd reads state from squeue and the sweep's folders.
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Batch jobs may be requeued (sbatch --requeue, scontrol requeue); a node that comes back is used again.
JobRequeue=1
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

node_state() { sinfo -h -n localhost -o %t 2>/dev/null | head -n 1; }

wait_up() {
  local state=""
  for _ in $(seq 120); do
    state="$(node_state)"
    case "$state" in idle|mix|mixed|alloc|allocated|comp|completing) return ;; esac
    sleep 0.5
  done
  echo "slurm-local: the node is not up after 60 s (sinfo says '${state:-nothing}'). The daemons' logs:" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  exit 1
}

# Stops a daemon of this cluster: SIGTERM, then SIGKILL after 10 s. Waits on the pid read before signalling, so a pid
# file removed on the way out changes nothing.
stop_daemon() {
  local pid
  pid="$(pid_of "$dir/$1.pid" "$1")"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait_gone "$1" "$pid"
}

# Waits until a signalled daemon's process has gone (SIGKILL after 10 s).
wait_gone() { # NAME PID
  [ -n "$2" ] || return 0
  for _ in $(seq 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$2" 2>/dev/null; then kill -9 "$2" 2>/dev/null || true; fi
  say "stopped $1 ($2)"
}

# Cancels every job of the running cluster and waits (up to 60 s) until none is left.
cancel_all() {
  local jobs left
  jobs="$( (squeue -h -o %A || true) | sort -u | tr '\n' ' ')"
  [ -n "${jobs// /}" ] || return 0
  # shellcheck disable=SC2086
  scancel $jobs || true # a job that ended meanwhile is not an error
  for _ in $(seq 120); do
    left="$( (squeue -h -o %A || true) | tr '\n' ' ')"
    [ -z "${left// /}" ] && break
    sleep 0.5
  done
  [ -z "${left// /}" ] || fail "start --clean: jobs ${left% } are still in the queue 60 s after scancel; see squeue and $dir/log/slurmctld.log."
  say "starting clean: cancelled the jobs that were queued or running (${jobs% })"
}

start() {
  local started=""
  if alive "$dir/slurmctld.pid" slurmctld && alive "$dir/slurmd.pid" slurmd; then
    # munged is shared by every cluster on the machine: start it again if it stopped.
    munge -n </dev/null >/dev/null 2>&1 || { need_root start; start_munge; }
  else
    need_root start
    install
    mkdir -p "$dir"
    start_munge
    if ! alive "$dir/slurmctld.pid" slurmctld; then
      write_conf
      if [ "$clean" = 1 ]; then
        stop_daemon slurmd # its spool is about to go
        rm -rf "$dir/state" "$dir/spool"
        mkdir -p "$dir/state" "$dir/spool"
        say "starting clean: no job of before is kept"
      fi
      slurmctld -f "$conf"
    fi
    alive "$dir/slurmd.pid" slurmd || slurmd -f "$conf" -N localhost
    started=1
  fi
  wait_up
  [ "$clean" = 1 ] && cancel_all # a controller that kept running keeps its jobs
  if [ -n "$started" ]; then
    say "started $(sinfo -V) on localhost: $(sinfo -h -n localhost -o '%c CPUs, %m MB'); export SLURM_CONF=$conf"
  else
    say "running ($(node_state)); export SLURM_CONF=$conf"
  fi
}

stop() {
  local controller node
  # Both signalled first: a caller that is itself exiting (a test host) may not wait for the whole script.
  controller="$(pid_of "$dir/slurmctld.pid" slurmctld)"
  node="$(pid_of "$dir/slurmd.pid" slurmd)"
  [ -z "$controller" ] || kill "$controller" 2>/dev/null || true
  [ -z "$node" ] || kill "$node" 2>/dev/null || true
  wait_gone slurmctld "$controller"
  wait_gone slurmd "$node"
  # munged is shared: stopped only when this script started it and no cluster (of another state folder) still runs.
  if [ -f "$dir/munged.ours" ] && alive /run/munge/munged.pid munged && [ -z "$(pgrep -x slurmctld || true)" ]; then
    kill "$(pid_of /run/munge/munged.pid munged)" 2>/dev/null || true
    say "stopped munged"
  fi
  rm -f "$dir/munged.ours"
}

status() {
  if alive "$dir/slurmctld.pid" slurmctld && alive "$dir/slurmd.pid" slurmd; then
    say "running ($(node_state)); export SLURM_CONF=$conf"
    sinfo
  else
    say "not running (state folder $dir)"
    exit 3
  fi
}

clean=0
case "${1:-}" in
  start)
    case "${2:-}" in
      "") ;;
      --clean) clean=1 ;;
      *) echo "usage: bash scripts/slurm-local.sh start [--clean]|stop|status" >&2; exit 2 ;;
    esac
    start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: bash scripts/slurm-local.sh start [--clean]|stop|status" >&2; exit 2 ;;
esac

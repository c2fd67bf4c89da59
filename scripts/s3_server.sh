#!/usr/bin/env bash
# Starts and stops a throwaway, real S3 server for the tests: Ceph's RADOS
# Gateway (radosgw) on a single-node cluster (1 monitor, 1 OSD on the
# in-memory memstore backend, no manager, no cephx), listening on 127.0.0.1
# only. Everything, config included, lives in one directory; nothing touches
# the system's Ceph directories.
#
#   scripts/s3_server.sh start DIR   start a server; DIR must be empty or absent
#   scripts/s3_server.sh stop DIR    stop it and delete DIR (no error if stopped)
#
# `start` prints the connection settings as `export QUIVER_S3_...=...` lines on
# stdout (progress goes to stderr) and also writes them, without `export`, to
# DIR/env. Typical use:
#   env=$(scripts/s3_server.sh start /tmp/s3a) && eval "$env"
#   ... run the S3 tests ...
#   scripts/s3_server.sh stop /tmp/s3a
# Keep DIR short: UNIX admin-socket paths are limited to about 107 bytes.
# Several servers may run at once in different directories; each picks its own
# free ports. Exit status: 0 on success, 1 on failure, 2 when the Ceph packages
# (radosgw, ceph-mon, ceph-osd) or curl are not installed.
# Needs root or a user that may run the Ceph daemons; data is lost on stop.
# The data lives in the OSD's memory: QUIVER_S3_MEMSTORE_MB (default 1024)
# bounds it; raise it for large benchmarks.
set -euo pipefail

readonly kAccessKey=quiver-test-key
readonly kSecretKey=quiver-test-secret
readonly kRegion=us-east-1
readonly kReadyTimeoutSeconds=60
readonly kMaxDirLength=70  # leaves room for "/run/client.rgw.a.<pid>.asok"

log() { echo "s3_server: $*" >&2; }

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 1
}

check_binaries() {
  local missing=() b
  for b in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool curl; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  if ((${#missing[@]})); then
    log "missing programs: ${missing[*]}"
    log "install them with: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd curl"
    exit 2
  fi
}

# Prints two distinct free TCP ports on 127.0.0.1, one per line.
pick_ports() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
    return
  fi
  # No python: probe random ports; a refused connection means nobody listens.
  local found=() p
  while ((${#found[@]} < 2)); do
    p=$((20000 + RANDOM % 30000))
    [[ ${#found[@]} -eq 1 && ${found[0]} -eq $p ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      found+=("$p")
    fi
  done
  printf '%s\n' "${found[@]}"
}

# True when PID is a live (not zombie) process whose command is NAME.
is_running() {
  local name=$1 pid=$2 comm state
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == "$name" ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# Sends SIGTERM to NAME's PID, then SIGKILL if it is still alive after 5 s,
# and waits until it is gone. A zombie counts as gone: the daemons are not
# this shell's children, so it cannot reap them.
stop_daemon() {
  local name=$1 pid=$2 tries=0
  is_running "$name" "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while is_running "$name" "$pid"; do
    if ((tries == 50)); then
      log "$name (pid $pid) still running 5 s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    elif ((tries > 100)); then
      log "$name (pid $pid) did not exit even after SIGKILL"
      return 1
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
}

# Stops the daemons listed in DIR/pids (newest first) and deletes DIR.
stop_server() {
  local dir=$1
  if [[ ! -e $dir ]]; then
    return 0
  fi
  if [[ ! -f $dir/ceph.conf && ! -f $dir/pids ]] && [[ -n $(ls -A "$dir") ]]; then
    log "$dir does not look like an s3_server directory; not deleting it"
    return 1
  fi
  if [[ -f $dir/pids ]]; then
    local -a names=() pids=()
    local name pid i
    while read -r name pid; do
      [[ -n ${pid:-} ]] || continue
      names=("$name" "${names[@]}")
      pids=("$pid" "${pids[@]}")
    done <"$dir/pids"
    # One at a time, newest first: an OSD told to stop waits (up to
    # osd_mon_shutdown_timeout, 5 s) for the monitor's acknowledgement, so the
    # monitor must outlive it.
    for i in "${!pids[@]}"; do
      stop_daemon "${names[i]}" "${pids[i]}"
    done
  fi
  rm -rf "$dir"
}

print_log_tails() {
  local dir=$1 f
  for f in "$dir"/log/*; do
    [[ -f $f ]] || continue
    echo "----- tail of $f -----" >&2
    tail -n 25 "$f" >&2 || true
  done
}

# EXIT trap of `start`: on failure, shows the logs and undoes the start.
starting_dir=
on_start_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -n $starting_dir ]]; then
    print_log_tails "$starting_dir"
    log "start failed (status $rc); stopping what was started"
    stop_server "$starting_dir" || true
  fi
}

start_server() {
  local dir=$1
  if [[ -e $dir && ! -d $dir ]]; then
    log "$dir exists and is not a directory"
    exit 1
  fi
  if [[ -d $dir && -n $(ls -A "$dir") ]]; then
    log "$dir is not empty (is a server already running there?)"
    exit 1
  fi
  dir=$(realpath -m -- "$dir")
  if ((${#dir} > kMaxDirLength)); then
    log "$dir is too long (${#dir} > $kMaxDirLength bytes); admin sockets would not fit"
    exit 1
  fi
  mkdir -p "$dir"

  # Any failure from here on stops what was started and removes DIR.
  starting_dir=$dir
  trap on_start_exit EXIT
  trap 'exit 130' INT TERM

  local ports mon_port s3_port fsid
  ports=$(pick_ports)
  mon_port=$(sed -n 1p <<<"$ports")
  s3_port=$(sed -n 2p <<<"$ports")
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mkdir -p "$dir/log" "$dir/run" "$dir/mon.a" "$dir/osd.0" "$dir/rgw"
  : >"$dir/pids"

  local conf=$dir/ceph.conf
  cat >"$conf" <<EOF
# Generated by scripts/s3_server.sh; deleted by "s3_server.sh stop".
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# Never created (no cephx); set so that no client reads /etc/ceph keyrings.
keyring = $dir/keyring
run dir = $dir/run
admin socket = $dir/run/\$name.\$pid.asok
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
mon debug dump location = $dir/log/\$name.tdump
crash dir = $dir/crash
mon data = $dir/mon.\$id
osd data = $dir/osd.\$id
osd objectstore = memstore
memstore device bytes = $((${QUIVER_S3_MEMSTORE_MB:-1024} * 1048576))
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# The monitor batches map changes for up to 1 s by default; radosgw creates
# its pools one after another, each needing a new OSD map, so start-up took
# ~12 s. A short interval brings that down to about 2 s.
paxos propose interval = 0.05

[client.rgw.a]
# Without tcp_nodelay, small answers wait on the client's delayed ACK (40 ms
# each on a kept-alive connection).
rgw frontends = beast endpoint=127.0.0.1:$s3_port tcp_nodelay=1
rgw data = $dir/rgw
# Hosts "<bucket>.localhost" name a bucket (virtual-hosted addressing, which
# curl resolves to loopback without DNS); "127.0.0.1" stays path-style.
rgw dns name = localhost
# With auth=none radosgw would otherwise insist on "secure" mode and retry
# forever (get_initial_auth_request returned -13).
ms mon client mode = crc
ms client mode = crc
EOF
  local -a c=(-c "$conf")

  log "monitor on 127.0.0.1:$mon_port, S3 on 127.0.0.1:$s3_port, files in $dir"
  ceph-authtool "${c[@]}" --create-keyring "$dir/mon.keyring" --gen-key -n mon. \
    --cap mon 'allow *' >"$dir/log/setup.out" 2>&1
  monmaptool "${c[@]}" --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" \
    "$dir/monmap" >>"$dir/log/setup.out" 2>&1
  ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring" \
    >>"$dir/log/setup.out" 2>&1

  # Daemons run in the foreground (-f) as background jobs, with every stream
  # redirected so that a caller's $(...) does not wait for them.
  ceph-mon "${c[@]}" -i a -f </dev/null >"$dir/log/mon.out" 2>&1 &
  echo "ceph-mon $!" >>"$dir/pids"

  local osd_id
  osd_id=$(timeout 30 ceph "${c[@]}" --connect-timeout 25 osd create 2>>"$dir/log/setup.out")
  if [[ $osd_id != 0 ]]; then
    log "unexpected OSD id '$osd_id' from 'ceph osd create'"
    exit 1
  fi
  # memstore's mkfs asserts unless the data directory already exists.
  ceph-osd "${c[@]}" -i 0 --mkfs >>"$dir/log/setup.out" 2>&1
  ceph-osd "${c[@]}" -i 0 -f </dev/null >"$dir/log/osd.out" 2>&1 &
  echo "ceph-osd $!" >>"$dir/pids"

  radosgw "${c[@]}" -n client.rgw.a -f </dev/null >"$dir/log/rgw.out" 2>&1 &
  echo "radosgw $!" >>"$dir/pids"

  local endpoint=http://127.0.0.1:$s3_port deadline=$((SECONDS + kReadyTimeoutSeconds))
  local name pid
  log "waiting for $endpoint (radosgw creates its pools first)"
  until curl -s -o /dev/null --max-time 2 "$endpoint/"; do
    while read -r name pid; do
      if ! is_running "$name" "$pid"; then
        log "$name (pid $pid) exited during start"
        exit 1
      fi
    done <"$dir/pids"
    if ((SECONDS >= deadline)); then
      log "$endpoint did not answer within $kReadyTimeoutSeconds s"
      exit 1
    fi
    sleep 0.25
  done

  radosgw-admin "${c[@]}" user create --uid=quiver-test --display-name="Quiver tests" \
    --access-key="$kAccessKey" --secret-key="$kSecretKey" >>"$dir/log/setup.out" 2>&1

  cat >"$dir/env" <<EOF
QUIVER_S3_ENDPOINT=$endpoint
QUIVER_S3_ACCESS_KEY=$kAccessKey
QUIVER_S3_SECRET_KEY=$kSecretKey
QUIVER_S3_REGION=$kRegion
EOF
  trap - EXIT INT TERM
  sed 's/^/export /' "$dir/env"
  log "ready: $endpoint (stop with: $0 stop $dir)"
}

(($# == 2)) || usage
case $1 in
  start)
    check_binaries
    start_server "$2"
    ;;
  stop) stop_server "$2" ;;
  *) usage ;;
esac

# Process handling shared by the benchmark scripts (sourced, not run): every process is started
# here and stopped by its PID only, also on Ctrl-C, and the work directory goes with them.
# The script that sources it defines first: log, PY (Debian's python3), HERE (this folder),
# NGINX (the nginx binary, for start_nginx), WORK (its work directory) and PIDS=().

make_pki() {  # sets PKI: a directory with ca.pem, and server.pem / server.key (+ both in server.all.pem) it signs
  PKI=$WORK/pki
  mkdir -p "$PKI"
  (
    cd "$PKI" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 \
      -subj "/CN=reprise bench CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
      -subj /CN=localhost &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext &&
    cat server.pem server.key >server.all.pem
  ) >"$WORK/pki.log" 2>&1
}

alive() {  # running and not a zombie
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

stop_pid() {  # TERM, up to 10 s, then KILL; reaps it
  local pid=$1 i
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then log "pid $pid ignored SIGTERM, killing"; kill -KILL "$pid" 2>/dev/null; fi
  fi
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  local i
  trap - EXIT INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

LAST_PID=""
start() {  # start LOGFILE CMD...: runs CMD in the background, output to LOGFILE; sets LAST_PID
  local logf=$1
  shift
  "$@" >"$logf" 2>&1 </dev/null &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

reaped() {  # drop a process that was waited for from the cleanup list (its PID may be reused)
  local pid=$1 keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

forget() {  # stop a process and drop it from the cleanup list
  stop_pid "$1"
  reaped "$1"
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {  # wait_port PORT PID LOGFILE [TIMEOUT]
  local port=$1 pid=$2 logf=$3 timeout=${4:-15} i
  for ((i = 0; i < timeout * 20; i++)); do
    if ! alive "$pid"; then
      wait "$pid" 2>/dev/null
      log "process $pid exited (status $?) before port $port opened; its output:"
      tail -n 20 "$logf" >&2 2>/dev/null
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  log "port $port did not open within ${timeout}s"
  return 1
}

# start_nginx [NAME]: sets NGINX_PORT, NGINX_PID; the tests' nginx (1 worker, /json, no access log),
# its prefix directory WORK/NAME (nginx by default: a second one running at once needs another NAME).
# With TLS=1 it serves HTTPS with make_pki's certificate (and a session cache).
start_nginx() {
  local dir=$WORK/${1:-nginx} ssl=""
  mkdir -p "$dir/root"
  NGINX_PORT=$(free_port)
  [ "${TLS:-0}" = 1 ] && ssl=" ssl; ssl_certificate $PKI/server.pem; ssl_certificate_key $PKI/server.key; ssl_session_cache shared:tls:10m"
  sed -e "s|@PORT@|$NGINX_PORT|g" -e "s|@WORK@|$dir|g" -e "s|@ROOT@|$dir/root|g" \
    -e "s|listen 127.0.0.1:$NGINX_PORT reuseport;|listen 127.0.0.1:$NGINX_PORT reuseport$ssl;|" \
    "$HERE/../upstreams/nginx.conf.in" >"$dir/nginx.conf"
  start "$dir/stdout.log" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
  NGINX_PID=$LAST_PID
  wait_port "$NGINX_PORT" "$NGINX_PID" "$dir/error.log"
}

#!/usr/bin/env bash
# bench/run-balancer.sh: long-polling through nginx in front of three
# bin/testserver -fixture bench nodes on Redis, with affinity (ip_hash:
# every request of a session reaches its node) and without (round-robin:
# two requests in three reach another node, which forwards them with
# package relay). Runs, per round and in alternating order, for each of
# $SETUPS (sticky, roundrobin) the scenarios polling-echo (echo with ack)
# and polling-fanout (a broadcast every 1/$RATE s to every client).
#
# The Redis and nginx are the script's own, on free ports of 127.0.0.1,
# stopped at exit (`make services` installs both). The nodes and nginx are
# pinned to $SERVER_CPU, the load tool to $LOAD_CPU; server_cpu sums the
# three nodes and nginx.
#
# Writes every run as a JSON line to $OUT/results.jsonl and the medians to
# $OUT/table.md (needs jq).
#
# Knobs (environment): ROUNDS=3 DURATION=5s WARMUP=2s CLIENTS=100 RATE=20
# SETUPS="sticky roundrobin" SCENARIOS="polling-echo polling-fanout"
# SERVER_CPU=0 LOAD_CPU=1 OUT=bench/results/balancer
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
CLIENTS=${CLIENTS:-100}
RATE=${RATE:-20}
SETUPS=${SETUPS:-"sticky roundrobin"}
SCENARIOS=${SCENARIOS:-"polling-echo polling-fanout"}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=${OUT:-bench/results/balancer}
GO=${GO:-go}
NGINX=${NGINX:-/usr/sbin/nginx}

command -v jq >/dev/null || { echo "run-balancer.sh: jq is required for the table" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "run-balancer.sh: $NGINX missing: make services" >&2; exit 1; }
mkdir -p "$OUT" bin
: >"$OUT/results.jsonl"
$GO build -o bin/testserver ./test/testserver
$GO build -o bin/load ./bench/cmd/load
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d)
PIDS=()
REDIS_PID=
trap 'for pid in "${PIDS[@]}" $REDIS_PID; do kill "$pid" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT

free_port() { # a port of 127.0.0.1 nobody listens on
	local port
	while :; do
		port=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
	done
}

wait_port() { # port pid what
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "run-balancer.sh: $3 did not listen on $1" >&2
	exit 1
}

REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$TMP" >/dev/null 2>&1 &
REDIS_PID=$!
wait_port "$REDIS_PORT" "$REDIS_PID" redis-server

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) ($(nproc) cores)"
	echo "go: $($GO version | cut -d' ' -f3-)"
	echo "nginx: $($NGINX -v 2>&1 | cut -d/ -f2)"
	echo "duplex: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "pinning: 3 nodes and nginx cpu $SERVER_CPU, load cpu $LOAD_CPU"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rounds: $ROUNDS, $CLIENTS clients, duration $DURATION after $WARMUP warm-up, fanout $RATE broadcasts/s"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

start_nodes() { # key -> NODE_ADDRS, PIDS
	NODE_ADDRS=()
	local i log url
	for i in 1 2 3; do
		log="$OUT/node$i.log"
		taskset -c "$SERVER_CPU" bin/testserver -addr 127.0.0.1:0 -fixture bench -redis "redis://127.0.0.1:$REDIS_PORT" -redis-key "$1" >"$log" 2>&1 &
		PIDS+=($!)
		url=
		for _ in $(seq 100); do
			url=$(sed -n 's/^listening on http:\/\///p' "$log" || true)
			[ -n "$url" ] && break
			sleep 0.1
		done
		[ -n "$url" ] || { echo "testserver did not start:" >&2; cat "$log" >&2; exit 1; }
		NODE_ADDRS+=("$url")
	done
	sleep 1 # the relays announce themselves
}

start_nginx() { # setup -> LB_URL
	local port affinity="" u servers=""
	port=$(free_port)
	[ "$1" = sticky ] && affinity="ip_hash;"
	for u in "${NODE_ADDRS[@]}"; do servers+="server $u; "; done
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  upstream duplex { $affinity $servers keepalive 256; }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://duplex;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header Connection "";
      proxy_read_timeout 120s;
      proxy_buffering off;
    }
  }
}
CONF
	taskset -c "$SERVER_CPU" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
	PIDS+=($!)
	wait_port "$port" "${PIDS[-1]}" nginx
	LB_URL="http://127.0.0.1:$port"
}

stop_all() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	PIDS=()
	sleep 1
}

RUN=0
run_one() { # setup scenario round
	RUN=$((RUN + 1))
	start_nodes "duplex-bench-$(date +%s)-$$-$RUN"
	start_nginx "$1"
	echo "== round $3: $1 $2" >&2
	local pids
	pids=$(IFS=,; echo "${PIDS[*]}")
	taskset -c "$LOAD_CPU" bin/load -scenario "$2" -url "$LB_URL" -pids "$pids" -clients "$CLIENTS" -rate "$RATE" \
		-duration "$DURATION" -warmup "$WARMUP" -label "setup=$1,round=$3" >>"$OUT/results.jsonl" || true
	stop_all
}

for round in $(seq "$ROUNDS"); do
	order=$SETUPS
	[ $((round % 2)) -eq 0 ] && order=$(echo "$SETUPS" | tr ' ' '\n' | tac | xargs)
	for scenario in $SCENARIOS; do
		for setup in $order; do
			run_one "$setup" "$scenario" "$round"
		done
	done
done

jq -rs '
	def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def fmt(d): if . == null then "–" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
	group_by([.scenario, .labels.setup]) | map({scenario: .[0].scenario, setup: .[0].labels.setup, ok: map(select(.ok)), all: .})
	| "| scenario | balancer | acks or deliveries/s | requests/s | p50 ms | p99 ms | server CPU (3 nodes + nginx, cores) | runs ok |",
	  "|---|---|---|---|---|---|---|---|",
	  (.[] | (.ok | {r: (map(.metrics.acks_per_s // .metrics.deliveries_per_s) | median), q: (map(.metrics.requests_per_s) | median),
		p50: (map(.metrics.p50_ms) | median), p99: (map(.metrics.p99_ms) | median), srv: (map(.metrics.server_cpu) | median)}) as $m
		| "| \(.scenario) | \(.setup) | \($m.r | fmt(0)) | \($m.q | fmt(0)) | \($m.p50 | fmt(2)) | \($m.p99 | fmt(2)) | \($m.srv | fmt(2)) | \(.ok | length)/\(.all | length) |")
' "$OUT/results.jsonl" >"$OUT/table.md"
echo
cat "$OUT/table.md"
echo "results: $OUT/results.jsonl, table: $OUT/table.md"

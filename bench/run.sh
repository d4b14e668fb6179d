#!/usr/bin/env bash
# bench/run.sh: the Duplex benchmark suite (`make bench`). Runs every scenario
# of bench/cmd/load against bin/testserver -fixture bench (Duplex),
# bench/node/server.mjs (socket.io on Node) and bin/zishang (bench/zishang:
# zishang520/socket.io, the other Go port, in a module of its own), back to
# back per scenario and in rotating order per round, each server started
# fresh and pinned to one core (taskset -c $SERVER_CPU), the load tool on the
# other one. It writes every run as a JSON line to $OUT/results.jsonl, then
# the table of medians with the ratios Duplex/Node and Duplex/zishang
# ($OUT/table.md) and a plot of Duplex against Node ($OUT/plot.png).
#
# Knobs (environment): ROUNDS=3 DURATION=10s WARMUP=2s SCENARIOS="..."
# SERVERS="duplex node zishang" IDLE_CONNS=10000 IDLE_HOLD=30s SCALE=1 (one
# idle run at 1,000..19,000 connections per server) SCALE_STEPS=... RATE=...
# (fanout-paced events/s) BURST_SIZES="1000 10000 50000" (events of each
# burst and polling-burst run) BURST_TIMEOUT=60s OUT=bench/results/latest
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SCENARIOS=${SCENARIOS:-"fanout fanout-paced rooms echo polling-echo idle burst polling-burst"}
SERVERS=${SERVERS:-"duplex node zishang"}
BURST_SIZES=${BURST_SIZES:-"1000 10000 50000"}
BURST_TIMEOUT=${BURST_TIMEOUT:-60s}
IDLE_CONNS=${IDLE_CONNS:-10000}
IDLE_HOLD=${IDLE_HOLD:-30s}
RATE=${RATE:-40}
SCALE=${SCALE:-1}
SCALE_STEPS=${SCALE_STEPS:-1000,5000,10000,15000,19000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=${OUT:-bench/results/latest}
# The machine may be shared (builds, tests): as root, run the server and the
# load tool at a high priority so that they take their cores first. Each
# result line reports other_cpu, the cores something else used meanwhile.
NICE=${NICE:-$([ "$(id -u)" = 0 ] && echo -15 || echo 0)}
GO=${GO:-go}
NODE=${NODE:-node}

mkdir -p "$OUT" bin
: >"$OUT/results.jsonl"
$GO build -o bin/testserver ./test/testserver
$GO build -o bin/load ./bench/cmd/load
$GO build -o bin/benchreport ./bench/cmd/report
# Its own module (bench/zishang/go.mod): the core module does not depend on it.
(cd bench/zishang && $GO build -o ../../bin/zishang .)

# 19,000 connections need as many open files in the server and the workers.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) ($(nproc) cores)"
	echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
	echo "kernel: $(uname -sr)"
	echo "go: $($GO version | cut -d' ' -f3-)"
	echo "node: $($NODE --version)"
	echo "socket.io: $($NODE -p 'require("socket.io/package.json").version')"
	echo "zishang520/socket.io: $(cd bench/zishang && $GO list -m -f '{{.Version}}' github.com/zishang520/socket.io/servers/socket/v3)"
	echo "duplex: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "open files: $(ulimit -n), nice: $NICE"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rounds: $ROUNDS, duration $DURATION after $WARMUP warm-up, idle $IDLE_CONNS conns held $IDLE_HOLD, paced rate $RATE events/s, bursts of $BURST_SIZES events"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

SERVER_PID=
SERVER_URL=
start_server() { # duplex|node|zishang
	local log="$OUT/server.log"
	: >"$log"
	case $1 in
	duplex) nice -n "$NICE" taskset -c "$SERVER_CPU" bin/testserver -addr 127.0.0.1:0 -fixture bench >"$log" 2>&1 & ;;
	node) nice -n "$NICE" taskset -c "$SERVER_CPU" $NODE bench/node/server.mjs --addr 127.0.0.1:0 >"$log" 2>&1 & ;;
	zishang) nice -n "$NICE" taskset -c "$SERVER_CPU" bin/zishang -addr 127.0.0.1:0 >"$log" 2>&1 & ;;
	*)
		echo "unknown server $1" >&2
		return 1
		;;
	esac
	SERVER_PID=$!
	for _ in $(seq 100); do
		SERVER_URL=$(sed -n 's/^listening on //p' "$log" || true)
		[ -n "$SERVER_URL" ] && return 0
		sleep 0.1
	done
	echo "server $1 did not start:" >&2
	cat "$log" >&2
	return 1
}
stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	sleep 1 # let the sockets of the last run close
}

# wait_quiet waits, up to $QUIET_MAX seconds, for a second in which the rest
# of the machine uses less than $QUIET_CPU cores, so that runs start when the
# builds and tests of others pause.
QUIET_MAX=${QUIET_MAX:-20}
QUIET_CPU=${QUIET_CPU:-0.3}
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
wait_quiet() {
	local a b
	for _ in $(seq "$QUIET_MAX"); do
		a=$(busy_ticks)
		sleep 1
		b=$(busy_ticks)
		awk -v d=$((b - a)) -v max="$QUIET_CPU" 'BEGIN{exit !(d/100 < max)}' && return 0
	done
	echo "machine busy (other processes): running anyway; see other_cpu" >&2
}

trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT

run_one() { # server scenario round extra-args...
	local server=$1 scenario=$2 round=$3
	shift 3
	local args=(-scenario "$scenario" -duration "$DURATION" -warmup "$WARMUP" -rate "$RATE")
	case $scenario in
	idle) args+=(-clients "$IDLE_CONNS" -steps "1000,$IDLE_CONNS" -hold "$IDLE_HOLD") ;;
	idle-scale) args=(-scenario idle -name idle-scale -steps "$SCALE_STEPS" -hold "$IDLE_HOLD") ;;
	burst | polling-burst) args+=(-burst-timeout "$BURST_TIMEOUT") ;;
	esac
	wait_quiet
	start_server "$server"
	echo "== round $round: $scenario on $server" >&2
	nice -n "$NICE" taskset -c "$LOAD_CPU" bin/load -url "$SERVER_URL" -pid "$SERVER_PID" "${args[@]}" "$@" \
		-label "server=$server,round=$round" >>"$OUT/results.jsonl" || true
	stop_server
}

# rotate N WORDS...: the words, rotated left by N (the servers' order in a
# round: each goes first in turn).
rotate() {
	local n=$1
	shift
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do
		echo "${a[$(((i + n) % ${#a[@]}))]}"
	done
}

for round in $(seq "$ROUNDS"); do
	# shellcheck disable=SC2086 # word splitting wanted
	order=$(rotate $((round - 1)) $SERVERS)
	for scenario in $SCENARIOS; do
		case $scenario in
		burst | polling-burst) sizes=$BURST_SIZES ;;
		*) sizes=0 ;;
		esac
		for size in $sizes; do
			extra=()
			[ "$size" = 0 ] || extra=(-events "$size")
			for server in $order; do
				run_one "$server" "$scenario" "$round" "${extra[@]}"
			done
		done
	done
done
if [ "$SCALE" = 1 ]; then
	for server in $SERVERS; do
		run_one "$server" idle-scale 1
	done
fi

bin/benchreport -in "$OUT/results.jsonl" -md "$OUT/table.md" -plot "$OUT/plot.dat"
if command -v gnuplot >/dev/null; then
	gnuplot -e "data='$OUT/plot.dat'; out='$OUT/plot.png'" bench/plot.gp && echo "plot: $OUT/plot.png"
else
	echo "gnuplot not found: no plot (apt-get install gnuplot-nox)" >&2
fi
echo "results: $OUT/results.jsonl, table: $OUT/table.md"

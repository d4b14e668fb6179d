#!/usr/bin/env bash
# bench/run-cluster.sh: broadcast across a 2-node Redis cluster vs one node
# (`make bench-cluster`). Runs, per round and in alternating order:
#
#   single        fanout on one bin/testserver -fixture bench (no adapter)
#   single-redis  fanout on one node with the Redis adapter (the adapter's
#                 own cost, no second node)
#   cluster       fanout-cluster on two nodes on Redis: half of the $CLIENTS
#                 receivers on each node, the sender on node 1, every
#                 broadcast checked at every receiver of both nodes
#   cluster-streams  cluster in streams mode (-redis-mode streams, with
#                 connection state recovery: every broadcast is XADDed and
#                 delivered with its entry id, which the clients get as offset)
#   node-cluster-streams  the same on two Node nodes (bench/node/server.mjs
#                 --redis: socket.io + @socket.io/redis-streams-adapter), the
#                 reference
#
# then, unless RECOVERY=0, the time a client takes to recover its session on
# the other node of a streams cluster (test/cluster BenchmarkStreamsRecovery,
# on a Redis of the test binary's own), written to $OUT/recovery.txt.
#
# with the same receiver count. Each run starts fresh servers on a Redis key
# of its own (duplex-bench-<time>-<pid>-<n>). The Redis is the script's own:
# a redis-server on a free port of 127.0.0.1, without persistence, stopped
# at exit (`make services` installs it), unless REDIS_URL names another.
# As in run.sh the servers are pinned to $SERVER_CPU (node 2 to $NODE2_CPU,
# by default the same core: on a 2-core machine the two nodes share the
# server core, so the table shows what the cluster costs, not what a second
# machine would add) and the load tool to $LOAD_CPU. Redis itself is not pinned: its CPU is in other_cpu.
#
# Writes every run as a JSON line to $OUT/results.jsonl and the medians to
# $OUT/table.md (needs jq).
#
# Knobs (environment): ROUNDS=3 DURATION=5s WARMUP=2s CLIENTS=200
# REDIS_URL (default: a Redis of its own) SETUPS="single single-redis cluster"
# SERVER_CPU=0 NODE2_CPU=$SERVER_CPU LOAD_CPU=1 OUT=bench/results/cluster
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
CLIENTS=${CLIENTS:-200}
REDIS_URL=${REDIS_URL:-}
SETUPS=${SETUPS:-"single single-redis cluster cluster-streams node-cluster-streams"}
SERVER_CPU=${SERVER_CPU:-0}
NODE2_CPU=${NODE2_CPU:-$SERVER_CPU}
LOAD_CPU=${LOAD_CPU:-1}
OUT=${OUT:-bench/results/cluster}
NICE=${NICE:-$([ "$(id -u)" = 0 ] && echo -15 || echo 0)}
GO=${GO:-go}

command -v jq >/dev/null || { echo "run-cluster.sh: jq is required for the table" >&2; exit 1; }
mkdir -p "$OUT" bin
: >"$OUT/results.jsonl"
$GO build -o bin/testserver ./test/testserver
$GO build -o bin/load ./bench/cmd/load
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PIDS=()
URLS=()
REDIS_PID=
trap 'for pid in "${PIDS[@]}" $REDIS_PID; do kill "$pid" 2>/dev/null || true; done' EXIT

# start_redis: a redis-server of this run's own on a free port (a port
# taken between the check and the bind makes it exit: try another).
start_redis() {
	command -v redis-server >/dev/null || { echo "run-cluster.sh: redis-server missing: make services" >&2; exit 1; }
	local port dir
	dir=$(mktemp -d)
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" \
			--logfile "$dir/redis.log" >/dev/null 2>&1 &
		REDIS_PID=$!
		for _ in $(seq 100); do
			[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && { REDIS_URL=redis://127.0.0.1:$port; return 0; }
			kill -0 "$REDIS_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$REDIS_PID" 2>/dev/null || true
	done
	echo "run-cluster.sh: could not start redis-server (log in $dir)" >&2
	exit 1
}
[ -n "$REDIS_URL" ] || start_redis

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) ($(nproc) cores)"
	echo "kernel: $(uname -sr)"
	echo "go: $($GO version | cut -d' ' -f3-)"
	echo "redis: $REDIS_URL"
	echo "duplex: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "pinning: node 1 cpu $SERVER_CPU, node 2 cpu $NODE2_CPU, load cpu $LOAD_CPU, nice $NICE"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rounds: $ROUNDS, $CLIENTS receivers, duration $DURATION after $WARMUP warm-up"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

RUN=0
start_node() { # cpu log [testserver args...]
	local cpu=$1 log=$2
	shift 2
	start_proc "$cpu" "$log" bin/testserver -addr 127.0.0.1:0 -fixture bench "$@"
}
start_proc() { # cpu log command...: a server that prints "listening on URL"
	local cpu=$1 log=$2 url=
	shift 2
	: >"$log"
	nice -n "$NICE" taskset -c "$cpu" "$@" >"$log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do
		url=$(sed -n 's/^listening on //p' "$log" || true)
		if [ -n "$url" ]; then
			URLS+=("$url")
			return 0
		fi
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "$1 did not start:" >&2
	cat "$log" >&2
	return 1
}
stop_nodes() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	PIDS=()
	URLS=()
	sleep 1 # let the sockets of the last run close
}
# wait_quiet: as in run.sh, wait up to $QUIET_MAX s for a second in which the
# rest of the machine uses less than $QUIET_CPU cores.
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

run_one() { # setup round
	local setup=$1 round=$2 key
	RUN=$((RUN + 1))
	key="duplex-bench-$(date +%s)-$$-$RUN"
	wait_quiet
	local args=(-clients "$CLIENTS" -duration "$DURATION" -warmup "$WARMUP")
	case $setup in
	single)
		start_node "$SERVER_CPU" "$OUT/node1.log"
		args+=(-scenario fanout -url "${URLS[0]}" -pid "${PIDS[0]}")
		;;
	single-redis)
		start_node "$SERVER_CPU" "$OUT/node1.log" -redis "$REDIS_URL" -redis-key "$key"
		args+=(-scenario fanout -url "${URLS[0]}" -pid "${PIDS[0]}")
		;;
	cluster | cluster-streams)
		local mode=classic
		[ "$setup" = cluster-streams ] && mode=streams
		start_node "$SERVER_CPU" "$OUT/node1.log" -redis "$REDIS_URL" -redis-key "$key" -redis-mode "$mode"
		start_node "$NODE2_CPU" "$OUT/node2.log" -redis "$REDIS_URL" -redis-key "$key" -redis-mode "$mode"
		args+=(-scenario fanout-cluster -url "${URLS[0]}" -url2 "${URLS[1]}" -pid "${PIDS[0]}" -pid2 "${PIDS[1]}")
		;;
	node-cluster-streams)
		start_proc "$SERVER_CPU" "$OUT/node1.log" node bench/node/server.mjs --redis "$REDIS_URL" --redis-key "$key"
		start_proc "$NODE2_CPU" "$OUT/node2.log" node bench/node/server.mjs --redis "$REDIS_URL" --redis-key "$key"
		args+=(-scenario fanout-cluster -url "${URLS[0]}" -url2 "${URLS[1]}" -pid "${PIDS[0]}" -pid2 "${PIDS[1]}")
		;;
	*)
		echo "unknown setup $setup" >&2
		return 1
		;;
	esac
	echo "== round $round: $setup" >&2
	nice -n "$NICE" taskset -c "$LOAD_CPU" bin/load "${args[@]}" \
		-label "setup=$setup,round=$round,key=$key" >>"$OUT/results.jsonl" || true
	stop_nodes
}

for round in $(seq "$ROUNDS"); do
	order=$SETUPS
	[ $((round % 2)) -eq 0 ] && order=$(echo "$SETUPS" | tr ' ' '\n' | tac | xargs)
	for setup in $order; do
		run_one "$setup" "$round"
	done
done

# The table: medians over the rounds that passed every delivery check, and
# deliveries/s relative to the first setup (one node, no adapter).
jq -rs --arg setups "$SETUPS" '
	def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def fmt(d): if . == null then "–" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
	($setups | split(" ") | map(select(. != ""))) as $order
	| . as $runs
	| [$order[] as $s | {setup: $s, ok: [$runs[] | select(.labels.setup == $s and .ok)], all: [$runs[] | select(.labels.setup == $s)]}
		| . + {m: (.ok | {d: (map(.metrics.deliveries_per_s) | median), p50: (map(.metrics.p50_ms) | median), p99: (map(.metrics.p99_ms) | median),
			srv: (map(.metrics.server_cpu) | median), other: (map(.metrics.other_cpu) | median), load: (map(.metrics.load_cpu) | median)})}] as $rows
	| ($rows[0].m.d) as $base
	| "| setup | nodes | deliveries/s | vs 1 node | p50 ms | p99 ms | server CPU (cores, all nodes) | other CPU (cores, incl. Redis) | load CPU | runs ok |",
	  "|---|---|---|---|---|---|---|---|---|---|",
	  ($rows[] | "| \(.setup) | \(if (.setup | test("cluster")) then 2 else 1 end) | \(.m.d | fmt(0)) | \(if .m.d == null or $base == null then "–" else (.m.d / $base | fmt(2)) end) | \(.m.p50 | fmt(2)) | \(.m.p99 | fmt(2)) | \(.m.srv | fmt(2)) | \(.m.other | fmt(2)) | \(.m.load | fmt(2)) | \(.ok | length)/\(.all | length) |")
' "$OUT/results.jsonl" >"$OUT/table.md"
echo
cat "$OUT/table.md"
echo "results: $OUT/results.jsonl, table: $OUT/table.md"

if [ "${RECOVERY:-1}" != 0 ]; then
	echo "== recovery time (streams mode, across nodes)" >&2
	$GO test ./test/cluster -run '^$' -bench '^BenchmarkStreamsRecovery$' -benchtime "${RECOVERIES:-200}x" -count 1 |
		grep -E '^(Benchmark|ok|FAIL)' | tee "$OUT/recovery.txt"
fi

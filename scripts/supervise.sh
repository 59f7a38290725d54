# Process supervision for `npm start` and `npm run cluster` (source it): every process started with
# `supervise` is stopped on Ctrl-C, on TERM, when one of them exits, and when whoever started us dies.
pids=()
stop_cmds=()
on_stop() { stop_cmds+=("$1"); }
cleanup() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for c in "${stop_cmds[@]}"; do eval "$c"; done
  echo "tickframe: stopped"
}
trap cleanup INT TERM EXIT
# If npm dies without passing the signal on, stop too instead of leaving orphans.
parent=$PPID
(while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null) &
pids+=($!)

supervise() {
  "$@" &
  pids+=($!)
}
# Wait (up to 30 s) until something listens on 127.0.0.1:$1.
wait_for_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 after 30 s" >&2
  return 1
}
# Wait (up to 120 s) until $1 answers HTTP.
wait_for_http() {
  for _ in $(seq 1 240); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}
# Return when the first supervised process exits (the trap then stops the rest).
wait_any() { wait -n "${pids[@]}"; }

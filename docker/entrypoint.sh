#!/bin/sh
# dashboard | demo-node | load | any other command
set -e
case "$1" in
  # node itself is PID 1, so `docker stop` (SIGTERM) reaches the dashboard, which flushes and saves its series
  # state; pnpm in between would exit without passing the signal on
  dashboard) cd apps/web && exec node --import tsx server/main.ts ;;
  demo-node) shift; cd apps/web && exec node --import @perf/agent --import tsx demo/app.ts "$@" ;;
  load) shift; cd apps/web && exec node --import tsx demo/load-cli.ts "$@" ;;
  *) exec "$@" ;;
esac

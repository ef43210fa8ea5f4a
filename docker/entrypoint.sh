#!/bin/sh
# dashboard | demo-node | load | any other command
set -e
case "$1" in
  dashboard) exec pnpm --filter @perf/web run serve ;;
  demo-node) shift; cd apps/web && exec node --import @perf/agent --import tsx demo/app.ts "$@" ;;
  load) shift; cd apps/web && exec node --import tsx demo/load-cli.ts "$@" ;;
  *) exec "$@" ;;
esac

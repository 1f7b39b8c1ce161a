#!/usr/bin/env bash
# Builds everything and runs every test project; ends with "N passed, N failed" over all of them.
# Installs what the tests need itself: the npm packages of the gRPC interop test.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

npm ci --prefix tests/ExchangeSpool.Grpc.Tests/interop --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
npm ci --prefix tests/ExchangeSpool.Server.Tests/interop --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
dotnet build ExchangeSpool.sln -c Release -v quiet -nologo || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
status=0
for project in tests/*/*Tests.csproj; do
  log=$(mktemp)
  echo "== $project"
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+' "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    echo "no test summary from $project (exit code $rc)"
    failed=$((failed + 1))
    status=1
  else
    f=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$summary")
    p=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$summary")
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$rc" -ne 0 ] && status=1
  fi
  rm -f "$log"
done

[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status

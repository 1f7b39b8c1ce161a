#!/usr/bin/env bash
# Builds everything and runs every test project; ends with "N passed, N failed" over all of them.
# Installs what the tests need itself: the npm packages of the gRPC interop test and of Azurite, and the Debian
# packages of Ceph (the S3 tests' server) and of the Trino plugin's offline Maven build (only those
# missing; needs root, as in CI).
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The tests talk only to loopback. Where the machine sets an HTTP proxy (http_proxy), the AWS SDK and
# gRPC clients would send loopback requests through it (a proxy answering 403 failed every S3 test in
# under a second); package downloads still go through it.
loopback="127.0.0.1,localhost,::1"
export no_proxy="${no_proxy:+$no_proxy,}$loopback" NO_PROXY="${NO_PROXY:+$NO_PROXY,}$loopback"

npm ci --prefix tests/ExchangeSpool.Server.Tests/interop --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
# The Azure tests start Microsoft's Azurite (npm package azurite) on loopback themselves and stop it by
# pid, unless EXCHANGE_SPOOL_AZURE_CONNECTION_STRING names another account.
npm ci --prefix tests/azurite --no-audit --no-fund --loglevel=error || { echo "npm ci of azurite failed"; echo "0 passed, 1 failed"; exit 1; }
# The S3 tests start a Ceph RADOS Gateway on loopback themselves (and stop it by pid), unless
# EXCHANGE_SPOOL_S3_ENDPOINT names another S3 server; they need Debian's Ceph daemons.
ceph_missing=$(for p in ceph-mon ceph-osd radosgw uuid-runtime; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$ceph_missing" ] && [ -z "${EXCHANGE_SPOOL_S3_ENDPOINT:-}" ]; then
  echo "== installing Debian packages: $(echo $ceph_missing)"
  { apt-get update -q && apt-get install -y --no-install-recommends $ceph_missing; } \
    || { echo "apt-get install of Ceph failed"; echo "0 passed, 1 failed"; exit 1; }
fi
dotnet build ExchangeSpool.sln -c Release -v quiet -nologo || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
status=0
# CI keeps only the end of the output: every failed test is named again there, each distinct
# message once (a failed fixture fails a whole class with the same message).
digest=$(mktemp)
failures_of() {
  awk '/^  Failed [^ ]/ { if (name) print name "\t" msg; name = $2; msg = ""; lines = 0; next }
       /^  Error Message:/ { lines = 40; next }
       /^  Stack Trace:/ { lines = 0 }
       name && lines > 0 { msg = msg substr($0, 1, 300) "\001"; lines-- }
       END { if (name) print name "\t" msg }' "$1" >>"$digest"
}
print_failures() {
  [ -s "$digest" ] || return 0
  echo "== failed tests, again ($(wc -l <"$digest")):"
  cut -f1 "$digest" | head -n 40 | sed 's/^/  /'
  echo "== their messages, each once:"
  awk -F'\t' '!seen[$2]++ { order[++n] = $2 } { count[$2]++ }
       END { for (i = 1; i <= n && i <= 5; i++) { m = order[i]; gsub("\001", "\n    ", m); print "  (" count[order[i]] " tests)\n    " m } }' "$digest"
}
for project in tests/*/*Tests.csproj; do
  log=$(mktemp)
  echo "== $project"
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  failures_of "$log"
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

# The Trino plugin: Maven offline against Debian's repository; Surefire runs its JUnit suite against
# the server built above, and the verify phase checks the plugin jar and archive.
java_packages="maven openjdk-17-jdk-headless protobuf-compiler protobuf-compiler-grpc-java-plugin libprotobuf-java
  libgrpc-java libnetty-java libperfmark-java libgeronimo-annotation-1.3-spec-java libgoogle-gson-java
  libanimal-sniffer-java libgoogle-common-protos-java junit5 libjackson2-annotations-java libjackson2-databind-java
  libmaven-compiler-plugin-java libmaven-resources-plugin-java libmaven-jar-plugin-java libsurefire-java
  libmaven-install-plugin-java libbuild-helper-maven-plugin-java libexec-maven-plugin-java libmaven-shade-plugin-java
  libmaven-assembly-plugin-java"
missing=$(for p in $java_packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "== installing Debian packages: $(echo $missing)"
  { apt-get update -q && apt-get install -y --no-install-recommends $missing; } || { echo "apt-get install failed"; failed=$((failed + 1)); status=1; }
fi
echo "== src/trino-exchange-spool"
log=$(mktemp)
mvn -B -Dstyle.color=never -s src/trino-exchange-spool/settings.xml -f src/trino-exchange-spool/pom.xml verify 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
grep -E '^\[ERROR\]   [A-Za-z]' "$log" | cut -c12-400 | sed 's/^/java:/; s/$/\t(see above)/' >>"$digest"
# Surefire prints one aggregate "Tests run: N, Failures: F, Errors: E, Skipped: S" per run; sum them.
totals=$(grep -E '^\[[A-Z]+\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$log" \
  | sed -E 's/.*Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)/\1 \2 \3 \4/' \
  | awk '{ run += $1; bad += $2 + $3; skipped += $4 } END { if (NR) print run - bad - skipped, bad }')
if [ -z "$totals" ]; then
  echo "no test summary from src/trino-exchange-spool (exit code $rc)"
  failed=$((failed + 1))
  status=1
else
  passed=$((passed + ${totals% *}))
  failed=$((failed + ${totals#* }))
fi
if [ "$rc" -ne 0 ]; then
  echo "maven failed (exit code $rc)"
  status=1
  [ -n "$totals" ] && [ "${totals#* }" -eq 0 ] && failed=$((failed + 1))
fi
rm -f "$log"

[ "$failed" -gt 0 ] && status=1
print_failures
rm -f "$digest"
# On a line of its own, whatever the last tool printed without a newline.
printf '\n%d passed, %d failed\n' "$passed" "$failed"
exit $status

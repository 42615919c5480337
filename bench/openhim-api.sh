#!/usr/bin/env bash
# The documented `openhim-api.sh` procedure (jembi/openhim-core-js resources/openhim-api-curl.sh), rewritten
# for the benchmark so that every call costs what it costs with the original:
#   1. find the server among the arguments (the last one that contains "http");
#   2. curl -k -s GET <server>/authenticate/<username>           (one extra request per call)
#   3. extract salt and ts from the JSON with perl                (no JSON parser)
#   4. passhash = sha512(salt + password); token = sha512(passhash + salt + ts)
#   5. curl -k with the four auth-* headers and the caller's curl arguments, then an empty line.
# Usage: openhim-api.sh USERNAME PASSWORD [CURL_ARGS...]
# Like the original it takes the password in argv and reuses the user salt as auth-salt; it is a
# benchmark baseline, not a tool to use.
if (( $# < 2 )); then
  echo "OpenHIM API: curl wrapper that sets the token authentication headers"
  echo "Usage: $0 USERNAME PASSWORD [CURL_ARGS...]"
  exit 0
fi
username=$1
pass=$2
shift 2

server=""
for arg in "$@"; do
  match=$(echo "$arg" | grep http | perl -pe 's|(https?://.*?)/.*|\1|')
  if [ -n "$match" ]; then server=$match; fi
done
if [ -z "$server" ]; then
  echo "OpenHIM server not specified"
  exit 0
fi

auth=$(curl -k -s "$server/authenticate/$username")
salt=$(echo "$auth" | perl -pe 's|.*"salt":"(.*?)".*|\1|')
ts=$(echo "$auth" | perl -pe 's|.*"ts":"(.*?)".*|\1|')

# as the original: `shasum -a 512` (a perl script); sha512sum (coreutils) only where shasum is missing
if command -v shasum >/dev/null 2>&1; then sha512() { shasum -a 512; }; else sha512() { sha512sum; }; fi
passhash=$(echo -n "$salt$pass" | sha512 | awk '{print $1}')
token=$(echo -n "$passhash$salt$ts" | sha512 | awk '{print $1}')

curl -k -H "auth-username: $username" -H "auth-ts: $ts" -H "auth-salt: $salt" -H "auth-token: $token" "$@"
echo ""

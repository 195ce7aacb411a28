#!/usr/bin/env bash
# Installs everything from scratch where needed and runs every test: TypeScript, then Python.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
bash scripts/setup-python.sh
npm run build
node --test --test-reporter=spec dist/test/
.venv/bin/python -m pytest training/tests -q

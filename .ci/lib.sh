# Helpers shared by .ci/run and .ci/bounds (sourced, not run).

# The pinned uv (from PyPI, hash-checked) lives in .venv; no leg downloads a
# Python interpreter: a missing one is reported, never fetched.
export UV_PYTHON_DOWNLOADS=never
UV=.venv/bin/uv
CI_OUT=build/ci
mkdir -p "$CI_OUT"

step() { printf '\n==> %s\n' "$*"; }

# pytest that counts "no tests collected" (exit 5) as a pass, as CI always has.
run_pytest() {
  local status=0
  "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "no tests collected"
    status=0
  fi
  return "$status"
}

# The offline suites: unit tests (loopback only), integration tests replayed
# from cassettes with the network blocked.
run_suites() {
  local python=$1
  step "unit tests (network: loopback only)"
  run_pytest "$python" -m pytest tests/unit_tests -q -p no:cacheprovider
  step "integration tests (cassette replay, network blocked)"
  run_pytest "$python" -m pytest tests/integration_tests -q -p no:cacheprovider \
    --record-mode=none --block-network -rxs
}

# One line naming the interpreter and the versions that matter, also appended
# to $CI_OUT/versions for the summary.
show_versions() {
  local leg=$1 python=$2 line
  line=$("$python" - <<'EOF'
import platform
from importlib.metadata import PackageNotFoundError, version

names = ["langchain-core", "langchain", "langchain-tests", "httpx", "httpx-sse", "pydantic"]
found = []
for name in names:
    try:
        found.append(f"{name} {version(name)}")
    except PackageNotFoundError:
        found.append(f"{name} -")
print(f"Python {platform.python_version()}, " + ", ".join(found))
EOF
)
  printf '%-8s %s\n' "$leg" "$line" | tee -a "$CI_OUT/versions"
}

# An interpreter for Python X.Y: pyenv's, the system's, or one on PATH that runs.
find_python() {
  local want=$1 candidate
  local roots=()
  if command -v pyenv >/dev/null 2>&1; then
    roots+=("$(pyenv root)/versions/$want"*/bin/python"$want")
  fi
  for candidate in "${roots[@]}" "/usr/bin/python$want" "/usr/local/bin/python$want" "python$want"; do
    if "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

#!/usr/bin/env bash
# The project's test command (CI runs exactly this: .ci/run).
#
#   ./test.sh          Rust tests, then the Python package's tests
#   ./test.sh rust     cargo test --release --workspace, then the CLI's burn tests (--features burn)
#   ./test.sh python   build + install the Python package into a virtual environment, pytest
#   ./test.sh wgpu     (not part of `all`) the ConvNet on burn's wgpu backend: builds the command
#                      line with --features wgpu (≈ 11 min the first time) and replays the
#                      reference's epoch on it; needs a Vulkan/Metal/DX12 adapter (Mesa's
#                      software lavapipe will do: apt install mesa-vulkan-drivers)
#
# Needs a Rust toolchain and python3 (3.10+, with venv); dependencies come from crates.io and
# PyPI. The virtual environment (.venv-test/, or $SAL_TEST_VENV) is created on first use and
# reused afterwards. The tests read ../shared/spec (the specification beside the checkout).
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-all}"
case "$what" in all | rust | python) ;; wgpu)
    exec cargo test --release -p sal-cli --features wgpu --test convnet_burn
    ;;
*)
    echo "usage: ./test.sh [all|rust|python|wgpu]" >&2
    exit 2
    ;;
esac

# A failing Rust test does not hide the Python results: both halves run, the exit status is
# the first failure's.
status=0
if [[ "$what" != python ]]; then
    cargo test --release --workspace --no-fail-fast || status=$?
    # the command line with burn's CPU backend (cargo feature `burn`, not in the default
    # build): ConvNet runs with `--set device=flex`
    cargo test --release -p sal-cli --features burn --test convnet_burn || {
        rc=$?
        [[ $status -ne 0 ]] || status=$rc
    }
fi

if [[ "$what" != rust ]]; then
    # the Python tests compare with the command line's output (target/release/sal, which
    # `cargo test` above has built)
    if [[ "$what" == python ]]; then
        cargo build --release -p sal-cli
    fi
    venv="${SAL_TEST_VENV:-.venv-test}"
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv"
    fi
    venv="$(cd "$venv" && pwd)"
    py="$venv/bin/python"
    # (maturin, the build backend, is called by name: the environment's bin/ comes first;
    # the same versions as pyproject.toml's build-system.requires)
    export PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv"
    "$py" -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2" numpy pytest
    # builds the extension with maturin (the build backend of crates/sal-py/pyproject.toml)
    # in the workspace's target/ directory, reusing what cargo built above
    "$py" -m pip install --quiet --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./crates/sal-py
    "$py" -m pytest crates/sal-py/tests -q -rs -p no:cacheprovider || {
        rc=$?
        [[ $status -ne 0 ]] || status=$rc
    }
fi
exit "$status"

#!/usr/bin/env bash
# setup.sh — install the Debian packages greenshift needs to build, run and test.
# Idempotent: when every package is already installed it does nothing (no apt-get).
# Usage: scripts/setup.sh [--with-tests] [--with-cluster]   (--with-tests includes the cluster set)
set -euo pipefail

build_pkgs=(build-essential cmake ccache pkg-config
            libhdf5-dev libeigen3-dev libtbb-dev libyaml-cpp-dev
            librandom123-dev libcli11-dev libomp-dev hdf5-tools
            libboost-dev  # boost/random/sobol.hpp: the Sobol sequence of batch/sensitivity
            libnlopt-dev  # greenshift calibrate: the global and local optimisers (batch/calibrate)
            python3 python3-numpy python3-h5py python3-matplotlib  # greenshift plot / report at run time
            python3-xlsxwriter                                       # greenshift export --xlsx
            libcpp-httplib-dev nlohmann-json3-dev libjs-chart.js)  # greenshift serve: HTTP, JSON, the page's charts
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev
           python3 python3-numpy python3-xarray python3-netcdf4 python3-h5py netcdf-bin
           python3-openpyxl  # reads the workbooks back in tests/cli/test_export.sh
           python3-openturns  # tests/python/check_sensitivity_openturns.py
           time clang libclang-rt-14-dev  # time: peak memory in test_hostile.sh; clang: scripts/fuzz.sh
           chromium chromium-driver python3-selenium)  # the serve page in a headless browser (tests/browser)

# MPI (-DGREENSHIFT_MPI=ON, mpirun) and a local Slurm for the cluster tests (docs/hpc.md)
cluster_pkgs=(openmpi-bin libopenmpi-dev slurmctld slurmd slurm-client munge)

want=("${build_pkgs[@]}")
for arg in "$@"; do
    case "$arg" in
        --with-tests) want+=("${test_pkgs[@]}" "${cluster_pkgs[@]}") ;;
        --with-cluster) want+=("${cluster_pkgs[@]}") ;;
        *) echo "usage: scripts/setup.sh [--with-tests] [--with-cluster]" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#want[@]} packages present"
    exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

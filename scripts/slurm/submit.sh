#!/usr/bin/env bash
# Queue a greenshift batch on Slurm: a job array of SHARDS shards, and a merge job
# that waits for all of them (afterok). Prints the two job ids.
# Usage: scripts/slurm/submit.sh BATCH.yaml OUTDIR SHARDS [sbatch options for the array...]
#   GREENSHIFT=/path/to/greenshift (default: greenshift on PATH)
# Example: scripts/slurm/submit.sh scenarios/morocco-cop22-batch.yaml results 16 --time=02:00:00
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 3 ] || { sed -n '2,7p' "$0"; exit 2; }
batch=$(realpath "$1"); out=$(realpath -m "$2"); shards=$3; shift 3
exe=${GREENSHIFT:-$(command -v greenshift || true)}
[ -n "$exe" ] || { echo "submit.sh: set GREENSHIFT=/path/to/greenshift" >&2; exit 2; }
exe=$(realpath "$exe")
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: SHARDS must be a positive integer, got '$shards'" >&2; exit 2; }
mkdir -p "$out"
vars="ALL,BATCH=$batch,OUT=$out,SHARDS=$shards,GREENSHIFT=$exe"
array=$(sbatch --parsable --array=0-$((shards - 1)) --chdir="$out" --export="$vars" "$@" "$here/shards.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --chdir="$out" \
               --export="$vars" "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"

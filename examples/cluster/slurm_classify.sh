#!/usr/bin/env bash
# Classify every video under $VIDEOS as a Slurm array: task I writes $OUT_DIR/shard-I.jsonl.
#
#   MODEL=/models/videomae-base-kinetics VIDEOS=/data/videos OUT_DIR=results sbatch slurm_classify.sh
#   examples/cluster/merge_shards.sh results          # afterwards: one all.jsonl, sorted by path
#
# vivid reads SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT itself and takes its own disjoint
# part of the sorted video list, so no --shard flag is given here. Outside Slurm (or to rerun one
# part by hand) the explicit form is --shard I/N, e.g. --shard 3/8.
#
# The #SBATCH values below are placeholders: size them for your model and cluster.
#SBATCH --job-name=vivid-classify
#SBATCH --array=0-7            # 8 parts; any first id works (0-7, 1-8), a step like 0-15:2 does not
#SBATCH --cpus-per-task=8      # vivid gets them all through --threads
#SBATCH --mem=8G               # weights + a few decoded clips; large ViViT/VideoMAE models need more
#SBATCH --time=04:00:00
#SBATCH --requeue              # a preempted task comes back and --resume skips what it already did
#SBATCH --output=%x-%A_%a.log  # one log per task: job name, array job id, task id
set -euo pipefail

# sbatch passes the submitting shell's environment (--export=ALL), so these can be set there.
MODEL=${MODEL:?set MODEL to an HF model folder (config.json + weights)}
VIDEOS=${VIDEOS:?set VIDEOS to a folder of videos (searched recursively)}
OUT_DIR=${OUT_DIR:-results}
VIVID=${VIVID:-vivid}          # path to the binary if it is not on PATH
task=${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch (or run vivid with --shard I/N)}

mkdir -p "$OUT_DIR"
out="$OUT_DIR/shard-$task.jsonl"

# vivid exits 0 when every video was classified, 1 when some failed (each failure is a record
# with "error" in the shard, so the run is still complete), 2 on bad usage (wrong model folder,
# bad option): only 2 (or anything else) should fail the task.
status=0
"$VIVID" classify --model "$MODEL" "$VIDEOS" --out "$out" --resume \
    --threads "${SLURM_CPUS_PER_TASK:-1}" || status=$?
case $status in
    0) ;;
    1) echo "task $task: some videos failed; see the records with \"error\" in $out" >&2 ;;
    *) echo "task $task: vivid exited with status $status" >&2; exit "$status" ;;
esac

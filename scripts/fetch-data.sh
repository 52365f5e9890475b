#!/usr/bin/env bash
# Prepares the Amazon Fine Food reviews that Debian's r-cran-modeldata (MIT) ships as small_fine_foods
# into data/fine-foods/{train,dev,test}.tsv for PeaKd's generic tsv task (columns: text, label).
#   label: "great" (a 5-star review) or "other"
#   dev:   a fixed, seeded 500-row slice of the package's 4,000-row training set
#   train: the other 3,500 training rows
#   test:  the package's 1,000-row test set
# Needs Rscript and the modeldata package; installs r-base-core and r-cran-modeldata with apt when missing.
# Idempotent: running it again rewrites the same files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/data/fine-foods}"

if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(modeldata)' >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "fetch-data: needs R with the modeldata package (Debian: apt-get install r-base-core r-cran-modeldata), and apt-get is not available here." >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "fetch-data: installing r-base-core and r-cran-modeldata needs root; run as root or install them first." >&2
      exit 1
    fi
  fi
  echo "fetch-data: installing r-base-core and r-cran-modeldata with apt-get ..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq r-base-core r-cran-modeldata >/dev/null
fi

mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

Rscript --vanilla - "$tmp" <<'RSCRIPT'
suppressPackageStartupMessages(library(modeldata))
out <- commandArgs(trailingOnly = TRUE)[1]
data(small_fine_foods, package = "modeldata", envir = environment())
clean <- function(text) {
  text <- gsub("<br\\s*/?>", " ", text, perl = TRUE)   # HTML line breaks in the reviews
  text <- gsub("[\t\r\n]+", " ", text, perl = TRUE)    # TSV without quoting: no tabs or newlines inside fields
  trimws(gsub(" {2,}", " ", text, perl = TRUE))
}
as_tsv <- function(frame, file) {
  rows <- data.frame(text = clean(frame$review), label = as.character(frame$score), stringsAsFactors = FALSE)
  write.table(rows, file.path(out, file), sep = "\t", quote = FALSE, row.names = FALSE, fileEncoding = "UTF-8")
}
set.seed(20200930)
dev <- sort(sample(nrow(training_data), 500))
as_tsv(training_data[-dev, ], "train.tsv")
as_tsv(training_data[dev, ], "dev.tsv")
as_tsv(testing_data, "test.tsv")
RSCRIPT

for split in train dev test; do
  mv -f "$tmp/$split.tsv" "$out/$split.tsv"
  rows=$(($(wc -l < "$out/$split.tsv") - 1))
  counts=$(tail -n +2 "$out/$split.tsv" | awk -F'\t' '{n[$NF]++} END {for (l in n) printf "%s %d, ", l, n[l]}' | sed 's/, $//')
  echo "wrote $out/$split.tsv: $rows rows ($counts)"
done

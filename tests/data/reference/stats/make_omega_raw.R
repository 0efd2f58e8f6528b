# Reference values for tests/test_truth_structure.py (issue 28): omega total of raw items with
# blank answers, as psych::omega computes it (cor(x, use = "pairwise")). Run from this folder:
#   Rscript make_omega_raw.R
# Writes the data it generates next to the figures R computed from them (no R needed in tests).
suppressPackageStartupMessages(library(psych))
set.seed(20261207)
data <- list(); om <- list()
for (id in 1:40) {
  k <- sample(3:8, 1)
  n <- sample(c(40, 80, 300), 1)
  lam <- runif(k, 0.3, 0.9)
  f <- rnorm(n)
  x <- sapply(1:k, function(i) round(3 + lam[i] * f + sqrt(1 - lam[i]^2) * rnorm(n)))
  x[runif(n * k) < runif(1, 0.05, 0.3)] <- NA  # blank answers, a share per data set
  o <- suppressWarnings(suppressMessages(omega(x, nfactors = 1, plot = FALSE)))
  long <- data.frame(set = id, row = rep(1:n, k), item = rep(1:k, each = n), value = as.vector(x))
  data[[id]] <- long
  om[[id]] <- data.frame(set = id, k = k, n = n, omega_total = o$omega.tot)
}
write.csv(do.call(rbind, data), "omega_raw_data.csv", row.names = FALSE)
write.csv(do.call(rbind, om), "omega_raw.csv", row.names = FALSE)
writeLines(c(R.version.string, paste("psych", packageVersion("psych"))), "omega_raw_versions.txt")

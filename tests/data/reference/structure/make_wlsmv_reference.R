# WLSMV reference values (issue 32): lavaan's robust fit for ordinal CFA, on simulated sets that
# are not the bfi. Usage: Rscript make_wlsmv_reference.R <outdir>
# Writes wlsmv_<case>_data.csv and wlsmv_<case>_fit.csv (measure,value) for each case:
#   twelve     600 respondents, 12 items on 1-4, three factors, one cross-loading left out
#   twelve_na  the same answers with 6% of them blank, missing = "pairwise"
#   heywood    250 respondents, 9 items on 1-5, one item with a standardized loading above 1
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)

simulate <- function(n, load, phi, cuts, seed, cross = NULL) {
  set.seed(seed)
  m <- ncol(phi)
  eta <- matrix(rnorm(n * m), n, m) %*% chol(phi)
  p <- nrow(load)
  ystar <- eta %*% t(load)
  if (!is.null(cross)) ystar[, cross$item] <- ystar[, cross$item] + cross$value * eta[, cross$factor]
  resid <- sqrt(pmax(1 - rowSums((load %*% phi) * load), 0.05))
  ystar <- ystar + matrix(rnorm(n * p), n, p) %*% diag(resid)
  d <- as.data.frame(apply(ystar, 2, function(v) findInterval(v, cuts) + 1L))
  names(d) <- paste0("q", seq_len(p))
  d
}
measures <- c("ntotal", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
              "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
              "baseline.df.scaled", "baseline.chisq.scaling.factor",
              "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled",
              "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr")
save_case <- function(tag, d, model, missing = "listwise") {
  fit <- cfa(model, data = d, ordered = names(d), estimator = "WLSMV", std.lv = TRUE,
             missing = missing)
  fm <- fitMeasures(fit, measures)
  write.csv(d, file.path(out, sprintf("wlsmv_%s_data.csv", tag)), row.names = FALSE, na = "")
  write.csv(data.frame(measure = names(fm), value = sprintf("%.12g", as.numeric(fm))),
            file.path(out, sprintf("wlsmv_%s_fit.csv", tag)), row.names = FALSE, quote = FALSE)
  std <- standardizedSolution(fit)
  cat(tag, ": max std loading ", max(abs(std$est.std[std$op == "=~"])), "\n")
}

phi3 <- matrix(c(1, .4, .3, .4, 1, .5, .3, .5, 1), 3)
load12 <- matrix(0, 12, 3)
load12[1:4, 1] <- c(.75, .7, .65, .6); load12[5:8, 2] <- c(.7, .7, .6, .55)
load12[9:12, 3] <- c(.8, .65, .6, .5)
twelve <- simulate(600, load12, phi3, c(-1, 0.1, 1.1), seed = 32,
                   cross = list(item = 4, factor = 3, value = .35))
model12 <- "first =~ q1 + q2 + q3 + q4\nsecond =~ q5 + q6 + q7 + q8\nthird =~ q9 + q10 + q11 + q12"
save_case("twelve", twelve, model12)
set.seed(33)
blank <- twelve
blank[matrix(runif(length(unlist(blank))) < 0.06, nrow(blank))] <- NA
blank <- blank[rowSums(!is.na(blank)) > 0, ]
save_case("twelve_na", blank, model12, missing = "pairwise")

load9 <- matrix(0, 9, 3)
load9[1:3, 1] <- c(.95, .9, .45); load9[4:6, 2] <- c(.7, .65, .6); load9[7:9, 3] <- c(.6, .55, .5)
heywood <- simulate(250, load9, phi3, c(-1.2, -0.3, 0.5, 1.3), seed = 7)
model9 <- "first =~ q1 + q2 + q3\nsecond =~ q4 + q5 + q6\nthird =~ q7 + q8 + q9"
save_case("heywood", heywood, model9)
writeLines(c(R.version.string, paste("lavaan", packageVersion("lavaan"))),
           file.path(out, "wlsmv_versions.txt"))

# Measurement invariance reference values (issue 32): lavaan multi-group CFA by maximum
# likelihood, configural -> metric -> scalar -> strict, on a simulated set with a known
# non-invariant item. Usage: Rscript make_invariance_reference.R <outdir>
#   invariance_data.csv   1,050 respondents in three sites (500, 350, 200), 9 items on 1-5,
#                         three factors; item q5 loads .35 lower in site C and item q8 has an
#                         intercept .6 higher in site B
#   invariance_fit.csv    step, measure, value (fitMeasures)
#   invariance_lrt.csv    step, chisq_diff, df_diff, p (lavTestLRT against the step before)
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(3201)
sizes <- c(A = 500, B = 350, C = 200)
phi <- matrix(c(1, .4, .3, .4, 1, .45, .3, .45, 1), 3)
rows <- list()
for (g in names(sizes)) {
  n <- sizes[[g]]
  load <- matrix(0, 9, 3)
  load[1:3, 1] <- c(.8, .7, .6); load[4:6, 2] <- c(.75, .7, .65); load[7:9, 3] <- c(.7, .65, .6)
  if (g == "C") load[5, 2] <- .35
  shift <- c(A = 0, B = .25, C = -.2)[[g]]
  eta <- matrix(rnorm(n * 3), n, 3) %*% chol(phi) + shift
  ystar <- eta %*% t(load) + matrix(rnorm(n * 9, sd = .6), n, 9)
  if (g == "B") ystar[, 8] <- ystar[, 8] + .6
  y <- apply(ystar, 2, function(v) pmin(pmax(round(3 + v), 1), 5))
  d <- as.data.frame(y); names(d) <- paste0("q", 1:9); d$site <- g
  rows[[g]] <- d
}
d <- do.call(rbind, rows)
write.csv(d, file.path(out, "invariance_data.csv"), row.names = FALSE)
model <- "first =~ q1 + q2 + q3\nsecond =~ q4 + q5 + q6\nthird =~ q7 + q8 + q9"
steps <- list(configural = character(0), metric = "loadings",
              scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df")
fits <- list(); fit_rows <- list()
for (s in names(steps)) {
  fits[[s]] <- if (length(steps[[s]])) {
    cfa(model, data = d, group = "site", std.lv = TRUE, group.equal = steps[[s]])
  } else {
    cfa(model, data = d, group = "site", std.lv = TRUE)
  }
  fm <- fitMeasures(fits[[s]], measures)
  fit_rows[[s]] <- data.frame(step = s, measure = names(fm), value = sprintf("%.12g", as.numeric(fm)))
}
write.csv(do.call(rbind, fit_rows), file.path(out, "invariance_fit.csv"), row.names = FALSE,
          quote = FALSE)
lrt <- list()
for (k in 2:length(steps)) {
  a <- anova(fits[[k]], fits[[k - 1]])
  lrt[[k]] <- data.frame(step = names(steps)[k], chisq_diff = a[["Chisq diff"]][2],
                         df_diff = a[["Df diff"]][2], p = a[["Pr(>Chisq)"]][2])
}
write.csv(do.call(rbind, lrt), file.path(out, "invariance_lrt.csv"), row.names = FALSE)
# the standardized loading of q5 by site in the configural model (the non-invariant item)
std <- standardizedSolution(fits$configural)
q5 <- std[std$op == "=~" & std$rhs == "q5", c("group", "est.std")]
write.csv(q5, file.path(out, "invariance_q5_loadings.csv"), row.names = FALSE)

# A larger model (30 items, 3 factors, 4 groups of 300: 372 free parameters in the configural
# model), where the toolkit relies on L-BFGS alone: invariance_large_data.csv and _fit.csv
set.seed(3202)
load30 <- matrix(0, 30, 3)
for (k in 1:3) load30[(10 * k - 9):(10 * k), k] <- seq(.8, .5, length.out = 10)
big <- list()
for (g in c("A", "B", "C", "D")) {
  eta <- matrix(rnorm(300 * 3), 300, 3) %*% chol(phi)
  y <- apply(eta %*% t(load30) + matrix(rnorm(300 * 30, sd = .7), 300, 30), 2,
             function(v) pmin(pmax(round(3 + v), 1), 5))
  dd <- as.data.frame(y); names(dd) <- paste0("q", 1:30); dd$site <- g
  big[[g]] <- dd
}
big <- do.call(rbind, big)
write.csv(big, file.path(out, "invariance_large_data.csv"), row.names = FALSE)
model30 <- paste0(c("first", "second", "third"), " =~ ",
                  sapply(1:3, function(k) paste0("q", (10 * k - 9):(10 * k), collapse = " + ")),
                  collapse = "\n")
big_rows <- list()
for (s in names(steps)) {
  fit <- if (length(steps[[s]])) {
    cfa(model30, data = big, group = "site", std.lv = TRUE, group.equal = steps[[s]])
  } else {
    cfa(model30, data = big, group = "site", std.lv = TRUE)
  }
  fm <- fitMeasures(fit, measures)
  big_rows[[s]] <- data.frame(step = s, measure = names(fm), value = sprintf("%.12g", as.numeric(fm)))
}
write.csv(do.call(rbind, big_rows), file.path(out, "invariance_large_fit.csv"),
          row.names = FALSE, quote = FALSE)

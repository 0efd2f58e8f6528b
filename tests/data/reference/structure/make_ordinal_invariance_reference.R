# Ordinal measurement invariance reference values (issue 32): lavaan 0.6-14 multi-group CFA by
# WLSMV on the items as ordered categories, identified by semTools 0.5-6's measEq.syntax
# (parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"), steps
# configural -> thresholds -> thresholds + loadings -> thresholds + loadings + intercepts.
# Usage: Rscript make_ordinal_invariance_reference.R <outdir>
# Two data sets:
#   sim   invariance_data.csv (made by make_invariance_reference.R: three sites, 9 items on
#         1-5; q5 loads .35 lower in site C, q8's intercept is .6 higher in site B)
#   bfi   psych's bfi (tests/data/reference/bfi/data.csv), agreeableness A1-A5 and
#         conscientiousness C1-C5 by gender, complete answers: a real set
# Outputs, for each set S:
#   ordinal_invariance_S_fit.csv      step, measure, value (fitMeasures)
#   ordinal_invariance_S_lrt.csv      step, chisq_diff, df_diff, p (lavTestLRT, satorra.2000)
#   ordinal_invariance_S_par.csv      step, group, lhs, op, rhs, est (parameterEstimates)
# and for sim the partial scalar model with q8's intercept free (group.partial = "q8 ~ 1").
suppressPackageStartupMessages({library(lavaan); library(semTools)})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE)))
steps <- list(configural = "configural", thresholds = "thresholds",
              metric = c("thresholds", "loadings"),
              scalar = c("thresholds", "loadings", "intercepts"))
measures <- c("npar", "chisq", "df", "chisq.scaled", "pvalue.scaled", "cfi.scaled",
              "tli.scaled", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "srmr", "baseline.chisq", "baseline.chisq.scaled")
run <- function(tag, d, model, items, group, partial = NULL) {
  fits <- list(); fit_rows <- list(); par_rows <- list()
  all_steps <- steps
  if (!is.null(partial)) all_steps[["scalar (partial)"]] <- steps$scalar
  for (s in names(all_steps)) {
    syntax <- measEq.syntax(model, data = d, ordered = items, parameterization = "delta",
                            ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = group,
                            group.equal = all_steps[[s]],
                            group.partial = if (s == "scalar (partial)") partial else NULL)
    f <- cfa(as.character(syntax), data = d, ordered = items, group = group,
             parameterization = "delta", estimator = "WLSMV")
    fits[[s]] <- f
    fm <- fitMeasures(f, measures)
    fit_rows[[s]] <- data.frame(step = s, measure = names(fm), value = sprintf("%.10f", fm))
    pe <- parameterEstimates(f)
    pe <- pe[pe$op %in% c("=~", "|", "~1", "~*~", "~~"), ]
    par_rows[[s]] <- data.frame(step = s, group = pe$group, lhs = pe$lhs, op = pe$op,
                                rhs = pe$rhs, est = sprintf("%.10f", pe$est))
  }
  lrt <- list()
  pairs <- list(c("configural", "thresholds"), c("thresholds", "metric"), c("metric", "scalar"))
  if (!is.null(partial)) pairs[[4]] <- c("metric", "scalar (partial)")
  for (pr in pairs) {
    t <- lavTestLRT(fits[[pr[1]]], fits[[pr[2]]])
    lrt[[pr[2]]] <- data.frame(step = pr[2], chisq_diff = sprintf("%.10f", t[2, "Chisq diff"]),
                               df_diff = t[2, "Df diff"], p = sprintf("%.10g", t[2, "Pr(>Chisq)"]))
  }
  write.csv(do.call(rbind, fit_rows), file.path(out, paste0("ordinal_invariance_", tag, "_fit.csv")),
            row.names = FALSE)
  write.csv(do.call(rbind, lrt), file.path(out, paste0("ordinal_invariance_", tag, "_lrt.csv")),
            row.names = FALSE)
  write.csv(do.call(rbind, par_rows), file.path(out, paste0("ordinal_invariance_", tag, "_par.csv")),
            row.names = FALSE)
}
sim <- read.csv(file.path(out, "invariance_data.csv"))
run("sim", sim, "first =~ q1 + q2 + q3\nsecond =~ q4 + q5 + q6\nthird =~ q7 + q8 + q9",
    paste0("q", 1:9), "site", partial = "q8 ~ 1")
bfi <- read.csv(file.path(here, "..", "bfi", "data.csv"))
items <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi <- bfi[complete.cases(bfi[, c(items, "gender")]), c(items, "gender")]
bfi$gender <- ifelse(bfi$gender == 1, "male", "female")
run("bfi", bfi, "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5", items,
    "gender")
writeLines(c(R.version.string, paste("lavaan", packageVersion("lavaan")),
             paste("semTools", packageVersion("semTools"))),
           file.path(out, "ordinal_invariance_versions.txt"))

# The same real set by maximum likelihood (lavaan cfa(..., group = "gender", std.lv = TRUE,
# group.equal = ), the groups in the toolkit's sorted order: female first):
#   invariance_bfi_ml_fit.csv, invariance_bfi_ml_lrt.csv, invariance_bfi_ml_par.csv
ml_steps <- list(configural = character(0), metric = "loadings",
                 scalar = c("loadings", "intercepts"),
                 strict = c("loadings", "intercepts", "residuals"))
ml_measures <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                 "rmsea.ci.upper", "srmr")
model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
fits <- list(); fit_rows <- list(); par_rows <- list()
for (s in names(ml_steps)) {
  fits[[s]] <- if (length(ml_steps[[s]])) {
    cfa(model, data = bfi, group = "gender", group.label = c("female", "male"), std.lv = TRUE,
        group.equal = ml_steps[[s]])
  } else {
    cfa(model, data = bfi, group = "gender", group.label = c("female", "male"), std.lv = TRUE)
  }
  fm <- fitMeasures(fits[[s]], ml_measures)
  fit_rows[[s]] <- data.frame(step = s, measure = names(fm), value = sprintf("%.10f", fm))
  pe <- parameterEstimates(fits[[s]])
  par_rows[[s]] <- data.frame(step = s, group = pe$group, lhs = pe$lhs, op = pe$op,
                              rhs = pe$rhs, est = sprintf("%.10f", pe$est))
}
lrt <- list()
for (k in 2:length(ml_steps)) {
  a <- lavTestLRT(fits[[k - 1]], fits[[k]])
  lrt[[k]] <- data.frame(step = names(ml_steps)[k], chisq_diff = sprintf("%.10f", a[2, "Chisq diff"]),
                         df_diff = a[2, "Df diff"], p = sprintf("%.10g", a[2, "Pr(>Chisq)"]))
}
write.csv(do.call(rbind, fit_rows), file.path(out, "invariance_bfi_ml_fit.csv"), row.names = FALSE)
write.csv(do.call(rbind, lrt), file.path(out, "invariance_bfi_ml_lrt.csv"), row.names = FALSE)
write.csv(do.call(rbind, par_rows), file.path(out, "invariance_bfi_ml_par.csv"), row.names = FALSE)

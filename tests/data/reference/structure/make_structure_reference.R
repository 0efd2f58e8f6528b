# Reference values for assessments.stats.structure, from R psych and lavaan.
# Usage (from the repository root):
#   Rscript tests/data/reference/structure/make_structure_reference.R
# Input: tests/data/reference/bfi/data.csv (psych's bfi, 2,800 people, 25 items on 1-6).
# Writes the CSV files beside this script. The tests read them; they do not need R.
suppressPackageStartupMessages({library(psych); library(lavaan); library(GPArotation)})
here <- "tests/data/reference/structure"
d <- read.csv("tests/data/reference/bfi/data.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- d[, items]
wr <- function(df, name) write.csv(df, file.path(here, name), row.names = FALSE)

# Parallel analysis: Pearson, pairwise correlations, minres (psych defaults).
set.seed(20261201)
pa <- fa.parallel(x, fm = "minres", fa = "both", n.iter = 20, plot = FALSE)
wr(data.frame(number = seq_along(pa$fa.values), fa_values = pa$fa.values, pc_values = pa$pc.values),
   "parallel_eigen.csv")
wr(data.frame(nfact = pa$nfact, ncomp = pa$ncomp), "parallel_suggested.csv")

# Exploratory factor analysis, five factors, on pairwise Pearson correlations.
for (fm in c("minres", "ml")) for (rot in c("oblimin", "varimax")) {
  f <- fa(x, nfactors = 5, fm = fm, rotate = rot, warnings = FALSE)
  L <- unclass(f$loadings)
  out <- data.frame(item = rownames(L), L, h2 = f$communality, check.names = FALSE)
  names(out) <- c("item", paste0("F", 1:5), "h2")
  wr(out, sprintf("efa_%s_%s.csv", fm, rot))
  phi <- if (is.null(f$Phi)) diag(5) else f$Phi
  wr(as.data.frame(unclass(phi)), sprintf("efa_%s_%s_phi.csv", fm, rot))
}

# Confirmatory factor analysis of the five bfi scales (listwise, lavaan defaults).
model <- '
agreeableness =~ A1 + A2 + A3 + A4 + A5
conscientiousness =~ C1 + C2 + C3 + C4 + C5
extraversion =~ E1 + E2 + E3 + E4 + E5
neuroticism =~ N1 + N2 + N3 + N4 + N5
openness =~ O1 + O2 + O3 + O4 + O5
'
measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df")
save_cfa <- function(fit, tag) {
  fm <- fitMeasures(fit, measures)
  wr(data.frame(measure = names(fm), value = as.numeric(fm)), sprintf("cfa_%s_fit.csv", tag))
  s <- standardizedSolution(fit)
  ld <- s[s$op == "=~", c("lhs", "rhs", "est.std")]
  names(ld) <- c("domain", "item", "std_loading")
  wr(ld, sprintf("cfa_%s_loadings.csv", tag))
  ph <- s[s$op == "~~" & s$lhs != s$rhs & s$lhs %in% ld$domain, c("lhs", "rhs", "est.std")]
  names(ph) <- c("domain1", "domain2", "r")
  wr(ph, sprintf("cfa_%s_phi.csv", tag))
  rs <- lavResiduals(fit, type = "cor")$cov
  wr(data.frame(item = rownames(rs), as.data.frame(unclass(rs))), sprintf("cfa_%s_residual_cor.csv", tag))
}
fit_ml <- cfa(model, data = x, std.lv = TRUE, estimator = "ML")
save_cfa(fit_ml, "ml")
save_cfa(cfa(model, data = x, std.lv = TRUE, estimator = "ML", missing = "pairwise"), "ml_pairwise")

# Ordinal: polychoric correlations and DWLS (lavaan's ordered = TRUE, estimator = "DWLS").
fit_dwls <- cfa(model, data = x, std.lv = TRUE, ordered = items, estimator = "DWLS")
save_cfa(fit_dwls, "dwls")
save_cfa(cfa(model, data = x, std.lv = TRUE, ordered = items, estimator = "DWLS",
             missing = "pairwise"), "dwls_pairwise")
pc <- lavInspect(fit_dwls, "sampstat")$cov
wr(data.frame(item = rownames(pc), as.data.frame(unclass(pc))), "polychoric.csv")

# A small 3-factor instrument on a 1-4 scale with one weak item (ordinal, a few sparse cells).
set.seed(7)
n <- 400
f <- MASS::mvrnorm(n, rep(0, 3), matrix(c(1, .4, .3, .4, 1, .5, .3, .5, 1), 3))
lam <- c(.7, .6, .65, .3, .7, .75, .6, .55, .6, .7)
fac <- c(1, 1, 1, 1, 2, 2, 2, 3, 3, 3)
y <- sapply(1:10, function(j) {
  z <- lam[j] * f[, fac[j]] + sqrt(1 - lam[j]^2) * rnorm(n)
  as.integer(cut(z, c(-Inf, -1.2, 0, 0.9, Inf)))
})
colnames(y) <- paste0("q", 1:10)
small <- as.data.frame(y)
small$q2[c(3, 50, 77)] <- NA
write.csv(small, file.path(here, "small_data.csv"), row.names = FALSE, na = "")
model_small <- '
first =~ q1 + q2 + q3 + q4
second =~ q5 + q6 + q7
third =~ q8 + q9 + q10
'
save_cfa(cfa(model_small, data = small, std.lv = TRUE), "small_ml")
save_cfa(cfa(model_small, data = small, std.lv = TRUE, ordered = colnames(y), estimator = "DWLS"),
         "small_dwls")

writeLines(c(R.version.string, paste("psych", packageVersion("psych")),
             paste("lavaan", packageVersion("lavaan")),
             paste("GPArotation", packageVersion("GPArotation"))), file.path(here, "versions.txt"))

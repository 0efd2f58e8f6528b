# Reference values for tests/test_stats_against_r.py (issue 13). Run from this folder:
#   Rscript make_stats_reference.R
# Writes the data it generates next to the figures R computed from them, so the tests need no R.
# Versions used are written to versions.txt.
suppressPackageStartupMessages({
  library(psych); library(multilevel); library(effectsize)
})
set.seed(20261201)
out <- function(x, f) write.csv(x, f, row.names = FALSE)

# --- omega total (psych::omega, one factor) on random correlation matrices of 2-8 items --------
mats <- list(); om <- list(); lds <- list()
for (id in 1:300) {
  k <- sample(2:8, 1)
  n <- sample(c(30, 60, 200), 1)
  lam <- runif(k, -0.2, 0.95)
  f <- rnorm(n)
  x <- sapply(1:k, function(i) lam[i] * f + sqrt(max(1 - lam[i]^2, 0.05)) * rnorm(n))
  r <- cor(x)
  o <- suppressWarnings(suppressMessages(omega(r, nfactors = 1, plot = FALSE)))
  mats[[id]] <- data.frame(matrix = id, i = rep(1:k, k), j = rep(1:k, each = k), r = as.vector(r))
  om[[id]] <- data.frame(matrix = id, k = k, omega_total = o$omega.tot)
  lds[[id]] <- data.frame(matrix = id, i = 1:k, loading = as.vector(o$schmid$sl[, 1]))
}
# the cases named in the issue: a 2-item domain and a Heywood case
fixed <- list(matrix(c(1, .3, .3, 1), 2), matrix(c(1, .6, .5, .6, 1, .2, .5, .2, 1), 3))
for (x in seq_along(fixed)) {
  r <- fixed[[x]]; id <- 300 + x; k <- nrow(r)
  o <- suppressWarnings(suppressMessages(omega(r, nfactors = 1, plot = FALSE)))
  mats[[id]] <- data.frame(matrix = id, i = rep(1:k, k), j = rep(1:k, each = k), r = as.vector(r))
  om[[id]] <- data.frame(matrix = id, k = k, omega_total = o$omega.tot)
  lds[[id]] <- data.frame(matrix = id, i = 1:k, loading = as.vector(o$schmid$sl[, 1]))
}
out(do.call(rbind, mats), "omega_matrices.csv")
out(do.call(rbind, lds), "omega_loadings.csv")
out(do.call(rbind, om), "omega.csv")

# --- paired Wilcoxon signed-rank (wilcox.test paired=TRUE, default correct=TRUE, exact=NULL) ---
pairs <- list(); wil <- list()
cases <- list(
  list(b = c(3, 4, 2, 5, 3, 4, 2, 3), a = c(3.5, 4.6, 2.2, 4.1, 3.9, 4.8, 2.7, 3.3)),  # exact
  list(b = c(3, 4, 2, 5, 3, 4, 2, 3, 4, 4), a = c(4, 4, 3, 5, 4, 5, 3, 4, 4, 3)),   # ties, zeros
  list(b = round(rnorm(80, 3, 1), 2), a = round(rnorm(80, 3.3, 1), 2)),          # n >= 50
  list(b = c(1.1, 2.3, 3.2, 4.8, 2.2, 3.9), a = c(1.0, 2.0, 3.0, 4.0, 2.0, 3.0)),  # all negative
  list(b = round(runif(30, 1, 5)), a = round(runif(30, 1, 5)))                  # many ties
)
for (x in seq_along(cases)) {
  b <- cases[[x]]$b; a <- cases[[x]]$a
  w <- suppressWarnings(wilcox.test(a, b, paired = TRUE))
  pairs[[x]] <- data.frame(case = x, before = b, after = a)
  wil[[x]] <- data.frame(case = x, v = unname(w$statistic), p_value = w$p.value)
}
out(do.call(rbind, pairs), "wilcoxon_data.csv")
out(do.call(rbind, wil), "wilcoxon.csv")

# --- Welch t-test when one group has zero variance ---------------------------------------------
g1 <- c(3, 3, 3, 3, 3, 3); g2 <- c(2.5, 3.5, 4, 4.5, 3, 4, 5)
t <- t.test(g2, g1, var.equal = FALSE)
out(data.frame(group = c(rep("a", length(g1)), rep("b", length(g2))), y = c(g1, g2)),
    "welch_zero_variance_data.csv")
out(data.frame(t = unname(t$statistic), df = unname(t$parameter), p_value = t$p.value),
    "welch_zero_variance.csv")

# --- effect sizes with intervals: effectsize (two-sided 95% intervals) --------------------------
es_data <- list(); es <- list()
for (x in 1:6) {
  k <- sample(2:6, 1); sizes <- sample(8:60, k, replace = TRUE)
  grp <- factor(rep(seq_len(k), sizes)); mu <- rnorm(k, 0, runif(1, 0.05, 0.6))
  y <- round(mu[as.integer(grp)] + rnorm(sum(sizes)), 3)
  fit <- aov(y ~ grp)
  e2 <- eta_squared(fit, partial = FALSE, ci = .95, alternative = "two.sided")
  o2 <- omega_squared(fit, partial = FALSE, ci = .95, alternative = "two.sided")
  p2 <- epsilon_squared(fit, partial = FALSE, ci = .95, alternative = "two.sided")
  row <- data.frame(case = x,
    eta_squared = e2[[2]], eta_squared_ci_low = e2$CI_low, eta_squared_ci_high = e2$CI_high,
    omega_squared = o2[[2]], omega_squared_ci_low = o2$CI_low, omega_squared_ci_high = o2$CI_high,
    epsilon_squared = p2[[2]], epsilon_squared_ci_low = p2$CI_low,
    epsilon_squared_ci_high = p2$CI_high)
  ya <- y[grp == 1]; yb <- y[grp == 2]
  g <- hedges_g(yb, ya, ci = .95, alternative = "two.sided")
  row$hedges_g <- g$Hedges_g; row$hedges_g_ci_low <- g$CI_low; row$hedges_g_ci_high <- g$CI_high
  es_data[[x]] <- data.frame(case = x, group = as.integer(grp), y = y)
  es[[x]] <- row
}
out(do.call(rbind, es_data), "effect_sizes_data.csv")
out(do.call(rbind, es), "effect_sizes.csv")

# --- ICC(1), ICC(2) (multilevel) and psych::ICC's F-based ICC1 interval on balanced groups -----
icc_data <- list(); icc <- list()
for (x in 1:4) {
  k <- c(6, 12, 25, 8)[x]; nj <- c(5, 8, 10, 1)[x]
  balanced <- x <= 3
  sizes <- if (balanced) rep(nj, k) else c(1, 1, 2, 5, 9, 14, 20, 30)
  grp <- rep(seq_len(k), sizes)
  y <- round(rnorm(k, 0, 0.4)[grp] + rnorm(sum(sizes)), 3)
  fit <- aov(y ~ factor(grp))
  row <- data.frame(case = x, icc1 = ICC1(fit), icc2 = ICC2(fit),
                    f = summary(fit)[[1]][1, "F value"], p_value = summary(fit)[[1]][1, "Pr(>F)"])
  if (balanced) {
    wide <- matrix(y, nrow = k, byrow = TRUE)  # targets (groups) in rows, members in columns
    s <- ICC(wide, lmer = FALSE)$results
    row$icc1_ci_low <- s$`lower bound`[1]; row$icc1_ci_high <- s$`upper bound`[1]
    row$icc2_ci_low <- s$`lower bound`[4]; row$icc2_ci_high <- s$`upper bound`[4]
  } else {
    row$icc1_ci_low <- NA; row$icc1_ci_high <- NA; row$icc2_ci_low <- NA; row$icc2_ci_high <- NA
  }
  icc_data[[x]] <- data.frame(case = x, group = grp, y = y)
  icc[[x]] <- row
}
out(do.call(rbind, icc_data), "icc_data.csv")
out(do.call(rbind, icc), "icc.csv")

# --- rwg(j) and r*wg(j) on a 0-6 domain (A = 7 options, uniform null 4) -----------------------
n <- 40; site <- rep(c("a", "b", "c", "d"), each = 10)
items <- sapply(1:4, function(i) pmin(6, pmax(0, round(rnorm(n, 3 + (site == "b") - (site == "d"), 1.4 + (site == "c"))))))
colnames(items) <- paste0("q", 1:4)
r1 <- rwg.j(items, site, ranvar = (7^2 - 1) / 12)
r2 <- rwg.j.lindell(items, site, ranvar = (7^2 - 1) / 12)
out(data.frame(site = site, items), "rwg_options_data.csv")
out(data.frame(site = r1$grpid, rwg_j = r1$rwg.j, rwg_j_star = r2$rwg.lindell, n = r1$gsize),
    "rwg_options.csv")

# --- omega hierarchical (psych::omega with nfactors = the number of facets) --------------------
oh_m <- list(); oh <- list()
specs <- list(c(4, 4), c(3, 3, 3), c(5, 4, 6), c(3, 4, 3, 4), c(4, 4, 4, 4, 4), c(6, 6))
for (x in seq_along(specs)) {
  sizes <- specs[[x]]; f <- length(sizes); n <- 400
  g <- rnorm(n); facets <- sapply(1:f, function(i) rnorm(n))
  items <- do.call(cbind, lapply(1:f, function(i) sapply(1:sizes[i], function(j) {
    lg <- runif(1, 0.35, 0.7); ls <- runif(1, 0.3, 0.6)
    lg * g + ls * facets[, i] + sqrt(max(1 - lg^2 - ls^2, 0.1)) * rnorm(n)
  })))
  r <- cor(items); k <- ncol(r)
  o <- suppressWarnings(suppressMessages(omega(r, nfactors = f, plot = FALSE)))
  oh_m[[x]] <- data.frame(case = x, i = rep(1:k, k), j = rep(1:k, each = k), r = as.vector(r))
  oh[[x]] <- data.frame(case = x, n_factors = f, omega_h = o$omega_h, omega_total = o$omega.tot)
}
# the bfi data: 25 items, five factors (psych flips reverse-keyed items itself)
bfi <- read.csv("../bfi/data.csv")
r <- cor(bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
                 paste0("O", 1:5))], use = "pairwise")
o <- suppressWarnings(suppressMessages(omega(r, nfactors = 5, plot = FALSE)))
k <- ncol(r); x <- length(specs) + 1
oh_m[[x]] <- data.frame(case = x, i = rep(1:k, k), j = rep(1:k, each = k), r = as.vector(r))
oh[[x]] <- data.frame(case = x, n_factors = 5, omega_h = o$omega_h, omega_total = o$omega.tot)
out(do.call(rbind, oh_m), "omega_h_matrices.csv")
out(do.call(rbind, oh), "omega_h.csv")

writeLines(c(R.version.string,
             paste("psych", packageVersion("psych")),
             paste("multilevel", packageVersion("multilevel")),
             paste("effectsize", packageVersion("effectsize")),
             paste("GPArotation", packageVersion("GPArotation"))), "versions.txt")

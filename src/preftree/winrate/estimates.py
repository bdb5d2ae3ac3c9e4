"""Win rates against a baseline: raw, discrete and length-controlled (AlpacaEval's GLM).

Preferences are soft, in [0, 1]: the probability that the model's output beats the baseline's
(AlpacaEval's ``preference`` in [1, 2] minus 1; a tie is 0.5). They are used as such, never rounded:
the logistic fits weigh each annotation's two outcomes by the preference.

Length control follows AlpacaEval 2's GLM: for a model m against the baseline on instruction i,

    logit P(m beats baseline) = θ_m + φ · tanh(Δlen_i / σ) − δ_i

with Δlen the length difference (model − baseline, characters), σ its standard deviation over all
annotations and δ_i the instruction's difficulty, fitted on all models at once (AlpacaEval fits
each model apart, with its own φ_m and a weight on δ; a shared φ keeps the length effect
identifiable for a model that is always longer than the baseline). The LC win rate is the mean over
instructions of the predicted preference with the length term set to zero. AlpacaEval reads δ
from a file precomputed on its 805 instructions; here δ is **estimated jointly from all the models
given** (logit P = θ_m + δ_i, L2-regularised) unless a file provides it, so LC runs on any dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit

from ..errors import ConfigError, EstimationError
from .identification import identify

PRIOR_PRECISION = 1 / 5 ** 2
"""A weak Gaussian prior (sd 5 on the logit scale) on the model and length terms: AlpacaEval's
GLM is penalised too. It keeps every estimate finite when the verdicts are separated; which
estimates then come from the prior rather than the data is found and said (identification.py)."""

MAX_SE = 100 / (2 * 1.96)
"""A win rate's standard error (points) above which its 95 % interval spans every win rate."""

MAX_POOLING = 1e6
"""Above this the per-model length terms are the shared one to many digits, and the fit grows
ill-conditioned."""


__all__ = ["LengthControlledFit", "ModelWinRate", "difficulty_vector", "fit_length_controlled",
           "lc_win_rate", "raw_win_rate", "soft_logistic"]


@dataclass(frozen=True)
class ModelWinRate:
    """One model's win rates against the baseline (percent), each with its standard error."""

    model: str
    n: int
    win_rate: float
    win_rate_se: float | None
    discrete_win_rate: float
    lc_win_rate: float | None = None
    lc_se: float | None = None
    length_coefficient: float | None = None
    note: str | None = None  # why a figure is left empty


def raw_win_rate(preference: np.ndarray) -> tuple[float, float, float]:
    """AlpacaEval's win rate (mean soft preference, ties half), its standard error, and the
    discrete win rate (each annotation rounded to win / tie / loss), all in percent. The SE is
    NaN where the data cannot give one: one comparison, or every preference the same (an SE of 0
    would claim certainty that n equal verdicts do not carry)."""
    p = np.asarray(preference, dtype=float)
    n = len(p)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    se = float(p.std(ddof=1) / np.sqrt(n)) if n > 1 and np.ptp(p) > 0 else float("nan")
    discrete = np.where(p > 0.5, 1.0, np.where(p < 0.5, 0.0, 0.5))
    return 100 * float(p.mean()), 100 * se, 100 * float(discrete.mean())


def soft_logistic(design: np.ndarray | sparse.spmatrix, target: np.ndarray, weight: np.ndarray,
              penalty: np.ndarray, *, offset: np.ndarray | None = None) -> np.ndarray:
    """Weighted logistic regression with soft targets and a per-coefficient L2 penalty (dense
    or sparse design); the coefficients."""
    shift = 0.0 if offset is None else offset

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ beta + shift
        value = float(np.sum(weight * (np.logaddexp(0.0, z) - target * z)) + 0.5 * np.sum(penalty * beta ** 2))
        gradient = design.T @ (weight * (expit(z) - target)) + penalty * beta
        return value, np.asarray(gradient).ravel()

    result = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B",
                      options={"maxiter": 10_000})
    beta = np.asarray(result.x)
    _, gradient = loss(beta)
    scale = float(np.sum(weight)) or 1.0
    if not np.all(np.isfinite(beta)) or np.max(np.abs(gradient), initial=0.0) > 1e-3 * scale:
        raise EstimationError(f"the logistic fit did not converge ({result.message}; largest gradient "
                              f"{np.max(np.abs(gradient), initial=0.0):.3g}); check the inputs and --pooling")
    return beta


def _curvature(design: np.ndarray | sparse.spmatrix, beta: np.ndarray, weight: np.ndarray,
               offset: np.ndarray | None = None) -> np.ndarray:
    """Each row's weight in the Hessian: w · p · (1 − p) at ``beta``."""
    probability = expit(design @ beta + (0.0 if offset is None else offset))
    return weight * probability * (1 - probability)


@dataclass(frozen=True)
class LengthControlledFit:
    """The joint GLM: model terms θ (with SEs), the length coefficient φ (shared, or per model
    when pooled), instruction difficulties δ."""

    models: list[str]
    theta: np.ndarray
    theta_se: np.ndarray
    length_coefficient: float
    difficulties: dict[str, float]
    spread: float
    model_length_coefficients: dict[str, float] = field(default_factory=dict)
    unidentified: dict[str, str] = field(default_factory=dict)  # model → why θ is the prior's
    length_unidentified: str | None = None  # why φ is the prior's, when it is
    one_sided: list[str] = field(default_factory=list)  # models always longer (or always shorter)


def fit_length_controlled(models: np.ndarray, instructions: np.ndarray, length_difference: np.ndarray,
                          preference: np.ndarray, *, l2: float = 1.0, pooling: float | None = None,
                          difficulties: Mapping[str, float] | None = None,
                          length: tuple[float, float] | None = None) -> LengthControlledFit:
    """logit P(m beats baseline on i) = θ_m + φ · tanh(Δlen / σ) − δ_i, fitted on all models at
    once: δ_i (L2-regularised toward 0 with weight ``l2``) are estimated from every model that
    answered i, or read from ``difficulties``; φ is shared, so a model that is always longer than
    the baseline still has its length effect told apart from its quality by the others' variation.
    With ``pooling`` = λ each model gets its own φ_m = φ + u_m, u_m penalised by λ (partial
    pooling: λ → ∞ is the shared φ, λ → 0 AlpacaEval's separate φ_m). ``length`` = (φ, σ) fixes
    the length term from a reference run over many models (AlpacaEval's precomputed GLM), so
    one new model gets only its θ fitted."""
    if pooling is not None and not 0 < pooling <= MAX_POOLING:
        raise ConfigError(f"pooling must be in (0, {MAX_POOLING:g}], got {pooling!r}")
    if pooling is not None and length is not None:
        raise ConfigError("a fixed length coefficient (a reference run) takes no pooling")
    model_names, model_index = np.unique(np.asarray(models, str), return_inverse=True)
    length_difference = np.asarray(length_difference, float)
    spread = float(length[1]) if length is not None else float(np.std(length_difference)) or 1.0
    n, k = len(preference), len(model_names)
    rows = np.arange(n)
    squashed = np.tanh(length_difference / spread)
    blocks = [sparse.csr_matrix((np.ones(n), (rows, model_index)), shape=(n, k))]
    penalty = [np.full(k, PRIOR_PRECISION)]
    offset = np.zeros(n) if length is None else float(length[0]) * squashed
    if length is None:
        blocks.append(sparse.csr_matrix(squashed[:, None]))
        penalty.append(np.array([PRIOR_PRECISION]))
    if pooling is not None:
        blocks.append(sparse.csr_matrix((squashed, (rows, model_index)), shape=(n, k)))
        penalty.append(np.full(k, float(pooling)))
    fixed = sum(block.shape[1] for block in blocks)
    instruction_names: np.ndarray = np.array([])
    if difficulties is None:
        instruction_names, instruction_index = np.unique(np.asarray(instructions, str), return_inverse=True)
        blocks.append(sparse.csr_matrix((-np.ones(n), (rows, instruction_index)),
                                        shape=(n, len(instruction_names))))
        penalty.append(np.full(len(instruction_names), l2))
    else:
        offset = offset - difficulty_vector(instructions, difficulties)
    design = sparse.hstack(blocks).tocsr()
    penalties = np.concatenate(penalty)
    weight = np.ones(n)
    beta = soft_logistic(design, np.asarray(preference, float), weight, penalties, offset=offset)
    theta_cov = _fixed_block_covariance(design, beta, weight, penalties, fixed, offset)
    found = dict(difficulties) if difficulties is not None else \
        dict(zip(map(str, instruction_names), beta[fixed:].tolist()))
    phi = float(length[0]) if length is not None else float(beta[k])
    per_model = {} if pooling is None else \
        {str(m): float(beta[k] + beta[k + 1 + j]) for j, m in enumerate(model_names)}
    terms = k + (1 if length is None else 0)  # θ and the shared φ; δ and pooled u have real priors
    found_identification = identify(design[:, :terms], np.asarray(preference, float))
    unidentified = {str(m): found_identification.reason(j) for j, m in enumerate(model_names)
                    if found_identification.unidentified[j]}
    length_unidentified = found_identification.reason(k) \
        if length is None and found_identification.unidentified[k] else None
    one_sided = [str(m) for j, m in enumerate(model_names)
                 if np.all(length_difference[model_index == j] > 0) or np.all(length_difference[model_index == j] < 0)]
    return LengthControlledFit([str(m) for m in model_names], beta[:k],
                               np.sqrt(np.clip(np.diag(theta_cov)[:k], 0, None)), phi, found,
                               spread, per_model, unidentified, length_unidentified, one_sided)


def _fixed_block_covariance(design: sparse.csr_matrix, beta: np.ndarray, weight: np.ndarray,
                            penalty: np.ndarray, fixed: int, offset: np.ndarray) -> np.ndarray:
    """The covariance of the first ``fixed`` coefficients: the Schur complement of the
    instruction block, which is diagonal (one instruction per row), so thousands of
    instructions cost no dense inverse."""
    curvature = _curvature(design, beta, weight, offset)
    weighted = sparse.diags(curvature) @ design
    hessian_fixed = (design[:, :fixed].T @ weighted[:, :fixed]).toarray() + np.diag(penalty[:fixed])
    if design.shape[1] == fixed:
        return np.linalg.pinv(hessian_fixed)
    cross = (design[:, :fixed].T @ weighted[:, fixed:]).toarray()
    diagonal = np.asarray(weighted[:, fixed:].multiply(design[:, fixed:]).sum(axis=0)).ravel() + penalty[fixed:]
    return np.linalg.pinv(hessian_fixed - (cross / diagonal) @ cross.T)


def lc_win_rate(fit: LengthControlledFit, model: str, instructions: np.ndarray) -> tuple[float, float]:
    """The LC win rate (percent) of ``model`` over its instructions, the length term at zero, and
    its standard error (delta method on θ_m)."""
    m = fit.models.index(model)
    predicted = expit(fit.theta[m] - difficulty_vector(instructions, fit.difficulties))
    slope = float(np.mean(predicted * (1 - predicted)))
    return 100 * float(predicted.mean()), 100 * slope * float(fit.theta_se[m])


def difficulty_vector(instructions: np.ndarray, difficulties: Mapping[str, float]) -> np.ndarray:
    """δ for each annotation's instruction (0, the mean, for one the fit never saw)."""
    return np.array([difficulties.get(str(i), 0.0) for i in instructions], dtype=float)

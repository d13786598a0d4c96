"""How unsure each fill is: the predictive distribution behind draws and intervals.

A fill is a best guess; multiple imputation needs the distribution it is the centre of. For a
numeric gap that distribution is built from what the fitted model already has:

- its **spread given the row**: the normal distribution of ``GaussianHint`` gives each gap a
  conditional standard deviation given the numeric cells its row shows (``gap_scores``), so a
  gap next to a near copy of itself gets a narrow distribution and a row with many gaps a wide
  one; and the network's errors on the row's nearest kept rows say whether it does worse than
  usual near this row (``centre_and_spread``).
- its **shape and scale per column**, from the held-out cells (observed cells the network never
  saw, filled exactly as real gaps are): each one's error divided by that spread is one sample
  of the column's *standardised error*; ``PredictiveSpread`` keeps its quantiles (drawn
  towards those of all columns with gaps together where a column has few cells, and those
  towards the normal distribution's own spread, narrowed where the network errs less than the
  normal's means, where the table has few), centred, so the draws' mean is the fill.
  Held-out cells are picked at random among the observed ones, but gaps often are not
  (missing at random: where the row shows something); each held-out cell counts in proportion
  to the odds that a cell of its column is a gap in a row like its own (``gap_odds``), so that
  the quantiles describe the gaps' errors (weighted calibration under covariate shift). They
  carry what a normal would not (heavy tails, skew, a network that fills much better than a
  linear model).
- the **joint draw of a row's gaps**: correlated as the normal says, through a Gaussian copula
  on the standardised errors.
- **how unsure the fit itself is**: each draw refits the normal to rows simulated from it (a
  parametric bootstrap, ``resampled``) and moves the fills by their share of the change in the
  conditional mean, the same for every row of the draw, so that an analysis pooled over draws
  sees that the imputation model was estimated.

So a draw of a numeric gap is its fill, moved by its draw's normal, plus
``spread x Q_j(Φ(score))``, with ``score`` the gap's correlated standard normal, ``Φ`` its
distribution function and ``Q_j`` the column's quantile function of standardised errors.
Categorical gaps are drawn from the network's category scores given the row and its numeric
draws, each column's temperature fitted on its held-out cells so that the probabilities are
neither over- nor under-confident.

Shapes: N rows, F columns, C categorical columns, K categories over all of them, L quantile
levels, D draws.
"""

import math

import torch
from torch.nn import functional as F

from ..core import AdamW, rows_for_width
from ._hints import _StoredArrays, blend, row_batches
from ._normal import conditional, gap_scores, precision_of, resampled

QUANTILE_LEVELS = 201  # stored quantiles per column: every half percent
SHRINK_CELLS = 200  # held-out cells at which a column's own quantiles weigh as much as all's
LOCAL_RANGE = 10.0  # how many times its typical error a column's error near a row may be, at most
ODDS_ROWS = 4096  # training rows the gaps' logistic regressions are fitted to
ODDS_STEPS = 200  # AdamW steps of those regressions
ODDS_LEARNING_RATE = 0.05
ODDS_RIDGE = 1e-2  # per standardised feature: keeps the odds near 1 where nothing explains gaps
ODDS_RANGE = 20.0  # a held-out cell counts at most this many times its column's mean, at least 1/20
TEMPERATURES = torch.logspace(math.log10(0.25), math.log10(4.0), 49)  # tried per categorical column


def _levels(device):
    return torch.linspace(0.0, 1.0, QUANTILE_LEVELS, device=device)


def weighted_quantile(values, weights, levels):
    """Quantiles of ``values`` (n,) at ``levels`` (L,), each value counted with its ``weights``
    (n,): linear between the midpoints of the sorted values' cumulative weights, as
    ``torch.quantile`` is between order statistics when all weights are equal (and held at the
    smallest and largest value beyond them)."""
    order = values.argsort()
    sorted_values, sorted_weights = values[order], weights[order]
    cumulative = sorted_weights.cumsum(0)
    position = (cumulative - sorted_weights / 2) / cumulative[-1]  # (n,) in (0, 1)
    index = torch.searchsorted(position, levels).clamp(1, len(values) - 1)  # (L,)
    low, high = position[index - 1], position[index]
    share = ((levels - low) / (high - low).clamp(min=1e-12)).clamp(0, 1)
    return sorted_values[index - 1] + share * (sorted_values[index] - sorted_values[index - 1])


def gap_odds(values, observed, numeric, rows):
    """How much more likely than usual each numeric cell of ``rows`` (R,) is to be a real gap,
    given the row's other cells: the odds (R, F) of a logistic regression of each numeric
    column's missingness on the other numeric columns' values (0 where missing) and on which of
    all columns are observed, fitted to up to ``ODDS_ROWS`` training rows (fewer beyond 64
    columns, ``rows_for_width``), divided by their mean over the ``rows``; 1 for a column with
    no gap or no observed cell. Held-out cells weighted by it stand for the gaps as they are,
    not as observed cells are, when gaps depend on what a row shows (missing at random)."""
    n, f = values.shape
    kept = min(n, rows_for_width(ODDS_ROWS, f))
    fitted = torch.linspace(0, n - 1, kept, device=values.device).long()
    x_all = torch.cat([values * (observed & numeric), observed.to(values.dtype)], 1)  # (N, 2F)
    x = x_all[fitted]
    centre, scale = x.mean(0), x.std(0).clamp(min=1e-6)
    x = (x - centre) / scale  # (M, 2F)
    target = (~observed[fitted]).to(values.dtype)  # (M, F)
    rate = target.mean(0)  # (F,)
    usable = numeric & (rate > 0) & (rate < 1)  # (F,)
    odds = torch.ones(len(rows), f, device=values.device)
    if not usable.any():
        return odds
    own = torch.eye(f, dtype=torch.bool, device=values.device)
    keep = ~torch.cat([own, own], 1)  # (F, 2F): a column's own cells never explain it
    weight = torch.zeros(f, 2 * f, device=values.device, requires_grad=True)
    bias = torch.logit(rate.clamp(1e-3, 1 - 1e-3)).clone().requires_grad_(True)
    optimizer = AdamW([weight, bias], ODDS_LEARNING_RATE, decay=0.0)
    with torch.enable_grad():
        for _ in range(ODDS_STEPS):
            logits = x @ (weight * keep).T + bias  # (M, F)
            loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
            penalty = ODDS_RIDGE * (weight * keep).square().sum(1)  # (F,)
            optimizer.zero_grad()
            ((loss.mean(0) + penalty) * usable).sum().backward()
            optimizer.step()
    with torch.no_grad():
        query = (x_all[rows] - centre) / scale
        ratio = (query @ (weight * keep).T + bias).exp()  # (R, F) odds of a gap
        ratio = ratio / ratio.mean(0).clamp(min=1e-12)
        ratio = ratio.clamp(1 / ODDS_RANGE, ODDS_RANGE)
    return torch.where(usable, ratio, odds)


def _own_share(weights):
    """How much quantiles measured on cells of these ``weights`` count against what they are
    drawn towards: ``n / (n + SHRINK_CELLS)`` for the n cells the weights are worth."""
    worth = float(weights.sum() ** 2 / weights.square().sum())
    return worth / (worth + SHRINK_CELLS)


def _mean_of(quantiles):
    """The mean of the distribution whose quantile function is linear between ``quantiles``
    (L,) at evenly spaced levels: the trapezoid rule over the levels."""
    return (quantiles[1:] + quantiles[:-1]).mean() / 2


class PredictiveSpread(_StoredArrays):
    """Quantiles of each numeric column's standardised errors, and each categorical column's
    temperature, both fitted on held-out cells.

    Parameters
    ----------
    numeric : BoolTensor (F,)
        The numeric columns.
    """

    STATE = (
        "spread_quantiles",
        "category_temperature",
        "normal_rows",
    )  # names in model files

    def __init__(self, numeric):
        self.numeric = numeric
        f = len(numeric)
        # (F, L) until fitted: a standard normal's quantiles
        self.quantiles = self._standard_normal().repeat(f, 1)
        self.temperature = torch.ones(f, device=numeric.device)  # (F,) 1 for numeric columns
        # (1,) rows' worth of observed cells behind the normal distribution; 0: none
        self.normal_rows = torch.zeros(1, device=numeric.device)

    def _standard_normal(self):
        """A standard normal's quantiles (L,) at the stored levels (the outermost held inside)."""
        inner = _levels(self.numeric.device).clamp(0.5 / QUANTILE_LEVELS, 1 - 0.5 / QUANTILE_LEVELS)
        return torch.distributions.Normal(0.0, 1.0).icdf(inner)

    def fit(
        self,
        errors,
        std,
        cells,
        weights=None,
        normal_scale=None,
        gaps=None,
        advantage=None,
    ):
        """Set the quantiles from the errors (N, F) of the held-out ``cells`` (N, F) and their
        gaps' conditional spreads ``std`` (N, F; all 1 without a normal distribution), each cell
        counted with its ``weights`` (N, F; default 1).

        A few dozen cells say little about a column's tails, or even its scale, so each
        column's quantiles mix its own with those of all numeric columns' standardised errors
        together, its own weighted ``n / (n + SHRINK_CELLS)`` for the n cells its weights are
        worth; the mix is then centred, so that the draws' mean is the fill. Given ``gaps``
        (F,), each column's gaps in the training rows, a column counts in that pool in
        proportion to its gaps, so that the pool describes the gaps the draws fill (where gaps
        sit in a few columns, as under missing at random, the others say little about them).
        Given ``normal_scale`` (N, F), each cell's conditional spread under the fitted normal
        distribution in units of ``std``, the pool is itself drawn in the same way towards the
        quantiles of a normal with that spread (a standard normal's, scaled by the root mean
        square of ``normal_scale`` over the pooled cells): on a small table the normal's
        spread, fitted to every observed cell, says more than a few held-out cells; given
        ``advantage`` (at most 1), that spread is scaled by it: how much less than the normal's
        conditional means the network errs, where it does. With no held-out cell the standard
        normal's stay.
        """
        scored = cells & self.numeric & (std > 0)  # (N, F)
        standardised = (errors / std.clamp(min=1e-12)).double()  # (N, F)
        weights = torch.ones_like(standardised) if weights is None else weights.double()
        levels = _levels(errors.device).double()  # (L,)
        columns = self.numeric.nonzero().squeeze(1).tolist()
        own = {j: (standardised[scored[:, j], j], weights[scored[:, j], j]) for j in columns}
        own = {j: (z, w / w.mean()) for j, (z, w) in own.items() if len(z) >= 2}
        if not own:
            return self
        if gaps is not None and gaps[list(own)].sum() > 0:
            # each column counts in the pool as often as it has gaps to fill
            own_pool = {j: w * float(gaps[j]) / float(w.sum()) for j, (_, w) in own.items()}
        else:
            own_pool = {j: w for j, (_, w) in own.items()}
        every = torch.cat([own_pool[j] for j in own])  # all columns' weights
        counted = every > 0
        every = every[counted]
        pooled = weighted_quantile(
            torch.cat([z for z, _ in own.values()])[counted], every, levels
        )  # (L,)
        if normal_scale is not None:
            scales = torch.cat([normal_scale[scored[:, j], j] for j in own])[counted].double()
            scale = float((every * scales.square()).sum() / every.sum()) ** 0.5
            if advantage is not None:
                scale *= advantage
            share = _own_share(every)
            pooled = share * pooled + (1 - share) * scale * self._standard_normal().double()
        for j, (z, w) in own.items():
            share = _own_share(w)
            mixed = share * weighted_quantile(z, w, levels) + (1 - share) * pooled
            self.quantiles[j] = (mixed - _mean_of(mixed)).float()
        return self

    def count_normal_rows(self, observed, kept_rows):
        """Set ``normal_rows``: the least observed numeric column's share of ``observed`` (N, F)
        times the ``kept_rows`` the normal was fitted to, the sample size its parameter draws
        mimic."""
        share = observed[:, self.numeric].float().mean(0)  # (numeric columns,)
        if len(share):
            self.normal_rows.fill_(float(share.min()) * min(kept_rows, len(observed)))
        return self

    def fit_temperatures(self, logits, targets, columns):
        """Set each categorical column's temperature: the one of ``TEMPERATURES`` whose softened
        scores give its held-out cells the lowest cross-entropy.

        ``logits`` (M, K) are the scores of M held-out categorical cells, ``targets`` (M,) their
        true categories (positions among the K) and ``columns`` (M,) their columns.
        """
        for j in columns.unique().tolist():
            mine = columns == j
            scores = logits[mine]  # (m, K)
            entropy = torch.stack(
                [F.cross_entropy(scores / t, targets[mine]) for t in TEMPERATURES.tolist()]
            )  # (T,)
            self.temperature[j] = TEMPERATURES[int(entropy.argmin())]
        return self

    def quantile(self, probabilities):
        """Each column's standardised error at ``probabilities`` (..., F) in [0, 1], interpolated
        linearly between the stored levels; same shape."""
        position = probabilities.clamp(0, 1) * (QUANTILE_LEVELS - 1)  # (..., F)
        low = position.floor().long().clamp(max=QUANTILE_LEVELS - 2)
        share = position - low
        table = self.quantiles.T  # (L, F)
        below = table.gather(0, low.reshape(-1, low.shape[-1])).reshape(low.shape)
        above = table.gather(0, (low + 1).reshape(-1, low.shape[-1])).reshape(low.shape)
        return below + share * (above - below)

    def deviations(self, std, scores):
        """Draws' deviations from the fills (D, N, F): ``std x Q_j(Φ(scores))``."""
        return std * self.quantile(torch.special.ndtr(scores))

    def bounds(self, std, level):
        """Offsets (N, F) of the central interval at ``level`` from the fills: lower, upper."""
        tail = torch.full_like(std, (1 - level) / 2)
        return std * self.quantile(tail), std * self.quantile(1 - tail)

    def _arrays(self):
        return self.quantiles, self.temperature, self.normal_rows

    @classmethod
    def from_state(cls, numeric, state):
        """Rebuild what ``state()`` returned, on the device of ``numeric``."""
        return cls(numeric)._load(state)


def fit_spread(
    network,
    values,
    visible,
    cells,
    positions,
    spread,
    neighbours=None,
    gaussian=None,
    weights=None,
    gaps=None,
):
    """Fit ``spread`` on the held-out ``cells`` (N, F), filled from ``visible`` (N, F) exactly as
    real gaps are (the network blended with the hints in their shares), each counted with its
    ``weights`` (N, F, optional; ``gap_odds``); ``positions`` (N,) keeps each row from being its
    own neighbour."""
    network.eval()
    numeric_columns = ~network.categorical
    errors, stds, normal_scales, scores, targets, columns = [], [], [], [], [], []
    # (2, F) each column's squared errors of the network and of the normal's means, and cells
    squares = torch.zeros(2, values.shape[1], dtype=torch.float64, device=values.device)
    counts = torch.zeros(values.shape[1], dtype=torch.float64, device=values.device)
    with torch.inference_mode():
        for part in row_batches(*values.shape):
            shown, seen, wanted = values[part], visible[part], cells[part]
            numeric, logits = network(shown, seen, wanted)  # (B, F), (B, C, K)
            filled, std, _, normal_std = centre_and_spread(
                numeric,
                shown,
                seen,
                numeric_columns,
                neighbours,
                gaussian,
                positions[part],
            )
            errors.append(shown - filled)
            stds.append(std)
            if gaussian is not None:  # the normal's own spread, in units of ``std``
                normal_scales.append(normal_std / std.clamp(min=1e-12))
                scored = wanted & numeric_columns  # (B, F)
                counts += scored.sum(0)
                for k, guess in enumerate((numeric, gaussian(shown, seen))):
                    squares[k] += ((shown - guess) * scored).double().square().sum(0)
            for c, j in enumerate(network.categorical_columns.tolist()):
                rows = wanted[:, j]
                scores.append(logits[rows, c])  # (m, K)
                targets.append(shown[rows, j].long() + network.starts[j])
                columns.append(torch.full((int(rows.sum()),), j, device=values.device))
    spread.fit(
        torch.cat(errors),
        torch.cat(stds),
        cells,
        weights,
        normal_scale=torch.cat(normal_scales) if normal_scales else None,
        gaps=gaps,
        advantage=network_advantage(squares, counts, gaps) if normal_scales else None,
    )
    if scores:
        spread.fit_temperatures(torch.cat(scores), torch.cat(targets), torch.cat(columns))


def network_advantage(squares, counts, gaps=None):
    """How much less the network errs than the normal's conditional means on the same held-out
    cells, as a ratio of root mean squares, at most 1. Each column's mean squared errors
    (``squares`` (2, F): the network's, the normal's, over ``counts`` (F,) cells) count in
    proportion to its ``gaps`` (F,; default 1), as in the pool the ratio scales. Both are
    measured on cells neither was fitted to (unlike the blended fills, whose shares were), so
    a table where the normal is the right model keeps the normal's spread."""
    weights = torch.ones_like(counts) if gaps is None else gaps.to(counts.dtype)
    weights = weights / counts.clamp(min=1)  # (F,); a column without cells adds 0 to both
    network, normal = (squares * weights).sum(1)
    if normal <= 0:
        return 1.0
    return min(1.0, float(network / normal) ** 0.5)


def centre_and_spread(
    numeric,
    shown,
    seen,
    numeric_columns,
    neighbours,
    gaussian,
    exclude=None,
    generator=None,
    n_draws=0,
):
    """The blended fills (B, F) of a batch's gaps, each numeric gap's spread (B, F), its draws'
    standard normal scores (D, B, F), and the spread before the neighbours' part of it (B, F):
    the normal's own, or 1 without a normal.

    The spread is the normal's conditional standard deviation of the gap given the row's
    numeric cells (``gap_scores``; 1 without a normal), times the square root of how much
    larger than in its column at large the network's errors are on the row's nearest kept
    rows (held within ``1 / LOCAL_RANGE`` and ``LOCAL_RANGE``; without neighbours, 1): the
    first says how much the row's cells tell of the gap, the second how well the network does
    near the row. The root tempers the second, which is measured on cells the network trained
    on: taken whole it made draws too wide where training rows are sparse and biased a pooled
    regression slope (docs/experiments.md).
    """
    gaps = ~seen & numeric_columns  # (B, F)
    values = shown.masked_fill(~seen, 0.0)
    correction = local = None
    if neighbours is not None:
        correction, local = neighbours(values, seen, exclude, with_scale=True)  # (B, F) each
    filled = blend(numeric, values, seen, neighbours, gaussian, exclude, correction)
    if gaussian is None:
        shape = (n_draws, *seen.shape)
        scores = (
            torch.randn(shape, generator=generator, device=seen.device)
            if n_draws
            else torch.zeros(shape, device=seen.device)
        )
        std = gaps.float()
    else:
        std, scores = gap_scores(
            ~gaps, gaussian.covariance, generator, n_draws, precision=gaussian.precision
        )
    normal_std = std
    if neighbours is not None:
        ratio = local / neighbours.typical_error().clamp(min=1e-12)  # (B, F)
        std = std * ratio.clamp(1 / LOCAL_RANGE, LOCAL_RANGE).sqrt()
    return filled, std, scores, normal_std


def draw(network, values, visible, n_draws, generator, spread, neighbours=None, gaussian=None):
    """Draws (D, N, F) of the cells that are not ``visible`` (N, F), from the predictive
    distribution given the visible ones: scaled numbers, and category codes.

    A row's numeric gaps are drawn jointly (``spread.deviations`` around the blended fills);
    its categorical gaps are then drawn from the network's scores given the row and its
    numeric draws, at each column's temperature. Visible cells come back as given.
    """
    network.eval()
    numeric_columns = ~network.categorical
    categorical_columns = network.categorical_columns  # (C,)
    temperature = spread.temperature[categorical_columns][:, None]  # (C, 1)
    parameters = _normal_draws(spread, gaussian, numeric_columns, generator, n_draws)
    parts = []
    with torch.inference_mode():
        for part in row_batches(*values.shape):
            shown, seen = values[part], visible[part]
            numeric, _ = network(shown, seen, ~seen & numeric_columns)
            filled, std, scores, _ = centre_and_spread(
                numeric,
                shown,
                seen,
                numeric_columns,
                neighbours,
                gaussian,
                None,
                generator,
                n_draws,
            )
            numbers = ~seen & numeric_columns  # (B, F)
            if parameters is not None:
                filled = filled + _refilled(shown, seen, numeric_columns, gaussian, *parameters)
            drawn = torch.where(numbers, filled + spread.deviations(std, scores), shown)
            categories = ~seen & network.categorical  # (B, F)
            if categories.any():
                drawn = _draw_categories(
                    network, drawn, seen | numbers, categories, temperature, generator
                )
            parts.append(drawn)
    return torch.cat(parts, dim=1)


def _normal_draws(spread, gaussian, numeric_columns, generator, n_draws):
    """Each draw's own normal distribution (``resampled``): means (D, F), covariances
    (D, F, F) and their inverses (D, F, F); or None when no fill takes a share of the normal's
    conditional mean."""
    rows = int(spread.normal_rows)
    if gaussian is None or rows < 2 or not gaussian.share.any():
        return None
    columns = numeric_columns.nonzero().squeeze(1)
    means, covariances = resampled(
        gaussian.mean, gaussian.covariance, columns, rows, generator, n_draws
    )
    return means, covariances, precision_of(covariances)


def _refilled(shown, seen, numeric_columns, gaussian, means, covariances, precisions):
    """How far each draw's normal moves the fills (D, B, F): the column's share of the change
    in its conditional mean. The D normals are conditioned on together, as each row's gaps are
    the same under all."""
    given = seen & numeric_columns
    fitted = gaussian(shown, given)  # (B, F)
    moved = conditional(shown, given, means, covariances, precision=precisions)  # (D, B, F)
    return gaussian.share * (moved - fitted)  # (D, B, F)


def _draw_categories(network, drawn, given, categories, temperature, generator):
    """``drawn`` (D, B, F) with its ``categories`` (B, F) drawn from the network's scores given
    the cells ``given`` (B, F) of each draw, at each column's ``temperature`` (C, 1); the D x B
    rows of all draws are scored together, in cache-sized batches (``row_batches``)."""
    d, b, f = drawn.shape
    columns = network.categorical_columns  # (C,)
    rows = drawn.reshape(d * b, f)  # (D·B, F)
    shown, wanted = given.repeat(d, 1), categories.repeat(d, 1)  # (D·B, F) each
    logits = torch.cat(
        [network(rows[part], shown[part], wanted[part])[1] for part in row_batches(d * b, f)]
    )  # (D·B, C, K)
    # Gumbel-max, a softmax draw: one noise per category of a row, since each column's scores
    # outside its own categories are -inf and so each column reads only its own noises
    noise = torch.rand((d * b, 1, logits.shape[2]), generator=generator, device=logits.device)
    gumbel = -torch.log(-torch.log(noise.clamp(min=1e-20)))  # (D·B, 1, K)
    chosen = (logits / temperature + gumbel).argmax(-1)  # (D·B, C)
    codes = (chosen - network.starts[columns]).to(rows.dtype)  # (D·B, C)
    coded = rows.index_copy(1, columns, codes).reshape(d, b, f)
    return torch.where(categories, coded, drawn)


def bounds(network, values, visible, level, spread, neighbours=None, gaussian=None):
    """The central interval at ``level`` of every numeric cell that is not ``visible``: lower
    and upper (N, F) in scaled units, meaningful on those cells."""
    network.eval()
    numeric_columns = ~network.categorical
    lower, upper = [], []
    with torch.inference_mode():
        for part in row_batches(*values.shape):
            shown, seen = values[part], visible[part]
            numeric, _ = network(shown, seen, ~seen & numeric_columns)
            filled, std, *_ = centre_and_spread(
                numeric, shown, seen, numeric_columns, neighbours, gaussian
            )
            below, above = spread.bounds(std, level)
            lower.append(filled + below)
            upper.append(filled + above)
    return torch.cat(lower), torch.cat(upper)

"""Two corrections the table imputer blends into the network's numeric fills, after training.

Attention reads one row at a time. Rows like a row carry evidence that its own columns do not
(what nearest-neighbour imputers use), and some tables are close to linear, which the network
learns slowly from a few hundred rows. So two components are fitted beside the trained network:

- ``NeighbourHint`` keeps up to 4,096 training rows with the network's error on each of their
  numeric cells, measured with that cell hidden, and corrects a gap's fill by the mean error in
  its column over the row's nearest kept rows. The errors are averaged, not the rows' values:
  the neighbours of a row beyond the observed range are all on one side of it, and their mean
  would pull its fill back inside; their errors carry what the network gets wrong near the row
  without that pull.
- ``GaussianHint`` is a multivariate normal fitted to the training rows' numeric cells by
  expectation-maximisation; a gap's conditional mean given the numeric cells its row shows is
  the best linear fill of any pattern of gaps.

``blend`` mixes them into the network's fills in a share per column, each share at least 0 and
the two adding up to at most 1, fitted by least squares on the held-out cells (``fit_shares``),
so a column takes the network, the neighbours, the linear fill or a mix, whichever the held-out
cells favour; a column with few held-out cells leans towards the mix of the whole table.
Categorical fills come from the network alone.

Shapes: B rows, F columns, R kept rows, M candidate neighbours.
"""

import torch

from ..core import rows_for_width
from ._normal import conditional, fit_normal, precision_of

# query rows x kept rows per distance matrix, so that it stays in cache
DISTANCE_CHUNK_CELLS = 2**20
# nearest rows searched per neighbour wanted, so most columns find k that observe them
CANDIDATES_PER_NEIGHBOR = 4
# passes over the kept rows that measure the network's errors: F passes would cost F² per row
ERROR_PASSES = 16
# training rows the normal distribution is fitted to: EM solves one system per row
NORMAL_ROWS = 4096
PREDICT_BATCH_ROWS = 1024  # rows per network pass without gradients, at most
PREDICT_BATCH_CELLS = 2**15  # cells per such pass, at most: its activations stay in cache
# own held-out cells that the whole table's blend is worth in each column's (docs/experiments.md)
SHARE_PRIOR_CELLS = 50


def row_batches(n_rows, n_features):
    """Row slices for running the network without gradients: ``PREDICT_BATCH_ROWS`` rows, fewer
    beyond 32 columns, so that a batch holds at most ``PREDICT_BATCH_CELLS`` cells."""
    size = max(1, min(PREDICT_BATCH_ROWS, PREDICT_BATCH_CELLS // max(n_features, 1)))
    return [slice(start, start + size) for start in range(0, n_rows, size)]


class _StoredArrays:
    """A hint's arrays, named as model files store them (``STATE``), in ``_arrays``' order."""

    STATE = ()

    def _arrays(self):
        raise NotImplementedError

    def state(self):
        """The arrays as NumPy arrays, by name."""
        return {name: array.cpu().numpy() for name, array in zip(self.STATE, self._arrays())}

    def _load(self, state):
        for array, name in zip(self._arrays(), self.STATE):
            array.copy_(torch.as_tensor(state[name]))
        return self


class NeighbourHint(_StoredArrays):
    """The network's mean error on the nearest kept training rows, per numeric cell.

    Parameters
    ----------
    n_neighbors : int
        Kept rows averaged per cell.
    numeric : BoolTensor (F,)
        The numeric columns; categorical ones get no correction and do not count in distances.
    capacity : int
        How many training rows are kept.
    """

    STATE = (
        "reference_values",
        "reference_observed",
        "reference_error",
        "hint_share",
    )  # names in model files

    def __init__(self, n_neighbors, numeric, capacity):
        self.n_neighbors = n_neighbors
        self.numeric = numeric
        f = len(numeric)
        self.values = torch.zeros(capacity, f, device=numeric.device)  # (R, F) scaled values
        self.observed = torch.zeros(capacity, f, dtype=torch.bool, device=numeric.device)  # (R, F)
        # (R, F) value - network's fill
        self.errors = torch.zeros(capacity, f, device=numeric.device)
        # (F,) of the correction in each column's fill
        self.share = torch.zeros(f, device=numeric.device)

    def remember(self, values, observed, generator):
        """Keep up to ``capacity`` training rows, drawn with ``generator`` when there are more.

        Returns (N,) each training row's position among the kept rows, -1 for rows not kept, so
        that a held-out row is never its own neighbour (its held-out cells are among the kept).
        """
        n, capacity = len(values), len(self.values)
        kept = torch.arange(n, device=values.device)
        if n > capacity:
            kept = (
                torch.randperm(n, device=values.device, generator=generator)[:capacity]
                .sort()
                .values
            )
        self.values.copy_(values[kept])
        self.observed.copy_(observed[kept])
        positions = torch.full((n,), -1, dtype=torch.long, device=values.device)
        return positions.index_copy_(0, kept, torch.arange(len(kept), device=values.device))

    def measure_errors(self, network):
        """Set ``errors``: each kept numeric value minus the ``network``'s prediction of it with
        the cell hidden (0 where not observed).

        Each numeric cell is hidden in one of ``min(numeric columns, ERROR_PASSES)`` passes over
        the kept rows, the columns taking turns by row, so that a table of up to
        ``ERROR_PASSES`` numeric columns hides one cell at a time and a wider one hides about 1
        in ``ERROR_PASSES`` of a row's cells at once, as its gaps would be. Beyond 64 columns
        the passes fall as the columns grow (``rows_for_width``), each hiding more of a row.

        The network has trained on these cells, so its errors on them run smaller than on cells
        it never saw; the held-out cells then measure how much of their mean each column's fill
        takes.
        """
        passes = min(int(self.numeric.sum()), rows_for_width(ERROR_PASSES, len(self.numeric)))
        if not passes:
            return  # no numeric column: the errors stay 0
        network.eval()
        values, observed = self.values, self.observed
        rows = torch.arange(len(values), device=values.device)  # (R,)
        # (R, F) the pass that hides each cell
        turn = (rows[:, None] + self.numeric.cumsum(0) - 1) % passes
        hideable = observed & self.numeric  # (R, F)
        errors = torch.zeros_like(values)
        with torch.inference_mode():
            for part in row_batches(*values.shape):
                for p in range(passes):
                    hidden = hideable[part] & (turn[part] == p)  # (B, F)
                    predicted = network(values[part], observed[part] & ~hidden, hidden)[0]  # (B, F)
                    errors[part] = torch.where(hidden, values[part] - predicted, errors[part])
        self.errors.copy_(errors)

    def __call__(self, values, visible, exclude=None, with_scale=False):
        """Per numeric cell (B, F), the mean ``errors`` of the ``n_neighbors`` nearest kept rows
        that observe it, 0 where none does; ``exclude`` (B,) is each row's own position among
        them (-1: none), never a neighbour. ``with_scale`` also returns the root mean square of
        the same errors (B, F): how far off the network is near the row, from the same search.

        Distance is the mean squared difference over the numeric columns both rows show, as in
        ``KNNImputer``.
        """
        seen = (self.observed & self.numeric).float()  # (R, F)
        r = self.values * seen  # (R, F)
        # x² + r² - 2xr summed over the shared columns comes out of one product with this: each
        # extra pass over a (B, R) matrix costs about as much as the product itself.
        reference = torch.cat([seen, r.square(), -2 * r], 1).T  # (3F, R)
        # rows per chunk, so that its (rows, R) matrices stay in cache
        size = max(1, DISTANCE_CHUNK_CELLS // len(r))
        chunks = [slice(start, start + size) for start in range(0, len(values), size)]
        # Every chunk writes its two (rows, R) matrices into these: a fresh pair per chunk is
        # memory the allocator may hand back to the system and take again, page by page.
        squares = values.new_empty(min(size, len(values)), len(r))  # (rows, R)
        shared = torch.empty_like(squares)  # (rows, R)
        parts = []
        for rows in chunks:
            shown = values[rows]
            work = squares[: len(shown)], shared[: len(shown)]
            own = None if exclude is None else exclude[rows]
            parts.append(self._chunk(shown, visible[rows], seen, reference, own, with_scale, work))
        if with_scale:
            return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        return torch.cat(parts)

    def _chunk(self, values, visible, seen, reference, exclude, with_scale, work):
        """The correction for a few rows (B, F), given ``seen`` (R, F) and ``reference`` (3F, R),
        and with ``with_scale`` the errors' root mean square; ``work`` is two (B, R) matrices
        to compute the distances in, overwritten."""
        k = self.n_neighbors
        query = (visible & self.numeric).float()  # (B, F)
        x = values * query  # (B, F)
        squares, shared = work
        torch.matmul(torch.cat([x.square(), query, x], 1), reference, out=squares)  # (B, R)
        torch.matmul(query, seen.T, out=shared)  # (B, R) columns both rows show
        distance = squares.div_(shared).nan_to_num_(nan=float("inf"))  # (B, R); 0 / 0: none
        if exclude is not None:
            # (B, R)
            own = torch.arange(distance.shape[1], device=values.device) == exclude[:, None]
            distance.masked_fill_(own, float("inf"))
        candidates = min(CANDIDATES_PER_NEIGHBOR * k, distance.shape[1])
        near, rows = distance.topk(candidates, dim=1, largest=False)  # (B, M)
        present = self.observed[rows] & self.numeric & near.isfinite()[..., None]  # (B, M, F)
        use = present & (present.cumsum(1) <= k)  # the first k candidates observing each column
        errors = self.errors[rows]  # (B, M, F) the candidates' errors
        correction = (use * errors).sum(1) / use.sum(1).clamp(min=1)  # (B, F)
        if with_scale:  # over every candidate that observes the column
            spread = (present * errors).square().sum(1) / present.sum(1).clamp(min=1)
            return correction, spread.sqrt()
        return correction

    def typical_error(self):
        """Root mean square (F,) of each column's kept errors; 0 where none is observed."""
        cells = (self.observed & self.numeric).float()  # (R, F)
        return ((self.errors.square() * cells).sum(0) / cells.sum(0).clamp(min=1)).sqrt()

    def _arrays(self):
        return self.values, self.observed, self.errors, self.share

    @classmethod
    def from_state(cls, n_neighbors, numeric, state):
        """Rebuild what ``state()`` returned, on the device of ``numeric``."""
        return cls(n_neighbors, numeric, len(state["reference_values"]))._load(state)


class GaussianHint(_StoredArrays):
    """Each cell's conditional mean under a normal distribution fitted to the training rows.

    Parameters
    ----------
    numeric : BoolTensor (F,)
        The numeric columns; only they are fitted and conditioned on.
    """

    STATE = ("normal_mean", "normal_covariance", "gaussian_share")  # names in model files

    def __init__(self, numeric):
        self.numeric = numeric
        f = len(numeric)
        self.mean = torch.zeros(f, device=numeric.device)  # (F,) of the numeric columns, scaled
        self.covariance = torch.eye(f, device=numeric.device)  # (F, F)
        # (F,) of the conditional mean in each column's fill
        self.share = torch.zeros(f, device=numeric.device)
        self._precision = None  # the covariance's inverse, once asked for

    @property
    def precision(self):
        """The inverse (F, F) of ``covariance`` (``precision_of``), computed once per fitted or
        loaded covariance, not once per batch of rows."""
        if self._precision is None:
            self._precision = precision_of(self.covariance)
        return self._precision

    def fit(self, values, observed, generator, warm_start=False):
        """Fit to the numeric ``observed`` cells of up to ``NORMAL_ROWS`` rows of ``values`` (fewer
        beyond 64 columns, ``rows_for_width``), drawn with ``generator`` when there are more; kept
        in single precision. ``warm_start`` starts EM from the distribution fitted last, which
        saves most of its iterations when the cells are nearly the same."""
        rows = torch.arange(len(values), device=values.device)
        kept = rows_for_width(NORMAL_ROWS, values.shape[1])
        if len(rows) > kept:
            rows = torch.randperm(len(rows), device=values.device, generator=generator)[:kept]
        start = (self.mean, self.covariance) if warm_start else None
        mean, covariance = fit_normal(values[rows], observed[rows] & self.numeric, start=start)
        self.mean.copy_(mean)
        self.covariance.copy_(covariance)
        self._precision = None

    def __call__(self, values, visible):
        """Per cell (B, F), its conditional mean given the numeric cells its row shows."""
        return conditional(
            values, visible & self.numeric, self.mean, self.covariance, precision=self.precision
        )

    def _load(self, state):
        self._precision = None
        return super()._load(state)

    def _arrays(self):
        return self.mean, self.covariance, self.share

    @classmethod
    def from_state(cls, numeric, state):
        """Rebuild what ``state()`` returned, on the device of ``numeric``."""
        return cls(numeric)._load(state)


def blend(numeric, values, visible, neighbours=None, gaussian=None, exclude=None, correction=None):
    """The network's numeric fills (B, F) corrected by the neighbours' errors and mixed with the
    conditional means, in each column's shares (all 0 until ``fit_shares`` sets them);
    ``exclude`` (B,) is each row's own position among the kept rows (-1: none), for rows that
    were kept; ``correction`` (B, F) is the neighbours' correction when already searched."""
    mixed = numeric
    if neighbours is not None and neighbours.share.any():
        if correction is None:
            correction = _corrections_used(neighbours, values, visible, exclude)
        mixed = mixed + neighbours.share * correction  # (B, F)
    if gaussian is not None and gaussian.share.any():
        mixed = mixed + gaussian.share * (gaussian(values, visible) - numeric)
    return mixed  # (B, F)


def _corrections_used(neighbours, values, visible, exclude):
    """The neighbours' correction (B, F), searched only for the rows with a gap in a column
    that takes a share of it (0 elsewhere, where it would be multiplied by 0): on many tables
    most columns take none, and the search is most of a fill's time."""
    corrected = (~visible & neighbours.numeric & (neighbours.share > 0)).any(dim=1)  # (B,)
    correction = torch.zeros(values.shape, device=values.device)
    if corrected.any():
        rows = corrected.nonzero().squeeze(1)
        correction[rows] = neighbours(
            values[rows], visible[rows], None if exclude is None else exclude[rows]
        )
    return correction  # (B, F)


def best_mix(error, first, second, cells=None, prior_cells=0.0):
    """Shares ``(a, b)`` per column, each (F,), that minimise ``|error - a * first - b * second|²``
    over the ``cells`` (N, F; every cell when None), with ``a, b >= 0`` and ``a + b <= 1``; all
    three are (N, F).

    With ``prior_cells``, each column also pays for straying from the mix that suits all columns
    together, as much as that many of its own cells would (its sums of squares and products per
    cell, centred on that mix), so a column with a few dozen cells leans towards the whole
    table's mix and one with thousands keeps its own. All columns' mix weighs each column's
    cells by the inverse of its mean squared error, so that no column counts for its units.
    """
    if cells is not None:
        error, first, second = error * cells, first * cells, second * cells
    products = (first * first, second * second, first * second, error * first, error * second)
    sums = torch.stack([product.sum(0) for product in products])  # (5, F): g11, g22, g12, r1, r2
    if prior_cells:
        counts = (error.new_ones(error.shape) if cells is None else cells).sum(0).clamp(min=1)
        loudness = (error.square().sum(0) / counts).clamp(min=1e-12)  # (F,)
        a0, b0 = _best_shares(*(sums / loudness).sum(1, keepdim=True))  # (1,) each
        g11, g22, g12, r1, r2 = sums
        pull = prior_cells / counts  # (F,)
        r1, r2 = r1 + pull * (g11 * a0 + g12 * b0), r2 + pull * (g12 * a0 + g22 * b0)
        sums = torch.stack([g11 * (1 + pull), g22 * (1 + pull), g12 * (1 + pull), r1, r2])
    return _best_shares(*sums)


def _best_shares(g11, g22, g12, r1, r2):
    """The shares ``(a, b)`` in the triangle ``a, b >= 0``, ``a + b <= 1`` that minimise
    ``a² g11 + 2 a b g12 + b² g22 - 2 (a r1 + b r2)``, per column (each argument (F,)).

    The optimum of this small quadratic lies on one of the triangle's parts: its inside (the
    unconstrained solution), an edge, or a corner. Every candidate is scored and the best
    feasible one kept, exactly and for all columns at once.
    """
    tiny = 1e-12
    determinant = g11 * g22 - g12 * g12
    along = g11 - 2 * g12 + g22  # |first - second|² per column
    zero, one = torch.zeros_like(g11), torch.ones_like(g11)
    a_edge = (r1 - r2 - g12 + g22) / along.clamp(min=tiny)  # on a + b = 1
    inside = determinant.clamp(min=tiny)
    candidates = torch.stack(
        [
            torch.stack([(r1 * g22 - r2 * g12) / inside, (r2 * g11 - r1 * g12) / inside]),
            torch.stack([r1 / g11.clamp(min=tiny), zero]),
            torch.stack([zero, r2 / g22.clamp(min=tiny)]),
            torch.stack([a_edge, 1 - a_edge]),
            torch.stack([zero, zero]),
            torch.stack([one, zero]),
            torch.stack([zero, one]),
        ]
    )  # (7, 2, F)
    a, b = candidates[:, 0], candidates[:, 1]  # (7, F)
    feasible = (a >= 0) & (b >= 0) & (a + b <= 1 + 1e-6)  # float32 rounding on the edge a + b = 1
    feasible[0] &= determinant > tiny  # the inside exists only when the two directions differ
    # (7, F), |error|² left out
    cost = a * a * g11 + 2 * a * b * g12 + b * b * g22 - 2 * (a * r1 + b * r2)
    best = cost.masked_fill(~feasible, float("inf")).argmin(0)  # (F,)
    a = a.gather(0, best[None])[0]
    return a, torch.minimum(b.gather(0, best[None])[0], 1 - a)


def fit_shares(network, values, visible, cells, positions, neighbours=None, gaussian=None):
    """Set each numeric column's share of the neighbours' correction and of the conditional
    mean: the blend that best fills the held-out ``cells`` (N, F) from ``visible`` (N, F), by
    least squares (``best_mix``), each column held towards the mix that suits all columns as
    firmly as ``SHARE_PRIOR_CELLS`` of its own cells would (a few dozen held-out cells fit two
    shares loosely).

    The network and the two hints fill the same cells from different evidence (the row's other
    columns, rows like it, linear relations between the columns), so their errors partly
    cancel; the held-out cells say by how much, per column. ``positions`` (N,) keeps each row
    from being its own neighbour.
    """
    network.eval()
    batches = row_batches(*values.shape)
    with torch.inference_mode():
        fills = torch.cat(
            [network(values[part], visible[part], cells[part])[0] for part in batches]
        )  # (N, F)
        to_neighbours = torch.zeros_like(fills)
        if neighbours is not None:
            to_neighbours = torch.cat(
                [neighbours(values[part], visible[part], positions[part]) for part in batches]
            )
        to_gaussian = torch.zeros_like(fills)
        if gaussian is not None:
            to_gaussian = gaussian(values, visible) - fills  # solved in chunks of its own size
    scored = (cells & ~network.categorical).float()  # categorical fills are never blended
    shares = best_mix(values - fills, to_neighbours, to_gaussian, scored, SHARE_PRIOR_CELLS)
    for hint, share in zip((neighbours, gaussian), shares):
        if hint is not None:
            hint.share.copy_(share)


def fit_hints(
    network, values, observed, train_observed, held_out, generator, neighbours=None, gaussian=None
):
    """Fit the hints beside a trained ``network`` and set their shares on the held-out cells.

    ``values`` and ``observed`` (N, F) are the training rows; ``train_observed`` (N, F) leaves
    out the ``held_out`` cells (N, F), which measure the shares, so the normal is fitted blind to
    them; refit it on every observed cell (``GaussianHint.fit`` with ``warm_start``) once
    nothing else is measured on them, as the neighbour search sees every row.

    Returns (N,) each training row's position among the kept rows (-1: not kept), so that a
    held-out row is never its own neighbour.
    """
    rows = held_out.any(dim=1).nonzero().squeeze(1)
    positions = torch.full((len(values),), -1, dtype=torch.long, device=values.device)
    if neighbours is not None:
        positions = neighbours.remember(values, observed, generator)  # (N,)
        neighbours.measure_errors(network)
    if gaussian is not None:
        gaussian.fit(values, train_observed, generator)
    if neighbours is not None or gaussian is not None:
        fit_shares(
            network,
            values[rows],
            train_observed[rows],
            held_out[rows],
            positions[rows],
            neighbours,
            gaussian,
        )
    return positions

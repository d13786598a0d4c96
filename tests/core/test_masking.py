"""The training masks: which observed cells a batch hides."""

import torch

from impute.core._masking import DynamicMask, StaticMask, draw_mask


def _table(rows=4000, columns=12, missing=0.2, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(rows, columns, generator=generator) >= missing  # (N, F) observed


def test_masks_hide_only_observed_cells_at_the_rate_asked():
    observed = _table()
    hidden = draw_mask(observed, None, 0.3, torch.Generator().manual_seed(1))
    assert not (hidden & ~observed).any()
    share = hidden.sum() / observed.sum()
    assert 0.28 < float(share) < 0.32


def test_rows_borrow_the_shape_of_real_gaps_only_where_the_table_has_gaps():
    observed = _table(missing=0.0)
    observed[:, :3] = False  # the real gaps all lie in the first three columns
    other = _table(seed=2)
    generator = torch.Generator().manual_seed(3)
    dynamic = DynamicMask(~observed, 0.1, generator)
    hidden = torch.cat([dynamic(None, other[i : i + 64]) for i in range(0, 4000, 64)])
    # half the rows borrow a pattern that hides all three columns where they are observed
    borrowed = (hidden[:, :3] | ~other[:, :3]).all(dim=1).float().mean()
    assert 0.45 < float(borrowed) < 0.55
    complete = _table(missing=0.0)
    without = DynamicMask(~complete, 0.1, torch.Generator().manual_seed(3))
    hidden = torch.cat([without(None, other[i : i + 64]) for i in range(0, 4000, 64)])
    assert float((hidden[:, :3] | ~other[:, :3]).all(dim=1).float().mean()) < 0.05


def test_dynamic_masks_are_fresh_every_batch_and_static_ones_repeat():
    observed = _table(rows=256)
    rows = torch.arange(256)
    dynamic = DynamicMask(~observed, 0.3, torch.Generator().manual_seed(4))
    assert not torch.equal(dynamic(rows, observed), dynamic(rows, observed))
    static = StaticMask(observed, ~observed, 0.3, torch.Generator().manual_seed(4))
    assert torch.equal(static(rows, observed), static(rows, observed))
    assert torch.equal(static(rows[:10], observed[:10]), static(rows, observed)[:10])

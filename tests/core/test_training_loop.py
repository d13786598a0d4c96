"""The training loop's shared parts: weight averaging and the optimizer."""

import copy
import subprocess
import sys

import pytest
import torch

from impute.core import AdamW, WeightAverage
from impute.core import _training as training


def test_weight_average_forgets_fast_at_first_then_at_the_decay_rate():
    model = torch.nn.Linear(1, 1, bias=False)
    average = WeightAverage(model, decay=0.6)
    expected = model.weight.item()
    for step, value in enumerate([1.0, -2.0, 3.0, 5.0, 0.5, 4.0], start=1):
        with torch.no_grad():
            model.weight.fill_(value)
        average.update()
        keep = min(0.6, (1 + step) / (10 + step))
        expected = keep * expected + (1 - keep) * value
    assert average.model.weight.item() == pytest.approx(expected)
    assert model.weight.item() == 4.0  # the followed model is left alone


@pytest.mark.parametrize("fused", [True, False])
def test_adamw_takes_the_same_steps_as_torchs_optimizer_class(fused):
    torch.manual_seed(0)
    ours = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    theirs = copy.deepcopy(ours)
    optimizers = (
        AdamW(ours.parameters(), 1e-3, fused=fused),
        torch.optim.AdamW(theirs.parameters(), lr=1e-3, fused=fused or None),
    )
    for _ in range(10):
        x = torch.randn(32, 8)
        for model, optimizer in zip((ours, theirs), optimizers):
            optimizer.zero_grad()
            model(x).square().mean().backward()
            optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))


def test_adamw_falls_back_to_the_plain_update_where_torch_has_no_fused_kernel(monkeypatch):
    update = training.adamw

    def no_fused_kernel(*args, fused=None, **kwargs):
        if fused:
            for step in args[5]:
                step += 1  # torch counts the step before it finds no kernel
            raise RuntimeError(
                "Could not run 'aten::_fused_adamw_' with arguments from the 'CPU' backend"
            )
        return update(*args, **kwargs)

    monkeypatch.setattr(training, "adamw", no_fused_kernel)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    plain = copy.deepcopy(model)
    optimizers = AdamW(model.parameters(), 1e-2, fused=True), AdamW(plain.parameters(), 1e-2)
    for _ in range(3):
        x = torch.randn(8, 4)
        for m, optimizer in zip((model, plain), optimizers):
            optimizer.zero_grad()
            m(x).sum().backward()
            optimizer.step()
    assert not optimizers[0].fused
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), plain.parameters()))


def test_a_fit_does_not_import_torchs_compiler():
    """torch's optimizer classes import torch._dynamo on first use, about a second a process."""
    code = (
        "import sys, numpy as np; from impute import TransformerImputer; "
        "X = np.random.default_rng(0).normal(size=(60, 3)); X[::4, 1] = np.nan; "
        "TransformerImputer(max_epochs=2).fit_transform(X); print('torch._dynamo' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

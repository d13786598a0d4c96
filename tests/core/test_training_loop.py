"""The training loop's shared parts: weight averaging and the optimizer."""

import pytest
import torch

from impute.core import WeightAverage, make_optimizer


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


def test_optimizer_falls_back_to_plain_adamw_where_torch_has_no_fused_kernel(monkeypatch):
    adamw = torch.optim.AdamW

    def refusing_fused(params, lr, fused=None):
        if fused:
            raise RuntimeError(
                "`fused=True` requires all the params to be CUDA, floating point Tensors"
            )
        return adamw(params, lr=lr)

    model = torch.nn.Linear(2, 1)
    cpu_kernel = tuple(int(part) for part in torch.__version__.split(".")[:2]) >= (
        2,
        4,
    )  # torch added it in 2.4
    assert make_optimizer(model, 1e-3).defaults["fused"] == cpu_kernel
    monkeypatch.setattr(torch.optim, "AdamW", refusing_fused)
    optimizer = make_optimizer(model, 1e-3)
    assert not optimizer.defaults["fused"]
    assert optimizer.defaults["lr"] == 1e-3

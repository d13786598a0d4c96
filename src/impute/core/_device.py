"""Where a network trains and predicts."""

import torch


def resolve_device(device):
    """The torch device that ``device`` names; ``"auto"`` means CUDA when present, else the CPU.

    Raises ``ValueError`` for a name torch does not know and for a CUDA device on a machine
    without one, so that a bad ``--device`` stops a command before any data is read.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'"
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} asks for a CUDA GPU and none is available; use 'auto' or 'cpu'"
        )
    return resolved

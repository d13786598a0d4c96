"""Where a network trains and predicts, and with how many CPU threads."""

from contextlib import contextmanager

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


@contextmanager
def one_thread():
    """Run the block with one torch thread, then restore the count: float32 sums on the CPU
    can round differently with another number of threads, so fills computed this way are the
    same in every process, whatever its cores (a Dask worker's, or the user's machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)

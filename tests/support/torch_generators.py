"""Small PyTorch generators that `oscserver export torch` tests import as PACKAGE.MODULE:FACTORY."""

from __future__ import annotations

import torch
from torch import nn

SIZE = 16


class Blobs(nn.Module):
    """``forward(latent [1,32], mix [1,4], speed [1]) -> [1, 3, 16, 16]`` in [-1, 1]."""

    def __init__(self) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(3)
        self.latent_to_image = nn.Parameter(torch.randn(32, 3 * SIZE * SIZE, generator=gen) * 0.2)
        self.mix_to_image = nn.Parameter(torch.randn(4, 3 * SIZE * SIZE, generator=gen) * 0.5)

    def forward(
        self, latent: torch.Tensor, mix: torch.Tensor, speed: torch.Tensor, gain: float = 1.0
    ) -> torch.Tensor:
        h = latent @ self.latent_to_image * speed.reshape(1, 1) + mix @ self.mix_to_image
        return torch.tanh(h * gain).reshape(1, 3, SIZE, SIZE)


class TwoLatents(nn.Module):
    """Reads an input (``style``) that a test leaves undeclared."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(8, 3 * 4 * 4))

    def forward(self, latent: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return torch.tanh((latent + style) @ self.weight).reshape(1, 3, 4, 4)


def build() -> Blobs:
    return Blobs()


def build_two_latents() -> TwoLatents:
    return TwoLatents()


def not_a_module() -> str:
    return "a string"

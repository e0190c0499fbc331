"""The embedded default generator: a style-modulated CPPN that needs no downloaded weights.

A CPPN ("compositional pattern-producing network") maps pixel coordinates to colours. Random,
untrained weights already draw flowing, marbled, organic patterns when a network composes a few
smooth non-linearities over a bank of sinusoidal coordinate features. This module wraps such a
network in a BigGAN-compatible interface, so every patch, mapping and OSC address written for
BigGAN plays it too:

``class``       float32 [1, 1000], class weights in [0, 1] (a one-hot picks one "look")
``noise``       float32 [1, 128], latent in [-2, 2]
``truncation``  float32 [1], in [0.02, 1]: calm (few large soft shapes) to wild (fine detail)
``image``       uint8 [1, H, W, 3], NHWC, 0..255 (scaling and cast happen in the graph)

The design is split by cost.

*Per frame* (a few hundred thousand multiply-adds at most, negligible):

1. The class weights pick a 64-dimensional class embedding through a fixed random
   ``[1000, 64]`` matrix (linear, like BigGAN's shared embedding, so class mixes blend).
2. ``noise * truncation`` joins the embedding; a two-layer mapping MLP makes the latent ``w``.
3. ``w`` and ``truncation`` become *modulated weights* for every per-pixel layer, the way
   StyleGAN2 modulates convolutions: ``W' = demod(W * style)`` with ``style = exp(tanh(A w))``
   per input channel, demodulation (unit-norm output columns) and a truncation-dependent gain
   (low: soft tanh, smooth shapes; high: saturating tanh, sharp folds). Biases come from ``w``.
   The first layer's styles also carry a Gaussian envelope over the coordinate frequencies (low
   truncation lets only the longest waves through) and an orientation preference from ``w``
   (a class has a "flow direction").
4. A palette: a closed curve through colour space, ``base + lum cos(a) + chroma sin(a) +
   accent cos(2a + phi)``, whose colour vectors come mostly from the class embedding (a class
   keeps its palette while the noise moves it) and whose chroma rises with truncation.

*Per pixel* (all the real work, a few narrow matrix products):

5. A fixed bank of 32 sinusoidal coordinate features ``sin(pi f_k . p + phi_k)`` with
   log-spaced frequencies (0.35 to 9 cycles per half image) and golden-angle directions, so
   every orientation is covered. It depends only on the grid, so ONNX Runtime folds it into a
   constant when the session loads (the file holds only the small per-axis vectors) and the
   expensive ``Sin`` (~14x slower than ``Tanh`` in ONNX Runtime on this CPU) never runs per frame.
6. Three layers of width 32: ``tanh(h @ W' + b')``: one ``Gemm`` (``addmm``; the bias rides in
   the matrix product) that ONNX Runtime fuses with the ``Tanh``.
7. A last ``Gemm`` to four columns: the palette phase ``a`` (the palette's cycle count and hue
   folded into the weights) as ``a``, ``a - pi/2``, ``2a + phi``, and a shading field; one
   ``Cos`` over those four columns; one ``[4, 3]`` ``Gemm`` mixes them into 0..255 RGB (plus
   0.5 for rounding), then ``Clip``, ``Cast`` to uint8 and a free reshape to NHWC.

Everything is a smooth function of the inputs, so nearby inputs give nearby frames. The weights
come from a fixed seed through a private ``torch.Generator`` (the global RNG is left alone), so
the module and its ONNX export are the same on every run, and both resolutions share them: a
512 frame is the 256 frame sampled twice as finely.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from export.onnx_export import ExportReport, InputDeclaration, biggan_interface, export_generator
from oscserver.render.contract import DEFAULT_SIZES

SEED = 20240611
NUM_CLASSES = 1000
NOISE_DIM = 128
EMBED_DIM = 64
LATENT_DIM = 128
NUM_FREQS = 32
WIDTH = 32
NUM_HIDDEN = 3
#: A one-hot at this class is the default look (teal, navy and sand, flowing diagonally).
DEFAULT_CLASS = 780
DEFAULT_TRUNCATION = 0.5
DEFAULT_NOISE_SEED = 0
TRUNCATION_RANGE = (0.02, 1.0)
SIZES = DEFAULT_SIZES

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def coordinate_axis(size: int) -> torch.Tensor:
    """Pixel-centre coordinates in [-1, 1] along one axis, ``[size]``."""
    return (torch.arange(size, dtype=torch.float64) + 0.5) / size * 2.0 - 1.0


class DefaultGenerator(nn.Module):
    """Style-modulated CPPN rendering a ``size`` x ``size`` uint8 RGB frame, NHWC.

    ``forward(class_weights [1,1000], noise [1,128], truncation [1]) -> uint8 [1,size,size,3]``.
    The weights depend only on ``seed``, never on ``size``.
    """

    def __init__(self, size: int = 256, seed: int = SEED) -> None:
        super().__init__()
        if size < 8:
            raise ValueError(f"size must be at least 8, got {size}")
        self.size = size
        gen = torch.Generator().manual_seed(seed)

        def randn(*shape: int, scale: float = 1.0) -> torch.Tensor:
            return torch.randn(*shape, generator=gen, dtype=torch.float32) * scale

        def affine(n_in: int, n_out: int, gain: float = 1.0) -> torch.Tensor:
            return randn(n_in, n_out, scale=gain / math.sqrt(n_in))

        # Coordinate feature bank: frequencies (cycles per half image), directions, phases.
        freqs = torch.exp(torch.linspace(math.log(0.35), math.log(9.0), NUM_FREQS))
        angles = torch.arange(NUM_FREQS, dtype=torch.float32) * _GOLDEN_ANGLE
        phases = torch.rand(NUM_FREQS, generator=gen) * (2.0 * math.pi)
        self.register_buffer("freqs", freqs.float())
        self.register_buffer("freq_x", (math.pi * freqs * torch.cos(angles)).float())
        self.register_buffer("freq_y", (math.pi * freqs * torch.sin(angles)).float())
        self.register_buffer("phases", phases.float())
        self.register_buffer(
            "orient", torch.stack([torch.cos(2 * angles), torch.sin(2 * angles)]).float()
        )
        axis = coordinate_axis(size).float()
        self.register_buffer("axis", axis)
        n_in = NUM_FREQS

        # Per-frame part: class embedding and mapping MLP.
        self.class_embed = nn.Parameter(randn(NUM_CLASSES, EMBED_DIM))
        self.map1 = nn.Parameter(affine(EMBED_DIM + NOISE_DIM, LATENT_DIM, gain=1.4))
        self.map1_b = nn.Parameter(randn(LATENT_DIM, scale=0.1))
        self.map2 = nn.Parameter(affine(LATENT_DIM, LATENT_DIM, gain=1.0))

        # Per-pixel layers: base weights, style affines, bias affines, fixed biases.
        widths = [n_in] + [WIDTH] * NUM_HIDDEN
        self.weights = nn.ParameterList()
        self.style = nn.ParameterList()
        self.bias_affine = nn.ParameterList()
        self.bias = nn.ParameterList()
        for i in range(NUM_HIDDEN):
            self.weights.append(nn.Parameter(randn(widths[i], widths[i + 1])))
            self.style.append(nn.Parameter(affine(LATENT_DIM, widths[i], gain=0.8)))
            self.bias_affine.append(nn.Parameter(affine(LATENT_DIM, WIDTH, gain=0.6)))
            self.bias.append(nn.Parameter(randn(WIDTH, scale=0.3)))
        # Output layer: column 0 drives the palette phase, column 1 the shading.
        self.out_weight = nn.Parameter(randn(WIDTH, 2))
        self.out_style = nn.Parameter(affine(LATENT_DIM, WIDTH, gain=0.8))
        # Palette: base (3), luminance (3), chroma (3), accent (3) colour vectors, cycle count,
        # hue, accent phase, shading amount; mostly from the class embedding, a little from w.
        self.palette = nn.Parameter(affine(EMBED_DIM, 16, gain=1.0))
        self.palette_w = nn.Parameter(affine(LATENT_DIM, 16, gain=0.25))
        self.palette_b = nn.Parameter(randn(16, scale=0.2))
        # Flow direction: a 2-vector from w weights the features by orientation (cos/sin 2 theta).
        self.flow = nn.Parameter(affine(LATENT_DIM, 2, gain=1.0))

    # ---------------------------------------------------------------- per-frame part
    def latent(
        self,
        class_weights: torch.Tensor,
        noise: torch.Tensor,
        truncation: torch.Tensor,
        emb: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Class embedding ``[1, EMBED_DIM]`` (``emb`` given: used as is) and mapped latent
        ``w`` ``[1, LATENT_DIM]``."""
        t = truncation.reshape(1, 1)
        if emb is None:
            emb = class_weights @ self.class_embed
        h = torch.cat([emb, noise * t], dim=1) @ self.map1 + self.map1_b
        return emb, torch.tanh(h) @ self.map2

    @staticmethod
    def _modulate(weight: torch.Tensor, style: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        """StyleGAN2-style modulation: scale input rows, unit-normalise output columns, gain."""
        w = weight * style.reshape(-1, 1)
        return w * (gain / torch.sqrt((w * w).sum(dim=0, keepdim=True) + 1e-8))

    # ---------------------------------------------------------------- per-pixel part
    def features(self) -> torch.Tensor:
        """Coordinate features ``[size * size, NUM_FREQS]``: constant, depends on the grid only.

        Built by broadcasting the two axes, so the exported graph holds ``[1, size, K]`` and
        ``[size, 1, K]`` tensors, not the whole ``[size * size, K]`` table.
        """
        n = self.size
        xs = self.axis.reshape(1, n, 1)
        ys = self.axis.reshape(n, 1, 1)
        waves = torch.sin(xs * self.freq_x + ys * self.freq_y + self.phases)  # [n, n, K]
        return waves.reshape(n * n, NUM_FREQS)

    def forward(
        self, class_weights: torch.Tensor, noise: torch.Tensor, truncation: torch.Tensor
    ) -> torch.Tensor:
        rgb = self.draw(class_weights, noise, truncation)
        return rgb.to(torch.uint8).reshape(1, self.size, self.size, 3)

    def draw(
        self,
        class_weights: torch.Tensor,
        noise: torch.Tensor,
        truncation: torch.Tensor,
        emb: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The frame before rounding: float ``[size * size, 3]`` in 0..255 (plus 0.5), with
        gradients (``forward`` casts it to uint8). ``emb`` replaces the class embedding (the
        class training optimises it directly)."""
        t = truncation.reshape(1, 1)
        emb, w = self.latent(class_weights, noise, truncation, emb)

        # Truncation: frequency envelope (calm = long waves only) and layer gains (wild = sharp).
        cutoff = 0.7 + 1.3 * t + 1.8 * t * t
        envelope = torch.exp(-((self.freqs.reshape(1, -1) / cutoff) ** 2))
        envelope = envelope * torch.exp(0.9 * torch.tanh(w @ self.flow) @ self.orient)
        gain = 1.0 + 1.7 * t

        h = self.features()
        for i in range(NUM_HIDDEN):
            style = torch.exp(torch.tanh(w @ self.style[i]))
            if i == 0:
                style = style * envelope
                layer_gain = 1.2 + 0.8 * t
            else:
                layer_gain = gain
            weight = self._modulate(self.weights[i], style, layer_gain)
            bias = self.bias[i] + 0.5 * torch.tanh(w @ self.bias_affine[i])
            h = torch.tanh(torch.addmm(bias, h, weight))

        # Palette: a closed curve through colour space, base + lum*cos(a) + chroma*sin(a) +
        # accent*cos(2a + phi), walked by the palette phase a. Its colour vectors come mostly
        # from the class embedding (a class keeps its palette while the noise moves).
        p = emb @ self.palette + w @ self.palette_w + self.palette_b
        base = 0.5 + 0.1 * torch.tanh(p[:, 0:3])
        lum = (0.26 + 0.08 * t) * (1.0 + 0.4 * torch.tanh(p[:, 3:6]))
        chroma = torch.tanh(p[:, 6:9])
        chroma = (0.24 + 0.18 * t) * (chroma - chroma.mean(dim=1, keepdim=True))
        accent = torch.tanh(p[:, 9:12])
        accent = (0.12 + 0.1 * t) * (accent - accent.mean(dim=1, keepdim=True))
        cycles = (0.9 + 0.6 * t) * torch.exp(0.35 * torch.tanh(p[:, 12:13]))
        hue = 2.0 * math.pi * p[:, 13:14]
        accent_phase = 2.0 * math.pi * p[:, 14:15]
        shade = (0.12 + 0.06 * torch.tanh(p[:, 15:16])) * (1.0 + 0.5 * t)

        out = self._modulate(self.out_weight, torch.exp(torch.tanh(w @ self.out_style)), 1.0)
        # The palette phase column of the last layer is folded into three cosine arguments
        # (a, a - pi/2, 2a + phi) and a shading column; one Cos, then one small Gemm mixes the
        # four waves into 0..255 colour.
        a_w = out[:, 0:1] * (2.0 * math.pi * cycles)
        last_w = torch.cat([a_w, a_w, 2.0 * a_w, out[:, 1:2] * 1.2], dim=1)  # [WIDTH, 4]
        last_b = torch.cat(
            [
                hue,
                hue - math.pi / 2,
                2.0 * hue + accent_phase,
                torch.full((1, 1), math.pi / 2, device=hue.device),  # on the GPU too
            ],
            dim=1,
        )
        waves = torch.cos(torch.addmm(last_b, h, last_w))  # [HW, 4]
        mix = torch.cat([lum, chroma, accent, shade * (0.6 + base)]) * 255.0  # [4, 3]
        return torch.clamp(torch.addmm(base * 255.0 + 0.5, waves, mix), 0.0, 255.0)


def default_class_weights() -> torch.Tensor:
    """The default ``class`` input: a one-hot at :data:`DEFAULT_CLASS`, ``[1, 1000]``."""
    c = torch.zeros(1, NUM_CLASSES)
    c[0, DEFAULT_CLASS] = 1.0
    return c


def input_specs() -> list[InputDeclaration]:
    """The generator's controls, BigGAN-compatible names, shapes, roles and ranges."""
    return biggan_interface(
        default_class=DEFAULT_CLASS,
        noise_seed=DEFAULT_NOISE_SEED,
        truncation=DEFAULT_TRUNCATION,
        truncation_range=TRUNCATION_RANGE,
        classes=NUM_CLASSES,
        noise_dim=NOISE_DIM,
        describe_class="class weights: every class has its own palette and flow; mixes blend",
        describe_noise="latent: moves the shapes, flow direction and palette details",
        describe_truncation="low: calm, few large soft shapes; high: wild, fine detail, strong "
        "colour",
    )


DESCRIPTION = "Embedded default generator: a style-modulated CPPN drawing marbled, flowing patterns"


def export_default(
    size: int,
    path: str | Path,
    check_samples: int = 3,
    class_embed: torch.Tensor | None = None,
    description: str = DESCRIPTION,
) -> ExportReport:
    """Export the default generator at ``size`` to ``path`` and check it against PyTorch;
    ``class_embed`` replaces the seeded class embedding (``oscserver train default``)."""
    generator = DefaultGenerator(size)
    if class_embed is not None:
        with torch.no_grad():
            generator.class_embed.copy_(class_embed)
    return export_generator(
        generator,
        input_specs(),
        output_layout="NHWC",
        output_range=(0, 255),
        name="default",
        path=path,
        description=description,
        check_samples=check_samples,
    )

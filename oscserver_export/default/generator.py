"""The embedded default generator: a style-modulated CPPN over trained class pictures.

A CPPN ("compositional pattern-producing network") maps pixel coordinates to colours. Random,
untrained weights already draw flowing, marbled, organic patterns when a network composes a few
smooth non-linearities over a bank of sinusoidal coordinate features. This module wraps such a
network in a BigGAN-compatible interface, so every patch, mapping and OSC address written for
BigGAN plays it too:

``class``       float32 [1, 1000], class weights in [0, 1] (a one-hot picks one class)
``noise``       float32 [1, 128], latent in [-2, 2]
``truncation``  float32 [1], in [0.02, 1]: calm (few large soft shapes) to wild (fine detail)
``pixel_x``     float32 [W], ``pixel_y`` float32 [H]: the pixel centres' coordinates, filled by
                the server (``contract.pixel_axes``): the short side spans [-1, 1]
``image``       uint8 [1, H, W, 3], NHWC, 0..255 (scaling and cast happen in the graph)

It draws at any size and aspect, natively: the frame is wherever the coordinates say. A wider
frame sees more of the same marbling (the waves go on), and the class picture, which covers
[-1, 1], is mirrored beyond it, so 16:9 is the square look framed wider, never squashed.

The design is split by cost.

*Per frame* (a few million multiply-adds at most, negligible):

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
   every orientation is covered. It is separable, ``sin(a + b) = sin a cos b + cos a sin b``:
   the expensive ``Sin`` and ``Cos`` (~14x slower than ``Tanh`` in ONNX Runtime on this CPU)
   run on the two axes only (W + H values, not W x H), and the frame's table is two products
   and a sum, which costs the first layer's matrix product a few percent. Served at a size, the
   coordinates are constants, and ONNX Runtime folds this whole table at load.
6. Three layers of width 32: ``tanh(h @ W' + b')``: one ``Gemm`` (``addmm``; the bias rides in
   the matrix product) that ONNX Runtime fuses with the ``Tanh``.
7. A last ``Gemm`` to four columns: the palette phase ``a`` (the palette's cycle count and hue
   folded into the weights) as ``a``, ``a - pi/2``, ``2a + phi``, and a shading field; one
   ``Cos`` over those four columns; one ``[4, 3]`` ``Gemm`` mixes them into 0..255 RGB: the
   *marbling*.
8. The *class picture*: every class has a 32x32 RGB picture (uint8, 3 MB for all 1000,
   ``oscserver_export/default/class_pictures.npz``) trained so that an ImageNet classifier sees the
   class in the finished frame (``oscserver train default``, docs/curation.md). The class weights
   mix the pictures linearly (one ``MatMul``); the picture is stretched over the frame by two small
   matrix products (bilinear rows, then columns) through a gentle sine bend whose phase comes from
   the noise (so the noise moves it like liquid) and frequency and drift from ``w``. It shows
   through the marbling by truncation: none when calm (0.02: the marbling alone), 95 % at 0.5, then
   the wild marbling takes it back towards 1. Then ``Clip``, ``Cast`` to uint8 and a free reshape to
   NHWC.

9. *Fine detail*: 16 more waves, 12 to 540 cycles across the short side, each weighted by how
   well this frame's pixels carry it (a Gaussian of its cycles per pixel), so a wave too fine
   for the grid fades instead of aliasing. A 256 frame shows the coarsest of them; a 1080p frame
   shows veins a 540p frame scaled up cannot. Separable again (one ``[H, 32] @ [32, W]``
   product); the noise drifts their phases, truncation their strength. They ride in the last
   ``Gemm`` as one more column: the palette phase (veins in the marbling) and a fifth wave, a
   near-linear ``sin`` that lays a faint grain over the whole frame.

Everything is a smooth function of the inputs, so nearby inputs give nearby frames. The CPPN's
weights come from a fixed seed through a private ``torch.Generator`` (the global RNG is left
alone) and the class pictures from their file, so the module and its ONNX export are the same
on every run, and every size shares them: a 512 frame is the 256 frame sampled twice as
finely, with the finer detail 512 pixels can carry.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from oscserver.generator.contract import NATURAL_SIZE, InputDeclaration, pixel_axes
from oscserver_export.biggan.interface import biggan_interface
from oscserver_export.writer.generator_file import ExportReport, export_generator

SEED = 20240611
#: The trained class pictures (``oscserver train default --all`` writes them; uint8).
PICTURES_PATH = Path(__file__).with_name("class_pictures.npz")
#: Each class picture is PICTURE x PICTURE pixels, stretched over the frame.
PICTURE = 32
#: How fast the bend's phases follow the noise: a noise step of 0.1 moves the picture a
#: few levels, as it moves the marbling (tests/export/test_default_generator.py).
BEND_PHASE_GAIN = 2.0
#: How much of the picture the wild marbling takes back at truncation 1.
WILD_SHARE = 0.8
#: The class picture's contrast at truncation 0 (1 at 0.5, rising on past it).
CONTRAST_AT_0 = 0.25
NUM_CLASSES = 1000
NOISE_DIM = 128
EMBED_DIM = 64
LATENT_DIM = 128
NUM_FREQS = 32
WIDTH = 32
NUM_HIDDEN = 3
#: Fine detail: waves from DETAIL_FREQS[0] to DETAIL_FREQS[1] cycles across the short side,
#: each shown only where the pixels can carry it (see ``DefaultGenerator.detail``).
DETAIL_WAVES = 16
DETAIL_FREQS = (12.0, 540.0)
#: A wave of this many cycles per pixel shows at 1/e of its strength (0.5 is the grid's limit).
DETAIL_CUTOFF = 0.22
#: How far the detail moves the palette phase at truncation 1 (radians; with truncation
#: squared), and how many levels of grain it lays over the frame there (from 0.5 up).
DETAIL_VEINS = 0.8
DETAIL_GRAIN = 10.0
_GRAIN_EPS = 0.05
#: A one-hot at this class is the default look (teal, navy and sand, flowing diagonally).
DEFAULT_CLASS = 780
DEFAULT_TRUNCATION = 0.5
DEFAULT_NOISE_SEED = 0
TRUNCATION_RANGE = (0.02, 1.0)
NATURAL = NATURAL_SIZE[0]
"""The square it is traced at (any size draws the same look)."""
CHECKED_SIZES = ((64, 36), (36, 64))
"""Sizes other than square the export is also checked at against PyTorch (16:9, portrait)."""

_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def coordinate_axis(size: int) -> torch.Tensor:
    """Pixel-centre coordinates in [-1, 1] along one axis, ``[size]`` (a square frame's)."""
    return (torch.arange(size, dtype=torch.float64) + 0.5) / size * 2.0 - 1.0


def mirrored(x: torch.Tensor) -> torch.Tensor:
    """Coordinates beyond [-1, 1] folded back into it, as a mirror would (a triangle wave):
    the class picture, which covers [-1, 1], goes on mirrored across a wider frame."""
    folded = torch.remainder(x + 1.0, 4.0)
    return 1.0 - torch.abs(folded - 2.0)


class DefaultGenerator(nn.Module):
    """Style-modulated CPPN rendering a uint8 RGB frame of any size, NHWC.

    ``forward(class_weights [1,1000], noise [1,128], truncation [1], pixel_x [W], pixel_y [H])
    -> uint8 [1,H,W,3]``. ``size`` is the square frame :meth:`draw` makes without coordinates
    (training) and the example the exporter traces. The weights depend only on ``seed`` and the
    class pictures on their file, never on the size.
    """

    # Buffers (register_buffer), declared for the type checker.
    freqs: torch.Tensor
    freq_x: torch.Tensor
    freq_y: torch.Tensor
    phases: torch.Tensor
    orient: torch.Tensor
    axis: torch.Tensor
    taps: torch.Tensor
    pictures: torch.Tensor
    detail_freqs: torch.Tensor
    detail_fx: torch.Tensor
    detail_fy: torch.Tensor
    detail_phases: torch.Tensor
    detail_amps: torch.Tensor
    detail_drift: torch.Tensor

    def __init__(self, size: int = 256, seed: int = SEED, pictures: bool = True) -> None:
        """``pictures``: load the trained class pictures (:data:`PICTURES_PATH`; a missing or
        broken file is an error); with ``False`` every class picture is flat grey."""
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
        # The class picture: PICTURE x PICTURE RGB per class (uint8), trained against an
        # ImageNet classifier; the latent bends it (see _bent).
        self.bend = nn.Parameter(affine(LATENT_DIM, 6, gain=1.0))
        self.register_buffer("taps", torch.arange(PICTURE, dtype=torch.float32).reshape(1, -1))
        self._init_detail(torch.Generator().manual_seed(seed + 1))
        table = torch.full((NUM_CLASSES, 3 * PICTURE * PICTURE), 128, dtype=torch.uint8)
        if pictures:
            table = load_pictures(PICTURES_PATH)
        self.register_buffer("pictures", table)  # uint8: the file stores a quarter

    def _init_detail(self, gen: torch.Generator) -> None:
        """The fine-detail waves: log-spaced frequencies, golden-angle directions, random
        phases, amplitudes falling as 1/sqrt(f) (so finer detail is fainter, as in nature)."""
        low, high = DETAIL_FREQS
        freqs = torch.exp(torch.linspace(math.log(low), math.log(high), DETAIL_WAVES))
        angles = torch.arange(DETAIL_WAVES, dtype=torch.float32) * _GOLDEN_ANGLE + 0.3
        amps = freqs**-0.5
        self.register_buffer("detail_freqs", freqs.float())
        self.register_buffer("detail_fx", (math.pi * freqs * torch.cos(angles)).float())
        self.register_buffer("detail_fy", (math.pi * freqs * torch.sin(angles)).float())
        self.register_buffer("detail_phases", (torch.rand(DETAIL_WAVES, generator=gen) * 6.2832))
        self.register_buffer("detail_amps", (amps / amps.square().sum().sqrt()).float())
        drift = torch.randn(NOISE_DIM, DETAIL_WAVES, generator=gen) / math.sqrt(NOISE_DIM)
        self.register_buffer("detail_drift", drift.float())

    # ---------------------------------------------------------------- per-frame part
    def latent(
        self,
        class_weights: torch.Tensor,
        noise: torch.Tensor,
        truncation: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Class embedding ``[1, EMBED_DIM]`` and mapped latent ``w`` ``[1, LATENT_DIM]``."""
        t = truncation.reshape(1, 1)
        emb = class_weights @ self.class_embed
        h = torch.cat([emb, noise * t], dim=1) @ self.map1 + self.map1_b
        return emb, torch.tanh(h) @ self.map2

    def _bent(
        self,
        picture: torch.Tensor,
        noise: torch.Tensor,
        w: torch.Tensor,
        t: torch.Tensor,
        axes: tuple[torch.Tensor, torch.Tensor],
    ) -> torch.Tensor:
        """The class picture stretched over the frame, ``[H * W, 3]`` in 0..255, read
        through a gentle separable bend: each axis is squeezed and stretched by a sine whose
        phase comes from the noise (so it moves the picture like liquid), frequency and drift
        from ``w``, and whose depth grows with truncation. Bilinear sampling as two small
        matrix products (rows, then columns), a few percent of the frame's cost."""
        # Phases straight from the noise (unbounded: a sine takes them), so the noise moves
        # the picture and a class change does not swing it; turns and drift from w.
        phases = (noise @ self.bend[:, :2]) * BEND_PHASE_GAIN
        bend = torch.cat([phases, torch.tanh(w @ self.bend[:, 2:])], dim=1)  # [1, 6]
        depth = 0.01 + 0.03 * t

        def weights(axis: int) -> torch.Tensor:  # [W or H, PICTURE]: bilinear, edges held
            phase, turns, drift = (
                bend[:, axis : axis + 1],
                bend[:, 2 + axis : 3 + axis],
                bend[:, 4 + axis : 5 + axis],
            )
            x = mirrored(axes[axis]).reshape(-1, 1)
            x = x + depth * torch.sin(math.pi * ((1.5 + turns) * x + 2.0 * phase)) + 0.03 * drift
            u = torch.clamp((x + 1.0) * (PICTURE / 2.0) - 0.5, 0.0, PICTURE - 1.0)
            return torch.relu(1.0 - torch.abs(u - self.taps))

        rows, cols = weights(1), weights(0)
        sampled = rows @ picture.reshape(3, PICTURE, PICTURE) @ cols.t()  # [3, H, W]
        return sampled.reshape(3, -1).t() * 255.0

    @staticmethod
    def _modulate(
        weight: torch.Tensor, style: torch.Tensor, gain: torch.Tensor | float
    ) -> torch.Tensor:
        """StyleGAN2-style modulation: scale input rows, unit-normalise output columns, gain."""
        w = weight * style.reshape(-1, 1)
        return w * (gain / torch.sqrt((w * w).sum(dim=0, keepdim=True) + 1e-8))

    # ---------------------------------------------------------------- per-pixel part
    def features(self, axes: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Coordinate features ``[H * W, NUM_FREQS]``, ``sin(x fx + y fy + phase)``, made from
        the two axes: ``sin(a + b) = sin a cos b + cos a sin b`` with ``a`` from x (``[W, K]``)
        and ``b`` from y (``[H, K]``), so sines run on W + H values, not W x H."""
        xs, ys = axes
        a = xs.reshape(1, -1, 1) * self.freq_x  # [1, W, K]
        b = ys.reshape(-1, 1, 1) * self.freq_y + self.phases  # [H, 1, K]
        waves = torch.sin(a) * torch.cos(b) + torch.cos(a) * torch.sin(b)  # [H, W, K]
        return waves.reshape(-1, NUM_FREQS)

    def detail(self, axes: tuple[torch.Tensor, torch.Tensor], noise: torch.Tensor) -> torch.Tensor:
        """Fine detail ``[H * W, 1]``, about -1..1: a sum of waves up to far finer than the
        marbling, each weighted by how well this frame's pixels carry it (a Gaussian of its
        cycles per pixel: the waves a pixel cannot hold fade instead of aliasing). So the same
        generator drawn at 1080p shows veins a 540p drawing, scaled up, cannot. Separable like
        :meth:`features` (one ``[H, 2K] @ [2K, W]`` product); the noise drifts the phases."""
        xs, ys = axes
        spacing = torch.abs(xs[1:2] - xs[0:1])  # [1]: the short side spans 2
        per_pixel = self.detail_freqs * spacing * 0.5
        carried = torch.exp(-((per_pixel / DETAIL_CUTOFF) ** 2)) * self.detail_amps  # [K]
        shift = noise @ self.detail_drift  # [1, K]
        a = xs.reshape(-1, 1) * self.detail_fx + self.detail_phases + shift  # [W, K]
        b = ys.reshape(-1, 1) * self.detail_fy  # [H, K]
        across = torch.cat([torch.sin(a), torch.cos(a)], dim=1) * torch.cat([carried, carried])
        down = torch.cat([torch.cos(b), torch.sin(b)], dim=1)  # [H, 2K]
        return (down @ across.t()).reshape(-1, 1) * math.sqrt(2.0)

    def forward(
        self,
        class_weights: torch.Tensor,
        noise: torch.Tensor,
        truncation: torch.Tensor,
        pixel_x: torch.Tensor,
        pixel_y: torch.Tensor,
    ) -> torch.Tensor:
        rgb = self.draw(class_weights, noise, truncation, axes=(pixel_x, pixel_y))
        return rgb.to(torch.uint8).reshape(1, pixel_y.shape[0], pixel_x.shape[0], 3)

    def draw(
        self,
        class_weights: torch.Tensor,
        noise: torch.Tensor,
        truncation: torch.Tensor,
        picture: torch.Tensor | None = None,
        axes: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """The frame before rounding: float ``[H * W, 3]`` in 0..255 (plus 0.5), with
        gradients (``forward`` casts it to uint8). ``axes`` are the pixel coordinates (x, y);
        default: the ``size`` x ``size`` square. ``picture`` (``[1, 3, PICTURE, PICTURE]``,
        0..1) replaces the class picture: the class training optimises it directly."""
        if axes is None:
            axes = (self.axis, self.axis)
        t = truncation.reshape(1, 1)
        emb, w = self.latent(class_weights, noise, truncation)

        # Truncation: frequency envelope (calm = long waves only) and layer gains (wild = sharp).
        cutoff = 0.7 + 1.3 * t + 1.8 * t * t
        envelope = torch.exp(-((self.freqs.reshape(1, -1) / cutoff) ** 2))
        envelope = envelope * torch.exp(0.9 * torch.tanh(w @ self.flow) @ self.orient)
        gain = 1.0 + 1.7 * t

        h = self.features(axes)
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
        # Fine detail rides in the same product as one more column of h: it veins the
        # marbling (more as it turns wild) through the palette phase, and a fifth wave,
        # cos(pi/2 - e * fine) = sin(e * fine), nearly e * fine, grains the whole frame.
        h = torch.cat([h, self.detail(axes, noise)], dim=1)  # [HW, WIDTH + 1]
        veins = DETAIL_VEINS * t * t
        zero = torch.zeros_like(t)
        detail_row = torch.cat([veins, veins, 2.0 * veins, zero, zero - _GRAIN_EPS], dim=1)
        last_w = torch.cat([torch.cat([last_w, zero.expand(WIDTH, 1)], dim=1), detail_row])
        last_b = torch.cat([last_b, torch.full_like(t, math.pi / 2)], dim=1)  # [1, 5]
        waves = torch.cos(torch.addmm(last_b, h, last_w))  # [HW, 5]
        weight = picture_weight(t)
        # The grain comes in past 0.5, where the class picture gives way to the wild marbling
        # (the pictures are trained without it); laid over the picture too, so the marbling's
        # share below is undone here.
        past = torch.clamp((t - 0.5) * 2.0, 0.0, 1.0)
        grain = (DETAIL_GRAIN * past * past / (_GRAIN_EPS * (1.0 - weight))).expand(1, 3)
        mix = torch.cat([lum, chroma, accent, shade * (0.6 + base)]) * 255.0  # [4, 3]
        marble = torch.addmm(base * 255.0, waves, torch.cat([mix, grain]))  # [HW, 3], 0..255

        # The class picture, bent by the noise (it moves it like liquid), shows
        # through the marbling as truncation rises: calm is the marbling alone.
        if picture is None:
            table = self.pictures.to(torch.float32) * (1.0 / 255.0)
            picture = (class_weights @ table).reshape(1, 3, PICTURE, PICTURE)
        shown = self._bent(picture, noise, w, t, axes)  # [HW, 3], 0..255
        # Its contrast grows with truncation too (1 at 0.5, where it was trained): softer as it
        # comes in, stronger as the marbling turns wild.
        contrast = CONTRAST_AT_0 + (1.0 - CONTRAST_AT_0) * 2.0 * t
        shown = weight * contrast * shown + weight * (1.0 - contrast) * 127.5
        return torch.clamp(marble * (1.0 - weight) + shown + 0.5, 0.0, 255.0)


def picture_weight(truncation: torch.Tensor) -> torch.Tensor:
    """How much of the class picture shows at ``truncation``: none when calm (the marbling
    alone), 0.95 at 0.5, then the wild marbling takes over again (WILD_SHARE of it at 1)."""
    rise = 1.0 - torch.exp(-((truncation / 0.2) ** 2))
    past = torch.clamp((truncation - 0.5) * 2.0, 0.0, 1.0)
    return 0.95 * rise * (1.0 - WILD_SHARE * past * past * (3.0 - 2.0 * past))


def load_pictures(path: Path) -> torch.Tensor:
    """The class pictures ``[NUM_CLASSES, 3 * PICTURE * PICTURE]``, uint8, from ``path``;
    raises ValueError naming a file that is not one."""
    import numpy as np

    if not path.is_file():
        raise ValueError(f"{path}: the class pictures are missing (`oscserver train default`)")
    try:
        with np.load(path) as data:
            table = data["pictures"]
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise ValueError(f"{path}: not a class-picture file ({error})") from error
    expected = (NUM_CLASSES, 3 * PICTURE * PICTURE)
    if table.shape != expected or table.dtype != np.uint8:
        raise ValueError(f"{path}: pictures are {table.dtype} {table.shape}; need uint8 {expected}")
    return torch.from_numpy(table.copy())


def default_class_weights() -> torch.Tensor:
    """The default ``class`` input: a one-hot at :data:`DEFAULT_CLASS`, ``[1, 1000]``."""
    c = torch.zeros(1, NUM_CLASSES)
    c[0, DEFAULT_CLASS] = 1.0
    return c


def input_specs(size: int = NATURAL) -> list[InputDeclaration]:
    """The generator's controls, BigGAN-compatible names, shapes, roles and ranges, then the
    pixel coordinates the server fills (``size``: the example the exporter traces with)."""
    return [*controls(), *pixel_inputs(size)]


def pixel_inputs(size: int) -> list[InputDeclaration]:
    return [
        InputDeclaration("pixel_x", (size,), "pixel_x", description="x of every pixel column"),
        InputDeclaration("pixel_y", (size,), "pixel_y", description="y of every pixel row"),
    ]


def controls() -> list[InputDeclaration]:
    return biggan_interface(
        default_class=DEFAULT_CLASS,
        noise_seed=DEFAULT_NOISE_SEED,
        truncation=DEFAULT_TRUNCATION,
        truncation_range=TRUNCATION_RANGE,
        classes=NUM_CLASSES,
        noise_dim=NOISE_DIM,
        describe_class="class weights: every class has its own picture, palette and flow; mixes "
        "blend",
        describe_noise="latent: bends the picture, moves the shapes, flow and palette details",
        describe_truncation="low: calm marbling, few large soft shapes; rising: the class "
        "picture shows through; high: wild, fine detail, strong colour",
    )


DESCRIPTION = (
    "Embedded default generator: a style-modulated CPPN drawing marbled, flowing patterns "
    "over class pictures trained against an ImageNet classifier"
)


def export_default(
    path: str | Path,
    check_samples: int = 3,
    pictures: torch.Tensor | None = None,
    description: str = DESCRIPTION,
) -> ExportReport:
    """Export the default generator, which draws at any size, to ``path`` and check it against
    PyTorch at its natural square size and at 16:9 and portrait sizes; ``pictures`` (uint8)
    replaces the stored class pictures (``oscserver train default``)."""
    generator = DefaultGenerator(NATURAL)
    if pictures is not None:
        generator.pictures.copy_(pictures)
    others = []
    for width, height in CHECKED_SIZES:
        x, y = pixel_axes(width, height)
        others.append({"pixel_x": x, "pixel_y": y})
    return export_generator(
        generator,
        input_specs(NATURAL),
        output_layout="NHWC",
        output_range=(0, 255),
        name="default",
        path=path,
        description=description,
        check_samples=check_samples,
        check_inputs=others,
    )

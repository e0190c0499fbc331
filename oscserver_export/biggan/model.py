"""BigGAN-deep from ``pytorch_pretrained_biggan``, made exportable with truncation as an input.

The package (``pytorch_pretrained_biggan/model.py``: ``BigGAN``, ``Generator``, ``GenBlock``,
``BigGANBatchNorm``, ``SelfAttn``; configurations ``BigGANConfig``) implements **BigGAN-deep**:
its ``GenBlock`` is the deep bottleneck block (1x1 conv down to a quarter of the channels, two
3x3 convs, 1x1 conv up, four conditional batch norms, channels dropped on the skip path), its
docstring says "only comprises the deep version", and its weights are the TF Hub
``biggan-deep-{128,256,512}`` modules converted. This module uses those classes as they are
and changes three things, all at export time, on a copy:

1. Every ``BigGANBatchNorm`` becomes a :class:`TruncatedBatchNorm`. The package picks its
   stored statistics with Python arithmetic on a float truncation (``math.modf(truncation /
   step)``), which tracing freezes into constants. Here the truncation is a tensor and the
   statistics are interpolated with tensor ops: a "hat" weight per stored truncation,
   ``relu(1 - |k - t * (n - 1)|)``, times the ``[n, C]`` table (one MatMul). At every multiple
   of ``1 / (n - 1)`` (0.02: so 0.2, 0.5, 1.0 ...) that is exactly the stored row, as in the
   package. In between it is the linear interpolation; the package weights the two rows the
   other way round (``coef`` multiplies the *lower* row), which makes its statistics jump at
   each grid point: fine for stills, not for a truncation fader, so this is not copied.
   Mean and variance are folded into one scale and shift per channel (``x * a + b``).
2. Spectral normalisation is removed (``torch.nn.utils.remove_spectral_norm``): in eval mode
   it only divides each weight by a fixed sigma, so the division is done once.
3. ``conv_to_rgb`` computes ``channel_width`` channels and the package keeps the first three;
   here it computes only those three (same weights), which at 512x512 saves most of the cost
   of the last layer.

:class:`BigGANGenerator` wraps the result with the generator contract's inputs and turns the
``[-1, 1]`` NCHW picture into ``uint8`` NHWC in the graph.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    # The package has no type hints: its classes are Any to mypy, named here for the reader.
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig
    from pytorch_pretrained_biggan.model import BigGANBatchNorm

#: The package's own configurations for the three published resolutions.
RESOLUTIONS = (128, 256, 512)
NUM_CLASSES = 1000
NOISE_DIM = 128


def biggan_config(resolution: int, channel_width: int | None = None) -> BigGANConfig:
    """The package's ``BigGANConfig`` for ``resolution`` (128, 256 or 512).

    ``channel_width`` overrides the width (128 in the published models) for small test models.
    """
    from pytorch_pretrained_biggan.convert_tf_to_pytorch import BigGAN128, BigGAN256, BigGAN512

    configs = {128: BigGAN128, 256: BigGAN256, 512: BigGAN512}
    if resolution not in configs:
        raise ValueError(f"BigGAN-deep comes in resolutions {RESOLUTIONS}, not {resolution}")
    config = copy.deepcopy(configs[resolution])
    if channel_width is not None:
        config.channel_width = channel_width
    return config


def statistics_weights(truncation: torch.Tensor, n_stats: int) -> torch.Tensor:
    """Interpolation weights ``[1, n_stats]`` over the stored statistics for ``truncation``.

    Row ``k`` was measured at truncation ``k / (n_stats - 1)``; the weights are the linear
    interpolation between the two rows around ``truncation`` (a one-hot on the grid).
    """
    position = (truncation.float().reshape(1, 1) * (n_stats - 1)).clamp(0.0, n_stats - 1.0)
    grid = torch.arange(n_stats, dtype=torch.float32, device=truncation.device).reshape(1, -1)
    return torch.relu(1.0 - torch.abs(grid - position))


class TruncatedBatchNorm(nn.Module):
    """The package's ``BigGANBatchNorm`` with the truncation as a tensor (see module docs)."""

    running_means: torch.Tensor
    running_vars: torch.Tensor

    def __init__(self, norm: BigGANBatchNorm) -> None:
        super().__init__()
        self.eps = float(norm.eps)
        self.conditional = bool(norm.conditional)
        self.n_stats = int(norm.running_means.shape[0])
        self.register_buffer("running_means", norm.running_means.detach().clone())
        self.register_buffer("running_vars", norm.running_vars.detach().clone())
        if self.conditional:
            self.scale = norm.scale
            self.offset = norm.offset
        else:
            self.weight = norm.weight
            self.bias = norm.bias

    def forward(
        self,
        x: torch.Tensor,
        truncation: torch.Tensor,
        condition_vector: torch.Tensor | None = None,
    ) -> torch.Tensor:
        weights = statistics_weights(truncation, self.n_stats)
        # Statistics in float32 even in a half-precision model: cheap ([1, C]) and exact.
        mean = weights @ self.running_means.float()
        var = weights @ self.running_vars.float()
        inv_std = torch.rsqrt(var + self.eps)
        if self.conditional:
            gain = 1.0 + self.scale(condition_vector).float()
            shift = self.offset(condition_vector).float()
        else:
            gain = self.weight.float().reshape(1, -1)
            shift = self.bias.float().reshape(1, -1)
        a = (gain * inv_std).to(x.dtype)
        b = (shift - mean * gain * inv_std).to(x.dtype)
        return x * a.reshape(1, -1, 1, 1) + b.reshape(1, -1, 1, 1)


def exportable_copy(model: BigGAN) -> BigGAN:
    """A copy of a package ``BigGAN`` ready to trace: statistics interpolated from a tensor
    truncation, spectral norm folded into the weights, ``conv_to_rgb`` cut to three channels.
    The original is left untouched (it is the reference the export is checked against)."""
    from pytorch_pretrained_biggan.model import BigGANBatchNorm

    model = copy.deepcopy(model).eval()
    for module in list(model.modules()):
        if hasattr(module, "weight_orig"):
            nn.utils.remove_spectral_norm(module)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, BigGANBatchNorm):
                setattr(parent, name, TruncatedBatchNorm(child))
    generator = model.generator
    full = generator.conv_to_rgb
    rgb = nn.Conv2d(full.in_channels, 3, full.kernel_size, padding=full.padding)
    with torch.no_grad():
        rgb.weight.copy_(full.weight[:3])
        assert rgb.bias is not None  # nn.Conv2d has one unless made with bias=False
        rgb.bias.copy_(full.bias[:3])
    generator.conv_to_rgb = rgb
    return model


def to_pixels(image: torch.Tensor) -> torch.Tensor:
    """``[-1, 1]`` NCHW float to ``uint8`` NHWC, rounded to nearest (what the server shows)."""
    scaled = torch.clamp((image.float() + 1.0) * 127.5 + 0.5, 0.0, 255.0)
    return scaled.to(torch.uint8).permute(0, 2, 3, 1)


class BigGANGenerator(nn.Module):
    """``forward(class_weights [1,1000], noise [1,128], truncation [1]) -> uint8 [1,H,W,3]``.

    ``noise`` is the unit truncated normal in [-2, 2]; the graph multiplies it by
    ``truncation``, so ``/noise/seed s`` with ``/truncation t`` renders what BigGAN's own tools
    render for ``truncated_noise_sample(truncation=t, seed=s)`` at truncation ``t``.
    ``half=True`` keeps the weights and activations in float16 (inputs stay float32; the
    statistics interpolation and the final conversion run in float32).
    """

    def __init__(self, model: BigGAN, half: bool = False) -> None:
        super().__init__()
        self.model = exportable_copy(model)
        self.dtype = torch.float16 if half else torch.float32
        if half:
            self.model.half()

    def forward(
        self, class_weights: torch.Tensor, noise: torch.Tensor, truncation: torch.Tensor
    ) -> torch.Tensor:
        z = noise * truncation.reshape(1, 1)
        embed = self.model.embeddings(class_weights.to(self.dtype))
        condition = torch.cat((z.to(self.dtype), embed), dim=1)
        return to_pixels(self.model.generator(condition, truncation))


class PackageReference(nn.Module):
    """The package's own ``BigGAN.forward`` behind the same inputs and output as
    :class:`BigGANGenerator` (the truncation goes in as a Python float, as the package wants).
    Used to check exports; not traceable."""

    def __init__(self, model: BigGAN) -> None:
        super().__init__()
        self.model = model.eval()

    def forward(
        self, class_weights: torch.Tensor, noise: torch.Tensor, truncation: torch.Tensor
    ) -> torch.Tensor:
        t = float(str(truncation.reshape(-1)[0].numpy()))
        return to_pixels(self.model(noise * t, class_weights, t))


def random_biggan(config: BigGANConfig, seed: int = 0) -> BigGAN:
    """A package ``BigGAN`` with random weights that draws pictures rather than NaNs.

    The package leaves the last batch norm's affine parameters uninitialised, the stored
    statistics at zeros and ones, and its spectral norms' singular vectors unconverged (see
    :func:`_converge_spectral_norms`). Here the statistics are *measured*, like BigGAN's
    "standing statistics", on a forward pass of :data:`MEASURE_BATCH` random classes and
    noises at the lowest and at the highest stored truncation: each batch norm's first and last
    rows get the per-channel mean and variance of what reaches it, the rows in between are
    interpolated. The attention gain is 0.5 and the last batch norm's gain and the
    picture's offset are set so that the picture is centred and not saturated (pre-tanh
    standard deviation about 0.6). The global RNG is left as it was.
    """
    from pytorch_pretrained_biggan import BigGAN
    from pytorch_pretrained_biggan.model import BigGANBatchNorm, SelfAttn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BigGAN(config).eval()
        with torch.no_grad():
            _converge_spectral_norms(model)
            for module in model.modules():
                if isinstance(module, SelfAttn):
                    module.gamma.fill_(0.5)
                if isinstance(module, BigGANBatchNorm) and not module.conditional:
                    module.weight.fill_(1.0)
                    module.bias.zero_()
            norms = [m for m in model.modules() if isinstance(m, BigGANBatchNorm)]
            _measure_statistics(model, norms, config)
    return model


def _converge_spectral_norms(model: BigGAN, iterations: int = 30) -> None:
    """Power-iterate every spectral norm's ``u`` and ``v``. A fresh ``spectral_norm`` holds
    random ones, and in eval mode sigma is read from them as they are (``u . W v``, near zero
    for random vectors), which blows the activations up; trained weights hold converged ones."""
    for module in model.modules():
        if not hasattr(module, "weight_orig"):
            continue
        matrix = module.weight_orig.reshape(module.weight_orig.shape[0], -1)
        u, v = module.weight_u, module.weight_v
        for _ in range(iterations):
            v = nn.functional.normalize(matrix.t() @ u, dim=0, eps=1e-12)
            u = nn.functional.normalize(matrix @ v, dim=0, eps=1e-12)
        module.weight_u.copy_(u)
        module.weight_v.copy_(v)


#: Samples (random classes and noise) the statistics of :func:`random_biggan` are measured on.
MEASURE_BATCH = 2


def _measure_statistics(model: BigGAN, norms: list[BigGANBatchNorm], config: BigGANConfig) -> None:
    n = config.n_stats
    gen = torch.Generator().manual_seed(1)
    label = torch.zeros(MEASURE_BATCH, config.num_classes)
    picks = torch.randint(config.num_classes, (MEASURE_BATCH,), generator=gen)
    label[torch.arange(MEASURE_BATCH), picks] = 1.0
    noise = torch.randn(MEASURE_BATCH, config.z_dim, generator=gen).clamp(-2, 2)
    to_rgb = model.generator.conv_to_rgb
    measured: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {0: [], n - 1: []}
    pictures: list[torch.Tensor] = []

    for row, stats in measured.items():

        def record(module, args, stats=stats):
            x = args[0]
            mean, var = x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)
            # Every row, before the module reads one: it normalises with what it measured.
            module.running_means[:] = mean
            module.running_vars[:] = var
            stats.append((mean, var))

        def record_picture(_module, _args, out):
            pictures.append(out[:, :3] - to_rgb.bias[:3].reshape(1, 3, 1, 1))

        handles = [norm.register_forward_pre_hook(record) for norm in norms]
        handles.append(to_rgb.register_forward_hook(record_picture))
        truncation = max(row / (n - 1), 1e-3)
        try:
            model(noise * truncation, label, truncation)
        finally:
            for handle in handles:
                handle.remove()
    # Rows in between: linear in truncation, from the lowest and the highest.
    frac = torch.linspace(0.0, 1.0, n).reshape(n, 1)
    for norm, (low_mean, low_var), (high_mean, high_var) in zip(
        norms, measured[0], measured[n - 1], strict=True
    ):
        norm.running_means[:] = low_mean + (high_mean - low_mean) * frac
        norm.running_vars[:] = low_var + (high_var - low_var) * frac
    # ReLU then a convolution: the picture (less the bias) is linear in the last norm's gain.
    picture = torch.cat(pictures)
    gain = 0.6 / max(float(picture.std()), 1e-6)
    model.generator.bn.weight.fill_(gain)
    to_rgb.bias[:3] = -gain * picture.mean(dim=(0, 2, 3))

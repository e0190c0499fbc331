"""BigGAN's controls as the generator contract names them, for every generator that speaks
BigGAN's language (BigGAN itself, the embedded default generator), so that every patch,
mapping and OSC address written for BigGAN plays them too. Imports no torch."""

from __future__ import annotations

from oscserver.generator.contract import InputDeclaration


def biggan_interface(
    *,
    default_class: int,
    noise_seed: int,
    truncation: float,
    truncation_range: tuple[float, float],
    describe_class: str,
    describe_noise: str,
    describe_truncation: str,
    classes: int = 1000,
    noise_dim: int = 128,
) -> list[InputDeclaration]:
    """BigGAN's controls as the generator contract names them: ``class`` [1, classes] (a
    one-hot at ``default_class``), ``noise`` [1, noise_dim] (truncated noise from
    ``noise_seed``) and ``truncation`` [1]. Generators that speak BigGAN's language share it."""
    one_hot = [0.0] * classes
    one_hot[default_class] = 1.0
    return [
        InputDeclaration(
            name="class",
            shape=(1, classes),
            role="class_weights",
            range=(0.0, 1.0),
            default=one_hot,
            description=describe_class,
        ),
        InputDeclaration(
            name="noise",
            shape=(1, noise_dim),
            role="noise",
            range=(-2.0, 2.0),
            seed=noise_seed,
            description=describe_noise,
        ),
        InputDeclaration(
            name="truncation",
            shape=(1,),
            role="scalar",
            range=truncation_range,
            default=truncation,
            description=describe_truncation,
        ),
    ]

"""Which generator inputs a mapping plays: the class weights, the noise, the truncation.

Mappings are written for BigGAN's interface (the default generator has it too). A generator
without an input a mapping needs is refused with a message naming what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from oscserver.audio.errors import AudioError
from oscserver.generator.contract import GeneratorSpec, InputSpec


@dataclass(frozen=True, slots=True)
class ControlTarget:
    """The generator's controls as mappings see them (the first input of each role)."""

    generator: str
    class_weights: InputSpec | None
    noise: InputSpec | None
    truncation: InputSpec | None

    @classmethod
    def from_spec(cls, spec: GeneratorSpec) -> ControlTarget:
        def first(role: str) -> InputSpec | None:
            return next((c for c in spec.controls if c.role == role), None)

        truncation = next(
            (c for c in spec.controls if c.role == "scalar" and c.name == "truncation"), None
        )
        return cls(spec.name, first("class_weights"), first("noise"), truncation)

    def need_class_weights(self, mapping: str) -> InputSpec:
        return self._need(self.class_weights, "class_weights", mapping)

    def need_noise(self, mapping: str) -> InputSpec:
        return self._need(self.noise, "noise", mapping)

    def _need(self, control: InputSpec | None, role: str, mapping: str) -> InputSpec:
        if control is None:
            raise AudioError(
                f"mapping {mapping!r} plays a {role} input, and generator {self.generator!r} "
                "has none; pick another mapping or generator"
            )
        return control

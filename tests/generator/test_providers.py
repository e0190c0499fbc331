"""Provider choice and the TensorRT -> CUDA (graph) -> CUDA -> CPU fallback, without a GPU:
the decisions are checked on fake availability lists, the fallback by failing sessions the way
a GPU machine fails them, and the GPU feeding path (IO binding) on the CPU device."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

import oscserver.generator.runtime as runtime_module
from oscserver.core.errors import GeneratorError
from oscserver.generator.io_binding import BoundRenderer, HostRenderer
from oscserver.generator.providers import (
    CPU,
    CUDA,
    TENSORRT,
    Attempt,
    TrtCache,
    default_cache_dir,
    first_that_works,
    model_digest,
    plan_attempts,
)
from oscserver.generator.reading import default_model_path, read_generator
from oscserver.generator.runtime import GeneratorRuntime
from tests.support import build_tiny_generator

ALL = [TENSORRT, CUDA, CPU]


@pytest.fixture
def cache(tmp_path):
    return TrtCache(engines=tmp_path / "trt" / "model-0123", timing=tmp_path / "trt" / "timing")


def labels(attempts):
    return [a.label for a in attempts]


def test_plan_tries_tensorrt_then_cuda_graph_then_cuda_then_cpu(cache):
    attempts = plan_attempts(ALL, trt_cache=cache)
    assert labels(attempts) == ["TensorRT fp16", "CUDA + CUDA graph", "CUDA", "CPU"]
    trt = attempts[0]
    assert [name for name, _ in trt.providers] == [TENSORRT, CUDA, CPU]
    options = trt.providers[0][1]
    assert options["trt_fp16_enable"] == "True" and options["trt_engine_cache_enable"] == "True"
    assert options["trt_engine_cache_path"] == str(cache.engines)
    assert options["trt_timing_cache_path"] == str(cache.timing)
    assert attempts[1].cuda_graph and attempts[1].providers[0][1]["enable_cuda_graph"] == "1"
    assert "enable_cuda_graph" not in attempts[2].providers[0][1]
    assert [a.device for a in attempts] == ["cuda", "cuda", "cuda", "cpu"]


@pytest.mark.parametrize(
    ("available", "requested", "graph", "expected"),
    [
        ([CPU], None, True, ["CPU"]),
        ([CUDA, CPU], None, True, ["CUDA + CUDA graph", "CUDA", "CPU"]),
        ([CUDA, CPU], None, False, ["CUDA", "CPU"]),
        (ALL, "cuda", True, ["CUDA + CUDA graph", "CUDA", "CPU"]),
        (ALL, "cpu", True, ["CPU"]),
        (ALL, "tensorrt", False, ["TensorRT fp16", "CUDA", "CPU"]),
    ],
)
def test_plan_follows_availability_and_request(cache, available, requested, graph, expected):
    assert labels(plan_attempts(available, requested, cache, graph)) == expected


def test_plan_without_a_cache_skips_tensorrt():
    assert labels(plan_attempts(ALL)) == ["CUDA + CUDA graph", "CUDA", "CPU"]


def test_unavailable_or_unknown_provider_request_is_refused():
    with pytest.raises(GeneratorError, match="not available"):
        plan_attempts([CPU], "cuda")
    with pytest.raises(GeneratorError, match="unknown provider 'metal'"):
        plan_attempts(ALL, "metal")


def test_first_that_works_logs_each_failure_and_falls_back(cache, caplog):
    attempts = plan_attempts(ALL, trt_cache=cache)

    def open_one(attempt: Attempt) -> str:
        if attempt.provider == TENSORRT:
            raise RuntimeError("TensorRT engine build failed: simulated\nout of workspace")
        if attempt.cuda_graph:
            raise RuntimeError("graph capture needs every node on CUDA")
        return f"session on {attempt.label}"

    with caplog.at_level(logging.WARNING, logger="oscserver.generator.providers"):
        result, chosen, failures = first_that_works(attempts, open_one)
    assert result == "session on CUDA" and chosen.label == "CUDA"
    assert [(f.label, f.reason) for f in failures] == [
        ("TensorRT fp16", "RuntimeError: TensorRT engine build failed: simulated out of workspace"),
        ("CUDA + CUDA graph", "RuntimeError: graph capture needs every node on CUDA"),
    ]
    assert "TensorRT fp16 could not run the generator, falling back to CUDA + CUDA graph" in (
        caplog.text
    )


def test_first_that_works_raises_contract_errors_at_once_and_the_last_error(cache):
    attempts = plan_attempts(ALL, trt_cache=cache)
    tried = []

    def broken_file(attempt):
        tried.append(attempt.label)
        raise GeneratorError("not a generator")

    with pytest.raises(GeneratorError, match="not a generator"):
        first_that_works(attempts, broken_file)
    assert tried == ["TensorRT fp16"]

    def nothing_runs(attempt):
        raise ValueError(f"{attempt.label} broke")

    with pytest.raises(ValueError, match="CPU broke"):
        first_that_works(attempts, nothing_runs)


def test_cache_folder_and_per_model_engine_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OSCSERVER_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("OSCSERVER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "oscserver"
    a = build_tiny_generator(tmp_path / "a.onnx")
    b = build_tiny_generator(tmp_path / "b.onnx", noise=5)
    assert model_digest(a) != model_digest(b)
    cache = TrtCache.for_model(tmp_path / "c", a)
    assert cache.engines == tmp_path / "c" / "trt" / f"a-{model_digest(a)}"
    assert cache.timing == tmp_path / "c" / "trt" / "timing"


class _Reporting:
    """A real CPU session that reports another provider first, as a GPU session would."""

    def __init__(self, session: ort.InferenceSession, provider: str) -> None:
        self._session = session
        self._provider = provider

    def get_providers(self) -> list[str]:
        return [self._provider, CPU]

    def __getattr__(self, name):
        return getattr(self._session, name)


def test_runtime_falls_back_from_tensorrt_to_cpu(tmp_path, monkeypatch, caplog):
    """TensorRT's engine build fails, the CUDA-graph session comes up on the CPU provider
    instead (libraries missing), the CUDA session starts but cannot place its buffers on a
    GPU: the runtime ends on the CPU, logs each reason and still renders."""
    model = build_tiny_generator(tmp_path / "tiny.onnx")
    real = runtime_module.create_session
    seen = []

    def fake_create(path, options, providers):
        first = providers[0][0]
        seen.append((first, dict(providers[0][1])))
        if first == TENSORRT:
            raise RuntimeError("TensorRT EP failed to build the engine (simulated)")
        session = real(path, options, [(CPU, {})])
        if first == CUDA and "enable_cuda_graph" in providers[0][1]:
            return session  # reports CPUExecutionProvider: CUDA did not start
        if first == CUDA:
            return _Reporting(session, CUDA)  # then OrtValues on 'cuda' fail
        return session

    monkeypatch.setattr(runtime_module.ort, "get_available_providers", lambda: list(ALL))
    monkeypatch.setattr(runtime_module, "create_session", fake_create)
    with caplog.at_level(logging.INFO):
        runtime = GeneratorRuntime(model, threads=1, cache_dir=tmp_path / "cache")
    assert runtime.acceleration == "CPU" and runtime.provider == CPU
    assert [f.label for f in runtime.fallbacks] == ["TensorRT fp16", "CUDA + CUDA graph", "CUDA"]
    assert "simulated" in runtime.fallbacks[0].reason
    assert "did not start" in runtime.fallbacks[1].reason
    assert [first for first, _ in seen] == [TENSORRT, CUDA, CUDA, CPU]
    engines = seen[0][1]["trt_engine_cache_path"]
    assert Path(engines).is_dir() and Path(engines).parent == tmp_path / "cache" / "trt"
    assert "falling back to CUDA + CUDA graph" in caplog.text
    assert "running tiny.onnx on CPU" in caplog.text
    values = {s.name: s.default for s in runtime.spec.controls}
    assert runtime.draw(values).shape == (4, 4, 3)


def test_a_broken_file_is_still_a_one_line_generator_error(tmp_path, monkeypatch):
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(b"\x08\x07not a protobuf" * 10)
    monkeypatch.setattr(runtime_module.ort, "get_available_providers", lambda: [CUDA, CPU])
    with pytest.raises(GeneratorError, match="not a loadable ONNX model"):
        GeneratorRuntime(path, threads=1)


def _feedback_generator(path: Path) -> Path:
    """image = 0.5 * previous + bias * gain: NHWC float [1,2,2,3], feedback of the same shape."""
    graph = helper.make_graph(
        [
            helper.make_node("Mul", ["previous", "half"], ["decayed"]),
            helper.make_node("Mul", ["bias", "gain"], ["lifted"]),
            helper.make_node("Add", ["decayed", "lifted"], ["image"]),
        ],
        "feedback",
        [
            helper.make_tensor_value_info("gain", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("previous", TensorProto.FLOAT, [1, 2, 2, 3]),
        ],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 2, 2, 3])],
        [
            helper.make_tensor("half", TensorProto.FLOAT, [1], [0.5]),
            helper.make_tensor("bias", TensorProto.FLOAT, [1, 2, 2, 3], list(range(12))),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(
        model,
        {
            "oscserver.contract": "1",
            "oscserver.input.gain": '{"role": "scalar", "range": [0, 2], "default": 1}',
            "oscserver.input.previous": '{"role": "feedback"}',
            "oscserver.output": '{"layout": "NHWC", "range": [0, 255]}',
        },
    )
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("maker", ["tiny", "feedback", "default"])
def test_io_binding_renders_what_plain_feeds_render(tmp_path, maker):
    path = tmp_path / "model.onnx"
    if maker == "tiny":
        path = build_tiny_generator(path)  # float NHWC
    elif maker == "feedback":
        path = _feedback_generator(path)  # feedback refreshed from the bound output
    else:
        path = default_model_path()  # uint8 output, 1000-wide class input
    session = ort.InferenceSession(str(path), providers=[CPU])
    spec = read_generator(session, path)
    host, bound = HostRenderer(session, spec), BoundRenderer(session, spec, device="cpu")
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(3):
        values = {
            s.name: rng.uniform(s.low, s.high, s.length).astype(np.float32) for s in spec.controls
        }
        expected = host.run(values)
        got = bound.run(values)
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        frames.append(got)
    assert not np.shares_memory(frames[0], frames[1])  # a frame is never overwritten later
    host.reset_feedback()
    bound.reset_feedback()
    np.testing.assert_allclose(bound.run({}), host.run({}), rtol=1e-6)


# -- providers by platform -------------------------------------------------------------------

from oscserver.generator.providers import COREML, DIRECTML  # noqa: E402


@pytest.mark.parametrize(
    ("platform", "available", "expected"),
    [
        # Linux with onnxruntime-gpu: DirectML and CoreML never, even if a build listed them.
        ("linux", [TENSORRT, CUDA, DIRECTML, COREML, CPU], ["CUDA + CUDA graph", "CUDA", "CPU"]),
        # Windows with onnxruntime-directml (any DirectX 12 GPU).
        ("win32", [DIRECTML, CPU], ["DirectML", "CPU"]),
        # Windows with onnxruntime-gpu and an NVIDIA card: CUDA first, DirectML after it.
        ("win32", [CUDA, DIRECTML, CPU], ["CUDA + CUDA graph", "CUDA", "DirectML", "CPU"]),
        # macOS: the ordinary onnxruntime wheel carries CoreML.
        ("darwin", [COREML, CPU], ["CoreML", "CPU"]),
        ("darwin", [DIRECTML, COREML, CPU], ["CoreML", "CPU"]),
        # A plain CPU build anywhere.
        ("linux", [CPU], ["CPU"]),
    ],
)
def test_plan_by_platform(platform, available, expected):
    assert labels(plan_attempts(available, platform=platform)) == expected


def test_directml_and_coreml_attempts_say_how_to_open_them():
    (dml, _) = plan_attempts([DIRECTML, CPU], platform="win32")
    assert dml.providers == [(DIRECTML, {"device_id": "0"}), (CPU, {})]
    assert dml.device == "cpu" and dml.plain_session  # no memory pattern, sequential
    (coreml, _) = plan_attempts([COREML, CPU], platform="darwin")
    assert coreml.providers[0] == (COREML, {"ModelFormat": "MLProgram", "MLComputeUnits": "ALL"})
    assert coreml.device == "cpu" and not coreml.plain_session


@pytest.mark.parametrize(
    ("platform", "requested", "message"),
    [
        ("linux", "directml", "not available in this onnxruntime build on linux"),
        ("win32", "coreml", "not available in this onnxruntime build on win32"),
        ("darwin", "metal", "unknown provider 'metal'"),
    ],
)
def test_asking_for_a_provider_that_cannot_run_here_is_a_clear_error(platform, requested, message):
    with pytest.raises(GeneratorError, match=message):
        plan_attempts([TENSORRT, CUDA, DIRECTML, COREML, CPU], requested, platform=platform)


def test_a_requested_provider_keeps_the_lesser_ones_as_fallbacks():
    everything = [CUDA, DIRECTML, COREML, CPU]
    assert labels(plan_attempts(everything, "directml", platform="win32")) == ["DirectML", "CPU"]
    assert labels(plan_attempts(everything, "coreml", platform="darwin")) == ["CoreML", "CPU"]


def test_a_failing_directml_falls_back_to_the_cpu_and_says_why(caplog):
    attempts = plan_attempts([DIRECTML, CPU], platform="win32")

    def open_one(attempt):
        if attempt.label == "DirectML":
            raise RuntimeError("D3D12 device removed")
        return "cpu session"

    with caplog.at_level(logging.WARNING):
        result, chosen, failures = first_that_works(attempts, open_one)
    assert result == "cpu session" and chosen.label == "CPU"
    assert failures[0].label == "DirectML" and "D3D12 device removed" in failures[0].reason
    assert "DirectML could not run the generator, falling back to CPU" in caplog.text

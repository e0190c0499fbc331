"""Tiny generator files built with onnx.helper: real enough for ONNX Runtime, built in
milliseconds, and every input visibly changes the output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TINY_META = {
    "class": {"role": "class_weights", "range": [0, 1], "default": 0.0},
    "noise": {"role": "noise", "range": [-2, 2], "seed": 0},
    "truncation": {"role": "scalar", "range": [0.02, 1.0], "default": 0.5},
}


def build_tiny_generator(
    path: Path,
    classes: int = 8,
    noise: int = 4,
    size: int = 4,
    meta: dict[str, dict] | None = None,
    output_meta: dict | None = None,
    contract: str | None = "1",
    extra_input: str | None = None,
) -> Path:
    """A linear generator: image = reshape(class @ A + noise @ B + truncation * c).

    Float NHWC output declared in [-10, 10]. Small enough to build in milliseconds, real
    enough for ONNX Runtime, and every input visibly changes the output."""
    rng = np.random.default_rng(7)
    pixels = size * size * 3
    a = rng.normal(0, 1, (classes, pixels)).astype(np.float32)
    b = rng.normal(0, 1, (noise, pixels)).astype(np.float32)
    c = rng.normal(0, 1, (pixels,)).astype(np.float32)
    inputs = [
        helper.make_tensor_value_info("class", TensorProto.FLOAT, [1, classes]),
        helper.make_tensor_value_info("noise", TensorProto.FLOAT, [1, noise]),
        helper.make_tensor_value_info("truncation", TensorProto.FLOAT, [1]),
    ]
    nodes = [
        helper.make_node("MatMul", ["class", "A"], ["ca"]),
        helper.make_node("MatMul", ["noise", "B"], ["nb"]),
        helper.make_node("Mul", ["truncation", "C"], ["tc"]),
        helper.make_node("Add", ["ca", "nb"], ["s1"]),
        helper.make_node("Add", ["s1", "tc"], ["s2"]),
        helper.make_node("Reshape", ["s2", "shape"], ["image"]),
    ]
    inits = [
        numpy_helper.from_array(a, "A"),
        numpy_helper.from_array(b, "B"),
        numpy_helper.from_array(c, "C"),
        numpy_helper.from_array(np.array([1, size, size, 3], np.int64), "shape"),
    ]
    if extra_input:
        inputs.append(helper.make_tensor_value_info(extra_input, TensorProto.FLOAT, [1]))
        nodes[-1] = helper.make_node("Add", ["s2", extra_input], ["s3"])
        nodes.append(helper.make_node("Reshape", ["s3", "shape"], ["image"]))
    graph = helper.make_graph(
        nodes,
        "tiny",
        inputs,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, size, size, 3])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    props = {}
    if contract is not None:
        props["oscserver.contract"] = contract
        props["oscserver.name"] = "tiny"
        for name, desc in (meta if meta is not None else TINY_META).items():
            props[f"oscserver.input.{name}"] = json.dumps(desc)
        props["oscserver.output"] = json.dumps(
            output_meta if output_meta is not None else {"layout": "NHWC", "range": [-10, 10]}
        )
    helper.set_model_props(model, props)
    onnx.save(model, str(path))
    return path


def build_feedback_generator(path: Path, size: int = 8, meta_gain: dict | None = None) -> Path:
    """A feedback generator: image = previous * gain + (1 - gain) * 0.5, NHWC float in [0, 1].

    Fed its own output it settles on grey; what the server feeds back decides the picture."""
    shape = [1, size, size, 3]
    nodes = [
        helper.make_node("Mul", ["previous", "gain"], ["kept"]),
        helper.make_node("Sub", ["one", "gain"], ["rest"]),
        helper.make_node("Mul", ["rest", "half"], ["towards"]),
        helper.make_node("Add", ["kept", "towards"], ["image"]),
    ]
    graph = helper.make_graph(
        nodes,
        "feedback",
        [
            helper.make_tensor_value_info("previous", TensorProto.FLOAT, shape),
            helper.make_tensor_value_info("gain", TensorProto.FLOAT, [1]),
        ],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)],
        [
            numpy_helper.from_array(np.array([1.0], np.float32), "one"),
            numpy_helper.from_array(np.array([0.5], np.float32), "half"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(
        model,
        {
            "oscserver.contract": "1",
            "oscserver.name": "feedback",
            "oscserver.input.previous": json.dumps({"role": "feedback", "default": 0.0}),
            "oscserver.input.gain": json.dumps(
                meta_gain or {"role": "scalar", "range": [0, 1], "default": 0.9}
            ),
            "oscserver.output": json.dumps({"layout": "NHWC", "range": [0, 1]}),
        },
    )
    onnx.save(model, str(path))
    return path

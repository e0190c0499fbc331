"""ImageNet class names shipped with the package (used by mappings and class pickers)."""

from __future__ import annotations

import pytest

from oscserver.data.imagenet import CLASS_COUNT, find_class, imagenet_classes


def test_all_classes_in_class_vector_order():
    classes = imagenet_classes()
    assert len(classes) == CLASS_COUNT
    assert [c.index for c in classes] == list(range(CLASS_COUNT))
    assert classes[207].label == "golden retriever"
    assert classes[0].names == ("tench", "Tinca tinca")


@pytest.mark.parametrize("key", [207, "207", "golden retriever", "Golden Retriever", "n02099601"])
def test_find_a_class_by_index_name_or_wordnet_id(key):
    assert find_class(key).index == 207


def test_unknown_names_suggest_close_ones():
    with pytest.raises(KeyError, match=r"did you mean.*'golden retriever' \(207\)"):
        find_class("retriever")
    with pytest.raises(KeyError, match=r"outside 0\.\.999"):
        find_class(1000)

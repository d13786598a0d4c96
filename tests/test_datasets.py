"""The bundled sample tables load with no download, as documented."""

import pytest

from impute import datasets


def test_every_bundled_table_loads_with_its_documented_shape():
    shapes = {name: datasets.load(name).shape for name in datasets.names()}
    assert shapes == {
        "adult": (2000, 15),
        "breast_cancer": (569, 31),
        "diamonds": (2000, 10),
        "worldbank_fertility": (54, 220),
    }


def test_real_gaps_are_missing_values_and_labels_split_off():
    X, y = datasets.load("adult", return_target=True)
    assert "income" not in X and set(y) == {"<=50K", ">50K"}
    assert X.isna().any().to_dict() == {
        name: name in ("workclass", "occupation", "native-country") for name in X
    }
    assert not datasets.load("breast_cancer").isna().any().any()
    X, y = datasets.load("diamonds", return_target=True)
    assert y.name == "price" and not X.isna().any().any()
    assert datasets.load("worldbank_fertility").isna().mean().mean() > 0.1


def test_unknown_names_and_missing_labels_are_explained():
    with pytest.raises(ValueError, match="choose one of adult, breast_cancer"):
        datasets.load("iris")
    with pytest.raises(ValueError, match="has no label column"):
        datasets.load("worldbank_fertility", return_target=True)


def test_the_path_is_a_readable_file_for_the_command_line():
    assert datasets.path("breast_cancer").read_bytes().startswith(b"mean radius,")

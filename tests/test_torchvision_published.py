"""Every torchvision classification model against the figures torchvision publishes with its
weights (``weights.meta["num_params"]`` and ``["_ops"]``, GMACs at the weights' crop size).

Traced on the meta device: no weights are allocated, the whole set takes seconds.
"""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest
import torchvision
from torchvision.models import get_model_weights, list_models

from cnninspect import summary as summarize

# googlenet's published count is without its auxiliary classifiers; inception_v3's is with them.
ARGS = {"googlenet": {"aux_logits": False, "init_weights": False}}
MODELS = list_models(module=torchvision.models)

pytestmark = pytest.mark.slow  # 80 models


def published(name: str) -> tuple[int, int, float]:
    """(crop size, params, GMACs) of the model's first published weights."""
    weights = next(iter(get_model_weights(name)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crop = weights.transforms().crop_size[0]
    return crop, weights.meta["num_params"], weights.meta["_ops"]


def test_the_set_is_complete() -> None:
    assert len(MODELS) >= 80


@pytest.mark.parametrize("name", MODELS)
def test_params_exact_and_macs_as_published(name: str) -> None:
    crop, params, gmacs = published(name)
    args = dict(ARGS.get(name, {}))
    if name.startswith("vit_") and crop != 224:
        args["image_size"] = crop  # the SWAG weights of vit_h_14 run at 518
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # inception_v3's init notice
        report = summarize(
            f"torchvision.models:{name}", input_shape=[(3, crop, crop)], device="meta", args=args
        )
    assert report.totals.params == params
    # within 0.5%, or within the rounding of the published figure (0.057 for 0.0565)
    exponent = Decimal(repr(gmacs)).as_tuple().exponent
    assert isinstance(exponent, int)
    rounding = 0.5 * 10.0**exponent
    assert abs(report.totals.macs / 1e9 - gmacs) <= max(0.005 * gmacs, rounding)
    assert report.totals.uncounted == ()  # every op counted, or free by definition

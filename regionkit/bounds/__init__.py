"""Bounds on region counts, exact arrangement counts, and Hanin & Rolnick expectations.

Every count is an exact Python int (math.comb, never floats), so bounds stay exact for any
architecture, n_in = 784 included. The formulas and the corrections of their source texts
are in docs/bounds.md.

Conventions: ``widths`` are the hidden-layer widths n_1..n_L (the linear output layer is not
counted); ``n_in`` is n_0, the input dimension, or the slice dimension for an affine slice.
Upper bounds bound the number of activation regions, hence also of linear regions. Lower
bounds are lower bounds on the *maximum over weights*: a given network may have fewer
regions, so they are never "violated".

Modules, each importing only those before it: ``inputs`` (argument checks), ``spans`` and
``poset`` (exact linear algebra and the intersection poset), ``arrangements`` (Zaslavsky
counts), ``formulas`` (closed-form bounds), ``layers`` (what a network's layers contribute:
the only module that reads activations), ``applicable`` (which bounds fit a network),
``report`` (check), ``hanin_rolnick`` (expectations of random nets). The public API is
``__all__`` below.
"""
from regionkit.bounds.applicable import CHECK_MAX_FLATS
from regionkit.bounds.arrangements import (
    ArrangementCount,
    CharacteristicPolynomial,
    characteristic_polynomial,
    face_counts,
    general_position_bounded,
    general_position_regions,
    zaslavsky,
)
from regionkit.bounds.formulas import (
    arora_lower,
    maxout_deep_lower,
    maxout_single_layer_lower,
    maxout_single_layer_upper,
    maxout_upper,
    montufar2017_upper,
    montufar_lower,
    one_dimensional_max,
    raghu_upper,
    serra_arora_lower,
    serra_lower,
    serra_upper,
    single_layer_upper,
    trivial_upper,
)
from regionkit.bounds.hanin_rolnick import (
    MonteCarloEstimate,
    gaussian_c_bias,
    gaussian_density,
    hanin_rolnick_cor4_lower,
    hanin_rolnick_cor4_upper,
    hanin_rolnick_eta,
    hanin_rolnick_regions_1d,
    hanin_rolnick_volume,
)
from regionkit.bounds.layers import layer_ranks
from regionkit.bounds.poset import OPEN_SET_RTOL
from regionkit.bounds.report import (
    HOLDS,
    INFO,
    MATCHES,
    REACHED,
    TIGHT,
    UNKNOWN,
    VIOLATED,
    BoundRow,
    BoundsTable,
    check,
)
from regionkit.bounds.spans import EXACT_MAX_DENOMINATOR, FLOAT_RANK_RTOL
from regionkit.errors import BoundsInputError, BoundViolation, BoundViolationError

__all__ = [
    # errors raised or warned by the bounds
    "BoundsInputError", "BoundViolation", "BoundViolationError",
    # tolerances and limits
    "EXACT_MAX_DENOMINATOR", "FLOAT_RANK_RTOL", "OPEN_SET_RTOL", "CHECK_MAX_FLATS",
    # hyperplane arrangements
    "ArrangementCount", "CharacteristicPolynomial", "characteristic_polynomial", "zaslavsky",
    "face_counts", "general_position_regions", "general_position_bounded",
    # closed-form bounds
    "trivial_upper", "single_layer_upper", "serra_upper", "montufar2017_upper", "raghu_upper",
    "montufar_lower", "serra_lower", "one_dimensional_max", "arora_lower",
    "serra_arora_lower", "maxout_upper", "maxout_single_layer_upper",
    "maxout_single_layer_lower", "maxout_deep_lower", "layer_ranks",
    # check
    "check", "BoundRow", "BoundsTable",
    "HOLDS", "TIGHT", "VIOLATED", "MATCHES", "INFO", "REACHED", "UNKNOWN",
    # Hanin & Rolnick 2019
    "MonteCarloEstimate", "hanin_rolnick_volume", "hanin_rolnick_regions_1d",
    "hanin_rolnick_cor4_upper", "hanin_rolnick_cor4_lower", "hanin_rolnick_eta",
    "gaussian_density", "gaussian_c_bias",
]

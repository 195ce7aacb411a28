"""The catalogue of grading heads: one classifier per finding, shared by training, export and the
TypeScript product (through the model sidecar that export writes)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

HeadKind = Literal["binary", "multiclass"]

STENOSIS_GRADES = ("none", "mild", "moderate", "severe")
PRESENCE = ("absent", "present")


@dataclass(frozen=True)
class HeadSpec:
    """One output of the grading model.

    `values` are the label values that the crops manifest stores for each class, in class order:
    a binary head stores 0/1, the Pfirrmann head the grades 1-5, the Modic head the types 0-3.
    """

    name: str
    kind: HeadKind
    classes: tuple[str, ...]
    values: tuple[int, ...]
    description: str
    # Classes are ordered grades, so the expected grade is a meaningful prediction.
    ordinal: bool = False

    @property
    def num_outputs(self) -> int:
        """Logits the head produces: 1 for a binary head (sigmoid), else one per class (softmax)."""
        return 1 if self.kind == "binary" else len(self.classes)

    def class_index(self, value: float) -> int:
        """Map a manifest label value to its class index.

        Raises ValueError naming the head when the value is not one of `values`.
        """
        as_int = int(round(value))
        if abs(value - as_int) > 1e-6 or as_int not in self.values:
            raise ValueError(f"label {value!r} is not valid for head {self.name!r}; expected one of {self.values}")
        return self.values.index(as_int)

    def to_json(self) -> dict:
        return asdict(self)


def _binary(name: str, description: str) -> HeadSpec:
    return HeadSpec(name, "binary", PRESENCE, (0, 1), description)


def _stenosis(name: str, description: str) -> HeadSpec:
    return HeadSpec(name, "multiclass", STENOSIS_GRADES, (0, 1, 2, 3), description, ordinal=True)


HEADS: tuple[HeadSpec, ...] = (
    _stenosis("spinal_canal_stenosis", "central canal stenosis at the disc level"),
    _stenosis("left_foraminal_stenosis", "left neural foraminal stenosis"),
    _stenosis("right_foraminal_stenosis", "right neural foraminal stenosis"),
    _binary("disc_bulge", "disc bulging beyond the endplate margins"),
    _binary("disc_osteophyte_complex", "disc osteophyte complex"),
    _binary("left_facet_arthropathy", "left facet joint arthropathy"),
    _binary("right_facet_arthropathy", "right facet joint arthropathy"),
    _binary("ligamentum_flavum_thickening", "ligamentum flavum thickening"),
    _binary("epidural_lipomatosis", "epidural lipomatosis"),
    HeadSpec("pfirrmann_grade", "multiclass", ("1", "2", "3", "4", "5"), (1, 2, 3, 4, 5), "Pfirrmann disc degeneration grade", ordinal=True),
    _binary("disc_herniation", "disc herniation"),
    _binary("disc_narrowing", "disc space narrowing"),
    HeadSpec("modic_type", "multiclass", ("0", "1", "2", "3"), (0, 1, 2, 3), "Modic endplate change type (0 = none)"),
    _binary("spondylolisthesis", "spondylolisthesis at the disc level"),
    _binary("upper_endplate_defect", "defect or change of the upper endplate (SPIDER 'UP endplate')"),
    _binary("lower_endplate_defect", "defect or change of the lower endplate (SPIDER 'LOW endplate')"),
)

HEAD_BY_NAME = {head.name: head for head in HEADS}

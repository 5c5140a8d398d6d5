"""Demo families: children in classes, guardians with Safaricom-style phones, written as a students CSV."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.demo.names import COMMUNITIES, SCHOOL_BOYS, SCHOOL_GIRLS, Community

# Safaricom prefixes: 0700-0729, 0740-0743, 0745/46/48, 0757-59, 0768/69, 0790-0799 and 0110-0115.
SAFARICOM_PREFIXES = (
    *(f"07{n:02d}" for n in range(30)),
    *(f"07{n}" for n in (40, 41, 42, 43, 45, 46, 48, 57, 58, 59, 68, 69)),
    *(f"07{n}" for n in range(90, 100)),
    *(f"011{n}" for n in range(6)),
)
STUDENT_COLUMNS = (
    "admission_no", "name", "class", "guardian_name", "guardian_phone",
    "guardian2_name", "guardian2_phone", "language",
)  # fmt: skip


@dataclass(frozen=True)
class Parent:
    name: str
    phone: str  # as a bursar typed it: 0712 345 678, +254712345678 or 0712345678


@dataclass(frozen=True)
class Pupil:
    admission_no: str
    name: str
    class_name: str
    parents: tuple[Parent, ...]
    language: str  # en or sw

    @property
    def family_phone(self) -> str:
        return self.parents[0].phone


@dataclass(frozen=True)
class Family:
    community: Community
    surname: str
    parents: tuple[Parent, ...]
    language: str


class PhoneBook:
    """Unique Safaricom-style numbers, written in the mix of forms a real register has."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def new(self) -> str:
        while True:
            digits = self.rng.choice(SAFARICOM_PREFIXES) + f"{self.rng.randrange(10**6):06d}"
            if digits not in self.taken:
                self.taken.add(digits)
                return self._written(digits)

    def _written(self, digits: str) -> str:
        form = self.rng.random()
        if form < 0.2:
            return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
        if form < 0.35:
            return "+254" + digits[1:]
        return digits


def make_family(rng: random.Random, phones: PhoneBook) -> Family:
    community = rng.choice(COMMUNITIES)
    surname = rng.choice(community.surnames)
    mother = Parent(f"{rng.choice(community.women)} {rng.choice(community.girls)} {surname}", phones.new())
    parents = [mother]
    if rng.random() < 0.6:
        parents.append(Parent(f"{rng.choice(community.men)} {surname}", phones.new()))
        rng.shuffle(parents)
    language = "sw" if rng.random() < 1 / 3 else "en"
    return Family(community, surname, tuple(parents), language)


def child_name(rng: random.Random, family: Family) -> str:
    girl = rng.random() < 0.5
    own = rng.choice(family.community.girls if girl else family.community.boys)
    if family.community.school_names and rng.random() < 0.7:
        return f"{rng.choice(SCHOOL_GIRLS if girl else SCHOOL_BOYS)} {own} {family.surname}"
    return f"{own} {family.surname}"


def class_places(classes: Sequence[str], total: int) -> Counter[str]:
    """How many children each class takes: as even as ``total`` allows."""
    base, extra = divmod(total, len(classes))
    return Counter({name: base + (i < extra) for i, name in enumerate(classes)})


def make_pupils(
    rng: random.Random,
    phones: PhoneBook,
    classes: Sequence[str],
    *,
    total: int,
    two_child_families: int,
    first_admission: int,
) -> list[Pupil]:
    """``total`` children in ``classes``; ``two_child_families`` of the families have two, in two classes.

    Admission numbers run from ``first_admission``, the oldest class first (it joined first).
    """
    places = class_places(classes, total)
    placed: list[tuple[str, str, Family]] = []  # (class, name, family)
    for index in range(total - two_child_families):
        family = make_family(rng, phones)
        count = 2 if index < two_child_families else 1
        # The classes with most places left, so siblings are in two classes and the classes stay even.
        chosen = sorted(places, key=lambda c: (-places[c], rng.random()))[:count]
        for class_name in chosen:
            places[class_name] -= 1
            placed.append((class_name, child_name(rng, family), family))
    order = {name: i for i, name in enumerate(reversed(classes))}
    placed.sort(key=lambda p: (order[p[0]], p[1]))
    return [
        Pupil(str(first_admission + i), name, class_name, family.parents, family.language)
        for i, (class_name, name, family) in enumerate(placed)
    ]


def students_csv(pupils: Sequence[Pupil]) -> str:
    """The students import file for ``pupils``, in the documented columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STUDENT_COLUMNS)
    for pupil in pupils:
        first, *second = pupil.parents
        other = [second[0].name, second[0].phone] if second else ["", ""]
        writer.writerow([pupil.admission_no, pupil.name, pupil.class_name, first.name, first.phone, *other,
                         pupil.language])  # fmt: skip
    return out.getvalue()

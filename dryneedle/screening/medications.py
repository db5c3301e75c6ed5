"""Antithrombotic medicines the screening recognises, by generic and brand name.

Pure data and one matching function, no Django. The drug classes are standard
pharmacology as listed by the safety review (docs/clinical-sources.md §14, the
antithrombotic entry); the bleeding precaution itself is from the review of dry
needling and antithrombotic drugs (Pain Res Manag 2022:1363477, §3.1 S2):
anticoagulants and antiplatelets are a precaution, not an absolute
contraindication. Brand names are here for matching what patients write, and
say nothing about a product.

Matching is by whole word, case- and dose-insensitive: "ELIQUIS 5mg bd",
"Aspirin 75 mg" and "enoxaparin (Clexane) 40 mg" all match; a name we do not
hold is returned as not recognised, so the clinician checks it instead of the
product treating it as harmless.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Drug:
    generic: str
    kind: str  # "anticoagulant" or "antiplatelet"
    names: tuple[str, ...]  # generic name first, then other names and brands, lower case


ANTITHROMBOTICS: tuple[Drug, ...] = (
    # Antiplatelets
    Drug("aspirin", "antiplatelet", ("aspirin", "acetylsalicylic acid", "asa")),
    Drug("clopidogrel", "antiplatelet", ("clopidogrel", "plavix")),
    Drug("prasugrel", "antiplatelet", ("prasugrel", "effient")),
    Drug("ticagrelor", "antiplatelet", ("ticagrelor", "brilinta", "brilique")),
    Drug("dipyridamole", "antiplatelet", ("dipyridamole", "persantine", "persantin")),
    Drug("cilostazol", "antiplatelet", ("cilostazol", "pletal")),
    # Anticoagulants: vitamin K antagonists
    Drug("warfarin", "anticoagulant", ("warfarin", "coumadin", "jantoven", "marevan")),
    Drug("acenocoumarol", "anticoagulant", ("acenocoumarol", "sintrom")),
    Drug("phenindione", "anticoagulant", ("phenindione",)),
    # Direct oral anticoagulants
    Drug("apixaban", "anticoagulant", ("apixaban", "eliquis")),
    Drug("rivaroxaban", "anticoagulant", ("rivaroxaban", "xarelto")),
    Drug("edoxaban", "anticoagulant", ("edoxaban", "lixiana", "savaysa")),
    Drug("dabigatran", "anticoagulant", ("dabigatran", "pradaxa")),
    # Heparins and fondaparinux
    Drug("enoxaparin", "anticoagulant", ("enoxaparin", "clexane", "lovenox")),
    Drug("dalteparin", "anticoagulant", ("dalteparin", "fragmin")),
    Drug("tinzaparin", "anticoagulant", ("tinzaparin", "innohep")),
    Drug(
        "heparin",
        "anticoagulant",
        ("heparin", "unfractionated heparin", "low molecular weight heparin", "lmwh", "ufh"),
    ),
    Drug("fondaparinux", "anticoagulant", ("fondaparinux", "arixtra")),
    # Combination products
    Drug("aspirin with dipyridamole", "antiplatelet", ("aggrenox", "asasantin")),
)

SOURCE = (
    "Anticoagulants and antiplatelets: a precaution, not an absolute contraindication; avoid deep muscles that "
    "cannot be compressed; consider ultrasound (Pain Res Manag 2022:1363477); drug classes as listed by the "
    "safety review — docs/clinical-sources.md §3.1 S2, §14"
)


def _words(text: str) -> str:
    """Lower case, letters only, single spaces, padded: ' eliquis mg bd '."""
    return " " + " ".join(re.findall(r"[a-z]+", text.lower())) + " "


_NAMES = sorted(((f" {n} ", d) for d in ANTITHROMBOTICS for n in d.names), key=lambda p: -len(p[0]))


def match(name: str) -> Drug | None:
    """The antithrombotic a written medication names, or None."""
    words = _words(name)
    for needle, drug in _NAMES:
        if needle in words:
            return drug
    return None


def classify(medications: list[str]) -> tuple[list[tuple[str, Drug]], list[str]]:
    """Split written medications into recognised antithrombotics and names we do not recognise."""
    found, unknown = [], []
    for m in medications:
        drug = match(m)
        if drug is not None:
            found.append((m, drug))
        else:
            unknown.append(m)
    return found, unknown


def table() -> list[dict]:
    """For the rules page and `--list-codes`."""
    return [{"generic": d.generic, "kind": d.kind, "names": list(d.names)} for d in ANTITHROMBOTICS]

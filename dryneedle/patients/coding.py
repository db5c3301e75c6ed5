"""The clinic's own SNOMED CT and ICD-10 codes for the conditions of the catalogue: the terminologies, and the
checks that catch a mistyped code. Pure: no database.

dryneedle ships no code for any condition. The clinical reference holds no verified mapping, and the public pages
we could search gave contradictory ICD-10 codes for low back pain (docs/clinical-sources.md §16). A clinic that
codes sets its own, from the terminology release it is licensed for and the edition its payers use, and names its
source; the FHIR export then carries them beside dryneedle's code, and the FHIR import recognises them.

The checks are of the codes' shape, not of their meaning: we hold no code list, so a well-formed code that names
another concept passes. SNOMED CT: a concept identifier per the SNOMED CT Release File Specification §6 (digits,
no leading zero, more than 10^5 and less than 10^18, partition identifier 00 or 10 for a concept, Verhoeff check
digit computed by python-stdnum). ICD-10: a letter, a digit and a letter or digit, then optionally a dot and up to
four letters or digits (the widest of the WHO, -CM and -CA code shapes; the edition's own rules are not checked).
The system URIs are FHIR's (http://hl7.org/fhir/sid/icd-10, -cm, -ca; http://snomed.info/sct).
"""

import re

from stdnum import verhoeff

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_CA = "http://hl7.org/fhir/sid/icd-10-ca"

NAMES = {
    SNOMED: "SNOMED CT",
    ICD10: "ICD-10 (WHO)",
    ICD10_CM: "ICD-10-CM (United States)",
    ICD10_CA: "ICD-10-CA (Canada)",
}
ICD10_EDITIONS = (ICD10, ICD10_CM, ICD10_CA)

# The edition offered first for a clinic's country (a convenience: the admin picks the one their payers use).
_EDITION_OF_COUNTRY = {"US": ICD10_CM, "CA": ICD10_CA}

_ICD10 = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
_CONCEPT_PARTITIONS = ("00", "10")  # short format (International Release) and long format (an extension)


def edition_for(jurisdiction: str) -> str:
    return _EDITION_OF_COUNTRY.get(jurisdiction.split("-")[0].upper(), ICD10)


def snomed_error(code: str) -> str | None:
    """Why ``code`` cannot be a SNOMED CT concept identifier, or None."""
    if not code.isascii() or not code.isdigit() or code.startswith("0"):
        return "A SNOMED CT concept id is digits only, not starting with 0."
    if not 10**5 < int(code) < 10**18:
        return "A SNOMED CT concept id has 6 to 18 digits."
    if code[-3:-1] not in _CONCEPT_PARTITIONS:
        return "That is not a concept id (its partition digits, 2nd and 3rd from the right, are not 00 or 10)."
    if not verhoeff.is_valid(code):
        return "Its check digit does not match: a digit is mistyped."
    return None


def normal_icd10(code: str) -> str:
    """How an ICD-10 code is stored and compared: capitals, no spaces, the dot after the third character (code
    files such as the CMS ones write codes without it: ``m545`` is ``M54.5``)."""
    code = "".join(code.split()).upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 and "." not in code else code


def icd10_error(code: str) -> str | None:
    """Why ``code`` (as ``normal_icd10`` writes it) cannot be an ICD-10 code, or None."""
    if not _ICD10.fullmatch(code):
        return "An ICD-10 code is a letter, two digits or letters, then optionally a dot and up to four more."
    return None


def key(system: str, code: str) -> tuple[str, str]:
    """How a coding is compared with the clinic's codes: an ICD-10 code as ``normal_icd10`` writes it."""
    code = code.strip()
    return (system, normal_icd10(code) if system in ICD10_EDITIONS else code)

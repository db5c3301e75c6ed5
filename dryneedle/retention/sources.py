"""The retention sources we hold, by jurisdiction: shown beside the clinic's own numbers, never applied by
themselves (docs/clinical-sources.md §15 says how each was checked)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    says: str
    applies_to: str
    cite: str
    checked: str  # how far we could check it: what a reader should confirm before relying on it


SOURCES: dict[str, tuple[Source, ...]] = {
    "GB-ENG": (
        Source(
            "Most health and care records are kept for eight years after the last treatment.",
            "Organisations within, or under contract to, the NHS in England (and adult social care and public "
            "health functions of local authorities).",
            "NHS England, Records Management Code of Practice 2021 (updated 2023), Appendix II retention schedule; "
            "its guidance for patients and service users",
            "Read in the Code's guidance for patients; the schedule's rows for children's and other records were "
            "not read here: check Appendix II for your records.",
        ),
    ),
    "CA-AB": (
        Source(
            "Clinical and financial records: at least ten years after the last date of service; a minor's record "
            "at least ten years after their 18th birthday.",
            "Physiotherapists regulated in Alberta.",
            "College of Physiotherapists of Alberta, Standards of Practice (2017): Documentation and Record Keeping, "
            "retention and disposal",
            "Read only as a clinic's website quotes it; the College revised its Standards in 2025: check the current "
            "standard.",
        ),
    ),
    "US-CO": (),  # none held for a physical therapy, chiropractic or medical private practice (docs/retention.md)
}


def for_jurisdiction(code: str) -> tuple[Source, ...]:
    return SOURCES.get(code, ())

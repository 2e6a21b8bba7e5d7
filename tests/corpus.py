"""Generated post-mortems, for builds of many documents."""

from __future__ import annotations

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
STATUSES = ("open", "in-progress", "done", "wont-do")


def incident_rst(n: int, year: int = 2024, actions: int = 2) -> str:
    """A valid incident: no warnings when postmortem_today is 2024-05-01."""
    incident_id = f"INC-{year}-{n:03d}"
    title = f"{incident_id}: Generated incident number {n}"
    parts = [
        title,
        "=" * len(title),
        "",
        f".. incident:: {incident_id}",
        f"   :date: {year}-03-{n % 28 + 1:02d}",
        f"   :severity: {SEVERITIES[n % 4]}",
        "   :status: final",
        f"   :services: service-{n % 7}",
        "",
        f"   Summary of incident {n}.",
        "",
        ".. timeline::",
        "",
        "   - 09:00 [started] Something starts to fail.",
        "   - 09:10 [detected] An alert fires.",
        "   - 09:40 [mitigated] Traffic moves away.",
        "   - 10:00 [resolved] All is well.",
        "",
    ]
    for a in range(1, actions + 1):
        parts += [
            f".. action:: Action {a} of incident {n}",
            f"   :owner: team-{(n + a) % 5}",
            f"   :due: 2024-{6 + a % 6:02d}-01",
            f"   :status: {STATUSES[(n + a) % 4]}",
            "",
        ]
    return "\n".join(parts)


def corpus(count: int, **kwargs: int) -> dict[str, str]:
    return {f"incidents/inc{n:03d}.rst": incident_rst(n, **kwargs) for n in range(1, count + 1)}

"""Configuration values, checked once, and the date that decides "overdue"."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Location, warn

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

DEFAULTS: dict[str, Any] = {
    "postmortem_severities": ["SEV1", "SEV2", "SEV3", "SEV4"],
    "postmortem_priorities": ["P0", "P1", "P2", "P3"],
    "postmortem_default_priority": "P2",
    "postmortem_action_types": [
        "prevent",
        "mitigate",
        "detect",
        "process",
        "investigate",
        "repair",
    ],
    "postmortem_id_pattern": r"[A-Z][A-Z0-9]*-\d{4}-\d{3,}",
    "postmortem_timezone": "UTC",
    "postmortem_today": None,
    "postmortem_tracker_url": None,
    "postmortem_json": "postmortem.json",
    "postmortem_action_index": True,
}

INCIDENT_STATUSES = ("draft", "in-review", "final")
ACTION_STATUSES = ("open", "in-progress", "done", "wont-do")
OPEN_STATUSES = ("open", "in-progress")


@dataclass(frozen=True)
class Settings:
    """The checked configuration, as the directives and tables read it."""

    severities: tuple[str, ...]
    priorities: tuple[str, ...]
    default_priority: str
    action_types: tuple[str, ...]
    id_pattern: re.Pattern[str]
    timezone: str
    tracker_url: str | None

    @classmethod
    def of(cls, config: Config) -> Settings:
        return cls(
            severities=tuple(config.postmortem_severities),
            priorities=tuple(config.postmortem_priorities),
            default_priority=config.postmortem_default_priority,
            action_types=tuple(config.postmortem_action_types),
            id_pattern=re.compile(config.postmortem_id_pattern),
            timezone=config.postmortem_timezone,
            tracker_url=config.postmortem_tracker_url,
        )


def _check(app: Sphinx, config: Config) -> None:
    """Replace invalid values by their defaults, with a warning for each."""
    conf_py = Path(app.confdir, "conf.py")
    source = conf_py.read_text(encoding="utf-8").splitlines() if conf_py.is_file() else []

    def location(name: str) -> Location:
        """The last line of conf.py that sets ``name``; none when it came from -D."""
        lines = [n for n, line in enumerate(source, 1) if re.match(rf"\s*{name}\s*=", line)]
        return f"{conf_py}:{lines[-1]}" if lines else (None, None)  # type: ignore[return-value]

    def reset(name: str, why: str) -> None:
        warn("config", f"{name}: {why}; using the default {DEFAULTS[name]!r}", location(name))
        setattr(config, name, DEFAULTS[name])

    for name in ("postmortem_severities", "postmortem_priorities", "postmortem_action_types"):
        value = getattr(config, name)
        if (
            isinstance(value, str)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            reset(name, "expected a non-empty list of names")
    try:
        re.compile(config.postmortem_id_pattern)
    except (re.error, TypeError) as exc:
        reset("postmortem_id_pattern", f"not a regular expression ({exc})")
    if config.postmortem_default_priority not in config.postmortem_priorities:
        warn(
            "config",
            f"postmortem_default_priority {config.postmortem_default_priority!r} is not one "
            f"of postmortem_priorities; using {config.postmortem_priorities[0]!r}",
            location("postmortem_default_priority"),
        )
        config.postmortem_default_priority = config.postmortem_priorities[0]
    from .fields import FieldError, parse_date, parse_timezone

    try:
        parse_timezone(config.postmortem_timezone)
    except FieldError as exc:
        reset("postmortem_timezone", str(exc))
    if config.postmortem_today is not None and not isinstance(config.postmortem_today, dt.date):
        try:
            parse_date(str(config.postmortem_today))
        except FieldError as exc:
            reset("postmortem_today", str(exc))
    url = config.postmortem_tracker_url
    if url is not None and (
        not isinstance(url, str)
        or "{}" not in url
        or not url.lower().startswith(("http://", "https://"))
    ):
        reset("postmortem_tracker_url", "expected an http(s) URL with {} for the key")


def today(config: Config) -> dt.date:
    """``postmortem_today``, else the date of ``SOURCE_DATE_EPOCH``, else the local date."""
    value = config.postmortem_today
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value:
        return dt.date.fromisoformat(str(value))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            pass
    return dt.date.today()


def setup_config(app: Sphinx) -> None:
    list_types = (list, tuple)
    for name, default in DEFAULTS.items():
        if name == "postmortem_json":
            app.add_config_value(name, default, "html", types=(str, type(None)))
        elif name == "postmortem_today":
            # Only "overdue" depends on it; pages that show it are rewritten
            # whenever the date changes (see domain.pages_to_rewrite).
            app.add_config_value(name, default, "", types=(str, dt.date, type(None)))
        elif name == "postmortem_action_index":
            app.add_config_value(name, default, "html", types=(bool,))
        elif name == "postmortem_tracker_url":
            app.add_config_value(name, default, "env", types=(str, type(None)))
        elif isinstance(default, list):
            app.add_config_value(name, default, "env", types=list_types)
        else:
            app.add_config_value(name, default, "env", types=(str,))
    app.connect("config-inited", _check)

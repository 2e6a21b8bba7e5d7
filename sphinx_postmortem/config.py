"""Every ``postmortem_*`` setting, declared once, and the date that decides "overdue".

:data:`SETTINGS` is the one declaration of each value: its default, what a
change rebuilds, the check its value must pass and a line of help. It drives
the registration with Sphinx, the check at ``config-inited`` (a bad value is a
warning that names ``conf.py`` and the setting, and the default is used: no
setting can crash a build) and the test that holds the manual's configuration
page to it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from .diagnostics import Location, warn
from .fields import FieldError, parse_date, parse_timezone

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

INCIDENT_STATUSES = ("draft", "in-review", "final")
ACTION_STATUSES = ("open", "in-progress", "done", "wont-do")
OPEN_STATUSES = ("open", "in-progress")

#: the sections a final post-mortem needs: the template's own
REQUIRED_SECTIONS = [
    "Impact",
    "Timeline",
    "Root causes and trigger",
    "Detection",
    "Resolution",
    "What went well",
    "What went wrong",
    "Where we got lucky",
    "Action items",
]
IN_REVIEW_SECTIONS = ["Impact", "Root causes and trigger", "Action items"]
#: other headings that count as a required section: those of the common
#: public templates (Google SRE book, PagerDuty, Atlassian, GitLab)
SECTION_SYNONYMS = {
    "Impact": ["customer impact", "user impact", "impact assessment", "business impact"],
    "Timeline": ["incident timeline", "timeline of events", "chronology"],
    "Root causes and trigger": [
        "root cause",
        "root causes",
        "root cause and trigger",
        "root causes and triggers",
        "root cause analysis",
        "causes",
        "contributing factors",
        "contributing causes",
        "trigger",
    ],
    "Detection": ["how was it detected", "detection and response"],
    "Resolution": [
        "recovery",
        "mitigation",
        "mitigation and resolution",
        "resolution and recovery",
        "response and recovery",
    ],
    "What went well": ["what went right", "things that went well", "lessons learned"],
    "What went wrong": [
        "things that went wrong",
        "what could have gone better",
        "what didn't go so well",
        "lessons learned",
    ],
    "Where we got lucky": ["where we were lucky", "lucky"],
    "Action items": [
        "actions",
        "follow-ups",
        "follow ups",
        "follow-up actions",
        "corrective actions",
        "corrective and preventative actions",
        "action items",
        "next steps",
    ],
}

#: what a change of the value rebuilds: every document ("env"), the output
#: only ("html"), or nothing Sphinx tracks ("")
Rebuild = Literal["env", "html", ""]
Check = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration value: its declaration, check and help."""

    name: str
    default: Any
    rebuild: Rebuild
    #: the types Sphinx is told of
    types: tuple[type, ...]
    #: returns the value to use, or raises ValueError with what was expected
    check: Check
    help: str
    #: how a warning names the default, when its repr would not say it
    default_text: str | None = None

    @property
    def default_shown(self) -> str:
        return self.default_text or repr(self.default)


# -- checks: each returns the value to use or raises ValueError ----------------------


def _names(value: Any, allow_empty: bool = False) -> list[str]:
    """A list of non-empty names; a lone string is refused (it is not a list of one)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list of names, not {type(value).__name__} {value!r}")
    if not allow_empty and not value:
        raise ValueError("expected a non-empty list of names")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("expected a list of non-empty names")
    return list(value)


def _names_or_empty(value: Any) -> list[str]:
    return _names(value, allow_empty=True)


def _regex(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a regular expression, not {type(value).__name__}")
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc})") from None
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, not {value!r}")
    return value


def _timezone(value: Any) -> str:
    try:
        parse_timezone(_string(value))
    except FieldError as exc:
        raise ValueError(str(exc)) from None
    return str(value)


def _optional_date(value: Any) -> dt.date | str | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        parse_date(_string(value))
    except FieldError as exc:
        raise ValueError(str(exc)) from None
    return str(value)


def _url_format(what: str) -> Check:
    """None, or an http(s) URL with ``{}`` where ``what`` goes."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        if (
            not isinstance(value, str)
            or "{}" not in value
            or not value.lower().startswith(("http://", "https://"))
        ):
            raise ValueError(f"expected an http(s) URL with {{}} for the {what}")
        return value

    return check


def _optional_string(value: Any) -> str | None:
    if value is None or value == "":
        return value or None
    return _string(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected True or False, not {value!r}")
    return value


def _blame_terms(value: Any) -> dict[str, Any]:
    """Category -> a list of terms, or a mapping of each term to its advice."""
    if not isinstance(value, Mapping):
        raise ValueError("expected a dict of category -> list of terms or {term: advice}")
    for category, terms in value.items():
        if not isinstance(category, str):
            raise ValueError(f"category {category!r} is not a string")
        if isinstance(terms, Mapping):
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in terms.items()):
                raise ValueError(f"{category!r}: expected {{term: advice}} of strings")
        else:
            _names(terms)
    return dict(value)


def _synonyms(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        raise ValueError("expected a dict of section name -> list of other headings")
    for name, others in value.items():
        if not isinstance(name, str):
            raise ValueError(f"section {name!r} is not a string")
        _names_or_empty(others)
    return {name: list(others) for name, others in value.items()}


def _git(value: Any) -> str | bool:
    if value not in ("auto", True, False):
        raise ValueError(f"expected 'auto', True or False, not {value!r}")
    return value  # type: ignore[no-any-return]


def _id_format(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or "{number" not in value or "{year" not in value:
        raise ValueError("expected a format string with {year} and {number}, or None")
    try:
        value.format(prefix="INC", year=2026, number=1)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"not a usable format ({exc})") from None
    return value


def _format(value: Any) -> str:
    if value not in ("md", "rst"):
        raise ValueError(f"expected 'md' or 'rst', not {value!r}")
    return str(value)


LIST = (list, tuple)

SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        "postmortem_severities",
        ["SEV1", "SEV2", "SEV3", "SEV4"],
        "env",
        LIST,
        _names,
        "the severities an incident may have, most severe first",
    ),
    Setting(
        "postmortem_priorities",
        ["P0", "P1", "P2", "P3"],
        "env",
        LIST,
        _names,
        "the priorities an action may have, most urgent first",
    ),
    Setting(
        "postmortem_default_priority",
        "P2",
        "env",
        (str,),
        _string,
        "the priority of an action without :priority:; one of postmortem_priorities",
    ),
    Setting(
        "postmortem_action_types",
        ["prevent", "mitigate", "detect", "process", "investigate", "repair"],
        "env",
        LIST,
        _names,
        "the types an action's :type: may take",
    ),
    Setting(
        "postmortem_id_pattern",
        r"[A-Z][A-Z0-9]*-\d{4}-\d{3,}",
        "env",
        (str,),
        _regex,
        "the form of an incident id, a regular expression matching the whole id",
    ),
    Setting(
        "postmortem_id_format",
        None,
        "",
        (str, type(None)),
        _id_format,
        "how sphinx-postmortem new writes a new id, such as {prefix}-{year}-{number:03d}",
    ),
    Setting(
        "postmortem_timezone",
        "UTC",
        "env",
        (str,),
        _timezone,
        "the time zone of incidents without :timezone:, an IANA name or UTC",
    ),
    Setting(
        "postmortem_today",
        None,
        # only "overdue" depends on it; pages that show it are written again
        # whenever the date changes (domain.pages_to_rewrite)
        "",
        (str, dt.date, type(None)),
        _optional_date,
        "the date that decides which actions are overdue",
        default_text="None (the date of SOURCE_DATE_EPOCH, else today's)",
    ),
    Setting(
        "postmortem_tracker_url",
        None,
        "env",
        (str, type(None)),
        _url_format("key"),
        "an http(s) URL with {} where an action's tracker key goes",
    ),
    Setting(
        "postmortem_track_actions_since",
        None,
        "env",
        (str, dt.date, type(None)),
        _optional_date,
        "actions of incidents dated before it are archived: shown, never warned about",
    ),
    Setting(
        "postmortem_git",
        "auto",
        # the history is read at every build; pages it changes are written again
        "",
        (str, bool),
        _git,
        "read Closes-Action and Refs-Action trailers from the git history",
    ),
    Setting(
        "postmortem_commit_url",
        None,
        "html",
        (str, type(None)),
        _url_format("commit hash"),
        "an http(s) URL with {} where a commit's hash goes",
    ),
    Setting(
        "postmortem_json",
        "postmortem.json",
        "html",
        (str, type(None)),
        _optional_string,
        "where the export is written in the output folder; None writes none",
    ),
    Setting(
        "postmortem_feeds",
        True,
        "html",
        (bool,),
        _bool,
        "whether HTML builds write postmortem-actions.ics and postmortem.atom",
    ),
    Setting(
        "postmortem_action_index",
        True,
        "html",
        (bool,),
        _bool,
        "whether HTML builds write the open-actions page",
    ),
    Setting(
        "postmortem_review",
        True,
        "env",
        (bool,),
        _bool,
        "whether the build reviews the writing",
    ),
    Setting(
        "postmortem_blame_terms",
        {},
        "env",
        (dict,),
        _blame_terms,
        "terms to flag in addition to the built-in ones, by category",
    ),
    Setting(
        "postmortem_blame_allow",
        [],
        "env",
        LIST,
        _names_or_empty,
        "terms never to flag",
    ),
    Setting(
        "postmortem_blame_adverbs",
        [],
        "env",
        LIST,
        _names_or_empty,
        "more adverbs that judge a person's action, such as hastily",
    ),
    Setting(
        "postmortem_blame_off",
        [],
        "env",
        LIST,
        _names_or_empty,
        "review categories not to check",
    ),
    Setting(
        "postmortem_review_skip_classes",
        ["noreview"],
        "env",
        LIST,
        _names_or_empty,
        "elements with one of these classes are not reviewed",
    ),
    Setting(
        "postmortem_people",
        [],
        "env",
        LIST,
        _names_or_empty,
        "names of people who must not be named as a cause",
    ),
    Setting(
        "postmortem_required_sections",
        REQUIRED_SECTIONS,
        "env",
        LIST,
        _names_or_empty,
        "the sections a final post-mortem must have",
    ),
    Setting(
        "postmortem_in_review_sections",
        IN_REVIEW_SECTIONS,
        "env",
        LIST,
        _names_or_empty,
        "the sections an in-review post-mortem must have",
    ),
    Setting(
        "postmortem_section_synonyms",
        SECTION_SYNONYMS,
        "env",
        (dict,),
        _synonyms,
        "other headings that count as a required section, by section name",
    ),
    Setting(
        "postmortem_template_format",
        "md",
        "",
        (str,),
        _format,
        "the format sphinx-postmortem new proposes: md or rst",
    ),
)

#: each setting's default, by name
DEFAULTS: Final[dict[str, Any]] = {s.name: s.default for s in SETTINGS}


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
    commit_url: str | None
    #: incidents dated before it are archived
    track_since: dt.date | None

    @classmethod
    def of(cls, config: Config) -> Settings:
        return _settings(
            tuple(config.postmortem_severities),
            tuple(config.postmortem_priorities),
            config.postmortem_default_priority,
            tuple(config.postmortem_action_types),
            config.postmortem_id_pattern,
            config.postmortem_timezone,
            config.postmortem_tracker_url,
            config.postmortem_commit_url,
            _date_or_none(config.postmortem_track_actions_since),
        )


@lru_cache(maxsize=8)
def _settings(
    severities: tuple[str, ...],
    priorities: tuple[str, ...],
    default_priority: str,
    action_types: tuple[str, ...],
    id_pattern: str,
    timezone: str,
    tracker_url: str | None,
    commit_url: str | None,
    track_since: dt.date | None,
) -> Settings:
    """One Settings per configuration: every directive asks for it."""
    return Settings(
        severities,
        priorities,
        default_priority,
        action_types,
        re.compile(id_pattern),
        timezone,
        tracker_url,
        commit_url,
        track_since,
    )


def _date_or_none(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def check_settings(app: Sphinx, config: Config) -> None:
    """Replace invalid values by their defaults, with a warning at conf.py for each."""
    conf_py = Path(app.confdir, "conf.py")
    source = conf_py.read_text(encoding="utf-8").splitlines() if conf_py.is_file() else []

    def location(name: str) -> Location:
        """The last line of conf.py that sets ``name``; none when it came from -D."""
        lines = [n for n, line in enumerate(source, 1) if re.match(rf"\s*{name}\s*=", line)]
        return f"{conf_py}:{lines[-1]}" if lines else (None, None)  # type: ignore[return-value]

    for setting in SETTINGS:
        try:
            value = setting.check(getattr(config, setting.name))
        except (ValueError, TypeError) as exc:
            warn(
                "config",
                f"{setting.name}: {exc}; using the default {setting.default_shown}",
                location(setting.name),
            )
            value = setting.default
        setattr(config, setting.name, value)
    if config.postmortem_default_priority not in config.postmortem_priorities:
        warn(
            "config",
            f"postmortem_default_priority: {config.postmortem_default_priority!r} is not one "
            f"of postmortem_priorities; using {config.postmortem_priorities[0]!r}",
            location("postmortem_default_priority"),
        )
        config.postmortem_default_priority = config.postmortem_priorities[0]


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
    for setting in SETTINGS:
        app.add_config_value(setting.name, setting.default, setting.rebuild, types=setting.types)
    app.connect("config-inited", check_settings)

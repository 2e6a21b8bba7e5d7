"""The sphinx-postmortem user manual. Build it with ``make docs``.

The manual uses the extension it documents: every directive on the reference
pages is rendered live, so the manual cannot drift from what the code does.
"""

from sphinx_postmortem import __version__

project = "sphinx-postmortem"
author = "sphinx-postmortem contributors"
copyright = "sphinx-postmortem contributors"
release = __version__

extensions = ["myst_parser", "sphinx_postmortem"]
exclude_patterns = ["_build"]

html_theme = "furo"
html_title = f"sphinx-postmortem {release}"

# The examples in this manual are post-mortems too. A fixed "today" keeps the
# build the same on every day; open example actions are due far later, so
# none is ever overdue and the manual builds without a warning.
postmortem_today = "2026-11-28"
# Tracker keys such as OPS-2031 in the examples become links.
postmortem_tracker_url = "https://tracker.example.com/browse/{}"
# This repository's commits close actions of the sample in incidents/, not of
# the manual's examples: read from here, their trailers would name no action.
postmortem_git = False

# MyST: "Term" lines followed by ": definition" lines.
myst_enable_extensions = ["colon_fence", "deflist"]

"""The post-mortem knowledge base: `make html` builds it into _build/html."""

project = "Post-mortems"
author = "The on-call team"
copyright = "the on-call team; published openly"

extensions = ["myst_parser", "sphinx_postmortem"]
myst_enable_extensions = ["colon_fence"]  # directives as ::: fences: a title may hold a backtick
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = "Post-mortems"

# sphinx-postmortem
postmortem_timezone = "UTC"
# The format `make new-incident` proposes: "md" (MyST Markdown) or "rst".
postmortem_template_format = "md"
# Link tracker keys such as OPS-123 to your tracker:
# postmortem_tracker_url = "https://tracker.example.com/browse/{}"
# Link the commits that close actions (Closes-Action: trailers) to your forge:
# postmortem_commit_url = "https://github.com/your-org/your-repo/commit/{}"

"""Django's date formats for the console in language `da`: the console's one format."""

from orchestrator_site.formats.locale_formats import *  # noqa: F403

"""Django's date formats for the console in language `en_GB`: the console's one format."""

from orchestrator_site.formats.locale_formats import *  # noqa: F403

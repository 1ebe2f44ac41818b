"""Ratings and rectification (好差评 · 整改): one rating per service, bad ratings rectified with feedback, aggregates, return visits (RATE-01, 02, 03, 06, 07, 08)."""

from tongban.cases import hooks as _case_hooks
from tongban.helpdesk import hooks as _help_hooks
from tongban.ratings import links as _links
from tongban.ratings import reminders as _reminders
from tongban.ratings import sources as _sources

# Wherever ratings is loaded (the app, the worker): the bad-rating rate is flagged by supervision, and a closed
# ticket or a held help session is reminded to rate at once; decision notices carry the signed link to rate the case.
_sources.register()
_help_hooks.register_after_service(_reminders.after_help_service)
_case_hooks.register_notice_code(_links.notice_code)

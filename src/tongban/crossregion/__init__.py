"""Cross-region service (跨域通办): province-wide and cross-province lists, routing to the home region, the remote window, the liaison directory (XREG-01 … 04).

Importing the package registers its case hooks: the router and its record (XREG-02), and the feedback of a remote
window's case to the receiving side (XREG-03)."""

from tongban.cases import hooks as _hooks
from tongban.crossregion import feedback as _feedback
from tongban.crossregion import routing as _routing

_hooks.register_router(_routing.router)
_hooks.register_after_submit(_routing.after_submit)
_hooks.register_after_event(_feedback.after_event)

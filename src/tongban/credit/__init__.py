"""Credit-based approval (信用审批): item lists, grades from the credit library applied at submission, pledges checked later, exclusion and repair (CRED-01 … 06)."""

from tongban.cases import hooks as _case_hooks
from tongban.credit import approval as _approval

# Wherever cases run (the app, the CLI, the worker): the grade is checked before a case is written and applied after.
_case_hooks.register_before_submit(_approval.before_submit)
_case_hooks.register_after_submit(_approval.after_submit)
